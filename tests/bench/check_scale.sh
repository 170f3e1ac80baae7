#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# How `wgtrace check` grows with a gateway's peers (issue 12). For each step
# (default 100, 1,000, 5,000 and 20,000 peers) a fresh namespace gets a
# wireguard-go device with two AllowedIPs per peer and a route per prefix
# (tests/lib/scale_gw.sh, as wg-quick leaves them); then `wg show DEV dump`
# (the reference: reading the device alone) and `wgtrace check --json` each
# run RUNS times. Medians of wall time, CPU time (user + sys) and peak RSS
# go into a Markdown table appended to FILE, with the growth per 10x peers
# between steps (1.0: constant, 10: linear, 100: quadratic).
#
# Wall time on a shared machine includes waiting for other users' work and
# for wireguard-go; CPU time is check's own. Figures are measured, never
# asserted.
#
# Usage: tests/bench/check_scale.sh FILE [PEERS...]     (root)
#   RUNS=N   runs per step (default 5)
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../netns/lib.sh"
. "$TOP/tests/lib/scale_gw.sh"

OUT=${1:?usage: check_scale.sh FILE [PEERS...]}
shift
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(100 1000 5000 20000)
RUNS=${RUNS:-5}
[ "$(id -u)" = 0 ] || { echo "check_scale.sh: needs root" >&2; exit 2; }
for c in wireguard-go wg /usr/bin/time; do
	command -v "$c" >/dev/null || { echo "check_scale.sh: $c missing" >&2; exit 2; }
done
[ -x "$WGTRACE" ] || { echo "check_scale.sh: build $WGTRACE first" >&2; exit 2; }

TMP=$(mktemp -d /tmp/wgt-check-bench.XXXXXX)
trap 'cleanup; rm -rf "$TMP"' EXIT

# measure NAME CMD...: RUNS runs; "wall cpu rss_kib" medians on stdout
# (times from bash to the millisecond, the peak RSS from time(1)).
measure() {
	local name=$1 i TIMEFORMAT='%3R %3U %3S'
	shift
	: >"$TMP/$name.t"
	for ((i = 0; i < RUNS; i++)); do
		{ time /usr/bin/time -f '%M' -o "$TMP/rss" "$@" >/dev/null 2>&1; } \
			2>"$TMP/one"
		echo "$(cat "$TMP/one") $(tail -n 1 "$TMP/rss")" >>"$TMP/$name.t"
	done
	awk '{ w[NR] = $1; c[NR] = $2 + $3; r[NR] = $4 }
	function med(a,   n, i, j, t) {
		n = NR
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END { printf "%.3f %.3f %d\n", med(w), med(c), med(r) }' "$TMP/$name.t"
}

rows=()
for n in "${STEPS[@]}"; do
	ns_new G && wg_devname D && wggo_start "$G" "$D" &&
		scale_gw_files "$n" "$TMP" && scale_gw_apply "$G" "$D" "$TMP" ||
		{ echo "check_scale.sh: cannot build $n peers" >&2; exit 1; }
	routes=$(ip -n "$G" route show dev "$D" | wc -l)
	read -r dw dc _ < <(measure dump ip netns exec "$G" wg show "$D" dump)
	read -r cw cc cr < <(measure check "$WGTRACE" check -n "$G" --json)
	rows+=("$n $routes $dw $dc $cw $cc $cr")
	echo "check_scale: $n peers: wg show dump ${dw} s, check ${cw} s (CPU ${cc} s)" >&2
	# One gateway at a time: the next step starts from a clean machine.
	kill "$LAST_PID" 2>/dev/null
	wait "$LAST_PID" 2>/dev/null
	ip netns del "$G"
	# Gone: lib.sh's exit cleanup must not signal a reused PID.
	left=()
	for p in "${_pid_list[@]}"; do [ "$p" = "$LAST_PID" ] || left+=("$p"); done
	_pid_list=("${left[@]}")
done

{
	echo
	echo "## wgtrace check at scale"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $("$WGTRACE" --version 2>/dev/null | head -n 1) ($(git -C "$TOP" describe --always --dirty 2>/dev/null))," \
		"$(nproc) CPUs, load average $(cut -d ' ' -f 1-3 /proc/loadavg)," \
		"median of $RUNS runs per step (tests/bench/check_scale.sh). Two AllowedIPs" \
		"per peer and a route per prefix into the device; growth per 10x peers" \
		"is (t / t_previous) ^ (1 / log10(peers / peers_previous)): 10 is linear."
	echo
	echo "| peers | routes into the device | \`wg show dump\` wall | check wall | check CPU | check peak RSS | check growth per 10x peers (wall, CPU) |"
	echo "|---|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}" | awk '{
		g = "–"
		if (NR > 1 && pw > 0 && pc > 0 && $5 > 0 && $6 > 0) {
			e = 1 / (log($1 / pn) / log(10))
			g = sprintf("%.1f, %.1f", ($5 / pw) ^ e, ($6 / pc) ^ e)
		}
		printf "| %d | %d | %.3f s | %.3f s | %.3f s | %.1f MiB | %s |\n",
		       $1, $2, $3, $5, $6, $7 / 1024, g
		pn = $1; pw = $5; pc = $6
	}'
} >>"$OUT"
