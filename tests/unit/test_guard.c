/*
 * test_guard.c - production marker matching: values loosely, branches by
 * glob, environments of the host and of containers.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_match_loosely),
		cmocka_unit_test(branches_match_globs),
		cmocka_unit_test(host_environment),
		cmocka_unit_test(container_env_and_label),
		cmocka_unit_test(container_with_null_env),
		cmocka_unit_test(markers_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
