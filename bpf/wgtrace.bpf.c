// SPDX-License-Identifier: GPL-2.0
/*
 * wgtrace's kernel programs: thin entry points. The logic of each concern is
 * in fib.h, wg.h (wg_kprobe.h for the kprobe tier), drop.h, outer.h, tc.h
 * and bypass.h (counting in counters.h). Each candidate of the hook table in
 * user/attach/hooks.c names the programs here that implement it; the loader
 * enables only those of the candidates it chose for this kernel.
 */
#include "common.bpf.h"
#include "fib.bpf.h"
#include "wg.bpf.h"
#include "wg_kprobe.bpf.h"
#include "drop.bpf.h"
#include "outer.bpf.h"
#include "tc.bpf.h"
#include "bypass.bpf.h"

SEC("tp_btf/fib_table_lookup")
int BPF_PROG(wgt_fib4, u32 tb_id, const struct flowi4 *flp,
	     const struct fib_nh_common *nhc, int err)
{
	return on_fib4_lookup(ctx, tb_id, flp, nhc, err);
}

SEC("tp_btf/fib6_table_lookup")
int BPF_PROG(wgt_fib6, const struct net *net, const struct fib6_result *res,
	     struct fib6_table *table, const struct flowi6 *flp)
{
	return on_fib6_lookup(ctx, net, res, table, flp);
}

SEC("fexit/fib_rules_lookup")
int BPF_PROG(wgt_rule, struct fib_rules_ops *ops, struct flowi *fl, int flags,
	     struct fib_lookup_arg *arg, int ret)
{
	return on_rule_result(ops, fl, arg, ret);
}

SEC("kprobe/fib_rules_lookup")
int BPF_KPROBE(wgt_kp_rule, struct fib_rules_ops *ops, struct flowi *fl,
	       int flags, struct fib_lookup_arg *arg)
{
	return on_rule_entry(ops, fl, arg);
}

SEC("kretprobe/fib_rules_lookup")
int BPF_KRETPROBE(wgt_kr_rule, int ret)
{
	return on_rule_return(ret);
}

/* Reason is the third argument on every kernel with reasons (5.17+). */
SEC("tp_btf/kfree_skb")
int BPF_PROG(wgt_kfree_skb, struct sk_buff *skb, void *location, int reason)
{
	return on_kfree_skb(skb, (__u64)location, reason);
}

/* Before 5.17 the tracepoint has no reason: the call site tells drops apart. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(wgt_kfree_skb_loc, struct sk_buff *skb, void *location)
{
	return on_kfree_skb(skb, (__u64)location, WGT_REASON_UNKNOWN);
}

SEC("tp_btf/icmp_send")
int BPF_PROG(wgt_icmp_send, struct sk_buff *skb, int type, int code)
{
	return on_icmp_send(skb, type, code);
}

SEC("kprobe/__icmp_send")
int BPF_KPROBE(wgt_kp_icmp_send, struct sk_buff *skb, int type, int code)
{
	return on_icmp_send(skb, type, code);
}

SEC("kprobe/icmp6_send")
int BPF_KPROBE(wgt_kp_icmp6_send, struct sk_buff *skb, __u8 type)
{
	return on_icmp6_send(skb, type);
}

SEC("fexit/wg_allowedips_lookup_dst")
int BPF_PROG(wgt_wg_tx_peer, void *table, struct sk_buff *skb,
	     struct wg_peer___wgt *ret)
{
	return on_wg_tx_peer(skb, ret);
}

SEC("fexit/wg_allowedips_lookup_src")
int BPF_PROG(wgt_wg_rx_src, void *table, struct sk_buff *skb,
	     struct wg_peer___wgt *ret)
{
	return on_wg_rx_src(skb, ret);
}

SEC("kprobe/wg_allowedips_lookup_dst")
int BPF_KPROBE(wgt_kp_tx_peer, void *table, struct sk_buff *skb)
{
	stash_ptr(WGT_STASH_TX_PEER, skb);
	return 0;
}

SEC("kretprobe/wg_allowedips_lookup_dst")
int BPF_KRETPROBE(wgt_kr_tx_peer, void *peer)
{
	return on_kr_tx_peer(peer);
}

SEC("kprobe/wg_allowedips_lookup_src")
int BPF_KPROBE(wgt_kp_rx_src, void *table, struct sk_buff *skb)
{
	stash_ptr(WGT_STASH_RX_SRC, skb);
	return 0;
}

SEC("kretprobe/wg_allowedips_lookup_src")
int BPF_KRETPROBE(wgt_kr_rx_src, void *owner)
{
	return on_kr_rx_src(owner);
}

SEC("fentry/wg_xmit")
int BPF_PROG(wgt_wg_xmit_entry, struct sk_buff *skb)
{
	return on_wg_xmit_entry(skb);
}

SEC("fexit/wg_xmit")
int BPF_PROG(wgt_wg_xmit, struct sk_buff *skb, struct net_device *dev, int ret)
{
	return on_wg_xmit_ret(ret);
}

SEC("kprobe/wg_xmit")
int BPF_KPROBE(wgt_kp_xmit, struct sk_buff *skb)
{
	return on_wg_xmit_entry(skb);
}

SEC("kretprobe/wg_xmit")
int BPF_KRETPROBE(wgt_kr_xmit, int ret)
{
	return on_wg_xmit_ret(ret);
}

SEC("fentry/wg_socket_send_skb_to_peer")
int BPF_PROG(wgt_wg_outer, struct wg_peer___wgt *peer, struct sk_buff *skb)
{
	return on_wg_outer(peer, skb);
}

SEC("fentry/ip_do_fragment")
int BPF_PROG(wgt_frag4, struct net *net, struct sock *sk, struct sk_buff *skb)
{
	return on_fragment(sk, skb);
}

SEC("fentry/ip6_fragment")
int BPF_PROG(wgt_frag6, struct net *net, struct sock *sk, struct sk_buff *skb)
{
	return on_fragment(sk, skb);
}

SEC("kprobe/ip_do_fragment")
int BPF_KPROBE(wgt_kp_frag4, struct net *net, struct sock *sk,
	       struct sk_buff *skb)
{
	return on_fragment(sk, skb);
}

SEC("kprobe/ip6_fragment")
int BPF_KPROBE(wgt_kp_frag6, struct net *net, struct sock *sk,
	       struct sk_buff *skb)
{
	return on_fragment(sk, skb);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(wgt_dev_queue, struct sk_buff *skb)
{
	return on_dev_queue(skb);
}

SEC("tc")
int wgt_tc_bypass(struct __sk_buff *skb)
{
	on_tc_bypass(skb);
	return WGT_TC_OBSERVE;
}

SEC("tc")
int wgt_tc_egress(struct __sk_buff *skb)
{
	return on_tc(skb, true);
}

SEC("tc")
int wgt_tc_ingress(struct __sk_buff *skb)
{
	return on_tc(skb, false);
}

char LICENSE[] SEC("license") = "GPL";
