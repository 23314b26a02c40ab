/*
 * fuzz_container - the readers of a container inspect answer that decide
 * what dockreset says and does after it waited: the last health check's
 * output shown in a hint (docker_probe_output) and the exit code of a
 * one-off container (docker_container_exit), both in src/docker.h.
 *
 * Input: the inspect answer as the daemon sends it. Properties: a probe
 * output is a part of the newest State.Health.Log entry's Output, at most
 * 200 bytes, one line, not starting with a blank; an exit code is read
 * exactly when the container is not running, not just created, and
 * State.ExitCode is an integer that fits an int, and it is that integer.
 */
#include <limits.h>

#include "docker.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL), *log, *code;
	struct docker_container *c = NULL;
	const char *out, *whole;
	int len = -1, exit_code = 12345, stopped;

	if (!j)
		return 0;
	if (docker_container_from_json(&c, j) < 0) {
		json_decref(j);
		return 0;
	}
	log = json_object_get(json_object_get(json_object_get(j, "State"), "Health"), "Log");
	whole = json_string_value(
	    json_object_get(json_array_get(log, json_array_size(log) - 1), "Output"));
	out = docker_probe_output(c, &len);
	if (out) {
		FUZZ_CHECK(whole && out >= whole && out < whole + strlen(whole));
		FUZZ_CHECK(len > 0 && len <= 200 && (size_t)len <= strlen(out));
		FUZZ_CHECK(!memchr(out, '\n', (size_t)len) && !memchr(out, '\r', (size_t)len));
		FUZZ_CHECK(!strchr(" \t\r\n", out[0]));
	}

	code = json_object_get(json_object_get(j, "State"), "ExitCode");
	stopped = !c->running && strcmp(c->status, "created") && json_is_integer(code) &&
		  json_integer_value(code) >= INT_MIN && json_integer_value(code) <= INT_MAX;
	FUZZ_CHECK(docker_container_exit(c, &exit_code) == stopped);
	FUZZ_CHECK(stopped ? exit_code == json_integer_value(code) : exit_code == 12345);

	docker_container_free(c);
	json_decref(j);
	return 0;
}
