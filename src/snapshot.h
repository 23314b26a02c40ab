/*
 * snapshot.h - the pure parts of snapshots (issue 12): snapshot names, the
 * names of the databases that hold them, the record kept per snapshot, and
 * the SQL that puts a database's settings back on a copy.
 *
 * A snapshot NAME of target T is a copy of T's database inside the same
 * server, made with CREATE DATABASE ... TEMPLATE, plus a ready spare copy of
 * that copy which `rollback` renames into the target's place. Database names
 * are cut at 63 bytes, so copies are named by short hashes, never by the
 * user's names: every database dockreset makes for T begins with
 * snapshot_db_prefix(T, its database), which is how the leftovers of an
 * interrupted run are recognised.
 */
#ifndef DOCKRESET_SNAPSHOT_H
#define DOCKRESET_SNAPSHOT_H

#include <jansson.h>
#include <time.h>

#include "util.h"

/* Quiet and pure. 1 when name matches [a-z0-9][a-z0-9_.-]{0,62}, else 0. */
int snapshot_name_valid(const char *name);

/*
 * Pure. "dockreset_<8 hex>_": the first 4 bytes of SHA-256 of target, a NUL
 * and the target's database name. New string.
 */
char *snapshot_db_prefix(const char *target, const char *dbname);

/*
 * Pure. A database of snapshot name: prefix, 10 hex digits of
 * SHA-256(name), '_', kind ('c' the copy, 's' the spare) and tag (at most 16
 * characters of [0-9a-f]), e.g. "dockreset_0a1b2c3d_4e5f60718293_c9f00ba12".
 * New string, at most 63 bytes.
 */
char *snapshot_db_name(const char *prefix, const char *name, char kind, const char *tag);

/* Pure. The name a replaced database gets until it is dropped: prefix,
 * "old_" and tag. New string. */
char *snapshot_old_name(const char *prefix, const char *tag);

/* Quiet and pure. 1 when datname begins with prefix (a database this target's
 * snapshots made), else 0. */
int snapshot_db_is_ours(const char *prefix, const char *datname);

/* Fills tag (17 bytes) with 16 random hex digits (getrandom, else time and
 * pid). */
void snapshot_random_tag(char tag[17]);

/* The production marker's setting (SPEC 3). */
#define SNAPSHOT_ENV_KEY "dockreset.environment"

/* The record of a snapshot: what snapshot_record_build() writes. */
struct snapshot_meta {
	const char *name;
	const char *target;
	time_t created_at;
	long long size;		/* pg_database_size of the source, bytes */
	const char *source_db;	/* the target's database */
	const char *copy_db;	/* the snapshot */
	const char *spare_db;	/* the spare rollback renames into place */
	const char *owner;	/* the source database's owner */
	const char *datacl;	/* its ACL as text, or NULL (the default) */
	const json_t *acl;	/* borrowed: [{"grantee": role|null, "privilege", "grantable"}] */
	const json_t *settings; /* borrowed: [{"role": role|null, "settings": ["k=v"...]}] */
	int connlimit;
	const char *environment; /* dockreset.environment of the source, or NULL */
	const char *git_branch;	 /* or NULL */
	const char *git_commit;	 /* or NULL */
	long long duration_ms;
};

/*
 * The record as a new object, keys in this order: format_version (1), name,
 * target, created_at, size, database {source, copy, spare}, owner, datacl,
 * acl, settings, connection_limit, environment, git {branch, commit},
 * tool_version, duration_ms. NULL when a string is not valid UTF-8.
 */
json_t *snapshot_record_build(const struct snapshot_meta *m);

/*
 * Quiet and pure. Checks every field of r: present, right type, name valid
 * and equal to name (when not NULL), the copy's and spare's names begin with
 * prefix (a record changed by hand never makes dockreset drop a database
 * that is not a snapshot's), setting items that snapshot_setting_sql()
 * can put back ("k=v" with a key of [A-Za-z0-9_.], a list setting's value
 * splitting). Returns 0, or -1 and *why (new string).
 */
int snapshot_record_check(char **why, const json_t *r, const char *name, const char *prefix);

/* Borrowed strings of a checked record. */
const char *snapshot_record_str(const json_t *r, const char *key);
const char *snapshot_record_db(const json_t *r, const char *which); /* "source", "copy", "spare" */

/* Quiet and pure. 1 for the settings PostgreSQL stores as lists of quoted
 * identifiers (search_path, temp_tablespaces, *_preload_libraries,
 * unix_socket_directories), as pg_dump knows them. */
int snapshot_guc_is_list(const char *key);

/*
 * Quiet and pure. Splits a list setting's stored value ('"$user", public')
 * into its elements, double quotes removed; pg_dump's SplitGUCList. 0, or
 * -1 for an unbalanced quote.
 */
int snapshot_guc_split(struct strlist *out, const char *value);

/* Pure. s as an SQL string literal ('it''s'); new string. */
char *snapshot_sql_literal(const char *s);
/* Pure. s as an SQL identifier ("a""b"); new string. */
char *snapshot_sql_ident(const char *s);

/*
 * Pure. The statement that stores item ("key=value", as pg_db_role_setting
 * holds it) on database db: ALTER DATABASE db SET key TO value, or with
 * role: ALTER ROLE role IN DATABASE db SET ... Identifiers are quoted here.
 * List settings get one literal per element. New string, or NULL for an
 * item without '=' or with a key outside [A-Za-z0-9_.].
 */
char *snapshot_setting_sql(const char *db, const char *role, const char *item);

/*
 * Quiet and pure. One row of pg_db_role_setting for a record: role (NULL
 * for the database's own settings) and config, the text of
 * array_to_json(setconfig) (NULL or "" for none). Appends {"role",
 * "settings": ["k=v"...]} to settings; the database's own marker value
 * (SNAPSHOT_ENV_KEY=...) replaces *environment. -1, settings and
 * *environment unchanged, when config is not an array of "k=v" strings.
 */
int snapshot_settings_row(json_t *settings, const char *role, const char *config,
			  char **environment);

#endif
