/*
 * backup_manifest.c - backup manifests (build, check, write, load) and the
 * listing of a target's backups.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_priv.h"
#include "ui.h"

#ifndef DOCKRESET_VERSION
#define DOCKRESET_VERSION "unknown"
#endif

#define MANIFEST_MAX (64u << 20)

static const char *const reasons[] = { "manual", "pre-reset", "pre-restore", "pre-rollback" };

/* ---- building ---- */

static int set_string(json_t *o, const char *key, const char *s, int nullable)
{
	json_t *v;

	if (!s && nullable)
		return json_object_set_new(o, key, json_null());
	v = s ? json_string(s) : NULL;
	if (!v) {
		ui_error("cannot build the backup manifest: field '%s' is %s", key,
			 s ? "not valid UTF-8" : "missing");
		return -1;
	}
	return json_object_set_new(o, key, v);
}

static int set_time(json_t *o, const char *key, time_t t, int nullable)
{
	char buf[BACKUP_TIME_LEN];

	if (nullable && t == 0)
		return json_object_set_new(o, key, json_null());
	return json_object_set_new(o, key, json_string(backup_time_format(buf, t)));
}

static json_t *copy_object(const json_t *v)
{
	return v ? json_deep_copy(v) : json_object();
}

json_t *backup_manifest_build(const struct backup_meta *m)
{
	json_t *o = json_object(), *db = json_object(), *git = json_object();
	char *file = m->id ? backup_file_name(m->id, m->format) : NULL;
	int bad = 0;

	bad |= json_object_set_new(o, "format_version", json_integer(1));
	bad |= set_string(o, "id", m->id, 0);
	bad |= set_string(o, "target", m->target, 0);
	bad |= set_time(o, "created_at", m->created_at, 0);
	bad |= set_string(o, "reason", m->reason, 0);
	bad |= set_string(o, "label", m->label, 1);
	bad |= set_string(o, "format", backup_format_name(m->format), 0);
	bad |= set_string(o, "file", file, 0);
	bad |= json_object_set_new(o, "size", json_integer((json_int_t)m->size));
	bad |= set_string(o, "sha256", m->sha256, 0);
	bad |= set_string(db, "name", m->db_name, 0);
	bad |= set_string(db, "server_version", m->server_version, 0);
	bad |= json_object_set(o, "database", db);
	bad |= json_object_set_new(o, "tables", copy_object(m->tables));
	bad |= json_object_set_new(o, "stats", copy_object(m->stats));
	bad |= set_string(git, "branch", m->git_branch, 1);
	bad |= set_string(git, "commit", m->git_commit, 1);
	bad |= json_object_set(o, "git", git);
	bad |=
	    set_string(o, "tool_version", m->tool_version ? m->tool_version : DOCKRESET_VERSION, 0);
	bad |= json_object_set_new(o, "duration_ms", json_integer(m->duration_ms));
	bad |= set_time(o, "verified_at", m->verified_at, 1);
	free(file);
	json_decref(db);
	json_decref(git);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int backup_manifest_set_verified(json_t *m, time_t t)
{
	if (set_time(m, "verified_at", t, 1) < 0) {
		ui_error("cannot update the manifest's verified_at");
		return BACKUP_ERR;
	}
	return 0;
}

/* ---- checking ---- */

/* A string field without NUL bytes, or NULL and *why. */
static const char *get_string(char **why, const json_t *o, const char *key, const char *where,
			      int nullable, int *is_null)
{
	json_t *v = json_object_get(o, key);

	if (is_null)
		*is_null = 0;
	if (!v) {
		*why = xasprintf("field '%s%s' is missing", where, key);
		return NULL;
	}
	if (nullable && json_is_null(v)) {
		*is_null = 1;
		return NULL;
	}
	if (!json_is_string(v)) {
		*why = xasprintf("field '%s%s' is not a string%s", where, key,
				 nullable ? " or null" : "");
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		*why = xasprintf("field '%s%s' holds a NUL byte", where, key);
		return NULL;
	}
	return json_string_value(v);
}

static int get_uint(char **why, const json_t *o, const char *key, json_int_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		*why = xasprintf("field '%s' is missing", key);
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*why = xasprintf("field '%s' is not a non-negative integer", key);
		return -1;
	}
	if (out)
		*out = json_integer_value(v);
	return 0;
}

static int get_object(char **why, const json_t *o, const char *key, json_t **out)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		*why = xasprintf("field '%s' is missing", key);
		return -1;
	}
	if (!json_is_object(v)) {
		*why = xasprintf("field '%s' is not an object", key);
		return -1;
	}
	*out = v;
	return 0;
}

static int is_sha256(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

int backup_manifest_check(char **why, const json_t *m, const char *target)
{
	const char *id, *mt, *s, *file;
	json_t *v, *db, *tables, *stats, *git;
	enum backup_format f;
	const char *key;
	char *want;
	time_t t;
	int null, ok;

	*why = NULL;
	if (!json_is_object(m)) {
		*why = xstrdup("it is not a JSON object");
		return -1;
	}
	v = json_object_get(m, "format_version");
	if (!v) {
		*why = xstrdup("field 'format_version' is missing");
		return -1;
	}
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		*why = xstrdup("field 'format_version' is not 1 (made by a newer dockreset?)");
		return -1;
	}
	if (!(mt = get_string(why, m, "target", "", 0, NULL)))
		return -1;
	if (!backup_target_valid(mt)) {
		*why = xasprintf("field 'target' is not a valid target name: '%s'", mt);
		return -1;
	}
	if (target && strcmp(mt, target) != 0) {
		*why = xasprintf("it belongs to target '%s', not '%s'", mt, target);
		return -1;
	}
	if (!(id = get_string(why, m, "id", "", 0, NULL)))
		return -1;
	if (!backup_id_valid(mt, id)) {
		*why = xasprintf("field 'id' is not a backup id of target '%s'", mt);
		return -1;
	}
	if (!(s = get_string(why, m, "created_at", "", 0, NULL)))
		return -1;
	if (backup_time_parse(&t, s)) {
		*why = xstrdup("field 'created_at' is not a UTC time like 2026-11-22T01:02:03Z");
		return -1;
	}
	if (!(s = get_string(why, m, "reason", "", 0, NULL)))
		return -1;
	ok = 0;
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		ok |= !strcmp(s, reasons[i]);
	if (!ok) {
		*why =
		    xstrdup("field 'reason' is not manual, pre-reset, pre-restore or pre-rollback");
		return -1;
	}
	if (!get_string(why, m, "label", "", 1, &null) && !null)
		return -1;
	if (!(s = get_string(why, m, "format", "", 0, NULL)))
		return -1;
	if (backup_format_parse(&f, s)) {
		*why = xstrdup("field 'format' is not custom, plain or json");
		return -1;
	}
	if (!(file = get_string(why, m, "file", "", 0, NULL)))
		return -1;
	want = backup_file_name(id, f);
	ok = !strcmp(file, want);
	if (!ok)
		*why = xasprintf("field 'file' is not '%s'", want);
	free(want);
	if (!ok)
		return -1;
	if (get_uint(why, m, "size", NULL))
		return -1;
	if (!(s = get_string(why, m, "sha256", "", 0, NULL)))
		return -1;
	if (!is_sha256(s)) {
		*why = xstrdup("field 'sha256' is not 64 lowercase hexadecimal digits");
		return -1;
	}
	if (get_object(why, m, "database", &db))
		return -1;
	if (!get_string(why, db, "name", "database.", 0, NULL) ||
	    !get_string(why, db, "server_version", "database.", 0, NULL))
		return -1;
	if (get_object(why, m, "tables", &tables))
		return -1;
	json_object_foreach(tables, key, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			*why = xasprintf("field 'tables' holds '%s' without a row count", key);
			return -1;
		}
	}
	if (get_object(why, m, "stats", &stats))
		return -1;
	git = json_object_get(m, "git");
	if (!git) {
		*why = xstrdup("field 'git' is missing");
		return -1;
	}
	if (!json_is_null(git)) {
		if (!json_is_object(git)) {
			*why = xstrdup("field 'git' is not an object or null");
			return -1;
		}
		if ((!get_string(why, git, "branch", "git.", 1, &null) && !null) ||
		    (!get_string(why, git, "commit", "git.", 1, &null) && !null))
			return -1;
	}
	if (!get_string(why, m, "tool_version", "", 0, NULL))
		return -1;
	if (get_uint(why, m, "duration_ms", NULL))
		return -1;
	s = get_string(why, m, "verified_at", "", 1, &null);
	if (!s && !null)
		return -1;
	if (s && backup_time_parse(&t, s)) {
		*why = xstrdup("field 'verified_at' is not null or a UTC time");
		return -1;
	}
	return 0;
}

/* ---- writing and loading ---- */

int backup_manifest_write(const char *dir, const json_t *m, unsigned flags)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *why = NULL, *text = NULL, *name = NULL;
	int rc;

	if (backup_manifest_check(&why, m, NULL)) {
		ui_error("internal: refusing to write a manifest that fails its check: %s", why);
		rc = BACKUP_ERR;
		goto out;
	}
	name = backup_manifest_name(json_string_value(json_object_get(m, "id")));
	text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text) {
		ui_error("cannot serialise the manifest '%s'", name);
		rc = BACKUP_ERR;
		goto out;
	}
	rc = backup_file_open(&f, dir, name, flags);
	if (!rc)
		rc = backup_file_write(&f, text, strlen(text));
	if (!rc)
		rc = backup_file_write(&f, "\n", 1);
	if (!rc)
		rc = backup_file_commit(&f);
out:
	backup_file_abort(&f);
	free(text);
	free(name);
	free(why);
	return rc;
}

/* Quiet: 0, or a code and *why. */
static int manifest_load_at(json_t **out, char **why, int dirfd, const char *path,
			    const char *target)
{
	struct strbuf sb = STRBUF_INIT;
	json_error_t err;
	json_t *m = NULL;
	char buf[65536];
	int fd = -1, rc;

	*out = NULL;
	rc = backup_priv_open_regular(&fd, why, dirfd, path, 0);
	if (rc)
		return rc;
	for (;;) {
		long n = backup_priv_read(fd, buf, sizeof(buf));
		if (n < 0) {
			*why = xstrdup(strerror(errno));
			rc = BACKUP_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > MANIFEST_MAX) {
			*why = xstrdup("it is larger than 64 MiB");
			rc = BACKUP_ERR_INTEGRITY;
			goto out;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	m = json_loadb(strbuf_str(&sb), sb.len, JSON_REJECT_DUPLICATES, &err);
	if (!m) {
		*why = xasprintf("line %d, column %d: %s", err.line, err.column, err.text);
		rc = BACKUP_ERR_INTEGRITY;
		goto out;
	}
	if (backup_manifest_check(why, m, target)) {
		rc = BACKUP_ERR_INTEGRITY;
		goto out;
	}
	*out = m;
	m = NULL;
out:
	json_decref(m);
	strbuf_release(&sb);
	close(fd);
	return rc;
}

int backup_manifest_load(json_t **out, const char *path, const char *target)
{
	char *why = NULL;
	int rc = manifest_load_at(out, &why, AT_FDCWD, path, target);

	if (rc == BACKUP_ERR_INTEGRITY)
		ui_error("manifest '%s' is damaged: %s", path, why);
	else if (rc)
		ui_error("cannot read manifest '%s': %s", path, why);
	free(why);
	return rc;
}

/* ---- listing ---- */

void backup_list_release(struct backup_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		json_decref(l->v[i].manifest);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	strlist_clear(&l->orphans);
	strlist_clear(&l->damaged);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct backup_entry *x = a, *y = b;

	if (x->created_at != y->created_at)
		return x->created_at > y->created_at ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return strcmp(y->id ? y->id : "", x->id ? x->id : "");
}

void backup_list_sort(struct backup_entry *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), entry_cmp);
}

static void entry_fill(struct backup_entry *e, json_t *m, const char *target)
{
	const char *v;

	memset(e, 0, sizeof(*e));
	e->manifest = m;
	e->id = json_string_value(json_object_get(m, "id"));
	e->file = json_string_value(json_object_get(m, "file"));
	e->reason = json_string_value(json_object_get(m, "reason"));
	backup_format_parse(&e->format, json_string_value(json_object_get(m, "format")));
	backup_time_parse(&e->created_at, json_string_value(json_object_get(m, "created_at")));
	backup_id_parse(NULL, &e->seq, target, e->id);
	v = json_string_value(json_object_get(m, "verified_at"));
	if (v)
		backup_time_parse(&e->verified_at, v);
	e->size = (unsigned long long)json_integer_value(json_object_get(m, "size"));
}

static const char manifest_suffix[] = ".manifest.json";

int backup_list_load(struct backup_list *out, const char *dir, const char *target)
{
	struct strlist names = STRLIST_INIT, covered = STRLIST_INIT;
	char *why = NULL;
	struct dirent *e;
	DIR *d = NULL;
	int fd = -1, rc;

	backup_list_release(out);
	rc = backup_priv_open_dir(&fd, &why, dir);
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc) {
		rc = backup_priv_dir_error(rc, dir, why);
		goto out;
	}
	d = fdopendir(fd);
	if (!d) {
		ui_error("cannot read directory '%s': %s", dir, strerror(errno));
		close(fd);
		rc = BACKUP_ERR_IO;
		goto out;
	}
	errno = 0;
	while ((e = readdir(d)))
		if (backup_id_prefix(target, e->d_name))
			strlist_push(&names, e->d_name);
	if (errno) {
		ui_error("cannot read directory '%s': %s", dir, strerror(errno));
		rc = BACKUP_ERR_IO;
		goto out;
	}
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.v[i];
		size_t idlen = backup_id_prefix(target, name);
		json_t *m;

		if (strcmp(name + idlen, manifest_suffix) != 0)
			continue;
		free(why);
		why = NULL;
		/* A damaged manifest is listed as such, not again as an orphan. */
		strlist_push(&covered, name);
		if (manifest_load_at(&m, &why, dirfd(d), name, target)) {
			strlist_push_nodup(&out->damaged, xasprintf("%s: %s", name, why));
			continue;
		}
		const char *id = json_string_value(json_object_get(m, "id"));
		if (strlen(id) != idlen || strncmp(id, name, idlen) != 0) {
			strlist_push_nodup(
			    &out->damaged,
			    xasprintf("%s: its name does not match its id '%s'", name, id));
			json_decref(m);
			continue;
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		entry_fill(&out->v[out->n], m, target);
		out->v[out->n].missing = !strlist_has(&names, out->v[out->n].file);
		strlist_push(&covered, out->v[out->n].file);
		out->n++;
	}
	for (size_t i = 0; i < names.n; i++)
		if (!strlist_has(&covered, names.v[i]))
			strlist_push(&out->orphans, names.v[i]);
	backup_list_sort(out->v, out->n);
out:
	if (d)
		closedir(d);
	free(why);
	strlist_clear(&names);
	strlist_clear(&covered);
	if (rc)
		backup_list_release(out);
	return rc;
}

const struct backup_entry *backup_list_latest(const struct backup_list *l, const char *target,
					      const char **damaged)
{
	const struct backup_entry *best = NULL;

	*damaged = NULL;
	for (size_t i = 0; i < l->n && !best; i++)
		if (strcmp(l->v[i].reason, "pre-restore") && strcmp(l->v[i].reason, "pre-rollback"))
			best = &l->v[i];
	/* a damaged manifest may be the newest backup's: then there is no
	 * telling which backup is the latest, and an older one is never taken
	 * silently */
	for (size_t i = 0; i < l->damaged.n; i++) {
		const char *name = l->damaged.v[i];
		size_t n = backup_id_prefix(target, name);
		char *id = xstrndup(name, n);
		time_t t;
		unsigned seq;

		if (n && backup_id_parse(&t, &seq, target, id) == 0 &&
		    (!best || t > best->created_at || (t == best->created_at && seq > best->seq)))
			*damaged = name;
		free(id);
		if (*damaged)
			return NULL;
	}
	return best;
}
