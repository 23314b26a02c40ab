/*
 * guard.h - production markers and confirmations (SPEC 3).
 *
 * The matchers are pure: values are compared loosely (case and surrounding
 * space ignored) so that "Production " still counts. A marker that cannot be
 * read counts as production and says so (fail closed).
 */
#ifndef DOCKRESET_GUARD_H
#define DOCKRESET_GUARD_H

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "docker.h"

struct guard_marker {
	char *kind;   /* "branch", "env", "config", "label", "database" */
	char *where;  /* "host", "container 'x'", the repository path, ... */
	char *detail; /* "APP_ENV=production", "branch 'prod'", or the reason unreadable */
	int unreadable;
};

struct guard_markers {
	struct guard_marker *v;
	size_t n;
};

void guard_markers_add(struct guard_markers *m, const char *kind, const char *where, int unreadable,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void guard_markers_release(struct guard_markers *m);
json_t *guard_markers_json(const struct guard_markers *m);

/* 1 when value, trimmed of surrounding space, equals one of values
 * ignoring case. */
int guard_value_matches(const struct strlist *values, const char *value);
/* 1 when branch matches one of the shell globs. */
int guard_branch_matches(const struct strlist *globs, const char *branch);

/*
 * Adds an "env" marker for each "NAME=VALUE" of env (NULL-terminated) whose
 * NAME is one of cfg's env_names and VALUE matches env_values.
 */
void guard_scan_env(struct guard_markers *m, const struct config *cfg, char *const *env,
		    const char *where);
/* The same over a container's Config.Env. */
void guard_scan_container(struct guard_markers *m, const struct config *cfg,
			  const struct docker_container *c);

/*
 * The branch and commit of the repository holding dir. *branch is NULL
 * when dir is in no repository. Returns 0, or -1 with *why set (new
 * string) when the repository cannot be read. Commit: hex, or NULL.
 */
int guard_git_head(const char *dir, char **branch, char **commit, char **why);

/* Branch marker (and unreadable repository) for the config's directory. */
void guard_scan_git(struct guard_markers *m, const struct config *cfg);

/* Database marker: dockreset.environment of the connected database. */
void guard_scan_database(struct guard_markers *m, const struct config *cfg, PGconn *c);

struct target_containers;

/*
 * Every marker of target t that can be seen: its "production" flag, the
 * host's environment, the git branch, the environments and labels of the
 * database and app containers in tc, and the database setting over conn.
 * tc or conn NULL: those markers cannot be read and count as production.
 */
void guard_scan_target(struct guard_markers *m, const struct config *cfg,
		       const struct cfg_target *t, const struct target_containers *tc,
		       PGconn *conn);

/*
 * Confirmations (SPEC 3). A command fills a request and asks; "production"
 * means at least one marker, unreadable ones included. markers NULL counts
 * as production too (fail closed: the caller did not look).
 */
struct guard_confirm_req {
	const char *target;
	const char *verb;		     /* "reset", "restore", "prune", "seed", "rollback",
						"delete", "mark": the phrase is "VERB production TARGET" */
	const struct guard_markers *markers; /* borrowed */
	int yes;			     /* -y */
	int production_flag;		     /* --production */
	const char *what;		     /* optional, for messages: "delete 4 backups of 'x'";
						default "VERB 'TARGET'" */
};

/* Seconds of the countdown after the production phrase. */
#define GUARD_COUNTDOWN_S 5
/* The variable that confirms production without a terminal. */
#define GUARD_CONFIRM_ENV "DOCKRESET_CONFIRM_PRODUCTION"

enum guard_ask {
	GUARD_GO,	  /* confirmed: nothing to ask */
	GUARD_REFUSE,	  /* refused: decision.missing says what is missing */
	GUARD_ASK_NAME,	  /* type the target's name */
	GUARD_ASK_PHRASE, /* type "VERB production TARGET", then the countdown */
};

/* What a refused confirmation lacks (bits of guard_decision.missing). */
enum {
	GUARD_MISSING_YES = 1 << 0,	   /* -y */
	GUARD_MISSING_PRODUCTION = 1 << 1, /* --production */
	GUARD_MISSING_ENV = 1 << 2,	   /* DOCKRESET_CONFIRM_PRODUCTION unset */
	GUARD_WRONG_ENV = 1 << 3,	   /* set, but not exactly the target's name */
};

struct guard_decision {
	enum guard_ask ask;
	unsigned missing;
};

/*
 * Pure: what confirming needs, given whether the target is production,
 * whether stdin is a terminal, -y, --production and the value of
 * DOCKRESET_CONFIRM_PRODUCTION (NULL when unset). On a terminal, -y skips
 * only the typed name of a target that is not production.
 */
struct guard_decision guard_decide(int production, int interactive, int yes, int production_flag,
				   const char *env_value, const char *target);

/* Pure: the confirmation a command would need, one line for people, e.g.
 * "type the target's name 'x' (or -y)" or "production: pass
 * --production, then type 'reset production x' and wait 5 s; without a
 * terminal: -y --production and DOCKRESET_CONFIRM_PRODUCTION=x". New
 * string. */
char *guard_confirmation_text(const struct guard_confirm_req *r);

/*
 * Asks for (or checks) the confirmation: 0 when confirmed, else the exit
 * code after reporting (3 refused, 130/143 interrupted). Never answers yes
 * by itself. Interactive = stdin is a terminal; prompts on stderr, read
 * stdin.
 */
int guard_confirm_req(const struct guard_confirm_req *r);

/*
 * Prints prompt on stderr, reads one line of stdin into line (without its
 * newline). 0, or the exit code after reporting: EOF refuses (3), a signal
 * interrupts (130/143; the handlers have no SA_RESTART, so fgets returns).
 */
int guard_read_answer(const char *prompt, char *line, size_t size);

/*
 * For --no-backup / --no-safety-backup (option, as typed): 3 after
 * reporting when the target is production, else 0.
 */
int guard_refuse_no_backup(const struct guard_confirm_req *r, const char *option);

#endif
