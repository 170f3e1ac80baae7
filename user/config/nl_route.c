// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink dumps for the inventory: links, addresses, routes of every table
 * and policy rules, both families, through libmnl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "base/common.h"
#include "config/nl_route.h"

/*
 * The kernel fills a dump skb up to the largest receive buffer it has seen,
 * capped near 32 KiB; a smaller buffer would truncate messages (MSG_TRUNC).
 */
#define NL_BUF_SIZE 32768
/* Retries of a dump the kernel flagged as interrupted by a change. */
#define NL_DUMP_TRIES 3

/* Attribute table filled by attr_cb, with a libmnl type check per id. */
struct attr_tb {
	const struct nlattr **tb;
	unsigned int max;
	const enum mnl_attr_data_type *policy; /* MNL_TYPE_UNSPEC: no check */
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct attr_tb *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	/* A newer kernel than our headers sends ids we do not know: skip. */
	if (type > t->max)
		return MNL_CB_OK;
	if (t->policy[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(attr, t->policy[type]) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_msg(const struct nlmsghdr *nlh, size_t hdrlen,
		     const struct nlattr **tb, unsigned int max,
		     const enum mnl_attr_data_type *policy)
{
	struct attr_tb t = {tb, max, policy};

	if (nlh->nlmsg_len < mnl_nlmsg_size(hdrlen))
		return -EINVAL;
	if (mnl_attr_parse(nlh, hdrlen, attr_cb, &t) != MNL_CB_OK)
		return -EINVAL;
	return 0;
}

static bool family_ok(uint8_t family)
{
	return family == AF_INET || family == AF_INET6;
}

static int get_addr(const struct nlattr *a, uint8_t family,
		    struct wgt_addr *out)
{
	if (mnl_attr_get_payload_len(a) != addr_bytes(family))
		return -EINVAL;
	addr_from_raw(out, family, mnl_attr_get_payload(a));
	return 0;
}

static int get_prefix(const struct nlattr *a, uint8_t family, unsigned int len,
		      struct wgt_prefix *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (len > (unsigned int)addr_bits(family))
		return -EINVAL;
	out->addr.family = family;
	out->len = len;
	if (a) {
		err = get_addr(a, family, &out->addr);
		if (err)
			return err;
	}
	prefix_normalize(out);
	return 0;
}

/* A NUL-terminated attribute into buf; -EINVAL if it does not fit. */
static int get_str(const struct nlattr *a, char *buf, size_t size)
{
	const char *s = mnl_attr_get_payload(a);
	size_t len = strnlen(s, mnl_attr_get_payload_len(a));

	if (len >= size)
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

int nl_parse_link(const struct nlmsghdr *nlh, struct inv_link *link)
{
	static const enum mnl_attr_data_type policy[IFLA_MAX + 1] = {
	    [IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
	    [IFLA_MTU] = MNL_TYPE_U32,
	    [IFLA_LINKINFO] = MNL_TYPE_NESTED,
	};
	static const enum mnl_attr_data_type info_policy[IFLA_INFO_MAX + 1] = {
	    [IFLA_INFO_KIND] = MNL_TYPE_STRING,
	};
	const struct nlattr *tb[IFLA_MAX + 1] = {NULL};
	const struct nlattr *info[IFLA_INFO_MAX + 1] = {NULL};
	struct attr_tb info_tb = {info, IFLA_INFO_MAX, info_policy};
	const struct nlattr *kind;
	const struct ifinfomsg *ifi;
	int err;

	memset(link, 0, sizeof(*link));
	/* Filled from /proc/sys later; unknown until then. */
	link->forwarding4 = link->forwarding6 = -1;
	link->rp_filter = link->src_valid_mark = -1;
	err = parse_msg(nlh, sizeof(*ifi), tb, IFLA_MAX, policy);
	if (err)
		return err;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (!tb[IFLA_IFNAME] ||
	    get_str(tb[IFLA_IFNAME], link->name, sizeof(link->name)))
		return -EINVAL;
	link->ifindex = ifi->ifi_index;
	link->up = ifi->ifi_flags & IFF_UP;
	if (tb[IFLA_MTU])
		link->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_LINKINFO]) {
		if (mnl_attr_parse_nested(tb[IFLA_LINKINFO], attr_cb,
					  &info_tb) != MNL_CB_OK)
			return -EINVAL;
		/* Informational only: a kind longer than the field is cut. */
		kind = info[IFLA_INFO_KIND];
		if (kind)
			snprintf(link->kind, sizeof(link->kind), "%.*s",
				 (int)mnl_attr_get_payload_len(kind),
				 (const char *)mnl_attr_get_payload(kind));
	}
	if (tb[IFLA_STATS64]) {
		/* The struct has grown over the years: take what was sent. */
		struct rtnl_link_stats64 st = {0};
		size_t len = mnl_attr_get_payload_len(tb[IFLA_STATS64]);

		memcpy(&st, mnl_attr_get_payload(tb[IFLA_STATS64]),
		       len < sizeof(st) ? len : sizeof(st));
		link->rx_errors = st.rx_errors;
		link->tx_errors = st.tx_errors;
		link->rx_frame_errors = st.rx_frame_errors;
	}
	return 0;
}

int nl_parse_addr(const struct nlmsghdr *nlh, struct inv_addr *addr)
{
	static const enum mnl_attr_data_type policy[IFA_MAX + 1] = {
	    [IFA_ADDRESS] = MNL_TYPE_BINARY,
	    [IFA_LOCAL] = MNL_TYPE_BINARY,
	};
	const struct nlattr *tb[IFA_MAX + 1] = {NULL};
	const struct nlattr *local, *prefix;
	const struct ifaddrmsg *ifa;
	int err;

	memset(addr, 0, sizeof(*addr));
	err = parse_msg(nlh, sizeof(*ifa), tb, IFA_MAX, policy);
	if (err)
		return err;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (!family_ok(ifa->ifa_family))
		return -EAFNOSUPPORT;
	/*
	 * IFA_LOCAL is our address, IFA_ADDRESS the prefix the kernel routes
	 * (the peer on a point-to-point address). They differ only with
	 * "peer"; IPv6 sends IFA_LOCAL only then.
	 */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	prefix = tb[IFA_ADDRESS] ? tb[IFA_ADDRESS] : tb[IFA_LOCAL];
	if (!local)
		return -EINVAL;
	addr->ifindex = ifa->ifa_index;
	err = get_addr(local, ifa->ifa_family, &addr->local);
	if (!err)
		err = get_prefix(prefix, ifa->ifa_family, ifa->ifa_prefixlen,
				 &addr->pfx);
	return err;
}

/* RTA_GATEWAY is in the route's family; RTA_VIA carries its own (RFC 5549). */
static int get_gateway(const struct nlattr *gw, const struct nlattr *via,
		       uint8_t family, struct wgt_addr *out)
{
	const struct rtvia *v;
	size_t len;

	if (gw)
		return get_addr(gw, family, out);
	if (!via)
		return 0;
	len = mnl_attr_get_payload_len(via);
	v = mnl_attr_get_payload(via);
	if (len < sizeof(*v))
		return -EINVAL;
	/* Only IP next hops mean anything here (not MPLS labels). */
	if (!family_ok(v->rtvia_family))
		return 0;
	if (len != sizeof(*v) + addr_bytes(v->rtvia_family))
		return -EINVAL;
	addr_from_raw(out, v->rtvia_family, v->rtvia_addr);
	return 0;
}

static const enum mnl_attr_data_type route_policy[RTA_MAX + 1] = {
    [RTA_DST] = MNL_TYPE_BINARY,       [RTA_GATEWAY] = MNL_TYPE_BINARY,
    [RTA_PREFSRC] = MNL_TYPE_BINARY,   [RTA_VIA] = MNL_TYPE_BINARY,
    [RTA_MULTIPATH] = MNL_TYPE_BINARY, [RTA_OIF] = MNL_TYPE_U32,
    [RTA_PRIORITY] = MNL_TYPE_U32,     [RTA_TABLE] = MNL_TYPE_U32,
};

/*
 * A multipath route carries no RTA_OIF/RTA_GATEWAY of its own, only a list
 * of struct rtnexthop, each followed by its attributes. The inventory keeps
 * one next hop per route: the first, as listed by the kernel.
 */
static int first_nexthop(const struct nlattr *mp, uint8_t family,
			 struct inv_route *r)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t len = mnl_attr_get_payload_len(mp);
	const struct nlattr *tb[RTA_MAX + 1] = {NULL};
	struct attr_tb t = {tb, RTA_MAX, route_policy};

	if (len < sizeof(*nh) || nh->rtnh_len < RTNH_LENGTH(0) ||
	    nh->rtnh_len > len)
		return -EINVAL;
	r->oif = nh->rtnh_ifindex;
	if (mnl_attr_parse_payload((const char *)nh + RTNH_LENGTH(0),
				   nh->rtnh_len - RTNH_LENGTH(0), attr_cb,
				   &t) != MNL_CB_OK)
		return -EINVAL;
	return get_gateway(tb[RTA_GATEWAY], tb[RTA_VIA], family, &r->gateway);
}

int nl_parse_route(const struct nlmsghdr *nlh, struct inv_route *r)
{
	const struct nlattr *tb[RTA_MAX + 1] = {NULL};
	const struct rtmsg *rtm;
	int err;

	memset(r, 0, sizeof(*r));
	err = parse_msg(nlh, sizeof(*rtm), tb, RTA_MAX, route_policy);
	if (err)
		return err;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (!family_ok(rtm->rtm_family))
		return -EAFNOSUPPORT;
	r->family = rtm->rtm_family;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	/* rtm_table is 8 bits: tables above 255 show as RT_TABLE_COMPAT. */
	r->table =
	    tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	err = get_prefix(tb[RTA_DST], r->family, rtm->rtm_dst_len, &r->dst);
	if (err)
		return err;
	if (tb[RTA_OIF])
		r->oif = mnl_attr_get_u32(tb[RTA_OIF]);
	if (tb[RTA_PRIORITY])
		r->metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_PREFSRC]) {
		err = get_addr(tb[RTA_PREFSRC], r->family, &r->prefsrc);
		if (err)
			return err;
	}
	if (tb[RTA_MULTIPATH] && !tb[RTA_OIF])
		return first_nexthop(tb[RTA_MULTIPATH], r->family, r);
	return get_gateway(tb[RTA_GATEWAY], tb[RTA_VIA], r->family,
			   &r->gateway);
}

/* struct fib_rule_port_range, in host byte order. */
static int get_port_range(const struct nlattr *a, uint16_t *min, uint16_t *max)
{
	struct fib_rule_port_range r;

	if (mnl_attr_get_payload_len(a) != sizeof(r))
		return -EINVAL;
	memcpy(&r, mnl_attr_get_payload(a), sizeof(r));
	*min = r.start;
	*max = r.end;
	return 0;
}

int nl_parse_rule(const struct nlmsghdr *nlh, struct inv_rule *rule)
{
	static const enum mnl_attr_data_type policy[FRA_MAX + 1] = {
	    [FRA_SRC] = MNL_TYPE_BINARY,
	    [FRA_DST] = MNL_TYPE_BINARY,
	    [FRA_IIFNAME] = MNL_TYPE_NUL_STRING,
	    [FRA_OIFNAME] = MNL_TYPE_NUL_STRING,
	    [FRA_PRIORITY] = MNL_TYPE_U32,
	    [FRA_TABLE] = MNL_TYPE_U32,
	    [FRA_FWMARK] = MNL_TYPE_U32,
	    [FRA_FWMASK] = MNL_TYPE_U32,
	    [FRA_SUPPRESS_PREFIXLEN] = MNL_TYPE_U32,
	    [FRA_IP_PROTO] = MNL_TYPE_U8,
	    [FRA_SPORT_RANGE] = MNL_TYPE_BINARY,
	    [FRA_DPORT_RANGE] = MNL_TYPE_BINARY,
	};
	const struct nlattr *tb[FRA_MAX + 1] = {NULL};
	const struct fib_rule_hdr *frh;
	int err;

	memset(rule, 0, sizeof(*rule));
	rule->suppress_prefixlen = -1;
	err = parse_msg(nlh, sizeof(*frh), tb, FRA_MAX, policy);
	if (err)
		return err;
	frh = mnl_nlmsg_get_payload(nlh);
	if (!family_ok(frh->family))
		return -EAFNOSUPPORT;
	rule->family = frh->family;
	rule->action = frh->action;
	rule->invert = frh->flags & FIB_RULE_INVERT;
	/* The kernel leaves FRA_PRIORITY out for priority 0. */
	if (tb[FRA_PRIORITY])
		rule->priority = mnl_attr_get_u32(tb[FRA_PRIORITY]);
	rule->table =
	    tb[FRA_TABLE] ? mnl_attr_get_u32(tb[FRA_TABLE]) : frh->table;
	/* "fwmark 0/0xff" (mark 0, mask set) is a real match on mark 0. */
	rule->has_fwmark = tb[FRA_FWMARK] || tb[FRA_FWMASK];
	if (tb[FRA_FWMARK])
		rule->fwmark = mnl_attr_get_u32(tb[FRA_FWMARK]);
	if (tb[FRA_FWMASK])
		rule->fwmask = mnl_attr_get_u32(tb[FRA_FWMASK]);
	else if (rule->has_fwmark)
		rule->fwmask = UINT32_MAX;
	if (tb[FRA_SUPPRESS_PREFIXLEN]) {
		/*
		 * The kernel keeps an int and reports -1 (0xffffffff) when
		 * unset; any negative value never suppresses, same as unset.
		 */
		uint32_t v = mnl_attr_get_u32(tb[FRA_SUPPRESS_PREFIXLEN]);

		rule->suppress_prefixlen = (int32_t)v < 0 ? -1 : (int)v;
	}
	if (tb[FRA_IIFNAME] &&
	    get_str(tb[FRA_IIFNAME], rule->iif, sizeof(rule->iif)))
		return -EINVAL;
	if (tb[FRA_OIFNAME] &&
	    get_str(tb[FRA_OIFNAME], rule->oif, sizeof(rule->oif)))
		return -EINVAL;
	if (tb[FRA_IP_PROTO])
		rule->ip_proto = mnl_attr_get_u8(tb[FRA_IP_PROTO]);
	if (tb[FRA_SPORT_RANGE] &&
	    get_port_range(tb[FRA_SPORT_RANGE], &rule->sport_min,
			   &rule->sport_max))
		return -EINVAL;
	if (tb[FRA_DPORT_RANGE] &&
	    get_port_range(tb[FRA_DPORT_RANGE], &rule->dport_min,
			   &rule->dport_max))
		return -EINVAL;
	/* "from all" is src_len 0 without FRA_SRC: family 0 means any. */
	if (frh->src_len && tb[FRA_SRC]) {
		err = get_prefix(tb[FRA_SRC], rule->family, frh->src_len,
				 &rule->src);
		if (err)
			return err;
	}
	if (frh->dst_len && tb[FRA_DST]) {
		err = get_prefix(tb[FRA_DST], rule->family, frh->dst_len,
				 &rule->dst);
		if (err)
			return err;
	}
	return 0;
}

void nl_rules_sort(struct inv_rule *rules, size_t n)
{
	size_t i, j;

	/*
	 * Insertion sort: stable, so rules of equal priority keep the kernel's
	 * order (the order it tries them in), and the input is two already
	 * sorted runs (IPv4, then IPv6), which it handles in near-linear time.
	 */
	for (i = 1; i < n; i++) {
		struct inv_rule r = rules[i];

		for (j = i; j > 0 && rules[j - 1].priority > r.priority; j--)
			rules[j] = rules[j - 1];
		rules[j] = r;
	}
}

/* Request context: the caller's callback plus what control messages said. */
struct nl_req {
	mnl_cb_t cb;
	void *data;
	int kernel_err;
	bool interrupted;
};

static int req_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *req = data;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		req->interrupted = true;
	return req->cb ? req->cb(nlh, req->data) : MNL_CB_OK;
}

static int req_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int req_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_req *req = data;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(e->error))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* error 0 is the ACK that ends a non-dump request. */
	req->kernel_err = e->error;
	return MNL_CB_STOP;
}

static int req_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *req = data;
	int e;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		req->interrupted = true;
	/* A dump that failed part way says so here, not in NLMSG_ERROR. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(e)) {
		memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
		if (e < 0)
			req->kernel_err = e;
	}
	return MNL_CB_STOP;
}

static int req_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

/*
 * libmnl ignores control types below this array's length that have no
 * entry. Not const: mnl_cb_run2() takes a non-const array.
 */
static mnl_cb_t req_ctl_cbs[NLMSG_MIN_TYPE] = {
    [NLMSG_NOOP] = req_noop_cb,
    [NLMSG_ERROR] = req_error_cb,
    [NLMSG_DONE] = req_done_cb,
    [NLMSG_OVERRUN] = req_overrun_cb,
};

int nl_request(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data, int *kernel_err)
{
	static unsigned int seq;
	struct nl_req ctx = {.cb = cb, .data = data};
	unsigned int portid = mnl_socket_get_portid(nl);
	char *buf = NULL;
	ssize_t n;
	int ret, err = 0;

	if (!seq)
		seq = time(NULL);
	req->nlmsg_seq = ++seq;
	buf = malloc(NL_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		err = -errno;
		goto cleanup;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, NL_BUF_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		errno = 0;
		ret = mnl_cb_run2(buf, n, req->nlmsg_seq, portid, req_data_cb,
				  &ctx, req_ctl_cbs, ARRAY_SIZE(req_ctl_cbs));
		if (ret == MNL_CB_ERROR) {
			err = errno ? -errno : -EIO;
			goto cleanup;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
	if (ctx.kernel_err) {
		if (kernel_err)
			*kernel_err = ctx.kernel_err;
		else
			err = ctx.kernel_err;
	} else if (ctx.interrupted) {
		err = -EINTR;
	}
cleanup:
	free(buf);
	return err;
}

struct mnl_socket *nl_route_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int err;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

/* A growing array of parsed messages of one type. */
struct dump_ctx {
	uint16_t msg_type; /* RTM_NEWLINK, ... */
	uint8_t family;	   /* of the current request */
	const char *what;  /* for messages: "link", ... */
	int (*parse)(const struct nlmsghdr *nlh, void *out);
	size_t elem;
	void *arr;
	size_t n, cap;
};

static int parse_link_any(const struct nlmsghdr *nlh, void *out)
{
	return nl_parse_link(nlh, out);
}

static int parse_addr_any(const struct nlmsghdr *nlh, void *out)
{
	return nl_parse_addr(nlh, out);
}

static int parse_route_any(const struct nlmsghdr *nlh, void *out)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	/* IPv6 route cache entries, should a kernel send them: not the FIB. */
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*rtm)) &&
	    (rtm->rtm_flags & RTM_F_CLONED))
		return -EAFNOSUPPORT;
	return nl_parse_route(nlh, out);
}

static int parse_rule_any(const struct nlmsghdr *nlh, void *out)
{
	return nl_parse_rule(nlh, out);
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	void *slot;
	int err;

	if (nlh->nlmsg_type != d->msg_type)
		return MNL_CB_OK;
	/*
	 * A family without a dump handler (IPv6 disabled at boot) makes the
	 * kernel fall back to dumping every family: keep only the one asked.
	 */
	if (d->family != AF_UNSPEC &&
	    (nlh->nlmsg_len < mnl_nlmsg_size(1) ||
	     *(const uint8_t *)mnl_nlmsg_get_payload(nlh) != d->family))
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		void *arr = reallocarray(d->arr, cap, d->elem);

		if (!arr) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		d->arr = arr;
		d->cap = cap;
	}
	slot = (char *)d->arr + d->n * d->elem;
	err = d->parse(nlh, slot);
	if (err == -EAFNOSUPPORT)
		return MNL_CB_OK;
	/* One odd message should not cost the whole inventory. */
	if (err) {
		wgt_dbg(1, "skipping a malformed %s message from the kernel",
			d->what);
		return MNL_CB_OK;
	}
	d->n++;
	return MNL_CB_OK;
}

/* One dump request for one family; d keeps what earlier dumps collected. */
static int dump_family(struct mnl_socket *nl, uint16_t req_type, uint8_t family,
		       size_t hdrlen, struct dump_ctx *d)
{
	union {
		struct nlmsghdr h;
		char buf[MNL_NLMSG_HDRLEN + 64];
	} req;
	size_t start = d->n;
	struct nlmsghdr *nlh;
	uint8_t *hdr;
	int tries, err;

	d->family = family;
	for (tries = 0; tries < NL_DUMP_TRIES; tries++) {
		d->n = start;
		memset(&req, 0, sizeof(req));
		nlh = mnl_nlmsg_put_header(req.buf);
		nlh->nlmsg_type = req_type;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
		/* Every rtnetlink header starts with the family byte. */
		hdr[0] = family;
		err = nl_request(nl, nlh, dump_cb, d, NULL);
		if (err != -EINTR)
			break;
		wgt_dbg(1, "%s dump interrupted by a change, retrying",
			d->what);
	}
	if (err)
		d->n = start;
	return err;
}

static void dump_ctx_init(struct dump_ctx *d, uint16_t msg_type,
			  const char *what,
			  int (*parse)(const struct nlmsghdr *, void *),
			  size_t elem)
{
	memset(d, 0, sizeof(*d));
	d->msg_type = msg_type;
	d->what = what;
	d->parse = parse;
	d->elem = elem;
}

int nl_route_load(struct inventory *inv)
{
	struct dump_ctx links, addrs, routes, rules;
	struct mnl_socket *nl;
	int err;

	dump_ctx_init(&links, RTM_NEWLINK, "link", parse_link_any,
		      sizeof(struct inv_link));
	dump_ctx_init(&addrs, RTM_NEWADDR, "address", parse_addr_any,
		      sizeof(struct inv_addr));
	dump_ctx_init(&routes, RTM_NEWROUTE, "route", parse_route_any,
		      sizeof(struct inv_route));
	dump_ctx_init(&rules, RTM_NEWRULE, "rule", parse_rule_any,
		      sizeof(struct inv_rule));
	nl = nl_route_open();
	if (!nl)
		return -errno;

	err = dump_family(nl, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg),
			  &links);
	if (!err)
		err = dump_family(nl, RTM_GETADDR, AF_UNSPEC,
				  sizeof(struct ifaddrmsg), &addrs);
	/* Without a table filter the kernel dumps every table. */
	if (!err)
		err = dump_family(nl, RTM_GETROUTE, AF_INET,
				  sizeof(struct rtmsg), &routes);
	/* -EAFNOSUPPORT: IPv6 is disabled (ipv6.disable=1); not an error. */
	if (!err) {
		err = dump_family(nl, RTM_GETROUTE, AF_INET6,
				  sizeof(struct rtmsg), &routes);
		if (err == -EAFNOSUPPORT)
			err = 0;
	}
	if (!err)
		err = dump_family(nl, RTM_GETRULE, AF_INET,
				  sizeof(struct fib_rule_hdr), &rules);
	if (!err) {
		err = dump_family(nl, RTM_GETRULE, AF_INET6,
				  sizeof(struct fib_rule_hdr), &rules);
		if (err == -EAFNOSUPPORT)
			err = 0;
	}
	if (err)
		goto cleanup;

	nl_rules_sort(rules.arr, rules.n);
	inv->links = links.arr;
	inv->n_links = links.n;
	inv->addrs = addrs.arr;
	inv->n_addrs = addrs.n;
	inv->routes = routes.arr;
	inv->n_routes = routes.n;
	inv->rules = rules.arr;
	inv->n_rules = rules.n;
	links.arr = addrs.arr = routes.arr = rules.arr = NULL;
cleanup:
	free(links.arr);
	free(addrs.arr);
	free(routes.arr);
	free(rules.arr);
	mnl_socket_close(nl);
	return err;
}

const char *nl_route_type_name(unsigned int type)
{
	static const char *const names[] = {
	    [RTN_UNSPEC] = "none",
	    [RTN_UNICAST] = "unicast",
	    [RTN_LOCAL] = "local",
	    [RTN_BROADCAST] = "broadcast",
	    [RTN_ANYCAST] = "anycast",
	    [RTN_MULTICAST] = "multicast",
	    [RTN_BLACKHOLE] = "blackhole",
	    [RTN_UNREACHABLE] = "unreachable",
	    [RTN_PROHIBIT] = "prohibit",
	    [RTN_THROW] = "throw",
	    [RTN_NAT] = "nat",
	    [RTN_XRESOLVE] = "xresolve",
	};

	return type < ARRAY_SIZE(names) ? names[type] : NULL;
}

const char *nl_route_proto_name(unsigned int proto)
{
	/* iproute2's /etc/iproute2/rt_protos. */
	static const struct {
		unsigned int id;
		const char *name;
	} names[] = {
	    {RTPROT_UNSPEC, "unspec"},
	    {RTPROT_REDIRECT, "redirect"},
	    {RTPROT_KERNEL, "kernel"},
	    {RTPROT_BOOT, "boot"},
	    {RTPROT_STATIC, "static"},
	    {8, "gated"},
	    {9, "ra"},
	    {10, "mrt"},
	    {11, "zebra"},
	    {12, "bird"},
	    {13, "dnrouted"},
	    {14, "xorp"},
	    {15, "ntk"},
	    {16, "dhcp"},
	    {18, "keepalived"},
	    {42, "babel"},
	    {99, "openr"},
	    {186, "bgp"},
	    {187, "isis"},
	    {188, "ospf"},
	    {189, "rip"},
	    {192, "eigrp"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].id == proto)
			return names[i].name;
	return NULL;
}

const char *nl_route_scope_name(unsigned int scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE:
		return "global";
	case RT_SCOPE_SITE:
		return "site";
	case RT_SCOPE_LINK:
		return "link";
	case RT_SCOPE_HOST:
		return "host";
	case RT_SCOPE_NOWHERE:
		return "nowhere";
	}
	return NULL;
}

const char *nl_rule_action_name(unsigned int action)
{
	switch (action) {
	case FR_ACT_TO_TBL:
		return "lookup";
	case FR_ACT_GOTO:
		return "goto";
	case FR_ACT_NOP:
		return "nop";
	case FR_ACT_BLACKHOLE:
		return "blackhole";
	case FR_ACT_UNREACHABLE:
		return "unreachable";
	case FR_ACT_PROHIBIT:
		return "prohibit";
	}
	return NULL;
}

const char *nl_table_name(unsigned int table, char *buf, size_t len)
{
	switch (table) {
	case RT_TABLE_MAIN:
		return "main";
	case RT_TABLE_LOCAL:
		return "local";
	case RT_TABLE_DEFAULT:
		return "default";
	}
	snprintf(buf, len, "%u", table);
	return buf;
}
