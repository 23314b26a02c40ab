#!/usr/bin/env bash
# Builds the local images the end-to-end tests and the demo run where no
# image registry is reachable:
#   ${DOCKRESET_PG_IMAGE:-dockreset-test/postgres:15}   PostgreSQL 15 with the
#       official postgres image's contract (scripts/images/postgres-entrypoint.sh)
#   ${DOCKRESET_REDIS_IMAGE:-dockreset-test/redis:7}    redis-server (bookworm: 7.0)
#   ${DOCKRESET_APP_IMAGE:-dockreset-test/app:1}        bash, psql, redis-cli
#   ${DOCKRESET_TASKAPI_IMAGE:-dockreset-test/task-api:1}  python3 with Alembic,
#       SQLAlchemy and psycopg2 from Debian (compose/task-api; its own
#       image/Dockerfile builds the same from debian:bookworm-slim elsewhere)
# The first three share one Debian bookworm rootfs made by debootstrap from
# the mirror this machine's apt already uses, the last a second, smaller one;
# each is cached as a tarball under /var/cache/dockreset-test so a rebuild
# takes seconds. Images that are up to
# date are skipped; `--check` only says whether any needs building (exit 1).
#
# Environment: DOCKRESET_DEBIAN_MIRROR (default: read from apt's
# configuration), DOCKRESET_CACHE_DIR (default /var/cache/dockreset-test).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PG_IMAGE=${DOCKRESET_PG_IMAGE:-dockreset-test/postgres:15}
REDIS_IMAGE=${DOCKRESET_REDIS_IMAGE:-dockreset-test/redis:7}
APP_IMAGE=${DOCKRESET_APP_IMAGE:-dockreset-test/app:1}
TASKAPI_IMAGE=${DOCKRESET_TASKAPI_IMAGE:-dockreset-test/task-api:1}
CACHE=${DOCKRESET_CACHE_DIR:-/var/cache/dockreset-test}
SUITE=bookworm
PACKAGES=postgresql-15,postgresql-client-15,redis-server,redis-tools,procps,xz-utils
PY_PACKAGES=alembic,python3-alembic,python3-sqlalchemy,python3-psycopg2,procps
# Bump when the rootfs preparation below changes, to invalidate the cache.
ROOTFS_REVISION=1

PG_BIN=/usr/lib/postgresql/15/bin
BASE_PATH=$PG_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The legacy builder works against any daemon and needs no buildx plugin.
export DOCKER_BUILDKIT=0

log() { printf 'build-test-images: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

key=$(printf '%s\n' "$SUITE" "$PACKAGES" "$ROOTFS_REVISION" | sha256sum | cut -c1-12)
tarball=$CACHE/rootfs-$SUITE-$key.tar
base=dockreset-test/base:$key
py_key=$(printf '%s\n' "$SUITE" "$PY_PACKAGES" "$ROOTFS_REVISION" | sha256sum | cut -c1-12)
py_tarball=$CACHE/rootfs-$SUITE-$py_key.tar
py_base=dockreset-test/base-python:$py_key

PG_DOCKERFILE="FROM $base
LABEL org.opencontainers.image.description=\"dockreset test stand-in for postgres (PostgreSQL 15)\"
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
ENTRYPOINT [\"docker-entrypoint.sh\"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD [\"postgres\"]"

REDIS_DOCKERFILE="FROM $base
LABEL org.opencontainers.image.description=\"dockreset test stand-in for redis\"
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
ENTRYPOINT [\"docker-entrypoint.sh\"]
EXPOSE 6379
CMD [\"redis-server\"]"

APP_DOCKERFILE="FROM $base
LABEL org.opencontainers.image.description=\"dockreset test app image (bash, psql, redis-cli)\"
CMD [\"bash\"]"

TASKAPI_DOCKERFILE="FROM $py_base
LABEL org.opencontainers.image.description=\"dockreset test image of compose/task-api (python3, Alembic, psycopg2)\"
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
CMD [\"python3\", \"app.py\"]"

# Each image is labelled with a digest of what it is made of (the Dockerfile
# names the rootfs key), so a changed entrypoint or package list rebuilds it.
revision() { { printf '%s\n' "$1"; cat "${@:2}" /dev/null; } | sha256sum | cut -c1-12; }
PG_REV=$(revision "$PG_DOCKERFILE" "$here/images/postgres-entrypoint.sh")
REDIS_REV=$(revision "$REDIS_DOCKERFILE" "$here/images/redis-entrypoint.sh")
APP_REV=$(revision "$APP_DOCKERFILE")
TASKAPI_REV=$(revision "$TASKAPI_DOCKERFILE")

# IMAGE needs building when missing, or when it is one of ours made from
# other sources. An image of that name not built here (say, a pulled
# postgres:16 named in DOCKRESET_PG_IMAGE) is never replaced.
needs_build() {
    local labels
    labels=$(docker image inspect -f \
        '{{index .Config.Labels "org.opencontainers.image.description"}}|{{index .Config.Labels "dockreset.test-image.rev"}}' \
        "$1" 2>/dev/null) || return 0
    [[ $labels == "dockreset test "* && ${labels##*|} != "$2" ]]
}

todo=()
if needs_build "$PG_IMAGE" "$PG_REV"; then todo+=("$PG_IMAGE"); fi
if needs_build "$REDIS_IMAGE" "$REDIS_REV"; then todo+=("$REDIS_IMAGE"); fi
if needs_build "$APP_IMAGE" "$APP_REV"; then todo+=("$APP_IMAGE"); fi
if needs_build "$TASKAPI_IMAGE" "$TASKAPI_REV"; then todo+=("$TASKAPI_IMAGE"); fi
if ((${#todo[@]} == 0)); then
    [[ ${1:-} == --check ]] || log "all images up to date"
    exit 0
fi
if [[ ${1:-} == --check ]]; then
    log "to build: ${todo[*]}"
    exit 1
fi

mkdir -p "$CACHE"
# Two test runs starting at once must not debootstrap into the same place.
exec 9>"$CACHE/lock"
flock 9

# The Debian mirror this machine installs from; the repository names none.
debian_mirror() {
    if [[ -n ${DOCKRESET_DEBIAN_MIRROR:-} ]]; then
        printf '%s\n' "$DOCKRESET_DEBIAN_MIRROR"
        return
    fi
    local m
    # shellcheck disable=SC2016  # $(REPO_URI) is apt's placeholder
    m=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -E -m1 '/debian/?$' || true)
    if [[ -z $m ]]; then
        # No downloaded indexes yet: read the sources themselves.
        m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
            | grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | head -n1 | tr -d ' ' || true)
    fi
    [[ -n $m ]] || die "no Debian mirror in apt's configuration; set DOCKRESET_DEBIAN_MIRROR"
    printf '%s\n' "$m"
}

rootfs=
ctx=
tmp_tarball=
cleanup() {
    if [[ -n $rootfs && -d $rootfs ]]; then
        # debootstrap mounts /proc and /sys inside; never delete through them.
        grep -F " $rootfs/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
        rm -rf --one-file-system "$rootfs"
    fi
    [[ -z $tmp_tarball ]] || rm -f "$tmp_tarball"
    [[ -z $ctx ]] || rm -rf "$ctx"
}
trap cleanup EXIT

# make_rootfs_tarball [PACKAGES TARBALL]: the main rootfs by default.
make_rootfs_tarball() {
    local packages=${1:-$PACKAGES} out=${2:-$tarball}
    command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
    [[ $(id -u) == 0 ]] || die "debootstrap needs root"
    local mirror t0=$SECONDS
    mirror=$(debian_mirror)
    rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    log "debootstrap $SUITE from $mirror (one-time, cached in $out)"
    if ! debootstrap --variant=minbase --include="$packages" "$SUITE" "$rootfs" "$mirror" \
        >"$CACHE/debootstrap.log" 2>&1; then
        tail -n 30 "$CACHE/debootstrap.log" >&2
        die "debootstrap failed (full log: $CACHE/debootstrap.log)"
    fi
    log "debootstrap took $((SECONDS - t0)) s"

    # Package installation may have started services inside the chroot.
    local p
    for p in $(pgrep -x postgres || true) $(pgrep -x redis-server || true); do
        if [[ $(readlink "/proc/$p/root") == "$rootfs" ]]; then
            kill "$p" 2>/dev/null || true
        fi
    done

    # Package caches and docs only make the image bigger.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
        "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
        "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
    if [[ $packages == "$PACKAGES" ]]; then
        # The package's default cluster is never used: the entrypoint runs
        # initdb in $PGDATA.
        rm -rf "$rootfs/etc/postgresql/15" "$rootfs/var/lib/postgresql/15"
        mkdir -p "$rootfs/docker-entrypoint-initdb.d" "$rootfs/var/lib/postgresql/data" \
            "$rootfs/run/postgresql" "$rootfs/data"
        chroot "$rootfs" chown postgres:postgres /var/lib/postgresql /var/lib/postgresql/data /run/postgresql
        chroot "$rootfs" chown redis:redis /data
        chmod 700 "$rootfs/var/lib/postgresql/data"
        chmod 2777 "$rootfs/run/postgresql"
    fi

    tmp_tarball=$out.tmp
    tar --numeric-owner -C "$rootfs" -cf "$tmp_tarball" .
    mv "$tmp_tarball" "$out"
    tmp_tarball=
    rm -rf --one-file-system "$rootfs"
    rootfs=
}

# Only the task-api image to build: the main rootfs is not needed.
if ! image_exists "$base" && [[ "${todo[*]}" != "$TASKAPI_IMAGE" ]]; then
    [[ -f $tarball ]] || make_rootfs_tarball
    t0=$SECONDS
    docker import -c "ENV PATH=$BASE_PATH" -c 'ENV LANG=C.UTF-8' -c 'CMD ["bash"]' \
        "$tarball" "$base" >/dev/null
    log "imported $base ($((SECONDS - t0)) s)"
fi

if ! image_exists "$py_base" && needs_build "$TASKAPI_IMAGE" "$TASKAPI_REV"; then
    [[ -f $py_tarball ]] || make_rootfs_tarball "$PY_PACKAGES" "$py_tarball"
    t0=$SECONDS
    docker import -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        -c 'ENV LANG=C.UTF-8' -c 'CMD ["bash"]' "$py_tarball" "$py_base" >/dev/null
    log "imported $py_base ($((SECONDS - t0)) s)"
fi

ctx=$(mktemp -d)
install -m 0755 "$here/images/postgres-entrypoint.sh" "$ctx/postgres-entrypoint.sh"
install -m 0755 "$here/images/redis-entrypoint.sh" "$ctx/redis-entrypoint.sh"

# `docker build -t` moves the tag in one step: stacks starting meanwhile
# see either the old image or the new one, never none.
build() {
    local name=$1 rev=$2 dockerfile=$3 out
    # Output only on failure: the legacy builder's deprecation notice is noise.
    if ! out=$(printf '%s\nLABEL dockreset.test-image.rev=%s\n' "$dockerfile" "$rev" \
        | docker build -q -t "$name" -f - "$ctx" 2>&1); then
        printf '%s\n' "$out" >&2
        die "docker build $name failed"
    fi
    log "built $name"
}

if needs_build "$PG_IMAGE" "$PG_REV"; then build "$PG_IMAGE" "$PG_REV" "$PG_DOCKERFILE"; fi
if needs_build "$REDIS_IMAGE" "$REDIS_REV"; then build "$REDIS_IMAGE" "$REDIS_REV" "$REDIS_DOCKERFILE"; fi
if needs_build "$APP_IMAGE" "$APP_REV"; then build "$APP_IMAGE" "$APP_REV" "$APP_DOCKERFILE"; fi
if needs_build "$TASKAPI_IMAGE" "$TASKAPI_REV"; then build "$TASKAPI_IMAGE" "$TASKAPI_REV" "$TASKAPI_DOCKERFILE"; fi
