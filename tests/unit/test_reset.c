/*
 * test_reset.c - the checks of redis-cli's replies after a reset's flush.
 * (The reset's TRUNCATE and sequence restarts are the planner's: test_plan.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cache.h"

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
	assert_int_equal(cache_parse_databases("databases\n 16\n"), -1);
	assert_int_equal(cache_parse_databases("databases\n+16\n"), -1);
	assert_int_equal(cache_parse_databases("databases\n16\n\n"), -1);
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
		cmocka_unit_test(redis_databases_reply),
		cmocka_unit_test(redis_ok_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
