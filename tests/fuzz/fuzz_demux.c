/*
 * fuzz_demux - the exec stream demultiplexer (src/demux.h).
 *
 * Property: the input fed whole and fed in chunks (sizes from its first
 * bytes) gives the same payload bytes on the same streams, the same
 * per-stream counts and the same final verdict.
 */
#include "demux.h"
#include "fuzz_util.h"
#include "util.h"

/* Each payload byte as two bytes: its stream's digit, then the byte. */
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
	size_t sizes[16], nsizes = fuzz_chunks(&data, &size, sizes);
	struct strbuf whole = STRBUF_INIT, chunked = STRBUF_INIT;
	struct demux a, b;
	int ra, rb = DEMUX_OK;

	demux_init(&a, record, &whole);
	ra = demux_feed(&a, (const char *)data, size);
	if (ra == DEMUX_OK)
		ra = demux_finish(&a);

	demux_init(&b, record, &chunked);
	for (size_t off = 0, i = 0; off < size; i++) {
		size_t n = fuzz_chunk_len(sizes, nsizes, i, size - off);

		rb = demux_feed(&b, (const char *)data + off, n);
		off += n;
		if (rb != DEMUX_OK)
			break;
	}
	if (rb == DEMUX_OK)
		rb = demux_finish(&b);

	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(demux_strerror(ra) != NULL);
	FUZZ_CHECK(whole.len == chunked.len);
	FUZZ_CHECK(memcmp(strbuf_str(&whole), strbuf_str(&chunked), whole.len) == 0);
	FUZZ_CHECK(memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0);
	strbuf_release(&whole);
	strbuf_release(&chunked);
	return 0;
}
