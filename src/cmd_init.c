/*
 * cmd_init.c - `dockreset init`: a dockreset.json for the compose project of
 * the current directory, found from what its containers run (never from
 * their names), then the plan it gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "docker.h"
#include "guard.h"
#include "init.h"
#include "pg.h"
#include "target.h"
#include "ui.h"

#define INIT_FILE "dockreset.json"

struct init_run {
	struct cmd_ctx *ctx;
	char *dir;
	char *path;
	char *url;
	struct docker *d;
	char *project;
	enum cfg_project_source source;
	struct docker_container **v; /* the project's containers */
	size_t n;
	const struct docker_container *db;
	struct init_config out;
	struct pg_params pp;
	PGconn *conn;
};

static int on_terminal(const struct init_run *r)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO) && !r->ctx->opt->json;
}

static int exists_refused(const struct init_run *r)
{
	ui_error("'%s' exists already: nothing written", r->path);
	ui_hint("--force replaces it");
	return EXIT_USAGE;
}

/* The containers of the project, running or not, one-offs left out. */
static int list_project(struct init_run *r)
{
	char *p = xasprintf("com.docker.compose.project=%s", r->project);
	const char *labels[] = { p, "com.docker.compose.oneoff=False", NULL };
	int err = docker_labeled_containers(r->d, labels, &r->v, &r->n);

	free(p);
	if (err < 0)
		return docker_exit_code(err);
	if (r->n == 0) {
		ui_error("no containers in compose project '%s' (from %s)", r->project,
			 config_project_source_name(r->source));
		ui_hint("is the stack up? run 'docker compose up -d' here, or name the project "
			"with --project");
		return EXIT_CONTAINER;
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strlist_sort(struct strlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), str_cmp);
}

/* Picks the database service: --service, the only PostgreSQL one, or asks. */
static int pick_database(struct init_run *r)
{
	const char *want = r->ctx->opt->service;
	struct strlist pg = STRLIST_INIT;
	char line[64];
	const char *svc = NULL;
	int rc = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i]->service && init_is_postgres(r->v[i]->inspect) &&
		    !strlist_has(&pg, r->v[i]->service))
			strlist_push(&pg, r->v[i]->service);
	strlist_sort(&pg);
	if (want) {
		for (size_t i = 0; i < r->n && !svc; i++)
			if (r->v[i]->service && !strcmp(r->v[i]->service, want))
				svc = want;
		if (!svc) {
			ui_error("no container of service '%s' in compose project '%s'", want,
				 r->project);
			rc = EXIT_CONTAINER;
		}
	} else if (pg.n == 0) {
		ui_error("no PostgreSQL container in compose project '%s' (%zu containers looked "
			 "at)",
			 r->project, r->n);
		ui_hint("dockreset looks for a container running postgres that exposes 5432/tcp "
			"or has POSTGRES_* variables; name one with --service");
		rc = EXIT_CONTAINER;
	} else if (pg.n == 1) {
		svc = pg.v[0];
	} else if (!on_terminal(r)) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < pg.n; i++)
			strbuf_addf(&sb, "%s'%s'", i ? ", " : "", pg.v[i]);
		ui_error("compose project '%s' has %zu PostgreSQL services: %s", r->project, pg.n,
			 sb.buf);
		ui_hint("choose one with --service %s", pg.v[0]);
		strbuf_release(&sb);
		rc = EXIT_USAGE;
	} else {
		fprintf(stderr, "PostgreSQL services of project '%s':\n", r->project);
		for (size_t i = 0; i < pg.n; i++)
			fprintf(stderr, "  %zu) %s\n", i + 1, ui_field(pg.v[i]));
		rc = EXIT_USAGE;
		for (int tries = 0; tries < 3 && !svc; tries++) {
			long long k;
			int e = guard_read_answer("which is the database (number)? ", line,
						  sizeof(line));
			if (e) {
				rc = e;
				break;
			}
			if (parse_int64(line, 1, (long long)pg.n, &k) == 0)
				svc = pg.v[k - 1];
			else
				ui_warn("answer a number from 1 to %zu", pg.n);
		}
		if (!svc && rc == EXIT_USAGE)
			ui_error("no database chosen: nothing written");
	}
	if (svc) {
		rc = 0;
		r->out.db_service = xstrdup(svc);
		for (size_t i = 0; i < r->n && !r->db; i++)
			if (r->v[i]->service && !strcmp(r->v[i]->service, svc))
				r->db = r->v[i];
	}
	strlist_clear(&pg);
	return rc;
}

/* Caches (redis, valkey) and apps (pointing at the database), by service. */
static void find_others(struct init_run *r)
{
	const char *db = r->out.db_service;

	for (size_t i = 0; i < r->n; i++) {
		const struct docker_container *c = r->v[i];
		if (!c->service || !strcmp(c->service, db))
			continue;
		if (init_is_cache(c->inspect)) {
			if (!strlist_has(&r->out.caches, c->service))
				strlist_push(&r->out.caches, c->service);
		} else if (init_depends_on(c->inspect, db) && !init_is_postgres(c->inspect)) {
			if (!strlist_has(&r->out.apps, c->service))
				strlist_push(&r->out.apps, c->service);
		}
	}
	strlist_sort(&r->out.apps);
	strlist_sort(&r->out.caches);
}

/* Connects to the database with a target made in memory. */
static int connect_db(struct init_run *r)
{
	struct cfg_target t = { 0 };
	int rc;

	if (!r->db->running) {
		ui_error("the database container '%s' is not running (%s)", r->db->name,
			 r->db->status);
		ui_hint("start it with 'docker start %s'", r->db->name);
		return EXIT_CONTAINER;
	}
	t.name = r->out.target ? (char *)r->out.target : "init";
	t.project = r->project;
	t.db.service = (char *)r->out.db_service;
	t.password_env = "POSTGRES_PASSWORD";
	if (pg_params_from_container(&r->pp, &t, r->db, "init") < 0)
		return EXIT_CONTAINER;
	r->conn = pg_connect(&r->pp);
	if (!r->conn) {
		rc = pg_exit_code(r->d, r->db, EXIT_CONTAINER);
		return rc;
	}
	return 0;
}

/* Lists the tables and, on a terminal, asks which a reset empties. */
static int choose_tables(struct init_run *r)
{
	struct pg_table *v = NULL;
	unsigned char *sel = NULL;
	struct strbuf err = STRBUF_INIT;
	char line[1024];
	size_t n = 0;
	int rc = 0, chosen = -1;

	if (pg_list_tables(r->conn, &v, &n) < 0 || pg_count_rows(r->conn, v, n) < 0) {
		rc = pg_exit_code(r->d, r->db, EXIT_COMMAND);
		goto out;
	}
	if (!on_terminal(r) || n == 0) {
		if (n)
			ui_info("no terminal: no table is chosen for reset; edit \"tables\" in "
				"'%s'",
				r->path);
		goto out;
	}
	fprintf(stderr, "tables of database '%s':\n", ui_field(r->pp.dbname));
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %3zu) %-40s %12lld rows\n", i + 1, ui_field(v[i].qualified),
			v[i].rows);
	sel = xcalloc(n, 1);
	for (int tries = 0; tries < 3 && chosen < 0; tries++) {
		rc = guard_read_answer("which tables does a reset empty? (all, none, or numbers "
				       "like 1,3-5) [none]: ",
				       line, sizeof(line));
		if (rc)
			goto out;
		strbuf_reset(&err);
		chosen = init_choice_parse(line, n, sel, &err);
		if (chosen < 0)
			ui_warn("%s", err.buf);
	}
	if (chosen < 0) {
		ui_error("no tables chosen: nothing written");
		rc = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (sel[i])
			strlist_push(&r->out.tables, v[i].qualified);
out:
	strbuf_release(&err);
	free(sel);
	pg_tables_free(v, n);
	return rc;
}

/* Writes the document through a temporary file: never over an existing
 * file unless --force (link(2) refuses; rename(2) replaces). */
static int write_config(struct init_run *r)
{
	json_t *doc = init_config_json(&r->out);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *tmp = xasprintf("%s/.%s.XXXXXX", r->dir, INIT_FILE);
	size_t len = text ? strlen(text) : 0;
	int fd = -1, rc = EXIT_IO;

	json_decref(doc);
	if (!text)
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ui_error("cannot create a file in '%s': %s", r->dir, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0644) || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd)) {
		ui_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		ui_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (r->ctx->opt->force) {
		if (rename(tmp, r->path)) {
			ui_error("cannot write '%s': %s", r->path, strerror(errno));
			goto out;
		}
	} else if (link(tmp, r->path)) {
		if (errno == EEXIST)
			rc = exists_refused(r);
		else
			ui_error("cannot write '%s': %s", r->path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp); /* after link(), or when rename() failed */
	free(tmp);
	free(text);
	return rc;
}

static void describe(const struct init_run *r)
{
	struct strbuf sb = STRBUF_INIT;

	ui_info("project     %s (from %s)", r->project,
		r->ctx->opt->project ? "--project" : config_project_source_name(r->source));
	ui_info("database    service '%s' (container %s)", r->out.db_service, r->db->name);
	for (size_t i = 0; i < r->out.apps.n; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", r->out.apps.v[i]);
	ui_info("apps        %s", sb.len ? sb.buf : "none");
	strbuf_reset(&sb);
	for (size_t i = 0; i < r->out.caches.n; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", r->out.caches.v[i]);
	ui_info("caches      %s", sb.len ? sb.buf : "none");
	strbuf_release(&sb);
}

int cmd_init(struct cmd_ctx *ctx)
{
	struct init_run r = { .ctx = ctx };
	struct stat st;
	char *target = NULL;
	int rc, err;

	r.dir = realpath(".", NULL);
	if (!r.dir) {
		ui_error("cannot read the current directory: %s", strerror(errno));
		return EXIT_IO;
	}
	r.path = xasprintf("%s/%s", r.dir, INIT_FILE);
	if (!ctx->opt->force && lstat(r.path, &st) == 0) {
		rc = exists_refused(&r);
		goto out;
	}
	if (ctx->opt->project) {
		char *norm = config_normalize_project(ctx->opt->project);
		int ok = *norm && !strcmp(norm, ctx->opt->project);
		free(norm);
		if (!ok) {
			ui_error("--project: '%s' is not a compose project name",
				 ctx->opt->project);
			ui_hint("compose project names are lowercase letters, digits, '_' and '-', "
				"starting with a letter or digit");
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (docker_endpoint_resolve(&r.url, ctx->opt->host) < 0) {
		rc = EXIT_DOCKER;
		goto out;
	}
	err = docker_open(&r.d, r.url);
	if (err == 0 && ctx->opt->project) {
		r.project = xstrdup(ctx->opt->project);
		r.source = PROJECT_FROM_CONFIG;
	} else if (err == 0) {
		err = target_project(r.d, r.dir, NULL, &r.project, &r.source);
	}
	if (err < 0) {
		rc = docker_exit_code(err);
		goto out;
	}
	if ((rc = list_project(&r)) || (rc = pick_database(&r)))
		goto out;
	find_others(&r);
	target = init_target_name(r.project);
	r.out.target = target;
	/* a project found again the same way from this directory is not written */
	if (r.source != PROJECT_FROM_DOTENV && r.source != PROJECT_FROM_DIRNAME)
		r.out.project = r.project;
	if (!ctx->opt->json)
		describe(&r);
	if ((rc = connect_db(&r)) || (rc = choose_tables(&r)))
		goto out;
	PQfinish(r.conn);
	r.conn = NULL;
	if ((rc = write_config(&r)))
		goto out;
	json_object_set_new(ui_json(), "config", json_string(r.path));
	json_object_set_new(ui_json(), "target", json_string(target));
	ui_info("wrote '%s' with target '%s'", r.path, target);

	/* what plan shows for the file just written, as the user will run it */
	if (config_load(&ctx->cfg, r.path) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	ctx->target = config_target(ctx->cfg, target);
	docker_close(r.d);
	r.d = NULL;
	rc = plan_show(ctx);
	json_object_set_new(ui_json(), "config", json_string(r.path));
	json_object_set_new(ui_json(), "target", json_string(target));
out:
	if (r.conn)
		PQfinish(r.conn);
	pg_params_release(&r.pp);
	docker_containers_free(r.v, r.n);
	docker_close(r.d);
	free((char *)r.out.db_service);
	strlist_clear(&r.out.apps);
	strlist_clear(&r.out.caches);
	strlist_clear(&r.out.tables);
	free(target);
	free(r.project);
	free(r.url);
	free(r.path);
	free(r.dir);
	return rc;
}
