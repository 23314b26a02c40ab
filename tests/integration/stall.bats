#!/usr/bin/env bats
# End to end: the database container paused (`docker pause`) in the middle
# of a backup. Its kernel still accepts connections and acknowledges bytes,
# so nothing but dockreset's own deadlines can end the waits: SIGINT and
# SIGTERM still end a run within a second or two (130, 143), and without a
# signal the inactivity timeout (DOCKRESET_IDLE_TIMEOUT) ends it with exit 5
# saying the container is paused. Nothing is left behind once it is
# unpaused: no .partial, no .lock, no dockreset session.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up stall
	# about 200 MB as a plain dump: seconds to stream, so a pause lands in it
	bk_fill_big 300000
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	docker unpause "$(bk_db)" >/dev/null 2>&1 || true
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bats_load_library bats-support
	bats_load_library bats-assert
	bk_test_env
	BG_PID=
	# each test its own backup directory: a failed test leaves nothing
	# that the next could mistake for its own partial file
	CFG="$OUT/dockreset.json"
	D="$OUT/backups/discord-bot"
	stack_config "$OUT/backups" "$CFG"
	DB=$(bk_db)
	DB_NAME=$(docker inspect -f '{{.Name}}' "$DB")
	DB_NAME=${DB_NAME#/}
}

teardown() {
	# always: a paused database would hang every later test
	docker unpause "$DB" >/dev/null 2>&1 || true
	if [ -n "$BG_PID" ]; then
		kill -TERM "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	bk_wait_no_sessions 30 || true
	bk_wait_db_healthy
}

# Starts a backup of format $1 in the background (BG_PID), output in $OUT.
backup_bg() {
	"$BK_DR" -c "$CFG" backup discord-bot --format "$1" >"$OUT/out" 2>"$OUT/err" &
	BG_PID=$!
}

# Waits at most $1 s for the background backup to end by itself; BG_RC is
# its exit code (or "hung"), ELAPSED_MS the time waited.
wait_bg_for() {
	local t0 t1
	t0=$(date +%s%N)
	BG_RC=hung
	for _ in $(seq $(($1 * 10))); do
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	if ! kill -0 "$BG_PID" 2>/dev/null; then
		BG_RC=0
		wait "$BG_PID" || BG_RC=$?
		BG_PID=
	fi
	echo "# exit $BG_RC after $ELAPSED_MS ms: $(tr '\n' '|' <"$OUT/err")" >&3
	if [ "$BG_RC" = hung ] && [ -n "${STALL_DEBUG:-}" ]; then
		gdb -p "$BG_PID" -batch -ex "thread apply all bt" 2>&1 | grep '^#' >&3
	fi
}

# docker pause, tried again when the cgroup freezer fails under load
# ("unable to freeze"), which has nothing to do with dockreset.
pause_db() {
	for _ in 1 2 3 4 5; do
		docker pause "$DB" >/dev/null && return 0
		docker unpause "$DB" >/dev/null 2>&1
		sleep 0.5
	done
	return 1
}

# Pauses the database once the backup has written MIN bytes, and lets the
# backup notice nothing for a second.
pause_during_backup() {
	bk_wait_partial "$D" "$1" 90 >/dev/null || {
		echo "# the backup said: $(tr '\n' '|' <"$OUT/err")" >&3
		return 1
	}
	pause_db && sleep 1
}

unpause_and_check_nothing_left() {
	run docker unpause "$DB"
	assert_success
	# dockreset's session ends when the server reads the closed socket;
	# pg_dump's is ended by the background clean-up dockreset left
	run bk_assert_nothing_left "$D"
	assert_success
	run find "$OUT" -path "$OUT/backups/*" -type f
	assert_success
	assert_output ""
}

@test "db paused during a plain backup, SIGINT: exit 130 within 3 s, nothing left" {
	backup_bg plain
	pause_during_backup 2000000
	kill -INT "$BG_PID"
	wait_bg_for 10
	assert_equal "$BG_RC" 130
	assert [ "$ELAPSED_MS" -lt 3000 ]
	run cat "$OUT/err"
	assert_output --partial "dockreset: error: interrupted by SIGINT: no backup was written"
	unpause_and_check_nothing_left
}

@test "db paused during a plain backup, SIGTERM: exit 143 within 3 s, nothing left" {
	backup_bg plain
	pause_during_backup 2000000
	kill -TERM "$BG_PID"
	wait_bg_for 10
	assert_equal "$BG_RC" 143
	assert [ "$ELAPSED_MS" -lt 3000 ]
	unpause_and_check_nothing_left
}

@test "db paused while a json backup reads rows over libpq, SIGINT: exit 130 within 3 s" {
	backup_bg json
	# json is written out in 256 kB pieces, on a busy machine slowly
	pause_during_backup 262144
	kill -INT "$BG_PID"
	wait_bg_for 10
	assert_equal "$BG_RC" 130
	assert [ "$ELAPSED_MS" -lt 3000 ]
	unpause_and_check_nothing_left
}

@test "db paused during a plain backup, no signal: the idle timeout ends it, exit 5, 'paused'" {
	export DOCKRESET_IDLE_TIMEOUT=3
	backup_bg plain
	pause_during_backup 2000000
	wait_bg_for 30
	assert_equal "$BG_RC" 5
	run cat "$OUT/err"
	assert_output --partial "sent nothing for 3 s"
	assert_output --partial "dockreset: error: container '$DB_NAME' is paused"
	assert_output --partial "hint: docker unpause $DB_NAME"
	unpause_and_check_nothing_left
}

@test "db paused during a json backup, no signal: the idle timeout ends it, exit 5, 'paused'" {
	export DOCKRESET_IDLE_TIMEOUT=3
	backup_bg json
	# json is written out in 256 kB pieces, on a busy machine slowly
	pause_during_backup 262144
	wait_bg_for 30
	assert_equal "$BG_RC" 5
	run cat "$OUT/err"
	assert_output --partial "dockreset: error: no answer from the database for 3 s"
	assert_output --partial "dockreset: error: container '$DB_NAME' is paused"
	assert_output --partial "hint: docker unpause $DB_NAME"
	unpause_and_check_nothing_left
}

@test "status and backup with the db paused: exit 5 at once, 'paused', the unpause hint" {
	pause_db
	run --separate-stderr timeout 30 "$BK_DR" -c "$CFG" status discord-bot
	assert_equal "$status" 5
	assert_equal "${stderr_lines[0]}" "dockreset: error: the database container '$DB_NAME' is paused"
	assert_equal "${stderr_lines[1]}" "hint: docker unpause $DB_NAME"
	run --separate-stderr timeout 30 "$BK_DR" -c "$CFG" backup discord-bot
	assert_equal "$status" 5
	assert_equal "${stderr_lines[0]}" "dockreset: error: the database container '$DB_NAME' is paused"
	unpause_and_check_nothing_left
}
