#!/usr/bin/env bats
# End to end: reset --strategy recreate on a throwaway copy of the example
# stack: public dropped and recreated by the schema helper (owner, ACL,
# default privileges and an extension as they were), the stack's own
# initdb SQL as reset.migrate.sql; a failing migrate.sql changes nothing;
# a run step failing after the commit exits 10 naming it, no one-off left;
# a column of another schema typed by an extension in public is refused
# before anything changes.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up recreate || return 1
	export STACK_PROJECT
	printf 'SELECT 1/0;\n' >"$BATS_FILE_TMPDIR/bad.sql"
	bk_psql discord "CREATE EXTENSION IF NOT EXISTS citext;
		CREATE ROLE reader;
		GRANT USAGE ON SCHEMA public TO reader;
		ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader;" ||
		return 1
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
	INITDB="$BATS_TEST_DIRNAME/../../compose/discord-bot/initdb"
	rs_config_edit "$CFG" "
t = c['targets']['discord-bot']
t['reset'] = {'tables': '*', 'strategy': 'recreate',
              'migrate': {'sql': ['$INITDB/01-schema.sql', '$INITDB/02-data.sql']}}"
}

# public's owner, ACL, default privileges and extensions, from the catalog.
public_state() {
	bk_psql discord "SELECT 'owner ' || nspowner::regrole || ' acl ' || coalesce(nspacl::text, 'default')
		FROM pg_namespace WHERE nspname = 'public'
		UNION ALL SELECT 'defacl ' || defaclrole::regrole || ' ' || defaclobjtype::text || ' ' || defaclacl::text
		FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE nspname = 'public'
		UNION ALL SELECT 'extension ' || extname FROM pg_extension e
		JOIN pg_namespace n ON n.oid = e.extnamespace WHERE nspname = 'public' ORDER BY 1"
}

oneoffs() {
	docker ps -aq --filter "label=com.docker.compose.project=$STACK_PROJECT" \
		--filter label=com.docker.compose.oneoff=True
}

@test "a failing migrate.sql: exit 6, the database unchanged, the bot running" {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['reset']['migrate']['sql'].append('$BATS_FILE_TMPDIR/bad.sql')"
	rs_snapshot "$OUT/before"
	public_state >"$OUT/public.before"
	run -6 "$BK_DR" -c "$CFG" reset discord-bot -y
	assert_output --partial "dropping and recreating 1 schema"
	assert_output --partial "migrate: '$BATS_FILE_TMPDIR/bad.sql' failed:"
	assert_output --partial "division by zero"
	run rs_unchanged "$OUT/before"
	assert_output ""
	run public_state
	assert_output "$(cat "$OUT/public.before")"
	run rs_bot_state
	assert_output "running healthy"
}

@test "a column of another schema typed by an extension in public: refused with exit 2, before anything changes" {
	bk_psql discord "CREATE SCHEMA other; CREATE TABLE other.names (n citext)"
	run -2 "$BK_DR" -c "$CFG" reset discord-bot -y
	bk_psql discord "DROP SCHEMA other CASCADE"
	assert_output --partial "objects outside the schemas of targets.discord-bot.reset.schemas depend on objects inside them"
	assert_output --partial "other.names"
	run rs_no_partial "$D"
	assert_output ""
	run ls "$D"
	refute_output --partial ".dump"
	run rs_bot_state
	assert_output "running healthy"
}

@test "a run step failing after the commit: exit 10 naming it, no one-off left, the bot running" {
	rs_config_edit "$CFG" "
t = c['targets']['discord-bot']
t['seeds']['appseed'] = [{'run': {'service': 'redis', 'command': ['sh', '-c', 'echo seeding; exit 4']}}]"
	run -10 "$BK_DR" -c "$CFG" reset discord-bot -y --seed appseed
	assert_output --partial "seed appseed step 1 | seeding"
	# a profile of run steps only has nothing in the transaction to announce
	refute_line --regexp "seeding: profile 'appseed'$"
	assert_output --partial "seed appseed step 1: 'sh' exited with 4"
	assert_output --partial "not finished: seed appseed step 1 (its command failed)"
	assert_output --regexp "backup [^ ]+ holds the state before the reset"
	run oneoffs
	assert_output ""
	run rs_bot_state
	assert_output "running healthy"
}

@test "recreate: every table made again by the migration and empty; public's owner, grants, default privileges and extension as before" {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['reset']['migrate']['sql'] = ['$INITDB/01-schema.sql']"
	public_state >"$OUT/public.before"
	run bk_psql discord "SELECT count(*) FROM servers"
	refute_output "0"
	run -0 "$BK_DR" -c "$CFG" reset discord-bot -y --no-restart
	assert_output --partial "recreate: schema public dropped"
	assert_line "tables      11 dropped with their schema, 0 kept"
	run bk_psql discord "SELECT (SELECT count(*) FROM servers) + (SELECT count(*) FROM tickets) + (SELECT count(*) FROM discord_users)"
	assert_output "0"
	run bk_psql discord "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
	assert_output "11"
	run public_state
	assert_output "$(cat "$OUT/public.before")"
	run bk_psql discord "SELECT has_table_privilege('reader', 'public.tickets', 'SELECT')"
	assert_output "t"
}
