#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# No false no_peer after a routine `wg set DEV peer X allowed-ips P`
# (issue #11). wireguard-go gives no notification of peer changes, and on
# userspace WireGuard no_peer is judged against wgtrace's copy of the
# AllowedIPs: traffic to a peer added a moment ago must not be reported
# as no_peer by export (metrics) or watch (findings), while traffic no
# peer carries still is, packet for packet.
#
#   NS: wireguard-go $DG 10.99.0.1/24, peer A 10.99.0.2/32; routes into
#       $DG for 10.50.0.0/16 (no peer yet) and 10.60.0.0/16 (no peer ever).
#
# Oracles: tx_packets of $DG (every packet routed into it, what its tc
# egress hook sees); `wg show allowed-ips` (longest-prefix match) for
# which destinations a peer covers. Never wgtrace's own output.
. "$(dirname "$0")/lib.sh"
type plan >/dev/null 2>&1 && plan 6
require_root nopeer
require_cmd nopeer wireguard-go wg jq timeout

TMP=$(mktemp -d /tmp/wgt-nopeer.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
N=10
CHECKS="nopeer-real-export nopeer-real-watch nopeer-new-peer-export
	nopeer-new-peer-watch nopeer-real-after-export nopeer-real-after-watch"

tx_packets() { ip netns exec "$NS" cat "/sys/class/net/$DG/statistics/tx_packets"; }
burst() {	# DST: N UDP datagrams, one packet each
	ip netns exec "$NS" bash -c 'for ((i = 0; i < $1; i++)); do
		echo x >/dev/udp/$0/9; done' "$1" "$N" 2>/dev/null
}
# export's no_peer total, from one scrape of its loopback listener
exp_np() {
	ip netns exec "$NS" timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9599
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3; cat <&3' 2>/dev/null |
		tr -d '\r' | awk 'index($0, "wgtrace_wrong_turns_total{verdict=\"no_peer\",") == 1 { s += $NF } END { print s + 0 }'
}
# watch's latest no_peer count (0 when its last report has none)
watch_np() {
	jq -rs '[.[] | select(.type == "status" or .type == "finding")]
		| (map(.type) | rindex("status")) as $i
		| [.[($i // -1) + 1:][] | select(.finding == "no_peer") | .count] | add // 0' \
		"$TMP/watch.jsonl" 2>/dev/null
}
# settle NAME FN WANT: FN's value equals WANT within 20 s and still does
# two report intervals later (a later refresh must not change it).
settle() {
	local name=$1 fn=$2 want=$3 got
	if ! wait_until 20 eval '[ "$($fn)" = "$want" ]'; then
		fail "$name" "$fn is '$($fn)', want $want"
		return
	fi
	sleep 5
	got=$($fn)
	check "$name" "$fn was $want, then '$got' 5 s later" test "$got" = "$want"
}

build() {
	ns_new NS || return 1
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	wg_devname DG
	wggo_start "$NS" "$DG" || return 1
	(umask 077 && wg genkey >"$TMP/k") || return 1
	PA=$(wg genkey | wg pubkey) && PX=$(wg genkey | wg pubkey) || return 1
	ip netns exec "$NS" wg set "$DG" private-key "$TMP/k" \
		peer "$PA" allowed-ips 10.99.0.2/32 &&
		ip -n "$NS" addr add 10.99.0.1/24 dev "$DG" &&
		ip -n "$NS" link set "$DG" up &&
		ip -n "$NS" route add 10.50.0.0/16 dev "$DG" &&
		ip -n "$NS" route add 10.60.0.0/16 dev "$DG"
}
if ! build; then
	fail_all "lab setup failed"
fi

# Default intervals: export 5 s; watch (not a terminal) 2 s here.
bg "$NS" "$WGTRACE" export --listen 127.0.0.1:9599 2>"$TMP/export.log"
bg "$NS" "$WGTRACE" watch --json --interval 2 >"$TMP/watch.jsonl" 2>"$TMP/watch.log"
if ! wait_until 30 eval '[ "$(ip netns exec "$NS" timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/9599; printf \"GET /metrics HTTP/1.0\r\n\r\n\" >&3; head -n 1 <&3")" = $'"'"'HTTP/1.1 200 OK\r'"'"' ]' ||
	! wait_until 30 grep -q '"type":"status"' "$TMP/watch.jsonl"; then
	tail -n 3 "$TMP/export.log" "$TMP/watch.log" | sed 's/^/    /'
	fail_all "export or watch did not start"
fi

# 1. Real no_peer: every packet to 10.60.0.1 counts.
T0=$(tx_packets)
burst 10.60.0.1
REAL1=$(($(tx_packets) - T0))
settle nopeer-real-export exp_np "$REAL1"
settle nopeer-real-watch watch_np "$REAL1"

# 2. A new peer for 10.50.0.0/16 (its route was already there: no
# rtnetlink event at all), traffic to it at once.
ip netns exec "$NS" wg set "$DG" peer "$PX" allowed-ips 10.50.0.0/16
owner=$(wg_lpm "$NS" "$DG" 10.50.0.1 | awk 'NR == 1 { print $1 }')
if [ "$owner" != "$PX" ]; then
	fail nopeer-new-peer-export "lab: wg says 10.50.0.1 belongs to '$owner', not the new peer"
	fail nopeer-new-peer-watch "lab: as above"
else
	burst 10.50.0.1
	settle nopeer-new-peer-export exp_np "$REAL1"
	settle nopeer-new-peer-watch watch_np "$REAL1"
fi

# 3. Real no_peer still counts after the change, packet for packet.
T0=$(tx_packets)
burst 10.60.0.2
REAL2=$((REAL1 + $(tx_packets) - T0))
settle nopeer-real-after-export exp_np "$REAL2"
settle nopeer-real-after-watch watch_np "$REAL2"
