/*
 * fuzz_docker_answer - every JSON answer of the Docker daemon read after a
 * request, parsed as docker_parse does (json_loadb, flags 0): the ids of
 * exec create and container create (docker_answer_id), /version, an exec
 * inspect's exit code, a container list's ids, a container inspect
 * (docker_container_from_json and the readers of its document: env,
 * labels, published ports, address) and the one-off container's create
 * body made from it (docker_oneoff_body).
 *
 * Properties: an id is a non-empty string equal to "Id"; an exit code is
 * read exactly when "Running" is not true and "ExitCode" is an integer; a
 * list gives at most one id per element; a container has the document's
 * id and a name without its leading '/'; a published port has a host and a
 * port; a one-off body is an object naming the image of Config.Image.
 */
#include "docker.h"
#include "docker_answer.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct docker_container *c = NULL;
	struct strlist ids = STRLIST_INIT;
	const char *s;
	int code = 12345;

	if (!j)
		return 0;
	s = docker_answer_id(j);
	if (s) {
		FUZZ_CHECK(*s);
		FUZZ_CHECK(!strcmp(s, json_string_value(json_object_get(j, "Id"))));
	}
	s = docker_answer_version(j);
	FUZZ_CHECK(!s || json_is_string(json_object_get(j, "Version")));
	if (docker_answer_exec_exit(j, &code)) {
		FUZZ_CHECK(!json_is_true(json_object_get(j, "Running")));
		FUZZ_CHECK(json_is_integer(json_object_get(j, "ExitCode")));
		FUZZ_CHECK(code == (int)json_integer_value(json_object_get(j, "ExitCode")));
	} else {
		FUZZ_CHECK(code == 12345);
		FUZZ_CHECK(json_is_true(json_object_get(j, "Running")) ||
			   !json_is_integer(json_object_get(j, "ExitCode")));
	}
	docker_answer_list_ids(j, &ids);
	FUZZ_CHECK(ids.n <= json_array_size(j));
	for (size_t i = 0; i < ids.n; i++)
		FUZZ_CHECK(ids.v[i] != NULL);
	strlist_clear(&ids);

	if (docker_container_from_json(&c, j) == 0) {
		const char *name = json_string_value(json_object_get(j, "Name"));
		char *host = NULL, *port = NULL;
		struct docker_oneoff_opts o = { 0 };
		const char *argv[] = { "true", NULL };
		char *first = NULL;
		json_t *more = NULL, *body;

		FUZZ_CHECK(!strcmp(c->id, docker_answer_id(j)));
		FUZZ_CHECK(c->status != NULL && c->name != NULL);
		if (name && *name == '/')
			FUZZ_CHECK(!strcmp(c->name, name + 1));
		(void)docker_env_get(c, "POSTGRES_PASSWORD");
		(void)docker_label_get(c, "com.docker.compose.service");
		(void)docker_container_ip(c);
		if (docker_published_port(c, "5432/tcp", &host, &port) == 0) {
			FUZZ_CHECK(host && port);
			free(host);
			free(port);
		}
		o.argv = argv;
		o.label = "fuzz";
		o.project = "p";
		o.service = "db";
		body = docker_oneoff_body(j, &o, &first, &more);
		if (body) {
			FUZZ_CHECK(json_is_object(body));
			FUZZ_CHECK(!strcmp(json_string_value(json_object_get(body, "Image")),
					   json_string_value(json_object_get(
					       json_object_get(j, "Config"), "Image"))));
			FUZZ_CHECK(json_is_array(more));
			json_decref(body);
			json_decref(more);
			free(first);
		}
		docker_container_free(c);
	}
	json_decref(j);
	return 0;
}
