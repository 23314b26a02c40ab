/*
 * util.h - allocation wrappers, a growable string buffer and string lists.
 *
 * The x* allocators never return NULL: running out of memory ends the
 * program with exit 1 after one message.
 */
#ifndef DOCKRESET_UTIL_H
#define DOCKRESET_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Formats into a new string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A NUL-terminated growable buffer. Initialise with STRBUF_INIT or
 * strbuf_init(); release with strbuf_release(), after which it is empty and
 * reusable. strbuf_detach() hands the string to the caller.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
char *strbuf_detach(struct strbuf *sb);
/* Always returns a valid string, "" for an empty buffer. */
const char *strbuf_str(const struct strbuf *sb);

/* A list of owned strings. */
struct strlist {
	char **v;
	size_t n;
};
#define STRLIST_INIT                                                                               \
	{                                                                                          \
		NULL, 0                                                                            \
	}

void strlist_push(struct strlist *l, const char *s);
void strlist_push_nodup(struct strlist *l, char *s);
void strlist_clear(struct strlist *l);
int strlist_has(const struct strlist *l, const char *s);

/*
 * A whole decimal integer text ("-12", "0", "4096": an optional minus,
 * digits, nothing else) between lo and hi into *out; -1 for anything else,
 * *out untouched. For numbers read from a database, a daemon or a file.
 */
int parse_int64(const char *s, long long lo, long long hi, long long *out);

/* Reads a whole file (at most max bytes) into sb; -1 with errno on failure. */
int read_file_max(struct strbuf *sb, const char *path, size_t max);

/* Overwrites a secret before freeing it; NULL is fine. */
void free_secret(char *s);

/* Seconds on the monotonic clock, for durations. */
double monotonic_s(void);

/* "1.2 MB"-style sizes into buf. */
const char *human_size(char *buf, size_t bufsz, unsigned long long bytes);

#endif
