/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WireGuard's own decisions: the peer chosen for TX, the AllowedIPs source
 * check on RX, and the outer packet handed to the UDP socket.
 *
 * WireGuard's types live in the module's BTF, not in vmlinux.h. They are
 * declared here with only the fields read; CO-RE finds the real offsets at
 * load time. The ___wgt suffix keeps them from clashing with a vmlinux.h
 * generated on a kernel with WireGuard built in (libbpf ignores the suffix).
 * Every access starts from a WireGuard-specific type (wg_peer, noise_keypair).
 */
#ifndef WGT_BPF_WG_H
#define WGT_BPF_WG_H

#include "common.bpf.h"
#include "counters.bpf.h"

struct noise_handshake___wgt {
	u8 remote_static[32];
} __attribute__((preserve_access_index));

struct endpoint___wgt {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
} __attribute__((preserve_access_index));

struct wg_peer___wgt {
	struct endpoint___wgt endpoint;
	struct noise_handshake___wgt handshake;
} __attribute__((preserve_access_index));

struct index_hashtable_entry___wgt {
	struct wg_peer___wgt *peer;
} __attribute__((preserve_access_index));

struct noise_keypair___wgt {
	struct index_hashtable_entry___wgt entry;
} __attribute__((preserve_access_index));

/*
 * PACKET_CB(skb)->keypair: struct packet_cb { u64 nonce; struct noise_keypair
 * *keypair; ... } sits in skb->cb, so the keypair pointer is at offset 8.
 * packet_cb has no BTF of its own (a cast, not a type), hence the constant.
 */
#define WGT_PACKET_CB_KEYPAIR_OFF 8

static __always_inline void peer_key(const struct wg_peer___wgt *peer,
				     __u8 out[WGT_KEY_LEN])
{
	bpf_probe_read_kernel(out, WGT_KEY_LEN, peer->handshake.remote_static);
}

static __always_inline void peer_endpoint(const struct wg_peer___wgt *peer,
					  struct wgt_event *e)
{
	__u16 family = BPF_CORE_READ(peer, endpoint.addr.sa_family);

	e->endpoint_family = family;
	if (family == AF_INET) {
		READ_ADDR4(e->endpoint, peer, endpoint.addr4.sin_addr.s_addr);
		e->endpoint_port = BPF_CORE_READ(peer, endpoint.addr4.sin_port);
	} else if (family == AF_INET6) {
		READ_ADDR6(e->endpoint, peer, endpoint.addr6.sin6_addr);
		e->endpoint_port =
		    BPF_CORE_READ(peer, endpoint.addr6.sin6_port);
	}
}

/* Count what WireGuard decided for one TX packet; sample the problems. */
static __always_inline void count_tx(const struct sk_buff *skb,
				     const struct wg_peer___wgt *peer,
				     __u32 ifindex, __u32 len)
{
	__u8 key[WGT_KEY_LEN] = {0};
	struct wgt_event *e;
	__u32 verdict;

	if (!peer) {
		verdict = WGT_V_NO_PEER;
	} else {
		peer_key(peer, key);
		verdict = BPF_CORE_READ(peer, endpoint.addr.sa_family)
			      ? WGT_V_TX_PEER
			      : WGT_V_NO_ENDPOINT;
	}
	count_verdict(verdict, ifindex, peer ? key : NULL, len);
	if (verdict == WGT_V_TX_PEER)
		return;
	e = sample_reserve(verdict);
	if (!e)
		return;
	flow_from_skb(&e->flow, skb);
	e->ifindex = ifindex;
	e->len = len;
	if (peer) {
		__builtin_memcpy(e->peer, key, WGT_KEY_LEN);
		e->flags |= WGT_EVF_PEER;
	}
	pkt_from_skb(e, skb, ifindex);
	event_submit(e);
}

/* fexit wg_allowedips_lookup_dst(table, skb) = peer: NULL means no peer. */
/*
 * The trace event of a WireGuard decision: peer (the chosen one on TX, the
 * sender on RX) and peer2 (RX: the owner of the inner source), either NULL.
 */
static __always_inline void
wg_trace_event(__u32 type, const struct wgt_flow *f, struct net_device *dev,
	       __u32 ifindex, __u32 len, const struct wg_peer___wgt *peer,
	       const struct wg_peer___wgt *peer2, __u8 flags,
	       const struct sk_buff *skb)
{
	struct wgt_event *e = event_reserve(type);

	if (!e)
		return;
	event_set_pkt(e, f, ifindex, dev_netns(dev), len);
	e->flags = flags;
	if (peer) {
		peer_key(peer, e->peer);
		peer_endpoint(peer, e);
		e->flags |= WGT_EVF_PEER;
	}
	if (peer2) {
		peer_key(peer2, e->peer2);
		e->flags |= WGT_EVF_PEER2;
	}
	/* The inner packet: before encryption on TX, decrypted on RX. */
	pkt_from_skb(e, skb, ifindex);
	event_submit(e);
}

static __always_inline int on_wg_tx_peer(const struct sk_buff *skb,
					 const struct wg_peer___wgt *peer)
{
	struct wgt_flow f = {0};
	struct net_device *dev;
	__u32 ifindex, len;

	dev = BPF_CORE_READ(skb, dev);
	if (!netns_wanted(dev_netns(dev)))
		return 0;
	ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	len = BPF_CORE_READ(skb, len);
	if (cfg_counters)
		count_tx(skb, peer, ifindex, len);
	if (!cfg_trace || flow_from_skb(&f, skb) || !flow_role(&f))
		return 0;
	wg_trace_event(WGT_EV_WG_TX_PEER, &f, dev, ifindex, len, peer, NULL, 0,
		       skb);
	return 0;
}

/*
 * fexit wg_allowedips_lookup_src(table, skb) = the peer owning the inner
 * source. The packet was decrypted with the sender's keypair; when the two
 * differ WireGuard drops it (with consume_skb: kfree_skb never sees it).
 */
static __always_inline int on_wg_rx_src(const struct sk_buff *skb,
					const struct wg_peer___wgt *owner)
{
	struct noise_keypair___wgt *kp = NULL;
	struct wg_peer___wgt *sender = NULL;
	struct wgt_flow f = {0};
	struct net_device *dev;
	struct wgt_event *e;
	__u32 ifindex, len;

	dev = BPF_CORE_READ(skb, dev);
	if (!netns_wanted(dev_netns(dev)))
		return 0;
	bpf_probe_read_kernel(&kp, sizeof(kp),
			      (void *)skb->cb + WGT_PACKET_CB_KEYPAIR_OFF);
	if (kp)
		sender = BPF_CORE_READ(kp, entry.peer);
	ifindex = dev ? BPF_CORE_READ(dev, ifindex) : 0;
	len = BPF_CORE_READ(skb, len);
	if (cfg_counters && sender && owner != sender) {
		__u8 key[WGT_KEY_LEN];

		peer_key(sender, key);
		count_verdict(WGT_V_SRC_REJECTED, ifindex, key, len);
		e = sample_reserve(WGT_V_SRC_REJECTED);
		if (e) {
			flow_from_skb(&e->flow, skb);
			e->ifindex = ifindex;
			e->len = len;
			__builtin_memcpy(e->peer, key, WGT_KEY_LEN);
			e->flags |= WGT_EVF_PEER | WGT_EVF_REJECT;
			peer_endpoint(sender, e);
			if (owner) {
				peer_key(owner, e->peer2);
				e->flags |= WGT_EVF_PEER2;
			}
			pkt_from_skb(e, skb, ifindex);
			event_submit(e);
		}
	}
	if (!cfg_trace || flow_from_skb(&f, skb) || !flow_role(&f))
		return 0;
	wg_trace_event(WGT_EV_WG_RX_SRC, &f, dev, ifindex, len, sender, owner,
		       owner != sender ? WGT_EVF_REJECT : 0, skb);
	return 0;
}

/*
 * fentry wg_socket_send_skb_to_peer(peer, skb, ds): an outer packet leaves
 * for the peer's current endpoint (which roaming may have changed from the
 * configured one). Only for peers whose endpoint is traced.
 */
static __always_inline int on_wg_outer(const struct wg_peer___wgt *peer,
				       const struct sk_buff *skb)
{
	struct wgt_addr_key ep = {0};
	struct wgt_event *e;

	if (!cfg_trace)
		return 0;
	/* Only the endpoint is needed to filter: no event on the stack. */
	ep.family = BPF_CORE_READ(peer, endpoint.addr.sa_family);
	if (ep.family == AF_INET)
		READ_ADDR4(ep.addr, peer, endpoint.addr4.sin_addr.s_addr);
	else if (ep.family == AF_INET6)
		READ_ADDR6(ep.addr, peer, endpoint.addr6.sin6_addr);
	else
		return 0;
	if (!(addr_role(ep.family, ep.addr) & WGT_ROLE_ENDPOINT))
		return 0;
	e = event_reserve(WGT_EV_WG_OUTER);
	if (!e)
		return 0;
	peer_endpoint(peer, e);
	peer_key(peer, e->peer);
	e->flags |= WGT_EVF_PEER;
	e->len = BPF_CORE_READ(skb, len);
	e->mark = BPF_CORE_READ(skb, mark);
	/*
	 * No bytes here for --pcap: at this point the skb holds the
	 * WireGuard message only, its UDP and IP headers are pushed later
	 * (udp_tunnel_xmit_skb). The outer packet's bytes come from tc on
	 * the uplink, which sees it whole.
	 */
	event_submit(e);
	return 0;
}

#endif /* WGT_BPF_WG_H */
