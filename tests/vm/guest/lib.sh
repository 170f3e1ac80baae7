# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the vm tier's guest tests. Runs under dash (the guest's
# /bin/sh): no arrays, no `local` beyond what dash offers, no bashisms.
#
#   . /tests/lib.sh
#
# Result lines (one per check, the only unindented output of a test):
#   pass NAME | fail NAME WHY... | skip NAME WHY...
# Diagnostics: info TEXT... (indented).
#
# Busybox applets that run commands (timeout, env, xargs, setsid, nohup)
# prefer busybox's own applets over $PATH: give them absolute paths
# (/usr/sbin/ip, /bin/sh), or the busybox ip/modprobe/sh run instead.
#
# Before its first result a test declares how many it prints: plan N (see
# tests/README.md). Tests exit 0 when they ran to the end, whatever the
# results; /init turns a non-zero status, a timeout, a missing plan or a
# count other than the plan into a FAIL of its own.

# The script's short name (t_watch), for the plan line and the abort switch.
SCRIPT=${0##*/}
SCRIPT=${SCRIPT%.sh}
_lib_results=0

# plan N: the number of result lines this script prints. The host prefixes
# result lines with vm-<series>/, so the plan names only the script.
plan() { echo "PLAN $SCRIPT $1"; }

# _result LINE: one result line. WGTRACE_TEST_ABORT (names, commas between;
# /init sets it from the kernel command line) makes the script named there
# stop with status 0 right after its first result: a test-only switch that
# proves the runners notice a short run.
_result() {
	echo "$1"
	_lib_results=$((_lib_results + 1))
	if [ "$_lib_results" = 1 ]; then
		case ",${WGTRACE_TEST_ABORT:-}," in
		*",$SCRIPT,"*)
			echo "    WGTRACE_TEST_ABORT: $SCRIPT stops after its first result"
			exit 0
			;;
		esac
	fi
}
pass() { _result "PASS $1"; }
fail() {
	_n=$1
	shift
	_result "FAIL $_n: $*"
}
skip() {
	_n=$1
	shift
	_result "SKIP $_n: $*"
}
info() { echo "    $*"; }

uptime_s() { cut -d. -f1 /proc/uptime; }

# wait_until TIMEOUT_S CMD...: run CMD (silenced) every 0.2 s until it
# succeeds (return 0) or TIMEOUT_S seconds have passed (return 1). CMD may
# be a shell function.
wait_until() {
	_wu_end=$(($(uptime_s) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(uptime_s)" -ge "$_wu_end" ] && return 1
		sleep 0.2
	done
}

# --- cleanup -------------------------------------------------------------
# Everything a test creates is undone on exit, also when /init's timeout
# kills it (TERM). at_exit CMD registers more; they run newest first.
LIB_AT_EXIT=
LIB_TMP=$(mktemp -d /tmp/test.XXXXXX)
at_exit() { LIB_AT_EXIT="$*
$LIB_AT_EXIT"; }
lib_cleanup() {
	trap - EXIT INT TERM
	echo "$LIB_AT_EXIT" | while IFS= read -r _c; do
		[ -n "$_c" ] && eval "$_c" >/dev/null 2>&1
	done
	rm -rf "$LIB_TMP"
}
trap lib_cleanup EXIT
trap 'exit 143' INT TERM

# --- building blocks -----------------------------------------------------

# nsx NS CMD...: run CMD in network namespace NS.
nsx() {
	_ns=$1
	shift
	ip netns exec "$_ns" "$@"
}

# ns_add NS: a fresh namespace with lo up, deleted at exit.
ns_add() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || return 1
	at_exit "ip netns del $1"
	ip -n "$1" link set lo up
}

# veth_link NS1 DEV1 ADDR1/PLEN NS2 DEV2 ADDR2/PLEN: a veth pair between two
# namespaces, addressed and up.
veth_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
	ip -n "$1" addr add "$3" dev "$2" &&
		ip -n "$4" addr add "$6" dev "$5" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$4" link set "$5" up
}

# wg_keypair VAR: a fresh key pair; sets VAR_PRIV (path of the private key
# file, as `wg set` wants it) and VAR_PUB (the public key).
wg_keypair() {
	_f=$LIB_TMP/$1.key
	(umask 077 && wg genkey >"$_f") || return 1
	eval "${1}_PRIV=\$_f"
	eval "${1}_PUB=\$(wg pubkey <\"\$_f\")"
}

# wg_dev NS DEV PRIVKEY_FILE PORT ADDR/PLEN: a kernel WireGuard device.
wg_dev() {
	ip -n "$1" link add "$2" type wireguard || return 1
	nsx "$1" wg set "$2" private-key "$3" listen-port "$4" &&
		ip -n "$1" addr add "$5" dev "$2" &&
		ip -n "$1" link set "$2" up
}

# wg_peer NS DEV PUBKEY ALLOWEDIPS [ENDPOINT]: add or update a peer.
wg_peer() {
	if [ -n "${5:-}" ]; then
		nsx "$1" wg set "$2" peer "$3" allowed-ips "$4" endpoint "$5"
	else
		nsx "$1" wg set "$2" peer "$3" allowed-ips "$4"
	fi
}

# wg_handshake_done NS DEV: every peer of DEV has completed a handshake.
wg_handshake_done() {
	nsx "$1" wg show "$2" latest-handshakes |
		awk '$2 == 0 { z = 1 } END { exit (NR == 0 || z) }'
}

# wg_counter NS DEV STAT: a statistics counter of a device (rx_frame_errors,
# tx_errors, rx_packets, ...), as the kernel counts it.
wg_counter() {
	nsx "$1" cat "/sys/class/net/$2/statistics/$3"
}

# --- the standard pair ---------------------------------------------------
#
# wg_pair_up: two namespaces joined by a veth underlay, a kernel WireGuard
# device in each, peered with each other, handshake completed.
#
#   $WG_NS_A [ul0 $WG_UL_A] ==veth== [ul0 $WG_UL_B] $WG_NS_B
#   wg0 $WG_TUN_A/24                  wg0 $WG_TUN_B/24
#
# Set any of these before the call to change the topology; after it they
# describe what was built (later tests build rp_filter, overlapping-peer and
# spoofed-source setups on top, e.g. with wg_peer and extra addresses):
#   WG_NS_A, WG_NS_B        namespace names            (wga, wgb)
#   WG_UL_A, WG_UL_B        underlay addresses, /24    (192.0.2.1, .2)
#   WG_TUN_A, WG_TUN_B      tunnel addresses, /24      (10.99.0.1, .2)
#   WG_PORT_A, WG_PORT_B    listen ports               (51820, 51821)
#   WG_ALLOWED_A            AllowedIPs A has for B     ($WG_TUN_B/32)
#   WG_ALLOWED_B            AllowedIPs B has for A     ($WG_TUN_A/32)
#   WG_HANDSHAKE_TIMEOUT    seconds to wait            (60)
# and after it also WG_A_PRIV, WG_A_PUB, WG_B_PRIV, WG_B_PUB (keys; _PRIV is
# a file path).
#
# The handshake is started with pings from A to B, so the transfer counters
# are not zero afterwards: tests that count packets take a baseline first.
# Returns 0 when both sides have a handshake, 1 otherwise (with a reason
# on stdout, indented).
wg_pair_up() {
	: "${WG_NS_A:=wga}" "${WG_NS_B:=wgb}"
	: "${WG_UL_A:=192.0.2.1}" "${WG_UL_B:=192.0.2.2}"
	: "${WG_TUN_A:=10.99.0.1}" "${WG_TUN_B:=10.99.0.2}"
	: "${WG_PORT_A:=51820}" "${WG_PORT_B:=51821}"
	: "${WG_ALLOWED_A:=$WG_TUN_B/32}" "${WG_ALLOWED_B:=$WG_TUN_A/32}"
	: "${WG_HANDSHAKE_TIMEOUT:=60}"

	if ! { ns_add "$WG_NS_A" && ns_add "$WG_NS_B" &&
		veth_link "$WG_NS_A" ul0 "$WG_UL_A/24" "$WG_NS_B" ul0 "$WG_UL_B/24"; }; then
		info "wg_pair_up: cannot build the namespaces and the veth underlay"
		return 1
	fi
	if ! { wg_keypair WG_A && wg_keypair WG_B; }; then
		info "wg_pair_up: wg genkey/pubkey failed"
		return 1
	fi
	if ! { wg_dev "$WG_NS_A" wg0 "$WG_A_PRIV" "$WG_PORT_A" "$WG_TUN_A/24" &&
		wg_dev "$WG_NS_B" wg0 "$WG_B_PRIV" "$WG_PORT_B" "$WG_TUN_B/24" &&
		wg_peer "$WG_NS_A" wg0 "$WG_B_PUB" "$WG_ALLOWED_A" "$WG_UL_B:$WG_PORT_B" &&
		wg_peer "$WG_NS_B" wg0 "$WG_A_PUB" "$WG_ALLOWED_B" "$WG_UL_A:$WG_PORT_A"; }; then
		info "wg_pair_up: cannot create or configure the WireGuard devices"
		return 1
	fi
	if ! wait_until "$WG_HANDSHAKE_TIMEOUT" _wg_pair_poke; then
		info "wg_pair_up: no handshake within $WG_HANDSHAKE_TIMEOUT s"
		info "A: $(nsx "$WG_NS_A" wg show wg0 latest-handshakes)"
		info "B: $(nsx "$WG_NS_B" wg show wg0 latest-handshakes)"
		return 1
	fi
}

# One ping queues a packet, which makes A initiate a handshake (retried by
# the kernel every 5 s while packets wait); done when both sides have one.
_wg_pair_poke() {
	nsx "$WG_NS_A" ping -c 1 -W 1 "$WG_TUN_B"
	wg_handshake_done "$WG_NS_A" wg0 && wg_handshake_done "$WG_NS_B" wg0
}

# require_wgtrace NAME...: when the binary under test is missing, fail every
# named check and return 1.
require_wgtrace() {
	command -v wgtrace >/dev/null && return 0
	for _n in "$@"; do fail "$_n" "wgtrace binary missing"; done
	return 1
}

# net_counter NS FILE NAME: a counter of /proc/net/FILE as the kernel of
# namespace NS counts it. FILE snmp/netstat (a header line and a value line
# per group): NAME is GROUP:FIELD, e.g. Ip:FragFails,
# TcpExt:IPReversePathFilter. FILE snmp6 (one "name value" per line): NAME
# is the name, e.g. Ip6InTooBigErrors. Prints nothing when there is no such
# counter.
net_counter() {
	nsx "$1" cat "/proc/net/$2" | awk -v want="$3" "$NET_COUNTER_AWK"
}

# proc_alive PID: PID runs (a zombie that was not waited for does not).
proc_alive() {
	[ -r "/proc/$1/stat" ] &&
		[ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# --- expected values for `wgtrace trace` (t_trace.sh) ------------------------

# wg_lpm NS DEV ADDR: WireGuard's own choice for ADDR, by longest-prefix
# match over `wg show DEV allowed-ips` (wg's view of the device). Prints
# "PUBKEY PREFIX" of the winner, then one line per other peer whose
# AllowedIPs also contain ADDR (shadowed); nothing when no peer has it.
wg_lpm() {
	nsx "$1" wg show "$2" allowed-ips | awk -v dst="$3" "$LPM_AWK"
}

# route_expect NS ADDR [ARGS...]: the kernel's route query for ADDR, as
# `ip route get ADDR ARGS` (mark, from, iif, ...) and its `fibmatch` print
# it. Sets RT_OIF (device), RT_GW (gateway), RT_TABLE (a number), RT_PREFIX
# (the FIB entry: default spelt 0.0.0.0/0 or ::/0, a host route with /32 or
# /128) and RT_ERR (ip's error line; empty when the query answered).
route_expect() {
	_re_ns=$1
	shift
	_re_f=-4
	case $1 in *:*) _re_f=-6 ;; esac
	RT_OIF= RT_GW= RT_TABLE= RT_PREFIX= RT_ERR=
	if ! _re_out=$(ip -n "$_re_ns" "$_re_f" route get "$@" 2>&1); then
		RT_ERR=$(echo "$_re_out" | head -n 1)
		return 0
	fi
	RT_OIF=$(echo "$_re_out" | awk -v want=dev "$RT_WORD_AWK")
	RT_GW=$(echo "$_re_out" | awk -v want=via "$RT_WORD_AWK")
	_re_out=$(ip -n "$_re_ns" "$_re_f" route get fibmatch "$@" 2>&1) || return 0
	RT_PREFIX=$(echo "$_re_out" | awk -v fam="$_re_f" "$RT_PREFIX_AWK")
	RT_TABLE=$(echo "$_re_out" | awk "$RT_TABLE_AWK")
}

# awk programs of the helpers above, shared with the namespace tier
# (tests/vm/run.sh puts the file into the initramfs).
. /tests/lib/oracle_awk.sh
