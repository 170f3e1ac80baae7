/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the inventory: rtnetlink dumps (links, addresses, routes, rules)
 * through libmnl, the request/answer loop route_get() shares, and the pure
 * message-to-struct conversions the unit tests feed with hand-built messages.
 */
#ifndef WGT_NL_ROUTE_H
#define WGT_NL_ROUTE_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#include "config/inventory.h"

/*
 * One netlink message into one struct. 0 on success, -EAFNOSUPPORT for a
 * family the inventory does not keep (the caller skips it), -EINVAL for a
 * malformed message. The output is fully overwritten in every case.
 */
int nl_parse_link(const struct nlmsghdr *nlh, struct inv_link *link);
int nl_parse_addr(const struct nlmsghdr *nlh, struct inv_addr *addr);
int nl_parse_route(const struct nlmsghdr *nlh, struct inv_route *route);
int nl_parse_rule(const struct nlmsghdr *nlh, struct inv_rule *rule);

/* Stable sort by priority: the kernel evaluates rules in this order. */
void nl_rules_sort(struct inv_rule *rules, size_t n);

/*
 * Send req (seq and flags as the caller set them) and feed every answer
 * message to cb until the kernel is done. A kernel error (NLMSG_ERROR, or
 * an NLMSG_DONE that carries one) goes into *kernel_err when that is
 * non-NULL and 0 is returned; otherwise it is returned. -EINTR when the
 * kernel flagged a dump as interrupted by a concurrent change.
 */
int nl_request(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data, int *kernel_err);

/* A bound NETLINK_ROUTE socket, or NULL with errno set. */
struct mnl_socket *nl_route_open(void);

/* Links, addresses, routes of every table and rules into inv. */
int nl_route_load(struct inventory *inv);

/* Names as iproute2 prints them; NULL for values it has no name for. */
const char *nl_route_type_name(unsigned int type);
const char *nl_route_proto_name(unsigned int proto);
const char *nl_route_scope_name(unsigned int scope);
const char *nl_rule_action_name(unsigned int action);
/* "main", "local", "default", or the number. */
const char *nl_table_name(unsigned int table, char *buf, size_t len);

#endif /* WGT_NL_ROUTE_H */
