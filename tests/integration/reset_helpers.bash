# shellcheck shell=bash
# Helpers of the reset end-to-end tests (tests/integration/reset-*.bats),
# for a stack whose bot runs and writes (a ticket about once a second).
# Load after scripts/lib-stack.bash and backup_helpers:
#
#   load ../../scripts/lib-stack.bash
#   load backup_helpers
#   load reset_helpers
#
#   rs_setup                   per test: bats libraries, bk_test_env, no
#                              production variable in the environment, and
#                              CFG (a copy of the example config), B (its
#                              backup_dir), D (the target's backups)
#   rs_config_edit CFG PY      runs the Python statements PY on the config
#                              as `c` (a dict), then writes it back
#   rs_bot_started             the bot container's State.StartedAt
#   rs_bot_state               "running healthy", "exited ", ...
#   rs_snapshot DIR            notes the database as it is in DIR: the kept
#                              tables' digests, and the digests of the rows
#                              of each reset table up to its largest id now
#                              (the bot only inserts, so they stay the same
#                              unless a reset deleted them)
#   rs_unchanged DIR           prints the differences from rs_snapshot DIR
#                              (nothing when the database is unchanged)
#   rs_row_hashes DIR          the sorted md5 of every row of each reset
#                              table, one file per table in DIR
#   rs_none_left DIR_BEFORE    prints "table hash" of each row of DIR_BEFORE
#                              (rs_row_hashes) still in a reset table
#   rs_no_partial DIR          prints the .partial files and .lock of DIR
#   rs_on_tty INPUT CTRLC ARGS runs dockreset ARGS on a terminal (script(1)),
#                              types INPUT, presses Ctrl+C once the terminal
#                              shows CTRLC (when not empty); prints what the
#                              terminal showed, returns dockreset's exit code

RS_KEPT="servers discord_users developers bot_settings ticket_categories ticket_panel_settings"
RS_RESET="tickets ticket_messages ticket_resolutions ticket_audit_log interaction_locks"

rs_setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	bk_test_env
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DOCKRESET_CONFIRM_PRODUCTION
	CFG="$OUT/dockreset.json"
	B="$OUT/backups"
	D="$B/discord-bot"
	stack_config "$B" "$CFG"
}

rs_config_edit() {
	python3 - "${1:?usage: rs_config_edit CFG PY}" "${2:?}" <<'PY'
import json, sys
path, code = sys.argv[1:3]
c = json.load(open(path))
exec(code)
json.dump(c, open(path, "w"), indent=2)
PY
}

rs_bot_started() {
	docker inspect -f '{{.State.StartedAt}}' "$(stack_container bot)"
}

rs_bot_state() {
	docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' \
		"$(stack_container bot)"
}

_rs_old_rows_digest() {
	local t max
	while read -r t max; do
		printf '%s %s\n' "$t" "$(bk_psql discord "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' ORDER BY id)), 'empty') FROM $t x WHERE id <= $max")" || return 1
	done <"$1"
}

rs_snapshot() {
	local dir=${1:?usage: rs_snapshot DIR} t max
	mkdir -p "$dir" || return 1
	: >"$dir/max"
	for t in $RS_RESET; do
		max=$(bk_psql discord "SELECT coalesce(max(id), 0) FROM $t") || return 1
		printf '%s %s\n' "$t" "$max" >>"$dir/max"
	done
	_rs_old_rows_digest "$dir/max" >"$dir/rows" || return 1
	bk_db_digests discord | grep -E "^public\.(${RS_KEPT// /|}) " >"$dir/kept"
}

rs_unchanged() {
	local dir=${1:?usage: rs_unchanged DIR}
	_rs_old_rows_digest "$dir/max" >"$dir/rows.now" || return 1
	bk_db_digests discord | grep -E "^public\.(${RS_KEPT// /|}) " >"$dir/kept.now"
	diff "$dir/rows" "$dir/rows.now"
	diff "$dir/kept" "$dir/kept.now"
	return 0
}

rs_row_hashes() {
	local t
	mkdir -p "${1:?usage: rs_row_hashes DIR}" || return 1
	for t in $RS_RESET; do
		bk_psql discord "SELECT md5(x::text) FROM $t x" | LC_ALL=C sort >"$1/$t" || return 1
	done
}

rs_none_left() {
	local t
	rs_row_hashes "$OUT/rows.now" || return 1
	for t in $RS_RESET; do
		comm -12 "${1:?usage: rs_none_left DIR_BEFORE}/$t" "$OUT/rows.now/$t" | sed "s/^/$t /"
	done
}

rs_no_partial() {
	local p
	for p in "${1:?usage: rs_no_partial DIR}"/*.partial "$1/.lock"; do
		if [[ -e $p || -L $p ]]; then
			printf '%s\n' "$p"
		fi
	done
	return 0
}

rs_on_tty() {
	local input=$1 ctrlc=$2
	shift 2
	rm -f "$OUT/tty"
	{
		printf '%s' "$input"
		if [[ -n $ctrlc ]]; then
			for _ in $(seq 1200); do
				grep -qF -- "$ctrlc" "$OUT/tty" 2>/dev/null && break
				sleep 0.05
			done
			printf '\003'
		fi
	} | script -qefc "$(printf '%q ' "$BK_DR" -c "$CFG" "$@")" "$OUT/tty" >/dev/null
	local rc=$?
	cat "$OUT/tty"
	return "$rc"
}
