/*
 * fuzz_catalog - catalog_parse (src/catalog.h) on arbitrary text.
 *
 * Properties: failure leaves one message and an empty catalog; success
 * gives tables and sequences with their names, each qualified name
 * "schema.name" as written.
 */
#include "catalog.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct catalog cat;
	int rc;

	memset(&cat, 0xa5, sizeof(cat));
	rc = catalog_parse(&cat, (const char *)data, size, &err);
	if (rc == 0) {
		FUZZ_CHECK(err.len == 0);
		for (size_t i = 0; i < cat.ntables; i++) {
			FUZZ_CHECK(cat.tables[i].schema && cat.tables[i].name);
			FUZZ_CHECK(cat.tables[i].qualified != NULL);
			FUZZ_CHECK(catalog_table(&cat, cat.tables[i].oid) != NULL);
		}
		for (size_t i = 0; i < cat.nsequences; i++)
			FUZZ_CHECK(cat.sequences[i].qualified != NULL);
	} else {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(err.len > 0);
		FUZZ_CHECK(cat.ntables == 0 && cat.nsequences == 0 && cat.ndefaults == 0 &&
			   cat.nfks == 0);
	}
	catalog_release(&cat);
	strbuf_release(&err);
	return 0;
}
