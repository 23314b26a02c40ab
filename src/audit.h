/*
 * audit.h - the audit log of destructive runs: one JSON line per run
 * appended to <backup_dir>/audit.jsonl (SPEC 4 step 12).
 */
#ifndef DOCKRESET_AUDIT_H
#define DOCKRESET_AUDIT_H

#include <jansson.h>

/*
 * Appends entry as one line to dir/audit.jsonl: dir created 0700 when
 * missing (never through a symlink), the file created 0600 whatever the
 * umask, opened with O_APPEND and never through a symlink, written in one
 * write and fsynced. Adds "time" (UTC ISO 8601), "user" and "host" to
 * entry. The caller puts no secret in entry. Returns 0, or -1 after
 * reporting.
 */
int audit_append(const char *dir, json_t *entry);

#endif
