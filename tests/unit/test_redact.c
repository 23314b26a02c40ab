/*
 * test_redact.c - the redaction step, escapes for people, stat values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "redact.h"

static int reset(void **state)
{
	(void)state;
	redact_clear();
	return 0;
}

/* redact(in) must be want. */
static void expect_redacted(const char *in, const char *want)
{
	char *got = redact(in);

	assert_string_equal(got, want);
	free(got);
}

static void expect_escaped(const char *in, size_t n, const char *want)
{
	char *got = redact_escape_n(in, n);

	assert_string_equal(got, want);
	free(got);
}

static void registered_secret_everywhere(void **state)
{
	(void)state;
	redact_add_secret("hunter2");
	expect_redacted("auth failed for hunter2; retry hunter2hunter2",
			"auth failed for ***; retry ***");
	expect_redacted("nothing here", "nothing here");
	expect_redacted("", "");
}

static void short_secret_still_redacted(void **state)
{
	(void)state;
	redact_add_secret("x7");
	expect_redacted("ax7b x7", "a***b ***");
	redact_add_secret("");
	redact_add_secret(NULL);
	expect_redacted("plain", "plain");
}

static void overlapping_secrets_mask_once(void **state)
{
	(void)state;
	redact_add_secret("abc");
	redact_add_secret("bcdef");
	expect_redacted("xabcdefy", "x***y");
}

static void clear_forgets(void **state)
{
	(void)state;
	redact_add_secret("hunter2");
	redact_clear();
	expect_redacted("hunter2", "hunter2");
}

static void password_keyword(void **state)
{
	(void)state;
	expect_redacted("host=db password=s3cr3t user=bot", "host=db password=*** user=bot");
	expect_redacted("password = 'a b\\'c' dbname=x", "password = *** dbname=x");
	expect_redacted("PGPASSWORD=s3cr3t", "PGPASSWORD=***");
	expect_redacted("?sslmode=off&password=p%41ss&user=u", "?sslmode=off&password=***&user=u");
	expect_redacted("password authentication failed for user \"bot\"",
			"password authentication failed for user \"bot\"");
	expect_redacted("password=", "password=");
}

static void url_with_and_without_port(void **state)
{
	(void)state;
	expect_redacted("postgresql://bot:SECRET@db:5432/app", "postgresql://bot:***@db:5432/app");
	expect_redacted("postgres://bot:SECRET@db/app", "postgres://bot:***@db/app");
	expect_redacted("could not connect to \"postgresql://bot:SECRET@db\": refused",
			"could not connect to \"postgresql://bot:***@db\": refused");
	expect_redacted("postgresql://bot@db:5432/app", "postgresql://bot@db:5432/app");
	expect_redacted("unix:///var/run/docker.sock", "unix:///var/run/docker.sock");
}

static void unparseable_urls(void **state)
{
	(void)state;
	expect_redacted("invalid URI: \"postgresql://bot:SECRET@[::1\"",
			"invalid URI: \"postgresql://bot:***@[::1\"");
	expect_redacted("postgresql://bot:SECRET%zz@host/db", "postgresql://bot:***@host/db");
	expect_redacted("postgresql://bot:p@ss/w@host/db", "postgresql://bot:***@host/db");
}

static void conninfo_registers_its_password(void **state)
{
	(void)state;
	/* parsed: the decoded password and its raw, encoded form */
	redact_add_conninfo("postgresql://bot:p%41ss@db/app");
	expect_redacted("bad password pAss", "bad password ***");
	expect_redacted("bad password p%41ss", "bad password ***");
	redact_clear();
	/* not parsed: what stands between ':' and '@' */
	redact_add_conninfo("postgresql://bot:SECRET@[::1");
	expect_redacted("no SECRET here", "no *** here");
	redact_clear();
	redact_add_conninfo("postgresql://bot:SECRET%zz@host");
	expect_redacted("SECRET%zz and SECRET", "*** and SECRET");
	redact_clear();
	redact_add_conninfo("host=db password='q w' user=bot");
	expect_redacted("got q w", "got ***");
}

static void escapes_controls(void **state)
{
	(void)state;
	expect_escaped("x\033[2J\033]0;PWN\a\nfake-row", 22, "x\\e[2J\\e]0;PWN\\a\\nfake-row");
	expect_escaped("a\tb\rc\bd\ve\ff", 11, "a\\tb\\rc\\bd\\ve\\ff");
	expect_escaped("del\x7f", 4, "del\\x7f");
	expect_escaped("nul\0x\x01", 6, "nul\\x00x\\x01");
	/* C1 controls encoded in UTF-8, and bidi overrides */
	expect_escaped("csi\xc2\x9b"
		       "31m",
		       8, "csi\\u009b31m");
	expect_escaped("a\xe2\x80\xae"
		       "b",
		       5, "a\\u202eb");
	expect_escaped("l\xe2\x80\xa8"
		       "2",
		       5, "l\\u20282");
	/* the invisible direction marks: RLM, LRM, ALM */
	expect_escaped("r\xe2\x80\x8f"
		       "l\xe2\x80\x8e"
		       "a\xd8\x9c",
		       11, "r\\u200fl\\u200ea\\u061c");
}

static void escapes_invalid_utf8(void **state)
{
	(void)state;
	expect_escaped("\x9b"
		       "31m",
		       4, "\\x9b31m");
	expect_escaped("end\xff", 4, "end\\xff");
	/* overlong forms of '/' and NUL, a surrogate, past U+10FFFF */
	expect_escaped("\xc0\xaf", 2, "\\xc0\\xaf");
	expect_escaped("\xe0\x80\xaf", 3, "\\xe0\\x80\\xaf");
	expect_escaped("\xc1\xbf", 2, "\\xc1\\xbf");
	expect_escaped("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
	expect_escaped("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80");
	/* a sequence cut short, by the end or by another character */
	expect_escaped("\xe6\x97", 2, "\\xe6\\x97");
	expect_escaped("\xe6"
		       "a",
		       2, "\\xe6a");
}

static void keeps_valid_utf8(void **state)
{
	(void)state;
	expect_escaped("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", 17,
		       "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
	expect_escaped("plain 'text' \\ ok", 17, "plain 'text' \\ ok");
}

static void for_people_redacts_then_escapes(void **state)
{
	char *got;

	(void)state;
	redact_add_secret("s\nt");
	got = redact_for_people("a s\nt b\nc");
	assert_string_equal(got, "a *** b\\nc");
	free(got);
}

/* dump_stat_value(in) must be the JSON text want. */
static void expect_stat(const char *in, const char *want)
{
	json_t *v = dump_stat_value(in);
	char *got = json_dumps(v, JSON_ENCODE_ANY);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	json_decref(v);
}

static void stat_values(void **state)
{
	(void)state;
	expect_stat("42", "42");
	expect_stat("-17", "-17");
	expect_stat("-0", "0");
	expect_stat("9223372036854775807", "9223372036854775807");
	expect_stat("-9223372036854775808", "-9223372036854775808");
	expect_stat("9223372036854775808", "\"9223372036854775808\"");
	expect_stat("99999999999999999999", "\"99999999999999999999\"");
	expect_stat("-9223372036854775809", "\"-9223372036854775809\"");
	expect_stat(" 42", "\" 42\"");
	expect_stat("42 ", "\"42 \"");
	expect_stat("+42", "\"+42\"");
	expect_stat("", "\"\"");
	expect_stat("-", "\"-\"");
	expect_stat("1e3", "\"1e3\"");
	expect_stat("3.5", "\"3.5\"");
	expect_stat("0x10", "\"0x10\"");
}

static void stat_string_redacted(void **state)
{
	(void)state;
	redact_add_secret("hunter2");
	expect_stat("pw is hunter2", "\"pw is ***\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(registered_secret_everywhere, reset, reset),
		cmocka_unit_test_setup_teardown(short_secret_still_redacted, reset, reset),
		cmocka_unit_test_setup_teardown(overlapping_secrets_mask_once, reset, reset),
		cmocka_unit_test_setup_teardown(clear_forgets, reset, reset),
		cmocka_unit_test_setup_teardown(password_keyword, reset, reset),
		cmocka_unit_test_setup_teardown(url_with_and_without_port, reset, reset),
		cmocka_unit_test_setup_teardown(unparseable_urls, reset, reset),
		cmocka_unit_test_setup_teardown(conninfo_registers_its_password, reset, reset),
		cmocka_unit_test_setup_teardown(escapes_controls, reset, reset),
		cmocka_unit_test_setup_teardown(escapes_invalid_utf8, reset, reset),
		cmocka_unit_test_setup_teardown(keeps_valid_utf8, reset, reset),
		cmocka_unit_test_setup_teardown(for_people_redacts_then_escapes, reset, reset),
		cmocka_unit_test_setup_teardown(stat_values, reset, reset),
		cmocka_unit_test_setup_teardown(stat_string_redacted, reset, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
