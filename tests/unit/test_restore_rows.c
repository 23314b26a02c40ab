/*
 * test_restore_rows.c - the pure pieces of the row loader: json backup
 * lines to COPY text, the foreign-key order of the writes (partitions and
 * self-references), the column-set check and the SQL of merge and append.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore_rows.h"

static void row(const char *line, size_t ncols, const char *want)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	assert_int_equal(rows_json_row(&out, line, strlen(line), ncols, &err), 0);
	assert_string_equal(strbuf_str(&out), want);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void json_row_to_copy_line(void **state)
{
	(void)state;
	row("[\"1\",\"hello\"],", 2, "1\thello\n");
	row("[\"2\",null]", 2, "2\t\\N\n");
	/* what COPY text must escape */
	row("[\"a\\\\b\",\"x\\ny\",\"c\\rd\",\"t\\tu\"]", 4, "a\\\\b\tx\\ny\tc\\rd\tt\\tu\n");
	/* "\N" as text is not null */
	row("[\"\\\\N\",\"\"]", 2, "\\\\N\t\n");
	/* other bytes kept */
	row("[\"caf\u00e9 \\u00e9\\\"q\\\"\"]", 1, "caf\u00e9 \u00e9\"q\"\n");
}

static void bad_row(const char *line, size_t ncols, const char *msg)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	strbuf_addstr(&out, "kept\n");
	assert_int_equal(rows_json_row(&out, line, strlen(line), ncols, &err), -1);
	assert_string_equal(strbuf_str(&out), "kept\n");
	assert_non_null(strstr(strbuf_str(&err), msg));
	strbuf_release(&out);
	strbuf_release(&err);
}

static void json_row_refused(void **state)
{
	(void)state;
	bad_row("[\"1\"]", 2, "1 values for 2 columns");
	bad_row("[\"1\",2]", 2, "value 2 of a row is neither a string nor null");
	bad_row("[\"1\",\"2\"", 2, "no JSON array");
	bad_row("{\"a\":1}", 2, "no JSON array");
}

static void json_lines(void **state)
{
	struct strlist cols = STRLIST_INIT;
	struct strbuf err = STRBUF_INIT;
	const char *t = "{\"name\":\"public.my \\\"t\\\"\",\"columns\":[\"id\",\"w\"],\"rows\":[";
	char *name;

	(void)state;
	assert_int_equal(rows_json_kind("{\"format_version\":1", 19), ROWS_JSON_HEADER);
	assert_int_equal(rows_json_kind(t, strlen(t)), ROWS_JSON_TABLE);
	assert_int_equal(rows_json_kind("[\"1\"]", 5), ROWS_JSON_ROW);
	assert_int_equal(rows_json_kind("]},", 3), ROWS_JSON_CLOSE);
	assert_int_equal(rows_json_kind("", 0), ROWS_JSON_OTHER);
	assert_int_equal(rows_json_table(t, strlen(t), &name, &cols, &err), 0);
	assert_string_equal(name, "public.my \"t\"");
	assert_int_equal(cols.n, 2);
	assert_string_equal(cols.v[0], "id");
	assert_string_equal(cols.v[1], "w");
	free(name);
	strlist_clear(&cols);
	assert_int_equal(rows_json_table("{\"name\":1,\"rows\":[", 18, &name, &cols, &err), -1);
	assert_null(name);
	assert_int_equal(cols.n, 0);
	strbuf_release(&err);
}

/*
 * words <- transactions; events (partitioned: events_a, events_b) <- notes;
 * tree -> tree (self); cyc1 <-> cyc2.
 */
static struct catalog_table tables[] = {
	{ 1, "public", "words", "public.words", 'r', 0, NULL, 0, 0 },
	{ 2, "public", "transactions", "public.transactions", 'r', 0, NULL, 0, 0 },
	{ 3, "public", "events", "public.events", 'p', 0, NULL, 0, 0 },
	{ 4, "public", "events_a", "public.events_a", 'r', 3, NULL, 0, 0 },
	{ 5, "public", "events_b", "public.events_b", 'r', 3, NULL, 0, 0 },
	{ 6, "public", "notes", "public.notes", 'r', 0, NULL, 0, 0 },
	{ 7, "public", "tree", "public.tree", 'r', 0, NULL, 0, 0 },
	{ 8, "public", "cyc1", "public.cyc1", 'r', 0, NULL, 0, 0 },
	{ 9, "public", "cyc2", "public.cyc2", 'r', 0, NULL, 0, 0 },
	{ 10, "public", "events_a1", "public.events_a1", 'r', 4, NULL, 0, 0 },
};
static struct catalog_fk fks[] = {
	{ "transactions_word_id_fkey", 2, 1 },
	{ "notes_event_fkey", 6, 3 },
	{ "tree_parent_fkey", 7, 7 },
	{ "cyc1_fkey", 8, 9 },
	{ "cyc2_fkey", 9, 8 },
};
static struct catalog cat = { tables, 10, NULL, 0, NULL, 0, fks, 5 };

static size_t pos(const size_t *order, size_t n, size_t i)
{
	for (size_t k = 0; k < n; k++)
		if (order[k] == i)
			return k;
	fail();
	return 0;
}

static void fk_order(void **state)
{
	/* blocks in the backup's order: referrers first */
	const struct catalog_table *v[] = { &tables[5], &tables[1], &tables[6],
					    &tables[3], &tables[9], &tables[0] };
	size_t order[6];

	(void)state;
	assert_int_equal(rows_fk_order(order, &cat, v, 6), 0);
	/* words before transactions, every events partition before notes */
	assert_true(pos(order, 6, 5) < pos(order, 6, 1));
	assert_true(pos(order, 6, 3) < pos(order, 6, 0));
	assert_true(pos(order, 6, 4) < pos(order, 6, 0));
	/* the self-reference does not hold tree back: it is ready at once */
	assert_int_equal(order[0], 2);
	assert_ptr_equal(rows_root(&cat, &tables[9]), &tables[2]);
	assert_ptr_equal(rows_root(&cat, &tables[0]), &tables[0]);
}

static void fk_order_cycle(void **state)
{
	const struct catalog_table *v[] = { &tables[8], &tables[7], &tables[0] };
	size_t order[3];

	(void)state;
	assert_int_equal(rows_fk_order(order, &cat, v, 3), 1);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 0);
	assert_int_equal(order[2], 1);
}

static void push_all(struct strlist *l, const char *const *v)
{
	for (; *v; v++)
		strlist_push(l, *v);
}

static void columns_check(void **state)
{
	struct strlist backup = STRLIST_INIT, now = STRLIST_INIT, gen = STRLIST_INIT;
	struct strlist missing = STRLIST_INIT, extra = STRLIST_INIT;

	(void)state;
	push_all(&backup, (const char *const[]){ "total", "id", "word", NULL });
	push_all(&now, (const char *const[]){ "id", "word", NULL });
	push_all(&gen, (const char *const[]){ "total", NULL });
	/* a generated column in the backup (json has them) is no difference */
	assert_int_equal(rows_columns_check(&backup, &now, &gen, &missing, &extra), 0);
	strlist_push(&now, "price");
	strlist_clear(&gen);
	assert_int_equal(rows_columns_check(&backup, &now, &gen, &missing, &extra), 2);
	assert_int_equal(missing.n, 1);
	assert_string_equal(missing.v[0], "price");
	assert_int_equal(extra.n, 1);
	assert_string_equal(extra.v[0], "total");
	strlist_clear(&backup);
	strlist_clear(&now);
	strlist_clear(&missing);
	strlist_clear(&extra);
}

/* The key columns a query returns as json_agg(attname)::text: any
 * character in a name, the array's order kept. */
static void parse_names_accepts(void **state)
{
	struct strlist l = STRLIST_INIT;

	(void)state;
	assert_int_equal(
	    rows_parse_names("[\"ref\\nid\", \"key col\", \"a,b\", \"\\u00fc\\\"\"]", &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0], "ref\nid");
	assert_string_equal(l.v[1], "key col");
	assert_string_equal(l.v[2], "a,b");
	assert_string_equal(l.v[3], "\xc3\xbc\"");
	strlist_clear(&l);
	assert_int_equal(rows_parse_names("[\"id\"]", &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "id");
	strlist_clear(&l);
	assert_int_equal(rows_parse_names("[]", &l), 0);
	assert_int_equal(l.n, 0);
}

static void parse_names_refuses(void **state)
{
	static const char *const bad[] = {
		"",	      "ref\nid",	 "\"id\"",	  "{\"a\":1}",
		"[\"a\", 1]", "[\"a\", null]",	 "[\"a\", \"\"]", "[[\"a\"]]",
		"[\"a\"] x",  "[\"a\\u0000b\"]", "[\"a\"",	  "null",
	};
	struct strlist l = STRLIST_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (rows_parse_names(bad[i], &l) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(l.n, 0);
		assert_null(l.v);
	}
	assert_int_equal(rows_parse_names(NULL, &l), -1);
	assert_int_equal(l.n, 0);
}

static void sql_text(void **state)
{
	struct strlist cols = STRLIST_INIT, src = STRLIST_INIT, key = STRLIST_INIT;
	struct strlist keep = STRLIST_INIT, f = STRLIST_INIT, r = STRLIST_INIT;
	struct strlist nc = STRLIST_INIT;
	char *s;

	(void)state;
	push_all(&cols, (const char *const[]){ "id", "text", "price", NULL });
	push_all(&src, (const char *const[]){ "dockreset_new_1", "text", "price", NULL });
	s = rows_insert_sql("public", "we\"ird", "dockreset_stage_1", &cols, NULL);
	assert_string_equal(s, "INSERT INTO \"public\".\"we\"\"ird\" (\"id\", \"text\", \"price\") "
			       "OVERRIDING SYSTEM VALUE SELECT \"id\", \"text\", \"price\" FROM "
			       "pg_temp.\"dockreset_stage_1\"");
	free(s);
	s = rows_insert_sql("public", "t", "s", &cols, &src);
	assert_string_equal(s, "INSERT INTO \"public\".\"t\" (\"id\", \"text\", \"price\") "
			       "OVERRIDING SYSTEM VALUE SELECT \"dockreset_new_1\", \"text\", "
			       "\"price\" FROM pg_temp.\"s\"");
	free(s);

	/* merged on text: id kept (not written, not updated) */
	strlist_push(&key, "text");
	strlist_push(&keep, "id");
	strlist_clear(&cols);
	push_all(&cols, (const char *const[]){ "text", "price", NULL });
	s = rows_merge_sql("public", "words", "s", &cols, &key, &keep);
	assert_string_equal(
	    s, "WITH w AS (INSERT INTO \"public\".\"words\" AS t (\"text\", \"price\") "
	       "OVERRIDING SYSTEM VALUE SELECT \"text\", \"price\" FROM pg_temp.\"s\" "
	       "ON CONFLICT (\"text\") DO UPDATE SET \"price\" = EXCLUDED.\"price\" "
	       "RETURNING (t.xmax::text = '0') AS inserted) SELECT count(*) FILTER (WHERE "
	       "inserted), count(*) FILTER (WHERE NOT inserted) FROM w");
	free(s);
	/* nothing but the key: a no-op update, so the row still counts */
	strlist_clear(&cols);
	strlist_push(&cols, "text");
	s = rows_merge_sql("public", "words", "s", &cols, &key, NULL);
	assert_non_null(strstr(s, "DO UPDATE SET \"text\" = EXCLUDED.\"text\" RETURNING"));
	free(s);

	strlist_push(&f, "word_id");
	strlist_push(&r, "id");
	s = rows_map_sql("st", &f, "sw", &r, NULL, "public", "words", &key);
	assert_string_equal(s, "UPDATE pg_temp.\"st\" a SET (\"word_id\") = (SELECT t.\"id\" FROM "
			       "pg_temp.\"sw\" b JOIN \"public\".\"words\" t ON t.\"text\" = "
			       "b.\"text\" WHERE b.\"id\" = a.\"word_id\" LIMIT 1) WHERE "
			       "a.\"word_id\" IS NOT NULL");
	free(s);
	strlist_push(&nc, "dockreset_new_1");
	s = rows_map_sql("st", &f, "sw", &r, &nc, NULL, NULL, NULL);
	assert_string_equal(s, "UPDATE pg_temp.\"st\" a SET (\"word_id\") = (SELECT "
			       "b.\"dockreset_new_1\" FROM pg_temp.\"sw\" b WHERE b.\"id\" = "
			       "a.\"word_id\" LIMIT 1) WHERE a.\"word_id\" IS NOT NULL");
	free(s);
	s = rows_unfollowable_sql("st", &f, "sw", &r, NULL, NULL);
	assert_string_equal(s, "SELECT count(*) FROM pg_temp.\"st\" a WHERE a.\"word_id\" IS NOT "
			       "NULL AND NOT EXISTS (SELECT 1 FROM pg_temp.\"sw\" b WHERE b.\"id\" "
			       "= a.\"word_id\")");
	free(s);
	s = rows_unfollowable_sql("st", &f, "sw", &r, "public", "words");
	assert_non_null(strstr(s, ") AND NOT EXISTS (SELECT 1 FROM \"public\".\"words\" t WHERE "
				  "t.\"id\" = a.\"word_id\")"));
	free(s);
	strlist_clear(&cols);
	strlist_clear(&src);
	strlist_clear(&key);
	strlist_clear(&keep);
	strlist_clear(&f);
	strlist_clear(&r);
	strlist_clear(&nc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_row_to_copy_line),
		cmocka_unit_test(json_row_refused),
		cmocka_unit_test(json_lines),
		cmocka_unit_test(fk_order),
		cmocka_unit_test(fk_order_cycle),
		cmocka_unit_test(columns_check),
		cmocka_unit_test(sql_text),
		cmocka_unit_test(parse_names_accepts),
		cmocka_unit_test(parse_names_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
