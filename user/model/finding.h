/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A "wrong turn" finding (the catalogue: verdict.c, man page FINDINGS) and
 * its two renderings: a
 * text block for people and one JSON Lines object for machines. `check`
 * builds findings from the inventory; `trace` and `watch` build the same
 * struct from kernel events, so the JSON contract lives in one place.
 *
 * The second half holds the pure decisions `check` makes, kept apart from
 * any kernel query so the unit tests can feed them by hand.
 */
#ifndef WGT_FINDING_H
#define WGT_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <json-c/json.h>

#include "model/addr.h"
#include "model/intent.h"
#include "config/inventory.h"

/* Ordered: a larger value is worse, so `--fail-on` is one comparison. */
enum wgt_severity { SEV_INFO, SEV_WARNING, SEV_ERROR, SEV_COUNT };

/* "info", "warning", "error". */
const char *severity_name(enum wgt_severity sev);
/* The same names back; false (out untouched) for anything else. */
bool severity_parse(const char *s, enum wgt_severity *out);

/* One flow that shows the problem; zero fields are unknown. */
struct finding_example {
	struct wgt_addr src, dst;
	uint8_t proto; /* IPPROTO_* */
	uint16_t sport, dport;
	uint32_t mark; /* fwmark the flow carried */
};

#define FINDING_MAX_OBJECTS 6

/* A named object the finding is about: "prefix" = "10.0.0.0/8". */
struct finding_object {
	char key[24];
	char val[96];
};

struct finding {
	const char *id; /* catalogue id, a static string */
	enum wgt_severity severity;
	uint64_t count; /* times seen; a static audit says 1 */
	char interface[IF_NAMESIZE + 16]; /* "": none; "wg0 (deleted)" */
	char peer[WG_KEY_B64_LEN];	  /* base64 public key; "": none */
	char peer_name[64];		  /* friendly name; "": none */
	bool has_example;
	struct finding_example example;
	struct finding_object objects[FINDING_MAX_OBJECTS];
	unsigned int n_objects;
	char message[256]; /* one sentence: what is wrong */
	char expected[256];
	char actual[320];
	char hint[384];
	const char *mode; /* how it was seen: "inventory", "fentry" */
	unsigned int seq; /* insertion order, keeps sorting stable */
};

/*
 * printf into one of the text fields. They are sized for any real message;
 * one that is still longer is cut, never overflows.
 */
void finding_text(char *field, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define FTEXT(field, ...) finding_text(field, sizeof(field), __VA_ARGS__)

/* Add a named object; silently ignored past FINDING_MAX_OBJECTS. */
void finding_object(struct finding *f, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The text block: a header line (severity, id, interface), the message,
 * then peer, example, expected, actual and fix lines, each wrapped below 80
 * columns. SGR colour codes only when color is true.
 */
void finding_print(FILE *out, const struct finding *f, bool color);
/* The JSON object ("type":"finding"); the caller emits and frees it. */
struct json_object *finding_to_json(const struct finding *f);

/* "alice" or the base64 key, for messages; "" without a peer. */
const char *finding_peer_label(const struct finding *f);

/* A growing array of findings. */
struct finding_list {
	struct finding *v;
	size_t n, cap;
};

/*
 * A zeroed finding appended to the list with id, severity, count 1 and
 * mode set; NULL when out of memory. The pointer is valid until the next
 * add.
 */
struct finding *finding_add(struct finding_list *l, const char *id,
			    enum wgt_severity sev, const char *mode);
/* Worst first; same severity grouped by id, then interface; stable. */
void finding_list_sort(struct finding_list *l);
void finding_list_free(struct finding_list *l);

struct finding_counts {
	size_t by_sev[SEV_COUNT];
	size_t total;
};

void finding_count(const struct finding_list *l, struct finding_counts *c);
/* 1 when any finding is at fail_on or worse, else 0: check's exit status. */
int finding_exit_status(const struct finding_counts *c,
			enum wgt_severity fail_on);
/* "2 errors, 1 warning, 0 info" into buf. */
const char *finding_counts_fmt(const struct finding_counts *c, char *buf,
			       size_t len);
/* {"type":"summary","findings":N,"error":E,"warning":W,"info":I}. */
struct json_object *finding_summary_json(const struct finding_counts *c);

/* ---- Pure decisions behind `check` ---------------------------------- */

/*
 * An address inside p that no prefix in excl covers, so a route query for
 * it answers for p itself and not for a more specific route (a LAN inside
 * a full tunnel, our own address inside a tunnel subnet). Tries prefer[]
 * first (may be NULL), then p's first host, then the address right after
 * each excluded prefix: the lowest uncovered address of p is p's start or
 * follows an excluded prefix, so the search is complete. false when excl
 * covers all of p.
 */
bool sample_outside(const struct wgt_prefix *p, const struct wgt_prefix *excl,
		    size_t n_excl, const struct wgt_addr *prefer,
		    size_t n_prefer, struct wgt_addr *out);

/*
 * sample_outside() for many exclusions (a gateway with a route per peer):
 * excl sorted by address and pairwise disjoint, as prefix_outermost()
 * leaves them, so each test is a binary search. Same preference order,
 * except that past the first host it takes the lowest free address above
 * it. O((n_prefer + 1) log n + n) instead of O(n * n).
 */
bool sample_outside_sorted(const struct wgt_prefix *p,
			   const struct wgt_prefix *excl, size_t n_excl,
			   const struct wgt_addr *prefer, size_t n_prefer,
			   struct wgt_addr *out);
/*
 * Sort v by address and drop every prefix another one in v covers: what
 * sample_outside_sorted() wants. Returns the new count.
 */
size_t prefix_outermost(struct wgt_prefix *v, size_t n);

/*
 * A network behind a peer of dev, for family: a prefix that is neither a
 * host (/32, /128) nor the default, and holds none of this host's own
 * addresses. A peer prefix holding one of ours (10.99.0.0/24 on a client
 * whose wg0 is 10.99.0.2) is the hub of a subnet this host is part of: the
 * host reaches it, it routes nothing for it. NULL when none; *peer is set
 * to the peer's index otherwise.
 */
const struct wgt_prefix *peer_network(const struct wg_device_info *dev,
				      int family, const struct inv_addr *addrs,
				      size_t n_addrs, size_t *peer);
/*
 * Peers of dev, for family, that carry a host address (/32, /128) which
 * is not one of ours: a hub's clients (or a mesh node's neighbours).
 */
size_t peer_hosts(const struct wg_device_info *dev, int family,
		  const struct inv_addr *addrs, size_t n_addrs);

/* What the inventory says about a device's need to forward one family. */
struct forward_evidence {
	bool carried;	   /* some peer carries this family at all */
	bool lan;	   /* a network behind this host that peers reach
			      only through it (another interface) */
	bool peer_network; /* peer_network() found one */
	size_t peer_hosts; /* peer_hosts() */
};

/*
 * The severity of "this host does not forward family" for one device, or
 * -1 for no finding. The intent's role decides when given: a gateway must
 * forward every family its peers carry (error), an endpoint never needs
 * to. Otherwise: a network behind this host on another interface is a
 * gateway's LAN (warning); a network behind a peer, or two or more peers
 * with host addresses (a hub), is a gateway or a host that only talks to
 * them itself, which only the role can tell (info).
 */
int forward_severity(enum intent_role role, const struct forward_evidence *e);

/* Bytes WireGuard adds to an inner packet: outer IP + UDP + its header. */
unsigned int wg_overhead(int endpoint_family);
/* By how many bytes dev MTU + overhead exceeds the underlay; 0 if it fits. */
unsigned int mtu_excess(unsigned int wg_mtu, int endpoint_family,
			unsigned int underlay_mtu);

/* Where the kernel sends a sample destination, reduced to what v6 needs. */
enum route_to {
	ROUTE_NONE,  /* unreachable, blackhole, prohibit, error */
	ROUTE_LOCAL, /* one of our own addresses */
	ROUTE_WG,    /* into a WireGuard device */
	ROUTE_OTHER, /* out of some other device */
};

enum v6_verdict {
	V6_OK,
	V6_LEAK,	      /* v4 default in the tunnel, v6 outside it */
	V6_BLACKHOLE_NO_PEER, /* v6 default in the tunnel, no peer has it */
	V6_BLACKHOLE_NO_ADDR, /* v6 default in the tunnel, no v6 source */
};

/*
 * v4, v6: where the IPv4 and IPv6 default-route samples go. v6_peer: a
 * peer of the v6 device carries the sample; v6_addr: that device has a
 * global IPv6 address. An IPv6 default that is simply missing is no leak:
 * with no route the applications fall back to IPv4, inside the tunnel.
 */
enum v6_verdict v6_decide(enum route_to v4, enum route_to v6, bool v6_peer,
			  bool v6_addr);

/*
 * Would rp_filter drop packets arriving on device in? rp_filter: the
 * effective value on in (0 off, 1 strict, 2 loose); rev_oif: where the
 * reverse route (to the sender, with the mark the kernel uses) points, 0
 * when there is none. Strict wants it via in; loose wants any route.
 */
bool rpf_drops(int rp_filter, int in, int rev_oif);

#endif /* WGT_FINDING_H */
