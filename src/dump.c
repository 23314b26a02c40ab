/*
 * dump.c - pg_dump by exec into a safe file, json over libpq, and the full
 * verification of a backup.
 */
#include "dump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "redact.h"
#include "sig.h"
#include "ui.h"
#include "util.h"

#define STDERR_KEEP (64 * 1024)

/* What an exec's output goes to: stdout into the file, stderr kept. */
struct sink {
	struct backup_file *file;
	struct strbuf err;
	int write_failed;
	double start, shown;
	unsigned long long bytes;
	int progress;
};

static void progress(struct sink *s, int done)
{
	double t = monotonic_s();
	char size[32];

	if (!s->progress || (!done && t - s->shown < 0.25))
		return;
	s->shown = t;
	human_size(size, sizeof(size), s->bytes);
	fprintf(stderr, "\r    %s, %.1f MB/s   %s", size,
		t > s->start ? (double)s->bytes / 1e6 / (t - s->start) : 0.0, done ? "\n" : "");
}

static int sink_out(void *ctx, int stream, const char *buf, size_t len)
{
	struct sink *s = ctx;

	if (stream == DEMUX_STDOUT && s->file) {
		if (backup_file_write(s->file, buf, len) < 0) {
			s->write_failed = 1;
			return -1;
		}
		s->bytes += len;
		progress(s, 0);
		return 0;
	}
	if (s->err.len < STDERR_KEEP)
		strbuf_add(&s->err, buf,
			   len < STDERR_KEEP - s->err.len ? len : STDERR_KEEP - s->err.len);
	return 0;
}

/*
 * Shows the rest of a tool's stderr, indented, a line at a time: every
 * line after the first, which the error line already gave. ui redacts and
 * escapes each line.
 */
static void show_stderr(const struct strbuf *err)
{
	char *copy = xstrdup(strbuf_str(err)), *line, *save = NULL;

	line = strtok_r(copy, "\n", &save);
	for (line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ui_detail("%s", line);
	free(copy);
}

/* The first non-empty line of a tool's stderr, for the one error line. */
static char *first_err_line(const struct strbuf *err)
{
	const char *s = strbuf_str(err);

	while (*s == '\n')
		s++;
	return xstrndup(s, strcspn(s, "\n"));
}

/*
 * After a failed exec: a stopped database container is exit 5. The exit
 * code of an exec killed with its container (137) can come before the
 * container's state changes, so settle_ms lets the state catch up.
 */
static int container_gone(struct docker *d, const struct docker_container *db, int settle_ms)
{
	for (int waited = 0;; waited += 100) {
		struct docker_container *c = NULL;
		int gone = docker_inspect(d, db->id, &c) < 0 || strcmp(c->status, "running");

		docker_container_free(c);
		if (gone || waited >= settle_ms || sig_pending())
			return gone;
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
}

/* Whether the server closed conn (read without blocking, also while a
 * query's results are pending): pg_dump's failure may then be its
 * container's end. Not seeing it yet proves nothing: pg_dump can notice a
 * killed server first and exit 1, so any failure waits a little. */
static int server_lost(PGconn *conn)
{
	return !PQconsumeInput(conn) || PQstatus(conn) == CONNECTION_BAD;
}

static int stream_pg_dump(const struct dump_request *r, struct backup_file *file, char *appname)
{
	const char *fmt = r->format == BACKUP_FORMAT_PLAIN ? "--format=plain" : "--format=custom";
	char *snap = xasprintf("--snapshot=%s", r->snapshot);
	char *lockwait = xasprintf("--lock-wait-timeout=%ds", r->lock_wait_timeout_s);
	const char *argv[] = { "pg_dump", fmt, snap, lockwait, "--no-password", NULL, NULL, NULL };
	char *env_user = xasprintf("PGUSER=%s", r->pp->user);
	char *env_db = xasprintf("PGDATABASE=%s", r->pp->dbname);
	char *env_app = xasprintf("PGAPPNAME=%s", appname);
	char *env_pw = r->pp->password ? xasprintf("PGPASSWORD=%s", r->pp->password) : NULL;
	const char *env[] = { env_user, env_db, env_app, env_pw, NULL };
	struct sink s = { .file = file, .err = STRBUF_INIT };
	struct docker_exec_opts o = { 0 };
	int code = -1, err, rc;

	if (r->format == BACKUP_FORMAT_PLAIN) {
		argv[5] = "--clean";
		argv[6] = "--if-exists";
	}
	/* PGUSER and PGDATABASE, not -U and -d: a name holding '=' would be
	 * read as a connection string. */
	o.argv = argv;
	o.env = env;
	o.out = sink_out;
	o.out_ctx = &s;
	o.cancel = sig_flag();
	s.start = monotonic_s();
	s.progress = isatty(STDERR_FILENO) && !ui_opts()->quiet;

	err = docker_exec(r->d, r->db->id, &o, &code);
	progress(&s, 1);
	if (err == 0 && code == 0) {
		rc = 0;
	} else if (sig_pending()) {
		rc = sig_exit_code();
	} else if (s.write_failed) {
		rc = EXIT_IO; /* the writer said what failed */
	} else if (err == DOCKER_ETIMEOUT) {
		rc = EXIT_CONTAINER; /* silent (a paused container): said */
	} else if (container_gone(r->d, r->db,
				  err < 0 || code >= 128 || server_lost(r->conn) ? 3000 : 1000)) {
		/* killed with its container (exit 137) or cut off: say why */
		ui_error("the database container '%s' stopped during the dump", r->db->name);
		rc = EXIT_CONTAINER;
	} else if (err < 0) {
		ui_error("pg_dump in '%s' did not finish", r->db->name);
		rc = docker_exit_code(err);
	} else {
		char *line = first_err_line(&s.err);
		ui_error("pg_dump failed in '%s' (exit %d)%s%s", r->db->name, code,
			 *line ? ": " : "", line);
		/* the rest of what it said, when there is more than that line */
		if (strlen(line) + 1 < s.err.len)
			show_stderr(&s.err);
		free(line);
		if (code == 126 || code == 127)
			ui_hint("is pg_dump installed and on PATH in the container?");
		rc = EXIT_COMMAND;
	}
	strbuf_release(&s.err);
	free(snap);
	free(lockwait);
	free(env_user);
	free(env_db);
	free(env_app);
	free_secret(env_pw);
	return rc;
}

/* Writes every table's rows as json, a row at a time; counts into v. */
static int stream_json(const struct dump_request *r, struct backup_file *file, struct pg_table *v,
		       size_t n, const char *server_version)
{
	struct backup_json_writer w = BACKUP_JSON_WRITER_INIT;
	struct strbuf sb = STRBUF_INIT;
	int rc = EXIT_FAIL;

	if (backup_json_header(&w, &sb, r->t->name, r->pp->dbname, server_version) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *q = pg_quote_qualified(r->conn, v[i].schema, v[i].name);
		char *sql = xasprintf("SELECT * FROM %s%s", v[i].kind == 'p' ? "" : "ONLY ", q);
		PGresult *res;
		int started = 0, failed = 0, e;

		free(q);
		if (pg_send(r->conn, sql, 0, NULL) < 0) {
			free(sql);
			rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
			goto out;
		}
		free(sql);
		if (!PQsetSingleRowMode(r->conn)) {
			char *m = pg_message(PQerrorMessage(r->conn));
			ui_error("cannot read table '%s': %s", v[i].qualified, m);
			free(m);
			pg_abandon(r->conn);
			rc = EXIT_COMMAND;
			goto out;
		}
		v[i].rows = 0;
		while ((e = pg_next_result(r->conn, &res)) > 0) {
			ExecStatusType st = PQresultStatus(res);
			if (failed || (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK)) {
				/* the first failure says why: a full disk or an
				 * interrupt is not a failing query */
				if (!failed) {
					char *m = pg_message(PQresultErrorMessage(res));
					ui_error("cannot read table '%s': %s", v[i].qualified, m);
					free(m);
					failed = 1;
				}
				PQclear(res);
				continue;
			}
			int nf = PQnfields(res);
			const char **vals = xcalloc((size_t)nf + 1, sizeof(*vals));
			if (!started) {
				for (int f = 0; f < nf; f++)
					vals[f] = PQfname(res, f);
				if (backup_json_table_start(&w, &sb, v[i].qualified, vals,
							    (size_t)nf) < 0)
					failed = 1;
				started = 1;
			}
			if (!failed && st == PGRES_SINGLE_TUPLE) {
				for (int f = 0; f < nf; f++)
					vals[f] =
					    PQgetisnull(res, 0, f) ? NULL : PQgetvalue(res, 0, f);
				if (backup_json_row(&w, &sb, vals, (size_t)nf) < 0)
					failed = 1;
				else
					v[i].rows++;
			}
			free(vals);
			PQclear(res);
			/* write out whenever a good amount is buffered */
			if (!failed && sb.len >= 256 * 1024) {
				if (backup_file_write(file, sb.buf, sb.len) < 0) {
					rc = EXIT_IO;
					failed = 2;
				}
				strbuf_reset(&sb);
			}
			if (!failed && sig_pending())
				failed = 3;
			/* stop the server rather than read a large table to its end */
			if (failed) {
				pg_abandon(r->conn);
				break;
			}
		}
		if (e < 0) {
			/* interrupted or silent: the query was given up */
			rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
			goto out;
		}
		if (failed) {
			if (failed == 3)
				rc = sig_exit_code();
			else if (failed == 1)
				rc = EXIT_COMMAND;
			goto out;
		}
		if (backup_json_table_end(&w, &sb) < 0)
			goto out;
	}
	if (backup_json_end(&w, &sb) < 0)
		goto out;
	if (backup_file_write(file, sb.buf, sb.len) < 0) {
		rc = EXIT_IO;
		goto out;
	}
	rc = 0;
out:
	backup_json_writer_release(&w);
	strbuf_release(&sb);
	return rc;
}

json_t *dump_stat_value(const char *s)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	json_t *v = NULL;
	char *end, *r;
	long long n;

	if (*digits && strspn(digits, "0123456789") == strlen(digits)) {
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && !*end)
			return json_integer(n);
	}
	r = redact(s);
	v = json_string(r);
	free(r);
	return v ? v : json_null();
}

json_t *dump_eval_stats(PGconn *c, const struct cfg_target *t)
{
	json_t *o = json_object();

	for (size_t i = 0; i < t->nstats; i++) {
		PGresult *res;
		json_t *val = json_null();

		/* a savepoint keeps a failing query from ending the snapshot */
		res = pg_exec_unchecked(c, "SAVEPOINT dockreset_stat");
		if (res)
			res = (PQclear(res), pg_exec_unchecked(c, t->stats[i].query));
		if (!res) {
			json_decref(o);
			return NULL;
		}
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) >= 1 &&
		    PQnfields(res) >= 1 && !PQgetisnull(res, 0, 0)) {
			val = dump_stat_value(PQgetvalue(res, 0, 0));
			PQclear(pg_exec_unchecked(c, "RELEASE SAVEPOINT dockreset_stat"));
		} else {
			if (PQresultStatus(res) != PGRES_TUPLES_OK) {
				const char *e = PQresultErrorMessage(res);
				char *m = pg_message(*e ? e : PQerrorMessage(c));
				ui_warn("stat '%s' failed: %s", t->stats[i].name, m);
				free(m);
			}
			PQclear(pg_exec_unchecked(c, "ROLLBACK TO SAVEPOINT dockreset_stat"));
		}
		PQclear(res);
		json_object_set_new(o, t->stats[i].name, val);
		if (pg_failure() == PG_INTERRUPTED || pg_failure() == PG_STALLED) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *tables_json(const struct pg_table *v, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, v[i].qualified, json_integer(v[i].rows));
	return o;
}

int dump_take(json_t **manifest, const struct dump_request *r)
{
	struct backup_file file = BACKUP_FILE_INIT;
	const char *dir = r->t->backup_dir;
	struct pg_table *v = NULL;
	size_t n = 0;
	char *id = NULL, *name = NULL, *path = NULL, *server_version = NULL;
	char *appname = NULL;
	json_t *tables = NULL, *stats = NULL, *m = NULL;
	time_t now = time(NULL);
	double start = monotonic_s();
	int rc = EXIT_FAIL, counting = 0, committed = 0, e;

	*manifest = NULL;
	server_version = pg_server_version(r->conn);
	if ((e = backup_id_next(&id, dir, r->t->name, now)) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	name = backup_file_name(id, r->format);
	path = xasprintf("%s/%s", dir, name);
	if ((e = backup_file_open(&file, dir, name, 0)) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	if (pg_list_tables(r->conn, &v, &n) < 0) {
		rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
		goto out;
	}
	ui_step("dumping database '%s' (%s) to %s", r->pp->dbname, backup_format_name(r->format),
		path);
	if (r->format == BACKUP_FORMAT_JSON) {
		rc = stream_json(r, &file, v, n, server_version);
		if (rc == EXIT_COMMAND && server_lost(r->conn) &&
		    container_gone(r->d, r->db, 3000)) {
			ui_error("the database container '%s' stopped during the dump",
				 r->db->name);
			rc = EXIT_CONTAINER;
		}
	} else {
		/*
		 * The server counts in the dump's snapshot while pg_dump streams,
		 * inside a savepoint: a failing count (a table the user may not
		 * read) must not abort the transaction whose snapshot pg_dump is
		 * importing, so that pg_dump reports its own error, and the session
		 * can still end pg_dump afterwards.
		 */
		if (pg_run(r->conn, "SAVEPOINT dockreset_count") < 0) {
			rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
			goto out;
		}
		counting = 1;
		if (pg_count_rows_send(r->conn, v, n) < 0) {
			rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
			goto out;
		}
		appname = xasprintf("dockreset:pg_dump:%s", r->t->name);
		rc = stream_pg_dump(r, &file, appname);
		if (rc)
			goto out;
		/* a failed count leaves the savepoint for out: to roll back */
		if (pg_count_rows_finish(r->conn, v, n) < 0 ||
		    pg_run(r->conn, "RELEASE SAVEPOINT dockreset_count") < 0) {
			rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
			goto out;
		}
		counting = 0;
	}
	if (rc)
		goto out;
	/* pg_dump has its own session: it can finish after ours was ended, and
	 * a backup whose transaction is gone is no longer the caller's */
	if (PQstatus(r->conn) == CONNECTION_BAD) {
		char *msg = pg_message(PQerrorMessage(r->conn));
		ui_error("the connection to the database was lost during the dump: %s", msg);
		free(msg);
		rc = EXIT_COMMAND;
		goto out;
	}
	stats = dump_eval_stats(r->conn, r->t);
	if (!stats) {
		rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
		goto out;
	}
	if ((e = backup_file_commit(&file)) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	committed = 1;
	tables = tables_json(v, n);
	{
		struct backup_meta meta = {
			.id = id,
			.target = r->t->name,
			.created_at = now,
			.reason = r->reason,
			.label = r->label,
			.format = r->format,
			.size = file.size,
			.sha256 = file.sha256,
			.db_name = r->pp->dbname,
			.server_version = server_version,
			.tables = tables,
			.stats = stats,
			.git_branch = r->git_branch,
			.git_commit = r->git_commit,
			.duration_ms = (long long)((monotonic_s() - start) * 1000),
		};
		m = backup_manifest_build(&meta);
	}
	if (!m)
		goto out;
	ui_step("verifying %s", name);
	rc = dump_verify(r->d, r->db, dir, m);
	if (rc)
		goto out;
	backup_manifest_set_verified(m, time(NULL));
	if ((e = backup_manifest_write(dir, m, 0)) < 0) {
		rc = backup_exit_code(e);
		goto out;
	}
	*manifest = m;
	m = NULL;
	rc = 0;
out:
	if (counting) {
		/* stop the count so the connection can be used to clean up; a
		 * failed count has aborted the transaction until this rollback */
		pg_abandon(r->conn);
		pg_cleanup_run(r->conn, "ROLLBACK TO SAVEPOINT dockreset_count");
	}
	if (rc && appname) {
		/* an exec cannot be killed: end pg_dump's session instead (bounded
		 * and quiet: the container may be stopped or paused) */
		int k = pg_terminate_app(r->conn, appname);
		if (k > 0)
			ui_verbose("ended %d pg_dump session(s)", k);
		else if (k < 0 && pg_failure() == PG_STALLED)
			pg_terminate_later(r->pp, appname);
	}
	backup_file_abort(&file);
	if (rc && committed)
		unlink(path);
	json_decref(m);
	json_decref(tables);
	json_decref(stats);
	pg_tables_free(v, n);
	free(appname);
	free(server_version);
	free(path);
	free(name);
	free(id);
	return rc;
}

/* stdin of pg_restore: the backup file. */
struct file_in {
	int fd;
	int failed;
};

static long file_in(void *ctx, char *buf, size_t cap)
{
	struct file_in *fi = ctx;
	ssize_t n;

	do
		n = read(fi->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fi->failed = errno;
		return -1;
	}
	return (long)n;
}

static int verify_custom(struct docker *d, const struct docker_container *db, const char *path,
			 unsigned flags)
{
	const char *argv[] = { "pg_restore", "--file=/dev/null", NULL };
	struct sink s = { .err = STRBUF_INIT };
	struct file_in fi = { .fd = open(path, O_RDONLY | O_CLOEXEC |
						   (flags & BACKUP_READ_FOLLOW ? 0 : O_NOFOLLOW)) };
	struct docker_exec_opts o = { 0 };
	int code = -1, err, rc;

	if (fi.fd < 0) {
		ui_error("cannot read '%s': %s", path, strerror(errno));
		return EXIT_IO;
	}
	if (!db) {
		ui_error("cannot verify the content of '%s': no database container to run "
			 "pg_restore in",
			 path);
		close(fi.fd);
		return EXIT_CONTAINER;
	}
	o.argv = argv;
	o.out = sink_out;
	o.out_ctx = &s;
	o.in = file_in;
	o.in_ctx = &fi;
	o.cancel = sig_flag();
	err = docker_exec(d, db->id, &o, &code);
	if (sig_pending()) {
		rc = sig_exit_code();
	} else if (fi.failed) {
		ui_error("cannot read '%s': %s", path, strerror(fi.failed));
		rc = EXIT_IO;
	} else if (err < 0) {
		rc = container_gone(d, db, 3000) ? EXIT_CONTAINER : docker_exit_code(err);
	} else if (code == 126 || code == 127) {
		ui_error("pg_restore cannot run in '%s' (exit %d)", db->name, code);
		rc = EXIT_COMMAND;
	} else if (code != 0) {
		char *line = first_err_line(&s.err);
		ui_error("backup '%s' is damaged: pg_restore cannot read it: %s", path, line);
		free(line);
		rc = EXIT_INTEGRITY;
	} else {
		rc = 0;
	}
	close(fi.fd);
	strbuf_release(&s.err);
	return rc;
}

int dump_verify(struct docker *d, const struct docker_container *db, const char *dir,
		const json_t *manifest)
{
	const char *file = json_string_value(json_object_get(manifest, "file"));
	const char *format = json_string_value(json_object_get(manifest, "format"));
	char *path = xasprintf("%s/%s", dir, file);
	int e, rc = 0;

	e = backup_verify_file(path, manifest, 0);
	if (e < 0)
		rc = backup_exit_code(e);
	else if (!strcmp(format, "custom"))
		rc = verify_custom(d, db, path, 0);
	free(path);
	return rc;
}

int dump_verify_content(struct docker *d, const struct docker_container *db, const char *path,
			enum backup_format format, json_t **tables)
{
	struct backup_scan scan = { 0 };
	int e, rc = 0;

	e = backup_scan_file(&scan, path, format, BACKUP_READ_FOLLOW);
	if (e < 0)
		rc = backup_exit_code(e);
	else if (format == BACKUP_FORMAT_CUSTOM)
		rc = verify_custom(d, db, path, BACKUP_READ_FOLLOW);
	if (rc == 0 && tables)
		*tables = json_incref(scan.tables);
	backup_scan_release(&scan);
	return rc;
}
