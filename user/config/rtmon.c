// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "config/rtmon.h"

struct rtmon {
	struct mnl_socket *nl;
};

int rtmon_open(struct rtmon **out)
{
	unsigned int groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE |
			      RTMGRP_IPV4_RULE | RTMGRP_LINK;
	int v6_rules = RTNLGRP_IPV6_RULE;
	struct rtmon *m;
	int err;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->nl) {
		err = -errno;
		goto fail;
	}
	if (mnl_socket_bind(m->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	/* No legacy bitmask exists for IPv6 rules: join the group itself. */
	if (mnl_socket_setsockopt(m->nl, NETLINK_ADD_MEMBERSHIP, &v6_rules,
				  sizeof(v6_rules)) < 0) {
		err = -errno;
		goto fail;
	}
	*out = m;
	return 0;
fail:
	rtmon_close(m);
	return err;
}

int rtmon_fd(const struct rtmon *m)
{
	return mnl_socket_get_fd(m->nl);
}

static int change_cb(const struct nlmsghdr *nlh, void *data)
{
	int *changes = data;

	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
	case RTM_NEWRULE:
	case RTM_DELRULE:
		*changes |= RTMON_ROUTES;
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		*changes |= RTMON_LINKS;
		break;
	}
	return MNL_CB_OK;
}

int rtmon_drain(struct rtmon *m)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int changes = 0;
	ssize_t n;

	while ((n = mnl_socket_recvfrom(m->nl, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, n, 0, 0, change_cb, &changes);
	/* ENOBUFS: changes were lost in a burst; assume anything changed. */
	if (n < 0 && errno == ENOBUFS)
		changes |= RTMON_ROUTES | RTMON_LINKS;
	return changes;
}

void rtmon_close(struct rtmon *m)
{
	if (!m)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	free(m);
}
