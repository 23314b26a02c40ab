/*
 * fuzz_hijack_head - the head of the answer to a hijacked exec start
 * (docker_hijack_head, src/docker_answer.h) and its error body.
 *
 * Properties: the head is complete exactly when the bytes hold a blank
 * line, and it is the same whether the bytes arrive whole or as any
 * prefix that already holds it (bytes arrive piecewise); hlen ends at the
 * first "\r\n\r\n"; the status is 0 or three digits; an error body to read
 * stays within the buffer; its message is a non-empty string.
 */
#include "docker.h"
#include "docker_answer.h"
#include "fuzz_util.h"

#define HDR_MAX 1024
#define CAP	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *blank = memmem(buf, size, "\r\n\r\n", 4);
	struct docker_hijack_head h, p;
	int rc = docker_hijack_head(&h, buf, size, HDR_MAX, CAP);

	FUZZ_CHECK(rc == (blank ? 0 : 1));
	if (rc)
		return 0;
	FUZZ_CHECK(h.hlen == (size_t)(blank - buf) + 4 && h.hlen <= size);
	FUZZ_CHECK(h.status == 0 || (h.status >= 0 && h.status <= 999));
	if (h.status == 101 || h.status == 200)
		FUZZ_CHECK(h.body_want == 0);
	else if (h.hlen < CAP)
		FUZZ_CHECK(h.hlen + h.body_want <= CAP - 1);
	/* piecewise: every prefix short of the blank line waits, every longer
	 * one gives the same head */
	for (size_t n = 0; n <= size; n += 1 + n / 4) {
		int r = docker_hijack_head(&p, buf, n, HDR_MAX, CAP);

		FUZZ_CHECK(r == (n >= h.hlen ? 0 : 1));
		if (r == 0)
			FUZZ_CHECK(p.hlen == h.hlen && p.status == h.status &&
				   p.body_want == h.body_want);
	}
	if (h.status != 101 && h.status != 200) {
		size_t got = size - h.hlen, len = got < h.body_want ? got : h.body_want;
		char *msg = docker_resp_message(buf + h.hlen, len);

		FUZZ_CHECK(msg && *msg);
		free(msg);
	}
	return 0;
}
