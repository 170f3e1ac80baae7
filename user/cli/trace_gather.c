// SPDX-License-Identifier: GPL-2.0
/*
 * The result of one traced destination (model/trace_result.h): route,
 * peer, outer packet, reply and drops, each with the hook mode that saw it,
 * then the findings. Looks things up and decides; prints nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "base/common.h"
#include "cli/trace.h"

_Static_assert(LF__COUNT <= TRACE_MAX_MODES, "a mode per fact");

struct gather {
	const struct inventory *inv;
	const struct loader *ld;
	const struct trace_opts *o;
	const struct trace_target *t;
	const struct trace_seen *s;
	const struct drop_reasons *reasons;
	struct trace_result *r;
	char peer_key[WG_KEY_B64_LEN]; /* the peer the flow went to */
};

static const char *ifname(const struct inventory *inv, int ifindex, char *buf,
			  size_t len)
{
	const struct inv_link *l = inv_link_by_index(inv, ifindex);

	if (l)
		snprintf(buf, len, "%s", l->name);
	else if (ifindex)
		snprintf(buf, len, "ifindex %d", ifindex);
	else
		snprintf(buf, len, "-");
	return buf;
}

static const char *route_err_name(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -ENETUNREACH:
		return "unreachable";
	case -EHOSTUNREACH:
		return "host unreachable";
	case -EACCES:
		return "prohibited";
	case -EINVAL:
		return "blackhole";
	case -EAGAIN:
		return "no route in table";
	default:
		return strerror(-err);
	}
}

/* A rule as `ip rule` prints it: "32765: not from all fwmark 0xca6c lookup
 * 51820". */
static void rule_text(const struct inv_rule *r, char *buf, size_t len)
{
	char a[WGT_PREFIX_STRLEN];
	size_t used;

	used = snprintf(buf, len, "%u:%s from %s", r->priority,
			r->invert ? " not" : "",
			r->src.len ? prefix_fmt(&r->src, a, sizeof(a)) : "all");
	if (r->dst.len && used < len)
		used += snprintf(buf + used, len - used, " to %s",
				 prefix_fmt(&r->dst, a, sizeof(a)));
	if (r->has_fwmark && used < len)
		used +=
		    snprintf(buf + used, len - used, " fwmark 0x%x", r->fwmark);
	if (r->iif[0] && used < len)
		used += snprintf(buf + used, len - used, " iif %s", r->iif);
	if (used < len) {
		if (r->action == FR_ACT_TO_TBL)
			used += snprintf(buf + used, len - used, " lookup %u",
					 r->table);
		else
			used += snprintf(buf + used, len - used, " action %u",
					 r->action);
	}
	if (r->suppress_prefixlen >= 0 && used < len)
		snprintf(buf + used, len - used, " suppress_prefixlength %d",
			 r->suppress_prefixlen);
}

static const char *wg_key_of(const uint8_t *raw, char out[WG_KEY_B64_LEN])
{
	wg_key_to_b64(out, raw);
	return out;
}

static bool has_finding(const struct gather *g, const char *id)
{
	size_t i;

	for (i = 0; i < g->r->findings.n; i++)
		if (!strcmp(g->r->findings.v[i].id, id))
			return true;
	return false;
}

static struct finding *new_finding(struct gather *g, const char *id,
				   enum wgt_severity sev, const char *mode)
{
	struct finding *f = finding_add(&g->r->findings, id, sev, mode);

	if (!f)
		return NULL;
	f->has_example = true;
	f->example.dst = g->t->dst;
	f->example.src = g->o->src;
	f->example.proto = g->o->proto;
	f->example.dport = g->o->port;
	f->example.mark = g->o->mark;
	return f;
}

/* The rule: seen by fexit, else inferred from the tables looked up. */
static void route_rule(struct gather *g, struct trace_route_step *rs)
{
	const struct trace_seen *s = g->s;
	const struct fib_decision *d = &s->fwd;
	struct rule_step steps[TRACE_MAX_PASSED];
	char in[IF_NAMESIZE + 16];
	size_t n_steps, k;
	int by = -1;

	rs->rule_priority = -1;
	rs->rule_mode = "inventory";
	if (s->rule_seen) {
		rs->has_rule = true;
		rs->rule_priority = s->rule.rule_pref;
		snprintf(rs->rule, sizeof(rs->rule), "%u%s -> table %u",
			 s->rule.rule_pref,
			 s->rule.flags & WGT_EVF_RULE_INVERT ? " (not)" : "",
			 s->rule.table);
		rs->rule_mode = wgt_mode_name(g->ld->mode[LF_RULE]);
		return;
	}
	if (!s->n_forward)
		return;
	ifname(g->inv, d->iif, in, sizeof(in));
	n_steps = path_infer_rules(d, g->inv->rules, g->inv->n_rules,
				   d->iif > 1 ? in : NULL, steps,
				   ARRAY_SIZE(steps), &by);
	if (by >= 0) {
		rs->has_rule = true;
		rule_text(steps[by].rule, rs->rule, sizeof(rs->rule));
		rs->rule_priority = steps[by].rule->priority;
	}
	/* Rules the walk passed on its way, as the tables show it. */
	for (k = 0; k < n_steps; k++) {
		if ((int)k == by)
			continue;
		rule_text(steps[k].rule, rs->passed[rs->n_passed].rule,
			  sizeof(rs->passed[0].rule));
		rs->passed[rs->n_passed++].suppressed =
		    steps[k].outcome == RULE_SUPPRESSED;
	}
}

/*
 * route_bypass: the destination belongs to a peer, the flow did not go
 * there. Not for a /0: in a full tunnel the LAN and the endpoint leave
 * outside it by design (as watch and export judge it too).
 */
static void find_bypass(struct gather *g, int err, int oif)
{
	const struct trace_expect *exp = &g->t->exp;
	const struct trace_route_step *rs = &g->r->route;
	char key[WG_KEY_B64_LEN];
	struct finding *f;

	if (!exp->owner_wg || !exp->owner_len ||
	    (!err && oif == exp->owner_wg->ifindex))
		return;
	f = new_finding(g, "route_bypass", SEV_ERROR, rs->mode);
	if (!f)
		return;
	FTEXT(f->interface, "%s", exp->owner_wg->name);
	FTEXT(f->peer, "%s",
	      wg_key_of(exp->owner_wg->peers[exp->owner_peer].pubkey, key));
	FTEXT(f->message,
	      "the destination is in a peer's AllowedIPs on %s, but the "
	      "kernel routes it elsewhere",
	      exp->owner_wg->name);
	FTEXT(f->expected, "dev %s", exp->owner_wg->name);
	FTEXT(f->actual, "%s", err ? route_err_name(err) : rs->oif);
	FTEXT(f->hint,
	      "add a route for the peer's AllowedIPs into %s (wg-quick "
	      "does; 'wg set' alone does not)",
	      exp->owner_wg->name);
}

/* Step 1; returns the device the flow was routed to, 0: none. */
static int gather_route(struct gather *g)
{
	const struct trace_seen *s = g->s;
	const struct trace_expect *exp = &g->t->exp;
	const struct fib_decision *d = &s->fwd;
	enum wgt_fact lf = g->t->dst.family == AF_INET ? LF_FIB4 : LF_FIB6;
	struct trace_route_step *rs = &g->r->route;
	const struct inv_route *r = NULL;
	int oif, err;

	rs->mode = s->n_forward ? wgt_mode_name(g->ld->mode[lf]) : "inventory";
	rs->packets = s->n_forward;
	if (s->n_forward) {
		rs->table = d->table;
		oif = d->oif;
		err = d->decided >= 0 ? 0 : d->err;
	} else {
		rs->table = exp->route.table;
		oif = exp->route.oif;
		err = exp->route.err;
	}
	if (err)
		snprintf(rs->error, sizeof(rs->error), "%s",
			 route_err_name(err));
	else
		r = route_in_table(g->inv, rs->table, &g->t->dst);
	route_rule(g, rs);
	ifname(g->inv, oif, rs->oif, sizeof(rs->oif));
	if (r) {
		rs->has_prefix = true;
		prefix_fmt(&r->dst, rs->prefix, sizeof(rs->prefix));
	}
	if (s->n_forward && d->gw.family) {
		rs->has_gateway = true;
		addr_fmt(&d->gw, rs->gateway, sizeof(rs->gateway));
	} else if (!s->n_forward && exp->route.gateway.family) {
		rs->has_gateway = true;
		addr_fmt(&exp->route.gateway, rs->gateway, sizeof(rs->gateway));
	}
	find_bypass(g, err, oif);
	return err ? 0 : oif;
}

static void find_peer(struct gather *g, const struct wg_device_info *wg)
{
	const struct trace_expect *exp = &g->t->exp;
	const struct trace_peer_step *ps = &g->r->peer;
	char sk[WG_KEY_B64_LEN], sp[WGT_PREFIX_STRLEN];
	struct finding *f;

	if (!ps->has_peer) {
		f = new_finding(g, "no_peer", SEV_ERROR, ps->mode);
		if (!f)
			return;
		FTEXT(f->interface, "%s", wg->name);
		FTEXT(f->message,
		      "routed into %s, but no peer's AllowedIPs contains "
		      "the destination",
		      wg->name);
		FTEXT(f->expected, "a peer of %s", wg->name);
		FTEXT(f->actual, "none: dropped (tx_errors)");
		FTEXT(f->hint,
		      "add the prefix to the right peer's AllowedIPs, or "
		      "narrow the route into %s",
		      wg->name);
		return;
	}
	if (!exp->n_shadowed)
		return;
	f = new_finding(g, "peer_shadowed", SEV_WARNING, ps->mode);
	if (!f)
		return;
	FTEXT(f->interface, "%s", wg->name);
	FTEXT(f->peer, "%s", ps->peer);
	FTEXT(f->message,
	      "the destination is in the AllowedIPs of %zu peers; the "
	      "longest prefix won",
	      exp->n_shadowed + 1);
	FTEXT(f->expected, "one peer for the destination");
	FTEXT(f->actual, "%s wins over %s (%s)", ps->prefix,
	      wg_key_of(wg->peers[exp->shadowed[0]].pubkey, sk),
	      prefix_fmt(&exp->shadowed_prefix[0], sp, sizeof(sp)));
	FTEXT(f->hint,
	      "if intended, nothing to do; otherwise remove the overlap "
	      "from one peer");
}

/* Step 2: the WireGuard peer, when the route went into a WireGuard device. */
static void gather_peer(struct gather *g, int oif)
{
	const struct trace_seen *s = g->s;
	const struct trace_expect *exp = &g->t->exp;
	const struct wg_device_info *wg = inv_wg_by_index(g->inv, oif);
	struct trace_peer_step *ps = &g->r->peer;
	size_t k;

	if (!wg)
		return;
	ps->present = true;
	snprintf(ps->interface, sizeof(ps->interface), "%s", wg->name);
	if (s->tx_peer_seen && s->tx_peer.type == WGT_EV_WG_TX_PEER) {
		ps->mode = wgt_mode_name(g->ld->mode[LF_WG_TX_PEER]);
		ps->has_peer = s->tx_peer.flags & WGT_EVF_PEER;
		if (ps->has_peer)
			wg_key_of(s->tx_peer.peer, ps->peer);
	} else {
		/* tc saw the packet enter (or nothing did): WireGuard's own
		 * rule, longest prefix, over the configured AllowedIPs. */
		ps->mode = s->tx_peer_seen ? "tc" : "inventory";
		ps->has_peer = exp->has_peer && exp->wg == wg;
		if (ps->has_peer)
			wg_key_of(wg->peers[exp->peer].pubkey, ps->peer);
	}
	if (exp->has_peer && exp->wg == wg) {
		ps->has_prefix = true;
		prefix_fmt(&exp->peer_prefix, ps->prefix, sizeof(ps->prefix));
	}
	snprintf(g->peer_key, sizeof(g->peer_key), "%s", ps->peer);
	for (k = 0; ps->has_peer && k < exp->n_shadowed; k++) {
		wg_key_of(wg->peers[exp->shadowed[k]].pubkey,
			  ps->shadowed[k].peer);
		prefix_fmt(&exp->shadowed_prefix[k], ps->shadowed[k].prefix,
			   sizeof(ps->shadowed[k].prefix));
		ps->n_shadowed++;
	}
	find_peer(g, wg);
}

static void find_loop(struct gather *g, const struct wg_device_info *wg)
{
	const struct trace_outer_step *os = &g->r->outer;
	struct finding *f = new_finding(g, "tunnel_loop", SEV_ERROR, os->mode);

	if (!f)
		return;
	FTEXT(f->interface, "%s", wg->name);
	FTEXT(f->peer, "%s", g->peer_key);
	FTEXT(f->message,
	      "the outer packet to the endpoint %s is routed into %s itself",
	      os->endpoint, os->oif);
	FTEXT(f->expected, "endpoint via the uplink");
	FTEXT(f->actual, "dev %s (table %u, mark 0x%x)", os->oif, os->table,
	      os->mark);
	FTEXT(f->hint,
	      "route the endpoint outside the tunnel: a host route via the "
	      "uplink, or fwmark %u with 'not fwmark' rules as wg-quick "
	      "does",
	      wg->fwmark ? wg->fwmark : 51820);
}

/* Step 3: the outer UDP packet to the peer's endpoint. */
static void gather_outer(struct gather *g, int oif)
{
	const struct trace_seen *s = g->s;
	const struct trace_expect *exp = &g->t->exp;
	const struct wg_device_info *wg = inv_wg_by_index(g->inv, oif);
	struct trace_outer_step *os = &g->r->outer;
	int ooif, err;

	if (!wg || !exp->has_peer || exp->wg != wg || !exp->has_outer)
		return;
	os->present = true;
	if (s->outer_send_seen) {
		struct wgt_addr a;

		addr_from_raw(&a, s->outer_send.endpoint_family,
			      s->outer_send.endpoint);
		addr_fmt(&a, os->endpoint, sizeof(os->endpoint));
		os->endpoint_port = ntohs(s->outer_send.endpoint_port);
	} else {
		addr_fmt(&wg->peers[exp->peer].endpoint, os->endpoint,
			 sizeof(os->endpoint));
		os->endpoint_port = wg->peers[exp->peer].endpoint_port;
	}
	os->seen = s->outer_seen;
	if (s->outer_seen) {
		os->mode = wgt_mode_name(
		    g->ld->mode[s->outer.flow.family == AF_INET ? LF_FIB4
								: LF_FIB6]);
		os->table = s->outer.table;
		ooif = s->outer.oif;
		err = s->outer.decided >= 0 ? 0 : s->outer.err;
		os->mark = s->outer.mark;
	} else {
		os->mode = "inventory";
		os->table = exp->outer.table;
		ooif = exp->outer.oif;
		err = exp->outer.err;
		os->mark = wg->fwmark;
	}
	if (err)
		snprintf(os->error, sizeof(os->error), "%s",
			 route_err_name(err));
	ifname(g->inv, ooif, os->oif, sizeof(os->oif));
	if (!err && inv_wg_by_index(g->inv, ooif))
		find_loop(g, wg);
}

/* Only packets that left can miss their reply: not those no peer took,
 * nor those looping back into the tunnel. */
static void find_no_return(struct gather *g, int oif)
{
	const struct trace_seen *s = g->s;
	struct finding *f;

	if (!s->n_forward || g->r->reply.replied || !oif ||
	    has_finding(g, "no_peer") || has_finding(g, "tunnel_loop"))
		return;
	f = new_finding(g, "no_return", SEV_WARNING, g->r->reply.mode);
	if (!f)
		return;
	FTEXT(f->peer, "%s", g->peer_key);
	FTEXT(f->message,
	      "%zu packets left toward the destination, no reply came back",
	      s->n_forward);
	FTEXT(f->expected, "replies from the destination");
	FTEXT(f->actual, "none within the window");
	FTEXT(f->hint, "check the far end: a return route for our source, its "
		       "AllowedIPs for our source, its firewall");
}

static void find_rx_rejected(struct gather *g)
{
	const struct trace_seen *s = g->s;
	struct finding *f;

	if (!s->n_rx_rejected)
		return;
	f = new_finding(g, "src_rejected", SEV_ERROR,
			wgt_mode_name(g->ld->mode[LF_WG_RX_SRC]));
	if (!f)
		return;
	f->count = s->n_rx_rejected;
	FTEXT(f->peer, "%s", g->r->reply.peer);
	FTEXT(f->message,
	      "replies were dropped by WireGuard: their source is not in "
	      "the sender's AllowedIPs");
	FTEXT(f->expected, "source in the sending peer's AllowedIPs");
	FTEXT(f->actual, "rejected %zu packets", s->n_rx_rejected);
	FTEXT(f->hint,
	      "add the source range to that peer's AllowedIPs here, or NAT "
	      "it on the far end");
}

static void gather_drop(struct gather *g)
{
	const struct trace_seen *s = g->s;
	struct trace_drop_step *ds = &g->r->drop;
	size_t k;

	if (!s->n_drops && !s->n_icmp)
		return;
	ds->present = true;
	ds->mode = wgt_mode_name(g->ld->mode[LF_DROPS]);
	ds->icmp_mode = wgt_mode_name(g->ld->mode[LF_ICMP]);
	ds->drops = s->n_drops;
	snprintf(ds->reason, sizeof(ds->reason), "?");
	for (k = 0; s->n_drops && k < g->reasons->n; k++)
		if (g->reasons->values[k] == s->drop.reason)
			snprintf(ds->reason, sizeof(ds->reason), "%s",
				 g->reasons->names[k]);
	ifname(g->inv, s->n_drops ? s->drop.ifindex : s->icmp.ifindex,
	       ds->interface, sizeof(ds->interface));
	ds->icmp_errors = s->n_icmp;
	ds->icmp_type = s->icmp.reason >> 8;
	ds->icmp_code = s->icmp.reason & 0xff;
}

/* Step 4: replies from the destination, and the drops seen. */
static void gather_reply(struct gather *g, int oif)
{
	const struct trace_seen *s = g->s;
	struct trace_reply_step *rp = &g->r->reply;

	rp->mode = wgt_mode_name(
	    g->ld->mode[g->t->dst.family == AF_INET ? LF_FIB4 : LF_FIB6]);
	rp->replied = s->n_reply || s->n_replies_icmp;
	rp->replies = s->n_reply ? s->n_reply : s->n_replies_icmp;
	rp->has_iif = s->n_reply;
	ifname(g->inv, s->n_reply ? s->rep.iif : 0, rp->iif, sizeof(rp->iif));
	if (s->rx_seen && (s->rx.flags & WGT_EVF_PEER)) {
		rp->has_peer = true;
		wg_key_of(s->rx.peer, rp->peer);
	}
	rp->rtt_ms = s->rtt_us >= 0 ? s->rtt_us / 1000.0 : -1;
	gather_drop(g);
	find_no_return(g, oif);
	find_rx_rejected(g);
}

static void find_v6(struct gather *g, int oif)
{
	const struct trace_expect *exp = &g->t->exp;
	struct finding *f;

	if (g->t->dst.family != AF_INET6)
		return;
	if (exp->v4_default_in_tunnel && !inv_wg_by_index(g->inv, oif)) {
		char dev[IF_NAMESIZE + 16];

		f = new_finding(g, "v6_leak", SEV_WARNING, "inventory");
		if (!f)
			return;
		ifname(g->inv, oif, dev, sizeof(dev));
		FTEXT(f->message, "IPv4 goes through the tunnel, but this IPv6 "
				  "destination leaves outside it");
		FTEXT(f->expected, "a WireGuard device");
		FTEXT(f->actual, "%s", oif ? dev : "no route");
		FTEXT(f->hint,
		      "add ::/0 to the peer's AllowedIPs and route it, or "
		      "block IPv6 on purpose");
	} else if (inv_wg_by_index(g->inv, oif) && !exp->has_peer) {
		f = new_finding(g, "v6_blackhole", SEV_ERROR, "inventory");
		if (!f)
			return;
		FTEXT(f->message,
		      "IPv6 is routed into the tunnel but no peer carries "
		      "this destination");
		FTEXT(f->expected, "a peer with ::/0 or the prefix");
		FTEXT(f->actual, "dropped in the tunnel");
		FTEXT(f->hint,
		      "add the IPv6 prefix to the peer, or stop routing "
		      "IPv6 into the tunnel");
	}
}

int trace_result_build(const struct inventory *inv, const struct loader *ld,
		       const struct trace_opts *o, const struct trace_target *t,
		       const struct trace_seen *seen, uint64_t events,
		       uint64_t events_lost, uint64_t events_not_kept,
		       const struct drop_reasons *reasons,
		       struct trace_result *r)
{
	struct gather g = {
	    .inv = inv,
	    .ld = ld,
	    .o = o,
	    .t = t,
	    .s = seen,
	    .reasons = reasons,
	    .r = r,
	};
	int oif, f;

	memset(r, 0, sizeof(*r));
	addr_fmt(&t->dst, r->dst, sizeof(r->dst));
	r->has_src = o->src.family;
	if (r->has_src)
		addr_fmt(&o->src, r->src, sizeof(r->src));
	ip_proto_name(o->proto, r->proto, sizeof(r->proto));
	r->mark = o->mark;
	r->packets = seen->n_forward;

	oif = gather_route(&g);
	gather_peer(&g, oif);
	gather_outer(&g, oif);
	gather_reply(&g, oif);
	find_v6(&g, oif);

	for (f = 0; f < LF__COUNT; f++) {
		if (!loader_fact_used(ld, f))
			continue;
		r->modes[r->n_modes].fact = loader_fact_name(f);
		r->modes[r->n_modes++].mode = wgt_mode_name(ld->mode[f]);
	}
	r->events = events;
	r->events_lost = events_lost;
	r->events_not_kept = events_not_kept;
	return 0;
}

void trace_result_free(struct trace_result *r)
{
	finding_list_free(&r->findings);
}
