# PF_RING 3.7.5 rebuilt in Rust: build, stage, install, test, demo, bench.
# Component fragments live in mk/*.mk; each may append to TEST_TARGETS,
# STAGE_TARGETS and BENCH_TARGETS.

SHELL        := /bin/bash
PREFIX       ?= /usr/local
DESTDIR      ?=
CARGO        ?= cargo
TARGET_DIR   ?= $(or $(CARGO_TARGET_DIR),target)
REL          := $(TARGET_DIR)/release
BUILD        := build
CC           ?= cc
CXX          ?= c++

TEST_TARGETS  :=
STAGE_TARGETS :=
BENCH_TARGETS :=

# Fragments first, so their additions to the lists above are seen by the
# prerequisite lists below (make expands those when it reads the rule).
.DEFAULT_GOAL := all
include $(wildcard mk/*.mk)

all: stage

.PHONY: all build stage stage-pfring install test demo bench clean fmt-check clippy cargo-test \
        header header-check c-tests install-check kmod test-kmod

build:
	$(CARGO) build --release --workspace --bins --lib

# The tree users get; `make install` copies the same tree.
stage: stage-pfring $(STAGE_TARGETS)

stage-pfring: build
	rm -rf $(BUILD)/lib/libpfring* $(BUILD)/bin/pfcount $(BUILD)/bin/pfsend
	mkdir -p $(BUILD)/lib/pkgconfig $(BUILD)/include $(BUILD)/bin
	install -m 0755 $(REL)/libpfring.so $(BUILD)/lib/libpfring.so.3
	ln -sf libpfring.so.3 $(BUILD)/lib/libpfring.so
	install -m 0644 $(REL)/libpfring.a $(BUILD)/lib/libpfring.a
	install -m 0644 include/pfring.h include/PFring.h $(BUILD)/include/
	install -m 0755 $(REL)/pfcount $(REL)/pfsend $(BUILD)/bin/
	sed -e 's#@PREFIX@#$(abspath $(BUILD))#' mk/libpfring.pc.in > $(BUILD)/lib/pkgconfig/libpfring.pc

install: stage
	mkdir -p $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	cp -a $(BUILD)/lib/. $(DESTDIR)$(PREFIX)/lib/
	cp -a $(BUILD)/include/. $(DESTDIR)$(PREFIX)/include/
	cp -a $(BUILD)/bin/. $(DESTDIR)$(PREFIX)/bin/
	for pc in $(BUILD)/lib/pkgconfig/*.pc; do \
	  sed -e 's#^prefix=.*#prefix=$(PREFIX)#' $$pc > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$(basename $$pc); done

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

cargo-test: stage
	$(CARGO) test --workspace -- --test-threads=1

# pfring.h is cbindgen output, committed; CI regenerates and diffs it.
header:
	cbindgen --config cbindgen.toml --crate pfring --output include/pfring.h

header-check:
	cbindgen --config cbindgen.toml --crate pfring --output $(TARGET_DIR)/pfring.h.check
	diff -u include/pfring.h $(TARGET_DIR)/pfring.h.check

c-tests: stage
	$(MAKE) -C c-tests BUILD=$(abspath $(BUILD)) all run

install-check: stage
	bash c-tests/install_check.sh

test: fmt-check clippy header-check cargo-test c-tests install-check $(TEST_TARGETS)
	@echo "make test: all suites passed"

demo: stage
	bash scripts/demo.sh

bench: stage $(BENCH_TARGETS)
	bash bench/run.sh

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
