// SPDX-License-Identifier: GPL-2.0
/* Routing sysctls of the current network namespace, from /proc/sys/net. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/common.h"
#include "config/sysctl.h"

int sysctl_read_int(const char *root, const char *path, int *val)
{
	char file[PATH_MAX], buf[32], *end;
	ssize_t n;
	long v;
	int fd, err = 0;

	n = snprintf(file, sizeof(file), "%s/%s", root, path);
	if (n >= (ssize_t)sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno || (*end && *end != '\n') || v < INT_MIN ||
	    v > INT_MAX) {
		err = -EINVAL;
		goto cleanup;
	}
	*val = v;
cleanup:
	close(fd);
	return err;
}

/* -1 when unreadable: absent is normal (IPv6 off), anything else is logged. */
static int read_or_unknown(const char *root, const char *path)
{
	int val, err;

	err = sysctl_read_int(root, path, &val);
	if (!err)
		return val;
	if (err != -ENOENT)
		wgt_dbg(1, "cannot read %s/%s: %s", root, path, strerror(-err));
	return -1;
}

/* net.<proto>.conf.<dev>.<key>; dev "all" for the global switch. */
static int read_conf(const char *root, const char *proto, const char *dev,
		     const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), "net/%s/conf/%s/%s", proto, dev, key);
	return read_or_unknown(root, path);
}

int sysctl_rp_filter_effective(int all, int dev)
{
	/* No conf/DEV: the device has no IPv4 (e.g. MTU below 68). */
	if (dev < 0)
		return -1;
	return all > dev ? all : dev;
}

int sysctl_src_valid_mark_effective(int all, int dev)
{
	if (dev < 0)
		return -1;
	return all > 0 || dev > 0;
}

void sysctl_load(struct inventory *inv, const char *root)
{
	int rpf_all, svm_all;
	size_t i;

	if (!root)
		root = SYSCTL_ROOT;
	inv->ip_forward = read_or_unknown(root, "net/ipv4/ip_forward");
	inv->ip6_forward = read_conf(root, "ipv6", "all", "forwarding");
	rpf_all = read_conf(root, "ipv4", "all", "rp_filter");
	svm_all = read_conf(root, "ipv4", "all", "src_valid_mark");
	for (i = 0; i < inv->n_links; i++) {
		struct inv_link *l = &inv->links[i];

		l->forwarding4 = read_conf(root, "ipv4", l->name, "forwarding");
		l->forwarding6 = read_conf(root, "ipv6", l->name, "forwarding");
		l->rp_filter = sysctl_rp_filter_effective(
		    rpf_all, read_conf(root, "ipv4", l->name, "rp_filter"));
		l->src_valid_mark = sysctl_src_valid_mark_effective(
		    svm_all,
		    read_conf(root, "ipv4", l->name, "src_valid_mark"));
	}
}
