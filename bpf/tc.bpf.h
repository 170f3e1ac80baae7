/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tc classifiers: the fallback where no kernel function can be hooked (a
 * userspace WireGuard's TUN device, or no fentry/kprobe). Egress on a
 * WireGuard device sees the inner packet before encryption, and the peer
 * follows from the AllowedIPs trie user space filled (as WireGuard's own
 * lookup would). They only look: the verdict is always WGT_TC_OBSERVE.
 */
#ifndef WGT_BPF_TC_H
#define WGT_BPF_TC_H

#include "common.bpf.h"
#include "counters.bpf.h"

#define WGT_ETH_HLEN 14

/*
 * Where the IP header starts in the first bytes b (at least 15) of a
 * packet: after an Ethernet header, or at once on devices that carry bare
 * IP (WireGuard, TUN). The version nibble alone cannot tell: a MAC address
 * may start with 0x4_ or 0x6_. An Ethernet header also repeats the
 * protocol at offset 12, and an IP header then follows. -1: neither.
 */
static __always_inline int l3_offset(const __u8 *b, __u16 proto_be)
{
	__u8 version = proto_be == bpf_htons(ETH_P_IP) ? 4 : 6;
	__u16 ethertype;

	__builtin_memcpy(&ethertype, b + 12, 2);
	if (ethertype == proto_be && b[WGT_ETH_HLEN] >> 4 == version)
		return WGT_ETH_HLEN;
	if (b[0] >> 4 == version)
		return 0;
	return -1;
}

/* proto: skb->protocol, read by the caller with its other ctx fields. */
static __always_inline int tc_parse(struct __sk_buff *skb, __u16 proto,
				    struct wgt_flow *f)
{
	__u8 head[WGT_ETH_HLEN + 1];
	int off;

	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		return -1;
	/* Any IP packet is longer than these 15 bytes. */
	if (bpf_skb_load_bytes(skb, 0, head, sizeof(head)))
		return -1;
	off = l3_offset(head, proto);
	if (off < 0)
		return -1;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr iph;

		if (bpf_skb_load_bytes(skb, off, &iph, sizeof(iph)))
			return -1;
		f->family = AF_INET;
		__builtin_memcpy(f->saddr, &iph.saddr, 4);
		__builtin_memcpy(f->daddr, &iph.daddr, 4);
		f->proto = iph.protocol;
		off += (iph.ihl & 0xf) * 4;
	} else {
		struct ipv6hdr ip6h;

		if (bpf_skb_load_bytes(skb, off, &ip6h, sizeof(ip6h)))
			return -1;
		f->family = AF_INET6;
		__builtin_memcpy(f->saddr, &ip6h.saddr, 16);
		__builtin_memcpy(f->daddr, &ip6h.daddr, 16);
		f->proto = ip6h.nexthdr;
		off += sizeof(ip6h);
	}
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		__u16 ports[2];

		if (!bpf_skb_load_bytes(skb, off, ports, sizeof(ports))) {
			f->sport = ports[0];
			f->dport = ports[1];
		}
	}
	return 0;
}

/*
 * The packet of event e as tc sees it, from the IP header on (the Ethernet
 * header of an uplink is left out: every record is bare IP). Only for
 * --pcap (trace, watch): without it the header is not read a second time.
 */
static __always_inline void pkt_from_tc(const struct wgt_event *e,
					struct __sk_buff *skb, __u32 ifindex,
					__u32 len, __u16 proto)
{
	__u8 head[WGT_ETH_HLEN + 1];
	struct wgt_pkt *p;
	int off;
	__u32 n;

	if (!cfg_pcap_snaplen)
		return;
	if (bpf_skb_load_bytes(skb, 0, head, sizeof(head)))
		return;
	off = l3_offset(head, proto);
	if (off < 0 || len <= (__u32)off)
		return;
	p = pkt_reserve(e, ifindex);
	if (!p)
		return;
	p->len = len - off;
	n = len - off;
	if (n > cfg_pcap_snaplen)
		n = cfg_pcap_snaplen;
	n = pkt_len(n);
	/* bpf_skb_load_bytes() also reads paged data: caplen is all of n. */
	if (!bpf_skb_load_bytes(skb, off, p->data, n))
		p->caplen = n;
	pkt_submit(p);
}

/*
 * Multicast and link-local traffic the kernel itself sends on a TUN device
 * (IPv6 router solicitations, MLD) is nobody's AllowedIPs: not a wrong turn.
 */
static __always_inline bool local_scope(const struct wgt_flow *f)
{
	if (f->family == AF_INET)
		return f->daddr[0] >> 4 == 0xe || f->daddr[0] == 0xff ||
		       (f->daddr[0] == 169 && f->daddr[1] == 254);
	return f->daddr[0] == 0xff ||
	       (f->daddr[0] == 0xfe && (f->daddr[1] & 0xc0) == 0x80);
}

/* The peer WireGuard will pick, by the AllowedIPs trie; count it. */
static __always_inline void tc_count_tx(struct __sk_buff *skb, __u32 ifindex,
					__u32 len, __u16 proto,
					const struct wgt_flow *f)
{
	struct wgt_lpm_val *v;
	struct wgt_event *e;

	if (local_scope(f))
		return;
	v = allowed_lookup(f->family, f->daddr);

	if (v && v->ifindex == ifindex) {
		count_verdict(WGT_V_TX_PEER, ifindex, v->peer, len);
		return;
	}
	count_verdict(WGT_V_NO_PEER, ifindex, NULL, len);
	e = sample_reserve(WGT_V_NO_PEER);
	if (!e)
		return;
	e->flow = *f;
	e->ifindex = ifindex;
	e->len = len;
	pkt_from_tc(e, skb, ifindex, len, proto);
	event_submit(e);
}

static __always_inline int on_tc(struct __sk_buff *skb, bool egress)
{
	/* Read the context once: the verifier refuses derived ctx pointers
	 * that clang may otherwise build for later field reads. */
	__u32 ifindex = skb->ifindex, len = skb->len, mark = skb->mark;
	__u16 proto = skb->protocol;
	struct wgt_flow f = {0};
	struct wgt_event *e;
	__u32 role;

	if (tc_parse(skb, proto, &f))
		return WGT_TC_OBSERVE;
	if (cfg_counters && egress)
		tc_count_tx(skb, ifindex, len, proto, &f);
	if (!cfg_trace)
		return WGT_TC_OBSERVE;
	role = flow_role(&f);
	/*
	 * Outer packets (an uplink's tc, attached for --pcap only) follow
	 * every inner one to the peer: whole decisions at most, as lookups.
	 */
	if (!role || (cfg_pcap_snaplen && role == WGT_ROLE_ENDPOINT &&
		      !endpoint_event_due(&f)))
		return WGT_TC_OBSERVE;
	e = event_reserve(WGT_EV_TC);
	if (!e)
		return WGT_TC_OBSERVE;
	e->flow = f;
	e->ifindex = ifindex;
	e->mark = mark;
	e->len = len;
	if (egress)
		e->flags |= WGT_EVF_EGRESS;
	pkt_from_tc(e, skb, ifindex, len, proto);
	event_submit(e);
	return WGT_TC_OBSERVE;
}

#endif /* WGT_BPF_TC_H */
