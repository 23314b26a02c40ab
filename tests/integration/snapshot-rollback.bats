#!/usr/bin/env bats
# End to end: `snapshot`, `rollback`, `snapshots` on the example stack
# (issue 12). A rollback brings every table back (checksums), twice in a row
# with the background spare; owner, ACL, settings and the production marker
# come back too; a user without CREATEDB gets exit 6 before anything
# changes; SIGINT during the copy and during the swap leaves the target's
# database whole and open; leftovers of interrupted runs are removed by the
# next run; a writer reconnecting in a loop does not break a rollback.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up snaprb || return 1
	export STACK_PROJECT
	# the bot stays stopped (checksums stay still) unless a test starts it
	stack_compose stop -t 2 bot >/dev/null 2>&1
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
	CFG="$OUT/dockreset.json"
	B="$OUT/backups"
	S="$B/discord-bot/snapshots"
	stack_config "$B" "$CFG"
	bk_wait_db_healthy
	# what a failed test may have left on the database's attributes
	bk_psql postgres "ALTER DATABASE discord ALLOW_CONNECTIONS true; ALTER DATABASE discord OWNER TO bot;
	  GRANT CONNECT ON DATABASE discord TO PUBLIC; ALTER DATABASE discord RESET ALL" >/dev/null
}

teardown() {
	[[ -n ${BLOCKER_PID:-} ]] && kill "$BLOCKER_PID" 2>/dev/null
	[[ -n ${LOOP_PID:-} ]] && kill "$LOOP_PID" 2>/dev/null
	wait 2>/dev/null
	return 0
}

dr() { "$BK_DR" -c "$CFG" "$@"; }

# The names of this target's databases made by dockreset, one a line.
our_dbs() {
	bk_psql postgres "SELECT datname FROM pg_database WHERE datname LIKE 'dockreset\_%' ORDER BY 1"
}

# Until the background work is done: no session of the background process,
# no replaced database left, and the spare of every snapshot there.
wait_background() {
	local r missing
	for _ in $(seq 300); do
		missing=$(bk_psql postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dockreset:spare:discord-bot'
		  UNION ALL SELECT count(*) FROM pg_database WHERE datname LIKE 'dockreset\_%\_old\_%'" | paste -sd+ | bc)
		for r in "$S"/*.json; do
			[[ -f $r ]] || continue
			[[ $(bk_psql postgres "SELECT count(*) FROM pg_database WHERE datname = '$(record_db "$(basename "$r" .json)" spare)'") == 1 ]] || missing=$((missing + 1))
		done
		[[ $missing == 0 ]] && return 0
		sleep 0.2
	done
	echo "the background work did not finish" >&2
	return 1
}

record_db() { # NAME copy|spare
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["database"][sys.argv[2]])' \
		"$S/$1.json" "$2"
}

# A session on the maintenance database holding a lock on database $1 that
# makes CREATE DATABASE ... TEMPLATE $1 and ALTER DATABASE $1 RENAME wait.
block_db() {
	docker exec "$(bk_db)" psql -X -U bot -d postgres -c BEGIN \
		-c "COMMENT ON DATABASE \"$1\" IS 'blocked'" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
	BLOCKER_PID=$!
	for _ in $(seq 50); do
		[[ $(bk_psql postgres "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'") -ge 1 ]] && return 0
		sleep 0.1
	done
	return 1
}

unblock() {
	bk_psql postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'" >/dev/null
	wait "$BLOCKER_PID" 2>/dev/null || true
	BLOCKER_PID=
}

# Runs dr ARGS in the background (-v, stderr to $OUT/err), waits for PATTERN
# on its stderr, then sends SIGINT; DR_RC holds its exit code.
interrupt_at() {
	local pattern=$1 pid
	shift
	# dockreset itself, not a function's subshell, gets the signal
	"$BK_DR" -c "$CFG" "$@" -v >"$OUT/out" 2>"$OUT/err" &
	pid=$!
	for _ in $(seq 300); do
		grep -q -- "$pattern" "$OUT/err" && break
		sleep 0.1
	done
	grep -q -- "$pattern" "$OUT/err" || { cat "$OUT/err" >&2; return 1; }
	sleep 1
	kill -INT "$pid"
	DR_RC=0
	wait "$pid" || DR_RC=$?
}

change_everything() {
	bk_psql discord "INSERT INTO tickets (server_id, creator_id, subject) VALUES (1, 4, 'new');
	  UPDATE servers SET name = name || ' changed';
	  DELETE FROM ticket_messages;
	  DROP TABLE IF EXISTS after_snapshot; CREATE TABLE after_snapshot (id int);
	  ALTER TABLE ticket_categories DROP COLUMN IF EXISTS description" >/dev/null
}

@test "rollback brings every table back, twice in a row (the second time with the background spare)" {
	bk_db_digests discord >"$OUT/before"
	run --separate-stderr dr snapshot discord-bot base --json
	assert_success
	run jq -r '.snapshot.name, .snapshot.database.source' <<<"$output"
	assert_output "$(printf 'base\ndiscord')"
	assert_file_exists "$S/base.json"
	run stat -c %a "$S/base.json" "$S"
	assert_output "$(printf '600\n700')"

	change_everything
	run --separate-stderr dr rollback discord-bot base -y --json
	assert_success
	run bk_db_digests discord
	assert_output "$(cat "$OUT/before")"
	run bk_psql discord "SELECT count(*) FROM pg_class WHERE relname = 'after_snapshot'"
	assert_output 0

	wait_background
	run --separate-stderr dr snapshots discord-bot --json
	assert_success
	run jq -r '.snapshots[0].name, .snapshots[0].spare_ready' <<<"$output"
	assert_output "$(printf 'base\ntrue')"
	change_everything
	run --separate-stderr dr rollback discord-bot base -y --json
	assert_success
	run jq -r '.spare_ready, .snapshot.name' <<<"$output"
	assert_output "$(printf 'true\nbase')"
	run bk_db_digests discord
	assert_output "$(cat "$OUT/before")"
	# the replaced databases are dropped: only the copy and its spare are left
	wait_background
	run our_dbs
	assert_output "$(printf '%s\n' "$(record_db base copy)" "$(record_db base spare)" | sort)"
}

@test "owner, ACL, settings and the production marker are the snapshot's after a rollback" {
	bk_psql discord "DO \$\$ BEGIN
	    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'drt_owner') THEN CREATE ROLE drt_owner; END IF;
	    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'drt_reader') THEN CREATE ROLE drt_reader LOGIN; END IF;
	  END \$\$;
	  ALTER DATABASE discord OWNER TO drt_owner;
	  REVOKE CONNECT ON DATABASE discord FROM PUBLIC;
	  GRANT CONNECT ON DATABASE discord TO drt_reader;
	  ALTER DATABASE discord SET work_mem = '7MB';
	  ALTER DATABASE discord SET search_path = \"\$user\", public, \"Odd Schema\";
	  ALTER ROLE drt_reader IN DATABASE discord SET statement_timeout = '5s';
	  ALTER DATABASE discord SET dockreset.environment = 'production'" >/dev/null
	attrs() {
		bk_psql postgres "SELECT pg_get_userbyid(datdba), datacl::text, datconnlimit FROM pg_database WHERE datname = 'discord'" || return 1
		bk_psql postgres "SELECT coalesce(pg_get_userbyid(nullif(setrole, 0)), '-') || ' ' || setconfig::text
		    FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
		   WHERE d.datname = 'discord' ORDER BY 1"
	}
	attrs >"$OUT/attrs"
	run dr snapshot discord-bot attrs
	assert_success
	# changed after the snapshot
	bk_psql discord "ALTER DATABASE discord OWNER TO bot;
	  GRANT CONNECT ON DATABASE discord TO PUBLIC;
	  ALTER DATABASE discord SET work_mem = '9MB';
	  ALTER ROLE drt_reader IN DATABASE discord RESET statement_timeout" >/dev/null
	# production: --backup is needed as well as the three confirmations
	export DOCKRESET_CONFIRM_PRODUCTION=discord-bot
	run dr rollback discord-bot attrs -y --production
	assert_failure 3
	assert_output --partial "needs --backup"
	run --separate-stderr dr rollback discord-bot attrs -y --production --backup --json
	assert_success
	run jq -r '.backup.reason' <<<"$output"
	assert_output pre-rollback
	run attrs
	assert_output "$(cat "$OUT/attrs")"
	# back to what the other tests expect
	bk_psql postgres "ALTER DATABASE discord OWNER TO bot; GRANT CONNECT ON DATABASE discord TO PUBLIC;
	  REVOKE CONNECT ON DATABASE discord FROM drt_reader;
	  ALTER DATABASE discord RESET ALL; ALTER ROLE drt_reader IN DATABASE discord RESET ALL" >/dev/null
}

@test "a database user without CREATEDB gets exit 6 saying what to grant, before anything changes" {
	bk_psql postgres "DO \$\$ BEGIN
	    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'drt_nocreate') THEN
	      CREATE ROLE drt_nocreate LOGIN PASSWORD 'nocreate-pw' NOCREATEDB; END IF; END \$\$" >/dev/null
	port=$(stack_port db 5432)
	stack_config "$B" "$CFG" "{\"url\": \"postgresql://drt_nocreate:nocreate-pw@127.0.0.1:$port/discord\"}"
	our_dbs >"$OUT/dbs"
	run dr snapshot discord-bot nope
	assert_failure 6
	assert_output --partial "may not create databases"
	assert_output --partial 'ALTER ROLE "drt_nocreate" CREATEDB'
	refute_output --partial "nocreate-pw"
	assert_file_not_exists "$S/nope.json"
	run our_dbs
	assert_output "$(cat "$OUT/dbs")"
	run dr rollback discord-bot nope -y
	assert_failure 6
	assert_output --partial "may not create databases"
}

@test "SIGINT during the copy of a rollback: the database is the old one, open; nothing left" {
	run dr snapshot discord-bot sigcopy
	assert_success
	wait_background
	change_everything
	bk_db_digests discord >"$OUT/changed"
	spare=$(record_db sigcopy spare)
	bk_psql postgres "DROP DATABASE \"$spare\"" >/dev/null
	block_db "$(record_db sigcopy copy)"
	interrupt_at "copying snapshot" rollback discord-bot sigcopy -y
	unblock
	run cat "$OUT/err"
	assert_equal "$DR_RC" 130
	assert_output --partial "the database was not changed"
	run bk_db_digests discord
	assert_output "$(cat "$OUT/changed")"
	run bk_psql postgres "SELECT datallowconn FROM pg_database WHERE datname = 'discord'"
	assert_output t
	assert_file_not_exists "$B/discord-bot/.lock"
	run our_dbs
	refute_output --partial "$spare"
}

@test "SIGINT during the swap: the database is the old one, open; the next rollback works" {
	run dr snapshot discord-bot sigswap
	assert_success
	bk_db_digests discord >"$OUT/snap"
	wait_background
	change_everything
	bk_db_digests discord >"$OUT/changed"
	block_db discord
	interrupt_at "RENAME TO" rollback discord-bot sigswap -y
	unblock
	assert_equal "$DR_RC" 130
	run bk_db_digests discord
	assert_output "$(cat "$OUT/changed")"
	run bk_psql postgres "SELECT datallowconn FROM pg_database WHERE datname = 'discord'"
	assert_output t
	run dr rollback discord-bot sigswap -y
	assert_success
	run bk_db_digests discord
	assert_output "$(cat "$OUT/snap")"
}

@test "leftovers of interrupted runs are removed by the next run, a closed database opened again" {
	run dr snapshot discord-bot left
	assert_success
	wait_background
	copy=$(record_db left copy)
	prefix=${copy%_*_*}_
	bk_psql postgres "CREATE DATABASE \"${prefix}old_0123456789abcdef\"" >/dev/null
	bk_psql postgres "CREATE DATABASE \"${prefix}0000000000_cfeedfeedfeedfeed\"" >/dev/null
	bk_psql postgres "ALTER DATABASE discord ALLOW_CONNECTIONS false" >/dev/null
	run dr rollback discord-bot left -y
	assert_success
	assert_output --partial "left closed to connections by an interrupted run"
	assert_output --partial "removed database '${prefix}old_0123456789abcdef'"
	assert_output --partial "removed database '${prefix}0000000000_cfeedfeedfeedfeed'"
	wait_background
	run our_dbs
	assert_output "$(printf '%s\n' "$copy" "$(record_db left spare)" | sort)"
	run bk_psql discord "SELECT 1"
	assert_output 1
}

@test "a writer reconnecting in a loop during a rollback: it succeeds, the database is whole" {
	run dr snapshot discord-bot writer
	assert_success
	bk_db_digests discord >"$OUT/snap"
	wait_background
	id=$(bk_db)
	# a refused connection must not end the loop (bats runs it under set -e):
	# it keeps writing until killed, which the kill below checks
	(while :; do
		docker exec "$id" psql -X -q -U bot -d discord -c \
			"INSERT INTO tickets (server_id, creator_id, subject) VALUES (1, 4, 'loop')" >/dev/null 2>&1 || true
	done) &
	LOOP_PID=$!
	sleep 2
	run dr rollback discord-bot writer -y
	kill "$LOOP_PID"
	wait "$LOOP_PID" 2>/dev/null || true
	LOOP_PID=
	assert_success
	# whole: every table there, those the writer does not touch as in the snapshot
	run bash -c "grep -v '^public.tickets ' '$OUT/snap' | cut -d' ' -f1"
	expected=$output
	run bash -c "source '$BK_ROOT/scripts/lib-stack.bash'; source '$BK_ROOT/tests/integration/backup_helpers.bash'; bk_db_digests discord | grep -v '^public.tickets ' | cut -d' ' -f1"
	assert_output "$expected"
	run bash -c "diff <(grep -v '^public.tickets ' '$OUT/snap') <(source '$BK_ROOT/scripts/lib-stack.bash'; source '$BK_ROOT/tests/integration/backup_helpers.bash'; bk_db_digests discord | grep -v '^public.tickets ')"
	assert_success
}

@test "with the bot running: apps healthy after a rollback; status lists snapshots; prune leaves them" {
	stack_compose start bot >/dev/null 2>&1
	stack_wait_healthy 90
	run dr snapshot discord-bot running
	assert_success
	run dr rollback discord-bot running -y
	assert_success
	run stack_health bot
	assert_output healthy
	run dr status discord-bot
	assert_output --regexp 'running +[0-9T:-]+Z'
	run dr backup discord-bot
	assert_success
	run dr prune discord-bot --keep 1 -y
	assert_success
	assert_file_exists "$S/running.json"
	run dr snapshot discord-bot running
	assert_failure 2
	assert_output --partial "already has a snapshot 'running'"
	run dr snapshot discord-bot running --delete -y
	assert_success
	assert_file_not_exists "$S/running.json"
	wait_background
	run our_dbs
	assert_output ""
	stack_compose stop -t 2 bot >/dev/null 2>&1
}
