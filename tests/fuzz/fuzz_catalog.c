/*
 * fuzz_catalog - catalog_parse (src/catalog.h) on arbitrary text.
 *
 * Properties: failure leaves one message and an empty catalog; success
 * gives tables and sequences with their names, each qualified name
 * "schema.name" as written, and foreign keys whose columns and referenced
 * columns are, in order, the strings jansson sees in the document's
 * arrays (as many on both sides, at least one). catalog_parse_fks on the
 * document's "foreign_keys" array alone reads the same keys.
 */
#include <jansson.h>

#include "catalog.h"
#include "fuzz_util.h"

/* names equals the JSON array a, string by string. */
static void same_names(const struct strlist *names, json_t *a)
{
	FUZZ_CHECK(json_is_array(a));
	FUZZ_CHECK(names->n == json_array_size(a));
	FUZZ_CHECK(names->n > 0);
	for (size_t i = 0; i < names->n; i++) {
		json_t *e = json_array_get(a, i);
		FUZZ_CHECK(json_is_string(e));
		FUZZ_CHECK(strlen(names->v[i]) == json_string_length(e));
		FUZZ_CHECK(*names->v[i]);
		FUZZ_CHECK(!strcmp(names->v[i], json_string_value(e)));
	}
}

static void same_fks(const struct catalog *a, const struct catalog *b)
{
	FUZZ_CHECK(a->nfks == b->nfks);
	for (size_t i = 0; i < a->nfks; i++) {
		FUZZ_CHECK(!strcmp(a->fks[i].name, b->fks[i].name));
		FUZZ_CHECK(a->fks[i].table == b->fks[i].table);
		FUZZ_CHECK(a->fks[i].references == b->fks[i].references);
		FUZZ_CHECK(a->fks[i].columns.n == b->fks[i].columns.n);
		for (size_t k = 0; k < a->fks[i].columns.n; k++)
			FUZZ_CHECK(!strcmp(a->fks[i].columns.v[k], b->fks[i].columns.v[k]));
		FUZZ_CHECK(a->fks[i].referenced_columns.n == b->fks[i].referenced_columns.n);
		for (size_t k = 0; k < a->fks[i].referenced_columns.n; k++)
			FUZZ_CHECK(!strcmp(a->fks[i].referenced_columns.v[k],
					   b->fks[i].referenced_columns.v[k]));
	}
}

/* The foreign keys of a parsed document against what jansson sees in it,
 * and against catalog_parse_fks of its "foreign_keys" array alone. */
static void check_fks(const struct catalog *cat, const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *fks = json_object_get(doc, "foreign_keys");
	struct strbuf err = STRBUF_INIT;
	struct catalog alone;
	char *text;

	FUZZ_CHECK(json_is_array(fks));
	FUZZ_CHECK(cat->nfks == json_array_size(fks));
	for (size_t i = 0; i < cat->nfks; i++) {
		json_t *o = json_array_get(fks, i);
		same_names(&cat->fks[i].columns, json_object_get(o, "columns"));
		same_names(&cat->fks[i].referenced_columns,
			   json_object_get(o, "referenced_columns"));
		FUZZ_CHECK(cat->fks[i].columns.n == cat->fks[i].referenced_columns.n);
	}
	text = json_dumps(fks, JSON_COMPACT);
	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(catalog_parse_fks(&alone, text, strlen(text), &err) == 0);
	FUZZ_CHECK(alone.ntables == 0 && alone.nsequences == 0 && alone.ndefaults == 0);
	same_fks(cat, &alone);
	catalog_release(&alone);
	free(text);
	strbuf_release(&err);
	json_decref(doc);
}

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
		check_fks(&cat, data, size);
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
