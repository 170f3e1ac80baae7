#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace check` on kernel WireGuard, read through generic netlink: an
# overlap, a prefix without a route, a prefix moved between peers (the
# kernel keeps each prefix on one peer), and two healthy wg-quick-style
# configurations that must report nothing. Expected values come from the
# topology built here, `wg show` and `ip route get`, never from wgtrace.

. /tests/lib.sh

CHECKS="check-vm-inventory check-vm-overlap check-vm-bypass check-vm-exactly
	check-vm-moved-prefix check-vm-moved-exactly check-vm-healthy-split
	check-vm-healthy-full"
plan "$(echo "$CHECKS" | wc -w)"
require_wgtrace $CHECKS || exit 0

# has FILE FILTER: some finding in FILE matches the jq FILTER.
has() {
	jq -e -s "[.[] | select(.type == \"finding\") | select($2)] |
		length > 0" "$1" >/dev/null 2>&1
}
# nfindings FILE: how many findings, or nothing when the summary is missing
# (a run that printed nothing is no clean run).
nfindings() {
	jq -e -s '.[-1].type == "summary"' "$1" >/dev/null 2>&1 &&
		jq -s '[.[] | select(.type == "finding")] | length' "$1"
}
show() { sed 's/^/    /' "$@"; }
# exactly FILE STATUS WANT-STATUS FINDING:SEVERITY...: the run ended with
# its summary and WANT-STATUS, and its findings at warning or above are
# these, no more, no fewer (in any order): a false finding fails too. The
# list comes from the topology built here.
exactly() {
	_ex_f=$1 _ex_rc=$2 _ex_want_rc=$3
	shift 3
	_ex_want=$(printf '%s\n' "$@" | sort)
	_ex_got=$(jq -r 'select(.type == "finding" and
		(.severity == "warning" or .severity == "error")) |
		"\(.finding):\(.severity)"' "$_ex_f" 2>/dev/null | sort)
	jq -e -s '.[-1].type == "summary"' "$_ex_f" >/dev/null 2>&1 &&
		[ "$_ex_rc" = "$_ex_want_rc" ] && [ "$_ex_got" = "$_ex_want" ]
}
route_dev() {
	_ns=$1
	shift
	ip -n "$_ns" route get "$@" | sed -n 's/.* dev \([^ ]*\).*/\1/p' |
		head -n 1
}
nsysctl() { nsx "$1" sh -c "echo $3 >/proc/sys/$2"; }

# gw NS ROUTER: namespace NS with uplink up0 192.0.2.1/24 (default via the
# router namespace's 192.0.2.254) and a kernel WireGuard wg0 10.99.0.1/24.
gw() {
	ns_add "$1" && ns_add "$2" &&
		veth_pair "$1" up0 "$2" down0 192.0.2.1/24 192.0.2.254/24 &&
		ip -n "$1" route add default via 192.0.2.254 &&
		wg_keys "KEY_${1}_PRIV" "KEY_${1}_PUB" &&
		eval "wg_dev \"\$1\" wg0 \"\$KEY_${1}_PRIV\" 51820 10.99.0.1/24"
}

# --- overlap and route_bypass ---------------------------------------------
A=ckA
if ! { gw $A ckAr && wg_keys P1_PRIV P1_PUB && wg_keys P2_PRIV P2_PUB &&
	wg_keys P3_PRIV P3_PUB &&
	wg_peer $A wg0 "$P1_PUB" 10.10.0.0/16 &&
	wg_peer $A wg0 "$P2_PUB" 10.10.5.0/24 &&
	wg_peer $A wg0 "$P3_PUB" 10.20.0.0/16 198.51.100.7:51820 &&
	ip -n $A route add 10.10.0.0/16 dev wg0; }; then
	fail_all "cannot build the topology"
fi
nsysctl $A net/ipv4/ip_forward 1
out=$LIB_TMP/a.jsonl
wgtrace check -n $A --json >"$out" 2>"$LIB_TMP/a.err"
rc=$?

npeers=$(nsx $A wg show wg0 peers | wc -l)
if jq -e -s --argjson n "$npeers" '.[-1] | .type == "summary" and
	.devices == 1 and .peers == $n' "$out" >/dev/null 2>&1; then
	pass check-vm-inventory
else
	fail check-vm-inventory "summary is not 1 device, $npeers peers (wg show)"
	show "$out" "$LIB_TMP/a.err"
fi

if has "$out" ".finding == \"overlap\" and .severity == \"warning\" and
	.interface == \"wg0\" and .peer == \"$P1_PUB\" and
	.objects.prefix == \"10.10.0.0/16\" and
	.objects.other_peer == \"$P2_PUB\" and
	.objects.other_prefix == \"10.10.5.0/24\""; then
	pass check-vm-overlap
else
	fail check-vm-overlap "no overlap warning for 10.10.5.0/24 in 10.10.0.0/16"
	show "$out"
fi

dev=$(route_dev $A 10.20.0.1)
if [ "$dev" = wg0 ]; then
	fail check-vm-bypass "lab: the kernel routes 10.20.0.1 into wg0"
elif [ $rc -eq 1 ] && has "$out" ".finding == \"route_bypass\" and
	.severity == \"error\" and .peer == \"$P3_PUB\" and
	.objects.prefix == \"10.20.0.0/16\" and
	.objects.actual_interface == \"$dev\""; then
	pass check-vm-bypass
else
	fail check-vm-bypass "no route_bypass via $dev (ip route get), exit $rc"
	show "$out"
fi
# P2's /24 inside P1's routed /16, P3's /16 not routed; forwarding is on.
if exactly "$out" $rc 1 overlap:warning route_bypass:error; then
	pass check-vm-exactly
else
	fail check-vm-exactly "not exactly the overlap warning and route_bypass, exit 1 (exit $rc)"
	show "$out"
fi

# Giving P2 the /16 moves it away from P1: the kernel never holds one
# prefix on two peers, so the nesting is inside one peer now.
nsx $A wg set wg0 peer "$P2_PUB" allowed-ips 10.10.0.0/16,10.10.5.0/24
owners=$(nsx $A wg show wg0 allowed-ips | grep -c '10\.10\.0\.0/16')
wgtrace check -n $A --json >"$out" 2>"$LIB_TMP/a.err"
rc=$?
if [ "$owners" != 1 ]; then
	fail check-vm-moved-prefix "lab: 10.10.0.0/16 on $owners peers (wg show)"
elif jq -e -s '.[-1].type == "summary"' "$out" >/dev/null 2>&1 &&
	! has "$out" '.finding == "overlap"'; then
	pass check-vm-moved-prefix
else
	fail check-vm-moved-prefix "overlap reported after the kernel moved the prefix"
	show "$out" "$LIB_TMP/a.err"
fi
# Only P3's unrouted /16 is left to report.
if exactly "$out" $rc 1 route_bypass:error; then
	pass check-vm-moved-exactly
else
	fail check-vm-moved-exactly "not exactly route_bypass, exit 1 (exit $rc)"
	show "$out"
fi

# --- healthy: a split-tunnel gateway --------------------------------------
S=ckS
if gw $S ckSr && wg_keys PS_PRIV PS_PUB &&
	wg_peer $S wg0 "$PS_PUB" 10.99.0.2/32,10.50.0.0/16 198.51.100.7:51820 &&
	ip -n $S route add 10.50.0.0/16 dev wg0; then
	nsysctl $S net/ipv4/ip_forward 1
	wgtrace check -n $S --json --fail-on info >"$out" 2>"$LIB_TMP/s.err"
	rc=$?
	n=$(nfindings "$out")
	if [ "$(route_dev $S 10.50.0.1)" != wg0 ]; then
		fail check-vm-healthy-split "lab: 10.50.0.1 is not routed into wg0"
	elif [ $rc -eq 0 ] && [ "$n" = 0 ]; then
		pass check-vm-healthy-split
	else
		fail check-vm-healthy-split "exit $rc, ${n:-no} findings"
		show "$out" "$LIB_TMP/s.err"
	fi
else
	fail check-vm-healthy-split "cannot build the topology"
fi

# --- healthy: wg-quick's full tunnel, dual stack --------------------------
F=ckF
if gw $F ckFr && wg_keys PF_PRIV PF_PUB &&
	wg_peer $F wg0 "$PF_PUB" 0.0.0.0/0,::/0 198.51.100.7:51820 &&
	nsx $F wg set wg0 fwmark 51820 &&
	ip -n $F addr add 2001:db8:1::1/64 dev up0 nodad &&
	ip -n $F -6 route add default via 2001:db8:1::fe dev up0 onlink &&
	ip -n $F addr add fd00:99::1/64 dev wg0 nodad; then
	for f in 4 6; do
		ip -$f -n $F route add default dev wg0 table 51820
		ip -$f -n $F rule add not fwmark 51820 table 51820
		ip -$f -n $F rule add table main suppress_prefixlength 0
	done
	nsysctl $F net/ipv4/conf/all/src_valid_mark 1
	nsysctl $F net/ipv4/conf/all/rp_filter 1
	wgtrace check -n $F --json --fail-on info >"$out" 2>"$LIB_TMP/f.err"
	rc=$?
	n=$(nfindings "$out")
	topo="$(route_dev $F 203.0.113.9)/$(route_dev $F 2001:db8:ffff::9)"
	topo="$topo/$(route_dev $F 198.51.100.7 mark 51820)"
	if [ "$topo" != wg0/wg0/up0 ]; then
		fail check-vm-healthy-full "lab: internet/v6/endpoint go by $topo"
	elif [ $rc -eq 0 ] && [ "$n" = 0 ]; then
		pass check-vm-healthy-full
	else
		fail check-vm-healthy-full "exit $rc, ${n:-no} findings"
		show "$out" "$LIB_TMP/f.err"
	fi
else
	fail check-vm-healthy-full "cannot build the topology"
fi
exit 0
