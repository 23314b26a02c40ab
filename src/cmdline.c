/*
 * cmdline.c - the command-line parser (see cmdline.h), moved out of
 * main.c so that a fuzz target can reach it.
 */
#include "cmdline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

void usage_error(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ui_error("%s", sb.buf);
	ui_hint("try 'dockreset --help'");
	strbuf_release(&sb);
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

/* Applies one option; -1 after reporting a usage error. */
static int set_option(struct options *o, const struct option_def *d, const char *arg, int *help,
		      int *version)
{
	const char *n = d->lng;

	if (!strcmp(n, "config"))
		o->config = arg;
	else if (!strcmp(n, "host"))
		o->host = arg;
	else if (!strcmp(n, "json"))
		o->json = 1;
	else if (!strcmp(n, "quiet"))
		o->quiet = 1;
	else if (!strcmp(n, "verbose"))
		o->verbose = 1;
	else if (!strcmp(n, "no-color"))
		o->no_color = 1;
	else if (!strcmp(n, "version"))
		*version = 1;
	else if (!strcmp(n, "help"))
		*help = 1;
	else if (!strcmp(n, "yes"))
		o->yes = 1;
	else if (!strcmp(n, "production"))
		o->production = 1;
	else if (!strcmp(n, "dry-run"))
		o->dry_run = 1;
	else if (!strcmp(n, "format"))
		o->format = arg;
	else if (!strcmp(n, "label"))
		o->label = arg;
	else if (!strcmp(n, "keep")) {
		if (parse_int(arg, &o->keep) < 0) {
			usage_error("--keep: '%s' is not a count", arg);
			return -1;
		}
	} else if (!strcmp(n, "older-than"))
		o->older_than = arg;
	else if (!strcmp(n, "no-backup"))
		o->no_backup = 1;
	else if (!strcmp(n, "seed"))
		strlist_push(&o->seeds, arg);
	else if (!strcmp(n, "no-seed"))
		o->no_seed = 1;
	else if (!strcmp(n, "no-restart"))
		o->no_restart = 1;
	else if (!strcmp(n, "timeout")) {
		if (parse_int(arg, &o->timeout) < 0 || o->timeout == 0) {
			usage_error("--timeout: '%s' is not a number of seconds", arg);
			return -1;
		}
	} else if (!strcmp(n, "strategy"))
		o->strategy = arg;
	else if (!strcmp(n, "file"))
		o->file = arg;
	else if (!strcmp(n, "scope"))
		o->scope = arg;
	else if (!strcmp(n, "mode"))
		o->mode = arg;
	else if (!strcmp(n, "no-safety-backup"))
		o->no_safety_backup = 1;
	else if (!strcmp(n, "force"))
		o->force = 1;
	else if (!strcmp(n, "delete"))
		o->delete_snapshot = 1;
	else if (!strcmp(n, "backup"))
		o->with_backup = 1;
	else if (!strcmp(n, "project"))
		o->project = arg;
	else if (!strcmp(n, "service"))
		o->service = arg;
	return 0;
}

static const struct option_def *find_long(const struct cmdline *cl, const char *name, size_t len)
{
	for (size_t i = 0; i < cl->ndefs; i++)
		if (strlen(cl->defs[i].lng) == len && !strncmp(cl->defs[i].lng, name, len))
			return &cl->defs[i];
	return NULL;
}

static const struct option_def *find_short(const struct cmdline *cl, char c)
{
	for (size_t i = 0; i < cl->ndefs; i++)
		if (cl->defs[i].shrt == c)
			return &cl->defs[i];
	return NULL;
}

/*
 * Options may stand before or after the command, so options are collected
 * in one pass and checked against the command once it is known.
 */
int cmdline_parse(const struct cmdline *cl, int argc, char **argv, struct options *o,
		  const char **cmd_name, int *help, int *version)
{
	const struct option_def *seen[64];
	const char *seen_as[64];
	int nseen = 0, dashdash = 0;
	int copts;

	o->args = xcalloc((size_t)argc, sizeof(*o->args));
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct option_def *d = NULL;
		const char *arg = NULL;

		if (dashdash || a[0] != '-' || !a[1]) {
			if (!*cmd_name)
				*cmd_name = a;
			else
				o->args[o->nargs++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			d = find_long(cl, a + 2, len);
			if (!d) {
				usage_error("unknown option '%.*s'", (int)len + 2, a);
				return -1;
			}
			if (eq && !d->has_arg) {
				usage_error("option '--%s' takes no value", d->lng);
				return -1;
			}
			arg = eq ? eq + 1 : NULL;
		} else {
			if (a[2]) {
				usage_error("unknown option '%s'", a);
				return -1;
			}
			d = find_short(cl, a[1]);
			if (!d) {
				usage_error("unknown option '%s'", a);
				return -1;
			}
		}
		if (d->has_arg && !arg) {
			if (i + 1 >= argc) {
				usage_error("option '%s' needs a value", a);
				return -1;
			}
			arg = argv[++i];
		}
		if (nseen < (int)ARRAY_SIZE(seen)) {
			seen[nseen] = d;
			seen_as[nseen++] = a;
		}
		if (set_option(o, d, arg, help, version) < 0)
			return -1;
	}
	copts = *cmd_name ? cl->command_options(*cmd_name) : -1;
	for (int i = 0; i < nseen; i++) {
		if (seen[i]->bit == cl->global_bit)
			continue;
		if (copts < 0 || !(copts & seen[i]->bit)) {
			if (*help)
				continue;
			if (copts >= 0)
				usage_error("'%s' does not take option '--%s'", *cmd_name,
					    seen[i]->lng);
			else
				usage_error("option '%s' needs a command", seen_as[i]);
			return -1;
		}
	}
	return 0;
}
