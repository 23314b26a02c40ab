#!/usr/bin/env bats
# Shell completion: contrib/completion/dockreset.bash driven the way bash
# drives it (COMP_WORDS, COMP_CWORD, then COMPREPLY), and the zsh one
# (contrib/completion/_dockreset) checked by zsh and driven with compadd and
# _describe replaced by functions that print what they are given.
# No Docker is needed: DOCKER_HOST points at no socket, so target names come
# from the configuration file; a stub binary stands for `targets --json` and
# for the snapshot commands where a test needs them.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	DR="$ROOT/dockreset"
	BASH_COMP="$ROOT/contrib/completion/dockreset.bash"
	ZSH_COMP="$ROOT/contrib/completion/_dockreset"
	WORK=$(mktemp -d)
	cd "$WORK"
	export NO_COLOR=1 DOCKER_HOST=unix:///nonexistent/docker.sock
	unset DOCKRESET_CONFIG
	cat >dockreset.json <<'JSON'
{ "version": 1, "backup_dir": "b",
  "targets": {
    "app": { "database": { "service": "db" },
             "seeds": { "lookups": [ { "sql": "l.sql" } ], "sample": [ { "sql": "s.sql" } ] } },
    "beta-2": { "database": { "service": "db" } },
    "prod.db": { "database": { "service": "db" } } } }
JSON
	touch l.sql s.sql
	mkdir -p other sub/deeper
	cat >other/alt.json <<'JSON'
{ "version": 1, "targets": { "zeta": { "database": { "service": "db" } } } }
JSON
}

teardown() {
	rm -rf "$WORK"
}

# complete WORD...: runs the bash completion on the words (the last one is
# the word being completed) and prints COMPREPLY sorted, one a line.
complete_bash() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_dockreset || exit 1
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$BASH_COMP" "$@"
}

# the sorted long options `dockreset help CMD` lists (both sections)
help_long_options() {
	"$DR" help "$1" | awk '/^(global )?options:$/ { on = 1; next } /^$/ { on = 0 }
		on { for (i = 1; i <= NF; i++) if ($i ~ /^--/) print $i }' | sort
}

# make_backup ID: a plain backup of target app with its manifest.
make_backup() {
	mkdir -p b/app && chmod 700 b b/app
	cp "$ROOT/tests/unit/fixtures/backup/plain-15.20-clean.sql" "b/app/$1.sql"
	python3 - "b/app" "$1" <<'PY'
import hashlib, json, sys
d, id = sys.argv[1:]
data = open(f"{d}/{id}.sql", "rb").read()
ts = id[len("app-"):len("app-") + 16]
m = {"format_version": 1, "id": id, "target": "app",
     "created_at": f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[9:11]}:{ts[11:13]}:{ts[13:15]}Z",
     "reason": "manual", "label": None, "format": "plain", "file": f"{id}.sql",
     "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
     "database": {"name": "shop", "server_version": "15.20"}, "tables": {}, "stats": {},
     "git": {"branch": None, "commit": None}, "tool_version": "0.1.0",
     "duration_ms": 1, "verified_at": None}
open(f"{d}/{id}.manifest.json", "w").write(json.dumps(m) + "\n")
PY
}

# A stand-in binary: the real one, plus `snapshot`, `snapshots` and
# `rollback` in its help when the build lacks them, answers to
# `snapshots T --json`, and, with STUB_TARGETS set, to `targets --json`.
make_stub() {
	mkdir -p "$WORK/bin"
	cat >"$WORK/bin/dockreset" <<EOF
#!/usr/bin/env bash
real="$DR"
for a; do
	case \$a in
	snapshots) echo '{"ok":true,"snapshots":[{"name":"clean"},{"name":"clean-2"},{"name":"seeded"}]}'; exit 0 ;;
	targets) [ -n "\${STUB_TARGETS-}" ] && { echo '{"ok":true,"targets":[{"name":"from-docker"}]}'; exit 0; } ;;
	esac
done
if [ "\$1" = --help ] && ! "\$real" --help | grep -q '^  rollback '; then
	"\$real" --help | sed '/^commands:/a\\
  snapshot TARGET NAME a copy of the database\\
  snapshots TARGET list snapshots\\
  rollback TARGET NAME put the database back to a snapshot'
	exit 0
fi
case "\$1 \${2-}" in
"help snapshot") printf 'usage: dockreset snapshot TARGET NAME\n\noptions:\n  -y, --yes             skip\n      --force           replace\n      --delete          delete\n\n' ;;
"help rollback") printf 'usage: dockreset rollback TARGET NAME\n\noptions:\n  -y, --yes             skip\n      --backup          back up first\n      --timeout SECONDS health waits\n\n' ;;
"help snapshots") printf 'usage: dockreset snapshots TARGET\n\n' ;;
*) exec "\$real" "\$@" ;;
esac
EOF
	chmod +x "$WORK/bin/dockreset"
}

@test "completion: bash offers the commands of dockreset --help, by prefix" {
	run complete_bash "$DR" ""
	assert_success
	local c
	for c in $("$DR" --help | awk '/^commands:$/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'); do
		assert_line "$c"
	done
	assert_line help
	run complete_bash "$DR" re
	assert_success
	assert_output $'reset\nrestore'
	run complete_bash "$DR" help ba
	assert_output $'backup\nbackups'
}

@test "completion: bash offers exactly reset's options from 'dockreset help reset'" {
	run complete_bash "$DR" reset app --
	assert_success
	assert_output "$(help_long_options reset)"
	run complete_bash "$DR" reset --no-
	assert_output $'--no-backup\n--no-color\n--no-restart\n--no-seed'
	# before any command only the global options
	run complete_bash "$DR" --d
	assert_output ""
	run complete_bash "$DR" --c
	assert_output "--config"
}

@test "completion: bash offers target names from the config without Docker" {
	run "$DR" targets --json
	assert_failure 4
	run complete_bash "$DR" status ""
	assert_success
	assert_output $'app\nbeta-2\nprod.db'
	run complete_bash "$DR" reset --dry-run b
	assert_output "beta-2"
	# the target is completed once; the next word is no target
	run complete_bash "$DR" status app ""
	assert_output ""
	# targets and init take no target
	run complete_bash "$DR" targets ""
	assert_output ""
}

@test "completion: bash finds the config as dockreset does (-c, DOCKRESET_CONFIG, a parent)" {
	cd sub/deeper
	run complete_bash "$DR" plan ""
	assert_output $'app\nbeta-2\nprod.db'
	run complete_bash "$DR" -c ../../other/alt.json plan ""
	assert_output "zeta"
	# --config=FILE arrives split at "=" (COMP_WORDBREAKS)
	run complete_bash "$DR" --config = ../../other/alt.json plan ""
	assert_output "zeta"
	DOCKRESET_CONFIG="$WORK/other/alt.json" run complete_bash "$DR" plan ""
	assert_output "zeta"
	cd /
	run complete_bash "$DR" plan ""
	assert_output ""
}

@test "completion: bash takes target names from 'targets --json' when it answers" {
	make_stub
	STUB_TARGETS=1 run complete_bash "$WORK/bin/dockreset" status ""
	assert_output "from-docker"
	# a command name found on PATH works as a path does
	PATH="$WORK/bin:$PATH" STUB_TARGETS=1 run complete_bash dockreset status ""
	assert_output "from-docker"
}

@test "completion: bash offers backup ids for restore (with latest) and verify" {
	make_backup app-20261101T000000Z
	make_backup app-20261102T000000Z
	run "$DR" backups app
	assert_success
	run complete_bash "$DR" restore app ""
	assert_output $'app-20261101T000000Z\napp-20261102T000000Z\nlatest'
	run complete_bash "$DR" verify app app-20261102
	assert_output "app-20261102T000000Z"
	run complete_bash "$DR" verify app app-20261102T000000Z ""
	assert_output ""
}

@test "completion: bash offers option values and seed profiles" {
	run complete_bash "$DR" backup app --format ""
	assert_output $'custom\njson\nplain'
	run complete_bash "$DR" backup app --format = p
	assert_output "plain"
	run complete_bash "$DR" reset app --strategy r
	assert_output "recreate"
	run complete_bash "$DR" restore app --scope ""
	assert_output $'all\nreset'
	run complete_bash "$DR" restore app --mode m
	assert_output "merge"
	run complete_bash "$DR" reset app --seed ""
	assert_output $'lookups\nsample'
	run complete_bash "$DR" seed app lookups s
	assert_output "sample"
	# a value is not taken for a target: --timeout's value is skipped
	run complete_bash "$DR" reset --timeout 30 be
	assert_output "beta-2"
	run complete_bash "$DR" restore app --file dock
	assert_output "dockreset.json"
}

@test "completion: bash offers snapshot names for rollback and snapshot --delete" {
	make_stub
	run complete_bash "$WORK/bin/dockreset" rollback app ""
	assert_output $'clean\nclean-2\nseeded'
	run complete_bash "$WORK/bin/dockreset" rollback app clean
	assert_output $'clean\nclean-2'
	run complete_bash "$WORK/bin/dockreset" snapshot app --delete s
	assert_output "seeded"
	# a new snapshot's name is the user's own
	run complete_bash "$WORK/bin/dockreset" snapshot app ""
	assert_output ""
	run complete_bash "$WORK/bin/dockreset" rollback --
	assert_line -- --backup
	assert_line -- --timeout
}

# complete_zsh WORD...: the zsh completion function on the words, with the
# completion builtins replaced by functions printing their candidates.
complete_zsh() {
	zsh -f -c '
		compdef() { : }
		source "$1"; shift
		compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2} || print -rl -- "$@" }
		_describe() { print -rl -- ${(P)4%%:*} }
		_files() { print files }
		compset() { : }
		words=("$@"); CURRENT=$#
		_dockreset' _ "$ZSH_COMP" "$@" | sort
}

@test "completion: zsh file is valid zsh and completes commands, options, targets" {
	if ! command -v zsh >/dev/null; then
		skip "zsh is not installed (make setup installs it): zsh completion not checked"
	fi
	run zsh -n "$ZSH_COMP"
	assert_success
	run complete_zsh "$DR" re
	assert_line reset
	assert_line restore
	assert_line help
	run complete_zsh "$DR" reset --
	assert_line -- --dry-run
	assert_line -- --strategy
	assert_line -- --config
	refute_line -- --format
	run complete_zsh "$DR" status ""
	assert_output $'app\nbeta-2\nprod.db'
	run complete_zsh "$DR" reset app --seed ""
	assert_output $'lookups\nsample'
	run complete_zsh "$DR" backup app --format ""
	assert_output $'custom\njson\nplain'
	run complete_zsh "$DR" -c other/alt.json plan ""
	assert_output "zeta"
	make_stub
	run complete_zsh "$WORK/bin/dockreset" rollback app ""
	assert_output $'clean\nclean-2\nseeded'
}

@test "completion: zsh completes in a real interactive zsh after compinit (fpath)" {
	if ! command -v zsh >/dev/null; then
		skip "zsh is not installed (make setup installs it): zsh completion not checked"
	fi
	mkdir -p "$WORK/bin"
	ln -s "$DR" "$WORK/bin/dockreset"
	# type "dockreset rese<TAB>" and "status be<TAB>" in an interactive zsh on a
	# pseudo-terminal; zpty -r -m waits for the completed line
	run timeout 30 zsh -f -c '
		zmodload zsh/zpty || exit 3
		zpty z "zsh -f -i" || exit 3
		zpty -w z "PS1=\"> \"; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; path=($2 \$path)"
		zpty -w z "print ready-\$_comps[dockreset]"
		zpty -r -m z out "*ready-_dockreset*" || exit 4
		print registered
		zpty -w -n z $'"'"'dockreset rese\t'"'"'
		zpty -r -m z out "*dockreset reset*" || exit 5
		print completed-command
		zpty -w -n z $'"'"'\x15dockreset status be\t'"'"'
		zpty -r -m z out "*status beta-2*" || exit 6
		print completed-target
		zpty -d z' _ "$ROOT/contrib/completion" "$WORK/bin"
	assert_success
	assert_output $'registered\ncompleted-command\ncompleted-target'
}
