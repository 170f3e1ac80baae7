#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace probe --json` against the guest kernel's own truth. Every
# expected value comes from the kernel: /sys, tracefs, kprobe_events and BTF
# as bpftool dumps it; never from wgtrace.

. /tests/lib.sh

fns="wg_xmit wg_allowedips_lookup_dst wg_allowedips_lookup_src"
CHECKS="probe-json probe-kernel-release probe-wireguard-module probe-wireguard-btf"
for fn in $fns; do CHECKS="$CHECKS probe-fexit-$fn probe-kretprobe-$fn"; done
CHECKS="$CHECKS probe-drop-reason-IP_RPFILTER probe-drop-reasons-match-btf
	probe-tp_btf-icmp_send probe-bogus-option"
plan "$(echo "$CHECKS" | wc -w)"
require_wgtrace $CHECKS || exit 0

tracefs=/sys/kernel/tracing
out=$LIB_TMP/probe.jsonl
wgtrace probe --json >"$out" 2>"$LIB_TMP/probe.err"
rc=$?

# --- the output itself ---------------------------------------------------
nlines=$(wc -l <"$out")
bad=$(while IFS= read -r l; do
	printf '%s\n' "$l" | jq -e 'type == "object"' >/dev/null 2>&1 || echo x
done <"$out" | wc -l)
nkernel=$(jq -r 'select(.type == "kernel") | 1' "$out" 2>/dev/null | wc -l)
ndrops=$(jq -r 'select(.type == "drop_reasons") | 1' "$out" 2>/dev/null | wc -l)
if [ $rc -eq 0 ] && [ "$nlines" -gt 0 ] && [ "$bad" -eq 0 ] &&
	[ "$nkernel" -eq 1 ] && [ "$ndrops" -eq 1 ]; then
	pass probe-json
else
	fail probe-json "status $rc, $nlines lines, $bad not JSON objects," \
		"$nkernel kernel and $ndrops drop_reasons objects (want 1 each)"
	sed 's/^/    stderr: /' "$LIB_TMP/probe.err" | head -n 20
fi

# kernel_field NAME: a field of the "kernel" object, as jq prints it.
kernel_field() { jq -r "select(.type == \"kernel\") | .$1" "$out" 2>/dev/null; }

# --- kernel facts --------------------------------------------------------
want=$(uname -r)
got=$(kernel_field release)
if [ "$got" = "$want" ]; then
	pass probe-kernel-release
else
	fail probe-kernel-release "probe says '$got', uname -r says '$want'"
fi

# /init loaded wireguard; the kernel lists loaded modules in /sys/module.
[ -d /sys/module/wireguard ] && want=true || want=false
got=$(kernel_field wireguard_module)
if [ "$want" != true ]; then
	fail probe-wireguard-module "lab: wireguard is not loaded in this guest"
elif [ "$got" = true ]; then
	pass probe-wireguard-module
else
	fail probe-wireguard-module "probe says '$got', /sys/module/wireguard exists"
fi

# Module BTF came in 5.11: 5.10 has none, and probe must say so.
[ -e /sys/kernel/btf/wireguard ] && want=true || want=false
got=$(kernel_field wireguard_btf)
if [ "$got" = "$want" ]; then
	pass probe-wireguard-btf
else
	fail probe-wireguard-btf "probe says '$got', /sys/kernel/btf/wireguard exists: $want"
fi

# --- candidate hooks ----------------------------------------------------
# cand_ok HOOK: "true" if any fact lists HOOK as an ok candidate, "false"
# if listed but never ok, empty if not listed at all.
# A hook may carry a qualifier: "kretprobe/FN (sender unknown)".
cand_sel='select(.type == "hook") | .candidates[]? | select(.hook == $h or
	(.hook | startswith($h + " (")) or (.hook | startswith($h + ":")))'
cand_ok() {
	jq -r --arg h "$1" "$cand_sel | .ok" "$out" 2>/dev/null |
		awk '$0 == "true" { t = 1 } NF { n = 1 }
			END { if (t) print "true"; else if (n) print "false" }'
}
cand_err() {
	jq -r --arg h "$1" "$cand_sel | select(.ok != true) | .error" "$out" \
		2>/dev/null | head -n 1
}

# check_cand NAME HOOK WANT WHY: compare the probe's verdict on HOOK with
# what the kernel says (WANT true/false, WHY: how the kernel said it).
check_cand() {
	_got=$(cand_ok "$2")
	if [ -z "$_got" ]; then
		fail "$1" "probe lists no candidate $2"
	elif [ "$_got" = "$3" ]; then
		pass "$1"
	elif [ "$3" = true ]; then
		fail "$1" "probe says $2 fails ($(cand_err "$2")) but $4"
	else
		fail "$1" "probe says $2 works but $4"
	fi
}

# The module's BTF, split on top of vmlinux's, as bpftool prints it.
btf_wg=$LIB_TMP/btf-wireguard.txt
bpftool btf dump file /sys/kernel/btf/wireguard -B /sys/kernel/btf/vmlinux \
	>"$btf_wg" 2>/dev/null

# kprobe_events: the kernel accepts a kretprobe on FN or refuses it. The
# event is removed at once (and again at exit, should we be killed).
kretprobe_ok() {
	_ev="wgtrace_t/r_$1"
	at_exit "echo '-:$_ev' >>$tracefs/kprobe_events"
	if echo "r:$_ev $1" >>"$tracefs/kprobe_events" 2>/dev/null; then
		echo "-:$_ev" >>"$tracefs/kprobe_events"
		return 0
	fi
	return 1
}

for fn in $fns; do
	# fexit needs the function in BTF (a FUNC record) and ftrace-able (in
	# available_filter_functions: the trampoline patches its fentry site).
	# All three take at most 3 arguments, below every kernel's limit.
	in_btf=false
	in_ftrace=false
	grep -q "FUNC '$fn' " "$btf_wg" && in_btf=true
	grep -q "^$fn\( \|$\)" "$tracefs/available_filter_functions" && in_ftrace=true
	if [ $in_btf = true ] && [ $in_ftrace = true ]; then
		check_cand "probe-fexit-$fn" "fexit/$fn" true \
			"$fn has module BTF and is in available_filter_functions"
	else
		check_cand "probe-fexit-$fn" "fexit/$fn" false \
			"module BTF has $fn: $in_btf, ftrace can patch it: $in_ftrace"
	fi

	if kretprobe_ok "$fn"; then
		check_cand "probe-kretprobe-$fn" "kretprobe/$fn" true \
			"kprobe_events accepts r:$fn"
	else
		check_cand "probe-kretprobe-$fn" "kretprobe/$fn" false \
			"kprobe_events refuses r:$fn"
	fi
done

# The tracepoint exists exactly when tracefs has its event (Debian
# backported icmp_send to 6.1; probe, never assume).
if [ -d "$tracefs/events/icmp/icmp_send" ]; then
	check_cand probe-tp_btf-icmp_send tp_btf/icmp_send true \
		"$tracefs/events/icmp/icmp_send exists"
else
	check_cand probe-tp_btf-icmp_send tp_btf/icmp_send false \
		"$tracefs/events/icmp/icmp_send does not exist"
fi

# --- drop reasons --------------------------------------------------------
# The kernel's enum skb_drop_reason, names without the prefix, from BTF.
btf_reasons=$LIB_TMP/btf-reasons.txt
bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	awk '/^\[[0-9]+\] ENUM / { inside = ($3 == "'\''skb_drop_reason'\''") ; next }
		/^\[/ { inside = 0 }
		inside && /^\t'\''SKB_DROP_REASON_/ {
			n = $1; gsub("'\''", "", n); sub("^SKB_DROP_REASON_", "", n); print n
		}' | sort -u >"$btf_reasons"
probe_reasons=$LIB_TMP/probe-reasons.txt
jq -r 'select(.type == "drop_reasons") | .reasons[]' "$out" 2>/dev/null |
	sort -u >"$probe_reasons"
info "drop reasons: BTF $(wc -l <"$btf_reasons"), probe $(wc -l <"$probe_reasons")"

if grep -qx IP_RPFILTER "$btf_reasons"; then
	if grep -qx IP_RPFILTER "$probe_reasons"; then
		pass probe-drop-reason-IP_RPFILTER
	else
		fail probe-drop-reason-IP_RPFILTER \
			"BTF has SKB_DROP_REASON_IP_RPFILTER, the probe does not list it"
	fi
elif grep -qx IP_RPFILTER "$probe_reasons"; then
	fail probe-drop-reason-IP_RPFILTER "listed, but BTF has no SKB_DROP_REASON_IP_RPFILTER"
elif ! grep -q reason "$tracefs/events/skb/kfree_skb/format" 2>/dev/null; then
	# Before 5.17 kfree_skb carries no reason at all (its tracefs format
	# says so, independently of BTF): none listed is right.
	pass probe-drop-reason-IP_RPFILTER
else
	fail probe-drop-reason-IP_RPFILTER "lab: kfree_skb has a reason but BTF no SKB_DROP_REASON_IP_RPFILTER"
fi

# The whole list: every name the probe gives is a real enum member, every
# member is listed (MAX is the enum's size, not a reason), and count is the
# number of members BTF has (not the length of the probe's own list).
count=$(jq -r 'select(.type == "drop_reasons") | .count' "$out" 2>/dev/null)
# (busybox has no comm: grep -vxFf A B prints the lines of B not in A.)
# first_of FILE: up to 8 of its lines on one line, and how many more.
first_of() {
	awk 'NR <= 8 { printf "%s%s", (NR > 1 ? " " : ""), $0 }
		END { if (NR > 8) printf " (and %d more)", NR - 8 }' "$1"
}
grep -vxFf "$btf_reasons" "$probe_reasons" >"$LIB_TMP/extra"
grep -vx MAX "$btf_reasons" | grep -vxFf "$probe_reasons" >"$LIB_TMP/missing"
extra=$(first_of "$LIB_TMP/extra")
missing=$(first_of "$LIB_TMP/missing")
nprobe=$(jq -r 'select(.type == "drop_reasons") | .reasons | length' "$out" 2>/dev/null)
nbtf=$(grep -vx MAX "$btf_reasons" | wc -l)
if [ ! -s "$btf_reasons" ] &&
	grep -q reason "$tracefs/events/skb/kfree_skb/format" 2>/dev/null; then
	fail probe-drop-reasons-match-btf "lab: kfree_skb has a reason but bpftool's BTF dump no enum skb_drop_reason"
elif [ ! -s "$btf_reasons" ]; then
	# Before 5.17: no reasons in BTF, none in the tracepoint's format.
	if [ "$count" = 0 ] && [ ! -s "$probe_reasons" ]; then
		pass probe-drop-reasons-match-btf
	else
		fail probe-drop-reasons-match-btf "kernel has no drop reasons, probe lists $count"
	fi
elif [ -z "$extra" ] && [ -z "$missing" ] && [ "$count" = "$nbtf" ] &&
	[ "$nprobe" = "$nbtf" ]; then
	pass probe-drop-reasons-match-btf
else
	fail probe-drop-reasons-match-btf "not in BTF: [$extra]," \
		"not listed: [$missing], count $count and $nprobe names for $nbtf in BTF"
fi

# --- usage errors --------------------------------------------------------
wgtrace probe --bogus >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then
	pass probe-bogus-option
else
	fail probe-bogus-option "wgtrace probe --bogus exited $rc, want 2"
fi
exit 0
