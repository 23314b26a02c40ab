/*
 * test_cmd_common.c - what the destructive commands share and say the same
 * way: the audit's outcome and first fields, and what a signal makes of an
 * exit code and says (reset, restore).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "sig.h"
#include "ui.h"

/* Runs before any ui_error of this process: the first error is unset. */
static void outcome_failed(void **state)
{
	char *s;

	(void)state;
	s = cmd_outcome_failed(EXIT_COMMAND);
	assert_string_equal(s, "failed: error");
	free(s);
	ui_error("the reset transaction did not commit");
	ui_error("a later error");
	s = cmd_outcome_failed(EXIT_COMMAND);
	assert_string_equal(s, "failed: the reset transaction did not commit");
	free(s);
	s = cmd_outcome_failed(EXIT_SIGINT);
	assert_string_equal(s, "failed: interrupted by SIGINT");
	free(s);
	s = cmd_outcome_failed(EXIT_SIGTERM);
	assert_string_equal(s, "failed: interrupted by SIGTERM");
	free(s);
}

static void outcome_partial(void **state)
{
	struct strlist u = STRLIST_INIT;
	char *s;

	(void)state;
	s = cmd_outcome_partial(&u, "interrupted");
	assert_string_equal(s, "partial: interrupted");
	free(s);
	strlist_push(&u, "flushing cache 'redis-1'");
	s = cmd_outcome_partial(&u, "interrupted");
	assert_string_equal(s, "partial: flushing cache 'redis-1'");
	free(s);
	strlist_push(&u, "app 'web' not running and healthy");
	s = cmd_outcome_partial(&u, "interrupted");
	assert_string_equal(s,
			    "partial: flushing cache 'redis-1'; app 'web' not running and healthy");
	free(s);
	strlist_clear(&u);
}

static void audit_entry(void **state)
{
	json_t *e;
	char *s;

	(void)state;
	e = cmd_audit_entry("reset", "app", "main", "abc123");
	s = json_dumps(e, JSON_COMPACT);
	assert_string_equal(
	    s, "{\"command\":\"reset\",\"target\":\"app\",\"git\":{\"branch\":\"main\",\"commit\":"
	       "\"abc123\"}}");
	free(s);
	json_decref(e);
	e = cmd_audit_entry("seed", "app", NULL, NULL);
	s = json_dumps(e, JSON_COMPACT);
	assert_string_equal(
	    s,
	    "{\"command\":\"seed\",\"target\":\"app\",\"git\":{\"branch\":null,\"commit\":null}}");
	free(s);
	json_decref(e);
}

static void interrupted_without_signal(void **state)
{
	(void)state;
	assert_int_equal(sig_pending(), 0);
	assert_int_equal(cmd_interrupted(0, 1, "reset"), 0);
	assert_int_equal(cmd_interrupted(EXIT_PARTIAL, 1, "reset"), EXIT_PARTIAL);
	assert_int_equal(cmd_interrupted(EXIT_COMMAND, 0, "restore"), EXIT_COMMAND);
}

static void interrupted_by_sigint(void **state)
{
	(void)state;
	sig_init();
	raise(SIGINT);
	assert_int_equal(sig_pending(), SIGINT);
	/* committed: the remaining steps ran */
	assert_int_equal(cmd_interrupted(0, 1, "reset"), EXIT_SIGINT);
	assert_string_equal(
	    ui_last_error(),
	    "interrupted by SIGINT after the reset was committed; the remaining steps ran");
	assert_int_equal(cmd_interrupted(EXIT_PARTIAL, 1, "restore"), EXIT_SIGINT);
	assert_string_equal(
	    ui_last_error(),
	    "interrupted by SIGINT after the restore was committed; the remaining steps ran");
	/* not committed */
	assert_int_equal(cmd_interrupted(EXIT_COMMAND, 0, "reset"), EXIT_SIGINT);
	assert_string_equal(ui_last_error(), "interrupted by SIGINT: the database was not changed");
	/* a failure of its own keeps its code and says nothing more */
	ui_error("marker");
	assert_int_equal(cmd_interrupted(EXIT_DOCKER, 0, "reset"), EXIT_DOCKER);
	assert_string_equal(ui_last_error(), "marker");
	sig_forget();
}

static void interrupted_by_sigterm(void **state)
{
	(void)state;
	sig_init();
	raise(SIGTERM);
	/* an exit code of the other signal becomes this one's */
	assert_int_equal(cmd_interrupted(EXIT_SIGINT, 0, "restore"), EXIT_SIGTERM);
	assert_string_equal(ui_last_error(),
			    "interrupted by SIGTERM: the database was not changed");
	sig_forget();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outcome_failed),
		cmocka_unit_test(outcome_partial),
		cmocka_unit_test(audit_entry),
		cmocka_unit_test(interrupted_without_signal),
		cmocka_unit_test(interrupted_by_sigint),
		cmocka_unit_test(interrupted_by_sigterm),
	};
	struct ui_opts o = { .quiet = 1 };

	ui_init(&o);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
