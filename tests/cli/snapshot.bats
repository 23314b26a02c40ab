#!/usr/bin/env bats
# Command-line tests of `snapshot`, `snapshots` and `rollback` with no
# services: usage errors are refused (exit 2) before Docker is reached (the
# endpoint points nowhere, so reaching it would be exit 4), and no snapshot
# directory is created.
bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	WORK=$(mktemp -d)
	cd "$WORK"
	unset DOCKRESET_CONFIG DOCKER_CONTEXT
	export NO_COLOR=1 DOCKER_HOST="unix://$WORK/no-docker.sock"
	cat >dockreset.json <<'JSON'
{
  "version": 1,
  "backup_dir": "backups",
  "targets": { "app": { "database": { "service": "db" } } }
}
JSON
}

teardown() {
	rm -rf "$WORK"
}

@test "help lists snapshot, snapshots and rollback" {
	run "$DR" help
	assert_success
	assert_line --regexp '^  snapshot TARGET NAME '
	assert_line --regexp '^  snapshots TARGET '
	assert_line --regexp '^  rollback TARGET NAME '
}

@test "help rollback lists its options" {
	run "$DR" help rollback
	assert_success
	assert_output --partial "--backup"
	assert_output --partial "--no-restart"
	assert_output --partial "--timeout SECONDS"
}

@test "snapshot without a name: exit 2" {
	run "$DR" snapshot app
	assert_failure 2
	assert_output --partial "dockreset: error: 'snapshot' needs a snapshot name"
	assert_output --partial "hint: try 'dockreset --help'"
	assert_dir_not_exists backups
}

@test "rollback without a name: exit 2" {
	run "$DR" rollback app
	assert_failure 2
	assert_output --partial "dockreset: error: 'rollback' needs a snapshot name"
}

@test "snapshot and rollback refuse names that are not snapshot names" {
	for n in ../x 'a b' 'A' '_x' '.x' 'x;y' "$(printf 'a\nb')" \
		"$(printf 'a%.0s' {1..64})"; do
		run "$DR" snapshot app "$n"
		assert_failure 2
		assert_output --partial "is not valid"
		run "$DR" rollback app "$n" -y
		assert_failure 2
		assert_output --partial "is not valid"
	done
	assert_dir_not_exists backups
}

@test "snapshot takes one name" {
	run "$DR" snapshot app one two
	assert_failure 2
	assert_output --partial "unexpected argument 'two'"
}

@test "snapshot --delete and --force exclude each other" {
	run "$DR" snapshot app one --delete --force
	assert_failure 2
	assert_output --partial "--delete and --force exclude each other"
}

@test "options of one command are refused on the others" {
	run "$DR" snapshot app one --backup
	assert_failure 2
	assert_output --partial "'snapshot' does not take option '--backup'"
	run "$DR" rollback app one --force
	assert_failure 2
	assert_output --partial "'rollback' does not take option '--force'"
	run "$DR" snapshots app --delete
	assert_failure 2
	assert_output --partial "'snapshots' does not take option '--delete'"
	run "$DR" snapshots app extra
	assert_failure 2
	assert_output --partial "unexpected argument 'extra'"
}

@test "an unknown target: exit 2" {
	run "$DR" rollback nope one -y
	assert_failure 2
	assert_output --partial "unknown target 'nope'"
}

@test "a valid request goes on to Docker (exit 4 here)" {
	run "$DR" snapshot app one
	assert_failure 4
}
