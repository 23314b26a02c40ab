/*
 * ui.c - the message module: errors, hints, steps and the --json envelope.
 */
#include "ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"

static struct ui_opts opts;
static char *first_error;
static char *last_error;
static json_t *doc;
static int step_no;

void ui_init(const struct ui_opts *o)
{
	opts = *o;
}

const struct ui_opts *ui_opts(void)
{
	return &opts;
}

/*
 * Every message passes here once: formatted, redacted, escaped (one line:
 * a newline in it would let a daemon or database forge lines), then
 * written after its prefix. Returns the redacted, unescaped text when
 * keep is set (for the --json error), else NULL.
 */
static char *emit(int show, const char *color, const char *prefix, const char *fmt, va_list ap,
		  int keep)
{
	struct strbuf sb = STRBUF_INIT;
	char *red, *safe;

	if (!show && !keep)
		return NULL;
	strbuf_vaddf(&sb, fmt, ap);
	red = redact(strbuf_str(&sb));
	strbuf_release(&sb);
	if (show) {
		safe = redact_escape(red);
		if (*color)
			fprintf(stderr, "%s%s%s %s\n", ui_color(color), prefix, ui_reset(), safe);
		else
			fprintf(stderr, "%s%s\n", prefix, safe);
		free(safe);
	}
	if (keep)
		return red;
	free(red);
	return NULL;
}

void ui_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(last_error);
	last_error = emit(1, "red", "dockreset: error:", fmt, ap, 1);
	va_end(ap);
	if (!first_error)
		first_error = xstrdup(last_error);
}

void ui_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, "", "hint: ", fmt, ap, 0);
	va_end(ap);
}

void ui_detail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, "", "    ", fmt, ap, 0);
	va_end(ap);
}

void ui_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, "yellow", "dockreset: warning:", fmt, ap, 0);
	va_end(ap);
}

void ui_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(!opts.quiet, "", "", fmt, ap, 0);
	va_end(ap);
}

void ui_verbose(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(opts.verbose, "", "dockreset: ", fmt, ap, 0);
	va_end(ap);
}

void ui_step(const char *fmt, ...)
{
	char prefix[24];
	va_list ap;

	step_no++;
	snprintf(prefix, sizeof(prefix), "[%d]", step_no);
	va_start(ap, fmt);
	emit(!opts.quiet, "bold", prefix, fmt, ap, 0);
	va_end(ap);
}

const char *ui_field(const char *s)
{
	static char *slots[16];
	static unsigned next;
	char *safe;

	if (!s)
		return "";
	safe = redact_for_people(s);
	if (!strcmp(safe, s)) {
		free(safe);
		return s;
	}
	next = (next + 1) % ARRAY_SIZE(slots);
	free(slots[next]);
	slots[next] = safe;
	return safe;
}

const char *ui_first_error(void)
{
	return first_error;
}

const char *ui_last_error(void)
{
	return last_error;
}

json_t *ui_json(void)
{
	if (!doc)
		doc = json_object();
	return doc;
}

int ui_json_finish(const char *command, const char *target, int exit_code)
{
	json_t *out = json_object();
	const char *key;
	json_t *val;
	int rc = 0;

	json_object_set_new(out, "ok", json_boolean(exit_code == 0));
	json_object_set_new(out, "exit_code", json_integer(exit_code));
	json_object_set_new(out, "command", command ? json_string(command) : json_null());
	json_object_set_new(out, "target", target ? json_string(target) : json_null());
	if (exit_code != 0) {
		/* redacted already; escaped too only when it is not UTF-8 */
		json_t *e = json_string(first_error ? first_error : "failed");
		if (!e) {
			char *esc = redact_escape(first_error);
			e = json_string(esc);
			free(esc);
		}
		json_object_set_new(out, "error", e);
	}
	json_object_foreach(ui_json(), key, val) json_object_set(out, key, val);
	if (json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		rc = -1;
	fputc('\n', stdout);
	json_decref(out);
	json_decref(doc);
	doc = NULL;
	return rc;
}

const char *ui_color(const char *name)
{
	if (!opts.color)
		return "";
	if (!strcmp(name, "red"))
		return "\033[31m";
	if (!strcmp(name, "green"))
		return "\033[32m";
	if (!strcmp(name, "yellow"))
		return "\033[33m";
	if (!strcmp(name, "bold"))
		return "\033[1m";
	return "";
}

const char *ui_reset(void)
{
	return opts.color ? "\033[0m" : "";
}
