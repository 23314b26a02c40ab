/*
 * fuzz_sqlstream - the SQL stream reader (src/sqlstream.h).
 *
 * Property: the input fed whole and fed in chunks (sizes from its first
 * bytes) gives the same callback trace (copy_data calls in a row merged),
 * the same result and the same error; every copy_data call holds whole
 * lines.
 */
#include "fuzz_util.h"
#include "sqlstream.h"
#include "util.h"

struct trace {
	struct strbuf t;
	int in_data;
};

static void end_data(struct trace *tr)
{
	if (tr->in_data)
		strbuf_addstr(&tr->t, ">\n");
	tr->in_data = 0;
}

/* Skips blocks with an even number of columns, stops at a table "stop". */
static int on_copy_begin(void *ctx, const char *schema, const char *table,
			 const char *const *columns, size_t ncolumns)
{
	struct trace *tr = ctx;

	end_data(tr);
	FUZZ_CHECK(schema && *schema && table && *table);
	strbuf_addf(&tr->t, "COPY %s|%s|", schema, table);
	for (size_t i = 0; i < ncolumns; i++) {
		FUZZ_CHECK(columns[i] && *columns[i]);
		strbuf_addf(&tr->t, "%s,", columns[i]);
	}
	strbuf_addch(&tr->t, '\n');
	if (strcmp(table, "stop") == 0)
		return -1;
	return ncolumns % 2;
}

static int on_copy_data(void *ctx, const char *buf, size_t len)
{
	struct trace *tr = ctx;

	FUZZ_CHECK(len > 0 && buf[len - 1] == '\n');
	if (!tr->in_data)
		strbuf_addstr(&tr->t, "DATA<");
	tr->in_data = 1;
	strbuf_add(&tr->t, buf, len);
	return 0;
}

static int on_copy_end(void *ctx)
{
	struct trace *tr = ctx;

	end_data(tr);
	strbuf_addstr(&tr->t, "END\n");
	return 0;
}

static int on_setval(void *ctx, const char *schema, const char *seq, long long v, int called)
{
	struct trace *tr = ctx;

	end_data(tr);
	FUZZ_CHECK(called == 0 || called == 1);
	strbuf_addf(&tr->t, "SETVAL %s|%s|%lld|%d\n", schema, seq, v, called);
	return strcmp(seq, "stop") == 0 ? -1 : 0;
}

static int on_schema(void *ctx, const char *name, int creates)
{
	struct trace *tr = ctx;

	end_data(tr);
	FUZZ_CHECK(*name && (creates == 0 || creates == 1));
	strbuf_addf(&tr->t, "SCHEMA %s|%d\n", name, creates);
	return strcmp(name, "stop") == 0 ? -1 : 0;
}

static const struct sqlstream_cb cb = { on_copy_begin, on_copy_data, on_copy_end, on_setval,
					on_schema };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sizes[16], nsizes = fuzz_chunks(&data, &size, sizes);
	struct trace whole = { STRBUF_INIT }, chunked = { STRBUF_INIT };
	struct sqlstream *a = sqlstream_new(&cb, &whole), *b = sqlstream_new(&cb, &chunked);
	int ra, rb = 0;

	ra = sqlstream_feed(a, (const char *)data, size);
	if (ra == 0)
		ra = sqlstream_finish(a);
	end_data(&whole);

	for (size_t off = 0, i = 0; off < size; i++) {
		size_t n = fuzz_chunk_len(sizes, nsizes, i, size - off);

		rb = sqlstream_feed(b, (const char *)data + off, n);
		off += n;
		if (rb != 0)
			break;
	}
	if (rb == 0)
		rb = sqlstream_finish(b);
	end_data(&chunked);

	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(ra == 0 || ra == -1);
	FUZZ_CHECK(strcmp(sqlstream_error(a), sqlstream_error(b)) == 0);
	FUZZ_CHECK(ra == 0 || strncmp(sqlstream_error(a), "line ", 5) == 0);
	FUZZ_CHECK(whole.t.len == chunked.t.len);
	FUZZ_CHECK(memcmp(strbuf_str(&whole.t), strbuf_str(&chunked.t), whole.t.len) == 0);
	sqlstream_free(a);
	sqlstream_free(b);
	strbuf_release(&whole.t);
	strbuf_release(&chunked.t);
	return 0;
}
