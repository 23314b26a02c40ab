#!/usr/bin/env bats
# End to end: the snapshot transaction a reset backs up from (SPEC 4 step 6),
# through build/tools/snapshot-tool. LOCK comes first, so writers wait,
# readers and pg_dump of the snapshot go on, and a row committed while the
# lock waited is in the snapshot: every row a reset would delete is in its
# backup.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up snapshot
	export STACK_PROJECT
	stack_compose stop -t 2 bot >/dev/null 2>&1
	export DB=$(stack_container db)
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	TOOL="$BATS_TEST_DIRNAME/../../build/tools/snapshot-tool"
	OUT="$BATS_TEST_TMPDIR"
	export PGHOST=127.0.0.1 PGPORT=$(stack_port db 5432) PGUSER=bot PGDATABASE=discord \
		PGPASSWORD=bot-secret-pw
}

teardown() {
	exec 7>&- 8>&- 2>/dev/null || true
	[ -z "${SNAP_PID:-}" ] || { kill "$SNAP_PID" 2>/dev/null; wait "$SNAP_PID" 2>/dev/null; } || true
	[ -z "${W_PID:-}" ] || { kill "$W_PID" 2>/dev/null; wait "$W_PID" 2>/dev/null; } || true
}

# Starts snapshot-tool locking tables $@; its stdin stays open on fd 7.
start_snapshot() {
	mkfifo "$OUT/snap.in"
	"$TOOL" "$@" <"$OUT/snap.in" >"$OUT/snap" 2>"$OUT/snap.err" &
	SNAP_PID=$!
	exec 7>"$OUT/snap.in"
}

# Waits (at most 20 s) for the exported snapshot's id.
snapshot_id() {
	for _ in $(seq 200); do
		[ -s "$OUT/snap" ] && { head -n1 "$OUT/snap"; return 0; }
		sleep 0.1
	done
	cat "$OUT/snap.err" >&2
	return 1
}

# A psql session in the db container fed through fd 8.
start_writer() {
	mkfifo "$OUT/w.in"
	docker exec -i "$DB" psql -X -q -At -U bot -d discord -v ON_ERROR_STOP=1 \
		<"$OUT/w.in" >"$OUT/w.out" 2>&1 &
	W_PID=$!
	exec 8>"$OUT/w.in"
}

insert_sql="INSERT INTO tickets (server_id, creator_id, subject) VALUES (1, 1, 'while locked') RETURNING id"

@test "writers wait on the locked tables while readers go on" {
	start_snapshot public.tickets
	snap=$(snapshot_id)
	assert [ -n "$snap" ]
	run stack_psql "SET lock_timeout = '1s'; $insert_sql"
	assert_failure
	assert_output --partial "canceling statement due to lock timeout"
	run stack_psql "SELECT count(*) > 0 FROM tickets"
	assert_success
	assert_output t
	# a table not locked takes writes
	run stack_psql "SET lock_timeout = '1s'; UPDATE bot_settings SET prefix = prefix"
	assert_success
	exec 7>&-
	wait "$SNAP_PID"
	SNAP_PID=
	run stack_psql "SET lock_timeout = '1s'; $insert_sql"
	assert_success
}

@test "pg_dump of the exported snapshot runs while the lock is held" {
	start_snapshot public.tickets public.ticket_messages
	snap=$(snapshot_id)
	run docker exec "$DB" pg_dump -U bot -d discord --snapshot="$snap" --lock-wait-timeout=5s \
		-t tickets -f /dev/null
	assert_success
}

@test "a row committed while the lock waited is in the snapshot" {
	start_writer
	echo "BEGIN; $insert_sql;" >&8
	for _ in $(seq 100); do [ -s "$OUT/w.out" ] && break; sleep 0.1; done
	new_id=$(head -n1 "$OUT/w.out")
	assert_regex "$new_id" '^[0-9]+$'
	# the LOCK waits behind the open insert
	start_snapshot public.tickets
	sleep 1
	assert_file_empty "$OUT/snap"
	echo "COMMIT;" >&8
	snap=$(snapshot_id)
	# the dump of that snapshot holds the row committed during the wait
	docker exec "$DB" pg_dump -U bot -d discord --snapshot="$snap" -t tickets --data-only \
		--column-inserts >"$OUT/dump.sql"
	run grep -q "VALUES ($new_id, 1, NULL, 1, NULL, NULL, 'while locked'" "$OUT/dump.sql"
	assert_success
}

@test "a table that does not exist is refused" {
	run -2 "$TOOL" public.no_such_table
	assert_output --partial "no table 'public.no_such_table'"
}
