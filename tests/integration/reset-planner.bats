#!/usr/bin/env bats
# End to end: `reset` runs the planner's plan (issue 7). On the hard-case
# stack (tests/integration/fixtures/planner): a kept table referencing a
# reset one is refused (exit 2, the constraint named, the tables to add
# listed, nothing changed); once they are added, `reset -y` empties exactly
# the planned tables (the partitioned one with its partitions, the
# inheritance parent without its child, the quoted names), restarts the
# stand-alone sequence but not the shared one, and keeps the migration
# history and the kept tables as they were. On the example stack,
# `reset --dry-run --json` is `plan --json`.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up rp-hard "$BATS_TEST_DIRNAME/fixtures/planner" || return 1
	PL_PROJECT=$STACK_PROJECT PL_FILE=$STACK_COMPOSE_FILE
	export PL_PROJECT PL_FILE
	# the fixture's config ("*", keeping invoices and invoice_lines, which
	# reference reset tables), and one with those two reset as well
	jq --arg b "$BATS_FILE_TMPDIR/backups" '.backup_dir = $b' \
		"$BATS_TEST_DIRNAME/fixtures/planner/dockreset.json" >"$BATS_FILE_TMPDIR/refused.json"
	jq '.targets.planner.reset.keep = ["accounts", "cars"]' \
		"$BATS_FILE_TMPDIR/refused.json" >"$BATS_FILE_TMPDIR/fixed.json"
	if ! stack_up rp-example; then
		STACK_PROJECT=$PL_PROJECT STACK_COMPOSE_FILE=$PL_FILE stack_down
		return 1
	fi
	# the bot stopped: the counts of plan and of the dry run are the same
	stack_compose stop -t 2 bot >/dev/null 2>&1
	EX_PROJECT=$STACK_PROJECT EX_FILE=$STACK_COMPOSE_FILE
	export EX_PROJECT EX_FILE
	stack_config "$BATS_FILE_TMPDIR/backups" "$BATS_FILE_TMPDIR/example.json"
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	[[ -z ${PL_PROJECT:-} ]] || STACK_PROJECT=$PL_PROJECT STACK_COMPOSE_FILE=$PL_FILE stack_down
	[[ -z ${EX_PROJECT:-} ]] || STACK_PROJECT=$EX_PROJECT STACK_COMPOSE_FILE=$EX_FILE stack_down
}

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	load ../../scripts/lib-stack.bash
	load backup_helpers
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	export NO_COLOR=1
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DOCKRESET_CONFIRM_PRODUCTION
	OUT=$BATS_TEST_TMPDIR
}

use_hard() {
	export STACK_PROJECT=$PL_PROJECT STACK_COMPOSE_FILE=$PL_FILE COMPOSE_PROJECT_NAME=$PL_PROJECT
}

use_example() {
	export STACK_PROJECT=$EX_PROJECT STACK_COMPOSE_FILE=$EX_FILE COMPOSE_PROJECT_NAME=$EX_PROJECT
}

# "name md5" of the rows of every table, partitions included, each table
# without its inheritance children: what a refused reset leaves as it was.
table_digests() {
	bk_psql planner "SELECT n.nspname || '.' || c.relname || ' ' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	  CROSS JOIN LATERAL query_to_xml(format('SELECT * FROM ONLY %I.%I', n.nspname, c.relname), false, true, '') x
	 WHERE c.relkind = 'r' AND n.nspname = 'public' GROUP BY n.nspname, c.relname ORDER BY 1"
}

# "name last_value is_called" of every sequence.
sequences() {
	bk_psql planner "SELECT sequencename || ' ' || coalesce(last_value::text, 'unused')
	  FROM pg_sequences ORDER BY sequencename" &&
		bk_psql planner "SELECT 'ticket_no ' || is_called FROM ticket_no" &&
		bk_psql planner "SELECT 'shared_no ' || is_called FROM shared_no"
}

@test "reset with a kept table referencing a reset one: exit 2 naming the constraint and the tables to add, nothing changed" {
	use_hard
	run table_digests
	assert_success
	digests=$output
	run sequences
	assert_success
	seqs=$output
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/refused.json" reset planner -y </dev/null
	assert_failure 2
	# plan's report, then plan's messages
	output=$stderr assert_output --partial "statements  none: the plan cannot run"
	output=$stderr assert_output --partial "dockreset: error: kept table 'public.invoices' references reset table 'public.orders' (constraint 'invoices_order_fk'): TRUNCATE cannot empty 'public.orders' without it"
	output=$stderr assert_output --partial "hint: reset these tables too (add them to \"tables\", or remove them from \"keep\"): public.invoice_lines, public.invoices"
	output=$stderr assert_output --partial "hint: dockreset never uses CASCADE, which would empty kept tables silently"
	run table_digests
	assert_output "$digests"
	run sequences
	assert_output "$seqs"
	# refused before the lock and the backup
	assert_dir_not_exists "$BATS_FILE_TMPDIR/backups/planner"
	assert_file_not_exists "$BATS_FILE_TMPDIR/backups/audit.jsonl"
}

@test "reset --dry-run of a plan that cannot run: the report on stdout, then exit 2" {
	use_hard
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/refused.json" reset planner --dry-run </dev/null
	assert_failure 2
	assert_line "statements  none: the plan cannot run"
	assert_line --regexp '^  public\.invoices +1 +1  keep$'
	assert_equal "${stderr_lines[0]}" "dockreset: error: kept table 'public.invoices' references reset table 'public.orders' (constraint 'invoices_order_fk'): TRUNCATE cannot empty 'public.orders' without it"
	assert_dir_not_exists "$BATS_FILE_TMPDIR/backups/planner"
}

@test "reset naming a table that does not exist: exit 2 with plan's message, nothing changed" {
	use_hard
	jq '.targets.planner.reset.keep += ["no_such_table"]' "$BATS_FILE_TMPDIR/fixed.json" >"$OUT/missing.json"
	run table_digests
	assert_success
	digests=$output
	run --separate-stderr "$DR" -c "$OUT/missing.json" reset planner -y </dev/null
	assert_failure 2
	output=$stderr assert_output --partial "dockreset: error: table 'no_such_table' named in targets.planner.reset does not exist"
	run table_digests
	assert_output "$digests"
	assert_dir_not_exists "$BATS_FILE_TMPDIR/backups/planner"
}

@test "reset -y with the tables added empties exactly the planned tables and restarts exactly the planned sequences" {
	use_hard
	run table_digests
	assert_success
	grep -E '^public\.(accounts|cars|schema_migrations) ' <<<"$output" >"$OUT/kept.before"
	run bk_psql planner "SELECT last_value || ' ' || is_called FROM shared_no"
	assert_success
	assert_output "4 true"
	run bk_psql planner "SELECT last_value || ' ' || is_called FROM ticket_no"
	assert_output "4 true"

	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/fixed.json" reset planner -y </dev/null
	assert_success

	# every reset table empty, each counted without its children
	run bk_psql planner "SELECT string_agg(t || '=' || n, ' ' ORDER BY t) FROM (
	    SELECT 'MixedCase' t, count(*) n FROM ONLY \"MixedCase\" UNION ALL
	    SELECT 'drafts', count(*) FROM ONLY drafts UNION ALL
	    SELECT 'events', count(*) FROM events UNION ALL
	    SELECT 'events_2024', count(*) FROM events_2024 UNION ALL
	    SELECT 'events_2025', count(*) FROM events_2025 UNION ALL
	    SELECT 'invoice_lines', count(*) FROM ONLY invoice_lines UNION ALL
	    SELECT 'invoices', count(*) FROM ONLY invoices UNION ALL
	    SELECT 'orders', count(*) FROM ONLY orders UNION ALL
	    SELECT 'select', count(*) FROM ONLY \"select\" UNION ALL
	    SELECT 'tickets', count(*) FROM ONLY tickets UNION ALL
	    SELECT 'vehicles', count(*) FROM ONLY vehicles UNION ALL
	    SELECT 'with space', count(*) FROM ONLY \"with space\" UNION ALL
	    SELECT 'ünïcode', count(*) FROM ONLY \"ünïcode\") c"
	assert_success
	assert_output "MixedCase=0 drafts=0 events=0 events_2024=0 events_2025=0 invoice_lines=0 invoices=0 orders=0 select=0 tickets=0 vehicles=0 with space=0 ünïcode=0"
	# the inheritance child, the kept tables and the migration history: as they were
	run bk_psql planner "SELECT count(*) FROM cars"
	assert_output 3
	run table_digests
	assert_success
	grep -E '^public\.(accounts|cars|schema_migrations) ' <<<"$output" >"$OUT/kept.after"
	run diff -u "$OUT/kept.before" "$OUT/kept.after"
	assert_success
	run wc -l <"$OUT/kept.after"
	assert_output 3
	# ticket_no (tickets' only) restarted: its next value is 1; shared_no
	# (also accounts' default) not; orders' identity restarted with its table
	run bk_psql planner "SELECT last_value || ' ' || is_called FROM ticket_no"
	assert_output "1 false"
	run bk_psql planner "SELECT last_value || ' ' || is_called FROM shared_no"
	assert_output "4 true"
	run bk_psql planner "INSERT INTO tickets (subject) VALUES ('new') RETURNING no"
	assert_output --regexp '^1'
	run bk_psql planner "INSERT INTO orders (account_id) VALUES (1) RETURNING id"
	assert_output --regexp '^1'
	# the pre-reset backup, verified
	run "$DR" -c "$BATS_FILE_TMPDIR/fixed.json" backups planner --json
	assert_success
	echo "$output" >"$OUT/list.json"
	run jq -r '.backups | map("\(.reason) \(.verified_at != null)") | join(",")' "$OUT/list.json"
	assert_output "pre-reset true"
}

@test "reset --dry-run --json is plan --json: the same tables, sequences and confirmation" {
	use_example
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/example.json" plan discord-bot --json
	assert_success
	echo "$output" >"$OUT/plan.json"
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/example.json" reset discord-bot --dry-run --json </dev/null
	assert_success
	echo "$output" >"$OUT/dry.json"
	run jq -e '.command == "reset" and .ok == true and (.tables | length) == 11
		and (.sequences | length) == 5 and (.confirmation.text | type) == "string"' "$OUT/dry.json"
	assert_success
	run jq -S '{tables, sequences, confirmation, statements, markers, backup}' "$OUT/plan.json"
	assert_success
	want=$output
	run jq -S '{tables, sequences, confirmation, statements, markers, backup}' "$OUT/dry.json"
	assert_output "$want"
	# and the text output is plan's
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/example.json" reset discord-bot --dry-run </dev/null
	assert_success
	assert_line "confirm     type the target's name 'discord-bot' (or -y)"
	assert_line --regexp '^  public\.tickets +[0-9]+ +0  reset \(only this table\)$'
	assert_dir_not_exists "$BATS_FILE_TMPDIR/backups/discord-bot"
}
