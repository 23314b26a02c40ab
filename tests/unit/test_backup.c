/*
 * test_backup.c - backup ids, the backup directory, the safe writer,
 * manifests, listing, retention, the lock, stale partial files and the git
 * warning, against real files in temporary directories.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "backup.h"
#include "backup_helpers.h"

#define T0 ((time_t)1795309323) /* 2026-11-22T01:02:03Z */
#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* ---- times ---- */

static void times_format_and_parse(void **state)
{
	char buf[BACKUP_TIME_LEN];
	time_t t;

	(void)state;
	assert_string_equal(backup_time_format(buf, T0), "2026-11-22T01:02:03Z");
	assert_string_equal(backup_time_format(buf, 0), "1970-01-01T00:00:00Z");
	assert_int_equal(backup_time_parse(&t, "2026-11-22T01:02:03Z"), 0);
	assert_int_equal(t, T0);
	assert_int_equal(backup_time_parse(&t, "2024-02-29T23:59:59Z"), 0);

	static const char *const bad[] = {
		"",
		"2026-11-22T01:02:03",
		"2026-11-22 01:02:03Z",
		"2026-11-22T01:02:03Z ",
		" 2026-11-22T01:02:03Z",
		"2026-11-22T01:02:03+00:00",
		"2026-13-22T01:02:03Z",
		"2026-02-29T01:02:03Z",
		"2026-11-31T01:02:03Z",
		"2026-11-22T24:00:00Z",
		"2026-11-22T01:60:00Z",
		"2026-11-22T01:02:60Z",
		"2026-11-22t01:02:03z",
		"2026-1a-22T01:02:03Z",
		"+026-11-22T01:02:03Z",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (backup_time_parse(&t, bad[i]) != -1)
			fail_msg("accepted time '%s'", bad[i]);
	}
	assert_int_equal(backup_time_parse(&t, NULL), -1);
}

/* ---- targets and ids ---- */

static void targets_validated(void **state)
{
	(void)state;
	assert_true(backup_target_valid("shop"));
	assert_true(backup_target_valid("discord-bot"));
	assert_true(backup_target_valid("a"));
	assert_true(backup_target_valid("0a_b.c-d"));
	assert_true(backup_target_valid(
		"a23456789012345678901234567890123456789012345678901234567890123"));
	assert_false(backup_target_valid(
		"a234567890123456789012345678901234567890123456789012345678901234"));
	assert_false(backup_target_valid(""));
	assert_false(backup_target_valid(NULL));
	assert_false(backup_target_valid("Shop"));
	assert_false(backup_target_valid("-shop"));
	assert_false(backup_target_valid(".shop"));
	assert_false(backup_target_valid("sh op"));
	assert_false(backup_target_valid("sh/op"));
	assert_false(backup_target_valid("shöp"));
}

static void ids_formatted(void **state)
{
	char *id;

	(void)state;
	id = backup_id_format("shop", T0, 1);
	assert_string_equal(id, "shop-20261122T010203Z");
	free(id);
	id = backup_id_format("shop", T0, 0);
	assert_string_equal(id, "shop-20261122T010203Z");
	free(id);
	id = backup_id_format("discord-bot", T0, 2);
	assert_string_equal(id, "discord-bot-20261122T010203Z-2");
	free(id);
	id = backup_id_format("a.b", 0, 17);
	assert_string_equal(id, "a.b-19700101T000000Z-17");
	free(id);
}

static void ids_validated(void **state)
{
	static const char *const good[] = {
		"shop-20261122T010203Z",
		"shop-20261122T010203Z-2",
		"shop-20261122T010203Z-10",
		"shop-20261122T010203Z-999999",
		"shop-20240229T235959Z",
	};
	static const char *const bad[] = {
		"",
		"shop",
		"shop-",
		"../x",
		"x/y",
		"..",
		"shop-20261122T010203Z/../x",
		"../shop-20261122T010203Z",
		"shop-20261122T010203Z\n",
		"shop-20261122T010203Z\nshop-20261122T010203Z",
		"shop-20261122T010203Z ",
		"shop-20261122T010203Z.dump",
		"shop-20261122T010203Z-1",
		"shop-20261122T010203Z-0",
		"shop-20261122T010203Z-02",
		"shop-20261122T010203Z-",
		"shop-20261122T010203Z--2",
		"shop-20261122T010203Z-+2",
		"shop-20261122T010203Z-2x",
		"shop-20261122T010203Z-1000000",
		"shop-20261122T010203Z-99999999999999999999",
		"other-20261122T010203Z",
		"shopx-20261122T010203Z",
		"sho-20261122T010203Z",
		"shop20261122T010203Z",
		"shop-20261322T010203Z",
		"shop-20260230T000000Z",
		"shop-20261122T250203Z",
		"shop-20261122T016003Z",
		"shop-20261122t010203z",
		"shop-2026112T010203Z",
		"shop-20261122T0102030Z",
		"shop-2026-11-22T01:02:03Z",
		"SHOP-20261122T010203Z",
	};
	time_t t;
	unsigned seq;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (!backup_id_valid("shop", good[i]))
			fail_msg("refused id '%s'", good[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (backup_id_valid("shop", bad[i]))
			fail_msg("accepted id '%s'", bad[i]);
	}
	assert_false(backup_id_valid("shop", NULL));
	/* The target is part of the grammar, and must itself be valid. */
	assert_true(backup_id_valid("my-app.v2_x", "my-app.v2_x-20261122T010203Z-3"));
	assert_false(backup_id_valid("Shop", "Shop-20261122T010203Z"));
	assert_false(backup_id_valid("../shop", "../shop-20261122T010203Z"));
	assert_false(backup_id_valid("", "-20261122T010203Z"));

	assert_int_equal(backup_id_parse(&t, &seq, "shop", "shop-20261122T010203Z-42"), 0);
	assert_int_equal(t, T0);
	assert_int_equal(seq, 42);
	assert_int_equal(backup_id_parse(&t, &seq, "shop", "shop-20261122T010203Z"), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(backup_id_parse(&t, &seq, "shop", "shop-20261122T010203Z-1"), -1);
}

static void id_prefixes(void **state)
{
	(void)state;
	assert_int_equal(backup_id_prefix("shop", "shop-20261122T010203Z.dump"), 21);
	assert_int_equal(backup_id_prefix("shop", "shop-20261122T010203Z-2.manifest.json"), 23);
	assert_int_equal(backup_id_prefix("shop", "shop-20261122T010203Z.dump.partial"), 21);
	assert_int_equal(backup_id_prefix("shop", "shop-20261122T010203Z"), 0);
	assert_int_equal(backup_id_prefix("shop", "shop-20261122T010203Zx.dump"), 0);
	assert_int_equal(backup_id_prefix("shop", "shop-20261122T010203Z-1.dump"), 0);
	/* Another target whose name begins like this one's. */
	assert_int_equal(backup_id_prefix("shop", "shop-2-20261122T010203Z.dump"), 0);
	assert_int_equal(backup_id_prefix("shop-2", "shop-2-20261122T010203Z.dump"), 23);
	assert_int_equal(backup_id_prefix("shop", ".lock"), 0);
}

static void ids_pick_the_first_free(void **state)
{
	char *dir = tmpdir_new(), *id, *p;

	(void)state;
	assert_int_equal(backup_id_next(&id, dir, "shop", T0), 0);
	assert_string_equal(id, "shop-20261122T010203Z");
	p = xasprintf("%s/%s.dump", dir, id);
	file_puts(p, "x");
	free(p);
	free(id);

	assert_int_equal(backup_id_next(&id, dir, "shop", T0), 0);
	assert_string_equal(id, "shop-20261122T010203Z-2");
	/* A manifest alone takes the id too. */
	p = xasprintf("%s/%s.manifest.json", dir, id);
	file_puts(p, "{}");
	free(p);
	free(id);

	/* So does a partial file of a run still writing. */
	p = xasprintf("%s/shop-20261122T010203Z-3.json.partial", dir);
	file_puts(p, "x");
	free(p);
	/* A name that only begins like the id does not. */
	p = xasprintf("%s/shop-20261122T010203Z-4x", dir);
	file_puts(p, "x");
	free(p);
	/* Nor do another target's files or another second's. */
	p = xasprintf("%s/shop-2-20261122T010203Z.dump", dir);
	file_puts(p, "x");
	free(p);
	assert_int_equal(backup_id_next(&id, dir, "shop", T0), 0);
	assert_string_equal(id, "shop-20261122T010203Z-4");
	free(id);
	assert_int_equal(backup_id_next(&id, dir, "shop", T0 + 1), 0);
	assert_string_equal(id, "shop-20261122T010204Z");
	free(id);
	assert_int_equal(backup_id_next(&id, dir, "shop-2", T0), 0);
	assert_string_equal(id, "shop-2-20261122T010203Z-2");
	free(id);

	/* A directory not made yet has every id free. */
	p = xasprintf("%s/missing", dir);
	assert_int_equal(backup_id_next(&id, p, "shop", T0), 0);
	assert_string_equal(id, "shop-20261122T010203Z");
	free(id);
	free(p);
	tmpdir_free(dir);
}

static void formats_and_names(void **state)
{
	enum backup_format f;
	char *s;

	(void)state;
	assert_int_equal(backup_format_parse(&f, "custom"), 0);
	assert_int_equal(f, BACKUP_FORMAT_CUSTOM);
	assert_int_equal(backup_format_parse(&f, "plain"), 0);
	assert_int_equal(f, BACKUP_FORMAT_PLAIN);
	assert_int_equal(backup_format_parse(&f, "json"), 0);
	assert_int_equal(f, BACKUP_FORMAT_JSON);
	assert_int_equal(backup_format_parse(&f, "tar"), -1);
	assert_int_equal(backup_format_parse(&f, "JSON"), -1);
	assert_int_equal(backup_format_parse(&f, NULL), -1);
	assert_string_equal(backup_format_ext(BACKUP_FORMAT_CUSTOM), ".dump");
	assert_string_equal(backup_format_ext(BACKUP_FORMAT_PLAIN), ".sql");
	assert_string_equal(backup_format_ext(BACKUP_FORMAT_JSON), ".json");
	s = backup_file_name("shop-20261122T010203Z", BACKUP_FORMAT_PLAIN);
	assert_string_equal(s, "shop-20261122T010203Z.sql");
	free(s);
	s = backup_manifest_name("shop-20261122T010203Z-2");
	assert_string_equal(s, "shop-20261122T010203Z-2.manifest.json");
	free(s);
	assert_int_equal(backup_exit_code(0), 0);
	assert_int_equal(backup_exit_code(BACKUP_ERR), 1);
	assert_int_equal(backup_exit_code(BACKUP_ERR_IO), 8);
	assert_int_equal(backup_exit_code(BACKUP_ERR_UNSAFE), 8);
	assert_int_equal(backup_exit_code(BACKUP_ERR_EXISTS), 8);
	assert_int_equal(backup_exit_code(BACKUP_ERR_INTEGRITY), 7);
	assert_int_equal(backup_exit_code(BACKUP_ERR_LOCKED), 9);
}

/* ---- the backup directory ---- */

static void dirs_created_private(void **state)
{
	char *dir = tmpdir_new(), *deep = xasprintf("%s/a/b/c", dir), *p;
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(backup_dir_ensure(deep), 0);
	p = xasprintf("%s/a", dir);
	assert_int_equal(file_mode(p), 0700);
	free(p);
	p = xasprintf("%s/a/b", dir);
	assert_int_equal(file_mode(p), 0700);
	free(p);
	assert_int_equal(file_mode(deep), 0700);
	/* Again: nothing to do. */
	assert_int_equal(backup_dir_ensure(deep), 0);
	/* A trailing slash, and an existing parent left as it is. */
	p = xasprintf("%s/open", dir);
	mkdir(p, 0755);
	free(p);
	p = xasprintf("%s/open/x/", dir);
	assert_int_equal(backup_dir_ensure(p), 0);
	free(p);
	p = xasprintf("%s/open", dir);
	assert_int_equal(file_mode(p), 0755);
	free(p);
	p = xasprintf("%s/open/x", dir);
	assert_int_equal(file_mode(p), 0700);
	free(p);
	umask(old);
	free(deep);
	tmpdir_free(dir);
}

static void dirs_refused_when_unsafe(void **state)
{
	char *dir = tmpdir_new(), *real = xasprintf("%s/real", dir), *link = xasprintf("%s/link", dir);
	char *file = xasprintf("%s/file", dir), *under = xasprintf("%s/file/sub", dir);
	char *dangling = xasprintf("%s/dangling", dir), *text;

	(void)state;
	mkdir(real, 0755);
	assert_int_equal(symlink(real, link), 0);
	file_puts(file, "x");
	assert_int_equal(symlink("/nonexistent-dockreset-target", dangling), 0);
	capture_begin();
	assert_int_equal(backup_dir_ensure(link), BACKUP_ERR_UNSAFE);
	assert_int_equal(backup_dir_ensure(file), BACKUP_ERR_UNSAFE);
	assert_int_equal(backup_dir_ensure(dangling), BACKUP_ERR_UNSAFE);
	assert_int_equal(backup_dir_ensure(under), BACKUP_ERR_IO);
	text = capture_end();
	assert_non_null(strstr(text, "unsafe backup directory"));
	assert_non_null(strstr(text, "is a symbolic link"));
	assert_non_null(strstr(text, "is not a directory"));
	assert_false(path_exists("/nonexistent-dockreset-target"));
	/* A symlink above the directory is fine: only the last component counts. */
	free(under);
	under = xasprintf("%s/link/sub", dir);
	assert_int_equal(backup_dir_ensure(under), 0);
	free(text);
	free(real);
	free(link);
	free(file);
	free(under);
	free(dangling);
	tmpdir_free(dir);
}

/* ---- the safe writer ---- */

static void writer_hashes_and_renames(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *path = xasprintf("%s/x.dump", dir), *data;
	mode_t old = umask(0);
	size_t len;

	(void)state;
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), 0);
	assert_int_equal(file_mode(path), 0); /* not there until commit */
	assert_int_equal(backup_file_write(&f, "a", 1), 0);
	assert_int_equal(backup_file_write(&f, "", 0), 0);
	assert_int_equal(backup_file_write(&f, "bc", 2), 0);
	assert_int_equal(backup_file_commit(&f), 0);
	assert_string_equal(f.sha256, SHA_ABC);
	assert_int_equal(f.size, 3);
	backup_file_abort(&f); /* a no-op after commit */
	data = file_get(path, &len);
	assert_non_null(data);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "abc", 3);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(dir_count(dir), 1);
	umask(old);
	free(data);
	free(path);
	tmpdir_free(dir);
}

static void writer_streams_large_data(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *path = xasprintf("%s/big.sql", dir), *data;
	size_t total = 3u << 20, off = 0, len, step = 1;
	unsigned char *src = xmalloc(total), md[32];
	char hex[65];
	unsigned mdlen;

	(void)state;
	for (size_t i = 0; i < total; i++)
		src[i] = (unsigned char)(i * 7 + (i >> 9));
	assert_int_equal(backup_file_open(&f, dir, "big.sql", 0), 0);
	/* Pieces of every size, across and above the writer's buffer. */
	while (off < total) {
		size_t n = step < total - off ? step : total - off;
		assert_int_equal(backup_file_write(&f, src + off, n), 0);
		off += n;
		step = step * 3 + 1;
		if (step > (1u << 19))
			step = 5;
	}
	assert_int_equal(backup_file_commit(&f), 0);
	EVP_Digest(src, total, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(f.sha256, hex);
	assert_int_equal(f.size, total);
	data = file_get(path, &len);
	assert_int_equal(len, total);
	assert_memory_equal(data, src, total);
	free(data);
	free(src);
	free(path);
	tmpdir_free(dir);
}

static void writer_refuses_symlink_at_partial(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *victim = xasprintf("%s/victim", dir);
	char *partial = xasprintf("%s/x.dump.partial", dir), *ghost = xasprintf("%s/ghost", dir);
	char *data, *text;

	(void)state;
	file_puts(victim, "keep");
	assert_int_equal(symlink(victim, partial), 0);
	capture_begin();
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), BACKUP_ERR_UNSAFE);
	text = capture_end();
	assert_non_null(strstr(text, "symbolic link"));
	backup_file_abort(&f);
	data = file_get(victim, NULL);
	assert_string_equal(data, "keep");
	free(data);
	free(text);
	assert_true(path_exists(partial)); /* left for a human to look at */
	/* A dangling symlink: its target must not come into being. */
	unlink(partial);
	assert_int_equal(symlink(ghost, partial), 0);
	capture_begin();
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), BACKUP_ERR_UNSAFE);
	free(capture_end());
	assert_false(path_exists(ghost));
	free(victim);
	free(partial);
	free(ghost);
	tmpdir_free(dir);
}
