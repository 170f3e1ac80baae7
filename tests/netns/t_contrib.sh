#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# contrib/ against the tools that consume it and against a live exporter:
# the alert rules load in promtool, the systemd unit verifies (pointed at a
# `make install`ed binary), every metric name the Grafana dashboard and the
# alert rules query is one `wgtrace export` really emits (the # TYPE
# families of a scrape of a namespace with a WireGuard device, not a list
# typed in here), and the man page renders without warnings.
. "$(dirname "$0")/lib.sh"
require_root contrib
require_cmd contrib promtool systemd-analyze man jq curl wireguard-go wg ss
plan 5

TMP=$(mktemp -d /tmp/wgt-contrib.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT
RULES=$TOP/contrib/prometheus/wgtrace-rules.yml
DASH=$TOP/contrib/grafana/wgtrace-dashboard.json
UNIT=$TOP/contrib/wgtrace.service
MAN=$TOP/contrib/wgtrace.8

# --- alert rules ---------------------------------------------------------------
check contrib-rules-promtool "promtool check rules rejects $RULES" \
	promtool check rules "$RULES"

# --- systemd unit ----------------------------------------------------------------
unit_verify() {
	local out rc man=--man=no
	make -s -C "$TOP" install DESTDIR="$TMP/root" PREFIX=/usr/local >"$TMP/install.log" 2>&1 ||
		{ echo "make install failed:"; cat "$TMP/install.log"; return 1; }
	[ -x "$TMP/root/usr/local/sbin/wgtrace" ] ||
		{ echo "make install put no wgtrace in \$DESTDIR/usr/local/sbin"; return 1; }
	grep -q '^ExecStart=/usr/local/sbin/wgtrace ' "$UNIT" ||
		{ echo "the unit's ExecStart is not /usr/local/sbin/wgtrace (what make install installs)"; return 1; }
	mkdir -p "$TMP/unit"
	sed "s#^ExecStart=/usr/local/sbin/wgtrace #ExecStart=$TMP/root/usr/local/sbin/wgtrace #" \
		"$UNIT" >"$TMP/unit/wgtrace.service"
	# Documentation=man:wgtrace(8) is looked up only if the page is installed.
	man -w wgtrace >/dev/null 2>&1 && man=--man=yes
	out=$(systemd-analyze verify "$man" "$TMP/unit/wgtrace.service" 2>&1)
	rc=$?
	if [ $rc != 0 ] || grep -q wgtrace <<<"$out"; then
		echo "systemd-analyze verify $man: status $rc"
		echo "$out"
		return 1
	fi
}
check contrib-unit-verify "systemd-analyze verify complains about the unit" unit_verify

# --- metric names: queried vs emitted ------------------------------------------------
# The exprs: every "expr" of the dashboard, every expr: of the rules (plain,
# quoted or a block scalar).
jq -r '.. | objects | select(has("expr")) | .expr' "$DASH" >"$TMP/dash.exprs" 2>"$TMP/jq.err"
awk '
	blk {
		match($0, /^ */)
		if (ind < 0) ind = RLENGTH
		if (RLENGTH >= ind && $0 !~ /^[[:space:]]*$/) { e = e " " $0; next }
		print e; blk = 0
	}
	/^[[:space:]]*expr:/ {
		sub(/^[[:space:]]*expr:[[:space:]]*/, "")
		if ($0 ~ /^[|>][-+]?[[:space:]]*$/) { blk = 1; ind = -1; e = ""; next }
		if ($0 ~ /^".*"$/ || $0 ~ /^'\''.*'\''$/) $0 = substr($0, 2, length($0) - 2)
		print
	}
	END { if (blk) print e }' "$RULES" >"$TMP/rules.exprs"

# names: metric names of PromQL exprs on stdin, one per expr line:
# without strings, label matchers, ranges and by/without/on/ignoring
# lists, Grafana variables and numbers or durations (5m), the identifiers
# not called as functions and not keywords.
names() {
	sed -E -e 's/"([^"\\]|\\.)*"//g' -e "s/'([^'\\\\]|\\\\.)*'//g" \
		-e 's/\{[^}]*\}/ /g' -e 's/\[[^]]*\]/ /g' \
		-e 's/\b(by|without|on|ignoring|group_left|group_right)[[:space:]]*\([^)]*\)/ /g' \
		-e 's/\$[A-Za-z_][A-Za-z0-9_]*/ /g' -e 's/\b[0-9][0-9.eE+-]*[a-z]*\b/ /g' |
		while IFS= read -r e; do
			grep -oE '[A-Za-z_:][A-Za-z0-9_:]*[[:space:]]*\(?' <<<"$e" |
				grep -v '($' | tr -d ' \t' |
				grep -vxE 'and|or|unless|bool|offset|by|without|on|ignoring|group_left|group_right|inf|nan|Inf|NaN' |
				sort -u | tr '\n' ' '
			echo
		done
}
names <"$TMP/dash.exprs" >"$TMP/dash.names"
names <"$TMP/rules.exprs" >"$TMP/rules.names"

# A live scrape of an exporter on a namespace with a wireguard-go device
# and a peer (so that every family is there, with or without samples).
scrape_families() {
	local ns dev k p port pid i
	ns_new ns && wg_devname dev && wggo_start "$ns" "$dev" || { echo "lab: no namespace with wireguard-go"; return 1; }
	wg_keys k p
	ip netns exec "$ns" wg set "$dev" private-key <(echo "$k") listen-port 51820 \
		peer "$(wg genkey | wg pubkey)" allowed-ips 10.99.0.2/32 endpoint 192.0.2.2:51820
	ip -n "$ns" addr add 10.99.0.1/24 dev "$dev"
	ip -n "$ns" link set "$dev" up
	for ((i = 0; i < 50; i++)); do
		port=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Hltn "sport = :$port")" ] && break
	done
	"$WGTRACE" export -n "$ns" --listen "127.0.0.1:$port" --interval 1 2>"$TMP/export.log" &
	pid=$!
	_pid_list+=("$pid")
	wait_until 30 eval 'curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >"$TMP/scrape" &&
		grep -q "^wgtrace_build_info" "$TMP/scrape"' ||
		{ echo "the exporter served no metrics in 30 s:"; cat "$TMP/export.log"; return 1; }
	kill "$pid"
	awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$TMP/scrape" | sort -u >"$TMP/families"
}
# Not in a subshell: the namespace and processes must reach cleanup's lists.
if ! scrape_families >"$TMP/families.log" 2>&1; then
	for c in contrib-dashboard-metrics contrib-rules-metrics; do
		fail $c "no live scrape to compare with"
	done
	sed 's/^/    /' "$TMP/families.log"
else
	echo "    emitted families: $(tr '\n' ' ' <"$TMP/families")"
	# known EXPRS NAMES: every expr gave names and each is an emitted family.
	known() {
		local n=0 bad="" line nm name
		[ -s "$1" ] || { echo "no exprs found in the file"; return 1; }
		while IFS= read -r line <&3 && IFS= read -r nm <&4; do
			n=$((n + 1))
			[ -n "${nm// /}" ] || bad="$bad
  no metric name found in: $line"
			for name in $nm; do
				grep -qxF "$name" "$TMP/families" || bad="$bad
  $name (in: $line) is not emitted"
			done
		done 3<"$1" 4<"$2"
		[ -z "$bad" ] || { echo "of $n exprs:$bad"; return 1; }
	}
	check contrib-dashboard-metrics "the dashboard queries metrics wgtrace export does not emit" \
		known "$TMP/dash.exprs" "$TMP/dash.names"
	check contrib-rules-metrics "the alert rules query metrics wgtrace export does not emit" \
		known "$TMP/rules.exprs" "$TMP/rules.names"
fi

# --- man page --------------------------------------------------------------------
man_warnings() {
	local err
	err=$(man --warnings -l "$MAN" 2>&1 >/dev/null) || { echo "man failed: $err"; return 1; }
	[ -z "$err" ] || { echo "$err"; return 1; }
}
check contrib-man-warnings "man --warnings -l contrib/wgtrace.8 prints warnings" man_warnings
