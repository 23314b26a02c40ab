#!/usr/bin/env bats
# End to end: the "copy" seed steps of a reset (COPY ... FROM STDIN streamed
# from a file, text and csv, with columns) load exactly the file's rows into
# the emptied tables in the reset transaction; a file the server refuses
# (a foreign key to nothing) rolls the whole reset back (exit 6), with the
# bot running again and nothing left behind.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up rseeds || return 1
	export STACK_PROJECT
	local d=$BATS_FILE_TMPDIR
	# two tickets as csv (a quoted comma in a subject), one message as text
	printf '%s\n' '1,1,"Welcome, new server"' '2,2,Second ticket' >"$d/tickets.csv"
	printf '1\t1\tfirst message\n' >"$d/messages.txt"
	# a creator that does not exist: the foreign key refuses the row
	printf '%s\n' '1,1,fine' '1,999999,no such creator' >"$d/bad.csv"
	# a file bigger than one chunk (64 KiB) of the stream
	seq 1 20000 | awk '{ printf "1\t1\tbulk message %d\n", $1 }' >"$d/bulk.txt"
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV
	CFG="$OUT/dockreset.json"
	B="$OUT/backups"
	D="$B/discord-bot"
	stack_config "$B" "$CFG"
	python3 - "$CFG" "$BATS_FILE_TMPDIR" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
d = sys.argv[2]
s = c["targets"]["discord-bot"]["seeds"]
s["welcome"] = [
    {"copy": d + "/tickets.csv", "table": "tickets", "format": "csv",
     "columns": ["server_id", "creator_id", "subject"]},
    {"copy": d + "/messages.txt", "table": "ticket_messages",
     "columns": ["ticket_id", "author_id", "content"]},
]
s["bad"] = [{"copy": d + "/bad.csv", "table": "tickets", "format": "csv",
             "columns": ["server_id", "creator_id", "subject"]}]
s["bulk"] = [
    {"copy": d + "/tickets.csv", "table": "tickets", "format": "csv",
     "columns": ["server_id", "creator_id", "subject"]},
    {"copy": d + "/bulk.txt", "table": "ticket_messages",
     "columns": ["ticket_id", "author_id", "content"]},
]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
	stack_wait_healthy 90
}

# The rows of the seeded tables, in id order, as the tests compare them.
seeded() {
	bk_psql discord "SELECT id, server_id, creator_id, subject FROM tickets ORDER BY id" &&
		bk_psql discord "SELECT id, ticket_id, author_id, content FROM ticket_messages ORDER BY id"
}

@test "copy seeds load exactly the files' rows into the emptied tables, ids from 1" {
	# the bot is stopped during the reset and writes again after: stop it
	# right after, so that the seeded rows are the only ones to compare
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --seed welcome --no-restart
	assert_success
	run bk_psql discord "SELECT count(*) FROM tickets"
	assert_output 2
	run seeded
	assert_success
	assert_output "1|1|1|Welcome, new server
2|2|2|Second ticket
1|1|1|first message"
	docker start "$(stack_container bot)" >/dev/null
}

@test "a copy seed larger than one chunk streams whole" {
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --seed bulk --no-restart
	assert_success
	run bk_psql discord "SELECT count(*), count(DISTINCT content), max(id) FROM ticket_messages"
	assert_output "20000|20000|20000"
	docker start "$(stack_container bot)" >/dev/null
}

@test "a copy seed the server refuses: exit 6, the reset rolled back, the bot back" {
	local before
	# the bot writes while this test runs: stop it so the digest stays put,
	# then check that reset starts nothing it did not stop
	docker stop "$(stack_container bot)" >/dev/null
	before=$(bk_db_digests discord)
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --seed bad
	assert_failure 6
	output=$stderr assert_output --partial "seed 'bad': copy of '$BATS_FILE_TMPDIR/bad.csv' into 'tickets' failed"
	output=$stderr assert_output --partial "violates foreign key constraint"
	run bk_db_digests discord
	assert_output "$before"
	assert_not_exists "$D/.lock"
	run bash -c "ls -A '$D' | grep -c '\.partial$'"
	assert_output 0
	run bk_wait_no_sessions 10
	assert_success
	docker start "$(stack_container bot)" >/dev/null
}
