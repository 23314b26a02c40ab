/*
 * pg.c - the database connection: parameters from the container, one
 * checked wrapper that sends every statement and waits for its answer in a
 * poll() loop (signals and an inactivity timeout end the wait), identifier
 * quoting, the table list.
 */
#include "pg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "redact.h"
#include "sig.h"
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

/* ---- bounded waits -------------------------------------------------- */

#define PG_POLL_MS    250  /* how often a wait looks at the signal flag */
#define PG_CLEANUP_MS 1500 /* silence a cleanup statement may meet */
#define PG_CANCEL_MS  1000 /* how long a cancel request may take */
#define PG_CONNECT_S  10
#define PG_LATER_S    600 /* how long pg_terminate_later() keeps trying */

static int last_fail;

/*
 * How a statement waits (the "cleanup" argument below): a normal one ends
 * on a signal; a clean-up one runs after a signal, with a short timeout; a
 * finishing one (COMMIT) is not sent after a signal but, once sent, waits
 * for its answer through a signal, up to the idle timeout.
 */
enum { WAIT_NORMAL = 0, WAIT_CLEANUP = 1, WAIT_FINISH = 2 };

int pg_failure(void)
{
	return last_fail;
}

static long long now_ms(void)
{
	return (long long)(monotonic_s() * 1000);
}

/* The silence a wait accepts, in ms: the idle timeout, or the short one of
 * a cleanup statement. */
static long long idle_ms(int cleanup)
{
	return cleanup == WAIT_CLEANUP ? PG_CLEANUP_MS : (long long)sig_idle_timeout_s() * 1000;
}

/*
 * Waits until c has a result that PQgetResult() returns without blocking (or
 * has failed, which PQgetResult() then says). PG_INTERRUPTED when a signal
 * came (never in a cleanup wait, which runs after one), PG_STALLED when no
 * byte arrived for idle_ms(cleanup).
 */
static int wait_ready(PGconn *c, int cleanup)
{
	long long idle = idle_ms(cleanup), deadline = now_ms() + idle;

	for (;;) {
		struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };
		long long left;
		int r;

		/* what is buffered first: reading the socket moves the buffer,
		 * a cost per row when rows come one at a time */
		if (!PQisBusy(c) || !PQconsumeInput(c) || !PQisBusy(c))
			return 0;
		if (cleanup == WAIT_NORMAL && sig_pending())
			return PG_INTERRUPTED;
		left = deadline - now_ms();
		if (left <= 0)
			return PG_STALLED;
		r = poll(&p, 1, left < PG_POLL_MS ? (int)left : PG_POLL_MS);
		if (r < 0 && errno != EINTR)
			return 0; /* PQconsumeInput() reports the broken socket */
		if (r > 0)
			deadline = now_ms() + idle; /* a byte came: the server is there */
	}
}

static void *cancel_thread(void *arg)
{
	PGcancel *pc = arg;
	char err[256];

	PQcancel(pc, err, sizeof(err));
	PQfreeCancel(pc);
	return NULL;
}

/*
 * Asks the server to cancel c's query, waiting at most PG_CANCEL_MS.
 * PQcancel() blocks until the server closes the cancel connection, which a
 * paused server never does, so it runs in a thread that is left behind
 * when it takes longer (with its PGcancel: the process ends soon after).
 * 0 when the server took the request, -1 when it did not answer.
 */
static int cancel_bounded(PGconn *c)
{
	PGcancel *pc = PQgetCancel(c);
	sigset_t all, old;
	struct timespec ts;
	pthread_t t;
	int e;

	if (!pc)
		return -1;
	/* signals stay with the main thread, which polls their flag */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&t, NULL, cancel_thread, pc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		PQfreeCancel(pc);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += PG_CANCEL_MS / 1000;
	ts.tv_nsec += (PG_CANCEL_MS % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (pthread_timedjoin_np(t, NULL, &ts) != 0) {
		pthread_detach(t);
		return -1;
	}
	return 0;
}

/* Takes the results that have already come, reading the socket once: a
 * query still streaming rows is not read to its end. */
static void take_arrived(PGconn *c)
{
	PGresult *r;

	PQconsumeInput(c);
	while (!PQisBusy(c) && (r = PQgetResult(c))) {
		/* a COPY still open gives its result again and again */
		int copy =
		    PQresultStatus(r) == PGRES_COPY_IN || PQresultStatus(r) == PGRES_COPY_OUT;
		PQclear(r);
		if (copy)
			return;
	}
}

void pg_discard(PGconn *c)
{
	long long until = now_ms() + 2 * PG_CLEANUP_MS;
	PGresult *r;

	/* rows still streaming count as an answer: bound the whole too */
	while (PQtransactionStatus(c) == PQTRANS_ACTIVE && now_ms() < until) {
		if (wait_ready(c, 1))
			return; /* still silent: the connection stays busy */
		r = PQgetResult(c);
		if (!r)
			return;
		if (PQresultStatus(r) == PGRES_COPY_IN || PQresultStatus(r) == PGRES_COPY_OUT) {
			PQclear(r);
			return;
		}
		PQclear(r);
	}
}

void pg_abandon(PGconn *c)
{
	/* what has come needs no cancel, which could hit the next query */
	take_arrived(c);
	if (PQtransactionStatus(c) != PQTRANS_ACTIVE)
		return;
	/* a server that does not take a cancel will not send results either */
	if (cancel_bounded(c) == 0)
		pg_discard(c);
}

/* After a wait that ended in e: says so (a stall, outside cleanup) and
 * leaves the connection usable when the server lets it. */
static void wait_failed(PGconn *c, int e, const char *sql, int cleanup)
{
	last_fail = e;
	if (cleanup == WAIT_CLEANUP) {
		ui_verbose("no answer from the database to a clean-up statement in %d ms: %s",
			   PG_CLEANUP_MS, sql);
		return;
	}
	if (e == PG_STALLED) {
		ui_error("no answer from the database for %d s", sig_idle_timeout_s());
		ui_verbose("the statement was: %s", sql);
	}
	pg_abandon(c);
}

/*
 * Sends sql without waiting for its answer. A connection still busy with a
 * query given up on earlier (its server silent) refuses at once, quietly:
 * the wait that gave it up has said why.
 */
static int send_query(PGconn *c, const char *sql, int nparams, const char *const *params,
		      int cleanup)
{
	int ok;

	last_fail = 0;
	if (PQtransactionStatus(c) == PQTRANS_ACTIVE) {
		/* the answer may have come since: take it without waiting */
		take_arrived(c);
		if (PQtransactionStatus(c) == PQTRANS_ACTIVE) {
			ui_verbose("the database connection is still busy; not sent: %s", sql);
			last_fail = PG_STALLED;
			return -1;
		}
	}
	if (cleanup != WAIT_CLEANUP && sig_pending()) {
		last_fail = PG_INTERRUPTED;
		return -1;
	}
	/* without parameters, the simple protocol: several statements may go
	 * in one message, as BEGIN and LOCK must */
	ok = nparams ? PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0)
		     : PQsendQuery(c, sql);
	if (!ok) {
		char *m = pg_message(PQerrorMessage(c));

		if (cleanup == WAIT_CLEANUP) {
			ui_verbose("clean-up statement not sent: %s", m);
		} else {
			ui_error("statement failed: %s", m);
			ui_hint("the statement was: %s", sql);
		}
		free(m);
		last_fail = PG_FAILED;
		return -1;
	}
	return 0;
}

int pg_send(PGconn *c, const char *sql, int nparams, const char *const *params)
{
	return send_query(c, sql, nparams, params, 0);
}

int pg_next_result(PGconn *c, PGresult **out)
{
	int e;

	*out = NULL;
	last_fail = 0;
	if (PQtransactionStatus(c) != PQTRANS_ACTIVE)
		return 0;
	e = wait_ready(c, 0);
	if (e) {
		wait_failed(c, e, "(reading results)", 0);
		return -1;
	}
	*out = PQgetResult(c);
	return *out ? 1 : 0;
}

/* Waits for every result of the query sent; the last one, or the first
 * error, which the caller checks. NULL when the wait failed. */
static PGresult *collect(PGconn *c, const char *sql, int cleanup)
{
	PGresult *keep = NULL, *r;

	for (;;) {
		int e = wait_ready(c, cleanup);

		if (e) {
			wait_failed(c, e, sql, cleanup);
			PQclear(keep);
			return NULL;
		}
		r = PQgetResult(c);
		if (!r)
			break;
		/* COPY's start has no end of results: the caller streams next */
		if (PQresultStatus(r) == PGRES_COPY_IN || PQresultStatus(r) == PGRES_COPY_OUT) {
			PQclear(keep);
			return r;
		}
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(keep);
			keep = r;
		}
	}
	return keep;
}

static PGresult *exec_mode(PGconn *c, const char *sql, int nparams, const char *const *params,
			   int cleanup)
{
	PGresult *r;
	ExecStatusType st;

	if (send_query(c, sql, nparams, params, cleanup) < 0)
		return NULL;
	r = collect(c, sql, cleanup);
	if (!r && last_fail)
		return NULL;
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	{
		const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
		char *msg = pg_message(m);
		if (cleanup == WAIT_CLEANUP) {
			ui_verbose("clean-up statement failed: %s: %s", msg, sql);
		} else {
			ui_error("statement failed: %s", msg);
			ui_hint("the statement was: %s", sql);
		}
		free(msg);
	}
	last_fail = PG_FAILED;
	PQclear(r);
	return NULL;
}

PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params)
{
	return exec_mode(c, sql, nparams, params, WAIT_NORMAL);
}

int pg_run(PGconn *c, const char *sql)
{
	PGresult *r = pg_exec(c, sql, 0, NULL);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

PGresult *pg_exec_unchecked(PGconn *c, const char *sql)
{
	if (send_query(c, sql, 0, NULL, 0) < 0)
		return NULL;
	return collect(c, sql, 0);
}

/*
 * Waits until c's output buffer has room (or was flushed), reading what the
 * server sends meanwhile; the same signal and idle rules as wait_ready().
 */
static int wait_writable(PGconn *c)
{
	long long idle = idle_ms(0), deadline = now_ms() + idle;

	for (;;) {
		struct pollfd p = { .fd = PQsocket(c), .events = POLLIN | POLLOUT };
		long long left;
		int r;

		if (sig_pending())
			return PG_INTERRUPTED;
		left = deadline - now_ms();
		if (left <= 0)
			return PG_STALLED;
		r = poll(&p, 1, left < PG_POLL_MS ? (int)left : PG_POLL_MS);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r > 0) {
			if ((p.revents & POLLIN) && !PQconsumeInput(c))
				return 0; /* the caller's next call reports it */
			if (p.revents & (POLLOUT | POLLERR | POLLHUP))
				return 0;
			deadline = now_ms() + idle;
		}
	}
}

int pg_copy_put(PGconn *c, const char *buf, size_t len)
{
	int e = 0, r = 0;

	last_fail = 0;
	PQsetnonblocking(c, 1);
	e = sig_pending() ? PG_INTERRUPTED : 0;
	/* len 0: the end of the data; then everything flushed (PQflush 0) */
	while (!e && (r = len ? PQputCopyData(c, buf, (int)len) : PQputCopyEnd(c, NULL)) == 0)
		e = wait_writable(c);
	while (!e && r == 1 && (r = PQflush(c)) == 1)
		e = wait_writable(c);
	if (e) {
		/* end the COPY with an error if there is room for it, so that the
		 * server answers and the connection leaves the COPY state */
		if (PQputCopyEnd(c, "given up by dockreset") == 1)
			PQflush(c);
		PQsetnonblocking(c, 0);
		wait_failed(c, e, "COPY ... FROM STDIN", 0);
		return -1;
	}
	PQsetnonblocking(c, 0);
	if (r < 0) {
		char *m = pg_message(PQerrorMessage(c));
		ui_error("cannot send COPY data: %s", m);
		free(m);
		last_fail = PG_FAILED;
		return -1;
	}
	return 0;
}

PGresult *pg_copy_end(PGconn *c)
{
	if (pg_copy_put(c, NULL, 0) < 0)
		return NULL;
	return collect(c, "COPY ... FROM STDIN", 0);
}

PGresult *pg_exec_finish(PGconn *c, const char *sql)
{
	if (send_query(c, sql, 0, NULL, WAIT_FINISH) < 0)
		return NULL;
	return collect(c, sql, WAIT_FINISH);
}

PGresult *pg_cleanup_exec(PGconn *c, const char *sql, int nparams, const char *const *params)
{
	return exec_mode(c, sql, nparams, params, WAIT_CLEANUP);
}

int pg_cleanup_run(PGconn *c, const char *sql)
{
	PGresult *r = pg_cleanup_exec(c, sql, 0, NULL);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int pg_exit_code(struct docker *d, const struct docker_container *db, int failed_code)
{
	switch (last_fail) {
	case PG_INTERRUPTED:
		return sig_exit_code() ? sig_exit_code() : failed_code;
	case PG_STALLED:
		if (!d || !db || docker_report_paused(d, db->id, NULL) <= 0)
			ui_hint("is the database overloaded? DOCKRESET_IDLE_TIMEOUT sets how long "
				"dockreset waits for an answer (now %d s)",
				sig_idle_timeout_s());
		return EXIT_CONTAINER;
	}
	return failed_code;
}

/* ---- connection ------------------------------------------------------ */

static void connect_error(const struct pg_params *p, const char *msg)
{
	if (p->conninfo)
		ui_error("cannot connect to the database given by \"url\": %s", msg);
	else
		ui_error("cannot connect to database '%s' as '%s' at %s:%s: %s", p->dbname, p->user,
			 p->host, p->port, msg);
}

PGconn *pg_connect(const struct pg_params *p)
{
	/*
	 * Keywords and values, so nothing is parsed out of a string we built;
	 * dbname carries the target's url when given (expand_dbname), and the
	 * keywords after it override nothing it sets.
	 */
	const char *keys[10], *vals[10];
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	long long limit_s, deadline;
	int n = 0;
	PGconn *c;

	last_fail = 0;
	if (p->conninfo) {
		keys[n] = "dbname", vals[n++] = p->conninfo;
		/* a later dbname is a plain name that overrides the url's */
		if (p->dbname_override)
			keys[n] = "dbname", vals[n++] = p->dbname_override;
	} else {
		keys[n] = "host", vals[n++] = p->host;
		keys[n] = "port", vals[n++] = p->port;
		keys[n] = "dbname", vals[n++] = p->dbname_override ? p->dbname_override : p->dbname;
		keys[n] = "user", vals[n++] = p->user;
		if (p->password)
			keys[n] = "password", vals[n++] = p->password;
	}
	keys[n] = "application_name", vals[n++] = p->appname;
	keys[n] = NULL, vals[n] = NULL;

	/* Asynchronously, so that a signal or a silent server (a paused
	 * container still accepts the connection) ends the wait. */
	c = PQconnectStartParams(keys, vals, 1);
	if (!c) {
		ui_error("cannot connect to the database: out of memory");
		last_fail = PG_FAILED;
		return NULL;
	}
	PQsetNoticeProcessor(c, notice, NULL);
	limit_s = sig_idle_timeout_s() < PG_CONNECT_S ? sig_idle_timeout_s() : PG_CONNECT_S;
	deadline = now_ms() + limit_s * 1000;
	if (PQstatus(c) == CONNECTION_BAD)
		st = PGRES_POLLING_FAILED;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		struct pollfd pfd = { .fd = PQsocket(c),
				      .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT };
		long long left = deadline - now_ms();
		int r;

		if (sig_pending()) {
			last_fail = PG_INTERRUPTED;
			PQfinish(c);
			return NULL;
		}
		if (left <= 0) {
			char msg[64];

			snprintf(msg, sizeof(msg), "no answer for %lld s", limit_s);
			connect_error(p, msg);
			last_fail = PG_STALLED;
			PQfinish(c);
			return NULL;
		}
		r = poll(&pfd, 1, left < PG_POLL_MS ? (int)left : PG_POLL_MS);
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		st = PQconnectPoll(c);
	}
	if (st != PGRES_POLLING_OK || PQstatus(c) != CONNECTION_OK) {
		char *msg = pg_message(PQerrorMessage(c));
		connect_error(p, msg);
		free(msg);
		last_fail = PG_FAILED;
		PQfinish(c);
		return NULL;
	}
	return c;
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
	r = pg_cleanup_exec(c, "SELECT pg_advisory_unlock($1::bigint)", 1, params);
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
	pg_cleanup_run(c, "ROLLBACK");
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
	if (pg_send(c, sql.buf, 0, NULL) < 0)
		goto out;
	rc = 0;
out:
	strbuf_release(&sql);
	return rc;
}

int pg_count_row(struct pg_table *v, size_t n, const char *index, const char *rows)
{
	long long k, c;

	if (n == 0 || parse_int64(index, 0, (long long)n - 1, &k) < 0 ||
	    parse_int64(rows, 0, LLONG_MAX, &c) < 0)
		return -1;
	v[k].rows = c;
	return 0;
}

int pg_count_rows_finish(PGconn *c, struct pg_table *v, size_t n)
{
	PGresult *r;
	int rc = 0, got = 0, e;

	while ((e = pg_next_result(c, &r)) > 0) {
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			if (rc == 0) {
				char *m = pg_message(PQresultErrorMessage(r));
				ui_error("cannot count rows: %s", m);
				free(m);
			}
			rc = -1;
		} else {
			for (int i = 0; i < PQntuples(r) && rc == 0; i++)
				if (pg_count_row(v, n, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1)) <
				    0) {
					ui_error("cannot count rows: the server answered '%s' and "
						 "'%s' for a table's number and count",
						 PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
					rc = -1;
				}
			got = 1;
		}
		PQclear(r);
	}
	if (e < 0)
		return -1; /* interrupted or stalled: said, and given up */
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
	PGresult *r =
	    pg_cleanup_exec(c,
			    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
			    " WHERE application_name = $1 AND pid <> pg_backend_pid()",
			    1, params);
	long long n;

	if (!r)
		return -1;
	if (parse_int64(PQgetvalue(r, 0, 0), 0, INT_MAX, &n) < 0)
		n = -1;
	PQclear(r);
	return (int)n;
}

void pg_terminate_later(const struct pg_params *p, const char *appname)
{
	struct pg_params q = *p;
	long long deadline;
	pid_t pid = fork();
	int fd;

	if (pid != 0) {
		if (pid > 0)
			ui_verbose("a background process (pid %ld) will end '%s' once the database "
				   "answers",
				   (long)pid, appname);
		return;
	}
	/* the child: its own session, nothing of the caller's open */
	setsid();
	sig_forget();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	closefrom(3);
	q.appname = xasprintf("dockreset:cleanup:%s", appname);
	deadline = now_ms() + PG_LATER_S * 1000LL;
	while (now_ms() < deadline) {
		PGconn *c = pg_connect(&q);

		if (c) {
			int n = pg_terminate_app(c, appname);

			PQfinish(c);
			if (n >= 0)
				_exit(0);
		}
		sleep(2);
	}
	_exit(1);
}
