#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The WireGuard inventory of kernel WireGuard (generic netlink), held
# against `wg show wg0 dump` (wireguard-tools' own netlink client). The
# device gets a fwmark, a keepalive, an IPv6 peer with 1500 AllowedIPs and
# 40 more peers, so one dump spans several netlink messages and the split
# peer lists must be put back together.

. /tests/lib.sh

CHECKS="wg-inventory-runs wg-inventory-device wg-inventory-peers
	wg-inventory-endpoints wg-inventory-allowedips wg-inventory-handshake
	wg-inventory-transfer wg-inventory-keepalive wg-inventory-split-dump"
plan "$(echo "$CHECKS" | wc -w)"
require_wgtrace $CHECKS || exit 0

wg_pair_up || fail_all "no WireGuard pair (wg_pair_up failed)"

BIG_N=1500
MORE_N=40
# A's peer B: IPv6 and a documentation range too, a keepalive, a fwmark.
nsx "$WG_NS_A" wg set wg0 fwmark 0x1234 peer "$WG_B_PUB" persistent-keepalive 25 \
	allowed-ips "$WG_TUN_B/32,fd00:99::2/128,198.51.100.0/24" ||
	fail_all "wg set (peer B) failed"
# Peer C: an IPv6 endpoint and more AllowedIPs than one message holds.
wg_keys WG_C_PRIV WG_C_PUB || fail_all "wg genkey failed"
big=$(awk -v n=$BIG_N 'BEGIN { for (i = 0; i < n; i++) printf "%s2001:db8:%x::/48", (i ? "," : ""), i }')
nsx "$WG_NS_A" wg set wg0 peer "$WG_C_PUB" endpoint '[2001:db8:1::3]:51822' \
	allowed-ips "$big" || fail_all "wg set (peer C, $BIG_N AllowedIPs) failed"
# More peers than one message holds.
i=1
while [ $i -le $MORE_N ]; do
	k=$(wg genkey | wg pubkey) &&
		nsx "$WG_NS_A" wg set wg0 peer "$k" allowed-ips "10.200.$i.0/24" ||
		fail_all "wg set (extra peer $i) failed"
	i=$((i + 1))
done

# --- one consistent snapshot ---------------------------------------------
# Keepalives move the counters: use a round in which wg's dump before and
# after the inventory is the same.
d1=$LIB_TMP/dump1
d2=$LIB_TMP/dump2
js=$LIB_TMP/inv.json
ok=
try=0
while [ $try -lt 5 ]; do
	nsx "$WG_NS_A" wg show wg0 dump >"$d1" || break
	wgtrace inventory -n "$WG_NS_A" --json >"$js" 2>"$LIB_TMP/inv.err" || break
	nsx "$WG_NS_A" wg show wg0 dump >"$d2" || break
	ok=1
	[ "$(cat "$d1")" = "$(cat "$d2")" ] && break
	try=$((try + 1))
done
if [ -z "$ok" ]; then
	sed 's/^/    /' "$LIB_TMP/inv.err"
	fail_all "wgtrace inventory -n $WG_NS_A --json (or wg show) failed"
fi
pass wg-inventory-runs

# Peer lines of both sources: public key, endpoint, allowed ips, latest
# handshake, rx, tx, keepalive (wg's spellings), sorted by key.
dp=$LIB_TMP/dump.peers
jp=$LIB_TMP/json.peers
awk -F'\t' 'NR > 1 { print $1 "\t" $3 "\t" $4 "\t" $5 "\t" $6 "\t" $7 "\t" $8 }' "$d1" |
	sort >"$dp"
jq -r 'select(.type == "wg_peer" and .interface == "wg0") |
	[.public_key, (.endpoint // "(none)"),
	 (.allowed_ips | if length == 0 then "(none)" else join(",") end),
	 (.latest_handshake // 0), .rx_bytes, .tx_bytes,
	 (if .persistent_keepalive == 0 then "off" else .persistent_keepalive end)] |
	@tsv' "$js" | sort >"$jp"

# same_field NAME WHY COLUMN
same_field() {
	cut -f "1,$3" "$dp" >"$LIB_TMP/want"
	cut -f "1,$3" "$jp" >"$LIB_TMP/got"
	if [ "$(cat "$LIB_TMP/want")" = "$(cat "$LIB_TMP/got")" ]; then
		pass "$1"
	else
		fail "$1" "$2"
		diff "$LIB_TMP/want" "$LIB_TMP/got" 2>/dev/null | head -n 10 | cut -c 1-150 |
			sed 's/^/    /'
	fi
}

# --- device ----------------------------------------------------------------
read -r _priv dev_pub dev_port dev_mark <"$d1"
[ "$dev_mark" = off ] && dev_mark=0
# The public key is wg pubkey of the key this test generated (wg's dump
# must agree); a null from wgtrace fails.
[ "$dev_pub" = "$WG_A_PUB" ] || dev_pub="(lab: dump has $dev_pub, wg pubkey $WG_A_PUB)"
ifindex=$(ip -n "$WG_NS_A" -o link show wg0 | cut -d: -f1)
want="wg0 $ifindex kernel $dev_pub $dev_port $((dev_mark))"
got=$(jq -r 'select(.type == "wg_device" and .name == "wg0") |
	"\(.name) \(.ifindex) \(.impl) \(.public_key) \(.listen_port) \(.fwmark)"' "$js")
if [ "$got" = "$want" ]; then
	pass wg-inventory-device
else
	fail wg-inventory-device "want [$want] (wg show dump, ip link), got [$got]"
fi

# --- peers -------------------------------------------------------------------
same_field wg-inventory-peers "peer public keys differ from wg show dump" 1
same_field wg-inventory-endpoints "endpoints differ from wg show dump" 2
same_field wg-inventory-allowedips "AllowedIPs differ from wg show dump" 3
# nonzero COLUMN: wg says some peer has a non-zero value there.
nonzero() { awk -F'\t' -v c="$1" '$c > 0 { f = 1 } END { exit !f }' "$dp"; }
if nonzero 4; then
	same_field wg-inventory-handshake "latest handshake differs from wg show dump" 4
else
	fail wg-inventory-handshake "wg show dump has no handshake at all (lab problem)"
fi
if nonzero 5 && nonzero 6; then
	cut -f 1,5,6 "$dp" >"$LIB_TMP/dp56"
	cut -f 1,5,6 "$jp" >"$LIB_TMP/jp56"
	if [ "$(cat "$LIB_TMP/dp56")" = "$(cat "$LIB_TMP/jp56")" ]; then
		pass wg-inventory-transfer
	else
		fail wg-inventory-transfer "rx/tx bytes differ from wg show dump"
	fi
else
	fail wg-inventory-transfer "wg show dump counts no traffic at all (lab problem)"
fi
same_field wg-inventory-keepalive "persistent keepalive differs from wg show dump" 7

# --- the dump spanned several messages ------------------------------------
# Every peer once (no half of a split peer left as a second entry), the
# device's peer count right, and the big peer whole.
n_dump=$(wc -l <"$dp")
n_json=$(wc -l <"$jp")
n_uniq=$(cut -f 1 "$jp" | uniq | wc -l)
n_dev=$(jq -r 'select(.type == "wg_device" and .name == "wg0") | .peers' "$js")
n_big=$(jq -r --arg k "$WG_C_PUB" 'select(.type == "wg_peer" and .public_key == $k) |
	.allowed_ips | length' "$js")
want="$((MORE_N + 2)) $((MORE_N + 2)) $((MORE_N + 2)) $((MORE_N + 2)) $BIG_N"
got="$n_dump $n_json $n_uniq $n_dev $n_big"
if [ "$got" = "$want" ]; then
	pass wg-inventory-split-dump
else
	fail wg-inventory-split-dump "peers in dump, json, unique json, device; big peer's" \
		"AllowedIPs: want [$want], got [$got]"
fi
exit 0
