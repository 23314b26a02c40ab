/*
 * pg.h - the database connection (libpq), SPEC 2 "database".
 *
 * One wrapper checks every result and reports the statement that failed;
 * identifiers are always quoted, values always passed as parameters, and the
 * password never appears in a message.
 *
 * No call here waits without bound: every wait for the server is a poll()
 * loop that looks at the SIGINT/SIGTERM flag every 250 ms (a signal cancels
 * the query and ends the call) and ends when no byte came for
 * sig_idle_timeout_s() seconds (a stalled or paused server). After a failed
 * call, pg_failure() says which of these it was.
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
	/* borrowed: connect to this database instead (a maintenance session) */
	const char *dbname_override;
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

/* The first line of a libpq message, without its trailing newline; new
 * string. libpq's messages span lines and end with one. */
char *pg_message(const char *msg);

/* Connects; on failure reports (without the password) and returns NULL.
 * The server's notices go to -v output, never bare to stderr. Bounded by
 * 10 s or the idle timeout, whichever is shorter; a signal ends it quietly
 * (pg_failure() == PG_INTERRUPTED). */
PGconn *pg_connect(const struct pg_params *p);

/* How the last failed call of this module failed. */
enum pg_fail {
	PG_FAILED = 1,	    /* an error, reported */
	PG_INTERRUPTED = 2, /* SIGINT/SIGTERM: query cancelled, not reported */
	PG_STALLED = 3,	    /* no byte from the server for the idle timeout, reported */
};
int pg_failure(void);

/*
 * The exit code for the last failure: 130/143 when interrupted; 5 when
 * stalled, after saying "container 'X' is paused" with the `docker unpause`
 * hint when db is paused (d and db may be NULL); else failed_code.
 */
int pg_exit_code(struct docker *d, const struct docker_container *db, int failed_code);

/*
 * Runs sql with nparams text parameters; returns the result when its status
 * is PGRES_COMMAND_OK or PGRES_TUPLES_OK, else reports the error with the
 * statement and returns NULL. The caller PQclear()s. Not sent when a signal
 * is already pending (PG_INTERRUPTED). After an interrupt or a stall the
 * query is cancelled and its results discarded for up to a few seconds;
 * when they do not come the connection stays busy and every later
 * statement on it fails at once (PG_STALLED), quietly.
 */
PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params);
/* pg_exec that discards the result: 0 or -1. */
int pg_run(PGconn *c, const char *sql);
/*
 * Runs sql (simple protocol) like PQexec, waiting as pg_exec does, and
 * returns its result whatever its status, for the caller to check and
 * report; NULL when it could not be sent or the wait failed (pg_failure()).
 */
PGresult *pg_exec_unchecked(PGconn *c, const char *sql);

/*
 * The statement that decides (COMMIT): like pg_exec_unchecked(), not sent
 * when a signal is pending, but once sent its answer is waited for through
 * a signal (an interrupted COMMIT would leave its outcome unknown), up to
 * the idle timeout.
 */
PGresult *pg_exec_finish(PGconn *c, const char *sql);

/*
 * COPY ... FROM STDIN after pg_exec_unchecked() gave PGRES_COPY_IN:
 * pg_copy_put() sends len bytes (waiting for room as pg_exec waits for an
 * answer: bounded by the idle timeout, ended by a signal); 0 or -1
 * (pg_failure(); the COPY is then given up). pg_copy_end() ends the data
 * and returns the COPY's result for the caller to check, NULL as
 * pg_exec_unchecked().
 */
int pg_copy_put(PGconn *c, const char *buf, size_t len);
PGresult *pg_copy_end(PGconn *c);

/*
 * A clean-up statement (ROLLBACK, unlock, ending sessions), run after a
 * failure or a signal: sent even with a signal pending, bounded by a short
 * timeout (1.5 s of silence), and quiet (failures only with -v).
 */
PGresult *pg_cleanup_exec(PGconn *c, const char *sql, int nparams, const char *const *params);
int pg_cleanup_run(PGconn *c, const char *sql);

/*
 * The asynchronous pieces, for results read a row at a time: pg_send()
 * sends (0, or -1 after reporting); pg_next_result() waits for the next
 * result: 1 with *out (the caller PQclear()s and checks its status), 0 when
 * there are no more, -1 when interrupted or stalled (the query given up as
 * pg_exec does).
 */
int pg_send(PGconn *c, const char *sql, int nparams, const char *const *params);
int pg_next_result(PGconn *c, PGresult **out);
/* Cancels the query in flight (waiting at most a second for the server to
 * take the request) and, when the server took it, discards its results as
 * a clean-up wait does; else the connection stays busy. */
void pg_abandon(PGconn *c);
/* Discards the results of the query in flight without cancelling it. */
void pg_discard(PGconn *c);

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

/*
 * Takes the session-level advisory lock key without waiting: 0 when taken,
 * 1 when another session holds it, -1 on error. Released by
 * pg_advisory_unlock() or when the session ends.
 */
int pg_advisory_trylock(PGconn *c, long long key);
void pg_advisory_unlock(PGconn *c, long long key);

/*
 * Opens the snapshot transaction of SPEC 4 step 6 on c: the session first
 * gets idle_in_transaction_session_timeout = 0, then, as the very first
 * statements of the transaction, BEGIN ISOLATION LEVEL REPEATABLE READ,
 * LOCK TABLE of lock[] (ONLY for non-partitioned tables) IN EXCLUSIVE MODE
 * when nlock > 0, then pg_export_snapshot(). Nothing else may take a
 * snapshot before the LOCK: a row committed while the lock waited would
 * otherwise be missing from a backup taken in that snapshot.
 * lock_timeout_ms (0: none) bounds the LOCK's wait. *snapshot is a new
 * string. On failure the transaction is rolled back.
 */
int pg_snapshot_begin(PGconn *c, const struct pg_table *lock, size_t nlock, int lock_timeout_ms,
		      char **snapshot);
/* Ends the snapshot transaction (ROLLBACK: it changed nothing). */
void pg_snapshot_end(PGconn *c);

/*
 * Sends one query counting the rows of every table of v in the current
 * snapshot, without waiting for the answer (the server counts while
 * something else goes on); pg_count_rows_finish() reads the counts into
 * v[i].rows.
 */
int pg_count_rows_send(PGconn *c, const struct pg_table *v, size_t n);
int pg_count_rows_finish(PGconn *c, struct pg_table *v, size_t n);

/* One row of the count query's answer (the texts of its index and count
 * columns) into v[index].rows: 0, or -1 (v unchanged) for an index outside
 * v or texts that are not whole numbers. Pure. */
int pg_count_row(struct pg_table *v, size_t n, const char *index, const char *rows);

/*
 * Ends the sessions whose application_name is appname (the way to stop a
 * pg_dump or psql run by exec, which the Docker API cannot kill). Returns
 * the number ended, or -1.
 */
int pg_terminate_app(PGconn *c, const char *appname);

/*
 * For a server that cannot be asked now (a paused container), whose
 * sessions named appname (a pg_dump run by exec) would run on after
 * dockreset has exited: a detached child process, with no terminal and
 * none of our descriptors, connects as p again and again (for up to 10
 * minutes) until the server answers, ends those sessions, and exits.
 */
void pg_terminate_later(const struct pg_params *p, const char *appname);

#endif
