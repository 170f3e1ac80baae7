/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WireGuard's decisions in the kprobe tier: where fentry is refused, or
 * where the module has no BTF (every kernel before 5.11). These programs
 * read only vmlinux types (the skb, its device) and the functions' return
 * values, never a WireGuard struct by CO-RE, so they load on any kernel with
 * kprobes.
 *
 * What that costs, said in the output rather than guessed:
 * - TX: the kernel says whether a peer matched; which one is named by
 *   longest-prefix match over wgtrace's copy of the AllowedIPs (the same
 *   rule WireGuard applies), flagged WGT_EVF_PEER_FROM_INV.
 * - RX source check: the kernel's verdict is exact (two peer pointers
 *   compared, see below), but the sender's public key cannot be read: the
 *   sender is "unknown"; the owner of the inner source is named from the
 *   AllowedIPs copy.
 * - No endpoint: told by wg_xmit() returning -EDESTADDRREQ.
 */
#ifndef WGT_BPF_WG_KPROBE_H
#define WGT_BPF_WG_KPROBE_H

#include "common.bpf.h"
#include "counters.bpf.h"
#include "kretprobe.bpf.h"

#define WGT_EDESTADDRREQ 89

/* wg_xmit's -EDESTADDRREQ counts no_endpoint only where TX cannot read it. */
const volatile __u32 cfg_xmit_counts_endpoint = 0;

/*
 * The sender of a received packet is PACKET_CB(skb)->keypair->entry.peer.
 * packet_cb keeps the keypair pointer at offset 8 of skb->cb (see wg.h);
 * struct noise_keypair begins with struct index_hashtable_entry, whose
 * first member is the peer pointer. Neither layout has changed since
 * WireGuard entered Linux (5.6). The pointer is only compared with the
 * lookup's result, never followed.
 */
#define WGT_KEYPAIR_PEER_OFF 0

/* The peer the AllowedIPs copy names for addr on this device, or NULL. */
static __always_inline const __u8 *peer_from_inventory(const struct wgt_flow *f,
						       bool dst, __u32 ifindex)
{
	struct wgt_lpm_val *v;

	if (!f->family)
		return NULL;
	v = allowed_lookup(f->family, dst ? f->daddr : f->saddr);
	if (!v || v->ifindex != ifindex)
		return NULL;
	return v->peer;
}

/* The packet a kprobe twin kept, as its kretprobe sees it. */
struct kp_pkt {
	const struct sk_buff *skb;
	struct net_device *dev;
	__u32 ns;
	__u32 ifindex;
	__u32 len;
	struct wgt_flow f; /* family 0: not an IP packet we can read */
};

/*
 * Take the kept packet: false when there is none or its namespace is not
 * watched. Device and namespace only: the rest costs reads (kp_pkt_fill).
 * The kernel pointers go through locals: BPF_CORE_READ(p->skb, ...) would
 * make p's own (local, BTF-less) type part of the CO-RE relocation, which
 * no kernel can resolve.
 */
static __always_inline bool kp_pkt_take(__u32 slot, struct kp_pkt *p)
{
	const struct sk_buff *skb = stash_take_ptr(slot);
	struct net_device *dev;

	if (!skb)
		return false;
	dev = BPF_CORE_READ(skb, dev);
	p->skb = skb;
	p->dev = dev;
	p->ns = dev_netns(dev);
	return netns_wanted(p->ns);
}

static __always_inline void kp_pkt_fill(struct kp_pkt *p)
{
	const struct sk_buff *skb = p->skb;
	struct net_device *dev = p->dev;

	p->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	p->len = BPF_CORE_READ(skb, len);
	if (flow_from_skb_core(&p->f, skb))
		p->f.family = 0;
}

static __always_inline int on_kr_tx_peer(const void *peer)
{
	struct kp_pkt p = {0};
	const __u8 *key = NULL;
	struct wgt_event *e;

	if (!kp_pkt_take(WGT_STASH_TX_PEER, &p))
		return 0;
	kp_pkt_fill(&p);
	if (peer)
		key = peer_from_inventory(&p.f, true, p.ifindex);
	if (cfg_counters) {
		count_verdict(peer ? WGT_V_TX_PEER : WGT_V_NO_PEER, p.ifindex,
			      key, p.len);
		e = peer ? NULL : sample_reserve(WGT_V_NO_PEER);
		if (e) {
			event_set_pkt(e, &p.f, p.ifindex, 0, p.len);
			pkt_from_skb(e, p.skb, p.ifindex);
			event_submit(e);
		}
	}
	if (!cfg_trace || !p.f.family || !flow_role(&p.f))
		return 0;
	e = event_reserve(WGT_EV_WG_TX_PEER);
	if (!e)
		return 0;
	event_set_pkt(e, &p.f, p.ifindex, p.ns, p.len);
	/* A matched peer the copy cannot name stays unnamed: not "none". */
	e->flags = WGT_EVF_PEER_FROM_INV;
	if (key) {
		__builtin_memcpy(e->peer, key, WGT_KEY_LEN);
		e->flags |= WGT_EVF_PEER;
	}
	e->err = peer ? 0 : -2; /* -ENOENT: no peer matched */
	/* The inner packet before encryption, for trace --pcap. */
	pkt_from_skb(e, p.skb, p.ifindex);
	event_submit(e);
	return 0;
}

static __always_inline int on_kr_rx_src(const void *owner)
{
	void *kp = NULL, *sender = NULL;
	const struct sk_buff *skb;
	struct kp_pkt p = {0};
	const __u8 *okey = NULL;
	struct wgt_event *e;
	bool rejected;

	if (!kp_pkt_take(WGT_STASH_RX_SRC, &p))
		return 0;
	skb = p.skb;
	bpf_probe_read_kernel(&kp, sizeof(kp),
			      (void *)skb->cb + WGT_PACKET_CB_KEYPAIR_OFF);
	if (kp)
		bpf_probe_read_kernel(&sender, sizeof(sender),
				      kp + WGT_KEYPAIR_PEER_OFF);
	rejected = sender && owner != sender;
	/* Accepted packets cost no more reads unless traced. */
	if (!rejected && !cfg_trace)
		return 0;
	kp_pkt_fill(&p);
	if (owner)
		okey = peer_from_inventory(&p.f, false, p.ifindex);
	if (cfg_counters && rejected) {
		count_verdict(WGT_V_SRC_REJECTED, p.ifindex, NULL, p.len);
		e = sample_reserve(WGT_V_SRC_REJECTED);
		if (e) {
			event_set_pkt(e, &p.f, p.ifindex, 0, p.len);
			e->flags = WGT_EVF_REJECT | WGT_EVF_PEER_FROM_INV;
			if (okey) {
				__builtin_memcpy(e->peer2, okey, WGT_KEY_LEN);
				e->flags |= WGT_EVF_PEER2;
			}
			pkt_from_skb(e, skb, p.ifindex);
			event_submit(e);
		}
	}
	if (!cfg_trace || !p.f.family || !flow_role(&p.f))
		return 0;
	e = event_reserve(WGT_EV_WG_RX_SRC);
	if (!e)
		return 0;
	event_set_pkt(e, &p.f, p.ifindex, p.ns, p.len);
	e->flags = WGT_EVF_PEER_FROM_INV | (rejected ? WGT_EVF_REJECT : 0);
	/* Accepted: the sender is the owner, so naming the owner names both. */
	if (okey) {
		__builtin_memcpy(e->peer2, okey, WGT_KEY_LEN);
		e->flags |= WGT_EVF_PEER2;
		if (!rejected) {
			__builtin_memcpy(e->peer, okey, WGT_KEY_LEN);
			e->flags |= WGT_EVF_PEER;
		}
	}
	/* The decrypted inner packet, for trace --pcap. */
	pkt_from_skb(e, skb, p.ifindex);
	event_submit(e);
	return 0;
}

/*
 * wg_xmit(skb, dev) frees the packet on its error paths before it returns:
 * the entry keeps what the return may need, one frame per nesting level.
 */
static __always_inline int on_wg_xmit_entry(const struct sk_buff *skb)
{
	struct wgt_xmit_stack *stk;
	struct wgt_stash *st;
	__u32 zero = 0, d;

	stk = bpf_map_lookup_elem(&kp_xmit, &zero);
	if (!stk)
		return 0;
	d = stk->depth++;
	if (d >= WGT_XMIT_DEPTH)
		return 0;
	st = &stk->frame[d];
	st->arg[0] = 0;
	if (!cfg_xmit_counts_endpoint || !cfg_counters)
		return 0;
	st->netns = dev_netns(BPF_CORE_READ(skb, dev));
	if (!netns_wanted(st->netns))
		return 0;
	st->ifindex = BPF_CORE_READ(skb, dev, ifindex);
	st->len = BPF_CORE_READ(skb, len);
	if (flow_from_skb_core(&st->flow, skb))
		__builtin_memset(&st->flow, 0, sizeof(st->flow));
	st->arg[0] = (__u64)skb;
	return 0;
}

static __always_inline int on_wg_xmit_ret(int ret)
{
	struct wgt_xmit_stack *stk;
	struct wgt_stash *st;
	struct wgt_event *e;
	__u32 zero = 0, d;

	stk = bpf_map_lookup_elem(&kp_xmit, &zero);
	/* A return without its entry (attached mid-call): nothing kept. */
	if (!stk || !stk->depth)
		return 0;
	d = --stk->depth;
	if (d >= WGT_XMIT_DEPTH)
		return 0;
	st = &stk->frame[d];
	if (!st->arg[0])
		return 0;
	st->arg[0] = 0;
	if (ret != -WGT_EDESTADDRREQ)
		return 0;
	count_verdict(WGT_V_NO_ENDPOINT, st->ifindex, NULL, st->len);
	e = sample_reserve(WGT_V_NO_ENDPOINT);
	if (!e)
		return 0;
	event_set_pkt(e, &st->flow, st->ifindex, st->netns, st->len);
	e->err = ret;
	event_submit(e);
	return 0;
}

#endif /* WGT_BPF_WG_KPROBE_H */
