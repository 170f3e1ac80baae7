// SPDX-License-Identifier: GPL-2.0
/*
 * Empty programs that `wgtrace probe` loads and attaches one at a time to learn
 * what the running kernel allows. Targets are set at run time with
 * bpf_program__set_attach_target() or at attach, so one object covers every
 * hook of the table in user/attach/hooks.c. They read nothing: a verifier or
 * attach failure then says something about the kernel, not about our code.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "wgtrace.h"

SEC("fentry")
int probe_fentry(void *ctx)
{
	return 0;
}

SEC("fexit")
int probe_fexit(void *ctx)
{
	return 0;
}

SEC("kprobe")
int probe_kprobe(void *ctx)
{
	return 0;
}

SEC("kretprobe")
int probe_kretprobe(void *ctx)
{
	return 0;
}

SEC("tp_btf")
int probe_tp_btf(void *ctx)
{
	return 0;
}

SEC("raw_tp")
int probe_raw_tp(void *ctx)
{
	return 0;
}

SEC("tc")
int probe_tc(struct __sk_buff *skb)
{
	return WGT_TC_OBSERVE;
}

char LICENSE[] SEC("license") = "GPL";
