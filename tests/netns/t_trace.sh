#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace trace DEST -n GATEWAY --json` on the host kernel (no fentry, no
# kprobes, no WireGuard module: userspace wireguard-go, the tc + inventory
# fallbacks), against what the kernel and wg(8) say:
#   route (table, oif, prefix)   `ip route get` / `ip route get fibmatch`
#                                with the flow's mark and iif
#   peer, prefix, shadowed       longest-prefix match over `wg show DEV allowed-ips`
#   gateway                      `ip route get`
#   endpoint, outer route        `wg show DEV endpoints`, `ip route get EP mark FWMARK`
#   reply                        ping's own result
#   packets                      the gateway's Icmp OutEchos (--send), or the
#                                client ping's "transmitted"
# Each topology is traced twice: with --send (probes from the gateway) and
# without (a client pings through the gateway while trace waits). Then: the
# JSON Lines contract, the host's fallback modes, the trace's scope to its
# namespace, nothing left attached (after runs, SIGINT, SIGKILL), and bad
# input (one line on stderr, exit 2 for usage, 1 at run time).
#
#   C (client) --c0/g0-- G (gateway, DEV_G) --u0/u0-- P (the "internet" and
#                                                      two peers DEV_P1, DEV_P2)
#   C: 172.29.1.2/24, fd00:29::2/64      P lo: endpoints 198.51.100.77:51821/2,
#   G: g0 172.29.1.1, u0 192.0.2.177/24,       remote LANs 10.213.{1,4,5}.1,
#      2001:db8:77::1/64, DEV_G 10.212.0.1       "internet" 203.0.113.77,
#                                                2001:db8:7e::1
#   G's peers: P1 10.213.0.0/16 (+203.0.113.0/24 in AllowedIPs, never routed)
#              P2 10.213.5.0/24 (inside P1's /16)
#   G's routes: 10.213.0.0/16 and 10.214.0.0/16 (no peer has it) into DEV_G,
#               default via P on u0.
. "$(dirname "$0")/lib.sh"

CHECKS="trace-split-send trace-split-fwd trace-overlap-in-send trace-overlap-in-fwd
	trace-overlap-out-send trace-overlap-out-fwd trace-bypass-send trace-bypass-fwd
	trace-nopeer-send trace-nopeer-fwd trace-many-peers-send trace-full-send trace-full-fwd
	trace-full-overlap-send trace-v6leak-send trace-v6leak-fwd trace-loop-send
	trace-loop-fwd trace-loop-plain-send trace-loop-plain-fwd trace-modes
	trace-json-contract trace-gateway trace-reply trace-packets trace-netns-scope
	trace-detached trace-sigint trace-sigkill-leftovers trace-bad-dest
	trace-bad-netns trace-no-wg trace-unprivileged trace-userns"

require_root trace
require_cmd trace wireguard-go wg jq ip ping bpftool tc setpriv unshare timeout
# One result per name in CHECKS, also when the lab breaks (fail_all).
plan "$(wc -w <<<"$CHECKS")"
"$WGTRACE" trace --help >/dev/null 2>&1 || fail_all "$WGTRACE has no 'trace' command"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup' EXIT

# --- topology -----------------------------------------------------------
ns_new C
ns_new G
ns_new P
wg_devname DEV_G
wg_devname DEV_P1
wg_devname DEV_P2
{
	veth_pair "$C" c0 "$G" g0 && veth_pair "$G" u0 "$P" u0 &&
	ip -n "$C" addr add 172.29.1.2/24 dev c0 &&
	ip -n "$C" addr add fd00:29::2/64 dev c0 nodad &&
	ip -n "$C" route add default via 172.29.1.1 &&
	ip -n "$C" -6 route add default via fd00:29::1 &&
	ip -n "$G" addr add 172.29.1.1/24 dev g0 &&
	ip -n "$G" addr add fd00:29::1/64 dev g0 nodad &&
	ip -n "$G" addr add 192.0.2.177/24 dev u0 &&
	ip -n "$G" addr add 2001:db8:77::1/64 dev u0 nodad &&
	ip -n "$G" route add default via 192.0.2.178 &&
	ip -n "$G" -6 route add default via 2001:db8:77::2 &&
	ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
	ip -n "$P" addr add 192.0.2.178/24 dev u0 &&
	ip -n "$P" addr add 2001:db8:77::2/64 dev u0 nodad &&
	ip -n "$P" -6 route add fd00:29::/64 via 2001:db8:77::1 &&
	for a in 198.51.100.77 10.213.1.1 10.213.4.1 10.213.5.1 203.0.113.77; do
		ip -n "$P" addr add "$a/32" dev lo || break
	done &&
	ip -n "$P" addr add 2001:db8:7e::1/128 dev lo
} || fail_all "cannot build the namespaces (lab problem)"

wggo_start "$G" "$DEV_G" && wggo_start "$P" "$DEV_P1" && wggo_start "$P" "$DEV_P2" ||
	fail_all "wireguard-go did not start (lab problem)"
wg_keys PRIV_G PUB_G
wg_keys PRIV_P1 PUB_P1
wg_keys PRIV_P2 PUB_P2
wg_keys PRIV_P3 PUB_P3	# a peer nobody serves (the loop test)
(umask 077 && for k in G P1 P2; do v=PRIV_$k; echo "${!v}" >"$tmp/$k.key"; done)
{
	ip netns exec "$G" wg set "$DEV_G" private-key "$tmp/G.key" listen-port 51820 \
		peer "$PUB_P1" allowed-ips 10.212.0.2/32,10.213.0.0/16,203.0.113.0/24 \
		endpoint 198.51.100.77:51821 \
		peer "$PUB_P2" allowed-ips 10.212.0.3/32,10.213.5.0/24 \
		endpoint 198.51.100.77:51822 &&
	ip -n "$G" addr add 10.212.0.1/24 dev "$DEV_G" && ip -n "$G" link set "$DEV_G" up &&
	ip -n "$G" route add 10.213.0.0/16 dev "$DEV_G" &&
	ip -n "$G" route add 10.214.0.0/16 dev "$DEV_G" &&
	# P: two peers in one namespace; replies of P2's addresses leave by
	# P2's device (source routing), everything else by P1's.
	ip netns exec "$P" wg set "$DEV_P1" private-key "$tmp/P1.key" listen-port 51821 \
		peer "$PUB_G" allowed-ips 10.212.0.0/24,172.29.1.0/24 &&
	ip netns exec "$P" wg set "$DEV_P2" private-key "$tmp/P2.key" listen-port 51822 \
		peer "$PUB_G" allowed-ips 10.212.0.0/24,172.29.1.0/24 &&
	ip -n "$P" addr add 10.212.0.2/32 dev "$DEV_P1" && ip -n "$P" link set "$DEV_P1" up &&
	ip -n "$P" addr add 10.212.0.3/32 dev "$DEV_P2" && ip -n "$P" link set "$DEV_P2" up &&
	ip -n "$P" route add 10.212.0.0/24 dev "$DEV_P1" &&
	ip -n "$P" route add 172.29.1.0/24 dev "$DEV_P1" &&
	ip -n "$P" route add 10.212.0.0/24 dev "$DEV_P2" table 2 &&
	ip -n "$P" route add 172.29.1.0/24 dev "$DEV_P2" table 2 &&
	ip -n "$P" rule add from 10.213.5.0/24 table 2 pref 100 &&
	ip -n "$P" rule add from 10.212.0.3 table 2 pref 101
} || fail_all "cannot configure WireGuard (lab problem)"

both_handshakes() {
	ip netns exec "$G" ping -c 1 -W 1 10.212.0.2 >/dev/null 2>&1
	ip netns exec "$G" ping -c 1 -W 1 10.212.0.3 >/dev/null 2>&1
	ip netns exec "$G" wg show "$DEV_G" latest-handshakes |
		awk '$2 == 0 { z = 1 } END { exit (NR != 2 || z) }'
}
wait_until 30 both_handshakes || fail_all "no handshake with both peers in 30 s (lab problem)"

# --- nothing stays attached -------------------------------------------------
# What wgtrace could leave behind: clsact filters on the devices of a
# namespace (bpftool net, tc filter), and programs or links no process holds
# (a clsact filter holds its program without a file descriptor; a pin holds
# what it pins, so a pin of wgtrace's shows up here too). tcx links (6.6+)
# go with their last fd; bpftool 7.1 cannot show them by device, the
# holder's /proc/PID/fdinfo can. Other engineers' wgtrace runs and pins come
# and go on this host (and bpftool 7.1 shows no pids), so programs and links
# are judged by their holders (the prog_id/link_id of every open BPF fd in
# /proc/*/fdinfo), not by global counts.
attach_state() {	# NS
	local d
	ip netns exec "$1" bpftool net show 2>&1 | grep -v '^$'
	for d in $(ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
		echo "$d ingress: $(tc -n "$1" filter show dev "$d" ingress 2>&1)"
		echo "$d egress: $(tc -n "$1" filter show dev "$d" egress 2>&1)"
	done
}
# tc_attached_by NS PID: how many tc programs PID (or its child: PID may be
# timeout(1)) has attached in NS: its tcx links, or wgt_ clsact filters there.
tc_attached_by() {
	local n p pids=$2
	for p in $(cat /proc/"$2"/task/*/children 2>/dev/null); do pids="$pids $p"; done
	n=0
	for p in $pids; do
		n=$((n + $(grep -l 'link_type:.*tcx' /proc/"$p"/fdinfo/* 2>/dev/null | wc -l)))
	done
	n=$((n + $(ip netns exec "$1" bpftool net show 2>/dev/null | grep -c 'wgt_')))
	echo $n
}
max_wgt_ids() {	# the highest wgt_ program id and the highest link id now
	echo "$(bpftool prog show -j 2>/dev/null |
		jq '[.[] | select((.name // "") | startswith("wgt_")) | .id] | max // 0')" \
		"$(bpftool link show -j 2>/dev/null | jq '[.[].id] | max // 0')"
}
# orphans_since "PROG_ID LINK_ID": wgt_ programs, and links to wgt_
# programs, newer than those ids that no process holds.
orphans_since() {
	local held_p held_l wgt
	set -- $1
	held_p=,$(cat /proc/[0-9]*/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }' |
		sort -u | paste -sd, -),
	held_l=,$(cat /proc/[0-9]*/fdinfo/* 2>/dev/null | awk '$1 == "link_id:" { print $2 }' |
		sort -u | paste -sd, -),
	wgt=$(bpftool prog show -j 2>/dev/null |
		jq -c '[.[] | select((.name // "") | startswith("wgt_")) | .id]')
	bpftool prog show -j 2>/dev/null | jq -r --argjson min "$1" --arg held "$held_p" \
		'.[] | select((.name // "") | startswith("wgt_")) | select(.id > $min) |
		 select(.id as $i | $held | contains(",\($i),") | not) | "program \(.id) \(.name)"'
	bpftool link show -j 2>/dev/null | jq -r --argjson min "$2" --arg held "$held_l" \
		--argjson wgt "$wgt" '.[] | select(.id > $min) | select(.prog_id as $p | $wgt | index($p)) |
		 select(.id as $i | $held | contains(",\($i),") | not) | "link \(.id) (type \(.type))"'
}
# detached_ok: G (and X) look as they did before wgtrace ran, and no
# wgtrace program or link made since ID_MARK lives on without a holder.
detached_ok() {
	local ok=0 orph
	attach_state "$G" >"$tmp/state.now"
	diff "$tmp/state.base" "$tmp/state.now" || ok=1
	if [ -n "${X:-}" ]; then
		attach_state "$X" >"$tmp/state.now.x"
		diff "$tmp/state.base.x" "$tmp/state.now.x" || ok=1
	fi
	orph=$(orphans_since "$ID_MARK")
	[ -n "$orph" ] && { echo "no process holds:" $orph; ok=1; }
	return $ok
}
attach_state "$G" >"$tmp/state.base"
ID_MARK=$(max_wgt_ids)

# --- running trace ------------------------------------------------------

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
		ip netns exec "$1" awk '$1 == "Icmp6OutEchos" { print $2 }' /proc/net/snmp6
	else
		ip netns exec "$1" awk '$1 == "Icmp:" && !seen { seen = split($0, h); next }
			$1 == "Icmp:" { for (i = 2; i <= NF; i++) if (h[i] == "OutEchos") print $i }' \
			/proc/net/snmp
	fi
}

# trace_run ID MODE DST: trace DST in G. MODE send: wgtrace sends 3 probes;
# fwd: the client pings DST 3 times through G while trace waits. Leaves
# $tmp/ID.{json,err,rc}, the packets sent toward DST in ID.sent (the
# kernel's count of G's echo requests, or ping's own "transmitted") and,
# for fwd, the client's ping status in ID.ping.
trace_run() {
	local id=$1 mode=$2 dst=$3 o=$tmp/$1 tp fam=4 n0
	case $dst in *:*) fam=6 ;; esac
	if [ "$mode" = send ]; then
		n0=$(echo_requests "$G" $fam)
		timeout 30 "$WGTRACE" trace "$dst" -n "$G" --json --send -c 3 -t 8 \
			>"$o.json" 2>"$o.err"
		echo $? >"$o.rc"
		echo $(($(echo_requests "$G" $fam) - n0)) >"$o.sent"
		return
	fi
	timeout 30 "$WGTRACE" trace "$dst" -n "$G" --json -c 3 -t 8 >"$o.json" 2>"$o.err" &
	tp=$!
	wait_until 10 trace_ready "$o.err" "$tp"
	if grep -q '^wgtrace: tracing' "$o.err"; then
		ip netns exec "$C" ping -c 3 -i 0.2 -W 1 "$dst" >"$o.pingout" 2>&1
		echo $? >"$o.ping"
		awk '/packets transmitted/ { print $1 }' "$o.pingout" >"$o.sent"
	else
		echo "trace never said it was tracing" >"$o.ping"
	fi
	wait "$tp"
	echo $? >"$o.rc"
}

# load_summary ID: the summary's fields as S_* variables, with one jq;
# sets S_N to the number of summary lines.
SUMMARY_JQ='select(.type == "summary") | @sh "S_TABLE=\(.table // "" | tostring) S_OIF=\(.oif // "") S_PREFIX=\(.route_prefix // "") S_GW=\(.gateway // "") S_PEER=\(.peer // "") S_PPFX=\(.peer_prefix // "") S_SHADOW=\(.shadowed_peers // [] | sort | join(",")) S_EP=\(.endpoint // "") S_OOIF=\(.outer_oif // "") S_OTAB=\(.outer_table // "" | tostring) S_REPLY=\(.reply | tostring) S_PACKETS=\(.packets | tostring) S_FINDINGS=\(.findings // [] | join(" ")) S_TX=\(.modes.wg_tx_peer | tostring) S_RULE=\(.modes.policy_rule | tostring) S_CTX=\(.modes.lookup_context | tostring)"'
load_summary() {
	jq -r "$SUMMARY_JQ" "$tmp/$1.json" >"$tmp/$1.sum" 2>/dev/null
	S_N=$(wc -l <"$tmp/$1.sum")
	S_TABLE= S_OIF= S_PREFIX= S_GW= S_PEER= S_PPFX= S_SHADOW= S_EP= S_OOIF= S_OTAB=
	S_REPLY= S_PACKETS= S_FINDINGS= S_TX= S_RULE= S_CTX=
	[ "$S_N" = 1 ] && eval "$(cat "$tmp/$1.sum")"
}

# expect ID MODE DST FINDINGS-WANTED: compare the run's summary with the
# kernel's and wg's answers: route, peer, outer and findings here; gateway,
# reply and packets are collected in $tmp/side-FIELD for checks of their own. FINDINGS-WANTED: "none" (findings must be
# empty) or ids that must be among the findings; no other id of the
# catalogue below may be there. Prints one line per difference; returns 1
# when there was any.
KNOWN_IDS="route_bypass no_peer peer_shadowed tunnel_loop v6_leak v6_blackhole"
expect() {
	local id=$1 mode=$2 dst=$3 want_f=$4 o=$tmp/$1 bad=0 src fam=4
	local w_table w_oif w_prefix w_gw w_peer= w_ppfx= w_shadow= w_ep= w_ooif= w_otable=
	local fw lpm got f rc n want_reply
	case $dst in *:*) fam=6 ;; esac
	rc=$(cat "$o.rc")
	load_summary "$id"
	if [ "$rc" != 0 ] || [ "$S_N" != 1 ]; then
		echo "exit status $rc, $S_N summary lines (want 0 and 1); stderr:"
		sed 's/^/  /' "$o.err"
		return 1
	fi

	# The kernel's route for the same flow: from the client in on g0, or
	# locally generated (no mark: trace --send uses none here).
	if [ "$mode" = fwd ]; then
		src=172.29.1.2
		[ $fam = 6 ] && src=fd00:29::2
		route_expect "$G" "$dst" from "$src" iif g0
	else
		route_expect "$G" "$dst"
	fi
	w_table=$RT_TABLE w_oif=$RT_OIF w_prefix=$RT_PREFIX w_gw=$RT_GW
	[ -n "$RT_ERR" ] && echo "  (ip route get: $RT_ERR)"
	if [ "$w_oif" = "$DEV_G" ]; then
		lpm=$(wg_lpm "$G" "$DEV_G" "$dst")
		read -r w_peer w_ppfx <<<"$(head -n 1 <<<"$lpm")"
		w_shadow=$(tail -n +2 <<<"$lpm" | sort | paste -sd, -)
		if [ -n "$w_peer" ]; then
			w_ep=$(ip netns exec "$G" wg show "$DEV_G" endpoints |
				awk -v k="$w_peer" '$1 == k { print $2 }' |
				sed -e 's/:[0-9]*$//' -e 's/^\[//' -e 's/\]$//')
			fw=$(ip netns exec "$G" wg show "$DEV_G" fwmark)
			[ "$fw" = off ] && fw=0
			if [ -n "$w_ep" ] && [ "$w_ep" != "(none)" ]; then
				route_expect "$G" "$w_ep" mark "$((fw))"
				w_ooif=$RT_OIF w_otable=$RT_TABLE
			fi
		fi
	fi

	cmp1() {	# FIELD WANT GOT
		[ "$2" = "$3" ] && return 0
		echo "$1: wgtrace '$3', kernel/wg '$2'"
		bad=1
	}
	# Fields beyond the path itself get checks of their own (see below).
	side() {	# FIELD WANT GOT
		echo "$id" >>"$tmp/side-$1.runs"
		[ "$2" = "$3" ] && return 0
		echo "$id: wgtrace '$3', kernel/ping '$2'" >>"$tmp/side-$1"
	}
	cmp1 table "$w_table" "$S_TABLE"
	cmp1 oif "$w_oif" "$S_OIF"
	cmp1 route_prefix "$w_prefix" "$S_PREFIX"
	side gateway "$w_gw" "$S_GW"
	cmp1 peer "$w_peer" "$S_PEER"
	cmp1 peer_prefix "$w_ppfx" "$S_PPFX"
	cmp1 shadowed_peers "$w_shadow" "$S_SHADOW"
	cmp1 endpoint "$w_ep" "$S_EP"
	cmp1 outer_oif "$w_ooif" "$S_OOIF"
	cmp1 outer_table "$w_otable" "$S_OTAB"

	# The reply: did ping (the client's, or the gateway's own) get one?
	if [ "$mode" = fwd ]; then
		[ "$(cat "$o.ping")" = 0 ] && want_reply=true || want_reply=false
	else
		ip netns exec "$G" ping -c 1 -W 1 "$dst" >/dev/null 2>&1 &&
			want_reply=true || want_reply=false
	fi
	side reply "$want_reply" "$S_REPLY"
	# Echo requests were sent: none counted is a broken lab, not agreement.
	n=$(cat "$o.sent" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] 2>/dev/null || n="(lab: '${n:-nothing}' echo requests counted)"
	side packets "$n" "$S_PACKETS"
	echo "$id $S_TX $S_RULE $S_CTX" >>"$tmp/modes"

	got=$S_FINDINGS
	if [ "$want_f" = none ]; then
		cmp1 findings "" "$got"
	else
		for f in $want_f; do
			case " $got " in *" $f "*) ;; *) cmp1 findings "has $f" "$got" ;; esac
		done
		for f in $KNOWN_IDS; do
			case " $want_f " in *" $f "*) continue ;; esac
			case " $got " in *" $f "*) cmp1 findings "no $f" "$got" ;; esac
		done
	fi
	if [ $bad = 1 ]; then
		jq -c 'select(.type == "step" or .type == "summary")' "$o.json" |
			sed 's/^/  /'
		return 1
	fi
}

# scenario NAME DST FINDINGS MODES...: trace and compare, one check per mode.
scenario() {
	local name=$1 dst=$2 want_f=$3 m
	shift 3
	for m in "$@"; do
		trace_run "$name-$m" "$m" "$dst"
		check "trace-$name-$m" "summary differs from the kernel's view" \
			expect "$name-$m" "$m" "$dst" "$want_f"
	done
}

# --- split tunnel ---------------------------------------------------------
scenario split 10.213.1.1 none send fwd		# P1, /16, no rival
scenario overlap-in 10.213.5.1 peer_shadowed send fwd	# P2's /24 inside P1's /16
scenario overlap-out 10.213.4.1 none send fwd	# outside the /24: P1
scenario bypass 203.0.113.77 route_bypass send fwd	# P1's AllowedIPs, no route: u0
scenario nopeer 10.214.0.5 no_peer send fwd	# routed into DEV_G, no peer has it

# A gateway with more peers (with endpoints) than the kernel's trace filter
# holds: the peers that can carry the destination are still followed.
many_peers() {	# add|remove
	local i
	for i in $(seq 1 80); do
		if [ "$1" = add ]; then
			head -c 32 /dev/urandom | base64 >"$tmp/many.$i"
			echo "peer $(cat "$tmp/many.$i") endpoint 198.51.100.$((100 + i)):$((52000 + i)) allowed-ips 10.250.$i.0/24"
		else
			echo "peer $(cat "$tmp/many.$i") remove"
		fi
	done | xargs ip netns exec "$G" wg set "$DEV_G"
}
many_peers add || fail_all "cannot add 80 peers (lab problem)"
scenario many-peers 10.213.5.1 peer_shadowed send	# P2 among 82 peers
many_peers remove || fail_all "cannot remove the 80 peers (lab problem)"

# --- wg-quick style full tunnel (IPv4 only) -----------------------------------
{
	ip netns exec "$G" wg set "$DEV_G" fwmark 51820 \
		peer "$PUB_P1" allowed-ips 10.212.0.2/32,10.213.0.0/16,0.0.0.0/0 &&
	ip -n "$G" route add default dev "$DEV_G" table 51820 &&
	ip -n "$G" rule add not fwmark 51820 table 51820 &&
	ip -n "$G" rule add table main suppress_prefixlength 0
} || fail_all "cannot set up the full tunnel (lab problem)"
scenario full 203.0.113.77 none send fwd	# table 51820, P1 via 0.0.0.0/0, outer via u0
scenario full-overlap 10.213.5.1 peer_shadowed send	# P1 has two prefixes over it: one rival
scenario v6leak 2001:db8:7e::1 v6_leak send fwd	# IPv6 leaves by u0

# --- full tunnel without the endpoint exception ---------------------------
# A fresh peer P3 takes 0.0.0.0/0: it never gets a session, so what
# wireguard-go reads back from its own device is queued, not re-encrypted
# (a userspace WireGuard has no loop guard).
# First the wg-quick rules with the device's fwmark unset: the outer packet
# is unmarked, "not fwmark 51820" sends it to table 51820, into DEV_G.
{
	ip netns exec "$G" wg set "$DEV_G" fwmark 0 \
		peer "$PUB_P1" allowed-ips 10.212.0.2/32,10.213.0.0/16 \
		peer "$PUB_P3" allowed-ips 0.0.0.0/0 endpoint 198.51.100.77:51823
} || fail_all "cannot set up the looping full tunnel (lab problem)"
scenario loop 203.0.113.77 tunnel_loop send fwd

# Then no policy rules at all (as after wg-quick down), the default route of
# the main table into DEV_G, no host route for the endpoint. The kernel
# keeps walking the rules once any was added (local, then main): the same
# decision as before, as `ip route get` shows.
{
	ip -n "$G" rule del table main suppress_prefixlength 0 &&
	ip -n "$G" rule del not fwmark 51820 table 51820 &&
	ip -n "$G" route del default dev "$DEV_G" table 51820 &&
	ip -n "$G" route replace default dev "$DEV_G"
} || fail_all "cannot set up the plain looping full tunnel (lab problem)"
scenario loop-plain 203.0.113.77 tunnel_loop send fwd

# --- modes: the host's fallbacks ----------------------------------------------
# The kernel's own lookups are told by the stack of the fib tracepoint,
# which the host has (kallsyms readable as root).
modes_ok() {
	[ -s "$tmp/modes" ] || { echo "no run to look at"; return 1; }
	awk '$2 != "tc" || $3 != "inventory" || $4 != "tracepoint" {
		print $1 ": wg_tx_peer " $2 ", policy_rule " $3 ", lookup_context " $4 " (want tc, inventory, tracepoint)"; bad = 1 }
		END { exit bad }' "$tmp/modes"
}
check trace-modes "not the host's fallback modes (no fentry, no WireGuard module here)" modes_ok

# --- the JSON contract (man page: JSON Lines, stable field names) ---------------------------
# Every stdout line is an object with a known "type"; every finding has the
# fields the contract names.
check trace-json-contract "--json output breaks the JSON Lines contract" json_contract_ok "$tmp"

# --- the other fields of every run ---------------------------------------
# side_ok FIELD: every run's FIELD agreed with the kernel (or ping).
side_ok() {
	[ -s "$tmp/side-$1.runs" ] || { echo "no run compared $1"; return 1; }
	[ -s "$tmp/side-$1" ] || return 0
	cat "$tmp/side-$1"
	return 1
}
check trace-gateway "gateway differs from 'ip route get'" side_ok gateway
check trace-reply "reply differs from what ping saw" side_ok reply
check trace-packets "packets differs from the echo requests sent" side_ok packets

# --- netns scope: lookups in another namespace are not this trace's -----------
# Namespace X has no route at all: its lookups for the same address fail
# (no nexthop, no device). They must not become G's route decision.
ns_new X
attach_state "$X" >"$tmp/state.base.x"
netns_scope_ok() {
	local o=$tmp/scope tp
	timeout 30 "$WGTRACE" trace 203.0.113.77 -n "$G" --json -c 3 -t 8 \
		>"$o.json" 2>"$o.err" &
	tp=$!
	wait_until 10 trace_ready "$o.err" "$tp"
	ip netns exec "$X" ping -c 1 -W 1 203.0.113.77 >/dev/null 2>&1
	ip -n "$X" route get 203.0.113.77 >/dev/null 2>&1
	ip netns exec "$C" ping -c 3 -i 0.2 -W 1 203.0.113.77 >/dev/null 2>&1
	wait "$tp"
	route_expect "$G" 203.0.113.77 from 172.29.1.2 iif g0
	local got
	got=$(jq -r 'select(.type == "summary") | "\(.table) \(.oif) \(.route_prefix) \(.findings | index("route_bypass") != null)"' "$o.json")
	[ "$got" = "$RT_TABLE $RT_OIF $RT_PREFIX false" ] && return 0
	echo "after failed lookups in another namespace: wgtrace says '$got' (table oif prefix route_bypass?)," \
		"G's kernel: table $RT_TABLE dev $RT_OIF prefix $RT_PREFIX"
	jq -c 'select(.type == "step" and .step == "route")' "$o.json"
	return 1
}
check trace-netns-scope "a route lookup in another namespace became the gateway's decision" \
	netns_scope_ok

# --- nothing stays attached -------------------------------------------------
check trace-detached "something of wgtrace stays attached after its runs" detached_ok

sigint_ok() {
	local o=$tmp/sigint tp rc
	timeout 60 "$WGTRACE" trace 10.213.1.1 -n "$G" --json -t 50 >"$o.json" 2>"$o.err" &
	tp=$!
	wait_until 10 trace_ready "$o.err" "$tp"
	if ! grep -q '^wgtrace: tracing' "$o.err"; then
		echo "trace never started:"; cat "$o.err"; kill -KILL "$tp" 2>/dev/null; wait "$tp"; return 1
	fi
	if [ "$(tc_attached_by "$G" "$tp")" = 0 ]; then
		echo "while tracing, no tcx link or clsact filter of wgtrace in G: nothing to detach?"
		kill -KILL "$tp"; wait "$tp"; return 1
	fi
	kill -INT "$tp"
	wait_until 5 eval '! trace_alive '"$tp" || { echo "still running 5 s after SIGINT"; kill -KILL "$tp"; }
	wait "$tp"
	rc=$?
	[ $rc = 0 ] || { echo "exit status $rc after SIGINT (want 0: a stopped trace is a result)"; return 1; }
	[ "$(jq -r 'select(.type == "summary") | .type' "$o.json")" = summary ] ||
		{ echo "no summary line after SIGINT"; return 1; }
	detached_ok
}
check trace-sigint "SIGINT did not stop trace cleanly" sigint_ok

sigkill_ok() {
	local o=$tmp/sigkill tp
	timeout 60 "$WGTRACE" trace 10.213.1.1 -n "$G" --json -t 50 >"$o.json" 2>"$o.err" &
	tp=$!
	wait_until 10 trace_ready "$o.err" "$tp"
	grep -q '^wgtrace: tracing' "$o.err" ||
		{ echo "trace never started:"; cat "$o.err"; kill -KILL "$tp" 2>/dev/null; wait "$tp"; return 1; }
	kill -KILL "$tp"
	wait "$tp"
	# A killed run may leave clsact filters; the next run removes them.
	timeout 30 "$WGTRACE" trace 10.213.1.1 -n "$G" --json --send -c 1 -t 3 >/dev/null 2>&1
	detached_ok
}
check trace-sigkill-leftovers "leftovers of a killed run were not removed" sigkill_ok

# --- bad input: one line on stderr, exit 2 (usage) or 1 (runtime), nothing attached
# bad_input WANT-RC GREP CMD...: run CMD (wgtrace and its arguments).
bad_input() {
	local want=$1 pat=$2 rc n
	shift 2
	timeout 20 "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
	rc=$?
	n=$(wc -l <"$tmp/bad.err")
	local ok=0
	[ "$rc" = "$want" ] || { echo "exit status $rc, want $want"; ok=1; }
	[ "$n" = 1 ] || { echo "$n lines on stderr, want 1"; ok=1; }
	grep -qiE "$pat" "$tmp/bad.err" || { echo "stderr does not mention /$pat/"; ok=1; }
	[ -s "$tmp/bad.out" ] && { echo "stdout not empty"; ok=1; }
	detached_ok || { echo "something stayed attached"; ok=1; }
	[ $ok = 0 ] || sed 's/^/  stderr: /' "$tmp/bad.err"
	return $ok
}
bad_dest_ok() {
	local d ok=0
	for d in 'not..an..address' '10.0.0.0/8' '300.1.1.1' '2001:db8::g'; do
		bad_input 2 "$d|address" "$WGTRACE" trace "$d" -n "$G" --json ||
			{ echo "  (for DEST '$d')"; ok=1; }
	done
	return $ok
}
check trace-bad-dest "an unparsable DEST is not a clean usage error" bad_dest_ok
check trace-bad-netns "an unknown netns is not a clean usage error" \
	bad_input 2 "wgt-nonexistent-$$" "$WGTRACE" trace 10.213.1.1 -n "wgt-nonexistent-$$" --json
check trace-no-wg "a namespace without WireGuard is not a clean runtime error" \
	bad_input 1 "wireguard" "$WGTRACE" trace 10.213.1.1 -n "$X" --json
check trace-unprivileged "an unprivileged run is not a clean runtime error" \
	bad_input 1 "root|privilege|permission|CAP_" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all "$WGTRACE" trace 10.213.1.1 -n "$G" --json
# Root and every capability, but in a user namespace that owns neither the
# gateway's namespace nor BPF.
check trace-userns "a run without privileges over the gateway is not a clean runtime error" \
	bad_input 1 "root|privilege|permission|CAP_" unshare -r "$WGTRACE" trace 10.213.1.1 \
	-n "$G" --json
