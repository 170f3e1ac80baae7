// SPDX-License-Identifier: GPL-2.0
/* The hook table: what wgtrace observes and how, best way first. */
#include <stdio.h>

#include "common.h"
#include "hooks.h"

#define FEXIT(f)	{ HK_FEXIT, f, NULL }
#define FENTRY(f)	{ HK_FENTRY, f, NULL }
#define KPROBE(f)	{ HK_KPROBE, f, NULL }
#define KRETPROBE(f)	{ HK_KRETPROBE, f, NULL }
#define TP_BTF(t)	{ HK_TP_BTF, t, NULL }
#define RAW_TP(t)	{ HK_RAW_TP, t, NULL }
#define DROP_REASON(r)	{ HK_DROP_REASON, r, NULL }
#define TC(w)		{ HK_TC, NULL, w }
#define TCX(w)		{ HK_TC, "tcx", w }	/* tcx links only, no qdisc */
#define INVENTORY(w)	{ HK_INVENTORY, NULL, w }
#define FACT(i, w, ...)							\
	{ .id = i, .what = w, .cand = { __VA_ARGS__ },			\
	  .ncand = ARRAY_SIZE(((struct hook_candidate[]){ __VA_ARGS__ })) }

const struct hook_fact hook_facts[] = {
	FACT("fib4_lookup", "IPv4 routing table and result",
	     TP_BTF("fib_table_lookup"), RAW_TP("fib_table_lookup"),
	     INVENTORY("route query over rtnetlink (ip route get)")),
	FACT("fib6_lookup", "IPv6 routing table and result",
	     TP_BTF("fib6_table_lookup"), RAW_TP("fib6_table_lookup"),
	     INVENTORY("route query over rtnetlink (ip -6 route get)")),
	FACT("policy_rule", "policy rule that decided",
	     FEXIT("fib_rules_lookup"), KRETPROBE("fib_rules_lookup"),
	     INVENTORY("tables seen in fib lookups + rule dump")),
	FACT("wg_tx_peer", "WireGuard peer chosen on TX",
	     FEXIT("wg_allowedips_lookup_dst"),
	     KRETPROBE("wg_allowedips_lookup_dst"),
	     TC("tc egress on the WireGuard device + AllowedIPs LPM")),
	FACT("wg_rx_src", "AllowedIPs source check and the real sender",
	     FEXIT("wg_allowedips_lookup_src"),
	     KRETPROBE("wg_allowedips_lookup_src"),
	     INVENTORY("rx_frame_errors delta (also counts non-IP packets)")),
	FACT("wg_xmit_error", "no peer / no endpoint on TX",
	     FEXIT("wg_xmit"), KRETPROBE("wg_xmit"),
	     INVENTORY("tx_errors delta of the WireGuard device")),
	FACT("rpf_drop", "rp_filter drops",
	     DROP_REASON("IP_RPFILTER"),
	     INVENTORY("TcpExt IPReversePathFilter delta")),
	FACT("rpf_reverse_route", "reverse route of an rp_filter drop",
	     FEXIT("fib_validate_source"), KRETPROBE("fib_validate_source")),
	FACT("mtu_drop", "inner packet too big for the path MTU",
	     TP_BTF("icmp_send"), DROP_REASON("PKT_TOO_BIG"),
	     KPROBE("__icmp_send"),
	     INVENTORY("Ip FragFails / Ip6 InTooBigErrors delta")),
	FACT("outer_fragment", "outer WireGuard packet fragmented",
	     FENTRY("ip_do_fragment"), KPROBE("ip_do_fragment"),
	     INVENTORY("Ip FragCreates delta")),
	FACT("outer_endpoint", "outer endpoint and underlay device",
	     FENTRY("wg_socket_send_skb_to_peer"),
	     KPROBE("wg_socket_send_skb_to_peer"),
	     TC("tc egress on the uplink, matched by fwmark + hash"),
	     INVENTORY("peer endpoint from the WireGuard inventory")),
	FACT("handshake", "WireGuard handshakes",
	     FEXIT("wg_noise_handshake_begin_session"),
	     KPROBE("wg_noise_handshake_begin_session"),
	     INVENTORY("last-handshake time over netlink")),
	FACT("route_bypass", "flows leaving outside the tunnel they belong to",
	     TCX("tcx egress on the namespace's devices"),
	     TP_BTF("net_dev_queue"),
	     INVENTORY("route query per AllowedIPs prefix (check)")),
	FACT("lookup_context", "lookups the kernel makes for itself (reverse path, ICMP errors)",
	     TP_BTF("fib_table_lookup"),
	     INVENTORY("timing after the packet's own lookup")),
	FACT("kernel_drops", "other kernel drops by reason",
	     TP_BTF("kfree_skb"), RAW_TP("kfree_skb")),
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

int hook_candidate_name(const struct hook_candidate *c, char *buf, size_t len)
{
	static const char *const prefix[] = {
		[HK_FENTRY] = "fentry", [HK_FEXIT] = "fexit",
		[HK_KPROBE] = "kprobe", [HK_KRETPROBE] = "kretprobe",
		[HK_TP_BTF] = "tp_btf", [HK_RAW_TP] = "raw_tp",
	};

	switch (c->kind) {
	case HK_DROP_REASON:
		return snprintf(buf, len, "tp_btf/kfree_skb:%s", c->target);
	case HK_TC:
	case HK_INVENTORY:
		return snprintf(buf, len, "%s", c->what);
	default:
		return snprintf(buf, len, "%s/%s", prefix[c->kind], c->target);
	}
}
