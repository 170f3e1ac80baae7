// SPDX-License-Identifier: GPL-2.0
/*
 * user/model/lpm.c against WireGuard's allowedips rules: longest prefix wins,
 * one table per family, a mapped IPv4 address is IPv6. Hand-worked cases first,
 * then a large random table checked against a brute-force scan.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/common.h"
#include "model/lpm.h"

static struct wgt_addr A(const char *s) {
	struct wgt_addr a;

	assert_true(addr_parse(s, &a));
	return a;
}

static struct wgt_prefix
P(const char *s) {
	struct wgt_prefix p;

	assert_true(prefix_parse(s, &p, NULL));
	return p;
}

/* Claims in order: "peer:prefix" strings into a fresh table. */
static struct lpm *
table(const char *const *claims, size_t n)
{
	struct lpm *l = lpm_new();
	struct wgt_prefix p;
	size_t i;

	assert_non_null(l);
	for (i = 0; i < n; i++) {
		const char *colon = strchr(claims[i], ':');

		assert_non_null(colon);
		p = P(colon + 1);
		assert_int_equal(
		    lpm_insert(l, &p, strtoul(claims[i], NULL, 10)), 0);
	}
	return l;
}

#define TABLE(...)                                                             \
	({                                                                     \
		static const char *const c_[] = {__VA_ARGS__};                 \
		table(c_, sizeof(c_) / sizeof(c_[0]));                         \
	})

/* lookup(addr) is peer with prefix pfx. */
static void expect(struct lpm *l, const char *addr, size_t peer,
		   const char *pfx)
{
	struct wgt_addr a = A(addr);
	struct wgt_prefix want = P(pfx);
	struct lpm_match m;

	assert_true(lpm_lookup(l, &a, &m));
	if (m.peer != peer || !prefix_equal(&m.pfx, &want)) {
		char got[WGT_PREFIX_STRLEN];

		fail_msg("%s: got peer %zu %s, want peer %zu %s", addr, m.peer,
			 prefix_fmt(&m.pfx, got, sizeof(got)), peer, pfx);
	}
}

static void expect_none(struct lpm *l, const char *addr)
{
	struct wgt_addr a = A(addr);
	struct lpm_match m;

	assert_false(lpm_lookup(l, &a, &m));
	assert_int_equal(lpm_matches(l, &a, &m, 1), 0);
}

static void assert_match(const struct lpm_match *m, size_t peer,
			 const char *pfx)
{
	struct wgt_prefix want = P(pfx);

	assert_int_equal(m->peer, peer);
	assert_true(prefix_equal(&m->pfx, &want));
}

static void assert_overlap(const struct lpm_overlap *o,
			   enum lpm_overlap_kind kind, size_t winner,
			   const char *wpfx, size_t shadowed, const char *spfx)
{
	assert_int_equal(o->kind, kind);
	assert_match(&o->winner, winner, wpfx);
	assert_match(&o->shadowed, shadowed, spfx);
}

static void test_empty(void **state)
{
	struct lpm *l = lpm_new();
	struct lpm_overlap o;

	(void)state;
	assert_int_equal(lpm_count(l), 0);
	expect_none(l, "10.0.0.1");
	expect_none(l, "::");
	assert_int_equal(lpm_overlaps(l, &o, 1), 0);
	lpm_free(l);
	lpm_free(NULL);
}

static void test_defaults_both_families(void **state)
{
	struct lpm *l = TABLE("0:0.0.0.0/0", "1:::/0");
	struct lpm_overlap o;

	(void)state;
	expect(l, "0.0.0.0", 0, "0.0.0.0/0");
	expect(l, "1.2.3.4", 0, "0.0.0.0/0");
	expect(l, "255.255.255.255", 0, "0.0.0.0/0");
	expect(l, "::", 1, "::/0");
	expect(l, "2001:db8::1", 1, "::/0");
	expect(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "::/0");
	/* Mapped IPv4 goes to the IPv6 default, never the IPv4 one. */
	expect(l, "::ffff:1.2.3.4", 1, "::/0");
	/* The two families never overlap. */
	assert_int_equal(lpm_overlaps(l, &o, 1), 0);
	lpm_free(l);
}

static void test_v4_mapped(void **state)
{
	struct lpm *l = TABLE("0:10.0.0.0/8");
	struct wgt_addr a;
	struct wgt_prefix p;

	(void)state;
	expect(l, "10.0.0.1", 0, "10.0.0.0/8");
	expect_none(l, "::ffff:10.0.0.1");
	a = A("::ffff:10.0.0.1");
	assert_false(lpm_peer_allows(l, 0, &a));

	/* Only an IPv6 prefix can hold it. */
	p = P("::ffff:10.0.0.0/104");
	assert_int_equal(lpm_insert(l, &p, 1), 0);
	expect(l, "::ffff:10.0.0.1", 1, "::ffff:10.0.0.0/104");
	expect(l, "10.0.0.1", 0, "10.0.0.0/8");
	expect_none(l, "::ffff:11.0.0.1");
	lpm_free(l);
}

static void test_host_prefixes_and_boundaries(void **state)
{
	struct lpm *l =
	    TABLE("0:10.0.0.0/24", "1:10.0.0.5/32", "0:2001:db8::/64",
		  "1:2001:db8::1/128", "0:192.168.0.0/16", "1:192.168.128.0/17",
		  "2:192.168.127.255/32");

	(void)state;
	expect(l, "10.0.0.0", 0, "10.0.0.0/24");
	expect(l, "10.0.0.4", 0, "10.0.0.0/24");
	expect(l, "10.0.0.5", 1, "10.0.0.5/32");
	expect(l, "10.0.0.6", 0, "10.0.0.0/24");
	expect(l, "10.0.0.255", 0, "10.0.0.0/24");
	expect_none(l, "10.0.1.0");
	expect_none(l, "9.255.255.255");

	expect(l, "2001:db8::", 0, "2001:db8::/64");
	expect(l, "2001:db8::1", 1, "2001:db8::1/128");
	expect(l, "2001:db8::2", 0, "2001:db8::/64");
	expect(l, "2001:db8::ffff:ffff:ffff:ffff", 0, "2001:db8::/64");
	expect_none(l, "2001:db8:0:1::");
	expect_none(l, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff");

	/* 192.168.127.255 is the last address below the /17's half. */
	expect(l, "192.168.0.0", 0, "192.168.0.0/16");
	expect(l, "192.168.127.254", 0, "192.168.0.0/16");
	expect(l, "192.168.127.255", 2, "192.168.127.255/32");
	expect(l, "192.168.128.0", 1, "192.168.128.0/17");
	expect(l, "192.168.255.255", 1, "192.168.128.0/17");
	expect_none(l, "192.169.0.0");
	expect_none(l, "192.167.255.255");
	lpm_free(l);
}

static void test_extremes(void **state)
{
	struct lpm *l = TABLE(
	    "0:0.0.0.0/0", "1:255.255.255.255/32", "2:0.0.0.0/32", "0:::/0",
	    "1:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "2:::/128");

	(void)state;
	expect(l, "0.0.0.0", 2, "0.0.0.0/32");
	expect(l, "0.0.0.1", 0, "0.0.0.0/0");
	expect(l, "255.255.255.254", 0, "0.0.0.0/0");
	expect(l, "255.255.255.255", 1, "255.255.255.255/32");
	expect(l, "::", 2, "::/128");
	expect(l, "::1", 0, "::/0");
	expect(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0, "::/0");
	expect(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	lpm_free(l);
}

/* Every length of one address, /0 to /128: the deepest path there is. */
static void every_length(bool shortest_first)
{
	struct lpm_match m[LPM_MAX_DEPTH + 1];
	struct wgt_addr a = A("2001:db8::1"), other = A("2001:db8::");
	struct lpm *l = lpm_new();
	struct wgt_prefix p;
	int i, len;

	for (i = 0; i <= 128; i++) {
		len = shortest_first ? i : 128 - i;
		memset(&p, 0, sizeof(p));
		p.addr = a;
		p.len = len;
		assert_int_equal(lpm_insert(l, &p, len % 3), 0);
	}
	assert_int_equal(lpm_count(l), 129);
	assert_int_equal(lpm_matches(l, &a, m, ARRAY_SIZE(m)), 129);
	for (i = 0; i <= 128; i++) {
		assert_int_equal(m[i].pfx.len, 128 - i);
		assert_int_equal(m[i].peer, (128 - i) % 3);
	}
	expect(l, "2001:db8::1", 2, "2001:db8::1/128");
	/* Differs in the last bit: everything but the /128. */
	assert_int_equal(lpm_matches(l, &other, m, ARRAY_SIZE(m)), 128);
	assert_int_equal(m[0].pfx.len, 127);
	assert_int_equal(m[0].peer, 127 % 3);
	/* Differs in the first bit: only /0. */
	expect(l, "a001:db8::1", 0, "::/0");
	lpm_free(l);
}

static void test_every_length_v6(void **state)
{
	(void)state;
	every_length(true);
	every_length(false);
}

static void test_identical_on_two_peers(void **state)
{
	struct lpm *l = TABLE("0:10.0.0.0/8", "1:10.0.0.0/8");
	struct wgt_addr a = A("10.1.1.1");
	struct lpm_overlap o[4];
	struct lpm_match m[4];

	(void)state;
	/* The later peer wins, as `wg setconf` would leave it. */
	expect(l, "10.1.1.1", 1, "10.0.0.0/8");
	assert_int_equal(lpm_matches(l, &a, m, 4), 2);
	assert_match(&m[0], 1, "10.0.0.0/8");
	assert_match(&m[1], 0, "10.0.0.0/8");
	assert_true(lpm_peer_allows(l, 1, &a));
	assert_false(lpm_peer_allows(l, 0, &a));
	assert_int_equal(lpm_overlaps(l, o, 4), 1);
	assert_overlap(&o[0], LPM_OVERLAP_IDENTICAL, 1, "10.0.0.0/8", 0,
		       "10.0.0.0/8");
	lpm_free(l);

	/* Three peers: each loser paired with the winner, in claim order. */
	l = TABLE("0:10.0.0.0/8", "1:10.0.0.0/8", "2:10.0.0.0/8");
	expect(l, "10.0.0.0", 2, "10.0.0.0/8");
	assert_int_equal(lpm_matches(l, &a, m, 4), 3);
	assert_match(&m[0], 2, "10.0.0.0/8");
	assert_match(&m[1], 1, "10.0.0.0/8");
	assert_match(&m[2], 0, "10.0.0.0/8");
	assert_int_equal(lpm_overlaps(l, o, 4), 2);
	assert_overlap(&o[0], LPM_OVERLAP_IDENTICAL, 2, "10.0.0.0/8", 0,
		       "10.0.0.0/8");
	assert_overlap(&o[1], LPM_OVERLAP_IDENTICAL, 2, "10.0.0.0/8", 1,
		       "10.0.0.0/8");
	lpm_free(l);
}

static void test_identical_reclaimed(void **state)
{
	struct lpm *l = TABLE("0:10.0.0.0/8", "1:10.0.0.0/8");
	struct wgt_addr a = A("10.200.0.1");
	struct lpm_overlap o[4];
	struct lpm_match m[4];
	struct wgt_prefix p = {.addr = A("10.9.9.9"), .len = 8};

	(void)state;
	/* Host bits are ignored: 10.9.9.9/8 is 10.0.0.0/8. */
	assert_int_equal(lpm_insert(l, &p, 0), 0);
	/* Peer 0 took it back, as a third `wg set` would. */
	assert_int_equal(lpm_count(l), 2);
	expect(l, "10.200.0.1", 0, "10.0.0.0/8");
	assert_int_equal(lpm_matches(l, &a, m, 4), 2);
	assert_match(&m[0], 0, "10.0.0.0/8");
	assert_match(&m[1], 1, "10.0.0.0/8");
	assert_int_equal(lpm_overlaps(l, o, 4), 1);
	assert_overlap(&o[0], LPM_OVERLAP_IDENTICAL, 0, "10.0.0.0/8", 1,
		       "10.0.0.0/8");
	lpm_free(l);

	/* Twice on one peer: one claim, no overlap. */
	l = TABLE("3:2001:db8::/32", "3:2001:db8::/32");
	assert_int_equal(lpm_count(l), 1);
	assert_int_equal(lpm_overlaps(l, o, 4), 0);
	lpm_free(l);
}

static void test_nested(void **state)
{
	struct lpm *l = TABLE("0:10.0.0.0/8", "1:10.1.0.0/16", "2:10.1.2.0/24");
	struct wgt_addr a = A("10.1.2.3");
	struct lpm_overlap o[8];
	struct lpm_match m[8];

	(void)state;
	expect(l, "10.1.2.3", 2, "10.1.2.0/24");
	expect(l, "10.1.3.1", 1, "10.1.0.0/16");
	expect(l, "10.2.0.0", 0, "10.0.0.0/8");
	assert_int_equal(lpm_matches(l, &a, m, 8), 3);
	assert_match(&m[0], 2, "10.1.2.0/24");
	assert_match(&m[1], 1, "10.1.0.0/16");
	assert_match(&m[2], 0, "10.0.0.0/8");
	/* Source check: a wider prefix on the sender does not help. */
	assert_false(lpm_peer_allows(l, 0, &a));
	assert_false(lpm_peer_allows(l, 1, &a));
	assert_true(lpm_peer_allows(l, 2, &a));

	assert_int_equal(lpm_overlaps(l, o, 8), 3);
	assert_overlap(&o[0], LPM_OVERLAP_NESTED, 1, "10.1.0.0/16", 0,
		       "10.0.0.0/8");
	assert_overlap(&o[1], LPM_OVERLAP_NESTED, 2, "10.1.2.0/24", 1,
		       "10.1.0.0/16");
	assert_overlap(&o[2], LPM_OVERLAP_NESTED, 2, "10.1.2.0/24", 0,
		       "10.0.0.0/8");
	lpm_free(l);
}

static void test_nested_same_peer_and_losers(void **state)
{
	struct lpm_overlap o[8];
	struct lpm *l;

	(void)state;
	/* Nesting on one peer is not an overlap between peers. */
	l = TABLE("0:10.0.0.0/8", "0:10.1.0.0/16");
	assert_int_equal(lpm_overlaps(l, o, 8), 0);
	lpm_free(l);

	l = TABLE("0:10.0.0.0/8", "0:10.1.0.0/16", "1:10.1.2.0/24");
	assert_int_equal(lpm_overlaps(l, o, 8), 2);
	assert_overlap(&o[0], LPM_OVERLAP_NESTED, 1, "10.1.2.0/24", 0,
		       "10.1.0.0/16");
	assert_overlap(&o[1], LPM_OVERLAP_NESTED, 1, "10.1.2.0/24", 0,
		       "10.0.0.0/8");
	lpm_free(l);

	/* Peer 0 lost 10/8 to peer 1; only the winner is nested against. */
	l = TABLE("0:10.0.0.0/8", "1:10.0.0.0/8", "2:10.1.0.0/16");
	assert_int_equal(lpm_overlaps(l, o, 8), 2);
	assert_overlap(&o[0], LPM_OVERLAP_IDENTICAL, 1, "10.0.0.0/8", 0,
		       "10.0.0.0/8");
	assert_overlap(&o[1], LPM_OVERLAP_NESTED, 2, "10.1.0.0/16", 1,
		       "10.0.0.0/8");
	lpm_free(l);

	/* A full tunnel peer and a site peer, both families. */
	l = TABLE("0:0.0.0.0/0", "0:::/0", "1:10.0.0.0/8", "1:2001:db8::/32");
	assert_int_equal(lpm_overlaps(l, o, 8), 2);
	assert_overlap(&o[0], LPM_OVERLAP_NESTED, 1, "10.0.0.0/8", 0,
		       "0.0.0.0/0");
	assert_overlap(&o[1], LPM_OVERLAP_NESTED, 1, "2001:db8::/32", 0,
		       "::/0");
	lpm_free(l);
}

static int stop_at_first(const struct lpm_overlap *ov, void *ctx)
{
	(void)ov;
	(*(int *)ctx)++;
	return 7;
}

static void test_bounded_outputs(void **state)
{
	struct lpm *l = TABLE("0:10.0.0.0/8", "1:10.1.0.0/16", "2:10.1.2.0/24",
			      "3:10.1.2.0/24");
	struct wgt_addr a = A("10.1.2.3");
	struct lpm_overlap o[3];
	struct lpm_match m[3];
	int calls = 0;

	(void)state;
	/* Counts everything, stores only what fits. */
	memset(m, 0x5a, sizeof(m));
	assert_int_equal(lpm_matches(l, &a, m, 2), 4);
	assert_match(&m[0], 3, "10.1.2.0/24");
	assert_match(&m[1], 2, "10.1.2.0/24");
	assert_int_equal(m[2].peer, (size_t)0x5a5a5a5a5a5a5a5aULL);
	assert_int_equal(lpm_matches(l, &a, NULL, 0), 4);

	/* /16 in /8; 3 beats 2 on the /24; 3's /24 in /16 and in /8. */
	memset(o, 0x5a, sizeof(o));
	assert_int_equal(lpm_overlaps(l, o, 2), 4);
	assert_overlap(&o[0], LPM_OVERLAP_NESTED, 1, "10.1.0.0/16", 0,
		       "10.0.0.0/8");
	assert_overlap(&o[1], LPM_OVERLAP_IDENTICAL, 3, "10.1.2.0/24", 2,
		       "10.1.2.0/24");
	assert_int_equal(o[2].winner.peer, (size_t)0x5a5a5a5a5a5a5a5aULL);

	assert_int_equal(lpm_for_each_overlap(l, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	lpm_free(l);

	/* The same when the first pair is an identical one. */
	l = TABLE("0:10.0.0.0/8", "1:10.0.0.0/8");
	calls = 0;
	assert_int_equal(lpm_for_each_overlap(l, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	lpm_free(l);
}

static void test_insert_rejects(void **state)
{
	struct lpm *l = lpm_new();
	struct wgt_prefix p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(lpm_insert(l, &p, 0), -EINVAL);
	p = P("10.0.0.0/8");
	p.len = 33;
	assert_int_equal(lpm_insert(l, &p, 0), -EINVAL);
	p = P("::/0");
	p.len = 129;
	assert_int_equal(lpm_insert(l, &p, 0), -EINVAL);
	assert_int_equal(lpm_count(l), 0);
	/* An address of no family matches nothing, even ::/0 and 0/0. */
	p = P("0.0.0.0/0");
	assert_int_equal(lpm_insert(l, &p, 0), 0);
	p = P("::/0");
	assert_int_equal(lpm_insert(l, &p, 0), 0);
	{
		struct wgt_addr none = {0};
		struct lpm_match m;

		assert_false(lpm_lookup(l, &none, &m));
		assert_int_equal(lpm_matches(l, &none, &m, 1), 0);
	}
	lpm_free(l);
}

/* The cap holds: one claim past LPM_MAX_PREFIXES is refused. */
static void test_cap(void **state)
{
	struct lpm *l = lpm_new();
	struct wgt_prefix p;
	uint32_t i;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.addr.family = AF_INET;
	p.len = 32;
	for (i = 0; i < LPM_MAX_PREFIXES; i++) {
		p.addr.b[1] = i >> 16;
		p.addr.b[2] = i >> 8;
		p.addr.b[3] = i;
		if (lpm_insert(l, &p, 0))
			fail_msg("insert %u failed", i);
	}
	p.addr.b[0] = 11;
	assert_int_equal(lpm_insert(l, &p, 0), -E2BIG);
	assert_int_equal(lpm_count(l), LPM_MAX_PREFIXES);
	expect(l, "0.15.255.255", 0, "0.15.255.255/32");
	expect_none(l, "0.16.0.0");
	lpm_free(l);
}

static void test_build_from_device(void **state)
{
	struct wgt_prefix a0[] = {P("10.40.0.2/32"), P("10.99.0.0/16")};
	struct wgt_prefix a1[] = {P("0.0.0.0/0"), P("::/0")};
	struct wgt_prefix a2[] = {P("10.99.1.0/24"), P("10.99.0.0/16")};
	struct wg_peer_info peers[3] = {
	    {.allowed = a0, .n_allowed = 2},
	    {.allowed = a1, .n_allowed = 2},
	    {.allowed = a2, .n_allowed = 2},
	};
	struct wg_device_info dev = {.peers = peers, .n_peers = 3};
	struct lpm_overlap o[8];
	struct lpm *l;

	(void)state;
	assert_int_equal(lpm_build(&dev, &l), 0);
	assert_int_equal(lpm_count(l), 6);
	expect(l, "10.40.0.2", 0, "10.40.0.2/32");
	expect(l, "10.99.1.1", 2, "10.99.1.0/24");
	expect(l, "10.99.2.1", 2, "10.99.0.0/16");
	expect(l, "8.8.8.8", 1, "0.0.0.0/0");
	expect(l, "2001:db8::1", 1, "::/0");
	/*
	 * Claim order: 0 10.40.0.2/32, 0 10.99/16, 1 0/0, 1 ::/0,
	 * 2 10.99.1/24, 2 10.99/16.
	 */
	assert_int_equal(lpm_overlaps(l, o, 8), 4);
	assert_overlap(&o[0], LPM_OVERLAP_NESTED, 0, "10.40.0.2/32", 1,
		       "0.0.0.0/0");
	assert_overlap(&o[1], LPM_OVERLAP_IDENTICAL, 2, "10.99.0.0/16", 0,
		       "10.99.0.0/16");
	assert_overlap(&o[2], LPM_OVERLAP_NESTED, 2, "10.99.1.0/24", 1,
		       "0.0.0.0/0");
	assert_overlap(&o[3], LPM_OVERLAP_NESTED, 2, "10.99.0.0/16", 1,
		       "0.0.0.0/0");
	lpm_free(l);

	/* Nothing to build from. */
	dev.n_peers = 0;
	assert_int_equal(lpm_build(&dev, &l), 0);
	assert_int_equal(lpm_count(l), 0);
	lpm_free(l);

	/* A bad prefix fails the build and leaves nothing behind. */
	dev.n_peers = 3;
	a2[1].len = 40;
	l = (struct lpm *)&dev;
	assert_int_equal(lpm_build(&dev, &l), -EINVAL);
	assert_null(l);
}

static void test_many_prefixes(void **state)
{
	struct lpm *l = lpm_new();
	struct wgt_prefix p;
	struct lpm_match m;
	struct wgt_addr a;
	unsigned int i;

	(void)state;
	p = P("10.0.0.0/8");
	assert_int_equal(lpm_insert(l, &p, 0), 0);
	for (i = 0; i < 65536; i++) {
		memset(&p, 0, sizeof(p));
		p.addr.family = AF_INET;
		p.addr.b[0] = 10;
		p.addr.b[1] = i >> 8;
		p.addr.b[2] = i & 0xff;
		p.len = 24;
		assert_int_equal(lpm_insert(l, &p, 1 + i % 5), 0);
	}
	assert_int_equal(lpm_count(l), 65537);
	for (i = 0; i < 65536; i += 251) {
		a = A("10.0.0.7");
		a.b[1] = i >> 8;
		a.b[2] = i & 0xff;
		assert_true(lpm_lookup(l, &a, &m));
		assert_int_equal(m.peer, 1 + i % 5);
		assert_int_equal(m.pfx.len, 24);
	}
	/* Every /24 is taken: the /8 never wins; outside it nothing does. */
	expect(l, "10.255.255.255", 1 + 65535 % 5, "10.255.255.0/24");
	expect_none(l, "11.0.0.0");
	lpm_free(l);
}

/*
 * A random table against the obvious O(n) scan: the longest prefix that
 * contains the address wins; of equal prefixes, the last one inserted.
 */
struct ref_claim {
	struct wgt_prefix pfx;
	size_t peer;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Addresses drawn from a few clusters, so prefixes nest and collide. */
static void random_addr(struct wgt_addr *a, uint8_t family)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->family = family;
	a->b[0] = family == AF_INET ? 10 : 0x20;
	a->b[1] = rnd() % 4;
	for (i = 2; i < addr_bytes(family); i++)
		a->b[i] = rnd() % 3 ? rnd() % 4 : rnd();
}

static void test_random_against_scan(void **state)
{
	enum { N = 3000, Q = 20000 };
	struct ref_claim *ref = calloc(N, sizeof(*ref));
	/* dup: the same claim comes again later; last: no later claim on
	 * the same prefix, so this one's peer owns it. */
	bool *dup = calloc(N, sizeof(*dup)), *last = calloc(N, sizeof(*last));
	size_t *owner = calloc(N, sizeof(*owner));
	size_t i, j, k, best, want_n, want_ov = 0;
	struct lpm_match m[64];
	struct lpm *l = lpm_new();
	struct wgt_prefix p;
	struct wgt_addr a;
	bool found;

	(void)state;
	assert_non_null(ref);
	assert_non_null(dup);
	assert_non_null(last);
	assert_non_null(owner);
	for (i = 0; i < N; i++) {
		uint8_t fam = rnd() % 2 ? AF_INET : AF_INET6;

		memset(&p, 0, sizeof(p));
		random_addr(&p.addr, fam);
		p.len = rnd() % (addr_bits(fam) + 1);
		prefix_normalize(&p);
		ref[i].pfx = p;
		ref[i].peer = rnd() % 8;
		assert_int_equal(lpm_insert(l, &p, ref[i].peer), 0);
	}
	for (i = 0; i < N; i++) {
		last[i] = true;
		owner[i] = ref[i].peer;
		for (j = i + 1; j < N; j++) {
			if (!prefix_equal(&ref[j].pfx, &ref[i].pfx))
				continue;
			last[i] = false;
			owner[i] = ref[j].peer;
			if (ref[j].peer == ref[i].peer)
				dup[i] = true;
		}
	}

	for (i = 0; i < Q; i++) {
		random_addr(&a, rnd() % 2 ? AF_INET : AF_INET6);
		found = false;
		best = 0;
		want_n = 0;
		for (j = 0; j < N; j++) {
			if (!prefix_contains(&ref[j].pfx, &a))
				continue;
			if (!dup[j])
				want_n++;
			if (!found || ref[j].pfx.len >= ref[best].pfx.len) {
				best = j;
				found = true;
			}
		}
		assert_int_equal(lpm_lookup(l, &a, &m[0]), found);
		assert_int_equal(lpm_matches(l, &a, m, ARRAY_SIZE(m)), want_n);
		if (!found)
			continue;
		assert_int_equal(m[0].peer, ref[best].peer);
		assert_true(prefix_equal(&m[0].pfx, &ref[best].pfx));
		for (j = 1; j < want_n && j < ARRAY_SIZE(m); j++)
			assert_true(m[j].pfx.len <= m[j - 1].pfx.len);
	}

	/*
	 * Overlaps: each distinct claim that lost its prefix, and for each
	 * that owns it, each shorter owned prefix around it on another peer.
	 */
	for (j = 0; j < N; j++) {
		if (dup[j])
			continue;
		if (owner[j] != ref[j].peer) {
			want_ov++;
			continue;
		}
		for (k = 0; k < N; k++) {
			if (last[k] && ref[k].pfx.len < ref[j].pfx.len &&
			    prefix_covers(&ref[k].pfx, &ref[j].pfx) &&
			    ref[k].peer != ref[j].peer)
				want_ov++;
		}
	}
	assert_true(want_ov > 100);
	assert_int_equal(lpm_overlaps(l, NULL, 0), want_ov);

	lpm_free(l);
	free(ref);
	free(dup);
	free(last);
	free(owner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_defaults_both_families),
	    cmocka_unit_test(test_v4_mapped),
	    cmocka_unit_test(test_host_prefixes_and_boundaries),
	    cmocka_unit_test(test_extremes),
	    cmocka_unit_test(test_every_length_v6),
	    cmocka_unit_test(test_identical_on_two_peers),
	    cmocka_unit_test(test_identical_reclaimed),
	    cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_nested_same_peer_and_losers),
	    cmocka_unit_test(test_bounded_outputs),
	    cmocka_unit_test(test_insert_rejects),
	    cmocka_unit_test(test_build_from_device),
	    cmocka_unit_test(test_many_prefixes),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_random_against_scan),
	};

	return cmocka_run_group_tests_name("lpm", tests, NULL, NULL);
}
