// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/addr.h"
#include "base/common.h"
#include "base/output.h"

bool addr_parse(const char *s, struct wgt_addr *out)
{
	struct wgt_addr a = {0};

	if (!s)
		return false;
	if (inet_pton(AF_INET, s, a.b) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.b) == 1)
		a.family = AF_INET6;
	else
		return false;
	*out = a;
	return true;
}

void addr_from_raw(struct wgt_addr *a, uint8_t family, const void *raw)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->b, raw, addr_bytes(family));
}

const char *addr_fmt(const struct wgt_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->b, buf, len))
		snprintf(buf, len, "-");
	return buf;
}

const char *prefix_fmt(const struct wgt_prefix *p, char *buf, size_t len)
{
	char a[WGT_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_fmt(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

bool addr_equal(const struct wgt_addr *a, const struct wgt_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->b, b->b, addr_bytes(a->family));
}

int addr_cmp(const struct wgt_addr *a, const struct wgt_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, addr_bytes(a->family));
}

int prefix_cmp(const struct wgt_prefix *a, const struct wgt_prefix *b)
{
	int r = addr_cmp(&a->addr, &b->addr);

	return r ? r : (int)a->len - (int)b->len;
}

int prefix_qsort_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* Do the first `bits` bits of x and y agree? */
static bool bits_equal(const uint8_t *x, const uint8_t *y, int bits)
{
	int full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(x, y, full))
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}

void prefix_normalize(struct wgt_prefix *p)
{
	int i, bits = addr_bits(p->addr.family);

	for (i = p->len; i < bits; i++)
		p->addr.b[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	memset(p->addr.b + addr_bytes(p->addr.family), 0,
	       sizeof(p->addr.b) - addr_bytes(p->addr.family));
}

bool prefix_parse(const char *s, struct wgt_prefix *out, bool *host_bits)
{
	char buf[WGT_PREFIX_STRLEN + 1];
	struct wgt_prefix p = {0};
	unsigned long len;
	char *slash;

	if (!s || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (!addr_parse(buf, &p.addr))
		return false;
	if (slash) {
		if (!parse_uint_range(slash + 1, 0, addr_bits(p.addr.family),
				      &len))
			return false;
		p.len = len;
	} else {
		p.len = addr_bits(p.addr.family);
	}
	{
		struct wgt_prefix norm = p;

		prefix_normalize(&norm);
		if (!addr_equal(&norm.addr, &p.addr)) {
			if (!host_bits)
				return false;
			*host_bits = true;
		} else if (host_bits) {
			*host_bits = false;
		}
		p = norm;
	}
	*out = p;
	return true;
}

/* A length past the family's bits would read beyond the address. */
static bool len_valid(const struct wgt_prefix *p)
{
	return p->len <= addr_bits(p->addr.family);
}

bool prefix_contains(const struct wgt_prefix *p, const struct wgt_addr *a)
{
	return p->addr.family == a->family && len_valid(p) &&
	       bits_equal(p->addr.b, a->b, p->len);
}

bool prefix_covers(const struct wgt_prefix *outer,
		   const struct wgt_prefix *inner)
{
	return outer->addr.family == inner->addr.family &&
	       outer->len <= inner->len && len_valid(outer) &&
	       bits_equal(outer->addr.b, inner->addr.b, outer->len);
}

bool prefix_equal(const struct wgt_prefix *a, const struct wgt_prefix *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

void prefix_sample_addr(const struct wgt_prefix *p, struct wgt_addr *out)
{
	int last = addr_bytes(p->addr.family) - 1;

	*out = p->addr;
	/* The first host, so the query is not for a network address itself. */
	if (p->len < addr_bits(p->addr.family) - 1)
		out->b[last] |= 1;
	/*
	 * ::/0, ::/1 and ::/2 would give ::1, which the kernel routes to lo
	 * (table local), not like the rest of the prefix. Take 2000::1, the
	 * first host of global unicast, still inside them. (0.0.0.1 needs no
	 * such care: since Linux 5.3 0/8 is routed like any unicast.)
	 */
	if (p->addr.family == AF_INET6 && p->len <= 2 && out->b[0] == 0)
		out->b[0] = 0x20;
}

bool addr_is_hostname(const char *s)
{
	size_t len = strlen(s), label = 0, i;
	const char *last = s;

	if (len && s[len - 1] == '.')
		len--;
	if (!len || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
			last = s + i + 1;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (c == '-' && !label)
			return false;
		if (++label > 63)
			return false;
	}
	if (s[len - 1] == '-')
		return false;
	return isalpha((unsigned char)*last);
}

const char *endpoint_fmt(const struct wgt_addr *a, uint16_t port, char *buf,
			 size_t len)
{
	char s[WGT_ADDR_STRLEN];

	addr_fmt(a, s, sizeof(s));
	if (!port)
		snprintf(buf, len, "%s", s);
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", s, port);
	else
		snprintf(buf, len, "%s:%u", s, port);
	return buf;
}

const char *ip_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

void jadd_addr(struct json_object *o, const char *key, const struct wgt_addr *a)
{
	char buf[WGT_ADDR_STRLEN];

	jadd_str(o, key, a->family ? addr_fmt(a, buf, sizeof(buf)) : NULL);
}
