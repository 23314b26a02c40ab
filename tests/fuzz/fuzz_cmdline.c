/*
 * fuzz_cmdline - the command-line parser (cmdline_parse, src/cmdline.h)
 * with main.c's own tables: main.c is included here, its main renamed.
 *
 * Input: the arguments after the program name, separated by NUL bytes.
 * Properties: the command and positional arguments are argv's strings, in
 * order; a refusal reports an error; what parses, written back as a
 * canonical command line (options, "--", command, arguments) parses to the
 * same options (parse → write → parse).
 */
#define main dockreset_main
#include "../../src/main.c"
#undef main

#include "fuzz_util.h"

#define MAX_ARGS 40

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void push(char **v, int *n, const char *s)
{
	FUZZ_CHECK(*n < MAX_ARGS * 3 + 8);
	v[(*n)++] = (char *)s;
}

static void push_s(char **v, int *n, const char *opt, const char *val)
{
	if (val) {
		push(v, n, opt);
		push(v, n, val);
	}
}

static void push_b(char **v, int *n, const char *opt, int on)
{
	if (on)
		push(v, n, opt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *argv[MAX_ARGS + 1], *v2[MAX_ARGS * 3 + 8];
	char keep[16], timeout[16];
	int argc = 0, n2 = 0, help = 0, version = 0, help2 = 0, version2 = 0;
	struct options o = { .keep = -1, .timeout = -1 }, p = { .keep = -1, .timeout = -1 };
	struct cmdline cl = { option_defs, ARRAY_SIZE(option_defs), O_GLOBAL, command_options };
	const char *cmd = NULL, *cmd2 = NULL;
	size_t off = 0;

	fuzz_mute_messages();
	argv[argc++] = "dockreset";
	while (off <= size && argc < MAX_ARGS) {
		argv[argc++] = text + off;
		off += strlen(text + off) + 1;
	}
	argv[argc] = NULL;

	if (cmdline_parse(&cl, argc, argv, &o, &cmd, &help, &version) < 0) {
		FUZZ_CHECK(ui_last_error() != NULL);
		goto out;
	}
	/* the command and arguments are argv's own strings, in order */
	{
		int j = 1;

		if (cmd) {
			while (j < argc && argv[j] != cmd)
				j++;
			FUZZ_CHECK(j < argc);
		}
		for (int i = 0; i < o.nargs; i++) {
			while (j < argc && argv[j] != o.args[i])
				j++;
			FUZZ_CHECK(j < argc);
		}
	}
	/* written back and parsed again */
	push(v2, &n2, "dockreset");
	push_s(v2, &n2, "--config", o.config);
	push_s(v2, &n2, "--host", o.host);
	push_b(v2, &n2, "--json", o.json);
	push_b(v2, &n2, "--quiet", o.quiet);
	push_b(v2, &n2, "--verbose", o.verbose);
	push_b(v2, &n2, "--no-color", o.no_color);
	push_b(v2, &n2, "--version", version);
	push_b(v2, &n2, "--help", help);
	push_b(v2, &n2, "--yes", o.yes);
	push_b(v2, &n2, "--production", o.production);
	push_b(v2, &n2, "--dry-run", o.dry_run);
	push_s(v2, &n2, "--format", o.format);
	push_s(v2, &n2, "--label", o.label);
	snprintf(keep, sizeof(keep), "%d", o.keep);
	push_s(v2, &n2, "--keep", o.keep >= 0 ? keep : NULL);
	push_s(v2, &n2, "--older-than", o.older_than);
	push_b(v2, &n2, "--no-backup", o.no_backup);
	for (size_t i = 0; i < o.seeds.n; i++)
		push_s(v2, &n2, "--seed", o.seeds.v[i]);
	push_b(v2, &n2, "--no-seed", o.no_seed);
	push_b(v2, &n2, "--no-restart", o.no_restart);
	snprintf(timeout, sizeof(timeout), "%d", o.timeout);
	push_s(v2, &n2, "--timeout", o.timeout >= 0 ? timeout : NULL);
	push_s(v2, &n2, "--strategy", o.strategy);
	push_s(v2, &n2, "--file", o.file);
	push_s(v2, &n2, "--scope", o.scope);
	push_s(v2, &n2, "--mode", o.mode);
	push_b(v2, &n2, "--no-safety-backup", o.no_safety_backup);
	push(v2, &n2, "--");
	if (cmd)
		push(v2, &n2, cmd);
	for (int i = 0; i < o.nargs; i++)
		push(v2, &n2, o.args[i]);
	v2[n2] = NULL;
	/* an option given twice keeps its last value: both lines agree */
	FUZZ_CHECK(cmdline_parse(&cl, n2, v2, &p, &cmd2, &help2, &version2) == 0);
	FUZZ_CHECK(same(cmd, cmd2) && help == help2 && version == version2);
	FUZZ_CHECK(same(o.config, p.config) && same(o.host, p.host));
	FUZZ_CHECK(o.json == p.json && o.quiet == p.quiet && o.verbose == p.verbose &&
		   o.no_color == p.no_color);
	FUZZ_CHECK(o.yes == p.yes && o.production == p.production && o.dry_run == p.dry_run);
	FUZZ_CHECK(same(o.format, p.format) && same(o.label, p.label) && o.keep == p.keep);
	FUZZ_CHECK(same(o.older_than, p.older_than) && o.no_backup == p.no_backup);
	FUZZ_CHECK(o.no_seed == p.no_seed && o.no_restart == p.no_restart &&
		   o.timeout == p.timeout);
	FUZZ_CHECK(same(o.strategy, p.strategy) && same(o.file, p.file) && same(o.scope, p.scope) &&
		   same(o.mode, p.mode));
	FUZZ_CHECK(o.no_safety_backup == p.no_safety_backup && o.seeds.n == p.seeds.n);
	for (size_t i = 0; i < o.seeds.n; i++)
		FUZZ_CHECK(!strcmp(o.seeds.v[i], p.seeds.v[i]));
	FUZZ_CHECK(o.nargs == p.nargs);
	for (int i = 0; i < o.nargs; i++)
		FUZZ_CHECK(!strcmp(o.args[i], p.args[i]));
out:
	free(o.args);
	free(p.args);
	strlist_clear(&o.seeds);
	strlist_clear(&p.seeds);
	free(text);
	return 0;
}
