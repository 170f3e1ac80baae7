// SPDX-License-Identifier: GPL-2.0
/*
 * A digest of the configuration part of an inventory: what watch and export
 * hand to the kernel's maps and to a --record. At 20,000 peers rewriting
 * those costs more than reading the configuration; with the digest a reread
 * that changed nothing but counters and handshakes skips them.
 */
#include <string.h>
#include <sys/socket.h>

#include "config/inventory.h"

/* FNV-1a, 64 bits: a changed field changes the digest, no more is asked. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t mix(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

#define MIX(h, field) ((h) = mix((h), &(field), sizeof(field)))

/*
 * Field by field, and of an address only the bytes of its family: padding
 * and the unused tail are not guaranteed to be zero.
 */
static uint64_t mix_addr(uint64_t h, const struct wgt_addr *a)
{
	MIX(h, a->family);
	return mix(h, a->b, a->family == AF_INET6 ? 16 : 4);
}

/* A name up to its NUL: the bytes after it are whatever was there. */
static uint64_t mix_name(uint64_t h, const char *s, size_t size)
{
	return mix(h, s, strnlen(s, size) + 1);
}

#define MIX_NAME(h, field) ((h) = mix_name((h), (field), sizeof(field)))

static uint64_t mix_prefix(uint64_t h, const struct wgt_prefix *p)
{
	h = mix_addr(h, &p->addr);
	return MIX(h, p->len);
}

/* Not the link counters: they change every second. */
static uint64_t mix_links(uint64_t h, const struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n_links; i++) {
		const struct inv_link *k = &inv->links[i];

		MIX(h, k->ifindex);
		MIX_NAME(h, k->name);
		MIX_NAME(h, k->kind);
		MIX(h, k->mtu);
		MIX(h, k->up);
		MIX(h, k->forwarding4);
		MIX(h, k->forwarding6);
		MIX(h, k->rp_filter);
		MIX(h, k->src_valid_mark);
	}
	for (i = 0; i < inv->n_addrs; i++) {
		MIX(h, inv->addrs[i].ifindex);
		h = mix_prefix(h, &inv->addrs[i].pfx);
		h = mix_addr(h, &inv->addrs[i].local);
	}
	return h;
}

static uint64_t mix_routes(uint64_t h, const struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n_routes; i++) {
		const struct inv_route *r = &inv->routes[i];

		MIX(h, r->family);
		MIX(h, r->type);
		MIX(h, r->protocol);
		MIX(h, r->scope);
		MIX(h, r->table);
		h = mix_prefix(h, &r->dst);
		h = mix_addr(h, &r->gateway);
		h = mix_addr(h, &r->prefsrc);
		MIX(h, r->oif);
		MIX(h, r->metric);
	}
	for (i = 0; i < inv->n_rules; i++) {
		const struct inv_rule *r = &inv->rules[i];

		MIX(h, r->family);
		MIX(h, r->action);
		MIX(h, r->invert);
		MIX(h, r->has_fwmark);
		MIX(h, r->priority);
		MIX(h, r->table);
		MIX(h, r->fwmark);
		MIX(h, r->fwmask);
		MIX(h, r->suppress_prefixlen);
		h = mix_prefix(h, &r->src);
		h = mix_prefix(h, &r->dst);
		MIX_NAME(h, r->iif);
		MIX_NAME(h, r->oif);
		MIX(h, r->ip_proto);
		MIX(h, r->sport_min);
		MIX(h, r->sport_max);
		MIX(h, r->dport_min);
		MIX(h, r->dport_max);
	}
	return h;
}

/*
 * Spread a hash over all 64 bits (splitmix64's finalizer), so that a sum
 * of them still tells sets apart.
 */
static uint64_t spread(uint64_t h)
{
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/*
 * Not the byte counts and handshake times: they change every second. The
 * AllowedIPs as a set: their order is the implementation's.
 */
static uint64_t peer_digest(const struct wg_peer_info *p)
{
	uint64_t h = FNV_OFFSET, set = 0;
	size_t i;

	MIX(h, p->pubkey);
	MIX(h, p->has_endpoint);
	if (p->has_endpoint) {
		h = mix_addr(h, &p->endpoint);
		MIX(h, p->endpoint_port);
	}
	MIX(h, p->keepalive);
	MIX(h, p->n_allowed);
	for (i = 0; i < p->n_allowed; i++)
		set += spread(mix_prefix(FNV_OFFSET, &p->allowed[i]));
	return spread(MIX(h, set));
}

/*
 * The peers as a set too: wireguard-go lists them from a Go map, in
 * another order at every dump. BPF's copy is keyed by public key, so the
 * order changes nothing there.
 */
static uint64_t mix_wg(uint64_t h, const struct inventory *inv)
{
	size_t i, j;

	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *d = &inv->wg[i];
		uint64_t peers = 0;

		MIX_NAME(h, d->name);
		MIX(h, d->ifindex);
		MIX(h, d->impl);
		MIX(h, d->fwmark);
		MIX(h, d->listen_port);
		MIX(h, d->pubkey);
		MIX(h, d->n_peers);
		for (j = 0; j < d->n_peers; j++)
			peers += peer_digest(&d->peers[j]);
		MIX(h, peers);
	}
	return h;
}

uint64_t inventory_config_digest(const struct inventory *inv)
{
	uint64_t h = FNV_OFFSET;

	MIX(h, inv->ip_forward);
	MIX(h, inv->ip6_forward);
	/* The counts too: an entry moved between lists is a change. */
	MIX(h, inv->n_links);
	MIX(h, inv->n_addrs);
	MIX(h, inv->n_routes);
	MIX(h, inv->n_rules);
	MIX(h, inv->n_wg);
	h = mix_links(h, inv);
	h = mix_routes(h, inv);
	return mix_wg(h, inv);
}
