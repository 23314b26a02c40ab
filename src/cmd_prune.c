/*
 * cmd_prune.c - `dockreset prune TARGET`: deletes the backups no retention
 * rule keeps, after the confirmation of SPEC 3 (production's when the target
 * carries a marker).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "cmd.h"
#include "guard.h"
#include "ui.h"

/* Removes a backup's file, then its manifest. */
static int delete_backup(const char *dir, const struct backup_entry *b)
{
	char *file = xasprintf("%s/%s", dir, b->file);
	char *man = backup_manifest_name(b->id);
	char *mpath = xasprintf("%s/%s", dir, man);
	int rc = 0;

	if (unlink(file) < 0 && errno != ENOENT) {
		ui_error("cannot delete '%s': %s", file, strerror(errno));
		rc = EXIT_IO;
	} else if (unlink(mpath) < 0 && errno != ENOENT) {
		ui_error("cannot delete '%s': %s", mpath, strerror(errno));
		rc = EXIT_IO;
	}
	free(file);
	free(man);
	free(mpath);
	return rc;
}

/*
 * The confirmation of SPEC 3 with verb "prune": the target's markers are
 * read first (one that cannot be read counts as production).
 */
static int confirm(struct cmd_ctx *ctx, size_t ndel)
{
	struct guard_markers m = { 0 };
	struct session ss;
	char *what =
	    xasprintf("delete %zu backup%s of '%s'", ndel, ndel == 1 ? "" : "s", ctx->target->name);
	struct guard_confirm_req req = { .target = ctx->target->name,
					 .verb = "prune",
					 .markers = &m,
					 .yes = ctx->opt->yes,
					 .production_flag = ctx->opt->production,
					 .what = what };
	int rc;

	session_open(&ss, ctx, 1, 1);
	guard_scan_target(&m, ctx->cfg, ctx->target, ss.tc.groups ? &ss.tc : NULL, ss.conn);
	/* no session held open while a person reads the prompt */
	session_close(&ss);
	rc = guard_confirm_req(&req);
	guard_markers_release(&m);
	free(what);
	return rc;
}

int cmd_prune(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	struct backup_list l = BACKUP_LIST_INIT;
	struct backup_lock lock = BACKUP_LOCK_INIT;
	json_t *deleted = json_array(), *kept = json_array();
	long long older = -1;
	unsigned long keep =
	    ctx->opt->keep >= 0 ? (unsigned long)ctx->opt->keep : (unsigned long)t->backup_keep;
	unsigned *why = NULL;
	size_t ndel = 0;
	int rc = 0, e;

	json_object_set_new(ui_json(), "deleted", deleted);
	json_object_set_new(ui_json(), "kept", kept);
	if (ctx->opt->older_than) {
		older = backup_parse_duration(ctx->opt->older_than);
		if (older < 0) {
			ui_error("--older-than: '%s' is not a duration like 30d, 12h, 15m",
				 ctx->opt->older_than);
			ui_hint("try 'dockreset --help'");
			return EXIT_USAGE;
		}
	}
	if ((e = backup_lock_acquire(&lock, t->backup_dir, t->name, "prune")) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	if ((e = backup_list_load(&l, t->backup_dir, t->name)) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	why = xcalloc(l.n, sizeof(*why));
	backup_retention(why, l.v, l.n, keep, older, time(NULL));
	for (size_t i = 0; i < l.n; i++) {
		if (why[i])
			json_array_append_new(kept, json_string(l.v[i].id));
		else
			ndel++;
	}
	if (ndel == 0) {
		ui_info("nothing to prune: %zu backup%s kept", l.n, l.n == 1 ? "" : "s");
		goto out;
	}
	/* a dry run changes nothing, so it never asks nor refuses (SPEC 3) */
	if (!ctx->opt->dry_run && (rc = confirm(ctx, ndel)))
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		if (why[i])
			continue;
		if (!ctx->opt->dry_run && (e = delete_backup(t->backup_dir, &l.v[i]))) {
			rc = e;
			goto out;
		}
		json_array_append_new(deleted, json_string(l.v[i].id));
		if (!ctx->opt->json)
			printf("%s %s\n", ctx->opt->dry_run ? "would delete" : "deleted",
			       l.v[i].id);
	}
	if (l.orphans.n)
		ui_info("%zu file%s without a manifest left alone", l.orphans.n,
			l.orphans.n == 1 ? "" : "s");
out:
	free(why);
	backup_list_release(&l);
	backup_lock_release(&lock);
	return rc;
}
