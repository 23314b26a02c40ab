/*
 * cmd_backup.c - `dockreset backup TARGET`: a verified backup, under the
 * target's lock, from one snapshot (SPEC 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backup.h"
#include "cmd.h"
#include "dump.h"
#include "guard.h"
#include "sig.h"
#include "ui.h"

/* Warns when backups would be committed with the project, or can be read
 * by other users through a directory dockreset did not make. */
static void warn_about_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0 && (st.st_mode & 077)) {
		ui_warn("the backup directory '%s' is open to other users (mode %04o)", dir,
			(unsigned)(st.st_mode & 07777));
		ui_hint("backups hold user data: chmod 700 '%s'", dir);
	}
	if (backup_dir_git_exposed(dir) == 1) {
		ui_warn("the backup directory '%s' is inside a git work tree and not ignored there",
			dir);
		ui_hint("backups hold user data: add the directory to .gitignore");
	}
}

int cmd_backup(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	const char *fmt_name = ctx->opt->format;
	struct backup_lock lock = BACKUP_LOCK_INIT;
	struct session ss;
	enum backup_format format;
	char *snapshot = NULL, *branch = NULL, *commit = NULL, *why = NULL;
	long long key = backup_advisory_key(t->name);
	json_t *manifest = NULL;
	int rc, e, advisory = 0;
	double start = monotonic_s();

	if (!fmt_name)
		fmt_name = t->backup_format == FORMAT_PLAIN  ? "plain"
			   : t->backup_format == FORMAT_JSON ? "json"
							     : "custom";
	if (backup_format_parse(&format, fmt_name) < 0) {
		ui_error("--format: '%s' is not custom, plain or json", fmt_name);
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	if (ctx->opt->label) {
		/* the manifest is JSON: a label must be text it can hold */
		json_t *j = json_string(ctx->opt->label);
		if (!j) {
			ui_error("--label: not valid UTF-8 text");
			ui_hint("try 'dockreset --help'");
			return EXIT_USAGE;
		}
		json_decref(j);
	}
	rc = session_open(&ss, ctx, 1, 1);
	if (rc)
		goto out;
	if ((e = backup_lock_acquire(&lock, t->backup_dir, t->name, "backup")) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	if (backup_clean_partials(t->backup_dir) < 0) {
		rc = EXIT_IO;
		goto out;
	}
	warn_about_dir(t->backup_dir);
	e = pg_advisory_trylock(ss.conn, key);
	if (e != 0) {
		if (e > 0)
			ui_error("the database of '%s' is locked by another dockreset run",
				 t->name);
		rc = e > 0 ? EXIT_LOCKED : pg_exit_code(ss.d, ss.db, EXIT_COMMAND);
		goto out;
	}
	advisory = 1;
	if (guard_git_head(ctx->cfg->dir, &branch, &commit, &why) < 0)
		ui_verbose("%s", why);
	if (pg_snapshot_begin(ss.conn, NULL, 0, 0, &snapshot) < 0) {
		rc = pg_exit_code(ss.d, ss.db, EXIT_COMMAND);
		goto out;
	}
	{
		struct dump_request r = {
			.d = ss.d,
			.db = ss.db,
			.t = t,
			.pp = &ss.pp,
			.conn = ss.conn,
			.snapshot = snapshot,
			.format = format,
			.reason = "manual",
			.label = ctx->opt->label,
			.git_branch = branch,
			.git_commit = commit,
			.lock_wait_timeout_s = 30,
		};
		rc = dump_take(&manifest, &r);
	}
	pg_snapshot_end(ss.conn);
	if (rc)
		goto out;
	json_object_set(ui_json(), "backup", manifest);
	if (!ctx->opt->json) {
		char size[32];
		double secs = monotonic_s() - start;
		unsigned long long bytes = json_integer_value(json_object_get(manifest, "size"));
		printf("backup %s: %s in %.1f s (%.1f MB/s), verified\n",
		       json_string_value(json_object_get(manifest, "id")),
		       human_size(size, sizeof(size), bytes), secs,
		       secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
	}
out:
	if (sig_pending()) {
		if (rc == 0 || rc == EXIT_SIGINT || rc == EXIT_SIGTERM)
			rc = sig_exit_code();
		ui_error("interrupted by %s%s",
			 sig_exit_code() == EXIT_SIGTERM ? "SIGTERM" : "SIGINT",
			 manifest ? " after the backup was written and verified"
				  : ": no backup was written");
	}
	if (advisory)
		pg_advisory_unlock(ss.conn, key);
	backup_lock_release(&lock);
	json_decref(manifest);
	free(snapshot);
	free(branch);
	free(commit);
	free(why);
	session_close(&ss);
	return rc;
}
