// SPDX-License-Identifier: GPL-2.0
/*
 * The path story of one traced destination: route, peer, outer packet,
 * reply and drops, each with the hook mode that saw it, then the findings.
 * Text for people, JSON Lines ("step", "finding", "summary") for scripts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "base/common.h"
#include "base/output.h"
#include "cli/trace.h"

struct story {
	const struct inventory *inv;
	const struct loader *ld;
	const struct trace_opts *o;
	const struct trace_target *t;
	const struct trace_seen *s;
	const struct drop_reasons *reasons;
	struct finding_list *fl;
	struct json_object *summary;
	struct json_object *findings;  /* ids, for the summary */
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

static void step_line(const char *step, const char *mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "  route   <text>  [mode]" under 80 columns; text may be long, so wrap. */
static void step_line(const char *step, const char *mode, const char *fmt, ...)
{
	char text[512], clean[UTF8_CLEAN_SIZE(512)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Device names in the text may hold any byte. */
	printf("  %s%-7s%s %s %s[%s]%s\n", out_c(C_BOLD), step, out_c(C_RESET),
	       utf8_clean(text, clean, sizeof(clean)), out_c(C_DIM), mode,
	       out_c(C_RESET));
}

static void detail_line(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void detail_line(const char *fmt, ...)
{
	char text[512], clean[UTF8_CLEAN_SIZE(512)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("          %s\n", utf8_clean(text, clean, sizeof(clean)));
}

static struct json_object *step_json(const char *step, const char *mode)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "type", "step");
	jadd_str(o, "step", step);
	jadd_str(o, "mode", mode);
	return o;
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

static bool has_finding(const struct story *st, const char *id)
{
	size_t i, n = json_object_array_length(st->findings);

	for (i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(
				json_object_array_get_idx(st->findings, i)),
			    id))
			return true;
	return false;
}

static void add_finding_id(struct story *st, const char *id)
{
	json_object_array_add(st->findings, jstr(id));
}

static struct finding *new_finding(struct story *st, const char *id,
				   enum wgt_severity sev, const char *mode)
{
	struct finding *f = finding_add(st->fl, id, sev, mode);

	if (!f)
		return NULL;
	add_finding_id(st, id);
	f->has_example = true;
	f->example.dst = st->t->dst;
	f->example.src = st->o->src;
	f->example.proto = st->o->proto;
	f->example.dport = st->o->port;
	f->example.mark = st->o->mark;
	return f;
}

/* Step 1: which rule, which table, which route, which device. */
static void report_route(struct story *st, int *oif_out)
{
	const struct trace_seen *s = st->s;
	const struct trace_expect *exp = &st->t->exp;
	const struct fib_decision *d = &s->fwd;
	enum wgt_fact lf = st->t->dst.family == AF_INET ? LF_FIB4 : LF_FIB6;
	const char *mode =
	    s->n_forward ? wgt_mode_name(st->ld->mode[lf]) : "inventory";
	struct json_object *j = step_json("route", mode);
	char dev[IF_NAMESIZE + 16], pfx[WGT_PREFIX_STRLEN], gw[WGT_ADDR_STRLEN];
	char rule[160] = "-", rule_mode[16] = "inventory";
	const struct inv_route *r = NULL;
	struct rule_step steps[32];
	size_t n_steps = 0, k;
	uint32_t table;
	int oif, err, rule_pref = -1, by = -1;

	if (s->n_forward) {
		table = d->table;
		oif = d->oif;
		err = d->decided >= 0 ? 0 : d->err;
	} else {
		table = exp->route.table;
		oif = exp->route.oif;
		err = exp->route.err;
	}
	*oif_out = err ? 0 : oif;
	if (!err)
		r = route_in_table(st->inv, table, &st->t->dst);

	/* The rule: seen by fexit, else inferred from the tables looked up. */
	if (s->rule_seen) {
		rule_pref = s->rule.rule_pref;
		snprintf(rule, sizeof(rule), "%u%s -> table %u",
			 s->rule.rule_pref,
			 s->rule.flags & WGT_EVF_RULE_INVERT ? " (not)" : "",
			 s->rule.table);
		snprintf(rule_mode, sizeof(rule_mode), "%s",
			 wgt_mode_name(st->ld->mode[LF_RULE]));
	} else if (s->n_forward) {
		char in[IF_NAMESIZE + 16];

		ifname(st->inv, d->iif, in, sizeof(in));
		n_steps = path_infer_rules(d, st->inv->rules, st->inv->n_rules,
					   d->iif > 1 ? in : NULL, steps,
					   ARRAY_SIZE(steps), &by);
		if (by >= 0) {
			rule_text(steps[by].rule, rule, sizeof(rule));
			rule_pref = steps[by].rule->priority;
		}
	}

	ifname(st->inv, oif, dev, sizeof(dev));
	if (r)
		prefix_fmt(&r->dst, pfx, sizeof(pfx));
	else
		snprintf(pfx, sizeof(pfx), "-");
	if (s->n_forward && d->gw.family)
		addr_fmt(&d->gw, gw, sizeof(gw));
	else if (!s->n_forward && exp->route.gateway.family)
		addr_fmt(&exp->route.gateway, gw, sizeof(gw));
	else
		snprintf(gw, sizeof(gw), "-");

	if (!st->o->json) {
		if (err)
			step_line("route", mode, "table %u: %s", table,
				  route_err_name(err));
		else
			step_line("route", mode, "table %u: %s dev %s%s%s",
				  table, pfx, dev, gw[0] != '-' ? " via " : "",
				  gw[0] != '-' ? gw : "");
		detail_line("rule %s [%s]", rule, rule_mode);
		/* Rules the walk passed on its way, as the tables show it. */
		for (k = 0; k < n_steps; k++) {
			char rt[160];

			if ((int)k == by)
				continue;
			rule_text(steps[k].rule, rt, sizeof(rt));
			detail_line("  passed %s: %s", rt,
				    steps[k].outcome == RULE_SUPPRESSED
					? "route suppressed"
					: "no route");
		}
		if (!s->n_forward)
			detail_line("no packet seen: the kernel's route query "
				    "answered");
	}
	jadd_int(j, "table", table);
	jadd_str(j, "route_prefix", r ? pfx : NULL);
	jadd_str(j, "oif", err ? NULL : dev);
	jadd_str(j, "gateway", gw[0] != '-' ? gw : NULL);
	jadd_str(j, "error", err ? route_err_name(err) : NULL);
	jadd_str(j, "rule", rule[0] != '-' ? rule : NULL);
	jadd_str(j, "rule_mode", rule_mode);
	jadd_int(j, "packets", s->n_forward);

	json_object_object_add(st->summary, "rule_priority",
			       rule_pref >= 0 ? json_object_new_int(rule_pref)
					      : NULL);
	jadd_int(st->summary, "table", table);
	jadd_str(st->summary, "route_prefix", r ? pfx : NULL);
	jadd_str(st->summary, "oif", err ? NULL : dev);
	jadd_str(st->summary, "gateway", gw[0] != '-' ? gw : NULL);
	if (st->o->json)
		json_emit(j);
	else
		json_object_put(j);

	/*
	 * route_bypass: the destination belongs to a peer, the flow did not
	 * go there. Not for a /0: in a full tunnel the LAN and the endpoint
	 * leave outside it by design (as watch and export judge it too).
	 */
	if (exp->owner_wg && exp->owner_len &&
	    (err || oif != exp->owner_wg->ifindex)) {
		struct finding *f =
		    new_finding(st, "route_bypass", SEV_ERROR, mode);
		char key[WG_KEY_B64_LEN];

		if (!f)
			return;
		snprintf(f->interface, sizeof(f->interface), "%s",
			 exp->owner_wg->name);
		snprintf(f->peer, sizeof(f->peer), "%s",
			 wg_key_of(exp->owner_wg->peers[exp->owner_peer].pubkey,
				   key));
		snprintf(f->message, sizeof(f->message),
			 "the destination is in a peer's AllowedIPs on %s, but "
			 "the kernel routes it elsewhere",
			 exp->owner_wg->name);
		snprintf(f->expected, sizeof(f->expected), "dev %s",
			 exp->owner_wg->name);
		snprintf(f->actual, sizeof(f->actual), "%s",
			 err ? route_err_name(err) : dev);
		snprintf(f->hint, sizeof(f->hint),
			 "add a route for the peer's AllowedIPs into %s "
			 "(wg-quick does; 'wg set' alone does not)",
			 exp->owner_wg->name);
	}
}

/* Step 2: the WireGuard peer, when the route went into a WireGuard device. */
static void report_peer(struct story *st, int oif)
{
	const struct trace_seen *s = st->s;
	const struct trace_expect *exp = &st->t->exp;
	const struct wg_device_info *wg = inv_wg_by_index(st->inv, oif);
	const char *mode;
	struct json_object *j, *shadow;
	char key[WG_KEY_B64_LEN] = "", pfx[WGT_PREFIX_STRLEN] = "";
	bool has_peer;
	size_t k;

	if (!wg)
		return;
	if (s->tx_peer_seen && s->tx_peer.type == WGT_EV_WG_TX_PEER) {
		mode = wgt_mode_name(st->ld->mode[LF_WG_TX_PEER]);
		has_peer = s->tx_peer.flags & WGT_EVF_PEER;
		if (has_peer)
			wg_key_of(s->tx_peer.peer, key);
	} else {
		/* tc saw the packet enter (or nothing did): WireGuard's own
		 * rule, longest prefix, over the configured AllowedIPs. */
		mode = s->tx_peer_seen ? "tc" : "inventory";
		has_peer = exp->has_peer && exp->wg == wg;
		if (has_peer)
			wg_key_of(wg->peers[exp->peer].pubkey, key);
	}
	if (exp->has_peer && exp->wg == wg)
		prefix_fmt(&exp->peer_prefix, pfx, sizeof(pfx));
	snprintf(st->peer_key, sizeof(st->peer_key), "%s", key);

	j = step_json("peer", mode);
	jadd_str(j, "interface", wg->name);
	jadd_str(j, "peer", has_peer ? key : NULL);
	jadd_str(j, "peer_prefix", has_peer && pfx[0] ? pfx : NULL);
	shadow = json_object_new_array();
	for (k = 0; has_peer && k < exp->n_shadowed; k++) {
		char sk[WG_KEY_B64_LEN];

		json_object_array_add(
		    shadow,
		    jstr(wg_key_of(wg->peers[exp->shadowed[k]].pubkey, sk)));
	}
	json_object_object_add(j, "shadowed_peers", json_object_get(shadow));
	jadd_str(st->summary, "peer", has_peer ? key : NULL);
	jadd_str(st->summary, "peer_prefix", has_peer && pfx[0] ? pfx : NULL);
	json_object_object_add(st->summary, "shadowed_peers", shadow);

	if (!st->o->json) {
		if (has_peer)
			step_line("peer", mode, "%s via %s", key,
				  pfx[0] ? pfx : "?");
		else
			step_line("peer", mode,
				  "no peer on %s has the destination",
				  wg->name);
		for (k = 0; has_peer && k < exp->n_shadowed; k++) {
			char sk[WG_KEY_B64_LEN], sp[WGT_PREFIX_STRLEN];

			detail_line(
			    "shadowed: %s (%s)",
			    wg_key_of(wg->peers[exp->shadowed[k]].pubkey, sk),
			    prefix_fmt(&exp->shadowed_prefix[k], sp,
				       sizeof(sp)));
		}
	}
	if (st->o->json)
		json_emit(j);
	else
		json_object_put(j);

	if (!has_peer) {
		struct finding *f = new_finding(st, "no_peer", SEV_ERROR, mode);

		if (!f)
			return;
		snprintf(f->interface, sizeof(f->interface), "%s", wg->name);
		snprintf(f->message, sizeof(f->message),
			 "routed into %s, but no peer's AllowedIPs contains "
			 "the destination",
			 wg->name);
		snprintf(f->expected, sizeof(f->expected), "a peer of %s",
			 wg->name);
		snprintf(f->actual, sizeof(f->actual),
			 "none: dropped (tx_errors)");
		snprintf(f->hint, sizeof(f->hint),
			 "add the prefix to the right peer's AllowedIPs, or "
			 "narrow the route into %s",
			 wg->name);
	} else if (exp->n_shadowed) {
		struct finding *f =
		    new_finding(st, "peer_shadowed", SEV_WARNING, mode);
		char sk[WG_KEY_B64_LEN], sp[WGT_PREFIX_STRLEN];

		if (!f)
			return;
		snprintf(f->interface, sizeof(f->interface), "%s", wg->name);
		snprintf(f->peer, sizeof(f->peer), "%s", key);
		snprintf(f->message, sizeof(f->message),
			 "the destination is in the AllowedIPs of %zu peers; "
			 "the longest prefix won",
			 exp->n_shadowed + 1);
		snprintf(f->expected, sizeof(f->expected),
			 "one peer for the destination");
		snprintf(f->actual, sizeof(f->actual), "%s wins over %s (%s)",
			 pfx, wg_key_of(wg->peers[exp->shadowed[0]].pubkey, sk),
			 prefix_fmt(&exp->shadowed_prefix[0], sp, sizeof(sp)));
		snprintf(f->hint, sizeof(f->hint),
			 "if intended, nothing to do; otherwise remove the "
			 "overlap from one peer");
	}
}

/* Step 3: the outer UDP packet to the peer's endpoint. */
static void report_outer(struct story *st, int oif)
{
	const struct trace_seen *s = st->s;
	const struct trace_expect *exp = &st->t->exp;
	const struct wg_device_info *wg = inv_wg_by_index(st->inv, oif);
	char ep[WGT_ADDR_STRLEN] = "", dev[IF_NAMESIZE + 16];
	struct json_object *j;
	const char *mode;
	uint32_t table, mark;
	int ooif, err;
	uint16_t port = 0;

	if (!wg || !exp->has_peer || exp->wg != wg || !exp->has_outer)
		return;
	if (s->outer_send_seen) {
		struct wgt_addr a;

		addr_from_raw(&a, s->outer_send.endpoint_family,
			      s->outer_send.endpoint);
		addr_fmt(&a, ep, sizeof(ep));
		port = ntohs(s->outer_send.endpoint_port);
	} else {
		addr_fmt(&wg->peers[exp->peer].endpoint, ep, sizeof(ep));
		port = wg->peers[exp->peer].endpoint_port;
	}
	if (s->outer_seen) {
		mode = wgt_mode_name(
		    st->ld->mode[s->outer.flow.family == AF_INET ? LF_FIB4
								 : LF_FIB6]);
		table = s->outer.table;
		ooif = s->outer.oif;
		err = s->outer.decided >= 0 ? 0 : s->outer.err;
		mark = s->outer.mark;
	} else {
		mode = "inventory";
		table = exp->outer.table;
		ooif = exp->outer.oif;
		err = exp->outer.err;
		mark = wg->fwmark;
	}
	ifname(st->inv, ooif, dev, sizeof(dev));
	j = step_json("outer", mode);
	jadd_str(j, "endpoint", ep);
	jadd_int(j, "endpoint_port", port);
	jadd_int(j, "outer_table", table);
	jadd_str(j, "outer_oif", err ? NULL : dev);
	jadd_int(j, "outer_mark", mark);
	jadd_str(st->summary, "endpoint", ep);
	jadd_str(st->summary, "outer_oif", err ? NULL : dev);
	jadd_int(st->summary, "outer_table", table);
	jadd_int(st->summary, "outer_mark", mark);
	if (!st->o->json) {
		if (err)
			step_line("outer", mode, "to %s:%u: %s", ep, port,
				  route_err_name(err));
		else
			step_line("outer", mode,
				  "to %s:%u table %u dev %s mark 0x%x", ep,
				  port, table, dev, mark);
		if (!s->outer_seen)
			detail_line("no outer packet seen: the kernel's route "
				    "query answered");
	}
	if (st->o->json)
		json_emit(j);
	else
		json_object_put(j);

	if (!err && inv_wg_by_index(st->inv, ooif)) {
		struct finding *f =
		    new_finding(st, "tunnel_loop", SEV_ERROR, mode);

		if (!f)
			return;
		snprintf(f->interface, sizeof(f->interface), "%s", wg->name);
		snprintf(f->peer, sizeof(f->peer), "%s", st->peer_key);
		snprintf(f->message, sizeof(f->message),
			 "the outer packet to the endpoint %s is routed into "
			 "%s itself",
			 ep, dev);
		snprintf(f->expected, sizeof(f->expected),
			 "endpoint via the uplink");
		snprintf(f->actual, sizeof(f->actual),
			 "dev %s (table %u, mark 0x%x)", dev, table, mark);
		snprintf(f->hint, sizeof(f->hint),
			 "route the endpoint outside the tunnel: a host route "
			 "via the uplink, or fwmark %u with 'not fwmark' rules "
			 "as wg-quick does",
			 wg->fwmark ? wg->fwmark : 51820);
	}
}

/* Step 4: replies from the destination, and the drops seen. */
static void report_reply(struct story *st, int oif)
{
	const struct trace_seen *s = st->s;
	const char *mode = wgt_mode_name(
	    st->ld->mode[st->t->dst.family == AF_INET ? LF_FIB4 : LF_FIB6]);
	bool replied = s->n_reply || s->n_replies_icmp;
	char dev[IF_NAMESIZE + 16], key[WG_KEY_B64_LEN] = "";
	struct json_object *j = step_json("reply", mode);
	double rtt = s->rtt_us >= 0 ? s->rtt_us / 1000.0 : -1;

	ifname(st->inv, s->n_reply ? s->rep.iif : 0, dev, sizeof(dev));
	if (s->rx_seen && (s->rx.flags & WGT_EVF_PEER))
		wg_key_of(s->rx.peer, key);
	jadd_bool(j, "reply", replied);
	jadd_str(j, "iif", s->n_reply ? dev : NULL);
	jadd_str(j, "peer", key[0] ? key : NULL);
	json_object_object_add(j, "rtt_ms",
			       rtt >= 0 ? json_object_new_double(rtt) : NULL);
	jadd_int(j, "replies", s->n_reply ? s->n_reply : s->n_replies_icmp);
	jadd_bool(st->summary, "reply", replied);
	json_object_object_add(st->summary, "rtt_ms",
			       rtt >= 0 ? json_object_new_double(rtt) : NULL);
	if (!st->o->json) {
		if (replied)
			step_line("reply", mode,
				  "%zu from the destination, in on %s%s%s, rtt "
				  "%.2f ms",
				  s->n_reply ? s->n_reply : s->n_replies_icmp,
				  dev, key[0] ? " from " : "", key, rtt);
		else
			step_line("reply", mode, "none seen");
	}
	if (st->o->json)
		json_emit(j);
	else
		json_object_put(j);

	if (s->n_drops || s->n_icmp) {
		const char *reason = "?";
		char ddev[IF_NAMESIZE + 16];

		if (s->n_drops) {
			size_t k;

			for (k = 0; k < st->reasons->n; k++)
				if (st->reasons->values[k] == s->drop.reason)
					reason = st->reasons->names[k];
		}
		ifname(st->inv, s->n_drops ? s->drop.ifindex : s->icmp.ifindex,
		       ddev, sizeof(ddev));
		j = step_json("drop", wgt_mode_name(st->ld->mode[LF_DROPS]));
		jadd_int(j, "drops", s->n_drops);
		jadd_str(j, "reason", s->n_drops ? reason : NULL);
		jadd_str(j, "interface", ddev);
		jadd_int(j, "icmp_errors", s->n_icmp);
		if (s->n_icmp) {
			jadd_int(j, "icmp_type", s->icmp.reason >> 8);
			jadd_int(j, "icmp_code", s->icmp.reason & 0xff);
		}
		if (!st->o->json) {
			if (s->n_drops)
				step_line("drop",
					  wgt_mode_name(st->ld->mode[LF_DROPS]),
					  "%zu dropped by the kernel: %s on %s",
					  s->n_drops, reason, ddev);
			if (s->n_icmp)
				step_line("icmp",
					  wgt_mode_name(st->ld->mode[LF_ICMP]),
					  "%zu ICMP errors sent (type %u code "
					  "%u) on %s",
					  s->n_icmp, s->icmp.reason >> 8,
					  s->icmp.reason & 0xff, ddev);
		}
		if (st->o->json)
			json_emit(j);
		else
			json_object_put(j);
	}

	/* Only packets that left can miss their reply: not those no peer
	 * took, nor those looping back into the tunnel. */
	if (s->n_forward && !replied && oif && !has_finding(st, "no_peer") &&
	    !has_finding(st, "tunnel_loop")) {
		struct finding *f =
		    new_finding(st, "no_return", SEV_WARNING, mode);

		if (!f)
			return;
		snprintf(f->peer, sizeof(f->peer), "%s", st->peer_key);
		snprintf(f->message, sizeof(f->message),
			 "%zu packets left toward the destination, no reply "
			 "came back",
			 s->n_forward);
		snprintf(f->expected, sizeof(f->expected),
			 "replies from the destination");
		snprintf(f->actual, sizeof(f->actual),
			 "none within the window");
		snprintf(f->hint, sizeof(f->hint),
			 "check the far end: a return route for our source, "
			 "its AllowedIPs for our source, its firewall");
	}
	if (s->n_rx_rejected) {
		struct finding *f =
		    new_finding(st, "src_rejected", SEV_ERROR,
				wgt_mode_name(st->ld->mode[LF_WG_RX_SRC]));

		if (!f)
			return;
		f->count = s->n_rx_rejected;
		snprintf(f->peer, sizeof(f->peer), "%s", key);
		snprintf(f->message, sizeof(f->message),
			 "replies were dropped by WireGuard: their source is "
			 "not in the sender's AllowedIPs");
		snprintf(f->expected, sizeof(f->expected),
			 "source in the sending peer's AllowedIPs");
		snprintf(f->actual, sizeof(f->actual), "rejected %zu packets",
			 s->n_rx_rejected);
		snprintf(f->hint, sizeof(f->hint),
			 "add the source range to that peer's AllowedIPs here, "
			 "or NAT it on the far end");
	}
}

static void report_v6(struct story *st, int oif)
{
	const struct trace_expect *exp = &st->t->exp;

	if (st->t->dst.family != AF_INET6)
		return;
	if (exp->v4_default_in_tunnel && !inv_wg_by_index(st->inv, oif)) {
		struct finding *f =
		    new_finding(st, "v6_leak", SEV_WARNING, "inventory");
		char dev[IF_NAMESIZE + 16];

		if (!f)
			return;
		ifname(st->inv, oif, dev, sizeof(dev));
		snprintf(f->message, sizeof(f->message),
			 "IPv4 goes through the tunnel, but this IPv6 "
			 "destination leaves outside it");
		snprintf(f->expected, sizeof(f->expected),
			 "a WireGuard device");
		snprintf(f->actual, sizeof(f->actual), "%s",
			 oif ? dev : "no route");
		snprintf(f->hint, sizeof(f->hint),
			 "add ::/0 to the peer's AllowedIPs and route it, or "
			 "block IPv6 on purpose");
	} else if (inv_wg_by_index(st->inv, oif) && !(exp->has_peer)) {
		struct finding *f =
		    new_finding(st, "v6_blackhole", SEV_ERROR, "inventory");

		if (!f)
			return;
		snprintf(f->message, sizeof(f->message),
			 "IPv6 is routed into the tunnel but no peer carries "
			 "this destination");
		snprintf(f->expected, sizeof(f->expected),
			 "a peer with ::/0 or the prefix");
		snprintf(f->actual, sizeof(f->actual), "dropped in the tunnel");
		snprintf(f->hint, sizeof(f->hint),
			 "add the IPv6 prefix to the peer, or stop routing "
			 "IPv6 into the tunnel");
	}
}

int trace_report(const struct inventory *inv, const struct loader *ld,
		 const struct trace_opts *o, const struct trace_target *t,
		 const struct trace_seen *seen, uint64_t events,
		 uint64_t events_lost, uint64_t events_not_kept,
		 const struct drop_reasons *reasons, struct finding_list *fl)
{
	struct story st = {
	    .inv = inv,
	    .ld = ld,
	    .o = o,
	    .t = t,
	    .s = seen,
	    .reasons = reasons,
	    .fl = fl,
	};
	char dst[WGT_ADDR_STRLEN], src[WGT_ADDR_STRLEN], pn[8];
	struct json_object *modes;
	size_t first = fl->n, i;
	int oif = 0, f;

	st.summary = json_object_new_object();
	st.findings = json_object_new_array();
	if (!st.summary || !st.findings)
		return -ENOMEM;
	addr_fmt(&t->dst, dst, sizeof(dst));
	if (!o->json) {
		char mark[24] = "";

		if (o->mark)
			snprintf(mark, sizeof(mark), ", mark 0x%x", o->mark);
		printf("%strace %s%s (%s%s%s%s): %zu packets seen\n",
		       out_c(C_BOLD), dst, out_c(C_RESET),
		       ip_proto_name(o->proto, pn, sizeof(pn)),
		       o->src.family ? " from " : "",
		       o->src.family ? addr_fmt(&o->src, src, sizeof(src)) : "",
		       mark, seen->n_forward);
	}
	jadd_str(st.summary, "type", "summary");
	jadd_str(st.summary, "dst", dst);
	jadd_str(st.summary, "src",
		 o->src.family ? addr_fmt(&o->src, src, sizeof(src)) : NULL);
	jadd_str(st.summary, "proto", ip_proto_name(o->proto, pn, sizeof(pn)));
	jadd_int(st.summary, "packets", seen->n_forward);

	report_route(&st, &oif);
	report_peer(&st, oif);
	report_outer(&st, oif);
	report_reply(&st, oif);
	report_v6(&st, oif);

	modes = json_object_new_object();
	for (f = 0; f < LF__COUNT; f++)
		if (loader_fact_used(ld, f))
			jadd_str(modes, loader_fact_name(f),
				 wgt_mode_name(ld->mode[f]));
	json_object_object_add(st.summary, "modes", modes);
	jadd_int(st.summary, "events", events);
	jadd_int(st.summary, "events_lost", events_lost);
	jadd_int(st.summary, "events_not_kept", events_not_kept);
	json_object_object_add(st.summary, "findings", st.findings);

	for (i = first; i < fl->n; i++) {
		if (o->json)
			json_emit(finding_to_json(&fl->v[i]));
		else
			finding_print(stdout, &fl->v[i], out_use_color());
	}
	if (o->json)
		json_emit(st.summary);
	else
		json_object_put(st.summary);
	return 0;
}
