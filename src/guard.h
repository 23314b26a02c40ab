/*
 * guard.h - production markers (SPEC 3).
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
 * Asks for the target's name to be typed before a destructive command
 * (SPEC 3, a target that is not production). With yes: 0 at once. Without a
 * terminal on stdin: refused. Returns 0 when confirmed, or the exit code
 * (3 refused or mistyped, 130/143 interrupted) after reporting.
 */
int guard_confirm(const char *target, const char *what, int yes);

#endif
