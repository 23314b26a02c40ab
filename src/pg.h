/*
 * pg.h - the database connection (libpq), SPEC 2 "database".
 *
 * One wrapper checks every result and reports the statement that failed;
 * identifiers are always quoted, values always passed as parameters, and the
 * password never appears in a message.
 */
#ifndef DOCKRESET_PG_H
#define DOCKRESET_PG_H

#include <libpq-fe.h>

#include "config.h"
#include "docker.h"

/* What is needed to reach a target's database; secrets wiped on free. */
struct pg_params {
	char *host;
	char *port;
	char *dbname;
	char *user;
	char *password; /* secret; NULL when the container has none */
	char *conninfo; /* the target's "url", when given */
	char *appname;	/* dockreset:COMMAND:TARGET */
};

/*
 * Fills p from the target's config and its database container (name, user
 * and password from the container's environment; host from the published
 * 5432 port, else the container's address). Returns 0, or -1 after
 * reporting.
 */
int pg_params_from_container(struct pg_params *p, const struct cfg_target *t,
			     const struct docker_container *db, const char *command);
void pg_params_release(struct pg_params *p);

/* Connects; on failure reports (without the password) and returns NULL. */
PGconn *pg_connect(const struct pg_params *p);

/*
 * Runs sql with nparams text parameters; returns the result when its status
 * is PGRES_COMMAND_OK or PGRES_TUPLES_OK, else reports the error with the
 * statement and returns NULL. The caller PQclear()s.
 */
PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params);
/* pg_exec that discards the result: 0 or -1. */
int pg_run(PGconn *c, const char *sql);

/* Quotes an identifier ("schema"."table" for a qualified name); new string. */
char *pg_quote_ident(PGconn *c, const char *ident);
char *pg_quote_qualified(PGconn *c, const char *schema, const char *name);

/* "15.18"-style version of the server; new string. */
char *pg_server_version(PGconn *c);

/* A user table: ordinary or partitioned, not a partition, not extension-owned. */
struct pg_table {
	char *schema;
	char *name;
	char *qualified; /* "schema.name" as the user writes it */
	char kind;	 /* 'r' or 'p' */
	long long rows;	 /* -1 until counted */
};

/*
 * Every user table of the database outside the system schemas, sorted by
 * schema and name. *out is an array of *n; free with pg_tables_free().
 */
int pg_list_tables(PGconn *c, struct pg_table **out, size_t *n);
void pg_tables_free(struct pg_table *v, size_t n);
/* Exact row count of every table (count(*)), in the current snapshot. */
int pg_count_rows(PGconn *c, struct pg_table *v, size_t n);

#endif
