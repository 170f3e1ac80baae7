#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: build a small WireGuard gateway lab in network namespaces
# with deliberately wrong turns (tests/demo/lab.sh), run `wgtrace check`
# on it, then `wgtrace watch` for 20 s while bounded traffic hits each
# planted problem, tear the lab down and say which problems were reported.
#
# Needs root, iproute2, wireguard-tools, iputils ping, and kernel WireGuard
# or wireguard-go (kernel WireGuard is used when the kernel can make a
# device). Takes about 30 s. Changes nothing outside its own namespaces.
#
# Environment: WGTRACE (the binary, default ./wgtrace), WG_IMPL (kernel or
# wireguard-go, default: kernel when it works), DEMO_DURATION (watch's
# --duration, default 20).
set -u

here=$(cd "$(dirname "$0")" && pwd)
say() { echo "demo: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- preconditions -------------------------------------------------------
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF): sudo make demo"
for c in ip wg ping; do
	command -v "$c" >/dev/null ||
		die "'$c' not found: install iproute2, wireguard-tools, iputils-ping (make deps)"
done
ping -V 2>/dev/null | grep -q iputils ||
	die "ping is not iputils ping (needed for -M): install iputils-ping (make deps)"

. "$here/lab.sh"		# also tests/netns/lib.sh: cleanup on exit
[ -x "$WGTRACE" ] || die "$WGTRACE not built: run make"
if [ -z "${WG_IMPL:-}" ]; then
	if kernel_wg_works; then
		WG_IMPL=kernel
	elif command -v wireguard-go >/dev/null; then
		WG_IMPL=wireguard-go
	else
		die "no WireGuard here: the kernel has no WireGuard module and wireguard-go is not installed (make deps)"
	fi
fi
case $WG_IMPL in
kernel) kernel_wg_works || die "WG_IMPL=kernel, but this kernel cannot make a WireGuard device" ;;
wireguard-go) command -v wireguard-go >/dev/null || die "wireguard-go not installed (make deps)" ;;
*) die "WG_IMPL: kernel or wireguard-go, not '$WG_IMPL'" ;;
esac
WG_LABEL=wireguard-go
[ "$WG_IMPL" = kernel ] && WG_LABEL="kernel WireGuard"
DURATION=${DEMO_DURATION:-20}
mounted() { awk -v d="$1" '$2 == d { f = 1 } END { exit !f }' /proc/mounts; }
mounted /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mounted /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing

LAB_TMP=$(mktemp -d /tmp/wgdemo.XXXXXX)
trap 'cleanup; rm -rf "$LAB_TMP"' EXIT
trap 'echo >&2; say "interrupted: removing the lab"; exit 130' INT TERM

# ---- the lab -------------------------------------------------------------
say "building lab in namespaces $LAB_ID-* (WireGuard: $WG_IMPL)..."
lab_build || die "building the lab failed"
cat >&2 <<EOF
demo: gateway $GW, WireGuard device $GW_WG, peers alice, bob, carol. Planted:
demo:   overlap       bob's 10.10.5.0/24 lies inside alice's 10.10.0.0/16
demo:   src_rejected  bob sends from 10.10.9.9, an address of alice's range
demo:   rpf_drop      strict rp_filter on lan0; 172.16.7.7 on the LAN routes back by up0
demo:   mtu_drop      1400-byte DF packets from the tunnel (MTU 1420) to up0 (MTU 1280)
demo:   route_bypass  carol's 10.30.0.0/16 has no route: it leaves by up0, in clear
demo:   no_forward    forwarding off on guest0
EOF
if [ "$WG_IMPL" = wireguard-go ]; then
	say "note: wireguard-go checks AllowedIPs in user space, where no kernel hook"
	say "sees it: watch can only say that src_rejected is not observable here."
fi

# ---- check: the static audit ---------------------------------------------
echo
echo "\$ wgtrace check -n $GW --intent names"
"$WGTRACE" check -n "$GW" --intent "$LAB_INTENT" | tee "$LAB_TMP/check.txt"

# ---- watch: the live report, while traffic runs --------------------------
# The kernel's own counters for each verdict (tests/README.md:
# expected values come from the kernel), read before and after the traffic: shown next to wgtrace's.
netstat_val() {	# NS FILE GROUP FIELD
	ip netns exec "$1" awk -v g="$3:" -v f="$4" '
		$1 == g && !n { n = split($0, h); next }
		$1 == g { for (i = 2; i <= n; i++) if (h[i] == f) print $i; exit }' "$2"
}
kernel_counts() {
	echo "rpf_drop $(netstat_val "$GW" /proc/net/netstat TcpExt IPReversePathFilter)"
	echo "mtu_drop $(netstat_val "$GW" /proc/net/snmp Ip FragFails)"
	echo "no_forward $(netstat_val "$GW" /proc/net/snmp Ip InAddrErrors)"
	echo "route_bypass $(netstat_val "$ISP" /proc/net/netstat IpExt InNoRoutes)"
	echo "src_rejected $(ip netns exec "$GW" cat "/sys/class/net/$GW_WG/statistics/rx_frame_errors")"
}
declare -A KNAME=(
	[src_rejected]="rx_frame_errors of $GW_WG"
	[rpf_drop]="IPReversePathFilter"
	[mtu_drop]="FragFails"
	[no_forward]="InAddrErrors"
	[route_bypass]="InNoRoutes at the ISP"
)

# A live report every 12 s: one after the first burst, then the final one
# at 20 s (a duration that is a multiple of the interval would print the
# last report twice).
echo
echo "\$ wgtrace watch -n $GW --duration $DURATION --interval 12 --intent names"
: >"$LAB_TMP/watch.txt"	# before tail opens it
: >"$LAB_TMP/watch.err"
"$WGTRACE" watch -n "$GW" --duration "$DURATION" --interval 12 \
	--intent "$LAB_INTENT" >"$LAB_TMP/watch.txt" 2>"$LAB_TMP/watch.err" &
WATCH_PID=$!
_pid_list+=("$WATCH_PID")
# Shown as it comes; tail ends on its own once watch has exited.
tail -n +1 -f --pid="$WATCH_PID" "$LAB_TMP/watch.txt" &
TAIL_PID=$!
_pid_list+=("$TAIL_PID")
watch_ready() {
	grep -q '^wgtrace: watching' "$LAB_TMP/watch.err" || ! kill -0 "$WATCH_PID"
}
first_report() {
	grep -q '^wgtrace watch ' "$LAB_TMP/watch.txt" || ! kill -0 "$WATCH_PID"
}
wait_until 30 watch_ready
if ! kill -0 "$WATCH_PID" 2>/dev/null; then
	cat "$LAB_TMP/watch.err" >&2
	die "wgtrace watch did not start"
fi
cat "$LAB_TMP/watch.err" >&2
kernel_counts >"$LAB_TMP/counts.before"
say "sending traffic: 5 packets per planted problem now, 5 more after the first report..."
lab_traffic
# (No progress line here: it would land in the middle of the report.)
wait_until $((DURATION + 10)) first_report
lab_traffic
kernel_counts >"$LAB_TMP/counts.after"
wait "$WATCH_PID"
WATCH_RC=$?
wait "$TAIL_PID" 2>/dev/null
if [ "$WATCH_RC" != 0 ]; then
	sed 1d "$LAB_TMP/watch.err" >&2
	say "wgtrace watch exited with status $WATCH_RC"
fi

# ---- tear down, then say what was reported -------------------------------
cleanup
_pid_list=() _ns_list=()
left=$(ip netns list | grep -c "^$LAB_ID-")
[ "$left" = 0 ] || say "WARNING: $left lab namespaces left: ip netns list | grep $LAB_ID-"

# Finding headers as the text report prints them:
# "SEVERITY id [on DEV] [(N times)]", the message on the next line.
header() {	# FILE ID
	grep -m1 -E "^(ERROR|WARNING|INFO) $2( |\$)" "$1"
}
count_of() {	# HEADER: N of "(N times)", 1 when absent
	local n
	n=$(sed -n 's/.*(\([0-9]*\) times)$/\1/p' <<<"$1")
	echo "${n:-1}"
}
dev_of() { sed -n 's/^[A-Z]* [a-z_]* on \([^ ]*\).*/\1/p' <<<"$1"; }
kcount() {	# ID: the kernel's count during the traffic
	local a b
	a=$(awk -v k="$1" '$1 == k { print $2 }' "$LAB_TMP/counts.after")
	b=$(awk -v k="$1" '$1 == k { print $2 }' "$LAB_TMP/counts.before")
	echo $((${a:-0} - ${b:-0}))
}
final="$LAB_TMP/final.txt"
sed -n '/^final report$/,$p' "$LAB_TMP/watch.txt" >"$final"
planted="overlap src_rejected rpf_drop mtu_drop route_bypass no_forward"
got=() missed=() unobservable=()
echo
say "the planted problems, what wgtrace reported, what the kernel counted:"
if h=$(header "$LAB_TMP/check.txt" overlap); then
	msg=$(grep -m1 -A1 -F "$h" "$LAB_TMP/check.txt" | sed -n '2s/^ *//p')
	say "  overlap       check: $msg"
	got+=(overlap)
else
	say "  overlap       MISSED by wgtrace check"
	missed+=(overlap)
fi
for id in src_rejected rpf_drop mtu_drop route_bypass no_forward; do
	label=$(printf '%-13s' "$id")
	why=$(sed -n "s/^  not observable here: $id (\(.*\))\$/\1/p" "$final" | head -n 1)
	if h=$(header "$final" "$id"); then
		where="on $(dev_of "$h")"
		# route_bypass is "on" the device it bypassed; say where it went.
		[ "$id" = route_bypass ] && where="meant for $(dev_of "$h") left by $(sed -n \
			'/^ERROR route_bypass /,/^[^ ]/s/^  actual: *dev \([^ ]*\)$/\1/p' "$final" | head -n 1)"
		say "  $label watch: $(count_of "$h") packets $where; kernel ${KNAME[$id]}: $(kcount "$id")"
		got+=("$id")
	elif [ -n "$why" ]; then
		say "  $label not observable here ($WG_LABEL): $why"
		unobservable+=("$id")
	else
		say "  $label MISSED by wgtrace watch; kernel ${KNAME[$id]}: $(kcount "$id")"
		missed+=("$id")
	fi
done
extra=()
for id in $(cat "$LAB_TMP/check.txt" "$final" |
	sed -n 's/^\(ERROR\|WARNING\|INFO\) \([a-z_0-9]*\).*/\2/p' | sort -u); do
	[[ " $planted " == *" $id "* ]] || extra+=("$id")
done
[ ${#extra[@]} -gt 0 ] && say "  also reported, not planted: ${extra[*]}"

summary="lab removed; wgtrace reported ${#got[@]} of 6 planted problems (${got[*]:-none})"
[ ${#unobservable[@]} -gt 0 ] &&
	summary+="; not observable here ($WG_LABEL): ${unobservable[*]}"
[ ${#missed[@]} -gt 0 ] && summary+="; MISSED: ${missed[*]}"
say "$summary"
[ ${#missed[@]} -eq 0 ] && [ "$WATCH_RC" = 0 ]
