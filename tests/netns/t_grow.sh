#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# export keeps counting when the WireGuard configuration outgrows the BPF
# maps sized at its start (issue #12): it starts on a gateway of a few
# peers (maps sized for 16,384 AllowedIPs prefixes and 256 endpoints), then
# `wg addconf` adds thousands of peers with an endpoint each, past both.
#   - old peer A's /24 is routed out of the uplink: its route_bypass series
#     equals the echo requests ping sent there, before the growth and,
#     unchanged (a Prometheus counter never goes backwards), after it;
#   - new peer K, added last (past what the old maps hold), gets the same:
#     its route_bypass series equals ping's count, so BPF finds K's prefix;
#   - /metrics keeps answering 200 throughout.
# Expected values: ping's own transmitted count, `wg show` and the routes
# the script set, never wgtrace's output.
#
#   G  wg $D  up0 192.0.2.1/24 ==veth== U up0 192.0.2.2
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/scale_gw.sh"
require_root grow
require_cmd grow wireguard-go wg curl ss ping awk
plan 7

N0=10	 # peers at the start
N=9000	 # peers in the end: 18,000 prefixes, 9,000 endpoints
A=3
K=$((N - 1))
PINGS=10
TMP=$(mktemp -d /tmp/wgt-grow.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
CHECKS="grow-setup grow-export-ready grow-old-before grow-added grow-new-peer
grow-old-after grow-still-serving"

# The first N0 peers, then the rest, each peer with its own endpoint.
split_conf() {
	awk -v n0="$N0" -v first="$TMP/first.conf" -v rest="$TMP/rest.conf" '
	/^\[Peer\]/ { p++ }
	/^PublicKey/ && p {
		e = sprintf("Endpoint = 198.18.%d.%d:51820", int(p / 250),
			    p % 250 + 1)
	}
	{
		out = p <= n0 ? first : rest
		if (p > n0 && /^\[Interface\]/) next
		print > out
		if (e != "" && /^AllowedIPs/) { print e > out; e = "" }
	}' "$TMP/wg.conf"
}

build() {
	ns_new G && ns_new U && wg_devname D || return 1
	veth_pair "$G" up0 "$U" up0 || return 1
	ip -n "$G" addr add 192.0.2.1/24 dev up0 &&
		ip -n "$U" addr add 192.0.2.2/24 dev up0 || return 1
	wggo_start "$G" "$D" || return 1
	scale_gw_files "$N" "$TMP" && split_conf || return 1
	ip netns exec "$G" wg setconf "$D" "$TMP/first.conf" || return 1
	ip -n "$G" addr add 100.64.0.1/32 dev "$D" &&
		ip -n "$G" link set "$D" up || return 1
	sed "s/@DEV@/$D/" "$TMP/routes.batch" | head -$((2 * N0)) |
		ip -n "$G" -batch - || return 1
	ip -n "$G" route replace "$NET_A" via 192.0.2.2 dev up0
}
NET_A=$(scale_gw_net "$A")
NET_K=$(scale_gw_net "$K")
build || fail_all "could not build the topology"
KEY_A=$(awk -v k="$A" '/^PublicKey/ { if (n++ == k) { print $3; exit } }' "$TMP/wg.conf")
KEY_K=$(awk -v k="$K" '/^PublicKey/ { if (n++ == k) { print $3; exit } }' "$TMP/wg.conf")
peers=$(ip netns exec "$G" wg show "$D" peers | wc -l)
check grow-setup "lab: $peers peers (want $N0)" eval '[ "$peers" -eq "$N0" ]'

# sent_pings NET: the echo requests ping says it sent into NET (.9).
sent_pings() { pings_sent "$G" "${1%.0/24}.9" "$PINGS"; }
series() { bypass_series "$1"; }

export_start "$G" -v || fail_all "no 200 from /metrics: $(head -c 300 "$TMP/e.err")"
pass grow-export-ready

sent_a=$(sent_pings "$NET_A")
check grow-old-before "route_bypass of A: $(series "$KEY_A"), ping sent ${sent_a:-none}" \
	wait_until 20 eval 'scrape && [ "${sent_a:-0}" -gt 0 ] && [ "$(series "$KEY_A")" = "$sent_a" ]'

# Past the start's maps: the rest of the peers, their routes, K's network
# out of the uplink.
t0=$(date +%s%N)
ip netns exec "$G" wg addconf "$D" "$TMP/rest.conf" &&
	sed "s/@DEV@/$D/" "$TMP/routes.batch" | tail -n +$((2 * N0 + 1)) |
	ip -n "$G" -batch - &&
	ip -n "$G" route replace "$NET_K" via 192.0.2.2 dev up0
peers=$(ip netns exec "$G" wg show "$D" peers | wc -l)
eps=$(ip netns exec "$G" wg show "$D" endpoints | awk '$2 != "(none)"' | wc -l)
check grow-added "$peers peers, $eps endpoints (want $N each)" \
	eval '[ "$peers" -eq "$N" ] && [ "$eps" -eq "$N" ]'

# K's prefix is in BPF's trie once export has reread the configuration;
# until then K's pings count for no peer. Ping again until K's series
# shows, then once more for an exact count.
wait_until 60 eval 'sent_pings "$NET_K" >/dev/null; scrape && [ "$(series "$KEY_K")" -gt 0 ]'
echo "    K counted $((($(date +%s%N) - t0) / 1000000)) ms after the addconf"
# Those pings settle into the counters (one refresh a second) first.
sleep 3
scrape
base=$(series "$KEY_K")
sent_k=$(sent_pings "$NET_K")
check grow-new-peer "route_bypass of K: $(series "$KEY_K") - $base, ping sent ${sent_k:-none}" \
	wait_until 20 eval 'scrape && [ "${sent_k:-0}" -gt 0 ] && [ "$(($(series "$KEY_K") - base))" = "$sent_k" ]'
check grow-old-after "route_bypass of A after the growth: $(series "$KEY_A"), before $sent_a" \
	eval '[ "$(series "$KEY_A")" = "$sent_a" ]'
grep -i 'grown\|error' "$TMP/e.err" | head -3 | sed 's/^/    /'
check grow-still-serving "export exited or /metrics failed: $(tail -c 300 "$TMP/e.err")" \
	eval 'kill -0 $EPID && scrape'
echo "    export RSS $(awk '/VmHWM/ { print $2, $3 }' "/proc/$EPID/status")"
kill -TERM "$EPID" 2>/dev/null
wait "$EPID" 2>/dev/null
exit 0
