#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace watch --json` on kernel WireGuard, its counts held against the
# kernel's own counters (tests/README.md: expected values come from the kernel):
#
#          CL eth0 198.51.100.2 (2001:db8:1::2)
#             |
#          lan0 198.51.100.1 (2001:db8:1::1)
#   GW     wg0 10.99.0.1 (2001:db8:99::1), forwarding, strict rp_filter
#   ulb 192.0.2.1 | ulc 203.0.113.1
#             |        \
#   B ul0 192.0.2.2     C ul0 203.0.113.2
#     wg0 10.99.0.2       wg0 10.99.0.3
#
# AllowedIPs on GW: B 10.99.0.2/32 10.20.0.0/24 2001:db8:99::2/128,
# C 10.99.0.3/32 10.30.0.0/24. Watch runs, each attached (first status
# line) before its traffic and stopped with SIGTERM (the Ctrl-C path) when
# the traffic is done; --duration is only the upper bound, since TCG timings
# vary several-fold:
#
#   healthy  pings CL -> B through GW: no findings
#   srcrej   B sends from 10.30.0.5 (C's), then C from 10.77.0.5 (nobody's):
#            src_rejected per sender = delta of GW wg0 rx_frame_errors in
#            that phase, peer = the sender's key, objects.owner = C's key /
#            "none"
#   srcrej6  B sends from 2001:db8:77::5 (nobody's): the same for IPv6
#   drops    CL spoofs 10.20.0.77 (routed into wg0): rpf_drop = TcpExt
#            IPReversePathFilter delta; CL -> 10.40.0.9 (routed into wg0, no
#            peer): no_peer = wg0 tx_errors delta
#   mtu4/6   1428/1448-byte pings into the 1420-byte wg0: mtu_drop = Ip
#            FragFails / Ip6InTooBigErrors delta, naming wg0 (the device
#            whose MTU is exceeded)
#   route    10.20.0.0/24 moved from wg0 to ulb during a flow: route_changed
#   bypass   10.20.0.0/24 (B's AllowedIPs) routed via B's uplink address on
#            ulb (B's MAC made to start with 0x46): route_bypass on wg0 for B
#            = CL's Icmp OutEchos delta; seen by tcx where the kernel has it
#            (6.6+), else net_dev_queue
#   nofwd    ip_forward=0: no_forward on the ingress (lan0 for CL's flow, wg0
#            for B's) = Ip InAddrErrors delta

. /tests/lib.sh

CHECKS="watch-vm-healthy-no-findings watch-vm-src-rejected-count-other-peer
	watch-vm-src-rejected-owner-other-peer watch-vm-src-rejected-count-no-owner
	watch-vm-src-rejected-owner-none watch-vm-src-rejected-observable
	watch-vm-src-rejected6-count watch-vm-src-rejected6-details
	watch-vm-rpf-count watch-vm-rpf-details watch-vm-no-peer-count
	watch-vm-no-peer-details watch-vm-mtu4-count watch-vm-mtu6-count
	watch-vm-mtu-details watch-vm-mtu-egress watch-vm-mtu-interface-v4-v6-agree
	watch-vm-route-changed watch-vm-route-bypass-count watch-vm-route-bypass-details
	watch-vm-no-forward-count watch-vm-no-forward-from-tunnel"
plan "$(echo "$CHECKS" | wc -w)"
require_wgtrace $CHECKS || exit 0

# What this kernel lets wgtrace see, from the kernel itself. WireGuard module
# BTF (5.11+): fentry reads the sender of a rejected packet. Without it (5.10)
# kprobes see each rejection exactly but not who sent it: the finding has
# peer null and objects.sender "unknown (...)", and B's and C's rejections
# share one finding, so each sender gets a watch run of its own. Drop
# reasons IP_RPFILTER (5.18+) and PKT_TOO_BIG (5.19+) give device and flow;
# without them the counter (rp_filter) or the ICMP kprobes (MTU) count.
if [ -e /sys/kernel/btf/wireguard ]; then
	WG_MODE=fentry
else
	WG_MODE=kprobe
fi
bpftool btf dump file /sys/kernel/btf/vmlinux >"$LIB_TMP/vmlinux.btf" 2>/dev/null
has_reason() { grep -q "'SKB_DROP_REASON_$1'" "$LIB_TMP/vmlinux.btf"; }
RPF_MODE=inventory MTU_MODE=kprobe
has_reason IP_RPFILTER && RPF_MODE=tracepoint
has_reason PKT_TOO_BIG && MTU_MODE=tracepoint
info "modes expected from the kernel: WireGuard $WG_MODE, rp_filter $RPF_MODE, MTU $MTU_MODE"
# sender_is KEY: jq test that a src_rejected finding names sender KEY, or,
# where the kernel cannot say, that it says the sender is unknown.
sender_is() {
	if [ $WG_MODE = fentry ]; then
		echo ".peer == \"$1\""
	else
		echo '.peer == null and ((.objects.sender // "") | startswith("unknown"))'
	fi
}

GW=wgw_gw B=wgw_b C=wgw_c CL=wgw_cl
N=10	# packets per phase (ping -c, and a timeout around it)
N_MTU=3	# pings per MTU run (one at a time: each waits 1 s for a reply)

nsysctl() { nsx "$1" sysctl -qw "$2" >/dev/null; }

build() {
	ns_add $GW && ns_add $B && ns_add $C && ns_add $CL || return 1
	nsysctl $GW net.ipv4.ip_forward=1 && nsysctl $GW net.ipv6.conf.all.forwarding=1 &&
		nsysctl $GW net.ipv4.conf.all.rp_filter=1 &&
		nsysctl $GW net.ipv4.conf.default.rp_filter=1 || return 1
	veth_pair $CL eth0 $GW lan0 198.51.100.2/24 198.51.100.1/24 &&
		veth_pair $GW ulb $B ul0 192.0.2.1/24 192.0.2.2/24 &&
		veth_pair $GW ulc $C ul0 203.0.113.1/24 203.0.113.2/24 || return 1
	ip -n $CL addr add 2001:db8:1::2/64 dev eth0 nodad &&
		ip -n $GW addr add 2001:db8:1::1/64 dev lan0 nodad &&
		ip -n $CL route add default via 198.51.100.1 &&
		ip -n $CL -6 route add default via 2001:db8:1::1 || return 1
	wg_keys KGW_PRIV KGW_PUB && wg_keys KB_PRIV KB_PUB && wg_keys KC_PRIV KC_PUB || return 1
	wg_dev $GW wg0 "$KGW_PRIV" 51820 10.99.0.1/24 &&
		wg_dev $B wg0 "$KB_PRIV" 51821 10.99.0.2/24 &&
		wg_dev $C wg0 "$KC_PRIV" 51822 10.99.0.3/24 || return 1
	wg_peer $GW wg0 "$KB_PUB" 10.99.0.2/32,10.20.0.0/24,2001:db8:99::2/128 \
		192.0.2.2:51821 &&
		wg_peer $GW wg0 "$KC_PUB" 10.99.0.3/32,10.30.0.0/24 203.0.113.2:51822 &&
		wg_peer $B wg0 "$KGW_PUB" 10.99.0.0/24,198.51.100.0/24,2001:db8::/32 \
			192.0.2.1:51820 &&
		wg_peer $C wg0 "$KGW_PUB" 10.99.0.0/24 203.0.113.1:51820 || return 1
	ip -n $GW addr add 2001:db8:99::1/64 dev wg0 nodad &&
		ip -n $B addr add 2001:db8:99::2/64 dev wg0 nodad &&
		ip -n $GW route add 10.20.0.0/24 dev wg0 &&
		ip -n $GW route add 10.30.0.0/24 dev wg0 &&
		ip -n $B route add 198.51.100.0/24 dev wg0 &&
		ip -n $B -6 route add 2001:db8:1::/64 dev wg0 &&
		ip -n $B addr add 10.20.0.1/32 dev lo &&
		ip -n $B addr add 10.30.0.5/32 dev lo &&
		ip -n $B addr add 2001:db8:77::5/128 dev lo &&
		ip -n $C addr add 10.77.0.5/32 dev lo
}

# Both peers have a session with GW (B and C start the handshakes).
sessions_up() {
	nsx $B ping -c 1 -W 1 10.99.0.1
	nsx $C ping -c 1 -W 1 10.99.0.1
	handshake_all $GW wg0
}

if ! build; then
	fail_all "cannot build the namespaces and WireGuard devices"
fi
if ! wait_until 90 sessions_up; then
	info "GW: $(nsx $GW wg show wg0 latest-handshakes | tr '\n' ' ')"
	fail_all "lab: no handshake of GW with both peers in 90 s"
fi

# --- running watch -------------------------------------------------------------
# watch_start RUN: wgtrace watch in GW, JSON into $LIB_TMP/RUN.jsonl; returns
# once it is attached (its first status line comes after every program is
# attached). W_PID is its PID.
watch_start() {
	W_RUN=$1
	W_OUT=$LIB_TMP/$1.jsonl
	: >"$W_OUT"
	: >"$LIB_TMP/$1.bad"
	rm -f "$LIB_TMP/$1.final"
	W_T0=$(uptime_s)
	wgtrace watch -n $GW --duration 200 --interval 1 --json \
		>"$W_OUT" 2>"$LIB_TMP/$1.err" &
	W_PID=$!
	at_exit "kill $W_PID"
	if ! wait_until 90 grep -q '"type":"status"' "$W_OUT"; then
		echo "no status line within 90 s: $(head -c 300 "$LIB_TMP/$1.err")" \
			>>"$LIB_TMP/$1.bad"
		return 1
	fi
	info "$1: attached after $(($(uptime_s) - W_T0)) s"
}

# watch_stop: the traffic is done; SIGTERM, then the final report. The run
# is valid when watch was still running (it saw all the traffic), exits 0
# and ends with the summary.
watch_stop() {
	if proc_alive $W_PID; then
		kill -TERM $W_PID
	else
		echo "watch ended before the traffic did" >>"$LIB_TMP/$W_RUN.bad"
	fi
	if ! wait_until 60 eval "! proc_alive $W_PID"; then
		echo "watch did not exit within 60 s of SIGTERM" >>"$LIB_TMP/$W_RUN.bad"
		kill -KILL $W_PID
	fi
	wait $W_PID
	_rc=$?
	[ $_rc -eq 0 ] ||
		echo "watch exited with status $_rc: $(head -c 300 "$LIB_TMP/$W_RUN.err")" \
			>>"$LIB_TMP/$W_RUN.bad"
	tail -n 1 "$W_OUT" | jq -e '.type == "summary"' >/dev/null 2>&1 ||
		echo "the last line is not a summary" >>"$LIB_TMP/$W_RUN.bad"
	info "$W_RUN: ran $(($(uptime_s) - W_T0)) s, status $_rc"
}

# final RUN: the findings of the final interval (after the last status line):
# the totals since attaching, as one JSON array (computed once: jq is slow
# under TCG).
final() {
	[ -s "$LIB_TMP/$1.final" ] ||
		jq -s '(to_entries | map(select(.value.type == "status")) | last.key) as $i
			| .[$i + 1:] | map(select(.type == "finding"))' \
			"$LIB_TMP/$1.jsonl" >"$LIB_TMP/$1.final"
	cat "$LIB_TMP/$1.final"
}

# expect NAME WHY RUN JQ-FILTER [JQ-ARGS...]: one result line; pass when the
# run is valid and the filter holds on its final findings.
expect() {
	_n=$1 _why=$2 _run=$3 _f=$4
	shift 4
	if [ -s "$LIB_TMP/$_run.bad" ]; then
		fail "$_n" "watch run '$_run' is not valid: $(tr '\n' ';' <"$LIB_TMP/$_run.bad")"
		return
	fi
	if final "$_run" | jq -e "$@" "$_f" >/dev/null 2>&1; then
		pass "$_n"
		return
	fi
	fail "$_n" "$_why"
	info "final findings of '$_run':"
	final "$_run" | jq -c '.[]' | sed 's/^/    /'
}

# expect_sum NAME WHY RUN ID N [FILTER]: the final findings ID (matching
# FILTER) add up to N, a kernel delta that must be > 0.
expect_sum() {
	if ! [ "$5" -gt 0 ] 2>/dev/null; then
		fail "$1" "lab: the kernel counted '$5' for it, expected > 0"
		return
	fi
	expect "$1" "$2" "$3" "map(select(.finding == \$id and (${6:-true}))) |
		length > 0 and (map(.count) | add) == \$n" --arg id "$4" --argjson n "$5"
}

pings() {	# NS ARGS...: N pings, bounded in time too
	_ns=$1
	shift
	nsx "$_ns" timeout 60 ping -q -c $N -i 0.1 -W 1 "$@" >/dev/null 2>&1
}

# --- healthy ---------------------------------------------------------------------
if watch_start healthy; then
	pings $CL 10.99.0.2
	h1=$?
	pings $CL 10.20.0.1
	h2=$?
	watch_stop
fi
if [ "${h1:-1}" != 0 ] || [ "${h2:-1}" != 0 ]; then
	fail watch-vm-healthy-no-findings "lab: pings CL -> B through GW failed (status ${h1:-none}, ${h2:-none})"
elif [ -s "$LIB_TMP/healthy.bad" ]; then
	fail watch-vm-healthy-no-findings "watch run not valid: $(tr '\n' ';' <"$LIB_TMP/healthy.bad")"
else
	nf=$(jq -s 'map(select(.type == "finding")) | length' "$LIB_TMP/healthy.jsonl")
	if [ "$nf" = 0 ]; then
		pass watch-vm-healthy-no-findings
	else
		fail watch-vm-healthy-no-findings "$nf finding lines on a healthy gateway"
		jq -c 'select(.type == "finding")' "$LIB_TMP/healthy.jsonl" | sort -u | sed 's/^/    /'
	fi
fi

# --- src_rejected: B sends C's source, then C a source nobody owns --------------
# One watch run tells both senders apart by key; without the key, a run each.
RUN_B=srcrej RUN_C=srcrej
[ $WG_MODE = fentry ] || RUN_C=srcrejc
fe0=$(wg_counter $GW wg0 rx_frame_errors)
if watch_start $RUN_B; then
	pings $B -I 10.30.0.5 10.99.0.1
	fe1=$(wg_counter $GW wg0 rx_frame_errors)
	[ $RUN_C = $RUN_B ] || watch_stop
	if [ $RUN_C = $RUN_B ] || watch_start $RUN_C; then
		pings $C -I 10.77.0.5 10.99.0.1
		fe2=$(wg_counter $GW wg0 rx_frame_errors)
		watch_stop
	fi
fi
d_b=$((${fe1:-0} - fe0))
d_c=$((${fe2:-0} - ${fe1:-0}))
info "srcrej: sent $N + $N, GW wg0 rx_frame_errors delta $d_b (from B) + $d_c (from C)"
expect_sum watch-vm-src-rejected-count-other-peer \
	"src_rejected of sender B is not the rx_frame_errors delta ($d_b)" \
	$RUN_B src_rejected "$d_b" "$(sender_is "$KB_PUB")"
expect watch-vm-src-rejected-owner-other-peer \
	"no src_rejected on wg0 from B (wg pubkey) for 10.30.0.5 owned by C" $RUN_B \
	"any(.[]; .finding == \"src_rejected\" and .interface == \"wg0\" and
		$(sender_is "$KB_PUB") and .objects.owner == \$c and .example.src == \"10.30.0.5\")" \
	--arg c "$KC_PUB"
expect_sum watch-vm-src-rejected-count-no-owner \
	"src_rejected of sender C is not the rx_frame_errors delta ($d_c)" \
	$RUN_C src_rejected "$d_c" "$(sender_is "$KC_PUB")"
expect watch-vm-src-rejected-owner-none \
	"no src_rejected on wg0 from C (wg pubkey) for 10.77.0.5 owned by none" $RUN_C \
	"any(.[]; .finding == \"src_rejected\" and .interface == \"wg0\" and
		$(sender_is "$KC_PUB") and .objects.owner == \"none\" and .example.src == \"10.77.0.5\")"
# One result line: the status lines first (a mode or not-observable line
# that contradicts the kernel), then the findings' modes.
if [ ! -s "$LIB_TMP/$RUN_B.bad" ] &&
	! jq -e -s --arg m $WG_MODE 'map(select(.type == "status")) | length > 0 and
		all(.[]; .not_observable.src_rejected == null and
			.modes.wg_rx_src == $m)' "$LIB_TMP/$RUN_B.jsonl" >/dev/null 2>&1; then
	fail watch-vm-src-rejected-observable "a status line says src_rejected is not observable"
	jq -c 'select(.type == "status") | {modes, not_observable}' "$LIB_TMP/$RUN_B.jsonl" |
		sort -u | sed 's/^/    /'
else
	expect watch-vm-src-rejected-observable \
		"src_rejected not seen by $WG_MODE, or reported as not observable" $RUN_B \
		'map(select(.finding == "src_rejected")) | length > 0 and
			all(.[]; .mode == $m)' --arg m $WG_MODE
fi

# --- src_rejected, IPv6: B sends from a source nobody owns ------------------------
fe0=$(wg_counter $GW wg0 rx_frame_errors)
if watch_start srcrej6; then
	pings $B -6 -I 2001:db8:77::5 2001:db8:99::1
	watch_stop
fi
d6=$(($(wg_counter $GW wg0 rx_frame_errors) - fe0))
info "srcrej6: sent $N, GW wg0 rx_frame_errors delta $d6"
expect_sum watch-vm-src-rejected6-count \
	"src_rejected of sender B is not the rx_frame_errors delta ($d6)" \
	srcrej6 src_rejected "$d6" "$(sender_is "$KB_PUB")"
expect watch-vm-src-rejected6-details \
	"no src_rejected on wg0 from B for 2001:db8:77::5 -> 2001:db8:99::1 owned by none" \
	srcrej6 "any(.[]; .finding == \"src_rejected\" and .interface == \"wg0\" and
		$(sender_is "$KB_PUB") and .objects.owner == \"none\" and .mode == \$m and
		.example.src == \"2001:db8:77::5\" and .example.dst == \"2001:db8:99::1\")" \
	--arg m $WG_MODE

# --- rp_filter and no peer ------------------------------------------------------------
# arp_announce=2: CL's ARP must not carry the spoofed source (the gateway
# checks ARP senders too: nothing would reach rp_filter).
nsysctl $CL net.ipv4.conf.all.arp_announce=2
nsysctl $CL net.ipv4.conf.eth0.arp_announce=2
ip -n $CL addr add 10.20.0.77/32 dev lo
ip -n $GW route add 10.40.0.0/16 dev wg0
rp0=$(net_counter $GW netstat TcpExt:IPReversePathFilter)
te0=$(wg_counter $GW wg0 tx_errors)
if watch_start drops; then
	pings $CL -I 10.20.0.77 10.99.0.2
	pings $CL 10.40.0.9
	watch_stop
fi
rp=$(($(net_counter $GW netstat TcpExt:IPReversePathFilter) - rp0))
te=$(($(wg_counter $GW wg0 tx_errors) - te0))
info "drops: sent $N + $N, IPReversePathFilter delta $rp, wg0 tx_errors delta $te"
expect_sum watch-vm-rpf-count "rpf_drop count is not the IPReversePathFilter delta ($rp)" \
	drops rpf_drop "$rp"
if [ $RPF_MODE = tracepoint ]; then
	expect watch-vm-rpf-details "no rpf_drop on lan0 for 10.20.0.77 -> 10.99.0.2 from the tracepoint" \
		drops 'any(.[]; .finding == "rpf_drop" and .interface == "lan0" and
			.mode == "tracepoint" and .example.src == "10.20.0.77" and
			.example.dst == "10.99.0.2" and (.actual | test("\\bwg0\\b")))'
else
	# Only the kernel's counter: the finding must say device and flow
	# are not observable rather than name any.
	expect watch-vm-rpf-details-not-observable \
		"no rpf_drop from the counter saying its device and flow are not observable" \
		drops 'any(.[]; .finding == "rpf_drop" and .interface == null and
			.mode == "inventory" and (.actual | test("not observable")))'
fi
expect_sum watch-vm-no-peer-count "no_peer count is not the wg0 tx_errors delta ($te)" \
	drops no_peer "$te"
expect watch-vm-no-peer-details "no no_peer on wg0 for 198.51.100.2 -> 10.40.0.9 from $WG_MODE" \
	drops 'any(.[]; .finding == "no_peer" and .interface == "wg0" and
		.peer == null and .mode == $m and
		.example.src == "198.51.100.2" and .example.dst == "10.40.0.9")' --arg m $WG_MODE
ip -n $CL addr del 10.20.0.77/32 dev lo
ip -n $GW route del 10.40.0.0/16

# --- MTU: 1428 / 1448-byte pings into the 1420-byte wg0 ---------------------------
# busybox ping has no -M: its DF comes from the kernel's PMTU discovery, and
# CL learns GW's MTU from the first frag-needed / packet-too-big. Flushing
# CL's route cache before each ping makes every one reach GW at full size.
mtu_pings() {	# -4|-6 DST
	_i=0
	while [ $_i -lt $N_MTU ]; do
		ip -n $CL "$1" route flush cache >/dev/null 2>&1
		nsx $CL timeout 10 ping "$1" -q -c 1 -s 1400 -W 1 "$2" >/dev/null 2>&1
		_i=$((_i + 1))
	done
}
ff0=$(net_counter $GW snmp Ip:FragFails)
if watch_start mtu4; then
	mtu_pings -4 10.99.0.2
	watch_stop
fi
ff=$(($(net_counter $GW snmp Ip:FragFails) - ff0))
tb0=$(net_counter $GW snmp6 Ip6InTooBigErrors)
if watch_start mtu6; then
	mtu_pings -6 2001:db8:99::2
	watch_stop
fi
tb=$(($(net_counter $GW snmp6 Ip6InTooBigErrors) - tb0))
mtu=$(nsx $GW cat /sys/class/net/wg0/mtu)
info "mtu: sent $N_MTU + $N_MTU, Ip FragFails delta $ff, Ip6InTooBigErrors delta $tb, wg0 mtu $mtu"
expect_sum watch-vm-mtu4-count "mtu_drop count is not the Ip FragFails delta ($ff)" \
	mtu4 mtu_drop "$ff"
expect_sum watch-vm-mtu6-count "mtu_drop count is not the Ip6InTooBigErrors delta ($tb)" \
	mtu6 mtu_drop "$tb"

# mtu_both NAME WHY FILTER: one result line for both runs; FILTER gets
# $src, $dst, $len (the packet's size) and $mtu (wg0's).
mtu_both() {
	_n=$1 _why=$2 _f=$3 _bad=
	for _r in mtu4 mtu6; do
		if [ -s "$LIB_TMP/$_r.bad" ]; then
			fail "$_n" "watch run '$_r' is not valid: $(tr '\n' ';' <"$LIB_TMP/$_r.bad")"
			return
		fi
		if [ $_r = mtu4 ]; then
			set -- 198.51.100.2 10.99.0.2 1428
		else
			set -- 2001:db8:1::2 2001:db8:99::2 1448
		fi
		final $_r | jq -e --arg src "$1" --arg dst "$2" --arg len "$3" \
			--arg mtu "$mtu" --arg m "$MTU_MODE" "$_f" >/dev/null 2>&1 ||
			_bad="$_bad $_r"
	done
	if [ -z "$_bad" ]; then
		pass "$_n"
		return
	fi
	fail "$_n" "$_why (runs:$_bad)"
	for _r in $_bad; do
		info "final findings of '$_r':"
		final $_r | jq -c '.[]' | sed 's/^/    /'
	done
}
mtu_both watch-vm-mtu-details \
	"no mtu_drop for the DF ping from CL to B, with its size and wg0's MTU, from $MTU_MODE" \
	'any(.[]; .finding == "mtu_drop" and .mode == $m and
		.example.src == $src and .example.dst == $dst and
		(.actual | test("\\b" + $len + "\\b")) and
		(.actual | test("\\b" + $mtu + "\\b")))'
mtu_both watch-vm-mtu-egress "mtu_drop does not name wg0 as the device whose MTU was exceeded" \
	'map(select(.finding == "mtu_drop")) | length > 0 and
		all(.[]; .objects.egress == "wg0" or
			(.objects.egress == null and .interface == "wg0"))'
# Both flows take the same path (lan0 -> wg0) and die for the same reason:
# the finding's interface (also the metrics' label) must not depend on the
# address family.
if [ ! -s "$LIB_TMP/mtu4.bad" ] && [ ! -s "$LIB_TMP/mtu6.bad" ]; then
	i4=$(final mtu4 | jq -c '[.[] | select(.finding == "mtu_drop") | .interface] | unique')
	i6=$(final mtu6 | jq -c '[.[] | select(.finding == "mtu_drop") | .interface] | unique')
	if [ "$i4" = "$i6" ] && [ "$i4" != "[]" ]; then
		pass watch-vm-mtu-interface-v4-v6-agree
	else
		fail watch-vm-mtu-interface-v4-v6-agree "mtu_drop of the same path names interface $i4 for IPv4, $i6 for IPv6"
	fi
else
	fail watch-vm-mtu-interface-v4-v6-agree "an MTU watch run is not valid"
fi

# --- route changed: 10.20.0.0/24 moves from wg0 to ulb during a flow --------------
if watch_start route; then
	eo=$(net_counter $CL snmp Icmp:OutEchos)
	nsx $CL timeout 60 ping -q -c 20 -i 0.1 -W 1 10.20.0.1 >/dev/null 2>&1 &
	pp=$!
	# Mid-flow: once some echo requests have left CL (its own counter),
	# however slow the emulated guest is.
	flow_started() { [ "$(net_counter $CL snmp Icmp:OutEchos)" -ge $((eo + 3)) ]; }
	wait_until 30 flow_started
	ip -n $GW route replace 10.20.0.0/24 dev ulb
	route_now=$(ip -n $GW route get 10.20.0.1 | sed -n 's/.* dev \([^ ]*\).*/\1/p')
	wait $pp
	watch_stop
fi
if [ "${route_now:-}" != ulb ]; then
	fail watch-vm-route-changed "lab: 10.20.0.1 goes via '${route_now:-?}' after the replace"
else
	expect watch-vm-route-changed "no route_changed of 10.20.0.0/24 from wg0 to ulb" route \
		'any(.[]; .finding == "route_changed" and .objects.old_dev == "wg0" and
			.objects.new_dev == "ulb" and (.example.dst | startswith("10.20.0.")))'
fi
ip -n $GW route replace 10.20.0.0/24 dev wg0

# --- route bypass: B's 10.20.0.0/24 leaves by the uplink, not the tunnel -----------
# tcx where the kernel's own attach types (BTF) have it (6.6+), else the
# net_dev_queue tracepoint.
bypass_mode=tracepoint
grep -q "'BPF_TCX_EGRESS'" "$LIB_TMP/vmlinux.btf" && bypass_mode=tc
# B's MAC starts with 0x46, so each frame out of ulb begins with a byte an
# IPv4 header could (version 4): wgtrace must still find the IP header.
ip -n $B link set ul0 address 46:00:5e:00:00:02 && ip -n $GW neigh flush dev ulb
eo0=$(net_counter $CL snmp Icmp:OutEchos)
if ip -n $GW route replace 10.20.0.0/24 via 192.0.2.2 dev ulb && watch_start bypass; then
	pings $CL 10.20.0.1
	eo1=$(net_counter $CL snmp Icmp:OutEchos)
	watch_stop
fi
expect_sum watch-vm-route-bypass-count \
	"route_bypass on wg0 for B is not CL's echo requests routed out ulb" \
	bypass route_bypass "$((${eo1:-0} - eo0))" ".interface == \"wg0\" and .peer == \"$KB_PUB\""
expect watch-vm-route-bypass-details \
	"no route_bypass example 198.51.100.2 -> 10.20.0.1 leaving by ulb, mode $bypass_mode" bypass \
	'any(.[]; .finding == "route_bypass" and .mode == $m and
		.example.src == "198.51.100.2" and .example.dst == "10.20.0.1" and
		(.actual | contains("ulb")))' --arg m "$bypass_mode"
ip -n $GW route replace 10.20.0.0/24 dev wg0

# --- forwarding off: from the client (ingress lan0), then from B through the
# tunnel (ingress wg0, forwarding off for traffic out of the tunnel): one finding per ingress.
nsysctl $GW net.ipv4.ip_forward=0
ae0=$(net_counter $GW snmp Ip:InAddrErrors)
if watch_start nofwd; then
	pings $CL 10.99.0.2
	ae1=$(net_counter $GW snmp Ip:InAddrErrors)
	pings $B 198.51.100.2
	watch_stop
fi
ae2=$(net_counter $GW snmp Ip:InAddrErrors)
ae_lan=$((${ae1:-0} - ae0))
ae_wg=$((ae2 - ${ae1:-0}))
info "nofwd: sent $N + $N, Ip InAddrErrors delta $ae_lan (CL) + $ae_wg (B)"
expect_sum watch-vm-no-forward-count "no no_forward on lan0 counting the Ip InAddrErrors delta ($ae_lan)" \
	nofwd no_forward "$ae_lan" '.interface == "lan0" and .mode == "tracepoint"'
expect_sum watch-vm-no-forward-from-tunnel "no no_forward on wg0 counting the Ip InAddrErrors delta ($ae_wg)" \
	nofwd no_forward "$ae_wg" '.interface == "wg0" and .mode == "tracepoint"'
exit 0
