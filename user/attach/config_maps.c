// SPDX-License-Identifier: GPL-2.0
/*
 * BPF's copy of the configuration (bpf/counters.bpf.h: the AllowedIPs trie
 * and the endpoint set, each reached through a one-slot array of maps).
 *
 * watch and export sync it on every reread of the inventory, once a second
 * or more: at 20,000 peers rewriting 40,000 prefixes and walking the maps to
 * prune took a second of system calls each time. The last state written is
 * kept here, sorted, so a sync is a merge in user space and only changed
 * entries reach the kernel.
 *
 * When the configuration outgrows the maps, or a write failed (the maps may
 * then differ from what is kept here), larger maps are filled whole and
 * swapped into the slots: BPF reads either the old copy or the new one, the
 * programs and the counters stay, so no count is lost or doubled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/common.h"
#include "model/addr.h"
#include "attach/config_maps.h"

static void copy_free(struct config_maps *c);

int config_size(const struct inventory *inv, struct config_size *sz)
{
	size_t i, j;

	memset(sz, 0, sizeof(*sz));
	for (i = 0; i < inv->n_wg; i++) {
		sz->peers += inv->wg[i].n_peers;
		for (j = 0; j < inv->wg[i].n_peers; j++)
			sz->prefixes += inv->wg[i].peers[j].n_allowed;
	}
	if (sz->prefixes > CONFIG_MAX_PREFIXES) {
		wgt_err(
		    "%zu AllowedIPs prefixes: more than wgtrace follows (%d)",
		    sz->prefixes, CONFIG_MAX_PREFIXES);
		return -E2BIG;
	}
	/* Twice what is there: each growth at least doubles, so copies are
	 * rare, and an update's new entries fit before the old ones go. */
	sz->allowed = 2 * sz->prefixes + 1024;
	if (sz->allowed < WGT_MAX_ALLOWED)
		sz->allowed = WGT_MAX_ALLOWED;
	sz->endpoints = 2 * sz->peers + 64;
	if (sz->endpoints < WGT_MAX_TRACE_ADDRS * 4)
		sz->endpoints = WGT_MAX_TRACE_ADDRS * 4;
	return 0;
}

void config_maps_init(struct config_maps *cm, int allowed_slot_fd,
		      int endpoints_slot_fd, int allowed_fd, int endpoints_fd,
		      uint32_t allowed_max, uint32_t endpoints_max)
{
	config_maps_free(cm); /* a load retried: the last one's copy */
	memset(cm, 0, sizeof(*cm));
	cm->allowed_slot_fd = allowed_slot_fd;
	cm->endpoints_slot_fd = endpoints_slot_fd;
	cm->allowed_fd = allowed_fd;
	cm->endpoints_fd = endpoints_fd;
	cm->allowed_max = allowed_max;
	cm->endpoints_max = endpoints_max;
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct config_entry));
}

/* The key leads the entry: a key-only search in entries sorted whole. */
static int entry_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct wgt_lpm_key));
}

static int addr_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct wgt_addr_key));
}

static void lpm_key_of(const struct wgt_prefix *p, struct wgt_lpm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = WGT_LPM_FAMILY_BITS + p->len;
	k->family = p->addr.family;
	memcpy(k->addr, p->addr.b, addr_bytes(p->addr.family));
}

/*
 * The trie holds one value per prefix: where two devices' peers share one
 * (a misconfiguration `check` reports), the last in sorted order stays, so
 * every sync keeps the same one.
 */
static size_t dedup_entries(struct config_entry *v, size_t n)
{
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		if (out && !entry_key_cmp(&v[out - 1], &v[i]))
			out--;
		v[out++] = v[i];
	}
	return out;
}

static size_t dedup_addrs(struct wgt_addr_key *v, size_t n)
{
	size_t i, out = 0;

	for (i = 0; i < n; i++)
		if (!out || addr_key_cmp(&v[out - 1], &v[i]))
			v[out++] = v[i];
	return out;
}

/* The inventory as the maps should hold it, sorted and without repeats. */
static int wanted(const struct inventory *inv, struct config_maps *w)
{
	struct config_size sz;
	size_t i, j, k;
	int err;

	memset(w, 0, sizeof(*w));
	err = config_size(inv, &sz);
	if (err)
		return err;
	w->ents = calloc(sz.prefixes + 1, sizeof(*w->ents));
	w->eps = calloc(sz.peers + 1, sizeof(*w->eps));
	if (!w->ents || !w->eps)
		return -ENOMEM;
	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *dev = &inv->wg[i];

		for (j = 0; j < dev->n_peers; j++) {
			const struct wg_peer_info *p = &dev->peers[j];

			for (k = 0; k < p->n_allowed; k++) {
				struct config_entry *e = &w->ents[w->n_ents++];

				lpm_key_of(&p->allowed[k], &e->key);
				e->val.ifindex = dev->ifindex;
				e->val.plen = p->allowed[k].len;
				memcpy(e->val.peer, p->pubkey, WGT_KEY_LEN);
			}
			if (p->has_endpoint) {
				struct wgt_addr_key *ek = &w->eps[w->n_eps++];

				ek->family = p->endpoint.family;
				memcpy(ek->addr, p->endpoint.b,
				       addr_bytes(p->endpoint.family));
			}
		}
	}
	qsort(w->ents, w->n_ents, sizeof(*w->ents), entry_cmp);
	w->n_ents = dedup_entries(w->ents, w->n_ents);
	qsort(w->eps, w->n_eps, sizeof(*w->eps), addr_key_cmp);
	w->n_eps = dedup_addrs(w->eps, w->n_eps);
	return 0;
}

static void copy_free(struct config_maps *c)
{
	free(c->ents);
	free(c->eps);
	c->ents = NULL;
	c->eps = NULL;
	c->n_ents = c->n_eps = 0;
}

/* Keys of the new state that the kept one lacks (what an update adds). */
static size_t new_entry_keys(const struct config_maps *cm,
			     const struct config_maps *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->n_ents; i++)
		n += !bsearch(&w->ents[i], cm->ents, cm->n_ents,
			      sizeof(*cm->ents), entry_key_cmp);
	return n;
}

static size_t new_addrs(const struct config_maps *cm,
			const struct config_maps *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->n_eps; i++)
		n += !bsearch(&w->eps[i], cm->eps, cm->n_eps, sizeof(*cm->eps),
			      addr_key_cmp);
	return n;
}

/* What the kernel returns (its internal ENOTSUPP) for no batch ops. */
#define KERNEL_ENOTSUPP 524

/*
 * n updates in one call where the kernel has batch updates for the map
 * type, one call each elsewhere: at 40,000 prefixes the system calls cost
 * about as much as the inserts themselves.
 */
static int update_many(int fd, const void *keys, size_t key_size,
		       const void *vals, size_t val_size, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint32_t count = n, i;

	if (!n || !bpf_map_update_batch(fd, keys, vals, &count, &opts))
		return 0;
	/* Only "no batches here" falls back; a full map is an answer. */
	if (errno != EINVAL && errno != KERNEL_ENOTSUPP && errno != EOPNOTSUPP)
		return -errno;
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * key_size,
					(const char *)vals + i * val_size,
					BPF_ANY))
			return -errno;
	return 0;
}

/* Write into the maps of cm what w has and cm does not, then delete what
 * cm has and w does not (a prefix that changed peer was overwritten). */
static int write_difference(const struct config_maps *cm,
			    const struct config_maps *w)
{
	struct wgt_lpm_key *keys = calloc(w->n_ents + 1, sizeof(*keys));
	struct wgt_lpm_val *vals = calloc(w->n_ents + 1, sizeof(*vals));
	struct wgt_addr_key *eps = calloc(w->n_eps + 1, sizeof(*eps));
	__u32 *ones = calloc(w->n_eps + 1, sizeof(*ones));
	size_t i, n = 0;
	int err = -ENOMEM;

	if (!keys || !vals || !eps || !ones)
		goto cleanup;
	for (i = 0; i < w->n_ents; i++)
		if (!bsearch(&w->ents[i], cm->ents, cm->n_ents,
			     sizeof(*cm->ents), entry_cmp)) {
			keys[n] = w->ents[i].key;
			vals[n++] = w->ents[i].val;
		}
	err = update_many(cm->allowed_fd, keys, sizeof(*keys), vals,
			  sizeof(*vals), n);
	if (err)
		goto cleanup;
	n = 0;
	for (i = 0; i < w->n_eps; i++)
		if (!bsearch(&w->eps[i], cm->eps, cm->n_eps, sizeof(*cm->eps),
			     addr_key_cmp)) {
			eps[n] = w->eps[i];
			ones[n++] = 1;
		}
	err = update_many(cm->endpoints_fd, eps, sizeof(*eps), ones,
			  sizeof(*ones), n);
	if (err)
		goto cleanup;
	/* Deletions are few (peers that went): one call each. */
	for (i = 0; i < cm->n_ents; i++)
		if (!bsearch(&cm->ents[i], w->ents, w->n_ents, sizeof(*w->ents),
			     entry_key_cmp) &&
		    bpf_map_delete_elem(cm->allowed_fd, &cm->ents[i].key) &&
		    errno != ENOENT) {
			err = -errno;
			goto cleanup;
		}
	for (i = 0; i < cm->n_eps; i++)
		if (!bsearch(&cm->eps[i], w->eps, w->n_eps, sizeof(*w->eps),
			     addr_key_cmp) &&
		    bpf_map_delete_elem(cm->endpoints_fd, &cm->eps[i]) &&
		    errno != ENOENT) {
			err = -errno;
			goto cleanup;
		}
cleanup:
	free(keys);
	free(vals);
	free(eps);
	free(ones);
	return err;
}

/*
 * Larger maps, filled whole with w, swapped into the slots. Until the swap
 * BPF reads the old maps, which hold what they held; after it, the trie
 * is new a moment before the endpoints, which lag as they did before.
 */
static int grow(struct config_maps *cm, const struct inventory *inv,
		const struct config_maps *w)
{
	LIBBPF_OPTS(bpf_map_create_opts, trie_opts,
		    .map_flags = BPF_F_NO_PREALLOC);
	struct config_maps fresh = {0};
	struct config_size sz;
	__u32 zero = 0;
	int err;

	err = config_size(inv, &sz);
	if (err)
		return err;
	fresh.allowed_fd = bpf_map_create(
	    BPF_MAP_TYPE_LPM_TRIE, "allowed", sizeof(struct wgt_lpm_key),
	    sizeof(struct wgt_lpm_val), sz.allowed, &trie_opts);
	fresh.endpoints_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "endpoints",
					    sizeof(struct wgt_addr_key),
					    sizeof(__u32), sz.endpoints, NULL);
	if (fresh.allowed_fd < 0 || fresh.endpoints_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	err = write_difference(&fresh, w);
	if (!err && bpf_map_update_elem(cm->allowed_slot_fd, &zero,
					&fresh.allowed_fd, BPF_ANY))
		err = -errno;
	if (!err && bpf_map_update_elem(cm->endpoints_slot_fd, &zero,
					&fresh.endpoints_fd, BPF_ANY)) {
		err = -errno;
		/* Back to the pair BPF had: never a trie and endpoints of
		 * two different copies for longer than this. */
		bpf_map_update_elem(cm->allowed_slot_fd, &zero, &cm->allowed_fd,
				    BPF_ANY);
	}
	if (err)
		goto cleanup;
	wgt_dbg(1,
		"AllowedIPs map grown to %u entries, endpoints to %u (%zu "
		"prefixes, %zu peers)",
		sz.allowed, sz.endpoints, sz.prefixes, sz.peers);
	if (cm->owned) {
		close(cm->allowed_fd);
		close(cm->endpoints_fd);
	}
	cm->allowed_fd = fresh.allowed_fd;
	cm->endpoints_fd = fresh.endpoints_fd;
	cm->allowed_max = sz.allowed;
	cm->endpoints_max = sz.endpoints;
	cm->owned = true;
	return 0;
cleanup:
	if (fresh.allowed_fd >= 0)
		close(fresh.allowed_fd);
	if (fresh.endpoints_fd >= 0)
		close(fresh.endpoints_fd);
	return err;
}

int config_maps_sync(struct config_maps *cm, const struct inventory *inv)
{
	struct config_maps w;
	int err;

	err = wanted(inv, &w);
	if (err)
		goto cleanup;
	if (w.n_ents == cm->n_ents && w.n_eps == cm->n_eps &&
	    !memcmp(w.ents, cm->ents, w.n_ents * sizeof(*w.ents)) &&
	    !memcmp(w.eps, cm->eps, w.n_eps * sizeof(*w.eps)))
		goto cleanup; /* nothing changed: nothing to write */
	/* Old and new entries are both in the maps for a moment. */
	if (cm->n_ents + new_entry_keys(cm, &w) > cm->allowed_max ||
	    cm->n_eps + new_addrs(cm, &w) > cm->endpoints_max)
		err = -ENOSPC;
	else
		err = write_difference(cm, &w);
	/* Full, or the maps now differ from the kept copy: start afresh. */
	if (err)
		err = grow(cm, inv, &w);
	if (err)
		goto cleanup;
	copy_free(cm);
	cm->ents = w.ents;
	cm->n_ents = w.n_ents;
	cm->eps = w.eps;
	cm->n_eps = w.n_eps;
	return 0;
cleanup:
	copy_free(&w);
	return err;
}

void config_maps_free(struct config_maps *cm)
{
	if (cm->owned) {
		close(cm->allowed_fd);
		close(cm->endpoints_fd);
	}
	copy_free(cm);
	cm->owned = false;
}
