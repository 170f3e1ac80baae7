#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# README's "kernel line x fact -> mode" table, from a run rather than by
# hand: the host's own `wgtrace probe --json` and the probe modes each vm
# guest printed in its last run (t_modes.sh, kept in .cache/vm/SERIES/
# results.log). Prints a Markdown table on stdout.
#
#   tests/vm/modes_table.sh            after `make test-vm`
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VM_CACHE:-$repo/.cache/vm}
wgtrace_bin=${WGTRACE:-$repo/wgtrace}

cols=()	# "label<TAB>modes JSON"
if host=$("$wgtrace_bin" probe --json 2>/dev/null |
	jq -c -s '[.[] | select(.type == "hook") | {(.fact): .mode}] | add'); then
	cols+=("host $(uname -r | cut -d- -f1) (no WireGuard module)	$host")
fi
for s in 5.10 6.1 6.12 newest; do
	f=$cache/$s/results.log
	[ -r "$f" ] || continue
	line=$(tr -d '\r' <"$f" | sed -n 's/^ *probe-modes //p' | tail -n 1)
	[ -n "$line" ] || continue
	cols+=("${line%% *}	${line#* }")
done
[ ${#cols[@]} -gt 0 ] || { echo "modes_table: no probe results found" >&2; exit 1; }

facts=$(for c in "${cols[@]}"; do jq -r 'keys_unsorted[]' <<<"${c#*	}"; done | awk '!seen[$0]++')
printf '| fact |'
for c in "${cols[@]}"; do printf ' %s |' "${c%%	*}"; done
printf '\n|---|'
for c in "${cols[@]}"; do printf -- '---|'; done
printf '\n'
for f in $facts; do
	printf '| `%s` |' "$f"
	for c in "${cols[@]}"; do
		printf ' %s |' "$(jq -r --arg f "$f" '.[$f] // "-"' <<<"${c#*	}")"
	done
	printf '\n'
done
