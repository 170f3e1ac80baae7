#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# watch, export and trace on a 20,000-peer gateway (wireguard-go, two
# AllowedIPs per peer, a route per prefix: tests/lib/scale_gw.sh), held
# against the kernel and WireGuard, not against timings (those go to the
# benchmark):
#   - peer K's /24 is routed out of the uplink up0 instead of the tunnel:
#     watch's route_bypass count on the WireGuard device for K equals the
#     echo requests ping sent there (ping's own count);
#   - export serves /metrics (200) with K's route_bypass series equal to
#     the same count;
#   - trace of peer J's tunnel address names the peer wg's own
#     longest-prefix match over `wg show allowed-ips` names.
# Attach time and peak RSS are printed as diagnostics only.
#
#   G  wg $D (20,000 peers)     up0 192.0.2.1/24 ==veth== U up0 192.0.2.2
#
# SCALE_PEERS=N builds N peers instead (at most 32,000).
. "$(dirname "$0")/lib.sh"
plan 7
. "$TOP/tests/lib/scale_gw.sh"

N=${SCALE_PEERS:-20000}
CHECKS="scale-setup scale-watch-runs scale-watch-route-bypass scale-export-ready
scale-export-route-bypass scale-trace-runs scale-trace-peer"
if [ "$(id -u)" != 0 ]; then
	for n in $CHECKS; do skip "$n" "needs root"; done
	exit 0
fi
for c in wireguard-go wg jq curl ss ping; do
	command -v "$c" >/dev/null || fail_all "$c not installed (run: make deps)"
done

TMP=$(mktemp -d /tmp/wgt-scale.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
K=$((N / 3))
J=$((2 * N / 3))
NET_K=$(scale_gw_net "$K")		# 10.x.y.0/24
DST_K=${NET_K%.0/24}.9
PINGS=10

build() {
	ns_new G && ns_new U && wg_devname D || return 1
	veth_pair "$G" up0 "$U" up0 || return 1
	ip -n "$G" addr add 192.0.2.1/24 dev up0 &&
		ip -n "$U" addr add 192.0.2.2/24 dev up0 || return 1
	wggo_start "$G" "$D" || return 1
	scale_gw_files "$N" "$TMP" || return 1
	scale_gw_apply "$G" "$D" "$TMP" || return 1
	# K's network leaves by the uplink: the wrong turn to count.
	ip -n "$G" route replace "$NET_K" via 192.0.2.2 dev up0
}
build || fail_all "could not build the $N-peer topology"
KEY_K=$(awk -v k="$K" '/^PublicKey/ { if (n++ == k) { print $3; exit } }' "$TMP/wg.conf")
peers=$(ip netns exec "$G" wg show "$D" peers | wc -l)
check setup/scale-setup "lab: $peers peers, $NET_K via $(ip -n "$G" route get "$DST_K" | head -1)" \
	eval '[ "$peers" -eq "$N" ] && ip -n "$G" route get "$DST_K" | grep -q "dev up0"'

# sent_pings: the echo requests ping says it transmitted to DST_K.
sent_pings() { pings_sent "$G" "$DST_K" "$PINGS"; }

# --- watch -------------------------------------------------------------------
t0=$(date +%s%N)
"$WGTRACE" watch -n "$G" --json --interval 1 --duration 120 >"$TMP/w.out" \
	2>"$TMP/w.err" &
WPID=$!
_pid_list+=("$WPID")
if wait_until 60 grep -q '"type":"status"' "$TMP/w.out"; then
	echo "    watch attached after $((($(date +%s%N) - t0) / 1000000)) ms," \
		"RSS $(awk '/VmHWM/ { print $2, $3 }' "/proc/$WPID/status")"
	pass scale-watch-runs
	sent=$(sent_pings)
	n0=$(grep -c '"type":"status"' "$TMP/w.out")
	wait_until 20 eval '[ "$(grep -c "\"type\":\"status\"" "$TMP/w.out")" -ge $((n0 + 2)) ]'
	kill -TERM "$WPID"
	wait "$WPID"
	got=$(jq -s --arg k "$KEY_K" '(to_entries | map(select(.value.type == "status")) |
		last.key) as $i | .[$i + 1:] | map(select(.type == "finding" and
		.finding == "route_bypass" and .peer == $k)) | map(.count) | add // 0' "$TMP/w.out")
	check scale-watch-route-bypass "route_bypass for peer K: watch $got, ping sent ${sent:-none}" \
		eval '[ "${sent:-0}" -gt 0 ] && [ "$got" = "$sent" ]'
else
	fail scale-watch-runs "no status line within 60 s: $(head -c 300 "$TMP/w.err")"
	fail scale-watch-route-bypass "watch did not run"
fi

# --- export ------------------------------------------------------------------
series() { bypass_series "$KEY_K"; }
if export_start "$G"; then
	pass scale-export-ready
	sent=$(sent_pings)
	check scale-export-route-bypass "route_bypass series of K: $(series), ping sent ${sent:-none}" \
		wait_until 20 eval 'scrape && [ "${sent:-0}" -gt 0 ] && [ "$(series)" = "$sent" ]'
	echo "    scrape: $(wc -c <"$TMP/s") bytes, $(wc -l <"$TMP/s") lines;" \
		"export RSS $(awk '/VmHWM/ { print $2, $3 }' "/proc/$EPID/status")"
else
	fail scale-export-ready "no 200 from /metrics within 60 s: $(head -c 300 "$TMP/e.err")"
	fail scale-export-route-bypass "export did not serve"
fi
kill -TERM "$EPID" 2>/dev/null
wait "$EPID" 2>/dev/null

# --- trace -------------------------------------------------------------------
DST_J=$(scale_gw_host "$J")
DST_J=${DST_J%/32}
want=$(wg_lpm "$G" "$D" "$DST_J" | awk 'NR == 1 { print $1 }')
timeout 120 "$WGTRACE" trace "$DST_J" -n "$G" --send -c 2 -t 20 --json \
	>"$TMP/t.out" 2>"$TMP/t.err"
rc=$?
got=$(jq -r 'select(.type == "summary") | .peer // empty' "$TMP/t.out" 2>/dev/null)
check scale-trace-runs "trace exited $rc: $(head -c 300 "$TMP/t.err")" \
	jq -e -s 'length > 0 and .[-1].type == "summary"' "$TMP/t.out"
check scale-trace-peer "trace names peer '$got', wg's longest-prefix match '$want'" \
	eval '[ -n "$want" ] && [ "$got" = "$want" ]'
exit 0
