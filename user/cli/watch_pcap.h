/* SPDX-License-Identifier: GPL-2.0 */
/* `watch --pcap FILE`: packets of the flows behind findings (watch_pcap.c). */
#ifndef WGT_WATCH_PCAP_H
#define WGT_WATCH_PCAP_H

#include <json-c/json.h>
#include <stdint.h>

#include "model/live.h"

#define WATCH_PCAP_BUDGET_DEF 1000
#define WATCH_PCAP_BUDGET_MAX 1000000

struct watch_pcap;

/* Refuse a FILE that cannot be written, before attaching: -WGT_EUSAGE. */
int watch_pcap_check_path(const char *path);
/*
 * Create FILE (pcapng section header); l gets the events. snaplen: bytes
 * kept per packet, 0 for headers + 128. 0 or -errno.
 */
int watch_pcap_open(struct watch_pcap **out, const char *path, uint64_t budget,
		    uint32_t snaplen, struct live *l);
/* The ring buffer callback in place of live_on_event(), which it calls. */
int watch_pcap_on_event(void *ctx, void *data, size_t len);
/* "pcap_packets" and "pcap_over_budget" for the --json summary. */
void watch_pcap_json(const struct watch_pcap *p, struct json_object *sum);
/* Close FILE and say what it holds and what the budget left out. */
int watch_pcap_close(struct watch_pcap *p, const char *path);

#endif /* WGT_WATCH_PCAP_H */
