/*
 * exec-tool.c - runs one command in a container through dockreset's own
 * Docker client (docker_exec), for the integration tests and benchmarks.
 *
 *   exec-tool [-H URL] [--stdin] CONTAINER -- ARGV...
 *
 * The command's stdout goes to our stdout, its stderr to our stderr; with
 * --stdin our standard input is its standard input. Exits with the
 * command's exit code, or 200 + n on a client error (n = -docker_err:
 * 201 unreachable, 202 API error, 203 not found, 204 not running,
 * 205 timeout, 206 unsupported endpoint, 207 stream error, 208 aborted;
 * 200 for a usage error or anything else). SIGINT and SIGTERM cancel the
 * exec through docker_exec_opts.cancel (208); the process in the container
 * is left running, as `docker exec` leaves it. With EXEC_TOOL_LINGER=N in
 * the environment, an aborted exec's connection is held N seconds before
 * docker_close() (tests check that its process sees no end of input then).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "ui.h"

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

struct out_state {
	int failed;
};

static int write_out(void *ctx, int stream, const char *buf, size_t len)
{
	struct out_state *st = ctx;
	FILE *f = stream == DEMUX_STDOUT ? stdout : stderr;

	if (fwrite(buf, 1, len, f) != len) {
		st->failed = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

static long read_in(void *ctx, char *buf, size_t cap)
{
	ssize_t n;

	(void)ctx;
	do
		n = read(STDIN_FILENO, buf, cap);
	while (n < 0 && errno == EINTR && !cancelled);
	if (n < 0 && cancelled)
		return -1;
	if (n < 0) {
		fprintf(stderr, "exec-tool: cannot read standard input: %s\n", strerror(errno));
		return -1;
	}
	return (long)n;
}

static char outbuf[256 << 10];

static int usage(void)
{
	fputs("usage: exec-tool [-H URL] [--stdin] CONTAINER -- ARGV...\n", stderr);
	return 200;
}

static int client_error(int err)
{
	return err < 0 && err >= -99 ? 200 - err : 200;
}

int main(int argc, char **argv)
{
	struct ui_opts uo = { 0 };
	struct out_state st = { 0 };
	struct docker_exec_opts o = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct docker *d = NULL;
	const char *opt_host = NULL, *container = NULL;
	char *endpoint = NULL;
	int use_stdin = 0, i, rc, code = -1;

	ui_init(&uo);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-H") && i + 1 < argc) {
			opt_host = argv[++i];
		} else if (!strcmp(argv[i], "--stdin")) {
			use_stdin = 1;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' || container) {
			return usage();
		} else {
			container = argv[i];
		}
	}
	if (!container || i >= argc)
		return usage();

	/* A large stdio buffer (glibc ignores the size without one): small
	 * frames do not cost a write each. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	/* No SA_RESTART: a signal interrupts the wait at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	o.argv = (const char *const *)(argv + i);
	o.cancel = &cancelled;
	o.out = write_out;
	o.out_ctx = &st;
	if (use_stdin)
		o.in = read_in;

	if (docker_endpoint_resolve(&endpoint, opt_host) < 0)
		return 200;
	rc = docker_open(&d, endpoint);
	if (rc)
		goto out;
	rc = docker_exec(d, container, &o, &code);
	if (rc == DOCKER_EABORTED && getenv("EXEC_TOOL_LINGER")) {
		unsigned left = (unsigned)atoi(getenv("EXEC_TOOL_LINGER"));

		while (left)
			left = sleep(left);
	}
out:
	docker_close(d);
	free(endpoint);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (!st.failed)
			st.failed = errno ? errno : EIO;
	}
	if (rc == DOCKER_EABORTED && cancelled)
		fprintf(stderr, "exec-tool: interrupted\n");
	if (st.failed) {
		fprintf(stderr, "exec-tool: cannot write the output: %s\n", strerror(st.failed));
		return client_error(DOCKER_EABORTED);
	}
	if (rc)
		return client_error(rc);
	return code;
}
