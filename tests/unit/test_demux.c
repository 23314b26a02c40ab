/*
 * test_demux.c - the exec stream demultiplexer, fed at every split point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demux.h"
#include "util.h"

/* What the callback received, per stream. */
struct sink {
	struct strbuf s[4];
	int calls;
	int abort_after; /* abort on this call (1-based); 0 never */
	int zero_len_calls;
};

static int sink_fn(void *ctx, int stream, const char *buf, size_t len)
{
	struct sink *k = ctx;

	k->calls++;
	if (!len)
		k->zero_len_calls++;
	if (k->abort_after && k->calls >= k->abort_after)
		return -1;
	assert_true(stream >= 0 && stream <= 3);
	strbuf_add(&k->s[stream], buf, len);
	return 0;
}

static void sink_release(struct sink *k)
{
	for (int i = 0; i < 4; i++)
		strbuf_release(&k->s[i]);
}

static void frame(struct strbuf *sb, int type, const char *payload, size_t len)
{
	unsigned char h[8] = { (unsigned char)type,
			       0,
			       0,
			       0,
			       (unsigned char)(len >> 24),
			       (unsigned char)(len >> 16),
			       (unsigned char)(len >> 8),
			       (unsigned char)len };

	strbuf_add(sb, h, 8);
	strbuf_add(sb, payload, len);
}

/* A stream with several frames of each kind, including empty ones. */
static void sample_stream(struct strbuf *sb, struct strbuf *want_out, struct strbuf *want_err)
{
	static const char *const parts[] = { "hello ", "", "world\n", "x", "a longer line\n" };
	char big[700];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		frame(sb, 1, parts[i], strlen(parts[i]));
		strbuf_addstr(want_out, parts[i]);
		frame(sb, 2, parts[i], strlen(parts[i]));
		strbuf_addstr(want_err, parts[i]);
	}
	frame(sb, 1, big, sizeof(big));
	strbuf_add(want_out, big, sizeof(big));
	frame(sb, 2, "", 0);
	frame(sb, 1, "\0\r\n", 3);
	strbuf_add(want_out, "\0\r\n", 3);
}

static void check_sink(const struct sink *k, const struct strbuf *out, const struct strbuf *err)
{
	assert_int_equal(k->s[1].len, out->len);
	assert_memory_equal(strbuf_str(&k->s[1]), strbuf_str(out), out->len);
	assert_int_equal(k->s[2].len, err->len);
	assert_memory_equal(strbuf_str(&k->s[2]), strbuf_str(err), err->len);
	assert_int_equal(k->s[0].len, 0);
	assert_int_equal(k->s[3].len, 0);
}

static void test_every_split_point(void **state)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;

	(void)state;
	sample_stream(&sb, &out, &err);
	for (size_t cut = 0; cut <= sb.len; cut++) {
		struct sink k = { 0 };
		struct demux d;

		demux_init(&d, sink_fn, &k);
		assert_int_equal(demux_feed(&d, sb.buf, cut), DEMUX_OK);
		assert_int_equal(demux_feed(&d, sb.buf + cut, sb.len - cut), DEMUX_OK);
		assert_int_equal(demux_finish(&d), DEMUX_OK);
		check_sink(&k, &out, &err);
		assert_int_equal(k.zero_len_calls, 0);
		assert_int_equal(d.bytes[1], out.len);
		assert_int_equal(d.bytes[2], err.len);
		sink_release(&k);
	}
	/* Two cuts: every pair of split points. */
	for (size_t a = 0; a <= sb.len; a += 3) {
		for (size_t b = a; b <= sb.len; b += 5) {
			struct sink k = { 0 };
			struct demux d;

			demux_init(&d, sink_fn, &k);
			assert_int_equal(demux_feed(&d, sb.buf, a), DEMUX_OK);
			assert_int_equal(demux_feed(&d, sb.buf + a, b - a), DEMUX_OK);
			assert_int_equal(demux_feed(&d, sb.buf + b, sb.len - b), DEMUX_OK);
			assert_int_equal(demux_finish(&d), DEMUX_OK);
			check_sink(&k, &out, &err);
			sink_release(&k);
		}
	}
	strbuf_release(&sb);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_one_byte_feeds(void **state)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	struct sink k = { 0 };
	struct demux d;

	(void)state;
	sample_stream(&sb, &out, &err);
	demux_init(&d, sink_fn, &k);
	for (size_t i = 0; i < sb.len; i++) {
		assert_int_equal(demux_feed(&d, sb.buf + i, 1), DEMUX_OK);
		if (i + 1 < sb.len)
			assert_int_equal(demux_finish(&d) == DEMUX_OK, d.hdr_have == 0);
	}
	assert_int_equal(demux_finish(&d), DEMUX_OK);
	check_sink(&k, &out, &err);
	/* Payload is passed through as it arrives: one call per payload byte. */
	assert_int_equal((size_t)k.calls, out.len + err.len);
	sink_release(&k);
	strbuf_release(&sb);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_empty_feeds_and_stream(void **state)
{
	struct sink k = { 0 };
	struct demux d;

	(void)state;
	demux_init(&d, sink_fn, &k);
	assert_int_equal(demux_feed(&d, "", 0), DEMUX_OK);
	assert_int_equal(demux_finish(&d), DEMUX_OK);
	assert_int_equal(k.calls, 0);
}

static void test_zero_length_frames(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct sink k = { 0 };
	struct demux d;

	(void)state;
	for (int i = 0; i < 5; i++)
		frame(&sb, 1 + i % 2, "", 0);
	frame(&sb, 1, "z", 1);
	frame(&sb, 3, "", 0);
	demux_init(&d, sink_fn, &k);
	assert_int_equal(demux_feed(&d, sb.buf, sb.len), DEMUX_OK);
	assert_int_equal(demux_finish(&d), DEMUX_OK);
	assert_int_equal(k.calls, 1);
	assert_string_equal(strbuf_str(&k.s[1]), "z");
	sink_release(&k);
	strbuf_release(&sb);
}

static void test_stdin_and_syserr_streams(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct sink k = { 0 };
	struct demux d;

	(void)state;
	frame(&sb, 0, "in", 2);
	frame(&sb, 3, "oops", 4);
	demux_init(&d, sink_fn, &k);
	assert_int_equal(demux_feed(&d, sb.buf, sb.len), DEMUX_OK);
	assert_int_equal(demux_finish(&d), DEMUX_OK);
	assert_string_equal(strbuf_str(&k.s[0]), "in");
	assert_string_equal(strbuf_str(&k.s[3]), "oops");
	assert_int_equal(d.bytes[0], 2);
	assert_int_equal(d.bytes[3], 4);
	sink_release(&k);
	strbuf_release(&sb);
}

static void expect_bad(const unsigned char *hdr, size_t split)
{
	struct strbuf sb = STRBUF_INIT;
	struct sink k = { 0 };
	struct demux d;
	int r1, r2;

	frame(&sb, 1, "ok", 2);
	strbuf_add(&sb, hdr, 8);
	strbuf_addstr(&sb, "payload");
	demux_init(&d, sink_fn, &k);
	r1 = demux_feed(&d, sb.buf, split);
	r2 = demux_feed(&d, sb.buf + split, sb.len - split);
	assert_true(r1 == DEMUX_BAD_STREAM || r2 == DEMUX_BAD_STREAM);
	assert_int_equal(demux_finish(&d), DEMUX_BAD_STREAM);
	/* Sticky: later feeds fail the same way and deliver nothing. */
	assert_int_equal(demux_feed(&d, "\1\0\0\0\0\0\0\1x", 9), DEMUX_BAD_STREAM);
	assert_string_equal(strbuf_str(&k.s[1]), "ok");
	assert_int_equal(k.s[0].len + k.s[2].len + k.s[3].len, 0);
	assert_int_equal(d.bytes[1], 2);
	sink_release(&k);
	strbuf_release(&sb);
}

static void test_bad_stream(void **state)
{
	static const unsigned char bad[][8] = {
		{ 4, 0, 0, 0, 0, 0, 0, 7 },    { 255, 0, 0, 0, 0, 0, 0, 7 },
		{ 1, 1, 0, 0, 0, 0, 0, 7 },    { 2, 0, 1, 0, 0, 0, 0, 7 },
		{ 1, 0, 0, 0x80, 0, 0, 0, 7 }, { 'H', 'T', 'T', 'P', '/', '1', '.', '1' },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		for (size_t split = 0; split <= 10 + 8; split++)
			expect_bad(bad[i], split);
}

static void test_truncated_in_header(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct sink k = { 0 };
	struct demux d;

	(void)state;
	frame(&sb, 1, "abc", 3);
	for (size_t keep = 1; keep < 8; keep++) {
		demux_init(&d, sink_fn, &k);
		assert_int_equal(demux_feed(&d, sb.buf, sb.len), DEMUX_OK);
		assert_int_equal(demux_feed(&d, "\1\0\0\0\0\0\0\5", keep), DEMUX_OK);
		assert_int_equal(demux_finish(&d), DEMUX_TRUNCATED);
	}
	sink_release(&k);
	strbuf_release(&sb);
}

static void test_truncated_in_payload(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct sink k = { 0 };
	struct demux d;

	(void)state;
	frame(&sb, 2, "0123456789", 10);
	for (size_t keep = 8; keep < sb.len; keep++) {
		struct sink k2 = { 0 };

		demux_init(&d, sink_fn, &k2);
		assert_int_equal(demux_feed(&d, sb.buf, keep), DEMUX_OK);
		assert_int_equal(demux_finish(&d), DEMUX_TRUNCATED);
		/* What did arrive was passed through. */
		assert_int_equal(k2.s[2].len, keep - 8);
		assert_int_equal(d.bytes[2], keep - 8);
		sink_release(&k2);
	}
	/* A frame announcing 4 GB - 1 that stops after 3 bytes. */
	demux_init(&d, sink_fn, &k);
	assert_int_equal(demux_feed(&d, "\1\0\0\0\377\377\377\377abc", 11), DEMUX_OK);
	assert_int_equal(demux_finish(&d), DEMUX_TRUNCATED);
	assert_int_equal(d.left, 0xffffffffu - 3);
	sink_release(&k);
	strbuf_release(&sb);
}

static void test_callback_abort(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct sink k = { .abort_after = 2 };
	struct demux d;

	(void)state;
	frame(&sb, 1, "one", 3);
	frame(&sb, 2, "two", 3);
	frame(&sb, 1, "three", 5);
	demux_init(&d, sink_fn, &k);
	assert_int_equal(demux_feed(&d, sb.buf, sb.len), DEMUX_ABORTED);
	assert_int_equal(k.calls, 2);
	assert_string_equal(strbuf_str(&k.s[1]), "one");
	assert_int_equal(k.s[2].len, 0);
	/* Sticky, and no further calls. */
	assert_int_equal(demux_feed(&d, sb.buf, sb.len), DEMUX_ABORTED);
	assert_int_equal(demux_finish(&d), DEMUX_ABORTED);
	assert_int_equal(k.calls, 2);
	sink_release(&k);
	strbuf_release(&sb);
}

static void test_null_callback_counts(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct demux d;

	(void)state;
	frame(&sb, 1, "12345", 5);
	frame(&sb, 2, "123", 3);
	frame(&sb, 1, "1", 1);
	demux_init(&d, NULL, NULL);
	assert_int_equal(demux_feed(&d, sb.buf, sb.len), DEMUX_OK);
	assert_int_equal(demux_finish(&d), DEMUX_OK);
	assert_int_equal(d.bytes[1], 6);
	assert_int_equal(d.bytes[2], 3);
	assert_int_equal(d.bytes[0] + d.bytes[3], 0);
	strbuf_release(&sb);
}

static void test_large_frame(void **state)
{
	size_t len = 3u << 20; /* 3 MB in one frame, fed in odd chunks */
	char *payload = xmalloc(len);
	struct strbuf sb = STRBUF_INIT;
	struct sink k = { 0 };
	struct demux d;
	size_t off = 0, step = 1;

	(void)state;
	for (size_t i = 0; i < len; i++)
		payload[i] = (char)(i ^ (i >> 8));
	frame(&sb, 1, payload, len);
	demux_init(&d, sink_fn, &k);
	while (off < sb.len) {
		size_t n = step < sb.len - off ? step : sb.len - off;

		assert_int_equal(demux_feed(&d, sb.buf + off, n), DEMUX_OK);
		off += n;
		step = step * 3 + 1;
	}
	assert_int_equal(demux_finish(&d), DEMUX_OK);
	assert_int_equal(k.s[1].len, len);
	assert_memory_equal(k.s[1].buf, payload, len);
	assert_int_equal(d.bytes[1], len);
	free(payload);
	sink_release(&k);
	strbuf_release(&sb);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(demux_strerror(DEMUX_TRUNCATED), "stream ended inside a frame");
	assert_string_equal(demux_strerror(DEMUX_BAD_STREAM), "malformed stream header");
	assert_non_null(demux_strerror(42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split_point),
		cmocka_unit_test(test_one_byte_feeds),
		cmocka_unit_test(test_empty_feeds_and_stream),
		cmocka_unit_test(test_zero_length_frames),
		cmocka_unit_test(test_stdin_and_syserr_streams),
		cmocka_unit_test(test_bad_stream),
		cmocka_unit_test(test_truncated_in_header),
		cmocka_unit_test(test_truncated_in_payload),
		cmocka_unit_test(test_callback_abort),
		cmocka_unit_test(test_null_callback_counts),
		cmocka_unit_test(test_large_frame),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("demux", tests, NULL, NULL);
}
