#!/usr/bin/env bats
# End to end: `targets` and `status` against the example stack under a
# throwaway compose project, row counts checked against psql.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up status
	export STACK_PROJECT
	stack_compose stop -t 2 bot >/dev/null 2>&1
	# the example's config, with backups in a directory of this test file
	stack_config "$BATS_FILE_TMPDIR/backups" "$BATS_FILE_TMPDIR/dockreset.json"
	export DOCKRESET_CONFIG="$BATS_FILE_TMPDIR/dockreset.json"
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	export COMPOSE_PROJECT_NAME=$STACK_PROJECT NO_COLOR=1
	cd "$BATS_TEST_DIRNAME/../../compose/discord-bot"
	OUT=$(mktemp -d)
}

teardown() {
	rm -rf "$OUT"
}

# psql's count of every user table, "schema.table rows" sorted.
psql_counts() {
	local t
	for t in $(stack_psql "SELECT schemaname || '.' || relname FROM pg_stat_user_tables ORDER BY 1"); do
		echo "$t $(stack_psql "SELECT count(*) FROM $t")"
	done
}

@test "status --json gives every table with the counts psql gives" {
	run --separate-stderr "$DR" status discord-bot --json
	assert_success
	echo "$output" >"$OUT/status.json"
	run python3 - "$OUT/status.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["exit_code"] == 0 and d["command"] == "status"
assert d["target"] == "discord-bot"
assert d["database"]["reachable"] is True
assert d["newest_backup"] is None
for t in d["tables"]:
    print(t["name"], t["rows"])
PY
	assert_success
	printf '%s\n' "$output" >"$OUT/got"
	psql_counts >"$OUT/want"
	run diff -u "$OUT/want" "$OUT/got"
	assert_success
	# the example has rows in every table, so a zero count would be a bug
	run grep ' 0$' "$OUT/want"
	assert_failure 1
	refute_output
}

@test "status marks the ticket tables reset and the configuration kept" {
	run --separate-stderr "$DR" status discord-bot --json
	assert_success
	run python3 -c '
import json, sys
d = json.load(sys.stdin)
reset = sorted(t["name"] for t in d["tables"] if t["reset"])
kept = sorted(t["name"] for t in d["tables"] if not t["reset"])
assert reset == ["public.interaction_locks", "public.ticket_audit_log", "public.ticket_messages",
                 "public.ticket_resolutions", "public.tickets"], reset
for k in ("public.ticket_categories", "public.bot_settings", "public.servers",
          "public.discord_users", "public.developers", "public.ticket_panel_settings"):
    assert k in kept, k
' <<<"$output"
	assert_success
}

@test "status shows containers, health and server version" {
	run "$DR" status discord-bot
	assert_success
	assert_output --regexp "database  db.*running.*healthy"
	assert_output --regexp "app       bot.*exited"
	assert_output --regexp "cache     redis.*running.*healthy"
	assert_output --partial "PostgreSQL "
	assert_output --partial "public.tickets"
}

@test "status finds no production marker on the example" {
	run --separate-stderr "$DR" status discord-bot --json
	assert_success
	run python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["markers"] == [], d["markers"]' <<<"$output"
	assert_success
}

@test "a production environment in the host is a marker" {
	APP_ENV=" Production" run --separate-stderr "$DR" status discord-bot --json
	assert_success
	run python3 -c '
import json, sys
m = json.load(sys.stdin)["markers"]
assert [(x["kind"], x["where"], x["detail"]) for x in m] == [("env", "host", "APP_ENV= Production")], m' <<<"$output"
	assert_success
}

@test "status exits 2 naming a table the config lists but the database lacks" {
	sed 's/"interaction_locks"/"interaction_locks", "no_such_table"/' "$DOCKRESET_CONFIG" >"$OUT/dockreset.json"
	run --separate-stderr "$DR" -c "$OUT/dockreset.json" status discord-bot --json
	assert_failure 2
	run python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["exit_code"] == 2 and d["missing_tables"] == ["no_such_table"], d
assert len(d["tables"]) > 5' <<<"$output"
	assert_success
	output=$stderr assert_output --partial "table 'no_such_table' named in targets.discord-bot.reset does not exist"
}

@test "targets lists the target with its containers" {
	run --separate-stderr "$DR" targets --json
	assert_success
	run python3 -c '
import json, sys, os
d = json.load(sys.stdin)
t = d["targets"][0]
assert t["name"] == "discord-bot" and t["project"] == os.environ["STACK_PROJECT"], t
roles = sorted((c["role"], c["service"]) for c in t["containers"])
assert roles == [("app", "bot"), ("cache", "redis"), ("database", "db")], roles' <<<"$output"
	assert_success
}

@test "an unknown target exits 2" {
	run "$DR" status nope
	assert_failure 2
	assert_line --index 0 --regexp "^dockreset: error: unknown target 'nope' in "
}

@test "an unreachable -H exits 4" {
	run "$DR" status discord-bot -H unix:///nonexistent/docker.sock
	assert_failure 4
}

@test "a project with no containers exits 5" {
	COMPOSE_PROJECT_NAME=drt-no-such-project run "$DR" status discord-bot
	assert_failure 5
	assert_output --partial "no container of the database service 'db' in compose project 'drt-no-such-project'"
}

# Last: stops the database.
@test "status with the database stopped prints the report and exits 5" {
	stack_compose stop -t 5 db >/dev/null 2>&1
	run --separate-stderr "$DR" status discord-bot --json
	assert_failure 5
	run python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["ok"] is False and d["exit_code"] == 5, d
assert d["database"]["reachable"] is False
db = [c for c in d["containers"] if c["role"] == "database"][0]
assert db["status"] == "exited", db' <<<"$output"
	assert_success
	assert_regex "$stderr" "the database container '.*' is not running \\(exited\\)"
}
