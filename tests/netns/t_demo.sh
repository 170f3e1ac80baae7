#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo` (tests/demo/demo.sh): it must show each planted problem that
# is observable on this host, with wgtrace's count equal to the kernel's
# own count that the demo read from the lab (tests/README.md:
# expected values come from the kernel), say honestly what is not observable, finish well under a
# minute, and leave no namespace or wireguard-go process behind, also when
# interrupted with Ctrl-C.
#
# The planted problems and their places (lan0, guest0, the gateway's
# WireGuard device, the overlapping prefixes) are fixed by tests/demo/lab.sh;
# the counts come from the kernel.
. "$(dirname "$0")/lib.sh"
require_root demo
require_cmd demo ip wg ping
# The demo uses kernel WireGuard when the kernel can make a device, else
# wireguard-go; one of them must be there.
probe=
if ! command -v wireguard-go >/dev/null; then
	ns_new probe
	if ! ip -n "$probe" link add wgprobe type wireguard 2>/dev/null; then
		bail demo "no kernel WireGuard and wireguard-go not installed (run: make deps)"
	fi
fi

plan 9
DEMO=$TOP/tests/demo/demo.sh
TMP=$(mktemp -d /tmp/wgt-demo.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
OUT=$TMP/out

eq() { [ "$1" = "$2" ] || { echo "'$1' != '$2' ($3)"; return 1; }; }
show_out() { sed 's/^/  | /' "$OUT"; }

# The demo's lab id (wgdemo-PID), from its first progress line.
lab_id() { sed -n 's/^demo: building lab in namespaces \(wgdemo-[0-9]*\)-\*.*/\1/p' "$1" | head -n 1; }

# cmdlines: "PID ARGS..." of every process (from /proc: no ps options needed).
cmdlines() {
	local c p
	for c in /proc/[0-9]*/cmdline; do
		p=${c#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] && continue
		echo "$p $(tr '\0' ' ' <"$c" 2>/dev/null)"
	done
}

# nothing_left ID: no namespace, wireguard-go process or UAPI socket of it.
nothing_left() {
	local id=$1 pid=${1#wgdemo-} ns procs socks
	[ -n "$id" ] || { echo "no lab id in the demo's output"; return 1; }
	ns=$(ip netns list | awk -v p="$id-" 'index($1, p) == 1 { print $1 }')
	procs=$(cmdlines | grep -E "^[0-9]+ wireguard-go .*wgd$pid-")
	socks=$(cd /var/run/wireguard 2>/dev/null && ls -d "wgd$pid-"* 2>/dev/null)
	[ -z "$ns$procs$socks" ] || {
		echo "left behind:"
		echo "$ns$procs$socks" | sed 's/^/    /'
		return 1
	}
}

# ---- one full run ---------------------------------------------------------
START=$SECONDS
timeout -k 10 120 "$DEMO" >"$OUT" 2>&1
RC=$?
ELAPSED=$((SECONDS - START))
ID=$(lab_id "$OUT")
IMPL=$(sed -n 's/^demo: building lab .*(WireGuard: \(.*\))\.\.\.$/\1/p' "$OUT")
[ -n "${DEMO_DEBUG:-}" ] && show_out

# Sections: check's output, watch's final report, the demo's closing lines.
sed -n '/^\$ wgtrace check /,/^\$ wgtrace watch /p' "$OUT" >"$TMP/check"
sed -n '/^final report$/,/^demo: the planted problems/p' "$OUT" >"$TMP/final"
sed -n '/^demo: the planted problems/,$p' "$OUT" >"$TMP/closing"
CLOSING=$(grep '^demo: lab removed; ' "$OUT" | tail -n 1)
GW_WG=$(sed -n 's/^demo: gateway [^ ]*, WireGuard device \([^,]*\),.*/\1/p' "$OUT")

completed() {
	[ -n "$CLOSING" ] || { echo "no closing line (exit $RC)"; show_out; return 1; }
	[ "$ELAPSED" -lt 60 ] || { echo "took $ELAPSED s"; return 1; }
	[ -s "$TMP/final" ] || { echo "no final report of watch"; show_out; return 1; }
	[ "$RC" -eq 0 ] || { echo "exit $RC"; show_out; return 1; }
}
check demo-completes "the demo did not finish cleanly within 60 s" completed

# The finding header of watch's final report: "ERROR ID on DEV (N times)".
header() { grep -m1 -E "^(ERROR|WARNING|INFO) $1( |\$)" "$TMP/final"; }
# The kernel's count the demo printed for ID ("...; kernel NAME: N").
kernel_count() { sed -n "s/^demo:   $1 .*; kernel .*: \([0-9]*\)\$/\1/p" "$TMP/closing"; }

# block ID: the whole finding (header and its indented lines).
block() {
	awk -v id="$1" '
		/^(ERROR|WARNING|INFO) / { on = ($2 == id); if (on) n++ }
		n == 1 && on && !/^$/ { print }
		/^[^ ]/ && !/^(ERROR|WARNING|INFO) / { on = 0 }' "$TMP/final"
}

# observed ID DEV LINE: reported on DEV with the line LINE, and wgtrace's
# count equals the kernel's count (> 0) that the demo read from the lab.
observed() {
	local id=$1 dev=$2 line=$3 h n k
	h=$(header "$id") || { echo "no $id finding in the final report"; cat "$TMP/final"; return 1; }
	[[ $h == *" $id on $dev"* ]] || { echo "'$h': expected on $dev"; return 1; }
	block "$id" | grep -qF -- "$line" || { echo "no '$line' in:"; block "$id"; return 1; }
	n=$(sed -n 's/.*(\([0-9]*\) times)$/\1/p' <<<"$h")
	n=${n:-1}
	k=$(kernel_count "$id")
	[ -n "$k" ] && [ "$k" -gt 0 ] || { echo "no kernel count for $id in the closing lines"; cat "$TMP/closing"; return 1; }
	eq "$n" "$k" "$id: wgtrace's count vs the kernel's"
	grep -q "^demo:   $id .*watch: $n packets" "$TMP/closing" ||
		{ echo "the closing lines do not list $id as reported"; cat "$TMP/closing"; return 1; }
	[[ $CLOSING == *"("*"$id"*")"* ]] || { echo "closing line lacks $id: $CLOSING"; return 1; }
}

# kernel_has WHAT: the kernel can show it at all (tracefs is the truth):
# a kfree_skb drop reason, or a tracepoint.
kernel_has() {
	local t=/sys/kernel/tracing/events
	case $1 in
	reason:*) grep -qF "\"${1#reason:}\"" "$t/skb/kfree_skb/format" 2>/dev/null ;;
	*) [ -e "$t/$1/format" ] ;;
	esac
}
# observed_if NAME WHAT WHY ARGS...: observed ARGS when the kernel has WHAT.
observed_if() {
	local name=$1 what=$2 why=$3
	shift 3
	if kernel_has "$what"; then
		check "$name" "$why" observed "$@"
	else
		skip "$name" "this kernel has no ${what/reason:/drop reason }"
	fi
}

overlap_shown() {
	grep -q "^WARNING overlap on $GW_WG\$" "$TMP/check" ||
		{ echo "no 'WARNING overlap on $GW_WG' in check's output"; cat "$TMP/check"; return 1; }
	grep -q "10.10.5.0/24 of peer bob lies inside 10.10.0.0/16 of peer alice" "$TMP/check" ||
		{ echo "the overlap is not bob's 10.10.5.0/24 in alice's 10.10.0.0/16"; cat "$TMP/check"; return 1; }
	[[ $CLOSING == *"("*overlap*")"* ]] || { echo "closing line lacks overlap: $CLOSING"; return 1; }
}
check demo-overlap "check's overlap of bob in alice not shown" overlap_shown
observed_if demo-rpf_drop reason:IP_RPFILTER "rpf_drop on lan0 not reported as the kernel counted" \
	rpf_drop lan0 "route back to 172.16.7.7 goes via up0"
observed_if demo-mtu_drop reason:PKT_TOO_BIG "mtu_drop not reported as the kernel counted" \
	mtu_drop up0 "1400-byte packet, MTU 1280 on up0"
observed_if demo-route_bypass net/net_dev_queue "route_bypass of carol's prefix not reported as counted" \
	route_bypass "$GW_WG" "actual:   dev up0"
observed_if demo-no_forward skb/kfree_skb "no_forward on guest0 not reported as the kernel counted" \
	no_forward guest0 "conf.guest0.forwarding=0"

# src_rejected: with wireguard-go the kernel never sees the AllowedIPs
# source check, so the demo must say "not observable", not invent a count.
src_rejected_honest() {
	case $IMPL in
	wireguard-go)
		grep -q '^  not observable here: src_rejected ' "$TMP/final" ||
			{ echo "watch does not say src_rejected is not observable"; cat "$TMP/final"; return 1; }
		! header src_rejected >/dev/null ||
			{ echo "a src_rejected finding with wireguard-go"; return 1; }
		grep -q '^demo:   src_rejected  not observable here (wireguard-go): ' "$TMP/closing" &&
			[[ $CLOSING == *"not observable here (wireguard-go): src_rejected"* ]] ||
			{ echo "the closing lines do not say src_rejected is not observable"; cat "$TMP/closing"; return 1; }
		;;
	kernel) observed src_rejected "$GW_WG" "example:  icmp 10.10.9.9 -> 192.0.2.254" ;;
	*) echo "the demo did not say which WireGuard it used"; return 1 ;;
	esac
}
check demo-src_rejected "src_rejected not reported honestly for $IMPL" src_rejected_honest
check demo-cleanup "the demo left its lab behind" nothing_left "$ID"

# ---- Ctrl-C while traffic runs: everything must still go --------------------
# Job control puts the demo in its own process group, as a terminal's
# foreground job is, and keeps SIGINT from being ignored in a background job.
interrupted() {
	local pid id rc
	set -m
	"$DEMO" >"$TMP/int" 2>&1 &
	pid=$!
	set +m
	_pid_list+=("$pid")
	wait_until 60 grep -q '^demo: sending traffic' "$TMP/int" ||
		{ kill -- -"$pid" 2>/dev/null; echo "the demo never sent traffic"; sed 's/^/  | /' "$TMP/int"; return 1; }
	kill -INT -- -"$pid"	# Ctrl-C: the whole foreground process group
	wait_until 30 eval "! kill -0 $pid" || { echo "still running 30 s after Ctrl-C"; return 1; }
	wait "$pid"
	rc=$?
	[ "$rc" -ne 0 ] || { echo "exit 0 after Ctrl-C"; return 1; }
	id=$(lab_id "$TMP/int")
	# wgtrace watch must have detached and exited too.
	! cmdlines | grep -qE "^[0-9]+ [^ ]*wgtrace watch -n $id-gw" ||
		{ echo "wgtrace watch of $id still running"; return 1; }
	nothing_left "$id"
}
check demo-ctrl-c "Ctrl-C left the lab behind" interrupted
