/*
 * cmd_common.c - what the commands share: Docker, the target's containers,
 * its database waited for, the commit whose outcome must be known, the
 * caches and the apps after a change (reset, restore), and the steps every
 * destructive command shares: its locks, the apps stopped, the git head,
 * the safety backup's request, what a signal made of the outcome.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apps.h"
#include "backup.h"
#include "cache.h"
#include "cmd.h"
#include "dump.h"
#include "guard.h"
#include "sig.h"
#include "ui.h"

int session_open(struct session *s, const struct cmd_ctx *ctx, int need_db, int connect)
{
	int err;

	memset(s, 0, sizeof(*s));
	if (docker_endpoint_resolve(&s->url, ctx->opt->host) < 0)
		return EXIT_DOCKER;
	err = docker_open(&s->d, s->url);
	if (err == 0)
		err = target_find_containers(s->d, ctx->cfg, ctx->target, &s->tc);
	if (err < 0)
		return docker_exit_code(err);
	if (!need_db)
		return 0;
	s->db = target_database(&s->tc, ctx->target);
	if (!s->db)
		return EXIT_CONTAINER;
	if (!connect)
		return 0;
	if (pg_params_from_container(&s->pp, ctx->target, s->db, ctx->name) < 0)
		return EXIT_CONTAINER;
	s->conn = pg_connect(&s->pp);
	return s->conn ? 0 : pg_exit_code(s->d, s->db, EXIT_CONTAINER);
}

void session_close(struct session *s)
{
	if (s->conn)
		PQfinish(s->conn);
	pg_params_release(&s->pp);
	target_containers_release(&s->tc);
	docker_close(s->d);
	free(s->url);
	memset(s, 0, sizeof(*s));
}

int session_open_waiting(struct session *s, const struct cmd_ctx *ctx, int timeout_s)
{
	const struct target_group *g;
	int rc, err;

	rc = session_open(s, ctx, 0, 0);
	if (rc)
		return rc;
	g = &s->tc.groups[0];
	if (g->n == 1 &&
	    !(g->v[0]->running && (!g->v[0]->health || !strcmp(g->v[0]->health, "healthy")))) {
		ui_step("waiting up to %d s for the database container '%s'", timeout_s,
			g->v[0]->name);
		err = docker_wait_healthy(s->d, g->v[0]->id, timeout_s, sig_flag());
		if (err == DOCKER_EABORTED)
			return sig_exit_code();
		if (err < 0)
			return docker_exit_code(err);
		/* its state is new: look at every container again */
		target_containers_release(&s->tc);
		err = target_find_containers(s->d, ctx->cfg, ctx->target, &s->tc);
		if (err < 0)
			return docker_exit_code(err);
	}
	s->db = target_database(&s->tc, ctx->target);
	if (!s->db)
		return EXIT_CONTAINER;
	if (pg_params_from_container(&s->pp, ctx->target, s->db, ctx->name) < 0)
		return EXIT_CONTAINER;
	s->conn = pg_connect(&s->pp);
	return s->conn ? 0 : pg_exit_code(s->d, s->db, EXIT_CONTAINER);
}

int session_commit(struct session *s, const char *xid, int timeout_s, const char *what)
{
	PGconn *c = s->conn;
	PGresult *res;
	double deadline;

	if (PQtransactionStatus(c) != PQTRANS_INTRANS) {
		ui_error("the %s transaction failed before its commit", what);
		return EXIT_COMMAND;
	}
	ui_step("committing");
	res = pg_exec_finish(c, "COMMIT");
	if (res && PQresultStatus(res) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(res), "COMMIT")) {
		PQclear(res);
		return 0;
	}
	if (!res && pg_failure() == PG_INTERRUPTED) {
		/* the signal came before COMMIT was sent: nothing committed */
		pg_snapshot_end(c);
		return sig_exit_code();
	}
	if (res && PQstatus(c) != CONNECTION_BAD) {
		char *m = pg_message(PQresultErrorMessage(res));
		ui_error("the %s transaction did not commit: %s", what, m);
		free(m);
		PQclear(res);
		return EXIT_COMMAND;
	}
	PQclear(res);
	ui_warn("the connection was lost during COMMIT; asking the server what became of "
		"transaction %s",
		xid);
	deadline = monotonic_s() + timeout_s;
	for (;;) {
		PGconn *n = pg_connect(&s->pp);
		if (n) {
			int rc;
			PQfinish(s->conn);
			s->conn = n;
			rc = session_xact_status(s, xid);
			if (rc == 0)
				ui_info("    transaction %s committed", xid);
			if (rc == EXIT_COMMAND)
				ui_error(
				    "the %s transaction did not commit (the server aborted it)",
				    what);
			if (rc >= 0)
				return rc;
			break;
		}
		if (monotonic_s() >= deadline || sig_pending())
			break;
		nanosleep(&(struct timespec){ .tv_sec = 1 }, NULL);
	}
	ui_error("the outcome of the %s is unknown: the connection was lost during COMMIT "
		 "and the server could not say whether transaction %s committed",
		 what, xid);
	return EXIT_PARTIAL;
}

int session_xact_status(struct session *s, const char *xid)
{
	const char *params[1] = { xid };
	const char *st = NULL;
	PGresult *res;
	int rc = -1;

	res = pg_exec(s->conn, "SELECT pg_xact_status($1::xid8)", 1, params);
	if (res && !PQgetisnull(res, 0, 0))
		st = PQgetvalue(res, 0, 0);
	if (st && !strcmp(st, "committed"))
		rc = 0;
	else if (st && !strcmp(st, "aborted"))
		rc = EXIT_COMMAND;
	PQclear(res);
	return rc;
}

void session_flush_caches(struct session *s, const struct cfg_target *t, struct strlist *unfinished)
{
	for (size_t i = 0; i < t->ncaches; i++) {
		const struct target_group *g = &s->tc.groups[1 + t->napps + i];
		char *what = target_ref_name(g->ref);
		if (g->n == 0) {
			ui_error("cache %s has no container", what);
			strlist_push_nodup(unfinished, xasprintf("flushing cache %s", what));
		}
		for (size_t j = 0; j < g->n; j++) {
			ui_step("flushing cache '%s'", g->v[j]->name);
			if (!g->v[j]->running) {
				ui_error("cache container '%s' is not running", g->v[j]->name);
				strlist_push_nodup(unfinished,
						   xasprintf("flushing cache '%s'", g->v[j]->name));
			} else if (cache_flush(s->d, g->v[j], &t->caches[i]) < 0) {
				strlist_push_nodup(unfinished,
						   xasprintf("flushing cache '%s'", g->v[j]->name));
			}
		}
		free(what);
	}
}

void session_start_apps(struct session *s, struct apps_stopped *stopped, int timeout_s,
			int no_restart, struct strlist *unfinished)
{
	struct strlist failed = STRLIST_INIT;
	int err;

	if (no_restart) {
		for (size_t i = 0; i < stopped->names.n; i++)
			ui_info("    app '%s' left stopped (--no-restart)", stopped->names.v[i]);
		apps_stopped_release(stopped);
		return;
	}
	if (!stopped->ids.n)
		return;
	ui_step(unfinished ? "starting the apps" : "starting the apps again");
	err = apps_start(s->d, stopped, timeout_s, sig_flag(), &failed);
	for (size_t i = 0; i < failed.n; i++) {
		if (unfinished)
			strlist_push_nodup(unfinished,
					   xasprintf(err == DOCKER_EABORTED
							 ? "app '%s' started, not waited for"
							 : "app '%s' not running and healthy",
						     failed.v[i]));
		else if (err == DOCKER_EABORTED)
			ui_warn("app '%s' was started again, not waited for (interrupted)",
				failed.v[i]);
		else
			ui_error("app '%s' was stopped by this run and is not back up",
				 failed.v[i]);
	}
	strlist_clear(&failed);
	apps_stopped_release(stopped);
}

int cmd_advisory_lock(PGconn *c, const struct cfg_target *t, long long key, struct docker *d,
		      const struct docker_container *db)
{
	int e = pg_advisory_trylock(c, key);

	if (e > 0)
		ui_error("the database of '%s' is locked by another dockreset run", t->name);
	if (e)
		return e > 0 ? EXIT_LOCKED : pg_exit_code(d, db, EXIT_COMMAND);
	return 0;
}

int session_lock(struct session *s, const struct cfg_target *t, struct backup_lock *flock,
		 long long key, const char *verb, int clean_partials, int *advisory)
{
	int e;

	if ((e = backup_lock_acquire(flock, t->backup_dir, t->name, verb)) < 0)
		return backup_exit_code(e);
	if (clean_partials && backup_clean_partials(t->backup_dir) < 0)
		return EXIT_IO;
	if ((e = cmd_advisory_lock(s->conn, t, key, s->d, s->db)))
		return e;
	*advisory = 1;
	return 0;
}

int session_stop_apps(struct session *s, struct apps_stopped *stopped)
{
	int err;

	if (sig_pending())
		return sig_exit_code();
	ui_step("stopping the apps");
	err = apps_stop(s->d, &s->tc, stopped);
	return err < 0 ? docker_exit_code(err) : 0;
}

void cmd_git_head(const struct cmd_ctx *ctx, char **branch, char **commit)
{
	char *why = NULL;

	if (guard_git_head(ctx->cfg->dir, branch, commit, &why) < 0)
		ui_verbose("%s", why);
	free(why);
}

struct dump_request session_backup_request(const struct session *s, const struct cfg_target *t,
					   const char *snapshot, const char *reason,
					   const char *branch, const char *commit, int lock_wait_s)
{
	return (struct dump_request){
		.d = s->d,
		.db = s->db,
		.t = t,
		.pp = &s->pp,
		.conn = s->conn,
		.snapshot = snapshot,
		.format = t->backup_format == FORMAT_PLAIN  ? BACKUP_FORMAT_PLAIN
			  : t->backup_format == FORMAT_JSON ? BACKUP_FORMAT_JSON
							    : BACKUP_FORMAT_CUSTOM,
		.reason = reason,
		.git_branch = branch,
		.git_commit = commit,
		.lock_wait_timeout_s = lock_wait_s,
	};
}

int session_safety_backup(struct session *s, const struct cfg_target *t, const char *reason,
			  const char *branch, const char *commit, int lock_wait_s,
			  json_t **manifest)
{
	char *snapshot = NULL;
	struct dump_request q;
	int rc;

	ui_step("taking the %s backup", reason);
	if (pg_snapshot_begin(s->conn, NULL, 0, 0, &snapshot) < 0)
		return sig_pending() ? sig_exit_code() : pg_exit_code(s->d, s->db, EXIT_COMMAND);
	q = session_backup_request(s, t, snapshot, reason, branch, commit, lock_wait_s);
	rc = dump_take(manifest, &q);
	pg_snapshot_end(s->conn);
	free(snapshot);
	if (rc == 0)
		ui_info("    backup %s written and verified",
			json_string_value(json_object_get(*manifest, "id")));
	return rc;
}

int cmd_interrupted(int rc, int committed, const char *noun)
{
	const char *sig;

	if (!sig_pending() || !(rc == 0 || rc == EXIT_PARTIAL || rc == EXIT_COMMAND ||
				rc == EXIT_SIGINT || rc == EXIT_SIGTERM))
		return rc;
	rc = sig_exit_code();
	sig = rc == EXIT_SIGTERM ? "SIGTERM" : "SIGINT";
	if (committed)
		ui_error("interrupted by %s after the %s was committed; the remaining steps ran",
			 sig, noun);
	else
		ui_error("interrupted by %s: the database was not changed", sig);
	return rc;
}

json_t *cmd_audit_entry(const char *command, const char *target, const char *branch,
			const char *commit)
{
	json_t *e = json_object();

	json_object_set_new(e, "command", json_string(command));
	json_object_set_new(e, "target", json_string(target));
	json_object_set_new(e, "git",
			    json_pack("{s:s?, s:s?}", "branch", branch, "commit", commit));
	return e;
}

char *cmd_outcome_failed(int rc)
{
	if (rc == EXIT_SIGINT || rc == EXIT_SIGTERM)
		return xasprintf("failed: interrupted by %s",
				 rc == EXIT_SIGINT ? "SIGINT" : "SIGTERM");
	return xasprintf("failed: %s", ui_first_error() ? ui_first_error() : "error");
}

char *cmd_outcome_partial(const struct strlist *unfinished, const char *none)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	for (size_t i = 0; i < unfinished->n; i++)
		strbuf_addf(&sb, "%s%s", i ? "; " : "", unfinished->v[i]);
	if (!unfinished->n)
		strbuf_addstr(&sb, none);
	s = xasprintf("partial: %s", sb.buf);
	strbuf_release(&sb);
	return s;
}
