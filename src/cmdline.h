/*
 * cmdline.h - the command-line parser: options may stand before or after
 * the command. The tables (options, commands) stay in main.c and are
 * passed in, so that tests/fuzz/fuzz_cmdline.c drives the same code.
 */
#ifndef DOCKRESET_CMDLINE_H
#define DOCKRESET_CMDLINE_H

#include <stddef.h>

#include "cmd.h"

struct option_def {
	const char *lng;
	char shrt;
	int has_arg;
	int bit;
	const char *help;
};

struct cmdline {
	const struct option_def *defs;
	size_t ndefs;
	int global_bit; /* the bit of options every command takes */
	/* the option bits command name accepts; -1 when there is no such command */
	int (*command_options)(const char *name);
};

/* Reports a usage error with the hint to try --help. */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parses argv into o (o->args is new, of argc entries; the strings are
 * argv's), the command's name into *cmd_name (NULL when none), --help and
 * --version into *help and *version. -1 after reporting a usage error.
 */
int cmdline_parse(const struct cmdline *cl, int argc, char **argv, struct options *o,
		  const char **cmd_name, int *help, int *version);

#endif
