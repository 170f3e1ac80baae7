/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `trace --send`: wgtrace's own probe packets, so one terminal is enough.
 * ICMP echo (raw socket, so replies are matched by id), a UDP datagram, or a
 * TCP SYN (a non-blocking connect), each with the chosen source and mark.
 */
#ifndef WGT_SEND_H
#define WGT_SEND_H

#include <stdbool.h>
#include <stdint.h>

#include "model/addr.h"

struct probe_sender {
	int fd;
	uint8_t proto; /* IPPROTO_ICMP (also for IPv6), _UDP, _TCP */
	struct wgt_addr dst, src;
	uint16_t port;
	uint32_t mark;
	uint16_t id, seq;
	uint64_t sent_ns[64]; /* CLOCK_MONOTONIC send time, by seq % 64 */
};

int sender_open(struct probe_sender *s, uint8_t proto,
		const struct wgt_addr *dst, const struct wgt_addr *src,
		uint16_t port, uint32_t mark);
/* Send one probe; 0 or -errno (e.g. -ENETUNREACH from the kernel). */
int sender_send(struct probe_sender *s);
/*
 * ICMP only: read pending echo replies without blocking; returns the RTT in
 * microseconds of one reply from dst, 0 if none is pending, or -errno.
 */
int64_t sender_poll_reply(struct probe_sender *s);
void sender_close(struct probe_sender *s);

#endif /* WGT_SEND_H */
