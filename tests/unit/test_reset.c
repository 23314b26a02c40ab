/*
 * test_reset.c - the reset plan's TRUNCATE, and the checks of redis-cli's
 * replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cache.h"
#include "reset.h"

static struct pg_table catalog[] = {
	{ "public", "bot_settings", "public.bot_settings", 'r', 0 },
	{ "public", "events", "public.events", 'p', 0 },
	{ "public", "tickets", "public.tickets", 'r', 0 },
	{ "we\"ird", "a b", "we\"ird.a b", 'r', 0 },
};
#define N ARRAY_SIZE(catalog)

static char *public_only[] = { "public" };

static void target_init(struct cfg_target *t)
{
	memset(t, 0, sizeof(*t));
	t->name = "x";
	t->schemas.v = public_only;
	t->schemas.n = 1;
	t->restart_identity = 1;
}

static void truncate_only_but_partitioned_whole(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "tickets" },
				      { NULL, "events" },
				      { "we\"ird", "a b" } };
	struct strlist missing = STRLIST_INIT;
	struct reset_plan p;

	(void)state;
	target_init(&t);
	t.tables = tables;
	t.ntables = 3;
	assert_int_equal(reset_build_plan(&p, &t, catalog, N, &missing), 0);
	assert_int_equal(p.ntables, 3);
	assert_string_equal(p.truncate_sql,
			    "TRUNCATE \"public\".\"events\", ONLY \"public\".\"tickets\", "
			    "ONLY \"we\"\"ird\".\"a b\" RESTART IDENTITY");
	assert_int_equal(p.reset[0], 0);
	assert_int_equal(p.reset[1], 1);
	assert_string_equal(p.tables[0].qualified, "public.events");
	assert_int_equal(p.tables[0].kind, 'p');
	reset_plan_release(&p);
	strlist_clear(&missing);
}

static void no_restart_identity(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "tickets" } };
	struct strlist missing = STRLIST_INIT;
	struct reset_plan p;

	(void)state;
	target_init(&t);
	t.tables = tables;
	t.ntables = 1;
	t.restart_identity = 0;
	assert_int_equal(reset_build_plan(&p, &t, catalog, N, &missing), 0);
	assert_string_equal(p.truncate_sql, "TRUNCATE ONLY \"public\".\"tickets\"");
	reset_plan_release(&p);
	strlist_clear(&missing);
}

static void missing_table_is_exit_2(void **state)
{
	struct cfg_target t;
	struct cfg_table tables[] = { { NULL, "tickets" }, { NULL, "tikets" } };
	struct strlist missing = STRLIST_INIT;
	struct reset_plan p;

	(void)state;
	target_init(&t);
	t.tables = tables;
	t.ntables = 2;
	assert_int_equal(reset_build_plan(&p, &t, catalog, N, &missing), 2);
	assert_int_equal(missing.n, 1);
	assert_string_equal(missing.v[0], "tikets");
	assert_null(p.truncate_sql);
	reset_plan_release(&p);
	strlist_clear(&missing);
}

static void nothing_to_reset(void **state)
{
	struct cfg_target t;
	struct strlist missing = STRLIST_INIT;
	struct reset_plan p;

	(void)state;
	target_init(&t);
	assert_int_equal(reset_build_plan(&p, &t, catalog, N, &missing), 0);
	assert_int_equal(p.ntables, 0);
	assert_null(p.truncate_sql);
	reset_plan_release(&p);
}

static void redis_databases_reply(void **state)
{
	(void)state;
	assert_int_equal(cache_parse_databases("databases\n16\n"), 16);
	assert_int_equal(cache_parse_databases("databases\n16"), 16);
	assert_int_equal(cache_parse_databases("NOAUTH Authentication required.\n"), -1);
	assert_int_equal(cache_parse_databases(""), -1);
	assert_int_equal(cache_parse_databases("maxmemory\n16\n"), -1);
	assert_int_equal(cache_parse_databases("databases\n"), -1);
	assert_int_equal(cache_parse_databases("databases\n16\nextra\n"), -1);
	assert_int_equal(cache_parse_databases("databases\n0\n"), -1);
}

static void redis_ok_reply(void **state)
{
	(void)state;
	assert_true(cache_reply_ok("OK\n"));
	assert_true(cache_reply_ok("OK"));
	assert_false(cache_reply_ok(""));
	assert_false(cache_reply_ok("NOAUTH Authentication required.\n"));
	assert_false(cache_reply_ok("OK\nOK\n"));
	assert_false(cache_reply_ok("(error) ERR DB index is out of range\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(truncate_only_but_partitioned_whole),
		cmocka_unit_test(no_restart_identity),
		cmocka_unit_test(missing_table_is_exit_2),
		cmocka_unit_test(nothing_to_reset),
		cmocka_unit_test(redis_databases_reply),
		cmocka_unit_test(redis_ok_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
