/*
 * target.h - a target's containers: the database, apps and caches of SPEC 2,
 * found by compose labels (or by container name), with their state.
 */
#ifndef DOCKRESET_TARGET_H
#define DOCKRESET_TARGET_H

#include <jansson.h>
#include <stdio.h>

#include "config.h"
#include "docker.h"

struct target_group {
	const char *role;	   /* "database", "app", "cache" */
	const struct cfg_ref *ref; /* borrowed from the config */
	struct docker_container **v;
	size_t n;
};

struct target_containers {
	char *project;
	enum cfg_project_source project_source;
	struct target_group *groups; /* database first, then apps, then caches */
	size_t ngroups;
};

/*
 * The compose project for the directory dir (a config's, or init's current
 * one) as SPEC 2 says: t's "project" (t may be NULL), $COMPOSE_PROJECT_NAME,
 * COMPOSE_PROJECT_NAME in dir/.env, then the project whose containers carry
 * com.docker.compose.project.working_dir = dir (one query), then dir's name
 * normalised. When the label names several projects and one of them is
 * dir's name, that one (compose run in dir would use it); else reports them
 * and returns DOCKER_EAMBIGUOUS. Returns 0 with *out (new) and *src, or a
 * docker_err.
 */
int target_project(struct docker *d, const char *dir, const struct cfg_target *t, char **out,
		   enum cfg_project_source *src);

/*
 * Finds the containers of every service of t. A service with no container
 * is not an error here (its group is empty). Returns 0 or a docker_err.
 */
int target_find_containers(struct docker *d, const struct config *cfg, const struct cfg_target *t,
			   struct target_containers *out);
void target_containers_release(struct target_containers *tc);

/* "service 'db'" or "container 'x'"; new string. */
char *target_ref_name(const struct cfg_ref *ref);

/*
 * The one database container, running and healthy (or without a
 * healthcheck). Otherwise reports why (missing, several, stopped,
 * unhealthy) and returns NULL.
 */
const struct docker_container *target_database(const struct target_containers *tc,
					       const struct cfg_target *t);

/* [{"role","service","container","name","id","status","health"}] */
json_t *target_containers_json(const struct target_containers *tc);
/* A table of the containers on f, one line each. */
void target_containers_print(FILE *f, const struct target_containers *tc);

#endif
