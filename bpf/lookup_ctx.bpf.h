/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which FIB lookups the kernel makes for itself: the reverse-path check of
 * a received packet (fib_validate_source) and the routing of an ICMP error
 * (__icmp_send, icmp6_send). Both look up the reversed flow, so by their
 * addresses they pass for a reply of the traced destination, and under load
 * no timing tells them apart. The kernel stack does: user space resolves
 * those functions' address ranges from kallsyms before load, and a lookup
 * with one of them among its callers is flagged.
 */
#ifndef WGT_BPF_LOOKUP_CTX_H
#define WGT_BPF_LOOKUP_CTX_H

#include "common.bpf.h"

/*
 * Deep enough for an ICMPv6 error's route lookup through policy rules (a
 * dozen frames); the kernel stops unwinding there, which bounds the cost.
 */
#define WGT_CTX_FRAMES 16

const volatile __u32 cfg_ctx_n = 0; /* 0: no ranges, flag nothing */
const volatile __u64 cfg_ctx_lo[WGT_CTX_RANGES] = {0};
const volatile __u64 cfg_ctx_hi[WGT_CTX_RANGES] = {0};
const volatile __u8 cfg_ctx_flag[WGT_CTX_RANGES] = {0};

struct wgt_ctx_stack {
	__u64 ip[WGT_CTX_FRAMES];
};

/* Scratch for the stack: too big for the BPF stack of a FIB program. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wgt_ctx_stack);
} ctx_stack SEC(".maps");

/* WGT_EVF_CTX_* for the lookup being traced (ctx: the tracepoint's). */
static __always_inline __u8 lookup_ctx_flags(void *ctx)
{
	struct wgt_ctx_stack *s;
	__u32 zero = 0;
	__u8 flags = 0;
	long n;
	__u32 i, j;

	if (!cfg_ctx_n)
		return 0;
	s = bpf_map_lookup_elem(&ctx_stack, &zero);
	if (!s)
		return 0;
	n = bpf_get_stack(ctx, s->ip, sizeof(s->ip), 0);
	if (n <= 0)
		return 0;
	n /= sizeof(__u64);
	for (i = 0; i < WGT_CTX_FRAMES && i < (__u32)n; i++) {
		__u64 ip = s->ip[i];

		/* Return addresses: past the call, at most the function's end.
		 */
		for (j = 0; j < WGT_CTX_RANGES && j < cfg_ctx_n; j++)
			if (ip > cfg_ctx_lo[j] && ip <= cfg_ctx_hi[j])
				flags |= cfg_ctx_flag[j];
	}
	return flags;
}

#endif /* WGT_BPF_LOOKUP_CTX_H */
