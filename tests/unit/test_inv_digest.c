// SPDX-License-Identifier: GPL-2.0
/*
 * user/config/inv_digest.c: watch and export skip rewriting the maps and
 * the record when the digest is unchanged, so every field they hand on
 * must move it, and the fields that change every second must not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config/inventory.h"
#include "model/addr.h"

struct gw {
	struct inventory inv;
	struct inv_link links[2];
	struct inv_route routes[2];
	struct wg_device_info wg;
	struct wg_peer_info peers[2];
	struct wgt_prefix allowed[2][2];
};

/* One WireGuard device, two peers with two prefixes each, two routes. */
static void gw_fill(struct gw *g)
{
	static const char *const pfx[2][2] = {{"10.0.0.0/24", "fd00::/64"},
					      {"10.0.1.0/24", "fd00:1::/64"}};
	size_t i, j;

	memset(g, 0, sizeof(*g));
	g->links[0].ifindex = 1;
	strcpy(g->links[0].name, "lo");
	g->links[1].ifindex = 7;
	strcpy(g->links[1].name, "wg0");
	strcpy(g->links[1].kind, "wireguard");
	g->links[1].mtu = 1420;
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++)
			assert_true(
			    prefix_parse(pfx[i][j], &g->allowed[i][j], NULL));
		g->peers[i].pubkey[0] = i + 1;
		g->peers[i].allowed = g->allowed[i];
		g->peers[i].n_allowed = 2;
		g->routes[i].family = 2;
		g->routes[i].dst = g->allowed[i][0];
		g->routes[i].oif = 7;
	}
	g->peers[0].has_endpoint = true;
	assert_true(addr_parse("192.0.2.1", &g->peers[0].endpoint));
	g->peers[0].endpoint_port = 51820;
	strcpy(g->wg.name, "wg0");
	g->wg.ifindex = 7;
	g->wg.listen_port = 51820;
	g->wg.peers = g->peers;
	g->wg.n_peers = 2;
	g->inv.links = g->links;
	g->inv.n_links = 2;
	g->inv.routes = g->routes;
	g->inv.n_routes = 2;
	g->inv.wg = &g->wg;
	g->inv.n_wg = 1;
	g->inv.ip_forward = 1;
}

static void counters_and_order_do_not_count(void **state)
{
	struct gw a, b;

	(void)state;
	gw_fill(&a);
	gw_fill(&b);
	b.peers[1].tx_bytes = 123456;
	b.peers[1].rx_bytes = 42;
	b.peers[0].last_handshake_sec = 1700000000;
	b.links[1].tx_errors = 3;
	assert_int_equal(inventory_config_digest(&a.inv),
			 inventory_config_digest(&b.inv));
	/* wireguard-go lists peers in another order at every dump. */
	b.peers[0] = a.peers[1];
	b.peers[1] = a.peers[0];
	b.allowed[0][0] = a.allowed[0][1];
	b.allowed[0][1] = a.allowed[0][0];
	b.peers[1].allowed = b.allowed[0];
	assert_int_equal(inventory_config_digest(&a.inv),
			 inventory_config_digest(&b.inv));
}

static void configuration_counts(void **state)
{
	struct gw a, b;
	uint64_t base;

	(void)state;
	gw_fill(&a);
	base = inventory_config_digest(&a.inv);

	gw_fill(&b);
	assert_true(prefix_parse("10.0.2.0/24", &b.allowed[1][0], NULL));
	assert_int_not_equal(base, inventory_config_digest(&b.inv));

	gw_fill(&b);
	b.peers[0].endpoint_port = 51821;
	assert_int_not_equal(base, inventory_config_digest(&b.inv));

	gw_fill(&b);
	b.peers[1].has_endpoint = true; /* a peer that roamed in */
	assert_int_not_equal(base, inventory_config_digest(&b.inv));

	gw_fill(&b);
	b.wg.n_peers = 1; /* a peer removed */
	assert_int_not_equal(base, inventory_config_digest(&b.inv));

	gw_fill(&b);
	b.routes[1].oif = 1; /* a route moved off the tunnel */
	assert_int_not_equal(base, inventory_config_digest(&b.inv));

	gw_fill(&b);
	b.links[1].up = true;
	assert_int_not_equal(base, inventory_config_digest(&b.inv));

	gw_fill(&b);
	b.inv.ip_forward = 0;
	assert_int_not_equal(base, inventory_config_digest(&b.inv));

	/* The same prefixes on the other peer are another configuration. */
	gw_fill(&b);
	b.peers[0].allowed = a.allowed[1];
	b.peers[1].allowed = a.allowed[0];
	assert_int_not_equal(base, inventory_config_digest(&b.inv));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(counters_and_order_do_not_count),
	    cmocka_unit_test(configuration_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
