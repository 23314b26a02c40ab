/*
 * plan.h - which tables a reset empties: a pure function of the catalog and
 * the target's "reset" block (SPEC 2). Later work grows it into the whole
 * reset plan (sequences, foreign keys, seeds).
 */
#ifndef DOCKRESET_PLAN_H
#define DOCKRESET_PLAN_H

#include "config.h"
#include "pg.h"

/*
 * Sets reset[i] to 1 for each table of v that a reset of t would empty, 0
 * for kept ones. Names in t's "tables" and "keep" that match no table are
 * added to missing (as the user wrote them). Returns the number of missing
 * names.
 */
size_t plan_select_tables(const struct cfg_target *t, const struct pg_table *v, size_t n,
			  int *reset, struct strlist *missing);

/* 1 for the migration-history tables that "*" leaves out unless listed. */
int plan_is_migration_table(const char *name);

#endif
