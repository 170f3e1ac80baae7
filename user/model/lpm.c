// SPDX-License-Identifier: GPL-2.0
/*
 * A path-compressed binary trie per family, like the kernel's allowedips.c:
 * a node per prefix plus at most one branching node per prefix, so memory
 * is bounded by 2 * prefixes whatever their lengths. Every walk is a loop
 * down one path whose prefix lengths strictly grow, so no recursion and at
 * most LPM_MAX_DEPTH steps even with /128s.
 *
 * Nodes and claims live in two arrays addressed by index: growing them
 * never invalidates a link, and freeing is two free() calls.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/lpm.h"

#define NONE UINT32_MAX

struct lpm_node {
	uint8_t key[16]; /* the prefix, bits beyond len zero */
	uint8_t len;
	uint8_t pad[3];
	uint32_t child[2]; /* by the bit at position len */
	uint32_t head;	   /* winning claim on exactly this prefix, or NONE */
};

/* One peer's claim on one prefix. */
struct lpm_claim {
	struct wgt_prefix pfx;
	uint32_t peer;
	uint32_t node;
	uint32_t next; /* an earlier claim on the same prefix, or NONE */
};

struct lpm {
	struct lpm_node *nodes;
	uint32_t n_nodes, cap_nodes;
	struct lpm_claim *claims; /* in insertion order */
	uint32_t n_claims, cap_claims;
	uint32_t root[2]; /* IPv4, IPv6 */
};

static int family_slot(uint8_t family)
{
	if (family == AF_INET)
		return 0;
	if (family == AF_INET6)
		return 1;
	return -1;
}

/* Bit i of a big-endian key, 0 being the most significant. */
static unsigned int key_bit(const uint8_t *key, unsigned int i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1;
}

/* How many leading bits a and b share, at most max. */
static unsigned int common_bits(const uint8_t *a, const uint8_t *b,
				unsigned int max)
{
	unsigned int i, n = 0;
	uint8_t x;

	for (i = 0; n < max; i++) {
		x = a[i] ^ b[i];
		if (x) {
			n += __builtin_clz(x) - 24;
			break;
		}
		n += 8;
	}
	return n < max ? n : max;
}

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, (size_t)n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

/* Room for what one insert can add, so links stay valid during it. */
static int reserve(struct lpm *l)
{
	int err;

	err = grow((void **)&l->nodes, &l->cap_nodes, l->n_nodes + 2,
		   sizeof(*l->nodes));
	if (err)
		return err;
	return grow((void **)&l->claims, &l->cap_claims, l->n_claims + 1,
		    sizeof(*l->claims));
}

static uint32_t node_new(struct lpm *l, const uint8_t *key, unsigned int len)
{
	struct lpm_node *n = &l->nodes[l->n_nodes];
	unsigned int full = len / 8, rest = len % 8;

	memset(n, 0, sizeof(*n));
	memcpy(n->key, key, full);
	if (rest)
		n->key[full] = key[full] & (uint8_t)(0xff << (8 - rest));
	n->len = len;
	n->child[0] = n->child[1] = n->head = NONE;
	return l->n_nodes++;
}

/* Make peer the winner of node's prefix, reusing its earlier claim if any. */
static void claim(struct lpm *l, uint32_t ni, const struct wgt_prefix *p,
		  uint32_t peer)
{
	struct lpm_node *n = &l->nodes[ni];
	uint32_t *link, ci;

	for (link = &n->head; *link != NONE; link = &l->claims[*link].next) {
		ci = *link;
		if (l->claims[ci].peer != peer)
			continue;
		*link = l->claims[ci].next;
		l->claims[ci].next = n->head;
		n->head = ci;
		return;
	}
	ci = l->n_claims++;
	l->claims[ci] = (struct lpm_claim){
	    .pfx = *p,
	    .peer = peer,
	    .node = ni,
	    .next = n->head,
	};
	n->head = ci;
}

struct lpm *lpm_new(void)
{
	struct lpm *l = calloc(1, sizeof(*l));

	if (l)
		l->root[0] = l->root[1] = NONE;
	return l;
}

void lpm_free(struct lpm *lpm)
{
	if (!lpm)
		return;
	free(lpm->nodes);
	free(lpm->claims);
	free(lpm);
}

size_t lpm_count(const struct lpm *lpm)
{
	return lpm->n_claims;
}

int lpm_insert(struct lpm *lpm, const struct wgt_prefix *pfx, size_t peer)
{
	struct wgt_prefix p = *pfx;
	int slot = family_slot(p.addr.family);
	unsigned int common;
	uint32_t *link, ni, nn, split;
	struct lpm_node *n;
	int err;

	if (slot < 0 || p.len > addr_bits(p.addr.family) || peer >= NONE)
		return -EINVAL;
	if (lpm->n_claims >= LPM_MAX_PREFIXES)
		return -E2BIG;
	err = reserve(lpm);
	if (err)
		return err;
	prefix_normalize(&p);

	link = &lpm->root[slot];
	while ((ni = *link) != NONE) {
		n = &lpm->nodes[ni];
		if (n->len > p.len ||
		    common_bits(n->key, p.addr.b, n->len) < n->len)
			break;
		if (n->len == p.len) {
			claim(lpm, ni, &p, peer);
			return 0;
		}
		link = &n->child[key_bit(p.addr.b, n->len)];
	}

	if (ni == NONE) {
		nn = node_new(lpm, p.addr.b, p.len);
		*link = nn;
	} else {
		n = &lpm->nodes[ni];
		common = common_bits(n->key, p.addr.b,
				     n->len < p.len ? n->len : p.len);
		nn = node_new(lpm, p.addr.b, p.len);
		if (common == p.len) {
			/* p is a prefix of n: it goes above n. */
			lpm->nodes[nn].child[key_bit(n->key, p.len)] = ni;
			*link = nn;
		} else {
			/* They part at bit `common`: branch there. */
			split = node_new(lpm, p.addr.b, common);
			lpm->nodes[split].child[key_bit(p.addr.b, common)] = nn;
			lpm->nodes[split].child[key_bit(n->key, common)] = ni;
			*link = split;
		}
	}
	claim(lpm, nn, &p, peer);
	return 0;
}

int lpm_build(const struct wg_device_info *dev, struct lpm **out)
{
	struct lpm *l;
	size_t i, j;
	int err = 0;

	*out = NULL;
	l = lpm_new();
	if (!l)
		return -ENOMEM;
	for (i = 0; i < dev->n_peers; i++) {
		for (j = 0; j < dev->peers[i].n_allowed; j++) {
			err = lpm_insert(l, &dev->peers[i].allowed[j], i);
			if (err)
				goto cleanup;
		}
	}
	*out = l;
	l = NULL;
cleanup:
	lpm_free(l);
	return err;
}

/*
 * The nodes holding a claim on the way from the root to key/len, shortest
 * first: every claimed prefix that contains key/len. Prefix lengths grow
 * strictly along a path, so there are at most LPM_MAX_DEPTH.
 */
static size_t claimed_path(const struct lpm *l, uint8_t family,
			   const uint8_t *key, unsigned int len,
			   uint32_t path[LPM_MAX_DEPTH])
{
	int slot = family_slot(family);
	const struct lpm_node *n;
	size_t depth = 0;
	uint32_t ni;

	if (slot < 0)
		return 0;
	for (ni = l->root[slot]; ni != NONE && depth < LPM_MAX_DEPTH;
	     ni = n->child[key_bit(key, n->len)]) {
		n = &l->nodes[ni];
		if (n->len > len || common_bits(n->key, key, n->len) < n->len)
			break;
		if (n->head != NONE)
			path[depth++] = ni;
		if (n->len == len)
			break;
	}
	return depth;
}

static struct lpm_match match_of(const struct lpm *l, uint32_t ci)
{
	return (struct lpm_match){
	    .peer = l->claims[ci].peer,
	    .pfx = l->claims[ci].pfx,
	};
}

bool lpm_lookup(const struct lpm *lpm, const struct wgt_addr *a,
		struct lpm_match *m)
{
	uint32_t path[LPM_MAX_DEPTH];
	size_t depth;

	depth = claimed_path(lpm, a->family, a->b, addr_bits(a->family), path);
	if (!depth)
		return false;
	*m = match_of(lpm, lpm->nodes[path[depth - 1]].head);
	return true;
}

bool lpm_peer_allows(const struct lpm *lpm, size_t peer,
		     const struct wgt_addr *src)
{
	struct lpm_match m;

	return lpm_lookup(lpm, src, &m) && m.peer == peer;
}

size_t lpm_matches(const struct lpm *lpm, const struct wgt_addr *a,
		   struct lpm_match *out, size_t max)
{
	uint32_t path[LPM_MAX_DEPTH], ci;
	size_t depth, n = 0;

	depth = claimed_path(lpm, a->family, a->b, addr_bits(a->family), path);
	while (depth--) {
		for (ci = lpm->nodes[path[depth]].head; ci != NONE;
		     ci = lpm->claims[ci].next) {
			if (n < max)
				out[n] = match_of(lpm, ci);
			n++;
		}
	}
	return n;
}

int lpm_for_each_overlap(const struct lpm *lpm, lpm_overlap_fn fn, void *ctx)
{
	uint32_t path[LPM_MAX_DEPTH], ci, head;
	const struct lpm_claim *c;
	struct lpm_overlap ov;
	size_t depth;
	int ret;

	for (ci = 0; ci < lpm->n_claims; ci++) {
		c = &lpm->claims[ci];
		ov.winner = match_of(lpm, ci);
		head = lpm->nodes[c->node].head;
		if (head != ci) {
			ov.kind = LPM_OVERLAP_IDENTICAL;
			ov.winner = match_of(lpm, head);
			ov.shadowed = match_of(lpm, ci);
			ret = fn(&ov, ctx);
			if (ret)
				return ret;
			continue;
		}
		/* The last node on the path is c's own; the rest contain it. */
		depth = claimed_path(lpm, c->pfx.addr.family, c->pfx.addr.b,
				     c->pfx.len, path);
		if (depth)
			depth--;
		ov.kind = LPM_OVERLAP_NESTED;
		while (depth--) {
			head = lpm->nodes[path[depth]].head;
			if (lpm->claims[head].peer == c->peer)
				continue;
			ov.shadowed = match_of(lpm, head);
			ret = fn(&ov, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

struct overlap_sink {
	struct lpm_overlap *out;
	size_t max, n;
};

static int overlap_collect(const struct lpm_overlap *ov, void *ctx)
{
	struct overlap_sink *s = ctx;

	if (s->n < s->max)
		s->out[s->n] = *ov;
	s->n++;
	return 0;
}

size_t lpm_overlaps(const struct lpm *lpm, struct lpm_overlap *out, size_t max)
{
	struct overlap_sink s = {.out = out, .max = max};

	lpm_for_each_overlap(lpm, overlap_collect, &s);
	return s.n;
}
