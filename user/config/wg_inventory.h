/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The WireGuard half of the inventory: devices and peers of the current
 * network namespace, from the kernel module (generic netlink) or from a
 * userspace implementation such as wireguard-go (its UAPI socket).
 */
#ifndef WGT_WG_INVENTORY_H
#define WGT_WG_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/inventory.h"

struct nlmsghdr;

/*
 * Fill inv->wg / inv->n_wg from the links already in inv->links. only_dev
 * (may be NULL) limits it to one device: -ENODEV if that device is no form
 * of WireGuard here. On error inv->wg is left empty.
 */
int wg_inventory_load(struct inventory *inv, const char *only_dev);
void wg_inventory_free(struct inventory *inv);

/* Free what a wg_device_info owns (peers, AllowedIPs) and zero it. */
void wg_device_info_free(struct wg_device_info *dev);

/*
 * Parse the answer to a UAPI "get=1" (key=value lines up to a blank line
 * and errno=0). dev is overwritten: impl, listen_port, fwmark and peers;
 * name, ifindex and the device public key are left empty (UAPI gives only
 * the private key). On failure dev owns nothing and err says which line was
 * bad, quoted.
 */
bool wg_uapi_parse(const char *text, size_t len, struct wg_device_info *dev,
		   char *err, size_t errlen);

/*
 * The public key of a hex private key (UAPI "private_key=" value); false on a
 * malformed key. Uses OpenSSL's X25519; wipes every copy of the secret.
 */
bool wg_pubkey_from_private_hex(const char *hex, size_t len,
				uint8_t pub[WG_KEY_LEN_RAW]);

/* 64 hex digits (UAPI keys), either case; false on anything else. */
bool wg_key_from_hex(uint8_t key[WG_KEY_LEN_RAW], const char *hex);

/*
 * Shared by wg_inventory.c, wg_netlink.c and wg_uapi.c, and used by the unit
 * tests; not for other callers.
 *
 * wg_netlink_get / wg_uapi_get: 0 with dev filled (peers and settings; name
 * and ifindex are the caller's), -ENOENT when ifname is no WireGuard device
 * of that kind here, another -errno on a real failure.
 */
/* One link's WireGuard configuration: 0, -ENOENT (not WireGuard), -errno. */
int wg_read_link(const struct inv_link *l, struct wg_device_info *dev);
int wg_netlink_get(const char *ifname, struct wg_device_info *dev);
int wg_uapi_get(const char *ifname, struct wg_device_info *dev);
/* One WG_CMD_GET_DEVICE reply message into dev, coalescing split peers. */
int wg_netlink_parse_msg(const struct nlmsghdr *nlh,
			 struct wg_device_info *dev);
/* Append to the arrays; NULL / -ENOMEM when memory runs out. */
struct wg_peer_info *wg_device_add_peer(struct wg_device_info *dev,
					const uint8_t key[WG_KEY_LEN_RAW]);
int wg_peer_add_allowed(struct wg_peer_info *peer,
			const struct wgt_prefix *pfx);

#endif /* WGT_WG_INVENTORY_H */
