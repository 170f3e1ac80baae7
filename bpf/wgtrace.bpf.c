// SPDX-License-Identifier: GPL-2.0
/*
 * wgtrace's kernel programs: thin entry points. The logic of each concern is
 * in fib.h, wg.h, drop.h, tc.h and bypass.h (counting in counters.h); the loader (user/loader.c) enables only
 * the programs of the hook mode this kernel allows (user/hooks.c).
 */
#include "common.h"
#include "fib.h"
#include "wg.h"
#include "drop.h"
#include "tc.h"
#include "bypass.h"

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

/* Reason is the third argument on every kernel with reasons (5.17+). */
SEC("tp_btf/kfree_skb")
int BPF_PROG(wgt_kfree_skb, struct sk_buff *skb, void *location, int reason)
{
	return on_kfree_skb(skb, (__u64)location, reason);
}

SEC("tp_btf/icmp_send")
int BPF_PROG(wgt_icmp_send, const struct sk_buff *skb, int type, int code)
{
	return on_icmp_send(skb, type, code);
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

SEC("fentry/wg_socket_send_skb_to_peer")
int BPF_PROG(wgt_wg_outer, struct wg_peer___wgt *peer, struct sk_buff *skb)
{
	return on_wg_outer(peer, skb);
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
