/*
 * demux.c - the Docker exec stream demultiplexer (Tty: false).
 *
 * A state machine over the 8-byte frame headers: payload bytes go to the
 * callback straight from the caller's buffer, so nothing but the header is
 * ever copied and memory does not depend on frame sizes.
 */
#include "demux.h"

#include <string.h>

void demux_init(struct demux *d, demux_fn fn, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->fn = fn;
	d->ctx = ctx;
}

/* Checks a complete header and starts its frame. */
static int demux_start_frame(struct demux *d, const unsigned char *h)
{
	if (h[0] > DEMUX_SYSERR || h[1] || h[2] || h[3])
		return DEMUX_BAD_STREAM;
	d->stream = h[0];
	d->left =
	    (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | (uint32_t)h[7];
	/* hdr_have stays at 8 while a payload is due; a zero-length frame ends here. */
	d->hdr_have = d->left ? sizeof(d->hdr) : 0;
	return DEMUX_OK;
}

int demux_feed(struct demux *d, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	int rc;

	if (d->failed)
		return d->failed;
	while (len) {
		if (d->hdr_have < sizeof(d->hdr)) {
			const unsigned char *h;

			if (d->hdr_have == 0 && len >= sizeof(d->hdr)) {
				/* The whole header is here: no copy. */
				h = p;
				p += sizeof(d->hdr);
				len -= sizeof(d->hdr);
			} else {
				size_t n = sizeof(d->hdr) - d->hdr_have;

				if (n > len)
					n = len;
				memcpy(d->hdr + d->hdr_have, p, n);
				d->hdr_have += n;
				p += n;
				len -= n;
				if (d->hdr_have < sizeof(d->hdr))
					break;
				h = d->hdr;
			}
			rc = demux_start_frame(d, h);
			if (rc)
				goto fail;
			continue;
		}

		size_t n = len < d->left ? len : d->left;

		d->bytes[d->stream] += n;
		if (d->fn && d->fn(d->ctx, d->stream, (const char *)p, n) < 0) {
			rc = DEMUX_ABORTED;
			goto fail;
		}
		d->left -= (uint32_t)n;
		p += n;
		len -= n;
		if (!d->left)
			d->hdr_have = 0;
	}
	return DEMUX_OK;

fail:
	d->failed = rc;
	return rc;
}

int demux_finish(struct demux *d)
{
	if (d->failed)
		return d->failed;
	if (d->hdr_have)
		return DEMUX_TRUNCATED;
	return DEMUX_OK;
}

const char *demux_strerror(int result)
{
	switch (result) {
	case DEMUX_OK:
		return "no error";
	case DEMUX_ABORTED:
		return "aborted by the receiver";
	case DEMUX_BAD_STREAM:
		return "malformed stream header";
	case DEMUX_TRUNCATED:
		return "stream ended inside a frame";
	}
	return "unknown error";
}
