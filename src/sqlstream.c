/*
 * sqlstream.c - reads the SQL text pg_dump writes (a plain dump, or what
 * `pg_restore -f -` writes for a custom archive) as a stream: COPY blocks,
 * sequence values and the schemas the dump holds; and one line of
 * `pg_restore -l`.
 *
 * What PostgreSQL 15.18 (pg_dump and pg_restore 15.18) writes, seen on a
 * real server (excerpts in tests/unit/fixtures/sqlstream/):
 *
 * - COPY headers: `COPY public."Weird table" (id, "Odd""col") FROM stdin;`,
 *   names quoted as fmtId does (quoted unless lowercase letters, digits and
 *   '_'), always schema-qualified; a table without columns gives
 *   `COPY public.empty  FROM stdin;` (two spaces, no list; its rows are
 *   empty lines). Data lines are COPY text: newline, tab and backslash in
 *   values are written \n, \t, \\ and NULL is \N, so a data line always ends
 *   at a real '\n'; the block ends with the line `\.`.
 * - Generated columns are left out of the COPY column list
 *   (`COPY public.tickets (id, title, price, body)` for a table with a
 *   stored generated column `total`); identity and serial columns are in it.
 * - A partitioned table has no COPY block of its own: its rows come in its
 *   partitions' blocks (`COPY public.events_2024 ...`, `..._2025`).
 * - Sequence values, one per sequence (serial, identity, stand-alone):
 *   `SELECT pg_catalog.setval('public."Quo''te seq"', 5, false);` - the
 *   regclass is a standard string literal (standard_conforming_strings is
 *   on; quotes doubled) holding a qualified, fmtId-quoted name.
 * - Every object comes after a header comment
 *   `-- Name: t.dot; Type: TABLE; Schema: Odd Schema; Owner: app` (data:
 *   `-- Data for Name: ...`); names there are unquoted (newlines turned into
 *   spaces), `Schema: -` for objects outside any schema, and
 *   `; Tablespace: x` may follow the owner.
 * - Schemas: `CREATE SCHEMA audit;` under a `Type: SCHEMA` header, then
 *   `ALTER SCHEMA audit OWNER TO app;`. `public` is never created by the
 *   dump: with its PG15 defaults (owner pg_database_owner, default ACL and
 *   comment) it appears only as `Schema: public` in object headers, and
 *   there is no SCHEMA entry in `pg_restore -l`. When its owner differs,
 *   `pg_restore -l` lists `5; 2615 2200 SCHEMA - public app` and the SQL
 *   (plain, and `pg_restore -f -`, with or without --clean) says
 *   `-- *not* creating schema, since initdb creates it` then
 *   `ALTER SCHEMA public OWNER TO app;` (--clean: `-- *not* dropping
 *   schema`). A changed ACL alone gives `ACL - SCHEMA public
 *   pg_database_owner` (no namespace) and `GRANT ... ON SCHEMA public`.
 *   So `creates` is 1 only for a real CREATE SCHEMA line, never for public
 *   from a PG 11+ pg_dump.
 * - `--clean --if-exists` adds `DROP ... IF EXISTS` lines at the start
 *   (`DROP SCHEMA IF EXISTS audit;`), nothing else changes;
 *   `pg_dump -Fc | pg_restore -f -` writes the same text as the plain dump;
 *   `pg_restore --data-only -f -` only the SET lines, COPY blocks and setval
 *   lines with their headers.
 * - 15.14+ writes the psql meta-commands `\restrict KEY` after the opening
 *   comment and `\unrestrict KEY` at the end: ignored here.
 * - `pg_restore -l`: `ID; TABLEOID OID DESC NAMESPACE TAG OWNER`, none of
 *   them quoted, DESC may hold spaces (`TABLE DATA`, `SEQUENCE SET`), the
 *   namespace is `-` when there is none, an empty owner leaves a trailing
 *   space (`2; 3079 16441 EXTENSION - pg_trgm `). A namespace with a space
 *   (`TABLE Odd Schema t.dot app`) cannot be told from the tag: only the
 *   SCHEMA entries (`SCHEMA - Odd Schema app`) and the SQL header comments
 *   name schemas unambiguously.
 *
 * How it reads: a state machine over lines. Outside COPY data every byte
 * goes through a small SQL lexer (quotes, dollar quotes, comments), and a
 * statement of interest is recognised only at the start of a line that
 * starts a statement at top level, so a function body or a comment string
 * holding "COPY x.y (a) FROM stdin;" at a line start is not taken for one.
 * A line outside COPY data is kept whole up to 1 MiB; longer ones are
 * skipped (an error when they start like a statement of interest). COPY
 * data is handed on straight from the caller's buffer, whole lines per
 * call; only a partial last line is kept until its '\n'.
 */
#include "sqlstream.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define LINE_CAP (1024 * 1024)

enum lex_state {
	LX_NORMAL,
	LX_LINE_COMMENT,
	LX_BLOCK_COMMENT,
	LX_SQUOTE,
	LX_SQUOTE_END,
	LX_ESQUOTE,
	LX_ESQUOTE_BS,
	LX_ESQUOTE_END,
	LX_DQUOTE,
	LX_DQUOTE_END,
	LX_DOLLAR_OPEN,
	LX_DOLLAR_BODY
};

enum mode {
	M_TEXT,	     /* SQL lines */
	M_SKIP_LINE, /* the rest of a line longer than LINE_CAP */
	M_COPY,	     /* data of a block the caller receives */
	M_COPY_SKIP, /* data of a block the caller skips */
	M_FAILED
};

struct sqlstream {
	struct sqlstream_cb cb;
	void *ctx;
	enum mode mode;
	struct strbuf line;	   /* the current partial line */
	unsigned long long lineno; /* number of the line being read, from 1 */
	int line_start;		   /* the next byte starts a line */
	int candidate;		   /* this line starts a statement at top level */
	int meta;		   /* this line is a psql meta-command */
	unsigned long long copy_line;
	/* the lexer */
	enum lex_state lx;
	int at_stmt;	   /* only blanks and comments since the last ';' */
	int pend;	   /* '-' or '/' (or '*' in a comment) waiting for its pair */
	size_t run;	   /* length of the current identifier-like run */
	int run_first;	   /* its first byte */
	size_t depth;	   /* block comment nesting */
	struct strbuf tag; /* dollar quote tag */
	size_t tag_match;  /* bytes of "$tag$" matched in the body */
	char *err;
};

static int identish(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static int ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* One byte of SQL outside COPY data, as psql's lexer would see it. */
static void lex_byte(struct sqlstream *s, int c)
{
again:
	switch (s->lx) {
	case LX_NORMAL:
		if (s->pend == '-' || s->pend == '/') {
			int p = s->pend;

			s->pend = 0;
			if (p == '-' && c == '-') {
				s->lx = LX_LINE_COMMENT;
				return;
			}
			if (p == '/' && c == '*') {
				s->lx = LX_BLOCK_COMMENT;
				s->depth = 1;
				return;
			}
			s->at_stmt = 0; /* an operator */
			s->run = 0;
		}
		if (c == '-' || c == '/') {
			s->pend = c;
			return;
		}
		if (c == ';') {
			s->at_stmt = 1;
			s->run = 0;
			return;
		}
		if (blank(c)) {
			s->run = 0;
			return;
		}
		s->at_stmt = 0;
		if (c == '\'') {
			s->lx = s->run == 1 && (s->run_first == 'E' || s->run_first == 'e')
				    ? LX_ESQUOTE
				    : LX_SQUOTE;
			s->run = 0;
		} else if (c == '"') {
			s->lx = LX_DQUOTE;
			s->run = 0;
		} else if (c == '$' && !s->run) {
			s->lx = LX_DOLLAR_OPEN;
			strbuf_reset(&s->tag);
		} else if (identish(c)) {
			if (!s->run++)
				s->run_first = c;
		} else {
			s->run = 0;
		}
		return;
	case LX_LINE_COMMENT:
		if (c == '\n')
			s->lx = LX_NORMAL;
		return;
	case LX_BLOCK_COMMENT:
		if (s->pend == '*' && c == '/') {
			s->pend = 0;
			if (--s->depth == 0)
				s->lx = LX_NORMAL;
			return;
		}
		if (s->pend == '/' && c == '*') {
			s->pend = 0;
			s->depth++;
			return;
		}
		s->pend = c == '*' || c == '/' ? c : 0;
		return;
	case LX_SQUOTE:
		if (c == '\'')
			s->lx = LX_SQUOTE_END;
		return;
	case LX_ESQUOTE:
		if (c == '\\')
			s->lx = LX_ESQUOTE_BS;
		else if (c == '\'')
			s->lx = LX_ESQUOTE_END;
		return;
	case LX_ESQUOTE_BS:
		s->lx = LX_ESQUOTE;
		return;
	case LX_DQUOTE:
		if (c == '"')
			s->lx = LX_DQUOTE_END;
		return;
	case LX_SQUOTE_END:
	case LX_ESQUOTE_END:
	case LX_DQUOTE_END:
		if (c == (s->lx == LX_DQUOTE_END ? '"' : '\'')) {
			/* a doubled quote: still inside */
			s->lx = s->lx == LX_SQUOTE_END	  ? LX_SQUOTE
				: s->lx == LX_ESQUOTE_END ? LX_ESQUOTE
							  : LX_DQUOTE;
			return;
		}
		s->lx = LX_NORMAL;
		goto again;
	case LX_DOLLAR_OPEN:
		if (c == '$') {
			s->lx = LX_DOLLAR_BODY;
			s->tag_match = 0;
			return;
		}
		if ((ident_start(c) || (s->tag.len && c >= '0' && c <= '9')) &&
		    s->tag.len < LINE_CAP) {
			strbuf_addch(&s->tag, c);
			return;
		}
		/* "$1", a lone '$' or an absurd tag: no dollar quote after all */
		s->lx = LX_NORMAL;
		s->run = s->tag.len + 1;
		s->run_first = '$';
		goto again;
	case LX_DOLLAR_BODY: {
		size_t full = s->tag.len + 2;
		int want = s->tag_match == 0 || s->tag_match == full - 1
			       ? '$'
			       : (unsigned char)s->tag.buf[s->tag_match - 1];

		if (c == want) {
			if (++s->tag_match == full) {
				s->lx = LX_NORMAL;
				s->run = 0;
			}
		} else {
			/* the tag holds no '$', so a '$' can only restart the match */
			s->tag_match = c == '$';
		}
		return;
	}
	}
}

static int fail(struct sqlstream *s, unsigned long long line, const char *msg)
{
	free(s->err);
	s->err = xasprintf("line %llu: %s", line, msg);
	s->mode = M_FAILED;
	return -1;
}

/*
 * One identifier at *p (before end): "quoted" with "" for '"', or unquoted
 * (folded to lower case, as PostgreSQL does). Moves *p past it.
 */
static char *parse_ident(const char **p, const char *end)
{
	const char *q = *p;
	struct strbuf sb = STRBUF_INIT;

	if (q < end && *q == '"') {
		for (q++;; q++) {
			if (q >= end || *q == '\0')
				goto bad;
			if (*q == '"') {
				if (q + 1 < end && q[1] == '"')
					q++;
				else
					break;
			}
			strbuf_addch(&sb, *q);
		}
		q++;
		if (!sb.len)
			goto bad;
	} else {
		if (q >= end || !ident_start((unsigned char)*q))
			goto bad;
		for (; q < end && identish((unsigned char)*q); q++)
			strbuf_addch(&sb, *q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
	}
	*p = q;
	return strbuf_detach(&sb);
bad:
	strbuf_release(&sb);
	return NULL;
}

/* "schema.name" at *p; moves *p past it. */
static int parse_qualified(const char **p, const char *end, char **schema, char **name)
{
	const char *q = *p;

	*schema = *name = NULL;
	if (!(*schema = parse_ident(&q, end)))
		return -1;
	if (q >= end || *q != '.')
		goto bad;
	q++;
	if (!(*name = parse_ident(&q, end)))
		goto bad;
	*p = q;
	return 0;
bad:
	free(*schema);
	*schema = NULL;
	return -1;
}

int sqlstream_split_qualified(const char *text, size_t len, char **schema, char **name)
{
	const char *p = text, *end = text + len;

	if (parse_qualified(&p, end, schema, name) < 0)
		return -1;
	if (p != end) {
		free(*schema);
		free(*name);
		*schema = *name = NULL;
		return -1;
	}
	return 0;
}

static int eat(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return 0;
	*p += n;
	return 1;
}

static int starts(const char *line, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(line, lit, n) == 0;
}

static int copy_header(struct sqlstream *s, const char *line, size_t len)
{
	const char *p = line + 5, *end = line + len;
	char *schema = NULL, *table = NULL;
	struct strlist cols = STRLIST_INIT;
	int r = -1;

	if (parse_qualified(&p, end, &schema, &table) < 0)
		goto bad;
	if (eat(&p, end, " (")) {
		for (;;) {
			char *col = parse_ident(&p, end);

			if (!col)
				goto bad;
			strlist_push_nodup(&cols, col);
			if (eat(&p, end, ")"))
				break;
			if (!eat(&p, end, ", "))
				goto bad;
		}
	} else if (!eat(&p, end, " ")) {
		goto bad;
	}
	if (!eat(&p, end, " FROM stdin;") || p != end)
		goto bad;
	r = s->cb.copy_begin
		? s->cb.copy_begin(s->ctx, schema, table, (const char *const *)cols.v, cols.n)
		: 0;
	if (r < 0) {
		fail(s, s->lineno, "stopped");
	} else {
		s->mode = r > 0 ? M_COPY : M_COPY_SKIP;
		s->copy_line = s->lineno;
		r = 0;
	}
	goto out;
bad:
	r = fail(s, s->lineno, "cannot read the COPY header");
out:
	free(schema);
	free(table);
	strlist_clear(&cols);
	return r;
}

static int setval_line(struct sqlstream *s, const char *line, size_t len)
{
	const char *p = line + strlen("SELECT pg_catalog.setval("), *end = line + len;
	struct strbuf lit = STRBUF_INIT;
	char *schema = NULL, *seq = NULL, num[32], *e;
	size_t n = 0;
	long long v;
	int called, r;

	if (!eat(&p, end, "'"))
		goto bad;
	for (;; p++) {
		if (p >= end)
			goto bad;
		if (*p == '\'') {
			if (p + 1 < end && p[1] == '\'')
				p++;
			else
				break;
		}
		strbuf_addch(&lit, *p);
	}
	p++;
	if (sqlstream_split_qualified(lit.buf ? lit.buf : "", lit.len, &schema, &seq) < 0 ||
	    !eat(&p, end, ", "))
		goto bad;
	if (p < end && *p == '-')
		num[n++] = *p++;
	while (p < end && *p >= '0' && *p <= '9' && n < sizeof(num) - 1)
		num[n++] = *p++;
	num[n] = '\0';
	if (!n || num[n - 1] == '-')
		goto bad;
	errno = 0;
	v = strtoll(num, &e, 10);
	if (errno || *e)
		goto bad;
	if (eat(&p, end, ", true);"))
		called = 1;
	else if (eat(&p, end, ", false);"))
		called = 0;
	else
		goto bad;
	if (p != end)
		goto bad;
	r = s->cb.setval ? s->cb.setval(s->ctx, schema, seq, v, called) : 0;
	if (r < 0)
		fail(s, s->lineno, "stopped");
	goto out;
bad:
	r = fail(s, s->lineno, "cannot read the setval statement");
out:
	strbuf_release(&lit);
	free(schema);
	free(seq);
	return r < 0 ? -1 : 0;
}

static int report_schema(struct sqlstream *s, const char *name, size_t len, int creates)
{
	char *n = xstrndup(name, len);
	int r = s->cb.schema ? s->cb.schema(s->ctx, n, creates) : 0;

	free(n);
	if (r < 0)
		return fail(s, s->lineno, "stopped");
	return 0;
}

/* The last occurrence of lit in [p, end). */
static const char *rfind(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if (end - p < (ptrdiff_t)n)
		return NULL;
	for (const char *q = end - n;; q--) {
		if (memcmp(q, lit, n) == 0)
			return q;
		if (q == p)
			return NULL;
	}
}

/*
 * "-- Name: N; Type: T; Schema: S; Owner: O[; Tablespace: X]": S is a
 * schema the dump holds, and N too when T is SCHEMA. Names are not quoted
 * there; the owner is found from the right, the schema just before it.
 */
static int header_comment(struct sqlstream *s, const char *line, size_t len)
{
	const char *p = line, *end = line + len, *own, *sch, *typ;

	if (!eat(&p, end, "-- Name: ") && !eat(&p, end, "-- Data for Name: "))
		return 0;
	if (!(own = rfind(p, end, "; Owner: ")) || !(sch = rfind(p, own, "; Schema: ")) ||
	    !(typ = rfind(p, sch, "; Type: ")))
		return 0;
	sch += strlen("; Schema: ");
	if (own - sch > 0 && !(own - sch == 1 && *sch == '-') &&
	    report_schema(s, sch, own - sch, 0) < 0)
		return -1;
	typ += strlen("; Type: ");
	if (sch - strlen("; Schema: ") - typ == 6 && memcmp(typ, "SCHEMA", 6) == 0 && typ > p) {
		size_t n = (size_t)(typ - strlen("; Type: ") - p);

		if (n && report_schema(s, p, n, 0) < 0)
			return -1;
	}
	return 0;
}

static int create_schema(struct sqlstream *s, const char *line, size_t len)
{
	const char *p = line + strlen("CREATE SCHEMA "), *end = line + len;
	char *name;
	int r;

	eat(&p, end, "IF NOT EXISTS ");
	if (p < end && *p != '"' && end - p > 14 && strncasecmp(p, "AUTHORIZATION ", 14) == 0)
		p += 14; /* CREATE SCHEMA AUTHORIZATION role: named after the role */
	if (!(name = parse_ident(&p, end)))
		return 0;
	if (p < end && *p != ';' && *p != ' ') {
		free(name);
		return 0;
	}
	r = report_schema(s, name, strlen(name), 1);
	free(name);
	return r;
}

static int interesting(const char *line, size_t len)
{
	return starts(line, len, "COPY ") || starts(line, len, "SELECT pg_catalog.setval(") ||
	       starts(line, len, "CREATE SCHEMA ") || starts(line, len, "-- Name: ") ||
	       starts(line, len, "-- Data for Name: ");
}

/* A whole line outside COPY data, without its '\n'. */
static int text_line(struct sqlstream *s, const char *line, size_t len)
{
	if (!s->candidate)
		return 0;
	if (starts(line, len, "COPY "))
		return copy_header(s, line, len);
	if (starts(line, len, "SELECT pg_catalog.setval("))
		return setval_line(s, line, len);
	if (starts(line, len, "CREATE SCHEMA "))
		return create_schema(s, line, len);
	if (starts(line, len, "-- "))
		return header_comment(s, line, len);
	return 0;
}

static int feed_text(struct sqlstream *s, const char **bufp, size_t *lenp)
{
	const char *buf = *bufp, *nl;
	size_t len = *lenp, n, room;

	if (s->line_start) {
		s->line_start = 0;
		s->candidate = s->lx == LX_NORMAL && !s->pend && s->at_stmt;
		s->meta = s->candidate && buf[0] == '\\';
	}
	nl = memchr(buf, '\n', len);
	n = nl ? (size_t)(nl - buf) + 1 : len;
	if (!s->meta)
		for (size_t i = 0; i < n; i++)
			lex_byte(s, (unsigned char)buf[i]);
	*bufp += n;
	*lenp -= n;
	if (s->mode == M_SKIP_LINE)
		goto done;
	room = LINE_CAP - s->line.len;
	if (n - (nl ? 1 : 0) > room) {
		strbuf_add(&s->line, buf, room);
		if (s->candidate && interesting(s->line.buf, s->line.len))
			return fail(s, s->lineno, "statement longer than 1 MiB");
		strbuf_release(&s->line);
		s->mode = M_SKIP_LINE;
		goto done;
	}
	if (!nl) {
		strbuf_add(&s->line, buf, n);
		return 0;
	}
	if (s->line.len) {
		strbuf_add(&s->line, buf, n - 1);
		if (text_line(s, s->line.buf, s->line.len) < 0)
			return -1;
		strbuf_reset(&s->line);
	} else if (text_line(s, buf, n - 1) < 0) {
		return -1;
	}
done:
	if (nl) {
		if (s->mode == M_SKIP_LINE)
			s->mode = M_TEXT;
		s->lineno++;
		s->line_start = 1;
	}
	return 0;
}

static int deliver(struct sqlstream *s, const char *buf, size_t len)
{
	if (!len || s->mode != M_COPY || !s->cb.copy_data)
		return 0;
	/* named by the block's first line: the same however the input was cut */
	if (s->cb.copy_data(s->ctx, buf, len) < 0)
		return fail(s, s->copy_line, "stopped in the COPY block");
	return 0;
}

static int end_copy(struct sqlstream *s)
{
	int receive = s->mode == M_COPY;

	s->mode = M_TEXT;
	if (receive && s->cb.copy_end && s->cb.copy_end(s->ctx) < 0)
		return fail(s, s->lineno, "stopped");
	s->lineno++;
	s->line_start = 1;
	return 0;
}

static int is_end_line(const char *p, size_t n)
{
	return n == 3 && p[0] == '\\' && p[1] == '.' && p[2] == '\n';
}

/* COPY data: whole lines straight from buf, a partial last one kept. */
static int feed_copy(struct sqlstream *s, const char **bufp, size_t *lenp)
{
	const char *buf = *bufp, *end = buf + *lenp, *p = buf, *nl;

	if (s->line.len) {
		nl = memchr(buf, '\n', *lenp);
		if (!nl) {
			strbuf_add(&s->line, buf, *lenp);
			*bufp = end;
			*lenp = 0;
			return 0;
		}
		strbuf_add(&s->line, buf, (size_t)(nl - buf) + 1);
		*bufp = nl + 1;
		*lenp = (size_t)(end - *bufp);
		if (is_end_line(s->line.buf, s->line.len)) {
			strbuf_release(&s->line);
			return end_copy(s);
		}
		if (deliver(s, s->line.buf, s->line.len) < 0)
			return -1;
		s->lineno++;
		if (s->line.alloc > 65536)
			strbuf_release(&s->line);
		else
			strbuf_reset(&s->line);
		return 0;
	}
	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		if (is_end_line(p, (size_t)(nl - p) + 1)) {
			if (deliver(s, buf, (size_t)(p - buf)) < 0)
				return -1;
			*bufp = nl + 1;
			*lenp = (size_t)(end - *bufp);
			return end_copy(s);
		}
		s->lineno++;
		p = nl + 1;
	}
	/* lineno counted the delivered lines already; errors name the last one */
	if (deliver(s, buf, (size_t)(p - buf)) < 0)
		return -1;
	strbuf_add(&s->line, p, (size_t)(end - p));
	*bufp = end;
	*lenp = 0;
	return 0;
}

struct sqlstream *sqlstream_new(const struct sqlstream_cb *cb, void *ctx)
{
	struct sqlstream *s = xcalloc(1, sizeof(*s));

	if (cb)
		s->cb = *cb;
	s->ctx = ctx;
	s->mode = M_TEXT;
	s->lineno = 1;
	s->line_start = 1;
	s->at_stmt = 1;
	strbuf_init(&s->line);
	strbuf_init(&s->tag);
	return s;
}

void sqlstream_free(struct sqlstream *s)
{
	if (!s)
		return;
	strbuf_release(&s->line);
	strbuf_release(&s->tag);
	free(s->err);
	free(s);
}

int sqlstream_feed(struct sqlstream *s, const char *buf, size_t len)
{
	while (len) {
		int r;

		switch (s->mode) {
		case M_FAILED:
			return -1;
		case M_COPY:
		case M_COPY_SKIP:
			r = feed_copy(s, &buf, &len);
			break;
		default:
			r = feed_text(s, &buf, &len);
			break;
		}
		if (r < 0)
			return -1;
	}
	return s->mode == M_FAILED ? -1 : 0;
}

int sqlstream_finish(struct sqlstream *s)
{
	char *msg;

	switch (s->mode) {
	case M_FAILED:
		return -1;
	case M_COPY:
	case M_COPY_SKIP:
		msg =
		    xasprintf("input ended inside the COPY block begun on line %llu", s->copy_line);
		fail(s, s->lineno, msg);
		free(msg);
		return -1;
	default:
		if (!s->line_start)
			return fail(s, s->lineno, "input ended inside a line");
		return 0;
	}
}

const char *sqlstream_error(const struct sqlstream *s)
{
	return s->err ? s->err : "no error";
}

/*
 * The entry types pg_dump writes (pg_dump.c, PostgreSQL 10 to 17), longest
 * first where one begins another, so "TABLE DATA" is not read as "TABLE".
 */
static const char *const toc_descs[] = {
	"PUBLICATION TABLES IN SCHEMA",
	"TEXT SEARCH CONFIGURATION",
	"TEXT SEARCH DICTIONARY",
	"TEXT SEARCH TEMPLATE",
	"TEXT SEARCH PARSER",
	"FOREIGN DATA WRAPPER",
	"MATERIALIZED VIEW DATA",
	"MATERIALIZED VIEW",
	"PROCEDURAL LANGUAGE",
	"DATABASE PROPERTIES",
	"SUBSCRIPTION TABLE",
	"PUBLICATION TABLE",
	"SEQUENCE OWNED BY",
	"OPERATOR FAMILY",
	"OPERATOR CLASS",
	"CHECK CONSTRAINT",
	"FK CONSTRAINT",
	"FOREIGN SERVER",
	"FOREIGN TABLE",
	"EVENT TRIGGER",
	"ACCESS METHOD",
	"LARGE OBJECTS",
	"LARGE OBJECT",
	"SECURITY LABEL",
	"SEQUENCE SET",
	"INDEX ATTACH",
	"TABLE ATTACH",
	"TABLE DATA",
	"DEFAULT ACL",
	"ROW SECURITY",
	"USER MAPPING",
	"SHELL TYPE",
	"BLOB DATA",
};

int sqlstream_toc_line(const char *line, char **name)
{
	const char *p = line, *desc_end = NULL, *rest, *sp;
	int digits;

	*name = NULL;
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (!*p || *p == ';')
		return 0;
	/* "ID; TABLEOID OID " */
	for (int field = 0; field < 3; field++) {
		for (digits = 0; *p >= '0' && *p <= '9'; p++)
			digits++;
		if (!digits)
			return -1;
		if (field == 0 && *p++ != ';')
			return -1;
		if (*p++ != ' ')
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(toc_descs); i++) {
		size_t n = strlen(toc_descs[i]);

		if (strncmp(p, toc_descs[i], n) == 0 && p[n] == ' ') {
			desc_end = p + n;
			break;
		}
	}
	if (!desc_end) {
		for (desc_end = p; *desc_end >= 'A' && *desc_end <= 'Z'; desc_end++)
			;
		if (desc_end == p || *desc_end != ' ')
			return -1;
	}
	rest = desc_end + 1;
	if (desc_end - p == 6 && strncmp(p, "SCHEMA", 6) == 0) {
		/* "SCHEMA - name owner": the owner is the last word */
		if (strncmp(rest, "- ", 2) != 0)
			return -1;
		rest += 2;
		sp = strrchr(rest, ' ');
		if (!sp || sp == rest)
			return -1;
		*name = xstrndup(rest, (size_t)(sp - rest));
		return 1;
	}
	sp = strchr(rest, ' ');
	if (!sp || sp == rest)
		return -1;
	if (sp - rest == 1 && *rest == '-')
		return 0;
	*name = xstrndup(rest, (size_t)(sp - rest));
	return 2;
}
