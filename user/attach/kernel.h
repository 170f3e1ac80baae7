/* SPDX-License-Identifier: GPL-2.0 */
/* Facts about the running kernel that do not need a BPF program to learn. */
#ifndef WGT_KERNEL_H
#define WGT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

struct kernel_facts {
	char release[65];
	char machine[65];
	bool btf_vmlinux; /* /sys/kernel/btf/vmlinux: CO-RE and tp_btf */
	bool wg_module;	  /* wireguard loaded (or built in) */
	bool wg_btf;	  /* /sys/kernel/btf/wireguard: WireGuard CO-RE */
	bool bpffs;	  /* /sys/fs/bpf mounted */
	bool tracefs;	  /* tracefs mounted: legacy kprobes, tracepoint ids */
	bool kprobe_pmu;  /* perf "kprobe" PMU: kprobes without tracefs */
};

int kernel_facts_read(struct kernel_facts *kf);

/* Drop reasons the kernel defines (enum skb_drop_reason), by name. */
struct drop_reasons {
	char **names; /* without the SKB_DROP_REASON_ prefix */
	unsigned int *values;
	size_t n;
};

int drop_reasons_from_btf(const struct btf *btf, struct drop_reasons *out);
int drop_reasons_load(struct drop_reasons *out);
bool drop_reasons_find(const struct drop_reasons *dr, const char *name,
		       unsigned int *value);
void drop_reasons_free(struct drop_reasons *dr);

/* CAP_BPF+CAP_PERFMON, or CAP_SYS_ADMIN, from a /proc/PID/status text. */
int caps_parse_effective(const char *status, unsigned long long *caps);
bool caps_allow_bpf(unsigned long long caps);
/* 0 when this process may load tracing programs, -EPERM when not. */
int check_bpf_privileges(void);

#endif /* WGT_KERNEL_H */
