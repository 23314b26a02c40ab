#!/usr/bin/env bash
# `make demo`: brings up the example stack (compose/discord-bot) under the
# project "dockreset-demo" and runs dockreset on it: targets, status, a
# verified backup (into the top-level backups/, which git ignores), the
# list of backups, then a reset: status before, `reset -y` (tickets emptied,
# configuration kept, Redis flushed, the bot restarted) and status after;
# then `restore latest -y` (the pre-reset backup, verified, restored in one
# transaction after a pre-restore safety backup) and status with the
# tickets back.
#
# `make demo STACK=task-api` (or DEMO_STACK=task-api, or the stack's name as
# the argument) shows the second example instead (compose/task-api, project
# "dockreset-demo-task-api"): an app whose schema belongs to Alembic, first
# migrated by hand the way its README says, given a few tasks through its
# HTTP API, then `reset -y` with the recreate strategy: the schema dropped
# and recreated with its owner, grants, default privileges and extension,
# `alembic upgrade head` and `python3 seed.py` in one-off containers of the
# app, the app restarted.
#
# The stack stays up so
# you can go on trying commands; the last lines say how to remove it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib-stack.bash
source scripts/lib-stack.bash

stack=${1:-${DEMO_STACK:-discord-bot}}
case $stack in
	discord-bot) export STACK_PROJECT=${DEMO_PROJECT:-dockreset-demo} ;;
	task-api) export STACK_PROJECT=${DEMO_PROJECT:-dockreset-demo-task-api} ;;
	*)
		echo "demo: unknown stack '$stack' (discord-bot or task-api)" >&2
		exit 2
		;;
esac
export COMPOSE_PROJECT_NAME=$STACK_PROJECT
export STACK_COMPOSE_FILE=$PWD/compose/$stack/docker-compose.yml
dr=$PWD/dockreset

echo "== bringing up the example stack compose/$stack (project $STACK_PROJECT)"
stack_compose up -d >/dev/null
stack_wait_healthy

cd "compose/$stack"
run() {
	echo
	echo "\$ dockreset $*"
	"$dr" "$@"
}
say() {
	echo
	echo "\$ $*"
	"$@"
}

if [[ $stack == task-api ]]; then
	# The task API's own first deploy: its migrations, then its seed code.
	export STACK_DB_USER=tasks STACK_DB_NAME=tasks
	if [[ $(stack_psql "SELECT to_regclass('alembic_version') IS NULL") == t ]]; then
		echo "== first start: the app's migrations and seed, by hand (docker-compose run --rm)"
		stack_compose run --rm -T app alembic upgrade head
		stack_compose run --rm -T -e ADMIN_PASSWORD=demo-only-pw app python3 seed.py
	fi
	port=$(stack_port app 8000)
	echo
	echo "== a few tasks through the app's HTTP API (127.0.0.1:$port)"
	for title in "Write the release notes" "Fix the login page" "Review the invoices"; do
		curl -fsS -X POST --data "{\"title\": \"$title\"}" "http://127.0.0.1:$port/tasks"
	done
	say curl -fsS "http://127.0.0.1:$port/"
	run targets
	run reset task-api -y
	# the restarted app has a new random host port
	port=$(stack_port app 8000)
	say curl -fsS "http://127.0.0.1:$port/"
	run backups task-api
	cat <<MSG

The stack keeps running. Try, from compose/task-api:
  COMPOSE_PROJECT_NAME=$STACK_PROJECT $dr status task-api
  curl http://127.0.0.1:$port/
Remove it with:
  make demo-down STACK=task-api
MSG
	exit 0
fi

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
