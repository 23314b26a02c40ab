#!/usr/bin/env bash
# Entrypoint of the local stand-in for the official `redis` image: like it,
# redis-server listens on every address without protected mode (the compose
# network is the boundary), keeps its files in /data and runs as user redis.
set -euo pipefail

# `docker run IMAGE --appendonly yes` means `redis-server --appendonly yes`.
if [[ ${1:-} == -* ]]; then
    set -- redis-server "$@"
fi

if [[ ${1:-} == redis-server ]]; then
    case ${2:-} in
        -v | --version | -h | --help | --test-memory) exec "$@" ;;
    esac
    if [[ $(id -u) == 0 ]]; then
        mkdir -p /data
        chown redis:redis /data
        exec setpriv --reuid=redis --regid=redis --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    # A config file, if any, must stay the first argument.
    if [[ ${2:-} == *.conf ]]; then
        set -- "$1" "$2" --bind 0.0.0.0 --protected-mode no --dir /data "${@:3}"
    else
        set -- "$1" --bind 0.0.0.0 --protected-mode no --dir /data "${@:2}"
    fi
fi

exec "$@"
