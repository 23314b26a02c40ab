#!/usr/bin/env bats
# End to end: a database that runs but is unhealthy is exit 5, report first.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up unhealthy
	export STACK_PROJECT
	# recreate db with a failing healthcheck and wait until docker says so
	STACK_COMPOSE_FILE="$STACK_ROOT/compose/discord-bot/docker-compose.yml" \
		stack_compose -f "$BATS_TEST_DIRNAME/fixtures/unhealthy-db.yml" up -d --no-deps db >/dev/null 2>&1
	for _ in $(seq 60); do
		[ "$(stack_health db)" = unhealthy ] && return 0
		sleep 1
	done
	echo "db never became unhealthy: $(stack_health db)" >&2
	return 1
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

@test "status of an unhealthy database prints the report and exits 5" {
	cd "$BATS_TEST_DIRNAME/../../compose/discord-bot"
	COMPOSE_PROJECT_NAME=$STACK_PROJECT run --separate-stderr \
		"$BATS_TEST_DIRNAME/../../dockreset" --no-color status discord-bot --json
	assert_failure 5
	run python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["exit_code"] == 5 and d["database"]["reachable"] is False, d
db = [c for c in d["containers"] if c["role"] == "database"][0]
assert db["status"] == "running" and db["health"] == "unhealthy", db' <<<"$output"
	assert_success
	assert_regex "$stderr" "the database container '.*' is not healthy \\(unhealthy\\)"
}
