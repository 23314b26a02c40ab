/*
 * cmd.h - what main hands each command: the parsed options, the loaded
 * configuration and the target. Each command lives in cmd_<name>.c and
 * returns its exit code (enum exit_code).
 */
#ifndef DOCKRESET_CMD_H
#define DOCKRESET_CMD_H

#include <libpq-fe.h>

#include "config.h"
#include "docker.h"
#include "pg.h"
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
	struct strlist seeds; /* --seed, in order */
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

/*
 * What a reset of ctx's target would do (SPEC 4 steps 1-3), printed (or put
 * into the --json document) without changing anything: no prompt, no lock,
 * no backup. Returns 0, 2 when the plan cannot run (after the whole
 * report), or the exit code of what failed. `plan` and `reset --dry-run`.
 */
int plan_show(struct cmd_ctx *ctx);

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

#endif
