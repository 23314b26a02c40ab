#!/usr/bin/env bats
# End to end: backup files 0600 and directories 0700 under umask 000;
# symlinks planted where backups are written are never followed; the
# database password (a sentinel) appears in no process's argv on the host
# or in the container, in Docker's events, in dockreset's output, in the
# manifests or in the names of the backup files.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	export DISCORD_DB_PASSWORD="drt-sentinel-$$-$RANDOM-pw"
	bk_stack_up security
	# about 65 MB as a plain dump: long enough to be seen at work
	bk_fill_big 100000
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_test_env
	BG_PID=
	SAMPLER_PID=
	EVENTS_PID=
	echo 'the victim of a symlink' >"$OUT/victim"
	cp "$OUT/victim" "$OUT/victim.orig"
}

teardown() {
	local p
	for p in $BG_PID $SAMPLER_PID $EVENTS_PID; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

@test "under umask 000 every directory made is 0700 and every file 0600" {
	local fmt f d
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/deep/er/backups" "$CFG"
	for fmt in custom plain json; do
		run --separate-stderr bash -c 'umask 000 && exec "$@"' umask000 \
			"$BK_DR" -c "$CFG" backup discord-bot --format "$fmt"
		assert_success
	done
	# a manifest rewritten by verify keeps its mode
	run --separate-stderr bash -c 'umask 000 && exec "$@"' umask000 \
		"$BK_DR" -c "$CFG" verify discord-bot
	assert_success
	for d in "$OUT/deep" "$OUT/deep/er" "$OUT/deep/er/backups" "$OUT/deep/er/backups/discord-bot"; do
		assert_file_permission 700 "$d"
	done
	assert_equal "$(ls "$OUT/deep/er/backups/discord-bot" | wc -l)" 6
	for f in "$OUT/deep/er/backups/discord-bot"/*; do
		assert_file_permission 600 "$f"
	done
}

@test "an existing backup directory keeps its mode, with a warning; its files are 0600" {
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
	mkdir -p "$OUT/backups/discord-bot"
	chmod 0750 "$OUT/backups/discord-bot"
	run --separate-stderr bash -c 'umask 000 && exec "$@"' umask000 \
		"$BK_DR" -c "$CFG" backup discord-bot --format json
	assert_success
	assert_file_permission 750 "$OUT/backups/discord-bot"
	output=$stderr assert_output --partial "dockreset: warning: the backup directory '$OUT/backups/discord-bot' is open to other users (mode 0750)"
	for f in "$OUT/backups/discord-bot"/*; do
		assert_file_permission 600 "$f"
	done
}

@test "symlinks planted at the predicted names are never followed: the backup takes a free id" {
	local now i id
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
	mkdir -p "$OUT/backups/discord-bot"
	now=$(date +%s)
	for i in 0 1 2 3 4 5; do
		id=discord-bot-$(date -u -d "@$((now + i))" +%Y%m%dT%H%M%SZ)
		ln -s "$OUT/victim" "$OUT/backups/discord-bot/$id.json"
		ln -s "$OUT/victim" "$OUT/backups/discord-bot/$id.json.partial"
		ln -s "$OUT/victim" "$OUT/backups/discord-bot/$id.manifest.json"
	done
	run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format json --json
	assert_success
	assert_files_equal "$OUT/victim.orig" "$OUT/victim"
	printf '%s\n' "$output" >"$OUT/out.json"
	id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["backup"]["id"])' "$OUT/out.json")
	# the second of its time was taken by the planted names: "-2"
	assert_regex "$id" '^discord-bot-.*Z-2$'
	# written as new regular files, not through a link
	assert_file_exists "$OUT/backups/discord-bot/$id.json"
	assert_link_not_exists "$OUT/backups/discord-bot/$id.json"
	assert_file_exists "$OUT/backups/discord-bot/$id.manifest.json"
	assert_link_not_exists "$OUT/backups/discord-bot/$id.manifest.json"
	# planted partial names are removed as stale (the links, not their target)
	assert_regex "$stderr" "dockreset: warning: removed partial file '$OUT/backups/discord-bot/discord-bot-.*\\.json\\.partial' left by an interrupted run"
	assert_equal "$(find "$OUT/backups/discord-bot" -name '*.partial')" ""
	assert_equal "$(find "$OUT/backups/discord-bot" -type l | wc -l)" 12
	assert_files_equal "$OUT/victim.orig" "$OUT/victim"
}

@test "a symlink planted at the final name during the dump: exit 8, its target untouched" {
	local partial final
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
	"$BK_DR" -c "$CFG" backup discord-bot --format plain >"$OUT/out" 2>"$OUT/err" &
	BG_PID=$!
	partial=$(bk_wait_partial "$OUT/backups/discord-bot" 1)
	final=${partial%.partial}
	ln -s "$OUT/victim" "$final"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	assert_equal "$rc" 8
	run grep -qF "dockreset: error: refusing to replace '$final': it appeared while it was written (a symbolic link)" "$OUT/err"
	assert_success
	assert_files_equal "$OUT/victim.orig" "$OUT/victim"
	assert_link_exists "$final"
	assert_not_exists "$partial"
	bk_assert_nothing_left "$OUT/backups/discord-bot"
}

@test "a lock file that is a symlink is refused, its target untouched" {
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
	mkdir -p "$OUT/backups/discord-bot"
	ln -s "$OUT/victim" "$OUT/backups/discord-bot/.lock"
	run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format json
	# an unsafe path where dockreset writes: exit 8, nothing followed
	assert_failure 8
	output=$stderr assert_output --partial "the lock file '$OUT/backups/discord-bot/.lock' is a symbolic link: refusing to use it"
	assert_files_equal "$OUT/victim.orig" "$OUT/victim"
	assert_link_exists "$OUT/backups/discord-bot/.lock"
	assert_equal "$(ls "$OUT/backups/discord-bot")" ""
}

# Samples `ps -eo args` on the host and in the db container until stopped.
sampler() {
	local db
	db=$(bk_db)
	while :; do
		ps -eo args >>"$OUT/ps.host"
		docker exec "$db" ps -eo args >>"$OUT/ps.container" 2>&1
	done
}

@test "the password appears in no argv, event, output, manifest or file name" {
	local since fmt
	assert [ ${#DISCORD_DB_PASSWORD} -gt 20 ]
	# the stack uses it: dockreset connects with it
	run docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(bk_db)"
	assert_success
	assert_equal "$(grep -c "^POSTGRES_PASSWORD=$DISCORD_DB_PASSWORD$" <<<"$output")" 1
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
	since=$(date +%s)
	# streamed: "--since X --until Y" alone replays only the daemon's last
	# 256 events, fewer than the sampler's execs make
	docker events --since "$since" --format '{{json .}}' >"$OUT/events" &
	EVENTS_PID=$!
	sampler &
	SAMPLER_PID=$!
	for fmt in plain custom json; do
		"$BK_DR" -v -c "$CFG" backup discord-bot --format "$fmt" --json >>"$OUT/stdout" 2>>"$OUT/stderr"
	done
	"$BK_DR" -v -c "$CFG" verify discord-bot --json >>"$OUT/stdout" 2>>"$OUT/stderr"
	"$BK_DR" -v -c "$CFG" backups discord-bot --json >>"$OUT/stdout" 2>>"$OUT/stderr"
	"$BK_DR" -v -c "$CFG" status discord-bot --json >>"$OUT/stdout" 2>>"$OUT/stderr"
	kill -TERM "$SAMPLER_PID" && wait "$SAMPLER_PID" || true
	SAMPLER_PID=
	sleep 1
	kill -TERM "$EVENTS_PID" && wait "$EVENTS_PID" || true
	EVENTS_PID=
	ls -la "$OUT/backups/discord-bot" >"$OUT/names"

	# the samples saw the work: dockreset on the host, pg_dump in the container
	run grep -q "dockreset -v -c $CFG backup discord-bot --format plain --json" "$OUT/ps.host"
	assert_success
	run grep -q '^pg_dump --format=plain --snapshot=' "$OUT/ps.container"
	assert_success
	run grep -q '"exec_start: pg_dump --format=plain ' "$OUT/events"
	assert_success
	assert_equal "$(ls "$OUT/backups/discord-bot"/*.manifest.json | wc -l)" 3
	echo "# $(wc -l <"$OUT/ps.host") host and $(wc -l <"$OUT/ps.container") container ps lines, $(wc -l <"$OUT/events") events"

	# and nowhere the password (grep: 1 is "no line matched", 2 an error)
	run -1 grep -F -- "$DISCORD_DB_PASSWORD" "$OUT/ps.host" "$OUT/ps.container" "$OUT/events" \
		"$OUT/stdout" "$OUT/stderr" "$OUT/names" "$OUT/backups/discord-bot"/*.manifest.json
}
