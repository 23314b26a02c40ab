/*
 * plan.c - the reset plan: tables, sequences, foreign keys, SQL text; pure.
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

static void add_missing(struct strlist *missing, const struct cfg_table *ct)
{
	if (ct->schema)
		strlist_push_nodup(missing, xasprintf("%s.%s", ct->schema, ct->name));
	else
		strlist_push(missing, ct->name);
}

/* The table a reset acts on for oid: a partition's root partitioned table. */
static const struct catalog_table *root_table(const struct catalog *cat, unsigned long oid)
{
	const struct catalog_table *t = catalog_table(cat, oid);

	/* bounded, in case a damaged catalog holds a cycle */
	for (size_t hops = 0; t && t->partition_of && hops <= cat->ntables; hops++) {
		const struct catalog_table *p = catalog_table(cat, t->partition_of);
		if (!p)
			break;
		t = p;
	}
	return t;
}

/* Index in p->tables of a catalog table, or -1 when it is none of them. */
static long plan_index(const struct plan *p, const struct catalog_table *t)
{
	if (!t)
		return -1;
	for (size_t i = 0; i < p->ntables; i++)
		if (p->tables[i].t == t)
			return (long)i;
	return -1;
}

static int is_plan_table(const struct catalog_table *t)
{
	return (t->kind == 'r' || t->kind == 'p') && !t->partition_of;
}

/* The catalog table a config name refers to (of any kind), or NULL. */
static const struct catalog_table *lookup(const struct cfg_target *t, const struct cfg_table *ct,
					  const struct catalog *cat)
{
	for (size_t s = 0; s < (ct->schema ? 1 : t->schemas.n); s++) {
		const char *schema = ct->schema ? ct->schema : t->schemas.v[s];
		for (size_t i = 0; i < cat->ntables; i++)
			if (!strcmp(cat->tables[i].schema, schema) &&
			    !strcmp(cat->tables[i].name, ct->name))
				return &cat->tables[i];
	}
	return NULL;
}

static const char *kind_name(char kind)
{
	switch (kind) {
	case 'v':
		return "a view";
	case 'f':
		return "a foreign table";
	case 'm':
		return "a materialized view";
	default:
		return "not a table";
	}
}

/* Sets the fate of the plan table a name refers to; records a problem. */
static void apply_name(struct plan *p, const struct cfg_target *t, const struct cfg_table *ct,
		       const struct catalog *cat, int reset)
{
	const struct catalog_table *ctab = lookup(t, ct, cat);
	long i;

	if (!ctab) {
		add_missing(&p->missing, ct);
		return;
	}
	if (ctab->partition_of) {
		const struct catalog_table *root = root_table(cat, ctab->oid);
		strlist_push_nodup(&p->not_tables,
				   xasprintf("'%s' is a partition of '%s': name its parent",
					     ctab->qualified, root->qualified));
		return;
	}
	if (!is_plan_table(ctab)) {
		strlist_push_nodup(&p->not_tables,
				   xasprintf("'%s' is %s", ctab->qualified, kind_name(ctab->kind)));
		return;
	}
	i = plan_index(p, ctab);
	if (i >= 0)
		p->tables[i].reset = reset;
}

/* Whether stand-alone sequence s is used by a reset table's default, and
 * by any other table's. */
static void sequence_users(const struct plan *p, const struct catalog *cat,
			   const struct catalog_sequence *s, int *by_reset, int *by_kept)
{
	*by_reset = *by_kept = 0;
	for (size_t i = 0; i < cat->ndefaults; i++) {
		const struct catalog_default *d = &cat->defaults[i];
		long k;
		if (d->sequence != s->oid)
			continue;
		k = plan_index(p, root_table(cat, d->table));
		if (k >= 0 && p->tables[k].reset)
			*by_reset = 1;
		else
			*by_kept = 1; /* a kept table, a view: any other user keeps it */
	}
}

static void plan_sequences(struct plan *p, const struct catalog *cat)
{
	p->sequences = xcalloc(cat->nsequences + 1, sizeof(*p->sequences));
	for (size_t i = 0; i < cat->nsequences; i++) {
		const struct catalog_sequence *s = &cat->sequences[i];
		int by_reset, by_kept;

		if (s->owner) {
			long k = plan_index(p, root_table(cat, s->owner));
			if (k >= 0 && p->tables[k].reset)
				p->sequences[p->nsequences++] =
				    (struct plan_sequence){ .s = s, .owned = 1 };
			continue;
		}
		sequence_users(p, cat, s, &by_reset, &by_kept);
		if (by_reset && !by_kept)
			p->sequences[p->nsequences++] =
			    (struct plan_sequence){ .s = s, .owned = 0 };
	}
}

/*
 * Kept tables referencing reset ones. TRUNCATE refuses to empty a
 * referenced table alone and CASCADE would empty kept tables silently, so
 * each such key is a problem; the tables to add are found by adding the
 * referencing tables until no kept table references a reset or added one.
 */
static void plan_foreign_keys(struct plan *p, const struct catalog *cat)
{
	int *closed = xcalloc(p->ntables + 1, sizeof(*closed));
	int changed = 1;

	p->fks = xcalloc(cat->nfks + 1, sizeof(*p->fks));
	for (size_t i = 0; i < p->ntables; i++)
		closed[i] = p->tables[i].reset;
	for (size_t f = 0; f < cat->nfks; f++) {
		long from = plan_index(p, root_table(cat, cat->fks[f].table));
		long to = plan_index(p, root_table(cat, cat->fks[f].references));
		if (from < 0 || to < 0 || p->tables[from].reset || !p->tables[to].reset)
			continue;
		p->fks[p->nfks++] = (struct plan_fk){ .fk = &cat->fks[f],
						      .table = p->tables[from].t,
						      .references = p->tables[to].t };
	}
	while (changed) {
		changed = 0;
		for (size_t f = 0; f < cat->nfks; f++) {
			long from = plan_index(p, root_table(cat, cat->fks[f].table));
			long to = plan_index(p, root_table(cat, cat->fks[f].references));
			if (from >= 0 && to >= 0 && !closed[from] && closed[to]) {
				closed[from] = 1;
				changed = 1;
			}
		}
	}
	for (size_t i = 0; i < p->ntables; i++)
		if (closed[i] && !p->tables[i].reset)
			strlist_push(&p->add, p->tables[i].t->qualified);
	free(closed);
}

size_t plan_build(struct plan *out, const struct cfg_target *t, const struct catalog *cat)
{
	memset(out, 0, sizeof(*out));
	out->restart_identity = t->restart_identity;
	out->tables = xcalloc(cat->ntables + 1, sizeof(*out->tables));
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct catalog_table *ct = &cat->tables[i];
		struct plan_table *pt;
		if (!is_plan_table(ct))
			continue;
		pt = &out->tables[out->ntables++];
		pt->t = ct;
		pt->only = ct->kind != 'p';
		pt->reset = t->tables_all && strlist_has(&t->schemas, ct->schema) &&
			    !ct->extension && !plan_is_migration_table(ct->name);
	}
	for (size_t k = 0; k < t->ntables; k++)
		apply_name(out, t, &t->tables[k], cat, 1);
	for (size_t k = 0; k < t->nkeep; k++)
		apply_name(out, t, &t->keep[k], cat, 0);
	if (out->missing.n || out->not_tables.n) {
		/* a plan built on a wrong name resets nothing */
		for (size_t i = 0; i < out->ntables; i++)
			out->tables[i].reset = 0;
	}
	if (t->restart_identity)
		plan_sequences(out, cat);
	plan_foreign_keys(out, cat);
	return out->missing.n + out->not_tables.n + out->nfks;
}

void plan_release(struct plan *p)
{
	free(p->tables);
	free(p->sequences);
	free(p->fks);
	strlist_clear(&p->missing);
	strlist_clear(&p->not_tables);
	strlist_clear(&p->add);
	memset(p, 0, sizeof(*p));
}

size_t plan_nreset(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->ntables; i++)
		n += p->tables[i].reset ? 1 : 0;
	return n;
}

struct pg_table *plan_pg_tables(const struct plan *p, int reset_only, size_t *n)
{
	struct pg_table *v = xcalloc(p->ntables + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < p->ntables; i++) {
		const struct catalog_table *t = p->tables[i].t;
		if (reset_only && !p->tables[i].reset)
			continue;
		/* borrowed: never freed through this array */
		v[*n].schema = t->schema;
		v[*n].name = t->name;
		v[*n].qualified = t->qualified;
		v[*n].kind = t->kind;
		v[*n].rows = -1;
		(*n)++;
	}
	return v;
}

static void add_quoted(struct strbuf *sb, const char *ident)
{
	strbuf_addch(sb, '"');
	for (const char *c = ident; *c; c++) {
		if (*c == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *c);
	}
	strbuf_addch(sb, '"');
}

char *plan_quote_ident(const char *ident)
{
	struct strbuf sb = STRBUF_INIT;

	add_quoted(&sb, ident);
	return strbuf_detach(&sb);
}

char *plan_quote_qualified(const char *schema, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	add_quoted(&sb, schema);
	strbuf_addch(&sb, '.');
	add_quoted(&sb, name);
	return strbuf_detach(&sb);
}

char *plan_truncate_sql(const struct plan *p)
{
	struct strbuf sb = STRBUF_INIT;
	int first = 1;

	for (size_t i = 0; i < p->ntables; i++) {
		const struct plan_table *pt = &p->tables[i];
		if (!pt->reset)
			continue;
		strbuf_addstr(&sb, first ? "TRUNCATE " : ", ");
		if (pt->only)
			strbuf_addstr(&sb, "ONLY ");
		add_quoted(&sb, pt->t->schema);
		strbuf_addch(&sb, '.');
		add_quoted(&sb, pt->t->name);
		first = 0;
	}
	if (first)
		return NULL;
	if (p->restart_identity)
		strbuf_addstr(&sb, " RESTART IDENTITY");
	return strbuf_detach(&sb);
}

void plan_sequence_sql(struct strlist *out, const struct plan *p)
{
	for (size_t i = 0; i < p->nsequences; i++) {
		struct strbuf sb = STRBUF_INIT;
		if (p->sequences[i].owned)
			continue;
		strbuf_addstr(&sb, "ALTER SEQUENCE ");
		add_quoted(&sb, p->sequences[i].s->schema);
		strbuf_addch(&sb, '.');
		add_quoted(&sb, p->sequences[i].s->name);
		strbuf_addstr(&sb, " RESTART");
		strlist_push_nodup(out, strbuf_detach(&sb));
	}
}
