// SPDX-License-Identifier: GPL-2.0
/* Ask the kernel how it routes one packet: RTM_GETROUTE, as `ip route get`. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "common.h"
#include "nl_route.h"

struct answer {
	struct inv_route route;
	unsigned int rtm_flags;
	bool got;
};

static int answer_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct answer *a = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE || a->got)
		return MNL_CB_OK;
	if (nl_parse_route(nlh, &a->route)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	a->rtm_flags = rtm->rtm_flags;
	a->got = true;
	return MNL_CB_OK;
}

/* Only these are accepted by the kernel (rtm_getroute_parse_ip_proto). */
static bool ip_proto_ok(uint8_t proto, uint8_t family)
{
	return proto == 0 || proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       (family == AF_INET && proto == IPPROTO_ICMP) ||
	       (family == AF_INET6 && proto == IPPROTO_ICMPV6);
}

static int query(struct mnl_socket *nl, const struct route_query *q,
		 unsigned int flags, struct answer *a, int *kernel_err)
{
	union {
		struct nlmsghdr h;
		char buf[MNL_NLMSG_HDRLEN + 256];
	} req;
	uint8_t family = q->dst.family;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int err;

	memset(&req, 0, sizeof(req));
	memset(a, 0, sizeof(*a));
	nlh = mnl_nlmsg_put_header(req.buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	/* The ACK ends the exchange; an error comes instead of the route. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	/* Without LOOKUP_TABLE, IPv4 reports table main whatever decided. */
	rtm->rtm_flags = flags | RTM_F_LOOKUP_TABLE;
	rtm->rtm_dst_len = addr_bits(family);
	mnl_attr_put(nlh, RTA_DST, addr_bytes(family), q->dst.b);
	if (q->src.family) {
		rtm->rtm_src_len = addr_bits(family);
		mnl_attr_put(nlh, RTA_SRC, addr_bytes(family), q->src.b);
	}
	if (q->mark)
		mnl_attr_put_u32(nlh, RTA_MARK, q->mark);
	if (q->iif)
		mnl_attr_put_u32(nlh, RTA_IIF, q->iif);
	if (q->ip_proto)
		mnl_attr_put_u8(nlh, RTA_IP_PROTO, q->ip_proto);
	if (q->dport)
		mnl_attr_put_u16(nlh, RTA_DPORT, htons(q->dport));

	*kernel_err = 0;
	err = nl_request(nl, nlh, answer_cb, a, kernel_err);
	if (!err && !*kernel_err && !a->got)
		err = -EPROTO;
	return err;
}

int route_get(const struct route_query *q, struct route_answer *ans)
{
	struct mnl_socket *nl;
	struct answer a;
	int err, kerr;

	memset(ans, 0, sizeof(*ans));
	if (q->dst.family != AF_INET && q->dst.family != AF_INET6)
		return -EAFNOSUPPORT;
	if ((q->src.family && q->src.family != q->dst.family) ||
	    !ip_proto_ok(q->ip_proto, q->dst.family))
		return -EINVAL;
	nl = nl_route_open();
	if (!nl)
		return -errno;

	/*
	 * Unreachable, prohibit and blackhole routes, and a failed lookup,
	 * come back as an error instead of a route: that is the answer.
	 */
	err = query(nl, q, 0, &a, &kerr);
	if (err)
		goto cleanup;
	if (kerr) {
		ans->err = kerr;
		goto cleanup;
	}
	ans->type = a.route.type;
	ans->table = a.route.table;
	ans->gateway = a.route.gateway;
	ans->prefsrc = a.route.prefsrc;
	ans->oif = a.route.oif;

	/*
	 * The answer above is a host route for dst; the FIB entry it came
	 * from needs a second question (Linux 4.13+). A kernel that ignores
	 * the flag answers with the cloned host route again: no prefix then.
	 * A route changed between the two questions is possible and rare.
	 */
	err = query(nl, q, RTM_F_FIB_MATCH, &a, &kerr);
	if (err || kerr || (a.rtm_flags & RTM_F_CLONED)) {
		wgt_dbg(1, "no FIB match for the route query: %s",
			strerror(err ? -err : kerr ? -kerr : EOPNOTSUPP));
		err = 0;
		goto cleanup;
	}
	ans->prefix = a.route.dst;
cleanup:
	mnl_socket_close(nl);
	return err;
}
