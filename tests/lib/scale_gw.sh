# SPDX-License-Identifier: GPL-2.0
#
# A large WireGuard gateway in seconds, for the scale tests
# (tests/netns/t_scale.sh, t_check_scale.sh, t_grow.sh, t_prefixes.sh) and
# the scale benchmark (tests/bench/scale.sh). Bash; the caller has created
# the namespace and started a wireguard-go device in it.
#
# Peer i (0-based) gets two AllowedIPs, as a VPN gateway hands them out:
#   100.64.0.0/10 + i + 2 /32    the client's tunnel address
#   10.128.0.0/9 + i * 256 /24   a network behind the client
# and, with P prefixes per peer (P > 2), P - 2 more, as a site-to-site
# peer carries many small networks:
#   10.0.0.0/9 + (i * (P - 2) + j) * 8 /29   j = 0 .. P - 3
# and a route per prefix into the device, as wg-quick adds them. At most
# 32,000 peers and 2^20 /29s (N * (P - 2)) fit these ranges.
#
# Keys: wg(8) accepts any 32 bytes as a public key, and `wg genkey | wg
# pubkey` twice per peer takes minutes at 20,000 peers, so each key is a
# random per-run stem plus the peer's number in base64 digits: unique,
# valid, and made by one awk process.

SCALE_GW_MAX=32000
SCALE_GW_MAX_SMALL=$((1 << 20))

# scale_gw_files N DIR [P]: writes DIR/wg.conf (for `wg setconf`) and
# DIR/routes.batch (for `ip -batch`, the device name spelt @DEV@); P
# prefixes per peer (default 2, at least 2).
scale_gw_files() {
	local n=$1 dir=$2 p=${3:-2} stem priv
	[ "$n" -ge 1 ] && [ "$n" -le $SCALE_GW_MAX ] && [ "$p" -ge 2 ] &&
		[ $((n * (p - 2))) -le $SCALE_GW_MAX_SMALL ] || return 1
	# 39 base64 characters from 30 random bytes, then 4 per peer.
	stem=$(head -c 30 /dev/urandom | base64 -w 0 | tr -d '=' | head -c 39)
	priv=$(head -c 32 /dev/urandom | base64 -w 0)
	awk -v n="$n" -v p="$p" -v stem="$stem" -v priv="$priv" \
		-v conf="$dir/wg.conf" -v batch="$dir/routes.batch" '
	BEGIN {
		b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		printf "[Interface]\nPrivateKey = %s\n", priv > conf
		for (i = 0; i < n; i++) {
			# 3 digits of 64, then a last character whose low 2
			# bits are zero (A): 43 characters and "=" make 32 bytes.
			k = stem
			v = i
			for (d = 0; d < 3; d++) {
				k = k substr(b64, v % 64 + 1, 1)
				v = int(v / 64)
			}
			h = i + 2
			host = sprintf("100.%d.%d.%d/32", 64 + int(h / 65536),
				       int(h / 256) % 256, h % 256)
			net = sprintf("10.%d.%d.0/24", 128 + int(i / 256), i % 256)
			ips = host ", " net
			printf "route add %s dev @DEV@\nroute add %s dev @DEV@\n",
			       host, net > batch
			for (j = 0; j < p - 2; j++) {
				a = (i * (p - 2) + j) * 8
				small = sprintf("10.%d.%d.%d/29", int(a / 65536),
						int(a / 256) % 256, a % 256)
				ips = ips ", " small
				printf "route add %s dev @DEV@\n", small > batch
			}
			printf "\n[Peer]\nPublicKey = %sA=\nAllowedIPs = %s\n",
			       k, ips > conf
		}
	}'
}

# scale_gw_host I / scale_gw_net I: the prefixes of peer I, as above.
scale_gw_host() {
	local h=$(($1 + 2))
	echo "100.$((64 + h / 65536)).$((h / 256 % 256)).$((h % 256))/32"
}
scale_gw_net() { echo "10.$((128 + $1 / 256)).$(($1 % 256)).0/24"; }
# scale_gw_small I J P: peer I's J-th /29 (0-based) with P prefixes per peer.
scale_gw_small() {
	local a=$((($1 * ($3 - 2) + $2) * 8))
	echo "10.$((a / 65536)).$((a / 256 % 256)).$((a % 256))/29"
}

# scale_gw_apply NS DEV DIR: configure DEV in NS from scale_gw_files' DIR;
# the device gets 100.64.0.1/32, forwarding is on (a gateway), and it is up.
scale_gw_apply() {
	local ns=$1 dev=$2 dir=$3
	ip netns exec "$ns" wg setconf "$dev" "$dir/wg.conf" || return 1
	ip -n "$ns" addr add 100.64.0.1/32 dev "$dev" || return 1
	# Routes need the device up (the kernel refuses a nexthop that is down).
	ip -n "$ns" link set "$dev" up || return 1
	sed "s/@DEV@/$dev/" "$dir/routes.batch" | ip -n "$ns" -batch - || return 1
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
}
