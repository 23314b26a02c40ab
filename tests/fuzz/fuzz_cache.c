/*
 * fuzz_cache - what redis-cli prints in the cache's container, read by
 * dockreset before and after it flushes (src/cache.h): the number of
 * databases (cache_parse_databases) and the OK reply (cache_reply_ok).
 *
 * Properties: a number of databases is read exactly when the output is
 * "databases", a newline, a plain decimal (leading zeros allowed) from 1
 * to 1000000 and at most one
 * final newline, and writing that number back the way redis-cli does
 * reads the same number (text → value → text); a reply is OK exactly when
 * it is "OK" with at most one final newline.
 */
#include "cache.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), back[40];
	size_t n = strlen(s), d;
	int want = -1, got = cache_parse_databases(s);

	if (n > 10 && !strncmp(s, "databases\n", 10)) {
		const char *num = s + 10;
		d = strspn(num, "0123456789");
		if (d && (num[d] == '\0' || !strcmp(num + d, "\n"))) {
			/* leading zeros are a plain decimal too */
			while (d > 1 && *num == '0')
				num++, d--;
			if (d <= 7 && strtol(num, NULL, 10) >= 1 &&
			    strtol(num, NULL, 10) <= 1000000)
				want = (int)strtol(num, NULL, 10);
		}
	}
	FUZZ_CHECK(got == want);
	if (got > 0) {
		snprintf(back, sizeof(back), "databases\n%d\n", got);
		FUZZ_CHECK(cache_parse_databases(back) == got);
	}
	FUZZ_CHECK(cache_reply_ok(s) == (!strcmp(s, "OK") || !strcmp(s, "OK\n")));
	free(s);
	return 0;
}
