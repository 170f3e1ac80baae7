# SPDX-License-Identifier: GPL-2.0
#
# The awk programs behind the tests' oracles (net_counter, wg_lpm and
# route_expect of common.sh, which sources this file for both tiers;
# tests/vm/run.sh copies the folder to /tests/lib/ of the initramfs).
# POSIX sh and POSIX awk only (mawk, busybox): nothing here runs anything.
#
#   RT_WORD_AWK     the word after `want` on the first line of `ip route get`
#   RT_PREFIX_AWK   the prefix of `ip route get fibmatch` (fam: -4 or -6)
#   RT_TABLE_AWK    its table as a number
#   NET_COUNTER_AWK the counter `want` of /proc/net/snmp, netstat (GROUP:FIELD)
#                   or snmp6 (name)
#   LPM_AWK         longest-prefix match of `dst` over `wg show DEV
#                   allowed-ips`: "PEER PREFIX", then the other peers
#                   whose AllowedIPs also hold dst, one per line

RT_WORD_AWK='NR == 1 { for (i = 1; i < NF; i++) if ($i == want) { print $(i + 1); exit } }'
RT_PREFIX_AWK='NR == 1 {
	i = 1
	if ($1 ~ /^(unicast|local|broadcast|anycast|multicast|blackhole|unreachable|prohibit|throw|nat)$/)
		i = 2
	p = $i
	if (p == "default")
		p = fam == "-6" ? "::/0" : "0.0.0.0/0"
	else if (p !~ /\//)
		p = p (fam == "-6" ? "/128" : "/32")
	print p
}'
RT_TABLE_AWK='NR == 1 {
	t = "254"
	for (i = 1; i < NF; i++) if ($i == "table") t = $(i + 1)
	if (t == "main") t = 254
	else if (t == "local") t = 255
	else if (t == "default") t = 253
	print t
}'
LPM_AWK='
function hexval(c) { return index("0123456789abcdef", tolower(c)) - 1 }
function bin(n, w,   s) {
	s = ""
	while (w-- > 0) { s = (n % 2) s; n = int(n / 2) }
	return s
}
function grp(g,   v, i) {
	v = 0
	for (i = 1; i <= length(g); i++) v = v * 16 + hexval(substr(g, i, 1))
	return bin(v, 16)
}
function bits(a,   k, l, r, nl, nr, L, R, i, s) {
	if (!index(a, ":")) {
		if (split(a, L, ".") != 4) return ""
		return bin(L[1], 8) bin(L[2], 8) bin(L[3], 8) bin(L[4], 8)
	}
	k = index(a, "::")
	if (k) { l = substr(a, 1, k - 1); r = substr(a, k + 2) } else { l = a; r = "" }
	nl = l == "" ? 0 : split(l, L, ":")
	nr = r == "" ? 0 : split(r, R, ":")
	s = ""
	for (i = 1; i <= nl; i++) s = s grp(L[i])
	for (i = 0; i < 8 - nl - nr; i++) s = s bin(0, 16)
	for (i = 1; i <= nr; i++) s = s grp(R[i])
	return s
}
BEGIN { d = bits(dst); best = -1 }
{
	for (i = 2; i <= NF; i++) {
		x = index($i, "/")
		if (!x) continue
		len = substr($i, x + 1) + 0
		pb = bits(substr($i, 1, x - 1))
		if (length(pb) != length(d) || substr(pb, 1, len) != substr(d, 1, len))
			continue
		if (!($1 in plen) || len > plen[$1]) { plen[$1] = len; ppfx[$1] = $i }
	}
}
END {
	for (k in plen) if (plen[k] > best) { best = plen[k]; win = k }
	if (best < 0) exit
	print win, ppfx[win]
	for (k in plen) if (k != win) print k
}'
NET_COUNTER_AWK='
	NF == 2 && $1 == want { print $2; exit }
	$1 in hdr {
		n = split(hdr[$1], h, " ")
		for (i = 2; i <= n && i <= NF; i++)
			if ($1 h[i] == want) { print $i; exit }
		next
	}
	{ hdr[$1] = $0 }'
