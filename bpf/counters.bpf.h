/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counting in the kernel: per-CPU counters keyed by (verdict, device, peer),
 * and a few example flows per verdict (rate-limited per CPU) so a finding
 * can show one. User space reads the counters; it never counts packets.
 */
#ifndef WGT_BPF_COUNTERS_H
#define WGT_BPF_COUNTERS_H

#include "common.bpf.h"

const volatile __u32 cfg_counters = 0; /* watch/export: count verdicts */
/* Drop reason values of this kernel, resolved from BTF by the loader. */
const volatile __u32 cfg_reason_rpfilter = ~0U;
const volatile __u32 cfg_reason_too_big = ~0U;

/* LRU: a flood of new keys evicts old ones instead of failing to count. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, WGT_MAX_COUNT_KEYS);
	__type(key, struct wgt_count_key);
	__type(value, struct wgt_count_val);
} counts SEC(".maps");

/*
 * The AllowedIPs trie and the endpoints are reached through one-slot arrays
 * of maps: when the configuration outgrows the size chosen at load, user
 * space fills larger maps and swaps them in, without reloading a program
 * or touching a counter. The arrays' lookups are inlined: a load each.
 */
struct allowed_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WGT_MAX_ALLOWED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct wgt_lpm_key);
	__type(value, struct wgt_lpm_val);
} allowed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct allowed_trie);
} allowed_slot SEC(".maps") = {.values = {&allowed}};

/* Peer endpoints: outer packets to them are the tunnel, not a bypass. */
struct endpoint_set {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WGT_MAX_TRACE_ADDRS * 4);
	__type(key, struct wgt_addr_key);
	__type(value, __u32);
} endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct endpoint_set);
} endpoints_slot SEC(".maps") = {.values = {&endpoints}};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WGT_V__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} sample_ts SEC(".maps");

static __always_inline void count_at(__u32 verdict, __u32 ifindex,
				     const __u8 *peer, __u32 bytes,
				     __u64 location)
{
	struct wgt_count_key k = {
	    .verdict = verdict, .ifindex = ifindex, .location = location};
	struct wgt_count_val *v, init = {1, bytes};

	if (peer)
		__builtin_memcpy(k.peer, peer, WGT_KEY_LEN);
	v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		/* Per-CPU values: no atomics needed. */
		v->packets++;
		v->bytes += bytes;
		return;
	}
	if (bpf_map_update_elem(&counts, &k, &init, BPF_NOEXIST))
		stat_inc(WGT_STAT_COUNTS_FULL);
}

static __always_inline void count_verdict(__u32 verdict, __u32 ifindex,
					  const __u8 *peer, __u32 bytes)
{
	count_at(verdict, ifindex, peer, bytes, 0);
}

/* May this CPU send an example of this verdict now? */
static __always_inline bool sample_due(__u32 verdict)
{
	__u64 now = bpf_ktime_get_ns(), *last;

	if (verdict >= WGT_V__COUNT)
		return false;
	last = bpf_map_lookup_elem(&sample_ts, &verdict);
	if (!last || now - *last < WGT_SAMPLE_GAP_NS)
		return false;
	*last = now;
	return true;
}

/* A sample event, or NULL when not due (or the ring is full). */
static __always_inline struct wgt_event *sample_reserve(__u32 verdict)
{
	struct wgt_event *e;

	if (!sample_due(verdict))
		return NULL;
	e = event_reserve(WGT_EV_SAMPLE);
	if (e)
		e->verdict = verdict;
	return e;
}

/* Longest AllowedIPs prefix holding the address, across all devices. */
static __always_inline struct wgt_lpm_val *allowed_lookup(__u8 family,
							  const __u8 *addr)
{
	struct wgt_lpm_key k = {.family = family};
	__u32 zero = 0;
	void *trie = bpf_map_lookup_elem(&allowed_slot, &zero);

	if (!trie)
		return NULL;
	if (family == AF_INET) {
		k.prefixlen = WGT_LPM_FAMILY_BITS + 32;
		__builtin_memcpy(k.addr, addr, 4);
	} else {
		k.prefixlen = WGT_LPM_FAMILY_BITS + 128;
		__builtin_memcpy(k.addr, addr, 16);
	}
	return bpf_map_lookup_elem(trie, &k);
}

static __always_inline bool is_endpoint(__u8 family, const __u8 *addr)
{
	struct wgt_addr_key k = {.family = family};
	__u32 zero = 0;
	void *set = bpf_map_lookup_elem(&endpoints_slot, &zero);

	if (!set)
		return false;
	if (family == AF_INET)
		__builtin_memcpy(k.addr, addr, 4);
	else
		__builtin_memcpy(k.addr, addr, 16);
	return bpf_map_lookup_elem(set, &k) != NULL;
}

#endif /* WGT_BPF_COUNTERS_H */
