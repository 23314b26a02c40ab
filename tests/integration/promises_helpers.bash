# shellcheck shell=bash
# Helpers of tests/integration/promises.bats (SPEC 5 and 7 end to end).
# Load after scripts/lib-stack.bash and backup_helpers:
#
#   pr_copy_backups SRC [DB_JSON]  per test: a copy of the backups in SRC at
#                                  $D, with its config $CFG (DB_JSON merged
#                                  into the target's "database")
#   pr_clone_backups DIR N         N copies of DIR's newest backup under new
#                                  ids, 1..N hours older, verified
#   pr_set_config CFG PY           runs the python statement PY on the
#                                  config CFG loaded as `c`, writes it back
#   pr_exec_json DB PROGRAM        the Engine API's inspect of the running
#                                  exec of PROGRAM in container DB
#   pr_wait_exec DB PROGRAM [S]    until there is one; prints it
#   pr_procs DB COMM               host pids of container DB's processes COMM
#   pr_wait_no_procs DB COMM [S]   until there are none
#   pr_wait_no_backend APP [S]     until no backend has application_name APP
#   pr_fake_pg_restore_install     a pg_restore that reads its input and
#                                  fails ("pg_restore: error: damaged") in
#                                  place of the db container's real one
#   pr_fake_pg_restore_remove      puts the real one back
#
# Every helper returns non-zero on failure.

PR_SOCK=/var/run/docker.sock
PR_API=http://d/v1.41

pr_copy_backups() {
	local src=${1:?usage: pr_copy_backups SRC [DB_JSON]}
	CFG="$OUT/dockreset.json"
	D="$OUT/backups/discord-bot"
	mkdir -p "$OUT/backups" &&
		cp -a "$src" "$D" &&
		stack_config "$OUT/backups" "$CFG" "${2:-}"
}

pr_clone_backups() {
	python3 - "${1:?usage: pr_clone_backups DIR N}" "${2:?}" <<'PY'
import json, os, shutil, sys, time
d, n = sys.argv[1], int(sys.argv[2])
mans = [json.load(open(os.path.join(d, f))) for f in os.listdir(d) if f.endswith(".manifest.json")]
m = max(mans, key=lambda x: x["created_at"])
ext = m["file"][len(m["id"]):]
for h in range(1, n + 1):
    t = time.gmtime(time.time() - h * 3600)
    m2 = dict(m)
    m2["id"] = "discord-bot-" + time.strftime("%Y%m%dT%H%M%SZ", t)
    m2["file"] = m2["id"] + ext
    m2["created_at"] = m2["verified_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", t)
    shutil.copy(os.path.join(d, m["file"]), os.path.join(d, m2["file"]))
    with open(os.path.join(d, m2["id"] + ".manifest.json"), "w") as f:
        json.dump(m2, f, indent=2)
PY
}

pr_set_config() {
	python3 - "${1:?usage: pr_set_config CFG PY}" "${2:?}" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[2])
with open(sys.argv[1], "w") as f:
    json.dump(c, f, indent=2)
PY
}

pr_exec_json() {
	local db=${1:?usage: pr_exec_json DB PROGRAM} prog=${2:?} e j
	for e in $(curl -sf --unix-socket "$PR_SOCK" "$PR_API/containers/$db/json" |
		jq -r '.ExecIDs // [] | .[]'); do
		j=$(curl -sf --unix-socket "$PR_SOCK" "$PR_API/exec/$e/json") || continue
		if [[ $(jq -r --arg p "$prog" '.Running and .ProcessConfig.entrypoint == $p' <<<"$j") == true ]]; then
			printf '%s\n' "$j"
			return 0
		fi
	done
	return 1
}

pr_wait_exec() {
	local deadline=$((SECONDS + ${3:-30}))
	while ((SECONDS < deadline)); do
		pr_exec_json "${1:?usage: pr_wait_exec DB PROGRAM [S]}" "${2:?}" && return 0
		sleep 0.05
	done
	echo "no running exec of $2 in $1" >&2
	return 1
}

pr_procs() {
	docker top "${1:?usage: pr_procs DB COMM}" -eo pid,comm |
		awk -v c="${2:?}" 'NR > 1 && $2 == c { print $1 }'
}

pr_wait_no_procs() {
	local deadline=$((SECONDS + ${3:-5})) left
	while :; do
		left=$(pr_procs "${1:?usage: pr_wait_no_procs DB COMM [S]}" "${2:?}") || return 1
		[[ -z $left ]] && return 0
		if ((SECONDS >= deadline)); then
			echo "$2 still running in $1: pids $left" >&2
			return 1
		fi
		sleep 0.1
	done
}

pr_wait_no_backend() {
	local app=${1:?usage: pr_wait_no_backend APP [S]} deadline=$((SECONDS + ${2:-5})) n
	while :; do
		n=$(bk_psql discord "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'") || return 1
		[[ $n == 0 ]] && return 0
		if ((SECONDS >= deadline)); then
			echo "$n backend(s) of $app still there" >&2
			return 1
		fi
		sleep 0.1
	done
}

pr_fake_pg_restore_install() {
	local id
	id=$(bk_db) || return 1
	docker exec "$id" sh -c '
		p=$(command -v pg_restore) || exit 1
		[ -e "$p.dockreset-real" ] || mv "$p" "$p.dockreset-real" || exit 1
		printf "%s\n" "#!/bin/sh" "cat >/dev/null" \
			"echo \"pg_restore: error: damaged\" >&2" "exit 1" >"$p" &&
			chmod 755 "$p"'
}

pr_fake_pg_restore_remove() {
	local id
	id=$(bk_db) || return 1
	docker exec "$id" sh -c '
		p=$(command -v pg_restore) || exit 1
		[ ! -e "$p.dockreset-real" ] || mv -f "$p.dockreset-real" "$p"'
}
