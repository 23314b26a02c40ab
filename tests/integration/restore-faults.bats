#!/usr/bin/env bats
# End to end: restores that fail or are interrupted before their commit
# (issue 8, SPEC 6 and 7), on the example stack with its bot running. In
# each the database stays as it was, the bot runs again, and no lock,
# .partial file or dockreset session is left: a plain dump whose last
# statement fails (exit 6), SIGINT and SIGTERM while psql loads a table of
# about 200 MB (exit 130 and 143 within seconds), the database container
# stopped while it loads (exit 5 or 6; started again, the database is as
# it was), and a full backup disk for the safety backup (exit 8, nothing
# restored).
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up rfaults || return 1
	export STACK_PROJECT
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	load reset_helpers
	load restore_helpers
	rt_setup
	TINY="$OUT/tiny"
	stack_wait_healthy 90
}

teardown() {
	rt_teardown
	if mountpoint -q "$TINY" 2>/dev/null; then
		umount "$TINY"
	fi
}

# The database changes (a kept table): a restore would show in the sums.
change_db() {
	bk_psql discord "UPDATE servers SET name = name || ' (changed)'" >/dev/null
}

# Before the commit: the sums of $OUT/sums, the bot started again and
# healthy, nothing left in backup directory $1, no dockreset session.
assert_unchanged_running() {
	run rt_unchanged "$OUT/sums"
	assert_output ""
	run rs_bot_state
	assert_output --regexp '^running'
	run stack_wait_healthy 90
	assert_success
	run rs_no_partial "$1"
	assert_output ""
	run bk_wait_no_sessions 15
	assert_success
}

@test "a plain dump whose last statement fails, restored with --file: exit 6, nothing changed, the bot running" {
	docker exec "$(bk_db)" pg_dump -U bot --clean --if-exists discord >"$OUT/dump.sql"
	# a statement that fails, just before the completion comment: every
	# statement before it has run when it fails
	python3 - "$OUT/dump.sql" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
mark = "\n--\n-- PostgreSQL database dump complete\n"
assert s.count(mark) == 1, "no completion comment"
s = s.replace(mark, "\nINSERT INTO no_such_table VALUES (1);\n" + mark)
open(p, "w").write(s)
PY
	change_db
	run rt_sums "$OUT/sums"
	assert_success
	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot --file "$OUT/dump.sql" -y </dev/null
	echo "# stderr: $stderr"
	assert_failure 6
	assert_regex "$stderr" "no_such_table"
	assert_unchanged_running "$D"
}

@test "a full backup disk for the safety backup: exit 8, nothing restored, the bot running" {
	local id size free
	mkdir "$TINY"
	mount -t tmpfs -o size=1m tmpfs "$TINY"
	stack_config "$TINY" "$CFG"
	id=$(rt_backup custom)
	size=$(stat -c %s "$TINY/discord-bot/$id.dump")
	# the disk filled but for 12 kB: room for the lock and a manifest
	# rewritten, not for a backup of the database
	dd if=/dev/zero of="$TINY/filler" bs=4k 2>/dev/null || true
	free=$(df -B1 --output=avail "$TINY" | tail -n1 | tr -d " ")
	assert_equal "$free" 0
	truncate -s -12k "$TINY/filler"
	assert [ "$size" -gt 24576 ]
	change_db
	run rt_sums "$OUT/sums"
	assert_success
	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot latest -y </dev/null
	echo "# stderr: $stderr"
	assert_failure 8
	assert_regex "$stderr" "No space left on device"
	assert_unchanged_running "$TINY/discord-bot"
	# no safety backup was left behind
	run bash -c "ls -A '$TINY/discord-bot' | grep -v '^$id\\.'"
	assert_output ""
}

# Once per file: a table "big" of about 200 MB (300000 rows), and a
# custom backup of the database holding it in $BATS_FILE_TMPDIR/big.
# Per test: a copy of that backup in $D.
big_backup() {
	local f="$BATS_FILE_TMPDIR/big/backups"
	if [[ ! -d $f ]]; then
		bk_fill_big 300000 || return 1
		mkdir -p "$f" || return 1
		stack_config "$f" "$BATS_FILE_TMPDIR/big/dockreset.json" || return 1
		"$BK_DR" -q -c "$BATS_FILE_TMPDIR/big/dockreset.json" backup discord-bot \
			--format custom </dev/null || return 1
	fi
	mkdir -p "$B" && cp -a "$f/." "$B/"
}

# restore_signal SIG CODE: SIG while psql loads big; exit CODE within a few
# seconds, the database as it was, the bot running, nothing left.
restore_signal() {
	local sig=$1 code=$2
	big_backup
	change_db
	run rt_sums "$OUT/sums"
	assert_success
	rt_bg restore discord-bot latest -y --no-safety-backup
	run rt_wait_copy big
	assert_success
	rt_mark
	kill "-$sig" "$RT_PID"
	rt_wait_bg
	assert_equal "$RT_RC" "$code"
	# a few seconds on a busy 2-core machine, not the minute the load takes
	assert [ "$(python3 -c "print(int($RT_ELAPSED < 10))")" = 1 ]
	run grep -c "interrupted by SIG$sig" "$OUT/err"
	assert_output 1
	assert_unchanged_running "$D"
}

@test "SIGINT while psql loads a table of 200 MB: exit 130 within seconds, nothing changed, no session left" {
	restore_signal INT 130
}

@test "SIGTERM while psql loads a table of 200 MB: exit 143 within seconds, nothing changed, no session left" {
	restore_signal TERM 143
}

@test "the database container stopped while psql loads: exit 5 or 6 saying so; started again, nothing changed" {
	big_backup
	change_db
	run rt_sums "$OUT/sums"
	assert_success
	rt_bg restore discord-bot latest -y --no-safety-backup --timeout 10
	run rt_wait_copy big
	assert_success
	rt_mark
	docker stop -t 10 "$(bk_db)" >/dev/null
	rt_wait_bg
	assert [ "$RT_RC" -eq 5 -o "$RT_RC" -eq 6 ]
	run grep -E "^dockreset: error: .*(stopped|not running|connection|terminat|shut)" "$OUT/err"
	assert_success
	run rs_bot_state
	assert_output --regexp '^running'
	docker start "$(bk_db)" >/dev/null
	run bk_wait_db_healthy
	assert_success
	assert_unchanged_running "$D"
}
