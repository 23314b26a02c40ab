# shellcheck shell=bash
# Throwaway compose stacks for the end-to-end tests (bats) and `make demo`.
# Source it, then:
#
#   stack_up NAME [COMPOSE_DIR]   start a stack under a unique project name
#                                 (default dir: compose/discord-bot) and wait
#                                 until every container is healthy
#   stack_down                    remove its containers, networks, volumes
#   stack_compose ARGS...         docker compose / docker-compose on it
#   stack_container SERVICE       full container id(s) of a service
#   stack_port SERVICE PORT       host port published for PORT (127.0.0.1)
#   stack_psql SQL [PSQL_ARGS...] psql -Atc SQL inside the db container
#   stack_redis ARGS...           redis-cli inside the redis container
#   stack_wait_healthy [SECONDS]  wait until every container is healthy
#   stack_health SERVICE          its health (healthy, starting, ...)
#   stack_config BACKUPS OUT [DB] a copy of the example's dockreset.json at OUT
#                                 with backup_dir BACKUPS and its relative file
#                                 paths made absolute (DB: a JSON object merged
#                                 into the target's "database")
#
# Variables: STACK_PROJECT, STACK_DIR, STACK_COMPOSE_FILE (set by stack_up,
# and COMPOSE_PROJECT_NAME too, so dockreset finds the stack); STACK_TIMEOUT
# (default 90 s); STACK_DB_SERVICE/STACK_DB_USER/STACK_DB_NAME (db, bot,
# discord); STACK_REDIS_SERVICE (redis). DOCKRESET_PG_IMAGE,
# DOCKRESET_REDIS_IMAGE, DOCKRESET_APP_IMAGE: default to the local test
# images (scripts/build-test-images.sh) when postgres:16 / redis:7 are not
# present locally, else left to the compose file's defaults.

STACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

_stack_err() { printf 'lib-stack: %s\n' "$*" >&2; }

# `docker compose` (v2 plugin) where present, else docker-compose (v1).
_stack_compose_cmd() {
    if [[ -z ${_STACK_COMPOSE:-} ]]; then
        if docker compose version >/dev/null 2>&1; then
            _STACK_COMPOSE="docker compose"
        elif command -v docker-compose >/dev/null 2>&1; then
            _STACK_COMPOSE=docker-compose
        else
            _stack_err "neither 'docker compose' nor docker-compose is installed (run scripts/setup.sh)"
            return 1
        fi
    fi
    printf '%s\n' "$_STACK_COMPOSE"
}

# Points the compose file at the local images where the registry ones are
# missing (machines without a registry).
stack_images() {
    if [[ -z ${DOCKRESET_PG_IMAGE:-} ]] && ! docker image inspect postgres:16 >/dev/null 2>&1; then
        export DOCKRESET_PG_IMAGE=dockreset-test/postgres:15
        export DOCKRESET_APP_IMAGE=${DOCKRESET_APP_IMAGE:-dockreset-test/app:1}
    fi
    if [[ -z ${DOCKRESET_REDIS_IMAGE:-} ]] && ! docker image inspect redis:7 >/dev/null 2>&1; then
        export DOCKRESET_REDIS_IMAGE=dockreset-test/redis:7
    fi
}

stack_compose() {
    if [[ -z ${STACK_PROJECT:-} ]]; then
        _stack_err "no stack: call stack_up first (or set STACK_PROJECT)"
        return 1
    fi
    local cmd
    cmd=$(_stack_compose_cmd) || return 1
    stack_images
    # A recreated container leaves its anonymous volumes behind, where
    # `down -v` no longer sees them: note them first, stack_down removes them.
    [[ " $* " != *" up "* ]] || _stack_note_volumes
    # shellcheck disable=SC2086  # "docker compose" is two words
    $cmd -p "$STACK_PROJECT" -f "${STACK_COMPOSE_FILE:-$STACK_ROOT/compose/discord-bot/docker-compose.yml}" "$@"
}

# The file listing the volumes the stack's containers have used.
_stack_volume_list() {
    printf '%s/dockreset-stack-%s.volumes\n' "${TMPDIR:-/tmp}" "$STACK_PROJECT"
}

_stack_note_volumes() {
    local id
    for id in $(_stack_ids 2>/dev/null); do
        docker inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}}{{"\n"}}{{end}}{{end}}' \
            "$id" 2>/dev/null
    done | grep . >>"$(_stack_volume_list)" || true
}

stack_config() {
    local backups=${1:?usage: stack_config BACKUP_DIR OUT [DB_JSON]} out=${2:?} db=${3:-}
    python3 - "$STACK_ROOT/compose/discord-bot/dockreset.json" "$out" "$backups" "$db" <<'PY'
import json, os, sys
src, out, backups, db = sys.argv[1:5]
base = os.path.dirname(os.path.abspath(src))
c = json.load(open(src))
c["backup_dir"] = backups
for t in c["targets"].values():
    if db:
        t["database"].update(json.loads(db))
    for steps in t.get("seeds", {}).values():
        for step in steps:
            for k in ("sql", "copy"):
                if k in step and not os.path.isabs(step[k]):
                    step[k] = os.path.join(base, step[k])
with open(out, "w") as f:
    json.dump(c, f, indent=2)
PY
}

# Compose project names: lowercase letters, digits, '-' and '_'.
_stack_project_name() {
    local n
    n=$(printf 'drt-%s-%s-%s' "${1,,}" "$BASHPID" "$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')")
    n=${n//[^a-z0-9_-]/-}
    printf '%s\n' "${n:0:60}"
}

stack_up() {
    local name=${1:?usage: stack_up NAME [COMPOSE_DIR]} dir=${2:-$STACK_ROOT/compose/discord-bot} f out
    dir=$(cd "$dir" && pwd) || return 1
    for f in compose.yaml compose.yml docker-compose.yml docker-compose.yaml ""; do
        [[ -n $f && -f $dir/$f ]] && break
    done
    if [[ -z $f ]]; then
        _stack_err "no compose file in $dir"
        return 1
    fi
    STACK_DIR=$dir
    STACK_COMPOSE_FILE=$dir/$f
    STACK_PROJECT=$(_stack_project_name "$name")
    COMPOSE_PROJECT_NAME=$STACK_PROJECT
    export STACK_DIR STACK_COMPOSE_FILE STACK_PROJECT COMPOSE_PROJECT_NAME
    stack_images

    if ! out=$(stack_compose up -d 2>&1); then
        _stack_err "'up' of $STACK_PROJECT failed:"
        printf '%s\n' "$out" >&2
        _stack_dump
        stack_down
        return 1
    fi
    if ! stack_wait_healthy "${STACK_TIMEOUT:-90}"; then
        _stack_dump
        stack_down
        return 1
    fi
}

_stack_dump() {
    {
        echo "--- containers of $STACK_PROJECT"
        docker ps -a --filter "label=com.docker.compose.project=$STACK_PROJECT" \
            --format '{{.Names}}\t{{.Status}}' 2>&1
        echo "--- logs"
        stack_compose logs --no-color --tail=40 2>&1
    } >&2
}

_stack_ids() {
    docker ps -aq --no-trunc --filter "label=com.docker.compose.project=$STACK_PROJECT" "$@"
}

# Waits until every container of the stack runs and, where it has a health
# check, is healthy. Fails at once when one has exited.
stack_wait_healthy() {
    local timeout=${1:-${STACK_TIMEOUT:-90}} deadline ids line bad
    deadline=$((SECONDS + timeout))
    while :; do
        bad=
        ids=$(_stack_ids --filter label=com.docker.compose.oneoff=False)
        if [[ -z $ids ]]; then
            bad="no containers"
        else
            # shellcheck disable=SC2086
            while read -r line; do
                case $line in
                    *" running healthy" | *" running none") ;;
                    *" exited "* | *" dead "*)
                        _stack_err "container stopped: $line"
                        return 1
                        ;;
                    *) bad+="${bad:+, }$line" ;;
                esac
            done < <(docker inspect -f \
                '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' $ids)
        fi
        [[ -z $bad ]] && return 0
        if ((SECONDS >= deadline)); then
            _stack_err "not healthy after ${timeout}s: $bad"
            return 1
        fi
        sleep 0.5
    done
}

stack_down() {
    [[ -n ${STACK_PROJECT:-} ]] || return 0
    stack_compose down -v --remove-orphans -t 2 >/dev/null 2>&1 || true
    # Whatever compose no longer knows about (a moved file, a crashed run).
    local ids
    ids=$(_stack_ids 2>/dev/null) || true
    # shellcheck disable=SC2086
    [[ -z $ids ]] || docker rm -fv $ids >/dev/null 2>&1 || true
    ids=$(docker network ls -q --filter "label=com.docker.compose.project=$STACK_PROJECT" 2>/dev/null) || true
    # shellcheck disable=SC2086
    [[ -z $ids ]] || docker network rm $ids >/dev/null 2>&1 || true
    ids=$(docker volume ls -q --filter "label=com.docker.compose.project=$STACK_PROJECT" 2>/dev/null) || true
    local list
    list=$(_stack_volume_list)
    if [[ -f $list ]]; then
        ids+=" $(sort -u "$list")"
        rm -f "$list"
    fi
    # shellcheck disable=SC2086
    [[ -z ${ids// /} ]] || docker volume rm -f $ids >/dev/null 2>&1 || true
    return 0
}

stack_container() {
    local service=${1:?usage: stack_container SERVICE}
    _stack_ids --filter "label=com.docker.compose.service=$service" \
        --filter label=com.docker.compose.oneoff=False
}

stack_health() {
    local id
    id=$(stack_container "${1:?usage: stack_health SERVICE}" | head -n1)
    [[ -n $id ]] || { echo missing; return 1; }
    docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id"
}

stack_port() {
    local id hp
    id=$(stack_container "${1:?usage: stack_port SERVICE PORT}" | head -n1)
    [[ -n $id ]] || { _stack_err "no container for service $1"; return 1; }
    hp=$(docker port "$id" "${2:?usage: stack_port SERVICE PORT}/tcp" | head -n1) || return 1
    printf '%s\n' "${hp##*:}"
}

stack_psql() {
    local sql=${1:?usage: stack_psql SQL [PSQL_ARGS...]} id
    shift
    id=$(stack_container "${STACK_DB_SERVICE:-db}" | head -n1)
    [[ -n $id ]] || { _stack_err "no database container in $STACK_PROJECT"; return 1; }
    docker exec "$id" psql -X -v ON_ERROR_STOP=1 -U "${STACK_DB_USER:-bot}" \
        -d "${STACK_DB_NAME:-discord}" -Atc "$sql" "$@"
}

stack_redis() {
    local id
    id=$(stack_container "${STACK_REDIS_SERVICE:-redis}" | head -n1)
    [[ -n $id ]] || { _stack_err "no redis container in $STACK_PROJECT"; return 1; }
    docker exec "$id" redis-cli "$@"
}
