#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace probe` on the host kernel, checked against what the kernel itself
# shows: tracefs events, the kprobe PMU, bpftrace's own fentry attach, module
# presence, the BTF drop-reason enum, and bpftool's list of programs.
. "$(dirname "$0")/lib.sh"
require_root probe
require_cmd probe jq bpftool bpftrace tc

T=/sys/kernel/tracing
out=$(mktemp); trap 'rm -f "$out"; cleanup' EXIT
# wgtrace's programs (probe_* attach tests, wgt_* the plan's load of the
# real ones) that no process holds: what a leak leaves (a tc filter or a
# pin keeps a program alive after its process is gone). Programs of other
# wgtrace instances running meanwhile are held by them and do not count.
ours() {
	bpftool prog show -j | jq '[.[] | select((.name // "") | test("^(probe|wgt)_")) |
		select((.pids // []) | length == 0)] | length'
}
before=$(ours)

# Seventeen checks, and two more about the fallback when the kernel has no
# WireGuard module BTF (the host never has).
TPS="fib/fib_table_lookup fib6/fib6_table_lookup skb/kfree_skb icmp/icmp_send"
n=$((13 + $(wc -w <<<"$TPS")))
[ -e /sys/kernel/btf/wireguard ] || n=$((n + 2))
plan $n

if ! "$WGTRACE" probe --json >"$out"; then
	fail probe-runs "wgtrace probe --json exited $?"
	exit 0
fi
pass probe-runs

# ok-ness of one candidate hook as the probe reported it: true/false/absent.
# A hook may carry a qualifier ("tp_btf/kfree_skb:reason", "... (IPv4)");
# any candidate on that hook that works makes it true.
cand_sel='select(.type=="hook") | .candidates[] |
	select(.hook==$h or (.hook|startswith($h+":")) or (.hook|startswith($h+" (")))'
cand() {
	jq -r --arg h "$1" "[$cand_sel | .ok] | if length == 0 then empty else any end" "$out" | head -1
}
cand_err() {
	jq -r --arg h "$1" "$cand_sel | .error" "$out" | head -1
}

# Tracepoints: the kernel lists each in tracefs.
for tp in $TPS; do
	want=false; [ -d "$T/events/$tp" ] && want=true
	got=$(cand "tp_btf/${tp#*/}")
	check "probe-tp-${tp#*/}" "tracefs says $want, probe says '$got'" [ "$got" = "$want" ]
done

# kprobes: the kernel offers them through the kprobe PMU or tracefs kprobe_events.
kp=false
{ [ -e /sys/bus/event_source/devices/kprobe/type ] || [ -e $T/kprobe_events ]; } && kp=true
got=$(cand kretprobe/fib_rules_lookup)
if [ $kp = false ]; then
	check probe-kprobe "no kprobe support here, probe says '$got' ($(cand_err kretprobe/fib_rules_lookup))" \
		[ "$got" = false ]
else
	check probe-kprobe "kprobes exist here, probe says '$got'" [ "$got" = true ]
fi

# fentry/fexit: bpftrace attaching a kfunc probe is an independent witness.
if timeout 60 bpftrace -e 'kfunc:fib_rules_lookup { exit(); } interval:ms:100 { exit(); }' \
	>/dev/null 2>&1; then want=true; else want=false; fi
got=$(cand fexit/fib_rules_lookup)
check probe-fentry "bpftrace kfunc attach says $want, probe says '$got'" [ "$got" = "$want" ]

# The WireGuard module and its BTF.
want=false; [ -d /sys/module/wireguard ] && want=true
got=$(jq -r 'select(.type=="kernel") | .wireguard_module' "$out")
check probe-wg-module "/sys/module/wireguard says $want, probe says '$got'" [ "$got" = "$want" ]
want=false; [ -e /sys/kernel/btf/wireguard ] && want=true
got=$(jq -r 'select(.type=="kernel") | .wireguard_btf' "$out")
check probe-wg-btf "/sys/kernel/btf/wireguard says $want, probe says '$got'" [ "$got" = "$want" ]
if [ "$want" = false ]; then
	# No counter tells an AllowedIPs rejection apart without the module.
	mode=$(jq -r 'select(.type=="hook" and .fact=="wg_rx_src") | .mode' "$out")
	check probe-wg-rx-unavailable "without the module wg_rx_src has no way to be seen, got '$mode'" \
		[ "$mode" = unavailable ]
	err=$(cand_err fexit/wg_xmit)
	check probe-wg-reason "reason should name the module, got '$err'" \
		grep -q 'wireguard module' <<<"$err"
fi

# tc: clsact on loopback of a scratch namespace, done by tc(8) itself.
ns_new tcns
if tc -n "$tcns" qdisc add dev lo clsact 2>/dev/null; then want=ok; else want=none; fi
got=$(jq -r 'select(.type=="kernel") | .tc // "none"' "$out")
[ "$got" != none ] && got=ok
check probe-tc "tc(8) clsact says $want, probe says '$got'" [ "$got" = "$want" ]

# Drop reasons: the kernel's enum skb_drop_reason, read by bpftool.
bpftool btf dump file /sys/kernel/btf/vmlinux |
	awk '/^\[[0-9]+\] ENUM .skb_drop_reason. /{on=1; next} on && /^\[/{on=0} on' |
	sed -n "s/^[[:space:]]*'SKB_DROP_REASON_\([A-Z0-9_]*\)' val=.*/\1/p" |
	grep -vx MAX | sort >"$out.want"
jq -r 'select(.type=="drop_reasons") | .reasons[]' "$out" | sort >"$out.got"
check probe-drop-reasons "differs from the BTF enum: $(diff "$out.want" "$out.got" | head -3 | tr '\n' ' ')" \
	diff -q "$out.want" "$out.got"
check probe-drop-rpfilter "IP_RPFILTER missing from the report" grep -qx IP_RPFILTER "$out.got"
rm -f "$out.want" "$out.got"

# Nothing stays attached or loaded: no probe_*/wgt_* program is left (a
# program with a live link would still be listed).
left=$(ours)
check probe-leaves-nothing "$left wgtrace programs loaded after probe, $before before" \
	[ "$left" -le "$before" ]

# probe promises only what a job delivers: every mode watch reports for
# the facts it uses is the one probe reported (one hook table, one plan).
watch_modes=$(timeout 60 "$WGTRACE" watch --json --duration 1 2>/dev/null |
	jq -c 'select(.type=="status") | .modes' | head -1)
probe_modes=$(jq -c -s '[.[] | select(.type=="hook") | {(.fact): .mode}] | add' "$out")
mismatch=$(jq -n -r --argjson w "${watch_modes:-null}" --argjson p "$probe_modes" \
	'if $w == null then "watch printed no status" else
	 [$w | to_entries[] | select($p[.key] != .value) |
	  "\(.key): watch \(.value), probe \($p[.key])"] | join("; ") end')
check probe-modes-match-watch "${mismatch}" [ -z "$mismatch" ]

# Usage and privilege errors.
"$WGTRACE" probe --bogus >/dev/null 2>&1
rc=$?; check probe-usage-exit "unknown option gave exit $rc, want 2" [ $rc -eq 2 ]
"$WGTRACE" probe extra >/dev/null 2>&1
rc=$?; check probe-args-exit "stray argument gave exit $rc, want 2" [ $rc -eq 2 ]
msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$WGTRACE" probe 2>&1 >/dev/null)
rc=$?
refused() { [ $rc -eq 1 ] && grep -q 'needs root' <<<"$msg"; }
check probe-unprivileged "as nobody: exit $rc, message '$msg'" refused
