// SPDX-License-Identifier: GPL-2.0
/*
 * `wgtrace check`: the static audit. Reads the live inventory of one network
 * namespace and asks the kernel's own route lookup (RTM_GETROUTE, as `ip
 * route get`) how it would send one representative address per question,
 * so every answer is the kernel's, not a re-implementation of policy
 * routing. Needs no BPF: runs on any kernel, in CI before a change.
 *
 * At scale (20,000 peers, 40,000 prefixes and routes) nothing here is
 * quadratic: routes and AllowedIPs are sorted once and searched, and the
 * questions known up front go to the kernel in batches on one socket
 * (prefetch()). A local longest-prefix match over the route dump would
 * save the batches' ~0.2 s, but would have to agree with the kernel on
 * rules, multipath, dead nexthops and IPv6 router preference; asking keeps
 * every answer exact.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "cli/commands.h"
#include "cli/cmdutil.h"
#include "base/common.h"
#include "model/finding.h"
#include "model/intent.h"
#include "config/inventory.h"
#include "model/lpm.h"
#include "config/nl_route.h"
#include "base/output.h"

#define MODE_INVENTORY "inventory"

/*
 * Stand-ins for "somewhere on the internet" when a question is about the
 * default route: documentation ranges (RFC 5737, RFC 3849, RFC 9637) are
 * never routed on a real network, so only the default route covers them.
 * Labs do use them, hence several, each taken only when no more specific
 * route covers it (sample_outside()).
 */
static const char *const default_candidates[] = {
    "192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1", "3fff::1",
};

struct check_opts {
	const char *dev;
	const char *netns;
	const char *intent_path;
	enum wgt_severity fail_on;
	bool json;
};

/* A route of inv->routes by its destination. */
struct pfx_ref {
	struct wgt_prefix dst;
	size_t idx;
};

struct check {
	const struct inventory *inv;
	const struct intent *intent;
	const char *intent_path;
	const char *only_dev;
	struct lpm **lpm; /* one per inv->wg[i] */
	struct finding_list *out;
	struct wgt_prefix *scratch; /* room for every route prefix */
	/*
	 * Sorted by prefix, so "every route or AllowedIPs prefix inside P" is
	 * a binary search and a short walk instead of a pass over all of
	 * them per question: check stays n log n at 20,000 peers.
	 */
	struct pfx_ref *routes;	     /* inv->routes, sorted */
	struct wgt_prefix **allowed; /* per inv->wg[i], sorted */
	size_t *n_allowed;
	/* The kernel's answers, asked in one batch (prefetch()), sorted. */
	struct route_query *cache_q;
	struct route_answer *cache_a;
	size_t n_cache;
	struct wgt_addr prefer[ARRAY_SIZE(default_candidates)];
	size_t n_prefer;
	/* The kernel's answer for "the internet", per family (0 v4, 1 v6). */
	struct wgt_addr def_dst[2];
	struct route_answer def_ans[2];
};

static const char check_help[] =
    "Usage: wgtrace check [-i DEV] [-n NETNS] [--intent FILE]\n"
    "                     [--fail-on info|warning|error] [--json] [-v]\n"
    "\n"
    "Audit the WireGuard devices of a network namespace against the\n"
    "kernel's own route lookups: overlapping AllowedIPs, AllowedIPs the\n"
    "kernel does not route into the device, routes no peer carries,\n"
    "endpoints routed into a tunnel, IPv6 leaks and blackholes,\n"
    "forwarding, rp_filter and MTU; with --intent, every assertion of\n"
    "the intent file. Changes nothing and needs no BPF.\n"
    "\n"
    "Options:\n"
    "  -i, --interface DEV  only this WireGuard device (default: all)\n"
    "  -n, --netns NETNS    network namespace: name (ip netns) or path\n"
    "  -f, --intent FILE    intent file to verify ('-': stdin); its\n"
    "                       'name' lines name peers in the output,\n"
    "                       'role gateway' or 'role endpoint' says\n"
    "                       whether this host must forward (without\n"
    "                       it, check infers that from the inventory)\n"
    "      --fail-on LEVEL  exit 1 on findings at LEVEL or worse:\n"
    "                       info, warning or error (default: error)\n"
    "      --json           JSON Lines: one \"finding\" object per\n"
    "                       line, then one \"summary\"\n"
    "  -v                   show every kernel route query made\n"
    "  -h, --help           this text\n"
    "\n"
    "Findings: overlap, route_bypass, no_peer, tunnel_loop, v6_leak,\n"
    "v6_blackhole, no_forward, rpf_strict, mtu, intent_violation.\n"
    "no_forward: forwarding off where peers reach a network behind this\n"
    "host (warning), a site or a hub of clients (info), or anything\n"
    "beyond it when the intent says 'role gateway' (error).\n"
    "\n"
    "Exit status: 0 no finding at the --fail-on level, 1 findings at\n"
    "or above it (or a runtime failure), 2 usage or input error.\n"
    "\n"
    "Examples:\n"
    "  sudo wgtrace check\n"
    "  sudo wgtrace check -i wg0 --intent intent.txt --fail-on warning\n"
    "  echo 'role gateway' | sudo wgtrace check --intent -\n"
    "  sudo wgtrace check -n vpn --json | jq -r '.finding // empty'\n";

static void check_usage(FILE *f)
{
	fputs(check_help, f);
}

/* ---- small helpers ---------------------------------------------------- */

static const char *link_name(const struct check *c, int ifindex, char *buf,
			     size_t len)
{
	const struct inv_link *l = inv_link_by_index(c->inv, ifindex);

	if (l)
		return l->name;
	snprintf(buf, len, "if%d", ifindex);
	return buf;
}

static bool is_wg_link(const struct check *c, int ifindex)
{
	const struct inv_link *l;

	if (inv_wg_by_index(c->inv, ifindex))
		return true;
	/* With -i only one device was read; the kind still tells the rest. */
	l = inv_link_by_index(c->inv, ifindex);
	return l && !strcmp(l->kind, "wireguard");
}

static enum route_to classify(const struct check *c,
			      const struct route_answer *a)
{
	if (a->err || a->type == RTN_BLACKHOLE || a->type == RTN_UNREACHABLE ||
	    a->type == RTN_PROHIBIT)
		return ROUTE_NONE;
	if (a->type == RTN_LOCAL || a->type == RTN_BROADCAST)
		return ROUTE_LOCAL;
	return is_wg_link(c, a->oif) ? ROUTE_WG : ROUTE_OTHER;
}

/* Why the kernel refused: route_get() passes its errno through. */
static const char *refusal(int err)
{
	switch (-err) {
	case ENETUNREACH:
		return "no route (network unreachable)";
	case EHOSTUNREACH:
		return "an unreachable route";
	case EINVAL:
		return "a blackhole route";
	case EACCES:
		return "a prohibit route";
	}
	return strerror(-err);
}

/* "leaves by eth0 via 192.0.2.254 (table main, route 0.0.0.0/0)". */
static const char *answer_fmt(const struct check *c,
			      const struct route_answer *a, char *buf,
			      size_t len)
{
	char dev[IF_NAMESIZE + 8], gw[WGT_ADDR_STRLEN + 8] = "", pfx[64] = "";
	char tbuf[16];
	const char *table;

	if (a->err) {
		snprintf(buf, len, "is dropped: %s", refusal(a->err));
		return buf;
	}
	table = nl_table_name(a->table, tbuf, sizeof(tbuf));
	if (a->prefix.addr.family) {
		char p[WGT_PREFIX_STRLEN];

		snprintf(pfx, sizeof(pfx), ", route %s",
			 prefix_fmt(&a->prefix, p, sizeof(p)));
	}
	if (a->type == RTN_LOCAL || a->type == RTN_BROADCAST) {
		snprintf(buf, len, "is delivered locally (table %s)", table);
		return buf;
	}
	if (a->type != RTN_UNICAST) {
		const char *t = nl_route_type_name(a->type);

		snprintf(buf, len, "hits a %s route (table %s%s)",
			 t ? t : "non-unicast", table, pfx);
		return buf;
	}
	if (a->gateway.family) {
		char g[WGT_ADDR_STRLEN];

		snprintf(gw, sizeof(gw), " via %s",
			 addr_fmt(&a->gateway, g, sizeof(g)));
	}
	snprintf(buf, len, "leaves by %s%s (table %s%s)",
		 link_name(c, a->oif, dev, sizeof(dev)), gw, table, pfx);
	return buf;
}

static int query_order(const void *x, const void *y)
{
	const struct route_query *a = x, *b = y;
	int r = addr_cmp(&a->dst, &b->dst);

	if (r)
		return r;
	return a->mark < b->mark ? -1 : a->mark > b->mark;
}

/* The prefetched answer for dst and mark, or NULL. */
static const struct route_answer *
cached(const struct check *c, const struct wgt_addr *dst, uint32_t mark)
{
	struct route_query key = {.dst = *dst, .mark = mark};
	const struct route_query *q;

	if (!c->n_cache)
		return NULL;
	q = bsearch(&key, c->cache_q, c->n_cache, sizeof(key), query_order);
	return q ? &c->cache_a[q - c->cache_q] : NULL;
}

/* route_get() with the query spelled out; -errno only for a local failure. */
static int ask(const struct check *c, const struct wgt_addr *dst, uint32_t mark,
	       struct route_answer *ans)
{
	struct route_query q = {.dst = *dst, .mark = mark};
	const struct route_answer *hit = cached(c, dst, mark);
	char a[WGT_ADDR_STRLEN], how[160];
	int err;

	if (hit) {
		*ans = *hit;
	} else {
		err = route_get(&q, ans);
		if (err) {
			wgt_err("route query for %s failed: %s",
				addr_fmt(dst, a, sizeof(a)), strerror(-err));
			return err;
		}
	}
	if (wgt_verbose >= 1)
		wgt_dbg(1, "route get %s mark 0x%x: %s",
			addr_fmt(dst, a, sizeof(a)), mark,
			answer_fmt(c, ans, how, sizeof(how)));
	return 0;
}

static size_t wg_slot(const struct check *c, const struct wg_device_info *d)
{
	return (size_t)(d - c->inv->wg);
}

/* "abcdefgh..." and its NUL. */
#define PEER_LABEL_LEN 12

/*
 * A peer in a sentence: its intent name, or the first characters of its
 * key (enough to tell peers apart; the full key is in "peer" and the
 * objects), written to buf.
 */
static const char *peer_label(const struct check *c,
			      const struct wg_peer_info *p,
			      char buf[PEER_LABEL_LEN])
{
	const char *name = intent_name_of(c->intent, p->pubkey);

	if (name)
		return name;
	snprintf(buf, PEER_LABEL_LEN, "%.8s...", p->pubkey_b64);
	return buf;
}

/* For text the user may paste into an intent file: no abbreviation. */
static const char *peer_name_or_key(const struct check *c,
				    const struct wg_peer_info *p)
{
	const char *name = intent_name_of(c->intent, p->pubkey);

	return name ? name : p->pubkey_b64;
}

static void set_peer(const struct check *c, struct finding *f,
		     const struct wg_peer_info *p)
{
	const char *name = intent_name_of(c->intent, p->pubkey);

	snprintf(f->peer, sizeof(f->peer), "%s", p->pubkey_b64);
	snprintf(f->peer_name, sizeof(f->peer_name), "%s", name ? name : "");
}

static struct finding *new_finding(struct check *c, const char *id,
				   enum wgt_severity sev,
				   const struct wg_device_info *d)
{
	struct finding *f = finding_add(c->out, id, sev, MODE_INVENTORY);

	if (f && d)
		snprintf(f->interface, sizeof(f->interface), "%s", d->name);
	return f;
}

static void set_example(struct finding *f, const struct wgt_addr *dst,
			uint32_t mark)
{
	f->has_example = true;
	f->example.dst = *dst;
	f->example.mark = mark;
}

static bool ref_before(const void *r, const void *p)
{
	return prefix_cmp(&((const struct pfx_ref *)r)->dst, p) < 0;
}

static bool pfx_before(const void *q, const void *p)
{
	return prefix_cmp(q, p) < 0;
}

/* The first entry of v (sorted) at or after p: where p's insides start. */
static size_t refs_from(const struct pfx_ref *v, size_t n,
			const struct wgt_prefix *p)
{
	return sorted_partition(v, n, sizeof(*v), p, ref_before);
}

static size_t pfx_from(const struct wgt_prefix *v, size_t n,
		       const struct wgt_prefix *p)
{
	return sorted_partition(v, n, sizeof(*v), p, pfx_before);
}

/*
 * Route prefixes strictly inside p, from every table: the more specific
 * routes a sample address for p should stay clear of. Into c->scratch at
 * n; returns the new count.
 */
static size_t routes_inside(const struct check *c, const struct wgt_prefix *p,
			    unsigned int min_len, size_t n)
{
	size_t i = refs_from(c->routes, c->inv->n_routes, p);

	for (;
	     i < c->inv->n_routes && prefix_contains(p, &c->routes[i].dst.addr);
	     i++) {
		const struct wgt_prefix *r = &c->routes[i].dst;

		if (r->len > p->len && r->len >= min_len)
			c->scratch[n++] = *r;
	}
	return n;
}

/*
 * One address to ask the kernel about on behalf of all of p: inside p and
 * outside every more specific route, so the answer is the route for p. For
 * /0, a documentation address when one is free. If more specific routes
 * cover p entirely (0.0.0.0/1 + 128.0.0.0/1 instead of a default), those
 * halves are the default: skip them, as they count as "the internet" too.
 */
static void sample_for(const struct check *c, const struct wgt_prefix *p,
		       struct wgt_addr *out)
{
	/* Up to /8 (v4) or /16 (v6) a route splits the internet, not a LAN. */
	unsigned int wide = p->addr.family == AF_INET ? 8 : 16;
	const struct wgt_addr *prefer = p->len ? NULL : c->prefer;
	size_t np = p->len ? 0 : c->n_prefer, n;

	n = prefix_outermost(c->scratch, routes_inside(c, p, 0, 0));
	if (sample_outside_sorted(p, c->scratch, n, prefer, np, out))
		return;
	n = prefix_outermost(c->scratch, routes_inside(c, p, wide + 1, 0));
	if (sample_outside_sorted(p, c->scratch, n, prefer, np, out))
		return;
	prefix_sample_addr(p, out);
}

/* ---- overlap ---------------------------------------------------------- */

struct overlap_ctx {
	struct check *c;
	const struct wg_device_info *d;
};

/* Did the intent file declare this nesting ("PFX via DEV peer WINNER")? */
static const struct intent_assert *declared(const struct check *c,
					    const struct wg_device_info *d,
					    const struct wg_peer_info *winner,
					    const struct wgt_prefix *wp)
{
	size_t i;

	for (i = 0; i < c->intent->n_asserts; i++) {
		const struct intent_assert *a = &c->intent->asserts[i];

		if (a->action == INTENT_VIA && a->has_peer &&
		    !strcmp(a->dev, d->name) &&
		    !memcmp(a->peer, winner->pubkey, WG_KEY_LEN_RAW) &&
		    prefix_covers(wp, &a->dst))
			return a;
	}
	return NULL;
}

static int report_overlap(const struct lpm_overlap *ov, void *ctx)
{
	struct overlap_ctx *oc = ctx;
	struct check *c = oc->c;
	const struct wg_device_info *d = oc->d;
	const struct wg_peer_info *w = &d->peers[ov->winner.peer];
	const struct wg_peer_info *s = &d->peers[ov->shadowed.peer];
	char wp[WGT_PREFIX_STRLEN], sp[WGT_PREFIX_STRLEN];
	char wbuf[PEER_LABEL_LEN], sbuf[PEER_LABEL_LEN];
	const char *wl = peer_label(c, w, wbuf), *sl = peer_label(c, s, sbuf);
	const struct intent_assert *decl;
	enum wgt_severity sev;
	struct wgt_addr ex;
	struct finding *f;

	prefix_fmt(&ov->winner.pfx, wp, sizeof(wp));
	prefix_fmt(&ov->shadowed.pfx, sp, sizeof(sp));
	if (ov->kind == LPM_OVERLAP_IDENTICAL) {
		f = new_finding(c, "overlap", SEV_ERROR, d);
		if (!f)
			return -ENOMEM;
		FTEXT(f->message, "peers %s and %s both claim %s", sl, wl, sp);
		FTEXT(f->expected, "each prefix on one peer");
		FTEXT(f->actual, "all of %s goes to %s; %s gets none of it", wp,
		      wl, sl);
		FTEXT(f->hint,
		      "remove %s from the peer that should not carry "
		      "it (wg set %s peer KEY allowed-ips LIST)",
		      sp, d->name);
	} else {
		/*
		 * A default peer plus more specific peers is the normal
		 * full-tunnel-with-sites design; longest match is the intent
		 * there. So is a nesting the intent file declares.
		 */
		decl = declared(c, d, w, &ov->winner.pfx);
		sev =
		    ov->shadowed.pfx.len == 0 || decl ? SEV_INFO : SEV_WARNING;
		f = new_finding(c, "overlap", sev, d);
		if (!f)
			return -ENOMEM;
		FTEXT(f->message, "%s of peer %s lies inside %s of peer %s", wp,
		      wl, sp, sl);
		FTEXT(f->expected, "destinations in %s go to %s", sp, sl);
		FTEXT(f->actual,
		      "those in %s go to %s (longest prefix wins); "
		      "only the rest of %s goes to %s",
		      wp, wl, sp, sl);
		if (decl)
			FTEXT(f->hint, "none: declared in %s line %u",
			      c->intent_path, decl->line);
		else
			FTEXT(f->hint,
			      "if intended, declare it in the intent "
			      "file ('%s via %s peer %s'); if not, remove %s "
			      "from %s or narrow %s",
			      wp, d->name, peer_name_or_key(c, w), wp, wl, sp);
	}
	set_peer(c, f, s);
	finding_object(f, "prefix", "%s", sp);
	finding_object(f, "other_peer", "%s", w->pubkey_b64);
	finding_object(f, "other_prefix", "%s", wp);
	prefix_sample_addr(&ov->winner.pfx, &ex);
	set_example(f, &ex, 0);
	return 0;
}

static int check_overlap(struct check *c, const struct wg_device_info *d)
{
	struct overlap_ctx oc = {c, d};

	return lpm_for_each_overlap(c->lpm[wg_slot(c, d)], report_overlap, &oc);
}

/* ---- route_bypass ----------------------------------------------------- */

static int bypass_finding(struct check *c, const struct wg_device_info *d,
			  const struct wg_peer_info *p,
			  const struct wgt_prefix *pfx,
			  const struct wgt_prefix *part,
			  const struct wgt_addr *dst,
			  const struct route_answer *ans)
{
	char pl[PEER_LABEL_LEN];
	const struct inv_link *l = inv_link_by_index(c->inv, d->ifindex);
	char ps[WGT_PREFIX_STRLEN], parts[WGT_PREFIX_STRLEN];
	char a[WGT_ADDR_STRLEN], how[160];
	enum wgt_severity sev;
	struct finding *f;

	/*
	 * AllowedIPs 0.0.0.0/0 without the default route can be deliberate
	 * (only policy-routed traffic uses the tunnel); a subnet not routed,
	 * or routed elsewhere in part, is what `wg set` without routes does.
	 */
	sev = part || pfx->len == 0 ? SEV_WARNING : SEV_ERROR;
	f = new_finding(c, "route_bypass", sev, d);
	if (!f)
		return -ENOMEM;
	set_peer(c, f, p);
	prefix_fmt(pfx, ps, sizeof(ps));
	addr_fmt(dst, a, sizeof(a));
	if (part) {
		prefix_fmt(part, parts, sizeof(parts));
		FTEXT(f->message,
		      "part of %s of peer %s (%s) is routed away "
		      "from %s",
		      ps, peer_label(c, p, pl), parts, d->name);
	} else {
		FTEXT(f->message, "%s of peer %s is not routed into %s", ps,
		      peer_label(c, p, pl), d->name);
	}
	FTEXT(f->expected, "%s leaves by %s", a, d->name);
	FTEXT(f->actual, "%s %s%s", a, answer_fmt(c, ans, how, sizeof(how)),
	      l && !l->up ? "; the device is down" : "");
	if (part)
		FTEXT(f->hint,
		      "if %s is meant to stay off the tunnel (a LAN), "
		      "remove it from the peer's AllowedIPs; otherwise remove "
		      "or fix the route for %s",
		      parts, parts);
	else if (pfx->len == 0)
		FTEXT(f->hint,
		      "route the default into %s in a table of its "
		      "own, as wg-quick does: ip route add default dev %s "
		      "table 51820; ip rule add not fwmark 51820 table 51820; "
		      "ip rule add table main suppress_prefixlength 0",
		      d->name, d->name);
	else
		FTEXT(f->hint,
		      "ip route add %s dev %s (wg-quick adds a route "
		      "per AllowedIPs prefix; wg set adds none)",
		      ps, d->name);
	finding_object(f, "prefix", "%s", ps);
	if (part)
		finding_object(f, "route", "%s", parts);
	if (!ans->err && ans->oif)
		finding_object(f, "actual_interface", "%s",
			       link_name(c, ans->oif, how, sizeof(how)));
	set_example(f, dst, 0);
	return 0;
}

/* Is this route one that decides where a destination goes (not ours)? */
static bool forwarding_route(const struct inv_route *r)
{
	return r->type == RTN_UNICAST || r->type == RTN_BLACKHOLE ||
	       r->type == RTN_UNREACHABLE || r->type == RTN_PROHIBIT;
}

/*
 * More specific routes inside pfx that do not point into d: ask the
 * kernel whether each really takes its part of pfx elsewhere.
 */
static int check_bypass_parts(struct check *c, const struct wg_device_info *d,
			      const struct wg_peer_info *p,
			      const struct wgt_prefix *pfx)
{
	const struct wgt_prefix *last = NULL;
	struct route_answer ans;
	struct wgt_addr dst;
	size_t i;
	int err;

	i = refs_from(c->routes, c->inv->n_routes, pfx);
	for (; i < c->inv->n_routes &&
	       prefix_contains(pfx, &c->routes[i].dst.addr);
	     i++) {
		const struct inv_route *r = &c->inv->routes[c->routes[i].idx];

		if (!forwarding_route(r) || r->oif == d->ifindex ||
		    r->dst.len <= pfx->len)
			continue;
		/* One prefix in several tables (adjacent): one question. */
		if (last && prefix_equal(last, &r->dst))
			continue;
		last = &r->dst;
		sample_for(c, &r->dst, &dst);
		err = ask(c, &dst, 0, &ans);
		if (err)
			return err;
		if (!ans.err && ans.oif == d->ifindex)
			continue;
		if (classify(c, &ans) == ROUTE_LOCAL)
			continue;
		err = bypass_finding(c, d, p, pfx, &r->dst, &dst, &ans);
		if (err)
			return err;
	}
	return 0;
}

static int check_bypass(struct check *c, const struct wg_device_info *d)
{
	struct route_answer ans;
	struct wgt_addr dst;
	size_t i, j;
	int err;

	for (i = 0; i < d->n_peers; i++) {
		const struct wg_peer_info *p = &d->peers[i];

		for (j = 0; j < p->n_allowed; j++) {
			const struct wgt_prefix *pfx = &p->allowed[j];

			sample_for(c, pfx, &dst);
			/*
			 * Mark 0: what ordinary traffic carries. The device's
			 * fwmark is on the outer packets only.
			 */
			err = ask(c, &dst, 0, &ans);
			if (err)
				return err;
			if (classify(c, &ans) == ROUTE_LOCAL)
				continue;
			if (ans.err || ans.oif != d->ifindex) {
				err = bypass_finding(c, d, p, pfx, NULL, &dst,
						     &ans);
				if (err)
					return err;
				continue;
			}
			/* A default peer's "parts" are the LANs: fine. */
			if (pfx->len == 0)
				continue;
			err = check_bypass_parts(c, d, p, pfx);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ---- no_peer ---------------------------------------------------------- */

/* Every AllowedIPs prefix of d inside r, appended to c->scratch at n. */
static size_t allowed_inside(const struct check *c,
			     const struct wg_device_info *d,
			     const struct wgt_prefix *r, size_t n)
{
	const struct wgt_prefix *v = c->allowed[wg_slot(c, d)];
	size_t nv = c->n_allowed[wg_slot(c, d)];
	size_t i = pfx_from(v, nv, r);

	for (; i < nv && prefix_contains(r, &v[i].addr); i++)
		if (prefix_covers(r, &v[i]))
			c->scratch[n++] = v[i];
	return n;
}

static int check_no_peer(struct check *c, const struct wg_device_info *d)
{
	const struct lpm *lpm = c->lpm[wg_slot(c, d)];
	char rs[WGT_PREFIX_STRLEN], a[WGT_ADDR_STRLEN], tbuf[16];
	const char *table;
	struct route_answer ans;
	struct lpm_match m;
	struct wgt_addr dst;
	size_t i, n;
	int err;

	for (i = 0; i < c->inv->n_routes; i++) {
		const struct inv_route *r = &c->inv->routes[i];
		struct finding *f;

		/*
		 * Every address on a WireGuard device makes its subnet a
		 * route (proto kernel); hubs give each peer a /32 of it, and
		 * the unused addresses are no misconfiguration.
		 */
		if (r->oif != d->ifindex || r->type != RTN_UNICAST ||
		    r->protocol == RTPROT_KERNEL)
			continue;
		/* A peer's prefix covering the whole route: nothing to ask. */
		if (lpm_lookup(lpm, &r->dst.addr, &m) &&
		    prefix_covers(&m.pfx, &r->dst))
			continue;
		/* An address of r no peer holds and no finer route takes. */
		n = routes_inside(c, &r->dst, 0, 0);
		n = prefix_outermost(c->scratch,
				     allowed_inside(c, d, &r->dst, n));
		if (!sample_outside_sorted(
			&r->dst, c->scratch, n, r->dst.len ? NULL : c->prefer,
			r->dst.len ? 0 : c->n_prefer, &dst)) {
			/* Finer routes take it all; they are checked too. */
			n = prefix_outermost(c->scratch,
					     allowed_inside(c, d, &r->dst, 0));
			if (!sample_outside_sorted(&r->dst, c->scratch, n, NULL,
						   0, &dst))
				continue;
		}
		if (lpm_lookup(lpm, &dst, &m))
			continue;
		/* Only a route the kernel really uses for it is a problem. */
		err = ask(c, &dst, 0, &ans);
		if (err)
			return err;
		if (ans.err || ans.oif != d->ifindex) {
			wgt_dbg(1, "route %s dev %s table %u: not used for %s",
				prefix_fmt(&r->dst, rs, sizeof(rs)), d->name,
				r->table, addr_fmt(&dst, a, sizeof(a)));
			continue;
		}
		f = new_finding(c, "no_peer", SEV_ERROR, d);
		if (!f)
			return -ENOMEM;
		prefix_fmt(&r->dst, rs, sizeof(rs));
		addr_fmt(&dst, a, sizeof(a));
		table = nl_table_name(r->table, tbuf, sizeof(tbuf));
		FTEXT(f->message,
		      "route %s (table %s) sends traffic into %s "
		      "that no peer carries",
		      rs, table, d->name);
		FTEXT(f->expected, "a peer of %s whose AllowedIPs contain %s",
		      d->name, a);
		FTEXT(f->actual,
		      d->n_peers ? "no AllowedIPs prefix contains %s: "
				   "WireGuard drops it "
				   "(tx_errors)"
				 : "%s enters a device without peers: "
				   "WireGuard drops it "
				   "(tx_errors)",
		      a);
		FTEXT(f->hint,
		      "add the prefix to the peer that should carry "
		      "it (wg set %s peer KEY allowed-ips LIST, which replaces "
		      "the list), or narrow the route to what the peers carry",
		      d->name);
		finding_object(f, "route", "%s", rs);
		finding_object(f, "table", "%s", table);
		set_example(f, &dst, 0);
	}
	return 0;
}

/* ---- endpoints: tunnel_loop, mtu, rpf_strict -------------------------- */

struct underlay_seen {
	int oif;
	uint8_t family;
};

static bool seen_before(struct underlay_seen *seen, size_t *n, size_t max,
			int oif, uint8_t family)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (seen[i].oif == oif && seen[i].family == family)
			return true;
	if (*n < max) {
		seen[*n].oif = oif;
		seen[*n].family = family;
		(*n)++;
	}
	return false;
}

static struct finding *endpoint_finding(struct check *c, const char *id,
					enum wgt_severity sev,
					const struct wg_device_info *d,
					const struct wg_peer_info *p)
{
	struct finding *f = new_finding(c, id, sev, d);
	char ep[WGT_ADDR_STRLEN];

	if (!f)
		return NULL;
	set_peer(c, f, p);
	addr_fmt(&p->endpoint, ep, sizeof(ep));
	finding_object(f, "endpoint",
		       p->endpoint.family == AF_INET6 ? "[%s]:%u" : "%s:%u", ep,
		       p->endpoint_port);
	set_example(f, &p->endpoint, d->fwmark);
	f->example.proto = IPPROTO_UDP;
	f->example.dport = p->endpoint_port;
	return f;
}

static int loop_finding(struct check *c, const struct wg_device_info *d,
			const struct wg_peer_info *p,
			const struct route_answer *ans)
{
	char pl[PEER_LABEL_LEN];
	struct finding *f = endpoint_finding(c, "tunnel_loop", SEV_ERROR, d, p);
	char ep[WGT_ADDR_STRLEN], how[160], dev[IF_NAMESIZE + 8];

	if (!f)
		return -ENOMEM;
	addr_fmt(&p->endpoint, ep, sizeof(ep));
	FTEXT(f->message,
	      "the endpoint %s of peer %s is routed into %s: the "
	      "tunnel's own packets would enter a tunnel",
	      ep, peer_label(c, p, pl),
	      link_name(c, ans->oif, dev, sizeof(dev)));
	FTEXT(f->expected, "UDP to %s (fwmark 0x%x) leaves by the underlay", ep,
	      d->fwmark);
	FTEXT(f->actual, "it %s", answer_fmt(c, ans, how, sizeof(how)));
	if (d->fwmark)
		FTEXT(f->hint,
		      "keep packets with mark 0x%x out of the "
		      "tunnel's table (ip rule add not fwmark 0x%x table "
		      "TABLE), or route %s via the uplink",
		      d->fwmark, d->fwmark, ep);
	else
		FTEXT(f->hint,
		      "give %s a fwmark and route the tunnel by "
		      "policy, as wg-quick does (wg set %s fwmark 51820; ip "
		      "rule add not fwmark 51820 table 51820), or add an "
		      "endpoint route: ip route add %s via UPLINK-GATEWAY",
		      d->name, d->name, ep);
	finding_object(f, "fwmark", "0x%x", d->fwmark);
	return 0;
}

static int mtu_finding(struct check *c, const struct wg_device_info *d,
		       const struct wg_peer_info *p, const struct inv_link *wl,
		       const struct inv_link *ul)
{
	struct finding *f = endpoint_finding(c, "mtu", SEV_WARNING, d, p);
	unsigned int oh = wg_overhead(p->endpoint.family);
	unsigned int fit = ul->mtu > oh ? ul->mtu - oh : 0;
	char ep[WGT_ADDR_STRLEN];

	if (!f)
		return -ENOMEM;
	addr_fmt(&p->endpoint, ep, sizeof(ep));
	FTEXT(f->message,
	      "%s MTU %u plus WireGuard's %u bytes (IPv%c "
	      "endpoint) does not fit the underlay %s (MTU %u) toward %s",
	      d->name, wl->mtu, oh, p->endpoint.family == AF_INET6 ? '6' : '4',
	      ul->name, ul->mtu, ep);
	FTEXT(f->expected, "%s MTU at most %u (%s MTU %u - %u)", d->name, fit,
	      ul->name, ul->mtu, oh);
	FTEXT(f->actual,
	      "a full-size packet becomes %u bytes on %s: "
	      "WireGuard's outer packets are fragmented (or lost where "
	      "fragments are dropped)",
	      wl->mtu + oh, ul->name);
	FTEXT(f->hint, "ip link set %s mtu %u (MTU = %u in a wg-quick config)",
	      d->name, fit, fit);
	finding_object(f, "underlay", "%s", ul->name);
	finding_object(f, "mtu", "%u", wl->mtu);
	finding_object(f, "underlay_mtu", "%u", ul->mtu);
	return 0;
}

/*
 * Replies from the endpoint arrive on the underlay unmarked; strict
 * rp_filter checks the route back to the endpoint with the packet's mark
 * only when src_valid_mark is set (wg-quick sets it and restores the mark
 * with connmark), and with mark 0 otherwise, which a full tunnel sends
 * into the tunnel.
 */
static int check_rpf_endpoint(struct check *c, const struct wg_device_info *d,
			      const struct wg_peer_info *p,
			      const struct inv_link *ul, bool *reported)
{
	char pl[PEER_LABEL_LEN];
	uint32_t mark = ul->src_valid_mark > 0 ? d->fwmark : 0;
	char ep[WGT_ADDR_STRLEN], how[160];
	struct route_answer rev;
	struct finding *f;
	int err;

	if (p->endpoint.family != AF_INET || ul->rp_filter != 1 ||
	    mark == d->fwmark)
		return 0;
	err = ask(c, &p->endpoint, mark, &rev);
	if (err)
		return err;
	if (!rpf_drops(ul->rp_filter, ul->ifindex, rev.err ? 0 : rev.oif))
		return 0;
	f = endpoint_finding(c, "rpf_strict", SEV_ERROR, d, p);
	if (!f)
		return -ENOMEM;
	*reported = true;
	f->example.mark = mark;
	addr_fmt(&p->endpoint, ep, sizeof(ep));
	FTEXT(f->message,
	      "replies from the endpoint %s of peer %s fail strict "
	      "rp_filter on %s",
	      ep, peer_label(c, p, pl), ul->name);
	FTEXT(f->expected,
	      "the route back to %s for the reverse-path check "
	      "leaves by %s",
	      ep, ul->name);
	FTEXT(f->actual,
	      "src_valid_mark is 0 on %s, so the check uses mark 0, "
	      "and %s %s",
	      ul->name, ep, answer_fmt(c, &rev, how, sizeof(how)));
	FTEXT(f->hint,
	      "sysctl -w net.ipv4.conf.all.src_valid_mark=1 (wg-quick "
	      "does so for a full tunnel), or loose rp_filter: sysctl -w "
	      "net.ipv4.conf.%s.rp_filter=2",
	      ul->name);
	finding_object(f, "underlay", "%s", ul->name);
	finding_object(f, "rp_filter", "%d", ul->rp_filter);
	finding_object(f, "src_valid_mark", "%d", ul->src_valid_mark);
	return 0;
}

static int check_endpoints(struct check *c, const struct wg_device_info *d,
			   bool *rpf_reported)
{
	const struct inv_link *wl = inv_link_by_index(c->inv, d->ifindex);
	struct underlay_seen mtu_seen[8], rpf_seen[8];
	size_t n_mtu = 0, n_rpf = 0, i;
	struct route_answer ans;
	int err;

	for (i = 0; i < d->n_peers; i++) {
		const struct wg_peer_info *p = &d->peers[i];
		const struct inv_link *ul;

		if (!p->has_endpoint)
			continue;
		/* With the device's fwmark: how WireGuard sends its packets. */
		err = ask(c, &p->endpoint, d->fwmark, &ans);
		if (err)
			return err;
		switch (classify(c, &ans)) {
		case ROUTE_WG:
			err = loop_finding(c, d, p, &ans);
			if (err)
				return err;
			continue;
		case ROUTE_OTHER:
			break;
		default:
			continue;
		}
		ul = inv_link_by_index(c->inv, ans.oif);
		if (!ul)
			continue;
		if (wl && mtu_excess(wl->mtu, p->endpoint.family, ul->mtu) &&
		    !seen_before(mtu_seen, &n_mtu, ARRAY_SIZE(mtu_seen),
				 ul->ifindex, p->endpoint.family)) {
			err = mtu_finding(c, d, p, wl, ul);
			if (err)
				return err;
		}
		if (seen_before(rpf_seen, &n_rpf, ARRAY_SIZE(rpf_seen),
				ul->ifindex, AF_INET))
			continue;
		err = check_rpf_endpoint(c, d, p, ul, rpf_reported);
		if (err)
			return err;
	}
	return 0;
}

/* ---- no_forward ------------------------------------------------------- */

/*
 * What this host must forward, reasoned from the inventory: the intent's
 * role when it states one; otherwise a network behind this host on another
 * interface (a LAN the peers reach through it) says gateway, and a network
 * behind a peer or a hub of clients says "gateway or a host that only
 * talks to them itself", which only the role can settle.
 */
struct forward_ctx {
	struct forward_evidence ev;
	const struct inv_link *lan; /* the interface behind, if ev.lan */
	struct wgt_prefix lan_net;
	struct wgt_addr lan_dst; /* the kernel sent it out of lan */
	size_t n_lan;		 /* networks behind this host */
	const struct wgt_prefix *peer_net;
	size_t peer;		  /* whose peer_net */
	struct wgt_addr peer_src; /* an address a peer sends from */
};

/* Interfaces WireGuard's own packets or the default route leave by. */
static void mark_underlay(const struct check *c, bool *under)
{
	const struct inv_link *l;
	size_t i, j, s;

	for (s = 0; s < 2; s++) {
		l = inv_link_by_index(c->inv, c->def_ans[s].oif);
		if (!c->def_ans[s].err && l)
			under[l - c->inv->links] = true;
	}
	for (i = 0; i < c->inv->n_wg; i++) {
		const struct wg_device_info *d = &c->inv->wg[i];

		for (j = 0; j < d->n_peers; j++) {
			const struct route_answer *a;

			if (!d->peers[j].has_endpoint)
				continue;
			a = cached(c, &d->peers[j].endpoint, d->fwmark);
			l = a && !a->err ? inv_link_by_index(c->inv, a->oif)
					 : NULL;
			if (l)
				under[l - c->inv->links] = true;
		}
	}
}

static bool link_local(const struct wgt_prefix *p)
{
	if (p->addr.family == AF_INET)
		return p->addr.b[0] == 169 && p->addr.b[1] == 254;
	return p->addr.b[0] == 0xfe && (p->addr.b[1] & 0xc0) == 0x80;
}

/*
 * The networks behind this host for d's peers, family f: routes (the
 * connected ones of addresses included) out of an interface that is up,
 * not loopback, not a WireGuard device and not the underlay, which no
 * peer of d claims, and which the kernel really sends out of there.
 */
static int find_lan(struct check *c, const struct wg_device_info *d, uint8_t f,
		    const bool *under, struct forward_ctx *fx)
{
	struct route_answer ans;
	struct wgt_addr dst;
	struct lpm_match m;
	size_t i;
	int err;

	for (i = 0; i < c->inv->n_routes; i++) {
		const struct inv_route *r = &c->inv->routes[i];
		const struct inv_link *l = inv_link_by_index(c->inv, r->oif);

		if (r->family != f || r->type != RTN_UNICAST ||
		    r->table == RT_TABLE_LOCAL || !r->dst.len || !l || !l->up ||
		    !strcmp(l->name, "lo") || is_wg_link(c, l->ifindex) ||
		    under[l - c->inv->links] || link_local(&r->dst))
			continue;
		sample_for(c, &r->dst, &dst);
		if (lpm_lookup(c->lpm[wg_slot(c, d)], &dst, &m))
			continue;
		fx->n_lan++;
		if (fx->lan)
			continue;
		err = ask(c, &dst, 0, &ans);
		if (err)
			return err;
		if (ans.err || ans.oif != l->ifindex) {
			fx->n_lan--;
			continue;
		}
		fx->lan = l;
		fx->lan_net = r->dst;
		fx->lan_dst = dst;
	}
	fx->ev.lan = fx->lan != NULL;
	return 0;
}

/* The first forwarding sysctl that is off for traffic via d (and lan). */
static bool forward_off(const struct check *c, const struct wg_device_info *d,
			const struct inv_link *lan, uint8_t f, char *sysctl,
			size_t len, int *val)
{
	const struct inv_link *wl = inv_link_by_index(c->inv, d->ifindex);

	if (f == AF_INET6) {
		snprintf(sysctl, len, "net.ipv6.conf.all.forwarding");
		*val = c->inv->ip6_forward;
		return *val == 0;
	}
	*val = c->inv->ip_forward;
	snprintf(sysctl, len, "net.ipv4.ip_forward");
	if (*val == 0)
		return true;
	/* IPv4 forwards what arrives on a device with forwarding on. */
	if (wl && wl->forwarding4 == 0) {
		snprintf(sysctl, len, "net.ipv4.conf.%s.forwarding", d->name);
		*val = 0;
		return true;
	}
	if (lan && lan->forwarding4 == 0) {
		snprintf(sysctl, len, "net.ipv4.conf.%s.forwarding", lan->name);
		*val = 0;
		return true;
	}
	return false;
}

static int forward_finding(struct check *c, const struct wg_device_info *d,
			   const struct forward_ctx *fx, uint8_t fam,
			   enum wgt_severity sev, const char *sysctl, int val)
{
	char pl[PEER_LABEL_LEN];
	const struct intent *in = c->intent;
	struct finding *f = new_finding(c, "no_forward", sev, d);
	char ps[WGT_PREFIX_STRLEN], ls[WGT_PREFIX_STRLEN], why[160] = "";
	char v = fam == AF_INET6 ? '6' : '4';
	const char *what;
	struct wgt_addr ex;

	if (!f)
		return -ENOMEM;
	if (fx->peer_net)
		prefix_fmt(fx->peer_net, ps, sizeof(ps));
	if (fx->lan)
		prefix_fmt(&fx->lan_net, ls, sizeof(ls));
	if (in->role == INTENT_ROLE_GATEWAY)
		snprintf(why, sizeof(why),
			 "%s line %u declares this host a "
			 "gateway",
			 c->intent_path, in->role_line);

	if (fx->lan) {
		what = ls;
		FTEXT(f->message,
		      "peers of %s reach %s on %s only through "
		      "this host, but it does not forward IPv%c",
		      d->name, ls, fx->lan->name, v);
		FTEXT(f->expected,
		      "%s = 1: packets between %s and %s are "
		      "forwarded%s%s",
		      sysctl, d->name, fx->lan->name, why[0] ? "; " : "", why);
		FTEXT(f->actual,
		      "%s = %d (read from the kernel): packets from "
		      "%s's peers to %s, and those back, are dropped",
		      sysctl, val, d->name, ls);
	} else if (why[0]) {
		what = fx->peer_net ? ps : d->name;
		FTEXT(f->message,
		      "%s, but it does not forward IPv%c for the "
		      "peers of %s",
		      why, v, d->name);
		FTEXT(f->expected, "%s = 1 on a gateway", sysctl);
		FTEXT(f->actual,
		      "%s = %d (read from the kernel): what %s's "
		      "peers send beyond this host is dropped",
		      sysctl, val, d->name);
	} else if (fx->peer_net) {
		what = ps;
		FTEXT(f->message,
		      "%s carries the network %s of peer %s, but "
		      "this host does not forward IPv%c",
		      d->name, ps, peer_label(c, &d->peers[fx->peer], pl), v);
		FTEXT(f->expected,
		      "%s = 1 if this host is a gateway between "
		      "%s and other networks",
		      sysctl, ps);
		FTEXT(f->actual,
		      "%s = %d (read from the kernel): only this "
		      "host itself can talk to %s",
		      sysctl, val, ps);
	} else {
		what = d->name;
		FTEXT(f->message,
		      "%zu peers of %s have host addresses (a "
		      "hub), but this host does not forward IPv%c",
		      fx->ev.peer_hosts, d->name, v);
		FTEXT(f->expected,
		      "%s = 1 if the peers reach each other, a "
		      "LAN or the internet through this host",
		      sysctl);
		FTEXT(f->actual,
		      "%s = %d (read from the kernel): the peers "
		      "reach this host and nothing beyond it",
		      sysctl, val);
	}
	if (sev == SEV_ERROR)
		FTEXT(f->hint,
		      "sysctl -w %s=1 and persist it in "
		      "/etc/sysctl.d",
		      sysctl);
	else
		FTEXT(f->hint,
		      "sysctl -w %s=1 and persist it in "
		      "/etc/sysctl.d; if this host only talks to its peers "
		      "itself, say so with 'role endpoint' in an intent file "
		      "(--intent)",
		      sysctl);
	finding_object(f, "sysctl", "%s", sysctl);
	finding_object(f, "value", "%d", val);
	finding_object(f, "prefix", "%s", what);
	finding_object(f, "role", "%s",
		       in->role == INTENT_ROLE_GATEWAY ? "gateway"
						       : "inferred");
	if (fx->lan) {
		finding_object(f, "lan_interface", "%s", fx->lan->name);
		finding_object(f, "lan_networks", "%zu", fx->n_lan);
		set_example(f, &fx->lan_dst, 0);
		f->example.src = fx->peer_src;
	} else if (fx->peer_net) {
		prefix_sample_addr(fx->peer_net, &ex);
		set_example(f, &ex, 0);
	}
	if (fx->peer_net) {
		set_peer(c, f, &d->peers[fx->peer]);
		finding_object(f, "peer_prefix", "%s", ps);
	}
	if (in->role == INTENT_ROLE_GATEWAY)
		finding_object(f, "intent", "%s:%u", c->intent_path,
			       in->role_line);
	return 0;
}

static int check_forward(struct check *c, const struct wg_device_info *d)
{
	static const uint8_t fams[] = {AF_INET, AF_INET6};
	const struct inventory *inv = c->inv;
	char sysctl[64];
	bool *under;
	size_t i, j;
	int err = 0, sev, val;

	under = calloc(inv->n_links + 1, sizeof(*under));
	if (!under)
		return -ENOMEM;
	mark_underlay(c, under);
	for (i = 0; i < ARRAY_SIZE(fams) && !err; i++) {
		struct forward_ctx fx = {0};
		uint8_t f = fams[i];

		for (j = 0; j < d->n_peers && !fx.ev.carried; j++) {
			const struct wg_peer_info *p = &d->peers[j];
			size_t k;

			for (k = 0; k < p->n_allowed && !fx.ev.carried; k++) {
				if (p->allowed[k].addr.family != f)
					continue;
				fx.ev.carried = true;
				prefix_sample_addr(&p->allowed[k],
						   &fx.peer_src);
			}
		}
		if (!fx.ev.carried || c->intent->role == INTENT_ROLE_ENDPOINT)
			continue;
		fx.peer_net =
		    peer_network(d, f, inv->addrs, inv->n_addrs, &fx.peer);
		fx.ev.peer_network = fx.peer_net != NULL;
		fx.ev.peer_hosts = peer_hosts(d, f, inv->addrs, inv->n_addrs);
		err = find_lan(c, d, f, under, &fx);
		if (err ||
		    !forward_off(c, d, fx.lan, f, sysctl, sizeof(sysctl), &val))
			continue;
		sev = forward_severity(c->intent->role, &fx.ev);
		if (sev < 0)
			continue;
		err = forward_finding(c, d, &fx, f, sev, sysctl, val);
	}
	free(under);
	return err;
}

/* ---- v6_leak / v6_blackhole ------------------------------------------- */

static bool has_global_v6(const struct check *c, int ifindex)
{
	size_t i;

	for (i = 0; i < c->inv->n_addrs; i++) {
		const struct inv_addr *a = &c->inv->addrs[i];

		/* fe80::/10 cannot be the source of a routed packet. */
		if (a->ifindex == ifindex && a->local.family == AF_INET6 &&
		    !(a->local.b[0] == 0xfe && (a->local.b[1] & 0xc0) == 0x80))
			return true;
	}
	return false;
}

static int check_v6(struct check *c)
{
	const struct route_answer *a4 = &c->def_ans[0], *a6 = &c->def_ans[1];
	const struct wg_device_info *d4 = NULL, *d6 = NULL;
	enum route_to r4 = classify(c, a4), r6 = classify(c, a6);
	char s4[WGT_ADDR_STRLEN], s6[WGT_ADDR_STRLEN], how[160];
	struct lpm_match m4, m6;
	bool peer4 = false, peer6 = false;
	enum v6_verdict v;
	struct finding *f;

	if (r4 == ROUTE_WG)
		d4 = inv_wg_by_index(c->inv, a4->oif);
	if (r6 == ROUTE_WG)
		d6 = inv_wg_by_index(c->inv, a6->oif);
	/*
	 * With -i, a default in another tunnel is that device's business:
	 * neither ours to blame (v4) nor a leak (v6).
	 */
	if (!d4 && !d6)
		return 0;
	if (r4 == ROUTE_WG && !d4)
		r4 = ROUTE_OTHER;
	if (r6 == ROUTE_WG && !d6)
		r6 = ROUTE_NONE;
	if (d4)
		peer4 = lpm_lookup(c->lpm[wg_slot(c, d4)], &c->def_dst[0], &m4);
	if (d6)
		peer6 = lpm_lookup(c->lpm[wg_slot(c, d6)], &c->def_dst[1], &m6);
	v = v6_decide(r4, r6, peer6, d6 && has_global_v6(c, d6->ifindex));
	if (v == V6_OK)
		return 0;
	addr_fmt(&c->def_dst[0], s4, sizeof(s4));
	addr_fmt(&c->def_dst[1], s6, sizeof(s6));
	if (v == V6_LEAK) {
		f = new_finding(c, "v6_leak", SEV_ERROR, d4);
		if (!f)
			return -ENOMEM;
		if (peer4)
			set_peer(c, f, &d4->peers[m4.peer]);
		FTEXT(f->message,
		      "IPv4 default traffic goes through %s, IPv6 "
		      "default traffic does not",
		      d4->name);
		FTEXT(f->expected,
		      "%s (an IPv6 internet address) goes through "
		      "the tunnel too, or nowhere",
		      s6);
		FTEXT(f->actual, "%s %s, while %s leaves by %s", s6,
		      answer_fmt(c, a6, how, sizeof(how)), s4, d4->name);
		FTEXT(f->hint,
		      "add ::/0 to the peer's AllowedIPs and route it "
		      "into %s (wg-quick does both for AllowedIPs = ::/0), or "
		      "block IPv6 while the tunnel is up",
		      d4->name);
		set_example(f, &c->def_dst[1], 0);
		return 0;
	}
	f = new_finding(c, "v6_blackhole", SEV_ERROR, d6);
	if (!f)
		return -ENOMEM;
	FTEXT(f->message,
	      "IPv6 default traffic goes into %s, which cannot "
	      "carry it",
	      d6->name);
	FTEXT(f->expected, "a peer of %s carries %s and %s has an IPv6 address",
	      d6->name, s6, d6->name);
	if (v == V6_BLACKHOLE_NO_PEER) {
		FTEXT(f->actual,
		      "no peer's AllowedIPs contain %s: WireGuard "
		      "drops it",
		      s6);
		FTEXT(f->hint,
		      "add ::/0 to the AllowedIPs of the peer that "
		      "gives IPv6 egress, or remove the IPv6 default route "
		      "into %s",
		      d6->name);
	} else {
		if (peer6)
			set_peer(c, f, &d6->peers[m6.peer]);
		FTEXT(f->actual,
		      "%s has no IPv6 address other than "
		      "link-local: the far end drops what it sends",
		      d6->name);
		FTEXT(f->hint,
		      "give %s the IPv6 address the peer expects "
		      "(Address in a wg-quick config), or stop routing IPv6 "
		      "into it",
		      d6->name);
	}
	set_example(f, &c->def_dst[1], 0);
	return 0;
}

/* ---- rpf_strict, the general form ------------------------------------- */

/*
 * Policy rules on a fwmark decide differently for marked traffic; strict
 * rp_filter checks replies with mark 0 unless src_valid_mark is set, so
 * the reverse path of marked flows points elsewhere and replies die.
 */
static int check_rpf_rules(struct check *c)
{
	const struct inv_rule *mark_rule = NULL;
	char list[128] = "";
	size_t i, used = 0, n = 0;
	struct finding *f;

	for (i = 0; i < c->inv->n_rules && !mark_rule; i++)
		if (c->inv->rules[i].family == AF_INET &&
		    c->inv->rules[i].has_fwmark)
			mark_rule = &c->inv->rules[i];
	if (!mark_rule)
		return 0;
	for (i = 0; i < c->inv->n_links; i++) {
		const struct inv_link *l = &c->inv->links[i];

		/* Loopback never receives replies from elsewhere. */
		if (!l->up || !strcmp(l->name, "lo") || l->rp_filter != 1 ||
		    l->src_valid_mark != 0 || is_wg_link(c, l->ifindex))
			continue;
		if (used < sizeof(list))
			used += snprintf(list + used, sizeof(list) - used,
					 "%s%s", n ? ", " : "", l->name);
		n++;
	}
	if (!n)
		return 0;
	f = new_finding(c, "rpf_strict", SEV_WARNING, NULL);
	if (!f)
		return -ENOMEM;
	FTEXT(f->message,
	      "policy rules match on a fwmark (rule %u: fwmark "
	      "0x%x), but strict rp_filter checks replies without it on %s",
	      mark_rule->priority, mark_rule->fwmark, list);
	FTEXT(f->expected, "net.ipv4.conf.all.src_valid_mark = 1, or rp_filter "
			   "0 or 2");
	FTEXT(f->actual,
	      "src_valid_mark = 0 and rp_filter = 1 on %s: replies "
	      "of marked flows can fail the reverse-path check",
	      list);
	FTEXT(f->hint, "sysctl -w net.ipv4.conf.all.src_valid_mark=1 (what "
		       "wg-quick sets for a full tunnel)");
	finding_object(f, "rule", "%u", mark_rule->priority);
	finding_object(f, "interfaces", "%s", list);
	return 0;
}

/* ---- intent assertions ------------------------------------------------ */

static void intent_stmt(const struct intent_assert *a, char *buf, size_t len)
{
	char p[WGT_PREFIX_STRLEN], s[WGT_ADDR_STRLEN];
	size_t used;

	used = snprintf(buf, len, "%s ", prefix_fmt(&a->dst, p, sizeof(p)));
	if (used < len && a->action == INTENT_BLOCKED)
		used += snprintf(buf + used, len - used, "blocked");
	else if (used < len)
		used += snprintf(buf + used, len - used, "via %s", a->dev);
	if (used < len && a->has_peer)
		used += snprintf(buf + used, len - used, " peer %s",
				 a->peer_name[0] ? a->peer_name : a->peer_b64);
	if (used < len && a->has_src)
		used += snprintf(buf + used, len - used, " from %s",
				 addr_fmt(&a->src, s, sizeof(s)));
	if (used < len && a->has_mark)
		used += snprintf(buf + used, len - used, " mark 0x%x", a->mark);
	if (used < len && a->iif[0])
		snprintf(buf + used, len - used, " iif %s", a->iif);
}

static int violation(struct check *c, const struct intent_assert *a,
		     const struct wgt_addr *dst, const char *iface,
		     const char *actual, const char *hint)
{
	struct finding *f = new_finding(c, "intent_violation", SEV_ERROR, NULL);
	char stmt[192];

	if (!f)
		return -ENOMEM;
	intent_stmt(a, stmt, sizeof(stmt));
	snprintf(f->interface, sizeof(f->interface), "%s", iface ? iface : "");
	if (a->has_peer) {
		snprintf(f->peer, sizeof(f->peer), "%s", a->peer_b64);
		snprintf(f->peer_name, sizeof(f->peer_name), "%s",
			 a->peer_name);
	}
	FTEXT(f->message, "%s line %u: %s", c->intent_path, a->line, stmt);
	if (a->action == INTENT_BLOCKED)
		FTEXT(f->expected, "the kernel refuses to route it");
	else if (a->has_peer)
		FTEXT(f->expected, "it leaves by %s to peer %s", a->dev,
		      a->peer_name[0] ? a->peer_name : a->peer_b64);
	else
		FTEXT(f->expected, "it leaves by %s", a->dev);
	FTEXT(f->actual, "%s", actual);
	FTEXT(f->hint, "%s", hint);
	finding_object(f, "intent", "%s:%u", c->intent_path, a->line);
	finding_object(f, "statement", "%s", stmt);
	set_example(f, dst, a->mark);
	if (a->has_src)
		f->example.src = a->src;
	return 0;
}

static bool refused(const struct route_answer *ans)
{
	return ans->err == -ENETUNREACH || ans->err == -EHOSTUNREACH ||
	       ans->err == -EINVAL || ans->err == -EACCES;
}

/* One address of the asserted prefix against the kernel and the LPM. */
static int verify_addr(struct check *c, const struct intent_assert *a,
		       const struct wgt_addr *dst, bool *violated)
{
	char pl[PEER_LABEL_LEN];
	struct route_query q = {.dst = *dst, .mark = a->mark};
	char s[WGT_ADDR_STRLEN], how[160], act[192], dev[IF_NAMESIZE + 8];
	const struct route_answer *hit;
	const struct wg_device_info *d;
	const struct inv_link *l;
	struct route_answer ans;
	struct lpm_match m;
	int err;

	addr_fmt(dst, s, sizeof(s));
	if (a->has_src)
		q.src = a->src;
	if (a->iif[0]) {
		l = inv_link_by_name(c->inv, a->iif);
		if (!l) {
			*violated = true;
			snprintf(act, sizeof(act), "there is no device %s",
				 a->iif);
			return violation(c, a, dst, a->dev, act,
					 "fix the iif name in the intent file");
		}
		q.iif = l->ifindex;
	}
	/*
	 * A plain question may already be answered (an assertion over a
	 * /9 of 20,000 peer routes asks about each of them).
	 */
	hit = q.src.family || q.iif ? NULL : cached(c, dst, q.mark);
	if (hit) {
		ans = *hit;
	} else {
		err = route_get(&q, &ans);
		if (err) {
			wgt_err("route query for %s failed: %s", s,
				strerror(-err));
			return err;
		}
	}
	wgt_dbg(1, "intent line %u: route get %s: %s", a->line, s,
		answer_fmt(c, &ans, how, sizeof(how)));

	if (a->action == INTENT_BLOCKED) {
		if (refused(&ans))
			return 0;
		*violated = true;
		snprintf(act, sizeof(act), "%s %s", s,
			 answer_fmt(c, &ans, how, sizeof(how)));
		return violation(
		    c, a, dst,
		    ans.err ? NULL : link_name(c, ans.oif, dev, sizeof(dev)),
		    act,
		    "add an unreachable or blackhole route for "
		    "the prefix (ip route add unreachable "
		    "PREFIX)");
	}
	if (ans.err || ans.type != RTN_UNICAST ||
	    strcmp(link_name(c, ans.oif, dev, sizeof(dev)), a->dev)) {
		*violated = true;
		snprintf(act, sizeof(act), "%s %s", s,
			 answer_fmt(c, &ans, how, sizeof(how)));
		return violation(c, a, dst, a->dev, act,
				 "fix the routes or rules (ip route get shows "
				 "the kernel's choice), or the intent file");
	}
	d = inv_wg_by_index(c->inv, ans.oif);
	if (!d) {
		if (!a->has_peer)
			return 0;
		*violated = true;
		snprintf(act, sizeof(act), "%s is not a WireGuard device%s",
			 a->dev, c->only_dev ? " checked here (see -i)" : "");
		return violation(c, a, dst, a->dev, act,
				 "name the WireGuard device in the intent "
				 "file");
	}
	if (!lpm_lookup(c->lpm[wg_slot(c, d)], dst, &m)) {
		*violated = true;
		snprintf(act, sizeof(act),
			 "%s enters %s, but no peer's "
			 "AllowedIPs contain it: WireGuard drops it",
			 s, d->name);
		return violation(c, a, dst, a->dev, act,
				 "add the prefix to the AllowedIPs of the peer "
				 "that should carry it");
	}
	if (!a->has_peer ||
	    !memcmp(d->peers[m.peer].pubkey, a->peer, WG_KEY_LEN_RAW))
		return 0;
	*violated = true;
	{
		char mp[WGT_PREFIX_STRLEN];
		bool exists = false;
		size_t i;

		for (i = 0; i < d->n_peers; i++)
			exists |= !memcmp(d->peers[i].pubkey, a->peer,
					  WG_KEY_LEN_RAW);
		snprintf(act, sizeof(act), "%s goes to peer %s (its %s)%s", s,
			 peer_label(c, &d->peers[m.peer], pl),
			 prefix_fmt(&m.pfx, mp, sizeof(mp)),
			 exists ? ""
				: "; the asserted peer is no peer of "
				  "this device");
	}
	return violation(c, a, dst, a->dev, act,
			 "move the prefix to the intended peer's AllowedIPs "
			 "(or remove the longer prefix that wins)");
}

static int check_intent(struct check *c)
{
	struct wgt_addr dst;
	size_t i, j;
	int err;

	for (i = 0; i < c->intent->n_asserts; i++) {
		const struct intent_assert *a = &c->intent->asserts[i];
		bool violated = false;

		/* -i limits the audit to one device, assertions included. */
		if (c->only_dev &&
		    (a->action != INTENT_VIA || strcmp(a->dev, c->only_dev))) {
			wgt_dbg(1, "intent line %u: not about %s, skipped",
				a->line, c->only_dev);
			continue;
		}
		sample_for(c, &a->dst, &dst);
		err = verify_addr(c, a, &dst, &violated);
		if (err || violated || a->dst.len == 0)
			continue;
		/*
		 * The sample speaks for the route covering the prefix; finer
		 * routes inside it (not our own addresses) decide for their
		 * parts, so each gets a question too.
		 */
		j = refs_from(c->routes, c->inv->n_routes, &a->dst);
		for (; j < c->inv->n_routes && !violated && !err &&
		       prefix_contains(&a->dst, &c->routes[j].dst.addr);
		     j++) {
			const struct inv_route *r =
			    &c->inv->routes[c->routes[j].idx];

			if (!forwarding_route(r) || r->dst.len <= a->dst.len)
				continue;
			sample_for(c, &r->dst, &dst);
			err = verify_addr(c, a, &dst, &violated);
		}
		if (err)
			return err;
	}
	return 0;
}

/* ---- the run ---------------------------------------------------------- */

static int ref_order(const void *x, const void *y)
{
	const struct pfx_ref *a = x, *b = y;
	int r = prefix_cmp(&a->dst, &b->dst);

	if (r)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The sorted copies behind routes_inside() and allowed_inside(). */
static int build_index(struct check *c)
{
	const struct inventory *inv = c->inv;
	size_t i, j, k, n;

	c->routes = calloc(inv->n_routes + 1, sizeof(*c->routes));
	c->allowed = calloc(inv->n_wg + 1, sizeof(*c->allowed));
	c->n_allowed = calloc(inv->n_wg + 1, sizeof(*c->n_allowed));
	if (!c->routes || !c->allowed || !c->n_allowed)
		return -ENOMEM;
	for (i = 0; i < inv->n_routes; i++)
		c->routes[i] = (struct pfx_ref){inv->routes[i].dst, i};
	/* Equal prefixes keep the inventory's (table) order. */
	qsort(c->routes, inv->n_routes, sizeof(*c->routes), ref_order);
	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *d = &inv->wg[i];

		for (j = 0, n = 0; j < d->n_peers; j++)
			n += d->peers[j].n_allowed;
		c->allowed[i] = calloc(n + 1, sizeof(**c->allowed));
		if (!c->allowed[i])
			return -ENOMEM;
		for (j = 0, n = 0; j < d->n_peers; j++)
			for (k = 0; k < d->peers[j].n_allowed; k++)
				c->allowed[i][n++] = d->peers[j].allowed[k];
		qsort(c->allowed[i], n, sizeof(**c->allowed), prefix_qsort_cmp);
		c->n_allowed[i] = n;
	}
	return 0;
}

/*
 * Every question check will certainly ask, asked at once: a sample of each
 * AllowedIPs prefix (mark 0) and each endpoint (the device's fwmark), each
 * distinct question once. Later questions (finer routes, intent lines) are
 * asked one by one.
 */
static int prefetch(struct check *c)
{
	const struct inventory *inv = c->inv;
	struct route_query *q;
	size_t i, j, k, n = 2, u;
	int err;

	for (i = 0; i < inv->n_wg; i++)
		for (j = 0; j < inv->wg[i].n_peers; j++)
			n += inv->wg[i].peers[j].n_allowed + 1;
	q = calloc(n, sizeof(*q));
	if (!q)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < 2; i++)
		q[n++].dst = c->def_dst[i];
	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *d = &inv->wg[i];

		for (j = 0; j < d->n_peers; j++) {
			const struct wg_peer_info *p = &d->peers[j];

			for (k = 0; k < p->n_allowed; k++)
				sample_for(c, &p->allowed[k], &q[n++].dst);
			if (p->has_endpoint)
				q[n++] = (struct route_query){
				    .dst = p->endpoint,
				    .mark = d->fwmark,
				};
		}
	}
	qsort(q, n, sizeof(*q), query_order);
	for (i = 0, u = 0; i < n; i++)
		if (!u || query_order(&q[u - 1], &q[i]))
			q[u++] = q[i];
	c->cache_a = calloc(u + 1, sizeof(*c->cache_a));
	if (!c->cache_a) {
		free(q);
		return -ENOMEM;
	}
	c->cache_q = q;
	err = route_get_many(q, c->cache_a, u);
	if (err) {
		wgt_err("route queries failed: %s", strerror(-err));
		return err;
	}
	c->n_cache = u;
	wgt_dbg(1, "%zu route questions asked in batches", u);
	return 0;
}

static int prepare(struct check *c)
{
	struct wgt_prefix def = {0};
	size_t i, j, n = 0;
	int err, s;

	for (i = 0; i < ARRAY_SIZE(default_candidates); i++)
		if (addr_parse(default_candidates[i], &c->prefer[n]))
			n++;
	c->n_prefer = n;
	n = c->inv->n_routes;
	for (i = 0; i < c->inv->n_wg; i++)
		for (j = 0; j < c->inv->wg[i].n_peers; j++)
			n += c->inv->wg[i].peers[j].n_allowed;
	c->scratch = calloc(n + 1, sizeof(*c->scratch));
	c->lpm = calloc(c->inv->n_wg + 1, sizeof(*c->lpm));
	if (!c->scratch || !c->lpm)
		return -ENOMEM;
	err = build_index(c);
	if (err)
		return err;
	for (i = 0; i < c->inv->n_wg; i++) {
		err = lpm_build(&c->inv->wg[i], &c->lpm[i]);
		if (err) {
			wgt_err("cannot index the AllowedIPs of %s: %s",
				c->inv->wg[i].name, strerror(-err));
			return err;
		}
	}
	/* "The internet" per family, for v6_leak/v6_blackhole. */
	for (s = 0; s < 2; s++) {
		def.addr.family = s ? AF_INET6 : AF_INET;
		sample_for(c, &def, &c->def_dst[s]);
	}
	err = prefetch(c);
	if (err)
		return err;
	for (s = 0; s < 2; s++) {
		err = ask(c, &c->def_dst[s], 0, &c->def_ans[s]);
		if (err)
			return err;
	}
	return 0;
}

static int run_checks(struct check *c)
{
	bool rpf_reported = false;
	size_t i;
	int err = 0;

	for (i = 0; i < c->inv->n_wg && !err; i++) {
		const struct wg_device_info *d = &c->inv->wg[i];

		err = check_overlap(c, d);
		if (!err)
			err = check_bypass(c, d);
		if (!err)
			err = check_no_peer(c, d);
		if (!err)
			err = check_endpoints(c, d, &rpf_reported);
		if (!err)
			err = check_forward(c, d);
	}
	if (!err && c->inv->n_wg)
		err = check_v6(c);
	if (!err && !rpf_reported && c->inv->n_wg)
		err = check_rpf_rules(c);
	if (!err)
		err = check_intent(c);
	return err;
}

static size_t peer_total(const struct inventory *inv)
{
	size_t i, n = 0;

	for (i = 0; i < inv->n_wg; i++)
		n += inv->wg[i].n_peers;
	return n;
}

static void report(const struct check *c, const struct check_opts *o,
		   const struct finding_counts *fc, int status)
{
	struct json_object *sum;
	char counts[96];
	size_t i;

	if (o->json) {
		for (i = 0; i < c->out->n; i++)
			json_emit(finding_to_json(&c->out->v[i]));
		sum = finding_summary_json(fc);
		jadd_int(sum, "devices", (long long)c->inv->n_wg);
		jadd_int(sum, "peers", (long long)peer_total(c->inv));
		jadd_int(sum, "intent_assertions",
			 (long long)c->intent->n_asserts);
		jadd_str(sum, "fail_on", severity_name(o->fail_on));
		jadd_int(sum, "exit", status);
		json_emit(sum);
		return;
	}
	if (!c->inv->n_wg)
		printf("no WireGuard device in this network namespace\n");
	for (i = 0; i < c->out->n; i++) {
		finding_print(stdout, &c->out->v[i], out_use_color());
		putchar('\n');
	}
	printf("%s%s%s in %zu device%s, %zu peer%s (exit %d, --fail-on %s)\n",
	       out_c(C_BOLD), finding_counts_fmt(fc, counts, sizeof(counts)),
	       out_c(C_RESET), c->inv->n_wg, c->inv->n_wg == 1 ? "" : "s",
	       peer_total(c->inv), peer_total(c->inv) == 1 ? "" : "s", status,
	       severity_name(o->fail_on));
}

/* 0: go on; 1: --help was printed, exit 0; -WGT_EUSAGE: bad usage. */
static int parse_args(int argc, char **argv, struct check_opts *o)
{
	static const struct option opts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"netns", required_argument, NULL, 'n'},
	    {"intent", required_argument, NULL, 'f'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"json", no_argument, NULL, 'j'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	int ch;

	o->fail_on = SEV_ERROR;
	while ((ch = getopt_long(argc, argv, "i:n:f:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			if (!*optarg || strlen(optarg) >= IF_NAMESIZE) {
				wgt_err("bad interface name '%s'", optarg);
				return -WGT_EUSAGE;
			}
			o->dev = optarg;
			break;
		case 'n':
			o->netns = optarg;
			break;
		case 'f':
			o->intent_path = optarg;
			break;
		case 'F':
			if (!severity_parse(optarg, &o->fail_on)) {
				wgt_err("bad --fail-on '%s' (info, warning or "
					"error)",
					optarg);
				return -WGT_EUSAGE;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			wgt_verbose++;
			break;
		case 'h':
			check_usage(stdout);
			return 1;
		default:
			check_usage(stderr);
			return -WGT_EUSAGE;
		}
	}
	if (optind < argc) {
		wgt_err("check takes no arguments, got '%s'", argv[optind]);
		return -WGT_EUSAGE;
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct finding_list out = {0};
	struct finding_counts fc;
	struct intent intent = {0};
	struct inventory inv = {0};
	struct check_opts o = {0};
	struct check c = {0};
	bool have_inv = false;
	char why[512];
	size_t i;
	int err, status;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	/* Read the file before leaving our namespace: paths are ours. */
	if (o.intent_path) {
		err =
		    intent_load_file(o.intent_path, &intent, why, sizeof(why));
		if (err) {
			wgt_err("%s", why);
			err = -WGT_EUSAGE;
			goto cleanup;
		}
	}
	if (o.netns) {
		err = cmd_enter_netns(o.netns);
		if (err)
			goto cleanup;
	}
	err = cmd_load_inventory(&inv, o.dev);
	if (err)
		goto cleanup;
	have_inv = true;

	c.inv = &inv;
	c.intent = &intent;
	c.intent_path = o.intent_path;
	c.only_dev = o.dev;
	c.out = &out;
	err = prepare(&c);
	if (!err)
		err = run_checks(&c);
	if (err) {
		if (err == -ENOMEM)
			wgt_err("out of memory");
		goto cleanup;
	}
	finding_list_sort(&out);
	finding_count(&out, &fc);
	status = finding_exit_status(&fc, o.fail_on);
	report(&c, &o, &fc, status);
	err = status;
cleanup:
	if (c.lpm)
		for (i = 0; i < inv.n_wg; i++)
			lpm_free(c.lpm[i]);
	free(c.lpm);
	if (c.allowed)
		for (i = 0; i < inv.n_wg; i++)
			free(c.allowed[i]);
	free(c.allowed);
	free(c.n_allowed);
	free(c.routes);
	free(c.cache_q);
	free(c.cache_a);
	free(c.scratch);
	finding_list_free(&out);
	if (have_inv)
		inventory_free(&inv);
	intent_free(&intent);
	return err;
}
