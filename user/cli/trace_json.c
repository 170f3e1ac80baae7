// SPDX-License-Identifier: GPL-2.0
/*
 * A trace result (model/trace_result.h) as JSON Lines: one "step" object
 * per step, the "finding" objects, then the "summary" (the man page's
 * contract).
 */
#include <errno.h>

#include "base/output.h"
#include "cli/trace.h"

static struct json_object *step_json(const char *step, const char *mode)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "type", "step");
	jadd_str(o, "step", step);
	jadd_str(o, "mode", mode);
	return o;
}

static struct json_object *rtt_json(double rtt_ms)
{
	return rtt_ms >= 0 ? json_object_new_double(rtt_ms) : NULL;
}

static void emit_route(const struct trace_route_step *rs)
{
	struct json_object *j = step_json("route", rs->mode);

	jadd_int(j, "table", rs->table);
	jadd_str(j, "route_prefix", rs->has_prefix ? rs->prefix : NULL);
	jadd_str(j, "oif", rs->error[0] ? NULL : rs->oif);
	jadd_str(j, "gateway", rs->has_gateway ? rs->gateway : NULL);
	jadd_str(j, "error", rs->error[0] ? rs->error : NULL);
	jadd_str(j, "rule", rs->has_rule ? rs->rule : NULL);
	jadd_str(j, "rule_mode", rs->rule_mode);
	jadd_int(j, "packets", rs->packets);
	json_emit(j);
}

static struct json_object *shadowed_json(const struct trace_peer_step *ps)
{
	struct json_object *a = json_object_new_array();
	size_t k;

	for (k = 0; k < ps->n_shadowed; k++)
		json_object_array_add(a, jstr(ps->shadowed[k].peer));
	return a;
}

static void emit_peer(const struct trace_peer_step *ps)
{
	struct json_object *j;

	if (!ps->present)
		return;
	j = step_json("peer", ps->mode);
	jadd_str(j, "interface", ps->interface);
	jadd_str(j, "peer", ps->has_peer ? ps->peer : NULL);
	jadd_str(j, "peer_prefix",
		 ps->has_peer && ps->has_prefix ? ps->prefix : NULL);
	json_object_object_add(j, "shadowed_peers", shadowed_json(ps));
	json_emit(j);
}

static void emit_outer(const struct trace_outer_step *os)
{
	struct json_object *j;

	if (!os->present)
		return;
	j = step_json("outer", os->mode);
	jadd_str(j, "endpoint", os->endpoint);
	jadd_int(j, "endpoint_port", os->endpoint_port);
	jadd_int(j, "outer_table", os->table);
	jadd_str(j, "outer_oif", os->error[0] ? NULL : os->oif);
	jadd_int(j, "outer_mark", os->mark);
	json_emit(j);
}

static void emit_reply(const struct trace_reply_step *rp)
{
	struct json_object *j = step_json("reply", rp->mode);

	jadd_bool(j, "reply", rp->replied);
	jadd_str(j, "iif", rp->has_iif ? rp->iif : NULL);
	jadd_str(j, "peer", rp->has_peer ? rp->peer : NULL);
	json_object_object_add(j, "rtt_ms", rtt_json(rp->rtt_ms));
	jadd_int(j, "replies", rp->replies);
	json_emit(j);
}

static void emit_drop(const struct trace_drop_step *ds)
{
	struct json_object *j;

	if (!ds->present)
		return;
	j = step_json("drop", ds->mode);
	jadd_int(j, "drops", ds->drops);
	jadd_str(j, "reason", ds->drops ? ds->reason : NULL);
	jadd_str(j, "interface", ds->interface);
	jadd_int(j, "icmp_errors", ds->icmp_errors);
	if (ds->icmp_errors) {
		jadd_int(j, "icmp_type", ds->icmp_type);
		jadd_int(j, "icmp_code", ds->icmp_code);
	}
	json_emit(j);
}

/* The summary: the steps' answers in one object, for scripts. */
static struct json_object *summary_json(const struct trace_result *r)
{
	const struct trace_route_step *rs = &r->route;
	struct json_object *s = json_object_new_object(), *modes, *ids;
	size_t i;

	if (!s)
		return NULL;
	jadd_str(s, "type", "summary");
	jadd_str(s, "dst", r->dst);
	jadd_str(s, "src", r->has_src ? r->src : NULL);
	jadd_str(s, "proto", r->proto);
	jadd_int(s, "packets", r->packets);
	json_object_object_add(s, "rule_priority",
			       rs->rule_priority >= 0
				   ? json_object_new_int(rs->rule_priority)
				   : NULL);
	jadd_int(s, "table", rs->table);
	jadd_str(s, "route_prefix", rs->has_prefix ? rs->prefix : NULL);
	jadd_str(s, "oif", rs->error[0] ? NULL : rs->oif);
	jadd_str(s, "gateway", rs->has_gateway ? rs->gateway : NULL);
	if (r->peer.present) {
		jadd_str(s, "peer", r->peer.has_peer ? r->peer.peer : NULL);
		jadd_str(s, "peer_prefix",
			 r->peer.has_peer && r->peer.has_prefix ? r->peer.prefix
								: NULL);
		json_object_object_add(s, "shadowed_peers",
				       shadowed_json(&r->peer));
	}
	if (r->outer.present) {
		jadd_str(s, "endpoint", r->outer.endpoint);
		jadd_str(s, "outer_oif",
			 r->outer.error[0] ? NULL : r->outer.oif);
		jadd_int(s, "outer_table", r->outer.table);
		jadd_int(s, "outer_mark", r->outer.mark);
	}
	jadd_bool(s, "reply", r->reply.replied);
	json_object_object_add(s, "rtt_ms", rtt_json(r->reply.rtt_ms));
	modes = json_object_new_object();
	for (i = 0; i < r->n_modes; i++)
		jadd_str(modes, r->modes[i].fact, r->modes[i].mode);
	json_object_object_add(s, "modes", modes);
	jadd_int(s, "events", r->events);
	jadd_int(s, "events_lost", r->events_lost);
	jadd_int(s, "events_not_kept", r->events_not_kept);
	ids = json_object_new_array();
	for (i = 0; i < r->findings.n; i++)
		json_object_array_add(ids, jstr(r->findings.v[i].id));
	json_object_object_add(s, "findings", ids);
	return s;
}

int trace_json_emit(const struct trace_result *r)
{
	struct json_object *summary = summary_json(r);
	size_t i;

	if (!summary)
		return -ENOMEM;
	emit_route(&r->route);
	emit_peer(&r->peer);
	emit_outer(&r->outer);
	emit_reply(&r->reply);
	emit_drop(&r->drop);
	for (i = 0; i < r->findings.n; i++)
		json_emit(finding_to_json(&r->findings.v[i]));
	json_emit(summary);
	return 0;
}
