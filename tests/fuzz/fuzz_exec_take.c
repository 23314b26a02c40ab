/*
 * fuzz_exec_take - an exec start's answer taken by HTTP status
 * (docker_exec_take, src/docker_answer.h): the stream of a 200 or 101
 * into the demultiplexer, any other body kept as the error.
 *
 * Input: a chunking prefix (fuzz_chunks), a status selector byte, then the
 * answer. Properties: fed whole and fed in chunks give the same verdict,
 * payload bytes, per-stream counts and error body; an error status never
 * touches the stream and keeps the body's first bytes verbatim.
 */
#include "docker_answer.h"
#include "fuzz_util.h"

static int record(void *ctx, int stream, const char *buf, size_t len)
{
	struct strbuf *sb = ctx;

	FUZZ_CHECK(stream >= 0 && stream <= 3);
	for (size_t i = 0; i < len; i++) {
		strbuf_addch(sb, '0' + stream);
		strbuf_addch(sb, (unsigned char)buf[i]);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 101, 404, 409, 500, 0, 204, 302 };
	size_t sizes[16], nsizes = fuzz_chunks(&data, &size, sizes);
	struct strbuf whole = STRBUF_INIT, chunked = STRBUF_INIT;
	struct strbuf ea = STRBUF_INIT, eb = STRBUF_INIT;
	struct demux a, b;
	long status;
	int ra, rb = 0;

	if (size == 0)
		return 0;
	status = statuses[data[0] % ARRAY_SIZE(statuses)];
	data++;
	size--;

	demux_init(&a, record, &whole);
	ra = docker_exec_take(&a, &ea, status, (const char *)data, size);
	demux_init(&b, record, &chunked);
	for (size_t off = 0, i = 0; off < size; i++) {
		size_t n = fuzz_chunk_len(sizes, nsizes, i, size - off);

		rb = docker_exec_take(&b, &eb, status, (const char *)data + off, n);
		off += n;
		if (rb)
			break;
	}
	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(ra == 0 || a.failed != DEMUX_OK);
	FUZZ_CHECK(whole.len == chunked.len);
	FUZZ_CHECK(memcmp(strbuf_str(&whole), strbuf_str(&chunked), whole.len) == 0);
	FUZZ_CHECK(memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0);
	if (status == 200 || status == 101) {
		FUZZ_CHECK(ea.len == 0 && eb.len == 0);
	} else {
		size_t keep = size < DOCKER_EXEC_ERR_MAX ? size : DOCKER_EXEC_ERR_MAX;

		FUZZ_CHECK(ra == 0 && whole.len == 0);
		FUZZ_CHECK(ea.len == size); /* one piece under the cap: all of it */
		FUZZ_CHECK(eb.len >= keep && eb.len <= size);
		FUZZ_CHECK(memcmp(strbuf_str(&eb), data, keep) == 0);
	}
	strbuf_release(&whole);
	strbuf_release(&chunked);
	strbuf_release(&ea);
	strbuf_release(&eb);
	return 0;
}
