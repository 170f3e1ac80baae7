#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace export --peer-label all|named|none` and the expiry of series of
# peers removed from the configuration: what each choice exposes, and that
# the counts stay the same whatever the labels.
#
#   G  wg $D 10.99.0.1/24 (wireguard-go)
#      peer K1 "alpha" (named): 10.91.0.0/24    peer K2: 10.92.0.0/24
#      routes 10.91.0.0/24 and 10.92.0.0/24 into $D
#
# G pings N times into each prefix (no peer answers: the packets only need
# to enter the device). Oracles: the tx_packets of $D (every packet the
# kernel handed to the TUN device, which its tc egress hook sees) and the
# keys the test generated; never wgtrace's own output.
. "$(dirname "$0")/lib.sh"
type plan >/dev/null 2>&1 && plan 8
CHECKS="export-labels-all-series export-labels-all-count
export-labels-named-series export-labels-named-count
export-labels-none-series export-labels-none-count
export-labels-expire export-labels-bad-option"
if [ "$(id -u)" != 0 ]; then
	for n in $CHECKS; do skip "$n" "needs root"; done
	exit 0
fi
for c in wireguard-go wg jq curl ss; do
	command -v "$c" >/dev/null || fail_all "$c not installed (run: make deps)"
done

TMP=$(mktemp -d /tmp/wgt-labels.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
N=12

build() {
	ns_new G && wg_devname D || return 1
	wggo_start "$G" "$D" || return 1
	K1=$(wg genkey | wg pubkey) && K2=$(wg genkey | wg pubkey) || return 1
	ip netns exec "$G" wg set "$D" private-key <(wg genkey) \
		peer "$K1" allowed-ips 10.91.0.0/24 \
		peer "$K2" allowed-ips 10.92.0.0/24 || return 1
	# No IPv6 on the device: router solicitations and MLD reports would
	# enter it too, and the oracle is "every packet is one of the pings".
	ip netns exec "$G" sysctl -qw "net.ipv6.conf.$D.disable_ipv6=1" &&
		ip -n "$G" addr add 10.99.0.1/24 dev "$D" &&
		ip -n "$G" link set "$D" up &&
		ip -n "$G" route add 10.91.0.0/24 dev "$D" &&
		ip -n "$G" route add 10.92.0.0/24 dev "$D"
}
build || fail_all "could not build the topology"
printf 'name %s alpha\n' "$K1" >"$TMP/names"

tx() { cat "/sys/class/net/$D/statistics/tx_packets" 2>/dev/null ||
	ip netns exec "$G" cat "/sys/class/net/$D/statistics/tx_packets"; }
scrape() { curl -sf --max-time 10 "http://127.0.0.1:$PORT/metrics"; }
ready() { scrape >"$TMP/s" && grep -q '^wgtrace_build_info' "$TMP/s"; }
# decisions: route_decisions_total summed over every series of the scrape.
decisions() {
	awk '/^wgtrace_route_decisions_total\{/ { s += $2 } END { print s + 0 }' "$TMP/s"
}
# labelled KEY: the scrape has a counter series with that peer label.
labelled() { grep -E '^wgtrace_[a-z_]+_total\{' "$TMP/s" | grep -qF "peer=\"$1\""; }
peer_infos() { grep -c '^wgtrace_peer_info{' "$TMP/s"; }

# run MODE ARGS...: export with --peer-label MODE; traffic into both
# prefixes; leaves the last scrape in $TMP/s and the kernel's count in SENT.
run() {
	local mode=$1 pid try
	shift
	# A port free when picked may be taken before export binds it (other
	# programs on this machine): pick another then.
	for try in 1 2 3; do
		PORT=$(free_port) || return 1
		"$WGTRACE" export -n "$G" --listen "127.0.0.1:$PORT" --interval 1 \
			--peer-label "$mode" "$@" >"$TMP/$mode.out" 2>"$TMP/$mode.err" &
		pid=$!
		_pid_list+=("$pid")
		EXP_PID=$pid
		wait_until 60 eval 'ready || ! kill -0 $pid 2>/dev/null'
		ready && break
		grep -q 'Address already in use' "$TMP/$mode.err" || return 1
	done
	ready || return 1
	local t0
	t0=$(tx)
	ip netns exec "$G" ping -q -c "$N" -i 0.05 -W 1 10.91.0.1 >/dev/null 2>&1
	ip netns exec "$G" ping -q -c "$N" -i 0.05 -W 1 10.92.0.1 >/dev/null 2>&1
	SENT=$(($(tx) - t0))
	# The count settles within an interval or two.
	wait_until 20 eval 'ready && [ "$(decisions)" -ge "$SENT" ]'
	return 0
}
stop() { kill -TERM "$EXP_PID" 2>/dev/null; wait "$EXP_PID" 2>/dev/null; }

# --- all ---------------------------------------------------------------------
if run all; then
	check export-labels-all-series "want both keys labelled and 2 peer_info lines, got $(peer_infos)" \
		eval 'labelled "$K1" && labelled "$K2" && [ "$(peer_infos)" -eq 2 ]'
	check export-labels-all-count "route decisions $(decisions), $D tx_packets delta $SENT" \
		eval '[ "$SENT" -ge $((2 * N)) ] && [ "$(decisions)" -eq "$SENT" ]'
	stop
else
	fail export-labels-all-series "export did not serve /metrics: $(head -c 300 "$TMP/all.err")"
	fail export-labels-all-count "no run"
fi

# --- named: only alpha (K1) keeps its label ------------------------------------
if run named --peer-names "$TMP/names"; then
	check export-labels-named-series "want K1 labelled, K2 not, 1 peer_info; got $(peer_infos)" \
		eval 'labelled "$K1" && ! labelled "$K2" && [ "$(peer_infos)" -eq 1 ] &&
			grep -q "name=\"alpha\"" "$TMP/s"'
	check export-labels-named-count "route decisions $(decisions), $D tx_packets delta $SENT" \
		eval '[ "$SENT" -ge $((2 * N)) ] && [ "$(decisions)" -eq "$SENT" ]'
	stop
else
	fail export-labels-named-series "export did not serve /metrics: $(head -c 300 "$TMP/named.err")"
	fail export-labels-named-count "no run"
fi

# --- none: no key anywhere, totals per interface -------------------------------
if run none; then
	check export-labels-none-series "a key or peer_info line is left" \
		eval '! labelled "$K1" && ! labelled "$K2" && [ "$(peer_infos)" -eq 0 ]'
	check export-labels-none-count "route decisions $(decisions), $D tx_packets delta $SENT" \
		eval '[ "$SENT" -ge $((2 * N)) ] && [ "$(decisions)" -eq "$SENT" ]'
	stop
else
	fail export-labels-none-series "export did not serve /metrics: $(head -c 300 "$TMP/none.err")"
	fail export-labels-none-count "no run"
fi

# --- expiry: K2 removed with wg set; its series go, K1's stay ------------------
if run all --peer-expire 2 && labelled "$K2"; then
	ip netns exec "$G" wg set "$D" peer "$K2" remove
	check export-labels-expire "K2's series still exported 30 s after its removal (or K1's gone)" \
		wait_until 30 eval 'ready && ! labelled "$K2" && labelled "$K1"'
	stop
else
	fail export-labels-expire "no run with K2's series to expire"
fi

"$WGTRACE" export --peer-label most >/dev/null 2>&1
rc=$?
check export-labels-bad-option "--peer-label most gave exit $rc, want 2" [ $rc -eq 2 ]
exit 0
