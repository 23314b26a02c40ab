/*
 * test_docker_parse.c - the pure parts of the Docker client, on inspect
 * documents recorded from Docker 20.10 (tests/unit/fixtures/inspect-*.json,
 * trimmed, password replaced), and endpoint resolution with a fake HOME.
 * No daemon is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker.h"
#include "ui.h"
#include "util.h"

static const char *fixture_dir(void)
{
	const char *env = getenv("DOCKRESET_FIXTURES");

	return env && *env ? env : "tests/unit/fixtures";
}

static json_t *load_fixture(const char *name)
{
	char *path = xasprintf("%s/%s", fixture_dir(), name);
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (!j)
		fail_msg("cannot load fixture '%s': %s", path, err.text);
	free(path);
	return j;
}

static struct docker_container *container_fixture(const char *name)
{
	json_t *j = load_fixture(name);
	struct docker_container *c = NULL;

	assert_int_equal(docker_container_from_json(&c, j), 0);
	json_decref(j); /* c keeps its own reference */
	return c;
}

static struct docker_container *container_inline(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	struct docker_container *c = NULL;

	assert_non_null(j);
	assert_int_equal(docker_container_from_json(&c, j), 0);
	json_decref(j);
	return c;
}

/* ---- capturing stderr ---------------------------------------------- */

struct capture {
	int saved;
	char path[64];
};

static void capture_begin(struct capture *cap)
{
	int fd;

	fflush(stderr);
	strcpy(cap->path, "/tmp/test_docker_parse.XXXXXX");
	fd = mkstemp(cap->path);
	assert_true(fd >= 0);
	cap->saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* The captured text; the caller frees it. */
static char *capture_end(struct capture *cap)
{
	struct strbuf sb = STRBUF_INIT;

	fflush(stderr);
	dup2(cap->saved, STDERR_FILENO);
	close(cap->saved);
	assert_int_equal(read_file_max(&sb, cap->path, 1 << 20), 0);
	unlink(cap->path);
	return strbuf_detach(&sb);
}

/* ---- docker_container_from_json ------------------------------------ */

static void test_container_healthy(void **state)
{
	struct docker_container *c = container_fixture("inspect-db-healthy.json");

	(void)state;
	assert_string_equal(c->id,
			    "2b0fcfcd1a638738dac6ffdcdf1b43894d759b5991457144b1be8eae127ca9cd");
	assert_string_equal(c->name, "my-app_1_db_1");
	assert_string_equal(c->image, "dockreset-test/postgres:15");
	assert_string_equal(c->status, "running");
	assert_int_equal(c->running, 1);
	assert_string_equal(c->health, "healthy");
	assert_string_equal(c->service, "db");
	assert_string_equal(c->project, "my-app_1");
	assert_non_null(c->inspect);
	docker_container_free(c);
}

static void test_container_states(void **state)
{
	struct docker_container *c;

	(void)state;
	c = container_fixture("inspect-web-exited.json");
	assert_string_equal(c->status, "exited");
	assert_int_equal(c->running, 0);
	assert_null(c->health);
	assert_string_equal(c->service, "web");
	docker_container_free(c);

	c = container_fixture("inspect-cache-published-all.json");
	assert_string_equal(c->status, "running");
	assert_int_equal(c->running, 1);
	assert_null(c->health); /* no healthcheck */
	docker_container_free(c);

	c = container_fixture("inspect-starting.json");
	assert_string_equal(c->health, "starting");
	assert_null(c->service);
	assert_null(c->project);
	docker_container_free(c);

	c = container_fixture("inspect-unhealthy-unpublished.json");
	assert_string_equal(c->name, "drt-unhealthy");
	assert_string_equal(c->health, "unhealthy");
	assert_int_equal(c->running, 1);
	docker_container_free(c);

	c = container_fixture("inspect-created-noenv.json");
	assert_string_equal(c->status, "created");
	assert_int_equal(c->running, 0);
	assert_string_equal(c->image, "drt-empty:1");
	docker_container_free(c);
}

static void test_container_minimal_and_invalid(void **state)
{
	static const char *const bad[] = { "{}", "{\"Id\":\"\"}", "{\"Id\":42}", "[]",
					   "{\"Name\":\"/x\"}" };
	struct docker_container *c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);

		c = (struct docker_container *)1;
		assert_int_equal(docker_container_from_json(&c, j), -1);
		assert_null(c);
		json_decref(j);
	}
	/* Only an Id: everything else absent, nothing crashes. */
	c = container_inline("{\"Id\":\"abc\"}");
	assert_string_equal(c->id, "abc");
	assert_string_equal(c->name, "abc");
	assert_null(c->image);
	assert_string_equal(c->status, "unknown");
	assert_int_equal(c->running, 0);
	assert_null(c->health);
	assert_null(docker_env_get(c, "PATH"));
	assert_null(docker_label_get(c, "x"));
	assert_null(docker_container_ip(c));
	docker_container_free(c);
	docker_container_free(NULL);
}

/* ---- env and labels ------------------------------------------------ */

static void test_env_get(void **state)
{
	struct docker_container *c = container_fixture("inspect-db-healthy.json");

	(void)state;
	assert_string_equal(docker_env_get(c, "POSTGRES_DB"), "app_dev");
	assert_string_equal(docker_env_get(c, "POSTGRES_USER"), "app");
	assert_string_equal(docker_env_get(c, "WITH_EQUALS"), "a=b=c");
	assert_string_equal(docker_env_get(c, "EMPTY_VALUE"), "");
	assert_null(docker_env_get(c, "POSTGRES")); /* no prefix match */
	assert_null(docker_env_get(c, "POSTGRES_DB_X"));
	assert_null(docker_env_get(c, "MISSING"));
	assert_null(docker_env_get(c, ""));
	docker_container_free(c);

	c = container_inline("{\"Id\":\"x\",\"Config\":{\"Env\":[\"A=b=c\",\"B\",\"C=\",7,"
			     "\"A=second\"]}}");
	assert_string_equal(docker_env_get(c, "A"), "b=c"); /* the first wins */
	assert_null(docker_env_get(c, "B"));		    /* no '=' at all */
	assert_string_equal(docker_env_get(c, "C"), "");
	docker_container_free(c);

	c = container_fixture("inspect-created-noenv.json"); /* "Env": null */
	assert_true(json_is_null(json_object_get(json_object_get(c->inspect, "Config"), "Env")));
	assert_null(docker_env_get(c, "PATH"));
	docker_container_free(c);
}

static void test_label_get(void **state)
{
	struct docker_container *c = container_fixture("inspect-db-healthy.json");

	(void)state;
	assert_string_equal(docker_label_get(c, "com.docker.compose.project"), "my-app_1");
	assert_string_equal(docker_label_get(c, "com.docker.compose.oneoff"), "False");
	assert_string_equal(docker_label_get(c, "com.docker.compose.version"), "1.29.2");
	assert_null(docker_label_get(c, "com.docker.compose"));
	assert_null(docker_label_get(c, "missing"));
	docker_container_free(c);

	c = container_fixture("inspect-created-noenv.json"); /* "Labels": {} */
	assert_null(docker_label_get(c, "com.docker.compose.project"));
	docker_container_free(c);

	c = container_inline("{\"Id\":\"x\",\"Config\":{\"Labels\":null}}");
	assert_null(docker_label_get(c, "a"));
	docker_container_free(c);
}

static void test_label_filter(void **state)
{
	char *f;

	(void)state;
	f = docker_label_filter("my-app_1", "db");
	assert_string_equal(f, "%7B%22label%22%3A%5B%22com.docker.compose.project%3Dmy-app_1%22%2C"
			       "%22com.docker.compose.service%3Ddb%22%2C"
			       "%22com.docker.compose.oneoff%3DFalse%22%5D%7D");
	free(f);

	f = docker_label_filter("discord-bot", "postgres_main");
	assert_string_equal(f,
			    "%7B%22label%22%3A%5B%22com.docker.compose.project%3Ddiscord-bot%22%2C"
			    "%22com.docker.compose.service%3Dpostgres_main%22%2C"
			    "%22com.docker.compose.oneoff%3DFalse%22%5D%7D");
	free(f);

	/* Odd characters are JSON-escaped, then percent-encoded. */
	f = docker_label_filter("a\"b", "c&d=e f");
	assert_string_equal(f, "%7B%22label%22%3A%5B%22com.docker.compose.project%3Da%5C%22b%22%2C"
			       "%22com.docker.compose.service%3Dc%26d%3De%20f%22%2C"
			       "%22com.docker.compose.oneoff%3DFalse%22%5D%7D");
	free(f);
}

/* ---- ports and addresses ------------------------------------------- */

static void expect_port(const struct docker_container *c, const char *port, const char *want_host,
			const char *want_port)
{
	char *host = NULL, *hp = NULL;

	assert_int_equal(docker_published_port(c, port, &host, &hp), 0);
	assert_string_equal(host, want_host);
	assert_string_equal(hp, want_port);
	free(host);
	free(hp);
}

static void expect_no_port(const struct docker_container *c, const char *port)
{
	char *host = (char *)1, *hp = (char *)1;

	assert_int_equal(docker_published_port(c, port, &host, &hp), -1);
	assert_null(host);
	assert_null(hp);
}

static void test_published_port(void **state)
{
	struct docker_container *c;

	(void)state;
	c = container_fixture("inspect-db-healthy.json"); /* 127.0.0.1::5432 */
	expect_port(c, "5432/tcp", "127.0.0.1", "32781");
	expect_no_port(c, "5432/udp");
	expect_no_port(c, "6379/tcp"); /* missing key */
	docker_container_free(c);

	c = container_fixture("inspect-cache-published-all.json"); /* 0.0.0.0 and :: */
	expect_port(c, "6379/tcp", "127.0.0.1", "32768");
	docker_container_free(c);

	c = container_fixture("inspect-unhealthy-unpublished.json"); /* "5432/tcp": null */
	expect_no_port(c, "5432/tcp");
	docker_container_free(c);

	c = container_fixture("inspect-web-exited.json"); /* "Ports": {} */
	expect_no_port(c, "5432/tcp");
	docker_container_free(c);

	c = container_inline("{\"Id\":\"x\",\"NetworkSettings\":{\"Ports\":null}}");
	expect_no_port(c, "5432/tcp");
	docker_container_free(c);

	/* IPv6 listed first: the IPv4 entry is preferred. */
	c = container_inline("{\"Id\":\"x\",\"NetworkSettings\":{\"Ports\":{\"5432/tcp\":["
			     "{\"HostIp\":\"::1\",\"HostPort\":\"5000\"},"
			     "{\"HostIp\":\"127.0.0.2\",\"HostPort\":\"5001\"}]}}}");
	expect_port(c, "5432/tcp", "127.0.0.2", "5001");
	docker_container_free(c);

	/* Only IPv6, on every address. */
	c = container_inline("{\"Id\":\"x\",\"NetworkSettings\":{\"Ports\":{\"5432/tcp\":["
			     "{\"HostIp\":\"::\",\"HostPort\":\"5002\"}]}}}");
	expect_port(c, "5432/tcp", "::1", "5002");
	docker_container_free(c);

	/* An empty HostIp means every address; an empty HostPort is skipped. */
	c = container_inline("{\"Id\":\"x\",\"NetworkSettings\":{\"Ports\":{\"5432/tcp\":["
			     "{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"},"
			     "{\"HostIp\":\"\",\"HostPort\":\"5003\"}],"
			     "\"1/tcp\":[],\"2/tcp\":[{\"HostIp\":\"1.2.3.4\",\"HostPort\":7}]}}}");
	expect_port(c, "5432/tcp", "127.0.0.1", "5003");
	expect_no_port(c, "1/tcp");
	expect_no_port(c, "2/tcp"); /* HostPort must be a string */
	docker_container_free(c);
}

static void test_container_ip(void **state)
{
	struct docker_container *c;

	(void)state;
	c = container_fixture("inspect-db-healthy.json");
	assert_string_equal(docker_container_ip(c), "172.22.0.4");
	docker_container_free(c);

	c = container_fixture("inspect-unhealthy-unpublished.json");
	assert_string_equal(docker_container_ip(c), "172.17.0.3");
	docker_container_free(c);

	c = container_fixture("inspect-web-exited.json"); /* stopped: "" */
	assert_null(docker_container_ip(c));
	docker_container_free(c);

	c = container_inline("{\"Id\":\"x\",\"NetworkSettings\":{\"Networks\":{"
			     "\"a\":{\"IPAddress\":\"\"},\"b\":{\"IPAddress\":\"10.0.0.9\"},"
			     "\"c\":{\"IPAddress\":\"10.0.0.10\"}}}}");
	assert_string_equal(docker_container_ip(c), "10.0.0.9");
	docker_container_free(c);

	c = container_inline("{\"Id\":\"x\",\"NetworkSettings\":{\"Networks\":null,"
			     "\"IPAddress\":\"172.17.0.8\"}}");
	assert_string_equal(docker_container_ip(c), "172.17.0.8");
	docker_container_free(c);
}

/* ---- endpoint resolution with a fake HOME -------------------------- */

struct fake_home {
	char dir[64];
	char *saved[4];
};

static const char *const env_names[] = { "HOME", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG" };

static void write_file(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	char *slash;
	FILE *f;

	/* mkdir -p of the parents */
	for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static int home_setup(void **state)
{
	struct fake_home *h = xcalloc(1, sizeof(*h));

	strcpy(h->dir, "/tmp/test_docker_home.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	for (size_t i = 0; i < ARRAY_SIZE(env_names); i++) {
		const char *v = getenv(env_names[i]);

		h->saved[i] = v ? xstrdup(v) : NULL;
		unsetenv(env_names[i]);
	}
	setenv("HOME", h->dir, 1);
	*state = h;
	return 0;
}

static int home_teardown(void **state)
{
	struct fake_home *h = *state;
	char *cmd = xasprintf("rm -rf '%s'", h->dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", h->dir);
	free(cmd);
	for (size_t i = 0; i < ARRAY_SIZE(env_names); i++) {
		if (h->saved[i])
			setenv(env_names[i], h->saved[i], 1);
		else
			unsetenv(env_names[i]);
		free(h->saved[i]);
	}
	free(h);
	return 0;
}

static void expect_endpoint(const char *opt_host, const char *want)
{
	char *ep = NULL;

	assert_int_equal(docker_endpoint_resolve(&ep, opt_host), 0);
	assert_string_equal(ep, want);
	free(ep);
}

static void expect_endpoint_error(const char *want_msg)
{
	struct capture cap;
	char *ep = (char *)1, *msg;

	capture_begin(&cap);
	assert_int_equal(docker_endpoint_resolve(&ep, NULL), -1);
	msg = capture_end(&cap);
	assert_null(ep);
	if (!strstr(msg, want_msg))
		fail_msg("message '%s' lacks '%s'", msg, want_msg);
	free(msg);
}

#define CTX_HEX "75b7f9fd9cf76ebe368f79f5c12d96b91d67f23a98516240dbea190d5f1c5bc0"
#define CTX_META                                                                                   \
	"{\"Name\":\"remote-ctx\",\"Metadata\":{\"Description\":\"test\"},"                        \
	"\"Endpoints\":{\"docker\":{\"Host\":\"unix:///run/user/1000/docker.sock\","               \
	"\"SkipTLSVerify\":false}}}"

static void test_endpoint_default(void **state)
{
	struct fake_home *h = *state;

	/* No config at all. */
	expect_endpoint(NULL, "unix:///var/run/docker.sock");
	expect_endpoint("", "unix:///var/run/docker.sock");
	/* A config without currentContext. */
	write_file(h->dir, ".docker/config.json", "{\"auths\":{}}");
	expect_endpoint(NULL, "unix:///var/run/docker.sock");
	/* The "default" context is the default socket. */
	write_file(h->dir, ".docker/config.json", "{\"currentContext\":\"default\"}");
	expect_endpoint(NULL, "unix:///var/run/docker.sock");
}

static void test_endpoint_precedence(void **state)
{
	struct fake_home *h = *state;

	write_file(h->dir, ".docker/config.json", "{\"currentContext\":\"remote-ctx\"}");
	write_file(h->dir, ".docker/contexts/meta/" CTX_HEX "/meta.json", CTX_META);
	expect_endpoint(NULL, "unix:///run/user/1000/docker.sock");

	setenv("DOCKER_HOST", "unix:///tmp/from-env.sock", 1);
	expect_endpoint(NULL, "unix:///tmp/from-env.sock");
	expect_endpoint("unix:///tmp/from-option.sock", "unix:///tmp/from-option.sock");
	expect_endpoint("tcp://10.0.0.1:2375", "tcp://10.0.0.1:2375"); /* resolved, not opened */

	setenv("DOCKER_HOST", "", 1); /* empty: as if unset */
	expect_endpoint(NULL, "unix:///run/user/1000/docker.sock");
	unsetenv("DOCKER_HOST");

	/* DOCKER_CONTEXT overrides currentContext. */
	setenv("DOCKER_CONTEXT", "default", 1);
	expect_endpoint(NULL, "unix:///var/run/docker.sock");
	setenv("DOCKER_CONTEXT", "remote-ctx", 1);
	write_file(h->dir, ".docker/config.json", "{}");
	expect_endpoint(NULL, "unix:///run/user/1000/docker.sock");
	unsetenv("DOCKER_CONTEXT");
}

static void test_endpoint_docker_config(void **state)
{
	struct fake_home *h = *state;
	char *cfgdir = xasprintf("%s/elsewhere", h->dir);

	/* ~/.docker says remote-ctx, but $DOCKER_CONFIG is the one read. */
	write_file(h->dir, ".docker/config.json", "{\"currentContext\":\"remote-ctx\"}");
	write_file(h->dir, "elsewhere/config.json", "{\"currentContext\":\"other\"}");
	write_file(h->dir,
		   "elsewhere/contexts/meta/"
		   "d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa/meta.json",
		   "{\"Name\":\"other\",\"Endpoints\":{\"docker\":{\"Host\":\"tcp://h:2376\"}}}");
	setenv("DOCKER_CONFIG", cfgdir, 1);
	expect_endpoint(NULL, "tcp://h:2376");
	unsetenv("DOCKER_CONFIG");
	free(cfgdir);
}

static void test_endpoint_broken_context(void **state)
{
	struct fake_home *h = *state;

	write_file(h->dir, ".docker/config.json", "{\"currentContext\":\"gone\"}");
	expect_endpoint_error("docker context 'gone' does not exist");

	write_file(h->dir, ".docker/config.json", "{\"currentContext\":");
	expect_endpoint_error("cannot parse the docker config");

	write_file(h->dir, ".docker/config.json", "{\"currentContext\":\"remote-ctx\"}");
	write_file(h->dir, ".docker/contexts/meta/" CTX_HEX "/meta.json",
		   "{\"Name\":\"remote-ctx\",\"Endpoints\":{}}");
	expect_endpoint_error("has no docker endpoint");
}

/* ---- docker_open without a daemon ---------------------------------- */

static void expect_open_error(const char *url, int want_rc, const char *want_msg)
{
	struct docker *d = (struct docker *)1;
	struct capture cap;
	char *msg;

	capture_begin(&cap);
	assert_int_equal(docker_open(&d, url), want_rc);
	msg = capture_end(&cap);
	assert_null(d);
	if (!strstr(msg, want_msg))
		fail_msg("message '%s' lacks '%s'", msg, want_msg);
	if (strncmp(msg, "dockreset: error: ", 18))
		fail_msg("message '%s' is not an error line", msg);
	free(msg);
}

static void test_open_unsupported(void **state)
{
	char *longpath = xmalloc(200);

	(void)state;
	expect_open_error("tcp://127.0.0.1:2375", DOCKER_EUNSUPPORTED,
			  "docker endpoint 'tcp://127.0.0.1:2375' is not supported yet\nhint: ");
	expect_open_error("ssh://user@host", DOCKER_EUNSUPPORTED, "is not supported yet");
	expect_open_error("https://host:2376", DOCKER_EUNSUPPORTED, "is not supported yet");
	expect_open_error("/var/run/docker.sock", DOCKER_EUNSUPPORTED,
			  "invalid docker endpoint '/var/run/docker.sock'");
	expect_open_error("unix://", DOCKER_EUNSUPPORTED, "has no socket path");

	strcpy(longpath, "unix:///tmp/");
	memset(longpath + 12, 'x', 100); /* a path of 105 bytes: fine in length */
	longpath[112] = '\0';
	expect_open_error(longpath, DOCKER_EUNREACHABLE, "no such socket");
	memset(longpath + 12, 'x', 110); /* 115 bytes: too long */
	longpath[122] = '\0';
	expect_open_error(longpath, DOCKER_EUNSUPPORTED, "is too long (115 bytes, at most 107)");
	free(longpath);
}

static void test_open_unreachable(void **state)
{
	(void)state;
	expect_open_error(
	    "unix:///nonexistent/docker.sock", DOCKER_EUNREACHABLE,
	    "cannot connect to the docker daemon at 'unix:///nonexistent/docker.sock':"
	    " no such socket\nhint: is dockerd running?");
}

/* ---- error answers: the message, read within the body's length ---- */

/* A copy of text in a buffer of exactly its length, no NUL after it, so
 * that AddressSanitizer (make sanitize) catches any read past the end. */
static char *exact_copy(const char *text, size_t len)
{
	char *b = malloc(len ? len : 1);

	assert_non_null(b);
	memcpy(b, text, len);
	return b;
}

static void expect_message(const char *body, size_t len, const char *want)
{
	char *b = exact_copy(body, len);
	char *m = docker_resp_message(b, len);

	assert_string_equal(m, want);
	free(m);
	free(b);
}

static void test_resp_message(void **state)
{
	static const char big[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	struct strbuf sb = STRBUF_INIT;
	char *want;

	(void)state;
	expect_message("{\"message\":\"No such exec instance: abc\"}", 40,
		       "No such exec instance: abc");
	/* no newline at all: the whole body, and not one byte more */
	expect_message("page not found", 14, "page not found");
	expect_message("first line\r\nsecond", 18, "first line");
	expect_message("only\nthis", 9, "only");
	/* only the first len bytes count, whatever follows in memory */
	expect_message("short body and stale bytes", 10, "short body");
	expect_message("\r\nlater", 7, "no message");
	expect_message("", 0, "no message");
	/* an embedded NUL ends the text: a message never holds one */
	expect_message("before\0after\n", 13, "before");
	/* at most 300 bytes of text */
	for (int i = 0; i < 8; i++)
		strbuf_addstr(&sb, big);
	want = xstrndup(sb.buf, 300);
	expect_message(sb.buf, sb.len, want);
	free(want);
	strbuf_release(&sb);
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(docker_exit_code(DOCKER_OK), EXIT_OK);
	assert_int_equal(docker_exit_code(DOCKER_EUNREACHABLE), EXIT_DOCKER);
	assert_int_equal(docker_exit_code(DOCKER_EAPI), EXIT_DOCKER);
	assert_int_equal(docker_exit_code(DOCKER_EUNSUPPORTED), EXIT_DOCKER);
	assert_int_equal(docker_exit_code(DOCKER_ESTREAM), EXIT_DOCKER);
	assert_int_equal(docker_exit_code(DOCKER_ENOTFOUND), EXIT_CONTAINER);
	assert_int_equal(docker_exit_code(DOCKER_ENOTRUNNING), EXIT_CONTAINER);
	assert_int_equal(docker_exit_code(DOCKER_ETIMEOUT), EXIT_CONTAINER);
	assert_int_equal(docker_exit_code(DOCKER_EABORTED), EXIT_FAIL);
}

/* The one-off create body as `docker compose run` makes it: the service's
 * image, entrypoint, environment (a step's variable replacing), mounts and
 * networks with the service's own aliases, never its ports or restart
 * policy; labels marking it a one-off. */
static void test_oneoff_body(void **state)
{
	static const char inspect[] =
	    "{\"Id\":\"0123456789abcdef0123\",\"Name\":\"/stack-app-1\","
	    "\"Config\":{\"Image\":\"app:1\",\"Entrypoint\":[\"/entry.sh\"],"
	    "\"Env\":[\"PATH=/bin\",\"MODE=web\"],\"WorkingDir\":\"/srv\",\"User\":\"app\","
	    "\"Cmd\":[\"serve\"],\"ExposedPorts\":{\"80/tcp\":{}}},"
	    "\"HostConfig\":{\"Binds\":[\"/data:/data\"],\"PortBindings\":{\"80/tcp\":"
	    "[{\"HostPort\":\"8080\"}]},\"RestartPolicy\":{\"Name\":\"always\"},"
	    "\"NetworkMode\":\"stack_back\",\"CapAdd\":[\"NET_ADMIN\"]},"
	    "\"NetworkSettings\":{\"Networks\":{"
	    "\"stack_front\":{\"Aliases\":[\"stack-app-1\",\"app\",\"0123456789ab\"]},"
	    "\"stack_back\":{\"Aliases\":[\"app\",\"api\"]}}}}";
	static const char *const argv[] = { "alembic", "upgrade", "head", NULL };
	static const char *const env[] = { "MODE=migrate", "EXTRA=1", NULL };
	struct docker_oneoff_opts o = {
		.project = "stack", .service = "app", .argv = argv, .env = env
	};
	json_t *in = json_loads(inspect, 0, NULL), *body, *more = NULL, *host;
	char *first = NULL, *s;

	(void)state;
	assert_non_null(in);
	body = docker_oneoff_body(in, &o, &first, &more);
	assert_non_null(body);
	host = json_object_get(body, "HostConfig");
	s = json_dumps(json_object_get(body, "Env"), JSON_COMPACT);
	assert_string_equal(s, "[\"PATH=/bin\",\"MODE=migrate\",\"EXTRA=1\"]");
	free(s);
	s = json_dumps(json_object_get(body, "Cmd"), JSON_COMPACT);
	assert_string_equal(s, "[\"alembic\",\"upgrade\",\"head\"]");
	free(s);
	assert_string_equal(json_string_value(json_object_get(body, "Image")), "app:1");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(body, "Entrypoint"), 0)), "/entry.sh");
	assert_string_equal(json_string_value(json_object_get(body, "WorkingDir")), "/srv");
	assert_string_equal(json_string_value(json_object_get(body, "User")), "app");
	assert_true(json_is_false(json_object_get(body, "Tty")));
	assert_true(json_is_false(json_object_get(body, "OpenStdin")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(body, "Labels"),
							      "com.docker.compose.oneoff")),
			    "True");
	/* mounts and capabilities kept; ports and restart policy never */
	assert_non_null(json_object_get(host, "Binds"));
	assert_non_null(json_object_get(host, "CapAdd"));
	assert_null(json_object_get(host, "PortBindings"));
	assert_null(json_object_get(host, "RestartPolicy"));
	assert_null(json_object_get(body, "ExposedPorts"));
	/* the NetworkMode network first, the other connected before the start,
	 * without the model's name and short id as aliases */
	assert_string_equal(first, "stack_back");
	assert_string_equal(json_string_value(json_object_get(host, "NetworkMode")), "stack_back");
	s = json_dumps(more, JSON_COMPACT);
	assert_string_equal(s, "[{\"name\":\"stack_front\",\"aliases\":[\"app\"]}]");
	free(s);
	s = json_dumps(json_object_get(body, "NetworkingConfig"), JSON_COMPACT);
	assert_string_equal(
	    s, "{\"EndpointsConfig\":{\"stack_back\":{\"Aliases\":[\"app\",\"api\"]}}}");
	free(s);
	free(first);
	json_decref(more);
	json_decref(body);

	/* host networking: no network to connect; no image: no body */
	json_object_set_new(json_object_get(in, "HostConfig"), "NetworkMode", json_string("host"));
	body = docker_oneoff_body(in, &o, &first, &more);
	assert_null(first);
	assert_int_equal(json_array_size(more), 0);
	assert_null(json_object_get(body, "NetworkingConfig"));
	json_decref(more);
	json_decref(body);
	json_object_del(json_object_get(in, "Config"), "Image");
	assert_null(docker_oneoff_body(in, &o, &first, &more));
	json_decref(in);
}

int main(void)
{
	struct ui_opts uo = { 0 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_healthy),
		cmocka_unit_test(test_container_states),
		cmocka_unit_test(test_container_minimal_and_invalid),
		cmocka_unit_test(test_env_get),
		cmocka_unit_test(test_label_get),
		cmocka_unit_test(test_label_filter),
		cmocka_unit_test(test_published_port),
		cmocka_unit_test(test_container_ip),
		cmocka_unit_test_setup_teardown(test_endpoint_default, home_setup, home_teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_precedence, home_setup,
						home_teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_docker_config, home_setup,
						home_teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_broken_context, home_setup,
						home_teardown),
		cmocka_unit_test(test_open_unsupported),
		cmocka_unit_test(test_open_unreachable),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_resp_message),
		cmocka_unit_test(test_oneoff_body),
	};

	ui_init(&uo);
	return cmocka_run_group_tests_name("docker_parse", tests, NULL, NULL);
}
