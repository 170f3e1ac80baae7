#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What wgtrace costs a forwarding gateway (issue #7). Namespace tier, host
# kernel, bounded (a full run takes about 11 minutes with the scale
# section, QUICK=1 about 2).
#
#   client ns --veth-- gateway ns --veth-- server ns S1   (plain forwarding)
#                        |  |  `---veth-- server ns S2   (AllowedIPs cover it:
#                        |  |                             a route_bypass flood)
#                        |  `-- wireguard-go device ==(veth underlay)== peer ns
#                        policy routing as wg-quick sets it: fwmark 51820,
#                        table 51820, "not fwmark", suppress_prefixlength 0
#
# Configurations, each run between two runs without tracing (A/B/A/B...):
#   base      no tracing (ratio 1.0)
#   export    wgtrace export -n GW --listen 127.0.0.1:PORT   (counters only)
#   watch     wgtrace watch -n GW --json --interval 2        (full catalogue)
#   trace     wgtrace trace S2 -n GW -c 1000 -t 60 --json    (one idle flow
#             traced while the traffic goes to S1)
#   bpftrace  tests/bench/bpftrace-equivalent.bt             (what a user would
#             write instead)
# Traffic per run: TCP bulk (iperf3) and 64-byte UDP (iperf3 -u -l 64 -b 0)
# to S1, and TCP bulk through the wireguard-go tunnel (noisy, not a headline).
# Then, with kernel.bpf_stats_enabled=1 (restored afterwards): BPF ns per
# program and per forwarded packet under the UDP flood, and event delivery
# under a flood of matching packets (trace: its own destination; watch: a
# route_bypass flood). Also, when clang and build/vmlinux.h are there, the
# building blocks of that cost one by one (tests/bench/calib.bpf.c); when perf
# and heaptrack are installed, where trace's CPU and export's start-up heap go.
#
# Then tests/bench/scale.sh appends a section on gateways of 100 to 20,000
# peers (quick: 100 peers only).
#
# Usage: tests/bench/bench.sh [--quick] [--out FILE] [--figures FILE]
#   --quick (or QUICK=1)  one short round of each configuration; the table
#                         goes to a temp file unless --out is given, never
#                         to tests/bench/RESULTS.md
#   --out FILE            Markdown results (default tests/bench/RESULTS.md;
#                         a full run there also leaves its figures in
#                         tests/bench/figures.tsv, which the next full run
#                         prints beside its own)
#   --figures FILE        every figure as "key<TAB>value" (for the smoke test)
#   ROUNDS=N SECS=N       override the number of A/B rounds and seconds per
#                         traffic run (defaults 6 and 3; quick 1 and 1)
#   BUDGET_S=N            stop adding rounds when the run would pass N s
#                         (default 570; quick 55)
#   KEEP=1                keep the scratch folder (raw figures, tool output)
#   BLOCKS=1              measure the building blocks in a quick run too
#                         (a full run always does)
#   PROFILE=N             only BPF ns per run under the UDP flood: N rounds of
#                         export then the building blocks, printed, nothing
#                         written (for trying a change to a program);
#                         PROFILE_TRACE=1 adds trace's events under a flood
# Exit status: 0 every figure measured, 1 the lab broke, 2 a precondition is
# missing. Goals are compared and reported, never asserted.

set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
WGTRACE=${WGTRACE:-$TOP/wgtrace}
BT_SCRIPT=$HERE/bpftrace-equivalent.bt

QUICK=${QUICK:-0}
OUT=
FIGURES=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--out) OUT=${2:?--out needs a file}; shift ;;
	--figures) FIGURES=${2:?--figures needs a file}; shift ;;
	-h|--help) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	*) echo "bench: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$QUICK" = 0 ] || QUICK=1
if [ $QUICK = 1 ]; then
	ROUNDS=${ROUNDS:-1}
	SECS=${SECS:-1}
else
	ROUNDS=${ROUNDS:-6}
	SECS=${SECS:-3}
fi
WG_SECS=$(( SECS > 2 ? 2 : SECS ))	# the tunnel is CPU-bound and noisy

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# --- preconditions --------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	say "needs root (network namespaces, BPF, sysctl): run 'sudo make bench'"
	exit 2
fi
missing=
for c in iperf3 bpftrace wireguard-go wg bpftool jq ip taskset find; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
if [ -n "$missing" ]; then
	say "missing:$missing (run: make deps)"
	exit 2
fi
if [ ! -x "$WGTRACE" ]; then
	say "$WGTRACE is not built (run: make)"
	exit 2
fi
[ -r "$BT_SCRIPT" ] || { say "$BT_SCRIPT is missing"; exit 2; }
[ -r /proc/sys/kernel/bpf_stats_enabled ] ||
	{ say "this kernel has no kernel.bpf_stats_enabled"; exit 2; }
if [ -z "$OUT" ]; then
	if [ $QUICK = 1 ]; then
		OUT=$(mktemp /tmp/wgtrace-bench-quick.XXXXXX.md)
	else
		OUT=$HERE/RESULTS.md
	fi
fi

. "$TOP/tests/netns/lib.sh"	# ns_new, veth_pair, wggo_start, bg, wait_until; cleanup by id
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing

WORK=$(mktemp -d /tmp/wgtrace-bench.XXXXXX)
PREV_FIG=$HERE/figures.tsv	# the last full run's figures
RAW=$WORK/raw.tsv		# seq config round metric value
FIG=$WORK/figures.tsv		# key value
: >"$RAW"
OLD_STATS=$(cat /proc/sys/kernel/bpf_stats_enabled)
OLD_KPTR=$(cat /proc/sys/kernel/kptr_restrict)
PIN=
TOOL_PID=

bench_cleanup() {
	local rc=$?
	trap - EXIT
	[ -n "$PIN" ] && rm -f "$PIN"
	# Ours first, by id, so they detach before their namespace goes.
	if [ -n "$TOOL_PID" ]; then
		kill -TERM "$TOOL_PID" 2>/dev/null
		wait "$TOOL_PID" 2>/dev/null
	fi
	cleanup			# lib.sh: our other processes, then our namespaces
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	sysctl -qw kernel.kptr_restrict="$OLD_KPTR"
	if [ "${KEEP:-0}" = 1 ]; then
		say "scratch kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
sysctl -qw kernel.bpf_stats_enabled=0

# --- small helpers ----------------------------------------------------------
now_us() { local t=$EPOCHREALTIME; echo "${t/[.,]/}"; }
us_to_s() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }

# alive PID: running, not a zombie waiting to be reaped.
alive() {
	local st
	read -r _ _ st _ 2>/dev/null <"/proc/$1/stat" || return 1
	[ "$st" != Z ]
}

# forget PID: it is reaped; lib.sh's cleanup must not kill a reused id.
forget() {
	local p keep=()
	for p in "${_pid_list[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	_pid_list=("${keep[@]}")
}

# spawn CMD...: background CMD (host namespace); pid in SPAWNED, killed on exit.
spawn() {
	"$@" &
	SPAWNED=$!
	_pid_list+=("$SPAWNED")
}

rec() { printf '%s\t%s\t%s\t%s\t%s\n' "$SEQ" "$1" "$ROUND" "$2" "$3" >>"$RAW"; }

# bpf_ids PID bpf-prog|bpf-map|bpf_link: ids of the BPF objects PID holds.
bpf_ids() {
	local key
	case $2 in bpf-prog) key=prog_id ;; bpf-map) key=map_id ;; bpf_link) key=link_id ;; esac
	find "/proc/$1/fd" -maxdepth 1 -lname "anon_inode:$2" \
		-printf "/proc/$1/fdinfo/%f\n" 2>/dev/null |
		xargs -r awk -v k="$key:" '$1 == k { print $2 }' 2>/dev/null | sort -un
}

# attached PID: BPF links and perf events (bpftrace's tracepoints) it holds.
attached() {
	find "/proc/$1/fd" -maxdepth 1 \( -lname 'anon_inode:bpf_link' -o \
		-lname '*perf_event*' \) 2>/dev/null | wc -l
}

json_ids() { awk 'BEGIN { printf "[" } { for (i = 1; i <= NF; i++) printf "%s%s", (n++ ? "," : ""), $i } END { printf "]" }'; }

# progs_left IDS-JSON: how many of these programs bpftool still lists.
progs_left() {
	bpftool prog show -j 2>/dev/null |
		jq --argjson ids "$1" '[.[] | select(.id as $i | $ids | index($i))] | length'
}

# prog_stats PID: "id run_time_ns run_cnt" per program PID holds (fdinfo).
prog_stats() {
	find "/proc/$1/fd" -maxdepth 1 -lname 'anon_inode:bpf-prog' \
		-printf "/proc/$1/fdinfo/%f\n" 2>/dev/null |
		xargs -r awk '$1 == "prog_id:" { id = $2 } $1 == "run_time_ns:" { t = $2 }
			$1 == "run_cnt:" { print id, t, $2 }' 2>/dev/null
}

# names of program ids, from bpftool (full names from BTF where it has them)
prog_names() {
	bpftool prog show -j 2>/dev/null | jq -r '.[] | "\(.id) \(.name)"'
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
vm_hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
CLK_TCK=$(getconf CLK_TCK)

# maps_bytes PID: bytes_memlock of the maps it holds or its programs use.
maps_bytes() {
	local pids mids
	pids=$(bpf_ids "$1" bpf-prog | json_ids)
	mids=$( { bpf_ids "$1" bpf-map
		  bpftool prog show -j 2>/dev/null |
			jq -r --argjson ids "$pids" '.[] | select(.id as $i | $ids | index($i)) | .map_ids[]?'
		} | sort -un | json_ids)
	bpftool map show -j 2>/dev/null |
		jq --argjson ids "$mids" '[.[] | select(.id as $i | $ids | index($i)) | .bytes_memlock // 0] | add // 0'
}

# stats_map_id PID: wgtrace's "stats" map (events, events_lost), by what PID holds.
stats_map_id() {
	local mids
	mids=$(bpf_ids "$1" bpf-map | json_ids)
	bpftool map show -j 2>/dev/null |
		jq -r --argjson ids "$mids" '.[] | select((.id as $i | $ids | index($i)) and .name == "stats") | .id' | head -1
}

# stats_read ARGS...: "events lost" summed over CPUs (bpftool map dump ARGS).
stats_read() {
	bpftool map dump "$@" -j 2>/dev/null | jq -r '
		[.[] | .formatted | {k: .key, v: ([.values[].value] | add)}] as $s |
		"\($s[] | select(.k == 0) | .v) \($s[] | select(.k == 1) | .v)"'
}

ns_fwd() {	# forwarded datagrams of the gateway (Ip: ForwDatagrams)
	ip netns exec "$GW" awk '/^Ip: [A-Z]/ { for (i = 2; i <= NF; i++) if ($i == "ForwDatagrams") c = i }
		/^Ip: [0-9]/ { print $c }' /proc/net/snmp
}
tx_packets() { ip -n "$GW" -s -j link show "$1" | jq '.[0].stats64.tx.packets'; }

# --- the lab ------------------------------------------------------------------
C_IP=10.201.1.2 S1_IP=10.201.2.2 S2_IP=10.201.3.2 P_IP=10.201.4.2 TUN_DST=10.202.0.1

setup_lab() {
	ns_new C && ns_new GW && ns_new S1 && ns_new S2 && ns_new P || return 1
	veth_pair "$C" c0 "$GW" g0 && veth_pair "$GW" g1 "$S1" s1 &&
		veth_pair "$GW" g2 "$S2" s2 && veth_pair "$GW" g3 "$P" p0 || return 1
	ip -n "$C" addr add $C_IP/24 dev c0
	ip -n "$GW" addr add 10.201.1.1/24 dev g0
	ip -n "$GW" addr add 10.201.2.1/24 dev g1
	ip -n "$S1" addr add $S1_IP/24 dev s1
	ip -n "$GW" addr add 10.201.3.1/24 dev g2
	ip -n "$S2" addr add $S2_IP/24 dev s2
	ip -n "$GW" addr add 10.201.4.1/24 dev g3
	ip -n "$P" addr add $P_IP/24 dev p0
	ip -n "$C" route add default via 10.201.1.1
	ip -n "$S1" route add default via 10.201.2.1
	ip -n "$S2" route add default via 10.201.3.1
	ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.src_valid_mark=1

	wg_devname WG; wg_devname WP
	wggo_start "$GW" "$WG" && wggo_start "$P" "$WP" ||
		{ say "wireguard-go did not create its devices"; return 1; }
	local kg='' pg='' kp='' pp=''
	wg_keys kg pg; wg_keys kp pp
	# A full tunnel (0.0.0.0/0); S2's subnet is in the AllowedIPs too but
	# routed to the LAN: the route_bypass flood for watch.
	ip netns exec "$GW" wg set "$WG" private-key <(echo "$kg") listen-port 51820 \
		fwmark 51820 peer "$pp" allowed-ips 0.0.0.0/0,10.201.3.0/24 \
		endpoint $P_IP:51820 || return 1
	ip netns exec "$P" wg set "$WP" private-key <(echo "$kp") listen-port 51820 \
		peer "$pg" allowed-ips 10.201.1.0/24,10.99.0.1/32 \
		endpoint 10.201.4.1:51820 || return 1
	ip -n "$GW" addr add 10.99.0.1/32 dev "$WG" && ip -n "$GW" link set "$WG" up
	ip -n "$P" addr add 10.99.0.2/32 dev "$WP" && ip -n "$P" link set "$WP" up
	ip -n "$P" addr add $TUN_DST/32 dev lo
	ip -n "$P" route add 10.201.1.0/24 dev "$WP"
	# What wg-quick does for 0.0.0.0/0 with fwmark 51820.
	ip -n "$GW" route add default dev "$WG" table 51820 &&
		ip -n "$GW" rule add not fwmark 51820 table 51820 &&
		ip -n "$GW" rule add table main suppress_prefixlength 0 || return 1

	# iperf3 servers on CPU 1, clients on CPU 0 (less scheduler noise).
	bg "$S1" iperf3 -s -A 1 -B $S1_IP >/dev/null 2>&1
	bg "$S2" iperf3 -s -A 1 -B $S2_IP >/dev/null 2>&1
	bg "$P" iperf3 -s -A 1 -B $TUN_DST >/dev/null 2>&1
	# A datagram into the tunnel starts the handshake.
	tunnel_poke() {
		ip netns exec "$C" bash -c "echo x >/dev/udp/$TUN_DST/9" 2>/dev/null
		handshake_any "$GW" "$WG"
	}
	wait_until 20 tunnel_poke || { say "no WireGuard handshake in 20 s"; return 1; }
	port_open() { ip netns exec "$1" bash -c "echo >/dev/tcp/$2/5201" 2>/dev/null; }
	wait_until 10 port_open "$C" $S1_IP && wait_until 10 port_open "$C" $S2_IP &&
		wait_until 10 port_open "$C" $TUN_DST ||
		{ say "iperf3 servers did not come up"; return 1; }
}

# --- traffic --------------------------------------------------------------------
# iperf3 CLIENT-ARGS...: JSON of one run; one retry (a server still busy with
# the previous test answers "busy").
iperf() {
	local out
	for _ in 1 2; do
		out=$(ip netns exec "$C" timeout $((SECS + 15)) taskset -c 0 \
			iperf3 -J "$@" 2>/dev/null)
		if [ -n "$out" ] && ! jq -e '.error' >/dev/null 2>&1 <<<"$out"; then
			echo "$out"
			return 0
		fi
		sleep 0.5
	done
	return 1
}

run_tcp() {	# TCP bulk to S1
	local v
	v=$(iperf -c $S1_IP -t "$SECS" | jq '.end.sum_received.bits_per_second // empty')
	[ -n "$v" ] && rec "$CFG" tcp_bps "$v"
}

run_wg() {	# TCP bulk through the wireguard-go tunnel
	local v
	v=$(iperf -c $TUN_DST -t "$WG_SECS" | jq '.end.sum_received.bits_per_second // empty')
	[ -n "$v" ] && rec "$CFG" wg_bps "$v"
}

# run_udp [DST DEV]: 64-byte UDP flood; prints "PPS PPC": packets/s the
# gateway forwarded (tx_packets of its egress veth over iperf3's sending
# time), and packets per CPU-second of the sending side. On veth the whole
# path runs in the sender's context on CPU 0 (softirq in its syscalls, or
# ksoftirqd/0 when deferred; tick accounting charges softirq to the task),
# so PPC is what the path costs, whatever else the shared machine runs.
KSOFTIRQD0=$(pgrep -x ksoftirqd/0 | head -1)
run_udp() {
	local dst=${1:-$S1_IP} dev=${2:-g1} a b j k0 k1
	a=$(tx_packets "$dev"); k0=$(cpu_ticks "$KSOFTIRQD0")
	j=$(iperf -c "$dst" -u -l 64 -b 0 -t "$SECS") || return 1
	b=$(tx_packets "$dev"); k1=$(cpu_ticks "$KSOFTIRQD0")
	jq -r '"\(.end.sum.seconds // 0) \(.end.cpu_utilization_percent.host_total // 0)"' <<<"$j" |
		awk -v a="$a" -v b="$b" -v k=$(( ${k1:-0} - ${k0:-0} )) -v h="$CLK_TCK" '{
			cpu = $1 * $2 / 100 + k / h
			if ($1 > 0 && cpu > 0) printf "%.0f %.0f\n", (b - a) / $1, (b - a) / cpu }'
}

# --- the configurations -----------------------------------------------------
PORT=
pick_port() {
	local p
	for p in $(shuf -i 20000-29999 -n 20); do
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { PORT=$p; return 0; }
	done
	return 1
}

# Options added to the watch and trace command lines (--pcap, --record).
TOOL_EXTRA=()
# tool_start CFG: start it, wait until attached. Sets TOOL_PID, ATTACH_US,
# TOOL_ATT_US (time attached), TOOL_ATT_TICKS; TOOL_OUT/TOOL_ERR files.
tool_start() {
	local cfg=$1 ready='' n last=-1 tchange t0 now
	TOOL_OUT=$WORK/$cfg.$SEQ.out
	TOOL_ERR=$WORK/$cfg.$SEQ.err
	t0=$(now_us)
	case $cfg in
	export)
		spawn "$WGTRACE" export -n "$GW" --listen "127.0.0.1:$PORT" >"$TOOL_OUT" 2>"$TOOL_ERR"
		ready='level=info msg="ready' ;;
	watch)
		spawn "$WGTRACE" watch -n "$GW" --json --interval 2 "${TOOL_EXTRA[@]}" \
			>"$TOOL_OUT" 2>"$TOOL_ERR" ;;
	trace)
		spawn "$WGTRACE" trace "${TRACE_DST:-$S2_IP}" ${TRACE_FROM:+--from "$TRACE_FROM"} \
			-n "$GW" -c 1000 -t "${TRACE_T:-60}" --json "${TOOL_EXTRA[@]}" \
			>"$TOOL_OUT" 2>"$TOOL_ERR"
		ready='wgtrace: tracing' ;;
	bpftrace)
		spawn bpftrace "$BT_SCRIPT" >"$TOOL_OUT" 2>"$TOOL_ERR" ;;
	calib)
		# In the gateway's namespace: its cal_tc_* programs go on tcx
		# egress of g1, the device the UDP flood leaves by.
		spawn ip netns exec "$GW" "$CALIB" "$GW_NETNS_INO" \
			"$(ip -n "$GW" -j link show g1 | jq '.[0].ifindex')" >"$TOOL_OUT" 2>"$TOOL_ERR"
		ready='calib: ready' ;;
	*) die "unknown configuration $cfg" ;;
	esac
	TOOL_PID=$SPAWNED
	tchange=$t0
	while :; do
		now=$(now_us)
		if ! alive "$TOOL_PID"; then
			say "$cfg exited while starting:"
			sed 's/^/    /' "$TOOL_ERR" >&2
			wait "$TOOL_PID" 2>/dev/null; forget "$TOOL_PID"; TOOL_PID=
			return 1
		fi
		n=$(attached "$TOOL_PID")
		[ "$n" != "$last" ] && { last=$n; tchange=$now; }
		if [ -n "$ready" ]; then
			if grep -q "$ready" "$TOOL_ERR"; then TOOL_ATT_US=$now; break; fi
		# No line after attaching (watch --json, bpftrace): the last
		# link or perf event it opened, once nothing changed for 0.3 s.
		elif [ "$n" -gt 0 ] && [ $((now - tchange)) -ge 300000 ]; then
			TOOL_ATT_US=$tchange
			break
		fi
		if [ $((now - t0)) -gt 30000000 ]; then
			say "$cfg did not attach within 30 s"
			return 1
		fi
		sleep 0.01
	done
	ATTACH_US=$((TOOL_ATT_US - t0))
	TOOL_ATT_TICKS=$(cpu_ticks "$TOOL_PID")
	TOOL_ATT_HWM=$(vm_hwm_kib "$TOOL_PID")
	return 0
}

# tool_measure CFG: CPU, peak RSS, map memory of the running tool.
tool_measure() {
	local cfg=$1 ticks end
	end=$(now_us)
	ticks=$(cpu_ticks "$TOOL_PID")
	rec "$cfg" attach_s "$(us_to_s "$ATTACH_US")"
	rec "$cfg" cpu_start_s "$(awk -v t="$TOOL_ATT_TICKS" -v h="$CLK_TCK" 'BEGIN { printf "%.3f", t / h }')"
	rec "$cfg" cpu_pct "$(awk -v a="$TOOL_ATT_TICKS" -v b="$ticks" -v h="$CLK_TCK" \
		-v us=$((end - TOOL_ATT_US)) 'BEGIN { printf "%.2f", (b - a) / h / (us / 1e6) * 100 }')"
	rec "$cfg" rss_kib "$(vm_hwm_kib "$TOOL_PID")"
	rec "$cfg" rss_attach_kib "$TOOL_ATT_HWM"
	rec "$cfg" rss_end_kib "$(status_kib "$TOOL_PID" VmRSS)"
	rec "$cfg" rss_anon_kib "$(status_kib "$TOOL_PID" RssAnon)"
	rec "$cfg" rss_file_kib "$(status_kib "$TOOL_PID" RssFile)"
	rec "$cfg" maps_bytes "$(maps_bytes "$TOOL_PID")"
	case $cfg in
	export|watch|trace)
		# Events this configuration produced during the run (samples,
		# or trace matches: the peer endpoint is traced too).
		local sid e l
		sid=$(stats_map_id "$TOOL_PID")
		[ -n "$sid" ] && read -r e l <<<"$(stats_read id "$sid")"
		rec "$cfg" run_events "${e:-}"
		rec "$cfg" run_events_lost "${l:-}"
		;;
	esac
}

# tool_stop CFG: SIGTERM, then wait until its programs are gone from bpftool.
tool_stop() {
	local cfg=$1 ids t0 now rc
	ids=$(bpf_ids "$TOOL_PID" bpf-prog | json_ids)
	t0=$(now_us)
	kill -TERM "$TOOL_PID"
	while alive "$TOOL_PID"; do
		now=$(now_us)
		if [ $((now - t0)) -gt 20000000 ]; then
			say "$cfg did not stop within 20 s of SIGTERM: killed"
			kill -KILL "$TOOL_PID"
		fi
		sleep 0.01
	done
	wait "$TOOL_PID"; rc=$?
	forget "$TOOL_PID"; TOOL_PID=
	while [ "$(progs_left "$ids")" != 0 ]; do
		now=$(now_us)
		[ $((now - t0)) -gt 25000000 ] && { say "$cfg: programs still loaded 25 s after SIGTERM"; break; }
		sleep 0.01
	done
	now=$(now_us)
	rec "$cfg" detach_s "$(us_to_s $((now - t0)))"
	[ "$cfg" = bpftrace ] || [ $rc = 0 ] ||
		{ say "$cfg exited with status $rc:"; sed 's/^/    /' "$TOOL_ERR" >&2; }
}

# profile_udp CFG: UDP flood with bpf stats on; per-program ns and the sum
# per forwarded packet.
profile_udp() {
	local cfg=$1 f0 f1 pps before after names
	before=$(prog_stats "$TOOL_PID")
	f0=$(ns_fwd)
	read -r pps _ <<<"$(run_udp)" && rec "$cfg" prof_udp_pps "$pps"
	f1=$(ns_fwd)
	after=$(prog_stats "$TOOL_PID")
	names=$(prog_names)
	awk -v cfg="$cfg" -v seq="$SEQ" -v round="$ROUND" -v fwd=$((f1 - f0)) '
		FILENAME == "-" { next }
		FNR == 1 { part++ }
		part == 1 { name[$1] = $2; next }
		part == 2 { t0[$1] = $2; c0[$1] = $3; next }
		part == 3 { dt = $2 - t0[$1]; dc = $3 - c0[$1]; n = name[$1]
			sub(/^tracepoint__/, "tp:", n)	# bpftrace names
			if (dc > 0) {
				printf "%s\t%s\t%s\tprog.%s.ns_per_run\t%.1f\n", seq, cfg, round, n, dt / dc
				printf "%s\t%s\t%s\tprog.%s.runs_per_fwd\t%.2f\n", seq, cfg, round, n, dc / fwd
				printf "%s\t%s\t%s\tprog.%s.ns_per_fwd\t%.1f\n", seq, cfg, round, n, dt / fwd
			}
			sum += dt }
		END { if (fwd > 0) printf "%s\t%s\t%s\tbpf_ns_per_fwd\t%.1f\n", seq, cfg, round, sum / fwd }
	' <(echo "$names") <(echo "$before") <(echo "$after") >>"$RAW"
}

# slot CFG PHASES: one run of a configuration (base: no tracing).
slot() {
	local ph
	CFG=$1
	SEQ=$((SEQ + 1))
	say "  [$SEQ] $CFG: $2"
	if [ "$CFG" != base ]; then
		tool_start "$CFG" || { rec "$CFG" failed 1; return 1; }
	fi
	for ph in $2; do
		case $ph in
		tcp) run_tcp ;;
		udp)
			local pps ppc
			read -r pps ppc <<<"$(run_udp)"
			rec "$CFG" udp_pps "$pps"
			rec "$CFG" ppc_udp "$ppc" ;;
		wg) run_wg ;;
		prof) [ "$CFG" = base ] || profile_udp "$CFG" ;;
		esac
	done
	if [ "$CFG" != base ]; then
		[ "$CFG" = export ] && curl -sf "http://127.0.0.1:$PORT/metrics" 2>/dev/null |
			grep -q '^wgtrace_' && rec export scrape_ok 1
		tool_measure "$CFG"
		tool_stop "$CFG"
	fi
}

# --- events under a flood of matching packets ------------------------------------
# trace: its own destination flooded. trace stops once it has seen --count
# packets (1000 at most) to the destination, which a flood does in
# milliseconds, so it runs with --from an address the flood does not use:
# the BPF filter (destination only) still matches every flood packet, and
# every event is delivered, only the stop condition waits. The stats map is
# pinned to read the final totals after it exits.
# rec_bpf_ns_per_run NAME BEFORE AFTER: ns per program run between two
# prog_stats readings, all the tool's programs together.
rec_bpf_ns_per_run() {
	awk -v seq="$SEQ" -v round="$ROUND" -v name="$1" '
		FNR == 1 { part++ }
		part == 1 { t0[$1] = $2; c0[$1] = $3; next }
		{ T += $2 - t0[$1]; N += $3 - c0[$1] }
		END { if (N > 0) printf "%s\t%s\t%s\tev_bpf_ns_per_run\t%.1f\n", seq, name, round, T / N }
	' <(echo "$2") <(echo "$3") >>"$RAW"
}

TRACE_KEEP=65536	# TRACE_MAX_EVENTS in user/cli/trace.c: events kept, the rest counted lost
# events_trace [NAME OPTION...]: figures under NAME (default trace), trace
# run with the options added (trace_pcap: --pcap FILE).
events_trace() {
	local fpid a sid e0 l0 e1 l1 t0 t1 k0 k1 hwm E L rep pkts
	local name=${1:-trace}
	[ $# -gt 0 ] && shift
	TOOL_EXTRA=("$@")
	CFG=trace_flood; SEQ=$((SEQ + 1))
	say "  [$SEQ] $name $S1_IP while 64-byte UDP floods it"
	a=$(tx_packets g1)
	spawn ip netns exec "$C" taskset -c 0 timeout $((SECS + 25)) \
		iperf3 -c $S1_IP -u -l 64 -b 0 -t $((SECS + 15)) >/dev/null 2>&1
	fpid=$SPAWNED
	flood_on() { [ "$(tx_packets g1)" -gt $((a + 1000)) ]; }
	wait_until 5 flood_on || say "the flood did not start"
	if ! TRACE_DST=$S1_IP TRACE_FROM=10.201.1.99 TRACE_T=$((SECS + 12)) tool_start trace; then
		kill "$fpid"; wait "$fpid"; forget "$fpid"
		return 1
	fi
	sid=$(stats_map_id "$TOOL_PID")
	PIN=/sys/fs/bpf/wgtrace-bench-$$-stats
	[ -n "$sid" ] && bpftool map pin id "$sid" "$PIN"
	sleep 0.3
	read -r e0 l0 <<<"$(stats_read id "$sid")"; t0=$(now_us); k0=$(cpu_ticks "$TOOL_PID")
	local p0; p0=$(prog_stats "$TOOL_PID")
	if [ "$name" = trace ] && command -v perf >/dev/null; then
		# Where trace's user space spends its CPU (optional: perf).
		perf record -q -F 499 -e cpu-clock -g -p "$TOOL_PID" -o "$WORK/trace.perf" \
			-- sleep "$SECS" >/dev/null 2>&1
		perf report -i "$WORK/trace.perf" --no-children --sort symbol --stdio -g none \
			2>/dev/null | awk '$1 ~ /%$/ && $2 ~ /^\[/ { sub(/%/, "", $1); n++; if (n <= 8) printf "%s\t%s\n", $3, $1 }' \
			>"$WORK/trace.perf.top"
	else
		sleep "$SECS"
	fi
	read -r e1 l1 <<<"$(stats_read id "$sid")"; t1=$(now_us); k1=$(cpu_ticks "$TOOL_PID")
	local p1; p1=$(prog_stats "$TOOL_PID")
	hwm=$(vm_hwm_kib "$TOOL_PID")
	tool_stop trace_flood
	kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; forget "$fpid"
	read -r E L <<<"$(stats_read pinned "$PIN")"
	rm -f "$PIN"; PIN=
	rep=$(jq -r 'select(.type == "summary") | .events_lost' "$TOOL_OUT" 2>/dev/null | tail -1)
	nk=$(jq -r 'select(.type == "summary") | .events_not_kept' "$TOOL_OUT" 2>/dev/null | tail -1)
	pkts=$(jq -r 'select(.type == "summary") | .packets' "$TOOL_OUT" 2>/dev/null | tail -1)
	local us=$((t1 - t0)) de=$((${e1:-0} - ${e0:-0})) dl=$((${l1:-0} - ${l0:-0}))
	rec "$name" ev_window_s "$(us_to_s $us)"
	rec "$name" ev_per_s "$(awk -v e=$de -v us=$us 'BEGIN { printf "%.0f", e / (us / 1e6) }')"
	rec "$name" ev_offered_per_s "$(awk -v e=$((de + dl)) -v us=$us 'BEGIN { printf "%.0f", e / (us / 1e6) }')"
	rec "$name" ev_lost_window "$dl"
	rec "$name" ev_total "${E:-}"
	rec "$name" ev_lost_kernel "${L:-}"
	rec "$name" ev_lost_reported "${rep:-}"
	# Lost in the kernel (ring full) and delivered but not kept (beyond
	# what trace keeps) are reported apart: events_lost, events_not_kept.
	rec "$name" ev_lost_expected "${L:-0}"
	rec "$name" ev_not_kept_reported "${nk:-}"
	rec "$name" ev_not_kept_expected "$(( ${E:-0} > TRACE_KEEP ? ${E:-0} - TRACE_KEEP : 0 ))"
	rec "$name" ev_packets_seen "${pkts:-}"
	# 1 when trace told the kernel's own lookups by the kernel stack.
	rec "$name" ev_ctx_stack "$(jq -r 'select(.type == "summary") | .modes.lookup_context' "$TOOL_OUT" 2>/dev/null |
		tail -1 | awk '{ print ($0 == "tracepoint") ? 1 : 0 }')"
	rec "$name" ev_cpu_pct "$(awk -v a="$k0" -v b="$k1" -v h="$CLK_TCK" -v us=$us 'BEGIN { printf "%.1f", (b - a) / h / (us / 1e6) * 100 }')"
	rec "$name" ev_cpu_ns_per_event "$(awk -v a="$k0" -v b="$k1" -v h="$CLK_TCK" -v e=$de \
		'BEGIN { if (e > 0) printf "%.0f", (b - a) / h * 1e9 / e }')"
	rec "$name" ev_rss_kib "$hwm"
	# BPF cost per program run while emitting (bpf stats are on here).
	rec_bpf_ns_per_run "$name" "$p0" "$p1"
	TOOL_EXTRA=()
}

# watch: a flood of route_bypass packets (S2 is in the peer's AllowedIPs but
# routed to the LAN). Events are rate-limited samples; the counts must be whole.
events_watch() {
	local sid e0 l0 e1 l1 t0 t1 k0 k1 p0 p1 a b out bypass rep
	local name=${1:-watch}
	[ $# -gt 0 ] && shift
	TOOL_EXTRA=("$@")
	CFG=watch_flood; SEQ=$((SEQ + 1))
	say "  [$SEQ] $name while 64-byte UDP floods S2 (route_bypass)"
	tool_start watch || { TOOL_EXTRA=(); return 1; }
	TOOL_EXTRA=()
	sid=$(stats_map_id "$TOOL_PID")
	read -r e0 l0 <<<"$(stats_read id "$sid")"
	p0=$(prog_stats "$TOOL_PID"); k0=$(cpu_ticks "$TOOL_PID")
	a=$(tx_packets g2); t0=$(now_us)
	run_udp $S2_IP g2 >/dev/null
	b=$(tx_packets g2); t1=$(now_us)
	read -r e1 l1 <<<"$(stats_read id "$sid")"
	p1=$(prog_stats "$TOOL_PID"); k1=$(cpu_ticks "$TOOL_PID")
	sleep 2.2	# one more report interval: the counters reach user space
	tool_stop watch_flood
	out=$TOOL_OUT
	rec "$name" ev_per_s "$(awk -v a="${e0:-0}" -v b="${e1:-0}" -v us=$((t1 - t0)) 'BEGIN { printf "%.1f", (b - a) / (us / 1e6) }')"
	rec "$name" ev_lost_kernel "$(( ${l1:-0} - ${l0:-0} ))"
	rep=$(jq -r 'select(.type == "summary") | .events_lost' "$out" 2>/dev/null | tail -1)
	rec "$name" ev_lost_reported "${rep:-}"
	bypass=$(jq -r 'select(.type == "finding" and .finding == "route_bypass") | .count' "$out" 2>/dev/null | tail -1)
	rec "$name" bypass_counted "${bypass:-}"
	rec "$name" bypass_oracle "$((b - a))"
	rec "$name" ev_cpu_pct "$(awk -v a="$k0" -v b="$k1" -v h="$CLK_TCK" -v us=$((t1 - t0)) 'BEGIN { printf "%.1f", (b - a) / h / (us / 1e6) * 100 }')"
	# BPF cost per program run during the flood (bpf stats are on here):
	# every packet to S2 runs the bypass program, a few also sample.
	rec_bpf_ns_per_run "$name" "$p0" "$p1"
}

# --- building blocks (tests/bench/calib.bpf.c) -------------------------------
CALIB=
build_calib() {
	local inc
	command -v clang >/dev/null && command -v gcc >/dev/null &&
		[ -r "$TOP/build/vmlinux.h" ] || { say "no clang/gcc or build/vmlinux.h: building blocks skipped"; return 1; }
	inc=$(clang -v -E - </dev/null 2>&1 | sed -n \
		'/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
	# shellcheck disable=SC2086,SC2046 # word splitting wanted: include flags
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$TOP/include" -I"$TOP/build" $inc \
		-c "$HERE/calib.bpf.c" -o "$WORK/calib.bpf.o" &&
		bpftool gen skeleton "$WORK/calib.bpf.o" >"$WORK/calib.skel.h" &&
		gcc -O2 -I"$TOP/include" -I"$WORK" -o "$WORK/calib" "$HERE/calib.c" \
			$(pkg-config --cflags --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz ||
		{ say "building blocks did not build: skipped"; return 1; }
	CALIB=$WORK/calib
}

# Where export's peak memory goes (optional: heaptrack): allocations alive at
# the peak, summed by the first wgtrace frame of their call stack.
heap_export() {
	command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null || return 0
	local out=$WORK/heap.export pid t0
	say "  export under heaptrack (peak heap by call site)"
	spawn heaptrack -o "$out" "$WGTRACE" export -n "$GW" --listen "127.0.0.1:$PORT" \
		>/dev/null 2>"$WORK/heap.err"
	pid=$SPAWNED; t0=$SECONDS
	# heaptrack runs the tool as its child: track that child by id too, so
	# an interrupted run still detaches it.
	local child='' c
	while alive "$pid" && ! grep -q 'msg="ready' "$WORK/heap.err" && [ $((SECONDS - t0)) -lt 20 ]; do
		for c in $(pgrep -P "$pid"); do
			[ -z "$child" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = wgtrace ] &&
				{ child=$c; _pid_list+=("$child"); }
		done
		sleep 0.1
	done
	sleep 1
	[ -n "$child" ] && kill -TERM "$child"
	wait "$pid" 2>/dev/null; forget "$pid"
	[ -n "$child" ] && forget "$child"
	heaptrack_print -f "$out"*.zst --print-peaks 1 --print-leaks 0 --print-allocators 0 \
		--print-temporary 0 --peak-limit 20 2>/dev/null | awk '
		function bytes(s,  n, u) { n = s + 0; u = substr(s, length(s)); return n * (u == "G" ? 2^30 : u == "M" ? 2^20 : u == "K" ? 2^10 : 1) }
		/^PEAK MEMORY CONSUMERS/ { on = 1; next }
		/^[A-Z][A-Z ]+$/ && on { on = 0 }
		/^peak heap memory consumption:/ { printf "heap.peak\t%.0f\n", bytes($5) }
		on && /^[0-9.]+[KMG]? consumed over/ { cur = bytes($1); pend = 1; next }
		on && pend && /at user\// { site = $2; sum[site] += cur; pend = 0 }
		END { for (k in sum) printf "heap.site.%s\t%.0f\n", k, sum[k] }' >"$WORK/heap.sites"
}

# --- the run ------------------------------------------------------------------
START=$(date -u '+%Y-%m-%d %H:%M UTC')
T_START=$(now_us)
say "setting up the lab (quick=$QUICK rounds=$ROUNDS secs=$SECS)"
setup_lab || die "the lab did not come up"
pick_port || die "no free TCP port for export"
GW_NETNS_INO=$(ip netns exec "$GW" stat -L -c %i /proc/self/ns/net)

# Other tracing programs on this machine run for our packets too: note them.
foreign_progs() {
	bpftool prog show -j 2>/dev/null | jq -r '[.[] | select(.type == "tracing" or .type == "tracepoint"
		or .type == "raw_tracepoint" or .type == "kprobe") | .name] | join(" ")'
}
FOREIGN_START=$(foreign_progs)
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)

CONFIGS=(export watch trace bpftrace)
SEQ=0 ROUND=0
if [ -n "${PROFILE:-}" ]; then
	sysctl -qw kernel.bpf_stats_enabled=1
	build_calib || CALIB=
	for ROUND in $(seq 1 "$PROFILE"); do
		slot export prof
		[ -n "${CALIB:-}" ] && slot calib prof
		[ "${PROFILE_TRACE:-0}" = 1 ] && events_trace
	done
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	awk -F'\t' '$4 ~ /ns_per_run$|bpf_ns_per_fwd$|^ev_(per_s|offered_per_s|cpu_ns_per_event)$/ {
		printf "%s %s %s %s\n", $3, $2, $4, $5 }' "$RAW" |
		grep -E 'bpf_ns_per_fwd|wgt_|cal_tc_|ev_'
	exit 0
fi
# Bounded: rounds stop early when they would not leave time for the rest.
BUDGET_S=${BUDGET_S:-$([ $QUICK = 1 ] && echo 55 || echo 570)}
RESERVE_S=$([ $QUICK = 1 ] && echo 12 || echo $((14 * SECS + 45)))
ROUNDS_DONE=0
PHASES="tcp udp wg"
if [ $QUICK = 1 ]; then
	# One pass, bpf stats on throughout: B X1..X4 B, with the profile in each.
	sysctl -qw kernel.bpf_stats_enabled=1
	PHASES="tcp udp wg prof"
fi
say "A/B rounds: ${CONFIGS[*]} each between runs without tracing"
slot base "$PHASES"
for ROUND in $(seq 1 "$ROUNDS"); do
	T_NOW=$(now_us)
	if [ "$ROUND" -gt 1 ]; then
		per_round=$(( (T_NOW - T_START) / 1000000 / (ROUND - 1) ))
		if [ $(( (T_NOW - T_START) / 1000000 + per_round + RESERVE_S )) -gt "$BUDGET_S" ]; then
			say "time budget (${BUDGET_S} s): stopping after $((ROUND - 1)) rounds"
			break
		fi
	fi
	ROUNDS_DONE=$ROUND
	for k in 0 1 2 3; do
		# Rotate the order so no configuration always follows the same one.
		slot "${CONFIGS[$(((k + ROUND - 1) % 4))]}" "$PHASES"
		[ $QUICK = 1 ] || slot base "$PHASES"
	done
done
[ $QUICK = 1 ] && slot base "$PHASES"
[ $QUICK = 1 ] && [ "${BLOCKS:-0}" = 1 ] && build_calib && slot calib prof

sysctl -qw kernel.bpf_stats_enabled=1
if [ $QUICK = 0 ]; then
	say "BPF cost per program (kernel.bpf_stats_enabled=1)"
	ROUND=prof
	for c in "${CONFIGS[@]}"; do slot "$c" prof; done
	build_calib && slot calib prof
	heap_export
fi
say "events under a flood of matching packets"
ROUND=events
events_trace
events_watch
# What the forensics options add: each trace event with its packet's bytes
# (a second ring record; the file is /dev/null: a flood would fill a disk),
# each watch sample with them, and the record.
events_trace trace_pcap --pcap /dev/null
# Where the kernel hides its addresses (kptr_restrict=2, restored at once):
# trace cannot find the callers bpf/lookup_ctx.bpf.h looks for, so it takes
# no kernel stack per event and tells the kernel's own lookups by timing.
# The gap to the first trace run is what the stack costs each event.
if [ $QUICK = 0 ]; then
	sysctl -qw kernel.kptr_restrict=2
	events_trace trace_nostack
	sysctl -qw kernel.kptr_restrict="$OLD_KPTR"
fi
events_watch watch_pcap --pcap "$WORK/bypass.pcapng"
events_watch watch_record --record "$WORK/bypass.jsonl.gz"
sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
FOREIGN_END=$(foreign_progs)
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)
T_END=$(now_us)

# --- figures ------------------------------------------------------------------
# A ratio is the run's value over the mean of the nearest runs without
# tracing before and after it; a figure is the median over rounds.
awk -F'\t' '
	function median(k,   n, i, j, t, a) {
		n = cnt[k]
		for (i = 1; i <= n; i++) a[i] = val[k, i]
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		lo[k] = a[1]; hi[k] = a[n]
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function add(k, v) { val[k, ++cnt[k]] = v; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k } }
	{ s[NR] = $1; c[NR] = $2; m[NR] = $4; v[NR] = $5 }
	function paired(x) { return x == "tcp_bps" || x == "udp_pps" || x == "wg_bps" || x == "ppc_udp" }
	$2 == "base" && paired($4) && $5 != "" { base[$4, $1] = $5; add("base." $4, $5) }
	END {
		for (r = 1; r <= NR; r++) {
			if (v[r] == "") continue
			if (paired(m[r])) {
				# Against the nearest runs without tracing before and
				# after; for a baseline run, its baseline neighbours
				# (the noise of the A/B method on this machine).
				before = after = ""
				for (q = s[r] - 1; q >= 0; q--) if ((m[r], q) in base) { before = base[m[r], q]; break }
				for (q = s[r] + 1; q <= s[NR] + 1; q++) if ((m[r], q) in base) { after = base[m[r], q]; break }
				n = 0; t = 0
				if (before != "") { t += before; n++ }
				if (after != "") { t += after; n++ }
				if (n && t > 0) add(c[r] "." substr(m[r], 1, index(m[r], "_") - 1) "_ratio", v[r] / (t / n))
				continue
			}
			if (c[r] == "base") continue
			add(c[r] "." m[r], v[r])
		}
		for (i = 1; i <= nk; i++) {
			k = keys[i]; md = median(k)
			printf "%s\t%.12g\n", k, md
			if (k ~ /_ratio$/) { printf "%s.min\t%.12g\n", k, lo[k]; printf "%s.max\t%.12g\n", k, hi[k]; printf "%s.n\t%d\n", k, cnt[k] }
		}
	}' "$RAW" >"$FIG"

f() { awk -F'\t' -v k="$1" '$1 == k { print $2; exit }' "$FIG"; }
# Derived: events/s one core could consume at the measured CPU per event.
v=$(f trace.ev_cpu_ns_per_event)
[ -n "$v" ] && awk -v v="$v" 'BEGIN { if (v > 0) printf "trace.ev_capacity_per_s\t%.0f\n", 1e9 / v }' >>"$FIG"
# Derived: the pps ratio the measured BPF ns alone would give (the sender's
# CPU per packet, 1 / packets per CPU-second, plus the BPF ns).
ppc=$(f base.ppc_udp)
for c in export watch trace bpftrace; do
	v=$(f $c.bpf_ns_per_fwd)
	[ -n "$v" ] && [ -n "$ppc" ] &&
		awk -v c=$c -v n="$v" -v p="$ppc" 'BEGIN { printf "%s.pred_ratio\t%.4f\n", c, 1 / (1 + n * 1e-9 * p) }' >>"$FIG"
done
fmt() {	# fmt PRINTF-FORMAT KEY [SCALE]: a figure, or "n/a" when missing
	local v; v=$(f "$2")
	if [ -z "$v" ]; then echo "n/a"; else awk -v v="$v" -v s="${3:-1}" -v fm="$1" 'BEGIN { printf fm, v * s }'; fi
}
ratio() {
	local m; m=$(f "$1.$2_ratio")
	[ -z "$m" ] && { echo "n/a"; return; }
	awk -v m="$m" -v a="$(f "$1.$2_ratio.min")" -v b="$(f "$1.$2_ratio.max")" \
		'BEGIN { printf "%.3f (%.3f–%.3f)", m, a, b }'
}

# goal TEXT MEASURED-KEY-OR-VALUE OP LIMIT UNIT: "met"/"missed by X"
goal_line() {
	local text=$1 v=$2 op=$3 lim=$4 unit=$5 verdict
	if [ -z "$v" ] || [ "$v" = n/a ]; then
		verdict="not measured"
	else
		verdict=$(awk -v v="$v" -v l="$lim" -v op="$op" -v u="${unit:+ $unit}" '
			function num(x) { return (x >= 10000 || x <= -10000) ? sprintf("%.0f", x) : sprintf("%.4g", x) }
			BEGIN {
			ok = (op == "ge") ? v >= l : v <= l
			if (ok) printf "met (%s%s)", num(v), u
			else printf "**missed** by %s%s (measured %s%s)", num((op == "ge") ? l - v : v - l), u, num(v), u }')
	fi
	echo "| $text | $verdict${6:+ $6} |"
}

# What each program does per run: the cost centres to name.
prog_work() {
	case $1 in
	wgt_dev_queue) echo "net_dev_queue, every packet queued on any device of any namespace: the namespace check (direct BTF loads: skb->dev, dev->nd_net.net->ns.inum); then, in the watched namespace only, the 5-tuple (flow_from_skb: direct skb loads, then the IP header with the ports in one bpf_probe_read_kernel) and an LPM-trie lookup in \`allowed\`" ;;
	wgt_kfree_skb) echo "kfree_skb, every dropped skb of any namespace: the namespace check; counters: an LRU per-CPU hash lookup in \`counts\`; trace: the 5-tuple and 2 hash lookups in \`trace_addrs\`" ;;
	wgt_fib4|wgt_fib6) echo "fib(6)_table_lookup, every FIB table lookup of any namespace (4 per forwarded packet with wg-quick's rules: 2 for the route, 2 for fib_validate_source's reverse route). IPv4: direct loads of saddr and daddr, a compare loop over the traced IPv4 addresses (a few), and only for a match 2 hash lookups in \`trace_addrs\` and, for the traced flow, a read of the kernel stack (lookup_context). IPv6: 2 BPF_CORE_READ and 2 hash lookups" ;;
	wgt_tc_bypass) echo "tcx egress on each device of the watched namespace (not loopback, not WireGuard's), every packet leaving there: direct packet access to the destination address, 1 LPM-trie lookup in \`allowed\`; the full parse and the count only for a packet that belongs to a peer on another device" ;;
	wgt_tc_egress|wgt_tc_ingress) echo "tc on the WireGuard device, every tunnelled packet: bpf_skb_load_bytes x3, egress: an LPM-trie lookup and an LRU per-CPU hash lookup in \`counts\`; trace: 2 hash lookups" ;;
	wgt_icmp_send) echo "icmp_send, every ICMP error: the 5-tuple and 2 hash lookups" ;;
	*) echo "a classic tracepoint (perf-buffer copy of the event) and a per-CPU hash update" ;;
	esac
}

block_what() {
	case $1 in
	cal_empty) echo "an empty program: the fixed cost of any program run here (with bpf stats on)" ;;
	cal_netns_probe) echo "namespace check as every wgtrace program does it (BPF_CORE_READ: 3 bpf_probe_read_kernel)" ;;
	cal_netns_direct) echo "the same check by direct BTF loads (suggested)" ;;
	cal_parse_probe) echo "the 5-tuple as flow_from_skb() reads it (6 bpf_probe_read_kernel)" ;;
	cal_parse_direct) echo "the same 5-tuple: direct skb loads + 1 bpf_probe_read_kernel (suggested)" ;;
	cal_lpm) echo "1 LPM-trie lookup in \`allowed\` (route_bypass, tc fallback)" ;;
	cal_hash2) echo "2 hash lookups in \`trace_addrs\` (the trace filter, flow_role())" ;;
	cal_lru_count) echo "1 LRU per-CPU hash lookup + increment in \`counts\` (count_at())" ;;
	cal_tc_empty) echo "an empty tc program on tcx egress of the gateway's leaving device (g1), the hook of \`wgt_tc_bypass\`: the fixed cost of any program there" ;;
	cal_tc_lpm) echo "on that tcx hook: the destination by direct packet access and 1 LPM-trie lookup in \`allowed\`, the least the route_bypass check does per packet (above: against \`cal_tc_empty\`)" ;;
	*) echo "?" ;;
	esac
}

cfg_name() {
	case $1 in
	export) echo "\`wgtrace export\` (counters)" ;;
	watch) echo "\`wgtrace watch --json\`" ;;
	trace) echo "\`wgtrace trace\` (idle flow)" ;;
	bpftrace) echo "bpftrace equivalent" ;;
	*) echo "$1" ;;
	esac
}

MiB=0.0009765625	# KiB -> MiB
BMiB=9.5367431640625e-07	# bytes -> MiB
calc() { awk "BEGIN { $1 }"; }
floor=$(f calib.prog.cal_empty.ns_per_run)
# above BLOCK [FLOOR]: ns per run above an empty program (of the same hook).
above() { local fl=${2:-$floor}; [ -n "$fl" ] && [ -n "$(f "calib.prog.$1.ns_per_run")" ] && calc "d = $(f "calib.prog.$1.ns_per_run") - $fl; printf \"%.0f\", (d < 0.5 && d > -0.5) ? 0 : d" || echo n/a; }
bn() { f "calib.prog.$1.ns_per_run"; }
# How far trace's own loss counts are from the kernel's (events apart).
trace_apart() {
	calc "r = \"$(f trace.ev_lost_reported)\"; e = \"$(f trace.ev_lost_expected)\";
		n = \"$(f trace.ev_not_kept_reported)\"; m = \"$(f trace.ev_not_kept_expected)\";
		if (r != \"\" && e != \"\" && n != \"\" && m != \"\")
			printf \"%d\", (r > e ? r - e : e - r) + (n > m ? n - m : m - n)"
}

{
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "# wgtrace benchmark results"
echo
echo "Generated by \`make bench\` (tests/bench/bench.sh$([ $QUICK = 1 ] && echo ' --quick')) on $START."
echo "Figures are measured, never asserted; goals are compared at the end."
[ $QUICK = 1 ] && echo "Quick run: one short round with bpf stats on throughout, for checking that every figure is produced; its ratios mean little."
echo
echo "| machine | |"
echo "|---|---|"
echo "| CPU | $cpu ($(grep -c ^processor /proc/cpuinfo) cores, $(nproc) online) |"
echo "| kernel | $(uname -r) ($(uname -m)), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null), Spectre v2: $(cat /sys/devices/system/cpu/vulnerabilities/spectre_v2 2>/dev/null | cut -d';' -f1) |"
echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
echo "| software | $("$WGTRACE" --version 2>/dev/null) ($(cd "$TOP" && git describe --always --dirty 2>/dev/null)), $(bpftrace --version 2>/dev/null), iperf $(iperf3 --version 2>/dev/null | awk 'NR == 1 { print $2 }'), wireguard-go $(wireguard-go --version 2>/dev/null | awk '{ print $NF; exit }') |"
echo "| run | $ROUNDS_DONE A/B round(s) of $ROUNDS planned, $SECS s per TCP/UDP run, $WG_SECS s per tunnel run; $(us_to_s $((T_END - T_START))) s in all |"
echo
echo "Baseline (no tracing, medians): TCP bulk $(fmt '%.2f' base.tcp_bps 1e-9) Gbit/s," \
	"64-byte UDP $(fmt '%.0f' base.udp_pps 1e-3) kpps forwarded by the gateway" \
	"($(fmt '%.0f' base.ppc_udp 1e-3) k packets per CPU-second of the sending side)," \
	"TCP through wireguard-go $(fmt '%.0f' base.wg_bps 1e-6) Mbit/s. Load average at start $LOAD_START, at end $LOAD_END" \
	"(2 cores: anything above about 1 is other users' work competing with the benchmark)."
echo
echo "## Overhead per configuration"
echo
echo "Ratios: median (min–max) over the rounds, each run against the mean of the runs without"
echo "tracing just before and after it (A/B/A/B…). BPF ns: a separate 64-byte UDP run with"
echo "\`kernel.bpf_stats_enabled=1\` (the ratio runs keep it off: its clock reads add cost), all"
echo "programs of the configuration summed, over the packets the gateway forwarded. CPU of the"
echo "tracing process: at start-up (until attached), then % of one core while traffic ran."
echo
echo "The row \"no tracing\" shows the method's own noise: each run without tracing against its"
echo "neighbours. Packets per CPU-second divides the forwarded packets by the CPU time the sending"
echo "side got (iperf3's own, plus ksoftirqd/0), so time taken by other users' work cancels out."
echo "\"Predicted\" is the pps ratio the measured BPF ns alone would cause at the baseline's CPU per packet."
echo
echo "| configuration | TCP bulk ratio | small-UDP pps ratio | small-UDP packets per CPU-second ratio | predicted from BPF ns | wireguard-go TCP ratio | BPF ns / forwarded packet | CPU at start-up | CPU while running | peak RSS (VmHWM) | BPF map memory | attach | detach |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "| no tracing (noise) | $(ratio base tcp) | $(ratio base udp) | $(ratio base ppc) | 1.0 | $(ratio base wg) | 0 | – | – | – | – | – | – |"
for c in "${CONFIGS[@]}"; do
	echo "| $(cfg_name $c) | $(ratio $c tcp) | $(ratio $c udp) | $(ratio $c ppc) | $(fmt '%.3f' $c.pred_ratio) | $(ratio $c wg) | $(fmt '%.0f' $c.bpf_ns_per_fwd) |" \
		"$(fmt '%.2f s' $c.cpu_start_s) | $(fmt '%.1f %%' $c.cpu_pct) | $(fmt '%.1f MiB' $c.rss_kib $MiB) |" \
		"$(fmt '%.2f MiB' $c.maps_bytes $BMiB) | $(fmt '%.3f s' $c.attach_s) | $(fmt '%.3f s' $c.detach_s) |"
done
echo
echo "export and watch load the same BPF programs (the counters set), so the gap between their ratios" \
	"(small UDP $(fmt '%.3f' export.udp_ratio) vs $(fmt '%.3f' watch.udp_ratio), per CPU-second $(fmt '%.3f' export.ppc_ratio) vs $(fmt '%.3f' watch.ppc_ratio))" \
	"is this run's noise; the BPF ns and the ratio predicted from them are the figures that resolve a few per cent here." \
	"run_time_ns covers the programs only, not the tracepoint's dispatch to them."
echo
echo "Events the configurations produced during one ratio run (no flood of matching packets):" \
	"export $(fmt '%.0f' export.run_events), watch $(fmt '%.0f' watch.run_events), trace $(fmt '%.0f' trace.run_events)" \
	"(trace also matches the peer's endpoint, so every outer packet of the tunnel is an event)."
echo
echo "### Memory of the tracing process"
echo
echo "| configuration | peak (VmHWM) | peak already reached when attached | resident at the end (VmRSS) | anonymous (heap) | file and shared mappings (libraries; the BPF ring buffer, mapped twice) | BPF maps (bytes_memlock) |"
echo "|---|---|---|---|---|---|---|"
for c in "${CONFIGS[@]}"; do
	echo "| $(cfg_name $c) | $(fmt '%.1f MiB' $c.rss_kib $MiB) | $(fmt '%.1f MiB' $c.rss_attach_kib $MiB) | $(fmt '%.1f MiB' $c.rss_end_kib $MiB) | $(fmt '%.1f MiB' $c.rss_anon_kib $MiB) | $(fmt '%.1f MiB' $c.rss_file_kib $MiB) | $(fmt '%.2f MiB' $c.maps_bytes $BMiB) |"
done
if [ -s "$WORK/heap.sites" ]; then
	echo
	echo "\`wgtrace export\` under heaptrack: peak heap $(awk -F'\t' '$1 == "heap.peak" { printf "%.1f MiB", $2 / 1048576 }' "$WORK/heap.sites");" \
		"allocations alive at the peak, by the first wgtrace frame of their call stack:" \
		"$(awk -F'\t' '$1 ~ /^heap\.site\./ { k = $1; sub(/^heap\.site\./, "", k); printf "%s\t%s\n", $2, k }' "$WORK/heap.sites" |
			sort -rn | head -4 | awk -F'\t' '{ printf "%s%s %.1f MiB", (NR > 1 ? ", " : ""), $2, $1 / 1048576 }')."
fi
echo
echo "## BPF cost per program (64-byte UDP flood through the gateway)"
echo
echo "Runs per forwarded packet count every namespace of the host: the hooks are global and"
echo "wgtrace filters by namespace inside each program."
echo
echo "| configuration | program | runs / forwarded packet | ns / run | ns / forwarded packet |"
echo "|---|---|---|---|---|"
for c in "${CONFIGS[@]}"; do
	awk -F'\t' -v c="$c" '$1 ~ "^" c "\\.prog\\..*\\.ns_per_run$" {
		p = $1; sub("^" c "\\.prog\\.", "", p); sub("\\.ns_per_run$", "", p); print p }' "$FIG" |
	while read -r p; do
		echo "| $c | \`$p\` | $(fmt '%.2f' "$c.prog.$p.runs_per_fwd") | $(fmt '%.0f' "$c.prog.$p.ns_per_run") | $(fmt '%.0f' "$c.prog.$p.ns_per_fwd") |"
	done
done
if [ -n "$floor" ]; then
	echo
	echo "### Building blocks (tests/bench/calib.bpf.c)"
	echo
	echo "Each block is its own program on \`tp_btf/net_dev_queue\`, all attached at once during"
	echo "a 64-byte UDP flood; none filters by namespace, so each does its work on every packet."
	echo "The \`cal_tc_*\` blocks run on tcx egress of the gateway's g1, the device the flood leaves"
	echo "by and where counters mode's \`wgt_tc_bypass\` runs: the floor of that hook, measured alike."
	echo
	echo "| block | ns / run | above an empty program | what it stands for |"
	echo "|---|---|---|---|"
	for b in cal_empty cal_netns_probe cal_netns_direct cal_parse_probe cal_parse_direct cal_lpm cal_hash2 cal_lru_count cal_tc_empty cal_tc_lpm; do
		case $b in
		cal_empty|cal_tc_empty) a=– ;;
		cal_tc_lpm) a=$(above $b "$(bn cal_tc_empty)") ;;
		*) a=$(above $b) ;;
		esac
		echo "| \`$b\` | $(fmt '%.0f' "calib.prog.$b.ns_per_run") | $a | $(block_what $b) |"
	done
fi
echo
echo "## Events under a flood of matching packets"
echo
echo "- **trace** \`trace $S1_IP --from 10.201.1.99 -c 1000\` while 64-byte UDP floods $S1_IP (every"
echo "  flood packet matches the BPF filter; \`--from\` only keeps trace from stopping after 1000 packets):"
echo "  $(fmt '%.0f' trace.ev_per_s) events/s delivered over $(fmt '%.1f' trace.ev_window_s) s"
echo "  ($(fmt '%.0f' trace.ev_offered_per_s) offered/s, $(fmt '%.0f' trace.ev_lost_window) lost in the kernel in that window)."
echo "  Totals: $(fmt '%.0f' trace.ev_total) delivered, $(fmt '%.0f' trace.ev_lost_kernel) lost in the kernel (ring full);"
echo "  \`events_lost\` reported $(fmt '%.0f' trace.ev_lost_reported) (the kernel's count: $(fmt '%.0f' trace.ev_lost_expected)),"
echo "  \`events_not_kept\` $(fmt '%.0f' trace.ev_not_kept_reported) (delivered beyond the $TRACE_KEEP trace keeps: $(fmt '%.0f' trace.ev_not_kept_expected))."
echo "  User space: $(fmt '%.1f %%' trace.ev_cpu_pct) of a core, $(fmt '%.0f' trace.ev_cpu_ns_per_event) ns CPU per delivered event"
echo "  (one core would take at most $(fmt '%.0f' trace.ev_capacity_per_s) events/s); BPF $(fmt '%.0f' trace.ev_bpf_ns_per_run) ns per"
echo "  program run while emitting; peak RSS $(fmt '%.1f MiB' trace.ev_rss_kib $MiB)."
if [ -s "$WORK/trace.perf.top" ]; then
	echo "  Its CPU by function (perf, cpu-clock): $(awk -F'\t' '{ printf "%s%s %s %%", (NR > 1 ? ", " : ""), $1, $2 }' "$WORK/trace.perf.top")."
fi
echo "- **watch** \`watch --json\` while 64-byte UDP floods S2 (route_bypass: in the peer's AllowedIPs,"
echo "  routed to the LAN): $(fmt '%.1f' watch.ev_per_s) events/s (samples: one per 100 ms per CPU per verdict, by design),"
echo "  $(fmt '%.0f' watch.ev_lost_kernel) lost in the kernel, \`events_lost\` reported $(fmt '%.0f' watch.ev_lost_reported)."
echo "  The counters are whole: route_bypass counted $(fmt '%.0f' watch.bypass_counted) packets; the gateway queued"
echo "  $(fmt '%.0f' watch.bypass_oracle) on the veth to S2 in that time (tx_packets, ARP included)."
echo
echo "### With --pcap and --record"
echo
echo "The same floods again, the options added: \`trace --pcap /dev/null\` (each event followed by"
echo "a packet record in the ring, 1056 bytes reserved and up to 256 copied, and the pcapng written;"
echo "/dev/null keeps a flood from filling the disk, the writing is counted), \`watch --pcap FILE\` (each sample with"
echo "its packet) and \`watch --record FILE\` (each sample and snapshot as gzip'd JSON Lines)."
echo "Ring records per second count packet records too. BPF ns are per program run during the flood."
NOSTACK=$([ -n "$(f trace_nostack.ev_per_s)" ] && echo trace_nostack)	# full runs only
if [ -n "$NOSTACK" ]; then
	echo "\`trace_nostack\`: the first flood again with kernel.kptr_restrict=2 (restored after): with the"
	echo "kernel's addresses hidden trace cannot find the callers it looks for on the kernel stack, takes no"
	echo "stack per event and tells the kernel's own lookups by timing (lookup_context by the stack: trace"
	echo "$(fmt '%.0f' trace.ev_ctx_stack), trace_nostack $(fmt '%.0f' trace_nostack.ev_ctx_stack); 1 = yes). The difference in BPF ns per run is"
	echo "what bpf_get_stack's unwinding of 16 frames costs each event of the traced flow."
fi
echo
echo "| run | ring records/s delivered | lost in the kernel | BPF ns / run | user CPU |"
echo "|---|---|---|---|---|"
for c in trace trace_pcap $NOSTACK; do
	echo "| \`$c\` | $(fmt '%.0f' $c.ev_per_s) | $(fmt '%.0f' $c.ev_lost_window) | $(fmt '%.0f' $c.ev_bpf_ns_per_run) | $(fmt '%.1f %%' $c.ev_cpu_pct) |"
done
for c in watch watch_pcap watch_record; do
	echo "| \`$c\` | $(fmt '%.1f' $c.ev_per_s) | $(fmt '%.0f' $c.ev_lost_kernel) | $(fmt '%.0f' $c.ev_bpf_ns_per_run) | $(fmt '%.1f %%' $c.ev_cpu_pct) |"
done
echo
echo "## Goals"
echo
echo "| goal | result |"
echo "|---|---|"
noise() {	# noise METRIC: a note when runs without tracing varied more than 10 %
	local lo hi
	lo=$(f "base.$1_ratio.min"); hi=$(f "base.$1_ratio.max")
	[ -n "$lo" ] && [ -n "$hi" ] && calc "exit !($hi - $lo > 0.1)" &&
		calc "printf \"(A/B noise: runs without tracing varied %.2f–%.2f against their neighbours)\", $lo, $hi"
}
goal_line "counters mode (export) TCP ratio ≥ 0.98" "$(f export.tcp_ratio)" ge 0.98 "" "$(noise tcp)"
goal_line "counters mode (export) small-UDP ratio ≥ 0.90" "$(f export.udp_ratio)" ge 0.90 "" "$(noise udp)"
goal_line "… the same in packets per CPU-second (contention cancels out)" "$(f export.ppc_ratio)" ge 0.90 "" "$(noise ppc)"
goal_line "… the same predicted from the BPF ns" "$(f export.pred_ratio)" ge 0.90 ""
# The floor of counters mode's hook, measured the same way (calib, tcx egress
# of g1): an empty program, and one with the single LPM lookup it needs.
tc_floor_note() {
	local e l
	e=$(bn cal_tc_empty); l=$(bn cal_tc_lpm)
	[ -n "$e" ] && [ -n "$l" ] || return 0
	calc "e = $e; l = $l; if (l > 100) printf \"(not reachable on this hook: an empty tcx egress program costs %.0f ns per run here, with the one LPM lookup the check needs %.0f ns)\", e, l;
		else printf \"(floor on this hook: an empty tcx egress program %.0f ns, with the one LPM lookup %.0f ns)\", e, l"
}
goal_line "counters mode (export) total BPF ≤ 100 ns / forwarded packet" "$(f export.bpf_ns_per_fwd)" le 100 ns "$(tc_floor_note)"
goal_line "trace of one flow under a flood of others ≥ 0.95 pps ratio" "$(f trace.udp_ratio)" ge 0.95 "" "$(noise udp)"
goal_line "… the same in packets per CPU-second" "$(f trace.ppc_ratio)" ge 0.95 "" "$(noise ppc)"
goal_line "… the same predicted from the BPF ns" "$(f trace.pred_ratio)" ge 0.95 ""
bt_ns=$(f bpftrace.bpf_ns_per_fwd)
bt_ovh=$(calc "r = \"$(f bpftrace.ppc_ratio)\"; if (r != \"\") printf \"%.3f\", 1 - r")
for c in export watch trace; do
	goal_line "$c cheaper than bpftrace in BPF ns / forwarded packet (bpftrace: $(fmt '%.0f' bpftrace.bpf_ns_per_fwd))" \
		"$(f $c.bpf_ns_per_fwd)" le "$bt_ns" ns
	goal_line "$c cheaper than bpftrace in overhead per CPU-second, 1 − ratio (bpftrace: ${bt_ovh:-n/a})" \
		"$(calc "r = \"$(f $c.ppc_ratio)\"; if (r != \"\") printf \"%.3f\", 1 - r")" le "$bt_ovh" ""
done
goal_line "counters mode removes at least half of bpftrace's overhead: export BPF ns ≤ 50 % of bpftrace's" \
	"$(calc "a = \"$(f export.bpf_ns_per_fwd)\"; b = \"$bt_ns\"; if (a != \"\" && b > 0) printf \"%.1f\", a / b * 100")" le 50 "%"
goal_line "counters mode removes at least half of bpftrace's overhead: export overhead per CPU-second ≤ 50 % of bpftrace's" \
	"$(calc "a = \"$(f export.ppc_ratio)\"; b = \"$(f bpftrace.ppc_ratio)\"; if (a != \"\" && b != \"\" && b < 1) printf \"%.1f\", (1 - a) / (1 - b) * 100")" le 50 "%"
# Delivered can be no more than offered: the flood (one iperf3 on one CPU,
# the BPF cost in its path) bounds it when nothing was lost.
offered_note() {
	[ "$(f trace.ev_lost_window)" = 0 ] || return 0
	echo "(all $(fmt '%.0f' trace.ev_offered_per_s) events/s offered were delivered, none lost: the flood's rate bounds this figure, the capacity below is trace's;" \
		"the flood carries $(fmt '%.0f' trace.ev_bpf_ns_per_run) ns of BPF per event$([ -n "$NOSTACK" ] &&
		echo ", $(fmt '%.0f' trace_nostack.ev_bpf_ns_per_run) ns without the kernel stack, which gives $(fmt '%.0f' trace_nostack.ev_per_s) events/s"))"
}
goal_line "trace ≥ 500,000 events/s delivered on one core (delivered)" "$(f trace.ev_per_s)" ge 500000 "events/s" "$(offered_note)"
goal_line "trace ≥ 500,000 events/s on one core (capacity: 1 / CPU per event)" "$(f trace.ev_capacity_per_s)" ge 500000 "events/s"
goal_line "trace: every lost event counted (events_lost and events_not_kept − the kernel's counts)" \
	"$(trace_apart)" le 0 "events apart"
goal_line "watch: every lost event counted (events_lost − kernel count)" \
	"$(calc "r = \"$(f watch.ev_lost_reported)\"; k = \"$(f watch.ev_lost_kernel)\"; if (r != \"\" && k != \"\") printf \"%d\", (r > k ? r - k : k - r)")" le 0 "events apart"
for c in export watch trace; do
	goal_line "$c attach ≤ 0.5 s" "$(f $c.attach_s)" le 0.5 s
	goal_line "$c peak RSS ≤ 32 MiB" "$(fmt '%.1f' $c.rss_kib $MiB)" le 32 MiB
	goal_line "$c BPF maps ≤ 64 MiB" "$(fmt '%.2f' $c.maps_bytes $BMiB)" le 64 MiB
done
# The previous full run's figures (tests/bench/figures.tsv, written by a
# full run next to RESULTS.md) beside this run's, for the goals and what
# they are made of.
if [ -r "$PREV_FIG" ]; then
	pf() { awk -F'\t' -v k="$1" '$1 == k { print $2; exit }' "$PREV_FIG"; }
	# prev_row TEXT KEY FORMAT [SCALE]
	prev_row() {
		local p
		p=$(pf "$2")
		[ -n "$p" ] && p=$(awk -v v="$p" -v s="${4:-1}" -v f="$3" 'BEGIN { printf f, v * s }')
		echo "| $1 | ${p:-–} | $(fmt "$3" "$2" "${4:-}") |"
	}
	echo
	echo "### Against the previous full run"
	echo
	echo "Previous: $(pf meta.date), $(pf meta.software). This run: $START. Same script and method;"
	echo "figures of one run move by about ±10 % on this shared machine."
	echo
	echo "| figure | previous | this run |"
	echo "|---|---|---|"
	prev_row "export: BPF ns / forwarded packet (goal ≤ 100)" export.bpf_ns_per_fwd '%.1f'
	prev_row "… \`wgt_tc_bypass\` ns / run" export.prog.wgt_tc_bypass.ns_per_run '%.1f'
	prev_row "… \`wgt_kfree_skb\` ns / forwarded packet (drops anywhere on the host)" export.prog.wgt_kfree_skb.ns_per_fwd '%.1f'
	prev_row "floor: an empty tcx egress program, ns / run" calib.prog.cal_tc_empty.ns_per_run '%.1f'
	prev_row "floor: the same with the one LPM lookup, ns / run" calib.prog.cal_tc_lpm.ns_per_run '%.1f'
	prev_row "trace: events/s delivered (goal ≥ 500,000)" trace.ev_per_s '%.0f'
	prev_row "trace: events/s offered by the flood" trace.ev_offered_per_s '%.0f'
	prev_row "trace: capacity of one core, events/s (goal ≥ 500,000)" trace.ev_capacity_per_s '%.0f'
	prev_row "trace: user CPU ns / delivered event" trace.ev_cpu_ns_per_event '%.0f'
	prev_row "trace: BPF ns / emitting run" trace.ev_bpf_ns_per_run '%.0f'
	for c in export watch trace; do
		prev_row "$c: peak RSS MiB (goal ≤ 32)" $c.rss_kib '%.1f' $MiB
		prev_row "$c: attach s (goal ≤ 0.5)" $c.attach_s '%.3f'
	done
fi
echo
echo "## Cost centres (from the figures above)"
echo
for c in export watch trace; do
	top=$(awk -F'\t' -v c="$c" '$1 ~ "^" c "\\.prog\\..*\\.ns_per_fwd$" { p = $1; sub("^" c "\\.prog\\.", "", p); sub("\\.ns_per_fwd$", "", p); if ($2 + 0 > best) { best = $2 + 0; bp = p } } END { print bp }' "$FIG")
	[ -n "$top" ] || continue
	echo "- **$c**: $(fmt '%.0f' $c.bpf_ns_per_fwd) ns of BPF per forwarded packet, most of it \`$top\`:" \
		"$(fmt '%.2f' "$c.prog.$top.runs_per_fwd") runs per forwarded packet × $(fmt '%.0f' "$c.prog.$top.ns_per_run") ns" \
		"= $(fmt '%.0f' "$c.prog.$top.ns_per_fwd") ns. Per run: $(prog_work "$top")."
done
if [ -n "$floor" ]; then
	echo "- Building blocks, per run: any program $(fmt '%.0f' calib.prog.cal_empty.ns_per_run) ns here;" \
		"the namespace check every wgtrace program starts with $(above cal_netns_probe) ns more with BPF_CORE_READ," \
		"$(above cal_netns_direct) ns with direct loads; the 5-tuple $(above cal_parse_probe) ns (direct: $(above cal_parse_direct) ns);" \
		"an LPM-trie lookup $(above cal_lpm) ns; the trace filter's 2 hash lookups $(above cal_hash2) ns;" \
		"an LRU per-CPU counter update $(above cal_lru_count) ns. The bpf_probe_read_kernel calls behind BPF_CORE_READ," \
		"not the map operations, are the largest share of the counters path."
	# What direct loads would save export per forwarded packet: the check on
	# every wgt_dev_queue run, the parse once (the gateway's own packet).
	dq=$(f export.prog.wgt_dev_queue.runs_per_fwd)
	if [ -n "$dq" ]; then
		echo "- Estimated saving for export with direct loads: $(calc "printf \"%.0f\", $dq * ($(bn cal_netns_probe) - $(bn cal_netns_direct)) + ($(bn cal_parse_probe) - $(bn cal_parse_direct))") ns per forwarded packet" \
			"($dq × the namespace check + one 5-tuple), of $(fmt '%.0f' export.bpf_ns_per_fwd); what stays is about" \
			"$(calc "printf \"%.0f\", $dq * $floor") ns of fixed per-run cost ($dq runs × $(fmt '%.0f' calib.prog.cal_empty.ns_per_run) ns, partly the bpf stats' own clock reads)" \
			"plus the LPM lookup."
	fi
fi
apart=$(trace_apart)
if [ -n "$apart" ] && [ "$apart" != 0 ]; then
	echo "- **trace events_lost**: its events_lost and events_not_kept are $apart events apart from the" \
		"kernel's counts (lost: $(fmt '%.0f' trace.ev_lost_expected), submitted: $(fmt '%.0f' trace.ev_total)):" \
		"events submitted but neither delivered nor counted."
fi
if [ -n "$(f trace.ev_cpu_ns_per_event)" ]; then
	echo "- **trace user space**: $(fmt '%.0f' trace.ev_cpu_ns_per_event) ns CPU per delivered event" \
		"($(fmt '%.1f %%' trace.ev_cpu_pct) of a core at $(fmt '%.0f' trace.ev_per_s) events/s)$([ -s "$WORK/trace.perf.top" ] &&
		echo ", mostly $(awk -F'\t' 'NR <= 4 { printf "%s%s %s %%", (NR > 1 ? ", " : ""), $1, $2 }' "$WORK/trace.perf.top")")." \
		"Per event: the ring buffer callback's copy of a kept event (the first 65536), a count for the rest;" \
		"the BPF side wakes trace per 256 KiB of unread events, not per event, and done_enough() re-reduces" \
		"the kept events (trace_reduce → path_group_fib) at most every 200 ms and only when some were added." \
		"Its BPF side costs $(fmt '%.0f' trace.ev_bpf_ns_per_run) ns per matching run" \
		"(ring buffer reserve, a 216-byte memset, ~15 BPF_CORE_READ, the kernel stack of the lookup), which throttles the flood itself."
fi
for c in export watch trace; do
	hwm=$(f $c.rss_kib)
	[ -n "$hwm" ] || continue
	calc "exit !($hwm > 32 * 1024)" || continue
	echo "- **$c memory**: peak $(fmt '%.1f MiB' $c.rss_kib $MiB), $(fmt '%.1f MiB' $c.rss_attach_kib $MiB) of it reached by the time" \
		"it attached; at the end $(fmt '%.1f MiB' $c.rss_anon_kib $MiB) anonymous and $(fmt '%.1f MiB' $c.rss_file_kib $MiB) file/shared" \
		"(libraries, and the 4 MiB ring buffer mapped twice = 8 MiB).$([ $c = trace ] &&
		echo " trace keeps up to 65536 events of 216 bytes (13.5 MiB) and callocs a fib_decision per kept event each time it re-reduces them.")"
done
if [ -s "$WORK/heap.sites" ]; then
	top_site=$(awk -F'\t' '$1 ~ /^heap\.site\./ { k = $1; sub(/^heap\.site\./, "", k); if ($2 + 0 > b) { b = $2 + 0; t = k } } END { print t }' "$WORK/heap.sites")
	top_mib=$(awk -F'\t' -v k="heap.site.$top_site" '$1 == k { printf "%.1f", $2 / 1048576 }' "$WORK/heap.sites")
	echo "- **start-up heap** (heaptrack, export): $top_mib MiB of the heap at its peak was allocated under \`$top_site\`$(
		case $top_site in user/attach/hook_try.c:*) echo ": libbpf parsing /sys/kernel/btf/vmlinux (about 5.5 MB) for each hook candidate tried (bpf_program__set_attach_target on a throw-away probe skeleton), several copies alive at once" ;; esac)."
fi
echo
echo "## Conditions"
echo
echo "- Topology: client → gateway → server namespaces on veth; wg-quick policy routing on the"
echo "  gateway (fwmark 51820, table 51820, \`not fwmark\`, \`suppress_prefixlength 0\`, src_valid_mark);"
echo "  a wireguard-go device to a peer namespace for the tunnelled runs; iperf3 clients on CPU 0,"
echo "  servers on CPU 1."
echo "- On veth the whole path (client send, gateway forward, server receive) runs on the sender's"
echo "  CPU, so a ratio understates the cost on a gateway that only forwards; the ns figures do not."
echo "- \`trace\` runs with \`-c 1000\`, its maximum (\`-c 1000000\` is refused as a usage error). In the"
echo "  ratio runs it traces S2 ($S2_IP), which gets no traffic, while the flood goes to S1."
echo "- The bpftrace script (tests/bench/bpftrace-equivalent.bt) counts every namespace with classic"
echo "  tracepoints, as a one-off script would."
echo "- The machine is shared: other users' tracing programs run for these packets too and burden every"
echo "  configuration alike. At start: ${FOREIGN_START:-none}. At end: ${FOREIGN_END:-none}."
} >"$WORK/results.md.tmp"

mv "$WORK/results.md.tmp" "$OUT"
# The same gateway at 100 to 20,000 peers (quick: 100 only, so a regression
# that refuses to start at scale shows in the smoke test too).
say "scale: wgtrace on gateways of 100 to 20,000 peers"
"$HERE/scale.sh" $([ $QUICK = 1 ] && echo --quick) --out "$OUT" ||
	say "the scale section is incomplete (see above)"
[ -n "$FIGURES" ] && cp "$FIG" "$FIGURES"
# A full run into RESULTS.md leaves its figures for the next one to compare.
if [ $QUICK = 0 ] && [ "$OUT" = "$HERE/RESULTS.md" ]; then
	{ printf 'meta.date\t%s\n' "$START"
	  printf 'meta.software\t%s (%s)\n' "$("$WGTRACE" --version 2>/dev/null)" \
		"$(cd "$TOP" && git describe --always --dirty 2>/dev/null)"
	  grep -v '^meta\.' "$FIG"; } >"$PREV_FIG"
fi
cat "$OUT"
say "results written to $OUT"
missing_figs=$(awk -F'\t' '$2 == "" { print $1 }' "$FIG")
[ -z "$missing_figs" ] || say "figures without a value: $missing_figs"
exit 0
