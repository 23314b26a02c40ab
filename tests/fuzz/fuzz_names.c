/*
 * fuzz_names - rows_parse_names (src/restore_rows.h) on arbitrary text, the
 * reader of the column names a query returns as a JSON array.
 *
 * Properties: the input (up to its first NUL) gives 0 exactly when jansson
 * reads it as an array of non-empty strings, and the list is then those
 * strings in order; otherwise -1 and the list empty. A list read, written
 * again with json_dumps, reads back as the same list.
 */
#include <jansson.h>

#include "fuzz_util.h"
#include "restore_rows.h"

/* The names jansson sees in text, or -1 when it is no array of non-empty
 * strings. */
static int oracle(const char *text, struct strlist *want)
{
	json_t *a = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	int rc = json_is_array(a) ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    memchr(json_string_value(e), '\0', json_string_length(e)))
			rc = -1;
		else
			strlist_push(want, json_string_value(e));
	}
	if (rc < 0)
		strlist_clear(want);
	json_decref(a);
	return rc;
}

static int same(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static void round_trip(const struct strlist *l)
{
	struct strlist again = STRLIST_INIT;
	json_t *a = json_array();
	char *text;

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	text = json_dumps(a, JSON_COMPACT);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(rows_parse_names(text, &again) == 0);
	FUZZ_CHECK(same(l, &again));
	strlist_clear(&again);
	free(text);
	json_decref(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct strlist got = STRLIST_INIT, want = STRLIST_INIT;
	int rc = rows_parse_names(text, &got);

	FUZZ_CHECK(rc == oracle(text, &want));
	FUZZ_CHECK(same(&got, &want));
	if (rc == 0)
		round_trip(&got);
	else
		FUZZ_CHECK(got.n == 0 && got.v == NULL);
	strlist_clear(&got);
	strlist_clear(&want);
	free(text);
	return 0;
}
