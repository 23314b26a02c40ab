#!/usr/bin/env bats
# The man page (doc/dockreset.1) and `dockreset help COMMAND` never
# disagree: for every command `dockreset --help` lists, the options the
# command's help lists are exactly those of its subsection in the man page,
# and the global options are those of the man page's OPTIONS section.
# Commands the man page documents but this build lacks are not compared.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
	ROOT="$BATS_TEST_DIRNAME/../.."
	DR="$ROOT/dockreset"
	MAN="$ROOT/doc/dockreset.1"
	export NO_COLOR=1
}

# The commands of `dockreset --help`, one a line.
help_commands() {
	"$DR" --help | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'
}

# help_options CMD [SECTION]: the long options `dockreset help CMD` lists
# under SECTION ("options", default, or "global options"), sorted.
help_options() {
	"$DR" help "$1" | awk -v sec="${2:-options}:" '
		$0 == sec { on = 1; next }
		/^$/ { on = 0 }
		on { for (i = 1; i <= NF; i++) if ($i ~ /^--[a-z]/) { sub(/,$/, "", $i); print $i; break } }' |
		sort
}

# man_options SECTION [SUBSECTION]: the long options of the ".It Fl" items
# of a section (OPTIONS) or of a command's subsection of COMMANDS, sorted.
man_options() {
	awk -v sec="$1" -v sub_="${2:-}" '
		/^\.Sh / { s = $2; ss = ""; next }
		/^\.Ss / { ss = $2; next }
		s == sec && ss == sub_ && /^\.It Fl / {
			for (i = 2; i < NF; i++) if ($i == "Fl") {
				o = $(i + 1); gsub(/\\-/, "-", o); o = "-" o
				if (o ~ /^--/) { print o; break }
			}
		}' "$MAN" | sort
}

man_subsections() {
	awk '/^\.Sh / { s = $2 } s == "COMMANDS" && /^\.Ss / { print $2 }' "$MAN"
}

@test "man: the man page is lint-clean (make man-lint)" {
	run make -s -C "$ROOT" man-lint
	assert_success
	assert_output --partial "man-lint: clean"
}

@test "man: make man renders the page to build/dockreset.1.txt" {
	rm -f "$ROOT/build/dockreset.1.txt"
	run make -s -C "$ROOT" man
	assert_success
	assert_file_exists "$ROOT/build/dockreset.1.txt"
	run grep -c -e '^COMMANDS' -e '^EXIT STATUS' -e '^ENVIRONMENT' -e '^FILES' -e '^EXAMPLES' \
		"$ROOT/build/dockreset.1.txt"
	assert_output 5
}

@test "man: every command of dockreset --help has a subsection in the man page" {
	run help_commands
	assert_success
	# the parse found the commands (status, reset, restore at least)
	assert_line status
	assert_line reset
	assert_line restore
	local missing="" c
	for c in $(help_commands); do
		man_subsections | grep -qx "$c" || missing+=" $c"
	done
	run echo "missing:$missing"
	assert_output "missing:"
}

@test "man: each command's options in 'dockreset help CMD' equal the man page's" {
	local c diffs="" h m compared=0
	for c in $(help_commands); do
		h=$(help_options "$c" | tr '\n' ' ')
		m=$(man_options COMMANDS "$c" | tr '\n' ' ')
		[ "$h" = "$m" ] || diffs+="$c: help [${h}] man [${m}]"$'\n'
		compared=$((compared + 1))
	done
	run printf '%s' "$diffs"
	assert_output ""
	# the comparison covered the commands and parsed real option lists
	run echo "$compared"
	refute_output 0
	run help_options reset
	assert_line -- --dry-run
	assert_line -- --strategy
	run man_options COMMANDS reset
	assert_line -- --dry-run
	assert_line -- --strategy
}

@test "man: the global options of 'dockreset help CMD' equal the man page's OPTIONS" {
	run man_options OPTIONS
	assert_line -- --config
	assert_line -- --json
	local c diffs="" m
	m=$(man_options OPTIONS | tr '\n' ' ')
	for c in $(help_commands); do
		h=$(help_options "$c" "global options" | tr '\n' ' ')
		[ "$h" = "$m" ] || diffs+="$c: help [${h}] man [${m}]"$'\n'
	done
	run printf '%s' "$diffs"
	assert_output ""
}

@test "man: the ENVIRONMENT section names every variable dockreset reads" {
	local v missing=""
	for v in DOCKRESET_CONFIG DOCKRESET_IDLE_TIMEOUT DOCKRESET_CONFIRM_PRODUCTION DOCKER_HOST \
		DOCKER_CONTEXT DOCKER_CONFIG NO_COLOR COMPOSE_PROJECT_NAME; do
		awk '/^\.Sh / { s = $2 } s == "ENVIRONMENT" && /^\.It Ev / { print $3 }' "$MAN" |
			grep -qx "$v" || missing+=" $v"
	done
	run echo "missing:$missing"
	assert_output "missing:"
}

@test "man: EXIT STATUS lists every exit code of SPEC section 7" {
	run awk '/^\.Sh / { s = $2 } s == "EXIT" && /^\.It [0-9]/ { $1 = ""; print }' "$MAN"
	assert_success
	local code
	for code in 0 1 2 3 4 5 6 7 8 9 10; do
		assert_line " $code"
	done
	assert_line " 130 , 143"
}
