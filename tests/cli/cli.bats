#!/usr/bin/env bats
# Command-line tests with no services: help, version, options, messages and
# exit codes.
bats_require_minimum_version 1.5.0

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
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: dockreset [OPTIONS] COMMAND [TARGET] [ARGS] [OPTIONS]" ]]
	[[ "$output" == *"status TARGET"* ]]
	[[ "$output" == *"targets"* ]]
}

@test "help COMMAND and COMMAND --help print the same text" {
	run "$DR" help status
	[ "$status" -eq 0 ]
	help1=$output
	run "$DR" status --help
	[ "$status" -eq 0 ]
	[ "$output" = "$help1" ]
	[[ "${lines[0]}" == "usage: dockreset status TARGET [OPTIONS]" ]]
}

@test "--version names dockreset and its libraries" {
	run "$DR" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^dockreset\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "$output" == *"libcurl "* ]]
	[[ "$output" == *"libpq "* ]]
	[[ "$output" == *"jansson "* ]]
	[[ "$output" == *"libgit2 "* ]]
	[[ "$output" == *"OpenSSL "* ]]
}

@test "an unknown option exits 2 with one error and a hint" {
	run "$DR" status app --bogus
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: unknown option '--bogus'" ]
	[ "${lines[1]}" = "hint: try 'dockreset --help'" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "an unknown short option exits 2" {
	run "$DR" -Z targets
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: unknown option '-Z'" ]
}

@test "an option the command does not take exits 2" {
	run "$DR" status app --yes
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: 'status' does not take option '--yes'" ]
}

@test "an option missing its value exits 2" {
	run "$DR" status app -c
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: option '-c' needs a value" ]
}

@test "an unknown command exits 2" {
	run "$DR" frobnicate
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: unknown command 'frobnicate'" ]
	[ "${lines[1]}" = "hint: try 'dockreset --help'" ]
}

@test "no command exits 2" {
	run "$DR"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: no command given" ]
}

@test "a missing target exits 2" {
	run "$DR" status
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: 'status' needs a target" ]
}

@test "an extra argument exits 2" {
	run "$DR" status app extra
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: unexpected argument 'extra'" ]
}

@test "an unknown target exits 2 and lists the targets" {
	run "$DR" status nope
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: unknown target 'nope' in '$WORK/dockreset.json'" ]
	[ "${lines[1]}" = "hint: its targets are 'app'" ]
}

@test "options may stand before the command" {
	run "$DR" -H unix:///nonexistent/docker.sock status app
	[ "$status" -eq 4 ]
	run "$DR" status app -H unix:///nonexistent/docker.sock
	[ "$status" -eq 4 ]
}

@test "the config is found in a parent directory" {
	mkdir -p a/b
	cd a/b
	run "$DR" status nope
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: unknown target 'nope' in '$WORK/dockreset.json'" ]
}

@test "DOCKRESET_CONFIG names the config" {
	mkdir other && cp dockreset.json other/x.json && rm dockreset.json
	DOCKRESET_CONFIG="$WORK/other/x.json" run "$DR" status nope
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "dockreset: error: unknown target 'nope' in '$WORK/other/x.json'" ]
}

@test "an unreachable docker endpoint exits 4 naming it" {
	run "$DR" targets -H unix:///nonexistent/docker.sock
	[ "$status" -eq 4 ]
	[[ "${lines[0]}" == "dockreset: error: "*"'unix:///nonexistent/docker.sock'"* ]]
}

@test "a tcp:// endpoint exits 4 saying it is not supported yet" {
	run "$DR" targets -H tcp://127.0.0.1:2375
	[ "$status" -eq 4 ]
	[[ "$output" == *"not supported yet"* ]]
}

@test "DOCKER_HOST is used when -H is absent" {
	DOCKER_HOST=unix:///nonexistent/d.sock run "$DR" targets
	[ "$status" -eq 4 ]
	[[ "$output" == *"unix:///nonexistent/d.sock"* ]]
}

@test "--json prints one document even on failure" {
	run --separate-stderr "$DR" status app --json -H unix:///nonexistent/docker.sock
	[ "$status" -eq 4 ]
	echo "$output" >out.json
	python3 - out.json <<'PY'
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
}

@test "--json on a usage error still prints the envelope" {
	run --separate-stderr "$DR" --json status nope
	[ "$status" -eq 2 ]
	echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["exit_code"]==2 and d["ok"] is False and "nope" in d["error"], d'
}

@test "a full stdout is an error, not success" {
	[ -w /dev/full ] || skip "no /dev/full"
	run "$DR" --help
	run bash -c "'$DR' --help >/dev/full"
	[ "$status" -eq 8 ]
	[[ "$output" == *"cannot write to standard output"* ]]
}

@test "no config anywhere exits 2 with a hint" {
	rm dockreset.json
	run "$DR" status app
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "dockreset: error: no dockreset.json found in '$WORK' or its parents" ]]
}
