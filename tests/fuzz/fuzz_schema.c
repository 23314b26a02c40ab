/*
 * fuzz_schema - schema_parse and schema_sql (src/schema.h) on arbitrary
 * text, for the schema names "public", "app", "a" and "b".
 *
 * Properties: failure leaves one message and an empty set; success gives
 * an entry per name in order, an owner for each schema that exists, and
 * outside dependents that are non-empty strings. schema_sql then writes
 * exactly one DROP per schema when none is recreated; when all are, the
 * same DROPs first and non-empty statements after, or it fails with a
 * message and appends nothing.
 */
#include "fuzz_util.h"
#include "schema.h"

static const char *const names[] = { "public", "app", "a", "b" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct strlist drops = STRLIST_INIT, all = STRLIST_INIT;
	struct schema_set s;
	int rc;

	memset(&s, 0xa5, sizeof(s));
	rc = schema_parse(&s, names, NNAMES, (const char *)data, size, &err);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(err.len > 0);
		FUZZ_CHECK(s.n == 0 && s.v == NULL && s.outside.n == 0);
		goto out;
	}
	FUZZ_CHECK(err.len == 0);
	FUZZ_CHECK(s.n == NNAMES);
	for (size_t i = 0; i < s.n; i++) {
		FUZZ_CHECK(strcmp(s.v[i].name, names[i]) == 0);
		FUZZ_CHECK(!s.v[i].exists || (s.v[i].owner && *s.v[i].owner));
	}
	for (size_t i = 0; i < s.outside.n; i++)
		FUZZ_CHECK(s.outside.v[i] && *s.outside.v[i]);

	FUZZ_CHECK(schema_sql(&drops, &s, &err) == 0);
	FUZZ_CHECK(drops.n == NNAMES);
	for (size_t i = 0; i < drops.n; i++)
		FUZZ_CHECK(strncmp(drops.v[i], "DROP SCHEMA IF EXISTS \"", 23) == 0);

	for (size_t i = 0; i < s.n; i++)
		s.v[i].recreate = 1;
	rc = schema_sql(&all, &s, &err);
	if (rc == 0) {
		FUZZ_CHECK(err.len == 0);
		FUZZ_CHECK(all.n >= 2 * NNAMES);
		for (size_t i = 0; i < NNAMES; i++)
			FUZZ_CHECK(strcmp(all.v[i], drops.v[i]) == 0);
		for (size_t i = 0; i < all.n; i++)
			FUZZ_CHECK(all.v[i] && *all.v[i]);
	} else {
		FUZZ_CHECK(rc == -1 && err.len > 0 && all.n == 0);
	}
out:
	strlist_clear(&drops);
	strlist_clear(&all);
	schema_set_release(&s);
	strbuf_release(&err);
	return 0;
}
