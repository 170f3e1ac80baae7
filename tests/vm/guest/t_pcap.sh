#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace watch --pcap FILE` with kernel WireGuard: a no_peer planted on
# the standard pair (a route into wg0 that no peer's AllowedIPs holds), the
# packets WireGuard refused written with their verdict. The guest has no
# tshark: the file is read here by a pcapng walker of its own (od + awk,
# below), independent of wgtrace's writer. Expected values come from the
# topology, wg0's tx_errors (WireGuard counts each packet it has no peer
# for) and uname.
#
#   wga: wg0 10.99.0.1/24, route 10.98.0.0/24 dev wg0 (no peer has it)
#   wgb: wg0 10.99.0.2/24

. /tests/lib.sh

CHECKS="pcap-watch-file pcap-watch-nopeer pcap-watch-budget"
# shellcheck disable=SC2086
plan "$(echo $CHECKS | wc -w)"
# shellcheck disable=SC2086
require_wgtrace $CHECKS || exit 0
T=$LIB_TMP

# One line per block: "SHB appl=..|os=..", "IDB NAME", "EPB if=NAME cap=N
# len=N src=A dst=B proto=P type=T comment=...", then "END OFFSET" when
# every block's lengths agree and they cover the file, else "BAD ...".
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
			src = "-"; dst = "-"; proto = -1; ty = -1
			if (cap >= 20 && int(b[d] / 16) == 4) {
				src = b[d + 12] "." b[d + 13] "." b[d + 14] "." b[d + 15]
				dst = b[d + 16] "." b[d + 17] "." b[d + 18] "." b[d + 19]
				proto = b[d + 9]; h = (b[d] % 16) * 4
				if (cap > h) ty = b[d + h]
			}
			print "EPB if=" ifn[id] " cap=" cap " len=" le32(p + 24) " src=" src " dst=" dst " proto=" proto " type=" ty " comment=" opt(d + int((cap + 3) / 4) * 4, p + l - 4, 1)
		}
		p += l
	}
	print "END " p
}'
pcapng_blocks() { od -An -tx1 -v "$1" | awk "$PCAPNG_AWK"; }

wg_pair_up || fail_all "no WireGuard pair (lab problem)"
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
file_ok() {
	_os=$(sed -n 's/^SHB .*|os=//p' "$T/w.blocks")
	_appl=$(sed -n 's/^SHB appl=\(.*\)|os=.*/\1/p' "$T/w.blocks")
	echo "watch exit $W_RC; last block line '$(tail -n 1 "$T/w.blocks")';" \
		"appl '$_appl', os '$_os', kernel $(uname -r)"
	[ "$W_RC" = 0 ] && grep -q '^END [0-9]' "$T/w.blocks" &&
		[ "$(sed -n 's/^END //p' "$T/w.blocks")" = "$(wc -c <"$T/w.pcapng")" ] &&
		[ "$_os" = "Linux $(uname -r)" ] &&
		case $_appl in "wgtrace "?*) true ;; *) false ;; esac
}
check pcap-watch-file "the watch --pcap file is not sound pcapng with wgtrace and the kernel in its header" file_ok

# The refused echo requests, from wga's tunnel address on wg0, each with
# its no_peer verdict; no more than WireGuard counted.
nopeer() {
	_n=$(grep -c '^EPB if=wg0 .* src=10.99.0.1 dst=10.98.0.5 proto=1 type=8 comment=hook=.*verdict=no_peer' "$T/w.blocks")
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
