// SPDX-License-Identifier: GPL-2.0
/*
 * From per-table FIB events to routing decisions and the rule that decided.
 * The event sequences are what the kernel's fib tracepoint emits for the
 * rule sets named in each test (fib_rules_lookup walks rules in priority
 * order and looks up each rule's table; a suppressed result moves on).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>

#include "model/path.h"

static struct wgt_event fib(uint32_t table, int err, int oif, const char *dst,
			    uint32_t mark, unsigned int cpu, uint64_t ts)
{
	struct wgt_event e = {0};

	e.type = WGT_EV_FIB;
	e.table = table;
	e.err = err;
	e.oif = oif;
	e.mark = mark;
	e.cpu = cpu;
	e.ts_ns = ts;
	e.ifindex = 1;
	e.flow.family = AF_INET;
	inet_pton(AF_INET, dst, e.flow.daddr);
	inet_pton(AF_INET, "192.0.2.1", e.flow.saddr);
	return e;
}

static struct inv_rule rule(uint32_t prio, uint32_t table)
{
	struct inv_rule r = {0};

	r.family = AF_INET;
	r.priority = prio;
	r.table = table;
	r.action = FR_ACT_TO_TBL;
	r.suppress_prefixlen = -1;
	return r;
}

/* wg-quick full tunnel: 0 local, 32764 main suppress 0, 32765 not fwmark
 * 0xca6c lookup 51820, 32766 main, 32767 default. */
static size_t wg_quick_rules(struct inv_rule *r)
{
	r[0] = rule(0, 255);
	r[1] = rule(32764, 254);
	r[1].suppress_prefixlen = 0;
	r[2] = rule(32765, 51820);
	r[2].invert = true;
	r[2].has_fwmark = true;
	r[2].fwmark = 0xca6c;
	r[2].fwmask = 0xffffffff;
	r[3] = rule(32766, 254);
	r[4] = rule(32767, 253);
	return 5;
}

static void full_tunnel_unmarked_goes_to_51820(void **state)
{
	struct wgt_event ev[] = {
	    fib(255, -EAGAIN, 0, "10.99.1.1", 0, 0, 1000),
	    fib(254, 0, 2, "10.99.1.1", 0, 0, 1100),   /* default via eth0 */
	    fib(51820, 0, 5, "10.99.1.1", 0, 0, 1200), /* default dev wg0 */
	};
	struct fib_decision d[4];
	struct inv_rule rules[8];
	struct rule_step steps[8];
	size_t nr = wg_quick_rules(rules), n;
	int by;

	(void)state;
	assert_int_equal(path_group_fib(ev, 3, true, false, NULL, d, 4), 1);
	assert_int_equal(d[0].n, 3);
	assert_int_equal(d[0].table, 51820);
	assert_int_equal(d[0].oif, 5);
	n = path_infer_rules(&d[0], rules, nr, NULL, steps, 8, &by);
	assert_int_equal(n, 3);
	assert_int_equal(steps[0].rule->priority, 0);
	assert_int_equal(steps[0].outcome, RULE_NO_ROUTE);
	assert_int_equal(steps[1].rule->priority, 32764);
	assert_int_equal(steps[1].outcome, RULE_SUPPRESSED);
	assert_int_equal(by, 2);
	assert_int_equal(steps[2].rule->priority, 32765);
	assert_int_equal(steps[2].outcome, RULE_DECIDED);
}

static void full_tunnel_marked_skips_51820(void **state)
{
	/* WireGuard's own outer packets carry the fwmark: main decides. */
	struct wgt_event ev[] = {
	    fib(255, -EAGAIN, 0, "203.0.113.5", 0xca6c, 1, 1000),
	    fib(254, 0, 2, "203.0.113.5", 0xca6c, 1, 1100),
	    fib(254, 0, 2, "203.0.113.5", 0xca6c, 1, 1200),
	};
	struct fib_decision d[4];
	struct inv_rule rules[8];
	struct rule_step steps[8];
	size_t nr = wg_quick_rules(rules), n;
	int by;

	(void)state;
	assert_int_equal(path_group_fib(ev, 3, true, false, NULL, d, 4), 1);
	n = path_infer_rules(&d[0], rules, nr, NULL, steps, 8, &by);
	assert_int_equal(n, 3);
	assert_int_equal(by, 2);
	assert_int_equal(steps[2].rule->priority, 32766);
	assert_int_equal(steps[1].outcome, RULE_SUPPRESSED);
}

static void default_rules_one_lookup_per_decision(void **state)
{
	/* No custom IPv4 rules: the kernel looks up only the merged main
	 * table, so three pings on one CPU are three decisions. */
	struct wgt_event ev[] = {
	    fib(254, 0, 3, "10.99.0.2", 0, 0, 1000),
	    fib(254, 0, 3, "10.99.0.2", 0, 0, 1001),
	    fib(254, 0, 3, "10.99.0.2", 0, 0, 1002),
	};
	struct fib_decision d[4];

	(void)state;
	assert_int_equal(path_group_fib(ev, 3, false, false, NULL, d, 4), 3);
	assert_int_equal(d[2].n, 1);
	assert_int_equal(d[2].oif, 3);
}

static void interleaved_cpus_and_miss(void **state)
{
	struct wgt_event ev[] = {
	    fib(255, -EAGAIN, 0, "10.1.1.1", 0, 0, 1000),
	    fib(255, -EAGAIN, 0, "10.2.2.2", 0, 1, 1000),
	    fib(254, -EAGAIN, 0, "10.1.1.1", 0, 0, 1100),
	    fib(254, 0, 7, "10.2.2.2", 0, 1, 1100),
	    fib(253, -EAGAIN, 0, "10.1.1.1", 0, 0, 1200),
	    {.type = WGT_EV_DROP}, /* other types are skipped */
	};
	struct fib_decision d[4];

	(void)state;
	assert_int_equal(path_group_fib(ev, 6, true, false, NULL, d, 4), 2);
	assert_int_equal(d[0].n, 3);
	assert_int_equal(d[0].decided, -1);
	/* Every table missed: unreachable, as the sender is told. */
	assert_int_equal(d[0].err, -ENETUNREACH);
	assert_int_equal(d[1].n, 2);
	assert_int_equal(d[1].oif, 7);
}

static void pause_splits_decisions(void **state)
{
	struct wgt_event ev[] = {
	    fib(255, -EAGAIN, 0, "10.1.1.1", 0, 0, 1000),
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 2000),
	    /* same flow, same CPU, a second later, starting at main */
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 1000002000ULL),
	};
	struct fib_decision d[4];

	(void)state;
	assert_int_equal(path_group_fib(ev, 3, true, false, NULL, d, 4), 2);
}

/* A walk slowed down (emulation, stack reads, a preempted vCPU) by 10 ms
 * between its tables is still one decision; the next starts at 255. */
static void slow_walk_is_one_decision(void **state)
{
	struct wgt_event ev[] = {
	    fib(255, -EAGAIN, 0, "10.1.1.1", 0, 0, 1000),
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 10001000),
	    fib(255, -EAGAIN, 0, "10.1.1.1", 0, 0, 10002000),
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 10003000),
	};
	struct fib_decision d[4];

	(void)state;
	assert_int_equal(path_group_fib(ev, 4, true, true, NULL, d, 4), 2);
	assert_int_equal(d[0].n, 2);
	assert_int_equal(d[0].oif, 2);
	assert_int_equal(d[1].n, 2);
}

static void reverse_path_check_is_not_a_packet(void **state)
{
	/* Forwarded 192.0.2.1 -> 10.1.1.1 in on ifindex 4, then rp_filter
	 * looks up the way back (iif loopback) before the next packet. */
	struct wgt_event ev[] = {
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 1000),
	    fib(254, 0, 4, "192.0.2.1", 0, 0, 1500),
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 900000000ULL),
	};
	struct fib_decision d[4];

	(void)state;
	ev[0].ifindex = ev[2].ifindex = 4;
	inet_pton(AF_INET, "10.1.1.1", ev[1].flow.saddr);
	assert_int_equal(path_group_fib(ev, 3, false, false, NULL, d, 4), 3);
	assert_false(d[0].rpf_check);
	assert_true(d[1].rpf_check);
	assert_false(d[2].rpf_check);
	/* A locally generated packet (iif loopback) has no such check. */
	ev[0].ifindex = 1;
	assert_int_equal(path_group_fib(ev, 3, false, false, NULL, d, 4), 3);
	assert_false(d[1].rpf_check);
}

/* Where the kernel marks its own lookups, the marks decide, not timing. */
static void kernel_marks_its_own_lookups(void **state)
{
	struct wgt_event ev[] = {
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 1000), /* forwarded */
	    /* its reverse-path check, slow (emulation): 10 ms later */
	    fib(254, 0, 4, "192.0.2.1", 0, 0, 10001000),
	    /* a real reply right after: no mark */
	    fib(254, 0, 4, "192.0.2.1", 0, 0, 10001500),
	    /* an ICMP error's relookup toward the source, then its output
	     * lookup toward the destination (local, like our probes) */
	    fib(254, 0, 4, "192.0.2.1", 0, 0, 30000000),
	    fib(254, 0, 2, "10.1.1.1", 0, 0, 40000000),
	};
	struct fib_decision d[8];

	(void)state;
	ev[0].ifindex = ev[1].ifindex = ev[2].ifindex = ev[3].ifindex = 4;
	ev[4].ifindex = 1;
	inet_pton(AF_INET, "10.1.1.1", ev[1].flow.saddr);
	inet_pton(AF_INET, "10.1.1.1", ev[2].flow.saddr);
	inet_pton(AF_INET, "10.1.1.1", ev[3].flow.saddr);
	ev[1].flags = WGT_EVF_CTX_RPF;
	ev[3].flags = ev[4].flags = WGT_EVF_CTX_ICMP;
	assert_int_equal(path_group_fib(ev, 5, false, true, NULL, d, 8), 5);
	assert_false(d[0].rpf_check || d[0].internal);
	assert_true(d[1].rpf_check);
	assert_false(d[2].rpf_check || d[2].internal);
	assert_true(d[3].internal && d[4].internal);

	/* With custom rules a walk groups one flow's lookups: a mark change
	 * still starts a decision of its own. */
	ev[2].ts_ns = 10001100;
	assert_int_equal(path_group_fib(ev, 3, true, true, NULL, d, 8), 3);
	assert_true(d[1].rpf_check);
	assert_false(d[2].rpf_check);

	/* Without marks (no stack), timing: a check 10 ms late is taken for
	 * a packet; that is why the marks are preferred. */
	ev[1].flags = 0;
	assert_int_equal(path_group_fib(ev, 3, false, false, NULL, d, 8), 3);
	assert_false(d[1].rpf_check);
}

static void rule_selectors(void **state)
{
	struct wgt_flow f = {.family = AF_INET};
	struct inv_rule r = rule(100, 100);

	(void)state;
	inet_pton(AF_INET, "10.0.0.5", f.saddr);
	inet_pton(AF_INET, "198.51.100.7", f.daddr);
	assert_true(rule_matches(&r, &f, 0, NULL));
	r.has_fwmark = true;
	r.fwmark = 0x10;
	r.fwmask = 0xf0;
	assert_false(rule_matches(&r, &f, 0x0, NULL));
	assert_true(rule_matches(&r, &f, 0x1f, NULL)); /* masked */
	r.invert = true;
	assert_false(rule_matches(&r, &f, 0x1f, NULL));
	r = rule(100, 100);
	prefix_parse("10.0.0.0/8", &r.src, NULL);
	assert_true(rule_matches(&r, &f, 0, NULL));
	prefix_parse("198.51.100.0/25", &r.dst, NULL);
	assert_true(rule_matches(&r, &f, 0, NULL));
	prefix_parse("198.51.100.128/25", &r.dst, NULL);
	assert_false(rule_matches(&r, &f, 0, NULL));
	r = rule(100, 100);
	snprintf(r.iif, sizeof(r.iif), "eth1");
	assert_false(rule_matches(&r, &f, 0, NULL)); /* local: "lo" */
	assert_true(rule_matches(&r, &f, 0, "eth1"));
	r.family = AF_INET6;
	assert_false(rule_matches(&r, &f, 0, "eth1"));
}

static void longest_route_in_table(void **state)
{
	struct inv_route routes[3] = {0};
	struct inventory inv = {.routes = routes, .n_routes = 3};
	struct wgt_addr a;

	(void)state;
	routes[0].family = routes[1].family = routes[2].family = AF_INET;
	routes[0].table = routes[1].table = 254;
	routes[2].table = 100;
	prefix_parse("0.0.0.0/0", &routes[0].dst, NULL);
	prefix_parse("10.99.0.0/16", &routes[1].dst, NULL);
	prefix_parse("10.99.1.0/24", &routes[2].dst, NULL);
	addr_parse("10.99.1.9", &a);
	assert_ptr_equal(route_in_table(&inv, 254, &a), &routes[1]);
	assert_ptr_equal(route_in_table(&inv, 100, &a), &routes[2]);
	addr_parse("192.0.2.1", &a);
	assert_ptr_equal(route_in_table(&inv, 254, &a), &routes[0]);
	assert_null(route_in_table(&inv, 100, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(full_tunnel_unmarked_goes_to_51820),
	    cmocka_unit_test(full_tunnel_marked_skips_51820),
	    cmocka_unit_test(default_rules_one_lookup_per_decision),
	    cmocka_unit_test(interleaved_cpus_and_miss),
	    cmocka_unit_test(pause_splits_decisions),
	    cmocka_unit_test(slow_walk_is_one_decision),
	    cmocka_unit_test(reverse_path_check_is_not_a_packet),
	    cmocka_unit_test(kernel_marks_its_own_lookups),
	    cmocka_unit_test(rule_selectors),
	    cmocka_unit_test(longest_route_in_table),
	};

	return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
