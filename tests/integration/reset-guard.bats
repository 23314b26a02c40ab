#!/usr/bin/env bats
# End to end: the production guard of `reset` (SPEC 3) on the example stack
# with its bot running. Each production marker alone refuses `reset -y`
# without a terminal: exit 3, the marker named, the database unchanged, the
# bot untouched, no backup. A repository dockreset cannot open counts as
# production. The accepted paths: -y, --production and
# DOCKRESET_CONFIRM_PRODUCTION=TARGET together reset; each one missing is
# named; on a terminal the typed phrase and the countdown reset, a wrong
# answer or Ctrl+C in the countdown changes nothing.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up guard || return 1
	export STACK_PROJECT
	# two containers outside the stack, taken as apps by some tests: one
	# whose environment says production with odd case and spaces, one with
	# the label
	local image=${DOCKRESET_APP_IMAGE:-postgres:16}
	GUARD_ENV_CT="$STACK_PROJECT-envapp"
	GUARD_LABEL_CT="$STACK_PROJECT-labelapp"
	export GUARD_ENV_CT GUARD_LABEL_CT
	docker run -d --name "$GUARD_ENV_CT" -e 'NODE_ENV= Production ' --entrypoint sleep \
		"$image" infinity >/dev/null || return 1
	docker run -d --name "$GUARD_LABEL_CT" --label dockreset.production=true \
		--entrypoint sleep "$image" infinity >/dev/null || return 1
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	docker rm -f "$GUARD_ENV_CT" "$GUARD_LABEL_CT" >/dev/null 2>&1 || true
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	load reset_helpers
	rs_setup
	stack_wait_healthy 90
}

teardown() {
	bk_psql discord "ALTER DATABASE discord RESET dockreset.environment" >/dev/null 2>&1 || true
}


# The markers of a --json answer: "kind unreadable detail" a line.
markers_of() {
	python3 -c '
import json, sys
for m in json.loads(sys.argv[1])["markers"]:
    print(m["kind"], "unreadable" if m["unreadable"] else "readable", m["detail"])' "$1"
}

# refused [ENV=VALUE...] [-- FLAGS...]: reset without a terminal, with
# --json and FLAGS (default -y); asserts exit 3, the database unchanged, the
# bot untouched, no backup directory. The --json answer is left in $output
# (for markers_of), the messages in $stderr.
refused() {
	local started env=() flags=(-y)
	while (($#)) && [[ $1 != -- ]]; do
		env+=("$1")
		shift
	done
	if (($#)); then
		shift
		flags=("$@")
	fi
	started=$(rs_bot_started)
	rs_snapshot "$OUT/snap"
	run --separate-stderr env "${env[@]}" "$BK_DR" -c "$CFG" reset discord-bot "${flags[@]}" --json </dev/null
	assert_failure 3
	assert_regex "$stderr" "dockreset: error: .*production"
	local answer=$output answer_err=$stderr
	run rs_unchanged "$OUT/snap"
	assert_output ""
	assert_equal "$(rs_bot_started)" "$started"
	assert_not_exists "$D"
	output=$answer
	stderr=$answer_err
}

# A git repository at $1 holding the config, on branch $2 (one commit).
git_repo() {
	local dir=$1 branch=$2
	mkdir -p "$dir" &&
		git -C "$dir" init -q -b "$branch" &&
		mv "$CFG" "$dir/dockreset.json" &&
		git -C "$dir" add dockreset.json &&
		git -C "$dir" -c user.email=t@example.com -c user.name=t commit -q -m config
	CFG="$dir/dockreset.json"
}

@test "no marker: the example resets with -y (the baseline of the refusals below)" {
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --json </dev/null
	assert_success
	run markers_of "$output"
	assert_output ""
}

@test "git branch 'production' of the repository holding the config: exit 3" {
	git_repo "$OUT/repo" production
	refused
	run markers_of "$output"
	assert_output "branch readable branch 'production'"
}

@test "a detached HEAD at the tip of branch 'production': exit 3" {
	git_repo "$OUT/repo" main
	git -C "$OUT/repo" branch production
	git -C "$OUT/repo" checkout -q --detach production
	run git -C "$OUT/repo" symbolic-ref -q HEAD
	assert_failure
	refused
	run markers_of "$output"
	assert_output "branch readable detached HEAD at the tip of branch 'production'"
}

@test "APP_ENV=production in dockreset's environment: exit 3" {
	refused APP_ENV=production
	run markers_of "$output"
	assert_output "env readable APP_ENV=production"
}

@test "' Production ' in an app container's environment: exit 3" {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['apps'].append({'container': '$GUARD_ENV_CT'})"
	refused
	run markers_of "$output"
	assert_output "env readable NODE_ENV= Production "
}

@test "\"production\": true in the config: exit 3" {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['production'] = True"
	refused
	run markers_of "$output"
	assert_output --partial "config readable "
}

@test "a container labelled dockreset.production=true: exit 3" {
	rs_config_edit "$CFG" "c['targets']['discord-bot']['apps'].append({'container': '$GUARD_LABEL_CT'})"
	refused
	run markers_of "$output"
	assert_output "label readable dockreset.production=true"
}

@test "the database marker dockreset.environment = 'production': exit 3" {
	run bk_psql discord "ALTER DATABASE discord SET dockreset.environment = 'production'"
	assert_success
	refused
	run markers_of "$output"
	assert_output "database readable dockreset.environment=production"
}

@test "a repository dockreset cannot open (.git pointing nowhere) counts as production: exit 3" {
	mkdir "$OUT/repo"
	mv "$CFG" "$OUT/repo/dockreset.json"
	CFG="$OUT/repo/dockreset.json"
	echo "gitdir: /nonexistent/drt-no-such-repo" >"$OUT/repo/.git"
	refused
	run markers_of "$output"
	assert_output --regexp '^branch unreadable .+'
}

# ---- accepted paths (SPEC 3) ----

# The reset happened: no row of before in a reset table, kept tables as
# they were, the bot restarted and healthy, one pre-reset backup.
assert_reset_done() {
	run rs_none_left "$OUT/hashes"
	assert_output ""
	run diff "$OUT/snap/kept" <(bk_db_digests discord | grep -E "^public\.(${RS_KEPT// /|}) ")
	assert_success
	assert [ "$(rs_bot_started)" != "$1" ]
	stack_wait_healthy 60
	run bash -c "ls '$D'/*.manifest.json | wc -l"
	assert_output 1
}

@test "production, no terminal: -y --production DOCKRESET_CONFIRM_PRODUCTION=discord-bot resets" {
	local started
	started=$(rs_bot_started)
	rs_snapshot "$OUT/snap"
	rs_row_hashes "$OUT/hashes"
	APP_ENV=production DOCKRESET_CONFIRM_PRODUCTION=discord-bot run --separate-stderr \
		"$BK_DR" -c "$CFG" reset discord-bot -y --production </dev/null
	assert_success
	assert_reset_done "$started"
}

@test "production, no terminal: each of -y, --production, the variable missing is named, exit 3" {
	local args a want
	for args in "-y --production" "-y env" "--production env" ""; do
		local env=(APP_ENV=production) flags=()
		for a in $args; do
			if [[ $a == env ]]; then env+=(DOCKRESET_CONFIRM_PRODUCTION=discord-bot); else flags+=("$a"); fi
		done
		refused "${env[@]}" -- "${flags[@]}"
		want=$( ([[ " $args " == *" -y "* ]] || echo "hint: missing: -y")
			([[ " $args " == *" --production "* ]] || echo "hint: missing: --production")
			([[ " $args " == *" env "* ]] || echo "hint: missing: DOCKRESET_CONFIRM_PRODUCTION=discord-bot in the environment"))
		assert_equal "$(grep '^hint: missing' <<<"$stderr")" "$want"
	done
}

@test "production on a terminal: a wrong phrase exits 3, nothing changed" {
	local started
	started=$(rs_bot_started)
	rs_snapshot "$OUT/snap"
	APP_ENV=production run rs_on_tty $'discord-bot\n' "" reset discord-bot --production
	assert_failure 3
	run rs_unchanged "$OUT/snap"
	assert_output ""
	assert_equal "$(rs_bot_started)" "$started"
	assert_not_exists "$D"
}

@test "production on a terminal: the phrase 'reset production discord-bot', then the countdown, resets" {
	local started
	started=$(rs_bot_started)
	rs_snapshot "$OUT/snap"
	rs_row_hashes "$OUT/hashes"
	APP_ENV=production run rs_on_tty $'reset production discord-bot\n' "" reset discord-bot --production
	assert_success
	assert_output --partial "5... 4... 3... 2... 1..."
	assert_reset_done "$started"
}

@test "production on a terminal: Ctrl+C in the countdown exits 130, nothing changed" {
	local started
	started=$(rs_bot_started)
	rs_snapshot "$OUT/snap"
	APP_ENV=production run rs_on_tty $'reset production discord-bot\n' "5... " reset discord-bot --production
	assert_failure 130
	run rs_unchanged "$OUT/snap"
	assert_output ""
	assert_equal "$(rs_bot_started)" "$started"
	assert_not_exists "$D"
}
