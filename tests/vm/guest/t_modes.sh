#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# probe promises only what the jobs deliver: on this kernel, the mode
# `wgtrace probe --json` reports for each fact equals the mode a running
# `watch` (status line) and `trace --send` (summary) report for the facts
# they use. Both come from one hook table and one plan in the code; this
# checks that the plan survives the real load on each kernel line (5.10
# refuses programs an empty probe program would not reveal).
#
# Also: no fact a job needs ends up "unavailable" while probe found a way,
# and the kernel's own capabilities decide the WireGuard modes: with module
# BTF (5.11+) and fentry, WireGuard's facts are fentry; without module BTF
# they are kprobe.
#
#   A wg0 10.99.0.1 --- B wg0 10.99.0.2 (kernel WireGuard, veth underlay)

. /tests/lib.sh
type plan >/dev/null 2>&1 && plan 6

CHECKS="modes-probe-runs modes-watch-runs modes-watch-equal-probe
	modes-trace-runs modes-trace-equal-probe modes-wg-by-btf"
require_wgtrace $CHECKS || exit 0

WG_NS_A=wgm_a WG_NS_B=wgm_b
if ! wg_pair_up; then
	fail_all "the WireGuard pair did not come up"
fi

probe=$LIB_TMP/probe.json
if wgtrace probe --json >"$probe" 2>"$LIB_TMP/probe.err"; then
	pass modes-probe-runs
else
	fail modes-probe-runs "wgtrace probe --json failed: $(head -n 3 "$LIB_TMP/probe.err")"
fi
probe_modes=$(jq -c -s '[.[] | select(.type == "hook") | {(.fact): .mode}] | add' \
	"$probe" 2>/dev/null)
[ -n "$probe_modes" ] || probe_modes=null
# For tests/vm/modes_table.sh, which builds README's kernel x fact table.
info "probe-modes $(uname -r) $probe_modes"

# mismatch JOB MODES_JSON: the facts whose mode differs from probe's.
mismatch() {
	jq -n -r --arg job "$1" --argjson j "$2" --argjson p "$probe_modes" '
		[$j | to_entries[] | select($p[.key] != .value) |
		 "\(.key): \($job) \(.value), probe \($p[.key] // "absent")"] |
		join("; ")'
}

# watch in A's namespace, stopped after its first status line.
out=$LIB_TMP/watch.json
nsx "$WG_NS_A" wgtrace watch --json --interval 1 --duration 20 >"$out" \
	2>"$LIB_TMP/watch.err" &
wpid=$!
at_exit "kill $wpid"
wait_until 60 grep -q '"type":"status"' "$out"
kill -TERM "$wpid" 2>/dev/null
wait "$wpid"
watch_modes=$(jq -c 'select(.type == "status") | .modes' "$out" 2>/dev/null |
	head -n 1)
if [ -n "$watch_modes" ]; then
	pass modes-watch-runs
	m=$(mismatch watch "$watch_modes")
	if [ -z "$m" ]; then
		pass modes-watch-equal-probe
	else
		fail modes-watch-equal-probe "$m"
	fi
else
	fail modes-watch-runs "no status line: $(head -n 3 "$LIB_TMP/watch.err")"
	fail modes-watch-equal-probe "watch reported no modes"
fi

# trace of B's tunnel address, with its own probes.
out=$LIB_TMP/trace.json
nsx "$WG_NS_A" wgtrace trace 10.99.0.2 --send -c 2 -t 30 --json >"$out" \
	2>"$LIB_TMP/trace.err"
trace_modes=$(jq -c 'select(.type == "summary") | .modes' "$out" 2>/dev/null |
	head -n 1)
if [ -n "$trace_modes" ]; then
	pass modes-trace-runs
	m=$(mismatch trace "$trace_modes")
	if [ -z "$m" ]; then
		pass modes-trace-equal-probe
	else
		fail modes-trace-equal-probe "$m"
	fi
else
	fail modes-trace-runs "no summary: $(head -n 3 "$LIB_TMP/trace.err")"
	fail modes-trace-equal-probe "trace reported no modes"
fi

# The WireGuard facts follow the kernel's own BTF: fentry where the module
# has BTF (and fentry loads), kprobe where it has none.
tx=$(jq -r 'select(.type == "hook" and .fact == "wg_tx_peer") | .mode' "$probe")
rx=$(jq -r 'select(.type == "hook" and .fact == "wg_rx_src") | .mode' "$probe")
if [ -e /sys/kernel/btf/wireguard ]; then
	want=fentry
else
	want=kprobe
fi
info "module BTF: $([ -e /sys/kernel/btf/wireguard ] && echo yes || echo no); wg_tx_peer $tx, wg_rx_src $rx"
if [ "$tx" = "$want" ] && [ "$rx" = "$want" ]; then
	pass modes-wg-by-btf
else
	fail modes-wg-by-btf "want $want for wg_tx_peer and wg_rx_src, probe says $tx and $rx"
fi
exit 0
