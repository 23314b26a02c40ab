/*
 * backup.h - backups on the host (SPEC section 5): ids, the backup
 * directory, the safe writer, manifests, listing and retention, the local
 * part of full verification, the json backup format, the target's lock and
 * the git warning.
 *
 * No Docker and no libpq here: commands feed this module the bytes of a dump
 * and the counts they read, then map its return codes to exit codes with
 * backup_exit_code().
 *
 * Conventions: output parameters come first; the caller frees what it
 * receives through a pointer to pointer; strings passed in are borrowed.
 * Functions returning int give 0 on success or a negative enum backup_rc,
 * after reporting the failure with ui_error(), unless their comment says
 * they are quiet (pure checks return a message through char **why instead).
 *
 * Implemented in backup.c (ids, names, directory, writer, listing,
 * retention), backup_manifest.c, backup_verify.c (scan, plain trailer, json
 * format) and backup_lock.c (lock, advisory key, partials, git warning).
 */
#ifndef DOCKRESET_BACKUP_H
#define DOCKRESET_BACKUP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

enum backup_rc {
	BACKUP_OK = 0,
	BACKUP_ERR = -1,	   /* any other failure: exit 1 */
	BACKUP_ERR_IO = -2,	   /* local I/O error (disk full, permissions): exit 8 */
	BACKUP_ERR_UNSAFE = -3,	   /* a symlink or non-directory where we write: exit 8 */
	BACKUP_ERR_EXISTS = -4,	   /* the name to write is taken: exit 8 */
	BACKUP_ERR_INTEGRITY = -5, /* a backup or manifest failed a check: exit 7 */
	BACKUP_ERR_LOCKED = -6,	   /* the target's lock is held by another run: exit 9 */
};

/* The exit code (enum exit_code of ui.h) for a return code of this module. */
int backup_exit_code(int rc);

/* ---- times: "2026-11-22T01:02:03Z", always UTC ---- */

#define BACKUP_TIME_LEN 21 /* with the NUL */

/* Formats t into buf and returns buf. The year has four digits, so that
 * backup_time_parse(format(t)) gives t back; a time outside years
 * 0000-9999 is written as the epoch. */
char *backup_time_format(char buf[BACKUP_TIME_LEN], time_t t);
/* Quiet. Parses exactly YYYY-MM-DDTHH:MM:SSZ (a real date); 0 or -1. */
int backup_time_parse(time_t *out, const char *s);

/* ---- targets and ids ---- */

/* 1 when target matches [a-z0-9][a-z0-9_.-]{0,62}, else 0. */
int backup_target_valid(const char *target);

/* The largest sequence number of an id: "<target>-<time>-999999". */
#define BACKUP_SEQ_MAX 999999u

/*
 * Pure. The id "<target>-<YYYYMMDDTHHMMSSZ>" of t (UTC), with "-<seq>" when
 * seq >= 2 (seq 0 and 1 both mean no suffix); the year has four digits as
 * in backup_time_format. Returns a new string.
 */
char *backup_id_format(const char *target, time_t t, unsigned seq);

/*
 * The first free id of target for t in dir: an id is taken when any entry
 * of dir begins with "<id>." (data, manifest, partial files). A missing dir
 * has every id free. *out: a new string. Returns 0, BACKUP_ERR_IO or
 * BACKUP_ERR (all sequence numbers of that second taken).
 */
int backup_id_next(char **out, const char *dir, const char *target, time_t t);

/*
 * Quiet and pure. 1 when id is exactly an id of target (target valid, a real
 * UTC time, an optional "-N" with N from 2 to BACKUP_SEQ_MAX written without
 * leading zero), else 0. Refuses "/", "..", newlines and everything else.
 */
int backup_id_valid(const char *target, const char *id);

/* Quiet. Like backup_id_valid, and gives the time and sequence (1 when no
 * suffix). Returns 0, or -1 when id is not an id of target. */
int backup_id_parse(time_t *t, unsigned *seq, const char *target, const char *id);

/* Quiet. The length of the id of target that begins name when it is
 * followed by '.', else 0. */
size_t backup_id_prefix(const char *target, const char *name);

/* ---- formats and names ---- */

enum backup_format {
	BACKUP_FORMAT_CUSTOM,
	BACKUP_FORMAT_PLAIN,
	BACKUP_FORMAT_JSON,
};

/* "custom", "plain", "json". */
const char *backup_format_name(enum backup_format f);
/* ".dump", ".sql", ".json". */
const char *backup_format_ext(enum backup_format f);
/* Quiet. 0 and *out, or -1 for an unknown name. */
int backup_format_parse(enum backup_format *out, const char *name);
/* "<id><ext>": a new string. */
char *backup_file_name(const char *id, enum backup_format f);
/* "<id>.manifest.json": a new string. */
char *backup_manifest_name(const char *id);

/*
 * The format of the backup at path, from its first bytes: custom ("PGDMP"),
 * json ('{"format_version":'), else plain. Follows symlinks (for --file);
 * refuses anything but a regular file (BACKUP_ERR_INTEGRITY) without
 * blocking on a FIFO. Returns 0, BACKUP_ERR_INTEGRITY or BACKUP_ERR_IO.
 */
int backup_detect_format(enum backup_format *out, const char *path);

/* ---- the backup directory ---- */

/*
 * Creates dir and its missing parents, each it creates 0700 whatever the
 * umask (existing ones are left alone). Refuses when dir itself is a
 * symlink or not a directory (BACKUP_ERR_UNSAFE). Returns 0,
 * BACKUP_ERR_UNSAFE or BACKUP_ERR_IO.
 */
int backup_dir_ensure(const char *dir);

/*
 * Whether dir (which must exist) lies inside a git work tree without being
 * ignored there, tested with hypothetical .dump, .sql, .json and
 * .manifest.json files in it; the repository is searched upward from dir,
 * across mount points. 1: such files would be committed; 0: not in a work
 * tree (or bare, or inside .git, or ignored); -1 after reporting (e.g. a
 * repository of another user, GIT_EOWNER). Calls git_libgit2_init() and
 * git_libgit2_shutdown() itself.
 */
int backup_dir_git_exposed(const char *dir);

/* ---- the safe writer ---- */

/* Flag of backup_file_open: commit replaces an existing file of that name
 * (a manifest whose verified_at changes); without it nothing is replaced. */
#define BACKUP_FILE_REPLACE 1u

struct evp_md_ctx_st;

/*
 * A file written as "<dir>/<name>.partial" (created exclusively, never
 * through a symlink, 0600 whatever the umask), hashed while written, then
 * fsynced and renamed to "<dir>/<name>" and the directory fsynced. Any
 * failure removes the partial file. After a successful commit, sha256 (64
 * lowercase hex digits) and size describe what was written.
 *
 * Initialise with BACKUP_FILE_INIT. backup_file_abort() may always be
 * called, also after a commit (it then does nothing), so one `out:` label
 * can clean up.
 */
struct backup_file {
	char sha256[65];
	unsigned long long size;
	/* private */
	int dirfd;
	int fd;
	int state;
	unsigned flags;
	char *dir;
	char *name;
	char *partial;
	char *path;
	struct evp_md_ctx_st *md;
	unsigned char *buf;
	size_t buflen;
};
#define BACKUP_FILE_INIT                                                                           \
	{                                                                                          \
		.dirfd = -1, .fd = -1                                                              \
	}

/*
 * Opens "<dir>/<name>.partial" for writing. name is a plain file name.
 * Refuses a dir that is a symlink or not a directory, and a partial or final
 * path that is a symlink (BACKUP_ERR_UNSAFE, their targets untouched); an
 * existing final file without BACKUP_FILE_REPLACE, or an existing partial
 * file, is BACKUP_ERR_EXISTS. Returns 0, BACKUP_ERR_UNSAFE,
 * BACKUP_ERR_EXISTS, BACKUP_ERR_IO or BACKUP_ERR.
 */
int backup_file_open(struct backup_file *f, const char *dir, const char *name, unsigned flags);
/*
 * Appends len bytes (buffered: at most 128 KiB are held). On failure
 * (ENOSPC: "cannot write 'path': No space left on device") the partial file
 * is already removed. Returns 0 or BACKUP_ERR_IO.
 */
int backup_file_write(struct backup_file *f, const void *data, size_t len);
/*
 * Flushes, fsyncs, closes, renames to the final name (without
 * BACKUP_FILE_REPLACE never over an existing file: BACKUP_ERR_EXISTS), then
 * fsyncs the directory; if that fails a new file is removed again. Returns
 * 0, BACKUP_ERR_IO, BACKUP_ERR_EXISTS or BACKUP_ERR_UNSAFE; on failure no
 * partial file is left.
 */
int backup_file_commit(struct backup_file *f);
/* Closes and removes the partial file; frees everything. Idempotent. */
void backup_file_abort(struct backup_file *f);

/* ---- manifests ---- */

/* What a manifest holds; see backup_manifest_build(). */
struct backup_meta {
	const char *id;
	const char *target;
	time_t created_at;
	const char *reason; /* "manual", "pre-reset", "pre-restore" */
	const char *label;  /* NULL: null */
	enum backup_format format;
	unsigned long long size;
	const char *sha256; /* 64 lowercase hex digits */
	const char *db_name;
	const char *server_version;
	const json_t *tables;	  /* borrowed, copied: {"public.t": rows}; NULL: {} */
	const json_t *stats;	  /* borrowed, copied: {"name": value}; NULL: {} */
	const char *git_branch;	  /* NULL: null */
	const char *git_commit;	  /* NULL: null */
	const char *tool_version; /* NULL: this build's version */
	long long duration_ms;
	time_t verified_at; /* 0: null */
};

/*
 * The manifest of SPEC section 5 as a new object, keys in this order:
 * format_version (1), id, target, created_at, reason, label, format, file
 * ("<id><ext>"), size, sha256, database {name, server_version}, tables,
 * stats, git {branch, commit}, tool_version, duration_ms, verified_at.
 * Returns NULL after reporting a string that is not valid UTF-8. The result
 * is not checked: backup_manifest_write() does that.
 */
json_t *backup_manifest_build(const struct backup_meta *m);

/* Sets verified_at to t (0: null). Returns 0 or BACKUP_ERR. */
int backup_manifest_set_verified(json_t *m, time_t t);

/*
 * Quiet and pure. Checks every field of m: present, right type, id valid
 * for m's target, file "<id><ext>" of format, sha256 64 lowercase hex
 * digits, created_at/verified_at times. When target is not NULL, m must
 * belong to it. Unknown keys are allowed. Returns 0, or -1 and *why (a new
 * string naming what is wrong, e.g. "field 'size' is not a non-negative
 * integer").
 */
int backup_manifest_check(char **why, const json_t *m, const char *target);

/*
 * Writes m, once checked, as "<dir>/<id>.manifest.json" (pretty, key order
 * kept, trailing newline) through the safe writer; flags as for
 * backup_file_open (BACKUP_FILE_REPLACE to update an existing manifest).
 * Returns 0 or as backup_file_open/commit; BACKUP_ERR for a manifest that
 * fails the check.
 */
int backup_manifest_write(const char *dir, const json_t *m, unsigned flags);

/*
 * Loads the manifest at path (not through a symlink, a regular file of at
 * most 64 MiB), parses it (duplicate keys refused) and checks it as
 * backup_manifest_check(target). *out: a new reference. Returns 0,
 * BACKUP_ERR_INTEGRITY (damaged, wrong target) or BACKUP_ERR_IO.
 */
int backup_manifest_load(json_t **out, const char *path, const char *target);

/* ---- listing ---- */

struct backup_entry {
	json_t *manifest; /* owned reference; checked */
	const char *id;	  /* borrowed from manifest */
	const char *file; /* borrowed from manifest */
	const char *reason;
	enum backup_format format;
	time_t created_at;
	unsigned seq;	    /* 1 when the id has no "-N" */
	time_t verified_at; /* 0: never verified */
	unsigned long long size;
	int missing; /* the data file is not in the directory */
};

struct backup_list {
	struct backup_entry *v; /* newest first */
	size_t n;
	/* target's files that no valid manifest covers (data without a manifest,
	 * stray files, partial files): never prune them */
	struct strlist orphans;
	/* "NAME: why" for each of target's manifests that fails to load or check
	 * (not listed again in orphans; never prune them either) */
	struct strlist damaged;
};
#define BACKUP_LIST_INIT                                                                           \
	{                                                                                          \
		NULL, 0, STRLIST_INIT, STRLIST_INIT                                                \
	}

/*
 * Every manifest of target in dir, checked, newest first (created_at, then
 * sequence, then id, descending). Other targets' files are ignored. A
 * missing dir gives an empty list. Returns 0, BACKUP_ERR_UNSAFE (dir a
 * symlink) or BACKUP_ERR_IO; *out is released first.
 */
int backup_list_load(struct backup_list *out, const char *dir, const char *target);
void backup_list_release(struct backup_list *l);
/*
 * Pure. What `restore TARGET latest` restores: the newest backup of l whose
 * reason is neither pre-restore nor pre-rollback, or NULL when there is
 * none. Also NULL, with *damaged set to its "NAME: why" entry, when a
 * damaged manifest of target (l->damaged) is at least as new as that one
 * by its id: the latest backup cannot be told, and an older one is never
 * taken silently.
 */
const struct backup_entry *backup_list_latest(const struct backup_list *l, const char *target,
					      const char **damaged);
/* Pure. Sorts newest first as backup_list_load does. */
void backup_list_sort(struct backup_entry *v, size_t n);

/* ---- retention ---- */

/* Why a backup is kept (bits); 0 means prune may delete it. */
enum backup_keep_why {
	BACKUP_KEEP_NEWEST = 1,	  /* among the keep newest */
	BACKUP_KEEP_RECENT = 2,	  /* not older than older_than */
	BACKUP_KEEP_VERIFIED = 4, /* the newest verified backup */
};

/*
 * Pure. v: n backups newest first. Sets why[i] for each: among the keep
 * newest → NEWEST; when older_than >= 0, now - created_at <= older_than →
 * RECENT; the first with verified_at != 0 → VERIFIED. older_than < 0: not
 * given.
 */
void backup_retention(unsigned *why, const struct backup_entry *v, size_t n, unsigned long keep,
		      long long older_than, time_t now);

/* Quiet. "30d", "12h", "15m", "45s", "2w" → seconds; anything else
 * (no unit, sign, space, overflow) → -1. */
long long backup_parse_duration(const char *s);

/* ---- full verification, local part ---- */

/* Flag: follow a symlink at path (for restore --file); otherwise refused. */
#define BACKUP_READ_FOLLOW 1u

/* What a scan found. */
struct backup_scan {
	char sha256[65];
	unsigned long long size;
	json_t *tables; /* json format: {"public.t": rows} read; else NULL */
};

/*
 * Reads path once, streaming: size, SHA-256 and, for plain, the trailer
 * check, for json, the format check. A symlink (without
 * BACKUP_READ_FOLLOW), a directory, a FIFO or any non-regular file is
 * refused without blocking. The custom format's content (pg_restore) is the
 * caller's. Reports "backup 'path' is damaged: ..." and returns
 * BACKUP_ERR_INTEGRITY, or BACKUP_ERR_IO; 0 when read whole and the content
 * is right. *out is filled (sha256 and size also when the content fails);
 * release with backup_scan_release.
 */
int backup_scan_file(struct backup_scan *out, const char *path, enum backup_format f,
		     unsigned flags);
void backup_scan_release(struct backup_scan *s);

/*
 * backup_scan_file with the manifest's format, then size, SHA-256 and (json)
 * the per-table row counts compared with the checked manifest m. Reports the
 * first check that fails. Returns 0, BACKUP_ERR_INTEGRITY or BACKUP_ERR_IO.
 */
int backup_verify_file(const char *path, const json_t *m, unsigned flags);

/*
 * Streaming check of a plain dump: ok when the file begins like a pg_dump
 * plain dump ("--", "-- PostgreSQL database dump"), and its last 64 KiB
 * hold the line "-- PostgreSQL database dump complete" after a "--" line,
 * followed by nothing but comment lines, blank lines and at most one
 * "\unrestrict KEY" line (KEY alnum; required, with the same KEY, when the
 * first line of the dump that is neither blank nor a comment is
 * "\restrict KEY"). The verdict does not depend on how the data is cut
 * into calls of feed. Keeps the header's lines one at a time (a short
 * prefix of each) and the last 64 KiB, up to 128 KiB.
 */
struct backup_plain_check {
	unsigned long long total;
	unsigned long long lineno; /* lines of the header read */
	int in_header;		   /* until the first line not blank nor a comment */
	int not_dump;		   /* its first two lines are not pg_dump's */
	char *line;		   /* the first bytes of the header line being read */
	size_t line_len;	   /* its length so far (may exceed what is kept) */
	char *key;		   /* of "\restrict KEY", or NULL */
	char *tail;
	size_t tail_len;
};
void backup_plain_check_init(struct backup_plain_check *c);
void backup_plain_check_feed(struct backup_plain_check *c, const void *data, size_t len);
/* Quiet. 0, or -1 and *why (a new string). */
int backup_plain_check_finish(char **why, struct backup_plain_check *c);
void backup_plain_check_release(struct backup_plain_check *c);

/* ---- the json backup format (SPEC section 5) ---- */

/* The longest line either side accepts, without its newline. */
#define BACKUP_JSON_LINE_MAX (64u << 20)

/*
 * Writer. Each call appends to sb; the lines are complete once
 * backup_json_end() has run:
 *   {"format_version":1,"target":T,"database":{"name":N,"server_version":V},"tables":[
 *   {"name":"public.words","columns":["id","word"],"rows":[
 *   ["1","hello"],
 *   ["2",null]
 *   ]},
 *   {"name":"public.empty","columns":["id"],"rows":[
 *   ]}
 *   ]}
 * Values are PostgreSQL's text output (NULL pointer: SQL NULL), escaped as
 * JSON strings (control characters as \n, \t, \u001f...; other bytes kept
 * as they are). A value, name or column that is not valid UTF-8 is refused
 * (reported, BACKUP_ERR, sb unchanged): a UTF8 database cannot hold one, so
 * it comes from a SQL_ASCII database, which needs the custom or plain
 * format. So is a row whose line would exceed BACKUP_JSON_LINE_MAX. Calls
 * out of order are BACKUP_ERR. Initialise with BACKUP_JSON_WRITER_INIT;
 * release with backup_json_writer_release().
 */
struct backup_json_writer {
	int state;
	size_t ntables;
	unsigned long long nrows;
	size_t ncolumns;
	char *table;
	char **columns;
};
#define BACKUP_JSON_WRITER_INIT                                                                    \
	{                                                                                          \
		0                                                                                  \
	}
int backup_json_header(struct backup_json_writer *w, struct strbuf *sb, const char *target,
		       const char *db_name, const char *server_version);
int backup_json_table_start(struct backup_json_writer *w, struct strbuf *sb, const char *name,
			    const char *const *columns, size_t ncolumns);
/* values: exactly the table's ncolumns values. */
int backup_json_row(struct backup_json_writer *w, struct strbuf *sb, const char *const *values,
		    size_t n);
int backup_json_table_end(struct backup_json_writer *w, struct strbuf *sb);
int backup_json_end(struct backup_json_writer *w, struct strbuf *sb);
void backup_json_writer_release(struct backup_json_writer *w);

/* Quiet. Appends s (len bytes) as a JSON string; -1 (sb unchanged) when s is
 * not valid UTF-8. */
int backup_json_add_string(struct strbuf *sb, const char *s, size_t len);

/*
 * Checker, streaming one line at a time (memory: the current line, at most
 * BACKUP_JSON_LINE_MAX). Accepts exactly the layout above (a last newline
 * optional, nothing after the final "]}"): every line parses, each row is
 * an array of strings and nulls as long as the table's columns, commas where
 * the layout has them, table names unique. After finish: tables holds
 * {"public.t": rows}, target and db_name the header's. Initialise with
 * backup_json_check_init; release with backup_json_check_release.
 */
struct backup_json_check {
	struct strbuf line;
	unsigned long long lineno;
	int state;
	int failed;
	int row_comma;
	size_t ncolumns;
	char *table;
	unsigned long long rows;
	json_t *tables;
	char *target;
	char *db_name;
	char *why;
};
void backup_json_check_init(struct backup_json_check *c);
/* Returns 0, or -1 once the content has failed (further input is ignored). */
int backup_json_check_feed(struct backup_json_check *c, const void *data, size_t len);
/* Quiet. 0, or -1 and *why (a new string naming the line). */
int backup_json_check_finish(char **why, struct backup_json_check *c);
void backup_json_check_release(struct backup_json_check *c);

/* ---- the lock ---- */

/*
 * "<dir>/.lock", created exclusively (0600, never through a symlink),
 * holding {"pid", "host", "user", "command", "target", "started_at"}, and
 * flock()ed by its holder for the whole run (the kernel drops that when the
 * process dies). Initialise with BACKUP_LOCK_INIT.
 */
struct backup_lock {
	char *dir;
	char *path;
	long pid;
	int fd;		/* the open lock file holding the flock, when path is set */
	int no_details; /* the file is empty: its text could not be written */
};
#define BACKUP_LOCK_INIT                                                                           \
	{                                                                                          \
		NULL, NULL, 0, -1, 0                                                               \
	}

/*
 * Ensures dir (backup_dir_ensure) and takes its lock for command ("backup",
 * "reset"...). A lock whose pid is dead on this host is stale: removed with
 * a warning ("removed stale lock of pid N (dockreset reset, started ...)"),
 * then taken. A live holder is BACKUP_ERR_LOCKED: "backups of 'x' are
 * locked by pid 123 on host h (dockreset backup, started ...)".
 *
 * The lock needs no free space: when its text cannot be written (ENOSPC,
 * EDQUOT) it is kept empty, held by its flock, with a warning. An empty
 * lock file is judged by its flock: held, BACKUP_ERR_LOCKED ("locked by
 * another run whose details could not be recorded"); not held, stale
 * (removed with a warning). Any other lock file that cannot be read or
 * parsed fails closed unless its flock is held (BACKUP_ERR_LOCKED either
 * way, with a hint on removing it). Returns 0, BACKUP_ERR_LOCKED,
 * BACKUP_ERR_UNSAFE, BACKUP_ERR_IO or BACKUP_ERR (this process already
 * holds it).
 */
int backup_lock_acquire(struct backup_lock *l, const char *dir, const char *target,
			const char *command);
/* Removes the lock file if it is still this process's (it names this
 * process, or it is the empty file this process holds), drops the flock;
 * frees l. Safe on a lock never taken. */
void backup_lock_release(struct backup_lock *l);

/* Pure. The first 8 bytes of SHA-256("dockreset:" + target), big-endian,
 * as a signed 64-bit key for pg_advisory_lock. */
int64_t backup_advisory_key(const char *target);

/*
 * Under a held lock: removes every "*.partial" entry of dir, reporting each
 * ("removed partial file 'path' left by an interrupted run"). Returns the
 * number removed, or BACKUP_ERR_IO / BACKUP_ERR_UNSAFE. A missing dir: 0.
 */
int backup_clean_partials(const char *dir);

#endif
