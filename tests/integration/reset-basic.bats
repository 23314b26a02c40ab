#!/usr/bin/env bats
# End to end: `reset` on the example stack with its bot running. A reset
# empties the reset tables (sequences restarted), keeps configuration
# untouched, takes a verified pre-reset backup holding every deleted row,
# flushes Redis, restarts the bot and writes one audit line. --dry-run, a
# refused confirmation and a failing seed change nothing and leave the bot
# running; two resets at once: one exits 9.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	stack_up reset || return 1
	export STACK_PROJECT
	# a seed whose second statement fails: its first must not stay either
	cat >"$BATS_FILE_TMPDIR/broken.sql" <<'SQL'
INSERT INTO servers (guild_id, name) VALUES ('seeded-guild', 'Seeded server');
SELECT no_such_column FROM tickets;
SQL
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV
	# each test its own backup directory and audit log
	CFG="$OUT/dockreset.json"
	B="$OUT/backups"
	D="$B/discord-bot"
	stack_config "$B" "$CFG"
	python3 - "$CFG" "$BATS_FILE_TMPDIR/broken.sql" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["targets"]["discord-bot"]["seeds"]["broken"] = [{"sql": sys.argv[2]}]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
	# the bot is up and writing before each test
	stack_wait_healthy 90
}

KEPT="servers discord_users developers bot_settings ticket_categories ticket_panel_settings"
RESET="tickets ticket_messages ticket_resolutions ticket_audit_log interaction_locks"

bot_started() {
	docker inspect -f '{{.State.StartedAt}}' "$(stack_container bot)"
}

bot_state() {
	docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' \
		"$(stack_container bot)"
}

# "table md5" of the kept tables: the configuration.
kept_digests() {
	bk_db_digests discord | grep -E "^public\.(${KEPT// /|}) "
}

# "table md5" of the rows of each reset table whose id is at most that
# table's largest id now: the bot only inserts, so these stay the same
# unless a reset removed them.
old_rows() {
	local t max
	for t in $RESET; do
		max=$(bk_psql discord "SELECT coalesce(max(id), 0) FROM $t") || return 1
		printf '%s %s\n' "$t" "$max"
	done
}

old_rows_digest() {
	local t max
	while read -r t max; do
		printf '%s %s\n' "$t" "$(bk_psql discord "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' ORDER BY id)), 'empty') FROM $t x WHERE id <= $max")"
	done <"$1"
}

# The md5 of every row of each reset table into DIR/TABLE, sorted.
row_hashes() {
	local t
	mkdir -p "$1" || return 1
	for t in $RESET; do
		bk_psql discord "SELECT md5(x::text) FROM $t x" | LC_ALL=C sort >"$1/$t" || return 1
	done
}

# The column COL ("before" or "after") of the summary table for TABLE.
summary_col() {
	awk -v t="public.$1" -v c="$2" '$1 == t { print (c == "before" ? $2 : $3) }' <<<"$output"
}

@test "reset -y empties the reset tables, keeps the configuration, backs up, flushes, restarts the bot" {
	local started kept t b
	started=$(bot_started)
	kept=$(kept_digests)
	row_hashes "$OUT/rows_before"
	bk_psql discord 'SELECT count(*) FROM tickets' >"$OUT/tickets_before"
	run stack_redis SET drt:marker present
	assert_success
	run stack_redis EXISTS drt:marker
	assert_output 1

	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y
	assert_success
	assert_line --regexp "^reset of 'discord-bot' done in "

	# the summary: every reset table had rows and is empty after, counted
	# before the bot came back
	for t in $RESET; do
		b=$(summary_col "$t" before)
		assert [ "$(summary_col "$t" after)" = 0 ]
		assert [ -n "$b" ]
		echo "$t $b" >>"$OUT/before"
	done
	assert [ "$(summary_col tickets before)" -ge "$(cat "$OUT/tickets_before")" ]
	# no row of before the reset is left in a reset table (the bot has
	# written new ones since)
	row_hashes "$OUT/rows_after"
	for t in $RESET; do
		assert [ -s "$OUT/rows_before/$t" ]
		run comm -12 "$OUT/rows_before/$t" "$OUT/rows_after/$t"
		assert_output ""
	done
	# configuration untouched
	run kept_digests
	assert_output "$kept"
	# the bot was restarted, is healthy, and its first ticket got id 1
	assert [ "$(bot_started)" != "$started" ]
	run bot_state
	assert_output "running healthy"
	run bk_psql discord 'SELECT min(id) FROM tickets'
	assert_output 1
	# Redis flushed
	run stack_redis EXISTS drt:marker
	assert_output 0

	# the pre-reset backup: listed, verified, holding every deleted row
	run "$BK_DR" -c "$CFG" backups discord-bot --json
	assert_success
	printf '%s\n' "$output" >"$OUT/list.json"
	run python3 -c '
import json, sys
b = json.load(open(sys.argv[1]))["backups"]
assert len(b) == 1, b
m = b[0]
print(m["reason"], "verified" if m["verified_at"] else "unverified", m["file"], m["id"])' "$OUT/list.json"
	assert_success
	assert_output --regexp '^pre-reset verified discord-bot-[0-9TZ]+\.dump discord-bot-[0-9TZ]+$'
	read -r _ _ file id <<<"$output"
	run bk_restore_custom "$D/$file" scratch_reset_basic
	assert_success
	while read -r t b; do
		run bk_psql scratch_reset_basic "SELECT count(*) FROM $t"
		assert_output "$b"
	done <"$OUT/before"
	# one audit line, 0600, naming the target and the backup
	assert_file_exists "$B/audit.jsonl"
	run stat -c %a "$B/audit.jsonl"
	assert_output 600
	run wc -l <"$B/audit.jsonl"
	assert_output 1
	run python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).read())
print(e["command"], e["target"], e["backup"], e["outcome"], e["after"]["public.tickets"])' "$B/audit.jsonl"
	assert_output "reset discord-bot $id ok 0"
	run grep -c bot-secret-pw "$B/audit.jsonl"
	assert_output 0
	assert_not_exists "$D/.lock"
}

@test "the pre-reset backup holds the exact rows the reset deleted" {
	old_rows >"$OUT/max"
	old_rows_digest "$OUT/max" >"$OUT/live"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --json
	assert_success
	file=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["backup"]["file"])' "$output")
	run bk_restore_custom "$D/$file" scratch_reset_rows
	assert_success
	local t max
	while read -r t max; do
		printf '%s %s\n' "$t" "$(bk_psql scratch_reset_rows "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' ORDER BY id)), 'empty') FROM $t x WHERE id <= $max")"
	done <"$OUT/max" >"$OUT/backup"
	run diff -u "$OUT/live" "$OUT/backup"
	assert_success
}

@test "reset --json gives tables, sequences, markers, confirmation, backup, stats, duration" {
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --json
	assert_success
	printf '%s\n' "$output" >"$OUT/out.json"
	run python3 - "$OUT/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["exit_code"] == 0, d
assert d["command"] == "reset" and d["target"] == "discord-bot", d
reset = {"public." + t for t in "tickets ticket_messages ticket_resolutions ticket_audit_log interaction_locks".split()}
names = set()
for t in d["tables"]:
    assert set(t) >= {"name", "before", "after"}, t
    names.add(t["name"])
    if t["name"] in reset:
        assert t["after"] == 0 and t["reset"] is True, t
    else:
        assert t["after"] == t["before"] and t["reset"] is False, t
assert reset <= names and len(names) == 11, names
seqs = {s["name"] for s in d["sequences"]}
assert seqs == {"public.%s_id_seq" % t for t in "tickets ticket_messages ticket_resolutions ticket_audit_log interaction_locks".split()}, d["sequences"]
assert d["markers"] == [], d["markers"]
assert d["confirmation"]["given"] == "-y", d["confirmation"]
assert d["confirmation"]["text"] == "type the target's name 'discord-bot' (or -y)", d["confirmation"]
b = d["backup"]
assert b["reason"] == "pre-reset" and b["verified_at"] and b["target"] == "discord-bot", b
assert d["stats"]["after"] == {"open tickets": 0}, d["stats"]
assert isinstance(d["stats"]["before"]["open tickets"], int), d["stats"]
assert isinstance(d["duration_ms"], int) and d["duration_ms"] > 0, d
print("ok")
PY
	assert_success
	assert_output ok
}

@test "--dry-run shows the plan and changes nothing" {
	local started kept
	started=$(bot_started)
	kept=$(kept_digests)
	old_rows >"$OUT/max"
	old_rows_digest "$OUT/max" >"$OUT/rows"
	# no -y and no terminal: a dry run asks nothing
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot --dry-run </dev/null
	assert_success
	assert_line "tables      5 reset, 6 kept"
	assert_line --regexp '^  public\.tickets +[0-9]+ +0  reset \(only this table\)$'
	assert_line --regexp '^  public\.servers +3 +3  keep$'
	run old_rows_digest "$OUT/max"
	assert_output "$(cat "$OUT/rows")"
	run kept_digests
	assert_output "$kept"
	assert [ "$(bot_started)" = "$started" ]
	assert_not_exists "$D"
	assert_not_exists "$B/audit.jsonl"
}

@test "no terminal and no -y: exit 3, nothing changed, the bot untouched" {
	local started
	started=$(bot_started)
	old_rows >"$OUT/max"
	old_rows_digest "$OUT/max" >"$OUT/rows"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot </dev/null
	assert_failure 3
	assert_equal "$(sed -n '$p' <<<"$stderr")" "hint: pass -y to confirm"
	run old_rows_digest "$OUT/max"
	assert_output "$(cat "$OUT/rows")"
	assert [ "$(bot_started)" = "$started" ]
	assert_not_exists "$D"
}

@test "a failing seed: exit 6, database unchanged, bot running again, nothing left" {
	local kept started
	kept=$(kept_digests)
	started=$(bot_started)
	old_rows >"$OUT/max"
	old_rows_digest "$OUT/max" >"$OUT/rows"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y --seed broken
	assert_failure 6
	assert_equal "$(grep -c "seed 'broken'.*no_such_column" <<<"$stderr")" 1
	# the truncate and the seed's first statement were rolled back
	run old_rows_digest "$OUT/max"
	assert_output "$(cat "$OUT/rows")"
	run kept_digests
	assert_output "$kept"
	run bk_psql discord "SELECT count(*) FROM servers WHERE guild_id = 'seeded-guild'"
	assert_output 0
	# the bot was stopped, and is back
	assert [ "$(bot_started)" != "$started" ]
	run bot_state
	assert_output "running healthy"
	assert_not_exists "$D/.lock"
	run bash -c "ls -A '$D' | grep -c '\.partial$'"
	assert_output 0
	run bk_wait_no_sessions 10
	assert_success
	run python3 -c '
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
print(len(e), e[0]["outcome"][:7])' "$B/audit.jsonl"
	assert_output "1 failed:"
}

@test "two resets at once: the second exits 9 naming the first" {
	"$BK_DR" -q -c "$CFG" reset discord-bot -y >"$OUT/first.out" 2>"$OUT/first.err" &
	local pid=$! i
	for i in $(seq 200); do
		if [[ -e $D/.lock ]]; then break; fi
		sleep 0.05
	done
	assert_file_exists "$D/.lock"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y
	assert_failure 9
	assert_equal "$(grep -c "locked by pid $pid on host" <<<"$stderr")" 1
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	run bot_state
	assert_output "running healthy"
}
