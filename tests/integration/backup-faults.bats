#!/usr/bin/env bats
# End to end: backups that fail (pg_dump refused a table, a full disk, the
# database container killed, SIGINT/SIGTERM, a second run, a run killed with
# SIGKILL) exit with their code and leave no .partial file, no lock and no
# pg_dump session behind.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up faults
	# the db of fixtures/restricted-db.yml: role `app` may not read `secrets`
	bk_restricted_db
	# about 260 MB as a plain dump: a few seconds to stream
	bk_fill_big 400000
	bk_psql discord 'GRANT SELECT ON big TO app' >/dev/null
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_test_env
	BG_PID=
}

teardown() {
	if [ -n "$BG_PID" ]; then
		kill -TERM "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	if mountpoint -q "$OUT/tiny" 2>/dev/null; then
		umount "$OUT/tiny"
	fi
	# a test that stopped the database leaves it running for the next
	if [ "$(stack_health db)" != healthy ]; then
		docker start "$(bk_db)" >/dev/null 2>&1 || true
		bk_wait_db_healthy
	fi
}

# Starts a backup of format $1 in the background (BG_PID), output in $OUT.
backup_bg() {
	"$BK_DR" -c "$BK_CONFIG" backup discord-bot --format "$1" >"$OUT/out" 2>"$OUT/err" &
	BG_PID=$!
}

# Waits for the background backup; its exit code in BG_RC.
wait_bg() {
	BG_RC=0
	wait "$BG_PID" || BG_RC=$?
	BG_PID=
	echo "# exit $BG_RC: $(tr '\n' ' ' <"$OUT/err")"
}

@test "pg_dump refused a table: exit 6 naming its error, nothing left" {
	local fmt
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG" '{"user": "app", "password_env": "APP_DB_PASSWORD"}'
	for fmt in custom plain; do
		run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format "$fmt"
		assert_failure 6
		assert_regex "$stderr" "dockreset: error: pg_dump failed in '.*' \\(exit 1\\): pg_dump: error: query failed: ERROR:  permission denied for table secrets"
		bk_assert_nothing_left "$OUT/backups/discord-bot"
	done
	run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format json
	assert_failure 6
	output=$stderr assert_output --partial "dockreset: error: cannot read table 'public.secrets': ERROR:  permission denied for table secrets"
	bk_assert_nothing_left "$OUT/backups/discord-bot"
	# not a single backup file: only the (empty) directory
	run ls -A "$OUT/backups/discord-bot"
	assert_success
	refute_output
}

@test "a full disk: exit 8, 'No space left on device', nothing left" {
	local fmt
	mkdir "$OUT/tiny"
	mount -t tmpfs -o size=64k tmpfs "$OUT/tiny"
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/tiny" "$CFG"
	for fmt in custom plain json; do
		SECONDS=0
		run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format "$fmt"
		assert_failure 8
		assert_regex "$stderr" "dockreset: error: cannot write '$OUT/tiny/discord-bot/discord-bot-.*': No space left on device"
		output=$stderr assert_output --partial "hint: free space on the file system of '$OUT/tiny/discord-bot'"
		# json stops reading the table rather than reading it to its end
		assert [ "$SECONDS" -lt 20 ]
		bk_assert_nothing_left "$OUT/tiny/discord-bot"
		run ls -A "$OUT/tiny/discord-bot"
		assert_success
		refute_output
	done
}

@test "SIGINT during the dump: exit 130, no partial, no lock, no pg_dump session" {
	local partial
	backup_bg plain
	partial=$(bk_wait_partial "$BK_DIR" 5000000)
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 130
	run grep -q 'dockreset: error: interrupted by SIGINT: no backup was written' "$OUT/err"
	assert_success
	assert_not_exists "$partial"
	bk_assert_nothing_left "$BK_DIR"
	run ls "$BK_DIR"
	assert_success
	refute_output
}

@test "SIGTERM during the dump: exit 143, no partial, no lock, no pg_dump session" {
	local partial
	backup_bg plain
	partial=$(bk_wait_partial "$BK_DIR" 5000000)
	kill -TERM "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 143
	run grep -q 'dockreset: error: interrupted by SIGTERM: no backup was written' "$OUT/err"
	assert_success
	assert_not_exists "$partial"
	bk_assert_nothing_left "$BK_DIR"
	run ls "$BK_DIR"
	assert_success
	refute_output
}

@test "SIGINT during a json backup: exit 130 at once, nothing left" {
	local partial
	backup_bg json
	partial=$(bk_wait_partial "$BK_DIR" 5000000)
	SECONDS=0
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 130
	assert [ "$SECONDS" -lt 5 ]
	assert_not_exists "$partial"
	bk_assert_nothing_left "$BK_DIR"
	run ls "$BK_DIR"
	assert_success
	refute_output
}

@test "two backups at once: the second exits 9 naming the first, which succeeds" {
	local first
	backup_bg plain
	first=$BG_PID
	bk_wait_partial "$BK_DIR" 1 >/dev/null
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" backup discord-bot --format custom
	assert_failure 9
	output=$stderr assert_output --partial "dockreset: error: backups of 'discord-bot' are locked by pid $first on host $(hostname) (dockreset backup, started "
	output=$stderr assert_output --partial "hint: wait for it to finish"
	wait_bg
	assert_equal "$BG_RC" 0
	bk_assert_nothing_left "$BK_DIR"
	# one backup: the first's data and manifest
	assert_equal "$(ls "$BK_DIR" | wc -l)" 2
	rm -f "$BK_DIR"/*
}

@test "two backups at once into different directories: the database's lock says no" {
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
	backup_bg plain
	bk_wait_partial "$BK_DIR" 1 >/dev/null
	run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format custom
	assert_failure 9
	output=$stderr assert_output --partial "dockreset: error: the database of 'discord-bot' is locked by another dockreset run"
	wait_bg
	assert_equal "$BG_RC" 0
	bk_assert_nothing_left "$OUT/backups/discord-bot"
	run ls -A "$OUT/backups/discord-bot"
	assert_success
	refute_output
	rm -f "$BK_DIR"/*
}

@test "a run killed with SIGKILL: the next removes its stale lock and partial, and succeeds" {
	local partial pid
	backup_bg plain
	pid=$BG_PID
	partial=$(bk_wait_partial "$BK_DIR" 5000000)
	kill -KILL "$pid"
	wait_bg
	assert_equal "$BG_RC" 137
	# what a killed run leaves: its lock and its partial file
	assert_exists "$BK_DIR/.lock"
	assert_file_exists "$partial"
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" backup discord-bot --format plain --json
	assert_success
	output=$stderr assert_output --partial "dockreset: warning: removed stale lock of pid $pid (dockreset backup, started "
	output=$stderr assert_output --partial "dockreset: warning: removed partial file '$partial' left by an interrupted run"
	assert_not_exists "$partial"
	bk_assert_nothing_left "$BK_DIR"
	printf '%s\n' "$output" >"$OUT/out.json"
	run python3 -c '
import json, os, sys
m = json.load(open(sys.argv[1]))["backup"]
assert m["verified_at"] is not None and m["tables"]["public.big"] == 400000, m
assert sorted(os.listdir(sys.argv[2])) == sorted([m["file"], m["id"] + ".manifest.json"]), os.listdir(sys.argv[2])
' "$OUT/out.json" "$BK_DIR"
	assert_success
	rm -f "$BK_DIR"/*
}

# Kills the database container once a FORMAT backup's partial file has
# grown: exit 5 naming the cause, no partial file, no lock, nothing else.
kill_during_backup() {
	local partial
	backup_bg "$1"
	partial=$(bk_wait_partial "$BK_DIR" 5000000)
	docker kill "$(bk_db)" >/dev/null
	wait_bg
	assert_equal "$BG_RC" 5
	run grep -q "dockreset: error: the database container '.*' stopped during the dump" "$OUT/err"
	assert_success
	assert_not_exists "$partial"
	assert_not_exists "$BK_DIR/.lock"
	run ls "$BK_DIR"
	assert_success
	refute_output
}

# Last: these kill the database container (teardown starts it again).
@test "the database container killed during the dump: exit 5, nothing left" {
	kill_during_backup plain
	# started again: no session of the dead run
	run docker start "$(bk_db)"
	assert_success
	bk_wait_db_healthy
	bk_assert_nothing_left "$BK_DIR"
}

@test "the database container killed during a json backup: exit 5, nothing left" {
	kill_during_backup json
}
