#!/usr/bin/env bats
# Backup commands that need no Docker: listing, verifying plain and json
# backups (their content checks are local), bad arguments, prune's rules.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	FIX="$BATS_TEST_DIRNAME/../unit/fixtures/backup"
	WORK=$(mktemp -d)
	cd "$WORK"
	export NO_COLOR=1
	unset DOCKRESET_CONFIG
	cat >dockreset.json <<'JSON'
{ "version": 1, "backup_dir": "b",
  "targets": { "app": { "database": { "service": "db" } } } }
JSON
	mkdir -m 700 b
	B="$WORK/b/app"
	mkdir -m 700 "$B"
}

teardown() {
	rm -rf "$WORK"
}

# make_backup ID FORMAT SOURCE [VERIFIED]: a backup with a matching manifest.
make_backup() {
	local ext
	case $2 in custom) ext=dump ;; plain) ext=sql ;; json) ext=json ;; esac
	cp "$3" "$B/$1.$ext"
	python3 - "$B" "$1" "$2" "$ext" "${4:-}" <<'PY'
import hashlib, json, os, sys
d, id, fmt, ext, verified = sys.argv[1:]
data = open(f"{d}/{id}.{ext}", "rb").read()
ts = id[len("app-"):len("app-") + 16]
created = f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[9:11]}:{ts[11:13]}:{ts[13:15]}Z"
m = {"format_version": 1, "id": id, "target": "app", "created_at": created,
     "reason": "manual", "label": None, "format": fmt, "file": f"{id}.{ext}",
     "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
     "database": {"name": "shop", "server_version": "15.20"},
     "tables": {"public.words": 3, "public.t2": 0}, "stats": {},
     "git": {"branch": None, "commit": None}, "tool_version": "0.1.0",
     "duration_ms": 1, "verified_at": verified or None}
open(f"{d}/{id}.manifest.json", "w").write(json.dumps(m, indent=2) + "\n")
PY
}

@test "backups lists nothing for a new target" {
	run "$DR" backups app
	assert_success
	assert_output "no backups of 'app' in '$WORK/b/app'"
}

@test "backups --json lists manifests newest first" {
	make_backup app-20261101T000000Z plain "$FIX/plain-15.20-clean.sql"
	make_backup app-20261102T000000Z plain "$FIX/plain-15.20-clean.sql"
	make_backup app-20261102T000000Z-2 plain "$FIX/plain-15.20-clean.sql"
	run --separate-stderr "$DR" backups app --json
	assert_success
	run python3 -c '
import json, sys
d = json.load(sys.stdin)
ids = [b["id"] for b in d["backups"]]
assert ids == ["app-20261102T000000Z-2", "app-20261102T000000Z", "app-20261101T000000Z"], ids' <<<"$output"
	assert_success
}

@test "verify of a good plain backup exits 0 and records verified_at" {
	make_backup app-20261101T000000Z plain "$FIX/plain-15.20-clean.sql"
	run "$DR" verify app app-20261101T000000Z
	assert_success
	run python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["verified_at"] and m["verified_at"].endswith("Z"), m' "$B/app-20261101T000000Z.manifest.json"
	assert_success
}

@test "verify catches a flipped bit, a truncation and appended bytes" {
	make_backup app-20261101T000000Z plain "$FIX/plain-15.20-clean.sql"
	cp "$B/app-20261101T000000Z.sql" "$WORK/orig"
	run python3 -c '
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1
open(p, "wb").write(b)' "$B/app-20261101T000000Z.sql"
	assert_success
	run "$DR" verify app app-20261101T000000Z
	assert_failure 7
	assert_output --regexp 'checksum|SHA-256'
	head -c 100 "$WORK/orig" >"$B/app-20261101T000000Z.sql"
	run "$DR" verify app app-20261101T000000Z
	assert_failure 7
	{ cat "$WORK/orig"; echo "DROP TABLE words;"; } >"$B/app-20261101T000000Z.sql"
	run "$DR" verify app app-20261101T000000Z
	assert_failure 7
}

@test "verify catches commands appended to a plain dump with a matching manifest" {
	{ cat "$FIX/plain-15.20-clean.sql"; echo "DROP TABLE words;"; } >"$WORK/evil.sql"
	make_backup app-20261101T000000Z plain "$WORK/evil.sql"
	run "$DR" verify app app-20261101T000000Z
	assert_failure 7
	assert_output --partial "app-20261101T000000Z.sql"
}

@test "verify of every backup exits 7 when one fails, and checks the others" {
	make_backup app-20261101T000000Z plain "$FIX/plain-15.20-clean.sql"
	make_backup app-20261102T000000Z plain "$FIX/plain-15.20-clean.sql"
	: >"$B/app-20261101T000000Z.sql"
	run --separate-stderr "$DR" verify app --json
	assert_failure 7
	run python3 -c '
import json, sys
r = {x["id"]: x["ok"] for x in json.load(sys.stdin)["results"]}
assert r == {"app-20261102T000000Z": True, "app-20261101T000000Z": False}, r' <<<"$output"
	assert_success
}

@test "verify refuses a name that is not a backup id" {
	for bad in ../etc/passwd app-x "app-20261101T000000Z/../x" other-20261101T000000Z; do
		run "$DR" verify app "$bad"
		assert_failure 2
		assert_line --index 0 "dockreset: error: '$bad' is not a backup id of target 'app'"
	done
}

@test "verify of an unknown id exits 2" {
	run "$DR" verify app app-20261101T000000Z
	assert_failure 2
	assert_line --index 0 "dockreset: error: no backup 'app-20261101T000000Z' of target 'app' in '$WORK/b/app'"
}

@test "backup refuses an unknown format" {
	run "$DR" backup app --format tar
	assert_failure 2
	assert_line --index 0 "dockreset: error: --format: 'tar' is not custom, plain or json"
}

@test "prune refuses a bad duration" {
	run "$DR" prune app --older-than 3x
	assert_failure 2
	assert_line --index 0 "dockreset: error: --older-than: '3x' is not a duration like 30d, 12h, 15m"
}

@test "prune --dry-run lists what it would delete and deletes nothing" {
	for d in 01 02 03 04; do
		make_backup app-202611${d}T000000Z plain "$FIX/plain-15.20-clean.sql"
	done
	run "$DR" prune app --keep 2 --dry-run -H unix:///nonexistent.sock
	assert_success
	assert_output "$(printf 'would delete app-20261102T000000Z\nwould delete app-20261101T000000Z')"
	assert_equal "$(ls "$B" | wc -l)" 8
}

@test "prune refuses when the containers cannot be read (fail closed)" {
	make_backup app-20261101T000000Z plain "$FIX/plain-15.20-clean.sql"
	make_backup app-20261102T000000Z plain "$FIX/plain-15.20-clean.sql"
	run "$DR" prune app --keep 1 -y -H unix:///nonexistent.sock
	assert_failure 3
	assert_output --partial "refusing to delete 1 backup of 'app': 'app' is production"
	assert_output --partial "production marker: unreadable, "
	assert_equal "$(ls "$B" | wc -l)" 4
}

@test "verify --json gives each failed backup its own error" {
	make_backup app-20261101T000000Z plain "$FIX/plain-15.20-clean.sql"
	make_backup app-20261102T000000Z plain "$FIX/plain-15.20-clean.sql"
	: >"$B/app-20261101T000000Z.sql"
	echo "-- more" >>"$B/app-20261102T000000Z.sql"
	run --separate-stderr "$DR" verify app --json
	assert_failure 7
	run python3 -c '
import json, sys
r = {x["id"]: x["error"] for x in json.load(sys.stdin)["results"]}
assert "app-20261101T000000Z.sql" in r["app-20261101T000000Z"], r
assert "app-20261102T000000Z.sql" in r["app-20261102T000000Z"], r' <<<"$output"
	assert_success
}
