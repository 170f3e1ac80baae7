#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace export` (issue #6) on the host kernel, against a real Prometheus
# server and the kernel's own counters:
#
#   C  c0 192.0.2.2 (+203.0.113.5, spoofed)      P  p0 198.51.100.2
#         |                                            |   wg $DP 10.99.0.2
#   GW g0 192.0.2.1 (rp_filter=1)             g1 198.51.100.1
#      wg $DG 10.99.0.1 (wireguard-go), peer P: 10.99.0.2/32 10.50.0.0/16
#      routes into $DG: 203.0.113.0/24 (the asymmetric way back to C's
#      spoofed source) and 10.60.0.0/16 (no peer carries it)
#
# Oracles: TcpExt IPReversePathFilter of GW for rpf_drop; the tx_packets of
# $DG (what the kernel queued to the TUN device) for what its tc egress
# hook sees; `wg show allowed-ips` for which peer a destination belongs to;
# promtool and Prometheus itself for the formats; bpftool/fdinfo and tc
# for what is attached. Never wgtrace's own output.
. "$(dirname "$0")/lib.sh"
require_root export
require_cmd export wireguard-go wg ping curl jq promtool prometheus bpftool ss

TMP=$(mktemp -d /tmp/wgt-export.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
N=20	# packets per traffic burst

# --- helpers ---------------------------------------------------------------

# exp_start VAR LOG ARGS...: wgtrace export in the background (host
# namespace, so the listener is reachable from here); PID into VAR.
exp_start() {
	local var=$1 log=$2
	shift 2
	"$WGTRACE" export "$@" >"$log.out" 2>"$log" &
	_pid_list+=($!)
	printf -v "$var" '%s' "$!"
}

# stop_pid PID VAR: SIGTERM, wait bounded; the exit status into VAR
# ("killed" when it had to be SIGKILLed). Not in a subshell: only the shell
# that started PID can wait for it.
stop_pid() {
	local pid=$1 rc
	kill -TERM "$pid" 2>/dev/null
	if ! wait_until 20 eval "! proc_alive $pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		printf -v "$2" killed
		return
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	printf -v "$2" '%s' "$rc"
}

# scrape [CURL-ARGS...]: GET /metrics of the exporter under test.
scrape() { curl -sf --max-time 5 "http://127.0.0.1:$EP/metrics"; }
scrape_ok() { scrape | grep -q '^wgtrace_build_info{'; }

# totals FILE: the counter series (wgtrace_*_total) of a scrape, "key value".
totals() { grep -E '^wgtrace_[a-z_]+_total[{ ]' "$1"; }

# val FILE SERIES: the value of one exact series (name{labels}), or nothing.
val() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# reason_sum FILE REASON: wgtrace_drops_total summed over one reason.
reason_sum() {
	awk -v p="wgtrace_drops_total{reason=\"$2\"," \
		'index($0, p) == 1 { s += $2 } END { print s + 0 }' "$1"
}

# promq EXPR: the value of the first sample of an instant query, or nothing.
promq() {
	curl -sG --max-time 5 --data-urlencode "query=$1" \
		"http://127.0.0.1:$PROM_PORT/api/v1/query" |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}

rpf_count() { net_counter "$GW" netstat TcpExt:IPReversePathFilter; }
tx_packets() { ip netns exec "$GW" cat "/sys/class/net/$DG/statistics/tx_packets"; }

# Bounded bursts: ping -c with a deadline around it, replies not needed.
spoof_burst() {
	ip netns exec "$C" timeout 30 ping -q -c $N -i 0.02 -W 1 -I 203.0.113.5 \
		198.51.100.1 >/dev/null 2>&1
}
gw_ping() {	# DST
	ip netns exec "$GW" timeout 30 ping -q -c $N -i 0.02 -W 1 "$1" >/dev/null 2>&1
}

# wg_gw_setup: configure $DG in GW (after each (re)creation).
wg_gw_setup() {
	# No IPv6 on the TUN device: router solicitations and MLD would add
	# to its traffic in the middle of a count.
	ip netns exec "$GW" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$DG/disable_ipv6"
	ip netns exec "$GW" wg set "$DG" private-key "$TMP/kg" listen-port 51820 \
		peer "$PP" allowed-ips 10.99.0.2/32,10.50.0.0/16 endpoint 198.51.100.2:51820 &&
		ip -n "$GW" addr add 10.99.0.1/24 dev "$DG" &&
		ip -n "$GW" link set "$DG" up &&
		ip -n "$GW" route add 203.0.113.0/24 dev "$DG" &&
		ip -n "$GW" route add 10.60.0.0/16 dev "$DG"
}

build() {
	ns_new GW && ns_new C && ns_new P || return 1
	veth_pair "$C" c0 "$GW" g0 && veth_pair "$GW" g1 "$P" p0 || return 1
	ip -n "$C" addr add 192.0.2.2/24 dev c0
	ip -n "$C" addr add 203.0.113.5/32 dev c0
	ip -n "$C" route add 198.51.100.0/24 via 192.0.2.1
	# The spoofed source must not become ARP's sender: the gateway checks
	# ARP senders too, and the packet would never reach rp_filter.
	ip netns exec "$C" sysctl -qw net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.c0.arp_announce=2
	ip -n "$GW" addr add 192.0.2.1/24 dev g0
	ip -n "$GW" addr add 198.51.100.1/24 dev g1
	ip -n "$P" addr add 198.51.100.2/24 dev p0
	ip netns exec "$GW" sysctl -qw net.ipv4.conf.all.rp_filter=1 \
		net.ipv4.conf.g0.rp_filter=1 || return 1
	wg_devname DG && wg_devname DP
	wggo_start "$GW" "$DG" && wggo_start "$P" "$DP" || return 1
	WG_GW_PID=${_pid_list[-2]}
	local kp
	(umask 077 && wg genkey >"$TMP/kg") && kp=$(wg genkey) || return 1
	PG=$(wg pubkey <"$TMP/kg")
	PP=$(echo "$kp" | wg pubkey)
	wg_gw_setup || return 1
	ip netns exec "$P" wg set "$DP" private-key <(echo "$kp") listen-port 51820 \
		peer "$PG" allowed-ips 10.99.0.1/32 endpoint 198.51.100.1:51820 &&
		ip -n "$P" addr add 10.99.0.2/24 dev "$DP" &&
		ip -n "$P" link set "$DP" up
}

CHECKS="export-promtool export-openmetrics-eof export-openmetrics-content-type
	export-prometheus-up export-prometheus-rpf-count export-bad-listen
	export-port-in-use export-textfile-unwritable export-names-malformed
	export-unknown-netns export-http-404 export-http-405 export-http-abuse
	export-textfile-promtool export-textfile-atomic export-second-instance
	export-second-instance-device export-sighup-names export-textfile-no-tmp export-no-peer-count
	export-peer-added-live export-monotonic export-recreate-rpf-count
	export-recreate-no-peer-count export-sigterm export-log-logfmt"
# One result per name in CHECKS, also when the lab breaks (fail_all).
plan "$(wc -w <<<"$CHECKS")"

[ -x "$WGTRACE" ] || fail_all "no wgtrace binary at $WGTRACE (run make)"
build || fail_all "cannot build the namespaces and wireguard-go devices"

# Names file for --peer-names (the intent format's name lines).
printf '# test names\nname %s alpha-site\n' "$PP" >"$TMP/names"
mkdir -p "$TMP/tf"

EP=$(free_port) && PROM_PORT=$(free_port) || fail_all "lab: no free TCP port"
exp_start E1 "$TMP/e1.log" -n "$GW" --listen "127.0.0.1:$EP" --interval 1 \
	--peer-names "$TMP/names" --textfile "$TMP/tf/wgtrace.prom"
if ! wait_until 30 scrape_ok; then
	sed 's/^/    /' "$TMP/e1.log"
	fail_all "wgtrace export did not serve /metrics within 30 s"
fi
# What it holds now (prog and link fds): gone after SIGTERM, checked at the end.
E1_IDS=$(grep -hE '^(prog|link)_id:' /proc/"$E1"/fdinfo/* 2>/dev/null | sort -u)
RPF0=$(rpf_count)

# --- formats -----------------------------------------------------------------
spoof_burst	# some series with labels before the format checks
rpf_seen() { scrape >"$TMP/s0" && [ "$(reason_sum "$TMP/s0" rpf_drop)" -gt 0 ]; }
wait_until 10 rpf_seen
scrape >"$TMP/prom.txt"
check export-promtool "promtool check metrics rejects the Prometheus text" \
	promtool check metrics <"$TMP/prom.txt"
om_hdr=$(curl -s --max-time 5 -D - -o "$TMP/om.txt" \
	-H 'Accept: application/openmetrics-text; version=1.0.0' \
	"http://127.0.0.1:$EP/metrics" | tr -d '\r' |
	sed -n 's/^[Cc]ontent-[Tt]ype: *//p')
check export-openmetrics-eof "the OpenMetrics body does not end with '# EOF'" \
	eval '[ "$(tail -n 1 "$TMP/om.txt")" = "# EOF" ] && [ "$(grep -c "^# EOF" "$TMP/om.txt")" = 1 ]'
check export-openmetrics-content-type "Content-Type is '$om_hdr'" \
	eval '[[ $om_hdr == "application/openmetrics-text; version=1.0.0"* ]]'

# --- a real Prometheus -------------------------------------------------------
mkdir -p "$TMP/tsdb"
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: wgtrace
    static_configs:
      - targets: ['127.0.0.1:$EP']
EOF
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &
PROM=$!
_pid_list+=("$PROM")
scraped() { [ "$(promq 'up{job="wgtrace"}')" = 1 ]; }
# Prometheus 2.42 asks for OpenMetrics first: up == 1 means it parsed that.
if wait_until 30 scraped; then
	pass export-prometheus-up
else
	fail export-prometheus-up "Prometheus never scraped the exporter successfully"
	promq 'up' | sed 's/^/    up=/'
	curl -s --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/targets" |
		jq -c '.data.activeTargets[] | {health, lastError}' 2>/dev/null | sed 's/^/    /'
	tail -n 5 "$TMP/prometheus.log" | sed 's/^/    /'
fi

spoof_burst
RPF1=$(rpf_count)
want=$((RPF1 - RPF0))
q='sum(wgtrace_drops_total{reason="rpf_drop"})'
last_ts() { promq 'timestamp(up{job="wgtrace"})'; }
if [ "$want" -le 0 ]; then
	fail export-prometheus-rpf-count "lab: the kernel counted no rp_filter drop ($RPF0 -> $RPF1)"
elif ! wait_until 20 eval '[ "$(promq "$q")" = "$want" ]'; then
	fail export-prometheus-rpf-count "Prometheus has '$(promq "$q")', the kernel counted $want (TcpExt IPReversePathFilter)"
else
	# Stable: still the same after two more scrapes.
	t=$(last_ts)
	wait_until 10 eval '[ "$(last_ts | cut -d. -f1)" -ge $(( ${t%.*} + 2 )) ]'
	got=$(promq "$q")
	check export-prometheus-rpf-count \
		"Prometheus had $want, then '$got' two scrapes later (kernel: $want)" \
		test "$got" = "$want"
fi
stop_pid "$PROM" prom_rc

# --- bad input -----------------------------------------------------------------
# run_bad STATUS STDERR-ERE ARGS...: a bounded run of wgtrace export that
# must exit with STATUS and say (on stderr) what is wrong.
run_bad() {
	local want=$1 re=$2 rc
	shift 2
	timeout 10 "$WGTRACE" export "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$re" "$TMP/bad.err"; then
		return 0
	fi
	echo "export $*: status $rc (want $want, stderr matching '$re'), stderr:"
	cat "$TMP/bad.err"
	return 1
}
bad_listen() {
	local a rc
	for a in foo 127.0.0.1 127.0.0.1: 127.0.0.1:0 127.0.0.1:65536 \
		127.0.0.1:99999 '[::1]9599' '[::1' 256.1.1.1:80 :9599 \
		127.0.0.1:80x; do
		timeout 10 "$WGTRACE" export -n "$GW" --listen "$a" >/dev/null 2>"$TMP/bad.err"
		rc=$?
		if [ $rc != 2 ] || ! grep -qF -- "--listen '$a'" "$TMP/bad.err"; then
			echo "--listen '$a': status $rc, stderr:"
			cat "$TMP/bad.err"
			return 1
		fi
	done
}
check export-bad-listen "an unparsable --listen was not a usage error naming it" bad_listen
check export-port-in-use "a port in use is not status 1 naming 127.0.0.1:$EP" \
	run_bad 1 "127\.0\.0\.1:$EP.*(in use|Address already)" -n "$GW" --listen "127.0.0.1:$EP"
# Root ignores permission bits: a read-only mount is unwritable for it too
# (in a private mount namespace, so nothing is left mounted).
mkdir -p "$TMP/ro"
textfile_ro() {
	local rc
	unshare -m --propagation private sh -c \
		'mount -t tmpfs -o ro tmpfs "$1" && shift && exec timeout 10 "$@"' \
		sh "$TMP/ro" "$WGTRACE" export -n "$GW" --listen none \
		--textfile "$TMP/ro/wgtrace.prom" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] &&
		grep -qE "$TMP/ro/wgtrace.prom.*(not writable|Read-only)" "$TMP/bad.err"; then
		return 0
	fi
	echo "status $rc, stderr:"
	cat "$TMP/bad.err"
	return 1
}
check export-textfile-unwritable "a read-only textfile folder gave no clear error" textfile_ro
printf 'name %s alpha-site\nname not-a-key beta-site\n' "$PP" >"$TMP/names.bad"
check export-names-malformed "no status 2 naming $TMP/names.bad:2:COL" \
	run_bad 2 "$TMP/names\.bad:2:[0-9]+:" -n "$GW" --listen none \
	--textfile "$TMP/tf/never.prom" --peer-names "$TMP/names.bad"
check export-unknown-netns "an unknown namespace is not a usage error naming it" \
	run_bad 2 "wgt-nonexistent-$$" -n "wgt-nonexistent-$$" --listen "127.0.0.1:$(free_port)"

# --- HTTP ------------------------------------------------------------------------
http_code() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
check export-http-404 "GET /other did not answer 404" \
	eval '[ "$(http_code "http://127.0.0.1:$EP/other") $(http_code "http://127.0.0.1:$EP/") $(http_code "http://127.0.0.1:$EP/metrics/x")" = "404 404 404" ]'
check export-http-405 "POST /metrics did not answer 405" \
	eval '[ "$(http_code -X POST -d x=1 "http://127.0.0.1:$EP/metrics") $(http_code -X DELETE "http://127.0.0.1:$EP/metrics")" = "405 405" ]'

# raw BYTES-FILE: send a file on a fresh TCP connection, read what comes back
# (bounded). The connection may be cut: that is a fine answer.
raw() {
	timeout 15 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
		cat "$2" >&3 2>/dev/null
		timeout 5 head -c 300 <&3 >/dev/null 2>&1
		exit 0' raw "$EP" "$1"
}
{ printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: '
	head -c 1048576 /dev/zero | tr '\0' a
	printf '\r\n\r\n'; } >"$TMP/bigheader"
{ printf 'GET /'; head -c 1048576 /dev/zero | tr '\0' b
	printf ' HTTP/1.1\r\nHost: x\r\n\r\n'; } >"$TMP/bigurl"
head -c 65536 /dev/urandom >"$TMP/garbage"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc' >"$TMP/shortbody"
printf 'POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n' >"$TMP/badchunk"
printf '\r\n\r\n\r\nGET\r\n\r\n' >"$TMP/nothing"
http_abuse() {
	local f t0 code
	# An idle connection held open during all of it must not block others.
	exec 4<>"/dev/tcp/127.0.0.1/$EP" || { echo "cannot connect"; return 1; }
	for f in bigheader bigurl garbage shortbody badchunk nothing; do
		t0=$SECONDS
		raw "$TMP/$f"
		code=$(http_code "http://127.0.0.1:$EP/metrics")
		if [ "$code" != 200 ] || ! proc_alive "$E1"; then
			echo "after '$f': GET /metrics gave '$code', exporter alive: $(proc_alive "$E1" && echo yes || echo no)"
			exec 4>&-
			return 1
		fi
		echo "$f: handled in $((SECONDS - t0)) s"
	done
	# A large POST body goes unbuffered (405, not a memory blow-up).
	code=$(head -c 4194304 /dev/zero | http_code -X POST --data-binary @- \
		"http://127.0.0.1:$EP/metrics")
	exec 4>&-
	[ "$code" = 405 ] || [ "$code" = 413 ] || { echo "4 MB POST: '$code'"; return 1; }
	scrape_ok && proc_alive "$E1"
}
check export-http-abuse "oversized or malformed requests broke the exporter" http_abuse

# --- textfile --------------------------------------------------------------------
check export-textfile-promtool "promtool check metrics rejects the textfile" \
	promtool check metrics <"$TMP/tf/wgtrace.prom"
# Replaced by rename (a new inode each interval), and every read of it, at
# any moment, is a whole file (ends with the last family's sample line).
textfile_atomic() {
	local ino0 i bad=0
	ino0=$(stat -c %i "$TMP/tf/wgtrace.prom") || return 1
	for ((i = 0; i < 40; i++)); do
		tail -n 1 "$TMP/tf/wgtrace.prom" | grep -q '^process_cpu_seconds_total ' ||
			bad=$((bad + 1))
		sleep 0.05
	done
	[ $bad = 0 ] || { echo "$bad of 40 reads saw a partial file"; return 1; }
	wait_until 10 eval '[ "$(stat -c %i "$TMP/tf/wgtrace.prom")" != "$ino0" ]' ||
		{ echo "the file was not replaced (same inode for 10 s)"; return 1; }
}
check export-textfile-atomic "the textfile is not replaced atomically" textfile_atomic

# --- one exporter per namespace --------------------------------------------------
check export-second-instance "a second exporter on $GW was not refused naming pid $E1" \
	run_bad 1 "another wgtrace export.*pid $E1" -n "$GW" --listen "127.0.0.1:$(free_port)"
# The running one serves all devices, $DG included: a second one for $DG
# alone would attach the same hooks again and double what dashboards add up.
check export-second-instance-device "a second exporter for $DG (already exported by pid $E1) was not refused" \
	run_bad 1 "another wgtrace export" -n "$GW" -i "$DG" --listen "127.0.0.1:$(free_port)"

# --- SIGHUP ----------------------------------------------------------------------
# The --peer-names name of P's key is the name label of its peer_info series
# (the names file this test wrote); SIGHUP replaces it with the new one.
# named NAME: the scrape gives P's key on $DG the name NAME, and only that.
named() {
	local got
	got=$(scrape | grep -F "wgtrace_peer_info{interface=\"$DG\",peer=\"$PP\"," |
		sed -n 's/.*,name="\([^"]*\)".*/\1/p')
	[ "$got" = "$1" ] || { echo "peer_info of $PP on $DG has name '$got', want '$1'"; return 1; }
}
sighup_names() {
	local n0
	named alpha-site || return 1
	n0=$(grep -c 'peer names reloaded' "$TMP/e1.log")
	printf 'name %s beta-site\n' "$PP" >"$TMP/names"
	kill -HUP "$E1"
	wait_until 10 eval '[ "$(grep -c "peer names reloaded" "$TMP/e1.log")" -gt $n0 ]' ||
		{ echo "no 'peer names reloaded' log line after SIGHUP"; return 1; }
	wait_until 5 named beta-site || { named beta-site; return 1; }
	! scrape | grep -q alpha-site || { echo "the old name is still shown"; return 1; }
	# A broken file is refused and the exporter keeps going.
	cp "$TMP/names.bad" "$TMP/names"
	kill -HUP "$E1"
	wait_until 10 grep -q 'peer names not reloaded' "$TMP/e1.log" ||
		{ echo "no 'not reloaded' log line for a malformed file"; return 1; }
	proc_alive "$E1" && scrape_ok
}
check export-sighup-names "SIGHUP did not replace the name in the scrape" sighup_names

# --- counting on the wireguard-go device -----------------------------------------
# The tc egress hook on the TUN device sees what the kernel queues to it:
# its tx_packets. With only traffic for 10.60.0.0/16 (no peer), all of it
# is no_peer.
SER_NP="wgtrace_drops_total{reason=\"no_peer\",interface=\"$DG\",peer=\"\"}"
np_now() { scrape >"$TMP/np"; v=$(val "$TMP/np" "$SER_NP"); echo "${v:-0}"; }
# count_window VAR-DELTA-TX CMD...: run CMD, the device's tx_packets delta
# into VAR, and wait until the exporter's snapshot is at least 2 intervals
# newer than the traffic.
count_window() {
	local var=$1 t0
	shift
	t0=$(tx_packets)
	"$@"
	printf -v "$var" '%s' "$(($(tx_packets) - t0))"
}
# The tunnel to P: some traffic counted per peer (route decisions).
ip netns exec "$GW" ping -c 3 -i 0.2 -W 2 10.99.0.2 >/dev/null 2>&1
wait_until 10 handshake_any "$GW" "$DG"
ip netns exec "$GW" ping -c 3 -i 0.2 -W 2 10.99.0.2 >/dev/null 2>&1
# Settle: no tunnel packet may still leave in the window (a handshake
# answer, a keepalive): until the device's tx_packets stand still.
tx_still() { local a; a=$(tx_packets); sleep 0.5; [ "$(tx_packets)" = "$a" ]; }
wait_until 15 tx_still
np0=$(np_now)
count_window dtx gw_ping 10.60.0.1
if [ "$dtx" -lt $N ]; then
	fail export-no-peer-count "lab: $DG queued $dtx packets for $N pings"
elif wait_until 10 eval '[ "$(np_now)" = $((np0 + dtx)) ]'; then
	pass export-no-peer-count
else
	fail export-no-peer-count "no_peer on $DG grew by $(($(np_now) - np0)), the device queued $dtx (tx_packets)"
fi

# A peer added while export runs: the kernel (wg show allowed-ips) gives it
# 10.70.0.0/16, so traffic there is the new peer's, not no_peer.
peer_added_live() {
	local k3 owner np1 got rd
	k3=$(wg genkey | wg pubkey)
	ip netns exec "$GW" wg set "$DG" peer "$k3" allowed-ips 10.70.0.0/16 \
		endpoint 198.51.100.9:51820 &&
		ip -n "$GW" route add 10.70.0.0/16 dev "$DG" || { echo "lab: cannot add the peer"; return 1; }
	owner=$(ip netns exec "$GW" wg show "$DG" allowed-ips | awk -v k="$k3" '$1 == k { print $2 }')
	[ "$owner" = 10.70.0.0/16 ] || { echo "lab: wg show gives $k3 '$owner'"; return 1; }
	# Until the exporter lists the peer (its inventory refresh).
	wait_until 10 eval 'scrape | grep -qF "peer=\"$k3\""' ||
		{ echo "wgtrace_peer_info never listed the new peer"; return 1; }
	np1=$(np_now)
	count_window rd gw_ping 10.70.0.1
	[ "$rd" -gt 0 ] || { echo "lab: $DG queued no packet for 10.70.0.1"; return 1; }
	rd_ser="wgtrace_route_decisions_total{interface=\"$DG\",table=\"\",peer=\"$k3\"}"
	wait_until 10 eval '[ "$(scrape >"$TMP/pa"; val "$TMP/pa" "$rd_ser")" = "$rd" ]'
	got=$(val "$TMP/pa" "$rd_ser")
	ip netns exec "$GW" wg set "$DG" peer "$k3" remove
	ip -n "$GW" route del 10.70.0.0/16 dev "$DG"
	if [ "$(np_now)" != "$np1" ] || [ "${got:-0}" != "$rd" ]; then
		echo "$rd packets to 10.70.0.1 (peer $k3 per wg show): no_peer grew by $(($(np_now) - np1)), route_decisions for the peer is '${got:-absent}'"
		return 1
	fi
}
check export-peer-added-live "traffic to a peer added at run time is not counted as that peer's" \
	peer_added_live

# --- device deleted and created again ------------------------------------------------
# Every counter series scraped before is there afterwards, not lower; scrapes
# are taken all the way through (also while the device is gone).
: >"$TMP/seq.list"
sample() {	# INDEX
	scrape >"$TMP/seq.$1" 2>/dev/null && totals "$TMP/seq.$1" >"$TMP/seq.$1.t" &&
		echo "$TMP/seq.$1.t" >>"$TMP/seq.list"
}
sampler() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -e "$TMP/seq.stop" ] && break
		sample "s$i"
		sleep 0.2
	done
}
scrape >"$TMP/before" && totals "$TMP/before" >"$TMP/before.t"
echo "$TMP/before.t" >>"$TMP/seq.list"
sampler &
SAMPLER=$!
_pid_list+=("$SAMPLER")

RPF2=$(rpf_count)
rpf_before=$(reason_sum "$TMP/before" rpf_drop)
np_before=$(val "$TMP/before" "$SER_NP")
ip -n "$GW" link del "$DG" 2>/dev/null
kill "$WG_GW_PID" 2>/dev/null
wait_until 10 eval "! proc_alive $WG_GW_PID" &&
	wait_until 10 eval "! test -e /var/run/wireguard/$DG.sock"
# At least one inventory refresh without the device: its peer_info goes.
wait_until 15 eval '! scrape | grep -qF "wgtrace_peer_info{interface=\"$DG\","'
recreated=no
if wggo_start "$GW" "$DG"; then
	WG_GW_PID=${_pid_list[-1]}
	wg_gw_setup && recreated=yes
fi
count_window dtx2 gw_ping 10.60.0.1
spoof_burst
drpf=$(($(rpf_count) - RPF2))
# Until both counts reached what the kernel counted (bounded: a count that
# never gets there fails below; one that overshoots is seen there too).
wait_until 15 eval '[ "$(scrape >"$TMP/after"; reason_sum "$TMP/after" rpf_drop)" -ge $((rpf_before + drpf)) ] &&
	[ "$(val "$TMP/after" "$SER_NP")" -ge $((${np_before:-0} + dtx2)) ]'
scrape >"$TMP/after" && totals "$TMP/after" >"$TMP/after.t"
echo "$TMP/after.t" >>"$TMP/seq.list"
touch "$TMP/seq.stop"
wait "$SAMPLER" 2>/dev/null

# not_lower: every series of each scrape is in the next one, not lower.
not_lower() {
	local prev="" cur out
	while read -r cur; do
		if [ -n "$prev" ]; then
			out=$(awk 'NR == FNR { v[$1] = $2; next }
				{ if (!($1 in v)) print "missing: " $1 " (was " $2 ")";
				  else if (v[$1] + 0 < $2 + 0) print "lower: " $1 " " $2 " -> " v[$1] }' \
				"$cur" "$prev")
			if [ -n "$out" ]; then
				echo "from $(basename "$prev") to $(basename "$cur"):"
				echo "$out"
				return 1
			fi
		fi
		prev=$cur
	done <"$TMP/seq.list"
}
if [ $recreated != yes ]; then
	for c in export-monotonic export-recreate-rpf-count export-recreate-no-peer-count; do
		fail $c "lab: cannot create $DG again with wireguard-go"
	done
else
	check export-monotonic "a counter series went down or vanished across the device's re-creation" \
		not_lower
	echo "    $(wc -l <"$TMP/seq.list") scrapes compared, $(wc -l <"$TMP/before.t") series before"
	# Traffic was sent: a kernel count of 0 is a broken lab, not a pass.
	got=$(($(reason_sum "$TMP/after" rpf_drop) - rpf_before))
	check export-recreate-rpf-count "rpf_drop grew by $got after the re-creation, the kernel counted $drpf" \
		test "$drpf" -gt 0 -a "$got" = "$drpf"
	# The series existed before (export-no-peer-count counted into it).
	got=$(($(val "$TMP/after" "$SER_NP") - ${np_before:-0}))
	check export-recreate-no-peer-count "no_peer on the re-created $DG grew by $got (before: '${np_before:-missing}'), the device queued $dtx2 (tx_packets)" \
		test -n "$np_before" -a "$dtx2" -ge $N -a "$got" = "$dtx2"
fi

# --- SIGTERM: exit 0, nothing left attached ------------------------------------------
# tc state of the wg device (filters and qdiscs a tc-mode attach would add;
# tcx links are checked by id).
tc_state() {
	local d
	for d in ingress egress; do
		tc -n "$GW" filter show dev "$DG" "$d" 2>&1
	done
	tc -n "$GW" qdisc show dev "$DG" 2>&1
}
# gone IDS: of the "prog_id: N" / "link_id: N" lines, none exists any more.
gone() {
	local kind id left=""
	while read -r kind id; do
		[ -n "$id" ] || continue
		bpftool "${kind%_id:}" show id "$id" >/dev/null 2>&1 && left="$left ${kind%:} $id,"
	done <<<"$1"
	[ -z "$left" ] || { echo "still loaded:$left"; return 1; }
}
fds_ids() { grep -hE '^(prog|link)_id:' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u; }

stop_pid "$E1" e1_rc
check export-textfile-no-tmp "files left next to the textfile: $(ls "$TMP/tf" | tr '\n' ' ')" \
	eval '! ls "$TMP/tf" | grep -q tmp'
# A fresh exporter on the current device: seen attached while it runs, and
# after SIGTERM nothing of it is left (its programs, links, tc state).
st0=$(tc_state)
ifi=$(ip netns exec "$GW" cat "/sys/class/net/$DG/ifindex")
e3_rc=none
if exp_start E3 "$TMP/e3.log" -n "$GW" --listen "127.0.0.1:$EP" --interval 1 &&
	wait_until 30 scrape_ok; then
	e3_ids=$(fds_ids "$E3")
	e3_tc=$(tc_state)
	grep -q "^ifindex:[[:space:]]*$ifi\$" /proc/"$E3"/fdinfo/* 2>/dev/null && e3_tc=tcx
	stop_pid "$E3" e3_rc
fi
sigterm() {
	[ "$e1_rc" = 0 ] || { echo "first exporter: exit status $e1_rc"; return 1; }
	[ -n "$E1_IDS" ] || { echo "lab: no BPF fds seen in the first exporter"; return 1; }
	gone "$E1_IDS" || return 1
	[ "$e3_rc" != none ] || { echo "second exporter did not start:"; cat "$TMP/e3.log"; return 1; }
	[ "$e3_tc" != "$st0" ] || { echo "lab: nothing attached to $DG (ifindex $ifi) seen while it ran"; return 1; }
	[ "$e3_rc" = 0 ] || { echo "second exporter: exit status $e3_rc"; return 1; }
	gone "$e3_ids" || return 1
	st1=$(tc_state)
	[ "$st1" = "$st0" ] || { printf 'tc state of %s before:\n%s\nafter:\n%s\n' "$DG" "$st0" "$st1"; return 1; }
	grep -q 'msg="stopping' "$TMP/e3.log" || { echo "no 'stopping' log line"; return 1; }
}
check export-sigterm "SIGTERM did not stop the exporter cleanly" sigterm

# The man page: "Logs are one logfmt line per event on standard error" -
# also after the malformed requests above.
logfmt() {
	local bad
	bad=$(cat "$TMP/e1.log" "$TMP/e3.log" 2>/dev/null |
		grep -vE '^ts=[0-9TZ:-]+ level=[a-z]+ msg=".*"$')
	[ -z "$bad" ] || { echo "$bad" | head -n 5; return 1; }
}
check export-log-logfmt "stderr has lines that are not logfmt" logfmt
