#!/usr/bin/env bats
# Command-line tests with no services: help, version, options, messages and
# exit codes.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	WORK=$(mktemp -d)
	cd "$WORK"
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

teardown() {
	rm -rf "$WORK"
}

@test "--help lists the commands and exits 0" {
	run "$DR" --help
	assert_success
	assert_line --index 0 "usage: dockreset [OPTIONS] COMMAND [TARGET] [ARGS] [OPTIONS]"
	assert_output --partial "status TARGET"
	assert_output --partial "targets"
}

@test "help COMMAND and COMMAND --help print the same text" {
	run "$DR" help status
	assert_success
	help1=$output
	run "$DR" status --help
	assert_success
	assert_output "$help1"
	assert_line --index 0 "usage: dockreset status TARGET [OPTIONS]"
}

@test "--version names dockreset and its libraries" {
	run "$DR" --version
	assert_success
	assert_line --index 0 --regexp '^dockreset [0-9]+\.[0-9]+\.[0-9]+$'
	assert_output --partial "libcurl "
	assert_output --partial "libpq "
	assert_output --partial "jansson "
	assert_output --partial "libgit2 "
	assert_output --partial "OpenSSL "
}

@test "an unknown option exits 2 with one error and a hint" {
	run "$DR" status app --bogus
	assert_failure 2
	assert_line --index 0 "dockreset: error: unknown option '--bogus'"
	assert_line --index 1 "hint: try 'dockreset --help'"
	assert_equal "${#lines[@]}" 2
}

@test "an unknown short option exits 2" {
	run "$DR" -Z targets
	assert_failure 2
	assert_line --index 0 "dockreset: error: unknown option '-Z'"
}

@test "an option the command does not take exits 2" {
	run "$DR" status app --yes
	assert_failure 2
	assert_line --index 0 "dockreset: error: 'status' does not take option '--yes'"
}

@test "an option missing its value exits 2" {
	run "$DR" status app -c
	assert_failure 2
	assert_line --index 0 "dockreset: error: option '-c' needs a value"
}

@test "an unknown command exits 2" {
	run "$DR" frobnicate
	assert_failure 2
	assert_line --index 0 "dockreset: error: unknown command 'frobnicate'"
	assert_line --index 1 "hint: try 'dockreset --help'"
}

@test "no command exits 2" {
	run "$DR"
	assert_failure 2
	assert_line --index 0 "dockreset: error: no command given"
}

@test "a missing target exits 2" {
	run "$DR" status
	assert_failure 2
	assert_line --index 0 "dockreset: error: 'status' needs a target"
}

@test "an extra argument exits 2" {
	run "$DR" status app extra
	assert_failure 2
	assert_line --index 0 "dockreset: error: unexpected argument 'extra'"
}

@test "an unknown target exits 2 and lists the targets" {
	run "$DR" status nope
	assert_failure 2
	assert_line --index 0 "dockreset: error: unknown target 'nope' in '$WORK/dockreset.json'"
	assert_line --index 1 "hint: its targets are 'app'"
}

@test "options may stand before the command" {
	run "$DR" -H unix:///nonexistent/docker.sock status app
	assert_failure 4
	run "$DR" status app -H unix:///nonexistent/docker.sock
	assert_failure 4
}

@test "the config is found in a parent directory" {
	mkdir -p a/b
	cd a/b
	run "$DR" status nope
	assert_failure 2
	assert_line --index 0 "dockreset: error: unknown target 'nope' in '$WORK/dockreset.json'"
}

@test "DOCKRESET_CONFIG names the config" {
	mkdir other
	mv dockreset.json other/x.json
	DOCKRESET_CONFIG="$WORK/other/x.json" run "$DR" status nope
	assert_failure 2
	assert_line --index 0 "dockreset: error: unknown target 'nope' in '$WORK/other/x.json'"
}

@test "an unreachable docker endpoint exits 4 naming it" {
	run "$DR" targets -H unix:///nonexistent/docker.sock
	assert_failure 4
	assert_line --index 0 --regexp "^dockreset: error: .*'unix:///nonexistent/docker\.sock'"
}

@test "a tcp:// endpoint exits 4 saying it is not supported yet" {
	run "$DR" targets -H tcp://127.0.0.1:2375
	assert_failure 4
	assert_output --partial "not supported yet"
}

@test "DOCKER_HOST is used when -H is absent" {
	DOCKER_HOST=unix:///nonexistent/d.sock run "$DR" targets
	assert_failure 4
	assert_output --partial "unix:///nonexistent/d.sock"
}

@test "--json prints one document even on failure" {
	run --separate-stderr "$DR" status app --json -H unix:///nonexistent/docker.sock
	assert_failure 4
	echo "$output" >out.json
	run python3 - out.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False, d
assert d["exit_code"] == 4, d
assert d["command"] == "status", d
assert d["target"] == "app", d
assert "nonexistent" in d["error"], d
for k in ("containers", "database", "tables", "markers", "newest_backup"):
    assert k in d, k
PY
	assert_success
}

@test "--json on a usage error still prints the envelope" {
	run --separate-stderr "$DR" --json status nope
	assert_failure 2
	run python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["exit_code"]==2 and d["ok"] is False and "nope" in d["error"], d' <<<"$output"
	assert_success
}

@test "a full stdout is an error, not success" {
	[ -w /dev/full ] || skip "no /dev/full"
	run "$DR" --help
	assert_success
	run bash -c "'$DR' --help >/dev/full"
	assert_failure 8
	assert_output --partial "cannot write to standard output"
}

@test "no config anywhere exits 2 with a hint" {
	rm dockreset.json
	run "$DR" status app
	assert_failure 2
	assert_line --index 0 "dockreset: error: no dockreset.json found in '$WORK' or its parents"
}
