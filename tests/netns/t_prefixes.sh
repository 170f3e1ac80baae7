#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A gateway of 100,000 AllowedIPs prefixes (issue #12): 2,000 wireguard-go
# peers with 50 prefixes each (a /32, a /24 and 48 /29s) and a route per
# prefix, as wg-quick adds them (tests/lib/scale_gw.sh). The last peer's
# last prefix L (the 100,000th) is routed out of the uplink up0 instead of
# the tunnel. Held against the kernel and WireGuard:
#   - watch --json starts, and its route_bypass count for the last peer
#     equals the echo requests ping sent into L (ping's own count);
#   - export serves /metrics (200) with the last peer's route_bypass series
#     equal to the same count;
#   - trace of an address in the second-to-last peer's last prefix names
#     the peer wg's own longest-prefix match over `wg show allowed-ips`
#     names;
#   - check finishes, and its findings at warning or above are exactly the
#     one route_bypass the topology implies (L, naming the last peer, with
#     an example the kernel routes elsewhere), exit 1 (--fail-on error).
# How long building the gateway takes is printed as a diagnostic.
#
#   G  wg $D (100,000 prefixes)  up0 192.0.2.1/24 ==veth== U up0 192.0.2.2
#
# PREFIX_PEERS=N and PREFIX_PER_PEER=P build another shape.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib/scale_gw.sh"
require_root prefixes
require_cmd prefixes wireguard-go wg jq curl ss ping timeout awk
plan 11

N=${PREFIX_PEERS:-2000}
P=${PREFIX_PER_PEER:-50}
CHECKS="prefixes-setup prefixes-watch-runs prefixes-watch-route-bypass
prefixes-export-ready prefixes-export-route-bypass prefixes-export-peer-info
prefixes-trace-runs
prefixes-trace-peer prefixes-check-finishes prefixes-check-findings
prefixes-check-bypass"
TMP=$(mktemp -d /tmp/wgt-prefixes.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
# L: the last prefix of the last-added peer; T: the last prefix of the
# peer before it (still routed into the tunnel).
NET_L=$(scale_gw_small $((N - 1)) $((P - 3)) "$P")
NET_T=$(scale_gw_small $((N - 2)) $((P - 3)) "$P")
BASE_L=${NET_L%/29}
DST_L=${BASE_L%.*}.$((${BASE_L##*.} + 2))
# in_l ADDR: ADDR is inside L.
in_l() { [ "${1%.*}" = "${BASE_L%.*}" ] && [ $((${1##*.} & ~7)) -eq "${BASE_L##*.}" ]; }
PINGS=10

build() {
	ns_new G && ns_new U && wg_devname D || return 1
	veth_pair "$G" up0 "$U" up0 192.0.2.1/24 192.0.2.2/24 || return 1
	wggo_start "$G" "$D" || return 1
	scale_gw_files "$N" "$TMP" "$P" || return 1
	scale_gw_apply "$G" "$D" "$TMP" || return 1
	# L leaves by the uplink: the wrong turn to count.
	ip -n "$G" route replace "$NET_L" via 192.0.2.2 dev up0
}
t0=$(date +%s%N)
build || fail_all "could not build the $N x $P-prefix topology"
info "gateway of $N peers x $P prefixes built in" \
	"$((($(date +%s%N) - t0) / 1000000)) ms"
KEY_L=$(awk '/^PublicKey/ { k = $3 } END { print k }' "$TMP/wg.conf")
ips=$(ip netns exec "$G" wg show "$D" allowed-ips | awk '{ n += NF - 1 } END { print n + 0 }')
routes=$(ip -n "$G" route show dev "$D" | wc -l)
route_expect "$G" "$DST_L"
# Every prefix in WireGuard; a route for each but L, which goes to up0.
check prefixes-setup "lab: $ips AllowedIPs, $routes routes into $D, $DST_L via '$RT_OIF'" \
	eval '[ "$ips" -eq $((N * P)) ] && [ "$routes" -eq $((N * P - 1)) ] &&
		[ "$RT_OIF" = up0 ]'

# sent_pings: the echo requests ping says it transmitted to DST_L.
sent_pings() { pings_sent "$G" "$DST_L" "$PINGS"; }

# --- watch -------------------------------------------------------------------
statuses() { grep -c '"type":"status"' "$TMP/w.out"; }
t0=$(date +%s%N)
"$WGTRACE" watch -n "$G" --json --interval 1 --duration 60 >"$TMP/w.out" \
	2>"$TMP/w.err" &
WPID=$!
_pid_list+=("$WPID")
if wait_until 30 grep -q '"type":"status"' "$TMP/w.out"; then
	info "watch attached after $((($(date +%s%N) - t0) / 1000000)) ms," \
		"RSS $(awk '/VmHWM/ { print $2, $3 }' "/proc/$WPID/status")"
	pass prefixes-watch-runs
	sent=$(sent_pings)
	n0=$(statuses)
	wait_until 10 eval '[ "$(statuses)" -ge $((n0 + 2)) ]'
	kill -TERM "$WPID"
	wait "$WPID"
	# The findings after the last status line (the totals at exit).
	got=$(jq -s --arg k "$KEY_L" '(to_entries | map(select(.value.type == "status")) |
		last.key) as $i | .[$i + 1:] | map(select(.type == "finding" and
		.finding == "route_bypass" and .peer == $k)) | map(.count) | add // 0' "$TMP/w.out")
	check prefixes-watch-route-bypass "route_bypass for the last peer: watch $got, ping sent ${sent:-none}" \
		eval '[ "${sent:-0}" -gt 0 ] && [ "$got" = "$sent" ]'
else
	fail prefixes-watch-runs "no status line within 30 s: $(head -c 300 "$TMP/w.err")"
	fail prefixes-watch-route-bypass "watch did not run"
	kill "$WPID" 2>/dev/null
	wait "$WPID" 2>/dev/null
fi

# --- export ------------------------------------------------------------------
series() { bypass_series "$KEY_L"; }
# The last peer's wgtrace_peer_info: its allowed_ips label lists prefixes of
# wg's own list for the peer, and what it leaves out it counts ("+N more"),
# so listed + N is the peer's prefix count in `wg show`.
peer_info_ok() {
	local label listed more want bad
	label=$(awk -v k="$KEY_L" 'index($0, "wgtrace_peer_info{") == 1 &&
		index($0, "peer=\"" k "\"")' "$TMP/s" |
		sed -n 's/.*allowed_ips="\([^"]*\)".*/\1/p')
	ip netns exec "$G" wg show "$D" allowed-ips |
		awk -v k="$KEY_L" '$1 == k { for (i = 2; i <= NF; i++) print $i }' |
		sort >"$TMP/wg.allowed"
	want=$(wc -l <"$TMP/wg.allowed")
	listed=$(echo "$label" | tr ',' '\n' | grep -c /)
	more=$(echo "$label" | sed -n 's/.*+\([0-9]*\) more$/\1/p')
	bad=$(echo "$label" | tr ',' '\n' | grep / | sort | comm -23 - "$TMP/wg.allowed" | head -n 3)
	echo "label lists $listed prefixes and says +${more:-0} more; wg show: $want;" \
		"listed but not wg's: ${bad:-none}"
	[ "$want" -gt 0 ] && [ -z "$bad" ] && [ $((listed + ${more:-0})) -eq "$want" ]
}
if export_start "$G"; then
	pass prefixes-export-ready
	sent=$(sent_pings)
	check prefixes-export-route-bypass "route_bypass series of the last peer: $(series), ping sent ${sent:-none}" \
		wait_until 10 eval 'scrape && [ "${sent:-0}" -gt 0 ] && [ "$(series)" = "$sent" ]'
	check prefixes-export-peer-info "the last peer's allowed_ips label does not account for its prefixes" \
		peer_info_ok
	info "scrape: $(wc -c <"$TMP/s") bytes, $(wc -l <"$TMP/s") lines;" \
		"export RSS $(awk '/VmHWM/ { print $2, $3 }' "/proc/$EPID/status")"
else
	fail prefixes-export-ready "no 200 from /metrics within 60 s: $(head -c 300 "$TMP/e.err")"
	fail prefixes-export-route-bypass "export did not serve"
	fail prefixes-export-peer-info "export did not serve"
fi
kill -TERM "$EPID" 2>/dev/null
wait "$EPID" 2>/dev/null

# --- trace -------------------------------------------------------------------
DST_T=${NET_T%/29}
DST_T=${DST_T%.*}.$((${DST_T##*.} + 3))
want=$(wg_lpm "$G" "$D" "$DST_T" | awk 'NR == 1 { print $1 }')
timeout 60 "$WGTRACE" trace "$DST_T" -n "$G" --send -c 2 -t 10 --json \
	>"$TMP/t.out" 2>"$TMP/t.err"
rc=$?
got=$(jq -r 'select(.type == "summary") | .peer // empty' "$TMP/t.out" 2>/dev/null)
check prefixes-trace-runs "trace exited $rc: $(head -c 300 "$TMP/t.err")" \
	jq -e -s 'length > 0 and .[-1].type == "summary"' "$TMP/t.out"
check prefixes-trace-peer "trace of $DST_T names peer '$got', wg's longest-prefix match '$want'" \
	eval '[ -n "$want" ] && [ "$got" = "$want" ]'

# --- check -------------------------------------------------------------------
t0=$(date +%s%N)
timeout 60 "$WGTRACE" check -n "$G" --json >"$TMP/c.out" 2>"$TMP/c.err"
RC=$?
info "check took $((($(date +%s%N) - t0) / 1000000)) ms, exit $RC"
show() { echo "exit $RC"; head -c 2000 "$TMP/c.out"; head -c 1000 "$TMP/c.err"; }
check prefixes-check-finishes "check did not finish within 60 s (exit $RC)" \
	eval '[ $RC -ne 124 ] && jq -e -s ".[-1].type == \"summary\"" "$TMP/c.out" >/dev/null || { show; false; }'
# Warning and above: exactly the one wrong turn the topology has.
got=$(jq -r 'select(.type == "finding" and .severity != "info") |
	"\(.finding) \(.severity) \(.objects.prefix // .objects.route)"' \
	"$TMP/c.out" | sort | tr '\n' ';')
want="route_bypass error $NET_L;"
check prefixes-check-findings "findings '$got', topology implies '$want'" \
	eval '[ "$got" = "$want" ] && [ $RC -eq 1 ] || { show; false; }'
bypass=$(jq -c 'select(.type == "finding" and .finding == "route_bypass")' "$TMP/c.out")
dst=$(jq -r '.example.dst // empty' <<<"$bypass" 2>/dev/null | head -n 1)
route_expect "$G" "${dst:-0.0.0.0}"
check prefixes-check-bypass "route_bypass '$bypass': kernel routes $dst via '$RT_OIF'" \
	eval 'jq -e --arg k "$KEY_L" --arg d "$D" ".peer == \$k and .interface == \$d" \
		<<<"$bypass" >/dev/null && in_l "$dst" &&
		[ "$RT_OIF" = up0 ]'
exit 0
