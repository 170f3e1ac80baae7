#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Several wgtrace instances and a third-party tc user on one userspace
# WireGuard gateway (issue #11), where the WireGuard TX fact is seen by tc
# classifiers on the wg device: on the tcx path (the host kernel's) and on
# the clsact path (every kernel before 6.6; forced here with the test-only
# WGTRACE_TC_FORCE_CLSACT=1).
#
#   GW  g1 198.51.100.1 ---- p0 198.51.100.2  P
#       $DG 10.99.0.1 (wireguard-go)              $DP 10.99.0.2
#         peer P: 10.99.0.2/32; route 10.60.0.0/16 into $DG (no peer)
#       $DG2 (wireguard-go, a peer for 10.70.0.0/16, no traffic)
#
# Per path: `export -i $DG` counts no_peer (pings to 10.60.0.1) and the
# peer's route decisions (pings to 10.99.0.2) exactly before, while and
# after `watch` and `trace` run beside it; watch's own count and the peer
# trace's filter saw too; third-party filters (a bpf program of its own at pref 10 on egress
# and at pref 20 on ingress, passing packets on) survive every exit.
# On the clsact path export creates the qdisc (with its owner record) and
# the third party joins it: it must outlive every wgtrace. Then 30 kill -9
# at random moments of watch/trace (on $DG and $DG2, clsact and tcx mixed)
# while export runs, each followed by a fresh start and a clean exit.
#
# Oracles: the tx_packets of $DG (what the kernel queued to the TUN device,
# i.e. what its tc egress sees), `tc filter show`, `tc qdisc show`,
# bpftool prog/link by the ids the processes held (/proc/PID/fdinfo), the
# files under /run/wgtrace. Never wgtrace's own output.
. "$(dirname "$0")/lib.sh"
type plan >/dev/null 2>&1 && plan 30
require_root tc-coexist
require_cmd tc-coexist wireguard-go wg ping curl jq bpftool tc clang ss

TMP=$(mktemp -d /tmp/wgt-tccoexist.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
N=20		# packets per traffic burst
KILLS=30	# kill -9 rounds
DBG=${TC_COEXIST_DEBUG:-}

# shellcheck disable=SC2034 # fail_all (tests/lib/common.sh) reads it
CHECKS="tcx-export-before tcx-export-during tcx-watch-count tcx-trace-peer
	tcx-export-after tcx-third-party-survives tcx-nothing-left
	clsact-qdisc-recorded clsact-filters-coexist clsact-export-before
	clsact-export-during clsact-watch-count clsact-trace-peer
	clsact-export-after clsact-third-party-survives clsact-shared-qdisc-kept
	kill-victims-varied kill-fresh-starts-clean kill-export-filter-kept
	kill-export-exact kill-no-wgtrace-filter kill-no-wgtrace-qdisc
	kill-no-record kill-progs-gone kill-links-gone kill-no-pins
	kill-third-party-survives kill-shared-qdisc-record
	empty-qdisc-removed empty-no-record"
# --- helpers -----------------------------------------------------------------

# wgt VAR FORCE LOG CMD ARGS...: wgtrace in the background, PID into VAR.
# FORCE 1: the clsact path. Started directly (wgtrace enters the namespace
# itself), so the PID is wgtrace's: its fdinfo and kill -9 hit the real one.
wgt() {
	local var=$1 force=$2 log=$3
	shift 3
	WGTRACE_TC_FORCE_CLSACT=$force "$WGTRACE" "$@" >"$log.out" 2>"$log.err" &
	_pid_list+=($!)
	printf -v "$var" '%s' "$!"
}

# stop_pid PID VAR: SIGTERM, wait bounded; exit status into VAR.
stop_pid() {
	local pid=$1 rc
	kill -TERM "$pid" 2>/dev/null
	if ! wait_until 20 eval "! proc_alive $pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		printf -v "$2" killed
		return
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	printf -v "$2" '%s' "$rc"
}

# ids PID: the BPF programs and links PID holds ("prog_id: N" lines).
ids() { grep -hE '^(prog|link)_id:' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u; }
IDS=$TMP/ids		# every id any wgtrace of this test held
keep_ids() { ids "$1" >>"$IDS"; }

hex_handle() { printf '0x%x' $((0x77000000 | $1)); }

# filters DEV DIR: `tc filter show` of one direction.
filters() { tc -n "$GW" filter show dev "$1" "$2" 2>&1; }

# attached PID MODE DEV [DIR]: PID's hook on DEV's ingress (attached after
# egress) or DIR is in the kernel: a clsact filter running a program PID
# holds, or a tcx link of PID on that device.
attached() {
	local pid=$1 mode=$2 dev=$3 dir=${4:-ingress} ifi held
	if [ "$mode" = clsact ]; then
		held=$(sed -n 's/^prog_id:[[:space:]]*//p' /proc/"$pid"/fdinfo/* 2>/dev/null)
		[ -n "$held" ] || return 1
		filters "$dev" "$dir" | grep -o ' id [0-9]*' | awk '{ print $2 }' |
			grep -qxF "$held"
	else
		ifi=$(ip netns exec "$GW" cat "/sys/class/net/$dev/ifindex")
		grep -q "^ifindex:[[:space:]]*$ifi\$" /proc/"$pid"/fdinfo/* 2>/dev/null
	fi
}

tx_packets() { ip netns exec "$GW" cat "/sys/class/net/$DG/statistics/tx_packets"; }
gw_ping() {	# DST
	ip netns exec "$GW" timeout 30 ping -q -c $N -i 0.02 -W 1 "$1" >/dev/null 2>&1
}
# window: N pings into no peer, N to the peer; what $DG queued for each
# into W_NP and W_RD (the kernel's count of what tc egress saw).
window() {
	local t0 t1 t2
	t0=$(tx_packets)
	gw_ping 10.60.0.1
	t1=$(tx_packets)
	gw_ping 10.99.0.2
	t2=$(tx_packets)
	W_NP=$((t1 - t0))
	W_RD=$((t2 - t1))
}

scrape() { curl -sf --max-time 5 "http://127.0.0.1:$EP/metrics"; }
val() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
# counts: export's no_peer and the peer's route decisions on $DG, "NP RD".
counts() {
	local np rd
	scrape >"$TMP/scrape" || { echo "- -"; return; }
	np=$(val "$TMP/scrape" "wgtrace_drops_total{reason=\"no_peer\",interface=\"$DG\",peer=\"\"}")
	rd=$(val "$TMP/scrape" "wgtrace_route_decisions_total{interface=\"$DG\",table=\"\",peer=\"$PP\"}")
	echo "${np:-0} ${rd:-0}"
}
# export_exact NAME NP0 RD0: export's counts grew by what the kernel
# queued in the last window (W_NP, W_RD), waited for over a few snapshots.
export_exact() {
	local name=$1 want="$(($2 + W_NP)) $(($3 + W_RD))"
	if [ "$W_NP" -lt $N ] || [ "$W_RD" -lt $N ]; then
		fail "$name" "lab: $DG queued $W_NP and $W_RD packets for $N pings each"
	elif wait_until 10 eval '[ "$(counts)" = "$want" ]'; then
		pass "$name"
	else
		fail "$name" "export has no_peer/route_decisions '$(counts)', the kernel queued $W_NP/$W_RD to $DG after '$2 $3' (want '$want')"
	fi
}

# Third-party tc users on $DG: a bpf program (not a wgtrace one) at pref 10
# on egress and at pref 20 on ingress (the lab kernel has cls_bpf, but no
# matchall or gact). It passes packets on (TC_ACT_UNSPEC), so wgtrace still
# sees them.
third_party_add() {
	tc -n "$GW" filter add dev "$DG" egress pref 10 bpf da obj "$TMP/user.o" sec tc &&
		tc -n "$GW" filter add dev "$DG" ingress pref 20 bpf da obj "$TMP/user.o" sec tc
}
third_party_ok() {
	local e i
	e=$(filters "$DG" egress)
	i=$(filters "$DG" ingress)
	grep -q "pref 10 bpf .*name user_pass" <<<"$e" &&
		grep -q "pref 20 bpf .*name user_pass" <<<"$i" &&
		return 0
	printf 'egress of %s:\n%s\ningress:\n%s\n' "$DG" "$e" "$i"
	return 1
}
third_party_del() {
	tc -n "$GW" filter del dev "$DG" egress pref 10 &&
		tc -n "$GW" filter del dev "$DG" ingress pref 20
}
has_clsact() { tc -n "$GW" qdisc show dev "$1" | grep -q '^qdisc clsact'; }
record() { echo "/run/wgtrace/clsact-$NS_INO-$(ip netns exec "$GW" cat "/sys/class/net/$1/ifindex")"; }
records() { ls /run/wgtrace/clsact-"$NS_INO"-* 2>/dev/null; }

# final RUN: watch's findings of its final interval (totals since attach).
final() {
	jq -s '(to_entries | map(select(.value.type == "status")) | last.key) as $i
		| .[$i + 1:] | map(select(.type == "finding"))' "$1"
}

# --- topology ----------------------------------------------------------------
build() {
	ns_new GW && ns_new P || return 1
	veth_pair "$GW" g1 "$P" p0 || return 1
	ip -n "$GW" addr add 198.51.100.1/24 dev g1
	ip -n "$P" addr add 198.51.100.2/24 dev p0
	wg_devname DG && wg_devname DP && wg_devname DG2
	wggo_start "$GW" "$DG" && wggo_start "$P" "$DP" && wggo_start "$GW" "$DG2" || return 1
	local kg kp
	kg=$(wg genkey) && kp=$(wg genkey) || return 1
	PG=$(echo "$kg" | wg pubkey)
	PP=$(echo "$kp" | wg pubkey)
	# No IPv6 on the TUN devices: router solicitations and MLD would add
	# to their traffic in the middle of a count.
	ip netns exec "$GW" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$DG/disable_ipv6;
		echo 1 >/proc/sys/net/ipv6/conf/$DG2/disable_ipv6"
	ip netns exec "$P" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$DP/disable_ipv6"
	ip netns exec "$GW" wg set "$DG" private-key <(echo "$kg") listen-port 51820 \
		peer "$PP" allowed-ips 10.99.0.2/32 endpoint 198.51.100.2:51820 &&
		ip -n "$GW" addr add 10.99.0.1/24 dev "$DG" &&
		ip -n "$GW" link set "$DG" up &&
		ip -n "$GW" route add 10.60.0.0/16 dev "$DG" || return 1
	ip netns exec "$GW" wg set "$DG2" private-key <(wg genkey) listen-port 51822 \
		peer "$(wg genkey | wg pubkey)" allowed-ips 10.70.0.0/16 &&
		ip -n "$GW" link set "$DG2" up || return 1
	ip netns exec "$P" wg set "$DP" private-key <(echo "$kp") listen-port 51820 \
		peer "$PG" allowed-ips 10.99.0.1/32 endpoint 198.51.100.1:51820 &&
		ip -n "$P" addr add 10.99.0.2/24 dev "$DP" &&
		ip -n "$P" link set "$DP" up
}

[ -x "$WGTRACE" ] || fail_all "no wgtrace binary at $WGTRACE (run make)"
# The third party's program: a few lines of C, passing every packet on.
cat >"$TMP/user.c" <<'EOF'
struct __sk_buff;
__attribute__((section("tc"), used)) int user_pass(struct __sk_buff *skb)
{
	return -1;	/* TC_ACT_UNSPEC: the next filter decides */
}
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF
clang -O2 -target bpf -c "$TMP/user.c" -o "$TMP/user.o" ||
	fail_all "lab: cannot build the third party's BPF program"
build || fail_all "cannot build the namespaces and wireguard-go devices"
NS_INO=$(stat -L -c %i "/run/netns/$GW")
ip netns exec "$GW" ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1
wait_until 15 handshake_any "$GW" "$DG" ||
	fail_all "lab: no WireGuard handshake between GW and P within 15 s"
EP=$(free_port) || fail_all "lab: no free TCP port"
: >"$IDS"

# --- export + watch + trace side by side, one path -------------------------------
# side_by_side PATH FORCE: the checks PATH-export-before/-during/-after,
# PATH-watch-count, PATH-trace-peer; the third party is in place and
# export (E) runs, attached, when called.
side_by_side() {
	local path=$1 force=$2 c0 c1 rc_w rc_t w_np t_n
	read -r np rd <<<"$(counts)"
	window
	export_exact "$path-export-before" "$np" "$rd"

	# watch and trace beside export: both attached before the traffic.
	wgt W "$force" "$TMP/$path-watch" watch -n "$GW" --interval 1 --json
	wgt T "$force" "$TMP/$path-trace" trace 10.60.0.1 -n "$GW" -c $N -t 60 --json
	wait_until 20 grep -q '"type":"status"' "$TMP/$path-watch.out" &&
		wait_until 20 grep -q 'tracing' "$TMP/$path-trace.err" &&
		wait_until 5 attached "$W" "$path" "$DG" && wait_until 5 attached "$T" "$path" "$DG" ||
		echo "    $path: watch or trace not attached within 20 s"
	keep_ids "$W"
	keep_ids "$T"
	[ -n "$DBG" ] && { filters "$DG" egress; filters "$DG" ingress; } | sed 's/^/    tc: /'
	if [ "$path" = clsact ]; then
		# Three instances' filters in one cls_bpf at one priority.
		local h n_ok=0
		for h in "$E" "$W" "$T"; do
			filters "$DG" egress | grep -q "pref 30567 bpf .*handle $(hex_handle "$h") .*wgt_tc_egress" &&
				n_ok=$((n_ok + 1))
		done
		check clsact-filters-coexist "$n_ok of 3 instances' filters on $DG egress: $(filters "$DG" egress)" \
			test $n_ok = 3
	fi
	read -r np rd <<<"$(counts)"
	window
	w_np=$W_NP
	export_exact "$path-export-during" "$np" "$rd"
	# trace stops by itself after N packets; watch on SIGTERM.
	wait_until 20 eval "! proc_alive $T"
	stop_pid "$T" rc_t
	stop_pid "$W" rc_w
	[ -n "$DBG" ] && sed 's/^/    watch: /' "$TMP/$path-watch.out" "$TMP/$path-watch.err" &&
		sed 's/^/    trace: /' "$TMP/$path-trace.out" "$TMP/$path-trace.err"
	watch_count() {
		local got
		[ "$rc_w" = 0 ] || { echo "watch exit status $rc_w: $(head -c 300 "$TMP/$path-watch.err")"; return 1; }
		got=$(final "$TMP/$path-watch.out" |
			jq --arg d "$DG" 'map(select(.finding == "no_peer" and .interface == $d) | .count) | add // 0')
		[ "$got" = "$w_np" ] || { echo "watch no_peer $got, $DG queued $w_np"; return 1; }
	}
	check "$path-watch-count" "watch's no_peer is not what the kernel queued" watch_count
	# trace names the peer its own tc filter saw (mode "tc"; "inventory"
	# when that filter saw nothing): none, as wg's own longest-prefix
	# match over `wg show allowed-ips` says.
	trace_peer() {
		local want got
		[ "$rc_t" = 0 ] || { echo "trace exit status $rc_t: $(head -c 300 "$TMP/$path-trace.err")"; return 1; }
		want=$(wg_lpm "$GW" "$DG" 10.60.0.1 | awk 'NR == 1 { print $1 }')
		want="tc ${want:-null}"
		got=$(jq -r 'select(.type == "step" and .step == "peer") | "\(.mode) \(.peer)"' \
			"$TMP/$path-trace.out" | head -n 1)
		[ "$got" = "$want" ] || { echo "trace's peer step: '$got', want '$want'"; return 1; }
	}
	check "$path-trace-peer" "trace's tc filter did not see the flow's peer" trace_peer
	read -r np rd <<<"$(counts)"
	window
	export_exact "$path-export-after" "$np" "$rd"
}

# --- tcx -------------------------------------------------------------------------
# wgtrace adds no qdisc on tcx: the third party brings its own.
tc -n "$GW" qdisc add dev "$DG" clsact && third_party_add ||
	fail_all "lab: cannot add the third party's tc filters"
wgt E 0 "$TMP/tcx-export" export -n "$GW" -i "$DG" --listen "127.0.0.1:$EP" --interval 1
if wait_until 30 eval 'scrape | grep -q "^wgtrace_build_info"' && wait_until 10 attached "$E" tcx "$DG"; then
	keep_ids "$E"
	side_by_side tcx 0
	stop_pid "$E" rc_e
	check tcx-third-party-survives "a third-party filter was lost" third_party_ok
	tcx_left() {
		local kind id left=""
		[ "$rc_e" = 0 ] || { echo "export exit status $rc_e"; return 1; }
		while read -r kind id; do
			bpftool "${kind%_id:}" show id "$id" >/dev/null 2>&1 && left="$left ${kind%:} $id"
		done <"$IDS"
		[ -z "$left" ] || { echo "still loaded:$left"; return 1; }
		! filters "$DG" egress | grep -q wgt_ && ! filters "$DG" ingress | grep -q wgt_
	}
	check tcx-nothing-left "a program or link of the tcx run is still there" tcx_left
else
	for c in tcx-export-before tcx-export-during tcx-watch-count tcx-trace-peer \
		tcx-export-after tcx-third-party-survives tcx-nothing-left; do
		fail $c "export did not serve and attach within 40 s: $(head -c 300 "$TMP/tcx-export.err")"
	done
	stop_pid "$E" rc_e
fi
third_party_del 2>/dev/null
tc -n "$GW" qdisc del dev "$DG" clsact

# --- clsact --------------------------------------------------------------------
# Export finds no qdisc: it creates one, with its owner record. The third
# party then adds its filters to that qdisc.
wgt E 1 "$TMP/clsact-export" export -n "$GW" -i "$DG" --listen "127.0.0.1:$EP" --interval 1
if wait_until 30 eval 'scrape | grep -q "^wgtrace_build_info"' && wait_until 10 attached "$E" clsact "$DG"; then
	keep_ids "$E"
	rec_dg=$(record "$DG")
	check clsact-qdisc-recorded "after export attached: clsact on $DG: $(has_clsact "$DG" && echo yes || echo no), record $rec_dg: $(cat "$rec_dg" 2>&1)" \
		eval 'has_clsact "$DG" && [ "$(cat "$rec_dg")" = "$DG" ]'
	third_party_add || echo "    lab: cannot add the third party's filters"
	side_by_side clsact 1
	stop_pid "$E" rc_e
	check clsact-third-party-survives "a third-party filter was lost (export exit status $rc_e)" third_party_ok
	check clsact-shared-qdisc-kept "the qdisc export created holds the third party's filters: it must stay, recorded" \
		eval 'has_clsact "$DG" && test -e "$rec_dg"'
else
	for c in clsact-qdisc-recorded clsact-filters-coexist clsact-export-before \
		clsact-export-during clsact-watch-count clsact-trace-peer \
		clsact-export-after clsact-third-party-survives clsact-shared-qdisc-kept; do
		fail $c "export did not serve and attach within 40 s: $(head -c 300 "$TMP/clsact-export.err")"
	done
	stop_pid "$E" rc_e
fi

# --- kill -9 at random moments ----------------------------------------------------
# Export (clsact) keeps running on $DG. Victims: watch or trace on $DG and
# $DG2 ($DG2 has no qdisc: each clsact victim creates one, with a record),
# mostly clsact, every third on tcx (the mix). Each killed at a random
# moment, 0-2 s after its start (loading, attaching or running): stopped
# first, so the ids it holds are read exactly, then SIGKILLed. Then a fresh
# watch must start, attach (bounded) and exit 0 on SIGTERM.
wgt E 1 "$TMP/kill-export" export -n "$GW" -i "$DG" --listen "127.0.0.1:$EP" --interval 1
kill_ready=no
wait_until 30 eval 'scrape | grep -q "^wgtrace_build_info"' && wait_until 10 attached "$E" clsact "$DG" &&
	kill_ready=yes
keep_ids "$E"
before_attach=0 after_attach=0 fresh_bad="" export_lost=""
T_KILL=$SECONDS
for ((k = 1; k <= KILLS && kill_ready == yes; k++)); do
	force=1
	[ $((k % 3)) = 0 ] && force=0
	mode=clsact
	[ $force = 0 ] && mode=tcx
	if [ $((k % 2)) = 0 ]; then
		wgt V $force "$TMP/victim" trace 10.60.0.1 -n "$GW" -c 1000 -t 60
	else
		wgt V $force "$TMP/victim" watch -n "$GW" --interval 1 --json
	fi
	sleep "$((RANDOM % 1500 / 1000)).$(printf %03d $((RANDOM % 1000)))"
	kill -STOP "$V" 2>/dev/null
	if attached "$V" $mode "$DG2"; then
		after_attach=$((after_attach + 1))
	else
		before_attach=$((before_attach + 1))
	fi
	keep_ids "$V"
	kill -KILL "$V" 2>/dev/null
	wait "$V" 2>/dev/null
	# A fresh start cleans what the killed one left, and exits cleanly.
	wgt F $force "$TMP/fresh" watch -n "$GW" --interval 1 --json
	if wait_until 20 grep -q '"type":"status"' "$TMP/fresh.out" &&
		wait_until 5 attached "$F" $mode "$DG2"; then
		keep_ids "$F"
		stop_pid "$F" rc_f
		[ "$rc_f" = 0 ] || fresh_bad="$fresh_bad round $k: exit status $rc_f;"
	else
		fresh_bad="$fresh_bad round $k ($mode): not attached within 25 s: $(head -c 200 "$TMP/fresh.err");"
		stop_pid "$F" rc_f
	fi
	attached "$E" clsact "$DG" && attached "$E" clsact "$DG" egress ||
		export_lost="$export_lost $k"
done
echo "    $KILLS kill -9 rounds in $((SECONDS - T_KILL)) s: $before_attach before the victim attached to $DG2, $after_attach after"
if [ $kill_ready != yes ]; then
	for c in kill-victims-varied kill-fresh-starts-clean kill-export-filter-kept kill-export-exact; do
		fail $c "export did not serve and attach within 40 s: $(head -c 300 "$TMP/kill-export.err")"
	done
else
	check kill-victims-varied "lab: kills fell only before ($before_attach) or only after ($after_attach) attaching" \
		eval '[ $before_attach -gt 0 ] && [ $after_attach -gt 0 ]'
	check kill-fresh-starts-clean "fresh starts after a kill -9 failed:$fresh_bad" test -z "$fresh_bad"
	check kill-export-filter-kept "export's live filter on $DG was gone after rounds:$export_lost" \
		test -z "$export_lost"
	read -r np rd <<<"$(counts)"
	window
	export_exact kill-export-exact "$np" "$rd"
fi
stop_pid "$E" rc_e
[ "$rc_e" = 0 ] || echo "    export exit status $rc_e"

# Nothing of wgtrace is left: filters, qdiscs it created, records,
# programs and links by every id a wgtrace of this test held, pins.
tc_all() {
	local d
	for d in "$DG" "$DG2"; do
		echo "== $d egress"; filters "$d" egress
		echo "== $d ingress"; filters "$d" ingress
		echo "== $d qdisc"; tc -n "$GW" qdisc show dev "$d"
	done
}
check kill-no-wgtrace-filter "wgtrace filters are left: $(tc_all)" \
	eval '! tc_all | grep -qE "wgt_|handle 0x77[0-9a-f]{6} "'
check kill-no-wgtrace-qdisc "$DG2 (no other tc user) still has a clsact qdisc" \
	eval '! has_clsact "$DG2"'
check kill-no-record "a record for $DG2 is left: $(records)" \
	eval '! test -e "$(record "$DG2")"'
gone() {	# prog|link
	local kind id left=""
	while read -r kind id; do
		[ "$kind" = "$1_id:" ] || continue
		bpftool "$1" show id "$id" >/dev/null 2>&1 &&
			left="$left $id ($(bpftool "$1" show id "$id" 2>/dev/null | head -n 1))"
	done < <(sort -u "$IDS")
	[ -z "$left" ] || { echo "still there:$left"; return 1; }
	echo "    $(grep -c "^$1_id:" <(sort -u "$IDS")) $1 ids held by this test's wgtrace runs, none left"
}
check kill-progs-gone "a program of a wgtrace of this test is still loaded" gone prog
check kill-links-gone "a link of a wgtrace of this test is still there" gone link
check kill-no-pins "wgtrace objects are pinned under /sys/fs/bpf" \
	eval '[ -z "$(find /sys/fs/bpf -name "wgt*" 2>/dev/null)" ]'
check kill-third-party-survives "a third-party filter was lost" third_party_ok
check kill-shared-qdisc-record "the qdisc wgtrace created on $DG holds the third party's filters: it must stay, recorded" \
	eval 'has_clsact "$DG" && test -e "$(record "$DG")"'

# --- the third party leaves: the next wgtrace deletes the recorded qdisc ---------
third_party_del 2>/dev/null
wgt F 1 "$TMP/last" watch -n "$GW" --interval 1 --json
wait_until 20 grep -q '"type":"status"' "$TMP/last.out" && keep_ids "$F"
stop_pid "$F" rc_f
check empty-qdisc-removed "the qdisc wgtrace created on $DG, empty now, is still there (last watch: status $rc_f)" \
	eval '! has_clsact "$DG"'
check empty-no-record "records left for this namespace: $(records)" \
	eval '[ -z "$(records)" ]'
