#!/usr/bin/env bats
# End to end: `dockreset seed` on a throwaway copy of the example stack:
# rows added, nothing deleted; refused as reset is (no terminal and no -y,
# production without its confirmations, an unknown profile).
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up seedcmd || return 1
	stack_compose stop -t 2 bot >/dev/null 2>&1 || return 1
	export STACK_PROJECT
	printf '%s\n' "INSERT INTO servers (guild_id, name) VALUES ('g-seed-1', 'Seeded server');" \
		>"$BATS_FILE_TMPDIR/server.sql"
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	load reset_helpers
	rs_setup
	rs_config_edit "$CFG" "
c['targets']['discord-bot']['seeds']['server'] = [{'sql': '$BATS_FILE_TMPDIR/server.sql'}]"
}

@test "seed adds the profile's rows and deletes nothing" {
	bk_db_counts discord >"$OUT/counts.before"
	bk_db_digests discord | grep -v '^public\.servers ' >"$OUT/digests.before"
	run -0 "$BK_DR" -c "$CFG" seed discord-bot server -y
	assert_output --partial "seed of 'discord-bot' done"
	run bk_psql discord "SELECT count(*) FROM servers WHERE guild_id = 'g-seed-1'"
	assert_output "1"
	run bk_psql discord "SELECT count(*) FROM servers"
	assert_output "$(($(grep '^public\.servers ' "$OUT/counts.before" | cut -d' ' -f2) + 1))"
	bk_db_digests discord | grep -v '^public\.servers ' >"$OUT/digests.after"
	run diff "$OUT/digests.before" "$OUT/digests.after"
	assert_success
	assert_output ""
	run cat "$B/audit.jsonl"
	assert_output --partial '"command":"seed"'
	assert_output --partial '"outcome":"ok"'
}

@test "seed without a terminal and without -y: exit 3, nothing added" {
	run bk_psql discord "SELECT count(*) FROM servers"
	local n=$output
	run -3 "$BK_DR" -c "$CFG" seed discord-bot server </dev/null
	assert_output --partial "-y"
	run bk_psql discord "SELECT count(*) FROM servers"
	assert_output "$n"
}

@test "seed of a production target without its confirmations: exit 3 naming each, nothing added" {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['production'] = True"
	run bk_psql discord "SELECT count(*) FROM servers"
	local n=$output
	run -3 "$BK_DR" -c "$CFG" seed discord-bot server -y </dev/null
	assert_output --partial "--production"
	assert_output --partial "DOCKRESET_CONFIRM_PRODUCTION"
	run bk_psql discord "SELECT count(*) FROM servers"
	assert_output "$n"
}

@test "seed with an unknown profile: exit 2 naming it" {
	run -2 "$BK_DR" -c "$CFG" seed discord-bot server nope -y
	assert_output --partial "unknown seed profile 'nope' of target 'discord-bot'"
}
