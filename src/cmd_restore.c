/*
 * cmd_restore.c - `dockreset restore TARGET [BACKUP]` (SPEC 6), in its
 * order: the backup chosen before anything else, fully verified, checked
 * against the target and its database; the confirmation, the locks, the
 * apps stopped, the database's other sessions ended, a pre-restore safety
 * backup; the restore in one transaction; the row counts compared with the
 * manifest; the caches flushed, the apps started, one audit line.
 *
 * --scope all of a custom or plain backup runs psql in the database
 * container, its input on the exec's stdin: dockreset's BEGIN, the
 * statements of the schema helper (schema.h), the dump's SQL (a plain
 * file as it is; a custom archive through `pg_restore -f -` in the same
 * container), then dockreset's COMMIT. Not `psql -1`: psql commits what it
 * has read when its input ends, so a dump cut short (pg_restore failing
 * half-way, a file read error) would be committed; with our own COMMIT
 * written only after the whole dump, an early end of input rolls back. An
 * interrupt never ends the input either: the restoring backend is ended
 * with pg_terminate_backend, and pg_xact_status then says what became of
 * its transaction. Everything else (json backups, --scope reset, --mode
 * merge) is loaded over libpq by restore_rows() (restore.h).
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps.h"
#include "audit.h"
#include "backup.h"
#include "cmd.h"
#include "dump.h"
#include "guard.h"
#include "redact.h"
#include "restore.h"
#include "schema.h"
#include "sig.h"
#include "sqlstream.h"
#include "ui.h"

#define DEFAULT_TIMEOUT_S 60
#define LOCK_WAIT_S	  30

/* What psql prints on stdout (its query output goes to /dev/null). */
#define XID_MARK       "dockreset-restore-xid "
#define COMMITTED_MARK "dockreset-restore-committed"

struct restore_run {
	struct cmd_ctx *ctx;
	const struct cfg_target *t;
	int timeout;
	enum restore_scope scope;
	enum restore_mode mode;
	char *path; /* the backup's data file */
	enum backup_format format;
	json_t *manifest;    /* the chosen backup's; NULL with --file */
	json_t *file_tables; /* --file json: the rows per table it holds */
	struct session ss;
	struct plan_report rep;
	struct backup_lock flock;
	long long key;
	int advisory;
	struct apps_stopped stopped;
	json_t *safety; /* the pre-restore backup's manifest */
	char *post;	/* psql's input after the dump: default privileges, COMMIT */
	char *xid;
	int in_tx, committed;
	json_t *tables; /* [{"name", "rows", "expected"}] after the commit */
	json_t *loaded; /* restore_rows()'s {"table": rows} */
	json_t *merged;
	struct strlist mismatched, unfinished;
	char *branch, *commit;
};

static const char *backup_id(const struct restore_run *r)
{
	return r->manifest ? json_string_value(json_object_get(r->manifest, "id")) : NULL;
}

/* ---- step 0: the request, and the backup chosen before anything ---- */

static int check_options(struct restore_run *r)
{
	const struct options *o = r->ctx->opt;

	if (o->scope && strcmp(o->scope, "all") && strcmp(o->scope, "reset")) {
		ui_error("--scope: '%s' is not all or reset", o->scope);
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	if (o->mode && strcmp(o->mode, "replace") && strcmp(o->mode, "merge")) {
		ui_error("--mode: '%s' is not replace or merge", o->mode);
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	r->scope = o->scope && !strcmp(o->scope, "reset") ? RESTORE_SCOPE_RESET : RESTORE_SCOPE_ALL;
	r->mode = o->mode && !strcmp(o->mode, "merge") ? RESTORE_MODE_MERGE : RESTORE_MODE_REPLACE;
	if (o->file && o->nargs) {
		ui_error("give either a backup ('%s') or --file, not both", o->args[0]);
		ui_hint("try 'dockreset --help'");
		return EXIT_USAGE;
	}
	return 0;
}

/* A numbered choice from the list, on a terminal. */
static int choose(struct restore_run *r, const struct backup_list *l,
		  const struct backup_entry **out)
{
	char line[64];
	long long k;
	int rc;

	fprintf(stderr, "backups of '%s', newest first:\n", r->t->name);
	for (size_t i = 0; i < l->n; i++) {
		const json_t *lab = json_object_get(l->v[i].manifest, "label");
		char size[32];
		fprintf(stderr, "  %2zu) %-40s %-9s %-7s %8s%s%s\n", i + 1, l->v[i].id,
			l->v[i].reason, backup_format_name(l->v[i].format),
			human_size(size, sizeof(size), l->v[i].size),
			json_is_string(lab) ? "  " : "",
			json_is_string(lab) ? json_string_value(lab) : "");
	}
	for (int tries = 0; tries < 3; tries++) {
		if ((rc = guard_read_answer("restore which backup (number)? ", line, sizeof(line))))
			return rc;
		if (parse_int64(line, 1, (long long)l->n, &k) == 0) {
			*out = &l->v[k - 1];
			return 0;
		}
		ui_warn("answer a number from 1 to %zu", l->n);
	}
	ui_error("no backup chosen: nothing done");
	return EXIT_USAGE;
}

static int pick_backup(struct restore_run *r)
{
	const struct cfg_target *t = r->t;
	const struct options *o = r->ctx->opt;
	const char *want = o->nargs ? o->args[0] : NULL;
	const struct backup_entry *b = NULL;
	struct backup_list l = BACKUP_LIST_INIT;
	int e, rc = 0;

	if (o->file) {
		e = backup_detect_format(&r->format, o->file);
		if (e < 0)
			return backup_exit_code(e);
		r->path = xstrdup(o->file);
		return 0;
	}
	if (want && strcmp(want, "latest") && !backup_id_valid(t->name, want)) {
		ui_error("'%s' is not a backup id of target '%s'", want, t->name);
		ui_hint("'dockreset backups %s' lists them; --file PATH restores a backup made "
			"elsewhere",
			t->name);
		return EXIT_USAGE;
	}
	if ((e = backup_list_load(&l, t->backup_dir, t->name)) < 0)
		return backup_exit_code(e);
	if (!want) {
		if (!isatty(STDIN_FILENO)) {
			ui_error("no backup named, and no terminal to choose one on");
			ui_hint("name one: 'dockreset restore %s latest', or an id from 'dockreset "
				"backups %s'",
				t->name, t->name);
			rc = EXIT_USAGE;
		} else if (l.n == 0) {
			ui_error("target '%s' has no backups in '%s'", t->name, t->backup_dir);
			rc = EXIT_USAGE;
		} else {
			rc = choose(r, &l, &b);
		}
	} else if (!strcmp(want, "latest")) {
		const char *damaged;
		b = backup_list_latest(&l, t->name, &damaged);
		if (damaged) {
			ui_error("the latest backup of '%s' cannot be read: manifest %s", t->name,
				 damaged);
			ui_hint("an older backup is never restored silently: name one by its id");
			rc = EXIT_INTEGRITY;
		} else if (!b) {
			ui_error("target '%s' has no backup to restore in '%s'", t->name,
				 t->backup_dir);
			ui_hint(
			    "'latest' leaves out pre-restore and pre-rollback backups; name one "
			    "by its id");
			rc = EXIT_USAGE;
		}
	} else {
		for (size_t i = 0; i < l.n && !b; i++)
			if (!strcmp(l.v[i].id, want))
				b = &l.v[i];
		for (size_t i = 0; i < l.damaged.n && !b && !rc; i++)
			if (backup_id_prefix(t->name, l.damaged.v[i]) == strlen(want) &&
			    !strncmp(l.damaged.v[i], want, strlen(want))) {
				ui_error("backup %s cannot be restored: manifest %s", want,
					 l.damaged.v[i]);
				rc = EXIT_INTEGRITY;
			}
		if (!b && !rc) {
			ui_error("no backup '%s' of target '%s' in '%s'", want, t->name,
				 t->backup_dir);
			ui_hint("'dockreset backups %s' lists them", t->name);
			rc = EXIT_USAGE;
		}
	}
	if (b) {
		r->manifest = json_incref(b->manifest);
		r->format = b->format;
		r->path = xasprintf("%s/%s", t->backup_dir, b->file);
	}
	backup_list_release(&l);
	return rc;
}

/* ---- step 1: verification, before the database is touched ---- */

static int verify_backup(struct restore_run *r)
{
	const char *mdb, *id = backup_id(r);
	int rc;

	if (r->mode == RESTORE_MODE_MERGE && r->format != BACKUP_FORMAT_JSON) {
		ui_error("--mode merge needs a json backup; %s is %s", id ? id : r->path,
			 backup_format_name(r->format));
		return EXIT_USAGE;
	}
	if (!r->manifest) {
		ui_step("checking the content of '%s' (%s)", r->path,
			backup_format_name(r->format));
		rc = dump_verify_content(r->ss.d, r->ss.db, r->path, r->format, &r->file_tables);
		if (rc == 0)
			ui_warn(
			    "'%s' has no manifest: only its content was checked, nothing vouches "
			    "for where it comes from",
			    r->path);
		return rc;
	}
	ui_step("verifying backup %s", id);
	if ((rc = dump_verify(r->ss.d, r->ss.db, r->t->backup_dir, r->manifest)))
		return rc;
	mdb = json_string_value(json_object_get(json_object_get(r->manifest, "database"), "name"));
	if (!mdb || strcmp(mdb, r->ss.pp.dbname)) {
		ui_error("backup %s is of database '%s', and target '%s' has database '%s'", id,
			 mdb ? mdb : "?", r->t->name, r->ss.pp.dbname);
		ui_hint("--file PATH restores a backup of another database, without this check");
		return EXIT_INTEGRITY;
	}
	return 0;
}

/* ---- step 3: confirmation and locks ---- */

static int confirm(struct restore_run *r, const char **given)
{
	const struct options *o = r->ctx->opt;
	char *what = xasprintf("restore %s over the database of '%s'",
			       backup_id(r) ? backup_id(r) : r->path, r->t->name);
	struct guard_confirm_req req = {
		.target = r->t->name,
		.verb = "restore",
		.markers = &r->rep.markers,
		.yes = o->yes,
		.production_flag = o->production,
		.what = what,
	};
	int rc = 0;

	if (o->no_safety_backup)
		rc = guard_refuse_no_backup(&req, "--no-safety-backup");
	if (rc == 0)
		rc = guard_confirm_req(&req);
	if (rc == 0)
		*given = r->rep.markers.n ? "production" : o->yes ? "-y" : "typed";
	free(what);
	return rc;
}

/* The database's other sessions (not ours) ended; one we may not end is
 * a warning (a role that is no superuser may end only its own). */
static void end_sessions(struct restore_run *r)
{
	PGresult *res = pg_exec_unchecked(
	    r->ss.conn, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
			" WHERE datname = current_database() AND pid <> pg_backend_pid()"
			" AND backend_type = 'client backend'");

	long long n;

	if (res && PQresultStatus(res) == PGRES_TUPLES_OK) {
		if (parse_int64(PQgetvalue(res, 0, 0), 0, LLONG_MAX, &n) < 0)
			ui_warn("ending the other sessions of database '%s': the server answered "
				"'%s' where a count was expected",
				r->ss.pp.dbname, PQgetvalue(res, 0, 0));
		else if (n > 0)
			ui_info("    ended %lld other session(s) of database '%s'", n,
				r->ss.pp.dbname);
	} else if (res) {
		char *m = pg_message(PQresultErrorMessage(res));
		ui_warn("cannot end the other sessions of database '%s': %s", r->ss.pp.dbname, m);
		free(m);
	}
	PQclear(res);
}

static int safety_backup(struct restore_run *r)
{
	if (r->ctx->opt->no_safety_backup) {
		ui_step("no pre-restore backup (--no-safety-backup)");
		return 0;
	}
	return session_safety_backup(&r->ss, r->t, "pre-restore", r->branch, r->commit, LOCK_WAIT_S,
				     &r->safety);
}

/* ---- step 4a: the schemas the backup holds, and the helper's SQL ---- */

struct schema_names {
	struct strlist names;
	struct strlist created; /* those the dump creates itself */
	int data;		/* a plain dump's data section was reached */
};

static int on_schema(void *ctx, const char *name, int creates)
{
	struct schema_names *s = ctx;

	if (!strcmp(name, "pg_catalog") || !strcmp(name, "information_schema"))
		return 0;
	if (!strlist_has(&s->names, name))
		strlist_push(&s->names, name);
	if (creates && !strlist_has(&s->created, name))
		strlist_push(&s->created, name);
	return 0;
}

/* Feeds the SQL stream reader from a demultiplexed exec's stdout. */
struct toc_reader {
	struct schema_names *sn;
	struct strbuf line, err;
	int bad;
};

/*
 * Only the SCHEMA entries name schemas unambiguously (a namespace holding a
 * space cannot be told from the tag in other entries). pg_restore creates
 * each one but public, which initdb creates ("*not* creating schema").
 */
static void toc_line(struct toc_reader *tr)
{
	char *name = NULL;
	int k = sqlstream_toc_line(tr->line.buf ? tr->line.buf : "", &name);

	if (k == 1)
		on_schema(tr->sn, name, strcmp(name, "public") != 0);
	else if (k < 0)
		tr->bad = 1;
	free(name);
	strbuf_reset(&tr->line);
}

static int toc_out(void *ctx, int stream, const char *buf, size_t len)
{
	struct toc_reader *tr = ctx;

	if (stream != 1) {
		if (tr->err.len < 8192)
			strbuf_add(&tr->err, buf, len);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			toc_line(tr);
		else if (tr->line.len < 65536)
			strbuf_addch(&tr->line, buf[i]);
	}
	return 0;
}

struct file_in {
	int fd;
	int failed;
	/* what comes before and after the file, or NULL */
	const char *pre, *post;
	size_t pre_off, post_off;
	int done;
};

static long file_in(void *ctx, char *buf, size_t cap)
{
	struct file_in *fi = ctx;
	ssize_t n;

	if (fi->pre && fi->pre_off < strlen(fi->pre)) {
		size_t k = strlen(fi->pre) - fi->pre_off;
		if (k > cap)
			k = cap;
		memcpy(buf, fi->pre + fi->pre_off, k);
		fi->pre_off += k;
		return (long)k;
	}
	if (!fi->done) {
		do
			n = read(fi->fd, buf, cap);
		while (n < 0 && errno == EINTR && !sig_pending());
		if (n < 0) {
			fi->failed = errno;
			return -1;
		}
		if (n > 0)
			return (long)n;
		fi->done = 1;
	}
	if (fi->post && fi->post_off < strlen(fi->post)) {
		size_t k = strlen(fi->post) - fi->post_off;
		if (k > cap)
			k = cap;
		memcpy(buf, fi->post + fi->post_off, k);
		fi->post_off += k;
		return (long)k;
	}
	return 0;
}

static int open_backup(const struct restore_run *r, struct file_in *fi)
{
	memset(fi, 0, sizeof(*fi));
	fi->fd = open(r->path, O_RDONLY | O_CLOEXEC | (r->manifest ? O_NOFOLLOW : 0));
	if (fi->fd < 0) {
		ui_error("cannot read '%s': %s", r->path, strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

static int sql_schema_cb(void *ctx, const char *name, int creates)
{
	return on_schema(ctx, name, creates);
}

/*
 * The first COPY block ends the reading: pg_dump writes every schema (its
 * CREATE SCHEMA, and the objects naming it) in the pre-data section, before
 * any data, so the rest of a large dump need not be read twice.
 */
static int sql_data_cb(void *ctx, const char *schema, const char *table, const char *const *columns,
		       size_t ncolumns)
{
	struct schema_names *sn = ctx;

	(void)schema, (void)table, (void)columns, (void)ncolumns;
	sn->data = 1;
	return -1;
}

/* The schemas the backup holds: `pg_restore -l` of a custom archive, the
 * statements and object headers of a plain dump. */
static int backup_schemas(struct restore_run *r, struct schema_names *sn)
{
	struct file_in fi;
	int rc;

	if ((rc = open_backup(r, &fi)))
		return rc;
	if (r->format == BACKUP_FORMAT_CUSTOM) {
		const char *argv[] = { "pg_restore", "--list", NULL };
		struct toc_reader tr = { .sn = sn, .line = STRBUF_INIT, .err = STRBUF_INIT };
		struct docker_exec_opts o = { .argv = argv,
					      .out = toc_out,
					      .out_ctx = &tr,
					      .in = file_in,
					      .in_ctx = &fi,
					      .cancel = sig_flag() };
		int code = -1, err = docker_exec(r->ss.d, r->ss.db->id, &o, &code);
		if (tr.line.len)
			toc_line(&tr);
		if (sig_pending()) {
			rc = sig_exit_code();
		} else if (fi.failed) {
			ui_error("cannot read '%s': %s", r->path, strerror(fi.failed));
			rc = EXIT_IO;
		} else if (err < 0) {
			rc = docker_exit_code(err);
		} else if (code != 0 || tr.bad) {
			char *m = xstrndup(tr.err.buf ? tr.err.buf : "",
					   strcspn(tr.err.buf ? tr.err.buf : "", "\n"));
			ui_error("pg_restore --list failed in '%s' (exit %d)%s%s", r->ss.db->name,
				 code, *m ? ": " : "", m);
			free(m);
			rc = EXIT_COMMAND;
		}
		strbuf_release(&tr.line);
		strbuf_release(&tr.err);
	} else {
		struct sqlstream_cb cb = { .schema = sql_schema_cb, .copy_begin = sql_data_cb };
		struct sqlstream *s = sqlstream_new(&cb, sn);
		char buf[65536];
		ssize_t n;

		while ((n = read(fi.fd, buf, sizeof(buf))) > 0 && !sig_pending())
			if (sqlstream_feed(s, buf, (size_t)n) < 0)
				break;
		if (sn->data && !sig_pending()) {
			rc = 0;
		} else if (n < 0) {
			ui_error("cannot read '%s': %s", r->path, strerror(errno));
			rc = EXIT_IO;
		} else if (sig_pending()) {
			rc = sig_exit_code();
		} else if ((n > 0 ? -1 : sqlstream_finish(s)) < 0) {
			ui_error("backup '%s' cannot be read: %s", r->path, sqlstream_error(s));
			rc = EXIT_INTEGRITY;
		}
		sqlstream_free(s);
	}
	close(fi.fd);
	return rc;
}

/*
 * What comes before the dump in psql's input: the transaction, its id on
 * stdout, and the schema helper's statements. New string, or NULL with
 * *rc the exit code after reporting.
 */
static char *restore_prelude(struct restore_run *r, int *rc)
{
	struct schema_names sn = { STRLIST_INIT, STRLIST_INIT };
	struct schema_set set = { 0 };
	struct strlist sql = STRLIST_INIT, late = STRLIST_INIT;
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;
	char *out = NULL;

	ui_step("reading the schemas the backup holds");
	if ((*rc = backup_schemas(r, &sn)))
		goto done;
	if (!strlist_has(&sn.names, "public"))
		strlist_push(&sn.names, "public");
	if (schema_gather(r->ss.conn, (const char *const *)sn.names.v, sn.names.n, &set) < 0) {
		*rc = pg_exit_code(r->ss.d, r->ss.db, EXIT_COMMAND);
		goto done;
	}
	if (set.outside.n) {
		ui_error("objects outside the backup's schemas depend on objects inside them: "
			 "restoring would drop them");
		for (size_t i = 0; i < set.outside.n; i++)
			ui_hint("%s", set.outside.v[i]);
		ui_hint("drop or move them first; nothing was changed");
		*rc = EXIT_USAGE;
		goto done;
	}
	for (size_t i = 0; i < set.n; i++)
		set.v[i].recreate = !strlist_has(&sn.created, set.v[i].name);
	if (schema_sql_split(&sql, &late, &set, &err) < 0) {
		ui_error("cannot recreate the schemas: %s", err.buf);
		*rc = EXIT_COMMAND;
		goto done;
	}
	strbuf_addstr(&sb, "BEGIN;\n"
			   "SET LOCAL idle_in_transaction_session_timeout = 0;\n"
			   "SET LOCAL lock_timeout = '30s';\n"
			   "SELECT pg_current_xact_id() AS dockreset_xid \\gset\n"
			   "\\echo " XID_MARK ":dockreset_xid\n");
	for (size_t i = 0; i < sql.n; i++)
		strbuf_addf(&sb, "%s;\n", sql.v[i]);
	strbuf_addstr(&sb, "SET LOCAL lock_timeout = 0;\n");
	ui_verbose("schemas dropped and recreated: %zu", set.n);
	out = strbuf_detach(&sb);
	/* after the dump: the default privileges (before it they would reach
	 * the restored tables), then the COMMIT and its mark */
	strbuf_addstr(&sb, "\n");
	for (size_t i = 0; i < late.n; i++)
		strbuf_addf(&sb, "%s;\n", late.v[i]);
	strbuf_addstr(&sb, "COMMIT;\n\\echo " COMMITTED_MARK "\n");
	r->post = strbuf_detach(&sb);
done:
	strlist_clear(&sn.names);
	strlist_clear(&sn.created);
	schema_set_release(&set);
	strlist_clear(&sql);
	strlist_clear(&late);
	strbuf_release(&sb);
	strbuf_release(&err);
	return out;
}

/* ---- step 4b: the restore through psql ---- */

struct psql_out {
	struct strbuf line; /* stdout, a line at a time */
	struct strbuf err;  /* stderr: the first 64 KiB */
	char *xid;
	int committed;
};

static void psql_line(struct psql_out *p)
{
	const char *l = p->line.buf ? p->line.buf : "";

	if (!strncmp(l, XID_MARK, strlen(XID_MARK)) && !p->xid)
		p->xid = xstrdup(l + strlen(XID_MARK));
	else if (!strcmp(l, COMMITTED_MARK))
		p->committed = 1;
	strbuf_reset(&p->line);
}

static int psql_sink(void *ctx, int stream, const char *buf, size_t len)
{
	struct psql_out *p = ctx;

	if (stream == 2) {
		if (p->err.len < 65536)
			strbuf_add(&p->err, buf, len);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			psql_line(p);
		else if (p->line.len < 256)
			strbuf_addch(&p->line, buf[i]);
	}
	return 0;
}

/* psql's and pg_restore's errors (with the DETAIL and HINT lines that
 * follow them), each line through the redaction step; notices only with
 * -v. */
static void show_errors(const struct strbuf *err)
{
	const char *p = err->buf ? err->buf : "";
	int shown = 0, after_error = 0;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char *l = xstrndup(p, n);
		int error = strstr(l, "ERROR:") || strstr(l, "FATAL:") || strstr(l, "error:");
		int more = after_error && (strstr(l, "DETAIL:") || strstr(l, "HINT:") ||
					   strstr(l, "LINE ") || strstr(l, "CONTEXT:"));

		if ((error || more) && shown < 8) {
			ui_hint("%s", l);
			shown++;
		} else {
			ui_verbose("%s", l);
		}
		after_error = error || more;
		free(l);
		p += n + (p[n] == '\n');
	}
}

/* The shell script of a custom restore: constant, no user text (that
 * comes through the environment). psql's exit alone says nothing of
 * pg_restore's; the committed mark on stdout does. */
static const char custom_script[] =
    "{ printf '%s\\n' \"$DOCKRESET_PRE\" && pg_restore --file=- &&"
    " printf '%s\\n' \"$DOCKRESET_POST\"; } |"
    " psql --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --output=/dev/null";

static int restore_psql(struct restore_run *r, const char *pre)
{
	char *app = xasprintf("dockreset:restore-psql:%s", r->t->name);
	char *env_user = xasprintf("PGUSER=%s", r->ss.pp.user);
	char *env_db = xasprintf("PGDATABASE=%s", r->ss.pp.dbname);
	char *env_app = xasprintf("PGAPPNAME=%s", app);
	char *env_pw = r->ss.pp.password ? xasprintf("PGPASSWORD=%s", r->ss.pp.password) : NULL;
	char *env_pre = NULL, *env_post = NULL;
	const char *env[] = { env_user, env_db, env_app, NULL, NULL, NULL, NULL };
	const char *plain_argv[] = {
		"psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--output=/dev/null",
		NULL
	};
	const char *custom_argv[] = { "sh", "-c", custom_script, NULL };
	struct psql_out po = { .line = STRBUF_INIT, .err = STRBUF_INIT };
	struct docker_exec_opts o = { 0 };
	struct file_in fi;
	int code = -1, err, rc, k = 3;

	if ((rc = open_backup(r, &fi)))
		goto out;
	if (env_pw)
		env[k++] = env_pw;
	if (r->format == BACKUP_FORMAT_CUSTOM) {
		env_pre = xasprintf("DOCKRESET_PRE=%s", pre);
		env_post = xasprintf("DOCKRESET_POST=%s", r->post);
		env[k++] = env_pre;
		env[k++] = env_post;
		o.argv = custom_argv;
	} else {
		fi.pre = pre;
		fi.post = r->post;
		o.argv = plain_argv;
	}
	o.env = env;
	o.out = psql_sink;
	o.out_ctx = &po;
	o.in = file_in;
	o.in_ctx = &fi;
	o.cancel = sig_flag();
	ui_step("restoring %s in one transaction (psql in '%s')", backup_format_name(r->format),
		r->ss.db->name);
	r->in_tx = 1;
	err = docker_exec(r->ss.d, r->ss.db->id, &o, &code);
	if (po.line.len)
		psql_line(&po);
	if (po.committed) {
		rc = 0; /* COMMIT answered: whatever came after, it is done */
	} else {
		/* Not known to have committed. The restoring session may still
		 * run (interrupt, stall, lost stream): end it, then ask. */
		int n = pg_terminate_app(r->ss.conn, app);
		if (n > 0)
			ui_verbose("ended the restoring session");
		if (po.xid && session_xact_status(&r->ss, po.xid) == 0)
			rc = 0; /* it committed as it was stopped */
		else if (sig_pending())
			rc = sig_exit_code();
		else if (fi.failed) {
			ui_error("cannot read '%s': %s", r->path, strerror(fi.failed));
			rc = EXIT_IO;
		} else if (err == DOCKER_ETIMEOUT) {
			rc = EXIT_CONTAINER;
		} else if (err < 0) {
			ui_error("the restore in '%s' did not finish: its stream was cut",
				 r->ss.db->name);
			rc = docker_exit_code(err);
			if (err == DOCKER_ESTREAM || err == DOCKER_ENOTRUNNING)
				rc = EXIT_CONTAINER;
		} else if (code == 126 || code == 127) {
			ui_error("psql or pg_restore cannot run in '%s' (exit %d)", r->ss.db->name,
				 code);
			rc = EXIT_COMMAND;
		} else {
			ui_error("the restore failed in '%s' (exit %d); nothing was committed",
				 r->ss.db->name, code);
			show_errors(&po.err);
			rc = EXIT_COMMAND;
		}
	}
	if (rc == 0) {
		r->xid = po.xid;
		po.xid = NULL;
	}
	close(fi.fd);
out:
	r->in_tx = 0;
	strbuf_release(&po.line);
	strbuf_release(&po.err);
	free(po.xid);
	free(app);
	free(env_user);
	free(env_db);
	free(env_app);
	free_secret(env_pw);
	free(env_pre);
	free(env_post);
	return rc;
}

/* ---- step 4c: rows over libpq ---- */

static int restore_over_libpq(struct restore_run *r)
{
	struct restore_rows_req q = {
		.conn = r->ss.conn,
		.d = r->ss.d,
		.db = r->ss.db,
		.t = r->t,
		.cat = &r->rep.cat,
		.plan = &r->rep.p,
		.format = r->format,
		.path = r->path,
		.scope = r->scope,
		.mode = r->mode,
	};
	PGresult *res;
	int rc;

	ui_step("restoring %s%s in one transaction",
		r->scope == RESTORE_SCOPE_RESET ? "the reset tables" : "every table",
		r->mode == RESTORE_MODE_MERGE ? " (merge)" : "");
	if (pg_run(r->ss.conn, "BEGIN") < 0)
		return pg_exit_code(r->ss.d, r->ss.db, EXIT_COMMAND);
	r->in_tx = 1;
	if (pg_run(r->ss.conn, "SET LOCAL idle_in_transaction_session_timeout = 0") < 0)
		return pg_exit_code(r->ss.d, r->ss.db, EXIT_COMMAND);
	res = pg_exec(r->ss.conn, "SELECT pg_current_xact_id()", 0, NULL);
	if (!res)
		return pg_exit_code(r->ss.d, r->ss.db, EXIT_COMMAND);
	r->xid = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	rc = restore_rows(&q);
	r->loaded = q.loaded;
	r->merged = q.merged;
	if (rc)
		return rc;
	if (sig_pending())
		return sig_exit_code();
	rc = session_commit(&r->ss, r->xid, r->timeout, "restore");
	r->in_tx = 0;
	if (rc == EXIT_PARTIAL && r->safety)
		ui_hint("backup %s holds the state before the restore",
			json_string_value(json_object_get(r->safety, "id")));
	return rc;
}

/* ---- step 5: counts compared with the manifest ---- */

/* The expected rows per table: the manifest's, or for --file json what
 * the file holds; NULL when nothing says. Scope reset: the reset tables
 * only. */
static json_t *expected_counts(const struct restore_run *r)
{
	const json_t *all = r->manifest ? json_object_get(r->manifest, "tables") : r->file_tables;
	json_t *want;

	if (!all || r->mode == RESTORE_MODE_MERGE)
		return NULL;
	if (r->scope == RESTORE_SCOPE_ALL)
		return json_deep_copy(all);
	want = json_object();
	for (size_t i = 0; i < r->rep.p.ntables; i++) {
		const char *q = r->rep.p.tables[i].t->qualified;
		if (r->rep.p.tables[i].reset && json_object_get(all, q))
			json_object_set(want, q, json_object_get(all, q));
	}
	return want;
}

static void compare_counts(struct restore_run *r)
{
	json_t *want = expected_counts(r);
	struct pg_table *v = NULL;
	size_t n = 0;
	const char *k;
	json_t *e;

	r->tables = json_array();
	if (!want)
		return;
	ui_step("counting rows");
	if (pg_list_tables(r->ss.conn, &v, &n) < 0 ||
	    pg_run(r->ss.conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0) {
		strlist_push(&r->unfinished, "counting the rows after the restore");
		goto out;
	}
	if (pg_count_rows(r->ss.conn, v, n) < 0) {
		pg_cleanup_run(r->ss.conn, "ROLLBACK");
		strlist_push(&r->unfinished, "counting the rows after the restore");
		goto out;
	}
	pg_cleanup_run(r->ss.conn, "ROLLBACK");
	json_object_foreach(want, k, e)
	{
		long long rows = -1;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v[i].qualified, k))
				rows = v[i].rows;
		json_array_append_new(r->tables,
				      json_pack("{s:s, s:o, s:I}", "name", k, "rows",
						rows >= 0 ? json_integer(rows) : json_null(),
						"expected", (json_int_t)json_integer_value(e)));
		if (rows != json_integer_value(e))
			strlist_push_nodup(&r->mismatched,
					   rows < 0
					       ? xasprintf("%s (missing now)", k)
					       : xasprintf("%s (%lld rows, the backup has %lld)", k,
							   rows, (long long)json_integer_value(e)));
	}
	if (r->mismatched.n) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < r->mismatched.n; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", r->mismatched.v[i]);
		ui_error("after the restore, row counts differ from the backup's: %s", sb.buf);
		strlist_push_nodup(&r->unfinished, xasprintf("row counts: %s", sb.buf));
		strbuf_release(&sb);
	}
out:
	pg_tables_free(v, n);
	json_decref(want);
}

/* ---- the end: summary, --json, audit ---- */

static void print_summary(const struct restore_run *r, double start)
{
	size_t i;
	json_t *e;

	printf("restore of '%s' from %s %s in %.1f s\n", r->t->name,
	       backup_id(r) ? backup_id(r) : r->path,
	       r->unfinished.n ? "committed, unfinished" : "done", monotonic_s() - start);
	json_array_foreach(r->tables, i, e)
	{
		json_t *rows = json_object_get(e, "rows");
		char n[32] = "?";
		if (json_is_integer(rows))
			snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(rows));
		printf("  %-40s %12s rows\n", json_string_value(json_object_get(e, "name")), n);
	}
	if (r->safety)
		printf("  safety backup %s (pre-restore, verified)\n",
		       json_string_value(json_object_get(r->safety, "id")));
	else
		printf("  no safety backup (--no-safety-backup)\n");
}

static void fill_json(const struct restore_run *r, const char *given, double start)
{
	json_t *doc = ui_json();

	json_object_set_new(doc, "backup", r->manifest ? json_incref(r->manifest) : json_null());
	json_object_set_new(doc, "file", json_string(r->path ? r->path : ""));
	json_object_set_new(doc, "scope",
			    json_string(r->scope == RESTORE_SCOPE_RESET ? "reset" : "all"));
	json_object_set_new(doc, "mode",
			    json_string(r->mode == RESTORE_MODE_MERGE ? "merge" : "replace"));
	json_object_set_new(doc, "safety_backup", r->safety ? json_incref(r->safety) : json_null());
	json_object_set_new(doc, "tables", r->tables ? json_incref(r->tables) : json_array());
	json_object_set_new(doc, "loaded", r->loaded ? json_incref(r->loaded) : json_null());
	json_object_set_new(doc, "merged", r->merged ? json_incref(r->merged) : json_null());
	json_object_set_new(doc, "confirmation", given ? json_string(given) : json_null());
	json_object_set_new(doc, "committed", json_boolean(r->committed));
	json_object_set_new(doc, "duration_ms",
			    json_integer((json_int_t)((monotonic_s() - start) * 1000)));
}

static void write_audit(struct restore_run *r, int rc)
{
	json_t *e = cmd_audit_entry("restore", r->t->name, r->branch, r->commit);
	char *outcome;

	if (rc == 0)
		outcome = xstrdup("ok");
	else if (r->committed)
		outcome = cmd_outcome_partial(&r->unfinished,
					      ui_last_error() ? ui_last_error() : "interrupted");
	else if (rc == EXIT_PARTIAL)
		outcome = xstrdup("unknown: the connection was lost during COMMIT");
	else
		outcome = cmd_outcome_failed(rc);
	json_object_set_new(e, "backup", backup_id(r) ? json_string(backup_id(r)) : json_null());
	json_object_set_new(e, "file", r->manifest ? json_null() : json_string(r->path));
	json_object_set_new(e, "scope",
			    json_string(r->scope == RESTORE_SCOPE_RESET ? "reset" : "all"));
	json_object_set_new(e, "mode",
			    json_string(r->mode == RESTORE_MODE_MERGE ? "merge" : "replace"));
	json_object_set_new(e, "safety_backup",
			    r->safety ? json_incref(json_object_get(r->safety, "id"))
				      : json_null());
	json_object_set_new(e, "tables", r->tables ? json_incref(r->tables) : json_array());
	json_object_set_new(e, "exit_code", json_integer(rc));
	{
		char *safe = redact(outcome);
		json_object_set_new(e, "outcome", json_string(safe));
		free(safe);
	}
	audit_append(r->ctx->cfg->backup_dir, e);
	json_decref(e);
	free(outcome);
}

static void report_partial(const struct restore_run *r)
{
	ui_error("the database of '%s' was restored, but %zu step%s did not finish", r->t->name,
		 r->unfinished.n, r->unfinished.n == 1 ? "" : "s");
	for (size_t i = 0; i < r->unfinished.n; i++)
		ui_hint("not finished: %s", r->unfinished.v[i]);
	if (r->safety)
		ui_hint("backup %s holds the state before the restore",
			json_string_value(json_object_get(r->safety, "id")));
}

/* Whether the restore goes through psql (else restore_rows()). */
static int through_psql(const struct restore_run *r)
{
	return r->format != BACKUP_FORMAT_JSON && r->scope == RESTORE_SCOPE_ALL &&
	       r->mode == RESTORE_MODE_REPLACE;
}

int cmd_restore(struct cmd_ctx *ctx)
{
	struct restore_run run = { .ctx = ctx,
				   .t = ctx->target,
				   .flock = BACKUP_LOCK_INIT,
				   .stopped = APPS_STOPPED_INIT };
	struct restore_run *r = &run;
	const char *given = NULL;
	char *pre = NULL;
	double start = monotonic_s();
	int rc, locked = 0;

	r->timeout = ctx->opt->timeout > 0 ? ctx->opt->timeout : DEFAULT_TIMEOUT_S;
	r->key = backup_advisory_key(r->t->name);
	/* the backup is resolved before anything else happens */
	if ((rc = check_options(r)) || (rc = pick_backup(r)))
		goto out;
	if ((rc = session_open_waiting(&r->ss, ctx, r->timeout)))
		goto out;
	if ((rc = verify_backup(r)))
		goto out;
	/* the plan (reset tables, catalog) and the production markers */
	if ((rc = plan_report_gather(&r->rep, ctx, &r->ss)))
		goto out;
	if (r->scope == RESTORE_SCOPE_RESET && (rc = plan_report_problems(r->t, &r->rep)))
		goto out;
	/* what the schema helper will do, and its refusal, before anything */
	if (through_psql(r) && !(pre = restore_prelude(r, &rc)))
		goto out;
	if ((rc = confirm(r, &given)))
		goto out;
	if ((rc = session_lock(&r->ss, r->t, &r->flock, r->key, "restore", 1, &r->advisory)))
		goto out;
	locked = 1;
	cmd_git_head(ctx, &r->branch, &r->commit);
	if ((rc = session_stop_apps(&r->ss, &r->stopped)))
		goto out;
	end_sessions(r);
	if (sig_pending() || (rc = safety_backup(r)))
		goto out;
	if (sig_pending() || (rc = pre ? restore_psql(r, pre) : restore_over_libpq(r)))
		goto out;
	r->committed = 1;
	ui_info("    committed");
	/* after the commit, before the apps write again */
	compare_counts(r);
	session_flush_caches(&r->ss, r->t, &r->unfinished);
	session_start_apps(&r->ss, &r->stopped, r->timeout, ctx->opt->no_restart, &r->unfinished);
	rc = r->unfinished.n ? EXIT_PARTIAL : 0;
out:
	rc = cmd_interrupted(rc, r->committed, "restore");
	if (!r->committed) {
		if (r->in_tx && r->ss.conn)
			pg_cleanup_run(r->ss.conn, "ROLLBACK");
		session_start_apps(&r->ss, &r->stopped, r->timeout, 0, NULL);
	} else if (r->unfinished.n) {
		report_partial(r);
	}
	if (r->advisory && r->ss.conn)
		pg_advisory_unlock(r->ss.conn, r->key);
	if (r->committed && !ctx->opt->json && !ctx->opt->quiet)
		print_summary(r, start);
	fill_json(r, given, start);
	if (locked)
		write_audit(r, rc);
	backup_lock_release(&r->flock);
	json_decref(r->manifest);
	json_decref(r->file_tables);
	json_decref(r->safety);
	json_decref(r->tables);
	json_decref(r->loaded);
	json_decref(r->merged);
	strlist_clear(&r->mismatched);
	strlist_clear(&r->unfinished);
	apps_stopped_release(&r->stopped);
	plan_report_release(&r->rep);
	free(pre);
	free(r->post);
	free(r->path);
	free(r->xid);
	free(r->branch);
	free(r->commit);
	session_close(&r->ss);
	return rc;
}
