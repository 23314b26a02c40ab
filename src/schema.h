/*
 * schema.h - dropping and recreating whole schemas inside the caller's
 * transaction, with what lives on the schema itself put back as it is now:
 * the owner (`public` belongs to pg_database_owner on PostgreSQL 15; a
 * plain CREATE SCHEMA would give it to the current user), the ACL, the
 * default privileges (pg_default_acl rows of the schema, which DROP SCHEMA
 * ... CASCADE removes) and the extensions that lived in it (CASCADE drops
 * them too). Used by restore --scope all (SPEC 6) and by reset's recreate
 * strategy (SPEC 2 reset.strategy).
 *
 * DROP SCHEMA ... CASCADE also reaches outside the schemas: a view of
 * another schema over a table inside, a column of another schema whose type
 * comes from an extension inside, a foreign key of an outside table into an
 * inside one. schema_gather() lists every such dependent so that the caller
 * refuses (exit 2, naming them) before anything changes.
 *
 * The catalog is read in one round trip (SCHEMA_QUERY returns one JSON
 * document); schema_parse() and schema_sql() are pure, so they are
 * unit-tested and fuzzed without a server.
 */
#ifndef DOCKRESET_SCHEMA_H
#define DOCKRESET_SCHEMA_H
#include <libpq-fe.h>
#include <stddef.h>

#include "util.h"

/* A default-privileges row (pg_default_acl) of one of the schemas. */
struct schema_defacl {
	char *role;   /* defaclrole's name: FOR ROLE */
	char objtype; /* 'r' tables, 'S' sequences, 'f' functions, 'T' types, 'n' schemas */
	char *acl;    /* aclitem[] as text: "{app=arwdDxt/owner,...}" */
};

/* An extension living in one of the schemas. */
struct schema_extension {
	char *name;
	char *version;
	unsigned long oid; /* its creation order: an extension another one
			    * requires is older (created first) */
};

/* One schema as it is now. */
struct schema_state {
	char *name;
	int exists; /* 0: not in the database now (only created, when recreate) */
	char *owner;
	char *acl; /* nspacl as text, or NULL (the default) */
	struct schema_defacl *defacl;
	size_t ndefacl;
	struct schema_extension *ext;
	size_t next;
	/* set by the caller before schema_sql(): 1 to create it again after
	 * the drop (reset's recreate, restore of a schema the dump does not
	 * create itself, such as public); 0 to only drop it (the dump's own
	 * CREATE SCHEMA, owner and grants follow) */
	int recreate;
};

struct schema_set {
	struct schema_state *v; /* in the order asked for */
	size_t n;
	/* Objects outside the schemas that depend on objects inside, each as
	 * "view other.v depends on table public.t" (pg_describe_object's
	 * words); not empty: refuse before anything changes. */
	struct strlist outside;
};

/*
 * The one SELECT whose single value is the document schema_parse() reads,
 * for the schema names given as its one parameter, a text[] literal.
 */
extern const char SCHEMA_QUERY[];

/*
 * Fills *out from SCHEMA_QUERY's document (len bytes), keeping the order
 * of names (n names: every one gets an entry; those the document does not
 * hold have exists = 0). Returns 0, or -1 with one message in err naming
 * the path of what is missing or wrong ("schemas[1].owner"). Pure.
 */
int schema_parse(struct schema_set *out, const char *const *names, size_t n, const char *text,
		 size_t len, struct strbuf *err);

/* Runs SCHEMA_QUERY over c for the names and parses it; 0, or -1 after
 * reporting. */
int schema_gather(PGconn *c, const char *const *names, size_t n, struct schema_set *out);

/*
 * Appends to out, one statement per entry (no trailing semicolon), what
 * drops every schema of s (DROP SCHEMA IF EXISTS ... CASCADE) and then, for
 * those with recreate set, creates it again: CREATE SCHEMA, ALTER SCHEMA
 * ... OWNER TO, the ACL (NULL: left as CREATE SCHEMA makes it, the owner's
 * USAGE and CREATE; else GRANT ... per aclitem in the ACL's order, WITH
 * GRANT OPTION where marked, after REVOKE ALL ... FROM the owner unless the
 * ACL starts with the owner's default item; an item granted by another
 * role between SET ROLE and RESET ROLE), then the extensions of all the
 * schemas oldest first (CREATE EXTENSION IF NOT EXISTS ... WITH SCHEMA ...
 * VERSION ...), then the default privileges (ALTER DEFAULT PRIVILEGES FOR
 * ROLE ... IN SCHEMA ... GRANT ...). Identifiers quoted, literals quoted.
 * Pure. Returns 0, or -1 (with a message in err; out unchanged) for an ACL
 * text it cannot read.
 */
int schema_sql(struct strlist *out, const struct schema_set *s, struct strbuf *err);

/*
 * schema_sql(), with the default privileges appended to late instead (when
 * late is not NULL): a restore puts them back after the dump has made its
 * objects, so that they do not reach the restored tables (whose grants the
 * dump gives itself), as pg_dump orders them.
 */
int schema_sql_split(struct strlist *out, struct strlist *late, const struct schema_set *s,
		     struct strbuf *err);

void schema_set_release(struct schema_set *s);

#endif
