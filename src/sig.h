/*
 * sig.h - SIGINT and SIGTERM become a flag that long operations poll, so
 * that they stop at a safe point, clean up, and exit 130 or 143; and the
 * one inactivity timeout that bounds every wait on the database or an exec.
 */
#ifndef DOCKRESET_SIG_H
#define DOCKRESET_SIG_H

#include <signal.h>

/* Installs the handlers (without SA_RESTART) and ignores SIGPIPE. */
void sig_init(void);
/* The first signal received (SIGINT or SIGTERM), or 0. */
int sig_pending(void);
/* The flag itself, for docker_exec_opts.cancel. */
const volatile sig_atomic_t *sig_flag(void);
/* 130 for SIGINT, 143 for SIGTERM, 0 when none came. */
int sig_exit_code(void);
/* In a child that outlives the run: no signal received, default handlers. */
void sig_forget(void);

#define SIG_IDLE_TIMEOUT_DEFAULT 300

/*
 * The inactivity timeout, in seconds: how long a wait may see no byte and no
 * progress (no answer to one SQL statement, nothing on an exec's stream)
 * before it ends in an error. $DOCKRESET_IDLE_TIMEOUT when it is a whole
 * number of seconds from 1 to 86400, else SIG_IDLE_TIMEOUT_DEFAULT. Never a
 * bound on the total time: a large dump takes what it takes.
 */
int sig_idle_timeout_s(void);

#endif
