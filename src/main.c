/*
 * main.c - the command table, option parsing and the shared set-up done
 * once before dispatch: messages, configuration, target.
 */
#include <curl/curl.h>
#include <errno.h>
#include <git2.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmdline.h"
#include "config.h"
#include "sig.h"
#include "ui.h"
#include "util.h"

/* Command options; each command lists those it accepts. */
enum {
	O_YES = 1 << 0,
	O_PRODUCTION = 1 << 1,
	O_DRY_RUN = 1 << 2,
	O_FORMAT = 1 << 4,
	O_LABEL = 1 << 5,
	O_KEEP = 1 << 6,
	O_OLDER_THAN = 1 << 7,
	O_RESET = 1 << 8,     /* --no-backup --seed --no-seed --strategy */
	O_RESTART = 1 << 9,   /* --no-restart --timeout */
	O_RESTORE = 1 << 10,  /* --file --scope --mode --no-safety-backup */
	O_INIT = 1 << 11,     /* --project --service */
	O_FORCE = 1 << 12,    /* snapshot, init: --force */
	O_SNAPSHOT = 1 << 20, /* snapshot: --delete */
	O_ROLLBACK = 1 << 21, /* rollback: --backup */
	O_GLOBAL = 1 << 30,
};

enum { NEED_CONFIG = 1, NEED_TARGET = 2 };

struct command {
	const char *name;
	int (*fn)(struct cmd_ctx *);
	int flags;
	int options;   /* O_* accepted */
	int max_extra; /* positional arguments allowed after the target */
	const char *usage;
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{ "targets", cmd_targets, NEED_CONFIG, 0, 0, "targets",
	  "list the config's targets with their containers and health",
	  "Lists every target of the configuration with its compose project, the\n"
	  "containers of its database, apps and caches, their state and health.\n"
	  "Exits 0, or 4 when the Docker daemon cannot be reached.\n" },
	{ "status", cmd_status, NEED_CONFIG | NEED_TARGET, 0, 0, "status TARGET",
	  "containers, database, row counts, production markers, newest backup",
	  "Shows the target's containers and their health, whether the database\n"
	  "answers and its server version, the row count of every table with\n"
	  "whether a reset would empty it, the production markers found and the\n"
	  "newest backup.\n"
	  "Exits 5 when the database container is missing, stopped, unhealthy or\n"
	  "unreachable, else 2 when a table named in \"tables\" or \"keep\" does not\n"
	  "exist, else 0.\n" },
	{ "plan", cmd_plan, NEED_CONFIG | NEED_TARGET, 0, 0, "plan TARGET",
	  "what a reset would do, with row counts; changes nothing",
	  "Shows what 'reset' would do: every table with its row count now and\n"
	  "after (0 for the tables it empties, partitioned ones whole, the others\n"
	  "with ONLY), the sequences restarted, the apps stopped and started, the\n"
	  "caches flushed, the seeds run, the stats, the production markers found\n"
	  "and the confirmation a reset would need. Never prompts, takes no lock,\n"
	  "writes no backup, changes nothing.\n"
	  "Exits 2, after the report, when the plan cannot run: a name in \"tables\"\n"
	  "or \"keep\" matches no table, or a kept table has a foreign key into a\n"
	  "reset one (the constraint is named, with the tables to add).\n" },
	{ "backup", cmd_backup, NEED_CONFIG | NEED_TARGET, O_FORMAT | O_LABEL, 0, "backup TARGET",
	  "take a verified backup",
	  "Dumps the whole database with pg_dump inside its container, from one\n"
	  "snapshot whose row counts go into the manifest, streamed to\n"
	  "<backup dir>/<id>.dump|.sql|.json, then fully verified. Runs under the\n"
	  "target's lock: a second run exits 9 naming the first.\n" },
	{ "backups", cmd_backups, NEED_CONFIG | NEED_TARGET, 0, 0, "backups TARGET",
	  "list backups, newest first",
	  "Lists the target's backups, newest first: id, time, size, format,\n"
	  "reason, label and when it was last verified.\n" },
	{ "verify", cmd_verify, NEED_CONFIG | NEED_TARGET, 0, 1, "verify TARGET [BACKUP]",
	  "fully verify one backup, or all of the target's",
	  "Checks size and SHA-256 against the manifest and reads the content\n"
	  "whole (custom: pg_restore in the database container; plain: the\n"
	  "completion trailer; json: every line). Exits 7 naming the failed check.\n" },
	{ "prune", cmd_prune, NEED_CONFIG | NEED_TARGET,
	  O_KEEP | O_OLDER_THAN | O_DRY_RUN | O_YES | O_PRODUCTION, 0, "prune TARGET",
	  "delete old backups under the retention rules",
	  "Deletes a backup only when no rule keeps it: the --keep N newest\n"
	  "(default backup.keep), those newer than --older-than when given, and\n"
	  "always the newest verified one. Files without a manifest are never\n"
	  "deleted. Asks for the target's name unless -y; a production target\n"
	  "needs --production and the typed phrase 'prune production TARGET' (on\n"
	  "a terminal) or -y, --production and DOCKRESET_CONFIRM_PRODUCTION=TARGET.\n" },
	{ "mark", cmd_mark, NEED_CONFIG | NEED_TARGET, O_YES | O_PRODUCTION, 1,
	  "mark TARGET ENVIRONMENT", "store an environment marker inside the database",
	  "Stores ENVIRONMENT as the database's dockreset.environment (ALTER\n"
	  "DATABASE ... SET); one of production.env_values makes the target\n"
	  "production. ENVIRONMENT: any text of 1 to 63 bytes without control\n"
	  "characters; 'none' removes the marker. Changing the marker of a\n"
	  "production target to anything but production needs production's\n"
	  "confirmation (phrase 'mark production TARGET'). On PostgreSQL 15 and\n"
	  "later an owner who is no superuser needs, once, from a superuser:\n"
	  "GRANT SET ON PARAMETER dockreset.environment TO owner.\n" },
	{ "reset", cmd_reset, NEED_CONFIG | NEED_TARGET,
	  O_DRY_RUN | O_YES | O_PRODUCTION | O_RESET | O_RESTART, 0, "reset TARGET",
	  "back up, empty the reset tables, seed, flush caches, restart apps",
	  "Waits for the database, shows the plan (tables with row counts, stats),\n"
	  "asks for the target's name (or -y), takes the target's lock, stops the\n"
	  "apps, takes a verified pre-reset backup from the snapshot of the reset\n"
	  "transaction, empties the reset tables and runs the seeds in that one\n"
	  "transaction, commits, flushes the caches and starts the apps again.\n"
	  "--strategy recreate: the schemas are dropped and recreated (owner,\n"
	  "ACL, default privileges, extensions kept) and reset.migrate's sql files\n"
	  "run instead of TRUNCATE; after the commit, reset.migrate's command and\n"
	  "the seeds' run steps run in one-off containers (docker compose run).\n"
	  "A failure before the commit leaves the database as it was and the apps\n"
	  "running; one after it exits 10 naming the backup that restores.\n" },
	{ "seed", cmd_seed, NEED_CONFIG | NEED_TARGET, O_YES | O_PRODUCTION, 64,
	  "seed TARGET PROFILE...", "run seed profiles without a reset (guarded like reset)",
	  "Runs the seed profiles named, in order, without emptying anything: their\n"
	  "sql and copy steps in one transaction (all or nothing), then their run\n"
	  "steps, each in a one-off container made from its service's container.\n"
	  "Asks for the target's name (or -y); a production target needs\n"
	  "--production and the typed phrase 'seed production TARGET' (on a\n"
	  "terminal) or -y, --production and DOCKRESET_CONFIRM_PRODUCTION=TARGET.\n"
	  "Runs under the target's lock. A run step that fails after the commit\n"
	  "exits 10 naming it. No backup is taken: a seed deletes nothing itself.\n" },
	{ "restore", cmd_restore, NEED_CONFIG | NEED_TARGET,
	  O_YES | O_PRODUCTION | O_RESTART | O_RESTORE, 1, "restore TARGET [BACKUP]",
	  "restore a backup: latest, an id, or a choice",
	  "Restores BACKUP: 'latest' (the newest backup not taken by a restore or\n"
	  "a rollback), an id of the target (see 'dockreset backups TARGET'), or,\n"
	  "on a terminal and when omitted, one chosen from the list; --file PATH\n"
	  "restores a backup made elsewhere (custom, plain or json, told by its\n"
	  "content; no manifest vouches for it). The backup is fully verified\n"
	  "first and must belong to the target and its database. Then: the\n"
	  "confirmation, the lock, the apps stopped, the database's other sessions\n"
	  "ended, a verified pre-restore safety backup, the restore in one\n"
	  "transaction, the row counts compared with the manifest, the caches\n"
	  "flushed and the apps started again.\n"
	  "--scope all (default): the database as it was (custom and plain: the\n"
	  "schemas of the backup dropped and recreated with their owner, ACL,\n"
	  "default privileges and extensions, then the dump through psql; json:\n"
	  "every table's rows). --scope reset: only the rows of the reset tables,\n"
	  "every other table as it is now. --mode merge (json): nothing deleted,\n"
	  "rows matched per restore.merge updated, others inserted.\n"
	  "A failure or an interrupt before the commit leaves the database as it\n"
	  "was and the apps running.\n" },
	{ "snapshot", cmd_snapshot, NEED_CONFIG | NEED_TARGET,
	  O_YES | O_PRODUCTION | O_SNAPSHOT | O_FORCE, 1, "snapshot TARGET NAME",
	  "a copy of the database inside the server, for rollbacks",
	  "Copies the target's database inside its server (CREATE DATABASE ...\n"
	  "TEMPLATE: the apps stopped and the database's sessions ended for the\n"
	  "copy) and records it in <backup dir>/snapshots/NAME.json with its owner,\n"
	  "ACL, settings, production marker, size, git branch and commit. A spare\n"
	  "copy for the next rollback is made in the background. A name already\n"
	  "taken is refused (exit 2) unless --force. --delete removes snapshot NAME\n"
	  "(confirmed like reset, phrase 'delete production TARGET'). The database\n"
	  "user needs CREATEDB (exit 6 otherwise, before anything changes).\n" },
	{ "snapshots", cmd_snapshots, NEED_CONFIG | NEED_TARGET, 0, 0, "snapshots TARGET",
	  "list snapshots: name, time, size, spare ready, branch",
	  "Lists the target's snapshots, newest first: name, time, size of the\n"
	  "database when taken, whether a spare copy is ready for an instant\n"
	  "rollback, and the git branch.\n" },
	{ "rollback", cmd_rollback, NEED_CONFIG | NEED_TARGET,
	  O_YES | O_PRODUCTION | O_RESTART | O_ROLLBACK, 1, "rollback TARGET NAME",
	  "put the database back to a snapshot",
	  "Confirmed like reset (phrase 'rollback production TARGET'; production\n"
	  "also needs --backup). Stops the apps, closes the target's database to\n"
	  "new sessions and ends its sessions, then swaps the snapshot's ready\n"
	  "spare in with two renames in one transaction (owner, ACL, settings and\n"
	  "production marker put back first), opens it and starts the apps. The\n"
	  "replaced database is dropped and the next spare made by a background\n"
	  "process (log: <backup dir>/snapshots/background.log). Without a ready\n"
	  "spare it waits for the background process or copies the snapshot first.\n"
	  "Whatever fails, the target's database is the old one or the snapshot,\n"
	  "open to connections.\n" },
	{ "init", cmd_init, 0, O_INIT | O_FORCE, 0, "init",
	  "write a dockreset.json for the compose project here",
	  "Finds the compose project of the current directory (--project, else\n"
	  "COMPOSE_PROJECT_NAME, else the .env file here, else the project whose\n"
	  "containers were started from here, else the directory's name), its\n"
	  "PostgreSQL container by what it runs (postgres, 5432/tcp, POSTGRES_*),\n"
	  "its Redis or Valkey containers as caches and the services pointing at\n"
	  "the database as apps; lists the tables with their row counts and, on a\n"
	  "terminal, asks which a reset empties (all, none, or numbers like 1,3-5;\n"
	  "without a terminal none). Writes dockreset.json here (never the\n"
	  "password; never over an existing file without --force), then shows what\n"
	  "'plan' shows for it.\n"
	  "Exits 2 when dockreset.json exists or several PostgreSQL services are\n"
	  "found without a terminal (name one with --service), 5 when no\n"
	  "PostgreSQL container is found.\n" },
};

static const struct option_def option_defs[] = {
	{ "config", 'c', 1, O_GLOBAL, "-c, --config FILE     the configuration file" },
	{ "host", 'H', 1, O_GLOBAL, "-H, --host URL        the Docker endpoint (unix:///path)" },
	{ "json", 0, 0, O_GLOBAL, "    --json            one JSON document on stdout" },
	{ "quiet", 'q', 0, O_GLOBAL, "-q, --quiet           only errors on stderr" },
	{ "verbose", 'v', 0, O_GLOBAL, "-v, --verbose         say more about each step" },
	{ "no-color", 0, 0, O_GLOBAL, "    --no-color        no colour (also NO_COLOR)" },
	{ "version", 0, 0, O_GLOBAL, "    --version         print the versions and exit" },
	{ "help", 'h', 0, O_GLOBAL, "-h, --help            this help" },
	{ "yes", 'y', 0, O_YES,
	  "-y, --yes             skip the confirmation of a non-production target" },
	{ "production", 0, 0, O_PRODUCTION,
	  "    --production      confirm that the target is production" },
	{ "dry-run", 0, 0, O_DRY_RUN,
	  "    --dry-run         show what would happen; change nothing" },
	{ "format", 0, 1, O_FORMAT, "    --format FORMAT   custom, plain or json" },
	{ "label", 0, 1, O_LABEL, "    --label TEXT      a label kept in the manifest" },
	{ "keep", 0, 1, O_KEEP, "    --keep N          keep the N newest backups" },
	{ "older-than", 0, 1, O_OLDER_THAN,
	  "    --older-than AGE  only delete backups older than AGE (30d, 12h)" },
	{ "no-backup", 0, 0, O_RESET,
	  "    --no-backup       no pre-reset backup (never on production)" },
	{ "seed", 0, 1, O_RESET, "    --seed PROFILE    run this seed profile (repeatable)" },
	{ "no-seed", 0, 0, O_RESET, "    --no-seed         run no seed profile" },
	{ "no-restart", 0, 0, O_RESTART, "    --no-restart      leave the apps stopped" },
	{ "timeout", 0, 1, O_RESTART, "    --timeout SECONDS health waits (default 60)" },
	{ "strategy", 0, 1, O_RESET,
	  "    --strategy NAME   truncate or recreate (drop and recreate schemas)" },
	{ "file", 0, 1, O_RESTORE, "    --file PATH       restore a backup made elsewhere" },
	{ "scope", 0, 1, O_RESTORE,
	  "    --scope SCOPE     all (default) or reset (the reset tables)" },
	{ "mode", 0, 1, O_RESTORE,
	  "    --mode MODE       replace (default) or merge (json backups)" },
	{ "no-safety-backup", 0, 0, O_RESTORE,
	  "    --no-safety-backup no pre-restore backup (never on production)" },
	{ "force", 0, 0, O_FORCE,
	  "    --force           replace what exists (a snapshot of that name; dockreset.json)" },
	{ "delete", 0, 0, O_SNAPSHOT, "    --delete          delete snapshot NAME" },
	{ "backup", 0, 0, O_ROLLBACK,
	  "    --backup          a pre-rollback backup first (required for production)" },
	{ "project", 0, 1, O_INIT,
	  "    --project NAME    the compose project (default: as compose finds it)" },
	{ "service", 0, 1, O_INIT, "    --service NAME    the database's service, among several" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int command_options(const char *name)
{
	const struct command *c = find_command(name);

	return c ? c->options : -1;
}

static void print_options(FILE *f, int mask)
{
	for (size_t i = 0; i < ARRAY_SIZE(option_defs); i++)
		if (option_defs[i].bit & mask)
			fprintf(f, "  %s\n", option_defs[i].help);
}

static void print_help(FILE *f)
{
	fputs("usage: dockreset [OPTIONS] COMMAND [TARGET] [ARGS] [OPTIONS]\n\n"
	      "Resets, backs up and restores the PostgreSQL database of a Docker\n"
	      "Compose application.\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-15s %s\n", commands[i].usage, commands[i].summary);
	fputs("\noptions:\n", f);
	print_options(f, O_GLOBAL);
	fputs("\n'dockreset help COMMAND' or 'dockreset COMMAND --help' tells more.\n", f);
}

static void print_command_help(FILE *f, const struct command *c)
{
	fprintf(f, "usage: dockreset %s [OPTIONS]\n\n%s", c->usage, c->help);
	if (c->options) {
		fputs("\noptions:\n", f);
		print_options(f, c->options);
	}
	fputs("\nglobal options:\n", f);
	print_options(f, O_GLOBAL);
}

static void print_version(void)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	int maj, min, rev, pq = PQlibVersion();

	git_libgit2_version(&maj, &min, &rev);
	printf("dockreset %s\n", DOCKRESET_VERSION);
	printf("libcurl %s\n", cv->version);
	printf("libpq %d.%d\n", pq / 10000, pq % 10000);
	printf("jansson %s\n", jansson_version_str());
	printf("libgit2 %d.%d.%d\n", maj, min, rev);
	printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
}

static int finish(struct cmd_ctx *ctx, const char *target, int rc)
{
	/* a command that stopped on a signal says so, when it has not */
	if ((rc == EXIT_SIGINT || rc == EXIT_SIGTERM) && !ui_first_error())
		ui_error("interrupted by %s: stopped before finishing",
			 rc == EXIT_SIGINT ? "SIGINT" : "SIGTERM");
	if (ctx->opt->json && ui_json_finish(ctx->name, target, rc) < 0 && rc == 0)
		rc = EXIT_IO;
	if (fflush(stdout) || ferror(stdout)) {
		ui_error("cannot write to standard output: %s", strerror(errno));
		if (rc == 0)
			rc = EXIT_IO;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { .keep = -1, .timeout = -1 };
	struct cmd_ctx ctx = { .opt = &o };
	struct ui_opts uo = { 0 };
	const struct command *c = NULL;
	const char *cmd_name = NULL, *target = NULL;
	int help = 0, version = 0, rc;

	sig_init();
	uo.color = isatty(STDERR_FILENO) && !getenv("NO_COLOR");
	ui_init(&uo);
	struct cmdline cl = { option_defs, ARRAY_SIZE(option_defs), O_GLOBAL, command_options };

	if (cmdline_parse(&cl, argc, argv, &o, &cmd_name, &help, &version) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	uo.quiet = o.quiet;
	uo.verbose = o.verbose;
	uo.json = o.json;
	if (o.no_color)
		uo.color = 0;
	ui_init(&uo);

	if (version) {
		o.json = 0;
		print_version();
		rc = EXIT_OK;
		goto out;
	}
	if (cmd_name && !strcmp(cmd_name, "help")) {
		o.json = 0;
		if (o.nargs == 0) {
			print_help(stdout);
		} else if ((c = find_command(o.args[0]))) {
			print_command_help(stdout, c);
		} else {
			usage_error("unknown command '%s'", o.args[0]);
			rc = EXIT_USAGE;
			goto out;
		}
		rc = EXIT_OK;
		goto out;
	}
	if (!cmd_name) {
		if (help) {
			o.json = 0;
			print_help(stdout);
			rc = EXIT_OK;
		} else {
			usage_error("no command given");
			rc = EXIT_USAGE;
		}
		goto out;
	}
	c = find_command(cmd_name);
	if (!c) {
		usage_error("unknown command '%s'", cmd_name);
		rc = EXIT_USAGE;
		goto out;
	}
	ctx.name = c->name;
	if (help) {
		o.json = 0;
		print_command_help(stdout, c);
		rc = EXIT_OK;
		goto out;
	}
	if (c->flags & NEED_TARGET) {
		if (o.nargs < 1) {
			usage_error("'%s' needs a target", c->name);
			rc = EXIT_USAGE;
			goto out;
		}
		target = o.args[0];
		o.args++;
		o.nargs--;
	}
	if (o.nargs > c->max_extra) {
		usage_error("unexpected argument '%s'", o.args[c->max_extra]);
		rc = EXIT_USAGE;
		goto out;
	}
	if (c->flags & NEED_CONFIG) {
		if (config_load(&ctx.cfg, o.config) < 0) {
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (target) {
		ctx.target = config_target(ctx.cfg, target);
		if (!ctx.target) {
			ui_error("unknown target '%s' in '%s'", target, ctx.cfg->path);
			struct strbuf sb = STRBUF_INIT;
			for (size_t i = 0; i < ctx.cfg->ntargets; i++)
				strbuf_addf(&sb, "%s'%s'", i ? ", " : "", ctx.cfg->targets[i].name);
			ui_hint("its targets are %s", sb.buf);
			strbuf_release(&sb);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	rc = c->fn(&ctx);
out:
	rc = finish(&ctx, target, rc);
	if (ctx.cfg)
		config_free(ctx.cfg);
	if (c && (c->flags & NEED_TARGET) && target)
		o.args--;
	free(o.args);
	strlist_clear(&o.seeds);
	return rc;
}
