// SPDX-License-Identifier: GPL-2.0
/* Move this process into another network namespace, as `ip netns exec`. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/common.h"
#include "config/inventory.h"

/*
 * Where `ip netns add` bind-mounts named namespaces; the second is the same
 * directory on most systems but not on all.
 */
static const char *const netns_dirs[] = {"/run/netns", "/var/run/netns"};

static int open_named(const char *name)
{
	char path[PATH_MAX];
	int err = -ENOENT, fd;
	size_t i;

	/* "." and ".." would name the directory itself, not a namespace. */
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(netns_dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", netns_dirs[i], name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		/* Keep the first failure other than "missing": it says more. */
		if (errno != ENOENT && err == -ENOENT)
			err = -errno;
	}
	return err;
}

int netns_enter(const char *name_or_path)
{
	size_t len;
	int fd, err = 0;

	if (!name_or_path || !*name_or_path)
		return -EINVAL;
	/* Refuse before any path is built: a name that cannot exist is
	 * the caller's mistake, not a failure to open. */
	len = strnlen(name_or_path, PATH_MAX);
	if (len >= PATH_MAX || (!strchr(name_or_path, '/') && len > NAME_MAX))
		return -ENAMETOOLONG;
	if (strchr(name_or_path, '/')) {
		/* O_NONBLOCK: a FIFO given as -n must not block the open;
		 * setns() then refuses it (EINVAL) like any other file. */
		fd = open(name_or_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	} else {
		fd = open_named(name_or_path);
		if (fd < 0)
			return fd;
	}
	/* EINVAL: the file is no network namespace; EPERM: not root. */
	if (setns(fd, CLONE_NEWNET) < 0)
		err = -errno;
	close(fd);
	return err;
}
