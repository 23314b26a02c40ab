/*
 * docker.h - the Docker Engine API client, over a Unix socket (libcurl).
 *
 * Every function returns 0 on success or a negative enum docker_err after
 * reporting what failed through ui_error(); docker_exit_code() maps that to
 * the exit code of SPEC 7. Every request ends with DOCKER_EABORTED,
 * unreported, when SIGINT or SIGTERM comes while it waits (sig.h);
 * docker_exit_code() gives 130 or 143 for it. Nothing here ever reports success on an unknown
 * outcome: a null exit code, a cut stream or a lost daemon is an error.
 */
#ifndef DOCKRESET_DOCKER_H
#define DOCKRESET_DOCKER_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

#include "demux.h"
#include "util.h"

enum docker_err {
	DOCKER_OK = 0,
	DOCKER_EUNREACHABLE = -1, /* socket missing, refused, denied: exit 4 */
	DOCKER_EAPI = -2,	  /* unexpected answer or API error: exit 4 */
	DOCKER_ENOTFOUND = -3,	  /* no such container or exec: exit 5 */
	DOCKER_ENOTRUNNING = -4,  /* 409: container not running or paused: exit 5 */
	DOCKER_ETIMEOUT = -5,	  /* a wait ran out of time: exit 5 */
	DOCKER_EUNSUPPORTED = -6, /* tcp:// or ssh:// endpoint: exit 4 */
	DOCKER_ESTREAM = -7,	  /* exec stream cut short or malformed: exit 4 */
	DOCKER_EABORTED = -8,	  /* a callback or o->cancel asked to stop: exit chosen
				   * by the caller; the only error not reported here */
	DOCKER_EAMBIGUOUS = -9,	  /* what the config says matches several (projects): exit 2 */
};

int docker_exit_code(int err);

struct docker;

/*
 * The endpoint to use: opt_host (-H) when given, else $DOCKER_HOST, else the
 * current docker context ($DOCKER_CONTEXT, else currentContext in
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json), else
 * unix:///var/run/docker.sock. *out is a new string. Returns 0 or -1 after
 * reporting (an unreadable context).
 */
int docker_endpoint_resolve(char **out, const char *opt_host);

/*
 * Connects to url (unix:///path), pings it and negotiates the API version.
 * tcp://, ssh:// and others: DOCKER_EUNSUPPORTED with a clear message.
 */
int docker_open(struct docker **out, const char *url);
void docker_close(struct docker *d);
const char *docker_endpoint(const struct docker *d);	/* as given */
const char *docker_api_version(const struct docker *d); /* "1.41" */
/* GET /version: engine version string into *out (new); 0 or error. */
int docker_engine_version(struct docker *d, char **out);

struct docker_container {
	char *id;
	char *name; /* without the leading '/' */
	char *image;
	char *status; /* State.Status: created, running, exited, ... */
	int running;
	char *health;	 /* State.Health.Status; NULL without a healthcheck */
	char *service;	 /* label com.docker.compose.service, or NULL */
	char *project;	 /* label com.docker.compose.project, or NULL */
	json_t *inspect; /* the whole inspect document (owned) */
};

void docker_container_free(struct docker_container *c);

/*
 * Fills *out (caller frees with docker_container_free) from an inspect
 * document; takes a reference to it. Pure; -1 when the document lacks Id.
 */
int docker_container_from_json(struct docker_container **out, json_t *inspect);

/* GET /containers/{id_or_name}/json. DOCKER_ENOTFOUND for a 404. */
int docker_inspect(struct docker *d, const char *id_or_name, struct docker_container **out);

/*
 * Containers of a compose service (labels project, service, oneoff=False),
 * running or not, each inspected; sorted by name. *out is an array of n
 * pointers; free with docker_containers_free(). None found is not an error
 * here (n = 0).
 */
int docker_service_containers(struct docker *d, const char *project, const char *service,
			      struct docker_container ***out, size_t *n);
void docker_containers_free(struct docker_container **v, size_t n);

/*
 * Containers (running or not) carrying every label of labels
 * (NULL-terminated, "key=value" or "key"), each inspected, sorted by name;
 * as docker_service_containers().
 */
int docker_labeled_containers(struct docker *d, const char *const *labels,
			      struct docker_container ***out, size_t *n);

/*
 * The label filter for a compose service, URL-encoded for
 * /containers/json?all=1&filters=... . Pure; new string.
 */
char *docker_label_filter(const char *project, const char *service);

/*
 * Value of variable name in the container's Config.Env (split at the first
 * '='); NULL when absent or Env is null. Borrowed from c->inspect. Pure.
 */
const char *docker_env_get(const struct docker_container *c, const char *name);

/*
 * The message of an error answer's body (len bytes, not NUL-terminated):
 * its JSON "message", else its first line of text (at most 300 bytes), else
 * "no message". Never reads past len. Pure; new string.
 */
char *docker_resp_message(const char *body, size_t len);

/* Value of a label; NULL when absent. Borrowed. Pure. */
const char *docker_label_get(const struct docker_container *c, const char *name);

/*
 * Host address and port that publish the container's port (e.g.
 * "5432/tcp"); 0 when found (*host and *port new strings; a HostIp of
 * 0.0.0.0 or "" is given as 127.0.0.1, :: as ::1), -1 when not published.
 * Pure.
 */
int docker_published_port(const struct docker_container *c, const char *port, char **host,
			  char **host_port);

/* Pure. The last health check's output, its first line without leading
 * blanks and at most 200 bytes (length in *len), or NULL. Borrowed. */
const char *docker_probe_output(const struct docker_container *c, int *len);

/* Pure. 1 and the exit code when the container has run and stopped
 * (not running, not just created, State.ExitCode an int), else 0. */
int docker_container_exit(const struct docker_container *c, int *code);

/* The container's IP address on its first network with one; NULL. Borrowed. */
const char *docker_container_ip(const struct docker_container *c);

int docker_start(struct docker *d, const char *id);		  /* 304 is fine */
int docker_stop(struct docker *d, const char *id, int timeout_s); /* 304 is fine */
int docker_restart(struct docker *d, const char *id, int timeout_s);

/*
 * When container id is paused, says so ("container 'X' is paused", then
 * ": what" when what is given) with the hint `docker unpause X`, and
 * returns 1; else 0, saying nothing, or a negative docker_err when it cannot
 * be inspected.
 */
int docker_report_paused(struct docker *d, const char *id, const char *what);

/*
 * Waits until the container is running and, when it has a healthcheck,
 * healthy, polling inspect. DOCKER_ENOTRUNNING at once when it has exited,
 * is dead or is paused (as docker_report_paused() says); DOCKER_ETIMEOUT when still starting or
 * unhealthy after timeout_s seconds; DOCKER_EABORTED (unreported) as soon as *cancel (may be NULL;
 * a flag set by a SIGINT/SIGTERM handler) is nonzero.
 */
int docker_wait_healthy(struct docker *d, const char *id, int timeout_s,
			const volatile sig_atomic_t *cancel);

/*
 * Standard input for an exec: called when the process can take more;
 * writes up to cap bytes into buf and returns the count, 0 at the end of
 * input, -1 to abort.
 */
typedef long (*docker_in_fn)(void *ctx, char *buf, size_t cap);

struct docker_exec_opts {
	const char *const *argv; /* NULL-terminated; never a shell with user strings */
	const char *const *env;	 /* NULL-terminated "K=V", or NULL; secrets go here */
	const char *user;	 /* or NULL */
	const char *workdir;	 /* or NULL */
	demux_fn out;		 /* stdout (1) and stderr (2) payload; may be NULL */
	void *out_ctx;
	docker_in_fn in; /* NULL: no stdin */
	void *in_ctx;
	/*
	 * Or NULL. Checked at least once a second while the command runs, even
	 * when it is silent (at once when a signal interrupts the wait): nonzero
	 * ends the exec's connection and returns DOCKER_EABORTED. A flag set by
	 * a SIGINT/SIGTERM handler. The process in the container goes on
	 * running: ending it is the caller's business (pg_terminate_backend).
	 */
	const volatile sig_atomic_t *cancel;
};

/*
 * Runs a command in a running container, demultiplexing its output through
 * a fixed buffer into o->out, and reads its exit code after the stream has
 * ended (polling while ExitCode is null, for at most 10 s). No time limit on
 * the whole, but one on silence: when no byte moves (output, or input taken)
 * for sig_idle_timeout_s() seconds, it reports that (and a paused
 * container, as docker_report_paused() does) and returns DOCKER_ETIMEOUT. With o->in,
 * attaches stdin over the hijacked connection, writes while reading, and
 * half-closes at the end of input; when the process stops reading (its
 * output ends first), the rest of the input is left unread and that is not
 * an error. Returns 0 with *exit_code set, or an error: a stream cut short
 * or a daemon lost is DOCKER_ESTREAM, never success; 404 is
 * DOCKER_ENOTFOUND, a stopped or paused container DOCKER_ENOTRUNNING.
 *
 * With o->in, SIGPIPE is ignored for the duration of the call and restored
 * afterwards, so o->out sees EPIPE from its own writes rather than a signal.
 * When such an exec ends in DOCKER_EABORTED (o->cancel, o->in or o->out
 * asked to stop), its connection stays open, so that the process does not
 * see the end of its input (psql -1 would commit what it has read), until
 * the next docker_exec() or docker_close(): end the process first.
 */
int docker_exec(struct docker *d, const char *container_id, const struct docker_exec_opts *o,
		int *exit_code);

/* ---- one-off containers (docker compose run --rm) ------------------- */

struct docker_oneoff_opts {
	const char *project;	 /* compose project of the service */
	const char *service;	 /* the service whose container is the model, */
	const char *container;	 /* or this container (name or id) when not NULL */
	const char *label;	 /* prefix of the output lines: "migrate" gives "migrate | ..." */
	const char *const *argv; /* NULL-terminated Cmd; never a shell with user strings */
	const char *const *env;	 /* NULL-terminated "K=V" added to (or replacing) the service's
				  * environment, or NULL; every value is registered as a secret */
	/* Or NULL. Checked at least once a second: nonzero kills and removes the
	 * container and returns DOCKER_EABORTED. A flag set by a signal handler. */
	const volatile sig_atomic_t *cancel;
};

/*
 * The body of POST /containers/create for a one-off container made from a
 * service's container (its inspect document), as `docker compose run`
 * makes it: the image (Config.Image), its entrypoint, environment (plus
 * o->env, a variable given there replacing the service's), working
 * directory and user; HostConfig's mounts (Binds, Mounts, Tmpfs, VolumesFrom)
 * and DNS, capability and security settings, never its ports or restart
 * policy; the labels com.docker.compose.project, .service and .oneoff=True;
 * no TTY, no stdin. Networks: the one to create with is put in
 * NetworkingConfig (*first, new string, or NULL for host/none/container:
 * modes), the others, each {"name": N, "aliases": [...]}, go into *more
 * (new array) to connect before the start. Aliases are the service's own:
 * the model container's name and short id are left out. Pure; NULL when
 * the document has no Config.Image.
 */
json_t *docker_oneoff_body(const json_t *inspect, const struct docker_oneoff_opts *o, char **first,
			   json_t **more);

/*
 * Runs o->argv in a new one-off container made from a container of
 * o->service (a running one preferred, a stopped one will do): created,
 * connected to the service's networks, started, its output streamed to
 * stderr a line at a time ("LABEL | line", through ui, so redacted), its
 * exit code read once it has stopped, and removed (forced, with its
 * anonymous volumes) whatever happened, also when *o->cancel is set (it is
 * then killed first). A service with no container at all is
 * DOCKER_ENOTFOUND, reported with the hint `docker compose create SERVICE`.
 * No bound on the whole run, but one on silence: no output for
 * sig_idle_timeout_s() seconds is DOCKER_ETIMEOUT. Returns 0 with
 * *exit_code set (nonzero is not an error here), or a docker_err.
 */
int docker_oneoff(struct docker *d, const struct docker_oneoff_opts *o, int *exit_code);

#endif
