#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace watch --record FILE` during planted drops, then `wgtrace report
# FILE` offline, its counts held against the kernel's own counters (tests/README.md:
# expected values come from the kernel) and against what the live watch printed:
#
#   CL [eth0] ---- [lan0] GW [ul0] ---- [ul0] PR
#   198.51.100.2      198.51.100.1  192.0.2.1   192.0.2.2
#                     $WG 10.99.0.1      $WP 10.99.0.2, lo 10.50.0.1
#
# GW forwards with strict rp_filter; its wireguard-go peer PR holds
# 10.99.0.2/32 and 10.50.0.0/24. One recorded watch run sees, in order:
#   quiet   a few intervals with no traffic (the --until window)
#   rpf     CL spoofs 10.50.0.77, which GW routes into the tunnel:
#           rpf_drop = TcpExt IPReversePathFilter delta
#   mtu     DF pings of 1428 bytes into the 1420-byte tunnel:
#           mtu_drop = Ip FragFails delta
#   quiet   a few more intervals (the --since window, and the snapshots the
#           damaged copies keep)
# then a recorded export run with one more rp_filter burst. RECORD_DEBUG=1
# prints the outputs.
. "$(dirname "$0")/lib.sh"

CHECKS="record-watch-runs record-header record-report-rpf-count
	record-report-mtu-count record-report-equals-live record-report-rpf-details
	record-window-before-none record-window-after-none record-window-bad
	record-truncated-error record-truncated-findings record-corrupted-error
	record-corrupted-findings record-newer-format-refused record-export
	record-bad-options"
plan "$(wc -w <<<"$CHECKS")"

require_root record
require_cmd record wireguard-go wg jq ip ping timeout gzip zcat
"$WGTRACE" report --help >/dev/null 2>&1 || fail_all "$WGTRACE has no 'report' command"

TMP=$(mktemp -d /tmp/wgt-record.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
N=20	# packets per burst (bounded: ping -c, and timeout around it)

build() {
	ns_new CL && ns_new GW && ns_new PR || return 1
	ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 || return 1
	veth_pair "$CL" eth0 "$GW" lan0 && veth_pair "$GW" ul0 "$PR" ul0 || return 1
	ip netns exec "$GW" sysctl -qw net.ipv4.conf.lan0.rp_filter=1 \
		net.ipv4.conf.ul0.rp_filter=1 || return 1
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
	ip -n "$GW" addr add 10.99.0.1/24 dev "$WG" &&
		ip -n "$GW" link set "$WG" up &&
		ip -n "$PR" addr add 10.99.0.2/24 dev "$WP" &&
		ip -n "$PR" link set "$WP" up &&
		ip -n "$GW" route add 10.50.0.0/24 dev "$WG" &&
		ip -n "$PR" route add 198.51.100.0/24 dev "$WP" || return 1
	# The spoofed source of the rp_filter burst (arp_announce=2: else ARP fails on the spoofed sender first).
	ip netns exec "$CL" sysctl -qw net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.eth0.arp_announce=2 &&
		ip -n "$CL" addr add 10.50.0.77/32 dev lo || return 1
	# CL ignores GW's frag-needed: every DF ping reaches GW at full size.
	ip -n "$CL" route add 10.99.0.2/32 via 198.51.100.1 mtu lock 1500
}
build || fail_all "cannot build the namespaces, veths and wireguard-go devices"
ip netns exec "$CL" ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1
wait_until 15 handshake_any "$GW" "$WG" ||
	fail_all "lab: no WireGuard handshake between GW and PR within 15 s"

ping_n() {	# NS ARGS...: N pings, bounded in time too
	local ns=$1
	shift
	timeout 30 ip netns exec "$ns" ping -q -c "$N" -i 0.05 -W 1 "$@" >/dev/null 2>&1
}
now3339() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }
# snapshots FILE: how many snapshot lines the record holds so far.
snapshots() { zcat "$1" 2>/dev/null | grep -c '"type":"snapshot"'; }

# --- the recorded watch run -----------------------------------------------------
REC=$TMP/gw.jsonl.gz
timeout 90 "$WGTRACE" watch -n "$GW" --duration 40 --interval 1 --json \
	--record "$REC" >"$TMP/live.jsonl" 2>"$TMP/live.err" &
W_PID=$!
_pid_list+=("$W_PID")
started=
# Two snapshots before the drops: the window that ends here holds none.
if wait_until 20 grep -q '"type":"status"' "$TMP/live.jsonl" &&
	wait_until 10 sh -c "[ \$(zcat '$REC' 2>/dev/null | grep -c '\"type\":\"snapshot\"') -ge 2 ]"; then
	started=1
	sleep 1.2
	T_BEFORE=$(now3339)
	sleep 1.2
	rpf0=$(net_counter "$GW" netstat TcpExt:IPReversePathFilter)
	ff0=$(net_counter "$GW" snmp Ip:FragFails)
	ping_n "$CL" -I 10.50.0.77 10.99.0.2
	ping_n "$CL" -M "do" -s 1400 10.99.0.2
	# Counted by the kernel at once; let watch's next snapshot take them.
	sleep 1.5
	rpf=$(($(net_counter "$GW" netstat TcpExt:IPReversePathFilter) - rpf0))
	ff=$(($(net_counter "$GW" snmp Ip:FragFails) - ff0))
	n_after=$(snapshots "$REC")
	sleep 1.2
	T_AFTER=$(now3339)
	# Four more snapshots: the damaged copies below lose only these.
	wait_until 15 sh -c "[ \$(zcat '$REC' 2>/dev/null | grep -c '\"type\":\"snapshot\"') -ge $((n_after + 4)) ]"
	kill -INT "$W_PID"
fi
wait "$W_PID"
W_RC=$?
echo "    rpf: sent $N, TcpExt IPReversePathFilter delta ${rpf:-?}; mtu: sent $N, Ip FragFails delta ${ff:-?}"
if [ -n "${RECORD_DEBUG:-}" ]; then
	sed 's/^/    live: /' "$TMP/live.jsonl" "$TMP/live.err"
	zcat "$REC" | cut -c1-200 | sed 's/^/    rec: /'
fi

watch_ran() {
	[ -n "$started" ] || { echo "watch did not start or never wrote 2 snapshots"; cat "$TMP/live.err"; return 1; }
	[ "$W_RC" = 0 ] || { echo "watch exited $W_RC: $(head -c 300 "$TMP/live.err")"; return 1; }
	tail -n 1 "$TMP/live.jsonl" | jq -e '.type == "summary"' >/dev/null ||
		{ echo "the live output does not end with a summary"; return 1; }
	zcat "$REC" >/dev/null || { echo "zcat cannot read the record"; return 1; }
}
check record-watch-runs "watch --record did not run cleanly" watch_ran

header_ok() {
	zcat "$REC" | head -n 1 | jq -e --arg k "$(uname -r)" --arg h "$(hostname)" \
		--arg v "$("$WGTRACE" --version | awk '{print $2}')" --arg ns "$GW" '
		.type == "header" and .format == 1 and .kernel == $k and
		.hostname == $h and .wgtrace == $v and .netns == $ns and
		(.start | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")) and (.t > 0)' ||
		{ zcat "$REC" | head -n 1; return 1; }
	# The inventory names the gateway's tunnel and its peer offline.
	zcat "$REC" | jq -e -s --arg wg "$WG" --arg pp "$PP" '
		map(select(.type == "inventory")) | length > 0 and
		any(.[].wireguard[]; .name == $wg and any(.peers[]; .pubkey == $pp and
			(.allowed_ips | index("10.50.0.0/24"))))' >/dev/null ||
		{ echo "no inventory line with $WG and its peer"; return 1; }
}
check record-header "the header or the inventory does not describe this gateway" header_ok

"$WGTRACE" report "$REC" --json >"$TMP/rep.jsonl" 2>"$TMP/rep.err"
REP_RC=$?
[ -n "${RECORD_DEBUG:-}" ] && sed 's/^/    report: /' "$TMP/rep.jsonl" "$TMP/rep.err"

# count_is FILE ID N: the findings ID of FILE (JSON Lines) add up to N > 0.
count_is() {
	if ! [ "${3:-0}" -gt 0 ] 2>/dev/null; then
		echo "lab: the kernel counted '${3:-}' drops, expected > 0"
		return 1
	fi
	jq -e -s --arg id "$2" --argjson n "$3" \
		'map(select(.type == "finding" and .finding == $id)) |
		length > 0 and (map(.count) | add) == $n' "$1" >/dev/null && return 0
	echo "findings of $1:"
	jq -c 'select(.type == "finding")' "$1"
	return 1
}
# rep_count ID N: report exited 0 and its findings ID add up to N.
rep_count() {
	[ "$REP_RC" = 0 ] || { echo "report exited $REP_RC: $(cat "$TMP/rep.err")"; return 1; }
	count_is "$TMP/rep.jsonl" "$1" "$2"
}
# both_counts FILE: rpf_drop and mtu_drop of FILE are the kernel's deltas.
both_counts() { count_is "$1" rpf_drop "${rpf:-}" && count_is "$1" mtu_drop "${ff:-}"; }
check record-report-rpf-count "report's rpf_drop is not the IPReversePathFilter delta (${rpf:-?})" \
	rep_count rpf_drop "${rpf:-}"
check record-report-mtu-count "report's mtu_drop is not the Ip FragFails delta (${ff:-?})" \
	rep_count mtu_drop "${ff:-}"

# The live watch's final findings (after its last status line) and report's,
# compared on what watch prints but the rate (a per-interval figure).
FIELDS='[.[] | select(.type == "finding") | del(.objects.rate)] | sort_by(.finding, .interface)'
same_as_live() {
	local live rep
	live=$(jq -s '(to_entries | map(select(.value.type == "status")) | last.key) as $i
		| .[$i + 1:] | '"$FIELDS" "$TMP/live.jsonl")
	rep=$(jq -s "$FIELDS" "$TMP/rep.jsonl")
	[ -n "$live" ] && [ "$live" = "$rep" ] && [ "$(jq length <<<"$rep")" -gt 0 ] && return 0
	echo "live:"; jq -c '.[]' <<<"$live"
	echo "report:"; jq -c '.[]' <<<"$rep"
	return 1
}
check record-report-equals-live "report does not print the findings the live watch printed at its end" same_as_live
# The way back of the spoofed source goes into the tunnel: said offline too.
# shellcheck disable=SC2016 # jq's own variables
check record-report-rpf-details "report's rpf_drop lacks the flow or the route back via $WG" \
	jq -e -s --arg wg "$WG" 'any(.[]; .finding == "rpf_drop" and .interface == "lan0" and
		.example.src == "10.50.0.77" and .example.dst == "10.99.0.2" and
		(.actual | test($wg)))' "$TMP/rep.jsonl"

# no_drops ARGS...: report with ARGS exits 0 and finds no rpf/mtu drop.
no_drops() {
	local out rc
	out=$("$WGTRACE" report "$REC" --json "$@" 2>&1)
	rc=$?
	[ $rc = 0 ] && jq -e -s 'map(select(.type == "status")) | length == 1' <<<"$out" >/dev/null &&
		jq -e -s 'all(.[]; .finding != "rpf_drop" and .finding != "mtu_drop")' <<<"$out" >/dev/null &&
		return 0
	echo "report $* (status $rc):"
	echo "$out"
	return 1
}
check record-window-before-none "a window that ends before the drops reports drops" \
	no_drops --until "${T_BEFORE:-x}"
check record-window-after-none "a window that starts after the drops reports drops" \
	no_drops --since "${T_AFTER:-x}"
bad_window() {
	"$WGTRACE" report "$REC" --since yesterday >/dev/null 2>&1
	[ $? = 2 ] || { echo "--since yesterday: not a usage error"; return 1; }
	"$WGTRACE" report "$REC" --since -1h --until -2h >/dev/null 2>&1
	[ $? = 2 ] || { echo "--since after --until: not a usage error"; return 1; }
}
check record-window-bad "a bad time is not a usage error (2)" bad_window

# --- damaged copies ----------------------------------------------------------------
# Truncated: the gzip trailer and the last snapshots cut off. Each snapshot is
# flushed, so what comes before the cut still reads.
size=$(stat -c %s "$REC")
head -c $((size - 40)) "$REC" >"$TMP/trunc.gz"
"$WGTRACE" report "$TMP/trunc.gz" --json >"$TMP/trunc.jsonl" 2>"$TMP/trunc.err"
T_RC=$?
damaged_error() {	# RC ERRFILE NAME
	[ "$1" = 1 ] || { echo "exit status $1, want 1"; cat "$2"; return 1; }
	grep -q "$3: line [0-9]* (uncompressed offset [0-9]*)" "$2" && return 0
	echo "the message does not name $3, the line and the offset:"
	cat "$2"
	return 1
}
check record-truncated-error "a truncated record is no clear error (status 1, file, line)" \
	damaged_error "$T_RC" "$TMP/trunc.err" "$TMP/trunc.gz"
check record-truncated-findings "a truncated record does not report the drops before the cut" \
	both_counts "$TMP/trunc.jsonl"

# Corrupted: a line in the middle, after the drops, replaced by garbage.
zcat "$REC" >"$TMP/plain.jsonl"
snap_lines=$(grep -n '"type":"snapshot"' "$TMP/plain.jsonl" | cut -d: -f1)
bad_line=$(tail -n 3 <<<"$snap_lines" | head -n 1)
total=$(wc -l <"$TMP/plain.jsonl")
awk -v n="$bad_line" 'NR == n { print "{\"type\":\"snapshot\",\"t\":1,\"entries\":[{\"verdict\":"; next } 1' \
	"$TMP/plain.jsonl" | gzip >"$TMP/corrupt.gz"
"$WGTRACE" report "$TMP/corrupt.gz" --json >"$TMP/corrupt.jsonl" 2>"$TMP/corrupt.err"
C_RC=$?
corrupt_error() {
	[ "$bad_line" -lt "$total" ] || { echo "lab: line $bad_line is not in the middle of $total"; return 1; }
	damaged_error "$C_RC" "$TMP/corrupt.err" "$TMP/corrupt.gz" || return 1
	grep -q "corrupt.gz: line $bad_line " "$TMP/corrupt.err" ||
		{ echo "not line $bad_line: $(cat "$TMP/corrupt.err")"; return 1; }
}
check record-corrupted-error "a corrupted line is no clear error naming it" corrupt_error
check record-corrupted-findings "a corrupted record does not report the drops before the damage" \
	both_counts "$TMP/corrupt.jsonl"

newer_refused() {
	local out rc
	sed '1s/"format":1,/"format":2,/' "$TMP/plain.jsonl" | gzip >"$TMP/newer.gz"
	out=$("$WGTRACE" report "$TMP/newer.gz" 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -q "format 2" <<<"$out" && grep -q "newer" <<<"$out" && return 0
	echo "status $rc: $out"
	return 1
}
check record-newer-format-refused "a record of format 2 is not refused by name" newer_refused

# --- export --record ------------------------------------------------------------------
EREC=$TMP/exp.jsonl.gz
timeout 60 "$WGTRACE" export -n "$GW" --listen none --interval 1 \
	--record "$EREC" >"$TMP/exp.log" 2>&1 &
E_PID=$!
_pid_list+=("$E_PID")
erpf=
if wait_until 20 sh -c "zcat '$EREC' 2>/dev/null | grep -q '\"type\":\"snapshot\"'"; then
	rpf0=$(net_counter "$GW" netstat TcpExt:IPReversePathFilter)
	ping_n "$CL" -I 10.50.0.77 10.99.0.2
	erpf=$(($(net_counter "$GW" netstat TcpExt:IPReversePathFilter) - rpf0))
	sleep 1.5
fi
kill -TERM "$E_PID"
wait "$E_PID"
E_RC=$?
export_ok() {
	[ "$E_RC" = 0 ] || { echo "export exited $E_RC:"; tail -n 5 "$TMP/exp.log"; return 1; }
	"$WGTRACE" report "$EREC" --json >"$TMP/exp-rep.jsonl" 2>&1 ||
		{ cat "$TMP/exp-rep.jsonl"; return 1; }
	zcat "$EREC" | head -n 1 | jq -e '.command == "export"' >/dev/null ||
		{ echo "the header does not say export"; return 1; }
	count_is "$TMP/exp-rep.jsonl" rpf_drop "$erpf"
}
check record-export "export --record: report's rpf_drop is not the IPReversePathFilter delta (${erpf:-?})" export_ok

bad_opts() {
	local a rc
	for a in "--record-max-size 1" "--record-max-size 100G" "--record-max-size -5M" \
		"--record-max-size 12X" "--record-keep 101" "--record-keep -1"; do
		# shellcheck disable=SC2086
		"$WGTRACE" watch --record "$TMP/x.gz" $a --duration 1 >/dev/null 2>&1
		rc=$?
		[ $rc = 2 ] || { echo "watch $a: status $rc, want 2"; return 1; }
		# shellcheck disable=SC2086
		"$WGTRACE" export --record "$TMP/x.gz" $a >/dev/null 2>&1
		rc=$?
		[ $rc = 2 ] || { echo "export $a: status $rc, want 2"; return 1; }
	done
	[ ! -e "$TMP/x.gz" ] || { echo "a refused run wrote $TMP/x.gz"; return 1; }
}
check record-bad-options "a bad --record-max-size or --record-keep is not a usage error (2)" bad_opts
