/*
 * seed.h - the sql and copy steps of a seed profile (SPEC 2 "seeds"), run
 * over libpq inside the caller's transaction.
 */
#ifndef DOCKRESET_SEED_H
#define DOCKRESET_SEED_H

#include <libpq-fe.h>

#include "config.h"
#include "docker.h"

/*
 * Runs every sql and copy step of profile p on c, in order: "sql" the
 * file's statements (several allowed; psql meta-commands are not SQL and
 * fail), "copy" the file streamed in chunks through COPY ... FROM STDIN.
 * "run" steps are left for seed_run_steps() after the commit. Returns 0,
 * or -1 after reporting the step that failed; the transaction is then
 * aborted and must be rolled back.
 */
int seed_run_profile(PGconn *c, const struct cfg_seed_profile *p);

/* 1 when a step of p is a "run" step (app code, after the commit). */
int seed_profile_has_run(const struct cfg_seed_profile *p);

/* 1 when a step of p runs in the transaction (sql, copy). */
int seed_profile_has_tx(const struct cfg_seed_profile *p);

/*
 * The sql and copy steps of the n profiles v, in order, in the caller's
 * transaction on c, each profile that has some announced as a step.
 * Returns 0, the signal's exit code, or EXIT_COMMAND after reporting.
 */
int seed_run_profiles(PGconn *c, const struct cfg_seed_profile *const *v, size_t n);

/*
 * The profiles of t named names[0..n-1] (new array, NULL-terminated, the
 * profiles borrowed), or NULL after saying which name is unknown, with the
 * target's profiles as the hint (the caller exits 2).
 */
const struct cfg_seed_profile **seed_profiles_pick(const struct cfg_target *t, char *const *names,
						   size_t n);

/* The profile of t named name, or NULL. Borrowed. */
const struct cfg_seed_profile *seed_profile(const struct cfg_target *t, const char *name);
/* seed_profile(), and when there is none, says so with the target's
 * profiles as the hint (the caller exits 2). */
const struct cfg_seed_profile *seed_profile_known(const struct cfg_target *t, const char *name);

/* The reset.migrate sql files of t, in order, on c (inside the caller's
 * transaction); 0, or -1 after reporting the file that failed. */
int seed_run_migrate_sql(PGconn *c, const struct cfg_target *t);

/*
 * After the commit (SPEC 4 step 8): t's reset.migrate command, then the
 * "run" steps of p, each in a one-off container made from its service's
 * container (docker_oneoff(): output "migrate | ...", "seed P step N |
 * ...", env values registered as secrets, never shown). Returns 0, or the
 * exit code after reporting: 6 a command exited nonzero, 4/5 Docker, 130
 * or 143 a signal (the container is removed); *failed then names the step
 * ("migrate", "seed P step N"; new string).
 */
int seed_run_migrate_command(struct docker *d, const char *project, const struct cfg_target *t,
			     char **failed);
int seed_run_steps(struct docker *d, const char *project, const struct cfg_seed_profile *p,
		   char **failed);

#endif
