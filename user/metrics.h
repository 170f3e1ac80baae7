/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus metrics of `wgtrace export` (DESIGN.md section 5). Kernel
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

#include "live.h"

#define METRICS_MAX_SERIES	4096

struct metric_series {
	const char *family;		/* static: "wgtrace_drops_total" */
	char l1[48], l2[24], l3[64];	/* label values, meaning per family */
	uint64_t value;
};

struct metrics {
	struct metric_series *s;
	size_t n;
	uint64_t dropped;		/* series refused past the bound */
	/* per live entry: packets already folded in */
	uint64_t *folded;
	size_t n_folded;
	uint64_t route_changes;		/* live changes folded so far */
	char ifname_cache[64][IF_NAMESIZE];	/* last name per ifindex < 64 */
};

int metrics_init(struct metrics *m);
void metrics_free(struct metrics *m);
/* Fold what the kernel counted since the last call into the series. */
void metrics_update(struct metrics *m, struct live *l);

enum metrics_format {
	METRICS_PROMETHEUS,	/* text/plain; version=0.0.4 */
	METRICS_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 */
};

/* Render every family with HELP and TYPE; a malloc'd string or NULL. */
char *metrics_render(const struct metrics *m, const struct live *l,
		     enum metrics_format fmt, double start_time);

/* Escape a label value (backslash, quote, newline) into buf. */
const char *metrics_escape(const char *in, char *buf, size_t len);

#endif /* WGT_METRICS_H */
