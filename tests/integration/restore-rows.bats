#!/usr/bin/env bats
# End to end: the row loader (restore_rows) on the example stack, driven by
# tests/tools/rows-tool in one transaction (BEGIN, restore_rows, COMMIT or
# ROLLBACK), the bot stopped so that the rows stay still. --scope reset in
# each format brings the reset tables back as the backup holds them, keeps
# today's configuration and lets sequences continue past restored ids;
# json --scope all round-trips every table; --mode merge follows seed 001
# (words matched by text, transactions appended with their word_id
# following the word); refusals (a changed column set, a reference to a
# kept row deleted since the backup) exit 2 with the database unchanged.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	load backup_helpers
	bk_stack_up rows || return 1
	make -C "$BK_ROOT" -s build/tools/rows-tool >/dev/null || return 1
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
	CFG="$OUT/dockreset.json"
	stack_config "$OUT/backups" "$CFG"
	PGHOST=127.0.0.1
	PGPORT=$(stack_port db 5432)
	export PGHOST PGPORT PGDATABASE=discord PGUSER=bot PGPASSWORD=bot-secret-pw
	TOOL="$BK_ROOT/build/tools/rows-tool"
}

RESET="public.interaction_locks public.ticket_audit_log public.ticket_messages public.ticket_resolutions public.tickets"

# Takes a backup of FORMAT; prints its file's path.
backup_file() {
	local out
	out=$("$BK_DR" -c "$CFG" backup discord-bot --format "$1" --json) || return 1
	python3 -c '
import json, os, sys
d = json.load(sys.stdin)["backup"]
print(os.path.join(sys.argv[1], d["file"]))' "$OUT/backups/discord-bot" <<<"$out"
}

# "schema.table md5" lines of the named tables only.
digests_of() {
	local all
	all=$(bk_db_digests discord) || return 1
	for t in "$@"; do
		grep "^$t " <<<"$all" || return 1
	done
}

reset_digests() {
	# shellcheck disable=SC2086
	digests_of $RESET
}

kept_digests() {
	bk_db_digests discord | grep -v -E "^($(tr ' ' '|' <<<"$RESET")) "
}

# Changes made after a backup: a reset table and a kept one.
change_after_backup() {
	bk_psql discord "DELETE FROM tickets WHERE id IN (SELECT id FROM tickets ORDER BY id LIMIT 3);
		INSERT INTO tickets (server_id, creator_id, subject)
		  SELECT server_id, creator_id, 'after the backup' FROM tickets LIMIT 1;
		UPDATE servers SET name = name || ' (renamed)' WHERE id = (SELECT min(id) FROM servers)" >/dev/null
}

scope_reset_round_trip() {
	local fmt=$1 file extra=()
	file=$(backup_file "$fmt")
	reset_digests >"$OUT/reset.before"
	change_after_backup
	# as a reset would leave it: ids start again at 1
	bk_psql discord "SELECT setval('tickets_id_seq', 1, false)" >/dev/null
	kept_digests >"$OUT/kept.after-change"
	[[ $fmt == custom ]] && extra=("$(bk_db)")

	run --separate-stderr "$TOOL" "$CFG" discord-bot "$fmt" "$file" reset replace "${extra[@]}"
	assert_success
	assert_output --partial '"public.tickets":'

	run reset_digests
	assert_output "$(cat "$OUT/reset.before")"
	run kept_digests
	assert_output "$(cat "$OUT/kept.after-change")"
	# the sequence continues past every id restored or used before
	run bk_psql discord "INSERT INTO tickets (server_id, creator_id, subject)
		SELECT server_id, creator_id, 'after the restore' FROM tickets LIMIT 1 RETURNING id"
	assert_success
	local new_id=${output%%$'\n'*}
	run bk_psql discord "SELECT $new_id > max(id) FROM tickets WHERE subject <> 'after the restore'"
	assert_output "t"
}

@test "--scope reset, custom: reset tables as in the backup, kept tables as today, sequences continue" {
	scope_reset_round_trip custom
}

@test "--scope reset, plain: reset tables as in the backup, kept tables as today, sequences continue" {
	scope_reset_round_trip plain
}

@test "--scope reset, json: reset tables as in the backup, kept tables as today, sequences continue" {
	scope_reset_round_trip json
}

@test "json --scope all: every table's checksum after reset and restore equals the one before" {
	local file
	file=$(backup_file json)
	bk_db_digests discord >"$OUT/before"
	run --separate-stderr "$BK_DR" -c "$CFG" reset discord-bot -y
	assert_success
	run bk_db_digests discord
	refute_output "$(cat "$OUT/before")"

	run --separate-stderr "$TOOL" "$CFG" discord-bot json "$file" all replace
	assert_success
	run bk_db_digests discord
	assert_output "$(cat "$OUT/before")"
}

@test "a restored row referencing a kept row deleted since the backup: exit 2 naming the constraint, nothing changed" {
	local file cat
	file=$(backup_file custom)
	cat=$(bk_psql discord "SELECT category_id FROM tickets WHERE category_id IS NOT NULL ORDER BY id LIMIT 1")
	bk_psql discord "DELETE FROM tickets WHERE category_id = $cat; DELETE FROM ticket_categories WHERE id = $cat" >/dev/null
	bk_db_digests discord >"$OUT/before"

	run --separate-stderr "$TOOL" "$CFG" discord-bot custom "$file" reset replace "$(bk_db)"
	assert_failure 2
	assert_output ''
	[[ $stderr == *"reference rows that no longer exist (constraint 'tickets_category_id_fkey')"* ]] ||
		fail "stderr: $stderr"
	run bk_db_digests discord
	assert_output "$(cat "$OUT/before")"
}

# Seed 001's shape: words and their transactions.
words_schema() {
	bk_psql discord "DROP TABLE IF EXISTS transactions, words;
		CREATE TABLE words (id serial PRIMARY KEY, text text NOT NULL UNIQUE,
		  price numeric NOT NULL DEFAULT 1, owner_name text);
		CREATE TABLE transactions (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
		  word_id integer NOT NULL REFERENCES words (id), buyer_name text NOT NULL,
		  price_paid numeric NOT NULL);
		INSERT INTO words (text, price, owner_name) VALUES
		  ('alpha', 5, 'Alice'), ('beta', 7, 'Bob'), ('gamma', 3, NULL);
		INSERT INTO transactions (word_id, buyer_name, price_paid)
		  SELECT id, coalesce(owner_name, 'Nobody'), price FROM words WHERE text IN ('alpha', 'beta');
		INSERT INTO transactions (word_id, buyer_name, price_paid)
		  SELECT id, 'Carol', 2 FROM words WHERE text = 'beta'" >/dev/null
	rs_merge_config
}

rs_merge_config() {
	python3 - "$CFG" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["targets"]["discord-bot"]["restore"] = {
    "merge": {"words": {"key": ["text"]}, "transactions": "append"}}
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
}

# The factory reset of seed 001: everything deleted, the word list
# imported again with new ids, at price 1 and without owners.
factory_reset() {
	bk_psql discord "DELETE FROM transactions; DELETE FROM words;
		INSERT INTO words (text) VALUES ('gamma'), ('alpha'), ('delta');
		INSERT INTO transactions (word_id, buyer_name, price_paid)
		  SELECT id, 'Dave', 1 FROM words WHERE text = 'delta'" >/dev/null
}

@test "merge (seed 001): words matched by text updated or inserted, transactions appended following their word" {
	local file
	words_schema
	file=$(backup_file json)
	factory_reset
	run bk_psql discord "SELECT text || '=' || id FROM words ORDER BY text"
	local ids_before=$output

	run --separate-stderr "$TOOL" "$CFG" discord-bot json "$file" all merge
	assert_success
	# alpha and gamma updated, beta inserted; three transactions appended
	[[ $output == *'"public.words":{"inserted":1,"updated":2}'* ]] || fail "output: $output"
	[[ $output == *'"public.transactions":{"inserted":3,"updated":0}'* ]] || fail "output: $output"

	run bk_psql discord "SELECT text, price, coalesce(owner_name, '-') FROM words ORDER BY text"
	assert_output "alpha|5|Alice
beta|7|Bob
delta|1|-
gamma|3|-"
	# the words of today keep their ids
	run bk_psql discord "SELECT text || '=' || id FROM words WHERE text <> 'beta' ORDER BY text"
	assert_output "$(grep -v '^beta=' <<<"$ids_before")"
	# every transaction points at its word by text, today's included
	run bk_psql discord "SELECT w.text, t.buyer_name, t.price_paid FROM transactions t
		JOIN words w ON w.id = t.word_id ORDER BY t.id"
	assert_output "delta|Dave|1
alpha|Alice|5
beta|Bob|7
beta|Carol|2"
	# appended rows got new ids: unique, and the identity continues past them
	run bk_psql discord "INSERT INTO transactions (word_id, buyer_name, price_paid)
		SELECT id, 'Eve', 1 FROM words WHERE text = 'delta' RETURNING id > (SELECT max(id) FROM transactions WHERE buyer_name <> 'Eve')"
	assert_line --index 0 "t"
}

@test "merge into a table whose column set changed: exit 2 naming table and column, nothing changed" {
	local file
	words_schema
	file=$(backup_file json)
	factory_reset
	bk_psql discord "ALTER TABLE words ADD COLUMN note text" >/dev/null
	bk_db_digests discord >"$OUT/before"

	run --separate-stderr "$TOOL" "$CFG" discord-bot json "$file" all merge
	assert_failure 2
	[[ $stderr == *"table 'public.words' has other columns now than in the backup; not in the backup: note"* ]] ||
		fail "stderr: $stderr"
	run bk_db_digests discord
	assert_output "$(cat "$OUT/before")"
}

@test "merge: a reference that cannot be followed is refused before anything changes" {
	local file
	words_schema
	file=$(backup_file json)
	factory_reset
	# a backup whose transaction references a word it does not hold
	python3 - "$file" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
out, table = [], None
for l in lines:
    if l.startswith('{"name":'):
        table = l.split('"')[3]
    if table == "public.words" and l.startswith('["') and '"beta"' in l:
        continue
    out.append(l)
# the row before a removed last row loses its comma where needed
text = "\n".join(out).replace('],\n]}', ']\n]}')
open(p, "w").write(text)
PY
	bk_db_digests discord >"$OUT/before"

	run --separate-stderr "$TOOL" "$CFG" discord-bot json "$file" all merge
	assert_failure 2
	[[ $stderr == *"cannot follow 2 references of 'public.transactions' (word_id) to 'public.words'"* ]] ||
		fail "stderr: $stderr"
	run bk_db_digests discord
	assert_output "$(cat "$OUT/before")"
}
