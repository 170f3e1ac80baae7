// SPDX-License-Identifier: GPL-2.0
/*
 * The decisions behind `wgtrace check`, fed by hand: which address speaks
 * for a prefix (also among thousands of finer routes), what a host must
 * forward, MTU overhead, IPv6 leak versus blackhole, and when rp_filter
 * drops a reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model/finding.h"

static struct wgt_prefix P(const char *s) {
	struct wgt_prefix p;

	assert_true(prefix_parse(s, &p, NULL));
	return p;
}

static struct wgt_addr
A(const char *s) {
	struct wgt_addr a;

	assert_true(addr_parse(s, &a));
	return a;
}

/* sample_outside() into text; "none" when p is covered entirely. */
static const char *
sample(const char *pfx, const char *const *excl, size_t n,
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
	static const char *const own[] = {"10.99.0.1/32"};
	/* A LAN, then a second block right behind it. */
	static const char *const lan[] = {"10.0.1.0/24", "10.0.0.0/24"};
	static const char *const halves[] = {"10.0.0.0/9", "10.128.0.0/9"};
	static const char *const three[] = {"10.0.0.0/9", "10.128.0.0/10",
					    "10.192.0.0/11"};

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
	static const char *const top[] = {"255.255.255.128/25",
					  "255.255.255.0/25"};

	(void)state;
	assert_string_equal(sample("255.255.255.0/24", top, 2, NULL, 0),
			    "none");
	assert_string_equal(sample("255.255.255.0/24", top, 1, NULL, 0),
			    "255.255.255.1");
}

static void sample_of_default_prefers_documentation(void **state)
{
	static const char *const docs4[] = {"192.0.2.1", "198.51.100.1",
					    "203.0.113.1"};
	static const char *const docs6[] = {"2001:db8::1", "3fff::1"};
	/* A lab whose uplink uses the first documentation range. */
	static const char *const lab[] = {"192.0.2.0/24", "10.99.0.0/24"};
	static const char *const lab6[] = {"2001:db8::/32"};

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
	static const char *const own[] = {"10.99.0.1/32"};
	static const char *const lan[] = {"10.0.1.0/24", "10.0.0.0/24"};
	static const char *const halves[] = {"10.0.0.0/9", "10.128.0.0/9"};
	static const char *const three[] = {"10.0.0.0/9", "10.128.0.0/10",
					    "10.192.0.0/11"};
	static const char *const top[] = {"255.255.255.128/25",
					  "255.255.255.0/25"};
	static const char *const docs4[] = {"192.0.2.1", "198.51.100.1"};
	static const char *const lab[] = {"192.0.2.0/24", "10.99.0.0/24"};
	/* Nested: only the outer /16 counts, then the /24 right after it. */
	static const char *const nested[] = {"10.1.0.0/24", "10.0.0.0/16",
					     "10.0.5.0/24"};

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

/* An address of this host as the inventory holds it: 10.99.0.1/24. */
static struct inv_addr own_addr(const char *pfx, const char *local)
{
	struct inv_addr a = {.ifindex = 5, .local = A(local)};
	bool host_bits;

	assert_true(prefix_parse(pfx, &a.pfx, &host_bits));
	return a;
}

static void forwarding_evidence_from_peers(void **state)
{
	struct wg_peer_info peers[4];
	struct wg_device_info d = {.peers = peers};
	/* This host: 10.99.0.1/24 and fd00::1/64 on wg0. */
	struct inv_addr ours[] = {own_addr("10.99.0.1/24", "10.99.0.1"),
				  own_addr("fd00::1/64", "fd00::1")};
	struct wgt_prefix host1[] = {P("10.99.0.2/32"), P("fd00::2/128")};
	struct wgt_prefix full[] = {P("0.0.0.0/0"), P("::/0")};
	struct wgt_prefix hub[] = {P("10.99.0.0/24"), P("fd00::/64")};
	struct wgt_prefix site[] = {P("10.99.0.3/32"), P("10.20.0.0/16"),
				    P("fd00:20::/64")};
	size_t peer = 99;

	(void)state;
	/*
	 * A full-tunnel client, and a client of a hub whose subnet holds
	 * our own address: both reach, neither routes.
	 */
	add_peer(&d, &peers[0], full, 2);
	add_peer(&d, &peers[1], hub, 2);
	assert_null(peer_network(&d, AF_INET, ours, 2, &peer));
	assert_null(peer_network(&d, AF_INET6, ours, 2, &peer));
	assert_int_equal(peer, 99);
	/* Without our addresses, the hub's subnet is a network behind it. */
	assert_ptr_equal(peer_network(&d, AF_INET, NULL, 0, &peer), &hub[0]);
	assert_int_equal(peer, 1);
	assert_int_equal(peer_hosts(&d, AF_INET, ours, 2), 0);
	/* One host peer is a point-to-point link; a site is a network. */
	add_peer(&d, &peers[2], host1, 2);
	assert_int_equal(peer_hosts(&d, AF_INET, ours, 2), 1);
	add_peer(&d, &peers[3], site, 3);
	assert_int_equal(peer_hosts(&d, AF_INET, ours, 2), 2);
	assert_int_equal(peer_hosts(&d, AF_INET6, ours, 2), 1);
	assert_ptr_equal(peer_network(&d, AF_INET, ours, 2, &peer), &site[1]);
	assert_int_equal(peer, 3);
	assert_ptr_equal(peer_network(&d, AF_INET6, ours, 2, NULL), &site[2]);
	/* A host address that is ours is no client. */
	ours[0] = own_addr("10.99.0.2/32", "10.99.0.2");
	assert_int_equal(peer_hosts(&d, AF_INET, ours, 1), 1);
}

static void forwarding_severity_by_role_and_evidence(void **state)
{
	struct forward_evidence none = {.carried = true};
	struct forward_evidence lan = {.carried = true, .lan = true};
	struct forward_evidence net = {.carried = true, .peer_network = true};
	struct forward_evidence hub = {.carried = true, .peer_hosts = 2};
	struct forward_evidence p2p = {.carried = true, .peer_hosts = 1};
	struct forward_evidence other_family = {.lan = true};

	(void)state;
	/* Inferred: a LAN behind us is a gateway; the rest only a note. */
	assert_int_equal(forward_severity(INTENT_ROLE_NONE, &lan), SEV_WARNING);
	assert_int_equal(forward_severity(INTENT_ROLE_NONE, &net), SEV_INFO);
	assert_int_equal(forward_severity(INTENT_ROLE_NONE, &hub), SEV_INFO);
	assert_int_equal(forward_severity(INTENT_ROLE_NONE, &p2p), -1);
	assert_int_equal(forward_severity(INTENT_ROLE_NONE, &none), -1);
	/* Declared: a gateway must forward, an endpoint never needs to. */
	assert_int_equal(forward_severity(INTENT_ROLE_GATEWAY, &none),
			 SEV_ERROR);
	assert_int_equal(forward_severity(INTENT_ROLE_GATEWAY, &lan),
			 SEV_ERROR);
	assert_int_equal(forward_severity(INTENT_ROLE_ENDPOINT, &lan), -1);
	/* A family no peer carries needs no forwarding, whatever the role. */
	assert_int_equal(forward_severity(INTENT_ROLE_GATEWAY, &other_family),
			 -1);
	assert_int_equal(forward_severity(INTENT_ROLE_NONE, &other_family), -1);
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
	assert_false(rpf_drops(-1, 2, 0)); /* unknown: say nothing */
	assert_true(rpf_drops(1, 2, 3));
	assert_false(rpf_drops(1, 2, 2));
	assert_false(rpf_drops(2, 2, 3)); /* loose: any route back */
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
	    cmocka_unit_test(forwarding_evidence_from_peers),
	    cmocka_unit_test(forwarding_severity_by_role_and_evidence),
	    cmocka_unit_test(mtu_overhead_by_endpoint_family),
	    cmocka_unit_test(v6_leak_and_blackhole),
	    cmocka_unit_test(rp_filter_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
