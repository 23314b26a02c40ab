#!/usr/bin/env bats
# End to end: `plan` on the example stack (counts, nothing changed, no lock,
# no backup, --json fields, the confirmation a production target needs) and
# on the planner's hard-case stack (tests/integration/fixtures/planner): the
# foreign-key refusal, then partitions, inheritance, sequences, migration
# history and names that need quoting once the referencing tables are added.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up plan-example || return 1
	stack_compose stop -t 2 bot >/dev/null 2>&1
	EX_PROJECT=$STACK_PROJECT EX_FILE=$STACK_COMPOSE_FILE
	export EX_PROJECT EX_FILE
	stack_config "$BATS_FILE_TMPDIR/backups" "$BATS_FILE_TMPDIR/example.json"
	if ! stack_up plan-hard "$BATS_TEST_DIRNAME/fixtures/planner"; then
		STACK_PROJECT=$EX_PROJECT STACK_COMPOSE_FILE=$EX_FILE stack_down
		return 1
	fi
	PL_PROJECT=$STACK_PROJECT PL_FILE=$STACK_COMPOSE_FILE
	export PL_PROJECT PL_FILE
	# the fixture's config ("*", keeping invoices and invoice_lines, which
	# reference reset tables), and one with those two reset as well
	jq --arg b "$BATS_FILE_TMPDIR/backups" '.backup_dir = $b' \
		"$BATS_TEST_DIRNAME/fixtures/planner/dockreset.json" >"$BATS_FILE_TMPDIR/refused.json"
	jq '.targets.planner.reset.keep = ["accounts", "cars"]' \
		"$BATS_FILE_TMPDIR/refused.json" >"$BATS_FILE_TMPDIR/hard.json"
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	[[ -z ${EX_PROJECT:-} ]] || STACK_PROJECT=$EX_PROJECT STACK_COMPOSE_FILE=$EX_FILE stack_down
	[[ -z ${PL_PROJECT:-} ]] || STACK_PROJECT=$PL_PROJECT STACK_COMPOSE_FILE=$PL_FILE stack_down
}

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	load ../../scripts/lib-stack.bash
	load backup_helpers
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	export NO_COLOR=1
	OUT=$BATS_TEST_TMPDIR
}

use_example() {
	export STACK_PROJECT=$EX_PROJECT STACK_COMPOSE_FILE=$EX_FILE COMPOSE_PROJECT_NAME=$EX_PROJECT
	export STACK_DB_NAME=discord
	CFG=$BATS_FILE_TMPDIR/example.json
}

use_hard() {
	export STACK_PROJECT=$PL_PROJECT STACK_COMPOSE_FILE=$PL_FILE COMPOSE_PROJECT_NAME=$PL_PROJECT
	export STACK_DB_NAME=planner
	CFG=$BATS_FILE_TMPDIR/hard.json
}

# Every table's rows, the sequences' positions and the database's settings:
# what a plan must leave as it found it.
db_state() {
	local db=$1
	bk_db_digests "$db" &&
		bk_psql "$db" "SELECT schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, 'unused')
		  FROM pg_sequences ORDER BY 1" &&
		bk_psql "$db" "SELECT c.relname || ' ' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), ''))
		  FROM pg_class c CROSS JOIN LATERAL query_to_xml(format('SELECT * FROM %I', c.relname), false, true, '') x
		 WHERE c.relispartition GROUP BY c.relname ORDER BY 1" &&
		bk_psql "$db" "SELECT coalesce(string_agg(array_to_string(setconfig, ','), ';'), 'none') FROM pg_db_role_setting"
}

@test "plan on the example: reset tables go to 0, kept ones keep their rows, exit 0" {
	use_example
	run --separate-stderr "$DR" -c "$CFG" plan discord-bot --json
	assert_success
	echo "$output" >"$OUT/plan.json"
	# "name before after" of every table, as psql counts them now
	run jq -r '.tables[] | "\(.name) \(.before) \(.after)"' "$OUT/plan.json"
	assert_success
	echo "$output" >"$OUT/got"
	run bk_db_counts discord
	assert_success
	echo "$output" | awk '{ after = $2 }
		$1 ~ /^public\.(tickets|ticket_messages|ticket_resolutions|ticket_audit_log|interaction_locks)$/ { after = 0 }
		{ print $1, $2, after }' >"$OUT/want"
	run diff -u "$OUT/want" "$OUT/got"
	assert_success
	# the example has rows in every table: a reset table going 0 -> 0 would prove nothing
	run grep -c ' 0 0$' "$OUT/got"
	assert_output 0
	run jq -r '[.tables[] | select(.reset) | .name] | sort | join(" ")' "$OUT/plan.json"
	assert_output "public.interaction_locks public.ticket_audit_log public.ticket_messages public.ticket_resolutions public.tickets"
}

@test "plan changes nothing: same data and sequences, no lock, no backup, no session left" {
	use_example
	run db_state discord
	assert_success
	before=$output
	run --separate-stderr "$DR" -c "$CFG" plan discord-bot
	assert_success
	assert_output --partial "public.tickets"
	run db_state discord
	assert_success
	assert_output "$before"
	assert_dir_not_exists "$BATS_FILE_TMPDIR/backups/discord-bot"
	assert_file_not_exists "$BATS_FILE_TMPDIR/backups/discord-bot/.lock"
	run bk_wait_no_sessions 10
	assert_success
}

@test "plan --json carries SPEC 7's fields" {
	use_example
	run --separate-stderr "$DR" -c "$CFG" plan discord-bot --json
	assert_success
	echo "$output" >"$OUT/plan.json"
	run jq -e '.ok == true and .exit_code == 0 and .command == "plan" and .target == "discord-bot"
		and (.tables | length) == 11 and (.tables | all(has("name") and has("before") and has("after")))
		and (.duration_ms | type) == "number" and .markers == [] and .production == false
		and .confirmation.production == false and .confirmation.not_interactive == "-y"
		and .backup.reason == "pre-reset" and .backup.format == "custom"
		and .apps == ["bot"] and .caches == [{"service": "redis", "db": 0, "flush": "db"}]
		and .seeds == [] and .foreign_keys == [] and .missing_tables == []' "$OUT/plan.json"
	assert_success
	# the stat is the value psql gives, and the sequences are the reset tables' own
	run jq -r '.stats["open tickets"]' "$OUT/plan.json"
	assert_output "$(bk_psql discord "SELECT count(*) FROM tickets WHERE status = 'open'")"
	run jq -r '[.sequences[] | "\(.name) \(.owned_by) \(.restart)"] | join(",")' "$OUT/plan.json"
	assert_output "public.interaction_locks_id_seq public.interaction_locks.id RESTART IDENTITY,public.ticket_audit_log_id_seq public.ticket_audit_log.id RESTART IDENTITY,public.ticket_messages_id_seq public.ticket_messages.id RESTART IDENTITY,public.ticket_resolutions_id_seq public.ticket_resolutions.id RESTART IDENTITY,public.tickets_id_seq public.tickets.id RESTART IDENTITY"
	run jq -r '.statements[0]' "$OUT/plan.json"
	assert_output 'TRUNCATE ONLY "public"."interaction_locks", ONLY "public"."ticket_audit_log", ONLY "public"."ticket_messages", ONLY "public"."ticket_resolutions", ONLY "public"."tickets" RESTART IDENTITY'
}

@test "plan of a production target names the markers and the confirmation, and neither refuses nor prompts" {
	use_example
	APP_ENV=production run --separate-stderr "$DR" -c "$CFG" plan discord-bot </dev/null
	assert_success
	assert_output --partial "APP_ENV=production"
	assert_output --partial "--production, then type 'reset production discord-bot' and wait 5 s"
	assert_output --partial "-y --production and DOCKRESET_CONFIRM_PRODUCTION=discord-bot"
	assert_equal "$stderr" ""
}

@test "plan with a missing table prints the plan, then exits 2 naming it" {
	use_example
	jq '.targets["discord-bot"].reset.keep = ["no_such_table"]' "$CFG" >"$OUT/missing.json"
	run --separate-stderr "$DR" -c "$OUT/missing.json" plan discord-bot
	assert_failure 2
	assert_output --partial "no_such_table"
	assert_output --partial "public.tickets"
	assert_equal "$stderr" "dockreset: error: table 'no_such_table' named in targets.discord-bot.reset does not exist"
}

@test "a kept table referencing a reset one: exit 2 naming the constraint and the tables to add" {
	use_hard
	run db_state planner
	assert_success
	before=$output
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/refused.json" plan planner
	assert_failure 2
	# the report comes first
	assert_output --partial "public.orders"
	assert_output --partial "statements  none: the plan cannot run"
	assert_equal "$stderr" "dockreset: error: kept table 'public.invoices' references reset table 'public.orders' (constraint 'invoices_order_fk'): TRUNCATE cannot empty 'public.orders' without it
hint: reset these tables too (add them to \"tables\", or remove them from \"keep\"): public.invoice_lines, public.invoices
hint: dockreset never uses CASCADE, which would empty kept tables silently"
	run db_state planner
	assert_output "$before"
}

@test "the hard cases, once the referencing tables are added" {
	use_hard
	run --separate-stderr "$DR" -c "$CFG" plan planner --json
	assert_success
	echo "$output" >"$OUT/plan.json"
	# partitioned: reset whole (no ONLY), its partitions never listed; the
	# inheritance parent with ONLY, its child kept; migration history kept
	run jq -r '.tables[] | "\(.name) \(.before) \(.after) \(.reset) \(.only)"' "$OUT/plan.json"
	assert_success
	assert_output 'public.MixedCase 1 0 true true
public.accounts 2 2 false false
public.cars 3 3 false false
public.drafts 2 0 true true
public.events 3 0 true false
public.invoice_lines 2 0 true true
public.invoices 1 0 true true
public.orders 3 0 true true
public.schema_migrations 2 2 false false
public.select 3 0 true true
public.tickets 4 0 true true
public.vehicles 2 0 true true
public.with space 2 0 true true
public.ünïcode 1 0 true true'
	run jq -r '.statements[0]' "$OUT/plan.json"
	assert_output 'TRUNCATE ONLY "public"."MixedCase", ONLY "public"."drafts", "public"."events", ONLY "public"."invoice_lines", ONLY "public"."invoices", ONLY "public"."orders", ONLY "public"."select", ONLY "public"."tickets", ONLY "public"."vehicles", ONLY "public"."with space", ONLY "public"."ünïcode" RESTART IDENTITY'
	# ticket_no (stand-alone, tickets only) restarted on its own; shared_no
	# (also accounts' default) not
	run jq -r '[.sequences[] | select(.restart == "ALTER SEQUENCE") | .name] | join(" ")' "$OUT/plan.json"
	assert_output "public.ticket_no"
	run jq -r '.statements[1:] | join(";")' "$OUT/plan.json"
	assert_output 'ALTER SEQUENCE "public"."ticket_no" RESTART'
	run jq -e '[.sequences[].name] | (index("public.shared_no") == null) and (index("public.orders_id_seq") != null)' "$OUT/plan.json"
	assert_success
	run jq -e '.stats == {"orders": 3}' "$OUT/plan.json"
	assert_success
}

@test "the statements plan shows are what PostgreSQL runs" {
	use_hard
	run --separate-stderr "$DR" -c "$CFG" plan planner --json
	assert_success
	echo "$output" >"$OUT/plan.json"
	# run them in a transaction that is rolled back: they must be accepted,
	# and empty exactly the tables the plan says, the children untouched
	mapfile -t stmts < <(jq -r '.statements[]' "$OUT/plan.json")
	run docker exec "$(bk_db)" psql -X -q -v ON_ERROR_STOP=1 -U bot -d planner -At \
		-c BEGIN -c "${stmts[0]}" -c "${stmts[1]}" \
		-c "SELECT (SELECT count(*) FROM ONLY vehicles) || ' ' || (SELECT count(*) FROM cars)
		    || ' ' || (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM accounts)
		    || ' ' || (SELECT count(*) FROM schema_migrations)
		    || ' ' || (SELECT is_called FROM ticket_no) || ' ' || (SELECT is_called FROM shared_no)" \
		-c ROLLBACK
	assert_success
	assert_output "0 3 0 2 2 false true"
	run bk_psql planner "SELECT count(*) FROM orders"
	assert_output 3
}
