// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "model/verdict.h"

static const struct verdict_info verdicts[WGT_V__COUNT] = {
    [WGT_V_SRC_REJECTED] =
	{"src_rejected", SEV_ERROR,
	 "WireGuard dropped packets whose inner source is not in the sending "
	 "peer's AllowedIPs",
	 "add the source range to that peer's AllowedIPs, or NAT it on the far "
	 "end; if it belongs to another peer, the far end routes it into the "
	 "wrong tunnel",
	 true},
    [WGT_V_RPF_DROP] =
	{"rpf_drop", SEV_ERROR,
	 "reverse path filter dropped packets: the route back to their source "
	 "points elsewhere",
	 "make routing symmetric, use rp_filter=2 (loose) on this device, or "
	 "net.ipv4.conf.all.src_valid_mark=1 with fwmark policy routing",
	 true},
    [WGT_V_MTU_DROP] =
	{"mtu_drop", SEV_ERROR,
	 "packets too big for the path MTU were dropped (frag-needed / "
	 "packet-too-big sent)",
	 "lower the WireGuard MTU (underlay MTU - 60 for IPv4, - 80 for IPv6 "
	 "endpoints) or clamp TCP MSS; make sure ICMP is not blocked",
	 true},
    [WGT_V_NO_PEER] = {"no_peer", SEV_ERROR,
		       "packets were routed into a WireGuard device but no "
		       "peer's AllowedIPs holds their destination",
		       "add the prefix to the right peer's AllowedIPs, or "
		       "narrow the route into the device",
		       true},
    [WGT_V_NO_ENDPOINT] =
	{"no_endpoint", SEV_ERROR,
	 "packets went to a peer that has no endpoint to send them to",
	 "set the peer's endpoint, or let it connect first (persistent "
	 "keepalive on its side)",
	 true},
    [WGT_V_ROUTE_BYPASS] =
	{"route_bypass", SEV_ERROR,
	 "traffic for a peer's AllowedIPs left by another device, outside the "
	 "tunnel",
	 "route the prefix into the WireGuard device (wg-quick does; 'wg set' "
	 "alone does not) or check what rewrote the routes",
	 false},
    [WGT_V_OUTER_FRAGMENTED] =
	{"outer_fragmented", SEV_WARNING,
	 "outer WireGuard packets were fragmented on the underlay",
	 "lower the WireGuard MTU to underlay MTU - 60 (IPv4) or - 80 (IPv6)",
	 false},
    [WGT_V_TX_PEER] = {"tx_peer", SEV_INFO, "packets sent to a peer", "",
		       false},
};

const struct verdict_info *verdict_info(unsigned int verdict)
{
	if (verdict >= WGT_V__COUNT || !verdicts[verdict].id)
		return NULL;
	return &verdicts[verdict];
}

const char *verdict_name(unsigned int verdict, const struct drop_reasons *dr,
			 char *buf, size_t len)
{
	const struct verdict_info *vi = verdict_info(verdict);
	size_t i;

	if (vi) {
		snprintf(buf, len, "%s", vi->id);
		return buf;
	}
	if (verdict >= WGT_V_KERNEL_REASON) {
		unsigned int reason = verdict - WGT_V_KERNEL_REASON;

		for (i = 0; dr && i < dr->n; i++) {
			if (dr->values[i] == reason) {
				snprintf(buf, len, "kernel_%s", dr->names[i]);
				return buf;
			}
		}
		/* Kernels before 5.17 give no reason: the call site tells. */
		if (reason == WGT_REASON_UNKNOWN)
			snprintf(buf, len, "kernel_UNKNOWN");
		else
			snprintf(buf, len, "kernel_%u", reason);
		return buf;
	}
	snprintf(buf, len, "unknown_%u", verdict);
	return buf;
}
