#!/usr/bin/env bats
# End to end: `prune` deletes only what no retention rule keeps (the --keep
# newest, those newer than --older-than, always the newest verified one),
# never a file without a manifest, nothing on a dry run, nothing without a
# confirmation, nothing on a target with a production marker without
# production's confirmation.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up prune
	# five backups, oldest first; several fall in the same second ("-2"...)
	local fmt
	for fmt in custom plain json custom json; do
		"$BK_DR" -q -c "$BK_CONFIG" backup discord-bot --format "$fmt" || return 1
	done
	assert_equal "$(ls "$BK_DIR"/*.manifest.json | wc -l)" 5
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DOCKRESET_CONFIRM_PRODUCTION
	# this test's own copy of the five backups
	bk_copy_backups
	# their ids, newest first
	run --separate-stderr "$BK_DR" -c "$CFG" backups discord-bot --json
	assert_success
	printf '%s\n' "$output" >"$OUT/list.json"
	python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["backups"]:
    print(m["id"])' "$OUT/list.json" >"$OUT/ids"
	mapfile -t ID <"$OUT/ids"
	assert_equal "${#ID[@]}" 5
	ls -A "$D" >"$OUT/before"
}

teardown() {
	# the file made undeletable below, so that bats can clean up
	chattr -i "$D"/* 2>/dev/null || true
}

# The files of backups $@ (data and manifest), sorted as ls sorts them.
files_of() {
	local id
	for id in "$@"; do
		ls -A "$D" | grep -F "$id."
	done | sort
}

# Sets verified_at of backups $@ to null.
unverify() {
	local id
	for id in "$@"; do
		python3 - "$D/$id.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["verified_at"] = None
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
	done
}

@test "prune --keep 2 -y deletes all but the two newest, listing each" {
	files_of "${ID[0]}" "${ID[1]}" >"$OUT/want"
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 2 -y
	assert_success
	printf 'deleted %s\n' "${ID[2]}" "${ID[3]}" "${ID[4]}" >"$OUT/want.out"
	printf '%s\n' "$output" >"$OUT/got.out"
	run diff -u "$OUT/want.out" "$OUT/got.out"
	assert_success
	ls -A "$D" >"$OUT/got"
	run diff -u "$OUT/want" "$OUT/got"
	assert_success
}

@test "prune keeps the newest verified backup beyond --keep" {
	unverify "${ID[0]}" "${ID[1]}"
	files_of "${ID[0]}" "${ID[1]}" "${ID[2]}" >"$OUT/want"
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 2 -y --json
	assert_success
	printf '%s\n' "$output" >"$OUT/out.json"
	run python3 - "$OUT/out.json" "${ID[@]}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ids = sys.argv[2:]
assert d["ok"] is True and d["command"] == "prune", d
assert d["deleted"] == ids[3:5], d["deleted"]
assert d["kept"] == ids[0:3], d["kept"]
PY
	assert_success
	ls -A "$D" >"$OUT/got"
	run diff -u "$OUT/want" "$OUT/got"
	assert_success
}

@test "prune --dry-run lists what it would delete and deletes nothing" {
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 --dry-run
	assert_success
	printf 'would delete %s\n' "${ID[1]}" "${ID[2]}" "${ID[3]}" "${ID[4]}" >"$OUT/want.out"
	printf '%s\n' "$output" >"$OUT/got.out"
	run diff -u "$OUT/want.out" "$OUT/got.out"
	assert_success
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}

@test "prune without -y and without a terminal exits 3 and deletes nothing" {
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 </dev/null
	assert_failure 3
	output=$stderr assert_output --partial "dockreset: error: refusing to delete 4 backups of 'discord-bot' without confirmation: standard input is not a terminal"
	output=$stderr assert_output --partial "hint: pass -y to confirm"
	refute_output
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}

# Runs prune on a terminal (script(1) gives it one) and types $1 at it.
prune_typing() {
	local answer=$1
	shift
	printf '%s\n' "$answer" | script -qefc "$(printf '%q ' "$BK_DR" -c "$CFG" prune discord-bot "$@")" /dev/null
}

@test "prune on a terminal deletes once the target's name is typed" {
	run prune_typing discord-bot --keep 3
	assert_success
	assert_output --partial "To delete 2 backups of 'discord-bot', type the target's name (discord-bot): "
	assert_output --partial "deleted ${ID[3]}"
	assert_output --partial "deleted ${ID[4]}"
	files_of "${ID[0]}" "${ID[1]}" "${ID[2]}" >"$OUT/want"
	# everything else is gone, the lock included
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/want" "$OUT/after"
	assert_success
}

@test "prune on a terminal deletes nothing when another name is typed" {
	run prune_typing discord-bo --keep 1
	assert_failure 3
	assert_output --partial "dockreset: error: not confirmed ('discord-bo' is not 'discord-bot'): nothing done"
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}

@test "a backup file without a manifest is never deleted" {
	rm "$D/${ID[4]}.manifest.json"
	ls -A "$D" | grep -F "${ID[4]}." >"$OUT/orphan"
	assert_equal "$(wc -l <"$OUT/orphan")" 1
	files_of "${ID[0]}" >"$OUT/kept"
	sort "$OUT/kept" "$OUT/orphan" >"$OUT/want"
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y
	assert_success
	output=$stderr assert_output --partial "1 file without a manifest left alone"
	printf 'deleted %s\n' "${ID[1]}" "${ID[2]}" "${ID[3]}" >"$OUT/want.out"
	printf '%s\n' "$output" >"$OUT/got.out"
	run diff -u "$OUT/want.out" "$OUT/got.out"
	assert_success
	ls -A "$D" >"$OUT/got"
	run diff -u "$OUT/want" "$OUT/got"
	assert_success
}

@test "prune --older-than 1h keeps backups that are all newer" {
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 0 --older-than 1h -y
	assert_success
	refute_output
	output=$stderr assert_output --partial "nothing to prune: 5 backups kept"
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}

@test "prune --older-than 1d deletes the backups made days ago, and only those" {
	# two copies of the newest backup, dated three and four days ago
	run python3 - "$D" "${ID[0]}" <<'PY'
import json, os, shutil, sys, time
d, src = sys.argv[1:3]
m = json.load(open(os.path.join(d, src + ".manifest.json")))
ext = m["file"][len(src):]
for days in (3, 4):
    t = time.gmtime(time.time() - days * 86400)
    m2 = dict(m)
    m2["id"] = "discord-bot-" + time.strftime("%Y%m%dT%H%M%SZ", t)
    m2["file"] = m2["id"] + ext
    m2["created_at"] = m2["verified_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
    shutil.copy(os.path.join(d, m["file"]), os.path.join(d, m2["file"]))
    json.dump(m2, open(os.path.join(d, m2["id"] + ".manifest.json"), "w"), indent=2)
    print(m2["id"])
PY
	assert_success
	assert_equal "$(ls "$D"/*.manifest.json | wc -l)" 7
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 0 --older-than 1d -y
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^deleted discord-bot-.*Z$'
	assert_line --index 1 --regexp '^deleted discord-bot-.*Z$'
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}

@test "prune of a target with a production marker needs production's confirmation, not just -y" {
	APP_ENV=production run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y </dev/null
	assert_failure 3
	output=$stderr assert_output --partial "dockreset: error: refusing to delete 4 backups of 'discord-bot': 'discord-bot' is production"
	output=$stderr assert_output --partial "APP_ENV=production"
	refute_output
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
	# a marker in the config ("production": true), -y and --production but
	# no DOCKRESET_CONFIRM_PRODUCTION (tests/integration/guard-confirm.bats
	# has the rest)
	run python3 - "$CFG" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["targets"]["discord-bot"]["production"] = True
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
	assert_success
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y --production </dev/null
	assert_failure 3
	output=$stderr assert_output --partial "hint: missing: DOCKRESET_CONFIRM_PRODUCTION=discord-bot in the environment"
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}

@test "prune --dry-run of a production target lists without refusing, deletes nothing" {
	APP_ENV=production run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 3 --dry-run
	assert_success
	printf 'would delete %s\n' "${ID[3]}" "${ID[4]}" >"$OUT/want.out"
	printf '%s\n' "$output" >"$OUT/got.out"
	run diff -u "$OUT/want.out" "$OUT/got.out"
	assert_success
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}

@test "prune leaves no lock behind" {
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 4 -y
	assert_success
	assert_output "deleted ${ID[4]}"
	assert_not_exists "$D/.lock"
}

@test "a backup that cannot be deleted stops prune: exit 8, nothing else deleted, no lock" {
	command -v chattr >/dev/null || skip "no chattr"
	file=$(ls "$D" | grep -F "${ID[1]}." | grep -v manifest)
	chattr +i "$D/$file" || skip "the file system has no immutable flag"
	run --separate-stderr "$BK_DR" -c "$CFG" prune discord-bot --keep 1 -y
	chattr -i "$D/$file"
	assert_failure 8
	output=$stderr assert_output --partial "dockreset: error: cannot delete '$D/$file': Operation not permitted"
	refute_output
	ls -A "$D" >"$OUT/after"
	run diff -u "$OUT/before" "$OUT/after"
	assert_success
}
