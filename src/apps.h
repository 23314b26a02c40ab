/*
 * apps.h - stopping a target's apps before a reset and starting exactly
 * those again afterwards (SPEC 4 steps 5 and 11).
 */
#ifndef DOCKRESET_APPS_H
#define DOCKRESET_APPS_H

#include <signal.h>

#include "docker.h"
#include "target.h"
#include "util.h"

/* The app containers a run stopped, in the order it stopped them. */
struct apps_stopped {
	struct strlist ids;
	struct strlist names;
};
#define APPS_STOPPED_INIT                                                                          \
	{                                                                                          \
		STRLIST_INIT, STRLIST_INIT                                                         \
	}

/*
 * Stops every running container of each app group of tc, in config order,
 * adding each one stopped to out. Returns 0 or a docker_err after
 * reporting; out then holds those already stopped (start them again).
 */
int apps_stop(struct docker *d, const struct target_containers *tc, struct apps_stopped *out);

/*
 * Starts every container of s and waits, up to timeout_s each, until it
 * runs and, where it has a healthcheck, is healthy; cancel as for
 * docker_wait_healthy. Each container that did not start or come up is
 * added to failed (its name). Returns 0, or the first docker_err
 * (DOCKER_EABORTED unreported when cancel was set during a wait).
 */
int apps_start(struct docker *d, const struct apps_stopped *s, int timeout_s,
	       const volatile sig_atomic_t *cancel, struct strlist *failed);

void apps_stopped_release(struct apps_stopped *s);

#endif
