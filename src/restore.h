/*
 * restore.h - putting the rows of a backup back over libpq (SPEC 6): json
 * backups in every scope and mode, and --scope reset of every format. The
 * schema-level restore of custom and plain backups (--scope all) is
 * cmd_restore.c's own (psql in the database container).
 *
 * Everything runs inside the caller's open transaction on q->conn; nothing
 * here commits or rolls back. Rows are COPYed (text format) into temporary
 * staging tables as the backup gives them, then written to the real tables
 * in foreign-key order (referenced tables first), so the backup's order
 * does not matter; generated columns are skipped, identity values are kept
 * (OVERRIDING SYSTEM VALUE), and sequences are set afterwards.
 */
#ifndef DOCKRESET_RESTORE_H
#define DOCKRESET_RESTORE_H
#include <jansson.h>
#include <libpq-fe.h>

#include "backup.h"
#include "catalog.h"
#include "config.h"
#include "docker.h"
#include "plan.h"

enum restore_scope {
	RESTORE_SCOPE_ALL,   /* every table the backup holds */
	RESTORE_SCOPE_RESET, /* only the target's reset tables (plan) */
};

enum restore_mode {
	RESTORE_MODE_REPLACE, /* the tables emptied (TRUNCATE ONLY), then loaded */
	RESTORE_MODE_MERGE,   /* json only: nothing deleted, rows matched per restore.merge */
};

struct restore_rows_req {
	PGconn *conn; /* inside the caller's open transaction */
	/* custom backups: `pg_restore --data-only -f -` by exec in db, the
	 * archive on its stdin, the SQL it writes read with sqlstream */
	struct docker *d;
	const struct docker_container *db;
	const struct cfg_target *t; /* restore.merge */
	const struct catalog *cat;  /* the database now */
	const struct plan *plan;    /* which tables are reset (scope reset) */
	enum backup_format format;
	const char *path; /* the backup file (already verified) */
	enum restore_scope scope;
	enum restore_mode mode;
	/* out: a new {"schema.table": rows written} (merge: inserted plus
	 * updated), for the summary and the --json document */
	json_t *loaded;
	/* out, merge only: {"schema.table": {"inserted": n, "updated": n}} */
	json_t *merged;
};

/*
 * Loads the rows. Scope reset: the reset tables of q->plan (a partitioned
 * one through its partitions' rows) are emptied with TRUNCATE ONLY and
 * reloaded, every other table untouched, their sequences set to the
 * backup's values (json: past the largest value in use). Scope all (json):
 * every table the backup holds, likewise; sequences past the largest value.
 * Merge (json): nothing deleted; rows matched on restore.merge keys
 * (default the primary key) updated, others inserted; "append" tables get
 * new identities and their foreign keys into a merged table follow the
 * merge key to today's row.
 *
 * Refused before anything changes (exit 2, naming what): a table of the
 * backup missing now, a column set that differs from today's, a table
 * outside the set with a foreign key into one emptied, a merge table
 * without a primary key or given key, a reference that cannot be followed,
 * a restored row referencing a row that no longer exists (the constraint
 * named). Returns an exit code of SPEC 7: 0, 2, 6 (a statement or
 * pg_restore failed), 7 (the backup's content cannot be read), 4 or 5
 * (Docker), 130/143 (interrupted: the caller rolls back).
 */
int restore_rows(struct restore_rows_req *q);

#endif
