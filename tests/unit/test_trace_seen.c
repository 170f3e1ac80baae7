// SPDX-License-Identifier: GPL-2.0
/*
 * Which events trace attributes to the traced flow's outer packet. The
 * gateway's lab: wg0 (ifindex 5) with peers P1 and P3 on one host, P1's
 * endpoint roamed to the uplink neighbour 192.0.2.178:51821, P3's at
 * 198.51.100.77:51823; the flow to 203.0.113.77 goes to P3 (0.0.0.0/0).
 * WireGuard sends outer packets of every peer while a trace runs
 * (handshakes, keepalives); only P3's are the flow's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "cli/trace.h"

#define WG0 5
#define UPLINK 3

static struct wg_peer_info peers[2];
static struct wg_device_info wg0 = {
    .name = "wg0", .ifindex = WG0, .peers = peers, .n_peers = 2};
static struct inventory inv = {.wg = &wg0, .n_wg = 1};
static const struct trace_opts opts = {.proto = IPPROTO_ICMP};

static void peer_set(struct wg_peer_info *p, uint8_t key, const char *ep,
		     uint16_t port)
{
	memset(p, 0, sizeof(*p));
	memset(p->pubkey, key, sizeof(p->pubkey));
	p->has_endpoint = true;
	addr_parse(ep, &p->endpoint);
	p->endpoint_port = port;
}

static void target(struct trace_target *t)
{
	memset(t, 0, sizeof(*t));
	addr_parse("203.0.113.77", &t->dst);
	t->exp.has_peer = true;
	t->exp.wg = &wg0;
	t->exp.peer = 1;
}

static void setup_lab(void)
{
	peer_set(&peers[0], 0x11, "192.0.2.178", 51821);
	peer_set(&peers[1], 0x33, "198.51.100.77", 51823);
}

static struct wgt_event outer_send(uint8_t key, const char *ep, uint16_t port,
				   uint64_t ts)
{
	struct wgt_event e = {0};

	e.type = WGT_EV_WG_OUTER;
	e.ts_ns = ts;
	e.flags = WGT_EVF_PEER;
	memset(e.peer, key, sizeof(e.peer));
	e.endpoint_family = AF_INET;
	inet_pton(AF_INET, ep, e.endpoint);
	e.endpoint_port = htons(port);
	return e;
}

/* One lookup of an outer packet's route: WireGuard's flow has the port. */
static struct wgt_event outer_fib(const char *ep, uint16_t port, uint32_t table,
				  int oif, uint64_t ts)
{
	struct wgt_event e = {0};

	e.type = WGT_EV_FIB;
	e.ts_ns = ts;
	e.table = table;
	e.oif = oif;
	e.ifindex = 1;
	e.netns = 4026531840U;
	e.flow.family = AF_INET;
	e.flow.proto = IPPROTO_UDP;
	e.flow.dport = htons(port);
	inet_pton(AF_INET, ep, e.flow.daddr);
	return e;
}

static void outer_send_is_the_chosen_peers(void **state)
{
	struct trace_target t;
	struct trace_seen s;
	struct wgt_event ev[2];
	struct wgt_addr a, want;

	(void)state;
	setup_lab();
	target(&t);
	/* P1's keepalive to its roamed endpoint comes first. */
	ev[0] = outer_send(0x11, "192.0.2.178", 51821, 1000);
	ev[1] = outer_send(0x33, "198.51.100.77", 51823, 2000);
	trace_reduce(ev, 2, true, true, &inv, &t, &opts, &s);
	assert_true(s.outer_send_seen);
	addr_from_raw(&a, s.outer_send.endpoint_family, s.outer_send.endpoint);
	addr_parse("198.51.100.77", &want);
	assert_true(addr_equal(&a, &want));
	assert_int_equal(ntohs(s.outer_send.endpoint_port), 51823);
}

static void other_peers_outer_send_is_not_the_flows(void **state)
{
	struct trace_target t;
	struct trace_seen s;
	struct wgt_event ev[1];

	(void)state;
	setup_lab();
	target(&t);
	ev[0] = outer_send(0x11, "192.0.2.178", 51821, 1000);
	trace_reduce(ev, 1, true, true, &inv, &t, &opts, &s);
	assert_false(s.outer_send_seen);
}

/* P1 with P3's endpoint address: its lookups carry its own port. */
static void outer_route_of_another_port_is_not_the_flows(void **state)
{
	struct trace_target t;
	struct trace_seen s;
	struct wgt_event ev[4];

	(void)state;
	setup_lab();
	peer_set(&peers[0], 0x11, "198.51.100.77", 51821);
	target(&t);
	/* A route query without a port, then P1's, then P3's handshake. */
	ev[0] = outer_fib("198.51.100.77", 0, 254, UPLINK, 1000);
	ev[1] = outer_fib("198.51.100.77", 51821, 254, UPLINK, 100000000);
	ev[2] = outer_fib("198.51.100.77", 51823, 255, 0, 200000000);
	ev[2].err = -EAGAIN;
	ev[3] = outer_fib("198.51.100.77", 51823, 51820, WG0, 200001000);
	trace_reduce(ev, 4, true, true, &inv, &t, &opts, &s);
	assert_true(s.outer_seen);
	assert_int_equal(s.outer.oif, WG0);
	assert_int_equal(s.outer.table, 51820);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(outer_send_is_the_chosen_peers),
	    cmocka_unit_test(other_peers_outer_send_is_not_the_flows),
	    cmocka_unit_test(outer_route_of_another_port_is_not_the_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
