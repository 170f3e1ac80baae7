# SPDX-License-Identifier: GPL-2.0
#
# wgtrace build. One binary, BPF objects embedded as libbpf skeletons.
# `make help` lists the targets.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BUILD      := build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PKG_CONFIG ?= pkg-config
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Quiet one-line steps unless V=1.
ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Every Debian package the build, the demo, the tests and the benchmark use.
DEB_BUILD := make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev \
	     zlib1g-dev libmnl-dev libjson-c-dev libmicrohttpd-dev libssl-dev
DEB_TEST  := libcmocka-dev libclang-rt-14-dev iproute2 wireguard-tools \
	     wireguard-go iputils-ping procps jq kmod dash busybox-static cpio \
	     xz-utils qemu-system-x86 iperf3 prometheus bpftrace \
	     tshark clang-format
DEB_ALL   := $(DEB_BUILD) $(DEB_TEST)

LIBS_PC   := libbpf libmnl json-c libmicrohttpd libcrypto
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror
USER_CFLAGS = $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude \
	      -Iuser \
	      -I$(BUILD) -DWGTRACE_VERSION='"$(VERSION)"' \
	      $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
USER_LIBS  = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lelf -lz

# clang -target bpf does not know the host's system include dirs (asm/types.h).
CLANG_SYS_INC = $(shell $(CLANG) -v -E - </dev/null 2>&1 | sed -n \
	'/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	     -Wno-unused-parameter -Iinclude -Ibpf -I$(BUILD) $(CLANG_SYS_INC)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
# Everything but main() is linkable into the unit tests.
LIB_OBJS  := $(filter-out $(BUILD)/user/cli/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HEADERS   := $(wildcard include/*.h user/*/*.h)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
# libFuzzer needs clang; the harness links every user file but main.c.
FUZZ_CFLAGS = $(filter-out -O2,$(USER_CFLAGS)) -O1 -fsanitize=fuzzer,address

.PHONY: all deps demo bench test test-unit test-netns test-vm unit fuzz format \
	install clean help
.DEFAULT_GOAL := all
# Keep BPF objects: the skeletons embed them, rebuilding them is not free.
.SECONDARY:

all: wgtrace

help:
	@echo 'wgtrace $(VERSION): make targets'
	@echo '  make demo        deps + build, then watch a lab gateway with planted problems (root, ~25 s)'
	@echo '  make deps        install missing Debian packages (apt-get, needs root)'
	@echo '  make             build ./wgtrace (BPF skeletons embedded)'
	@echo '  make test        deps + build + unit, netns and vm tiers (root)'
	@echo '  make test-unit   unit tier only (no root needed)'
	@echo '  make test-netns  namespace tier only (root, host kernel)'
	@echo '  make test-vm     vm tier only (root, qemu; Debian kernels 5.10, 6.1, 6.12 and sid'"'"'s newest)'
	@echo '  make format      apply .clang-format to every C file (make test checks it)'
	@echo '  make fuzz        build the libFuzzer harnesses into build/fuzz/'
	@echo '  make bench       cost of export/watch/trace vs no tracing and bpftrace (root, ~11 min;'
	@echo '                   writes tests/bench/RESULTS.md); QUICK=1: one short round (< 1 min)'
	@echo '  make install     install to $$(DESTDIR)$$(PREFIX) (default /usr/local)'
	@echo '  make clean       remove build output (keeps the .cache/ kernel downloads)'
	@echo 'Variables: V=1 full commands, PREFIX=, DESTDIR=, CLANG=, BPFTOOL='

# Idempotent and quiet when everything is present; only then does it need root.
deps:
	@missing=$$(for p in $(DEB_ALL); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then \
			echo "deps: need root to install packages (try: sudo make deps)" >&2; \
			exit 1; fi; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD) $(BUILD)/user $(BUILD)/tests $(BUILD)/fuzz:
	$(Q)mkdir -p $@

# Generated from the running kernel's BTF; CO-RE relocates it elsewhere.
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/wgtrace.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/user/%.o: user/%.c $(HEADERS) $(SKELS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

wgtrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(USER_LIBS) -lpthread

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $^ $(USER_LIBS) -lpthread -lcmocka

unit: $(UNIT_BINS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(filter-out user/cli/main.c,$(USER_SRCS)) $(HEADERS) $(SKELS) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(filter-out user/cli/main.c,$(USER_SRCS)) $(USER_LIBS)

# The tree's style is .clang-format's; `make test` fails a file that drifts.
FORMAT_SRCS = $(shell git ls-files 'user/*.[ch]' 'bpf/*.[ch]' 'include/*.h' \
	'tests/unit/*.c' 'tests/fuzz/*.c' 'tests/bench/*.c' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

# `make fuzz` builds the harnesses; run one with build/fuzz/fuzz_X -max_total_time=60.
fuzz: $(FUZZ_BINS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tests/demo/demo.sh

# The benchmark: root, namespaces on the host kernel, about 11 minutes.
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tests/bench/bench.sh $(if $(filter 1,$(QUICK)),--quick)

test: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)tests/run.sh

test-unit: unit
	$(Q)tests/run.sh unit

test-netns: all
	$(Q)tests/run.sh netns

test-vm: all
	$(Q)tests/run.sh vm

install: all
	install -D -m 0755 wgtrace $(DESTDIR)$(PREFIX)/sbin/wgtrace
	install -D -m 0644 contrib/wgtrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/wgtrace.8

clean:
	$(call msg,CLEAN,$(BUILD) wgtrace)
	$(Q)rm -rf $(BUILD) wgtrace
