/*
 * cmd_verify.c - `dockreset verify TARGET [BACKUP]`: full verification of
 * one backup or of all the target's; a success is recorded as verified_at.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "cmd.h"
#include "dump.h"
#include "sig.h"
#include "ui.h"

struct verifier {
	struct cmd_ctx *ctx;
	struct session ss;
	int opened; /* the session was tried */
	int open_rc;
};

/* The database container, looked for the first time a backup needs it. */
static const struct docker_container *need_db(struct verifier *v, int *rc)
{
	if (!v->opened) {
		v->opened = 1;
		v->open_rc = session_open(&v->ss, v->ctx, 1, 0);
	}
	*rc = v->open_rc;
	return v->open_rc ? NULL : v->ss.db;
}

static int verify_one(struct verifier *v, const struct backup_entry *b, json_t *results)
{
	const struct cfg_target *t = v->ctx->target;
	const struct docker_container *db = NULL;
	int rc = 0, e;

	if (b->format == BACKUP_FORMAT_CUSTOM)
		db = need_db(v, &rc);
	if (rc == 0)
		rc = dump_verify(v->ss.d, db, t->backup_dir, b->manifest);
	if (rc == 0) {
		json_t *m = json_deep_copy(b->manifest);
		backup_manifest_set_verified(m, time(NULL));
		e = backup_manifest_write(t->backup_dir, m, BACKUP_FILE_REPLACE);
		json_decref(m);
		if (e < 0)
			rc = backup_exit_code(e);
	}
	json_array_append_new(results,
			      json_pack("{s:s, s:b, s:i, s:s?}", "id", b->id, "ok", rc == 0,
					"exit_code", rc, "error", rc ? ui_last_error() : NULL));
	if (!v->ctx->opt->json)
		printf("%-40s %s\n", b->id, rc == 0 ? "ok" : "FAILED");
	return rc;
}

/* Whether entry ("<id>.manifest.json: why", of backup_list.damaged) is id's. */
static int damaged_is(const char *entry, const char *id)
{
	size_t n = strlen(id);

	return !strncmp(entry, id, n) && !strncmp(entry + n, ".manifest.json:", 15);
}

int cmd_verify(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	const char *want = ctx->opt->nargs ? ctx->opt->args[0] : NULL;
	struct backup_list l = BACKUP_LIST_INIT;
	struct backup_lock lock = BACKUP_LOCK_INIT;
	struct verifier v = { .ctx = ctx };
	json_t *results = json_array();
	int rc = 0, e, found = 0;

	json_object_set_new(ui_json(), "results", results);
	if (want && !backup_id_valid(t->name, want)) {
		ui_error("'%s' is not a backup id of target '%s'", want, t->name);
		ui_hint("'dockreset backups %s' lists them", t->name);
		return EXIT_USAGE;
	}
	if ((e = backup_lock_acquire(&lock, t->backup_dir, t->name, "verify")) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	if ((e = backup_list_load(&l, t->backup_dir, t->name)) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	for (size_t i = 0; i < l.n && !sig_pending(); i++) {
		if (want && strcmp(l.v[i].id, want))
			continue;
		found = 1;
		e = verify_one(&v, &l.v[i], results);
		/* an integrity failure says most; keep the first of each kind */
		if (e && (rc == 0 || (e == EXIT_INTEGRITY && rc != EXIT_INTEGRITY)))
			rc = e;
	}
	for (size_t i = 0; i < l.damaged.n; i++) {
		/* a backup asked for by id whose manifest is damaged is a failed
		 * check (exit 7), not a backup that does not exist */
		if (want && !damaged_is(l.damaged.v[i], want))
			continue;
		found = 1;
		ui_error("manifest %s", l.damaged.v[i]);
		json_array_append_new(results, json_pack("{s:s, s:b, s:i, s:s}", "id",
							 l.damaged.v[i], "ok", 0, "exit_code",
							 EXIT_INTEGRITY, "error", l.damaged.v[i]));
		rc = EXIT_INTEGRITY;
	}
	if (want && !found) {
		ui_error("no backup '%s' of target '%s' in '%s'", want, t->name, t->backup_dir);
		rc = EXIT_USAGE;
	} else if (!want && l.n == 0 && l.damaged.n == 0) {
		ui_info("no backups of '%s' to verify", t->name);
	}
out:
	if (sig_pending())
		rc = sig_exit_code();
	backup_lock_release(&lock);
	backup_list_release(&l);
	if (v.opened)
		session_close(&v.ss);
	return rc;
}
