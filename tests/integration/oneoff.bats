#!/usr/bin/env bats
# End to end: one-off containers (docker compose run --rm) through the run
# steps of `dockreset seed`, on a stack whose app service has an
# environment, a working directory, a bind mount and two networks with
# aliases (fixtures/oneoff): the one-off sees them all, reaches `db` by
# name, its exit code is seen, its env values never show (output, docker
# events), and it is gone afterwards, also after SIGINT.
bats_require_minimum_version 1.5.0

setup_file() {
	load ../../scripts/lib-stack.bash
	stack_up oneoff "$BATS_TEST_DIRNAME/fixtures/oneoff" || return 1
	export STACK_PROJECT
	local d=$BATS_FILE_TMPDIR
	printf '%s\n' "CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text);" \
		"INSERT INTO notes (body) VALUES ('from the sql step');" >"$d/notes.sql"
	python3 - "$d/dockreset.json" "$d" <<'PY'
import json, sys
out, d = sys.argv[1:3]
show = ("echo greeting=$GREETING; pwd; cat marker.txt; "
        "getent hosts db >/dev/null && echo db-resolves; "
        "getent hosts api >/dev/null && echo api-resolves; "
        "echo token=$SEED_TOKEN; exit 3")
c = {"version": 1, "backup_dir": d + "/backups", "targets": {"oneoff": {
    "database": {"service": "db"},
    "reset": {"tables": "*"},
    "seeds": {
        "show": [{"run": {"service": "app", "command": ["sh", "-c", show],
                          "env": {"SEED_TOKEN": "tok-s3cr3t-value-42"}}}],
        "ok": [{"sql": d + "/notes.sql"},
               {"run": {"service": "app",
                        "command": ["sh", "-c", "psql -X -Atc 'SELECT count(*) FROM notes'"],
                        "env": {"PGPASSWORD": "app-db-pw"}}}],
        "long": [{"run": {"service": "app", "command": ["sleep", "60"]}}],
        "quiet": [{"run": {"service": "app", "command": ["echo", "a-line-of-output"]}}],
        "nosvc": [{"run": {"service": "nosuch", "command": ["true"]}}],
    }}}}
json.dump(c, open(out, "w"), indent=2)
PY
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
	export COMPOSE_PROJECT_NAME=$STACK_PROJECT NO_COLOR=1
	unset APP_ENV ENVIRONMENT NODE_ENV RAILS_ENV RACK_ENV DJANGO_ENV FLASK_ENV MIX_ENV \
		RAILWAY_ENVIRONMENT DOCKRESET_ENV DOCKRESET_CONFIRM_PRODUCTION
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	CFG="$BATS_FILE_TMPDIR/dockreset.json"
}

# The one-off containers of the stack, running or not.
oneoffs() {
	docker ps -aq --filter "label=com.docker.compose.project=$STACK_PROJECT" \
		--filter label=com.docker.compose.oneoff=True
}

@test "a run step's one-off has the service's env, workdir, mount and networks; its exit code counts; its env never shows" {
	local since
	since=$(date +%s)
	run -6 "$DR" -c "$CFG" seed oneoff show -y
	assert_output --partial "seed show step 1 | greeting=hello-from-app"
	assert_output --partial "seed show step 1 | /srv/app"
	assert_output --partial "seed show step 1 | marker-content"
	assert_output --partial "seed show step 1 | db-resolves"
	assert_output --partial "seed show step 1 | api-resolves"
	assert_output --partial "seed show step 1 | token=***"
	assert_output --partial "exited with 3"
	refute_output --partial "tok-s3cr3t-value-42"
	run oneoffs
	assert_success
	assert_output ""
	# docker events of the run: the create and the rest carry no env value
	run docker events --since "$since" --until "$(($(date +%s) + 1))" \
		--filter "label=com.docker.compose.project=$STACK_PROJECT" --format '{{json .}}'
	assert_success
	assert_output --partial '"com.docker.compose.oneoff":"True"'
	assert_output --partial '"Action":"create"'
	refute_output --partial "tok-s3cr3t-value-42"
	# nor the audit line
	run cat "$BATS_FILE_TMPDIR/backups/audit.jsonl"
	assert_success
	assert_output --partial '"command":"seed"'
	refute_output --partial "tok-s3cr3t-value-42"
}

@test "with -q a failing one-off's last lines are still shown (redacted); a passing one's are not" {
	run -6 "$DR" -q -c "$CFG" seed oneoff show -y
	assert_output --partial "seed show step 1 | greeting=hello-from-app"
	assert_output --partial "seed show step 1 | token=***"
	assert_output --partial "exited with 3"
	refute_output --partial "tok-s3cr3t-value-42"
	run -0 "$DR" -q -c "$CFG" seed oneoff quiet -y
	refute_output --partial "a-line-of-output"
	run -0 "$DR" -c "$CFG" seed oneoff quiet -y
	assert_output --partial "seed quiet step 1 | a-line-of-output"
}

@test "seed runs the sql step in a transaction, then the run step, which sees its rows" {
	run -0 "$DR" -c "$CFG" seed oneoff ok -y
	assert_output --partial "seed ok step 2 | 1"
	assert_output --partial "seed of 'oneoff' done"
	run oneoffs
	assert_output ""
}

@test "SIGINT while a one-off runs: exit 130 within seconds, the container gone" {
	local pid t0 rc=0
	"$DR" -c "$CFG" seed oneoff long -y >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		if [[ -n $(docker ps -q --filter "label=com.docker.compose.project=$STACK_PROJECT" \
			--filter label=com.docker.compose.oneoff=True) ]]; then
			break
		fi
		sleep 0.1
	done
	run oneoffs
	refute_output ""
	t0=$SECONDS
	kill -INT "$pid"
	wait "$pid" || rc=$?
	run echo "$rc $((SECONDS - t0 < 8))"
	assert_output "130 1"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial "interrupted"
	run oneoffs
	assert_output ""
}

@test "a service with no container: exit 5 naming it, with the hint" {
	run -5 "$DR" -c "$CFG" seed oneoff nosvc -y
	assert_output --partial "service 'nosuch'"
	assert_output --partial "hint: create it first: docker compose create nosuch"
}
