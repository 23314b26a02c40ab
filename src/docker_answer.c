/*
 * docker_answer.c - pure readers of the Docker daemon's answers and the
 * docker CLI's files (see docker_answer.h).
 */
#include "docker_answer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker.h"
#include "ui.h"

const char *docker_header_value(const char *hdr, size_t hlen, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = hdr, *end = hdr + hlen;

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nlen && !strncasecmp(p, name, nlen) && p[nlen] == ':') {
			const char *v = p + nlen + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

int docker_hijack_head(struct docker_hijack_head *h, const char *buf, size_t len, size_t hdr_max,
		       size_t cap)
{
	const char *hend = memmem(buf, len, "\r\n\r\n", 4);

	memset(h, 0, sizeof(*h));
	if (!hend)
		return 1;
	h->hlen = (size_t)(hend - buf) + 4;
	if (h->hlen >= 16 && !strncmp(buf, "HTTP/1.", 7) && buf[8] == ' ')
		for (int i = 9; i < 12 && buf[i] >= '0' && buf[i] <= '9'; i++)
			h->status = h->status * 10 + (buf[i] - '0');
	if (h->status != 101 && h->status != 200 && h->hlen < cap) {
		/* The body is Content-Length bytes (when given), within limits. */
		size_t bcap = cap - 1 - h->hlen, want = hdr_max > h->hlen ? hdr_max - h->hlen : 0,
		       vlen = 0;
		const char *cl = docker_header_value(buf, h->hlen, "Content-Length", &vlen);

		if (cl) {
			want = 0;
			for (size_t i = 0; i < vlen && cl[i] >= '0' && cl[i] <= '9' && want <= bcap;
			     i++)
				want = want * 10 + (size_t)(cl[i] - '0');
		}
		h->body_want = want > bcap ? bcap : want;
	}
	return 0;
}

int docker_exec_take(struct demux *dm, struct strbuf *err, long status, const char *p, size_t n)
{
	if (status != 200 && status != 101) {
		if (err->len < DOCKER_EXEC_ERR_MAX)
			strbuf_add(err, p, n);
		return 0;
	}
	return demux_feed(dm, p, n) == DEMUX_OK ? 0 : -1;
}

int docker_api_version_header(char *out, size_t outsz, const char *line, size_t n)
{
	static const char key[] = "api-version:";

	if (n > sizeof(key) - 1 && !strncasecmp(line, key, sizeof(key) - 1)) {
		const char *v = line + sizeof(key) - 1;
		size_t len = n - (sizeof(key) - 1);

		while (len && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
			len--;
		if (len < outsz) {
			memcpy(out, v, len);
			out[len] = '\0';
			return 1;
		}
	}
	return 0;
}

int docker_version_parse(const char *v, int *maj, int *min)
{
	char *end;
	long a, b;

	if (!v || !*v)
		return -1;
	errno = 0;
	a = strtol(v, &end, 10);
	if (end == v || *end != '.' || a < 0 || a > 1000)
		return -1;
	v = end + 1;
	b = strtol(v, &end, 10);
	if (end == v || *end || b < 0 || b > 1000)
		return -1;
	*maj = (int)a;
	*min = (int)b;
	return 0;
}

void docker_negotiate(char *out, size_t outsz, const char *ours, const char *theirs,
		      const char *fallback)
{
	int om = 0, on = 0, tm, tn;

	docker_version_parse(ours, &om, &on);
	if (docker_version_parse(theirs, &tm, &tn) < 0) {
		snprintf(out, outsz, "%s", fallback);
		return;
	}
	if (tm > om || (tm == om && tn > on))
		snprintf(out, outsz, "%d.%d", om, on);
	else
		snprintf(out, outsz, "%d.%d", tm, tn);
}
int docker_parse_url(const char *url, const char **path)
{
	static const char *const remote[] = { "tcp://",	  "ssh://",   "http://",
					      "https://", "npipe://", "fd://" };

	if (!strncmp(url, "unix://", 7)) {
		*path = url + 7;
		if (!**path) {
			ui_error("docker endpoint '%s' has no socket path", url);
			return DOCKER_EUNSUPPORTED;
		}
		if (strlen(*path) > DOCKER_SOCK_MAX) {
			ui_error("docker socket path '%s' is too long (%zu bytes, at most %d)",
				 *path, strlen(*path), DOCKER_SOCK_MAX);
			ui_hint("use a shorter path, e.g. a symbolic link to the socket");
			return DOCKER_EUNSUPPORTED;
		}
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(remote); i++) {
		if (!strncmp(url, remote[i], strlen(remote[i]))) {
			ui_error("docker endpoint '%s' is not supported yet", url);
			ui_hint("dockreset talks to local unix:// sockets only for now, e.g. -H %s",
				DOCKER_DEFAULT_HOST);
			return DOCKER_EUNSUPPORTED;
		}
	}
	ui_error("invalid docker endpoint '%s'", url);
	ui_hint("expected unix:///path/to/docker.sock, e.g. %s", DOCKER_DEFAULT_HOST);
	return DOCKER_EUNSUPPORTED;
}

const char *docker_answer_id(const json_t *j)
{
	const char *id = json_string_value(json_object_get(j, "Id"));

	return id && *id ? id : NULL;
}

const char *docker_answer_version(const json_t *j)
{
	return json_string_value(json_object_get(j, "Version"));
}

int docker_answer_exec_exit(const json_t *j, int *code)
{
	const json_t *c = json_object_get(j, "ExitCode");

	if (json_is_true(json_object_get(j, "Running")) || !json_is_integer(c))
		return 0;
	*code = (int)json_integer_value(c);
	return 1;
}

void docker_answer_list_ids(const json_t *list, struct strlist *ids)
{
	size_t i;
	const json_t *item;

	json_array_foreach(list, i, item)
	{
		const char *id = json_string_value(json_object_get(item, "Id"));

		if (id)
			strlist_push(ids, id);
	}
}

const char *docker_config_context(const json_t *cfg)
{
	const char *cur = json_string_value(json_object_get(cfg, "currentContext"));

	return cur && *cur ? cur : NULL;
}

const char *docker_meta_host(const json_t *meta)
{
	const char *host = json_string_value(
	    json_object_get(json_object_get(json_object_get(meta, "Endpoints"), "docker"), "Host"));

	return host && *host ? host : NULL;
}
