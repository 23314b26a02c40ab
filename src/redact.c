/*
 * redact.c - secrets out of every outgoing text, and escapes for people.
 */
#include "redact.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "util.h"

/* The registered secrets; wiped at exit. */
static struct strlist secrets = STRLIST_INIT;
static int cleanup_registered;

static void wipe_at_exit(void)
{
	redact_clear();
}

void redact_add_secret(const char *s)
{
	if (!s || !*s || strlist_has(&secrets, s))
		return;
	if (!cleanup_registered) {
		atexit(wipe_at_exit);
		cleanup_registered = 1;
	}
	strlist_push(&secrets, s);
}

void redact_clear(void)
{
	for (size_t i = 0; i < secrets.n; i++) {
		free_secret(secrets.v[i]);
		secrets.v[i] = NULL;
	}
	free(secrets.v);
	secrets.v = NULL;
	secrets.n = 0;
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

static int is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void mark(char *m, size_t from, size_t to)
{
	if (to > from)
		memset(m + from, 1, to - from);
}

/*
 * The value of a "password=VALUE" keyword at s[i] (any case, so also
 * PGPASSWORD=...; blanks around '='; a 'quoted value' with backslash
 * escapes, else up to a blank, '&' of a URL query or '"').
 */
static void mark_keyword(const char *s, size_t n, size_t i, char *m)
{
	static const char kw[] = "password";
	size_t j = i, end;

	for (size_t k = 0; kw[k]; k++, j++)
		if (j >= n || lower((unsigned char)s[j]) != kw[k])
			return;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (j >= n || s[j] != '=')
		return;
	j++;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	end = j;
	if (j < n && s[j] == '\'') {
		for (end = j + 1; end < n && s[end] != '\''; end++)
			if (s[end] == '\\' && end + 1 < n)
				end++;
		if (end < n)
			end++;
	} else {
		while (end < n && !is_space((unsigned char)s[end]) && s[end] != '&' &&
		       s[end] != '"')
			end++;
	}
	mark(m, j, end);
}

/*
 * The password of a URL whose "://" is at s[i]: between the first ':' and
 * the last '@' of what follows, up to a blank, a quote, '?' or '#'. The
 * last '@', not the first, and '/' allowed: a password libpq could not
 * parse ("p@ss", "pa/ss") is still masked whole.
 */
static void mark_url(const char *s, size_t n, size_t i, char *m)
{
	size_t start = i + 3, end = start, at = 0, colon = 0;
	int have_at = 0, have_colon = 0;

	while (end < n && !is_space((unsigned char)s[end]) && !strchr("\"'?#", s[end])) {
		if (s[end] == '@') {
			at = end;
			have_at = 1;
		}
		end++;
	}
	if (!have_at)
		return;
	for (size_t k = start; k < at; k++)
		if (s[k] == ':') {
			colon = k;
			have_colon = 1;
			break;
		}
	if (have_colon)
		mark(m, colon + 1, at);
}

/* Marks in m (n bytes, zeroed) every byte of s that is a conninfo
 * password. */
static void mark_forms(const char *s, size_t n, char *m)
{
	for (size_t i = 0; i < n; i++) {
		if (lower((unsigned char)s[i]) == 'p')
			mark_keyword(s, n, i, m);
		else if (s[i] == ':' && i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/')
			mark_url(s, n, i, m);
	}
}

static void mark_secrets(const char *s, size_t n, char *m)
{
	for (size_t k = 0; k < secrets.n; k++) {
		const char *sec = secrets.v[k];
		size_t len = strlen(sec);
		const char *p = s;

		while ((p = memmem(p, n - (size_t)(p - s), sec, len))) {
			mark(m, (size_t)(p - s), (size_t)(p - s) + len);
			p++;
		}
	}
}

void redact_add_conninfo(const char *conninfo)
{
	PQconninfoOption *opts;
	char *err = NULL;
	size_t n;
	char *m;

	if (!conninfo)
		return;
	opts = PQconninfoParse(conninfo, &err);
	if (err)
		PQfreemem(err);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val) {
			redact_add_secret(o->val);
			explicit_bzero(o->val, strlen(o->val));
		}
	PQconninfoFree(opts);
	/* the raw forms too: percent-encoded, quoted, or not parsed at all */
	n = strlen(conninfo);
	m = xcalloc(n + 1, 1);
	mark_forms(conninfo, n, m);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && m[j])
			j++;
		if (j > i) {
			char *raw = xstrndup(conninfo + i, j - i);
			redact_add_secret(raw);
			free_secret(raw);
			i = j;
		} else {
			i++;
		}
	}
	free(m);
}

char *redact(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;
	char *m;

	if (!s)
		return NULL;
	n = strlen(s);
	m = xcalloc(n + 1, 1);
	mark_secrets(s, n, m);
	mark_forms(s, n, m);
	strbuf_addstr(&sb, "");
	for (size_t i = 0; i < n;) {
		if (m[i]) {
			strbuf_addstr(&sb, REDACT_MASK);
			while (i < n && m[i])
				i++;
		} else {
			strbuf_addch(&sb, s[i++]);
		}
	}
	free(m);
	return strbuf_detach(&sb);
}

/* Code points shown as \uNNNN: C1 controls, line and paragraph
 * separators, and the bidi controls and invisible direction marks (LRM,
 * RLM, ALM) that reorder what follows. */
static int hidden_char(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
	       cp == 0x200f || cp == 0x061c;
}

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code
 * point, or 0 when the byte at s does not start one. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len;
	unsigned min, c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, min = 0x80, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, min = 0x800, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, min = 0x10000, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* The letter of C's escape for a control character, or 0. */
static int escape_letter(unsigned ch)
{
	switch (ch) {
	case '\a':
		return 'a';
	case '\b':
		return 'b';
	case '\t':
		return 't';
	case '\n':
		return 'n';
	case '\v':
		return 'v';
	case '\f':
		return 'f';
	case '\r':
		return 'r';
	case 033:
		return 'e';
	default:
		return 0;
	}
}

char *redact_escape_n(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "");
	for (size_t i = 0; i < n;) {
		unsigned ch = s[i], cp;
		size_t len;

		if (ch >= 0x20 && ch < 0x7f) {
			strbuf_addch(&sb, (int)ch);
			i++;
		} else if (ch < 0x80) {
			if (escape_letter(ch))
				strbuf_addf(&sb, "\\%c", escape_letter(ch));
			else
				strbuf_addf(&sb, "\\x%02x", ch);
			i++;
		} else if ((len = utf8_seq(s + i, n - i, &cp)) == 0) {
			strbuf_addf(&sb, "\\x%02x", ch);
			i++;
		} else if (hidden_char(cp)) {
			strbuf_addf(&sb, "\\u%04x", cp);
			i += len;
		} else {
			strbuf_add(&sb, s + i, len);
			i += len;
		}
	}
	return strbuf_detach(&sb);
}

char *redact_escape(const char *s)
{
	return redact_escape_n(s, strlen(s));
}

char *redact_for_people(const char *s)
{
	char *r = redact(s), *e = redact_escape(r);

	free(r);
	return e;
}
