/*
 * fuzz_util.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * Each target is one fuzz_<name>.c with LLVMFuzzerTestOneInput; the Makefile
 * builds it against the project's objects built with clang and
 * -fsanitize=fuzzer-no-link,address,undefined. A property that does not
 * hold calls FUZZ_CHECK, which aborts so libFuzzer keeps the input.
 */
#ifndef DOCKRESET_FUZZ_UTIL_H
#define DOCKRESET_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			dprintf(2, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/*
 * For targets whose code under test writes messages (usage errors, hints)
 * on stderr for most inputs: the stdio stream goes to /dev/null, so the
 * messages are still formatted and redacted but not written out. libFuzzer
 * and the sanitizers write on file descriptor 2 (or a stream they took at
 * start-up), and FUZZ_CHECK uses the descriptor: their reports still show.
 */
static inline void fuzz_mute_messages(void)
{
	static int muted;
	FILE *f;

	if (muted++)
		return;
	f = fopen("/dev/null", "w");
	if (f)
		stderr = f;
}

/* A NUL-terminated copy of n bytes (which may hold NULs of their own). */
static inline char *fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/*
 * Chunk sizes for feeding the rest of an input piecewise: the first byte
 * of data (when there is one) says how many following bytes are chunk
 * sizes (at most 16); each size is 1 + its byte. Consumes those bytes;
 * returns how many sizes were read into sizes[].
 */
static inline size_t fuzz_chunks(const uint8_t **data, size_t *size, size_t sizes[16])
{
	size_t n;

	if (*size == 0)
		return 0;
	n = (*data)[0] % 17;
	(*data)++;
	(*size)--;
	if (n > *size)
		n = *size;
	for (size_t i = 0; i < n; i++)
		sizes[i] = 1 + (size_t)(*data)[i];
	*data += n;
	*size -= n;
	return n;
}

/* The length of the next chunk to feed: the sizes cycle. */
static inline size_t fuzz_chunk_len(const size_t *sizes, size_t nsizes, size_t i, size_t left)
{
	size_t want = nsizes ? sizes[i % nsizes] : 1;

	return want < left ? want : left;
}

#endif
