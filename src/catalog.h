/*
 * catalog.h - what the reset planner needs to know about a database: its
 * tables (partitions, inheritance, extension members), sequences (owned or
 * stand-alone), column defaults calling nextval() and foreign keys.
 *
 * catalog_load() reads all of it in one round trip: one SELECT returning
 * one JSON document (CATALOG_QUERY). catalog_parse() turns that document
 * into a struct catalog and is pure, so it is unit-tested (and fuzzed)
 * without a server. Objects are named by their oid; the system schemas
 * (pg_catalog, information_schema, pg_toast*, pg_temp_*) are left out.
 */
#ifndef DOCKRESET_CATALOG_H
#define DOCKRESET_CATALOG_H

#include <libpq-fe.h>
#include <stddef.h>

#include "util.h"

struct catalog_table {
	unsigned long oid;
	char *schema;
	char *name;
	char *qualified; /* "schema.name" as the user writes it */
	char kind;	 /* 'r' table, 'p' partitioned, 'v' view, 'f' foreign, 'm' matview */
	unsigned long partition_of; /* the partitioned parent's oid; 0: not a partition */
	unsigned long *inherits;    /* inheritance parents (not partitioning) */
	size_t ninherits;
	int extension; /* a member of an extension */
};

struct catalog_sequence {
	unsigned long oid;
	char *schema;
	char *name;
	char *qualified;
	unsigned long owner; /* owning table (serial or identity); 0: stand-alone */
	char *column;	     /* owning column, or NULL */
};

/* A column default that calls nextval() of a sequence. */
struct catalog_default {
	unsigned long table;
	char *column;
	unsigned long sequence;
};

struct catalog_fk {
	char *name;
	unsigned long table;	  /* referencing */
	unsigned long references; /* referenced */
	/* the key's columns in the key's order: columns[i] of table refers
	 * to referenced_columns[i] of references; as many, at least one */
	struct strlist columns;
	struct strlist referenced_columns;
};

struct catalog {
	struct catalog_table *tables;
	size_t ntables;
	struct catalog_sequence *sequences;
	size_t nsequences;
	struct catalog_default *defaults;
	size_t ndefaults;
	struct catalog_fk *fks;
	size_t nfks;
};

/* The one SELECT whose single value is the document catalog_parse() reads. */
extern const char CATALOG_QUERY[];

/* The SELECT whose single value is the "foreign_keys" array of
 * CATALOG_QUERY alone, the document catalog_parse_fks() reads. */
extern const char CATALOG_FKS_QUERY[];

/*
 * Fills *out from the JSON document text (len bytes):
 *   {"tables": [{"oid", "schema", "name", "kind", "partition_of": oid|null,
 *                "inherits": [oid...], "extension": bool}],
 *    "sequences": [{"oid", "schema", "name", "owner": oid|null,
 *                   "column": str|null}],
 *    "defaults": [{"table", "column", "sequence"}],
 *    "foreign_keys": [{"name", "table", "references",
 *                      "columns": [str...], "referenced_columns": [str...]}]}
 * Returns 0, or -1 with one message in err (a missing field or a wrong type
 * names its path, "tables[3].kind", "foreign_keys[0].columns[1]"); *out is
 * then empty. Pure.
 */
int catalog_parse(struct catalog *out, const char *text, size_t len, struct strbuf *err);

/*
 * The "foreign_keys" array alone (the document of CATALOG_FKS_QUERY) into
 * out's fks, its other members empty; errors as catalog_parse()'s. Pure.
 */
int catalog_parse_fks(struct catalog *out, const char *text, size_t len, struct strbuf *err);

/* Runs CATALOG_QUERY over c and parses it; 0, or -1 after reporting. */
int catalog_load(PGconn *c, struct catalog *out);

/* Runs CATALOG_FKS_QUERY over c and parses it; 0, or -1 after reporting. */
int catalog_load_fks(PGconn *c, struct catalog *out);

void catalog_release(struct catalog *cat);

/* The table or sequence with this oid, or NULL. Borrowed. */
const struct catalog_table *catalog_table(const struct catalog *cat, unsigned long oid);
const struct catalog_sequence *catalog_sequence(const struct catalog *cat, unsigned long oid);

#endif
