#!/usr/bin/env bats
# End to end: `status` says reset/keep from the same planner as `plan` (and
# `reset`). On the planner's hard-case stack (tests/integration/fixtures/
# planner): the partitioned table is one row with the rows of all its
# partitions, the partitions are never listed, and each table's RESET is
# plan's, also when the config names a partition or a missing table (a plan
# built on a wrong name resets nothing); with reset.strategy "recreate"
# every table of the schema is "dropped".
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up status-plan "$BATS_TEST_DIRNAME/fixtures/planner" || return 1
	export STACK_PROJECT STACK_COMPOSE_FILE
	local base=$BATS_FILE_TMPDIR/base.json
	jq --arg b "$BATS_FILE_TMPDIR/backups" '.backup_dir = $b' \
		"$BATS_TEST_DIRNAME/fixtures/planner/dockreset.json" >"$base"
	# a plan that can run: "*" keeping accounts and cars (the inheritance child)
	jq '.targets.planner.reset.keep = ["accounts", "cars"]' "$base" >"$BATS_FILE_TMPDIR/keep.json"
	# a partition named: no table to name (plan exits 2, resets nothing)
	jq '.targets.planner.reset.keep = ["accounts", "cars", "events_2024"]' "$base" \
		>"$BATS_FILE_TMPDIR/partition.json"
	# a name matching no table: plan resets nothing
	jq '.targets.planner.reset.keep = ["accounts", "cars", "no_such_table"]' "$base" \
		>"$BATS_FILE_TMPDIR/missing.json"
	# recreate: public dropped whole, the migration history with it
	jq '.targets.planner.reset = {"tables": "*", "strategy": "recreate"}' "$base" \
		>"$BATS_FILE_TMPDIR/recreate.json"
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	[[ -z ${STACK_PROJECT:-} ]] || stack_down
}

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	export NO_COLOR=1 COMPOSE_PROJECT_NAME=$STACK_PROJECT
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV
	OUT=$BATS_TEST_TMPDIR
}

# Runs status and plan --json with config $1 into $OUT/status.json and
# $OUT/plan.json; asserts both exit $2.
status_and_plan() {
	run --separate-stderr "$DR" -c "$1" status planner --json
	assert_equal "$status" "$2"
	echo "$output" >"$OUT/status.json"
	run --separate-stderr "$DR" -c "$1" plan planner --json
	assert_equal "$status" "$2"
	echo "$output" >"$OUT/plan.json"
}

# "name rows reset" of status, and the same from plan, must be equal.
assert_status_is_plan() {
	run jq -r '.tables[] | "\(.name) \(.rows) \(.reset)"' "$OUT/status.json"
	assert_success
	echo "$output" >"$OUT/status.txt"
	run jq -r '.tables[] | "\(.name) \(.before) \(.reset)"' "$OUT/plan.json"
	assert_success
	echo "$output" >"$OUT/plan.txt"
	run diff -u "$OUT/plan.txt" "$OUT/status.txt"
	assert_success
}

@test "status: the partitioned table once, with the rows of its partitions, reset as plan says" {
	status_and_plan "$BATS_FILE_TMPDIR/keep.json" 0
	assert_status_is_plan
	run jq -r '.tables[] | select(.name | startswith("public.events")) | "\(.name) \(.rows) \(.reset)"' \
		"$OUT/status.json"
	assert_success
	assert_output "public.events 3 true"
	# plan's fates, spelled out: "*" minus keep and the migration history
	run jq -r '[.tables[] | select(.reset | not) | .name] | join(" ")' "$OUT/status.json"
	assert_output "public.accounts public.cars public.schema_migrations"
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/keep.json" status planner
	assert_success
	assert_line --regexp '^  public\.events +3  reset$'
	assert_line --regexp '^  public\.cars +3  keep$'
	assert_line --regexp '^  public\.vehicles +2  reset$'
	refute_output --partial "events_2024"
	refute_output --partial "events_2025"
}

@test "status: a partition named in keep is no table (exit 2, plan's error) and nothing is reset, as plan says" {
	status_and_plan "$BATS_FILE_TMPDIR/partition.json" 2
	assert_status_is_plan
	run jq -r '[.tables[] | select(.reset) | .name] | length' "$OUT/status.json"
	assert_output 0
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/partition.json" status planner
	assert_failure 2
	assert_line --regexp '^  public\.events +3  keep$'
	refute_output --partial "events_2024"
	output=$stderr assert_output --partial "'public.events_2024' is a partition of 'public.events': name its parent: targets.planner.reset may name tables only"
}

@test "status: a missing name is 'missing', exit 2, and nothing is reset, as plan says" {
	status_and_plan "$BATS_FILE_TMPDIR/missing.json" 2
	assert_status_is_plan
	run jq -c '.missing_tables' "$OUT/status.json"
	assert_output '["no_such_table"]'
	run jq -r '[.tables[] | select(.reset) | .name] | length' "$OUT/status.json"
	assert_output 0
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/missing.json" status planner
	assert_failure 2
	assert_line --regexp '^  no_such_table +-  missing$'
	output=$stderr assert_output --partial "table 'no_such_table' named in targets.planner.reset does not exist"
}

@test "status with reset.strategy recreate: every table of public is dropped, the migration history too" {
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/recreate.json" plan planner
	assert_success
	assert_output --partial "public.schema_migrations"
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/recreate.json" status planner
	assert_success
	assert_line --regexp '^  public\.schema_migrations +2  dropped$'
	assert_line --regexp '^  public\.events +3  dropped$'
	assert_line --regexp '^  public\.accounts +2  dropped$'
	refute_line --regexp '  (reset|keep)$'
	run --separate-stderr "$DR" -c "$BATS_FILE_TMPDIR/recreate.json" status planner --json
	assert_success
	echo "$output" >"$OUT/status.json"
	# every table goes, so every one is reset in --json; the count is plan's
	run jq -r '[.tables[] | select(.reset | not) | .name] | length' "$OUT/status.json"
	assert_output 0
	run jq -r '.tables | length' "$OUT/status.json"
	assert_output 14
}
