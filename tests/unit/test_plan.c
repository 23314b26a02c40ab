/*
 * test_plan.c - which tables a reset empties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "plan.h"

static struct pg_table catalog[] = {
	{ "public", "bot_settings", "public.bot_settings", 'r', 0 },
	{ "public", "tickets", "public.tickets", 'r', 0 },
	{ "public", "ticket_messages", "public.ticket_messages", 'r', 0 },
	{ "public", "schema_migrations", "public.schema_migrations", 'r', 0 },
	{ "public", "events", "public.events", 'p', 0 },
	{ "audit", "tickets", "audit.tickets", 'r', 0 },
	{ "audit", "log.2024", "audit.log.2024", 'r', 0 },
};
#define N ARRAY_SIZE(catalog)

static char *public_only[] = { "public" };

static void target_init(struct cfg_target *t)
{
	memset(t, 0, sizeof(*t));
	t->name = "x";
	t->schemas.v = public_only;
	t->schemas.n = 1;
}

static void explicit_list(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "tickets" }, { "audit", "log.2024" } };
	struct strlist missing = STRLIST_INIT;
	int reset[N];

	(void)state;
	target_init(&t);
	t.tables = tables;
	t.ntables = 2;
	assert_int_equal(plan_select_tables(&t, catalog, N, reset, &missing), 0);
	int want[N] = { 0, 1, 0, 0, 0, 0, 1 };
	assert_memory_equal(reset, want, sizeof(want));
	strlist_clear(&missing);
}

static void unqualified_uses_schemas_in_order(void **state)
{
	struct cfg_target t;
	char *schemas[] = { "audit", "public" };
	struct cfg_table tables[] = { { NULL, "tickets" } };
	struct strlist missing = STRLIST_INIT;
	int reset[N];

	(void)state;
	target_init(&t);
	t.schemas.v = schemas;
	t.schemas.n = 2;
	t.tables = tables;
	t.ntables = 1;
	plan_select_tables(&t, catalog, N, reset, &missing);
	assert_int_equal(reset[1], 0);
	assert_int_equal(reset[5], 1);
	strlist_clear(&missing);
}

static void star_with_keep_skips_migrations(void **state)
{
	struct cfg_target t;
	struct cfg_table keep[] = { { NULL, "bot_settings" } };
	struct strlist missing = STRLIST_INIT;
	int reset[N];

	(void)state;
	target_init(&t);
	t.tables_all = 1;
	t.keep = keep;
	t.nkeep = 1;
	assert_int_equal(plan_select_tables(&t, catalog, N, reset, &missing), 0);
	int want[N] = { 0, 1, 1, 0, 1, 0, 0 };
	assert_memory_equal(reset, want, sizeof(want));
	strlist_clear(&missing);
}

static void missing_names_are_reported(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "tikets" }, { "audit", "events" } };
	struct cfg_table keep[] = { { NULL, "nope" } };
	struct strlist missing = STRLIST_INIT;
	int reset[N];

	(void)state;
	target_init(&t);
	t.tables = tables;
	t.ntables = 2;
	t.keep = keep;
	t.nkeep = 1;
	assert_int_equal(plan_select_tables(&t, catalog, N, reset, &missing), 3);
	assert_string_equal(missing.v[0], "tikets");
	assert_string_equal(missing.v[1], "audit.events");
	assert_string_equal(missing.v[2], "nope");
	for (size_t i = 0; i < N; i++)
		assert_int_equal(reset[i], 0);
	strlist_clear(&missing);
}

static void migration_table_list(void **state)
{
	(void)state;
	assert_true(plan_is_migration_table("_prisma_migrations"));
	assert_true(plan_is_migration_table("knex_migrations"));
	assert_false(plan_is_migration_table("migrations_x"));
	assert_false(plan_is_migration_table("Schema_migrations"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(explicit_list),
		cmocka_unit_test(unqualified_uses_schemas_in_order),
		cmocka_unit_test(star_with_keep_skips_migrations),
		cmocka_unit_test(missing_names_are_reported),
		cmocka_unit_test(migration_table_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
