/*
 * ui.c - the message module: errors, hints, steps and the --json envelope.
 */
#include "ui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void vprefixed(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ui_error(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%sdockreset: error:%s %s\n", ui_color("red"), ui_reset(), sb.buf);
	free(last_error);
	last_error = strbuf_detach(&sb);
	if (!first_error)
		first_error = xstrdup(last_error);
}

void ui_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprefixed("hint: ", fmt, ap);
	va_end(ap);
}

void ui_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%sdockreset: warning:%s ", ui_color("yellow"), ui_reset());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ui_info(const char *fmt, ...)
{
	va_list ap;

	if (opts.quiet)
		return;
	va_start(ap, fmt);
	vprefixed("", fmt, ap);
	va_end(ap);
}

void ui_verbose(const char *fmt, ...)
{
	va_list ap;

	if (!opts.verbose)
		return;
	va_start(ap, fmt);
	vprefixed("dockreset: ", fmt, ap);
	va_end(ap);
}

void ui_step(const char *fmt, ...)
{
	va_list ap;

	step_no++;
	if (opts.quiet)
		return;
	fprintf(stderr, "%s[%d]%s ", ui_color("bold"), step_no, ui_reset());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
	if (exit_code != 0)
		json_object_set_new(out, "error",
				    json_string(first_error ? first_error : "failed"));
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
