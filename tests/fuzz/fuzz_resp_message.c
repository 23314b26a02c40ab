/*
 * fuzz_resp_message - docker_resp_message (src/docker.h) on a body in a
 * buffer of exactly its size, so any read past len is an ASan report.
 *
 * Properties: always a message; a message that is not the body's JSON
 * "message" is at most 300 bytes and holds no line break.
 */
#include <jansson.h>

#include "docker.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	char *m;
	json_t *j;

	if (!body)
		abort();
	memcpy(body, data, size);
	m = docker_resp_message(body, size);
	FUZZ_CHECK(m != NULL && m[0] != '\0');
	j = json_loadb(body, size, 0, NULL);
	if (!json_is_string(json_object_get(j, "message"))) {
		FUZZ_CHECK(strlen(m) <= 300);
		FUZZ_CHECK(!strchr(m, '\n') && !strchr(m, '\r'));
	}
	json_decref(j);
	free(m);
	free(body);
	return 0;
}
