#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# outer_fragmented on kernel WireGuard: the underlay MTU (1300) is below
# what the tunnel (MTU 1420) needs, so the outer UDP packets of large inner
# packets are fragmented by the sender's kernel (WireGuard sends them with
# DF clear). watch in A must count exactly the packets A's kernel
# fragmented (Ip FragOKs delta: one per packet fragmented; FragCreates
# counts the pieces), on wg0, naming the underlay device and its MTU.
#
#   A ul0 192.0.2.1 mtu 1300 ==veth== B ul0 192.0.2.2 mtu 1300
#     wg0 10.99.0.1 (1420)               wg0 10.99.0.2 (1420)
#
# Small pings first: outer packets that fit are not counted.

. /tests/lib.sh
type plan >/dev/null 2>&1 && plan 4

CHECKS="outer-vm-small-not-counted outer-vm-fragmented-count
	outer-vm-fragmented-details outer-vm-mode"
require_wgtrace $CHECKS || exit 0

WG_NS_A=wgo_a WG_NS_B=wgo_b
if ! wg_pair_up; then
	fail_all "the WireGuard pair did not come up"
fi
ip -n wgo_a link set ul0 mtu 1300 && ip -n wgo_b link set ul0 mtu 1300 || {
	fail_all "lab: cannot set the underlay MTU"
}
N=6

out=$LIB_TMP/watch.json
nsx wgo_a wgtrace watch --json --interval 1 --duration 200 >"$out" \
	2>"$LIB_TMP/watch.err" &
wpid=$!
at_exit "kill $wpid"
if ! wait_until 90 grep -q '"type":"status"' "$out"; then
	fail_all "watch did not start: $(head -c 200 "$LIB_TMP/watch.err")"
fi

frag_oks() { net_counter wgo_a snmp Ip:FragOKs; }
# outer_fragmented findings of the last report (the findings after the
# last status line: each report is a status line, then its findings).
last() {
	jq -s '(to_entries | map(select(.value.type == "status")) | last.key) as $i |
		.[$i + 1:] | map(select(.type == "finding" and
			.finding == "outer_fragmented"))' "$out" 2>/dev/null
}
counted() { last | jq -r 'map(.count) | add // 0'; }

f0=$(frag_oks)
nsx wgo_a ping -q -c $N -i 0.2 -W 2 -s 200 10.99.0.2 >/dev/null 2>&1
f1=$(frag_oks)
nsx wgo_a ping -q -c $N -i 0.2 -W 2 -s 1300 10.99.0.2 >/dev/null 2>&1
f2=$(frag_oks)
small=$((f1 - f0)) big=$((f2 - f1))
info "Ip FragOKs of A: +$small for small pings, +$big for $N large ones"

# Two report intervals after the traffic: the counts are final.
sleep_reports() {
	_n0=$(grep -c '"type":"status"' "$out")
	wait_until 30 sh -c "[ \$(grep -c '\"type\":\"status\"' $out) -ge $((_n0 + 2)) ]"
}
sleep_reports
kill -TERM "$wpid" 2>/dev/null
wait "$wpid"

got=$(counted)
if [ "$small" -eq 0 ]; then
	pass outer-vm-small-not-counted
else
	fail outer-vm-small-not-counted "lab: small pings were fragmented ($small)"
fi
if [ "$big" -gt 0 ] && [ "$got" = "$big" ]; then
	pass outer-vm-fragmented-count
else
	fail outer-vm-fragmented-count "wgtrace counted '$got', A's Ip FragOKs grew by $big"
	jq -c 'select(.type == "finding")' "$out" | tail -n 5 | sed 's/^/    /'
fi
if last | jq -e 'any(.[]; .interface == "wg0" and .objects.underlay == "ul0" and
		.objects.mtu == "1300")' >/dev/null 2>&1; then
	pass outer-vm-fragmented-details
else
	fail outer-vm-fragmented-details "no outer_fragmented on wg0 naming ul0 and MTU 1300"
	last | sed 's/^/    /'
fi

# fentry where vmlinux BTF has ip_do_fragment and ftrace can patch it (every
# kernel line of the lab), else kprobe.
want=kprobe
bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	grep -q "FUNC 'ip_do_fragment'" &&
	grep -q '^ip_do_fragment\( \|$\)' /sys/kernel/tracing/available_filter_functions &&
	want=fentry
mode=$(jq -r 'select(.type == "status") | .modes.outer_fragment' "$out" | head -n 1)
if [ "$mode" = "$want" ]; then
	pass outer-vm-mode
else
	fail outer-vm-mode "outer_fragment observed by '$mode', want $want"
fi
exit 0
