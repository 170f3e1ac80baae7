/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one header shared by the BPF programs (bpf/) and user space (user/).
 * Fixed-width fields, explicit padding, no bitfields: the layout is the ABI
 * between the two sides, and _Static_assert keeps it from drifting.
 */
#ifndef WGTRACE_H
#define WGTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* How a fact is observed, best first (DESIGN.md section 3). */
enum wgt_mode {
	WGT_MODE_FENTRY = 0,	/* fentry/fexit (BPF trampoline) */
	WGT_MODE_KPROBE,	/* kprobe/kretprobe */
	WGT_MODE_TRACEPOINT,	/* tp_btf or raw tracepoint */
	WGT_MODE_TC,		/* tc/tcx classifier + user-space inference */
	WGT_MODE_INVENTORY,	/* netlink/procfs counters and queries, no BPF */
	WGT_MODE_UNAVAILABLE,
	WGT_MODE__COUNT,
};

/* tc action the probe and the tc hooks return: never alter traffic. */
#define WGT_TC_ACT_OK 0

#endif /* WGTRACE_H */
