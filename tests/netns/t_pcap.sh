#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace trace DEST --send --pcap FILE` on the host kernel, the file read
# back by tshark. Every expected value comes from the topology, wg(8), ip(8)
# or tshark, never from wgtrace's own output.
#
#   CL --eth0/lan0-- GW (WG 10.99.0.1) --ul0/ul0-- PR (WP 10.99.0.2,
#   198.51.100.2       192.0.2.1                192.0.2.2:51821, lo 10.50.0.1)
#
# What this host's hooks can show (no WireGuard module, no fentry: the
# tc fallback with wireguard-go):
#   inner echo requests   tc egress on WG (the TUN device), before
#                         wireguard-go encrypts them
#   replies               tc ingress on WG, after wireguard-go decrypted them
#   outer UDP packets     tc egress/ingress on ul0 (the uplink the endpoint
#                         is routed by): wireguard-go's own socket sends them,
#                         the fib lookup of the endpoint sees only the route
#   rp_filter drop        kfree_skb (IP_RPFILTER) on lan0: CL sends from
#                         10.50.0.77, which GW routes into the tunnel
# watch --pcap: the same spoofed packets, sampled as rpf_drop findings and
# written with their verdict; a budget of 1 writes one and counts the rest.
# fentry wg_socket_send_skb_to_peer exists only with kernel WireGuard (the
# vm tier); it sees the message before its UDP/IP headers, so no bytes.
. "$(dirname "$0")/lib.sh"

CHECKS="pcap-valid pcap-interfaces pcap-inner-requests pcap-replies
	pcap-outer pcap-comments pcap-peer pcap-drop pcap-snaplen
	pcap-snaplen-default pcap-bad-snaplen watch-pcap-drop watch-pcap-budget
	watch-pcap-snaplen pcap-header pcap-detached"
plan "$(wc -w <<<"$CHECKS")"

require_root pcap
require_cmd pcap wireguard-go wg ip ping tshark capinfos jq timeout
"$WGTRACE" trace --help 2>&1 | grep -q -- --pcap ||
	fail_all "$WGTRACE trace has no --pcap"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; cleanup' EXIT

build() {
	ns_new CL && ns_new GW && ns_new PR || return 1
	ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 ||
		return 1
	veth_pair "$CL" eth0 "$GW" lan0 && veth_pair "$GW" ul0 "$PR" ul0 || return 1
	ip netns exec "$GW" sysctl -qw net.ipv4.conf.lan0.rp_filter=1 || return 1
	ip -n "$CL" addr add 198.51.100.2/24 dev eth0 &&
		ip -n "$GW" addr add 198.51.100.1/24 dev lan0 &&
		ip -n "$GW" addr add 192.0.2.1/24 dev ul0 &&
		ip -n "$PR" addr add 192.0.2.2/24 dev ul0 &&
		ip -n "$PR" addr add 10.50.0.1/32 dev lo &&
		ip -n "$CL" route add default via 198.51.100.1 || return 1
	wg_devname WG
	wg_devname WP
	wggo_start "$GW" "$WG" && wggo_start "$PR" "$WP" || return 1
	wg_keys KG PG
	wg_keys KP PP
	ip netns exec "$GW" wg set "$WG" private-key <(echo "$KG") listen-port 51820 \
		peer "$PP" allowed-ips 10.99.0.2/32,10.50.0.0/24 \
		endpoint 192.0.2.2:51821 &&
		ip netns exec "$PR" wg set "$WP" private-key <(echo "$KP") listen-port 51821 \
			peer "$PG" endpoint 192.0.2.1:51820 \
			allowed-ips 10.99.0.1/32,198.51.100.0/24 || return 1
	ip -n "$GW" addr add 10.99.0.1/24 dev "$WG" && ip -n "$GW" link set "$WG" up &&
		ip -n "$PR" addr add 10.99.0.2/24 dev "$WP" &&
		ip -n "$PR" link set "$WP" up &&
		ip -n "$GW" route add 10.50.0.0/24 dev "$WG" &&
		ip -n "$PR" route add 198.51.100.0/24 dev "$WP"
}
build || fail_all "cannot build the namespaces (lab problem)"
ip netns exec "$GW" ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1
wait_until 15 handshake_any "$GW" "$WG" ||
	fail_all "no WireGuard handshake between GW and PR within 15 s (lab problem)"

# Truth from the lab: the peer's key and endpoint as wg(8) shows them, the
# uplink and table as ip(8) routes the endpoint.
PEER=$(ip netns exec "$GW" wg show "$WG" peers)
read -r _ EP < <(ip netns exec "$GW" wg show "$WG" endpoints)
EP_ADDR=${EP%:*} EP_PORT=${EP##*:}
UPLINK=$(ip -n "$GW" -o route get "$EP_ADDR" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
IN_TABLE=$(ip -n "$GW" -d -o route get 10.99.0.2 | sed -n 's/.* table \([^ ]*\).*/\1/p')
[ "$IN_TABLE" = main ] && IN_TABLE=254

# The rp_filter drop: CL spoofs 10.50.0.77 (routed into the tunnel by GW)
# toward the traced 10.99.0.2 while trace runs. arp_announce=2: CL's ARP
# must not carry the spoofed source.
ip netns exec "$CL" sysctl -qw net.ipv4.conf.all.arp_announce=2 \
	net.ipv4.conf.eth0.arp_announce=2
ip -n "$CL" addr add 10.50.0.77/32 dev lo
N=3
rpf0=$(net_counter "$GW" netstat TcpExt:IPReversePathFilter)
ip netns exec "$GW" timeout 30 "$WGTRACE" trace 10.99.0.2 --send -c "$N" \
	-t 10 --pcap "$TMP/t.pcapng" >"$TMP/trace.out" 2>"$TMP/trace.err" &
TRACE_PID=$!
_pid_list+=("$TRACE_PID")
wait_until 10 grep -q 'tracing' "$TMP/trace.err"
ip netns exec "$CL" ping -c 2 -i 0.2 -W 1 -I 10.50.0.77 10.99.0.2 >/dev/null 2>&1
wait "$TRACE_PID"
rc=$?
rpf=$(($(net_counter "$GW" netstat TcpExt:IPReversePathFilter) - rpf0))
echo "    trace exit $rc; TcpExt IPReversePathFilter delta $rpf"
sed 's/^/    /' "$TMP/trace.err"

F="$TMP/t.pcapng"
fields() { tshark -r "$F" -T fields -E separator='|' "$@" 2>/dev/null; }

valid() { [ "$rc" = 0 ] && [ -s "$F" ] && tshark -r "$F" -c 1 >/dev/null; }
check pcap-valid "trace --pcap did not write a file tshark reads (exit $rc)" valid

# One interface block per device that showed packets, named as ip(8) names it.
ifaces() {
	local names
	names=$(tshark -r "$F" -T fields -e frame.interface_name 2>/dev/null | sort -u | paste -sd' ')
	echo "interfaces: $names"
	[[ " $names " == *" $WG "* && " $names " == *" $UPLINK "* && " $names " == *" lan0 "* ]]
}
check pcap-interfaces "no interface blocks for $WG, $UPLINK and lan0" ifaces

# n_of FILTER: packets matching a display filter.
n_of() { tshark -r "$F" -Y "$1" 2>/dev/null | wc -l; }
inner_requests() {
	local n
	n=$(n_of "frame.interface_name == \"$WG\" && icmp.type == 8 && ip.dst == 10.99.0.2 && ip.src == 10.99.0.1")
	echo "inner echo requests on $WG: $n (sent $N)"
	[ "$n" -ge "$N" ]
}
check pcap-inner-requests "fewer than $N inner echo requests 10.99.0.1 > 10.99.0.2 on $WG" inner_requests

replies() {
	local n
	n=$(n_of "frame.interface_name == \"$WG\" && icmp.type == 0 && ip.src == 10.99.0.2 && ip.dst == 10.99.0.1")
	echo "replies on $WG: $n"
	[ "$n" -ge 1 ]
}
check pcap-replies "no echo reply 10.99.0.2 > 10.99.0.1 on $WG" replies

# Outer packets: UDP to the endpoint wg(8) shows, on the uplink ip(8) names,
# and their payload a WireGuard message (tshark's wg dissector), not the
# inner packet in clear.
outer() {
	local n clear
	n=$(n_of "frame.interface_name == \"$UPLINK\" && ip.dst == $EP_ADDR && udp.dstport == $EP_PORT")
	clear=$(n_of "frame.interface_name == \"$UPLINK\" && icmp")
	echo "outer UDP to $EP on $UPLINK: $n; clear ICMP there: $clear"
	[ "$n" -ge 1 ] && [ "$clear" = 0 ]
}
check pcap-outer "no outer UDP packet to $EP on $UPLINK (or inner bytes in clear)" outer

# Every packet carries a comment; the inner requests name the hook, the
# table ip(8) routes 10.99.0.2 by, and the verdict.
comments() {
	local total commented bad
	total=$(n_of "frame")
	commented=$(n_of "frame.comment")
	bad=$(fields -Y "frame.interface_name == \"$WG\" && icmp.type == 8" -e frame.comment |
		grep -Evc "^hook=tc egress $WG; (rule=[0-9]+; )?table=$IN_TABLE; peer=[^;]+; verdict=to peer")
	echo "packets $total, commented $commented, requests with another comment: $bad"
	[ "$total" -ge 1 ] && [ "$total" = "$commented" ] && [ "$bad" = 0 ]
}
check pcap-comments "packets without comments, or requests without hook/table/verdict" comments

# Every packet tc saw on the tunnel or the uplink names the one peer.
peer() {
	local tc other
	tc=$(fields -Y "frame.interface_name == \"$WG\" || frame.interface_name == \"$UPLINK\"" \
		-e frame.comment | grep "^hook=tc ")
	other=$(grep -vc "; peer=$PEER;" <<<"$tc")
	echo "tc packets on $WG/$UPLINK: $(wc -l <<<"$tc"), not naming peer $PEER: $other"
	[ -n "$tc" ] && [ "$other" = 0 ]
}
check pcap-peer "a tunnel packet does not name the peer wg(8) shows" peer

drop() {
	local n
	n=$(fields -Y "frame.interface_name == \"lan0\" && ip.src == 10.50.0.77 && ip.dst == 10.99.0.2" \
		-e frame.comment | grep -c "hook=kfree_skb lan0;.*verdict=drop IP_RPFILTER")
	echo "spoofed packets on lan0 with an IP_RPFILTER drop comment: $n (kernel counted $rpf)"
	[ "$rpf" -ge 1 ] && [ "$n" = "$rpf" ]
}
if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q SKB_DROP_REASON_IP_RPFILTER; then
	check pcap-drop "the rp_filter drops are not in the file with their drop comment" drop
else
	skip pcap-drop "this kernel has no SKB_DROP_REASON_IP_RPFILTER"
fi

# --snaplen 60: no packet kept longer than that, lengths as on the wire.
ip netns exec "$GW" timeout 30 "$WGTRACE" trace 10.99.0.2 --send -c 1 -t 5 \
	--pcap "$TMP/s.pcapng" --snaplen 60 >/dev/null 2>&1
snap() {
	local over short
	over=$(tshark -r "$TMP/s.pcapng" -Y "frame.cap_len > 60" 2>/dev/null | wc -l)
	# an 84-byte echo request (ping's 56 bytes of data) cut at 60
	short=$(tshark -r "$TMP/s.pcapng" -Y "frame.cap_len == 60 && frame.len == 84 && icmp.type == 8" 2>/dev/null | wc -l)
	echo "over 60: $over, cut requests: $short"
	[ "$over" = 0 ] && [ "$short" -ge 1 ]
}
check pcap-snaplen "--snaplen 60 kept more, or did not cut the 84-byte request" snap

# The default: IP (20) + ICMP (8) + 128 bytes of a 1000-byte ping.
snap_default() {
	local len
	ip netns exec "$GW" timeout 30 "$WGTRACE" trace 10.99.0.2 -c 1 -t 10 \
		--pcap "$TMP/d.pcapng" >/dev/null 2>"$TMP/d.err" &
	local p=$!
	# "tracing" is printed once everything is attached.
	wait_until 10 grep -q tracing "$TMP/d.err"
	ip netns exec "$GW" ping -c 1 -s 972 -W 1 10.99.0.2 >/dev/null 2>&1
	wait "$p"
	len=$(tshark -r "$TMP/d.pcapng" -Y "icmp.type == 8 && frame.len == 1000" \
		-T fields -e frame.cap_len 2>/dev/null | sort -u | paste -sd' ')
	echo "captured lengths of the 1000-byte request: $len"
	[ "$len" = 156 ]
}
check pcap-snaplen-default "the default capture is not headers + 128 bytes" snap_default

bad_snaplen() {
	local v rc ok=0
	for v in 0 19 1025 -5 abc 60x; do
		"$WGTRACE" trace 10.99.0.2 --pcap "$TMP/x" --snaplen "$v" >/dev/null 2>&1
		rc=$?
		[ "$rc" = 2 ] || { echo "--snaplen $v: exit $rc"; ok=1; }
	done
	"$WGTRACE" trace 10.99.0.2 --snaplen 100 >/dev/null 2>&1
	rc=$?
	[ "$rc" = 2 ] || { echo "--snaplen without --pcap: exit $rc"; ok=1; }
	[ ! -e "$TMP/x" ] || { echo "a file was written on a usage error"; ok=1; }
	return $ok
}
check pcap-bad-snaplen "a bad --snaplen is not a usage error (exit 2)" bad_snaplen

# watch_spoofed FILE BUDGET [OPTION...]: watch GW for 5 s with --pcap while
# CL sends 8 spoofed pings 0.3 s apart (more than the 100 ms sample gap),
# each dropped by rp_filter; sets WRC, WRPF (the kernel's count) and WSUM.
watch_spoofed() {
	local p r0 f=$1 b=$2
	shift 2
	r0=$(net_counter "$GW" netstat TcpExt:IPReversePathFilter)
	ip netns exec "$GW" timeout 30 "$WGTRACE" watch --duration 5 --json \
		--pcap "$f" --pcap-budget "$b" "$@" >"$f.json" 2>"$f.err" &
	p=$!
	_pid_list+=("$p")
	# bpftool sees the program once watch has loaded it.
	sleep 2
	ip netns exec "$CL" ping -c 8 -i 0.3 -W 1 -I 10.50.0.77 10.99.0.2 >/dev/null 2>&1
	wait "$p"
	WRC=$?
	WRPF=$(($(net_counter "$GW" netstat TcpExt:IPReversePathFilter) - r0))
	WSUM=$(jq -c 'select(.type == "summary")' "$f.json" 2>/dev/null | tail -n 1)
	echo "    watch exit $WRC; TcpExt IPReversePathFilter delta $WRPF; summary $WSUM"
	sed 's/^/    /' "$f.err"
}

watch_drop() {
	local W="$TMP/w.pcapng" total spoofed written
	watch_spoofed "$W" 1000
	total=$(tshark -r "$W" 2>/dev/null | wc -l)
	spoofed=$(tshark -r "$W" -T fields -e frame.comment \
		-Y "frame.interface_name == \"lan0\" && ip.src == 10.50.0.77 && ip.dst == 10.99.0.2" \
		2>/dev/null | grep -c "^hook=.* lan0;.*verdict=rpf_drop")
	written=$(jq -r '.pcap_packets' <<<"$WSUM" 2>/dev/null)
	echo "packets $total, spoofed on lan0 with an rpf_drop comment $spoofed, summary says $written"
	[ "$WRC" = 0 ] && [ "$WRPF" -ge 1 ] && [ "$spoofed" -ge 1 ] &&
		[ "$spoofed" -le "$WRPF" ] && [ "$total" = "$written" ]
}
if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q SKB_DROP_REASON_IP_RPFILTER; then
	check watch-pcap-drop "watch --pcap did not write the rp_filter drops with their verdict" watch_drop
else
	skip watch-pcap-drop "this kernel has no SKB_DROP_REASON_IP_RPFILTER"
fi

watch_budget() {
	local W="$TMP/b.pcapng" total over
	watch_spoofed "$W" 1 --snaplen 40
	total=$(tshark -r "$W" 2>/dev/null | wc -l)
	over=$(jq -r '.pcap_over_budget' <<<"$WSUM" 2>/dev/null)
	echo "packets $total with a budget of 1; over the budget: $over (kernel dropped $WRPF)"
	[ "$WRC" = 0 ] && [ "$total" = 1 ] && [ "${over:-0}" -ge 1 ] &&
		[ $((total + over)) -le "$WRPF" ] &&
		grep -q "budget of 1 not written" "$W.err"
}
# The budget run kept 40 bytes per packet (--snaplen 40): the spoofed
# echo request (an 84-byte IP packet as ping sends it) is cut there, its
# original length kept.
watch_snaplen() {
	local cap len
	read -r cap len < <(tshark -r "$TMP/b.pcapng" -T fields -e frame.cap_len \
		-e frame.len 2>/dev/null | head -n 1)
	echo "the packet of the --snaplen 40 run: captured $cap of $len bytes"
	[ "$cap" = 40 ] && [ "$len" = 84 ]
}
if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q SKB_DROP_REASON_IP_RPFILTER; then
	check watch-pcap-budget "watch --pcap-budget 1 did not write one packet and count the rest" watch_budget
	check watch-pcap-snaplen "watch --snaplen 40 did not cut the packet at 40 bytes" watch_snaplen
else
	skip watch-pcap-budget "this kernel has no SKB_DROP_REASON_IP_RPFILTER"
	skip watch-pcap-snaplen "this kernel has no SKB_DROP_REASON_IP_RPFILTER"
fi

# Both files say which wgtrace wrote them, on which kernel (section header
# options shb_userappl, shb_os, as capinfos reads them).
header() {
	local f os appl ver ok=0
	ver=$("$WGTRACE" --version 2>/dev/null | awk '{ print $NF; exit }')
	for f in "$TMP/t.pcapng" "$TMP/w.pcapng"; do
		[ -e "$f" ] || [ "$f" = "$TMP/w.pcapng" ] || { echo "no $f"; ok=1; }
		[ -e "$f" ] || continue
		os=$(capinfos "$f" 2>/dev/null | sed -n 's/^Capture oper-sys: *//p')
		appl=$(capinfos "$f" 2>/dev/null | sed -n 's/^Capture application: *//p')
		echo "${f##*/}: application '$appl', os '$os'"
		[ "$os" = "Linux $(uname -r)" ] && [ "$appl" = "wgtrace $ver" ] || ok=1
	done
	return $ok
}
check pcap-header "a capture does not name wgtrace $("$WGTRACE" --version 2>/dev/null | head -n 1) and Linux $(uname -r)" header

# The uplink's tc was attached for the capture only: gone with the trace.
detached() {
	local left
	left=$({ ip netns exec "$GW" bpftool net show 2>&1
		for d in "$UPLINK" "$WG"; do
			tc -n "$GW" filter show dev "$d" ingress 2>&1
			tc -n "$GW" filter show dev "$d" egress 2>&1
		done; } | grep -c 'wgt_')
	echo "wgtrace programs still attached in GW: $left"
	[ "$left" = 0 ]
}
check pcap-detached "tc programs of wgtrace left on $UPLINK or $WG after trace --pcap" detached
