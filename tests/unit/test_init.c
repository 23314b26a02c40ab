/*
 * test_init.c - the pure parts of `dockreset init` and of the project
 * precedence: the .env parser, compose name normalisation, the table
 * multi-choice, what a container runs, and the config written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "init.h"

/* init_dotenv_value(text, key) must be want (NULL: not defined). */
static void expect_env(const char *text, const char *key, const char *want)
{
	char *got = init_dotenv_value(text, strlen(text), key);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void dotenv_plain_lines(void **state)
{
	(void)state;
	expect_env("COMPOSE_PROJECT_NAME=discord\n", "COMPOSE_PROJECT_NAME", "discord");
	expect_env("A=1\nCOMPOSE_PROJECT_NAME=x\nB=2", "COMPOSE_PROJECT_NAME", "x");
	expect_env("A=1\nB=2\n", "COMPOSE_PROJECT_NAME", NULL);
	expect_env("", "COMPOSE_PROJECT_NAME", NULL);
	/* a longer or shorter key is another key */
	expect_env("COMPOSE_PROJECT_NAME_X=a\nXCOMPOSE_PROJECT_NAME=b\n", "COMPOSE_PROJECT_NAME",
		   NULL);
	/* CRLF, blanks around, export */
	expect_env("COMPOSE_PROJECT_NAME=crlf\r\n", "COMPOSE_PROJECT_NAME", "crlf");
	expect_env("  COMPOSE_PROJECT_NAME = spaced  \n", "COMPOSE_PROJECT_NAME", "spaced");
	expect_env("export COMPOSE_PROJECT_NAME=exp\n", "COMPOSE_PROJECT_NAME", "exp");
	/* the last definition wins; an empty value is empty */
	expect_env("K=a\nK=b\n", "K", "b");
	expect_env("K=\n", "K", "");
	/* no '=': not a definition */
	expect_env("K\n", "K", NULL);
}

static void dotenv_quotes_and_comments(void **state)
{
	(void)state;
	expect_env("K=\"double\"\n", "K", "double");
	expect_env("K='single'\n", "K", "single");
	expect_env("K=\"a \\\"q\\\" b\"\n", "K", "a \"q\" b");
	expect_env("K='a \\n b'\n", "K", "a \\n b");
	expect_env("K=\"keeps # hash\" # comment\n", "K", "keeps # hash");
	expect_env("K=value # comment\n", "K", "value");
	expect_env("K=a#b\n", "K", "a#b");
	expect_env("# K=commented\nK=real\n", "K", "real");
	expect_env("   # K=commented\n", "K", NULL);
	/* an unclosed quote is taken as it is */
	expect_env("K=\"open\n", "K", "\"open");
	/* never reads past len */
	char buf[] = { 'K', '=', 'a', 'b', 'c' };
	char *got = init_dotenv_value(buf, 4, "K");
	assert_string_equal(got, "ab");
	free(got);
}

static void normalise_as_compose(void **state)
{
	static const char *const cases[][2] = {
		{ "discord-bot", "discord-bot" },
		{ "My App", "myapp" },
		{ "__Stack.v2", "stackv2" },
		{ "-_x", "x" },
		{ "a_b-c", "a_b-c" },
		{ "UPPER9", "upper9" },
		{ "...", "" },
	};
	char *p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = config_normalize_project(cases[i][0]);
		assert_string_equal(p, cases[i][1]);
		free(p);
	}
	p = config_project_dirname("/srv/My_Stack.v2");
	assert_string_equal(p, "my_stackv2");
	free(p);
}

/* Project precedence without Docker: "project", env, then .env. */
static void project_named_precedence(void **state)
{
	char dir[] = "/tmp/test_init_XXXXXX";
	struct cfg_target t = { 0 };
	enum cfg_project_source src;
	char *path, *p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	unsetenv("COMPOSE_PROJECT_NAME");
	p = config_project_named(dir, NULL, &src);
	assert_null(p);

	path = xasprintf("%s/.env", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# project\nCOMPOSE_PROJECT_NAME=\"from-dotenv\"\n", f);
	fclose(f);
	p = config_project_named(dir, NULL, &src);
	assert_string_equal(p, "from-dotenv");
	assert_int_equal(src, PROJECT_FROM_DOTENV);
	assert_string_equal(config_project_source_name(src), ".env");
	free(p);

	setenv("COMPOSE_PROJECT_NAME", "from-env", 1);
	p = config_project_named(dir, NULL, &src);
	assert_string_equal(p, "from-env");
	assert_int_equal(src, PROJECT_FROM_ENV);
	free(p);

	t.project = "from-config";
	p = config_project_named(dir, &t, &src);
	assert_string_equal(p, "from-config");
	assert_int_equal(src, PROJECT_FROM_CONFIG);
	free(p);
	unsetenv("COMPOSE_PROJECT_NAME");

	unlink(path);
	free(path);
	rmdir(dir);
}

/* init_choice_parse(s, n) must choose exactly the 1-based items of want
 * (a string of '0'/'1'), or fail with err containing want_err. */
static void expect_choice(const char *s, size_t n, const char *want, const char *want_err)
{
	unsigned char sel[32];
	struct strbuf err = STRBUF_INIT;
	int rc = init_choice_parse(s, n, sel, &err);

	if (want_err) {
		assert_int_equal(rc, -1);
		assert_non_null(strstr(strbuf_str(&err), want_err));
	} else {
		int count = 0;
		assert_int_equal(strlen(want), n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(sel[i], want[i] == '1');
			count += want[i] == '1';
		}
		assert_int_equal(rc, count);
	}
	strbuf_release(&err);
}

static void choice_parser(void **state)
{
	(void)state;
	expect_choice("all", 4, "1111", NULL);
	expect_choice(" ALL \n", 4, "1111", NULL);
	expect_choice("*", 3, "111", NULL);
	expect_choice("none", 4, "0000", NULL);
	expect_choice("", 4, "0000", NULL);
	expect_choice("  ", 4, "0000", NULL);
	expect_choice("1,3-5", 6, "101110", NULL);
	expect_choice("2 4", 5, "01010", NULL);
	expect_choice("1, 1,1-2", 3, "110", NULL);
	expect_choice("5", 5, "00001", NULL);
	expect_choice("0", 5, NULL, "'0' is not between 1 and 5");
	expect_choice("6", 5, NULL, "'6' is not between 1 and 5");
	expect_choice("2-9", 5, NULL, "'9' is not between 1 and 5");
	expect_choice("4-2", 5, NULL, "runs backwards");
	expect_choice("x", 5, NULL, "'x' is not a number or a range");
	expect_choice("1-", 5, NULL, "'1-' is not a number or a range");
	expect_choice("1a", 5, NULL, "'1a' is not a number or a range");
	expect_choice("all 1", 5, NULL, "stands alone");
	expect_choice("99999999999", 5, NULL, "is not a number");
}

static void mentions_words(void **state)
{
	(void)state;
	assert_true(init_mentions("db", "db"));
	assert_true(init_mentions("postgres://u:p@db:5432/x", "db"));
	assert_true(init_mentions("host=db.internal", "db"));
	assert_false(init_mentions("dbx", "db"));
	assert_false(init_mentions("my-db", "db"));
	assert_false(init_mentions("discord", "db"));
	assert_false(init_mentions("anything", ""));
}

static json_t *inspect(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	assert_non_null(j);
	return j;
}

static void what_containers_run(void **state)
{
	json_t *pg =
	    inspect("{\"Config\": {\"Image\": \"dockreset-test/postgres:15\", "
		    "\"Entrypoint\": [\"docker-entrypoint.sh\"], \"Cmd\": [\"postgres\"], "
		    "\"ExposedPorts\": {\"5432/tcp\": {}}, \"Env\": [\"POSTGRES_USER=bot\"]}}");
	json_t *bitnami = inspect(
	    "{\"Config\": {\"Image\": \"bitnami/postgresql:16\", \"Entrypoint\": "
	    "[\"/opt/bitnami/scripts/postgresql/entrypoint.sh\"], \"Cmd\": "
	    "[\"/opt/bitnami/scripts/postgresql/run.sh\"], \"ExposedPorts\": {\"5432/tcp\": {}}}}");
	/* the postgres image running something else (the example's bot) */
	json_t *app = inspect("{\"Config\": {\"Image\": \"postgres:16\", \"Entrypoint\": "
			      "[\"bash\", \"/bot/bot.sh\"], \"Cmd\": null, \"ExposedPorts\": "
			      "{\"5432/tcp\": {}}, \"Env\": [\"PGHOST=db\", \"PATH=/usr/lib/x\"], "
			      "\"Labels\": {}}}");
	/* named like a database, runs nothing of the kind */
	json_t *named = inspect("{\"Name\": \"/postgres\", \"Config\": {\"Image\": \"nginx\", "
				"\"Cmd\": [\"nginx\"], \"ExposedPorts\": {\"80/tcp\": {}}}}");
	json_t *redis =
	    inspect("{\"Config\": {\"Image\": \"redis:7\", \"Cmd\": [\"redis-server\"], "
		    "\"ExposedPorts\": {\"6379/tcp\": {}}}}");
	json_t *valkey = inspect("{\"Config\": {\"Image\": \"valkey/valkey:8\", \"Cmd\": "
				 "[\"valkey-server\", \"--save\", \"\"]}}");
	json_t *v2 = inspect("{\"Config\": {\"Image\": \"x\", \"Env\": [\"A=b\"], \"Labels\": "
			     "{\"com.docker.compose.depends_on\": "
			     "\"redis:service_started:false,db:service_healthy:false\"}}}");
	json_t *v2other =
	    inspect("{\"Config\": {\"Image\": \"x\", \"Labels\": "
		    "{\"com.docker.compose.depends_on\": \"dbx:service_started:false\"}}}");

	(void)state;
	assert_true(init_is_postgres(pg));
	assert_true(init_is_postgres(bitnami));
	assert_false(init_is_postgres(app));
	assert_false(init_is_postgres(named));
	assert_false(init_is_postgres(redis));
	assert_true(init_is_cache(redis));
	assert_true(init_is_cache(valkey));
	assert_false(init_is_cache(pg));
	assert_false(init_is_cache(app));
	assert_true(init_depends_on(app, "db"));
	assert_false(init_depends_on(app, "x")); /* PATH is not looked at */
	assert_true(init_depends_on(v2, "db"));
	assert_true(init_depends_on(v2, "redis"));
	assert_false(init_depends_on(v2other, "db"));
	assert_false(init_depends_on(named, "db"));
	json_decref(pg);
	json_decref(bitnami);
	json_decref(app);
	json_decref(named);
	json_decref(redis);
	json_decref(valkey);
	json_decref(v2);
	json_decref(v2other);
}

static void config_written(void **state)
{
	struct init_config c = { .target = "discord", .project = NULL, .db_service = "db" };
	struct config *cfg = NULL;
	struct strbuf err = STRBUF_INIT;
	json_t *doc;
	char *text, *name;

	(void)state;
	strlist_push(&c.apps, "bot");
	strlist_push(&c.caches, "redis");
	strlist_push(&c.tables, "public.tickets");
	doc = init_config_json(&c);
	text = json_dumps(doc, JSON_INDENT(2));
	/* what init writes is a config dockreset reads */
	assert_int_equal(
	    config_parse(&cfg, text, strlen(text), "/srv/discord/dockreset.json", &err), 0);
	assert_int_equal(cfg->ntargets, 1);
	assert_string_equal(cfg->targets[0].name, "discord");
	assert_null(cfg->targets[0].project);
	assert_string_equal(cfg->targets[0].db.service, "db");
	assert_int_equal(cfg->targets[0].napps, 1);
	assert_int_equal(cfg->targets[0].ncaches, 1);
	assert_int_equal(cfg->targets[0].ntables, 1);
	assert_null(strstr(text, "password"));
	config_free(cfg);
	free(text);
	json_decref(doc);

	/* no tables chosen: an empty list, still a valid config */
	strlist_clear(&c.tables);
	c.project = "p";
	doc = init_config_json(&c);
	text = json_dumps(doc, 0);
	assert_int_equal(config_parse(&cfg, text, strlen(text), "/srv/x/dockreset.json", &err), 0);
	assert_string_equal(cfg->targets[0].project, "p");
	assert_int_equal(cfg->targets[0].ntables, 0);
	config_free(cfg);
	free(text);
	json_decref(doc);

	strlist_clear(&c.apps);
	strlist_clear(&c.caches);
	strbuf_release(&err);

	name = init_target_name("drt-init-123");
	assert_string_equal(name, "drt-init-123");
	free(name);
	name = init_target_name("_x");
	assert_string_equal(name, "x");
	free(name);
	name = init_target_name("");
	assert_string_equal(name, "app");
	free(name);
	name = init_target_name(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(strlen(name), 63);
	free(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dotenv_plain_lines),
		cmocka_unit_test(dotenv_quotes_and_comments),
		cmocka_unit_test(normalise_as_compose),
		cmocka_unit_test(project_named_precedence),
		cmocka_unit_test(choice_parser),
		cmocka_unit_test(mentions_words),
		cmocka_unit_test(what_containers_run),
		cmocka_unit_test(config_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
