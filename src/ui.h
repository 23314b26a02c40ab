/*
 * ui.h - every message dockreset prints goes through here.
 *
 * Errors:   "dockreset: error: WHAT" then "hint: ..." lines, on stderr.
 * Warnings: "dockreset: warning: WHAT".
 * Progress and steps go to stderr; stdout carries only results (tables, or
 * the one JSON document of --json). Nothing reaches a person unredacted or
 * with raw control characters.
 */
#ifndef DOCKRESET_UI_H
#define DOCKRESET_UI_H

#include <jansson.h>

/* Exit codes, SPEC section 7. Only cmd_* and main choose one. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_REFUSED = 3,
	EXIT_DOCKER = 4,
	EXIT_CONTAINER = 5,
	EXIT_COMMAND = 6,
	EXIT_INTEGRITY = 7,
	EXIT_IO = 8,
	EXIT_LOCKED = 9,
	EXIT_PARTIAL = 10,
	EXIT_SIGINT = 130,
	EXIT_SIGTERM = 143,
};

struct ui_opts {
	int quiet;
	int verbose;
	int color;
	int json;
};

void ui_init(const struct ui_opts *o);
const struct ui_opts *ui_opts(void);

void ui_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational lines on stderr; silent with -q. */
void ui_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void ui_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "[n] text" numbered steps on stderr; silent with -q. */
void ui_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An indented line of detail under an error (a tool's further stderr
 * lines, one call per line); shown also with -q. */
void ui_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Every ui_* message is redacted (redact.h) and its control characters and
 * invalid UTF-8 escaped before it is written; the --json error is the
 * redacted text, unescaped. ui_field() gives the same form of one field for
 * the tables commands print on stdout (labels, ids, names): s itself when
 * nothing changes, else a copy that stays valid for the next 15 calls.
 * NULL gives "".
 */
const char *ui_field(const char *s);

/* The first error reported, for the --json envelope; NULL when none. */
const char *ui_first_error(void);
/* The latest error reported; NULL when none. */
const char *ui_last_error(void);

/*
 * The --json document under construction: commands add their data to this
 * object (borrowed reference); main adds ok, exit_code, command, target and
 * error, prints it and frees it.
 */
json_t *ui_json(void);
/* Prints the envelope on stdout; returns 0, or -1 when stdout failed. */
int ui_json_finish(const char *command, const char *target, int exit_code);

/* Wraps s in the colour escape when colour is on ("green", "red", ...). */
const char *ui_color(const char *name);
const char *ui_reset(void);

#endif
