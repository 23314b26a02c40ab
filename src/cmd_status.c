/*
 * cmd_status.c - `dockreset status TARGET`: containers and health, the
 * database, every table's row count and fate, production markers, the
 * newest backup. The whole report is printed before the exit code says
 * what was wrong (SPEC 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "docker.h"
#include "guard.h"
#include "pg.h"
#include "plan.h"
#include "target.h"
#include "ui.h"

extern char **environ;

struct report {
	int json;
	json_t *doc;
};

static void print_markers(const struct guard_markers *m)
{
	if (m->n == 0) {
		printf("markers     none: not production\n");
		return;
	}
	printf("markers     production (%zu):\n", m->n);
	for (size_t i = 0; i < m->n; i++)
		printf("  %-9s %s%s: %s\n", m->v[i].kind, m->v[i].unreadable ? "unreadable, " : "",
		       m->v[i].where, m->v[i].detail);
}

/* Counts the tables and says which a reset would empty; 2 when a table the
 * config names does not exist, else 0; -1 when the database failed. */
static int report_tables(PGconn *c, const struct cfg_target *t, int json)
{
	struct pg_table *v = NULL;
	struct strlist missing = STRLIST_INIT;
	json_t *arr = json_array(), *miss = json_array();
	int *reset = NULL, rc = -1;
	size_t n = 0;

	json_object_set_new(ui_json(), "tables", arr);
	if (pg_list_tables(c, &v, &n) < 0 || pg_count_rows(c, v, n) < 0)
		goto out;
	reset = xcalloc(n, sizeof(*reset));
	plan_select_tables(t, v, n, reset, &missing);
	if (!json)
		printf("tables      %zu\n  %-40s %12s  %s\n", n, "TABLE", "ROWS", "RESET");
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr, json_pack("{s:s, s:I, s:b}", "name", v[i].qualified,
						     "rows", (json_int_t)v[i].rows, "reset",
						     reset[i]));
		if (!json)
			printf("  %-40s %12lld  %s\n", v[i].qualified, v[i].rows,
			       reset[i] ? "reset" : "keep");
	}
	for (size_t i = 0; i < missing.n; i++) {
		json_array_append_new(miss, json_string(missing.v[i]));
		if (!json)
			printf("  %-40s %12s  missing\n", missing.v[i], "-");
	}
	rc = 0;
	if (missing.n) {
		ui_error("table '%s' named in targets.%s.reset does not exist", missing.v[0],
			 t->name);
		if (missing.n > 1)
			ui_hint("%zu names in all match no table", missing.n);
		rc = EXIT_USAGE;
	}
out:
	json_object_set_new(ui_json(), "missing_tables", miss);
	strlist_clear(&missing);
	free(reset);
	pg_tables_free(v, n);
	return rc;
}

int cmd_status(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	const struct docker_container *dbc = NULL;
	struct target_containers tc = { 0 };
	struct guard_markers markers = { 0 };
	struct pg_params pp = { 0 };
	struct docker *d = NULL;
	PGconn *conn = NULL;
	char *url = NULL;
	int json = ctx->opt->json, rc = EXIT_OK, err;
	json_t *doc = ui_json(), *dbj = json_object();

	json_object_set_new(doc, "containers", json_array());
	json_object_set_new(doc, "database", dbj);
	json_object_set_new(doc, "tables", json_array());
	json_object_set_new(doc, "newest_backup", json_null());

	if (t->production)
		guard_markers_add(&markers, "config", ctx->cfg->path, 0,
				  "\"production\": true in the target");
	guard_scan_env(&markers, ctx->cfg, environ, "host");
	guard_scan_git(&markers, ctx->cfg);

	if (docker_endpoint_resolve(&url, ctx->opt->host) < 0) {
		rc = EXIT_DOCKER;
		goto report;
	}
	err = docker_open(&d, url);
	if (err == 0)
		err = target_find_containers(d, ctx->cfg, t, &tc);
	if (err < 0) {
		rc = docker_exit_code(err);
		goto report;
	}
	json_object_set_new(doc, "project", json_string(tc.project));
	json_object_set_new(doc, "containers", target_containers_json(&tc));
	if (!json) {
		printf("target      %s (project %s)\ncontainers\n", t->name, tc.project);
		target_containers_print(stdout, &tc);
	}
	for (size_t i = 0; i < tc.ngroups; i++)
		if (strcmp(tc.groups[i].role, "cache"))
			for (size_t j = 0; j < tc.groups[i].n; j++)
				guard_scan_container(&markers, ctx->cfg, tc.groups[i].v[j]);

	dbc = target_database(&tc, t);
	json_object_set_new(dbj, "reachable", json_false());
	if (!dbc) {
		rc = EXIT_CONTAINER;
		goto report;
	}
	if (pg_params_from_container(&pp, t, dbc, "status") < 0) {
		rc = EXIT_CONTAINER;
		goto report;
	}
	json_object_set_new(dbj, "name", json_string(pp.dbname));
	json_object_set_new(dbj, "user", json_string(pp.user));
	if (pp.host) {
		json_object_set_new(dbj, "host", json_string(pp.host));
		json_object_set_new(dbj, "port", json_string(pp.port));
	}
	conn = pg_connect(&pp);
	if (!conn) {
		rc = EXIT_CONTAINER;
		goto report;
	}
	{
		char *ver = pg_server_version(conn);
		json_object_set_new(dbj, "reachable", json_true());
		json_object_set_new(dbj, "server_version", json_string(ver));
		if (!json)
			printf("database    '%s' as '%s' at %s:%s, PostgreSQL %s\n", pp.dbname,
			       pp.user, pp.host ? pp.host : "(url)", pp.port ? pp.port : "-", ver);
		free(ver);
	}
	guard_scan_database(&markers, ctx->cfg, conn);
	err = report_tables(conn, t, json);
	if (err < 0)
		rc = EXIT_CONTAINER;
	else if (err > 0)
		rc = err;

report:
	if (!conn)
		guard_markers_add(&markers, "database", t->name, 1,
				  "the database could not be asked for dockreset.environment");
	json_object_set_new(doc, "markers", guard_markers_json(&markers));
	json_object_set_new(doc, "production", json_boolean(markers.n > 0));
	if (!json) {
		print_markers(&markers);
		printf("backup      none yet\n");
	}
	if (conn)
		PQfinish(conn);
	pg_params_release(&pp);
	guard_markers_release(&markers);
	target_containers_release(&tc);
	docker_close(d);
	free(url);
	return rc;
}
