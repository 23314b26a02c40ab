#!/usr/bin/env bats
# End to end: `verify` catches damaged backups (flipped bits, truncated,
# appended to, emptied, another target's manifest, commands appended to a
# plain dump whose manifest was rewritten to match) with exit 7 naming the
# failed check, and records a good verification in verified_at.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up integrity
	# data enough that the middle of a custom dump lies in compressed rows
	bk_psql discord "CREATE TABLE filler (id integer PRIMARY KEY, v text NOT NULL);
	  INSERT INTO filler SELECT g, md5(g::text) || md5((-g)::text) FROM generate_series(1, 100000) g" >/dev/null
	local fmt
	for fmt in custom plain json; do
		"$BK_DR" -c "$BK_CONFIG" backup discord-bot --format "$fmt" --json \
			>"$BATS_FILE_TMPDIR/$fmt.out" || return 1
		python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["backup"]["id"])' \
			"$BATS_FILE_TMPDIR/$fmt.out" >"$BATS_FILE_TMPDIR/$fmt.id" || return 1
	done
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_test_env
	# this test's own copy of the backups taken in setup_file
	bk_copy_backups
	CUSTOM=$(cat "$BATS_FILE_TMPDIR/custom.id")
	PLAIN=$(cat "$BATS_FILE_TMPDIR/plain.id")
	JSON=$(cat "$BATS_FILE_TMPDIR/json.id")
}

# flip FILE OFFSET: inverts one bit of the byte at OFFSET (default: the middle).
flip() {
	python3 - "$1" "${2:-}" <<'PY'
import sys
path, off = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
i = int(off) if off else len(b) // 2
b[i] ^= 0x04
open(path, "wb").write(b)
PY
}

verified_at() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["verified_at"])' \
		"$D/$1.manifest.json"
}

# Sets verified_at of backup $1 to null.
unverify() {
	python3 - "$D/$1.manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["verified_at"] = None
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
}

@test "verify of good backups exits 0 and records verified_at" {
	local id start
	for id in "$CUSTOM" "$PLAIN" "$JSON"; do
		unverify "$id"
		assert_equal "$(verified_at "$id")" None
	done
	start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot --json
	assert_success
	printf '%s\n' "$output" >"$OUT/out.json"
	run python3 - "$OUT/out.json" "$CUSTOM" "$PLAIN" "$JSON" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["exit_code"] == 0, d
got = sorted((r["id"], r["ok"]) for r in d["results"])
assert got == sorted((i, True) for i in sys.argv[2:]), got
PY
	assert_success
	for id in "$CUSTOM" "$PLAIN" "$JSON"; do
		v=$(verified_at "$id")
		assert [ "$v" '>' "$start" -o "$v" = "$start" ]
	done
	# one by id, in the human form
	unverify "$PLAIN"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$PLAIN"
	assert_success
	assert_output --regexp "^$PLAIN.* ok$"
	assert_not_equal "$(verified_at "$PLAIN")" None
}

@test "a bit flipped in the middle of a custom dump: exit 7, checksum" {
	flip "$D/$CUSTOM.dump"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$CUSTOM"
	assert_failure 7
	assert_output --regexp "^$CUSTOM.*FAILED$"
	output=$stderr assert_output --partial "dockreset: error: backup '$D/$CUSTOM.dump' is damaged: its SHA-256 does not match its manifest"
}

@test "a bit flipped in a custom dump's compressed rows, manifest rewritten: exit 7 from pg_restore" {
	flip "$D/$CUSTOM.dump"
	bk_fix_manifest "$D/$CUSTOM.manifest.json" "$D/$CUSTOM.dump"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$CUSTOM"
	assert_failure 7
	output=$stderr assert_output --partial "dockreset: error: backup '$D/$CUSTOM.dump' is damaged: pg_restore cannot read it: pg_restore: error: "
}

@test "a truncated custom dump: exit 7, size" {
	local size
	size=$(stat -c %s "$D/$CUSTOM.dump")
	truncate -s $((size / 2)) "$D/$CUSTOM.dump"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$CUSTOM"
	assert_failure 7
	output=$stderr assert_output --partial "is damaged: it holds $((size / 2)) bytes, its manifest says $size"
}

@test "a truncated custom dump with its manifest rewritten: exit 7 from pg_restore" {
	local size
	size=$(stat -c %s "$D/$CUSTOM.dump")
	truncate -s $((size - 1000)) "$D/$CUSTOM.dump"
	bk_fix_manifest "$D/$CUSTOM.manifest.json" "$D/$CUSTOM.dump"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$CUSTOM"
	assert_failure 7
	output=$stderr assert_output --partial "is damaged: pg_restore cannot read it: "
}

@test "bytes appended to a backup: exit 7, size" {
	local size
	size=$(stat -c %s "$D/$JSON.json")
	printf 'junk' >>"$D/$JSON.json"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$JSON"
	assert_failure 7
	output=$stderr assert_output --partial "backup '$D/$JSON.json' is damaged: it holds $((size + 4)) bytes, its manifest says $size"
}

@test "an emptied backup: exit 7" {
	local size
	size=$(stat -c %s "$D/$PLAIN.sql")
	: >"$D/$PLAIN.sql"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$PLAIN"
	assert_failure 7
	output=$stderr assert_output --partial "backup '$D/$PLAIN.sql' is damaged: it holds 0 bytes, its manifest says $size"
	# and with a manifest that agrees, the content check says it
	bk_fix_manifest "$D/$PLAIN.manifest.json" "$D/$PLAIN.sql"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$PLAIN"
	assert_failure 7
	output=$stderr assert_output --partial "backup '$D/$PLAIN.sql' is damaged: the file is empty"
}

@test "a backup file that is missing: exit 7" {
	rm "$D/$JSON.json"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$JSON"
	assert_failure 7
	output=$stderr assert_output --partial "dockreset: error: cannot verify backup '$D/$JSON.json': No such file or directory"
}

@test "commands appended to a plain dump, manifest rewritten to match: exit 7, trailer" {
	printf 'DROP TABLE tickets;\n' >>"$D/$PLAIN.sql"
	bk_fix_manifest "$D/$PLAIN.manifest.json" "$D/$PLAIN.sql"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$PLAIN"
	assert_failure 7
	output=$stderr assert_output --partial "backup '$D/$PLAIN.sql' is damaged: text follows the completion comment of pg_dump: 'DROP TABLE tickets;'"
}

@test "a plain dump cut before its trailer, manifest rewritten: exit 7" {
	head -c 100000 "$D/$PLAIN.sql" >"$OUT/cut"
	cp "$OUT/cut" "$D/$PLAIN.sql"
	bk_fix_manifest "$D/$PLAIN.manifest.json" "$D/$PLAIN.sql"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$PLAIN"
	assert_failure 7
	output=$stderr assert_output --partial "backup '$D/$PLAIN.sql' is damaged: "
}

@test "a json backup with a row line removed, manifest rewritten: exit 7, row count" {
	# the last row of the first table goes, and the comma before it
	run python3 - "$D/$JSON.json" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
end = lines.index("]},")
lines[end - 2] = lines[end - 2].rstrip(",")
del lines[end - 1]
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(lines))
PY
	assert_success
	bk_fix_manifest "$D/$JSON.manifest.json" "$D/$JSON.json"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$JSON"
	assert_failure 7
	assert_regex "$stderr" "backup '$D/$JSON\\.json' is damaged: .*public\\.bot_settings"
}

@test "a json backup with a line that does not parse, manifest rewritten: exit 7" {
	sed -i '3s/^\[/[[/' "$D/$JSON.json"
	bk_fix_manifest "$D/$JSON.manifest.json" "$D/$JSON.json"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$JSON"
	assert_failure 7
	assert_regex "$stderr" "backup '$D/$JSON\\.json' is damaged: .*line 3"
}

@test "a manifest edited to another target: exit 7, and backups lists it as damaged" {
	sed -i 's/"target": "discord-bot"/"target": "other-bot"/' "$D/$JSON.manifest.json"
	run grep -q '"target": "other-bot"' "$D/$JSON.manifest.json"
	assert_success
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$JSON"
	assert_failure 7
	output=$stderr assert_output --partial "dockreset: error: manifest $JSON.manifest.json: it belongs to target 'other-bot', not 'discord-bot'"
	# all of them: the others verify, the exit code is 7
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot --json
	assert_failure 7
	printf '%s\n' "$output" >"$OUT/verify.json"
	run python3 - "$OUT/verify.json" "$CUSTOM" "$PLAIN" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["exit_code"] == 7, d
ok = sorted(r["id"] for r in d["results"] if r["ok"])
assert ok == sorted(sys.argv[2:4]), d["results"]
bad = [r for r in d["results"] if not r["ok"]]
assert len(bad) == 1 and "other-bot" in bad[0]["error"], bad
PY
	assert_success
	run --separate-stderr "$BK_DR" -c "$CFG" backups discord-bot --json
	assert_success
	output=$stderr assert_output --partial "dockreset: warning: damaged manifest $JSON.manifest.json: it belongs to target 'other-bot', not 'discord-bot'"
	printf '%s\n' "$output" >"$OUT/list.json"
	run python3 -c '
import json, sys
ids = [m["id"] for m in json.load(open(sys.argv[1]))["backups"]]
assert sys.argv[2] not in ids and len(ids) == 2, ids' "$OUT/list.json" "$JSON"
	assert_success
}

@test "a manifest copied from another backup: exit 7, its name does not match its id" {
	cp "$D/$CUSTOM.manifest.json" "$D/$JSON.manifest.json"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot "$JSON"
	assert_failure 7
	output=$stderr assert_output --partial "manifest $JSON.manifest.json: its name does not match its id '$CUSTOM'"
}

@test "verify of an id that is no backup exits 2, of a name that is no id too" {
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot discord-bot-20200101T000000Z
	assert_failure 2
	output=$stderr assert_output --partial "no backup 'discord-bot-20200101T000000Z' of target 'discord-bot'"
	run --separate-stderr "$BK_DR" -c "$CFG" verify discord-bot ../discord-bot-20200101T000000Z
	assert_failure 2
	output=$stderr assert_output --partial "'../discord-bot-20200101T000000Z' is not a backup id of target 'discord-bot'"
}
