#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the test tiers (default: unit fuzz netns vm) and ends with one line
# "N passed, N failed, N skipped". Tests print PASS/FAIL/SKIP lines
# (tests/README.md); this script only runs them and counts those lines.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
tiers=${*:-unit fuzz netns vm}
log=$(mktemp /tmp/wgtrace-test.XXXXXX)
trap 'rm -f "$log"' EXIT

say() { echo "$*" | tee -a "$log"; }

# cmocka's TAP output: "ok 1 - name" / "not ok 2 - name".
run_unit() {
	local bin name out rc
	for bin in build/tests/test_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$bin" 2>&1)
		rc=$?
		echo "$out" | sed -n -e "s/^ok [0-9]* - \(.*\)/PASS unit\/$name\/\1/p" \
			-e "s/^not ok [0-9]* - \(.*\)/FAIL unit\/$name\/\1: see output above/p" |
			tee -a "$log"
		if [ $rc -ne 0 ]; then
			echo "$out" | grep -v '^ok ' | sed 's/^/    /'
			grep -q "^FAIL unit/$name/" "$log" ||
				say "FAIL unit/$name: exited with status $rc"
		fi
	done
}

# A short bounded run of each fuzzer keeps the harnesses from rotting.
run_fuzz() {
	local bin name secs=${FUZZ_SECONDS:-15}
	if ! make -s fuzz >/dev/null 2>&1; then
		say "FAIL fuzz/build: make fuzz failed (run it to see why)"
		return
	fi
	for bin in build/fuzz/fuzz_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		corpus=tests/fuzz/corpus/${name#fuzz_}
		mkdir -p "build/fuzz/corpus-$name"
		if "$bin" -max_total_time="$secs" -timeout=10 \
			"build/fuzz/corpus-$name" $( [ -d "$corpus" ] && echo "$corpus") \
			>"build/fuzz/$name.log" 2>&1; then
			say "PASS fuzz/$name"
		else
			say "FAIL fuzz/$name: crash or leak, see build/fuzz/$name.log"
		fi
	done
}

run_scripts() {	# tier, glob
	local tier=$1 t rc name
	shift
	for t in "$@"; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		echo "== $tier/$name" >&2
		timeout --kill-after=10 600 bash "$t" >"$log.one" 2>&1
		rc=$?
		cat "$log.one"
		grep -E '^(PASS|FAIL|SKIP) ' "$log.one" >>"$log"
		if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log.one"; then
			say "FAIL $tier/$name: script exited with status $rc"
		elif ! grep -qE '^(PASS|FAIL|SKIP) ' "$log.one"; then
			say "FAIL $tier/$name: printed no result"
		fi
		rm -f "$log.one"
	done
}

need_root() {	# tier
	if [ "$(id -u)" != 0 ]; then
		say "SKIP $1: needs root (namespaces, BPF)"
		return 1
	fi
	# A fresh machine may lack these mounts; the tool and tests use both.
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
	return 0
}

for tier in $tiers; do
	case $tier in
	unit) run_unit ;;
	fuzz) run_fuzz ;;
	netns) need_root netns && run_scripts netns tests/netns/t_*.sh ;;
	vm)
		if need_root vm; then
			tests/vm/run.sh 2> >(sed 's/^/  /' >&2) | tee -a "$log"
		fi
		;;
	*) echo "run.sh: unknown tier '$tier' (unit, fuzz, netns, vm)" >&2; exit 2 ;;
	esac
done

passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
if [ "$failed" -gt 0 ]; then
	echo
	echo "Failed:"
	grep '^FAIL ' "$log" | sed 's/^/  /'
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
