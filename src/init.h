/*
 * init.h - the pure parts of `dockreset init` and of finding a compose
 * project: the .env file, what a container runs, the table choice and the
 * configuration written. Nothing here talks to Docker or PostgreSQL.
 */
#ifndef DOCKRESET_INIT_H
#define DOCKRESET_INIT_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

/*
 * The value of key in the text of a .env file as compose reads it: lines
 * KEY=VALUE (an optional "export " before, spaces around '=' ignored),
 * blank lines and '#' comments skipped; a value in single quotes is taken
 * as it is, one in double quotes with \" \\ \n unescaped, an unquoted one
 * ends at " #" and loses its trailing spaces. The last definition wins.
 * NULL when key is not defined. Never reads past len. New string.
 */
char *init_dotenv_value(const char *text, size_t len, const char *key);

/*
 * The numbered multi-choice of init: "all" (or "*"), "none" (or nothing),
 * or numbers and ranges between 1 and n separated by commas or spaces
 * ("1,3-5"). On success sets sel[i] (n entries) to 1 for each chosen item,
 * 0 for the others, and returns the count chosen; on error returns -1 and
 * leaves one message in err ("'7' is not between 1 and 5").
 */
int init_choice_parse(const char *s, size_t n, unsigned char *sel, struct strbuf *err);

/* 1 when word occurs in s delimited by characters other than
 * [A-Za-z0-9_-] (or the ends): "db" in "postgres://u@db:5432/x". */
int init_mentions(const char *s, const char *word);

/*
 * What a container runs, from its inspect document. PostgreSQL: its
 * Entrypoint or Cmd runs postgres (an argument whose last path component
 * starts with "postgres", or a path through a "postgresql" directory) and it
 * exposes 5432/tcp or has a POSTGRES_* variable. A cache: it runs
 * redis-server or valkey-server, or exposes 6379/tcp from a redis or valkey
 * image. Names are never looked at.
 */
int init_is_postgres(const json_t *inspect);
int init_is_cache(const json_t *inspect);

/*
 * 1 when the container's environment (PATH excepted) mentions service (as
 * init_mentions() says), or its com.docker.compose.depends_on label (compose
 * v2: "db:service_healthy:false,redis:...") names it.
 */
int init_depends_on(const json_t *inspect, const char *service);

/* What `init` writes. */
struct init_config {
	const char *target;  /* the target's name */
	const char *project; /* NULL: not written (found again the same way) */
	const char *db_service;
	const char *db_container; /* instead of db_service, for a container
				   * without compose labels */
	struct strlist apps;	  /* services */
	struct strlist caches;	  /* services */
	struct strlist tables;	  /* qualified names */
};

/* The dockreset.json document for c (no password, ever). New reference. */
json_t *init_config_json(const struct init_config *c);

/* A target name made of a project name: cut to 63 bytes; "app" when
 * nothing valid is left. New string. */
char *init_target_name(const char *project);

#endif
