// SPDX-License-Identifier: GPL-2.0
/*
 * user/base/output.c's utf8_clean and its users: every string wgtrace prints is
 * valid UTF-8, the same text in metrics, JSON and text output. The byte
 * sequences are the classic malformed cases of RFC 3629 section 10 and
 * Markus Kuhn's UTF-8 decoder stress test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/live.h"
#include "model/metrics.h"
#include "base/output.h"

/* An independent strict validator: a decoder, not a table of lead bytes. */
static int valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		uint32_t cp;
		int n, i;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 2;
			cp = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 3;
			cp = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 4;
			cp = *s & 0x07;
		} else {
			return 0;
		}
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n;
	}
	return 1;
}

static const struct {
	const char *in, *want;
} cases[] = {
    {"wg0", "wg0"},
    {"", ""},
    {"wg\xff", "wg\\xff"}, /* never valid */
    {"\xfe\xff", "\\xfe\\xff"},
    {"a\x80z", "a\\x80z"},			  /* stray continuation */
    {"\xc0\xaf", "\\xc0\\xaf"},			  /* overlong '/' */
    {"\xc1\xbf", "\\xc1\\xbf"},			  /* overlong, 2 bytes */
    {"\xe0\x80\xaf", "\\xe0\\x80\\xaf"},	  /* overlong, 3 bytes */
    {"\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"}, /* overlong, 4 bytes */
    {"\xed\xa0\x80", "\\xed\\xa0\\x80"},	  /* surrogate U+D800 */
    {"\xed\xbf\xbf", "\\xed\\xbf\\xbf"},	  /* surrogate U+DFFF */
    {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* U+110000 */
    {"\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80"},
    {"wg\xe2\x82", "wg\\xe2\\x82"}, /* cut short at the end */
    {"\xe2\x82z", "\\xe2\\x82z"},   /* cut short in the middle */
    {"\xc3", "\\xc3"},
    {"\xf0\x9f\x98", "\\xf0\\x9f\\x98"},
    {"esc\x1b[31m", "esc\\x1b[31m"}, /* terminal control */
    {"a\nb", "a\\x0ab"},
    {"\x7f", "\\x7f"},
    /* Valid text is kept as it is, at every length and boundary. */
    {"caf\xc3\xa9", "caf\xc3\xa9"},	      /* U+00E9 */
    {"\xc2\x80", "\xc2\x80"},		      /* U+0080 */
    {"\xe0\xa0\x80", "\xe0\xa0\x80"},	      /* U+0800 */
    {"\xed\x9f\xbf", "\xed\x9f\xbf"},	      /* U+D7FF */
    {"\xee\x80\x80", "\xee\x80\x80"},	      /* U+E000 */
    {"\xef\xbf\xbd", "\xef\xbf\xbd"},	      /* U+FFFD */
    {"\xf0\x90\x80\x80", "\xf0\x90\x80\x80"}, /* U+10000 */
    {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
    {"back\\slash", "back\\slash"},
};

static void test_utf8_clean_cases(void **state)
{
	char out[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		utf8_clean(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
		assert_true(valid_utf8(out));
	}
}

/* Every byte value in every position: the output always validates. */
static void test_utf8_clean_all_pairs(void **state)
{
	char in[4], out[UTF8_CLEAN_SIZE(3)];
	int a, b;

	(void)state;
	for (a = 1; a < 256; a++)
		for (b = 1; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			in[2] = (char)0xbf;
			in[3] = '\0';
			utf8_clean(in, out, sizeof(out));
			assert_true(valid_utf8(out));
		}
}

/* A short buffer cuts between characters, never inside one. */
static void test_utf8_clean_truncates_whole(void **state)
{
	char out[6];

	(void)state;
	utf8_clean("ab\xe2\x82\xac", out, 5); /* room for "ab" + 2 bytes */
	assert_string_equal(out, "ab");
	utf8_clean("ab\xff", out, 6); /* "\xff" needs 4 + NUL */
	assert_string_equal(out, "ab");
	utf8_clean("ab\xff", out, 7 - 1);
	assert_true(valid_utf8(out));
	utf8_clean("abc", out, 1);
	assert_string_equal(out, "");
}

/* Prometheus label values: the same text, then the exposition escapes. */
static void test_metrics_escape_utf8(void **state)
{
	char out[64];

	(void)state;
	metrics_escape("wg\xff", out, sizeof(out));
	assert_string_equal(out, "wg\\\\xff"); /* label value: wg\xff */
	metrics_escape("a\"b\nc", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\x0ac");
	metrics_escape("\xed\xa0\x80", out, sizeof(out));
	assert_true(valid_utf8(out));
	/* Cut at the buffer: never half of "é" and never half of "\\". */
	metrics_escape("abc\xc3\xa9", out, 5);
	assert_string_equal(out, "abc");
	metrics_escape("abc\\", out, 5);
	assert_string_equal(out, "abc");
}

/* JSON strings: valid UTF-8, and decoding gives the same text. */
static void test_json_string_utf8(void **state)
{
	struct json_object *o = json_object_new_object();
	struct json_object *v;
	const char *s;

	(void)state;
	jadd_str(o, "interface", "wg\xff\xc0\xaf");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_true(valid_utf8(s));
	assert_string_equal(s, "{\"interface\":\"wg\\\\xff\\\\xc0\\\\xaf\"}");
	assert_true(json_object_object_get_ex(o, "interface", &v));
	assert_string_equal(json_object_get_string(v), "wg\\xff\\xc0\\xaf");
	json_object_put(o);
}

/* watch names a device deleted since by its last name, marked so. */
static void test_live_ifname_deleted(void **state)
{
	struct inv_link links[2] = {
	    {.ifindex = 7, .name = "wg0"},
	    {.ifindex = 9, .name = "wg\xff"},
	};
	struct inventory inv = {.links = links, .n_links = 2};
	struct live l = {.inv = &inv};
	char b[64];

	(void)state;
	live_remember_names(&l);
	assert_string_equal(live_ifname(&l, 7, b, sizeof(b)), "wg0");
	inv.n_links = 0; /* both deleted */
	assert_string_equal(live_ifname(&l, 7, b, sizeof(b)), "wg0 (deleted)");
	assert_string_equal(live_ifname(&l, 9, b, sizeof(b)),
			    "wg\xff (deleted)");
	assert_string_equal(live_ifname(&l, 8, b, sizeof(b)), "ifindex 8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_clean_cases),
	    cmocka_unit_test(test_utf8_clean_all_pairs),
	    cmocka_unit_test(test_utf8_clean_truncates_whole),
	    cmocka_unit_test(test_metrics_escape_utf8),
	    cmocka_unit_test(test_json_string_utf8),
	    cmocka_unit_test(test_live_ifname_deleted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
