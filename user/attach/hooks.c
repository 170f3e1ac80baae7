// SPDX-License-Identifier: GPL-2.0
/* The hook table: what wgtrace observes and how, best way first. */
#include <stdio.h>

#include "base/common.h"
#include "attach/hooks.h"

/* One candidate per line reads as a table: keep the formatter out. */
/* clang-format off */
#define BPF_CAND(k, t, w, ...)	{ k, t, w, { __VA_ARGS__ } }
#define FEXIT(f, ...)		BPF_CAND(HK_FEXIT, f, NULL, __VA_ARGS__)
#define FENTRY(f, w, ...)	BPF_CAND(HK_FENTRY, f, w, __VA_ARGS__)
#define KPROBE(f, w, ...)	BPF_CAND(HK_KPROBE, f, w, __VA_ARGS__)
/* A kprobe on entry keeping what the kretprobe reads: program pair. */
#define KRETPROBE(f, w, ...)	BPF_CAND(HK_KRETPROBE, f, w, __VA_ARGS__)
#define TP_BTF(t, w, ...)	BPF_CAND(HK_TP_BTF, t, w, __VA_ARGS__)
#define DROP_REASON(r, ...)	BPF_CAND(HK_DROP_REASON, r, NULL, __VA_ARGS__)
#define TC(w, ...)		BPF_CAND(HK_TC, NULL, w, __VA_ARGS__)
#define TCX(w, ...)		BPF_CAND(HK_TC, "tcx", w, __VA_ARGS__)	/* tcx links only */
#define INVENTORY(w)		{ HK_INVENTORY, NULL, w, { NULL } }
#define FACT(i, w, ...)							\
	{ .id = i, .what = w, .cand = { __VA_ARGS__ },			\
	  .ncand = ARRAY_SIZE(((struct hook_candidate[]){ __VA_ARGS__ })) }
/* clang-format on */

/*
 * kprobe candidates of WireGuard read no WireGuard struct
 * (bpf/wg_kprobe.bpf.h): they load where the module has no BTF (before 5.11),
 * and say what they cannot read.
 */
const struct hook_fact hook_facts[LF__COUNT] = {
    [LF_FIB4] = FACT("fib4_lookup", "IPv4 routing table and result",
		     TP_BTF("fib_table_lookup", NULL, "wgt_fib4"),
		     INVENTORY("route query over rtnetlink (ip route get)")),
    [LF_FIB6] = FACT("fib6_lookup", "IPv6 routing table and result",
		     TP_BTF("fib6_table_lookup", NULL, "wgt_fib6"),
		     INVENTORY("route query over rtnetlink (ip -6 route get)")),
    [LF_RULE] =
	FACT("policy_rule", "policy rule that decided",
	     FEXIT("fib_rules_lookup", "wgt_rule"),
	     KRETPROBE("fib_rules_lookup", NULL, "wgt_kp_rule", "wgt_kr_rule"),
	     INVENTORY("tables seen in fib lookups + rule dump")),
    [LF_WG_TX_PEER] =
	FACT("wg_tx_peer", "WireGuard peer chosen on TX",
	     FEXIT("wg_allowedips_lookup_dst", "wgt_wg_tx_peer"),
	     KRETPROBE("wg_allowedips_lookup_dst", "peer named from AllowedIPs",
		       "wgt_kp_tx_peer", "wgt_kr_tx_peer"),
	     TC("tc egress on the WireGuard device + AllowedIPs LPM",
		"wgt_tc_egress", "wgt_tc_ingress")),
    [LF_WG_RX_SRC] =
	FACT("wg_rx_src", "AllowedIPs source check and the real sender",
	     FEXIT("wg_allowedips_lookup_src", "wgt_wg_rx_src"),
	     KRETPROBE("wg_allowedips_lookup_src", "sender unknown",
		       "wgt_kp_rx_src", "wgt_kr_rx_src")),
    [LF_WG_XMIT] =
	FACT("wg_xmit_error",
	     "no endpoint on TX, where the TX peer hook cannot read it",
	     FEXIT("wg_xmit", "wgt_wg_xmit_entry", "wgt_wg_xmit"),
	     KRETPROBE("wg_xmit", NULL, "wgt_kp_xmit", "wgt_kr_xmit")),
    [LF_OUTER] =
	FACT("outer_endpoint", "outer endpoint and underlay device",
	     FENTRY("wg_socket_send_skb_to_peer", NULL, "wgt_wg_outer"),
	     INVENTORY("peer endpoint from the WireGuard inventory")),
    /* Not the FragOKs counter: it counts every fragmented packet. */
    [LF_OUTER_FRAG] = FACT(
	"outer_fragment", "outer WireGuard packet fragmented on the underlay",
	FENTRY("ip_do_fragment", "and ip6_fragment", "wgt_frag4", "wgt_frag6"),
	KPROBE("ip_do_fragment", "and ip6_fragment", "wgt_kp_frag4",
	       "wgt_kp_frag6")),
    [LF_RPF] = FACT("rpf_drop", "rp_filter drops",
		    DROP_REASON("IP_RPFILTER", "wgt_kfree_skb"),
		    INVENTORY("TcpExt IPReversePathFilter delta")),
    [LF_MTU] =
	FACT("mtu_drop", "inner packet too big for the path MTU",
	     DROP_REASON("PKT_TOO_BIG", "wgt_kfree_skb"),
	     TP_BTF("icmp_send", "IPv4 frag-needed", "wgt_icmp_send"),
	     KPROBE("__icmp_send", "frag-needed; icmp6_send: packet-too-big",
		    "wgt_kp_icmp_send", "wgt_kp_icmp6_send"),
	     INVENTORY("Ip FragFails + Ip6 InTooBigErrors delta")),
    [LF_ICMP] = FACT("icmp_error", "ICMP errors the kernel sends about a flow",
		     TP_BTF("icmp_send", "IPv4", "wgt_icmp_send"),
		     KPROBE("__icmp_send", "IPv4", "wgt_kp_icmp_send")),
    [LF_BYPASS] =
	FACT("route_bypass", "flows leaving outside the tunnel they belong to",
	     TCX("tcx egress on the namespace's devices", "wgt_tc_bypass"),
	     TP_BTF("net_dev_queue", NULL, "wgt_dev_queue")),
    [LF_LOOKUP_CTX] =
	FACT("lookup_context",
	     "lookups the kernel makes for itself (reverse path, ICMP errors)",
	     TP_BTF("fib_table_lookup", "kernel stack", "wgt_fib4"),
	     INVENTORY("timing after the packet's own lookup")),
    [LF_DROPS] = FACT("kernel_drops", "other kernel drops by reason",
		      DROP_REASON(NULL, "wgt_kfree_skb"),
		      TP_BTF("kfree_skb", "call site only: no drop reasons",
			     "wgt_kfree_skb_loc")),
};

const int hook_facts_count = ARRAY_SIZE(hook_facts);

enum wgt_mode hook_kind_mode(enum hook_kind kind)
{
	switch (kind) {
	case HK_FENTRY:
	case HK_FEXIT:
		return WGT_MODE_FENTRY;
	case HK_KPROBE:
	case HK_KRETPROBE:
		return WGT_MODE_KPROBE;
	case HK_TP_BTF:
	case HK_RAW_TP:
	case HK_DROP_REASON:
		return WGT_MODE_TRACEPOINT;
	case HK_TC:
		return WGT_MODE_TC;
	case HK_INVENTORY:
		return WGT_MODE_INVENTORY;
	}
	return WGT_MODE_UNAVAILABLE;
}

const char *wgt_mode_name(enum wgt_mode mode)
{
	static const char *const names[WGT_MODE__COUNT] = {
	    [WGT_MODE_FENTRY] = "fentry",
	    [WGT_MODE_KPROBE] = "kprobe",
	    [WGT_MODE_TRACEPOINT] = "tracepoint",
	    [WGT_MODE_TC] = "tc",
	    [WGT_MODE_INVENTORY] = "inventory",
	    [WGT_MODE_UNAVAILABLE] = "unavailable",
	};

	if ((unsigned int)mode >= WGT_MODE__COUNT)
		return "unavailable";
	return names[mode];
}

bool hook_candidate_is_bpf(const struct hook_candidate *c)
{
	return c->kind != HK_INVENTORY;
}

int hook_candidate_name(const struct hook_candidate *c, char *buf, size_t len)
{
	static const char *const prefix[] = {
	    [HK_FENTRY] = "fentry", [HK_FEXIT] = "fexit",
	    [HK_KPROBE] = "kprobe", [HK_KRETPROBE] = "kretprobe",
	    [HK_TP_BTF] = "tp_btf", [HK_RAW_TP] = "raw_tp",
	};

	switch (c->kind) {
	case HK_DROP_REASON:
		return snprintf(buf, len, "tp_btf/kfree_skb:%s",
				c->target ? c->target : "reason");
	case HK_TC:
	case HK_INVENTORY:
		return snprintf(buf, len, "%s", c->what);
	default:
		if (c->what)
			return snprintf(buf, len, "%s/%s (%s)", prefix[c->kind],
					c->target, c->what);
		return snprintf(buf, len, "%s/%s", prefix[c->kind], c->target);
	}
}
