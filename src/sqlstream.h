/*
 * sqlstream.h - reading the SQL text pg_dump writes (a plain dump, or what
 * `pg_restore -f -` writes for a custom archive) as a stream, fed in chunks
 * of any size: the COPY blocks with their data lines, the sequence values
 * (`SELECT pg_catalog.setval(...)`) and the schemas the dump holds. Also
 * the table of contents `pg_restore -l` prints. Restore reads the rows of
 * the reset tables out of a backup with it (SPEC 6 --scope reset) and the
 * schemas a --scope all restore drops and recreates.
 *
 * Everything here is pure: no I/O, no database. What a chunked feed finds
 * is exactly what one whole feed finds (the fuzz target checks that).
 * Names are given unquoted ("Weird table" for public."Weird table").
 */
#ifndef DOCKRESET_SQLSTREAM_H
#define DOCKRESET_SQLSTREAM_H
#include <stddef.h>

struct sqlstream_cb {
	/*
	 * "COPY schema.table (c1, c2) FROM stdin;": 1 to receive the block's
	 * data, 0 to skip it, -1 to stop the stream (sqlstream_feed() then
	 * returns -1 with the error "stopped").
	 */
	int (*copy_begin)(void *ctx, const char *schema, const char *table,
			  const char *const *columns, size_t ncolumns);
	/* Data of a received block, COPY text format, whole lines each ending
	 * in '\n' (one or more per call), the "\." line excluded. 0 or -1. */
	int (*copy_data)(void *ctx, const char *buf, size_t len);
	/* The block's "\." line. 0 or -1. */
	int (*copy_end)(void *ctx);
	/* "SELECT pg_catalog.setval('public.t_id_seq', 27, true);" 0 or -1. */
	int (*setval)(void *ctx, const char *schema, const char *sequence, long long value,
		      int is_called);
	/*
	 * A schema the dump holds: creates = 1 for "CREATE SCHEMA name;" (the
	 * dump makes it itself), 0 for one named only in an object header
	 * comment ("-- Name: t; Type: TABLE; Schema: public; Owner: app"). The
	 * same name may come more than once. 0 or -1.
	 */
	int (*schema)(void *ctx, const char *name, int creates);
};

struct sqlstream;

/* Any callback may be NULL. The context is passed to each one. */
struct sqlstream *sqlstream_new(const struct sqlstream_cb *cb, void *ctx);
void sqlstream_free(struct sqlstream *s);

/*
 * Feeds len bytes. Lines may be cut anywhere between calls; a line outside
 * COPY data longer than 1 MiB is skipped whole when it is no statement of
 * interest (a long function body), an error when it is one. Memory stays
 * bounded whatever the input (data lines are passed on as they come).
 * Returns 0, or -1 (a callback failed or asked to stop, or malformed input
 * where it matters: a COPY header or setval that cannot be read); see
 * sqlstream_error().
 */
int sqlstream_feed(struct sqlstream *s, const char *buf, size_t len);

/* At the end of input: -1 when it ended inside a COPY block or a line. */
int sqlstream_finish(struct sqlstream *s);

/* What went wrong, with the line number ("line 1234: ..."). */
const char *sqlstream_error(const struct sqlstream *s);

/*
 * One line of `pg_restore -l` (no newline): for an entry of type SCHEMA
 * ("5; 2615 16385 SCHEMA - audit app"), 1 with *name (new string); for any
 * other entry with a namespace ("215; 1259 16386 TABLE public tickets app"),
 * 2 with *name its namespace; 0 for comments, blank lines and entries
 * without one; -1 for a line that is not a TOC line.
 */
int sqlstream_toc_line(const char *line, char **name);

/*
 * Splits "schema.name", either part double-quoted as PostgreSQL quotes
 * identifiers ("a""b" for a"b), into its unquoted parts (new strings).
 * Returns 0, or -1 when text is not exactly such a name.
 */
int sqlstream_split_qualified(const char *text, size_t len, char **schema, char **name);

#endif
