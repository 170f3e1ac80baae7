#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The lab proves itself: kernel WireGuard between two namespaces completes a
# handshake, carries a ping, and counts the traffic on both sides. If this
# fails, no other vm test means anything.

. /tests/lib.sh

# These check the lab, not wgtrace: setup checks (tests/README.md).
plan 3

if ! wg_pair_up; then
	fail setup/smoke-handshake "no WireGuard handshake between $WG_NS_A and $WG_NS_B"
	fail setup/smoke-ping "no tunnel (handshake failed)"
	fail setup/smoke-transfer "no tunnel (handshake failed)"
	exit 0
fi
info "handshake A: $(nsx "$WG_NS_A" wg show wg0 latest-handshakes)"
info "handshake B: $(nsx "$WG_NS_B" wg show wg0 latest-handshakes)"
pass setup/smoke-handshake

# Both directions, and the tunnel address is reachable only through wg0
# (the underlay carries 192.0.2.0/24 only).
out_ab=$(nsx "$WG_NS_A" ping -c 3 -W 5 "$WG_TUN_B" 2>&1)
rc_ab=$?
out_ba=$(nsx "$WG_NS_B" ping -c 3 -W 5 "$WG_TUN_A" 2>&1)
rc_ba=$?
if [ $rc_ab -eq 0 ] && [ $rc_ba -eq 0 ]; then
	pass setup/smoke-ping
else
	fail setup/smoke-ping "ping A->B status $rc_ab, B->A status $rc_ba"
	echo "$out_ab" "$out_ba" | sed 's/^/    /'
fi

# `wg show wg0 transfer`: "<peer key> <rx bytes> <tx bytes>", from the kernel.
transfer_ok() {
	nsx "$1" wg show wg0 transfer |
		awk 'NR == 1 && $2 > 0 && $3 > 0 { ok = 1 } END { exit !ok }'
}
ta=$(nsx "$WG_NS_A" wg show wg0 transfer)
tb=$(nsx "$WG_NS_B" wg show wg0 transfer)
info "transfer A: $ta"
info "transfer B: $tb"
if transfer_ok "$WG_NS_A" && transfer_ok "$WG_NS_B"; then
	pass setup/smoke-transfer
else
	fail setup/smoke-transfer "rx or tx is zero: A [$ta] B [$tb]"
fi
exit 0
