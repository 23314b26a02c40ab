/*
 * fuzz_manifest - backup_manifest_check (src/backup.h) on whatever
 * json_loadb makes of the input, with no target and with "app".
 *
 * Properties: failure gives a reason; a manifest that passes still passes
 * after a dump and reload (what backup_manifest_write does).
 */
#include <jansson.h>

#include "backup.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *m = json_loadb((const char *)data, size, 0, NULL);
	char *why = NULL;

	if (!m)
		return 0;
	if (backup_manifest_check(&why, m, NULL) == 0) {
		char *text = json_dumps(m, JSON_PRESERVE_ORDER | JSON_INDENT(2));
		json_t *again = text ? json_loads(text, 0, NULL) : NULL;

		FUZZ_CHECK(why == NULL);
		FUZZ_CHECK(again != NULL);
		FUZZ_CHECK(backup_manifest_check(&why, again, NULL) == 0);
		json_decref(again);
		free(text);
	} else {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	}
	free(why);
	why = NULL;
	if (backup_manifest_check(&why, m, "app") != 0)
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	free(why);
	json_decref(m);
	return 0;
}
