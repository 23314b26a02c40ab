/*
 * cache.h - flushing a target's Redis caches (SPEC 4 step 10) with
 * redis-cli by exec in the cache's container.
 */
#ifndef DOCKRESET_CACHE_H
#define DOCKRESET_CACHE_H

#include "config.h"
#include "docker.h"

/*
 * Flushes cache c (FLUSHDB of its db, or FLUSHALL) in container k. The
 * password, when c names a variable, goes in the exec's environment as
 * REDISCLI_AUTH, never in an argument. redis-cli exits 0 after NOAUTH or a
 * database number out of range, so the db number is checked against
 * CONFIG GET databases first, and the reply must be exactly OK with
 * nothing on stderr. Returns 0, or -1 after reporting.
 */
int cache_flush(struct docker *d, const struct docker_container *k, const struct cfg_cache *c);

/* Pure. The number of databases from redis-cli's CONFIG GET databases
 * output ("databases\n16\n"); -1 when it is anything else. */
int cache_parse_databases(const char *out);

/* Pure. 1 when out is exactly "OK" (with or without a final newline). */
int cache_reply_ok(const char *out);

#endif
