#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `wgtrace check` against real misconfigurations, each built in a fresh
# "gateway" namespace with userspace WireGuard (wireguard-go): overlapping
# peers, a missing route, a route wider than the AllowedIPs, a full tunnel
# that routes its own endpoint into itself, an IPv4-only full tunnel, a
# gateway without forwarding (a LAN behind it, a declared role, and hosts
# that only talk to their peers and must not be told to forward), an MTU
# too large for the underlay, strict
# rp_filter without src_valid_mark, and intent assertions; then two healthy
# wg-quick-style configurations that must report nothing, and bad input.
#
# Expected values come from the topology built here and from the kernel
# (`ip route get`, `ip link`, sysctl), never from wgtrace's own output.
# No WireGuard traffic is needed: check is a static audit.
# CHECK_DEBUG=1 prints every JSON output (indented) for diagnosis.
. "$(dirname "$0")/lib.sh"
require_root check
require_cmd check wireguard-go wg jq

TMP=$(mktemp -d /tmp/wgt-check.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT

# gw_new: gateway namespace $G with an uplink up0 (192.0.2.1/24, default
# via the router namespace's 192.0.2.254) and a wireguard-go device $D
# (10.99.0.1/24, listen port 51820, up).
gw_new() {
	local r k p
	ns_new G && ns_new r || return 1
	veth_pair "$G" up0 "$r" down0 || return 1
	ip -n "$G" addr add 192.0.2.1/24 dev up0
	ip -n "$r" addr add 192.0.2.254/24 dev down0
	ip -n "$G" route add default via 192.0.2.254
	wg_devname D
	wggo_start "$G" "$D" || return 1
	wg_keys k p
	ip netns exec "$G" wg set "$D" private-key <(echo "$k") listen-port 51820
	ip -n "$G" addr add 10.99.0.1/24 dev "$D"
	ip -n "$G" link set "$D" up
}

# gw_v6: give the uplink IPv6 and an IPv6 default route (2001:db8:1::/64).
gw_v6() {
	ip -n "$G" addr add 2001:db8:1::1/64 dev up0 nodad
	ip -n "$G" -6 route add default via 2001:db8:1::fe dev up0 onlink
}

# peer_add VAR ALLOWED-IPS [ENDPOINT]: a new peer of $D; its key into VAR.
peer_add() {
	local k p
	wg_keys k p
	if [ -n "${3:-}" ]; then
		ip netns exec "$G" wg set "$D" peer "$p" allowed-ips "$2" endpoint "$3"
	else
		ip netns exec "$G" wg set "$D" peer "$p" allowed-ips "$2"
	fi
	printf -v "$1" '%s' "$p"
}

# wg_quick_full: wg-quick's full tunnel for the families given (4, 6).
wg_quick_full() {
	local f
	ip netns exec "$G" wg set "$D" fwmark 51820
	for f in "$@"; do
		ip -"$f" -n "$G" route add default dev "$D" table 51820
		ip -"$f" -n "$G" rule add not fwmark 51820 table 51820
		ip -"$f" -n "$G" rule add table main suppress_prefixlength 0
	done
}

gsysctl() { ip netns exec "$G" sysctl -qw "$@"; }

# Where the kernel sends ADDR from $G: the "dev" of `ip route get`.
route_dev() {
	ip -n "$G" route get "$@" | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -n 1
}

# run_check [ARGS...]: check of $G in JSON; stdout in $OUT, status in $RC.
run_check() {
	OUT=$("$WGTRACE" check -n "$G" --json "$@" 2>"$TMP/err")
	RC=$?
	[ -n "${CHECK_DEBUG:-}" ] && show | sed 's/^/    /'
	return 0
}

# exactly RC FINDING:SEVERITY...: the run exited RC, and its findings at
# warning or above are these, no more, no fewer (in any order): a regression
# that adds a false finding fails too. The list comes from the topology the
# case built, never from wgtrace.
exactly() {
	local rc=$1 want got
	shift
	ran || return 1
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(jq -r 'select(.type == "finding" and
		(.severity == "warning" or .severity == "error")) |
		"\(.finding):\(.severity)"' <<<"$OUT" | sort)
	[ "$RC" -eq "$rc" ] && [ "$want" = "$got" ] && return 0
	echo "want exit $rc and: $(echo $want)"
	echo "got exit $RC and: $(echo $got)"
	show
	return 1
}
# has FILTER: some finding of $OUT matches the jq FILTER.
has() {
	jq -e -s "[.[] | select(.type == \"finding\") | select($1)] | length > 0" \
		<<<"$OUT" >/dev/null || { echo "no finding matches: $1"; show; return 1; }
}
# ran: the run ended with its summary line, so silence means something.
ran() {
	jq -e -s '.[-1].type == "summary"' <<<"$OUT" >/dev/null ||
		{ echo "no summary line"; show; return 1; }
}
has_not() {
	ran || return 1
	! jq -e -s "any(.[]; .type == \"finding\" and ($1))" <<<"$OUT" >/dev/null ||
		{ echo "a finding matches: $1"; show; return 1; }
}
# clean: exit 0 and not one finding.
clean() {
	local n
	ran || return 1
	n=$(jq -s '[.[] | select(.type == "finding")] | length' <<<"$OUT")
	[ "$RC" -eq 0 ] && [ "$n" -eq 0 ] || { echo "$n findings"; show; return 1; }
}
# no_peer_example DST: in 10.30.0.0/16, outside the peer's 10.30.1.0/24,
# and the kernel sends it into $D.
no_peer_example() {
	[[ $1 == 10.30.* && $1 != 10.30.1.* ]] || { echo "$1 outside the gap"; return 1; }
	eq "$(route_dev "$1")" "$D" "ip route get $1"
}
show() { echo "exit $RC"; echo "$OUT"; cat "$TMP/err"; }
# serious: every finding at warning or above as "id/severity/interface",
# sorted, joined by ';' (the whole set, not one expected member).
serious() {
	jq -r -s '[.[] | select(.type == "finding" and .severity != "info") |
		   "\(.finding)/\(.severity)/\(.interface)"] | sort | join(";")' <<<"$OUT"
}
# only EXPECTED EXIT: the serious set is EXPECTED and the exit status EXIT.
only() {
	ran || return 1
	[ "$(serious)" = "$1" ] && [ "$RC" -eq "$2" ] ||
		{ echo "findings '$(serious)', expected '$1' (exit $RC, expected $2)"; show; return 1; }
}
# lan_new: a LAN behind $G on lan0 (10.1.0.1/24), host 10.1.0.5 in $L.
lan_new() {
	ns_new L || return 1
	veth_pair "$G" lan0 "$L" host0 || return 1
	ip -n "$G" addr add 10.1.0.1/24 dev lan0
	ip -n "$L" addr add 10.1.0.5/24 dev host0
	ip -n "$L" route add default via 10.1.0.1
}
# fwd_blocked SRC DST IIF: the kernel refuses to forward SRC -> DST arriving
# on IIF (ip route get ... iif: "No route to host" with forwarding off).
fwd_blocked() { ! ip -n "$G" route get "$2" from "$1" iif "$3" >/dev/null 2>&1; }
rc_is() { [ "$RC" -eq "$1" ] || { echo "exit $RC, expected $1"; show; return 1; }; }
eq() { [ "$1" = "$2" ] || { echo "'$1' != '$2' ($3)"; return 1; }; }

# ---- overlap: a /24 of one peer inside the /16 of another ---------------
case_overlap() {
	gw_new || return 1
	gsysctl net.ipv4.ip_forward=1
	peer_add P1 10.10.0.0/16
	peer_add P2 10.10.5.0/24
	ip -n "$G" route add 10.10.0.0/16 dev "$D"
	# The kernel side holds both claims (WireGuard moves only equal ones).
	check setup/check-overlap-setup "wg show lacks the nested prefixes" \
		eq "$(ip netns exec "$G" wg show "$D" allowed-ips | grep -c '10\.10\.')" \
		2 "wg show allowed-ips lines for 10.10"
	run_check
	check check-overlap "no overlap warning naming both peers" \
		has ".finding == \"overlap\" and .severity == \"warning\" and
		     .interface == \"$D\" and .peer == \"$P1\" and
		     .objects.prefix == \"10.10.0.0/16\" and
		     .objects.other_peer == \"$P2\" and
		     .objects.other_prefix == \"10.10.5.0/24\""
	check check-overlap-exactly "not exactly the overlap warning, exit 0" \
		exactly 0 overlap:warning
	check check-overlap-exit-default "a warning failed --fail-on error" \
		eval 'ran && rc_is 0'
	run_check --fail-on warning
	check check-overlap-exit-warning "--fail-on warning did not fail" rc_is 1
	check check-overlap-exactly-warning "not exactly the overlap warning, exit 1" \
		exactly 1 overlap:warning
	# Declared in the intent file: longest match is the plan, only info.
	printf 'name %s site-b\n10.10.5.0/24 via %s peer site-b\n' "$P2" "$D" \
		>"$TMP/declared"
	run_check --fail-on warning --intent "$TMP/declared"
	check check-overlap-declared "a declared overlap is not info, or fails" \
		eval 'rc_is 0 && has ".finding == \"overlap\" and
			.severity == \"info\" and .objects.other_peer == \"$P2\" and
			(.message | contains(\"peer site-b\"))"'
	check check-overlap-declared-exactly "a declared overlap left a warning, or failed" \
		exactly 0
}

# ---- route_bypass: AllowedIPs without a route (wg set, no wg-quick) -----
case_bypass() {
	local dev
	gw_new || return 1
	peer_add P 10.20.0.0/16
	dev=$(route_dev 10.20.0.1)
	check setup/check-bypass-kernel "kernel routes 10.20.0.1 into $D after all" \
		eq "$dev" up0 "ip route get 10.20.0.1"
	run_check
	check check-bypass "no route_bypass for 10.20.0.0/16 via $dev" \
		has ".finding == \"route_bypass\" and .severity == \"error\" and
		     .interface == \"$D\" and .peer == \"$P\" and
		     .objects.prefix == \"10.20.0.0/16\" and
		     .objects.actual_interface == \"$dev\""
	check check-bypass-exit "an error did not exit 1" rc_is 1
	check check-bypass-exactly "not exactly route_bypass, exit 1 (a network behind a peer with forwarding off is only a note)" \
		exactly 1 route_bypass:error

	# Routed into the device, except a /24 inside it sent to the uplink.
	peer_add P2 10.21.0.0/16
	ip -n "$G" route add 10.21.0.0/16 dev "$D"
	ip -n "$G" route add 10.21.5.0/24 via 192.0.2.254
	dev=$(route_dev 10.21.5.1)/$(route_dev 10.21.0.1)
	check setup/check-bypass-part-kernel "lab: 10.21.5.1/10.21.0.1 go by $dev" \
		eq "$dev" "up0/$D" "ip route get"
	run_check
	check check-bypass-part "no route_bypass warning for 10.21.5.0/24" \
		has ".finding == \"route_bypass\" and .severity == \"warning\" and
		     .peer == \"$P2\" and .objects.prefix == \"10.21.0.0/16\" and
		     .objects.route == \"10.21.5.0/24\" and
		     .objects.actual_interface == \"up0\""
	check check-bypass-part-exactly "not exactly both route_bypass findings, exit 1" \
		exactly 1 route_bypass:error route_bypass:warning
}

# ---- no_peer: a route into the device wider than any AllowedIPs ----------
case_no_peer() {
	local dst
	gw_new || return 1
	peer_add P 10.30.1.0/24
	ip -n "$G" route add 10.30.0.0/16 dev "$D"
	run_check
	check check-no-peer "no no_peer for route 10.30.0.0/16" \
		has ".finding == \"no_peer\" and .interface == \"$D\" and
		     .objects.route == \"10.30.0.0/16\""
	check check-no-peer-exactly "not exactly no_peer, exit 1" \
		exactly 1 no_peer:error
	# Its example must be a real one: in the route, outside the peer's
	# /24, and sent into the device by the kernel.
	dst=$(jq -r -s '[.[] | select(.finding == "no_peer")][0].example.dst' <<<"$OUT")
	check check-no-peer-example "example $dst is no address the kernel sends into $D without a peer" \
		no_peer_example "$dst"
}

# ---- tunnel_loop: default into the tunnel, no endpoint exception ---------
case_loop() {
	local dev
	gw_new || return 1
	peer_add P 0.0.0.0/0 198.51.100.7:51820
	ip -n "$G" route replace default dev "$D"
	dev=$(route_dev 198.51.100.7)
	check setup/check-loop-kernel "the endpoint is not routed into $D" \
		eq "$dev" "$D" "ip route get 198.51.100.7"
	run_check
	check check-loop "no tunnel_loop for the endpoint" \
		has ".finding == \"tunnel_loop\" and .severity == \"error\" and
		     .interface == \"$D\" and .peer == \"$P\" and
		     .objects.endpoint == \"198.51.100.7:51820\""
	# A peer of 0.0.0.0/0 is no network behind a gateway: no no_forward.
	check check-loop-exactly "not exactly tunnel_loop, exit 1" \
		exactly 1 tunnel_loop:error
}

# ---- v6_leak: IPv4 full tunnel, IPv6 default still on the uplink ---------
case_v6_leak() {
	local d4 d6
	gw_new || return 1
	gw_v6
	gsysctl net.ipv4.conf.all.src_valid_mark=1
	peer_add P 0.0.0.0/0 198.51.100.7:51820
	wg_quick_full 4
	d4=$(route_dev 203.0.113.9)
	d6=$(route_dev 2001:db8:ffff::9)
	check setup/check-v6-leak-kernel "topology: v4 internet via $d4, v6 via $d6" \
		eq "$d4/$d6" "$D/up0" "ip route get 203.0.113.9, 2001:db8:ffff::9"
	run_check
	check check-v6-leak "no v6_leak on $D" \
		has ".finding == \"v6_leak\" and .interface == \"$D\" and
		     .peer == \"$P\""
	check check-v6-leak-exactly "not exactly v6_leak, exit 1" \
		exactly 1 v6_leak:error
}

# ---- no_forward: a network behind a peer, nothing behind this host -------
# A site peer with forwarding off: a gateway for it, or a host that only
# talks to that site itself (a laptop to its office)? Only the intent file
# can tell, so only a note, and nothing at all with 'role endpoint'.
case_no_forward() {
	local val
	gw_new || return 1
	gsysctl net.ipv4.ip_forward=0
	peer_add P 10.40.0.0/16
	ip -n "$G" route add 10.40.0.0/16 dev "$D"
	val=$(ip netns exec "$G" sysctl -n net.ipv4.ip_forward)
	run_check
	check check-no-forward "no no_forward info naming net.ipv4.ip_forward = $val" \
		has ".finding == \"no_forward\" and .interface == \"$D\" and
		     .peer == \"$P\" and .severity == \"info\" and
		     .objects.sysctl == \"net.ipv4.ip_forward\" and
		     .objects.value == \"$val\" and
		     .objects.peer_prefix == \"10.40.0.0/16\""
	check check-no-forward-only-info "more than a note for a site peer" \
		only "" 0
	printf 'role endpoint\n' >"$TMP/endpoint"
	run_check --fail-on info --intent "$TMP/endpoint"
	check check-no-forward-endpoint "role endpoint still told to forward" clean
}

# ---- no_forward: the field article's first case --------------------------
# Roaming clients (host addresses) reach the LAN 10.1.0.0/24 behind the
# gateway on lan0, the uplink being up0: with forwarding off, "handshake
# works, but I can't ping anything behind the peer".
case_fwd_lan() {
	local val
	gw_new || return 1
	lan_new || return 1
	gsysctl net.ipv4.ip_forward=0
	peer_add P1 10.99.0.2/32
	peer_add P2 10.99.0.3/32
	val=$(ip netns exec "$G" sysctl -n net.ipv4.ip_forward)
	check check-fwd-lan-kernel "lab: the kernel forwards 10.99.0.2 -> 10.1.0.5 (ip_forward $val)" \
		fwd_blocked 10.99.0.2 10.1.0.5 "$D"
	run_check
	check check-fwd-lan "findings other than one no_forward warning on $D" \
		only "no_forward/warning/$D" 0
	check check-fwd-lan-evidence "no_forward does not name lan0, 10.1.0.0/24, ip_forward = $val" \
		has ".finding == \"no_forward\" and .objects.lan_interface == \"lan0\" and
		     .objects.prefix == \"10.1.0.0/24\" and
		     .objects.sysctl == \"net.ipv4.ip_forward\" and
		     .objects.value == \"$val\" and .objects.role == \"inferred\" and
		     (.example.dst | startswith(\"10.1.0.\")) and
		     (.hint | contains(\"sysctl -w net.ipv4.ip_forward=1\"))"
	run_check --fail-on warning
	check check-fwd-lan-exit "--fail-on warning did not fail" rc_is 1

	# Forwarding on, but not from the LAN: replies to the peers die.
	gsysctl net.ipv4.ip_forward=1 net.ipv4.conf.lan0.forwarding=0
	check check-fwd-lan-dev-kernel "lab: the kernel forwards 10.1.0.5 -> 10.99.0.2 from lan0" \
		fwd_blocked 10.1.0.5 10.99.0.2 lan0
	run_check
	check check-fwd-lan-dev "not one no_forward naming net.ipv4.conf.lan0.forwarding" \
		eval 'only "no_forward/warning/$D" 0 && has ".objects.sysctl ==
			\"net.ipv4.conf.lan0.forwarding\" and .objects.value == \"0\""'

	# Forwarding on everywhere: nothing to say, not even a note.
	gsysctl net.ipv4.conf.lan0.forwarding=1
	check check-fwd-on-kernel "lab: forwarding on, the kernel still refuses" \
		eval '! fwd_blocked 10.99.0.2 10.1.0.5 "$D" && ! fwd_blocked 10.1.0.5 10.99.0.2 lan0'
	run_check --fail-on info
	check check-fwd-on "findings on a forwarding gateway" clean
}

# ---- no_forward: IPv6 only -------------------------------------------------
# The peers carry IPv6 only: IPv4 forwarding off is no concern, IPv6
# forwarding off is, for the dual-stack LAN behind the gateway.
case_fwd_lan6() {
	local val
	gw_new || return 1
	lan_new || return 1
	ip -n "$G" addr add fd00:1::1/64 dev lan0 nodad
	ip -n "$G" addr add fd00:99::1/64 dev "$D" nodad
	gsysctl net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	peer_add P1 fd00:99::2/128
	peer_add P2 fd00:99::3/128
	val=$(ip netns exec "$G" sysctl -n net.ipv6.conf.all.forwarding)
	run_check
	check check-fwd-lan6 "not one no_forward for IPv6 on $D" \
		eval 'only "no_forward/warning/$D" 0 && has ".objects.sysctl ==
			\"net.ipv6.conf.all.forwarding\" and .objects.value == \"$val\" and
			.objects.prefix == \"fd00:1::/64\" and .objects.lan_interface == \"lan0\""'
	gsysctl net.ipv6.conf.all.forwarding=1
	run_check --fail-on info
	check check-fwd-lan6-on "findings with IPv6 forwarding on (IPv4 off, unused)" clean
}

# ---- no_forward: a host that only talks to its peers ---------------------
# A client of a hub whose subnet holds its own address, and a full-tunnel
# client, forwarding off and nothing behind them: no finding at any level.
case_fwd_endpoint() {
	gw_new || return 1
	gsysctl net.ipv4.ip_forward=0
	ip -n "$G" addr del 10.99.0.1/24 dev "$D"
	ip -n "$G" addr add 10.99.0.2/24 dev "$D"
	peer_add P 10.99.0.0/24 198.51.100.7:51820
	run_check --fail-on info
	check check-fwd-hub-client "a hub's client told to forward" clean
	gsysctl net.ipv4.conf.all.src_valid_mark=1
	ip netns exec "$G" wg set "$D" peer "$P" allowed-ips 0.0.0.0/0
	wg_quick_full 4
	run_check --fail-on info
	check check-fwd-full-client "a full-tunnel client told to forward" clean
}

# ---- no_forward: the intent says gateway ---------------------------------
# One roaming client, only an uplink: nothing in the inventory says gateway
# (a single-NIC VPN server looks like a point-to-point link), the intent
# file does. IPv4 only: the peers carry no IPv6, so none is demanded.
case_fwd_role() {
	local f=$TMP/gateway
	gw_new || return 1
	gsysctl net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
	peer_add P 10.99.0.2/32
	run_check --fail-on info
	check check-fwd-role-inferred "findings without a role" clean
	printf '# VPN server: clients reach the internet through it\nrole gateway\n' >"$f"
	run_check --intent "$f"
	check check-fwd-role "not exactly one no_forward error on $D" \
		only "no_forward/error/$D" 1
	check check-fwd-role-evidence "no_forward does not cite $f:2 and ip_forward = 0" \
		has ".finding == \"no_forward\" and .objects.intent == \"$f:2\" and
		     .objects.role == \"gateway\" and
		     .objects.sysctl == \"net.ipv4.ip_forward\" and .objects.value == \"0\""
	gsysctl net.ipv4.ip_forward=1
	run_check --fail-on info --intent "$f"
	check check-fwd-role-on "findings on a declared gateway that forwards" clean
}

# ---- mtu: wg MTU + 60 larger than the uplink's MTU -----------------------
case_mtu() {
	local ul ul_mtu wg_mtu
	gw_new || return 1
	gsysctl net.ipv4.ip_forward=1
	ip -n "$G" link set up0 mtu 1400
	peer_add P 10.99.0.2/32 198.51.100.7:51820
	ul=$(route_dev 198.51.100.7)
	ul_mtu=$(ip -n "$G" -j link show "$ul" | jq '.[0].mtu')
	wg_mtu=$(ip -n "$G" -j link show "$D" | jq '.[0].mtu')
	check setup/check-mtu-setup "topology: $D MTU $wg_mtu + 60 fits $ul MTU $ul_mtu" \
		test $((wg_mtu + 60)) -gt "$ul_mtu"
	run_check
	check check-mtu "no mtu finding for $D over $ul" \
		has ".finding == \"mtu\" and .interface == \"$D\" and
		     .objects.underlay == \"$ul\" and
		     .objects.underlay_mtu == \"$ul_mtu\" and
		     .objects.mtu == \"$wg_mtu\""
	check check-mtu-exactly "not exactly the mtu warning, exit 0" \
		exactly 0 mtu:warning
}

# ---- rpf_strict: full tunnel, strict rp_filter, no src_valid_mark --------
case_rpf() {
	local rev
	gw_new || return 1
	gsysctl net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.up0.rp_filter=1 \
		net.ipv4.conf.all.src_valid_mark=0
	peer_add P 0.0.0.0/0 198.51.100.7:51820
	wg_quick_full 4
	# The reverse-path check without the mark: where is the endpoint?
	rev=$(route_dev 198.51.100.7)
	check setup/check-rpf-kernel "the unmarked route back to the endpoint is $rev" \
		eq "$rev" "$D" "ip route get 198.51.100.7 (mark 0)"
	run_check
	check check-rpf "no rpf_strict for replies on up0" \
		has ".finding == \"rpf_strict\" and .severity == \"error\" and
		     .interface == \"$D\" and .peer == \"$P\" and
		     .objects.underlay == \"up0\""
	check check-rpf-exactly "not exactly rpf_strict, exit 1" \
		exactly 1 rpf_strict:error
}

# ---- rpf_strict, general form: fwmark rules, no endpoint to ask about ---
case_rpf_rules() {
	gw_new || return 1
	gsysctl net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.up0.rp_filter=1 \
		net.ipv4.conf.all.src_valid_mark=0
	peer_add P 0.0.0.0/0
	wg_quick_full 4
	check setup/check-rpf-rules-kernel "lab: no fwmark rule in ip rule" \
		eq "$(ip -n "$G" rule show | grep -c fwmark)" 1 "ip rule fwmark lines"
	run_check
	check check-rpf-rules "no rpf_strict warning naming up0" \
		has ".finding == \"rpf_strict\" and .severity == \"warning\" and
		     (.objects.interfaces | split(\", \") | index(\"up0\"))"
	check check-rpf-rules-exactly "not exactly the rpf_strict warning, exit 0" \
		exactly 0 rpf_strict:warning
}

# ---- intent: names, one kept and two broken assertions -------------------
case_intent() {
	local f=$TMP/intent dev77 dev203
	gw_new || return 1
	gsysctl net.ipv4.ip_forward=1
	peer_add P 10.50.0.0/16,10.77.0.0/16 198.51.100.7:51820
	ip -n "$G" route add 10.50.0.0/16 dev "$D"
	cat >"$f" <<-EOF
		name $P site-b
		10.50.0.0/16    via $D peer site-b
		10.77.0.0/16    via $D peer site-b
		203.0.113.0/24  blocked
	EOF
	dev77=$(route_dev 10.77.0.1)
	dev203=$(route_dev 203.0.113.1)
	run_check --intent "$f"
	check check-intent-kept "line 2 (10.50.0.0/16, routed) reported" \
		has_not ".finding == \"intent_violation\" and
			 .objects.intent == \"$f:2\""
	check check-intent-via "no violation of line 3 with the kernel's $dev77" \
		has ".finding == \"intent_violation\" and
		     .objects.intent == \"$f:3\" and .peer == \"$P\" and
		     .peer_name == \"site-b\" and
		     (.actual | test(\"leaves by $dev77 \"))"
	check check-intent-blocked "no violation of line 4 (routable via $dev203)" \
		has ".finding == \"intent_violation\" and
		     .objects.intent == \"$f:4\" and .interface == \"$dev203\""
	check check-intent-names "a finding about $P lacks the name site-b" \
		has ".finding == \"route_bypass\" and .peer == \"$P\" and
		     .peer_name == \"site-b\""
	check check-intent-exit "violations did not exit 1" rc_is 1
	# Lines 3 and 4 broken, and the peer's 10.77.0.0/16 has no route.
	check check-intent-exactly "not exactly two violations and route_bypass, exit 1" \
		exactly 1 intent_violation:error intent_violation:error route_bypass:error
}

# ---- healthy: wg-quick split tunnel on a gateway -------------------------
case_healthy_split() {
	gw_new || return 1
	gsysctl net.ipv4.ip_forward=1
	peer_add P 10.99.0.2/32,10.50.0.0/16 198.51.100.7:51820
	ip -n "$G" route add 10.50.0.0/16 dev "$D"
	check setup/check-split-kernel "topology: 10.50.0.1 not via $D" \
		eq "$(route_dev 10.50.0.1)" "$D" "ip route get 10.50.0.1"
	run_check --fail-on info -v
	check check-healthy-split "findings on a healthy split tunnel" clean
}

# ---- healthy: wg-quick full tunnel, dual stack, strict rp_filter ---------
case_healthy_full() {
	gw_new || return 1
	gw_v6
	ip -n "$G" addr add fd00:99::1/64 dev "$D" nodad
	gsysctl net.ipv4.conf.all.src_valid_mark=1 net.ipv4.conf.all.rp_filter=1
	peer_add P 0.0.0.0/0,::/0 198.51.100.7:51820
	wg_quick_full 4 6
	check setup/check-full-kernel "topology: internet not via $D, endpoint not via up0" \
		eq "$(route_dev 203.0.113.9)/$(route_dev 2001:db8:ffff::9)/$(route_dev 198.51.100.7 mark 51820)" \
		"$D/$D/up0" "ip route get 203.0.113.9, 2001:db8:ffff::9, endpoint mark 51820"
	run_check --fail-on info -v
	check check-healthy-full "findings on a healthy full tunnel" clean
	# JSON Lines only, the summary last.
	check check-json-summary "stdout is not JSON Lines ending in the summary" \
		jq -e -s '(.[-1] | .type == "summary" and .devices == 1 and
			   .peers == 1) and all(.[]; .type)' <<<"$OUT"
}

# ---- text output: under 80 columns, no colour into a pipe ----------------
case_text() {
	local out
	gw_new || return 1
	peer_add P1 10.10.0.0/16,10.20.0.0/16 198.51.100.7:51820
	peer_add P2 10.10.5.0/24
	ip -n "$G" route add 10.10.0.0/16 dev "$D"
	ip -n "$G" route add 10.30.0.0/16 dev "$D"
	"$WGTRACE" check -n "$G" >"$TMP/text" 2>&1
	check check-text-width "a text line is 80 columns or wider" \
		awk 'length > 79 { print; bad = 1 } END { exit bad || NR < 10 }' "$TMP/text"
	check check-text-nocolour "escape codes written into a pipe" \
		awk '/\033/ { bad = 1 } END { exit bad || NR < 10 }' "$TMP/text"
	check check-text-worst-first "an error is listed after a warning" \
		awk '/^(ERROR|WARNING|INFO) / {
			r = $1 == "ERROR" ? 3 : $1 == "WARNING" ? 2 : 1
			if (n++ && r > last) bad = 1
			last = r }
		     END { exit bad || n < 2 }' "$TMP/text"
}

# ---- bad input: exit 2, one message that names the problem --------------
case_bad_input() {
	local ns=wgt-$$-missing f=$TMP/bad col err
	gw_new || return 1
	"$WGTRACE" check -n "$ns" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	check check-bad-netns "unknown netns: not exit 2 and one line naming it" \
		eq "$RC/$(wc -l <"$TMP/err")/$(grep -c -- "$ns" "$TMP/err")/$(wc -c <"$TMP/out")" \
		"2/1/1/0" "exit/stderr lines/naming it/stdout bytes"

	printf '# routes\n10.0.0.0/8 vai %s\n' "$D" >"$f"
	col=$(awk 'NR == 2 { print index($0, "vai") }' "$f")
	"$WGTRACE" check -n "$G" --intent "$f" >/dev/null 2>"$TMP/err"
	RC=$?
	check check-bad-intent "bad intent: not exit 2 with $f:2:$col" \
		eq "$RC/$(grep -cF -- "$f:2:$col:" "$TMP/err")" "2/1" "$(cat "$TMP/err")"

	"$WGTRACE" check -n "$G" --intent "$TMP/does-not-exist" >/dev/null 2>&1
	RC=$?
	check check-missing-intent "unreadable intent: exit $RC, not 2" rc_is 2

	"$WGTRACE" check -n "$G" -i up0 >/dev/null 2>"$TMP/err"
	RC=$?
	check check-not-wireguard "-i up0 (a veth): not exit 2 naming it" \
		eq "$RC/$(grep -c up0 "$TMP/err")" "2/1" "$(cat "$TMP/err")"
	"$WGTRACE" check -n "$G" -i "$D" --json >"$TMP/out" 2>/dev/null
	check check-i-wireguard "-i $D: not a summary of one device" \
		jq -e -s '.[-1].type == "summary" and .[-1].devices == 1' "$TMP/out"
}

# Each case and the number of result lines it prints (add one here with
# each new check). A case whose gateway cannot be built prints one FAIL
# instead, and the runner then also reports the shortfall against the plan.
CASES="overlap:8 bypass:7 no_peer:3 loop:3 v6_leak:3 no_forward:3 fwd_lan:8
	fwd_lan6:2 fwd_endpoint:2 fwd_role:4 mtu:3 rpf:3 rpf_rules:3 intent:6
	healthy_split:2 healthy_full:3 text:3 bad_input:5"
n=0
for c in $CASES; do n=$((n + ${c#*:})); done
plan "$n"
for c in $CASES; do
	c=${c%:*}
	echo "    case $c"
	if ! "case_$c"; then
		fail "setup/check-$c-setup" "could not build the topology"
	fi
done
