/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `wgtrace trace`: what was expected (the kernel's route query and the peers'
 * AllowedIPs, before anything is attached) and what the kernel did with real
 * packets (events), for one destination address.
 */
#ifndef WGT_TRACE_H
#define WGT_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/addr.h"
#include "model/finding.h"
#include "config/inventory.h"
#include "attach/loader.h"
#include "model/path.h"
#include "model/trace_result.h"

/* The path the configuration predicts, from route queries and LPM. */
struct trace_expect {
	struct route_answer route;
	bool to_wg;
	bool has_peer;
	size_t peer; /* index into wg->peers */
	struct wgt_prefix peer_prefix;
	size_t n_shadowed;
	size_t shadowed[TRACE_MAX_SHADOWED];
	struct wgt_prefix shadowed_prefix[TRACE_MAX_SHADOWED];
	const struct wg_device_info *wg;
	bool has_outer;
	struct route_answer outer; /* the endpoint, with the device fwmark */
	/* Inside a peer's AllowedIPs on some WireGuard device, routed or not.
	 */
	const struct wg_device_info *owner_wg;
	size_t owner_peer;
	bool v4_default_in_tunnel; /* for v6_leak */
	uint8_t owner_len;	   /* the owner's prefix length */
};

struct trace_target {
	struct wgt_addr dst;
	struct trace_expect exp;
};

struct trace_opts {
	struct wgt_addr src; /* family 0: any */
	uint8_t proto;
	uint16_t port;
	uint32_t mark;
	bool send;
	unsigned int count;
	unsigned int timeout_s;
	bool json;
	const char *netns;
	/* Replies to --send probes are freed as NO_SOCKET: this value, or ~0.
	 */
	uint32_t no_socket_reason;
	const char *pcap; /* --pcap FILE, or NULL */
	uint32_t snaplen; /* --snaplen, 0: headers + 128 bytes */
};

/* Build the expectation for one destination (no BPF attached yet). */
void trace_expect(const struct inventory *inv, const struct trace_opts *o,
		  const struct wgt_addr *dst, struct trace_expect *exp);

/* Everything seen for a target, reduced from the events. */
struct trace_seen {
	size_t n_forward;	 /* routing decisions toward dst */
	size_t n_reply;		 /* routing decisions for replies */
	struct fib_decision fwd; /* the first one */
	struct fib_decision rep;
	bool rule_seen; /* fexit fib_rules_lookup saw it */
	struct wgt_event rule;
	bool tx_peer_seen; /* fexit lookup_dst or tc egress */
	struct wgt_event tx_peer;
	bool outer_seen; /* a routing decision for the endpoint */
	struct fib_decision outer;
	bool outer_send_seen; /* fentry wg_socket_send_skb_to_peer */
	struct wgt_event outer_send;
	bool rx_seen;
	struct wgt_event rx;
	size_t n_rx_rejected;
	size_t n_drops;
	struct wgt_event drop; /* the first */
	size_t n_icmp;
	struct wgt_event icmp;
	int64_t rtt_us;	       /* -1: none */
	size_t n_replies_icmp; /* --send ICMP echo replies */
};

/* own_flags: the kernel marked its own lookups (path_group_fib()). */
void trace_reduce(const struct wgt_event *ev, size_t n, bool v4_custom_rules,
		  bool own_flags, const struct inventory *inv,
		  const struct trace_target *t, const struct trace_opts *o,
		  struct trace_seen *seen);

/*
 * The result for one target (model/trace_result.h): what was seen, decided
 * once, findings included; 0 or -errno. ld is only read for the modes it
 * chose: it may be stopped already. trace_result_free() releases it.
 */
int trace_result_build(const struct inventory *inv, const struct loader *ld,
		       const struct trace_opts *o, const struct trace_target *t,
		       const struct trace_seen *seen, uint64_t events,
		       uint64_t events_lost, uint64_t events_not_kept,
		       const struct drop_reasons *reasons,
		       struct trace_result *r);
void trace_result_free(struct trace_result *r);

/* The result as text for people (user/cli/trace_text.c). */
void trace_text_print(const struct trace_result *r);
/* The result as JSON Lines: "step", "finding", "summary" objects
 * (user/cli/trace_json.c); 0 or -ENOMEM. */
int trace_json_emit(const struct trace_result *r);

/* --pcap (user/cli/trace_pcap.c): the traced packets as one pcapng file. */
struct trace_pcap;
#define TRACE_SNAPLEN_MIN 20 /* an IPv4 header */
uint32_t trace_pcap_kernel_snaplen(uint32_t snaplen);
/* Bytes of k to write by default: its IP and transport headers + 128. */
uint32_t trace_pcap_default_caplen(const struct wgt_pkt *k);
int trace_pcap_open(struct trace_pcap **out, const char *path, uint32_t snaplen,
		    const struct inventory *inv,
		    const struct drop_reasons *reasons,
		    uint32_t own_reply_reason);
/* Every event, before its packet record: names the hook and the table. */
void trace_pcap_event(struct trace_pcap *p, const struct wgt_event *e);
void trace_pcap_packet(struct trace_pcap *p, const struct wgt_pkt *k);
/* Close the file and say how many packets it holds; 0 or -errno. */
int trace_pcap_close(struct trace_pcap *p, const char *path);

#endif /* WGT_TRACE_H */
