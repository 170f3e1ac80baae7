#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The namespace lab proves itself before anything is measured in it: two
# namespaces on a veth, userspace WireGuard (wireguard-go) in each, a
# handshake, a ping through the tunnel, and non-zero transfer counters.
. "$(dirname "$0")/lib.sh"
require_root lab-smoke
require_cmd lab-smoke wireguard-go wg ping
# These check the lab, not wgtrace: setup checks (tests/README.md).
plan 3

ns_new a; ns_new b
veth_pair "$a" ua "$b" ub
ip -n "$a" addr add 192.0.2.1/24 dev ua
ip -n "$b" addr add 192.0.2.2/24 dev ub
wg_devname da; wg_devname db
if ! wggo_start "$a" "$da" || ! wggo_start "$b" "$db"; then
	for c in handshake ping transfer; do
		fail "setup/lab-smoke-$c" "wireguard-go did not create its device and socket"
	done
	exit 0
fi
wg_keys ka pa; wg_keys kb pb
ip netns exec "$a" wg set "$da" private-key <(echo "$ka") listen-port 51820 \
	peer "$pb" allowed-ips 10.99.0.2/32 endpoint 192.0.2.2:51820
ip netns exec "$b" wg set "$db" private-key <(echo "$kb") listen-port 51820 \
	peer "$pa" allowed-ips 10.99.0.1/32 endpoint 192.0.2.1:51820
ip -n "$a" addr add 10.99.0.1/24 dev "$da"; ip -n "$a" link set "$da" up
ip -n "$b" addr add 10.99.0.2/24 dev "$db"; ip -n "$b" link set "$db" up

ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.99.0.2 >/dev/null 2>&1
check setup/lab-smoke-handshake "no handshake within 15 s" wait_until 15 handshake_any "$a" "$da"
check setup/lab-smoke-ping "ping through the tunnel failed" \
	ip netns exec "$a" ping -c 3 -i 0.2 -W 2 10.99.0.2
transfer_nonzero() {
	ip netns exec "$1" wg show "$2" transfer | awk '$2 > 0 && $3 > 0 { f = 1 } END { exit !f }'
}
check setup/lab-smoke-transfer "wg show transfer has a zero counter" \
	transfer_nonzero "$a" "$da"
