// SPDX-License-Identifier: GPL-2.0
/*
 * Findings as people and machines read them: the text block and the JSON
 * object (man page FINDINGS), severity order and --fail-on. Every expected
 * string below was written out by hand from the layout rules, not captured
 * from the code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/common.h"
#include "model/finding.h"

#define KEY "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="

static void route_bypass_finding(struct finding *f)
{
	memset(f, 0, sizeof(*f));
	f->id = "route_bypass";
	f->severity = SEV_ERROR;
	f->count = 1;
	strcpy(f->interface, "wg0");
	strcpy(f->peer, KEY);
	strcpy(f->peer_name, "gw-east");
	f->has_example = true;
	assert_true(addr_parse("10.20.0.1", &f->example.dst));
	strcpy(f->message,
	       "10.20.0.0/16 of peer gw-east is not routed into wg0");
	strcpy(f->expected, "10.20.0.1 leaves by wg0");
	strcpy(f->actual, "10.20.0.1 leaves by eth0 via 192.0.2.254 "
			  "(table main, route 0.0.0.0/0)");
	strcpy(f->hint, "ip route add 10.20.0.0/16 dev wg0 (wg-quick adds a "
			"route per AllowedIPs prefix; wg set adds none)");
	finding_object(f, "prefix", "%s", "10.20.0.0/16");
	f->mode = "inventory";
}

/* A trace-style finding: counted, no peer, a full example, no text. */
static void mtu_drop_finding(struct finding *f)
{
	memset(f, 0, sizeof(*f));
	f->id = "mtu_drop";
	f->severity = SEV_WARNING;
	f->count = 7;
	strcpy(f->interface, "wg1");
	f->has_example = true;
	assert_true(addr_parse("2001:db8::5", &f->example.src));
	assert_true(addr_parse("2001:db8:1::9", &f->example.dst));
	f->example.proto = 6;
	f->example.sport = 40000;
	f->example.dport = 443;
	f->example.mark = 51820;
	f->mode = "fentry";
}

static char *render_text(const struct finding *f, bool color)
{
	FILE *m = tmpfile();
	char *buf;
	long len;

	assert_non_null(m);
	finding_print(m, f, color);
	len = ftell(m);
	buf = calloc(1, len + 1);
	assert_non_null(buf);
	rewind(m);
	assert_int_equal(fread(buf, 1, len, m), len);
	fclose(m);
	return buf;
}

static char *render_json(const struct finding *f)
{
	struct json_object *o = finding_to_json(f);
	char *s = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return s;
}

static void text_block_wraps_below_80(void **state)
{
	struct finding f;
	char *s;

	(void)state;
	route_bypass_finding(&f);
	s = render_text(&f, false);
	/*
	 * Labels end at column 12; a word that would pass column 79 starts
	 * a new line there. "...route" ends at 71, " 0.0.0.0/0)" would end
	 * at 82; "...per" ends at 72, " AllowedIPs" would end at 83.
	 */
	assert_string_equal(
	    s, "ERROR route_bypass on wg0\n"
	       "  10.20.0.0/16 of peer gw-east is not routed into wg0\n"
	       "  peer:     gw-east (" KEY ")\n"
	       "  example:  to 10.20.0.1\n"
	       "  expected: 10.20.0.1 leaves by wg0\n"
	       "  actual:   10.20.0.1 leaves by eth0 via 192.0.2.254 (table "
	       "main, route\n"
	       "            0.0.0.0/0)\n"
	       "  fix:      ip route add 10.20.0.0/16 dev wg0 (wg-quick adds a "
	       "route per\n"
	       "            AllowedIPs prefix; wg set adds none)\n");
	free(s);
}

static void text_block_colour_only_on_request(void **state)
{
	struct finding f;
	char *s;

	(void)state;
	route_bypass_finding(&f);
	s = render_text(&f, true);
	assert_memory_equal(
	    s, "\033[31mERROR\033[0m route_bypass on wg0\n",
	    strlen("\033[31mERROR\033[0m route_bypass on wg0\n"));
	/* Colour only on the severity: wrapping counts visible columns. */
	assert_int_equal(strchr(s + 1, '\033') - s, 10);
	assert_null(strchr(s + 11, '\033'));
	free(s);
}

static void text_block_counted_example(void **state)
{
	struct finding f;
	char *s;

	(void)state;
	mtu_drop_finding(&f);
	s = render_text(&f, false);
	assert_string_equal(s, "WARNING mtu_drop on wg1 (7 times)\n"
			       "  example:  tcp [2001:db8::5]:40000 -> "
			       "[2001:db8:1::9]:443, mark 0xca6c\n");
	free(s);
}

static void text_block_long_word_gets_own_line(void **state)
{
	struct finding f = {.id = "overlap", .severity = SEV_INFO};
	char word[91], *s, expect[256];

	(void)state;
	memset(word, 'x', 90);
	word[90] = '\0';
	snprintf(f.message, sizeof(f.message), "%s tail", word);
	s = render_text(&f, false);
	snprintf(expect, sizeof(expect), "INFO overlap\n  %s\n  tail\n", word);
	assert_string_equal(s, expect);
	free(s);
}

static void json_has_the_contract_fields(void **state)
{
	struct finding f;
	char *s;

	(void)state;
	route_bypass_finding(&f);
	s = render_json(&f);
	assert_string_equal(
	    s,
	    "{\"type\":\"finding\",\"finding\":\"route_bypass\","
	    "\"severity\":\"error\",\"count\":1,\"interface\":\"wg0\","
	    "\"peer\":\"" KEY "\",\"peer_name\":\"gw-east\","
	    "\"message\":\"10.20.0.0/16 of peer gw-east is not routed into "
	    "wg0\","
	    "\"objects\":{\"prefix\":\"10.20.0.0/16\"},"
	    "\"example\":{\"src\":null,\"dst\":\"10.20.0.1\",\"proto\":null},"
	    "\"expected\":\"10.20.0.1 leaves by wg0\","
	    "\"actual\":\"10.20.0.1 leaves by eth0 via 192.0.2.254 (table "
	    "main, route 0.0.0.0/0)\","
	    "\"hint\":\"ip route add 10.20.0.0/16 dev wg0 (wg-quick adds a "
	    "route per AllowedIPs prefix; wg set adds none)\","
	    "\"mode\":\"inventory\"}");
	free(s);
}

static void json_unknowns_are_null(void **state)
{
	struct finding f;
	char *s;

	(void)state;
	mtu_drop_finding(&f);
	s = render_json(&f);
	assert_string_equal(
	    s,
	    "{\"type\":\"finding\",\"finding\":\"mtu_drop\","
	    "\"severity\":\"warning\",\"count\":7,\"interface\":\"wg1\","
	    "\"peer\":null,\"peer_name\":null,\"message\":null,"
	    "\"objects\":{},"
	    "\"example\":{\"src\":\"2001:db8::5\",\"dst\":\"2001:db8:1::9\","
	    "\"proto\":\"tcp\",\"sport\":40000,\"dport\":443,\"mark\":51820},"
	    "\"expected\":null,\"actual\":null,\"hint\":null,"
	    "\"mode\":\"fentry\"}");
	f.has_example = false;
	free(s);
	s = render_json(&f);
	assert_non_null(strstr(s, "\"example\":null,"));
	free(s);
}

static void objects_are_bounded(void **state)
{
	struct finding f = {0};
	int i;

	(void)state;
	for (i = 0; i < FINDING_MAX_OBJECTS + 3; i++)
		finding_object(&f, "k", "%d", i);
	assert_int_equal(f.n_objects, FINDING_MAX_OBJECTS);
	assert_string_equal(f.objects[FINDING_MAX_OBJECTS - 1].val, "5");
}

static void severity_names_round_trip(void **state)
{
	enum wgt_severity s = SEV_ERROR;

	(void)state;
	assert_string_equal(severity_name(SEV_INFO), "info");
	assert_string_equal(severity_name(SEV_WARNING), "warning");
	assert_string_equal(severity_name(SEV_ERROR), "error");
	assert_true(severity_parse("warning", &s));
	assert_int_equal(s, SEV_WARNING);
	assert_true(severity_parse("info", &s));
	assert_int_equal(s, SEV_INFO);
	assert_false(severity_parse("Error", &s));
	assert_false(severity_parse("", &s));
	assert_false(severity_parse("errors", &s));
	assert_false(severity_parse(NULL, &s));
	assert_int_equal(s, SEV_INFO);
	assert_true(SEV_INFO < SEV_WARNING && SEV_WARNING < SEV_ERROR);
}

static void fail_on_maps_to_exit_status(void **state)
{
	struct finding_counts none = {{0, 0, 0}, 0};
	struct finding_counts warn = {{0, 1, 0}, 1};
	struct finding_counts info = {{2, 0, 0}, 2};
	struct finding_counts err = {{0, 0, 1}, 1};

	(void)state;
	assert_int_equal(finding_exit_status(&none, SEV_INFO), 0);
	assert_int_equal(finding_exit_status(&warn, SEV_ERROR), 0);
	assert_int_equal(finding_exit_status(&warn, SEV_WARNING), 1);
	assert_int_equal(finding_exit_status(&warn, SEV_INFO), 1);
	assert_int_equal(finding_exit_status(&info, SEV_WARNING), 0);
	assert_int_equal(finding_exit_status(&info, SEV_INFO), 1);
	assert_int_equal(finding_exit_status(&err, SEV_ERROR), 1);
}

static struct finding *add(struct finding_list *l, const char *id,
			   enum wgt_severity sev, const char *dev)
{
	struct finding *f = finding_add(l, id, sev, "inventory");

	assert_non_null(f);
	strcpy(f->interface, dev);
	return f;
}

static void list_sorts_worst_first_and_stable(void **state)
{
	struct finding_list l = {0};
	struct finding_counts c;
	char buf[64];
	int i;

	(void)state;
	add(&l, "overlap", SEV_WARNING, "wg0");
	add(&l, "route_bypass", SEV_ERROR, "wg1");
	add(&l, "route_bypass", SEV_ERROR, "wg0")->count = 11;
	add(&l, "overlap", SEV_INFO, "wg0");
	add(&l, "no_peer", SEV_ERROR, "wg0");
	add(&l, "route_bypass", SEV_ERROR, "wg0")->count = 12;
	/* Past the first allocation: earlier entries survive the growth. */
	for (i = 0; i < 20; i++)
		add(&l, "mtu", SEV_INFO, "wg2");
	assert_int_equal(l.v[0].count, 1);
	assert_int_equal(l.v[2].count, 11);
	assert_int_equal(l.v[25].seq, 25);

	finding_list_sort(&l);
	assert_string_equal(l.v[0].id, "no_peer");
	assert_string_equal(l.v[1].id, "route_bypass");
	assert_int_equal(l.v[1].count, 11);
	assert_int_equal(l.v[2].count, 12);
	assert_string_equal(l.v[3].interface, "wg1");
	assert_int_equal(l.v[4].severity, SEV_WARNING);
	assert_string_equal(l.v[5].id, "mtu");
	assert_string_equal(l.v[25].id, "overlap");
	for (i = 5; i < 24; i++)
		assert_true(l.v[i].seq < l.v[i + 1].seq);

	finding_count(&l, &c);
	assert_int_equal(c.total, 26);
	assert_int_equal(c.by_sev[SEV_ERROR], 4);
	assert_string_equal(finding_counts_fmt(&c, buf, sizeof(buf)),
			    "4 errors, 1 warning, 21 info");
	finding_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static void summary_counts(void **state)
{
	struct finding_counts c = {{0, 2, 1}, 3};
	struct json_object *o = finding_summary_json(&c);
	char buf[64];

	(void)state;
	assert_string_equal(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"type\":\"summary\",\"findings\":3,\"error\":1,"
	    "\"warning\":2,\"info\":0}");
	json_object_put(o);
	assert_string_equal(finding_counts_fmt(&c, buf, sizeof(buf)),
			    "1 error, 2 warnings, 0 info");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(text_block_wraps_below_80),
	    cmocka_unit_test(text_block_colour_only_on_request),
	    cmocka_unit_test(text_block_counted_example),
	    cmocka_unit_test(text_block_long_word_gets_own_line),
	    cmocka_unit_test(json_has_the_contract_fields),
	    cmocka_unit_test(json_unknowns_are_null),
	    cmocka_unit_test(objects_are_bounded),
	    cmocka_unit_test(severity_names_round_trip),
	    cmocka_unit_test(fail_on_maps_to_exit_status),
	    cmocka_unit_test(list_sorts_worst_first_and_stable),
	    cmocka_unit_test(summary_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
