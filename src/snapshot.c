/*
 * snapshot.c - the pure parts of snapshots: names, database names, the
 * record, and the statements that put a database's settings back.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "backup.h"
#include "snapshot.h"

#define RECORD_VERSION 1

int snapshot_name_valid(const char *name)
{
	return backup_target_valid(name);
}

static void sha256_hex(char *out, size_t nhex, const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (size_t i = 0; i < nhex && i / 2 < sizeof(md); i++)
		out[i] = hex[i % 2 ? md[i / 2] & 15 : md[i / 2] >> 4];
	out[nhex] = 0;
}

char *snapshot_db_prefix(const char *target, const char *dbname)
{
	struct strbuf sb = STRBUF_INIT;
	char h[9];

	strbuf_addstr(&sb, target);
	strbuf_addch(&sb, 0);
	strbuf_addstr(&sb, dbname);
	sha256_hex(h, 8, sb.buf, sb.len);
	strbuf_release(&sb);
	return xasprintf("dockreset_%s_", h);
}

char *snapshot_db_name(const char *prefix, const char *name, char kind, const char *tag)
{
	char h[11];

	sha256_hex(h, 10, name, strlen(name));
	return xasprintf("%s%s_%c%.16s", prefix, h, kind, tag);
}

char *snapshot_old_name(const char *prefix, const char *tag)
{
	return xasprintf("%sold_%.16s", prefix, tag);
}

int snapshot_db_is_ours(const char *prefix, const char *datname)
{
	return prefix && datname && *prefix && !strncmp(datname, prefix, strlen(prefix));
}

void snapshot_random_tag(char tag[17])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[8];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		unsigned long long v = (unsigned long long)time(NULL) * 1000003ULL ^
				       ((unsigned long long)getpid() << 20);
		memcpy(b, &v, sizeof(b));
	}
	for (size_t i = 0; i < 16; i++)
		tag[i] = hex[i % 2 ? b[i / 2] & 15 : b[i / 2] >> 4];
	tag[16] = 0;
}

json_t *snapshot_record_build(const struct snapshot_meta *m)
{
	char when[BACKUP_TIME_LEN];
	json_t *r;

	r = json_pack("{s:i, s:s, s:s, s:s, s:I, s:{s:s, s:s, s:s}, s:s, s:s?, s:O?, s:O?, s:i, "
		      "s:s?, s:{s:s?, s:s?}, s:s, s:I}",
		      "format_version", RECORD_VERSION, "name", m->name, "target", m->target,
		      "created_at", backup_time_format(when, m->created_at), "size",
		      (json_int_t)m->size, "database", "source", m->source_db, "copy", m->copy_db,
		      "spare", m->spare_db, "owner", m->owner, "datacl", m->datacl, "acl", m->acl,
		      "settings", m->settings, "connection_limit", m->connlimit, "environment",
		      m->environment, "git", "branch", m->git_branch, "commit", m->git_commit,
		      "tool_version", DOCKRESET_VERSION, "duration_ms", (json_int_t)m->duration_ms);
	if (!r)
		return NULL;
	if (!json_object_get(r, "acl"))
		json_object_set_new(r, "acl", json_array());
	if (!json_object_get(r, "settings"))
		json_object_set_new(r, "settings", json_array());
	return r;
}

const char *snapshot_record_str(const json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

const char *snapshot_record_db(const json_t *r, const char *which)
{
	return json_string_value(json_object_get(json_object_get(r, "database"), which));
}

static int key_valid(const char *k, size_t n)
{
	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int check_fail(char **why, const char *fmt, const char *what)
{
	*why = xasprintf(fmt, what);
	return -1;
}

int snapshot_record_check(char **why, const json_t *r, const char *name, const char *prefix)
{
	static const char *strings[] = { "name", "target", "created_at", "owner", "tool_version" };
	static const char *dbs[] = { "source", "copy", "spare" };
	const json_t *db, *v, *e;
	time_t t;
	size_t i;

	*why = NULL;
	if (!json_is_object(r))
		return check_fail(why, "%s", "the record is not a JSON object");
	v = json_object_get(r, "format_version");
	if (!json_is_integer(v) || json_integer_value(v) != RECORD_VERSION)
		return check_fail(why, "field '%s' is not 1", "format_version");
	for (i = 0; i < ARRAY_SIZE(strings); i++)
		if (!json_is_string(json_object_get(r, strings[i])))
			return check_fail(why, "field '%s' is not a string", strings[i]);
	if (!snapshot_name_valid(snapshot_record_str(r, "name")))
		return check_fail(why, "field '%s' is not a valid snapshot name", "name");
	if (name && strcmp(name, snapshot_record_str(r, "name")))
		return check_fail(why, "field 'name' is not '%s'", name);
	if (backup_time_parse(&t, snapshot_record_str(r, "created_at")) < 0)
		return check_fail(why, "field '%s' is not a UTC time", "created_at");
	v = json_object_get(r, "size");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return check_fail(why, "field '%s' is not a non-negative integer", "size");
	db = json_object_get(r, "database");
	if (!json_is_object(db))
		return check_fail(why, "field '%s' is not an object", "database");
	for (i = 0; i < ARRAY_SIZE(dbs); i++) {
		const char *s = json_string_value(json_object_get(db, dbs[i]));
		if (!s || !*s || strlen(s) > 63)
			return check_fail(why, "field 'database.%s' is not a database name",
					  dbs[i]);
		if (i > 0 && prefix && !snapshot_db_is_ours(prefix, s))
			return check_fail(why,
					  "field 'database.%s' is not a database of this "
					  "target's snapshots",
					  dbs[i]);
	}
	v = json_object_get(r, "datacl");
	if (!v || !(json_is_null(v) || json_is_string(v)))
		return check_fail(why, "field '%s' is not a string or null", "datacl");
	v = json_object_get(r, "environment");
	if (!v || !(json_is_null(v) || json_is_string(v)))
		return check_fail(why, "field '%s' is not a string or null", "environment");
	if (!json_is_integer(json_object_get(r, "connection_limit")))
		return check_fail(why, "field '%s' is not an integer", "connection_limit");
	v = json_object_get(r, "acl");
	if (!json_is_array(v))
		return check_fail(why, "field '%s' is not an array", "acl");
	json_array_foreach(v, i, e)
	{
		const json_t *g = json_object_get(e, "grantee");
		const char *p = json_string_value(json_object_get(e, "privilege"));
		if (!g || !(json_is_null(g) || json_is_string(g)) || !p ||
		    !json_is_boolean(json_object_get(e, "grantable")) ||
		    (strcmp(p, "CONNECT") && strcmp(p, "CREATE") && strcmp(p, "TEMPORARY")))
			return check_fail(why, "field '%s' holds a bad entry", "acl");
	}
	v = json_object_get(r, "settings");
	if (!json_is_array(v))
		return check_fail(why, "field '%s' is not an array", "settings");
	json_array_foreach(v, i, e)
	{
		const json_t *role = json_object_get(e, "role"),
			     *items = json_object_get(e, "settings");
		const json_t *it;
		size_t k;
		if (!role || !(json_is_null(role) || json_is_string(role)) || !json_is_array(items))
			return check_fail(why, "field '%s' holds a bad entry", "settings");
		json_array_foreach(items, k, it)
		{
			/* a setting is good when it gives a statement (a list
			 * setting's value must split, as the server stores it) */
			char *sql = json_is_string(it)
					? snapshot_setting_sql("db", NULL, json_string_value(it))
					: NULL;
			if (!sql)
				return check_fail(why, "field '%s' holds a bad setting",
						  "settings");
			free(sql);
		}
	}
	v = json_object_get(r, "git");
	if (!json_is_object(v))
		return check_fail(why, "field '%s' is not an object", "git");
	if (!json_is_integer(json_object_get(r, "duration_ms")))
		return check_fail(why, "field '%s' is not an integer", "duration_ms");
	return 0;
}

int snapshot_guc_is_list(const char *key)
{
	static const char *lists[] = { "local_preload_libraries",   "search_path",
				       "session_preload_libraries", "shared_preload_libraries",
				       "temp_tablespaces",	    "unix_socket_directories" };

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (!strcasecmp(key, lists[i]))
			return 1;
	return 0;
}

int snapshot_guc_split(struct strlist *out, const char *value)
{
	const char *p = value;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		struct strbuf sb = STRBUF_INIT;
		if (*p == '"') {
			for (p++;; p++) {
				if (!*p) {
					strbuf_release(&sb);
					return -1;
				}
				if (*p == '"') {
					if (p[1] != '"')
						break;
					p++;
				}
				strbuf_addch(&sb, *p);
			}
			p++;
		} else {
			while (*p && *p != ',' && *p != ' ' && *p != '\t')
				strbuf_addch(&sb, *p++);
		}
		strlist_push(out, strbuf_str(&sb));
		strbuf_release(&sb);
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		if (*p != ',')
			return -1;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
}

static char *quote(const char *s, char q)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, q);
	for (; *s; s++) {
		if (*s == q)
			strbuf_addch(&sb, q);
		strbuf_addch(&sb, *s);
	}
	strbuf_addch(&sb, q);
	return strbuf_detach(&sb);
}

char *snapshot_sql_literal(const char *s)
{
	/* standard_conforming_strings is on (the default since 9.1, and set by
	 * dockreset's sessions): a backslash is an ordinary character */
	return quote(s, '\'');
}

char *snapshot_sql_ident(const char *s)
{
	return quote(s, '"');
}

char *snapshot_setting_sql(const char *db, const char *role, const char *item)
{
	const char *eq = strchr(item, '=');
	struct strbuf sb = STRBUF_INIT;
	char *key, *qdb, *qkey;

	if (!eq || !key_valid(item, (size_t)(eq - item)))
		return NULL;
	key = xstrndup(item, (size_t)(eq - item));
	qdb = snapshot_sql_ident(db);
	qkey = snapshot_sql_ident(key);
	if (role) {
		char *qrole = snapshot_sql_ident(role);
		strbuf_addf(&sb, "ALTER ROLE %s IN DATABASE %s SET %s TO ", qrole, qdb, qkey);
		free(qrole);
	} else {
		strbuf_addf(&sb, "ALTER DATABASE %s SET %s TO ", qdb, qkey);
	}
	if (snapshot_guc_is_list(key)) {
		struct strlist l = STRLIST_INIT;
		if (snapshot_guc_split(&l, eq + 1) < 0 || l.n == 0) {
			strlist_clear(&l);
			free(key);
			free(qdb);
			free(qkey);
			strbuf_release(&sb);
			return NULL;
		}
		for (size_t i = 0; i < l.n; i++) {
			char *lit = snapshot_sql_literal(l.v[i]);
			strbuf_addf(&sb, "%s%s", i ? ", " : "", lit);
			free(lit);
		}
		strlist_clear(&l);
	} else {
		char *lit = snapshot_sql_literal(eq + 1);
		strbuf_addstr(&sb, lit);
		free(lit);
	}
	free(key);
	free(qdb);
	free(qkey);
	return strbuf_detach(&sb);
}

int snapshot_settings_row(json_t *settings, const char *role, const char *config,
			  char **environment)
{
	static const char env[] = SNAPSHOT_ENV_KEY "=";
	json_t *items =
	    config && *config ? json_loads(config, JSON_REJECT_DUPLICATES, NULL) : json_array();
	const char *marker = NULL;
	json_t *it;
	size_t i;

	if (!json_is_array(items))
		goto bad;
	json_array_foreach(items, i, it)
	{
		const char *v = json_string_value(it);
		const char *eq = v ? strchr(v, '=') : NULL;

		if (!eq || eq == v)
			goto bad;
		if (!role && !strncmp(v, env, sizeof(env) - 1))
			marker = v + sizeof(env) - 1;
	}
	if (marker) {
		free(*environment);
		*environment = xstrdup(marker);
	}
	json_array_append_new(settings, json_pack("{s:s?, s:o}", "role", role, "settings", items));
	return 0;
bad:
	json_decref(items);
	return -1;
}
