/*
 * backup_helpers.h - temporary directories, files and stderr capture for
 * the backup unit tests (included by test_backup*.c only).
 */
#ifndef BACKUP_HELPERS_H
#define BACKUP_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

__attribute__((unused)) static int rm_one(const char *path, const struct stat *st, int flag,
					  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A new empty directory under $TMPDIR; the caller frees the path. */
__attribute__((unused)) static char *tmpdir_new(void)
{
	const char *base = getenv("TMPDIR");
	char *t = xasprintf("%s/dockreset-test.XXXXXX", base && *base ? base : "/tmp");

	if (!mkdtemp(t)) {
		perror("mkdtemp");
		abort();
	}
	return t;
}

__attribute__((unused)) static void tmpdir_free(char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

__attribute__((unused)) static void file_put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd) < 0) {
		perror(path);
		abort();
	}
}

__attribute__((unused)) static void file_puts(const char *path, const char *s)
{
	file_put(path, s, strlen(s));
}

/* The whole content of path (NUL-terminated; *len its size), or NULL. */
__attribute__((unused)) static char *file_get(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	if (len)
		*len = 0;
	if (read_file_max(&sb, path, 256u << 20) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb);
}

__attribute__((unused)) static int path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

__attribute__((unused)) static unsigned file_mode(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	return st.st_mode & 07777;
}

/* Number of entries in dir but "." and "..". */
__attribute__((unused)) static int dir_count(const char *dir)
{
	char *cmd = xasprintf("ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;

	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	free(cmd);
	return n;
}

/* A fixture, found from the executable (build/tests/NAME) so that the tests
 * run from any directory, else from the current directory. */
__attribute__((unused)) static char *fixture(const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash, *p;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		p = xasprintf("%s/../../tests/unit/fixtures/backup/%s", exe, name);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return xasprintf("tests/unit/fixtures/backup/%s", name);
}

/* stderr capture: everything ui_* prints between begin and end. */
static int capture_saved = -1;
static char capture_path[64];

__attribute__((unused)) static void capture_begin(void)
{
	int fd;

	fflush(stderr);
	snprintf(capture_path, sizeof(capture_path), "/tmp/dockreset-stderr.XXXXXX");
	fd = mkstemp(capture_path);
	if (fd < 0)
		abort();
	capture_saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* The captured text; the caller frees it. */
__attribute__((unused)) static char *capture_end(void)
{
	char *text;

	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	capture_saved = -1;
	text = file_get(capture_path, NULL);
	unlink(capture_path);
	return text ? text : xstrdup("");
}

#endif
