// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include "base/common.h"
#include "cli/send.h"

static socklen_t to_sockaddr(const struct wgt_addr *a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->b, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->b, 16);
	return sizeof(*sin6);
}

/* A socket with the mark and source of the probe; the caller closes it. */
static int probe_socket(const struct probe_sender *s, int type, int proto)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, err;

	fd = socket(s->dst.family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd < 0)
		return -errno;
	if (s->mark &&
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &s->mark, sizeof(s->mark)))
		goto fail;
	if (s->src.family) {
		len = to_sockaddr(&s->src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len))
			goto fail;
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

int sender_open(struct probe_sender *s, uint8_t proto,
		const struct wgt_addr *dst, const struct wgt_addr *src,
		uint16_t port, uint32_t mark)
{
	int fd;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->proto = proto;
	s->dst = *dst;
	if (src)
		s->src = *src;
	s->port = port;
	s->mark = mark;
	s->id = getpid() & 0xffff;
	if (proto != IPPROTO_ICMP)
		return 0; /* UDP/TCP: a fresh socket per probe */
	fd = probe_socket(s, SOCK_RAW,
			  dst->family == AF_INET ? IPPROTO_ICMP
						 : IPPROTO_ICMPV6);
	if (fd < 0)
		return fd;
	s->fd = fd;
	return 0;
}

static int send_icmp(struct probe_sender *s)
{
	struct sockaddr_storage ss;
	uint8_t pkt[64] = {0};
	socklen_t len = to_sockaddr(&s->dst, 0, &ss);
	uint16_t id = htons(s->id), seq = htons(s->seq);

	pkt[0] = s->dst.family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	memcpy(pkt + 4, &id, 2);
	memcpy(pkt + 6, &seq, 2);
	memcpy(pkt + 8, "wgtrace probe", 13);
	/* The kernel fills the ICMPv6 checksum itself (it needs the header). */
	if (s->dst.family == AF_INET) {
		uint16_t c = inet_csum(pkt, sizeof(pkt));

		memcpy(pkt + 2, &c, 2);
	}
	if (sendto(s->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	return 0;
}

static int send_l4(struct probe_sender *s)
{
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(&s->dst, s->port, &ss);
	int fd, err = 0;

	fd = probe_socket(s, s->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM,
			  0);
	if (fd < 0)
		return fd;
	if (s->proto == IPPROTO_TCP) {
		/* The SYN is the probe; nobody waits for the connection. */
		if (connect(fd, (struct sockaddr *)&ss, len) &&
		    errno != EINPROGRESS)
			err = -errno;
	} else if (sendto(fd, "wgtrace probe", 13, 0, (struct sockaddr *)&ss,
			  len) < 0) {
		err = -errno;
	}
	close(fd);
	return err;
}

int sender_send(struct probe_sender *s)
{
	int err;

	s->seq++;
	s->sent_ns[s->seq % 64] = monotonic_ns();
	err = s->proto == IPPROTO_ICMP ? send_icmp(s) : send_l4(s);
	return err;
}

int64_t sender_poll_reply(struct probe_sender *s)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t buf[1500];
	const uint8_t *icmp;
	uint16_t id, seq;
	ssize_t n;
	size_t off = 0;

	if (s->fd < 0)
		return 0;
	for (;;) {
		n = recvfrom(s->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		/* IPv4 raw sockets deliver the IP header, IPv6 ones do not. */
		if (s->dst.family == AF_INET)
			off = (buf[0] & 0xf) * 4;
		if ((size_t)n < off + 8)
			continue;
		icmp = buf + off;
		if (icmp[0] != (s->dst.family == AF_INET ? ICMP_ECHOREPLY
							 : ICMP6_ECHO_REPLY))
			continue;
		memcpy(&id, icmp + 4, 2);
		memcpy(&seq, icmp + 6, 2);
		if (ntohs(id) != s->id)
			continue;
		return (monotonic_ns() - s->sent_ns[ntohs(seq) % 64]) / 1000
			   ?: 1;
	}
}

void sender_close(struct probe_sender *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
