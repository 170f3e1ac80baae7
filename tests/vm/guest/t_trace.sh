#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace trace DEST -n GATEWAY --json` with kernel WireGuard, against what
# the kernel and wg(8) say (the same topologies as tests/netns/t_trace.sh,
# where userspace WireGuard forces the tc fallback; here fentry is the mode):
#   route (table, oif, prefix, gateway)  `ip route get` / `... fibmatch`
#                                        with the flow's mark and iif
#   peer, prefix, shadowed               longest-prefix match over
#                                        `wg show wg0 allowed-ips`
#   endpoint, outer route                `wg show wg0 endpoints`,
#                                        `ip route get EP mark FWMARK`
#   no peer                              wg0's tx_errors, grown by the packets sent
#   reply, packets                       ping's own result; Icmp OutEchos
# Each topology is traced with --send (probes from the gateway); the split
# tunnel, no peer, the full tunnel and the loop also without (a client pings
# through the gateway while trace waits): TCG is slow and one guest test has
# 240 s; the netns tier traces every topology both ways.
#
#   trc (client) --c0/g0-- trg (gateway, wg0) --u0/u0-- trp (the "internet"
#                                                  and two peers wgp1, wgp2)
#   trc: 172.29.1.2/24, fd00:29::2/64   trp lo: endpoints 198.51.100.77:51821/2,
#   trg: g0 172.29.1.1, u0 192.0.2.177/24,     remote LANs 10.213.{1,4,5}.1,
#        2001:db8:77::1/64, wg0 10.212.0.1     "internet" 203.0.113.77,
#                                              2001:db8:7e::1
#   wg0's peers: P1 10.213.0.0/16 (+203.0.113.0/24 in AllowedIPs, never routed)
#                P2 10.213.5.0/24 (inside P1's /16)
#   trg's routes: 10.213.0.0/16 and 10.214.0.0/16 (no peer has it) into wg0,
#                 default via trp on u0.

. /tests/lib.sh

C=trc G=trg P=trp X=trx
CHECKS="trace-split-send trace-split-fwd trace-overlap-in-send trace-overlap-out-send
	trace-bypass-send trace-nopeer-send trace-nopeer-fwd trace-nopeer-tx-errors
	trace-full-send trace-full-fwd trace-full-overlap-send trace-v6leak-send
	trace-loop-send trace-loop-fwd trace-loop-plain-send
	trace-modes trace-json-contract trace-gateway trace-reply trace-packets trace-netns-scope
	trace-detached trace-sigint trace-bad-netns trace-no-wg trace-unprivileged"
# shellcheck disable=SC2086
plan "$(echo "$CHECKS" | wc -w)"
# shellcheck disable=SC2086
require_wgtrace $CHECKS || exit 0
WGTRACE=/usr/bin/wgtrace
T=$LIB_TMP

# --- topology -------------------------------------------------------------
for n in $C $G $P $X; do ns_add "$n" || fail_all "cannot create namespace $n"; done
{
	veth_pair "$C" c0 "$G" g0 172.29.1.2/24 172.29.1.1/24 &&
	veth_pair "$G" u0 "$P" u0 192.0.2.177/24 192.0.2.178/24 &&
	ip -n "$C" addr add fd00:29::2/64 dev c0 nodad &&
	ip -n "$C" route add default via 172.29.1.1 &&
	ip -n "$C" -6 route add default via fd00:29::1 &&
	ip -n "$G" addr add fd00:29::1/64 dev g0 nodad &&
	ip -n "$G" addr add 2001:db8:77::1/64 dev u0 nodad &&
	ip -n "$G" route add default via 192.0.2.178 &&
	ip -n "$G" -6 route add default via 2001:db8:77::2 &&
	nsx "$G" sysctl -qw net.ipv4.ip_forward=1 &&
	nsx "$G" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
	ip -n "$P" addr add 2001:db8:77::2/64 dev u0 nodad &&
	ip -n "$P" -6 route add fd00:29::/64 via 2001:db8:77::1 &&
	ip -n "$P" addr add 198.51.100.77/32 dev lo &&
	ip -n "$P" addr add 10.213.1.1/32 dev lo &&
	ip -n "$P" addr add 10.213.4.1/32 dev lo &&
	ip -n "$P" addr add 10.213.5.1/32 dev lo &&
	ip -n "$P" addr add 203.0.113.77/32 dev lo &&
	ip -n "$P" addr add 2001:db8:7e::1/128 dev lo
} || fail_all "cannot build the namespaces (lab problem)"

{
	wg_keys KG_PRIV KG_PUB && wg_keys KP1_PRIV KP1_PUB &&
		wg_keys KP2_PRIV KP2_PUB && wg_keys KP3_PRIV KP3_PUB
} || fail_all "wg genkey failed (lab problem)"
{
	ip -n "$G" link add wg0 type wireguard &&
	nsx "$G" wg set wg0 private-key "$(wg_keyfile "$KG_PRIV")" listen-port 51820 \
		peer "$KP1_PUB" allowed-ips 10.212.0.2/32,10.213.0.0/16,203.0.113.0/24 \
		endpoint 198.51.100.77:51821 \
		peer "$KP2_PUB" allowed-ips 10.212.0.3/32,10.213.5.0/24 \
		endpoint 198.51.100.77:51822 &&
	ip -n "$G" addr add 10.212.0.1/24 dev wg0 && ip -n "$G" link set wg0 up &&
	ip -n "$G" route add 10.213.0.0/16 dev wg0 &&
	ip -n "$G" route add 10.214.0.0/16 dev wg0 &&
	# P: two peers in one namespace; replies of P2's addresses leave by
	# P2's device (source routing), everything else by P1's.
	ip -n "$P" link add wgp1 type wireguard &&
	ip -n "$P" link add wgp2 type wireguard &&
	nsx "$P" wg set wgp1 private-key "$(wg_keyfile "$KP1_PRIV")" listen-port 51821 \
		peer "$KG_PUB" allowed-ips 10.212.0.0/24,172.29.1.0/24 &&
	nsx "$P" wg set wgp2 private-key "$(wg_keyfile "$KP2_PRIV")" listen-port 51822 \
		peer "$KG_PUB" allowed-ips 10.212.0.0/24,172.29.1.0/24 &&
	ip -n "$P" addr add 10.212.0.2/32 dev wgp1 && ip -n "$P" link set wgp1 up &&
	ip -n "$P" addr add 10.212.0.3/32 dev wgp2 && ip -n "$P" link set wgp2 up &&
	ip -n "$P" route add 10.212.0.0/24 dev wgp1 &&
	ip -n "$P" route add 172.29.1.0/24 dev wgp1 &&
	ip -n "$P" route add 10.212.0.0/24 dev wgp2 table 2 &&
	ip -n "$P" route add 172.29.1.0/24 dev wgp2 table 2 &&
	ip -n "$P" rule add from 10.213.5.0/24 table 2 pref 100 &&
	ip -n "$P" rule add from 10.212.0.3 table 2 pref 101
} || fail_all "cannot configure WireGuard (lab problem)"

both_handshakes() {
	nsx "$G" ping -c 1 -W 1 10.212.0.2 >/dev/null 2>&1
	nsx "$G" ping -c 1 -W 1 10.212.0.3 >/dev/null 2>&1
	handshake_all "$G" wg0
}
wait_until 60 both_handshakes ||
	fail_all "no handshake with both peers in 60 s (lab problem)"

# What wgtrace could leave behind here (the guest is ours alone, so global
# counts are exact): its programs and links, pins, tc filters in trg.
attach_state() {
	echo "wgt programs: $(bpftool prog show 2>/dev/null | grep -c ' name wgt_')"
	echo "links: $(bpftool link show 2>/dev/null | grep -c '^[0-9]')"
	echo "pins: $(find /sys/fs/bpf -name '*wgt*' 2>/dev/null | wc -l)"
	for _d in lo g0 u0 wg0; do
		echo "$_d ingress: $(tc -n "$G" filter show dev "$_d" ingress 2>&1)"
		echo "$_d egress: $(tc -n "$G" filter show dev "$_d" egress 2>&1)"
	done
}
attach_state >"$T/state.base"
detached_ok() {
	attach_state >"$T/state.now"
	diff "$T/state.base" "$T/state.now"
}

# --- running trace --------------------------------------------------------

# trace_alive PID: PID runs (a zombie not yet waited for does not).
trace_alive() {
	[ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

# trace_ready ERRFILE PID: trace says it is tracing, or it has already exited
# (then waiting longer is pointless).
trace_ready() {
	grep -q '^wgtrace: tracing' "$1" || ! trace_alive "$2"
}

# echo_requests NS FAMILY: ICMP echo requests NS has sent, as its kernel
# counts them (Icmp: OutEchos, Icmp6OutEchos).
echo_requests() {
	if [ "$2" = 6 ]; then
		nsx "$1" awk '$1 == "Icmp6OutEchos" { print $2 }' /proc/net/snmp6
	else
		nsx "$1" awk '$1 == "Icmp:" && !seen { seen = split($0, h); next }
			$1 == "Icmp:" { for (i = 2; i <= NF; i++) if (h[i] == "OutEchos") print $i }' \
			/proc/net/snmp
	fi
}

family_of() { case $1 in *:*) echo 6 ;; *) echo 4 ;; esac; }

# trace_run ID MODE DST: trace DST in trg. MODE send: wgtrace sends 3
# probes; fwd: the client pings DST 3 times through trg while trace waits.
# Leaves $T/ID.{json,err,rc,sent,t0,t1} (sent: the kernel's count of trg's
# echo requests, or ping's own "transmitted"; t0/t1: wg0's tx_errors before
# and after) and, for fwd, the client's ping status in ID.ping.
trace_run() {
	_o=$T/$1 _fam=$(family_of "$3")
	wg_counter "$G" wg0 tx_errors >"$_o.t0"
	if [ "$2" = send ]; then
		_n0=$(echo_requests "$G" "$_fam")
		timeout 90 "$WGTRACE" trace "$3" -n "$G" --json --send -c 3 -t 30 \
			>"$_o.json" 2>"$_o.err"
		echo $? >"$_o.rc"
		echo $(($(echo_requests "$G" "$_fam") - _n0)) >"$_o.sent"
	else
		timeout 90 "$WGTRACE" trace "$3" -n "$G" --json -c 3 -t 30 \
			>"$_o.json" 2>"$_o.err" &
		_tp=$!
		wait_until 60 trace_ready "$_o.err" "$_tp"
		if grep -q '^wgtrace: tracing' "$_o.err"; then
			nsx "$C" ping -c 3 -i 0.2 -W 2 "$3" >"$_o.pingout" 2>&1
			echo $? >"$_o.ping"
			awk '/packets transmitted/ { print $1 }' "$_o.pingout" >"$_o.sent"
		else
			echo "trace never said it was tracing" >"$_o.ping"
		fi
		wait "$_tp"
		echo $? >"$_o.rc"
	fi
	wg_counter "$G" wg0 tx_errors >"$_o.t1"
}

# summary ID JQ-EXPR: a value of the run's summary line, as jq -r prints it.
summary() { jq -r "select(.type == \"summary\") | $2" "$T/$1.json" 2>/dev/null; }

# load_summary ID: the summary's fields as S_* variables, with one jq (jq is
# slow under TCG); sets S_N to the number of summary lines.
SUMMARY_JQ='select(.type == "summary") | @sh "S_TABLE=\(.table // "" | tostring) S_OIF=\(.oif // "") S_PREFIX=\(.route_prefix // "") S_GW=\(.gateway // "") S_PEER=\(.peer // "") S_PPFX=\(.peer_prefix // "") S_SHADOW=\(.shadowed_peers // [] | sort | join(",")) S_EP=\(.endpoint // "") S_OOIF=\(.outer_oif // "") S_OTAB=\(.outer_table // "" | tostring) S_REPLY=\(.reply | tostring) S_PACKETS=\(.packets | tostring) S_FINDINGS=\(.findings // [] | join(" ")) S_TX=\(.modes.wg_tx_peer | tostring) S_RULE=\(.modes.policy_rule | tostring) S_CTX=\(.modes.lookup_context | tostring)"'
load_summary() {
	jq -r "$SUMMARY_JQ" "$T/$1.json" >"$T/$1.sum" 2>/dev/null
	S_N=$(wc -l <"$T/$1.sum")
	S_TABLE= S_OIF= S_PREFIX= S_GW= S_PEER= S_PPFX= S_SHADOW= S_EP= S_OOIF= S_OTAB=
	S_REPLY= S_PACKETS= S_FINDINGS= S_TX= S_RULE= S_CTX=
	[ "$S_N" = 1 ] && eval "$(cat "$T/$1.sum")"
}

KNOWN_IDS="route_bypass no_peer peer_shadowed tunnel_loop v6_leak v6_blackhole"

# cmp1 FIELD WANT GOT: a difference in the path (fails the scenario).
cmp1() {
	[ "$2" = "$3" ] && return 0
	echo "$1: wgtrace '$3', kernel/wg '$2'"
	_bad=1
}
# side FIELD WANT GOT: gateway, reply, packets get checks of their own.
side() {
	echo "$_id" >>"$T/side-$1.runs"
	[ "$2" = "$3" ] && return 0
	echo "$_id: wgtrace '$3', kernel/ping '$2'" >>"$T/side-$1"
}

# expect ID MODE DST FINDINGS-WANTED: compare the run's summary with the
# kernel's and wg's answers. FINDINGS-WANTED: "none" (findings must be
# empty) or ids that must be among the findings; no other id of
# KNOWN_IDS may be there.
expect() {
	_id=$1 _mode=$2 _dst=$3 _wf=$4 _o=$T/$1 _bad=0
	_rc=$(cat "$_o.rc")
	load_summary "$_id"
	if [ "$_rc" != 0 ] || [ "$S_N" != 1 ]; then
		echo "exit status $_rc, $S_N summary lines (want 0 and 1); stderr:"
		grep -v '^libbpf' "$_o.err" | sed 's/^/  /'
		return 1
	fi
	if [ "$_mode" = fwd ]; then
		_src=172.29.1.2
		[ "$(family_of "$_dst")" = 6 ] && _src=fd00:29::2
		route_expect "$G" "$_dst" from "$_src" iif g0
	else
		route_expect "$G" "$_dst"
	fi
	_wt=$RT_TABLE _wo=$RT_OIF _wp=$RT_PREFIX _wgw=$RT_GW
	_wpeer= _wppfx= _wsh= _wep= _wooif= _wotab=
	[ -n "$RT_ERR" ] && echo "  (ip route get: $RT_ERR)"
	if [ "$_wo" = wg0 ]; then
		wg_lpm "$G" wg0 "$_dst" >"$_o.lpm"
		_wpeer=$(head -n 1 "$_o.lpm" | cut -d' ' -f1)
		_wppfx=$(head -n 1 "$_o.lpm" | cut -d' ' -f2)
		_wsh=$(tail -n +2 "$_o.lpm" | sort | paste -sd, -)
		if [ -n "$_wpeer" ]; then
			_wep=$(nsx "$G" wg show wg0 endpoints |
				awk -v k="$_wpeer" '$1 == k { print $2 }' |
				sed -e 's/:[0-9]*$//' -e 's/^\[//' -e 's/\]$//')
			_fw=$(nsx "$G" wg show wg0 fwmark)
			[ "$_fw" = off ] && _fw=0
			if [ -n "$_wep" ] && [ "$_wep" != "(none)" ]; then
				route_expect "$G" "$_wep" mark "$((_fw))"
				_wooif=$RT_OIF _wotab=$RT_TABLE
			fi
		fi
	fi
	cmp1 table "$_wt" "$S_TABLE"
	cmp1 oif "$_wo" "$S_OIF"
	cmp1 route_prefix "$_wp" "$S_PREFIX"
	cmp1 peer "$_wpeer" "$S_PEER"
	cmp1 peer_prefix "$_wppfx" "$S_PPFX"
	cmp1 shadowed_peers "$_wsh" "$S_SHADOW"
	cmp1 endpoint "$_wep" "$S_EP"
	cmp1 outer_oif "$_wooif" "$S_OOIF"
	cmp1 outer_table "$_wotab" "$S_OTAB"
	side gateway "$_wgw" "$S_GW"

	if [ "$_mode" = fwd ]; then
		[ "$(cat "$_o.ping")" = 0 ] && _wr=true || _wr=false
	else
		nsx "$G" ping -c 1 -W 2 "$_dst" >/dev/null 2>&1 && _wr=true || _wr=false
	fi
	side reply "$_wr" "$S_REPLY"
	[ "$_wr" = "$S_REPLY" ] ||
		jq -c 'select(.type == "step")' "$_o.json" | sed 's/^/  /' >>"$T/side-reply"
	# Echo requests were sent: none counted is a broken lab, not agreement.
	_sent=$(cat "$_o.sent" 2>/dev/null)
	[ "${_sent:-0}" -gt 0 ] 2>/dev/null || _sent="(lab: '${_sent:-nothing}' echo requests counted)"
	side packets "$_sent" "$S_PACKETS"
	echo "$_id $S_TX $S_RULE $S_CTX" >>"$T/modes"

	_got=$S_FINDINGS
	if [ "$_wf" = none ]; then
		cmp1 findings "" "$_got"
	else
		for _f in $_wf; do
			case " $_got " in *" $_f "*) ;; *) cmp1 findings "has $_f" "$_got" ;; esac
		done
		for _f in $KNOWN_IDS; do
			case " $_wf " in *" $_f "*) continue ;; esac
			case " $_got " in *" $_f "*) cmp1 findings "no $_f" "$_got" ;; esac
		done
	fi
	if [ $_bad = 1 ]; then
		jq -c 'select(.type == "step" or .type == "summary")' "$_o.json" |
			sed 's/^/  /'
		return 1
	fi
	return 0
}

# scenario NAME DST FINDINGS MODES...: trace and compare, one check per mode.
scenario() {
	_sn=$1 _sd=$2 _sf=$3
	shift 3
	for _m in "$@"; do
		_s0=$(uptime_s)
		trace_run "$_sn-$_m" "$_m" "$_sd"
		info "trace $_sn-$_m: $(($(uptime_s) - _s0)) s"
		check "trace-$_sn-$_m" "summary differs from the kernel's view" \
			expect "$_sn-$_m" "$_m" "$_sd" "$_sf"
	done
}

# --- split tunnel ---------------------------------------------------------
scenario split 10.213.1.1 none send fwd		# P1, /16, no rival
scenario overlap-in 10.213.5.1 peer_shadowed send	# P2's /24 inside P1's /16
scenario overlap-out 10.213.4.1 none send	# outside the /24: P1
scenario bypass 203.0.113.77 route_bypass send	# P1's AllowedIPs, no route: u0
scenario nopeer 10.214.0.5 no_peer send fwd	# routed into wg0, no peer has it

# The kernel counts every packet wg_xmit found no peer for in tx_errors.
tx_errors_ok() {
	_ok=0
	for _r in nopeer-send nopeer-fwd; do
		_d=$(($(cat "$T/$_r.t1") - $(cat "$T/$_r.t0")))
		_s=$(cat "$T/$_r.sent" 2>/dev/null)
		_p=$(summary "$_r" '.packets')
		if [ "$_d" -le 0 ] || [ "$_d" != "$_s" ] || [ "$_p" != "$_d" ]; then
			echo "$_r: wg0 tx_errors grew by $_d, $_s echo requests sent, wgtrace saw $_p packets"
			_ok=1
		fi
	done
	return $_ok
}
check trace-nopeer-tx-errors "wg0's tx_errors, the packets sent and wgtrace's count differ" \
	tx_errors_ok

# --- wg-quick style full tunnel (IPv4 only) -----------------------------------
{
	nsx "$G" wg set wg0 fwmark 51820 \
		peer "$KP1_PUB" allowed-ips 10.212.0.2/32,10.213.0.0/16,0.0.0.0/0 &&
	ip -n "$G" route add default dev wg0 table 51820 &&
	ip -n "$G" rule add not fwmark 51820 table 51820 &&
	ip -n "$G" rule add table main suppress_prefixlength 0
} || fail_all "cannot set up the full tunnel (lab problem)"
scenario full 203.0.113.77 none send fwd	# table 51820, P1 via 0.0.0.0/0, outer via u0
scenario full-overlap 10.213.5.1 peer_shadowed send	# P1 has two prefixes over it: one rival
scenario v6leak 2001:db8:7e::1 v6_leak send	# IPv6 leaves by u0

# --- full tunnel without the endpoint exception ---------------------------
# wg-quick's rules with the device's fwmark unset: the outer packet is
# unmarked, "not fwmark 51820" sends it to table 51820, into wg0 (the kernel
# refuses to loop and drops it). A fresh peer P3 takes 0.0.0.0/0, as in the
# netns test.
{
	nsx "$G" wg set wg0 fwmark 0 \
		peer "$KP1_PUB" allowed-ips 10.212.0.2/32,10.213.0.0/16 \
		peer "$KP3_PUB" allowed-ips 0.0.0.0/0 endpoint 198.51.100.77:51823
} || fail_all "cannot set up the looping full tunnel (lab problem)"
scenario loop 203.0.113.77 tunnel_loop send fwd

# Then no policy rules at all (as after wg-quick down), the main table's
# default route into wg0, no host route for the endpoint.
{
	ip -n "$G" rule del table main suppress_prefixlength 0 &&
	ip -n "$G" rule del not fwmark 51820 table 51820 &&
	ip -n "$G" route del default dev wg0 table 51820 &&
	ip -n "$G" route replace default dev wg0
} || fail_all "cannot set up the plain looping full tunnel (lab problem)"
scenario loop-plain 203.0.113.77 tunnel_loop send

# --- modes: this kernel hooks WireGuard itself -------------------------------
# lookup_context: the kernel stack tells its own lookups (reverse-path
# checks, ICMP errors) from packets; timing under TCG cannot. WireGuard's
# peer choice by fentry where the module has BTF (5.11+), else by kprobe.
WANT_WG=kprobe
[ -e /sys/kernel/btf/wireguard ] && WANT_WG=fentry
modes_ok() {
	[ -s "$T/modes" ] || { echo "no run to look at"; return 1; }
	awk -v wg="$WANT_WG" '$2 != wg || $3 != "fentry" || $4 != "tracepoint" {
		print $1 ": wg_tx_peer " $2 ", policy_rule " $3 ", lookup_context " $4 " (want " wg ", fentry, tracepoint)"; bad = 1 }
		END { exit bad }' "$T/modes"
}
check trace-modes "a better hook not used where this kernel allows it" modes_ok

# The JSON contract (man page): every stdout line is an object with a known
# "type"; every finding has the fields the contract names.
check trace-json-contract "--json output breaks the JSON Lines contract" json_contract_ok "$T"

side_ok() {
	[ -s "$T/side-$1.runs" ] || { echo "no run compared $1"; return 1; }
	[ -s "$T/side-$1" ] || return 0
	cat "$T/side-$1"
	return 1
}
check trace-gateway "gateway differs from 'ip route get'" side_ok gateway
check trace-reply "reply differs from what ping saw" side_ok reply
check trace-packets "packets differs from the echo requests sent" side_ok packets

# --- netns scope: lookups in another namespace are not this trace's -----------
# trx has no route at all: its lookups for the same address fail (no
# nexthop, no device). They must not become trg's route decision.
netns_scope_ok() {
	_o=$T/scope
	timeout 90 "$WGTRACE" trace 203.0.113.77 -n "$G" --json -c 3 -t 30 \
		>"$_o.json" 2>"$_o.err" &
	_tp=$!
	wait_until 60 trace_ready "$_o.err" "$_tp"
	nsx "$X" ping -c 1 -W 1 203.0.113.77 >/dev/null 2>&1
	ip -n "$X" route get 203.0.113.77 >/dev/null 2>&1
	nsx "$C" ping -c 3 -i 0.2 -W 2 203.0.113.77 >/dev/null 2>&1
	wait "$_tp"
	route_expect "$G" 203.0.113.77 from 172.29.1.2 iif g0
	_got=$(jq -r 'select(.type == "summary") |
		"\(.table) \(.oif) \(.route_prefix) \(.findings | index("route_bypass") != null)"' "$_o.json")
	[ "$_got" = "$RT_TABLE $RT_OIF $RT_PREFIX false" ] && return 0
	echo "after failed lookups in another namespace: wgtrace says '$_got'" \
		"(table oif prefix route_bypass?), trg's kernel: table $RT_TABLE" \
		"dev $RT_OIF prefix $RT_PREFIX"
	jq -c 'select(.type == "step" and .step == "route")' "$_o.json"
	return 1
}
check trace-netns-scope "a route lookup in another namespace became the gateway's decision" \
	netns_scope_ok

# --- nothing stays attached -------------------------------------------------
check trace-detached "something of wgtrace stays attached after its runs" detached_ok

sigint_ok() {
	_o=$T/sigint
	timeout 120 "$WGTRACE" trace 10.213.1.1 -n "$G" --json -t 100 >"$_o.json" 2>"$_o.err" &
	_tp=$!
	wait_until 60 trace_ready "$_o.err" "$_tp"
	if ! grep -q '^wgtrace: tracing' "$_o.err"; then
		echo "trace never started:"
		cat "$_o.err"
		kill -KILL "$_tp"
		wait "$_tp"
		return 1
	fi
	_np=$(bpftool prog show 2>/dev/null | grep -c ' name wgt_')
	if [ "$_np" = 0 ]; then
		echo "while tracing, no wgt_ program is loaded: nothing to detach?"
		kill -KILL "$_tp"
		wait "$_tp"
		return 1
	fi
	kill -INT "$_tp"
	wait_until 20 eval '! trace_alive '"$_tp" ||
		{ echo "still running 20 s after SIGINT"; kill -KILL "$_tp"; }
	wait "$_tp"
	_rc=$?
	[ $_rc = 0 ] || { echo "exit status $_rc after SIGINT (want 0)"; return 1; }
	[ "$(jq -r 'select(.type == "summary") | .type' "$_o.json")" = summary ] ||
		{ echo "no summary line after SIGINT"; return 1; }
	detached_ok
}
check trace-sigint "SIGINT did not stop trace cleanly" sigint_ok

# --- bad input: one line on stderr, exit 2 (usage) or 1 (runtime), nothing attached
bad_input() {	# WANT-RC GREP CMD...
	_want=$1 _pat=$2
	shift 2
	timeout 60 "$@" >"$T/bad.out" 2>"$T/bad.err"
	_rc=$?
	_n=$(wc -l <"$T/bad.err")
	_ok=0
	[ "$_rc" = "$_want" ] || { echo "exit status $_rc, want $_want"; _ok=1; }
	[ "$_n" = 1 ] || { echo "$_n lines on stderr, want 1"; _ok=1; }
	grep -qiE "$_pat" "$T/bad.err" || { echo "stderr does not mention /$_pat/"; _ok=1; }
	[ -s "$T/bad.out" ] && { echo "stdout not empty"; _ok=1; }
	detached_ok || { echo "something stayed attached"; _ok=1; }
	[ $_ok = 0 ] || sed 's/^/  stderr: /' "$T/bad.err"
	return $_ok
}
check trace-bad-netns "an unknown netns is not a clean usage error" \
	bad_input 2 "trnonexistent" "$WGTRACE" trace 10.213.1.1 -n trnonexistent --json
check trace-no-wg "a namespace without WireGuard is not a clean runtime error" \
	bad_input 1 "wireguard" "$WGTRACE" trace 10.213.1.1 -n "$X" --json
# busybox's setpriv cannot change the uid; a user namespace (unshare -r)
# gives root and every capability, but only over namespaces it owns: the
# gateway's namespace and BPF stay out of reach.
if setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all true 2>/dev/null; then
	check trace-unprivileged "an unprivileged run is not a clean runtime error" \
		bad_input 1 "root|privilege|permission|CAP_" setpriv --reuid=65534 \
		--regid=65534 --clear-groups --inh-caps=-all "$WGTRACE" trace 10.213.1.1 \
		-n "$G" --json
elif unshare -r true 2>/dev/null; then
	check trace-unprivileged "a run without privileges over trg is not a clean runtime error" \
		bad_input 1 "root|privilege|permission|CAP_" unshare -r "$WGTRACE" trace \
		10.213.1.1 -n "$G" --json
else
	skip trace-unprivileged "neither setpriv nor unshare -r can drop privileges here"
fi
exit 0
