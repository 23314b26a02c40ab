#!/usr/bin/env bats
# End to end on the second example stack (compose/task-api): `reset -y` with
# the recreate strategy on an app whose schema belongs to Alembic. The schema
# public is dropped and recreated (owner, grants, default privileges and the
# citext extension as they were), `alembic upgrade head` and the app's
# `python3 seed.py` run in one-off containers of the app after the commit,
# the app restarted healthy. Refusals: a column of another schema typed by
# the extension (exit 2, nothing changed); a migration command that fails
# after the commit (exit 10 naming it, no one-off container left, the app
# running). The run step's secret environment value is in no output, no
# audit line, no Docker event.
bats_require_minimum_version 1.5.0

# The config's ADMIN_PASSWORD of the run step (compose/task-api/dockreset.json).
SECRET=task-api-admin-Pw-7f3c9e

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up ralembic "$STACK_ROOT/compose/task-api" || return 1
	export STACK_PROJECT
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DOCKRESET_CONFIRM_PRODUCTION
	export STACK_DB_USER=tasks STACK_DB_NAME=tasks
	CFG="$OUT/dockreset.json"
	B="$OUT/backups"
	python3 - "$STACK_ROOT/compose/task-api/dockreset.json" "$CFG" "$B" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["backup_dir"] = sys.argv[3]
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
	stack_wait_healthy 90
	ta_migrated
}

teardown() {
	[[ -z ${EVENTS_PID:-} ]] || kill "$EVENTS_PID" 2>/dev/null || true
	# a test's extra schema must not refuse the next test's reset
	stack_psql "DROP SCHEMA IF EXISTS archive CASCADE; DROP TABLE IF EXISTS public.scratch" \
		>/dev/null 2>&1 || true
}

# The app's first deploy, as its README says, where the schema is not there
# (the first test, or after the failing migration).
ta_migrated() {
	[[ $(stack_psql "SELECT to_regclass('public.alembic_version') IS NULL") == t ]] || return 0
	stack_compose run --rm -T app alembic upgrade head >/dev/null 2>&1 || return 1
	stack_compose run --rm -T -e ADMIN_PASSWORD=setup-pw app python3 seed.py >/dev/null
}

# Rows the app and its users wrote: a second tenant, its users, tasks for
# every user (24 the first time), a comment on each, and a table of its own.
ta_fill() {
	stack_psql "
	  INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme') ON CONFLICT DO NOTHING;
	  INSERT INTO roles (tenant_id, name) SELECT id, 'member' FROM tenants WHERE slug = 'acme'
	    ON CONFLICT DO NOTHING;
	  INSERT INTO users (tenant_id, role_id, email, password_hash)
	    SELECT t.id, r.id, 'u' || g || '@acme.test', 'x'
	      FROM tenants t JOIN roles r ON r.tenant_id = t.id, generate_series(1, 5) g
	     WHERE t.slug = 'acme' ON CONFLICT DO NOTHING;
	  INSERT INTO tasks (tenant_id, assignee_id, title)
	    SELECT u.tenant_id, u.id, 'task ' || g FROM users u, generate_series(1, 4) g;
	  INSERT INTO task_comments (task_id, author_id, body)
	    SELECT id, assignee_id, 'on it' FROM tasks WHERE assignee_id IS NOT NULL;
	  CREATE TABLE IF NOT EXISTS public.scratch (n int); INSERT INTO public.scratch VALUES (1)" >/dev/null
}

# "table rows" of every table of public.
ta_counts() {
	local t
	for t in $(stack_psql "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"); do
		printf '%s %s\n' "$t" "$(stack_psql "SELECT count(*) FROM public.$t")"
	done
}

# public's owner, ACL, default privileges and extensions, from the catalog.
ta_schema_catalog() {
	stack_psql "SELECT 'owner', nspowner::regrole::text, 'acl', coalesce(nspacl::text, '-')
	              FROM pg_namespace WHERE nspname = 'public'" &&
		stack_psql "SELECT 'default', defaclrole::regrole::text, defaclobjtype, defaclacl::text
		              FROM pg_default_acl WHERE defaclnamespace = 'public'::regnamespace
		             ORDER BY 2, 3" &&
		stack_psql "SELECT 'extension', extname, extnamespace::regnamespace::text, extversion
		              FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 2"
}

ta_app_started() {
	docker inspect -f '{{.State.StartedAt}}' "$(stack_container app)"
}

ta_app_state() {
	docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' \
		"$(stack_container app)"
}

ta_oneoffs() {
	docker ps -aq --filter "label=com.docker.compose.project=$STACK_PROJECT" \
		--filter label=com.docker.compose.oneoff=True
}

@test "reset -y recreates public by Alembic: tables empty but the app's seed, head recorded, privileges and extension kept, app healthy" {
	ta_fill
	run ta_counts
	assert_success
	assert_line "tasks 24"
	assert_line "scratch 1"
	run ta_schema_catalog
	assert_success
	# the stack's own set-up: a reporting role with rights on public, default
	# privileges for the tables the migrations make, citext in public
	assert_line --regexp '^owner\|pg_database_owner\|acl\|.*reporting=U/'
	assert_line --regexp '^default\|tasks\|r\|\{reporting=r/tasks\}$'
	assert_line --regexp '^extension\|citext\|public\|'
	catalog_before=$output
	started=$(ta_app_started)
	# Docker's events as they happen (the daemon keeps only its last 256,
	# too few on a busy machine to read them afterwards)
	docker events --filter "label=com.docker.compose.project=$STACK_PROJECT" \
		--format '{{json .}}' </dev/null >"$OUT/events" 2>&1 &
	EVENTS_PID=$!

	run "$BK_DR" -c "$CFG" reset task-api -y
	assert_success
	# the migrations and the seed ran in one-off containers of the app
	assert_output --partial "Running upgrade 0001 -> 0002"
	# (every value of the run step's env is masked, the e-mail address too)
	assert_output --partial "seed: root tenant 'root' (id 1), roles owner, moderator, member, admin"
	refute_output --partial "$SECRET"

	# every table recreated by the migrations, empty but the app's seed;
	# the table Alembic does not know is gone; identities from 1
	run ta_counts
	assert_success
	assert_output "$(printf '%s\n' 'alembic_version 1' 'roles 3' 'task_comments 0' 'tasks 0' 'tenants 1' 'users 1')"
	run stack_psql "SELECT version_num FROM alembic_version"
	assert_output "0002"
	run stack_psql "SELECT t.id, t.slug, t.is_root, string_agg(r.name, ',' ORDER BY r.id)
	                  FROM tenants t JOIN roles r ON r.tenant_id = t.id GROUP BY t.id"
	assert_output "1|root|t|owner,moderator,member"
	run stack_psql "SELECT u.email, r.name, u.password_hash LIKE 'pbkdf2_sha256\$%'
	                  FROM users u JOIN roles r ON r.id = u.role_id"
	assert_output "admin@example.com|owner|t"

	# public as it was, and the default privileges at work on the new tables
	run ta_schema_catalog
	assert_success
	assert_output "$catalog_before"
	run stack_psql "SELECT has_table_privilege('reporting', 'public.tasks', 'SELECT')"
	assert_output "t"

	# the app restarted and healthy, no one-off container left
	run ta_app_state
	assert_output "running healthy"
	run ta_app_started
	refute_output "$started"
	run ta_oneoffs
	assert_output ""

	# the run step's secret: in no audit line, no Docker event
	run grep -c . "$B/audit.jsonl"
	assert_output "1"
	run grep -F -- "$SECRET" "$B/audit.jsonl"
	assert_failure 1
	sleep 1
	kill "$EVENTS_PID"
	run cat "$OUT/events"
	assert_success
	assert_output --partial '"com.docker.compose.oneoff":"True"'
	refute_output --partial "$SECRET"
}

@test "a column of another schema typed by the extension in public: refused, exit 2, nothing changed" {
	ta_fill
	stack_psql "CREATE SCHEMA archive; CREATE TABLE archive.old_users (email public.citext);
	            INSERT INTO archive.old_users VALUES ('old@acme.test')" >/dev/null
	run ta_counts
	counts_before=$output
	started=$(ta_app_started)
	mkdir -p "$B"

	run "$BK_DR" -c "$CFG" reset task-api -y
	assert_failure 2
	assert_output --partial "archive.old_users"
	# nothing changed: rows, the outside table, the app never stopped, no backup
	run ta_counts
	assert_output "$counts_before"
	run stack_psql "SELECT email FROM archive.old_users"
	assert_output "old@acme.test"
	run ta_app_started
	assert_output "$started"
	run ta_app_state
	assert_output "running healthy"
	run find "$B" -name '*.dump'
	assert_output ""
}

@test "a migration command that fails in its one-off container after the commit: exit 10 naming it, the backup, no one-off left, app running" {
	ta_fill
	python3 - "$CFG" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["targets"]["task-api"]["reset"]["migrate"]["command"] = ["alembic", "upgrade", "no_such_revision"]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
	run "$BK_DR" -c "$CFG" reset task-api -y
	assert_failure 10
	# the step named, and the tool's own message streamed from the container
	assert_output --regexp "migrate[^\n]*alembic"
	assert_output --partial "Can't locate revision identified by 'no_such_revision'"
	refute_output --partial "$SECRET"
	# the pre-reset backup that restores the previous state is named
	backup=$(find "$B/task-api" -name '*.dump' -printf '%f\n')
	assert_equal "$(wc -w <<<"$backup")" 1
	assert_output --partial "${backup%.dump}"
	# the schema was recreated and nothing migrated it (Alembic made only its
	# empty version table before it looked for the revision)
	run stack_psql "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'"
	assert_output "alembic_version"
	run stack_psql "SELECT count(*) FROM alembic_version"
	assert_output "0"
	run ta_oneoffs
	assert_output ""
	run ta_app_state
	assert_output "running healthy"
}
