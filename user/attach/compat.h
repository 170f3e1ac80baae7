/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What Debian 12's libbpf 1.1 and its 6.1 UAPI headers lack. Values are the
 * kernel's UAPI numbers; the kernel, not this header, decides if they work.
 */
#ifndef WGT_COMPAT_H
#define WGT_COMPAT_H

#include <linux/bpf.h>

/* tcx (6.6+): enum bpf_attach_type values, newer than the 6.1 headers. */
#define WGT_BPF_TCX_INGRESS 46
#define WGT_BPF_TCX_EGRESS 47

#endif /* WGT_COMPAT_H */
