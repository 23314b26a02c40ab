/*
 * fuzz_sqlstream_names - sqlstream_toc_line and sqlstream_split_qualified
 * (src/sqlstream.h).
 *
 * Properties: a TOC line gives a name exactly when it says 1 or 2, and the
 * name is non-empty; whatever splits, quoted again, splits into the same
 * parts; and two parts (the input cut at its first NUL), quoted as
 * PostgreSQL quotes identifiers and joined with '.', split back into
 * themselves.
 */
#include "fuzz_util.h"
#include "sqlstream.h"
#include "util.h"

static void quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

static void round_trip(const char *schema, const char *name)
{
	struct strbuf q = STRBUF_INIT;
	char *s2, *n2;

	quote(&q, schema);
	strbuf_addch(&q, '.');
	quote(&q, name);
	FUZZ_CHECK(sqlstream_split_qualified(q.buf, q.len, &s2, &n2) == 0);
	FUZZ_CHECK(strcmp(s2, schema) == 0);
	FUZZ_CHECK(strcmp(n2, name) == 0);
	free(s2);
	free(n2);
	strbuf_release(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *name = NULL, *schema, *obj;
	const char *nul = memchr(data, '\0', size);
	int r;

	/* the TOC line: up to the first NUL, as a C string */
	r = sqlstream_toc_line(text, &name);
	FUZZ_CHECK(r >= -1 && r <= 2);
	FUZZ_CHECK((r > 0) == (name != NULL));
	FUZZ_CHECK(!name || *name);
	free(name);

	/* the whole input as a qualified name */
	if (sqlstream_split_qualified((const char *)data, size, &schema, &obj) == 0) {
		FUZZ_CHECK(*schema && *obj);
		FUZZ_CHECK(!memchr(data, '\0', size));
		round_trip(schema, obj);
		free(schema);
		free(obj);
	}

	/* two parts: before and after the first NUL, when neither has another */
	if (nul) {
		const char *a = text, *b = text + (nul - (const char *)data) + 1;
		size_t blen = size - (size_t)(b - text);

		if (*a && blen && !memchr(b, '\0', blen))
			round_trip(a, b);
	}
	free(text);
	return 0;
}
