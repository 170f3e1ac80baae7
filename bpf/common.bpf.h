/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every wgtrace BPF program shares: configuration, maps, the trace
 * filter, event emission and IP header parsing from an skb.
 */
#ifndef WGT_BPF_COMMON_H
#define WGT_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "wgtrace.h"

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* Set by the loader between open and load. */
const volatile __u32 cfg_trace = 0; /* emit events for filtered addresses */
const volatile __u32 cfg_netns = 0; /* 0: every namespace */
/* --pcap: bytes of each traced or sampled packet to copy, 0 = none (no
 * cost). */
const volatile __u32 cfg_pcap_snaplen = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WGT_RINGBUF_BYTES);
} events SEC(".maps");

/* Addresses being traced; user space may change it while running. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGT_MAX_TRACE_ADDRS);
	__type(key, struct wgt_addr_key);
	__type(value, __u32); /* enum wgt_addr_role bits */
} trace_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WGT_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/*
 * Per-CPU state of the rate limit on endpoint events: the burst let
 * through last, one routing decision's lookups.
 */
struct wgt_endpoint_burst {
	__u64 start; /* its first lookup */
	__u64 last;  /* its latest lookup */
	__u32 n;     /* lookups let through in it */
	__u32 pad;   /* the addresses 8-aligned, as addr16_equal() reads */
	__u8 saddr[16];
	__u8 daddr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wgt_endpoint_burst);
} endpoint_burst SEC(".maps");

/*
 * At most one burst starts per 10 ms on a CPU; one burst is at most
 * WGT_ENDPOINT_WALK_MAX lookups (one walk, or several back to back of the
 * same flow): at most 1,600 outer lookups/s per CPU reach the ring.
 */
#define WGT_ENDPOINT_GAP_NS 10000000ULL
/*
 * Lookups of one rule walk follow each other at once natively, but under
 * emulation (qemu TCG) a walk took 390 us and more than 5 ms when the
 * emulator was preempted: a burst bounded by a fixed time from its first
 * lookup cut walks short, and a walk cut before its deciding table names
 * the table a suppress rule rejected (the outer route on the uplink when
 * the kernel routed it into the tunnel). So a burst lasts while the same
 * flow's lookups keep coming on this CPU, at most a walk's worth.
 */
#define WGT_ENDPOINT_WALK_GAP_NS 5000000ULL
#define WGT_ENDPOINT_WALK_MAX 16 /* user space's PATH_MAX_LOOKUPS */

static __always_inline bool addr16_equal(const __u8 *a, const __u8 *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/*
 * Outer packets to a traced endpoint follow every inner packet to that
 * peer: some of them show how the outer packet is routed. Whole decisions
 * are let through (every table a rule walk looks up), at most one starting
 * per gap.
 */
static __always_inline bool endpoint_event_due(const struct wgt_flow *f)
{
	struct wgt_endpoint_burst *b;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&endpoint_burst, &zero);
	if (!b)
		return false;
	if (b->n && b->n < WGT_ENDPOINT_WALK_MAX &&
	    now - b->last < WGT_ENDPOINT_WALK_GAP_NS &&
	    addr16_equal(b->daddr, f->daddr) &&
	    addr16_equal(b->saddr, f->saddr)) {
		b->last = now;
		b->n++;
		return true;
	}
	if (b->n && now - b->start < WGT_ENDPOINT_GAP_NS)
		return false;
	b->start = now;
	b->last = now;
	b->n = 1;
	__builtin_memcpy(b->daddr, f->daddr, 16);
	__builtin_memcpy(b->saddr, f->saddr, 16);
	return true;
}

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;
}

/*
 * The traced IPv4 addresses again, as a plain array: on a busy gateway most
 * lookups are other flows', and a compare loop turns them away before two
 * hash lookups. User space appends to it (mmap'ed .bss) after trace_addrs.
 */
__u32 trace_v4[WGT_MAX_TRACE_ADDRS];
__u32 trace_v4_n;

static __always_inline bool v4_maybe_traced(__be32 saddr, __be32 daddr)
{
	__u32 i, n = trace_v4_n;

	for (i = 0; i < WGT_MAX_TRACE_ADDRS && i < n; i++)
		if (trace_v4[i] == saddr || trace_v4[i] == daddr)
			return true;
	return false;
}

/* Role bits of an address in the trace filter, 0 when not traced. */
static __always_inline __u32 addr_role(__u8 family, const void *addr)
{
	struct wgt_addr_key k = {.family = family};
	__u32 *role;

	if (family == AF_INET)
		__builtin_memcpy(k.addr, addr, 4);
	else
		__builtin_memcpy(k.addr, addr, 16);
	role = bpf_map_lookup_elem(&trace_addrs, &k);
	return role ? *role : 0;
}

/* Does the flow touch a traced address, in either direction? */
static __always_inline __u32 flow_role(const struct wgt_flow *f)
{
	return addr_role(f->family, f->daddr) | addr_role(f->family, f->saddr);
}

static __always_inline struct wgt_event *event_reserve(__u32 type)
{
	struct wgt_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		/* Counted, never silent: user space reports events_lost. */
		stat_inc(WGT_STAT_EVENTS_LOST);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->cpu = bpf_get_smp_processor_id();
	return e;
}

/*
 * The packet every WireGuard event and sample names: its flow, device,
 * netns (0: not told) and length. One place, so the fexit and kprobe tiers
 * describe a packet alike.
 */
static __always_inline void event_set_pkt(struct wgt_event *e,
					  const struct wgt_flow *f,
					  __u32 ifindex, __u32 netns, __u32 len)
{
	e->flow = *f;
	e->ifindex = ifindex;
	e->netns = netns;
	e->len = len;
}

/*
 * trace wakes its reader per batch, not per record: under a flood each
 * wake-up (irq_work, an IPI, a task wake-up; VM exits on a guest) costs
 * more than the record, in BPF and in user space alike. trace reads the
 * ring at least every 50 ms (a poll timeout, then a consume) and a batch
 * of WGT_RING_WAKE_BYTES wakes it at once, long before the ring fills.
 * watch and export keep a wake-up per record: theirs are rare samples,
 * shown as they come.
 */
static __always_inline __u64 ring_wake_flags(void)
{
	if (!cfg_trace)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >=
		       WGT_RING_WAKE_BYTES
		   ? BPF_RB_FORCE_WAKEUP
		   : BPF_RB_NO_WAKEUP;
}

static __always_inline void event_submit(struct wgt_event *e)
{
	stat_inc(WGT_STAT_EVENTS);
	bpf_ringbuf_submit(e, ring_wake_flags());
}

/*
 * A copy length n >= 1 as 1..WGT_PKT_MAX in a form the verifier bounds:
 * a plain C clamp may be compiled as a 32-bit or signed compare of a copy
 * of n, which leaves the helper's size unbounded to it.
 */
static __always_inline __u64 pkt_len(__u64 n)
{
	n -= 1;
	asm volatile("if %[n] <= %[max] goto +1\n\t"
		     "%[n] = %[max]"
		     : [n] "+r"(n)
		     : [max] "i"(WGT_PKT_MAX - 1));
	return n + 1;
}

/* A packet record after event e, or NULL (counted as lost). */
static __always_inline struct wgt_pkt *pkt_reserve(const struct wgt_event *e,
						   __u32 ifindex)
{
	struct wgt_pkt *p;

	p = bpf_ringbuf_reserve(&events, sizeof(*p), 0);
	if (!p) {
		stat_inc(WGT_STAT_EVENTS_LOST);
		return NULL;
	}
	/*
	 * Only the header is cleared: data[] past caplen keeps what an older
	 * record of this ring left there, never other kernel memory, and
	 * clearing 1 KiB per packet is not free.
	 */
	p->ts_ns = e->ts_ns;
	p->type = WGT_EV_PKT;
	p->cpu = e->cpu;
	p->ev_type = e->type;
	p->ifindex = ifindex;
	p->len = 0;
	p->caplen = 0;
	p->pad = 0;
	return p;
}

static __always_inline void pkt_submit(struct wgt_pkt *p)
{
	stat_inc(WGT_STAT_EVENTS);
	bpf_ringbuf_submit(p, ring_wake_flags());
}

/*
 * The packet of event e (still reserved: it stays ahead in the ring) from
 * a kernel skb whose network header is set: up to cfg_pcap_snaplen bytes of
 * its linear part, through plain reads, so BTF-typed and kprobe pointers
 * alike. Paged data past the linear part is not followed: caplen says how
 * much was there.
 */
static __always_inline void pkt_from_skb(const struct wgt_event *e,
					 const struct sk_buff *skb,
					 __u32 ifindex)
{
	unsigned char *head, *data;
	__u32 n, tail, len;
	struct wgt_pkt *p;
	__u16 nh;

	if (!cfg_pcap_snaplen)
		return;
	head = BPF_CORE_READ(skb, head);
	data = BPF_CORE_READ(skb, data);
	nh = BPF_CORE_READ(skb, network_header);
	/* sk_buff_data_t: an offset from head on 64-bit kernels. */
	tail = BPF_CORE_READ(skb, tail);
	len = BPF_CORE_READ(skb, len);
	if (!head || nh == (__u16)~0U || tail <= nh)
		return;
	p = pkt_reserve(e, ifindex);
	if (!p)
		return;
	p->len = len + (__u32)(data - head) - nh;
	n = tail - nh;
	if (n > cfg_pcap_snaplen)
		n = cfg_pcap_snaplen;
	n = pkt_len(n);
	if (!bpf_probe_read_kernel(p->data, n, head + nh))
		p->caplen = n;
	pkt_submit(p);
}

/*
 * A pointer the verifier knows as BTF-typed (a tp_btf/fentry argument, or a
 * field loaded directly from one) can be followed with direct loads, which
 * it turns into guarded loads: several times cheaper than a
 * bpf_probe_read_kernel() call each (tests/bench/RESULTS.md). A pointer that
 * came out of BPF_CORE_READ is a plain number to it and needs the helper.
 * Hot paths use the _btf variant; CO-RE relocates the offsets either way.
 */
static __always_inline __u32 dev_netns_btf(const struct net_device *dev)
{
	return dev ? dev->nd_net.net->ns.inum : 0;
}

static __always_inline __u32 dev_netns(const struct net_device *dev)
{
	return dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
}

/*
 * The namespace of a packet: its device's, else its socket's, else 0.
 * skb must be BTF-typed and dev loaded directly from it (skb->dev).
 */
static __always_inline __u32 skb_netns(const struct sk_buff *skb,
				       const struct net_device *dev)
{
	struct sock *sk;

	if (dev)
		return dev_netns_btf(dev);
	sk = skb->sk;
	return sk ? sk->__sk_common.skc_net.net->ns.inum : 0;
}

/*
 * Copy an address field of exactly its own size. BPF_CORE_READ_INTO sizes
 * the copy by its destination: an array argument decays to a byte pointer
 * (1 byte copied), and a 16-byte buffer for a 4-byte field reads past it.
 */
#define READ_ADDR4(dst, src, ...)                                              \
	({                                                                     \
		__be32 __a = BPF_CORE_READ(src, __VA_ARGS__);                  \
		__builtin_memcpy((dst), &__a, 4);                              \
	})
#define READ_ADDR6(dst, src, ...)                                              \
	({                                                                     \
		struct in6_addr __a6;                                          \
		BPF_CORE_READ_INTO(&__a6, src, __VA_ARGS__);                   \
		__builtin_memcpy((dst), &__a6, 16);                            \
	})

static __always_inline bool netns_wanted(__u32 ns)
{
	/* Unknown (0) passes: a failed lookup has no device to tell. */
	return !cfg_netns || !ns || ns == cfg_netns;
}

/* Fill the 5-tuple from an IPv4/IPv6 header at hdr (kernel memory). */
static __always_inline int flow_from_l3(struct wgt_flow *f, __u16 proto_be,
					const void *hdr)
{
	/* The header and the 4 bytes after it (ports), read in one go. */
	__u8 b[sizeof(struct ipv6hdr) + 4];
	__u16 ports[2] = {0, 0};
	__u32 ihl;

	if (proto_be == bpf_htons(ETH_P_IP)) {
		const struct iphdr *ip = (const void *)b;

		if (bpf_probe_read_kernel(b, sizeof(struct iphdr) + 4, hdr))
			return -1;
		f->family = AF_INET;
		__builtin_memcpy(f->saddr, &ip->saddr, 4);
		__builtin_memcpy(f->daddr, &ip->daddr, 4);
		f->proto = ip->protocol;
		ihl = ip->ihl;
		if (ihl == 5)
			__builtin_memcpy(ports, b + sizeof(struct iphdr), 4);
		else if (bpf_probe_read_kernel(ports, 4, hdr + ihl * 4))
			return 0;
	} else if (proto_be == bpf_htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6 = (const void *)b;

		if (bpf_probe_read_kernel(b, sizeof(b), hdr))
			return -1;
		f->family = AF_INET6;
		__builtin_memcpy(f->saddr, &ip6->saddr, 16);
		__builtin_memcpy(f->daddr, &ip6->daddr, 16);
		/* Extension headers are not walked: ports stay 0 then. */
		f->proto = ip6->nexthdr;
		__builtin_memcpy(ports, b + sizeof(struct ipv6hdr), 4);
	} else {
		return -1;
	}
	if (f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) {
		f->sport = ports[0];
		f->dport = ports[1];
	}
	return 0;
}

/* The 5-tuple of an skb whose network header is set. */
static __always_inline int flow_from_skb(struct wgt_flow *f,
					 const struct sk_buff *skb)
{
	unsigned char *head = skb->head;
	__u16 nh = skb->network_header;
	__u16 proto = skb->protocol;

	if (!head || nh == (__u16)~0U)
		return -1;
	return flow_from_l3(f, proto, head + nh);
}

/*
 * The same from a pointer the verifier does not know as BTF-typed (a
 * kprobe's register argument): every field through a CO-RE read.
 */
static __always_inline int flow_from_skb_core(struct wgt_flow *f,
					      const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 proto = BPF_CORE_READ(skb, protocol);

	if (!head || nh == (__u16)~0U)
		return -1;
	return flow_from_l3(f, proto, head + nh);
}

#endif /* WGT_BPF_COMMON_H */
