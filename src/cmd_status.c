/*
 * cmd_status.c - `dockreset status TARGET`: containers and health, the
 * database, every table's row count and fate, production markers, the
 * newest backup. The whole report is printed before the exit code says
 * what was wrong (SPEC 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "catalog.h"
#include "cmd.h"
#include "docker.h"
#include "guard.h"
#include "pg.h"
#include "plan.h"
#include "target.h"
#include "ui.h"

/* The newest backup of the target, or none. */
static void newest_backup(struct cmd_ctx *ctx, int json)
{
	struct backup_list l = BACKUP_LIST_INIT;
	char size[32];

	if (backup_list_load(&l, ctx->target->backup_dir, ctx->target->name) < 0 || l.n == 0) {
		if (!json)
			printf("backup      none\n");
		backup_list_release(&l);
		return;
	}
	json_object_set(ui_json(), "newest_backup", l.v[0].manifest);
	if (!json)
		printf("backup      %s (%s, %s, %s)\n", ui_field(l.v[0].id),
		       backup_format_name(l.v[0].format),
		       human_size(size, sizeof(size), l.v[0].size),
		       l.v[0].verified_at ? "verified" : "not verified");
	backup_list_release(&l);
}

static void print_markers(const struct guard_markers *m)
{
	if (m->n == 0) {
		printf("markers     none: not production\n");
		return;
	}
	printf("markers     production (%zu):\n", m->n);
	for (size_t i = 0; i < m->n; i++)
		printf("  %-9s %s%s: %s\n", m->v[i].kind, m->v[i].unreadable ? "unreadable, " : "",
		       ui_field(m->v[i].where), ui_field(m->v[i].detail));
}

/* What a reset does to plan table pt, in the words plan uses (cmd_plan.c). */
static const char *table_fate(const struct cfg_target *t, const struct plan_table *pt, int recreate)
{
	if (recreate && strlist_has(&t->schemas, pt->t->schema))
		return "dropped";
	return pt->reset ? "reset" : "keep";
}

/* Counts the plan's tables and says what a reset would do to each, from
 * the planner plan and reset use; 2 when the config names a table that does
 * not exist or is no table, else 0; -1 when the database failed. */
static int report_tables(PGconn *c, const struct cfg_target *t, int json)
{
	struct catalog cat = { 0 };
	struct plan p = { 0 };
	struct pg_table *v = NULL;
	json_t *arr = json_array(), *miss = json_array();
	int recreate = t->strategy == STRATEGY_RECREATE, rc = -1;
	size_t n = 0;

	json_object_set_new(ui_json(), "tables", arr);
	if (catalog_load(c, &cat) < 0)
		goto out;
	plan_build(&p, t, &cat);
	v = plan_pg_tables(&p, 0, &n);
	if (pg_count_rows(c, v, n) < 0)
		goto out;
	if (!json)
		printf("tables      %zu\n  %-40s %12s  %s\n", n, "TABLE", "ROWS", "RESET");
	for (size_t i = 0; i < n; i++) {
		const char *fate = table_fate(t, &p.tables[i], recreate);
		json_array_append_new(arr, json_pack("{s:s, s:I, s:b}", "name", v[i].qualified,
						     "rows", (json_int_t)v[i].rows, "reset",
						     strcmp(fate, "keep") != 0));
		if (!json)
			printf("  %-40s %12lld  %s\n", ui_field(v[i].qualified), v[i].rows, fate);
	}
	for (size_t i = 0; i < p.missing.n; i++) {
		json_array_append_new(miss, json_string(p.missing.v[i]));
		if (!json)
			printf("  %-40s %12s  missing\n", ui_field(p.missing.v[i]), "-");
	}
	rc = 0;
	if (p.missing.n) {
		ui_error("table '%s' named in targets.%s.reset does not exist", p.missing.v[0],
			 t->name);
		if (p.missing.n > 1)
			ui_hint("%zu names in all match no table", p.missing.n);
		rc = EXIT_USAGE;
	} else if (p.not_tables.n) {
		ui_error("%s: targets.%s.reset may name tables only", p.not_tables.v[0], t->name);
		rc = EXIT_USAGE;
	}
out:
	json_object_set_new(ui_json(), "missing_tables", miss);
	free(v);
	plan_release(&p);
	catalog_release(&cat);
	return rc;
}

int cmd_status(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	struct guard_markers markers = { 0 };
	struct session ss;
	int json = ctx->opt->json, rc, err;
	json_t *doc = ui_json(), *dbj = json_object();

	json_object_set_new(doc, "containers", json_array());
	json_object_set_new(doc, "database", dbj);
	json_object_set_new(doc, "tables", json_array());
	json_object_set_new(doc, "newest_backup", json_null());
	json_object_set_new(dbj, "reachable", json_false());

	/* the report shows whatever could be found before the failure */
	rc = session_open(&ss, ctx, 1, 1);
	if (ss.tc.groups) {
		json_object_set_new(doc, "project", json_string(ss.tc.project));
		json_object_set_new(doc, "project_source",
				    json_string(config_project_source_name(ss.tc.project_source)));
		json_object_set_new(doc, "containers", target_containers_json(&ss.tc));
		if (!json) {
			printf("target      %s (project %s, from %s)\ncontainers\n", t->name,
			       ui_field(ss.tc.project),
			       config_project_source_name(ss.tc.project_source));
			target_containers_print(stdout, &ss.tc);
		}
	}
	if (ss.pp.dbname) {
		json_object_set_new(dbj, "name", json_string(ss.pp.dbname));
		json_object_set_new(dbj, "user", json_string(ss.pp.user));
	}
	if (ss.pp.host) {
		json_object_set_new(dbj, "host", json_string(ss.pp.host));
		json_object_set_new(dbj, "port", json_string(ss.pp.port));
	}
	if (ss.conn) {
		char *ver = pg_server_version(ss.conn);
		json_object_set_new(dbj, "reachable", json_true());
		json_object_set_new(dbj, "server_version", json_string(ver));
		if (!json)
			printf("database    '%s' as '%s' at %s:%s, PostgreSQL %s\n",
			       ui_field(ss.pp.dbname), ui_field(ss.pp.user),
			       ss.pp.host ? ui_field(ss.pp.host) : "(url)",
			       ss.pp.port ? ui_field(ss.pp.port) : "-", ui_field(ver));
		free(ver);
		err = report_tables(ss.conn, t, json);
		if (err < 0)
			rc = pg_exit_code(ss.d, ss.db, EXIT_CONTAINER);
		else if (err > 0)
			rc = err;
	}
	guard_scan_target(&markers, ctx->cfg, t, ss.tc.groups ? &ss.tc : NULL, ss.conn);
	json_object_set_new(doc, "markers", guard_markers_json(&markers));
	json_object_set_new(doc, "production", json_boolean(markers.n > 0));
	if (!json)
		print_markers(&markers);
	newest_backup(ctx, json);
	snapshots_status(ctx, ss.conn, json);
	guard_markers_release(&markers);
	session_close(&ss);
	return rc;
}
