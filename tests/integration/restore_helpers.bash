# shellcheck shell=bash
# Helpers of the restore end-to-end tests (tests/integration/restore-*.bats),
# for a stack whose bot runs and inserts a ticket and its first message
# about once a second. Load after scripts/lib-stack.bash, backup_helpers and
# reset_helpers:
#
#   load ../../scripts/lib-stack.bash
#   load backup_helpers
#   load reset_helpers
#   load restore_helpers
#
#   rt_setup                  per test: rs_setup (CFG, B, D, OUT), and no
#                             cleanup SQL yet (RT_CLEANUP, run by
#                             rt_teardown)
#   rt_teardown               per test: RT_CLEANUP run, the bot running
#   rt_sums FILE              notes in FILE "schema.table md5" of every user
#                             table: the md5 of its rows (each row's md5,
#                             ordered). The tables the bot inserts into
#                             (tickets, ticket_messages) count only the rows
#                             up to their largest id now (noted in
#                             FILE.caps), so the bot's later rows do not
#                             change the sum while every older row does
#   rt_sums_now FILE          prints the same sums now, with FILE's caps
#   rt_unchanged FILE         prints the differences from rt_sums FILE
#                             (nothing when those rows are as they were)
#   rt_backup FORMAT [ARGS]   `backup discord-bot --format FORMAT --json`;
#                             prints the new backup's id
#   rt_json_get JSON EXPR     prints the Python expression EXPR over the
#                             document as `d`
#   rt_audit_commands         the "command" of each line of $B/audit.jsonl
#   rt_bg ARGS...             dockreset -c $CFG ARGS in the background
#                             (RT_PID), stdout/stderr in $OUT/out, $OUT/err
#   rt_wait_bg                waits for it: RT_RC, RT_ELAPSED (seconds
#                             since rt_mark)
#   rt_mark                   notes the time for RT_ELAPSED
#   rt_wait_copy TABLE [S]    until the restoring psql session runs the COPY
#                             of TABLE (a LIKE pattern on pg_stat_activity)
#   rt_pre_restore_ids        the ids `backups --json` lists with reason
#                             pre-restore

rt_setup() {
	rs_setup
	RT_CLEANUP=
	RT_PID=
}

rt_teardown() {
	if [[ -n ${RT_PID:-} ]]; then
		kill -TERM "$RT_PID" 2>/dev/null || true
		wait "$RT_PID" 2>/dev/null || true
	fi
	if [[ -n ${RT_CLEANUP:-} ]]; then
		bk_psql discord "$RT_CLEANUP" >/dev/null 2>&1 || true
	fi
	if [[ $(stack_health db 2>/dev/null) != healthy ]]; then
		docker start "$(stack_container db)" >/dev/null 2>&1 || true
		bk_wait_db_healthy >/dev/null 2>&1 || true
	fi
	if [[ $(rs_bot_state 2>/dev/null) != running* ]]; then
		docker start "$(stack_container bot)" >/dev/null 2>&1 || true
	fi
	return 0
}

# The tables the bot inserts into: only their rows up to a cap are summed.
RT_BOT_TABLES="public.tickets public.ticket_messages"

_rt_sums_sql() {
	local caps=$1 t max cases=
	while read -r t max; do
		cases+=" WHEN '$t' THEN ' WHERE id <= $max'"
	done <"$caps"
	cat <<SQL
SELECT t.nspname || '.' || t.relname || ' ' ||
       coalesce((xpath('/row/v/text()', query_to_xml(
           format('SELECT coalesce(md5(string_agg(md5(x::text), '''' ORDER BY md5(x::text) COLLATE "C")), ''empty'') AS v FROM ONLY %I.%I x', t.nspname, t.relname)
           || CASE t.nspname || '.' || t.relname ${cases:-WHEN '' THEN ''} ELSE '' END,
           false, true, '')))[1]::text, 'null')
  FROM ($BK_TABLES_SQL) t ORDER BY t.nspname || '.' || t.relname COLLATE "C"
SQL
}

rt_sums() {
	local file=${1:?usage: rt_sums FILE} t max
	: >"$file.caps" || return 1
	for t in $RT_BOT_TABLES; do
		max=$(bk_psql discord "SELECT coalesce(max(id), 0) FROM $t") || return 1
		printf '%s %s\n' "$t" "$max" >>"$file.caps"
	done
	rt_sums_now "$file" >"$file.new" || return 1
	mv "$file.new" "$file" || return 1
	# a sum that cannot tell anything apart is no check
	if ! grep -q '^public\.tickets [0-9a-f]\{32\}$' "$file"; then
		echo "rt_sums: no tickets to sum: $(cat "$file")" >&2
		return 1
	fi
}

rt_sums_now() {
	bk_psql discord "$(_rt_sums_sql "${1:?usage: rt_sums_now FILE}.caps")"
}

rt_unchanged() {
	local file=${1:?usage: rt_unchanged FILE}
	rt_sums_now "$file" >"$file.now" || return 1
	diff "$file" "$file.now"
	return 0
}

rt_backup() {
	local format=${1:?usage: rt_backup FORMAT [ARGS]} out
	shift
	out=$("$BK_DR" -q -c "$CFG" backup discord-bot --format "$format" --json "$@" </dev/null) || return 1
	python3 -c 'import json, sys; print(json.loads(sys.argv[1])["backup"]["id"])' "$out"
}

rt_json_get() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(eval(sys.argv[2]))' "${1:?usage: rt_json_get JSON EXPR}" "${2:?}"
}

rt_audit_commands() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["command"])' "$B/audit.jsonl"
}

rt_pre_restore_ids() {
	local out
	out=$("$BK_DR" -c "$CFG" backups discord-bot --json </dev/null) || return 1
	python3 -c '
import json, sys
for m in json.loads(sys.argv[1])["backups"]:
    if m.get("reason") == "pre-restore":
        print(m["id"])' "$out"
}

rt_mark() {
	RT_T0=$(date +%s.%N)
}

rt_bg() {
	"$BK_DR" -c "$CFG" "$@" </dev/null >"$OUT/out" 2>"$OUT/err" &
	RT_PID=$!
}

rt_wait_bg() {
	RT_RC=0
	wait "$RT_PID" || RT_RC=$?
	RT_PID=
	RT_ELAPSED=$(python3 -c 'import sys, time; print(round(time.time() - float(sys.argv[1]), 2))' "${RT_T0:-0}")
	echo "# exit $RT_RC after ${RT_ELAPSED}s: $(tr '\n' ' ' <"$OUT/err")"
}

rt_wait_copy() {
	local pat=${1:?usage: rt_wait_copy TABLE [SECONDS]} deadline=$((SECONDS + ${2:-120})) n
	while ((SECONDS < deadline)); do
		n=$(bk_psql discord "SELECT count(*) FROM pg_stat_activity
		      WHERE application_name = 'dockreset:restore-psql:discord-bot'
		        AND state = 'active' AND query LIKE 'COPY %$pat%'") || return 1
		if [[ $n -ge 1 ]]; then
			return 0
		fi
		if [[ -n ${RT_PID:-} ]] && ! kill -0 "$RT_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "the restore never ran the COPY of $pat; stderr: $(cat "$OUT/err" 2>/dev/null)" >&2
	return 1
}
