/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loads bpf/wgtrace.bpf.c with only the programs this kernel allows, attaches
 * them (tc on the given devices too), and removes everything on close, also
 * tc filters a killed earlier run left behind.
 */
#ifndef WGT_LOADER_H
#define WGT_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#include "model/addr.h"
#include "attach/hooks.h"
#include "config/inventory.h"
#include "attach/tc_attach.h"
#include "attach/config_maps.h"
#include "wgtrace.h"

#define LOADER_MAX_TC 16
#define LOADER_MAX_PCAP_TC 4
_Static_assert(TC_SET_MAX >= LOADER_MAX_TC * 2,
	       "egress and ingress per device");
#define LOADER_MAX_BYPASS 256 /* devices watched for route_bypass by tcx */

/* Facts a job wants observed (enum wgt_fact, hooks.h); a mode for each. */
#define LF_BIT(f) (1u << (f))
#define LF_TRACE_SET                                                           \
	(LF_BIT(LF_FIB4) | LF_BIT(LF_FIB6) | LF_BIT(LF_RULE) |                 \
	 LF_BIT(LF_WG_TX_PEER) | LF_BIT(LF_WG_RX_SRC) | LF_BIT(LF_OUTER) |     \
	 LF_BIT(LF_DROPS) | LF_BIT(LF_ICMP) | LF_BIT(LF_LOOKUP_CTX))
/* wg_xmit_error only where the TX peer hook cannot tell no endpoint. */
#define LF_COUNT_SET                                                           \
	(LF_BIT(LF_WG_TX_PEER) | LF_BIT(LF_WG_RX_SRC) | LF_BIT(LF_WG_XMIT) |   \
	 LF_BIT(LF_RPF) | LF_BIT(LF_MTU) | LF_BIT(LF_OUTER_FRAG) |             \
	 LF_BIT(LF_DROPS) | LF_BIT(LF_BYPASS))
#define LF_ALL_SET (LF_BIT(LF__COUNT) - 1)
/* Bounds the plan's retries: each one refuses at least one candidate. */
#define LOADER_MAX_ATTEMPTS 16
#define LOADER_MAX_LINKS 32

struct loader_opts {
	uint32_t want;		       /* LF_BIT()s of the facts to observe */
	bool trace;		       /* events for the trace filter */
	bool counters;		       /* verdict counters and samples */
	uint32_t netns_ino;	       /* only this namespace (0: all) */
	int wg_ifindex[LOADER_MAX_TC]; /* WireGuard devices, for tc fallback */
	int n_wg;
	/* AllowedIPs and endpoints for BPF-side LPM (counters), filled in
	 * before anything is attached so no packet is judged without them. */
	const struct inventory *inv;
	/* trace --pcap: bytes of each traced packet (0: none), and the
	 * uplinks whose tc shows the outer packets whole. */
	uint32_t pcap_snaplen;
	int pcap_ifindex[LOADER_MAX_PCAP_TC];
	int n_pcap;
	/* `probe`: every fact by its own candidates, tracing programs
	 * attached and detached at once, nothing attached by tc. */
	bool probe_only;
};

struct loader {
	struct wgtrace_bpf *skel;
	struct hook_env env;
	/* Per fact: the mode used and the hook, for reports ("modes"). */
	enum wgt_mode mode[LF__COUNT];
	char hook[LF__COUNT][96];
	int chosen[LF__COUNT]; /* candidate of hook_facts[f], -1: none */
	/* Per candidate: the attach test (cached), and whether wgtrace's
	 * own program for it was refused on load or attach, and why. */
	struct hook_result tried[LF__COUNT][HOOK_MAX_CANDIDATES];
	bool tested[LF__COUNT][HOOK_MAX_CANDIDATES];
	bool refused[LF__COUNT][HOOK_MAX_CANDIDATES];
	char refused_why[LF__COUNT][HOOK_MAX_CANDIDATES][160];
	struct bpf_link *links[LOADER_MAX_LINKS];
	int n_links;
	struct tc_set tc; /* tc on WireGuard devices (tc_attach.h) */
	/* route_bypass in tc mode: one tcx egress link per device. */
	struct {
		int ifindex;
		int link_fd;
	} bypass[LOADER_MAX_BYPASS];
	int n_bypass;
	bool bypass_full; /* warned: devices past LOADER_MAX_BYPASS */
	struct ring_buffer *rb;
	uint32_t want;		/* LF_BIT()s asked for */
	struct config_maps cfg; /* BPF's AllowedIPs and endpoints */
};

int loader_start(struct loader *ld, const struct loader_opts *opts,
		 ring_buffer_sample_fn on_event, void *ctx);
int loader_trace_addr(struct loader *ld, const struct wgt_addr *a,
		      uint32_t role);

/* Sum of one counter key over all CPUs. */
typedef void (*loader_count_fn)(const struct wgt_count_key *k,
				const struct wgt_count_val *v, void *ctx);
int loader_read_counts(struct loader *ld, loader_count_fn fn, void *ctx);
/*
 * Follow the inventory while running: AllowedIPs and endpoints added or
 * removed, WireGuard devices created (tc attached) or deleted.
 */
int loader_sync(struct loader *ld, const struct inventory *inv);
/* Wait up to timeout_ms for events; 0 or -errno (-EINTR on a signal). */
int loader_poll(struct loader *ld, int timeout_ms);
/* The same, also waking when other_fd is readable (rtnetlink, say). */
int loader_poll_with(struct loader *ld, int other_fd, int timeout_ms);
/* A WGT_STAT_* counter summed over CPUs; 0 before the programs are loaded. */
uint64_t loader_stat(struct loader *ld, enum wgt_stat which);
/* Detach every program and tc filter, keep the maps and ring to read them. */
void loader_detach(struct loader *ld);
void loader_stop(struct loader *ld);

/*
 * What `probe` shows: the plan every job would make (opts->probe_only),
 * kept in ld until loader_stop(); and one candidate's outcome on this
 * kernel, its attach test and wgtrace's own program for it together.
 */
int loader_plan(struct loader *ld, const struct loader_opts *opts);
void loader_candidate_result(struct loader *ld, enum wgt_fact f, int i,
			     struct hook_result *res);

const char *loader_fact_name(enum wgt_fact f);
/* Did this job ask for the fact at all (else its mode means nothing)? */
bool loader_fact_used(const struct loader *ld, enum wgt_fact f);
/* This process's network namespace inode, for cfg_netns. */
uint32_t current_netns_ino(void);

#endif /* WGT_LOADER_H */
