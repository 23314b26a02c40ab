/*
 * fuzz_lock - the target's lock file (backup_lock_parse, src/backup_priv.h)
 * and its writer (backup_lock_format).
 *
 * Properties: a lock that parses has a pid in 1..INT_MAX and all four
 * strings; one that does not says why, -ENODATA exactly when empty; what
 * parses, written back and parsed again, gives the same holder (parse →
 * write → parse).
 */
#include <errno.h>
#include <limits.h>

#include "backup_priv.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lock_holder h, g;
	char *why = NULL, *why2 = NULL, *text;
	int rc = backup_lock_parse(&h, &why, (const char *)data, size);

	if (rc) {
		FUZZ_CHECK(rc == (size ? -EBADMSG : -ENODATA));
		FUZZ_CHECK(why && *why);
		free(why);
		return 0;
	}
	FUZZ_CHECK(why == NULL);
	FUZZ_CHECK(h.pid >= 1 && h.pid <= INT_MAX);
	FUZZ_CHECK(h.host && h.user && h.command && h.started_at);
	text = backup_lock_format(&h, "dev");
	FUZZ_CHECK(backup_lock_parse(&g, &why2, text, strlen(text)) == 0);
	FUZZ_CHECK(g.pid == h.pid);
	FUZZ_CHECK(!strcmp(g.host, h.host) && !strcmp(g.user, h.user));
	FUZZ_CHECK(!strcmp(g.command, h.command) && !strcmp(g.started_at, h.started_at));
	free(text);
	backup_lock_holder_release(&h);
	backup_lock_holder_release(&g);
	return 0;
}
