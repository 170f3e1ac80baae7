#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the vm tier's initramfs (run by the guest kernel as PID 1, with
# Debian's dash as /bin/sh: busybox sh would run its own `ip` and `modprobe`
# applets instead of the real tools).
#
# Two serial ports: ttyS0 is the kernel console (everything, for the log),
# ttyS1 carries only what the tests print plus the markers, so that a kernel
# message can never split a result line the host parses.
#
# The host passes settings on the kernel command line; the kernel hands
# unknown name=value words to init as environment variables:
#   vm_test_timeout  seconds one t_*.sh may run (default 240)
#   vm_tests         comma-separated test names to run (default: all)
#   wgtrace_test_abort  exported as WGTRACE_TEST_ABORT for the tests: the
#                    scripts named there stop after their first result
#                    (tests/README.md), to prove the count check below
#
# Each test declares how many result lines it prints (a "PLAN t_x N" line);
# /init fails the test, by its short name, when it printed no plan, another
# number of results, or exited non-zero: a script that stops early without
# failing must not leave the run green.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TMPDIR=/tmp
# The tests read the switch under the name they read on the host.
if [ -n "${wgtrace_test_abort:-}" ]; then
	export WGTRACE_TEST_ABORT="$wgtrace_test_abort"
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/netns
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
# Some tools still look for tracing under debugfs.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

res=/dev/ttyS1
timeout_s=${vm_test_timeout:-240}

# Print a line on the console and on the results channel.
say() {
	echo "$*"
	echo "$*" >>"$res"
}

ip link set lo up
say "WGTRACE-VM-START $(uname -r)"

# WireGuard drops handshakes until the kernel RNG is initialised. A read of
# /dev/random blocks exactly until then; bound it so a missing entropy source
# fails loudly instead of hanging the run.
t0=$(cut -d. -f1 /proc/uptime)
if timeout 90 head -c 1 /dev/random >/dev/null; then
	echo "vm-init: RNG ready at $(cut -d' ' -f1 /proc/uptime) s uptime"
	say "PASS setup/boot-rng"
else
	say "FAIL setup/boot-rng: /dev/random not ready after 90 s (since ${t0} s uptime)"
fi

if err=$(modprobe wireguard 2>&1); then
	say "PASS setup/boot-modprobe-wireguard"
else
	say "FAIL setup/boot-modprobe-wireguard: $err"
fi

selected() {
	[ -z "${vm_tests:-}" ] && return 0
	case ",$vm_tests," in
	*",$1,"* | *",${1#t_},"*) return 0 ;;
	esac
	return 1
}

# check_plan NAME OUTPUT: the test printed one plan line, before its first
# result, and exactly that many result lines.
check_plan() {
	_why=$(awk -v name="$1" '
		/^PLAN / { plans++; if ($2 == name && $3 ~ /^[0-9]+$/ && !seen) want = $3 + 0
			if (results && !seen) early = 1
			seen = 1; next }
		/^(PASS|FAIL|SKIP) / { results++ }
		END {
			if (NR == 0) print "printed nothing"
			else if (!plans) print "printed no plan (" results + 0 " results)"
			else if (plans > 1) print "printed " plans " plan lines"
			else if (want == "") print "printed a plan line that is not PLAN " name " N"
			else if (early) print "printed its plan after a result"
			else if (results != want)
				print "printed " results + 0 " results, its plan says " want
		}' "$2")
	[ -z "$_why" ] || say "FAIL $1: $_why"
}

for t in /tests/t_*.sh; do
	[ -e "$t" ] || continue
	name=${t##*/}
	name=${name%.sh}
	selected "$name" || continue

	say "== $name"
	start=$(cut -d. -f1 /proc/uptime)
	rm -f /tmp/.rc /tmp/.out
	# tee streams the output live to both ports and keeps a copy for the
	# count below; the status goes via a file because a pipeline only
	# reports tee's.
	(
		# /bin/sh by path: busybox timeout would run its own sh applet
		# (which runs busybox ip, modprobe, ...) for a bare "sh".
		cd /tests && timeout "$timeout_s" /bin/sh "$t" </dev/null 2>&1
		echo $? >/tmp/.rc
	) | tee -a "$res" /tmp/.out
	rc=$(cat /tmp/.rc 2>/dev/null || echo unknown)
	end=$(cut -d. -f1 /proc/uptime)
	echo "vm-init: $name took $((end - start)) s (status $rc)"

	# busybox timeout sends TERM: 143 (or 124 if the script traps TERM).
	case $rc in
	0) ;;
	124 | 143) say "FAIL $name: timed out after $timeout_s s" ;;
	*) say "FAIL $name: script exited with status $rc" ;;
	esac
	check_plan "$name" /tmp/.out

	# A killed test leaves children, namespaces and pins behind: start the
	# next test from a clean slate. kill -1 spares PID 1, which is us.
	kill -KILL -1 2>/dev/null
	ip -all netns delete 2>/dev/null
	rm -rf /sys/fs/bpf/* 2>/dev/null
done

# A test can pass while the kernel complained (a WARN from a BPF program,
# an oops in a helper process). The console shows only errors ("quiet"), so
# read the whole ring buffer.
say "== kernel-log"
pat='cut here|Call Trace|BUG:|Oops|general protection|Kernel panic'
if dmesg | grep -qE "$pat"; then
	say "FAIL kernel-log: the kernel logged a warning, BUG or oops"
	dmesg | grep -E -A 12 "$pat" | head -n 40 | while IFS= read -r l; do
		say "    $l"
	done
else
	say "PASS kernel-log"
fi

say "WGTRACE-VM-END"
poweroff -f
# Should poweroff return, let the kernel panic (exit of PID 1), and
# panic=-1 with qemu's -no-reboot ends the VM.
exit 1
