#!/bin/sh
# tests/fuzz/run.sh - runs libFuzzer targets, several at a time.
#
#   run.sh fuzz SECONDS JOBS BUILD TARGET...
#       fuzzes each TARGET (a built binary) for SECONDS on a copy of its
#       corpus (the tree does not grow), JOBS targets at once, and prints
#       one line per target: executions, coverage, features, corpus.
#   run.sh smoke SECONDS JOBS BUILD TARGET...
#       replays each corpus and its regressions, then fuzzes SECONDS.
#
# Logs and any crashing input go to BUILD/<target>.log and
# BUILD/<target>-crash-...; the exit status is 1 when any target failed.
set -u

mode=$1 secs=$2 jobs=$3 build=$4
shift 4
here=$(dirname "$0")

# One target; prints its line, returns non-zero when it failed.
one() {
	t=$1 n=$(basename "$1")
	log=$build/$n.$mode.log
	: >"$log"
	if [ "$mode" = smoke ]; then
		dirs=$here/corpus/$n
		[ -d "$here/regressions/$n" ] && dirs="$dirs $here/regressions/$n"
		# shellcheck disable=SC2086 # two directories, no spaces in them
		if ! "$t" -runs=0 -artifact_prefix="$build/$n-" $dirs >>"$log" 2>&1; then
			tail -n 40 "$log"
			echo "$n: FAILED on its corpus (log: $log)"
			return 1
		fi
	fi
	tmp=$(mktemp -d) || return 1
	cp -r "$here/corpus/$n/." "$tmp/"
	"$t" -max_len=65536 -max_total_time="$secs" -artifact_prefix="$build/$n-" \
		"$tmp" >>"$log" 2>&1
	rc=$?
	rm -rf "$tmp"
	if [ $rc -ne 0 ]; then
		tail -n 40 "$log"
		echo "$n: FAILED (log: $log)"
		return 1
	fi
	# "#1234 DONE cov: 1 ft: 2 corp: 3/4b ..." and "Done 1234 runs in 60 second(s)"
	awk -v n="$n" '
		$2 == "DONE" { for (i = 3; i < NF; i++) if ($i ~ /:$/) f[$i] = $(i + 1) }
		/^Done / { runs = $2; secs = $5 }
		END { printf "%s: %s runs in %s s, cov %s, ft %s, corpus %s\n",
			n, runs, secs, f["cov:"], f["ft:"], f["corp:"] }' "$log"
}

if [ "${FUZZ_RUN_ONE:-}" ]; then
	one "$1"
	exit
fi
[ $# -gt 0 ] || { echo "run.sh: no targets" >&2; exit 2; }
# xargs runs JOBS at once; any failure makes its status non-zero.
printf '%s\n' "$@" | FUZZ_RUN_ONE=1 xargs -P "$jobs" -I{} sh "$0" "$mode" "$secs" "$jobs" "$build" {}
rc=$?
[ $rc -eq 0 ] || { echo "$mode: some targets failed"; exit 1; }
[ "$mode" = smoke ] && echo "fuzz-smoke: clean ($# targets)"
exit 0
