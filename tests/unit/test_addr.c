// SPDX-License-Identifier: GPL-2.0
/* user/model/addr.c: expected values worked out by hand from the RFCs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "model/addr.h"

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

static void
test_addr_parse_v4(void **state)
{
	static const uint8_t want[16] = {10, 0, 0, 1};
	struct wgt_addr a;

	(void)state;
	memset(&a, 0xaa, sizeof(a));
	assert_true(addr_parse("10.0.0.1", &a));
	assert_int_equal(a.family, AF_INET);
	/* The bytes past the IPv4 address are zero, so memcmp works. */
	assert_memory_equal(a.b, want, 16);
	assert_true(addr_parse("0.0.0.0", &a));
	assert_true(addr_parse("255.255.255.255", &a));
	assert_int_equal(a.b[3], 255);
}

static void test_addr_parse_v6(void **state)
{
	static const uint8_t doc[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t mapped[16] = {
	    [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1};
	struct wgt_addr a;

	(void)state;
	assert_true(addr_parse("2001:db8::1", &a));
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.b, doc, 16);
	/* A mapped IPv4 address stays IPv6, as WireGuard treats it. */
	assert_true(addr_parse("::ffff:10.0.0.1", &a));
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.b, mapped, 16);
	assert_true(addr_parse("::", &a));
	assert_true(addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a));
	assert_int_equal(a.b[0], 0xff);
	assert_int_equal(a.b[15], 0xff);
}

static void test_addr_parse_rejects(void **state)
{
	static const char *const bad[] = {
	    "",		 "10.0.0",	 "10.0.0.256",	"10.0.0.1/32",
	    "[::1]",	 "fe80::1%eth0", "10.0.0.1:80", " 10.0.0.1",
	    "10.0.0.1 ", "010.0.0.1",	 "1::2::3",	"2001:db8::g",
	    "localhost", "0x0a.0.0.1",	 "10.0.0.1.",	"::ffff:10.0.0",
	};
	struct wgt_addr a = {.family = 99};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(addr_parse(bad[i], &a));
		/* Untouched on failure. */
		assert_int_equal(a.family, 99);
	}
	assert_false(addr_parse(NULL, &a));
}

static void test_addr_fmt(void **state)
{
	struct wgt_addr a = {0};
	char buf[WGT_ADDR_STRLEN];

	(void)state;
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "-");
	a = A("10.0.0.1");
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "10.0.0.1");
	/* RFC 5952: lower case, the first of two equal zero runs shortened. */
	a = A("2001:DB8:0:0:1:0:0:1");
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)),
			    "2001:db8::1:0:0:1");
	a = A("::ffff:10.0.0.1");
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "::ffff:10.0.0.1");
	a = A("::");
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), "::");
}

static void test_addr_from_raw_equal(void **state)
{
	static const uint8_t raw4[4] = {192, 0, 2, 1};
	struct wgt_addr a, b;

	(void)state;
	memset(&a, 0x55, sizeof(a));
	addr_from_raw(&a, AF_INET, raw4);
	b = A("192.0.2.1");
	assert_true(addr_equal(&a, &b));
	assert_int_equal(a.b[4], 0);
	assert_int_equal(a.b[15], 0);
	/* 192.0.2.1 and ::ffff:192.0.2.1 are different addresses here. */
	b = A("::ffff:192.0.2.1");
	assert_false(addr_equal(&a, &b));
	a = A("2001:db8::1");
	b = A("2001:db8::2");
	assert_false(addr_equal(&a, &b));
}

static void test_prefix_parse(void **state)
{
	struct wgt_prefix p;
	bool host = true;
	char buf[WGT_PREFIX_STRLEN];

	(void)state;
	assert_true(prefix_parse("10.0.0.0/8", &p, &host));
	assert_false(host);
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(p.len, 8);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "10.0.0.0/8");

	/* A bare address is a host prefix. */
	p = P("10.0.0.1");
	assert_int_equal(p.len, 32);
	p = P("2001:db8::1");
	assert_int_equal(p.len, 128);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)),
			    "2001:db8::1/128");

	p = P("0.0.0.0/0");
	assert_int_equal(p.len, 0);
	p = P("::/0");
	assert_int_equal(p.addr.family, AF_INET6);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "::/0");
	p = P("255.255.255.255/32");
	assert_int_equal(p.len, 32);
	p = P("::ffff:10.0.0.0/104");
	assert_int_equal(p.addr.family, AF_INET6);
	assert_int_equal(p.len, 104);
	p = P("2001:db8::/32");
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "2001:db8::/32");
}

static void test_prefix_parse_host_bits(void **state)
{
	struct wgt_prefix p;
	bool host = false;
	char buf[WGT_PREFIX_STRLEN];

	(void)state;
	/* A typo for 10.1.0.0/16 is caught... */
	assert_false(prefix_parse("10.1.2.3/16", &p, NULL));
	/* ...or reported and cleared when the caller asks. */
	assert_true(prefix_parse("10.1.2.3/16", &p, &host));
	assert_true(host);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "10.1.0.0/16");
	assert_true(prefix_parse("2001:db8::1/32", &p, &host));
	assert_true(host);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "2001:db8::/32");
	/* 10.0.0.1/0: every bit is a host bit. */
	assert_true(prefix_parse("10.0.0.1/0", &p, &host));
	assert_true(host);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "0.0.0.0/0");
	/* 192.168.1.129/25: .129 = .128 + 1, so host bits set. */
	assert_true(prefix_parse("192.168.1.129/25", &p, &host));
	assert_true(host);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)),
			    "192.168.1.128/25");
	assert_true(prefix_parse("192.168.1.128/25", &p, &host));
	assert_false(host);
}

static void test_prefix_parse_rejects(void **state)
{
	static const char *const bad[] = {
	    "",
	    "/8",
	    "10.0.0.0/",
	    "10.0.0.0/33",
	    "::/129",
	    "10.0.0.0/8/8",
	    "10.0.0.0/-1",
	    "10.0.0.0/+8",
	    "10.0.0.0/ 8",
	    "10.0.0.0/8 ",
	    "10.0.0.0/8x",
	    "10.0.0/8",
	    "10.0.0.0/99999999999999999999999",
	    "2001:db8::/64%eth0",
	};
	struct wgt_prefix p = {.len = 77};
	char longer[300];
	bool host;
	size_t i;

	(void)state;
	/* Far longer than any prefix: refused, not copied. */
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_false(prefix_parse(longer, &p, &host));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(prefix_parse(bad[i], &p, &host));
		assert_int_equal(p.len, 77);
	}
	assert_false(prefix_parse(NULL, &p, &host));
}

static void test_prefix_normalize(void **state)
{
	struct wgt_prefix p;
	char buf[WGT_PREFIX_STRLEN];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.addr = A("10.1.2.3");
	p.len = 16;
	prefix_normalize(&p);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "10.1.0.0/16");
	p.addr = A("10.1.2.255");
	p.len = 31;
	prefix_normalize(&p);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "10.1.2.254/31");
	p.addr = A("10.1.2.3");
	p.len = 0;
	prefix_normalize(&p);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "0.0.0.0/0");
	/* Garbage past an IPv4 address goes too. */
	p.addr = A("10.1.2.3");
	p.addr.b[9] = 0x77;
	p.len = 32;
	prefix_normalize(&p);
	assert_int_equal(p.addr.b[9], 0);
	assert_int_equal(p.addr.b[3], 3);
	/* 2001:db8:ffff::1/33 keeps one bit of 0xff: 0x80 -> 2001:db8:8000::.
	 */
	p.addr = A("2001:db8:ffff::1");
	p.len = 33;
	prefix_normalize(&p);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)),
			    "2001:db8:8000::/33");
	p.addr = A("2001:db8::3");
	p.len = 127;
	prefix_normalize(&p);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)),
			    "2001:db8::2/127");
	p.addr = A("2001:db8::3");
	p.len = 128;
	prefix_normalize(&p);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)),
			    "2001:db8::3/128");
}

static void test_prefix_contains(void **state)
{
	struct wgt_prefix p;
	struct wgt_addr a;

	(void)state;
	p = P("10.0.0.0/8");
	a = A("10.0.0.0");
	assert_true(prefix_contains(&p, &a));
	a = A("10.255.255.255");
	assert_true(prefix_contains(&p, &a));
	a = A("11.0.0.0");
	assert_false(prefix_contains(&p, &a));
	a = A("9.255.255.255");
	assert_false(prefix_contains(&p, &a));
	/* IPv4 prefixes never hold mapped IPv6 addresses. */
	a = A("::ffff:10.0.0.1");
	assert_false(prefix_contains(&p, &a));

	p = P("192.168.1.0/25");
	a = A("192.168.1.127");
	assert_true(prefix_contains(&p, &a));
	a = A("192.168.1.128");
	assert_false(prefix_contains(&p, &a));

	p = P("0.0.0.0/0");
	a = A("255.255.255.255");
	assert_true(prefix_contains(&p, &a));
	a = A("0.0.0.0");
	assert_true(prefix_contains(&p, &a));
	a = A("::");
	assert_false(prefix_contains(&p, &a));

	p = P("::/0");
	a = A("::ffff:10.0.0.1");
	assert_true(prefix_contains(&p, &a));
	a = A("10.0.0.1");
	assert_false(prefix_contains(&p, &a));

	p = P("10.0.0.7/32");
	a = A("10.0.0.7");
	assert_true(prefix_contains(&p, &a));
	a = A("10.0.0.6");
	assert_false(prefix_contains(&p, &a));

	p = P("2001:db8::1/128");
	a = A("2001:db8::1");
	assert_true(prefix_contains(&p, &a));
	a = A("2001:db8::");
	assert_false(prefix_contains(&p, &a));

	/* 2001:db8::/127 holds ::0 and ::1 only. */
	p = P("2001:db8::/127");
	a = A("2001:db8::1");
	assert_true(prefix_contains(&p, &a));
	a = A("2001:db8::2");
	assert_false(prefix_contains(&p, &a));

	/* A length the family cannot have holds nothing (and reads no further).
	 */
	p = P("10.0.0.0/8");
	p.len = 200;
	a = A("10.0.0.0");
	assert_false(prefix_contains(&p, &a));
}

static void test_prefix_covers_equal(void **state)
{
	struct wgt_prefix a, b;

	(void)state;
	a = P("10.0.0.0/8");
	b = P("10.1.0.0/16");
	assert_true(prefix_covers(&a, &b));
	assert_false(prefix_covers(&b, &a));
	assert_true(prefix_covers(&a, &a));
	assert_false(prefix_equal(&a, &b));
	assert_true(prefix_equal(&a, &a));

	/* 10 = 0000 1010 and 11 = 0000 1011 share their first 7 bits. */
	a = P("10.0.0.0/7");
	b = P("11.0.0.0/8");
	assert_true(prefix_covers(&a, &b));
	a = P("10.0.0.0/8");
	assert_false(prefix_covers(&a, &b));

	a = P("0.0.0.0/0");
	b = P("255.255.255.255/32");
	assert_true(prefix_covers(&a, &b));
	b = P("::/0");
	assert_false(prefix_covers(&a, &b));
	assert_false(prefix_equal(&a, &b));

	a = P("::/0");
	b = P("::ffff:0.0.0.0/96");
	assert_true(prefix_covers(&a, &b));
	b = P("10.0.0.0/8");
	assert_false(prefix_covers(&a, &b));

	a = P("10.0.0.0/8");
	b = P("10.0.0.0/9");
	assert_false(prefix_equal(&a, &b));
	assert_true(prefix_covers(&a, &b));
}

static void sample(const char *pfx, const char *want)
{
	struct wgt_prefix p = P(pfx);
	char buf[WGT_ADDR_STRLEN];
	struct wgt_addr a;

	prefix_sample_addr(&p, &a);
	assert_string_equal(addr_fmt(&a, buf, sizeof(buf)), want);
	assert_true(prefix_contains(&p, &a));
}

static void test_prefix_sample_addr(void **state)
{
	(void)state;
	sample("10.0.0.0/8", "10.0.0.1");
	sample("10.0.0.4/30", "10.0.0.5");
	/* /31 and /32 have no network address to avoid. */
	sample("10.0.0.0/31", "10.0.0.0");
	sample("10.0.0.7/32", "10.0.0.7");
	sample("0.0.0.0/0", "0.0.0.1");
	sample("128.0.0.0/1", "128.0.0.1");
	sample("2001:db8::/32", "2001:db8::1");
	sample("2001:db8::/127", "2001:db8::");
	sample("2001:db8::5/128", "2001:db8::5");
	sample("8000::/1", "8000::1");
	/* ::1 is loopback: the kernel would answer from table local. */
	sample("::/0", "2000::1");
	sample("::/1", "2000::1");
	sample("::/2", "2000::1");
}

/* What trace may send to the resolver, and what is a mistyped address. */
static void test_addr_is_hostname(void **state)
{
	static const char *const yes[] = {
	    "localhost",
	    "db.example.net",
	    "db.example.net.",
	    "a",
	    "x-1.y",
	    "host9.example",
	    "1host.example",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "com",
	};
	static const char *const no[] = {
	    "10.0.0.256",
	    "1.2.3",
	    "127.1",
	    "0x7f000001",
	    "0x7f.0.0.1",
	    "10.0.0.1.",
	    "fe80::1::",
	    "::g",
	    "2001:db8::/64",
	    "a..b",
	    ".a",
	    "-a.com",
	    "a-.com",
	    "a_b.com",
	    "a b",
	    "",
	    ".",
	    "1.2.3.4a",
	    "a.1",
	    "\xff.com",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "com",
	};
	char big[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(addr_is_hostname(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(addr_is_hostname(no[i]));
	/* 254 bytes of valid labels: one past the limit. */
	memset(big, 'a', sizeof(big));
	for (i = 50; i < 254; i += 51)
		big[i] = '.';
	big[254] = '\0';
	assert_false(addr_is_hostname(big));
	big[253] = '\0';
	assert_true(addr_is_hostname(big));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_is_hostname),
	    cmocka_unit_test(test_addr_parse_v4),
	    cmocka_unit_test(test_addr_parse_v6),
	    cmocka_unit_test(test_addr_parse_rejects),
	    cmocka_unit_test(test_addr_fmt),
	    cmocka_unit_test(test_addr_from_raw_equal),
	    cmocka_unit_test(test_prefix_parse),
	    cmocka_unit_test(test_prefix_parse_host_bits),
	    cmocka_unit_test(test_prefix_parse_rejects),
	    cmocka_unit_test(test_prefix_normalize),
	    cmocka_unit_test(test_prefix_contains),
	    cmocka_unit_test(test_prefix_covers_equal),
	    cmocka_unit_test(test_prefix_sample_addr),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
