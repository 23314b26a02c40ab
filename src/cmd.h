/*
 * cmd.h - what main hands each command: the parsed options, the loaded
 * configuration and the target. Each command lives in cmd_<name>.c and
 * returns its exit code (enum exit_code).
 */
#ifndef DOCKRESET_CMD_H
#define DOCKRESET_CMD_H

#include <libpq-fe.h>
#include <stdio.h>

#include "catalog.h"
#include "config.h"
#include "docker.h"
#include "dump.h"
#include "guard.h"
#include "pg.h"
#include "plan.h"
#include "target.h"
#include "util.h"

struct options {
	const char *config;
	const char *host;
	int json;
	int quiet;
	int verbose;
	int no_color;
	/* command options; a command sees only those it accepts */
	int yes;
	int production;
	int dry_run;
	const char *format;
	const char *label;
	int keep; /* -1: not given */
	const char *older_than;
	/* reset */
	int no_backup;
	int no_seed;
	int no_restart;
	int timeout; /* seconds; -1: not given */
	const char *strategy;
	/* restore */
	const char *file;
	const char *scope;
	const char *mode;
	int no_safety_backup;
	/* init */
	const char *project;
	const char *service;
	struct strlist seeds; /* --seed, in order */
	/* snapshot, rollback */
	int force;	     /* snapshot --force, init --force */
	int delete_snapshot; /* snapshot --delete */
	int with_backup;     /* rollback --backup */
	/* positional arguments after the command */
	char **args;
	int nargs;
};

struct cmd_ctx {
	const char *name; /* the command's name */
	struct options *opt;
	struct config *cfg;	   /* loaded when the command needs it */
	struct cfg_target *target; /* resolved when the command takes one */
};

int cmd_targets(struct cmd_ctx *ctx);
int cmd_status(struct cmd_ctx *ctx);
int cmd_backup(struct cmd_ctx *ctx);
int cmd_backups(struct cmd_ctx *ctx);
int cmd_verify(struct cmd_ctx *ctx);
int cmd_prune(struct cmd_ctx *ctx);
int cmd_mark(struct cmd_ctx *ctx);
int cmd_plan(struct cmd_ctx *ctx);
int cmd_reset(struct cmd_ctx *ctx);
int cmd_restore(struct cmd_ctx *ctx);
int cmd_seed(struct cmd_ctx *ctx);
int cmd_snapshot(struct cmd_ctx *ctx);
int cmd_snapshots(struct cmd_ctx *ctx);
int cmd_rollback(struct cmd_ctx *ctx);
/* status's part: the target's snapshots (printed, and "snapshots" in the
 * --json document); c, when not NULL, says whether each spare is ready. */
void snapshots_status(const struct cmd_ctx *ctx, PGconn *c, int json);
int cmd_init(struct cmd_ctx *ctx);

/*
 * What a reset of ctx's target would do (SPEC 4 steps 1-3), printed (or put
 * into the --json document) without changing anything: no prompt, no lock,
 * no backup. Returns 0, 2 when the plan cannot run (after the whole
 * report), or the exit code of what failed. `plan` and `reset --dry-run`.
 */
int plan_show(struct cmd_ctx *ctx);

struct session;

/*
 * The plan of a reset with what is shown of it (SPEC 4 steps 2 and 3):
 * `plan`, `reset --dry-run` and reset's own display before it asks.
 */
struct plan_report {
	struct catalog cat;
	struct plan p;		      /* over cat */
	long long *rows;	      /* per p.tables, now; -1 unknown */
	json_t *stats;		      /* the target's stats now, or NULL */
	struct guard_markers markers; /* every production marker found */
	struct strlist seeds;	      /* the seed profiles a reset would run */
	int no_backup, no_restart;    /* reset's --no-backup, --no-restart */
	int recreate;		      /* strategy recreate (config or --strategy) */
	struct strlist schema_sql;    /* recreate: the schemas' DROP and CREATE */
	struct strlist outside;	      /* recreate: outside objects depending on inside */
};

/*
 * Reads the catalog over ss's connection, builds the plan, counts its
 * tables' rows and evaluates the stats in one read-only transaction (rolled
 * back), and looks for the production markers. A plan with problems is
 * still gathered (plan_report_problems() says them). Returns 0, or the exit
 * code after reporting; release r either way.
 */
int plan_report_gather(struct plan_report *r, const struct cmd_ctx *ctx, struct session *ss);
/* The report for people, on f. */
void plan_report_print(FILE *f, const struct cfg_target *t, const struct plan_report *r);
/* Into the --json document: tables, sequences, statements, markers,
 * confirmation, backup, stats, apps, caches, seeds and the problems. */
void plan_report_json(const struct cfg_target *t, const struct plan_report *r);
/* [{"name", "before", "after", "reset", "only"}] of the plan's tables;
 * after NULL: what the plan leaves (0 when reset, else before). */
json_t *plan_tables_json(const struct plan *p, const long long *before, const long long *after);
/* Says why the plan cannot run: EXIT_USAGE after reporting, else 0. */
int plan_report_problems(const struct cfg_target *t, const struct plan_report *r);
void plan_report_release(struct plan_report *r);

/*
 * What most commands open first: the Docker connection, the target's
 * containers, its database container (running and healthy), and, when
 * asked, a libpq connection named dockreset:COMMAND:TARGET.
 */
struct session {
	char *url;
	struct docker *d;
	struct target_containers tc;
	const struct docker_container *db;
	struct pg_params pp;
	PGconn *conn;
};

/* Returns 0 or the exit code after reporting; s is closable either way. */
int session_open(struct session *s, const struct cmd_ctx *ctx, int need_db, int connect);
void session_close(struct session *s);
/*
 * session_open() with the database: waits up to timeout_s for its
 * container to be running and healthy (exit 5 otherwise), then connects.
 */
int session_open_waiting(struct session *s, const struct cmd_ctx *ctx, int timeout_s);
/*
 * COMMIT of the transaction xid (pg_current_xact_id()) on s->conn, "what"
 * naming it in messages ("reset"). 0 committed; EXIT_COMMAND it did not
 * (the database is as it was); 130/143 a signal came before COMMIT was
 * sent (rolled back); EXIT_PARTIAL the outcome is unknown (reported). When
 * the connection is lost during the COMMIT, a new one (s->conn replaced:
 * session-level locks of the old one are gone) asks pg_xact_status before
 * anything is said.
 */
int session_commit(struct session *s, const char *xid, int timeout_s, const char *what);
/* pg_xact_status(xid) over s->conn: 0 committed, EXIT_COMMAND aborted,
 * -1 unknown (in progress, or the question failed). */
int session_xact_status(struct session *s, const char *xid);
struct apps_stopped;
/* Flushes every cache of t (SPEC 4 step 10); each one that fails is added
 * to unfinished. */
void session_flush_caches(struct session *s, const struct cfg_target *t,
			  struct strlist *unfinished);
/*
 * Starts the apps of stopped and waits for them (SPEC 4 step 11), or with
 * no_restart says they were left stopped; stopped is emptied. unfinished
 * NULL: after a failure before the commit (each app not back up is an
 * error); else each one not back up is added to it.
 */
void session_start_apps(struct session *s, struct apps_stopped *stopped, int timeout_s,
			int no_restart, struct strlist *unfinished);

/*
 * The locks of a destructive command (SPEC 4 step 4), in this order: the
 * file lock of t's backup directory (verb names the holder), with
 * clean_partials the partial files of interrupted runs removed, then the
 * advisory lock of key on s->conn (session level: before any BEGIN), and
 * *advisory set. Returns 0 or the exit code after reporting.
 */
int session_lock(struct session *s, const struct cfg_target *t, struct backup_lock *flock,
		 long long key, const char *verb, int clean_partials, int *advisory);
/* The advisory lock of key on c, not waited for: 0 taken; EXIT_LOCKED after
 * saying another run holds it; else the exit code of the failed question
 * (d and db as pg_exit_code()). */
int cmd_advisory_lock(PGconn *c, const struct cfg_target *t, long long key, struct docker *d,
		      const struct docker_container *db);
/* The apps of s stopped (SPEC 4 step 5) into stopped, unless a signal came
 * first. Returns 0 or the exit code. */
int session_stop_apps(struct session *s, struct apps_stopped *stopped);
/* The branch and commit of the configuration's git checkout (NULL when none;
 * why only with --verbose), for the backup's manifest and the audit. */
void cmd_git_head(const struct cmd_ctx *ctx, char **branch, char **commit);
/*
 * The request of a safety backup of s's database (reason "pre-reset",
 * "pre-restore", "pre-rollback"), in t's backup format, from the snapshot
 * the transaction open on s->conn exported; lock_wait_s bounds dump's lock
 * waits.
 */
struct dump_request session_backup_request(const struct session *s, const struct cfg_target *t,
					   const char *snapshot, const char *reason,
					   const char *branch, const char *commit, int lock_wait_s);
/*
 * A safety backup before a change that is not a reset (restore, rollback):
 * its own snapshot transaction on s->conn, ended after. Returns 0
 * (*manifest a new reference, "written and verified" said) or the exit code.
 */
int session_safety_backup(struct session *s, const struct cfg_target *t, const char *reason,
			  const char *branch, const char *commit, int lock_wait_s,
			  json_t **manifest);
/*
 * rc once a signal is pending at the end of a change ("reset", "restore"):
 * 0, EXIT_PARTIAL, EXIT_COMMAND and the signal codes become the signal's
 * code, said with whether the change was committed (the remaining steps
 * ran) or the database was not changed. Without a signal, rc.
 */
int cmd_interrupted(int rc, int committed, const char *noun);

/* An audit entry's first fields (new object): command, target and git
 * ({"branch", "commit"}, each null when unknown). */
json_t *cmd_audit_entry(const char *command, const char *target, const char *branch,
			const char *commit);
/* The audit's outcome of a run whose change did not happen (new string):
 * "failed: interrupted by SIGINT" (SIGTERM) for their exit codes, else
 * "failed: " and the first error. */
char *cmd_outcome_failed(int rc);
/* "partial: " and the steps not finished, joined by "; "; none when none
 * is listed (new string). */
char *cmd_outcome_partial(const struct strlist *unfinished, const char *none);

#endif
