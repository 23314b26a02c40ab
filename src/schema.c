/*
 * schema.c - dropping and recreating whole schemas with their owner, ACL,
 * default privileges and extensions: one query, one JSON document, a pure
 * parser and a pure SQL writer.
 */
#include "schema.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "plan.h"
#include "ui.h"

/* "view other.v", "column c of table other.t": pg_describe_object's words
 * with names always schema-qualified (pg_describe_object leaves out the
 * schemas on the search_path). */
#define DESCRIBE(c, o, s)                                                                          \
	"(CASE WHEN " c " = 'pg_class'::regclass AND " s " > 0 THEN"                               \
	"  'column ' || quote_ident((SELECT attname FROM pg_attribute"                             \
	"    WHERE attrelid = " o " AND attnum = " s ")) || ' of '"                                \
	"  || (pg_identify_object(" c ", " o ", 0)).type || ' '"                                   \
	"  || (pg_identify_object(" c ", " o ", 0)).identity"                                      \
	" ELSE (pg_identify_object(" c ", " o ", " s ")).type || ' '"                              \
	"  || (pg_identify_object(" c ", " o ", " s ")).identity END)"

/*
 * One statement. "inside" is every object that lives in one of the
 * schemas: by its own namespace column, by its table's (rules, triggers,
 * column defaults, policies), its operator family's (pg_amop, pg_amproc),
 * a default-privileges row of the schema, the schemas themselves, and the
 * members of an extension created in one of them. Objects of other
 * catalogs (casts, publications, ...) are outside.
 *
 * The dependencies that DROP SCHEMA ... CASCADE follows out of the set are
 * the normal and automatic ones (pg_depend deptype n, a); internal ones
 * only tie an object's parts together. A view's dependencies are its
 * _RETURN rule's: named after the view. A dependency on a column or on an
 * index (a foreign key's) is named after the table.
 */
const char SCHEMA_QUERY[] =
    "WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = ANY($1::text[])),"
    " rel AS (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns)),"
    " inext AS (SELECT oid FROM pg_extension WHERE extnamespace IN (SELECT oid FROM ns)),"
    " inside AS ("
    " SELECT 'pg_namespace'::regclass AS c, oid AS o FROM ns"
    " UNION SELECT 'pg_class'::regclass, oid FROM rel"
    " UNION SELECT 'pg_type'::regclass, oid FROM pg_type WHERE typnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_proc'::regclass, oid FROM pg_proc WHERE pronamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_constraint'::regclass, oid FROM pg_constraint"
    "   WHERE connamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_operator'::regclass, oid FROM pg_operator"
    "   WHERE oprnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_opclass'::regclass, oid FROM pg_opclass"
    "   WHERE opcnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_opfamily'::regclass, oid FROM pg_opfamily"
    "   WHERE opfnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_amop'::regclass, a.oid FROM pg_amop a JOIN pg_opfamily f"
    "   ON f.oid = a.amopfamily WHERE f.opfnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_amproc'::regclass, a.oid FROM pg_amproc a JOIN pg_opfamily f"
    "   ON f.oid = a.amprocfamily WHERE f.opfnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_collation'::regclass, oid FROM pg_collation"
    "   WHERE collnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_conversion'::regclass, oid FROM pg_conversion"
    "   WHERE connamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_statistic_ext'::regclass, oid FROM pg_statistic_ext"
    "   WHERE stxnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_ts_config'::regclass, oid FROM pg_ts_config"
    "   WHERE cfgnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_ts_dict'::regclass, oid FROM pg_ts_dict"
    "   WHERE dictnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_ts_parser'::regclass, oid FROM pg_ts_parser"
    "   WHERE prsnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_ts_template'::regclass, oid FROM pg_ts_template"
    "   WHERE tmplnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_extension'::regclass, oid FROM inext"
    " UNION SELECT 'pg_default_acl'::regclass, oid FROM pg_default_acl"
    "   WHERE defaclnamespace IN (SELECT oid FROM ns)"
    " UNION SELECT 'pg_rewrite'::regclass, oid FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM "
    "rel)"
    " UNION SELECT 'pg_trigger'::regclass, oid FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM "
    "rel)"
    " UNION SELECT 'pg_attrdef'::regclass, oid FROM pg_attrdef WHERE adrelid IN (SELECT oid FROM "
    "rel)"
    " UNION SELECT 'pg_policy'::regclass, oid FROM pg_policy WHERE polrelid IN (SELECT oid FROM "
    "rel)"
    " UNION SELECT classid, objid FROM pg_depend WHERE deptype = 'e'"
    "   AND refclassid = 'pg_extension'::regclass AND refobjid IN (SELECT oid FROM inext)),"
    " dep AS ("
    " SELECT DISTINCT"
    "   CASE WHEN r.rulename = '_RETURN' THEN 'pg_class'::regclass ELSE d.classid END AS classid,"
    "   CASE WHEN r.rulename = '_RETURN' THEN r.ev_class ELSE d.objid END AS objid,"
    "   CASE WHEN r.rulename = '_RETURN' THEN 0 ELSE d.objsubid END AS objsubid,"
    "   d.refclassid, coalesce(x.indrelid, d.refobjid) AS refobjid"
    "   FROM pg_depend d"
    "   JOIN inside i ON i.c = d.refclassid AND i.o = d.refobjid"
    "   LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid"
    "   LEFT JOIN pg_index x ON d.refclassid = 'pg_class'::regclass AND x.indexrelid = d.refobjid"
    "  WHERE d.deptype IN ('n', 'a')),"
    " outside AS (SELECT DISTINCT " DESCRIBE(
	"dep.classid", "dep.objid",
	"dep.objsubid") "   || ' depends on ' || " DESCRIBE("dep.refclassid", "dep.refobjid",
							    "0") " AS t"
								 "   FROM dep WHERE NOT EXISTS "
								 "(SELECT 1 FROM inside i"
								 "     WHERE i.c = dep.classid AND "
								 "i.o = dep.objid))"
								 " SELECT json_build_object("
								 " 'schemas', (SELECT "
								 "coalesce(json_agg(json_build_"
								 "object("
								 "     'name', n.nspname::text, "
								 "'owner', "
								 "pg_get_userbyid(n.nspowner)::"
								 "text,"
								 "     'acl', n.nspacl::text,"
								 "     'default_acls', (SELECT "
								 "coalesce(json_agg(json_build_"
								 "object("
								 "         'role', "
								 "pg_get_userbyid(a.defaclrole)::"
								 "text, 'objtype', "
								 "a.defaclobjtype::text,"
								 "         'acl', "
								 "a.defaclacl::text)"
								 "       ORDER BY "
								 "pg_get_userbyid(a.defaclrole) "
								 "COLLATE \"C\", a.defaclobjtype), "
								 "'[]')"
								 "       FROM pg_default_acl a "
								 "WHERE a.defaclnamespace = n.oid),"
								 "     'extensions', (SELECT "
								 "coalesce(json_agg(json_build_"
								 "object("
								 "         'name', "
								 "x.extname::text, 'version', "
								 "x.extversion, 'oid', "
								 "x.oid::bigint)"
								 "       ORDER BY x.oid), '[]') "
								 "FROM pg_extension x WHERE "
								 "x.extnamespace = n.oid))"
								 "   ORDER BY n.nspname COLLATE "
								 "\"C\"), '[]')"
								 "   FROM pg_namespace n WHERE "
								 "n.oid IN (SELECT oid FROM ns)),"
								 " 'outside', (SELECT "
								 "coalesce(json_agg(o.t ORDER BY "
								 "o.t COLLATE \"C\"), '[]')"
								 "   FROM outside o))";

/* Field readers: 0, or -1 with the field's path in err. */
static int get_str(char **out, json_t *o, const char *key, int nullable, const char *path,
		   struct strbuf *err)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (nullable && (!v || json_is_null(v)))
		return 0;
	if (!json_is_string(v) || !*json_string_value(v)) {
		strbuf_addf(err, "%s.%s: %s", path, key, v ? "not a non-empty string" : "missing");
		return -1;
	}
	*out = xstrdup(json_string_value(v));
	return 0;
}

static json_t *get_array(json_t *o, const char *key, const char *path, struct strbuf *err)
{
	json_t *a = json_object_get(o, key);

	if (!json_is_array(a)) {
		strbuf_addf(err, "%s%s%s: %s", path, *path ? "." : "", key,
			    a ? "not an array" : "missing");
		return NULL;
	}
	return a;
}

static int parse_defacl(struct schema_defacl *d, json_t *o, const char *path, struct strbuf *err)
{
	char *type = NULL;

	if (!json_is_object(o)) {
		strbuf_addf(err, "%s: not an object", path);
		return -1;
	}
	if (get_str(&d->role, o, "role", 0, path, err) < 0 ||
	    get_str(&d->acl, o, "acl", 0, path, err) < 0 ||
	    get_str(&type, o, "objtype", 0, path, err) < 0)
		return -1;
	if (strlen(type) != 1 || !strchr("rSfTn", type[0])) {
		strbuf_addf(err, "%s.objtype: '%s' is not one of r, S, f, T, n", path, type);
		free(type);
		return -1;
	}
	d->objtype = type[0];
	free(type);
	return 0;
}

static int parse_extension(struct schema_extension *x, json_t *o, const char *path,
			   struct strbuf *err)
{
	json_t *v;

	if (!json_is_object(o)) {
		strbuf_addf(err, "%s: not an object", path);
		return -1;
	}
	v = json_object_get(o, "oid");
	if (get_str(&x->name, o, "name", 0, path, err) < 0 ||
	    get_str(&x->version, o, "version", 0, path, err) < 0)
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 0xffffffffLL) {
		strbuf_addf(err, "%s.oid: %s", path, v ? "not an oid" : "missing");
		return -1;
	}
	x->oid = (unsigned long)json_integer_value(v);
	return 0;
}

/* Fills s (named already) from the document's entry o at schemas[i]. */
static int parse_schema(struct schema_state *s, json_t *o, size_t i, struct strbuf *err)
{
	char path[64], sub[128];
	json_t *a, *e;
	size_t k;

	snprintf(path, sizeof(path), "schemas[%zu]", i);
	s->exists = 1;
	if (get_str(&s->owner, o, "owner", 0, path, err) < 0 ||
	    get_str(&s->acl, o, "acl", 1, path, err) < 0)
		return -1;
	if (!(a = get_array(o, "default_acls", path, err)))
		return -1;
	s->defacl = xcalloc(json_array_size(a) + 1, sizeof(*s->defacl));
	json_array_foreach(a, k, e)
	{
		s->ndefacl++;
		snprintf(sub, sizeof(sub), "%s.default_acls[%zu]", path, k);
		if (parse_defacl(&s->defacl[k], e, sub, err) < 0)
			return -1;
	}
	if (!(a = get_array(o, "extensions", path, err)))
		return -1;
	s->ext = xcalloc(json_array_size(a) + 1, sizeof(*s->ext));
	json_array_foreach(a, k, e)
	{
		s->next++;
		snprintf(sub, sizeof(sub), "%s.extensions[%zu]", path, k);
		if (parse_extension(&s->ext[k], e, sub, err) < 0)
			return -1;
	}
	return 0;
}

int schema_parse(struct schema_set *out, const char *const *names, size_t n, const char *text,
		 size_t len, struct strbuf *err)
{
	json_error_t je;
	json_t *doc, *a, *e, *v;
	size_t i, k;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		strbuf_addf(err, "line %d, column %d: %s", je.line, je.column, je.text);
		return -1;
	}
	out->v = xcalloc(n + 1, sizeof(*out->v));
	for (k = 0; k < n; k++)
		out->v[k].name = xstrdup(names[k]);
	out->n = n;
	if (!json_is_object(doc)) {
		strbuf_addstr(err, "not a JSON object");
		goto out;
	}
	if (!(a = get_array(doc, "schemas", "", err)))
		goto out;
	json_array_foreach(a, i, e)
	{
		int found = 0;

		v = json_is_object(e) ? json_object_get(e, "name") : NULL;
		if (!json_is_object(e)) {
			strbuf_addf(err, "schemas[%zu]: not an object", i);
			goto out;
		}
		if (!json_is_string(v) || !*json_string_value(v)) {
			strbuf_addf(err, "schemas[%zu].name: %s", i,
				    v ? "not a non-empty string" : "missing");
			goto out;
		}
		for (k = 0; k < n; k++) {
			if (strcmp(names[k], json_string_value(v)) != 0)
				continue;
			if (out->v[k].exists) {
				strbuf_addf(err, "schemas[%zu].name: '%s' appears twice", i,
					    names[k]);
				goto out;
			}
			found = 1;
			if (parse_schema(&out->v[k], e, i, err) < 0)
				goto out;
		}
		if (!found) {
			strbuf_addf(err, "schemas[%zu].name: '%s' was not asked for", i,
				    json_string_value(v));
			goto out;
		}
	}
	if (!(a = get_array(doc, "outside", "", err)))
		goto out;
	json_array_foreach(a, i, e)
	{
		if (!json_is_string(e) || !*json_string_value(e)) {
			strbuf_addf(err, "outside[%zu]: not a non-empty string", i);
			goto out;
		}
		strlist_push(&out->outside, json_string_value(e));
	}
	rc = 0;
out:
	json_decref(doc);
	if (rc < 0)
		schema_set_release(out);
	return rc;
}

int schema_gather(PGconn *c, const char *const *names, size_t n, struct schema_set *out)
{
	struct strbuf err = STRBUF_INIT, arr = STRBUF_INIT;
	const char *param;
	PGresult *r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	/* a text[] literal: every element double-quoted, \ and " escaped */
	strbuf_addch(&arr, '{');
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(&arr, i ? ",\"" : "\"");
		for (const char *p = names[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addch(&arr, '\\');
			strbuf_addch(&arr, *p);
		}
		strbuf_addch(&arr, '"');
	}
	strbuf_addch(&arr, '}');
	param = arr.buf;
	r = pg_exec(c, SCHEMA_QUERY, 1, &param);
	if (!r)
		goto out;
	if (PQntuples(r) != 1 || PQnfields(r) != 1 || PQgetisnull(r, 0, 0)) {
		ui_error("cannot read the schemas: the query returned no document");
		goto out;
	}
	if (schema_parse(out, names, n, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), &err) <
	    0) {
		ui_error("cannot read the schemas: %s", err.buf);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&err);
	strbuf_release(&arr);
	PQclear(r);
	return rc;
}

/* --- the SQL ------------------------------------------------------------ */

/* 'text' as an SQL string literal; E'...' when it holds a backslash, so
 * that it reads the same whatever standard_conforming_strings says. */
static void add_literal(struct strbuf *sb, const char *s)
{
	int e = strchr(s, '\\') != NULL;

	strbuf_addstr(sb, e ? "E'" : "'");
	for (; *s; s++) {
		if (*s == '\'' || (e && *s == '\\'))
			strbuf_addch(sb, *s);
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

static void add_ident(struct strbuf *sb, const char *s)
{
	char *q = plan_quote_ident(s);

	strbuf_addstr(sb, q);
	free(q);
}

/* One aclitem: grantee (NULL: PUBLIC), privilege letters, grant options. */
struct aclitem {
	char *grantee;
	char *grantor;
	char privs[24];	 /* letters, in the item's order */
	char option[24]; /* 1 where the letter carried '*' */
	size_t nprivs;
};

struct acl {
	struct aclitem *v;
	size_t n;
};

static void acl_release(struct acl *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].grantee);
		free(a->v[i].grantor);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/*
 * A role name as aclitemout writes it: bare, or double-quoted with ""
 * for a quote. Reads from *p up to one of the stop characters; *out is
 * NULL for an empty name. 0, or -1.
 */
static int acl_name(char **out, const char **p, const char *stop)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = *p;

	*out = NULL;
	if (*s == '"') {
		for (s++;; s++) {
			if (!*s) {
				strbuf_release(&sb);
				return -1;
			}
			if (*s == '"') {
				if (s[1] != '"')
					break;
				s++;
			}
			strbuf_addch(&sb, *s);
		}
		s++;
		if (!sb.len || (*stop ? !*s || !strchr(stop, *s) : *s != '\0')) {
			strbuf_release(&sb);
			return -1;
		}
	} else {
		for (; *s && !strchr(stop, *s); s++) {
			if (*s == '"') {
				strbuf_release(&sb);
				return -1;
			}
			strbuf_addch(&sb, *s);
		}
	}
	*p = s;
	*out = sb.len ? strbuf_detach(&sb) : NULL;
	strbuf_release(&sb);
	return 0;
}

/* "grantee=privs/grantor" (grantee empty: PUBLIC); 0, or -1. */
static int acl_item(struct aclitem *it, const char *s)
{
	memset(it, 0, sizeof(*it));
	if (acl_name(&it->grantee, &s, "=") < 0 || *s != '=')
		return -1;
	for (s++; *s && *s != '/'; s++) {
		if (*s == '*') {
			if (!it->nprivs || it->option[it->nprivs - 1])
				return -1;
			it->option[it->nprivs - 1] = 1;
			continue;
		}
		if (!strchr("rawdDxtXUC", *s) || memchr(it->privs, *s, it->nprivs) ||
		    it->nprivs + 1 >= sizeof(it->privs))
			return -1;
		it->privs[it->nprivs++] = *s;
	}
	if (*s != '/')
		return -1;
	s++;
	if (acl_name(&it->grantor, &s, "") < 0 || !it->grantor || *s)
		return -1;
	return 0;
}

/*
 * aclitem[] as text: "{a=UC/a,=U/a,\"\\\"b c\\\"=U/a\"}", the array's own
 * quoting (double quotes, backslash escapes) around each item that needs
 * it. 0, or -1 with a message.
 */
static int acl_parse(struct acl *out, const char *text, const char *what, struct strbuf *err)
{
	struct strbuf item = STRBUF_INIT;
	const char *s = text;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (*s++ != '{')
		goto bad;
	if (*s == '}' && !s[1])
		return 0;
	for (;;) {
		strbuf_reset(&item);
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\\')
					s++;
				if (!*s)
					goto bad;
				strbuf_addch(&item, *s);
			}
			s++;
		} else {
			for (; *s && *s != ',' && *s != '}'; s++)
				strbuf_addch(&item, *s);
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		if (acl_item(&out->v[out->n], strbuf_str(&item)) < 0) {
			free(out->v[out->n].grantee);
			free(out->v[out->n].grantor);
			goto bad;
		}
		out->n++;
		if (*s == '}' && !s[1])
			break;
		if (*s++ != ',')
			goto bad;
	}
	rc = 0;
	goto out;
bad:
	strbuf_addf(err, "%s: cannot read the privileges '%s'", what, text);
	acl_release(out);
out:
	strbuf_release(&item);
	return rc;
}

static const char *priv_name(char c)
{
	switch (c) {
	case 'r':
		return "SELECT";
	case 'a':
		return "INSERT";
	case 'w':
		return "UPDATE";
	case 'd':
		return "DELETE";
	case 'D':
		return "TRUNCATE";
	case 'x':
		return "REFERENCES";
	case 't':
		return "TRIGGER";
	case 'X':
		return "EXECUTE";
	case 'U':
		return "USAGE";
	case 'C':
		return "CREATE";
	}
	return NULL;
}

/*
 * "GRANT <privs> ON <on> TO <grantee>" after prefix (empty, or "ALTER
 * DEFAULT PRIVILEGES ... "), one statement for the privileges without and
 * one for those with the grant option.
 */
static void push_grants(struct strlist *out, const char *prefix, const char *on,
			const struct aclitem *it)
{
	for (int opt = 0; opt <= 1; opt++) {
		struct strbuf sb = STRBUF_INIT;
		size_t k, m = 0;

		strbuf_addf(&sb, "%sGRANT ", prefix);
		for (k = 0; k < it->nprivs; k++) {
			if (it->option[k] != opt)
				continue;
			strbuf_addf(&sb, "%s%s", m++ ? ", " : "", priv_name(it->privs[k]));
		}
		if (!m) {
			strbuf_release(&sb);
			continue;
		}
		strbuf_addf(&sb, " ON %s TO ", on);
		if (it->grantee)
			add_ident(&sb, it->grantee);
		else
			strbuf_addstr(&sb, "PUBLIC");
		if (opt)
			strbuf_addstr(&sb, " WITH GRANT OPTION");
		strlist_push_nodup(out, strbuf_detach(&sb));
	}
}

/* The owner's item as CREATE SCHEMA makes it: owner=UC/owner. */
static int is_owner_default(const struct aclitem *it, const char *owner)
{
	return it->grantee && !strcmp(it->grantee, owner) && !strcmp(it->grantor, owner) &&
	       it->nprivs == 2 && memchr(it->privs, 'U', 2) && memchr(it->privs, 'C', 2) &&
	       !it->option[0] && !it->option[1];
}

/*
 * The schema's ACL on a schema just created and given to its owner (ACL
 * NULL: the owner has USAGE and CREATE, PUBLIC nothing). GRANT merges an
 * item in place or appends it, so the items are granted in the ACL's
 * order, the owner's own too (it turns a NULL ACL into the explicit one the
 * text shows); when the ACL does not start with the owner's default item,
 * REVOKE ALL FROM the owner empties it first. An item granted by another
 * role is granted as that role (SET ROLE), as pg_dump does.
 */
static int schema_acl_sql(struct strlist *out, const struct schema_state *s, const char *qs,
			  struct strbuf *err)
{
	struct acl acl;
	char *on, *what;

	if (!s->acl)
		return 0;
	what = xasprintf("schema '%s'", s->name);
	if (acl_parse(&acl, s->acl, what, err) < 0) {
		free(what);
		return -1;
	}
	free(what);
	for (size_t k = 0; k < acl.n; k++)
		for (size_t j = 0; j < acl.v[k].nprivs; j++)
			if (!strchr("UC", acl.v[k].privs[j])) {
				strbuf_addf(err,
					    "schema '%s': privilege '%c' is not one of a schema",
					    s->name, acl.v[k].privs[j]);
				acl_release(&acl);
				return -1;
			}
	on = xasprintf("SCHEMA %s", qs);
	if (!acl.n || !is_owner_default(&acl.v[0], s->owner)) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "REVOKE ALL ON SCHEMA %s FROM ", qs);
		add_ident(&sb, s->owner);
		strlist_push_nodup(out, strbuf_detach(&sb));
	}
	for (size_t i = 0; i < acl.n; i++) {
		int as = strcmp(acl.v[i].grantor, s->owner) != 0;

		if (as) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addstr(&sb, "SET ROLE ");
			add_ident(&sb, acl.v[i].grantor);
			strlist_push_nodup(out, strbuf_detach(&sb));
		}
		push_grants(out, "", on, &acl.v[i]);
		if (as)
			strlist_push(out, "RESET ROLE");
	}
	free(on);
	acl_release(&acl);
	return 0;
}

static const char *defacl_on(char objtype)
{
	switch (objtype) {
	case 'r':
		return "TABLES";
	case 'S':
		return "SEQUENCES";
	case 'f':
		return "FUNCTIONS";
	case 'T':
		return "TYPES";
	}
	return NULL; /* 'n' (schemas) cannot be set for one schema */
}

static int defacl_sql(struct strlist *out, const struct schema_state *s, const char *qs,
		      const struct schema_defacl *d, struct strbuf *err)
{
	struct strbuf prefix = STRBUF_INIT;
	struct acl acl;
	char *what;
	int rc = -1;

	what = xasprintf("default privileges of '%s' in schema '%s'", d->role, s->name);
	if (!defacl_on(d->objtype)) {
		strbuf_addf(err, "%s: object type '%c' has no default privileges in one schema",
			    what, d->objtype);
		free(what);
		return -1;
	}
	if (acl_parse(&acl, d->acl, what, err) < 0) {
		free(what);
		return -1;
	}
	for (size_t k = 0; k < acl.n; k++)
		for (size_t j = 0; j < acl.v[k].nprivs; j++) {
			const char *ok = d->objtype == 'r'   ? "rawdDxt"
					 : d->objtype == 'S' ? "rwU"
					 : d->objtype == 'f' ? "X"
					 : d->objtype == 'T' ? "U"
							     : "UC";

			if (!strchr(ok, acl.v[k].privs[j])) {
				strbuf_addf(err, "%s: privilege '%c' does not apply to %s", what,
					    acl.v[k].privs[j], defacl_on(d->objtype));
				goto out;
			}
		}
	strbuf_addstr(&prefix, "ALTER DEFAULT PRIVILEGES FOR ROLE ");
	add_ident(&prefix, d->role);
	strbuf_addf(&prefix, " IN SCHEMA %s ", qs);
	for (size_t k = 0; k < acl.n; k++)
		push_grants(out, prefix.buf, defacl_on(d->objtype), &acl.v[k]);
	rc = 0;
out:
	free(what);
	strbuf_release(&prefix);
	acl_release(&acl);
	return rc;
}

/* The extensions of every schema to recreate, oldest first: one that
 * requires another was created after it. */
struct ext_ref {
	const struct schema_extension *x;
	const char *schema;
};

int schema_sql(struct strlist *out, const struct schema_set *s, struct strbuf *err)
{
	return schema_sql_split(out, NULL, s, err);
}

int schema_sql_split(struct strlist *out, struct strlist *late, const struct schema_set *s,
		     struct strbuf *err)
{
	struct strlist add = STRLIST_INIT, later = STRLIST_INIT;
	struct ext_ref *ext = NULL;
	size_t next = 0;
	int rc = -1;

	for (size_t i = 0; i < s->n; i++) {
		char *q = plan_quote_ident(s->v[i].name);

		strlist_push_nodup(&add, xasprintf("DROP SCHEMA IF EXISTS %s CASCADE", q));
		free(q);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct schema_state *st = &s->v[i];
		char *q;

		if (!st->recreate)
			continue;
		q = plan_quote_ident(st->name);
		strlist_push_nodup(&add, xasprintf("CREATE SCHEMA %s", q));
		if (st->exists && st->owner) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "ALTER SCHEMA %s OWNER TO ", q);
			add_ident(&sb, st->owner);
			strlist_push_nodup(&add, strbuf_detach(&sb));
		}
		if (st->exists && st->owner && schema_acl_sql(&add, st, q, err) < 0) {
			free(q);
			goto out;
		}
		free(q);
		if (!st->exists)
			continue;
		ext = xrealloc(ext, (next + st->next + 1) * sizeof(*ext));
		for (size_t k = 0; k < st->next; k++) {
			ext[next].x = &st->ext[k];
			ext[next++].schema = st->name;
		}
	}
	/* insertion sort by oid: stable, and the lists are short */
	for (size_t k = 1; k < next; k++)
		for (size_t j = k; j > 0 && ext[j - 1].x->oid > ext[j].x->oid; j--) {
			struct ext_ref t = ext[j];

			ext[j] = ext[j - 1];
			ext[j - 1] = t;
		}
	for (size_t k = 0; k < next; k++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "CREATE EXTENSION IF NOT EXISTS ");
		add_ident(&sb, ext[k].x->name);
		strbuf_addstr(&sb, " WITH SCHEMA ");
		add_ident(&sb, ext[k].schema);
		strbuf_addstr(&sb, " VERSION ");
		add_literal(&sb, ext[k].x->version);
		strlist_push_nodup(&add, strbuf_detach(&sb));
	}
	/* default privileges last, as pg_dump restores them: they do not
	 * reach the objects the extensions just made */
	for (size_t i = 0; i < s->n; i++) {
		const struct schema_state *st = &s->v[i];
		char *q;

		if (!st->recreate || !st->exists)
			continue;
		q = plan_quote_ident(st->name);
		for (size_t k = 0; k < st->ndefacl; k++)
			if (defacl_sql(late ? &later : &add, st, q, &st->defacl[k], err) < 0) {
				free(q);
				goto out;
			}
		free(q);
	}
	for (size_t k = 0; k < add.n; k++) {
		strlist_push_nodup(out, add.v[k]);
		add.v[k] = NULL;
	}
	for (size_t k = 0; k < later.n; k++) {
		strlist_push_nodup(late, later.v[k]);
		later.v[k] = NULL;
	}
	rc = 0;
out:
	free(ext);
	strlist_clear(&add);
	strlist_clear(&later);
	return rc;
}

void schema_set_release(struct schema_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct schema_state *st = &s->v[i];

		free(st->name);
		free(st->owner);
		free(st->acl);
		for (size_t k = 0; k < st->ndefacl; k++) {
			free(st->defacl[k].role);
			free(st->defacl[k].acl);
		}
		for (size_t k = 0; k < st->next; k++) {
			free(st->ext[k].name);
			free(st->ext[k].version);
		}
		free(st->defacl);
		free(st->ext);
	}
	free(s->v);
	strlist_clear(&s->outside);
	memset(s, 0, sizeof(*s));
}
