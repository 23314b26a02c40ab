#!/usr/bin/env bats
# Command-line tests of `reset --dry-run` with no services: accepted with
# the other reset options (so it goes on to Docker: exit 4 with the endpoint
# pointing nowhere), still refusing what reset refuses before Docker (exit
# 2), and with --json one document naming the command.
bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	WORK=$(mktemp -d)
	cd "$WORK"
	unset DOCKRESET_CONFIG DOCKER_CONTEXT
	export NO_COLOR=1 DOCKER_HOST="unix://$WORK/no-docker.sock"
	mkdir seeds
	echo "SELECT 1;" >seeds/one.sql
	cat >dockreset.json <<'JSON'
{
  "version": 1,
  "targets": {
    "app": {
      "database": { "service": "db" },
      "reset": { "tables": ["t"] },
      "seeds": { "one": [ { "sql": "seeds/one.sql" } ] }
    }
  }
}
JSON
}

teardown() {
	rm -rf "$WORK"
}

@test "reset --dry-run is accepted with every other reset option" {
	run --separate-stderr "$DR" reset app --dry-run -y --production --no-backup --no-restart \
		--seed one --timeout 5 --strategy truncate </dev/null
	assert_failure 4
	assert_equal "${stderr_lines[0]}" "dockreset: error: cannot connect to the docker daemon at 'unix://$WORK/no-docker.sock': no such socket"
	run --separate-stderr "$DR" reset app --dry-run --no-seed </dev/null
	assert_failure 4
}

@test "reset --dry-run still refuses what reset refuses before Docker is asked" {
	run --separate-stderr "$DR" reset app --dry-run --seed nope </dev/null
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: unknown seed profile 'nope' of target 'app'"
	run --separate-stderr "$DR" reset app --dry-run --strategy sideways </dev/null
	assert_failure 2
}

@test "reset --dry-run --json gives one document of command reset" {
	run --separate-stderr "$DR" reset app --dry-run --json </dev/null
	assert_failure 4
	run jq -e '.command == "reset" and .target == "app" and .ok == false and .exit_code == 4' <<<"$output"
	assert_success
}
