#!/usr/bin/env bats
# End to end: `dockreset init` on a copy of the example stack brought up with
# -p (so only its working_dir label names the project), and the project
# precedence of SPEC 2, one test per source. Compose v2 stacks are imitated
# with containers created with v2's labels (only compose v1 installs here).
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup_file() {
	load ../../scripts/lib-stack.bash
	# a copy of the example without its dockreset.json: init writes one there
	export APP="$BATS_FILE_TMPDIR/app"
	mkdir -p "$APP"
	cp -r "$STACK_ROOT/compose/discord-bot/." "$APP/"
	rm -f "$APP/dockreset.json"
	stack_up init "$APP"
	export STACK_PROJECT STACK_DIR STACK_COMPOSE_FILE
}

teardown_file() {
	load ../../scripts/lib-stack.bash
	docker rm -f $(docker ps -aq --filter "label=dockreset.test=init-$STACK_PROJECT") >/dev/null 2>&1 || true
	stack_down
}

setup() {
	load ../../scripts/lib-stack.bash
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	unset COMPOSE_PROJECT_NAME DOCKRESET_CONFIG
	export NO_COLOR=1
	OUT=$(mktemp -d)
	EXTRA=()
}

teardown() {
	[[ ${#EXTRA[@]} -eq 0 ]] || docker rm -f "${EXTRA[@]}" >/dev/null 2>&1 || true
	rm -f "$APP/dockreset.json"
	rm -rf "$OUT"
}

# A container with compose v2's labels, created (not started) from IMAGE:
# v2_container PROJECT SERVICE IMAGE [docker create args...]
v2_container() {
	local p=$1 s=$2 img=$3 id
	shift 3
	id=$(docker create --name "$p-$s-1" --label dockreset.test="init-$STACK_PROJECT" \
		--label com.docker.compose.project="$p" --label com.docker.compose.service="$s" \
		--label com.docker.compose.oneoff=False --label com.docker.compose.container-number=1 \
		--label com.docker.compose.project.working_dir="${V2_DIR:-$OUT}" \
		--label com.docker.compose.version=2.24.0 "$@" "$img") || return 1
	EXTRA+=("$id")
}

# The field of targets --json (a python expression over t, the first target).
targets_field() {
	python3 -c 'import json,sys; t=json.load(sys.stdin)["targets"][0]; print(eval(sys.argv[1]))' "$1"
}

@test "init in the directory of a stack brought up with -p finds it by its working_dir label" {
	cd "$APP"
	run --separate-stderr "$DR" init
	assert_success
	output=$stderr assert_output --partial "project     $STACK_PROJECT (from working_dir label)"
	output=$stderr assert_output --partial "apps        bot"
	output=$stderr assert_output --partial "caches      redis"
	assert_output --partial "plan        reset of '$STACK_PROJECT'"
	assert_file_exists "$APP/dockreset.json"
	run python3 - "$APP/dockreset.json" "$STACK_PROJECT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
t = c["targets"][sys.argv[2]]
assert t["project"] == sys.argv[2], t
assert t["database"] == {"service": "db"}, t
assert t["apps"] == ["bot"], t
assert t["caches"] == [{"service": "redis", "db": 0}], t
assert t["reset"]["tables"] == [], t
assert "secret" not in open(sys.argv[1]).read()
PY
	assert_success
	# the written config finds the containers the example's config finds
	run --separate-stderr "$DR" targets --json
	assert_success
	echo "$output" | targets_field 'sorted(c["id"] for c in t["containers"])' >"$OUT/init.ids"
	stack_config "$OUT/b" "$OUT/example.json"
	COMPOSE_PROJECT_NAME=$STACK_PROJECT run --separate-stderr "$DR" -c "$OUT/example.json" targets --json
	assert_success
	echo "$output" | targets_field 'sorted(c["id"] for c in t["containers"])' >"$OUT/example.ids"
	run cat "$OUT/init.ids"
	assert_output "$(cat "$OUT/example.ids")"
	assert_output --partial "$(stack_container db)"
	run --separate-stderr "$DR" plan "$STACK_PROJECT"
	assert_success
	assert_output --partial "public.tickets"
}

@test "init --json names the file written and the target" {
	cd "$APP"
	run --separate-stderr "$DR" init --json
	assert_success
	run python3 - "$APP/dockreset.json" "$STACK_PROJECT" "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[3])
assert d["ok"] is True and d["command"] == "init", d
assert d["config"] == sys.argv[1] and d["target"] == sys.argv[2], d
assert any(t["name"] == "public.tickets" for t in d["tables"]), d["tables"]
PY
	assert_success
}

@test "an existing dockreset.json is never replaced without --force" {
	cd "$APP"
	echo '{"mine": true}' >"$APP/dockreset.json"
	run --separate-stderr "$DR" init
	assert_failure 2
	output=$stderr assert_output --partial "dockreset: error: '$APP/dockreset.json' exists already: nothing written"
	output=$stderr assert_output --partial "hint: --force replaces it"
	run cat "$APP/dockreset.json"
	assert_output '{"mine": true}'
	run --separate-stderr "$DR" init --force
	assert_success
	run grep -c '"service": "db"' "$APP/dockreset.json"
	assert_output 1
	run ls -A "$APP"
	refute_output --partial ".dockreset.json."
}

@test "a .env file's COMPOSE_PROJECT_NAME names the project" {
	mkdir "$OUT/envdir"
	printf '# the stack\nCOMPOSE_PROJECT_NAME="%s"\n' "$STACK_PROJECT" >"$OUT/envdir/.env"
	cd "$OUT/envdir"
	run --separate-stderr "$DR" init
	assert_success
	output=$stderr assert_output --partial "(from .env)"
	# found again through .env: not written into the file
	run grep -c '"project"' "$OUT/envdir/dockreset.json"
	assert_output 0
	run --separate-stderr "$DR" targets
	assert_success
	assert_output --partial "(project $STACK_PROJECT, from .env)"
	assert_output --partial "${STACK_PROJECT}_db_1"
}

@test "two PostgreSQL services: exit 2 naming them; --service picks one; v2 depends_on makes an app" {
	v2_container "$STACK_PROJECT" db2 dockreset-test/postgres:15 -e POSTGRES_PASSWORD=x
	v2_container "$STACK_PROJECT" worker dockreset-test/app:1 \
		--label com.docker.compose.depends_on=db:service_healthy:false --entrypoint sleep
	cd "$APP"
	run --separate-stderr "$DR" init
	assert_failure 2
	output=$stderr assert_output --partial "dockreset: error: compose project '$STACK_PROJECT' has 2 PostgreSQL services: 'db', 'db2'"
	output=$stderr assert_output --partial "hint: choose one with --service db"
	assert_file_not_exists "$APP/dockreset.json"
	run --separate-stderr "$DR" init --service db
	assert_success
	output=$stderr assert_output --partial "apps        bot, worker"
	run python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"][sys.argv[2]]; print(t["database"]["service"], t["apps"])' "$APP/dockreset.json" "$STACK_PROJECT"
	assert_output "db ['bot', 'worker']"
}

# on_tty INPUT ARGS...: runs dockreset ARGS on a terminal (script(1)) with
# INPUT typed ahead; the terminal's text goes to $OUT/tty; returns
# dockreset's exit code.
on_tty() {
	local input=$1
	shift
	printf '%s' "$input" |
		script -qefc "$(printf '%q ' "$DR" "$@")" "$OUT/tty" >/dev/null
}

@test "on a terminal init asks for the database (a wrong number is asked again) and the tables, and writes the choices" {
	v2_container "$STACK_PROJECT" db2 dockreset-test/postgres:15 -e POSTGRES_PASSWORD=x
	cd "$APP"
	# three tables no other references (a plan that TRUNCATE cannot do
	# would make init's closing plan refuse)
	run on_tty $'9\n1\n8,4,6-6\n' init
	assert_success
	run cat "$OUT/tty"
	assert_output --partial "which is the database (number)?"
	assert_output --partial "answer a number from 1 to 2"
	assert_output --partial "which tables does a reset empty?"
	# the tables listed as 4, 6 and 8 are those written, in that order
	run bash -c "sed -n 's/^ *\([468]\)) \([^ ]*\) .*/\2/p' '$OUT/tty' | tr -d '\r'"
	assert_success
	local want=$output
	assert_equal "$(wc -l <<<"$want")" 3
	run python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"][sys.argv[2]]; print(t["database"]["service"]); print("\n".join(t["reset"]["tables"]))' "$APP/dockreset.json" "$STACK_PROJECT"
	assert_success
	assert_output "db
$want"
}

@test "on a terminal, three answers that are no choice of tables: exit 2, nothing written" {
	cd "$APP"
	run on_tty $'x\n0\n1-99\n' init
	assert_failure 2
	run cat "$OUT/tty"
	assert_output --partial "no tables chosen: nothing written"
	assert_file_not_exists "$APP/dockreset.json"
}

@test "no PostgreSQL container: exit 5" {
	V2_DIR="$OUT" v2_container "drt-init-nopg-$BASHPID" cache dockreset-test/redis:7
	cd "$OUT"
	run --separate-stderr "$DR" init
	assert_failure 5
	output=$stderr assert_output --partial "dockreset: error: no PostgreSQL container in compose project 'drt-init-nopg-$BASHPID'"
	assert_file_not_exists "$OUT/dockreset.json"
}

# ---- project precedence: one test per source -----------------------------

# A config without "project" (or with $1 as its project) in directory $2.
write_config() {
	local project=$1 dir=$2
	mkdir -p "$dir"
	if [[ -n $project ]]; then
		printf '{"targets": {"t": {"project": "%s", "database": {"service": "db"}}}}\n' "$project" >"$dir/dockreset.json"
	else
		printf '{"targets": {"t": {"database": {"service": "db"}}}}\n' >"$dir/dockreset.json"
	fi
}

@test "precedence: the target's \"project\" comes first" {
	write_config "$STACK_PROJECT" "$OUT/c"
	printf 'COMPOSE_PROJECT_NAME=from-dotenv\n' >"$OUT/c/.env"
	COMPOSE_PROJECT_NAME=from-env run --separate-stderr "$DR" -c "$OUT/c/dockreset.json" targets --json
	assert_success
	run targets_field 't["project"], t["project_source"], t["containers"][0]["status"]' <<<"$output"
	assert_output "('$STACK_PROJECT', 'config', 'running')"
}

@test "precedence: COMPOSE_PROJECT_NAME in the environment before .env" {
	write_config "" "$OUT/c"
	printf 'COMPOSE_PROJECT_NAME=from-dotenv\n' >"$OUT/c/.env"
	COMPOSE_PROJECT_NAME=$STACK_PROJECT run --separate-stderr "$DR" -c "$OUT/c/dockreset.json" targets --json
	assert_success
	run targets_field 't["project"], t["project_source"], t["containers"][0]["status"]' <<<"$output"
	assert_output "('$STACK_PROJECT', 'COMPOSE_PROJECT_NAME', 'running')"
}

@test "precedence: .env beside the config before the working_dir label" {
	write_config "" "$APP"
	printf 'COMPOSE_PROJECT_NAME=drt-from-dotenv\n' >"$APP/.env"
	run --separate-stderr "$DR" -c "$APP/dockreset.json" targets --json
	rm -f "$APP/.env"
	assert_success
	run targets_field 't["project"], t["project_source"], t["containers"][0]["status"]' <<<"$output"
	assert_output "('drt-from-dotenv', '.env', 'missing')"
}

@test "precedence: the working_dir label before the directory's name; status says so" {
	write_config "" "$APP"
	run --separate-stderr "$DR" -c "$APP/dockreset.json" targets --json
	assert_success
	run targets_field 't["project"], t["project_source"], t["containers"][0]["status"]' <<<"$output"
	assert_output "('$STACK_PROJECT', 'working_dir label', 'running')"
	run --separate-stderr "$DR" -c "$APP/dockreset.json" status t
	assert_success
	assert_output --partial "target      t (project $STACK_PROJECT, from working_dir label)"
}

@test "precedence: the working_dir label of two projects is an error naming both" {
	write_config "" "$APP"
	V2_DIR="$APP" v2_container "drt-init-other-$BASHPID" db dockreset-test/postgres:15
	run --separate-stderr "$DR" -c "$APP/dockreset.json" targets
	assert_failure 2
	output=$stderr assert_output --partial "dockreset: error: several compose projects were started in '$APP': "
	output=$stderr assert_output --partial "'drt-init-other-$BASHPID'"
	output=$stderr assert_output --partial "'$STACK_PROJECT'"
}

@test "precedence: the directory's name, normalised, comes last" {
	write_config "" "$OUT/My Stack_v.2"
	run --separate-stderr "$DR" -c "$OUT/My Stack_v.2/dockreset.json" targets
	assert_success
	assert_output --partial "t (project mystack_v2, from directory name)"
	assert_output --partial "missing"
}
