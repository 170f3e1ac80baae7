#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace watch --json` on a live gateway (host kernel, userspace WireGuard),
# its counts held against the kernel's own counters (tests/README.md:
# expected values come from the kernel):
#
#   CL [eth0] ---- [lan0] GW [ul0] ---- [ul0] PR
#   198.51.100.2      198.51.100.1  192.0.2.1   192.0.2.2
#   2001:db8:1::2     2001:db8:1::1
#                     $WG 10.99.0.1      $WP 10.99.0.2, lo 10.50.0.1
#                         2001:db8:99::1     2001:db8:99::2
#
# GW forwards (IPv4 and IPv6, strict rp_filter) between its client CL and
# the wireguard-go peer PR (AllowedIPs on GW: 10.99.0.2/32, 10.50.0.0/24,
# 2001:db8:99::2/128). One watch run per scenario, each started with
# --duration, waited for until attached (its first status line), fed bounded
# traffic, then waited for:
#
#   healthy      ping + iperf3 CL -> PR through the tunnel: no findings
#   rpf          CL spoofs a source GW routes into the tunnel: rpf_drop =
#                TcpExt IPReversePathFilter delta
#   mtu4, mtu6   DF pings of 1428/1448 bytes into the 1420-byte tunnel:
#                mtu_drop = Ip FragFails / Ip6InTooBigErrors delta
#   no-peer      a route into the tunnel wider than the AllowedIPs: no_peer =
#                packets sent (wireguard-go has no tx_errors counter)
#   route        the AllowedIPs prefix 10.50.0.0/24 moved from the tunnel to
#                ul0 while a flow runs: route_changed wg -> ul0
#   nofwd4/6     forwarding off: no_forward on the ingress device (lan0 for
#                CL's flow, the tunnel for PR's) = Ip InAddrErrors /
#                Ip6InAddrErrors delta
#   mld          an IPv6 address added to the tunnel device (its MLD reports
#                leave by the TUN device): not a no_peer
#
# src_rejected cannot be observed with userspace WireGuard: every status line
# must say so (not_observable.src_rejected). WATCH_DEBUG=1 prints every JSON
# output (indented).
. "$(dirname "$0")/lib.sh"
require_root watch
require_cmd watch wireguard-go wg jq ip ping iperf3 ss timeout

CHECKS="watch-healthy-runs setup/watch-healthy-traffic watch-healthy-no-findings
	watch-src-rejected-not-observable watch-rpf-count watch-rpf-details
	watch-mtu4-count watch-mtu4-details watch-mtu4-egress watch-mtu6-count
	watch-mtu6-details watch-mtu6-egress watch-mtu-interface-v4-v6-agree
	watch-no-peer-count-vs-sent-no-kernel-counter
	watch-no-peer-details watch-route-changed watch-no-forward4-count
	watch-no-forward4-from-tunnel watch-no-forward4-example watch-no-forward6 watch-tun-mld-not-no-peer"

# One result per name in CHECKS, also when the lab breaks (fail_all).
plan "$(wc -w <<<"$CHECKS")"
"$WGTRACE" watch --help >/dev/null 2>&1 || fail_all "$WGTRACE has no 'watch' command"

TMP=$(mktemp -d /tmp/wgt-watch.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT

N=20	# packets per scenario (bounded: ping -c, and timeout around it)

# --- topology --------------------------------------------------------------
build() {
	ns_new CL && ns_new GW && ns_new PR || return 1
	# A gateway: forwarding on for both families before the tunnel device
	# exists (a router sends no router solicitations), strict rp_filter.
	ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=1 \
		net.ipv4.conf.default.rp_filter=1 || return 1
	veth_pair "$CL" eth0 "$GW" lan0 && veth_pair "$GW" ul0 "$PR" ul0 || return 1
	ip netns exec "$GW" sysctl -qw net.ipv4.conf.lan0.rp_filter=1 \
		net.ipv4.conf.ul0.rp_filter=1 || return 1
	ip -n "$CL" addr add 198.51.100.2/24 dev eth0 &&
		ip -n "$CL" addr add 2001:db8:1::2/64 dev eth0 nodad &&
		ip -n "$GW" addr add 198.51.100.1/24 dev lan0 &&
		ip -n "$GW" addr add 2001:db8:1::1/64 dev lan0 nodad &&
		ip -n "$GW" addr add 192.0.2.1/24 dev ul0 &&
		ip -n "$PR" addr add 192.0.2.2/24 dev ul0 &&
		ip -n "$PR" addr add 10.50.0.1/32 dev lo &&
		ip -n "$CL" route add default via 198.51.100.1 &&
		ip -n "$CL" -6 route add default via 2001:db8:1::1 || return 1

	wg_devname WG
	wg_devname WP
	wggo_start "$GW" "$WG" && wggo_start "$PR" "$WP" || return 1
	wg_keys KG PG
	wg_keys KP PP
	ip netns exec "$GW" wg set "$WG" private-key <(echo "$KG") listen-port 51820 \
		peer "$PP" allowed-ips 10.99.0.2/32,10.50.0.0/24,2001:db8:99::2/128 \
		endpoint 192.0.2.2:51821 &&
		ip netns exec "$PR" wg set "$WP" private-key <(echo "$KP") listen-port 51821 \
			peer "$PG" endpoint 192.0.2.1:51820 \
			allowed-ips 10.99.0.1/32,198.51.100.0/24,2001:db8:99::1/128,2001:db8:1::/64 ||
		return 1
	ip -n "$GW" addr add 10.99.0.1/24 dev "$WG" &&
		ip -n "$GW" addr add 2001:db8:99::1/64 dev "$WG" nodad &&
		ip -n "$GW" link set "$WG" up &&
		ip -n "$PR" addr add 10.99.0.2/24 dev "$WP" &&
		ip -n "$PR" addr add 2001:db8:99::2/64 dev "$WP" nodad &&
		ip -n "$PR" link set "$WP" up &&
		ip -n "$GW" route add 10.50.0.0/24 dev "$WG" &&
		ip -n "$PR" route add 198.51.100.0/24 dev "$WP" &&
		ip -n "$PR" -6 route add 2001:db8:1::/64 dev "$WP"
}
build || fail_all "cannot build the namespaces, veths and wireguard-go devices"
wg_tx() { ip netns exec "$GW" cat "/sys/class/net/$WG/statistics/tx_packets"; }
# wg_tx_quiet: nothing left by the TUN device for a second and a half (the
# MLD reports below come at most 1 s apart).
wg_tx_quiet() { local a; a=$(wg_tx); sleep 1.5; [ "$(wg_tx)" = "$a" ]; }
ip netns exec "$CL" ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1
wait_until 15 handshake_any "$GW" "$WG" ||
	fail_all "lab: no WireGuard handshake between GW and PR within 15 s"
# MLD reports the kernel sends after a device or address comes up (RFC 3810:
# robustness 2, unsolicited report interval 1 s) go out by the TUN device;
# let them pass before anything is measured (see the "mld" scenario).
wait_until 20 wg_tx_quiet
WG_MTU=$(ip -n "$GW" -o link show "$WG" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')

# --- running watch -----------------------------------------------------------
# watch_start RUN DURATION: wgtrace watch in GW, JSON to $TMP/RUN.jsonl; returns
# once it is attached (the first status line, printed after every program
# and tc filter is attached). W_PID is its PID.
W_RUNS=0
watch_start() {
	local run=$1
	W_RUNS=$((W_RUNS + 1))
	rm -f "$TMP/$run.jsonl"
	: >"$TMP/$run.jsonl"
	timeout $(($2 + 30)) "$WGTRACE" watch -n "$GW" --duration "$2" --interval 1 \
		--json >"$TMP/$run.jsonl" 2>"$TMP/$run.err" &
	W_PID=$!
	_pid_list+=("$W_PID")
	if ! wait_until 15 grep -q '"type":"status"' "$TMP/$run.jsonl"; then
		echo "no status line within 15 s" >"$TMP/$run.bad"
		return 1
	fi
}

# watch_end RUN: after the traffic; the run is valid when watch was still
# running then (it counted all of it), exits 0, and ends with the summary.
watch_end() {
	local run=$1 rc early=
	proc_alive "$W_PID" || early=1
	wait "$W_PID"
	rc=$?
	if [ -n "$early" ]; then
		echo "watch ended before the traffic did (raise --duration)" >>"$TMP/$run.bad"
	fi
	if [ $rc -ne 0 ]; then
		echo "watch exited with status $rc: $(head -c 300 "$TMP/$run.err")" >>"$TMP/$run.bad"
	fi
	if ! tail -n 1 "$TMP/$run.jsonl" | jq -e '.type == "summary"' >/dev/null 2>&1; then
		echo "the last line is not a summary" >>"$TMP/$run.bad"
	fi
	if [ -n "${WATCH_DEBUG:-}" ]; then
		echo "    --- $run (status $rc)"
		sed 's/^/    /' "$TMP/$run.jsonl" "$TMP/$run.err"
	fi
}

# run_ok RUN: the run is valid (else why, on stdout).
run_ok() {
	[ -s "$TMP/$1.bad" ] || return 0
	echo "watch run '$1' is not valid: $(tr '\n' ';' <"$TMP/$1.bad")"
	return 1
}

# final RUN: the findings of the final interval (after the last status
# line), as one JSON array: they carry the totals since attaching.
final() {
	jq -s '(to_entries | map(select(.value.type == "status")) | last.key) as $i
		| .[$i + 1:] | map(select(.type == "finding"))' "$TMP/$1.jsonl"
}

# expect RUN JQ-FILTER [JQ-ARGS...]: the filter, applied to the final
# findings array, is true; else show the run and those findings.
expect() {
	local run=$1 filter=$2
	shift 2
	run_ok "$run" || return 1
	if final "$run" | jq -e "$@" "$filter" >/dev/null 2>&1; then
		return 0
	fi
	echo "final findings of '$run':"
	final "$run" | jq -c '.[]'
	return 1
}

# sum_is RUN ID N [EXTRA-FILTER [JQ-ARGS...]]: the counts of the final
# findings ID (matching EXTRA-FILTER) add up to N (> 0: a kernel delta of 0
# means the lab made no drops).
sum_is() {
	local run=$1 id=$2 n=$3 extra=${4:-true}
	shift 4 2>/dev/null || shift $#
	if ! [ "$n" -gt 0 ] 2>/dev/null; then
		echo "lab: the kernel counted '$n' drops, expected > 0"
		return 1
	fi
	expect "$run" 'map(select(.finding == $id and ('"$extra"'))) |
		length > 0 and (map(.count) | add) == $n' \
		--arg id "$id" --argjson n "$n" "$@"
}

ping_n() {	# NS ARGS...: N pings, bounded in time too
	local ns=$1
	shift
	timeout 30 ip netns exec "$ns" ping -q -c "$N" -i 0.05 -W 1 "$@" 2>&1
}

# --- healthy: traffic through the tunnel, nothing wrong ----------------------
if watch_start healthy 8; then
	bg "$PR" timeout 20 iperf3 -s -1 -B 10.99.0.2 -p 5201 >/dev/null 2>&1
	wait_until 5 sh -c "ip netns exec '$PR' ss -Hltn 'sport = :5201' | grep -q ."
	ping_out=$(ping_n "$CL" 10.99.0.2)
	ping_rc=$?
	iperf_out=$(timeout 20 ip netns exec "$CL" iperf3 -c 10.99.0.2 -p 5201 -t 2 2>&1)
	iperf_rc=$?
fi
watch_end healthy
check watch-healthy-runs "watch did not run for its duration and end with a summary" run_ok healthy
healthy_traffic() {
	[ "${ping_rc:-1}" = 0 ] && [ "${iperf_rc:-1}" = 0 ] && return 0
	echo "ping (status ${ping_rc:-none}):"
	echo "${ping_out:-}"
	echo "iperf3 (status ${iperf_rc:-none}):"
	echo "${iperf_out:-}" | tail -n 5
	return 1
}
check setup/watch-healthy-traffic "lab: ping or iperf3 through the tunnel failed" healthy_traffic
no_findings() {
	run_ok healthy || return 1
	# No finding means something only when traffic went through.
	[ "${ping_rc:-1}" = 0 ] || { echo "lab: no traffic during the run"; return 1; }
	local n
	n=$(jq -s 'map(select(.type == "finding")) | length' "$TMP/healthy.jsonl")
	[ "$n" = 0 ] && return 0
	echo "$n finding lines:"
	jq -c 'select(.type == "finding")' "$TMP/healthy.jsonl" | sort -u
	return 1
}
check watch-healthy-no-findings "findings on a healthy gateway under traffic" no_findings

# --- rp_filter: CL sends from 10.50.0.77, which GW routes into the tunnel -----
# arp_announce=2: CL's ARP must not carry the spoofed source (the gateway
# checks ARP senders too: nothing would reach rp_filter).
ip netns exec "$CL" sysctl -qw net.ipv4.conf.all.arp_announce=2 \
	net.ipv4.conf.eth0.arp_announce=2
ip -n "$CL" addr add 10.50.0.77/32 dev lo
rpf0=$(net_counter "$GW" netstat TcpExt:IPReversePathFilter)
watch_start rpf 5 && ping_n "$CL" -I 10.50.0.77 10.99.0.2 >/dev/null
watch_end rpf
rpf=$(($(net_counter "$GW" netstat TcpExt:IPReversePathFilter) - rpf0))
echo "    rpf: sent $N, TcpExt IPReversePathFilter delta $rpf"
check watch-rpf-count "rpf_drop count is not the IPReversePathFilter delta ($rpf)" \
	sum_is rpf rpf_drop "$rpf"
check watch-rpf-details "no rpf_drop on lan0 for 10.50.0.77 -> 10.99.0.2 seen by the kfree_skb tracepoint" \
	expect rpf 'any(.[]; .finding == "rpf_drop" and .interface == "lan0" and
		.mode == "tracepoint" and .example.src == "10.50.0.77" and
		.example.dst == "10.99.0.2" and (.actual | test($wg)))' --arg wg "$WG"
ip -n "$CL" addr del 10.50.0.77/32 dev lo

# mtu_drop's example flow, its size and the MTU it exceeded ($src $dst $len
# $mtu); the device whose MTU was exceeded ($wg), named as the egress or as
# the interface.
MTU_DETAILS='any(.[]; .finding == "mtu_drop" and .mode == "tracepoint" and
	.example.src == $src and .example.dst == $dst and
	(.actual | test("\\b" + $len + "\\b")) and (.actual | test("\\b" + $mtu + "\\b")))'
MTU_EGRESS='map(select(.finding == "mtu_drop")) | length > 0 and
	all(.[]; .objects.egress == $wg or (.objects.egress == null and .interface == $wg))'

# --- MTU, IPv4: DF pings of 1428 bytes into the 1420-byte tunnel -----------------
# The route's MTU is locked on CL, so CL ignores GW's frag-needed and every
# ping reaches GW at full size (as behind a PMTU black hole): N drops.
ip -n "$CL" route add 10.99.0.2/32 via 198.51.100.1 mtu lock 1500
ff0=$(net_counter "$GW" snmp Ip:FragFails)
watch_start mtu4 5 && ping_n "$CL" -M "do" -s 1400 10.99.0.2 >/dev/null
watch_end mtu4
ff=$(($(net_counter "$GW" snmp Ip:FragFails) - ff0))
echo "    mtu4: sent $N, Ip FragFails delta $ff, $WG mtu $WG_MTU"
check watch-mtu4-count "mtu_drop count is not the Ip FragFails delta ($ff)" \
	sum_is mtu4 mtu_drop "$ff"
check watch-mtu4-details "no mtu_drop for 198.51.100.2 -> 10.99.0.2, 1428 bytes over MTU $WG_MTU, from the tracepoint" \
	expect mtu4 "$MTU_DETAILS" --arg src 198.51.100.2 --arg dst 10.99.0.2 \
	--arg len 1428 --arg mtu "$WG_MTU"
check watch-mtu4-egress "mtu_drop does not name $WG as the device whose MTU ($WG_MTU) was exceeded" \
	expect mtu4 "$MTU_EGRESS" --arg wg "$WG"
ip -n "$CL" route del 10.99.0.2/32

# --- MTU, IPv6: 1448-byte pings; CL forgets the learned PMTU before each -----
tb0=$(net_counter "$GW" snmp6 Ip6InTooBigErrors)
if watch_start mtu6 5; then
	for _ in $(seq "$N"); do
		ip -n "$CL" -6 route flush cache >/dev/null 2>&1
		timeout 5 ip netns exec "$CL" ping -6 -q -M "do" -s 1400 -c 1 -W 1 \
			2001:db8:99::2 >/dev/null 2>&1
	done
fi
watch_end mtu6
tb=$(($(net_counter "$GW" snmp6 Ip6InTooBigErrors) - tb0))
echo "    mtu6: sent $N, Ip6InTooBigErrors delta $tb"
check watch-mtu6-count "mtu_drop count is not the Ip6InTooBigErrors delta ($tb)" \
	sum_is mtu6 mtu_drop "$tb"
check watch-mtu6-details "no mtu_drop for 2001:db8:1::2 -> 2001:db8:99::2, 1448 bytes over MTU $WG_MTU, from the tracepoint" \
	expect mtu6 "$MTU_DETAILS" --arg src 2001:db8:1::2 --arg dst 2001:db8:99::2 \
	--arg len 1448 --arg mtu "$WG_MTU"
check watch-mtu6-egress "mtu_drop does not name $WG as the device whose MTU ($WG_MTU) was exceeded" \
	expect mtu6 "$MTU_EGRESS" --arg wg "$WG"
# Both flows take the same path (lan0 -> $WG) and die for the same reason:
# the finding's interface (also the metrics' interface label) must not
# depend on the address family.
mtu_same_interface() {
	local i4 i6
	run_ok mtu4 && run_ok mtu6 || return 1
	i4=$(final mtu4 | jq -c '[.[] | select(.finding == "mtu_drop") | .interface] | unique')
	i6=$(final mtu6 | jq -c '[.[] | select(.finding == "mtu_drop") | .interface] | unique')
	[ "$i4" = "$i6" ] && [ "$i4" != "[]" ] && return 0
	echo "interface: IPv4 $i4, IPv6 $i6"
	return 1
}
check watch-mtu-interface-v4-v6-agree "mtu_drop of the same path names another interface for IPv4 than for IPv6" \
	mtu_same_interface

# --- no peer: 10.60.0.0/16 routed into the tunnel, no peer holds it --------------
# wireguard-go drops them without a kernel counter (no tx_errors on a TUN);
# the TUN's tx_packets delta counts what was handed to it.
ip -n "$GW" route add 10.60.0.0/16 dev "$WG"
tx0=$(ip netns exec "$GW" cat "/sys/class/net/$WG/statistics/tx_packets")
watch_start nopeer 5 && ping_n "$CL" 10.60.1.9 >/dev/null
watch_end nopeer
tx=$(($(ip netns exec "$GW" cat "/sys/class/net/$WG/statistics/tx_packets") - tx0))
echo "    no-peer: sent $N, $WG tx_packets delta $tx (wireguard-go counts no tx_errors)"
nopeer_count() {
	[ "$tx" = "$N" ] || { echo "lab: $tx packets entered $WG, $N sent"; return 1; }
	sum_is nopeer no_peer "$N"
}
check watch-no-peer-count-vs-sent-no-kernel-counter "no_peer count is not the $N packets sent into $WG" \
	nopeer_count
check watch-no-peer-details "no no_peer on $WG for 198.51.100.2 -> 10.60.1.9 from the tc fallback" \
	expect nopeer 'any(.[]; .finding == "no_peer" and .interface == $wg and
		.peer == null and .mode == "tc" and .example.src == "198.51.100.2" and
		.example.dst == "10.60.1.9")' --arg wg "$WG"
ip -n "$GW" route del 10.60.0.0/16

# --- route changed: 10.50.0.0/24 moves from the tunnel to ul0 mid-flow --------
if watch_start route 6; then
	eo0=$(net_counter "$CL" snmp Icmp:OutEchos)
	ping_n "$CL" 10.50.0.1 >/dev/null &
	pp=$!
	# Mid-flow: once some echo requests have left CL (its own counter).
	flow_started() { [ "$(net_counter "$CL" snmp Icmp:OutEchos)" -ge $((eo0 + 3)) ]; }
	wait_until 10 flow_started
	ip -n "$GW" route replace 10.50.0.0/24 dev ul0
	route_now=$(ip -n "$GW" route get 10.50.0.1 | sed -n 's/.* dev \([^ ]*\).*/\1/p')
	wait "$pp"
fi
watch_end route
route_changed() {
	[ "$route_now" = ul0 ] || { echo "lab: 10.50.0.1 now goes via '$route_now'"; return 1; }
	expect route 'any(.[]; .finding == "route_changed" and
		.objects.old_dev == $wg and .objects.new_dev == "ul0" and
		(.example.dst | startswith("10.50.0.")))' --arg wg "$WG"
}
check watch-route-changed "no route_changed of 10.50.0.0/24 from $WG to ul0" route_changed
ip -n "$GW" route replace 10.50.0.0/24 dev "$WG"

# --- forwarding off, IPv4: flows die in GW's ip_error --------------------------
# From the client (ingress lan0), then from the peer through the tunnel
# (ingress $WG, forwarding off for traffic out of the tunnel): one finding per ingress device.
ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=0
ae0=$(net_counter "$GW" snmp Ip:InAddrErrors)
if watch_start nofwd4 6; then
	ping_n "$CL" 10.99.0.2 >/dev/null
	ae1=$(net_counter "$GW" snmp Ip:InAddrErrors)
	ping_n "$PR" 198.51.100.2 >/dev/null
fi
watch_end nofwd4
ae2=$(net_counter "$GW" snmp Ip:InAddrErrors)
ae_lan=$((${ae1:-0} - ae0)) ae_wg=$((ae2 - ${ae1:-0}))
echo "    no-forward4: sent $N + $N, Ip InAddrErrors delta $ae_lan (CL) + $ae_wg (PR)"
check watch-no-forward4-count "no no_forward on lan0 (the ingress) counting the Ip InAddrErrors delta ($ae_lan)" \
	sum_is nofwd4 no_forward "$ae_lan" '.interface == "lan0" and .mode == "tracepoint"'
check watch-no-forward4-from-tunnel "no no_forward on $WG (the ingress) counting the Ip InAddrErrors delta ($ae_wg)" \
	sum_is nofwd4 no_forward "$ae_wg" '.interface == $wg and .mode == "tracepoint"' --arg wg "$WG"
check watch-no-forward4-example "no_forward does not name the flow 198.51.100.2 -> 10.99.0.2 (example)" \
	expect nofwd4 'any(.[]; .finding == "no_forward" and
		.example.src == "198.51.100.2" and .example.dst == "10.99.0.2")'
ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1

# --- MLD reports out of the TUN device are not a routing mistake ----------------
# Adding an address makes the kernel join its solicited-node group and
# report it (MLD, to ff02::16) on every multicast device, wireguard-go's TUN
# included. Kernel WireGuard devices are not multicast and never send them.
mld_tx0=$(wg_tx)
if watch_start mld 6; then
	ip -n "$GW" addr add 2001:db8:99::100/64 dev "$WG" nodad
	# The two reports of RFC 3810 (robustness 2, 1 s interval), as the
	# device's tx_packets count them.
	wait_until 10 eval '[ "$(wg_tx)" -ge $((mld_tx0 + 2)) ]'
fi
watch_end mld
mld_tx=$(($(wg_tx) - mld_tx0))
echo "    mld: $WG tx_packets delta $mld_tx"
# "No no_peer" holds of any list, the empty one too: it means something only
# when the kernel did send packets out of the TUN device during the run.
mld_ok() {
	[ "$mld_tx" -gt 0 ] || { echo "lab: $WG sent no packet during the run"; return 1; }
	expect mld 'all(.[]; .finding != "no_peer")'
}
check watch-tun-mld-not-no-peer "MLD reports the kernel sent on $WG reported as no_peer" mld_ok
ip -n "$GW" addr del 2001:db8:99::100/64 dev "$WG"

# --- forwarding off, IPv6 ----------------------------------------------------------
ip netns exec "$GW" sysctl -qw net.ipv6.conf.all.forwarding=0
# The MLD reports of leaving ff02::2 (see "mld"): not measured here.
wait_until 20 wg_tx_quiet
ip6ae0=$(net_counter "$GW" snmp6 Ip6InAddrErrors)
watch_start nofwd6 5 && ping_n "$CL" -6 2001:db8:99::2 >/dev/null
watch_end nofwd6
ip6ae=$(($(net_counter "$GW" snmp6 Ip6InAddrErrors) - ip6ae0))
echo "    no-forward6: sent $N, Ip6InAddrErrors delta $ip6ae"
check watch-no-forward6 "no no_forward on lan0 counting the Ip6InAddrErrors delta ($ip6ae) with IPv6 forwarding off" \
	sum_is nofwd6 no_forward "$ip6ae" '.interface == "lan0"'

# --- src_rejected: not observable with userspace WireGuard ------------------------
# Every status line of every run says so, no run pretends to have counted
# it, and the hook mode named for it is not a kernel hook.
not_observable() {
	local f bad=0 n
	# Every run started here: a loop over no output proves nothing.
	n=$(ls "$TMP"/*.jsonl 2>/dev/null | wc -l)
	[ "$W_RUNS" -gt 0 ] && [ "$n" = "$W_RUNS" ] ||
		{ echo "$n outputs for $W_RUNS watch runs"; return 1; }
	for f in "$TMP"/*.jsonl; do
		if ! jq -e -s 'map(select(.type == "status")) | length > 0 and
			all(.[]; (.not_observable.src_rejected | type) == "string" and
				.modes.wg_rx_src != "fentry" and .modes.wg_rx_src != "kprobe")' \
			"$f" >/dev/null 2>&1 ||
			jq -e 'select(.type == "finding" and .finding == "src_rejected")' \
				"$f" >/dev/null 2>&1; then
			echo "$(basename "$f"):"
			jq -c 'select(.type == "status") | {modes, not_observable}' "$f" | sort -u
			bad=1
		fi
	done
	return $bad
}
check watch-src-rejected-not-observable "a run did not report src_rejected as not observable" \
	not_observable
exit 0
