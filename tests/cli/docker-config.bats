#!/usr/bin/env bats
# The docker config (~/.docker/config.json, $DOCKER_CONFIG/config.json, a
# context's meta.json) is read to find the endpoint: anything there that is
# not a regular file is refused at once with exit 4, never waited on.
bats_require_minimum_version 1.5.0

setup() {
	bats_load_library bats-support
	bats_load_library bats-assert
	DR="$BATS_TEST_DIRNAME/../../dockreset"
	GOOD="$BATS_TEST_DIRNAME/fixtures/good.json"
	WORK=$(mktemp -d)
	unset DOCKRESET_CONFIG DOCKER_HOST DOCKER_CONTEXT DOCKER_CONFIG
	export NO_COLOR=1
}

teardown() {
	rm -rf "$WORK"
}

@test "a FIFO as ~/.docker/config.json: exit 4 at once, naming it, not a regular file" {
	mkdir -p "$WORK/home/.docker"
	mkfifo "$WORK/home/.docker/config.json"
	SECONDS=0
	HOME="$WORK/home" run --separate-stderr timeout 10 "$DR" -c "$GOOD" targets
	assert_equal "$status" 4
	assert_equal "$stderr" "dockreset: error: cannot read the docker config '$WORK/home/.docker/config.json': not a regular file"
	assert [ "$SECONDS" -lt 5 ]
}

@test "a FIFO as \$DOCKER_CONFIG/config.json: exit 4 at once for status too" {
	mkdir -p "$WORK/cfg"
	mkfifo "$WORK/cfg/config.json"
	DOCKER_CONFIG="$WORK/cfg" run --separate-stderr timeout 10 "$DR" -c "$GOOD" status discord-bot
	assert_equal "$status" 4
	assert_equal "$stderr" "dockreset: error: cannot read the docker config '$WORK/cfg/config.json': not a regular file"
}

@test "a FIFO as a context's meta.json: exit 4 at once, naming it" {
	local hex
	hex=$(printf '%s' ctx | sha256sum | cut -d' ' -f1)
	mkdir -p "$WORK/cfg/contexts/meta/$hex"
	mkfifo "$WORK/cfg/contexts/meta/$hex/meta.json"
	DOCKER_CONFIG="$WORK/cfg" DOCKER_CONTEXT=ctx run --separate-stderr timeout 10 "$DR" -c "$GOOD" targets
	assert_equal "$status" 4
	assert_equal "$stderr" "dockreset: error: cannot read the docker context '$WORK/cfg/contexts/meta/$hex/meta.json': not a regular file"
}

@test "a directory as config.json: exit 4 naming it" {
	mkdir -p "$WORK/cfg/config.json"
	DOCKER_CONFIG="$WORK/cfg" run --separate-stderr timeout 10 "$DR" -c "$GOOD" targets
	assert_equal "$status" 4
	assert_equal "$stderr" "dockreset: error: cannot read the docker config '$WORK/cfg/config.json': Is a directory"
}
