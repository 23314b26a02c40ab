#!/usr/bin/env bats
# End to end: prune frees a full disk. Its lock needs no free space (an
# empty lock file held with flock when its details cannot be written), so a
# prune on a full backup file system deletes and frees space, while a
# backup there still fails with exit 8 and leaves nothing. An empty lock
# another run holds keeps prune out (exit 9); one nobody holds is stale.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up prunefull
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV
	HOLDER_PID=
	# a small file system of its own as the backup directory
	TINY="$OUT/tiny"
	mkdir "$TINY"
	mount -t tmpfs -o size=1m tmpfs "$TINY"
	CFG="$OUT/dockreset.json"
	stack_config "$TINY" "$CFG"
	D="$TINY/discord-bot"
}

teardown() {
	if [ -n "$HOLDER_PID" ]; then
		kill "$HOLDER_PID" 2>/dev/null || true
		wait "$HOLDER_PID" 2>/dev/null || true
	fi
	if mountpoint -q "$TINY" 2>/dev/null; then
		umount "$TINY"
	fi
}

# Takes $1 custom backups into $D.
take_backups() {
	local i
	for ((i = 0; i < $1; i++)); do
		"$BK_DR" -q -c "$CFG" backup discord-bot --format custom || return 1
	done
}

# The ids of the backups in $D, newest first.
backup_ids() {
	"$BK_DR" -c "$CFG" backups discord-bot --json | python3 -c '
import json, sys
for m in json.load(sys.stdin)["backups"]:
    print(m["id"])'
}

# Fails unless the last run's stderr holds $1.
assert_stderr_has() {
	local output=$stderr
	assert_output --partial "$1"
}

# Bytes free on the backup file system.
avail() {
	df --output=avail -B1 "$TINY" | tail -n1 | tr -d ' '
}

# Fills the backup file system to the last byte with a file that is no backup.
fill_disk() {
	dd if=/dev/zero of="$TINY/filler" bs=4k 2>/dev/null || true
}

@test "prune -y --keep 1 on a full disk: deletes the old backups and frees space" {
	take_backups 3
	run backup_ids
	assert_success
	assert_equal "${#lines[@]}" 3
	local newest=${lines[0]} older1=${lines[1]} older2=${lines[2]}
	fill_disk
	run avail
	assert_output 0

	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot -y --keep 1
	echo "# $stderr"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | sort)" \
		"$(printf 'deleted %s\n' "$older1" "$older2" | sort)"
	assert_stderr_has "warning: cannot write the details of lock file '$D/.lock': No space left on device"

	run backup_ids
	assert_success
	assert_output "$newest"
	assert_file_not_exists "$D/$older1.dump"
	assert_file_not_exists "$D/$older1.manifest.json"
	assert_file_not_exists "$D/$older2.dump"
	assert_file_not_exists "$D/$older2.manifest.json"
	assert_file_exists "$D/$newest.dump"
	assert_file_not_exists "$D/.lock"
	run avail
	assert [ "$output" -gt 0 ]
}

@test "backup on a full disk: exit 8, no space for the dump, nothing left" {
	take_backups 1
	ls -A "$D" >"$OUT/before"
	fill_disk

	run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format custom
	assert_equal "$status" 8
	# the dump has no room, not the lock
	assert_stderr_has "dockreset: error: cannot write '$D/discord-bot-"
	assert_stderr_has "': No space left on device"
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
	assert_file_not_exists "$D/.lock"
}

@test "an empty lock another run holds with flock: prune exits 9 and leaves it" {
	take_backups 2
	: >"$D/.lock"
	# one process holding the flock of the empty lock file
	python3 -c '
import fcntl, sys, time
f = open(sys.argv[1])
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(120)' "$D/.lock" >"$OUT/holder" &
	HOLDER_PID=$!
	for _ in $(seq 100); do
		if [ -s "$OUT/holder" ]; then break; fi
		sleep 0.1
	done
	run flock -n "$D/.lock" true
	assert_failure

	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot -y --keep 1
	assert_equal "$status" 9
	assert_stderr_has "dockreset: error: backups of 'discord-bot' are locked by another run whose details could not be recorded (lock file '$D/.lock')"
	assert_stderr_has "hint: wait for it to finish"
	run backup_ids
	assert_equal "${#lines[@]}" 2
	assert_file_exists "$D/.lock"
	assert_file_empty "$D/.lock"
}

@test "an empty lock nobody holds: removed as stale and reported, then prune runs" {
	take_backups 2
	: >"$D/.lock"

	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot -y --keep 1
	assert_success
	assert_stderr_has "warning: removed stale lock '$D/.lock': it is empty and no run holds it"
	run backup_ids
	assert_equal "${#lines[@]}" 1
	assert_file_not_exists "$D/.lock"
}
