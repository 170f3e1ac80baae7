/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where packets die: kfree_skb with the kernel's drop reason, and the ICMP
 * errors the kernel sends about a packet (frag-needed, unreachable).
 * WireGuard's own drops are consume_skb and never arrive here (see wg.h).
 */
#ifndef WGT_BPF_DROP_H
#define WGT_BPF_DROP_H

#include "common.bpf.h"
#include "counters.bpf.h"

/* MTU and device of the route the packet was given (forwarding: egress). */
static __always_inline __u32 skb_route_mtu(const struct sk_buff *skb,
					   __u32 *oif)
{
	struct dst_entry *dst;

	dst = (struct dst_entry *)(BPF_CORE_READ(skb, _skb_refdst) & ~1UL);
	if (!dst)
		return 0;
	*oif = BPF_CORE_READ(dst, dev, ifindex);
	return BPF_CORE_READ(dst, dev, mtu);
}

static __always_inline void count_drop(const struct sk_buff *skb,
				       struct net_device *dev, __u64 location,
				       __u32 reason)
{
	__u32 ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	__u32 len = BPF_CORE_READ(skb, len), verdict, mtu = 0, oif = 0;
	bool kernel;
	struct wgt_event *e;

	if (reason == cfg_reason_rpfilter) {
		verdict = WGT_V_RPF_DROP;
	} else if (reason == cfg_reason_too_big) {
		verdict = WGT_V_MTU_DROP;
		/*
		 * The device with the small MTU, for both families: IPv4
		 * drops with skb->dev still the ingress, IPv6 with the egress.
		 */
		mtu = skb_route_mtu(skb, &oif);
		if (oif)
			ifindex = oif;
	} else {
		verdict = WGT_V_KERNEL_REASON + reason;
	}
	kernel = verdict >= WGT_V_KERNEL_REASON;
	/* Kernel reasons keep their call site: it tells apart drops of one
	 * reason (ip_error for forwarding off, for instance). */
	count_at(verdict, ifindex, NULL, len, kernel ? location : 0);
	/* Kernel reasons share one sample slot (WGT_V_NONE). */
	e = sample_reserve(kernel ? WGT_V_NONE : verdict);
	if (!e)
		return;
	e->verdict = verdict;
	flow_from_skb(&e->flow, skb);
	e->ifindex = ifindex;
	e->netns = dev_netns(dev);
	e->len = len;
	e->reason = reason;
	e->location = location;
	e->mark = BPF_CORE_READ(skb, mark);
	e->mtu = mtu;
	e->oif = oif;
	/* watch --pcap: the dropped packet, as the kernel last held it. */
	pkt_from_skb(e, skb, ifindex);
	event_submit(e);
}

static __always_inline int on_kfree_skb(const struct sk_buff *skb,
					__u64 location, __u32 reason)
{
	struct wgt_flow f = {0};
	struct net_device *dev;
	struct wgt_event *e;
	__u32 ns;

	dev = skb->dev;
	ns = skb_netns(skb, dev);
	if (!netns_wanted(ns))
		return 0;
	/* Counters are exact per namespace: a drop whose namespace cannot
	 * be told (no device, no socket) is not counted for a namespace. */
	if (cfg_counters && (ns || !cfg_netns))
		count_drop(skb, dev, location, reason);
	if (!cfg_trace || flow_from_skb(&f, skb) || !flow_role(&f))
		return 0;
	e = event_reserve(WGT_EV_DROP);
	if (!e)
		return 0;
	e->flow = f;
	e->reason = reason;
	e->location = location;
	e->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	e->netns = dev_netns(dev);
	e->len = BPF_CORE_READ(skb, len);
	e->mark = BPF_CORE_READ(skb, mark);
	/* The packet at its drop point, as the kernel last held it. */
	pkt_from_skb(e, skb, e->ifindex);
	event_submit(e);
	return 0;
}

/*
 * Count frag-needed sent about a packet as mtu_drop where no PKT_TOO_BIG
 * drop reason does (kernels before 5.19): the loader sets this then.
 */
const volatile __u32 cfg_mtu_by_icmp = 0;

#define WGT_ICMP_DEST_UNREACH 3
#define WGT_ICMP_FRAG_NEEDED 4
#define WGT_ICMPV6_PKT_TOOBIG 2

/* An ICMP error the kernel sends about skb: counted, traced, or both. */
static __always_inline int icmp_error(const struct sk_buff *skb, int type,
				      int code, bool count)
{
	struct wgt_flow f = {0};
	struct net_device *dev;
	struct wgt_event *e;
	__u32 ns, mtu, oif = 0, len;

	dev = BPF_CORE_READ(skb, dev);
	ns = dev_netns(dev);
	if (!netns_wanted(ns))
		return 0;
	if (flow_from_skb_core(&f, skb))
		return 0;
	len = BPF_CORE_READ(skb, len);
	mtu = skb_route_mtu(skb, &oif);
	if (count) {
		/* The device with the small MTU, as the drop reason counts;
		 * the sample carries the same key to be found again. */
		__u32 at = oif ? oif : (dev ? BPF_CORE_READ(dev, ifindex) : 0);

		count_verdict(WGT_V_MTU_DROP, at, NULL, len);
		e = sample_reserve(WGT_V_MTU_DROP);
		if (e) {
			e->flow = f;
			e->ifindex = at;
			e->netns = ns;
			e->len = len;
			e->mtu = mtu;
			e->oif = oif;
			e->mark = BPF_CORE_READ(skb, mark);
			pkt_from_skb(e, skb, at);
			event_submit(e);
		}
	}
	if (!cfg_trace || !flow_role(&f))
		return 0;
	e = event_reserve(WGT_EV_ICMP);
	if (!e)
		return 0;
	e->flow = f;
	e->reason = (type & 0xff) << 8 | (code & 0xff);
	e->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	e->netns = ns;
	e->len = len;
	e->mtu = mtu;
	e->oif = oif;
	event_submit(e);
	return 0;
}

/*
 * icmp_send(skb, type, code) (tracepoint, 6.10+ and some backports) or
 * __icmp_send(skb, type, code, info, opt) (kprobe): skb is the packet the
 * error is about. Both call this with a plain pointer: CO-RE reads only,
 * which ICMP errors (rate-limited by the kernel) can afford.
 */
static __always_inline int on_icmp_send(const struct sk_buff *skb, int type,
					int code)
{
	bool count;

	count = cfg_counters && cfg_mtu_by_icmp &&
		type == WGT_ICMP_DEST_UNREACH && code == WGT_ICMP_FRAG_NEEDED;
	if (!count && !cfg_trace)
		return 0;
	return icmp_error(skb, type, code, count);
}

/* icmp6_send(skb, type, code, ...): only packet-too-big is counted. */
static __always_inline int on_icmp6_send(const struct sk_buff *skb, int type)
{
	if (!cfg_counters || !cfg_mtu_by_icmp || type != WGT_ICMPV6_PKT_TOOBIG)
		return 0;
	return icmp_error(skb, type, 0, true);
}

#endif /* WGT_BPF_DROP_H */
