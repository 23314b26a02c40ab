#!/usr/bin/env bash
# Entrypoint of the local stand-in for the official `postgres` image (built by
# scripts/build-test-images.sh where no registry is reachable). It keeps that
# image's contract so the same compose files run against either:
#   POSTGRES_USER (default postgres; the superuser initdb creates),
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#   POSTGRES_DB (default: the user), POSTGRES_INITDB_ARGS,
#   POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), *_FILE variants,
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz run once on first start,
#   data in $PGDATA (/var/lib/postgresql/data), listening on 5432 on every
#   address, trust over the local socket, password auth over TCP.
set -Eeuo pipefail

# VAR_FILE=path reads VAR from a file (docker secrets).
file_env() {
    local var=$1 def=${2:-} fvar="${1}_FILE" val
    if [[ -n ${!var:-} && -n ${!fvar:-} ]]; then
        echo "error: both $var and $fvar are set" >&2
        exit 1
    fi
    val=$def
    if [[ -n ${!var:-} ]]; then
        val=${!var}
    elif [[ -n ${!fvar:-} ]]; then
        val=$(<"${!fvar}")
    fi
    export "$var=$val"
    unset "$fvar"
}

# `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`.
if [[ ${1:-} == -* ]]; then
    set -- postgres "$@"
fi

if [[ ${1:-} != postgres ]]; then
    exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# As root: prepare directories, then run this script again as postgres.
if [[ $(id -u) == 0 ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA" || true
    chmod 2777 /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chown postgres:postgres /var/run/postgresql
    export HOME=/var/lib/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

file_env POSTGRES_USER postgres
file_env POSTGRES_PASSWORD
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

# psql against the temporary, socket-only server of the first start.
run_psql() {
    psql -X -v ON_ERROR_STOP=1 --no-password --username "$POSTGRES_USER" \
        --host "$init_sock" "$@"
}

init_database() {
    if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
        cat >&2 <<'EOF'
error: database is uninitialized and POSTGRES_PASSWORD is not set.
       Set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust to allow
       every connection without a password (not recommended).
EOF
        exit 1
    fi

    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list
    initdb --username="$POSTGRES_USER" \
        --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        $POSTGRES_INITDB_ARGS >/dev/null

    # initdb leaves trust for the local socket and loopback; every other
    # host must authenticate, as in the official image.
    printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    # The temporary server listens on a private socket directory only, so
    # neither clients nor health checks (pg_isready) see the database
    # before its init scripts are done.
    init_sock=$(mktemp -d /tmp/pg-init.XXXXXX)
    pg_ctl -D "$PGDATA" -w -s \
        -o "-c listen_addresses='' -c unix_socket_directories=$init_sock" start

    if [[ $POSTGRES_DB != postgres ]]; then
        run_psql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
    fi

    # For init scripts that run psql themselves.
    export PGHOST=$init_sock
    local f
    for f in /docker-entrypoint-initdb.d/*; do
        [[ -e $f ]] || continue
        case $f in
            *.sh)
                if [[ -x $f ]]; then
                    echo "$0: running $f"
                    "$f"
                else
                    echo "$0: sourcing $f"
                    # shellcheck disable=SC1090
                    . "$f"
                fi
                ;;
            *.sql) echo "$0: running $f"; run_psql --dbname "$POSTGRES_DB" -q -f "$f" ;;
            *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | run_psql --dbname "$POSTGRES_DB" -q ;;
            *.sql.xz) echo "$0: running $f"; xz -dc "$f" | run_psql --dbname "$POSTGRES_DB" -q ;;
            *) echo "$0: ignoring $f" ;;
        esac
    done

    pg_ctl -D "$PGDATA" -m fast -w -s stop
    unset PGHOST
    rmdir "$init_sock"
    echo "PostgreSQL init process complete; ready for start up."
}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    init_database
fi

# exec: postgres is PID 1 and receives docker stop's signal itself
# (STOPSIGNAL SIGINT = fast shutdown).
exec "$@"
