/*
 * plan.h - what a reset does to the database: a pure function of a catalog
 * snapshot and the target's "reset" block (SPEC 2, SPEC 4 step 2). No
 * database, no Docker, no output: the tables emptied (partitioned ones
 * whole, the others with ONLY), those kept, the sequences restarted, and
 * why the plan cannot run (names that match no table, kept tables whose
 * foreign keys point into reset ones). Also the SQL text of the reset,
 * quoted without a connection.
 */
#ifndef DOCKRESET_PLAN_H
#define DOCKRESET_PLAN_H

#include "catalog.h"
#include "config.h"
#include "pg.h"

struct plan_table {
	const struct catalog_table *t; /* borrowed from the catalog */
	int reset;
	int only; /* reset with TRUNCATE ONLY: every reset table but a partitioned one */
};

struct plan_sequence {
	const struct catalog_sequence *s; /* borrowed */
	/* 1: owned by a reset table, restarted by TRUNCATE ... RESTART IDENTITY;
	 * 0: stand-alone, restarted with ALTER SEQUENCE ... RESTART */
	int owned;
};

/* A kept table referencing a reset one: TRUNCATE would need CASCADE. */
struct plan_fk {
	const struct catalog_fk *fk;		/* borrowed */
	const struct catalog_table *table;	/* kept, referencing */
	const struct catalog_table *references; /* reset, referenced */
};

struct plan {
	/* every table a reset can empty or keep: ordinary and partitioned
	 * tables of every schema, partitions excluded, in catalog order */
	struct plan_table *tables;
	size_t ntables;
	struct plan_sequence *sequences; /* empty when restart_identity is false */
	size_t nsequences;
	int restart_identity;
	struct strlist missing;	   /* names in tables/keep matching nothing, as written */
	struct strlist not_tables; /* names of a view, a partition...: why each cannot be */
	struct plan_fk *fks;	   /* kept -> reset foreign keys */
	size_t nfks;
	/* the tables to add to reset.tables so that no kept table references a
	 * reset one (transitively: adding one may expose another) */
	struct strlist add;
};

/*
 * Builds the reset plan of target t over the catalog cat (borrowed: it must
 * outlive *out). Returns the number of problems (missing names, names that
 * are no table, foreign keys): 0 when the plan can run. Release *out with
 * plan_release() either way. Pure.
 */
size_t plan_build(struct plan *out, const struct cfg_target *t, const struct catalog *cat);
void plan_release(struct plan *p);
/* The number of tables the plan empties. */
size_t plan_nreset(const struct plan *p);
/*
 * The plan's tables (reset_only: those it empties) as struct pg_table, for
 * counting rows and LOCK TABLE; names borrowed from the catalog, rows -1.
 * Free the array alone with free(), never pg_tables_free(). New array of *n.
 */
struct pg_table *plan_pg_tables(const struct plan *p, int reset_only, size_t *n);

/* "ident" double-quoted, embedded double quotes doubled, as
 * PQescapeIdentifier quotes it; new string. */
char *plan_quote_ident(const char *ident);
/* "schema"."name"; new string. */
char *plan_quote_qualified(const char *schema, const char *name);

/*
 * The reset's TRUNCATE: `TRUNCATE ONLY "s"."a", "s"."p", ONLY "s"."b"
 * RESTART IDENTITY` (without RESTART IDENTITY when restart_identity is
 * false); never CASCADE. New string, or NULL when no table is reset.
 */
char *plan_truncate_sql(const struct plan *p);
/* Appends one `ALTER SEQUENCE "s"."q" RESTART` per stand-alone sequence. */
void plan_sequence_sql(struct strlist *out, const struct plan *p);

/* 1 for the migration-history tables that "*" leaves out unless listed. */
int plan_is_migration_table(const char *name);

#endif
