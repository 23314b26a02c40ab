/*
 * fuzz_init - the pure parsers of `dockreset init` and of finding a compose
 * project (src/init.h): the .env file, the numbered multi-choice, the
 * target name made of a project name.
 *
 * The first byte picks the parser; the rest is its input. Properties: a
 * .env definition appended after any text wins (the last definition
 * wins); a choice that parses selects exactly as many items as it says,
 * each 0 or 1, and one that does not says why; a target name made of any
 * project name is a valid target name.
 */
#include "backup.h"
#include "fuzz_util.h"
#include "init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		static const char tail[] = "\nCOMPOSE_PROJECT_NAME=fuzzed\n";
		size_t n = size - 1;
		char *text = malloc(n + sizeof(tail));
		char *v;

		if (!text)
			abort();
		memcpy(text, data + 1, n);
		free(init_dotenv_value(text, n, "COMPOSE_PROJECT_NAME"));
		memcpy(text + n, tail, sizeof(tail));
		v = init_dotenv_value(text, n + sizeof(tail) - 1, "COMPOSE_PROJECT_NAME");
		FUZZ_CHECK(v && !strcmp(v, "fuzzed"));
		free(v);
		free(text);
		break;
	}
	case 1: {
		size_t n = data[1] % 64, count = 0;
		unsigned char sel[64];
		struct strbuf err = STRBUF_INIT;
		char *s = fuzz_strndup(data + 2, size - 2);
		int rc = init_choice_parse(s, n, sel, &err);

		if (rc >= 0) {
			for (size_t i = 0; i < n; i++) {
				FUZZ_CHECK(sel[i] == 0 || sel[i] == 1);
				count += sel[i];
			}
			FUZZ_CHECK(count == (size_t)rc);
		} else {
			FUZZ_CHECK(err.len > 0);
		}
		strbuf_release(&err);
		free(s);
		break;
	}
	default: {
		char *p = fuzz_strndup(data + 1, size - 1);
		char *t = init_target_name(p);

		FUZZ_CHECK(t && backup_target_valid(t));
		free(t);
		free(p);
		break;
	}
	}
	return 0;
}
