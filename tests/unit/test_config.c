/*
 * test_config.c - dockreset.json validation: one case per kind of error with
 * its exact message, a full configuration read back field by field, the
 * defaults, project names and the search for the file.
 *
 * JSON in this file is written with single quotes, turned into double quotes
 * before parsing, to keep the cases readable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* A scratch directory holding the files that seeds and migrations name. */
/* dir without its last component; a static buffer. */
static const char *parent_of(const char *dir)
{
	static char buf[4096];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", dir);
	slash = strrchr(buf, '/');
	if (slash && slash != buf)
		*slash = '\0';
	return buf;
}

static char *dir;
static char *cfgpath;

static void write_file(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void make_dir(const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);

	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/dockreset-test-config-XXXXXX";
	char *real;

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	real = realpath(tmpl, NULL);
	dir = xstrdup(real);
	free(real);
	cfgpath = xasprintf("%s/dockreset.json", dir);
	make_dir("seeds");
	make_dir("migrations");
	make_dir("proj");
	make_dir("proj/a");
	make_dir("proj/a/b");
	make_dir("empty");
	write_file("seeds/lookups.sql", "INSERT INTO statuses VALUES ('open');\n");
	write_file("seeds/words.csv", "1,hello\n");
	write_file("migrations/001.sql", "CREATE TABLE t (id int);\n");
	write_file("migrations/002.sql", "CREATE TABLE u (id int);\n");
	write_file("proj/dockreset.json", "{'targets': {}}");
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	free(cfgpath);
	return 0;
}

/* s with ' turned into ". */
static char *dq(const char *s)
{
	char *r = xstrdup(s);

	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

/* s with each "%D" replaced by the scratch directory. */
static char *subst_dir(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s; s++) {
		if (s[0] == '%' && s[1] == 'D') {
			strbuf_addstr(&sb, dir);
			s++;
		} else {
			strbuf_addch(&sb, *s);
		}
	}
	return strbuf_detach(&sb);
}

static struct config *parse_ok(const char *json_sq)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = NULL;
	char *text = dq(json_sq);

	if (config_parse(&cfg, text, strlen(text), cfgpath, &err))
		fail_msg("unexpected error for %s: %s", text, strbuf_str(&err));
	assert_non_null(cfg);
	free(text);
	strbuf_release(&err);
	return cfg;
}

/* want: the message after "'<file>': ", with %D for the scratch directory. */
static void check_error_raw(const char *text, size_t len, const char *want)
{
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = (struct config *)&err;
	char *tail = subst_dir(want);
	char *full = xasprintf("'%s': %s", cfgpath, tail);
	int r = config_parse(&cfg, text, len, cfgpath, &err);

	if (r != -1 || strcmp(strbuf_str(&err), full))
		fail_msg("for %s\n  expected %s\n  got      %s (%d)", text, full, strbuf_str(&err),
			 r);
	assert_null(cfg);
	free(full);
	free(tail);
	strbuf_release(&err);
}

static void check_error(const char *json_sq, const char *want)
{
	char *text = dq(json_sq);

	check_error_raw(text, strlen(text), want);
	free(text);
}

struct err_case {
	const char *json;
	const char *msg;
};

static void check_cases(const struct err_case *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_error(v[i].json, v[i].msg);
}

/* A target "t" with a database, plus the keys in body (", 'k': v"). */
#define TGT(body) "{'targets': {'t': {'database': {'service': 'db'}" body "}}}"

static void syntax_errors(void **state)
{
	(void)state;
	check_error("{\n  'a': 1,\n  'b' 2\n}",
		    "line 3, column 7: invalid JSON: ':' expected near '2'");
	check_error("{'targets': {},}",
		    "line 1, column 16: invalid JSON: string or '}' expected near '}'");
	check_error("{} x", "line 1, column 4: invalid JSON: end of file expected near 'x'");
	check_error("", "line 1, column 1: invalid JSON: '[' or '{' expected near end of file");
	check_error("{'a': '\\u0000'}", "line 1, column 14: invalid JSON: \\u0000 is not allowed "
					"without JSON_ALLOW_NUL near '\"\\u0000\"'");
	check_error("{'a': 99999999999999999999}",
		    "line 1, column 26: invalid JSON: too big integer near '99999999999999999999'");
	check_error_raw("{\"a\": \"\xff\"}", 10,
			"line 1, column 7: invalid JSON: unable to decode byte 0xff near '\"'");
	check_error("[1]", "expected an object at the top level, got an array");
	check_error("\"x\"", "line 1, column 3: invalid JSON: '[' or '{' expected near '\"x\"'");
}

static void duplicate_keys(void **state)
{
	(void)state;
	check_error("{\n  'targets': {},\n  'targets': {}\n}",
		    "line 3, column 11: invalid JSON: duplicate object key near '\"targets\"'");
	check_error("{'targets': {'t': {'database': {'service': 'db', 'service': 'x'}}}}",
		    "line 1, column 58: invalid JSON: duplicate object key near '\"service\"'");
}

static void byte_order_mark(void **state)
{
	const char *text =
	    "\xef\xbb\xbf{\"targets\": {\"t\": {\"database\": {\"service\": \"db\"}}}}";
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = NULL;

	(void)state;
	assert_int_equal(config_parse(&cfg, text, strlen(text), cfgpath, &err), 0);
	assert_int_equal(cfg->ntargets, 1);
	config_free(cfg);
	strbuf_release(&err);
}

static void unknown_keys(void **state)
{
	static const struct err_case cases[] = {
		{ "{'targets': {'t': {'database': {'service': 'db'}}}, 'bogus': 1}",
		  "bogus: unknown key" },
		{ "{'target': {}}", "target: unknown key (did you mean \"targets\"?)" },
		{ "{'Version': 1}", "Version: unknown key (did you mean \"version\"?)" },
		{ "{'production': {'branch': []}}",
		  "production.branch: unknown key (did you mean \"branches\"?)" },
		{ TGT(", 'bogus': 1"), "targets.t.bogus: unknown key" },
		{ TGT(", 'stat': {}"), "targets.t.stat: unknown key (did you mean \"stats\"?)" },
		{ TGT(", 'my key': {}"), "targets.t.\"my key\": unknown key" },
		{ "{'targets': {'t': {'database': {'service': 'db', 'host': 'x'}}}}",
		  "targets.t.database.host: unknown key" },
		{ "{'targets': {'t': {'database': {'service': 'db', 'pasword_env': 'X'}}}}",
		  "targets.t.database.pasword_env: unknown key (did you mean \"password_env\"?)" },
		{ TGT(", 'apps': [{'name': 'x'}]"), "targets.t.apps[0].name: unknown key" },
		{ TGT(", 'caches': [{'service': 'redis', 'database': 1}]"),
		  "targets.t.caches[0].database: unknown key" },
		{ TGT(", 'reset': {'tabels': '*'}"),
		  "targets.t.reset.tabels: unknown key (did you mean \"tables\"?)" },
		{ TGT(", 'reset': {'tables': [{'schema': 'a', 'name': 'b'}]}"),
		  "targets.t.reset.tables[0].name: unknown key" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'files': []}}"),
		  "targets.t.reset.migrate.files: unknown key" },
		{ TGT(", 'seeds': {'p': [{'sql': 'seeds/lookups.sql', 'table': 'x'}]}"),
		  "targets.t.seeds.p[0].table: unknown key" },
		{ TGT(", 'seeds': {'p': [{'copy': 'seeds/words.csv', 'table': 'x', 'header': "
		      "true}]}"),
		  "targets.t.seeds.p[0].header: unknown key" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': ['x'], 'user': "
		      "'r'}}]}"),
		  "targets.t.seeds.p[0].run.user: unknown key" },
		{ TGT(", 'backup': {'retention': 3}"), "targets.t.backup.retention: unknown key" },
		{ TGT(", 'restore': {'mode': 'merge'}"), "targets.t.restore.mode: unknown key" },
		{ TGT(", 'restore': {'merge': {'tickets': {'keys': ['id']}}}"),
		  "targets.t.restore.merge.tickets.keys: unknown key (did you mean \"key\"?)" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void wrong_types(void **state)
{
	static const struct err_case cases[] = {
		{ "{'version': '1'}", "version: expected an integer, got a string" },
		{ "{'version': 1.0}", "version: expected an integer, got a real number" },
		{ "{'version': 2}", "version: must be 1, not 2" },
		{ "{'backup_dir': 5}", "backup_dir: expected a string, got an integer" },
		{ "{'backup_dir': ''}", "backup_dir: must not be empty" },
		{ "{'production': []}", "production: expected an object, got an array" },
		{ "{'production': {'branches': 'main'}}",
		  "production.branches: expected an array, got a string" },
		{ "{'production': {'branches': [1]}}",
		  "production.branches[0]: expected a string, got an integer" },
		{ "{'production': {'env_names': ['APP-ENV']}}",
		  "production.env_names[0]: invalid environment variable name \"APP-ENV\"" },
		{ "{'production': {'env_values': ['']}}",
		  "production.env_values[0]: must not be empty" },
		{ "{'targets': []}", "targets: expected an object, got an array" },
		{ "{'targets': {'t': 1}}", "targets.t: expected an object, got an integer" },
		{ TGT(", 'project': 1"), "targets.t.project: expected a string, got an integer" },
		{ TGT(", 'production': 'yes'"),
		  "targets.t.production: expected a boolean, got a string" },
		{ "{'targets': {'t': {'database': 'db'}}}",
		  "targets.t.database: expected an object, got a string" },
		{ "{'targets': {'t': {'database': {'service': 'db', 'name': null}}}}",
		  "targets.t.database.name: expected a string, got null" },
		{ "{'targets': {'t': {'database': {'service': 'db', 'user': ''}}}}",
		  "targets.t.database.user: must not be empty" },
		{ "{'targets': {'t': {'database': {'service': 'db', 'url': true}}}}",
		  "targets.t.database.url: expected a string, got a boolean" },
		{ "{'targets': {'t': {'database': {'service': 'db', 'password_env': 'DB PASS'}}}}",
		  "targets.t.database.password_env: invalid environment variable name \"DB "
		  "PASS\"" },
		{ "{'targets': {'t': {'database': {'service': 5}}}}",
		  "targets.t.database.service: expected a string, got an integer" },
		{ TGT(", 'apps': 'bot'"), "targets.t.apps: expected an array, got a string" },
		{ TGT(", 'apps': ['bot', 1]"),
		  "targets.t.apps[1]: expected a string or an object, got an integer" },
		{ TGT(", 'apps': ['Bad Name']"),
		  "targets.t.apps[0]: invalid service name \"Bad Name\"" },
		{ TGT(", 'apps': [{'container': '/bot'}]"),
		  "targets.t.apps[0].container: invalid container name \"/bot\"" },
		{ TGT(", 'caches': {}"), "targets.t.caches: expected an array, got an object" },
		{ TGT(", 'caches': ['redis']"),
		  "targets.t.caches[0]: expected an object, got a string" },
		{ TGT(", 'caches': [{'service': 'redis', 'db': '0'}]"),
		  "targets.t.caches[0].db: expected an integer, got a string" },
		{ TGT(", 'caches': [{'service': 'redis', 'db': -1}]"),
		  "targets.t.caches[0].db: must be 0 or more, not -1" },
		{ TGT(", 'caches': [{'service': 'redis', 'db': 4294967296}]"),
		  "targets.t.caches[0].db: must be 2147483647 or less, not 4294967296" },
		{ TGT(", 'caches': [{'service': 'redis', 'password_env': '1PASS'}]"),
		  "targets.t.caches[0].password_env: invalid environment variable name \"1PASS\"" },
		{ TGT(", 'reset': []"), "targets.t.reset: expected an object, got an array" },
		{ TGT(", 'reset': {'schemas': 'public'}"),
		  "targets.t.reset.schemas: expected an array, got a string" },
		{ TGT(", 'reset': {'schemas': []}"), "targets.t.reset.schemas: must not be empty" },
		{ TGT(", 'reset': {'schemas': ['a', 'b', 'a']}"),
		  "targets.t.reset.schemas[2]: \"a\" is listed twice" },
		{ TGT(", 'reset': {'tables': 'all'}"),
		  "targets.t.reset.tables: must be \"*\" or an array of tables, not \"all\"" },
		{ TGT(", 'reset': {'tables': 5}"),
		  "targets.t.reset.tables: expected \"*\" or an array, got an integer" },
		{ TGT(", 'reset': {'tables': ['a', ['b']]}"),
		  "targets.t.reset.tables[1]: expected a string or an object, got an array" },
		{ TGT(", 'reset': {'keep': ['a', 'b', 2]}"),
		  "targets.t.reset.keep[2]: expected a string or an object, got an integer" },
		{ TGT(", 'reset': {'keep': 'a'}"),
		  "targets.t.reset.keep: expected an array, got a string" },
		{ TGT(", 'reset': {'restart_identity': 'no'}"),
		  "targets.t.reset.restart_identity: expected a boolean, got a string" },
		{ TGT(", 'reset': {'strategy': 1}"),
		  "targets.t.reset.strategy: expected a string, got an integer" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': []}"),
		  "targets.t.reset.migrate: expected an object, got an array" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'sql': "
		      "'migrations/001.sql'}}"),
		  "targets.t.reset.migrate.sql: expected an array, got a string" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'sql': []}}"),
		  "targets.t.reset.migrate.sql: must not be empty" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'service': 'app', "
		      "'command': "
		      "'make migrate'}}"),
		  "targets.t.reset.migrate.command: expected an array, got a string" },
		{ TGT(", 'seeds': []"), "targets.t.seeds: expected an object, got an array" },
		{ TGT(", 'seeds': {'p': {}}"),
		  "targets.t.seeds.p: expected an array, got an object" },
		{ TGT(", 'seeds': {'p': ['x.sql']}"),
		  "targets.t.seeds.p[0]: expected an object, got a string" },
		{ TGT(", 'seeds': {'p': [{'sql': 1}]}"),
		  "targets.t.seeds.p[0].sql: expected a string, got an integer" },
		{ TGT(", 'seeds': {'p': [{'copy': 'seeds/words.csv', 'table': 't', 'columns': "
		      "'a'}]}"),
		  "targets.t.seeds.p[0].columns: expected an array, got a string" },
		{ TGT(", 'seeds': {'p': [{'copy': 'seeds/words.csv', 'table': 't', "
		      "'columns': ['a', 'a']}]}"),
		  "targets.t.seeds.p[0].columns[1]: \"a\" is listed twice" },
		{ TGT(", 'seeds': {'p': [{'copy': 'seeds/words.csv', 'table': 1}]}"),
		  "targets.t.seeds.p[0].table: expected a string or an object, got an integer" },
		{ TGT(", 'seeds': {'p': [{'run': 'npm run seed'}]}"),
		  "targets.t.seeds.p[0].run: expected an object, got a string" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': 'npm run seed'}}]}"),
		  "targets.t.seeds.p[0].run.command: expected an array, got a string" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': []}}]}"),
		  "targets.t.seeds.p[0].run.command: must not be empty" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': ['', 'x']}}]}"),
		  "targets.t.seeds.p[0].run.command[0]: must not be empty" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': ['npm', 2]}}]}"),
		  "targets.t.seeds.p[0].run.command[1]: expected a string, got an integer" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': ['x'], 'env': "
		      "[]}}]}"),
		  "targets.t.seeds.p[0].run.env: expected an object, got an array" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': ['x'], "
		      "'env': {'A': 1}}}]}"),
		  "targets.t.seeds.p[0].run.env.A: expected a string, got an integer" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app', 'command': ['x'], "
		      "'env': {'A B': ''}}}]}"),
		  "targets.t.seeds.p[0].run.env.\"A B\": invalid environment variable name \"A "
		  "B\"" },
		{ TGT(", 'seeds': {'': []}"),
		  "targets.t.seeds.\"\": profile name must not be empty" },
		{ TGT(", 'default_seeds': 'p'"),
		  "targets.t.default_seeds: expected an array, got a string" },
		{ TGT(", 'stats': []"), "targets.t.stats: expected an object, got an array" },
		{ TGT(", 'stats': {'n': 1}"),
		  "targets.t.stats.n: expected a string, got an integer" },
		{ TGT(", 'stats': {'open tickets': ''}"),
		  "targets.t.stats.\"open tickets\": must not be empty" },
		{ TGT(", 'backup': 'custom'"),
		  "targets.t.backup: expected an object, got a string" },
		{ TGT(", 'backup': {'keep': 0}"),
		  "targets.t.backup.keep: must be 1 or more, not 0" },
		{ TGT(", 'backup': {'keep': 2.5}"),
		  "targets.t.backup.keep: expected an integer, got a real number" },
		{ TGT(", 'backup': {'dir': []}"),
		  "targets.t.backup.dir: expected a string, got an array" },
		{ TGT(", 'restore': []"), "targets.t.restore: expected an object, got an array" },
		{ TGT(", 'restore': {'merge': []}"),
		  "targets.t.restore.merge: expected an object, got an array" },
		{ TGT(", 'restore': {'merge': {'tickets': 1}}"),
		  "targets.t.restore.merge.tickets: expected \"append\" or an object, got an "
		  "integer" },
		{ TGT(", 'restore': {'merge': {'tickets': {'key': []}}}"),
		  "targets.t.restore.merge.tickets.key: must not be empty" },
		{ TGT(", 'restore': {'merge': {'tickets': {'key': 'id'}}}"),
		  "targets.t.restore.merge.tickets.key: expected an array, got a string" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void bad_enums(void **state)
{
	static const struct err_case cases[] = {
		{ TGT(", 'reset': {'strategy': 'drop'}"),
		  "targets.t.reset.strategy: must be \"truncate\" or \"recreate\", not \"drop\"" },
		{ TGT(", 'backup': {'format': 'tar'}"),
		  "targets.t.backup.format: must be \"custom\", \"plain\" or \"json\", not "
		  "\"tar\"" },
		{ TGT(", 'caches': [{'service': 'redis', 'flush': 'everything'}]"),
		  "targets.t.caches[0].flush: must be \"db\" or \"all\", not \"everything\"" },
		{ TGT(", 'seeds': {'p': [{'copy': 'seeds/words.csv', 'table': 't', 'format': "
		      "'tsv'}]}"),
		  "targets.t.seeds.p[0].format: must be \"text\" or \"csv\", not \"tsv\"" },
		{ TGT(", 'restore': {'merge': {'tickets': 'replace'}}"),
		  "targets.t.restore.merge.tickets: must be \"append\" or an object, not "
		  "\"replace\"" },
		/* Values in messages are escaped and cut. */
		{ TGT(", 'reset': {'strategy': 'a\\n\\\\b\\'c'}"),
		  "targets.t.reset.strategy: must be \"truncate\" or \"recreate\", not "
		  "\"a\\u000a\\\\b\\\"c\"" },
		{ TGT(", 'reset': {'strategy': "
		      "'0123456789012345678901234567890123456789012345678901234567890123456789'}"),
		  "targets.t.reset.strategy: must be \"truncate\" or \"recreate\", not "
		  "\"0123456789012345678901234567890123456789012345678901234567890123...\"" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void structure_errors(void **state)
{
	static const struct err_case cases[] = {
		{ "{}", "\"targets\" is required" },
		{ "{'version': 1}", "\"targets\" is required" },
		{ "{'targets': {}}", "targets: needs at least one target" },
		{ "{'targets': {'t': {}}}", "targets.t: \"database\" is required" },
		{ "{'targets': {'t': {'apps': ['bot']}}}", "targets.t: \"database\" is required" },
		{ "{'targets': {'t': {'database': {}}}}",
		  "targets.t.database: \"service\" or \"container\" is required" },
		{ "{'targets': {'t': {'database': {'name': 'app'}}}}",
		  "targets.t.database: \"service\" or \"container\" is required" },
		{ "{'targets': {'t': {'database': {'service': 'db', 'container': 'db-1'}}}}",
		  "targets.t.database: give either \"service\" or \"container\", not both" },
		{ TGT(", 'apps': [{}]"),
		  "targets.t.apps[0]: \"service\" or \"container\" is required" },
		{ TGT(", 'caches': [{'service': 'redis', 'container': 'r'}]"),
		  "targets.t.caches[0]: give either \"service\" or \"container\", not both" },
		{ "{'targets': {'t': {'database': {'service': 'my db'}}}}",
		  "targets.t.database.service: invalid service name \"my db\"" },
		{ TGT(", 'project': 'My App'"),
		  "targets.t.project: invalid compose project name \"My App\" (use lowercase "
		  "letters, digits, '_' and '-', starting with a letter or digit)" },
		{ TGT(", 'project': '_app'"),
		  "targets.t.project: invalid compose project name \"_app\" (use lowercase "
		  "letters, digits, '_' and '-', starting with a letter or digit)" },
		{ TGT(", 'seeds': {'p': [{}]}"),
		  "targets.t.seeds.p[0]: expected one of \"sql\", \"copy\" or \"run\"" },
		{ TGT(", 'seeds': {'p': [{'sql': 'seeds/lookups.sql', 'copy': "
		      "'seeds/words.csv'}]}"),
		  "targets.t.seeds.p[0]: give only one of \"sql\", \"copy\" and \"run\" per step" },
		{ TGT(", 'seeds': {'p': [{'copy': 'seeds/words.csv'}]}"),
		  "targets.t.seeds.p[0]: \"table\" is required" },
		{ TGT(", 'seeds': {'p': [{'run': {'service': 'app'}}]}"),
		  "targets.t.seeds.p[0].run: \"command\" is required" },
		{ TGT(", 'seeds': {'p': [{'run': {'command': ['x']}}]}"),
		  "targets.t.seeds.p[0].run: \"service\" or \"container\" is required" },
		{ TGT(", 'seeds': {'p': []}, 'default_seeds': ['p', 'nope']"),
		  "targets.t.default_seeds[1]: no seed profile named \"nope\" in \"seeds\"" },
		{ TGT(", 'default_seeds': ['base']"),
		  "targets.t.default_seeds[0]: no seed profile named \"base\" in \"seeds\"" },
		{ TGT(", 'seeds': {'p': []}, 'default_seeds': ['p', 'p']"),
		  "targets.t.default_seeds[1]: \"p\" is listed twice" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void target_names(void **state)
{
	static const struct err_case cases[] = {
		{ "{'targets': {'Bad Name': {}}}",
		  "targets.\"Bad Name\": invalid target name (use 1 to 63 of a-z, 0-9, '_', '.' "
		  "and '-', starting with a letter or digit)" },
		{ "{'targets': {'-x': {}}}",
		  "targets.-x: invalid target name (use 1 to 63 of a-z, 0-9, '_', '.' "
		  "and '-', starting with a letter or digit)" },
		{ "{'targets': {'': {}}}",
		  "targets.\"\": invalid target name (use 1 to 63 of a-z, 0-9, '_', '.' "
		  "and '-', starting with a letter or digit)" },
		{ "{'targets': {'a/b': {}}}",
		  "targets.\"a/b\": invalid target name (use 1 to 63 of a-z, 0-9, '_', '.' "
		  "and '-', starting with a letter or digit)" },
	};
	char long_name[65];

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));

	assert_true(config_valid_target_name("discord-bot"));
	assert_true(config_valid_target_name("a"));
	assert_true(config_valid_target_name("0"));
	assert_true(config_valid_target_name("app.v2_test-1"));
	assert_false(config_valid_target_name(NULL));
	assert_false(config_valid_target_name(""));
	assert_false(config_valid_target_name("-a"));
	assert_false(config_valid_target_name(".a"));
	assert_false(config_valid_target_name("_a"));
	assert_false(config_valid_target_name("A"));
	assert_false(config_valid_target_name("a b"));
	assert_false(config_valid_target_name("a/b"));
	assert_false(config_valid_target_name("caf\xc3\xa9"));
	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	assert_true(config_valid_target_name(long_name));
	long_name[63] = 'a';
	long_name[64] = '\0';
	assert_false(config_valid_target_name(long_name));

	/* A valid name with dots is quoted in key paths. */
	check_error("{'targets': {'a.b': {'database': {'service': 'db'}, 'bogus': 1}}}",
		    "targets.\"a.b\".bogus: unknown key");
}

static void strategy_rules(void **state)
{
	static const struct err_case cases[] = {
		{ TGT(", 'reset': {'strategy': 'recreate', 'keep': ['settings']}"),
		  "targets.t.reset.keep: not allowed with \"strategy\": \"recreate\", which drops "
		  "whole schemas" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'keep': []}"),
		  "targets.t.reset.keep: not allowed with \"strategy\": \"recreate\", which drops "
		  "whole schemas" },
		{ TGT(", 'reset': {'migrate': {'sql': ['migrations/001.sql']}}"),
		  "targets.t.reset.migrate: only allowed with \"strategy\": \"recreate\"" },
		{ TGT(", 'reset': {'strategy': 'truncate', 'migrate': {'sql': "
		      "['migrations/001.sql']}}"),
		  "targets.t.reset.migrate: only allowed with \"strategy\": \"recreate\"" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'command': ['make']}}"),
		  "targets.t.reset.migrate: \"command\" needs \"service\" (or \"container\")" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'service': 'app'}}"),
		  "targets.t.reset.migrate: \"service\" or \"container\" needs \"command\"" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {}}"),
		  "targets.t.reset.migrate: \"sql\" or \"command\" is required" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'service': 'app', "
		      "'container': 'c', 'command': ['x']}}"),
		  "targets.t.reset.migrate: give either \"service\" or \"container\", not both" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void files_checked(void **state)
{
	static const struct err_case cases[] = {
		{ TGT(", 'seeds': {'p': [{'sql': 'seeds/nope.sql'}]}"),
		  "targets.t.seeds.p[0].sql: cannot read '%D/seeds/nope.sql': No such file or "
		  "directory" },
		{ TGT(", 'seeds': {'p': [{'sql': 'seeds'}]}"),
		  "targets.t.seeds.p[0].sql: '%D/seeds' is not a regular file" },
		{ TGT(", 'seeds': {'p': [{'sql': ''}]}"),
		  "targets.t.seeds.p[0].sql: must not be empty" },
		{ TGT(", 'seeds': {'a': [{'sql': 'seeds/lookups.sql'}], "
		      "'b': [{'sql': 'seeds/lookups.sql'}, {'copy': './seeds/../seeds/nope.csv', "
		      "'table': 'w'}]}"),
		  "targets.t.seeds.b[1].copy: cannot read '%D/seeds/../seeds/nope.csv': No such "
		  "file or directory" },
		{ TGT(", 'reset': {'strategy': 'recreate', 'migrate': {'sql': "
		      "['migrations/001.sql', 'migrations/nope.sql']}}"),
		  "targets.t.reset.migrate.sql[1]: cannot read '%D/migrations/nope.sql': No such "
		  "file or directory" },
		{ TGT(", 'seeds': {'p': [{'sql': '/nonexistent/x.sql'}]}"),
		  "targets.t.seeds.p[0].sql: cannot read '/nonexistent/x.sql': No such file or "
		  "directory" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void table_errors(void **state)
{
	static const struct err_case cases[] = {
		{ TGT(", 'reset': {'tables': ['tickets', 'messages', 'tickets']}"),
		  "targets.t.reset.tables[2]: \"tickets\" is listed twice" },
		{ TGT(", 'reset': {'tables': ['tickets', 'public.tickets']}"),
		  "targets.t.reset.tables[1]: \"public.tickets\" is listed twice" },
		{ TGT(", 'reset': {'tables': ['audit.events', {'schema': 'audit', 'table': "
		      "'events'}]}"),
		  "targets.t.reset.tables[1]: \"audit.events\" is listed twice" },
		{ TGT(", 'reset': {'tables': ['tickets'], 'keep': ['settings', 'public.tickets']}"),
		  "targets.t.reset.keep[1]: \"public.tickets\" is also listed in reset.tables" },
		{ TGT(", 'reset': {'keep': ['settings', 'settings']}"),
		  "targets.t.reset.keep[1]: \"settings\" is listed twice" },
		{ TGT(", 'reset': {'tables': ['*']}"),
		  "targets.t.reset.tables[0]: \"*\" is not a table name (\"tables\": \"*\" means "
		  "every table)" },
		{ TGT(", 'reset': {'tables': ['']}"),
		  "targets.t.reset.tables[0]: must not be empty" },
		{ TGT(", 'reset': {'tables': ['audit.']}"),
		  "targets.t.reset.tables[0]: invalid table name \"audit.\" (write "
		  "\"schema.table\", "
		  "or {\"schema\": S, \"table\": T} for a name holding a dot)" },
		{ TGT(", 'reset': {'tables': ['.events']}"),
		  "targets.t.reset.tables[0]: invalid table name \".events\" (write "
		  "\"schema.table\", or {\"schema\": S, \"table\": T} for a name holding a dot)" },
		{ TGT(", 'reset': {'tables': [{'schema': 'audit'}]}"),
		  "targets.t.reset.tables[0]: \"table\" is required" },
		{ TGT(", 'reset': {'tables': [{'schema': '', 'table': 'x'}]}"),
		  "targets.t.reset.tables[0].schema: must not be empty" },
		{ TGT(", 'restore': {'merge': {'tickets': 'append', 'public.tickets': 'append'}}"),
		  "targets.t.restore.merge.\"public.tickets\": \"public.tickets\" is listed "
		  "twice" },
		{ TGT(", 'restore': {'merge': {'x.': 'append'}}"),
		  "targets.t.restore.merge.\"x.\": invalid table name \"x.\" (write "
		  "\"schema.table\", "
		  "or {\"schema\": S, \"table\": T} for a name holding a dot)" },
	};

	(void)state;
	check_cases(cases, ARRAY_SIZE(cases));
}

static void tables_forms(void **state)
{
	struct config *cfg;
	struct cfg_target *t;

	(void)state;
	/* "*" with keep. */
	cfg = parse_ok(TGT(", 'reset': {'tables': '*', 'keep': ['settings', 'audit.events']}"));
	t = &cfg->targets[0];
	assert_true(t->tables_all);
	assert_int_equal(t->ntables, 0);
	assert_int_equal(t->nkeep, 2);
	assert_null(t->keep[0].schema);
	assert_string_equal(t->keep[0].name, "settings");
	assert_string_equal(t->keep[1].schema, "audit");
	assert_string_equal(t->keep[1].name, "events");
	config_free(cfg);

	/*
	 * Qualified strings split at the first dot; the object form holds
	 * dots; any other character is an identifier's own business.
	 */
	cfg = parse_ok(TGT(", 'reset': {'schemas': ['public', 'audit'], 'tables': ["
			   "'tickets', 'audit.tickets', 'a.b.c', {'schema': 'my.schema', "
			   "'table': 'x.y'}, {'table': 'v1.2'}, 'we\\'ird \\u00e9', "
			   "{'schema': 'S p', 'table': 'T'}]}"));
	t = &cfg->targets[0];
	assert_false(t->tables_all);
	assert_int_equal(t->ntables, 7);
	assert_null(t->tables[0].schema);
	assert_string_equal(t->tables[0].name, "tickets");
	assert_string_equal(t->tables[1].schema, "audit");
	assert_string_equal(t->tables[1].name, "tickets");
	assert_string_equal(t->tables[2].schema, "a");
	assert_string_equal(t->tables[2].name, "b.c");
	assert_string_equal(t->tables[3].schema, "my.schema");
	assert_string_equal(t->tables[3].name, "x.y");
	assert_null(t->tables[4].schema);
	assert_string_equal(t->tables[4].name, "v1.2");
	assert_null(t->tables[5].schema);
	assert_string_equal(t->tables[5].name, "we\"ird \xc3\xa9");
	assert_string_equal(t->tables[6].schema, "S p");
	assert_string_equal(t->tables[6].name, "T");
	assert_int_equal(t->schemas.n, 2);
	config_free(cfg);

	/* With two schemas an unqualified name may be either: not a duplicate. */
	cfg = parse_ok(TGT(", 'reset': {'schemas': ['a', 'b'], 'tables': ['x', 'a.x', 'b.x']}"));
	assert_int_equal(cfg->targets[0].ntables, 3);
	config_free(cfg);
}

static const char *good_json =
    "{\n"
    "  'version': 1,\n"
    "  'backup_dir': './var//backups/',\n"
    "  'production': {\n"
    "    'branches': ['main', 'deploy/*'],\n"
    "    'env_names': ['STAGE'],\n"
    "    'env_values': []\n"
    "  },\n"
    "  'targets': {\n"
    "    'discord-bot': {\n"
    "      'project': 'bot-stack',\n"
    "      'production': true,\n"
    "      'database': {'service': 'db', 'name': 'bot', 'user': 'botuser',\n"
    "                   'password_env': 'DB_PASSWORD',\n"
    "                   'url': 'host=127.0.0.1 port=5433'},\n"
    "      'apps': ['bot', {'container': 'worker-1'}, {'service': 'web'}],\n"
    "      'caches': [{'service': 'redis', 'db': 2, 'flush': 'all',\n"
    "                  'password_env': 'REDIS_PASSWORD'},\n"
    "                 {'container': 'cache'}],\n"
    "      'reset': {\n"
    "        'schemas': ['public', 'audit'],\n"
    "        'tables': ['tickets', 'audit.events', {'schema': 'public', 'table': 'a.b'}],\n"
    "        'keep': ['settings'],\n"
    "        'restart_identity': false,\n"
    "        'strategy': 'truncate'\n"
    "      },\n"
    "      'seeds': {\n"
    "        'lookups': [{'sql': 'seeds/lookups.sql'}],\n"
    "        'demo': [\n"
    "          {'copy': 'seeds/words.csv', 'table': 'public.words',\n"
    "           'columns': ['id', 'word'], 'format': 'csv'},\n"
    "          {'copy': '%D/seeds/words.csv', 'table': {'table': 'x.y'}},\n"
    "          {'run': {'service': 'bot', 'command': ['npm', 'run', 'db:seed', ''],\n"
    "                   'env': {'SEED': '1', 'EMPTY': ''}}},\n"
    "          {'run': {'container': 'tools', 'command': ['seed']}}\n"
    "        ]\n"
    "      },\n"
    "      'default_seeds': ['lookups', 'demo'],\n"
    "      'stats': {'open tickets': 'SELECT count(*) FROM tickets WHERE status = "
    "\\u0027open\\u0027',\n"
    "                'users': 'SELECT count(*) FROM users'},\n"
    "      'backup': {'format': 'json', 'keep': 5, 'dir': '../elsewhere/bot'},\n"
    "      'restore': {'merge': {'tickets': {'key': ['guild_id', 'number']},\n"
    "                            'audit.events': 'append', 'users': {}}}\n"
    "    },\n"
    "    'shop.v2': {\n"
    "      'database': {'container': 'shop-db'},\n"
    "      'reset': {\n"
    "        'tables': '*',\n"
    "        'strategy': 'recreate',\n"
    "        'migrate': {'sql': ['migrations/001.sql', 'migrations/002.sql'],\n"
    "                    'service': 'api', 'command': ['npx', 'prisma', 'migrate', 'deploy']}\n"
    "      }\n"
    "    },\n"
    "    'mini': {'database': {'service': 'pg'}}\n"
    "  }\n"
    "}\n";

static void good_config(void **state)
{
	char *json = subst_dir(good_json);
	struct config *cfg = parse_ok(json);
	struct cfg_target *t;
	char *s;

	(void)state;
	free(json);
	assert_string_equal(cfg->path, cfgpath);
	assert_string_equal(cfg->dir, dir);
	s = xasprintf("%s/var/backups", dir);
	assert_string_equal(cfg->backup_dir, s);
	free(s);
	assert_int_equal(cfg->branches.n, 2);
	assert_string_equal(cfg->branches.v[0], "main");
	assert_string_equal(cfg->branches.v[1], "deploy/*");
	assert_int_equal(cfg->env_names.n, 1);
	assert_string_equal(cfg->env_names.v[0], "STAGE");
	assert_int_equal(cfg->env_values.n, 0);
	assert_int_equal(cfg->ntargets, 3);

	/* Targets keep the file's order. */
	t = &cfg->targets[0];
	assert_ptr_equal(config_target(cfg, "discord-bot"), t);
	assert_string_equal(t->name, "discord-bot");
	assert_string_equal(t->project, "bot-stack");
	assert_true(t->production);
	assert_string_equal(t->db.service, "db");
	assert_null(t->db.container);
	assert_string_equal(t->db_name, "bot");
	assert_string_equal(t->db_user, "botuser");
	assert_string_equal(t->password_env, "DB_PASSWORD");
	assert_string_equal(t->url, "host=127.0.0.1 port=5433");

	assert_int_equal(t->napps, 3);
	assert_string_equal(t->apps[0].service, "bot");
	assert_null(t->apps[0].container);
	assert_null(t->apps[1].service);
	assert_string_equal(t->apps[1].container, "worker-1");
	assert_string_equal(t->apps[2].service, "web");

	assert_int_equal(t->ncaches, 2);
	assert_string_equal(t->caches[0].ref.service, "redis");
	assert_int_equal(t->caches[0].db, 2);
	assert_true(t->caches[0].flush_all);
	assert_string_equal(t->caches[0].password_env, "REDIS_PASSWORD");
	assert_string_equal(t->caches[1].ref.container, "cache");
	assert_int_equal(t->caches[1].db, 0);
	assert_false(t->caches[1].flush_all);
	assert_null(t->caches[1].password_env);

	assert_int_equal(t->schemas.n, 2);
	assert_string_equal(t->schemas.v[0], "public");
	assert_string_equal(t->schemas.v[1], "audit");
	assert_false(t->tables_all);
	assert_int_equal(t->ntables, 3);
	assert_null(t->tables[0].schema);
	assert_string_equal(t->tables[0].name, "tickets");
	assert_string_equal(t->tables[1].schema, "audit");
	assert_string_equal(t->tables[1].name, "events");
	assert_string_equal(t->tables[2].schema, "public");
	assert_string_equal(t->tables[2].name, "a.b");
	assert_int_equal(t->nkeep, 1);
	assert_null(t->keep[0].schema);
	assert_string_equal(t->keep[0].name, "settings");
	assert_false(t->restart_identity);
	assert_int_equal(t->strategy, STRATEGY_TRUNCATE);
	assert_int_equal(t->migrate_sql.n, 0);
	assert_null(t->migrate_ref.service);
	assert_int_equal(t->migrate_argv.n, 0);

	assert_int_equal(t->nseeds, 2);
	assert_string_equal(t->seeds[0].name, "lookups");
	assert_int_equal(t->seeds[0].nsteps, 1);
	assert_int_equal(t->seeds[0].steps[0].kind, SEED_SQL);
	s = xasprintf("%s/seeds/lookups.sql", dir);
	assert_string_equal(t->seeds[0].steps[0].file, s);
	free(s);
	assert_string_equal(t->seeds[1].name, "demo");
	assert_int_equal(t->seeds[1].nsteps, 4);
	{
		struct cfg_seed_step *st = t->seeds[1].steps;

		s = xasprintf("%s/seeds/words.csv", dir);
		assert_int_equal(st[0].kind, SEED_COPY);
		assert_string_equal(st[0].file, s);
		assert_string_equal(st[0].table.schema, "public");
		assert_string_equal(st[0].table.name, "words");
		assert_int_equal(st[0].columns.n, 2);
		assert_string_equal(st[0].columns.v[0], "id");
		assert_string_equal(st[0].columns.v[1], "word");
		assert_true(st[0].csv);
		assert_int_equal(st[1].kind, SEED_COPY);
		assert_string_equal(st[1].file, s);
		assert_null(st[1].table.schema);
		assert_string_equal(st[1].table.name, "x.y");
		assert_int_equal(st[1].columns.n, 0);
		assert_false(st[1].csv);
		free(s);
		assert_int_equal(st[2].kind, SEED_RUN);
		assert_string_equal(st[2].run.service, "bot");
		assert_int_equal(st[2].argv.n, 4);
		assert_string_equal(st[2].argv.v[0], "npm");
		assert_string_equal(st[2].argv.v[2], "db:seed");
		assert_string_equal(st[2].argv.v[3], "");
		assert_int_equal(st[2].env.n, 2);
		assert_string_equal(st[2].env.v[0], "SEED=1");
		assert_string_equal(st[2].env.v[1], "EMPTY=");
		assert_null(st[2].file);
		assert_int_equal(st[3].kind, SEED_RUN);
		assert_string_equal(st[3].run.container, "tools");
		assert_int_equal(st[3].argv.n, 1);
		assert_int_equal(st[3].env.n, 0);
	}
	assert_int_equal(t->default_seeds.n, 2);
	assert_string_equal(t->default_seeds.v[0], "lookups");
	assert_string_equal(t->default_seeds.v[1], "demo");

	assert_int_equal(t->nstats, 2);
	assert_string_equal(t->stats[0].name, "open tickets");
	assert_string_equal(t->stats[0].query,
			    "SELECT count(*) FROM tickets WHERE status = 'open'");
	assert_string_equal(t->stats[1].name, "users");

	assert_int_equal(t->backup_format, FORMAT_JSON);
	assert_int_equal(t->backup_keep, 5);
	/* a leading ".." names the config directory's parent */
	s = xasprintf("%s/elsewhere/bot", parent_of(dir));
	assert_string_equal(t->backup_dir, s);
	free(s);

	assert_int_equal(t->nmerge, 3);
	assert_null(t->merge[0].table.schema);
	assert_string_equal(t->merge[0].table.name, "tickets");
	assert_false(t->merge[0].append);
	assert_int_equal(t->merge[0].key.n, 2);
	assert_string_equal(t->merge[0].key.v[0], "guild_id");
	assert_string_equal(t->merge[0].key.v[1], "number");
	assert_string_equal(t->merge[1].table.schema, "audit");
	assert_string_equal(t->merge[1].table.name, "events");
	assert_true(t->merge[1].append);
	assert_string_equal(t->merge[2].table.name, "users");
	assert_false(t->merge[2].append);
	assert_int_equal(t->merge[2].key.n, 0);

	t = &cfg->targets[1];
	assert_ptr_equal(config_target(cfg, "shop.v2"), t);
	assert_null(t->db.service);
	assert_string_equal(t->db.container, "shop-db");
	assert_true(t->tables_all);
	assert_int_equal(t->strategy, STRATEGY_RECREATE);
	assert_int_equal(t->migrate_sql.n, 2);
	s = xasprintf("%s/migrations/002.sql", dir);
	assert_string_equal(t->migrate_sql.v[1], s);
	free(s);
	assert_string_equal(t->migrate_ref.service, "api");
	assert_int_equal(t->migrate_argv.n, 4);
	assert_string_equal(t->migrate_argv.v[3], "deploy");
	s = xasprintf("%s/var/backups/shop.v2", dir);
	assert_string_equal(t->backup_dir, s);
	free(s);

	assert_ptr_equal(config_target(cfg, "mini"), &cfg->targets[2]);
	assert_null(config_target(cfg, "nope"));
	assert_null(config_target(cfg, "Mini"));
	config_free(cfg);
}

static void defaults_filled(void **state)
{
	struct config *cfg = parse_ok("{'targets': {'t': {'database': {'service': 'db'}}}}");
	struct cfg_target *t = &cfg->targets[0];
	char *s;

	(void)state;
	s = xasprintf("%s/backups", dir);
	assert_string_equal(cfg->backup_dir, s);
	free(s);
	assert_int_equal(cfg->branches.n, 3);
	assert_string_equal(cfg->branches.v[2], "release/*");
	assert_int_equal(cfg->env_names.n, 10);
	assert_string_equal(cfg->env_names.v[0], "APP_ENV");
	assert_string_equal(cfg->env_names.v[9], "DOCKRESET_ENV");
	assert_int_equal(cfg->env_values.n, 4);
	assert_string_equal(cfg->env_values.v[3], "live");

	assert_null(t->project);
	assert_false(t->production);
	assert_null(t->db_name);
	assert_null(t->db_user);
	assert_string_equal(t->password_env, "POSTGRES_PASSWORD");
	assert_null(t->url);
	assert_int_equal(t->napps, 0);
	assert_int_equal(t->ncaches, 0);
	assert_int_equal(t->schemas.n, 1);
	assert_string_equal(t->schemas.v[0], "public");
	assert_false(t->tables_all);
	assert_int_equal(t->ntables, 0);
	assert_int_equal(t->nkeep, 0);
	assert_true(t->restart_identity);
	assert_int_equal(t->strategy, STRATEGY_TRUNCATE);
	assert_int_equal(t->nseeds, 0);
	assert_int_equal(t->default_seeds.n, 0);
	assert_int_equal(t->nstats, 0);
	assert_int_equal(t->backup_format, FORMAT_CUSTOM);
	assert_int_equal(t->backup_keep, 20);
	s = xasprintf("%s/backups/t", dir);
	assert_string_equal(t->backup_dir, s);
	free(s);
	assert_int_equal(t->nmerge, 0);
	config_free(cfg);

	/* A production block replaces only the lists it gives. */
	cfg = parse_ok("{'production': {'env_values': ['staging']}, 'backup_dir': '/srv/b/',"
		       " 'targets': {'t': {'database': {'service': 'db'}, 'reset': {}}}}");
	assert_int_equal(cfg->branches.n, 3);
	assert_int_equal(cfg->env_names.n, 10);
	assert_int_equal(cfg->env_values.n, 1);
	assert_string_equal(cfg->env_values.v[0], "staging");
	assert_string_equal(cfg->backup_dir, "/srv/b");
	assert_string_equal(cfg->targets[0].backup_dir, "/srv/b/t");
	assert_int_equal(cfg->targets[0].schemas.n, 1);
	config_free(cfg);
}

static void config_paths(void **state)
{
	const char *text = "{\"targets\": {\"t\": {\"database\": {\"service\": \"db\"}}}}";
	struct strbuf err = STRBUF_INIT;
	struct config *cfg = NULL;
	char *cwd = getcwd(NULL, 0);
	char *s;

	(void)state;
	/* A relative path is taken from the current directory. */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(config_parse(&cfg, text, strlen(text), "./proj//x.json", &err), 0);
	s = xasprintf("%s/proj/x.json", dir);
	assert_string_equal(cfg->path, s);
	free(s);
	s = xasprintf("%s/proj", dir);
	assert_string_equal(cfg->dir, s);
	free(s);
	config_free(cfg);
	assert_int_equal(chdir(cwd), 0);
	free(cwd);

	assert_int_equal(config_parse(&cfg, text, strlen(text), "/dockreset.json", &err), 0);
	assert_string_equal(cfg->path, "/dockreset.json");
	assert_string_equal(cfg->dir, "/");
	assert_string_equal(cfg->backup_dir, "/backups");
	assert_string_equal(cfg->targets[0].backup_dir, "/backups/t");
	config_free(cfg);
	strbuf_release(&err);
}

static void project_names(void **state)
{
	static const char *const cases[][2] = {
		{ "myapp", "myapp" },
		{ "My App", "myapp" },
		{ "My_Stack.v2", "my_stackv2" },
		{ "_foo", "foo" },
		{ "-_x-y_", "x-y_" },
		{ "123abc", "123abc" },
		{ "\xc3\x9c"
		  "ber",
		  "ber" }, /* U with diaeresis: dropped */
		{ "\xe2\x84\xaa"
		  "8s",
		  "k8s" }, /* KELVIN SIGN lowercases to k */
		{ "\xc4\xb0stanbul", "istanbul" },
		{ "...", "" },
		{ "", "" },
	};
	struct config *cfg;
	struct strbuf err = STRBUF_INIT;
	const char *text = "{\"targets\": {\"a\": {\"database\": {\"service\": \"db\"}}, "
			   "\"b\": {\"project\": \"explicit\", \"database\": {\"service\": "
			   "\"db\"}}}}";
	char *p;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		p = config_normalize_project(cases[i][0]);
		assert_string_equal(p, cases[i][1]);
		free(p);
	}

	assert_int_equal(
	    config_parse(&cfg, text, strlen(text), "/srv/My_Stack.v2/dockreset.json", &err), 0);
	unsetenv("COMPOSE_PROJECT_NAME");
	p = config_target_project(cfg, &cfg->targets[0]);
	assert_string_equal(p, "my_stackv2");
	free(p);
	p = config_target_project(cfg, &cfg->targets[1]);
	assert_string_equal(p, "explicit");
	free(p);
	setenv("COMPOSE_PROJECT_NAME", "from-env", 1);
	p = config_target_project(cfg, &cfg->targets[0]);
	assert_string_equal(p, "from-env");
	free(p);
	p = config_target_project(cfg, &cfg->targets[1]);
	assert_string_equal(p, "explicit");
	free(p);
	setenv("COMPOSE_PROJECT_NAME", "", 1);
	p = config_target_project(cfg, &cfg->targets[0]);
	assert_string_equal(p, "my_stackv2");
	free(p);
	unsetenv("COMPOSE_PROJECT_NAME");
	config_free(cfg);
	strbuf_release(&err);
}

/* Runs fn with stderr sent to a file; returns what it wrote. */
static char *capture_stderr(int (*fn)(void *), void *arg, int *ret)
{
	char *path = xasprintf("%s/stderr.txt", dir);
	struct strbuf sb = STRBUF_INIT;
	int saved = dup(2);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(saved >= 0 && fd >= 0);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	*ret = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(read_file_max(&sb, path, 65536), 0);
	unlink(path);
	free(path);
	return strbuf_detach(&sb);
}

struct find_call {
	const char *explicit_path;
	char *found;
};

static int call_find(void *arg)
{
	struct find_call *fc = arg;

	return config_find(&fc->found, fc->explicit_path);
}

static void find_expect(const char *explicit_path, const char *want_path, const char *want_err)
{
	struct find_call fc = { explicit_path, NULL };
	char *want = want_err ? subst_dir(want_err) : NULL;
	char *wpath = want_path ? subst_dir(want_path) : NULL;
	int ret;
	char *out = capture_stderr(call_find, &fc, &ret);

	if (wpath) {
		assert_int_equal(ret, 0);
		assert_string_equal(fc.found, wpath);
		assert_string_equal(out, "");
	} else {
		assert_int_equal(ret, -1);
		assert_null(fc.found);
		assert_string_equal(out, want);
	}
	free(fc.found);
	free(out);
	free(want);
	free(wpath);
}

static void find_config(void **state)
{
	char *cwd = getcwd(NULL, 0);
	char *sub = xasprintf("%s/proj/a/b", dir);
	char *empty = xasprintf("%s/empty", dir);
	struct stat st;

	(void)state;
	unsetenv("DOCKRESET_CONFIG");
	assert_int_equal(chdir(sub), 0);
	/* The nearest parent's file, as an absolute path. */
	find_expect(NULL, "%D/proj/dockreset.json", NULL);
	/* -c: relative to the current directory, made absolute. */
	find_expect("../../dockreset.json", "%D/proj/dockreset.json", NULL);
	find_expect("nope.json", NULL,
		    "dockreset: error: cannot read config file 'nope.json': No such file or "
		    "directory\n");
	find_expect("..", NULL, "dockreset: error: cannot read config file '..': Is a directory\n");
	/* $DOCKRESET_CONFIG comes after -c, before the search. */
	setenv("DOCKRESET_CONFIG", "../../../seeds/lookups.sql", 1);
	find_expect(NULL, "%D/seeds/lookups.sql", NULL);
	find_expect("../../dockreset.json", "%D/proj/dockreset.json", NULL);
	setenv("DOCKRESET_CONFIG", "/nonexistent/dockreset.json", 1);
	find_expect(NULL, NULL,
		    "dockreset: error: cannot read config file '/nonexistent/dockreset.json': "
		    "No such file or directory\nhint: the file is named by $DOCKRESET_CONFIG\n");
	setenv("DOCKRESET_CONFIG", "", 1);
	find_expect(NULL, "%D/proj/dockreset.json", NULL);
	unsetenv("DOCKRESET_CONFIG");

	/* Nothing in the directory or its parents (unless this host has one). */
	assert_int_equal(chdir(empty), 0);
	if (stat("/tmp/dockreset.json", &st) && stat("/dockreset.json", &st))
		find_expect(NULL, NULL,
			    "dockreset: error: no dockreset.json found in '%D/empty' or its "
			    "parents\nhint: create one (see README) or pass -c FILE\n");
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	free(sub);
	free(empty);
}

struct load_call {
	const char *path;
	struct config *cfg;
};

static int call_load(void *arg)
{
	struct load_call *lc = arg;

	return config_load(&lc->cfg, lc->path);
}

static void load_config(void **state)
{
	struct load_call lc = { NULL, NULL };
	char *path = xasprintf("%s/load.json", dir);
	char *want;
	char *out;
	int ret;

	(void)state;
	write_file("load.json", "{\"targets\": {\"x\": {\"database\": {\"service\": \"db\"},\n"
				"  \"reset\": {\"keep\": [\"a\", \"b\", 2]}}}}\n");
	lc.path = path;
	out = capture_stderr(call_load, &lc, &ret);
	want = xasprintf("dockreset: error: '%s': targets.x.reset.keep[2]: expected a string or "
			 "an object, got an integer\n",
			 path);
	assert_int_equal(ret, -1);
	assert_null(lc.cfg);
	assert_string_equal(out, want);
	free(out);
	free(want);

	write_file("load.json", "{\"targets\": {\"x\": {\"database\": {\"service\": \"db\"}}}}\n");
	out = capture_stderr(call_load, &lc, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(out, "");
	assert_string_equal(lc.cfg->path, path);
	assert_string_equal(lc.cfg->targets[0].name, "x");
	config_free(lc.cfg);
	free(out);

	/* The size cap. */
	{
		char *big = xmalloc(1024 * 1024 + 2);

		memset(big, ' ', 1024 * 1024 + 1);
		big[1024 * 1024 + 1] = '\0';
		write_file("load.json", big);
		free(big);
	}
	out = capture_stderr(call_load, &lc, &ret);
	want = xasprintf("dockreset: error: config file '%s' is larger than 1048576 bytes\n", path);
	assert_int_equal(ret, -1);
	assert_string_equal(out, want);
	free(out);
	free(want);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syntax_errors),    cmocka_unit_test(duplicate_keys),
		cmocka_unit_test(byte_order_mark),  cmocka_unit_test(unknown_keys),
		cmocka_unit_test(wrong_types),	    cmocka_unit_test(bad_enums),
		cmocka_unit_test(structure_errors), cmocka_unit_test(target_names),
		cmocka_unit_test(strategy_rules),   cmocka_unit_test(files_checked),
		cmocka_unit_test(table_errors),	    cmocka_unit_test(tables_forms),
		cmocka_unit_test(good_config),	    cmocka_unit_test(defaults_filled),
		cmocka_unit_test(config_paths),	    cmocka_unit_test(project_names),
		cmocka_unit_test(find_config),	    cmocka_unit_test(load_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
