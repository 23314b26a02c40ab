#!/usr/bin/env bats
# Command-line tests of `plan` with no services: help, arguments, options.
bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	cd "$BATS_TEST_TMPDIR"
	unset DOCKRESET_CONFIG DOCKER_HOST DOCKER_CONTEXT
	export NO_COLOR=1
	cat >dockreset.json <<'JSON'
{
  "version": 1,
  "targets": {
    "app": { "database": { "service": "db" }, "reset": { "tables": ["t"] } }
  }
}
JSON
}

@test "help lists plan, and help plan says it changes nothing" {
	run "$DR" --help
	assert_success
	assert_output --partial "plan TARGET"
	run "$DR" help plan
	assert_success
	assert_line --index 0 "usage: dockreset plan TARGET [OPTIONS]"
	assert_output --partial "Never prompts, takes no lock,"
}

@test "plan without a target exits 2" {
	run --separate-stderr "$DR" plan
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "$stderr" "dockreset: error: 'plan' needs a target
hint: try 'dockreset --help'"
}

@test "plan takes no -y, --production or --dry-run" {
	for opt in yes production dry-run format; do
		arg=--$opt
		[[ $opt != format ]] || arg=--format=plain
		run --separate-stderr "$DR" plan app "$arg"
		assert_failure 2
		assert_equal "${stderr_lines[0]}" "dockreset: error: 'plan' does not take option '--$opt'"
	done
}
