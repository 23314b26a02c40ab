/*
 * cmd_reset.c - `dockreset reset TARGET` (SPEC 4, in its order): plan,
 * guard, lock, apps stopped, the pre-reset backup from the snapshot of the
 * reset transaction, TRUNCATE and seeds in that transaction, commit, counts
 * and stats, caches flushed, apps started, a summary and one audit line.
 *
 * Before the commit any failure or interrupt rolls back and starts the apps
 * it stopped: the database is as it was. After the commit the remaining
 * steps still run; one that fails makes the exit 10, naming the backup that
 * holds the previous state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apps.h"
#include "audit.h"
#include "backup.h"
#include "cache.h"
#include "cmd.h"
#include "dump.h"
#include "guard.h"
#include "seed.h"
#include "sig.h"
#include "ui.h"

#define DEFAULT_TIMEOUT_S 60
/* How long LOCK TABLE and pg_dump wait for other sessions' locks. */
#define LOCK_WAIT_S 30

struct reset_run {
	struct cmd_ctx *ctx;
	const struct cfg_target *t;
	int timeout;
	struct session ss;
	struct plan_report rep; /* the plan, as plan shows it */
	struct pg_table *v;	/* rep's tables (borrowed names); rows: counts */
	size_t n;
	struct pg_table *lock; /* the tables emptied, LOCKed first (borrowed names) */
	size_t nlock;
	long long *before, *after;   /* per table of v; -1: unknown */
	char *truncate_sql;	     /* NULL when nothing is emptied */
	struct strlist sequence_sql; /* the stand-alone sequences' ALTER SEQUENCE ... RESTART */
	const struct cfg_seed_profile **profiles;
	size_t nprofiles;
	struct backup_lock flock;
	long long key;
	int advisory;
	struct apps_stopped stopped;
	int recreate; /* drop and recreate the schemas instead of TRUNCATE */
	int in_tx, committed;
	char *xid;
	json_t *manifest, *stats_before, *stats_after;
	struct strlist unfinished; /* steps after the commit that did not finish */
	char *branch, *commit;
};

/* ---- step 0: what is refused before anything happens ---- */

static int check_request(struct reset_run *r)
{
	const struct options *o = r->ctx->opt;
	const struct cfg_target *t = r->t;
	const struct strlist *names = &t->default_seeds;

	if (o->strategy && strcmp(o->strategy, "truncate") && strcmp(o->strategy, "recreate")) {
		ui_error("--strategy: '%s' is not truncate or recreate", o->strategy);
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	r->recreate =
	    o->strategy ? !strcmp(o->strategy, "recreate") : t->strategy == STRATEGY_RECREATE;
	if (r->recreate && t->nkeep) {
		ui_error("targets.%s.reset.keep: not allowed with the recreate strategy, which "
			 "drops every table of the schemas",
			 t->name);
		ui_hint("remove \"keep\", or use --strategy truncate");
		return EXIT_USAGE;
	}
	if (!r->recreate && (t->migrate_sql.n || t->migrate_argv.n))
		ui_warn("--strategy truncate: targets.%s.reset.migrate is not run", t->name);
	if (o->no_seed && o->seeds.n) {
		ui_error("--seed and --no-seed exclude each other");
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	if (o->seeds.n)
		names = &o->seeds;
	if (o->no_seed)
		names = NULL;
	if (!names)
		return 0;
	if (!(r->profiles = seed_profiles_pick(t, names->v, names->n)))
		return EXIT_USAGE;
	r->nprofiles = names->n;
	return 0;
}

/* ---- step 2: the plan ---- */

/* Catalog, plan, row counts, stats and markers: what `plan` shows. */
static int build_plan(struct reset_run *r)
{
	int rc;

	if ((rc = plan_report_gather(&r->rep, r->ctx, &r->ss)))
		return rc;
	r->v = plan_pg_tables(&r->rep.p, 0, &r->n);
	r->lock = plan_pg_tables(&r->rep.p, r->recreate ? 0 : 1, &r->nlock);
	r->before = xcalloc(r->n + 1, sizeof(*r->before));
	r->after = xcalloc(r->n + 1, sizeof(*r->after));
	for (size_t i = 0; i < r->n; i++)
		r->before[i] = r->after[i] = -1;
	if (r->recreate) {
		/* every table of the schemas goes: every one is locked and in the backup */
		size_t k = 0;
		for (size_t i = 0; i < r->n; i++)
			if (strlist_has(&r->t->schemas, r->v[i].schema))
				r->lock[k++] = r->v[i];
		r->nlock = k;
		return 0;
	}
	r->truncate_sql = plan_truncate_sql(&r->rep.p);
	plan_sequence_sql(&r->sequence_sql, &r->rep.p);
	return 0;
}

/* Stats over the current state, in a read-only transaction of their own. */
static json_t *stats_now(PGconn *c, const struct cfg_target *t, struct pg_table *v, size_t n)
{
	json_t *o = NULL;

	if (pg_run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0)
		return NULL;
	if (pg_count_rows(c, v, n) == 0)
		o = dump_eval_stats(c, t);
	pg_cleanup_run(c, "ROLLBACK");
	return o;
}

static void print_stats(FILE *f, const json_t *before, const json_t *after)
{
	const char *k;
	json_t *b;

	json_object_foreach((json_t *)before, k, b)
	{
		char *bs = json_dumps(b, JSON_ENCODE_ANY), *as = NULL;
		if (after)
			as = json_dumps(json_object_get(after, k), JSON_ENCODE_ANY);
		if (as)
			fprintf(f, "  stat %-35s %12s -> %s\n", k, bs ? bs : "?", as);
		else
			fprintf(f, "  stat %-35s %12s\n", k, bs ? bs : "?");
		free(bs);
		free(as);
	}
}

/* ---- the --json document ---- */

/* plan's document, then what the run itself did. */
static void fill_json(const struct reset_run *r, const char *confirmation, double start)
{
	json_t *doc = ui_json(), *stats, *u;
	long long *before;

	if (!r->v)
		return;
	stats = json_object();
	u = json_array();
	plan_report_json(r->t, &r->rep);
	/* counted in the reset's snapshot when it got that far, else by the plan */
	before = xcalloc(r->n + 1, sizeof(*before));
	for (size_t i = 0; i < r->n; i++)
		before[i] = r->before[i] >= 0 ? r->before[i] : r->rep.rows[i];
	json_object_set_new(doc, "tables", plan_tables_json(&r->rep.p, before, r->after));
	free(before);
	json_object_set_new(json_object_get(doc, "confirmation"), "given",
			    confirmation ? json_string(confirmation) : json_null());
	json_object_set_new(doc, "backup", r->manifest ? json_incref(r->manifest) : json_null());
	json_object_set(stats, "before", r->stats_before ? r->stats_before : json_null());
	json_object_set(stats, "after", r->stats_after ? r->stats_after : json_null());
	json_object_set_new(doc, "stats", stats);
	json_object_set_new(doc, "committed", json_boolean(r->committed));
	for (size_t i = 0; i < r->unfinished.n; i++)
		json_array_append_new(u, json_string(r->unfinished.v[i]));
	json_object_set_new(doc, "unfinished", u);
	json_object_set_new(doc, "duration_ms",
			    json_integer((json_int_t)((monotonic_s() - start) * 1000)));
}

/* ---- step 4: confirmation and locks ---- */

static int confirm(struct reset_run *r, const char **given)
{
	const struct options *o = r->ctx->opt;
	struct guard_confirm_req req = {
		.target = r->t->name,
		.verb = "reset",
		.markers = &r->rep.markers,
		.yes = o->yes,
		.production_flag = o->production,
	};
	int rc;

	if (o->no_backup && (rc = guard_refuse_no_backup(&req, "--no-backup")))
		return rc;
	rc = guard_confirm_req(&req);
	if (rc == 0)
		*given = r->rep.markers.n ? "production" : o->yes ? "-y" : "typed";
	return rc;
}

/* ---- steps 6 and 7: the reset transaction ---- */

/* Rows per table of the manifest (the snapshot's counts) into before. */
static void before_from_manifest(struct reset_run *r)
{
	json_t *tables = json_object_get(r->manifest, "tables");

	for (size_t i = 0; i < r->n; i++) {
		json_t *c = json_object_get(tables, r->v[i].qualified);
		if (json_is_integer(c))
			r->before[i] = json_integer_value(c);
	}
}

static int backup_and_count(struct reset_run *r)
{
	PGconn *c = r->ss.conn;
	char *snapshot = NULL;
	PGresult *res;
	int rc;

	ui_step("locking the %zu reset tables and opening the reset transaction", r->nlock);
	if (pg_snapshot_begin(c, r->lock, r->nlock, LOCK_WAIT_S * 1000, &snapshot) < 0)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	r->in_tx = 1;
	/* after the export: it must not take the snapshot before the LOCK */
	res = pg_exec(c, "SELECT pg_current_xact_id()", 0, NULL);
	if (!res) {
		free(snapshot);
		return EXIT_COMMAND;
	}
	r->xid = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (r->ctx->opt->no_backup) {
		ui_step("no pre-reset backup (--no-backup)");
		free(snapshot);
		if (pg_count_rows(c, r->v, r->n) < 0)
			return EXIT_COMMAND;
		for (size_t i = 0; i < r->n; i++)
			r->before[i] = r->v[i].rows;
		r->stats_before = dump_eval_stats(c, r->t);
		return 0;
	}
	{
		struct dump_request q = session_backup_request(&r->ss, r->t, snapshot, "pre-reset",
							       r->branch, r->commit, LOCK_WAIT_S);
		rc = dump_take(&r->manifest, &q);
	}
	free(snapshot);
	if (rc)
		return rc;
	before_from_manifest(r);
	r->stats_before = json_incref(json_object_get(r->manifest, "stats"));
	ui_info("    backup %s written and verified",
		json_string_value(json_object_get(r->manifest, "id")));
	return 0;
}

static int empty_and_seed(struct reset_run *r)
{
	PGconn *c = r->ss.conn;

	if (r->recreate) {
		ui_step("dropping and recreating %zu schema%s", r->t->schemas.n,
			r->t->schemas.n == 1 ? "" : "s");
		for (size_t i = 0; i < r->rep.schema_sql.n; i++)
			if (pg_run(c, r->rep.schema_sql.v[i]) < 0)
				return EXIT_COMMAND;
		if (r->t->migrate_sql.n) {
			ui_step("migrating: %zu sql file%s", r->t->migrate_sql.n,
				r->t->migrate_sql.n == 1 ? "" : "s");
			if (seed_run_migrate_sql(c, r->t) < 0)
				return EXIT_COMMAND;
		}
	} else if (r->truncate_sql) {
		ui_step("emptying %zu tables", r->nlock);
		if (pg_run(c, r->truncate_sql) < 0)
			return EXIT_COMMAND;
		/* right after the TRUNCATE: the stand-alone sequences of the plan */
		for (size_t i = 0; i < r->sequence_sql.n; i++)
			if (pg_run(c, r->sequence_sql.v[i]) < 0)
				return EXIT_COMMAND;
	}
	return seed_run_profiles(c, r->profiles, r->nprofiles);
}

/* ---- steps 9 to 11: after the commit ---- */

/*
 * Step 8: the migrate command, then the run steps, each in a one-off
 * container. The first that fails ends the step (the later ones may depend
 * on it) and is added to unfinished.
 */
static void run_oneoffs(struct reset_run *r)
{
	const char *project = r->ss.tc.project;
	char *failed = NULL;
	int rc = 0;

	if (r->recreate)
		rc = seed_run_migrate_command(r->ss.d, project, r->t, &failed);
	for (size_t i = 0; i < r->nprofiles && !rc; i++)
		rc = seed_run_steps(r->ss.d, project, r->profiles[i], &failed);
	if (!rc)
		return;
	strlist_push_nodup(&r->unfinished,
			   xasprintf("%s (%s)", failed,
				     rc == EXIT_SIGINT || rc == EXIT_SIGTERM ? "interrupted"
				     : rc == EXIT_COMMAND		     ? "its command failed"
							  : "its container could not run"));
	free(failed);
}

/* The tables of v that exist now (a recreate's migrations may not make all). */
static void count_existing(struct reset_run *r)
{
	PGconn *c = r->ss.conn;
	struct pg_table *x = xcalloc(r->n + 1, sizeof(*x));
	size_t *at = xcalloc(r->n + 1, sizeof(*at)), k = 0;

	for (size_t i = 0; i < r->n; i++) {
		char *q = pg_quote_qualified(c, r->v[i].schema, r->v[i].name);
		const char *params[1] = { q };
		PGresult *res =
		    q ? pg_exec(c, "SELECT to_regclass($1) IS NOT NULL", 1, params) : NULL;
		if (res && !strcmp(PQgetvalue(res, 0, 0), "t")) {
			x[k] = r->v[i];
			at[k++] = i;
		}
		PQclear(res);
		free(q);
	}
	if ((r->stats_after = stats_now(c, r->t, x, k)))
		for (size_t i = 0; i < k; i++)
			r->after[at[i]] = x[i].rows;
	else
		strlist_push(&r->unfinished, "counting the rows after the reset");
	free(x);
	free(at);
}

static void after_commit(struct reset_run *r)
{
	const struct cfg_target *t = r->t;

	/* 8: app code, while the apps are still stopped */
	run_oneoffs(r);
	if (r->recreate && r->ss.conn) {
		count_existing(r);
		goto caches;
	}

	/* 9: before the apps write again */
	if (r->ss.conn) {
		if ((r->stats_after = stats_now(r->ss.conn, t, r->v, r->n)))
			for (size_t i = 0; i < r->n; i++)
				r->after[i] = r->v[i].rows;
		else
			strlist_push(&r->unfinished, "counting the rows after the reset");
	}
caches:
	/* 10 */
	session_flush_caches(&r->ss, t, &r->unfinished);
	/* 11 */
	session_start_apps(&r->ss, &r->stopped, r->timeout, r->ctx->opt->no_restart,
			   &r->unfinished);
}

/* Before the commit: roll back, start what was stopped. */
static void undo(struct reset_run *r)
{
	if (r->in_tx && r->ss.conn)
		pg_snapshot_end(r->ss.conn);
	r->in_tx = 0;
	session_start_apps(&r->ss, &r->stopped, r->timeout, 0, NULL);
}

/* ---- step 12 ---- */

static void print_summary(const struct reset_run *r, double start)
{
	printf("reset of '%s' %s in %.1f s\n", r->t->name,
	       r->unfinished.n ? "committed, unfinished" : "done", monotonic_s() - start);
	printf("  %-40s %12s  %12s\n", "TABLE", "BEFORE", "AFTER");
	for (size_t i = 0; i < r->n; i++) {
		char a[32];
		if (r->after[i] >= 0)
			snprintf(a, sizeof(a), "%lld", r->after[i]);
		else
			snprintf(a, sizeof(a), "?");
		printf("  %-40s %12lld  %12s%s\n", r->v[i].qualified, r->before[i], a,
		       r->rep.p.tables[i].reset ? "" : "  (kept)");
	}
	if (r->stats_before)
		print_stats(stdout, r->stats_before, r->stats_after);
	if (r->manifest)
		printf("  backup %s (pre-reset, verified)\n",
		       json_string_value(json_object_get(r->manifest, "id")));
	else
		printf("  no backup (--no-backup)\n");
}

static void write_audit(struct reset_run *r, int rc)
{
	json_t *e = cmd_audit_entry("reset", r->t->name, r->branch, r->commit);
	json_t *b = json_object(), *a = json_object();
	char *outcome;

	for (size_t i = 0; i < r->n; i++) {
		if (r->before[i] >= 0)
			json_object_set_new(b, r->v[i].qualified, json_integer(r->before[i]));
		if (r->after[i] >= 0)
			json_object_set_new(a, r->v[i].qualified, json_integer(r->after[i]));
	}
	if (rc == 0)
		outcome = xstrdup("ok");
	else if (r->committed)
		outcome = cmd_outcome_partial(&r->unfinished,
					      ui_last_error() ? ui_last_error() : "interrupted");
	else if (rc == EXIT_PARTIAL)
		outcome = xstrdup("unknown: the connection was lost during COMMIT");
	else
		outcome = cmd_outcome_failed(rc);
	json_object_set_new(e, "backup",
			    r->manifest ? json_incref(json_object_get(r->manifest, "id"))
					: json_null());
	json_object_set_new(e, "before", b);
	json_object_set_new(e, "after", a);
	json_object_set_new(e, "exit_code", json_integer(rc));
	json_object_set_new(e, "outcome", json_string(outcome));
	audit_append(r->ctx->cfg->backup_dir, e);
	json_decref(e);
	free(outcome);
}

static void report_partial(const struct reset_run *r)
{
	const char *id = r->manifest ? json_string_value(json_object_get(r->manifest, "id")) : NULL;

	ui_error("the database of '%s' was reset, but %zu step%s did not finish", r->t->name,
		 r->unfinished.n, r->unfinished.n == 1 ? "" : "s");
	for (size_t i = 0; i < r->unfinished.n; i++)
		ui_hint("not finished: %s", r->unfinished.v[i]);
	if (id)
		ui_hint("backup %s holds the state before the reset", id);
	else
		ui_hint("no backup was taken (--no-backup)");
}

int cmd_reset(struct cmd_ctx *ctx)
{
	struct reset_run run = { .ctx = ctx,
				 .t = ctx->target,
				 .flock = BACKUP_LOCK_INIT,
				 .stopped = APPS_STOPPED_INIT };
	struct reset_run *r = &run;
	const char *given = NULL;
	double start = monotonic_s();
	int rc, locked = 0;
	PGconn *conn0;

	r->timeout = ctx->opt->timeout > 0 ? ctx->opt->timeout : DEFAULT_TIMEOUT_S;
	r->key = backup_advisory_key(r->t->name);
	/* 1 */
	if ((rc = check_request(r)))
		goto out;
	/* --dry-run is `plan`: the same report, never a prompt, nothing changed */
	if (ctx->opt->dry_run) {
		rc = plan_show(ctx);
		goto out;
	}
	if ((rc = session_open_waiting(&r->ss, ctx, r->timeout)))
		goto out;
	/* 2, 3: a plan that cannot run is refused after the report, as plan does */
	if ((rc = build_plan(r)))
		goto out;
	if (!ctx->opt->quiet && !ctx->opt->json) {
		fprintf(stderr, "plan        reset of '%s' (project %s)\n", r->t->name,
			r->ss.tc.project);
		plan_report_print(stderr, r->t, &r->rep);
	}
	if ((rc = plan_report_problems(r->t, &r->rep)))
		goto out;
	/* 4 */
	if ((rc = confirm(r, &given)))
		goto out;
	if ((rc = session_lock(&r->ss, r->t, &r->flock, r->key, "reset", 1, &r->advisory)))
		goto out;
	locked = 1;
	cmd_git_head(ctx, &r->branch, &r->commit);
	/* 5 */
	if ((rc = session_stop_apps(&r->ss, &r->stopped)))
		goto out;
	/* 6, 7 */
	conn0 = r->ss.conn;
	if (sig_pending() || (rc = backup_and_count(r)) || (rc = empty_and_seed(r)))
		goto out;
	rc = session_commit(&r->ss, r->xid, r->timeout, "reset");
	r->in_tx = 0;
	if (r->ss.conn != conn0)
		r->advisory = 0; /* it ended with the old session */
	if (rc == EXIT_PARTIAL && r->manifest)
		ui_hint("backup %s holds the state before the reset",
			json_string_value(json_object_get(r->manifest, "id")));
	if (rc)
		goto out;
	r->committed = 1;
	/* 9 to 11: they run even after an interrupt */
	after_commit(r);
	rc = r->unfinished.n ? EXIT_PARTIAL : 0;
out:
	rc = cmd_interrupted(rc, r->committed, "reset");
	if (!r->committed)
		undo(r);
	else if (r->unfinished.n)
		report_partial(r);
	if (r->advisory && r->ss.conn)
		pg_advisory_unlock(r->ss.conn, r->key);
	if (r->committed && !ctx->opt->json)
		print_summary(r, start);
	if (!ctx->opt->dry_run)
		fill_json(r, given, start);
	if (locked)
		write_audit(r, rc);
	backup_lock_release(&r->flock);
	json_decref(r->manifest);
	json_decref(r->stats_before);
	json_decref(r->stats_after);
	strlist_clear(&r->unfinished);
	apps_stopped_release(&r->stopped);
	plan_report_release(&r->rep);
	free(r->v);
	free(r->lock);
	free(r->truncate_sql);
	strlist_clear(&r->sequence_sql);
	free(r->before);
	free(r->after);
	free(r->profiles);
	free(r->xid);
	free(r->branch);
	free(r->commit);
	session_close(&r->ss);
	return rc;
}
