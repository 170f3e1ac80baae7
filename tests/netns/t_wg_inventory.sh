#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The WireGuard inventory of userspace WireGuard (wireguard-go over TUN),
# held against `wg show DEV dump`: wg(8) reads the same UAPI socket with its
# own parser, so it is an independent witness. Two wireguard-go devices in
# two namespaces complete a handshake, so handshake time and transfer
# counters are not zero. Also: only devices of the namespace asked about are
# reported, although every namespace sees every UAPI socket, and a plain TUN
# device (no UAPI socket) is no WireGuard device.
. "$(dirname "$0")/lib.sh"

CHECKS="wg-inventory-runs wg-inventory-device wg-inventory-peers
	wg-inventory-endpoints wg-inventory-allowedips wg-inventory-handshake
	wg-inventory-transfer wg-inventory-keepalive wg-inventory-netns-scope
	wg-inventory-plain-tun"

require_root wg-inventory
require_cmd wg-inventory wireguard-go wg jq ip ping
# One result per name in CHECKS, also when the lab breaks (fail_all).
plan "$(wc -w <<<"$CHECKS")"
"$WGTRACE" inventory --help >/dev/null 2>&1 ||
	fail_all "$WGTRACE has no 'inventory' command"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup' EXIT

# --- two wireguard-go devices, peered over a veth ------------------------
ns_new NS_A
ns_new NS_B
wg_devname DEV_A
wg_devname DEV_B
wg_devname TUN_PLAIN
veth_pair "$NS_A" ul0 "$NS_B" ul0 || fail_all "cannot create the veth underlay"
ip -n "$NS_A" addr add 192.0.2.1/24 dev ul0
ip -n "$NS_B" addr add 192.0.2.2/24 dev ul0

wg_keys PRIV_A PUB_A
wg_keys PRIV_B PUB_B
wg_keys PRIV_C PUB_C	# a peer that never answers: no handshake, no bytes
(umask 077 && echo "$PRIV_A" >"$tmp/a.key" && echo "$PRIV_B" >"$tmp/b.key")

wggo_start "$NS_A" "$DEV_A" || fail_all "wireguard-go did not start $DEV_A"
wggo_start "$NS_B" "$DEV_B" || fail_all "wireguard-go did not start $DEV_B"
if ! ip netns exec "$NS_A" wg set "$DEV_A" private-key "$tmp/a.key" \
	listen-port 51820 fwmark 0x1234 \
	peer "$PUB_B" allowed-ips 10.99.0.2/32,fd00:99::2/128,198.51.100.0/24 \
	endpoint 192.0.2.2:51821 persistent-keepalive 25 \
	peer "$PUB_C" allowed-ips 10.99.0.3/32,2001:db8:99::/48 \
	endpoint '[2001:db8:1::3]:51822' ||
	! ip netns exec "$NS_B" wg set "$DEV_B" private-key "$tmp/b.key" \
	listen-port 51821 \
	peer "$PUB_A" allowed-ips 10.99.0.1/32,fd00:99::1/128 \
	endpoint 192.0.2.1:51820; then
	fail_all "wg set failed"
fi
ip -n "$NS_A" addr add 10.99.0.1/24 dev "$DEV_A"
ip -n "$NS_A" addr add fd00:99::1/64 dev "$DEV_A" nodad
ip -n "$NS_B" addr add 10.99.0.2/24 dev "$DEV_B"
ip -n "$NS_A" link set "$DEV_A" up
ip -n "$NS_B" link set "$DEV_B" up
# A TUN that is no WireGuard: no UAPI socket answers for it.
ip -n "$NS_A" tuntap add mode tun name "$TUN_PLAIN" ||
	fail_all "cannot create a plain TUN device"

poke() {
	ip netns exec "$NS_A" ping -c 1 -W 1 10.99.0.2 >/dev/null 2>&1
	handshake_any "$NS_A" "$DEV_A" && handshake_any "$NS_B" "$DEV_B"
}
# A handshake is retried every 5 s; 30 s is generous on a loaded machine.
wait_until 30 poke || fail_all "no handshake between $DEV_A and $DEV_B (lab problem)"

# --- one consistent snapshot ---------------------------------------------
# Keepalives move the counters: take wg's dump before and after the
# inventory and use a round in which nothing moved.
snapshot() {	# NS DEV PREFIX
	for _ in 1 2 3 4 5; do
		ip netns exec "$1" wg show "$2" dump >"$3.dump1" || return 1
		"$WGTRACE" inventory -n "$1" --json >"$3.json" 2>"$3.err" || return 1
		ip netns exec "$1" wg show "$2" dump >"$3.dump2" || return 1
		cmp -s "$3.dump1" "$3.dump2" && return 0
	done
	return 0	# still moving: the comparison will show what differs
}
if ! snapshot "$NS_A" "$DEV_A" "$tmp/a" || ! snapshot "$NS_B" "$DEV_B" "$tmp/b"; then
	fail wg-inventory-runs "wgtrace inventory -n NS --json failed"
	sed 's/^/    /' "$tmp"/*.err
	CHECKS=${CHECKS#wg-inventory-runs }
	fail_all "no inventory to compare"
fi
pass wg-inventory-runs

# Peers of both sources as one line each, columns: public key, endpoint,
# allowed ips, latest handshake, rx, tx, keepalive (wg's spellings).
dump_peers() {	# DUMPFILE
	awk -F'\t' 'NR > 1 { print $1 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7 "\t" $8 }' "$1" | sort
}
json_peers() {	# JSONFILE DEV
	jq -r --arg d "$2" 'select(.type == "wg_peer" and .interface == $d) |
		[.public_key, (.endpoint // "(none)"),
		 (.allowed_ips | if length == 0 then "(none)" else join(",") end),
		 (.latest_handshake // 0), .rx_bytes, .tx_bytes,
		 (if .persistent_keepalive == 0 then "off"
		  else .persistent_keepalive end)] | @tsv' "$1" | sort
}
# field N: the public key and column N.
field() { cut -f "1,$1"; }

for side in a b; do
	dump_peers "$tmp/$side.dump1" >"$tmp/$side.dpeers"
	json_peers "$tmp/$side.json" "$([ $side = a ] && echo "$DEV_A" || echo "$DEV_B")" \
		>"$tmp/$side.jpeers"
done
cmp_field() {	# COLUMN: both sides, every peer
	local s
	for s in a b; do
		# Both sides have peers: two empty lists agree on nothing.
		[ -s "$tmp/$s.dpeers" ] || { echo "lab: wg show dump of $s lists no peer"; return 1; }
		diff <(field "$1" <"$tmp/$s.dpeers") <(field "$1" <"$tmp/$s.jpeers") || return 1
	done
}

# --- device ----------------------------------------------------------------
device_ok() {	# NS DEV JSON DUMP PUBKEY
	local ifindex dump_port dump_mark dump_pub got want
	ifindex=$(ip -n "$1" -o link show "$2" | cut -d: -f1)
	read -r _ dump_pub dump_port dump_mark <"$4"
	[ "$dump_mark" = off ] && dump_mark=0
	# The public key: wg pubkey of the key this test generated, which wg's
	# dump must show too. UAPI gives only the private key, so wgtrace has
	# to derive it: null is wrong.
	[ "$dump_pub" = "$5" ] || { echo "lab: wg show dump has key $dump_pub, wg pubkey gave $5"; return 1; }
	want="$2 $ifindex userspace $dump_port $((dump_mark)) $5"
	got=$(jq -r --arg d "$2" 'select(.type == "wg_device" and .name == $d) |
		"\(.name) \(.ifindex) \(.impl) \(.listen_port) \(.fwmark) \(.public_key)"' "$3")
	[ "$got" = "$want" ] || { echo "want: $want"; echo "got:  $got"; return 1; }
}
both_devices_ok() {
	device_ok "$NS_A" "$DEV_A" "$tmp/a.json" "$tmp/a.dump1" "$PUB_A" &&
		device_ok "$NS_B" "$DEV_B" "$tmp/b.json" "$tmp/b.dump1" "$PUB_B"
}
check wg-inventory-device "name, ifindex, impl, listen port, fwmark or public key differ from wg show dump / ip link / wg pubkey" \
	both_devices_ok

# --- peers -------------------------------------------------------------------
peer_count_ok() {
	local s n
	for s in a b; do
		n=$(jq -s '[.[] | select(.type == "wg_device")][0].peers' "$tmp/$s.json")
		# A has B and C, B has A: as built here, and as wg dumps them.
		[ "$(wc -l <"$tmp/$s.dpeers")" = "$([ $s = a ] && echo 2 || echo 1)" ] ||
			{ echo "lab: wg show dump of $s lists $(wc -l <"$tmp/$s.dpeers") peers"; return 1; }
		[ "$n" = "$(wc -l <"$tmp/$s.dpeers")" ] || { echo "$s: device says $n peers"; return 1; }
	done
	cmp_field 1
}
check wg-inventory-peers "peer public keys differ from wg show dump" peer_count_ok
check wg-inventory-endpoints "endpoints differ from wg show dump" cmp_field 2
check wg-inventory-allowedips "AllowedIPs differ from wg show dump" cmp_field 3
nonzero() {	# COLUMN: some peer of A has a non-zero value there (wg says)
	awk -F'\t' -v c="$1" '$c > 0 { f = 1 } END { exit !f }' "$tmp/a.dpeers"
}
check wg-inventory-handshake "latest handshake differs from wg show dump" \
	eval 'nonzero 4 && cmp_field 4'
check wg-inventory-transfer "rx/tx bytes differ from wg show dump" \
	eval 'nonzero 5 && nonzero 6 && cmp_field 5 && cmp_field 6'
check wg-inventory-keepalive "persistent keepalive differs from wg show dump" cmp_field 7

# --- scope ---------------------------------------------------------------------
# Every namespace sees both sockets in /var/run/wireguard; each inventory
# must hold only its own device.
only_own() {	# JSON DEV
	local got
	got=$(jq -r 'select(.type == "wg_device") | .name' "$1" | tr '\n' ' ')
	[ "$got" = "$2 " ] || { echo "devices: $got(want: $2)"; return 1; }
}
check wg-inventory-netns-scope "a namespace's inventory shows another namespace's device" \
	eval 'only_own "$tmp/a.json" "$DEV_A" && only_own "$tmp/b.json" "$DEV_B"'
# jq 1.6 -e judges only the last input: count matches instead.
jcount() {	# JSONFILE FILTER (with $t)
	jq -r --arg t "$TUN_PLAIN" "select($2) | .type" "$1" | wc -l
}
plain_tun_ok() {
	[ "$(jcount "$tmp/a.json" '.type == "link" and .name == $t and .kind == "tun"')" = 1 ] ||
		{ echo "no link $TUN_PLAIN of kind tun"; return 1; }
	[ "$(jcount "$tmp/a.json" '.type == "wg_device" and .name == $t')" = 0 ]
}
check wg-inventory-plain-tun "a TUN without UAPI socket is listed as WireGuard" plain_tun_ok
exit 0
