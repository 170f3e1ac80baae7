/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobe tier's plumbing. A kretprobe sees only the return value, so
 * its kprobe twin (or an fentry twin) keeps what the return needs: the
 * argument pointers, or a packet's 5-tuple read before the function may
 * free the packet.
 *
 * WireGuard's AllowedIPs lookups run with bottom halves disabled and never
 * nest on one CPU: one per-CPU slot each. wg_xmit() can nest: its error
 * path sends an ICMP error (icmp_ndo_send), which may leave through a
 * WireGuard device again, synchronously, on the same CPU: a small per-CPU
 * stack. fib_rules_lookup() also runs in process context, where it can be
 * preempted and migrate: keyed by task, and by CPU for softirqs that run on
 * the idle task (whose pid_tgid is 0 on every CPU).
 */
#ifndef WGT_BPF_KRETPROBE_H
#define WGT_BPF_KRETPROBE_H

#include "common.bpf.h"

enum wgt_stash_slot {
	WGT_STASH_TX_PEER, /* wg_allowedips_lookup_dst: skb */
	WGT_STASH_RX_SRC,  /* wg_allowedips_lookup_src: skb */
	WGT_STASH__COUNT,
};

struct wgt_stash {
	__u64 arg[3]; /* arg[0] == 0: empty */
	struct wgt_flow flow;
	__u32 ifindex;
	__u32 len;
	__u32 netns;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WGT_STASH__COUNT);
	__type(key, __u32);
	__type(value, struct wgt_stash);
} kp_stash SEC(".maps");

/* wg_xmit's nesting depth on one CPU that is remembered; deeper calls
 * are not counted (and never mismatched). */
#define WGT_XMIT_DEPTH 4

struct wgt_xmit_stack {
	__u32 depth; /* calls entered and not yet returned */
	__u32 pad;
	struct wgt_stash frame[WGT_XMIT_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wgt_xmit_stack);
} kp_xmit SEC(".maps");

/* The key of the rule lookup's arguments: the task, or the CPU for work
 * done on the idle task (softirq on an idle CPU: pid_tgid 0 everywhere). */
static __always_inline __u64 rule_stash_key(void)
{
	__u64 task = bpf_get_current_pid_tgid();

	return task ? task : (1ULL << 63) | bpf_get_smp_processor_id();
}

/* The rule lookup's arguments, per task (see above). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct wgt_stash);
} kp_rule_args SEC(".maps");

static __always_inline struct wgt_stash *stash_slot(__u32 slot)
{
	return bpf_map_lookup_elem(&kp_stash, &slot);
}

static __always_inline void stash_ptr(__u32 slot, const void *p)
{
	struct wgt_stash *st = stash_slot(slot);

	if (st)
		st->arg[0] = (__u64)p;
}

/* The pointer kept by the entry probe, emptying the slot; NULL if none. */
static __always_inline void *stash_take_ptr(__u32 slot)
{
	struct wgt_stash *st = stash_slot(slot);
	__u64 p;

	if (!st)
		return NULL;
	p = st->arg[0];
	st->arg[0] = 0;
	return (void *)p;
}

#endif /* WGT_BPF_KRETPROBE_H */
