#!/usr/bin/env bats
# End to end: start, stop, restart, inspect and the health wait of
# dockreset's Docker client against the real engine, on throwaway containers.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup_file() {
	export TOOL="$BATS_TEST_DIRNAME/../../build/tools/container-tool"
	export IMAGE="${DOCKRESET_TEST_IMAGE:-dockreset-test/app:1}"
	export C="drt-ctr-$$-$RANDOM"
	# healthy once /tmp/ok exists; checked every second
	docker run -d --name "$C" --health-cmd 'test -f /tmp/ok' --health-interval 1s \
		--health-retries 1 "$IMAGE" sleep infinity >/dev/null
}

teardown_file() {
	docker rm -f "$C" >/dev/null 2>&1 || true
}

@test "wait-healthy times out while the check fails" {
	run -205 "$TOOL" wait-healthy "$C" 3
	assert_output --partial "$C"
}

@test "SIGTERM ends wait-healthy at once: cancelled (208)" {
	"$TOOL" wait-healthy "$C" 60 &
	pid=$!
	sleep 1
	SECONDS=0
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 208
	assert [ "$SECONDS" -lt 3 ]
}

@test "wait-healthy returns once the check passes" {
	docker exec "$C" touch /tmp/ok
	run -0 "$TOOL" wait-healthy "$C" 30
	run -0 "$TOOL" inspect "$C"
	assert_output "running healthy"
}

@test "stop stops, and stopping again is fine" {
	run -0 "$TOOL" stop "$C" 2
	assert_equal "$(docker inspect -f '{{.State.Status}}' "$C")" exited
	run -0 "$TOOL" stop "$C" 2
}

@test "wait-healthy on a stopped container fails at once: not running" {
	SECONDS=0
	run -204 "$TOOL" wait-healthy "$C" 30
	assert [ "$SECONDS" -lt 10 ]
}

@test "start starts, and starting again is fine" {
	run -0 "$TOOL" start "$C"
	assert_equal "$(docker inspect -f '{{.State.Status}}' "$C")" running
	run -0 "$TOOL" start "$C"
}

@test "restart gives a new process" {
	before=$(docker inspect -f '{{.State.StartedAt}}' "$C")
	run -0 "$TOOL" restart "$C" 2
	assert_equal "$(docker inspect -f '{{.State.Status}}' "$C")" running
	assert_not_equal "$(docker inspect -f '{{.State.StartedAt}}' "$C")" "$before"
}

@test "an unknown container is not found" {
	run -203 "$TOOL" start "drt-no-such-container-$$"
	run -203 "$TOOL" inspect "drt-no-such-container-$$"
	assert_output --partial "no such container"
}

@test "a daemon socket the user may not open is said to be permission denied, exit 4" {
	[ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null || skip "needs root and runuser"
	d=$(mktemp -d)
	cp "$BATS_TEST_DIRNAME/../../dockreset" "$d/"
	printf '{"targets":{"x":{"database":{"service":"db"}}}}' >"$d/dockreset.json"
	chmod -R a+rX "$d"
	cd "$d"
	run runuser -u nobody -- ./dockreset --no-color targets
	rm -rf "$d"
	assert_failure 4
	assert_line --index 0 "dockreset: error: cannot connect to the docker daemon at 'unix:///var/run/docker.sock': permission denied"
	assert_line --index 1 --regexp "^hint: add your user to the 'docker' group"
}

@test "a container name that would change the request path is refused, not sent" {
	for bad in "../../version" "a/b" "x?all=1" "-x"; do
		run -203 "$TOOL" inspect "$bad"
		assert_line --index 0 "dockreset: error: invalid container name '$bad'"
	done
}
