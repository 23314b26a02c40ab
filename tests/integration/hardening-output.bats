#!/usr/bin/env bats
# End to end: what reaches a person is escaped and what holds the database
# password is redacted. A label with terminal escapes and a newline is
# shown escaped by `backups` and kept exact by `backups --json`; the
# container's password (a sentinel), quoted back by PostgreSQL in a failing
# stat's error or returned in a stat's value, reaches neither stderr, nor
# --json, nor the manifest.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	export DISCORD_DB_PASSWORD="drt-sentinel-$$-$RANDOM-pw"
	bk_stack_up hardening
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
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
}

@test "backups shows a hostile label escaped, backups --json gives it back exact" {
	label=$'x\e[2J\e]0;PWN\a\nfake-row'
	run --separate-stderr "$BK_DR" -c "$CFG" backup discord-bot --format json --label "$label"
	assert_equal "$status" 0
	run --separate-stderr "$BK_DR" -c "$CFG" backups discord-bot
	assert_equal "$status" 0
	refute_output --partial $'\e'
	refute_output --partial $'\a'
	refute_line --regexp '^fake-row'
	assert_line --partial 'x\e[2J\e]0;PWN\a\nfake-row'
	refute_regex "$stderr" $'[\e\a]'
	run --separate-stderr "$BK_DR" -c "$CFG" backups discord-bot --json
	assert_equal "$status" 0
	run python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print([b["label"] for b in d["backups"]] == [sys.argv[2]])' "$output" "$label"
	assert_output True
}

@test "the database password a stat brings back reaches no output and no manifest" {
	local pw=$DISCORD_DB_PASSWORD
	# PostgreSQL quotes the bad value in its error; the other stat returns it
	python3 - "$CFG" "$pw" <<'PY'
import json, sys
cfg, pw = sys.argv[1:3]
c = json.load(open(cfg))
c["targets"]["discord-bot"]["stats"] = {
    "bad cast": f"SELECT '{pw}'::int",
    "greeting": f"SELECT 'the password is ' || '{pw}'",
    "tickets": "SELECT count(*) FROM tickets"}
json.dump(c, open(cfg, "w"))
PY
	run --separate-stderr "$BK_DR" -v -c "$CFG" backup discord-bot --format json --json
	assert_equal "$status" 0
	# the warning is still there, without the password
	assert_regex "$stderr" "stat 'bad cast' failed: .*\\*\\*\\*"
	refute_regex "$stderr" "$pw"
	refute_output --partial "$pw"
	run python3 -c '
import json, sys
s = json.loads(sys.argv[1])["backup"]["stats"]
print(s["bad cast"], "|", s["greeting"], "|", type(s["tickets"]).__name__)' "$output"
	assert_output "None | the password is *** | int"
	run grep -rl -- "$pw" "$OUT/backups"
	assert_failure 1
	run --separate-stderr "$BK_DR" -c "$CFG" backups discord-bot --json
	assert_equal "$status" 0
	refute_output --partial "$pw"
}
