#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# route_bypass counted exactly, IPv4 and IPv6, by export's tc program (its
# first check, the destination read by direct packet access and looked up
# in the AllowedIPs trie, is what every packet leaving the gateway pays):
#   - a peer's IPv4 /24 and IPv6 /64 are routed out of the uplink: the
#     peer's route_bypass series grows by the echo requests ping sent there,
#     for each family in turn;
#   - echo requests to the uplink's own neighbour (in no peer's AllowedIPs)
#     and to a prefix routed into the tunnel add nothing;
#   - nothing is counted against another peer.
# Expected values: ping's own transmitted counts and the routes the script
# set, never wgtrace's output.
#
#   G  wg $D (peers P, Q)  up0 192.0.2.1/24 2001:db8:77::1/64
#        ==veth==  U up0 192.0.2.2/24 2001:db8:77::2/64
. "$(dirname "$0")/lib.sh"
require_root bypass
require_cmd bypass wireguard-go wg curl ss ping awk
plan 7

PINGS=10
TMP=$(mktemp -d /tmp/wgt-bypass.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
CHECKS="bypass-export-ready bypass-v4 bypass-v6 bypass-v4-again bypass-neighbour
bypass-tunnel bypass-other-peer"

build() {
	ns_new G && ns_new U && wg_devname D || return 1
	veth_pair "$G" up0 "$U" up0 || return 1
	ip -n "$G" addr add 192.0.2.1/24 dev up0 &&
		ip -n "$U" addr add 192.0.2.2/24 dev up0 &&
		ip -n "$G" -6 addr add 2001:db8:77::1/64 dev up0 nodad &&
		ip -n "$U" -6 addr add 2001:db8:77::2/64 dev up0 nodad || return 1
	wggo_start "$G" "$D" || return 1
	wg_keys KG _ && wg_keys _ KEY_P && wg_keys _ KEY_Q || return 1
	ip netns exec "$G" wg set "$D" private-key <(echo "$KG") \
		peer "$KEY_P" allowed-ips 10.77.0.0/24,fd77::/64 \
		endpoint 192.0.2.2:51820 \
		peer "$KEY_Q" allowed-ips 10.78.0.0/24,fd78::/64 || return 1
	ip -n "$G" addr add 100.64.0.1/32 dev "$D" &&
		ip -n "$G" link set "$D" up || return 1
	# P's prefixes out of the uplink (the wrong turn), Q's into the tunnel.
	ip -n "$G" route add 10.77.0.0/24 via 192.0.2.2 dev up0 &&
		ip -n "$G" -6 route add fd77::/64 via 2001:db8:77::2 dev up0 &&
		ip -n "$G" route add 10.78.0.0/24 dev "$D" &&
		ip -n "$G" -6 route add fd78::/64 dev "$D"
}
build || fail_all "could not build the topology"

sent() { pings_sent "$G" "$1" "$PINGS"; }
series() { bypass_series "$1"; }
# settles KEY WANT: the series of KEY reaches WANT (one refresh a second).
settles() {
	_key=$1 _want=$2
	wait_until 10 eval 'scrape && [ "$(series "$_key")" = "$_want" ]'
}

export_start "$G" || fail_all "no 200 from /metrics: $(head -c 300 "$TMP/e.err")"
pass bypass-export-ready

s4=$(sent 10.77.0.9)
check bypass-v4 "route_bypass of P $(series "$KEY_P"), ping sent ${s4:-none} to 10.77.0.9" \
	eval '[ "${s4:-0}" -gt 0 ] && settles "$KEY_P" "$s4"'
s6=$(sent fd77::9)
check bypass-v6 "route_bypass of P $(series "$KEY_P"), ping sent $s4 + ${s6:-none} to fd77::9" \
	eval '[ "${s6:-0}" -gt 0 ] && settles "$KEY_P" "$((s4 + s6))"'
s4b=$(sent 10.77.0.200)
total=$((s4 + s6 + ${s4b:-0}))
check bypass-v4-again "route_bypass of P $(series "$KEY_P"), ping sent $total in all" \
	eval '[ "${s4b:-0}" -gt 0 ] && settles "$KEY_P" "$total"'

# Not a peer's: the uplink's neighbour itself, both families. Into the
# tunnel: Q's prefixes (wireguard-go has no endpoint for Q and drops them;
# they left by the WireGuard device, which is no bypass).
n4=$(sent 192.0.2.2)
n6=$(sent 2001:db8:77::2)
q4=$(sent 10.78.0.9)
q6=$(sent fd78::9)
sleep 2
scrape
check bypass-neighbour "route_bypass of P $(series "$KEY_P") after ${n4:-no} + ${n6:-no} pings to the neighbour, want $total" \
	eval '[ "${n4:-0}" -gt 0 ] && [ "${n6:-0}" -gt 0 ] && [ "$(series "$KEY_P")" = "$total" ]'
check bypass-tunnel "route_bypass of Q $(series "$KEY_Q") after ${q4:-no} + ${q6:-no} pings into the tunnel, want 0" \
	eval '[ "${q4:-0}" -gt 0 ] && [ "${q6:-0}" -gt 0 ] && [ "$(series "$KEY_Q")" = 0 ]'
others=$(awk -v p="$KEY_P" 'index($0, "wgtrace_wrong_turns_total{verdict=\"route_bypass\"") == 1 &&
	!index($0, "peer=\"" p "\"") { s += $2 } END { print s + 0 }' "$TMP/s")
check bypass-other-peer "route_bypass of other peers: $others" eval '[ "$others" = 0 ]'
kill -TERM "$EPID" 2>/dev/null
wait "$EPID" 2>/dev/null
exit 0
