// SPDX-License-Identifier: GPL-2.0
/*
 * user/model/intent.c: valid files field by field, and every error message word
 * for word with its line and column (counted by hand: columns are bytes
 * from 1).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/intent.h"

#define K1 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define K2 "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
#define K3 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
/* K1 with its last character 'g' (100000) made 'h' (100001): the two
 * spare bits are no longer zero. */
#define K1_BAD "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh="

static struct intent in;
static char err[512];

static bool parse(const char *text)
{
	return intent_parse(text, strlen(text), "t.intent", &in, err,
			    sizeof(err));
}

/* text fails with exactly msg, and leaves nothing behind. */
static void bad(const char *text, const char *msg)
{
	intent_free(&in);
	memset(&in, 0x5a, sizeof(in));
	if (intent_parse(text, strlen(text), "t.intent", &in, err, sizeof(err)))
		fail_msg("parsed, expected: %s\ninput: %s", msg, text);
	assert_string_equal(err, msg);
	assert_null(in.asserts);
	assert_int_equal(in.n_asserts, 0);
	assert_null(in.names);
	assert_int_equal(in.n_names, 0);
}

static void good(const char *text)
{
	intent_free(&in);
	if (!parse(text))
		fail_msg("%s\ninput: %s", err, text);
	assert_string_equal(err, "");
}

static void assert_prefix(const struct wgt_prefix *p, const char *want)
{
	char buf[WGT_PREFIX_STRLEN];

	assert_string_equal(prefix_fmt(p, buf, sizeof(buf)), want);
}

static void assert_addr(const struct wgt_addr *a, const char *want)
{
	char buf[WGT_ADDR_STRLEN];

	assert_string_equal(addr_fmt(a, buf, sizeof(buf)), want);
}

static int teardown(void **state)
{
	(void)state;
	intent_free(&in);
	return 0;
}

static void test_full_file(void **state)
{
	const struct intent_assert *a;
	uint8_t raw[WG_KEY_LEN_RAW];
	const uint8_t *key;

	(void)state;
	good("# gateway intent\n"
	     "name " K1 " gw-east\n"
	     "\n"
	     "0.0.0.0/0 via wg0 peer gw-east\n"
	     "0.0.0.0/0\tvia eth0 mark 51820   # the tunnel's own packets\n"
	     "::/0 via wg0 peer " K2 "\n"
	     "10.99.0.0/16 via wg0 peer gw-west from 10.10.0.5 mark 0x1F\n"
	     "192.168.7.0/24 via wg1 from 10.10.0.5 iif eth1\n"
	     "   198.51.100.0/24 blocked\n"
	     "2001:db8::/32 blocked mark 7 from 2001:db8:ffff::1\n"
	     "10.1.2.3 via wg0\r\n"
	     "name " K2 " gw-west");
	assert_int_equal(in.n_asserts, 8);
	assert_int_equal(in.n_names, 2);

	a = &in.asserts[0];
	assert_prefix(&a->dst, "0.0.0.0/0");
	assert_int_equal(a->action, INTENT_VIA);
	assert_string_equal(a->dev, "wg0");
	assert_true(a->has_peer);
	assert_string_equal(a->peer_name, "gw-east");
	assert_string_equal(a->peer_b64, K1);
	/* "xTIB" = 49 19 8 1 -> c5 32 01; "8Dg=" = 60 3 32 -> f0 38. */
	assert_int_equal(a->peer[0], 0xc5);
	assert_int_equal(a->peer[1], 0x32);
	assert_int_equal(a->peer[2], 0x01);
	assert_int_equal(a->peer[30], 0xf0);
	assert_int_equal(a->peer[31], 0x38);
	assert_false(a->has_src);
	assert_false(a->has_mark);
	assert_int_equal(a->mark, 0);
	assert_string_equal(a->iif, "");
	assert_int_equal(a->line, 4);

	a = &in.asserts[1];
	assert_prefix(&a->dst, "0.0.0.0/0");
	assert_string_equal(a->dev, "eth0");
	assert_false(a->has_peer);
	assert_true(a->has_mark);
	assert_int_equal(a->mark, 51820);
	assert_int_equal(a->line, 5);

	/* Given by key, named on a later line. */
	a = &in.asserts[2];
	assert_prefix(&a->dst, "::/0");
	assert_string_equal(a->peer_b64, K2);
	assert_string_equal(a->peer_name, "gw-west");
	assert_int_equal(a->line, 6);

	/* Named before the name is declared. */
	a = &in.asserts[3];
	assert_prefix(&a->dst, "10.99.0.0/16");
	assert_string_equal(a->peer_b64, K2);
	assert_string_equal(a->peer_name, "gw-west");
	assert_true(a->has_src);
	assert_addr(&a->src, "10.10.0.5");
	assert_int_equal(a->mark, 0x1f);
	assert_int_equal(a->line, 7);

	a = &in.asserts[4];
	assert_string_equal(a->dev, "wg1");
	assert_string_equal(a->iif, "eth1");
	assert_addr(&a->src, "10.10.0.5");
	assert_false(a->has_peer);

	a = &in.asserts[5];
	assert_prefix(&a->dst, "198.51.100.0/24");
	assert_int_equal(a->action, INTENT_BLOCKED);
	assert_string_equal(a->dev, "");
	assert_int_equal(a->line, 9);

	a = &in.asserts[6];
	assert_prefix(&a->dst, "2001:db8::/32");
	assert_int_equal(a->action, INTENT_BLOCKED);
	assert_int_equal(a->mark, 7);
	assert_addr(&a->src, "2001:db8:ffff::1");

	/* A bare address is a host; the \r of a CRLF line is not in "wg0". */
	a = &in.asserts[7];
	assert_prefix(&a->dst, "10.1.2.3/32");
	assert_string_equal(a->dev, "wg0");
	assert_int_equal(a->line, 11);

	assert_string_equal(in.names[0].name, "gw-east");
	assert_string_equal(in.names[0].key_b64, K1);
	assert_int_equal(in.names[0].line, 2);
	assert_string_equal(in.names[1].name, "gw-west");
	assert_int_equal(in.names[1].line, 12);

	key = intent_key_of(&in, "gw-east");
	assert_non_null(key);
	assert_memory_equal(key, in.asserts[0].peer, WG_KEY_LEN_RAW);
	assert_string_equal(intent_name_of(&in, in.asserts[2].peer), "gw-west");
	assert_null(intent_key_of(&in, "gw-north"));
	assert_null(intent_key_of(&in, ""));
	memcpy(raw, key, sizeof(raw));
	intent_free(&in);
	assert_null(intent_name_of(&in, raw));
}

static void test_empty_and_comments(void **state)
{
	(void)state;
	good("");
	assert_int_equal(in.n_asserts, 0);
	good("\n\n   \t\n# only a comment\n\t# another\r\n");
	assert_int_equal(in.n_asserts, 0);
	/* A comment after words; '#' inside a word is part of it. */
	good("10.0.0.0/8 via wg0 # peer nobody\n10.1.0.0/16 via wg#1");
	assert_int_equal(in.n_asserts, 2);
	assert_false(in.asserts[0].has_peer);
	assert_string_equal(in.asserts[1].dev, "wg#1");
	intent_free(&in);
	intent_free(&in);
}

static void test_marks(void **state)
{
	(void)state;
	good("10.0.0.0/8 via wg0 mark 4294967295");
	assert_int_equal(in.asserts[0].mark, 4294967295u);
	good("10.0.0.0/8 via wg0 mark 0XFFFFFFFF");
	assert_int_equal(in.asserts[0].mark, 0xffffffffu);
	good("10.0.0.0/8 via wg0 mark 0x00000000000001");
	assert_int_equal(in.asserts[0].mark, 1);
	good("10.0.0.0/8 via wg0 mark 007");
	assert_int_equal(in.asserts[0].mark, 7);
	/* Without 'mark' the question is about mark 0: different from 51820. */
	good("0.0.0.0/0 via wg0\n0.0.0.0/0 via eth0 mark 51820");
	assert_int_equal(in.n_asserts, 2);

	bad("10.0.0.0/8 via wg0 mark 4294967296",
	    "t.intent:1:25: invalid mark '4294967296' (expected 0 to "
	    "4294967295, decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark 0x100000000",
	    "t.intent:1:25: invalid mark '0x100000000' (expected 0 to "
	    "4294967295, decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark 0x",
	    "t.intent:1:25: invalid mark '0x' (expected 0 to 4294967295, "
	    "decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark 0x1g",
	    "t.intent:1:25: invalid mark '0x1g' (expected 0 to 4294967295, "
	    "decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark -1",
	    "t.intent:1:25: invalid mark '-1' (expected 0 to 4294967295, "
	    "decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark +1",
	    "t.intent:1:25: invalid mark '+1' (expected 0 to 4294967295, "
	    "decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark 1e3",
	    "t.intent:1:25: invalid mark '1e3' (expected 0 to 4294967295, "
	    "decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark 99999999999999999999999",
	    "t.intent:1:25: invalid mark '99999999999999999999999' (expected 0 "
	    "to 4294967295, decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark 000000000000000000000000000001",
	    "t.intent:1:25: invalid mark '000000000000000000000000000001' "
	    "(expected 0 to 4294967295, decimal or 0x hex)");
	bad("10.0.0.0/8 via wg0 mark", "t.intent:1:24: 'mark' needs a number");
	bad("10.0.0.0/8 via wg0 mark 1 mark 2",
	    "t.intent:1:27: 'mark' given twice");
}

static void test_errors_statement(void **state)
{
	(void)state;
	bad("# c\n\n10.99.0.0/16 vai wg0\n",
	    "t.intent:3:14: unknown keyword 'vai' (expected 'via' or "
	    "'blocked')");
	bad("10.0.0.0/8\n",
	    "t.intent:1:11: expected 'via' or 'blocked' after '10.0.0.0/8'");
	bad("10.0.0.0/8   # no verb\n",
	    "t.intent:1:11: expected 'via' or 'blocked' after '10.0.0.0/8'");
	bad("10.0.0.0/8 via\n", "t.intent:1:15: 'via' needs a device name");
	bad("10.0.0.0/8 via # c", "t.intent:1:15: 'via' needs a device name");
	bad("10.0.0.0/8 via wg0/1",
	    "t.intent:1:16: invalid device name 'wg0/1' (1 to 15 bytes, none "
	    "of '/', ':', space)");
	bad("10.0.0.0/8 via abcdefghijklmnop",
	    "t.intent:1:16: invalid device name 'abcdefghijklmnop' (1 to 15 "
	    "bytes, none of '/', ':', space)");
	bad("10.0.0.0/8 via ..", "t.intent:1:16: invalid device name '..' (1 "
				 "to 15 bytes, none of '/', ':', space)");
	bad("10.0.0.0/8 via eth0:1",
	    "t.intent:1:16: invalid device name 'eth0:1' (1 to 15 bytes, none "
	    "of '/', ':', space)");
	bad("10.0.0.0/8 via wg0 foo",
	    "t.intent:1:20: unknown keyword 'foo' (expected 'peer', 'from', "
	    "'mark' or 'iif')");
	bad("10.0.0.0/8 blocked foo", "t.intent:1:20: unknown keyword 'foo' "
				      "(expected 'from', 'mark' or 'iif')");
	bad("10.0.0.0/8 via wg0 blocked",
	    "t.intent:1:20: unknown keyword 'blocked' (expected 'peer', "
	    "'from', 'mark' or 'iif')");
	bad("10.0.0.0/8 blocked peer gw",
	    "t.intent:1:20: 'peer' needs 'via DEV' (blocked traffic goes to no "
	    "peer)");
	/* Keywords are lower case. */
	bad("10.0.0.0/8 VIA wg0", "t.intent:1:12: unknown keyword 'VIA' "
				  "(expected 'via' or 'blocked')");
	/* Tabs are one column each. */
	bad("\t10.0.0.0/8\tvai", "t.intent:1:13: unknown keyword 'vai' "
				 "(expected 'via' or 'blocked')");
	bad("  vai 10.0.0.0/8", "t.intent:1:3: unknown keyword 'vai' (expected "
				"a prefix, 'name' or 'role')");
	bad("ip route 10.0.0.0/8", "t.intent:1:1: unknown keyword 'ip' "
				   "(expected a prefix, 'name' or 'role')");
}

static void test_errors_prefix(void **state)
{
	(void)state;
	bad("10.0.0/8 via wg0", "t.intent:1:1: invalid prefix '10.0.0/8'");
	bad("10.0.0.0/33 via wg0",
	    "t.intent:1:1: invalid prefix '10.0.0.0/33'");
	bad("::/129 via wg0", "t.intent:1:1: invalid prefix '::/129'");
	bad("10 via wg0", "t.intent:1:1: invalid prefix '10'");
	bad("1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa/64 via wg0",
	    "t.intent:1:1: invalid prefix "
	    "'1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa/64'");
	bad("fe80::1%wg0 via wg0",
	    "t.intent:1:1: invalid prefix 'fe80::1%wg0'");
	bad("10.1.2.3/16 via wg0",
	    "t.intent:1:1: prefix '10.1.2.3/16' has host bits set (did you "
	    "mean '10.1.0.0/16'?)");
	bad(" 2001:db8::1/32 blocked",
	    "t.intent:1:2: prefix '2001:db8::1/32' has host bits set (did you "
	    "mean '2001:db8::/32'?)");
}

static void test_errors_from_iif(void **state)
{
	(void)state;
	bad("10.0.0.0/8 via wg0 from",
	    "t.intent:1:24: 'from' needs an address");
	bad("10.0.0.0/8 via wg0 from 10.0.0.300",
	    "t.intent:1:25: invalid address '10.0.0.300'");
	/* A source is one address, not a prefix. */
	bad("10.0.0.0/8 via wg0 from 10.0.0.0/24",
	    "t.intent:1:25: invalid address '10.0.0.0/24'");
	bad("::/0 via wg0 from 1111:2222:3333:4444:5555:6666:7777:8888:9999",
	    "t.intent:1:19: invalid address "
	    "'1111:2222:3333:4444:5555:6666:7777:8888:9999'");
	bad("10.0.0.0/8 via wg0 from 2001:db8::1",
	    "t.intent:1:25: 'from' address '2001:db8::1' is IPv6 but prefix "
	    "'10.0.0.0/8' is IPv4");
	/* Mapped IPv4 is IPv6, as WireGuard sees it. */
	bad("10.0.0.0/8 via wg0 from ::ffff:10.0.0.1",
	    "t.intent:1:25: 'from' address '::ffff:10.0.0.1' is IPv6 but "
	    "prefix '10.0.0.0/8' is IPv4");
	bad("::/0 blocked from 10.0.0.1",
	    "t.intent:1:19: 'from' address '10.0.0.1' is IPv4 but prefix "
	    "'::/0' is IPv6");
	bad("10.0.0.0/8 via wg0 from 10.0.0.1 from 10.0.0.2",
	    "t.intent:1:34: 'from' given twice");
	bad("10.0.0.0/8 via wg0 iif eth1",
	    "t.intent:1:20: 'iif' needs 'from ADDR' (the kernel rejects a "
	    "forwarded packet with no source)");
	bad("10.0.0.0/8 via wg0 iif",
	    "t.intent:1:23: 'iif' needs a device name");
	bad("10.0.0.0/8 via wg0 from 10.0.0.1 iif a:b",
	    "t.intent:1:38: invalid device name 'a:b' (1 to 15 bytes, none of "
	    "'/', ':', space)");
	bad("10.0.0.0/8 via wg0 iif x from 10.0.0.1 iif y",
	    "t.intent:1:40: 'iif' given twice");
}

static void test_errors_peer(void **state)
{
	(void)state;
	bad("10.0.0.0/8 via wg0 peer",
	    "t.intent:1:24: 'peer' needs a public key or a name");
	bad("10.0.0.0/8 via wg0 peer a+b", "t.intent:1:25: invalid peer 'a+b' "
					   "(expected a public key or a name)");
	/* 43 characters: a key missing its '='. Letters and digits only,
	 * so it could be a name; the message says what it more likely is. */
	bad("10.0.0.0/8 via wg0 peer "
	    "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg",
	    "t.intent:1:25: unknown peer name "
	    "'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg' (a public key has "
	    "44 characters, ending in '=')");
	/* With a '+' it cannot be a name. */
	bad("10.0.0.0/8 via wg0 peer "
	    "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0",
	    "t.intent:1:25: invalid peer "
	    "'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0' (expected a public "
	    "key or a name)");
	bad("10.0.0.0/8 via wg0 peer " K1_BAD,
	    "t.intent:1:25: invalid public key '" K1_BAD
	    "' (expected 44 characters of base64)");
	/* 24 + 44 = 68, a space, the second 'peer' at 70. */
	bad("10.0.0.0/8 via wg0 peer " K1 " peer " K2,
	    "t.intent:1:70: 'peer' given twice");
	bad("# c\n10.0.0.0/8 via wg0 peer gw-x\n10.1.0.0/16 via wg1\n",
	    "t.intent:2:25: unknown peer name 'gw-x' (no 'name' line gives it "
	    "a key)");
	/* Names are case sensitive. */
	bad("name " K1 " gw\n10.0.0.0/8 via wg0 peer GW\n",
	    "t.intent:2:25: unknown peer name 'GW' (no 'name' line gives it a "
	    "key)");
}

static void test_errors_name(void **state)
{
	char line[160];

	(void)state;
	bad("name", "t.intent:1:5: 'name' needs a public key and a name");
	bad("name abc gw", "t.intent:1:6: invalid public key 'abc' (expected "
			   "44 characters of base64)");
	bad("name " K1_BAD " gw", "t.intent:1:6: invalid public key '" K1_BAD
				  "' (expected 44 characters of base64)");
	/* "name " is 5, the key 6..49: the name would start at 50. */
	bad("name " K1, "t.intent:1:50: 'name' needs a name after the key");
	bad("name " K1 " gw!",
	    "t.intent:1:51: invalid name 'gw!' (1 to 63 of A-Z a-z 0-9 . _ -)");
	bad("name " K1 " gw extra", "t.intent:1:54: unexpected 'extra' after "
				    "the name (one name per line)");
	bad("name " K1 " gw\nname " K2 " gw\n",
	    "t.intent:2:51: name 'gw' already given to another key on line 1");
	bad("name " K1 " gw\nname " K1 " other\n",
	    "t.intent:2:6: key already named 'gw' on line 1");
	/* 63 characters is the longest name, 64 too long. */
	snprintf(
	    line, sizeof(line), "name %s %s", K1,
	    "123456789012345678901234567890123456789012345678901234567890123");
	good(line);
	assert_int_equal(strlen(in.names[0].name), 63);
	snprintf(
	    line, sizeof(line), "name %s %s", K1,
	    "1234567890123456789012345678901234567890123456789012345678901234");
	bad(line, "t.intent:1:51: invalid name "
		  "'12345678901234567890123456789012345678901234567890123456789"
		  "01234' (1 to 63 of A-Z a-z 0-9 . _ -)");
}

static void test_role(void **state)
{
	(void)state;
	good("10.0.0.0/8 via wg0\n");
	assert_int_equal(in.role, INTENT_ROLE_NONE);
	assert_int_equal(in.role_line, 0);
	good("# site gateway\n\trole   gateway  # forwards for its peers\r\n"
	     "10.0.0.0/8 via wg0\n");
	assert_int_equal(in.role, INTENT_ROLE_GATEWAY);
	assert_int_equal(in.role_line, 2);
	assert_int_equal(in.n_asserts, 1);
	assert_string_equal(intent_role_name(in.role), "gateway");
	good("role endpoint");
	assert_int_equal(in.role, INTENT_ROLE_ENDPOINT);
	assert_string_equal(intent_role_name(in.role), "endpoint");
	assert_string_equal(intent_role_name(INTENT_ROLE_NONE), "none");

	bad("role\n", "t.intent:1:5: 'role' needs 'gateway' or 'endpoint'");
	bad("role router\n", "t.intent:1:6: unknown role 'router' (expected "
			     "'gateway' or 'endpoint')");
	bad("role Gateway\n", "t.intent:1:6: unknown role 'Gateway' (expected "
			      "'gateway' or 'endpoint')");
	bad("role gateway wg0\n",
	    "t.intent:1:14: unexpected 'wg0' after the role (one word)");
	bad("role gateway\n\nrole endpoint\n",
	    "t.intent:3:6: role already given on line 1");
	assert_int_equal(in.role, INTENT_ROLE_NONE);
}

static void test_duplicates(void **state)
{
	(void)state;
	bad("10.0.0.0/8 via wg0\n10.0.0.0/8 via eth0 mark 0\n",
	    "t.intent:2:1: '10.0.0.0/8' already has a statement on line 1 with "
	    "the same 'from', 'mark' and 'iif'");
	bad("10.0.0.0/8 blocked from 10.0.0.1\n\n  10.0.0.0/8 via wg0 from "
	    "10.0.0.1",
	    "t.intent:3:3: '10.0.0.0/8' already has a statement on line 1 with "
	    "the same 'from', 'mark' and 'iif'");
	/* Differing in any of them is a different question. */
	good("10.0.0.0/8 via wg0\n"
	     "10.0.0.0/8 via eth0 mark 51820\n"
	     "10.0.0.0/8 via eth1 from 10.0.0.1\n"
	     "10.0.0.0/8 via eth1 from 10.0.0.2\n"
	     "10.0.0.0/8 via eth1 from 10.0.0.1 iif eth2\n"
	     "10.0.0.0/9 via wg0\n"
	     "::ffff:10.0.0.0/104 via wg0\n");
	assert_int_equal(in.n_asserts, 7);
}

static void test_errors_bytes(void **state)
{
	static const char nul[] = "10.0.0.0/8 via wg\0\n";
	char word[101], want[68], msg[160];
	char *big;

	(void)state;
	/* A NUL byte at offset 17 is column 18. */
	memset(&in, 0, sizeof(in));
	assert_false(intent_parse(nul, sizeof(nul) - 1, "t.intent", &in, err,
				  sizeof(err)));
	assert_string_equal(err, "t.intent:1:18: NUL byte (not a text file?)");
	/* Control bytes are shown escaped. */
	bad("10.0.0.0/8 via wg0 \x01x\x1b[31m",
	    "t.intent:1:20: unknown keyword '\\x01x\\x1b[31m' (expected "
	    "'peer', 'from', 'mark' or 'iif')");
	bad("10.0.0.0/8 via wg0\rx",
	    "t.intent:1:16: invalid device name 'wg0\\x0dx' (1 to 15 bytes, "
	    "none of '/', ':', space)");
	/* Long words are cut at 64 bytes in messages. */
	memset(word, 'a', 100);
	word[100] = '\0';
	memset(want, 'a', 64);
	strcpy(want + 64, "...");
	snprintf(msg, sizeof(msg),
		 "t.intent:1:1: unknown keyword '%s' (expected a prefix, "
		 "'name' or 'role')",
		 want);
	bad(word, msg);
	/* 65 bytes: cut too; 64 (the name test below) are shown whole. */
	word[65] = '\0';
	bad(word, msg);

	/* Lines: 1024 bytes are fine (a CRLF not counted), 1025 are not. */
	big = malloc(2048);
	assert_non_null(big);
	memset(big, 'x', 2048);
	big[0] = '#';
	strcpy(big + 1024, "\r\n");
	good(big);
	big[1024] = 'x';
	big[1025] = '\n';
	big[1026] = '\0';
	bad(big, "t.intent:1:1025: line longer than 1024 bytes");
	free(big);

	big = malloc(INTENT_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '\n', INTENT_FILE_MAX + 1);
	assert_false(intent_parse(big, INTENT_FILE_MAX + 1, "t.intent", &in,
				  err, sizeof(err)));
	assert_string_equal(err, "t.intent: larger than 1048576 bytes");
	assert_true(intent_parse(big, INTENT_FILE_MAX, "t.intent", &in, err,
				 sizeof(err)));
	free(big);
}

static void test_limits(void **state)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, size = (INTENT_MAX_ASSERTS + 1) * 32, o = 0;
	char *text = malloc(size);

	(void)state;
	assert_non_null(text);
	for (i = 0; i < INTENT_MAX_ASSERTS; i++)
		o += snprintf(text + o, size - o, "10.%zu.%zu.0/24 via wg0\n",
			      i / 256, i % 256);
	good(text);
	assert_int_equal(in.n_asserts, INTENT_MAX_ASSERTS);
	snprintf(text + o, size - o, "10.99.99.0/24 via wg0\n");
	bad(text, "t.intent:4097:1: too many assertions (at most 4096)");
	free(text);

	/* Distinct keys: two varying characters, the rest 'A', then '='. */
	size = (INTENT_MAX_NAMES + 1) * 64;
	text = malloc(size);
	assert_non_null(text);
	for (i = 0, o = 0; i <= INTENT_MAX_NAMES; i++)
		o += snprintf(text + o, size - o, "name %c%c%s= n%zu\n",
			      b64[i / 64], b64[i % 64],
			      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", i);
	bad(text, "t.intent:1025:1: too many names (at most 1024)");
	free(text);
}

static void test_err_buffers(void **state)
{
	char small[12];

	(void)state;
	/* No room for the message: cut, still a string. */
	memset(small, 'z', sizeof(small));
	assert_false(
	    intent_parse("vai", 3, "t.intent", &in, small, sizeof(small)));
	assert_string_equal(small, "t.intent:1:");
	assert_false(intent_parse("vai", 3, "t.intent", &in, NULL, 0));
	assert_false(intent_parse("vai", 3, NULL, &in, err, sizeof(err)));
	assert_string_equal(err, "<input>:1:1: unknown keyword 'vai' (expected "
				 "a prefix, 'name' or 'role')");
	/* Input need not end in NUL: only len bytes count. */
	assert_true(intent_parse("10.0.0.0/8 via wg0 mark 12345", 26, "t", &in,
				 err, sizeof(err)));
	assert_int_equal(in.asserts[0].mark, 12);
	intent_free(&in);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_intent.XXXXXX";
	const char *text = "10.0.0.0/8 via wg0\n10.1.0.0/16 vai wg0\n";
	char want[128];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("# ok\n10.0.0.0/8 via wg0 peer " K3 "\n", f);
	fclose(f);
	assert_int_equal(intent_load_file(path, &in, err, sizeof(err)), 0);
	assert_int_equal(in.n_asserts, 1);
	assert_string_equal(in.asserts[0].peer_b64, K3);
	assert_string_equal(in.asserts[0].peer_name, "");
	intent_free(&in);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(intent_load_file(path, &in, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:2:13: unknown keyword 'vai' (expected 'via' or 'blocked')",
		 path);
	assert_string_equal(err, want);
	assert_int_equal(in.n_asserts, 0);
	unlink(path);

	assert_int_equal(intent_load_file(path, &in, err, sizeof(err)),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "cannot open '%s': No such file or directory", path);
	assert_string_equal(err, want);

	assert_int_equal(intent_load_file("/", &in, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "cannot read '/': Is a directory");

	/*
	 * A FIFO with no writer: refused at once, never waited on (open()
	 * of a FIFO blocks until a writer comes). alarm() turns a hang into
	 * a failure instead of a stuck test run.
	 */
	strcpy(path, "/tmp/test_intent.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(5);
	assert_int_equal(intent_load_file(path, &in, err, sizeof(err)),
			 -EINVAL);
	alarm(0);
	snprintf(want, sizeof(want),
		 "'%s' is a FIFO, not a regular file: give a file (or '-' to "
		 "read standard input)",
		 path);
	assert_string_equal(err, want);
	unlink(path);
	alarm(5);
	assert_int_equal(intent_load_file("/dev/zero", &in, err, sizeof(err)),
			 -EINVAL);
	alarm(0);
	assert_string_equal(
	    err, "'/dev/zero' is a character device, not a regular file: give "
		 "a file (or '-' to read standard input)");

	/* One byte past the limit, all blank lines. */
	strcpy(path, "/tmp/test_intent.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (size_t i = 0; i <= INTENT_FILE_MAX; i++)
		fputc('\n', f);
	fclose(f);
	assert_int_equal(intent_load_file(path, &in, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(err, want);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_full_file, teardown),
	    cmocka_unit_test_teardown(test_empty_and_comments, teardown),
	    cmocka_unit_test_teardown(test_marks, teardown),
	    cmocka_unit_test_teardown(test_errors_statement, teardown),
	    cmocka_unit_test_teardown(test_errors_prefix, teardown),
	    cmocka_unit_test_teardown(test_errors_from_iif, teardown),
	    cmocka_unit_test_teardown(test_errors_peer, teardown),
	    cmocka_unit_test_teardown(test_errors_name, teardown),
	    cmocka_unit_test_teardown(test_role, teardown),
	    cmocka_unit_test_teardown(test_duplicates, teardown),
	    cmocka_unit_test_teardown(test_errors_bytes, teardown),
	    cmocka_unit_test_teardown(test_limits, teardown),
	    cmocka_unit_test_teardown(test_err_buffers, teardown),
	    cmocka_unit_test_teardown(test_load_file, teardown),
	};

	return cmocka_run_group_tests_name("intent", tests, NULL, NULL);
}
