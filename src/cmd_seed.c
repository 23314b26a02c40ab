/*
 * cmd_seed.c - `dockreset seed TARGET PROFILE...`: seed profiles without a
 * reset (SPEC 1, 2 "seeds"). Guarded and confirmed like reset (verb
 * "seed"), under the target's lock and the database's advisory lock; the
 * sql and copy steps of every profile in one transaction, committed as
 * reset commits; then the run steps, each in a one-off container. Nothing
 * is deleted by dockreset itself and no backup is taken: a seed only adds
 * what its own steps add. One audit line either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "backup.h"
#include "cmd.h"
#include "guard.h"
#include "seed.h"
#include "sig.h"
#include "ui.h"

#define DEFAULT_TIMEOUT_S 60

struct seed_run {
	struct cmd_ctx *ctx;
	const struct cfg_target *t;
	struct session ss;
	const struct cfg_seed_profile **profiles;
	size_t nprofiles;
	struct guard_markers markers;
	struct backup_lock flock;
	long long key;
	int advisory, in_tx, committed;
	char *xid;
	struct strlist unfinished;
	char *branch, *commit;
};

static int check_profiles(struct seed_run *r)
{
	const struct options *o = r->ctx->opt;
	const struct cfg_target *t = r->t;

	if (o->nargs < 1) {
		ui_error("'seed' needs at least one seed profile");
		ui_hint("try 'dockreset seed --help'");
		return EXIT_USAGE;
	}
	if (!(r->profiles = seed_profiles_pick(t, o->args, (size_t)o->nargs)))
		return EXIT_USAGE;
	r->nprofiles = (size_t)o->nargs;
	return 0;
}

static void print_plan(const struct seed_run *r)
{
	if (r->ctx->opt->quiet || r->ctx->opt->json)
		return;
	fprintf(stderr, "plan        seed of '%s' (project %s)\n", r->t->name, r->ss.tc.project);
	for (size_t i = 0; i < r->nprofiles; i++) {
		const struct cfg_seed_profile *p = r->profiles[i];
		fprintf(stderr, "  %s\n", p->name);
		for (size_t k = 0; k < p->nsteps; k++) {
			const struct cfg_seed_step *s = &p->steps[k];
			if (s->kind == SEED_SQL)
				fprintf(stderr, "    sql %s\n", s->file);
			else if (s->kind == SEED_COPY)
				fprintf(stderr, "    copy %s into %s\n", s->file, s->table.name);
			else
				fprintf(stderr,
					"    run '%s' in a one-off container of %s (after the "
					"commit)\n",
					s->argv.n ? s->argv.v[0] : "?",
					s->run.service ? s->run.service : s->run.container);
		}
	}
	if (r->markers.n)
		fprintf(stderr, "markers     production (%zu)\n", r->markers.n);
}

/* The sql and copy steps of every profile, in one transaction. */
static int seed_transaction(struct seed_run *r)
{
	PGconn *c = r->ss.conn;
	PGresult *res;
	int any = 0, rc;

	for (size_t i = 0; i < r->nprofiles; i++)
		any |= seed_profile_has_tx(r->profiles[i]);
	if (!any)
		return 0;
	ui_step("opening the seed transaction");
	if (pg_run(c, "BEGIN") < 0)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	r->in_tx = 1;
	res = pg_exec(c, "SELECT pg_current_xact_id()", 0, NULL);
	if (!res)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	r->xid = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if ((rc = seed_run_profiles(c, r->profiles, r->nprofiles)))
		return rc;
	return session_commit(&r->ss, r->xid, DEFAULT_TIMEOUT_S, "seed");
}

static void write_audit(struct seed_run *r, int rc)
{
	json_t *e = cmd_audit_entry("seed", r->t->name, r->branch, r->commit), *p = json_array();
	char *outcome;

	for (size_t i = 0; i < r->nprofiles; i++)
		json_array_append_new(p, json_string(r->profiles[i]->name));
	if (rc == 0)
		outcome = xstrdup("ok");
	else if (r->committed)
		outcome = cmd_outcome_partial(&r->unfinished, "interrupted");
	else if (rc == EXIT_PARTIAL)
		outcome = xstrdup("unknown: the connection was lost during COMMIT");
	else
		outcome = cmd_outcome_failed(rc);
	json_object_set_new(e, "seeds", p);
	json_object_set_new(e, "exit_code", json_integer(rc));
	json_object_set_new(e, "outcome", json_string(outcome));
	audit_append(r->ctx->cfg->backup_dir, e);
	json_decref(e);
	free(outcome);
}

static void fill_json(const struct seed_run *r, double start)
{
	json_t *doc = ui_json(), *p = json_array(), *u = json_array();

	for (size_t i = 0; i < r->nprofiles; i++)
		json_array_append_new(p, json_string(r->profiles[i]->name));
	for (size_t i = 0; i < r->unfinished.n; i++)
		json_array_append_new(u, json_string(r->unfinished.v[i]));
	json_object_set_new(doc, "seeds", p);
	json_object_set_new(doc, "markers", guard_markers_json(&r->markers));
	json_object_set_new(doc, "committed", json_boolean(r->committed));
	json_object_set_new(doc, "unfinished", u);
	json_object_set_new(doc, "duration_ms",
			    json_integer((json_int_t)((monotonic_s() - start) * 1000)));
}

int cmd_seed(struct cmd_ctx *ctx)
{
	struct seed_run run = { .ctx = ctx, .t = ctx->target, .flock = BACKUP_LOCK_INIT };
	struct seed_run *r = &run;
	const struct options *o = ctx->opt;
	struct guard_confirm_req req = { .target = r->t->name,
					 .verb = "seed",
					 .markers = &r->markers,
					 .yes = o->yes,
					 .production_flag = o->production };
	double start = monotonic_s();
	int rc, locked = 0;

	r->key = backup_advisory_key(r->t->name);
	if ((rc = check_profiles(r)))
		goto out;
	if ((rc = session_open_waiting(&r->ss, ctx, DEFAULT_TIMEOUT_S)))
		goto out;
	guard_scan_target(&r->markers, ctx->cfg, r->t, &r->ss.tc, r->ss.conn);
	print_plan(r);
	if ((rc = guard_confirm_req(&req)))
		goto out;
	if ((rc = session_lock(&r->ss, r->t, &r->flock, r->key, "seed", 0, &r->advisory)))
		goto out;
	locked = 1;
	cmd_git_head(ctx, &r->branch, &r->commit);
	if (sig_pending()) {
		rc = sig_exit_code();
		goto out;
	}
	rc = seed_transaction(r);
	r->in_tx = 0;
	if (rc == EXIT_PARTIAL)
		strlist_push(&r->unfinished, "the seed transaction's outcome is unknown");
	if (rc)
		goto out;
	r->committed = r->xid != NULL; /* no sql or copy step: nothing to commit */
	/* the run steps: app code after the commit */
	for (size_t i = 0; i < r->nprofiles; i++) {
		char *failed = NULL;
		rc = seed_run_steps(r->ss.d, r->ss.tc.project, r->profiles[i], &failed);
		if (rc) {
			strlist_push_nodup(
			    &r->unfinished,
			    xasprintf("%s (%s)", failed,
				      rc == EXIT_SIGINT || rc == EXIT_SIGTERM ? "interrupted"
				      : rc == EXIT_COMMAND		      ? "its command failed"
							   : "its container could not run"));
			free(failed);
			break;
		}
	}
	if (r->unfinished.n) {
		ui_error("the seed of '%s' %s, but %zu step%s did not finish", r->t->name,
			 r->xid ? "was committed" : "ran", r->unfinished.n,
			 r->unfinished.n == 1 ? "" : "s");
		for (size_t i = 0; i < r->unfinished.n; i++)
			ui_hint("not finished: %s", r->unfinished.v[i]);
		if (r->xid)
			ui_hint("the sql and copy steps are committed: running the profile again "
				"adds their rows again");
		/* with no sql or copy step nothing was committed: the step's own code */
		rc = sig_pending() ? sig_exit_code() : r->xid ? EXIT_PARTIAL : rc;
	} else if (sig_pending()) {
		rc = sig_exit_code();
	} else if (!o->json) {
		printf("seed of '%s' done in %.1f s:", r->t->name, monotonic_s() - start);
		for (size_t i = 0; i < r->nprofiles; i++)
			printf(" %s", r->profiles[i]->name);
		printf("\n");
	}
out:
	if (r->in_tx && r->ss.conn)
		pg_cleanup_run(r->ss.conn, "ROLLBACK");
	if (!r->committed && (rc == EXIT_SIGINT || rc == EXIT_SIGTERM))
		ui_error("interrupted by %s: nothing was seeded",
			 rc == EXIT_SIGTERM ? "SIGTERM" : "SIGINT");
	if (r->advisory && r->ss.conn)
		pg_advisory_unlock(r->ss.conn, r->key);
	fill_json(r, start);
	if (locked)
		write_audit(r, rc);
	backup_lock_release(&r->flock);
	guard_markers_release(&r->markers);
	strlist_clear(&r->unfinished);
	free(r->profiles);
	free(r->xid);
	free(r->branch);
	free(r->commit);
	session_close(&r->ss);
	return rc;
}
