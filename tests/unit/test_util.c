/*
 * test_util.c - the number reader for texts from a database, a daemon or
 * a file (parse_int64).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>

#include "util.h"

static void test_parse_int64_accepts(void **state)
{
	long long v = 7;

	(void)state;
	assert_int_equal(parse_int64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_int64("-1", -1, 10, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(parse_int64("9223372036854775807", 0, LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MAX);
	assert_int_equal(parse_int64("-9223372036854775808", LLONG_MIN, 0, &v), 0);
	assert_true(v == LLONG_MIN);
	assert_int_equal(parse_int64("0042", 0, 100, &v), 0);
	assert_int_equal(v, 42);
}

static void test_parse_int64_refuses(void **state)
{
	static const char *bad[] = {
		"",
		" 1",
		"1 ",
		"+1",
		"1x",
		"x",
		"-",
		"--1",
		"1\n",
		"0x10",
		"1e3",
		"9223372036854775808",
		"-9223372036854775809",
		"11",
		"-2",
	};
	long long v = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(parse_int64(bad[i], -1, 10, &v), -1);
		assert_int_equal(v, 7);
	}
	assert_int_equal(parse_int64(NULL, 0, 10, &v), -1);
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int64_accepts),
		cmocka_unit_test(test_parse_int64_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
