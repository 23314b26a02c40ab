#!/usr/bin/env bats
# End to end: the promises of SPEC 5 and 7 that no other file checks.
# pg_dump runs with no TTY and as dockreset:pg_dump:TARGET; a backup failing
# its post-write verification is deleted (exit 7); prune keeps backup.keep
# (default 20); verify and prune exit 9 while a backup holds the lock, and
# 130/143 on signals; colour only on a terminal; prune refuses the git,
# container and database markers; pg_terminate_backend ends a pg_dump that
# is still streaming.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up promises
	# a copy of the small example database, for quick backups
	docker exec "$(bk_db)" createdb -U bot -T discord smalldb || return 1
	# SMALL_DIR: one custom backup of the small example
	"$BK_DR" -q -c "$BK_CONFIG" backup discord-bot || return 1
	SMALL_DIR="$BATS_FILE_TMPDIR/small"
	mv "$BK_DIR" "$SMALL_DIR" || return 1
	# about 260 MB as a plain dump: seconds to stream, to pg_restore
	bk_fill_big 400000 || return 1
	# BIG_DIR: one custom backup of it
	"$BK_DR" -q -c "$BK_CONFIG" backup discord-bot || return 1
	BIG_DIR="$BATS_FILE_TMPDIR/big"
	mv "$BK_DIR" "$BIG_DIR" || return 1
	mkdir -m 700 "$BK_DIR"
	export SMALL_DIR BIG_DIR
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	load promises_helpers
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DISCORD_APP_ENV
	DB=$(bk_db)
	BG_PID=
	STOPPED=
	UNDO=()
}

teardown() {
	local p u
	for p in $STOPPED; do
		kill -CONT "$p" 2>/dev/null || true
	done
	if [ -n "$BG_PID" ]; then
		kill -TERM "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	for u in "${UNDO[@]}"; do
		eval "$u" || true
	done
	rm -f "$BK_DIR"/* "$BK_DIR"/.lock
}

# Starts `dockreset ARGS` in the background (BG_PID), output in $OUT.
dr_bg() {
	"$BK_DR" "$@" >"$OUT/out" 2>"$OUT/err" &
	BG_PID=$!
}

# Waits for the background run; its exit code in BG_RC.
wait_bg() {
	BG_RC=0
	wait "$BG_PID" || BG_RC=$?
	BG_PID=
	echo "# exit $BG_RC: $(tr '\n' ' ' <"$OUT/err")"
}

# --- pg_dump: ended by pg_terminate_backend, no TTY, its application_name ---

@test "pg_terminate_backend ends a pg_dump that is still streaming: exit 130, nothing left" {
	local partial s1 s2
	dr_bg -c "$BK_CONFIG" backup discord-bot --format plain
	partial=$(bk_wait_partial "$BK_DIR" 5000000)
	# still streaming: the partial file grows and pg_dump's backend is active
	s1=$(stat -c %s "$partial")
	sleep 0.5
	s2=$(stat -c %s "$partial")
	assert [ "$s2" -gt "$s1" ]
	run bk_psql discord "SELECT state FROM pg_stat_activity
	  WHERE application_name = 'dockreset:pg_dump:discord-bot'"
	assert_output active
	# freeze pg_dump mid-stream: from here it cannot finish by itself, so
	# only dockreset ending its session can make it go
	run pr_procs "$DB" pg_dump
	assert_success
	assert_equal "${#lines[@]}" 1
	STOPPED=$output
	kill -STOP "$STOPPED"
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 130
	# its backend is gone while pg_dump is still frozen
	run pr_wait_no_backend dockreset:pg_dump:discord-bot 3
	assert_success
	kill -CONT "$STOPPED"
	STOPPED=
	# and pg_dump, its connection ended, exits
	run pr_wait_no_procs "$DB" pg_dump 5
	assert_success
	assert_file_not_exists "$partial"
	bk_assert_nothing_left "$BK_DIR"
	run ls -A "$BK_DIR"
	assert_output ""
}

@test "pg_dump runs by an exec with no TTY and no stdin: its output is a pipe" {
	dr_bg -c "$BK_CONFIG" backup discord-bot --format plain
	bk_wait_partial "$BK_DIR" 5000000 >/dev/null
	run pr_exec_json "$DB" pg_dump
	assert_success
	EXEC=$output
	# the Engine API's record of the exec
	run jq -r '.ProcessConfig.tty, .OpenStdin, .OpenStdout' <<<"$EXEC"
	assert_output $'false\nfalse\ntrue'
	# the process itself: stdin, stdout, stderr are no terminal
	PID=$(jq -r .Pid <<<"$EXEC")
	run readlink "/proc/$PID/fd/0" "/proc/$PID/fd/1" "/proc/$PID/fd/2"
	assert_success
	assert_equal "${#lines[@]}" 3
	refute_output --partial /dev/pts
	refute_output --partial /dev/tty
	refute_output --partial /dev/console
	assert_line --index 1 --regexp '^pipe:\[[0-9]+\]$'
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 130
	bk_assert_nothing_left "$BK_DIR"
}

@test "pg_dump's backend has application_name exactly dockreset:pg_dump:discord-bot" {
	dr_bg -c "$BK_CONFIG" backup discord-bot --format plain
	bk_wait_partial "$BK_DIR" 5000000 >/dev/null
	# pg_dump's backend is the one copying table big out
	run bk_psql discord "SELECT application_name FROM pg_stat_activity
	  WHERE datname = 'discord' AND query LIKE 'COPY public.big %'"
	assert_success
	assert_equal "$output" "dockreset:pg_dump:discord-bot"
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" 130
	bk_assert_nothing_left "$BK_DIR"
}

# --- verification after the write -----------------------------------------

@test "a backup failing its post-write verification is deleted: exit 7, nothing left" {
	local d="$OUT/backups/discord-bot"
	stack_config "$OUT/backups" "$OUT/dockreset.json" '{"name": "smalldb"}'
	UNDO+=(pr_fake_pg_restore_remove)
	pr_fake_pg_restore_install
	run --separate-stderr "$BK_DR" -c "$OUT/dockreset.json" backup discord-bot --format custom
	pr_fake_pg_restore_remove
	assert_equal "$status" 7
	run printf '%s\n' "$stderr"
	assert_output --regexp "dockreset: error: backup '$d/discord-bot-[0-9T]+Z\.dump' is damaged: pg_restore cannot read it: pg_restore: error: damaged"
	# no backup file, no manifest, no partial, no lock, no session
	run ls -A "$d"
	assert_success
	assert_output ""
	bk_assert_nothing_left "$d"
	# the same backup with the real pg_restore succeeds (the fake was the cause)
	run --separate-stderr "$BK_DR" -c "$OUT/dockreset.json" backup discord-bot --format custom
	assert_success
}

# --- prune's default keep ---------------------------------------------------

# The ids of the backups in $D, newest first.
ids_newest_first() {
	python3 - "$D" <<'PY'
import json, os, sys
d = sys.argv[1]
ms = [json.load(open(os.path.join(d, f))) for f in os.listdir(d) if f.endswith(".manifest.json")]
for m in sorted(ms, key=lambda m: m["created_at"], reverse=True):
    print(m["id"])
PY
}

# The files of backups $@ (data and manifest), sorted as ls sorts them.
files_of() {
	local id
	for id in "$@"; do
		ls -A "$D" | grep -F "$id."
	done | sort
}

@test "prune without --keep keeps the config's backup.keep newest" {
	pr_copy_backups "$SMALL_DIR"
	pr_clone_backups "$D" 3
	pr_set_config "$CFG" 'c["targets"]["discord-bot"]["backup"] = {"keep": 2}'
	mapfile -t ID < <(ids_newest_first)
	assert_equal "${#ID[@]}" 4
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot -y
	assert_success
	assert_output "$(printf 'deleted %s\n' "${ID[2]}" "${ID[3]}")"
	run ls -A "$D"
	assert_output "$(files_of "${ID[0]}" "${ID[1]}")"
}

@test "prune without --keep and no backup.keep keeps the 20 newest" {
	pr_copy_backups "$SMALL_DIR"
	pr_clone_backups "$D" 21
	mapfile -t ID < <(ids_newest_first)
	assert_equal "${#ID[@]}" 22
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot -y
	assert_success
	assert_output "$(printf 'deleted %s\n' "${ID[20]}" "${ID[21]}")"
	run ls -A "$D"
	assert_output "$(files_of "${ID[@]:0:20}")"
}

# --- the lock -----------------------------------------------------------

@test "verify and prune exit 9 naming the backup that holds the lock; the backup succeeds" {
	local first
	cp -a "$SMALL_DIR"/. "$BK_DIR"/
	pr_clone_backups "$BK_DIR" 2
	ls -A "$BK_DIR" >"$OUT/before"
	dr_bg -c "$BK_CONFIG" backup discord-bot --format plain
	first=$BG_PID
	bk_wait_partial "$BK_DIR" 1 >/dev/null
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" verify discord-bot
	assert_equal "$status" 9
	run printf '%s\n' "$stderr"
	assert_output --partial "dockreset: error: backups of 'discord-bot' are locked by pid $first on host $(hostname) (dockreset backup, started "
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" prune discord-bot --keep 1 -y
	assert_equal "$status" 9
	assert_equal "$output" ""
	run printf '%s\n' "$stderr"
	assert_output --partial "dockreset: error: backups of 'discord-bot' are locked by pid $first on host $(hostname) (dockreset backup, started "
	wait_bg
	assert_equal "$BG_RC" 0
	# the three backups of before, and the new one (data and manifest)
	run bash -c "ls -A '$BK_DIR' | grep -vxF -f '$OUT/before'"
	assert_equal "${#lines[@]}" 2
	assert_line --regexp '^discord-bot-[0-9T]+Z(-[0-9]+)?\.sql$'
	bk_assert_nothing_left "$BK_DIR"
}

# --- signals ------------------------------------------------------------

# verify of the big custom backup, signal $1 while pg_restore reads it
verify_signal() {
	local sig=$1 code=$2
	pr_copy_backups "$BIG_DIR"
	cp -a "$D" "$OUT/before"
	dr_bg -c "$CFG" verify discord-bot
	run pr_wait_exec "$DB" pg_restore 60
	assert_success
	kill "-$sig" "$BG_PID"
	wait_bg
	assert_equal "$BG_RC" "$code"
	# a run killed by the signal would have left its lock
	assert_file_not_exists "$D/.lock"
	run diff -r "$OUT/before" "$D"
	assert_success
	run bk_wait_no_sessions 10
	assert_success
	run pr_wait_no_procs "$DB" pg_restore 10
	assert_success
}

@test "verify interrupted by SIGINT during pg_restore: exit 130, lock released, backup untouched" {
	verify_signal INT 130
}

@test "verify interrupted by SIGTERM during pg_restore: exit 143, lock released, backup untouched" {
	verify_signal TERM 143
}

# prune on a terminal (script(1)), at its prompt: $1 is "ctrl-c" (typed on
# the terminal) or a signal name sent to dockreset's pid (from its lock).
prune_prompt_signal() {
	local how=$1 code=$2 spid rc pid W
	pr_copy_backups "$SMALL_DIR"
	pr_clone_backups "$D" 2
	ls -A "$D" >"$OUT/before"
	mkfifo "$OUT/tty-in"
	script -qefc "$(printf '%q ' "$BK_DR" -c "$CFG" prune discord-bot --keep 1)" /dev/null \
		<"$OUT/tty-in" >"$OUT/tty-out" 2>&1 &
	spid=$!
	exec {W}>"$OUT/tty-in"
	for _ in $(seq 300); do
		grep -q "type the target's name" "$OUT/tty-out" && break
		sleep 0.1
	done
	run cat "$OUT/tty-out"
	assert_output --partial "To delete 2 backups of 'discord-bot', type the target's name (discord-bot): "
	# prune holds its lock at the prompt
	assert_file_exists "$D/.lock"
	if [ "$how" = ctrl-c ]; then
		printf '\003' >&"$W"
	else
		pid=$(jq -r .pid "$D/.lock")
		kill "-$how" "$pid"
	fi
	rc=0
	wait "$spid" || rc=$?
	exec {W}>&-
	assert_equal "$rc" "$code"
	# a run killed by the signal would have left its lock
	assert_file_not_exists "$D/.lock"
	run ls -A "$D"
	assert_output "$(cat "$OUT/before")"
}

@test "prune: Ctrl+C at the confirmation prompt exits 130, nothing deleted" {
	prune_prompt_signal ctrl-c 130
}

@test "prune: SIGTERM at the confirmation prompt exits 143, nothing deleted" {
	prune_prompt_signal TERM 143
}

# --- colour -------------------------------------------------------------

# dockreset's error for an unknown target, run with stdout and stderr on a
# terminal (script(1)); extra arguments before the command line go to env.
on_terminal() {
	script -qec "$(printf '%q ' env "$@" "$BK_DR" -c "$BK_CONFIG" status nope)" /dev/null </dev/null
}

@test "an error on a terminal is coloured" {
	unset NO_COLOR
	run on_terminal
	assert_equal "$status" 2
	assert_output --partial $'\e[31mdockreset: error:\e[0m unknown target \'nope\''
}

@test "no colour with NO_COLOR, even on a terminal" {
	unset NO_COLOR
	run on_terminal NO_COLOR=1
	assert_equal "$status" 2
	assert_output --partial "dockreset: error: unknown target 'nope'"
	refute_output --partial $'\e['
}

@test "no colour with --no-color, even on a terminal" {
	unset NO_COLOR
	run script -qec "$(printf '%q ' "$BK_DR" --no-color -c "$BK_CONFIG" status nope)" /dev/null </dev/null
	assert_equal "$status" 2
	assert_output --partial "dockreset: error: unknown target 'nope'"
	refute_output --partial $'\e['
}

@test "no colour when stderr is no terminal, even with stdout on one" {
	unset NO_COLOR
	run script -qec "$(printf '%q ' "$BK_DR" -c "$BK_CONFIG" status nope) 2>$(printf '%q' "$OUT/err")" /dev/null </dev/null
	assert_equal "$status" 2
	run cat "$OUT/err"
	assert_output --partial "dockreset: error: unknown target 'nope'"
	refute_output --partial $'\e['
}

# --- prune refuses production markers --------------------------------------

# prune -y with no terminal: exit 3, stderr naming each of $@, nothing deleted
prune_refused() {
	local marker
	ls -A "$D" >"$OUT/before"
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y </dev/null
	assert_equal "$status" 3
	assert_equal "$output" ""
	run printf '%s\n' "$stderr"
	assert_output --partial "dockreset: error: "
	for marker in "$@"; do
		assert_output --partial "$marker"
	done
	run ls -A "$D"
	assert_output "$(cat "$OUT/before")"
}

@test "prune refuses when the config's git repository is on branch production" {
	pr_copy_backups "$SMALL_DIR"
	pr_clone_backups "$D" 2
	mkdir "$OUT/repo"
	git -C "$OUT/repo" init -q -b production
	mv "$CFG" "$OUT/repo/dockreset.json"
	CFG="$OUT/repo/dockreset.json"
	git -C "$OUT/repo" add dockreset.json
	git -C "$OUT/repo" -c user.name=t -c user.email=t@example.com commit -qm config
	prune_refused "branch 'production'"
}

@test "prune refuses when an app container has APP_ENV=production" {
	local name
	pr_copy_backups "$SMALL_DIR"
	pr_clone_backups "$D" 2
	UNDO+=("stack_compose up --no-start --no-deps --force-recreate bot >/dev/null 2>&1")
	DISCORD_APP_ENV=production stack_compose up --no-start --no-deps --force-recreate bot >/dev/null 2>&1
	name=$(docker inspect -f '{{.Name}}' "$(stack_container bot)")
	prune_refused "container '${name#/}'" "APP_ENV=production"
}

@test "prune refuses when the database carries dockreset.environment=production" {
	pr_copy_backups "$SMALL_DIR"
	pr_clone_backups "$D" 2
	UNDO+=("bk_psql discord 'ALTER DATABASE discord RESET dockreset.environment' >/dev/null")
	bk_psql discord "ALTER DATABASE discord SET dockreset.environment = 'production'" >/dev/null
	prune_refused "dockreset.environment=production"
}
