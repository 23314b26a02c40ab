/*
 * fuzz_api_version - the Api-Version header of /_ping and the API version
 * negotiated from it (src/docker_answer.h).
 *
 * Properties: a header that is taken gives a NUL-terminated value that
 * fits; the negotiated version is "MAJOR.MINOR" (it parses back), never
 * newer than ours, and equal to theirs when theirs parses and is not
 * newer (parse → format → parse).
 */
#include "docker_answer.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char api[16] = "", out[32];
	int om, on, m, n, tm, tn;

	if (docker_api_version_header(api, sizeof(api), (const char *)data, size))
		FUZZ_CHECK(strlen(api) < sizeof(api));
	else
		FUZZ_CHECK(api[0] == '\0');
	docker_negotiate(out, sizeof(out), "1.45", api, "1.41");
	FUZZ_CHECK(docker_version_parse("1.45", &om, &on) == 0);
	FUZZ_CHECK(docker_version_parse(out, &m, &n) == 0);
	FUZZ_CHECK(m < om || (m == om && n <= on));
	if (docker_version_parse(api, &tm, &tn) == 0) {
		if (tm < om || (tm == om && tn <= on))
			FUZZ_CHECK(m == tm && n == tn);
	} else {
		FUZZ_CHECK(!strcmp(out, "1.41"));
	}
	return 0;
}
