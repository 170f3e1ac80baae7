// SPDX-License-Identifier: GPL-2.0
/* Reduce the events of a trace to what was seen for one destination. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli/trace.h"

static bool flow_is(const struct wgt_flow *f, bool dst_side,
		    const struct wgt_addr *a)
{
	struct wgt_addr x;

	flow_addr(f, dst_side, &x);
	return addr_equal(&x, a);
}

/*
 * The peer WireGuard chose for the traced packets: as its hook named it,
 * else by WireGuard's rule over the configured AllowedIPs; NULL when none.
 */
static const uint8_t *chosen_peer(const struct trace_target *t,
				  const struct trace_seen *s)
{
	const struct trace_expect *exp = &t->exp;

	if (s->tx_peer_seen && s->tx_peer.type == WGT_EV_WG_TX_PEER &&
	    (s->tx_peer.flags & WGT_EVF_PEER))
		return s->tx_peer.peer;
	if (exp->has_peer)
		return exp->wg->peers[exp->peer].pubkey;
	return NULL;
}

/*
 * The first outer packet WireGuard sent to the chosen peer. Every peer
 * whose endpoint is traced sends them (handshakes, keepalives), and peers
 * share endpoint addresses or roam to each other's: another peer's would
 * report its endpoint as the flow's.
 */
static void pick_outer_send(const struct wgt_event *ev, size_t n,
			    const struct trace_target *t, struct trace_seen *s)
{
	const uint8_t *peer = chosen_peer(t, s);
	size_t i;

	for (i = 0; i < n && peer; i++) {
		const struct wgt_event *e = &ev[i];

		if (e->type == WGT_EV_WG_OUTER && (e->flags & WGT_EVF_PEER) &&
		    !memcmp(e->peer, peer, WGT_KEY_LEN)) {
			s->outer_send = *e;
			s->outer_send_seen = true;
			return;
		}
	}
}

/*
 * The endpoint the chosen peer's outer packets go to, and its port
 * (network order, 0: unknown), if known: where WireGuard sent one, else
 * what its TX hook read, else the configuration.
 */
static bool outer_endpoint(const struct trace_target *t,
			   const struct trace_seen *seen, struct wgt_addr *ep,
			   uint16_t *port)
{
	const struct trace_expect *exp = &t->exp;

	if (seen->outer_send_seen && seen->outer_send.endpoint_family) {
		addr_from_raw(ep, seen->outer_send.endpoint_family,
			      seen->outer_send.endpoint);
		*port = seen->outer_send.endpoint_port;
		return true;
	}
	if (seen->tx_peer_seen && seen->tx_peer.endpoint_family) {
		addr_from_raw(ep, seen->tx_peer.endpoint_family,
			      seen->tx_peer.endpoint);
		*port = seen->tx_peer.endpoint_port;
		return true;
	}
	if (exp->has_peer && exp->wg->peers[exp->peer].has_endpoint) {
		*ep = exp->wg->peers[exp->peer].endpoint;
		*port = htons(exp->wg->peers[exp->peer].endpoint_port);
		return true;
	}
	return false;
}

/*
 * WireGuard routes its outer packets with the device's fwmark (0 when
 * unset). A lookup of the endpoint under another mark is someone else's
 * (a route query, a reverse-path check the stack did not flag): taking it
 * for the outer route would report the wrong table and device.
 */
static bool outer_mark_ok(const struct trace_target *t,
			  const struct fib_decision *d)
{
	const struct trace_expect *exp = &t->exp;

	return !exp->has_peer || d->mark == exp->wg->fwmark;
}

/*
 * WireGuard routes an outer packet with the endpoint's port in the flow
 * (fl4_dport, fl6_dport): a lookup for another peer at the same address
 * (another port) is that peer's handshake or keepalive, and one without a
 * port is no outer packet at all.
 */
static bool outer_port_ok(uint16_t port, const struct fib_decision *d)
{
	return !port || d->flow.dport == port;
}

static void reduce_events(const struct wgt_event *ev, size_t n,
			  const struct trace_target *t,
			  const struct trace_opts *o, struct trace_seen *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct wgt_event *e = &ev[i];
		bool to = flow_is(&e->flow, true, &t->dst);
		bool from = flow_is(&e->flow, false, &t->dst);

		switch (e->type) {
		case WGT_EV_RULE:
			if (to && !s->rule_seen) {
				s->rule = *e;
				s->rule_seen = true;
			}
			break;
		case WGT_EV_WG_TX_PEER:
			if (to && !s->tx_peer_seen) {
				s->tx_peer = *e;
				s->tx_peer_seen = true;
			}
			break;
		case WGT_EV_TC:
			if (to && (e->flags & WGT_EVF_EGRESS) &&
			    !s->tx_peer_seen) {
				s->tx_peer = *e;
				s->tx_peer_seen = true;
			} else if (from && !(e->flags & WGT_EVF_EGRESS) &&
				   !s->rx_seen) {
				s->rx = *e;
				s->rx_seen = true;
			}
			break;
		case WGT_EV_WG_RX_SRC:
			if (!from)
				break;
			if (!s->rx_seen) {
				s->rx = *e;
				s->rx_seen = true;
			}
			if (e->flags & WGT_EVF_REJECT)
				s->n_rx_rejected++;
			break;
		case WGT_EV_DROP:
			/* A reply to our own probe has no socket but ours: not
			 * a drop. */
			if (from && o->send && e->reason == o->no_socket_reason)
				break;
			if ((to || from) && !s->n_drops++)
				s->drop = *e;
			break;
		case WGT_EV_ICMP:
			if ((to || from) && !s->n_icmp++)
				s->icmp = *e;
			break;
		default:
			break;
		}
	}
}

void trace_reduce(const struct wgt_event *ev, size_t n, bool v4_custom_rules,
		  bool own_flags, const struct inventory *inv,
		  const struct trace_target *t, const struct trace_opts *o,
		  struct trace_seen *seen)
{
	struct fib_decision *d;
	struct wgt_addr ep;
	uint16_t ep_port = 0;
	bool has_ep, known = false;
	size_t i, nd;

	memset(seen, 0, sizeof(*seen));
	seen->rtt_us = -1;
	reduce_events(ev, n, t, o, seen);
	pick_outer_send(ev, n, t, seen);
	has_ep = outer_endpoint(t, seen, &ep, &ep_port);
	d = calloc(n ? n : 1, sizeof(*d));
	if (!d)
		return;
	nd = path_group_fib(ev, n, v4_custom_rules, own_flags, inv, d, n);
	/*
	 * A lookup that found nothing has no device to tell its namespace:
	 * when some decisions are known to be ours, the unknown ones may be
	 * another namespace's (the kernel fires one tracepoint for all).
	 */
	for (i = 0; i < nd && !known; i++)
		known = d[i].netns != 0;
	for (i = 0; i < nd; i++) {
		if (d[i].rpf_check || d[i].internal || (known && !d[i].netns))
			continue;
		if (flow_is(&d[i].flow, true, &t->dst) &&
		    (!o->src.family || o->src.family != t->dst.family ||
		     flow_is(&d[i].flow, false, &o->src))) {
			if (!seen->n_forward++)
				seen->fwd = d[i];
		} else if (flow_is(&d[i].flow, false, &t->dst)) {
			if (!seen->n_reply++)
				seen->rep = d[i];
			/* Kernel timestamps: RTT also for forwarded flows. */
			if (seen->n_forward && seen->rtt_us < 0 &&
			    d[i].ts_ns > seen->fwd.ts_ns)
				seen->rtt_us =
				    (d[i].ts_ns - seen->fwd.ts_ns) / 1000;
		} else if (has_ep && flow_is(&d[i].flow, true, &ep) &&
			   outer_mark_ok(t, &d[i]) &&
			   outer_port_ok(ep_port, &d[i]) && !seen->outer_seen) {
			seen->outer = d[i];
			seen->outer_seen = true;
		}
	}
	free(d);
}
