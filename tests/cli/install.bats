#!/usr/bin/env bats
# `make install PREFIX=... DESTDIR=...` puts the binary, the man page and
# the bash and zsh completions where those tools look, with sane modes;
# `make uninstall` with the same variables removes them.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	DEST=$(mktemp -d)
	P="$DEST/usr/local"
}

teardown() {
	rm -rf "$DEST"
}

# mode FILE: its permission bits in octal
mode() {
	stat -c %a "$1"
}

@test "install: make install puts every file where expected, with sane modes" {
	run make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr/local
	assert_success
	assert_file_executable "$P/bin/dockreset"
	run mode "$P/bin/dockreset"
	assert_output 755
	local f
	for f in share/man/man1/dockreset.1 share/bash-completion/completions/dockreset \
		share/zsh/vendor-completions/_dockreset; do
		assert_file_exists "$P/$f"
		run mode "$P/$f"
		assert_output 644
	done
	# the files are the ones of the tree, and the installed binary runs
	run cmp "$ROOT/dockreset" "$P/bin/dockreset"
	assert_success
	run cmp "$ROOT/doc/dockreset.1" "$P/share/man/man1/dockreset.1"
	assert_success
	run cmp "$ROOT/contrib/completion/dockreset.bash" "$P/share/bash-completion/completions/dockreset"
	assert_success
	run cmp "$ROOT/contrib/completion/_dockreset" "$P/share/zsh/vendor-completions/_dockreset"
	assert_success
	run "$P/bin/dockreset" --version
	assert_success
	assert_output --partial "dockreset"
	# nothing else is installed, nothing outside PREFIX
	run bash -c "cd '$DEST' && find . -type f | sort"
	assert_output "$(printf '%s\n' ./usr/local/bin/dockreset ./usr/local/share/bash-completion/completions/dockreset \
		./usr/local/share/man/man1/dockreset.1 ./usr/local/share/zsh/vendor-completions/_dockreset)"
	# directories made by install are world-readable, as their neighbours
	run mode "$P/share/bash-completion/completions"
	assert_output 755
}

@test "install: man finds the installed page, and bash the installed completion" {
	run make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr/local
	assert_success
	run env MANPATH="$P/share/man" MANWIDTH=80 man -P cat dockreset
	assert_success
	assert_output --partial "reset, back up and restore the PostgreSQL database"
	run bash -c "source '$P/share/bash-completion/completions/dockreset' && complete -p dockreset"
	assert_success
	assert_output "complete -F _dockreset dockreset"
}

@test "install: PREFIX and BINDIR move the files; uninstall removes them all" {
	run make -s -C "$ROOT" install DESTDIR="$DEST" PREFIX=/opt/dr BINDIR=/opt/dr/sbin
	assert_success
	assert_file_executable "$DEST/opt/dr/sbin/dockreset"
	assert_file_exists "$DEST/opt/dr/share/man/man1/dockreset.1"
	assert_file_exists "$DEST/opt/dr/share/bash-completion/completions/dockreset"
	assert_file_exists "$DEST/opt/dr/share/zsh/vendor-completions/_dockreset"
	run make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/opt/dr BINDIR=/opt/dr/sbin
	assert_success
	run bash -c "cd '$DEST' && find . -type f"
	assert_output ""
	# uninstall of what is not there is no error
	run make -s -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/opt/dr BINDIR=/opt/dr/sbin
	assert_success
}
