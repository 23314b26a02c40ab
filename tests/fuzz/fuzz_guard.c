/*
 * fuzz_guard - guard_value_matches and guard_branch_matches (src/guard.h)
 * on input split at newlines: the first line is the value and the branch,
 * the others the configured values and globs.
 *
 * Properties: a value matches a list holding itself; a value with
 * surrounding spaces still matches; a branch matches the glob "*" when it
 * has no '/'-less surprise (fnmatch without flags: always).
 */
#include "fuzz_util.h"
#include "guard.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *line, *save = NULL, *first = NULL;
	struct strlist list = STRLIST_INIT;

	if (memchr(data, '\0', size)) {
		free(text);
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!first)
			first = line;
		else if (list.n < 64)
			strlist_push(&list, line);
	}
	if (first) {
		int vm = guard_value_matches(&list, first);
		int bm = guard_branch_matches(&list, first);
		char *spaced;

		FUZZ_CHECK(vm == 0 || vm == 1);
		FUZZ_CHECK(bm == 0 || bm == 1);
		if (vm) {
			spaced = xasprintf("  %s\t", first);
			FUZZ_CHECK(guard_value_matches(&list, spaced) == 1);
			free(spaced);
		}
		strlist_push(&list, "*");
		FUZZ_CHECK(guard_branch_matches(&list, first) == 1);
		strlist_clear(&list);
		strlist_push(&list, first);
		if (!strpbrk(first, " \t\r\v\f"))
			FUZZ_CHECK(guard_value_matches(&list, first) == 1);
	}
	strlist_clear(&list);
	free(text);
	return 0;
}
