/*
 * cache.c - redis-cli by exec, its replies checked (its exit code alone
 * proves nothing).
 */
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

#define KEEP (16 * 1024)

struct out {
	struct strbuf o, e;
};

static int collect(void *ctx, int stream, const char *buf, size_t len)
{
	struct out *x = ctx;
	struct strbuf *sb = stream == DEMUX_STDOUT ? &x->o : &x->e;

	if (sb->len < KEEP)
		strbuf_add(sb, buf, len < KEEP - sb->len ? len : KEEP - sb->len);
	return 0;
}

int cache_parse_databases(const char *out)
{
	size_t n = strlen(out);
	long long v;
	char *num;
	int rc;

	if (strncmp(out, "databases\n", 10))
		return -1;
	out += 10;
	n -= 10;
	if (n && out[n - 1] == '\n')
		n--;
	num = xstrndup(out, n);
	rc = parse_int64(num, 1, 1000000, &v);
	free(num);
	return rc < 0 ? -1 : (int)v;
}

int cache_reply_ok(const char *out)
{
	return !strcmp(out, "OK") || !strcmp(out, "OK\n");
}

/* First line of s for a message; new string. */
static char *first_line(const char *s)
{
	while (*s == '\n')
		s++;
	return *s ? xstrndup(s, strcspn(s, "\n")) : xstrdup("no output");
}

/* Runs redis-cli argv in k; 0 with x filled, or -1 after reporting. */
static int redis_cli(struct docker *d, const struct docker_container *k, const char *what,
		     const char *const *argv, const char *const *env, struct out *x)
{
	struct docker_exec_opts o = { 0 };
	int code = -1, err;

	o.argv = argv;
	o.env = env;
	o.out = collect;
	o.out_ctx = x;
	err = docker_exec(d, k->id, &o, &code);
	if (err < 0)
		return -1;
	if (code != 0) {
		char *line = first_line(x->e.len ? x->e.buf : strbuf_str(&x->o));
		ui_error("redis-cli %s failed in '%s' (exit %d): %s", what, k->name, code, line);
		free(line);
		if (code == 126 || code == 127)
			ui_hint("is redis-cli installed and on PATH in the container?");
		return -1;
	}
	return 0;
}

int cache_flush(struct docker *d, const struct docker_container *k, const struct cfg_cache *c)
{
	char dbnum[16], *auth = NULL;
	const char *env[] = { NULL, NULL };
	const char *get_argv[] = { "redis-cli", "CONFIG", "GET", "databases", NULL };
	const char *flushdb_argv[] = { "redis-cli", "-n", dbnum, "FLUSHDB", NULL };
	const char *flushall_argv[] = { "redis-cli", "FLUSHALL", NULL };
	struct out x = { STRBUF_INIT, STRBUF_INIT };
	int rc = -1, ndb;

	snprintf(dbnum, sizeof(dbnum), "%d", c->db);
	if (c->password_env) {
		const char *pw = docker_env_get(k, c->password_env);
		if (!pw) {
			ui_error("cannot flush cache '%s': it has no variable %s for the password",
				 k->name, c->password_env);
			goto out;
		}
		auth = xasprintf("REDISCLI_AUTH=%s", pw);
		env[0] = auth;
	}
	if (redis_cli(d, k, "CONFIG GET databases", get_argv, env, &x) < 0)
		goto out;
	ndb = x.e.len ? -1 : cache_parse_databases(strbuf_str(&x.o));
	if (ndb < 0) {
		char *line = first_line(x.e.len ? x.e.buf : strbuf_str(&x.o));
		ui_error("cannot flush cache '%s': CONFIG GET databases answered: %s", k->name,
			 line);
		free(line);
		if (strstr(strbuf_str(&x.o), "NOAUTH") || strstr(strbuf_str(&x.e), "NOAUTH") ||
		    strstr(strbuf_str(&x.o), "WRONGPASS"))
			ui_hint("set \"password_env\" in the cache to the container's variable "
				"holding the password");
		goto out;
	}
	if (!c->flush_all && c->db >= ndb) {
		ui_error("cannot flush cache '%s': database %d does not exist (it has %d)", k->name,
			 c->db, ndb);
		goto out;
	}
	strbuf_reset(&x.o);
	strbuf_reset(&x.e);
	if (redis_cli(d, k, c->flush_all ? "FLUSHALL" : "FLUSHDB",
		      c->flush_all ? flushall_argv : flushdb_argv, env, &x) < 0)
		goto out;
	if (x.e.len || !cache_reply_ok(strbuf_str(&x.o))) {
		char *line = first_line(x.e.len ? x.e.buf : strbuf_str(&x.o));
		ui_error("cannot flush cache '%s': %s answered: %s", k->name,
			 c->flush_all ? "FLUSHALL" : "FLUSHDB", line);
		free(line);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&x.o);
	strbuf_release(&x.e);
	free_secret(auth);
	return rc;
}
