/*
 * reset.h - what a reset does to the database (SPEC 4 step 2): the tables
 * it empties and the one TRUNCATE statement. This is the seam where the
 * planner's plan_build (foreign-key refusal, stand-alone sequences) comes
 * in; the command only uses struct reset_plan.
 */
#ifndef DOCKRESET_RESET_H
#define DOCKRESET_RESET_H

#include <stddef.h>

#include "config.h"
#include "pg.h"
#include "util.h"

struct reset_plan {
	int *reset;		 /* per table of the catalog: 1 when emptied */
	struct pg_table *tables; /* the emptied tables, copies (rows unset) */
	size_t ntables;
	char *truncate_sql;	     /* NULL when nothing is emptied */
	struct strlist sequences;    /* stand-alone sequences restarted ("s.name") */
	struct strlist sequence_sql; /* their ALTER SEQUENCE ... RESTART statements */
};
#define RESET_PLAN_INIT                                                                            \
	{                                                                                          \
		NULL, NULL, 0, NULL, STRLIST_INIT, STRLIST_INIT                                    \
	}

/*
 * Pure. The plan of a reset of t over the catalog v (n tables): which are
 * emptied and the TRUNCATE of them (ONLY for non-partitioned tables,
 * partitioned ones whole, RESTART IDENTITY unless t says not). Names of t's
 * "tables" and "keep" that match no table are added to missing. Returns 0,
 * or 2 (exit code) when a name is missing.
 */
int reset_build_plan(struct reset_plan *out, const struct cfg_target *t, const struct pg_table *v,
		     size_t n, struct strlist *missing);
void reset_plan_release(struct reset_plan *p);

/* Pure. "schema"."name" with embedded double quotes doubled; new string. */
char *reset_quote_qualified(const char *schema, const char *name);

#endif
