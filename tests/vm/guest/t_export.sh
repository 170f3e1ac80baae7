#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace export` on kernel WireGuard, scraped with busybox wget and held
# against the kernel's own counter (tests/README.md: expected values come from the kernel):
#
#   wxa wg0 10.99.0.1 (+10.77.0.5 on lo)  ==veth==  wxb wg0 10.99.0.2
#
# B allows A only 10.99.0.1/32. A sends N pings from 10.77.0.5: B's WireGuard
# drops them after decryption and counts rx_frame_errors. The exporter
# (listening in the guest's own namespace, observing wxb) must show
#   wgtrace_drops_total{reason="src_rejected",interface="wg0",peer=<A's key>}
# equal to that delta. Then B's wg0 is deleted and created again with the
# same key and peer: every counter series scraped before is there after,
# not lower, and the new device's drops are added to the same series.
# SIGTERM: exit 0, its BPF programs and links gone.

. /tests/lib.sh

CHECKS="export-vm-ready export-vm-src-rejected export-vm-src-rejected-only-sender
	export-vm-openmetrics export-vm-recreate-monotonic
	export-vm-recreate-src-rejected export-vm-sigterm"
plan "$(echo "$CHECKS" | wc -w)"
require_wgtrace $CHECKS || exit 0

N=10
PORT=19599
URL=http://127.0.0.1:$PORT/metrics
WG_NS_A=wxa WG_NS_B=wxb
if ! wg_pair_up; then
	fail_all "lab: no WireGuard pair (see the diagnostics)"
fi
ip -n wxa addr add 10.77.0.5/32 dev lo || fail_all "lab: cannot add 10.77.0.5 to wxa"

scrape() { timeout 20 wget -qO- "$URL"; }
scrape_ok() { scrape | grep -q '^wgtrace_build_info{'; }
totals() { grep -E '^wgtrace_[a-z_]+_total[{ ]' "$1"; }
# val FILE SERIES: the value of one exact series, or nothing.
val() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
# reason_sum FILE REASON: wgtrace_drops_total summed over one reason.
reason_sum() {
	awk -v p="wgtrace_drops_total{reason=\"$2\"," \
		'index($0, p) == 1 { s += $2 } END { print s + 0 }' "$1"
}
show() { sed 's/^/    /' "$@"; }
frame_errors() { wg_counter wxb wg0 rx_frame_errors; }
spoof() {	# N pings from a source outside B's AllowedIPs for A
	nsx wxa timeout 60 ping -q -c $N -i 0.2 -W 2 -I 10.77.0.5 10.99.0.2 >/dev/null 2>&1
}
# The sender's key is read from WireGuard's own struct, which needs the
# module's BTF (5.11+). Without it (5.10) the rejection is counted exactly
# but the sender is unknown: an empty peer label, never a guessed one.
SENDER=$WG_A_PUB
[ -e /sys/kernel/btf/wireguard ] || SENDER=
SER="wgtrace_drops_total{reason=\"src_rejected\",interface=\"wg0\",peer=\"$SENDER\"}"
ser_is() {	# VALUE: the scraped series has it (the scrape stays in $LIB_TMP/cur)
	scrape >"$LIB_TMP/cur" && [ "$(val "$LIB_TMP/cur" "$SER")" = "$1" ]
}

# --- start ---------------------------------------------------------------------
wgtrace export -n wxb --listen 127.0.0.1:$PORT --interval 1 \
	>"$LIB_TMP/e.out" 2>"$LIB_TMP/e.log" &
EPID=$!
at_exit "kill $EPID"
t0=$(uptime_s)
if ! wait_until 120 scrape_ok; then
	fail export-vm-ready "no /metrics within 120 s"
	show "$LIB_TMP/e.log"
	for _c in $CHECKS; do [ "$_c" = export-vm-ready ] || fail "$_c" "the exporter did not start"; done
	exit 0
fi
pass export-vm-ready
info "ready after $(($(uptime_s) - t0)) s; $(grep -o 'hook wg_rx_src mode [a-z]*' "$LIB_TMP/e.log")"
EIDS=$(cat /proc/$EPID/fdinfo/* 2>/dev/null | grep -E '^(prog|link)_id:' | sort -u)

# --- src_rejected = rx_frame_errors delta --------------------------------------
f0=$(frame_errors)
spoof
f1=$(frame_errors)
D=$((f1 - f0))
info "wxb wg0 rx_frame_errors: $f0 -> $f1 for $N spoofed pings"
if [ "$D" -le 0 ]; then
	fail export-vm-src-rejected "lab: wxb wg0 counted no rx_frame_errors ($f0 -> $f1)"
	fail export-vm-src-rejected-only-sender "lab: no drops to count"
elif wait_until 60 ser_is "$D"; then
	pass export-vm-src-rejected
	s=$(reason_sum "$LIB_TMP/cur" src_rejected)
	if [ "$s" = "$D" ]; then
		pass export-vm-src-rejected-only-sender
	else
		fail export-vm-src-rejected-only-sender "src_rejected sums to $s over all series, the sender's is $D"
		grep src_rejected "$LIB_TMP/cur" | show
	fi
else
	fail export-vm-src-rejected "series is '$(val "$LIB_TMP/cur" "$SER")', wxb wg0 rx_frame_errors grew by $D"
	grep -E '^wgtrace_(drops|hook)' "$LIB_TMP/cur" | show
	fail export-vm-src-rejected-only-sender "no count to compare"
fi

# --- OpenMetrics -----------------------------------------------------------------
timeout 20 wget -S -qO "$LIB_TMP/om" --header 'Accept: application/openmetrics-text; version=1.0.0' \
	"$URL" 2>"$LIB_TMP/om.hdr"
ct=$(tr -d '\r' <"$LIB_TMP/om.hdr" | sed -n 's/^ *[Cc]ontent-[Tt]ype: *//p')
if [ "$(tail -n 1 "$LIB_TMP/om")" = "# EOF" ]; then
	case $ct in
	"application/openmetrics-text; version=1.0.0"*) pass export-vm-openmetrics ;;
	*) fail export-vm-openmetrics "Content-Type is '$ct'" ;;
	esac
else
	fail export-vm-openmetrics "the body does not end with '# EOF' (Content-Type '$ct')"
fi

# --- wg0 deleted and created again -------------------------------------------------
scrape >"$LIB_TMP/s1" && totals "$LIB_TMP/s1" >"$LIB_TMP/s1.t"
before=$(val "$LIB_TMP/s1" "$SER")
ip -n wxb link del wg0
# Scrapes while it is gone (the exporter re-reads the inventory every interval).
i=0
while [ $i -lt 3 ]; do
	i=$((i + 1))
	sleep 1
	scrape >"$LIB_TMP/m$i" && totals "$LIB_TMP/m$i" >"$LIB_TMP/m$i.t"
done
recreated=no
# B starts the new session (it knows A's endpoint); A's spoofed packets then
# reach the new device under it.
rehandshake() {
	nsx wxb ping -c 1 -W 1 10.99.0.1 && nsx wxa ping -c 1 -W 1 10.99.0.2
}
if wg_dev wxb wg0 "$WG_B_PRIV" "$WG_PORT_B" "$WG_TUN_B/24" &&
	wg_peer wxb wg0 "$WG_A_PUB" "$WG_ALLOWED_B" "$WG_UL_A:$WG_PORT_A" &&
	wait_until 60 rehandshake; then
	recreated=yes
fi
if [ $recreated = yes ]; then
	g0=$(frame_errors)
	spoof
	D2=$(($(frame_errors) - g0))
	info "new wg0 rx_frame_errors: +$D2; series before the re-creation: $before"
	want=$((${before:-0} + D2))
	wait_until 60 ser_is "$want"
	got=$(val "$LIB_TMP/cur" "$SER")
	scrape >"$LIB_TMP/s2" && totals "$LIB_TMP/s2" >"$LIB_TMP/s2.t"
	# not_lower A B: every series of A is in B, not lower.
	not_lower() {
		awk 'NR == FNR { v[$1] = $2; next }
			{ if (!($1 in v)) print "missing: " $1 " (was " $2 ")";
			  else if (v[$1] + 0 < $2 + 0) print "lower: " $1 " " $2 " -> " v[$1] }' "$2" "$1"
	}
	bad=
	prev=$LIB_TMP/s1.t
	for cur in m1 m2 m3 s2; do
		[ -e "$LIB_TMP/$cur.t" ] || continue
		out=$(not_lower "$prev" "$LIB_TMP/$cur.t")
		[ -n "$out" ] && bad="$bad
${prev##*/} -> $cur.t: $out"
		prev=$LIB_TMP/$cur.t
	done
	if [ ! -s "$LIB_TMP/s1.t" ] || [ ! -s "$LIB_TMP/s2.t" ]; then
		fail export-vm-recreate-monotonic "no counter series scraped before or after"
	elif [ -z "$bad" ]; then
		pass export-vm-recreate-monotonic
	else
		fail export-vm-recreate-monotonic "a counter series went down or vanished"
		echo "$bad" | show
	fi
	if [ "$D2" -le 0 ]; then
		fail export-vm-recreate-src-rejected "lab: the new wg0 counted no rx_frame_errors"
	elif [ "$got" = "$want" ]; then
		pass export-vm-recreate-src-rejected
	else
		fail export-vm-recreate-src-rejected "series is '$got': $before before + $D2 on the new wg0 (rx_frame_errors) = $want"
		grep -E '^wgtrace_drops' "$LIB_TMP/cur" | show
	fi
else
	fail export-vm-recreate-monotonic "lab: cannot create wg0 again with a session to A"
	fail export-vm-recreate-src-rejected "lab: cannot create wg0 again with a session to A"
fi

# --- SIGTERM ------------------------------------------------------------------------
kill -TERM $EPID
if wait_until 60 eval "! proc_alive $EPID"; then
	wait $EPID
	rc=$?
	echo "$EIDS" | while read -r kind id; do
		[ -n "$id" ] && bpftool "${kind%_id:}" show id "$id" >/dev/null 2>&1 &&
			echo "${kind%:} $id"
	done >"$LIB_TMP/left"
	if [ $rc != 0 ]; then
		fail export-vm-sigterm "exit status $rc"
		show "$LIB_TMP/e.log"
	elif [ -z "$EIDS" ]; then
		fail export-vm-sigterm "lab: no BPF program or link fds seen in the exporter"
	elif [ -s "$LIB_TMP/left" ]; then
		fail export-vm-sigterm "still loaded after exit: $(tr '\n' ' ' <"$LIB_TMP/left")"
	else
		pass export-vm-sigterm
	fi
else
	kill -KILL $EPID
	fail export-vm-sigterm "still running 60 s after SIGTERM"
fi
