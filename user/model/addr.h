/* SPDX-License-Identifier: GPL-2.0 */
/* IPv4/IPv6 addresses and prefixes: parse, format, compare. */
#ifndef WGT_ADDR_H
#define WGT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <json-c/json.h>

/* family is AF_INET or AF_INET6 (0: unset); IPv4 sits in the first 4 bytes. */
struct wgt_addr {
	uint8_t family;
	uint8_t pad[3];
	uint8_t b[16];
};

struct wgt_prefix {
	struct wgt_addr addr; /* host bits cleared */
	uint8_t len;
	uint8_t pad[3];
};

#define WGT_ADDR_STRLEN INET6_ADDRSTRLEN
#define WGT_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

static inline int addr_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

static inline size_t addr_bytes(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* Strict: "10.0.0.1", "2001:db8::1"; no brackets, no zone, no port. */
bool addr_parse(const char *s, struct wgt_addr *out);
/* "10.0.0.0/8"; a bare address is a host prefix. Host bits set: rejected,
 * so a typo like 10.1.2.3/16 is caught (set *host_bits if non-NULL and allow).
 */
bool prefix_parse(const char *s, struct wgt_prefix *out, bool *host_bits);
void addr_from_raw(struct wgt_addr *a, uint8_t family, const void *raw);
const char *addr_fmt(const struct wgt_addr *a, char *buf, size_t len);
const char *prefix_fmt(const struct wgt_prefix *p, char *buf, size_t len);
/* "10.0.0.1:443", "[2001:db8::1]:443", or the bare address if port is 0. */
const char *endpoint_fmt(const struct wgt_addr *a, uint16_t port, char *buf,
			 size_t len);
/*
 * An IP protocol number as /etc/protocols, ip-rule(8) and ss(8) name it
 * ("tcp", "udp", "icmp", "ipv6-icmp"), otherwise the number, in buf.
 */
const char *ip_proto_name(uint8_t proto, char *buf, size_t len);
/* o[key] = the address as text, or null when it is unset (family 0). */
void jadd_addr(struct json_object *o, const char *key,
	       const struct wgt_addr *a);
/*
 * A DNS host name (RFC 1123 labels: letters, digits, '-', 1-63 bytes, no
 * '-' at either end; 253 bytes at most; an optional final dot) whose last
 * label starts with a letter. What fails addr_parse and is not this is a
 * typo of an address ("10.0.0.256", "1.2.3", "0x7f000001", "fe80::1::"):
 * the resolver would read some of them as legacy inet_aton forms or send
 * them to DNS, so they are refused instead.
 */
bool addr_is_hostname(const char *s);
bool addr_equal(const struct wgt_addr *a, const struct wgt_addr *b);
/* A total order: by family, then by the address bytes; <0, 0 or >0. */
int addr_cmp(const struct wgt_addr *a, const struct wgt_addr *b);
/* By address, then shorter first: a prefix sorts before those it covers. */
int prefix_cmp(const struct wgt_prefix *a, const struct wgt_prefix *b);
/* prefix_cmp for qsort() of struct wgt_prefix. */
int prefix_qsort_cmp(const void *a, const void *b);
/* Clear the host bits of p->addr beyond p->len. */
void prefix_normalize(struct wgt_prefix *p);
bool prefix_contains(const struct wgt_prefix *p, const struct wgt_addr *a);
/* outer covers inner (same family, outer->len <= inner->len). */
bool prefix_covers(const struct wgt_prefix *outer,
		   const struct wgt_prefix *inner);
bool prefix_equal(const struct wgt_prefix *a, const struct wgt_prefix *b);
/* An address inside p, for route queries: the first host (or p itself). */
void prefix_sample_addr(const struct wgt_prefix *p, struct wgt_addr *out);

#endif /* WGT_ADDR_H */
