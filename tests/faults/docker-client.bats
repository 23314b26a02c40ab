#!/usr/bin/env bats
# The Docker client against failures a real engine cannot be made to
# produce on demand: a stream cut inside a frame, an unknown stream type, a
# daemon lost after the output, an exit code that stays null, a 409. A
# scripted peer on a Unix socket replays daemon answers recorded from Docker
# 20.10, cut or corrupted. These are fault tests of the client alone; the
# end-to-end suites (tests/integration/) talk only to the real engine.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file
# bats-assert 2.1 has no assert_stderr: stderr is checked as
# `output=$stderr assert_output ...` (the assignment lasts for that call only)

setup_file() {
	export ROOT="$BATS_TEST_DIRNAME/../.."
	export TOOL="$ROOT/build/tools/exec-tool"
	[ -x "$TOOL" ] || {
		echo "# $TOOL is missing: make build/tools/exec-tool" >&3
		return 1
	}
}

setup() {
	OUT=$(mktemp -d)
}

teardown() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
	rm -rf "$OUT"
}


# Starts a fake Docker daemon on $OUT/fake.sock. The container name given to
# the tool picks the scenario (see the script).
start_peer() {
	cat >"$OUT/fake-dockerd.py" <<'PY'
import json, os, re, socketserver, sys, time

SOCK = sys.argv[1]
polls = {}

def frame(kind, data):
    return bytes([kind, 0, 0, 0]) + len(data).to_bytes(4, "big") + data

class Handler(socketserver.StreamRequestHandler):
    def reply(self, status, body=b"", ctype="application/json"):
        self.wfile.write(("HTTP/1.1 %d X\r\nApi-Version: 1.41\r\nContent-Type: %s\r\n"
                          "Content-Length: %d\r\n\r\n" % (status, ctype, len(body))).encode() + body)
        self.wfile.flush()

    def handle(self):
        while True:
            line = self.rfile.readline()
            if not line:
                return
            method, path, _ = line.decode().split(" ", 2)
            headers = {}
            while True:
                h = self.rfile.readline().decode()
                if h in ("\r\n", "\n", ""):
                    break
                k, v = h.split(":", 1)
                headers[k.strip().lower()] = v.strip()
            body = self.rfile.read(int(headers.get("content-length", "0")))
            if not self.route(method, path, headers, body):
                return

    def route(self, method, path, headers, body):
        if path == "/_ping":
            self.reply(200, b"OK", "text/plain")
            return True
        m = re.match(r"^/v1\.41/containers/([^/]+)/exec$", path)
        if m:
            self.reply(201, json.dumps({"Id": m.group(1)}).encode())
            return True
        m = re.match(r"^/v1\.41/exec/([^/]+)/start$", path)
        if m:
            return self.start(m.group(1), headers)
        m = re.match(r"^/v1\.41/exec/([^/]+)/json$", path)
        if m:
            return self.inspect(m.group(1))
        self.reply(404, b'{"message":"page not found"}')
        return True

    def start(self, scenario, headers):
        if scenario == "start-409":
            self.reply(409, b'{"message":"Container abc is paused, unpause the container before exec"}')
            return True
        if headers.get("upgrade") == "tcp":
            self.wfile.write(b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                             b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
        else:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n")
        out = frame(1, b"hello\n") + frame(2, b"warn\n")
        if scenario == "cut-frame":
            out += frame(1, b"0123456789")[:12]
        elif scenario == "cut-header":
            out += frame(1, b"0123456789")[:5]
        elif scenario == "bad-frame":
            out += bytes([7, 0, 0, 0, 0, 0, 0, 1]) + b"x"
        self.wfile.write(out)
        self.wfile.flush()
        if scenario == "lost-daemon":
            # The stream ends cleanly, then the daemon is gone for good.
            self.connection.close()
            os._exit(0)
        return False

    def inspect(self, scenario):
        n = polls[scenario] = polls.get(scenario, 0) + 1
        if scenario == "null-exit":
            doc = {"Running": False, "ExitCode": None}
        elif scenario == "slow-exit" and n <= 3:
            doc = {"Running": True, "ExitCode": 0}
        else:
            doc = {"Running": False, "ExitCode": 7}
        self.reply(200, json.dumps(doc).encode())
        return True

class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

Server(SOCK, Handler).serve_forever()
PY
	python3 "$OUT/fake-dockerd.py" "$OUT/fake.sock" &
	FAKE_PID=$!
	for _ in $(seq 100); do
		[ -S "$OUT/fake.sock" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "scripted daemon: a clean stream and exit code 7" {
	start_peer
	run -7 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" ok -- x
	assert_output hello
	assert_equal "$stderr" warn
}

@test "scripted daemon: the exit code is read only once the exec has stopped running" {
	start_peer
	run -7 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" slow-exit -- x
	assert_output hello
}

@test "scripted daemon: a stream cut inside a frame is an error (207), never success" {
	start_peer
	run -207 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" cut-frame -- x
	output=$stderr assert_output --partial "dockreset: error: the output of 'x' in container 'cut-frame' was cut short: stream ended inside a frame"
	run -207 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" cut-header -- x
	output=$stderr assert_output --partial "was cut short"
}

@test "scripted daemon: the same cut through the hijacked connection (207)" {
	start_peer
	run -207 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" --stdin cut-frame -- x </dev/null
	output=$stderr assert_output --partial "was cut short"
	run -7 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" --stdin ok -- x </dev/null
	assert_output hello
}

@test "scripted daemon: an unknown stream type is an error (207)" {
	start_peer
	run -207 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" bad-frame -- x
	output=$stderr assert_output --partial "is not a valid exec stream: malformed stream header"
}

@test "scripted daemon: a daemon lost after the output is an error (207), never success" {
	start_peer
	run -207 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" lost-daemon -- x
	assert_output hello
	# refused, or reset when the reconnection beat the daemon's exit
	assert_regex "$stderr" "dockreset: error: .*the docker daemon at 'unix://$OUT/fake\.sock'"
	output=$stderr assert_output --partial "hint: the exit code of 'x' is unknown"
}

@test "scripted daemon: an exit code that stays null is an error (202) after a bounded wait" {
	start_peer
	SECONDS=0
	run -202 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" null-exit -- x
	output=$stderr assert_output --partial "has no exit code although its output ended"
	assert [ "$SECONDS" -lt 30 ]
}

@test "scripted daemon: a 409 from exec start is 'not running' (204)" {
	start_peer
	run -204 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" start-409 -- x
	output=$stderr assert_output --partial "is paused"
	run -204 --separate-stderr "$TOOL" -H "unix://$OUT/fake.sock" --stdin start-409 -- x </dev/null
	output=$stderr assert_output --partial "is paused"
}
