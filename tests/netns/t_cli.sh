#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Small reliability items of issue #11, each against the kernel's or the
# system's own account:
#   - -n with a 100 KB name is a usage error (2) for every command that
#     takes -n;
#   - trace: --from and DEST of different families are a usage error; a
#     mistyped address never reaches the resolver (Udp OutDatagrams of a
#     namespace whose resolv.conf points at its own loopback; a real host
#     name there is the control: it does send);
#   - a FIFO as --intent / --peer-names is refused at start (2, bounded
#     in time), and a names file that became a FIFO before SIGHUP keeps
#     the old names while counting goes on (tx_packets of the device);
#   - export removes its lock file on exit;
#   - a non-root process with CAP_NET_ADMIN is told about wireguard-go's
#     socket mode (as stat(1) reads it);
#   - watch names a deleted device by its last name (as ip(8) showed it).
. "$(dirname "$0")/lib.sh"
type plan >/dev/null 2>&1 && plan 9
require_root cli
require_cmd cli wireguard-go wg jq timeout setpriv stat

TMP=$(mktemp -d /tmp/wgt-cli.XXXXXX)
chmod 755 "$TMP"
trap 'cleanup; rm -rf "$TMP"; [ -n "$RESOLV_DIR" ] && rm -rf "$RESOLV_DIR"' EXIT
N=10
CHECKS="cli-netns-long cli-trace-family cli-trace-no-dns cli-intent-fifo
	cli-peer-names-fifo cli-sighup-fifo cli-lock-removed cli-eacces-uapi
	cli-watch-deleted"

# run_rc VAR CMD...: CMD's exit status into VAR, stderr into $TMP/err;
# 10 s at most (124: it hung).
run_rc() {
	local _var=$1 _rc
	shift
	timeout 10 "$@" >/dev/null 2>"$TMP/err" </dev/null
	_rc=$?
	printf -v "$_var" '%s' "$_rc"
}

build() {
	ns_new NS || return 1
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	wg_devname DG && wg_devname DD
	wggo_start "$NS" "$DG" && wggo_start "$NS" "$DD" || return 1
	WGGO_DD=${_pid_list[-1]}
	(umask 077 && wg genkey >"$TMP/k") || return 1
	PA=$(wg genkey | wg pubkey) || return 1
	local d
	for d in "$DG" "$DD"; do
		ip netns exec "$NS" wg set "$d" private-key "$TMP/k" \
			peer "$PA" allowed-ips 10.99.0.2/32 &&
			ip -n "$NS" link set "$d" up || return 1
	done
	ip -n "$NS" route add 10.60.0.0/16 dev "$DG" &&
		ip -n "$NS" route add 10.61.0.0/16 dev "$DD"
}
if ! build; then
	fail_all "lab setup failed"
fi

# --- -n with a 100 KB name ---------------------------------------------------
long=$(head -c 100000 /dev/zero | tr '\0' n)
bad=
for c in watch export trace check inventory; do
	args=(-n "$long")
	[ "$c" = trace ] && args+=(10.0.0.1)
	# No listener on the host's loopback: only the -n error is wanted.
	[ "$c" = export ] && args+=(--listen none --textfile "$TMP/x.prom")
	run_rc rc "$WGTRACE" "$c" "${args[@]}"
	{ [ "$rc" = 2 ] && grep -q 'bytes' "$TMP/err"; } || bad+=" $c:$rc"
done
check cli-netns-long "-n with a 100 KB name (command:exit):$bad" test -z "$bad"

# --- trace DEST ----------------------------------------------------------------
run_rc r1 "$WGTRACE" trace --from ::1 10.0.0.1
run_rc r2 "$WGTRACE" trace --from 192.0.2.1 2001:db8::1
run_rc r3 "$WGTRACE" trace --from 192.0.2.1 10.0.0.1 --timeout 1 -n "$NS"
check cli-trace-family "exits: --from ::1 10.0.0.1 -> $r1, --from 192.0.2.1 2001:db8::1 -> $r2 (want 2, 2); same family -> $r3 (want not 2)" \
	eval '[ "$r1" = 2 ] && [ "$r2" = 2 ] && [ "$r3" != 2 ]'

# ip netns exec bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf.
RESOLV_DIR=/etc/netns/$NS
mkdir -p "$RESOLV_DIR" && echo 'nameserver 127.0.0.1' >"$RESOLV_DIR/resolv.conf"
udp_out() { net_counter "$NS" snmp Udp:OutDatagrams; }
u0=$(udp_out)
bad=
for d in 10.0.0.256 1.2.3 0x7f000001 'fe80::1::' 10.1.1.1.1 'a..b'; do
	ip netns exec "$NS" timeout 10 "$WGTRACE" trace "$d" >/dev/null 2>&1
	rc=$?
	[ "$rc" = 2 ] || bad+=" $d:exit-$rc"
done
u1=$(udp_out)
ip netns exec "$NS" timeout 20 "$WGTRACE" trace wgtrace-dns-control.example.test \
	>/dev/null 2>&1
u2=$(udp_out)
if [ "$u2" -le "$u1" ]; then
	fail cli-trace-no-dns "lab: a host name sent no DNS query either (Udp OutDatagrams $u1 -> $u2)"
else
	check cli-trace-no-dns "mistyped addresses:$bad; Udp OutDatagrams $u0 -> $u1 for them (want no change)" \
		eval '[ -z "$bad" ] && [ "$u0" = "$u1" ]'
fi

# --- FIFOs ------------------------------------------------------------------------
mkfifo "$TMP/fifo"
run_rc rc "$WGTRACE" check --intent "$TMP/fifo"
check cli-intent-fifo "check --intent FIFO exited $rc (124: hung), said: $(head -c 200 "$TMP/err")" \
	eval '[ "$rc" = 2 ] && grep -q FIFO "$TMP/err"'
run_rc rc ip netns exec "$NS" "$WGTRACE" export --listen none --textfile "$TMP/x.prom" \
	--peer-names "$TMP/fifo"
check cli-peer-names-fifo "export --peer-names FIFO exited $rc (124: hung), said: $(head -c 200 "$TMP/err")" \
	eval '[ "$rc" = 2 ] && grep -q FIFO "$TMP/err"'

# Started with a good names file, which then becomes a FIFO; SIGHUP.
echo "name $PA alpha" >"$TMP/names"
bg "$NS" "$WGTRACE" export --listen none --textfile "$TMP/m.prom" --interval 1 \
	--peer-names "$TMP/names" 2>"$TMP/export.log"
EXP=$LAST_PID
np() { awk 'index($0, "wgtrace_wrong_turns_total{verdict=\"no_peer\",") == 1 { s += $NF } END { print s + 0 }' "$TMP/m.prom" 2>/dev/null; }
wait_until 30 test -s "$TMP/m.prom"
rm "$TMP/names" && mkfifo "$TMP/names"
kill -HUP "$EXP"
wait_until 10 grep -q 'not reloaded' "$TMP/export.log"
T0=$(ip netns exec "$NS" cat "/sys/class/net/$DG/statistics/tx_packets")
ip netns exec "$NS" bash -c 'for ((i = 0; i < $0; i++)); do echo x >/dev/udp/10.60.0.1/9; done' "$N" 2>/dev/null
want=$(($(ip netns exec "$NS" cat "/sys/class/net/$DG/statistics/tx_packets") - T0))
if wait_until 15 eval '[ "$(np)" = "$want" ]' &&
	grep -q 'level=error.*FIFO' "$TMP/export.log" &&
	grep -q 'name="alpha"' "$TMP/m.prom"; then
	pass cli-sighup-fifo
else
	fail cli-sighup-fifo "after SIGHUP with a FIFO: no_peer '$(np)' (kernel: $want), old name kept: $(grep -c 'name="alpha"' "$TMP/m.prom"), log: $(grep -m1 -o 'level=error.*' "$TMP/export.log")"
fi
INO=$(ip netns exec "$NS" stat -L -c %i /proc/self/ns/net)
LOCK=/run/wgtrace/export-$INO.lock
held=$(test -e "$LOCK" && echo yes || echo no)
kill -TERM "$EXP"
wait_until 20 eval "! proc_alive $EXP"
check cli-lock-removed "lock $LOCK while running: $held; after exit: $(test -e "$LOCK" && echo still there || echo gone)" \
	eval '[ $held = yes ] && [ ! -e "$LOCK" ]'

# --- non-root with CAP_NET_ADMIN -----------------------------------------------------
cp "$WGTRACE" "$TMP/wgtrace" && chmod 755 "$TMP/wgtrace"
mode=$(stat -c %04a "/var/run/wireguard/$DG.sock")
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=+net_admin --ambient-caps=+net_admin \
	timeout 10 "$TMP/wgtrace" inventory >/dev/null 2>"$TMP/err"
check cli-eacces-uapi "as uid 65534 with CAP_NET_ADMIN (socket mode $mode), said: $(head -c 300 "$TMP/err")" \
	eval 'grep -q "UAPI socket" "$TMP/err" && grep -q "mode $mode" "$TMP/err"'

# --- watch and a deleted device ------------------------------------------------------
bg "$NS" "$WGTRACE" watch --json --interval 1 >"$TMP/watch.jsonl" 2>"$TMP/watch.log"
wait_until 30 grep -q '"type":"status"' "$TMP/watch.jsonl"
ip netns exec "$NS" bash -c 'for ((i = 0; i < $0; i++)); do echo x >/dev/udp/10.61.0.1/9; done' "$N" 2>/dev/null
name=$(ip -n "$NS" -o link show "$DD" | awk -F': ' '{ print $2 }')
wait_until 15 grep -q "\"interface\":\"$name\"" "$TMP/watch.jsonl"
kill "$WGGO_DD"	# wireguard-go removes its TUN device on exit
wait_until 10 eval '! ip -n "$NS" link show "$DD" >/dev/null 2>&1'
gone=$(ip -n "$NS" link show "$DD" >/dev/null 2>&1 && echo no || echo yes)
if [ "$gone" = yes ] && wait_until 15 grep -q "\"interface\":\"$name (deleted)\"" "$TMP/watch.jsonl"; then
	pass cli-watch-deleted
else
	fail cli-watch-deleted "device gone: $gone; interfaces named after: $(jq -r 'select(.type == "finding") | .interface' "$TMP/watch.jsonl" 2>/dev/null | sort -u | tr '\n' ';')"
fi
