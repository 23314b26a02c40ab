/*
 * apps.c - the app containers around a reset.
 */
#include "apps.h"

#include <string.h>

#include "ui.h"

/* Seconds an app has to stop on SIGTERM before Docker kills it. */
#define APP_STOP_TIMEOUT 10

int apps_stop(struct docker *d, const struct target_containers *tc, struct apps_stopped *out)
{
	for (size_t i = 0; i < tc->ngroups; i++) {
		const struct target_group *g = &tc->groups[i];

		if (strcmp(g->role, "app"))
			continue;
		for (size_t j = 0; j < g->n; j++) {
			const struct docker_container *c = g->v[j];
			int err;

			if (!c->running)
				continue;
			ui_info("    stopping '%s'", c->name);
			err = docker_stop(d, c->id, APP_STOP_TIMEOUT);
			if (err < 0)
				return err;
			strlist_push(&out->ids, c->id);
			strlist_push(&out->names, c->name);
		}
	}
	return 0;
}

int apps_start(struct docker *d, const struct apps_stopped *s, int timeout_s,
	       const volatile sig_atomic_t *cancel, struct strlist *failed)
{
	int first = 0;

	/* all started first, then waited for: they come up side by side */
	for (size_t i = 0; i < s->ids.n; i++) {
		int err;

		ui_info("    starting '%s'", s->names.v[i]);
		err = docker_start(d, s->ids.v[i]);
		if (err < 0) {
			strlist_push(failed, s->names.v[i]);
			if (!first)
				first = err;
		}
	}
	for (size_t i = 0; i < s->ids.n; i++) {
		int err;

		if (strlist_has(failed, s->names.v[i]))
			continue;
		err = docker_wait_healthy(d, s->ids.v[i], timeout_s, cancel);
		if (err < 0) {
			strlist_push(failed, s->names.v[i]);
			if (!first)
				first = err;
		}
	}
	return first;
}

void apps_stopped_release(struct apps_stopped *s)
{
	strlist_clear(&s->ids);
	strlist_clear(&s->names);
}
