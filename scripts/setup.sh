#!/usr/bin/env bash
# Prepares a machine for building and testing dockreset: build tools and
# libraries, a Docker engine that answers, and the images the end-to-end
# tests run. Installs or starts only what is missing and says what it did,
# one line per action ("setup: nothing to do" when all is there).
#
# Where Docker already runs and images can be pulled it leaves Docker alone.
# Where no init system runs dockerd (containers, CI sandboxes) it starts one
# in the background that outlives this script. Where no registry answers it
# builds local images (scripts/build-test-images.sh).
#
# Environment:
#   DOCKRESET_SKIP_IMAGES=1    do not pull or build test images
#   DOCKRESET_LOCAL_IMAGES=1   do not try a registry; build the local images
#   DOCKER_HOST                honoured; a dockerd is started only for the
#                              default socket
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

export DEBIAN_FRONTEND=noninteractive
# needrestart's apt hook would otherwise ask which services to restart.
export NEEDRESTART_MODE=l NEEDRESTART_SUSPEND=1

DOCKERD_LOG=${DOCKRESET_DOCKERD_LOG:-/var/log/dockreset-dockerd.log}
DOCKERD_PID=${DOCKRESET_DOCKERD_PID:-/var/run/dockreset-dockerd.pid}
DEFAULT_SOCK=/var/run/docker.sock

# Images used where a registry answers, and the local stand-ins built
# otherwise (names shared with scripts/lib-stack.bash).
REGISTRY_IMAGES=(postgres:16 redis:7)
LOCAL_IMAGES=("${DOCKRESET_PG_IMAGE:-dockreset-test/postgres:15}"
              "${DOCKRESET_REDIS_IMAGE:-dockreset-test/redis:7}"
              "${DOCKRESET_APP_IMAGE:-dockreset-test/app:1}"
              "${DOCKRESET_TASKAPI_IMAGE:-dockreset-test/task-api:1}")

did_something=0
say() { printf 'setup: %s\n' "$*"; did_something=1; }
warn() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }
is_debian() { [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; }
have() { command -v "$1" >/dev/null 2>&1; }
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
pc_has() { have pkg-config && pkg-config --exists "$1"; }
# A bats helper library where bats_load_library looks (BATS_LIB_PATH, by
# default /usr/lib/bats), whatever installed it.
bats_lib_has() {
    local d IFS=:
    for d in ${BATS_LIB_PATH:-/usr/lib/bats}; do
        [[ -f $d/$1/load.bash ]] && return 0
    done
    return 1
}

# Socket path of the engine we talk to, or empty when DOCKER_HOST names
# something other than a local unix socket.
docker_sock() {
    local h=${DOCKER_HOST:-unix://$DEFAULT_SOCK}
    [[ $h == unix://* ]] && printf '%s\n' "${h#unix://}"
}

docker_answers() {
    local sock
    sock=$(docker_sock)
    if [[ -n $sock ]] && have curl; then
        [[ $(curl -s --max-time 3 --unix-socket "$sock" http://localhost/_ping 2>/dev/null) == OK ]] && return 0
    fi
    # Remote engines, docker contexts, or no curl yet.
    have docker && docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# Is the Debian package PKG (or an equivalent from elsewhere) present?
# Tools are probed by command so that e.g. docker-ce or a bats from npm
# count; libraries by pkg-config, else by dpkg.
present() {
    case $1 in
        build-essential) have cc && have make ;;
        pkg-config) have pkg-config ;;
        libcurl4-openssl-dev) pc_has libcurl || dpkg_has "$1" ;;
        libpq-dev) pc_has libpq || dpkg_has "$1" ;;
        libjansson-dev) pc_has jansson || dpkg_has "$1" ;;
        libgit2-dev) pc_has libgit2 || dpkg_has "$1" ;;
        libssl-dev) pc_has libcrypto || dpkg_has "$1" ;;
        libcmocka-dev) pc_has cmocka || dpkg_has "$1" ;;
        bats) have bats ;;
        bats-support | bats-assert | bats-file) bats_lib_has "$1" ;;
        curl) have curl ;;
        python3) have python3 ;;
        time) [[ -x /usr/bin/time ]] ;;
        valgrind) have valgrind ;;
        mandoc) have mandoc ;;
        zsh) have zsh ;;
        postgresql-client) have psql && have pg_dump ;;
        redis-tools) have redis-cli ;;
        # A running engine is enough; otherwise we need dockerd to start one.
        docker.io) have docker && { have dockerd || docker_answers; } ;;
        docker-compose) { have docker && docker compose version >/dev/null 2>&1; } || have docker-compose ;;
        debootstrap) have debootstrap ;;
        debian-archive-keyring) [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] ;;
        *) dpkg_has "$1" ;;
    esac
}

# Installs the given Debian packages that are absent; on a machine where
# that is impossible, lists them and fails.
ensure_packages() {
    local p missing=()
    for p in "$@"; do
        present "$p" || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    if ! is_debian || ! is_root; then
        warn "missing: ${missing[*]}"
        is_debian || warn "this is not a Debian/Ubuntu machine: install the equivalents by hand"
        is_root || warn "run as root to install them: sudo bash scripts/setup.sh"
        exit 1
    fi
    local apt=(apt-get -q -y -o DPkg::Lock::Timeout=300
               -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
    local log
    log=$(mktemp)
    if ! { "${apt[@]}" update && "${apt[@]}" install --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        die "apt-get install ${missing[*]} failed"
    fi
    rm -f "$log"
    say "installed ${missing[*]}"
}

# Makes sure an engine answers, starting dockerd ourselves when nothing
# (systemd, an init script run by an init system) would.
ensure_docker() {
    docker_answers && return 0
    local sock pid started=
    sock=$(docker_sock)
    [[ $sock == "$DEFAULT_SOCK" || $sock == /run/docker.sock ]] \
        || die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine first"
    if [[ -S $sock && ! -w $sock ]]; then
        die "no permission on $sock: run as root, or join the docker group"
    fi
    is_root || die "no Docker engine answers on $sock, and only root can start one here"

    if [[ -d /run/systemd/system ]] && have systemctl; then
        systemctl start docker || die "systemctl start docker failed (journalctl -u docker)"
        say "started docker.service"
    elif pid=$(dockerd_pid) && [[ -n $pid ]]; then
        # A dockerd that is still coming up, or ours from an earlier run.
        say "waiting for dockerd (pid $pid) to answer"
        started=$pid
    else
        # A daemon killed without its clean-up leaves pid files behind, and
        # where nothing reaps it, its zombie still "runs" to dockerd's check.
        remove_stale_pidfile /var/run/docker.pid
        remove_stale_pidfile /var/run/docker/containerd/containerd.pid
        # setsid + nohup + all fds redirected: the daemon must outlive this
        # script and the shell (or CI step) that ran it. Without job control
        # setsid execs in place, so $! is dockerd's own PID.
        setsid nohup dockerd </dev/null >>"$DOCKERD_LOG" 2>&1 &
        started=$!
        printf '%s\n' "$started" >"$DOCKERD_PID"
        say "started dockerd (pid $started, log $DOCKERD_LOG, pid file $DOCKERD_PID)"
    fi

    local deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        docker_answers && return 0
        if [[ -n $started ]] && ! alive "$started"; then
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            rm -f "$DOCKERD_PID"
            die "dockerd exited; see $DOCKERD_LOG"
        fi
        sleep 0.5
    done
    [[ ! -f $DOCKERD_LOG ]] || tail -n 20 "$DOCKERD_LOG" >&2
    die "no answer from $sock after 60 s"
}

# Whether PID runs: a killed process nobody has reaped yet (a zombie, as
# where PID 1 does not reap) still answers kill -0, but is dead.
alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# Removes a pid file whose process is gone (or a zombie), saying so.
remove_stale_pidfile() {
    local p
    [[ -f $1 ]] || return 0
    p=$(cat "$1" 2>/dev/null) || return 0
    if [[ -z $p ]] || ! alive "$p"; then
        rm -f "$1"
        say "removed stale pid file $1"
    fi
}

# PID of a dockerd already running on this machine, if any.
dockerd_pid() {
    local p
    if [[ -f $DOCKERD_PID ]] && p=$(cat "$DOCKERD_PID") && alive "$p"; then
        printf '%s\n' "$p"
        return 0
    fi
    for p in $(pgrep -x dockerd 2>/dev/null); do
        alive "$p" && { printf '%s\n' "$p"; return 0; }
    done
    return 0
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
all_images_exist() {
    local i
    for i in "$@"; do image_exists "$i" || return 1; done
}

# The registry images, or up-to-date local ones; else pull or build them.
ensure_images() {
    [[ ${DOCKRESET_SKIP_IMAGES:-0} == 1 ]] && return 0
    all_images_exist "${REGISTRY_IMAGES[@]}" && return 0
    bash "$here/build-test-images.sh" --check 2>/dev/null && return 0

    # `docker search` asks the registry through the daemon (its proxy and
    # mirrors included) without storing anything; a failed pull still
    # falls through to the local build. Local images that merely went stale
    # are rebuilt without asking.
    if [[ ${DOCKRESET_LOCAL_IMAGES:-0} != 1 ]] && ! all_images_exist "${LOCAL_IMAGES[@]}" \
        && timeout 20 docker search --limit 1 postgres >/dev/null 2>&1; then
        local i pulled=1
        for i in "${REGISTRY_IMAGES[@]}"; do
            image_exists "$i" || docker pull -q "$i" >/dev/null 2>&1 || { pulled=0; break; }
        done
        if ((pulled)); then
            say "pulled ${REGISTRY_IMAGES[*]}"
            return 0
        fi
        warn "a registry answers but pulling ${REGISTRY_IMAGES[*]} failed; building local images"
    fi

    ensure_packages debootstrap debian-archive-keyring
    local t0=$SECONDS
    bash "$here/build-test-images.sh" || die "building the test images failed"
    say "built ${LOCAL_IMAGES[*]} ($((SECONDS - t0)) s)"
}

main() {
    ensure_packages build-essential pkg-config libcurl4-openssl-dev libpq-dev \
        libjansson-dev libgit2-dev libssl-dev libcmocka-dev \
        bats bats-support bats-assert bats-file curl python3 time clang \
        valgrind postgresql-client redis-tools docker.io docker-compose jq \
        mandoc zsh
    ensure_docker
    ensure_images
    ((did_something)) || echo "setup: nothing to do"
}

main "$@"
