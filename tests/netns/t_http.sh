#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace export`'s HTTP endpoint under hostile and hurried clients
# (issue #11), all on the loopback of one namespace made here:
#
#   NS: lo 127.0.0.1 + 127.0.0.2..127.0.0.12/32 (so clients have distinct
#       source addresses), wireguard-go device $DEV whose name holds the
#       byte 0xff, one peer 10.77.0.0/24, route 10.78.0.0/24 into $DEV
#       (no peer carries it: no_peer). wgtrace export --listen 0.0.0.0:9599.
#
# Clients are bash's /dev/tcp (every answer read from the socket) and a
# real Prometheus; the no_peer truth is the tx_packets of $DEV (what the
# kernel queued to the TUN device, i.e. what its tc egress hook saw).
# Every client loop is bounded in count and in time.
. "$(dirname "$0")/lib.sh"
type plan >/dev/null 2>&1 && plan 13
require_root http
require_cmd http wireguard-go wg promtool prometheus jq timeout

TMP=$(mktemp -d /tmp/wgt-http.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
PORT=9599
PROM_PORT=9598

# In the namespace: functions that run inside `ip netns exec NS bash`.
# http_get ADDR [PATH]: "CODE BODY-BYTES" of one GET (HTTP/1.0), "000 0"
# when the connection failed or was closed without an answer.
read -r -d '' NS_FUNCS <<'EOF'
http_get() {
	local addr=$1 path=${2:-/metrics} resp code
	resp=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/9599" || exit 1
		printf "GET %s HTTP/1.0\r\nHost: t\r\n\r\n" "$1" >&3
		cat <&3' "$addr" "$path" 2>/dev/null | tr -d '\r')
	code=$(head -n 1 <<<"$resp" | awk '{ print $2 }')
	printf '%s %d\n' "${code:-000}" "$(sed '1,/^$/d' <<<"$resp" | wc -c)"
}
# raw_req ADDR FILE: send FILE as the request; print the status code, or
# "000" when the server closed without one (bounded: 5 s).
raw_req() {
	local code
	code=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/9599" || exit 1
		cat "$1" >&3 2>/dev/null
		head -n 1 <&3' "$1" "$2" 2>/dev/null | awk '{ print $2 }')
	echo "${code:-000}"
}
# slow_client ADDR GAP LINES OUT: the request line, then one header line
# every GAP seconds, LINES at most; OUT gets "cut SECONDS" when the server
# closed the connection, "held SECONDS" when it never did.
slow_client() {
	local addr=$1 gap=$2 lines=$3 out=$4 i rc start=$SECONDS
	trap '' PIPE	# a write after the server closed is an answer, not death
	if ! exec 3<>"/dev/tcp/$addr/9599"; then
		echo "refused 0" >"$out"
		return
	fi
	printf 'GET /metrics HTTP/1.1\r\nHost: t\r\n' >&3
	for ((i = 0; i < lines; i++)); do
		read -r -t "$gap" -u 3 _
		rc=$?
		if [ $rc -le 128 ]; then	# EOF or data: the server spoke
			echo "cut $((SECONDS - start))" >"$out"
			return
		fi
		if ! printf 'X-Slow-%d: a\r\n' "$i" >&3 2>/dev/null; then
			echo "cut $((SECONDS - start))" >"$out"
			return
		fi
	done
	echo "held $((SECONDS - start))" >"$out"
	exec 3>&-
}
EOF
in_ns() { ip netns exec "$NS" bash -c "$NS_FUNCS"$'\n'"$1"; }

# metric FILE PREFIX: the sum of the series whose line starts with PREFIX.
metric_sum() {
	awk -v p="$2" 'index($0, p) == 1 { s += $NF } END { print s + 0 }' "$1"
}

scrape_to() {	# FILE: the body of one scrape (status line and headers cut)
	in_ns 'timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.2/9599
		printf \"GET /metrics HTTP/1.0\r\nHost: t\r\n\r\n\" >&3
		cat <&3"' | tr -d '\r' | sed '1,/^$/d' >"$1"
}

tx_packets() { ip netns exec "$NS" cat "/sys/class/net/$DEV/statistics/tx_packets"; }

urlenc() {	# a query string for Prometheus' API
	local s=$1 i c out=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[a-zA-Z0-9_.~-]) out+=$c ;;
		*) printf -v c '%%%02X' "'$c"; out+=$c ;;
		esac
	done
	echo "$out"
}
promq() {	# EXPR: the first sample's value of an instant query
	ip netns exec "$NS" timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"
		printf "GET /api/v1/query?query=%s HTTP/1.0\r\nHost: t\r\n\r\n" "$1" >&3
		cat <&3' "$PROM_PORT" "$(urlenc "$1")" 2>/dev/null |
		tr -d '\r' | sed '1,/^$/d' | jq -r "${2:-.data.result[0].value[1] // empty}" 2>/dev/null
}

CHECKS="http-ready-503 http-first-packets-counted http-nonloopback-warning
	http-utf8-promtool http-utf8-prometheus http-slow-clients-cut
	http-slow-clients-scrapes http-dribble-capacity http-concurrent-200
	http-oversized http-malformed http-alive-after http-exit-clean"

build() {
	ns_new NS || return 1
	local i
	for ((i = 2; i <= 12; i++)); do
		ip -n "$NS" addr add "127.0.0.$i/32" dev lo || return 1
	done
	# No IPv6: router solicitations would add to the device's traffic.
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || return 1
	DEV=$'w\xff'"$$"
	wggo_start "$NS" "$DEV" || return 1
	(umask 077 && wg genkey >"$TMP/key") && PEER=$(wg genkey | wg pubkey) || return 1
	ip netns exec "$NS" wg set "$DEV" private-key "$TMP/key" \
		peer "$PEER" allowed-ips 10.77.0.0/24 &&
		ip -n "$NS" addr add 10.77.9.1/32 dev "$DEV" &&
		ip -n "$NS" link set "$DEV" up &&
		ip -n "$NS" route add 10.77.0.0/24 dev "$DEV" &&
		ip -n "$NS" route add 10.78.0.0/24 dev "$DEV"
}

if ! build; then
	fail_all "lab setup failed"
fi

# --- readiness -----------------------------------------------------------------
# Poll from the moment the process starts; the first 200 must carry
# metrics and every earlier answer must be a 503 with a reason.
bg "$NS" "$WGTRACE" export --listen 0.0.0.0:$PORT --interval 1 2>"$TMP/export.log"
EXP=$LAST_PID
in_ns 'for ((i = 0; i < 600; i++)); do
		r=$(http_get 127.0.0.2); echo "$r"
		[ "${r%% *}" = 200 ] && break
		sleep 0.02
	done' >"$TMP/ready.txt"
# Right after the first 200: packets that no peer carries, through the
# device; the kernel's count of them is the device's tx_packets.
TX0=$(tx_packets)
ip netns exec "$NS" bash -c 'for ((i = 0; i < 5; i++)); do
	echo x >/dev/udp/10.78.0.1/9; done' 2>/dev/null
TX1=$(tx_packets)
first200=$(grep -m1 '^200 ' "$TMP/ready.txt")
bad=$(grep -v '^200 ' "$TMP/ready.txt" | grep -v '^000 0$' | grep -vc '^503 [1-9]')
if [ -z "$first200" ]; then
	fail http-ready-503 "never answered 200 in $(wc -l <"$TMP/ready.txt") tries"
	tail -n 3 "$TMP/export.log" | sed 's/^/    /'
elif [ "${first200#200 }" -lt 100 ] || [ "$bad" != 0 ]; then
	fail http-ready-503 "answers before metrics were not 503 with a reason, or 200 came empty: $(sort "$TMP/ready.txt" | uniq -c | tr '\n' ';')"
else
	pass http-ready-503
fi
want=$((TX1 - TX0))
got_np() { scrape_to "$TMP/np.txt" && metric_sum "$TMP/np.txt" 'wgtrace_drops_total{reason="no_peer",'; }
if [ "$want" -le 0 ]; then
	fail http-first-packets-counted "lab: the device sent nothing ($TX0 -> $TX1)"
elif wait_until 15 eval '[ "$(got_np)" = "$want" ]'; then
	pass http-first-packets-counted
else
	fail http-first-packets-counted "no_peer drops '$(got_np)', the kernel queued $want packets to $(printf %q "$DEV") right after the first 200"
fi
check http-nonloopback-warning "no warning about listening on a non-loopback address" \
	grep -q 'level=warning.*not loopback' "$TMP/export.log"

# --- a name that is not UTF-8, through promtool and a real Prometheus ------------
scrape_to "$TMP/m.txt"
check http-utf8-promtool "promtool rejects the exposition of a device named $(printf %q "$DEV")" \
	promtool check metrics <"$TMP/m.txt"
mkdir -p "$TMP/tsdb"
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: wgtrace
    static_configs:
      - targets: ['127.0.0.3:$PORT']
EOF
bg "$NS" prometheus --config.file="$TMP/prometheus.yml" \
	--storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$PROM_PORT" \
	>"$TMP/prometheus.log" 2>&1
PROM=$LAST_PID
# The peer_info series exists only if the whole target parsed; its label
# is the name with 0xff spelt \xff (UTF-8).
want_if="w\\xff$$"
peer_if() { promq "wgtrace_peer_info{peer=\"$PEER\"}" '.data.result[0].metric.interface // empty'; }
if wait_until 40 eval '[ "$(promq "up{job=\"wgtrace\"}")" = 1 ] && [ "$(peer_if)" = "$want_if" ]'; then
	pass http-utf8-prometheus
else
	fail http-utf8-prometheus "up='$(promq 'up{job="wgtrace"}')', interface label '$(peer_if)' (want '$want_if')"
	tail -n 3 "$TMP/prometheus.log" | sed 's/^/    /'
fi
kill "$PROM" 2>/dev/null
wait "$PROM" 2>/dev/null

# --- slow clients ------------------------------------------------------------
# 64 clients from 127.0.0.1, one header line every 5 s (at most 6 lines,
# 30 s); meanwhile 10 scrapes from 127.0.0.2 must each be answered.
mkdir -p "$TMP/slow"
in_ns 'for ((c = 0; c < 64; c++)); do
		slow_client 127.0.0.1 5 6 '"$TMP"'/slow/$c &
	done
	sleep 0.5
	for ((i = 0; i < 10; i++)); do http_get 127.0.0.2; sleep 0.3; done >'"$TMP"'/slow-scrapes.txt
	wait' 2>/dev/null
held=$(cat "$TMP"/slow/* 2>/dev/null | awk '$1 != "cut" || $2 > 8' | wc -l)
n=$(cat "$TMP"/slow/* 2>/dev/null | wc -l)
if [ "$n" != 64 ] || [ "$held" != 0 ]; then
	fail http-slow-clients-cut "$held of $n slow clients were held longer than 8 s: $(cat "$TMP"/slow/* | sort | uniq -c | tr '\n' ';')"
else
	pass http-slow-clients-cut
fi
ok=$(grep -c '^200 [1-9]' "$TMP/slow-scrapes.txt")
check http-slow-clients-scrapes "$ok of 10 scrapes answered while 64 slow clients were connected" \
	test "$ok" = 10

# 64 clients that dribble a line every 2 s (under the idle timeout) from
# four addresses, 20 s at most: capacity, not the timeout, must keep
# scrapes from a fifth address answered.
mkdir -p "$TMP/drib"
in_ns 'for ((c = 0; c < 64; c++)); do
		slow_client 127.0.0.$((4 + c % 4)) 2 10 '"$TMP"'/drib/$c &
	done
	sleep 1
	for ((i = 0; i < 10; i++)); do http_get 127.0.0.2; sleep 0.3; done >'"$TMP"'/drib-scrapes.txt
	wait' 2>/dev/null
ok=$(grep -c '^200 [1-9]' "$TMP/drib-scrapes.txt")
check http-dribble-capacity "$ok of 10 scrapes answered while 64 dribbling clients held connections" \
	test "$ok" = 10

# --- 200 concurrent clients, 20 from each of 10 addresses --------------------
in_ns 'for ((c = 0; c < 200; c++)); do
		http_get 127.0.0.$((3 + c % 10)) &
	done >'"$TMP"'/conc.txt; wait'
ok=$(grep -c '^200 [1-9]' "$TMP/conc.txt")
check http-concurrent-200 "$ok of 200 concurrent clients got metrics: $(awk '{ print $1 }' "$TMP/conc.txt" | sort | uniq -c | tr '\n' ';')" \
	test "$ok" = 200

# --- oversized and malformed requests ------------------------------------------
{
	printf 'GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: '
	head -c 100000 /dev/zero | tr '\0' a
	printf '\r\n\r\n'
} >"$TMP/big.req"
code=$(in_ns "raw_req 127.0.0.2 $TMP/big.req")
check http-oversized "a 100 KB header got '$code' (want 4xx, or a close)" \
	eval '[[ $code == 4[0-9][0-9] || $code == 000 ]]'
printf 'GARBAGE\r\n\r\n' >"$TMP/m1.req"
printf 'GET /metrics HTTP/9.9\r\nHost: t\r\n\r\n' >"$TMP/m2.req"
printf 'GET /metrics HTTP/1.1\r\n\r\n' >"$TMP/m3.req"	# 1.1, no Host: MHD serves it
printf 'GET /%s HTTP/1.0\r\n\r\n' "$(head -c 20000 /dev/zero | tr '\0' a)" >"$TMP/m4.req"
printf 'POST /metrics HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello' >"$TMP/m5.req"
printf 'GET /metrics HTTP/1.0\r\nBad Header Line\r\n\r\n' >"$TMP/m6.req"
head -c 3000 /dev/urandom >"$TMP/m7.req"
printf 'GET /metrics HTTP/1.0\r\nX: \xff\xfe\r\n\r\n' >"$TMP/m8.req"
bad=
for r in 1 2 3 4 5 6 7 8; do
	code=$(in_ns "raw_req 127.0.0.2 $TMP/m$r.req")
	[[ $code == [45][0-9][0-9] || $code == 000 ]] || bad+=" m$r:$code"
done
# m3 and m8 are a valid GET with a lax header: a 200 is a fine answer.
bad=${bad/ m3:200/}
bad=${bad/ m8:200/}
check http-malformed "malformed requests answered with:$bad" test -z "$bad"

r=$(in_ns 'http_get 127.0.0.2')
check http-alive-after "after all that, a scrape got '$r' (exporter alive: $(proc_alive "$EXP" && echo yes || echo no))" \
	eval '[[ $r == "200 "[1-9]* ]] && proc_alive $EXP'

kill -TERM "$EXP" 2>/dev/null
if wait_until 20 eval "! proc_alive $EXP"; then
	wait "$EXP" 2>/dev/null
	rc=$?
	check http-exit-clean "export exited $rc on SIGTERM" test "$rc" = 0
else
	fail http-exit-clean "export still running 20 s after SIGTERM"
fi
