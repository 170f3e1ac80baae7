/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forwarding, rp_filter and src_valid_mark as the kernel applies them, read
 * from /proc/sys/net (which shows the network namespace of the reader).
 */
#ifndef WGT_SYSCTL_H
#define WGT_SYSCTL_H

#include "config/inventory.h"

#define SYSCTL_ROOT "/proc/sys"

/*
 * Fill every link's forwarding4/6, rp_filter, src_valid_mark and the global
 * ip_forward/ip6_forward. root is SYSCTL_ROOT except in tests. A value
 * that cannot be read (IPv6 disabled, no IPv4 on the device) is -1.
 */
void sysctl_load(struct inventory *inv, const char *root);

/* One integer sysctl, path relative to root ("net/ipv4/ip_forward"). */
int sysctl_read_int(const char *root, const char *path, int *val);

/* What the kernel applies from conf/all and conf/DEV (-1: unknown). */
int sysctl_rp_filter_effective(int all, int dev);
int sysctl_src_valid_mark_effective(int all, int dev);

#endif /* WGT_SYSCTL_H */
