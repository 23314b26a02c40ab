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
	struct target_group *groups; /* database first, then apps, then caches */
	size_t ngroups;
};

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
