#!/usr/bin/env bats
# End to end: `snapshot` and `rollback` when PostgreSQL's disk fills during
# the copy (CREATE DATABASE ... TEMPLATE fails with "No space left on
# device"). The stack (fixtures/small-disk) keeps PGDATA on a 256 MB tmpfs;
# a filler file takes all of it but a few MB, enough for PostgreSQL to keep
# running, not for a copy of its ~37 MB database. A failed snapshot or
# rollback exits 6 with PostgreSQL's message and leaves the database as it
# was and open, no database or record of its own, the app running again,
# no lock; once the filler is gone the same command succeeds.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up snapdisk "$BATS_TEST_DIRNAME/fixtures/small-disk" || return 1
	export STACK_PROJECT
	local id
	id=$(stack_container db | head -n1)
	# ~37 MB: pgbench_accounts 200000 rows
	docker exec "$id" pgbench -i -q -s 2 -U app app >/dev/null 2>&1 || return 1
	docker exec "$id" psql -X -q -U app -d app -c CHECKPOINT || return 1
	cat >"$BATS_FILE_TMPDIR/dockreset.json" <<JSON
{"version": 1, "backup_dir": "$BATS_FILE_TMPDIR/backups",
 "targets": {"small": {"database": {"service": "db"}, "apps": ["app"]}}}
JSON
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	export COMPOSE_PROJECT_NAME=$STACK_PROJECT NO_COLOR=1
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DOCKRESET_CONFIRM_PRODUCTION
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	CFG="$BATS_FILE_TMPDIR/dockreset.json"
	B="$BATS_FILE_TMPDIR/backups/small"
	S="$B/snapshots"
	DB=$(stack_container db | head -n1)
	APP=$(stack_container app | head -n1)
}

teardown() {
	# room again for the next test, and no snapshot of an earlier one
	docker exec "$DB" rm -f /pgdisk/filler
	local n
	for n in $(snapshot_names); do
		"$DR" -q -c "$CFG" snapshot small "$n" --delete -y >/dev/null 2>&1
	done
	return 0
}

dr() { "$DR" -c "$CFG" "$@"; }

sd_psql() { # DB SQL
	# sorts in memory: a full disk has no room for temporary files
	docker exec -e PGOPTIONS="-c work_mem=256MB" "$DB" psql -X -v ON_ERROR_STOP=1 -U app -d "$1" -Atc "$2"
}

snapshot_names() {
	"$DR" -c "$CFG" snapshots small --json 2>/dev/null | jq -r '.snapshots[].name'
}

# "table rows md5" of every pgbench table: the md5 of its rows' sorted md5s.
digests() {
	local t
	for t in pgbench_accounts pgbench_branches pgbench_history pgbench_tellers; do
		sd_psql app "SELECT '$t ' || count(*) || ' ' ||
		    coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text) COLLATE \"C\")), 'empty')
		  FROM $t t" || return 1
	done
}

our_dbs() {
	sd_psql postgres "SELECT datname FROM pg_database WHERE datname LIKE 'dockreset\_%' ORDER BY 1"
}

record_db() { # NAME copy|spare
	jq -r ".database.$2" "$S/$1.json"
}

# Bytes free on PostgreSQL's file system.
avail() {
	docker exec "$DB" df --output=avail -B1 /pgdisk | tail -n1 | tr -d ' '
}

# Fills PostgreSQL's file system to the last byte with a filler file, then
# gives back 8 MB: PostgreSQL keeps running, a copy of the database does not
# fit.
fill_disk() {
	local size
	docker exec "$DB" sh -c 'dd if=/dev/zero of=/pgdisk/filler bs=1M 2>/dev/null; exit 0' || return 1
	[[ $(avail) -lt 1048576 ]] || { echo "the filler did not fill the disk" >&2; return 1; }
	docker exec "$DB" truncate -s -8M /pgdisk/filler || return 1
	size=$(sd_psql postgres "SELECT pg_database_size('app')") || return 1
	[[ $(avail) -lt $size ]] || { echo "a copy of the database still fits" >&2; return 1; }
}

# Until the background process has made the spare of snapshot $1.
wait_spare() {
	local spare
	spare=$(record_db "$1" spare) || return 1
	for _ in $(seq 300); do
		[[ $(sd_psql postgres "SELECT (SELECT count(*) FROM pg_database WHERE datname = '$spare')
		    || ' ' || (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dockreset:spare:small')") == "1 0" ]] && return 0
		sleep 0.2
	done
	echo "the spare of snapshot '$1' was not made" >&2
	return 1
}

started_at() {
	docker inspect -f '{{.State.StartedAt}}' "$APP"
}

# The target database open, no lock left (file or advisory), the app running.
assert_nothing_held() {
	run sd_psql postgres "SELECT datallowconn FROM pg_database WHERE datname = 'app'"
	assert_output t
	run sd_psql app "SELECT 1"
	assert_output 1
	assert_file_not_exists "$B/.lock"
	run sd_psql postgres "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
	assert_output 0
	run docker inspect -f '{{.State.Running}}' "$APP"
	assert_output true
}

@test "snapshot on a full disk: exit 6 with PostgreSQL's reason; the database whole and open, nothing left" {
	digests >"$BATS_TEST_TMPDIR/before"
	app_started=$(started_at)
	fill_disk

	run dr snapshot small full
	assert_failure 6
	assert_output --partial "copying database 'app' to snapshot 'full'"
	assert_output --partial "No space left on device"
	assert_output --partial "starting the apps again"

	run our_dbs
	assert_success
	assert_output ""
	assert_file_not_exists "$S/full.json"
	run digests
	assert_output "$(cat "$BATS_TEST_TMPDIR/before")"
	assert_nothing_held
	# stopped for the copy, then started again
	run started_at
	refute_output "$app_started"
	run dr snapshots small
	assert_success
	assert_output "no snapshots"
}

@test "the same snapshot succeeds once the disk has room: the failure left nothing in the way" {
	fill_disk
	run dr snapshot small again
	assert_failure 6
	docker exec "$DB" rm /pgdisk/filler

	run dr snapshot small again
	assert_success
	assert_output --partial "snapshot 'again' of 'small' taken"
	assert_file_exists "$S/again.json"
	run our_dbs
	assert_output --partial "$(record_db again copy)"
	assert_nothing_held
}

@test "rollback with no spare ready on a full disk: exit 6, the database unchanged and open; after freeing space it works" {
	run dr snapshot small roll
	assert_success
	digests >"$BATS_TEST_TMPDIR/snap"
	wait_spare roll
	copy=$(record_db roll copy)
	sd_psql postgres "DROP DATABASE \"$(record_db roll spare)\"" >/dev/null
	# changed after the snapshot
	sd_psql app "DELETE FROM pgbench_accounts WHERE aid <= 1000; INSERT INTO pgbench_history (tid, bid, aid, delta) VALUES (1, 1, 1, 42)" >/dev/null
	digests >"$BATS_TEST_TMPDIR/changed"
	run diff -q "$BATS_TEST_TMPDIR/snap" "$BATS_TEST_TMPDIR/changed"
	assert_failure
	app_started=$(started_at)
	fill_disk

	run dr rollback small roll -y
	assert_failure 6
	assert_output --partial "copying snapshot 'roll' (no spare was ready)"
	assert_output --partial "hint: the database of 'small' was not changed"
	assert_output --partial "No space left on device"

	run digests
	assert_output "$(cat "$BATS_TEST_TMPDIR/changed")"
	assert_nothing_held
	# the spare is copied before the apps stop: the app never stopped
	run started_at
	assert_output "$app_started"
	assert_file_exists "$S/roll.json"
	run our_dbs
	assert_output "$copy"
	run dr snapshots small
	assert_output --regexp '^NAME .*'$'\n''roll +[0-9T:-]+Z .* no '

	docker exec "$DB" rm /pgdisk/filler
	run dr rollback small roll -y
	assert_success
	assert_output --partial "spare made now"
	run digests
	assert_output "$(cat "$BATS_TEST_TMPDIR/snap")"
	assert_nothing_held
}
