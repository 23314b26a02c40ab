/*
 * test_schema.c - the schema helper's pure parts: schema_parse over
 * documents SCHEMA_QUERY returned from PostgreSQL 15.18, and the exact
 * statements schema_sql writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/*
 * Recorded from PostgreSQL 15.18 (`schema-tool doc public app`) after:
 * CREATE EXTENSION citext (in public); other.o with a citext column and a
 * foreign key into public.t; view other.v over public.t; schema app owned by
 * app_owner with hstore, REVOKE ALL FROM PUBLIC, USAGE to reader WITH GRANT
 * OPTION, USAGE+CREATE to "odd ""name"""; default privileges of app_owner
 * and writer; GRANT CREATE ON SCHEMA public TO writer.
 */
static const char RECORDED[] =
    "{\"schemas\" : [{\"name\" : \"app\", \"owner\" : \"app_owner\", \"acl\" : "
    "\"{app_owner=UC/app_owner,reader=U*/app_owner,\\\"\\\\\\\"odd "
    "\\\\\\\"\\\\\\\"name\\\\\\\"\\\\\\\"\\\\\\\"=UC/app_owner\\\"}\", \"default_acls\" : "
    "[{\"role\" : \"app_owner\", \"objtype\" : \"S\", \"acl\" : \"{reader=r*U*/app_owner}\"}, "
    "{\"role\" : \"app_owner\", \"objtype\" : \"r\", \"acl\" : \"{reader=r/app_owner}\"}, "
    "{\"role\" : \"writer\", \"objtype\" : \"T\", \"acl\" : \"{reader=U/writer}\"}, {\"role\" "
    ": \"writer\", \"objtype\" : \"f\", \"acl\" : \"{reader=X/writer}\"}, {\"role\" : "
    "\"writer\", \"objtype\" : \"r\", \"acl\" : "
    "\"{\\\"\\\\\\\"odd \\\\\\\"\\\\\\\"name\\\\\\\"\\\\\\\"\\\\\\\"=awd/writer\\\"}\"}], "
    "\"extensions\" : [{\"name\" : \"hstore\", \"version\" : \"1.8\", \"oid\" : 16540}]}, "
    "{\"name\" : \"public\", \"owner\" : \"pg_database_owner\", \"acl\" : "
    "\"{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner,writer=C/"
    "pg_database_owner}\", \"default_acls\" : [], \"extensions\" : [{\"name\" : \"citext\", "
    "\"version\" : \"1.6\", \"oid\" : 16393}]}], \"outside\" : [\"column c of table other.o "
    "depends on type public.citext\", \"column name of view other.v depends on type "
    "public.citext\", \"table constraint o_t_id_fkey on other.o depends on table public.t\", "
    "\"view other.v depends on table public.t\"]}";

/* `public` as PostgreSQL 15 creates it, nothing else (recorded). */
static const char PUBLIC15[] =
    "{\"schemas\" : [{\"name\" : \"public\", \"owner\" : \"pg_database_owner\", \"acl\" : "
    "\"{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}\", \"default_acls\" : "
    "[], \"extensions\" : []}], \"outside\" : []}";

static void parse_ok(struct schema_set *s, const char *const *names, size_t n, const char *doc)
{
	struct strbuf err = STRBUF_INIT;

	if (schema_parse(s, names, n, doc, strlen(doc), &err) != 0)
		fail_msg("schema_parse: %s", err.buf);
	assert_int_equal(err.len, 0);
	strbuf_release(&err);
}

/* schema_sql of s with every schema's recreate set to recreate, compared
 * with the NULL-terminated expected statements. */
static void expect_sql(struct schema_set *s, int recreate, const char *const *want)
{
	struct strlist out = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT;
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		s->v[i].recreate = recreate;
	if (schema_sql(&out, s, &err) != 0)
		fail_msg("schema_sql: %s", err.buf);
	while (want[n])
		n++;
	for (size_t i = 0; i < out.n && i < n; i++)
		assert_string_equal(out.v[i], want[i]);
	assert_int_equal(out.n, n);
	strlist_clear(&out);
	strbuf_release(&err);
}

static void parses_a_recorded_document(void **state)
{
	const char *names[] = { "public", "app", "gone" };
	struct schema_set s;

	(void)state;
	parse_ok(&s, names, 3, RECORDED);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].name, "public");
	assert_int_equal(s.v[0].exists, 1);
	assert_string_equal(s.v[0].owner, "pg_database_owner");
	assert_string_equal(s.v[0].acl, "{pg_database_owner=UC/pg_database_owner,=U/"
					"pg_database_owner,writer=C/pg_database_owner}");
	assert_int_equal(s.v[0].ndefacl, 0);
	assert_int_equal(s.v[0].next, 1);
	assert_string_equal(s.v[0].ext[0].name, "citext");
	assert_string_equal(s.v[0].ext[0].version, "1.6");
	assert_int_equal(s.v[0].ext[0].oid, 16393);
	assert_string_equal(s.v[1].name, "app");
	assert_string_equal(s.v[1].owner, "app_owner");
	assert_string_equal(s.v[1].acl, "{app_owner=UC/app_owner,reader=U*/app_owner,"
					"\"\\\"odd \\\"\\\"name\\\"\\\"\\\"=UC/app_owner\"}");
	assert_int_equal(s.v[1].ndefacl, 5);
	assert_string_equal(s.v[1].defacl[0].role, "app_owner");
	assert_int_equal(s.v[1].defacl[0].objtype, 'S');
	assert_string_equal(s.v[1].defacl[0].acl, "{reader=r*U*/app_owner}");
	assert_int_equal(s.v[1].defacl[3].objtype, 'f');
	assert_string_equal(s.v[1].ext[0].name, "hstore");
	assert_string_equal(s.v[2].name, "gone");
	assert_int_equal(s.v[2].exists, 0);
	assert_null(s.v[2].owner);
	assert_int_equal(s.outside.n, 4);
	assert_string_equal(s.outside.v[0],
			    "column c of table other.o depends on type public.citext");
	assert_string_equal(s.outside.v[3], "view other.v depends on table public.t");
	schema_set_release(&s);
	assert_int_equal(s.n, 0);
}

static void bad_documents_name_the_path(void **state)
{
	static const struct {
		const char *doc, *msg;
	} cases[] = {
		{ "[", "line 1, column 1:" },
		{ "[]", "not a JSON object" },
		{ "{\"outside\": []}", "schemas: missing" },
		{ "{\"schemas\": {}, \"outside\": []}", "schemas: not an array" },
		{ "{\"schemas\": [], \"outside\": 1}", "outside: not an array" },
		{ "{\"schemas\": []}", "outside: missing" },
		{ "{\"schemas\": [], \"outside\": [\"a\", 2]}",
		  "outside[1]: not a non-empty string" },
		{ "{\"schemas\": [7], \"outside\": []}", "schemas[0]: not an object" },
		{ "{\"schemas\": [{}], \"outside\": []}", "schemas[0].name: missing" },
		{ "{\"schemas\": [{\"name\": \"zz\"}], \"outside\": []}",
		  "schemas[0].name: 'zz' was not asked for" },
		{ "{\"schemas\": [{\"name\": \"a\", \"acl\": null, \"default_acls\": [], "
		  "\"extensions\": []}], \"outside\": []}",
		  "schemas[0].owner: missing" },
		{ "{\"schemas\": [{\"name\": \"a\", \"owner\": \"o\", \"acl\": 3, "
		  "\"default_acls\": [], \"extensions\": []}], \"outside\": []}",
		  "schemas[0].acl: not a non-empty string" },
		{ "{\"schemas\": [{\"name\": \"a\", \"owner\": \"o\", \"default_acls\": [], "
		  "\"extensions\": []}, {\"name\": \"b\", \"owner\": \"o\", \"default_acls\": "
		  "[{\"role\": \"r\", \"objtype\": \"x\", \"acl\": \"{}\"}], \"extensions\": []}], "
		  "\"outside\": []}",
		  "schemas[1].default_acls[0].objtype: 'x' is not one of r, S, f, T, n" },
		{ "{\"schemas\": [{\"name\": \"a\", \"owner\": \"o\", \"default_acls\": "
		  "[{\"role\": "
		  "\"r\", \"objtype\": \"r\"}], \"extensions\": []}], \"outside\": []}",
		  "schemas[0].default_acls[0].acl: missing" },
		{ "{\"schemas\": [{\"name\": \"a\", \"owner\": \"o\", \"default_acls\": [], "
		  "\"extensions\": [{\"name\": \"e\", \"version\": \"1\"}]}], \"outside\": []}",
		  "schemas[0].extensions[0].oid: missing" },
		{ "{\"schemas\": [{\"name\": \"a\", \"owner\": \"o\", \"default_acls\": [], "
		  "\"extensions\": [{\"name\": \"e\", \"oid\": 5}]}], \"outside\": []}",
		  "schemas[0].extensions[0].version: missing" },
		{ "{\"schemas\": [{\"name\": \"a\", \"owner\": \"o\", \"default_acls\": [], "
		  "\"extensions\": []}, {\"name\": \"a\", \"owner\": \"o\", \"default_acls\": [], "
		  "\"extensions\": []}], \"outside\": []}",
		  "schemas[1].name: 'a' appears twice" },
		{ "{\"schemas\": [{\"name\": \"a\", \"owner\": \"o\", \"extensions\": []}], "
		  "\"outside\": []}",
		  "schemas[0].default_acls: missing" },
	};
	const char *names[] = { "a", "b" };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf err = STRBUF_INIT;
		struct schema_set s;

		memset(&s, 0x5a, sizeof(s));
		assert_int_equal(
		    schema_parse(&s, names, 2, cases[i].doc, strlen(cases[i].doc), &err), -1);
		if (!strstr(err.buf, cases[i].msg))
			fail_msg("case %zu: '%s' does not hold '%s'", i, err.buf, cases[i].msg);
		assert_int_equal(s.n, 0);
		assert_null(s.v);
		assert_int_equal(s.outside.n, 0);
		schema_set_release(&s);
		strbuf_release(&err);
	}
}

static void public_of_postgresql_15(void **state)
{
	const char *names[] = { "public" };
	const char *want[] = {
		"DROP SCHEMA IF EXISTS \"public\" CASCADE",
		"CREATE SCHEMA \"public\"",
		"ALTER SCHEMA \"public\" OWNER TO \"pg_database_owner\"",
		"GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"pg_database_owner\"",
		"GRANT USAGE ON SCHEMA \"public\" TO PUBLIC",
		NULL,
	};
	struct schema_set s;

	(void)state;
	parse_ok(&s, names, 1, PUBLIC15);
	expect_sql(&s, 1, want);
	schema_set_release(&s);
}

static void recorded_schemas_with_grant_options_and_quoted_names(void **state)
{
	const char *names[] = { "app", "public" };
	const char *want[] = {
		"DROP SCHEMA IF EXISTS \"app\" CASCADE",
		"DROP SCHEMA IF EXISTS \"public\" CASCADE",
		"CREATE SCHEMA \"app\"",
		"ALTER SCHEMA \"app\" OWNER TO \"app_owner\"",
		"GRANT USAGE, CREATE ON SCHEMA \"app\" TO \"app_owner\"",
		"GRANT USAGE ON SCHEMA \"app\" TO \"reader\" WITH GRANT OPTION",
		"GRANT USAGE, CREATE ON SCHEMA \"app\" TO \"odd \"\"name\"\"\"",
		"CREATE SCHEMA \"public\"",
		"ALTER SCHEMA \"public\" OWNER TO \"pg_database_owner\"",
		"GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"pg_database_owner\"",
		"GRANT USAGE ON SCHEMA \"public\" TO PUBLIC",
		"GRANT CREATE ON SCHEMA \"public\" TO \"writer\"",
		/* oldest first: citext (16393) before hstore (16540) */
		"CREATE EXTENSION IF NOT EXISTS \"citext\" WITH SCHEMA \"public\" VERSION '1.6'",
		"CREATE EXTENSION IF NOT EXISTS \"hstore\" WITH SCHEMA \"app\" VERSION '1.8'",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"app_owner\" IN SCHEMA \"app\" GRANT SELECT, "
		"USAGE ON SEQUENCES TO \"reader\" WITH GRANT OPTION",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"app_owner\" IN SCHEMA \"app\" GRANT SELECT ON "
		"TABLES TO \"reader\"",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"writer\" IN SCHEMA \"app\" GRANT USAGE ON "
		"TYPES "
		"TO \"reader\"",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"writer\" IN SCHEMA \"app\" GRANT EXECUTE ON "
		"FUNCTIONS TO \"reader\"",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"writer\" IN SCHEMA \"app\" GRANT INSERT, "
		"UPDATE, "
		"DELETE ON TABLES TO \"odd \"\"name\"\"\"",
		NULL,
	};
	struct schema_set s;

	(void)state;
	parse_ok(&s, names, 2, RECORDED);
	expect_sql(&s, 1, want);
	schema_set_release(&s);
}

/* A hand-made set of one schema. */
static void one_schema(struct schema_set *s, const char *name, const char *owner, const char *acl)
{
	memset(s, 0, sizeof(*s));
	s->v = calloc(1, sizeof(*s->v));
	s->n = 1;
	s->v[0].name = strdup(name);
	s->v[0].exists = 1;
	s->v[0].owner = strdup(owner);
	s->v[0].acl = acl ? strdup(acl) : NULL;
}

static void add_defacl(struct schema_set *s, const char *role, char objtype, const char *acl)
{
	struct schema_state *st = &s->v[0];

	st->defacl = realloc(st->defacl, (st->ndefacl + 1) * sizeof(*st->defacl));
	st->defacl[st->ndefacl].role = strdup(role);
	st->defacl[st->ndefacl].objtype = objtype;
	st->defacl[st->ndefacl++].acl = strdup(acl);
}

static void add_ext(struct schema_set *s, const char *name, const char *version, unsigned long oid)
{
	struct schema_state *st = &s->v[0];

	st->ext = realloc(st->ext, (st->next + 1) * sizeof(*st->ext));
	st->ext[st->next].name = strdup(name);
	st->ext[st->next].version = strdup(version);
	st->ext[st->next++].oid = oid;
}

static void null_acl_is_left_as_created(void **state)
{
	const char *want[] = {
		"DROP SCHEMA IF EXISTS \"s\" CASCADE",
		"CREATE SCHEMA \"s\"",
		"ALTER SCHEMA \"s\" OWNER TO \"o\"",
		NULL,
	};
	struct schema_set s;

	(void)state;
	one_schema(&s, "s", "o", NULL);
	expect_sql(&s, 1, want);
	schema_set_release(&s);
}

/* REVOKE ALL ON SCHEMA public FROM PUBLIC, then the owner's rights taken
 * too and given back after another grant: the owner's item is not first. */
static void public_revoked_and_owner_item_moved(void **state)
{
	const char *want1[] = {
		"DROP SCHEMA IF EXISTS \"public\" CASCADE",
		"CREATE SCHEMA \"public\"",
		"ALTER SCHEMA \"public\" OWNER TO \"pg_database_owner\"",
		"GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"pg_database_owner\"",
		NULL,
	};
	const char *want2[] = {
		"DROP SCHEMA IF EXISTS \"s\" CASCADE",
		"CREATE SCHEMA \"s\"",
		"ALTER SCHEMA \"s\" OWNER TO \"o\"",
		"REVOKE ALL ON SCHEMA \"s\" FROM \"o\"",
		"GRANT USAGE ON SCHEMA \"s\" TO \"a b\"",
		"GRANT USAGE ON SCHEMA \"s\" TO \"o\"",
		"GRANT CREATE ON SCHEMA \"s\" TO \"o\" WITH GRANT OPTION",
		NULL,
	};
	const char *want3[] = {
		"DROP SCHEMA IF EXISTS \"s\" CASCADE",
		"CREATE SCHEMA \"s\"",
		"ALTER SCHEMA \"s\" OWNER TO \"o\"",
		"REVOKE ALL ON SCHEMA \"s\" FROM \"o\"",
		NULL,
	};
	struct schema_set s;

	(void)state;
	one_schema(&s, "public", "pg_database_owner", "{pg_database_owner=UC/pg_database_owner}");
	expect_sql(&s, 1, want1);
	schema_set_release(&s);
	one_schema(&s, "s", "o", "{\"\\\"a b\\\"=U/o\",o=UC*/o}");
	expect_sql(&s, 1, want2);
	schema_set_release(&s);
	one_schema(&s, "s", "o", "{}");
	expect_sql(&s, 1, want3);
	schema_set_release(&s);
}

/* reader=U* granted USAGE on to x: granted as reader. */
static void item_of_another_grantor_is_granted_as_it(void **state)
{
	const char *want[] = {
		"DROP SCHEMA IF EXISTS \"s\" CASCADE",
		"CREATE SCHEMA \"s\"",
		"ALTER SCHEMA \"s\" OWNER TO \"o\"",
		"GRANT USAGE, CREATE ON SCHEMA \"s\" TO \"o\"",
		"GRANT USAGE ON SCHEMA \"s\" TO \"reader\" WITH GRANT OPTION",
		"SET ROLE \"reader\"",
		"GRANT USAGE ON SCHEMA \"s\" TO \"x\"",
		"RESET ROLE",
		NULL,
	};
	struct schema_set s;

	(void)state;
	one_schema(&s, "s", "o", "{o=UC/o,reader=U*/o,x=U/reader}");
	expect_sql(&s, 1, want);
	schema_set_release(&s);
}

static void default_acls_of_each_objtype(void **state)
{
	const char *want[] = {
		"DROP SCHEMA IF EXISTS \"s\" CASCADE",
		"CREATE SCHEMA \"s\"",
		"ALTER SCHEMA \"s\" OWNER TO \"o\"",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" IN SCHEMA \"s\" GRANT INSERT, SELECT, "
		"UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLES TO \"w\"",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" IN SCHEMA \"s\" GRANT SELECT ON TABLES TO "
		"PUBLIC",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" IN SCHEMA \"s\" GRANT SELECT ON TABLES TO "
		"\"r\" WITH GRANT OPTION",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" IN SCHEMA \"s\" GRANT USAGE ON SEQUENCES "
		"TO "
		"\"r\"",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" IN SCHEMA \"s\" GRANT SELECT, UPDATE ON "
		"SEQUENCES TO \"r\" WITH GRANT OPTION",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"x\"\"y\" IN SCHEMA \"s\" GRANT EXECUTE ON "
		"FUNCTIONS TO \"r\"",
		"ALTER DEFAULT PRIVILEGES FOR ROLE \"x\"\"y\" IN SCHEMA \"s\" GRANT USAGE ON TYPES "
		"TO "
		"\"a,b\" WITH GRANT OPTION",
		NULL,
	};
	struct schema_set s;

	(void)state;
	one_schema(&s, "s", "o", NULL);
	add_defacl(&s, "o", 'r', "{w=arwdDxt/o,=r/o,r=r*/o}");
	add_defacl(&s, "o", 'S', "{r=r*w*U/o}");
	add_defacl(&s, "x\"y", 'f', "{r=X/\"x\"\"y\"}");
	add_defacl(&s, "x\"y", 'T', "{\"\\\"a,b\\\"=U*/\\\"x\\\"\\\"y\\\"\"}");
	expect_sql(&s, 1, want);
	schema_set_release(&s);
}

/* For a restore the default privileges come after the dump (split off):
 * before it they would reach every restored table. */
static void default_acls_split_off_for_after_the_dump(void **state)
{
	struct strlist out = STRLIST_INIT, late = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT;
	struct schema_set s;

	(void)state;
	one_schema(&s, "s", "o", NULL);
	s.v[0].recreate = 1;
	add_defacl(&s, "o", 'r', "{w=r/o}");
	add_ext(&s, "citext", "1.6", 10);
	assert_int_equal(schema_sql_split(&out, &late, &s, &err), 0);
	assert_int_equal(out.n, 4);
	assert_string_equal(
	    out.v[3], "CREATE EXTENSION IF NOT EXISTS \"citext\" WITH SCHEMA \"s\" VERSION '1.6'");
	assert_int_equal(late.n, 1);
	assert_string_equal(late.v[0], "ALTER DEFAULT PRIVILEGES FOR ROLE \"o\" IN SCHEMA \"s\" "
				       "GRANT SELECT ON TABLES TO \"w\"");
	strlist_clear(&out);
	strlist_clear(&late);
	strbuf_release(&err);
	schema_set_release(&s);
}

static void extensions_oldest_first_and_literals_quoted(void **state)
{
	const char *want[] = {
		"DROP SCHEMA IF EXISTS \"s\" CASCADE",
		"CREATE SCHEMA \"s\"",
		"ALTER SCHEMA \"s\" OWNER TO \"o\"",
		"CREATE EXTENSION IF NOT EXISTS \"cube\" WITH SCHEMA \"s\" VERSION '1.5'",
		"CREATE EXTENSION IF NOT EXISTS \"earth\"\"distance\" WITH SCHEMA \"s\" VERSION "
		"'1.1''b'",
		"CREATE EXTENSION IF NOT EXISTS \"x\" WITH SCHEMA \"s\" VERSION E'1\\\\2'",
		NULL,
	};
	struct schema_set s;

	(void)state;
	one_schema(&s, "s", "o", NULL);
	add_ext(&s, "earth\"distance", "1.1'b", 20);
	add_ext(&s, "x", "1\\2", 30);
	add_ext(&s, "cube", "1.5", 10);
	expect_sql(&s, 1, want);
	schema_set_release(&s);
}

static void recreate_0_only_drops(void **state)
{
	const char *names[] = { "app", "public", "gone" };
	const char *want[] = {
		"DROP SCHEMA IF EXISTS \"app\" CASCADE",
		"DROP SCHEMA IF EXISTS \"public\" CASCADE",
		"DROP SCHEMA IF EXISTS \"gone\" CASCADE",
		NULL,
	};
	const char *want_gone[] = {
		"DROP SCHEMA IF EXISTS \"gone\" CASCADE",
		"CREATE SCHEMA \"gone\"",
		NULL,
	};
	struct schema_set s, g;

	(void)state;
	parse_ok(&s, names, 3, RECORDED);
	expect_sql(&s, 0, want);
	schema_set_release(&s);
	/* not in the database: created bare */
	parse_ok(&g, names + 2, 1, "{\"schemas\": [], \"outside\": []}");
	expect_sql(&g, 1, want_gone);
	schema_set_release(&g);
}

static void unreadable_acls_are_errors(void **state)
{
	static const struct {
		const char *acl;
		int defacl;
		const char *msg;
	} cases[] = {
		{ "", 0, "schema 's': cannot read the privileges ''" },
		{ "{", 0, "cannot read the privileges '{'" },
		{ "{o=UC/o", 0, "cannot read the privileges" },
		{ "{o=UC}", 0, "cannot read the privileges" },
		{ "{o=UC/}", 0, "cannot read the privileges" },
		{ "{o=Q/o}", 0, "cannot read the privileges '{o=Q/o}'" },
		{ "{o=**/o}", 0, "cannot read the privileges" },
		{ "{o=UU/o}", 0, "cannot read the privileges" },
		{ "{\"o=U/o}", 0, "cannot read the privileges" },
		{ "{\"\\\"o=U/o\"}", 0, "cannot read the privileges" },
		{ "{o=U/o,}", 0, "cannot read the privileges" },
		{ "{o=U/o}x", 0, "cannot read the privileges" },
		{ "{o\"x=U/o}", 0, "cannot read the privileges" },
		{ "{o=r/o}", 0, "schema 's': privilege 'r' is not one of a schema" },
		{ "{o=X/o}", 'r',
		  "default privileges of 'o' in schema 's': privilege 'X' does not "
		  "apply to TABLES" },
		{ "{o=U/o}", 'n', "object type 'n' has no default privileges in one schema" },
		{ "{o=U/o", 'S', "default privileges of 'o' in schema 's': cannot read the" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strlist out = STRLIST_INIT;
		struct strbuf err = STRBUF_INIT;
		struct schema_set s;

		one_schema(&s, "s", "o", cases[i].defacl ? NULL : cases[i].acl);
		if (cases[i].defacl)
			add_defacl(&s, "o", (char)cases[i].defacl, cases[i].acl);
		s.v[0].recreate = 1;
		strlist_push(&out, "before");
		assert_int_equal(schema_sql(&out, &s, &err), -1);
		if (!strstr(err.buf, cases[i].msg))
			fail_msg("case %zu: '%s' does not hold '%s'", i, err.buf, cases[i].msg);
		/* nothing appended on failure */
		assert_int_equal(out.n, 1);
		strlist_clear(&out);
		strbuf_release(&err);
		schema_set_release(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_recorded_document),
		cmocka_unit_test(bad_documents_name_the_path),
		cmocka_unit_test(public_of_postgresql_15),
		cmocka_unit_test(recorded_schemas_with_grant_options_and_quoted_names),
		cmocka_unit_test(null_acl_is_left_as_created),
		cmocka_unit_test(public_revoked_and_owner_item_moved),
		cmocka_unit_test(item_of_another_grantor_is_granted_as_it),
		cmocka_unit_test(default_acls_of_each_objtype),
		cmocka_unit_test(default_acls_split_off_for_after_the_dump),
		cmocka_unit_test(extensions_oldest_first_and_literals_quoted),
		cmocka_unit_test(recreate_0_only_drops),
		cmocka_unit_test(unreadable_acls_are_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
