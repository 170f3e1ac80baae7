// SPDX-License-Identifier: GPL-2.0
/*
 * The decisions behind `wgtrace check`, fed by hand: which address speaks
 * for a prefix (also among thousands of finer routes), when a device is a gateway, MTU overhead, IPv6 leak versus
 * blackhole, and when rp_filter drops a reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "finding.h"

static struct wgt_prefix P(const char *s)
{
	struct wgt_prefix p;

	assert_true(prefix_parse(s, &p, NULL));
	return p;
}

static struct wgt_addr A(const char *s)
{
	struct wgt_addr a;

	assert_true(addr_parse(s, &a));
	return a;
}

/* sample_outside() into text; "none" when p is covered entirely. */
static const char *sample(const char *pfx, const char *const *excl, size_t n,
			  const char *const *prefer, size_t np)
{
	static char buf[WGT_ADDR_STRLEN];
	struct wgt_prefix p = P(pfx), ex[8];
	struct wgt_addr pr[8], out;
	size_t i;

	for (i = 0; i < n; i++)
		ex[i] = P(excl[i]);
	for (i = 0; i < np; i++)
		pr[i] = A(prefer[i]);
	if (!sample_outside(&p, ex, n, np ? pr : NULL, np, &out))
		return "none";
	return addr_fmt(&out, buf, sizeof(buf));
}

static void sample_is_first_host_when_free(void **state)
{
	(void)state;
	assert_string_equal(sample("10.20.0.0/16", NULL, 0, NULL, 0),
			    "10.20.0.1");
	assert_string_equal(sample("10.99.0.2/32", NULL, 0, NULL, 0),
			    "10.99.0.2");
	assert_string_equal(sample("2001:db8:5::/48", NULL, 0, NULL, 0),
			    "2001:db8:5::1");
}

static void sample_steps_over_finer_routes(void **state)
{
	/* Our own address (a local /32) inside a tunnel subnet. */
	static const char *const own[] = { "10.99.0.1/32" };
	/* A LAN, then a second block right behind it. */
	static const char *const lan[] = { "10.0.1.0/24", "10.0.0.0/24" };
	static const char *const halves[] = { "10.0.0.0/9", "10.128.0.0/9" };
	static const char *const three[] = { "10.0.0.0/9", "10.128.0.0/10",
					     "10.192.0.0/11" };

	(void)state;
	assert_string_equal(sample("10.99.0.0/24", own, 1, NULL, 0),
			    "10.99.0.2");
	assert_string_equal(sample("10.0.0.0/8", lan, 2, NULL, 0), "10.0.2.0");
	assert_string_equal(sample("10.0.0.0/8", halves, 2, NULL, 0), "none");
	assert_string_equal(sample("10.0.0.0/8", three, 3, NULL, 0),
			    "10.224.0.0");
}

static void sample_never_wraps_past_the_last_address(void **state)
{
	static const char *const top[] = { "255.255.255.128/25",
					   "255.255.255.0/25" };

	(void)state;
	assert_string_equal(sample("255.255.255.0/24", top, 2, NULL, 0),
			    "none");
	assert_string_equal(sample("255.255.255.0/24", top, 1, NULL, 0),
			    "255.255.255.1");
}

static void sample_of_default_prefers_documentation(void **state)
{
	static const char *const docs4[] = { "192.0.2.1", "198.51.100.1",
					     "203.0.113.1" };
	static const char *const docs6[] = { "2001:db8::1", "3fff::1" };
	/* A lab whose uplink uses the first documentation range. */
	static const char *const lab[] = { "192.0.2.0/24", "10.99.0.0/24" };
	static const char *const lab6[] = { "2001:db8::/32" };

	(void)state;
	assert_string_equal(sample("0.0.0.0/0", NULL, 0, docs4, 3),
			    "192.0.2.1");
	assert_string_equal(sample("0.0.0.0/0", lab, 2, docs4, 3),
			    "198.51.100.1");
	/* A preferred address of the other family is never taken. */
	assert_string_equal(sample("::/0", NULL, 0, docs4, 3), "2000::1");
	assert_string_equal(sample("::/0", lab6, 1, docs6, 2), "3fff::1");
}

/* sample_outside_sorted() after prefix_outermost(), into text. */
static const char *sample_sorted(const char *pfx, const char *const *excl,
				 size_t n, const char *const *prefer, size_t np)
{
	static char buf[WGT_ADDR_STRLEN];
	struct wgt_prefix p = P(pfx), ex[8];
	struct wgt_addr pr[8], out;
	size_t i;

	for (i = 0; i < n; i++)
		ex[i] = P(excl[i]);
	for (i = 0; i < np; i++)
		pr[i] = A(prefer[i]);
	n = prefix_outermost(ex, n);
	if (!sample_outside_sorted(&p, ex, n, np ? pr : NULL, np, &out))
		return "none";
	return addr_fmt(&out, buf, sizeof(buf));
}

static void sorted_sample_agrees_on_the_cases_above(void **state)
{
	static const char *const own[] = { "10.99.0.1/32" };
	static const char *const lan[] = { "10.0.1.0/24", "10.0.0.0/24" };
	static const char *const halves[] = { "10.0.0.0/9", "10.128.0.0/9" };
	static const char *const three[] = { "10.0.0.0/9", "10.128.0.0/10",
					     "10.192.0.0/11" };
	static const char *const top[] = { "255.255.255.128/25",
					   "255.255.255.0/25" };
	static const char *const docs4[] = { "192.0.2.1", "198.51.100.1" };
	static const char *const lab[] = { "192.0.2.0/24", "10.99.0.0/24" };
	/* Nested: only the outer /16 counts, then the /24 right after it. */
	static const char *const nested[] = { "10.1.0.0/24", "10.0.0.0/16",
					      "10.0.5.0/24" };

	(void)state;
	assert_string_equal(sample_sorted("10.20.0.0/16", NULL, 0, NULL, 0),
			    "10.20.0.1");
	assert_string_equal(sample_sorted("10.99.0.0/24", own, 1, NULL, 0),
			    "10.99.0.2");
	assert_string_equal(sample_sorted("10.0.0.0/8", lan, 2, NULL, 0),
			    "10.0.2.0");
	assert_string_equal(sample_sorted("10.0.0.0/8", halves, 2, NULL, 0),
			    "none");
	assert_string_equal(sample_sorted("10.0.0.0/8", three, 3, NULL, 0),
			    "10.224.0.0");
	assert_string_equal(sample_sorted("255.255.255.0/24", top, 2, NULL, 0),
			    "none");
	assert_string_equal(sample_sorted("255.255.255.0/24", top, 1, NULL, 0),
			    "255.255.255.1");
	assert_string_equal(sample_sorted("0.0.0.0/0", lab, 2, docs4, 2),
			    "198.51.100.1");
	assert_string_equal(sample_sorted("10.0.0.0/8", nested, 3, NULL, 0),
			    "10.1.1.0");
}

/*
 * Random exclusions inside a /20: the sorted search finds a free address
 * exactly when the plain one does, and what it finds is free.
 */
static void sorted_sample_is_complete(void **state)
{
	struct wgt_prefix p = P("10.7.0.0/20"), ex[64], sorted[64];
	unsigned int seed = 12345, round, i, n;
	struct wgt_addr a, b;
	bool found, found_sorted;

	(void)state;
	for (round = 0; round < 2000; round++) {
		n = 1 + (seed = seed * 1103515245 + 12345) % 64;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			ex[i] = p;
			ex[i].len = 20 + (seed >> 8) % 13;
			ex[i].addr.b[2] = (uint8_t)((seed >> 12) & 0x0f);
			ex[i].addr.b[3] = (uint8_t)(seed >> 20);
			prefix_normalize(&ex[i]);
		}
		memcpy(sorted, ex, sizeof(ex));
		found = sample_outside(&p, ex, n, NULL, 0, &a);
		found_sorted = sample_outside_sorted(
			&p, sorted, prefix_outermost(sorted, n), NULL, 0, &b);
		assert_int_equal(found, found_sorted);
		if (!found)
			continue;
		assert_true(prefix_contains(&p, &b));
		for (i = 0; i < n; i++)
			assert_false(prefix_contains(&ex[i], &b));
	}
}

static void add_peer(struct wg_device_info *d, struct wg_peer_info *p,
		     struct wgt_prefix *allowed, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->allowed = allowed;
	p->n_allowed = n;
	d->n_peers++;
}

static void gateway_needs_a_subnet(void **state)
{
	struct wg_peer_info peers[3];
	struct wg_device_info d = { .peers = peers };
	struct wgt_prefix hosts[] = { P("10.99.0.2/32"), P("fd00::2/128") };
	struct wgt_prefix full[] = { P("0.0.0.0/0"), P("::/0") };
	struct wgt_prefix site[] = { P("10.99.0.3/32"), P("10.20.0.0/16"),
				     P("fd00:20::/64") };
	size_t peer = 99;

	(void)state;
	/* A hub of host peers, a full-tunnel client: no gateway. */
	add_peer(&d, &peers[0], hosts, 2);
	add_peer(&d, &peers[1], full, 2);
	assert_null(gateway_prefix(&d, AF_INET, &peer));
	assert_null(gateway_prefix(&d, AF_INET6, &peer));
	assert_int_equal(peer, 99);
	/* A site behind the third peer: a gateway, for both families. */
	add_peer(&d, &peers[2], site, 3);
	assert_ptr_equal(gateway_prefix(&d, AF_INET, &peer), &site[1]);
	assert_int_equal(peer, 2);
	assert_ptr_equal(gateway_prefix(&d, AF_INET6, NULL), &site[2]);
}

static void mtu_overhead_by_endpoint_family(void **state)
{
	(void)state;
	assert_int_equal(wg_overhead(AF_INET), 60);
	assert_int_equal(wg_overhead(AF_INET6), 80);
	/* wg-quick's 1420 is chosen to fit 1500 with an IPv6 endpoint. */
	assert_int_equal(mtu_excess(1420, AF_INET6, 1500), 0);
	assert_int_equal(mtu_excess(1420, AF_INET, 1500), 0);
	assert_int_equal(mtu_excess(1440, AF_INET, 1500), 0);
	assert_int_equal(mtu_excess(1441, AF_INET, 1500), 1);
	assert_int_equal(mtu_excess(1440, AF_INET6, 1500), 20);
	/* PPPoE (1492) and a 1420 tunnel over IPv6. */
	assert_int_equal(mtu_excess(1420, AF_INET6, 1492), 8);
	assert_int_equal(mtu_excess(1420, AF_INET, 1400), 80);
}

static void v6_leak_and_blackhole(void **state)
{
	(void)state;
	/* Full tunnel, IPv6 default by the uplink: a leak. */
	assert_int_equal(v6_decide(ROUTE_WG, ROUTE_OTHER, false, false),
			 V6_LEAK);
	/* No IPv6 route at all: applications fall back to IPv4. */
	assert_int_equal(v6_decide(ROUTE_WG, ROUTE_NONE, false, false), V6_OK);
	/* Split tunnel: IPv6 by the uplink like IPv4 is no leak. */
	assert_int_equal(v6_decide(ROUTE_OTHER, ROUTE_OTHER, false, false),
			 V6_OK);
	assert_int_equal(v6_decide(ROUTE_NONE, ROUTE_OTHER, false, false),
			 V6_OK);
	/* IPv6 into the tunnel: needs a peer with it and a source. */
	assert_int_equal(v6_decide(ROUTE_WG, ROUTE_WG, false, true),
			 V6_BLACKHOLE_NO_PEER);
	assert_int_equal(v6_decide(ROUTE_WG, ROUTE_WG, true, false),
			 V6_BLACKHOLE_NO_ADDR);
	assert_int_equal(v6_decide(ROUTE_OTHER, ROUTE_WG, false, false),
			 V6_BLACKHOLE_NO_PEER);
	assert_int_equal(v6_decide(ROUTE_WG, ROUTE_WG, true, true), V6_OK);
}

static void rp_filter_modes(void **state)
{
	(void)state;
	assert_false(rpf_drops(0, 2, 3));
	assert_false(rpf_drops(-1, 2, 0));	/* unknown: say nothing */
	assert_true(rpf_drops(1, 2, 3));
	assert_false(rpf_drops(1, 2, 2));
	assert_false(rpf_drops(2, 2, 3));	/* loose: any route back */
	assert_true(rpf_drops(2, 2, 0));
	assert_true(rpf_drops(1, 2, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sample_is_first_host_when_free),
		cmocka_unit_test(sample_steps_over_finer_routes),
		cmocka_unit_test(sample_never_wraps_past_the_last_address),
		cmocka_unit_test(sample_of_default_prefers_documentation),
		cmocka_unit_test(sorted_sample_agrees_on_the_cases_above),
		cmocka_unit_test(sorted_sample_is_complete),
		cmocka_unit_test(gateway_needs_a_subnet),
		cmocka_unit_test(mtu_overhead_by_endpoint_family),
		cmocka_unit_test(v6_leak_and_blackhole),
		cmocka_unit_test(rp_filter_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
