/*
 * test_guard.c - production marker matching: values loosely, branches by
 * glob, environments of the host and of containers; the confirmation each
 * case of SPEC 3 needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

static char *values_v[] = { "production", "prod", "prd", "live" };
static char *names_v[] = { "APP_ENV", "NODE_ENV", "RAILS_ENV" };
static char *branches_v[] = { "production", "prod", "release/*" };

static void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->env_values.v = values_v;
	cfg->env_values.n = ARRAY_SIZE(values_v);
	cfg->env_names.v = names_v;
	cfg->env_names.n = ARRAY_SIZE(names_v);
	cfg->branches.v = branches_v;
	cfg->branches.n = ARRAY_SIZE(branches_v);
}

static void values_match_loosely(void **state)
{
	struct config cfg;

	(void)state;
	config_init(&cfg);
	assert_true(guard_value_matches(&cfg.env_values, "production"));
	assert_true(guard_value_matches(&cfg.env_values, "Production"));
	assert_true(guard_value_matches(&cfg.env_values, "  PROD \t"));
	assert_true(guard_value_matches(&cfg.env_values, "live\n"));
	assert_false(guard_value_matches(&cfg.env_values, "production-like"));
	assert_false(guard_value_matches(&cfg.env_values, "pro d"));
	assert_false(guard_value_matches(&cfg.env_values, ""));
	assert_false(guard_value_matches(&cfg.env_values, "development"));
}

static void branches_match_globs(void **state)
{
	struct config cfg;

	(void)state;
	config_init(&cfg);
	assert_true(guard_branch_matches(&cfg.branches, "production"));
	assert_true(guard_branch_matches(&cfg.branches, "release/1.2"));
	assert_false(guard_branch_matches(&cfg.branches, "release"));
	assert_false(guard_branch_matches(&cfg.branches, "main"));
	assert_false(guard_branch_matches(&cfg.branches, "production2"));
}

static void host_environment(void **state)
{
	struct config cfg;
	struct guard_markers m = { 0 };
	char *env[] = { "PATH=/bin",
			"APP_ENV= Production ",
			"NODE_ENV=development",
			"app_env=production",
			"RAILS_ENV",
			"RAILS_ENV=prd=x",
			NULL };

	(void)state;
	config_init(&cfg);
	guard_scan_env(&m, &cfg, env, "host");
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].kind, "env");
	assert_string_equal(m.v[0].where, "host");
	assert_string_equal(m.v[0].detail, "APP_ENV= Production ");
	guard_markers_release(&m);
}

static void container_env_and_label(void **state)
{
	struct config cfg;
	struct guard_markers m = { 0 };
	struct docker_container *c = NULL;
	json_t *j = json_pack("{s:s, s:s, s:{s:s}, s:{s:[s, s, s], s:{s:s}}}", "Id", "abc", "Name",
			      "/p-db-1", "State", "Status", "running", "Config", "Env",
			      "NODE_ENV=LIVE", "POSTGRES_PASSWORD=x", "APP_ENV=staging", "Labels",
			      "dockreset.production", "True");

	(void)state;
	config_init(&cfg);
	assert_int_equal(docker_container_from_json(&c, j), 0);
	guard_scan_container(&m, &cfg, c);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[0].kind, "label");
	assert_string_equal(m.v[0].where, "container 'p-db-1'");
	assert_string_equal(m.v[1].kind, "env");
	assert_string_equal(m.v[1].detail, "NODE_ENV=LIVE");
	guard_markers_release(&m);
	docker_container_free(c);
	json_decref(j);
}

static void container_with_null_env(void **state)
{
	struct config cfg;
	struct guard_markers m = { 0 };
	struct docker_container *c = NULL;
	json_t *j = json_pack("{s:s, s:s, s:{s:s}, s:{s:n}}", "Id", "abc", "Name", "/x", "State",
			      "Status", "running", "Config", "Env");

	(void)state;
	config_init(&cfg);
	assert_int_equal(docker_container_from_json(&c, j), 0);
	guard_scan_container(&m, &cfg, c);
	assert_int_equal(m.n, 0);
	docker_container_free(c);
	json_decref(j);
}

static void markers_json(void **state)
{
	struct guard_markers m = { 0 };
	json_t *j;

	(void)state;
	guard_markers_add(&m, "branch", "/repo", 1, "cannot open: %s", "owned by someone else");
	j = guard_markers_json(&m);
	assert_int_equal(json_array_size(j), 1);
	assert_true(json_is_true(json_object_get(json_array_get(j, 0), "unreadable")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "detail")),
			    "cannot open: owned by someone else");
	json_decref(j);
	guard_markers_release(&m);
}

/* One row of SPEC 3's table: production, interactive, -y, --production,
 * DOCKRESET_CONFIRM_PRODUCTION. */
struct row {
	int production, interactive, yes, pflag;
	const char *env;
	enum guard_ask ask;
	unsigned missing;
};

static void decide_every_row(void **state)
{
	static const struct row rows[] = {
		/* not production, on a terminal: the name, unless -y */
		{ 0, 1, 0, 0, NULL, GUARD_ASK_NAME, 0 },
		{ 0, 1, 0, 1, "app", GUARD_ASK_NAME, 0 },
		{ 0, 1, 1, 0, NULL, GUARD_GO, 0 },
		/* not production, no terminal: -y, else refused */
		{ 0, 0, 0, 0, NULL, GUARD_REFUSE, GUARD_MISSING_YES },
		{ 0, 0, 0, 1, "app", GUARD_REFUSE, GUARD_MISSING_YES },
		{ 0, 0, 1, 0, NULL, GUARD_GO, 0 },
		/* production, on a terminal: --production, then the phrase;
		 * neither -y nor the variable skips it */
		{ 1, 1, 0, 0, NULL, GUARD_REFUSE, GUARD_MISSING_PRODUCTION },
		{ 1, 1, 1, 0, "app", GUARD_REFUSE, GUARD_MISSING_PRODUCTION },
		{ 1, 1, 0, 1, NULL, GUARD_ASK_PHRASE, 0 },
		{ 1, 1, 1, 1, "app", GUARD_ASK_PHRASE, 0 },
		/* production, no terminal: all three, each missing one named */
		{ 1, 0, 1, 1, "app", GUARD_GO, 0 },
		{ 1, 0, 0, 0, NULL, GUARD_REFUSE,
		  GUARD_MISSING_YES | GUARD_MISSING_PRODUCTION | GUARD_MISSING_ENV },
		{ 1, 0, 0, 1, "app", GUARD_REFUSE, GUARD_MISSING_YES },
		{ 1, 0, 1, 0, "app", GUARD_REFUSE, GUARD_MISSING_PRODUCTION },
		{ 1, 0, 1, 1, NULL, GUARD_REFUSE, GUARD_MISSING_ENV },
		{ 1, 0, 0, 0, "app", GUARD_REFUSE, GUARD_MISSING_YES | GUARD_MISSING_PRODUCTION },
		{ 1, 0, 0, 1, NULL, GUARD_REFUSE, GUARD_MISSING_YES | GUARD_MISSING_ENV },
		{ 1, 0, 1, 0, NULL, GUARD_REFUSE, GUARD_MISSING_PRODUCTION | GUARD_MISSING_ENV },
		/* a variable set to anything but the exact name is missing */
		{ 1, 0, 1, 1, "1", GUARD_REFUSE, GUARD_WRONG_ENV },
		{ 1, 0, 1, 1, "true", GUARD_REFUSE, GUARD_WRONG_ENV },
		{ 1, 0, 1, 1, "yes", GUARD_REFUSE, GUARD_WRONG_ENV },
		{ 1, 0, 1, 1, "", GUARD_REFUSE, GUARD_WRONG_ENV },
		{ 1, 0, 1, 1, "App", GUARD_REFUSE, GUARD_WRONG_ENV },
		{ 1, 0, 1, 1, "app ", GUARD_REFUSE, GUARD_WRONG_ENV },
		{ 1, 0, 1, 1, "other", GUARD_REFUSE, GUARD_WRONG_ENV },
		{ 1, 0, 0, 0, "true", GUARD_REFUSE,
		  GUARD_MISSING_YES | GUARD_MISSING_PRODUCTION | GUARD_WRONG_ENV },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		struct guard_decision d =
		    guard_decide(r->production, r->interactive, r->yes, r->pflag, r->env, "app");
		if (d.ask != r->ask || d.missing != r->missing)
			fail_msg("row %zu: ask %d missing %#x, want ask %d missing %#x", i,
				 (int)d.ask, d.missing, (int)r->ask, r->missing);
	}
}

static void confirmation_text(void **state)
{
	struct guard_markers none = { 0 }, prod = { 0 };
	struct guard_confirm_req r = { .target = "x", .verb = "reset", .markers = &none };
	char *t;

	(void)state;
	t = guard_confirmation_text(&r);
	assert_string_equal(t, "type the target's name 'x' (or -y)");
	free(t);
	guard_markers_add(&prod, "env", "host", 0, "APP_ENV=production");
	r.markers = &prod;
	r.verb = "prune";
	t = guard_confirmation_text(&r);
	assert_string_equal(t, "production: pass --production, then type 'prune production x' and "
			       "wait 5 s; without a terminal: -y --production and "
			       "DOCKRESET_CONFIRM_PRODUCTION=x");
	free(t);
	/* markers not read count as production (fail closed) */
	r.markers = NULL;
	r.verb = "mark";
	t = guard_confirmation_text(&r);
	assert_non_null(strstr(t, "'mark production x'"));
	free(t);
	guard_markers_release(&prod);
}

static void no_backup_refused_for_production(void **state)
{
	struct guard_markers none = { 0 }, prod = { 0 };
	struct guard_confirm_req r = { .target = "x", .verb = "reset", .markers = &none };

	(void)state;
	assert_int_equal(guard_refuse_no_backup(&r, "--no-backup"), 0);
	guard_markers_add(&prod, "database", "db", 1, "cannot read dockreset.environment");
	r.markers = &prod;
	assert_int_equal(guard_refuse_no_backup(&r, "--no-backup"), 3);
	r.markers = NULL;
	assert_int_equal(guard_refuse_no_backup(&r, "--no-safety-backup"), 3);
	guard_markers_release(&prod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_match_loosely),
		cmocka_unit_test(branches_match_globs),
		cmocka_unit_test(host_environment),
		cmocka_unit_test(container_env_and_label),
		cmocka_unit_test(container_with_null_env),
		cmocka_unit_test(markers_json),
		cmocka_unit_test(decide_every_row),
		cmocka_unit_test(confirmation_text),
		cmocka_unit_test(no_backup_refused_for_production),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
