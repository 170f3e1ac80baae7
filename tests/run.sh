#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the test tiers (default: unit fuzz netns vm) and ends with the line
# "N passed, N failed, N skipped", the checks of wgtrace; the line before it,
# "setup: N passed, N failed", counts the checks of the lab (their failures
# are in the last line's failed count too). Tests print PASS/FAIL/SKIP lines
# and declare how many (tests/README.md); this script runs them, counts those
# lines and fails a script, by name, that printed another number than it
# declared, printed nothing or exited non-zero.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
tiers=${*:-unit fuzz netns vm}
log=$(mktemp /tmp/wgtrace-test.XXXXXX)
trap 'rm -f "$log" "$log".*' EXIT
not_run=

say() { echo "$*" | tee -a "$log"; }

# cmocka's TAP output: "1..N" (one plan per group), "ok 1 - name",
# "not ok 2 - name", and a skipped test as "not ok 3 # SKIP name" (or
# "ok 3 # SKIP name"): a SKIP, not a failure and not nothing.
TAP_AWK='
	/^1\.\.[0-9]+$/ { plan += substr($0, 4); plans++; next }
	/^(not )?ok [0-9]+ # SKIP/ {
		sub(/^(not )?ok [0-9]+ # SKIP ?/, "")
		print "SKIP unit/" bin "/" $0 ": skipped by the test"; n++; next
	}
	/^ok [0-9]+ - / { sub(/^ok [0-9]+ - /, ""); print "PASS unit/" bin "/" $0; n++; next }
	/^not ok [0-9]+ - / {
		sub(/^not ok [0-9]+ - /, "")
		print "FAIL unit/" bin "/" $0 ": see output above"; n++; next
	}
	END {
		if (!plans) print "FAIL unit/" bin ": printed no TAP plan (1..N)"
		else if (n != plan) print "FAIL unit/" bin ": " n + 0 " results, its TAP plan says " plan
	}'

run_unit() {
	local bin name out rc
	for bin in build/tests/test_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 "$bin" 2>&1)
		rc=$?
		awk -v bin="$name" "$TAP_AWK" <<<"$out" | tee -a "$log"
		if [ $rc -ne 0 ]; then
			echo "$out" | grep -v '^ok ' | sed 's/^/    /'
			grep -q "^FAIL unit/$name/" "$log" ||
				say "FAIL unit/$name: exited with status $rc"
		fi
	done
}

# The style is the formatter's (.clang-format, `make format`): a file that
# drifted fails here, named, instead of piling up a whole-tree reformat later.
run_format() {
	local files drift
	if ! command -v clang-format >/dev/null; then
		say "FAIL unit/format: clang-format missing (make deps installs it)"
		return
	fi
	files=$(git ls-files 'user/*.[ch]' 'bpf/*.[ch]' 'include/*.h' \
		'tests/unit/*.c' 'tests/fuzz/*.c' 'tests/bench/*.c' 2>/dev/null)
	[ -n "$files" ] || files=$(find user bpf include tests/unit tests/fuzz \
		tests/bench -name '*.[ch]')
	# shellcheck disable=SC2086 # one word per file
	drift=$(for f in $files; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
	done)
	if [ -z "$drift" ]; then
		say "PASS unit/format: $(echo "$files" | wc -w) C files as clang-format prints them"
	else
		say "FAIL unit/format: not formatted (run make format):" $drift
	fi
}

# README's Code map orders the folders under user/; a file includes only its
# own folder and those before it. The one exception is named there too.
layer_rank() {
	case $1 in
	base/*) echo 0 ;;
	model/addr.*) echo 1 ;;
	config/*) echo 2 ;;
	attach/*) echo 3 ;;
	model/*) echo 4 ;;
	files/*) echo 5 ;;
	cli/*) echo 6 ;;
	*) echo 9 ;;
	esac
}

run_layers() {
	local f rel rank inc bad= n=0
	for f in user/*/*.[ch]; do
		rel=${f#user/}
		rank=$(layer_rank "$rel")
		[ "$rank" != 9 ] || bad="$bad $rel(no layer)"
		for inc in $(sed -n 's/^#include "\([a-z]*\/[a-z_0-9]*\.h\)".*/\1/p' "$f"); do
			n=$((n + 1))
			[ "$rel:$inc" != model/live.c:files/record.h ] || continue
			[ "$(layer_rank "$inc")" -le "$rank" ] || bad="$bad $rel->$inc"
		done
	done
	if [ $n -eq 0 ]; then
		say "FAIL unit/layers: no include found under user/"
	elif [ -z "$bad" ]; then
		say "PASS unit/layers: $n includes follow README's Code map order"
	else
		say "FAIL unit/layers: against README's Code map order:$bad"
	fi
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

# A script's own record, from its output: one "PLAN <tier>/<script> N" line
# before its first result, then exactly N result lines. Prints why not.
PLAN_AWK='
	/^PLAN / {
		plans++
		if (!seen && $2 == tier "/" name && $3 ~ /^[0-9]+$/) want = $3 + 0
		if (results && !seen) early = 1
		seen = 1; next
	}
	/^(PASS|FAIL|SKIP) / { results++ }
	END {
		if (NR == 0) print "printed nothing"
		else if (!plans) print "printed no plan (" results + 0 " results)"
		else if (plans > 1) print "printed " plans " plan lines"
		else if (want == "") print "printed a plan line that is not PLAN " tier "/" name " N"
		else if (early) print "printed its plan after a result"
		else if (results != want) print "printed " results + 0 " results, its plan says " want
	}'

run_scripts() {	# tier, scripts...
	local tier=$1 t rc name why n=0
	shift
	for t in "$@"; do
		[ -f "$t" ] || continue
		n=$((n + 1))
		name=$(basename "$t" .sh)
		echo "== $tier/$name" >&2
		timeout --kill-after=10 600 bash "$t" >"$log.one" 2>&1
		rc=$?
		cat "$log.one"
		grep -E '^(PASS|FAIL|SKIP) ' "$log.one" >>"$log"
		# Each on its own: a script that printed a FAIL may still have
		# stopped early or exited non-zero, and the run must say so.
		[ $rc -eq 0 ] || say "FAIL $tier/$name: script exited with status $rc"
		why=$(awk -v tier="$tier" -v name="$name" "$PLAN_AWK" "$log.one")
		[ -z "$why" ] || say "FAIL $tier/$name: $why"
		rm -f "$log.one"
	done
	# Requested and root is here: a tier that ran no script is no green tier.
	[ $n -gt 0 ] || say "FAIL $tier: no test script found"
}

need_root() {	# tier
	if [ "$(id -u)" != 0 ]; then
		say "SKIP $1: needs root (namespaces, BPF)"
		not_run="$not_run $1"
		return 1
	fi
	# A fresh machine may lack these mounts; the tool and tests use both.
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
	return 0
}

# tests/vm/run.sh names its own lab checks (kernel download, initramfs,
# host tools, boot) without the setup/ mark the tests use: they are setup.
VM_SETUP_SED='s#^(PASS|FAIL|SKIP) (vm-[^/ ]+)/(boot|kernel-download|initramfs|host-tools)(:|$)#\1 \2/setup/\3\4#'

run_vm() {
	local rc
	# Streamed: a guest runs for minutes.
	tests/vm/run.sh 2> >(sed 's/^/  /' >&2) | sed -u -E "$VM_SETUP_SED" | tee "$log.vm"
	rc=${PIPESTATUS[0]}
	grep -E '^(PASS|FAIL|SKIP) ' "$log.vm" >>"$log"
	[ "$rc" -eq 0 ] || say "FAIL vm: tests/vm/run.sh exited with status $rc"
	grep -qE '^(PASS|FAIL|SKIP) ' "$log.vm" || say "FAIL vm: tests/vm/run.sh printed no result"
	rm -f "$log.vm"
}

for tier in $tiers; do
	case $tier in
	unit) run_unit; run_format; run_layers ;;
	fuzz) run_fuzz ;;
	netns) need_root netns && run_scripts netns tests/netns/t_*.sh ;;
	vm) need_root vm && run_vm ;;
	*) echo "run.sh: unknown tier '$tier' (unit, fuzz, netns, vm)" >&2; exit 2 ;;
	esac
done

# Setup checks (the lab built, the guest booted, the benchmark produced its
# figures) carry a setup/ component in their name: counted apart, so the
# passed count is what wgtrace passed; a failed one still fails the run.
passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
setup_passed=$(grep -cE '^PASS [^ /]+/setup/' "$log")
setup_failed=$(grep -cE '^FAIL [^ /]+/setup/' "$log")
passed=$((passed - setup_passed))
if [ "$failed" -gt 0 ]; then
	echo
	echo "Failed:"
	grep '^FAIL ' "$log" | sed 's/^/  /'
fi
if [ -n "$not_run" ]; then
	echo
	echo "NOT RUN:$not_run (need root): this run is incomplete and does not pass"
fi
echo "setup: $setup_passed passed, $setup_failed failed"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ -z "$not_run" ]
