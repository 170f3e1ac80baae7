# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for namespace-tier tests (bash, on the host): what only this tier
# needs, on top of tests/lib/common.sh. Source it, then build topologies
# with ns_new / veth_pair / wggo_start; everything a test creates is removed
# by id on exit, also when the test fails or is interrupted.
#
# Traffic stays inside the namespaces created here (tests/README.md).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WGTRACE=${WGTRACE:-$TOP/wgtrace}
_ns_list=()
_pid_list=()
_ns_seq=0

# The shared helpers (results, plan, check, fail_all, wait_until, nsx,
# ns_add, veth_pair, wg_keys, handshake_any/_all, the oracles): POSIX sh,
# the same file the vm tier's guest sources.
LIB_DIR=$TOP/tests/lib
# shellcheck disable=SC2034 # read by common.sh
TEST_PREFIX=netns/
_ns_created() { _ns_list+=("$1"); }
. "$LIB_DIR/common.sh"

# _bail: a script that gives up before its plan (missing tool, no root)
# prints exactly one result: declare that, so the runner counts it as planned.
_bail() { [ -n "$_lib_planned" ] || plan 1; }
# bail NAME WHY: give up with one FAIL (before the plan: the lab or the
# binary is missing) and exit.
bail() {
	_bail
	fail "$1" "$2"
	exit 0
}

cleanup() {
	local p n
	for p in "${_pid_list[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_pid_list[@]}"; do wait "$p" 2>/dev/null; done
	for n in "${_ns_list[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ns_new VAR [NAME]: a fresh namespace with loopback up; its name goes into
# VAR. Names carry the PID so parallel or leftover runs never collide; a
# caller that names its own (to make leftovers recognisable) puts $$ in it.
ns_new() {
	local name=${2:-wgt-$$-$((++_ns_seq))}
	ns_add "$name" || return 1
	printf -v "$1" '%s' "$name"
}

# free_port: a TCP port nothing listens on (random, so parallel runs differ).
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Hltn "sport = :$p")" ] && { echo "$p"; return 0; }
	done
	return 1
}

# bg NS CMD...: run CMD inside NS in the background; its PID is killed on exit.
bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	_pid_list+=($!)
	LAST_PID=$!
}

# wggo_start NS DEV: userspace WireGuard (wireguard-go) in the foreground,
# backgrounded here (its daemon mode exits on these machines). The UAPI socket
# directory is shared by all namespaces: DEV names must be unique per run.
wggo_start() {
	bg "$1" wireguard-go -f "$2" >/dev/null 2>&1
	wait_until 10 test -S "/var/run/wireguard/$2.sock" &&
		wait_until 10 ip -n "$1" link show "$2" >/dev/null
}

# wg_devname VAR: a device name unique to this run (IFNAMSIZ: 15 characters)
# for wireguard-go, whose UAPI socket directory all namespaces share.
wg_devname() { printf -v "$1" 'wgt%d-%d' "$$" "$((++_ns_seq))"; }

require_root() {
	if [ "$(id -u)" != 0 ]; then
		_bail
		skip "$1" "needs root"
		exit 0
	fi
	# A fresh machine may lack these mounts; tests read tracefs as the truth.
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
}

require_cmd() {	# TEST-NAME CMD...
	local name=$1 c
	shift
	for c in "$@"; do
		if ! command -v "$c" >/dev/null; then
			_bail
			fail "$name" "$c not installed (run: make deps)"
			exit 0
		fi
	done
}

# --- wgtrace export under test ------------------------------------------------
# export_start NS [OPTION...]: wgtrace export for NS on a free local port,
# --interval 1; sets PORT and EPID (killed on exit), its stderr in
# $TMP/e.err. 0 once /metrics answers 200, 1 when not within 60 s. A port
# free when picked may be taken before export binds it: picked again.
export_start() {
	local ns=$1 try
	shift
	for try in 1 2 3; do
		PORT=$(free_port)
		"$WGTRACE" export -n "$ns" --listen "127.0.0.1:$PORT" --interval 1 "$@" \
			>/dev/null 2>"$TMP/e.err" &
		EPID=$!
		_pid_list+=("$EPID")
		wait_until 60 eval 'scrape || ! kill -0 $EPID 2>/dev/null'
		kill -0 "$EPID" 2>/dev/null && break
		grep -q 'Address already in use' "$TMP/e.err" || break
	done
	wait_until 60 scrape
}

# scrape: the /metrics of export_start's export into $TMP/s.
scrape() { curl -sf --max-time 20 "http://127.0.0.1:$PORT/metrics" >"$TMP/s"; }

# bypass_series KEY: route_bypass packets of peer KEY in the last scrape.
bypass_series() {
	awk -v k="$1" 'index($0, "wgtrace_wrong_turns_total{verdict=\"route_bypass\"") == 1 &&
		index($0, "peer=\"" k "\"") { s += $2 } END { print s + 0 }' "$TMP/s"
}

# pings_sent NS ADDR COUNT: the echo requests ping says it sent to ADDR.
pings_sent() {
	ip netns exec "$1" ping -c "$3" -i 0.05 -W 1 "$2" 2>/dev/null |
		sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p'
}
