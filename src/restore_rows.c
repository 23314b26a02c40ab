/*
 * restore_rows.c - putting a backup's rows back over libpq (restore.h):
 * the rows of every source (json lines, a plain dump's COPY blocks, the SQL
 * `pg_restore --data-only -f -` writes for a custom archive) are COPYed
 * into temporary staging tables as they stream by, then checked (column
 * sets, foreign keys from outside, merge keys, references that cannot be
 * followed) and only then written to the real tables in foreign-key order.
 * Staging changes nothing the user sees, so every refusal comes before a
 * real table is touched; the caller's transaction holds the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demux.h"
#include "pg.h"
#include "restore.h"
#include "restore_rows.h"
#include "sig.h"
#include "sqlstream.h"
#include "ui.h"
#include "util.h"

/* ---- pure pieces ---- */

void rows_copy_value(struct strbuf *out, const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		const char *esc = NULL;
		switch (s[i]) {
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			continue;
		}
		strbuf_add(out, s + start, i - start);
		strbuf_addstr(out, esc);
		start = i + 1;
	}
	strbuf_add(out, s + start, len - start);
}

static int starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && !memcmp(line, prefix, n);
}

enum rows_json_kind rows_json_kind(const char *line, size_t len)
{
	if (starts(line, len, "{\"format_version\""))
		return ROWS_JSON_HEADER;
	if (starts(line, len, "{\"name\""))
		return ROWS_JSON_TABLE;
	if (starts(line, len, "["))
		return ROWS_JSON_ROW;
	if (starts(line, len, "]}"))
		return ROWS_JSON_CLOSE;
	return ROWS_JSON_OTHER;
}

int rows_json_row(struct strbuf *out, const char *line, size_t len, size_t ncolumns,
		  struct strbuf *err)
{
	json_error_t je;
	json_t *a;
	size_t start = out->len;

	while (len && (line[len - 1] == ',' || line[len - 1] == '\r'))
		len--;
	a = json_loadb(line, len, 0, &je);
	if (!a || !json_is_array(a)) {
		strbuf_addf(err, "a row is no JSON array%s%s", a ? "" : ": ", a ? "" : je.text);
		json_decref(a);
		return -1;
	}
	if (json_array_size(a) != ncolumns) {
		strbuf_addf(err, "a row has %zu values for %zu columns", json_array_size(a),
			    ncolumns);
		json_decref(a);
		return -1;
	}
	for (size_t i = 0; i < ncolumns; i++) {
		json_t *v = json_array_get(a, i);
		if (i)
			strbuf_addch(out, '\t');
		if (json_is_null(v)) {
			strbuf_addstr(out, "\\N");
		} else if (json_is_string(v)) {
			rows_copy_value(out, json_string_value(v), json_string_length(v));
		} else {
			strbuf_addf(err, "value %zu of a row is neither a string nor null", i + 1);
			out->len = start;
			if (out->buf)
				out->buf[start] = '\0';
			json_decref(a);
			return -1;
		}
	}
	strbuf_addch(out, '\n');
	json_decref(a);
	return 0;
}

int rows_json_table(const char *line, size_t len, char **name, struct strlist *columns,
		    struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	json_error_t je;
	json_t *o, *cols;
	int rc = -1;

	*name = NULL;
	/* the line opens the rows' array: close it to parse the rest */
	strbuf_add(&sb, line, len);
	strbuf_addstr(&sb, "]}");
	o = json_loadb(sb.buf, sb.len, 0, &je);
	strbuf_release(&sb);
	cols = json_object_get(o, "columns");
	if (!json_is_string(json_object_get(o, "name")) || !json_is_array(cols)) {
		strbuf_addstr(err, "a table line has no name or columns");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(cols); i++) {
		if (!json_is_string(json_array_get(cols, i))) {
			strbuf_addstr(err, "a table line has a column that is no string");
			goto out;
		}
	}
	for (size_t i = 0; i < json_array_size(cols); i++)
		strlist_push(columns, json_string_value(json_array_get(cols, i)));
	*name = xstrdup(json_string_value(json_object_get(o, "name")));
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int rows_parse_names(const char *json, struct strlist *out)
{
	json_t *a = json ? json_loads(json, JSON_REJECT_DUPLICATES, NULL) : NULL;
	struct strlist v = STRLIST_INIT;
	int rc = -1;

	if (!json_is_array(a))
		goto out;
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		if (!json_is_string(e) || !json_string_length(e) ||
		    strlen(json_string_value(e)) != json_string_length(e)) {
			strlist_clear(&v);
			goto out;
		}
		strlist_push(&v, json_string_value(e));
	}
	*out = v;
	rc = 0;
out:
	json_decref(a);
	return rc;
}

const struct catalog_table *rows_root(const struct catalog *cat, const struct catalog_table *t)
{
	/* bounded: a malformed catalog with a loop ends */
	for (size_t hops = 0; t && t->partition_of && hops <= cat->ntables; hops++) {
		const struct catalog_table *p = catalog_table(cat, t->partition_of);
		if (!p)
			break;
		t = p;
	}
	return t;
}

static size_t index_of_root(const struct catalog *cat, const struct catalog_table *const *v,
			    size_t n, unsigned long oid)
{
	const struct catalog_table *t = catalog_table(cat, oid);
	const struct catalog_table *r = t ? rows_root(cat, t) : NULL;

	for (size_t i = 0; r && i < n; i++)
		if (rows_root(cat, v[i]) == r)
			return i;
	return (size_t)-1;
}

size_t rows_fk_order(size_t *order, const struct catalog *cat, const struct catalog_table *const *v,
		     size_t n)
{
	int *done = xcalloc(n ? n : 1, sizeof(*done));
	size_t *from = xcalloc(cat->nfks ? cat->nfks : 1, sizeof(*from));
	size_t *to = xcalloc(cat->nfks ? cat->nfks : 1, sizeof(*to));
	size_t ne = 0, k = 0, cycles = 0;

	for (size_t i = 0; i < cat->nfks; i++) {
		size_t a = index_of_root(cat, v, n, cat->fks[i].table);
		size_t b = index_of_root(cat, v, n, cat->fks[i].references);
		if (a == (size_t)-1 || b == (size_t)-1 ||
		    rows_root(cat, v[a]) == rows_root(cat, v[b]))
			continue;
		from[ne] = a;
		to[ne] = b;
		ne++;
	}
	/* edges point to every entry of the same root: a partition's block
	 * waits for all blocks of the tables its root references */
	while (k < n) {
		size_t picked = (size_t)-1;
		for (size_t i = 0; i < n && picked == (size_t)-1; i++) {
			int ready = !done[i];
			for (size_t e = 0; ready && e < ne; e++) {
				if (rows_root(cat, v[from[e]]) != rows_root(cat, v[i]))
					continue;
				const struct catalog_table *ref = rows_root(cat, v[to[e]]);
				for (size_t j = 0; j < n; j++)
					if (!done[j] && rows_root(cat, v[j]) == ref)
						ready = 0;
			}
			if (ready)
				picked = i;
		}
		if (picked == (size_t)-1) {
			/* a cycle: the first table left goes next */
			for (size_t i = 0; i < n && picked == (size_t)-1; i++)
				if (!done[i])
					picked = i;
			cycles++;
		}
		done[picked] = 1;
		order[k++] = picked;
	}
	free(done);
	free(from);
	free(to);
	return cycles;
}

size_t rows_columns_check(const struct strlist *backup, const struct strlist *now,
			  const struct strlist *generated, struct strlist *missing,
			  struct strlist *extra)
{
	size_t bad = 0;

	for (size_t i = 0; i < now->n; i++) {
		if (!strlist_has(backup, now->v[i])) {
			strlist_push(missing, now->v[i]);
			bad++;
		}
	}
	for (size_t i = 0; i < backup->n; i++) {
		if (!strlist_has(now, backup->v[i]) && !strlist_has(generated, backup->v[i])) {
			strlist_push(extra, backup->v[i]);
			bad++;
		}
	}
	return bad;
}

static void add_ident(struct strbuf *sb, const char *s)
{
	char *q = plan_quote_ident(s);
	strbuf_addstr(sb, q);
	free(q);
}

static void add_table(struct strbuf *sb, const char *schema, const char *name)
{
	char *q = plan_quote_qualified(schema, name);
	strbuf_addstr(sb, q);
	free(q);
}

static void add_stage(struct strbuf *sb, const char *stage)
{
	strbuf_addstr(sb, "pg_temp.");
	add_ident(sb, stage);
}

void rows_add_columns(struct strbuf *sb, const char *prefix, const struct strlist *cols)
{
	for (size_t i = 0; i < cols->n; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		if (prefix)
			strbuf_addstr(sb, prefix);
		add_ident(sb, cols->v[i]);
	}
}

char *rows_insert_sql(const char *schema, const char *name, const char *stage,
		      const struct strlist *dst, const struct strlist *src)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "INSERT INTO ");
	add_table(&sb, schema, name);
	strbuf_addstr(&sb, " (");
	rows_add_columns(&sb, NULL, dst);
	strbuf_addstr(&sb, ") OVERRIDING SYSTEM VALUE SELECT ");
	rows_add_columns(&sb, NULL, src ? src : dst);
	strbuf_addstr(&sb, " FROM ");
	add_stage(&sb, stage);
	return strbuf_detach(&sb);
}

char *rows_merge_sql(const char *schema, const char *name, const char *stage,
		     const struct strlist *cols, const struct strlist *key,
		     const struct strlist *keep)
{
	struct strbuf sb = STRBUF_INIT;
	int first = 1;

	strbuf_addstr(&sb, "WITH w AS (INSERT INTO ");
	add_table(&sb, schema, name);
	strbuf_addstr(&sb, " AS t (");
	rows_add_columns(&sb, NULL, cols);
	strbuf_addstr(&sb, ") OVERRIDING SYSTEM VALUE SELECT ");
	rows_add_columns(&sb, NULL, cols);
	strbuf_addstr(&sb, " FROM ");
	add_stage(&sb, stage);
	strbuf_addstr(&sb, " ON CONFLICT (");
	rows_add_columns(&sb, NULL, key);
	strbuf_addstr(&sb, ") DO UPDATE SET ");
	for (size_t i = 0; i < cols->n; i++) {
		if (strlist_has(key, cols->v[i]) || (keep && strlist_has(keep, cols->v[i])))
			continue;
		if (!first)
			strbuf_addstr(&sb, ", ");
		add_ident(&sb, cols->v[i]);
		strbuf_addstr(&sb, " = EXCLUDED.");
		add_ident(&sb, cols->v[i]);
		first = 0;
	}
	if (first) {
		/* nothing to update: a no-op assignment still returns the row,
		 * so that it is counted as updated */
		add_ident(&sb, key->v[0]);
		strbuf_addstr(&sb, " = EXCLUDED.");
		add_ident(&sb, key->v[0]);
	}
	/* xmax is 0 on a row the INSERT made, set on one it updated */
	strbuf_addstr(&sb, " RETURNING (t.xmax::text = '0') AS inserted)"
			   " SELECT count(*) FILTER (WHERE inserted),"
			   " count(*) FILTER (WHERE NOT inserted) FROM w");
	return strbuf_detach(&sb);
}

/* a."f1" = b."r1" AND a."f2" = b."r2" */
static void add_join(struct strbuf *sb, const char *a, const struct strlist *fa, const char *b,
		     const struct strlist *fb)
{
	for (size_t i = 0; i < fa->n && i < fb->n; i++) {
		if (i)
			strbuf_addstr(sb, " AND ");
		strbuf_addf(sb, "%s.", a);
		add_ident(sb, fa->v[i]);
		strbuf_addf(sb, " = %s.", b);
		add_ident(sb, fb->v[i]);
	}
}

static void add_not_null(struct strbuf *sb, const char *a, const struct strlist *cols,
			 const char *join)
{
	for (size_t i = 0; i < cols->n; i++) {
		if (i)
			strbuf_addstr(sb, join);
		strbuf_addf(sb, "%s.", a);
		add_ident(sb, cols->v[i]);
		strbuf_addstr(sb, " IS NOT NULL");
	}
}

char *rows_map_sql(const char *a_stage, const struct strlist *fcols, const char *b_stage,
		   const struct strlist *rcols, const struct strlist *newcols,
		   const char *target_schema, const char *target_name, const struct strlist *key)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "UPDATE ");
	add_stage(&sb, a_stage);
	strbuf_addstr(&sb, " a SET (");
	rows_add_columns(&sb, NULL, fcols);
	strbuf_addstr(&sb, ") = (SELECT ");
	for (size_t i = 0; i < rcols->n; i++) {
		if (i)
			strbuf_addstr(&sb, ", ");
		if (target_name) {
			strbuf_addstr(&sb, "t.");
			add_ident(&sb, rcols->v[i]);
		} else {
			const char *c = newcols && i < newcols->n && newcols->v[i] ? newcols->v[i]
										   : rcols->v[i];
			strbuf_addstr(&sb, "b.");
			add_ident(&sb, c);
		}
	}
	strbuf_addstr(&sb, " FROM ");
	add_stage(&sb, b_stage);
	strbuf_addstr(&sb, " b");
	if (target_name) {
		strbuf_addstr(&sb, " JOIN ");
		add_table(&sb, target_schema, target_name);
		strbuf_addstr(&sb, " t ON ");
		add_join(&sb, "t", key, "b", key);
	}
	strbuf_addstr(&sb, " WHERE ");
	add_join(&sb, "b", rcols, "a", fcols);
	/* a backup holds each referenced row once: one row back */
	strbuf_addstr(&sb, " LIMIT 1) WHERE ");
	add_not_null(&sb, "a", fcols, " AND ");
	return strbuf_detach(&sb);
}

char *rows_unfollowable_sql(const char *a_stage, const struct strlist *fcols, const char *b_stage,
			    const struct strlist *rcols, const char *today_schema,
			    const char *today_name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "SELECT count(*) FROM ");
	add_stage(&sb, a_stage);
	strbuf_addstr(&sb, " a WHERE ");
	add_not_null(&sb, "a", fcols, " AND ");
	strbuf_addstr(&sb, " AND NOT EXISTS (SELECT 1 FROM ");
	add_stage(&sb, b_stage);
	strbuf_addstr(&sb, " b WHERE ");
	add_join(&sb, "b", rcols, "a", fcols);
	strbuf_addstr(&sb, ")");
	if (today_name) {
		strbuf_addstr(&sb, " AND NOT EXISTS (SELECT 1 FROM ");
		add_table(&sb, today_schema, today_name);
		strbuf_addstr(&sb, " t WHERE ");
		add_join(&sb, "t", rcols, "a", fcols);
		strbuf_addstr(&sb, ")");
	}
	return strbuf_detach(&sb);
}

/* ---- the loader ---- */

/* What a staging table holds and where its rows go. */
struct stage {
	const struct catalog_table *t;	  /* the block's table */
	const struct catalog_table *root; /* its partition tree's top */
	char *name;			  /* in pg_temp */
	struct strlist copy_cols;	  /* the backup's columns, COPYed */
	struct strlist cols;		  /* written: today's non-generated ones */
	long long rows;
	/* merge */
	int append;
	struct strlist key;
	int key_is_pk;
	struct strlist pk;
	struct strlist serial;	/* append: identity and nextval columns */
	struct strlist newcols; /* their staged new values' columns */
	struct strlist seqs;	/* their sequences (regclass text) */
	struct strlist keep;	/* merge on another key: today's ids kept */
	long long inserted, updated;
};

struct seqval {
	char *schema;
	char *name;
	long long value;
	int called;
};

struct loader {
	struct restore_rows_req *q;
	struct stage *v;
	size_t n;
	struct stage *cur; /* the stage being COPYed into */
	int rc;		   /* the exit code once something failed */
	struct strbuf buf; /* COPY data not sent yet */
	struct seqval *sv;
	size_t nsv;
	struct catalog fks; /* merge: the foreign keys, read in the transaction */
	const char *source; /* for messages */
};

#define COPY_CHUNK (256 * 1024)

static void stage_release(struct stage *s)
{
	free(s->name);
	strlist_clear(&s->copy_cols);
	strlist_clear(&s->cols);
	strlist_clear(&s->key);
	strlist_clear(&s->pk);
	strlist_clear(&s->serial);
	strlist_clear(&s->newcols);
	strlist_clear(&s->seqs);
	strlist_clear(&s->keep);
}

static int fail_pg(struct loader *l)
{
	if (!l->rc)
		l->rc = pg_exit_code(l->q->d, l->q->db, EXIT_COMMAND);
	return -1;
}

static int fail(struct loader *l, int code)
{
	if (!l->rc)
		l->rc = code;
	return -1;
}

/* A count the server sent (PQcmdTuples, a count(*)) into *out; -1 after
 * reporting one that is no number. */
static int read_count(struct loader *l, const char *text, const char *what,
		      const struct catalog_table *t, long long *out)
{
	if (parse_int64(text, 0, LLONG_MAX, out) == 0)
		return 0;
	ui_error("cannot read the %s of '%s' from the server: '%s'", what, t->qualified, text);
	return fail(l, EXIT_COMMAND);
}

static const struct catalog_table *find_table(const struct catalog *cat, const char *schema,
					      const char *name)
{
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct catalog_table *t = &cat->tables[i];
		if ((t->kind == 'r' || t->kind == 'p') && !strcmp(t->schema, schema) &&
		    !strcmp(t->name, name))
			return t;
	}
	return NULL;
}

static const struct plan_table *plan_entry(const struct plan *p, const struct catalog_table *t)
{
	for (size_t i = 0; p && i < p->ntables; i++)
		if (p->tables[i].t == t)
			return &p->tables[i];
	return NULL;
}

/* 1: the rows of t are loaded, 0: skipped, -1: refused (reported). */
static int of_interest(struct loader *l, const struct catalog_table *t, const char *what)
{
	const struct plan_table *pt;

	if (l->q->scope == RESTORE_SCOPE_ALL) {
		if (!t) {
			ui_error("table '%s' of the backup does not exist now", what);
			ui_hint("restore with --scope all from a custom or plain backup to bring "
				"back the schema too");
			return fail(l, EXIT_USAGE);
		}
		return 1;
	}
	if (!t)
		return 0;
	pt = plan_entry(l->q->plan, rows_root(l->q->cat, t));
	return pt && pt->reset;
}

static struct stage *stage_of_root(struct loader *l, const struct catalog_table *root)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].root == root)
			return &l->v[i];
	return NULL;
}

/* The sequence feeding column col of table t (identity, serial or a
 * nextval default), as regclass text; NULL when none. */
static const struct catalog_sequence *
column_sequence(const struct catalog *cat, const struct catalog_table *t, const char *col)
{
	for (size_t i = 0; i < cat->nsequences; i++) {
		const struct catalog_sequence *s = &cat->sequences[i];
		if (s->owner == t->oid && s->column && !strcmp(s->column, col))
			return s;
	}
	for (size_t i = 0; i < cat->ndefaults; i++) {
		const struct catalog_default *d = &cat->defaults[i];
		if (d->table == t->oid && !strcmp(d->column, col))
			return catalog_sequence(cat, d->sequence);
	}
	return NULL;
}

static const char COLUMNS_SQL[] = "SELECT a.attname, a.attgenerated <> '' FROM pg_attribute a"
				  " WHERE a.attrelid = $1::oid AND a.attnum > 0"
				  "   AND NOT a.attisdropped ORDER BY a.attnum";

static int table_columns(struct loader *l, const struct catalog_table *t, struct strlist *now,
			 struct strlist *generated)
{
	char oid[32];
	const char *params[] = { oid };
	PGresult *r;

	snprintf(oid, sizeof(oid), "%lu", t->oid);
	r = pg_exec(l->q->conn, COLUMNS_SQL, 1, params);
	if (!r)
		return fail_pg(l);
	for (int i = 0; i < PQntuples(r); i++)
		strlist_push(PQgetvalue(r, i, 1)[0] == 't' ? generated : now, PQgetvalue(r, i, 0));
	PQclear(r);
	return 0;
}

static void add_list(struct strbuf *sb, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", l->v[i]);
}

/* A block of table t (NULL: none now, what its name) with these columns
 * begins: 1 with l->cur set to its stage, 0 to skip it, -1. */
static int block_begin(struct loader *l, const struct catalog_table *t, const char *what,
		       const char *const *columns, size_t ncolumns)
{
	struct strlist backup = STRLIST_INIT, now = STRLIST_INIT, gen = STRLIST_INIT;
	struct strlist missing = STRLIST_INIT, extra = STRLIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct stage *s;
	PGresult *r;
	int rc = -1, e = of_interest(l, t, what);

	if (e <= 0)
		return e;
	for (size_t i = 0; i < ncolumns; i++)
		strlist_push(&backup, columns[i]);
	if (table_columns(l, t, &now, &gen) < 0)
		goto out;
	if (rows_columns_check(&backup, &now, &gen, &missing, &extra)) {
		strbuf_addf(&sb, "table '%s' has other columns now than in the backup",
			    t->qualified);
		if (missing.n) {
			strbuf_addstr(&sb, "; not in the backup: ");
			add_list(&sb, &missing);
		}
		if (extra.n) {
			strbuf_addstr(&sb, "; no longer in the table: ");
			add_list(&sb, &extra);
		}
		ui_error("%s", sb.buf);
		ui_hint("restore with --scope all from a custom or plain backup to bring back "
			"the schema too");
		fail(l, EXIT_USAGE);
		goto out;
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	s = &l->v[l->n++];
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->root = rows_root(l->q->cat, t);
	s->name = xasprintf("dockreset_stage_%zu", l->n);
	s->copy_cols = backup;
	backup = (struct strlist)STRLIST_INIT;
	for (size_t i = 0; i < s->copy_cols.n; i++)
		if (!strlist_has(&gen, s->copy_cols.v[i]))
			strlist_push(&s->cols, s->copy_cols.v[i]);

	/* the backup's columns with today's types, no constraint at all */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "CREATE TEMP TABLE ");
	add_ident(&sb, s->name);
	strbuf_addstr(&sb, " ON COMMIT DROP AS SELECT ");
	rows_add_columns(&sb, NULL, &s->copy_cols);
	strbuf_addstr(&sb, " FROM ");
	add_table(&sb, t->schema, t->name);
	strbuf_addstr(&sb, " WITH NO DATA");
	if (pg_run(l->q->conn, sb.buf) < 0) {
		fail_pg(l);
		goto out;
	}
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "COPY ");
	add_stage(&sb, s->name);
	strbuf_addstr(&sb, " (");
	rows_add_columns(&sb, NULL, &s->copy_cols);
	strbuf_addstr(&sb, ") FROM STDIN");
	r = pg_exec_unchecked(l->q->conn, sb.buf);
	if (!r) {
		fail_pg(l);
		goto out;
	}
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		char *m = pg_message(PQresultErrorMessage(r));
		ui_error("cannot stage the rows of '%s': %s", t->qualified, m);
		free(m);
		PQclear(r);
		fail(l, EXIT_COMMAND);
		goto out;
	}
	PQclear(r);
	l->cur = s;
	rc = 1;
out:
	strlist_clear(&backup);
	strlist_clear(&now);
	strlist_clear(&gen);
	strlist_clear(&missing);
	strlist_clear(&extra);
	strbuf_release(&sb);
	return rc;
}

static int block_flush(struct loader *l)
{
	if (!l->buf.len)
		return 0;
	if (pg_copy_put(l->q->conn, l->buf.buf, l->buf.len) < 0)
		return fail_pg(l);
	strbuf_reset(&l->buf);
	return 0;
}

static int block_data(struct loader *l, const char *buf, size_t len)
{
	if (!l->cur)
		return 0;
	strbuf_add(&l->buf, buf, len);
	return l->buf.len >= COPY_CHUNK ? block_flush(l) : 0;
}

static int block_end(struct loader *l)
{
	struct stage *s = l->cur;
	PGresult *r;
	int rc = 0;

	if (!s)
		return 0;
	if (block_flush(l) < 0)
		return -1;
	l->cur = NULL;
	r = pg_copy_end(l->q->conn);
	if (!r)
		return fail_pg(l);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char *m = pg_message(PQresultErrorMessage(r));
		ui_error("cannot read the rows of '%s' in the backup: %s", s->t->qualified, m);
		free(m);
		rc = fail(l, EXIT_COMMAND);
	} else {
		rc = read_count(l, PQcmdTuples(r), "row count", s->t, &s->rows);
	}
	PQclear(r);
	return rc;
}

/* After a failure inside a block: the COPY is ended, its result ignored
 * (the caller rolls back). */
static void block_abandon(struct loader *l)
{
	if (!l->cur)
		return;
	l->cur = NULL;
	strbuf_reset(&l->buf);
	if (PQisBusy(l->q->conn) || PQtransactionStatus(l->q->conn) == PQTRANS_ACTIVE) {
		PGresult *r = pg_copy_end(l->q->conn);
		PQclear(r);
	}
}

/* ---- sources ---- */

static int sql_copy_begin(void *ctx, const char *schema, const char *table,
			  const char *const *columns, size_t ncolumns)
{
	struct loader *l = ctx;
	const struct catalog_table *t = find_table(l->q->cat, schema, table);
	char *what = xasprintf("%s.%s", schema, table);
	int e = block_begin(l, t, what, columns, ncolumns);

	free(what);
	return e;
}

static int sql_copy_data(void *ctx, const char *buf, size_t len)
{
	return block_data(ctx, buf, len);
}

static int sql_copy_end(void *ctx)
{
	return block_end(ctx);
}

static int sql_setval(void *ctx, const char *schema, const char *sequence, long long value,
		      int is_called)
{
	struct loader *l = ctx;
	struct seqval *v;

	l->sv = xrealloc(l->sv, (l->nsv + 1) * sizeof(*l->sv));
	v = &l->sv[l->nsv++];
	v->schema = xstrdup(schema);
	v->name = xstrdup(sequence);
	v->value = value;
	v->called = is_called;
	return 0;
}

static const struct sqlstream_cb SQL_CB = {
	.copy_begin = sql_copy_begin,
	.copy_data = sql_copy_data,
	.copy_end = sql_copy_end,
	.setval = sql_setval,
};

/* One whole line of a json backup. */
static int json_line(struct loader *l, const char *line, size_t len, unsigned long long lineno)
{
	struct strbuf err = STRBUF_INIT;
	int rc = 0;

	switch (rows_json_kind(line, len)) {
	case ROWS_JSON_TABLE: {
		struct strlist cols = STRLIST_INIT;
		char *name = NULL;
		const struct catalog_table *t = NULL;
		if (rows_json_table(line, len, &name, &cols, &err) < 0) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < l->q->cat->ntables && !t; i++) {
			const struct catalog_table *c = &l->q->cat->tables[i];
			if ((c->kind == 'r' || c->kind == 'p') && !strcmp(c->qualified, name))
				t = c;
		}
		l->cur = NULL;
		rc = block_begin(l, t, name, (const char *const *)cols.v, cols.n);
		if (rc >= 0)
			rc = 0;
		free(name);
		strlist_clear(&cols);
		if (rc < 0)
			goto out_quiet;
		break;
	}
	case ROWS_JSON_ROW:
		if (!l->cur)
			break;
		if (rows_json_row(&l->buf, line, len, l->cur->copy_cols.n, &err) < 0) {
			rc = -1;
			break;
		}
		if (l->buf.len >= COPY_CHUNK && block_flush(l) < 0)
			goto out_quiet;
		break;
	case ROWS_JSON_CLOSE:
		if (l->cur && block_end(l) < 0)
			goto out_quiet;
		break;
	default:
		break;
	}
	if (rc < 0) {
		ui_error("cannot read '%s': line %llu: %s", l->source, lineno, err.buf);
		fail(l, EXIT_INTEGRITY);
	}
	strbuf_release(&err);
	return rc;
out_quiet:
	strbuf_release(&err);
	return -1;
}

/*
 * The backup file read in chunks, each given to take (which returns -1
 * after failing the load); stops at a read error, a signal or the end.
 * Returns 0 at the end of the file, else -1 with the load failed.
 */
static int read_chunks(struct loader *l, int (*take)(struct loader *, void *, const char *, size_t),
		       void *ctx)
{
	char *chunk = xmalloc(64 * 1024);
	int fd = open(l->q->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = -1;
	ssize_t n;

	if (fd < 0) {
		ui_error("cannot read '%s': %s", l->q->path, strerror(errno));
		free(chunk);
		return fail(l, EXIT_IO);
	}
	for (;;) {
		do
			n = read(fd, chunk, 64 * 1024);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			ui_error("cannot read '%s': %s", l->q->path, strerror(errno));
			fail(l, EXIT_IO);
			break;
		}
		if (sig_pending()) {
			fail(l, sig_exit_code());
			break;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		if (take(l, ctx, chunk, (size_t)n) < 0)
			break;
	}
	close(fd);
	free(chunk);
	return rc;
}

struct json_read {
	struct strbuf line;
	unsigned long long lineno;
};

/* A chunk of a json backup: each whole line to json_line(). */
static int json_take(struct loader *l, void *ctx, const char *p, size_t n)
{
	struct json_read *j = ctx;
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		strbuf_add(&j->line, p + start, i - start);
		start = i + 1;
		if (json_line(l, j->line.buf ? j->line.buf : "", j->line.len, ++j->lineno) < 0)
			return -1;
		strbuf_reset(&j->line);
	}
	strbuf_add(&j->line, p + start, n - start);
	if (j->line.len > BACKUP_JSON_LINE_MAX) {
		ui_error("cannot read '%s': line %llu is longer than %u bytes", l->q->path,
			 j->lineno + 1, BACKUP_JSON_LINE_MAX);
		return fail(l, EXIT_INTEGRITY);
	}
	return 0;
}

static int read_json(struct loader *l)
{
	struct json_read j = { STRBUF_INIT, 0 };
	int rc = -1;

	if (read_chunks(l, json_take, &j) < 0)
		goto out;
	if (j.line.len && json_line(l, j.line.buf, j.line.len, ++j.lineno) < 0)
		goto out;
	if (l->cur) {
		ui_error("cannot read '%s': it ends inside a table", l->q->path);
		fail(l, EXIT_INTEGRITY);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&j.line);
	return rc;
}

/* The SQL stream reader refused the dump (unless a callback failed the
 * load first, and said why). */
static int plain_bad(struct loader *l, struct sqlstream *ss)
{
	if (!l->rc) {
		ui_error("cannot read '%s': %s", l->q->path, sqlstream_error(ss));
		fail(l, EXIT_INTEGRITY);
	}
	return -1;
}

/* A chunk of a plain dump to the SQL stream reader. */
static int plain_take(struct loader *l, void *ctx, const char *p, size_t n)
{
	return sqlstream_feed(ctx, p, n) < 0 ? plain_bad(l, ctx) : 0;
}

static int read_plain(struct loader *l)
{
	struct sqlstream *ss = sqlstream_new(&SQL_CB, l);
	int rc = -1;

	if (read_chunks(l, plain_take, ss) < 0)
		goto out;
	if (sqlstream_finish(ss) < 0)
		plain_bad(l, ss);
	else
		rc = 0;
out:
	sqlstream_free(ss);
	return rc;
}

struct custom_ctx {
	struct loader *l;
	struct sqlstream *ss;
	struct strbuf err;
	int fd;
	int read_failed;
	int bad; /* the stream reader failed */
};

static int custom_out(void *ctx, int stream, const char *buf, size_t len)
{
	struct custom_ctx *c = ctx;

	if (stream == DEMUX_STDOUT) {
		if (c->bad)
			return -1;
		if (sqlstream_feed(c->ss, buf, len) < 0) {
			c->bad = 1;
			return -1;
		}
		return 0;
	}
	if (c->err.len < 4096)
		strbuf_add(&c->err, buf, len < 4096 - c->err.len ? len : 4096 - c->err.len);
	return 0;
}

static long custom_in(void *ctx, char *buf, size_t cap)
{
	struct custom_ctx *c = ctx;
	ssize_t n;

	do
		n = read(c->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		c->read_failed = errno;
		return -1;
	}
	return (long)n;
}

static char *first_line(const struct strbuf *sb)
{
	const char *s = strbuf_str(sb);
	const char *p = strstr(s, "error: ");
	const char *e;

	if (p)
		s = p + 7;
	e = strchr(s, '\n');
	return e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
}

static int read_custom(struct loader *l)
{
	const char *argv[] = { "pg_restore", "--data-only", "--file=-", NULL };
	struct custom_ctx c = { .l = l, .err = STRBUF_INIT };
	struct docker_exec_opts o = { 0 };
	int code = -1, err, rc = -1;

	if (!l->q->d || !l->q->db) {
		ui_error("cannot read '%s': no database container to run pg_restore in",
			 l->q->path);
		return fail(l, EXIT_CONTAINER);
	}
	c.fd = open(l->q->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (c.fd < 0) {
		ui_error("cannot read '%s': %s", l->q->path, strerror(errno));
		return fail(l, EXIT_IO);
	}
	c.ss = sqlstream_new(&SQL_CB, l);
	o.argv = argv;
	o.out = custom_out;
	o.out_ctx = &c;
	o.in = custom_in;
	o.in_ctx = &c;
	o.cancel = sig_flag();
	err = docker_exec(l->q->d, l->q->db->id, &o, &code);
	if (sig_pending()) {
		fail(l, sig_exit_code());
	} else if (l->rc) {
		/* a callback failed and said why */
	} else if (c.bad) {
		ui_error("cannot read '%s': %s", l->q->path, sqlstream_error(c.ss));
		fail(l, EXIT_INTEGRITY);
	} else if (c.read_failed) {
		ui_error("cannot read '%s': %s", l->q->path, strerror(c.read_failed));
		fail(l, EXIT_IO);
	} else if (err < 0) {
		fail(l, docker_exit_code(err));
	} else if (code == 126 || code == 127) {
		ui_error("pg_restore cannot run in '%s' (exit %d)", l->q->db->name, code);
		fail(l, EXIT_COMMAND);
	} else if (code != 0) {
		char *line = first_line(&c.err);
		ui_error("pg_restore failed on '%s' (exit %d): %s", l->q->path, code, line);
		free(line);
		fail(l, EXIT_COMMAND);
	} else if (sqlstream_finish(c.ss) < 0) {
		ui_error("cannot read what pg_restore wrote for '%s': %s", l->q->path,
			 sqlstream_error(c.ss));
		fail(l, EXIT_INTEGRITY);
	} else {
		rc = 0;
	}
	close(c.fd);
	sqlstream_free(c.ss);
	strbuf_release(&c.err);
	return rc;
}

/* ---- checks and writes ---- */

/* The foreign keys with their columns, read again inside the transaction:
 * q->cat was read before the confirmation, the locks and the safety backup,
 * in no transaction, so a key made since would not be in it. */
static int load_fks(struct loader *l)
{
	return catalog_load_fks(l->q->conn, &l->fks) < 0 ? fail_pg(l) : 0;
}

/* Scope all, replace: a table left out of the backup's set that references
 * one emptied would lose its referenced rows. */
static int check_outside(struct loader *l)
{
	const struct catalog *cat = l->q->cat;
	struct strbuf sb = STRBUF_INIT;
	size_t bad = 0;

	for (size_t i = 0; i < cat->nfks; i++) {
		const struct catalog_table *a = catalog_table(cat, cat->fks[i].table);
		const struct catalog_table *b = catalog_table(cat, cat->fks[i].references);
		if (!a || !b || !stage_of_root(l, rows_root(cat, b)) ||
		    stage_of_root(l, rows_root(cat, a)))
			continue;
		strbuf_addf(&sb, "%s'%s' (%s -> %s)", bad ? ", " : "", cat->fks[i].name,
			    rows_root(cat, a)->qualified, rows_root(cat, b)->qualified);
		bad++;
	}
	if (bad) {
		ui_error("tables outside the backup reference tables it would empty: %s", sb.buf);
		ui_hint("restore with --scope all from a custom or plain backup, or --mode merge");
	}
	strbuf_release(&sb);
	return bad ? fail(l, EXIT_USAGE) : 0;
}

static const struct cfg_merge *merge_entry(const struct cfg_target *t,
					   const struct catalog_table *tab)
{
	for (size_t i = 0; t && i < t->nmerge; i++) {
		const struct cfg_table *c = &t->merge[i].table;
		if (strcmp(c->name, tab->name))
			continue;
		if (c->schema ? !strcmp(c->schema, tab->schema)
			      : (t->schemas.n ? strlist_has(&t->schemas, tab->schema)
					      : !strcmp(tab->schema, "public")))
			return &t->merge[i];
	}
	return NULL;
}

static int same_set(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (!strlist_has(b, a->v[i]))
			return 0;
	return 1;
}

static const char INDEXES_SQL[] =
    "SELECT i.indisprimary,"
    " (SELECT json_agg(a.attname::text ORDER BY k.i)::text FROM unnest(i.indkey::int2[])"
    "   WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = i.indrelid"
    "   AND a.attnum = k.n)"
    " FROM pg_index i WHERE i.indrelid = $1::oid AND i.indisunique"
    "   AND i.indpred IS NULL AND i.indexprs IS NULL ORDER BY 1 DESC";

/* Merge: the key of each staged table, its unique index, and for append
 * tables the columns that get new values. */
static int merge_keys(struct loader *l, struct stage *s)
{
	const struct cfg_merge *m = merge_entry(l->q->t, s->root);
	struct strlist *uniq = NULL;
	size_t nuniq = 0;
	char oid[32];
	const char *params[] = { oid };
	PGresult *r;
	int rc = -1, found = 0;

	snprintf(oid, sizeof(oid), "%lu", s->root->oid);
	r = pg_exec(l->q->conn, INDEXES_SQL, 1, params);
	if (!r)
		return fail_pg(l);
	nuniq = (size_t)PQntuples(r);
	uniq = xcalloc(nuniq ? nuniq : 1, sizeof(*uniq));
	for (size_t i = 0; i < nuniq; i++) {
		const char *names = PQgetvalue(r, (int)i, 1);
		if (rows_parse_names(names, &uniq[i]) < 0) {
			ui_error("cannot read the columns of a unique index of '%s' from the "
				 "server: '%s'",
				 s->root->qualified, names);
			PQclear(r);
			fail(l, EXIT_COMMAND);
			goto out;
		}
		if (!strcmp(PQgetvalue(r, (int)i, 0), "t"))
			for (size_t j = 0; j < uniq[i].n; j++)
				strlist_push(&s->pk, uniq[i].v[j]);
	}
	PQclear(r);

	if (m && m->append) {
		s->append = 1;
		for (size_t i = 0; i < s->cols.n; i++) {
			const struct catalog_sequence *q =
			    column_sequence(l->q->cat, s->root, s->cols.v[i]);
			if (!q)
				continue;
			strlist_push(&s->serial, s->cols.v[i]);
			strlist_push_nodup(&s->newcols,
					   xasprintf("dockreset_new_%zu", s->serial.n));
			strlist_push_nodup(&s->seqs, plan_quote_qualified(q->schema, q->name));
		}
		rc = 0;
		goto out;
	}
	if (m && m->key.n) {
		for (size_t i = 0; i < m->key.n; i++) {
			if (!strlist_has(&s->cols, m->key.v[i])) {
				ui_error("restore.merge key of '%s': column '%s' is not in the "
					 "table",
					 s->root->qualified, m->key.v[i]);
				fail(l, EXIT_USAGE);
				goto out;
			}
			strlist_push(&s->key, m->key.v[i]);
		}
	} else if (s->pk.n) {
		for (size_t i = 0; i < s->pk.n; i++)
			strlist_push(&s->key, s->pk.v[i]);
	} else {
		ui_error("cannot merge '%s': it has no primary key", s->root->qualified);
		ui_hint("give it a key in targets.%s.restore.merge (\"%s\": {\"key\": [...]}) or "
			"make it \"append\"",
			l->q->t ? l->q->t->name : "TARGET", s->root->name);
		fail(l, EXIT_USAGE);
		goto out;
	}
	for (size_t i = 0; i < nuniq && !found; i++)
		found = same_set(&uniq[i], &s->key);
	if (!found) {
		struct strbuf sb = STRBUF_INIT;
		add_list(&sb, &s->key);
		ui_error("cannot merge '%s' on (%s): no unique index on exactly those columns",
			 s->root->qualified, sb.buf);
		ui_hint("create one, or choose another key in restore.merge");
		strbuf_release(&sb);
		fail(l, EXIT_USAGE);
		goto out;
	}
	s->key_is_pk = same_set(&s->key, &s->pk);
	if (!s->key_is_pk) {
		/* today's ids stay; new rows draw theirs from the sequence */
		for (size_t i = 0; i < s->pk.n; i++)
			strlist_push(&s->keep, s->pk.v[i]);
	}
	rc = 0;
out:
	for (size_t i = 0; i < nuniq; i++)
		strlist_clear(&uniq[i]);
	free(uniq);
	return rc;
}

/* The columns a merged table writes: without its sequence-fed primary key
 * columns when it is matched on another key. */
static void merge_columns(struct loader *l, const struct stage *s, struct strlist *out)
{
	for (size_t i = 0; i < s->cols.n; i++) {
		if (!s->key_is_pk && strlist_has(&s->pk, s->cols.v[i]) &&
		    column_sequence(l->q->cat, s->root, s->cols.v[i]))
			continue;
		strlist_push(out, s->cols.v[i]);
	}
}

/* How references of a into b are followed: 0 not at all, 1 through b's new
 * identities, 2 through b's merge key. */
static int follow_kind(const struct stage *a, const struct stage *b, const struct catalog_fk *f)
{
	if (b->append) {
		for (size_t i = 0; i < f->referenced_columns.n; i++)
			if (strlist_has(&b->serial, f->referenced_columns.v[i]))
				return 1;
		return 0;
	}
	if (!b->key_is_pk && a != b)
		return 2;
	return 0;
}

static int check_references(struct loader *l)
{
	for (size_t i = 0; i < l->fks.nfks; i++) {
		const struct catalog_fk *f = &l->fks.fks[i];
		const struct catalog_table *ta = catalog_table(l->q->cat, f->table);
		const struct catalog_table *tb = catalog_table(l->q->cat, f->references);
		struct stage *a = ta ? stage_of_root(l, ta) : NULL;
		struct stage *b = tb ? stage_of_root(l, tb) : NULL;
		char *sql;
		PGresult *r;
		long long n;
		int kind;

		if (!a || !b || a->t != ta || b->t != tb)
			continue;
		kind = follow_kind(a, b, f);
		sql = rows_unfollowable_sql(a->name, &f->columns, b->name, &f->referenced_columns,
					    kind ? NULL : tb->schema, kind ? NULL : tb->name);
		r = pg_exec(l->q->conn, sql, 0, NULL);
		free(sql);
		if (!r)
			return fail_pg(l);
		if (read_count(l, PQntuples(r) == 1 && PQnfields(r) == 1 ? PQgetvalue(r, 0, 0) : "",
			       "count of references that cannot be followed", ta, &n) < 0) {
			PQclear(r);
			return -1;
		}
		PQclear(r);
		if (n > 0) {
			struct strbuf sb = STRBUF_INIT;
			add_list(&sb, &f->columns);
			ui_error("cannot follow %lld reference%s of '%s' (%s) to '%s': the rows "
				 "they reference are %s",
				 n, n == 1 ? "" : "s", ta->qualified, sb.buf, tb->qualified,
				 kind ? "not in the backup"
				      : "neither in the backup nor in the "
					"table now");
			strbuf_release(&sb);
			return fail(l, EXIT_USAGE);
		}
	}
	return 0;
}

/* Append tables: new identities drawn now, so that references into them
 * can follow before anything is written. */
static int assign_identities(struct loader *l, struct stage *s)
{
	for (size_t i = 0; i < s->serial.n; i++) {
		struct strbuf sb = STRBUF_INIT;
		const char *params[] = { s->seqs.v[i] };
		PGresult *r;

		strbuf_addstr(&sb, "ALTER TABLE ");
		add_stage(&sb, s->name);
		strbuf_addstr(&sb, " ADD COLUMN ");
		add_ident(&sb, s->newcols.v[i]);
		strbuf_addstr(&sb, " bigint");
		if (pg_run(l->q->conn, sb.buf) < 0) {
			strbuf_release(&sb);
			return fail_pg(l);
		}
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "UPDATE ");
		add_stage(&sb, s->name);
		strbuf_addstr(&sb, " SET ");
		add_ident(&sb, s->newcols.v[i]);
		strbuf_addstr(&sb, " = nextval($1::regclass)");
		r = pg_exec(l->q->conn, sb.buf, 1, params);
		strbuf_release(&sb);
		if (!r)
			return fail_pg(l);
		PQclear(r);
	}
	return 0;
}

/* Merge: the references of s into merged or appended tables rewritten to
 * the rows they become. */
static int map_references(struct loader *l, struct stage *a)
{
	for (size_t i = 0; i < l->fks.nfks; i++) {
		const struct catalog_fk *f = &l->fks.fks[i];
		const struct catalog_table *tb = catalog_table(l->q->cat, f->references);
		struct stage *b = tb ? stage_of_root(l, tb) : NULL;
		struct strlist newcols = STRLIST_INIT;
		char *sql;
		int kind;

		if (f->table != a->t->oid || !b || b->t != tb)
			continue;
		kind = follow_kind(a, b, f);
		if (!kind)
			continue;
		if (kind == 1) {
			for (size_t j = 0; j < f->referenced_columns.n; j++) {
				const char *nc = NULL;
				for (size_t k = 0; k < b->serial.n; k++)
					if (!strcmp(b->serial.v[k], f->referenced_columns.v[j]))
						nc = b->newcols.v[k];
				strlist_push(&newcols, nc ? nc : f->referenced_columns.v[j]);
			}
			sql = rows_map_sql(a->name, &f->columns, b->name, &f->referenced_columns,
					   &newcols, NULL, NULL, NULL);
		} else {
			sql = rows_map_sql(a->name, &f->columns, b->name, &f->referenced_columns,
					   NULL, tb->schema, tb->name, &b->key);
		}
		strlist_clear(&newcols);
		if (pg_run(l->q->conn, sql) < 0) {
			free(sql);
			return fail_pg(l);
		}
		free(sql);
	}
	return 0;
}

/* Runs a write; a foreign key violation is the user's refusal (exit 2). */
static PGresult *run_write(struct loader *l, const struct stage *s, const char *sql)
{
	PGresult *r = pg_exec_unchecked(l->q->conn, sql);
	const char *state;

	if (!r) {
		fail_pg(l);
		return NULL;
	}
	if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state && !strcmp(state, "23503")) {
		const char *con = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
		char *m = pg_message(PQresultErrorMessage(r));
		ui_error("restored rows of '%s' reference rows that no longer exist "
			 "(constraint '%s')",
			 s->t->qualified, con ? con : "?");
		ui_detail("%s", m);
		ui_hint("nothing was changed; restore with --scope all to bring back every "
			"table as it was");
		free(m);
		fail(l, EXIT_USAGE);
	} else {
		char *m = pg_message(PQresultErrorMessage(r));
		ui_error("cannot write the rows of '%s': %s", s->t->qualified, m);
		free(m);
		fail(l, EXIT_COMMAND);
	}
	PQclear(r);
	return NULL;
}

static int write_stage(struct loader *l, struct stage *s)
{
	struct strlist cols = STRLIST_INIT, src = STRLIST_INIT;
	PGresult *r;
	char *sql;
	int rc = -1;

	if (l->q->mode == RESTORE_MODE_MERGE && map_references(l, s) < 0)
		return -1;
	if (l->q->mode == RESTORE_MODE_MERGE && !s->append) {
		merge_columns(l, s, &cols);
		sql = rows_merge_sql(s->t->schema, s->t->name, s->name, &cols, &s->key, &s->keep);
	} else if (s->append) {
		for (size_t i = 0; i < s->cols.n; i++) {
			const char *c = s->cols.v[i];
			for (size_t k = 0; k < s->serial.n; k++)
				if (!strcmp(s->serial.v[k], s->cols.v[i]))
					c = s->newcols.v[k];
			strlist_push(&src, c);
		}
		sql = rows_insert_sql(s->t->schema, s->t->name, s->name, &s->cols, &src);
	} else {
		sql = rows_insert_sql(s->t->schema, s->t->name, s->name, &s->cols, NULL);
	}
	r = run_write(l, s, sql);
	free(sql);
	if (!r)
		goto out;
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		if (PQntuples(r) != 1 || PQnfields(r) != 2) {
			ui_error("cannot read the counts of rows inserted and updated in '%s' from "
				 "the server: %d rows of %d values",
				 s->t->qualified, PQntuples(r), PQnfields(r));
			fail(l, EXIT_COMMAND);
		} else if (read_count(l, PQgetvalue(r, 0, 0), "count of rows inserted", s->t,
				      &s->inserted) == 0 &&
			   read_count(l, PQgetvalue(r, 0, 1), "count of rows updated", s->t,
				      &s->updated) == 0) {
			rc = 0;
		}
	} else if (read_count(l, PQcmdTuples(r), "count of rows inserted", s->t, &s->inserted) ==
		   0) {
		rc = 0;
	}
	PQclear(r);
out:
	strlist_clear(&cols);
	strlist_clear(&src);
	return rc;
}

static int truncate_tables(struct loader *l)
{
	struct strbuf sb = STRBUF_INIT;
	char *sql = NULL;
	int rc;

	if (l->q->scope == RESTORE_SCOPE_RESET) {
		struct plan p = *l->q->plan;
		p.restart_identity = 0;
		sql = plan_truncate_sql(&p);
	} else {
		for (size_t i = 0; i < l->n; i++) {
			int dup = 0;
			for (size_t j = 0; j < i; j++)
				dup |= l->v[j].root == l->v[i].root;
			if (dup)
				continue;
			strbuf_addstr(&sb, sb.len ? ", " : "TRUNCATE ");
			if (l->v[i].root->kind != 'p')
				strbuf_addstr(&sb, "ONLY ");
			add_table(&sb, l->v[i].root->schema, l->v[i].root->name);
		}
		sql = sb.len ? strbuf_detach(&sb) : NULL;
	}
	strbuf_release(&sb);
	if (!sql)
		return 0;
	rc = pg_run(l->q->conn, sql);
	free(sql);
	return rc < 0 ? fail_pg(l) : 0;
}

/* The sequences whose values come back: owned by (or the default of) a
 * restored table, and at scope reset the plan's stand-alone ones. */
static int sequence_restored(struct loader *l, const struct catalog_sequence *q)
{
	const struct catalog *cat = l->q->cat;

	if (l->q->scope == RESTORE_SCOPE_RESET) {
		const struct catalog_table *o = q->owner ? catalog_table(cat, q->owner) : NULL;
		const struct plan_table *pt = o ? plan_entry(l->q->plan, rows_root(cat, o)) : NULL;
		if (pt && pt->reset)
			return 1;
		for (size_t i = 0; i < l->q->plan->nsequences; i++)
			if (l->q->plan->sequences[i].s == q && !l->q->plan->sequences[i].owned)
				return 1;
		return 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct catalog_table *o = q->owner ? catalog_table(cat, q->owner) : NULL;
		if (o && rows_root(cat, o) == l->v[i].root)
			return 1;
		for (size_t j = 0; j < cat->ndefaults; j++)
			if (cat->defaults[j].sequence == q->oid &&
			    cat->defaults[j].table == l->v[i].root->oid)
				return 1;
	}
	return 0;
}

/* A sequence past the largest value its columns hold. */
static int sequence_past_max(struct loader *l, const struct catalog_sequence *q)
{
	const struct catalog *cat = l->q->cat;
	struct strbuf sb = STRBUF_INIT;
	char *name = plan_quote_qualified(q->schema, q->name);
	const char *params[] = { name };
	size_t users = 0;
	int rc = 0;

	strbuf_addstr(&sb, "SELECT pg_catalog.setval($1::regclass, m) FROM (SELECT max(v) AS m "
			   "FROM (");
	for (size_t i = 0; i < cat->ntables + cat->ndefaults; i++) {
		const struct catalog_table *t;
		const char *col;
		if (i < cat->ntables) {
			if (q->owner != cat->tables[i].oid || !q->column)
				continue;
			t = &cat->tables[i];
			col = q->column;
		} else {
			const struct catalog_default *d = &cat->defaults[i - cat->ntables];
			if (d->sequence != q->oid ||
			    (d->table == q->owner && q->column && !strcmp(d->column, q->column)))
				continue;
			t = catalog_table(cat, d->table);
			col = d->column;
			if (!t || t->partition_of)
				continue;
		}
		strbuf_addstr(&sb, users ? " UNION ALL SELECT max(" : "SELECT max(");
		add_ident(&sb, col);
		strbuf_addstr(&sb, ")::bigint FROM ");
		add_table(&sb, t->schema, t->name);
		users++;
	}
	strbuf_addstr(&sb, ") u(v)) x WHERE m IS NOT NULL");
	if (l->q->mode == RESTORE_MODE_MERGE) {
		/* a merge never moves a sequence back */
		strbuf_addstr(&sb, " AND m >= (SELECT last_value FROM ");
		strbuf_addstr(&sb, name);
		strbuf_addstr(&sb, ")");
	}
	if (users) {
		PGresult *r = pg_exec(l->q->conn, sb.buf, 1, params);
		if (!r)
			rc = fail_pg(l);
		PQclear(r);
	}
	free(name);
	strbuf_release(&sb);
	return rc;
}

static int set_sequences(struct loader *l)
{
	const struct catalog *cat = l->q->cat;

	for (size_t i = 0; i < cat->nsequences; i++) {
		const struct catalog_sequence *q = &cat->sequences[i];
		if (!sequence_restored(l, q))
			continue;
		if (l->q->format == BACKUP_FORMAT_JSON) {
			if (sequence_past_max(l, q) < 0)
				return -1;
			continue;
		}
		for (size_t j = 0; j < l->nsv; j++) {
			const struct seqval *v = &l->sv[j];
			char value[32];
			char *name;
			const char *params[3];
			PGresult *r;

			if (strcmp(v->schema, q->schema) || strcmp(v->name, q->name))
				continue;
			name = plan_quote_qualified(q->schema, q->name);
			snprintf(value, sizeof(value), "%lld", v->value);
			params[0] = name;
			params[1] = value;
			params[2] = v->called ? "true" : "false";
			r = pg_exec(
			    l->q->conn,
			    "SELECT pg_catalog.setval($1::regclass, $2::bigint, $3::boolean)", 3,
			    params);
			free(name);
			if (!r)
				return fail_pg(l);
			PQclear(r);
		}
	}
	return 0;
}

static void report(struct loader *l)
{
	struct restore_rows_req *q = l->q;

	q->loaded = json_object();
	if (q->mode == RESTORE_MODE_MERGE)
		q->merged = json_object();
	if (q->scope == RESTORE_SCOPE_RESET)
		for (size_t i = 0; i < q->plan->ntables; i++)
			if (q->plan->tables[i].reset)
				json_object_set_new(q->loaded, q->plan->tables[i].t->qualified,
						    json_integer(0));
	for (size_t i = 0; i < l->n; i++) {
		const struct stage *s = &l->v[i];
		const char *name = s->root->qualified;
		json_int_t have = json_integer_value(json_object_get(q->loaded, name));
		json_object_set_new(q->loaded, name, json_integer(have + s->inserted + s->updated));
		if (q->merged) {
			json_t *m = json_object();
			json_object_set_new(m, "inserted", json_integer(s->inserted));
			json_object_set_new(m, "updated", json_integer(s->updated));
			json_object_set_new(q->merged, name, m);
		}
	}
}

int restore_rows(struct restore_rows_req *q)
{
	struct loader l = { .q = q, .buf = STRBUF_INIT, .source = q->path };
	size_t *order = NULL;
	const struct catalog_table **tabs = NULL;

	q->loaded = NULL;
	q->merged = NULL;
	if (q->mode == RESTORE_MODE_MERGE && q->format != BACKUP_FORMAT_JSON) {
		ui_error("--mode merge needs a json backup");
		return EXIT_USAGE;
	}
	if (q->scope == RESTORE_SCOPE_RESET && !q->plan) {
		ui_error("--scope reset: no reset plan");
		return EXIT_FAIL;
	}
	if (q->scope == RESTORE_SCOPE_RESET && q->mode == RESTORE_MODE_REPLACE && q->plan->nfks) {
		const struct plan_fk *f = &q->plan->fks[0];
		ui_error("kept table '%s' references reset table '%s' (constraint '%s')",
			 f->table->qualified, f->references->qualified, f->fk->name);
		ui_hint("add it to reset.tables");
		return EXIT_USAGE;
	}

	/* 1. the rows into staging tables */
	if (q->format == BACKUP_FORMAT_JSON)
		read_json(&l);
	else if (q->format == BACKUP_FORMAT_PLAIN)
		read_plain(&l);
	else
		read_custom(&l);
	if (l.rc)
		goto out;

	/* 2. every refusal before a real table changes */
	if (q->scope == RESTORE_SCOPE_ALL && q->mode == RESTORE_MODE_REPLACE &&
	    check_outside(&l) < 0)
		goto out;
	if (q->mode == RESTORE_MODE_MERGE) {
		if (load_fks(&l) < 0)
			goto out;
		for (size_t i = 0; i < l.n; i++)
			if (merge_keys(&l, &l.v[i]) < 0)
				goto out;
		if (check_references(&l) < 0)
			goto out;
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i].append && assign_identities(&l, &l.v[i]) < 0)
				goto out;
	}

	/* 3. the writes, referenced tables first */
	if (q->mode == RESTORE_MODE_REPLACE && truncate_tables(&l) < 0)
		goto out;
	tabs = xcalloc(l.n ? l.n : 1, sizeof(*tabs));
	order = xcalloc(l.n ? l.n : 1, sizeof(*order));
	for (size_t i = 0; i < l.n; i++)
		tabs[i] = l.v[i].t;
	rows_fk_order(order, q->cat, tabs, l.n);
	for (size_t i = 0; i < l.n; i++)
		if (write_stage(&l, &l.v[order[i]]) < 0)
			goto out;
	if (set_sequences(&l) < 0)
		goto out;
	report(&l);
out:
	block_abandon(&l);
	free(order);
	free(tabs);
	for (size_t i = 0; i < l.n; i++)
		stage_release(&l.v[i]);
	free(l.v);
	for (size_t i = 0; i < l.nsv; i++) {
		free(l.sv[i].schema);
		free(l.sv[i].name);
	}
	free(l.sv);
	catalog_release(&l.fks);
	strbuf_release(&l.buf);
	return l.rc;
}
