#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input, table-driven: every option of every command given a value it
# must refuse. Each case must exit 2 (usage error), print nothing on
# stdout, and name the bad input on stderr so the user knows what to fix.
# Afterwards nothing of wgtrace is attached or loaded (bpftool's program and
# link lists, tc on a namespace the test made) and no state file is left.
#
# Table: ARGS|TEXT, one case a line; ARGS split on spaces, @FIFO@ and @BAD@
# stand for a FIFO and a file that is no intent file, made here.
. "$(dirname "$0")/lib.sh"
require_root bad-input
require_cmd bad-input bpftool tc

TMP=$(mktemp -d /tmp/wgt-badinput.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
mkfifo "$TMP/fifo"
printf 'this is not an intent file\n' >"$TMP/bad"

CASES=$(cat <<'TABLE'
bogus|bogus
trace|destination
trace 10.0.0.1 10.0.0.2|10.0.0.2
trace 300.1.1.1|300.1.1.1
trace 10.0.0.1 --from 10.0.0.|10.0.0.
trace 10.0.0.1 --from ::1|::1
trace 10.0.0.1 --proto sctp|sctp
trace 10.0.0.1 --proto udp --port 0|--port
trace 10.0.0.1 --proto udp --port 65536|65536
trace 10.0.0.1 --proto udp --port abc|abc
trace 10.0.0.1 --mark 0xzz|0xzz
trace 10.0.0.1 --mark 99999999999|99999999999
trace 10.0.0.1 -c 0|count
trace 10.0.0.1 -c 1001|1001
trace 10.0.0.1 -t 0|timeout
trace 10.0.0.1 -t 3601|3601
trace 10.0.0.1 -n nosuchns-bi|nosuchns-bi
trace 10.0.0.1 --bogus|bogus
trace 10.0.0.1 --port 53|port
trace 10.0.0.1 --pcap @BAD@.pcapng --snaplen 19|19
trace 10.0.0.1 --pcap @BAD@.pcapng --snaplen 1025|1025
trace 10.0.0.1 --pcap @BAD@.pcapng --snaplen 60x|60x
trace 10.0.0.1 --snaplen 100|--pcap
watch -i|interface
watch --interval 0|interval
watch --interval 3601|3601
watch --duration x|duration
watch -n nosuchns-bi|nosuchns-bi
watch --intent /nonexistent-bi|/nonexistent-bi
watch --intent @FIFO@|@FIFO@
watch --intent @BAD@|@BAD@
watch extra|extra
watch --bogus|bogus
export --listen nonsense|nonsense
export --listen 127.0.0.1:70000|70000
export --listen 999.0.0.1:9599|999.0.0.1
export --interval 0|interval
export --peer-label most|most
export --peer-label named|named
export --peer-expire 0|peer-expire
export --peer-expire 86401|86401
export --peer-names /nonexistent-bi|/nonexistent-bi
export --peer-names @FIFO@|@FIFO@
export --peer-names @BAD@ --intent @BAD@|both
export extra|extra
export --bogus|bogus
export -n nosuchns-bi|nosuchns-bi
check --fail-on fatal|fatal
check --intent /nonexistent-bi|/nonexistent-bi
check --intent @FIFO@|@FIFO@
check --intent @BAD@|@BAD@
check extra|extra
check --bogus|bogus
check -n nosuchns-bi|nosuchns-bi
probe extra|extra
probe --bogus|bogus
probe -n x|n
inventory --get|get
inventory --get 300.1.1.1|300.1.1.1
inventory --get 10.0.0.1 mark zz|zz
inventory --get 10.0.0.1 iif|iif
inventory extra|extra
inventory --bogus|bogus
inventory -n nosuchns-bi|nosuchns-bi
watch --json --interval x|interval
trace 10.0.0.1 --json -c x|count
report|record file
report --since yesterday rec.gz|yesterday
report --since -1h --until -2h rec.gz|--since
report --until 2026-12-07T03:00:00 rec.gz|2026-12-07T03:00:00
report --bogus rec.gz|bogus
watch --record-max-size 1|--record-max-size
watch --record-max-size 12X|12X
watch --record-keep 101|101
export --record-max-size 65G|65G
export --record-keep x|--record-keep
export --record|record
watch --record /nonexistent-bi/rec.gz|/nonexistent-bi
export --record /tmp|/tmp
watch --pcap|pcap
watch --pcap /nonexistent-bi/w.pcapng|/nonexistent-bi
watch --pcap /tmp|/tmp
watch --pcap @BAD@.pcapng --pcap-budget 0|--pcap-budget '0'
watch --pcap @BAD@.pcapng --pcap-budget 1000001|1000001
watch --pcap @BAD@.pcapng --pcap-budget 5x|5x
watch --pcap-budget 10|--pcap FILE
watch --pcap @BAD@.pcapng --snaplen 19|19
watch --pcap @BAD@.pcapng --snaplen 1025|1025
watch --snaplen 100|--pcap FILE
TABLE
)
# Two more checks after the table: nothing attached, no state left.
plan $(($(grep -c . <<<"$CASES") + 2))

# wgtrace programs and links no process holds: what a refused run would
# leave behind (other wgtrace instances' are held by them).
ours() {
	bpftool prog show -j | jq '[.[] | select((.name // "") | test("^(probe|wgt)_")) |
		select((.pids // []) | length == 0)] | length'
}
links() { bpftool link show -j | jq '[.[] | select((.pids // []) | length == 0)] | length'; }
progs0=$(ours) links0=$(links)
state0=$(ls /run/wgtrace 2>/dev/null | sort | tr '\n' ' ')
ns_new N
ip -n "$N" link add d0 type veth peer name d1 && ip -n "$N" link set d0 up
tc0=$(tc -n "$N" qdisc show dev d0; tc -n "$N" filter show dev d0 ingress)

i=0
while IFS='|' read -r args want; do
	i=$((i + 1))
	args=${args//@FIFO@/$TMP/fifo}
	args=${args//@BAD@/$TMP/bad}
	want=${want//@FIFO@/$TMP/fifo}
	want=${want//@BAD@/$TMP/bad}
	# shellcheck disable=SC2086 # ARGS are words on purpose
	timeout 20 "$WGTRACE" $args >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	name="bad-input-$i-${args%% *}"
	check "$name" "wgtrace $args: exit $rc (want 2), $(wc -c <"$TMP/out") bytes on stdout, stderr '$(head -n 1 "$TMP/err")' should name '$want'" \
		eval '[ $rc -eq 2 ] && [ ! -s "$TMP/out" ] && grep -qF -- "$want" "$TMP/err"'
done <<<"$CASES"

# Each run was refused before anything was attached, or removed it.
tc1=$(tc -n "$N" qdisc show dev d0; tc -n "$N" filter show dev d0 ingress)
check bad-input-nothing-attached "programs $progs0 -> $(ours), links $links0 -> $(links), tc changed: $([ "$tc0" = "$tc1" ] && echo no || echo yes)" \
	eval '[ "$(ours)" -le "$progs0" ] && [ "$(links)" -le "$links0" ] && [ "$tc0" = "$tc1" ]'
state1=$(ls /run/wgtrace 2>/dev/null | sort | tr '\n' ' ')
check bad-input-no-state-left "/run/wgtrace: '$state0' before, '$state1' after" \
	[ "$state0" = "$state1" ]
exit 0
