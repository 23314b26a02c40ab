/*
 * fuzz_json_check - the streaming json backup checker (src/backup.h).
 *
 * Property: the verdict and its reason do not depend on how the input is
 * cut into calls of feed (whole vs chunk sizes from the first bytes).
 */
#include "backup.h"
#include "fuzz_util.h"

static int check(char **why, const uint8_t *data, size_t size, const size_t *sizes, size_t nsizes,
		 int whole)
{
	struct backup_json_check c;
	int rc;

	backup_json_check_init(&c);
	if (whole)
		backup_json_check_feed(&c, data, size);
	for (size_t off = 0, i = 0; !whole && off < size; i++) {
		size_t n = fuzz_chunk_len(sizes, nsizes, i, size - off);

		backup_json_check_feed(&c, data + off, n);
		off += n;
	}
	rc = backup_json_check_finish(why, &c);
	backup_json_check_release(&c);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sizes[16], nsizes = fuzz_chunks(&data, &size, sizes);
	char *wa = NULL, *wb = NULL;
	int ra = check(&wa, data, size, sizes, nsizes, 1);
	int rb = check(&wb, data, size, sizes, nsizes, 0);

	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK((wa == NULL) == (ra == 0));
	FUZZ_CHECK((wb == NULL) == (rb == 0));
	if (wa)
		FUZZ_CHECK(strcmp(wa, wb) == 0);
	free(wa);
	free(wb);
	return 0;
}
