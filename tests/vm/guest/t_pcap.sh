#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace trace DEST --send --pcap FILE` and `wgtrace watch --pcap FILE`
# with kernel WireGuard, on the standard pair. The guest has no tshark: the
# files are read here by a pcapng walker of its own (od + awk, below),
# independent of wgtrace's writer. Expected values come from the topology,
# wg(8), ip(8), the kernel's counters and uname, never from wgtrace.
#
# trace: A traces B's tunnel address with its own probes while B sends
# from that address out of its underlay to A's, which A's strict rp_filter
# drops. In the file: the inner requests and replies where WireGuard looks
# up AllowedIPs (as many as Icmp OutEchos/InEchoReps counted), the outer
# UDP packets on the underlay between A's listen port and the endpoint,
# and the spoofed packets at kfree_skb (as many as IPReversePathFilter).
# watch: a no_peer planted (a route into wg0 that no peer's AllowedIPs
# holds), the packets WireGuard refused written with their verdict, as
# many as wg0's tx_errors at most.
#
#   wga: wg0 10.99.0.1/24, ul0 192.0.2.1:51820, rp_filter 1,
#        route 10.98.0.0/24 dev wg0 (watch only; no peer has it)
#   wgb: wg0 10.99.0.2/24, ul0 192.0.2.2:51821

. /tests/lib.sh

CHECKS="pcap-trace-file pcap-trace-comments pcap-trace-requests pcap-trace-replies
	pcap-trace-outer pcap-trace-drop pcap-watch-file pcap-watch-nopeer pcap-watch-budget"
# shellcheck disable=SC2086
plan "$(echo $CHECKS | wc -w)"
# shellcheck disable=SC2086
require_wgtrace $CHECKS || exit 0
T=$LIB_TMP

# One line per block: "SHB appl=..|os=..", "IDB NAME", "EPB if=NAME cap=N
# len=N src=A dst=B proto=P type=T sport=S dport=D comment=..." (type: the
# first transport byte, the ICMP type; ports of UDP only, else -1), then
# "END OFFSET" when every block's lengths agree and they cover the file,
# else "BAD ...".
PCAPNG_AWK='
function hv(s) { return index("0123456789abcdef", substr(s, 1, 1)) * 16 + index("0123456789abcdef", substr(s, 2, 1)) - 17 }
function le16(p) { return b[p] + b[p + 1] * 256 }
function le32(p) { return le16(p) + le16(p + 2) * 65536 }
function str(p, l,   s, i) { s = ""; for (i = 0; i < l; i++) s = s sprintf("%c", b[p + i]); return s }
function opt(p, end, want,   c, l, r) {
	r = ""
	while (p + 4 <= end) {
		c = le16(p); l = le16(p + 2)
		if (c == 0) break
		if (c == want) r = str(p + 4, l)
		p += 4 + int((l + 3) / 4) * 4
	}
	return r
}
{ for (i = 1; i <= NF; i++) b[n++] = hv($i) }
END {
	p = 0; nif = 0
	while (p < n) {
		t = le32(p); l = le32(p + 4)
		if (l < 12 || l % 4 || p + l > n || le32(p + l - 4) != l) { print "BAD block at " p; exit }
		if (t == 168627466) {
			if (le32(p + 8) != 439041101) { print "BAD byte order at " p; exit }
			print "SHB appl=" opt(p + 24, p + l - 4, 4) "|os=" opt(p + 24, p + l - 4, 3)
		} else if (t == 1) {
			ifn[nif] = opt(p + 16, p + l - 4, 2)
			print "IDB " ifn[nif++]
		} else if (t == 6) {
			id = le32(p + 8); cap = le32(p + 20); d = p + 28
			if (id >= nif || d + cap > p + l - 4) { print "BAD packet at " p; exit }
			src = "-"; dst = "-"; proto = -1; ty = -1; sp = -1; dp = -1
			if (cap >= 20 && int(b[d] / 16) == 4) {
				src = b[d + 12] "." b[d + 13] "." b[d + 14] "." b[d + 15]
				dst = b[d + 16] "." b[d + 17] "." b[d + 18] "." b[d + 19]
				proto = b[d + 9]; h = (b[d] % 16) * 4
				if (cap > h) ty = b[d + h]
				if (proto == 17 && cap >= h + 4) {
					sp = b[d + h] * 256 + b[d + h + 1]
					dp = b[d + h + 2] * 256 + b[d + h + 3]
				}
			}
			print "EPB if=" ifn[id] " cap=" cap " len=" le32(p + 24) " src=" src " dst=" dst " proto=" proto " type=" ty " sport=" sp " dport=" dp " comment=" opt(d + int((cap + 3) / 4) * 4, p + l - 4, 1)
		}
		p += l
	}
	print "END " p
}'
pcapng_blocks() { od -An -tx1 -v "$1" | awk "$PCAPNG_AWK"; }

wg_pair_up || fail_all "no WireGuard pair (lab problem)"

# file_sound NAME RC: $T/NAME.pcapng is sound pcapng (its walk, in
# $T/NAME.blocks, ends at its size) naming wgtrace and this kernel, and
# the run that wrote it exited RC 0.
file_sound() {
	_os=$(sed -n 's/^SHB .*|os=//p' "$T/$1.blocks")
	_appl=$(sed -n 's/^SHB appl=\(.*\)|os=.*/\1/p' "$T/$1.blocks")
	echo "exit $2; last block line '$(tail -n 1 "$T/$1.blocks")';" \
		"appl '$_appl', os '$_os', kernel $(uname -r)"
	[ "$2" = 0 ] && grep -q '^END [0-9]' "$T/$1.blocks" &&
		[ "$(sed -n 's/^END //p' "$T/$1.blocks")" = "$(wc -c <"$T/$1.pcapng")" ] &&
		[ "$_os" = "Linux $(uname -r)" ] &&
		case $_appl in "wgtrace "?*) true ;; *) false ;; esac
}

# --- trace --send --pcap ------------------------------------------------------
# A traces B's tunnel address with probes of its own. Truth from wg(8) and
# ip(8) in A: the one peer's key, its endpoint, A's listen port, the table
# A routes B's tunnel address by; Icmp OutEchos/InEchoReps of A count the
# requests sent and the replies received.
PEER=$(nsx "$WG_NS_A" wg show wg0 peers)
EP=$(nsx "$WG_NS_A" wg show wg0 endpoints | awk '{ print $2 }')
EP_ADDR=${EP%:*} EP_PORT=${EP##*:}
LPORT=$(nsx "$WG_NS_A" wg show wg0 listen-port)
UL=$(ip -n "$WG_NS_A" -o route get "$EP_ADDR" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
UL_SRC=$(ip -n "$WG_NS_A" -o route get "$EP_ADDR" | sed -n 's/.* src \([^ ]*\).*/\1/p')
IN_TABLE=$(ip -n "$WG_NS_A" -d -o route get "$WG_TUN_B" | sed -n 's/.* table \([^ ]*\).*/\1/p')
[ "$IN_TABLE" = main ] && IN_TABLE=254
info "peer $PEER, endpoint $EP_ADDR:$EP_PORT by $UL from $UL_SRC:$LPORT, $WG_TUN_B in table $IN_TABLE"

# The rp_filter drop: B sends from its tunnel address out of its underlay
# to A's underlay address; A (strict rp_filter) routes that source into
# wg0, not ul0, and drops it. arp_announce=2: B's ARP must not carry that
# source (A checks ARP senders too: nothing would reach rp_filter).
nsx "$WG_NS_A" sysctl -qw net.ipv4.conf.all.rp_filter=1 &&
	nsx "$WG_NS_A" sysctl -qw "net.ipv4.conf.$UL.rp_filter=1" &&
	nsx "$WG_NS_B" sysctl -qw net.ipv4.conf.all.arp_announce=2 &&
	nsx "$WG_NS_B" sysctl -qw net.ipv4.conf.ul0.arp_announce=2 ||
	fail_all "cannot set rp_filter and arp_announce (lab problem)"

rpf0=$(net_counter "$WG_NS_A" netstat TcpExt:IPReversePathFilter)
oe0=$(net_counter "$WG_NS_A" snmp Icmp:OutEchos)
ir0=$(net_counter "$WG_NS_A" snmp Icmp:InEchoReps)
wgtrace trace "$WG_TUN_B" -n "$WG_NS_A" --json --send -c 5 -t 30 \
	--pcap "$T/t.pcapng" >"$T/t.json" 2>"$T/t.err" &
_tp=$!
at_exit "kill $_tp"
wait_until 90 eval "grep -q '^wgtrace: tracing' '$T/t.err' || ! proc_alive $_tp" ||
	info "trace: not tracing within 90 s"
nsx "$WG_NS_B" ping -c 2 -i 0.2 -W 1 -I "$WG_TUN_B" "$UL_SRC" >/dev/null 2>&1
wait_until 60 eval "! proc_alive $_tp" || kill -KILL $_tp
wait $_tp
T_RC=$?
T_RPF=$(($(net_counter "$WG_NS_A" netstat TcpExt:IPReversePathFilter) - rpf0))
T_OUT=$(($(net_counter "$WG_NS_A" snmp Icmp:OutEchos) - oe0))
T_REP=$(($(net_counter "$WG_NS_A" snmp Icmp:InEchoReps) - ir0))
info "trace: exit $T_RC; A sent $T_OUT echo requests, got $T_REP replies," \
	"dropped $T_RPF by rp_filter"
grep -v '^libbpf' "$T/t.err" | sed 's/^/    /'
pcapng_blocks "$T/t.pcapng" >"$T/t.blocks" 2>/dev/null
grep '^EPB ' "$T/t.blocks" | sed 's/^/    /'

check pcap-trace-file "the trace --pcap file is not sound pcapng with wgtrace and the kernel in its header" \
	file_sound t "$T_RC"

# epb PATTERN: the packet lines (BRE) of the trace's file that match.
epb() { grep "^EPB $1" "$T/t.blocks"; }

# Every packet says which hook saw it on which device, and the verdict.
comments() {
	_all=$(epb "" | wc -l)
	_bare=$(epb "" | grep -vc "comment=hook=[^;]* [^ ;]*; .*verdict=[^;]*; ktime=[0-9]*$")
	echo "packets $_all, without hook, device and verdict: $_bare"
	[ "$_all" -ge 1 ] && [ "$_bare" = 0 ]
}
check pcap-trace-comments "packets without a comment naming hook, device and verdict" comments

# Which hook sees the inner packets with kernel WireGuard (tc on wg0 is
# the fallback for userspace WireGuard only): fexit of its AllowedIPs
# lookups where the module has BTF (5.11+), else k(ret)probes on them (the
# modes t_trace.sh expects too). A pattern (BRE) of the hook's name.
if [ -e /sys/kernel/btf/wireguard ]; then
	HOOK_TX="fexit wg_allowedips_lookup_dst" HOOK_RX="fexit wg_allowedips_lookup_src"
	HOOK_SAY=fexit
else
	HOOK_TX="k[a-z]*probe wg_allowedips_lookup_dst"
	HOOK_RX="k[a-z]*probe wg_allowedips_lookup_src"
	HOOK_SAY="a kprobe or kretprobe"
fi

# The inner requests, A to B on wg0, each as WireGuard chose the peer for
# it (the table A routes it by, the peer, the verdict): as many as A's
# kernel sent.
REQ="if=wg0 .* src=$WG_TUN_A dst=$WG_TUN_B proto=1 type=8 "
requests() {
	_n=$(epb "$REQ.*comment=hook=$HOOK_TX wg0; \(rule=[0-9]*; \)\{0,1\}table=$IN_TABLE; peer=$PEER; verdict=to peer;" | wc -l)
	_all=$(epb "$REQ" | wc -l)
	echo "requests on wg0: $_n at $HOOK_SAY of wg_allowedips_lookup_dst with" \
		"table $IN_TABLE, peer and verdict, $_all in all;" \
		"A's kernel sent $T_OUT"
	[ "$T_OUT" -ge 1 ] && [ "$_n" = "$T_OUT" ]
}
check pcap-trace-requests "the inner echo requests are not in the file, each with hook, table, peer and verdict" requests

# The replies, B to A on wg0 after decryption, each as WireGuard checked
# its source against B's AllowedIPs: as many as A's kernel received.
replies() {
	_n=$(epb "if=wg0 .* src=$WG_TUN_B dst=$WG_TUN_A proto=1 type=0 .*comment=hook=$HOOK_RX wg0; peer=$PEER; verdict=source accepted;" | wc -l)
	_all=$(epb "if=wg0 .* src=$WG_TUN_B dst=$WG_TUN_A proto=1 type=0 " | wc -l)
	# The kernel frees each reply with NO_SOCKET once the probe's socket
	# has its copy (kernels with drop reasons): no drop for a reader.
	_nosock=$(epb "if=wg0 .* src=$WG_TUN_B dst=$WG_TUN_A proto=1 type=0 .*verdict=drop NO_SOCKET" | wc -l)
	echo "replies on wg0: $_n at $HOOK_SAY of wg_allowedips_lookup_src with" \
		"peer and verdict, $_all in all, $_nosock written as a NO_SOCKET drop;" \
		"A's kernel received $T_REP"
	[ "$T_REP" -ge 1 ] && [ "$_n" = "$T_REP" ] && [ "$_nosock" = 0 ]
}
check pcap-trace-replies "the echo replies are not in the file with their peer" replies

# The outer packets on the underlay the endpoint is routed by: UDP from
# A's listen port to the endpoint wg(8) shows and back, naming the peer;
# the tunnel's addresses never in clear there.
outer() {
	_to=$(epb "if=$UL .* src=$UL_SRC dst=$EP_ADDR proto=17 .* sport=$LPORT dport=$EP_PORT comment=hook=tc egress $UL; .*peer=$PEER; verdict=outer to endpoint;" | wc -l)
	_from=$(epb "if=$UL .* src=$EP_ADDR dst=$UL_SRC proto=17 .* sport=$EP_PORT dport=$LPORT comment=hook=tc ingress $UL; .*peer=$PEER; verdict=outer from endpoint;" | wc -l)
	_clear=$(grep -c -e "^EPB if=$UL .* dst=$WG_TUN_A " \
		-e "^EPB if=$UL .* dst=$WG_TUN_B " "$T/t.blocks")
	echo "on $UL: $_to UDP $UL_SRC:$LPORT > $EP_ADDR:$EP_PORT, $_from back;" \
		"tunnel addresses as destination in clear: $_clear"
	[ "$_to" -ge 1 ] && [ "$_from" -ge 1 ] && [ "$_clear" = 0 ]
}
check pcap-trace-outer "no outer UDP packets to and from the endpoint on $UL with the peer (or inner packets in clear)" outer

# The spoofed packets at their drop point, as many as A's kernel counted.
# Where the kernel names drop reasons (SKB_DROP_REASON_IP_RPFILTER, 5.18+)
# the comment names rp_filter's; without them (5.10: kfree_skb has no
# reason) it can name none, and must say so instead of pretending.
bpftool btf dump file /sys/kernel/btf/vmlinux >"$T/vmlinux.btf" 2>/dev/null
if grep -q "'SKB_DROP_REASON_IP_RPFILTER'" "$T/vmlinux.btf"; then
	WANT_DROP="IP_RPFILTER"
elif grep -q "'SKB_DROP_REASON_NOT_SPECIFIED'" "$T/vmlinux.btf"; then
	WANT_DROP=
else
	WANT_DROP="(no reason on this kernel)"
fi
drop() {
	_n=$(epb "if=$UL .* src=$WG_TUN_B dst=$UL_SRC proto=1 type=8 .*comment=hook=kfree_skb $UL;.* verdict=drop $WANT_DROP;" | wc -l)
	_all=$(epb "if=$UL .* src=$WG_TUN_B dst=$UL_SRC proto=1 type=8 .*comment=hook=kfree_skb " | wc -l)
	echo "spoofed requests at kfree_skb on $UL: $_n with the comment" \
		"'verdict=drop $WANT_DROP', $_all in all; A's kernel dropped $T_RPF"
	[ "$T_RPF" -ge 1 ] && [ "$_n" = "$T_RPF" ] && [ "$_all" = "$_n" ]
}
if [ -n "$WANT_DROP" ]; then
	check pcap-trace-drop "the rp_filter drops are not in the file with their drop comment" drop
else
	skip pcap-trace-drop "this kernel has drop reasons but none for rp_filter (5.17): its drops are not told apart"
fi

# --- watch --pcap -------------------------------------------------------------
ip -n "$WG_NS_A" route add 10.98.0.0/24 dev wg0 ||
	fail_all "cannot add the route without a peer (lab problem)"

# watch_nopeer RUN BUDGET: watch wga with --pcap $T/RUN.pcapng while 6
# pings go to 10.98.0.5, one per ping run (ping stops at the first send
# error, which no peer is) and 0.3 s apart, more than the 100 ms sample
# gap; sets W_RC and W_TXERR (wg0's tx_errors grown meanwhile). wgtrace
# runs as the background job itself (-n, not nsx): $! is its PID.
watch_nopeer() {
	: >"$T/$1.jsonl"
	wgtrace watch -n "$WG_NS_A" --interval 1 --duration 200 --json \
		--pcap "$T/$1.pcapng" --pcap-budget "$2" \
		>"$T/$1.jsonl" 2>"$T/$1.err" &
	_w=$!
	at_exit "kill $_w"
	# The first status line comes once every program is attached.
	wait_until 90 grep -q '"type":"status"' "$T/$1.jsonl" ||
		info "$1: no status line within 90 s"
	_t0=$(wg_counter "$WG_NS_A" wg0 tx_errors)
	for _i in 1 2 3 4 5 6; do
		nsx "$WG_NS_A" ping -c 1 -W 1 10.98.0.5 >/dev/null 2>&1
		sleep 0.3
	done
	W_TXERR=$(($(wg_counter "$WG_NS_A" wg0 tx_errors) - _t0))
	kill -TERM $_w
	wait_until 60 eval "! proc_alive $_w" || kill -KILL $_w
	wait $_w
	W_RC=$?
	info "$1: exit $W_RC, wg0 tx_errors +$W_TXERR; $(tail -n 1 "$T/$1.err")"
}

watch_nopeer w 1000
pcapng_blocks "$T/w.pcapng" >"$T/w.blocks"

# Every block sound, and the section header names wgtrace and this kernel.
check pcap-watch-file "the watch --pcap file is not sound pcapng with wgtrace and the kernel in its header" \
	file_sound w "$W_RC"

# The refused echo requests, from wga's tunnel address on wg0, each with
# its no_peer verdict; no more than WireGuard counted.
nopeer() {
	_n=$(grep -c '^EPB if=wg0 .* src=10.99.0.1 dst=10.98.0.5 proto=1 type=8 .*comment=hook=.*verdict=no_peer' "$T/w.blocks")
	_all=$(grep -c '^EPB ' "$T/w.blocks")
	_bare=$(grep '^EPB ' "$T/w.blocks" | grep -vc 'comment=hook=.*verdict=')
	_sum=$(jq -r 'select(.type == "summary") | .pcap_packets' "$T/w.jsonl")
	echo "no_peer requests on wg0: $_n of $_all packets (summary $_sum)," \
		"without a verdict comment: $_bare; tx_errors +$W_TXERR"
	grep '^EPB ' "$T/w.blocks" | head -n 3
	[ "$W_TXERR" -ge 1 ] && [ "$_n" -ge 1 ] && [ "$_n" -le "$W_TXERR" ] &&
		[ "$_bare" = 0 ] && [ "$_sum" = "$_all" ]
}
check pcap-watch-nopeer "the no_peer packets are not in the file with their verdict" nopeer

# A budget of 1: one packet written, the others counted.
watch_nopeer b 1
budget() {
	_n=$(pcapng_blocks "$T/b.pcapng" | grep -c '^EPB ')
	_over=$(jq -r 'select(.type == "summary") | .pcap_over_budget' "$T/b.jsonl")
	echo "packets $_n with a budget of 1, over the budget $_over, tx_errors +$W_TXERR"
	[ "$W_RC" = 0 ] && [ "$_n" = 1 ] && [ "${_over:-0}" -ge 1 ] &&
		[ $((_n + _over)) -le "$W_TXERR" ] &&
		grep -q 'budget of 1 not written' "$T/b.err"
}
check pcap-watch-budget "--pcap-budget 1 did not write one packet and count the rest" budget
exit 0
