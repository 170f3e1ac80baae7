// SPDX-License-Identifier: GPL-2.0
/*
 * Ask the kernel how it routes one packet: RTM_GETROUTE, as `ip route get`.
 * route_get_many() asks many questions on one socket, many per sendmsg():
 * a 20,000-peer gateway has 40,000 prefixes to ask about, and a socket
 * plus two round trips per question cost more than the questions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "base/common.h"
#include "config/nl_route.h"

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

/* One RTM_GETROUTE for q at buf; its length is nlh->nlmsg_len. */
static struct nlmsghdr *put_request(void *buf, const struct route_query *q,
				    unsigned int flags, uint16_t nl_flags)
{
	uint8_t family = q->dst.family;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | nl_flags;
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
	return nlh;
}

/* Room for one request: header, rtmsg and at most six attributes. */
#define REQ_MAX (MNL_NLMSG_HDRLEN + 256)

static int query(struct mnl_socket *nl, const struct route_query *q,
		 unsigned int flags, struct answer *a, int *kernel_err)
{
	union {
		struct nlmsghdr h;
		char buf[REQ_MAX];
	} req;
	struct nlmsghdr *nlh;
	int err;

	memset(&req, 0, sizeof(req));
	memset(a, 0, sizeof(*a));
	/* The ACK ends the exchange; an error comes instead of the route. */
	nlh = put_request(req.buf, q, flags, NLM_F_ACK);
	*kernel_err = 0;
	err = nl_request(nl, nlh, answer_cb, a, kernel_err);
	if (!err && !*kernel_err && !a->got)
		err = -EPROTO;
	return err;
}

static bool query_ok(const struct route_query *q)
{
	return (q->dst.family == AF_INET || q->dst.family == AF_INET6) &&
	       (!q->src.family || q->src.family == q->dst.family) &&
	       ip_proto_ok(q->ip_proto, q->dst.family);
}

int route_get(const struct route_query *q, struct route_answer *ans)
{
	struct mnl_socket *nl;
	struct answer a;
	int err, kerr;

	memset(ans, 0, sizeof(*ans));
	if (q->dst.family != AF_INET && q->dst.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!query_ok(q))
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
			strerror(err	? -err
				 : kerr ? -kerr
					: EOPNOTSUPP));
		err = 0;
		goto cleanup;
	}
	ans->prefix = a.route.dst;
cleanup:
	mnl_socket_close(nl);
	return err;
}

/* ---- many questions ---------------------------------------------------- */

/*
 * The kernel answers every request of one sendmsg() before that call
 * returns, and drops an answer the receive buffer has no room for (netlink
 * unicast from the kernel never waits). So a batch is sized to fit the
 * buffer, and an answer missing once the queue is empty was dropped: that
 * question is asked again, alone. A route answer takes a skb of about a
 * page (NLMSG_GOODSIZE); 10 KiB per request leaves twice the room needed.
 */
#define MANY_RCVBUF (4 << 20)
#define MANY_PER_REQ (10 << 10)
/* Questions per send, two requests each. */
#define MANY_BATCH_MAX 512
#define MANY_RECV_BUF (64 << 10)

struct many {
	struct mnl_socket *nl;
	const struct route_query *q;
	struct route_answer *ans;
	uint8_t *state;	 /* per question: bits below */
	uint32_t seq0;	 /* the batch's first seq */
	size_t first, n; /* questions in this batch */
};

#define GOT_ROUTE 1u /* the plain answer (or its error) came */
#define GOT_FIB 2u   /* the FIB match (or its error) came */

/* Record one answer; false for a message that answers none of ours. */
static bool many_take(struct many *m, const struct nlmsghdr *nlh)
{
	uint32_t r = nlh->nlmsg_seq - m->seq0;
	size_t i = m->first + r / 2;
	struct route_answer *ans;
	struct inv_route route;
	bool fib = r % 2;

	if (r >= 2 * m->n || (m->state[i] & (fib ? GOT_FIB : GOT_ROUTE)))
		return false;
	ans = &m->ans[i];
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			return false;
		/* A refused FIB match leaves the answer without prefix. */
		if (!fib)
			ans->err = e->error;
	} else if (nlh->nlmsg_type == RTM_NEWROUTE) {
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		if (nl_parse_route(nlh, &route))
			return false;
		if (!fib) {
			ans->type = route.type;
			ans->table = route.table;
			ans->gateway = route.gateway;
			ans->prefsrc = route.prefsrc;
			ans->oif = route.oif;
		} else if (!(rtm->rtm_flags & RTM_F_CLONED)) {
			ans->prefix = route.dst;
		}
	} else {
		return false;
	}
	m->state[i] |= fib ? GOT_FIB : GOT_ROUTE;
	return true;
}

/* Send questions first .. first + n - 1, read what comes back. */
static int many_batch(struct many *m, char *sbuf, char *rbuf)
{
	unsigned int portid = mnl_socket_get_portid(m->nl);
	size_t i, len = 0, pending = 2 * m->n;
	struct nlmsghdr *nlh;
	ssize_t got;
	int f, left;

	for (i = 0; i < m->n; i++) {
		for (f = 0; f < 2; f++) {
			memset(sbuf + len, 0, REQ_MAX);
			nlh = put_request(sbuf + len, &m->q[m->first + i],
					  f ? RTM_F_FIB_MATCH : 0, 0);
			nlh->nlmsg_seq = m->seq0 + 2 * i + f;
			len += NLMSG_ALIGN(nlh->nlmsg_len);
		}
	}
	if (mnl_socket_sendto(m->nl, sbuf, len) < 0)
		return -errno;
	while (pending) {
		got = recv(mnl_socket_get_fd(m->nl), rbuf, MANY_RECV_BUF,
			   MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			/* Queue empty or answers dropped: ask those alone. */
			if (errno == EAGAIN || errno == ENOBUFS)
				return 0;
			return -errno;
		}
		left = (int)got;
		for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_pid != portid && nlh->nlmsg_pid)
				continue;
			if (many_take(m, nlh))
				pending--;
		}
	}
	return 0;
}

int route_get_many(const struct route_query *q, struct route_answer *ans,
		   size_t n)
{
	int rcvbuf = MANY_RCVBUF, fd, err = 0;
	socklen_t optlen = sizeof(rcvbuf);
	char *sbuf = NULL, *rbuf = NULL;
	struct many m = {.q = q, .ans = ans};
	size_t i, batch;

	for (i = 0; i < n; i++)
		if (!query_ok(&q[i]))
			return -EINVAL;
	memset(ans, 0, n * sizeof(*ans));
	m.state = calloc(n + 1, 1);
	sbuf = malloc(2 * MANY_BATCH_MAX * REQ_MAX);
	rbuf = malloc(MANY_RECV_BUF);
	m.nl = nl_route_open();
	if (!m.state || !sbuf || !rbuf || !m.nl) {
		err = m.nl ? -ENOMEM : -errno;
		goto cleanup;
	}
	/* FORCE needs CAP_NET_ADMIN; without it, rmem_max caps the size. */
	fd = mnl_socket_get_fd(m.nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen))
		rcvbuf = 0;
	batch = (size_t)rcvbuf / (2 * MANY_PER_REQ);
	batch = batch < 1 ? 1 : batch > MANY_BATCH_MAX ? MANY_BATCH_MAX : batch;
	m.seq0 = (uint32_t)time(NULL) << 8;

	for (m.first = 0; m.first < n && !err; m.first += m.n) {
		m.n = n - m.first < batch ? n - m.first : batch;
		err = many_batch(&m, sbuf, rbuf);
		m.seq0 += 2 * MANY_BATCH_MAX;
	}
	/* What the kernel had no room to answer, one question at a time. */
	for (i = 0; i < n && !err; i++) {
		if ((m.state[i] & GOT_ROUTE) &&
		    (ans[i].err || (m.state[i] & GOT_FIB)))
			continue;
		err = route_get(&q[i], &ans[i]);
	}
cleanup:
	if (m.nl)
		mnl_socket_close(m.nl);
	free(rbuf);
	free(sbuf);
	free(m.state);
	return err;
}
