/*
 * test_backup_verify.c - the local part of full verification: the plain
 * dump trailer (against real dumps of pg_dump 15.20 and the older trailer
 * of 15.13), the json backup format (writer and checker, round trip and
 * damage), and scanning files against their manifests (bit flips,
 * truncation, appended data, a directory, a FIFO, a symlink).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <signal.h>

#include "backup.h"
#include "backup_helpers.h"

#define T0 ((time_t)1795309323) /* 2026-11-22T01:02:03Z */

static const char mark[] = "-- PostgreSQL database dump complete";

/* ---- plain dumps ---- */

/* The trailer check of data fed in pieces of chunk bytes (0: at once). */
static int plain_check(char **why, const char *data, size_t len, size_t chunk)
{
	struct backup_plain_check c;
	int rc;

	backup_plain_check_init(&c);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
		backup_plain_check_feed(&c, data + off, len - off < chunk ? len - off : chunk);
	rc = backup_plain_check_finish(why, &c);
	backup_plain_check_release(&c);
	return rc;
}

static int plain_ok(const char *data, size_t len)
{
	char *why = NULL;
	int rc = plain_check(&why, data, len, 0);

	free(why);
	return rc == 0;
}

/* Fails unless data is refused with a message holding want. */
static void plain_refused(const char *data, size_t len, const char *want)
{
	char *why = NULL;

	if (plain_check(&why, data, len, 0) == 0)
		fail_msg("accepted a plain dump that should fail (%s)", want);
	if (!strstr(why, want))
		fail_msg("message '%s' lacks '%s'", why, want);
	free(why);
}

static char *load_fixture(const char *name, size_t *len)
{
	char *p = fixture(name), *data = file_get(p, len);

	if (!data)
		fail_msg("fixture '%s' is missing", p);
	free(p);
	return data;
}

static void plain_real_dumps_pass(void **state)
{
	static const char *const names[] = { "plain-15.20-clean.sql", "plain-15.20.sql",
					     "plain-15.20-empty.sql", "plain-15.13-clean.sql" };
	static const size_t chunks[] = { 0, 1, 7, 4096 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t len;
		char *d = load_fixture(names[i], &len);

		for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
			char *why = NULL;
			if (plain_check(&why, d, len, chunks[c]) != 0)
				fail_msg("%s (chunks of %zu): %s", names[i], chunks[c], why);
			free(why);
		}
		free(d);
	}
}

/* Offset of the end of the completion comment line (before its newline). */
static size_t mark_end(const char *d)
{
	const char *m = strstr(d, mark);

	assert_non_null(m);
	return (size_t)(m - d) + strlen(mark);
}

static void plain_truncations_fail(void **state)
{
	size_t len, end;
	char *d;

	(void)state;
	/* 15.20: ends "\unrestrict KEY\n\n"; only the two last newlines may go. */
	d = load_fixture("plain-15.20-clean.sql", &len);
	for (size_t n = 0; n + 2 < len; n++)
		if (plain_ok(d, n))
			fail_msg("15.20 dump cut to %zu of %zu bytes accepted", n, len);
	assert_true(plain_ok(d, len - 1));
	assert_true(plain_ok(d, len - 2));
	plain_refused(d, len - 3, "does not match");
	plain_refused(d, mark_end(d) + 4, "closing \\unrestrict line is missing");
	plain_refused(d, mark_end(d) - 1, "does not end with the completion comment");
	free(d);

	/* 15.13: ends with the comment block; cutting into the comment fails. */
	d = load_fixture("plain-15.13-clean.sql", &len);
	end = mark_end(d);
	for (size_t n = 0; n < end; n++)
		if (plain_ok(d, n))
			fail_msg("15.13 dump cut to %zu of %zu bytes accepted", n, len);
	/* Past it only the comment block is cut: still whole, but for a lone
	 * "-", which is not a comment. */
	for (size_t n = end; n <= len; n++)
		if (plain_ok(d, n) != (n != end + 2))
			fail_msg("15.13 dump cut to %zu of %zu bytes", n, len);
	free(d);
}

/* data + extra, as a new buffer. */
static char *append(const char *d, size_t len, const char *extra, size_t *out_len)
{
	size_t el = strlen(extra);
	char *r = xmalloc(len + el + 1);

	memcpy(r, d, len);
	memcpy(r + len, extra, el + 1);
	*out_len = len + el;
	return r;
}

static void plain_appended_text(void **state)
{
	static const struct {
		const char *extra;
		const char *why; /* NULL: still complete */
	} new_style[] =
	    {
		{"DROP TABLE x;\n",
		 "text follows the completion comment of pg_dump: 'DROP TABLE x;'"},
		{"DROP TABLE x;", "'DROP TABLE x;'"},
		{"\n\nDROP TABLE x;\n\n", "'DROP TABLE x;'"},
		{"-- a comment\n", NULL},
		{"\n\n--\n", NULL},
		{"--", NULL},
		{" -- indented\n", "' -- indented'"},
		{"\\! rm -rf /\n", "'\\! rm -rf /'"},
		{"\r\n", "text follows"},
		{"\\unrestrict nWbcMo9T5LxLr1EU9zIrIc4J0DSZYZDoD2poKMGX2O71FcdnEZfOtVL5OGNuVo4\n",
		 "text follows"},
	    },
	  old_style[] = {
	      {"DROP TABLE x;\n", "'DROP TABLE x;'"},
	      {"-- a comment\n\n", NULL},
	      {"\\unrestrict abc123\n", NULL},
	      {"\\unrestrict abc123\n\\unrestrict abc123\n", "text follows"},
	      {"\\unrestrict abc-123\n", "text follows"},
	      {"\\unrestrict \n", "text follows"},
	      {"\\restrict abc123\n", "text follows"},
	  };
	size_t len, al;
	char *d, *a, *why;

	(void)state;
	d = load_fixture("plain-15.20-clean.sql", &len);
	for (size_t i = 0; i < ARRAY_SIZE(new_style); i++) {
		a = append(d, len, new_style[i].extra, &al);
		why = NULL;
		if (new_style[i].why)
			plain_refused(a, al, new_style[i].why);
		else if (plain_check(&why, a, al, 3) != 0)
			fail_msg("refused '%s': %s", new_style[i].extra, why);
		free(why);
		free(a);
	}
	free(d);
	d = load_fixture("plain-15.13-clean.sql", &len);
	for (size_t i = 0; i < ARRAY_SIZE(old_style); i++) {
		a = append(d, len, old_style[i].extra, &al);
		why = NULL;
		if (old_style[i].why)
			plain_refused(a, al, old_style[i].why);
		else if (plain_check(&why, a, al, 0) != 0)
			fail_msg("refused '%s': %s", old_style[i].extra, why);
		free(why);
		free(a);
	}
	free(d);
}

static void plain_unrestrict_must_match(void **state)
{
	size_t len;
	char *d = load_fixture("plain-15.20-clean.sql", &len);
	char *u = strstr(d, "\\unrestrict ");

	(void)state;
	assert_non_null(u);
	u[12] = u[12] == 'A' ? 'B' : 'A';
	plain_refused(d, len, "does not match its \\restrict line");
	/* Without the line at all. */
	plain_refused(d, (size_t)(u - d), "closing \\unrestrict line is missing");
	free(d);
}

static void plain_not_a_dump(void **state)
{
	static const char only_head[] = "--\n-- PostgreSQL database dump\n--\n\n";
	static const char only_mark[] = "-- PostgreSQL database dump complete\n";

	(void)state;
	plain_refused("", 0, "the file is empty");
	plain_refused("hello\n", 6, "does not begin like a plain dump");
	plain_refused(only_mark, strlen(only_mark), "does not begin like a plain dump");
	plain_refused(only_head, strlen(only_head), "does not end with the completion comment");
}

/* Larger than the 64 KiB tail, fed in pieces larger than it too. */
static void plain_large_dump(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len, end;
	char *d = load_fixture("plain-15.20-clean.sql", &len), *why = NULL;
	const char *copy = strstr(d, "COPY public.words");
	const char *trailer;

	(void)state;
	assert_non_null(copy);
	trailer = strstr(copy, "\\.\n");
	assert_non_null(trailer);
	strbuf_add(&sb, d, (size_t)(strchr(copy, '\n') + 1 - d));
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&sb, "%d\tword number %d\n", 1000 + i, i);
	/* A row that reads like the completion comment is data, not the end. */
	strbuf_addf(&sb, "%s\n", mark);
	strbuf_addstr(&sb, trailer);
	assert_true(sb.len > 300000);
	assert_int_equal(plain_check(&why, sb.buf, sb.len, 0), 0);
	assert_int_equal(plain_check(&why, sb.buf, sb.len, 100000), 0);
	assert_int_equal(plain_check(&why, sb.buf, sb.len, 65536), 0);
	assert_int_equal(plain_check(&why, sb.buf, sb.len, 65537), 0);
	/* Cut right after that row, or after the "\." ending the COPY: refused,
	 * since pg_dump's comment has a "--" line before it. */
	end = (size_t)(strstr(sb.buf + 1000, mark) - sb.buf) + strlen(mark);
	plain_refused(sb.buf, end, "does not end with");
	plain_refused(sb.buf, end + 1, "does not end with");
	plain_refused(sb.buf, end + 4, "does not end with");
	/* More than the tail of comments after the end: refused (fail closed). */
	for (int i = 0; i < 7000; i++)
		strbuf_addstr(&sb, "-- comment\n");
	plain_refused(sb.buf, sb.len, "does not end with");
	strbuf_release(&sb);
	free(d);
}

/* The read sizes the check is fed with: the verdict must not depend on them. */
static const size_t plain_chunks[] = { 0, 1, 7, 4096, 65536, 65537, 131072 };

/* The check's verdict on data, the same for every read size, else fails. */
static int plain_verdict(const char *data, size_t len)
{
	int first = -1;

	for (size_t i = 0; i < ARRAY_SIZE(plain_chunks); i++) {
		char *why = NULL;
		int ok = plain_check(&why, data, len, plain_chunks[i]) == 0;

		if (first < 0)
			first = ok;
		else if (ok != first)
			fail_msg("%zu bytes: %s whole, %s in chunks of %zu (%s)", len,
				 first ? "accepted" : "refused", ok ? "accepted" : "refused",
				 plain_chunks[i], why ? why : "");
		free(why);
	}
	return first;
}

/* The trailer followed by about tail bytes of comments, then, when junk, a
 * statement: one verdict whatever the read sizes, around and past the 64
 * KiB that may follow pg_dump's completion comment. */
static void plain_verdict_ignores_read_sizes(void **state)
{
	static const size_t tails[] = { 1000,	60000,	65000,	65536,	66000,	70000,
					100000, 120000, 127000, 131072, 140000, 200000 };
	size_t len;
	char *d = load_fixture("plain-15.20-clean.sql", &len);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
		for (int junk = 0; junk < 2; junk++) {
			struct strbuf sb = STRBUF_INIT;
			int ok;

			strbuf_add(&sb, d, len);
			while (sb.len < len + tails[i])
				strbuf_addstr(&sb, "-- a comment line of pg_dump's trailer\n");
			if (junk)
				strbuf_addstr(&sb, "DROP TABLE x;\n");
			ok = plain_verdict(sb.buf, sb.len);
			/* never junk; comments up to 64 KiB only (fail closed) */
			if (ok != (!junk && sb.len - len <= 65536))
				fail_msg("%zu bytes of comments%s after the trailer: %s",
					 sb.len - len, junk ? " and a statement" : "",
					 ok ? "accepted" : "refused");
			strbuf_release(&sb);
		}
	}
	free(d);
}

/* The "\restrict KEY" line is found wherever the header puts it, not only
 * in the first 4 KiB: its \unrestrict must then match. */
static void plain_restrict_found_after_long_header(void **state)
{
	size_t len;
	char *d = load_fixture("plain-15.20-clean.sql", &len);
	char *r = strstr(d, "\\restrict "), *u = strstr(d, "\\unrestrict ");

	(void)state;
	assert_non_null(r);
	assert_non_null(u);
	/* Pad the comments before it so that the line lies before, across and
	 * after the 4 KiB mark, and far beyond it. */
	for (size_t pad = 3900; pad < 4300; pad += 13) {
		for (int variant = 0; variant < 3; variant++) {
			struct strbuf sb = STRBUF_INIT;
			size_t added = 0;
			char *why = NULL;

			strbuf_add(&sb, d, (size_t)(r - d));
			while (sb.len < pad) {
				size_t before = sb.len;
				strbuf_addstr(&sb, "-- a long header comment\n");
				added += sb.len - before;
			}
			if (variant == 0) {
				/* intact: accepted */
				strbuf_add(&sb, r, len - (size_t)(r - d));
				if (plain_verdict(sb.buf, sb.len) != 1)
					fail_msg("padded to %zu: refused", pad);
			} else if (variant == 1) {
				/* the \unrestrict key changed */
				strbuf_add(&sb, r, len - (size_t)(r - d));
				sb.buf[(size_t)(u - d) + added + 12] ^= 1;
				assert_int_equal(plain_verdict(sb.buf, sb.len), 0);
				assert_int_equal(plain_check(&why, sb.buf, sb.len, 0), -1);
				if (!strstr(why, "does not match its \\restrict line"))
					fail_msg("padded to %zu: %s", pad, why);
			} else {
				/* the \unrestrict line gone */
				strbuf_add(&sb, r, (size_t)(u - r));
				assert_int_equal(plain_verdict(sb.buf, sb.len), 0);
				assert_int_equal(plain_check(&why, sb.buf, sb.len, 0), -1);
				if (!strstr(why, "closing \\unrestrict line is missing"))
					fail_msg("padded to %zu: %s", pad, why);
			}
			free(why);
			strbuf_release(&sb);
		}
	}
	free(d);
}

/* ---- the json format ---- */

static const char *const cols_words[] = { "id", "word", "note" };
static const char *const row1[] = { "1", "hello", NULL };
static const char *const row2[] = { "2", "quote \" back \\ nl \n tab \t cr \r", "\x01\x1f\x7f" };
static const char *const row3[] = { "3", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "" };
static const char *const cols_one[] = { "id" };

/* A document of three tables (rows, none, no columns). */
static void build_doc(struct strbuf *sb)
{
	struct backup_json_writer w = BACKUP_JSON_WRITER_INIT;
	const char *const *none = NULL;

	assert_int_equal(backup_json_header(&w, sb, "shop", "shop db", "15.20"), 0);
	assert_int_equal(backup_json_table_start(&w, sb, "public.words", cols_words, 3), 0);
	assert_int_equal(backup_json_row(&w, sb, row1, 3), 0);
	assert_int_equal(backup_json_row(&w, sb, row2, 3), 0);
	assert_int_equal(backup_json_row(&w, sb, row3, 3), 0);
	assert_int_equal(backup_json_table_end(&w, sb), 0);
	assert_int_equal(backup_json_table_start(&w, sb, "audit.\"odd\" name", cols_one, 1), 0);
	assert_int_equal(backup_json_table_end(&w, sb), 0);
	assert_int_equal(backup_json_table_start(&w, sb, "public.nocols", none, 0), 0);
	assert_int_equal(backup_json_row(&w, sb, none, 0), 0);
	assert_int_equal(backup_json_row(&w, sb, none, 0), 0);
	assert_int_equal(backup_json_table_end(&w, sb), 0);
	assert_int_equal(backup_json_end(&w, sb), 0);
	backup_json_writer_release(&w);
}

static int json_check(char **why, json_t **tables, const char *data, size_t len, size_t chunk)
{
	struct backup_json_check c;
	int rc;

	backup_json_check_init(&c);
	if (chunk == 0)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
		backup_json_check_feed(&c, data + off, len - off < chunk ? len - off : chunk);
	rc = backup_json_check_finish(why, &c);
	if (tables) {
		*tables = c.tables;
		c.tables = NULL;
	}
	backup_json_check_release(&c);
	return rc;
}

static void json_refused(const char *data, const char *want)
{
	char *why = NULL;

	if (json_check(&why, NULL, data, strlen(data), 0) == 0)
		fail_msg("accepted:\n%s", data);
	if (!strstr(why, want))
		fail_msg("message '%s' lacks '%s' for:\n%s", why, want, data);
	free(why);
}

static void json_layout_exact(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	build_doc(&sb);
	assert_string_equal(
	    sb.buf,
	    "{\"format_version\":1,\"target\":\"shop\",\"database\":{\"name\":\"shop db\","
	    "\"server_version\":\"15.20\"},\"tables\":[\n"
	    "{\"name\":\"public.words\",\"columns\":[\"id\",\"word\",\"note\"],\"rows\":[\n"
	    "[\"1\",\"hello\",null],\n"
	    "[\"2\",\"quote \\\" back \\\\ nl \\n tab \\t cr \\r\",\"\\u0001\\u001f\x7f\"],\n"
	    "[\"3\",\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"\"]\n"
	    "]},\n"
	    "{\"name\":\"audit.\\\"odd\\\" name\",\"columns\":[\"id\"],\"rows\":[\n"
	    "]},\n"
	    "{\"name\":\"public.nocols\",\"columns\":[],\"rows\":[\n"
	    "[],\n"
	    "[]\n"
	    "]}\n"
	    "]}\n");
	strbuf_release(&sb);
}

static void json_round_trip(void **state)
{
	static const size_t chunks[] = { 0, 1, 2, 5, 64 };
	struct strbuf sb = STRBUF_INIT;
	json_error_t err;
	json_t *doc, *words, *rows, *tables;
	char *why = NULL;

	(void)state;
	build_doc(&sb);
	/* The whole is one valid JSON document holding the values as given. */
	doc = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, &err);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "tables")), 3);
	words = json_array_get(json_object_get(doc, "tables"), 0);
	rows = json_object_get(words, "rows");
	assert_int_equal(json_array_size(rows), 3);
	assert_true(json_is_null(json_array_get(json_array_get(rows, 0), 2)));
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 1), 1)), row2[1]);
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 1), 2)), row2[2]);
	assert_string_equal(json_string_value(json_array_get(json_array_get(rows, 2), 1)), row3[1]);
	json_decref(doc);

	/* The checker takes it in pieces of any size. */
	for (size_t i = 0; i < ARRAY_SIZE(chunks); i++) {
		struct backup_json_check c;

		backup_json_check_init(&c);
		for (size_t off = 0; off < sb.len; off += chunks[i] ? chunks[i] : sb.len) {
			size_t n = chunks[i] ? chunks[i] : sb.len;
			assert_int_equal(backup_json_check_feed(
					     &c, sb.buf + off, sb.len - off < n ? sb.len - off : n),
					 0);
		}
		if (backup_json_check_finish(&why, &c) != 0)
			fail_msg("chunks of %zu: %s", chunks[i], why);
		assert_string_equal(c.target, "shop");
		assert_string_equal(c.db_name, "shop db");
		tables =
		    json_pack("{s:I, s:I, s:I}", "public.words", (json_int_t)3,
			      "audit.\"odd\" name", (json_int_t)0, "public.nocols", (json_int_t)2);
		assert_true(json_equal(c.tables, tables));
		json_decref(tables);
		backup_json_check_release(&c);
	}
	/* Without its last newline: the same document. */
	assert_int_equal(json_check(&why, NULL, sb.buf, sb.len - 1, 0), 0);
	strbuf_release(&sb);
}

static void json_no_tables(void **state)
{
	struct backup_json_writer w = BACKUP_JSON_WRITER_INIT;
	struct strbuf sb = STRBUF_INIT;
	json_t *tables = NULL;
	char *why = NULL;

	(void)state;
	assert_int_equal(backup_json_header(&w, &sb, "shop", "shop", "15"), 0);
	assert_int_equal(backup_json_end(&w, &sb), 0);
	assert_int_equal(json_check(&why, &tables, sb.buf, sb.len, 0), 0);
	assert_int_equal(json_object_size(tables), 0);
	json_decref(tables);
	json_decref(json_loads(sb.buf, 0, NULL));
	assert_non_null(strstr(sb.buf, "\"tables\":[\n]}\n"));
	backup_json_writer_release(&w);
	strbuf_release(&sb);
}

static void json_writer_refuses_bad_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff",
		"a\x80",
		"\xc0\xaf",
		"\xc1\xbf",
		"\xe0\x80\xaf",
		"\xed\xa0\x80",
		"\xe2\x82",
		"\xf0\x8f\xbf\xbf",
		"\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80",
		"caf\xe9",
		"\xf0\x9f\x98",
	};
	static const char *const good[] = { "\xc2\x80",		"\xed\x9f\xbf",	    "\xee\x80\x80",
					    "\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80", "\x7f" };
	struct backup_json_writer w = BACKUP_JSON_WRITER_INIT;
	struct strbuf sb = STRBUF_INIT;
	const char *row[3] = { "1", NULL, NULL };
	size_t before;
	char *text;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "x");
		if (backup_json_add_string(&sb, bad[i], strlen(bad[i])) != -1)
			fail_msg("bad UTF-8 %zu accepted", i);
		assert_string_equal(sb.buf, "x");
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		strbuf_reset(&sb);
		if (backup_json_add_string(&sb, good[i], strlen(good[i])) != 0)
			fail_msg("good UTF-8 %zu refused", i);
		json_t *v = json_loads(sb.buf, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		assert_string_equal(json_string_value(v), good[i]);
		json_decref(v);
	}

	strbuf_reset(&sb);
	assert_int_equal(backup_json_header(&w, &sb, "shop", "shop", "15"), 0);
	assert_int_equal(backup_json_table_start(&w, &sb, "public.words", cols_words, 3), 0);
	assert_int_equal(backup_json_row(&w, &sb, row1, 3), 0);
	before = sb.len;
	row[1] = "ok";
	row[2] = "caf\xe9";
	capture_begin();
	assert_int_equal(backup_json_row(&w, &sb, row, 3), BACKUP_ERR);
	text = capture_end();
	assert_int_equal(sb.len, before);
	assert_non_null(strstr(text, "a value of column 'note' of table 'public.words' is not "
				     "valid UTF-8"));
	assert_non_null(strstr(text, "hint: a database in the SQL_ASCII encoding"));
	free(text);
	capture_begin();
	assert_int_equal(backup_json_table_start(&w, &sb, "x", cols_one, 1), BACKUP_ERR);
	free(capture_end());
	backup_json_writer_release(&w);

	/* A bad name in the header. */
	capture_begin();
	strbuf_reset(&sb);
	assert_int_equal(backup_json_header(&w, &sb, "shop", "\xff", "15"), BACKUP_ERR);
	free(capture_end());
	assert_int_equal(sb.len, 0);
	backup_json_writer_release(&w);
	strbuf_release(&sb);
}

static void json_writer_calls_in_order(void **state)
{
	struct backup_json_writer w = BACKUP_JSON_WRITER_INIT;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	capture_begin();
	assert_int_equal(backup_json_row(&w, &sb, row1, 3), BACKUP_ERR);
	assert_int_equal(backup_json_table_start(&w, &sb, "t", cols_one, 1), BACKUP_ERR);
	assert_int_equal(backup_json_end(&w, &sb), BACKUP_ERR);
	assert_int_equal(backup_json_header(&w, &sb, "shop", "d", "15"), 0);
	assert_int_equal(backup_json_header(&w, &sb, "shop", "d", "15"), BACKUP_ERR);
	assert_int_equal(backup_json_table_end(&w, &sb), BACKUP_ERR);
	assert_int_equal(backup_json_table_start(&w, &sb, "t", cols_one, 1), 0);
	assert_int_equal(backup_json_row(&w, &sb, row1, 3), BACKUP_ERR);
	assert_int_equal(backup_json_end(&w, &sb), BACKUP_ERR);
	free(capture_end());
	backup_json_writer_release(&w);
	strbuf_release(&sb);
}

#define H                                                                                          \
	"{\"format_version\":1,\"target\":\"shop\",\"database\":{\"name\":\"d\","                  \
	"\"server_version\":\"15\"},\"tables\":[\n"
#define TA "{\"name\":\"public.a\",\"columns\":[\"x\",\"y\"],\"rows\":[\n"
#define TB "{\"name\":\"public.b\",\"columns\":[\"x\"],\"rows\":[\n"

static void json_checker_names_the_line(void **state)
{
	static const struct {
		const char *doc;
		const char *why;
	} cases[] = {
		{ "", "the file is empty" },
		{ "\n", "line 1: not the header" },
		{ "hello\n", "line 1: not the header" },
		{ "{\"format_version\":2,\"target\":\"shop\",\"database\":{\"name\":\"d\","
		  "\"server_version\":\"15\"},\"tables\":[\n]}\n",
		  "line 1: format_version is not 1" },
		{ "{\"format_version\":1,\"target\":\"shop\",\"tables\":[\n]}\n",
		  "line 1: the header does not hold" },
		{ "{\"format_version\":1,\"target\":\"../x\",\"database\":{\"name\":\"d\","
		  "\"server_version\":\"15\"},\"tables\":[\n]}\n",
		  "line 1: the header does not hold" },
		{ "{\"format_version\":1,\"target\":\"shop\",\"database\":{\"name\":\"d\","
		  "\"server_version\":\"15\"},\"tables\":[{\"name\":\"x\"},\n]}\n",
		  "line 1:" },
		{ H, "line 1: the document ends here, a table is missing" },
		{ H TA, "line 2: the document ends here, inside a table" },
		{ H TA "[\"1\",\"2\"]\n", "line 3: the document ends here, inside a table" },
		{ H TA "[\"1\",\"2\"]\n]}\n", "line 4: the document ends here, before the last" },
		{ H TA "[\"1\",\"2\"\n]}\n]}\n", "line 3: not a row of table 'public.a'" },
		{ H TA "[\"1\",\"2\",\"3\"]\n]}\n]}\n",
		  "line 3: a row of 3 values in table 'public.a' of 2 columns" },
		{ H TA "[\"1\"]\n]}\n]}\n", "line 3: a row of 1 values" },
		{ H TA "[\"1\",2]\n]}\n]}\n",
		  "line 3: value 2 of a row of table 'public.a' is not" },
		{ H TA "[\"1\",[]]\n]}\n]}\n", "line 3: value 2" },
		{ H TA "{\"x\":\"1\",\"y\":\"2\"}\n]}\n]}\n",
		  "line 3: not a row of table 'public.a': "
		  "not an array" },
		{ H TA "[\"1\",\"2\"]\n[\"1\",\"2\"]\n]}\n]}\n",
		  "line 4: the row before has no ','" },
		{ H TA "[\"1\",\"2\"],\n]}\n]}\n",
		  "line 4: the last row of table 'public.a' is followed by ','" },
		{ H TA "[\"1\",\"2\"],,\n[\"1\",\"2\"]\n]}\n]}\n", "line 3: not a row" },
		{ H TA "[\"1\",\"\\u0000\"]\n]}\n]}\n", "line 3: not a row" },
		{ H TA "]}\n" TB "]}\n]}\n", "line 4: expected ']}', the end of the document" },
		{ H TA "]},\n]}\n", "line 4: expected the start of a table" },
		{ H TA "]},\n" TA "]}\n]}\n", "line 4: table 'public.a' appears twice" },
		{ H "{\"name\":\"public.a\",\"columns\":[\"x\",1],\"rows\":[\n]}\n]}\n",
		  "line 2: column 2 of table 'public.a' is not a string" },
		{ H "{\"name\":\"public.a\",\"rows\":[\n]}\n]}\n", "line 2: expected the start" },
		{ H "{\"name\":\"\",\"columns\":[],\"rows\":[\n]}\n]}\n",
		  "line 2: expected the start" },
		{ H "{\"name\":\"a\",\"columns\":[],\"extra\":1,\"rows\":[\n]}\n]}\n",
		  "line 2: expected the start" },
		{ H "]}\n]}\n", "line 3: text after the end of the document" },
		{ H "]}\n\n", "line 3: text after the end" },
		{ H "]}\nx", "line 3: text after the end" },
		{ H "]} \n", "line 2: expected the start of a table" },
		{ H TA " [\"1\",\"2\"]\n]}\n]}\n", NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].why) {
			json_refused(cases[i].doc, cases[i].why);
		} else {
			char *why = NULL;
			if (json_check(&why, NULL, cases[i].doc, strlen(cases[i].doc), 1))
				fail_msg("case %zu refused: %s", i, why);
		}
	}
}

/* Refused with want, data given with its length (it may hold NULs), fed
 * whole and byte by byte. */
static void json_refused_len(const char *data, size_t len, const char *want)
{
	static const size_t chunks[] = { 0, 1 };

	for (size_t i = 0; i < ARRAY_SIZE(chunks); i++) {
		char *why = NULL;

		if (json_check(&why, NULL, data, len, chunks[i]) == 0)
			fail_msg("accepted (chunks of %zu), %zu bytes:\n%s", chunks[i], len, data);
		if (!strstr(why, want))
			fail_msg("message '%s' lacks '%s'", why, want);
		free(why);
	}
}

#define JSON_NUL_CASE(lit, want) json_refused_len(lit, sizeof(lit) - 1, want)

/* A NUL byte anywhere makes it not JSON: no line may end at one. */
static void json_checker_refuses_nul(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	JSON_NUL_CASE(H "]}\0garbage", "line 2:");
	JSON_NUL_CASE(H "]}\0\n", "line 2:");
	JSON_NUL_CASE(H "]}\n\0", "line 3: text after the end");
	JSON_NUL_CASE(H TA "]}\0,\n" TB "]}\n]}\n", "line 3:");
	JSON_NUL_CASE(H TA "]},\0x\n" TB "]}\n]}\n", "line 3:");
	JSON_NUL_CASE(H TA "]}\0\n]}\n", "line 3:");
	JSON_NUL_CASE(H TA "[\"1\",\"2\"]\0\n]}\n]}\n", "line 3: not a row");
	JSON_NUL_CASE(H TA "[\"1\",\"2\"],\0\n[\"1\",\"2\"]\n]}\n]}\n", "line 3: not a row");
	JSON_NUL_CASE(H TA "[\"1\",\"2\0\"]\n]}\n]}\n", "line 3: not a row");
	JSON_NUL_CASE(H TA "[\"1\",\"2\"]\n\0]}\n]}\n", "line 4:");
	JSON_NUL_CASE("{\"format_version\":1,\"target\":\"shop\",\"database\":{\"name\":\"d\0\","
		      "\"server_version\":\"15\"},\"tables\":[\n]}\n",
		      "line 1:");
	JSON_NUL_CASE("{\"format_version\":1,\"target\":\"shop\",\"database\":{\"name\":\"d\","
		      "\"server_version\":\"15\"},\"tables\":[\0\n]}\n",
		      "line 1:");
	JSON_NUL_CASE(H "{\"name\":\"public.a\",\"columns\":[\"x\"],\"rows\":[\0\n]}\n]}\n",
		      "line 2:");
	JSON_NUL_CASE(H "{\"name\":\"public.a\",\"columns\":[\"x\0\"],\"rows\":[\n]}\n]}\n",
		      "line 2:");
	/* Every single byte of a valid document turned into a NUL. */
	build_doc(&sb);
	for (size_t i = 0; i < sb.len; i++) {
		char *why = NULL, keep = sb.buf[i];

		sb.buf[i] = '\0';
		if (json_check(&why, NULL, sb.buf, sb.len, 0) == 0)
			fail_msg("a NUL at byte %zu of %zu accepted", i, sb.len);
		free(why);
		sb.buf[i] = keep;
	}
	strbuf_release(&sb);
}

static void json_truncations_fail(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *why;

	(void)state;
	build_doc(&sb);
	for (size_t n = 0; n + 1 < sb.len; n++) {
		why = NULL;
		if (json_check(&why, NULL, sb.buf, n, 0) == 0)
			fail_msg("cut to %zu of %zu bytes accepted", n, sb.len);
		free(why);
	}
	strbuf_release(&sb);
}

/* ---- scanning files against their manifests ---- */

/* Writes data as <dir>/<id><ext> through the safe writer and returns its
 * manifest. */
static json_t *store(const char *dir, const char *id, enum backup_format f, const void *data,
		     size_t len, json_t *tables)
{
	struct backup_file bf = BACKUP_FILE_INIT;
	char *name = backup_file_name(id, f);
	struct backup_meta m = { .id = id,
				 .target = "shop",
				 .created_at = T0,
				 .reason = "manual",
				 .format = f,
				 .db_name = "shop",
				 .server_version = "15.20",
				 .tables = tables };
	json_t *o;
	char *why = NULL;

	assert_int_equal(backup_file_open(&bf, dir, name, 0), 0);
	assert_int_equal(backup_file_write(&bf, data, len), 0);
	assert_int_equal(backup_file_commit(&bf), 0);
	m.size = bf.size;
	m.sha256 = bf.sha256;
	o = backup_manifest_build(&m);
	assert_int_equal(backup_manifest_check(&why, o, "shop"), 0);
	free(name);
	return o;
}

/* Fails unless verifying path against m fails with a message holding want. */
static void verify_refused(const char *path, const json_t *m, unsigned flags, const char *want)
{
	char *text;
	int rc;

	capture_begin();
	rc = backup_verify_file(path, m, flags);
	text = capture_end();
	if (rc != BACKUP_ERR_INTEGRITY)
		fail_msg("verify gave %d, want integrity (%s)", rc, want);
	if (!strstr(text, want))
		fail_msg("message '%s' lacks '%s'", text, want);
	free(text);
}

static void verify_plain_backup(void **state)
{
	char *dir = tmpdir_new(), *path, *d, *link;
	size_t len;
	json_t *m;

	(void)state;
	d = load_fixture("plain-15.20-clean.sql", &len);
	m = store(dir, "shop-20261122T010203Z", BACKUP_FORMAT_PLAIN, d, len, NULL);
	path = xasprintf("%s/shop-20261122T010203Z.sql", dir);
	assert_int_equal(backup_verify_file(path, m, 0), 0);

	/* A flipped bit anywhere, restic style. */
	for (size_t pos = 0; pos < len; pos += 97) {
		d[pos] ^= 0x10;
		file_put(path, d, len);
		verify_refused(path, m, 0, "its SHA-256 does not match its manifest");
		d[pos] ^= 0x10;
	}
	d[len - 1] ^= 1;
	file_put(path, d, len);
	verify_refused(path, m, 0, "SHA-256 does not match");
	d[len - 1] ^= 1;
	/* Truncated, appended to, emptied. */
	file_put(path, d, len - 10);
	verify_refused(path, m, 0, "damaged: it holds");
	file_put(path, d, len);
	assert_int_equal(backup_verify_file(path, m, 0), 0);
	{
		size_t al;
		char *a = append(d, len, "DROP TABLE x;\n", &al);
		file_put(path, a, al);
		free(a);
	}
	verify_refused(path, m, 0, "manifest says");
	file_put(path, "", 0);
	verify_refused(path, m, 0, "it holds 0 bytes");

	/* A symlink to the good data: refused unless following was asked for. */
	file_put(path, d, len);
	link = xasprintf("%s/link.sql", dir);
	assert_int_equal(symlink(path, link), 0);
	verify_refused(link, m, 0, "is a symbolic link");
	assert_int_equal(backup_verify_file(link, m, BACKUP_READ_FOLLOW), 0);

	/* A directory, a FIFO (which must not block), nothing at all. */
	unlink(path);
	mkdir(path, 0700);
	verify_refused(path, m, 0, "it is a directory");
	rmdir(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	verify_refused(path, m, 0, "it is a FIFO");
	alarm(0);
	unlink(path);
	verify_refused(path, m, 0, "No such file or directory");
	json_decref(m);

	/* Size and checksum right, content cut: the trailer check catches it. */
	m = store(dir, "shop-20261122T010203Z-2", BACKUP_FORMAT_PLAIN, d, len - 150, NULL);
	free(path);
	path = xasprintf("%s/shop-20261122T010203Z-2.sql", dir);
	verify_refused(path, m, 0, "does not end with the completion comment");
	json_decref(m);
	free(link);
	free(path);
	free(d);
	tmpdir_free(dir);
}

static void verify_json_backup(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir = tmpdir_new(), *path = xasprintf("%s/shop-20261122T010203Z.json", dir);
	json_t *good =
	    json_pack("{s:I, s:I, s:I}", "public.words", (json_int_t)3, "audit.\"odd\" name",
		      (json_int_t)0, "public.nocols", (json_int_t)2);
	json_t *m, *t;

	(void)state;
	build_doc(&sb);
	m = store(dir, "shop-20261122T010203Z", BACKUP_FORMAT_JSON, sb.buf, sb.len, good);
	assert_int_equal(backup_verify_file(path, m, 0), 0);
	/* Counts of the manifest that the file does not hold. */
	t = json_object_get(m, "tables");
	json_object_set_new(t, "public.words", json_integer(4));
	verify_refused(path, m, 0, "table 'public.words' holds 3 rows, its manifest says 4");
	json_object_set_new(t, "public.words", json_integer(3));
	json_object_set_new(t, "public.more", json_integer(0));
	verify_refused(path, m, 0, "table 'public.more' of its manifest is missing");
	json_object_del(t, "public.more");
	json_object_del(t, "public.nocols");
	verify_refused(path, m, 0, "holds table 'public.nocols', which its manifest does not list");
	json_decref(m);

	/* Damaged content under a matching checksum. */
	m = store(dir, "shop-20261122T010203Z-2", BACKUP_FORMAT_JSON, sb.buf, sb.len - 4, good);
	free(path);
	path = xasprintf("%s/shop-20261122T010203Z-2.json", dir);
	verify_refused(path, m, 0, "damaged: line 12: the document ends here");
	json_decref(m);
	json_decref(good);
	strbuf_release(&sb);
	free(path);
	tmpdir_free(dir);
}

static void scan_and_detect(void **state)
{
	struct backup_scan s;
	enum backup_format f;
	char *custom = fixture("custom-15.20.dump"), *plain = fixture("plain-15.20.sql");
	char *dir = tmpdir_new(), *fifo = xasprintf("%s/fifo", dir), *js = xasprintf("%s/j", dir);
	unsigned char md[32];
	unsigned mdlen;
	char hex[65];
	size_t len;
	char *d = file_get(custom, &len), *text;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(backup_scan_file(&s, custom, BACKUP_FORMAT_CUSTOM, 0), 0);
	EVP_Digest(d, len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(s.sha256, hex);
	assert_int_equal(s.size, len);
	assert_null(s.tables);
	backup_scan_release(&s);

	/* A custom archive is not a plain dump. */
	capture_begin();
	assert_int_equal(backup_scan_file(&s, custom, BACKUP_FORMAT_PLAIN, 0),
			 BACKUP_ERR_INTEGRITY);
	text = capture_end();
	assert_non_null(strstr(text, "is damaged: it does not begin like a plain dump"));
	assert_string_equal(s.sha256, hex); /* still read whole */
	free(text);
	backup_scan_release(&s);

	assert_int_equal(backup_detect_format(&f, custom), 0);
	assert_int_equal(f, BACKUP_FORMAT_CUSTOM);
	assert_int_equal(backup_detect_format(&f, plain), 0);
	assert_int_equal(f, BACKUP_FORMAT_PLAIN);
	build_doc(&sb);
	file_put(js, sb.buf, sb.len);
	assert_int_equal(backup_detect_format(&f, js), 0);
	assert_int_equal(f, BACKUP_FORMAT_JSON);
	assert_int_equal(backup_scan_file(&s, js, BACKUP_FORMAT_JSON, 0), 0);
	assert_int_equal(json_integer_value(json_object_get(s.tables, "public.words")), 3);
	backup_scan_release(&s);

	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	capture_begin();
	assert_int_equal(backup_detect_format(&f, fifo), BACKUP_ERR_INTEGRITY);
	assert_int_equal(backup_scan_file(&s, fifo, BACKUP_FORMAT_JSON, 0), BACKUP_ERR_INTEGRITY);
	text = capture_end();
	alarm(0);
	assert_non_null(strstr(text, "is a FIFO"));
	free(text);
	backup_scan_release(&s);
	strbuf_release(&sb);
	free(d);
	free(custom);
	free(plain);
	free(fifo);
	free(js);
	tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_real_dumps_pass),
		cmocka_unit_test(plain_truncations_fail),
		cmocka_unit_test(plain_appended_text),
		cmocka_unit_test(plain_unrestrict_must_match),
		cmocka_unit_test(plain_not_a_dump),
		cmocka_unit_test(plain_large_dump),
		cmocka_unit_test(plain_verdict_ignores_read_sizes),
		cmocka_unit_test(plain_restrict_found_after_long_header),
		cmocka_unit_test(json_layout_exact),
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(json_no_tables),
		cmocka_unit_test(json_writer_refuses_bad_utf8),
		cmocka_unit_test(json_writer_calls_in_order),
		cmocka_unit_test(json_checker_names_the_line),
		cmocka_unit_test(json_truncations_fail),
		cmocka_unit_test(json_checker_refuses_nul),
		cmocka_unit_test(verify_plain_backup),
		cmocka_unit_test(verify_json_backup),
		cmocka_unit_test(scan_and_detect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
