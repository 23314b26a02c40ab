/*
 * docker_answer.h - the pure readers of what the Docker daemon (and the
 * docker CLI's files) send: the hijacked exec's response head, an exec
 * stream's bytes by HTTP status, the JSON answers read after requests, the
 * Api-Version header, the endpoint URL and the docker config / context
 * files. src/docker.c only moves bytes to and from them; tests/fuzz/ drives
 * them directly.
 */
#ifndef DOCKRESET_DOCKER_ANSWER_H
#define DOCKRESET_DOCKER_ANSWER_H

#include <jansson.h>
#include <stddef.h>

#include "demux.h"
#include "util.h"

#define DOCKER_DEFAULT_HOST "unix:///var/run/docker.sock"
#define DOCKER_SOCK_MAX	    107	  /* sizeof(sun_path) - 1 */
#define DOCKER_EXEC_ERR_MAX 65536 /* bytes kept of an exec start's error body */

/* The head of the answer to a hijacked exec start. */
struct docker_hijack_head {
	size_t hlen;	  /* bytes of the head, its blank line included */
	long status;	  /* the status code; 0 without an "HTTP/1.x NNN" line */
	size_t body_want; /* an error answer's body: the bytes to read */
};

/*
 * Reads the head from the first len bytes received into a buffer of cap
 * bytes: 1 while its blank line has not arrived, 0 with *h once it has.
 * body_want is Content-Length (or what the head's limit hdr_max leaves
 * without one), never more than cap - 1 - hlen.
 */
int docker_hijack_head(struct docker_hijack_head *h, const char *buf, size_t len, size_t hdr_max,
		       size_t cap);

/* The value of header name in a raw header block, or NULL; len into *vlen. */
const char *docker_header_value(const char *hdr, size_t hlen, const char *name, size_t *vlen);

/*
 * Takes n bytes of an exec start's answer with HTTP status status: the
 * stream of a 200 or 101 into dm, the body of any other into err (at most
 * about DOCKER_EXEC_ERR_MAX bytes). 0, or -1 when dm refuses the bytes.
 */
int docker_exec_take(struct demux *dm, struct strbuf *err, long status, const char *p, size_t n);

/*
 * An Api-Version header line (as curl hands it, CRLF included) into out;
 * 1 when it is one that fits, else 0 and out unchanged.
 */
int docker_api_version_header(char *out, size_t outsz, const char *line, size_t n);

/* "MAJOR.MINOR" with both in 0..1000: 0 with both, else -1. */
int docker_version_parse(const char *v, int *maj, int *min);

/* min(ours, theirs) into out; fallback when theirs is unreadable. */
void docker_negotiate(char *out, size_t outsz, const char *ours, const char *theirs,
		      const char *fallback);

/* The socket path of a unix:// URL; DOCKER_EUNSUPPORTED after reporting. */
int docker_parse_url(const char *url, const char **path);

/* A non-empty string "Id" of an answer (exec create, container create), or NULL. */
const char *docker_answer_id(const json_t *j);

/* "Version" of a /version answer, or NULL. */
const char *docker_answer_version(const json_t *j);

/* An exec inspect: 1 with *code once it has stopped with an exit code, else 0. */
int docker_answer_exec_exit(const json_t *j, int *code);

/* The string "Id"s of a container list, in order, pushed onto ids. */
void docker_answer_list_ids(const json_t *list, struct strlist *ids);

/* "currentContext" of the docker CLI's config.json when non-empty, or NULL. */
const char *docker_config_context(const json_t *cfg);

/* Endpoints.docker.Host of a context's meta.json when non-empty, or NULL. */
const char *docker_meta_host(const json_t *meta);

#endif
