/*
 * redact.h - the one step every text from outside passes before it reaches
 * a person or a file: secrets out, control characters made visible.
 *
 * Secrets dockreset knows (the database password read from the container,
 * the password of a configured url, later cache and run-step secrets) are
 * registered once; redact() replaces each of their occurrences, and the
 * password of any conninfo it sees ("password=...", the "user:PASSWORD@" of
 * a URL, even one libpq cannot parse), by "***". redact_escape() turns
 * control characters and invalid UTF-8 into visible escapes, as git quotes
 * paths. ui.c applies both to every message; JSON strings are only
 * redacted, jansson escapes them.
 */
#ifndef DOCKRESET_REDACT_H
#define DOCKRESET_REDACT_H

#include <stddef.h>

/* What a secret is replaced with. */
#define REDACT_MASK "***"

/*
 * Registers a secret (copied; "" and NULL are ignored, any other length is
 * redacted). The copies are wiped at exit or by redact_clear().
 */
void redact_add_secret(const char *s);

/*
 * Registers the password of a libpq connection string or URL: the one
 * PQconninfoParse() finds, and the raw text between ':' and '@' of a URL's
 * authority, also when the URL does not parse.
 */
void redact_add_conninfo(const char *conninfo);

/* Forgets every secret, overwriting the copies. */
void redact_clear(void);

/* A copy of s with every known secret and conninfo password replaced by
 * REDACT_MASK; the caller frees it. NULL gives NULL. */
char *redact(const char *s);

/*
 * A copy of the n bytes at s for a terminal: control characters (C0 with
 * \a \b \t \n \v \f \r \e or \xNN, DEL as \x7f), C1 controls and the
 * characters that reorder or break lines (U+0080-U+009F, U+2028, U+2029,
 * the bidi controls; as \uNNNN) and every byte of invalid UTF-8 (\xNN:
 * stray continuation bytes, overlong forms, surrogates, values past
 * U+10FFFF, cut sequences) become visible escapes. Valid UTF-8 stays.
 */
char *redact_escape_n(const char *s, size_t n);
char *redact_escape(const char *s);

/* redact() then redact_escape(): the form of any text shown to a person. */
char *redact_for_people(const char *s);

#endif
