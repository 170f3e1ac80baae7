/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live state of a running watch/export: the kernel's counters read each
 * interval, the latest example flow of each, route changes seen on
 * rtnetlink, and handshake ages. Turned into findings by live_findings().
 */
#ifndef WGT_LIVE_H
#define WGT_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "model/finding.h"
#include "model/intent.h"
#include "config/inventory.h"
#include "attach/ksym.h"
#include "attach/loader.h"

#define LIVE_MAX_ENTRIES 4096
#define LIVE_RESERVED 512     /* entries per-peer decisions may not take */
#define LIVE_INDEX_SLOTS 8192 /* power of two, > LIVE_MAX_ENTRIES */
#define LIVE_MAX_ROUTES 256
#define LIVE_MAX_CHANGES 32
#define STALE_HANDSHAKE_S 180 /* WireGuard's REJECT_AFTER_TIME */
#define LIVE_MAX_NAMES 64     /* devices remembered after deletion */

struct record;

struct live_entry {
	struct wgt_count_key key;
	uint64_t packets, bytes; /* since wgtrace attached, less stale */
	/*
	 * no_peer in tc mode is judged in the kernel against wgtrace's copy
	 * of the AllowedIPs: packets counted while that copy lagged behind
	 * the configuration (a peer just added with `wg set`) are "stale",
	 * not reported. raw is the kernel's count, verified what has been
	 * checked against a freshly read configuration.
	 */
	uint64_t raw, stale, verified;
	uint64_t prev_packets; /* at the previous interval */
	double rate;	       /* packets per second, last interval */
	bool has_sample;
	struct wgt_event sample; /* the latest example flow */
};

/* A destination whose egress is watched for route_changed. */
struct live_route {
	struct wgt_addr dst;
	int oif;
	int err;
};

struct live_change {
	struct wgt_addr dst;
	int old_oif, new_oif;
	int old_err, new_err;
	time_t when;
};

struct live_peer_tx {
	int ifindex;
	uint8_t key[WGT_KEY_LEN];
	uint64_t tx_bytes;
};

struct live {
	struct loader *ld;
	struct inventory *inv;	     /* refreshed by live_refresh */
	const struct intent *intent; /* names; may be NULL */
	const char *only_dev;	     /* -i, may be NULL */
	struct ksym_cache *ksym;
	struct live_entry *e;
	size_t n;
	uint32_t *index;	  /* LIVE_INDEX_SLOTS: entry number + 1 */
	uint64_t entries_dropped; /* more keys than LIVE_MAX_ENTRIES */
	uint64_t last_ns;
	struct live_route routes[LIVE_MAX_ROUTES];
	size_t n_routes;
	struct live_change changes[LIVE_MAX_CHANGES];
	size_t n_changes;
	/*
	 * Facts counted by the kernel's own protocol counters (inventory
	 * mode): their values when wgtrace attached, per verdict.
	 */
	bool snmp_rpf, snmp_mtu;
	uint64_t base_rpf, base_mtu;
	/* Last known name per ifindex: a finding about a device deleted
	 * since still names it, as "wg0 (deleted)". Oldest replaced first. */
	struct {
		int ifindex;
		char name[IF_NAMESIZE];
	} names[LIVE_MAX_NAMES];
	size_t next_name;
	/* A no_peer sample arrived (tc mode): reread that device soon. */
	int recheck_ifindex;
	uint64_t recheck_ns; /* last reread, for the rate limit */
	/* Rereads that changed the inventory and the maps in place: the
	 * configuration a caller last handed to the maps is not theirs. */
	uint64_t rereads_taken;
	/* tx bytes per peer at the previous refresh, for stale_handshake:
	 * sorted by device and key (wireguard-go lists peers in another
	 * order at each dump, so a position names no peer). */
	struct live_peer_tx *prev_tx;
	size_t n_prev_tx;
	/* --record: every sample is written there too; the first write
	 * error is kept for the loop to report. */
	struct record *rec;
	int rec_err;
	/*
	 * Where a finding's text asks the kernel for a route (the way back
	 * of an rp_filter drop): route_get() when NULL; `report` answers
	 * from the record instead, the gateway being elsewhere.
	 */
	int (*route_get)(void *ctx, const struct route_query *q,
			 struct route_answer *a);
	void *route_ctx;
	/* The time handshake ages are taken at: 0 is now; `report` sets the
	 * time of the record's last snapshot in the window. */
	time_t now;
};

/* The entries and their index, where not there yet: 0 or -ENOMEM. */
int live_alloc(struct live *l);
/* The entry of a kernel counter key, made on first sight; NULL when the
 * table is full for it (counted in entries_dropped). */
struct live_entry *live_entry_for(struct live *l,
				  const struct wgt_count_key *k);
int live_init(struct live *l, struct loader *ld, struct inventory *inv,
	      const struct intent *intent, const char *only_dev);
void live_free(struct live *l);
/* Ring buffer callback: samples become example flows. */
int live_on_event(void *ctx, void *data, size_t len);
/*
 * Read the counters; with routes_changed, re-ask the kernel where watched
 * destinations go and record changes; reload the inventory for handshakes.
 */
int live_refresh(struct live *l, bool routes_changed);
/* Remember the names of the inventory's devices (after each reload). */
void live_remember_names(struct live *l);
/* The device's name, its last known name with " (deleted)", or "ifindex N". */
const char *live_ifname(const struct live *l, int ifindex, char *buf,
			size_t len);
/*
 * Where wgtrace's own copy of the AllowedIPs decides no_peer (tc mode,
 * userspace WireGuard), WireGuard gives no notification of peer changes:
 * reread the device a no_peer sample came from (at most once a second),
 * and bring the kernel's copy up to date if it changed. Call after
 * polling events; live_refresh does the same for counts that grew.
 */
void live_recheck(struct live *l);
/* Findings now (worst first); other kernel drops are not findings. */
int live_findings(struct live *l, struct finding_list *out);
/*
 * Resolve the kernel drop locations of the entries, so ksym_lookup names
 * them: at most LIVE_KSYM_BATCH of them, the ones seen first.
 */
#define LIVE_KSYM_BATCH 32
void live_resolve_locations(struct live *l);

/* A kernel drop counter that stands for no_forward (ip_error, forwarding off).
 */
bool live_is_no_forward(struct live *l, const struct wgt_count_key *key);
/* A kernel drop at this call site was caused by wgtrace itself. */
/*
 * Every peer's tx bytes in inv, sorted by device and key, as stale_handshake
 * keeps them between two reports (n set); NULL on ENOMEM. The caller frees.
 */
struct live_peer_tx *live_peer_tx_of(const struct inventory *inv, size_t *n);
bool live_own_drop(struct live *l, uint64_t location);

/* Facts a verdict needs and whether this run can observe them. */
const char *live_unobservable(const struct live *l, const char *verdict_id);

#endif /* WGT_LIVE_H */
