#!/usr/bin/env bats
# Command-line tests of `seed` with no services: help, options and the
# refusals that come before Docker is asked (exit 2), with the Docker
# endpoint pointing nowhere, so that reaching Docker would be exit 4.
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
      "seeds": {
        "one": [ { "sql": "seeds/one.sql" } ],
        "code": [ { "run": { "service": "app", "command": ["npm", "run", "seed"],
                            "env": { "TOKEN": "abcd-secret" } } } ]
      }
    }
  }
}
JSON
}

teardown() {
	rm -rf "$WORK"
}

@test "seed --help and 'help seed' describe the command and its options" {
	run --separate-stderr "$DR" seed --help
	assert_success
	assert_line --index 0 "usage: dockreset seed TARGET PROFILE... [OPTIONS]"
	assert_output --partial "  -y, --yes"
	assert_output --partial "      --production"
	run --separate-stderr "$DR" help seed
	assert_success
	assert_line --index 0 "usage: dockreset seed TARGET PROFILE... [OPTIONS]"
	run --separate-stderr "$DR" --help
	assert_output --partial "seed TARGET PROFILE..."
}

@test "seed: without a target or a profile exits 2" {
	run --separate-stderr "$DR" seed
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: 'seed' needs a target"
	run --separate-stderr "$DR" seed app
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: 'seed' needs at least one seed profile"
}

@test "seed: an unknown profile exits 2 naming the profiles, before Docker is asked" {
	run --separate-stderr "$DR" seed app one nope -y
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: unknown seed profile 'nope' of target 'app'"
	assert_equal "${stderr_lines[1]}" "hint: its profiles are 'one', 'code'"
}

@test "seed: reset's options are refused" {
	run --separate-stderr "$DR" seed app one --no-backup
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: 'seed' does not take option '--no-backup'"
	run --separate-stderr "$DR" seed app one --dry-run
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "dockreset: error: 'seed' does not take option '--dry-run'"
}

@test "seed: known profiles go on to Docker (exit 4 here)" {
	run --separate-stderr "$DR" seed app one code -y
	assert_failure 4
	assert_equal "${stderr_lines[0]}" "dockreset: error: cannot connect to the docker daemon at 'unix://$WORK/no-docker.sock': no such socket"
}
