/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `trace` found for one destination: the summary, its steps (route,
 * peer, outer packet, reply, drops) and its findings, decided once. The
 * text renderer (user/cli/trace_text.c) and the JSON one (trace_json.c)
 * read this and nothing else, so the two can never tell different stories.
 * Names and addresses are formatted here already, as in struct finding.
 */
#ifndef WGT_TRACE_RESULT_H
#define WGT_TRACE_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "model/addr.h"
#include "model/finding.h"
#include "config/inventory.h"

#define TRACE_DEV_LEN (IF_NAMESIZE + 16) /* "wg0", "ifindex 12", "-" */
#define TRACE_RULE_LEN 160
#define TRACE_ERR_LEN 64
#define TRACE_MAX_PASSED 32
#define TRACE_MAX_SHADOWED 4
#define TRACE_MAX_MODES 16

/* Step 1: which rule, which table, which route, which device. */
struct trace_route_step {
	const char *mode;
	size_t packets; /* routing decisions seen; 0: the route query */
	uint32_t table;
	char error[TRACE_ERR_LEN]; /* "": routed; else "unreachable"... */
	char oif[TRACE_DEV_LEN];
	bool has_prefix;
	char prefix[WGT_PREFIX_STRLEN];
	bool has_gateway;
	char gateway[WGT_ADDR_STRLEN];
	bool has_rule;
	char rule[TRACE_RULE_LEN]; /* the rule that decided */
	const char *rule_mode;
	int rule_priority; /* -1: unknown */
	/* Rules the walk passed on its way, inferred from the tables. */
	size_t n_passed;
	struct {
		char rule[TRACE_RULE_LEN];
		bool suppressed; /* else: its table had no route */
	} passed[TRACE_MAX_PASSED];
};

/* Step 2: the WireGuard peer, when the route went into a WireGuard device. */
struct trace_peer_step {
	bool present;
	const char *mode;
	char interface[IF_NAMESIZE];
	bool has_peer;
	char peer[WG_KEY_B64_LEN];
	bool has_prefix;
	char prefix[WGT_PREFIX_STRLEN]; /* the AllowedIPs prefix that won */
	size_t n_shadowed;		/* peers whose shorter prefix lost */
	struct {
		char peer[WG_KEY_B64_LEN];
		char prefix[WGT_PREFIX_STRLEN];
	} shadowed[TRACE_MAX_SHADOWED];
};

/* Step 3: the outer UDP packet to the peer's endpoint. */
struct trace_outer_step {
	bool present;
	const char *mode;
	bool seen; /* else the kernel's route query answered */
	char endpoint[WGT_ADDR_STRLEN];
	uint16_t endpoint_port;
	uint32_t table;
	char error[TRACE_ERR_LEN]; /* "": routed */
	char oif[TRACE_DEV_LEN];
	uint32_t mark;
};

/* Step 4: replies from the destination. */
struct trace_reply_step {
	const char *mode;
	bool replied;
	size_t replies;
	bool has_iif; /* a reply's routing decision was seen */
	char iif[TRACE_DEV_LEN];
	bool has_peer;
	char peer[WG_KEY_B64_LEN]; /* the peer it came from */
	double rtt_ms;		   /* < 0: unknown */
};

/* Drops and ICMP errors about the flow. */
struct trace_drop_step {
	bool present;
	const char *mode;      /* of the drops */
	const char *icmp_mode; /* of the ICMP errors */
	size_t drops;
	char reason[64]; /* of the first drop; "?" when unnamed */
	char interface[TRACE_DEV_LEN];
	size_t icmp_errors;
	unsigned int icmp_type, icmp_code; /* of the first */
};

struct trace_result {
	char dst[WGT_ADDR_STRLEN];
	bool has_src;
	char src[WGT_ADDR_STRLEN];
	char proto[12]; /* "icmp", "udp", "tcp" */
	uint32_t mark;	/* the flow's fwmark, 0: none */
	size_t packets; /* toward the destination */
	struct trace_route_step route;
	struct trace_peer_step peer;
	struct trace_outer_step outer;
	struct trace_reply_step reply;
	struct trace_drop_step drop;
	/* The hook mode of every fact the job used. */
	size_t n_modes;
	struct {
		const char *fact, *mode;
	} modes[TRACE_MAX_MODES];
	uint64_t events, events_lost, events_not_kept;
	struct finding_list findings; /* in the order they were found */
};

#endif /* WGT_TRACE_RESULT_H */
