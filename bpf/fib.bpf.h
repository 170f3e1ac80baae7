/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Routing decisions: one event per table looked up (the fib and fib6
 * tracepoints fire once per table as policy rules are walked), and the rule
 * that decided, where fexit on fib_rules_lookup is allowed.
 */
#ifndef WGT_BPF_FIB_H
#define WGT_BPF_FIB_H

#include "common.bpf.h"
#include "kretprobe.bpf.h"
#include "lookup_ctx.bpf.h"

#define WGT_FIB_RULE_INVERT                                                    \
	0x2 /* uapi fib_rules.h, a #define vmlinux.h lacks */

static __always_inline void fib_common_flow(struct wgt_event *e,
					    const struct flowi_common *c)
{
	e->mark = BPF_CORE_READ(c, flowic_mark);
	e->ifindex = BPF_CORE_READ(c, flowic_iif);
	e->oif = BPF_CORE_READ(c, flowic_oif);
	e->flow.proto = BPF_CORE_READ(c, flowic_proto);
}

static __always_inline int on_fib4_lookup(void *ctx, __u32 tb_id,
					  const struct flowi4 *flp,
					  const struct fib_nh_common *nhc,
					  int err)
{
	struct wgt_flow f = {.family = AF_INET};
	struct net_device *dev = NULL;
	struct wgt_event *e;
	__be32 sa, da;
	__u32 role;

	if (!cfg_trace)
		return 0;
	/* flp is the tracepoint's BTF-typed argument: plain loads. */
	sa = flp->saddr;
	da = flp->daddr;
	if (!v4_maybe_traced(sa, da))
		return 0;
	__builtin_memcpy(f.saddr, &sa, 4);
	__builtin_memcpy(f.daddr, &da, 4);
	role = flow_role(&f);
	if (!role || (role == WGT_ROLE_ENDPOINT && !endpoint_event_due(&f)))
		return 0;
	if (nhc)
		dev = BPF_CORE_READ(nhc, nhc_dev);
	if (!netns_wanted(dev_netns(dev)))
		return 0;

	e = event_reserve(WGT_EV_FIB);
	if (!e)
		return 0;
	e->flow = f;
	fib_common_flow(e, &flp->__fl_common);
	e->flow.sport = BPF_CORE_READ(flp, uli.ports.sport);
	e->flow.dport = BPF_CORE_READ(flp, uli.ports.dport);
	e->table = tb_id;
	e->err = err;
	e->netns = dev_netns(dev);
	if (dev) {
		e->oif = BPF_CORE_READ(dev, ifindex);
		e->gw_family = BPF_CORE_READ(nhc, nhc_gw_family);
		if (e->gw_family == AF_INET)
			READ_ADDR4(e->gw, nhc, nhc_gw.ipv4);
		else if (e->gw_family == AF_INET6)
			READ_ADDR6(e->gw, nhc, nhc_gw.ipv6);
	} else {
		e->oif = 0;
	}
	/* Any lookup of the flow may be the kernel's own: even the reverse-
	 * path check of a reply looks like a packet toward the destination. */
	if (role & WGT_ROLE_TARGET)
		e->flags |= lookup_ctx_flags(ctx);
	event_submit(e);
	return 0;
}

static __always_inline int on_fib6_lookup(void *ctx, const struct net *net,
					  const struct fib6_result *res,
					  struct fib6_table *table,
					  const struct flowi6 *flp)
{
	struct wgt_flow f = {.family = AF_INET6};
	struct fib6_info *f6i, *null_entry;
	struct net_device *dev = NULL;
	struct fib6_nh *nh;
	struct wgt_event *e;
	__u32 ns = BPF_CORE_READ(net, ns.inum), role;

	if (!cfg_trace || !netns_wanted(ns))
		return 0;
	BPF_CORE_READ_INTO(&f.saddr, flp, saddr);
	BPF_CORE_READ_INTO(&f.daddr, flp, daddr);
	role = flow_role(&f);
	if (!role || (role == WGT_ROLE_ENDPOINT && !endpoint_event_due(&f)))
		return 0;

	e = event_reserve(WGT_EV_FIB);
	if (!e)
		return 0;
	e->flow = f;
	fib_common_flow(e, &flp->__fl_common);
	e->flow.sport = BPF_CORE_READ(flp, uli.ports.sport);
	e->flow.dport = BPF_CORE_READ(flp, uli.ports.dport);
	e->table = table ? BPF_CORE_READ(table, tb6_id) : 0;
	e->netns = ns;
	e->rtype = BPF_CORE_READ(res, fib6_type);
	f6i = BPF_CORE_READ(res, f6i);
	null_entry = BPF_CORE_READ(net, ipv6.fib6_null_entry);
	/* IPv6 reports a miss as the null entry, not as an error code. */
	if (!f6i || f6i == null_entry) {
		e->err = -11; /* -EAGAIN, as IPv4 reports a table miss */
		e->oif = 0;
	} else {
		nh = BPF_CORE_READ(res, nh);
		if (nh)
			dev = BPF_CORE_READ(nh, nh_common.nhc_dev);
		e->oif = dev ? BPF_CORE_READ(dev, ifindex) : 0;
		if (nh) {
			e->gw_family =
			    BPF_CORE_READ(nh, nh_common.nhc_gw_family);
			if (e->gw_family == AF_INET6)
				READ_ADDR6(e->gw, nh, nh_common.nhc_gw.ipv6);
		}
	}
	/* Any lookup of the flow may be the kernel's own: even the reverse-
	 * path check of a reply looks like a packet toward the destination. */
	if (role & WGT_ROLE_TARGET)
		e->flags |= lookup_ctx_flags(ctx);
	event_submit(e);
	return 0;
}

/* fexit fib_rules_lookup: the rule that decided, for traced flows. */
static __always_inline int on_rule_result(const struct fib_rules_ops *ops,
					  const struct flowi *fl,
					  const struct fib_lookup_arg *arg,
					  int ret)
{
	struct wgt_flow f = {0};
	struct fib_rule *rule;
	struct wgt_event *e;
	int family;

	if (!cfg_trace)
		return 0;
	family = BPF_CORE_READ(ops, family);
	if (family == AF_INET) {
		__be32 a;

		f.family = AF_INET;
		a = BPF_CORE_READ(fl, u.ip4.saddr);
		__builtin_memcpy(f.saddr, &a, 4);
		a = BPF_CORE_READ(fl, u.ip4.daddr);
		__builtin_memcpy(f.daddr, &a, 4);
	} else if (family == AF_INET6) {
		f.family = AF_INET6;
		BPF_CORE_READ_INTO(&f.saddr, fl, u.ip6.saddr);
		BPF_CORE_READ_INTO(&f.daddr, fl, u.ip6.daddr);
	} else {
		return 0;
	}
	if (!flow_role(&f))
		return 0;
	if (!netns_wanted(BPF_CORE_READ(ops, fro_net, ns.inum)))
		return 0;

	e = event_reserve(WGT_EV_RULE);
	if (!e)
		return 0;
	e->flow = f;
	fib_common_flow(e, &fl->u.__fl_common);
	e->netns = BPF_CORE_READ(ops, fro_net, ns.inum);
	e->err = ret;
	rule = BPF_CORE_READ(arg, rule);
	if (rule) {
		e->rule_pref = BPF_CORE_READ(rule, pref);
		e->rule_action = BPF_CORE_READ(rule, action);
		e->table = BPF_CORE_READ(rule, table);
		if (BPF_CORE_READ(rule, flags) & WGT_FIB_RULE_INVERT)
			e->flags |= WGT_EVF_RULE_INVERT;
	}
	event_submit(e);
	return 0;
}

/* kprobe fib_rules_lookup(ops, fl, flags, arg): keep what the return reads. */
static __always_inline int on_rule_entry(const struct fib_rules_ops *ops,
					 const struct flowi *fl,
					 const struct fib_lookup_arg *arg)
{
	struct wgt_stash st = {.arg = {(__u64)ops, (__u64)fl, (__u64)arg}};
	__u64 task = rule_stash_key();

	if (!cfg_trace)
		return 0;
	bpf_map_update_elem(&kp_rule_args, &task, &st, BPF_ANY);
	return 0;
}

static __always_inline int on_rule_return(int ret)
{
	__u64 task = rule_stash_key();
	struct wgt_stash *st;
	__u64 a[3];

	if (!cfg_trace)
		return 0;
	st = bpf_map_lookup_elem(&kp_rule_args, &task);
	if (!st)
		return 0;
	__builtin_memcpy(a, st->arg, sizeof(a));
	bpf_map_delete_elem(&kp_rule_args, &task);
	return on_rule_result((void *)a[0], (void *)a[1], (void *)a[2], ret);
}

#endif /* WGT_BPF_FIB_H */
