#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wgtrace on gateways of 100 to 20,000 peers (wireguard-go, two AllowedIPs
# per peer and a route per prefix: tests/lib/scale_gw.sh), one size after
# the other on the same machine:
#   wg show dump      the reference: what the configuration itself costs
#   check             wall time of `wgtrace check`
#   watch, export     time from start to attached (watch: its first status
#                     line; export: its first 200 on /metrics) and peak RSS
#   trace             time to attached (its "tracing ..." line) and peak RSS
#   scrape            size and time of one /metrics
#   BPF ns/packet     kernel.bpf_stats run time per run of export's tc
#                     egress program on the WireGuard device (the AllowedIPs
#                     lookup of every packet into it), for 500 echo requests
#                     to ten peers spread over the table; bpf_stats restored
# and the growth per 10x peers next to each (1.0: flat, 10: linear).
#
# Usage: tests/bench/scale.sh [--quick] [--out FILE] [SIZES...]
#   --quick      only the smallest size (100), for the smoke test
#   --out FILE   append the Markdown section to FILE (default: stdout)
#   SIZES        peer counts (default 100 1000 5000 20000; at most 32000)
# Exit status: 0 every size measured, 1 a size failed, 2 bad usage.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
WGTRACE=${WGTRACE:-$TOP/wgtrace}
. "$TOP/tests/netns/lib.sh"
. "$TOP/tests/lib/scale_gw.sh"

QUICK=0 OUT= SIZES=()
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--out) OUT=${2:?--out needs a file}; shift ;;
	-h|--help) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	[0-9]*) SIZES+=("$1") ;;
	*) echo "scale: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000 5000 20000)
[ $QUICK = 1 ] && SIZES=(100)
for n in "${SIZES[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 100 ] && [ "$n" -le $SCALE_GW_MAX ] ||
		{ echo "scale: size '$n' must be 100-$SCALE_GW_MAX" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "scale: needs root" >&2; exit 2; }

TMP=$(mktemp -d /tmp/wgt-scale-bench.XXXXXX)
STATS0=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled="$STATS0"; cleanup; rm -rf "$TMP"' EXIT
say() { echo "scale: $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
# wait_line FILE PATTERN PID SECS: until FILE has PATTERN, or PID died.
wait_line() {
	local end=$((SECONDS + $4))
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ $SECONDS -ge $end ] && return 1
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.02
	done
}
stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# prog_stat PID NAME: "run_time_ns run_cnt" of PID's program NAME.
prog_stat() {
	local id
	for id in $(cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u); do
		bpftool prog show id "$id" -j 2>/dev/null |
			jq -r --arg n "$2" 'select(.name == $n) | "\(.run_time_ns // 0) \(.run_cnt // 0)"'
	done | awk '{ t += $1; c += $2 } END { print t + 0, c + 0 }'
}

declare -A R	# R[size.key] = figure
measure() {
	local n=$1 G D pid t0 port dst i sent ns0 ns1 tx0 tx1
	say "$n peers: building"
	ns_new G && wg_devname D && wggo_start "$G" "$D" &&
		scale_gw_files "$n" "$TMP" && scale_gw_apply "$G" "$D" "$TMP" ||
		{ say "$n peers: cannot build the gateway"; return 1; }
	ip netns exec "$G" sysctl -qw "net.ipv6.conf.$D.disable_ipv6=1"

	t0=$(now_ms)
	ip netns exec "$G" wg show "$D" dump >/dev/null
	R[$n.dump]=$(($(now_ms) - t0))
	t0=$(now_ms)
	"$WGTRACE" check -n "$G" --json >/dev/null 2>&1
	R[$n.check]=$(($(now_ms) - t0))

	# Emptied first: the background job truncates it only once it runs,
	# and the previous size's line must not count as this one's.
	: >"$TMP/w"
	"$WGTRACE" watch -n "$G" --json --interval 1 --duration 60 >"$TMP/w" 2>&1 &
	pid=$!
	t0=$(now_ms)
	if wait_line "$TMP/w" '"type":"status"' "$pid" 60; then
		R[$n.watch_ms]=$(($(now_ms) - t0))
		R[$n.watch_mib]=$(hwm "$pid")
	fi
	stop "$pid"

	port=$(free_port)
	"$WGTRACE" export -n "$G" --listen "127.0.0.1:$port" --interval 1 >/dev/null 2>&1 &
	pid=$!
	t0=$(now_ms)
	while ! curl -sf --max-time 5 -o /dev/null "http://127.0.0.1:$port/metrics"; do
		[ $(($(now_ms) - t0)) -gt 60000 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	R[$n.export_ms]=$(($(now_ms) - t0))
	sysctl -qw kernel.bpf_stats_enabled=1
	# The tc egress program on the WireGuard device does the AllowedIPs
	# lookup for every packet into it: its ns per run is the per-packet
	# cost that must not grow with peers.
	read -r ns0 c0 <<<"$(prog_stat "$pid" wgt_tc_egress)"
	tx0=$(cat "/sys/class/net/$D/statistics/tx_packets" 2>/dev/null ||
		ip netns exec "$G" cat "/sys/class/net/$D/statistics/tx_packets")
	# The same 500 packets at every size: 50 echo requests to each of ten
	# peers spread over the table, so per-run cost compares across sizes
	# (first packets to a peer also create its counter key).
	for ((i = 0; i < 10; i++)); do
		dst=$(scale_gw_net $((i * n / 10)))
		ip netns exec "$G" ping -q -c 50 -i 0.002 -W 0.1 "${dst%.0/24}.1" >/dev/null 2>&1
	done
	tx1=$(ip netns exec "$G" cat "/sys/class/net/$D/statistics/tx_packets")
	read -r ns1 c1 <<<"$(prog_stat "$pid" wgt_tc_egress)"
	sent=$((tx1 - tx0))
	[ $((c1 - c0)) -gt 0 ] && R[$n.bpf_ns]=$(((ns1 - ns0) / (c1 - c0)))
	R[$n.bpf_runs]="$((c1 - c0))/$sent"
	sysctl -qw kernel.bpf_stats_enabled="$STATS0"
	t0=$(now_ms)
	curl -sf --max-time 60 "http://127.0.0.1:$port/metrics" >"$TMP/s"
	R[$n.scrape_ms]=$(($(now_ms) - t0))
	R[$n.scrape_kib]=$(($(wc -c <"$TMP/s") / 1024))
	R[$n.export_mib]=$(hwm "$pid")
	stop "$pid"

	dst=$(scale_gw_host $((n / 2)))
	: >"$TMP/t"	# as "$TMP/w" above
	"$WGTRACE" trace "${dst%/32}" -n "$G" --send -c 1 -t 5 --json >/dev/null 2>"$TMP/t" &
	pid=$!
	t0=$(now_ms)
	if wait_line "$TMP/t" 'wgtrace: tracing' "$pid" 60; then
		R[$n.trace_ms]=$(($(now_ms) - t0))
		R[$n.trace_mib]=$(hwm "$pid")
	fi
	wait "$pid" 2>/dev/null
	cleanup	# this size's namespace and wireguard-go
	_ns_list=() _pid_list=()
	return 0
}

rc=0
for n in "${SIZES[@]}"; do
	measure "$n" || rc=1
done

# growth KEY: per 10x peers between the smallest and the largest size.
growth() {
	local a=${SIZES[0]} b=${SIZES[-1]} va vb
	va=${R[$a.$1]:-} vb=${R[$b.$1]:-}
	[ "$a" != "$b" ] && [ -n "$va" ] && [ -n "$vb" ] &&
		awk -v va="$va" -v vb="$vb" -v a="$a" -v b="$b" 'BEGIN {
			if (va <= 0) { print "n/a"; exit }
			printf "%.1fx", exp(log(vb / va) / (log(b / a) / log(10))) }' ||
		echo "n/a"
}
# scale_goal TEXT KEY LIMIT UNIT: a goal line for the largest size.
scale_goal() {
	local v=${R[$big.$2]:-}
	if [ -z "$v" ]; then
		echo "| $1 | not measured |"
	elif awk -v v="$v" -v l="$3" 'BEGIN { exit !(v <= l) }'; then
		echo "| $1 | met ($v $4) |"
	else
		echo "| $1 | **missed** (measured $v $4) |"
	fi
}
{
	echo
	echo "## Scale: 100 to 20,000 peers ($(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r))"
	echo
	echo "wireguard-go gateway, two AllowedIPs per peer and a route per prefix"
	echo "(tests/lib/scale_gw.sh); \`tests/bench/scale.sh\`, one size after the"
	echo "other. Times in ms, memory as peak RSS in MiB. \"per 10x\" is the growth"
	echo "factor per tenfold peers between the smallest and largest size (1.0 flat,"
	echo "10 linear)."
	echo
	printf '| figure |'
	for n in "${SIZES[@]}"; do printf ' %s |' "$n"; done
	printf ' per 10x |\n|---|'
	for n in "${SIZES[@]}"; do printf -- '---|'; done
	printf -- '---|\n'
	for k in dump:"wg show dump ms" check:"check ms" watch_ms:"watch attach ms" \
		watch_mib:"watch RSS MiB" export_ms:"export ready ms" \
		export_mib:"export RSS MiB" scrape_kib:"scrape KiB" \
		scrape_ms:"scrape ms" trace_ms:"trace attach ms" \
		trace_mib:"trace RSS MiB" bpf_ns:"tc egress ns per packet (LPM)" \
		bpf_runs:"tc runs / packets into wg"; do
		printf '| %s |' "${k#*:}"
		for n in "${SIZES[@]}"; do printf ' %s |' "${R[$n.${k%%:*}]:-n/a}"; done
		printf ' %s |\n' "$(growth "${k%%:*}")"
	done
	big=${SIZES[-1]}
	if [ "$big" -ge 20000 ]; then
		echo
		echo "Goals at $big peers, from the table above:"
		echo
		echo "| goal | result |"
		echo "|---|---|"
		scale_goal "check ≤ 1000 ms" check 1000 ms
		scale_goal "watch attached (its first status line) ≤ 1000 ms" watch_ms 1000 ms
		scale_goal "export attached and answering /metrics ≤ 1000 ms" export_ms 1000 ms
		scale_goal "trace attached ≤ 1000 ms" trace_ms 1000 ms
		for k in watch export trace; do
			scale_goal "$k peak RSS ≤ 64 MiB" "${k}_mib" 64 MiB
		done
	fi
} >"$TMP/section"
if [ -n "$OUT" ]; then
	cat "$TMP/section" >>"$OUT"
else
	cat "$TMP/section"
fi
exit $rc
