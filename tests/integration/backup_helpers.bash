# shellcheck shell=bash
# Helpers of the backup end-to-end tests (tests/integration/backup-*.bats).
# Load after scripts/lib-stack.bash:
#
#   load ../../scripts/lib-stack.bash
#   load backup_helpers
#
#   bk_stack_up NAME              stack_up, bot stopped, config written: sets
#                                 and exports STACK_PROJECT, BK_CONFIG, BK_DIR
#   bk_test_env                   per test: COMPOSE_PROJECT_NAME, NO_COLOR, and
#                                 OUT, the test's own directory
#   bk_copy_backups               per test: a copy of setup_file's backups in
#                                 $D with its config $CFG
#   bk_db                         the db container's id
#   bk_psql DB SQL                psql -Atc SQL as bot in the db container
#   bk_db_counts DB               "schema.table rows" of every user table
#   bk_db_digests DB              "schema.table md5" of every user table
#   bk_manifest_counts FILE       "schema.table rows" of a manifest's tables
#   bk_json_counts FILE           the row lines of each table of a json backup
#   bk_json_digests FILE          bk_db_digests computed from a json backup
#   bk_restore_custom FILE DB     a new database DB loaded with pg_restore
#   bk_restore_plain FILE DB      a new database DB loaded with psql
#   bk_writer_start / _stop       a client inserting tickets as fast as it can
#   bk_fill_big ROWS              table "big", about 670 bytes a row
#   bk_sessions                   backends whose application_name is dockreset's
#   bk_wait_no_sessions [S]       until there are none (backends end async)
#   bk_wait_partial DIR MIN [S]   until DIR holds a .partial of MIN bytes or more
#   bk_assert_nothing_left DIR    no .partial, no .lock, no dockreset session
#   bk_fix_manifest MAN FILE      rewrites size and sha256 of MAN to match FILE
#   bk_restricted_db              db recreated from fixtures/restricted-db.yml
#   bk_wait_db_healthy            until db is healthy again
#
# Every helper returns non-zero on failure. Tests call each on a line of its
# own, where a failure fails the test (bash's errexit ignores a failure inside
# an `a && b` chain or after `!`); checks are `run` + bats-assert.

BK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034  # used by the .bats files
BK_DR="$BK_ROOT/dockreset"

# The example's user tables, "schema.table" ordered as the C locale does.
BK_TABLES_SQL="SELECT n.nspname, c.relname FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"

bk_test_env() {
	export COMPOSE_PROJECT_NAME=$STACK_PROJECT NO_COLOR=1
	OUT="$BATS_TEST_TMPDIR"
}

bk_copy_backups() {
	CFG="$OUT/dockreset.json"
	D="$OUT/backups/discord-bot"
	mkdir -p "$OUT/backups" &&
		cp -a "$BK_DIR" "$D" &&
		stack_config "$OUT/backups" "$CFG"
}

bk_stack_up() {
	stack_up "${1:?usage: bk_stack_up NAME}" || return 1
	stack_compose stop -t 2 bot >/dev/null 2>&1 || return 1
	BK_CONFIG="$BATS_FILE_TMPDIR/dockreset.json"
	BK_DIR="$BATS_FILE_TMPDIR/backups/discord-bot"
	export STACK_PROJECT BK_CONFIG BK_DIR
	stack_config "$BATS_FILE_TMPDIR/backups" "$BK_CONFIG"
}

bk_db() {
	local id
	id=$(stack_container db | head -n1)
	[[ -n $id ]] || { echo "no db container in $STACK_PROJECT" >&2; return 1; }
	printf '%s\n' "$id"
}

bk_psql() {
	local db=${1:?usage: bk_psql DB SQL} sql=${2:?} id
	id=$(bk_db) || return 1
	docker exec "$id" psql -X -v ON_ERROR_STOP=1 -U bot -d "$db" -Atc "$sql"
}

# One query gives every table's value of the per-table query $2 (a format()
# string taking schema and table, whose one column is "v").
_bk_per_table() {
	local q=${2//\'/\'\'}
	bk_psql "$1" "SELECT t.nspname || '.' || t.relname || ' ' ||
	    coalesce((xpath('/row/v/text()', query_to_xml(format('$q', t.nspname, t.relname),
	                                                   false, true, '')))[1]::text, 'null')
	  FROM ($BK_TABLES_SQL) t ORDER BY t.nspname || '.' || t.relname COLLATE \"C\""
}

bk_db_counts() {
	_bk_per_table "${1:?usage: bk_db_counts DB}" 'SELECT count(*) AS v FROM ONLY %I.%I'
}

# The md5 of the sorted md5s of each row's text (the row as a record): the
# same rows give the same digest, whatever their physical order.
bk_db_digests() {
	_bk_per_table "${1:?usage: bk_db_digests DB}" \
		"SELECT coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text) COLLATE \"C\")), 'empty') AS v FROM ONLY %I.%I t"
}

bk_manifest_counts() {
	python3 - "${1:?usage: bk_manifest_counts FILE}" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["tables"]
for name in sorted(t):
    print(name, t[name])
PY
}

# Reads a json backup a line at a time, as its layout promises (SPEC 5).
_BK_JSON_PY='
import hashlib, json, sys

def record(row):
    # PostgreSQL record_out: the text of "t::text" for a row of values
    out = []
    for v in row:
        if v is None:
            out.append("")
        elif v == "" or any(c in "\"\\(),\t\n\r\v\f " for c in v):
            out.append("\"" + v.replace("\\", "\\\\").replace("\"", "\"\"") + "\"")
        else:
            out.append(v)
    return "(" + ",".join(out) + ")"

def tables(path):
    rows, name = {}, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    assert lines[0].startswith("{\"format_version\":1,"), lines[0][:80]
    assert lines[-1] == "]}", lines[-1][:80]
    for line in lines[1:-1]:
        if line.startswith("{\"name\":"):
            name = json.loads(line + "]}")["name"]
            rows[name] = []
        elif line.startswith("["):
            rows[name].append(json.loads(line[:-1] if line.endswith(",") else line))
        else:
            assert line in ("]}", "]},"), line[:80]
    return rows
'

bk_json_counts() {
	python3 -c "$_BK_JSON_PY"'
rows = tables(sys.argv[1])
for name in sorted(rows):
    print(name, len(rows[name]))
' "${1:?usage: bk_json_counts FILE}"
}

bk_json_digests() {
	python3 -c "$_BK_JSON_PY"'
rows = tables(sys.argv[1])
for name in sorted(rows):
    h = sorted(hashlib.md5(record(r).encode()).hexdigest() for r in rows[name])
    print(name, hashlib.md5("".join(h).encode()).hexdigest() if h else "empty")
' "${1:?usage: bk_json_digests FILE}"
}

bk_restore_custom() {
	local file=${1:?usage: bk_restore_custom FILE DB} db=${2:?} id
	id=$(bk_db) &&
		docker exec "$id" createdb -U bot "$db" &&
		docker exec -i "$id" pg_restore -U bot -d "$db" --exit-on-error <"$file"
}

bk_restore_plain() {
	local file=${1:?usage: bk_restore_plain FILE DB} db=${2:?} id
	id=$(bk_db) &&
		docker exec "$id" createdb -U bot "$db" &&
		docker exec -i "$id" psql -X -q -v ON_ERROR_STOP=1 -U bot -d "$db" <"$file" >/dev/null
}

# A client that inserts a ticket and its message, one transaction each, as
# fast as it can, until bk_writer_stop ends its session.
bk_writer_start() {
	local id sql
	id=$(bk_db) || return 1
	# values that need quoting in a record's text: quotes, commas, a
	# backslash, parentheses, a newline
	sql=$(
		cat <<'SQL'
DO $$
DECLARE t integer;
BEGIN
    LOOP
        INSERT INTO tickets (server_id, creator_id, subject)
            VALUES (1, 4, $s$writer's "ticket", (a\b)$s$) RETURNING id INTO t;
        INSERT INTO ticket_messages (ticket_id, author_id, content)
            VALUES (t, 4, E'line one\nline two, ticket ' || t);
        COMMIT;
    END LOOP;
END $$
SQL
	)
	docker exec -e PGAPPNAME=drt-writer "$id" psql -X -q -U bot -d discord \
		-c 'SET synchronous_commit = off' -c "$sql" >/dev/null 2>&1 &
	BK_WRITER_PID=$!
	# running once its session is there
	for _ in $(seq 100); do
		[[ $(bk_psql discord "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'drt-writer'") -ge 1 ]] && return 0
		sleep 0.1
	done
	echo "the writer did not start" >&2
	return 1
}

bk_writer_stop() {
	[[ -n ${BK_WRITER_PID:-} ]] || return 0
	bk_psql discord "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'drt-writer'" >/dev/null 2>&1 || true
	wait "$BK_WRITER_PID" 2>/dev/null || true # psql ends with 2: its session was terminated
	BK_WRITER_PID=
	return 0
}

bk_fill_big() {
	bk_psql discord "CREATE TABLE IF NOT EXISTS big (id integer PRIMARY KEY, v text NOT NULL);
	  INSERT INTO big SELECT g, repeat(md5(g::text), 20)
	    FROM generate_series(1, ${1:?usage: bk_fill_big ROWS}) g" >/dev/null
}

# The backends of dockreset (its own session and the pg_dump it started).
bk_sessions() {
	bk_psql discord "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'dockreset%'"
}

bk_wait_no_sessions() {
	local deadline=$((SECONDS + ${1:-10})) left
	while :; do
		left=$(bk_sessions) || return 1
		[[ -z $left ]] && return 0
		if ((SECONDS >= deadline)); then
			printf 'dockreset sessions still there:\n%s\n' "$left" >&2
			return 1
		fi
		sleep 0.2
	done
}

bk_wait_partial() {
	local dir=${1:?usage: bk_wait_partial DIR MIN_BYTES [SECONDS]} min=${2:?}
	local deadline=$((SECONDS + ${3:-30})) p
	while ((SECONDS < deadline)); do
		for p in "$dir"/*.partial; do
			if [[ -f $p ]] && (($(stat -c %s "$p") >= min)); then
				printf '%s\n' "$p"
				return 0
			fi
		done
		sleep 0.05
	done
	echo "no partial file of $min bytes in $dir" >&2
	return 1
}

bk_assert_nothing_left() {
	local dir=${1:?usage: bk_assert_nothing_left DIR} p
	for p in "$dir"/*.partial "$dir/.lock"; do
		if [[ -e $p || -L $p ]]; then
			echo "left behind: $p" >&2
			return 1
		fi
	done
	bk_wait_no_sessions 10
}

bk_fix_manifest() {
	python3 - "${1:?usage: bk_fix_manifest MANIFEST FILE}" "${2:?}" <<'PY'
import hashlib, json, sys
man, data = sys.argv[1:3]
m = json.load(open(man))
b = open(data, "rb").read()
m["size"] = len(b)
m["sha256"] = hashlib.sha256(b).hexdigest()
with open(man, "w") as f:
    json.dump(m, f, indent=2)
    f.write("\n")
PY
}

# Recreates db from tests/integration/fixtures/restricted-db.yml with a new
# data volume, so its init scripts run: the example plus a role `app` that
# cannot read table `secrets`. Waits until it is healthy.
bk_restricted_db() {
	DRT_FIXTURES="$BK_ROOT/tests/integration/fixtures" stack_compose \
		-f "$BK_ROOT/tests/integration/fixtures/restricted-db.yml" \
		up -d --no-deps --renew-anon-volumes db >/dev/null 2>&1 || return 1
	bk_wait_db_healthy
}

bk_wait_db_healthy() {
	local h
	for _ in $(seq 120); do
		h=$(stack_health db)
		[[ $h == healthy ]] && return 0
		sleep 0.5
	done
	echo "db is $h, not healthy" >&2
	return 1
}
