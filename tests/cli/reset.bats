#!/usr/bin/env bats
# Command-line tests of `reset` with no services: what is refused before
# anything happens (exit 2), with the Docker endpoint pointing nowhere, so
# that reaching Docker would be a different exit (4).
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
      "seeds": {
        "one": [ { "sql": "seeds/one.sql" } ],
        "code": [ { "run": { "service": "app", "command": ["npm", "run", "seed"] } } ]
      }
    },
    "rec": {
      "database": { "service": "db" },
      "reset": { "tables": "*", "strategy": "recreate" }
    }
  }
}
JSON
}

teardown() {
	rm -rf "$WORK"
}

@test "reset: an unknown seed profile exits 2 naming it and the profiles" {
	run --separate-stderr "$DR" reset app --seed nope -y
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: unknown seed profile 'nope' of target 'app'"
	assert_equal "${stderr_lines[1]}" "hint: its profiles are 'one', 'code'"
}

@test "reset: a seed profile with a run step is accepted (Docker is asked next: exit 4 here)" {
	run --separate-stderr "$DR" reset app --seed one --seed code -y
	assert_failure 4
}

@test "reset: --seed with --no-seed exits 2" {
	run --separate-stderr "$DR" reset app --seed one --no-seed
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: --seed and --no-seed exclude each other"
}

@test "reset: --strategy recreate with \"keep\" exits 2 naming the key, before Docker is asked" {
	python3 - <<'PY'
import json
c = json.load(open("dockreset.json"))
c["targets"]["app"]["reset"]["keep"] = ["k"]
json.dump(c, open("dockreset.json", "w"))
PY
	run --separate-stderr "$DR" reset app --strategy recreate -y
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: targets.app.reset.keep: not allowed with the recreate strategy, which drops every table of the schemas"
	run --separate-stderr "$DR" reset rec -y
	assert_failure 4
	run --separate-stderr "$DR" reset app --strategy sideways
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: --strategy: 'sideways' is not truncate or recreate"
}

@test "reset: --timeout takes a positive number of seconds" {
	run --separate-stderr "$DR" reset app --timeout 0
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: --timeout: '0' is not a number of seconds"
	run --separate-stderr "$DR" reset app --timeout soon
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: --timeout: 'soon' is not a number of seconds"
}

@test "reset: reset options belong to reset only" {
	run --separate-stderr "$DR" status app --no-backup
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: 'status' does not take option '--no-backup'"
}

@test "reset: a valid request goes on to Docker (exit 4 here)" {
	run --separate-stderr "$DR" reset app --seed one -y
	assert_failure 4
}
