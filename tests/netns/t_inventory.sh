#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace inventory` held against the kernel's own answers through ip(8),
# wg(8) and /proc/sys: links, addresses, routes of every table (one above
# 255, a multipath one), rules of both families (fwmark/mask, not,
# suppress_prefixlength, iif, ipproto/dport), sysctls, a wireguard-go device,
# and --get against `ip route get` (mark, iif, ipproto/dport, fibmatch, and
# the errors of unreachable, prohibit and blackhole routes).
. "$(dirname "$0")/lib.sh"
require_root inventory
require_cmd inventory ip jq wg

tmp=$(mktemp -d /tmp/wgt-inv.XXXXXX)
trap 'rm -rf "$tmp"; cleanup' EXIT

# inv_ns VAR SUFFIX: like ns_new, named wgt-inv-PID-SUFFIX so a leftover is
# recognisable; lib.sh's cleanup deletes it by name.
inv_ns() { ns_new "$1" "wgt-inv-$$-$2"; }

# same NAME WHAT EXPECTED-FILE GOT-FILE: one result from a diff. The lab
# built some of everything: an empty expectation is a broken lab, no pass.
same() {
	if [ ! -s "$3" ]; then
		fail "$1" "lab: ip/kernel lists no $2"
	elif diff -u "$3" "$4" >"$tmp/diff"; then
		pass "$1"
	else
		fail "$1" "$2 differs (- ip/kernel, + wgtrace)"
		sed -n '3,40s/^/    /p' "$tmp/diff"
	fi
}

# --- the lab ----------------------------------------------------------------
inv_ns gw gw && inv_ns nb nb || bail inventory-lab "cannot create namespaces"
G() { ip -n "$gw" "$@"; }
{
	veth_pair "$gw" veth0 "$nb" veth1 &&
	G addr add 10.10.0.1/24 dev veth0 &&
	G addr add fd00:10::1/64 dev veth0 nodad &&
	G addr add 10.99.0.1 peer 10.99.0.2/32 dev veth0 &&
	ip -n "$nb" addr add 10.10.0.2/24 dev veth1 &&
	ip -n "$nb" addr add fd00:10::2/64 dev veth1 nodad &&
	# Two extra tables, one above 255 (rtm_table cannot hold it).
	G route add 10.20.0.0/16 via 10.10.0.2 table 100 proto static metric 5 &&
	G route add blackhole 10.30.0.0/16 table 100 &&
	G -6 route add default via fd00:10::2 table 100 metric 7 &&
	G route add default via 10.10.0.2 table 1000 &&
	G route add 10.40.0.0/16 dev veth0 src 10.10.0.1 table 1000 &&
	G route add unreachable 10.50.0.0/16 table 1000 &&
	G route add prohibit 10.51.0.0/16 table 1000 &&
	G -6 route add fd00:20::/48 via fd00:10::2 table 1000 &&
	G route add 10.60.0.0/16 via 10.10.0.2 metric 50 &&
	G route add 10.70.0.0/16 nexthop via 10.10.0.2 dev veth0 \
		nexthop via 10.10.0.3 dev veth0 &&
	G rule add pref 100 fwmark 0x1/0xff lookup 100 &&
	G rule add pref 150 ipproto tcp dport 443 lookup 100 &&
	G rule add pref 200 not fwmark 0xca6c lookup 1000 &&
	G rule add pref 300 lookup main suppress_prefixlength 0 &&
	G rule add pref 400 from 10.10.0.0/24 iif veth0 lookup 100 &&
	G rule add pref 410 to 10.52.0.0/16 blackhole &&
	G -6 rule add pref 100 fwmark 0x1 lookup 100 &&
	G -6 rule add pref 250 to fd00:20::/48 lookup 1000 &&
	# all wins for veth0 (max), the device wins for lo; or for src_valid_mark.
	ip netns exec "$gw" sh -e -c '
		sysctl -qw net.ipv4.ip_forward=1
		sysctl -qw net.ipv4.conf.all.rp_filter=1
		sysctl -qw net.ipv4.conf.veth0.rp_filter=0
		sysctl -qw net.ipv4.conf.lo.rp_filter=2
		sysctl -qw net.ipv4.conf.veth0.src_valid_mark=1
		sysctl -qw net.ipv6.conf.veth0.forwarding=1'
} || bail inventory-lab "setting up the namespaces failed"

# A userspace WireGuard device with a peer, when wireguard-go is here.
wgd=
wg_lab_err=
if command -v wireguard-go >/dev/null; then
	wg_devname wgd
	if wggo_start "$gw" "$wgd"; then
		wg_keys wpriv wpub; wg_keys ppriv ppub
		ip netns exec "$gw" wg set "$wgd" private-key <(echo "$wpriv") \
			listen-port 51820 fwmark 0xca6c peer "$ppub" \
			allowed-ips 10.80.0.0/16,fd00:80::/48 \
			endpoint 10.10.0.2:51820 persistent-keepalive 25
		G link set "$wgd" up
		G addr add 10.90.0.1/24 dev "$wgd"
		G route add 10.80.0.0/16 dev "$wgd" table 1000
	else
		wg_lab_err="wireguard-go did not create $wgd"
		wgd=
	fi
fi

# The checks: 31 on any lab; with the WireGuard device 3 about it and one
# more --get, else one SKIP (or one FAIL when wireguard-go broke).
n=31
if [ -n "$wgd" ]; then n=$((n + 4)); else n=$((n + 1)); fi
[ -n "$wg_lab_err" ] && n=$((n + 1))
plan $n
[ -n "$wg_lab_err" ] && fail inventory-lab "$wg_lab_err"

# --- one snapshot of the kernel's view, wgtrace's between two of ip's --------
ip_snapshot() {	# DIR
	mkdir -p "$1"
	G -j -d -s -s link show >"$1/link"
	G -j addr show >"$1/addr"
	G -j -4 route show table all >"$1/route4"
	G -j -6 route show table all >"$1/route6"
	G -j -4 rule show >"$1/rule4"
	G -j -6 rule show >"$1/rule6"
}
# Links and IPv6 link-local addresses settle asynchronously: retry until ip
# says the same before and after wgtrace looked.
for try in 1 2 3 4 5; do
	ip_snapshot "$tmp/before"
	"$WGTRACE" inventory -n "$gw" --json >"$tmp/inv.json" 2>"$tmp/inv.err"
	rc=$?
	ip_snapshot "$tmp/ip"
	diff -rq "$tmp/before" "$tmp/ip" >/dev/null 2>&1 && break
	sleep 0.5
done
if [ $rc -ne 0 ]; then
	fail inventory-runs "wgtrace inventory --json exited $rc: $(head -3 "$tmp/inv.err")"
	exit 0
fi
pass inventory-runs
W() { jq -c "select(.type==\"$1\")" "$tmp/inv.json"; }

bad=$(jq -r 'if type == "object" and (.type | IN("link", "addr", "route",
	"rule", "sysctl", "wg_device", "wg_peer")) then empty else . end' \
	"$tmp/inv.json" 2>&1 | head -3)
check inventory-json-lines "not one typed JSON object per line: $bad" [ -z "$bad" ]

# --- links and addresses -----------------------------------------------------
jq -r '.[] | [.ifindex, .ifname, (.linkinfo.info_kind // "-"), .mtu,
	(if any(.flags[]; . == "UP") then "up" else "down" end),
	.stats64.rx.errors, .stats64.tx.errors, .stats64.rx.frame_errors]
	| map(tostring) | join(" ")' "$tmp/ip/link" | sort >"$tmp/want"
W link | jq -r '[.ifindex, .name, (.kind // "-"), .mtu,
	(if .up then "up" else "down" end), .rx_errors, .tx_errors,
	.rx_frame_errors] | map(tostring) | join(" ")' | sort >"$tmp/got"
same inventory-links "links (index name kind mtu state errors)" "$tmp/want" "$tmp/got"

jq -r '.[] | .ifname as $n | .addr_info[] | [$n, .family, .local, .prefixlen]
	| map(tostring) | join(" ")' "$tmp/ip/addr" | sort >"$tmp/want"
W addr | jq -r '[.interface, .family, .local, .prefixlen] | map(tostring)
	| join(" ")' | sort >"$tmp/got"
same inventory-addrs "addresses" "$tmp/want" "$tmp/got"

want=$(jq -r '.[].addr_info[] | select(.local == "10.99.0.1") |
	"\(.address)/\(.prefixlen)"' "$tmp/ip/addr")
got=$(W addr | jq -r 'select(.local == "10.99.0.1") | .prefix')
check inventory-addr-peer "peer prefix: ip says '$want', wgtrace '$got'" \
	[ -n "$want" -a "$want" = "$got" ]

# --- routes ---------------------------------------------------------------
# ip leaves out what is default (table main, unicast, proto boot, scope
# global, metric 0) and writes host routes without /32 or /128.
route_norm='
def tbl: if . == null or . == "main" then 254 elif . == "local" then 255
	elif . == "default" then 253 else tonumber end;
def pfx: if . == "default" then (if $fam == "inet" then "0.0.0.0/0" else "::/0" end)
	elif test("/") then . else . + (if $fam == "inet" then "/32" else "/128" end) end;
.[] | [$fam, (.table | tbl), (.type // "unicast"), (.dst | pfx),
	(.gateway // .nexthops[0].gateway // "-"), (.dev // .nexthops[0].dev // "-"),
	(.prefsrc // "-"), (.protocol // "boot"), (.scope // "global"), (.metric // 0)]
| map(tostring) | join(" ")'
{
	jq -r --arg fam inet "$route_norm" "$tmp/ip/route4"
	jq -r --arg fam inet6 "$route_norm" "$tmp/ip/route6"
} | sort >"$tmp/want"
W route | jq -r '[.family, .table, .route_type, .dst, (.gateway // "-"),
	(.dev // "-"), (.prefsrc // "-"), .protocol, .scope, .metric]
	| map(tostring) | join(" ")' | sort >"$tmp/got"
same inventory-routes "routes of all tables" "$tmp/want" "$tmp/got"

want=$( (jq '[.[] | select(.table == "1000")] | length' "$tmp/ip/route4"
	 jq '[.[] | select(.table == "1000")] | length' "$tmp/ip/route6") |
	awk '{ s += $1 } END { print s }')
got=$(W route | jq -s '[.[] | select(.table == 1000)] | length')
check inventory-table-above-255 "table 1000: ip lists $want routes, wgtrace $got" \
	[ "$want" -ge 5 -a "$want" = "$got" ]

want=$(jq -r '.[] | select(.dst == "10.70.0.0/16") |
	"\(.nexthops[0].gateway) \(.nexthops[0].dev)"' "$tmp/ip/route4")
got=$(W route | jq -r 'select(.dst == "10.70.0.0/16") | "\(.gateway) \(.dev)"')
check inventory-multipath "first next hop: ip says '$want', wgtrace '$got'" \
	[ -n "$want" -a "$want" = "$got" ]

# --- rules ----------------------------------------------------------------
rule_norm='
def tbl: if . == null then 0 elif . == "main" then 254 elif . == "local" then 255
	elif . == "default" then 253 else tonumber end;
def hex: ltrimstr("0x") | ascii_downcase | explode
	| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
def full: if $fam == "inet" then 32 else 128 end;
def pfx($a; $l): if $a == null or $a == "all" then "-" else "\($a)/\($l // full)" end;
def proto: if . == null then "-" else ({"tcp": 6, "udp": 17, "icmp": 1,
	"ipv6-icmp": 58}[.] // tonumber) end;
def ports($one; $lo; $hi): if $one != null then $one
	elif $lo != null then (if $lo == $hi then $lo else "\($lo)-\($hi)" end) else "-" end;
.[] | [$fam, .priority, (if has("not") then "not" else "-" end),
	pfx(.src; .srclen), pfx(.dst; .dstlen), (.iif // "-"), (.oif // "-"),
	(if .fwmark then (.fwmark | hex) else "-" end),
	(if .fwmask then (.fwmask | hex) elif .fwmark then 4294967295 else "-" end),
	(if .action then .action elif has("goto") then "goto"
	 elif has("nop") then "nop" else "lookup" end),
	(.table | tbl), (.suppress_prefixlen // "-"), (.ipproto | proto),
	ports(.sport; .sport_start; .sport_end), ports(.dport; .dport_start; .dport_end)]
| map(tostring) | join(" ")'
rule_got='[.family, .priority, (if .invert then "not" else "-" end), (.src // "-"),
	(.dst // "-"), (.iif // "-"), (.oif // "-"), (.fwmark // "-"),
	(.fwmask // "-"), .action, .table, (.suppress_prefixlen // "-"),
	(.ipproto // "-"), (.sport // "-"), (.dport // "-")] | map(tostring) | join(" ")'
for fam in inet inet6; do
	f=rule4; [ $fam = inet6 ] && f=rule6
	jq -r --arg fam $fam "$rule_norm" "$tmp/ip/$f" >"$tmp/want"
	W rule | jq -r --arg fam $fam "select(.family == \$fam) | $rule_got" >"$tmp/got"
	# In order: wgtrace lists rules the way the kernel tries them.
	same "inventory-rules-$fam" "$fam rules, in order" "$tmp/want" "$tmp/got"
done

prios=$(W rule | jq -r .priority)
check inventory-rules-sorted "priorities out of order (or none): $(echo $prios)" \
	sh -c '[ -n "$0" ] && printf "%s\n" $0 | sort -n -c' "$prios"

want=$(jq -s '[.[][] | select(has("suppress_prefixlen") | not)] | length' \
	"$tmp/ip/rule4" "$tmp/ip/rule6")
got=$(W rule | jq -s '[.[] | select(.suppress_prefixlen == null)] | length')
check inventory-suppress-unset "rules without suppress_prefixlength: ip $want, wgtrace $got" \
	[ "$want" -gt 0 -a "$want" = "$got" ]

# --- sysctls: expected straight from /proc/sys in the namespace -------------
rd() { ip netns exec "$gw" cat "/proc/sys/net/$1" 2>/dev/null || echo null; }
max() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
{
	echo "global $(rd ipv4/ip_forward) $(rd ipv6/conf/all/forwarding)"
	rpf_all=$(rd ipv4/conf/all/rp_filter)
	svm_all=$(rd ipv4/conf/all/src_valid_mark)
	for dev in $(jq -r '.[].ifname' "$tmp/ip/link"); do
		svm=$(rd ipv4/conf/$dev/src_valid_mark)
		[ "$svm_all" = 1 ] && svm=1
		echo "$dev $(rd ipv4/conf/$dev/forwarding) $(rd ipv6/conf/$dev/forwarding)" \
			"$(max "$rpf_all" "$(rd ipv4/conf/$dev/rp_filter)") $svm"
	done
} | sort >"$tmp/want"
W sysctl | jq -r 'if .interface == null then "global \(.ip_forward) \(.ip6_forward)"
	else "\(.interface) \(.forwarding4) \(.forwarding6) \(.rp_filter) \(.src_valid_mark)"
	end' | sort >"$tmp/got"
same inventory-sysctls "forwarding, effective rp_filter and src_valid_mark" \
	"$tmp/want" "$tmp/got"

# --- WireGuard (wireguard-go) ---------------------------------------------------
if [ -z "$wgd" ]; then
	skip inventory-wg "wireguard-go not installed"
else
	ip netns exec "$gw" wg show "$wgd" dump >"$tmp/wg"
	# Line 1: private-key public-key listen-port fwmark; then one per peer:
	# public-key psk endpoint allowed-ips handshake rx tx keepalive.
	read -r _ _ port mark <"$tmp/wg"
	[ "$mark" = off ] && mark=0
	want="$port $((mark))"
	got=$(W wg_device | jq -r "select(.name == \"$wgd\") | \"\(.listen_port) \(.fwmark)\"")
	check inventory-wg-device "listen port, fwmark: wg says '$want', wgtrace '$got'" \
		[ -n "$port" -a "$want" = "$got" ]
	tail -n +2 "$tmp/wg" | while read -r key _ ep ips _ _ _ ka; do
		[ "$ka" = off ] && ka=0
		echo "$key $ep $(tr , '\n' <<<"$ips" | sort | paste -sd,) $ka"
	done | sort >"$tmp/want"
	W wg_peer | jq -r "select(.interface == \"$wgd\") | [.public_key,
		(.endpoint // \"(none)\"), (.allowed_ips | sort | join(\",\")),
		.persistent_keepalive] | map(tostring) | join(\" \")" | sort >"$tmp/got"
	same inventory-wg-peers "peers (key endpoint allowed-ips keepalive)" \
		"$tmp/want" "$tmp/got"
	# The key this test generated, through wg pubkey, and wg's own view of
	# the device: a userspace device's UAPI gives only the private key, so
	# wgtrace must derive it; null is a failure, not a SKIP.
	wg_said=$(awk 'NR == 1 { print $2 }' "$tmp/wg")
	got=$(W wg_device | jq -r "select(.name == \"$wgd\") | .public_key")
	check inventory-wg-pubkey "wg pubkey of the test's key '$wpub', wg show dump '$wg_said', wgtrace '$got'" \
		[ -n "$wpub" -a "$wpub" = "$wg_said" -a "$got" = "$wpub" ]
fi

# --- --get against ip route get ------------------------------------------------
get_norm='
def tbl: if . == null or . == "main" then 254 elif . == "local" then 255
	elif . == "default" then 253 else tonumber end;
.[0] | [(.type // "unicast"), (.table | tbl), (.gateway // "-"), .dev, (.prefsrc // "-")]
| map(tostring) | join(" ")'
# get NAME ARGS...: the kernel's answer via ip, the matched entry via fibmatch.
get() {
	local name=$1 fam=inet want got ipout wout
	shift
	case $1 in *:*) fam=inet6 ;; esac
	wout=$("$WGTRACE" inventory -n "$gw" --json --get "$@" 2>&1)
	if ! ipout=$(G -j route get "$@" 2>&1); then
		want="error ${ipout#RTNETLINK answers: }"
		got=$(jq -r '"error \(.error)"' <<<"$wout" 2>&1)
	else
		want="$(jq -r "$get_norm" <<<"$ipout") $(G -j route get fibmatch "$@" |
			jq -r --arg fam $fam '.[0].dst | if . == "default" then
			(if $fam == "inet" then "0.0.0.0/0" else "::/0" end)
			elif test("/") then . else . + (if $fam == "inet" then "/32"
			else "/128" end) end')"
		got=$(jq -r '[.route_type, .table, (.gateway // "-"), .dev,
			(.prefsrc // "-"), .prefix] | map(tostring) | join(" ")' \
			<<<"$wout" 2>&1)
	fi
	check "inventory-get-$name" "ip route get $*: ip says '$want', wgtrace '$got'" \
		[ "$want" = "$got" ]
}
get not-fwmark     10.20.1.1
get mark           10.20.1.1 mark 0x1
get ipproto-dport  10.20.1.1 ipproto tcp dport 443
get iif            10.20.1.1 from 10.10.0.2 iif veth0 mark 0xca6c
get suppress       10.60.1.1 mark 0xca6c
get local          10.10.0.1
get blackhole      10.30.1.1 mark 0x1
get unreachable    10.50.1.1
get prohibit       10.51.1.1
get no-route       10.20.1.1 mark 0xca6c
get rule-blackhole 10.52.1.1 mark 0xca6c
get v6-to          fd00:20::5
get v6-mark        fd00:99::1 mark 0x1
[ -n "$wgd" ] && get wg-table-1000 10.80.1.1

# --- options ------------------------------------------------------------------
"$WGTRACE" inventory -n "$gw" -i veth0 --json >"$tmp/one.json"
rc=$?
bad=$(jq -r 'select((.type == "link" and .name != "veth0") or
	(.type == "addr" and .interface != "veth0") or
	(.type == "route" and .dev != "veth0") or
	(.type == "sysctl" and .interface != null and .interface != "veth0") or
	(.type == "wg_device")) | .type' "$tmp/one.json" | sort -u | xargs)
# Rules belong to no device: -i keeps them all, as many as ip lists.
nrules=$(jq -s '[.[] | select(.type == "rule")] | length' "$tmp/one.json")
iprules=$(jq -s '[.[][]] | length' "$tmp/ip/rule4" "$tmp/ip/rule6")
check inventory-interface "-i veth0: exit $rc, other devices in: '$bad', $nrules rules, ip lists $iprules" \
	[ $rc -eq 0 -a -z "$bad" -a "$iprules" -gt 0 -a "$nrules" = "$iprules" ]

"$WGTRACE" inventory -n "/run/netns/$gw" --json >"$tmp/path.json"
rc=$?
# The same links as by name, and they are the namespace's as ip lists them.
path_links() {
	local want got
	want=$(jq -r '.[] | "\(.ifindex) \(.ifname)"' "$tmp/ip/link" | sort)
	got=$(jq -r 'select(.type == "link") | "\(.ifindex) \(.name)"' "$tmp/path.json" | sort)
	[ $rc -eq 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
		[ "$(jq -c 'select(.type=="link")' "$tmp/path.json")" = "$(W link)" ] && return 0
	echo "ip: $(echo $want)"
	echo "wgtrace: $(echo $got)"
	return 1
}
check inventory-netns-path "-n /run/netns/$gw: exit $rc, links differ from ip's or from -n $gw's" \
	path_links

"$WGTRACE" inventory -n "$gw" >"$tmp/text"
rc=$?
long=$(awk 'length > 79' "$tmp/text" | head -2)
check inventory-text "exit $rc, lines over 79 columns: $long" [ $rc -eq 0 -a -z "$long" ]

err=$("$WGTRACE" inventory -n "wgt-inv-$$-nope" 2>&1 >/dev/null)
rc=$?
one_clear_line() {
	[ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "wgt-inv-$$-nope" <<<"$err"
}
check inventory-netns-missing "exit $rc (want 2), message '$err'" one_clear_line

"$WGTRACE" inventory -n "$gw" --get 10.0.0.300 >/dev/null 2>&1
rc=$?
check inventory-get-usage "bad address gave exit $rc, want 2" [ $rc -eq 2 ]
