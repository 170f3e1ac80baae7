// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <poll.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/common.h"
#include "attach/compat.h"
#include "attach/ksym.h"
#include "attach/config_maps.h"
#include "attach/loader.h"
#include "wgtrace.skel.h"

const char *loader_fact_name(enum wgt_fact f)
{
	return (unsigned int)f < LF__COUNT ? hook_facts[f].id : "?";
}

bool loader_fact_used(const struct loader *ld, enum wgt_fact f)
{
	return ld->want & LF_BIT(f);
}

uint32_t current_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint32_t)st.st_ino;
}

static int fill_ports(struct loader *ld, const struct inventory *inv);
static void lookup_ctx_setup(struct loader *ld);

static const struct hook_candidate *chosen_cand(const struct loader *ld,
						enum wgt_fact f)
{
	return ld->chosen[f] < 0 ? NULL : &hook_facts[f].cand[ld->chosen[f]];
}

static bool chosen_kind(const struct loader *ld, enum wgt_fact f,
			enum hook_kind kind)
{
	const struct hook_candidate *c = chosen_cand(ld, f);

	return c && c->kind == kind;
}

/* The attach test of a candidate, run once per loader. */
static const struct hook_result *tested(struct loader *ld, enum wgt_fact f,
					int i)
{
	if (!ld->tested[f][i]) {
		hook_try(&ld->env, &hook_facts[f].cand[i], &ld->tried[f][i]);
		ld->tested[f][i] = true;
	}
	return &ld->tried[f][i];
}

void loader_candidate_result(struct loader *ld, enum wgt_fact f, int i,
			     struct hook_result *res)
{
	*res = *tested(ld, f, i);
	if (res->ok && ld->refused[f][i]) {
		res->ok = false;
		res->err = -EINVAL;
		snprintf(res->why, sizeof(res->why), "%s",
			 ld->refused_why[f][i]);
	}
}

/* The first candidate of a fact that this kernel allows and that no load
 * or attach has refused yet. */
static void choose(struct loader *ld, enum wgt_fact f)
{
	const struct hook_fact *fact = &hook_facts[f];
	struct hook_result res;
	int i;

	ld->chosen[f] = -1;
	ld->mode[f] = WGT_MODE_UNAVAILABLE;
	snprintf(ld->hook[f], sizeof(ld->hook[f]), "-");
	for (i = 0; i < fact->ncand; i++) {
		loader_candidate_result(ld, f, i, &res);
		if (!res.ok) {
			wgt_dbg(1, "%s: %s", fact->id, res.why);
			continue;
		}
		ld->chosen[f] = i;
		ld->mode[f] = hook_kind_mode(fact->cand[i].kind);
		hook_candidate_name(&fact->cand[i], ld->hook[f],
				    sizeof(ld->hook[f]));
		return;
	}
}

static void not_used(struct loader *ld, enum wgt_fact f, const char *why)
{
	ld->chosen[f] = -1;
	ld->mode[f] = WGT_MODE_UNAVAILABLE;
	snprintf(ld->hook[f], sizeof(ld->hook[f]), "%s", why);
	ld->want &= ~LF_BIT(f);
}

static void choose_all(struct loader *ld, const struct loader_opts *opts)
{
	int f;

	ld->want = opts->want;
	for (f = 0; f < LF__COUNT; f++) {
		if (opts->want & LF_BIT(f))
			choose(ld, f);
		else
			not_used(ld, f, "not used");
	}
	/* wg_xmit's errors add only what a TX hook without WireGuard BTF
	 * cannot read: no endpoint. Elsewhere they would cost for nothing. */
	if (!opts->probe_only && (ld->want & LF_BIT(LF_WG_XMIT)) &&
	    !chosen_kind(ld, LF_WG_TX_PEER, HK_KRETPROBE))
		not_used(ld, LF_WG_XMIT,
			 "not needed: the TX peer hook tells no endpoint");
}

/*
 * A program the kernel refused (verifier, BTF, CO-RE, attach) takes every
 * candidate built on it out of the running; the plan starts again.
 */
static bool refuse_program(struct loader *ld, const char *prog, const char *why)
{
	bool any = false;
	int f, i, j;

	for (f = 0; f < LF__COUNT; f++)
		for (i = 0; i < hook_facts[f].ncand; i++)
			for (j = 0; j < HOOK_MAX_PROGS; j++) {
				const char *p = hook_facts[f].cand[i].prog[j];

				if (!p || strcmp(p, prog) || ld->refused[f][i])
					continue;
				ld->refused[f][i] = true;
				snprintf(ld->refused_why[f][i],
					 sizeof(ld->refused_why[f][i]),
					 "wgtrace's program %s was refused: %s",
					 prog, why);
				wgt_dbg(1, "%s: %s", hook_facts[f].id,
					ld->refused_why[f][i]);
				any = true;
			}
	return any;
}

static bool prog_is(const struct bpf_program *p, const char *name)
{
	return name && !strcmp(bpf_program__name(p), name);
}

/*
 * trace --pcap: tc on the uplinks shows the outer packets whole, so the tc
 * programs load for it also where fexit sees the TX peer; never one the
 * kernel has refused already (the plan would retry it for ever).
 */
static bool pcap_prog(const struct loader *ld, const struct loader_opts *opts,
		      const struct bpf_program *p)
{
	int f, i, j;

	if (!opts->n_pcap ||
	    !(prog_is(p, "wgt_tc_egress") || prog_is(p, "wgt_tc_ingress")))
		return false;
	for (f = 0; f < LF__COUNT; f++)
		for (i = 0; i < hook_facts[f].ncand; i++)
			for (j = 0; j < HOOK_MAX_PROGS; j++)
				if (ld->refused[f][i] &&
				    prog_is(p, hook_facts[f].cand[i].prog[j]))
					return false;
	return true;
}

/* Is p one of the programs of a chosen candidate? tc programs load even
 * with no device to attach them to yet: one may appear while running. */
static bool prog_wanted(const struct loader *ld, const struct loader_opts *opts,
			const struct bpf_program *p)
{
	const struct hook_candidate *c;
	int f, j;

	for (f = 0; f < LF__COUNT; f++) {
		c = chosen_cand(ld, f);
		if (!c || !(ld->want & LF_BIT(f)))
			continue;
		if (f == LF_LOOKUP_CTX)
			continue; /* a flag of the fib programs, not its own */
		for (j = 0; j < HOOK_MAX_PROGS; j++)
			if (prog_is(p, c->prog[j]))
				return true;
	}
	return pcap_prog(ld, opts, p);
}

static bool prog_tc(const struct bpf_program *p)
{
	return bpf_program__type(p) == BPF_PROG_TYPE_SCHED_CLS;
}

static void configure(struct loader *ld, const struct loader_opts *opts)
{
	struct wgtrace_bpf__rodata *ro = ld->skel->rodata;

	ro->cfg_trace = opts->trace;
	ro->cfg_counters = opts->counters;
	ro->cfg_netns = opts->netns_ino;
	ro->cfg_pcap_snaplen = opts->pcap_snaplen;
	/*
	 * Reason values differ between kernels: resolved by name, and only
	 * where the reason is how that fact is counted (else ~0U, never a
	 * reason), so no drop is counted by two hooks.
	 */
	if (chosen_kind(ld, LF_RPF, HK_DROP_REASON))
		drop_reasons_find(&ld->env.reasons, "IP_RPFILTER",
				  (unsigned int *)&ro->cfg_reason_rpfilter);
	if (chosen_kind(ld, LF_MTU, HK_DROP_REASON))
		drop_reasons_find(&ld->env.reasons, "PKT_TOO_BIG",
				  (unsigned int *)&ro->cfg_reason_too_big);
	ro->cfg_mtu_by_icmp = (ld->want & LF_BIT(LF_MTU)) &&
			      (chosen_kind(ld, LF_MTU, HK_TP_BTF) ||
			       chosen_kind(ld, LF_MTU, HK_KPROBE));
	ro->cfg_xmit_counts_endpoint =
	    (ld->want & LF_BIT(LF_WG_XMIT)) && ld->chosen[LF_WG_XMIT] >= 0;
}

static void links_destroy(struct loader *ld)
{
	int i;

	for (i = 0; i < ld->n_links; i++)
		bpf_link__destroy(ld->links[i]);
	ld->n_links = 0;
}

/*
 * Maps that hold the configuration are sized from it, with room to grow
 * (peers added while running): a fixed size either wastes kernel memory on
 * a small gateway or refuses a large one. The counters map keeps a key per
 * peer and verdict: sized the same way, so LRU eviction (which would lose
 * counts) does not start with the peers' own keys.
 */
static int size_maps(struct loader *ld, const struct inventory *inv)
{
	struct config_size sz;
	size_t want;
	int err;

	err = config_size(inv, &sz);
	if (err)
		return err;
	bpf_map__set_max_entries(ld->skel->maps.allowed, sz.allowed);
	bpf_map__set_max_entries(ld->skel->maps.endpoints, sz.endpoints);
	want = 2 * sz.peers + WGT_MAX_COUNT_KEYS;
	if (want > WGT_MAX_COUNT_KEYS)
		bpf_map__set_max_entries(ld->skel->maps.counts, want);
	/* A listen port per WireGuard device (one per customer on some). */
	want = 2 * inv->n_wg + 16;
	if (want > bpf_map__max_entries(ld->skel->maps.wg_ports))
		bpf_map__set_max_entries(ld->skel->maps.wg_ports, want);
	return 0;
}

/* Open, enable the chosen programs, load: -EAGAIN when a program was
 * refused (and its candidates with it), to plan again. */
static int open_and_load(struct loader *ld, const struct loader_opts *opts)
{
	const char *prog, *why;
	struct bpf_program *p;
	int err;

	ld->skel = wgtrace_bpf__open();
	if (!ld->skel) {
		err = -errno;
		wgt_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(p, ld->skel->obj)
	    bpf_program__set_autoload(p, prog_wanted(ld, opts, p));
	if (opts->probe_only)
		/* Nothing is sent: a page of ring buffer is enough to load. */
		bpf_map__set_max_entries(ld->skel->maps.events, 4096 * 4);
	if (ld->want & LF_BIT(LF_LOOKUP_CTX))
		lookup_ctx_setup(ld);
	configure(ld, opts);
	if (opts->inv) {
		err = size_maps(ld, opts->inv);
		if (err)
			return err;
	}

	wgt_libbpf_watch(true);
	err = wgtrace_bpf__load(ld->skel);
	wgt_libbpf_watch(false);
	if (!err)
		return 0;
	prog = wgt_libbpf_refused(&why);
	if (prog && refuse_program(ld, prog, why))
		return -EAGAIN;
	wgt_err("cannot load the BPF programs: %s (run with -v for the "
		"verifier log)",
		strerror(-err));
	return err;
}

/* Attach every enabled tracing program once (tc ones are attached by
 * device); -EAGAIN when one failed and its candidates were refused. */
static int attach_tracing(struct loader *ld)
{
	struct bpf_program *p;
	struct bpf_link *link;
	char why[160];

	bpf_object__for_each_program(p, ld->skel->obj)
	{
		if (!bpf_program__autoload(p) || prog_tc(p))
			continue;
		if (ld->n_links >= LOADER_MAX_LINKS)
			return -E2BIG;
		link = bpf_program__attach(p);
		if (!link) {
			int err = errno ? -errno : -EINVAL;

			snprintf(why, sizeof(why), "attach failed: %s",
				 strerror(-err));
			if (refuse_program(ld, bpf_program__name(p), why))
				return -EAGAIN;
			wgt_err("cannot attach %s: %s", bpf_program__name(p),
				why);
			return err;
		}
		ld->links[ld->n_links++] = link;
	}
	return 0;
}

/*
 * Plan, load and attach, falling to the next candidate of a fact whenever
 * wgtrace's program for the chosen one is refused. Each retry refuses at
 * least one candidate, so the loop ends; the bound is a guard.
 */
static int plan_load_attach(struct loader *ld, const struct loader_opts *opts)
{
	int attempt, err = -ELOOP;

	for (attempt = 0; attempt < LOADER_MAX_ATTEMPTS; attempt++) {
		choose_all(ld, opts);
		err = open_and_load(ld, opts);
		if (!err) {
			typeof(ld->skel->maps) *m = &ld->skel->maps;

			config_maps_init(&ld->cfg, bpf_map__fd(m->allowed_slot),
					 bpf_map__fd(m->endpoints_slot),
					 bpf_map__fd(m->allowed),
					 bpf_map__fd(m->endpoints),
					 bpf_map__max_entries(m->allowed),
					 bpf_map__max_entries(m->endpoints));
		}
		if (!err && opts->inv) {
			err = config_maps_sync(&ld->cfg, opts->inv);
			if (err) {
				wgt_err("cannot fill the AllowedIPs map: %s",
					strerror(-err));
				return err;
			}
			/* Costs outer_fragmented a port, never the command. */
			if (fill_ports(ld, opts->inv))
				wgt_err("warning: not every WireGuard listen "
					"port fits: outer_fragmented misses "
					"some devices");
		}
		if (!err)
			err = attach_tracing(ld);
		if (err != -EAGAIN)
			return err;
		links_destroy(ld);
		wgtrace_bpf__destroy(ld->skel);
		ld->skel = NULL;
	}
	wgt_err("cannot settle on programs this kernel accepts after %d tries",
		LOADER_MAX_ATTEMPTS);
	return -ELOOP;
}

/* One program on one device and direction, the way the probe found. */
static int tc_attach_one(struct loader *ld, int ifindex, bool egress,
			 struct bpf_program *prog)
{
	return tc_attach(&ld->tc, ifindex, egress, bpf_program__fd(prog),
			 !strcmp(ld->env.tc_how, "tcx"));
}

/*
 * WireGuard's listen ports, by which BPF knows outer packets: the map is
 * rewritten whole (a device's port may change, devices come and go). A
 * port of a gone device may count for a moment: an outer packet then.
 */
static int fill_ports(struct loader *ld, const struct inventory *inv)
{
	int fd = bpf_map__fd(ld->skel->maps.wg_ports);
	size_t i, n = 0, max = bpf_map__max_entries(ld->skel->maps.wg_ports);
	__u16 key, next, *prev = NULL, *gone;
	uint32_t ifindex;
	bool current;
	int err = 0;

	if (!(ld->want & LF_BIT(LF_OUTER_FRAG)))
		return 0;
	gone = calloc(max, sizeof(*gone));
	if (!gone)
		return -ENOMEM;

	for (i = 0; i < inv->n_wg; i++) {
		if (!inv->wg[i].listen_port)
			continue;
		key = htons(inv->wg[i].listen_port);
		ifindex = inv->wg[i].ifindex;
		if (bpf_map_update_elem(fd, &key, &ifindex, BPF_ANY) && !err)
			err = -errno; /* go on: prune what is gone anyway */
	}
	while (!bpf_map_get_next_key(fd, prev, &next) && n < max) {
		key = next;
		prev = &key;
		current = false;
		for (i = 0; i < inv->n_wg && !current; i++)
			current = htons(inv->wg[i].listen_port) == key;
		if (!current)
			gone[n++] = key;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	free(gone);
	return err;
}

/* tc on WireGuard devices that appeared; forget those that are gone. */
static int tc_sync(struct loader *ld, const struct inventory *inv)
{
	size_t i;
	int t, err;

	for (t = 0; t < ld->tc.n; t++) {
		if (inv_wg_by_index(inv, ld->tc.att[t].ifindex))
			continue;
		/* The device is gone, and its tcx link or qdisc with it. */
		tc_forget(&ld->tc, t--);
	}
	for (i = 0; i < inv->n_wg; i++) {
		bool attached = false;

		for (t = 0; t < ld->tc.n; t++)
			attached |= ld->tc.att[t].ifindex == inv->wg[i].ifindex;
		if (attached)
			continue;
		err = tc_attach_one(ld, inv->wg[i].ifindex, true,
				    ld->skel->progs.wgt_tc_egress);
		if (!err)
			err = tc_attach_one(ld, inv->wg[i].ifindex, false,
					    ld->skel->progs.wgt_tc_ingress);
		if (err)
			return err;
		wgt_dbg(1, "tc attached to %s", inv->wg[i].name);
	}
	return 0;
}

/* Does route_bypass watch this device (tc mode)? */
static bool bypass_watched(const struct inventory *inv,
			   const struct inv_link *l)
{
	/* Loopback carries nothing out; WireGuard's own is the right turn. */
	return l->ifindex != LOOPBACK_IFINDEX &&
	       !inv_wg_by_index(inv, l->ifindex);
}

/*
 * route_bypass by tcx: a link on each device of the namespace, added as
 * devices appear (the inventory is reread on link changes); the links of
 * devices that are gone are closed (their hooks went with the device).
 */
static int bypass_sync(struct loader *ld, const struct inventory *inv)
{
	int fd, prog = bpf_program__fd(ld->skel->progs.wgt_tc_bypass);
	size_t i;
	int b;

	for (b = 0; b < ld->n_bypass; b++) {
		const struct inv_link *l =
		    inv_link_by_index(inv, ld->bypass[b].ifindex);

		if (l && bypass_watched(inv, l))
			continue;
		close(ld->bypass[b].link_fd);
		ld->bypass[b--] = ld->bypass[--ld->n_bypass];
	}
	for (i = 0; i < inv->n_links; i++) {
		const struct inv_link *l = &inv->links[i];
		bool attached = false;

		if (!bypass_watched(inv, l))
			continue;
		for (b = 0; b < ld->n_bypass && !attached; b++)
			attached = ld->bypass[b].ifindex == l->ifindex;
		if (attached)
			continue;
		if (ld->n_bypass >= LOADER_MAX_BYPASS) {
			/* Watch what fits rather than nothing; say so once. */
			if (!ld->bypass_full)
				wgt_err("warning: more than %d devices: "
					"route_bypass is not watched on %s and "
					"later ones",
					LOADER_MAX_BYPASS, l->name);
			ld->bypass_full = true;
			break;
		}
		fd =
		    bpf_link_create(prog, l->ifindex, WGT_BPF_TCX_EGRESS, NULL);
		/* A device may vanish between the dump and the attach. */
		if (fd < 0 && errno == ENODEV)
			continue;
		if (fd < 0)
			return -errno;
		ld->bypass[ld->n_bypass].ifindex = l->ifindex;
		ld->bypass[ld->n_bypass++].link_fd = fd;
		wgt_dbg(1, "route_bypass: tcx egress on %s", l->name);
	}
	return 0;
}

static void bypass_detach_all(struct loader *ld)
{
	int b;

	for (b = 0; b < ld->n_bypass; b++)
		close(ld->bypass[b].link_fd);
	ld->n_bypass = 0;
}

static bool bypass_by_tc(const struct loader *ld)
{
	return (ld->want & LF_BIT(LF_BYPASS)) &&
	       ld->mode[LF_BYPASS] == WGT_MODE_TC;
}

/*
 * Each step runs whatever the others did: a configuration past the hard limit
 * keeps the old AllowedIPs copy, but a device added meanwhile still gets its
 * tc programs and its route_bypass link. The first error is returned.
 */
int loader_sync(struct loader *ld, const struct inventory *inv)
{
	int err, e;

	if (!ld->skel)
		return -EINVAL;
	fill_ports(ld, inv); /* a full port map costs outer_fragmented only */
	err = config_maps_sync(&ld->cfg, inv);
	if (bypass_by_tc(ld)) {
		e = bypass_sync(ld, inv);
		err = err ?: e;
	}
	if ((ld->want & LF_BIT(LF_WG_TX_PEER)) &&
	    ld->mode[LF_WG_TX_PEER] == WGT_MODE_TC) {
		e = tc_sync(ld, inv);
		err = err ?: e;
	}
	return err;
}

/*
 * The kernel's own lookups are told by their callers on the stack of the
 * fib tracepoint (bpf/lookup_ctx.bpf.h): hand BPF those functions' addresses.
 * Without them (no tp_btf, addresses hidden) trace falls back on timing.
 */
/* lookup_context's candidates: 0 the kernel stack, 1 timing. */
static void ctx_candidate(struct loader *ld, int i)
{
	const struct hook_candidate *c = &hook_facts[LF_LOOKUP_CTX].cand[i];

	ld->chosen[LF_LOOKUP_CTX] = i;
	ld->mode[LF_LOOKUP_CTX] = hook_kind_mode(c->kind);
	hook_candidate_name(c, ld->hook[LF_LOOKUP_CTX], sizeof(ld->hook[0]));
}

static void lookup_ctx_setup(struct loader *ld)
{
	struct ksym_range r[] = {
	    {.name = "fib_validate_source"},
	    {.name = "__icmp_send"},
	    {.name = "__fib_validate_source"},
	    {.name = "icmp_route_lookup"},
	    {.name = "icmp6_send"},
	    {.name = "icmpv6_route_lookup"},
	};
	static const __u8 flag[] = {
	    WGT_EVF_CTX_RPF,  WGT_EVF_CTX_ICMP, WGT_EVF_CTX_RPF,
	    WGT_EVF_CTX_ICMP, WGT_EVF_CTX_ICMP, WGT_EVF_CTX_ICMP,
	};
	struct wgtrace_bpf__rodata *ro = ld->skel->rodata;
	const char *why = "the fib tracepoint is not used";
	size_t i, n = 0;

	_Static_assert(ARRAY_SIZE(r) <= WGT_CTX_RANGES,
		       "ranges fit BPF's table");
	_Static_assert(ARRAY_SIZE(r) == ARRAY_SIZE(flag), "one flag per range");
	if (ld->mode[LF_FIB4] == WGT_MODE_TRACEPOINT) {
		why = "kernel addresses hidden (kptr_restrict)";
		ksym_ranges(r, ARRAY_SIZE(r));
		/* The two that every kernel has are required; the rest help. */
		if (r[0].lo && r[1].lo) {
			for (i = 0; i < ARRAY_SIZE(r); i++) {
				if (!r[i].lo)
					continue;
				ro->cfg_ctx_lo[n] = r[i].lo;
				ro->cfg_ctx_hi[n] = r[i].hi;
				ro->cfg_ctx_flag[n] = flag[i];
				n++;
			}
			ro->cfg_ctx_n = n;
			ctx_candidate(ld, 0);
			return;
		}
	}
	wgt_dbg(1, "lookup_context: %s; told by timing instead", why);
	ctx_candidate(ld, 1);
}

static int loader_init(struct loader *ld)
{
	int f;

	memset(ld, 0, sizeof(*ld));
	for (f = 0; f < LF__COUNT; f++)
		ld->chosen[f] = -1;
	return hook_env_init(&ld->env);
}

int loader_plan(struct loader *ld, const struct loader_opts *opts)
{
	int err = loader_init(ld);

	if (!err)
		err = plan_load_attach(ld, opts);
	/* Keep the plan and the attach tests; let go of the programs. */
	links_destroy(ld);
	config_maps_free(&ld->cfg);
	wgtrace_bpf__destroy(ld->skel);
	ld->skel = NULL;
	return err;
}

int loader_start(struct loader *ld, const struct loader_opts *opts,
		 ring_buffer_sample_fn on_event, void *ctx)
{
	int i, err;

	err = loader_init(ld);
	if (err)
		return err;
	err = plan_load_attach(ld, opts);
	if (err)
		goto fail;
	if ((ld->want & LF_BIT(LF_WG_TX_PEER)) &&
	    ld->mode[LF_WG_TX_PEER] == WGT_MODE_TC) {
		/*
		 * What killed clsact runs left here (also before a tcx
		 * run: the lab forces clsact); never what a live one owns.
		 */
		err = tc_clean_stale();
		if (err && strcmp(ld->env.tc_how, "tcx"))
			wgt_err("warning: cannot clean stale tc state: %s",
				strerror(-err));
	}
	for (i = 0; (ld->want & LF_BIT(LF_WG_TX_PEER)) &&
		    ld->mode[LF_WG_TX_PEER] == WGT_MODE_TC && i < opts->n_wg;
	     i++) {
		err = tc_attach_one(ld, opts->wg_ifindex[i], true,
				    ld->skel->progs.wgt_tc_egress);
		if (!err)
			err = tc_attach_one(ld, opts->wg_ifindex[i], false,
					    ld->skel->progs.wgt_tc_ingress);
		if (err) {
			wgt_err("cannot attach tc to ifindex %d: %s",
				opts->wg_ifindex[i], strerror(-err));
			goto fail;
		}
	}
	/*
	 * --pcap: the outer packets leave by an uplink, whose tc sees them
	 * with their UDP and IP headers (pcap_prog() loads the programs).
	 * Where the kernel refused them the capture has no outer packets.
	 */
	for (i = 0; i < opts->n_pcap &&
		    bpf_program__fd(ld->skel->progs.wgt_tc_egress) >= 0;
	     i++) {
		err = tc_attach_one(ld, opts->pcap_ifindex[i], true,
				    ld->skel->progs.wgt_tc_egress);
		if (!err)
			err = tc_attach_one(ld, opts->pcap_ifindex[i], false,
					    ld->skel->progs.wgt_tc_ingress);
		if (err) {
			wgt_err("cannot attach tc to ifindex %d for --pcap: %s",
				opts->pcap_ifindex[i], strerror(-err));
			goto fail;
		}
	}
	if (bypass_by_tc(ld)) {
		/* Without the device list no packet would be seen: say so. */
		err = opts->inv ? bypass_sync(ld, opts->inv) : -EINVAL;
		if (err) {
			wgt_err("cannot attach tcx for route_bypass: %s",
				strerror(-err));
			goto fail;
		}
	}
	ld->rb = ring_buffer__new(bpf_map__fd(ld->skel->maps.events), on_event,
				  ctx, NULL);
	if (!ld->rb) {
		err = -errno;
		wgt_err("cannot open the ring buffer: %s", strerror(-err));
		goto fail;
	}
	/*
	 * Probing and loading parsed the kernel's BTF (megabytes) several
	 * times; a long-running watch or export should not keep that heap.
	 */
	malloc_trim(0);
	return 0;
fail:
	loader_stop(ld);
	return err;
}

int loader_trace_addr(struct loader *ld, const struct wgt_addr *a,
		      uint32_t role)
{
	struct wgt_addr_key k = {.family = a->family};
	struct wgtrace_bpf__bss *bss = ld->skel->bss;
	int fd = bpf_map__fd(ld->skel->maps.trace_addrs);
	uint32_t old = 0, v4, i;

	memcpy(k.addr, a->b, addr_bytes(a->family));
	if (!bpf_map_lookup_elem(fd, &k, &old))
		role |= old;
	if (bpf_map_update_elem(fd, &k, &role, BPF_ANY))
		return -errno;
	if (a->family != AF_INET)
		return 0;
	/* BPF's first test (v4_maybe_traced): the element before the count. */
	memcpy(&v4, a->b, 4);
	for (i = 0; i < bss->trace_v4_n; i++)
		if (bss->trace_v4[i] == v4)
			return 0;
	if (i >= ARRAY_SIZE(bss->trace_v4))
		return -E2BIG;
	bss->trace_v4[i] = v4;
	__atomic_store_n(&bss->trace_v4_n, i + 1, __ATOMIC_RELEASE);
	return 0;
}

int loader_read_counts(struct loader *ld, loader_count_fn fn, void *ctx)
{
	int ncpu = libbpf_num_possible_cpus(), fd, err = 0, i;
	struct wgt_count_key key, next, *prev = NULL;
	struct wgt_count_val *vals, sum;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(ld->skel->maps.counts);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue; /* evicted meanwhile (LRU) */
		memset(&sum, 0, sizeof(sum));
		for (i = 0; i < ncpu; i++) {
			sum.packets += vals[i].packets;
			sum.bytes += vals[i].bytes;
		}
		fn(&key, &sum, ctx);
	}
	free(vals);
	return err;
}

int loader_poll(struct loader *ld, int timeout_ms)
{
	int n = ring_buffer__poll(ld->rb, timeout_ms);

	return n < 0 ? n : 0;
}

int loader_poll_with(struct loader *ld, int other_fd, int timeout_ms)
{
	struct pollfd p[2] = {
	    {.fd = ring_buffer__epoll_fd(ld->rb), .events = POLLIN},
	    {.fd = other_fd, .events = POLLIN},
	};
	int n;

	n = poll(p, other_fd >= 0 ? 2 : 1, timeout_ms);
	if (n < 0)
		return -errno;
	n = ring_buffer__consume(ld->rb);
	return n < 0 ? n : 0;
}

uint64_t loader_stat(struct loader *ld, enum wgt_stat which)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1], sum = 0;
	uint32_t key = which;
	int i;

	if (!ld->skel || ncpu <= 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.stats), &key, vals))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

void loader_detach(struct loader *ld)
{
	tc_detach_all(&ld->tc);
	bypass_detach_all(ld);
	links_destroy(ld);
}

void loader_stop(struct loader *ld)
{
	loader_detach(ld);
	ring_buffer__free(ld->rb);
	ld->rb = NULL;
	config_maps_free(&ld->cfg);
	wgtrace_bpf__destroy(ld->skel);
	ld->skel = NULL;
	hook_env_free(&ld->env);
}
