#!/usr/bin/env bats
# End to end: docker_exec through build/tools/exec-tool against the real
# engine, in a throwaway container (not a compose stack). The failures a
# real engine will not stage on demand are in tests/faults/.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	export ROOT="$BATS_TEST_DIRNAME/../.."
	export TOOL="$ROOT/build/tools/exec-tool"
	export IMAGE="${DOCKRESET_TEST_IMAGE:-dockreset-test/app:1}"
	export CNAME="drt-exec-$$-$RANDOM"
	export STOPPED="drt-exec-stopped-$$-$RANDOM"
	export DATA="$BATS_FILE_TMPDIR"
	[ -x "$TOOL" ] || {
		echo "# $TOOL is missing: make build/tools/exec-tool" >&3
		return 1
	}
	docker image inspect "$IMAGE" >/dev/null || {
		echo "# image '$IMAGE' is missing: make setup" >&3
		return 1
	}
	docker run -d --name "$CNAME" "$IMAGE" sleep infinity >/dev/null &&
		docker create --name "$STOPPED" "$IMAGE" sleep infinity >/dev/null &&
		head -c 10485760 /dev/urandom >"$DATA/r10" &&
		docker cp "$DATA/r10" "$CNAME:/tmp/r10"
}

teardown_file() {
	docker rm -f "$CNAME" "$STOPPED" >/dev/null 2>&1 || true
}

setup() {
	OUT=$(mktemp -d)
}

teardown() {
	rm -rf "$OUT"
}

@test "10 MB of random bytes come through stdout byte for byte" {
	# stdout to a file, stderr in $output: it must stay empty
	run bash -c '"$TOOL" "$CNAME" -- cat /tmp/r10 >"$1"' _ "$OUT/got"
	assert_success
	refute_output
	assert_files_equal "$DATA/r10" "$OUT/got"
}

@test "stdout and stderr stay separate and in order" {
	run bash -c '"$TOOL" "$CNAME" -- sh -c "echo out1; echo err1 >&2; echo out2; printf err2 >&2" \
		>"$1" 2>"$2"' _ "$OUT/out" "$OUT/err"
	assert_success
	printf 'out1\nout2\n' >"$OUT/want_out"
	printf 'err1\nerr2' >"$OUT/want_err"
	assert_files_equal "$OUT/want_out" "$OUT/out"
	assert_files_equal "$OUT/want_err" "$OUT/err"
}

@test "an empty output and exit code 0" {
	run --separate-stderr "$TOOL" "$CNAME" -- true
	assert_success
	refute_output
	assert_equal "$stderr" ""
}

@test "the command's exit code is the tool's: 3" {
	run -3 --separate-stderr "$TOOL" "$CNAME" -- sh -c 'echo partial; exit 3'
	assert_output partial
}

@test "exit code 255 comes through, as the image's default user" {
	run -255 --separate-stderr "$TOOL" "$CNAME" -- sh -c 'id -u; exit 255'
	assert_output 0
}

@test "a missing binary gives 126 and the OCI error" {
	run -126 --separate-stderr "$TOOL" "$CNAME" -- /nonexistent/binary
	output=$output$stderr assert_output --partial "no such file or directory"
}

@test "a file that is not executable gives 126" {
	run -126 --separate-stderr "$TOOL" "$CNAME" -- /etc/passwd
	output=$output$stderr assert_output --partial "permission denied"
}

@test "a missing command inside a shell gives 127" {
	run -127 --separate-stderr "$TOOL" "$CNAME" -- sh -c 'no-such-command-here'
	output=$stderr assert_output --partial "not found"
}

@test "100 MB through stdin come back byte for byte" {
	head -c 104857600 /dev/urandom >"$OUT/in"
	run bash -c '"$TOOL" --stdin "$CNAME" -- cat <"$1" >"$2"' _ "$OUT/in" "$OUT/got"
	assert_success
	refute_output
	assert_files_equal "$OUT/in" "$OUT/got"
}

@test "stdin reaches its end: wc counts every byte" {
	head -c 3000001 /dev/zero >"$OUT/in"
	run --separate-stderr "$TOOL" --stdin "$CNAME" -- wc -c <"$OUT/in"
	assert_success
	assert_output 3000001
}

@test "an empty stdin is an immediate end of input" {
	run --separate-stderr "$TOOL" --stdin "$CNAME" -- wc -c </dev/null
	assert_success
	assert_output 0
}

@test "a command that stops reading early does not hang the client" {
	head -c 52428800 /dev/urandom >"$OUT/in"
	run bash -c 'timeout 60 "$TOOL" --stdin "$CNAME" -- head -c 10 <"$1" >"$2"' _ "$OUT/in" "$OUT/got"
	assert_success
	head -c 10 "$OUT/in" >"$OUT/want"
	assert_files_equal "$OUT/want" "$OUT/got"
}

@test "a command that exits early with stdin from a pipe does not hang either" {
	run -0 --separate-stderr timeout 60 bash -c \
		'head -c 52428800 /dev/zero | "$TOOL" --stdin "$CNAME" -- sh -c "head -c 5 >/dev/null; echo done"'
	assert_output done
}

@test "stdin and an exit code together" {
	run -4 --separate-stderr bash -c 'printf "abc" | "$TOOL" --stdin "$CNAME" -- sh -c "cat; exit 4"'
	assert_output abc
}

@test "exec in a stopped container is an error: not running (204)" {
	run -204 --separate-stderr "$TOOL" "$STOPPED" -- true
	assert_regex "$stderr" "^dockreset: error: cannot run 'true' in container '$STOPPED': .*is not running"
}

@test "exec in a container that does not exist is an error: not found (203)" {
	run -203 --separate-stderr "$TOOL" "drt-no-such-container-$$" -- true
	assert_equal "$stderr" "dockreset: error: cannot run 'true': no such container 'drt-no-such-container-$$'"
}

@test "a daemon socket that does not exist is an error: unreachable (201)" {
	run -201 --separate-stderr "$TOOL" -H unix:///nonexistent.sock "$CNAME" -- true
	refute_output
	assert_regex "$stderr" "^dockreset: error: cannot connect to the docker daemon at 'unix:///nonexistent\\.sock': no such socket"
	output=$stderr assert_output --partial "hint: is dockerd running?"
}

@test "a socket nobody listens on is an error: connection refused (201)" {
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$OUT/dead.sock"
	run -201 --separate-stderr "$TOOL" -H "unix://$OUT/dead.sock" "$CNAME" -- true
	output=$stderr assert_output --partial "': connection refused"
}

@test "a tcp:// endpoint is not supported yet (206)" {
	run -206 --separate-stderr "$TOOL" -H tcp://127.0.0.1:2375 "$CNAME" -- true
	assert_regex "$stderr" "^dockreset: error: docker endpoint 'tcp://127\\.0\\.0\\.1:2375' is not supported yet"
}

@test "DOCKER_HOST chooses the endpoint when -H is not given" {
	DOCKER_HOST=unix:///nonexistent-env.sock run -201 --separate-stderr "$TOOL" "$CNAME" -- true
	output=$stderr assert_output --partial "'unix:///nonexistent-env.sock'"
}

@test "output closed by the reader ends the tool (SIGPIPE or 208), not a hang" {
	run --separate-stderr timeout 60 bash -c \
		'"$TOOL" "$CNAME" -- cat /tmp/r10 | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_success
	assert_output --regexp '^(141|208)$'
}

@test "SIGTERM cancels a silent exec at once (208), with and without stdin" {
	"$TOOL" "$CNAME" -- sleep 30 >"$OUT/out" 2>"$OUT/err" &
	local pid=$!
	sleep 1
	kill -TERM "$pid"
	SECONDS=0
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 208
	assert [ "$SECONDS" -lt 10 ]
	assert_file_contains "$OUT/err" interrupted

	mkfifo "$OUT/fifo"
	exec 7<>"$OUT/fifo" # stdin that stays open and silent
	"$TOOL" --stdin "$CNAME" -- sleep 30 <"$OUT/fifo" >"$OUT/out" 2>"$OUT/err" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	SECONDS=0
	rc=0
	wait "$pid" || rc=$?
	exec 7>&-
	assert_equal "$rc" 208
	assert [ "$SECONDS" -lt 10 ]
}

@test "an aborted exec with stdin holds its input open until the client closes" {
	mkfifo "$OUT/fifo"
	exec 7<>"$OUT/fifo"
	printf 'partial input\n' >&7
	EXEC_TOOL_LINGER=3 "$TOOL" --stdin "$CNAME" -- \
		sh -c 'cat >/tmp/linger.in; echo eof >/tmp/linger.eof' <"$OUT/fifo" 2>"$OUT/err" &
	local pid=$!
	sleep 1
	kill -TERM "$pid"
	sleep 1
	# cancelled and lingering: the process has had no end of input
	run docker exec "$CNAME" test ! -e /tmp/linger.eof
	assert_success
	local rc=0
	wait "$pid" || rc=$?
	exec 7>&-
	assert_equal "$rc" 208
	# closed: now it has
	for _ in $(seq 50); do
		if docker exec "$CNAME" test -e /tmp/linger.eof; then break; fi
		sleep 0.1
	done
	run docker exec "$CNAME" test -e /tmp/linger.eof
	assert_success
	docker exec "$CNAME" cat /tmp/linger.in >"$OUT/got"
	printf 'partial input\n' >"$OUT/want"
	assert_files_equal "$OUT/want" "$OUT/got"
}
