/*
 * fuzz_rows - the row parsing of restore (src/restore_rows.h): a json
 * backup line by kind, a row line turned into a COPY text line
 * (rows_json_row), a table line (rows_json_table), and COPY text values
 * (rows_copy_value).
 *
 * Input: a byte giving the column count (0..7), then one line.
 * Properties: rows_copy_value of the raw bytes decodes back to them and
 * holds no raw tab, newline or carriage return (value → COPY → value); a
 * row that converts is one line of exactly ncolumns tab-separated fields,
 * each decoding back to the JSON string of the same position or \N for
 * null (JSON → COPY → values); a row that does not leaves out unchanged and
 * says why; a table line gives a name and one column per array element.
 */
#include <jansson.h>

#include "fuzz_util.h"
#include "restore_rows.h"

/* Decodes one COPY text field of n bytes into out; -1 on a bad escape. */
static int copy_decode(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			strbuf_addch(out, s[i]);
			continue;
		}
		if (++i == n)
			return -1;
		switch (s[i]) {
		case '\\':
			strbuf_addch(out, '\\');
			break;
		case 'n':
			strbuf_addch(out, '\n');
			break;
		case 'r':
			strbuf_addch(out, '\r');
			break;
		case 't':
			strbuf_addch(out, '\t');
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void check_value(const char *s, size_t n)
{
	struct strbuf enc = STRBUF_INIT, dec = STRBUF_INIT;

	strbuf_addstr(&enc, "x"); /* appends: what is there stays */
	rows_copy_value(&enc, s, n);
	FUZZ_CHECK(enc.buf[0] == 'x');
	FUZZ_CHECK(!memchr(enc.buf + 1, '\t', enc.len - 1) &&
		   !memchr(enc.buf + 1, '\n', enc.len - 1) &&
		   !memchr(enc.buf + 1, '\r', enc.len - 1));
	FUZZ_CHECK(copy_decode(&dec, enc.buf + 1, enc.len - 1) == 0);
	FUZZ_CHECK(dec.len == n && (n == 0 || memcmp(dec.buf, s, n) == 0));
	strbuf_release(&enc);
	strbuf_release(&dec);
}

static void check_row(const char *line, size_t len, size_t ncols)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	size_t trimmed = len;
	json_t *a;

	strbuf_addstr(&out, "before\n");
	if (rows_json_row(&out, line, len, ncols, &err) < 0) {
		FUZZ_CHECK(err.len > 0);
		FUZZ_CHECK(out.len == 7 && !strcmp(out.buf, "before\n"));
		goto out;
	}
	FUZZ_CHECK(err.len == 0);
	FUZZ_CHECK(out.len > 7 && out.buf[out.len - 1] == '\n');
	FUZZ_CHECK(!memchr(out.buf + 7, '\n', out.len - 8));
	while (trimmed && (line[trimmed - 1] == ',' || line[trimmed - 1] == '\r'))
		trimmed--;
	a = json_loadb(line, trimmed, 0, NULL);
	FUZZ_CHECK(json_is_array(a) && json_array_size(a) == ncols);
	{
		const char *p = out.buf + 7, *end = out.buf + out.len - 1;

		for (size_t i = 0; i < ncols; i++) {
			const char *tab = memchr(p, '\t', (size_t)(end - p));
			const char *fe = tab ? tab : end;
			json_t *v = json_array_get(a, i);
			struct strbuf dec = STRBUF_INIT;

			FUZZ_CHECK(i + 1 < ncols ? tab != NULL : tab == NULL);
			if (json_is_null(v)) {
				FUZZ_CHECK(fe - p == 2 && !memcmp(p, "\\N", 2));
			} else {
				FUZZ_CHECK(copy_decode(&dec, p, (size_t)(fe - p)) == 0);
				FUZZ_CHECK(dec.len == json_string_length(v));
				FUZZ_CHECK(dec.len == 0 ||
					   !memcmp(dec.buf, json_string_value(v), dec.len));
			}
			strbuf_release(&dec);
			p = fe + (tab ? 1 : 0);
		}
		FUZZ_CHECK(ncols == 0 ? p == end : 1);
	}
	json_decref(a);
out:
	strbuf_release(&out);
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line;
	size_t ncols;
	struct strbuf err = STRBUF_INIT;
	struct strlist cols = STRLIST_INIT;
	char *name = NULL;
	enum rows_json_kind k;

	if (size == 0)
		return 0;
	ncols = data[0] % 8;
	line = (const char *)data + 1;
	size--;

	check_value(line, size);
	k = rows_json_kind(line, size);
	FUZZ_CHECK(k >= ROWS_JSON_HEADER && k <= ROWS_JSON_OTHER);
	check_row(line, size, ncols);
	if (rows_json_table(line, size, &name, &cols, &err) == 0) {
		FUZZ_CHECK(name != NULL);
		FUZZ_CHECK(err.len == 0);
	} else {
		FUZZ_CHECK(err.len > 0);
		FUZZ_CHECK(name == NULL);
	}
	free(name);
	strlist_clear(&cols);
	strbuf_release(&err);
	return 0;
}
