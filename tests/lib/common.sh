# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034 # RT_* and the like are the callers'
#
# The helpers both shell test tiers share: the namespace tier on the host
# (tests/netns/lib.sh, bash) and the vm tier's guest (tests/vm/guest/lib.sh,
# dash; tests/vm/run.sh copies this folder into the initramfs). POSIX sh
# only, so it runs under dash, busybox sh and bash alike: no arrays, no
# <(...); helpers keep their variables apart with a _prefix, and use
# `local` (which all three have) only where a call may nest.
#
# The tier's library sets, before it sources this file:
#   LIB_DIR      this folder (tests/lib on the host, /tests/lib in the guest)
#   TEST_PREFIX  what the plan and result lines put before a name: netns/
#                on the host; empty in the guest (the host adds vm-<series>/)
# and defines _ns_created NAME: how its tier removes a namespace at exit.
#
# Result lines (one per check, the only unindented output of a test):
#   pass NAME | fail NAME WHY... | skip NAME WHY... | check NAME WHY CMD...
#   fail_all WHY... (one FAIL per name in $CHECKS, then exit)
# Diagnostics: info TEXT... (indented).

# The script's short name (t_watch): its plan line and the abort switch
# name it, so a red run says which script stopped short.
SCRIPT=${0##*/}
SCRIPT=${SCRIPT%.sh}
_lib_planned=
_lib_results=0

# plan N: declare, before the first result line, how many result lines
# (PASS/FAIL/SKIP) this script prints, as TAP's plan does. The runners fail
# the script when it prints fewer or more: a script that stops early without
# failing cannot go unnoticed. N comes from the script's own list of checks
# or from the topology it built, never from wgtrace's output.
plan() {
	_lib_planned=$1
	echo "PLAN $TEST_PREFIX$SCRIPT $1"
}

# _result LINE: one result line. WGTRACE_TEST_ABORT (names, commas between;
# the guest's /init sets it from the kernel command line) makes the script
# named there stop with status 0 right after its first result: a test-only
# switch that proves the runners notice a short run.
_result() {
	echo "$1"
	_lib_results=$((_lib_results + 1))
	[ "$_lib_results" = 1 ] || return 0
	case ",${WGTRACE_TEST_ABORT:-}," in
	*",$SCRIPT,"*)
		echo "    WGTRACE_TEST_ABORT: $SCRIPT stops after its first result" >&2
		exit 0
		;;
	esac
}
pass() { _result "PASS $TEST_PREFIX$1"; }
fail() {
	_r_name=$1
	shift
	_result "FAIL $TEST_PREFIX$_r_name: $*"
}
skip() {
	_r_name=$1
	shift
	_result "SKIP $TEST_PREFIX$_r_name: $*"
}
info() { echo "    $*"; }

# check NAME WHY-IF-FALSE CMD...: one result line from CMD's status. CMD runs
# in a subshell, so a check cannot change the script's variables. When it
# fails, the first line of its output goes on the result line (the runners
# keep result lines in their logs) and the rest follows, indented.
check() {
	_ck_name=$1 _ck_why=$2
	shift 2
	if _ck_out=$("$@" 2>&1); then
		pass "$_ck_name"
		return 0
	fi
	_ck_first=$(printf '%s\n' "$_ck_out" | head -n 1)
	fail "$_ck_name" "$_ck_why${_ck_first:+: }$_ck_first"
	printf '%s\n' "$_ck_out" | tail -n +2 | sed 's/^/    /'
	return 0
}

# fail_all WHY...: the lab broke before the checks could run: one FAIL per
# name in $CHECKS (the script's list of checks, which its plan counts), then
# exit, so the count of results still matches the plan.
fail_all() {
	for _fa_name in $CHECKS; do fail "$_fa_name" "$*"; done
	exit 0
}

uptime_s() { cut -d. -f1 /proc/uptime; }

# wait_until SECONDS CMD...: run CMD (silenced) every 0.1 s until it
# succeeds (return 0) or SECONDS have passed (return 1). The bound keeps a
# broken lab from hanging the run, the polling keeps a fast machine from
# waiting. CMD may be a shell function.
wait_until() {
	# shellcheck disable=SC3043 # dash, busybox sh and bash all have it
	local _wu_end
	_wu_end=$(($(uptime_s) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(uptime_s)" -ge "$_wu_end" ] && return 1
		sleep 0.1
	done
}

# --- namespaces, links, keys ---------------------------------------------

# nsx NS CMD...: run CMD in network namespace NS.
nsx() {
	_nsx_ns=$1
	shift
	ip netns exec "$_nsx_ns" "$@"
}

# ns_add NAME: a fresh namespace NAME with lo up (a stale one of that name
# is deleted first); the tier's _ns_created removes it at exit.
ns_add() {
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || return 1
	_ns_created "$1"
	ip -n "$1" link set lo up
}

# veth_pair NS1 DEV1 NS2 DEV2 [ADDR1/PLEN ADDR2/PLEN]: a veth joining two
# namespaces, both ends up; with the addresses, DEV1 gets ADDR1 and DEV2
# ADDR2 before they come up.
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	if [ -n "${6:-}" ]; then
		ip -n "$1" addr add "$5" dev "$2" &&
			ip -n "$3" addr add "$6" dev "$4" || return 1
	fi
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# wg_keys PRIV_VAR PUB_VAR: a fresh key pair from wg(8): PRIV_VAR gets the
# private key, PUB_VAR the public one (both base64, as wg prints them).
wg_keys() {
	_wk_priv=$(wg genkey) || return 1
	_wk_pub=$(printf '%s\n' "$_wk_priv" | wg pubkey) || return 1
	eval "$1=\$_wk_priv"
	eval "$2=\$_wk_pub"
}

# handshake_any NS DEV: some peer of DEV has a handshake time.
handshake_any() {
	nsx "$1" wg show "$2" latest-handshakes | awk '$2 > 0 { f = 1 } END { exit !f }'
}

# handshake_all NS DEV: DEV has peers and every one has completed a
# handshake.
handshake_all() {
	nsx "$1" wg show "$2" latest-handshakes |
		awk '$2 == 0 { z = 1 } END { exit (NR == 0 || z) }'
}

# --- kernel counters and processes ---------------------------------------

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

# --- expected values for `wgtrace trace` (t_trace.sh) ---------------------

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
	RT_OIF='' RT_GW='' RT_TABLE='' RT_PREFIX='' RT_ERR=''
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

# JSON_CONTRACT_JQ: the JSON Lines contract of `wgtrace trace --json`, as a
# jq program that prints one line per violation: every line is an object of
# a known type, and a finding carries every field an SRE's tooling reads.
# shellcheck disable=SC2016 # jq's \( ), not the shell's
JSON_CONTRACT_JQ='if type != "object" then "not an object: \(tojson)"
	elif (.type | IN("step", "finding", "summary", "status") | not) then "unknown type: \(tojson)"
	elif .type == "finding" then
		(["finding", "severity", "count", "interface", "peer", "example",
		  "expected", "actual", "hint", "mode"] - keys) as $miss |
		if ($miss | length) > 0 then "finding \(.finding) lacks \($miss | join(","))"
		elif (.example | type) != "object" or
		     ((["src", "dst", "proto"] - (.example | keys)) | length) > 0
		then "finding \(.finding): example lacks src/dst/proto"
		else empty end
	else empty end'

# json_contract_ok DIR: every non-empty DIR/*.json keeps the contract above;
# prints the violations, file by file. At least one file must be there.
json_contract_ok() {
	_jc_bad=0 _jc_n=0
	for _jc_f in "$1"/*.json; do
		[ -s "$_jc_f" ] || continue
		_jc_n=$((_jc_n + 1))
		if ! _jc_out=$(jq -r "$JSON_CONTRACT_JQ" "$_jc_f" 2>&1); then
			echo "${_jc_f##*/}: not JSON Lines: $_jc_out"
			_jc_bad=1
		elif [ -n "$_jc_out" ]; then
			printf '%s\n' "$_jc_out" | sed "s|^|${_jc_f##*/}: |"
			_jc_bad=1
		fi
	done
	[ $_jc_n -gt 0 ] || { echo "no output to look at"; return 1; }
	return $_jc_bad
}

# awk programs of the oracles above (net_counter, wg_lpm, route_expect).
. "$LIB_DIR/oracle_awk.sh"
