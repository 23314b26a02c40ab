/*
 * demux.h - the Docker exec stream demultiplexer (Tty: false).
 *
 * The stream is a sequence of frames: an 8-byte header [type, 0, 0, 0,
 * big-endian uint32 length] then length bytes. Headers and payloads arrive
 * split at any byte; the demultiplexer keeps only the 8 header bytes and
 * passes payload through to the callback as it arrives, so memory stays
 * bounded whatever the frame sizes. Pure: no I/O.
 */
#ifndef DOCKRESET_DEMUX_H
#define DOCKRESET_DEMUX_H

#include <stddef.h>
#include <stdint.h>

enum demux_stream {
	DEMUX_STDIN = 0,
	DEMUX_STDOUT = 1,
	DEMUX_STDERR = 2,
	DEMUX_SYSERR = 3,
};

/* Receives payload bytes; returns 0 to go on, -1 to abort the stream. */
typedef int (*demux_fn)(void *ctx, int stream, const char *buf, size_t len);

struct demux {
	unsigned char hdr[8];
	size_t hdr_have;
	uint32_t left; /* payload bytes still due in the current frame */
	int stream;
	int failed;
	demux_fn fn;
	void *ctx;
	unsigned long long bytes[4]; /* payload bytes seen per stream */
};

enum demux_result {
	DEMUX_OK = 0,
	DEMUX_ABORTED = -1,    /* the callback returned -1 */
	DEMUX_BAD_STREAM = -2, /* a header with an unknown type or nonzero padding */
	DEMUX_TRUNCATED = -3,  /* demux_finish: the stream ended inside a frame */
};

void demux_init(struct demux *d, demux_fn fn, void *ctx);
/* Feeds len bytes; returns DEMUX_OK or a negative demux_result. Once failed,
 * every later call returns the same failure. */
int demux_feed(struct demux *d, const char *buf, size_t len);
/* At the end of the stream: DEMUX_OK only when it ended between frames. */
int demux_finish(struct demux *d);
const char *demux_strerror(int result);

#endif
