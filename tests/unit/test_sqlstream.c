/*
 * test_sqlstream.c - the SQL stream reader (src/sqlstream.c) on what
 * pg_dump and pg_restore 15.18 really wrote (tests/unit/fixtures/sqlstream/),
 * fed whole and in chunks of every size from 1 to 64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sqlstream.h"
#include "util.h"

/* Every callback as one line of text; copy_data calls in a row are merged. */
struct trace {
	struct strbuf t;
	int in_data;
	int bad_data_calls; /* a copy_data call that was empty or not whole lines */
	const char *skip_table, *stop_table, *stop_seq, *stop_schema;
	int stop_data, stop_end;
};

static void end_data(struct trace *tr)
{
	if (tr->in_data)
		strbuf_addstr(&tr->t, ">\n");
	tr->in_data = 0;
}

static int on_copy_begin(void *ctx, const char *schema, const char *table,
			 const char *const *columns, size_t ncolumns)
{
	struct trace *tr = ctx;

	end_data(tr);
	strbuf_addf(&tr->t, "COPY %s|%s|", schema, table);
	for (size_t i = 0; i < ncolumns; i++)
		strbuf_addf(&tr->t, "%s%s", i ? "," : "", columns[i]);
	strbuf_addch(&tr->t, '\n');
	if (tr->stop_table && strcmp(table, tr->stop_table) == 0)
		return -1;
	if (tr->skip_table && strcmp(table, tr->skip_table) == 0)
		return 0;
	return 1;
}

static int on_copy_data(void *ctx, const char *buf, size_t len)
{
	struct trace *tr = ctx;

	if (!len || buf[len - 1] != '\n')
		tr->bad_data_calls++;
	if (!tr->in_data)
		strbuf_addstr(&tr->t, "DATA<");
	tr->in_data = 1;
	strbuf_add(&tr->t, buf, len);
	return tr->stop_data ? -1 : 0;
}

static int on_copy_end(void *ctx)
{
	struct trace *tr = ctx;

	end_data(tr);
	strbuf_addstr(&tr->t, "END\n");
	return tr->stop_end ? -1 : 0;
}

static int on_setval(void *ctx, const char *schema, const char *seq, long long v, int called)
{
	struct trace *tr = ctx;

	end_data(tr);
	strbuf_addf(&tr->t, "SETVAL %s|%s|%lld|%d\n", schema, seq, v, called);
	return tr->stop_seq && strcmp(seq, tr->stop_seq) == 0 ? -1 : 0;
}

static int on_schema(void *ctx, const char *name, int creates)
{
	struct trace *tr = ctx;

	end_data(tr);
	strbuf_addf(&tr->t, "SCHEMA %s|%d\n", name, creates);
	return tr->stop_schema && strcmp(name, tr->stop_schema) == 0 ? -1 : 0;
}

static const struct sqlstream_cb all_cb = { on_copy_begin, on_copy_data, on_copy_end, on_setval,
					    on_schema };

/* Feeds text in chunks of size chunk (0: whole); returns feed/finish result. */
static int run(const char *text, size_t len, size_t chunk, struct trace *tr, char **err)
{
	struct sqlstream *s = sqlstream_new(&all_cb, tr);
	int r = 0;

	if (!chunk)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len && r == 0; off += chunk)
		r = sqlstream_feed(s, text + off, len - off < chunk ? len - off : chunk);
	if (r == 0)
		r = sqlstream_finish(s);
	end_data(tr);
	if (err)
		*err = xstrdup(r ? sqlstream_error(s) : "");
	sqlstream_free(s);
	return r;
}

static char *fixture(const char *name, size_t *len)
{
	const char *env = getenv("DOCKRESET_FIXTURES");
	char *path = xasprintf("%s/sqlstream/%s", env && *env ? env : "tests/unit/fixtures", name);
	struct strbuf sb = STRBUF_INIT;

	if (read_file_max(&sb, path, 1 << 20) < 0)
		fail_msg("cannot read %s", path);
	free(path);
	*len = sb.len;
	return strbuf_detach(&sb);
}

/* The trace of a whole feed of a fixture, which must succeed. */
static char *fixture_trace(const char *name)
{
	size_t len;
	char *text = fixture(name, &len);
	struct trace tr = { STRBUF_INIT };
	char *err;

	assert_int_equal(run(text, len, 0, &tr, &err), 0);
	assert_string_equal(err, "");
	assert_int_equal(tr.bad_data_calls, 0);
	free(err);
	free(text);
	return strbuf_detach(&tr.t);
}

static const char plain_trace[] = "SCHEMA Odd Schema|0\n"
				  "SCHEMA Odd Schema|1\n"
				  "SCHEMA audit|0\n"
				  "SCHEMA audit|1\n"
				  "SCHEMA public|0\n"
				  "SCHEMA Odd Schema|0\n"
				  "SCHEMA Odd Schema|0\n"
				  "SCHEMA audit|0\n"
				  "SCHEMA audit|0\n"
				  "SCHEMA audit|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA audit|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA Odd Schema|0\n"
				  "COPY Odd Schema|t.dot|k\n"
				  "DATA<1\n>\n"
				  "END\n"
				  "SCHEMA audit|0\n"
				  "COPY audit|log|id,at,msg\n"
				  "DATA<1\t2026-11-30 00:50:31.920478+00\tx\n"
				  "2\t2026-11-30 00:50:31.920478+00\ty\n>\n"
				  "END\n"
				  "SCHEMA public|0\n"
				  "COPY public|Weird table|id,Odd\"col\n"
				  "DATA<1\ta\n2\t\\N\n3\tit's\n>\n"
				  "END\n"
				  "SCHEMA public|0\n"
				  "COPY public|events_2024|id,day,what\n"
				  "DATA<1\t2024-05-01\told\n>\n"
				  "END\n"
				  "SCHEMA public|0\n"
				  "COPY public|events_2025|id,day,what\n"
				  "DATA<2\t2025-05-01\tnew\n>\n"
				  "END\n"
				  "SCHEMA public|0\n"
				  "COPY public|tickets|id,title,price,body\n"
				  "DATA<1\tfirst\t1.5\tline1\\nline2\\ttab\\\\back\n"
				  "2\tsecond\t\\N\t\\N\n"
				  "3\tthird\t3\ta\\rb\n>\n"
				  "END\n"
				  "SCHEMA Odd Schema|0\n"
				  "SETVAL Odd Schema|s2|7|1\n"
				  "SCHEMA audit|0\n"
				  "SETVAL audit|log_id_seq|2|1\n"
				  "SCHEMA public|0\n"
				  "SETVAL public|Quo'te seq|5|0\n"
				  "SCHEMA public|0\n"
				  "SETVAL public|Weird table_id_seq|3|1\n"
				  "SCHEMA public|0\n"
				  "SETVAL public|standalone|101|1\n"
				  "SCHEMA public|0\n"
				  "SETVAL public|tickets_id_seq|27|1\n"
				  "SCHEMA Odd Schema|0\n"
				  "SCHEMA audit|0\n"
				  "SCHEMA public|0\n"
				  "SCHEMA public|0\n";

/*
 * The plain dump: quoted names and columns, the partitions' blocks (none
 * for the partitioned table), no generated column, escaped data lines,
 * every setval, and the schemas (CREATE SCHEMA for audit and "Odd Schema"
 * only; public named in headers only).
 */
static void test_plain_dump(void **state)
{
	char *t = fixture_trace("plain.sql");

	(void)state;
	assert_string_equal(t, plain_trace);
	assert_null(strstr(t, "|events|"));
	assert_null(strstr(t, "total"));
	assert_null(strstr(t, "fake"));
	free(t);
}

/* pg_restore -f - of the custom archive, and --clean --if-exists: the same. */
static void test_custom_and_clean_same_as_plain(void **state)
{
	char *a = fixture_trace("custom-restore.sql"), *b = fixture_trace("plain-clean.sql");

	(void)state;
	assert_string_equal(a, plain_trace);
	assert_string_equal(b, plain_trace);
	free(a);
	free(b);
}

/* pg_restore --data-only -f -: the same blocks and setvals, no CREATE SCHEMA. */
static void test_data_only(void **state)
{
	char *t = fixture_trace("custom-data-only.sql");
	struct strbuf want = STRBUF_INIT;
	const char *from = strstr(plain_trace, "SCHEMA Odd Schema|0\nCOPY ");

	(void)state;
	assert_non_null(from);
	/* the data part of the plain dump, without its last constraint headers */
	strbuf_add(&want, from,
		   strlen(from) - strlen("SCHEMA Odd Schema|0\nSCHEMA audit|0\n"
					 "SCHEMA public|0\nSCHEMA public|0\n"));
	assert_string_equal(t, strbuf_str(&want));
	assert_null(strstr(t, "SCHEMA audit|1"));
	assert_null(strstr(t, "SCHEMA Odd Schema|1"));
	strbuf_release(&want);
	free(t);
}

/*
 * public with another owner: a SCHEMA header, but "*not* creating schema",
 * so creates is never 1 for it (plain --clean and pg_restore -f - alike).
 */
static void test_public_owner_never_created(void **state)
{
	const char *names[] = { "public-owner-restore.sql", "public-owner-clean.sql" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *t = fixture_trace(names[i]);

		assert_non_null(strstr(t, "SCHEMA public|0\n"));
		assert_null(strstr(t, "SCHEMA public|1\n"));
		assert_non_null(strstr(t, "COPY public|t|a\n"));
		free(t);
	}
}

/* A changed ACL on public and an extension in its own schema. */
static void test_public_acl_and_extension_schema(void **state)
{
	char *t = fixture_trace("public-acl-restore.sql");

	(void)state;
	assert_non_null(strstr(t, "SCHEMA ext|0\nSCHEMA ext|1\n"));
	assert_non_null(strstr(t, "SCHEMA public|0\n"));
	assert_null(strstr(t, "SCHEMA public|1\n"));
	assert_null(strstr(t, "pg_trgm"));
	free(t);
}

/* Every fixture fed in chunks of 1..64 bytes gives the whole feed's trace. */
static void test_chunked_equals_whole(void **state)
{
	const char *names[] = { "plain.sql",
				"plain-clean.sql",
				"custom-restore.sql",
				"custom-data-only.sql",
				"public-owner-restore.sql",
				"public-acl-restore.sql" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t len;
		char *text = fixture(names[i], &len);
		char *whole = fixture_trace(names[i]);

		for (size_t chunk = 1; chunk <= 64; chunk++) {
			struct trace tr = { STRBUF_INIT };

			assert_int_equal(run(text, len, chunk, &tr, NULL), 0);
			assert_int_equal(tr.bad_data_calls, 0);
			if (strcmp(strbuf_str(&tr.t), whole) != 0)
				fail_msg("%s in chunks of %zu differs", names[i], chunk);
			strbuf_release(&tr.t);
		}
		free(whole);
		free(text);
	}
}

/* The trace and result of a string fed whole and in every chunk size 1..16. */
static int run_str(const char *text, struct trace *tr, char **err)
{
	int r = run(text, strlen(text), 0, tr, err);

	for (size_t chunk = 1; chunk <= 16; chunk++) {
		struct trace t2 = { STRBUF_INIT };
		char *e2;

		t2.skip_table = tr->skip_table;
		t2.stop_table = tr->stop_table;
		t2.stop_seq = tr->stop_seq;
		t2.stop_schema = tr->stop_schema;
		t2.stop_data = tr->stop_data;
		t2.stop_end = tr->stop_end;
		assert_int_equal(run(text, strlen(text), chunk, &t2, &e2), r);
		assert_string_equal(strbuf_str(&t2.t), strbuf_str(&tr->t));
		assert_string_equal(e2, *err);
		strbuf_release(&t2.t);
		free(e2);
	}
	return r;
}

static void expect(const char *text, int want_r, const char *want_trace, const char *want_err)
{
	struct trace tr = { STRBUF_INIT };
	char *err;

	assert_int_equal(run_str(text, &tr, &err), want_r);
	assert_string_equal(strbuf_str(&tr.t), want_trace);
	assert_string_equal(err, want_err);
	strbuf_release(&tr.t);
	free(err);
}

static void test_errors_with_line_numbers(void **state)
{
	(void)state;
	expect("SET x = 1;\n\nCOPY public.t (a FROM stdin;\n1\n\\.\n", -1, "",
	       "line 3: cannot read the COPY header");
	expect("SET x = 1;\nCOPY public.t (a) FROM stdin\n", -1, "",
	       "line 2: cannot read the COPY header");
	expect("COPY t (a) FROM stdin;\n", -1, "", "line 1: cannot read the COPY header");
	expect("COPY public.\"\" (a) FROM stdin;\n", -1, "", "line 1: cannot read the COPY header");
	expect("\n\n\nSELECT pg_catalog.setval('public.s', 12x, true);\n", -1, "",
	       "line 4: cannot read the setval statement");
	expect("SELECT pg_catalog.setval('public.s', 1, maybe);\n", -1, "",
	       "line 1: cannot read the setval statement");
	expect("SELECT pg_catalog.setval('s', 1, true);\n", -1, "",
	       "line 1: cannot read the setval statement");
	expect("SELECT pg_catalog.setval('public.s', 99999999999999999999, true);\n", -1, "",
	       "line 1: cannot read the setval statement");
	/* line numbers count COPY data lines too */
	expect("COPY public.t (a) FROM stdin;\n1\n2\n\\.\nSELECT pg_catalog.setval(x);\n", -1,
	       "COPY public|t|a\nDATA<1\n2\n>\nEND\n", "line 5: cannot read the setval statement");
}

static void test_setval_forms(void **state)
{
	(void)state;
	expect("SELECT pg_catalog.setval('\"Odd Schema\".\"a'' \"\"b\"', -5, false);\n"
	       "SELECT pg_catalog.setval('public.s', 9223372036854775807, true);\n",
	       0,
	       "SETVAL Odd Schema|a' \"b|-5|0\n"
	       "SETVAL public|s|9223372036854775807|1\n",
	       "");
}

static void test_end_inside_copy_or_line(void **state)
{
	(void)state;
	expect("SET a;\nCOPY public.t (a) FROM stdin;\n1\n2\n", -1,
	       "COPY public|t|a\nDATA<1\n2\n>\n",
	       "line 5: input ended inside the COPY block begun on line 2");
	/* a partial data line is never handed on */
	expect("COPY public.t (a) FROM stdin;\n1\n2", -1, "COPY public|t|a\nDATA<1\n>\n",
	       "line 3: input ended inside the COPY block begun on line 1");
	expect("SET a;\nSET b", -1, "", "line 2: input ended inside a line");
	expect("", 0, "", "");
}

static void test_copy_forms(void **state)
{
	(void)state;
	/* a table without columns: two spaces, rows are empty lines */
	expect("COPY public.empty  FROM stdin;\n\n\n\\.\n", 0,
	       "COPY public|empty|\nDATA<\n\n>\nEND\n", "");
	/* "\." only ends the block as a whole line; "\\." is data */
	expect("COPY public.t (a) FROM stdin;\n\\\\.\n\\.x\n\\.\n", 0,
	       "COPY public|t|a\nDATA<\\\\.\n\\.x\n>\nEND\n", "");
	/* unquoted names fold to lower case, as PostgreSQL reads them */
	expect("COPY Public.T (A, \"B\") FROM stdin;\n\\.\n", 0, "COPY public|t|a,B\nEND\n", "");
}

static void test_callbacks_skip_and_stop(void **state)
{
	const char *text = "COPY public.a (x) FROM stdin;\n1\n\\.\n"
			   "COPY public.b (x) FROM stdin;\n2\n\\.\n"
			   "SELECT pg_catalog.setval('public.s', 3, true);\n";
	struct trace tr = { STRBUF_INIT };
	char *err;

	(void)state;
	tr.skip_table = "a";
	assert_int_equal(run_str(text, &tr, &err), 0);
	assert_string_equal(strbuf_str(&tr.t), "COPY public|a|x\nCOPY public|b|x\nDATA<2\n>\nEND\n"
					       "SETVAL public|s|3|1\n");
	strbuf_release(&tr.t);
	free(err);

	tr = (struct trace){ STRBUF_INIT };
	tr.stop_table = "b";
	assert_int_equal(run_str(text, &tr, &err), -1);
	assert_string_equal(strbuf_str(&tr.t),
			    "COPY public|a|x\nDATA<1\n>\nEND\nCOPY public|b|x\n");
	assert_string_equal(err, "line 4: stopped");
	strbuf_release(&tr.t);
	free(err);

	tr = (struct trace){ STRBUF_INIT };
	tr.stop_data = 1;
	assert_int_equal(run_str(text, &tr, &err), -1);
	assert_string_equal(err, "line 1: stopped in the COPY block");
	strbuf_release(&tr.t);
	free(err);

	tr = (struct trace){ STRBUF_INIT };
	tr.stop_end = 1;
	assert_int_equal(run_str(text, &tr, &err), -1);
	assert_string_equal(strbuf_str(&tr.t), "COPY public|a|x\nDATA<1\n>\nEND\n");
	assert_string_equal(err, "line 3: stopped");
	strbuf_release(&tr.t);
	free(err);

	tr = (struct trace){ STRBUF_INIT };
	tr.stop_seq = "s";
	assert_int_equal(run_str(text, &tr, &err), -1);
	assert_string_equal(err, "line 7: stopped");
	strbuf_release(&tr.t);
	free(err);

	tr = (struct trace){ STRBUF_INIT };
	tr.stop_schema = "x";
	assert_int_equal(
	    run_str("SET a;\nCREATE SCHEMA x;\nCOPY public.a (x) FROM stdin;\n", &tr, &err), -1);
	assert_string_equal(strbuf_str(&tr.t), "SCHEMA x|1\n");
	assert_string_equal(err, "line 2: stopped");
	strbuf_release(&tr.t);
	free(err);

	/* no callbacks at all: everything is skipped */
	struct sqlstream *s = sqlstream_new(NULL, NULL);

	assert_int_equal(sqlstream_feed(s, text, strlen(text)), 0);
	assert_int_equal(sqlstream_finish(s), 0);
	sqlstream_free(s);
}

/*
 * Statements of interest only where a statement starts at top level: not
 * inside a dollar-quoted body, a string, a block comment, or the middle of
 * a statement; psql meta-commands (\restrict) do not change that.
 */
static void test_only_at_statement_start(void **state)
{
	(void)state;
	expect("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $_$\n"
	       "COPY public.fake (a) FROM stdin;\n"
	       "CREATE SCHEMA fake;\n"
	       "$x$ $__$ $$\n"
	       "$_$;\n"
	       "COMMENT ON TABLE public.t IS 'it''s\n"
	       "COPY public.fake2 (a) FROM stdin;\n"
	       "';\n"
	       "COMMENT ON TABLE public.t IS E'a\\'\n"
	       "SELECT pg_catalog.setval('x', 1, true);\n"
	       "';\n"
	       "/* outer /* nested */\n"
	       "CREATE SCHEMA fake3;\n"
	       "*/\n"
	       "ALTER TABLE x\n"
	       "COPY public.fake4 (a) FROM stdin;\n"
	       "-- a comment; COPY is no statement here\n"
	       ";\n"
	       "\\restrict abc'def\n"
	       "CREATE SCHEMA \"re\"\"al\";\n"
	       "SELECT 1 - -2; SELECT $1;\n"
	       "COPY public.real (a) FROM stdin;\n"
	       "x\n"
	       "\\.\n",
	       0, "SCHEMA re\"al|1\nCOPY public|real|a\nDATA<x\n>\nEND\n", "");
	/* a dollar quote ends at its own tag, even right after another '$' */
	expect("CREATE FUNCTION f() AS $_$ SELECT 1 $$_$;\nCREATE SCHEMA after;\n", 0,
	       "SCHEMA after|1\n", "");
	/* a meta-command line is not SQL: its quote opens no string */
	expect("\\restrict a'b\nCREATE SCHEMA after;\n", 0, "SCHEMA after|1\n", "");
	/* a setval inside a string is nothing; after it, the lexer is back */
	expect("SELECT 'a\nSELECT pg_catalog.setval(''public.s'', 1, true);\n';\n"
	       "SELECT pg_catalog.setval('public.t', 2, true);\n",
	       0, "SETVAL public|t|2|1\n", "");
}

static void test_header_comments(void **state)
{
	(void)state;
	expect("--\n"
	       "-- Name: t; Type: TABLE; Schema: a; b; Owner: o; Tablespace: ts\n"
	       "-- Name: x; Type: ACL; Schema: -; Owner: o\n"
	       "-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner\n"
	       "-- Name: s p; Type: SCHEMA; Schema: -; Owner: \n"
	       "-- Data for Name: t; Type: TABLE DATA; Schema: Odd Schema; Owner: app\n"
	       "-- Name: t; Type: TABLE; Schema: \n"
	       "CREATE SCHEMA IF NOT EXISTS q AUTHORIZATION o;\n"
	       "CREATE SCHEMA AUTHORIZATION o;\n",
	       0, "SCHEMA a; b|0\nSCHEMA s p|0\nSCHEMA Odd Schema|0\nSCHEMA q|1\nSCHEMA o|1\n", "");
}

/* Lines over 1 MiB: a function body is skipped, a COPY header is an error. */
static void test_long_lines(void **state)
{
	size_t big = 2u << 20, chunks[] = { 0, 7, 4096, 65536 };
	struct strbuf sb = STRBUF_INIT;
	struct trace tr = { STRBUF_INIT };
	char *err;

	(void)state;
	strbuf_addstr(&sb, "CREATE FUNCTION f() RETURNS text AS $$ ");
	for (size_t i = 0; i < big; i++)
		strbuf_addch(&sb, i % 80 == 0 ? '\'' : 'x');
	strbuf_addstr(&sb, " $$;\nCOPY public.t (a) FROM stdin;\n");
	/* a COPY data line longer than 1 MiB passes whole */
	for (size_t i = 0; i < big; i++)
		strbuf_addch(&sb, 'd');
	strbuf_addstr(&sb, "\n\\.\n");
	for (size_t i = 0; i < ARRAY_SIZE(chunks); i++) {
		tr = (struct trace){ STRBUF_INIT };
		assert_int_equal(run(sb.buf, sb.len, chunks[i], &tr, &err), 0);
		assert_int_equal(tr.bad_data_calls, 0);
		assert_int_equal(tr.t.len,
				 strlen("COPY public|t|a\nDATA<") + big + strlen("\n>\nEND\n"));
		assert_string_equal(tr.t.buf + tr.t.len - 7, "\n>\nEND\n");
		strbuf_release(&tr.t);
		free(err);
	}

	strbuf_reset(&sb);
	strbuf_addstr(&sb, "SET a;\nCOPY public.t (a");
	for (size_t i = 0; i < big; i++)
		strbuf_addstr(&sb, ", a");
	strbuf_addstr(&sb, ") FROM stdin;\n");
	tr = (struct trace){ STRBUF_INIT };
	assert_int_equal(run(sb.buf, sb.len, 4096, &tr, &err), -1);
	assert_string_equal(err, "line 2: statement longer than 1 MiB");
	assert_string_equal(strbuf_str(&tr.t), "");
	strbuf_release(&tr.t);
	strbuf_release(&sb);
	free(err);
}

static void toc(const char *line, int want, const char *want_name)
{
	char *name = (char *)"unset";
	int r = sqlstream_toc_line(line, &name);

	if (r != want)
		fail_msg("'%s': %d, want %d", line, r, want);
	if (want_name)
		assert_string_equal(name, want_name);
	else
		assert_null(name);
	free(name);
}

static void test_toc_lines(void **state)
{
	(void)state;
	/* as pg_restore -l 15.18 wrote them */
	toc("7; 2615 16387 SCHEMA - Odd Schema app", 1, "Odd Schema");
	toc("6; 2615 16386 SCHEMA - audit app", 1, "audit");
	toc("5; 2615 2200 SCHEMA - public app", 1, "public");
	toc("3396; 0 0 ACL - SCHEMA public pg_database_owner", 0, NULL);
	toc("2; 3079 16441 EXTENSION - pg_trgm ", 0, NULL);
	toc("3397; 0 0 COMMENT - EXTENSION pg_trgm ", 0, NULL);
	toc("219; 1259 16398 TABLE public tickets app", 2, "public");
	toc("3388; 0 16398 TABLE DATA public tickets app", 2, "public");
	toc("3404; 0 0 SEQUENCE OWNED BY public Weird table_id_seq app", 2, "public");
	toc("3411; 0 0 SEQUENCE SET public tickets_id_seq app", 2, "public");
	toc("3229; 0 0 TABLE ATTACH public events_2024 app", 2, "public");
	toc("3390; 0 16407 TABLE DATA audit log app", 2, "audit");
	toc("2084; 826 16522 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES postgres", 2,
	    "public");
	toc("3233; 2604 16410 DEFAULT audit log id app", 2, "audit");
	toc("229; 1255 16437 FUNCTION public longf() app", 2, "public");
	toc(";", 0, NULL);
	toc("; Archive created at 2026-11-30 00:50:34 UTC", 0, NULL);
	toc(";7; 2615 16387 SCHEMA - audit app", 0, NULL);
	toc("", 0, NULL);
	toc("   ", 0, NULL);
	/* not TOC lines */
	toc("COPY public.t (a) FROM stdin;", -1, NULL);
	toc("7 2615 16387 SCHEMA - audit app", -1, NULL);
	toc("7; 2615 SCHEMA - audit app", -1, NULL);
	toc("7; 2615 16387 SCHEMA audit app", -1, NULL);
	toc("7; 2615 16387 SCHEMA - audit", -1, NULL);
	toc("7; 2615 16387 TABLE", -1, NULL);
	toc("7; 2615 16387 TABLE public", -1, NULL);
	toc("x; 2615 16387 TABLE public t app", -1, NULL);
}

/* Every line of the three real listings is a TOC line or a comment. */
static void test_toc_fixtures(void **state)
{
	const char *names[] = { "custom.toc", "public-owner.toc", "public-acl.toc" };
	int schemas = 0, named = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t len;
		char *text = fixture(names[i], &len), *save = NULL;

		for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *name;
			int r = sqlstream_toc_line(l, &name);

			if (r < 0)
				fail_msg("%s: '%s' read as no TOC line", names[i], l);
			schemas += r == 1;
			named += r == 2;
			free(name);
		}
		free(text);
	}
	/* Odd Schema, audit; public; ext */
	assert_int_equal(schemas, 4);
	assert_int_equal(named, 37 + 2 + 4);
}

static void split_ok(const char *text, const char *want_schema, const char *want_name)
{
	char *schema, *name;

	if (sqlstream_split_qualified(text, strlen(text), &schema, &name) != 0)
		fail_msg("'%s' not split", text);
	assert_string_equal(schema, want_schema);
	assert_string_equal(name, want_name);
	free(schema);
	free(name);
}

static void split_bad(const char *text, size_t len)
{
	char *schema = (char *)"unset", *name = (char *)"unset";

	if (sqlstream_split_qualified(text, len, &schema, &name) != -1)
		fail_msg("'%s' split", text);
	assert_null(schema);
	assert_null(name);
}

static void test_split_qualified(void **state)
{
	(void)state;
	split_ok("public.tickets", "public", "tickets");
	split_ok("public.\"Weird table\"", "public", "Weird table");
	split_ok("\"Odd Schema\".\"t.dot\"", "Odd Schema", "t.dot");
	split_ok("\"a\"\"b\".\"c\"\"\"\"\"", "a\"b", "c\"\"");
	split_ok("Public.Tickets_2$", "public", "tickets_2$");
	split_ok("_x.\xc3\xa9t\xc3\xa9", "_x", "\xc3\xa9t\xc3\xa9");
	split_bad("tickets", 7);
	split_bad("public.", 7);
	split_bad(".t", 2);
	split_bad("a.b.c", 5);
	split_bad("a.b ", 4);
	split_bad("\"a.b", 4);
	split_bad("\"\".b", 4);
	split_bad("1a.b", 4);
	split_bad("a . b", 5);
	split_bad("\"a\0\".b", 6);
	split_bad("", 0);
	/* the length counts, not a NUL */
	split_ok("a.b", "a", "b");
	split_bad("a.bc", 3 - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_dump),
		cmocka_unit_test(test_custom_and_clean_same_as_plain),
		cmocka_unit_test(test_data_only),
		cmocka_unit_test(test_public_owner_never_created),
		cmocka_unit_test(test_public_acl_and_extension_schema),
		cmocka_unit_test(test_chunked_equals_whole),
		cmocka_unit_test(test_errors_with_line_numbers),
		cmocka_unit_test(test_setval_forms),
		cmocka_unit_test(test_end_inside_copy_or_line),
		cmocka_unit_test(test_copy_forms),
		cmocka_unit_test(test_callbacks_skip_and_stop),
		cmocka_unit_test(test_only_at_statement_start),
		cmocka_unit_test(test_header_comments),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_toc_lines),
		cmocka_unit_test(test_toc_fixtures),
		cmocka_unit_test(test_split_qualified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
