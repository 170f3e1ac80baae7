// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <poll.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "compat.h"
#include "ksym.h"
#include "loader.h"
#include "wgtrace.skel.h"

/* clsact filters are found again by this handle and priority ("wg"). */
#define WGT_TC_HANDLE	0x7767
#define WGT_TC_PRIO	0x7767

static const char *const fact_ids[LF__COUNT] = {
	[LF_FIB4] = "fib4_lookup",
	[LF_FIB6] = "fib6_lookup",
	[LF_RULE] = "policy_rule",
	[LF_WG_TX_PEER] = "wg_tx_peer",
	[LF_WG_RX_SRC] = "wg_rx_src",
	[LF_OUTER] = "outer_endpoint",
	[LF_DROPS] = "kernel_drops",
	[LF_ICMP] = "mtu_drop",
	[LF_BYPASS] = "route_bypass",
	[LF_LOOKUP_CTX] = "lookup_context",
};

const char *loader_fact_name(enum loader_fact f)
{
	return (unsigned int)f < LF__COUNT ? fact_ids[f] : "?";
}

bool loader_fact_used(const struct loader *ld, enum loader_fact f)
{
	return ld->want & LF_BIT(f);
}

uint32_t current_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint32_t)st.st_ino;
}

/* The program implementing a candidate of a fact, NULL if wgtrace has none. */
static struct bpf_program *program_for(struct wgtrace_bpf *skel,
				       enum loader_fact f, enum hook_kind kind)
{
	switch (f) {
	case LF_FIB4:
		return kind == HK_TP_BTF ? skel->progs.wgt_fib4 : NULL;
	case LF_FIB6:
		return kind == HK_TP_BTF ? skel->progs.wgt_fib6 : NULL;
	case LF_RULE:
		return kind == HK_FEXIT ? skel->progs.wgt_rule : NULL;
	case LF_WG_TX_PEER:
		return kind == HK_FEXIT ? skel->progs.wgt_wg_tx_peer : NULL;
	case LF_WG_RX_SRC:
		return kind == HK_FEXIT ? skel->progs.wgt_wg_rx_src : NULL;
	case LF_OUTER:
		return kind == HK_FENTRY ? skel->progs.wgt_wg_outer : NULL;
	case LF_DROPS:
		return kind == HK_TP_BTF ? skel->progs.wgt_kfree_skb : NULL;
	case LF_ICMP:
		return kind == HK_TP_BTF ? skel->progs.wgt_icmp_send : NULL;
	case LF_BYPASS:
		return kind == HK_TP_BTF ? skel->progs.wgt_dev_queue : NULL;
	default:
		return NULL;
	}
}

static const struct hook_fact *fact_by_id(const char *id)
{
	int i;

	for (i = 0; i < hook_facts_count; i++)
		if (!strcmp(hook_facts[i].id, id))
			return &hook_facts[i];
	return NULL;
}

/*
 * Pick the first candidate that wgtrace implements and this kernel allows.
 * Returns the program to enable (NULL for tc, inventory or unavailable).
 */
static struct bpf_program *choose(struct loader *ld, enum loader_fact f)
{
	const struct hook_fact *fact = fact_by_id(fact_ids[f]);
	struct hook_result res;
	struct bpf_program *prog;
	int i;

	ld->mode[f] = WGT_MODE_UNAVAILABLE;
	snprintf(ld->hook[f], sizeof(ld->hook[f]), "-");
	for (i = 0; fact && i < fact->ncand; i++) {
		const struct hook_candidate *c = &fact->cand[i];

		if (c->kind == HK_INVENTORY || c->kind == HK_TC) {
			if (c->kind == HK_TC && f != LF_WG_TX_PEER &&
			    f != LF_BYPASS)
				continue;	/* no tc program for it yet */
			hook_try(&ld->env, c, &res);
			if (!res.ok) {
				wgt_dbg(1, "%s: %s", fact->id, res.why);
				continue;
			}
			ld->mode[f] = hook_kind_mode(c->kind);
			hook_candidate_name(c, ld->hook[f], sizeof(ld->hook[f]));
			return NULL;
		}
		prog = program_for(ld->skel, f, c->kind);
		if (!prog)
			continue;
		hook_try(&ld->env, c, &res);
		if (!res.ok) {
			wgt_dbg(1, "%s: %s", fact->id, res.why);
			continue;
		}
		ld->mode[f] = hook_kind_mode(c->kind);
		hook_candidate_name(c, ld->hook[f], sizeof(ld->hook[f]));
		return prog;
	}
	return NULL;
}

/* A clsact filter of ours left by a killed run: remove it before attaching. */
static void tc_remove_stale(struct bpf_tc_hook *hook)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = WGT_TC_HANDLE,
			    .priority = WGT_TC_PRIO);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd;

	if (bpf_tc_query(hook, &q))
		return;
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    !strncmp(info.name, "wgt_tc_", 7)) {
		q.prog_fd = q.prog_id = q.flags = 0;
		bpf_tc_detach(hook, &q);
		wgt_dbg(1, "removed a stale wgtrace tc filter on ifindex %d",
			hook->ifindex);
	}
	close(fd);
}

static int tc_attach_one(struct loader *ld, int ifindex, bool egress,
			 struct bpf_program *prog)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = WGT_TC_HANDLE,
			    .priority = WGT_TC_PRIO);
	struct loader_tc *t = &ld->tc[ld->n_tc];
	int fd, err;

	if (ld->n_tc >= (int)ARRAY_SIZE(ld->tc))
		return -E2BIG;
	memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;
	t->egress = egress;
	t->link_fd = -1;

	if (!strcmp(ld->env.tc_how, "tcx")) {
		fd = bpf_link_create(bpf_program__fd(prog), ifindex,
				     egress ? WGT_BPF_TCX_EGRESS : WGT_BPF_TCX_INGRESS,
				     NULL);
		if (fd < 0)
			return -errno;
		t->tcx = true;
		t->link_fd = fd;
		ld->n_tc++;
		return 0;
	}
	tc_remove_stale(&hook);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	t->created_qdisc = !err;
	opts.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		if (t->created_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return err;
	}
	ld->n_tc++;
	return 0;
}

static void tc_detach_all(struct loader *ld)
{
	int i;

	for (i = ld->n_tc - 1; i >= 0; i--) {
		struct loader_tc *t = &ld->tc[i];
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
				    .attach_point = t->egress ? BPF_TC_EGRESS :
								BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = WGT_TC_HANDLE,
				    .priority = WGT_TC_PRIO);

		if (t->tcx) {
			close(t->link_fd);
			continue;
		}
		bpf_tc_detach(&hook, &opts);
		/* Only a qdisc wgtrace created goes; the device may be gone. */
		if (t->created_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	}
	ld->n_tc = 0;
}

static void lpm_key_of(const struct wgt_prefix *p, struct wgt_lpm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = WGT_LPM_FAMILY_BITS + p->len;
	k->family = p->addr.family;
	memcpy(k->addr, p->addr.b, addr_bytes(p->addr.family));
}

static int fill_allowed(struct loader *ld, const struct inventory *inv)
{
	int afd = bpf_map__fd(ld->skel->maps.allowed);
	int efd = bpf_map__fd(ld->skel->maps.endpoints);
	size_t i, j, k;
	uint32_t one = 1;

	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *dev = &inv->wg[i];

		for (j = 0; j < dev->n_peers; j++) {
			const struct wg_peer_info *p = &dev->peers[j];
			struct wgt_lpm_val v = { .ifindex = dev->ifindex };

			memcpy(v.peer, p->pubkey, WGT_KEY_LEN);
			for (k = 0; k < p->n_allowed; k++) {
				struct wgt_lpm_key key;

				lpm_key_of(&p->allowed[k], &key);
				v.plen = p->allowed[k].len;
				if (bpf_map_update_elem(afd, &key, &v, BPF_ANY))
					return -errno;
			}
			if (p->has_endpoint) {
				struct wgt_addr_key ek = { .family = p->endpoint.family };

				memcpy(ek.addr, p->endpoint.b,
				       addr_bytes(p->endpoint.family));
				if (bpf_map_update_elem(efd, &ek, &one, BPF_ANY))
					return -errno;
			}
		}
	}
	return 0;
}

/* Is this trie entry still an AllowedIPs prefix of that peer? */
static bool allowed_current(const struct inventory *inv,
			    const struct wgt_lpm_key *key,
			    const struct wgt_lpm_val *val)
{
	const struct wg_device_info *dev = inv_wg_by_index(inv, val->ifindex);
	struct wgt_lpm_key k;
	size_t j, n;

	for (j = 0; dev && j < dev->n_peers; j++) {
		if (memcmp(dev->peers[j].pubkey, val->peer, WGT_KEY_LEN))
			continue;
		for (n = 0; n < dev->peers[j].n_allowed; n++) {
			lpm_key_of(&dev->peers[j].allowed[n], &k);
			if (!memcmp(&k, key, sizeof(k)))
				return true;
		}
	}
	return false;
}

static bool endpoint_current(const struct inventory *inv,
			     const struct wgt_addr_key *key)
{
	size_t i, j;

	for (i = 0; i < inv->n_wg; i++)
		for (j = 0; j < inv->wg[i].n_peers; j++) {
			const struct wg_peer_info *p = &inv->wg[i].peers[j];

			if (p->has_endpoint && p->endpoint.family == key->family &&
			    !memcmp(p->endpoint.b, key->addr,
				    addr_bytes(key->family)))
				return true;
		}
	return false;
}

/*
 * Delete what the inventory no longer has. New entries went in first, so a
 * packet never meets a trie with neither the old nor the new prefix.
 */
static void prune_allowed(struct loader *ld, const struct inventory *inv)
{
	int afd = bpf_map__fd(ld->skel->maps.allowed);
	int efd = bpf_map__fd(ld->skel->maps.endpoints);
	struct wgt_lpm_key k, next, *prev = NULL, *gone;
	struct wgt_addr_key ek, enext, *eprev = NULL, *egone;
	struct wgt_lpm_val v;
	uint32_t one;
	size_t n = 0, i;

	gone = calloc(WGT_MAX_ALLOWED, sizeof(*gone));
	egone = calloc(WGT_MAX_TRACE_ADDRS * 4, sizeof(*egone));
	if (!gone || !egone)
		goto cleanup;
	while (!bpf_map_get_next_key(afd, prev, &next) && n < WGT_MAX_ALLOWED) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(afd, &k, &v) && !allowed_current(inv, &k, &v))
			gone[n++] = k;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(afd, &gone[i]);
	n = 0;
	while (!bpf_map_get_next_key(efd, eprev, &enext) &&
	       n < WGT_MAX_TRACE_ADDRS * 4) {
		ek = enext;
		eprev = &ek;
		if (!bpf_map_lookup_elem(efd, &ek, &one) && !endpoint_current(inv, &ek))
			egone[n++] = ek;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(efd, &egone[i]);
cleanup:
	free(gone);
	free(egone);
}

/* tc on WireGuard devices that appeared; forget those that are gone. */
static int tc_sync(struct loader *ld, const struct inventory *inv)
{
	size_t i;
	int t, err;

	for (t = 0; t < ld->n_tc; t++) {
		if (inv_wg_by_index(inv, ld->tc[t].ifindex))
			continue;
		/* The device is gone, and its tcx link or qdisc with it. */
		if (ld->tc[t].link_fd >= 0)
			close(ld->tc[t].link_fd);
		ld->tc[t--] = ld->tc[--ld->n_tc];
	}
	for (i = 0; i < inv->n_wg; i++) {
		bool attached = false;

		for (t = 0; t < ld->n_tc; t++)
			attached |= ld->tc[t].ifindex == inv->wg[i].ifindex;
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
static bool bypass_watched(const struct inventory *inv, const struct inv_link *l)
{
	/* Loopback carries nothing out; WireGuard's own is the right turn. */
	return l->ifindex != LOOPBACK_IFINDEX && !inv_wg_by_index(inv, l->ifindex);
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
		const struct inv_link *l = inv_link_by_index(inv, ld->bypass[b].ifindex);

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
				wgt_err("warning: more than %d devices: route_bypass is not watched on %s and later ones",
					LOADER_MAX_BYPASS, l->name);
			ld->bypass_full = true;
			break;
		}
		fd = bpf_link_create(prog, l->ifindex, WGT_BPF_TCX_EGRESS, NULL);
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

int loader_sync(struct loader *ld, const struct inventory *inv)
{
	int err;

	if (!ld->skel)
		return -EINVAL;
	err = fill_allowed(ld, inv);
	if (err)
		return err;
	prune_allowed(ld, inv);
	if (bypass_by_tc(ld)) {
		err = bypass_sync(ld, inv);
		if (err)
			return err;
	}
	if ((ld->want & LF_BIT(LF_WG_TX_PEER)) &&
	    ld->mode[LF_WG_TX_PEER] == WGT_MODE_TC)
		return tc_sync(ld, inv);
	return 0;
}

/*
 * The kernel's own lookups are told by their callers on the stack of the
 * fib tracepoint (bpf/lookup_ctx.h): hand BPF those functions' addresses.
 * Without them (no tp_btf, addresses hidden) trace falls back on timing.
 */
static void lookup_ctx_setup(struct loader *ld)
{
	struct ksym_range r[] = {
		{ .name = "fib_validate_source" },
		{ .name = "__icmp_send" },
		{ .name = "__fib_validate_source" },
		{ .name = "icmp_route_lookup" },
		{ .name = "icmp6_send" },
		{ .name = "icmpv6_route_lookup" },
	};
	static const __u8 flag[] = {
		WGT_EVF_CTX_RPF, WGT_EVF_CTX_ICMP, WGT_EVF_CTX_RPF,
		WGT_EVF_CTX_ICMP, WGT_EVF_CTX_ICMP, WGT_EVF_CTX_ICMP,
	};
	struct wgtrace_bpf__rodata *ro = ld->skel->rodata;
	const char *why = "the fib tracepoint is not used";
	size_t i, n = 0;

	_Static_assert(ARRAY_SIZE(r) <= WGT_CTX_RANGES, "ranges fit BPF's table");
	_Static_assert(ARRAY_SIZE(r) == ARRAY_SIZE(flag), "one flag per range");
	ld->mode[LF_LOOKUP_CTX] = WGT_MODE_INVENTORY;
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
			ld->mode[LF_LOOKUP_CTX] = WGT_MODE_TRACEPOINT;
			snprintf(ld->hook[LF_LOOKUP_CTX], sizeof(ld->hook[0]),
				 "tp_btf/fib_table_lookup: kernel stack");
			return;
		}
	}
	wgt_dbg(1, "lookup_context: %s; told by timing instead", why);
	snprintf(ld->hook[LF_LOOKUP_CTX], sizeof(ld->hook[0]),
		 "timing after the packet's own lookup");
}

int loader_start(struct loader *ld, const struct loader_opts *opts,
		 ring_buffer_sample_fn on_event, void *ctx)
{
	struct bpf_program *chosen[LF__COUNT] = { 0 }, *p;
	int i, f, err;

	memset(ld, 0, sizeof(*ld));
	ld->want = opts->want;
	err = hook_env_init(&ld->env);
	if (err)
		return err;
	ld->skel = wgtrace_bpf__open();
	if (!ld->skel) {
		err = -errno;
		wgt_err("cannot open the BPF object: %s", strerror(-err));
		goto fail;
	}
	for (f = 0; f < LF__COUNT; f++) {
		if (opts->want & LF_BIT(f)) {
			chosen[f] = choose(ld, f);
		} else {
			ld->mode[f] = WGT_MODE_UNAVAILABLE;
			snprintf(ld->hook[f], sizeof(ld->hook[f]), "not used");
		}
	}
	bpf_object__for_each_program(p, ld->skel->obj) {
		bool on = false;

		for (f = 0; f < LF__COUNT; f++)
			on |= chosen[f] == p;
		if ((opts->want & LF_BIT(LF_WG_TX_PEER)) &&
		    ld->mode[LF_WG_TX_PEER] == WGT_MODE_TC && opts->n_wg &&
		    (p == ld->skel->progs.wgt_tc_egress ||
		     p == ld->skel->progs.wgt_tc_ingress))
			on = true;
		if (p == ld->skel->progs.wgt_tc_bypass && bypass_by_tc(ld))
			on = true;
		bpf_program__set_autoload(p, on);
	}
	if (opts->want & LF_BIT(LF_LOOKUP_CTX))
		lookup_ctx_setup(ld);
	ld->skel->rodata->cfg_trace = opts->trace;
	ld->skel->rodata->cfg_counters = opts->counters;
	ld->skel->rodata->cfg_netns = opts->netns_ino;
	/* Reason values differ between kernels: resolve them by name. */
	drop_reasons_find(&ld->env.reasons, "IP_RPFILTER",
			  (unsigned int *)&ld->skel->rodata->cfg_reason_rpfilter);
	drop_reasons_find(&ld->env.reasons, "PKT_TOO_BIG",
			  (unsigned int *)&ld->skel->rodata->cfg_reason_too_big);

	err = wgtrace_bpf__load(ld->skel);
	if (err) {
		wgt_err("cannot load the BPF programs: %s (run with -v for the verifier log)",
			strerror(-err));
		goto fail;
	}
	if (opts->inv) {
		err = fill_allowed(ld, opts->inv);
		if (err) {
			wgt_err("cannot fill the AllowedIPs map: %s", strerror(-err));
			goto fail;
		}
	}
	for (f = 0; f < LF__COUNT; f++) {
		if (!chosen[f])
			continue;
		ld->links[f] = bpf_program__attach(chosen[f]);
		if (!ld->links[f]) {
			err = -errno;
			wgt_err("cannot attach %s: %s", ld->hook[f], strerror(-err));
			goto fail;
		}
	}
	for (i = 0; (opts->want & LF_BIT(LF_WG_TX_PEER)) &&
		    ld->mode[LF_WG_TX_PEER] == WGT_MODE_TC && i < opts->n_wg; i++) {
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
	if (bypass_by_tc(ld)) {
		/* Without the device list no packet would be seen: say so. */
		err = opts->inv ? bypass_sync(ld, opts->inv) : -EINVAL;
		if (err) {
			wgt_err("cannot attach tcx for route_bypass: %s", strerror(-err));
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
	struct wgt_addr_key k = { .family = a->family };
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
			continue;	/* evicted meanwhile (LRU) */
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
		{ .fd = ring_buffer__epoll_fd(ld->rb), .events = POLLIN },
		{ .fd = other_fd, .events = POLLIN },
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

	if (ncpu <= 0 || bpf_map_lookup_elem(bpf_map__fd(ld->skel->maps.stats),
					     &key, vals))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

void loader_detach(struct loader *ld)
{
	int f;

	tc_detach_all(ld);
	bypass_detach_all(ld);
	for (f = 0; f < LF__COUNT; f++) {
		bpf_link__destroy(ld->links[f]);
		ld->links[f] = NULL;
	}
}

void loader_stop(struct loader *ld)
{
	loader_detach(ld);
	ring_buffer__free(ld->rb);
	ld->rb = NULL;
	wgtrace_bpf__destroy(ld->skel);
	ld->skel = NULL;
	hook_env_free(&ld->env);
}
