/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From kernel events to a path: group the per-table FIB events into routing
 * decisions, and name the policy rule that decided. Pure functions over
 * events and the inventory, so they are unit-tested without a kernel.
 */
#ifndef WGT_PATH_H
#define WGT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/addr.h"
#include "config/inventory.h"
#include "wgtrace.h"

#define PATH_MAX_LOOKUPS 16

/* One routing decision: the tables the kernel looked up, in order. */
struct fib_decision {
	struct wgt_flow flow;
	uint64_t ts_ns; /* first lookup */
	uint64_t last_ts_ns;
	uint32_t netns; /* 0 while no lookup could tell it */
	uint32_t mark;
	int iif; /* 0: locally generated */
	uint32_t tables[PATH_MAX_LOOKUPS];
	int errs[PATH_MAX_LOOKUPS]; /* 0 found, -EAGAIN not in table, ... */
	int oifs[PATH_MAX_LOOKUPS];
	struct wgt_addr gws[PATH_MAX_LOOKUPS];
	int n;
	int decided; /* index of the lookup that decided, -1: none */
	/*
	 * The reverse-path check of the packet routed just before on this
	 * CPU (fib_validate_source: addresses swapped, iif = loopback): not
	 * a packet of its own, and not a reply.
	 */
	bool rpf_check;
	/*
	 * A lookup the kernel makes for itself, not to route a packet: an
	 * address-type check (iif 0). Not a packet either.
	 */
	bool internal;
	uint8_t ctx_flags; /* WGT_EVF_CTX_* of its lookups */
	/* The deciding lookup's result (copied for convenience). */
	uint32_t table;
	int err;
	int oif;
	struct wgt_addr gw;
};

/*
 * Group FIB events (other types are skipped) into decisions. inv (may be
 * NULL: then rp_filter is taken to be on everywhere) tells on which input
 * devices IPv4 checks the reverse path, a lookup that is no packet. Lookups of
 * one decision happen back to back on one CPU. A new decision starts at another
 * flow, at the local table (255: the policy walk and IPv6's fixed order
 * start there), or after a pause. Without custom IPv4 rules the kernel looks
 * up only the merged main table, one lookup per decision: say so with
 * v4_custom_rules = false. With own_flags the kernel marked its own lookups
 * (WGT_EVF_CTX_*, from the stack): those marks decide rpf_check and
 * internal; without, timing right after the packet's lookup does. Returns
 * the count stored (at most max).
 */
size_t path_group_fib(const struct wgt_event *ev, size_t n,
		      bool v4_custom_rules, bool own_flags,
		      const struct inventory *inv, struct fib_decision *out,
		      size_t max);
/* Are there IPv4 rules besides the kernel's three defaults? */
bool rules_custom_v4(const struct inv_rule *rules, size_t n);

/* How one policy rule took part in a decision. */
enum rule_outcome {
	RULE_NO_ROUTE,	 /* its table had no route for the flow */
	RULE_SUPPRESSED, /* found a route, rejected by suppress_prefixlength */
	RULE_DECIDED,	 /* this rule's table gave the answer */
	RULE_ACTION,	 /* blackhole/unreachable/prohibit rule */
};

struct rule_step {
	const struct inv_rule *rule;
	uint32_t table;
	enum rule_outcome outcome;
};

/*
 * Which rules a decision went through, inferred from the tables it looked
 * up and the rule list (priority order) when no hook saw the rule itself.
 * Selectors checked: family, fwmark/mask, not, iif/oif names, src/dst.
 * Returns how many steps (at most max); *decided_by is the deciding step's
 * index or -1.
 */
size_t path_infer_rules(const struct fib_decision *d,
			const struct inv_rule *rules, size_t n_rules,
			const char *iif_name, struct rule_step *out, size_t max,
			int *decided_by);

/* Does a rule's selector match the flow (as the kernel's fib_rule_match)? */
bool rule_matches(const struct inv_rule *r, const struct wgt_flow *f,
		  uint32_t mark, const char *iif_name);

/* The route of table `table` that holds dst: the longest prefix. */
const struct inv_route *route_in_table(const struct inventory *inv,
				       uint32_t table,
				       const struct wgt_addr *dst);

void flow_addr(const struct wgt_flow *f, bool dst, struct wgt_addr *out);

#endif /* WGT_PATH_H */
