/*
 * config.c - dockreset.json: discovery, defaults and validation (SPEC 2).
 *
 * The validator walks the document and stops at the first problem, which it
 * reports with the key path of the value ("targets.x.reset.keep[2]"). Every
 * allocation is attached to the struct config as soon as it is made, so that
 * a failure anywhere is cleaned up by config_free() alone.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "init.h"
#include "redact.h"
#include "ui.h"

#define CONFIG_NAME	"dockreset.json"
#define CONFIG_MAX_SIZE (1024 * 1024)
/* Values quoted in messages are cut after this many bytes. */
#define QUOTE_MAX 64

static const char *const default_branches[] = { "production", "prod", "release/*" };
static const char *const default_env_names[] = {
	"APP_ENV",    "ENVIRONMENT", "NODE_ENV", "RAILS_ENV",		"RACK_ENV",
	"DJANGO_ENV", "FLASK_ENV",   "MIX_ENV",	 "RAILWAY_ENVIRONMENT", "DOCKRESET_ENV",
};
static const char *const default_env_values[] = { "production", "prod", "prd", "live" };

static const char *const top_keys[] = { "version", "backup_dir", "production", "targets", NULL };
static const char *const production_keys[] = { "branches", "env_names", "env_values", NULL };
static const char *const target_keys[] = { "project", "production", "database", "apps",
					   "caches",  "reset",	    "seeds",	"default_seeds",
					   "stats",   "backup",	    "restore",	NULL };
static const char *const database_keys[] = { "service",	     "container", "name", "user",
					     "password_env", "url",	  NULL };
static const char *const ref_keys[] = { "service", "container", NULL };
static const char *const cache_keys[] = { "service", "container",    "db",
					  "flush",   "password_env", NULL };
static const char *const reset_keys[] = { "schemas",  "tables",	 "keep", "restart_identity",
					  "strategy", "migrate", NULL };
static const char *const migrate_keys[] = { "sql", "service", "container", "command", NULL };
static const char *const table_keys[] = { "schema", "table", NULL };
static const char *const sql_step_keys[] = { "sql", NULL };
static const char *const copy_step_keys[] = { "copy", "table", "columns", "format", NULL };
static const char *const run_step_keys[] = { "run", NULL };
static const char *const run_keys[] = { "service", "container", "command", "env", NULL };
static const char *const backup_keys[] = { "format", "keep", "dir", NULL };
static const char *const restore_keys[] = { "merge", NULL };
static const char *const merge_keys[] = { "key", NULL };

static const char *const strategy_names[] = { "truncate", "recreate", NULL };
static const char *const format_names[] = { "custom", "plain", "json", NULL };
static const char *const flush_names[] = { "db", "all", NULL };
static const char *const copy_format_names[] = { "text", "csv", NULL };

/* Flags of str_array(). */
#define LIST_NONEMPTY	  1 /* at least one element */
#define LIST_UNIQUE	  2 /* no element twice */
#define LIST_EMPTY_STRING 4 /* "" is a valid element */

struct pctx {
	const char *file; /* as given, for messages */
	const char *dir;  /* absolute */
	struct strbuf *err;
};

/* Character classes, in ASCII whatever the locale. */
static int is_lower_digit(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

static int is_alnum(int ch)
{
	return is_lower_digit(ch) || (ch >= 'A' && ch <= 'Z');
}

static int valid_env_name(const char *s)
{
	if (!*s || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (; *s; s++)
		if (!is_alnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Compose project names: lowercase [a-z0-9_-], starting with a letter or digit. */
static int valid_project(const char *s)
{
	if (!is_lower_digit((unsigned char)*s))
		return 0;
	for (s++; *s; s++)
		if (!is_lower_digit((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* Compose service names ([a-zA-Z0-9._-]+). */
static int valid_service(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!is_alnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

/* Docker container names ([a-zA-Z0-9][a-zA-Z0-9_.-]*) and ids. */
static int valid_container(const char *s)
{
	if (!is_alnum((unsigned char)*s))
		return 0;
	return valid_service(s);
}

int config_valid_target_name(const char *name)
{
	size_t n = 0;

	if (!name || !is_lower_digit((unsigned char)name[0]))
		return 0;
	for (; name[n]; n++)
		if (!is_lower_digit((unsigned char)name[n]) && !strchr("_.-", name[n]))
			return 0;
	return n <= 63;
}

char *config_normalize_project(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		int ch = *p;

		/*
		 * Compose lowercases with Go's unicode rules before dropping
		 * every other character: two non-ASCII letters become ASCII.
		 */
		if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) { /* KELVIN SIGN */
			ch = 'k';
			p += 2;
		} else if (p[0] == 0xc4 && p[1] == 0xb0) { /* I WITH DOT ABOVE */
			ch = 'i';
			p += 1;
		} else if (ch >= 'A' && ch <= 'Z') {
			ch += 'a' - 'A';
		}
		if (!is_lower_digit(ch) && ch != '_' && ch != '-')
			continue;
		if (!sb.len && !is_lower_digit(ch))
			continue;
		strbuf_addch(&sb, ch);
	}
	return strbuf_detach(&sb);
}

/*
 * Joins dir and rel (rel alone when absolute), dropping empty and "."
 * components. ".." stays: a symlink may stand before it.
 */
static char *path_join(const char *dir, const char *rel)
{
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	const char *p;

	if (rel[0] != '/') {
		strbuf_addstr(&in, dir);
		strbuf_addch(&in, '/');
	}
	strbuf_addstr(&in, rel);
	p = strbuf_str(&in);
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n && !(n == 1 && p[0] == '.')) {
			strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (!sb.len)
		strbuf_addch(&sb, '/');
	strbuf_release(&in);
	return strbuf_detach(&sb);
}

/*
 * path_join for a directory named relative to dir, the config's own
 * directory, which is a real path: a ".." at the start of rel names dir's
 * real parent and is resolved, so messages and manifests name the place
 * plainly. Nothing is resolved through the file system: a symlink where
 * backups go is refused later, never followed.
 */
static char *dir_join(const char *dir, const char *rel)
{
	char *base = xstrdup(dir), *out;

	while (rel[0] != '/') {
		if (!strncmp(rel, "./", 2)) {
			rel += 2;
		} else if (!strncmp(rel, "../", 3) || !strcmp(rel, "..")) {
			char *slash = strrchr(base, '/');
			if (slash == base)
				slash[1] = '\0';
			else if (slash)
				*slash = '\0';
			rel += rel[2] ? 3 : 2;
		} else {
			break;
		}
	}
	out = path_join(base, rel);
	free(base);
	return out;
}

/* The directory of an absolute, clean path. */
static char *path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* s as a JSON string for messages: escaped, cut after QUOTE_MAX bytes. */
static char *quoted(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;

	strbuf_addch(&sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
		if (n >= QUOTE_MAX && (*p & 0xc0) != 0x80) {
			strbuf_addstr(&sb, "...");
			break;
		}
		if (*p == '"' || *p == '\\') {
			strbuf_addch(&sb, '\\');
			strbuf_addch(&sb, *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addf(&sb, "\\u%04x", *p);
		} else {
			strbuf_addch(&sb, *p);
		}
	}
	strbuf_addch(&sb, '"');
	return strbuf_detach(&sb);
}

/*
 * Where a value sits in the document: a chain of frames on the C stack, from
 * the value up to the root (NULL), turned into "targets.x.reset.keep[2]"
 * only when a message needs it.
 */
struct at {
	const struct at *up;
	const char *key; /* NULL: an array element */
	size_t index;
};

#define AT_KEY(parent, k)   (&(const struct at){ .up = (parent), .key = (k) })
#define AT_INDEX(parent, i) (&(const struct at){ .up = (parent), .index = (i) })

static void add_path(struct strbuf *sb, const struct at *at)
{
	int plain;

	if (!at)
		return;
	add_path(sb, at->up);
	if (!at->key) {
		strbuf_addf(sb, "[%zu]", at->index);
		return;
	}
	if (sb->len)
		strbuf_addch(sb, '.');
	plain = *at->key != '\0';
	for (const char *k = at->key; *k; k++)
		if (!is_alnum((unsigned char)*k) && *k != '_' && *k != '-')
			plain = 0;
	if (plain) {
		strbuf_addstr(sb, at->key);
	} else {
		char *q = quoted(at->key);
		strbuf_addstr(sb, q);
		free(q);
	}
}

/* Leaves "'<file>': <key path>: <problem>" in c->err; returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(struct pctx *c, const struct at *at,
						      const char *fmt, ...)
{
	struct strbuf path = STRBUF_INIT;
	va_list ap;

	add_path(&path, at);
	strbuf_reset(c->err);
	strbuf_addf(c->err, "'%s': ", c->file);
	if (path.len)
		strbuf_addf(c->err, "%s: ", path.buf);
	va_start(ap, fmt);
	strbuf_vaddf(c->err, fmt, ap);
	va_end(ap);
	strbuf_release(&path);
	return -1;
}

/* fail() with a value quoted at the one %s of fmt. */
static int fail_quoted(struct pctx *c, const struct at *at, const char *fmt, const char *value)
{
	char *q = quoted(value);

	fail(c, at, fmt, q);
	free(q);
	return -1;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int wrong_type(struct pctx *c, const struct at *at, const json_t *v, const char *want)
{
	return fail(c, at, "expected %s, got %s", want, type_name(v));
}

/* Levenshtein distance, for "did you mean"; SIZE_MAX for long strings. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Every key of obj must be one of known (NULL-terminated). */
static int check_keys(struct pctx *c, const struct at *at, json_t *obj, const char *const *known)
{
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
		const char *key = json_object_iter_key(it);
		const char *near = NULL;
		size_t i, best = SIZE_MAX;

		for (i = 0; known[i]; i++) {
			size_t d;

			if (!strcmp(key, known[i]))
				break;
			d = distance(key, known[i]);
			if (d < best && d <= (strlen(known[i]) > 5 ? 2u : 1u)) {
				best = d;
				near = known[i];
			}
		}
		if (known[i])
			continue;
		if (near)
			return fail(c, AT_KEY(at, key), "unknown key (did you mean \"%s\"?)", near);
		return fail(c, AT_KEY(at, key), "unknown key");
	}
	return 0;
}

static int need_object(struct pctx *c, const struct at *at, json_t *v, const char *const *known)
{
	if (!json_is_object(v))
		return wrong_type(c, at, v, "an object");
	return check_keys(c, at, v, known);
}

static int str_value(struct pctx *c, const struct at *at, json_t *v, char **out)
{
	if (!json_is_string(v))
		return wrong_type(c, at, v, "a string");
	if (!json_string_length(v))
		return fail(c, at, "must not be empty");
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int opt_str(struct pctx *c, const struct at *at, json_t *obj, const char *key, char **out)
{
	json_t *v = json_object_get(obj, key);

	return v ? str_value(c, AT_KEY(at, key), v, out) : 0;
}

static int opt_bool(struct pctx *c, const struct at *at, json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(c, AT_KEY(at, key), v, "a boolean");
	*out = json_is_true(v);
	return 0;
}

static int opt_int(struct pctx *c, const struct at *at, json_t *obj, const char *key, int min,
		   int *out)
{
	json_t *v = json_object_get(obj, key);
	json_int_t n;

	if (!v)
		return 0;
	at = AT_KEY(at, key);
	if (!json_is_integer(v))
		return wrong_type(c, at, v, "an integer");
	n = json_integer_value(v);
	if (n < min)
		return fail(c, at, "must be %d or more, not %" JSON_INTEGER_FORMAT, min, n);
	if (n > INT_MAX)
		return fail(c, at, "must be %d or less, not %" JSON_INTEGER_FORMAT, INT_MAX, n);
	*out = (int)n;
	return 0;
}

/* One of names (NULL-terminated); *out is its index. */
static int opt_enum(struct pctx *c, const struct at *at, json_t *obj, const char *key,
		    const char *const *names, int *out)
{
	json_t *v = json_object_get(obj, key);
	struct strbuf sb = STRBUF_INIT;
	size_t i, n;

	if (!v)
		return 0;
	at = AT_KEY(at, key);
	if (!json_is_string(v))
		return wrong_type(c, at, v, "a string");
	for (n = 0; names[n]; n++) {
		if (!strcmp(json_string_value(v), names[n])) {
			*out = (int)n;
			return 0;
		}
	}
	strbuf_addstr(&sb, "must be ");
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s\"%s\"", !i ? "" : i + 1 < n ? ", " : " or ", names[i]);
	strbuf_addstr(&sb, ", not %s");
	fail_quoted(c, at, sb.buf, json_string_value(v));
	strbuf_release(&sb);
	return -1;
}

static int opt_env_name(struct pctx *c, const struct at *at, json_t *obj, const char *key,
			char **out)
{
	if (opt_str(c, at, obj, key, out))
		return -1;
	if (*out && !valid_env_name(*out))
		return fail_quoted(c, AT_KEY(at, key), "invalid environment variable name %s",
				   *out);
	return 0;
}

/*
 * An array of strings. valid (may be NULL) checks each element; what names
 * the kind of element in its message.
 */
static int str_array(struct pctx *c, const struct at *at, json_t *v, struct strlist *out, int flags,
		     int (*valid)(const char *), const char *what)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return wrong_type(c, at, v, "an array");
	if ((flags & LIST_NONEMPTY) && !json_array_size(v))
		return fail(c, at, "must not be empty");
	json_array_foreach(v, i, e)
	{
		const struct at *ai = AT_INDEX(at, i);
		const char *s;

		if (!json_is_string(e))
			return wrong_type(c, ai, e, "a string");
		s = json_string_value(e);
		if (!*s && !(flags & LIST_EMPTY_STRING))
			return fail(c, ai, "must not be empty");
		if (valid && !valid(s)) {
			char *fmt = xasprintf("invalid %s %%s", what);

			fail_quoted(c, ai, fmt, s);
			free(fmt);
			return -1;
		}
		if ((flags & LIST_UNIQUE) && strlist_has(out, s))
			return fail_quoted(c, ai, "%s is listed twice", s);
		strlist_push(out, s);
	}
	return 0;
}

static int opt_list(struct pctx *c, const struct at *at, json_t *obj, const char *key,
		    struct strlist *out, int flags)
{
	json_t *v = json_object_get(obj, key);

	return v ? str_array(c, AT_KEY(at, key), v, out, flags, NULL, NULL) : 0;
}

/* A command's argv: at least one word, the first not empty. */
static int opt_argv(struct pctx *c, const struct at *at, json_t *obj, const char *key,
		    struct strlist *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	at = AT_KEY(at, key);
	if (str_array(c, at, v, out, LIST_NONEMPTY | LIST_EMPTY_STRING, NULL, NULL))
		return -1;
	if (!*out->v[0])
		return fail(c, AT_INDEX(at, 0), "must not be empty");
	return 0;
}

/* A file named relative to the config's directory: it must be readable. */
static int file_value(struct pctx *c, const struct at *at, json_t *v, char **out)
{
	struct stat st;
	char *rel = NULL;

	if (str_value(c, at, v, &rel))
		return -1;
	*out = path_join(c->dir, rel);
	free(rel);
	if (stat(*out, &st) || access(*out, R_OK))
		return fail(c, at, "cannot read '%s': %s", *out, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(c, at, "'%s' is not a regular file", *out);
	return 0;
}

static int ref_object(struct pctx *c, const struct at *at, json_t *obj, struct cfg_ref *ref)
{
	json_t *service = json_object_get(obj, "service");
	json_t *container = json_object_get(obj, "container");

	if (service && container)
		return fail(c, at, "give either \"service\" or \"container\", not both");
	if (!service && !container)
		return fail(c, at, "\"service\" or \"container\" is required");
	if (opt_str(c, at, obj, "service", &ref->service) ||
	    opt_str(c, at, obj, "container", &ref->container))
		return -1;
	if (ref->service && !valid_service(ref->service))
		return fail_quoted(c, AT_KEY(at, "service"), "invalid service name %s",
				   ref->service);
	if (ref->container && !valid_container(ref->container))
		return fail_quoted(c, AT_KEY(at, "container"), "invalid container name %s",
				   ref->container);
	return 0;
}

static int table_fail(struct pctx *c, const struct at *at, const char *fmt,
		      const struct cfg_table *t)
{
	char *name = t->schema ? xasprintf("%s.%s", t->schema, t->name) : xstrdup(t->name);

	fail_quoted(c, at, fmt, name);
	free(name);
	return -1;
}

/* The schema an unqualified name resolves to, when it can be told. */
static const char *table_schema(const struct cfg_table *t, const struct strlist *schemas)
{
	if (t->schema)
		return t->schema;
	return schemas->n == 1 ? schemas->v[0] : NULL;
}

static int table_same(const struct cfg_table *a, const struct cfg_table *b,
		      const struct strlist *schemas)
{
	const char *sa = table_schema(a, schemas), *sb = table_schema(b, schemas);

	if (strcmp(a->name, b->name))
		return 0;
	if (!sa || !sb)
		return !sa && !sb;
	return !strcmp(sa, sb);
}

/* "name", or "schema.name" split at the first dot. */
static int table_string(struct pctx *c, const struct at *at, const char *s, struct cfg_table *t)
{
	const char *dot = strchr(s, '.');

	if (!*s)
		return fail(c, at, "must not be empty");
	if (!strcmp(s, "*"))
		return fail(c, at,
			    "\"*\" is not a table name (\"tables\": \"*\" means every table)");
	if (dot && (dot == s || !dot[1]))
		return fail_quoted(c, at,
				   "invalid table name %s (write \"schema.table\", or "
				   "{\"schema\": S, \"table\": T} for a name holding a dot)",
				   s);
	if (dot) {
		t->schema = xstrndup(s, (size_t)(dot - s));
		t->name = xstrdup(dot + 1);
	} else {
		t->name = xstrdup(s);
	}
	return 0;
}

/* A string or {"schema": S, "table": T}. */
static int table_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_table *t)
{
	if (json_is_string(v))
		return table_string(c, at, json_string_value(v), t);
	if (!json_is_object(v))
		return wrong_type(c, at, v, "a string or an object");
	if (check_keys(c, at, v, table_keys))
		return -1;
	if (!json_object_get(v, "table"))
		return fail(c, at, "\"table\" is required");
	if (opt_str(c, at, v, "schema", &t->schema) || opt_str(c, at, v, "table", &t->name))
		return -1;
	return 0;
}

static int table_array(struct pctx *c, const struct at *at, json_t *v, struct cfg_table **out,
		       size_t *n, const struct strlist *schemas)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return wrong_type(c, at, v, "an array");
	*out = xcalloc(json_array_size(v), sizeof(**out));
	*n = json_array_size(v);
	json_array_foreach(v, i, e)
	{
		if (table_value(c, AT_INDEX(at, i), e, &(*out)[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (table_same(&(*out)[j], &(*out)[i], schemas))
				return table_fail(c, AT_INDEX(at, i), "%s is listed twice",
						  &(*out)[i]);
	}
	return 0;
}

static int tables_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "*"))
			return fail_quoted(c, at, "must be \"*\" or an array of tables, not %s",
					   json_string_value(v));
		t->tables_all = 1;
		return 0;
	}
	if (!json_is_array(v))
		return wrong_type(c, at, v, "\"*\" or an array");
	return table_array(c, at, v, &t->tables, &t->ntables, &t->schemas);
}

static int keep_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	if (table_array(c, at, v, &t->keep, &t->nkeep, &t->schemas))
		return -1;
	for (size_t k = 0; k < t->nkeep; k++)
		for (size_t i = 0; i < t->ntables; i++)
			if (table_same(&t->keep[k], &t->tables[i], &t->schemas))
				return table_fail(c, AT_INDEX(at, k),
						  "%s is also listed in reset.tables", &t->keep[k]);
	return 0;
}

static int database_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	if (need_object(c, at, v, database_keys) || ref_object(c, at, v, &t->db) ||
	    opt_str(c, at, v, "name", &t->db_name) || opt_str(c, at, v, "user", &t->db_user) ||
	    opt_env_name(c, at, v, "password_env", &t->password_env) ||
	    opt_str(c, at, v, "url", &t->url))
		return -1;
	if (t->url) {
		/* libpq's message quotes the url, password and all: never shown */
		char *err = NULL;
		PQconninfoOption *o = PQconninfoParse(t->url, &err);

		PQfreemem(err);
		PQconninfoFree(o);
		redact_add_conninfo(t->url);
		if (!o)
			return fail(c, AT_KEY(at, "url"), "not a valid libpq connection string");
	}
	if (!t->password_env)
		t->password_env = xstrdup("POSTGRES_PASSWORD");
	return 0;
}

static int apps_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return wrong_type(c, at, v, "an array");
	t->apps = xcalloc(json_array_size(v), sizeof(*t->apps));
	t->napps = json_array_size(v);
	json_array_foreach(v, i, e)
	{
		const struct at *ai = AT_INDEX(at, i);

		if (json_is_string(e)) {
			if (str_value(c, ai, e, &t->apps[i].service))
				return -1;
			if (!valid_service(t->apps[i].service))
				return fail_quoted(c, ai, "invalid service name %s",
						   t->apps[i].service);
		} else if (json_is_object(e)) {
			if (check_keys(c, ai, e, ref_keys) || ref_object(c, ai, e, &t->apps[i]))
				return -1;
		} else {
			return wrong_type(c, ai, e, "a string or an object");
		}
	}
	return 0;
}

static int caches_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return wrong_type(c, at, v, "an array");
	t->caches = xcalloc(json_array_size(v), sizeof(*t->caches));
	t->ncaches = json_array_size(v);
	json_array_foreach(v, i, e)
	{
		const struct at *ai = AT_INDEX(at, i);
		struct cfg_cache *k = &t->caches[i];

		if (need_object(c, ai, e, cache_keys) || ref_object(c, ai, e, &k->ref) ||
		    opt_int(c, ai, e, "db", 0, &k->db) ||
		    opt_enum(c, ai, e, "flush", flush_names, &k->flush_all) ||
		    opt_env_name(c, ai, e, "password_env", &k->password_env))
			return -1;
	}
	return 0;
}

static int migrate_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	json_t *sql, *cmd;
	int has_ref;

	if (need_object(c, at, v, migrate_keys))
		return -1;
	sql = json_object_get(v, "sql");
	cmd = json_object_get(v, "command");
	has_ref = json_object_get(v, "service") || json_object_get(v, "container");
	if (!sql && !cmd && !has_ref)
		return fail(c, at, "\"sql\" or \"command\" is required");
	if (cmd && !has_ref)
		return fail(c, at, "\"command\" needs \"service\" (or \"container\")");
	if (has_ref && !cmd)
		return fail(c, at, "\"service\" or \"container\" needs \"command\"");
	if (sql) {
		const struct at *as = AT_KEY(at, "sql");
		size_t i;
		json_t *e;

		if (!json_is_array(sql))
			return wrong_type(c, as, sql, "an array");
		if (!json_array_size(sql))
			return fail(c, as, "must not be empty");
		json_array_foreach(sql, i, e)
		{
			char *file = NULL;
			int r = file_value(c, AT_INDEX(as, i), e, &file);

			if (file)
				strlist_push_nodup(&t->migrate_sql, file);
			if (r)
				return -1;
		}
	}
	if (cmd && (ref_object(c, at, v, &t->migrate_ref) ||
		    opt_argv(c, at, v, "command", &t->migrate_argv)))
		return -1;
	return 0;
}

static int reset_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	const struct at *ak = AT_KEY(at, "keep"), *am = AT_KEY(at, "migrate");
	json_t *m;
	int strategy = STRATEGY_TRUNCATE;

	if (need_object(c, at, v, reset_keys) ||
	    opt_list(c, at, v, "schemas", &t->schemas, LIST_NONEMPTY | LIST_UNIQUE) ||
	    opt_enum(c, at, v, "strategy", strategy_names, &strategy))
		return -1;
	t->strategy = strategy;
	if (json_object_get(v, "keep") && t->strategy == STRATEGY_RECREATE)
		return fail(c, ak,
			    "not allowed with \"strategy\": \"recreate\", which drops "
			    "whole schemas");
	if (json_object_get(v, "migrate") && t->strategy != STRATEGY_RECREATE)
		return fail(c, am, "only allowed with \"strategy\": \"recreate\"");
	if (!t->schemas.n)
		strlist_push(&t->schemas, "public");
	if ((m = json_object_get(v, "tables")) && tables_value(c, AT_KEY(at, "tables"), m, t))
		return -1;
	if ((m = json_object_get(v, "keep")) && keep_value(c, ak, m, t))
		return -1;
	if (opt_bool(c, at, v, "restart_identity", &t->restart_identity))
		return -1;
	if ((m = json_object_get(v, "migrate")) && migrate_value(c, am, m, t))
		return -1;
	return 0;
}

static int copy_step(struct pctx *c, const struct at *at, json_t *v, struct cfg_seed_step *s)
{
	json_t *m;

	s->kind = SEED_COPY;
	if (!json_object_get(v, "table"))
		return fail(c, at, "\"table\" is required");
	if (file_value(c, AT_KEY(at, "copy"), json_object_get(v, "copy"), &s->file))
		return -1;
	if ((m = json_object_get(v, "table")) && table_value(c, AT_KEY(at, "table"), m, &s->table))
		return -1;
	if (opt_list(c, at, v, "columns", &s->columns, LIST_UNIQUE) ||
	    opt_enum(c, at, v, "format", copy_format_names, &s->csv))
		return -1;
	return 0;
}

static int env_object(struct pctx *c, const struct at *at, json_t *v, struct strlist *env)
{
	if (!json_is_object(v))
		return wrong_type(c, at, v, "an object");
	for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
		const char *key = json_object_iter_key(it);
		json_t *val = json_object_iter_value(it);

		if (!valid_env_name(key))
			return fail_quoted(c, AT_KEY(at, key),
					   "invalid environment variable name %s", key);
		if (!json_is_string(val))
			return wrong_type(c, AT_KEY(at, key), val, "a string");
		strlist_push_nodup(env, xasprintf("%s=%s", key, json_string_value(val)));
	}
	return 0;
}

static int run_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_seed_step *s)
{
	json_t *m;

	if (need_object(c, at, v, run_keys) || ref_object(c, at, v, &s->run))
		return -1;
	if (!json_object_get(v, "command"))
		return fail(c, at, "\"command\" is required");
	if (opt_argv(c, at, v, "command", &s->argv))
		return -1;
	if ((m = json_object_get(v, "env")) && env_object(c, AT_KEY(at, "env"), m, &s->env))
		return -1;
	return 0;
}

static int step_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_seed_step *s)
{
	json_t *sql, *copy, *run;

	if (!json_is_object(v))
		return wrong_type(c, at, v, "an object");
	sql = json_object_get(v, "sql");
	copy = json_object_get(v, "copy");
	run = json_object_get(v, "run");
	if (!!sql + !!copy + !!run > 1)
		return fail(c, at, "give only one of \"sql\", \"copy\" and \"run\" per step");
	if (sql) {
		s->kind = SEED_SQL;
		if (check_keys(c, at, v, sql_step_keys) ||
		    file_value(c, AT_KEY(at, "sql"), sql, &s->file))
			return -1;
	} else if (copy) {
		if (check_keys(c, at, v, copy_step_keys) || copy_step(c, at, v, s))
			return -1;
	} else if (run) {
		s->kind = SEED_RUN;
		if (check_keys(c, at, v, run_step_keys) || run_value(c, AT_KEY(at, "run"), run, s))
			return -1;
	} else {
		return fail(c, at, "expected one of \"sql\", \"copy\" or \"run\"");
	}
	return 0;
}

static int seeds_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	size_t p = 0;

	if (!json_is_object(v))
		return wrong_type(c, at, v, "an object");
	t->seeds = xcalloc(json_object_size(v), sizeof(*t->seeds));
	t->nseeds = json_object_size(v);
	for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it), p++) {
		const char *name = json_object_iter_key(it);
		const struct at *ap = AT_KEY(at, name);
		json_t *steps = json_object_iter_value(it);
		struct cfg_seed_profile *prof = &t->seeds[p];
		size_t i;
		json_t *e;

		if (!*name)
			return fail(c, ap, "profile name must not be empty");
		prof->name = xstrdup(name);
		if (!json_is_array(steps))
			return wrong_type(c, ap, steps, "an array");
		prof->steps = xcalloc(json_array_size(steps), sizeof(*prof->steps));
		prof->nsteps = json_array_size(steps);
		json_array_foreach(steps, i, e)
		{
			if (step_value(c, AT_INDEX(ap, i), e, &prof->steps[i]))
				return -1;
		}
	}
	return 0;
}

static int has_profile(const struct cfg_target *t, const char *name)
{
	for (size_t i = 0; i < t->nseeds; i++)
		if (!strcmp(t->seeds[i].name, name))
			return 1;
	return 0;
}

static int default_seeds_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	if (str_array(c, at, v, &t->default_seeds, LIST_UNIQUE, NULL, NULL))
		return -1;
	for (size_t i = 0; i < t->default_seeds.n; i++)
		if (!has_profile(t, t->default_seeds.v[i]))
			return fail_quoted(c, AT_INDEX(at, i),
					   "no seed profile named %s in \"seeds\"",
					   t->default_seeds.v[i]);
	return 0;
}

static int stats_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	size_t i = 0;

	if (!json_is_object(v))
		return wrong_type(c, at, v, "an object");
	t->stats = xcalloc(json_object_size(v), sizeof(*t->stats));
	t->nstats = json_object_size(v);
	for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it), i++) {
		const char *name = json_object_iter_key(it);

		if (!*name)
			return fail(c, AT_KEY(at, name), "stat name must not be empty");
		t->stats[i].name = xstrdup(name);
		if (str_value(c, AT_KEY(at, name), json_object_iter_value(it), &t->stats[i].query))
			return -1;
	}
	return 0;
}

static int backup_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	int format = FORMAT_CUSTOM;
	char *dir = NULL;

	if (need_object(c, at, v, backup_keys) ||
	    opt_enum(c, at, v, "format", format_names, &format) ||
	    opt_int(c, at, v, "keep", 1, &t->backup_keep) || opt_str(c, at, v, "dir", &dir))
		return -1;
	t->backup_format = format;
	if (dir) {
		t->backup_dir = dir_join(c->dir, dir);
		free(dir);
	}
	return 0;
}

static int merge_entry(struct pctx *c, const struct at *at, json_t *v, struct cfg_merge *m)
{
	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "append"))
			return fail_quoted(c, at, "must be \"append\" or an object, not %s",
					   json_string_value(v));
		m->append = 1;
		return 0;
	}
	if (!json_is_object(v))
		return wrong_type(c, at, v, "\"append\" or an object");
	if (check_keys(c, at, v, merge_keys) ||
	    opt_list(c, at, v, "key", &m->key, LIST_NONEMPTY | LIST_UNIQUE))
		return -1;
	return 0;
}

static int merge_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	size_t i = 0;

	if (!json_is_object(v))
		return wrong_type(c, at, v, "an object");
	t->merge = xcalloc(json_object_size(v), sizeof(*t->merge));
	t->nmerge = json_object_size(v);
	for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it), i++) {
		const struct at *ae = AT_KEY(at, json_object_iter_key(it));

		if (table_string(c, ae, json_object_iter_key(it), &t->merge[i].table))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (table_same(&t->merge[j].table, &t->merge[i].table, &t->schemas))
				return table_fail(c, ae, "%s is listed twice", &t->merge[i].table);
		if (merge_entry(c, ae, json_object_iter_value(it), &t->merge[i]))
			return -1;
	}
	return 0;
}

static int restore_value(struct pctx *c, const struct at *at, json_t *v, struct cfg_target *t)
{
	json_t *m;

	if (need_object(c, at, v, restore_keys))
		return -1;
	if ((m = json_object_get(v, "merge")) && merge_value(c, AT_KEY(at, "merge"), m, t))
		return -1;
	return 0;
}

/* A block of a target, parsed by fn when present. */
static int opt_block(struct pctx *c, const struct at *at, json_t *obj, const char *key,
		     int (*fn)(struct pctx *, const struct at *, json_t *, struct cfg_target *),
		     struct cfg_target *t)
{
	json_t *v = json_object_get(obj, key);

	return v ? fn(c, AT_KEY(at, key), v, t) : 0;
}

static int target_value(struct pctx *c, const struct at *at, json_t *v, struct config *cfg,
			struct cfg_target *t)
{
	t->restart_identity = 1;
	t->strategy = STRATEGY_TRUNCATE;
	t->backup_format = FORMAT_CUSTOM;
	t->backup_keep = 20;

	if (need_object(c, at, v, target_keys))
		return -1;
	if (!json_object_get(v, "database"))
		return fail(c, at, "\"database\" is required");
	if (opt_str(c, at, v, "project", &t->project))
		return -1;
	if (t->project && !valid_project(t->project))
		return fail_quoted(c, AT_KEY(at, "project"),
				   "invalid compose project name %s (use lowercase letters, "
				   "digits, '_' and '-', starting with a letter or digit)",
				   t->project);
	if (opt_bool(c, at, v, "production", &t->production) ||
	    opt_block(c, at, v, "database", database_value, t) ||
	    opt_block(c, at, v, "apps", apps_value, t) ||
	    opt_block(c, at, v, "caches", caches_value, t) ||
	    opt_block(c, at, v, "reset", reset_value, t))
		return -1;
	if (!t->schemas.n)
		strlist_push(&t->schemas, "public");
	if (opt_block(c, at, v, "seeds", seeds_value, t) ||
	    opt_block(c, at, v, "default_seeds", default_seeds_value, t) ||
	    opt_block(c, at, v, "stats", stats_value, t) ||
	    opt_block(c, at, v, "backup", backup_value, t) ||
	    opt_block(c, at, v, "restore", restore_value, t))
		return -1;
	if (!t->backup_dir)
		t->backup_dir = path_join(cfg->backup_dir, t->name);
	return 0;
}

static int targets_value(struct pctx *c, const struct at *at, json_t *v, struct config *cfg)
{
	size_t i = 0;

	if (!json_is_object(v))
		return wrong_type(c, at, v, "an object");
	if (!json_object_size(v))
		return fail(c, at, "needs at least one target");
	cfg->targets = xcalloc(json_object_size(v), sizeof(*cfg->targets));
	cfg->ntargets = json_object_size(v);
	for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it), i++) {
		const char *name = json_object_iter_key(it);
		const struct at *an = AT_KEY(at, name);

		cfg->targets[i].name = xstrdup(name);
		if (!config_valid_target_name(name))
			return fail(c, an,
				    "invalid target name (use 1 to 63 of a-z, 0-9, '_', '.' and "
				    "'-', starting with a letter or digit)");
		if (target_value(c, an, json_object_iter_value(it), cfg, &cfg->targets[i]))
			return -1;
	}
	return 0;
}

static void defaults(struct strlist *l, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strlist_push(l, v[i]);
}

/* Each list given, even empty, replaces its default. */
static int production_value(struct pctx *c, const struct at *at, json_t *v, struct config *cfg)
{
	json_t *m;

	if (need_object(c, at, v, production_keys) ||
	    opt_list(c, at, v, "branches", &cfg->branches, 0))
		return -1;
	if ((m = json_object_get(v, "env_names")) &&
	    str_array(c, AT_KEY(at, "env_names"), m, &cfg->env_names, 0, valid_env_name,
		      "environment variable name"))
		return -1;
	if (opt_list(c, at, v, "env_values", &cfg->env_values, 0))
		return -1;
	if (!json_object_get(v, "branches"))
		defaults(&cfg->branches, default_branches, ARRAY_SIZE(default_branches));
	if (!json_object_get(v, "env_names"))
		defaults(&cfg->env_names, default_env_names, ARRAY_SIZE(default_env_names));
	if (!json_object_get(v, "env_values"))
		defaults(&cfg->env_values, default_env_values, ARRAY_SIZE(default_env_values));
	return 0;
}

static int top_value(struct pctx *c, json_t *root, struct config *cfg)
{
	json_t *m;
	char *dir = NULL;

	if (check_keys(c, NULL, root, top_keys))
		return -1;
	if ((m = json_object_get(root, "version"))) {
		if (!json_is_integer(m))
			return wrong_type(c, AT_KEY(NULL, "version"), m, "an integer");
		if (json_integer_value(m) != 1)
			return fail(c, AT_KEY(NULL, "version"),
				    "must be 1, not %" JSON_INTEGER_FORMAT, json_integer_value(m));
	}
	if (opt_str(c, NULL, root, "backup_dir", &dir))
		return -1;
	cfg->backup_dir = dir_join(cfg->dir, dir ? dir : "backups");
	free(dir);
	if ((m = json_object_get(root, "production"))) {
		if (production_value(c, AT_KEY(NULL, "production"), m, cfg))
			return -1;
	} else {
		defaults(&cfg->branches, default_branches, ARRAY_SIZE(default_branches));
		defaults(&cfg->env_names, default_env_names, ARRAY_SIZE(default_env_names));
		defaults(&cfg->env_values, default_env_values, ARRAY_SIZE(default_env_values));
	}
	if (!(m = json_object_get(root, "targets")))
		return fail(c, NULL, "\"targets\" is required");
	return targets_value(c, AT_KEY(NULL, "targets"), m, cfg);
}

int config_parse(struct config **out, const char *text, size_t len, const char *path,
		 struct strbuf *err)
{
	struct pctx c = { .file = path, .err = err };
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	json_error_t jerr;
	json_t *root = NULL;
	int ret = -1;

	*out = NULL;
	if (path[0] == '/') {
		cfg->path = path_join("/", path);
	} else {
		char *cwd = getcwd(NULL, 0);

		if (!cwd) {
			strbuf_reset(err);
			strbuf_addf(err, "cannot get the current directory: %s", strerror(errno));
			goto out;
		}
		cfg->path = path_join(cwd, path);
		free(cwd);
	}
	cfg->dir = path_dir(cfg->path);
	c.dir = cfg->dir;

	/* Some editors start UTF-8 files with a byte order mark. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		text += 3;
		len -= 3;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		strbuf_reset(err);
		strbuf_addf(err, "'%s': line %d, column %d: invalid JSON: %s", path,
			    jerr.line > 0 ? jerr.line : 1, jerr.column > 0 ? jerr.column : 1,
			    jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		fail(&c, NULL, "expected an object at the top level, got %s", type_name(root));
		goto out;
	}
	if (top_value(&c, root, cfg))
		goto out;
	*out = cfg;
	cfg = NULL;
	ret = 0;
out:
	json_decref(root);
	config_free(cfg);
	return ret;
}

static void ref_clear(struct cfg_ref *r)
{
	free(r->service);
	free(r->container);
}

static void table_clear(struct cfg_table *t)
{
	free(t->schema);
	free(t->name);
}

static void target_clear(struct cfg_target *t)
{
	free(t->name);
	free(t->project);
	ref_clear(&t->db);
	free(t->db_name);
	free(t->db_user);
	free(t->password_env);
	free(t->url);
	for (size_t i = 0; i < t->napps; i++)
		ref_clear(&t->apps[i]);
	free(t->apps);
	for (size_t i = 0; i < t->ncaches; i++) {
		ref_clear(&t->caches[i].ref);
		free(t->caches[i].password_env);
	}
	free(t->caches);
	strlist_clear(&t->schemas);
	for (size_t i = 0; i < t->ntables; i++)
		table_clear(&t->tables[i]);
	free(t->tables);
	for (size_t i = 0; i < t->nkeep; i++)
		table_clear(&t->keep[i]);
	free(t->keep);
	strlist_clear(&t->migrate_sql);
	ref_clear(&t->migrate_ref);
	strlist_clear(&t->migrate_argv);
	for (size_t i = 0; i < t->nseeds; i++) {
		struct cfg_seed_profile *p = &t->seeds[i];

		for (size_t j = 0; j < p->nsteps; j++) {
			struct cfg_seed_step *s = &p->steps[j];

			free(s->file);
			table_clear(&s->table);
			strlist_clear(&s->columns);
			ref_clear(&s->run);
			strlist_clear(&s->argv);
			strlist_clear(&s->env);
		}
		free(p->steps);
		free(p->name);
	}
	free(t->seeds);
	strlist_clear(&t->default_seeds);
	for (size_t i = 0; i < t->nstats; i++) {
		free(t->stats[i].name);
		free(t->stats[i].query);
	}
	free(t->stats);
	free(t->backup_dir);
	for (size_t i = 0; i < t->nmerge; i++) {
		table_clear(&t->merge[i].table);
		strlist_clear(&t->merge[i].key);
	}
	free(t->merge);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->ntargets; i++)
		target_clear(&cfg->targets[i]);
	free(cfg->targets);
	strlist_clear(&cfg->branches);
	strlist_clear(&cfg->env_names);
	strlist_clear(&cfg->env_values);
	free(cfg->backup_dir);
	free(cfg->dir);
	free(cfg->path);
	free(cfg);
}

struct cfg_target *config_target(struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->ntargets; i++)
		if (!strcmp(cfg->targets[i].name, name))
			return &cfg->targets[i];
	return NULL;
}

const char *config_project_source_name(enum cfg_project_source src)
{
	switch (src) {
	case PROJECT_FROM_CONFIG:
		return "config";
	case PROJECT_FROM_ENV:
		return "COMPOSE_PROJECT_NAME";
	case PROJECT_FROM_DOTENV:
		return ".env";
	case PROJECT_FROM_LABEL:
		return "working_dir label";
	case PROJECT_FROM_DIRNAME:
		break;
	}
	return "directory name";
}

char *config_project_named(const char *dir, const struct cfg_target *t,
			   enum cfg_project_source *src)
{
	const char *env = getenv("COMPOSE_PROJECT_NAME");
	struct strbuf sb = STRBUF_INIT;
	char *path, *v = NULL;

	if (t && t->project) {
		*src = PROJECT_FROM_CONFIG;
		return xstrdup(t->project);
	}
	if (env && *env) {
		*src = PROJECT_FROM_ENV;
		return xstrdup(env);
	}
	path = xasprintf("%s/.env", dir);
	/* a .env file is small: a missing, unreadable or huge one names nothing */
	if (read_file_max(&sb, path, 1 << 20) == 0) {
		v = init_dotenv_value(strbuf_str(&sb), sb.len, "COMPOSE_PROJECT_NAME");
		if (v && !*v) {
			free(v);
			v = NULL;
		}
	}
	free(path);
	strbuf_release(&sb);
	if (v)
		*src = PROJECT_FROM_DOTENV;
	return v;
}

char *config_project_dirname(const char *dir)
{
	const char *base = strrchr(dir, '/');

	return config_normalize_project(base ? base + 1 : dir);
}

char *config_target_project(const struct config *cfg, const struct cfg_target *t)
{
	enum cfg_project_source src;
	char *p = config_project_named(cfg->dir, t, &src);

	return p ? p : config_project_dirname(cfg->dir);
}

/* An explicitly named file: it must exist and be a regular file. */
static int find_named(char **out, const char *path, const char *origin)
{
	struct stat st;
	char *real;

	if (stat(path, &st) || !(real = realpath(path, NULL))) {
		ui_error("cannot read config file '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ui_error("cannot read config file '%s': %s", path,
			 S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		free(real);
		goto fail;
	}
	*out = real;
	return 0;
fail:
	if (origin)
		ui_hint("the file is named by %s", origin);
	return -1;
}

int config_find(char **out, const char *explicit_path)
{
	const char *env = getenv("DOCKRESET_CONFIG");
	char *cwd = NULL, *dir = NULL, *file = NULL;
	int ret = -1;

	*out = NULL;
	if (explicit_path)
		return find_named(out, explicit_path, NULL);
	if (env && *env)
		return find_named(out, env, "$DOCKRESET_CONFIG");

	cwd = getcwd(NULL, 0);
	if (!cwd) {
		ui_error("cannot get the current directory: %s", strerror(errno));
		goto out;
	}
	dir = xstrdup(cwd);
	for (;;) {
		struct stat st;
		char *parent;

		file = path_join(dir, CONFIG_NAME);
		if (!stat(file, &st)) {
			/* Found, even if unusable: never fall back to a parent's file. */
			ret = find_named(out, file, NULL);
			goto out;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			ui_error("cannot read config file '%s': %s", file, strerror(errno));
			goto out;
		}
		free(file);
		file = NULL;
		if (!strcmp(dir, "/"))
			break;
		parent = path_dir(dir);
		free(dir);
		dir = parent;
	}
	ui_error("no %s found in '%s' or its parents", CONFIG_NAME, cwd);
	ui_hint("create one (see README) or pass -c FILE");
out:
	free(file);
	free(dir);
	free(cwd);
	return ret;
}

int config_load(struct config **out, const char *explicit_path)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	char *path = NULL;
	int ret = -1;

	*out = NULL;
	if (config_find(&path, explicit_path))
		goto out;
	if (read_file_max(&text, path, CONFIG_MAX_SIZE)) {
		if (errno == EFBIG)
			ui_error("config file '%s' is larger than %d bytes", path, CONFIG_MAX_SIZE);
		else
			ui_error("cannot read config file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (config_parse(out, strbuf_str(&text), text.len, path, &err)) {
		ui_error("%s", strbuf_str(&err));
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&err);
	strbuf_release(&text);
	free(path);
	return ret;
}
