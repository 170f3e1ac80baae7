/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF's copy of the configuration: the AllowedIPs trie and the peer
 * endpoints, kept in step with the inventory by writing only what changed,
 * and grown (larger maps swapped into the programs' one-slot arrays of maps)
 * when the configuration outgrows them.
 */
#ifndef WGT_CONFIG_MAPS_H
#define WGT_CONFIG_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgtrace.h"
#include "config/inventory.h"

/* AllowedIPs prefixes the BPF trie follows at most (man page). */
#define CONFIG_MAX_PREFIXES 1000000

/* A trie entry as BPF reads it: compared whole. */
struct config_entry {
	struct wgt_lpm_key key;
	struct wgt_lpm_val val;
};

struct config_size {
	size_t peers;
	size_t prefixes;
	uint32_t allowed;   /* max_entries of the AllowedIPs trie */
	uint32_t endpoints; /* max_entries of the endpoint set */
};

struct config_maps {
	int allowed_slot_fd; /* the programs' arrays of maps */
	int endpoints_slot_fd;
	int allowed_fd; /* the maps in their slots now */
	int endpoints_fd;
	uint32_t allowed_max; /* their max_entries */
	uint32_t endpoints_max;
	bool owned; /* grown: the maps are ours to close */
	/* What the maps hold, sorted: the next sync writes the difference. */
	struct config_entry *ents;
	size_t n_ents;
	struct wgt_addr_key *eps;
	size_t n_eps;
};

/* What the inventory needs, with room to grow; -E2BIG past the limit. */
int config_size(const struct inventory *inv, struct config_size *sz);
/* Start with the skeleton's maps (empty, in their slots); cm is zeroed
 * or was initialised before. */
void config_maps_init(struct config_maps *cm, int allowed_slot_fd,
		      int endpoints_slot_fd, int allowed_fd, int endpoints_fd,
		      uint32_t allowed_max, uint32_t endpoints_max);
/* Bring the maps to the inventory: what is new first, then what is gone. */
int config_maps_sync(struct config_maps *cm, const struct inventory *inv);
void config_maps_free(struct config_maps *cm);

#endif /* WGT_CONFIG_MAPS_H */
