# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The demo lab (bash, sourced by tests/demo/demo.sh): a WireGuard gateway in
# a network namespace with deliberately wrong turns, three WireGuard peers,
# an ISP router and two LAN hosts. Reuses tests/netns/lib.sh, so everything
# made here (namespaces, wireguard-go processes) is removed by id on exit,
# also on Ctrl-C or failure.
#
#                      isp 192.0.2.254
#                       |
#                      up0 192.0.2.1, MTU 1280 (an LTE uplink)
#   alice ---- ext-a --+ |
#   10.10.0.2          gw   WireGuard device 10.10.0.1/16: peers alice
#   bob ------ ext-b --+ | \  (10.10.0.0/16), bob (10.10.5.0/24) and
#   10.10.5.2           |  \ carol (10.30.0.0/16: no endpoint, no route)
#   (203.0.113.0/24)   lan0  guest0 --- guest 192.168.77.2
#                       |
#                      lan 198.51.100.2, and 172.16.7.7 "behind" it
#
# alice and bob reach the gateway over their own underlay links (ext-a,
# ext-b) and tunnel to it; the ISP and the LAN are plain IP.
#
# Planted problems (the ids wgtrace uses):
#   overlap       bob's 10.10.5.0/24 lies inside alice's 10.10.0.0/16 (check)
#   src_rejected  bob sends from 10.10.9.9: alice's range, not his
#   rpf_drop      lan sends from 172.16.7.7; the gateway's way back to it is
#                 its default route (the uplink), and lan0 has strict rp_filter
#   mtu_drop      alice sends 1400-byte DF packets through the tunnel to the
#                 ISP: the tunnel carries them (MTU 1420), the uplink cannot
#   route_bypass  carol's 10.30.0.0/16 has no route: traffic to it leaves by
#                 the uplink, in clear
#   no_forward    forwarding is off on guest0, the guest network's ingress
#
# Addresses: documentation ranges and private ranges, inside the lab only.

. "$(dirname "${BASH_SOURCE[0]}")/../netns/lib.sh"

LAB_ID=wgdemo-$$

# lab_ns VAR SHORT: namespace "$LAB_ID-SHORT", removed on exit.
lab_ns() { ns_new "$1" "$LAB_ID-$2"; }

# kernel_wg_works: the kernel can make a WireGuard device (tried in a
# scratch namespace, so the host's own namespace is never touched).
kernel_wg_works() {
	local ns="$LAB_ID-probe" ok=1
	ip netns add "$ns" 2>/dev/null || return 1
	_ns_list+=("$ns")	# removed on exit should we be interrupted here
	ip -n "$ns" link add wgprobe type wireguard 2>/dev/null && ok=0
	ip netns del "$ns"
	return $ok
}

# wg_dev_add NS DEV: a WireGuard device, kernel or wireguard-go ($WG_IMPL).
wg_dev_add() {
	if [ "$WG_IMPL" = kernel ]; then
		ip -n "$1" link add "$2" type wireguard
	else
		wggo_start "$1" "$2"
	fi
}

sys() { nsx "$1" sysctl -qw "${@:2}"; }

# lab_build: the whole lab; sets GW GW_WG and the other namespaces.
lab_build() {
	# shellcheck disable=SC2034 # k_c: carol has no device, only a key
	local k_gw p_gw k_a p_a k_b p_b k_c p_c
	: "${LAB_TMP:?a scratch folder for keys and the intent file}"
	WG_IMPL=${WG_IMPL:-wireguard-go}
	if [ "$WG_IMPL" = kernel ]; then
		GW_WG=wg0 A_WG=wg0 B_WG=wg0
	else
		# wireguard-go's UAPI sockets are shared by all namespaces.
		GW_WG=wgd$$-gw A_WG=wgd$$-a B_WG=wgd$$-b
	fi
	lab_ns GW gw && lab_ns ISP isp && lab_ns LAN lan && lab_ns GUEST guest &&
		lab_ns ALICE alice && lab_ns BOB bob || return 1

	# Underlay and LAN links.
	veth_pair "$GW" up0 "$ISP" down0 &&
		veth_pair "$GW" lan0 "$LAN" eth0 &&
		veth_pair "$GW" guest0 "$GUEST" eth0 &&
		veth_pair "$GW" ext-a "$ALICE" eth0 &&
		veth_pair "$GW" ext-b "$BOB" eth0 || return 1
	ip -n "$GW" link set up0 mtu 1280
	ip -n "$ISP" link set down0 mtu 1280
	ip -n "$GW" addr add 192.0.2.1/24 dev up0
	ip -n "$ISP" addr add 192.0.2.254/24 dev down0
	ip -n "$GW" route add default via 192.0.2.254
	# Back to the gateway: the tunnel and LAN networks (not 10.30.0.0/16:
	# that would bounce the bypassing packets straight back).
	for net in 10.10.0.0/16 198.51.100.0/24 172.16.0.0/12 192.168.77.0/24; do
		ip -n "$ISP" route add "$net" via 192.0.2.1
	done
	ip -n "$GW" addr add 198.51.100.1/24 dev lan0
	ip -n "$LAN" addr add 198.51.100.2/24 dev eth0
	ip -n "$LAN" addr add 172.16.7.7/32 dev lo
	ip -n "$LAN" route add default via 198.51.100.1
	# The LAN host's other subnet answers ARP with its 198.51.100.2
	# (else the gateway rejects the ARP before rp_filter matters).
	sys "$LAN" net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2
	ip -n "$GW" addr add 192.168.77.1/24 dev guest0
	ip -n "$GUEST" addr add 192.168.77.2/24 dev eth0
	ip -n "$GUEST" route add default via 192.168.77.1
	ip -n "$GW" addr add 203.0.113.1/30 dev ext-a
	ip -n "$ALICE" addr add 203.0.113.2/30 dev eth0
	ip -n "$GW" addr add 203.0.113.5/30 dev ext-b
	ip -n "$BOB" addr add 203.0.113.6/30 dev eth0

	# Gateway sysctls: forwarding on, but off on guest0; strict rp_filter
	# on lan0 only (the effective value is the larger of all and the device).
	sys "$GW" net.ipv4.ip_forward=1
	sys "$GW" net.ipv4.conf.guest0.forwarding=0
	sys "$GW" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	for d in up0 lan0 guest0 ext-a ext-b; do
		sys "$GW" "net.ipv4.conf.$d.rp_filter=0"
	done
	sys "$GW" net.ipv4.conf.lan0.rp_filter=1
	sys "$ISP" net.ipv4.ip_forward=1

	# WireGuard: the gateway and its peers.
	wg_keys k_gw p_gw && wg_keys k_a p_a && wg_keys k_b p_b && wg_keys k_c p_c
	wg_dev_add "$GW" "$GW_WG" && wg_dev_add "$ALICE" "$A_WG" &&
		wg_dev_add "$BOB" "$B_WG" || return 1
	# Private keys from files: /dev/fd (for <(...)) is missing on minimal
	# systems.
	(umask 077 && echo "$k_gw" >"$LAB_TMP/key-gw" &&
		echo "$k_a" >"$LAB_TMP/key-a" && echo "$k_b" >"$LAB_TMP/key-b")
	nsx "$GW" wg set "$GW_WG" private-key "$LAB_TMP/key-gw" listen-port 51820 \
		peer "$p_a" allowed-ips 10.10.0.0/16 endpoint 203.0.113.2:51820 \
		peer "$p_b" allowed-ips 10.10.5.0/24 endpoint 203.0.113.6:51820 \
		peer "$p_c" allowed-ips 10.30.0.0/16 || return 1
	ip -n "$GW" addr add 10.10.0.1/16 dev "$GW_WG"	# routes 10.10/16; 10.30/16: none
	ip -n "$GW" link set "$GW_WG" mtu 1420 up
	sys "$GW" "net.ipv4.conf.$GW_WG.rp_filter=0"

	nsx "$ALICE" wg set "$A_WG" private-key "$LAB_TMP/key-a" listen-port 51820 \
		peer "$p_gw" allowed-ips 0.0.0.0/0 endpoint 203.0.113.1:51820 || return 1
	ip -n "$ALICE" addr add 10.10.0.2/16 dev "$A_WG"
	ip -n "$ALICE" link set "$A_WG" mtu 1420 up
	# Alice's MTU toward the ISP is locked at the tunnel's 1420, as if the
	# gateway's "fragmentation needed" never came back: DF packets of up
	# to 1420 bytes keep coming (a blocked-ICMP PMTU black hole).
	ip -n "$ALICE" route add 192.0.2.0/24 dev "$A_WG" src 10.10.0.2 mtu lock 1420
	ip -n "$ALICE" route add 198.51.100.0/24 dev "$A_WG" src 10.10.0.2

	nsx "$BOB" wg set "$B_WG" private-key "$LAB_TMP/key-b" listen-port 51820 \
		peer "$p_gw" allowed-ips 0.0.0.0/0 endpoint 203.0.113.5:51820 || return 1
	ip -n "$BOB" addr add 10.10.5.2/24 dev "$B_WG"
	ip -n "$BOB" addr add 10.10.9.9/32 dev "$B_WG"	# not bob's to use
	ip -n "$BOB" link set "$B_WG" mtu 1420 up
	ip -n "$BOB" route add 192.0.2.0/24 dev "$B_WG" src 10.10.5.2

	# Names for wgtrace's output (the intent file's 'name' lines).
	LAB_INTENT=$LAB_TMP/intent
	printf 'name %s alice\nname %s bob\nname %s carol\n' \
		"$p_a" "$p_b" "$p_c" >"$LAB_INTENT"

	# Healthy tunnels first: one handshake each, then the wrong turns.
	wait_until 10 nsx "$ALICE" ping -q -c 1 -W 1 192.0.2.254 >/dev/null &&
		wait_until 10 nsx "$BOB" ping -q -c 1 -W 1 192.0.2.254 >/dev/null ||
		{ echo "demo: the tunnels did not come up" >&2; return 1; }
}

# lab_traffic: one bounded burst per planted problem (5 packets each, at
# most a few seconds), all at once; returns when all have finished.
lab_traffic() {
	local pids=() p
	# src_rejected: bob's packets carry alice's source 10.10.9.9.
	nsx "$BOB" ping -q -c 5 -i 0.2 -W 1 -I 10.10.9.9 192.0.2.254 >/dev/null 2>&1 &
	pids+=($!)
	# rpf_drop: from 172.16.7.7, whose way back is the uplink, not lan0.
	nsx "$LAN" ping -q -c 5 -i 0.2 -W 1 -I 172.16.7.7 192.0.2.254 >/dev/null 2>&1 &
	pids+=($!)
	# mtu_drop: 1400-byte DF packets, through the tunnel, to the uplink.
	nsx "$ALICE" ping -q -c 5 -i 0.2 -W 1 -M "do" -s 1372 192.0.2.254 >/dev/null 2>&1 &
	pids+=($!)
	# route_bypass: carol's network, no route: out by up0.
	nsx "$LAN" ping -q -c 5 -i 0.2 -W 1 10.30.0.5 >/dev/null 2>&1 &
	pids+=($!)
	# no_forward: the guest network through a gateway that does not
	# forward for guest0.
	nsx "$GUEST" ping -q -c 5 -i 0.2 -W 1 192.0.2.254 >/dev/null 2>&1 &
	pids+=($!)
	# And traffic that works: alice to the ISP, the LAN to alice.
	nsx "$ALICE" ping -q -c 5 -i 0.2 -W 1 192.0.2.254 >/dev/null 2>&1 &
	pids+=($!)
	nsx "$LAN" ping -q -c 5 -i 0.2 -W 1 10.10.0.2 >/dev/null 2>&1 &
	pids+=($!)
	_pid_list+=("${pids[@]}")
	for p in "${pids[@]}"; do wait "$p"; done
	return 0
}
