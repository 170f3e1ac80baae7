// SPDX-License-Identifier: GPL-2.0
/*
 * The expected path of a traced destination, computed before anything is
 * attached (a route query fires the same fib tracepoint wgtrace listens to):
 * the kernel's own route lookup, then the AllowedIPs longest-prefix match on
 * the device it picks, then the route of that peer's endpoint.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "base/common.h"
#include "model/lpm.h"
#include "cli/trace.h"

/* Where "the internet" goes: any address no more specific route covers.
 * Nothing is sent to it; it only asks the routing tables. */
static bool v4_default_into_wg(const struct inventory *inv)
{
	static const char *const prefer_s[] = {"1.1.1.1", "9.9.9.9"};
	struct wgt_prefix any = {.addr = {.family = AF_INET}, .len = 0};
	struct wgt_prefix *excl;
	struct wgt_addr prefer[2], sample;
	struct route_query q = {0};
	struct route_answer a;
	size_t i, n = 0;
	bool ret = false;

	excl = calloc(inv->n_routes ? inv->n_routes : 1, sizeof(*excl));
	if (!excl)
		return false;
	for (i = 0; i < inv->n_routes; i++)
		if (inv->routes[i].family == AF_INET && inv->routes[i].dst.len)
			excl[n++] = inv->routes[i].dst;
	for (i = 0; i < ARRAY_SIZE(prefer_s); i++)
		addr_parse(prefer_s[i], &prefer[i]);
	if (sample_outside(&any, excl, n, prefer, ARRAY_SIZE(prefer),
			   &sample)) {
		q.dst = sample;
		if (!route_get(&q, &a) && !a.err && inv_wg_by_index(inv, a.oif))
			ret = true;
	}
	free(excl);
	return ret;
}

void trace_expect(const struct inventory *inv, const struct trace_opts *o,
		  const struct wgt_addr *dst, struct trace_expect *exp)
{
	struct lpm_match m[1 + TRACE_MAX_SHADOWED];
	struct route_query q = {.dst = *dst, .mark = o->mark};
	size_t i, j, nm;
	int err;

	memset(exp, 0, sizeof(*exp));
	if (o->src.family == dst->family)
		q.src = o->src;
	if (o->proto == IPPROTO_UDP || o->proto == IPPROTO_TCP) {
		q.ip_proto = o->proto;
		q.dport = o->port;
	}
	err = route_get(&q, &exp->route);
	if (err)
		exp->route.err = err;
	if (!exp->route.err)
		exp->wg = inv_wg_by_index(inv, exp->route.oif);
	exp->to_wg = exp->wg != NULL;

	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *dev = &inv->wg[i];
		struct lpm *lpm;

		if (lpm_build(dev, &lpm))
			continue;
		nm = lpm_matches(lpm, dst, m, ARRAY_SIZE(m));
		if (nm > ARRAY_SIZE(m))
			nm = ARRAY_SIZE(m);
		if (nm && !exp->owner_wg) {
			exp->owner_wg = dev;
			exp->owner_peer = m[0].peer;
			exp->owner_len = m[0].pfx.len;
		}
		if (nm && dev == exp->wg) {
			exp->has_peer = true;
			exp->peer = m[0].peer;
			exp->peer_prefix = m[0].pfx;
			for (j = 1; j < nm; j++) {
				size_t k;
				bool seen = false;

				/* The same peer again (a shorter prefix) is no
				 * rival, and a rival is listed once, at its
				 * longest prefix. */
				for (k = 0; k < exp->n_shadowed; k++)
					seen |= exp->shadowed[k] == m[j].peer;
				if (m[j].peer == m[0].peer || seen ||
				    exp->n_shadowed >= TRACE_MAX_SHADOWED)
					continue;
				exp->shadowed[exp->n_shadowed] = m[j].peer;
				exp->shadowed_prefix[exp->n_shadowed++] =
				    m[j].pfx;
			}
		}
		lpm_free(lpm);
	}

	if (exp->has_peer && exp->wg->peers[exp->peer].has_endpoint) {
		struct route_query oq = {
		    .dst = exp->wg->peers[exp->peer].endpoint,
		    .mark = exp->wg->fwmark,
		};

		exp->has_outer = true;
		err = route_get(&oq, &exp->outer);
		if (err)
			exp->outer.err = err;
	}
	if (dst->family == AF_INET6)
		exp->v4_default_in_tunnel = v4_default_into_wg(inv);
}
