/*
 * pg.c - the database connection: parameters from the container, one
 * checked wrapper around PQexecParams, identifier quoting, the table list.
 */
#include "pg.h"

#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

int pg_params_from_container(struct pg_params *p, const struct cfg_target *t,
			     const struct docker_container *db, const char *command)
{
	const char *v;

	memset(p, 0, sizeof(*p));
	v = docker_env_get(db, "POSTGRES_USER");
	p->user = xstrdup(t->db_user ? t->db_user : v && *v ? v : "postgres");
	v = docker_env_get(db, "POSTGRES_DB");
	p->dbname = xstrdup(t->db_name ? t->db_name : v && *v ? v : p->user);
	v = docker_env_get(db, t->password_env ? t->password_env : "POSTGRES_PASSWORD");
	p->password = v ? xstrdup(v) : NULL;
	p->appname = xasprintf("dockreset:%s:%s", command, t->name);
	if (t->url) {
		p->conninfo = xstrdup(t->url);
		return 0;
	}
	if (docker_published_port(db, "5432/tcp", &p->host, &p->port) == 0)
		return 0;
	v = docker_container_ip(db);
	if (!v) {
		ui_error("cannot reach the database of '%s': container '%s' publishes no port "
			 "5432 and has no network address",
			 t->name, db->name);
		ui_hint("publish the port (\"127.0.0.1::5432\") or set \"url\" in the target's "
			"\"database\"");
		pg_params_release(p);
		return -1;
	}
	p->host = xstrdup(v);
	p->port = xstrdup("5432");
	return 0;
}

void pg_params_release(struct pg_params *p)
{
	free(p->host);
	free(p->port);
	free(p->dbname);
	free(p->user);
	free_secret(p->password);
	free_secret(p->conninfo);
	free(p->appname);
	memset(p, 0, sizeof(*p));
}

/* libpq messages end with a newline and may span lines; keep the first. */
static char *first_line(const char *msg)
{
	size_t n = strcspn(msg, "\n");
	return xstrndup(msg, n);
}

PGconn *pg_connect(const struct pg_params *p)
{
	/*
	 * Keywords and values, so nothing is parsed out of a string we built;
	 * dbname carries the target's url when given (expand_dbname), and the
	 * keywords after it override nothing it sets.
	 */
	const char *keys[10], *vals[10];
	int n = 0;
	PGconn *c;

	if (p->conninfo) {
		keys[n] = "dbname", vals[n++] = p->conninfo;
	} else {
		keys[n] = "host", vals[n++] = p->host;
		keys[n] = "port", vals[n++] = p->port;
		keys[n] = "dbname", vals[n++] = p->dbname;
		keys[n] = "user", vals[n++] = p->user;
		if (p->password)
			keys[n] = "password", vals[n++] = p->password;
	}
	keys[n] = "application_name", vals[n++] = p->appname;
	keys[n] = "connect_timeout", vals[n++] = "10";
	keys[n] = NULL, vals[n] = NULL;

	c = PQconnectdbParams(keys, vals, 1);
	if (!c) {
		ui_error("cannot connect to the database: out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char *msg = first_line(PQerrorMessage(c));
		if (p->conninfo)
			ui_error("cannot connect to the database given by \"url\": %s", msg);
		else
			ui_error("cannot connect to database '%s' as '%s' at %s:%s: %s", p->dbname,
				 p->user, p->host, p->port, msg);
		free(msg);
		PQfinish(c);
		return NULL;
	}
	return c;
}

PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params)
{
	PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	{
		const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
		char *msg = first_line(m && *m ? m : "unknown error");
		ui_error("statement failed: %s", msg);
		ui_hint("the statement was: %s", sql);
		free(msg);
	}
	PQclear(r);
	return NULL;
}

int pg_run(PGconn *c, const char *sql)
{
	PGresult *r = pg_exec(c, sql, 0, NULL);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

char *pg_quote_ident(PGconn *c, const char *ident)
{
	char *q = PQescapeIdentifier(c, ident, strlen(ident));
	char *s;

	if (!q) {
		ui_error("cannot quote identifier: %s", PQerrorMessage(c));
		return NULL;
	}
	s = xstrdup(q);
	PQfreemem(q);
	return s;
}

char *pg_quote_qualified(PGconn *c, const char *schema, const char *name)
{
	char *qs = pg_quote_ident(c, schema), *qn = pg_quote_ident(c, name), *s = NULL;

	if (qs && qn)
		s = xasprintf("%s.%s", qs, qn);
	free(qs);
	free(qn);
	return s;
}

char *pg_server_version(PGconn *c)
{
	const char *v = PQparameterStatus(c, "server_version");
	return xstrdup(v ? v : "unknown");
}

int pg_list_tables(PGconn *c, struct pg_table **out, size_t *n)
{
	/*
	 * Ordinary and partitioned tables; partitions are reached through
	 * their parent, and tables owned by an extension are the extension's.
	 */
	static const char sql[] =
		"SELECT n.nspname, c.relname, c.relkind::text"
		" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
		"   AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
		"   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
		"   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
		"        AND d.objid = c.oid AND d.deptype = 'e')"
		" ORDER BY 1, 2";
	PGresult *r = pg_exec(c, sql, 0, NULL);
	int rows;

	*out = NULL;
	*n = 0;
	if (!r)
		return -1;
	rows = PQntuples(r);
	*out = xcalloc((size_t)rows, sizeof(**out));
	for (int i = 0; i < rows; i++) {
		struct pg_table *t = &(*out)[i];
		t->schema = xstrdup(PQgetvalue(r, i, 0));
		t->name = xstrdup(PQgetvalue(r, i, 1));
		t->kind = PQgetvalue(r, i, 2)[0];
		t->qualified = xasprintf("%s.%s", t->schema, t->name);
		t->rows = -1;
	}
	*n = (size_t)rows;
	PQclear(r);
	return 0;
}

void pg_tables_free(struct pg_table *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].schema);
		free(v[i].name);
		free(v[i].qualified);
	}
	free(v);
}

int pg_count_rows(PGconn *c, struct pg_table *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *q = pg_quote_qualified(c, v[i].schema, v[i].name);
		char *sql;
		PGresult *r;

		if (!q)
			return -1;
		sql = xasprintf("SELECT count(*) FROM %s", q);
		free(q);
		r = pg_exec(c, sql, 0, NULL);
		free(sql);
		if (!r)
			return -1;
		v[i].rows = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	return 0;
}
