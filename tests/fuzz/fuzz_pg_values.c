/*
 * fuzz_pg_values - texts of libpq results that dockreset reads as values:
 * the row counts of every table (pg_count_row, src/pg.h), the values of
 * the configured stats queries (dump_stat_value, src/dump.h), every other
 * number read from the server (parse_int64, src/util.h) and the rows of
 * pg_db_role_setting a snapshot records (snapshot_settings_row,
 * src/snapshot.h).
 *
 * Input: an index text, a NUL byte, then a value text. Properties: a
 * count is read exactly when both texts are whole decimal numbers (the
 * index inside v) and lands only in v[index], else nothing changes; a
 * number is accepted exactly when it is an optionally negative run of
 * digits that fits, and formats back to the same number (text → value →
 * text); a stat value is a JSON integer exactly when parse_int64 accepts
 * the text, else a string (redacted); a settings row is taken exactly when
 * the value is a JSON array of "k=v" strings, which the record then holds
 * unchanged, and the marker is the last dockreset.environment item of the
 * database's own row.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>

#include "dump.h"
#include "fuzz_util.h"
#include "pg.h"
#include "snapshot.h"
#include "util.h"

#define NT 4

/* The reference: an optionally negative run of digits that fits. */
static int whole_number(const char *s, long long *out)
{
	const char *d = *s == '-' ? s + 1 : s;
	char *end;

	if (!*d || strspn(d, "0123456789") != strlen(d))
		return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static void check_counts(const char *idx, const char *val)
{
	struct pg_table v[NT];
	long long k, want;
	int ok = whole_number(idx, &k) && k >= 0 && k < NT && whole_number(val, &want) && want >= 0;

	for (size_t i = 0; i < NT; i++)
		v[i].rows = -1;
	FUZZ_CHECK((pg_count_row(v, NT, idx, val) == 0) == ok);
	for (long long i = 0; i < NT; i++)
		FUZZ_CHECK(v[i].rows == (ok && i == k ? want : -1));
}

static void check_number(const char *val)
{
	long long want = 0, got = 42, again = 0;
	int ok = whole_number(val, &want);
	char back[32];

	FUZZ_CHECK((parse_int64(val, LLONG_MIN, LLONG_MAX, &got) == 0) == ok);
	if (!ok) {
		FUZZ_CHECK(got == 42);
		return;
	}
	FUZZ_CHECK(got == want);
	snprintf(back, sizeof(back), "%lld", got);
	FUZZ_CHECK(parse_int64(back, got, got, &again) == 0 && again == got);
	/* a range that leaves the value out refuses it */
	if (got < LLONG_MAX)
		FUZZ_CHECK(parse_int64(val, got + 1, LLONG_MAX, &again) == -1);
}

static void check_stat(const char *val)
{
	long long want;
	int ok = whole_number(val, &want);
	json_t *j = dump_stat_value(val);

	FUZZ_CHECK(j != NULL);
	if (json_is_integer(j))
		FUZZ_CHECK(ok && json_integer_value(j) == want);
	else
		FUZZ_CHECK(!ok && (json_is_string(j) || json_is_null(j)));
	json_decref(j);
}

static void check_settings(const char *role, const char *val)
{
	json_t *settings = json_array(), *doc = *val ? json_loads(val, 0, NULL) : json_array();
	json_t *it;
	char *env = NULL;
	const char *marker = NULL;
	size_t i;
	int ok = json_is_array(doc);

	json_array_foreach(doc, i, it)
	{
		const char *s = json_string_value(it);
		const char *eq = s ? strchr(s, '=') : NULL;

		if (!eq || eq == s)
			ok = 0;
		else if (!strncmp(s, SNAPSHOT_ENV_KEY "=", strlen(SNAPSHOT_ENV_KEY) + 1))
			marker = eq + 1;
	}
	/* duplicate object keys are refused, so only arrays decide */
	FUZZ_CHECK((snapshot_settings_row(settings, role, val, &env) == 0) == ok);
	if (ok) {
		json_t *row = json_array_get(settings, 0);

		FUZZ_CHECK(json_array_size(settings) == 1);
		FUZZ_CHECK(json_equal(json_object_get(row, "settings"), doc));
		FUZZ_CHECK(role ? json_is_string(json_object_get(row, "role"))
				: json_is_null(json_object_get(row, "role")));
		if (!role && marker)
			FUZZ_CHECK(env && !strcmp(env, marker));
		else
			FUZZ_CHECK(env == NULL);
	} else {
		FUZZ_CHECK(json_array_size(settings) == 0 && env == NULL);
	}
	free(env);
	json_decref(doc);
	json_decref(settings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole = fuzz_strndup(data, size);
	const uint8_t *nul = memchr(data, '\0', size);
	const char *idx = whole, *val = nul ? whole + (nul - data) + 1 : whole;

	check_counts(idx, val);
	check_number(val);
	check_stat(val);
	check_settings(nul ? NULL : "app", val);
	free(whole);
	return 0;
}
