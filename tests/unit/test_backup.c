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
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "backup.h"
#include "backup_helpers.h"

#define T0	((time_t)1795309323) /* 2026-11-22T01:02:03Z */
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

/* Every year the parser takes (0000 to 9999) formats back the same, in
 * times and in ids: parse, format, parse is a round trip. */
static void times_and_ids_round_trip(void **state)
{
	static const char *const edges[] = {
		"0000-01-01T00:00:00Z", "0000-02-29T12:00:00Z", "0001-01-01T00:00:00Z",
		"0099-12-31T23:59:59Z", "0999-12-31T23:59:59Z", "1000-01-01T00:00:00Z",
		"1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
	};
	char buf[BACKUP_TIME_LEN], text[32];
	time_t t, back;
	unsigned seq;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(edges); i++) {
		if (backup_time_parse(&t, edges[i]) != 0)
			fail_msg("refused time '%s'", edges[i]);
		assert_string_equal(backup_time_format(buf, t), edges[i]);
	}
	for (int y = 0; y <= 9999; y++) {
		char *id, *want;

		snprintf(text, sizeof(text), "%04d-07-15T08:09:10Z", y);
		if (backup_time_parse(&t, text) != 0)
			fail_msg("refused time '%s'", text);
		if (strcmp(backup_time_format(buf, t), text) != 0)
			fail_msg("'%s' formats back as '%s'", text, buf);
		want = xasprintf("shop-%04d0715T080910Z-3", y);
		id = backup_id_format("shop", t, 3);
		if (strcmp(id, want) != 0)
			fail_msg("the id of '%s' is '%s', not '%s'", text, id, want);
		if (backup_id_parse(&back, &seq, "shop", id) != 0 || back != t || seq != 3)
			fail_msg("id '%s' does not parse back", id);
		free(id);
		free(want);
	}
	/* Years a time cannot be written in: never a string that fails to parse. */
	assert_int_equal(backup_time_parse(&t, "9999-12-31T23:59:59Z"), 0);
	backup_time_format(buf, t + 1);
	assert_int_equal(backup_time_parse(&back, buf), 0);
	{
		char *id = backup_id_format("shop", t + 1, 0);
		assert_true(backup_id_valid("shop", id));
		free(id);
	}
}

/* ---- targets and ids ---- */

static void targets_validated(void **state)
{
	(void)state;
	assert_true(backup_target_valid("shop"));
	assert_true(backup_target_valid("discord-bot"));
	assert_true(backup_target_valid("a"));
	assert_true(backup_target_valid("0a_b.c-d"));
	assert_true(
	    backup_target_valid("a23456789012345678901234567890123456789012345678901234567890123"));
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
		"shop-20261122T010203Z",    "shop-20261122T010203Z-2",
		"shop-20261122T010203Z-10", "shop-20261122T010203Z-999999",
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
	char *dir = tmpdir_new(), *real = xasprintf("%s/real", dir),
	     *link = xasprintf("%s/link", dir);
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

static void writer_refuses_symlink_at_final(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *victim = xasprintf("%s/victim", dir);
	char *final = xasprintf("%s/x.dump", dir), *data;

	(void)state;
	file_puts(victim, "keep");
	assert_int_equal(symlink(victim, final), 0);
	capture_begin();
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), BACKUP_ERR_UNSAFE);
	assert_int_equal(backup_file_open(&f, dir, "x.dump", BACKUP_FILE_REPLACE),
			 BACKUP_ERR_UNSAFE);
	free(capture_end());
	data = file_get(victim, NULL);
	assert_string_equal(data, "keep");
	free(data);
	/* No partial file left behind either. */
	assert_int_equal(dir_count(dir), 2);
	free(victim);
	free(final);
	tmpdir_free(dir);
}

static void writer_refuses_unsafe_dirs_and_names(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *real = xasprintf("%s/real", dir),
	     *link = xasprintf("%s/link", dir);
	char *missing = xasprintf("%s/missing", dir);

	(void)state;
	mkdir(real, 0700);
	assert_int_equal(symlink(real, link), 0);
	capture_begin();
	assert_int_equal(backup_file_open(&f, link, "x.dump", 0), BACKUP_ERR_UNSAFE);
	assert_int_equal(backup_file_open(&f, missing, "x.dump", 0), BACKUP_ERR_IO);
	assert_int_equal(backup_file_open(&f, real, "../x.dump", 0), BACKUP_ERR);
	assert_int_equal(backup_file_open(&f, real, "", 0), BACKUP_ERR);
	assert_int_equal(backup_file_open(&f, real, "..", 0), BACKUP_ERR);
	free(capture_end());
	backup_file_abort(&f);
	assert_int_equal(dir_count(real), 0);
	assert_int_equal(dir_count(dir), 2);
	free(real);
	free(link);
	free(missing);
	tmpdir_free(dir);
}

static void writer_never_replaces(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *final = xasprintf("%s/x.dump", dir), *data;

	(void)state;
	file_puts(final, "old");
	capture_begin();
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), BACKUP_ERR_EXISTS);
	free(capture_end());

	/* The final name appears while the partial file is written. */
	unlink(final);
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), 0);
	assert_int_equal(backup_file_write(&f, "new", 3), 0);
	file_puts(final, "old");
	capture_begin();
	assert_int_equal(backup_file_commit(&f), BACKUP_ERR_EXISTS);
	free(capture_end());
	backup_file_abort(&f);
	data = file_get(final, NULL);
	assert_string_equal(data, "old");
	free(data);
	assert_int_equal(dir_count(dir), 1);
	free(final);
	tmpdir_free(dir);
}

static void writer_replaces_when_asked(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *final = xasprintf("%s/x.manifest.json", dir), *data;
	mode_t old = umask(0);

	(void)state;
	file_puts(final, "one");
	chmod(final, 0644);
	assert_int_equal(backup_file_open(&f, dir, "x.manifest.json", BACKUP_FILE_REPLACE), 0);
	assert_int_equal(backup_file_write(&f, "two", 3), 0);
	assert_int_equal(backup_file_commit(&f), 0);
	data = file_get(final, NULL);
	assert_string_equal(data, "two");
	assert_int_equal(file_mode(final), 0600);
	assert_int_equal(dir_count(dir), 1);
	umask(old);
	free(data);
	free(final);
	tmpdir_free(dir);
}

static void writer_abort_leaves_nothing(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new();
	char big[200000];

	(void)state;
	memset(big, 'x', sizeof(big));
	backup_file_abort(&f); /* never opened */
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), 0);
	assert_int_equal(backup_file_write(&f, big, sizeof(big)), 0);
	assert_int_equal(dir_count(dir), 1);
	backup_file_abort(&f);
	backup_file_abort(&f);
	assert_int_equal(dir_count(dir), 0);
	tmpdir_free(dir);
}

/* A write that fails (the file size limit: EFBIG, after a short write). */
static void writer_failure_removes_partial(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *text;
	struct rlimit old, lim;
	char chunk[65536];
	int rc = 0;

	(void)state;
	memset(chunk, 'y', sizeof(chunk));
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 100000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), 0);
	capture_begin();
	for (int i = 0; i < 16 && rc == 0; i++)
		rc = backup_file_write(&f, chunk, sizeof(chunk));
	if (rc == 0)
		rc = backup_file_commit(&f);
	text = capture_end();
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, BACKUP_ERR_IO);
	assert_non_null(strstr(text, "cannot write '"));
	assert_non_null(strstr(text, "/x.dump': File too large"));
	backup_file_abort(&f);
	assert_int_equal(dir_count(dir), 0);
	free(text);
	tmpdir_free(dir);
}

/* A full file system, where one can be mounted (root, a small tmpfs). */
static void writer_disk_full(void **state)
{
	struct backup_file f = BACKUP_FILE_INIT;
	char *dir = tmpdir_new(), *text;
	char chunk[65536];
	int rc = 0;

	(void)state;
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700") < 0) {
		tmpdir_free(dir);
		skip();
	}
	memset(chunk, 'z', sizeof(chunk));
	assert_int_equal(backup_file_open(&f, dir, "x.dump", 0), 0);
	capture_begin();
	for (int i = 0; i < 8 && rc == 0; i++)
		rc = backup_file_write(&f, chunk, sizeof(chunk));
	if (rc == 0)
		rc = backup_file_commit(&f);
	text = capture_end();
	backup_file_abort(&f);
	assert_int_equal(rc, BACKUP_ERR_IO);
	assert_non_null(strstr(text, "/x.dump': No space left on device"));
	assert_non_null(strstr(text, "hint: free space"));
	assert_int_equal(dir_count(dir), 0);
	umount2(dir, MNT_DETACH);
	free(text);
	tmpdir_free(dir);
}

/* ---- manifests ---- */

static json_t *sample_manifest(const char *target, const char *id, enum backup_format f,
			       time_t created, time_t verified)
{
	json_t *tables = json_pack("{s:I, s:I}", "public.tickets", (json_int_t)12, "public.words",
				   (json_int_t)0);
	json_t *stats = json_pack("{s:s}", "open tickets", "3");
	struct backup_meta m = {
		.id = id,
		.target = target,
		.created_at = created,
		.reason = "manual",
		.label = NULL,
		.format = f,
		.size = 3,
		.sha256 = SHA_ABC,
		.db_name = "shop",
		.server_version = "15.20 (Debian 15.20-0+deb12u1)",
		.tables = tables,
		.stats = stats,
		.git_branch = "main",
		.git_commit = "0123456789abcdef0123456789abcdef01234567",
		.tool_version = "0.1.0",
		.duration_ms = 1234,
		.verified_at = verified,
	};
	json_t *o = backup_manifest_build(&m);

	json_decref(tables);
	json_decref(stats);
	assert_non_null(o);
	return o;
}

static void manifest_built_in_order(void **state)
{
	static const char *const keys[] = {
		"format_version", "id",	  "target",	  "created_at",	 "reason",	"label",
		"format",	  "file", "size",	  "sha256",	 "database",	"tables",
		"stats",	  "git",  "tool_version", "duration_ms", "verified_at",
	};
	json_t *m = sample_manifest("shop", "shop-20261122T010203Z", BACKUP_FORMAT_JSON, T0, 0);
	struct backup_meta bad = { .id = "shop-20261122T010203Z",
				   .target = "shop",
				   .reason = "manual",
				   .label = "caf\xe9",
				   .sha256 = SHA_ABC,
				   .db_name = "shop",
				   .server_version = "15" };
	void *it = json_object_iter(m);
	char *why = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++, it = json_object_iter_next(m, it)) {
		assert_non_null(it);
		assert_string_equal(json_object_iter_key(it), keys[i]);
	}
	assert_null(it);
	assert_int_equal(json_integer_value(json_object_get(m, "format_version")), 1);
	assert_string_equal(json_string_value(json_object_get(m, "created_at")),
			    "2026-11-22T01:02:03Z");
	assert_string_equal(json_string_value(json_object_get(m, "file")),
			    "shop-20261122T010203Z.json");
	assert_string_equal(json_string_value(json_object_get(m, "format")), "json");
	assert_true(json_is_null(json_object_get(m, "label")));
	assert_true(json_is_null(json_object_get(m, "verified_at")));
	assert_int_equal(backup_manifest_check(&why, m, "shop"), 0);
	assert_null(why);
	assert_int_equal(backup_manifest_set_verified(m, T0 + 60), 0);
	assert_string_equal(json_string_value(json_object_get(m, "verified_at")),
			    "2026-11-22T01:03:03Z");
	assert_int_equal(backup_manifest_check(&why, m, "shop"), 0);
	json_decref(m);

	/* A label that is not UTF-8 cannot go into JSON. */
	capture_begin();
	assert_null(backup_manifest_build(&bad));
	free(capture_end());
}

static void manifest_written_and_loaded(void **state)
{
	char *dir = tmpdir_new(), *path, *text, *why = NULL;
	json_t *m = sample_manifest("shop", "shop-20261122T010203Z-2", BACKUP_FORMAT_CUSTOM, T0, 0);
	json_t *back = NULL;
	mode_t old = umask(0);
	size_t len = 0;

	(void)state;
	path = xasprintf("%s/shop-20261122T010203Z-2.manifest.json", dir);
	assert_int_equal(backup_manifest_write(dir, m, 0), 0);
	assert_int_equal(file_mode(path), 0600);
	text = file_get(path, &len);
	assert_true(len > 2);
	assert_int_equal(text[len - 1], '\n');
	assert_int_equal(text[len - 2], '}');
	assert_non_null(strstr(text, "\n  \"id\": \"shop-20261122T010203Z-2\",\n"));
	free(text);
	assert_int_equal(backup_manifest_load(&back, path, "shop"), 0);
	assert_true(json_equal(m, back));
	json_decref(back);

	/* Written once: a second write is refused, an update replaces it. */
	capture_begin();
	assert_int_equal(backup_manifest_write(dir, m, 0), BACKUP_ERR_EXISTS);
	free(capture_end());
	assert_int_equal(backup_manifest_set_verified(m, T0 + 5), 0);
	assert_int_equal(backup_manifest_write(dir, m, BACKUP_FILE_REPLACE), 0);
	assert_int_equal(backup_manifest_load(&back, path, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(back, "verified_at")),
			    "2026-11-22T01:02:08Z");
	json_decref(back);
	assert_int_equal(dir_count(dir), 1);

	/* Another target's manifest is refused when loaded for this one. */
	capture_begin();
	assert_int_equal(backup_manifest_load(&back, path, "other"), BACKUP_ERR_INTEGRITY);
	text = capture_end();
	assert_non_null(strstr(text, "belongs to target 'shop', not 'other'"));
	free(text);
	assert_null(back);

	/* A manifest that fails the check is never written. */
	json_object_set_new(m, "sha256", json_string("nope"));
	capture_begin();
	assert_int_equal(backup_manifest_write(dir, m, BACKUP_FILE_REPLACE), BACKUP_ERR);
	free(capture_end());
	assert_int_equal(backup_manifest_check(&why, m, NULL), -1);
	free(why);
	umask(old);
	json_decref(m);
	free(path);
	tmpdir_free(dir);
}

static void manifest_load_refuses_damage(void **state)
{
	char *dir = tmpdir_new(), *p = xasprintf("%s/m.json", dir),
	     *l = xasprintf("%s/l.json", dir);
	char *d = xasprintf("%s/d", dir), *text;
	json_t *m = NULL,
	       *good = sample_manifest("shop", "shop-20261122T010203Z", BACKUP_FORMAT_PLAIN, T0, 0);
	char *good_text = json_dumps(good, 0);

	(void)state;
	capture_begin();
	file_puts(p, "{\"format_version\": 1,");
	assert_int_equal(backup_manifest_load(&m, p, "shop"), BACKUP_ERR_INTEGRITY);
	file_puts(p, "{\"format_version\": 1, \"format_version\": 1}");
	assert_int_equal(backup_manifest_load(&m, p, "shop"), BACKUP_ERR_INTEGRITY);
	file_puts(p, "");
	assert_int_equal(backup_manifest_load(&m, p, "shop"), BACKUP_ERR_INTEGRITY);
	file_puts(p, good_text);
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(backup_manifest_load(&m, l, "shop"), BACKUP_ERR_INTEGRITY);
	mkdir(d, 0700);
	assert_int_equal(backup_manifest_load(&m, d, "shop"), BACKUP_ERR_INTEGRITY);
	text = capture_end();
	assert_non_null(strstr(text, "line 1, column"));
	assert_non_null(strstr(text, "duplicate"));
	assert_non_null(strstr(text, "is a symbolic link"));
	assert_non_null(strstr(text, "is a directory"));
	assert_null(m);
	assert_int_equal(backup_manifest_load(&m, p, "shop"), 0);
	json_decref(m);
	free(text);
	free(good_text);
	json_decref(good);
	free(p);
	free(l);
	free(d);
	tmpdir_free(dir);
}

/* One change to a good manifest, and what the check must say about it. */
struct mutation {
	const char *key;   /* "database.name": inside an object */
	const char *value; /* JSON text; NULL: remove the key */
	const char *why;   /* a part of the message; NULL: still valid */
};

static void manifest_check_names_the_fault(void **state)
{
	static const struct mutation cases[] = {
		{ "format_version", NULL, "'format_version' is missing" },
		{ "format_version", "2", "'format_version' is not 1" },
		{ "format_version", "\"1\"", "'format_version' is not 1" },
		{ "id", NULL, "'id' is missing" },
		{ "id", "\"../x\"", "'id' is not a backup id of target 'shop'" },
		{ "id", "\"shop-20261122T010203Z/x\"", "'id' is not a backup id" },
		{ "id", "\"shop-20261122T010203Z\\n\"", "'id' is not a backup id" },
		{ "id", "\"shop-20261122T010203Z\\u0000x\"", "'id' holds a NUL byte" },
		{ "id", "\"other-20261122T010203Z\"", "'id' is not a backup id" },
		{ "id", "\"shop-20261122T010203Z-1\"", "'id' is not a backup id" },
		{ "id", "7", "'id' is not a string" },
		{ "target", "\"other\"", "belongs to target 'other', not 'shop'" },
		{ "target", "\"../x\"", "'target' is not a valid target name" },
		{ "target", NULL, "'target' is missing" },
		{ "created_at", "\"2026-11-22 01:02:03\"", "'created_at' is not a UTC time" },
		{ "created_at", "1795309323", "'created_at' is not a string" },
		{ "reason", "\"auto\"",
		  "'reason' is not manual, pre-reset, pre-restore or pre-rollback" },
		{ "reason", "\"pre-reset\"", NULL },
		{ "reason", "\"pre-restore\"", NULL },
		{ "label", NULL, "'label' is missing" },
		{ "label", "5", "'label' is not a string or null" },
		{ "label", "\"before the migration\"", NULL },
		{ "format", "\"tar\"", "'format' is not custom, plain or json" },
		{ "format", "\"custom\"", "'file' is not 'shop-20261122T010203Z.dump'" },
		{ "file", "\"shop-20261122T010203Z.dump\"",
		  "'file' is not 'shop-20261122T010203Z.sql'" },
		{ "file", "\"shop-20261122T010204Z.sql\"", "'file' is not" },
		{ "file", "\"../shop-20261122T010203Z.sql\"", "'file' is not" },
		{ "size", "-1", "'size' is not a non-negative integer" },
		{ "size", "\"3\"", "'size' is not a non-negative integer" },
		{ "size", "3.0", "'size' is not a non-negative integer" },
		{ "size", "0", NULL },
		{ "sha256", "\"ba7816bf\"", "'sha256' is not 64 lowercase hexadecimal digits" },
		{ "sha256", "\"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\"",
		  "'sha256' is not 64" },
		{ "sha256",
		  "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adaa\"",
		  "'sha256' is not 64" },
		{ "sha256", "\"zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"",
		  "'sha256' is not 64" },
		{ "database", "\"shop\"", "'database' is not an object" },
		{ "database.name", NULL, "'database.name' is missing" },
		{ "database.server_version", "15", "'database.server_version' is not a string" },
		{ "tables", "[]", "'tables' is not an object" },
		{ "tables", "{\"public.t\": \"12\"}",
		  "'tables' holds 'public.t' without a row count" },
		{ "tables", "{\"public.t\": -1}", "'tables' holds 'public.t'" },
		{ "tables", "{}", NULL },
		{ "stats", NULL, "'stats' is missing" },
		{ "stats", "[1]", "'stats' is not an object" },
		{ "git", NULL, "'git' is missing" },
		{ "git", "\"main\"", "'git' is not an object or null" },
		{ "git", "null", NULL },
		{ "git.branch", "5", "'git.branch' is not a string or null" },
		{ "git.branch", "null", NULL },
		{ "git.commit", NULL, "'git.commit' is missing" },
		{ "tool_version", "null", "'tool_version' is not a string" },
		{ "duration_ms", "1.5", "'duration_ms' is not a non-negative integer" },
		{ "duration_ms", NULL, "'duration_ms' is missing" },
		{ "verified_at", "\"yesterday\"", "'verified_at' is not null or a UTC time" },
		{ "verified_at", NULL, "'verified_at' is missing" },
		{ "verified_at", "\"2026-11-22T01:02:04Z\"", NULL },
		{ "extra", "{\"future\": true}", NULL },
	};
	char *why = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		json_t *m =
		    sample_manifest("shop", "shop-20261122T010203Z", BACKUP_FORMAT_PLAIN, T0, 0);
		json_t *obj = m;
		const char *key = cases[i].key, *dot = strchr(key, '.');
		char *parent = NULL;
		int rc;

		if (dot) {
			parent = xstrndup(key, (size_t)(dot - key));
			obj = json_object_get(m, parent);
			key = dot + 1;
		}
		if (cases[i].value) {
			json_error_t err;
			json_t *v =
			    json_loads(cases[i].value, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
			assert_non_null(v);
			json_object_set_new(obj, key, v);
		} else {
			json_object_del(obj, key);
		}
		rc = backup_manifest_check(&why, m, "shop");
		if (!cases[i].why && rc != 0)
			fail_msg("case %zu (%s): refused: %s", i, cases[i].key, why);
		if (cases[i].why && (rc != -1 || !why || !strstr(why, cases[i].why)))
			fail_msg("case %zu (%s): got '%s', want '%s'", i, cases[i].key,
				 why ? why : "(accepted)", cases[i].why);
		free(why);
		why = NULL;
		free(parent);
		json_decref(m);
	}
	json_t *arr = json_array();
	assert_int_equal(backup_manifest_check(&why, arr, NULL), -1);
	assert_string_equal(why, "it is not a JSON object");
	free(why);
	json_decref(arr);
}

/* ---- listing ---- */

static void put_manifest(const char *dir, json_t *m)
{
	assert_int_equal(backup_manifest_write(dir, m, 0), 0);
	json_decref(m);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);

	file_puts(p, text);
	free(p);
}

static void listing_sorts_and_separates(void **state)
{
	struct backup_list l = BACKUP_LIST_INIT;
	char *dir = tmpdir_new(), *missing = xasprintf("%s/none", dir), *link;
	json_t *m;

	(void)state;
	put_manifest(dir,
		     sample_manifest("shop", "shop-20261122T010203Z", BACKUP_FORMAT_CUSTOM, T0, 0));
	put_file(dir, "shop-20261122T010203Z.dump", "abc");
	put_manifest(dir, sample_manifest("shop", "shop-20261122T010203Z-2", BACKUP_FORMAT_PLAIN,
					  T0, T0 + 9));
	put_file(dir, "shop-20261122T010203Z-2.sql", "abc");
	/* Its data file is gone. */
	put_manifest(dir, sample_manifest("shop", "shop-20261121T010203Z", BACKUP_FORMAT_JSON,
					  T0 - 86400, 0));
	/* Data without a manifest, a damaged manifest, a stray file, a partial. */
	put_file(dir, "shop-20261120T000000Z.dump", "abc");
	put_file(dir, "shop-20261119T000000Z.manifest.json", "{garbage");
	put_file(dir, "shop-20261119T000000Z.dump", "abc");
	put_file(dir, "shop-20261122T010203Z.sql", "abc");
	put_file(dir, "shop-20261123T000000Z.dump.partial", "ab");
	/* A manifest under another backup's name. */
	m = sample_manifest("shop", "shop-20261117T000000Z", BACKUP_FORMAT_CUSTOM, T0 - 5 * 86400,
			    0);
	put_manifest(dir, m);
	link = xasprintf("%s/shop-20261117T000000Z.manifest.json", dir);
	char *renamed = xasprintf("%s/shop-20261118T000000Z.manifest.json", dir);
	rename(link, renamed);
	free(renamed);
	free(link);
	/* Another target's backups, and other files: not ours. */
	put_manifest(dir, sample_manifest("shop-2", "shop-2-20261122T010203Z", BACKUP_FORMAT_CUSTOM,
					  T0 + 100, 0));
	put_file(dir, "shop-2-20261122T010203Z.dump", "abc");
	put_file(dir, "notes.txt", "hello");
	put_file(dir, ".lock", "{}");

	assert_int_equal(backup_list_load(&l, dir, "shop"), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].id, "shop-20261122T010203Z-2");
	assert_int_equal(l.v[0].seq, 2);
	assert_int_equal(l.v[0].verified_at, T0 + 9);
	assert_int_equal(l.v[0].format, BACKUP_FORMAT_PLAIN);
	assert_false(l.v[0].missing);
	assert_string_equal(l.v[1].id, "shop-20261122T010203Z");
	assert_int_equal(l.v[1].seq, 1);
	assert_int_equal(l.v[1].verified_at, 0);
	assert_string_equal(l.v[1].file, "shop-20261122T010203Z.dump");
	assert_string_equal(l.v[1].reason, "manual");
	assert_int_equal(l.v[1].size, 3);
	assert_string_equal(l.v[2].id, "shop-20261121T010203Z");
	assert_int_equal(l.v[2].created_at, T0 - 86400);
	assert_true(l.v[2].missing);

	assert_int_equal(l.orphans.n, 4);
	assert_true(strlist_has(&l.orphans, "shop-20261120T000000Z.dump"));
	assert_true(strlist_has(&l.orphans, "shop-20261119T000000Z.dump"));
	assert_true(strlist_has(&l.orphans, "shop-20261122T010203Z.sql"));
	assert_true(strlist_has(&l.orphans, "shop-20261123T000000Z.dump.partial"));
	assert_int_equal(l.damaged.n, 2);
	for (size_t i = 0; i < l.damaged.n; i++) {
		const char *d = l.damaged.v[i];
		assert_true(!strncmp(d, "shop-20261119T000000Z.manifest.json: line 1", 43) ||
			    !strcmp(d, "shop-20261118T000000Z.manifest.json: its name does not "
				       "match its id 'shop-20261117T000000Z'"));
	}

	/* Loading again replaces the list; a missing directory is empty. */
	assert_int_equal(backup_list_load(&l, dir, "shop-2"), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.orphans.n, 0);
	assert_int_equal(backup_list_load(&l, missing, "shop"), 0);
	assert_int_equal(l.n, 0);
	backup_list_release(&l);
	free(missing);
	tmpdir_free(dir);
}

/* ---- latest: what `restore TARGET latest` takes ---- */

static void latest_skips_restore_backups_and_stops_at_damage(void **state)
{
	struct backup_entry v[3] = {
		{ .id = "shop-20261122T010205Z", .reason = "pre-restore", .created_at = T0 + 2 },
		{ .id = "shop-20261122T010204Z", .reason = "pre-rollback", .created_at = T0 + 1 },
		{ .id = "shop-20261122T010203Z-2",
		  .reason = "pre-reset",
		  .created_at = T0,
		  .seq = 2 },
	};
	struct backup_list l = { v, 3, STRLIST_INIT, STRLIST_INIT };
	const char *damaged = "x";

	(void)state;
	assert_ptr_equal(backup_list_latest(&l, "shop", &damaged), &v[2]);
	assert_null(damaged);
	/* an older damaged manifest does not matter */
	strlist_push(&l.damaged, "shop-20261122T010203Z.manifest.json: line 1: garbage");
	assert_ptr_equal(backup_list_latest(&l, "shop", &damaged), &v[2]);
	assert_null(damaged);
	/* one as new as the latest (same second, later sequence), or newer:
	 * no telling which is the latest, and never an older one silently */
	strlist_push(&l.damaged, "shop-20261122T010203Z-3.manifest.json: truncated");
	assert_null(backup_list_latest(&l, "shop", &damaged));
	assert_string_equal(damaged, "shop-20261122T010203Z-3.manifest.json: truncated");
	strlist_clear(&l.damaged);
	/* only restore and rollback backups: none */
	l.n = 2;
	assert_null(backup_list_latest(&l, "shop", &damaged));
	assert_null(damaged);
	/* none at all, but a damaged one: it may have been the latest */
	l.n = 0;
	strlist_push(&l.damaged, "shop-20261101T000000Z.manifest.json: line 1: garbage");
	assert_null(backup_list_latest(&l, "shop", &damaged));
	assert_non_null(damaged);
	strlist_clear(&l.damaged);
}

/* ---- retention ---- */

struct retention_case {
	unsigned long keep;
	long long older_than;
	const char *verified; /* 'v' where verified_at is set */
	unsigned want[6];
};

static void retention_rules(void **state)
{
	enum { N = BACKUP_KEEP_NEWEST, R = BACKUP_KEEP_RECENT, V = BACKUP_KEEP_VERIFIED };
	static const struct retention_case cases[] = {
		/* keep alone */
		{ 2, -1, "......", { N, N, 0, 0, 0, 0 } },
		{ 0, -1, "......", { 0, 0, 0, 0, 0, 0 } },
		{ 9, -1, "......", { N, N, N, N, N, N } },
		/* the newest verified is kept whatever the other rules say */
		{ 2, -1, "...v.v", { N, N, 0, V, 0, 0 } },
		{ 0, -1, "v.....", { V, 0, 0, 0, 0, 0 } },
		{ 1, -1, ".....v", { N, 0, 0, 0, 0, V } },
		{ 1, -1, "vv....", { N | V, 0, 0, 0, 0, 0 } },
		/* older_than: one a day, days 0..5 old; exactly 2 days is not older */
		{ 1, 2 * 86400, "......", { N | R, R, R, 0, 0, 0 } },
		{ 1, 2 * 86400 - 1, "......", { N | R, R, 0, 0, 0, 0 } },
		{ 3, 0, "......", { N | R, N, N, 0, 0, 0 } },
		{ 0, 86400, "....v.", { R, R, 0, 0, V, 0 } },
		{ 4, 30 * 86400, "......", { N | R, N | R, N | R, N | R, R, R } },
	};
	struct backup_entry v[6];
	unsigned why[6];

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		memset(v, 0, sizeof(v));
		for (int i = 0; i < 6; i++) {
			v[i].created_at = T0 - i * 86400;
			v[i].verified_at = cases[c].verified[i] == 'v' ? v[i].created_at + 60 : 0;
		}
		backup_retention(why, v, 6, cases[c].keep, cases[c].older_than, T0);
		for (int i = 0; i < 6; i++)
			if (why[i] != cases[c].want[i])
				fail_msg("case %zu, backup %d: why %u, want %u", c, i, why[i],
					 cases[c].want[i]);
	}
	/* A backup from the future is recent; an empty list is fine. */
	memset(v, 0, sizeof(v));
	v[0].created_at = T0 + 100;
	backup_retention(why, v, 1, 0, 3600, T0);
	assert_int_equal(why[0], BACKUP_KEEP_RECENT);
	backup_retention(why, v, 0, 5, 3600, T0);
}

static void durations_parsed(void **state)
{
	static const struct {
		const char *s;
		long long want;
	} cases[] = {
		{ "30d", 30 * 86400LL },
		{ "12h", 12 * 3600LL },
		{ "15m", 900 },
		{ "45s", 45 },
		{ "2w", 14 * 86400LL },
		{ "0d", 0 },
		{ "007s", 7 },
		{ "", -1 },
		{ "d", -1 },
		{ "30", -1 },
		{ "30D", -1 },
		{ "30 d", -1 },
		{ " 30d", -1 },
		{ "30d ", -1 },
		{ "-30d", -1 },
		{ "+30d", -1 },
		{ "30dd", -1 },
		{ "1h30m", -1 },
		{ "1.5h", -1 },
		{ "30y", -1 },
		{ "9223372036854775807s", 9223372036854775807LL },
		{ "9223372036854775808s", -1 },
		{ "999999999999999999w", -1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (backup_parse_duration(cases[i].s) != cases[i].want)
			fail_msg("'%s': %lld, want %lld", cases[i].s,
				 backup_parse_duration(cases[i].s), cases[i].want);
	assert_int_equal(backup_parse_duration(NULL), -1);
}

/* ---- the lock ---- */

static char *host_name(void)
{
	char buf[256];

	gethostname(buf, sizeof(buf));
	buf[sizeof(buf) - 1] = '\0';
	return xstrdup(buf);
}

/* A child process running argv[0] (exec'd, so that it holds none of the
 * test's memory); the caller waits for it. */
static pid_t spawn(const char *prog, const char *arg)
{
	pid_t child = fork();

	if (child == 0) {
		execl(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	assert_true(child > 0);
	return child;
}

/* The pid of a process that has come and gone. */
static pid_t dead_pid(void)
{
	pid_t child = spawn("/bin/true", NULL);

	waitpid(child, NULL, 0);
	return child;
}

static void write_lock(const char *dir, long pid, const char *host, const char *command)
{
	char *p = xasprintf("%s/.lock", dir);
	char *text = xasprintf("{\"pid\":%ld,\"host\":\"%s\",\"user\":\"u\",\"command\":\"%s\","
			       "\"target\":\"shop\",\"started_at\":\"2026-11-22T01:02:03Z\"}\n",
			       pid, host, command);

	file_puts(p, text);
	free(text);
	free(p);
}

static void lock_taken_and_released(void **state)
{
	struct backup_lock l = BACKUP_LOCK_INIT, again = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *sub = xasprintf("%s/backups/shop", dir), *path, *text;
	mode_t old = umask(0);
	json_error_t err;
	json_t *o;

	(void)state;
	backup_lock_release(&l); /* never taken: nothing to do */
	assert_int_equal(backup_lock_acquire(&l, sub, "shop", "backup"), 0);
	path = xasprintf("%s/.lock", sub);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(file_mode(sub), 0700);
	text = file_get(path, NULL);
	o = json_loads(text, 0, &err);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), getpid());
	assert_string_equal(json_string_value(json_object_get(o, "command")), "backup");
	assert_string_equal(json_string_value(json_object_get(o, "target")), "shop");
	assert_true(json_is_string(json_object_get(o, "host")));
	assert_true(json_is_string(json_object_get(o, "user")));
	assert_true(json_is_string(json_object_get(o, "started_at")));
	json_decref(o);
	free(text);
	/* The same process never takes it twice. */
	capture_begin();
	assert_int_equal(backup_lock_acquire(&again, sub, "shop", "reset"), BACKUP_ERR);
	free(capture_end());
	backup_lock_release(&again);
	assert_true(path_exists(path));
	backup_lock_release(&l);
	assert_false(path_exists(path));
	/* Taken again once released. */
	assert_int_equal(backup_lock_acquire(&l, sub, "shop", "backup"), 0);
	backup_lock_release(&l);
	umask(old);
	free(path);
	free(sub);
	tmpdir_free(dir);
}

static void lock_held_by_a_live_process(void **state)
{
	struct backup_lock l = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *host = host_name(), *text, *want;
	pid_t child = spawn("/bin/sleep", "60");

	(void)state;
	write_lock(dir, child, host, "backup");
	capture_begin();
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "reset"), BACKUP_ERR_LOCKED);
	text = capture_end();
	want = xasprintf("backups of 'shop' are locked by pid %ld on host %s (dockreset backup, "
			 "started 2026-11-22T01:02:03Z)",
			 (long)child, host);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "hint: wait for it to finish"));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* Its lock is untouched. */
	free(text);
	text = xasprintf("%s/.lock", dir);
	assert_true(path_exists(text));
	backup_lock_release(&l);
	free(want);
	free(text);
	free(host);
	tmpdir_free(dir);
}

static void lock_stale_is_removed(void **state)
{
	struct backup_lock l = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *host = host_name(), *text, *want, *path;
	pid_t child = dead_pid();
	json_t *o;

	(void)state;
	write_lock(dir, child, host, "reset");
	capture_begin();
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "backup"), 0);
	text = capture_end();
	want = xasprintf("warning: removed stale lock of pid %ld (dockreset reset, started "
			 "2026-11-22T01:02:03Z)",
			 (long)child);
	assert_non_null(strstr(text, want));
	free(text);
	path = xasprintf("%s/.lock", dir);
	text = file_get(path, NULL);
	o = json_loads(text, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), getpid());
	json_decref(o);
	backup_lock_release(&l);
	assert_false(path_exists(path));

	/* Our own pid in a lock this process never took: an earlier process's. */
	write_lock(dir, getpid(), host, "restore");
	capture_begin();
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "backup"), 0);
	free(capture_end());
	backup_lock_release(&l);
	free(path);
	free(text);
	free(want);
	free(host);
	tmpdir_free(dir);
}

static void lock_fails_closed(void **state)
{
	struct backup_lock l = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *path = xasprintf("%s/.lock", dir), *text, *data;
	char *other = xasprintf("%s/other", dir);
	pid_t child = dead_pid();

	(void)state;

	/* Content no dockreset writes (an empty lock is a run's that could not
	 * write its details: see lock_empty_*). */
	static const char *const garbage[] = { "garbage", "{\"pid\": \"12\"}",
					       "{\"pid\": 0, \"host\": \"h\"}",
					       "{\"host\": \"h\"}" };
	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++) {
		file_puts(path, garbage[i]);
		capture_begin();
		assert_int_equal(backup_lock_acquire(&l, dir, "shop", "backup"), BACKUP_ERR_LOCKED);
		text = capture_end();
		assert_non_null(strstr(text, "backups of 'shop' are locked: the lock file"));
		assert_non_null(strstr(text, "cannot be read"));
		assert_non_null(strstr(text, "hint: if no dockreset is running on 'shop', remove"));
		free(text);
		data = file_get(path, NULL);
		assert_string_equal(data, garbage[i]);
		free(data);
	}
	/* A dead pid on another host: nothing says it is dead there. */
	write_lock(dir, child, "some-other-host.example", "backup");
	capture_begin();
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "backup"), BACKUP_ERR_LOCKED);
	text = capture_end();
	assert_non_null(strstr(text, "on host some-other-host.example"));
	assert_non_null(strstr(text, "hint: it runs on another host"));
	free(text);
	/* A symlink planted as the lock. */
	unlink(path);
	file_puts(other, "{}");
	assert_int_equal(symlink(other, path), 0);
	capture_begin();
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "backup"), BACKUP_ERR_UNSAFE);
	text = capture_end();
	assert_non_null(strstr(text, "is a symbolic link: refusing to use it"));
	free(text);
	data = file_get(other, NULL);
	assert_string_equal(data, "{}");
	free(data);
	backup_lock_release(&l);
	free(path);
	free(other);
	tmpdir_free(dir);
}

static long long file_size(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (long long)st.st_size;
}

/* An empty lock file at path, created, with a flock held on the fd
 * returned. */
static int hold_empty_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	return fd;
}

/* An empty lock that another run holds (flock): exit 9, the file kept. A
 * lock of unreadable content held so is the same. */
static void lock_empty_held_by_another_run(void **state)
{
	static const char *const contents[] = { "", "{\"pid\":12" };
	struct backup_lock l = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *path = xasprintf("%s/.lock", dir), *text, *data;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(contents); i++) {
		int fd = hold_empty_lock(path);

		assert_int_equal(write(fd, contents[i], strlen(contents[i])),
				 (ssize_t)strlen(contents[i]));
		capture_begin();
		assert_int_equal(backup_lock_acquire(&l, dir, "shop", "prune"), BACKUP_ERR_LOCKED);
		text = capture_end();
		if (!strstr(text, "backups of 'shop' are locked by another run whose details could "
				  "not be recorded"))
			fail_msg("content '%s': %s", contents[i], text);
		assert_non_null(strstr(text, "hint: wait for it to finish"));
		free(text);
		data = file_get(path, NULL);
		assert_string_equal(data, contents[i]);
		free(data);
		close(fd);
		unlink(path);
	}
	backup_lock_release(&l);
	free(path);
	tmpdir_free(dir);
}

/* An empty lock nobody holds: a run that died before writing its details.
 * Removed with a warning, then taken. */
static void lock_empty_stale_is_removed(void **state)
{
	struct backup_lock l = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *path = xasprintf("%s/.lock", dir), *text;
	json_t *o;

	(void)state;
	close(hold_empty_lock(path)); /* closed: its flock is gone */
	capture_begin();
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "prune"), 0);
	text = capture_end();
	if (!strstr(text, "warning: removed stale lock") || !strstr(text, "it is empty"))
		fail_msg("%s", text);
	free(text);
	text = file_get(path, NULL);
	o = json_loads(text, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), getpid());
	json_decref(o);
	free(text);
	backup_lock_release(&l);
	assert_false(path_exists(path));
	free(path);
	tmpdir_free(dir);
}

/* On a full file system the lock is still taken: an empty file (an inode,
 * no data) held with flock, with a warning; another run is kept out (exit
 * 9); release removes it. */
static void lock_taken_on_a_full_disk(void **state)
{
	struct backup_lock l = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *path = xasprintf("%s/.lock", dir);
	char *filler = xasprintf("%s/filler", dir), *text, *other_dir, chunk[4096];
	struct backup_lock other = BACKUP_LOCK_INIT;
	int fd;

	(void)state;
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700") < 0) {
		free(path);
		free(filler);
		tmpdir_free(dir);
		skip();
	}
	memset(chunk, 'f', sizeof(chunk));
	fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	while (write(fd, chunk, sizeof(chunk)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);

	capture_begin();
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "prune"), 0);
	text = capture_end();
	if (!strstr(text, "warning: cannot write the details of lock file '") ||
	    !strstr(text, "No space left on device"))
		fail_msg("%s", text);
	free(text);
	assert_true(path_exists(path));
	assert_int_equal(file_size(path), 0);

	/* Another run is kept out: asked through another spelling of the
	 * directory, so that only the file and its flock can answer (this
	 * process's list of held locks knows the first spelling). */
	other_dir = xasprintf("%s/.", dir);
	capture_begin();
	assert_int_equal(backup_lock_acquire(&other, other_dir, "shop", "backup"),
			 BACKUP_ERR_LOCKED);
	text = capture_end();
	if (!strstr(text, "locked by another run whose details could not be recorded"))
		fail_msg("%s", text);
	free(text);
	backup_lock_release(&other);
	assert_true(path_exists(path));

	backup_lock_release(&l);
	assert_false(path_exists(path));
	umount2(dir, MNT_DETACH);
	free(other_dir);
	free(path);
	free(filler);
	tmpdir_free(dir);
}

static void lock_release_keeps_a_lock_not_ours(void **state)
{
	struct backup_lock l = BACKUP_LOCK_INIT;
	char *dir = tmpdir_new(), *host = host_name(), *path = xasprintf("%s/.lock", dir);

	(void)state;
	assert_int_equal(backup_lock_acquire(&l, dir, "shop", "backup"), 0);
	/* Taken over meanwhile (removed by hand, taken by another run). */
	write_lock(dir, 1, host, "reset");
	backup_lock_release(&l);
	assert_true(path_exists(path));
	free(path);
	free(host);
	tmpdir_free(dir);
}

static void advisory_keys(void **state)
{
	(void)state;
	/* int.from_bytes(sha256(b"dockreset:" + t).digest()[:8], "big", signed=True) */
	assert_true(backup_advisory_key("discord-bot") == -2160821238367540818LL);
	assert_true(backup_advisory_key("shop") == -8264993977140018308LL);
	assert_true(backup_advisory_key("shop") != backup_advisory_key("shop-2"));
}

static void partials_cleaned(void **state)
{
	char *dir = tmpdir_new(), *victim = xasprintf("%s/victim", dir), *text, *data;
	char *link = xasprintf("%s/c.sql.partial", dir), *missing = xasprintf("%s/none", dir);

	(void)state;
	put_file(dir, "a.dump.partial", "x");
	put_file(dir, "b.manifest.json.partial", "x");
	put_file(dir, "keep.dump", "x");
	put_file(dir, ".partial", "x");
	put_file(dir, "partial", "x");
	file_puts(victim, "keep");
	assert_int_equal(symlink(victim, link), 0);
	capture_begin();
	assert_int_equal(backup_clean_partials(dir), 3);
	text = capture_end();
	assert_non_null(strstr(text, "removed partial file '"));
	assert_non_null(strstr(text, "/a.dump.partial' left by an interrupted run"));
	assert_int_equal(dir_count(dir), 4);
	data = file_get(victim, NULL);
	assert_string_equal(data, "keep");
	assert_int_equal(backup_clean_partials(dir), 0);
	assert_int_equal(backup_clean_partials(missing), 0);
	free(data);
	free(text);
	free(victim);
	free(link);
	free(missing);
	tmpdir_free(dir);
}

/* ---- the git warning ---- */

static void git_warning(void **state)
{
	char *dir = tmpdir_new(), *backups = xasprintf("%s/backups/shop", dir);
	char *ignore = xasprintf("%s/.gitignore", dir), *outside = xasprintf("%s/plain", dir);
	char *gitdir = xasprintf("%s/.git", dir);
	git_repository *repo = NULL;

	(void)state;
	/* Not in a work tree: nothing to say. */
	assert_int_equal(backup_dir_ensure(outside), 0);
	assert_int_equal(backup_dir_git_exposed(outside), 0);

	git_libgit2_init();
	assert_int_equal(git_repository_init(&repo, dir, 0), 0);
	git_repository_free(repo);
	git_libgit2_shutdown();
	assert_int_equal(backup_dir_ensure(backups), 0);
	assert_int_equal(backup_dir_git_exposed(backups), 1);
	assert_int_equal(backup_dir_git_exposed(dir), 1);
	/* The project's own rule. */
	file_puts(ignore, "backups/*\n!backups/.gitkeep\n");
	assert_int_equal(backup_dir_git_exposed(backups), 0);
	/* Dumps ignored, manifests not: still exposed. */
	file_puts(ignore, "*.dump\n*.sql\n");
	assert_int_equal(backup_dir_git_exposed(backups), 1);
	file_puts(ignore, "/backups/\n");
	assert_int_equal(backup_dir_git_exposed(backups), 0);
	/* Inside .git itself nothing is committed. */
	assert_int_equal(backup_dir_git_exposed(gitdir), 0);
	capture_begin();
	assert_int_equal(backup_dir_git_exposed("/nonexistent-dockreset-dir"), -1);
	free(capture_end());
	free(backups);
	free(ignore);
	free(outside);
	free(gitdir);
	tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times_format_and_parse),
		cmocka_unit_test(times_and_ids_round_trip),
		cmocka_unit_test(targets_validated),
		cmocka_unit_test(ids_formatted),
		cmocka_unit_test(ids_validated),
		cmocka_unit_test(id_prefixes),
		cmocka_unit_test(ids_pick_the_first_free),
		cmocka_unit_test(formats_and_names),
		cmocka_unit_test(latest_skips_restore_backups_and_stops_at_damage),
		cmocka_unit_test(dirs_created_private),
		cmocka_unit_test(dirs_refused_when_unsafe),
		cmocka_unit_test(writer_hashes_and_renames),
		cmocka_unit_test(writer_streams_large_data),
		cmocka_unit_test(writer_refuses_symlink_at_partial),
		cmocka_unit_test(writer_refuses_symlink_at_final),
		cmocka_unit_test(writer_refuses_unsafe_dirs_and_names),
		cmocka_unit_test(writer_never_replaces),
		cmocka_unit_test(writer_replaces_when_asked),
		cmocka_unit_test(writer_abort_leaves_nothing),
		cmocka_unit_test(writer_failure_removes_partial),
		cmocka_unit_test(writer_disk_full),
		cmocka_unit_test(manifest_built_in_order),
		cmocka_unit_test(manifest_written_and_loaded),
		cmocka_unit_test(manifest_load_refuses_damage),
		cmocka_unit_test(manifest_check_names_the_fault),
		cmocka_unit_test(listing_sorts_and_separates),
		cmocka_unit_test(retention_rules),
		cmocka_unit_test(durations_parsed),
		cmocka_unit_test(lock_taken_and_released),
		cmocka_unit_test(lock_held_by_a_live_process),
		cmocka_unit_test(lock_stale_is_removed),
		cmocka_unit_test(lock_fails_closed),
		cmocka_unit_test(lock_release_keeps_a_lock_not_ours),
		cmocka_unit_test(lock_empty_held_by_another_run),
		cmocka_unit_test(lock_empty_stale_is_removed),
		cmocka_unit_test(lock_taken_on_a_full_disk),
		cmocka_unit_test(advisory_keys),
		cmocka_unit_test(partials_cleaned),
		cmocka_unit_test(git_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
