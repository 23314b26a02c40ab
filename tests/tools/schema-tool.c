/*
 * schema-tool.c - the schema helper (src/schema.h) against a real server,
 * for the end-to-end tests of tests/integration/schema-helper.bats.
 *
 *   schema-tool deps SCHEMA...      the outside dependents, one a line
 *   schema-tool sql SCHEMA...       the statements schema_sql() writes to
 *                                   drop and recreate them, one a line
 *   schema-tool recreate SCHEMA...  BEGIN, those statements, COMMIT
 *   schema-tool doc SCHEMA...       SCHEMA_QUERY's document as it is
 *
 * Connects with PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD. Exits 0,
 * 1 on a failure (reported), 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "schema.h"
#include "ui.h"

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v ? xstrdup(v) : NULL;
}

static int print_doc(PGconn *c, const char *const *names, size_t n)
{
	struct strbuf arr = STRBUF_INIT;
	const char *param;
	PGresult *r;

	strbuf_addch(&arr, '{');
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(&arr, i ? ",\"" : "\"");
		for (const char *p = names[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addch(&arr, '\\');
			strbuf_addch(&arr, *p);
		}
		strbuf_addch(&arr, '"');
	}
	strbuf_addch(&arr, '}');
	param = arr.buf;
	r = pg_exec(c, SCHEMA_QUERY, 1, &param);
	strbuf_release(&arr);
	if (!r)
		return -1;
	printf("%s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static int recreate(PGconn *c, const struct strlist *sql)
{
	PGresult *r;
	int ok;

	if (pg_run(c, "BEGIN") < 0)
		return -1;
	for (size_t i = 0; i < sql->n; i++)
		if (pg_run(c, sql->v[i]) < 0) {
			pg_cleanup_run(c, "ROLLBACK");
			return -1;
		}
	r = pg_exec_finish(c, "COMMIT");
	ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "schema-tool: COMMIT failed\n");
	PQclear(r);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct ui_opts uo = { 0 };
	struct pg_params pp = { 0 };
	struct schema_set set = { 0 };
	struct strlist sql = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT;
	const char *const *names = (const char *const *)argv + 2;
	size_t n = argc > 2 ? (size_t)argc - 2 : 0;
	PGconn *c = NULL;
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc = 1;

	if (!n || (strcmp(cmd, "deps") && strcmp(cmd, "sql") && strcmp(cmd, "recreate") &&
		   strcmp(cmd, "doc"))) {
		fprintf(stderr, "usage: schema-tool deps|sql|recreate|doc SCHEMA...\n");
		return 2;
	}
	ui_init(&uo);
	pp.host = env_dup("PGHOST");
	pp.port = env_dup("PGPORT");
	pp.dbname = env_dup("PGDATABASE");
	pp.user = env_dup("PGUSER");
	pp.password = env_dup("PGPASSWORD");
	pp.appname = xstrdup("dockreset:schema-tool");
	c = pg_connect(&pp);
	if (!c)
		goto out;
	if (!strcmp(cmd, "doc")) {
		rc = print_doc(c, names, n) < 0;
		goto out;
	}
	if (schema_gather(c, names, n, &set) < 0)
		goto out;
	if (!strcmp(cmd, "deps")) {
		for (size_t i = 0; i < set.outside.n; i++)
			printf("%s\n", set.outside.v[i]);
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < set.n; i++)
		set.v[i].recreate = 1;
	if (schema_sql(&sql, &set, &err) < 0) {
		fprintf(stderr, "schema-tool: %s\n", err.buf);
		goto out;
	}
	if (!strcmp(cmd, "sql")) {
		for (size_t i = 0; i < sql.n; i++)
			printf("%s\n", sql.v[i]);
		rc = 0;
	} else if (set.outside.n) {
		fprintf(stderr, "schema-tool: %zu outside dependents, not recreating\n",
			set.outside.n);
	} else {
		rc = recreate(c, &sql) < 0;
	}
out:
	if (fflush(stdout) || ferror(stdout))
		rc = 1;
	strlist_clear(&sql);
	strbuf_release(&err);
	schema_set_release(&set);
	if (c)
		PQfinish(c);
	pg_params_release(&pp);
	return rc;
}
