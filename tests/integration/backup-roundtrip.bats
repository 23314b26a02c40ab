#!/usr/bin/env bats
# End to end: backups in each format of the example stack, taken while a
# client inserts as fast as it can, load into scratch databases with the
# rows their manifests count; with no writer the three formats hold the
# same rows as the live database. Also `backups --json` and `status --json`.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up roundtrip
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_test_env
}

teardown() {
	bk_writer_stop
}

# Takes a backup of FORMAT with --json; its manifest goes to $OUT/FORMAT.json.
backup_json() {
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" backup discord-bot --format "$1" --json
	[ "$status" -eq 0 ] || echo "backup --format $1 exited $status: $stderr" >&2
	assert_success
	printf '%s\n' "$output" >"$OUT/$1.out"
	run python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["exit_code"] == 0 and d["command"] == "backup", d
json.dump(d["backup"], open(sys.argv[2], "w"))' "$OUT/$1.out" "$OUT/$1.json"
	assert_success
}

manifest_field() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# Waits until the live tickets count exceeds $1 (the writer is writing).
tickets_above() {
	local n
	for _ in $(seq 100); do
		n=$(bk_psql discord 'SELECT count(*) FROM tickets') || return 1
		((n > $1)) && return 0
		sleep 0.05
	done
	echo "tickets stayed at $n" >&2
	return 1
}

# "tickets messages" counts of a manifest.
pair() {
	python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["tables"]
print(t["public.tickets"], t["public.ticket_messages"])' "$1"
}

@test "backups in each format taken under a fast writer load with their manifest's counts" {
	local diff0 before after fmt t m n prev
	diff0=$(bk_psql discord 'SELECT (SELECT count(*) FROM ticket_messages) - (SELECT count(*) FROM tickets)')
	before=$(bk_psql discord 'SELECT count(*) FROM tickets')
	bk_writer_start
	prev=$before
	for fmt in custom plain json; do
		tickets_above "$prev"
		backup_json "$fmt"
		read -r t m < <(pair "$OUT/$fmt.json")
		# each snapshot is newer than the last, and consistent: the writer
		# adds a ticket and its message in one transaction
		assert [ "$t" -gt "$prev" ]
		assert_equal "$((m - t))" "$diff0"
		prev=$t
	done
	tickets_above "$prev"
	bk_writer_stop
	after=$(bk_psql discord 'SELECT count(*) FROM tickets')
	echo "# tickets: $before before, $after after the writer"

	# custom and plain load into scratch databases with the counted rows
	bk_restore_custom "$BK_DIR/$(manifest_field "$OUT/custom.json" file)" scratch_rt_custom
	bk_manifest_counts "$OUT/custom.json" >"$OUT/custom.want"
	bk_db_counts scratch_rt_custom >"$OUT/custom.got"
	run diff -u "$OUT/custom.want" "$OUT/custom.got"
	assert_success

	bk_restore_plain "$BK_DIR/$(manifest_field "$OUT/plain.json" file)" scratch_rt_plain
	bk_manifest_counts "$OUT/plain.json" >"$OUT/plain.want"
	bk_db_counts scratch_rt_plain >"$OUT/plain.got"
	run diff -u "$OUT/plain.want" "$OUT/plain.got"
	assert_success

	# json: each table's row lines are the manifest's count
	bk_manifest_counts "$OUT/json.json" >"$OUT/json.want"
	bk_json_counts "$BK_DIR/$(manifest_field "$OUT/json.json" file)" >"$OUT/json.got"
	run diff -u "$OUT/json.want" "$OUT/json.got"
	assert_success

	# every table of the database is in each manifest
	bk_db_counts discord | cut -d' ' -f1 >"$OUT/tables.want"
	for fmt in custom plain json; do
		cut -d' ' -f1 "$OUT/$fmt.want" >"$OUT/tables.got"
		run diff -u "$OUT/tables.want" "$OUT/tables.got"
		assert_success
	done
}

@test "with no writer the three formats hold the live database's rows" {
	bk_db_digests discord >"$OUT/live"
	bk_db_counts discord >"$OUT/live.counts"
	backup_json custom
	backup_json plain
	backup_json json
	bk_restore_custom "$BK_DIR/$(manifest_field "$OUT/custom.json" file)" scratch_same_custom
	bk_db_digests scratch_same_custom >"$OUT/custom.got"
	run diff -u "$OUT/live" "$OUT/custom.got"
	assert_success
	bk_restore_plain "$BK_DIR/$(manifest_field "$OUT/plain.json" file)" scratch_same_plain
	bk_db_digests scratch_same_plain >"$OUT/plain.got"
	run diff -u "$OUT/live" "$OUT/plain.got"
	assert_success
	bk_json_digests "$BK_DIR/$(manifest_field "$OUT/json.json" file)" >"$OUT/json.got"
	run diff -u "$OUT/live" "$OUT/json.got"
	assert_success
	# and the manifests count what psql counts
	for fmt in custom plain json; do
		bk_manifest_counts "$OUT/$fmt.json" >"$OUT/$fmt.counts"
		run diff -u "$OUT/live.counts" "$OUT/$fmt.counts"
		assert_success
	done
}

@test "a label and the format are kept in the manifest, which verifies" {
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" backup discord-bot --format plain \
		--label 'before "the" upgrade' --json
	assert_success
	printf '%s\n' "$output" >"$OUT/out.json"
	run python3 - "$OUT/out.json" "$BK_DIR" <<'PY'
import hashlib, json, os, re, sys
m = json.load(open(sys.argv[1]))["backup"]
assert m["label"] == 'before "the" upgrade' and m["format"] == "plain", m
assert m["reason"] == "manual" and m["target"] == "discord-bot", m
assert re.fullmatch(r"discord-bot-\d{8}T\d{6}Z(-\d+)?", m["id"]), m["id"]
assert m["file"] == m["id"] + ".sql", m
assert m["database"]["name"] == "discord", m
assert m["verified_at"] is not None, m
assert m["stats"]["open tickets"] >= 10, m["stats"]
data = open(os.path.join(sys.argv[2], m["file"]), "rb").read()
assert len(data) == m["size"] and hashlib.sha256(data).hexdigest() == m["sha256"]
on_disk = json.load(open(os.path.join(sys.argv[2], m["id"] + ".manifest.json")))
assert on_disk == m, (on_disk, m)
PY
	assert_success
}

@test "backups --json lists every manifest, newest first" {
	local m
	backup_json plain
	backup_json custom
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" backups discord-bot --json
	assert_success
	printf '%s\n' "$output" >"$OUT/list.json"
	# what is on disk, newest first: by created_at, then the -N sequence
	for m in "$BK_DIR"/*.manifest.json; do
		python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
seq = int(m["id"].rsplit("-", 1)[1]) if m["id"].count("-") > 2 else 1
print(m["created_at"], "%06d" % seq, m["id"])' "$m" >>"$OUT/keys"
	done
	sort -r "$OUT/keys" | cut -d' ' -f3 >"$OUT/want"
	run python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["command"] == "backups", d
for m in d["backups"]:
    print(m["id"])' "$OUT/list.json"
	assert_success
	printf '%s\n' "$output" >"$OUT/got"
	run diff -u "$OUT/want" "$OUT/got"
	assert_success
	assert [ "$(wc -l <"$OUT/got")" -ge 2 ]
	assert_equal "$(head -n1 "$OUT/got")" "$(manifest_field "$OUT/custom.json" id)"
}

@test "status --json shows the newest backup" {
	backup_json json
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" status discord-bot --json
	assert_success
	printf '%s\n' "$output" >"$OUT/status.json"
	run python3 - "$OUT/status.json" "$OUT/json.json" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))["newest_backup"]
m = json.load(open(sys.argv[2]))
assert nb is not None, "no newest_backup"
assert nb["id"] == m["id"], (nb, m["id"])
PY
	assert_success
}

@test "on a terminal the backup shows its progress: bytes and rate" {
	run script -qefc "$(printf '%q ' "$BK_DR" -c "$BK_CONFIG" backup discord-bot --format plain)" /dev/null
	assert_success
	assert_output --regexp $'\r.* kB, .* MB/s'
	assert_output --regexp "backup discord-bot-.*, verified"
}

@test "without a terminal there is no progress line" {
	run --separate-stderr "$BK_DR" -c "$BK_CONFIG" backup discord-bot --format plain
	assert_success
	output=$stderr refute_output --partial "MB/s"
}

@test "a plain backup restores over a database that still has its tables" {
	backup_json plain
	file="$BK_DIR/$(manifest_field "$OUT/plain.json" file)"
	# a copy of the live database, changed after the backup
	bk_restore_plain "$file" scratch_over
	run bk_psql scratch_over "DELETE FROM ticket_messages; INSERT INTO servers (guild_id, name) VALUES ('999', 'later')"
	assert_success
	bk_manifest_counts "$OUT/plain.json" >"$OUT/want"
	bk_db_counts scratch_over >"$OUT/changed"
	# the change shows in the counts, so that the reload below proves something
	run diff -u "$OUT/want" "$OUT/changed"
	assert_failure 1
	# --clean --if-exists: the same dump loads over it, and the rows are the backup's
	run docker exec -i "$(bk_db)" psql -X -q -v ON_ERROR_STOP=1 -U bot -d scratch_over <"$file"
	assert_success
	bk_db_counts scratch_over >"$OUT/got"
	run diff -u "$OUT/want" "$OUT/got"
	assert_success
}
