#!/usr/bin/env bats
# End to end: resets that fail or are interrupted, on the example stack with
# its bot running. Before the commit (a full backup disk, dockreset's
# database session killed while the backup streams, SIGINT or SIGTERM
# during the backup or the seeds) the database is as it was, the bot runs
# again, and no lock, .partial file or dockreset session is left. After the
# commit (SIGTERM while the apps are waited for, an app that does not
# become healthy) the reset stays done, the bot is started, and dockreset
# says so: 143, or 10 naming the app and the backup that restores.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up faults || return 1
	export STACK_PROJECT
	# a kept table of about 100 MB as a plain dump: seconds to stream
	bk_fill_big 150000 || return 1
	echo 'SELECT pg_sleep(5);' >"$BATS_FILE_TMPDIR/slow.sql"
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	load reset_helpers
	rs_setup
	BG_PID=
	stack_wait_healthy 90
	STARTED=$(rs_bot_started)
	rs_snapshot "$OUT/snap"
}

teardown() {
	if [[ -n $BG_PID ]]; then
		kill -TERM "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	if mountpoint -q "$OUT/tiny" 2>/dev/null; then
		umount "$OUT/tiny"
	fi
	# the next test starts with the bot running
	if [[ $(rs_bot_state) != running* ]]; then
		docker start "$(stack_container bot)" >/dev/null 2>&1 || true
	fi
}

plain_backups() {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['backup'] = {'format': 'plain'}"
}

# reset_bg ARGS...: `reset discord-bot ARGS` in the background (BG_PID),
# stdout and stderr in $OUT/out and $OUT/err.
reset_bg() {
	"$BK_DR" -c "$CFG" reset discord-bot "$@" >"$OUT/out" 2>"$OUT/err" &
	BG_PID=$!
}

# Waits for it; its exit code in BG_RC.
wait_bg() {
	BG_RC=0
	wait "$BG_PID" || BG_RC=$?
	BG_PID=
	echo "# exit $BG_RC: $(tr '\n' ' ' <"$OUT/err")"
}

# Waits until $OUT/err holds the text $1.
wait_err() {
	local i
	for i in $(seq 1200); do
		grep -qF -- "$1" "$OUT/err" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "stderr never said '$1': $(cat "$OUT/err")" >&2
	return 1
}

# Waits until dockreset's session runs a statement matching the LIKE $1.
wait_query() {
	local i
	for i in $(seq 600); do
		[[ $(bk_psql discord "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dockreset:reset:discord-bot' AND query LIKE '$1'") -ge 1 ]] && return 0
		sleep 0.1
	done
	echo "dockreset never ran '$1'" >&2
	return 1
}

# Before the commit: the database as it was, the bot stopped and started
# again and healthy, nothing left in backup directory $1.
assert_rolled_back() {
	run rs_unchanged "$OUT/snap"
	assert_output ""
	assert [ "$(rs_bot_started)" != "$STARTED" ]
	run stack_wait_healthy 60
	assert_success
	run rs_no_partial "$1"
	assert_output ""
	run bk_wait_no_sessions 15
	assert_success
}

# After the commit: no row of before in a reset table, the kept tables as
# they were, the bot started.
assert_reset_done() {
	run rs_none_left "$OUT/hashes"
	assert_output ""
	run diff "$OUT/snap/kept" <(bk_db_digests discord | grep -E "^public\.(${RS_KEPT// /|}) ")
	assert_success
	assert [ "$(rs_bot_started)" != "$STARTED" ]
	run stack_wait_healthy 60
	assert_success
	run rs_no_partial "$D"
	assert_output ""
	run bk_wait_no_sessions 15
	assert_success
}

@test "a full backup disk: exit 8, nothing deleted, the bot running again" {
	mkdir "$OUT/tiny"
	mount -t tmpfs -o size=64k tmpfs "$OUT/tiny"
	stack_config "$OUT/tiny" "$CFG"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y
	assert_failure 8
	assert_regex "$stderr" "No space left on device"
	assert_rolled_back "$OUT/tiny/discord-bot"
	run bash -c "ls -A '$OUT/tiny/discord-bot' 2>/dev/null | wc -l"
	assert_output 0
}

@test "dockreset's database session killed while the backup streams: exit 6 or 5, nothing changed" {
	plain_backups
	reset_bg -y
	run bk_wait_partial "$D" 5000000
	assert_success
	run bk_psql discord "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'dockreset:reset:discord-bot'"
	assert_output 1
	wait_bg
	assert [ "$BG_RC" -eq 6 -o "$BG_RC" -eq 5 ]
	assert_rolled_back "$D"
	# pg_dump, in a session of its own, may finish the dump: a backup whose
	# transaction is gone is not kept looking like this reset's
	run bash -c "ls -A '$D' | grep -c 'manifest\.json$'"
	assert_output 0
}

@test "SIGINT during the backup: exit 130, nothing changed, the bot running" {
	plain_backups
	reset_bg -y
	run bk_wait_partial "$D" 5000000
	assert_success
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 130
	run grep -c 'interrupted by SIGINT: the database was not changed' "$OUT/err"
	assert_output 1
	assert_rolled_back "$D"
	run ls "$D"
	assert_output ""
}

@test "SIGTERM during the backup: exit 143, nothing changed, the bot running" {
	plain_backups
	reset_bg -y
	run bk_wait_partial "$D" 5000000
	assert_success
	kill -TERM "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 143
	run grep -c 'interrupted by SIGTERM: the database was not changed' "$OUT/err"
	assert_output 1
	assert_rolled_back "$D"
	run ls "$D"
	assert_output ""
}

@test "SIGINT during a slow seed, after the TRUNCATE: exit 130, nothing changed" {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['seeds']['slow'] = [{'sql': '$BATS_FILE_TMPDIR/slow.sql'}]"
	reset_bg -y --seed slow
	run wait_query '%pg_sleep%'
	assert_success
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 130
	run grep -c 'interrupted by SIGINT: the database was not changed' "$OUT/err"
	assert_output 1
	assert_rolled_back "$D"
}

@test "SIGTERM after the commit, while the bot is waited for: the reset stays done, exit 143" {
	rs_row_hashes "$OUT/hashes"
	reset_bg -y
	run wait_err "starting the apps"
	assert_success
	kill -TERM "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 143
	run grep -c 'interrupted by SIGTERM after the reset was committed' "$OUT/err"
	assert_output 1
	assert_reset_done
	run python3 -c '
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
print(len(e), e[0]["exit_code"], e[0]["outcome"].split(":")[0])' "$B/audit.jsonl"
	assert_output "1 143 partial"
}

@test "an app that does not become healthy in --timeout: exit 10 after the commit, naming it and the backup" {
	rs_row_hashes "$OUT/hashes"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --timeout 1 --json
	assert_failure 10
	local id
	id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["backup"]["id"])' "$output")
	assert_regex "$stderr" "the database of 'discord-bot' was reset, but 1 step did not finish"
	assert_regex "$stderr" "hint: not finished: app '[^']*bot[^']*' not running and healthy"
	assert_regex "$stderr" "hint: backup $id holds the state before the reset"
	assert_reset_done
	run bash -c "ls '$D/$id'.*"
	assert_success
}
