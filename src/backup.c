/*
 * backup.c - backup ids and names, the backup directory, the safe writer
 * and retention (SPEC section 5). Manifests and listing live in
 * backup_manifest.c, verification and the json format in backup_verify.c,
 * the lock in backup_lock.c.
 */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "backup_priv.h"
#include "ui.h"

#define WRITE_BUF (128u * 1024)

enum file_state { FILE_IDLE, FILE_OPEN, FILE_DONE };

int backup_exit_code(int rc)
{
	switch (rc) {
	case BACKUP_OK:
		return EXIT_OK;
	case BACKUP_ERR_IO:
	case BACKUP_ERR_UNSAFE:
	case BACKUP_ERR_EXISTS:
		return EXIT_IO;
	case BACKUP_ERR_INTEGRITY:
		return EXIT_INTEGRITY;
	case BACKUP_ERR_LOCKED:
		return EXIT_LOCKED;
	default:
		return EXIT_FAIL;
	}
}

/* ---- shared helpers ---- */

void backup_priv_hex(char *out, const unsigned char *md, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

long backup_priv_read(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0 || errno != EINTR)
			return (long)n;
	}
}

int backup_priv_open_dir(int *fd, char **why, const char *dir)
{
	struct stat st;
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	*why = NULL;
	if (d >= 0) {
		*fd = d;
		return 0;
	}
	if (errno == ENOENT)
		return -ENOENT;
	if ((errno == ELOOP || errno == ENOTDIR) && lstat(dir, &st) == 0) {
		*why = xstrdup(S_ISLNK(st.st_mode) ? "is a symbolic link" : "is not a directory");
		return BACKUP_ERR_UNSAFE;
	}
	*why = xstrdup(strerror(errno));
	return BACKUP_ERR_IO;
}

int backup_priv_dir_error(int rc, const char *dir, const char *why)
{
	if (rc == BACKUP_ERR_UNSAFE) {
		ui_error("unsafe backup directory '%s': it %s", dir, why);
		ui_hint("point backup.dir at a real directory");
	} else if (rc == -ENOENT) {
		ui_error("cannot open directory '%s': %s", dir, strerror(ENOENT));
		rc = BACKUP_ERR_IO;
	} else {
		ui_error("cannot open directory '%s': %s", dir, why);
	}
	return rc;
}

int backup_priv_open_regular(int *fd, char **why, int dirfd, const char *path, int follow)
{
	struct stat st;
	int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
	int f = openat(dirfd, path, flags);

	*why = NULL;
	if (f < 0) {
		if (errno == ELOOP && !follow) {
			*why = xstrdup("is a symbolic link");
			return BACKUP_ERR_INTEGRITY;
		}
		*why = xstrdup(strerror(errno));
		return errno == ENOENT ? BACKUP_ERR_INTEGRITY : BACKUP_ERR_IO;
	}
	if (fstat(f, &st) < 0) {
		*why = xstrdup(strerror(errno));
		close(f);
		return BACKUP_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = xstrdup(S_ISDIR(st.st_mode)    ? "is a directory, not a file"
			       : S_ISFIFO(st.st_mode) ? "is a FIFO, not a regular file"
						      : "is not a regular file");
		close(f);
		return BACKUP_ERR_INTEGRITY;
	}
	/* O_NONBLOCK only kept open() from waiting for a FIFO's writer. */
	fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK);
	*fd = f;
	return 0;
}

/* ---- times ---- */

/*
 * t in UTC as the fields of fmt (year, month, day, hour, minute, second).
 * The year always takes four digits (strftime's %Y writes 999 for 0999),
 * so that every time the parsers take formats back the same; a time outside
 * years 0000-9999, which they refuse, is written as the epoch.
 */
static void time_fields(char *buf, size_t size, const char *fmt, time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	snprintf(buf, size, fmt, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

char *backup_time_format(char buf[BACKUP_TIME_LEN], time_t t)
{
	time_fields(buf, BACKUP_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", t);
	return buf;
}

static int digits_at(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* A real UTC date and time from its fields; round-trips through gmtime. */
static int make_time(time_t *out, int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 }, back;
	time_t t;

	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (!gmtime_r(&t, &back) || back.tm_year != y - 1900 || back.tm_mon != mo - 1 ||
	    back.tm_mday != d || back.tm_hour != h || back.tm_min != mi || back.tm_sec != s)
		return -1;
	*out = t;
	return 0;
}

int backup_time_parse(time_t *out, const char *s)
{
	int y, mo, d, h, mi, sec;

	if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -1;
	if (digits_at(s, 4, &y) || digits_at(s + 5, 2, &mo) || digits_at(s + 8, 2, &d) ||
	    digits_at(s + 11, 2, &h) || digits_at(s + 14, 2, &mi) || digits_at(s + 17, 2, &sec))
		return -1;
	return make_time(out, y, mo, d, h, mi, sec);
}

/* ---- targets and ids ---- */

int backup_target_valid(const char *target)
{
	size_t n;

	if (!target)
		return 0;
	n = strlen(target);
	if (n < 1 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = target[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!ok && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return 0;
	}
	return 1;
}

char *backup_id_format(const char *target, time_t t, unsigned seq)
{
	char ts[32];

	time_fields(ts, sizeof(ts), "%04d%02d%02dT%02d%02d%02dZ", t);
	if (seq >= 2)
		return xasprintf("%s-%s-%u", target, ts, seq);
	return xasprintf("%s-%s", target, ts);
}

/*
 * Reads an id of target at the start of s: the number of bytes it takes,
 * or 0. The time part holds uppercase letters, which target names cannot,
 * so where an id ends is never ambiguous.
 */
static size_t id_scan(time_t *t, unsigned *seq, const char *target, const char *s)
{
	size_t tl, i;
	int y, mo, d, h, mi, sec;
	unsigned long n = 0;
	time_t tt;

	if (!backup_target_valid(target))
		return 0;
	tl = strlen(target);
	if (strncmp(s, target, tl) != 0 || s[tl] != '-')
		return 0;
	s += tl + 1;
	if (strnlen(s, 16) != 16 || s[8] != 'T' || s[15] != 'Z')
		return 0;
	if (digits_at(s, 4, &y) || digits_at(s + 4, 2, &mo) || digits_at(s + 6, 2, &d) ||
	    digits_at(s + 9, 2, &h) || digits_at(s + 11, 2, &mi) || digits_at(s + 13, 2, &sec))
		return 0;
	if (make_time(&tt, y, mo, d, h, mi, sec))
		return 0;
	i = 16;
	if (s[i] == '-') {
		size_t start = ++i;
		if (s[i] < '1' || s[i] > '9')
			return 0;
		while (s[i] >= '0' && s[i] <= '9' && i - start < 7)
			n = n * 10 + (unsigned long)(s[i++] - '0');
		if (n < 2 || n > BACKUP_SEQ_MAX)
			return 0;
	} else {
		n = 1;
	}
	if (t)
		*t = tt;
	if (seq)
		*seq = (unsigned)n;
	return tl + 1 + i;
}

int backup_id_parse(time_t *t, unsigned *seq, const char *target, const char *id)
{
	size_t n;

	if (!id)
		return -1;
	n = id_scan(t, seq, target, id);
	return n && id[n] == '\0' ? 0 : -1;
}

int backup_id_valid(const char *target, const char *id)
{
	return backup_id_parse(NULL, NULL, target, id) == 0;
}

size_t backup_id_prefix(const char *target, const char *name)
{
	size_t n = name ? id_scan(NULL, NULL, target, name) : 0;

	return n && name[n] == '.' ? n : 0;
}

int backup_priv_opendir(DIR **out, const char *dir)
{
	char *why = NULL;
	int fd, rc;

	*out = NULL;
	rc = backup_priv_open_dir(&fd, &why, dir);
	if (rc == -ENOENT)
		return 0;
	if (rc) {
		rc = backup_priv_dir_error(rc, dir, why);
		free(why);
		return rc;
	}
	*out = fdopendir(fd);
	if (!*out) {
		ui_error("cannot read directory '%s': %s", dir, strerror(errno));
		close(fd);
		return BACKUP_ERR_IO;
	}
	return 0;
}

/* The names in dir; a missing dir has none. */
static int dir_names(struct strlist *out, const char *dir)
{
	struct dirent *e;
	DIR *d;
	int rc;

	rc = backup_priv_opendir(&d, dir);
	if (rc || !d)
		return rc;
	errno = 0;
	while ((e = readdir(d)))
		strlist_push(out, e->d_name);
	rc = errno ? BACKUP_ERR_IO : 0;
	if (rc)
		ui_error("cannot read directory '%s': %s", dir, strerror(errno));
	closedir(d);
	return rc;
}

int backup_id_next(char **out, const char *dir, const char *target, time_t t)
{
	struct strlist names = STRLIST_INIT;
	int rc;

	*out = NULL;
	rc = dir_names(&names, dir);
	if (rc)
		goto out;
	for (unsigned seq = 1; seq <= BACKUP_SEQ_MAX; seq++) {
		char *id = backup_id_format(target, t, seq);
		size_t len = strlen(id);
		int taken = 0;

		for (size_t i = 0; i < names.n && !taken; i++)
			taken = !strncmp(names.v[i], id, len) && names.v[i][len] == '.';
		if (!taken) {
			*out = id;
			goto out;
		}
		free(id);
	}
	ui_error("every backup id of '%s' for this second is taken in '%s'", target, dir);
	rc = BACKUP_ERR;
out:
	strlist_clear(&names);
	return rc;
}

/* ---- formats and names ---- */

static const char *const format_names[] = { "custom", "plain", "json" };
static const char *const format_exts[] = { ".dump", ".sql", ".json" };

const char *backup_format_name(enum backup_format f)
{
	return (unsigned)f < ARRAY_SIZE(format_names) ? format_names[f] : "unknown";
}

const char *backup_format_ext(enum backup_format f)
{
	return (unsigned)f < ARRAY_SIZE(format_exts) ? format_exts[f] : "";
}

int backup_format_parse(enum backup_format *out, const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(format_names); i++) {
		if (!strcmp(name, format_names[i])) {
			*out = (enum backup_format)i;
			return 0;
		}
	}
	return -1;
}

char *backup_file_name(const char *id, enum backup_format f)
{
	return xasprintf("%s%s", id, backup_format_ext(f));
}

char *backup_manifest_name(const char *id)
{
	return xasprintf("%s.manifest.json", id);
}

/* ---- the backup directory ---- */

/* mkdir that sets 0700 on what it creates, whatever the umask. */
static int mkdir_private(const char *path)
{
	int fd;

	if (mkdir(path, 0700) < 0)
		return errno == EEXIST ? 0 : -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0700) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

int backup_dir_ensure(const char *dir)
{
	char *p = xstrdup(dir), *why = NULL;
	size_t n = strlen(p);
	int rc = 0, fd;

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if (n == 0) {
		ui_error("the backup directory is an empty path");
		rc = BACKUP_ERR;
		goto out;
	}
	for (size_t i = 1; i < n; i++) {
		if (p[i] != '/' || p[i - 1] == '/')
			continue;
		p[i] = '\0';
		if (mkdir_private(p) < 0) {
			ui_error("cannot create directory '%s': %s", p, strerror(errno));
			rc = BACKUP_ERR_IO;
			goto out;
		}
		p[i] = '/';
	}
	if (mkdir_private(p) < 0 && errno != ELOOP && errno != ENOTDIR) {
		ui_error("cannot create directory '%s': %s", p, strerror(errno));
		rc = BACKUP_ERR_IO;
		goto out;
	}
	rc = backup_priv_open_dir(&fd, &why, p);
	if (rc == 0)
		close(fd);
	else
		rc = backup_priv_dir_error(rc, dir, why);
out:
	free(why);
	free(p);
	return rc;
}

/* ---- the safe writer ---- */

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void file_release(struct backup_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	f->fd = f->dirfd = -1;
	EVP_MD_CTX_free(f->md);
	f->md = NULL;
	free(f->buf);
	free(f->dir);
	free(f->name);
	free(f->partial);
	free(f->path);
	f->buf = NULL;
	f->dir = f->name = f->partial = f->path = NULL;
	f->buflen = 0;
	f->state = FILE_DONE;
}

void backup_file_abort(struct backup_file *f)
{
	if (f->state == FILE_OPEN) {
		if (f->fd >= 0) {
			close(f->fd);
			f->fd = -1;
		}
		if (f->dirfd >= 0 && f->partial)
			unlinkat(f->dirfd, f->partial, 0);
	}
	file_release(f);
}

static int io_failed(struct backup_file *f, const char *what, int err)
{
	ui_error("cannot %s '%s': %s", what, f->path, strerror(err));
	if (err == ENOSPC || err == EDQUOT)
		ui_hint("free space on the file system of '%s', or set backup.dir to another one",
			f->dir);
	backup_file_abort(f);
	return BACKUP_ERR_IO;
}

int backup_file_open(struct backup_file *f, const char *dir, const char *name, unsigned flags)
{
	struct stat st;
	char *why = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	f->fd = f->dirfd = -1;
	f->state = FILE_DONE;
	f->flags = flags;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > NAME_MAX - 8) {
		ui_error("invalid backup file name '%s'", name);
		return BACKUP_ERR;
	}
	f->dir = xstrdup(dir);
	f->name = xstrdup(name);
	f->partial = xasprintf("%s.partial", name);
	f->path = xasprintf("%s/%s", dir, name);
	rc = backup_priv_open_dir(&f->dirfd, &why, dir);
	if (rc) {
		rc = backup_priv_dir_error(rc, dir, why);
		goto out;
	}
	if (fstatat(f->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
			ui_error("refusing to write '%s': it is %s", f->path,
				 S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
			rc = BACKUP_ERR_UNSAFE;
			goto out;
		}
		if (!(flags & BACKUP_FILE_REPLACE)) {
			ui_error("cannot write '%s': it already exists", f->path);
			rc = BACKUP_ERR_EXISTS;
			goto out;
		}
	} else if (errno != ENOENT) {
		ui_error("cannot write '%s': %s", f->path, strerror(errno));
		rc = BACKUP_ERR_IO;
		goto out;
	}
	f->fd = openat(f->dirfd, f->partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (f->fd < 0) {
		int err = errno;
		if (err == EEXIST && fstatat(f->dirfd, f->partial, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			ui_error("refusing to write '%s/%s': it is a symbolic link", dir,
				 f->partial);
			rc = BACKUP_ERR_UNSAFE;
		} else if (err == EEXIST) {
			ui_error("cannot write '%s/%s': it already exists", dir, f->partial);
			ui_hint("another run may be writing it; if none is, remove it");
			rc = BACKUP_ERR_EXISTS;
		} else {
			ui_error("cannot create '%s/%s': %s", dir, f->partial, strerror(err));
			rc = BACKUP_ERR_IO;
		}
		goto out;
	}
	/* From here on the partial file is ours: a failure removes it. */
	f->state = FILE_OPEN;
	if (fchmod(f->fd, 0600) < 0) {
		ui_error("cannot write '%s': %s", f->path, strerror(errno));
		rc = BACKUP_ERR_IO;
		goto out;
	}
	f->md = EVP_MD_CTX_new();
	if (!f->md || EVP_DigestInit_ex(f->md, EVP_sha256(), NULL) != 1) {
		ui_error("cannot compute SHA-256: libcrypto failed");
		rc = BACKUP_ERR;
		goto out;
	}
	f->buf = xmalloc(WRITE_BUF);
out:
	free(why);
	if (rc)
		backup_file_abort(f);
	return rc;
}

static int file_flush(struct backup_file *f)
{
	if (f->buflen && write_all(f->fd, f->buf, f->buflen) < 0)
		return -1;
	f->buflen = 0;
	return 0;
}

int backup_file_write(struct backup_file *f, const void *data, size_t len)
{
	if (f->state != FILE_OPEN) {
		ui_error("internal: write to a backup file that is not open");
		return BACKUP_ERR;
	}
	if (len == 0)
		return 0;
	if (EVP_DigestUpdate(f->md, data, len) != 1) {
		ui_error("cannot compute SHA-256: libcrypto failed");
		backup_file_abort(f);
		return BACKUP_ERR;
	}
	f->size += len;
	if (f->buflen + len <= WRITE_BUF) {
		memcpy(f->buf + f->buflen, data, len);
		f->buflen += len;
		return 0;
	}
	if (file_flush(f) < 0 || (len >= WRITE_BUF && write_all(f->fd, data, len) < 0))
		return io_failed(f, "write", errno);
	if (len < WRITE_BUF) {
		memcpy(f->buf, data, len);
		f->buflen = len;
	}
	return 0;
}

int backup_file_commit(struct backup_file *f)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int fd, rc;

	if (f->state != FILE_OPEN) {
		ui_error("internal: commit of a backup file that is not open");
		return BACKUP_ERR;
	}
	if (file_flush(f) < 0)
		return io_failed(f, "write", errno);
	if (fsync(f->fd) < 0)
		return io_failed(f, "write", errno);
	fd = f->fd;
	f->fd = -1;
	if (close(fd) < 0)
		return io_failed(f, "write", errno);
	if (EVP_DigestFinal_ex(f->md, md, &mdlen) != 1 || mdlen != 32) {
		ui_error("cannot compute SHA-256: libcrypto failed");
		backup_file_abort(f);
		return BACKUP_ERR;
	}
	if (f->flags & BACKUP_FILE_REPLACE) {
		rc = renameat(f->dirfd, f->partial, f->dirfd, f->name);
	} else {
		rc = renameat2(f->dirfd, f->partial, f->dirfd, f->name, RENAME_NOREPLACE);
		if (rc < 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
			/* A file system without RENAME_NOREPLACE: link() never replaces. */
			rc = linkat(f->dirfd, f->partial, f->dirfd, f->name, 0);
			if (rc == 0)
				unlinkat(f->dirfd, f->partial, 0);
		}
	}
	if (rc < 0) {
		int err = errno;
		struct stat st;

		if (err == EEXIST || err == ENOTEMPTY) {
			int link = fstatat(f->dirfd, f->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				   S_ISLNK(st.st_mode);
			ui_error("refusing to replace '%s': it appeared while it was written%s",
				 f->path, link ? " (a symbolic link)" : "");
			backup_file_abort(f);
			return link ? BACKUP_ERR_UNSAFE : BACKUP_ERR_EXISTS;
		}
		return io_failed(f, "rename the partial file to", err);
	}
	/* Renamed: the partial name is gone, so abort must not unlink it. */
	f->state = FILE_DONE;
	if (fsync(f->dirfd) < 0) {
		int err = errno;
		ui_error("cannot write '%s': fsync of its directory: %s", f->path, strerror(err));
		/* Not durable: a new file is taken back rather than trusted. */
		if (!(f->flags & BACKUP_FILE_REPLACE))
			unlinkat(f->dirfd, f->name, 0);
		file_release(f);
		return BACKUP_ERR_IO;
	}
	backup_priv_hex(f->sha256, md, 32);
	file_release(f);
	return 0;
}

/* ---- retention ---- */

long long backup_parse_duration(const char *s)
{
	long long n = 0, unit;
	size_t i = 0;

	if (!s || s[0] < '0' || s[0] > '9')
		return -1;
	while (s[i] >= '0' && s[i] <= '9') {
		int d = s[i++] - '0';
		if (n > (LLONG_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	switch (s[i]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (s[i + 1] != '\0' || n > LLONG_MAX / unit)
		return -1;
	return n * unit;
}

void backup_retention(unsigned *why, const struct backup_entry *v, size_t n, unsigned long keep,
		      long long older_than, time_t now)
{
	int verified_seen = 0;

	for (size_t i = 0; i < n; i++) {
		why[i] = 0;
		if (i < keep)
			why[i] |= BACKUP_KEEP_NEWEST;
		/* "Older than 30d" deletes what is more than 30 days old, no less. */
		if (older_than >= 0 && (long long)(now - v[i].created_at) <= older_than)
			why[i] |= BACKUP_KEEP_RECENT;
		if (!verified_seen && v[i].verified_at != 0) {
			why[i] |= BACKUP_KEEP_VERIFIED;
			verified_seen = 1;
		}
	}
}
