#!/usr/bin/env bats
# End to end: `restore` puts the database back as the backup holds it, on
# the example stack with its bot running (issue 8, SPEC 6). In each format
# (custom, plain, json): backup, reset, restore latest, and every table's
# rows are those of before; the apps run again, healthy; a pre-restore
# backup is listed; one audit line says restore. A plain pg_dump made with
# `docker exec` (no --clean) restores with --file, saying no manifest
# vouched for it. A table made after the backup with a foreign key into a
# restored table does not stop the restore (and is gone after it). An
# extension used by a column, the default privileges and the owner of
# public survive. A view of another schema over a public table refuses the
# restore (exit 2, naming it) with nothing changed.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up roundtrip || return 1
	export STACK_PROJECT
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	load reset_helpers
	load restore_helpers
	rt_setup
	stack_wait_healthy 90
}

teardown() {
	rt_teardown
}

# backup in FORMAT, reset (no backup of its own, so that `latest` is this
# one), restore -y latest: the sums of before, exit 0, the bot restarted
# and healthy, one pre-restore backup, one audit line of restore.
round_trip() {
	local format=$1 id started
	run rt_sums "$OUT/sums"
	assert_success
	id=$(rt_backup "$format")
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --no-backup </dev/null
	assert_success
	# the reset changed what the sums see: the round trip has work to do
	run rt_unchanged "$OUT/sums"
	assert_output --partial "public.tickets"
	started=$(rs_bot_started)

	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot latest -y --json </dev/null
	echo "# stderr: $stderr"
	assert_success
	local doc=$output
	run rt_json_get "$doc" 'd["ok"], d["exit_code"], d["command"], d["target"], d["backup"]["id"]'
	assert_output "(True, 0, 'restore', 'discord-bot', '$id')"
	run rt_unchanged "$OUT/sums"
	assert_output ""
	# the counts the restore reports are the manifest's
	run rt_json_get "$doc" 'sorted((t["name"], t["rows"] == t["expected"]) for t in d["tables"] if t["name"] == "public.servers")'
	assert_output "[('public.servers', True)]"

	# the bot was stopped and started again, and is healthy
	assert [ "$(rs_bot_started)" != "$started" ]
	run stack_wait_healthy 60
	assert_success
	# the safety backup, listed and named in the answer
	run rt_pre_restore_ids
	assert_success
	assert_equal "${#lines[@]}" 1
	run rt_json_get "$doc" 'd["safety_backup"]["id"]'
	assert_output "${lines[0]}"
	# the reset's audit line, then the restore's
	run rt_audit_commands
	assert_output "$(printf 'reset\nrestore')"
	run rs_no_partial "$D"
	assert_output ""
	run bk_wait_no_sessions 15
	assert_success
}

@test "custom: backup, reset, restore latest: every table as before, the bot healthy, safety backup, audit" {
	round_trip custom
}

@test "plain: backup, reset, restore latest: every table as before, the bot healthy, safety backup, audit" {
	round_trip plain
}

@test "json: backup, reset, restore latest: every table as before, the bot healthy, safety backup, audit" {
	round_trip json
}

@test "a plain pg_dump made with docker exec (no --clean) restores with --file, vouched for by no manifest" {
	run rt_sums "$OUT/sums"
	assert_success
	docker exec "$(bk_db)" pg_dump -U bot discord >"$OUT/elsewhere.sql"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --no-backup </dev/null
	assert_success
	run rt_unchanged "$OUT/sums"
	assert_output --partial "public.tickets"

	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot --file "$OUT/elsewhere.sql" -y --json </dev/null
	echo "# stderr: $stderr"
	assert_success
	assert_regex "$stderr" "no manifest"
	run rt_json_get "$output" 'd["ok"], d["backup"]'
	assert_output "(True, None)"
	run rt_unchanged "$OUT/sums"
	assert_output ""
	run stack_wait_healthy 60
	assert_success
}

@test "a newer table with a foreign key into a restored table: the restore runs, the newer table is gone" {
	RT_CLEANUP="DROP TABLE IF EXISTS ticket_votes"
	run rt_sums "$OUT/sums"
	assert_success
	id=$(rt_backup custom)
	# a later migration: a table referencing tickets, with a row
	run bk_psql discord "CREATE TABLE ticket_votes (id serial PRIMARY KEY,
	    ticket_id integer NOT NULL REFERENCES tickets(id), up boolean NOT NULL);
	  INSERT INTO ticket_votes (ticket_id, up) SELECT min(id), true FROM tickets;
	  UPDATE servers SET name = name || ' (renamed)'"
	assert_success
	run rt_unchanged "$OUT/sums"
	assert_output --partial "public.servers"

	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot "$id" -y </dev/null
	echo "# stderr: $stderr"
	assert_success
	run rt_unchanged "$OUT/sums"
	assert_output ""
	run bk_psql discord "SELECT count(*) FROM pg_class WHERE relname = 'ticket_votes'"
	assert_output 0
	run stack_wait_healthy 60
	assert_success
}

@test "an extension used by a column, default privileges and the owner of public survive a restore" {
	RT_CLEANUP="DROP TABLE IF EXISTS tags; DROP EXTENSION IF EXISTS citext;
	  DO \$\$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'drt_reader') THEN
	    DROP OWNED BY drt_reader; DROP ROLE drt_reader; END IF; END \$\$"
	run bk_psql discord "CREATE ROLE drt_reader NOLOGIN;
	  CREATE EXTENSION citext;
	  CREATE TABLE tags (id serial PRIMARY KEY, name citext UNIQUE NOT NULL);
	  INSERT INTO tags (name) VALUES ('Urgent'), ('Billing');
	  ALTER DEFAULT PRIVILEGES FOR ROLE bot IN SCHEMA public GRANT SELECT ON TABLES TO drt_reader"
	assert_success
	local state="SELECT (SELECT extname || ' ' || n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'citext'),
	    (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.tags'::regclass AND attname = 'name'),
	    (SELECT string_agg(defaclrole::regrole::text || ' ' || defaclobjtype::text || ' ' || defaclacl::text, ';') FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = 'public'),
	    (SELECT nspowner::regrole::text || ' ' || coalesce(nspacl::text, 'default') FROM pg_namespace WHERE nspname = 'public'),
	    (SELECT count(*) FROM tags WHERE name = 'urgent')"
	run bk_psql discord "$state"
	assert_output "citext public|citext|bot r {drt_reader=r/bot}|pg_database_owner {pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}|1"
	local before=$output
	# the privileges of every relation of public: the default privileges
	# put back must not be handed to the restored tables, which had none
	local acls="SELECT string_agg(relname || '=' || coalesce(relacl::text, 'default'), ' ' ORDER BY relname)
	    FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'S', 'v', 'm')"
	run bk_psql discord "$acls"
	assert_success
	refute_output --partial drt_reader
	local acls_before=$output
	run rt_sums "$OUT/sums"
	assert_success
	id=$(rt_backup custom)
	run bk_psql discord "DELETE FROM tags; UPDATE servers SET name = name || ' (renamed)'"
	assert_success

	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot "$id" -y </dev/null
	echo "# stderr: $stderr"
	assert_success
	run bk_psql discord "$state"
	assert_output "$before"
	run bk_psql discord "$acls"
	assert_output "$acls_before"
	run rt_unchanged "$OUT/sums"
	assert_output ""
	# the default privileges still act: a table made now is readable by the role
	run bk_psql discord "CREATE TABLE drt_after (x int)"
	assert_success
	run bk_psql discord "SELECT has_table_privilege('drt_reader', 'drt_after', 'SELECT')"
	assert_output "t"
	run bk_psql discord "DROP TABLE drt_after"
	assert_success
}

@test "a view of another schema over a public table: refused with exit 2 naming it, nothing changed" {
	RT_CLEANUP="DROP SCHEMA IF EXISTS reports CASCADE"
	id=$(rt_backup custom)
	run bk_psql discord "UPDATE servers SET name = name || ' (renamed)';
	  CREATE SCHEMA reports;
	  CREATE VIEW reports.open_tickets AS SELECT id, subject FROM public.tickets WHERE status = 'open'"
	assert_success
	run rt_sums "$OUT/sums"
	assert_success

	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot "$id" -y </dev/null
	echo "# stderr: $stderr"
	assert_failure 2
	assert_regex "$stderr" "dockreset: error: .*"
	assert_regex "$stderr" "reports\.open_tickets"
	run rt_unchanged "$OUT/sums"
	assert_output ""
	run bk_psql discord "SELECT count(*) FROM pg_views WHERE schemaname = 'reports'"
	assert_output 1
	run stack_wait_healthy 60
	assert_success
}
