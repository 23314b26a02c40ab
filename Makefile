# dockreset - one plain Makefile. `make`, `make test`, `make demo`,
# `make bench`, `make install PREFIX=... DESTDIR=...`, `make clean`.

VERSION    := 0.1.0
# Recursive makes (test, demo, bench) print no directory lines, so the
# last line of `make test` stays the test summary.
MAKEFLAGS  += --no-print-directory
PKG_CONFIG ?= pkg-config
CC         ?= cc
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
BUILD      := build

LIBS_PC    := libcurl libpq jansson libgit2 libcrypto
PC_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS    := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)

CFLAGS     ?= -O2 -g
WARN       := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wno-missing-field-initializers
ALL_CFLAGS  = $(WARN) $(CFLAGS) $(PC_CFLAGS) -DDOCKRESET_VERSION='"$(VERSION)"' -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)

# Every module but main.c goes into a static library that unit tests,
# the test programs and benchmarks link against.
SRCS       := $(filter-out src/main.c,$(wildcard src/*.c))
OBJS       := $(SRCS:src/%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libdockreset.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS  := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all test test-run tools unit-test cli-test fault-test e2e-test sanitize valgrind fuzz fuzz-smoke \
	man man-lint demo demo-down bench install uninstall clean setup format

all: dockreset

dockreset: $(BUILD)/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PC_LIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD):
	mkdir -p $(BUILD) $(BUILD)/tests $(BUILD)/tools

$(BUILD)/tests/%: tests/unit/%.c $(LIB) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PC_LIBS) \
		$$($(PKG_CONFIG) --cflags --libs cmocka)

$(BUILD)/tools/%: tests/tools/%.c $(LIB) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PC_LIBS)

tools: $(TOOL_BINS)

# Installs what is missing (packages, a running dockerd, local images);
# it says "nothing to do" when all is there.
setup:
	bash scripts/setup.sh

# Every test: the unit tests under valgrind and the sanitizers, then unit,
# command line, client faults and end to end; tests/run-all prints the one
# closing "N passed, N failed" line. setup runs first, in a make of its own:
# the flags pkg-config gives are read when make starts, and on a fresh
# machine the libraries are only there once setup has installed them.
test: setup
	$(MAKE) test-run

test-run: all $(UNIT_BINS) $(TOOL_BINS) valgrind sanitize fuzz-smoke man-lint
	bash tests/run-all

unit-test: $(UNIT_BINS)
	bash tests/run-all unit

cli-test: all
	bash tests/run-all cli

fault-test: all $(TOOL_BINS)
	bash tests/run-all faults

e2e-test: all $(TOOL_BINS)
	bash tests/run-all e2e

# Unit tests under valgrind: no leaks, no errors.
valgrind: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--error-exitcode=99 $$t >/dev/null || exit 1; \
	done; echo "valgrind: clean"

# The unit tests built with AddressSanitizer and UndefinedBehaviorSanitizer
# in build/asan: any report fails.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
sanitize:
	@$(MAKE) -s BUILD=$(BUILD)/asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="$(ASAN_FLAGS)" \
		$(UNIT_BINS:$(BUILD)/tests/%=$(BUILD)/asan/tests/%)
	@for t in $(UNIT_BINS:$(BUILD)/tests/%=$(BUILD)/asan/tests/%); do \
		$$t >/dev/null 2>$$t.log || { cat $$t.log; exit 1; }; \
	done; echo "sanitize: clean"

# libFuzzer targets (tests/fuzz/fuzz_*.c) for the pure parsers, built with
# clang in build/fuzz. `make fuzz FUZZ_SECONDS=N` fuzzes each target for N
# seconds on a copy of its corpus (the tree does not grow), FUZZ_JOBS
# targets at once, and prints each one's executions and coverage;
# `make fuzz-smoke` (part of `make test`) runs each target on its corpus
# and regressions, then fuzzes it for FUZZ_SMOKE_SECONDS: any crash, leak
# or sanitizer report fails (tests/fuzz/run.sh).
FUZZ_CC      ?= clang
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_CFLAGS  := $(WARN) -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all \
                $(PC_CFLAGS) -DDOCKRESET_VERSION='"$(VERSION)"' -MMD -MP
FUZZ_OBJS    := $(SRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
# FUZZ_TARGETS="fuzz_a fuzz_b" runs only those.
FUZZ_RUN     := $(if $(FUZZ_TARGETS),$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%),$(FUZZ_BINS))
.SECONDARY: $(FUZZ_OBJS)

$(FUZZ_BUILD)/obj/%.o: src/%.c | $(BUILD)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(FUZZ_BUILD)/libdockreset.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/%: tests/fuzz/%.c tests/fuzz/fuzz_util.h $(FUZZ_BUILD)/libdockreset.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(FUZZ_BUILD)/libdockreset.a $(PC_LIBS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_BUILD) $(FUZZ_RUN)

fuzz-smoke: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_JOBS) $(FUZZ_BUILD) $(FUZZ_RUN)

# `make demo STACK=task-api`: the second example (compose/task-api).
STACK      ?= $(if $(DEMO_STACK),$(DEMO_STACK),discord-bot)
DEMO_PROJECT_DEFAULT = $(if $(filter discord-bot,$(STACK)),dockreset-demo,dockreset-demo-$(STACK))

demo: setup
	$(MAKE) all
	bash scripts/demo.sh $(STACK)

demo-down:
	bash -c 'source scripts/lib-stack.bash && STACK_COMPOSE_FILE=$$PWD/compose/$(STACK)/docker-compose.yml STACK_PROJECT=$${DEMO_PROJECT:-$(DEMO_PROJECT_DEFAULT)} stack_down'

bench: setup
	$(MAKE) all tools
	bash bench/run

# The man page: doc/dockreset.1 (mdoc) is the source; `make man` renders it
# to build/dockreset.1.txt, `make man-lint` (part of `make test`) fails on
# any warning of mandoc (style level: all but the lookups of SEE ALSO's
# pages in this machine's man database) or of groff, the formatter man(1)
# runs on Debian.
MAN_SRC := doc/dockreset.1
man: $(BUILD)/dockreset.1.txt

$(BUILD)/dockreset.1.txt: $(MAN_SRC) | $(BUILD)
	mandoc -T utf8 -O width=80 $(MAN_SRC) | sed 's/.\x08//g' >$@.tmp && mv $@.tmp $@
	@echo "man: $@ (read it with: man ./$(MAN_SRC))"

man-lint:
	@command -v mandoc >/dev/null || { echo "man-lint: mandoc is missing (make setup installs it)"; exit 1; }
	@out=$$(mandoc -T lint -W style $(MAN_SRC) 2>&1 | \
		grep -v -e 'mandoc\.db' -e 'referenced manual not found'); \
	if [ -n "$$out" ]; then echo "$$out"; echo "man-lint: mandoc warns about $(MAN_SRC)"; exit 1; fi; \
	out=$$(groff -mdoc -ww -z -T utf8 $(MAN_SRC) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "man-lint: groff warns about $(MAN_SRC)"; exit 1; fi; \
	echo "man-lint: clean"

# `make install PREFIX=/usr/local DESTDIR=/tmp/stage`: the binary, the man
# page and the bash and zsh completions where those shells look.
INSTALLED := $(BINDIR)/dockreset $(MANDIR)/man1/dockreset.1 \
             $(BASHCOMPDIR)/dockreset $(ZSHCOMPDIR)/_dockreset

install: dockreset
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 dockreset $(DESTDIR)$(BINDIR)/dockreset
	install -m 0644 $(MAN_SRC) $(DESTDIR)$(MANDIR)/man1/dockreset.1
	install -m 0644 contrib/completion/dockreset.bash $(DESTDIR)$(BASHCOMPDIR)/dockreset
	install -m 0644 contrib/completion/_dockreset $(DESTDIR)$(ZSHCOMPDIR)/_dockreset

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/tools/*.c tests/fuzz/*.c tests/fuzz/*.h

clean:
	rm -rf $(BUILD) dockreset

-include $(OBJS:.o=.d) $(BUILD)/main.d $(UNIT_BINS:=.d) $(TOOL_BINS:=.d) $(FUZZ_OBJS:.o=.d) $(FUZZ_BINS:=.d)
