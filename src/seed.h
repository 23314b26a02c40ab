/*
 * seed.h - the sql and copy steps of a seed profile (SPEC 2 "seeds"), run
 * over libpq inside the caller's transaction.
 */
#ifndef DOCKRESET_SEED_H
#define DOCKRESET_SEED_H

#include <libpq-fe.h>

#include "config.h"

/*
 * Runs every step of profile p on c, in order: "sql" the file's statements
 * (several allowed; psql meta-commands are not SQL and fail), "copy" the
 * file streamed in chunks through COPY ... FROM STDIN. A "run" step is
 * refused (not supported yet). Returns 0, or -1 after reporting the step
 * that failed; the transaction is then aborted and must be rolled back.
 */
int seed_run_profile(PGconn *c, const struct cfg_seed_profile *p);

/* 1 when a step of p is a "run" step (after the commit: not built yet). */
int seed_profile_has_run(const struct cfg_seed_profile *p);

/* The profile of t named name, or NULL. Borrowed. */
const struct cfg_seed_profile *seed_profile(const struct cfg_target *t, const char *name);

#endif
