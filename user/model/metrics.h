/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus metrics of `wgtrace export` (man page, METRICS). Kernel
 * counters are folded into label sets (reason, interface, peer) by delta,
 * so a series never goes backwards: not when a device is deleted and made
 * again under a new ifindex, not when a peer leaves and comes back, not
 * when the LRU map evicts an old key. Labels stay bounded: a peer that is
 * not configured is "unknown".
 */
#ifndef WGT_METRICS_H
#define WGT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/live.h"

#define METRICS_MAX_SERIES 4096
/* A series of a peer no longer configured goes after this long (default). */
#define METRICS_PEER_EXPIRE_S 300

/*
 * The peer label, the one label whose cardinality grows with the gateway:
 * all peers (a series per peer and verdict, and a wgtrace_peer_info per
 * peer), only the peers named in --peer-names (the rest fold into peer=""),
 * or none (totals per interface, no wgtrace_peer_info).
 */
enum metrics_peer_labels {
	METRICS_PEERS_ALL,
	METRICS_PEERS_NAMED,
	METRICS_PEERS_NONE,
};

struct metric_series {
	const char *family;	     /* static: "wgtrace_drops_total" */
	char l1[48], l2[24], l3[64]; /* label values, meaning per family */
	uint64_t value;
	uint64_t gone_since; /* its peer went away (monotonic s), 0 */
};

struct metrics {
	struct metric_series *s;
	size_t n;
	uint64_t dropped; /* series refused past the bound */
	/* per live entry: packets already folded in */
	uint64_t *folded;
	size_t n_folded;
	uint64_t route_changes;		    /* live changes folded so far */
	char ifname_cache[64][IF_NAMESIZE]; /* last name per ifindex < 64 */
	enum metrics_peer_labels peer_labels;
	unsigned int peer_expire_s; /* 0: METRICS_PEER_EXPIRE_S */
	/* The configured peers' keys, sorted: label and expiry look-ups. */
	uint8_t (*keys)[WG_KEY_LEN_RAW];
	size_t n_keys, cap_keys;
};

int metrics_init(struct metrics *m);
void metrics_free(struct metrics *m);
/* Fold what the kernel counted since the last call into the series. */
void metrics_update(struct metrics *m, struct live *l);
/* "all", "named" or "none"; false for anything else. */
bool metrics_parse_peer_labels(const char *s, enum metrics_peer_labels *out);

enum metrics_format {
	METRICS_PROMETHEUS,  /* text/plain; version=0.0.4 */
	METRICS_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

/* Render every family with HELP and TYPE; a malloc'd string or NULL. */
char *metrics_render(const struct metrics *m, const struct live *l,
		     enum metrics_format fmt, double start_time);

/* Escape a label value (backslash, quote, newline) into buf. */
const char *metrics_escape(const char *in, char *buf, size_t len);

#endif /* WGT_METRICS_H */
