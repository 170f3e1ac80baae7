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

#include "common.h"
#include "counters.h"
#include "tc.h"

#define WGT_IFF_LOOPBACK 0x8

/* Count f if its destination belongs to a peer on another device. */
static __always_inline void bypass_judge(const struct wgt_flow *f,
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
		return;
	count_verdict(WGT_V_ROUTE_BYPASS, v->ifindex, v->peer, len);
	e = sample_reserve(WGT_V_ROUTE_BYPASS);
	if (!e)
		return;
	e->flow = *f;
	e->ifindex = v->ifindex;
	e->oif = ifindex;
	e->len = len;
	__builtin_memcpy(e->peer, v->peer, WGT_KEY_LEN);
	e->flags |= WGT_EVF_PEER;
	event_submit(e);
}

/* net_dev_queue: every packet of every namespace (kernels without tcx). */
static __always_inline int on_dev_queue(const struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct wgt_flow f = { 0 };

	/* Every packet of every namespace passes here: leave early. */
	if (!cfg_counters || !dev || !netns_wanted(dev_netns_btf(dev)))
		return 0;
	if (dev->flags & WGT_IFF_LOOPBACK)
		return 0;
	if (flow_from_skb(&f, skb))
		return 0;
	bypass_judge(&f, dev->ifindex, skb->len);
	return 0;
}

/*
 * tcx egress, attached by the loader to each device of the watched
 * namespace but loopback and WireGuard's own: one run per packet leaving
 * there, none for other namespaces' traffic.
 */
static __always_inline void on_tc_bypass(struct __sk_buff *skb)
{
	struct wgt_flow f = { 0 };

	if (!cfg_counters || tc_parse(skb, &f))
		return;
	bypass_judge(&f, skb->ifindex, skb->len);
}

#endif /* WGT_BPF_BYPASS_H */
