/*
 * target.c - finding and describing a target's containers.
 */
#include "target.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

char *target_ref_name(const struct cfg_ref *ref)
{
	if (ref->service)
		return xasprintf("service '%s'", ref->service);
	return xasprintf("container '%s'", ref->container);
}

static int find_group(struct docker *d, const char *project, struct target_group *g)
{
	int rc;

	if (g->ref->service)
		return docker_service_containers(d, project, g->ref->service, &g->v, &g->n);
	g->v = xcalloc(1, sizeof(*g->v));
	rc = docker_inspect(d, g->ref->container, &g->v[0]);
	if (rc == DOCKER_ENOTFOUND) {
		free(g->v);
		g->v = NULL;
		return 0;
	}
	if (rc < 0) {
		free(g->v);
		g->v = NULL;
		return rc;
	}
	g->n = 1;
	return 0;
}

/* 1 when the label value names dir, itself or through symlinks. */
static int same_dir(const char *label, const char *dir)
{
	char *real;
	int same;

	if (!strcmp(label, dir))
		return 1;
	real = realpath(label, NULL);
	same = real && !strcmp(real, dir);
	free(real);
	return same;
}

int target_project(struct docker *d, const char *dir, const struct cfg_target *t, char **out,
		   enum cfg_project_source *src)
{
	const char *labels[] = { "com.docker.compose.project.working_dir", NULL };
	struct docker_container **v = NULL;
	struct strlist found = STRLIST_INIT;
	char *name;
	size_t n = 0;
	int rc;

	*out = config_project_named(dir, t, src);
	if (*out)
		return 0;
	rc = docker_labeled_containers(d, labels, &v, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *wd = docker_label_get(v[i], "com.docker.compose.project.working_dir");
		if (v[i]->project && wd && same_dir(wd, dir) && !strlist_has(&found, v[i]->project))
			strlist_push(&found, v[i]->project);
	}
	docker_containers_free(v, n);
	name = config_project_dirname(dir);
	if (found.n == 1) {
		*out = xstrdup(found.v[0]);
		*src = PROJECT_FROM_LABEL;
	} else if (found.n == 0 || strlist_has(&found, name)) {
		*out = name;
		name = NULL;
		*src = PROJECT_FROM_DIRNAME;
	} else {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < found.n; i++)
			strbuf_addf(&sb, "%s'%s'", i ? ", " : "", found.v[i]);
		ui_error("several compose projects were started in '%s': %s", dir, sb.buf);
		ui_hint("name one with \"project\" in the target, or COMPOSE_PROJECT_NAME");
		strbuf_release(&sb);
		rc = DOCKER_EAMBIGUOUS;
	}
	free(name);
	strlist_clear(&found);
	return rc;
}

int target_find_containers(struct docker *d, const struct config *cfg, const struct cfg_target *t,
			   struct target_containers *out)
{
	size_t n = 1 + t->napps + t->ncaches, k = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	rc = target_project(d, cfg->dir, t, &out->project, &out->project_source);
	if (rc)
		return rc;
	out->groups = xcalloc(n, sizeof(*out->groups));
	out->groups[k].role = "database";
	out->groups[k++].ref = &t->db;
	for (size_t i = 0; i < t->napps; i++) {
		out->groups[k].role = "app";
		out->groups[k++].ref = &t->apps[i];
	}
	for (size_t i = 0; i < t->ncaches; i++) {
		out->groups[k].role = "cache";
		out->groups[k++].ref = &t->caches[i].ref;
	}
	out->ngroups = n;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = find_group(d, out->project, &out->groups[i]);
	return rc;
}

void target_containers_release(struct target_containers *tc)
{
	for (size_t i = 0; i < tc->ngroups; i++)
		docker_containers_free(tc->groups[i].v, tc->groups[i].n);
	free(tc->groups);
	free(tc->project);
	memset(tc, 0, sizeof(*tc));
}

const struct docker_container *target_database(const struct target_containers *tc,
					       const struct cfg_target *t)
{
	const struct target_group *g = &tc->groups[0];
	const struct docker_container *c;
	char *what = target_ref_name(g->ref);

	c = g->n == 1 ? g->v[0] : NULL;
	if (g->n == 0) {
		if (g->ref->service)
			ui_error("no container of the database %s in compose project '%s'", what,
				 tc->project);
		else
			ui_error("the database %s does not exist", what);
		ui_hint("is the stack up? 'docker compose -p %s ps' shows its containers",
			tc->project);
		if (!t->project)
			ui_hint("the project came from %s; set \"project\" in the target to "
				"name another",
				config_project_source_name(tc->project_source));
	} else if (g->n > 1) {
		ui_error("the database %s has %zu containers in project '%s'; exactly one must "
			 "match",
			 what, g->n, tc->project);
	} else if (!strcmp(c->status, "paused")) {
		ui_error("the database container '%s' is paused", c->name);
		ui_hint("docker unpause %s", c->name);
		c = NULL;
	} else if (strcmp(c->status, "running")) {
		ui_error("the database container '%s' is not running (%s)", c->name, c->status);
		ui_hint("start it with 'docker start %s'", c->name);
		c = NULL;
	} else if (c->health && strcmp(c->health, "healthy")) {
		ui_error("the database container '%s' is not healthy (%s)", c->name, c->health);
		ui_hint("'docker inspect %s' shows its last health checks", c->name);
		c = NULL;
	}
	free(what);
	return c;
}

json_t *target_containers_json(const struct target_containers *tc)
{
	json_t *a = json_array();

	for (size_t i = 0; i < tc->ngroups; i++) {
		const struct target_group *g = &tc->groups[i];
		for (size_t j = 0; j < g->n; j++) {
			const struct docker_container *c = g->v[j];
			json_array_append_new(
			    a, json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:s, s:b, s:s?}", "role",
					 g->role, "service", g->ref->service, "container",
					 g->ref->container, "name", c->name, "id", c->id, "status",
					 c->status, "running", c->running, "health", c->health));
		}
		if (g->n == 0)
			json_array_append_new(a, json_pack("{s:s, s:s?, s:s?, s:n, s:s}", "role",
							   g->role, "service", g->ref->service,
							   "container", g->ref->container, "name",
							   "status", "missing"));
	}
	return a;
}

void target_containers_print(FILE *f, const struct target_containers *tc)
{
	fprintf(f, "  %-9s %-16s %-32s %-10s %s\n", "ROLE", "SERVICE", "CONTAINER", "STATE",
		"HEALTH");
	for (size_t i = 0; i < tc->ngroups; i++) {
		const struct target_group *g = &tc->groups[i];
		const char *svc = g->ref->service ? g->ref->service : "-";
		for (size_t j = 0; j < g->n; j++)
			fprintf(f, "  %-9s %-16s %-32s %-10s %s\n", g->role, svc,
				ui_field(g->v[j]->name), ui_field(g->v[j]->status),
				g->v[j]->health ? ui_field(g->v[j]->health) : "-");
		if (g->n == 0)
			fprintf(f, "  %-9s %-16s %-32s %-10s %s\n", g->role, svc,
				g->ref->container ? g->ref->container : "-", "missing", "-");
	}
}
