/*
 * sig.h - SIGINT and SIGTERM become a flag that long operations poll, so
 * that they stop at a safe point, clean up, and exit 130 or 143.
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

#endif
