/*
 * container-tool.c - drives dockreset's Docker client on one container, for
 * the end-to-end tests of start, stop, restart, inspect and the health wait.
 *
 *   container-tool [-H URL] start|stop|restart|wait-healthy|inspect ID [SECONDS]
 *
 * inspect prints "status health" (health "-" without a healthcheck). Exits 0,
 * or 200 + n on a client error as exec-tool does (203 not found, 204 not
 * running, 205 timeout, 208 cancelled by SIGINT or SIGTERM), 200 for a
 * usage error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "ui.h"

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

static int usage(void)
{
	fputs("usage: container-tool [-H URL] start|stop|restart|wait-healthy|inspect ID "
	      "[SECONDS]\n",
	      stderr);
	return 200;
}

int main(int argc, char **argv)
{
	struct ui_opts uo = { 0 };
	struct docker *d = NULL;
	struct docker_container *c = NULL;
	const char *host = NULL, *verb, *id;
	char *url = NULL;
	int i = 1, secs = 10, rc;

	ui_init(&uo);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (argc > 2 && !strcmp(argv[1], "-H")) {
		host = argv[2];
		i = 3;
	}
	if (argc - i < 2 || argc - i > 3)
		return usage();
	verb = argv[i];
	id = argv[i + 1];
	if (argc - i == 3)
		secs = atoi(argv[i + 2]);
	if (docker_endpoint_resolve(&url, host) < 0)
		return 200;
	rc = docker_open(&d, url);
	if (rc == 0) {
		if (!strcmp(verb, "start"))
			rc = docker_start(d, id);
		else if (!strcmp(verb, "stop"))
			rc = docker_stop(d, id, secs);
		else if (!strcmp(verb, "restart"))
			rc = docker_restart(d, id, secs);
		else if (!strcmp(verb, "wait-healthy"))
			rc = docker_wait_healthy(d, id, secs, &cancelled);
		else if (!strcmp(verb, "inspect")) {
			rc = docker_inspect(d, id, &c);
			if (rc == 0)
				printf("%s %s\n", c->status, c->health ? c->health : "-");
			docker_container_free(c);
		} else {
			docker_close(d);
			free(url);
			return usage();
		}
	}
	docker_close(d);
	free(url);
	return rc < 0 ? 200 - rc : 0;
}
