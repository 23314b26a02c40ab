/*
 * fuzz_pg_values - texts of libpq results that dockreset reads as numbers:
 * the row counts of every table (pg_count_row, src/pg.h) and the values of
 * the configured stats queries (dump_stat_value, src/dump.h).
 *
 * Input: an index text, a NUL byte, then a value text. Properties: a count
 * lands only in v[index] when the index is in range, nothing else changes,
 * and a decimal count that fits is read exactly; a stat value is a JSON
 * integer exactly when the text is an optionally signed run of digits
 * that fits, and that integer formats back to the same number
 * (text → value → text); otherwise it is a string (redacted).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>

#include "dump.h"
#include "fuzz_util.h"
#include "pg.h"

#define NT 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole = fuzz_strndup(data, size), *end;
	const uint8_t *nul = memchr(data, '\0', size);
	const char *idx = whole, *val = nul ? whole + (nul - data) + 1 : whole;
	struct pg_table v[NT];
	unsigned long long k;
	long long want;
	int fits;
	json_t *j;

	for (size_t i = 0; i < NT; i++)
		v[i].rows = -1;
	k = strtoull(idx, NULL, 10);
	errno = 0;
	want = strtoll(val, &end, 10);
	fits = errno == 0 && end != val && *end == '\0';
	pg_count_row(v, NT, idx, val);
	for (size_t i = 0; i < NT; i++) {
		if (i == k) {
			if (fits)
				FUZZ_CHECK(v[i].rows == want);
		} else {
			FUZZ_CHECK(v[i].rows == -1);
		}
	}

	j = dump_stat_value(val);
	FUZZ_CHECK(j != NULL);
	if (json_is_integer(j)) {
		const char *d = val[0] == '-' ? val + 1 : val;
		char back[32];

		FUZZ_CHECK(*d && strspn(d, "0123456789") == strlen(d));
		FUZZ_CHECK(fits && json_integer_value(j) == want);
		snprintf(back, sizeof(back), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		FUZZ_CHECK(strtoll(back, NULL, 10) == want);
	} else {
		FUZZ_CHECK(json_is_string(j) || json_is_null(j));
	}
	json_decref(j);
	free(whole);
	return 0;
}
