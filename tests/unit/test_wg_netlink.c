// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink reply parser, fed messages laid out as
 * linux/wireguard.h documents WG_CMD_GET_DEVICE (nests flagged NLA_F_NESTED
 * as the kernel's nla_nest_start does), including a peer list split over
 * several messages. Whether the kernel really sends this is the vm tier's
 * question (tests/vm/guest/t_wg_inventory.sh); this host has no WireGuard
 * module. Keys are `wg genkey` / `wg pubkey` output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "model/addr.h"
#include "base/common.h"
#include "config/inventory.h"
#include "config/wg_inventory.h"

#define KEY_DEV "OFNRxolEBvx6pm1S7tgk/RUpmucFY4A0qC/6U17hxEA="
#define KEY_P0 "y8XsIDh70Ir6v/CBcil/SdpsiKXP7Uv9+bs3Wrx2eQ8="
#define KEY_P1 "8yQRLTamsWwVwSaE0y8ifONvliHEvmCJZPjEFSgselY="
#define KEY_P2 "BMFVnvc6TLPCY8zwcHtyE+yFTK4rOr203t6aXKmhE1c="

static char buf[3][16384];

static void key(uint8_t out[WG_KEY_LEN_RAW], const char *b64)
{
	assert_true(wg_key_from_b64(out, b64));
}

static struct nlmsghdr *msg_start(char *b)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct genlmsghdr *g;

	nlh->nlmsg_type = 0x1d;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	return nlh;
}

static struct nlattr *nest(struct nlmsghdr *nlh, uint16_t type)
{
	return mnl_attr_nest_start(nlh, type | NLA_F_NESTED);
}

static void put_key(struct nlmsghdr *nlh, uint16_t type, const char *b64)
{
	uint8_t k[WG_KEY_LEN_RAW];

	key(k, b64);
	mnl_attr_put(nlh, type, sizeof(k), k);
}

static void put_allowed(struct nlmsghdr *nlh, const char *ip, uint8_t cidr)
{
	struct wgt_addr a;
	struct nlattr *n;

	assert_true(addr_parse(ip, &a));
	n = nest(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, a.family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, addr_bytes(a.family), a.b);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_nest_end(nlh, n);
}

static void put_endpoint4(struct nlmsghdr *nlh, const char *ip, uint16_t port)
{
	struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(port)};

	assert_int_equal(inet_pton(AF_INET, ip, &s.sin_addr), 1);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(s), &s);
}

static void put_endpoint6(struct nlmsghdr *nlh, const char *ip, uint16_t port)
{
	struct sockaddr_in6 s = {.sin6_family = AF_INET6,
				 .sin6_port = htons(port)};

	assert_int_equal(inet_pton(AF_INET6, ip, &s.sin6_addr), 1);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(s), &s);
}

static void put_peer_stats(struct nlmsghdr *nlh, int64_t hs, uint64_t rx,
			   uint64_t tx, uint16_t ka)
{
	struct __kernel_timespec ts = {.tv_sec = hs, .tv_nsec = 12345};

	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, ka);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, rx);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, tx);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
}

static void put_device_head(struct nlmsghdr *nlh)
{
	uint8_t priv[WG_KEY_LEN_RAW];

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	memset(priv, 0x77, sizeof(priv));
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, sizeof(priv), priv);
	put_key(nlh, WGDEVICE_A_PUBLIC_KEY, KEY_DEV);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0xca6c);
}

static const char *allowed_str(const struct wg_peer_info *p, char *out,
			       size_t len)
{
	char pfx[WGT_PREFIX_STRLEN];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < p->n_allowed; i++) {
		if (i)
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, prefix_fmt(&p->allowed[i], pfx, sizeof(pfx)),
			len - strlen(out) - 1);
	}
	return out;
}

static void one_message(void **state)
{
	struct wg_device_info dev = {0};
	struct nlattr *peers, *p, *ips;
	struct nlmsghdr *nlh;
	char s[512], a[WGT_ADDR_STRLEN];

	(void)state;
	nlh = msg_start(buf[0]);
	put_device_head(nlh);
	peers = nest(nlh, WGDEVICE_A_PEERS);
	p = nest(nlh, 0);
	put_key(nlh, WGPEER_A_PUBLIC_KEY, KEY_P0);
	put_endpoint4(nlh, "192.0.2.2", 51821);
	put_peer_stats(nlh, 1795609163, 604, 840, 25);
	ips = nest(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowed(nlh, "10.99.0.2", 32);
	put_allowed(nlh, "fd00:99::2", 128);
	/* Host bits, which the kernel never sends: cleared anyway. */
	put_allowed(nlh, "198.51.100.7", 24);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	p = nest(nlh, 0);
	put_key(nlh, WGPEER_A_PUBLIC_KEY, KEY_P1);
	put_endpoint6(nlh, "2001:db8:1::3", 51822);
	put_peer_stats(nlh, 0, 0, UINT64_MAX, 0);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);

	assert_int_equal(wg_netlink_parse_msg(nlh, &dev), 0);
	assert_int_equal(dev.impl, WG_IMPL_KERNEL);
	assert_string_equal(dev.name, "wg0");
	assert_int_equal(dev.ifindex, 7);
	assert_string_equal(dev.pubkey_b64, KEY_DEV);
	assert_int_equal(dev.listen_port, 51820);
	assert_int_equal(dev.fwmark, 0xca6c);
	assert_int_equal(dev.n_peers, 2);

	assert_string_equal(dev.peers[0].pubkey_b64, KEY_P0);
	assert_true(dev.peers[0].has_endpoint);
	assert_string_equal(addr_fmt(&dev.peers[0].endpoint, a, sizeof(a)),
			    "192.0.2.2");
	assert_int_equal(dev.peers[0].endpoint_port, 51821);
	assert_int_equal(dev.peers[0].last_handshake_sec, 1795609163);
	assert_int_equal(dev.peers[0].rx_bytes, 604);
	assert_int_equal(dev.peers[0].tx_bytes, 840);
	assert_int_equal(dev.peers[0].keepalive, 25);
	assert_string_equal(allowed_str(&dev.peers[0], s, sizeof(s)),
			    "10.99.0.2/32,fd00:99::2/128,198.51.100.0/24");

	assert_string_equal(dev.peers[1].pubkey_b64, KEY_P1);
	assert_string_equal(addr_fmt(&dev.peers[1].endpoint, a, sizeof(a)),
			    "2001:db8:1::3");
	assert_int_equal(dev.peers[1].endpoint_port, 51822);
	assert_int_equal(dev.peers[1].last_handshake_sec, 0);
	assert_true(dev.peers[1].tx_bytes == UINT64_MAX);
	assert_int_equal(dev.peers[1].n_allowed, 0);
	assert_null(dev.peers[1].allowed);
	wg_device_info_free(&dev);
}

/*
 * linux/wireguard.h: a peer whose AllowedIPs do not fit continues in the
 * next message with only its key and more AllowedIPs; later messages carry
 * only the device name and more peers.
 */
static void split_over_messages(void **state)
{
	struct wg_device_info dev = {0};
	struct nlattr *peers, *p, *ips;
	struct nlmsghdr *m[3];
	char s[512];
	size_t i;

	(void)state;
	m[0] = msg_start(buf[0]);
	put_device_head(m[0]);
	peers = nest(m[0], WGDEVICE_A_PEERS);
	p = nest(m[0], 0);
	put_key(m[0], WGPEER_A_PUBLIC_KEY, KEY_P0);
	put_endpoint4(m[0], "192.0.2.2", 51821);
	put_peer_stats(m[0], 100, 1, 2, 25);
	ips = nest(m[0], WGPEER_A_ALLOWEDIPS);
	put_allowed(m[0], "10.0.0.0", 24);
	mnl_attr_nest_end(m[0], ips);
	mnl_attr_nest_end(m[0], p);
	mnl_attr_nest_end(m[0], peers);

	m[1] = msg_start(buf[1]);
	mnl_attr_put_strz(m[1], WGDEVICE_A_IFNAME, "wg0");
	peers = nest(m[1], WGDEVICE_A_PEERS);
	p = nest(m[1], 0);
	put_key(m[1], WGPEER_A_PUBLIC_KEY, KEY_P0);
	ips = nest(m[1], WGPEER_A_ALLOWEDIPS);
	put_allowed(m[1], "10.0.1.0", 24);
	put_allowed(m[1], "2001:db8:a::", 48);
	mnl_attr_nest_end(m[1], ips);
	mnl_attr_nest_end(m[1], p);
	p = nest(m[1], 0);
	put_key(m[1], WGPEER_A_PUBLIC_KEY, KEY_P1);
	put_peer_stats(m[1], 0, 0, 0, 0);
	ips = nest(m[1], WGPEER_A_ALLOWEDIPS);
	put_allowed(m[1], "10.1.0.0", 16);
	mnl_attr_nest_end(m[1], ips);
	mnl_attr_nest_end(m[1], p);
	mnl_attr_nest_end(m[1], peers);

	m[2] = msg_start(buf[2]);
	mnl_attr_put_strz(m[2], WGDEVICE_A_IFNAME, "wg0");
	peers = nest(m[2], WGDEVICE_A_PEERS);
	p = nest(m[2], 0);
	put_key(m[2], WGPEER_A_PUBLIC_KEY, KEY_P1);
	ips = nest(m[2], WGPEER_A_ALLOWEDIPS);
	put_allowed(m[2], "10.2.0.0", 16);
	mnl_attr_nest_end(m[2], ips);
	mnl_attr_nest_end(m[2], p);
	p = nest(m[2], 0);
	put_key(m[2], WGPEER_A_PUBLIC_KEY, KEY_P2);
	put_endpoint6(m[2], "2001:db8::9", 9);
	mnl_attr_nest_end(m[2], p);
	mnl_attr_nest_end(m[2], peers);

	for (i = 0; i < 3; i++)
		assert_int_equal(wg_netlink_parse_msg(m[i], &dev), 0);
	/* Continuation messages do not reset what the first one said. */
	assert_int_equal(dev.listen_port, 51820);
	assert_string_equal(dev.pubkey_b64, KEY_DEV);
	assert_int_equal(dev.n_peers, 3);
	assert_string_equal(dev.peers[0].pubkey_b64, KEY_P0);
	assert_string_equal(allowed_str(&dev.peers[0], s, sizeof(s)),
			    "10.0.0.0/24,10.0.1.0/24,2001:db8:a::/48");
	assert_true(dev.peers[0].has_endpoint);
	assert_int_equal(dev.peers[0].endpoint_port, 51821);
	assert_int_equal(dev.peers[0].last_handshake_sec, 100);
	assert_int_equal(dev.peers[0].keepalive, 25);
	assert_string_equal(dev.peers[1].pubkey_b64, KEY_P1);
	assert_string_equal(allowed_str(&dev.peers[1], s, sizeof(s)),
			    "10.1.0.0/16,10.2.0.0/16");
	assert_false(dev.peers[1].has_endpoint);
	assert_string_equal(dev.peers[2].pubkey_b64, KEY_P2);
	assert_int_equal(dev.peers[2].n_allowed, 0);
	assert_int_equal(dev.peers[2].endpoint_port, 9);
	wg_device_info_free(&dev);
}

/* The same key apart (not adjacent) stays two entries, as in wg(8). */
static void only_adjacent_peers_merge(void **state)
{
	struct wg_device_info dev = {0};
	struct nlattr *peers, *p;
	struct nlmsghdr *nlh;
	const char *keys[] = {KEY_P0, KEY_P1, KEY_P0};
	size_t i;

	(void)state;
	nlh = msg_start(buf[0]);
	peers = nest(nlh, WGDEVICE_A_PEERS);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		p = nest(nlh, 0);
		put_key(nlh, WGPEER_A_PUBLIC_KEY, keys[i]);
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wg_netlink_parse_msg(nlh, &dev), 0);
	assert_int_equal(dev.n_peers, 3);
	wg_device_info_free(&dev);
}

enum bad_kind {
	BAD_PEER_NO_KEY,
	BAD_PEER_SHORT_KEY,
	BAD_DEV_SHORT_KEY,
	BAD_CIDR,
	BAD_IPADDR_SHORT,
	BAD_NO_CIDR,
	BAD_PORT_SIZE,
	BAD_ENDPOINT_SHORT,
	BAD_HANDSHAKE_SIZE,
	BAD_RX_SIZE,
	BAD_MAX
};

static struct nlmsghdr *bad_message(enum bad_kind k)
{
	struct nlmsghdr *nlh = msg_start(buf[0]);
	struct nlattr *peers, *p, *ips, *ip;
	uint8_t raw[WG_KEY_LEN_RAW] = {1};
	struct sockaddr_in s4 = {.sin_family = AF_INET};

	if (k == BAD_DEV_SHORT_KEY)
		mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, 31, raw);
	if (k == BAD_PORT_SIZE)
		mnl_attr_put_u32(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	peers = nest(nlh, WGDEVICE_A_PEERS);
	p = nest(nlh, 0);
	if (k == BAD_PEER_SHORT_KEY)
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 16, raw);
	else if (k != BAD_PEER_NO_KEY)
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, sizeof(raw), raw);
	if (k == BAD_ENDPOINT_SHORT)
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, 8, &s4);
	if (k == BAD_HANDSHAKE_SIZE)
		mnl_attr_put_u64(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, 1);
	if (k == BAD_RX_SIZE)
		mnl_attr_put_u32(nlh, WGPEER_A_RX_BYTES, 1);
	ips = nest(nlh, WGPEER_A_ALLOWEDIPS);
	ip = nest(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, k == BAD_IPADDR_SHORT ? 3 : 4,
		     raw);
	if (k != BAD_NO_CIDR)
		mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK,
				k == BAD_CIDR ? 33 : 32);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);
	return nlh;
}

static void malformed_messages(void **state)
{
	struct wg_device_info dev = {0};
	struct nlmsghdr *nlh;
	int k;

	(void)state;
	/* The well-formed variant first, so each failure below is its own. */
	nlh = bad_message(BAD_MAX);
	assert_int_equal(wg_netlink_parse_msg(nlh, &dev), 0);
	assert_int_equal(dev.n_peers, 1);
	assert_int_equal(dev.peers[0].n_allowed, 1);
	wg_device_info_free(&dev);
	for (k = 0; k < BAD_MAX; k++) {
		nlh = bad_message(k);
		if (wg_netlink_parse_msg(nlh, &dev) != -EPROTO)
			fail_msg("malformed message %d accepted", k);
		wg_device_info_free(&dev);
	}
	/* Shorter than the generic netlink header. */
	nlh = mnl_nlmsg_put_header(buf[0]);
	assert_int_equal(wg_netlink_parse_msg(nlh, &dev), -EPROTO);
}

/* Families and endpoints the parser does not know are left out. */
static void unknown_families_skipped(void **state)
{
	struct wg_device_info dev = {0};
	struct nlattr *peers, *p, *ips, *ip;
	struct sockaddr_in unspec = {.sin_family = AF_UNSPEC};
	uint8_t raw[16] = {0};
	struct nlmsghdr *nlh;

	(void)state;
	nlh = msg_start(buf[0]);
	peers = nest(nlh, WGDEVICE_A_PEERS);
	p = nest(nlh, 0);
	put_key(nlh, WGPEER_A_PUBLIC_KEY, KEY_P0);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(unspec), &unspec);
	ips = nest(nlh, WGPEER_A_ALLOWEDIPS);
	ip = nest(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, 99);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, sizeof(raw), raw);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 8);
	mnl_attr_nest_end(nlh, ip);
	put_allowed(nlh, "0.0.0.0", 0);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wg_netlink_parse_msg(nlh, &dev), 0);
	assert_int_equal(dev.n_peers, 1);
	assert_false(dev.peers[0].has_endpoint);
	assert_int_equal(dev.peers[0].n_allowed, 1);
	assert_int_equal(dev.peers[0].allowed[0].len, 0);
	wg_device_info_free(&dev);
}

/* Links that are no WireGuard are never asked (no I/O for these kinds). */
static void inventory_skips_other_links(void **state)
{
	struct inv_link links[] = {
	    {.ifindex = 1, .name = "lo", .kind = ""},
	    {.ifindex = 2, .name = "eth0", .kind = "veth"},
	    {.ifindex = 3, .name = "br0", .kind = "bridge"},
	};
	struct inventory inv = {.links = links, .n_links = ARRAY_SIZE(links)};

	(void)state;
	assert_int_equal(wg_inventory_load(&inv, NULL), 0);
	assert_int_equal(inv.n_wg, 0);
	assert_null(inv.wg);
	assert_int_equal(wg_inventory_load(&inv, "eth0"), -ENODEV);
	assert_int_equal(wg_inventory_load(&inv, "wg9"), -ENODEV);
	assert_int_equal(inv.n_wg, 0);
	wg_inventory_free(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_message),
	    cmocka_unit_test(split_over_messages),
	    cmocka_unit_test(only_adjacent_peers_merge),
	    cmocka_unit_test(malformed_messages),
	    cmocka_unit_test(unknown_families_skipped),
	    cmocka_unit_test(inventory_skips_other_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
