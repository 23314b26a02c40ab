/*
 * audit.c - append-only audit log.
 */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "ui.h"
#include "util.h"

static char *user_name(void)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw && pw->pw_name)
		return xstrdup(pw->pw_name);
	return xasprintf("uid %u", (unsigned)geteuid());
}

int audit_append(const char *dir, json_t *entry)
{
	char when[BACKUP_TIME_LEN], host[256] = "";
	char *path = xasprintf("%s/audit.jsonl", dir), *line = NULL, *user = user_name();
	struct stat st;
	size_t len;
	ssize_t w;
	int fd = -1, rc = -1;

	gethostname(host, sizeof(host) - 1);
	json_object_set_new(entry, "time", json_string(backup_time_format(when, time(NULL))));
	json_object_set_new(entry, "user", json_string(user));
	json_object_set_new(entry, "host", json_string(host));
	if (backup_dir_ensure(dir) < 0)
		goto out;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		ui_error("cannot open the audit log '%s': %s", path,
			 errno == ELOOP ? "it is a symlink" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ui_error("cannot write the audit log '%s': not a regular file", path);
		goto out;
	}
	/* created under a umask that let others read it, or loosened since */
	if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
		ui_error("cannot make the audit log '%s' private: %s", path, strerror(errno));
		goto out;
	}
	line = json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line) {
		ui_error("cannot write the audit log '%s': out of memory", path);
		goto out;
	}
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps leaves room: we replace its NUL */
	w = write(fd, line, len);
	if (w != (ssize_t)len || fsync(fd) < 0) {
		ui_error("cannot write the audit log '%s': %s", path,
			 w < 0 ? strerror(errno) : "short write");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(user);
	free(path);
	return rc;
}
