#!/usr/bin/env bats
# End to end: restores that are refused (issue 8, SPEC 3, 6 and 7), on the
# example stack with its bot running. Each leaves every table's rows as
# they were, the bot untouched and running, and no safety backup: a BACKUP
# that is not an id of this target (`..`, an absolute path, an id with a
# newline, another target's id: exit 2), a tampered backup (exit 7, and
# `latest` does not fall back to an older one), a manifest of another
# target or database (exit 7 naming both), no terminal and no -y (exit 3),
# production without its confirmations (exit 3 naming each one missing),
# --no-safety-backup on production (exit 3), a held lock (exit 9).
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up refusals || return 1
	export STACK_PROJECT
	# two backups of discord-bot (the older first) and one of a second
	# target on the same database, discord-bot-copy, whose name starts
	# with this one's
	local cfg="$BATS_FILE_TMPDIR/dockreset.json"
	stack_config "$BATS_FILE_TMPDIR/backups" "$cfg" || return 1
	python3 - "$cfg" <<'PY' || return 1
import copy, json, sys
c = json.load(open(sys.argv[1]))
c["targets"]["discord-bot-copy"] = copy.deepcopy(c["targets"]["discord-bot"])
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
	"$BK_ROOT/dockreset" -q -c "$cfg" backup discord-bot --format custom </dev/null || return 1
	sleep 1.1 # another second: the ids sort as the backups were taken
	"$BK_ROOT/dockreset" -q -c "$cfg" backup discord-bot --format custom </dev/null || return 1
	"$BK_ROOT/dockreset" -q -c "$cfg" backup discord-bot-copy --format custom </dev/null || return 1
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
	# this test's copy of the backups and the two-target config
	mkdir -p "$B"
	cp -a "$BATS_FILE_TMPDIR/backups/." "$B/"
	python3 - "$BATS_FILE_TMPDIR/dockreset.json" "$CFG" "$B" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["backup_dir"] = sys.argv[3]
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
	mapfile -t IDS < <(ls "$D" | sed -n 's/\.manifest\.json$//p' | sort)
	OLD=${IDS[0]}
	NEW=${IDS[1]}
	OTHER=$(ls "$B/discord-bot-copy" | sed -n 's/\.manifest\.json$//p')
	HOLDER_PID=
	# the database differs from the backups: a restore would show
	bk_psql discord "UPDATE servers SET name = name || ' (since the backups)'
	                   WHERE name NOT LIKE '% (since the backups)'" >/dev/null
	STARTED=$(rs_bot_started)
	rt_sums "$OUT/sums"
	ls -A "$D" >"$OUT/files"
}

teardown() {
	if [[ -n $HOLDER_PID ]]; then
		kill "$HOLDER_PID" 2>/dev/null || true
		wait "$HOLDER_PID" 2>/dev/null || true
	fi
	rt_teardown
}

# Nothing changed: the sums of setup, the bot never stopped and running, no
# new file in the backups (no safety backup, no lock, no partial).
assert_nothing_changed() {
	run rt_unchanged "$OUT/sums"
	assert_output ""
	assert_equal "$(rs_bot_started)" "$STARTED"
	run rs_bot_state
	assert_output "running healthy"
	run bash -c "ls -A '$D' | diff '$OUT/files' -"
	assert_success
	run bk_wait_no_sessions 15
	assert_success
}

# refuse CODE BACKUP [ARGS]: restore discord-bot BACKUP -y ARGS exits CODE,
# an error line on stderr, nothing changed. $stderr is kept.
refuse() {
	local code=$1
	shift
	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot "$@" </dev/null
	echo "# stderr: $stderr"
	assert_failure "$code"
	assert_regex "$stderr" "dockreset: error: "
	local err=$stderr
	assert_nothing_changed
	stderr=$err
}

@test "the baseline: the newer backup restores with -y (what the refusals below stop)" {
	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot latest -y --json </dev/null
	echo "# stderr: $stderr"
	assert_success
	run rt_json_get "$output" 'd["backup"]["id"]'
	assert_output "$NEW"
	run rt_unchanged "$OUT/sums"
	assert_output --partial "public.servers"
}

@test "'..' as the backup: exit 2, nothing changed" {
	refuse 2 .. -y
}

@test "an absolute path as the backup without --file: exit 2, nothing changed" {
	refuse 2 /etc/passwd -y
	# and a real backup's path is refused the same way
	refuse 2 "$D/$NEW.dump" -y
}

@test "an id with a newline, or a slash: exit 2, nothing changed" {
	refuse 2 "$NEW"$'\n' -y
	refuse 2 "$NEW"$'\nlatest' -y
	refuse 2 "../discord-bot/$NEW" -y
}

@test "another target's id (discord-bot-copy's, a backup that exists): exit 2, nothing changed" {
	assert_file_exists "$B/discord-bot-copy/$OTHER.dump"
	refuse 2 "$OTHER" -y
	assert_regex "$stderr" "$OTHER"
}

@test "a tampered backup: exit 7, and latest does not fall back to the older one" {
	# one byte of the newest backup flipped in the middle
	python3 - "$D/$NEW.dump" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x01
open(sys.argv[1], "wb").write(bytes(b))
PY
	refuse 7 latest -y
	assert_regex "$stderr" "$NEW"
	refute_regex "$stderr" "$OLD"
	refuse 7 "$NEW" -y
	# the older one is intact: named, it restores
	run --separate-stderr "$BK_DR" -c "$CFG" restore discord-bot "$OLD" -y </dev/null
	assert_success
}

# Copies backup $1 (a file and manifest in directory $2) into $D as
# discord-bot-20991231T235959Z, its manifest's id and file renamed and then
# edited by the Python statements $3 (on `m`). Prints the new id.
planted() {
	local src=$1 dir=$2 py=$3 id=discord-bot-20991231T235959Z
	cp "$dir/$src.dump" "$D/$id.dump" || return 1
	python3 - "$dir/$src.manifest.json" "$D/$id.manifest.json" "$id" "$py" <<'PY' || return 1
import json, sys
m = json.load(open(sys.argv[1]))
m["id"] = sys.argv[3]
m["file"] = sys.argv[3] + ".dump"
exec(sys.argv[4])
json.dump(m, open(sys.argv[2], "w"), indent=2)
PY
	chmod 600 "$D/$id".*
	ls -A "$D" >"$OUT/files"
	printf '%s\n' "$id"
}

@test "the manifest of another target copied in: exit 7 naming both targets" {
	local id
	id=$(planted "$OTHER" "$B/discord-bot-copy" "")
	run python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["target"])' "$D/$id.manifest.json"
	assert_output discord-bot-copy
	refuse 7 "$id" -y
	assert_regex "$stderr" "discord-bot-copy"
	assert_regex "$stderr" "'discord-bot'|\"discord-bot\"|discord-bot[^-]"
	# and latest, which is now that one
	refuse 7 latest -y
}

@test "a manifest of another database copied in: exit 7 naming both databases" {
	local id
	id=$(planted "$NEW" "$D" "m['database']['name'] = 'otherdb'")
	refuse 7 "$id" -y
	assert_regex "$stderr" "otherdb"
	assert_regex "$stderr" "discord"
}

@test "no terminal and no -y: exit 3, nothing changed" {
	refuse 3 latest
	assert_regex "$stderr" "not a terminal"
}

@test "production (APP_ENV) without its confirmations: exit 3 naming each one missing" {
	export APP_ENV=production
	refuse 3 latest -y
	assert_regex "$stderr" "production"
	assert_regex "$stderr" "missing: --production"
	assert_regex "$stderr" "missing: DOCKRESET_CONFIRM_PRODUCTION=discord-bot"
	refute_regex "$stderr" "missing: -y"
	DOCKRESET_CONFIRM_PRODUCTION=discord-bot refuse 3 latest --production
	assert_regex "$stderr" "missing: -y"
	refute_regex "$stderr" "missing: --production"
	refute_regex "$stderr" "missing: DOCKRESET_CONFIRM"
}

@test "--no-safety-backup on production is refused, even with every confirmation" {
	export APP_ENV=production DOCKRESET_CONFIRM_PRODUCTION=discord-bot
	refuse 3 latest -y --production --no-safety-backup
	assert_regex "$stderr" "--no-safety-backup"
}

@test "a held lock: exit 9 naming its holder, nothing changed" {
	sleep 300 &
	HOLDER_PID=$!
	printf '{"pid":%d,"host":"%s","user":"drt","command":"backup","started_at":"2099-01-01T00:00:00Z"}\n' \
		"$HOLDER_PID" "$(hostname)" >"$D/.lock"
	chmod 600 "$D/.lock"
	ls -A "$D" >"$OUT/files"
	refuse 9 latest -y
	assert_regex "$stderr" "locked by pid $HOLDER_PID"
}
