// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink messages into inventory structs, fed with messages built by hand
 * with libmnl the way the kernel lays them out; and the sysctl reader on a
 * fake /proc/sys tree. No root, no kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <cmocka.h>

#include "base/common.h"
#include "config/nl_route.h"
#include "config/sysctl.h"

static union {
	struct nlmsghdr h;
	char b[8192];
} msgbuf;

/* A message of `type` with a zeroed family header of hdrlen bytes. */
static struct nlmsghdr *msg_new(uint16_t type, size_t hdrlen, void **hdr)
{
	struct nlmsghdr *nlh;

	memset(&msgbuf, 0, sizeof(msgbuf));
	nlh = mnl_nlmsg_put_header(msgbuf.b);
	nlh->nlmsg_type = type;
	*hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static void put_ip(struct nlmsghdr *nlh, uint16_t type, int family,
		   const char *s)
{
	uint8_t raw[16];

	assert_int_equal(inet_pton(family, s, raw), 1);
	mnl_attr_put(nlh, type, family == AF_INET ? 4 : 16, raw);
}

static void assert_addr(const struct wgt_addr *a, const char *want)
{
	char buf[WGT_ADDR_STRLEN];

	assert_string_equal(addr_fmt(a, buf, sizeof(buf)), want);
}

static void assert_prefix(const struct wgt_prefix *p, const char *want)
{
	char buf[WGT_PREFIX_STRLEN];

	assert_string_equal(prefix_fmt(p, buf, sizeof(buf)), want);
}

/* --- links -------------------------------------------------------------- */

static void link_wireguard(void **state)
{
	struct rtnl_link_stats64 st = {0};
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh =
	    msg_new(RTM_NEWLINK, sizeof(*ifi), (void **)&ifi);
	struct nlattr *nest;
	struct inv_link l;

	(void)state;
	ifi->ifi_index = 7;
	ifi->ifi_flags = IFF_UP | IFF_POINTOPOINT;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "wg0");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1420);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, nest);
	st.rx_errors = 3;
	st.tx_errors = 5;
	st.rx_frame_errors = 2;
	mnl_attr_put(nlh, IFLA_STATS64, sizeof(st), &st);

	assert_int_equal(nl_parse_link(nlh, &l), 0);
	assert_int_equal(l.ifindex, 7);
	assert_string_equal(l.name, "wg0");
	assert_string_equal(l.kind, "wireguard");
	assert_int_equal(l.mtu, 1420);
	assert_true(l.up);
	assert_int_equal(l.rx_errors, 3);
	assert_int_equal(l.tx_errors, 5);
	assert_int_equal(l.rx_frame_errors, 2);
	/* Not read from netlink: unknown until the sysctls are loaded. */
	assert_int_equal(l.forwarding4, -1);
	assert_int_equal(l.rp_filter, -1);
}

static void link_plain_down_short_stats(void **state)
{
	struct rtnl_link_stats64 st = {0};
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh =
	    msg_new(RTM_NEWLINK, sizeof(*ifi), (void **)&ifi);
	struct inv_link l;

	(void)state;
	ifi->ifi_index = 2;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	st.rx_frame_errors = 9;
	/* An older, shorter struct: only what was sent is taken. */
	mnl_attr_put(nlh, IFLA_STATS64,
		     offsetof(struct rtnl_link_stats64, rx_frame_errors) + 8,
		     &st);
	/* An attribute id newer than our headers is skipped. */
	mnl_attr_put_u32(nlh, IFLA_MAX + 3, 1);

	assert_int_equal(nl_parse_link(nlh, &l), 0);
	assert_string_equal(l.name, "eth0");
	assert_string_equal(l.kind, "");
	assert_false(l.up);
	assert_int_equal(l.rx_frame_errors, 9);
}

static void link_malformed(void **state)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh =
	    msg_new(RTM_NEWLINK, sizeof(*ifi), (void **)&ifi);
	struct inv_link l;
	uint16_t short_mtu = 1500;

	(void)state;
	/* No name. */
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* A u32 attribute two bytes long. */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put(nlh, IFLA_MTU, sizeof(short_mtu), &short_mtu);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
	/* Shorter than its own header. */
	nlh = msg_new(RTM_NEWLINK, 0, (void **)&ifi);
	assert_int_equal(nl_parse_link(nlh, &l), -EINVAL);
}

/* --- addresses ---------------------------------------------------------- */

static void addr_v4_peer(void **state)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh =
	    msg_new(RTM_NEWADDR, sizeof(*ifa), (void **)&ifa);
	struct inv_addr a;

	(void)state;
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = 5;
	put_ip(nlh, IFA_ADDRESS, AF_INET, "10.0.0.2");
	put_ip(nlh, IFA_LOCAL, AF_INET, "10.0.0.1");

	assert_int_equal(nl_parse_addr(nlh, &a), 0);
	assert_int_equal(a.ifindex, 5);
	assert_addr(&a.local, "10.0.0.1");
	assert_prefix(&a.pfx, "10.0.0.2/32");
}

static void addr_v6_and_other_family(void **state)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh =
	    msg_new(RTM_NEWADDR, sizeof(*ifa), (void **)&ifa);
	struct inv_addr a;

	(void)state;
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = 64;
	ifa->ifa_index = 3;
	put_ip(nlh, IFA_ADDRESS, AF_INET6, "2001:db8::5");
	assert_int_equal(nl_parse_addr(nlh, &a), 0);
	assert_addr(&a.local, "2001:db8::5");
	assert_prefix(&a.pfx, "2001:db8::/64");

	ifa->ifa_family = AF_PACKET;
	assert_int_equal(nl_parse_addr(nlh, &a), -EAFNOSUPPORT);
}

/* --- routes ------------------------------------------------------------- */

static struct nlmsghdr *route_msg(uint8_t family, uint8_t dst_len,
				  uint8_t table, struct rtmsg **rtmp)
{
	struct rtmsg *rtm;
	struct nlmsghdr *nlh =
	    msg_new(RTM_NEWROUTE, sizeof(*rtm), (void **)&rtm);

	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	if (rtmp)
		*rtmp = rtm;
	return nlh;
}

static void route_table_above_255(void **state)
{
	struct nlmsghdr *nlh = route_msg(AF_INET, 16, RT_TABLE_COMPAT, NULL);
	struct inv_route r;

	(void)state;
	/* The kernel's layout: rtm_table says COMPAT, RTA_TABLE the truth. */
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	put_ip(nlh, RTA_DST, AF_INET, "10.20.0.0");
	put_ip(nlh, RTA_GATEWAY, AF_INET, "10.10.0.2");
	put_ip(nlh, RTA_PREFSRC, AF_INET, "10.10.0.1");
	mnl_attr_put_u32(nlh, RTA_OIF, 4);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 5);

	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.table, 1000);
	assert_int_equal(r.type, RTN_UNICAST);
	assert_int_equal(r.protocol, RTPROT_STATIC);
	assert_prefix(&r.dst, "10.20.0.0/16");
	assert_addr(&r.gateway, "10.10.0.2");
	assert_addr(&r.prefsrc, "10.10.0.1");
	assert_int_equal(r.oif, 4);
	assert_int_equal(r.metric, 5);
}

static void route_table_from_header(void **state)
{
	struct nlmsghdr *nlh = route_msg(AF_INET, 24, 100, NULL);
	struct inv_route r;

	(void)state;
	/* Host bits in RTA_DST are cleared, as wgt_prefix promises. */
	put_ip(nlh, RTA_DST, AF_INET, "10.30.1.7");
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.table, 100);
	assert_prefix(&r.dst, "10.30.1.0/24");
	assert_int_equal(r.gateway.family, 0);
	assert_int_equal(r.prefsrc.family, 0);
	assert_int_equal(r.oif, 0);
}

static void route_default_blackhole_v6(void **state)
{
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = route_msg(AF_INET6, 0, RT_TABLE_MAIN, &rtm);
	struct inv_route r;

	(void)state;
	rtm->rtm_type = RTN_BLACKHOLE;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.type, RTN_BLACKHOLE);
	assert_int_equal(r.dst.addr.family, AF_INET6);
	assert_int_equal(r.dst.len, 0);
	assert_prefix(&r.dst, "::/0");
}

static void route_via_ipv6_gateway(void **state)
{
	struct nlmsghdr *nlh = route_msg(AF_INET, 0, RT_TABLE_MAIN, NULL);
	uint8_t via[sizeof(struct rtvia) + 16];
	struct rtvia *v = (struct rtvia *)via;
	struct inv_route r;

	(void)state;
	v->rtvia_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "fe80::1", v->rtvia_addr), 1);
	mnl_attr_put(nlh, RTA_VIA, sizeof(via), via);
	mnl_attr_put_u32(nlh, RTA_OIF, 2);
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.gateway.family, AF_INET6);
	assert_addr(&r.gateway, "fe80::1");
}

/* One rtnexthop with its RTA_GATEWAY, as the kernel nests them. */
static size_t put_nexthop(uint8_t *p, int ifindex, const char *gw)
{
	struct rtnexthop *nh = (struct rtnexthop *)p;
	struct nlattr *a = (struct nlattr *)(p + RTNH_LENGTH(0));

	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = ifindex;
	a->nla_type = RTA_GATEWAY;
	a->nla_len = MNL_ATTR_HDRLEN + 4;
	assert_int_equal(inet_pton(AF_INET, gw, (uint8_t *)a + MNL_ATTR_HDRLEN),
			 1);
	nh->rtnh_len = RTNH_LENGTH(MNL_ALIGN(a->nla_len));
	return nh->rtnh_len;
}

static void route_multipath_first_nexthop(void **state)
{
	struct nlmsghdr *nlh = route_msg(AF_INET, 16, RT_TABLE_MAIN, NULL);
	uint8_t mp[64] = {0};
	size_t len = 0;
	struct inv_route r;

	(void)state;
	len += put_nexthop(mp + len, 3, "10.10.0.2");
	len += put_nexthop(mp + len, 4, "10.10.0.3");
	put_ip(nlh, RTA_DST, AF_INET, "10.70.0.0");
	mnl_attr_put(nlh, RTA_MULTIPATH, len, mp);
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.oif, 3);
	assert_addr(&r.gateway, "10.10.0.2");

	/* A next hop claiming more bytes than the attribute holds. */
	((struct rtnexthop *)mp)->rtnh_len = 200;
	nlh = route_msg(AF_INET, 16, RT_TABLE_MAIN, NULL);
	mnl_attr_put(nlh, RTA_MULTIPATH, len, mp);
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
}

static void route_malformed(void **state)
{
	struct nlmsghdr *nlh = route_msg(AF_INET, 40, RT_TABLE_MAIN, NULL);
	struct rtmsg *rtm;
	struct inv_route r;
	uint16_t short_table = 1000;

	(void)state;
	/* /40 in IPv4. */
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
	/* An IPv6-sized destination in an IPv4 route. */
	nlh = route_msg(AF_INET, 16, RT_TABLE_MAIN, NULL);
	put_ip(nlh, RTA_DST, AF_INET6, "2001:db8::");
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
	/* A short RTA_TABLE. */
	nlh = route_msg(AF_INET, 0, RT_TABLE_COMPAT, NULL);
	mnl_attr_put(nlh, RTA_TABLE, sizeof(short_table), &short_table);
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
	/* Not a family the inventory keeps (MPLS). */
	nlh = route_msg(AF_MPLS, 0, RT_TABLE_MAIN, &rtm);
	assert_int_equal(nl_parse_route(nlh, &r), -EAFNOSUPPORT);
}

/* --- rules -------------------------------------------------------------- */

static struct nlmsghdr *rule_msg(uint8_t family, struct fib_rule_hdr **frhp)
{
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh =
	    msg_new(RTM_NEWRULE, sizeof(*frh), (void **)&frh);

	frh->family = family;
	frh->action = FR_ACT_TO_TBL;
	*frhp = frh;
	return nlh;
}

static void rule_not_fwmark_big_table(void **state)
{
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh = rule_msg(AF_INET, &frh);
	struct inv_rule r;

	(void)state;
	/* What `ip rule add not fwmark 0xca6c table 51820 pref 200` reads back.
	 */
	frh->flags = FIB_RULE_INVERT;
	frh->table = RT_TABLE_COMPAT;
	mnl_attr_put_u32(nlh, FRA_TABLE, 51820);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, 200);
	mnl_attr_put_u32(nlh, FRA_FWMARK, 0xca6c);
	mnl_attr_put_u32(nlh, FRA_FWMASK, 0xffffffff);
	mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 0xffffffff);

	assert_int_equal(nl_parse_rule(nlh, &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_true(r.invert);
	assert_int_equal(r.table, 51820);
	assert_int_equal(r.priority, 200);
	assert_true(r.has_fwmark);
	assert_int_equal(r.fwmark, 0xca6c);
	assert_int_equal(r.fwmask, 0xffffffff);
	assert_int_equal(r.action, FR_ACT_TO_TBL);
	assert_int_equal(r.suppress_prefixlen, -1);
	assert_int_equal(r.src.addr.family, 0);
	assert_int_equal(r.dst.addr.family, 0);
}

static void rule_suppress_prefixlength(void **state)
{
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh = rule_msg(AF_INET6, &frh);
	struct inv_rule r;

	(void)state;
	/* `lookup main suppress_prefixlength 0`, priority 0 (no attribute). */
	frh->table = RT_TABLE_MAIN;
	mnl_attr_put_u32(nlh, FRA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 0);
	assert_int_equal(nl_parse_rule(nlh, &r), 0);
	assert_int_equal(r.suppress_prefixlen, 0);
	assert_int_equal(r.priority, 0);
	assert_false(r.has_fwmark);
	assert_false(r.invert);

	/* Absent (older kernels): not set either. */
	nlh = rule_msg(AF_INET, &frh);
	frh->table = 100;
	assert_int_equal(nl_parse_rule(nlh, &r), 0);
	assert_int_equal(r.suppress_prefixlen, -1);
	assert_int_equal(r.table, 100);
}

static void rule_selectors(void **state)
{
	struct fib_rule_port_range dport = {443, 443}, sport = {1000, 2000};
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh = rule_msg(AF_INET, &frh);
	struct inv_rule r;

	(void)state;
	frh->src_len = 8;
	frh->dst_len = 24;
	frh->action = FR_ACT_BLACKHOLE;
	put_ip(nlh, FRA_SRC, AF_INET, "10.0.0.0");
	put_ip(nlh, FRA_DST, AF_INET, "192.168.7.0");
	mnl_attr_put_strz(nlh, FRA_IIFNAME, "wg0");
	mnl_attr_put_strz(nlh, FRA_OIFNAME, "eth0");
	/* `fwmark 0/0xff`: mark 0 is a real match, only the mask is sent. */
	mnl_attr_put_u32(nlh, FRA_FWMASK, 0xff);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, 10);

	assert_int_equal(nl_parse_rule(nlh, &r), 0);
	assert_int_equal(r.action, FR_ACT_BLACKHOLE);
	assert_prefix(&r.src, "10.0.0.0/8");
	assert_prefix(&r.dst, "192.168.7.0/24");
	assert_string_equal(r.iif, "wg0");
	assert_string_equal(r.oif, "eth0");
	assert_true(r.has_fwmark);
	assert_int_equal(r.fwmark, 0);
	assert_int_equal(r.fwmask, 0xff);

	/* `ipproto tcp dport 443 sport 1000-2000`: ranges in host order. */
	nlh = rule_msg(AF_INET6, &frh);
	mnl_attr_put_u8(nlh, FRA_IP_PROTO, IPPROTO_TCP);
	mnl_attr_put(nlh, FRA_DPORT_RANGE, sizeof(dport), &dport);
	mnl_attr_put(nlh, FRA_SPORT_RANGE, sizeof(sport), &sport);
	assert_int_equal(nl_parse_rule(nlh, &r), 0);
	assert_int_equal(r.ip_proto, IPPROTO_TCP);
	assert_int_equal(r.dport_min, 443);
	assert_int_equal(r.dport_max, 443);
	assert_int_equal(r.sport_min, 1000);
	assert_int_equal(r.sport_max, 2000);
	/* A range attribute of the wrong size. */
	nlh = rule_msg(AF_INET, &frh);
	mnl_attr_put_u16(nlh, FRA_DPORT_RANGE, 443);
	assert_int_equal(nl_parse_rule(nlh, &r), -EINVAL);

	/* An interface name longer than IFNAMSIZ allows. */
	nlh = rule_msg(AF_INET, &frh);
	mnl_attr_put_strz(nlh, FRA_IIFNAME, "a-name-far-too-long");
	assert_int_equal(nl_parse_rule(nlh, &r), -EINVAL);
}

static void rules_sorted_stably(void **state)
{
	struct inv_rule r[6] = {0};
	static const uint32_t prio[] = {0, 200, 32766, 0, 100, 32766};
	size_t i;

	(void)state;
	/* Two kernel dumps back to back: IPv4 then IPv6. */
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		r[i].priority = prio[i];
		r[i].family = i < 3 ? AF_INET : AF_INET6;
		r[i].table = i; /* remembers where it came from */
	}
	nl_rules_sort(r, ARRAY_SIZE(r));
	assert_int_equal(r[0].table, 0);
	assert_int_equal(r[1].table, 3);
	assert_int_equal(r[2].table, 4);
	assert_int_equal(r[3].table, 1);
	assert_int_equal(r[4].table, 2);
	assert_int_equal(r[5].table, 5);
	nl_rules_sort(r, 0);
}

static void names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(nl_table_name(RT_TABLE_MAIN, buf, sizeof(buf)),
			    "main");
	assert_string_equal(nl_table_name(RT_TABLE_LOCAL, buf, sizeof(buf)),
			    "local");
	assert_string_equal(nl_table_name(1000, buf, sizeof(buf)), "1000");
	assert_string_equal(nl_route_type_name(RTN_BLACKHOLE), "blackhole");
	assert_null(nl_route_type_name(200));
	assert_string_equal(nl_route_proto_name(RTPROT_BOOT), "boot");
	assert_null(nl_route_proto_name(77));
	assert_string_equal(nl_route_scope_name(RT_SCOPE_LINK), "link");
	assert_string_equal(nl_rule_action_name(FR_ACT_TO_TBL), "lookup");
}

/* --- sysctls on a fake /proc/sys ----------------------------------------- */

static char fake_root[64];

static void fake_write(const char *path, const char *val)
{
	char full[256], dir[256], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", fake_root, path);
	snprintf(dir, sizeof(dir), "%s", full);
	/* mkdir -p of the parent. */
	for (slash = dir + strlen(fake_root) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(val, f);
	fclose(f);
}

static int fake_setup(void **state)
{
	(void)state;
	snprintf(fake_root, sizeof(fake_root), "/tmp/wgt-sysctl-XXXXXX");
	if (!mkdtemp(fake_root))
		return -1;
	/* IPv6 "disabled": no net/ipv6 at all. */
	fake_write("net/ipv4/ip_forward", "1\n");
	fake_write("net/ipv4/conf/all/rp_filter", "1\n");
	fake_write("net/ipv4/conf/all/src_valid_mark", "0\n");
	fake_write("net/ipv4/conf/eth0/forwarding", "1\n");
	fake_write("net/ipv4/conf/eth0/rp_filter", "2\n");
	fake_write("net/ipv4/conf/eth0/src_valid_mark", "1\n");
	fake_write("net/ipv4/conf/wg0/forwarding", "0\n");
	fake_write("net/ipv4/conf/wg0/rp_filter", "0\n");
	fake_write("net/ipv4/conf/wg0/src_valid_mark", "0\n");
	fake_write("net/ipv4/conf/bad/rp_filter", "strict\n");
	return 0;
}

static int fake_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_root);
	return system(cmd) ? -1 : 0;
}

static void sysctl_effective_values(void **state)
{
	struct inv_link links[4] = {0};
	struct inventory inv = {.links = links, .n_links = ARRAY_SIZE(links)};

	(void)state;
	strcpy(links[0].name, "eth0");
	strcpy(links[1].name, "wg0");
	strcpy(links[2].name, "nosuch");
	strcpy(links[3].name, "bad");
	sysctl_load(&inv, fake_root);

	assert_int_equal(inv.ip_forward, 1);
	assert_int_equal(inv.ip6_forward, -1);
	/* max(all=1, eth0=2) and all=0 || eth0=1 */
	assert_int_equal(links[0].forwarding4, 1);
	assert_int_equal(links[0].forwarding6, -1);
	assert_int_equal(links[0].rp_filter, 2);
	assert_int_equal(links[0].src_valid_mark, 1);
	/* max(all=1, wg0=0): "all" wins, the classic surprise. */
	assert_int_equal(links[1].forwarding4, 0);
	assert_int_equal(links[1].rp_filter, 1);
	assert_int_equal(links[1].src_valid_mark, 0);
	/* No conf directory: unknown, not 0. */
	assert_int_equal(links[2].forwarding4, -1);
	assert_int_equal(links[2].rp_filter, -1);
	assert_int_equal(links[2].src_valid_mark, -1);
	/* A value that is not a number reads as unknown. */
	assert_int_equal(links[3].rp_filter, -1);
}

static void sysctl_read_errors(void **state)
{
	int v = 42;

	(void)state;
	assert_int_equal(sysctl_read_int(fake_root, "net/ipv4/ip_forward", &v),
			 0);
	assert_int_equal(v, 1);
	assert_int_equal(
	    sysctl_read_int(fake_root, "net/ipv6/conf/all/forwarding", &v),
	    -ENOENT);
	assert_int_equal(
	    sysctl_read_int(fake_root, "net/ipv4/conf/bad/rp_filter", &v),
	    -EINVAL);
	assert_int_equal(v, 1);
	assert_int_equal(sysctl_rp_filter_effective(2, 0), 2);
	assert_int_equal(sysctl_rp_filter_effective(-1, 1), 1);
	assert_int_equal(sysctl_src_valid_mark_effective(1, 0), 1);
	assert_int_equal(sysctl_src_valid_mark_effective(0, -1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(link_wireguard),
	    cmocka_unit_test(link_plain_down_short_stats),
	    cmocka_unit_test(link_malformed),
	    cmocka_unit_test(addr_v4_peer),
	    cmocka_unit_test(addr_v6_and_other_family),
	    cmocka_unit_test(route_table_above_255),
	    cmocka_unit_test(route_table_from_header),
	    cmocka_unit_test(route_default_blackhole_v6),
	    cmocka_unit_test(route_via_ipv6_gateway),
	    cmocka_unit_test(route_multipath_first_nexthop),
	    cmocka_unit_test(route_malformed),
	    cmocka_unit_test(rule_not_fwmark_big_table),
	    cmocka_unit_test(rule_suppress_prefixlength),
	    cmocka_unit_test(rule_selectors),
	    cmocka_unit_test(rules_sorted_stably),
	    cmocka_unit_test(names),
	    cmocka_unit_test_setup_teardown(sysctl_effective_values, fake_setup,
					    fake_teardown),
	    cmocka_unit_test_setup_teardown(sysctl_read_errors, fake_setup,
					    fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
