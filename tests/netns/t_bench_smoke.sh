#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark keeps working: one short round of every configuration
# (QUICK=1 tests/bench/bench.sh, under a minute) must produce every figure,
# numeric. Values are not judged here (that is `make bench` and its
# RESULTS.md), and tests/bench/RESULTS.md must not be touched.
. "$(dirname "$0")/lib.sh"
require_root bench-smoke
require_cmd bench-smoke iperf3 bpftrace wireguard-go wg bpftool jq
[ -x "$WGTRACE" ] || bail setup/bench-smoke "$WGTRACE is not built (run: make)"
# The benchmark's figures are the lab's, not checks of wgtrace: every result
# here is a setup check (tests/README.md). Four checks, one per
# configuration in the loop below, and seven others.
CONFIGS="export watch trace bpftrace"
plan $((8 + $(wc -w <<<"$CONFIGS")))

results=$TOP/tests/bench/RESULTS.md
sum_before=$(sha256sum "$results" 2>/dev/null | cut -d' ' -f1)
tmp=$(mktemp -d /tmp/wgtrace-bench-smoke.XXXXXX)
trap 'rm -rf "$tmp"; cleanup' EXIT

QUICK=1 timeout --kill-after=10 240 "$TOP/tests/bench/bench.sh" --quick \
	--out "$tmp/results.md" --figures "$tmp/figures.tsv" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ]; then
	pass setup/bench-smoke-run
else
	fail setup/bench-smoke-run "bench.sh --quick exited with status $rc"
	tail -n 30 "$tmp/err" | sed 's/^/    /'
fi

sum_after=$(sha256sum "$results" 2>/dev/null | cut -d' ' -f1)
check setup/bench-smoke-results-untouched "the quick run changed tests/bench/RESULTS.md" \
	test "$sum_before" = "$sum_after"
check setup/bench-smoke-table "no Markdown results table was written" \
	grep -q '^| configuration |' "$tmp/results.md"
# The smallest scale step: watch, export and trace all started at 100 peers.
check setup/bench-smoke-scale "the 100-peer scale step has no attach figures" \
	eval "grep -Eq '^\| watch attach ms \| [0-9]+ \|' '$tmp/results.md' &&
		grep -Eq '^\| export ready ms \| [0-9]+ \|' '$tmp/results.md' &&
		grep -Eq '^\| trace attach ms \| [0-9]+ \|' '$tmp/results.md'"

# figures_ok KEY...: each key present once with a numeric value.
figures_ok() {
	local k v bad=
	for k in "$@"; do
		v=$(awk -F'\t' -v k="$k" '$1 == k { print $2; exit }' "$tmp/figures.tsv" 2>/dev/null)
		[[ $v =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] || bad="$bad $k=${v:-missing}"
	done
	[ -z "$bad" ] || { echo "not numeric:$bad"; return 1; }
}

check setup/bench-smoke-baseline "baseline figures missing" \
	figures_ok base.tcp_bps base.udp_pps base.ppc_udp base.wg_bps
for c in $CONFIGS; do
	check "setup/bench-smoke-$c" "$c figures missing" figures_ok \
		"$c.tcp_ratio" "$c.udp_ratio" "$c.ppc_ratio" "$c.wg_ratio" "$c.bpf_ns_per_fwd" \
		"$c.cpu_start_s" "$c.cpu_pct" "$c.rss_kib" "$c.rss_attach_kib" "$c.maps_bytes" \
		"$c.attach_s" "$c.detach_s"
done
check setup/bench-smoke-run-events "events per run missing" \
	figures_ok export.run_events watch.run_events trace.run_events
check setup/bench-smoke-trace-flood "trace flood figures missing" figures_ok \
	trace.ev_per_s trace.ev_offered_per_s trace.ev_total trace.ev_lost_kernel \
	trace.ev_lost_reported trace.ev_lost_expected trace.ev_not_kept_reported \
	trace.ev_not_kept_expected trace.ev_cpu_ns_per_event \
	trace_pcap.ev_per_s trace_pcap.ev_bpf_ns_per_run trace_pcap.ev_cpu_ns_per_event
check setup/bench-smoke-watch-flood "watch flood figures missing" figures_ok \
	watch.ev_per_s watch.ev_lost_kernel watch.ev_lost_reported \
	watch.bypass_counted watch.bypass_oracle \
	watch_pcap.ev_per_s watch_pcap.ev_bpf_ns_per_run watch_record.ev_per_s \
	watch_record.ev_bpf_ns_per_run
