/*
 * fuzz_container - the readers of a container inspect answer that decide
 * what dockreset says and does after it waited: the last health check's
 * output shown in a hint (docker_probe_output) and the exit code of a
 * one-off container (docker_container_exit), both in src/docker.h, and
 * what `dockreset init` makes of a container (init_is_postgres,
 * init_is_cache, init_depends_on, src/init.h).
 *
 * Input: the inspect answer as the daemon sends it. Properties: a probe
 * output is a part of the newest State.Health.Log entry's Output, at most
 * 200 bytes, one line, not starting with a blank; an exit code is read
 * exactly when the container is not running, not just created, and
 * State.ExitCode is an integer that fits an int, and it is that integer;
 * a PostgreSQL container runs something named postgres and exposes 5432
 * or has a POSTGRES_ variable, a cache runs or is an image of redis or
 * valkey, and a container depends on "db" only when its environment or its
 * depends_on label says "db".
 */
#include <limits.h>

#include "docker.h"
#include "fuzz_util.h"
#include "init.h"

/* 1 when a string of the array (or the string) at j contains word. */
static int any_has(const json_t *j, const char *word)
{
	const json_t *v;
	size_t i;

	if (json_is_string(j))
		return strstr(json_string_value(j), word) != NULL;
	json_array_foreach(j, i,
			   v) if (json_is_string(v) && strstr(json_string_value(v), word)) return 1;
	return 0;
}

static void check_init(const json_t *j)
{
	const json_t *cfg = json_object_get(j, "Config"), *env = json_object_get(cfg, "Env");
	const json_t *ep = json_object_get(cfg, "Entrypoint"), *cmd = json_object_get(cfg, "Cmd");
	const json_t *ports = json_object_get(cfg, "ExposedPorts");
	const char *dep = json_string_value(
	    json_object_get(json_object_get(cfg, "Labels"), "com.docker.compose.depends_on"));

	if (init_is_postgres(j)) {
		FUZZ_CHECK(any_has(ep, "postgres") || any_has(cmd, "postgres"));
		FUZZ_CHECK(json_object_get(ports, "5432/tcp") || any_has(env, "POSTGRES_"));
	}
	if (init_is_cache(j))
		FUZZ_CHECK(any_has(ep, "redis") || any_has(cmd, "redis") || any_has(ep, "valkey") ||
			   any_has(cmd, "valkey") ||
			   any_has(json_object_get(cfg, "Image"), "redis") ||
			   any_has(json_object_get(cfg, "Image"), "valkey"));
	if (init_depends_on(j, "db"))
		FUZZ_CHECK(any_has(env, "db") || (dep && strstr(dep, "db")));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL), *log, *code;
	struct docker_container *c = NULL;
	const char *out, *whole;
	int len = -1, exit_code = 12345, stopped;

	if (!j)
		return 0;
	check_init(j);
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
