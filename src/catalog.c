/*
 * catalog.c - the catalog snapshot the reset planner works from: one query,
 * one JSON document, a pure parser.
 */
#include "catalog.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "ui.h"

/*
 * One statement, so one round trip and one snapshot. Owned sequences are
 * those with an automatic ('a', serial / OWNED BY) or internal ('i',
 * identity) dependency on a column; a default's sequence is the one its
 * pg_attrdef depends on (nextval('s'::regclass) records that dependency).
 * Foreign keys cloned onto partitions (conparentid <> 0) are the parent's.
 */
#define REL_CTE                                                                                    \
	"WITH rel AS ("                                                                            \
	" SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition"                         \
	"   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"                         \
	"  WHERE c.relkind IN ('r', 'p', 'v', 'f', 'm', 'S')"                                      \
	"    AND n.nspname NOT IN ('pg_catalog', 'information_schema')"                            \
	"    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%')"

/* The key's columns of one side (conkey of conrelid, confkey of confrelid)
 * in the key's order, as a JSON array of names: a name may hold any
 * character, a newline too. */
#define FK_COLUMNS(key, rel)                                                                       \
	"(SELECT coalesce(json_agg(a.attname::text ORDER BY x.i), '[]')"                           \
	"   FROM unnest(k." key ") WITH ORDINALITY x(n, i)"                                        \
	"   JOIN pg_attribute a ON a.attrelid = k." rel " AND a.attnum = x.n)"

/* clang-format off */
#define FKS_JSON                                                                                   \
	"(SELECT coalesce(json_agg(json_build_object("                                             \
	"     'name', k.conname::text, 'table', k.conrelid::bigint,"                               \
	"     'references', k.confrelid::bigint,"                                                  \
	"     'columns', " FK_COLUMNS("conkey", "conrelid") ","                                     \
	"     'referenced_columns', " FK_COLUMNS("confkey", "confrelid") ")"                        \
	"   ORDER BY k.conname, k.oid), '[]')"                                                     \
	"   FROM pg_constraint k JOIN rel t ON t.oid = k.conrelid"                                 \
	"  WHERE k.contype = 'f' AND k.conparentid = 0)"
/* clang-format on */

const char CATALOG_QUERY[] = REL_CTE
    " SELECT json_build_object("
    " 'tables', (SELECT coalesce(json_agg(json_build_object("
    "     'oid', r.oid::bigint, 'schema', r.nspname, 'name', r.relname,"
    "     'kind', r.relkind::text,"
    "     'partition_of', (SELECT i.inhparent::bigint FROM pg_inherits i"
    "                       WHERE i.inhrelid = r.oid AND r.relispartition),"
    "     'inherits', (SELECT coalesce(json_agg(i.inhparent::bigint ORDER BY i.inhseqno), '[]')"
    "                   FROM pg_inherits i WHERE i.inhrelid = r.oid AND NOT r.relispartition),"
    "     'extension', EXISTS (SELECT 1 FROM pg_depend d"
    "                   WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid"
    "                     AND d.deptype = 'e'))"
    "   ORDER BY r.nspname, r.relname), '[]') FROM rel r WHERE r.relkind <> 'S'),"
    " 'sequences', (SELECT coalesce(json_agg(json_build_object("
    "     'oid', s.oid::bigint, 'schema', s.nspname, 'name', s.relname,"
    "     'owner', d.refobjid::bigint, 'column', a.attname::text)"
    "   ORDER BY s.nspname, s.relname), '[]')"
    "   FROM rel s LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass"
    "     AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass"
    "     AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')"
    "   LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
    "  WHERE s.relkind = 'S'),"
    " 'defaults', (SELECT coalesce(json_agg(json_build_object("
    "     'table', ad.adrelid::bigint, 'column', a.attname::text,"
    "     'sequence', d.refobjid::bigint) ORDER BY ad.adrelid, ad.adnum, d.refobjid), '[]')"
    "   FROM pg_attrdef ad"
    "   JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum"
    "   JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid"
    "     AND d.refclassid = 'pg_class'::regclass"
    "   JOIN rel s ON s.oid = d.refobjid AND s.relkind = 'S'"
    "   JOIN rel t ON t.oid = ad.adrelid),"
    " 'foreign_keys', " FKS_JSON ")";

const char CATALOG_FKS_QUERY[] = REL_CTE " SELECT " FKS_JSON;

/* Field readers: 0, or -1 with the field's path in err. */
static int get_str(char **out, json_t *o, const char *key, int nullable, const char *path, size_t i,
		   struct strbuf *err)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (nullable && (!v || json_is_null(v)))
		return 0;
	if (!json_is_string(v) || (!nullable && !*json_string_value(v))) {
		strbuf_addf(err, "%s[%zu].%s: %s", path, i, key,
			    v ? "not a non-empty string" : "missing");
		return -1;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int oid_value(unsigned long *out, json_t *v)
{
	json_int_t n;

	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	if (n <= 0 || n > 0xffffffffLL)
		return -1;
	*out = (unsigned long)n;
	return 0;
}

static int get_oid(unsigned long *out, json_t *o, const char *key, int nullable, const char *path,
		   size_t i, struct strbuf *err)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (nullable && (!v || json_is_null(v)))
		return 0;
	if (oid_value(out, v) < 0) {
		strbuf_addf(err, "%s[%zu].%s: %s", path, i, key, v ? "not an oid" : "missing");
		return -1;
	}
	return 0;
}

static json_t *get_array(json_t *doc, const char *key, struct strbuf *err)
{
	json_t *a = json_object_get(doc, key);

	if (!json_is_array(a)) {
		strbuf_addf(err, "%s: %s", key, a ? "not an array" : "missing");
		return NULL;
	}
	return a;
}

static int parse_table(struct catalog_table *t, json_t *o, size_t i, struct strbuf *err)
{
	json_t *v;
	char *kind = NULL;
	size_t k;
	json_t *e;

	if (!json_is_object(o)) {
		strbuf_addf(err, "tables[%zu]: not an object", i);
		return -1;
	}
	if (get_oid(&t->oid, o, "oid", 0, "tables", i, err) < 0 ||
	    get_str(&t->schema, o, "schema", 0, "tables", i, err) < 0 ||
	    get_str(&t->name, o, "name", 0, "tables", i, err) < 0 ||
	    get_str(&kind, o, "kind", 0, "tables", i, err) < 0 ||
	    get_oid(&t->partition_of, o, "partition_of", 1, "tables", i, err) < 0)
		goto fail;
	if (strlen(kind) != 1 || !strchr("rpvfm", kind[0])) {
		strbuf_addf(err, "tables[%zu].kind: '%s' is not one of r, p, v, f, m", i, kind);
		goto fail;
	}
	t->kind = kind[0];
	free(kind);
	kind = NULL;
	t->qualified = xasprintf("%s.%s", t->schema, t->name);
	v = json_object_get(o, "inherits");
	if (!json_is_array(v)) {
		strbuf_addf(err, "tables[%zu].inherits: %s", i, v ? "not an array" : "missing");
		goto fail;
	}
	t->inherits = xcalloc(json_array_size(v) + 1, sizeof(*t->inherits));
	json_array_foreach(v, k, e)
	{
		if (oid_value(&t->inherits[k], e) < 0) {
			strbuf_addf(err, "tables[%zu].inherits[%zu]: not an oid", i, k);
			goto fail;
		}
		t->ninherits++;
	}
	v = json_object_get(o, "extension");
	if (!json_is_boolean(v)) {
		strbuf_addf(err, "tables[%zu].extension: %s", i, v ? "not a boolean" : "missing");
		goto fail;
	}
	t->extension = json_is_true(v);
	return 0;
fail:
	free(kind);
	return -1;
}

static int parse_sequence(struct catalog_sequence *s, json_t *o, size_t i, struct strbuf *err)
{
	if (!json_is_object(o)) {
		strbuf_addf(err, "sequences[%zu]: not an object", i);
		return -1;
	}
	if (get_oid(&s->oid, o, "oid", 0, "sequences", i, err) < 0 ||
	    get_str(&s->schema, o, "schema", 0, "sequences", i, err) < 0 ||
	    get_str(&s->name, o, "name", 0, "sequences", i, err) < 0 ||
	    get_oid(&s->owner, o, "owner", 1, "sequences", i, err) < 0 ||
	    get_str(&s->column, o, "column", 1, "sequences", i, err) < 0)
		return -1;
	s->qualified = xasprintf("%s.%s", s->schema, s->name);
	return 0;
}

static int parse_default(struct catalog_default *d, json_t *o, size_t i, struct strbuf *err)
{
	if (!json_is_object(o)) {
		strbuf_addf(err, "defaults[%zu]: not an object", i);
		return -1;
	}
	if (get_oid(&d->table, o, "table", 0, "defaults", i, err) < 0 ||
	    get_str(&d->column, o, "column", 0, "defaults", i, err) < 0 ||
	    get_oid(&d->sequence, o, "sequence", 0, "defaults", i, err) < 0)
		return -1;
	return 0;
}

/* A required, non-empty array of non-empty strings; out is left empty on
 * failure. */
static int get_names(struct strlist *out, json_t *o, const char *key, const char *path, size_t i,
		     struct strbuf *err)
{
	json_t *v = json_object_get(o, key), *e;
	size_t k;

	if (!json_is_array(v) || !json_array_size(v)) {
		strbuf_addf(err, "%s[%zu].%s: %s", path, i, key,
			    !v		       ? "missing"
			    : json_is_array(v) ? "empty"
					       : "not an array");
		return -1;
	}
	json_array_foreach(v, k, e)
	{
		if (!json_is_string(e) || !json_string_length(e) ||
		    strlen(json_string_value(e)) != json_string_length(e)) {
			strbuf_addf(err, "%s[%zu].%s[%zu]: not a non-empty string", path, i, key,
				    k);
			strlist_clear(out);
			return -1;
		}
		strlist_push(out, json_string_value(e));
	}
	return 0;
}

static int parse_fk(struct catalog_fk *f, json_t *o, size_t i, struct strbuf *err)
{
	if (!json_is_object(o)) {
		strbuf_addf(err, "foreign_keys[%zu]: not an object", i);
		return -1;
	}
	if (get_str(&f->name, o, "name", 0, "foreign_keys", i, err) < 0 ||
	    get_oid(&f->table, o, "table", 0, "foreign_keys", i, err) < 0 ||
	    get_oid(&f->references, o, "references", 0, "foreign_keys", i, err) < 0 ||
	    get_names(&f->columns, o, "columns", "foreign_keys", i, err) < 0 ||
	    get_names(&f->referenced_columns, o, "referenced_columns", "foreign_keys", i, err) < 0)
		return -1;
	if (f->columns.n != f->referenced_columns.n) {
		strbuf_addf(err, "foreign_keys[%zu].referenced_columns: %zu names for %zu columns",
			    i, f->referenced_columns.n, f->columns.n);
		return -1;
	}
	return 0;
}

static int parse_fks(struct catalog *out, json_t *a, struct strbuf *err)
{
	json_t *e;
	size_t i;

	out->fks = xcalloc(json_array_size(a) + 1, sizeof(*out->fks));
	json_array_foreach(a, i, e)
	{
		out->nfks++;
		if (parse_fk(&out->fks[i], e, i, err) < 0)
			return -1;
	}
	return 0;
}

int catalog_parse(struct catalog *out, const char *text, size_t len, struct strbuf *err)
{
	json_error_t je;
	json_t *doc, *a, *e;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		strbuf_addf(err, "line %d, column %d: %s", je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(doc)) {
		strbuf_addstr(err, "not a JSON object");
		goto out;
	}
	/* each array is allocated whole, so release() frees what was parsed */
	if (!(a = get_array(doc, "tables", err)))
		goto out;
	out->tables = xcalloc(json_array_size(a) + 1, sizeof(*out->tables));
	json_array_foreach(a, i, e)
	{
		out->ntables++;
		if (parse_table(&out->tables[i], e, i, err) < 0)
			goto out;
	}
	if (!(a = get_array(doc, "sequences", err)))
		goto out;
	out->sequences = xcalloc(json_array_size(a) + 1, sizeof(*out->sequences));
	json_array_foreach(a, i, e)
	{
		out->nsequences++;
		if (parse_sequence(&out->sequences[i], e, i, err) < 0)
			goto out;
	}
	if (!(a = get_array(doc, "defaults", err)))
		goto out;
	out->defaults = xcalloc(json_array_size(a) + 1, sizeof(*out->defaults));
	json_array_foreach(a, i, e)
	{
		out->ndefaults++;
		if (parse_default(&out->defaults[i], e, i, err) < 0)
			goto out;
	}
	if (!(a = get_array(doc, "foreign_keys", err)) || parse_fks(out, a, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(doc);
	if (rc < 0)
		catalog_release(out);
	return rc;
}

int catalog_parse_fks(struct catalog *out, const char *text, size_t len, struct strbuf *err)
{
	json_error_t je;
	json_t *doc;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		strbuf_addf(err, "line %d, column %d: %s", je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_array(doc))
		strbuf_addstr(err, "foreign_keys: not an array");
	else if (parse_fks(out, doc, err) == 0)
		rc = 0;
	json_decref(doc);
	if (rc < 0)
		catalog_release(out);
	return rc;
}

/* Runs query (one JSON document back) and parses it with parse. */
static int load(PGconn *c, const char *query, struct catalog *out,
		int (*parse)(struct catalog *, const char *, size_t, struct strbuf *))
{
	struct strbuf err = STRBUF_INIT;
	PGresult *r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	r = pg_exec(c, query, 0, NULL);
	if (!r)
		return -1;
	if (PQntuples(r) != 1 || PQnfields(r) != 1 || PQgetisnull(r, 0, 0)) {
		ui_error("cannot read the catalog: the query returned no document");
		goto out;
	}
	if (parse(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), &err) < 0) {
		ui_error("cannot read the catalog: %s", err.buf);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&err);
	PQclear(r);
	return rc;
}

int catalog_load(PGconn *c, struct catalog *out)
{
	return load(c, CATALOG_QUERY, out, catalog_parse);
}

int catalog_load_fks(PGconn *c, struct catalog *out)
{
	return load(c, CATALOG_FKS_QUERY, out, catalog_parse_fks);
}

void catalog_release(struct catalog *cat)
{
	for (size_t i = 0; i < cat->ntables; i++) {
		free(cat->tables[i].schema);
		free(cat->tables[i].name);
		free(cat->tables[i].qualified);
		free(cat->tables[i].inherits);
	}
	for (size_t i = 0; i < cat->nsequences; i++) {
		free(cat->sequences[i].schema);
		free(cat->sequences[i].name);
		free(cat->sequences[i].qualified);
		free(cat->sequences[i].column);
	}
	for (size_t i = 0; i < cat->ndefaults; i++)
		free(cat->defaults[i].column);
	for (size_t i = 0; i < cat->nfks; i++) {
		free(cat->fks[i].name);
		strlist_clear(&cat->fks[i].columns);
		strlist_clear(&cat->fks[i].referenced_columns);
	}
	free(cat->tables);
	free(cat->sequences);
	free(cat->defaults);
	free(cat->fks);
	memset(cat, 0, sizeof(*cat));
}

const struct catalog_table *catalog_table(const struct catalog *cat, unsigned long oid)
{
	for (size_t i = 0; i < cat->ntables; i++)
		if (cat->tables[i].oid == oid)
			return &cat->tables[i];
	return NULL;
}

const struct catalog_sequence *catalog_sequence(const struct catalog *cat, unsigned long oid)
{
	for (size_t i = 0; i < cat->nsequences; i++)
		if (cat->sequences[i].oid == oid)
			return &cat->sequences[i];
	return NULL;
}
