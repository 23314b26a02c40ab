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

int seed_profile_has_run(const struct cfg_seed_profile *p)
{
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].kind == SEED_RUN)
			return 1;
	return 0;
}

static int run_sql(PGconn *c, const char *profile, const char *file)
{
	struct strbuf sb = STRBUF_INIT;
	PGresult *r;
	int rc = -1;

	if (read_file_max(&sb, file, SEED_SQL_MAX) < 0) {
		ui_error("seed '%s': cannot read '%s': %s", profile, file, strerror(errno));
		goto out;
	}
	/* the simple protocol runs every statement of the file; the first
	 * failing one aborts the transaction and ends the batch */
	r = pg_exec_unchecked(c, strbuf_str(&sb));
	if (!r && pg_failure() != PG_FAILED) {
		/* interrupted or stalled: said by the wait, or by the caller */
	} else if (PQresultStatus(r) == PGRES_COPY_IN) {
		ui_error("seed '%s': '%s' runs COPY ... FROM STDIN, which needs a \"copy\" step",
			 profile, file);
		PQputCopyEnd(c, "COPY FROM STDIN in a sql seed");
		pg_discard(c);
	} else if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ||
		   PQresultStatus(r) == PGRES_EMPTY_QUERY) {
		rc = 0;
	} else {
		char *m = pg_message(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		ui_error("seed '%s': '%s' failed: %s", profile, file, m);
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
		int rc;

		switch (s->kind) {
		case SEED_SQL:
			ui_info("    seed '%s': sql %s", p->name, s->file);
			rc = run_sql(c, p->name, s->file);
			break;
		case SEED_COPY:
			ui_info("    seed '%s': copy %s into %s", p->name, s->file, s->table.name);
			rc = run_copy(c, p->name, s);
			break;
		default:
			ui_error("seed '%s': \"run\" steps are not supported yet", p->name);
			rc = -1;
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}
