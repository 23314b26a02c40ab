#!/usr/bin/env bats
# Bad configurations: each exits 2 with one error naming the key path (or
# line and column), and a good one using every key loads.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	F=$(cd "$BATS_TEST_DIRNAME/fixtures" && pwd -P)
	export NO_COLOR=1
	unset DOCKRESET_CONFIG
}

# expect_config_error FILE MESSAGE: exit 2 and exactly that first line.
expect_config_error() {
	run "$DR" -c "$F/$1" targets -H unix:///nonexistent.sock
	assert_failure 2
	assert_line --index 0 "dockreset: error: '$F/$1': $2"
}

@test "a syntax error names line and column" {
	expect_config_error bad-syntax.json "line 3, column 11: invalid JSON: '}' expected near '\"targets\"'"
}

@test "an unknown key names its path and suggests the near one" {
	expect_config_error unknown-key.json 'targets.discord-bot.reset.tabels: unknown key (did you mean "tables"?)'
}

@test "a wrong type names the key and what was found" {
	expect_config_error bad-type.json 'targets.discord-bot.backup.keep: expected an integer, got a string'
}

@test "a bad target name is refused" {
	expect_config_error bad-target-name.json "targets.\"Discord Bot\": invalid target name (use 1 to 63 of a-z, 0-9, '_', '.' and '-', starting with a letter or digit)"
}

@test "a target without a database is refused" {
	expect_config_error missing-database.json 'targets.discord-bot: "database" is required'
}

@test "keep with the recreate strategy is refused" {
	expect_config_error keep-with-recreate.json 'targets.discord-bot.reset.keep: not allowed with "strategy": "recreate", which drops whole schemas'
}

@test "service and container together are refused" {
	expect_config_error both-service-and-container.json 'targets.discord-bot.database: give either "service" or "container", not both'
}

@test "a bad keep entry names its index" {
	expect_config_error bad-keep-entry.json 'targets.discord-bot.reset.keep[2]: expected a string or an object, got an integer'
}

@test "a missing -c file exits 2" {
	run "$DR" -c "$F/nope.json" targets
	assert_failure 2
	assert_line --index 0 "dockreset: error: cannot read config file '$F/nope.json': No such file or directory"
}

@test "a config using every key loads" {
	# the daemon is unreachable on purpose: exit 4 proves the config passed
	run "$DR" -c "$F/good.json" targets -H unix:///nonexistent.sock
	assert_failure 4
}
