#!/usr/bin/env bats
# End to end: the schema helper (src/schema.c) against PostgreSQL 15 of the
# test stack, through build/tools/schema-tool. What DROP SCHEMA ... CASCADE
# would take from other schemas is found (a column typed by an extension
# inside, a view, a foreign key) and nothing inside is; dropping and
# recreating puts back the owner, ACL, default privileges and extensions
# exactly as they were, and the recreated schema is empty and usable.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up schema
	export STACK_PROJECT
	stack_compose stop -t 2 bot >/dev/null 2>&1
	stack_psql "CREATE ROLE app_owner; CREATE ROLE reader; CREATE ROLE writer;
		CREATE ROLE \"odd \"\"name\"\"\"" >/dev/null
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	TOOL="$BATS_TEST_DIRNAME/../../build/tools/schema-tool"
	export PGHOST=127.0.0.1 PGPORT=$(stack_port db 5432) PGUSER=bot PGDATABASE=discord \
		PGPASSWORD=bot-secret-pw
}

teardown() {
	stack_psql "DROP SCHEMA IF EXISTS outer_s, app CASCADE; DROP EXTENSION IF EXISTS citext" \
		>/dev/null 2>&1 || true
}

# Objects of another schema that DROP SCHEMA public CASCADE would take.
make_outside() {
	stack_psql "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
		CREATE SCHEMA outer_s;
		CREATE TABLE outer_s.o (id int PRIMARY KEY, c public.citext,
		    ticket_id int REFERENCES public.tickets (id));
		CREATE VIEW outer_s.v AS SELECT id, subject FROM public.tickets;
		CREATE TABLE outer_s.plain (id serial PRIMARY KEY, n text)" >/dev/null
}

# The schema app and a change to public, as the round trip restores them.
make_app() {
	stack_psql "CREATE SCHEMA app AUTHORIZATION app_owner;
		CREATE EXTENSION hstore WITH SCHEMA app;
		CREATE TABLE app.x (id serial PRIMARY KEY, h app.hstore);
		REVOKE ALL ON SCHEMA app FROM PUBLIC;
		GRANT USAGE ON SCHEMA app TO reader WITH GRANT OPTION;
		GRANT USAGE, CREATE ON SCHEMA app TO \"odd \"\"name\"\"\";
		ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA app GRANT SELECT ON TABLES TO reader;
		ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA app
		    GRANT USAGE, SELECT ON SEQUENCES TO reader WITH GRANT OPTION;
		ALTER DEFAULT PRIVILEGES FOR ROLE writer IN SCHEMA app
		    GRANT INSERT, UPDATE, DELETE ON TABLES TO \"odd \"\"name\"\"\";
		ALTER DEFAULT PRIVILEGES FOR ROLE writer IN SCHEMA app GRANT USAGE ON SEQUENCES TO reader;
		GRANT CREATE ON SCHEMA public TO writer" >/dev/null
}

# Owner and ACL of app and public, their default privileges and extensions.
catalog_text() {
	stack_psql "SELECT t FROM (SELECT 'schema ' || nspname || ' ' || pg_get_userbyid(nspowner) || ' '
		    || coalesce(nspacl::text, 'NULL') FROM pg_namespace WHERE nspname IN ('app', 'public')
		UNION ALL SELECT 'defacl ' || defaclnamespace::regnamespace || ' '
		    || pg_get_userbyid(defaclrole) || ' ' || defaclobjtype::text || ' ' || defaclacl::text
		  FROM pg_default_acl
		UNION ALL SELECT 'extension ' || extname || ' ' || extnamespace::regnamespace || ' '
		    || extversion FROM pg_extension) s (t)
		ORDER BY t COLLATE \"C\""
}

@test "deps names the column, view and foreign key of another schema, nothing inside" {
	make_outside
	run "$TOOL" deps public
	assert_success
	assert_output "column c of table outer_s.o depends on type public.citext
table constraint o_ticket_id_fkey on outer_s.o depends on table public.tickets
view outer_s.v depends on table public.tickets"
	# the premise: DROP SCHEMA public CASCADE really takes that column
	run stack_psql "SET client_min_messages = warning; BEGIN; DROP SCHEMA public CASCADE;
		SELECT count(*) FROM pg_attribute WHERE attrelid = 'outer_s.o'::regclass
		  AND attname = 'c' AND NOT attisdropped; ROLLBACK" -q
	assert_success
	assert_output 0
	# with outer_s in the set nothing is outside
	run "$TOOL" deps public outer_s
	assert_success
	assert_output ""
	run "$TOOL" deps outer_s
	assert_success
	assert_output ""
}

@test "recreate is refused while something outside depends, and changes nothing" {
	make_outside
	run stack_psql "SELECT count(*) FROM public.tickets"
	assert_success
	tickets=$output
	run "$TOOL" recreate public
	assert_failure 1
	assert_output --partial "3 outside dependents, not recreating"
	run stack_psql "SELECT count(*) FROM public.tickets"
	assert_success
	assert_output "$tickets"
	run stack_psql "SELECT count(*) FROM outer_s.o"
	assert_success
	assert_output 0
}

@test "public as PostgreSQL 15 makes it, and with PUBLIC revoked, come back as they were" {
	run stack_psql "SELECT pg_get_userbyid(nspowner) || ' ' || nspacl::text
		FROM pg_namespace WHERE nspname = 'public'"
	assert_success
	assert_output "pg_database_owner {pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}"
	run "$TOOL" recreate public
	assert_success
	run stack_psql "SELECT pg_get_userbyid(nspowner) || ' ' || nspacl::text
		FROM pg_namespace WHERE nspname = 'public'"
	assert_success
	assert_output "pg_database_owner {pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}"
	run stack_psql "REVOKE ALL ON SCHEMA public FROM PUBLIC"
	assert_success
	run "$TOOL" recreate public
	assert_success
	run stack_psql "SELECT pg_get_userbyid(nspowner) || ' ' || nspacl::text
		FROM pg_namespace WHERE nspname = 'public'"
	assert_success
	assert_output "pg_database_owner {pg_database_owner=UC/pg_database_owner}"
	run stack_psql "GRANT USAGE ON SCHEMA public TO PUBLIC"
	assert_success
}

@test "drop and recreate puts owner, ACL, default privileges and extensions back exactly" {
	make_app
	run catalog_text
	assert_success
	before=$output
	assert_output 'defacl app app_owner S {reader=r*U*/app_owner}
defacl app app_owner r {reader=r/app_owner}
defacl app writer S {reader=U/writer}
defacl app writer r {"\"odd \"\"name\"\"\"=awd/writer"}
extension hstore app 1.8
extension plpgsql pg_catalog 1.0
schema app app_owner {app_owner=UC/app_owner,reader=U*/app_owner,"\"odd \"\"name\"\"\"=UC/app_owner"}
schema public pg_database_owner {pg_database_owner=UC/pg_database_owner,=U/pg_database_owner,writer=C/pg_database_owner}'
	run "$TOOL" recreate app public
	assert_success
	assert_output ""
	run catalog_text
	assert_success
	assert_output "$before"
}

@test "after recreate the schema is empty and its roles use it as granted" {
	make_app
	run stack_psql "INSERT INTO app.x (h) VALUES ('a=>1')"
	assert_success
	run "$TOOL" recreate app
	assert_success
	# empty: no table, sequence or view left; the extension's type back
	run stack_psql "SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace"
	assert_success
	assert_output 0
	run stack_psql "SELECT 'a=>1'::app.hstore OPERATOR(app.->) 'a'"
	assert_success
	assert_output 1
	# USAGE and CREATE: a table of one's own
	run stack_psql "SET ROLE \"odd \"\"name\"\"\"; CREATE TABLE app.mine (id int);
		INSERT INTO app.mine VALUES (7); SELECT id FROM app.mine" -q
	assert_success
	assert_output 7
	# USAGE only: no CREATE
	run stack_psql "SET ROLE reader; CREATE TABLE app.not_mine (id int)"
	assert_failure
	assert_output --partial "permission denied for schema app"
	# default privileges: the owner's new table is readable by reader
	run stack_psql "SET ROLE app_owner; CREATE TABLE app.owned (id int);
		SET ROLE reader; SELECT count(*) FROM app.owned" -q
	assert_success
	assert_output 0
	# PUBLIC has no USAGE: a role with no grant cannot reach it
	run stack_psql "SET ROLE writer; SELECT count(*) FROM app.owned"
	assert_failure
	assert_output --partial "permission denied for schema app"
}
