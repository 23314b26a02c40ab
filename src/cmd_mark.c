/*
 * cmd_mark.c - `dockreset mark TARGET ENVIRONMENT`: stores the database
 * marker of SPEC 3 (ALTER DATABASE ... SET dockreset.environment), or
 * removes it with ENVIRONMENT "none". Changing the marker of a production
 * target to a value that is not production needs production's
 * confirmation; marking production asks nothing, as it only adds safety.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "guard.h"
#include "ui.h"

/* The longest value accepted: PostgreSQL's NAMEDATALEN - 1, so that it
 * reads back whole wherever it is shown. */
#define MARK_MAX_LEN 63

/* 0 when value can be stored, else -1 after reporting. */
static int check_value(const char *value)
{
	size_t len = strlen(value);

	if (len == 0) {
		ui_error("the environment is empty");
		ui_hint("give a name like 'production' or 'development', or 'none' to remove the "
			"marker");
		return -1;
	}
	if (len > MARK_MAX_LEN) {
		ui_error("the environment is %zu bytes long; at most %d are allowed", len,
			 MARK_MAX_LEN);
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			ui_error("the environment holds a control character (byte 0x%02x)", *p);
			return -1;
		}
	}
	return 0;
}

/*
 * The database's own dockreset.environment (not one set for a role or by
 * the session): *out a new string, or NULL when there is none. 0, or -1
 * after reporting.
 */
static int read_marker(PGconn *c, char **out)
{
	static const char sql[] =
	    "SELECT substr(s, length('dockreset.environment=') + 1)"
	    " FROM pg_catalog.pg_db_role_setting d, unnest(d.setconfig) s"
	    " WHERE d.setrole = 0 AND s LIKE 'dockreset.environment=%'"
	    "   AND d.setdatabase = (SELECT oid FROM pg_catalog.pg_database"
	    "                        WHERE datname = pg_catalog.current_database())";
	PGresult *r = pg_exec(c, sql, 0, NULL);

	*out = NULL;
	if (!r)
		return -1;
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* After "permission denied": says who may do it, and how to let the owner. */
static void hint_permission(PGconn *c)
{
	static const char sql[] = "SELECT pg_catalog.pg_get_userbyid(d.datdba), "
				  "pg_catalog.pg_has_role(d.datdba, 'MEMBER'),"
				  " current_user FROM pg_catalog.pg_database d"
				  " WHERE d.datname = pg_catalog.current_database()";
	PGresult *r = PQexec(c, sql);
	char *role;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		ui_hint("mark needs the database's owner or a superuser");
		PQclear(r);
		return;
	}
	if (strcmp(PQgetvalue(r, 0, 1), "t")) {
		ui_hint("'%s' does not own database '%s' (its owner is '%s'): connect as the owner "
			"or a superuser (\"user\" in the target's \"database\")",
			PQgetvalue(r, 0, 2), PQdb(c), PQgetvalue(r, 0, 0));
	} else if (PQserverVersion(c) >= 150000 &&
		   (role = pg_quote_ident(c, PQgetvalue(r, 0, 2)))) {
		ui_hint("since PostgreSQL 15 a database's owner may set dockreset.environment only "
			"once a superuser has run:");
		ui_hint("  GRANT SET ON PARAMETER dockreset.environment TO %s;", role);
		free(role);
	} else {
		ui_hint("ask a superuser to mark the database, or run mark as one");
	}
	PQclear(r);
}

/* Runs the ALTER DATABASE; 0, or the exit code after reporting. */
static int store(PGconn *c, const char *value, const char *target)
{
	char *db = pg_quote_ident(c, PQdb(c)), *lit = NULL, *sql = NULL;
	PGresult *r = NULL;
	int rc = EXIT_COMMAND;

	if (!db)
		goto out;
	if (value) {
		char *q = PQescapeLiteral(c, value, strlen(value));
		if (!q) {
			char *m = pg_message(PQerrorMessage(c));
			ui_error("cannot quote '%s': %s", value, m);
			free(m);
			goto out;
		}
		lit = xstrdup(q);
		PQfreemem(q);
		sql = xasprintf("ALTER DATABASE %s SET dockreset.environment = %s", db, lit);
	} else {
		sql = xasprintf("ALTER DATABASE %s RESET dockreset.environment", db);
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		rc = 0;
	} else {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		char *m = primary ? xstrdup(primary) : pg_message(PQerrorMessage(c));
		ui_error("cannot mark database '%s' of '%s': %s", PQdb(c), target, m);
		free(m);
		if (state && !strcmp(state, "42501"))
			hint_permission(c);
		else
			ui_hint("the statement was: %s", sql);
	}
out:
	PQclear(r);
	free(db);
	free(lit);
	free(sql);
	return rc;
}

int cmd_mark(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	const char *value;
	struct guard_markers m = { 0 };
	struct session ss = { 0 };
	char *previous = NULL, *what = NULL;
	int rc;

	if (ctx->opt->nargs < 1) {
		ui_error("'mark' needs an environment: dockreset mark TARGET ENVIRONMENT");
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	value = ctx->opt->args[0];
	if (check_value(value) < 0) {
		ui_hint("try 'dockreset help mark'");
		return EXIT_USAGE;
	}
	/* "none" removes the marker */
	if (!strcasecmp(value, "none"))
		value = NULL;
	if ((rc = session_open(&ss, ctx, 1, 1)))
		goto out;
	if (read_marker(ss.conn, &previous) < 0) {
		rc = EXIT_COMMAND;
		goto out;
	}
	guard_scan_target(&m, ctx->cfg, t, &ss.tc, ss.conn);
	if (m.n > 0 && !(value && guard_value_matches(&ctx->cfg->env_values, value))) {
		struct guard_confirm_req req = { .target = t->name,
						 .verb = "mark",
						 .markers = &m,
						 .yes = ctx->opt->yes,
						 .production_flag = ctx->opt->production };
		what = value ? xasprintf("mark production target '%s' as '%s'", t->name, value)
			     : xasprintf("remove the marker of production target '%s'", t->name);
		req.what = what;
		if ((rc = guard_confirm_req(&req)))
			goto out;
	}
	if ((rc = store(ss.conn, value, t->name)))
		goto out;
	json_object_set_new(ui_json(), "environment", value ? json_string(value) : json_null());
	json_object_set_new(ui_json(), "previous", previous ? json_string(previous) : json_null());
	json_object_set_new(ui_json(), "database", json_string(PQdb(ss.conn)));
	if (!ctx->opt->json) {
		if (value)
			printf("marked database '%s' of '%s' as '%s'\n", PQdb(ss.conn), t->name,
			       value);
		else
			printf("removed the marker of database '%s' of '%s'\n", PQdb(ss.conn),
			       t->name);
	}
	if (previous)
		ui_info("it was marked '%s'", previous);
	else
		ui_info("it had no marker");
out:
	guard_markers_release(&m);
	session_close(&ss);
	free(previous);
	free(what);
	return rc;
}
