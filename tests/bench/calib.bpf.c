// SPDX-License-Identifier: GPL-2.0
/*
 * Building blocks of wgtrace's per-packet BPF work, measured one by one
 * (tests/bench/bench.sh, with kernel.bpf_stats_enabled=1). Every program is
 * attached to tp_btf/net_dev_queue at once (the cal_tc_* ones to tcx egress
 * of one device, see below), so each sees the same packets
 * and its run_time_ns / run_cnt is the cost of that block alone (plus the
 * fixed cost of running any program, which cal_empty shows). None filters by
 * namespace: each does its work on every packet.
 *
 * Pairs show a suggested fix: *_probe reads kernel memory the way
 * bpf/common.bpf.h does (BPF_CORE_READ = one bpf_probe_read_kernel call per
 * field), *_direct reads the same fields by direct BTF pointer loads, which
 * tp_btf and fentry programs may do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "wgtrace.h"

const volatile __u32 cfg_netns = 0;
__u64 sink = 0; /* keeps results alive */

/* As bpf/common.bpf.h and bpf/counters.bpf.h declare them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGT_MAX_TRACE_ADDRS);
	__type(key, struct wgt_addr_key);
	__type(value, __u32);
} trace_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WGT_MAX_ALLOWED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct wgt_lpm_key);
	__type(value, struct wgt_lpm_val);
} allowed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, WGT_MAX_COUNT_KEYS);
	__type(key, struct wgt_count_key);
	__type(value, struct wgt_count_val);
} counts SEC(".maps");

SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_empty, struct sk_buff *skb)
{
	return 0;
}

/* What every wgtrace program pays before it knows the packet is its own. */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_netns_probe, struct sk_buff *skb)
{
	struct net_device *dev = BPF_CORE_READ(skb, dev);

	if (dev && BPF_CORE_READ(dev, nd_net.net, ns.inum) == cfg_netns)
		sink++;
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_netns_direct, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	if (dev && dev->nd_net.net->ns.inum == cfg_netns)
		sink++;
	return 0;
}

/* flow_from_skb() of bpf/common.bpf.h: 6 bpf_probe_read_kernel calls for IPv4.
 */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_parse_probe, struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 proto = BPF_CORE_READ(skb, protocol);
	struct iphdr iph;
	__u8 ihl;
	__u16 ports[2];

	if (!head || proto != bpf_htons(0x0800))
		return 0;
	if (bpf_probe_read_kernel(&iph, sizeof(iph), head + nh))
		return 0;
	bpf_probe_read_kernel(&ihl, 1, head + nh);
	if (!bpf_probe_read_kernel(ports, sizeof(ports),
				   head + nh + (ihl & 0xf) * 4))
		sink += iph.daddr + ports[1];
	return 0;
}

/* The same 5-tuple: direct loads for the skb fields, one read for the
 * header and ports together (IPv4 without options; else a second read). */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_parse_direct, struct sk_buff *skb)
{
	unsigned char *head = skb->head;
	__u16 nh = skb->network_header;
	struct {
		struct iphdr iph;
		__u16 ports[2];
	} h;

	if (!head || skb->protocol != bpf_htons(0x0800))
		return 0;
	if (bpf_probe_read_kernel(&h, sizeof(h), head + nh))
		return 0;
	if (h.iph.ihl == 5)
		sink += h.iph.daddr + h.ports[1];
	return 0;
}

/* allowed_lookup() of bpf/counters.bpf.h: one LPM-trie lookup (trie as filled
 * by bench.sh: 0.0.0.0/0 and 10.201.3.0/24, like the bench gateway). */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_lpm, struct sk_buff *skb)
{
	struct wgt_lpm_key k = {.family = 2};
	__u32 a = bpf_htonl(0x0ac90202); /* 10.201.2.2, the flood's target */
	struct wgt_lpm_val *v;

	k.prefixlen = WGT_LPM_FAMILY_BITS + 32;
	__builtin_memcpy(k.addr, &a, 4);
	v = bpf_map_lookup_elem(&allowed, &k);
	if (v)
		sink += v->plen;
	return 0;
}

/* flow_role() of bpf/common.bpf.h: two hash lookups (destination, source). */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_hash2, struct sk_buff *skb)
{
	struct wgt_addr_key k = {.family = 2};
	__u32 a = bpf_htonl(0x0ac90202), b = bpf_htonl(0x0ac90102);
	__u32 *r, role = 0;

	__builtin_memcpy(k.addr, &a, 4);
	r = bpf_map_lookup_elem(&trace_addrs, &k);
	if (r)
		role |= *r;
	__builtin_memcpy(k.addr, &b, 4);
	r = bpf_map_lookup_elem(&trace_addrs, &k);
	if (r)
		role |= *r;
	sink += role;
	return 0;
}

/* count_at() of bpf/counters.bpf.h on its hit path: LRU per-CPU hash lookup of
 * a 48-byte key and two increments. */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(cal_lru_count, struct sk_buff *skb)
{
	struct wgt_count_key k = {.verdict = WGT_V_TX_PEER, .ifindex = 7};
	struct wgt_count_val *v, init = {1, 64};

	v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		v->packets++;
		v->bytes += 64;
		return 0;
	}
	bpf_map_update_elem(&counts, &k, &init, BPF_NOEXIST);
	return 0;
}

/*
 * The same floor on the hook counters mode runs on: tcx egress of the
 * gateway's leaving device (attached by calib.c when given its ifindex).
 * cal_tc_empty: any tc program run there. cal_tc_lpm: the least the
 * route_bypass check can do per packet, as wgt_tc_bypass's path for a
 * packet of no peer does it (bpf/bypass.bpf.h: protocol, destination by
 * direct packet access after an Ethernet header, one LPM-trie lookup) but
 * without its config check, the bare-IP case and the IPv6 branch.
 */
SEC("tc")
int cal_tc_empty(struct __sk_buff *skb)
{
	return -1; /* TCX_NEXT / TC_ACT_UNSPEC: the packet goes on */
}

SEC("tc")
int cal_tc_lpm(struct __sk_buff *skb)
{
	const __u8 *p = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	struct wgt_lpm_key k = {.family = 2};
	struct wgt_lpm_val *v;

	if (skb->protocol != bpf_htons(0x0800) || p + 14 + 20 > end)
		return -1;
	k.prefixlen = WGT_LPM_FAMILY_BITS + 32;
	__builtin_memcpy(k.addr, p + 14 + 16, 4); /* iphdr.daddr */
	v = bpf_map_lookup_elem(&allowed, &k);
	if (v && v->plen && v->ifindex == skb->ifindex)
		sink++;
	return -1;
}

char LICENSE[] SEC("license") = "GPL";
