/*
 * test_plan.c - the reset planner (plan_build over catalog documents), its
 * SQL builders and the catalog parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "plan.h"

static char *public_only[] = { "public" };

static void target_init(struct cfg_target *t)
{
	memset(t, 0, sizeof(*t));
	t->name = "x";
	t->schemas.v = public_only;
	t->schemas.n = 1;
}

static void migration_table_list(void **state)
{
	(void)state;
	assert_true(plan_is_migration_table("_prisma_migrations"));
	assert_true(plan_is_migration_table("knex_migrations"));
	assert_false(plan_is_migration_table("migrations_x"));
	assert_false(plan_is_migration_table("Schema_migrations"));
}

/*
 * A catalog as CATALOG_QUERY returns it. oids: tables 1-19, sequences 101-107.
 * accounts <- orders <- invoices <- invoice_lines <- line_notes (foreign
 * keys, the last listed first, as catalog order may have it), events
 * partitioned (events_2024 its partition, with a key into orders), vehicles
 * an inheritance parent of cars, nodes referencing itself, a view, a foreign
 * table, a materialized view, an extension's table, migration history, and
 * schema audit.
 */
static const char CAT[] =
    "{\"tables\": ["
    "{\"oid\":1,\"schema\":\"public\",\"name\":\"accounts\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":2,\"schema\":\"public\",\"name\":\"orders\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":3,\"schema\":\"public\",\"name\":\"invoices\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":4,\"schema\":\"public\",\"name\":\"invoice_lines\",\"kind\":\"r\","
    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
    "{\"oid\":5,\"schema\":\"public\",\"name\":\"events\",\"kind\":\"p\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":6,\"schema\":\"public\",\"name\":\"events_2024\",\"kind\":\"r\",\"partition_of\":5,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":7,\"schema\":\"public\",\"name\":\"vehicles\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":8,\"schema\":\"public\",\"name\":\"cars\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[7],\"extension\":false},"
    "{\"oid\":9,\"schema\":\"public\",\"name\":\"tickets\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":10,\"schema\":\"public\",\"name\":\"drafts\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":11,\"schema\":\"public\",\"name\":\"schema_migrations\",\"kind\":\"r\","
    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
    "{\"oid\":12,\"schema\":\"public\",\"name\":\"open_orders\",\"kind\":\"v\","
    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
    "{\"oid\":13,\"schema\":\"public\",\"name\":\"remote\",\"kind\":\"f\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":14,\"schema\":\"public\",\"name\":\"spatial_ref_sys\",\"kind\":\"r\","
    "\"partition_of\":null,\"inherits\":[],\"extension\":true},"
    "{\"oid\":15,\"schema\":\"audit\",\"name\":\"log\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":16,\"schema\":\"audit\",\"name\":\"log.2024\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":17,\"schema\":\"public\",\"name\":\"nodes\",\"kind\":\"r\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":18,\"schema\":\"public\",\"name\":\"totals\",\"kind\":\"m\",\"partition_of\":null,"
    "\"inherits\":[],\"extension\":false},"
    "{\"oid\":19,\"schema\":\"public\",\"name\":\"line_notes\",\"kind\":\"r\","
    "\"partition_of\":null,\"inherits\":[],\"extension\":false}"
    "],\"sequences\": ["
    "{\"oid\":101,\"schema\":\"public\",\"name\":\"accounts_id_seq\",\"owner\":1,\"column\":\"id\"}"
    ","
    "{\"oid\":102,\"schema\":\"public\",\"name\":\"orders_id_seq\",\"owner\":2,\"column\":\"id\"},"
    "{\"oid\":103,\"schema\":\"public\",\"name\":\"events_id_seq\",\"owner\":5,\"column\":\"id\"},"
    "{\"oid\":104,\"schema\":\"public\",\"name\":\"vehicles_id_seq\",\"owner\":7,\"column\":\"id\"}"
    ","
    "{\"oid\":105,\"schema\":\"public\",\"name\":\"ticket_no\",\"owner\":null,\"column\":null},"
    "{\"oid\":106,\"schema\":\"public\",\"name\":\"shared_no\",\"owner\":null,\"column\":null},"
    "{\"oid\":107,\"schema\":\"public\",\"name\":\"unused_no\",\"owner\":null,\"column\":null},"
    "{\"oid\":108,\"schema\":\"public\",\"name\":\"event_no\",\"owner\":null,\"column\":null},"
    "{\"oid\":109,\"schema\":\"public\",\"name\":\"events_2024_no\",\"owner\":6,"
    "\"column\":\"no\"}"
    "],\"defaults\": ["
    "{\"table\":1,\"column\":\"id\",\"sequence\":101},"
    "{\"table\":1,\"column\":\"ref\",\"sequence\":106},"
    "{\"table\":5,\"column\":\"id\",\"sequence\":103},"
    "{\"table\":6,\"column\":\"no\",\"sequence\":108},"
    "{\"table\":9,\"column\":\"no\",\"sequence\":105},"
    "{\"table\":10,\"column\":\"no\",\"sequence\":106}"
    "],\"foreign_keys\": ["
    "{\"name\":\"a_line_notes_fk\",\"table\":19,\"references\":4,\"columns\":[\"ref\"],"
    "\"referenced_columns\":[\"id\"]},"
    "{\"name\":\"orders_account_fk\",\"table\":2,\"references\":1,\"columns\":[\"ref\"],"
    "\"referenced_columns\":[\"id\"]},"
    "{\"name\":\"invoices_order_fk\",\"table\":3,\"references\":2,\"columns\":[\"ref\"],"
    "\"referenced_columns\":[\"id\"]},"
    "{\"name\":\"invoice_lines_invoice_fk\",\"table\":4,\"references\":3,\"columns\":[\"ref\"],"
    "\"referenced_columns\":[\"id\"]},"
    "{\"name\":\"events_2024_order_fk\",\"table\":6,\"references\":2,\"columns\":[\"ref\"],"
    "\"referenced_columns\":[\"id\"]},"
    "{\"name\":\"nodes_parent_fk\",\"table\":17,\"references\":17,\"columns\":[\"ref\"],"
    "\"referenced_columns\":[\"id\"]}"
    "]}";

static struct catalog cat;

static int cat_setup(void **state)
{
	struct strbuf err = STRBUF_INIT;

	(void)state;
	if (catalog_parse(&cat, CAT, strlen(CAT), &err) < 0) {
		print_error("CAT: %s\n", err.buf);
		strbuf_release(&err);
		return -1;
	}
	return 0;
}

static int cat_teardown(void **state)
{
	(void)state;
	catalog_release(&cat);
	return 0;
}

/* "public.a public.b" of the plan's reset (or kept) tables, "*" after ONLY-less ones. */
static char *fate(const struct plan *p, int reset)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < p->ntables; i++) {
		if (p->tables[i].reset != reset)
			continue;
		strbuf_addf(&sb, "%s%s%s", sb.len ? " " : "", p->tables[i].t->qualified,
			    reset && !p->tables[i].only ? "*" : "");
	}
	return strbuf_detach(&sb);
}

static void assert_fate(const struct plan *p, const char *reset, const char *kept)
{
	char *r = fate(p, 1), *k = fate(p, 0);

	assert_string_equal(r, reset);
	if (kept)
		assert_string_equal(k, kept);
	free(r);
	free(k);
}

static char *joined(const struct strlist *l)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		strbuf_addf(&sb, "%s%s", i ? "|" : "", l->v[i]);
	return strbuf_detach(&sb);
}

static void assert_list(const struct strlist *l, const char *want)
{
	char *s = joined(l);
	assert_string_equal(s, want);
	free(s);
}

static char *sequences(const struct plan *p)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < p->nsequences; i++)
		strbuf_addf(&sb, "%s%s%s", i ? " " : "", p->sequences[i].s->qualified,
			    p->sequences[i].owned ? "" : "!");
	return strbuf_detach(&sb);
}

static void assert_sequences(const struct plan *p, const char *want)
{
	char *s = sequences(p);
	assert_string_equal(s, want);
	free(s);
}

static void target_base(struct cfg_target *t)
{
	target_init(t);
	t->restart_identity = 1;
}

static void star_leaves_out_what_spec_excludes(void **state)
{
	struct cfg_target t;
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables_all = 1;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	/* no partition, view, foreign table or matview is a plan table; the
	 * extension's table, migration history and other schemas are kept */
	assert_fate(&p,
		    "public.accounts public.orders public.invoices public.invoice_lines "
		    "public.events* public.vehicles public.cars public.tickets public.drafts "
		    "public.nodes public.line_notes",
		    "public.schema_migrations public.spatial_ref_sys audit.log audit.log.2024");
	assert_int_equal(p.nfks, 0);
	assert_int_equal(p.add.n, 0);
	plan_release(&p);
}

static void star_keep_referenced_by_reset_is_fine(void **state)
{
	struct cfg_target t;
	struct cfg_table keep[] = { { NULL, "accounts" } };
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables_all = 1;
	t.keep = keep;
	t.nkeep = 1;
	/* orders (reset) references accounts (kept): TRUNCATE is fine with it */
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	assert_fate(&p,
		    "public.orders public.invoices public.invoice_lines public.events* "
		    "public.vehicles public.cars public.tickets public.drafts public.nodes "
		    "public.line_notes",
		    NULL);
	plan_release(&p);
}

static void kept_table_referencing_reset_is_refused_with_tables_to_add(void **state)
{
	struct cfg_target t;
	struct cfg_table keep[] = { { NULL, "accounts" },
				    { NULL, "invoices" },
				    { NULL, "invoice_lines" },
				    { NULL, "line_notes" } };
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables_all = 1;
	t.keep = keep;
	t.nkeep = 4;
	assert_int_equal(plan_build(&p, &t, &cat), 1);
	assert_int_equal(p.nfks, 1);
	assert_string_equal(p.fks[0].fk->name, "invoices_order_fk");
	assert_string_equal(p.fks[0].table->qualified, "public.invoices");
	assert_string_equal(p.fks[0].references->qualified, "public.orders");
	/* adding invoices exposes invoice_lines, which exposes line_notes */
	assert_list(&p.add, "public.invoices|public.invoice_lines|public.line_notes");
	plan_release(&p);
}

static void foreign_key_of_a_partition_counts_for_its_parent(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "orders" },
				      { NULL, "invoices" },
				      { NULL, "invoice_lines" },
				      { NULL, "line_notes" } };
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables = tables;
	t.ntables = 4;
	assert_int_equal(plan_build(&p, &t, &cat), 1);
	assert_int_equal(p.nfks, 1);
	assert_string_equal(p.fks[0].fk->name, "events_2024_order_fk");
	assert_string_equal(p.fks[0].table->qualified, "public.events");
	assert_list(&p.add, "public.events");
	plan_release(&p);
}

static void self_reference_and_reset_to_kept_are_fine(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "nodes" }, { NULL, "line_notes" } };
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables = tables;
	t.ntables = 2;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	/* line_notes references invoice_lines (kept); nodes references itself */
	assert_fate(&p, "public.nodes public.line_notes", NULL);
	plan_release(&p);
}

static void explicit_names_qualified_and_dotted(void **state)
{
	struct cfg_target t;
	/* {"schema","table"} holds the dot; "audit.log" is written qualified;
	 * listed explicitly, migration history and an extension's table reset */
	struct cfg_table tables[] = { { "audit", "log" },
				      { "audit", "log.2024" },
				      { NULL, "schema_migrations" },
				      { NULL, "spatial_ref_sys" } };
	struct plan p;
	char *sql;

	(void)state;
	target_base(&t);
	t.tables = tables;
	t.ntables = 4;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	assert_fate(&p, "public.schema_migrations public.spatial_ref_sys audit.log audit.log.2024",
		    NULL);
	sql = plan_truncate_sql(&p);
	assert_string_equal(sql, "TRUNCATE ONLY \"public\".\"schema_migrations\", ONLY "
				 "\"public\".\"spatial_ref_sys\", ONLY \"audit\".\"log\", ONLY "
				 "\"audit\".\"log.2024\" RESTART IDENTITY");
	free(sql);
	plan_release(&p);
}

static void unqualified_names_follow_schemas_order(void **state)
{
	struct cfg_target t;
	char *schemas[] = { "audit", "public" };
	struct cfg_table tables[] = { { NULL, "log" }, { NULL, "tickets" } };
	struct plan p;

	(void)state;
	target_base(&t);
	t.schemas.v = schemas;
	t.schemas.n = 2;
	t.tables = tables;
	t.ntables = 2;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	assert_fate(&p, "public.tickets audit.log", NULL);
	plan_release(&p);
}

static void every_name_must_exist(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "tickets" },
				      { NULL, "tikets" },
				      { "audit", "nope" } };
	struct cfg_table keep[] = { { NULL, "acounts" } };
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables = tables;
	t.ntables = 3;
	t.keep = keep;
	t.nkeep = 1;
	assert_int_equal(plan_build(&p, &t, &cat), 3);
	assert_list(&p.missing, "tikets|audit.nope|acounts");
	/* a plan with a wrong name empties nothing */
	assert_int_equal(plan_nreset(&p), 0);
	assert_null(plan_truncate_sql(&p));
	plan_release(&p);
}

/* A name in two schemas: unqualified, the first of reset.schemas that has
 * it; qualified, that schema's or missing (never another schema's). */
static void same_name_in_two_schemas(void **state)
{
	static const char doc[] =
	    "{\"tables\": ["
	    "{\"oid\":1,\"schema\":\"public\",\"name\":\"tickets\",\"kind\":\"r\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
	    "{\"oid\":2,\"schema\":\"audit\",\"name\":\"tickets\",\"kind\":\"r\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
	    "{\"oid\":3,\"schema\":\"audit\",\"name\":\"log\",\"kind\":\"r\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false}"
	    "],\"sequences\": [], \"defaults\": [], \"foreign_keys\": []}";
	char *audit_first[] = { "audit", "public" }, *public_first[] = { "public", "audit" };
	struct cfg_table tables[] = { { NULL, "tickets" } };
	struct cfg_table qualified[] = { { "public", "log" } };
	struct strbuf err = STRBUF_INIT;
	struct cfg_target t;
	struct catalog c;
	struct plan p;

	(void)state;
	assert_int_equal(catalog_parse(&c, doc, strlen(doc), &err), 0);
	target_init(&t);
	t.tables = tables;
	t.ntables = 1;
	t.schemas.v = audit_first;
	t.schemas.n = 2;
	assert_int_equal(plan_build(&p, &t, &c), 0);
	assert_fate(&p, "audit.tickets", "public.tickets audit.log");
	plan_release(&p);
	t.schemas.v = public_first;
	assert_int_equal(plan_build(&p, &t, &c), 0);
	assert_fate(&p, "public.tickets", "audit.tickets audit.log");
	plan_release(&p);
	t.schemas.v = audit_first;
	t.tables = qualified;
	assert_int_equal(plan_build(&p, &t, &c), 1);
	assert_list(&p.missing, "public.log");
	assert_int_equal(plan_nreset(&p), 0);
	plan_release(&p);
	catalog_release(&c);
	strbuf_release(&err);
}

static void views_and_partitions_are_no_tables_to_name(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "open_orders" },
				      { NULL, "events_2024" },
				      { NULL, "remote" },
				      { NULL, "totals" } };
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables = tables;
	t.ntables = 4;
	assert_int_equal(plan_build(&p, &t, &cat), 4);
	assert_list(&p.not_tables, "'public.open_orders' is a view|'public.events_2024' is a "
				   "partition of 'public.events': name its parent|'public.remote' "
				   "is a foreign table|'public.totals' is a materialized view");
	assert_int_equal(p.missing.n, 0);
	plan_release(&p);
}

static void partitioned_whole_inheritance_parent_only(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "vehicles" }, { NULL, "events" } };
	struct plan p;
	char *sql;

	(void)state;
	target_base(&t);
	t.tables = tables;
	t.ntables = 2;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	/* cars, the child of vehicles, is a table of its own: kept */
	assert_fate(
	    &p, "public.events* public.vehicles",
	    "public.accounts public.orders public.invoices public.invoice_lines "
	    "public.cars public.tickets public.drafts public.schema_migrations "
	    "public.spatial_ref_sys audit.log audit.log.2024 public.nodes public.line_notes");
	sql = plan_truncate_sql(&p);
	assert_string_equal(
	    sql, "TRUNCATE \"public\".\"events\", ONLY \"public\".\"vehicles\" RESTART IDENTITY");
	free(sql);
	plan_release(&p);
}

/* What reset LOCKs (the reset tables, partitioned ones whole) and counts. */
static void pg_tables_of_the_plan(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "vehicles" }, { NULL, "events" } };
	struct plan p;
	struct pg_table *v;
	size_t n;

	(void)state;
	target_base(&t);
	t.tables = tables;
	t.ntables = 2;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	v = plan_pg_tables(&p, 1, &n);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].rows, -1);
		if (!strcmp(v[i].qualified, "public.events"))
			assert_int_equal(v[i].kind, 'p');
		else
			assert_string_equal(v[i].qualified, "public.vehicles");
	}
	free(v);
	v = plan_pg_tables(&p, 0, &n);
	assert_int_equal(n, p.ntables);
	assert_string_equal(v[0].qualified, p.tables[0].t->qualified);
	assert_string_equal(v[0].schema, p.tables[0].t->schema);
	free(v);
	plan_release(&p);
}

static void owned_and_stand_alone_sequences(void **state)
{
	struct cfg_target t;
	struct cfg_table keep[] = { { NULL, "accounts" } };
	struct strlist sql = STRLIST_INIT;
	struct plan p;

	(void)state;
	target_base(&t);
	t.tables_all = 1;
	t.keep = keep;
	t.nkeep = 1;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	/* accounts_id_seq: owned by a kept table; shared_no: used by drafts
	 * (reset) and accounts (kept); unused_no: used by nobody; event_no:
	 * used by a partition's default, so by events; events_2024_no: owned
	 * by a partition, so by events */
	assert_sequences(&p, "public.orders_id_seq public.events_id_seq public.vehicles_id_seq "
			     "public.ticket_no! public.event_no! public.events_2024_no");
	plan_sequence_sql(&sql, &p);
	assert_list(&sql, "ALTER SEQUENCE \"public\".\"ticket_no\" RESTART|"
			  "ALTER SEQUENCE \"public\".\"event_no\" RESTART");
	strlist_clear(&sql);
	plan_release(&p);

	/* nothing kept uses shared_no any more: restarted too */
	t.nkeep = 0;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	assert_sequences(&p, "public.accounts_id_seq public.orders_id_seq public.events_id_seq "
			     "public.vehicles_id_seq public.ticket_no! public.shared_no! "
			     "public.event_no! public.events_2024_no");
	plan_release(&p);
}

static void restart_identity_false_restarts_nothing(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "tickets" }, { NULL, "events" } };
	struct strlist sql = STRLIST_INIT;
	struct plan p;
	char *tr;

	(void)state;
	target_base(&t);
	t.restart_identity = 0;
	t.tables = tables;
	t.ntables = 2;
	assert_int_equal(plan_build(&p, &t, &cat), 0);
	assert_int_equal(p.nsequences, 0);
	plan_sequence_sql(&sql, &p);
	assert_int_equal(sql.n, 0);
	tr = plan_truncate_sql(&p);
	assert_string_equal(tr, "TRUNCATE \"public\".\"events\", ONLY \"public\".\"tickets\"");
	free(tr);
	plan_release(&p);
}

static void quoting_needs_no_connection(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "MixedCase", "\"MixedCase\"" },
		{ "with space", "\"with space\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "select", "\"select\"" },
		{ "ünïcode", "\"ünïcode\"" },
		{ "a;b--", "\"a;b--\"" },
		{ "\"", "\"\"\"\"" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *q = plan_quote_ident(cases[i].in);
		assert_string_equal(q, cases[i].out);
		free(q);
	}
	char *q = plan_quote_qualified("Audit \"x\"", "log.2024");
	assert_string_equal(q, "\"Audit \"\"x\"\"\".\"log.2024\"");
	free(q);
}

static void quoted_names_in_statements(void **state)
{
	static const char doc[] =
	    "{\"tables\":["
	    "{\"oid\":1,\"schema\":\"public\",\"name\":\"MixedCase\",\"kind\":\"r\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
	    "{\"oid\":2,\"schema\":\"public\",\"name\":\"with space\",\"kind\":\"r\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
	    "{\"oid\":3,\"schema\":\"public\",\"name\":\"select\",\"kind\":\"p\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
	    "{\"oid\":4,\"schema\":\"public\",\"name\":\"\\u00fcn\\u00efcode\",\"kind\":\"r\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false},"
	    "{\"oid\":5,\"schema\":\"my schema\",\"name\":\"a\\\"b\",\"kind\":\"r\","
	    "\"partition_of\":null,\"inherits\":[],\"extension\":false}],"
	    "\"sequences\":[{\"oid\":9,\"schema\":\"public\",\"name\":\"Seq \\\"1\\\"\","
	    "\"owner\":null,\"column\":null}],"
	    "\"defaults\":[{\"table\":2,\"column\":\"n\",\"sequence\":9}],\"foreign_keys\":[]}";
	char *schemas[] = { "public", "my schema" };
	struct strbuf err = STRBUF_INIT;
	struct strlist seq = STRLIST_INIT;
	struct catalog c;
	struct cfg_target t;
	struct plan p;
	char *sql;

	(void)state;
	assert_int_equal(catalog_parse(&c, doc, strlen(doc), &err), 0);
	target_base(&t);
	t.schemas.v = schemas;
	t.schemas.n = 2;
	t.tables_all = 1;
	assert_int_equal(plan_build(&p, &t, &c), 0);
	sql = plan_truncate_sql(&p);
	assert_string_equal(sql, "TRUNCATE ONLY \"public\".\"MixedCase\", ONLY \"public\".\"with "
				 "space\", \"public\".\"select\", ONLY \"public\".\"ünïcode\", "
				 "ONLY \"my schema\".\"a\"\"b\" RESTART IDENTITY");
	plan_sequence_sql(&seq, &p);
	assert_list(&seq, "ALTER SEQUENCE \"public\".\"Seq \"\"1\"\"\" RESTART");
	free(sql);
	strlist_clear(&seq);
	plan_release(&p);
	catalog_release(&c);
	strbuf_release(&err);
}

static void parses_a_real_catalog(void **state)
{
	const char *env = getenv("DOCKRESET_FIXTURES");
	char *path =
	    xasprintf("%s/catalog-planner.json", env && *env ? env : "tests/unit/fixtures");
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct catalog c;
	const struct catalog_table *ev = NULL, *cars;
	const struct catalog_sequence *s;

	(void)state;
	if (read_file_max(&text, path, 1 << 20) < 0)
		fail_msg("cannot read '%s'", path);
	assert_int_equal(catalog_parse(&c, text.buf, text.len, &err), 0);
	assert_int_equal(c.ntables, 17);
	assert_int_equal(c.nsequences, 12);
	assert_int_equal(c.nfks, 3);
	for (size_t i = 0; i < c.ntables; i++)
		if (!strcmp(c.tables[i].name, "events_2024"))
			ev = &c.tables[i];
	assert_non_null(ev);
	assert_string_equal(catalog_table(&c, ev->partition_of)->qualified, "public.events");
	cars = NULL;
	for (size_t i = 0; i < c.ntables; i++)
		if (!strcmp(c.tables[i].name, "cars"))
			cars = &c.tables[i];
	assert_non_null(cars);
	assert_int_equal(cars->ninherits, 1);
	assert_string_equal(catalog_table(&c, cars->inherits[0])->name, "vehicles");
	s = NULL;
	for (size_t i = 0; i < c.nsequences; i++)
		if (!strcmp(c.sequences[i].name, "orders_id_seq"))
			s = &c.sequences[i];
	assert_non_null(s);
	assert_string_equal(catalog_table(&c, s->owner)->name, "orders");
	assert_string_equal(s->column, "id");
	for (size_t i = 0; i < c.nfks; i++) {
		if (strcmp(c.fks[i].name, "invoices_order_fk"))
			continue;
		assert_int_equal(c.fks[i].columns.n, 1);
		assert_string_equal(c.fks[i].columns.v[0], "order_id");
		assert_int_equal(c.fks[i].referenced_columns.n, 1);
		assert_string_equal(c.fks[i].referenced_columns.v[0], "id");
		s = NULL;
	}
	assert_null(s);
	catalog_release(&c);
	strbuf_release(&text);
	strbuf_release(&err);
	free(path);
}

/* A key's columns in its order, any character in a name; the foreign keys
 * alone (CATALOG_FKS_QUERY's document) read the same way. */
static void foreign_key_columns_are_read(void **state)
{
	static const char fks[] =
	    "[{\"name\":\"k\",\"table\":2,\"references\":1,\"columns\":[\"ref\\nid\","
	    "\"key col\"],\"referenced_columns\":[\"id\",\"\\u00fcn\\\"q\"]}]";
	struct strbuf err = STRBUF_INIT;
	struct catalog c;

	(void)state;
	assert_int_equal(catalog_parse_fks(&c, fks, strlen(fks), &err), 0);
	assert_int_equal(c.nfks, 1);
	assert_int_equal(c.ntables, 0);
	assert_string_equal(c.fks[0].name, "k");
	assert_int_equal(c.fks[0].table, 2);
	assert_int_equal(c.fks[0].references, 1);
	assert_int_equal(c.fks[0].columns.n, 2);
	assert_string_equal(c.fks[0].columns.v[0], "ref\nid");
	assert_string_equal(c.fks[0].columns.v[1], "key col");
	assert_int_equal(c.fks[0].referenced_columns.n, 2);
	assert_string_equal(c.fks[0].referenced_columns.v[0], "id");
	assert_string_equal(c.fks[0].referenced_columns.v[1], "\xc3\xbcn\"q");
	catalog_release(&c);

	assert_int_equal(catalog_parse_fks(&c, "{}", 2, &err), -1);
	assert_string_equal(err.buf, "foreign_keys: not an array");
	assert_int_equal(c.nfks, 0);
	strbuf_reset(&err);
	assert_int_equal(
	    catalog_parse_fks(&c,
			      "[{\"name\":\"k\",\"table\":2,\"references\":1,"
			      "\"columns\":[\"a\"],\"referenced_columns\":[\"\"]}]",
			      strlen("[{\"name\":\"k\",\"table\":2,\"references\":1,"
				     "\"columns\":[\"a\"],\"referenced_columns\":[\"\"]}]"),
			      &err),
	    -1);
	assert_string_equal(err.buf,
			    "foreign_keys[0].referenced_columns[0]: not a non-empty string");
	assert_int_equal(c.nfks, 0);
	assert_null(c.fks);
	strbuf_release(&err);
}

static void bad_catalog_documents_are_errors(void **state)
{
	static const struct {
		const char *doc, *err;
	} cases[] = {
		{ "", "line 1, column 0: " },
		{ "[]", "not a JSON object" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[]}", "foreign_keys: missing" },
		{ "{\"tables\":{},\"sequences\":[],\"defaults\":[],\"foreign_keys\":[]}",
		  "tables: not an array" },
		{ "{\"tables\":[1],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[]}",
		  "tables[0]: not an object" },
		{ "{\"tables\":[{\"oid\":1,\"schema\":\"s\",\"name\":\"t\",\"kind\":\"r\","
		  "\"partition_of\":null,\"inherits\":[]}],\"sequences\":[],\"defaults\":[],"
		  "\"foreign_keys\":[]}",
		  "tables[0].extension: missing" },
		{ "{\"tables\":[{\"oid\":\"1\",\"schema\":\"s\",\"name\":\"t\",\"kind\":\"r\","
		  "\"partition_of\":null,\"inherits\":[],\"extension\":false}],\"sequences\":[],"
		  "\"defaults\":[],\"foreign_keys\":[]}",
		  "tables[0].oid: not an oid" },
		{ "{\"tables\":[{\"oid\":-4,\"schema\":\"s\",\"name\":\"t\",\"kind\":\"r\","
		  "\"partition_of\":null,\"inherits\":[],\"extension\":false}],\"sequences\":[],"
		  "\"defaults\":[],\"foreign_keys\":[]}",
		  "tables[0].oid: not an oid" },
		{ "{\"tables\":[{\"oid\":1,\"schema\":\"s\",\"name\":\"t\",\"kind\":\"S\","
		  "\"partition_of\":null,\"inherits\":[],\"extension\":false}],\"sequences\":[],"
		  "\"defaults\":[],\"foreign_keys\":[]}",
		  "tables[0].kind: 'S' is not one of r, p, v, f, m" },
		{ "{\"tables\":[{\"oid\":1,\"schema\":\"s\",\"name\":\"t\",\"kind\":\"r\","
		  "\"partition_of\":null,\"inherits\":[2, true],\"extension\":false}],"
		  "\"sequences\":[],\"defaults\":[],\"foreign_keys\":[]}",
		  "tables[0].inherits[1]: not an oid" },
		{ "{\"tables\":[],\"sequences\":[{\"oid\":1,\"schema\":\"s\",\"name\":7}],"
		  "\"defaults\":[],\"foreign_keys\":[]}",
		  "sequences[0].name: not a non-empty string" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[{\"table\":1,\"column\":\"c\"}],"
		  "\"foreign_keys\":[]}",
		  "defaults[0].sequence: missing" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"\","
		  "\"table\":1,\"references\":2}]}",
		  "foreign_keys[0].name: not a non-empty string" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"k\","
		  "\"table\":1,\"references\":4294967296}]}",
		  "foreign_keys[0].references: not an oid" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"k\",\"table\":1,\"references\":2,\"referenced_columns\":[\"id\"]}]}",
		  "foreign_keys[0].columns: missing" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"k\",\"table\":1,\"references\":2,\"columns\":\"a\\nb\","
		  "\"referenced_columns\":[\"id\"]}]}",
		  "foreign_keys[0].columns: not an array" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"k\",\"table\":1,\"references\":2,\"columns\":[],"
		  "\"referenced_columns\":[]}]}",
		  "foreign_keys[0].columns: empty" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"k\",\"table\":1,\"references\":2,\"columns\":[\"a\",\"\"],"
		  "\"referenced_columns\":[\"id\",\"x\"]}]}",
		  "foreign_keys[0].columns[1]: not a non-empty string" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"k\",\"table\":1,\"references\":2,\"columns\":[\"a\"],"
		  "\"referenced_columns\":[7]}]}",
		  "foreign_keys[0].referenced_columns[0]: not a non-empty string" },
		{ "{\"tables\":[],\"sequences\":[],\"defaults\":[],\"foreign_keys\":[{\"name\":"
		  "\"k\",\"table\":1,\"references\":2,\"columns\":[\"a\",\"b\"],"
		  "\"referenced_columns\":[\"id\"]}]}",
		  "foreign_keys[0].referenced_columns: 1 names for 2 columns" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		struct catalog c;
		assert_int_equal(catalog_parse(&c, cases[i].doc, strlen(cases[i].doc), &err), -1);
		if (strncmp(err.buf, cases[i].err, strlen(cases[i].err)))
			fail_msg("case %zu: got '%s', want '%s'", i, err.buf, cases[i].err);
		assert_int_equal(c.ntables, 0);
		assert_null(c.tables);
		strbuf_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(foreign_key_columns_are_read),
		cmocka_unit_test(migration_table_list),
		cmocka_unit_test(star_leaves_out_what_spec_excludes),
		cmocka_unit_test(star_keep_referenced_by_reset_is_fine),
		cmocka_unit_test(kept_table_referencing_reset_is_refused_with_tables_to_add),
		cmocka_unit_test(foreign_key_of_a_partition_counts_for_its_parent),
		cmocka_unit_test(self_reference_and_reset_to_kept_are_fine),
		cmocka_unit_test(explicit_names_qualified_and_dotted),
		cmocka_unit_test(unqualified_names_follow_schemas_order),
		cmocka_unit_test(every_name_must_exist),
		cmocka_unit_test(same_name_in_two_schemas),
		cmocka_unit_test(views_and_partitions_are_no_tables_to_name),
		cmocka_unit_test(partitioned_whole_inheritance_parent_only),
		cmocka_unit_test(pg_tables_of_the_plan),
		cmocka_unit_test(owned_and_stand_alone_sequences),
		cmocka_unit_test(restart_identity_false_restarts_nothing),
		cmocka_unit_test(quoting_needs_no_connection),
		cmocka_unit_test(quoted_names_in_statements),
		cmocka_unit_test(parses_a_real_catalog),
		cmocka_unit_test(bad_catalog_documents_are_errors),
	};
	return cmocka_run_group_tests(tests, cat_setup, cat_teardown);
}
