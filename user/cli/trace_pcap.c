// SPDX-License-Identifier: GPL-2.0
/*
 * `trace --pcap FILE`: the traced flow's packets, each as one hook saw it,
 * in one pcapng file (user/files/pcapng.c). The kernel sends a packet's bytes
 * as a record right after the event that saw it (struct wgt_pkt); the event
 * names the hook, and wgtrace's inventory names the device and the peer.
 *
 * Which hooks give bytes: tc on a WireGuard device (the inner packet before
 * encryption, and after decryption), tc on the uplink (the outer UDP packet
 * to or from the peer's endpoint, with its UDP and IP headers), fexit of
 * WireGuard's AllowedIPs lookups (the inner packet, kernel WireGuard), and
 * kfree_skb (the packet at its drop point). The fib lookups see a flow and
 * a route, never bytes: they only name the table in the comments.
 * Encrypted payloads stay as captured; nothing is decrypted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/output.h"
#include "model/lpm.h"
#include "model/path.h"
#include "files/pcapng.h"
#include "cli/pcap_file.h"
#include "cli/trace.h"

/* Events kept to pair records with: both come from one program run. */
#define PCAP_RECENT 256
/* Bytes kept past the IP and transport headers by default. */
#define PCAP_DEFAULT_PAYLOAD 128

struct trace_pcap {
	struct pcap_file pf;
	const struct inventory *inv;
	const struct drop_reasons *reasons;
	uint32_t snaplen; /* 0: headers + PCAP_DEFAULT_PAYLOAD */
	/* trace --send: a reply to the probe is freed with this reason after
	 * the probe's socket took its copy (~0U: not sending). */
	uint32_t own_reply_reason;
	struct lpm **lpm; /* per WireGuard device, built lazily */
	struct wgt_event recent[PCAP_RECENT];
	size_t n_recent;
	uint64_t written, failed;
	int err; /* first write error */
};

uint32_t trace_pcap_kernel_snaplen(uint32_t snaplen)
{
	/* The default keeps headers + 128 bytes: IPv6 + TCP with options
	 * is 100 bytes of headers, so 256 are read and the rest cut here. */
	return snaplen ? snaplen : 256;
}

int trace_pcap_open(struct trace_pcap **out, const char *path, uint32_t snaplen,
		    const struct inventory *inv,
		    const struct drop_reasons *reasons,
		    uint32_t own_reply_reason)
{
	struct trace_pcap *p;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->lpm = calloc(inv->n_wg ? inv->n_wg : 1, sizeof(*p->lpm));
	if (!p->lpm) {
		err = -ENOMEM;
		goto cleanup;
	}
	p->inv = inv;
	p->reasons = reasons;
	p->snaplen = snaplen;
	p->own_reply_reason = own_reply_reason;
	err = pcap_file_open(&p->pf, path, trace_pcap_kernel_snaplen(snaplen));
	if (err)
		goto cleanup;
	*out = p;
	return 0;
cleanup:
	free(p->lpm);
	free(p);
	return err;
}

void trace_pcap_event(struct trace_pcap *p, const struct wgt_event *e)
{
	p->recent[p->n_recent++ % PCAP_RECENT] = *e;
}

/* The event a packet record follows: same CPU, same timestamp. */
static const struct wgt_event *event_of(const struct trace_pcap *p,
					const struct wgt_pkt *k)
{
	size_t i, n = p->n_recent < PCAP_RECENT ? p->n_recent : PCAP_RECENT;

	for (i = 1; i <= n; i++) {
		const struct wgt_event *e =
		    &p->recent[(p->n_recent - i) % PCAP_RECENT];

		if (e->cpu == k->cpu && e->ts_ns == k->ts_ns &&
		    e->type == k->ev_type)
			return e;
	}
	return NULL;
}

/* The latest routing decision about dst, of a packet (not the kernel's
 * own reverse-path or ICMP lookups) unless rpf is asked for. */
static const struct wgt_event *fib_of(const struct trace_pcap *p,
				      const struct wgt_addr *dst, bool rpf)
{
	size_t i, n = p->n_recent < PCAP_RECENT ? p->n_recent : PCAP_RECENT;
	struct wgt_addr d;

	for (i = 1; i <= n; i++) {
		const struct wgt_event *e =
		    &p->recent[(p->n_recent - i) % PCAP_RECENT];

		if (e->type != WGT_EV_FIB || e->err ||
		    !!(e->flags & WGT_EVF_CTX_RPF) != rpf ||
		    (e->flags & WGT_EVF_CTX_ICMP))
			continue;
		flow_addr(&e->flow, true, &d);
		if (addr_equal(&d, dst))
			return e;
	}
	return NULL;
}

/* The latest policy rule that decided for dst (fexit fib_rules_lookup). */
static const struct wgt_event *rule_of(const struct trace_pcap *p,
				       const struct wgt_addr *dst)
{
	size_t i, n = p->n_recent < PCAP_RECENT ? p->n_recent : PCAP_RECENT;
	struct wgt_addr d;

	for (i = 1; i <= n; i++) {
		const struct wgt_event *e =
		    &p->recent[(p->n_recent - i) % PCAP_RECENT];

		if (e->type != WGT_EV_RULE || e->err)
			continue;
		flow_addr(&e->flow, true, &d);
		if (addr_equal(&d, dst))
			return e;
	}
	return NULL;
}

/* Source and destination from the captured IP header; false if cut. */
static bool pkt_addrs(const struct wgt_pkt *k, struct wgt_addr *src,
		      struct wgt_addr *dst, uint8_t *proto, uint32_t *l4off,
		      uint16_t *sport, uint16_t *dport)
{
	const uint8_t *b = k->data;

	*sport = *dport = 0;
	if (k->caplen >= 20 && b[0] >> 4 == 4) {
		addr_from_raw(src, AF_INET, b + 12);
		addr_from_raw(dst, AF_INET, b + 16);
		*proto = b[9];
		*l4off = (b[0] & 0xf) * 4;
	} else if (k->caplen >= 40 && b[0] >> 4 == 6) {
		addr_from_raw(src, AF_INET6, b + 8);
		addr_from_raw(dst, AF_INET6, b + 24);
		*proto = b[6];
		*l4off = 40;
	} else {
		return false;
	}
	if (k->caplen >= *l4off + 4) {
		*sport = b[*l4off] << 8 | b[*l4off + 1];
		*dport = b[*l4off + 2] << 8 | b[*l4off + 3];
	}
	return true;
}

/* The default capture length: IP and transport headers, then 128 bytes. */
static uint32_t default_caplen(const struct wgt_pkt *k, uint8_t proto,
			       uint32_t l4off)
{
	uint32_t hl = l4off;

	if (proto == IPPROTO_TCP && k->caplen >= l4off + 13)
		hl += (k->data[l4off + 12] >> 4) * 4;
	else if (proto == IPPROTO_UDP || proto == IPPROTO_ICMP ||
		 proto == IPPROTO_ICMPV6)
		hl += 8;
	return hl + PCAP_DEFAULT_PAYLOAD;
}

uint32_t trace_pcap_default_caplen(const struct wgt_pkt *k)
{
	uint32_t caplen = k->caplen > WGT_PKT_MAX ? WGT_PKT_MAX : k->caplen;
	struct wgt_addr src, dst;
	uint16_t sport, dport;
	uint32_t l4off;
	uint8_t proto;

	if (pkt_addrs(k, &src, &dst, &proto, &l4off, &sport, &dport) &&
	    caplen > default_caplen(k, proto, l4off))
		caplen = default_caplen(k, proto, l4off);
	return caplen;
}

static const struct wg_peer_info *peer_by_lpm(struct trace_pcap *p,
					      const struct wg_device_info *wg,
					      const struct wgt_addr *a)
{
	size_t i = wg - p->inv->wg;
	struct lpm_match m;

	if (!p->lpm[i] && lpm_build(wg, &p->lpm[i]))
		return NULL;
	if (!lpm_lookup(p->lpm[i], a, &m) || m.peer >= wg->n_peers)
		return NULL;
	return &wg->peers[m.peer];
}

static const struct wg_peer_info *peer_by_endpoint(const struct trace_pcap *p,
						   const struct wgt_addr *a,
						   uint16_t port)
{
	size_t i, j;

	for (i = 0; i < p->inv->n_wg; i++)
		for (j = 0; j < p->inv->wg[i].n_peers; j++) {
			const struct wg_peer_info *q = &p->inv->wg[i].peers[j];

			if (q->has_endpoint && q->endpoint_port == port &&
			    addr_equal(&q->endpoint, a))
				return q;
		}
	return NULL;
}

static const char *reason_name(const struct trace_pcap *p, uint32_t v)
{
	size_t i;

	for (i = 0; p->reasons && i < p->reasons->n; i++)
		if (p->reasons->values[i] == v)
			return p->reasons->names[i];
	return NULL;
}

/* ICMP(v6) echo reply; type_code: the transport's first two bytes. */
static bool echo_reply(uint8_t proto, uint16_t type_code)
{
	return (proto == IPPROTO_ICMP && type_code >> 8 == 0) ||
	       (proto == IPPROTO_ICMPV6 && type_code >> 8 == 129);
}

/*
 * Which program saw a WireGuard decision: the kprobe tier (no WireGuard BTF,
 * before 5.11) flags its events because it names peers from the AllowedIPs
 * copy; without the event the attach type is not known and not guessed.
 */
static const char *wg_hook(const struct wgt_event *e, const char *fn, char *buf,
			   size_t len)
{
	if (!e)
		return fn;
	snprintf(buf, len, "%s %s",
		 e->flags & WGT_EVF_PEER_FROM_INV ? "kretprobe" : "fexit", fn);
	return buf;
}

/*
 * "hook=...; [rule=...; ]table=...; peer=...; verdict=...; ktime=...": what
 * wgtrace knows of this packet, for the Wireshark packet comment.
 */
static void comment_of(struct trace_pcap *p, const struct wgt_pkt *k,
		       const struct wgt_event *e, char *buf, size_t len)
{
	const struct wg_device_info *wg = inv_wg_by_index(p->inv, k->ifindex);
	const struct inv_link *l = inv_link_by_index(p->inv, k->ifindex);
	const struct wg_peer_info *peer = NULL;
	const struct wgt_event *fib = NULL, *rule;
	char key[WG_KEY_B64_LEN] = "", rs[40] = "?", hb[48];
	char dev[UTF8_CLEAN_SIZE(IF_NAMESIZE)];
	const char *hook = "?", *verdict = "seen", *r = NULL;
	bool egress = e && (e->flags & WGT_EVF_EGRESS);
	struct wgt_addr src, dst;
	uint16_t sport, dport;
	uint32_t l4off;
	uint8_t proto;
	size_t n;

	if (!pkt_addrs(k, &src, &dst, &proto, &l4off, &sport, &dport))
		src.family = dst.family = 0;
	switch (k->ev_type) {
	case WGT_EV_TC:
		hook = egress ? "tc egress" : "tc ingress";
		if (wg && dst.family) {
			/* tc ingress on a WireGuard device: the source check
			 * passed, the sender is the owner of the source. */
			peer = peer_by_lpm(p, wg, egress ? &dst : &src);
			verdict = egress ? (peer ? "to peer (AllowedIPs)"
						 : "no peer for destination")
					 : "from peer, source accepted";
		} else if (dst.family && proto == IPPROTO_UDP) {
			peer = egress ? peer_by_endpoint(p, &dst, dport)
				      : peer_by_endpoint(p, &src, sport);
			verdict = egress ? "outer to endpoint"
					 : "outer from endpoint";
		}
		/* On ingress the routing decision comes after tc. */
		if (dst.family && egress)
			fib = fib_of(p, &dst, false);
		break;
	case WGT_EV_WG_TX_PEER:
		hook = wg_hook(e, "wg_allowedips_lookup_dst", hb, sizeof(hb));
		verdict =
		    e && (e->flags & WGT_EVF_PEER) ? "to peer" : "no peer";
		if (dst.family)
			fib = fib_of(p, &dst, false);
		break;
	case WGT_EV_WG_RX_SRC:
		hook = wg_hook(e, "wg_allowedips_lookup_src", hb, sizeof(hb));
		verdict = e && (e->flags & WGT_EVF_REJECT) ? "src_rejected"
							   : "source accepted";
		break;
	case WGT_EV_DROP:
		hook = "kfree_skb";
		r = e ? reason_name(p, e->reason) : NULL;
		if (!r && e && p->reasons && !p->reasons->n)
			snprintf(rs, sizeof(rs), "(no reason on this kernel)");
		else if (!r && e)
			snprintf(rs, sizeof(rs), "%u", e->reason);
		verdict = "drop";
		/* rp_filter looked the source up as a destination. */
		if (src.family)
			fib = fib_of(p, &src, true);
		break;
	}
	if (e && (e->flags & WGT_EVF_PEER))
		wg_key_to_b64(key, e->peer);
	else if (peer)
		snprintf(key, sizeof(key), "%s", peer->pubkey_b64);
	/* pcapng comments are UTF-8; a device name need not be. */
	n = snprintf(buf, len, "hook=%s %s", hook,
		     l ? utf8_clean(l->name, dev, sizeof(dev)) : "?");
	/* The rule where the kernel lets it be seen: not on every kernel. */
	rule = fib && dst.family
		   ? rule_of(p, k->ev_type == WGT_EV_DROP ? &src : &dst)
		   : NULL;
	if (rule && n < len)
		n += snprintf(buf + n, len - n, "; rule=%u", rule->rule_pref);
	if (fib && n < len)
		n += snprintf(buf + n, len - n, "; table=%u", fib->table);
	if (key[0] && n < len)
		n += snprintf(buf + n, len - n, "; peer=%s", key);
	if (n < len) {
		if (k->ev_type == WGT_EV_DROP && e &&
		    e->reason == p->own_reply_reason && src.family &&
		    k->caplen >= l4off + 4 && echo_reply(proto, sport))
			n += snprintf(buf + n, len - n,
				      "; verdict=delivered to wgtrace's probe "
				      "socket, then freed (%s)",
				      r ? r : rs);
		else if (k->ev_type == WGT_EV_DROP && e)
			n += snprintf(buf + n, len - n, "; verdict=drop %s",
				      r ? r : rs);
		else
			n +=
			    snprintf(buf + n, len - n, "; verdict=%s", verdict);
	}
	if (n < len)
		snprintf(buf + n, len - n, "; ktime=%llu",
			 (unsigned long long)k->ts_ns);
}

void trace_pcap_packet(struct trace_pcap *p, const struct wgt_pkt *k)
{
	const struct wgt_event *e = event_of(p, k);
	uint32_t caplen = k->caplen;
	char comment[512];
	int err;

	if (p->err)
		return;
	if (caplen > WGT_PKT_MAX)
		caplen = WGT_PKT_MAX;
	if (!p->snaplen)
		caplen = trace_pcap_default_caplen(k);
	comment_of(p, k, e, comment, sizeof(comment));
	err = pcap_file_packet(&p->pf, p->inv, k, caplen, comment);
	if (err == -ENOSPC) {
		/* More devices than interface blocks: that packet only. */
		p->failed++;
		return;
	}
	if (err) {
		p->err = err;
		p->failed++;
		return;
	}
	p->written++;
}

int trace_pcap_close(struct trace_pcap *p, const char *path)
{
	size_t i;
	int err;

	if (!p)
		return 0;
	err = pcap_file_finish(&p->pf, path, p->err, p->written, p->failed, "");
	for (i = 0; i < p->inv->n_wg; i++)
		lpm_free(p->lpm[i]);
	free(p->lpm);
	free(p);
	return err;
}
