/*
 * init.c - the pure parts of `dockreset init` and of finding a compose
 * project (init.h).
 */
#include "init.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* One .env value starting at p (after the '=' and the blanks); new string. */
static char *dotenv_value(const char *p, const char *end)
{
	struct strbuf sb = STRBUF_INIT;

	if (p < end && *p == '\'') {
		const char *q = memchr(p + 1, '\'', (size_t)(end - p - 1));
		if (q)
			strbuf_add(&sb, p + 1, (size_t)(q - p - 1));
		else
			strbuf_add(&sb, p, (size_t)(end - p));
	} else if (p < end && *p == '"') {
		const char *q;
		for (q = p + 1; q < end && *q != '"'; q++) {
			if (*q == '\\' && q + 1 < end) {
				q++;
				strbuf_addch(&sb, *q == 'n' ? '\n' : *q);
			} else {
				strbuf_addch(&sb, *q);
			}
		}
		if (q >= end) { /* no closing quote: taken as it is */
			strbuf_release(&sb);
			strbuf_add(&sb, p, (size_t)(end - p));
		}
	} else {
		const char *q = p;
		while (q < end && !(*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t')))
			q++;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		strbuf_add(&sb, p, (size_t)(q - p));
	}
	return strbuf_detach(&sb);
}

char *init_dotenv_value(const char *text, size_t len, const char *key)
{
	const char *p = text, *end = text + len;
	size_t klen = strlen(key);
	char *found = NULL;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *k;

		if (le > p && le[-1] == '\r')
			le--;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (le - p > 7 && !strncmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t')) {
			p += 7;
			while (p < le && (*p == ' ' || *p == '\t'))
				p++;
		}
		k = p;
		while (p < le && *p != '=' && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - k) == klen && !strncmp(k, key, klen)) {
			while (p < le && (*p == ' ' || *p == '\t'))
				p++;
			if (p < le && *p == '=') {
				p++;
				while (p < le && (*p == ' ' || *p == '\t'))
					p++;
				free(found);
				found = dotenv_value(p, le);
			}
		}
		p = eol ? eol + 1 : end;
	}
	return found;
}

/* A number of 1 to 9 digits at *p; -1 when none. */
static long choice_number(const char **p)
{
	long v = 0;
	int digits = 0;

	while (isdigit((unsigned char)**p)) {
		if (++digits > 9)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return digits ? v : -1;
}

int init_choice_parse(const char *s, size_t n, unsigned char *sel, struct strbuf *err)
{
	const char *p = s;
	char word[16];
	size_t wl = 0, count = 0;

	memset(sel, 0, n);
	while (*p == ' ' || *p == '\t')
		p++;
	while (p[wl] && p[wl] != ' ' && p[wl] != '\t' && p[wl] != '\n' && wl < sizeof(word) - 1) {
		word[wl] = (char)tolower((unsigned char)p[wl]);
		wl++;
	}
	word[wl] = '\0';
	if (!*p || *p == '\n' || !strcmp(word, "none") || !strcmp(word, "all") ||
	    !strcmp(word, "*")) {
		const char *rest = p + wl;
		while (*rest == ' ' || *rest == '\t' || *rest == '\n')
			rest++;
		if (*rest) {
			strbuf_addf(err, "'%s' stands alone", word);
			return -1;
		}
		if (word[0] == 'n' || !word[0])
			return 0;
		memset(sel, 1, n);
		return (int)n;
	}
	while (*p) {
		const char *start = p;
		long a, b;

		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n')
			p++;
		if (!*p)
			break;
		start = p;
		a = choice_number(&p);
		b = a;
		if (a >= 0 && *p == '-') {
			p++;
			b = choice_number(&p);
		}
		if (a < 0 || b < 0 || (*p && !strchr(" \t,\n", *p))) {
			size_t l = strcspn(start, " \t,\n");
			strbuf_addf(err, "'%.*s' is not a number or a range (like 3-5)",
				    (int)(l > 40 ? 40 : l), start);
			return -1;
		}
		if (a < 1 || (size_t)a > n || b < 1 || (size_t)b > n) {
			strbuf_addf(err, "'%ld' is not between 1 and %zu",
				    (a < 1 || (size_t)a > n) ? a : b, n);
			return -1;
		}
		if (b < a) {
			strbuf_addf(err, "'%ld-%ld' runs backwards", a, b);
			return -1;
		}
		for (long i = a; i <= b; i++)
			sel[i - 1] = 1;
	}
	for (size_t i = 0; i < n; i++)
		count += sel[i];
	return (int)count;
}

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

int init_mentions(const char *s, const char *word)
{
	size_t wl = strlen(word);

	if (!wl)
		return 0;
	for (const char *p = s; (p = strstr(p, word)); p++)
		if ((p == s || !word_char(p[-1])) && !word_char(p[wl]))
			return 1;
	return 0;
}

static const json_t *config_of(const json_t *inspect)
{
	return json_object_get(inspect, "Config");
}

/* Calls fn on each argument of Entrypoint then Cmd; 1 when one says so. */
static int argv_any(const json_t *inspect, int (*fn)(const char *))
{
	static const char *const keys[] = { "Entrypoint", "Cmd" };
	const json_t *cfg = config_of(inspect), *a, *v;
	size_t i;

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		a = json_object_get(cfg, keys[k]);
		if (json_is_string(a) && fn(json_string_value(a)))
			return 1;
		json_array_foreach(a, i, v)
		{
			if (json_is_string(v) && fn(json_string_value(v)))
				return 1;
		}
	}
	return 0;
}

static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

static int arg_is_postgres(const char *s)
{
	return !strncmp(base_name(s), "postgres", 8) || strstr(s, "/postgresql/") != NULL;
}

static int arg_is_cache(const char *s)
{
	const char *b = base_name(s);
	return !strcmp(b, "redis-server") || !strcmp(b, "valkey-server");
}

static int exposes(const json_t *inspect, const char *port)
{
	return json_object_get(json_object_get(config_of(inspect), "ExposedPorts"), port) != NULL;
}

static int has_env_prefix(const json_t *inspect, const char *prefix)
{
	const json_t *env = json_object_get(config_of(inspect), "Env"), *v;
	size_t i, l = strlen(prefix);

	json_array_foreach(env, i, v)
	{
		const char *kv = json_string_value(v);
		if (kv && !strncmp(kv, prefix, l))
			return 1;
	}
	return 0;
}

int init_is_postgres(const json_t *inspect)
{
	return argv_any(inspect, arg_is_postgres) &&
	       (exposes(inspect, "5432/tcp") || has_env_prefix(inspect, "POSTGRES_"));
}

int init_is_cache(const json_t *inspect)
{
	const char *image = json_string_value(json_object_get(config_of(inspect), "Image"));
	const char *b;

	if (argv_any(inspect, arg_is_cache))
		return 1;
	if (!image || !exposes(inspect, "6379/tcp"))
		return 0;
	b = base_name(image);
	return !strncmp(b, "redis", 5) || !strncmp(b, "valkey", 6);
}

int init_depends_on(const json_t *inspect, const char *service)
{
	const json_t *cfg = config_of(inspect), *env = json_object_get(cfg, "Env"), *v;
	const char *dep = json_string_value(
	    json_object_get(json_object_get(cfg, "Labels"), "com.docker.compose.depends_on"));
	size_t i, sl = strlen(service);

	if (dep) {
		/* "svc:condition:restart" items separated by commas */
		for (const char *p = dep; *p;) {
			size_t l = strcspn(p, ",");
			size_t nl = strcspn(p, ":,");
			if (nl == sl && !strncmp(p, service, sl))
				return 1;
			p += l;
			if (*p == ',')
				p++;
		}
	}
	json_array_foreach(env, i, v)
	{
		const char *kv = json_string_value(v), *eq;
		if (!kv || !(eq = strchr(kv, '=')) || !strncmp(kv, "PATH=", 5))
			continue;
		if (init_mentions(eq + 1, service))
			return 1;
	}
	return 0;
}

static json_t *strlist_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

json_t *init_config_json(const struct init_config *c)
{
	json_t *doc = json_object(), *targets = json_object(), *t = json_object();
	json_t *db = json_object(), *caches = json_array(), *reset = json_object();

	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "backup_dir", json_string("backups"));
	json_object_set_new(doc, "targets", targets);
	json_object_set_new(targets, c->target, t);
	if (c->project)
		json_object_set_new(t, "project", json_string(c->project));
	if (c->db_service)
		json_object_set_new(db, "service", json_string(c->db_service));
	else
		json_object_set_new(db, "container", json_string(c->db_container));
	json_object_set_new(t, "database", db);
	json_object_set_new(t, "apps", strlist_json(&c->apps));
	for (size_t i = 0; i < c->caches.n; i++)
		json_array_append_new(caches,
				      json_pack("{s:s, s:i}", "service", c->caches.v[i], "db", 0));
	json_object_set_new(t, "caches", caches);
	json_object_set_new(reset, "tables", strlist_json(&c->tables));
	json_object_set_new(t, "reset", reset);
	return doc;
}

char *init_target_name(const char *project)
{
	char buf[64];
	size_t n = 0;

	for (const char *p = project; *p && n < sizeof(buf) - 1; p++) {
		char ch = (char)tolower((unsigned char)*p);
		if (!n && !(isdigit((unsigned char)ch) || (ch >= 'a' && ch <= 'z')))
			continue;
		if (isdigit((unsigned char)ch) || (ch >= 'a' && ch <= 'z') || strchr("_.-", ch))
			buf[n++] = ch;
	}
	buf[n] = '\0';
	return xstrdup(n && config_valid_target_name(buf) ? buf : "app");
}
