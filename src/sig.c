/*
 * sig.c - interrupt flags.
 */
#include "sig.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static volatile sig_atomic_t received;

static void on_signal(int sig)
{
	if (!received)
		received = sig;
}

void sig_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A reader of our output going away must not kill a run halfway
	 * (a partial file, a held lock, stopped apps): writes fail instead,
	 * and a failed stdout is reported at the end (exit 8). */
	signal(SIGPIPE, SIG_IGN);
}

int sig_pending(void)
{
	return received;
}

int sig_exit_code(void)
{
	if (received == SIGINT)
		return 130;
	if (received == SIGTERM)
		return 143;
	return 0;
}

void sig_forget(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	received = 0;
}

const volatile sig_atomic_t *sig_flag(void)
{
	return &received;
}

int sig_idle_timeout_s(void)
{
	long long n;

	if (parse_int64(getenv("DOCKRESET_IDLE_TIMEOUT"), 1, 86400, &n) < 0)
		return SIG_IDLE_TIMEOUT_DEFAULT;
	return (int)n;
}
