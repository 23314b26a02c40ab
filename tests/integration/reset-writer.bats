#!/usr/bin/env bats
# End to end: a writer dockreset does not know about (not one of the apps:
# a session in the database container committing numbered rows 1, 2, 3...
# into a reset table, one transaction each, as fast as it can) goes on
# during `reset -y`. No committed number may be lost or kept twice: every
# number committed before the TRUNCATE is in the pre-reset backup, every
# later one is in the table after the reset, so the two together hold
# 1..N exactly once each (SPEC 4, step 6).
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up writer || return 1
	export STACK_PROJECT
	stack_psql "CREATE TABLE numbers (n integer PRIMARY KEY)" >/dev/null
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
	rs_config_edit "$CFG" "c['targets']['discord-bot']['reset']['tables'].append('numbers')"
	stack_wait_healthy 90
	WRITER_PID=
}

teardown() {
	writer_stop
}

# A session committing n = 1, 2, 3... into numbers, one row a transaction.
writer_start() {
	local id
	id=$(bk_db) || return 1
	docker exec -e PGAPPNAME=drt-numbers "$id" psql -X -q -U bot -d discord -c '
DO $$
DECLARE i integer := 0;
BEGIN
    LOOP
        i := i + 1;
        INSERT INTO numbers VALUES (i);
        COMMIT;
    END LOOP;
END $$' >/dev/null 2>&1 &
	WRITER_PID=$!
}

writer_stop() {
	[[ -n ${WRITER_PID:-} ]] || return 0
	bk_psql discord "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'drt-numbers'" >/dev/null 2>&1 || true
	wait "$WRITER_PID" 2>/dev/null || true # psql exits 2: its session was terminated
	WRITER_PID=
}

# Waits until numbers holds at least $1 rows.
wait_rows() {
	local i
	for i in $(seq 600); do
		(($(bk_psql discord 'SELECT count(*) FROM numbers') >= $1)) && return 0
		sleep 0.1
	done
	echo "numbers has fewer than $1 rows" >&2
	return 1
}

@test "a writer dockreset does not know: backup and table after hold every committed number once" {
	writer_start
	run wait_rows 2000
	assert_success

	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --json
	assert_success
	local file
	file=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["backup"]["file"])' "$output")

	# the writer went on after the reset
	run wait_rows 1000
	assert_success
	writer_stop
	run bk_psql discord 'SELECT count(*) FROM pg_stat_activity WHERE application_name = $$drt-numbers$$'
	assert_output 0

	run bk_restore_custom "$D/$file" scratch_reset_writer
	assert_success
	bk_psql scratch_reset_writer 'SELECT n FROM numbers ORDER BY n' >"$OUT/backup"
	bk_psql discord 'SELECT n FROM numbers ORDER BY n' >"$OUT/after"
	# both sides hold rows, every backed-up number is older than every later one
	assert [ "$(wc -l <"$OUT/backup")" -ge 2000 ]
	assert [ "$(wc -l <"$OUT/after")" -ge 1000 ]
	assert [ "$(tail -n1 "$OUT/backup")" -lt "$(head -n1 "$OUT/after")" ]
	# no duplicate, no gap: the union is 1..N
	run python3 -c '
import sys
b = [int(x) for x in open(sys.argv[1])]
a = [int(x) for x in open(sys.argv[2])]
allv = b + a
dup = len(allv) - len(set(allv))
lost = sorted(set(range(1, max(allv) + 1)) - set(allv))
if dup:
    print("%d numbers twice" % dup)
if lost:
    print("%d numbers lost: %d..%d" % (len(lost), lost[0], lost[-1]))' "$OUT/backup" "$OUT/after"
	assert_success
	assert_output ""
	# the reset's summary counted the backed-up rows as "before"
	run --separate-stderr "$BK_DR" -c "$CFG" backups discord-bot --json
	assert_success
	run python3 -c '
import json, sys
print(json.loads(sys.argv[1])["backups"][0]["tables"]["public.numbers"])' "$output"
	assert_output "$(wc -l <"$OUT/backup")"
}
