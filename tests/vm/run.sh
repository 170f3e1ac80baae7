#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vm tier: boot Debian kernels with the real WireGuard module under qemu and
# run tests/vm/guest/t_*.sh inside them. The host kernel has no WireGuard,
# no kprobes and no fentry; these guests have all three.
#
#   tests/vm/run.sh [SERIES ...]
#
# SERIES is a Debian kernel line (default: all four, in this order):
#   5.10    Debian 11 (bullseye): kprobes, but no WireGuard module BTF,
#           no drop reasons, clsact only
#   6.1     Debian 12 (bookworm): fentry/fexit, not on 8-argument functions
#   6.12    Debian 12 (bookworm): everything
#   newest  Debian unstable (sid), whatever kernel it has today
# 6.1 and 6.12 are resolved through this machine's apt configuration;
# bullseye and sid through a private one per suite under VM_CACHE, built
# from this machine's mirror (download only: nothing is installed).
#
# Results go to stdout as PASS/FAIL/SKIP vm-<series>/<name> lines, progress
# to stderr. Exits 0 whatever the results (the top runner counts lines);
# 2 on a usage error, 130/143 when interrupted.
#
# Environment:
#   WGTRACE          binary under test (default: <repo>/wgtrace)
#   VM_CACHE         cache folder (default: <repo>/.cache/vm)
#   VM_TESTS         comma-separated guest tests to run, e.g. "smoke,probe"
#   VM_TEST_TIMEOUT  seconds one guest test may run (default 480)
#   VM_TIMEOUT       wall-clock seconds one guest may run (default 2400)
#   VM_JOBS          guests booted at once (default 2; 1 for one at a time)
#   VM_ACCEL         qemu -accel value (default tcg,thread=single)
#   VM_VERBOSE=1     also print the guest tests' diagnostics when they pass
#   WGTRACE_TEST_ABORT  handed to the guest as wgtrace_test_abort=VALUE
#                    (letters, digits, "_", "-" and ",")

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-$repo/.cache/vm}
wgtrace_bin=${WGTRACE:-$repo/wgtrace}
vm_timeout=${VM_TIMEOUT:-2400}
vm_jobs=${VM_JOBS:-2}
test_timeout=${VM_TEST_TIMEOUT:-480}
# Multi-threaded TCG oopsed the 6.12 guest with an int3 in get_random_u64
# while the kernel patched a static key (cross-modifying code between vCPU
# threads); one TCG thread for both vCPUs has not.
vm_accel=${VM_ACCEL:-tcg,thread=single}

# Modules the guest tests load, with their dependency closure computed by
# modprobe from the kernel's own tree. sch_ingress also provides clsact.
modules="wireguard veth sch_ingress cls_bpf"

# Host tools copied into the guest, with the guest path they go to. dash is
# /bin/sh (see init.sh); kmod serves modprobe, insmod, lsmod, ...
tools="dash:/bin/sh ip:/usr/sbin/ip tc:/usr/sbin/tc wg:/usr/bin/wg
	bpftool:/usr/sbin/bpftool jq:/usr/bin/jq kmod:/usr/bin/kmod"
kmod_links="modprobe insmod rmmod lsmod depmod modinfo"

usage() {
	echo "usage: tests/vm/run.sh [5.10] [6.1] [6.12] [newest]" >&2
	exit 2
}

log() { printf 'vm: %s\n' "$*" >&2; }

series_list=()
for a in "$@"; do
	case $a in
	5.10 | 6.1 | 6.12 | newest) series_list+=("$a") ;;
	-h | --help)
		# The header comment above is the help text.
		awk 'NR > 3 && !/^#/ { exit } NR > 3 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*) usage ;;
	esac
done
[ ${#series_list[@]} -eq 0 ] && series_list=(5.10 6.1 6.12 newest)

for v in vm_timeout test_timeout vm_jobs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "vm: $v must be a positive number" >&2; exit 2; }
done
# It travels on the kernel command line: one word, no quoting.
[[ ${VM_TESTS:-} =~ ^[A-Za-z0-9_,-]*$ ]] || { echo "vm: VM_TESTS: names separated by commas" >&2; exit 2; }
[[ ${WGTRACE_TEST_ABORT:-} =~ ^[A-Za-z0-9_,-]*$ ]] ||
	{ echo "vm: WGTRACE_TEST_ABORT: letters, digits, _ , - only" >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
	# Building the initramfs needs mknod and root-owned files.
	for s in "${series_list[@]}"; do echo "SKIP vm-$s/all: needs root"; done
	exit 0
fi
for t in qemu-system-x86_64 busybox cpio gzip dpkg apt-get depmod modprobe \
	dash ip tc wg bpftool jq kmod; do
	if ! command -v "$t" >/dev/null; then
		for s in "${series_list[@]}"; do
			echo "FAIL vm-$s/host-tools: $t not found (try: make deps)"
		done
		exit 0
	fi
done

qemu_pid_file=
timeout_pid=
cleanup() {
	local p
	if [ -n "$qemu_pid_file" ] && [ -s "$qemu_pid_file" ]; then
		p=$(cat "$qemu_pid_file")
		kill "$p" 2>/dev/null
	fi
	[ -n "$timeout_pid" ] && kill "$timeout_pid" 2>/dev/null
	timeout_pid=
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# The Debian suite of a series that this machine's apt does not carry (it
# is bookworm: 6.1 and 6.12). Each such suite gets its own private apt
# configuration: bullseye's and sid's linux-image-amd64 must not mix.
suite_for() {
	case $1 in
	5.10) echo bullseye ;;
	newest) echo sid ;;
	esac
}

# Debian meta package that points at the current kernel of a series (in the
# series' own suite).
meta_for() {
	case $1 in
	6.12) echo linux-image-6.12-amd64 ;;
	*) echo linux-image-amd64 ;;
	esac
}

# The mirror this machine's apt uses: the private configurations reach the
# same registry without a host name written into the tree.
host_mirror() {
	local u
	u=$(awk '/^URIs:/ && !/security/ { print $2; exit }' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null)
	[ -n "$u" ] || u=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" && !/security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; exit }
		}')
	echo "$u"
}

# The apt options of a series, one per line: none for this machine's own
# configuration, else a private sources list, index and download cache.
apt_conf() { # series
	local suite d
	suite=$(suite_for "$1")
	[ -n "$suite" ] || return 0
	d=$cache/apt-$suite
	printf '%s\n' -o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=- \
		-o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache"
}

apt_run() { # series apt-get|apt-cache args...
	local -a A
	mapfile -t A < <(apt_conf "$1")
	"$2" "${A[@]}" "${@:3}"
}

# Write the private configuration of a series' suite (the mirror may have
# changed since the last run). Nothing to do for this machine's own.
apt_private_setup() { # series
	local suite d u
	suite=$(suite_for "$1")
	[ -n "$suite" ] || return 0
	d=$cache/apt-$suite
	u=$(host_mirror)
	if [ -z "$u" ]; then
		log "$1: no Debian mirror in this machine's apt configuration"
		return 1
	fi
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	echo "deb $u $suite main" >"$d/sources.list"
}

apt_update() { # series
	local suite
	suite=$(suite_for "$1")
	if [ -z "$suite" ]; then
		apt-get update -qq >/dev/null 2>&1
		return
	fi
	# The stamp, not the lists' mtimes: apt dates those by the server.
	# Without --error-on=any a failed fetch is only a warning, and an
	# offline run would pass for a fresh index.
	apt_run "$1" apt-get -qq --error-on=any update >/dev/null 2>&1 &&
		touch "$cache/apt-$suite/updated"
}

# A private index older than a day is refreshed first: "newest" should
# follow sid. It is ours and small; this machine's own index is left alone.
apt_stale() { # series
	local suite
	suite=$(suite_for "$1")
	[ -n "$suite" ] || return 1
	[ -z "$(find "$cache/apt-$suite/updated" -mmin -1440 2>/dev/null)" ]
}

apt_index_name() { # series
	local suite
	suite=$(suite_for "$1")
	if [ -n "$suite" ]; then echo "the private $suite index"; else echo "this machine's index"; fi
}

resolve_pkg() { # series -> linux-image-<version> package name
	local meta pkg re
	meta=$(meta_for "$1")
	case $1 in
	newest) re='^linux-image-[0-9]' ;;
	*) re="^linux-image-${1//./\\.}\\." ;;
	esac
	pkg=$(apt_run "$1" apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	# bookworm's linux-image-amd64 is 6.1, bullseye's 5.10: refuse a
	# silent switch of series.
	[[ $pkg =~ $re ]] && echo "$pkg"
}

# The kernel of this series last made ready, if any.
cached_kernel() { # series-dir
	local k
	k=$(ls -d "$1"/kernel-*/.ready 2>/dev/null | tail -n 1)
	[ -n "$k" ] && echo "${k%/.ready}"
}

# Where the kernel image is: boot/vmlinuz-VER in a classic image package,
# usr/lib/modules/VER/vmlinuz in a split one (linux-binary-VER).
vmlinuz_of() { # kernel-dir version
	local f
	for f in "$1/boot/vmlinuz-$2" "$1/usr/lib/modules/$2/vmlinuz"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# Download the .debs of linux-image-VER into dir: the image itself and,
# where newer Debian splits the image (it is then only a meta package), the
# linux-binary-VER (vmlinuz) and linux-modules-VER it depends on.
download_kernel() { # series package dir
	local parts err
	parts=$(apt_run "$1" apt-cache depends "$2" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-(binary|modules)-[0-9]/ { print $2 }')
	# shellcheck disable=SC2086 # $parts is a list of package names
	if ! err=$(cd "$3" && apt_run "$1" apt-get -q download "$2" $parts 2>&1); then
		echo "apt-get download $2${parts:+ (and ${parts//$'\n'/, })} failed: $(echo "$err" | tail -n 1)"
		return 1
	fi
	ls "$3"/*.deb >/dev/null 2>&1 || { echo "apt-get download $2 produced no .deb"; return 1; }
}

# Make <series dir>/kernel-<version> ready (extracted, depmod run); print its
# path. On failure print the reason on stdout and return 1.
fetch_kernel() {
	local series=$1 sdir=$2 pkg kver kdir tmp deb err old
	apt_private_setup "$series"
	pkg=$(resolve_pkg "$series")
	if [ -z "$pkg" ] || apt_stale "$series"; then
		log "$series: apt-get update ($(apt_index_name "$series"))"
		apt_update "$series"
		pkg=$(resolve_pkg "$series")
	fi
	if [ -z "$pkg" ]; then
		# Offline: fall back to whatever this series last used.
		if kdir=$(cached_kernel "$sdir"); then
			log "$series: cannot resolve the package; using cached $kdir"
			echo "$kdir"
			return 0
		fi
		echo "cannot resolve $(meta_for "$series") in $(apt_index_name "$series") (even after apt-get update)"
		return 1
	fi
	kdir=$sdir/kernel-${pkg#linux-image-}
	if [ -e "$kdir/.ready" ]; then
		echo "$kdir"
		return 0
	fi

	log "$series: downloading $pkg…"
	tmp=$sdir/download
	rm -rf "$tmp" && mkdir -p "$tmp"
	if ! err=$(download_kernel "$series" "$pkg" "$tmp"); then
		# The index may name a version the mirror has replaced: refresh
		# and resolve again (a new ABI is a new package name).
		log "$series: download failed; apt-get update and retry"
		apt_update "$series"
		pkg=$(resolve_pkg "$series")
		rm -rf "$tmp" && mkdir -p "$tmp"
		if [ -z "$pkg" ] || ! err=$(download_kernel "$series" "$pkg" "$tmp"); then
			if kdir=$(cached_kernel "$sdir"); then
				log "$series: ${err:-cannot resolve the package}; using cached $kdir"
				echo "$kdir"
				return 0
			fi
			echo "${err:-cannot resolve $(meta_for "$series") after apt-get update}"
			return 1
		fi
	fi
	kver=${pkg#linux-image-}
	kdir=$sdir/kernel-$kver
	rm -rf "$kdir"

	for deb in "$tmp"/*.deb; do
		log "$series: extracting $(basename "$deb")…"
		if ! err=$(dpkg -x "$deb" "$kdir" 2>&1); then
			echo "dpkg -x $(basename "$deb") failed: $err"
			return 1
		fi
	done
	if ! vmlinuz_of "$kdir" "$kver" >/dev/null; then
		echo "$pkg has neither boot/vmlinuz-$kver nor usr/lib/modules/$kver/vmlinuz"
		return 1
	fi
	# Merged-/usr packages put the modules under usr/lib/modules; depmod -b
	# and modprobe -d look only under lib/modules.
	if [ ! -e "$kdir/lib/modules/$kver" ] && [ -d "$kdir/usr/lib/modules/$kver" ]; then
		mkdir -p "$kdir/lib/modules"
		ln -s "../../usr/lib/modules/$kver" "$kdir/lib/modules/$kver"
	fi
	# The .deb ships no modules.dep; modprobe needs one to find the closure.
	if ! err=$(depmod -b "$kdir" "$kver" 2>&1); then
		echo "depmod on the extracted $kver failed: $err"
		return 1
	fi
	# Older kernels of this series are dead weight now.
	for old in "$sdir"/kernel-*; do
		[ "$old" = "$kdir" ] || rm -rf "$old"
	done
	rm -rf "$tmp"
	touch "$kdir/.ready"
	echo "$kdir"
}

# Copy a host file to the same path under root, following symlinks.
copy_file() { # root src [dst]
	local dst=$1${3:-$2}
	mkdir -p "$(dirname "$dst")"
	cp -L "$2" "$dst"
}

# Copy the shared libraries and the loader an ELF binary needs.
copy_libs() { # root binary
	local lib
	# "not a dynamic executable" (a static binary) lists nothing: fine.
	for lib in $(ldd "$2" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		[ -e "$1$lib" ] || copy_file "$1" "$lib"
	done
}

# Build <series dir>/initrd.cpio.gz for the kernel in kdir; print failures.
build_initramfs() {
	local sdir=$1 kdir=$2 kver root pair tool dst path app m err
	kver=${kdir##*/kernel-}
	root=$sdir/initrd
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,tests}
	mkdir -p "$root/var" && ln -s ../run "$root/var/run"
	# Early console for the kernel's first messages to init (before devtmpfs).
	mknod -m 600 "$root/dev/console" c 5 1

	cp /bin/busybox "$root/bin/busybox"
	# Applet links, except where the guest needs the real tool.
	for app in $(busybox --list); do
		case " sh ip tc $kmod_links " in *" $app "*) continue ;; esac
		[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
	done

	for pair in $tools; do
		tool=${pair%%:*} dst=${pair#*:}
		path=$(command -v "$tool") || { echo "$tool not found on the host"; return 1; }
		copy_file "$root" "$path" "$dst"
		copy_libs "$root" "$path"
	done
	ln -s sh "$root/bin/dash"
	for app in $kmod_links; do ln -s /usr/bin/kmod "$root/sbin/$app"; done
	# iproute2 reads its name tables from here (rt_tables, rt_protos, ...).
	for d in /etc/iproute2 /usr/share/iproute2; do
		[ -d "$d" ] && mkdir -p "$root$d" && cp -r "$d/." "$root$d/"
	done

	if [ -x "$wgtrace_bin" ]; then
		copy_file "$root" "$wgtrace_bin" /usr/bin/wgtrace
		copy_libs "$root" "$wgtrace_bin"
	else
		log "no wgtrace binary at $wgtrace_bin: tests that need it will fail"
	fi

	# Only the modules the tests need: the dependency closure of $modules as
	# the kernel's own modules.dep says (plain .ko on 5.10 and 6.1, .ko.xz
	# on 6.12 and newer).
	# shellcheck disable=SC2086 # $modules is a list
	if ! err=$(modprobe -d "$kdir" -S "$kver" -a --show-depends $modules 2>&1); then
		echo "modprobe --show-depends failed: $err"
		return 1
	fi
	for m in $(echo "$err" | awk '$1 == "insmod" { print $2 }'); do
		m=${m#"$kdir"}
		copy_file "$root" "$kdir$m" "$m"
	done
	for m in modules.order modules.builtin modules.builtin.modinfo; do
		[ -e "$kdir/lib/modules/$kver/$m" ] &&
			cp "$kdir/lib/modules/$kver/$m" "$root/lib/modules/$kver/"
	done
	if ! err=$(depmod -b "$root" "$kver" 2>&1); then
		echo "depmod for the initramfs failed: $err"
		return 1
	fi

	cp "$here/init.sh" "$root/init"
	chmod 755 "$root/init"
	cp -r "$here/guest/." "$root/tests/"
	mkdir -p "$root/tests/lib"
	cp "$here/../lib/common.sh" "$here/../lib/oracle_awk.sh" "$root/tests/lib/"

	(cd "$root" && find . -print0 | cpio --null -o -H newc --owner=0:0 --quiet) |
		gzip -6 >"$sdir/initrd.cpio.gz" || { echo "cpio/gzip failed"; return 1; }
}

# Turn the guest's results channel into host result lines. Diagnostics of a
# guest test are shown (indented) when it failed, or always with VM_VERBOSE;
# those that follow a FAIL line come right under it, where a cut log keeps
# them next to their failure. /init checks each test's plan (its PLAN line)
# against what it printed; a guest that stopped in the middle of a test never
# got to, so that test fails here, by name.
report_results() { # series results-file
	tr -d '\r' <"$2" | awk -v s="vm-$1" -v verbose="${VM_VERBOSE:-0}" '
		function flush() {
			if (nd > 0 && (failed || verbose == 1))
				for (i = 1; i <= nd; i++) print "    " diag[i]
			nd = 0; failed = 0; after_fail = 0
		}
		/^WGTRACE-VM-END/ { ended = 1; next }
		/^WGTRACE-VM-START/ { next }
		/^== / { flush(); cur = $2; next }
		/^PLAN / { next }
		/^(PASS|FAIL|SKIP) / {
			after_fail = $1 == "FAIL"
			if (after_fail) failed = 1
			print $1 " " s "/" substr($0, 6)
			next
		}
		after_fail { print "    " $0; next }
		{ diag[++nd] = $0 }
		END {
			if (!ended && cur ~ /^t_/) {
				print "FAIL " s "/" cur ": the guest stopped while this test ran"
				failed = 1
			}
			flush()
		}'
}

run_series() {
	local series=$1 sdir=$cache/$1 kdir kver vmlinuz append why rc t0 t1 t2 t3 console results size lockfd runfd
	mkdir -p "$sdir"
	# The series folder holds the initramfs and the guest's serial logs: a
	# second run of the same line against the same cache (two checkouts
	# sharing VM_CACHE) would interleave its results with this one's and
	# drop checks silently. It waits instead; the lock goes with the subshell.
	exec {runfd}>"$sdir/.run.lock"
	if ! flock -n "$runfd"; then
		log "$series: another run is using $sdir; waiting for it…"
		flock "$runfd"
	fi
	console=$sdir/console.log
	results=$sdir/results.log
	t0=$SECONDS

	log "$series: resolving the kernel…"
	# One download or apt update at a time (guests run in parallel).
	exec {lockfd}>"$cache/.fetch.lock"
	flock "$lockfd"
	kdir=$(fetch_kernel "$series" "$sdir")
	rc=$?
	flock -u "$lockfd"
	exec {lockfd}>&-
	if [ "$rc" -ne 0 ]; then
		echo "FAIL vm-$series/kernel-download: $kdir"
		return
	fi
	kver=${kdir##*/kernel-}
	vmlinuz=$(vmlinuz_of "$kdir" "$kver")
	t1=$SECONDS

	log "$series: building the initramfs for $kver…"
	if ! why=$(build_initramfs "$sdir" "$kdir"); then
		echo "FAIL vm-$series/initramfs: $why"
		return
	fi
	size=$(du -k "$sdir/initrd.cpio.gz" | cut -f1)
	t2=$SECONDS

	log "$series: booting $kver (initramfs ${size} KiB)…"
	: >"$console"
	: >"$results"
	append="console=ttyS0 quiet panic=-1 vm_test_timeout=$test_timeout vm_tests=${VM_TESTS:-}"
	# Only carried: the guest's /init and test library decide what it means.
	[ -n "${WGTRACE_TEST_ABORT+set}" ] && append+=" wgtrace_test_abort=$WGTRACE_TEST_ABORT"
	qemu_pid_file=$sdir/qemu.pid
	rm -f "$qemu_pid_file"
	# Serial ports to files, no monitor, stdin closed: Ctrl-C reaches this
	# script (and its trap), not the guest.
	timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
		-accel "$vm_accel" -smp 2 -m 2G \
		-display none -monitor none -no-reboot \
		-pidfile "$qemu_pid_file" \
		-kernel "$vmlinuz" -initrd "$sdir/initrd.cpio.gz" -append "$append" \
		-device virtio-rng-pci \
		-serial "file:$console" -serial "file:$results" \
		</dev/null >"$sdir/qemu.err" 2>&1 &
	timeout_pid=$!
	wait "$timeout_pid"
	rc=$?
	timeout_pid=
	qemu_pid_file=
	t3=$SECONDS

	report_results "$series" "$results"
	if grep -q '^WGTRACE-VM-END' "$results"; then
		echo "PASS vm-$series/boot"
	else
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			why="no end marker after $vm_timeout s (timed out)"
		elif ! grep -q '^WGTRACE-VM-START' "$results"; then
			why="guest never reached /init's tests (qemu status $rc)"
		else
			why="guest stopped before the end marker (qemu status $rc)"
		fi
		echo "FAIL vm-$series/boot: $why; console log: $console"
		[ -s "$sdir/qemu.err" ] && sed 's/^/    qemu: /' "$sdir/qemu.err" | tail -n 5
		tr -d '\r' <"$console" | tail -n 30 | sed 's/^/    /'
	fi
	if grep -q '^FAIL' "$results" 2>/dev/null; then
		echo "    vm-$series: console log: $console"
	fi
	log "$series: kernel $((t1 - t0)) s, initramfs $((t2 - t1)) s, boot+tests $((t3 - t2)) s, total $((t3 - t0)) s"
}

# Guests run VM_JOBS at a time: TCG gives each one host thread, so two
# guests on a 2-core machine take about the time of one. Kernel downloads
# and apt index updates are serialised (a lock), result lines are printed
# per series in order once all are done; progress goes to stderr live.
mkdir -p "$cache"
jobs_pids=()
stop_jobs() {
	local p
	for p in "${jobs_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait
}
trap 'stop_jobs; exit 130' INT
trap 'stop_jobs; exit 143' TERM
for s in "${series_list[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$vm_jobs" ]; do
		wait -n
	done
	(
		trap cleanup EXIT
		trap 'cleanup; exit 130' INT
		trap 'cleanup; exit 143' TERM
		run_series "$s"
	) >"$cache/$s.report.$$" &
	jobs_pids+=($!)
done
wait
for s in "${series_list[@]}"; do
	# Per run (PID): a concurrent run's report never mixes into this one.
	cat "$cache/$s.report.$$" 2>/dev/null ||
		echo "FAIL vm-$s/runner: the series printed no report"
	mv -f "$cache/$s.report.$$" "$cache/$s.report" 2>/dev/null
done
exit 0
