#!/usr/bin/env bats
# Hardening without services: a database.url libpq cannot parse is a
# configuration error that never shows the URL or its password; what a
# backup's manifest holds reaches the terminal escaped.
bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	WORK=$(mktemp -d)
	cd "$WORK"
	export NO_COLOR=1
	unset DOCKRESET_CONFIG
}

teardown() {
	rm -rf "$WORK"
}

# write_config URL: one target "t" whose database.url is URL.
write_config() {
	python3 -c '
import json, sys
cfg = {"version": 1, "backup_dir": "b",
       "targets": {"t": {"project": "p",
                         "database": {"service": "db", "url": sys.argv[1]}}}}
print(json.dumps(cfg))' "$1" >dockreset.json
}

@test "an unparseable IPv6 url is exit 2 naming the key, without the password" {
	write_config 'postgresql://bot:SECRET@[::1'
	run --separate-stderr "$DR" -H unix:///nonexistent status t
	assert_equal "$status" 2
	assert_equal "$stderr" "dockreset: error: '$WORK/dockreset.json': targets.t.database.url: not a valid libpq connection string"
	refute_output --partial SECRET
}

@test "a url with a bad percent escape is exit 2 naming the key, without the password" {
	write_config 'postgresql://bot:SECRET%zz@db.example/app'
	run --separate-stderr "$DR" -H unix:///nonexistent backups t
	assert_equal "$status" 2
	assert_equal "$stderr" "dockreset: error: '$WORK/dockreset.json': targets.t.database.url: not a valid libpq connection string"
	refute_output --partial SECRET
}

@test "--json error names the key and holds no password" {
	for url in 'postgresql://bot:SECRET@[::1' 'postgresql://bot:SECRET%zz@db.example/app'; do
		write_config "$url"
		run --separate-stderr "$DR" -H unix:///nonexistent status t --json
		assert_equal "$status" 2
		refute_output --partial SECRET
		refute_regex "$stderr" SECRET
		run python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["exit_code"], d["error"])' "$output"
		assert_success
		assert_output "2 '$WORK/dockreset.json': targets.t.database.url: not a valid libpq connection string"
	done
}

@test "a valid url loads, and the config error comes before any daemon" {
	write_config 'postgresql://bot:SECRET@[::1]:5432/app'
	run --separate-stderr "$DR" -H unix:///nonexistent status t
	# the config passed: the unreachable daemon is what stops it
	assert_equal "$status" 4
	refute_regex "$stderr" SECRET
}

# A manifest as a backup leaves it, with LABEL as its label.
make_manifest() {
	mkdir -p -m 700 b b/t
	printf 'select 1;\n' >b/t/t-20261101T000000Z.sql
	python3 - "$WORK/b/t" "$1" <<'PY'
import hashlib, json, sys
d, label = sys.argv[1:]
id = "t-20261101T000000Z"
data = open(f"{d}/{id}.sql", "rb").read()
m = {"format_version": 1, "id": id, "target": "t", "created_at": "2026-11-01T00:00:00Z",
     "reason": "manual", "label": label, "format": "plain", "file": f"{id}.sql",
     "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
     "database": {"name": "shop", "server_version": "15.20"},
     "tables": {}, "stats": {}, "git": {"branch": None, "commit": None},
     "tool_version": "0.1.0", "duration_ms": 1, "verified_at": None}
open(f"{d}/{id}.manifest.json", "w").write(json.dumps(m) + "\n")
PY
}

@test "backups shows a label with control characters escaped, --json exact" {
	write_config 'postgresql://bot@db/app'
	label=$'x\e[2J\e]0;PWN\a\nfake-row\xc2\x9b'
	make_manifest "$label"
	run --separate-stderr "$DR" backups t
	assert_equal "$status" 0
	refute_output --partial $'\e'
	refute_output --partial $'\a'
	refute_line --regexp '^fake-row'
	assert_line --partial 'x\e[2J\e]0;PWN\a\nfake-row\u009b'
	run --separate-stderr "$DR" backups t --json
	assert_equal "$status" 0
	run python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["backups"][0]["label"] == sys.argv[2])' "$output" "$label"
	assert_output True
}
