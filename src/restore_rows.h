/*
 * restore_rows.h - the pure pieces of the row loader (restore_rows() of
 * restore.h): json backup lines turned into COPY text lines, the order in
 * which tables are written (referenced ones first), the column-set check,
 * and the SQL text of the writes. No I/O, no database: unit-tested without
 * a server.
 */
#ifndef DOCKRESET_RESTORE_ROWS_H
#define DOCKRESET_RESTORE_ROWS_H
#include <stddef.h>

#include "catalog.h"
#include "util.h"

/* Appends len bytes of s as one COPY text value: backslash, newline,
 * carriage return and tab escaped (\\, \n, \r, \t). */
void rows_copy_value(struct strbuf *out, const char *s, size_t len);

/* What a line of a json backup (SPEC 5) is, by its first bytes. */
enum rows_json_kind {
	ROWS_JSON_HEADER, /* {"format_version":... */
	ROWS_JSON_TABLE,  /* {"name":"s.t","columns":[...],"rows":[ */
	ROWS_JSON_ROW,	  /* ["1",null], (comma optional) */
	ROWS_JSON_CLOSE,  /* ]}, or ]} */
	ROWS_JSON_OTHER,  /* anything else (blank) */
};
enum rows_json_kind rows_json_kind(const char *line, size_t len);

/*
 * A row line (no newline) of a table of ncolumns columns to one COPY text
 * line ending in '\n', appended to out: values tab-separated, null as \N.
 * Returns 0, or -1 with a message in err (out unchanged) when the line is
 * no array of exactly ncolumns strings and nulls.
 */
int rows_json_row(struct strbuf *out, const char *line, size_t len, size_t ncolumns,
		  struct strbuf *err);

/*
 * A table line: *name (new string, "schema.table" unquoted) and its
 * columns pushed to columns. 0, or -1 with a message in err.
 */
int rows_json_table(const char *line, size_t len, char **name, struct strlist *columns,
		    struct strbuf *err);

/*
 * A JSON array of non-empty strings (the column names a query returns as
 * json_agg(...)::text) into out, which must be empty: 0, or -1 for any
 * other text (NULL, not JSON, not an array, an element that is no string,
 * an empty one or one holding a NUL), out left empty. An empty array is 0
 * with no names.
 */
int rows_parse_names(const char *json, struct strlist *out);

/* The top of t's partition tree (t itself when it is no partition). */
const struct catalog_table *rows_root(const struct catalog *cat, const struct catalog_table *t);

/*
 * The order to write tables in: order[] gets a permutation of 0..n-1 where
 * every table comes after those it references through cat's foreign keys
 * (a partition counts as its root, on both ends of a key; self-references
 * and keys to tables outside v ignored). Within that, v's order is kept; a
 * cycle is broken in v's order. Returns the number of tables left in
 * cycles (0: every reference is written before its referrer).
 */
size_t rows_fk_order(size_t *order, const struct catalog *cat, const struct catalog_table *const *v,
		     size_t n);

/*
 * The column-set check: the backup's columns, less those that are
 * generated now, must be today's non-generated columns (by name, in any
 * order). Pushes the names missing from the backup to missing and those
 * the table no longer has to extra; returns how many there are in all.
 */
size_t rows_columns_check(const struct strlist *backup, const struct strlist *now,
			  const struct strlist *generated, struct strlist *missing,
			  struct strlist *extra);

/* "a", "b", "c": identifiers quoted, comma-separated, with prefix before
 * each ("s." gives s."a", s."b"). */
void rows_add_columns(struct strbuf *sb, const char *prefix, const struct strlist *cols);

/*
 * INSERT INTO "schema"."name" (dst...) OVERRIDING SYSTEM VALUE
 * SELECT src... FROM pg_temp."stage", where src[i] is the staging column
 * feeding dst[i] (src NULL: the same names). New string.
 */
char *rows_insert_sql(const char *schema, const char *name, const char *stage,
		      const struct strlist *dst, const struct strlist *src);

/*
 * The merge of a staged table: rows whose key matches are updated (every
 * column of cols but the key's and those in keep), others inserted; one
 * row back with the counts inserted, updated. cols are the columns
 * written (an identity left to its default is not among them). New string.
 */
char *rows_merge_sql(const char *schema, const char *name, const char *stage,
		     const struct strlist *cols, const struct strlist *key,
		     const struct strlist *keep);

/*
 * Rewrites the references fcols of staging table a into table b's rows
 * (staged in b_stage, its columns rcols):
 * - target NULL: b's rows get new identities staged in b_stage, newcols[i]
 *   the new value of rcols[i] (NULL entry: unchanged);
 * - target "schema"/"name" with key: b was merged on key, today's row with
 *   the backup row's key gives the value.
 * Rows whose references are all null are left alone. New string.
 */
char *rows_map_sql(const char *a_stage, const struct strlist *fcols, const char *b_stage,
		   const struct strlist *rcols, const struct strlist *newcols,
		   const char *target_schema, const char *target_name, const struct strlist *key);

/*
 * Counts the rows of staging table a whose references fcols (none null)
 * find no row in staging table b (rcols), nor, when today_schema is set,
 * in that table today. One row, one count. New string.
 */
char *rows_unfollowable_sql(const char *a_stage, const struct strlist *fcols, const char *b_stage,
			    const struct strlist *rcols, const char *today_schema,
			    const char *today_name);

#endif
