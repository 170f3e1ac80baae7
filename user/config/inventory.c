// SPDX-License-Identifier: GPL-2.0
/* The inventory: rtnetlink, sysctls and WireGuard, read in one go. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "config/inventory.h"
#include "config/nl_route.h"
#include "config/sysctl.h"
#include "config/wg_inventory.h"

int inventory_load(struct inventory *inv, const char *only_dev)
{
	int err;

	memset(inv, 0, sizeof(*inv));
	err = nl_route_load(inv);
	if (err) {
		wgt_dbg(1, "rtnetlink dump failed: %s", strerror(-err));
		goto cleanup;
	}
	sysctl_load(inv, SYSCTL_ROOT);
	/* Needs the links: WireGuard devices are found among them. */
	err = wg_inventory_load(inv, only_dev);
	if (err)
		wgt_dbg(1, "WireGuard inventory failed: %s", strerror(-err));
cleanup:
	if (err)
		inventory_free(inv);
	return err;
}

void inventory_free(struct inventory *inv)
{
	wg_inventory_free(inv);
	free(inv->links);
	free(inv->addrs);
	free(inv->routes);
	free(inv->rules);
	memset(inv, 0, sizeof(*inv));
}

const struct inv_link *inv_link_by_index(const struct inventory *inv,
					 int ifindex)
{
	size_t i;

	for (i = 0; i < inv->n_links; i++)
		if (inv->links[i].ifindex == ifindex)
			return &inv->links[i];
	return NULL;
}

const struct inv_link *inv_link_by_name(const struct inventory *inv,
					const char *name)
{
	size_t i;

	for (i = 0; i < inv->n_links; i++)
		if (!strcmp(inv->links[i].name, name))
			return &inv->links[i];
	return NULL;
}

const struct wg_device_info *inv_wg_by_index(const struct inventory *inv,
					     int ifindex)
{
	size_t i;

	for (i = 0; i < inv->n_wg; i++)
		if (inv->wg[i].ifindex == ifindex)
			return &inv->wg[i];
	return NULL;
}
