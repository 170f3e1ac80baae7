# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Helpers for the vm tier's guest tests: what only the guest needs (cleanup
# by at_exit, kernel WireGuard devices, the standard pair), on top of
# tests/lib/common.sh. Runs under dash (the guest's /bin/sh): no arrays, no
# `local` beyond what dash offers, no bashisms.
#
#   . /tests/lib.sh
#
# Result lines and diagnostics: see tests/lib/common.sh.
#
# Busybox applets that run commands (timeout, env, xargs, setsid, nohup)
# prefer busybox's own applets over $PATH: give them absolute paths
# (/usr/sbin/ip, /bin/sh), or the busybox ip/modprobe/sh run instead.
#
# Before its first result a test declares how many it prints: plan N (see
# tests/README.md). Tests exit 0 when they ran to the end, whatever the
# results; /init turns a non-zero status, a timeout, a missing plan or a
# count other than the plan into a FAIL of its own.

# The shared helpers (results, plan, check, fail_all, wait_until, nsx,
# ns_add, veth_pair, wg_keys, handshake_any/_all, the oracles), the same
# file the namespace tier sources; tests/vm/run.sh puts it into the
# initramfs. The host prefixes result lines with vm-<series>/, so the
# guest's lines name only the script and the check.
LIB_DIR=/tests/lib
# shellcheck disable=SC2034 # read by common.sh
TEST_PREFIX=
_ns_created() { at_exit "ip netns del $1"; }
. "$LIB_DIR/common.sh"

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

# wg_keyfile KEY: the path of a new file (mode 600, removed at exit) that
# holds KEY, for `wg set private-key`, which reads the key from a file.
wg_keyfile() {
	_kf=$(mktemp "$LIB_TMP/key.XXXXXX") || return 1
	printf '%s\n' "$1" >"$_kf" && echo "$_kf"
}

# wg_dev NS DEV PRIVKEY PORT ADDR/PLEN: a kernel WireGuard device.
wg_dev() {
	_wd_key=$(wg_keyfile "$3") || return 1
	ip -n "$1" link add "$2" type wireguard || return 1
	nsx "$1" wg set "$2" private-key "$_wd_key" listen-port "$4" &&
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
# and after it also WG_A_PRIV, WG_A_PUB, WG_B_PRIV, WG_B_PUB (the keys, as
# wg_keys gives them).
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
		veth_pair "$WG_NS_A" ul0 "$WG_NS_B" ul0 "$WG_UL_A/24" "$WG_UL_B/24"; }; then
		info "wg_pair_up: cannot build the namespaces and the veth underlay"
		return 1
	fi
	if ! { wg_keys WG_A_PRIV WG_A_PUB && wg_keys WG_B_PRIV WG_B_PUB; }; then
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
	handshake_all "$WG_NS_A" wg0 && handshake_all "$WG_NS_B" wg0
}

# require_wgtrace NAME...: when the binary under test is missing, fail every
# named check and return 1.
require_wgtrace() {
	command -v wgtrace >/dev/null && return 0
	for _n in "$@"; do fail "$_n" "wgtrace binary missing"; done
	return 1
}
