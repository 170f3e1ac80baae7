/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every command does the same way: enter --netns, load the inventory,
 * check privileges, parse a number of seconds. One wording for one error, so
 * an SRE (and a test) sees the same message from every command.
 */
#ifndef WGT_CMDUTIL_H
#define WGT_CMDUTIL_H

#include <stdbool.h>

#include "config/inventory.h"

/* Enter --netns; prints why not. -WGT_EUSAGE for a bad name or path. */
int cmd_enter_netns(const char *ns);
/*
 * inventory_load() with the error explained; a -i that names no device or
 * not a WireGuard device is a usage error (-WGT_EUSAGE).
 */
int cmd_load_inventory(struct inventory *inv, const char *dev);
/* CAP_BPF+CAP_PERFMON (or CAP_SYS_ADMIN); prints what `cmd` needs. */
int cmd_need_bpf(const char *cmd);
/* "--interval 5": seconds from 1 to max, or a message naming the option. */
bool parse_seconds(const char *opt, const char *arg, unsigned long max,
		   unsigned int *out);

#endif /* WGT_CMDUTIL_H */
