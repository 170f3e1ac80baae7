/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "intended" side: what the gateway is configured to do, read live from
 * the kernel (rtnetlink, WireGuard generic netlink) or from a userspace
 * WireGuard's UAPI socket, in the network namespace the process is in.
 * Every command uses it; nothing here shells out to ip or wg.
 */
#ifndef WGT_INVENTORY_H
#define WGT_INVENTORY_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "model/addr.h"

#define WG_KEY_LEN_RAW 32
#define WG_KEY_B64_LEN 45 /* 44 characters + NUL */

/* Sysctl values read from /proc/sys/net; -1 when the file is missing. */
struct inv_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16]; /* IFLA_INFO_KIND: "wireguard", "veth", "" */
	unsigned int mtu;
	bool up;					/* IFF_UP */
	uint64_t rx_frame_errors, tx_errors, rx_errors; /* IFLA_STATS64 */
	int forwarding4;    /* net.ipv4.conf.DEV.forwarding */
	int forwarding6;    /* net.ipv6.conf.DEV.forwarding */
	int rp_filter;	    /* effective: max(all, DEV) */
	int src_valid_mark; /* effective: all || DEV */
};

struct inv_addr {
	int ifindex;
	struct wgt_prefix pfx; /* the address itself with its prefix length */
	struct wgt_addr local; /* the address (host bits kept) */
};

struct inv_route {
	uint8_t family;
	uint8_t type; /* RTN_UNICAST, RTN_BLACKHOLE, RTN_LOCAL, ... */
	uint8_t protocol;
	uint8_t scope;
	uint32_t table;
	struct wgt_prefix dst;
	struct wgt_addr gateway; /* family 0: none */
	struct wgt_addr prefsrc; /* family 0: none */
	int oif;		 /* 0: none */
	uint32_t metric;
};

struct inv_rule {
	uint8_t family;
	uint8_t action; /* FR_ACT_TO_TBL, FR_ACT_BLACKHOLE, ... */
	bool invert;	/* "not" */
	bool has_fwmark;
	uint32_t priority;
	uint32_t table;
	uint32_t fwmark, fwmask;
	int suppress_prefixlen;	    /* -1: not set */
	struct wgt_prefix src, dst; /* len 0 / family 0: any */
	char iif[IF_NAMESIZE], oif[IF_NAMESIZE];
	uint8_t ip_proto;	       /* "ipproto"; 0: any */
	uint16_t sport_min, sport_max; /* "sport" range; 0-0: any */
	uint16_t dport_min, dport_max; /* "dport" range; 0-0: any */
};

enum wg_impl {
	WG_IMPL_KERNEL, /* generic netlink "wireguard" family */
	WG_IMPL_UAPI,	/* /var/run/wireguard/NAME.sock (wireguard-go...) */
};

struct wg_peer_info {
	uint8_t pubkey[WG_KEY_LEN_RAW];
	char pubkey_b64[WG_KEY_B64_LEN];
	bool has_endpoint;
	struct wgt_addr endpoint;
	uint16_t endpoint_port;
	struct wgt_prefix *allowed;
	size_t n_allowed;
	int64_t last_handshake_sec; /* 0: never */
	uint64_t rx_bytes, tx_bytes;
	uint16_t keepalive;
};

struct wg_device_info {
	char name[IF_NAMESIZE];
	int ifindex;
	enum wg_impl impl;
	uint32_t fwmark;
	uint16_t listen_port;
	uint8_t pubkey[WG_KEY_LEN_RAW];
	char pubkey_b64[WG_KEY_B64_LEN];
	struct wg_peer_info *peers;
	size_t n_peers;
};

struct inventory {
	struct inv_link *links;
	size_t n_links;
	struct inv_addr *addrs;
	size_t n_addrs;
	struct inv_route *routes; /* every table, both families */
	size_t n_routes;
	struct inv_rule *rules; /* both families, priority order */
	size_t n_rules;
	struct wg_device_info *wg;
	size_t n_wg;
	int ip_forward;	 /* net.ipv4.ip_forward */
	int ip6_forward; /* net.ipv6.conf.all.forwarding */
};

/*
 * Read everything in the current network namespace. only_dev (may be NULL)
 * limits the WireGuard part to one device; -ENODEV if it is not WireGuard.
 */
int inventory_load(struct inventory *inv, const char *only_dev);
void inventory_free(struct inventory *inv);
/*
 * A digest of the configuration (devices, addresses, routes, rules, sysctls,
 * WireGuard devices and peers), not of counters or handshake times: equal
 * digests mean nothing the kernel's maps or a record hold has changed.
 */
uint64_t inventory_config_digest(const struct inventory *inv);

const struct inv_link *inv_link_by_index(const struct inventory *inv,
					 int ifindex);
const struct inv_link *inv_link_by_name(const struct inventory *inv,
					const char *name);
const struct wg_device_info *inv_wg_by_index(const struct inventory *inv,
					     int ifindex);

/* Ask the kernel how it routes one packet (RTM_GETROUTE), as `ip route get`. */
struct route_query {
	struct wgt_addr dst;
	struct wgt_addr src; /* family 0: none */
	uint32_t mark;
	int iif;	  /* 0: locally generated */
	uint8_t ip_proto; /* 0: any */
	uint16_t dport;
};

struct route_answer {
	int err;	/* 0, or -errno from the kernel: -ENETUNREACH, ... */
	uint8_t type;	/* RTN_UNICAST, RTN_LOCAL, RTN_BLACKHOLE, ... */
	uint32_t table; /* the table that decided */
	struct wgt_prefix prefix; /* the route that matched (FIB match) */
	struct wgt_addr gateway;  /* family 0: none */
	struct wgt_addr prefsrc;
	int oif;
};

int route_get(const struct route_query *q, struct route_answer *ans);
/*
 * The same for n questions at once, on one socket: ans[i] answers q[i].
 * -EINVAL (nothing asked) if any question is malformed.
 */
int route_get_many(const struct route_query *q, struct route_answer *ans,
		   size_t n);

/* Enter a network namespace by name (/run/netns/NAME) or path. */
int netns_enter(const char *name_or_path);

/* base64 of a 32-byte WireGuard key, and back (false on a bad key). */
void wg_key_to_b64(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN_RAW]);
bool wg_key_from_b64(uint8_t key[WG_KEY_LEN_RAW], const char *b64);

#endif /* WGT_INVENTORY_H */
