/*
 * pg.c - the database connection: parameters from the container, one
 * checked wrapper around PQexecParams, identifier quoting, the table list.
 */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
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
	/* from here on no message, manifest or JSON output can show it */
	redact_add_secret(p->password);
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

char *pg_message(const char *msg)
{
	if (!msg || !*msg)
		return xstrdup("unknown error");
	return xstrndup(msg, strcspn(msg, "\n"));
}

static void notice(void *arg, const char *msg)
{
	char *line = pg_message(msg);

	(void)arg;
	ui_verbose("server: %s", line);
	free(line);
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
	PQsetNoticeProcessor(c, notice, NULL);
	if (PQstatus(c) != CONNECTION_OK) {
		char *msg = pg_message(PQerrorMessage(c));
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
	/* without parameters, the simple protocol: several statements may go in
	 * one message, as BEGIN and LOCK must */
	PGresult *r =
	    nparams ? PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	{
		const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
		char *msg = pg_message(m);
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
		char *m = pg_message(PQerrorMessage(c));
		ui_error("cannot quote identifier: %s", m);
		free(m);
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
	if (pg_count_rows_send(c, v, n) < 0)
		return -1;
	return pg_count_rows_finish(c, v, n);
}

int pg_advisory_trylock(PGconn *c, long long key)
{
	char buf[32];
	const char *params[1] = { buf };
	PGresult *r;
	int rc;

	snprintf(buf, sizeof(buf), "%lld", key);
	r = pg_exec(c, "SELECT pg_try_advisory_lock($1::bigint)", 1, params);
	if (!r)
		return -1;
	rc = strcmp(PQgetvalue(r, 0, 0), "t") ? 1 : 0;
	PQclear(r);
	return rc;
}

void pg_advisory_unlock(PGconn *c, long long key)
{
	char buf[32];
	const char *params[1] = { buf };
	PGresult *r;

	snprintf(buf, sizeof(buf), "%lld", key);
	r = PQexecParams(c, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params, NULL, NULL,
			 0);
	PQclear(r);
}

int pg_snapshot_begin(PGconn *c, const struct pg_table *lock, size_t nlock, int lock_timeout_ms,
		      char **snapshot)
{
	struct strbuf sql = STRBUF_INIT;
	PGresult *r = NULL;
	int rc = -1;

	*snapshot = NULL;
	strbuf_addf(&sql, "SET idle_in_transaction_session_timeout = 0; SET lock_timeout = %d",
		    lock_timeout_ms);
	if (pg_run(c, sql.buf) < 0)
		goto out;
	strbuf_reset(&sql);
	/*
	 * BEGIN and LOCK go in one simple-query message: nothing can run
	 * between them, and LOCK is the transaction's first statement.
	 */
	strbuf_addstr(&sql, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	for (size_t i = 0; i < nlock; i++) {
		char *q = pg_quote_qualified(c, lock[i].schema, lock[i].name);
		if (!q)
			goto out;
		strbuf_addf(&sql, "%s%s%s", i ? ", " : "; LOCK TABLE ",
			    lock[i].kind == 'p' ? "" : "ONLY ", q);
		free(q);
	}
	if (nlock)
		strbuf_addstr(&sql, " IN EXCLUSIVE MODE");
	if (pg_run(c, sql.buf) < 0)
		goto fail;
	r = pg_exec(c, "SELECT pg_export_snapshot()", 0, NULL);
	if (!r)
		goto fail;
	*snapshot = xstrdup(PQgetvalue(r, 0, 0));
	rc = 0;
	goto out;
fail:
	pg_snapshot_end(c);
out:
	PQclear(r);
	strbuf_release(&sql);
	return rc;
}

void pg_snapshot_end(PGconn *c)
{
	PQclear(PQexec(c, "ROLLBACK"));
}

int pg_count_rows_send(PGconn *c, const struct pg_table *v, size_t n)
{
	struct strbuf sql = STRBUF_INIT;
	int rc = -1;

	if (n == 0)
		strbuf_addstr(&sql, "SELECT 0 WHERE false");
	for (size_t i = 0; i < n; i++) {
		char *q = pg_quote_qualified(c, v[i].schema, v[i].name);
		if (!q)
			goto out;
		/* ONLY: an inheritance child's rows are its own table's */
		strbuf_addf(&sql, "%sSELECT %zu, count(*) FROM %s%s", i ? " UNION ALL " : "", i,
			    v[i].kind == 'p' ? "" : "ONLY ", q);
		free(q);
	}
	if (!PQsendQuery(c, sql.buf)) {
		char *m = pg_message(PQerrorMessage(c));
		ui_error("cannot count rows: %s", m);
		free(m);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&sql);
	return rc;
}

int pg_count_rows_finish(PGconn *c, struct pg_table *v, size_t n)
{
	PGresult *r;
	int rc = 0, got = 0;

	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			if (rc == 0) {
				char *m = pg_message(PQresultErrorMessage(r));
				ui_error("cannot count rows: %s", m);
				free(m);
			}
			rc = -1;
		} else {
			for (int i = 0; i < PQntuples(r); i++) {
				size_t k = strtoull(PQgetvalue(r, i, 0), NULL, 10);
				if (k < n)
					v[k].rows = strtoll(PQgetvalue(r, i, 1), NULL, 10);
			}
			got = 1;
		}
		PQclear(r);
	}
	if (rc == 0 && !got) {
		char *m = pg_message(PQerrorMessage(c));
		ui_error("cannot count rows: %s", m);
		free(m);
		rc = -1;
	}
	return rc;
}

int pg_terminate_app(PGconn *c, const char *appname)
{
	const char *params[1] = { appname };
	PGresult *r = pg_exec(c,
			      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
			      " WHERE application_name = $1 AND pid <> pg_backend_pid()",
			      1, params);
	int n;

	if (!r)
		return -1;
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}
