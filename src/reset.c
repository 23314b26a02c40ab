/*
 * reset.c - the reset plan: which tables are emptied and the TRUNCATE that
 * empties them. Pure (no connection), so it is unit-tested.
 */
#include "reset.h"

#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "ui.h"

static void quote_into(struct strbuf *sb, const char *ident)
{
	strbuf_addch(sb, '"');
	for (const char *p = ident; *p; p++) {
		if (*p == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '"');
}

char *reset_quote_qualified(const char *schema, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	quote_into(&sb, schema);
	strbuf_addch(&sb, '.');
	quote_into(&sb, name);
	return strbuf_detach(&sb);
}

int reset_build_plan(struct reset_plan *out, const struct cfg_target *t, const struct pg_table *v,
		     size_t n, struct strlist *missing)
{
	struct strbuf sql = STRBUF_INIT;

	memset(out, 0, sizeof(*out));
	out->reset = xcalloc(n ? n : 1, sizeof(*out->reset));
	if (plan_select_tables(t, v, n, out->reset, missing))
		return EXIT_USAGE;
	out->tables = xcalloc(n ? n : 1, sizeof(*out->tables));
	for (size_t i = 0; i < n; i++) {
		struct pg_table *d;
		char *q;

		if (!out->reset[i])
			continue;
		d = &out->tables[out->ntables++];
		d->schema = xstrdup(v[i].schema);
		d->name = xstrdup(v[i].name);
		d->qualified = xstrdup(v[i].qualified);
		d->kind = v[i].kind;
		d->rows = -1;
		/* TRUNCATE ONLY on a partitioned table is an error; the others
		 * take ONLY so that inheritance children are not emptied too */
		q = reset_quote_qualified(v[i].schema, v[i].name);
		strbuf_addf(&sql, "%s%s%s", out->ntables > 1 ? ", " : "TRUNCATE ",
			    v[i].kind == 'p' ? "" : "ONLY ", q);
		free(q);
	}
	if (out->ntables) {
		if (t->restart_identity)
			strbuf_addstr(&sql, " RESTART IDENTITY");
		out->truncate_sql = strbuf_detach(&sql);
	}
	strbuf_release(&sql);
	return 0;
}

void reset_plan_release(struct reset_plan *p)
{
	pg_tables_free(p->tables, p->ntables);
	free(p->reset);
	free(p->truncate_sql);
	strlist_clear(&p->sequences);
	strlist_clear(&p->sequence_sql);
	memset(p, 0, sizeof(*p));
}
