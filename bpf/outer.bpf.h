/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Outer WireGuard packets fragmented on the underlay. WireGuard sends its
 * UDP packets with DF clear, so an underlay MTU below the tunnel's MTU plus
 * the encapsulation does not drop them: the kernel fragments them, which
 * costs throughput and fails on paths that drop fragments. Every IPv4 and
 * IPv6 fragmentation passes ip_do_fragment() or ip6_fragment(); the outer
 * packets among them are the UDP packets leaving a WireGuard listen port.
 */
#ifndef WGT_BPF_OUTER_H
#define WGT_BPF_OUTER_H

#include "common.bpf.h"
#include "counters.bpf.h"
#include "drop.bpf.h" /* skb_route_mtu */

/* WireGuard listen ports (network order) -> the device's ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256); /* sized from the inventory at load */
	__type(key, __u16);
	__type(value, __u32);
} wg_ports SEC(".maps");

/* sk: the sending socket, NULL for a forwarded packet (a WireGuard host
 * behind this one, on the same port, is not this gateway's tunnel). */
static __always_inline int on_fragment(const struct sock *sk,
				       const struct sk_buff *skb)
{
	struct wgt_flow f = {0};
	struct net_device *dev;
	struct wgt_event *e;
	__u32 *wg, oif = 0, mtu, len, ns;

	if (!cfg_counters || !sk || flow_from_skb_core(&f, skb) ||
	    f.proto != IPPROTO_UDP)
		return 0;
	wg = bpf_map_lookup_elem(&wg_ports, &f.sport);
	if (!wg)
		return 0;
	dev = BPF_CORE_READ(skb, dev);
	ns = dev_netns(dev);
	if (!netns_wanted(ns))
		return 0;
	len = BPF_CORE_READ(skb, len);
	mtu = skb_route_mtu(skb, &oif);
	/* Counted on the WireGuard device: its MTU is what to lower. */
	count_verdict(WGT_V_OUTER_FRAGMENTED, *wg, NULL, len);
	e = sample_reserve(WGT_V_OUTER_FRAGMENTED);
	if (!e)
		return 0;
	e->flow = f;
	e->ifindex = *wg;
	e->netns = ns;
	e->len = len;
	e->mtu = mtu;
	e->oif = oif;
	/* The outer packet, on the device it leaves by. */
	pkt_from_skb(e, skb, dev ? BPF_CORE_READ(dev, ifindex) : 0);
	event_submit(e);
	return 0;
}

#endif /* WGT_BPF_OUTER_H */
