#!/usr/bin/env bats
# A Docker daemon that accepts the connection and never answers: every
# ordinary request still ends within a second of SIGINT or SIGTERM, with
# 130 or 143, and without a signal it ends by itself in a bounded time.
bats_require_minimum_version 1.5.0

setup_file() {
	export ROOT="$BATS_TEST_DIRNAME/../.."
	export DR="$ROOT/dockreset"
	[ -x "$DR" ] || {
		echo "# $DR is missing: make" >&3
		return 1
	}
}

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	OUT=$(mktemp -d)
	FAKE_PID= DR_PID=
	unset DOCKRESET_CONFIG DOCKER_HOST DOCKER_CONTEXT DOCKER_CONFIG
	export NO_COLOR=1
	CFG="$OUT/dockreset.json"
	cat >"$CFG" <<JSON
{
  "version": 1,
  "backup_dir": "$OUT/backups",
  "targets": { "app": { "project": "p", "database": { "service": "db" } } }
}
JSON
	# a peer that accepts every connection, reads, and never answers
	cat >"$OUT/silent.py" <<'PY'
import socket, sys, threading
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
held = []
def drain(c):
    while c.recv(65536):
        pass
while True:
    c, _ = s.accept()
    held.append(c)
    threading.Thread(target=drain, args=(c,), daemon=True).start()
PY
	python3 "$OUT/silent.py" "$OUT/silent.sock" &
	FAKE_PID=$!
	for _ in $(seq 100); do
		[ -S "$OUT/silent.sock" ] && break
		sleep 0.05
	done
}

teardown() {
	if [ -n "$DR_PID" ]; then
		kill -KILL "$DR_PID" 2>/dev/null || true
		wait "$DR_PID" 2>/dev/null || true
	fi
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
	rm -rf "$OUT"
}

# Runs dockreset $@ against the silent peer in the background, sends signal
# $SIG after 1 s and waits; RC and ELAPSED (ms from the signal to the exit).
signal_after_1s() {
	"$DR" -c "$CFG" -H "unix://$OUT/silent.sock" "$@" >"$OUT/out" 2>"$OUT/err" &
	DR_PID=$!
	sleep 1
	local t0 t1
	t0=$(date +%s%N)
	kill -"$SIG" "$DR_PID"
	RC=0
	# a regression would hang for a minute: give up after 10 s
	for _ in $(seq 100); do
		kill -0 "$DR_PID" 2>/dev/null || break
		sleep 0.1
	done
	t1=$(date +%s%N)
	wait "$DR_PID" || RC=$?
	DR_PID=
	ELAPSED=$(((t1 - t0) / 1000000))
	echo "# exit $RC after ${ELAPSED} ms: $(tr '\n' ' ' <"$OUT/err")" >&3
}

@test "silent daemon: SIGTERM ends 'targets' with 143 within 3 s" {
	SIG=TERM signal_after_1s targets
	assert_equal "$RC" 143
	assert [ "$ELAPSED" -lt 3000 ]
}

@test "silent daemon: SIGINT ends 'status' with 130 within 3 s" {
	SIG=INT signal_after_1s status app
	assert_equal "$RC" 130
	assert [ "$ELAPSED" -lt 3000 ]
}

@test "silent daemon: SIGTERM ends 'backup' with 143 within 3 s, nothing written" {
	SIG=TERM signal_after_1s backup app
	assert_equal "$RC" 143
	assert [ "$ELAPSED" -lt 3000 ]
	# no lock, no partial file: the directory is empty or was never made
	run find "$OUT" -path "$OUT/backups/*"
	assert_success
	assert_output ""
}
