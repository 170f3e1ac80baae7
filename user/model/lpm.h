/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AllowedIPs -> peer, decided the way WireGuard's own allowedips table does:
 * longest prefix match, one table per family. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is IPv6 here as it is in the kernel, so it never matches
 * an IPv4 prefix.
 *
 * The kernel holds each prefix on one peer only (adding it to another peer
 * moves it). An inventory read from a config file can name a prefix on two
 * peers; then the later peer in device order wins, as `wg setconf` applying
 * that file would leave it, and the overlap report names both.
 *
 * Peers are indices into wg_device_info.peers. The table keeps no pointer
 * into the device, so it may outlive it.
 */
#ifndef WGT_LPM_H
#define WGT_LPM_H

#include <stdbool.h>
#include <stddef.h>

#include "model/addr.h"
#include "config/inventory.h"

/* Far above any real gateway; keeps a bad inventory from eating memory. */
#define LPM_MAX_PREFIXES (1u << 20)
/*
 * The most matches one address can have when no prefix is on two peers:
 * one per prefix length, /0 to /128.
 */
#define LPM_MAX_DEPTH 129

struct lpm;

struct lpm_match {
	size_t peer;	       /* index into wg_device_info.peers */
	struct wgt_prefix pfx; /* host bits cleared */
};

/* An empty table; NULL when out of memory. */
struct lpm *lpm_new(void);
/*
 * Claim pfx for peer. Host bits are ignored (WireGuard masks them too).
 * The same prefix again for another peer: that peer now wins it; the
 * earlier claim is kept for lpm_matches() and the overlap report.
 * -EINVAL for a bad family or length, -E2BIG past LPM_MAX_PREFIXES,
 * -ENOMEM.
 */
int lpm_insert(struct lpm *lpm, const struct wgt_prefix *pfx, size_t peer);
/* Every peer's AllowedIPs of one device; *out is NULL on failure. */
int lpm_build(const struct wg_device_info *dev, struct lpm **out);
void lpm_free(struct lpm *lpm);
/* Number of (peer, prefix) claims held, duplicates on one peer counted once. */
size_t lpm_count(const struct lpm *lpm);

/* The peer WireGuard sends a packet for a to; false if no prefix holds a. */
bool lpm_lookup(const struct lpm *lpm, const struct wgt_addr *a,
		struct lpm_match *m);
/*
 * Would WireGuard accept inner source src from peer? It does when the
 * lookup of src picks that very peer (a less specific prefix on the peer
 * does not help when another peer holds a longer one).
 */
bool lpm_peer_allows(const struct lpm *lpm, size_t peer,
		     const struct wgt_addr *src);
/*
 * Every claim whose prefix contains a, longest prefix first; for one prefix
 * on several peers, the winner first. out[0] is what lpm_lookup() returns;
 * the others are the shadowed claims (one peer may appear more than once).
 * Stores at most max and returns how many there are: at most LPM_MAX_DEPTH
 * unless prefixes are claimed by several peers.
 */
size_t lpm_matches(const struct lpm *lpm, const struct wgt_addr *a,
		   struct lpm_match *out, size_t max);

enum lpm_overlap_kind {
	LPM_OVERLAP_IDENTICAL, /* one prefix on two peers: an error */
	LPM_OVERLAP_NESTED, /* one peer's prefix inside another's: a warning */
};

/*
 * Two peers claiming the same addresses. The winner gets every address in
 * winner.pfx. IDENTICAL: shadowed.pfx equals winner.pfx and the shadowed
 * peer gets none of it. NESTED: shadowed.pfx is shorter; the shadowed peer
 * keeps only its addresses outside winner.pfx (and outside other longer
 * prefixes, each reported as its own pair).
 */
struct lpm_overlap {
	enum lpm_overlap_kind kind;
	struct lpm_match winner;
	struct lpm_match shadowed;
};

/*
 * Report each overlapping pair once, in claim order (peer by peer, each
 * peer's AllowedIPs in order): for a claim that lost its prefix, the
 * IDENTICAL pair with the winner; for a claim that holds its prefix, a
 * NESTED pair with the winner of every shorter prefix containing it on
 * another peer, nearest first. Prefixes nested on one peer are not
 * reported (harmless), nor shorter claims that lost their prefix anyway.
 * Stops when fn returns non-zero and returns that value; 0 otherwise.
 * Uses no memory, so the report of a pathological table stays bounded.
 */
typedef int (*lpm_overlap_fn)(const struct lpm_overlap *ov, void *ctx);
int lpm_for_each_overlap(const struct lpm *lpm, lpm_overlap_fn fn, void *ctx);
/* The same into an array: stores at most max, returns how many there are. */
size_t lpm_overlaps(const struct lpm *lpm, struct lpm_overlap *out, size_t max);

#endif /* WGT_LPM_H */
