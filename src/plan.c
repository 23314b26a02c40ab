/*
 * plan.c - table selection for a reset; pure.
 */
#include "plan.h"

#include <string.h>

static const char *const migration_tables[] = {
	"_prisma_migrations",	"schema_migrations",	 "ar_internal_metadata", "alembic_version",
	"__drizzle_migrations", "flyway_schema_history", "django_migrations",	 "knex_migrations",
};

int plan_is_migration_table(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(migration_tables); i++)
		if (!strcmp(name, migration_tables[i]))
			return 1;
	return 0;
}

/* Index of the table a config name refers to, or -1. */
static long find_table(const struct cfg_target *t, const struct cfg_table *ct,
		       const struct pg_table *v, size_t n)
{
	if (ct->schema) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v[i].schema, ct->schema) && !strcmp(v[i].name, ct->name))
				return (long)i;
		return -1;
	}
	/* Unqualified: the first schema of reset.schemas that has it. */
	for (size_t s = 0; s < t->schemas.n; s++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(v[i].schema, t->schemas.v[s]) && !strcmp(v[i].name, ct->name))
				return (long)i;
	return -1;
}

static void add_missing(struct strlist *missing, const struct cfg_table *ct)
{
	if (ct->schema)
		strlist_push_nodup(missing, xasprintf("%s.%s", ct->schema, ct->name));
	else
		strlist_push(missing, ct->name);
}

size_t plan_select_tables(const struct cfg_target *t, const struct pg_table *v, size_t n,
			  int *reset, struct strlist *missing)
{
	size_t before = missing->n;

	for (size_t i = 0; i < n; i++) {
		reset[i] = 0;
		if (t->tables_all && strlist_has(&t->schemas, v[i].schema) &&
		    !plan_is_migration_table(v[i].name))
			reset[i] = 1;
	}
	for (size_t k = 0; k < t->ntables; k++) {
		long i = find_table(t, &t->tables[k], v, n);
		if (i < 0)
			add_missing(missing, &t->tables[k]);
		else
			reset[i] = 1;
	}
	for (size_t k = 0; k < t->nkeep; k++) {
		long i = find_table(t, &t->keep[k], v, n);
		if (i < 0)
			add_missing(missing, &t->keep[k]);
		else
			reset[i] = 0;
	}
	return missing->n - before;
}
