# SPDX-License-Identifier: GPL-2.0
#
# Helpers for namespace-tier tests (bash). Source it, then build topologies
# with ns_new / veth_pair / wggo_start; everything a test creates is removed
# by id on exit, also when the test fails or is interrupted.
#
# Traffic stays inside the namespaces created here (tests/README.md).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WGTRACE=${WGTRACE:-$TOP/wgtrace}
_ns_list=()
_pid_list=()
_ns_seq=0

# The script's short name (t_watch): its plan line and the abort switch
# name it, so a red run says which script stopped short.
SCRIPT=$(basename "$0" .sh)
_planned=
_results=0

# plan N: declare, before the first result line, how many result lines
# (PASS/FAIL/SKIP) this script prints, as TAP's plan does. The runner fails
# the script when it prints fewer or more: a script that stops early without
# failing cannot go unnoticed. N comes from the script's own list of checks
# or from the topology it built, never from wgtrace's output.
plan() {
	_planned=$1
	echo "PLAN netns/$SCRIPT $1"
}

# _result LINE: one result line. WGTRACE_TEST_ABORT (names, commas between)
# makes the script named there stop with status 0 right after its first
# result: a test-only switch that proves the runner notices a short run.
_result() {
	echo "$1"
	_results=$((_results + 1))
	if [ "$_results" = 1 ] && [[ ,${WGTRACE_TEST_ABORT:-}, == *,$SCRIPT,* ]]; then
		echo "    WGTRACE_TEST_ABORT: $SCRIPT stops after its first result" >&2
		exit 0
	fi
}
pass() { _result "PASS netns/$1"; }
fail() { _result "FAIL netns/$1: $2"; }
skip() { _result "SKIP netns/$1: $2"; }

# _bail: a script that gives up before its plan (missing tool, no root)
# prints exactly one result: declare that, so the runner counts it as planned.
_bail() { [ -n "$_planned" ] || plan 1; }
# bail NAME WHY: give up with one FAIL (before the plan: the lab or the
# binary is missing) and exit.
bail() {
	_bail
	fail "$1" "$2"
	exit 0
}

# check NAME WHY-IF-FALSE CMD...: one result line from a command's status;
# the command's own output is shown, indented, only when it failed.
check() {
	local name=$1 why=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name" "$why"
		[ -n "$out" ] && sed 's/^/    /' <<<"$out"
	fi
	return 0
}

cleanup() {
	local p n
	for p in "${_pid_list[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_pid_list[@]}"; do wait "$p" 2>/dev/null; done
	for n in "${_ns_list[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS CMD...: poll every 0.1 s; the bound keeps a broken lab
# from hanging the run, the polling keeps a fast machine from waiting.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@" 2>/dev/null; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# ns_new VAR: a fresh namespace with loopback up; its name goes into VAR.
# Names carry the PID so parallel or leftover runs never collide.
ns_new() {
	local name="wgt-$$-$((++_ns_seq))"
	ip netns add "$name" || return 1
	_ns_list+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# veth_pair NS_A IF_A NS_B IF_B: a veth joining two namespaces, both ends up.
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
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

# wg_keys PRIV_VAR PUB_VAR: a fresh key pair from wg(8).
wg_keys() {
	local priv
	priv=$(wg genkey)
	printf -v "$1" '%s' "$priv"
	printf -v "$2" '%s' "$(echo "$priv" | wg pubkey)"
}

# handshake_done NS DEV: some peer of DEV has a handshake time.
handshake_done() {
	ip netns exec "$1" wg show "$2" latest-handshakes | awk '$2 > 0 { f = 1 } END { exit !f }'
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

# net_counter NS FILE NAME: a counter of /proc/net/FILE as the kernel of
# namespace NS counts it. FILE snmp/netstat (a header line and a value line
# per group): NAME is GROUP:FIELD, e.g. Ip:FragFails,
# TcpExt:IPReversePathFilter. FILE snmp6 (one "name value" per line): NAME
# is the name, e.g. Ip6InTooBigErrors. Prints nothing when there is no such
# counter.
net_counter() {
	ip netns exec "$1" cat "/proc/net/$2" | awk -v want="$3" "$NET_COUNTER_AWK"
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
	ip netns exec "$1" wg show "$2" allowed-ips | awk -v dst="$3" "$LPM_AWK"
}

# route_expect NS ADDR [ARGS...]: the kernel's route query for ADDR, as
# `ip route get ADDR ARGS` (mark, from, iif, ...) and its `fibmatch` print
# it. Sets RT_OIF (device), RT_GW (gateway), RT_TABLE (a number), RT_PREFIX
# (the FIB entry: default spelt 0.0.0.0/0 or ::/0, a host route with /32 or
# /128) and RT_ERR (ip's error line; empty when the query answered).
route_expect() {
	local ns=$1 fam=-4 out
	shift
	case $1 in *:*) fam=-6 ;; esac
	RT_OIF= RT_GW= RT_TABLE= RT_PREFIX= RT_ERR=
	if ! out=$(ip -n "$ns" "$fam" route get "$@" 2>&1); then
		RT_ERR=$(head -n 1 <<<"$out")
		return 0
	fi
	RT_OIF=$(awk "$RT_WORD_AWK" want=dev <<<"$out")
	RT_GW=$(awk "$RT_WORD_AWK" want=via <<<"$out")
	out=$(ip -n "$ns" "$fam" route get fibmatch "$@" 2>&1) || return 0
	RT_PREFIX=$(awk -v fam="$fam" "$RT_PREFIX_AWK" <<<"$out")
	RT_TABLE=$(awk "$RT_TABLE_AWK" <<<"$out")
}

# awk programs of the helpers above, shared with the vm tier's guest.
. "$TOP/tests/lib/oracle_awk.sh"
