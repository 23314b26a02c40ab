/*
 * docker.c - the Docker Engine API client, over a Unix socket (libcurl).
 *
 * One curl easy handle per struct docker serves every ordinary request and
 * keeps its connection alive between them. An exec with standard input
 * takes a second handle for the hijacked connection, because that
 * connection becomes a raw byte stream that cannot be reused.
 */
#include "docker.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "docker_answer.h"
#include "redact.h"
#include "sig.h"
#include "ui.h"

#ifndef DOCKRESET_VERSION
#define DOCKRESET_VERSION "dev"
#endif

#define DOCKER_API_MAX	      "1.45"	  /* the newest API version we speak */
#define DOCKER_API_FALLBACK   "1.41"	  /* when the daemon does not say */
#define DOCKER_BODY_MAX	      (16u << 20) /* cap on buffered JSON answers */
#define DOCKER_CONFIG_MAX     (1u << 20)
#define DOCKER_CONNECT_S      10L
#define DOCKER_REQUEST_S      60L
#define DOCKER_STREAM_BUF     (512L << 10) /* curl's receive buffer for exec output */
#define DOCKER_HIJACK_RBUF    (256u << 10)
#define DOCKER_HIJACK_WBUF    (256u << 10)
#define DOCKER_HIJACK_HDR     (16u << 10) /* response headers of the hijack */
#define DOCKER_EXIT_POLL_MS   20
#define DOCKER_EXIT_WAIT_MS   10000
#define DOCKER_HEALTH_POLL_MS 250
#define DOCKER_CANCEL_POLL_MS 250 /* how often a silent hijacked exec checks o->cancel */

struct docker {
	char *endpoint; /* as given */
	char *sock;	/* the socket path */
	char api[16];	/* negotiated version, "1.41" */
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	/*
	 * The hijacked connection of an aborted exec with stdin, kept open so
	 * that the process does not see the end of its input (psql -1 would
	 * commit what it has read) until the caller has ended it another way.
	 */
	CURL *parked;
};

static void docker_unpark(struct docker *d)
{
	if (d->parked) {
		curl_easy_cleanup(d->parked);
		d->parked = NULL;
	}
}

/* One answer to an ordinary request: status and the (capped) body. */
struct docker_resp {
	long status;
	struct strbuf body;
	int too_big;
	char api_version[16]; /* the Api-Version header, for /_ping */
};

int docker_exit_code(int err)
{
	switch (err) {
	case DOCKER_OK:
		return EXIT_OK;
	case DOCKER_EUNREACHABLE:
	case DOCKER_EAPI:
	case DOCKER_EUNSUPPORTED:
	case DOCKER_ESTREAM:
		return EXIT_DOCKER;
	case DOCKER_ENOTFOUND:
	case DOCKER_ENOTRUNNING:
	case DOCKER_ETIMEOUT:
		return EXIT_CONTAINER;
	case DOCKER_EAMBIGUOUS:
		return EXIT_USAGE;
	case DOCKER_EABORTED:
		/* a request a signal ended: the signal's code */
		return sig_exit_code() ? sig_exit_code() : EXIT_FAIL;
	}
	return EXIT_FAIL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- endpoint ------------------------------------------------------- */

static char *docker_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && *home)
		return xstrdup(home);
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir)
		return xstrdup(pw->pw_dir);
	return NULL;
}

/* $DOCKER_CONFIG, else ~/.docker; NULL when there is no home either. */
static char *docker_config_dir(void)
{
	const char *env = getenv("DOCKER_CONFIG");
	char *home, *dir;

	if (env && *env)
		return xstrdup(env);
	home = docker_home();
	if (!home)
		return NULL;
	dir = xasprintf("%s/.docker", home);
	free(home);
	return dir;
}

static void sha256_hex(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < len && i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[64] = '\0';
}

/*
 * Reads a regular file of at most max bytes into sb. Opened without
 * blocking and checked before any read: a FIFO or a device put where
 * docker's config belongs must not hang every command. -1 with errno
 * (EINVAL for a file that is not a regular one).
 */
static int read_regular_file(struct strbuf *sb, const char *path, size_t max)
{
	char buf[8192];
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		e = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			break;
		}
		if (n == 0)
			break;
		if (sb->len + (size_t)n > max) {
			e = EFBIG;
			break;
		}
		strbuf_add(sb, buf, (size_t)n);
	}
out:
	close(fd);
	errno = e;
	return e ? -1 : 0;
}

/*
 * Loads a JSON file. 0 with *out, 1 when the file does not exist, -1 after
 * reporting.
 */
static int docker_load_json(json_t **out, const char *path, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	json_error_t jerr;
	int rc = -1;

	*out = NULL;
	if (read_regular_file(&sb, path, DOCKER_CONFIG_MAX) < 0) {
		if (errno == ENOENT) {
			rc = 1;
			goto out;
		}
		ui_error("cannot read the %s '%s': %s", what, path,
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		goto out;
	}
	*out = json_loadb(strbuf_str(&sb), sb.len, 0, &jerr);
	if (!*out || !json_is_object(*out)) {
		ui_error("cannot parse the %s '%s': %s (line %d)", what, path,
			 *out ? "not a JSON object" : jerr.text, jerr.line);
		json_decref(*out);
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&sb);
	return rc;
}

/* The endpoint of docker context name; the default socket for "default". */
static int docker_context_host(char **out, const char *dir, const char *name)
{
	char hex[65];
	char *path = NULL;
	json_t *meta = NULL;
	const char *host;
	int rc = -1, r;

	if (!strcmp(name, "default")) {
		*out = xstrdup(DOCKER_DEFAULT_HOST);
		return 0;
	}
	sha256_hex(name, hex);
	path = xasprintf("%s/contexts/meta/%s/meta.json", dir, hex);
	r = docker_load_json(&meta, path, "docker context");
	if (r > 0) {
		ui_error("docker context '%s' does not exist", name);
		ui_hint("list contexts with 'docker context ls', or choose the endpoint with -H");
		goto out;
	}
	if (r < 0)
		goto out;
	host = docker_meta_host(meta);
	if (!host) {
		ui_error("docker context '%s' has no docker endpoint in '%s'", name, path);
		goto out;
	}
	*out = xstrdup(host);
	rc = 0;
out:
	json_decref(meta);
	free(path);
	return rc;
}

int docker_endpoint_resolve(char **out, const char *opt_host)
{
	const char *env;
	char *dir = NULL, *path = NULL, *name = NULL;
	json_t *cfg = NULL;
	int rc = -1, r;

	*out = NULL;
	if (opt_host && *opt_host) {
		*out = xstrdup(opt_host);
		return 0;
	}
	env = getenv("DOCKER_HOST");
	if (env && *env) {
		*out = xstrdup(env);
		return 0;
	}
	dir = docker_config_dir();
	env = getenv("DOCKER_CONTEXT");
	if (env && *env) {
		name = xstrdup(env);
	} else if (dir) {
		path = xasprintf("%s/config.json", dir);
		r = docker_load_json(&cfg, path, "docker config");
		if (r < 0)
			goto out;
		if (r == 0) {
			const char *cur = docker_config_context(cfg);

			if (cur)
				name = xstrdup(cur);
		}
	}
	if (!name || !dir) {
		if (name && strcmp(name, "default")) {
			ui_error("cannot find docker context '%s': no home directory", name);
			goto out;
		}
		*out = xstrdup(DOCKER_DEFAULT_HOST);
		rc = 0;
		goto out;
	}
	rc = docker_context_host(out, dir, name);
out:
	json_decref(cfg);
	free(name);
	free(path);
	free(dir);
	return rc;
}

/* ---- requests ------------------------------------------------------- */

static void docker_connect_error(const char *endpoint, long oserr, const char *detail)
{
	switch (oserr) {
	case EACCES:
	case EPERM:
		ui_error("cannot connect to the docker daemon at '%s': permission denied",
			 endpoint);
		ui_hint("add your user to the 'docker' group (then log in again), or run as root");
		return;
	case ENOENT:
		ui_error("cannot connect to the docker daemon at '%s': no such socket", endpoint);
		break;
	case ECONNREFUSED:
		ui_error("cannot connect to the docker daemon at '%s': connection refused",
			 endpoint);
		break;
	default:
		ui_error("cannot connect to the docker daemon at '%s': %s", endpoint,
			 detail && *detail ? detail : "connection failed");
		break;
	}
	ui_hint("is dockerd running? start it, or choose the endpoint with -H or DOCKER_HOST");
}

/* Reports a failed transfer on handle h; returns the docker_err for it. */
static int docker_transport_error(struct docker *d, CURL *h, CURLcode cc, const char *errbuf,
				  const char *what)
{
	long oserr = 0;
	const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(cc);

	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	if (cc == CURLE_COULDNT_CONNECT) {
		docker_connect_error(d->endpoint, oserr, detail);
		return DOCKER_EUNREACHABLE;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		ui_error("the docker daemon at '%s' did not answer '%s' in time", d->endpoint,
			 what);
		return DOCKER_EAPI;
	}
	ui_error("lost the connection to the docker daemon at '%s' during '%s': %s", d->endpoint,
		 what, detail);
	return DOCKER_EAPI;
}

static size_t docker_body_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct docker_resp *r = ud;
	size_t n = size * nmemb;

	if (r->body.len + n > DOCKER_BODY_MAX) {
		r->too_big = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	strbuf_add(&r->body, ptr, n);
	return n;
}

static size_t docker_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct docker_resp *r = ud;
	size_t n = size * nmemb;

	docker_api_version_header(r->api_version, sizeof(r->api_version), ptr, n);
	return n;
}

/* The request line for messages, without the version prefix. */
static char *docker_what(const char *method, const char *path)
{
	return xasprintf("%s %s", method, path);
}

/*
 * Sets up d->curl for one request. path starts with '/' and is already
 * escaped; versioned puts /v<api> in front of it.
 */
static void docker_setup(struct docker *d, const char *method, const char *path, int versioned,
			 long timeout_s)
{
	char url[2048];
	CURL *h = d->curl;

	curl_easy_reset(h);
	if (versioned)
		snprintf(url, sizeof(url), "http://docker/v%s%s", d->api, path);
	else
		snprintf(url, sizeof(url), "http://docker%s", path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, d->sock);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, DOCKER_CONNECT_S);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "dockreset/" DOCKRESET_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, d->errbuf);
	d->errbuf[0] = '\0';
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
}

/* Called by curl several times a second, and at once when a signal
 * interrupts its wait: SIGINT or SIGTERM ends the request. */
static int request_progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			       curl_off_t ulnow)
{
	(void)ud;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return sig_pending() ? 1 : 0;
}

/*
 * Runs one ordinary request and buffers its answer (any status) into r,
 * which the caller releases with strbuf_release(&r->body). body is JSON or
 * NULL. Returns 0 when an answer came, else a docker_err after reporting.
 * A SIGINT or SIGTERM that comes while it waits ends it with DOCKER_EABORTED
 * (unreported); one already pending when it starts does not: that request
 * is part of the clean-up, bounded by timeout_s like any other.
 */
static int docker_request(struct docker *d, const char *method, const char *path, int versioned,
			  const char *body, long timeout_s, struct docker_resp *r)
{
	struct curl_slist *hdrs = NULL;
	CURLcode cc;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body);
	docker_setup(d, method, path, versioned, timeout_s);
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, docker_body_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(d->curl, CURLOPT_HEADERFUNCTION, docker_header_cb);
	curl_easy_setopt(d->curl, CURLOPT_HEADERDATA, r);
	if (!sig_pending()) {
		curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION, request_progress_cb);
		curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	}
	cc = curl_easy_perform(d->curl);
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		rc = DOCKER_EABORTED;
		goto out;
	}
	if (cc != CURLE_OK) {
		char *what = docker_what(method, path);

		if (r->too_big) {
			ui_error("the docker daemon's answer to '%s' is larger than %u MB", what,
				 DOCKER_BODY_MAX >> 20);
			rc = DOCKER_EAPI;
		} else {
			rc = docker_transport_error(d, d->curl, cc, d->errbuf, what);
		}
		free(what);
		goto out;
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &r->status);
out:
	curl_slist_free_all(hdrs);
	/* The body may hold secrets (an exec's Env). */
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, NULL);
	return rc;
}

char *docker_resp_message(const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *m = json_string_value(json_object_get(j, "message"));
	char *s;

	if (m) {
		/* {"message": ""} says nothing either */
		s = xstrdup(*m ? m : "no message");
	} else {
		/* body is not NUL-terminated: scan only its len bytes */
		size_t n = 0, max = len < 300 ? len : 300;

		while (n < max && body[n] != '\r' && body[n] != '\n' && body[n] != '\0')
			n++;
		s = n ? xstrndup(body, n) : xstrdup("no message");
	}
	json_decref(j);
	return s;
}

static void docker_api_error(const char *method, const char *path, const struct docker_resp *r)
{
	char *msg = docker_resp_message(strbuf_str(&r->body), r->body.len);

	ui_error("docker API error on '%s %s' (HTTP %ld): %s", method, path, r->status, msg);
	free(msg);
}

/* Parses an answer that must be JSON of the given type (object or array). */
static int docker_parse(json_t **out, const struct docker_resp *r, const char *method,
			const char *path, int want_array)
{
	json_error_t jerr;

	*out = json_loadb(strbuf_str(&r->body), r->body.len, 0, &jerr);
	if (!*out || (want_array ? !json_is_array(*out) : !json_is_object(*out))) {
		ui_error("unexpected answer from the docker daemon to '%s %s': %s", method, path,
			 *out ? "wrong JSON type" : jerr.text);
		json_decref(*out);
		*out = NULL;
		return DOCKER_EAPI;
	}
	return 0;
}

/*
 * GET path and parse its JSON answer (an array when want_array). A 404 is
 * DOCKER_ENOTFOUND, left for the caller to report; any other status but
 * 200 is reported as an API error. The request's own failure is returned
 * as it is, with *answered 0 (answered may be NULL).
 */
static int docker_get_json(struct docker *d, const char *path, int want_array, json_t **out,
			   int *answered)
{
	struct docker_resp r;
	int rc;

	*out = NULL;
	if (answered)
		*answered = 0;
	rc = docker_request(d, "GET", path, 1, NULL, DOCKER_REQUEST_S, &r);
	if (rc)
		return rc;
	if (answered)
		*answered = 1;
	if (r.status == 404) {
		rc = DOCKER_ENOTFOUND;
	} else if (r.status != 200) {
		docker_api_error("GET", path, &r);
		rc = DOCKER_EAPI;
	} else {
		rc = docker_parse(out, &r, "GET", path, want_array);
	}
	strbuf_release(&r.body);
	return rc;
}

/*
 * Container ids and names are [a-zA-Z0-9][a-zA-Z0-9_.-]*: anything else
 * would change the request path (the daemon cleans "..") and cannot name a
 * container anyway. Reports and returns DOCKER_ENOTFOUND.
 */
static int docker_check_name(const char *s)
{
	const char *p = s;

	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
		p += strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
		if (!*p)
			return 0;
	}
	ui_error("invalid container name '%s'", s);
	return DOCKER_ENOTFOUND;
}

/*
 * "/containers/ID/REST" for a valid container id or name; a name outside
 * [a-zA-Z0-9_.-] needs no escaping since it is refused. *out is new.
 */
static int docker_container_path(char **out, const char *id, const char *rest)
{
	int rc = docker_check_name(id);

	*out = rc ? NULL : xasprintf("/containers/%s/%s", id, rest);
	return rc;
}

/* ---- open and close ------------------------------------------------- */

int docker_open(struct docker **out, const char *url)
{
	struct docker *d = NULL;
	struct docker_resp r;
	const char *path;
	int rc;

	*out = NULL;
	rc = docker_parse_url(url, &path);
	if (rc)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ui_error("cannot initialise libcurl");
		return DOCKER_EAPI;
	}
	d = xcalloc(1, sizeof(*d));
	d->endpoint = xstrdup(url);
	d->sock = xstrdup(path);
	d->curl = curl_easy_init();
	if (!d->curl) {
		ui_error("cannot initialise libcurl");
		rc = DOCKER_EAPI;
		goto out;
	}
	rc = docker_request(d, "GET", "/_ping", 0, NULL, DOCKER_REQUEST_S, &r);
	if (rc)
		goto out;
	if (r.status != 200) {
		docker_api_error("GET", "/_ping", &r);
		ui_hint("is '%s' the socket of a docker daemon?", d->endpoint);
		rc = DOCKER_EAPI;
	} else {
		docker_negotiate(d->api, sizeof(d->api), DOCKER_API_MAX, r.api_version,
				 DOCKER_API_FALLBACK);
	}
	strbuf_release(&r.body);
out:
	if (rc) {
		docker_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

void docker_close(struct docker *d)
{
	if (!d)
		return;
	docker_unpark(d);
	if (d->curl)
		curl_easy_cleanup(d->curl);
	free(d->endpoint);
	free(d->sock);
	free(d);
	curl_global_cleanup();
}

const char *docker_endpoint(const struct docker *d)
{
	return d->endpoint;
}

const char *docker_api_version(const struct docker *d)
{
	return d->api;
}

int docker_engine_version(struct docker *d, char **out)
{
	json_t *j = NULL;
	const char *v;
	int rc;

	*out = NULL;
	rc = docker_get_json(d, "/version", 0, &j, NULL);
	if (rc == DOCKER_ENOTFOUND) {
		ui_error("the docker daemon has no '/version'");
		rc = DOCKER_EAPI;
	}
	if (rc)
		return rc;
	v = docker_answer_version(j);
	if (v) {
		*out = xstrdup(v);
	} else {
		ui_error("the docker daemon's '/version' answer has no 'Version'");
		rc = DOCKER_EAPI;
	}
	json_decref(j);
	return rc;
}

/* ---- containers ----------------------------------------------------- */

static char *json_strdup_or_null(json_t *v)
{
	const char *s = json_string_value(v);

	return s ? xstrdup(s) : NULL;
}

void docker_container_free(struct docker_container *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->status);
	free(c->health);
	free(c->service);
	free(c->project);
	json_decref(c->inspect);
	free(c);
}

int docker_container_from_json(struct docker_container **out, json_t *inspect)
{
	struct docker_container *c;
	json_t *state, *config, *labels;
	const char *id, *name, *image;

	*out = NULL;
	id = json_string_value(json_object_get(inspect, "Id"));
	if (!id || !*id)
		return -1;
	state = json_object_get(inspect, "State");
	config = json_object_get(inspect, "Config");
	labels = json_object_get(config, "Labels");

	c = xcalloc(1, sizeof(*c));
	c->id = xstrdup(id);
	name = json_string_value(json_object_get(inspect, "Name"));
	if (name && *name == '/')
		name++;
	c->name = xstrdup(name ? name : id);
	image = json_string_value(json_object_get(config, "Image"));
	if (!image)
		image = json_string_value(json_object_get(inspect, "Image"));
	c->image = image ? xstrdup(image) : NULL;
	c->status = json_strdup_or_null(json_object_get(state, "Status"));
	if (!c->status)
		c->status = xstrdup("unknown");
	c->running = json_is_true(json_object_get(state, "Running"));
	c->health =
	    json_strdup_or_null(json_object_get(json_object_get(state, "Health"), "Status"));
	c->service = json_strdup_or_null(json_object_get(labels, "com.docker.compose.service"));
	c->project = json_strdup_or_null(json_object_get(labels, "com.docker.compose.project"));
	c->inspect = json_incref(inspect);
	*out = c;
	return 0;
}

/* Inspect; quiet leaves a 404 unreported (a container removed meanwhile). */
static int docker_inspect_q(struct docker *d, const char *id_or_name, struct docker_container **out,
			    int quiet)
{
	json_t *j = NULL;
	char *path;
	int rc;

	*out = NULL;
	rc = docker_container_path(&path, id_or_name, "json");
	if (rc)
		return rc;
	rc = docker_get_json(d, path, 0, &j, NULL);
	if (rc == DOCKER_ENOTFOUND && !quiet)
		ui_error("no such container '%s'", id_or_name);
	if (rc == 0 && docker_container_from_json(out, j) < 0) {
		ui_error("the docker daemon's inspect answer for '%s' has no 'Id'", id_or_name);
		rc = DOCKER_EAPI;
	}
	json_decref(j);
	free(path);
	return rc;
}

int docker_inspect(struct docker *d, const char *id_or_name, struct docker_container **out)
{
	return docker_inspect_q(d, id_or_name, out, 0);
}

/* Percent-encodes all but the unreserved characters of RFC 3986. */
static void url_encode(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			strbuf_addch(sb, c);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
		}
	}
}

char *docker_label_filter(const char *project, const char *service)
{
	json_t *labels = json_array();
	json_t *f = json_object();
	struct strbuf sb = STRBUF_INIT;
	char *s;

	json_array_append_new(labels, json_sprintf("com.docker.compose.project=%s", project));
	json_array_append_new(labels, json_sprintf("com.docker.compose.service=%s", service));
	json_array_append_new(labels, json_string("com.docker.compose.oneoff=False"));
	json_object_set_new(f, "label", labels);
	s = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	if (!s) {
		fputs("dockreset: error: out of memory\n", stderr);
		exit(1);
	}
	url_encode(&sb, s);
	free(s);
	return strbuf_detach(&sb);
}

void docker_containers_free(struct docker_container **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		docker_container_free(v[i]);
	free(v);
}

static int container_cmp(const void *a, const void *b)
{
	const struct docker_container *x = *(struct docker_container *const *)a;
	const struct docker_container *y = *(struct docker_container *const *)b;

	return strcmp(x->name, y->name);
}

int docker_labeled_containers(struct docker *d, const char *const *labels,
			      struct docker_container ***out, size_t *n)
{
	json_t *f = json_object(), *arr = json_array(), *list = NULL;
	struct strbuf enc = STRBUF_INIT;
	struct docker_container **v = NULL;
	struct strlist ids = STRLIST_INIT;
	char *s, *path;
	size_t i, count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	for (i = 0; labels[i]; i++)
		json_array_append_new(arr, json_string(labels[i]));
	json_object_set_new(f, "label", arr);
	s = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	if (!s) {
		fputs("dockreset: error: out of memory\n", stderr);
		exit(1);
	}
	url_encode(&enc, s);
	free(s);
	path = xasprintf("/containers/json?all=1&filters=%s", enc.buf);
	strbuf_release(&enc);
	rc = docker_get_json(d, path, 1, &list, NULL);
	if (rc == DOCKER_ENOTFOUND) {
		ui_error("the docker daemon has no '/containers/json'");
		rc = DOCKER_EAPI;
	}
	if (rc)
		goto out;
	docker_answer_list_ids(list, &ids);
	v = xcalloc(ids.n + 1, sizeof(*v));
	for (i = 0; i < ids.n; i++) {
		rc = docker_inspect_q(d, ids.v[i], &v[count], 1);
		if (rc == DOCKER_ENOTFOUND) /* removed since the listing */
			continue;
		if (rc)
			goto out;
		count++;
	}
	qsort(v, count, sizeof(*v), container_cmp);
	*out = v;
	*n = count;
	v = NULL;
	rc = 0;
out:
	docker_containers_free(v, count);
	strlist_clear(&ids);
	json_decref(list);
	free(path);
	return rc;
}

int docker_service_containers(struct docker *d, const char *project, const char *service,
			      struct docker_container ***out, size_t *n)
{
	char *p = xasprintf("com.docker.compose.project=%s", project);
	char *s = xasprintf("com.docker.compose.service=%s", service);
	const char *labels[] = { p, s, "com.docker.compose.oneoff=False", NULL };
	int rc = docker_labeled_containers(d, labels, out, n);

	free(p);
	free(s);
	return rc;
}

const char *docker_env_get(const struct docker_container *c, const char *name)
{
	json_t *env = json_object_get(json_object_get(c->inspect, "Config"), "Env");
	size_t i, len = strlen(name);
	json_t *item;

	if (!json_is_array(env))
		return NULL;
	json_array_foreach(env, i, item)
	{
		const char *kv = json_string_value(item);

		if (kv && !strncmp(kv, name, len) && kv[len] == '=')
			return kv + len + 1;
	}
	return NULL;
}

const char *docker_label_get(const struct docker_container *c, const char *name)
{
	json_t *labels = json_object_get(json_object_get(c->inspect, "Config"), "Labels");

	return json_string_value(json_object_get(labels, name));
}

int docker_published_port(const struct docker_container *c, const char *port, char **host,
			  char **host_port)
{
	json_t *ports = json_object_get(json_object_get(c->inspect, "NetworkSettings"), "Ports");
	json_t *list = json_object_get(ports, port);
	json_t *item, *best = NULL;
	const char *ip, *hp;
	size_t i;

	*host = NULL;
	*host_port = NULL;
	json_array_foreach(list, i, item)
	{
		hp = json_string_value(json_object_get(item, "HostPort"));
		ip = json_string_value(json_object_get(item, "HostIp"));
		if (!hp || !*hp)
			continue;
		if (!best)
			best = item;
		if (!ip || !strchr(ip, ':')) { /* IPv4 first */
			best = item;
			break;
		}
	}
	if (!best)
		return -1;
	ip = json_string_value(json_object_get(best, "HostIp"));
	hp = json_string_value(json_object_get(best, "HostPort"));
	if (!ip || !*ip || !strcmp(ip, "0.0.0.0"))
		ip = "127.0.0.1";
	else if (!strcmp(ip, "::"))
		ip = "::1";
	*host = xstrdup(ip);
	*host_port = xstrdup(hp);
	return 0;
}

const char *docker_container_ip(const struct docker_container *c)
{
	json_t *ns = json_object_get(c->inspect, "NetworkSettings");
	json_t *nets = json_object_get(ns, "Networks");
	const char *key, *ip;
	json_t *net;

	json_object_foreach(nets, key, net)
	{
		ip = json_string_value(json_object_get(net, "IPAddress"));
		if (ip && *ip)
			return ip;
	}
	ip = json_string_value(json_object_get(ns, "IPAddress"));
	return ip && *ip ? ip : NULL;
}

/* ---- start, stop, restart, wait ------------------------------------- */

static int docker_action(struct docker *d, const char *id, const char *action, int timeout_s)
{
	struct docker_resp r;
	char *path;
	long http_timeout = DOCKER_REQUEST_S;
	int rc;

	if (timeout_s >= 0) {
		char *rest = xasprintf("%s?t=%d", action, timeout_s);
		rc = docker_container_path(&path, id, rest);
		free(rest);
		/* The daemon answers only after up to t seconds of waiting. */
		http_timeout += timeout_s;
	} else {
		rc = docker_container_path(&path, id, action);
	}
	if (rc)
		return rc;
	rc = docker_request(d, "POST", path, 1, NULL, http_timeout, &r);
	if (rc)
		goto out;
	switch (r.status) {
	case 204:
	case 304: /* already started or stopped */
		break;
	case 404:
		ui_error("cannot %s container '%s': no such container", action, id);
		rc = DOCKER_ENOTFOUND;
		break;
	default:
		docker_api_error("POST", path, &r);
		rc = DOCKER_EAPI;
		break;
	}
	strbuf_release(&r.body);
out:
	free(path);
	return rc;
}

int docker_start(struct docker *d, const char *id)
{
	return docker_action(d, id, "start", -1);
}

int docker_stop(struct docker *d, const char *id, int timeout_s)
{
	return docker_action(d, id, "stop", timeout_s < 0 ? 10 : timeout_s);
}

int docker_restart(struct docker *d, const char *id, int timeout_s)
{
	return docker_action(d, id, "restart", timeout_s < 0 ? 10 : timeout_s);
}

const char *docker_probe_output(const struct docker_container *c, int *len)
{
	json_t *log =
	    json_object_get(json_object_get(json_object_get(c->inspect, "State"), "Health"), "Log");
	size_t n = json_array_size(log);
	const char *s;
	size_t l;

	if (!n)
		return NULL;
	s = json_string_value(json_object_get(json_array_get(log, n - 1), "Output"));
	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	l = strcspn(s, "\r\n");
	if (l > 200)
		l = 200;
	*len = (int)l;
	return l ? s : NULL;
}

int docker_container_exit(const struct docker_container *c, int *code)
{
	json_t *v = json_object_get(json_object_get(c->inspect, "State"), "ExitCode");
	json_int_t n = json_integer_value(v);

	if (c->running || !strcmp(c->status, "created") || !json_is_integer(v) || n < INT_MIN ||
	    n > INT_MAX)
		return 0;
	*code = (int)n;
	return 1;
}

/* The one way a paused container is reported. */
static void report_paused(const struct docker_container *c, const char *what)
{
	ui_error("container '%s' is paused%s%s", c->name, what ? ": " : "", what ? what : "");
	ui_hint("docker unpause %s", c->name);
}

int docker_report_paused(struct docker *d, const char *id, const char *what)
{
	struct docker_container *c = NULL;
	int rc;

	if (docker_inspect_q(d, id, &c, 1) < 0)
		return -1;
	rc = !strcmp(c->status, "paused");
	if (rc)
		report_paused(c, what);
	docker_container_free(c);
	return rc;
}

int docker_wait_healthy(struct docker *d, const char *id, int timeout_s,
			const volatile sig_atomic_t *cancel)
{
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	struct docker_container *c = NULL;
	int rc, len = 0;
	const char *probe;

	for (;;) {
		rc = docker_inspect(d, id, &c);
		if (rc)
			return rc;
		if (!strcmp(c->status, "paused")) {
			report_paused(c, NULL);
			rc = DOCKER_ENOTRUNNING;
			goto out;
		}
		if (!strcmp(c->status, "exited") || !strcmp(c->status, "dead")) {
			ui_error("container '%s' is '%s'", c->name, c->status);
			ui_hint("see its logs: docker logs %s", c->name);
			rc = DOCKER_ENOTRUNNING;
			goto out;
		}
		if (c->running && (!c->health || !strcmp(c->health, "healthy"))) {
			rc = 0;
			goto out;
		}
		if (now_ms() >= deadline)
			break;
		docker_container_free(c);
		c = NULL;
		if (cancel && *cancel)
			return DOCKER_EABORTED;
		/* the flag is seen within one poll interval */
		sleep_ms(DOCKER_HEALTH_POLL_MS);
		if (cancel && *cancel)
			return DOCKER_EABORTED;
	}
	ui_error("container '%s' is still '%s' after %d s", c->name,
		 c->running && c->health ? c->health : c->status, timeout_s);
	probe = docker_probe_output(c, &len);
	if (probe)
		ui_hint("last health check said: %.*s", len, probe);
	rc = DOCKER_ETIMEOUT;
out:
	docker_container_free(c);
	return rc;
}

/* ---- exec ----------------------------------------------------------- */

static int docker_exec_create(struct docker *d, const char *cid, const struct docker_exec_opts *o,
			      char **exec_id)
{
	json_t *req, *cmd, *env, *j = NULL;
	struct docker_resp r;
	char *path, *body;
	const char *id;
	int rc;

	*exec_id = NULL;
	rc = docker_container_path(&path, cid, "exec");
	if (rc)
		return rc;
	req = json_object();
	cmd = json_array();
	env = json_array();
	for (const char *const *a = o->argv; *a; a++)
		json_array_append_new(cmd, json_string(*a));
	for (const char *const *e = o->env; e && *e; e++)
		json_array_append_new(env, json_string(*e));
	json_object_set_new(req, "AttachStdin", json_boolean(o->in != NULL));
	json_object_set_new(req, "AttachStdout", json_true());
	json_object_set_new(req, "AttachStderr", json_true());
	json_object_set_new(req, "Tty", json_false());
	json_object_set_new(req, "Cmd", cmd);
	json_object_set_new(req, "Env", env);
	if (o->user)
		json_object_set_new(req, "User", json_string(o->user));
	if (o->workdir)
		json_object_set_new(req, "WorkingDir", json_string(o->workdir));
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!body) {
		ui_error("cannot encode the exec request for '%s'", o->argv[0]);
		rc = DOCKER_EAPI;
		goto out_path;
	}
	rc = docker_request(d, "POST", path, 1, body, DOCKER_REQUEST_S, &r);
	free_secret(body);
	if (rc)
		goto out_path;
	switch (r.status) {
	case 201:
		break;
	case 404:
		ui_error("cannot run '%s': no such container '%s'", o->argv[0], cid);
		rc = DOCKER_ENOTFOUND;
		goto out;
	case 409: {
		char *msg = docker_resp_message(strbuf_str(&r.body), r.body.len);

		ui_error("cannot run '%s' in container '%s': %s", o->argv[0], cid, msg);
		free(msg);
		docker_report_paused(d, cid, NULL);
		rc = DOCKER_ENOTRUNNING;
		goto out;
	}
	default:
		docker_api_error("POST", path, &r);
		rc = DOCKER_EAPI;
		goto out;
	}
	rc = docker_parse(&j, &r, "POST", path, 0);
	if (rc)
		goto out;
	id = docker_answer_id(j);
	if (!id) {
		ui_error("the docker daemon's exec answer has no 'Id'");
		rc = DOCKER_EAPI;
		goto out;
	}
	*exec_id = xstrdup(id);
out:
	json_decref(j);
	strbuf_release(&r.body);
out_path:
	free(path);
	return rc;
}

/* State of an exec's output while curl delivers it. */
struct exec_stream {
	struct docker *d;
	struct demux dm;
	long status;
	struct strbuf err; /* the body of an error answer */
};

static size_t exec_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct exec_stream *s = ud;
	size_t n = size * nmemb;

	if (!s->status)
		curl_easy_getinfo(s->d->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (docker_exec_take(&s->dm, &s->err, s->status, ptr, n) < 0)
		return CURL_WRITEFUNC_ERROR;
	return n;
}

/* Maps a non-stream answer to exec start into a docker_err, reporting it. */
static int exec_start_error(struct docker *d, const char *cmd, const char *cid, long status,
			    const char *body, size_t len)
{
	char *msg = docker_resp_message(body, len);
	int rc;

	switch (status) {
	case 404:
		ui_error("cannot start '%s' in container '%s': %s", cmd, cid, msg);
		rc = DOCKER_ENOTFOUND;
		break;
	case 409:
		ui_error("cannot start '%s' in container '%s': %s", cmd, cid, msg);
		docker_report_paused(d, cid, NULL);
		rc = DOCKER_ENOTRUNNING;
		break;
	default:
		ui_error("docker API error on starting '%s' in container '%s' (HTTP %ld): %s", cmd,
			 cid, status, msg);
		rc = DOCKER_EAPI;
		break;
	}
	free(msg);
	return rc;
}

static const char exec_start_body[] = "{\"Detach\":false,\"Tty\":false}";

/* What ends an exec's stream early: o->cancel, or silence. */
struct exec_watch {
	const volatile sig_atomic_t *cancel; /* or NULL */
	long long idle_ms, last_ms;	     /* last_ms: when a byte last moved */
	curl_off_t dl, ul;
	int timed_out;
};

static void exec_watch_init(struct exec_watch *w, const volatile sig_atomic_t *cancel)
{
	memset(w, 0, sizeof(*w));
	w->cancel = cancel;
	w->idle_ms = (long long)sig_idle_timeout_s() * 1000;
	w->last_ms = now_ms();
}

/* curl calls this about once a second even while nothing arrives. */
static int exec_progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			    curl_off_t ulnow)
{
	struct exec_watch *w = ud;
	long long t = now_ms();

	(void)dltotal;
	(void)ultotal;
	if (w->cancel && *w->cancel)
		return 1;
	if (dlnow != w->dl || ulnow != w->ul) {
		w->dl = dlnow;
		w->ul = ulnow;
		w->last_ms = t;
	} else if (t - w->last_ms >= w->idle_ms) {
		w->timed_out = 1;
		return 1;
	}
	return 0;
}

/* Reports an exec that stopped moving: the container may be paused. */
static int exec_idle_error(struct docker *d, const char *cmd, const char *cid, int with_input)
{
	ui_error("'%s' in container '%s' %s for %d s", cmd, cid,
		 with_input ? "neither took input nor sent output" : "sent nothing",
		 sig_idle_timeout_s());
	if (docker_report_paused(d, cid, NULL) <= 0)
		ui_hint("DOCKRESET_IDLE_TIMEOUT sets how long dockreset waits (now %d s)",
			sig_idle_timeout_s());
	return DOCKER_ETIMEOUT;
}

/* Output only: a normal request whose body is the stream. */
static int docker_exec_stream(struct docker *d, const char *cid, const char *exec_id,
			      const struct docker_exec_opts *o, struct demux *dm)
{
	struct exec_stream s = { .d = d, .err = STRBUF_INIT };
	struct exec_watch w;
	struct curl_slist *hdrs = NULL;
	char *path = xasprintf("/exec/%s/start", exec_id);
	CURLcode cc;
	int rc = 0;

	s.dm = *dm;
	/* no time limit: a dump takes what it takes; silence is the limit */
	docker_setup(d, "POST", path, 1, 0L);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(exec_start_body));
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, exec_start_body);
	curl_easy_setopt(d->curl, CURLOPT_BUFFERSIZE, DOCKER_STREAM_BUF);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, exec_write_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &s);
	exec_watch_init(&w, o->cancel);
	curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION, exec_progress_cb);
	curl_easy_setopt(d->curl, CURLOPT_XFERINFODATA, &w);
	curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	cc = curl_easy_perform(d->curl);
	*dm = s.dm;
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		if (w.timed_out)
			rc = exec_idle_error(d, o->argv[0], cid, 0);
		else
			rc = DOCKER_EABORTED; /* o->cancel */
		goto out;
	}
	if (s.status == 0)
		curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &s.status);
	if (cc == CURLE_WRITE_ERROR && dm->failed == DEMUX_ABORTED) {
		rc = DOCKER_EABORTED; /* the receiver says why */
		goto out;
	}
	if (cc == CURLE_WRITE_ERROR && dm->failed) {
		ui_error("the output of '%s' in container '%s' is not a valid exec stream: %s",
			 o->argv[0], cid, demux_strerror(dm->failed));
		rc = DOCKER_ESTREAM;
		goto out;
	}
	if (cc != CURLE_OK) {
		if (cc == CURLE_COULDNT_CONNECT) {
			rc = docker_transport_error(d, d->curl, cc, d->errbuf, "exec start");
			goto out;
		}
		ui_error("lost the connection to the docker daemon at '%s' while '%s' ran: %s",
			 d->endpoint, o->argv[0], *d->errbuf ? d->errbuf : curl_easy_strerror(cc));
		rc = DOCKER_ESTREAM;
		goto out;
	}
	if (s.status != 200 && s.status != 101)
		rc = exec_start_error(d, o->argv[0], cid, s.status, strbuf_str(&s.err), s.err.len);
out:
	curl_slist_free_all(hdrs);
	strbuf_release(&s.err);
	free(path);
	return rc;
}

/*
 * Waits for fd to be ready for events; 0 when ready, -1 on timeout or
 * error, -2 as soon as *cancel (may be NULL) is set.
 */
static int wait_fd(int fd, short events, int timeout_ms, const volatile sig_atomic_t *cancel)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int r;

		if (cancel && *cancel)
			return -2;
		if (left <= 0)
			return -1;
		r = poll(&p, 1, left < DOCKER_CANCEL_POLL_MS ? (int)left : DOCKER_CANCEL_POLL_MS);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Sends all of buf over the connect-only handle h (the request, small). */
static CURLcode hijack_send_all(CURL *h, int fd, const char *buf, size_t len,
				const volatile sig_atomic_t *cancel)
{
	while (len) {
		size_t n = 0;
		CURLcode cc = curl_easy_send(h, buf, len, &n);

		if (cc == CURLE_AGAIN) {
			int w = wait_fd(fd, POLLOUT, DOCKER_REQUEST_S * 1000, cancel);

			if (w == -2)
				return CURLE_ABORTED_BY_CALLBACK;
			if (w < 0)
				return CURLE_OPERATION_TIMEDOUT;
			continue;
		}
		if (cc != CURLE_OK)
			return cc;
		buf += n;
		len -= n;
	}
	return CURLE_OK;
}

/*
 * One read over h: >0 bytes, 0 at the end of the stream, -2 when nothing is
 * there yet, -1 on an error (with *cc).
 */
static long hijack_recv(CURL *h, char *buf, size_t cap, CURLcode *cc)
{
	size_t n = 0;
	long oserr = 0;

	*cc = curl_easy_recv(h, buf, cap, &n);
	if (*cc == CURLE_OK)
		return (long)n;
	if (*cc == CURLE_AGAIN)
		return -2;
	/*
	 * A Unix socket whose peer closes with our bytes still unread reports
	 * ECONNRESET once, after every byte the peer sent: that is an end of
	 * stream (the process stopped reading its input), not lost output. The
	 * exit code read afterwards tells whether the daemon is still there.
	 */
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	if (oserr == ECONNRESET)
		return 0;
	return -1;
}

/*
 * Stdin attached: hijacks a second connection, writes o->in's bytes raw
 * while reading frames, half-closes at the end of input and reads to the
 * end of the stream.
 */
static int docker_exec_hijack(struct docker *d, const char *cid, const char *exec_id,
			      const struct docker_exec_opts *o, struct demux *dm)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct strbuf req = STRBUF_INIT;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct docker_hijack_head head;
	char *rbuf = NULL, *wbuf = NULL;
	size_t got = 0, hlen, wlen = 0, woff = 0;
	int rd_eof = 0, wr_done = 0, in_eof = 0, sig_saved = 0;
	long long idle_ms = (long long)sig_idle_timeout_s() * 1000, last_ms;
	curl_socket_t fd = CURL_SOCKET_BAD;
	long status = 0, n;
	CURLcode cc;
	CURL *h;
	int rc = 0, r;

	h = curl_easy_init();
	if (!h) {
		ui_error("cannot initialise libcurl");
		return DOCKER_EAPI;
	}
	curl_easy_setopt(h, CURLOPT_URL, "http://docker/");
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, d->sock);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	/* curl_easy_recv reads at most this much per call. */
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)DOCKER_HIJACK_RBUF);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, DOCKER_CONNECT_S);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		rc = docker_transport_error(d, h, cc, errbuf, "exec start");
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD) {
		ui_error("cannot get the socket of the connection to '%s'", d->endpoint);
		rc = DOCKER_EAPI;
		goto out;
	}

	/* Writing to a peer that has gone must give EPIPE, not kill us. */
	if (sigaction(SIGPIPE, &ign, &old) == 0)
		sig_saved = 1;

	strbuf_addf(&req,
		    "POST /v%s/exec/%s/start HTTP/1.1\r\n"
		    "Host: docker\r\n"
		    "User-Agent: dockreset/" DOCKRESET_VERSION "\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n"
		    "Connection: Upgrade\r\n"
		    "Upgrade: tcp\r\n"
		    "\r\n%s",
		    d->api, exec_id, strlen(exec_start_body), exec_start_body);
	cc = hijack_send_all(h, fd, req.buf, req.len, o->cancel);
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		rc = DOCKER_EABORTED;
		goto out;
	}
	if (cc != CURLE_OK) {
		ui_error("lost the connection to the docker daemon at '%s' while starting '%s': %s",
			 d->endpoint, o->argv[0], *errbuf ? errbuf : curl_easy_strerror(cc));
		rc = DOCKER_ESTREAM;
		goto out;
	}

	/* The response headers; what follows the blank line is stream data. */
	rbuf = xmalloc(DOCKER_HIJACK_RBUF);
	for (;;) {
		if (got >= DOCKER_HIJACK_HDR) {
			ui_error("the docker daemon's answer to exec start is too long");
			rc = DOCKER_EAPI;
			goto out;
		}
		n = hijack_recv(h, rbuf + got, DOCKER_HIJACK_HDR - got, &cc);
		if (n == -2) {
			int w = wait_fd(fd, POLLIN, DOCKER_REQUEST_S * 1000, o->cancel);

			if (w == -2) {
				rc = DOCKER_EABORTED;
				goto out;
			}
			if (w < 0) {
				ui_error(
				    "the docker daemon at '%s' did not answer exec start in time",
				    d->endpoint);
				rc = DOCKER_EAPI;
				goto out;
			}
			continue;
		}
		if (n <= 0) {
			ui_error("lost the connection to the docker daemon at '%s' while starting "
				 "'%s': %s",
				 d->endpoint, o->argv[0],
				 n == 0 ? "connection closed"
					: (*errbuf ? errbuf : curl_easy_strerror(cc)));
			rc = DOCKER_ESTREAM;
			goto out;
		}
		got += (size_t)n;
		if (docker_hijack_head(&head, rbuf, got, DOCKER_HIJACK_HDR, DOCKER_HIJACK_RBUF) ==
		    0)
			break;
	}
	hlen = head.hlen;
	status = head.status;
	if (status < 100) {
		ui_error("unexpected answer from the docker daemon to exec start");
		rc = DOCKER_EAPI;
		goto out;
	}
	if (status != 101 && status != 200) {
		/* An error answer with a JSON body: read it, within limits, never
		 * more than got. */
		size_t want = head.body_want;

		while (got - hlen < want) {
			n = hijack_recv(h, rbuf + got, hlen + want - got, &cc);
			if (n == -2 && wait_fd(fd, POLLIN, 10000, o->cancel) == 0)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		rc = exec_start_error(d, o->argv[0], cid, status, rbuf + hlen,
				      got - hlen < want ? got - hlen : want);
		goto out;
	}
	if (got > hlen && demux_feed(dm, rbuf + hlen, got - hlen) != DEMUX_OK)
		goto stream_failed;

	wbuf = xmalloc(DOCKER_HIJACK_WBUF);
	last_ms = now_ms();
	while (!rd_eof) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (!wr_done && woff == wlen && !in_eof) {
			n = o->in(o->in_ctx, wbuf, DOCKER_HIJACK_WBUF);
			if (n < 0) {
				rc = DOCKER_EABORTED; /* the input source says why */
				goto out;
			}
			if (n == 0)
				in_eof = 1;
			wlen = (size_t)n;
			woff = 0;
		}
		if (!wr_done && in_eof && woff == wlen) {
			/* Without the half-close the process never sees EOF. */
			shutdown(fd, SHUT_WR);
			wr_done = 1;
		}
		if (!wr_done)
			p.events |= POLLOUT;
		if (o->cancel && *o->cancel) {
			rc = DOCKER_EABORTED;
			goto out;
		}
		if (now_ms() - last_ms >= idle_ms) {
			rc = exec_idle_error(d, o->argv[0], cid, 1);
			goto out;
		}
		/* wakes to look at o->cancel and the silence */
		r = poll(&p, 1, DOCKER_CANCEL_POLL_MS);
		if (r == 0)
			continue;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ui_error("poll on the docker connection failed: %s", strerror(errno));
			rc = DOCKER_ESTREAM;
			goto out;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			/* A few reads per turn, so that input keeps moving too. */
			for (int i = 0; i < 4; i++) {
				n = hijack_recv(h, rbuf, DOCKER_HIJACK_RBUF, &cc);
				if (n == -2)
					break;
				if (n == 0) {
					rd_eof = 1;
					break;
				}
				if (n < 0) {
					ui_error("lost the connection to the docker daemon at '%s' "
						 "while '%s' ran: %s",
						 d->endpoint, o->argv[0],
						 *errbuf ? errbuf : curl_easy_strerror(cc));
					rc = DOCKER_ESTREAM;
					goto out;
				}
				last_ms = now_ms();
				if (demux_feed(dm, rbuf, (size_t)n) != DEMUX_OK)
					goto stream_failed;
			}
		}
		if (!rd_eof && !wr_done && woff < wlen &&
		    (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
			size_t sent = 0;

			cc = curl_easy_send(h, wbuf + woff, wlen - woff, &sent);
			if (cc == CURLE_OK && sent) {
				woff += sent;
				last_ms = now_ms();
			} else if (cc != CURLE_AGAIN)
				wr_done = 1; /* the process no longer takes input */
		}
	}
	goto out;

stream_failed:
	if (dm->failed == DEMUX_ABORTED) {
		rc = DOCKER_EABORTED;
	} else {
		ui_error("the output of '%s' in container '%s' is not a valid exec stream: %s",
			 o->argv[0], cid, demux_strerror(dm->failed));
		rc = DOCKER_ESTREAM;
	}
out:
	if (sig_saved)
		sigaction(SIGPIPE, &old, NULL);
	free(wbuf);
	free(rbuf);
	strbuf_release(&req);
	if (rc == DOCKER_EABORTED) {
		docker_unpark(d);
		d->parked = h;
	} else {
		curl_easy_cleanup(h);
	}
	return rc;
}

/* Reads the exit code once the process is done; polls while it is not. */
static int docker_exec_exit_code(struct docker *d, const char *cid, const char *exec_id,
				 const char *cmd, int *exit_code)
{
	char *path = xasprintf("/exec/%s/json", exec_id);
	long long deadline = now_ms() + DOCKER_EXIT_WAIT_MS;
	json_t *j = NULL;
	int rc, answered;

	for (;;) {
		rc = docker_get_json(d, path, 0, &j, &answered);
		if (rc == DOCKER_EABORTED)
			break; /* a signal: the caller ends the process */
		if (rc == DOCKER_ENOTFOUND) {
			ui_error("the docker daemon forgot the exec of '%s' in container '%s'", cmd,
				 cid);
			rc = DOCKER_EAPI;
			break;
		}
		if (rc && answered)
			break;
		if (rc) {
			/* The daemon went away with the stream: the outcome is unknown. */
			ui_hint("the exit code of '%s' is unknown", cmd);
			rc = DOCKER_ESTREAM;
			break;
		}
		if (docker_answer_exec_exit(j, exit_code))
			break;
		json_decref(j);
		j = NULL;
		if (now_ms() >= deadline) {
			ui_error(
			    "'%s' in container '%s' has no exit code although its output ended",
			    cmd, cid);
			ui_hint("it may still be running in the container");
			rc = DOCKER_EAPI;
			break;
		}
		sleep_ms(DOCKER_EXIT_POLL_MS);
	}
	json_decref(j);
	free(path);
	return rc;
}

int docker_exec(struct docker *d, const char *container_id, const struct docker_exec_opts *o,
		int *exit_code)
{
	struct demux dm;
	char *exec_id = NULL;
	int rc;

	*exit_code = -1;
	if (o->cancel && *o->cancel)
		return DOCKER_EABORTED;
	if (!o->argv || !o->argv[0]) {
		ui_error("no command to run in container '%s'", container_id);
		return DOCKER_EAPI;
	}
	docker_unpark(d);
	rc = docker_exec_create(d, container_id, o, &exec_id);
	if (rc)
		return rc;
	demux_init(&dm, o->out, o->out_ctx);
	if (o->in)
		rc = docker_exec_hijack(d, container_id, exec_id, o, &dm);
	else
		rc = docker_exec_stream(d, container_id, exec_id, o, &dm);
	if (rc)
		goto out;
	if (demux_finish(&dm) != DEMUX_OK) {
		ui_error("the output of '%s' in container '%s' was cut short: %s", o->argv[0],
			 container_id, demux_strerror(demux_finish(&dm)));
		rc = DOCKER_ESTREAM;
		goto out;
	}
	rc = docker_exec_exit_code(d, container_id, exec_id, o->argv[0], exit_code);
out:
	free(exec_id);
	return rc;
}

/* ---- one-off containers (docker compose run --rm) ------------------- */

#define ONEOFF_LINE_MAX	    4096 /* a longer line is shown in pieces */
#define ONEOFF_TAIL	    20	 /* lines shown under -q when it fails */
#define ONEOFF_EXIT_WAIT_MS 10000
#define ONEOFF_SECRET_MIN   4 /* shorter env values ("1", "on") are no secrets */

/* Copies key of from into to when present and not null. */
static void copy_key(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v && !json_is_null(v))
		json_object_set(to, key, v);
}

/* 1 when alias is the container's own name or a prefix of its id. */
static int own_alias(const char *alias, const char *name, const char *id)
{
	size_t n = strlen(alias);

	if (name && !strcmp(alias, name))
		return 1;
	return id && n >= 12 && !strncmp(alias, id, n);
}

static json_t *oneoff_aliases(const json_t *endpoint, const char *name, const char *id)
{
	json_t *out = json_array(), *a;
	size_t i;

	json_array_foreach(json_object_get(endpoint, "Aliases"), i, a)
	{
		const char *s = json_string_value(a);
		if (s && *s && !own_alias(s, name, id))
			json_array_append_new(out, json_string(s));
	}
	return out;
}

/* The environment of the model container, with env's variables replacing. */
static json_t *oneoff_env(const json_t *config, const char *const *env)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(config, "Env"), i, e)
	{
		const char *s = json_string_value(e);
		size_t klen;
		int replaced = 0;

		if (!s)
			continue;
		klen = strcspn(s, "=");
		for (const char *const *x = env; x && *x; x++)
			if (strcspn(*x, "=") == klen && !strncmp(*x, s, klen))
				replaced = 1;
		if (!replaced)
			json_array_append_new(out, json_string(s));
	}
	for (const char *const *x = env; x && *x; x++)
		json_array_append_new(out, json_string(*x));
	return out;
}

json_t *docker_oneoff_body(const json_t *inspect, const struct docker_oneoff_opts *o, char **first,
			   json_t **more)
{
	static const char *const host_keys[] = {
		"Binds",       "Mounts",    "Tmpfs",	  "VolumesFrom",    "ExtraHosts",
		"Dns",	       "DnsSearch", "DnsOptions", "CapAdd",	    "CapDrop",
		"SecurityOpt", "Init",	    "Privileged", "ReadonlyRootfs", "ShmSize",
		"GroupAdd",    "Devices",   "Sysctls",	  "Ulimits",	    NULL
	};
	const json_t *config = json_object_get(inspect, "Config");
	const json_t *hc = json_object_get(inspect, "HostConfig");
	const json_t *nets =
	    json_object_get(json_object_get(inspect, "NetworkSettings"), "Networks");
	const char *image = json_string_value(json_object_get(config, "Image"));
	const char *id = json_string_value(json_object_get(inspect, "Id"));
	const char *name = json_string_value(json_object_get(inspect, "Name"));
	const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
	json_t *body, *cmd, *host, *labels, *endpoints, *ep;
	const char *key;
	json_t *net;

	*first = NULL;
	*more = NULL;
	if (!image || !*image)
		return NULL;
	if (name && *name == '/')
		name++;
	body = json_object();
	cmd = json_array();
	host = json_object();
	labels = json_object();
	for (const char *const *a = o->argv; a && *a; a++)
		json_array_append_new(cmd, json_string(*a));
	json_object_set_new(body, "Image", json_string(image));
	json_object_set_new(body, "Cmd", cmd);
	copy_key(body, config, "Entrypoint");
	json_object_set_new(body, "Env", oneoff_env(config, o->env));
	copy_key(body, config, "WorkingDir");
	copy_key(body, config, "User");
	json_object_set_new(body, "Tty", json_false());
	json_object_set_new(body, "OpenStdin", json_false());
	json_object_set_new(body, "AttachStdin", json_false());
	json_object_set_new(body, "AttachStdout", json_true());
	json_object_set_new(body, "AttachStderr", json_true());
	json_object_set_new(labels, "com.docker.compose.project",
			    json_string(o->project ? o->project : ""));
	json_object_set_new(labels, "com.docker.compose.service",
			    json_string(o->service ? o->service : ""));
	json_object_set_new(labels, "com.docker.compose.oneoff", json_string("True"));
	json_object_set_new(body, "Labels", labels);
	for (const char *const *k = host_keys; *k; k++)
		copy_key(host, hc, *k);
	json_object_set_new(host, "AutoRemove", json_false());

	*more = json_array();
	if (mode &&
	    (!strcmp(mode, "host") || !strcmp(mode, "none") || !strncmp(mode, "container:", 10))) {
		json_object_set_new(host, "NetworkMode", json_string(mode));
		json_object_set_new(body, "HostConfig", host);
		return body;
	}
	/* the network of NetworkMode first when the container is on it */
	if (mode && json_object_get(nets, mode))
		*first = xstrdup(mode);
	json_object_foreach((json_t *)nets, key, net)
	{
		if (!*first)
			*first = xstrdup(key);
		else if (strcmp(key, *first))
			json_array_append_new(*more, json_pack("{s:s, s:o}", "name", key, "aliases",
							       oneoff_aliases(net, name, id)));
	}
	if (*first) {
		json_object_set_new(host, "NetworkMode", json_string(*first));
		endpoints = json_object();
		ep = json_pack("{s:o}", "Aliases",
			       oneoff_aliases(json_object_get(nets, *first), name, id));
		json_object_set_new(endpoints, *first, ep);
		json_object_set_new(body, "NetworkingConfig",
				    json_pack("{s:o}", "EndpointsConfig", endpoints));
	}
	json_object_set_new(body, "HostConfig", host);
	return body;
}

/* The model container: a running one of the service, else any. */
static int oneoff_model(struct docker *d, const struct docker_oneoff_opts *o,
			struct docker_container **out)
{
	struct docker_container **v = NULL;
	size_t n = 0, pick = 0;
	int rc;

	*out = NULL;
	if (o->container)
		return docker_inspect(d, o->container, out);
	rc = docker_service_containers(d, o->project, o->service, &v, &n);
	if (rc)
		return rc;
	if (!n) {
		ui_error("service '%s' of project '%s' has no container to make the one-off "
			 "container of '%s' from",
			 o->service, o->project, o->label);
		ui_hint("create it first: docker compose create %s", o->service);
		docker_containers_free(v, n);
		return DOCKER_ENOTFOUND;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i]->running) {
			pick = i;
			break;
		}
	*out = v[pick];
	v[pick] = NULL;
	docker_containers_free(v, n);
	return 0;
}

/* A POST with a JSON body (or none); the answer's status in *status. */
static int oneoff_post(struct docker *d, const char *path, const char *body, long *status,
		       struct docker_resp *r)
{
	int rc = docker_request(d, "POST", path, 1, body, DOCKER_REQUEST_S, r);

	*status = rc ? 0 : r->status;
	return rc;
}

static int oneoff_create(struct docker *d, const struct docker_oneoff_opts *o, json_t *body,
			 char **id)
{
	struct docker_resp r;
	json_t *j = NULL;
	char *text = json_dumps(body, JSON_COMPACT), *path, *msg;
	unsigned int rnd = (unsigned int)getpid() ^ (unsigned int)now_ms();
	long status;
	int rc;

	*id = NULL;
	path = xasprintf("/containers/create?name=%s-%s-run-%06x",
			 o->project && *o->project ? o->project : "dockreset",
			 o->service && *o->service ? o->service : "oneoff", rnd & 0xffffff);
	rc = oneoff_post(d, path, text, &status, &r);
	free_secret(text);
	if (rc)
		goto out;
	if (status != 201) {
		msg = docker_resp_message(strbuf_str(&r.body), r.body.len);
		ui_error("cannot create the one-off container of '%s' (service '%s'): %s", o->label,
			 o->service, msg);
		free(msg);
		rc = status == 404 ? DOCKER_ENOTFOUND : DOCKER_EAPI;
		goto out;
	}
	rc = docker_parse(&j, &r, "POST", "/containers/create", 0);
	if (rc)
		goto out;
	if (!docker_answer_id(j)) {
		ui_error("the docker daemon's create answer has no 'Id'");
		rc = DOCKER_EAPI;
		goto out;
	}
	*id = xstrdup(docker_answer_id(j));
out:
	json_decref(j);
	strbuf_release(&r.body);
	free(path);
	return rc;
}

static int oneoff_connect(struct docker *d, const char *id, const json_t *net)
{
	struct strbuf path = STRBUF_INIT;
	struct docker_resp r;
	json_t *req = json_pack("{s:s, s:{s:O}}", "Container", id, "EndpointConfig", "Aliases",
				json_object_get(net, "aliases"));
	char *body = json_dumps(req, JSON_COMPACT), *msg;
	long status;
	int rc;

	strbuf_addstr(&path, "/networks/");
	url_encode(&path, json_string_value(json_object_get(net, "name")));
	strbuf_addstr(&path, "/connect");
	rc = oneoff_post(d, path.buf, body, &status, &r);
	if (rc == 0 && status != 200) {
		msg = docker_resp_message(strbuf_str(&r.body), r.body.len);
		ui_error("cannot connect the one-off container to network '%s': %s",
			 json_string_value(json_object_get(net, "name")), msg);
		free(msg);
		rc = DOCKER_EAPI;
	}
	strbuf_release(&r.body);
	json_decref(req);
	free(body);
	strbuf_release(&path);
	return rc;
}

/* Forced removal, anonymous volumes too; a signal pending does not stop it. */
static int oneoff_remove(struct docker *d, const char *id)
{
	char *path = xasprintf("/containers/%s?force=1&v=1", id);
	struct docker_resp r;
	int rc = docker_request(d, "DELETE", path, 1, NULL, DOCKER_REQUEST_S, &r);

	if (rc == DOCKER_EABORTED)
		/* a signal came during the removal itself: once more, unhurried */
		rc = docker_request(d, "DELETE", path, 1, NULL, DOCKER_REQUEST_S, &r);
	if (rc == 0) {
		if (r.status != 204 && r.status != 404) {
			docker_api_error("DELETE", path, &r);
			ui_hint("remove it by hand: docker rm -f %.12s", id);
			rc = DOCKER_EAPI;
		}
		strbuf_release(&r.body);
	}
	free(path);
	return rc;
}

/*
 * The output, a line at a time per stream, each "LABEL | line" on stderr.
 * With -q the last ONEOFF_TAIL lines are kept instead, and shown only when
 * the one-off fails.
 */
struct oneoff_lines {
	const char *label;
	struct strbuf buf[3];
	int quiet;
	struct strlist tail;
};

static void oneoff_line(struct oneoff_lines *l, const char *s, size_t n)
{
	char *line = xasprintf("%s |%s%.*s", l->label, n ? " " : "", (int)n, s);

	if (!l->quiet) {
		ui_info("%s", line);
		free(line);
		return;
	}
	if (l->tail.n == ONEOFF_TAIL) {
		free(l->tail.v[0]);
		memmove(l->tail.v, l->tail.v + 1, (ONEOFF_TAIL - 1) * sizeof(*l->tail.v));
		l->tail.n--;
	}
	strlist_push_nodup(&l->tail, line);
}

static void oneoff_flush(struct oneoff_lines *l, int stream)
{
	struct strbuf *b = &l->buf[stream];

	if (!b->len)
		return;
	if (b->buf[b->len - 1] == '\r')
		b->len--;
	oneoff_line(l, strbuf_str(b), b->len);
	strbuf_reset(b);
}

static int oneoff_out(void *ctx, int stream, const char *buf, size_t len)
{
	struct oneoff_lines *l = ctx;

	if (stream < 1 || stream > 2)
		stream = 2;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (!l->buf[stream].len)
				oneoff_line(l, "", 0);
			oneoff_flush(l, stream);
			continue;
		}
		strbuf_addch(&l->buf[stream], buf[i]);
		if (l->buf[stream].len >= ONEOFF_LINE_MAX)
			oneoff_flush(l, stream);
	}
	return 0;
}

/* Follows the container's logs (a demultiplexed stream) until it stops. */
static int oneoff_follow(struct docker *d, const char *id, const struct docker_oneoff_opts *o,
			 struct oneoff_lines *lines)
{
	struct exec_stream s = { .d = d, .err = STRBUF_INIT };
	struct exec_watch w;
	char *path = xasprintf("/containers/%s/logs?follow=1&stdout=1&stderr=1", id);
	CURLcode cc;
	int rc = 0;

	demux_init(&s.dm, oneoff_out, lines);
	docker_setup(d, "GET", path, 1, 0L);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, exec_write_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &s);
	exec_watch_init(&w, o->cancel);
	curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION, exec_progress_cb);
	curl_easy_setopt(d->curl, CURLOPT_XFERINFODATA, &w);
	curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	cc = curl_easy_perform(d->curl);
	if (cc == CURLE_ABORTED_BY_CALLBACK) {
		if (w.timed_out) {
			ui_error("the one-off container of '%s' sent nothing for %d s", o->label,
				 sig_idle_timeout_s());
			ui_hint("DOCKRESET_IDLE_TIMEOUT sets how long dockreset waits (now %d s)",
				sig_idle_timeout_s());
			rc = DOCKER_ETIMEOUT;
		} else {
			rc = DOCKER_EABORTED;
		}
		goto out;
	}
	if (s.status == 0)
		curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &s.status);
	if (cc == CURLE_WRITE_ERROR && s.dm.failed) {
		ui_error("the output of the one-off container of '%s' is not a valid stream: %s",
			 o->label, demux_strerror(s.dm.failed));
		rc = DOCKER_ESTREAM;
		goto out;
	}
	if (cc != CURLE_OK) {
		ui_error("lost the connection to the docker daemon at '%s' while '%s' ran: %s",
			 d->endpoint, o->label, *d->errbuf ? d->errbuf : curl_easy_strerror(cc));
		rc = DOCKER_ESTREAM;
		goto out;
	}
	if (s.status != 200) {
		char *msg = docker_resp_message(strbuf_str(&s.err), s.err.len);
		ui_error("cannot follow the output of the one-off container of '%s' (HTTP %ld): %s",
			 o->label, s.status, msg);
		free(msg);
		rc = DOCKER_EAPI;
		goto out;
	}
	if (demux_finish(&s.dm) != DEMUX_OK) {
		ui_error("the output of the one-off container of '%s' was cut short", o->label);
		rc = DOCKER_ESTREAM;
	}
out:
	oneoff_flush(lines, 1);
	oneoff_flush(lines, 2);
	strbuf_release(&s.err);
	free(path);
	return rc;
}

/* The exit code once the container has stopped (polling briefly). */
static int oneoff_exit_code(struct docker *d, const char *id, const struct docker_oneoff_opts *o,
			    int *exit_code)
{
	long long deadline = now_ms() + ONEOFF_EXIT_WAIT_MS;
	struct docker_container *c = NULL;
	int rc;

	for (;;) {
		rc = docker_inspect(d, id, &c);
		if (rc)
			return rc;
		if (docker_container_exit(c, exit_code)) {
			docker_container_free(c);
			return 0;
		}
		docker_container_free(c);
		c = NULL;
		if (o->cancel && *o->cancel)
			return DOCKER_EABORTED;
		if (now_ms() >= deadline) {
			ui_error("the one-off container of '%s' is still running although its "
				 "output ended",
				 o->label);
			return DOCKER_EAPI;
		}
		sleep_ms(DOCKER_EXIT_POLL_MS * 5);
	}
}

int docker_oneoff(struct docker *d, const struct docker_oneoff_opts *o, int *exit_code)
{
	struct docker_container *model = NULL;
	struct oneoff_lines lines = { .label = o->label, .quiet = ui_opts()->quiet };
	json_t *body = NULL, *more = NULL, *net;
	char *first = NULL, *id = NULL;
	size_t i;
	int rc, rrc;

	*exit_code = -1;
	for (int k = 0; k < 3; k++)
		strbuf_init(&lines.buf[k]);
	for (const char *const *e = o->env; e && *e; e++) {
		const char *v = strchr(*e, '=');
		if (v && strlen(v + 1) >= ONEOFF_SECRET_MIN)
			redact_add_secret(v + 1);
	}
	if (!o->argv || !o->argv[0]) {
		ui_error("no command to run for '%s'", o->label);
		return DOCKER_EAPI;
	}
	if (o->cancel && *o->cancel)
		return DOCKER_EABORTED;
	docker_unpark(d);
	rc = oneoff_model(d, o, &model);
	if (rc)
		goto out;
	body = docker_oneoff_body(model->inspect, o, &first, &more);
	if (!body) {
		ui_error("container '%s' has no image to make the one-off container of '%s' from",
			 model->name, o->label);
		rc = DOCKER_EAPI;
		goto out;
	}
	ui_verbose("one-off container of '%s' from container '%s' (image %s)", o->label,
		   model->name, model->image ? model->image : "?");
	rc = oneoff_create(d, o, body, &id);
	if (rc)
		goto out;
	json_array_foreach(more, i, net)
	{
		if ((rc = oneoff_connect(d, id, net)))
			goto out;
	}
	if (o->cancel && *o->cancel) {
		rc = DOCKER_EABORTED;
		goto out;
	}
	if ((rc = docker_start(d, id)))
		goto out;
	rc = oneoff_follow(d, id, o, &lines);
	if (rc == 0)
		rc = oneoff_exit_code(d, id, o, exit_code);
out:
	if (id) {
		rrc = oneoff_remove(d, id);
		if (rc == 0 && rrc)
			rc = rrc;
	}
	if (rc || *exit_code)
		for (i = 0; i < lines.tail.n; i++)
			ui_detail("%s", lines.tail.v[i]);
	strlist_clear(&lines.tail);
	for (int k = 0; k < 3; k++)
		strbuf_release(&lines.buf[k]);
	json_decref(body);
	json_decref(more);
	free(first);
	free(id);
	docker_container_free(model);
	return rc;
}
