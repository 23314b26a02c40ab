/*
 * cmd_snapshot.c - `snapshot TARGET NAME` (and --delete), `snapshots TARGET`
 * and `rollback TARGET NAME` (issue 12).
 *
 * A snapshot is a copy of the target's database made with CREATE DATABASE
 * ... TEMPLATE (the target closed to new sessions and its sessions ended
 * for the copy), recorded in <backup dir>/snapshots/NAME.json with what the
 * copy does not carry: owner, ACL, settings (per-role ones too) and the
 * production marker. A spare copy of the snapshot is kept ready; rollback
 * puts owner, ACL and settings on it and swaps it in with two ALTER
 * DATABASE ... RENAMEs in one transaction, from a session on the
 * maintenance database, so that its time does not grow with the data. The
 * replaced database is dropped and the next spare made by a detached
 * process that logs to <backup dir>/snapshots/background.log.
 *
 * Every database made here begins with snapshot_db_prefix(): whatever of
 * them no record names is a leftover of an interrupted run, removed by the
 * next run under the target's lock. The target is always either itself or
 * the snapshot's state, open to connections, whatever fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apps.h"
#include "audit.h"
#include "backup.h"
#include "cmd.h"
#include "dump.h"
#include "guard.h"
#include "sig.h"
#include "snapshot.h"
#include "ui.h"

#define DEFAULT_TIMEOUT_S 60
/* How long the sessions of a closed database may take to end. */
#define SESSIONS_END_S 10
/* lock_timeout of the swap transaction. */
#define SWAP_LOCK_TIMEOUT "10s"
#define MAINTENANCE_DB	  "postgres"
#define ENV_KEY		  SNAPSHOT_ENV_KEY

struct snap_list {
	json_t **v; /* checked records, newest first */
	size_t n;
	size_t damaged; /* records that failed to load or check */
};

struct snap_run {
	struct cmd_ctx *ctx;
	const struct cfg_target *t;
	const char *cmd; /* "snapshot", "rollback", "delete" */
	int timeout;
	struct session ss;   /* ss.conn: a session on the target's database */
	struct pg_params mp; /* ss.pp with the maintenance database (shallow) */
	PGconn *mc;	     /* the maintenance session */
	char *dbname;	     /* the target's database */
	char *prefix;	     /* snapshot_db_prefix() */
	char *dir;	     /* <backup dir>/snapshots */
	char *spare_app;     /* application_name of the background process */
	struct backup_lock flock;
	long long key;
	int locked;
	struct apps_stopped stopped;
	int closed; /* the target's database is closed to connections by this run */
	struct guard_markers markers;
	struct snap_list list;
	char *branch, *commit;
	json_t *record; /* the snapshot made or rolled back to */
	json_t *backup; /* rollback --backup's manifest */
	int swapped;
	struct strlist unfinished;
};

/* ---- records ---- */

static void snap_list_release(struct snap_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		json_decref(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int by_time_desc(const void *a, const void *b)
{
	const char *x = snapshot_record_str(*(json_t *const *)a, "created_at");
	const char *y = snapshot_record_str(*(json_t *const *)b, "created_at");
	int c = strcmp(y, x);

	return c ? c
		 : strcmp(snapshot_record_str(*(json_t *const *)a, "name"),
			  snapshot_record_str(*(json_t *const *)b, "name"));
}

static int record_path_ok(const char *dir, const char *file, char **out_name)
{
	size_t n = strlen(file);

	if (n <= 5 || strcmp(file + n - 5, ".json"))
		return 0;
	*out_name = xstrndup(file, n - 5);
	if (!snapshot_name_valid(*out_name)) {
		free(*out_name);
		*out_name = NULL;
		return 0;
	}
	(void)dir;
	return 1;
}

/*
 * Every record of dir, checked (their databases must begin with prefix;
 * prefix NULL: not checked), newest first. A missing dir is an empty list.
 * Records that fail are counted in l->damaged and warned about.
 */
static int snap_list_load(struct snap_list *l, const char *dir, const char *prefix)
{
	struct dirent **ents = NULL;
	int n;

	memset(l, 0, sizeof(*l));
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		ui_error("cannot read '%s': %s", dir, strerror(errno));
		return -1;
	}
	l->v = xcalloc((size_t)n + 1, sizeof(*l->v));
	for (int i = 0; i < n; i++) {
		char *name = NULL, *path, *why = NULL;
		struct strbuf sb = STRBUF_INIT;
		json_error_t err;
		json_t *r = NULL;
		int fd;

		if (!record_path_ok(dir, ents[i]->d_name, &name)) {
			free(ents[i]);
			continue;
		}
		path = xasprintf("%s/%s", dir, ents[i]->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			char buf[8192];
			ssize_t k;
			while ((k = read(fd, buf, sizeof(buf))) > 0 && sb.len < (1u << 20))
				strbuf_add(&sb, buf, (size_t)k);
			close(fd);
			r = json_loadb(strbuf_str(&sb), sb.len, JSON_REJECT_DUPLICATES, &err);
			if (!r)
				why = xasprintf("line %d: %s", err.line, err.text);
			else if (snapshot_record_check(&why, r, name, prefix) < 0) {
				json_decref(r);
				r = NULL;
			}
		} else {
			why = xstrdup(strerror(errno));
		}
		if (r) {
			l->v[l->n++] = r;
		} else {
			ui_warn("snapshot record '%s' is damaged: %s", path, why);
			l->damaged++;
		}
		free(why);
		free(path);
		free(name);
		strbuf_release(&sb);
		free(ents[i]);
	}
	free(ents);
	qsort(l->v, l->n, sizeof(*l->v), by_time_desc);
	return 0;
}

static json_t *snap_list_find(const struct snap_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(snapshot_record_str(l->v[i], "name"), name))
			return l->v[i];
	return NULL;
}

/* Writes the record as <dir>/<name>.json (0600, dir 0700) with the safe
 * writer. Returns 0 or an exit code after reporting. */
static int record_write(const char *dir, const json_t *rec, int replace)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *file = xasprintf("%s.json", snapshot_record_str(rec, "name"));
	char *text = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int e;

	e = backup_dir_ensure(dir);
	if (e == 0)
		e = backup_file_open(&f, dir, file, replace ? BACKUP_FILE_REPLACE : 0);
	if (e == 0)
		e = backup_file_write(&f, text, strlen(text));
	if (e == 0)
		e = backup_file_write(&f, "\n", 1);
	if (e == 0)
		e = backup_file_commit(&f);
	backup_file_abort(&f);
	free(text);
	free(file);
	return e ? backup_exit_code(e) : 0;
}

/* ---- small SQL helpers (all on the maintenance session) ---- */

/* One value of a one-row query, new string; NULL for no row or NULL. */
static char *query_value(PGconn *c, const char *sql, int n, const char *const *params, int *err)
{
	PGresult *res = pg_exec(c, sql, n, params);
	char *v = NULL;

	if (!res) {
		*err = 1;
		return NULL;
	}
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* The count the query answers (its first value), or -1, said: a failed
 * query, or an answer that is not a count. */
static long long query_count(PGconn *c, const char *sql, int n, const char *const *params)
{
	int err = 0;
	char *v = query_value(c, sql, n, params, &err);
	long long k = -1;

	if (!err && parse_int64(v, 0, LLONG_MAX, &k) < 0) {
		ui_error("the server answered '%s' where a count was expected", v ? v : "NULL");
		k = -1;
	}
	free(v);
	return k;
}

static int db_exists(PGconn *c, const char *name)
{
	const char *p[1] = { name };
	int err = 0;
	char *v = query_value(c, "SELECT 1 FROM pg_database WHERE datname = $1", 1, p, &err);

	free(v);
	return err ? -1 : v != NULL;
}

/* Runs "VERB <ident> REST" with ident quoted: 0 or -1. */
static int run_ident(PGconn *c, const char *fmt, const char *ident, int cleanup)
{
	char *q = pg_quote_ident(c, ident), *sql;
	int rc;

	if (!q)
		return -1;
	sql = xasprintf(fmt, q);
	rc = cleanup ? pg_cleanup_run(c, sql) : pg_run(c, sql);
	free(sql);
	free(q);
	return rc;
}

static int drop_db(PGconn *c, const char *name, int cleanup)
{
	return run_ident(c, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name, cleanup);
}

/* CREATE DATABASE name TEMPLATE tmpl, closed to connections. */
static int copy_db(PGconn *c, const char *name, const char *tmpl)
{
	char *qn = pg_quote_ident(c, name), *qt = pg_quote_ident(c, tmpl), *sql;
	int rc = -1;

	if (qn && qt) {
		sql = xasprintf("CREATE DATABASE %s TEMPLATE %s%s ALLOW_CONNECTIONS false", qn, qt,
				PQserverVersion(c) >= 150000 ? " STRATEGY FILE_COPY" : "");
		rc = pg_run(c, sql);
		free(sql);
	}
	free(qn);
	free(qt);
	return rc;
}

/* The sessions of the background process of this target that are still
 * connected: 1 some, 0 none, -1 error. */
static int background_running(PGconn *c, const char *app)
{
	const char *p[1] = { app };
	long long n =
	    query_count(c,
			"SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
			"AND pid <> pg_backend_pid()",
			1, p);

	return n < 0 ? -1 : n > 0;
}

/* ---- the run: lock, sessions, leftovers ---- */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int open_maintenance(struct snap_run *r)
{
	static const char *dbs[] = { MAINTENANCE_DB, "template1" };

	r->mp = r->ss.pp;
	for (size_t i = 0; i < ARRAY_SIZE(dbs) && !r->mc; i++) {
		r->mp.dbname_override = dbs[i];
		r->mc = pg_connect(&r->mp);
		if (!r->mc && pg_failure() == PG_INTERRUPTED)
			return sig_exit_code();
	}
	return r->mc ? 0 : pg_exit_code(r->ss.d, r->ss.db, EXIT_CONTAINER);
}

/*
 * The target's database left closed by a killed run (ALLOW_CONNECTIONS
 * false): under the target's lock no run of ours has it closed, so it is
 * opened again.
 */
static void reopen_leftover(struct snap_run *r, const char *dbname)
{
	const char *p[1] = { dbname };
	int err = 0;
	char *v = query_value(r->mc, "SELECT datallowconn FROM pg_database WHERE datname = $1", 1,
			      p, &err);

	if (v && !strcmp(v, "f") &&
	    run_ident(r->mc, "ALTER DATABASE %s ALLOW_CONNECTIONS true", dbname, 0) == 0)
		ui_warn("database '%s' was left closed to connections by an interrupted run; "
			"opened again",
			dbname);
	free(v);
}

/* The target's database, connected; one closed by a killed run reopened. */
static int open_sessions(struct snap_run *r)
{
	int rc = session_open_waiting(&r->ss, r->ctx, r->timeout);
	int err = 0;

	if (rc && r->ss.db && r->ss.pp.appname && !r->ss.conn && !sig_pending()) {
		/* perhaps closed by a killed run: look from the maintenance database */
		if (open_maintenance(r) == 0 && r->ss.pp.dbname && !r->ss.pp.conninfo) {
			reopen_leftover(r, r->ss.pp.dbname);
			r->ss.conn = pg_connect(&r->ss.pp);
			rc = r->ss.conn ? 0 : pg_exit_code(r->ss.d, r->ss.db, EXIT_CONTAINER);
		}
	}
	if (rc)
		return rc;
	r->dbname = query_value(r->ss.conn, "SELECT current_database()", 0, NULL, &err);
	if (!r->dbname)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	r->prefix = snapshot_db_prefix(r->t->name, r->dbname);
	if (!r->mc && (rc = open_maintenance(r)))
		return rc;
	return 0;
}

/* Exit 6 before anything changes when the user may not create databases. */
static int check_createdb(struct snap_run *r)
{
	PGresult *res = pg_exec(r->ss.conn,
				"SELECT rolcreatedb OR rolsuper, current_user FROM pg_roles "
				"WHERE rolname = current_user",
				0, NULL);
	int ok;

	if (!res)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	ok = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	if (!ok) {
		const char *u = PQntuples(res) == 1 ? PQgetvalue(res, 0, 1) : r->ss.pp.user;
		ui_error("database user '%s' may not create databases: snapshots and rollbacks "
			 "copy the database inside the server",
			 u);
		ui_hint("grant it once, as a superuser: ALTER ROLE \"%s\" CREATEDB", u);
	}
	PQclear(res);
	return ok ? 0 : EXIT_COMMAND;
}

static int take_locks(struct snap_run *r)
{
	int e;

	/* on the maintenance database: a session on the target would block the
	 * swap, and advisory locks are per database; the one on the target's
	 * database keeps reset and restore out until this run closes it */
	if ((e = cmd_advisory_lock(r->mc, r->t, r->key, r->ss.d, r->ss.db)))
		return e;
	return cmd_advisory_lock(r->ss.conn, r->t, r->key, r->ss.d, r->ss.db);
}

/*
 * Drops every database of this target's prefix that no record names: the
 * leftovers of interrupted runs (copies never recorded, replaced databases
 * not yet dropped). With a damaged record only replaced databases go, and
 * none while the background process of the target still runs.
 */
static int clean_leftovers(struct snap_run *r)
{
	const char *p[1] = { r->prefix };
	char *old = snapshot_old_name(r->prefix, "");
	PGresult *res;
	int bg = background_running(r->mc, r->spare_app);

	res = pg_exec(r->mc,
		      "SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 "
		      "ORDER BY datname",
		      1, p);
	if (!res) {
		free(old);
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *d = PQgetvalue(res, i, 0);
		int is_old = !strncmp(d, old, strlen(old)), named = 0;

		for (size_t k = 0; k < r->list.n; k++)
			if (!strcmp(d, snapshot_record_db(r->list.v[k], "copy")) ||
			    !strcmp(d, snapshot_record_db(r->list.v[k], "spare")))
				named = 1;
		if (named || (!is_old && r->list.damaged) || (is_old && bg))
			continue;
		if (sig_pending())
			break;
		if (drop_db(r->mc, d, 0) == 0)
			ui_warn("removed database '%s' left by an interrupted run", d);
	}
	PQclear(res);
	free(old);
	return sig_pending() ? sig_exit_code() : 0;
}

static int start_run(struct snap_run *r)
{
	int e, rc;

	r->key = backup_advisory_key(r->t->name);
	r->dir = xasprintf("%s/snapshots", r->t->backup_dir);
	r->spare_app = xasprintf("dockreset:spare:%s", r->t->name);
	/* the file lock first: nothing below may run beside another run */
	if ((e = backup_lock_acquire(&r->flock, r->t->backup_dir, r->t->name, r->cmd)) < 0)
		return backup_exit_code(e);
	r->locked = 1;
	if ((rc = open_sessions(r)) || (rc = check_createdb(r)) || (rc = take_locks(r)))
		return rc;
	if (snap_list_load(&r->list, r->dir, r->prefix) < 0)
		return EXIT_IO;
	return 0;
}

/* ---- closing and opening the target ---- */

/*
 * ALTER DATABASE ... ALLOW_CONNECTIONS false (superusers too), then its
 * sessions ended until none is left; our own session on it (with its
 * advisory lock) is closed first.
 */
static int close_target(struct snap_run *r)
{
	const char *p[1] = { r->dbname };
	double deadline;

	pg_advisory_unlock(r->ss.conn, r->key);
	PQfinish(r->ss.conn);
	r->ss.conn = NULL;

	ui_step("closing database '%s' to new sessions and ending its sessions", r->dbname);
	if (run_ident(r->mc, "ALTER DATABASE %s ALLOW_CONNECTIONS false", r->dbname, 0) < 0)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	r->closed = 1;
	deadline = monotonic_s() + SESSIONS_END_S;
	for (;;) {
		long long n =
		    query_count(r->mc,
				"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
				"WHERE datname = $1 AND pid <> pg_backend_pid()",
				1, p);

		if (n < 0)
			return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
		if (n == 0)
			return 0;
		if (monotonic_s() > deadline) {
			ui_error("%lld session%s of database '%s' did not end within %d s", n,
				 n == 1 ? "" : "s", r->dbname, SESSIONS_END_S);
			ui_hint("the database user needs to be a member of the sessions' roles, "
				"or of pg_signal_backend");
			return EXIT_COMMAND;
		}
		if (sig_pending())
			return sig_exit_code();
		sleep_ms(100);
	}
}

/* Opens the target again (also after a signal). */
static void reopen_target(struct snap_run *r)
{
	if (!r->closed || !r->mc)
		return;
	if (run_ident(r->mc, "ALTER DATABASE %s ALLOW_CONNECTIONS true", r->dbname, 1) == 0) {
		r->closed = 0;
		ui_verbose("database '%s' open to connections again", r->dbname);
		return;
	}
	ui_error("database '%s' could not be opened to connections again", r->dbname);
	ui_hint("run as a superuser: ALTER DATABASE \"%s\" ALLOW_CONNECTIONS true (or run "
		"'dockreset snapshots %s', which does it)",
		r->dbname, r->t->name);
}

/* As reset's, without the step when the target has no apps. */
static int stop_apps(struct snap_run *r)
{
	if (!r->t->napps)
		return sig_pending() ? sig_exit_code() : 0;
	return session_stop_apps(&r->ss, &r->stopped);
}

/* ---- what a copy does not carry ---- */

/* owner, datacl, connlimit, size of the target's database; acl and
 * settings as the record holds them. */
struct db_meta {
	char *owner, *datacl, *environment;
	int connlimit;
	long long size;
	json_t *acl, *settings;
};

static void db_meta_release(struct db_meta *m)
{
	free(m->owner);
	free(m->datacl);
	free(m->environment);
	json_decref(m->acl);
	json_decref(m->settings);
	memset(m, 0, sizeof(*m));
}

static int read_meta_rows(struct db_meta *m, PGconn *c, const char *dbname)
{
	const char *p[1] = { dbname };
	PGresult *res;
	long long n;

	memset(m, 0, sizeof(*m));
	res = pg_exec(c,
		      "SELECT pg_get_userbyid(datdba), datacl::text, datconnlimit, "
		      "pg_database_size(oid) FROM pg_database WHERE datname = $1",
		      1, p);
	if (!res || PQntuples(res) != 1) {
		if (res)
			ui_error("database '%s' does not exist", dbname);
		PQclear(res);
		return -1;
	}
	m->owner = xstrdup(PQgetvalue(res, 0, 0));
	m->datacl = PQgetisnull(res, 0, 1) ? NULL : xstrdup(PQgetvalue(res, 0, 1));
	if (parse_int64(PQgetvalue(res, 0, 2), -1, INT_MAX, &n) < 0 ||
	    parse_int64(PQgetvalue(res, 0, 3), 0, LLONG_MAX, &m->size) < 0) {
		ui_error("cannot read the connection limit and size of database '%s': the server "
			 "answered '%s' and '%s'",
			 dbname, PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
		PQclear(res);
		return -1;
	}
	m->connlimit = (int)n;
	PQclear(res);
	res = pg_exec(c,
		      "SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) "
		      "END, a.privilege_type, a.is_grantable FROM pg_database d, "
		      "aclexplode(d.datacl) WITH ORDINALITY a WHERE d.datname = $1 "
		      "ORDER BY a.ordinality",
		      1, p);
	if (!res)
		return -1;
	m->acl = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(
		    m->acl, json_pack("{s:s?, s:s, s:b}", "grantee",
				      PQgetisnull(res, i, 0) ? NULL : PQgetvalue(res, i, 0),
				      "privilege", PQgetvalue(res, i, 1), "grantable",
				      !strcmp(PQgetvalue(res, i, 2), "t")));
	PQclear(res);
	res = pg_exec(c,
		      "SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) "
		      "END, array_to_json(s.setconfig)::text FROM pg_db_role_setting s "
		      "JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1 "
		      "ORDER BY s.setrole",
		      1, p);
	if (!res)
		return -1;
	m->settings = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		const char *role = PQgetisnull(res, i, 0) ? NULL : PQgetvalue(res, i, 0);

		if (snapshot_settings_row(m->settings, role, PQgetvalue(res, i, 1),
					  &m->environment) < 0) {
			ui_error("cannot read the settings of database '%s'%s%s: the server "
				 "answered '%s'",
				 dbname, role ? " for role " : "", role ? role : "",
				 PQgetvalue(res, i, 1));
			PQclear(res);
			return -1;
		}
	}
	PQclear(res);
	return 0;
}

/* The database's metadata for a record: 0, or -1 (said) with m empty. */
static int read_meta(struct db_meta *m, PGconn *c, const char *dbname)
{
	if (read_meta_rows(m, c, dbname) < 0) {
		db_meta_release(m);
		return -1;
	}
	return 0;
}

/*
 * The statements that give db the owner, ACL, connection limit and settings
 * of rec; environment (the target's marker now, or NULL) replaces the
 * record's, so that a rollback never drops a marker set since the snapshot.
 */
static int put_back_sql(struct strlist *out, const json_t *rec, const char *db,
			const char *environment)
{
	char *qdb = snapshot_sql_ident(db), *qowner;
	const char *owner = snapshot_record_str(rec, "owner");
	const json_t *acl = json_object_get(rec, "acl"),
		     *settings = json_object_get(rec, "settings");
	const json_t *e;
	size_t i;
	int env_done = 0;

	qowner = snapshot_sql_ident(owner);
	strlist_push_nodup(out, xasprintf("ALTER DATABASE %s OWNER TO %s", qdb, qowner));
	if (json_is_string(json_object_get(rec, "datacl"))) {
		/* from the owner's defaults to exactly the recorded items, in order */
		strlist_push_nodup(out, xasprintf("REVOKE ALL ON DATABASE %s FROM PUBLIC", qdb));
		strlist_push_nodup(out,
				   xasprintf("REVOKE ALL ON DATABASE %s FROM %s", qdb, qowner));
		json_array_foreach(acl, i, e)
		{
			const char *g = json_string_value(json_object_get(e, "grantee"));
			char *qg = g ? snapshot_sql_ident(g) : xstrdup("PUBLIC");
			strlist_push_nodup(
			    out,
			    xasprintf("GRANT %s ON DATABASE %s TO %s%s",
				      json_string_value(json_object_get(e, "privilege")), qdb, qg,
				      json_is_true(json_object_get(e, "grantable"))
					  ? " WITH GRANT OPTION"
					  : ""));
			free(qg);
		}
	}
	strlist_push_nodup(
	    out, xasprintf("ALTER DATABASE %s CONNECTION LIMIT %d", qdb,
			   (int)json_integer_value(json_object_get(rec, "connection_limit"))));
	json_array_foreach(settings, i, e)
	{
		const char *role = json_string_value(json_object_get(e, "role"));
		const json_t *it;
		size_t k;

		json_array_foreach(json_object_get(e, "settings"), k, it)
		{
			const char *s = json_string_value(it);
			char *sql, *repl = NULL;
			if (!role && environment && !strncmp(s, ENV_KEY "=", strlen(ENV_KEY) + 1)) {
				s = repl = xasprintf("%s=%s", ENV_KEY, environment);
				env_done = 1;
			}
			sql = snapshot_setting_sql(db, role, s);
			free(repl);
			if (!sql) {
				ui_error("setting '%s' of the snapshot cannot be put back", s);
				free(qdb);
				free(qowner);
				return -1;
			}
			strlist_push_nodup(out, sql);
		}
	}
	if (environment && !env_done) {
		char *item = xasprintf("%s=%s", ENV_KEY, environment);
		strlist_push_nodup(out, snapshot_setting_sql(db, NULL, item));
		free(item);
	}
	free(qdb);
	free(qowner);
	return 0;
}

/* ---- the background process ---- */

/*
 * Forks a process of its own session, with none of our descriptors, that
 * drops old (when not NULL) and makes the spare of rec when it is missing,
 * logging to <dir>/background.log; the caller returns at once (as git gc
 * --auto does).
 */
static void spawn_background(struct snap_run *r, const json_t *rec, const char *old)
{
	struct pg_params q = r->mp;
	char *copy = xstrdup(snapshot_record_db(rec, "copy"));
	char *spare = xstrdup(snapshot_record_db(rec, "spare"));
	char *oldc = old ? xstrdup(old) : NULL, *log = xasprintf("%s/background.log", r->dir);
	pid_t pid = fork();
	int fd, ok = 1;
	PGconn *c;

	if (pid != 0) {
		if (pid > 0)
			ui_verbose("a background process (pid %ld) %s the next spare of snapshot "
				   "'%s'; it logs to '%s'",
				   (long)pid,
				   old ? "drops the replaced database and makes" : "makes",
				   snapshot_record_str(rec, "name"), log);
		else
			ui_warn("cannot start the background process: %s", strerror(errno));
		free(copy);
		free(spare);
		free(oldc);
		free(log);
		return;
	}
	setsid();
	sig_forget();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0)
		dup2(fd, 0);
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	closefrom(3);
	{
		struct ui_opts uo = { .verbose = 1 };
		char when[BACKUP_TIME_LEN];
		ui_init(&uo);
		fprintf(stderr, "%s pid %ld: target '%s', snapshot '%s'\n",
			backup_time_format(when, time(NULL)), (long)getpid(), r->t->name,
			snapshot_record_str(rec, "name"));
	}
	q.appname = r->spare_app;
	c = pg_connect(&q);
	if (!c)
		_exit(1);
	if (oldc) {
		fprintf(stderr, "dropping database '%s'\n", oldc);
		if (drop_db(c, oldc, 0) < 0)
			ok = 0;
	}
	if (db_exists(c, spare) == 0) {
		double t0 = monotonic_s();
		fprintf(stderr, "making spare '%s' from '%s'\n", spare, copy);
		if (copy_db(c, spare, copy) < 0)
			ok = 0;
		else
			fprintf(stderr, "spare '%s' ready in %.1f s\n", spare, monotonic_s() - t0);
	}
	fflush(stderr);
	PQfinish(c);
	_exit(ok ? 0 : 1);
}

/*
 * The spare of rec, ready: waits for the background process when it runs,
 * and makes the spare when it is still missing. 0 or an exit code.
 */
static int ensure_spare(struct snap_run *r, const json_t *rec, int *was_ready)
{
	const char *spare = snapshot_record_db(rec, "spare");
	double deadline = monotonic_s() + sig_idle_timeout_s();
	int e, said = 0;

	*was_ready = 0;
	for (;;) {
		e = db_exists(r->mc, spare);
		if (e < 0)
			return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
		if (e > 0 && !said) {
			*was_ready = 1;
			return 0;
		}
		if ((e = background_running(r->mc, r->spare_app)) < 0)
			return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
		if (!e)
			break;
		if (!said)
			ui_step("waiting for the background process making the spare");
		said = 1;
		if (sig_pending())
			return sig_exit_code();
		if (monotonic_s() > deadline) {
			ui_error("the background process making the spare did not finish within %d "
				 "s",
				 sig_idle_timeout_s());
			return EXIT_COMMAND;
		}
		sleep_ms(200);
	}
	if ((e = db_exists(r->mc, spare)) != 0)
		return e > 0 ? 0 : sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	ui_step("copying snapshot '%s' (no spare was ready)", snapshot_record_str(rec, "name"));
	if (copy_db(r->mc, spare, snapshot_record_db(rec, "copy")) < 0)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	return 0;
}

/* ---- audit and --json ---- */

static void write_audit(struct snap_run *r, const char *name, int rc)
{
	json_t *e = json_object();
	char *outcome;

	if (rc == 0)
		outcome = xstrdup("ok");
	else if (r->swapped && rc != EXIT_SIGINT && rc != EXIT_SIGTERM)
		outcome = xasprintf("partial: %s", ui_first_error() ? ui_first_error() : "error");
	else
		outcome = cmd_outcome_failed(rc);
	json_object_set_new(e, "command", json_string(r->cmd));
	json_object_set_new(e, "target", json_string(r->t->name));
	json_object_set_new(e, "snapshot", json_string(name));
	json_object_set_new(e, "git",
			    json_pack("{s:s?, s:s?}", "branch", r->branch, "commit", r->commit));
	json_object_set_new(
	    e, "backup", r->backup ? json_incref(json_object_get(r->backup, "id")) : json_null());
	json_object_set_new(e, "exit_code", json_integer(rc));
	json_object_set_new(e, "outcome", json_string(outcome));
	audit_append(r->ctx->cfg->backup_dir, e);
	json_decref(e);
	free(outcome);
}

static void release_run(struct snap_run *r)
{
	reopen_target(r);
	session_start_apps(&r->ss, &r->stopped, r->timeout, 0, NULL);
	if (r->mc) {
		pg_advisory_unlock(r->mc, r->key);
		PQfinish(r->mc);
	}
	backup_lock_release(&r->flock);
	guard_markers_release(&r->markers);
	snap_list_release(&r->list);
	apps_stopped_release(&r->stopped);
	strlist_clear(&r->unfinished);
	json_decref(r->record);
	json_decref(r->backup);
	free(r->dbname);
	free(r->prefix);
	free(r->dir);
	free(r->spare_app);
	free(r->branch);
	free(r->commit);
	session_close(&r->ss);
}

static int name_arg(const struct cmd_ctx *ctx, const char **name)
{
	if (ctx->opt->nargs < 1) {
		ui_error("'%s' needs a snapshot name", ctx->name);
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	*name = ctx->opt->args[0];
	if (!snapshot_name_valid(*name)) {
		ui_error("snapshot name '%s' is not valid", ui_field(*name));
		ui_hint("a snapshot name is 1 to 63 of a-z, 0-9, '_', '.', '-', beginning with a "
			"letter or digit");
		return EXIT_USAGE;
	}
	return 0;
}

static void run_init(struct snap_run *r, struct cmd_ctx *ctx, const char *cmd)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->t = ctx->target;
	r->cmd = cmd;
	r->flock = (struct backup_lock)BACKUP_LOCK_INIT;
	r->stopped = (struct apps_stopped)APPS_STOPPED_INIT;
	r->timeout = ctx->opt->timeout > 0 ? ctx->opt->timeout : DEFAULT_TIMEOUT_S;
}

/* ---- snapshot --delete ---- */

static int delete_snapshot(struct snap_run *r, const char *name)
{
	const struct options *o = r->ctx->opt;
	struct guard_confirm_req req = { .target = r->t->name,
					 .verb = "delete",
					 .markers = &r->markers,
					 .yes = o->yes,
					 .production_flag = o->production };
	char *what = xasprintf("delete snapshot '%s' of '%s'", name, r->t->name);
	char *path, *copy, *spare;
	json_t *rec = snap_list_find(&r->list, name);
	int rc;

	req.what = what;
	if (!rec) {
		ui_error("target '%s' has no snapshot '%s'", r->t->name, name);
		ui_hint("see 'dockreset snapshots %s'", r->t->name);
		free(what);
		return EXIT_USAGE;
	}
	guard_scan_target(&r->markers, r->ctx->cfg, r->t, &r->ss.tc, r->ss.conn);
	rc = guard_confirm_req(&req);
	free(what);
	if (rc)
		return rc;
	copy = xstrdup(snapshot_record_db(rec, "copy"));
	spare = xstrdup(snapshot_record_db(rec, "spare"));
	/* the record first: an interrupt after it leaves leftovers the next
	 * run removes, never a record without its copy */
	path = xasprintf("%s/%s.json", r->dir, name);
	if (unlink(path) < 0 && errno != ENOENT) {
		ui_error("cannot remove '%s': %s", path, strerror(errno));
		free(path);
		free(copy);
		free(spare);
		return EXIT_IO;
	}
	free(path);
	ui_step("dropping the databases of snapshot '%s'", name);
	pg_terminate_app(r->mc, r->spare_app);
	rc = 0;
	if (drop_db(r->mc, spare, 0) < 0 || drop_db(r->mc, copy, 0) < 0)
		rc = sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	if (rc)
		ui_hint("the next snapshot or rollback of '%s' removes what is left", r->t->name);
	else if (!r->ctx->opt->json)
		printf("snapshot '%s' of '%s' deleted\n", name, r->t->name);
	json_object_set_new(ui_json(), "deleted", json_string(name));
	free(copy);
	free(spare);
	return rc;
}

/* ---- snapshot ---- */

static int make_snapshot(struct snap_run *r, const char *name, double start)
{
	const struct options *o = r->ctx->opt;
	json_t *prev = snap_list_find(&r->list, name);
	struct db_meta m;
	char tag[17], *copy, *spare = NULL;
	int rc;

	if (prev && !o->force) {
		ui_error("target '%s' already has a snapshot '%s'", r->t->name, name);
		ui_hint("--force replaces it; 'dockreset snapshot %s %s --delete' removes it",
			r->t->name, name);
		return EXIT_USAGE;
	}
	if (read_meta(&m, r->mc, r->dbname) < 0)
		return sig_pending() ? sig_exit_code() : EXIT_COMMAND;
	cmd_git_head(r->ctx, &r->branch, &r->commit);
	snapshot_random_tag(tag);
	copy = snapshot_db_name(r->prefix, name, 'c', tag);
	/* a spare of the same generation: a replaced snapshot's spare is never
	 * taken for the new one's */
	spare = snapshot_db_name(r->prefix, name, 's', tag);
	if ((rc = stop_apps(r)))
		goto out;
	/* a template may have no session, ours included */
	if ((rc = close_target(r)))
		goto out;
	ui_step("copying database '%s' to snapshot '%s'", r->dbname, name);
	if (copy_db(r->mc, copy, r->dbname) < 0) {
		rc = sig_pending() ? sig_exit_code() : EXIT_COMMAND;
		goto out;
	}
	reopen_target(r);
	session_start_apps(&r->ss, &r->stopped, r->timeout, 0, &r->unfinished);
	{
		struct snapshot_meta sm = {
			.name = name,
			.target = r->t->name,
			.created_at = time(NULL),
			.size = m.size,
			.source_db = r->dbname,
			.copy_db = copy,
			.spare_db = spare,
			.owner = m.owner,
			.datacl = m.datacl,
			.acl = m.acl,
			.settings = m.settings,
			.connlimit = m.connlimit,
			.environment = m.environment,
			.git_branch = r->branch,
			.git_commit = r->commit,
			.duration_ms = (long long)((monotonic_s() - start) * 1000),
		};
		r->record = snapshot_record_build(&sm);
	}
	if (!r->record) {
		ui_error("the record of snapshot '%s' cannot be written", name);
		rc = EXIT_FAIL;
	} else {
		rc = record_write(r->dir, r->record, prev != NULL);
	}
	if (rc) {
		drop_db(r->mc, copy, 1);
		goto out;
	}
	if (prev) {
		/* the replaced snapshot's databases; the background process may be
		 * copying its spare */
		pg_terminate_app(r->mc, r->spare_app);
		drop_db(r->mc, snapshot_record_db(prev, "spare"), 0);
		drop_db(r->mc, snapshot_record_db(prev, "copy"), 0);
	}
	spawn_background(r, r->record, NULL);
	if (!o->json) {
		char sz[32];
		printf("snapshot '%s' of '%s' taken in %.1f s (%s, database '%s')\n", name,
		       r->t->name, monotonic_s() - start,
		       human_size(sz, sizeof(sz), (unsigned long long)m.size), r->dbname);
		for (size_t i = 0; i < r->unfinished.n; i++)
			printf("  not finished: %s\n", r->unfinished.v[i]);
	}
	rc = r->unfinished.n ? EXIT_PARTIAL : 0;
out:
	free(copy);
	free(spare);
	db_meta_release(&m);
	return rc;
}

int cmd_snapshot(struct cmd_ctx *ctx)
{
	struct snap_run run;
	struct snap_run *r = &run;
	const char *name = NULL;
	double start = monotonic_s();
	int rc;

	run_init(r, ctx, ctx->opt->delete_snapshot ? "delete" : "snapshot");
	if ((rc = name_arg(ctx, &name)))
		return rc;
	if (ctx->opt->delete_snapshot && ctx->opt->force) {
		ui_error("--delete and --force exclude each other");
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	if ((rc = start_run(r)) || (rc = clean_leftovers(r)))
		goto out;
	if (ctx->opt->delete_snapshot)
		rc = delete_snapshot(r, name);
	else
		rc = make_snapshot(r, name, start);
out:
	if (sig_pending() && (rc == 0 || rc == EXIT_COMMAND))
		rc = sig_exit_code();
	if (!ctx->opt->delete_snapshot) {
		json_object_set(ui_json(), "snapshot", r->record ? r->record : json_null());
		json_object_set_new(ui_json(), "duration_ms",
				    json_integer((json_int_t)((monotonic_s() - start) * 1000)));
	}
	if (r->locked && rc != EXIT_LOCKED)
		write_audit(r, name, rc);
	release_run(r);
	return rc;
}

/* ---- rollback ---- */

/* The swap: one transaction on the maintenance database. */
static int swap(struct snap_run *r, const json_t *rec, const char *old, const char *environment)
{
	const char *spare = snapshot_record_db(rec, "spare");
	struct strlist sql = STRLIST_INIT;
	char *qt = snapshot_sql_ident(r->dbname), *qs = snapshot_sql_ident(spare),
	     *qo = snapshot_sql_ident(old);
	PGresult *res;
	int rc = EXIT_COMMAND, e;

	strlist_push(&sql, "BEGIN");
	strlist_push(&sql, "SET LOCAL lock_timeout = '" SWAP_LOCK_TIMEOUT "'");
	if (put_back_sql(&sql, rec, spare, environment) < 0)
		goto out;
	strlist_push_nodup(&sql, xasprintf("ALTER DATABASE %s RENAME TO %s", qt, qo));
	strlist_push_nodup(&sql, xasprintf("ALTER DATABASE %s RENAME TO %s", qs, qt));
	strlist_push_nodup(&sql, xasprintf("ALTER DATABASE %s ALLOW_CONNECTIONS true", qt));
	ui_step("swapping snapshot '%s' in", snapshot_record_str(rec, "name"));
	for (size_t i = 0; i < sql.n; i++) {
		ui_verbose("  %s", sql.v[i]);
		if (pg_run(r->mc, sql.v[i]) < 0) {
			rc = sig_pending() ? sig_exit_code() : EXIT_COMMAND;
			pg_cleanup_run(r->mc, "ROLLBACK");
			goto out;
		}
	}
	res = pg_exec_finish(r->mc, "COMMIT");
	if (res && PQresultStatus(res) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(res), "COMMIT")) {
		PQclear(res);
		rc = 0;
		goto out;
	}
	if (!res && pg_failure() == PG_INTERRUPTED) {
		pg_cleanup_run(r->mc, "ROLLBACK");
		rc = sig_exit_code();
		goto out;
	}
	if (res && PQstatus(r->mc) != CONNECTION_BAD) {
		char *m = pg_message(PQresultErrorMessage(res));
		ui_error("the swap did not commit: %s", m);
		free(m);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	/* the connection was lost during COMMIT: the replaced database's new
	 * name says whether it happened */
	ui_warn("the connection was lost during COMMIT; asking the server whether the swap "
		"happened");
	PQfinish(r->mc);
	r->mc = pg_connect(&r->mp);
	e = r->mc ? db_exists(r->mc, old) : -1;
	if (e > 0)
		rc = 0;
	else if (e < 0) {
		ui_error("the outcome of the swap is unknown");
		rc = EXIT_PARTIAL;
	}
out:
	strlist_clear(&sql);
	free(qt);
	free(qs);
	free(qo);
	return rc;
}

static int take_backup(struct snap_run *r)
{
	if (!r->ctx->opt->with_backup)
		return 0;
	return session_safety_backup(&r->ss, r->t, "pre-rollback", r->branch, r->commit, 30,
				     &r->backup);
}

int cmd_rollback(struct cmd_ctx *ctx)
{
	struct snap_run run;
	struct snap_run *r = &run;
	const struct options *o = ctx->opt;
	const char *name = NULL;
	double start = monotonic_s();
	char tag[17], *old = NULL, *environment = NULL;
	json_t *rec;
	int rc, ready = 0;

	run_init(r, ctx, "rollback");
	if ((rc = name_arg(ctx, &name)))
		return rc;
	if ((rc = start_run(r)) || (rc = clean_leftovers(r)))
		goto out;
	rec = snap_list_find(&r->list, name);
	if (!rec) {
		ui_error("target '%s' has no snapshot '%s'", r->t->name, name);
		ui_hint("see 'dockreset snapshots %s'", r->t->name);
		rc = EXIT_USAGE;
		goto out;
	}
	r->record = json_incref(rec);
	if (strcmp(snapshot_record_db(rec, "source"), r->dbname)) {
		ui_error("snapshot '%s' is of database '%s', the target's database is '%s'", name,
			 snapshot_record_db(rec, "source"), r->dbname);
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = db_exists(r->mc, snapshot_record_db(rec, "copy"))) <= 0) {
		if (rc == 0)
			ui_error("the copy of snapshot '%s' (database '%s') is missing", name,
				 snapshot_record_db(rec, "copy"));
		rc = rc == 0 ? EXIT_INTEGRITY : EXIT_COMMAND;
		goto out;
	}
	/* guard and confirmation, as reset */
	guard_scan_target(&r->markers, ctx->cfg, r->t, &r->ss.tc, r->ss.conn);
	{
		char *what = xasprintf("roll '%s' back to snapshot '%s'", r->t->name, name);
		struct guard_confirm_req req = { .target = r->t->name,
						 .verb = "rollback",
						 .markers = &r->markers,
						 .yes = o->yes,
						 .production_flag = o->production,
						 .what = what };
		if (r->markers.n && !o->with_backup) {
			ui_error("'%s' is production: a rollback needs --backup (a pre-rollback "
				 "backup)",
				 r->t->name);
			rc = EXIT_REFUSED;
		} else {
			rc = guard_confirm_req(&req);
		}
		free(what);
		if (rc)
			goto out;
	}
	cmd_git_head(r->ctx, &r->branch, &r->commit);
	{
		struct db_meta m;
		if (read_meta(&m, r->mc, r->dbname) < 0) {
			rc = sig_pending() ? sig_exit_code() : EXIT_COMMAND;
			goto out;
		}
		environment = m.environment ? xstrdup(m.environment) : NULL;
		db_meta_release(&m);
	}
	/* the spare before the apps stop: they run while it is copied */
	if ((rc = ensure_spare(r, rec, &ready)))
		goto out;
	if ((rc = stop_apps(r)) || (rc = take_backup(r)))
		goto out;
	if ((rc = close_target(r)))
		goto out;
	snapshot_random_tag(tag);
	old = snapshot_old_name(r->prefix, tag);
	rc = swap(r, rec, old, environment);
	if (rc == 0) {
		r->swapped = 1;
		r->closed = 0; /* the closed database is the replaced one now */
		spawn_background(r, rec, old);
		session_start_apps(&r->ss, &r->stopped, r->timeout, o->no_restart, &r->unfinished);
		rc = r->unfinished.n ? EXIT_PARTIAL : 0;
		for (size_t i = 0; i < r->unfinished.n; i++)
			ui_error("not finished: %s", r->unfinished.v[i]);
	}
out:
	if (sig_pending() && (rc == 0 || rc == EXIT_COMMAND || rc == EXIT_PARTIAL))
		rc = sig_exit_code();
	if (sig_pending())
		ui_error("interrupted by %s%s", rc == EXIT_SIGTERM ? "SIGTERM" : "SIGINT",
			 r->swapped ? " after the swap; the remaining steps ran"
				    : ": the database was not changed");
	else if (rc && r->locked && !r->swapped)
		ui_hint("the database of '%s' was not changed", r->t->name);
	if (r->swapped && !o->json) {
		printf("rollback of '%s' to snapshot '%s' done in %.2f s (%s)\n", r->t->name, name,
		       monotonic_s() - start, ready ? "spare ready" : "spare made now");
		if (r->backup)
			printf("  backup %s (pre-rollback, verified)\n",
			       json_string_value(json_object_get(r->backup, "id")));
	}
	json_object_set(ui_json(), "snapshot", r->record ? r->record : json_null());
	json_object_set_new(ui_json(), "spare_ready", json_boolean(ready));
	json_object_set(ui_json(), "backup", r->backup ? r->backup : json_null());
	json_object_set_new(ui_json(), "duration_ms",
			    json_integer((json_int_t)((monotonic_s() - start) * 1000)));
	if (r->locked && rc != EXIT_LOCKED)
		write_audit(r, name, rc);
	release_run(r);
	free(old);
	free(environment);
	return rc;
}

/* ---- snapshots ---- */

static json_t *list_json(const struct snap_list *l, PGconn *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < l->n; i++) {
		json_t *o = json_deep_copy(l->v[i]);
		int e = c ? db_exists(c, snapshot_record_db(l->v[i], "spare")) : -1;
		json_object_set_new(o, "spare_ready", e < 0 ? json_null() : json_boolean(e));
		json_array_append_new(arr, o);
	}
	return arr;
}

static void list_print(FILE *f, const json_t *arr, const char *indent)
{
	size_t i;
	json_t *o;

	if (!json_array_size(arr)) {
		fprintf(f, "%sno snapshots\n", indent);
		return;
	}
	fprintf(f, "%s%-24s %-20s %10s  %-5s  %s\n", indent, "NAME", "TIME", "SIZE", "SPARE",
		"BRANCH");
	json_array_foreach(arr, i, o)
	{
		char sz[32];
		const json_t *ready = json_object_get(o, "spare_ready");
		const char *b =
		    json_string_value(json_object_get(json_object_get(o, "git"), "branch"));
		fprintf(
		    f, "%s%-24s %-20s %10s  %-5s  %s\n", indent, snapshot_record_str(o, "name"),
		    snapshot_record_str(o, "created_at"),
		    human_size(sz, sizeof(sz),
			       (unsigned long long)json_integer_value(json_object_get(o, "size"))),
		    json_is_true(ready)	   ? "ready"
		    : json_is_false(ready) ? "no"
					   : "?",
		    b ? b : "-");
	}
}

int cmd_snapshots(struct cmd_ctx *ctx)
{
	struct snap_run run;
	struct snap_run *r = &run;
	json_t *arr;
	int rc;

	run_init(r, ctx, "snapshots");
	r->dir = xasprintf("%s/snapshots", r->t->backup_dir);
	rc = session_open_waiting(&r->ss, ctx, r->timeout);
	if (rc == 0) {
		int err = 0;
		r->dbname = query_value(r->ss.conn, "SELECT current_database()", 0, NULL, &err);
		if (r->dbname)
			r->prefix = snapshot_db_prefix(r->t->name, r->dbname);
	}
	if (snap_list_load(&r->list, r->dir, r->prefix) < 0 && !rc)
		rc = EXIT_IO;
	arr = list_json(&r->list, r->ss.conn);
	json_object_set_new(ui_json(), "snapshots", arr);
	if (!ctx->opt->json)
		list_print(stdout, arr, "");
	release_run(r);
	return rc;
}

void snapshots_status(const struct cmd_ctx *ctx, PGconn *c, int json)
{
	char *dir = xasprintf("%s/snapshots", ctx->target->backup_dir);
	struct snap_list l;
	json_t *arr;

	if (snap_list_load(&l, dir, NULL) < 0) {
		free(dir);
		return;
	}
	arr = list_json(&l, c);
	if (!json) {
		printf("snapshots\n");
		list_print(stdout, arr, "  ");
	}
	json_object_set_new(ui_json(), "snapshots", arr);
	snap_list_release(&l);
	free(dir);
}
