/*
 * backup_lock.c - the lock of a backup directory, the advisory lock key,
 * stale partial files and the warning about backups inside a git work
 * tree.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <openssl/evp.h>

#include "backup_priv.h"
#include "ui.h"

#define LOCK_NAME ".lock"
#define LOCK_MAX  65536

/* Lock files this process holds, so that it never takes one twice nor
 * mistakes its own lock for a stale one of an earlier process. */
static struct strlist held = STRLIST_INIT;

void backup_lock_holder_release(struct lock_holder *h)
{
	free(h->host);
	free(h->user);
	free(h->command);
	free(h->started_at);
	memset(h, 0, sizeof(*h));
}

static char *this_host(void)
{
	char buf[HOST_NAME_MAX + 1];

	if (gethostname(buf, sizeof(buf)) < 0)
		return xstrdup("unknown");
	buf[sizeof(buf) - 1] = '\0';
	return xstrdup(buf);
}

static char *this_user(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *u = getenv("USER");

	if (pw && pw->pw_name)
		return xstrdup(pw->pw_name);
	if (u && *u)
		return xstrdup(u);
	return xasprintf("%lu", (unsigned long)geteuid());
}

static void set_text(json_t *o, const char *key, const char *s)
{
	json_t *v = json_string(s);

	json_object_set_new(o, key, v ? v : json_string("?"));
}

char *backup_lock_format(const struct lock_holder *h, const char *target)
{
	json_t *o = json_object();
	char *text, *line;

	json_object_set_new(o, "pid", json_integer((json_int_t)h->pid));
	set_text(o, "host", h->host);
	set_text(o, "user", h->user);
	set_text(o, "command", h->command);
	set_text(o, "target", target);
	set_text(o, "started_at", h->started_at);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	line = xasprintf("%s\n", text ? text : "{}");
	free(text);
	json_decref(o);
	return line;
}

static char *lock_text(const char *target, const char *command)
{
	char now[BACKUP_TIME_LEN];
	struct lock_holder h = { .pid = (long)getpid(),
				 .host = this_host(),
				 .user = this_user(),
				 .command = (char *)command,
				 .started_at = backup_time_format(now, time(NULL)) };
	char *line = backup_lock_format(&h, target);

	free(h.host);
	free(h.user);
	return line;
}

/*
 * Creates the lock file, takes its flock and writes text. 0 and *out (the
 * open file, holding the flock), -EEXIST, or -1 after reporting (the file
 * then removed). When text cannot be written for lack of space (ENOSPC,
 * EDQUOT), the file is left empty, held by its flock: *no_details, with a
 * warning, and 0 all the same, so that prune can still free space.
 */
static int lock_create(int *out, int *no_details, int dirfd, const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd =
	    openat(dirfd, LOCK_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err = 0;

	*out = -1;
	*no_details = 0;
	if (fd < 0) {
		if (errno == EEXIST)
			return -EEXIST;
		ui_error("cannot create lock file '%s': %s", path, strerror(errno));
		return -1;
	}
	/* Held before anything is written: a lock file found empty or cut is
	 * still known to be held. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fchmod(fd, 0600) < 0) {
		err = errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		err = errno;
out:
	if (err == ENOSPC || err == EDQUOT) {
		/* An empty file needs no data block; the flock says it is held. */
		if (ftruncate(fd, 0) == 0)
			fsync(fd);
		ui_warn("cannot write the details of lock file '%s': %s; holding it without them",
			path, strerror(err));
		*no_details = 1;
		err = 0;
	}
	if (err) {
		ui_error("cannot write lock file '%s': %s", path, strerror(err));
		unlinkat(dirfd, LOCK_NAME, 0);
		close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

static char *opt_string(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return xstrdup(s ? s : "?");
}

int backup_lock_parse(struct lock_holder *h, char **why, const char *text, size_t len)
{
	json_t *o = json_loadb(text, len, 0, NULL), *pid = json_object_get(o, "pid");
	int rc = 0;

	memset(h, 0, sizeof(*h));
	*why = NULL;
	if (!o || !json_is_integer(pid) || json_integer_value(pid) <= 0 ||
	    json_integer_value(pid) > INT_MAX || !json_is_string(json_object_get(o, "host"))) {
		*why = xstrdup(len ? "it does not hold a pid and a host" : "it is empty");
		rc = len ? -EBADMSG : -ENODATA;
	} else {
		h->pid = (long)json_integer_value(pid);
		h->host = opt_string(o, "host");
		h->user = opt_string(o, "user");
		h->command = opt_string(o, "command");
		h->started_at = opt_string(o, "started_at");
	}
	json_decref(o);
	return rc;
}

/*
 * Reads the lock file. 0 and *h; -ENOENT when it is gone; -ELOOP when it is
 * a symbolic link; -ENODATA when it is empty; -EBADMSG and *why when its
 * content makes no sense; -1 and *why when it cannot be read.
 */
static int lock_read(struct lock_holder *h, char **why, int dirfd)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	struct stat st;
	int fd, rc = -1;

	memset(h, 0, sizeof(*h));
	*why = NULL;
	fd = openat(dirfd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP)
			return -errno;
		*why = xstrdup(strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*why = xstrdup(strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = xstrdup("it is not a regular file");
		goto out;
	}
	for (;;) {
		long n = backup_priv_read(fd, buf, sizeof(buf));
		if (n < 0) {
			*why = xstrdup(strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > LOCK_MAX) {
			*why = xstrdup("it is too large");
			rc = -EBADMSG;
			goto out;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	rc = backup_lock_parse(h, why, strbuf_str(&sb), sb.len);
out:
	strbuf_release(&sb);
	close(fd);
	return rc;
}

/* A holder on this host whose process is gone (or is us, but not through a
 * lock this process took: the pid of an earlier process, reused). */
static int holder_stale(const struct lock_holder *h, const char *path)
{
	char *host = this_host();
	int same = !strcmp(host, h->host), stale = 0;

	free(host);
	if (!same)
		return 0;
	if (h->pid == (long)getpid())
		stale = !strlist_has(&held, path);
	else
		stale = kill((pid_t)h->pid, 0) < 0 && errno == ESRCH;
	return stale;
}

/* Whether a process holds the flock of the lock file: 1, 0, or -1 (errno)
 * when that cannot be told. */
static int lock_flocked(int dirfd)
{
	int fd = openat(dirfd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), taken;

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		taken = 0;
		flock(fd, LOCK_UN);
	} else {
		taken = errno == EWOULDBLOCK ? 1 : -1;
	}
	close(fd);
	return taken;
}

/* Whether the lock file in dirfd is the file open as fd. */
static int lock_is_file(int dirfd, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstatat(dirfd, LOCK_NAME, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Serialises lock changes of dockreset processes on dir (create, stale
 * removal, release), so that two of them never remove each other's lock. */
static void dir_flock(int dirfd, int op)
{
	while (flock(dirfd, op) < 0 && errno == EINTR)
		;
}

int backup_lock_acquire(struct backup_lock *l, const char *dir, const char *target,
			const char *command)
{
	struct lock_holder h = { 0 };
	char *why = NULL, *text = NULL, *path;
	int dirfd = -1, fd = -1, no_details = 0, rc;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	path = xasprintf("%s/%s", dir, LOCK_NAME);
	if (strlist_has(&held, path)) {
		ui_error("internal: the lock '%s' is already held by this run", path);
		rc = BACKUP_ERR;
		goto out;
	}
	rc = backup_dir_ensure(dir);
	if (rc)
		goto out;
	rc = backup_priv_open_dir(&dirfd, &why, dir);
	if (rc) {
		rc = backup_priv_dir_error(rc, dir, why);
		goto out;
	}
	text = lock_text(target, command);
	dir_flock(dirfd, LOCK_EX);
	for (int attempt = 0;; attempt++) {
		int r = lock_create(&fd, &no_details, dirfd, path, text);

		if (r == 0)
			break;
		if (r != -EEXIST) {
			rc = BACKUP_ERR_IO;
			goto out;
		}
		backup_lock_holder_release(&h);
		free(why);
		r = lock_read(&h, &why, dirfd);
		if (r == -ENOENT && attempt == 0)
			continue;
		if (r == -ELOOP) {
			/* an unsafe path where dockreset writes, not someone's lock */
			ui_error("the lock file '%s' is a symbolic link: refusing to use it", path);
			ui_hint("remove it if nothing of yours put it there");
			rc = BACKUP_ERR_UNSAFE;
			goto out;
		}
		if (r == -ENODATA || r == -EBADMSG) {
			/* a run that could not write its details holds its flock */
			int flocked = lock_flocked(dirfd);

			if (flocked == 1) {
				ui_error("backups of '%s' are locked by another run whose details "
					 "could not be recorded (lock file '%s')",
					 target, path);
				ui_hint("wait for it to finish");
				rc = BACKUP_ERR_LOCKED;
				goto out;
			}
			/* Empty and not held: its run died before writing it. Other
			 * content nobody holds is no dockreset's: fail closed. */
			if (flocked == 0 && r == -ENODATA && attempt == 0) {
				if (unlinkat(dirfd, LOCK_NAME, 0) < 0 && errno != ENOENT) {
					ui_error("cannot remove stale lock '%s': %s", path,
						 strerror(errno));
					rc = BACKUP_ERR_IO;
					goto out;
				}
				ui_warn("removed stale lock '%s': it is empty and no run holds it",
					path);
				continue;
			}
		}
		if (r < 0) {
			ui_error(
			    "backups of '%s' are locked: the lock file '%s' cannot be read (%s)",
			    target, path, why ? why : "it keeps changing");
			ui_hint("if no dockreset is running on '%s', remove '%s'", target, path);
			rc = BACKUP_ERR_LOCKED;
			goto out;
		}
		if (attempt == 0 && holder_stale(&h, path)) {
			if (unlinkat(dirfd, LOCK_NAME, 0) < 0 && errno != ENOENT) {
				ui_error("cannot remove stale lock '%s': %s", path,
					 strerror(errno));
				rc = BACKUP_ERR_IO;
				goto out;
			}
			ui_warn("removed stale lock of pid %ld (dockreset %s, started %s)", h.pid,
				h.command, h.started_at);
			continue;
		}
		ui_error("backups of '%s' are locked by pid %ld on host %s (dockreset %s, "
			 "started %s)",
			 target, h.pid, h.host, h.command, h.started_at);
		if (holder_stale(&h, path) == 0) {
			char *host = this_host();
			if (strcmp(host, h.host) != 0)
				ui_hint("it runs on another host; if it is no longer running "
					"there, remove '%s'",
					path);
			else
				ui_hint("wait for it to finish");
			free(host);
		}
		rc = BACKUP_ERR_LOCKED;
		goto out;
	}
	l->dir = xstrdup(dir);
	l->path = path;
	l->pid = (long)getpid();
	l->fd = fd;
	l->no_details = no_details;
	strlist_push(&held, path);
	path = NULL;
	rc = 0;
out:
	if (dirfd >= 0) {
		dir_flock(dirfd, LOCK_UN);
		close(dirfd);
	}
	backup_lock_holder_release(&h);
	free(why);
	free(text);
	free(path);
	return rc;
}

static void held_remove(const char *path)
{
	for (size_t i = 0; i < held.n; i++) {
		if (!strcmp(held.v[i], path)) {
			free(held.v[i]);
			held.v[i] = held.v[--held.n];
			break;
		}
	}
	if (held.n == 0)
		strlist_clear(&held);
}

void backup_lock_release(struct backup_lock *l)
{
	struct lock_holder h;
	char *why = NULL;
	int dirfd = -1, r;

	if (!l->path)
		goto out;
	held_remove(l->path);
	if (backup_priv_open_dir(&dirfd, &why, l->dir) != 0)
		goto out;
	dir_flock(dirfd, LOCK_EX);
	r = lock_read(&h, &why, dirfd);
	if (r == 0) {
		char *host = this_host();
		/* Only ours: a lock taken over meanwhile is left alone. */
		if (h.pid == l->pid && h.pid == (long)getpid() && !strcmp(host, h.host))
			unlinkat(dirfd, LOCK_NAME, 0);
		free(host);
		backup_lock_holder_release(&h);
	} else if ((r == -ENODATA || r == -EBADMSG) && l->no_details && l->fd >= 0 &&
		   lock_is_file(dirfd, l->fd)) {
		/* the file this process holds, without its details */
		unlinkat(dirfd, LOCK_NAME, 0);
	}
	dir_flock(dirfd, LOCK_UN);
out:
	if (l->path && l->fd >= 0)
		close(l->fd); /* drops the flock */
	if (dirfd >= 0)
		close(dirfd);
	free(why);
	free(l->dir);
	free(l->path);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

int64_t backup_advisory_key(const char *target)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char *text = xasprintf("dockreset:%s", target);
	uint64_t u = 0;
	int64_t key;

	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) != 1)
		memset(md, 0, 8);
	free(text);
	for (int i = 0; i < 8; i++)
		u = (u << 8) | md[i];
	memcpy(&key, &u, sizeof(key));
	return key;
}

int backup_clean_partials(const char *dir)
{
	static const char suffix[] = ".partial";
	const size_t sl = sizeof(suffix) - 1;
	struct strlist names = STRLIST_INIT;
	struct dirent *e;
	int rc, removed = 0;
	DIR *d;

	rc = backup_priv_opendir(&d, dir);
	if (rc || !d)
		return rc;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > sl && !strcmp(e->d_name + n - sl, suffix))
			strlist_push(&names, e->d_name);
	}
	for (size_t i = 0; i < names.n; i++) {
		if (unlinkat(dirfd(d), names.v[i], 0) < 0) {
			ui_error("cannot remove partial file '%s/%s': %s", dir, names.v[i],
				 strerror(errno));
			rc = BACKUP_ERR_IO;
			continue;
		}
		ui_warn("removed partial file '%s/%s' left by an interrupted run", dir, names.v[i]);
		removed++;
	}
	if (!rc && removed && fsync(dirfd(d)) < 0) {
		ui_error("cannot write directory '%s': %s", dir, strerror(errno));
		rc = BACKUP_ERR_IO;
	}
	closedir(d);
	strlist_clear(&names);
	return rc ? rc : removed;
}

int backup_dir_git_exposed(const char *dir)
{
	static const char *const exts[] = { ".dump", ".sql", ".json", ".manifest.json" };
	git_repository *repo = NULL;
	char *real = NULL, *work = NULL;
	const char *wd, *rel;
	size_t wl;
	int rc = 0, err;

	git_libgit2_init();
	real = realpath(dir, NULL);
	if (!real) {
		ui_error("cannot resolve '%s': %s", dir, strerror(errno));
		rc = -1;
		goto out;
	}
	/* Across mount points: a volume mounted inside the work tree is still
	 * committed by "git add" run at the top. */
	err = git_repository_open_ext(&repo, real, GIT_REPOSITORY_OPEN_CROSS_FS, NULL);
	if (err == GIT_ENOTFOUND)
		goto out;
	if (err < 0) {
		const git_error *ge = git_error_last();
		ui_error("cannot open the git repository holding '%s': %s", dir,
			 ge && ge->message ? ge->message : "unknown error");
		if (err == GIT_EOWNER)
			ui_hint("the repository belongs to another user: see git's safe.directory");
		rc = -1;
		goto out;
	}
	wd = git_repository_workdir(repo);
	if (!wd || git_repository_is_bare(repo))
		goto out;
	work = realpath(wd, NULL);
	if (!work)
		goto out;
	wl = strlen(work);
	if (strncmp(real, work, wl) != 0 || (real[wl] != '/' && real[wl] != '\0'))
		goto out; /* inside the git directory itself, never committed */
	rel = real[wl] == '/' ? real + wl + 1 : real + wl;
	if (!strcmp(rel, ".git") || !strncmp(rel, ".git/", 5))
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(exts) && rc == 0; i++) {
		char *p = xasprintf("%s%sx-20260101T000000Z%s", rel, *rel ? "/" : "", exts[i]);
		int ignored = 0;

		if (git_ignore_path_is_ignored(&ignored, repo, p) < 0) {
			const git_error *ge = git_error_last();
			ui_error("cannot read the git ignore rules for '%s': %s", dir,
				 ge && ge->message ? ge->message : "unknown error");
			rc = -1;
		} else if (!ignored) {
			rc = 1;
		}
		free(p);
	}
out:
	git_repository_free(repo);
	free(real);
	free(work);
	git_libgit2_shutdown();
	return rc;
}
