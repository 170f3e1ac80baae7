#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace check` on a 20,000-peer gateway (issue 12): a wireguard-go device
# with two AllowedIPs per peer and a route per prefix, as wg-quick leaves
# them (tests/lib/scale_gw.sh), plus three planted faults:
#   - the route of one peer's /24 is missing        -> one route_bypass
#   - one more peer claims a /25 of that peer's /24 -> one overlap
#   - a route into the device that no peer carries  -> one no_peer
# The whole set of findings at warning or above must be exactly these, each
# naming what was planted, with examples the kernel (ip route get) and
# WireGuard (wg show allowed-ips) agree with. check must finish within a
# bound (timeout); how fast it is goes to tests/bench/check_scale.sh.
#
# SCALE_PEERS=N builds N peers instead (at most 32,000).
. "$(dirname "$0")/lib.sh"
type plan >/dev/null 2>&1 && plan 8
. "$TOP/tests/lib/scale_gw.sh"

N=${SCALE_PEERS:-20000}
CHECKS="check-scale-setup check-scale-finishes check-scale-findings
check-scale-bypass check-scale-bypass-kernel check-scale-overlap
check-scale-no-peer check-scale-summary"

# Every result line, also when the lab cannot be built: the plan holds.
if [ "$(id -u)" != 0 ]; then
	for n in $CHECKS; do skip "$n" "needs root"; done
	exit 0
fi
for c in wireguard-go wg jq timeout; do
	command -v "$c" >/dev/null || fail_all "$c not installed (run: make deps)"
done

TMP=$(mktemp -d /tmp/wgt-check-scale.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT

# The peer whose /24 loses its route, and whose /24 the extra peer splits.
K=$((N / 2))
NET_K=$(scale_gw_net "$K")		# 10.x.y.0/24
HALF_K=${NET_K%.0/24}.0/25
NOPEER=10.250.0.0/24			# beyond the peers' 10.128.0.0/9 use

build() {
	ns_new G && wg_devname D || return 1
	wggo_start "$G" "$D" || return 1
	scale_gw_files "$N" "$TMP" || return 1
	scale_gw_apply "$G" "$D" "$TMP" || return 1
	# Peer K's key: the K-th [Peer] block of the configuration (0-based).
	KEY_K=$(awk -v k="$K" '/^PublicKey/ { if (n++ == k) { print $3; exit } }' \
		"$TMP/wg.conf")
	KEY_X=$(head -c 32 /dev/urandom | base64 -w 0)
	ip -n "$G" route del "$NET_K" dev "$D" || return 1
	ip netns exec "$G" wg set "$D" peer "$KEY_X" allowed-ips "$HALF_K" || return 1
	ip -n "$G" route add "$HALF_K" dev "$D" || return 1
	ip -n "$G" route add "$NOPEER" dev "$D"
}
build || fail_all "could not build the $N-peer topology"

peers=$(ip netns exec "$G" wg show "$D" peers | wc -l)
routes=$(ip -n "$G" route show dev "$D" | wc -l)
# 2 routes per peer, one removed, the /25 and the no-peer route added.
check check-scale-setup "lab: $peers peers, $routes routes into $D" \
	test "$peers/$routes" = "$((N + 1))/$((2 * N + 1))"

timeout 120 "$WGTRACE" check -n "$G" --json >"$TMP/out" 2>"$TMP/err"
RC=$?
show() { echo "exit $RC"; head -c 4000 "$TMP/out"; cat "$TMP/err"; }
check check-scale-finishes "check did not finish within 120 s (exit $RC)" \
	eval '[ $RC -ne 124 ] && jq -e -s ".[-1].type == \"summary\"" "$TMP/out" >/dev/null || { show; false; }'

# Warning and above, as "id prefix": exactly what was planted. Exit 1 for
# the two errors (default --fail-on error).
got=$(jq -r 'select(.type == "finding" and .severity != "info") |
	"\(.finding) \(.severity) \(.objects.prefix // .objects.route)"' \
	"$TMP/out" | sort | tr '\n' ';')
want=$(printf '%s\n' "no_peer error $NOPEER" "overlap warning $NET_K" \
	"route_bypass error $NET_K" | sort | tr '\n' ';')
check check-scale-findings "findings '$got', planted '$want'" \
	eval '[ "$got" = "$want" ] && [ $RC -eq 1 ] || { show; false; }'

one() { jq -c "select(.type == \"finding\" and .finding == \"$1\")" "$TMP/out"; }
bypass=$(one route_bypass)
check check-scale-bypass "route_bypass does not name peer $KEY_K: $bypass" \
	jq -e --arg k "$KEY_K" --arg d "$D" \
	'.peer == $k and .interface == $d and .severity == "error"' <<<"$bypass"
# The kernel's own answer for the example: not into the device.
dst=$(jq -r '.example.dst' <<<"$bypass")
route_expect "$G" "$dst"
check check-scale-bypass-kernel "ip route get $dst says dev '$RT_OIF' ($RT_ERR)" \
	eval '[[ $dst == "${NET_K%.0/24}".* ]] && [ "$RT_OIF" != "$D" ]'

overlap=$(one overlap)
check check-scale-overlap "overlap does not pair $KEY_K's $NET_K with $HALF_K: $overlap" \
	jq -e --arg k "$KEY_K" --arg x "$KEY_X" --arg p "$NET_K" --arg h "$HALF_K" \
	'.peer == $k and .objects.other_peer == $x and .objects.prefix == $p and
	 .objects.other_prefix == $h' <<<"$overlap"

# no_peer's example: the kernel sends it into the device, no peer has it.
dst=$(one no_peer | jq -r '.example.dst')
route_expect "$G" "$dst"
lpm=$(wg_lpm "$G" "$D" "$dst")
check check-scale-no-peer "example $dst: dev '$RT_OIF', WireGuard's peer '$lpm'" \
	eval '[ "$RT_OIF" = "$D" ] && [ -z "$lpm" ] && [[ $dst == 10.250.0.* ]]'

check check-scale-summary "summary does not count $((N + 1)) peers" \
	jq -e -s --argjson n "$((N + 1))" \
	'.[-1] | .devices == 1 and .peers == $n and .error == 2 and .warning == 1' \
	"$TMP/out"
