// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "base/common.h"
#include "model/path.h"

#define RT_TABLE_LOCAL_ID 255

void flow_addr(const struct wgt_flow *f, bool dst, struct wgt_addr *out)
{
	addr_from_raw(out, f->family, dst ? f->daddr : f->saddr);
}

static bool same_flow(const struct fib_decision *d, const struct wgt_event *e)
{
	return d->flow.family == e->flow.family &&
	       !memcmp(d->flow.daddr, e->flow.daddr, 16) &&
	       !memcmp(d->flow.saddr, e->flow.saddr, 16) &&
	       d->mark == e->mark && d->iif == (int)e->ifindex;
}

static void decision_close(struct fib_decision *d)
{
	int i;

	d->decided = -1;
	/* The last lookup that found something decided; earlier finds were
	 * rejected by a suppress rule, or the rule walk would have stopped. */
	for (i = d->n - 1; i >= 0; i--) {
		if (!d->errs[i]) {
			d->decided = i;
			break;
		}
	}
	if (d->decided >= 0) {
		d->table = d->tables[d->decided];
		d->err = 0;
		d->oif = d->oifs[d->decided];
		/* Not the gateway of a route a suppress rule rejected. */
		d->gw = d->gws[d->decided];
	} else if (d->n) {
		d->table = d->tables[d->n - 1];
		d->err = d->errs[d->n - 1];
		/* Every table missed: to the sender that is "unreachable". */
		if (d->err == -EAGAIN)
			d->err = -ENETUNREACH;
		d->oif = 0;
	}
}

/*
 * Lookups of one decision are microseconds apart natively, but a rule walk
 * under emulation (qemu TCG) was measured at 390 us, and one with the stack
 * read per lookup (lookup_context) and the emulator's thread preempted went
 * past 5 ms on CI-sized machines. A walk restarts at the local table anyway
 * (IPv6 always, IPv4 through the local rule), and the kernel's own lookups
 * are told apart by their marks: the gap only bounds how far apart one
 * walk's lookups may be when nothing else splits them.
 */
#define DECISION_GAP_NS 50000000ULL
/* The reverse-path check follows its forward lookup at once (measured
 * hundreds of microseconds under emulation); a real reply takes a trip. */
#define RPF_CHECK_GAP_NS 1000000ULL

bool rules_custom_v4(const struct inv_rule *rules, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct inv_rule *r = &rules[i];

		if (r->family != AF_INET)
			continue;
		if (!((r->priority == 0 && r->table == RT_TABLE_LOCAL) ||
		      (r->priority == 32766 && r->table == RT_TABLE_MAIN) ||
		      (r->priority == 32767 && r->table == RT_TABLE_DEFAULT)))
			return true;
	}
	return false;
}

/* The device the open decision's last successful lookup chose. */
static int found_oif(const struct fib_decision *d)
{
	int i;

	for (i = d->n - 1; i >= 0; i--)
		if (!d->errs[i])
			return d->oifs[i];
	return 0;
}

/*
 * Does e look up the way back of decision d (fib_validate_source)? Only
 * IPv4 does, at once after the forward lookup, when rp_filter is on for the
 * input device or the namespace has (or had) custom rules, which make the
 * kernel do the full check anyway; its iif is the forward route's device,
 * or loopback.
 */
static bool reverse_of(const struct fib_decision *d, const struct wgt_event *e,
		       const struct inventory *inv, bool walk)
{
	const struct inv_link *in;

	if (!d || d->flow.family != AF_INET)
		return false;
	in = inv ? inv_link_by_index(inv, d->iif) : NULL;
	if (inv && !walk && (!in || in->rp_filter <= 0))
		return false;
	return d->iif > LOOPBACK_IFINDEX &&
	       ((int)e->ifindex == LOOPBACK_IFINDEX ||
		(int)e->ifindex == found_oif(d)) &&
	       d->flow.family == e->flow.family &&
	       !memcmp(d->flow.daddr, e->flow.saddr, 16) &&
	       !memcmp(d->flow.saddr, e->flow.daddr, 16) &&
	       e->ts_ns - d->last_ts_ns <= RPF_CHECK_GAP_NS;
}

#define CTX_MASK (WGT_EVF_CTX_RPF | WGT_EVF_CTX_ICMP)

static bool starts_decision(const struct fib_decision *d,
			    const struct wgt_event *e, bool v4_custom_rules)
{
	if (!d || !same_flow(d, e) || d->n >= PATH_MAX_LOOKUPS)
		return true;
	if ((e->flags & CTX_MASK) != d->ctx_flags)
		return true;
	if (e->table == RT_TABLE_LOCAL_ID)
		return true;
	if (e->flow.family == AF_INET && !v4_custom_rules)
		return true;
	return e->ts_ns - d->last_ts_ns > DECISION_GAP_NS;
}

/* Heuristics for kernels where the stack cannot tell (see path.h). */
static void classify_by_timing(const struct fib_decision *d,
			       const struct wgt_event *e,
			       const struct inventory *inv, bool walk,
			       bool *rpf, bool *internal)
{
	*rpf = reverse_of(d, e, inv, walk);
	/* iif 0: no packet is routed without an input device (loopback
	 * stands for local output); the lookups that follow such a check at
	 * once belong to the same ICMP error (icmp_route_lookup). */
	*internal =
	    !e->ifindex ||
	    (d && d->internal && e->ts_ns - d->last_ts_ns <= RPF_CHECK_GAP_NS);
}

size_t path_group_fib(const struct wgt_event *ev, size_t n,
		      bool v4_custom_rules, bool own_flags,
		      const struct inventory *inv, struct fib_decision *out,
		      size_t max)
{
	/* One open decision per CPU: lookups never interleave on one CPU. */
	enum { MAX_CPU = 512 };
	int open_on_cpu[MAX_CPU];
	size_t i, count = 0;
	int c;

	for (c = 0; c < MAX_CPU; c++)
		open_on_cpu[c] = -1;
	/*
	 * The kernel walks the rules (local table 255 first) once a namespace
	 * ever had custom IPv4 rules, even after they are deleted: seeing a
	 * 255 lookup settles it, whatever the rule dump says now.
	 */
	for (i = 0; i < n && !v4_custom_rules; i++)
		if (ev[i].type == WGT_EV_FIB && ev[i].flow.family == AF_INET &&
		    ev[i].table == RT_TABLE_LOCAL_ID)
			v4_custom_rules = true;
	for (i = 0; i < n; i++) {
		const struct wgt_event *e = &ev[i];
		struct fib_decision *d;
		int cpu = e->cpu < MAX_CPU ? (int)e->cpu : MAX_CPU - 1;
		int idx = open_on_cpu[cpu];

		if (e->type != WGT_EV_FIB)
			continue;
		d = idx >= 0 ? &out[idx] : NULL;
		if (starts_decision(d, e, v4_custom_rules)) {
			bool rpf, internal;

			if (own_flags) {
				rpf = e->flags & WGT_EVF_CTX_RPF;
				/* iif 0: an address-type check, no packet. */
				internal = !e->ifindex ||
					   (e->flags & WGT_EVF_CTX_ICMP);
			} else {
				classify_by_timing(d, e, inv, v4_custom_rules,
						   &rpf, &internal);
			}

			if (d)
				decision_close(d);
			if (count >= max) {
				open_on_cpu[cpu] = -1;
				continue;
			}
			d = &out[count];
			memset(d, 0, sizeof(*d));
			d->flow = e->flow;
			d->ts_ns = e->ts_ns;
			d->netns = e->netns;
			d->mark = e->mark;
			d->iif = e->ifindex;
			d->rpf_check = rpf;
			d->internal = internal;
			d->ctx_flags = e->flags & CTX_MASK;
			open_on_cpu[cpu] = count++;
		}
		d->last_ts_ns = e->ts_ns;
		d->tables[d->n] = e->table;
		d->errs[d->n] = e->err;
		d->oifs[d->n] = e->oif;
		memset(&d->gws[d->n], 0, sizeof(d->gws[0]));
		if (!e->err && e->gw_family)
			addr_from_raw(&d->gws[d->n], e->gw_family, e->gw);
		if (!d->netns)
			d->netns = e->netns;
		d->n++;
	}
	for (i = 0; i < count; i++)
		decision_close(&out[i]);
	return count;
}

bool rule_matches(const struct inv_rule *r, const struct wgt_flow *f,
		  uint32_t mark, const char *iif_name)
{
	struct wgt_addr a;
	bool match = true;

	if (r->family != f->family)
		return false;
	if (r->has_fwmark && ((mark ^ r->fwmark) & r->fwmask))
		match = false;
	/* A rule with iif matches only input from that device; "lo" is
	 * what the kernel uses for locally generated traffic. */
	if (match && r->iif[0] && strcmp(r->iif, iif_name ? iif_name : "lo"))
		match = false;
	if (match && r->src.len) {
		flow_addr(f, false, &a);
		match = prefix_contains(&r->src, &a);
	}
	if (match && r->dst.len) {
		flow_addr(f, true, &a);
		match = prefix_contains(&r->dst, &a);
	}
	return r->invert ? !match : match;
}

size_t path_infer_rules(const struct fib_decision *d,
			const struct inv_rule *rules, size_t n_rules,
			const char *iif_name, struct rule_step *out, size_t max,
			int *decided_by)
{
	size_t i, count = 0;
	int j = 0;

	*decided_by = -1;
	for (i = 0; i < n_rules && count < max; i++) {
		const struct inv_rule *r = &rules[i];
		struct rule_step *s;

		if (!rule_matches(r, &d->flow, d->mark, iif_name))
			continue;
		if (r->action != FR_ACT_TO_TBL) {
			/* An action rule ends the walk with no more lookups. */
			if (j == d->n && r->action != FR_ACT_NOP &&
			    r->action != FR_ACT_GOTO) {
				s = &out[count];
				s->rule = r;
				s->table = 0;
				s->outcome = RULE_ACTION;
				*decided_by = count++;
				break;
			}
			continue;
		}
		/* The kernel looked up this rule's table next, or it did not
		 * consult the rule (a selector we cannot see, like uidrange).
		 */
		if (j >= d->n || d->tables[j] != r->table)
			continue;
		s = &out[count];
		s->rule = r;
		s->table = r->table;
		if (j == d->decided) {
			s->outcome = RULE_DECIDED;
			*decided_by = count++;
			break;
		}
		s->outcome = d->errs[j] ? RULE_NO_ROUTE : RULE_SUPPRESSED;
		count++;
		j++;
	}
	return count;
}

const struct inv_route *route_in_table(const struct inventory *inv,
				       uint32_t table,
				       const struct wgt_addr *dst)
{
	const struct inv_route *best = NULL;
	size_t i;

	for (i = 0; i < inv->n_routes; i++) {
		const struct inv_route *r = &inv->routes[i];

		if (r->table != table || r->family != dst->family ||
		    !prefix_contains(&r->dst, dst))
			continue;
		if (!best || r->dst.len > best->dst.len)
			best = r;
	}
	return best;
}
