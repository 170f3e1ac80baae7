// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <string.h>

#include "cli/cmdutil.h"
#include "base/common.h"
#include "attach/kernel.h"

int cmd_enter_netns(const char *ns)
{
	int err = netns_enter(ns);

	switch (err) {
	case 0:
		return 0;
	case -ENAMETOOLONG:
		/* Quote only the start: the name may be kilobytes long. */
		wgt_err("-n '%.32s...' (%zu bytes): a namespace name has at "
			"most %d bytes, a path %d",
			ns, strlen(ns), NAME_MAX, PATH_MAX - 1);
		return -WGT_EUSAGE;
	case -ENOENT:
	case -ENOTDIR:
		if (strchr(ns, '/'))
			wgt_err("no network namespace at '%s'", ns);
		else
			wgt_err(
			    "no network namespace '%s' (see: ip netns list)",
			    ns);
		return -WGT_EUSAGE;
	case -EINVAL:
		wgt_err("'%s' is not a network namespace", ns);
		return -WGT_EUSAGE;
	case -EPERM:
		wgt_err("cannot enter network namespace '%s': needs root "
			"(CAP_SYS_ADMIN)",
			ns);
		return err;
	}
	wgt_err("cannot enter network namespace '%s': %s", ns, strerror(-err));
	return err;
}

int cmd_load_inventory(struct inventory *inv, const char *dev)
{
	int err = inventory_load(inv, dev);

	if (err == -ENODEV) {
		/* Tell "no such device" from "not WireGuard". */
		if (!if_nametoindex(dev))
			wgt_err("no device '%s' in this network namespace",
				dev);
		else
			wgt_err("'%s' is not a WireGuard device (kernel or "
				"userspace with a UAPI socket)",
				dev);
		return -WGT_EUSAGE;
	}
	/* The WireGuard inventory has named the device it could not read. */
	if (err && err != -EPERM && err != -EACCES)
		wgt_err("cannot read the network configuration: %s",
			strerror(-err));
	return err;
}

int cmd_need_bpf(const char *cmd)
{
	int err = check_bpf_privileges();

	if (err)
		wgt_err(
		    "%s needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN; "
		    "CAP_NET_ADMIN for tc)",
		    cmd);
	return err;
}

bool parse_seconds(const char *opt, const char *arg, unsigned long max,
		   unsigned int *out)
{
	unsigned long v;

	if (!parse_uint_range(arg, 1, max, &v)) {
		wgt_err("%s '%s': give seconds from 1 to %lu", opt, arg, max);
		return false;
	}
	*out = v;
	return true;
}
