#!/usr/bin/env bats
# End to end: the confirmations of SPEC 3 (through prune) and `mark`.
# A production target (here: the database marker set by `dockreset mark`)
# is pruned only with -y, --production and DOCKRESET_CONFIRM_PRODUCTION=TARGET
# without a terminal, or with --production, the typed phrase and a 5-second
# countdown on one; Ctrl+C at the prompt or in the countdown deletes nothing.
# `mark` stores the marker, asks production's confirmation to change it to
# anything else, and tells a non-superuser owner which GRANT it needs.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up confirm
	local i
	for i in 1 2 3; do
		"$BK_DR" -q -c "$BK_CONFIG" backup discord-bot --format plain >/dev/null || return 1
	done
	[ "$(ls "$BK_DIR"/*.manifest.json | wc -l)" -eq 3 ]
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DOCKRESET_CONFIRM_PRODUCTION
	bk_copy_backups
	ls -A "$D" >"$OUT/before"
}

teardown() {
	# every test starts from a database without a marker
	bk_psql discord "ALTER DATABASE discord RESET dockreset.environment" >/dev/null
}

# The database marker (empty when there is none), as the server stores it.
db_marker() {
	bk_psql discord "SELECT coalesce((SELECT substr(s, 23) FROM pg_db_role_setting d,
	    unnest(d.setconfig) s WHERE d.setrole = 0 AND s LIKE 'dockreset.environment=%'
	    AND d.setdatabase = (SELECT oid FROM pg_database WHERE datname = 'discord')), '')"
}

make_production() {
	"$BK_DR" -q -c "$CFG" mark discord-bot production </dev/null >/dev/null
}

assert_nothing_deleted() {
	ls -A "$D" >"$OUT/after"
	assert_equal "$(cat "$OUT/after")" "$(cat "$OUT/before")"
}

# on_tty INPUT CTRLC ARGS...: runs dockreset ARGS on a terminal (script(1)),
# types INPUT, and, when CTRLC is not empty, presses Ctrl+C once the
# terminal shows the text CTRLC, noting the time in $OUT/ctrlc-at. What the
# terminal showed is printed (and left in $OUT/tty); returns dockreset's
# exit code.
on_tty() {
	local input=$1 ctrlc=$2
	shift 2
	{
		printf '%s' "$input"
		if [[ -n $ctrlc ]]; then
			for _ in $(seq 600); do
				grep -qF -- "$ctrlc" "$OUT/tty" 2>/dev/null && break
				sleep 0.05
			done
			printf '\003'
			echo "$EPOCHREALTIME" >"$OUT/ctrlc-at"
		fi
	} | script -qefc "$(printf '%q ' "$BK_DR" -c "$CFG" "$@")" "$OUT/tty" >/dev/null
	local rc=$?
	cat "$OUT/tty"
	return "$rc"
}

@test "mark production needs no confirmation and status then lists the database marker" {
	run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot production </dev/null
	assert_success
	assert_output "marked database 'discord' of 'discord-bot' as 'production'"
	assert_equal "$(db_marker)" "production"
	run --separate-stderr "$BK_DR" -c "$CFG" status discord-bot
	assert_success
	assert_output --partial "markers     production (1):"
	assert_output --partial "database  discord: dockreset.environment=production"
}

@test "mark --json gives the environment and the previous one" {
	run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot staging --json </dev/null
	assert_success
	run python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["ok"], d["target"], d["environment"], d["previous"])' "$output"
	assert_output "True discord-bot staging None"
	run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot " Production " --json </dev/null
	assert_success
	run python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["environment"], d["previous"])' "$output"
	assert_output " Production  staging"
	# the loose value counts as production
	run --separate-stderr "$BK_DR" -c "$CFG" status discord-bot
	assert_output --partial "dockreset.environment= Production "
}

@test "changing a production marker without production's confirmation: exit 3, marker unchanged" {
	make_production
	run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot development -y </dev/null
	assert_failure 3
	[[ "$stderr" == *"refusing to mark production target 'discord-bot' as 'development'"* ]] || fail "stderr: $stderr"
	assert_equal "$(db_marker)" "production"
	# none removes the marker: the same confirmation
	DOCKRESET_CONFIRM_PRODUCTION=discord-bot run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot none -y </dev/null
	assert_failure 3
	[[ "$stderr" == *"hint: missing: --production"* ]] || fail "stderr: $stderr"
	assert_equal "$(db_marker)" "production"
	# on a terminal without the phrase
	run on_tty $'discord-bot\n' "" mark discord-bot development --production
	assert_failure 3
	assert_output --partial "not confirmed ('discord-bot' is not 'mark production discord-bot'): nothing done"
	assert_equal "$(db_marker)" "production"
}

@test "changing a production marker with production's confirmation changes it" {
	make_production
	DOCKRESET_CONFIRM_PRODUCTION=discord-bot run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot development -y --production </dev/null
	assert_success
	assert_output "marked database 'discord' of 'discord-bot' as 'development'"
	assert_equal "$(db_marker)" "development"
	make_production
	run on_tty $'mark production discord-bot\n' "" mark discord-bot none --production
	assert_success
	assert_output --partial "marking production discord-bot in 5... 4... 3... 2... 1..."
	assert_output --partial "removed the marker of database 'discord' of 'discord-bot'"
	assert_equal "$(db_marker)" ""
	run --separate-stderr "$BK_DR" -c "$CFG" status discord-bot
	assert_output --partial "markers     none: not production"
}

@test "mark refuses an empty value, control characters and more than 63 bytes" {
	local v
	for v in "" $'prod\nuction' $'a\tb' "$(printf 'x%.0s' {1..64})"; do
		run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot "$v" </dev/null
		assert_failure 2
	done
	run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot "$(printf 'x%.0s' {1..63})" </dev/null
	assert_success
	run --separate-stderr "$BK_DR" -c "$CFG" mark discord-bot </dev/null
	assert_failure 2
	assert_equal "$stderr" "dockreset: error: 'mark' needs an environment: dockreset mark TARGET ENVIRONMENT
hint: try 'dockreset --help'"
}

@test "mark by an owner who is no superuser: exit 6 with the GRANT to run" {
	local pw
	pw=$(docker exec "$(bk_db)" printenv POSTGRES_PASSWORD)
	bk_psql discord "CREATE ROLE drt_owner LOGIN PASSWORD '$pw'" >/dev/null
	bk_psql discord "CREATE DATABASE drt_owned OWNER drt_owner" >/dev/null
	stack_config "$OUT/backups" "$OUT/owner.json" '{"user": "drt_owner", "name": "drt_owned"}'
	run --separate-stderr "$BK_DR" -c "$OUT/owner.json" mark discord-bot production </dev/null
	assert_failure 6
	assert_output ""
	assert_equal "${stderr_lines[0]}" "dockreset: error: cannot mark database 'drt_owned' of 'discord-bot': permission denied to set parameter \"dockreset.environment\""
	[[ "$stderr" == *'GRANT SET ON PARAMETER dockreset.environment TO "drt_owner";'* ]] || fail "stderr: $stderr"
	# the hint's statement, run by a superuser, is all it takes
	bk_psql discord 'GRANT SET ON PARAMETER dockreset.environment TO "drt_owner"' >/dev/null
	run --separate-stderr "$BK_DR" -c "$OUT/owner.json" mark discord-bot production </dev/null
	assert_success
	assert_output "marked database 'drt_owned' of 'discord-bot' as 'production'"
	assert_equal "$(bk_psql drt_owned "SELECT current_setting('dockreset.environment', true)")" "production"
	bk_psql discord "DROP DATABASE drt_owned" >/dev/null
	bk_psql discord "REVOKE SET ON PARAMETER dockreset.environment FROM drt_owner" >/dev/null
	bk_psql discord "DROP ROLE drt_owner" >/dev/null
}

@test "production prune without a terminal names each missing item, exit 3, deletes nothing" {
	make_production
	local want
	# -y, --production, the variable: each combination lacking one
	for args in "" "-y" "--production" "-y --production" "env" "env -y" "env --production"; do
		local env=() flags=()
		for a in $args; do
			if [[ $a == env ]]; then env=(DOCKRESET_CONFIRM_PRODUCTION=discord-bot); else flags+=("$a"); fi
		done
		run --separate-stderr env "${env[@]}" "$BK_DR" -c "$CFG" prune discord-bot --keep 1 "${flags[@]}" </dev/null
		assert_failure 3
		assert_output ""
		[[ "$stderr" == *"dockreset: error: refusing to delete 2 backups of 'discord-bot': 'discord-bot' is production, and without a terminal it needs -y, --production and DOCKRESET_CONFIRM_PRODUCTION=discord-bot"* ]] || fail "[$args] stderr: $stderr"
		[[ "$stderr" == *"hint: production marker: discord: dockreset.environment=production"* ]] || fail "[$args] stderr: $stderr"
		want=$( ([[ " $args " == *" -y "* ]] || echo "hint: missing: -y")
			([[ " $args " == *" --production "* ]] || echo "hint: missing: --production")
			([[ " $args " == *" env "* ]] || echo "hint: missing: DOCKRESET_CONFIRM_PRODUCTION=discord-bot in the environment"))
		assert_equal "$(grep '^hint: missing' <<<"$stderr")" "$want"
		assert_nothing_deleted
	done
}

@test "production prune: a variable that is not exactly the target's name is named as missing" {
	make_production
	for v in 1 true yes "" Discord-Bot "discord-bot " other; do
		DOCKRESET_CONFIRM_PRODUCTION=$v run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y --production </dev/null
		assert_failure 3
		assert_equal "$(grep '^hint: missing' <<<"$stderr")" "hint: missing: DOCKRESET_CONFIRM_PRODUCTION=discord-bot in the environment (it is '$v', which is not the target's name)"
		assert_nothing_deleted
	done
}

@test "production prune with -y, --production and DOCKRESET_CONFIRM_PRODUCTION deletes" {
	make_production
	DOCKRESET_CONFIRM_PRODUCTION=discord-bot run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y --production </dev/null
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^deleted discord-bot-'
	assert_equal "$(ls "$D" | wc -l)" 2
}

@test "a config's \"production\": true asks the same confirmation" {
	python3 - "$CFG" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["targets"]["discord-bot"]["production"] = True
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y --production </dev/null
	assert_failure 3
	[[ "$stderr" == *"\"production\": true in the target"* ]] || fail "stderr: $stderr"
	assert_nothing_deleted
	DOCKRESET_CONFIRM_PRODUCTION=discord-bot run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y --production </dev/null
	assert_success
	assert_equal "$(ls "$D" | wc -l)" 2
}

@test "production prune on a terminal without --production: exit 3, nothing deleted" {
	make_production
	run on_tty $'prune production discord-bot\n' "" prune discord-bot --keep 1 -y
	assert_failure 3
	assert_output --partial "dockreset: error: refusing to delete 2 backups of 'discord-bot': 'discord-bot' is production and --production was not given"
	assert_output --partial "hint: pass --production, then type 'prune production discord-bot' when asked"
	assert_nothing_deleted
}

@test "production prune on a terminal: a wrong phrase (or the bare name) exits 3, nothing deleted" {
	make_production
	for answer in "discord-bot" "reset production discord-bot" "prune production discord-bo" "PRUNE PRODUCTION DISCORD-BOT"; do
		run on_tty "$answer"$'\n' "" prune discord-bot --keep 1 --production -y
		assert_failure 3
		assert_output --partial "To delete 2 backups of 'discord-bot', type 'prune production discord-bot': "
		assert_output --partial "dockreset: error: not confirmed ('$answer' is not 'prune production discord-bot'): nothing done"
		assert_nothing_deleted
	done
}

@test "production prune on a terminal: Ctrl+C in the countdown exits 130 at once, nothing deleted" {
	make_production
	run on_tty $'prune production discord-bot\n' "in 5..." prune discord-bot --keep 1 --production
	local ended=$EPOCHREALTIME
	assert_failure 130
	assert_output --partial "pruning production discord-bot in 5..."
	assert_output --partial "dockreset: error: interrupted by SIGINT: nothing done"
	refute_output --partial "deleted"
	run python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]) < 3)' "$(cat "$OUT/ctrlc-at")" "$ended"
	assert_output "True"
	assert_nothing_deleted
	assert_file_not_exists "$D/.lock"
}

@test "production prune on a terminal: Ctrl+C at the prompt exits 130, nothing deleted" {
	make_production
	run on_tty "" "type 'prune production discord-bot': " prune discord-bot --keep 1 --production
	assert_failure 130
	assert_output --partial "dockreset: error: interrupted by SIGINT: nothing done"
	refute_output --partial "pruning production"
	assert_nothing_deleted
}

@test "production prune on a terminal: the phrase, then the full countdown, then it deletes" {
	make_production
	local start=$SECONDS
	run on_tty $'prune production discord-bot\n' "" prune discord-bot --keep 1 --production
	assert_success
	assert_output --partial "'discord-bot' is production:"
	assert_output --partial "pruning production discord-bot in 5... 4... 3... 2... 1..."
	assert_output --partial "deleted discord-bot-"
	(( SECONDS - start >= 5 )) || fail "the countdown took less than 5 s"
	assert_equal "$(ls "$D" | grep -v '^\.lock$' | wc -l)" 2
}

@test "non-production prune on a terminal: a wrong name exits 3, the right name prunes" {
	run on_tty $'prune production discord-bot\n' "" prune discord-bot --keep 1
	assert_failure 3
	assert_output --partial "not confirmed ('prune production discord-bot' is not 'discord-bot'): nothing done"
	assert_nothing_deleted
	run on_tty $'discord-bot\n' "" prune discord-bot --keep 1
	assert_success
	refute_output --partial "is production"
	refute_output --partial "pruning"
	assert_equal "$(ls "$D" | grep -v '^\.lock$' | wc -l)" 2
}
