/* SPDX-License-Identifier: GPL-2.0 */
/*
 * route_bypass, live: a packet leaves by some device while its destination
 * is inside a peer's AllowedIPs on a WireGuard device. Seen as the packet
 * leaves (tcx egress, or the device queue: net_dev_queue), after every
 * routing decision, so the rules that were passed on the way
 * (suppress_prefixlength) do not fool it.
 */
#ifndef WGT_BPF_BYPASS_H
#define WGT_BPF_BYPASS_H

#include "common.bpf.h"
#include "counters.bpf.h"
#include "tc.bpf.h"

#define WGT_IFF_LOOPBACK 0x8

/*
 * Count f if its destination belongs to a peer on another device. The
 * example event is returned reserved, for the caller to add the packet's
 * bytes (watch --pcap) the way its hook reads them, and submit.
 */
static __always_inline struct wgt_event *bypass_judge(const struct wgt_flow *f,
						      __u32 ifindex, __u32 len)
{
	struct wgt_lpm_val *v;
	struct wgt_event *e;

	v = allowed_lookup(f->family, f->daddr);
	/*
	 * A /0 is a full tunnel: more specific routes outside it (the LAN,
	 * the endpoint) are by design; v6_leak covers what it misses.
	 */
	if (!v || !v->plen || v->ifindex == ifindex ||
	    is_endpoint(f->family, f->daddr))
		return NULL;
	count_verdict(WGT_V_ROUTE_BYPASS, v->ifindex, v->peer, len);
	e = sample_reserve(WGT_V_ROUTE_BYPASS);
	if (!e)
		return NULL;
	e->flow = *f;
	e->ifindex = v->ifindex;
	e->oif = ifindex;
	e->len = len;
	__builtin_memcpy(e->peer, v->peer, WGT_KEY_LEN);
	e->flags |= WGT_EVF_PEER;
	return e;
}

/* net_dev_queue: every packet of every namespace (kernels without tcx). */
static __always_inline int on_dev_queue(const struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct wgt_flow f = {0};
	struct wgt_event *e;

	/* Every packet of every namespace passes here: leave early. */
	if (!cfg_counters || !dev || !netns_wanted(dev_netns_btf(dev)))
		return 0;
	if (dev->flags & WGT_IFF_LOOPBACK)
		return 0;
	if (flow_from_skb(&f, skb))
		return 0;
	e = bypass_judge(&f, dev->ifindex, skb->len);
	if (e) {
		pkt_from_skb(e, skb, dev->ifindex);
		event_submit(e);
	}
	return 0;
}

/*
 * Where a leaving packet's destination starts, by direct packet access:
 * after an Ethernet header or at the start (a device without one), NULL
 * when the headers are not in the linear part (the caller then parses the
 * slow way, tc_parse()). hlen: the IP header's fixed length.
 */
static __always_inline const __u8 *tc_l3(const struct __sk_buff *skb,
					 __u16 proto, __u8 version, __u32 hlen)
{
	const __u8 *p = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;

	if (p + WGT_ETH_HLEN + hlen > end)
		return NULL;
	if (*(const __u16 *)(p + 12) == proto &&
	    p[WGT_ETH_HLEN] >> 4 == version)
		return p + WGT_ETH_HLEN;
	if (p[0] >> 4 == version)
		return p;
	return NULL;
}

/*
 * The check most packets end at: their destination is in no peer's
 * AllowedIPs, or in those of the device they leave by. true: nothing to
 * count; false: maybe a bypass, judge the whole packet.
 */
static __always_inline bool tc_bypass_quick(const struct __sk_buff *skb,
					    __u16 proto, __u32 ifindex)
{
	struct wgt_lpm_val *v;
	const __u8 *ip;

	if (proto == bpf_htons(ETH_P_IP)) {
		ip = tc_l3(skb, proto, 4, sizeof(struct iphdr));
		if (!ip)
			return false;
		v = allowed_lookup(AF_INET, ip + offsetof(struct iphdr, daddr));
	} else {
		ip = tc_l3(skb, proto, 6, sizeof(struct ipv6hdr));
		if (!ip)
			return false;
		v = allowed_lookup(AF_INET6,
				   ip + offsetof(struct ipv6hdr, daddr));
	}
	return !v || !v->plen || v->ifindex == ifindex;
}

/*
 * The packet the quick check could not turn away, parsed whole and judged.
 * A subprogram: its flow and event stay off the quick path's stack.
 */
static __noinline int tc_bypass_slow(struct __sk_buff *skb, __u16 proto,
				     __u32 ifindex, __u32 len)
{
	struct wgt_flow f = {0};
	struct wgt_event *e;

	if (tc_parse(skb, proto, &f))
		return 0;
	e = bypass_judge(&f, ifindex, len);
	if (e) {
		pkt_from_tc(e, skb, ifindex, len, proto);
		event_submit(e);
	}
	return 0;
}

/*
 * tcx egress, attached by the loader to each device of the watched
 * namespace but loopback and WireGuard's own: one run per packet leaving
 * there, none for other namespaces' traffic. Most packets belong to no
 * peer: one trie lookup on the destination turns them away; only a packet
 * that is counted is parsed whole (for the example flow).
 */
static __always_inline void on_tc_bypass(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex, len = skb->len;
	__u16 proto = skb->protocol;

	if (!cfg_counters ||
	    (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6)))
		return;
	if (tc_bypass_quick(skb, proto, ifindex))
		return;
	tc_bypass_slow(skb, proto, ifindex, len);
}

#endif /* WGT_BPF_BYPASS_H */
