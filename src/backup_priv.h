/*
 * backup_priv.h - helpers shared by the backup_*.c files; not for other
 * modules.
 */
#ifndef DOCKRESET_BACKUP_PRIV_H
#define DOCKRESET_BACKUP_PRIV_H

#include <dirent.h>
#include <stddef.h>

/*
 * Opens dir as a directory without following a symlink at its last
 * component. *fd on success. Quiet: returns 0, -ENOENT when missing,
 * BACKUP_ERR_UNSAFE with *why "is a symbolic link" / "is not a directory",
 * or BACKUP_ERR_IO with *why the system's message (*why: a new string).
 */
int backup_priv_open_dir(int *fd, char **why, const char *dir);

/*
 * Opens path (relative to dirfd, or AT_FDCWD) for reading, refusing a
 * symlink unless follow, and anything but a regular file, without blocking
 * on a FIFO. Quiet: 0 and *fd; BACKUP_ERR_INTEGRITY or BACKUP_ERR_IO with
 * *why (a new string).
 */
int backup_priv_open_regular(int *fd, char **why, int dirfd, const char *path, int follow);

/* Reports a failure of backup_priv_open_dir (other than -ENOENT, which
 * callers handle) and returns its code. */
int backup_priv_dir_error(int rc, const char *dir, const char *why);

/* dir opened for reading its entries (backup_priv_open_dir's checks):
 * 0 with *out NULL when it does not exist; else reported errors. */
int backup_priv_opendir(DIR **out, const char *dir);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void backup_priv_hex(char *out, const unsigned char *md, size_t n);

/* read() retrying on EINTR. */
long backup_priv_read(int fd, void *buf, size_t len);

/* What a lock file says (backup_lock.c). */
struct lock_holder {
	long pid;
	char *host;
	char *user;
	char *command;
	char *started_at;
};

/*
 * Parses the len bytes of a lock file: 0 and *h (strings new, "?" for a
 * missing one); -ENODATA when empty; -EBADMSG when it holds no pid in
 * 1..INT_MAX and host. *why: a new string on failure, else NULL.
 */
int backup_lock_parse(struct lock_holder *h, char **why, const char *text, size_t len);

/* The text of a lock file (one JSON line) for h and target. */
char *backup_lock_format(const struct lock_holder *h, const char *target);

void backup_lock_holder_release(struct lock_holder *h);

#endif
