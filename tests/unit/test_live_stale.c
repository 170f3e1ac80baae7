// SPDX-License-Identifier: GPL-2.0
/*
 * stale_handshake between two refreshes of watch: a peer is "sending" when
 * its own tx bytes grew, whatever position the new inventory lists it at
 * (wireguard-go reorders its peers at every dump).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "config/inventory.h"
#include "config/wg_inventory.h"
#include "model/finding.h"
#include "model/live.h"

#define KEY_A "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define KEY_B "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
#define NOW 1796612400LL

/* wg0 with peers first and second, both last handshaking 300 s ago. */
static void two_peers(struct inventory *inv, struct inv_link *link,
		      const char *first, uint64_t tx_first, const char *second,
		      uint64_t tx_second)
{
	const char *keys[2] = {first, second};
	const uint64_t tx[2] = {tx_first, tx_second};
	uint8_t key[WG_KEY_LEN_RAW];
	struct wg_peer_info *p;
	int i;

	memset(inv, 0, sizeof(*inv));
	*link = (struct inv_link){.ifindex = 3, .name = "wg0", .up = true};
	inv->links = link;
	inv->n_links = 1;
	inv->wg = calloc(1, sizeof(*inv->wg));
	assert_non_null(inv->wg);
	inv->n_wg = 1;
	strcpy(inv->wg[0].name, "wg0");
	inv->wg[0].ifindex = 3;
	for (i = 0; i < 2; i++) {
		assert_true(wg_key_from_b64(key, keys[i]));
		p = wg_device_add_peer(&inv->wg[0], key);
		assert_non_null(p);
		strcpy(p->pubkey_b64, keys[i]);
		p->tx_bytes = tx[i];
		p->last_handshake_sec = NOW - 300;
	}
}

/* The peers stale_handshake names in l's findings now, as base64 keys. */
static size_t stale_peers(struct live *l, char peers[][64], size_t max)
{
	struct finding_list fl = {0};
	size_t i, n = 0;

	assert_int_equal(live_findings(l, &fl), 0);
	for (i = 0; i < fl.n; i++)
		if (!strcmp(fl.v[i].id, "stale_handshake") && n < max)
			snprintf(peers[n++], 64, "%s", fl.v[i].peer);
	finding_list_free(&fl);
	return n;
}

static void test_stale_follows_key_not_position(void **state)
{
	struct inventory inv;
	struct inv_link link;
	struct live l = {.inv = &inv, .now = NOW};
	char peers[4][64];

	(void)state;
	assert_int_equal(live_alloc(&l), 0);
	/* First refresh: the baseline, nothing to compare with yet. */
	two_peers(&inv, &link, KEY_A, 100, KEY_B, 1000);
	assert_int_equal(stale_peers(&l, peers, 4), 0);
	wg_inventory_free(&inv);

	/* Listed the other way round: A sent (100 -> 500), B did not. By
	 * position, B (1000) would pass for sending against A's 100 and A
	 * (500) for quiet against B's 1000. */
	two_peers(&inv, &link, KEY_B, 1000, KEY_A, 500);
	assert_int_equal(stale_peers(&l, peers, 4), 1);
	assert_string_equal(peers[0], KEY_A);
	wg_inventory_free(&inv);

	/* Same order again, nobody sent: nothing. */
	two_peers(&inv, &link, KEY_B, 1000, KEY_A, 500);
	assert_int_equal(stale_peers(&l, peers, 4), 0);
	wg_inventory_free(&inv);

	/* A fresh handshake is not stale, sending or not. */
	two_peers(&inv, &link, KEY_A, 900, KEY_B, 1000);
	inv.wg[0].peers[0].last_handshake_sec = NOW - 10;
	assert_int_equal(stale_peers(&l, peers, 4), 0);
	wg_inventory_free(&inv);
	live_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stale_follows_key_not_position),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
