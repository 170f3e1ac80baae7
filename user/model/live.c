// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "base/common.h"
#include "model/live.h"
#include "config/snmp.h"
#include "model/path.h"
#include "files/record.h"
#include "model/verdict.h"
#include "config/wg_inventory.h"

int live_alloc(struct live *l)
{
	if (!l->e)
		l->e = calloc(LIVE_MAX_ENTRIES, sizeof(*l->e));
	if (!l->index)
		l->index = calloc(LIVE_INDEX_SLOTS, sizeof(*l->index));
	return l->e && l->index ? 0 : -ENOMEM;
}

/* FNV-1a over the key: the kernel's counter keys spread well enough. */
static uint32_t key_hash(const struct wgt_count_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/*
 * The entry of a counter key, made on first sight. A hash index (slots hold
 * entry number + 1; entries are never removed) keeps a refresh linear in
 * the kernel's keys: a scan per key was 4,096 compares each, with a key per
 * active peer. Per-peer decisions (tx_peer) may not take the last
 * LIVE_RESERVED entries: a gateway with more active peers than entries
 * still shows a new problem verdict.
 */
struct live_entry *live_entry_for(struct live *l, const struct wgt_count_key *k)
{
	uint32_t slot = key_hash(k) & (LIVE_INDEX_SLOTS - 1), n;

	while ((n = l->index[slot])) {
		if (!memcmp(&l->e[n - 1].key, k, sizeof(*k)))
			return &l->e[n - 1];
		slot = (slot + 1) & (LIVE_INDEX_SLOTS - 1);
	}
	if (l->n >= LIVE_MAX_ENTRIES ||
	    (k->verdict == WGT_V_TX_PEER &&
	     l->n >= LIVE_MAX_ENTRIES - LIVE_RESERVED)) {
		l->entries_dropped++;
		return NULL;
	}
	memset(&l->e[l->n], 0, sizeof(l->e[0]));
	l->e[l->n].key = *k;
	l->index[slot] = ++l->n;
	return &l->e[l->n - 1];
}

/* The counter key a sample belongs to (see bpf/counters.bpf.h callers). */
static void sample_key(const struct wgt_event *e, struct wgt_count_key *k)
{
	memset(k, 0, sizeof(*k));
	k->verdict = e->verdict;
	k->ifindex = e->ifindex;
	if (e->verdict >= WGT_V_KERNEL_REASON)
		k->location = e->location;
	if (e->flags & WGT_EVF_PEER)
		memcpy(k->peer, e->peer, WGT_KEY_LEN);
}

/* no_peer decided against our copy of the AllowedIPs, not by WireGuard. */
static bool no_peer_by_copy(const struct live *l)
{
	return l->ld && l->ld->mode[LF_WG_TX_PEER] == WGT_MODE_TC;
}

int live_on_event(void *ctx, void *data, size_t len)
{
	struct live *l = ctx;
	const struct wgt_event *e = data;
	struct wgt_count_key k;
	struct live_entry *le;

	if (len < sizeof(*e) || e->type != WGT_EV_SAMPLE || !l->e)
		return 0;
	if (l->rec && !l->rec_err)
		l->rec_err = record_event(l->rec, e);
	sample_key(e, &k);
	le = live_entry_for(l, &k);
	if (le) {
		le->sample = *e;
		le->has_sample = true;
	}
	if (e->verdict == WGT_V_NO_PEER && no_peer_by_copy(l))
		l->recheck_ifindex = e->ifindex;
	return 0;
}

/* One sample address per AllowedIPs prefix: the flows whose egress we watch. */
static void routes_collect(struct live *l)
{
	size_t i, j, k;

	l->n_routes = 0;
	for (i = 0; i < l->inv->n_wg; i++)
		for (j = 0; j < l->inv->wg[i].n_peers; j++)
			for (k = 0; k < l->inv->wg[i].peers[j].n_allowed &&
				    l->n_routes < LIVE_MAX_ROUTES;
			     k++)
				prefix_sample_addr(
				    &l->inv->wg[i].peers[j].allowed[k],
				    &l->routes[l->n_routes++].dst);
}

static void route_ask(struct live_route *r)
{
	struct route_query q = {.dst = r->dst};
	struct route_answer a;

	if (route_get(&q, &a)) {
		r->err = -EIO;
		r->oif = 0;
		return;
	}
	r->err = a.err;
	r->oif = a.err ? 0 : a.oif;
}

/* rp_filter drops as the kernel counts them (TcpExt IPReversePathFilter). */
static int snmp_rpf(uint64_t *v)
{
	return snmp_counter("TcpExt", "IPReversePathFilter", v);
}

/* Packets too big for the path MTU, both families, as the kernel counts them.
 */
static int snmp_mtu(uint64_t *v)
{
	uint64_t v4 = 0, v6 = 0;
	int err = snmp_counter("Ip", "FragFails", &v4);

	/* A kernel without IPv6 has no snmp6: IPv4 alone then. */
	if (!err && snmp_counter("Ip6", "InTooBigErrors", &v6))
		v6 = 0;
	*v = v4 + v6;
	return err;
}

static bool counted_by_snmp(const struct live *l, enum wgt_fact f)
{
	return loader_fact_used(l->ld, f) &&
	       l->ld->mode[f] == WGT_MODE_INVENTORY;
}

static void snmp_init(struct live *l)
{
	l->snmp_rpf = counted_by_snmp(l, LF_RPF) && !snmp_rpf(&l->base_rpf);
	l->snmp_mtu = counted_by_snmp(l, LF_MTU) && !snmp_mtu(&l->base_mtu);
}

/* One entry per counter-only verdict: no device, no peer, no sample. */
static void snmp_refresh(struct live *l)
{
	struct wgt_count_key k = {0};
	struct live_entry *le;
	uint64_t v;

	if (l->snmp_rpf && !snmp_rpf(&v) && v >= l->base_rpf) {
		k.verdict = WGT_V_RPF_DROP;
		le = live_entry_for(l, &k);
		if (le)
			le->packets = v - l->base_rpf;
	}
	if (l->snmp_mtu && !snmp_mtu(&v) && v >= l->base_mtu) {
		k.verdict = WGT_V_MTU_DROP;
		le = live_entry_for(l, &k);
		if (le)
			le->packets = v - l->base_mtu;
	}
}

int live_init(struct live *l, struct loader *ld, struct inventory *inv,
	      const struct intent *intent, const char *only_dev)
{
	size_t i;

	l->ld = ld;
	l->inv = inv;
	l->intent = intent;
	l->only_dev = only_dev;
	l->last_ns = monotonic_ns();
	l->ksym = ksym_cache_new();
	if (!l->ksym || live_alloc(l))
		return -ENOMEM;
	live_remember_names(l);
	routes_collect(l);
	for (i = 0; i < l->n_routes; i++)
		route_ask(&l->routes[i]);
	snmp_init(l);
	return 0;
}

void live_free(struct live *l)
{
	ksym_cache_free(l->ksym);
	free(l->index);
	free(l->e);
	free(l->prev_tx);
	memset(l, 0, sizeof(*l));
}

static void on_count(const struct wgt_count_key *k,
		     const struct wgt_count_val *v, void *ctx)
{
	struct live *l = ctx;
	struct live_entry *le = live_entry_for(l, k);

	if (!le)
		return;
	/* An evicted and re-added key restarts at zero. */
	if (v->packets < le->raw)
		le->stale = le->verified = 0;
	le->raw = v->packets;
	le->packets = le->raw - le->stale;
	le->bytes = v->bytes;
}

static bool peers_equal(const struct wg_device_info *a,
			const struct wg_device_info *b)
{
	size_t i, k;

	if (a->n_peers != b->n_peers)
		return false;
	for (i = 0; i < a->n_peers; i++) {
		const struct wg_peer_info *p = &a->peers[i], *q = &b->peers[i];

		if (memcmp(p->pubkey, q->pubkey, WG_KEY_LEN_RAW) ||
		    p->n_allowed != q->n_allowed)
			return false;
		for (k = 0; k < p->n_allowed; k++)
			if (!prefix_equal(&p->allowed[k], &q->allowed[k]))
				return false;
	}
	return true;
}

/*
 * Read device ifindex's configuration now; when its peers changed, take
 * the fresh copy into the inventory and the kernel's AllowedIPs map.
 * The device in the inventory (fresh or not), NULL if it is not there.
 */
static struct wg_device_info *reread_dev(struct live *l, int ifindex)
{
	const struct inv_link *k = inv_link_by_index(l->inv, ifindex);
	struct wg_device_info fresh, *dev = NULL;
	size_t i;
	int err;

	for (i = 0; i < l->inv->n_wg; i++)
		if (l->inv->wg[i].ifindex == ifindex)
			dev = &l->inv->wg[i];
	if (!dev || !k)
		return dev;
	l->recheck_ns = monotonic_ns();
	memset(&fresh, 0, sizeof(fresh));
	if (wg_read_link(k, &fresh))
		return dev;
	if (peers_equal(dev, &fresh)) {
		wg_device_info_free(&fresh);
		return dev;
	}
	wg_device_info_free(dev);
	*dev = fresh;
	l->rereads_taken++;
	err = loader_sync(l->ld, l->inv);
	if (err)
		wgt_dbg(1, "updating the AllowedIPs copy of %s: %s", dev->name,
			strerror(-err));
	return dev;
}

static bool dev_covers(const struct wg_device_info *dev,
		       const struct wgt_addr *a)
{
	size_t i, k;

	for (i = 0; i < dev->n_peers; i++)
		for (k = 0; k < dev->peers[i].n_allowed; k++)
			if (prefix_contains(&dev->peers[i].allowed[k], a))
				return true;
	return false;
}

void live_recheck(struct live *l)
{
	int ifindex = l->recheck_ifindex;

	if (!ifindex || monotonic_ns() - l->recheck_ns < NSEC_PER_SEC)
		return;
	l->recheck_ifindex = 0;
	reread_dev(l, ifindex);
}

/*
 * no_peer counted since the last check, against the configuration read
 * now: when the example destination is covered by a current peer, the
 * kernel judged these packets against a copy that lagged behind (there
 * is no per-destination count to tell them apart more finely), so they
 * are not reported. Real no_peer traffic keeps a destination no peer
 * covers, and keeps counting.
 */
static void verify_no_peer(struct live *l)
{
	size_t i;

	if (!no_peer_by_copy(l))
		return;
	for (i = 0; i < l->n; i++) {
		struct live_entry *e = &l->e[i];
		const struct wg_device_info *dev;
		struct wgt_addr dst;

		if (e->key.verdict != WGT_V_NO_PEER || e->raw <= e->verified)
			continue;
		dev = reread_dev(l, e->key.ifindex);
		if (dev && e->has_sample) {
			flow_addr(&e->sample.flow, true, &dst);
			if (dev_covers(dev, &dst)) {
				e->stale += e->raw - e->verified;
				e->packets = e->raw - e->stale;
				e->has_sample = false;
			}
		}
		e->verified = e->raw;
	}
}

static void routes_recheck(struct live *l)
{
	size_t i;

	for (i = 0; i < l->n_routes; i++) {
		struct live_route *r = &l->routes[i];
		struct live_route now = *r;
		struct live_change *c;

		route_ask(&now);
		if (now.oif == r->oif && now.err == r->err)
			continue;
		c = &l->changes[l->n_changes < LIVE_MAX_CHANGES
				    ? l->n_changes++
				    : LIVE_MAX_CHANGES - 1];
		c->dst = r->dst;
		c->old_oif = r->oif;
		c->old_err = r->err;
		c->new_oif = now.oif;
		c->new_err = now.err;
		c->when = time(NULL);
		*r = now;
	}
}

int live_refresh(struct live *l, bool routes_changed)
{
	uint64_t now = monotonic_ns();
	double secs = (now - l->last_ns) / 1e9;
	size_t i;
	int err;

	err = loader_read_counts(l->ld, on_count, l);
	if (err)
		return err;
	snmp_refresh(l);
	verify_no_peer(l);
	for (i = 0; i < l->n; i++) {
		struct live_entry *e = &l->e[i];

		/* An evicted and re-added key starts again below its old count.
		 */
		e->rate = secs > 0 && e->packets >= e->prev_packets
			      ? (e->packets - e->prev_packets) / secs
			      : 0;
		e->prev_packets = e->packets;
	}
	l->last_ns = now;
	if (routes_changed)
		routes_recheck(l);
	return 0;
}

void live_remember_names(struct live *l)
{
	size_t i, j;

	for (i = 0; i < l->inv->n_links; i++) {
		const struct inv_link *k = &l->inv->links[i];

		for (j = 0; j < LIVE_MAX_NAMES; j++)
			if (l->names[j].ifindex == k->ifindex)
				break;
		if (j == LIVE_MAX_NAMES) {
			j = l->next_name;
			l->next_name = (l->next_name + 1) % LIVE_MAX_NAMES;
		}
		l->names[j].ifindex = k->ifindex;
		snprintf(l->names[j].name, sizeof(l->names[j].name), "%s",
			 k->name);
	}
}

const char *live_ifname(const struct live *l, int ifindex, char *buf,
			size_t len)
{
	const struct inv_link *k = inv_link_by_index(l->inv, ifindex);
	size_t j;

	if (k) {
		snprintf(buf, len, "%s", k->name);
		return buf;
	}
	for (j = 0; ifindex && j < LIVE_MAX_NAMES; j++)
		if (l->names[j].ifindex == ifindex) {
			snprintf(buf, len, "%s (deleted)", l->names[j].name);
			return buf;
		}
	snprintf(buf, len, "ifindex %d", ifindex);
	return buf;
}

static void set_peer(const struct live *l, struct finding *f,
		     const uint8_t *key)
{
	const char *name = l->intent ? intent_name_of(l->intent, key) : NULL;

	wg_key_to_b64(f->peer, key);
	if (name)
		FTEXT(f->peer_name, "%s", name);
}

static bool key_zero(const uint8_t *k)
{
	static const uint8_t zero[WGT_KEY_LEN];

	return !memcmp(k, zero, WGT_KEY_LEN);
}

static void set_example(struct finding *f, const struct wgt_event *e)
{
	flow_addr(&e->flow, false, &f->example.src);
	flow_addr(&e->flow, true, &f->example.dst);
	f->example.proto = e->flow.proto;
	f->example.sport = ntohs(e->flow.sport);
	f->example.dport = ntohs(e->flow.dport);
	f->example.mark = e->mark;
	f->has_example = e->flow.family != 0;
}

static const char *mode_for(const struct live *l, unsigned int verdict)
{
	enum wgt_fact lf;

	switch (verdict) {
	case WGT_V_SRC_REJECTED:
		lf = LF_WG_RX_SRC;
		break;
	case WGT_V_NO_PEER:
		lf = LF_WG_TX_PEER;
		break;
	case WGT_V_NO_ENDPOINT:
		lf = loader_fact_used(l->ld, LF_WG_XMIT) ? LF_WG_XMIT
							 : LF_WG_TX_PEER;
		break;
	case WGT_V_ROUTE_BYPASS:
		lf = LF_BYPASS;
		break;
	case WGT_V_RPF_DROP:
		lf = LF_RPF;
		break;
	case WGT_V_MTU_DROP:
		lf = LF_MTU;
		break;
	case WGT_V_OUTER_FRAGMENTED:
		lf = LF_OUTER_FRAG;
		break;
	default:
		lf = LF_DROPS;
		break;
	}
	return wgt_mode_name(l->ld->mode[lf]);
}

/* The catalogue verdict's expected/actual lines from its example. */
static void describe(const struct live *l, const struct live_entry *le,
		     struct finding *f)
{
	const struct wgt_event *s = &le->sample;
	char a[WGT_ADDR_STRLEN], b[IF_NAMESIZE + 16], c[WG_KEY_B64_LEN];
	struct wgt_addr src, dst;

	flow_addr(&s->flow, false, &src);
	flow_addr(&s->flow, true, &dst);
	switch (le->key.verdict) {
	case WGT_V_SRC_REJECTED:
		FTEXT(f->expected,
		      "inner source in the sending peer's AllowedIPs");
		if (!le->has_sample)
			break;
		if (s->flags & WGT_EVF_PEER2) {
			const char *name =
			    l->intent ? intent_name_of(l->intent, s->peer2)
				      : NULL;

			wg_key_to_b64(c, s->peer2);
			finding_object(f, "owner", "%s", c);
			if (name)
				snprintf(c, sizeof(c), "%s", name);
		} else {
			finding_object(f, "owner", "none");
		}
		FTEXT(f->actual, "source %s belongs to %s",
		      addr_fmt(&src, a, sizeof(a)),
		      s->flags & WGT_EVF_PEER2 ? c : "no peer");
		/* The kernel's verdict is exact; who sent it is not readable.
		 */
		if ((s->flags & WGT_EVF_PEER_FROM_INV) &&
		    !(s->flags & WGT_EVF_PEER))
			finding_object(
			    f, "sender",
			    "unknown (no WireGuard BTF on this kernel)");
		break;
	case WGT_V_RPF_DROP: {
		const struct inv_link *k =
		    inv_link_by_index(l->inv, le->key.ifindex);
		struct route_query q = {.dst = src};
		struct route_answer ans;

		if (!le->key.ifindex) {
			/* Counted from the kernel's counter: no device, no
			 * flow. */
			FTEXT(f->expected,
			      "the route back to the source via the arrival "
			      "device");
			FTEXT(f->actual,
			      "dropped (TcpExt IPReversePathFilter); device "
			      "and flow not observable on this kernel");
			break;
		}
		FTEXT(f->expected, "the route back to the source via %s",
		      live_ifname(l, le->key.ifindex, b, sizeof(b)));
		if (!le->has_sample)
			break;
		if (!(l->route_get ? l->route_get(l->route_ctx, &q, &ans)
				   : route_get(&q, &ans)) &&
		    !ans.err)
			FTEXT(f->actual,
			      "route back to %s goes via %s (rp_filter=%d)",
			      addr_fmt(&src, a, sizeof(a)),
			      live_ifname(l, ans.oif, b, sizeof(b)),
			      k ? k->rp_filter : -1);
		else
			FTEXT(f->actual, "no route back to %s (rp_filter=%d)",
			      addr_fmt(&src, a, sizeof(a)),
			      k ? k->rp_filter : -1);
		break;
	}
	case WGT_V_MTU_DROP:
		FTEXT(f->expected, "packets no larger than the path MTU");
		if (!le->key.ifindex)
			FTEXT(f->actual,
			      "dropped (Ip FragFails, Ip6 InTooBigErrors); "
			      "device and flow not observable on this kernel");
		if (le->has_sample) {
			FTEXT(f->actual, "%u-byte packet, MTU %u on %s", s->len,
			      s->mtu, live_ifname(l, s->oif, b, sizeof(b)));
			finding_object(f, "mtu", "%u", s->mtu);
			finding_object(f, "egress", "%s", b);
		}
		break;
	case WGT_V_NO_PEER:
		FTEXT(f->expected,
		      "a peer whose AllowedIPs holds the destination");
		FTEXT(f->actual, "none: dropped");
		break;
	case WGT_V_NO_ENDPOINT:
		FTEXT(f->expected, "the peer has an endpoint");
		FTEXT(f->actual, "no endpoint: dropped");
		break;
	case WGT_V_OUTER_FRAGMENTED:
		FTEXT(f->expected, "outer packets within the underlay MTU");
		if (le->has_sample) {
			FTEXT(f->actual, "%u-byte outer packet, MTU %u on %s",
			      s->len, s->mtu,
			      live_ifname(l, s->oif, b, sizeof(b)));
			finding_object(f, "mtu", "%u", s->mtu);
			finding_object(f, "underlay", "%s", b);
		}
		break;
	case WGT_V_ROUTE_BYPASS:
		FTEXT(f->expected, "dev %s",
		      live_ifname(l, le->key.ifindex, b, sizeof(b)));
		if (le->has_sample)
			FTEXT(f->actual, "dev %s",
			      live_ifname(l, s->oif, b, sizeof(b)));
		break;
	default:
		break;
	}
}

static bool dev_selected(const struct live *l, unsigned int ifindex)
{
	const struct inv_link *k;

	if (!l->only_dev)
		return true;
	k = inv_link_by_index(l->inv, ifindex);
	return k && !strcmp(k->name, l->only_dev);
}

bool live_is_no_forward(struct live *l, const struct wgt_count_key *key)
{
	const struct inv_link *k = inv_link_by_index(l->inv, key->ifindex);
	char fn[KSYM_NAME_MAX];

	if (key->verdict < WGT_V_KERNEL_REASON || !k)
		return false;
	ksym_function(l->ksym, key->location, fn, sizeof(fn));
	/* IPv4 refuses in ip_error(), IPv6 in ip6_forward() itself. */
	if (!strcmp(fn, "ip_error"))
		return l->inv->ip_forward == 0 || k->forwarding4 == 0;
	if (!strcmp(fn, "ip6_forward"))
		return l->inv->ip6_forward == 0 || k->forwarding6 == 0;
	return false;
}

/* Forwarding off: ip_error() frees what the kernel would have forwarded. */
static int add_no_forward(struct live *l, const struct live_entry *le,
			  struct finding_list *out)
{
	const struct inv_link *k = inv_link_by_index(l->inv, le->key.ifindex);
	char fn[KSYM_NAME_MAX];
	struct finding *f;
	bool v6;

	if (!live_is_no_forward(l, &le->key))
		return 0;
	f = finding_add(out, "no_forward", SEV_ERROR,
			mode_for(l, WGT_V_KERNEL_REASON));
	if (!f)
		return -ENOMEM;
	v6 = le->has_sample ? le->sample.flow.family == AF_INET6
			    : !strcmp(ksym_function(l->ksym, le->key.location,
						    fn, sizeof(fn)),
				      "ip6_forward");
	f->count = le->packets;
	FTEXT(f->interface, "%s", k->name);
	FTEXT(f->message,
	      "packets arriving on %s for other hosts were dropped: "
	      "forwarding is off",
	      k->name);
	FTEXT(f->expected, "forwarded to their destination");
	if (v6)
		FTEXT(
		    f->actual,
		    "dropped in ip6_forward (net.ipv6.conf.all.forwarding=%d, "
		    "conf.%s.forwarding=%d)",
		    l->inv->ip6_forward, k->name, k->forwarding6);
	else
		FTEXT(f->actual,
		      "dropped in ip_error (net.ipv4.ip_forward=%d, "
		      "conf.%s.forwarding=%d)",
		      l->inv->ip_forward, k->name, k->forwarding4);
	FTEXT(f->hint, "on a gateway: %s (and persist it)",
	      v6 ? "sysctl -w net.ipv6.conf.all.forwarding=1"
		 : "sysctl -w net.ipv4.ip_forward=1");
	if (le->has_sample)
		set_example(f, &le->sample);
	return 0;
}

static int add_route_changes(struct live *l, struct finding_list *out)
{
	char a[WGT_ADDR_STRLEN], o[IF_NAMESIZE + 16], n[IF_NAMESIZE + 16],
	    t[32];
	struct finding *f;
	size_t i;

	for (i = 0; i < l->n_changes; i++) {
		const struct live_change *c = &l->changes[i];

		f = finding_add(out, "route_changed", SEV_WARNING, "inventory");
		if (!f)
			return -ENOMEM;
		strftime(t, sizeof(t), "%H:%M:%S", localtime(&c->when));
		FTEXT(f->message,
		      "at %s the egress of %s changed after a route or rule "
		      "change",
		      t, addr_fmt(&c->dst, a, sizeof(a)));
		FTEXT(f->expected, "%s",
		      c->old_err ? "no route"
				 : live_ifname(l, c->old_oif, o, sizeof(o)));
		FTEXT(f->actual, "%s",
		      c->new_err ? "no route"
				 : live_ifname(l, c->new_oif, n, sizeof(n)));
		FTEXT(f->hint,
		      "check which network manager or script rewrote routes "
		      "or rules");
		f->has_example = true;
		f->example.dst = c->dst;
		finding_object(f, "old_dev", "%s", f->expected);
		finding_object(f, "new_dev", "%s", f->actual);
	}
	return 0;
}

static int peer_tx_cmp(const void *a, const void *b)
{
	const struct live_peer_tx *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return memcmp(x->key, y->key, WGT_KEY_LEN);
}

struct live_peer_tx *live_peer_tx_of(const struct inventory *inv, size_t *n)
{
	struct live_peer_tx *t;
	size_t i, j, total = 0;

	for (i = 0; i < inv->n_wg; i++)
		total += inv->wg[i].n_peers;
	t = calloc(total ? total : 1, sizeof(*t));
	if (!t)
		return NULL;
	*n = 0;
	for (i = 0; i < inv->n_wg; i++)
		for (j = 0; j < inv->wg[i].n_peers; j++, (*n)++) {
			t[*n].ifindex = inv->wg[i].ifindex;
			memcpy(t[*n].key, inv->wg[i].peers[j].pubkey,
			       WGT_KEY_LEN);
			t[*n].tx_bytes = inv->wg[i].peers[j].tx_bytes;
		}
	if (*n)
		qsort(t, *n, sizeof(*t), peer_tx_cmp);
	return t;
}

/* Traffic queued for a peer whose last handshake is long gone. */
static int add_stale(struct live *l, struct finding_list *out)
{
	time_t now = l->now ? l->now : time(NULL);
	struct live_peer_tx *cur, *prev = l->prev_tx;
	size_t i, j, n_cur, n_prev = l->n_prev_tx;
	struct finding *f;
	int err = 0;

	cur = live_peer_tx_of(l->inv, &n_cur);
	if (!cur)
		return -ENOMEM;
	/* The next refresh compares with now, whatever happens below. */
	l->prev_tx = cur;
	l->n_prev_tx = n_cur;
	for (i = 0; prev && i < l->inv->n_wg; i++) {
		const struct wg_device_info *d = &l->inv->wg[i];

		for (j = 0; j < d->n_peers; j++) {
			const struct wg_peer_info *p = &d->peers[j];
			struct live_peer_tx want = {.ifindex = d->ifindex};
			const struct live_peer_tx *was = NULL;
			int64_t age = p->last_handshake_sec
					  ? now - p->last_handshake_sec
					  : -1;
			bool sending;

			memcpy(want.key, p->pubkey, WGT_KEY_LEN);
			if (n_prev)
				was = bsearch(&want, prev, n_prev,
					      sizeof(*prev), peer_tx_cmp);
			/* A peer new since the last refresh has no baseline. */
			sending = was && p->tx_bytes > was->tx_bytes;
			if (!sending ||
			    (age >= 0 && age <= STALE_HANDSHAKE_S) ||
			    !dev_selected(l, d->ifindex))
				continue;
			f = finding_add(out, "stale_handshake", SEV_WARNING,
					"inventory");
			if (!f) {
				err = -ENOMEM;
				goto cleanup;
			}
			FTEXT(f->interface, "%s", d->name);
			set_peer(l, f, p->pubkey);
			FTEXT(f->message,
			      "traffic is sent to a peer with no handshake "
			      "for %s",
			      age < 0 ? "ever" : "over 180 s");
			FTEXT(f->expected, "a handshake within 180 s");
			if (age < 0)
				FTEXT(f->actual, "never");
			else
				FTEXT(f->actual, "%lld s ago", (long long)age);
			FTEXT(f->hint,
			      "check the endpoint is reachable over the "
			      "underlay and not routed into the tunnel");
		}
	}
cleanup:
	free(prev);
	return err;
}

/*
 * wgtrace's own route queries (RTM_GETROUTE) build a dummy packet the
 * kernel then frees: those drops are ours, not the gateway's.
 */
bool live_own_drop(struct live *l, uint64_t location)
{
	char fn[KSYM_NAME_MAX];

	ksym_function(l->ksym, location, fn, sizeof(fn));
	return !strcmp(fn, "inet_rtm_getroute") ||
	       !strcmp(fn, "inet6_rtm_getroute");
}

void live_resolve_locations(struct live *l)
{
	uint64_t locs[LIVE_KSYM_BATCH];
	size_t i, nl = 0;

	for (i = 0; i < l->n && nl < ARRAY_SIZE(locs); i++)
		if (l->e[i].key.location)
			locs[nl++] = l->e[i].key.location;
	ksym_resolve(l->ksym, locs, nl);
}

int live_findings(struct live *l, struct finding_list *out)
{
	size_t i;
	int err;

	live_resolve_locations(l);
	for (i = 0; i < l->n; i++) {
		const struct live_entry *le = &l->e[i];
		const struct verdict_info *vi = verdict_info(le->key.verdict);
		struct finding *f;

		if (!le->packets)
			continue;
		if (le->key.verdict >= WGT_V_KERNEL_REASON) {
			err = add_no_forward(l, le, out);
			if (err)
				return err;
			continue;
		}
		if (!vi || le->key.verdict == WGT_V_TX_PEER ||
		    !dev_selected(l, le->key.ifindex))
			continue;
		f = finding_add(out, vi->id, vi->severity,
				mode_for(l, le->key.verdict));
		if (!f)
			return -ENOMEM;
		f->count = le->packets;
		if (le->key.ifindex) {
			char b[IF_NAMESIZE + 16];

			FTEXT(f->interface, "%s",
			      live_ifname(l, le->key.ifindex, b, sizeof(b)));
		}
		if (!key_zero(le->key.peer))
			set_peer(l, f, le->key.peer);
		FTEXT(f->message, "%s", vi->what);
		FTEXT(f->hint, "%s", vi->hint);
		if (le->has_sample)
			set_example(f, &le->sample);
		finding_object(f, "rate", "%.1f/s", le->rate);
		describe(l, le, f);
	}
	err = add_route_changes(l, out);
	if (!err)
		err = add_stale(l, out);
	finding_list_sort(out);
	return err;
}

const char *live_unobservable(const struct live *l, const char *id)
{
	const struct loader *ld = l->ld;

	if (!strcmp(id, "src_rejected") &&
	    ld->mode[LF_WG_RX_SRC] > WGT_MODE_KPROBE)
		return "no hook on wg_allowedips_lookup_src: userspace "
		       "WireGuard, or no fentry/kprobes";
	if (!strcmp(id, "no_peer") && ld->mode[LF_WG_TX_PEER] > WGT_MODE_TC)
		return "no hook on WireGuard's TX peer lookup";
	if (!strcmp(id, "rpf_drop") && ld->mode[LF_RPF] == WGT_MODE_UNAVAILABLE)
		return "neither the IP_RPFILTER drop reason nor the "
		       "IPReversePathFilter counter";
	if (!strcmp(id, "mtu_drop") && ld->mode[LF_MTU] == WGT_MODE_UNAVAILABLE)
		return "no PKT_TOO_BIG drop reason, no ICMP hook, no FragFails "
		       "counter";
	if (!strcmp(id, "no_forward") &&
	    ld->mode[LF_DROPS] > WGT_MODE_TRACEPOINT)
		return "kfree_skb tracepoint unavailable";
	if (!strcmp(id, "outer_fragmented") &&
	    ld->mode[LF_OUTER_FRAG] > WGT_MODE_KPROBE)
		return "neither fentry nor kprobes on "
		       "ip_do_fragment/ip6_fragment";
	if (!strcmp(id, "route_bypass") && ld->mode[LF_BYPASS] > WGT_MODE_TC)
		return "neither tcx nor the net_dev_queue tracepoint available";
	return NULL;
}
