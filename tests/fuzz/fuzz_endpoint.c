/*
 * fuzz_endpoint - the endpoint resolver's readers (src/docker_answer.h):
 * the docker CLI's config.json (currentContext), a context's meta.json
 * (Endpoints.docker.Host), both parsed as docker_load_json does, and the
 * endpoint URL they give (docker_parse_url); the raw input is tried as a
 * URL too.
 *
 * Properties: a context or host read is a non-empty string equal to the
 * document's; a URL is accepted exactly when it is "unix://" and a path of
 * 1..DOCKER_SOCK_MAX bytes, and the path is what follows "unix://".
 */
#include "docker.h"
#include "docker_answer.h"
#include "fuzz_util.h"

static void check_url(const char *url)
{
	const char *path = NULL;
	int rc = docker_parse_url(url, &path);
	size_t n = strlen(url);
	int ok = n > 7 && n - 7 <= DOCKER_SOCK_MAX && !strncmp(url, "unix://", 7);

	FUZZ_CHECK((rc == 0) == ok);
	if (rc == 0)
		FUZZ_CHECK(path == url + 7);
	else
		FUZZ_CHECK(rc == DOCKER_EUNSUPPORTED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	json_t *j = json_loadb((const char *)data, size, 0, NULL);

	fuzz_mute_messages();
	check_url(text);
	if (j && json_is_object(j)) {
		const char *cur = docker_config_context(j), *host = docker_meta_host(j);

		if (cur) {
			FUZZ_CHECK(*cur);
			FUZZ_CHECK(
			    !strcmp(cur, json_string_value(json_object_get(j, "currentContext"))));
		}
		if (host) {
			FUZZ_CHECK(*host);
			check_url(host);
		}
	}
	json_decref(j);
	free(text);
	return 0;
}
