/*
 * backup_verify.c - the local part of full verification: one streaming pass
 * over a backup file for its size, SHA-256 and content (the plain dump's
 * trailer, the json format), and the json backup format's writer and
 * checker.
 */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "backup_priv.h"
#include "ui.h"

#define READ_BUF (256u * 1024)
/* pg_dump writes a few lines after its completion comment: its trailer
 * must lie in the last PLAIN_TAIL bytes. */
#define PLAIN_TAIL (64u * 1024)

static const char plain_head2[] = "-- PostgreSQL database dump";
static const char plain_done[] = "-- PostgreSQL database dump complete";
static const char restrict_cmd[] = "\\restrict ";
static const char unrestrict_cmd[] = "\\unrestrict ";

/* ---- format detection ---- */

int backup_detect_format(enum backup_format *out, const char *path)
{
	static const char json_begin[] = "{\"format_version\":";
	char buf[32], *why = NULL;
	size_t len = 0;
	int fd, rc;

	rc = backup_priv_open_regular(&fd, &why, AT_FDCWD, path, 1);
	if (rc) {
		ui_error("cannot read backup '%s': %s", path, why);
		free(why);
		return rc;
	}
	while (len < sizeof(buf)) {
		long n = backup_priv_read(fd, buf + len, sizeof(buf) - len);
		if (n < 0) {
			ui_error("cannot read backup '%s': %s", path, strerror(errno));
			close(fd);
			return BACKUP_ERR_IO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len >= 5 && !memcmp(buf, "PGDMP", 5))
		*out = BACKUP_FORMAT_CUSTOM;
	else if (len >= sizeof(json_begin) - 1 && !memcmp(buf, json_begin, sizeof(json_begin) - 1))
		*out = BACKUP_FORMAT_JSON;
	else
		*out = BACKUP_FORMAT_PLAIN;
	return 0;
}

/* ---- plain dumps: the trailer ---- */

/* pg_dump's keys are 64 characters; a longer one is kept up to this. */
#define PLAIN_KEY_MAX	1024u
#define PLAIN_LINE_KEEP (sizeof(restrict_cmd) - 1 + PLAIN_KEY_MAX)

void backup_plain_check_init(struct backup_plain_check *c)
{
	memset(c, 0, sizeof(*c));
	c->in_header = 1;
	c->line = xmalloc(PLAIN_LINE_KEEP);
	c->tail = xmalloc(2 * PLAIN_TAIL);
}

void backup_plain_check_release(struct backup_plain_check *c)
{
	free(c->line);
	free(c->key);
	free(c->tail);
	memset(c, 0, sizeof(*c));
}

static int is_key(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* The key of a line "<cmd>KEY" (n bytes, all of them in l), else NULL. */
static const char *line_key(const char *l, size_t n, const char *cmd, size_t *klen)
{
	size_t cl = strlen(cmd);

	if (n <= cl || memcmp(l, cmd, cl) != 0 || !is_key(l + cl, n - cl))
		return NULL;
	*klen = n - cl;
	return l + cl;
}

/* One whole line of the header: l holds its first min(n, PLAIN_LINE_KEEP)
 * bytes of n. */
static void plain_header_line(struct backup_plain_check *c, const char *l, size_t n)
{
	size_t klen;
	const char *k;

	c->lineno++;
	c->line_len = 0;
	if (c->lineno == 1 && !(n == 2 && !memcmp(l, "--", 2)))
		c->not_dump = 1;
	if (c->lineno == 2 && !(n == sizeof(plain_head2) - 1 && !memcmp(l, plain_head2, n)))
		c->not_dump = 1;
	if (n == 0 || (n >= 2 && l[0] == '-' && l[1] == '-'))
		return;
	/* The first other line: pg_dump writes "\restrict KEY" there. */
	c->in_header = 0;
	k = n <= PLAIN_LINE_KEEP ? line_key(l, n, restrict_cmd, &klen) : NULL;
	if (k)
		c->key = xstrndup(k, klen);
}

/* Reads the header (its blank and comment lines and the line after them)
 * line by line, whatever the size of the pieces it comes in. */
static void plain_header_feed(struct backup_plain_check *c, const char *p, size_t len)
{
	const char *end = p + len;

	while (c->in_header && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (nl && c->line_len == 0) {
			plain_header_line(c, p, n); /* whole in this piece */
		} else {
			if (c->line_len < PLAIN_LINE_KEEP) {
				size_t room = PLAIN_LINE_KEEP - c->line_len;
				memcpy(c->line + c->line_len, p, n < room ? n : room);
			}
			c->line_len += n;
			if (!nl)
				break;
			plain_header_line(c, c->line, c->line_len);
		}
		p = nl + 1;
	}
}

void backup_plain_check_feed(struct backup_plain_check *c, const void *data, size_t len)
{
	const char *p = data;

	plain_header_feed(c, p, len);
	c->total += len;
	if (len >= PLAIN_TAIL) {
		memcpy(c->tail, p + len - PLAIN_TAIL, PLAIN_TAIL);
		c->tail_len = PLAIN_TAIL;
		return;
	}
	if (c->tail_len + len > 2 * PLAIN_TAIL) {
		/* Keep the last PLAIN_TAIL bytes; the buffer then has room for len. */
		memmove(c->tail, c->tail + c->tail_len - PLAIN_TAIL, PLAIN_TAIL);
		c->tail_len = PLAIN_TAIL;
	}
	memcpy(c->tail + c->tail_len, p, len);
	c->tail_len += len;
}

/* A short printable copy of a line for messages. */
static char *line_excerpt(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < n && i < 60; i++)
		strbuf_addch(&sb, (unsigned char)s[i] >= 0x20 && s[i] != 0x7f ? s[i] : '?');
	if (n > 60)
		strbuf_addstr(&sb, "...");
	return strbuf_detach(&sb);
}

int backup_plain_check_finish(char **why, struct backup_plain_check *c)
{
	const size_t done_len = sizeof(plain_done) - 1;
	/* Exactly the last PLAIN_TAIL bytes, however much the buffer holds, so
	 * that the verdict does not depend on the sizes data came in. */
	size_t tl = c->tail_len < PLAIN_TAIL ? c->tail_len : PLAIN_TAIL, i = 0, klen = 0;
	const char *t = c->tail + c->tail_len - tl, *key = c->key, *end = NULL;
	int unrestricts = 0;

	*why = NULL;
	if (c->total == 0) {
		*why = xstrdup("the file is empty");
		return -1;
	}
	/* Its two first lines, each with its newline, are pg_dump's. */
	if (c->not_dump || c->lineno < 2) {
		*why = xstrdup("it does not begin like a plain dump of pg_dump");
		return -1;
	}
	if (key)
		klen = strlen(key);
	/* The tail's first line is cut unless the tail is the whole file. */
	if (c->total > tl) {
		const char *nl = memchr(t, '\n', tl);
		i = nl ? (size_t)(nl - t) + 1 : tl;
	}
	for (size_t ls = i; ls < tl;) {
		const char *nl = memchr(t + ls, '\n', tl - ls);
		size_t n = nl ? (size_t)(nl - (t + ls)) : tl - ls;

		/* pg_dump writes "--\n-- PostgreSQL database dump complete\n--\n\n":
		 * the "--" before it tells it from a data row reading the same. */
		if (n == done_len && !memcmp(t + ls, plain_done, done_len) && ls >= 3 &&
		    !memcmp(t + ls - 3, "--\n", 3) &&
		    (ls == 3 ? c->total == tl : t[ls - 4] == '\n'))
			end = t + ls + n;
		ls += n + 1;
	}
	if (!end) {
		*why = xstrdup("it does not end with the completion comment of pg_dump "
			       "(truncated, or something appended)");
		return -1;
	}
	for (const char *p = end < t + tl ? end + 1 : end; p < t + tl;) {
		const char *nl = memchr(p, '\n', (size_t)(t + tl - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(t + tl - p), kn;
		const char *k = line_key(p, n, unrestrict_cmd, &kn);

		if (n == 0 || (n >= 2 && p[0] == '-' && p[1] == '-')) {
			/* a blank or comment line */
		} else if (k && !unrestricts) {
			if (key && (kn != klen || memcmp(k, key, kn) != 0)) {
				*why = xstrdup("its closing \\unrestrict line does not match its "
					       "\\restrict line");
				return -1;
			}
			unrestricts++;
		} else {
			char *ex = line_excerpt(p, n);
			*why =
			    xasprintf("text follows the completion comment of pg_dump: '%s'", ex);
			free(ex);
			return -1;
		}
		p += n + 1;
	}
	if (key && !unrestricts) {
		*why = xstrdup("its closing \\unrestrict line is missing (truncated?)");
		return -1;
	}
	return 0;
}

/* ---- the json format: strings ---- */

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int backup_json_add_string(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = sb->len, i = 0, run = 0;

	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned char c = p[i];
		const char *esc = NULL;
		char ubuf[8];
		size_t n;

		if (c >= 0x20 && c != '"' && c != '\\') {
			n = utf8_len(p + i, len - i);
			if (n == 0) {
				sb->len = start;
				sb->buf[start] = '\0';
				return -1;
			}
			i += n;
			run += n;
			continue;
		}
		strbuf_add(sb, p + i - run, run);
		run = 0;
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
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
			snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
			esc = ubuf;
		}
		strbuf_addstr(sb, esc);
		i++;
	}
	strbuf_add(sb, p + i - run, run);
	strbuf_addch(sb, '"');
	return 0;
}

/* ---- the json format: writer ---- */

enum { W_NONE, W_HEADER, W_TABLE, W_DONE };

static void writer_table_free(struct backup_json_writer *w)
{
	for (size_t i = 0; w->columns && i < w->ncolumns; i++)
		free(w->columns[i]);
	free(w->columns);
	free(w->table);
	w->columns = NULL;
	w->table = NULL;
	w->ncolumns = 0;
}

void backup_json_writer_release(struct backup_json_writer *w)
{
	writer_table_free(w);
	memset(w, 0, sizeof(*w));
}

static int out_of_order(const char *what)
{
	ui_error("internal: json backup writer: %s called out of order", what);
	return BACKUP_ERR;
}

static int not_utf8(struct strbuf *sb, size_t start, const char *what, const char *table)
{
	sb->len = start;
	if (sb->buf)
		sb->buf[start] = '\0';
	if (table)
		ui_error("%s of table '%s' is not valid UTF-8", what, table);
	else
		ui_error("%s is not valid UTF-8", what);
	ui_hint("a database in the SQL_ASCII encoding can hold such text: take a custom or "
		"plain backup of it");
	return BACKUP_ERR;
}

static int add_str(struct strbuf *sb, const char *s)
{
	return backup_json_add_string(sb, s, strlen(s));
}

int backup_json_header(struct backup_json_writer *w, struct strbuf *sb, const char *target,
		       const char *db_name, const char *server_version)
{
	size_t start = sb->len;

	if (w->state != W_NONE)
		return out_of_order("header");
	strbuf_addstr(sb, "{\"format_version\":1,\"target\":");
	if (add_str(sb, target))
		return not_utf8(sb, start, "the target name", NULL);
	strbuf_addstr(sb, ",\"database\":{\"name\":");
	if (add_str(sb, db_name))
		return not_utf8(sb, start, "the database name", NULL);
	strbuf_addstr(sb, ",\"server_version\":");
	if (add_str(sb, server_version))
		return not_utf8(sb, start, "the server version", NULL);
	strbuf_addstr(sb, "},\"tables\":[\n");
	w->state = W_HEADER;
	return 0;
}

int backup_json_table_start(struct backup_json_writer *w, struct strbuf *sb, const char *name,
			    const char *const *columns, size_t ncolumns)
{
	size_t start = sb->len, line;

	if (w->state != W_HEADER)
		return out_of_order("table start");
	if (w->ntables > 0)
		strbuf_addstr(sb, ",\n");
	line = sb->len;
	strbuf_addstr(sb, "{\"name\":");
	if (add_str(sb, name))
		return not_utf8(sb, start, "a table name", NULL);
	strbuf_addstr(sb, ",\"columns\":[");
	for (size_t i = 0; i < ncolumns; i++) {
		if (i)
			strbuf_addch(sb, ',');
		if (add_str(sb, columns[i]))
			return not_utf8(sb, start, "a column name", name);
	}
	strbuf_addstr(sb, "],\"rows\":[");
	if (sb->len - line > BACKUP_JSON_LINE_MAX) {
		sb->len = start;
		sb->buf[start] = '\0';
		ui_error("the column list of table '%s' is too long for a json backup", name);
		return BACKUP_ERR;
	}
	strbuf_addch(sb, '\n');
	w->table = xstrdup(name);
	w->columns = xcalloc(ncolumns, sizeof(*w->columns));
	for (size_t i = 0; i < ncolumns; i++)
		w->columns[i] = xstrdup(columns[i]);
	w->ncolumns = ncolumns;
	w->nrows = 0;
	w->state = W_TABLE;
	return 0;
}

int backup_json_row(struct backup_json_writer *w, struct strbuf *sb, const char *const *values,
		    size_t n)
{
	size_t start = sb->len, line;

	if (w->state != W_TABLE)
		return out_of_order("row");
	if (n != w->ncolumns) {
		ui_error("internal: a row of %zu values for table '%s' of %zu columns", n, w->table,
			 w->ncolumns);
		return BACKUP_ERR;
	}
	if (w->nrows > 0)
		strbuf_addstr(sb, ",\n");
	line = sb->len;
	strbuf_addch(sb, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ',');
		if (!values[i]) {
			strbuf_addstr(sb, "null");
		} else if (add_str(sb, values[i])) {
			char *what = xasprintf("a value of column '%s'", w->columns[i]);
			not_utf8(sb, start, what, w->table);
			free(what);
			return BACKUP_ERR;
		}
	}
	strbuf_addch(sb, ']');
	/* One byte stays for the ',' that may follow. */
	if (sb->len - line > BACKUP_JSON_LINE_MAX - 1) {
		sb->len = start;
		sb->buf[start] = '\0';
		ui_error("a row of table '%s' is larger than 64 MiB, too large for a json backup",
			 w->table);
		ui_hint("take a custom or plain backup instead");
		return BACKUP_ERR;
	}
	w->nrows++;
	return 0;
}

int backup_json_table_end(struct backup_json_writer *w, struct strbuf *sb)
{
	if (w->state != W_TABLE)
		return out_of_order("table end");
	strbuf_addstr(sb, w->nrows ? "\n]}" : "]}");
	writer_table_free(w);
	w->ntables++;
	w->state = W_HEADER;
	return 0;
}

int backup_json_end(struct backup_json_writer *w, struct strbuf *sb)
{
	if (w->state != W_HEADER)
		return out_of_order("end");
	strbuf_addstr(sb, w->ntables ? "\n]}\n" : "]}\n");
	w->state = W_DONE;
	return 0;
}

/* ---- the json format: checker ---- */

enum {
	C_HEADER,      /* line 1 */
	C_FIRST_TABLE, /* a table, or the end */
	C_ROWS_FIRST,  /* a row, or the table's end */
	C_ROWS_MORE,   /* after "[...],": a row */
	C_ROWS_LAST,   /* after "[...]": the table's end */
	C_NEXT_TABLE,  /* after "]},": a table */
	C_TABLES_END,  /* after "]}": the end */
	C_END,	       /* nothing more */
};

void backup_json_check_init(struct backup_json_check *c)
{
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->line);
	c->tables = json_object();
	c->state = C_HEADER;
}

void backup_json_check_release(struct backup_json_check *c)
{
	strbuf_release(&c->line);
	json_decref(c->tables);
	free(c->table);
	free(c->target);
	free(c->db_name);
	free(c->why);
	memset(c, 0, sizeof(*c));
}

__attribute__((format(printf, 2, 3))) static int check_fail(struct backup_json_check *c,
							    const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "line %llu: ", c->lineno);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(c->why);
	c->why = strbuf_detach(&sb);
	c->failed = 1;
	return -1;
}

/* Parses line + "]}" (the rows or tables array it opens, closed empty). */
static json_t *parse_opening(struct backup_json_check *c, json_error_t *err)
{
	json_t *v;

	strbuf_addstr(&c->line, "]}");
	v = json_loadb(c->line.buf, c->line.len, JSON_REJECT_DUPLICATES, err);
	c->line.len -= 2;
	c->line.buf[c->line.len] = '\0';
	return v;
}

static int empty_array(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_array(v) && json_array_size(v) == 0;
}

static int check_header(struct backup_json_check *c)
{
	json_error_t err;
	json_t *h = parse_opening(c, &err), *v, *db;
	const char *target, *name;
	int rc = -1;

	if (!h) {
		check_fail(c, "not the header of a json backup: %s", err.text);
		goto out;
	}
	v = json_object_get(h, "format_version");
	if (!json_is_object(h) || !v) {
		check_fail(c, "not the header of a json backup");
		goto out;
	}
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		check_fail(c, "format_version is not 1");
		goto out;
	}
	target = json_string_value(json_object_get(h, "target"));
	db = json_object_get(h, "database");
	name = json_string_value(json_object_get(db, "name"));
	if (!target || !backup_target_valid(target) || !json_is_object(db) || !name ||
	    !json_is_string(json_object_get(db, "server_version")) || !empty_array(h, "tables") ||
	    json_object_size(h) != 4) {
		check_fail(c, "the header does not hold format_version, target, database "
			      "{name, server_version} and tables");
		goto out;
	}
	c->target = xstrdup(target);
	c->db_name = xstrdup(name);
	c->state = C_FIRST_TABLE;
	rc = 0;
out:
	json_decref(h);
	return rc;
}

static int check_table_start(struct backup_json_check *c)
{
	json_error_t err;
	json_t *t = parse_opening(c, &err), *cols, *v;
	const char *name;
	size_t i;
	int rc = -1;

	if (!t || !json_is_object(t)) {
		check_fail(c, "expected the start of a table: %s", t ? "not an object" : err.text);
		goto out;
	}
	name = json_string_value(json_object_get(t, "name"));
	cols = json_object_get(t, "columns");
	if (!name || !*name || !json_is_array(cols) || !empty_array(t, "rows") ||
	    json_object_size(t) != 3) {
		check_fail(c, "expected the start of a table: {\"name\":...,\"columns\":[...],"
			      "\"rows\":[");
		goto out;
	}
	json_array_foreach(cols, i, v)
	{
		if (!json_is_string(v)) {
			check_fail(c, "column %zu of table '%s' is not a string", i + 1, name);
			goto out;
		}
	}
	if (json_object_get(c->tables, name)) {
		check_fail(c, "table '%s' appears twice", name);
		goto out;
	}
	free(c->table);
	c->table = xstrdup(name);
	c->ncolumns = json_array_size(cols);
	c->rows = 0;
	c->state = C_ROWS_FIRST;
	rc = 0;
out:
	json_decref(t);
	return rc;
}

static int check_row(struct backup_json_check *c)
{
	size_t len = c->line.len, i;
	int comma = len > 0 && c->line.buf[len - 1] == ',';
	json_error_t err;
	json_t *row, *v;
	int rc = -1;

	if (c->state == C_ROWS_LAST)
		return check_fail(c,
				  "the row before has no ',' after it, or table '%s' "
				  "does not end with ']}'",
				  c->table);
	row = json_loadb(c->line.buf, len - (size_t)comma, JSON_REJECT_DUPLICATES, &err);
	if (!row || !json_is_array(row)) {
		check_fail(c, "not a row of table '%s': %s", c->table,
			   row ? "not an array" : err.text);
		goto out;
	}
	if (json_array_size(row) != c->ncolumns) {
		check_fail(c, "a row of %zu values in table '%s' of %zu columns",
			   json_array_size(row), c->table, c->ncolumns);
		goto out;
	}
	json_array_foreach(row, i, v)
	{
		if (!json_is_string(v) && !json_is_null(v)) {
			check_fail(c, "value %zu of a row of table '%s' is not a string or null",
				   i + 1, c->table);
			goto out;
		}
	}
	c->rows++;
	c->state = comma ? C_ROWS_MORE : C_ROWS_LAST;
	rc = 0;
out:
	json_decref(row);
	return rc;
}

/* Whether the line is exactly s: its length too, so that a NUL byte in it
 * never ends the comparison early. */
static int line_is(const struct strbuf *line, const char *s)
{
	size_t n = strlen(s);

	return line->len == n && (n == 0 || !memcmp(line->buf, s, n));
}

static int check_line(struct backup_json_check *c)
{
	int close_more = line_is(&c->line, "]},"), close = line_is(&c->line, "]}");

	c->lineno++;
	switch (c->state) {
	case C_HEADER:
		return check_header(c);
	case C_FIRST_TABLE:
		if (close) {
			c->state = C_END;
			return 0;
		}
		return check_table_start(c);
	case C_NEXT_TABLE:
		return check_table_start(c);
	case C_ROWS_FIRST:
	case C_ROWS_MORE:
	case C_ROWS_LAST:
		if (close || close_more) {
			if (c->state == C_ROWS_MORE)
				return check_fail(
				    c, "the last row of table '%s' is followed by ','", c->table);
			json_object_set_new(c->tables, c->table, json_integer((json_int_t)c->rows));
			c->state = close ? C_TABLES_END : C_NEXT_TABLE;
			return 0;
		}
		return check_row(c);
	case C_TABLES_END:
		if (close) {
			c->state = C_END;
			return 0;
		}
		return check_fail(c, "expected ']}', the end of the document (a ',' missing "
				     "after the table before?)");
	default:
		return check_fail(c, "text after the end of the document");
	}
}

int backup_json_check_feed(struct backup_json_check *c, const void *data, size_t len)
{
	const char *p = data, *end = p + len;

	while (!c->failed && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (c->state == C_END) {
			c->lineno++;
			return check_fail(c, "text after the end of the document");
		}
		if (c->line.len + n > BACKUP_JSON_LINE_MAX) {
			c->lineno++;
			return check_fail(c, "longer than 64 MiB");
		}
		strbuf_add(&c->line, p, n);
		if (!nl)
			break;
		if (check_line(c))
			return -1;
		strbuf_reset(&c->line);
		p = nl + 1;
	}
	return c->failed ? -1 : 0;
}

static const char *expected(int state)
{
	switch (state) {
	case C_HEADER:
		return "the file is empty";
	case C_FIRST_TABLE:
	case C_NEXT_TABLE:
		return "a table is missing";
	case C_ROWS_FIRST:
	case C_ROWS_MORE:
	case C_ROWS_LAST:
		return "inside a table";
	default:
		return "before the last ']}'";
	}
}

int backup_json_check_finish(char **why, struct backup_json_check *c)
{
	*why = NULL;
	if (!c->failed && c->line.len > 0 && check_line(c) == 0)
		strbuf_reset(&c->line);
	if (!c->failed && c->state != C_END) {
		if (c->lineno == 0)
			check_fail(c, "the file is empty");
		else
			check_fail(c, "the document ends here, %s (truncated?)",
				   expected(c->state));
	}
	if (c->failed) {
		*why = xstrdup(c->why);
		return -1;
	}
	return 0;
}

/* ---- scanning and verifying a file ---- */

void backup_scan_release(struct backup_scan *s)
{
	json_decref(s->tables);
	memset(s, 0, sizeof(*s));
}

/* Quiet: 0; a code and *why; or BACKUP_ERR_INTEGRITY and *content (the
 * content failed, the digest and size are complete). */
static int scan(struct backup_scan *out, char **why, char **content, const char *path,
		enum backup_format f, unsigned flags)
{
	struct backup_plain_check plain;
	struct backup_json_check json;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	int fd = -1, rc;

	memset(out, 0, sizeof(*out));
	*why = *content = NULL;
	backup_plain_check_init(&plain);
	backup_json_check_init(&json);
	rc = backup_priv_open_regular(&fd, why, AT_FDCWD, path, !!(flags & BACKUP_READ_FOLLOW));
	if (rc)
		goto out;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		*why = xstrdup("libcrypto failed");
		rc = BACKUP_ERR;
		goto out;
	}
	buf = xmalloc(READ_BUF);
	for (;;) {
		long n = backup_priv_read(fd, buf, READ_BUF);
		if (n < 0) {
			*why = xstrdup(strerror(errno));
			rc = BACKUP_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		out->size += (unsigned long long)n;
		if (f == BACKUP_FORMAT_PLAIN)
			backup_plain_check_feed(&plain, buf, (size_t)n);
		else if (f == BACKUP_FORMAT_JSON)
			backup_json_check_feed(&json, buf, (size_t)n);
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
		*why = xstrdup("libcrypto failed");
		rc = BACKUP_ERR;
		goto out;
	}
	backup_priv_hex(out->sha256, md, 32);
	if (f == BACKUP_FORMAT_PLAIN && backup_plain_check_finish(content, &plain))
		rc = BACKUP_ERR_INTEGRITY;
	if (f == BACKUP_FORMAT_JSON) {
		if (backup_json_check_finish(content, &json)) {
			rc = BACKUP_ERR_INTEGRITY;
		} else {
			out->tables = json.tables;
			json.tables = NULL;
		}
	}
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	if (fd >= 0)
		close(fd);
	backup_plain_check_release(&plain);
	backup_json_check_release(&json);
	return rc;
}

static void report_open(int rc, const char *path, const char *why)
{
	/* why is "is a symbolic link"..., or the system's message (ENOENT) */
	if (rc == BACKUP_ERR_INTEGRITY)
		ui_error("cannot verify backup '%s': %s%s", path,
			 strncmp(why, "is ", 3) ? "" : "it ", why);
	else
		ui_error("cannot read backup '%s': %s", path, why);
}

int backup_scan_file(struct backup_scan *out, const char *path, enum backup_format f,
		     unsigned flags)
{
	char *why, *content;
	int rc = scan(out, &why, &content, path, f, flags);

	if (content)
		ui_error("backup '%s' is damaged: %s", path, content);
	else if (rc)
		report_open(rc, path, why);
	free(why);
	free(content);
	return rc;
}

/* Names the first table whose count differs between the file and m. */
static void report_tables(const char *path, const json_t *found, const json_t *want)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)want, key, v)
	{
		json_t *f = json_object_get(found, key);
		if (!f) {
			ui_error("backup '%s' is damaged: table '%s' of its manifest is missing",
				 path, key);
			return;
		}
		if (json_integer_value(f) != json_integer_value(v)) {
			ui_error("backup '%s' is damaged: table '%s' holds %lld rows, its "
				 "manifest says %lld",
				 path, key, (long long)json_integer_value(f),
				 (long long)json_integer_value(v));
			return;
		}
	}
	json_object_foreach((json_t *)found, key, v)
	{
		if (!json_object_get(want, key)) {
			ui_error("backup '%s' holds table '%s', which its manifest does not list",
				 path, key);
			return;
		}
	}
}

int backup_verify_file(const char *path, const json_t *m, unsigned flags)
{
	struct backup_scan s;
	enum backup_format f;
	const char *sha = json_string_value(json_object_get(m, "sha256"));
	json_int_t size = json_integer_value(json_object_get(m, "size"));
	const json_t *tables = json_object_get(m, "tables");
	char *why, *content;
	int rc;

	if (backup_format_parse(&f, json_string_value(json_object_get(m, "format"))) || !sha) {
		ui_error("internal: backup_verify_file needs a checked manifest");
		return BACKUP_ERR;
	}
	rc = scan(&s, &why, &content, path, f, flags);
	if (rc && !content) {
		report_open(rc, path, why);
		goto out;
	}
	if (s.size != (unsigned long long)size) {
		ui_error("backup '%s' is damaged: it holds %llu bytes, its manifest says %lld",
			 path, s.size, (long long)size);
		rc = BACKUP_ERR_INTEGRITY;
	} else if (strcmp(s.sha256, sha) != 0) {
		ui_error("backup '%s' is damaged: its SHA-256 does not match its manifest", path);
		ui_hint("sha256 %s, manifest %s", s.sha256, sha);
		rc = BACKUP_ERR_INTEGRITY;
	} else if (content) {
		ui_error("backup '%s' is damaged: %s", path, content);
		rc = BACKUP_ERR_INTEGRITY;
	} else if (f == BACKUP_FORMAT_JSON && !json_equal(s.tables, (json_t *)tables)) {
		report_tables(path, s.tables, tables);
		rc = BACKUP_ERR_INTEGRITY;
	}
out:
	free(why);
	free(content);
	backup_scan_release(&s);
	return rc;
}
