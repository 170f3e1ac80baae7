// SPDX-License-Identifier: GPL-2.0
/*
 * Which links of this namespace are WireGuard, and from where to read each:
 * the kernel module for links of kind "wireguard", the UAPI socket for TUN
 * links (wireguard-go and other userspace implementations).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/common.h"
#include "config/inventory.h"
#include "base/output.h"
#include "config/wg_inventory.h"

/*
 * Room for one more element in an array that only grows by one at a time:
 * capacity is implicit (4, then powers of two), so no field has to carry it.
 */
static int grow(void **arr, size_t n, size_t size)
{
	size_t cap;
	void *p;

	if (n == 0)
		cap = 4;
	else if (n >= 4 && !(n & (n - 1)))
		cap = 2 * n;
	else
		return 0;
	p = reallocarray(*arr, cap, size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

struct wg_peer_info *wg_device_add_peer(struct wg_device_info *dev,
					const uint8_t key[WG_KEY_LEN_RAW])
{
	struct wg_peer_info *peer;

	if (grow((void **)&dev->peers, dev->n_peers, sizeof(*dev->peers)))
		return NULL;
	peer = &dev->peers[dev->n_peers++];
	memset(peer, 0, sizeof(*peer));
	memcpy(peer->pubkey, key, WG_KEY_LEN_RAW);
	wg_key_to_b64(peer->pubkey_b64, key);
	return peer;
}

int wg_peer_add_allowed(struct wg_peer_info *peer, const struct wgt_prefix *pfx)
{
	int err;

	err = grow((void **)&peer->allowed, peer->n_allowed,
		   sizeof(*peer->allowed));
	if (err)
		return err;
	peer->allowed[peer->n_allowed] = *pfx;
	prefix_normalize(&peer->allowed[peer->n_allowed]);
	peer->n_allowed++;
	return 0;
}

void wg_device_info_free(struct wg_device_info *dev)
{
	size_t i;

	if (!dev)
		return;
	for (i = 0; i < dev->n_peers; i++)
		free(dev->peers[i].allowed);
	free(dev->peers);
	memset(dev, 0, sizeof(*dev));
}

void wg_inventory_free(struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n_wg; i++)
		wg_device_info_free(&inv->wg[i]);
	free(inv->wg);
	inv->wg = NULL;
	inv->n_wg = 0;
}

/* 0 and dev filled, -ENOENT if the link is no WireGuard, or -errno. */
int wg_read_link(const struct inv_link *l, struct wg_device_info *dev)
{
	int err;

	if (!strcmp(l->kind, "wireguard"))
		err = wg_netlink_get(l->name, dev);
	/*
	 * Only TUN links of this netns are asked about: the UAPI socket
	 * directory is shared by every netns (see wg_uapi.c for the one
	 * ambiguity that leaves).
	 */
	else if (!strcmp(l->kind, "tun"))
		err = wg_uapi_get(l->name, dev);
	else
		return -ENOENT;
	if (err)
		return err;
	snprintf(dev->name, sizeof(dev->name), "%s", l->name);
	dev->ifindex = l->ifindex;
	return 0;
}

/*
 * Say what to change. For userspace WireGuard the gate is not a
 * capability but the UAPI socket's file mode (wireguard-go makes it 0600,
 * owned by the user that started it): CAP_NET_ADMIN does not open it.
 */
static void wg_read_error(const struct inv_link *l, int err)
{
	char name[UTF8_CLEAN_SIZE(IF_NAMESIZE)];
	struct stat st;
	char path[128];

	utf8_clean(l->name, name, sizeof(name));
	if (!strcmp(l->kind, "tun") && (err == -EACCES || err == -EPERM)) {
		snprintf(path, sizeof(path), "/var/run/wireguard/%s.sock",
			 l->name);
		if (!stat(path, &st)) {
			char who[48] = "root";

			if (st.st_uid)
				snprintf(who, sizeof(who), "uid %u (or root)",
					 (unsigned int)st.st_uid);
			wgt_err("cannot read WireGuard device %s: %s on its "
				"UAPI socket /var/run/wireguard/%s.sock (mode "
				"%04o, owner uid %u): the userspace daemon "
				"(wireguard-go) lets only that owner in, "
				"CAP_NET_ADMIN does not; run as %s",
				name, strerror(-err), name,
				(unsigned int)(st.st_mode & 07777),
				(unsigned int)st.st_uid, who);
			return;
		}
	}
	wgt_err("cannot read WireGuard device %s: %s%s", name, strerror(-err),
		err == -EPERM || err == -EACCES
		    ? " (needs root or CAP_NET_ADMIN)"
		    : "");
}

int wg_inventory_load(struct inventory *inv, const char *only_dev)
{
	struct wg_device_info dev;
	const struct inv_link *l;
	bool found = false;
	size_t i;
	int err = 0;

	inv->wg = NULL;
	inv->n_wg = 0;
	for (i = 0; i < inv->n_links; i++) {
		l = &inv->links[i];
		if (only_dev && strcmp(l->name, only_dev))
			continue;
		memset(&dev, 0, sizeof(dev));
		err = wg_read_link(l, &dev);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		/*
		 * One device that does not answer (a userspace daemon still
		 * starting, or hung) must not blind a long-running watch or
		 * export to the others; asked for by name, it is an error.
		 */
		if (err && !only_dev && err != -EPERM && err != -EACCES) {
			wgt_dbg(1, "skipping WireGuard device %s: %s", l->name,
				strerror(-err));
			err = 0;
			continue;
		}
		if (err) {
			wg_read_error(l, err);
			goto cleanup;
		}
		err = grow((void **)&inv->wg, inv->n_wg, sizeof(*inv->wg));
		if (err) {
			wg_device_info_free(&dev);
			goto cleanup;
		}
		inv->wg[inv->n_wg++] = dev;
		found = true;
	}
	if (only_dev && !found)
		err = -ENODEV;
cleanup:
	if (err)
		wg_inventory_free(inv);
	return err;
}
