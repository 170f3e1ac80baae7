/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small pcapng writer (and the reader that checks it): a Section Header
 * Block, one Interface Description Block per device, one Enhanced Packet
 * Block per packet with a comment. Little-endian, nanosecond timestamps.
 */
#ifndef WGT_PCAPNG_H
#define WGT_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_BT_SHB 0x0A0D0D0AU
#define PCAPNG_BT_IDB 0x00000001U
#define PCAPNG_BT_EPB 0x00000006U
#define PCAPNG_BYTE_ORDER 0x1A2B3C4DU

#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_OS 3
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_TSRESOL 9

/* Bare IPv4 or IPv6 from the first byte: what wgtrace captures. */
#define PCAPNG_LINKTYPE_RAW 101

#define PCAPNG_MAX_IF 64
/* An option's length is 16 bits: longer comments are cut. */
#define PCAPNG_MAX_OPT 65532U
#define PCAPNG_MAX_SNAPLEN 65535U

struct pcapng_writer {
	FILE *f;
	uint32_t n_if;
	uint32_t snaplen[PCAPNG_MAX_IF];
	uint64_t packets;
};

/* Write the section header; f stays the caller's. 0 or -errno. */
int pcapng_open(struct pcapng_writer *w, FILE *f, const char *appl,
		const char *os);
/* Describe a device; *id is what pcapng_packet() takes. 0 or -errno. */
int pcapng_add_if(struct pcapng_writer *w, const char *name, uint16_t linktype,
		  uint32_t snaplen, uint32_t *id);
/*
 * One packet: caplen bytes of data, cut to the interface's snaplen, of a
 * packet origlen long; comment may be NULL. 0 or -errno.
 */
int pcapng_packet(struct pcapng_writer *w, uint32_t if_id, uint64_t ts_ns,
		  const void *data, uint32_t caplen, uint32_t origlen,
		  const char *comment);

/* What pcapng_check() found, block by block. */
struct pcapng_summary {
	size_t n_shb, n_idb, n_epb, n_comments;
};

/*
 * Walk a whole file in memory and validate every block: lengths, trailers,
 * 32-bit padding, option lists, interface ids and capture lengths. 0, or
 * -EINVAL with *at the offset of the first bad block.
 */
int pcapng_check(const uint8_t *buf, size_t len, struct pcapng_summary *s,
		 size_t *at);

#endif /* WGT_PCAPNG_H */
