/*
 * cmd_plan.c - `dockreset plan TARGET` (and, later, `reset --dry-run`): what
 * a reset would do, with row counts, stats, the production markers found and
 * the confirmation it would need (SPEC 4 steps 1-3). It never prompts,
 * takes no lock, writes no backup and changes nothing: counts and stats run
 * in one read-only transaction that is rolled back. The whole report is
 * printed before the exit code says the plan cannot run (2).
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
#include "ui.h"

static const char *ref_name(const struct cfg_ref *r)
{
	return r->service ? r->service : r->container;
}

/* Row counts of every plan table and the stats, in one read-only snapshot. */
static int count_rows(PGconn *c, const struct cfg_target *t, const struct plan *p, long long *rows,
		      json_t **stats)
{
	struct pg_table *v = xcalloc(p->ntables + 1, sizeof(*v));
	int rc = -1;

	*stats = NULL;
	for (size_t i = 0; i < p->ntables; i++) {
		/* borrowed names: only the array is freed */
		v[i].schema = p->tables[i].t->schema;
		v[i].name = p->tables[i].t->name;
		v[i].qualified = p->tables[i].t->qualified;
		v[i].kind = p->tables[i].t->kind;
		v[i].rows = -1;
	}
	/* READ ONLY: not even a stat query can change anything */
	if (pg_run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") < 0)
		goto out;
	if (pg_count_rows(c, v, p->ntables) == 0) {
		*stats = dump_eval_stats(c, t);
		rc = 0;
	}
	PQclear(PQexec(c, "ROLLBACK"));
	for (size_t i = 0; i < p->ntables; i++)
		rows[i] = v[i].rows;
out:
	free(v);
	return rc;
}

static json_t *confirmation_json(const struct cfg_target *t, int production)
{
	if (!production)
		return json_pack("{s:b, s:o, s:s}", "production", 0, "interactive",
				 json_sprintf("type the target's name '%s'", t->name),
				 "not_interactive", "-y");
	return json_pack(
	    "{s:b, s:o, s:o}", "production", 1, "interactive",
	    json_sprintf("--production, then type 'reset production %s' and wait 5 s", t->name),
	    "not_interactive",
	    json_sprintf("-y --production and DOCKRESET_CONFIRM_PRODUCTION=%s", t->name));
}

static json_t *seeds_json(const struct cfg_target *t)
{
	json_t *a = json_array();

	for (size_t i = 0; i < t->default_seeds.n; i++) {
		const struct cfg_seed_profile *sp = NULL;
		json_t *steps = json_array();
		for (size_t k = 0; k < t->nseeds; k++)
			if (!strcmp(t->seeds[k].name, t->default_seeds.v[i]))
				sp = &t->seeds[k];
		for (size_t k = 0; sp && k < sp->nsteps; k++) {
			const struct cfg_seed_step *s = &sp->steps[k];
			if (s->kind == SEED_SQL)
				json_array_append_new(steps, json_sprintf("sql %s", s->file));
			else if (s->kind == SEED_COPY)
				json_array_append_new(
				    steps, json_sprintf("copy %s into %s", s->file, s->table.name));
			else
				json_array_append_new(steps,
						      json_sprintf("run in %s", ref_name(&s->run)));
		}
		json_array_append_new(
		    a, json_pack("{s:s, s:o}", "profile", t->default_seeds.v[i], "steps", steps));
	}
	return a;
}

static const char *backup_format_of(const struct cfg_target *t)
{
	return t->backup_format == FORMAT_PLAIN	 ? "plain"
	       : t->backup_format == FORMAT_JSON ? "json"
						 : "custom";
}

/* The plan's data into the --json document. */
static void plan_json(const struct cfg_target *t, const struct plan *p, const long long *rows,
		      json_t *stats, const struct guard_markers *m)
{
	json_t *doc = ui_json(), *tables = json_array(), *seqs = json_array();
	json_t *fks = json_array(), *stmts = json_array(), *apps = json_array();
	json_t *caches = json_array(), *miss = json_array(), *bad = json_array();
	json_t *add = json_array();
	struct strlist alter = STRLIST_INIT;
	char *tr = plan_truncate_sql(p);

	for (size_t i = 0; i < p->ntables; i++) {
		const struct plan_table *pt = &p->tables[i];
		json_t *before = rows[i] < 0 ? json_null() : json_integer(rows[i]);
		json_t *after = pt->reset ? json_integer(0) : json_copy(before);
		json_array_append_new(tables,
				      json_pack("{s:s, s:o, s:o, s:b, s:b}", "name",
						pt->t->qualified, "before", before, "after", after,
						"reset", pt->reset, "only", pt->reset && pt->only));
	}
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
	/* only a plan that can run has statements */
	if (!tr || p->missing.n || p->not_tables.n || p->nfks) {
		free(tr);
		tr = NULL;
	}
	if (tr)
		json_array_append_new(stmts, json_string(tr));
	plan_sequence_sql(&alter, p);
	for (size_t i = 0; tr && i < alter.n; i++)
		json_array_append_new(stmts, json_string(alter.v[i]));
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

	json_object_set_new(doc, "tables", tables);
	json_object_set_new(doc, "sequences", seqs);
	json_object_set_new(doc, "statements", stmts);
	json_object_set_new(doc, "markers", guard_markers_json(m));
	json_object_set_new(doc, "production", json_boolean(m->n > 0));
	json_object_set_new(doc, "confirmation", confirmation_json(t, m->n > 0));
	json_object_set_new(doc, "backup",
			    json_pack("{s:s, s:s, s:s}", "reason", "pre-reset", "format",
				      backup_format_of(t), "dir", t->backup_dir));
	json_object_set_new(doc, "stats", stats ? json_incref(stats) : json_object());
	json_object_set_new(doc, "apps", apps);
	json_object_set_new(doc, "caches", caches);
	json_object_set_new(doc, "seeds", seeds_json(t));
	json_object_set_new(doc, "missing_tables", miss);
	json_object_set_new(doc, "invalid_tables", bad);
	json_object_set_new(doc, "foreign_keys", fks);
	json_object_set_new(doc, "tables_to_add", add);
	strlist_clear(&alter);
	free(tr);
}

static void print_count(long long n)
{
	if (n < 0)
		printf(" %12s", "?");
	else
		printf(" %12lld", n);
}

static void plan_print(const struct cfg_target *t, const struct plan *p, const long long *rows,
		       json_t *stats, const struct guard_markers *m)
{
	json_t *doc = ui_json(), *v, *v2, *seeds = json_object_get(doc, "seeds");
	const char *key;
	size_t i;

	printf("tables      %zu reset, %zu kept\n  %-40s %12s %12s  %s\n", plan_nreset(p),
	       p->ntables - plan_nreset(p), "TABLE", "BEFORE", "AFTER", "ACTION");
	for (i = 0; i < p->ntables; i++) {
		const struct plan_table *pt = &p->tables[i];
		printf("  %-40s", pt->t->qualified);
		print_count(rows[i]);
		print_count(pt->reset ? 0 : rows[i]);
		printf("  %s\n", !pt->reset ? "keep"
				 : pt->only ? "reset (only this table)"
					    : "reset (with its partitions)");
	}
	for (i = 0; i < p->missing.n; i++)
		printf("  %-40s %12s %12s  missing\n", p->missing.v[i], "-", "-");
	if (p->nsequences)
		printf("sequences   %zu restarted\n", p->nsequences);
	else
		printf("sequences   none%s\n",
		       t->restart_identity ? "" : " (restart_identity is false)");
	for (i = 0; i < p->nsequences; i++)
		printf("  %-40s restarted %s\n", p->sequences[i].s->qualified,
		       p->sequences[i].owned ? "with its table (RESTART IDENTITY)"
					     : "on its own (ALTER SEQUENCE ... RESTART)");
	v = json_object_get(doc, "statements");
	printf("statements  %s\n", json_array_size(v) ? "" : "none: the plan cannot run");
	json_array_foreach(v, i, v2) printf("  %s\n", json_string_value(v2));
	printf("apps        ");
	for (i = 0; i < t->napps; i++)
		printf("%s%s", i ? ", " : "stopped, then started: ", ref_name(&t->apps[i]));
	printf("%s\ncaches      ", t->napps ? "" : "none");
	for (i = 0; i < t->ncaches; i++)
		printf("%s%s db %d (%s)", i ? ", " : "flushed: ", ref_name(&t->caches[i].ref),
		       t->caches[i].db, t->caches[i].flush_all ? "FLUSHALL" : "FLUSHDB");
	printf("%s\nseeds       %s\n", t->ncaches ? "" : "none",
	       json_array_size(seeds) ? "" : "none");
	json_array_foreach(seeds, i, v)
	{
		size_t k;
		json_t *s;
		printf("  %s\n", json_string_value(json_object_get(v, "profile")));
		json_array_foreach(json_object_get(v, "steps"), k, s)
		    printf("    %s\n", json_string_value(s));
	}
	printf("stats       %s\n", stats && json_object_size(stats) ? "(now)" : "none");
	json_object_foreach(stats, key, v)
	{
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		printf("  %-40s %s\n", key, s ? s : "?");
		free(s);
	}
	printf("backup      a verified pre-reset backup (%s) in %s\n", backup_format_of(t),
	       t->backup_dir);
	if (m->n == 0) {
		printf("markers     none: not production\n");
		printf("confirm     type the target's name '%s' at the prompt, or pass -y\n",
		       t->name);
	} else {
		printf("markers     production (%zu):\n", m->n);
		for (i = 0; i < m->n; i++)
			printf("  %-9s %s%s: %s\n", m->v[i].kind,
			       m->v[i].unreadable ? "unreadable, " : "", m->v[i].where,
			       m->v[i].detail);
		printf("confirm     --production, then type 'reset production %s' and wait 5 s;\n"
		       "            without a terminal: -y --production and "
		       "DOCKRESET_CONFIRM_PRODUCTION=%s\n",
		       t->name, t->name);
	}
}

/* Says why the plan cannot run; EXIT_USAGE, or 0 when it can. */
static int plan_problems(const struct cfg_target *t, const struct plan *p)
{
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
	if (p->nfks) {
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
	struct guard_markers markers = { 0 };
	struct catalog cat = { 0 };
	struct plan p = { 0 };
	struct session ss;
	long long *rows = NULL;
	json_t *stats = NULL;
	double start = monotonic_s();
	int json = ctx->opt->json, rc;

	json_object_set_new(ui_json(), "tables", json_array());
	rc = session_open(&ss, ctx, 1, 1);
	if (rc)
		goto out;
	if (catalog_load(ss.conn, &cat) < 0) {
		rc = EXIT_COMMAND;
		goto out;
	}
	plan_build(&p, t, &cat);
	rows = xcalloc(p.ntables + 1, sizeof(*rows));
	if (count_rows(ss.conn, t, &p, rows, &stats) < 0) {
		rc = EXIT_COMMAND;
		goto out;
	}
	guard_scan_target(&markers, ctx->cfg, t, &ss.tc, ss.conn);
	plan_json(t, &p, rows, stats, &markers);
	if (!json) {
		printf("plan        reset of '%s' (project %s); nothing is changed now\n", t->name,
		       ss.tc.project);
		plan_print(t, &p, rows, stats, &markers);
	}
	rc = plan_problems(t, &p);
out:
	json_object_set_new(ui_json(), "duration_ms",
			    json_integer((json_int_t)((monotonic_s() - start) * 1000)));
	json_decref(stats);
	free(rows);
	guard_markers_release(&markers);
	plan_release(&p);
	catalog_release(&cat);
	session_close(&ss);
	return rc;
}

int cmd_plan(struct cmd_ctx *ctx)
{
	return plan_show(ctx);
}
