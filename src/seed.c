/*
 * seed.c - seed steps over libpq: plain SQL files and COPY streams.
 */
#include "seed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg.h"
#include "sig.h"
#include "ui.h"
#include "util.h"

/* A seed file is SQL text read whole; larger data belongs in a copy step. */
#define SEED_SQL_MAX (64u << 20)
#define COPY_CHUNK   (64 * 1024)

const struct cfg_seed_profile *seed_profile(const struct cfg_target *t, const char *name)
{
	for (size_t i = 0; i < t->nseeds; i++)
		if (!strcmp(t->seeds[i].name, name))
			return &t->seeds[i];
	return NULL;
}

const struct cfg_seed_profile *seed_profile_known(const struct cfg_target *t, const char *name)
{
	const struct cfg_seed_profile *p = seed_profile(t, name);
	struct strbuf sb = STRBUF_INIT;

	if (p)
		return p;
	ui_error("unknown seed profile '%s' of target '%s'", name, t->name);
	for (size_t k = 0; k < t->nseeds; k++)
		strbuf_addf(&sb, "%s'%s'", k ? ", " : "", t->seeds[k].name);
	if (t->nseeds)
		ui_hint("its profiles are %s", sb.buf);
	else
		ui_hint("the target has no \"seeds\"");
	strbuf_release(&sb);
	return NULL;
}

int seed_profile_has_run(const struct cfg_seed_profile *p)
{
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == SEED_RUN)
			return 1;
	return 0;
}

int seed_profile_has_tx(const struct cfg_seed_profile *p)
{
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind != SEED_RUN)
			return 1;
	return 0;
}

const struct cfg_seed_profile **seed_profiles_pick(const struct cfg_target *t, char *const *names,
						   size_t n)
{
	const struct cfg_seed_profile **v = xcalloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		if (!(v[i] = seed_profile_known(t, names[i]))) {
			free(v);
			return NULL;
		}
	return v;
}

int seed_run_profiles(PGconn *c, const struct cfg_seed_profile *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (sig_pending())
			return sig_exit_code();
		if (!seed_profile_has_tx(v[i]))
			continue;
		ui_step("seeding: profile '%s'", v[i]->name);
		if (seed_run_profile(c, v[i]) < 0)
			return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	}
	return sig_pending() ? sig_exit_code() : 0;
}

/* what names the step in messages: "seed 'lookups'", "migrate". */
static int run_sql(PGconn *c, const char *what, const char *file)
{
	struct strbuf sb = STRBUF_INIT;
	PGresult *r;
	int rc = -1;

	if (read_file_max(&sb, file, SEED_SQL_MAX) < 0) {
		ui_error("%s: cannot read '%s': %s", what, file, strerror(errno));
		goto out;
	}
	/* the simple protocol runs every statement of the file; the first
	 * failing one aborts the transaction and ends the batch */
	r = pg_exec_unchecked(c, strbuf_str(&sb));
	if (!r && pg_failure() != PG_FAILED) {
		/* interrupted or stalled: said by the wait, or by the caller */
	} else if (PQresultStatus(r) == PGRES_COPY_IN) {
		ui_error("%s: '%s' runs COPY ... FROM STDIN, which needs a \"copy\" step", what,
			 file);
		PQputCopyEnd(c, "COPY FROM STDIN in a sql seed");
		pg_discard(c);
	} else if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ||
		   PQresultStatus(r) == PGRES_EMPTY_QUERY) {
		rc = 0;
	} else {
		char *m = pg_message(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		ui_error("%s: '%s' failed: %s", what, file, m);
		free(m);
	}
	PQclear(r);
out:
	strbuf_release(&sb);
	return rc;
}

static int run_copy(PGconn *c, const char *profile, const struct cfg_seed_step *s)
{
	struct strbuf sql = STRBUF_INIT;
	char buf[COPY_CHUNK];
	PGresult *r = NULL;
	int fd = -1, rc = -1;
	char *q;

	fd = open(s->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ui_error("seed '%s': cannot read '%s': %s", profile, s->file, strerror(errno));
		goto out;
	}
	/* an unqualified name resolves through search_path, as in the user's SQL */
	q = s->table.schema ? pg_quote_qualified(c, s->table.schema, s->table.name)
			    : pg_quote_ident(c, s->table.name);
	if (!q)
		goto out;
	strbuf_addf(&sql, "COPY %s", q);
	free(q);
	for (size_t i = 0; i < s->columns.n; i++) {
		char *col = pg_quote_ident(c, s->columns.v[i]);
		if (!col)
			goto out;
		strbuf_addf(&sql, "%s%s", i ? ", " : " (", col);
		free(col);
	}
	strbuf_addf(&sql, "%s FROM STDIN WITH (FORMAT %s)", s->columns.n ? ")" : "",
		    s->csv ? "csv" : "text");
	r = pg_exec_unchecked(c, sql.buf);
	if (!r && pg_failure() != PG_FAILED)
		goto out;
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		char *m = pg_message(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		ui_error("seed '%s': copy of '%s' failed: %s", profile, s->file, m);
		free(m);
		goto out;
	}
	PQclear(r);
	r = NULL;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ui_error("seed '%s': cannot read '%s': %s", profile, s->file,
				 strerror(errno));
			/* ending the COPY in error rolls back its rows */
			PQputCopyEnd(c, "the seed file could not be read");
			pg_discard(c);
			goto out;
		}
		if (n == 0)
			break;
		if (pg_copy_put(c, buf, (size_t)n) < 0)
			goto out;
	}
	/* the result says whether the server took every row */
	r = pg_copy_end(c);
	if (!r)
		goto out;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char *m = pg_message(PQresultErrorMessage(r));
		ui_error("seed '%s': copy of '%s' into '%s' failed: %s", profile, s->file,
			 s->table.name, m);
		free(m);
		goto out;
	}
	rc = 0;
out:
	PQclear(r);
	if (fd >= 0)
		close(fd);
	strbuf_release(&sql);
	return rc;
}

int seed_run_profile(PGconn *c, const struct cfg_seed_profile *p)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct cfg_seed_step *s = &p->steps[i];
		char *what;
		int rc;

		switch (s->kind) {
		case SEED_SQL:
			ui_info("    seed '%s': sql %s", p->name, s->file);
			what = xasprintf("seed '%s'", p->name);
			rc = run_sql(c, what, s->file);
			free(what);
			break;
		case SEED_COPY:
			ui_info("    seed '%s': copy %s into %s", p->name, s->file, s->table.name);
			rc = run_copy(c, p->name, s);
			break;
		default:
			/* "run": app code, after the commit (seed_run_steps) */
			rc = 0;
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int seed_run_migrate_sql(PGconn *c, const struct cfg_target *t)
{
	for (size_t i = 0; i < t->migrate_sql.n; i++) {
		ui_info("    migrate: sql %s", t->migrate_sql.v[i]);
		if (run_sql(c, "migrate", t->migrate_sql.v[i]) < 0)
			return -1;
	}
	return 0;
}

/* The one-off container of one step; 0 or an exit code, *failed set. */
static int oneoff_step(struct docker *d, const char *project, const struct cfg_ref *ref,
		       const char *label, const struct strlist *argv, const struct strlist *env,
		       char **failed)
{
	const char **av = xcalloc(argv->n + 1, sizeof(*av));
	const char **ev = xcalloc(env->n + 1, sizeof(*ev));
	struct docker_oneoff_opts o = {
		.project = project,
		.service = ref->service,
		.container = ref->container,
		.label = label,
		.argv = av,
		.env = ev,
		.cancel = sig_flag(),
	};
	int rc, code = -1;

	for (size_t i = 0; i < argv->n; i++)
		av[i] = argv->v[i];
	for (size_t i = 0; i < env->n; i++)
		ev[i] = env->v[i];
	rc = docker_oneoff(d, &o, &code);
	if (rc == DOCKER_EABORTED) {
		ui_error("%s: interrupted; its one-off container was removed", label);
		rc = sig_exit_code() ? sig_exit_code() : EXIT_FAIL;
	} else if (rc) {
		rc = docker_exit_code(rc);
	} else if (code != 0) {
		ui_error("%s: '%s' exited with %d", label, argv->v[0], code);
		rc = EXIT_COMMAND;
	}
	if (rc)
		*failed = xstrdup(label);
	free(av);
	free(ev);
	return rc;
}

int seed_run_migrate_command(struct docker *d, const char *project, const struct cfg_target *t,
			     char **failed)
{
	struct strlist none = STRLIST_INIT;

	*failed = NULL;
	if (!t->migrate_argv.n)
		return 0;
	ui_step("migrating: '%s' in a one-off container", t->migrate_argv.v[0]);
	return oneoff_step(d, project, &t->migrate_ref, "migrate", &t->migrate_argv, &none, failed);
}

int seed_run_steps(struct docker *d, const char *project, const struct cfg_seed_profile *p,
		   char **failed)
{
	*failed = NULL;
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct cfg_seed_step *s = &p->steps[i];
		char *label;
		int rc;

		if (s->kind != SEED_RUN)
			continue;
		label = xasprintf("seed %s step %zu", p->name, i + 1);
		ui_step("seeding: profile '%s' step %zu, '%s' in a one-off container", p->name,
			i + 1, s->argv.n ? s->argv.v[0] : "?");
		rc = oneoff_step(d, project, &s->run, label, &s->argv, &s->env, failed);
		free(label);
		if (rc)
			return rc;
	}
	return 0;
}
