/*
 * dump.h - taking and fully verifying a backup of a target's database
 * (SPEC 5). Used by `backup`, and by reset and restore for the backups they
 * take under their own lock and snapshot.
 */
#ifndef DOCKRESET_DUMP_H
#define DOCKRESET_DUMP_H

#include <jansson.h>
#include <libpq-fe.h>

#include "backup.h"
#include "config.h"
#include "docker.h"
#include "pg.h"

struct dump_request {
	struct docker *d;
	const struct docker_container *db;
	const struct cfg_target *t;
	const struct pg_params *pp;
	PGconn *conn;	      /* in the transaction pg_snapshot_begin() opened */
	const char *snapshot; /* its exported snapshot */
	enum backup_format format;
	const char *reason;		     /* "manual", "pre-reset", "pre-restore" */
	const char *label;		     /* or NULL */
	const char *git_branch, *git_commit; /* or NULL */
	int lock_wait_timeout_s;
};

/*
 * Takes the backup: pg_dump by exec in the database container from the
 * snapshot (or, for json, the rows over conn), streamed to a partial file,
 * row counts read in the same snapshot, stats evaluated; then the file is
 * committed, fully verified and its manifest written with verified_at.
 * Returns an exit code (0: done, *manifest a new reference); on failure
 * nothing is left in the backup directory and no pg_dump runs on.
 */
int dump_take(json_t **manifest, const struct dump_request *r);

/*
 * Full verification of the backup a checked manifest in dir describes:
 * size, SHA-256 and content (custom: pg_restore --file=/dev/null by exec in
 * db with the file on its stdin). db may be NULL for formats that need no
 * container. Returns an exit code: 0, 7 naming the failed check, 6 when the
 * tool cannot run, 4 or 5 for Docker.
 */
int dump_verify(struct docker *d, const struct docker_container *db, const char *dir,
		const json_t *manifest);

/*
 * The content check of a backup without a manifest (restore --file): the
 * file at path (a symlink followed) read whole in its format, custom
 * through pg_restore --file=/dev/null in db. *tables (may be NULL): json,
 * the rows per table it holds (new reference), else NULL. Returns an exit
 * code as dump_verify().
 */
int dump_verify_content(struct docker *d, const struct docker_container *db, const char *path,
			enum backup_format format, json_t **tables);

/*
 * A stat's value as the manifest keeps it (new reference): a JSON integer
 * when s is exactly an optional '-' and digits that fit in 64 bits, else
 * the string, redacted (" 42" and 99999999999999999999 stay strings).
 */
json_t *dump_stat_value(const char *s);

/*
 * The value of each of t's "stats" queries, {"name": value}, run over c
 * inside the caller's transaction (each behind a savepoint, so a failing
 * query is null and a warning and the transaction goes on). New reference;
 * NULL when interrupted or when the database went silent (pg_failure()).
 */
json_t *dump_eval_stats(PGconn *c, const struct cfg_target *t);

#endif
