/*
 * cmd_plan.c - `dockreset plan TARGET` and `reset --dry-run`: what a reset
 * would do, with row counts, stats, the production markers found and
 * the confirmation it would need (SPEC 4 steps 1-3). It never prompts,
 * takes no lock, writes no backup and changes nothing: counts and stats run
 * in one read-only transaction that is rolled back. The whole report is
 * printed before the exit code says the plan cannot run (2). reset shows
 * the same report (plan_report_*) before it asks its confirmation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "catalog.h"
#include "cmd.h"
#include "dump.h"
#include "guard.h"
#include "pg.h"
#include "plan.h"
#include "schema.h"
#include "ui.h"

static const char *ref_name(const struct cfg_ref *r)
{
	return r->service ? r->service : r->container;
}

/* Row counts of every plan table and the stats, in one read-only snapshot. */
static int count_rows(PGconn *c, const struct cfg_target *t, struct plan_report *r)
{
	size_t n;
	struct pg_table *v = plan_pg_tables(&r->p, 0, &n);
	int rc = -1;

	/* READ ONLY: not even a stat query can change anything */
	if (pg_run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0)
		goto out;
	if (pg_count_rows(c, v, n) == 0) {
		r->stats = dump_eval_stats(c, t);
		rc = 0;
	}
	pg_cleanup_run(c, "ROLLBACK");
	for (size_t i = 0; i < n; i++)
		r->rows[i] = v[i].rows;
out:
	free(v);
	return rc;
}

int plan_report_gather(struct plan_report *r, const struct cmd_ctx *ctx, struct session *ss)
{
	const struct options *o = ctx->opt;
	const struct cfg_target *t = ctx->target;

	memset(r, 0, sizeof(*r));
	r->no_backup = o->no_backup;
	r->no_restart = o->no_restart;
	if (!o->no_seed)
		for (size_t i = 0; i < (o->seeds.n ? o->seeds.n : t->default_seeds.n); i++)
			strlist_push(&r->seeds, o->seeds.n ? o->seeds.v[i] : t->default_seeds.v[i]);
	r->recreate =
	    o->strategy ? !strcmp(o->strategy, "recreate") : t->strategy == STRATEGY_RECREATE;
	if (catalog_load(ss->conn, &r->cat) < 0)
		return EXIT_COMMAND;
	plan_build(&r->p, t, &r->cat);
	if (r->recreate) {
		struct schema_set set = { 0 };
		struct strbuf err = STRBUF_INIT;
		int rc = 0;

		if (schema_gather(ss->conn, (const char *const *)t->schemas.v, t->schemas.n, &set) <
		    0)
			return EXIT_COMMAND;
		for (size_t i = 0; i < set.outside.n; i++)
			strlist_push(&r->outside, set.outside.v[i]);
		for (size_t i = 0; i < set.n; i++)
			set.v[i].recreate = 1;
		if (schema_sql(&r->schema_sql, &set, &err) < 0) {
			ui_error("cannot recreate the schemas of '%s': %s", t->name, err.buf);
			rc = EXIT_COMMAND;
		}
		strbuf_release(&err);
		schema_set_release(&set);
		if (rc)
			return rc;
	}
	r->rows = xcalloc(r->p.ntables + 1, sizeof(*r->rows));
	if (count_rows(ss->conn, t, r) < 0)
		return EXIT_COMMAND;
	guard_scan_target(&r->markers, ctx->cfg, t, &ss->tc, ss->conn);
	return 0;
}

void plan_report_release(struct plan_report *r)
{
	json_decref(r->stats);
	free(r->rows);
	guard_markers_release(&r->markers);
	strlist_clear(&r->seeds);
	strlist_clear(&r->schema_sql);
	strlist_clear(&r->outside);
	plan_release(&r->p);
	catalog_release(&r->cat);
	memset(r, 0, sizeof(*r));
}

/* What a reset would need, from the guard's own words. New string. */
static char *confirmation_text(const struct cfg_target *t, const struct plan_report *r)
{
	struct guard_confirm_req req = { .target = t->name,
					 .verb = "reset",
					 .markers = &r->markers };

	return guard_confirmation_text(&req);
}

static json_t *seeds_json(const struct cfg_target *t, const struct strlist *names)
{
	json_t *a = json_array();

	for (size_t i = 0; i < names->n; i++) {
		const struct cfg_seed_profile *sp = NULL;
		json_t *steps = json_array();
		for (size_t k = 0; k < t->nseeds; k++)
			if (!strcmp(t->seeds[k].name, names->v[i]))
				sp = &t->seeds[k];
		for (size_t k = 0; sp && k < sp->nsteps; k++) {
			const struct cfg_seed_step *s = &sp->steps[k];
			if (s->kind == SEED_SQL)
				json_array_append_new(steps, json_sprintf("sql %s", s->file));
			else if (s->kind == SEED_COPY)
				json_array_append_new(
				    steps, json_sprintf("copy %s into %s", s->file, s->table.name));
			else
				json_array_append_new(
				    steps, json_sprintf("run '%s' in a one-off container of %s "
							"(after the commit)",
							s->argv.n ? s->argv.v[0] : "?",
							ref_name(&s->run)));
		}
		json_array_append_new(
		    a, json_pack("{s:s, s:o}", "profile", names->v[i], "steps", steps));
	}
	return a;
}

static const char *backup_format_of(const struct cfg_target *t)
{
	return t->backup_format == FORMAT_PLAIN	 ? "plain"
	       : t->backup_format == FORMAT_JSON ? "json"
						 : "custom";
}

/* The statements a reset runs, or none when the plan cannot run. */
static void statements(struct strlist *out, const struct cfg_target *t, const struct plan_report *r)
{
	const struct plan *p = &r->p;
	char *tr;

	if (r->recreate) {
		if (p->missing.n || p->not_tables.n || r->outside.n)
			return;
		for (size_t i = 0; i < r->schema_sql.n; i++)
			strlist_push(out, r->schema_sql.v[i]);
		for (size_t i = 0; i < t->migrate_sql.n; i++)
			strlist_push_nodup(out, xasprintf("-- migrate: the statements of %s",
							  t->migrate_sql.v[i]));
		return;
	}
	tr = plan_truncate_sql(p);
	if (!tr || p->missing.n || p->not_tables.n || p->nfks) {
		free(tr);
		return;
	}
	strlist_push_nodup(out, tr);
	plan_sequence_sql(out, p);
}

json_t *plan_tables_json(const struct plan *p, const long long *before, const long long *after)
{
	json_t *tables = json_array();

	for (size_t i = 0; i < p->ntables; i++) {
		const struct plan_table *pt = &p->tables[i];
		json_t *b = before[i] < 0 ? json_null() : json_integer(before[i]);
		json_t *a = after	? (after[i] < 0 ? json_null() : json_integer(after[i]))
			    : pt->reset ? json_integer(0)
					: json_copy(b);
		json_array_append_new(tables,
				      json_pack("{s:s, s:o, s:o, s:b, s:b}", "name",
						pt->t->qualified, "before", b, "after", a, "reset",
						pt->reset, "only", pt->reset && pt->only));
	}
	return tables;
}

void plan_report_json(const struct cfg_target *t, const struct plan_report *r)
{
	const struct plan *p = &r->p;
	json_t *doc = ui_json(), *seqs = json_array();
	json_t *fks = json_array(), *stmts = json_array(), *apps = json_array();
	json_t *caches = json_array(), *miss = json_array(), *bad = json_array();
	json_t *add = json_array();
	struct strlist sql = STRLIST_INIT;
	char *confirm = confirmation_text(t, r);

	for (size_t i = 0; i < p->nsequences; i++) {
		const struct plan_sequence *s = &p->sequences[i];
		const struct catalog_table *owner = NULL;
		for (size_t k = 0; k < p->ntables && s->owned; k++)
			if (p->tables[k].t->oid == s->s->owner)
				owner = p->tables[k].t;
		json_array_append_new(
		    seqs, json_pack("{s:s, s:o, s:s}", "name", s->s->qualified, "owned_by",
				    s->owned && s->s->column
					? json_sprintf("%s.%s", owner ? owner->qualified : "?",
						       s->s->column)
					: json_null(),
				    "restart", s->owned ? "RESTART IDENTITY" : "ALTER SEQUENCE"));
	}
	for (size_t i = 0; i < p->nfks; i++)
		json_array_append_new(fks,
				      json_pack("{s:s, s:s, s:s}", "constraint", p->fks[i].fk->name,
						"table", p->fks[i].table->qualified, "references",
						p->fks[i].references->qualified));
	statements(&sql, t, r);
	for (size_t i = 0; i < sql.n; i++)
		json_array_append_new(stmts, json_string(sql.v[i]));
	for (size_t i = 0; i < t->napps; i++)
		json_array_append_new(apps, json_string(ref_name(&t->apps[i])));
	for (size_t i = 0; i < t->ncaches; i++)
		json_array_append_new(caches,
				      json_pack("{s:s, s:i, s:s}", "service",
						ref_name(&t->caches[i].ref), "db", t->caches[i].db,
						"flush", t->caches[i].flush_all ? "all" : "db"));
	for (size_t i = 0; i < p->missing.n; i++)
		json_array_append_new(miss, json_string(p->missing.v[i]));
	for (size_t i = 0; i < p->not_tables.n; i++)
		json_array_append_new(bad, json_string(p->not_tables.v[i]));
	for (size_t i = 0; i < p->add.n; i++)
		json_array_append_new(add, json_string(p->add.v[i]));

	json_object_set_new(doc, "tables", plan_tables_json(p, r->rows, NULL));
	json_object_set_new(doc, "sequences", seqs);
	json_object_set_new(doc, "statements", stmts);
	json_object_set_new(doc, "strategy", json_string(r->recreate ? "recreate" : "truncate"));
	json_object_set_new(doc, "markers", guard_markers_json(&r->markers));
	json_object_set_new(doc, "production", json_boolean(r->markers.n > 0));
	json_object_set_new(
	    doc, "confirmation",
	    json_pack("{s:b, s:s}", "production", r->markers.n > 0, "text", confirm));
	json_object_set_new(doc, "backup",
			    r->no_backup
				? json_null()
				: json_pack("{s:s, s:s, s:s}", "reason", "pre-reset", "format",
					    backup_format_of(t), "dir", t->backup_dir));
	json_object_set_new(doc, "stats", r->stats ? json_incref(r->stats) : json_object());
	json_object_set_new(doc, "apps", apps);
	json_object_set_new(doc, "caches", caches);
	json_object_set_new(doc, "seeds", seeds_json(t, &r->seeds));
	json_object_set_new(doc, "missing_tables", miss);
	json_object_set_new(doc, "invalid_tables", bad);
	json_object_set_new(doc, "foreign_keys", fks);
	json_object_set_new(doc, "tables_to_add", add);
	strlist_clear(&sql);
	free(confirm);
}

static void print_count(FILE *f, long long n)
{
	if (n < 0)
		fprintf(f, " %12s", "?");
	else
		fprintf(f, " %12lld", n);
}

void plan_report_print(FILE *f, const struct cfg_target *t, const struct plan_report *r)
{
	const struct plan *p = &r->p;
	struct strlist sql = STRLIST_INIT;
	json_t *seeds = seeds_json(t, &r->seeds), *v;
	char *confirm = confirmation_text(t, r);
	const char *key;
	size_t i;

	if (r->recreate) {
		fprintf(f, "strategy    recreate: schema%s ", t->schemas.n == 1 ? "" : "s");
		for (i = 0; i < t->schemas.n; i++)
			fprintf(f, "%s%s", i ? ", " : "", t->schemas.v[i]);
		fprintf(f,
			" dropped with every table in %s and recreated (owner, ACL, default "
			"privileges, extensions); no TRUNCATE\n",
			t->schemas.n == 1 ? "it" : "them");
	}
	if (r->recreate) {
		size_t dropped = 0;
		for (i = 0; i < p->ntables; i++)
			dropped += strlist_has(&t->schemas, p->tables[i].t->schema) != 0;
		fprintf(f, "tables      %zu dropped with their schema, %zu kept\n", dropped,
			p->ntables - dropped);
	} else {
		fprintf(f, "tables      %zu reset, %zu kept\n", plan_nreset(p),
			p->ntables - plan_nreset(p));
	}
	fprintf(f, "  %-40s %12s %12s  %s\n", "TABLE", "BEFORE", "AFTER", "ACTION");
	for (i = 0; i < p->ntables; i++) {
		const struct plan_table *pt = &p->tables[i];
		fprintf(f, "  %-40s", pt->t->qualified);
		print_count(f, r->rows[i]);
		if (r->recreate && strlist_has(&t->schemas, pt->t->schema)) {
			print_count(f, -1);
			fprintf(f, "  dropped with its schema, made again by the migrations\n");
			continue;
		}
		print_count(f, pt->reset ? 0 : r->rows[i]);
		fprintf(f, "  %s\n",
			!pt->reset ? "keep"
			: pt->only ? "reset (only this table)"
				   : "reset (with its partitions)");
	}
	for (i = 0; i < p->missing.n; i++)
		fprintf(f, "  %-40s %12s %12s  missing\n", p->missing.v[i], "-", "-");
	for (i = 0; i < r->outside.n; i++)
		fprintf(f, "  outside dependent: %s\n", r->outside.v[i]);
	if (r->recreate && (t->migrate_sql.n || t->migrate_argv.n)) {
		fprintf(f, "migrate     ");
		for (i = 0; i < t->migrate_sql.n; i++)
			fprintf(f, "%ssql %s (in the transaction)", i ? ", " : "",
				t->migrate_sql.v[i]);
		if (t->migrate_argv.n)
			fprintf(f, "%s'%s' in a one-off container of %s (after the commit)",
				t->migrate_sql.n ? ", then " : "", t->migrate_argv.v[0],
				ref_name(&t->migrate_ref));
		fprintf(f, "\n");
	}
	if (p->nsequences)
		fprintf(f, "sequences   %zu restarted\n", p->nsequences);
	else
		fprintf(f, "sequences   none%s\n",
			t->restart_identity ? "" : " (restart_identity is false)");
	for (i = 0; i < p->nsequences; i++)
		fprintf(f, "  %-40s restarted %s\n", p->sequences[i].s->qualified,
			p->sequences[i].owned ? "with its table (RESTART IDENTITY)"
					      : "on its own (ALTER SEQUENCE ... RESTART)");
	statements(&sql, t, r);
	fprintf(f, "statements  %s\n", sql.n ? "" : "none: the plan cannot run");
	for (i = 0; i < sql.n; i++)
		fprintf(f, "  %s\n", sql.v[i]);
	fprintf(f, "apps        ");
	for (i = 0; i < t->napps; i++)
		fprintf(f, "%s%s",
			i		? ", "
			: r->no_restart ? "stopped, left stopped (--no-restart): "
					: "stopped, then started: ",
			ref_name(&t->apps[i]));
	fprintf(f, "%s\ncaches      ", t->napps ? "" : "none");
	for (i = 0; i < t->ncaches; i++)
		fprintf(f, "%s%s db %d (%s)", i ? ", " : "flushed: ", ref_name(&t->caches[i].ref),
			t->caches[i].db, t->caches[i].flush_all ? "FLUSHALL" : "FLUSHDB");
	fprintf(f, "%s\nseeds       %s\n", t->ncaches ? "" : "none",
		json_array_size(seeds) ? "" : "none");
	json_array_foreach(seeds, i, v)
	{
		size_t k;
		json_t *s;
		fprintf(f, "  %s\n", json_string_value(json_object_get(v, "profile")));
		json_array_foreach(json_object_get(v, "steps"), k, s)
		    fprintf(f, "    %s\n", json_string_value(s));
	}
	fprintf(f, "stats       %s\n", r->stats && json_object_size(r->stats) ? "(now)" : "none");
	json_object_foreach(r->stats, key, v)
	{
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		fprintf(f, "  %-40s %s\n", key, s ? s : "?");
		free(s);
	}
	if (r->no_backup)
		fprintf(f, "backup      none (--no-backup)\n");
	else
		fprintf(f, "backup      a verified pre-reset backup (%s) in %s\n",
			backup_format_of(t), t->backup_dir);
	if (r->markers.n == 0) {
		fprintf(f, "markers     none: not production\n");
	} else {
		fprintf(f, "markers     production (%zu):\n", r->markers.n);
		for (i = 0; i < r->markers.n; i++)
			fprintf(f, "  %-9s %s%s: %s\n", r->markers.v[i].kind,
				r->markers.v[i].unreadable ? "unreadable, " : "",
				r->markers.v[i].where, r->markers.v[i].detail);
	}
	fprintf(f, "confirm     %s\n", confirm);
	free(confirm);
	json_decref(seeds);
	strlist_clear(&sql);
}

int plan_report_problems(const struct cfg_target *t, const struct plan_report *r)
{
	const struct plan *p = &r->p;

	if (p->missing.n) {
		ui_error("table '%s' named in targets.%s.reset does not exist", p->missing.v[0],
			 t->name);
		if (p->missing.n > 1)
			ui_hint("%zu names in all match no table", p->missing.n);
		return EXIT_USAGE;
	}
	if (p->not_tables.n) {
		ui_error("%s: targets.%s.reset may name tables only", p->not_tables.v[0], t->name);
		return EXIT_USAGE;
	}
	if (r->recreate && r->outside.n) {
		ui_error("objects outside the schemas of targets.%s.reset.schemas depend on "
			 "objects inside them: recreating would drop them",
			 t->name);
		for (size_t i = 0; i < r->outside.n; i++)
			ui_hint("%s", r->outside.v[i]);
		ui_hint("drop or move them first; nothing was changed");
		return EXIT_USAGE;
	}
	if (p->nfks && !r->recreate) {
		struct strbuf add = STRBUF_INIT;
		ui_error("kept table '%s' references reset table '%s' (constraint '%s'): "
			 "TRUNCATE cannot empty '%s' without it",
			 p->fks[0].table->qualified, p->fks[0].references->qualified,
			 p->fks[0].fk->name, p->fks[0].references->qualified);
		for (size_t i = 1; i < p->nfks; i++)
			ui_hint("also kept table '%s' references reset table '%s' (constraint "
				"'%s')",
				p->fks[i].table->qualified, p->fks[i].references->qualified,
				p->fks[i].fk->name);
		for (size_t i = 0; i < p->add.n; i++)
			strbuf_addf(&add, "%s%s", i ? ", " : "", p->add.v[i]);
		ui_hint("reset these tables too (add them to \"tables\", or remove them from "
			"\"keep\"): %s",
			add.buf);
		ui_hint("dockreset never uses CASCADE, which would empty kept tables silently");
		strbuf_release(&add);
		return EXIT_USAGE;
	}
	return 0;
}

int plan_show(struct cmd_ctx *ctx)
{
	const struct cfg_target *t = ctx->target;
	struct plan_report r = { 0 };
	struct session ss;
	double start = monotonic_s();
	int rc;

	json_object_set_new(ui_json(), "tables", json_array());
	rc = session_open(&ss, ctx, 1, 1);
	if (rc == 0)
		rc = plan_report_gather(&r, ctx, &ss);
	if (rc == 0) {
		plan_report_json(t, &r);
		if (!ctx->opt->json) {
			printf("plan        reset of '%s' (project %s); nothing is changed now\n",
			       t->name, ss.tc.project);
			plan_report_print(stdout, t, &r);
		}
		rc = plan_report_problems(t, &r);
	}
	json_object_set_new(ui_json(), "duration_ms",
			    json_integer((json_int_t)((monotonic_s() - start) * 1000)));
	plan_report_release(&r);
	session_close(&ss);
	return rc;
}

int cmd_plan(struct cmd_ctx *ctx)
{
	return plan_show(ctx);
}
