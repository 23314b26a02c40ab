/*
 * config.h - dockreset.json: discovery, defaults and validation (SPEC 2).
 *
 * config_parse() is a function of the text and of the files it names: it
 * validates every key and reports the first problem with the key's path
 * ("targets.x.reset.keep[2]") or, for syntax errors, line and column. Nothing
 * here talks to Docker or PostgreSQL.
 */
#ifndef DOCKRESET_CONFIG_H
#define DOCKRESET_CONFIG_H

#include <stddef.h>

#include "util.h"

/* A compose service or a container by name or id; exactly one is set. */
struct cfg_ref {
	char *service;
	char *container;
};

struct cfg_cache {
	struct cfg_ref ref;
	int db;		    /* default 0 */
	int flush_all;	    /* "flush": "all" */
	char *password_env; /* NULL when none */
};

/* A table name: schema NULL means "looked up in reset.schemas". */
struct cfg_table {
	char *schema;
	char *name;
};

enum cfg_seed_kind { SEED_SQL, SEED_COPY, SEED_RUN };

struct cfg_seed_step {
	enum cfg_seed_kind kind;
	char *file;		/* sql, copy: absolute path */
	struct cfg_table table; /* copy */
	struct strlist columns; /* copy; may be empty */
	int csv;		/* copy: "format": "csv" */
	struct cfg_ref run;	/* run */
	struct strlist argv;	/* run */
	struct strlist env;	/* run: "K=V" */
};

struct cfg_seed_profile {
	char *name;
	struct cfg_seed_step *steps;
	size_t nsteps;
};

struct cfg_stat {
	char *name;
	char *query;
};

struct cfg_merge {
	struct cfg_table table;
	int append;
	struct strlist key; /* empty: the primary key */
};

enum cfg_strategy { STRATEGY_TRUNCATE, STRATEGY_RECREATE };
enum cfg_format { FORMAT_CUSTOM, FORMAT_PLAIN, FORMAT_JSON };

struct cfg_target {
	char *name;
	char *project; /* NULL: found as SPEC 2 says (target_project()) */
	int production;

	struct cfg_ref db;
	char *db_name;	    /* NULL: POSTGRES_DB of the container */
	char *db_user;	    /* NULL: POSTGRES_USER, else postgres */
	char *password_env; /* default "POSTGRES_PASSWORD" */
	char *url;	    /* NULL: published port, else container address */

	struct cfg_ref *apps;
	size_t napps;
	struct cfg_cache *caches;
	size_t ncaches;

	struct strlist schemas; /* default ["public"] */
	int tables_all;		/* "tables": "*" */
	struct cfg_table *tables;
	size_t ntables;
	struct cfg_table *keep;
	size_t nkeep;
	int restart_identity; /* default 1 */
	enum cfg_strategy strategy;
	struct strlist migrate_sql; /* absolute paths */
	struct cfg_ref migrate_ref; /* migrate command's service, if any */
	struct strlist migrate_argv;

	struct cfg_seed_profile *seeds;
	size_t nseeds;
	struct strlist default_seeds;

	struct cfg_stat *stats;
	size_t nstats;

	enum cfg_format backup_format; /* default custom */
	int backup_keep;	       /* default 20 */
	char *backup_dir;	       /* absolute; default <backup_dir>/<name> */

	struct cfg_merge *merge;
	size_t nmerge;
};

struct config {
	char *path; /* absolute path of the file */
	char *dir;  /* its directory */
	char *backup_dir;
	struct strlist branches;
	struct strlist env_names;
	struct strlist env_values;
	struct cfg_target *targets;
	size_t ntargets;
};

/*
 * Finds the config file: explicit (from -c), else $DOCKRESET_CONFIG, else
 * dockreset.json in the current directory or the nearest parent. On success
 * *out is a new string the caller frees. Returns 0, or -1 after reporting.
 */
int config_find(char **out, const char *explicit_path);

/*
 * Validates text (the content of the file at path) and fills *out, which the
 * caller releases with config_free(). path is used for the file's directory
 * (relative paths inside resolve against it) and need not exist; the sql and
 * copy files of seeds and reset.migrate must be readable regular files. On
 * error returns -1 and leaves one message, without the "dockreset: error: "
 * prefix, in err: "'<path>': <key path>: <problem>", or for syntax errors
 * "'<path>': line L, column C: invalid JSON: <problem>".
 */
int config_parse(struct config **out, const char *text, size_t len, const char *path,
		 struct strbuf *err);

/* config_find + read + config_parse, reporting errors through ui. */
int config_load(struct config **out, const char *explicit_path);

void config_free(struct config *cfg);

/* NULL when no target has this name. Borrowed. */
struct cfg_target *config_target(struct config *cfg, const char *name);

/* 1 when name matches [a-z0-9][a-z0-9_.-]{0,62}. */
int config_valid_target_name(const char *name);

/* Where a target's compose project name came from (SPEC 2 "project"). */
enum cfg_project_source {
	PROJECT_FROM_CONFIG,  /* the target's "project" (or init's --project) */
	PROJECT_FROM_ENV,     /* $COMPOSE_PROJECT_NAME */
	PROJECT_FROM_DOTENV,  /* COMPOSE_PROJECT_NAME in <dir>/.env */
	PROJECT_FROM_LABEL,   /* containers labelled with working_dir <dir> */
	PROJECT_FROM_DIRNAME, /* the directory's name, normalised */
};

/* "config", "COMPOSE_PROJECT_NAME", ".env", "working_dir label",
 * "directory name": what targets and status say. */
const char *config_project_source_name(enum cfg_project_source src);

/*
 * The compose project named without asking Docker: t's "project" (t may be
 * NULL), else $COMPOSE_PROJECT_NAME, else COMPOSE_PROJECT_NAME in the .env
 * file of dir. NULL when none of them names one (the caller then looks
 * for the working_dir label, then uses the directory's name); *src says
 * which. A .env file that cannot be read is no error (compose ignores a
 * missing one). New string.
 */
char *config_project_named(const char *dir, const struct cfg_target *t,
			   enum cfg_project_source *src);

/* The directory's name normalised as compose does; new string. */
char *config_project_dirname(const char *dir);

/*
 * The compose project of t without asking Docker: config_project_named(),
 * else the config directory's name normalised. New string.
 */
char *config_target_project(const struct config *cfg, const struct cfg_target *t);

/* Normalises a directory name as compose does; new string, "" possible. */
char *config_normalize_project(const char *name);

#endif
