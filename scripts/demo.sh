#!/usr/bin/env bash
# `make demo`: brings up the example stack (compose/discord-bot) under the
# project "dockreset-demo" and runs dockreset on it: targets, status, a
# verified backup (into the top-level backups/, which git ignores), the
# list of backups, then a reset: status before, `reset -y` (tickets emptied,
# configuration kept, Redis flushed, the bot restarted) and status after;
# then `restore latest -y` (the pre-reset backup, verified, restored in one
# transaction after a pre-restore safety backup) and status with the
# tickets back.
# The stack stays up so
# you can go on trying commands; the last lines say how to remove it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib-stack.bash
source scripts/lib-stack.bash

export STACK_PROJECT=${DEMO_PROJECT:-dockreset-demo}
export COMPOSE_PROJECT_NAME=$STACK_PROJECT
dr=$PWD/dockreset

echo "== bringing up the example stack (project $STACK_PROJECT)"
stack_compose up -d >/dev/null
stack_wait_healthy

cd compose/discord-bot
run() {
	echo
	echo "\$ dockreset $*"
	"$dr" "$@"
}
run targets
run status discord-bot
run backup discord-bot --label demo
run backups discord-bot
run reset discord-bot -y
run status discord-bot
run restore discord-bot latest -y
run status discord-bot

cat <<MSG

The stack keeps running. Try, from compose/discord-bot:
  COMPOSE_PROJECT_NAME=$STACK_PROJECT $dr status discord-bot --json
Remove it with:
  make demo-down
MSG
