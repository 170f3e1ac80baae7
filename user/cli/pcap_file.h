/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pcapng file of wgt_pkt records (user/cli/pcap_file.c): what trace
 * --pcap and watch --pcap share. The section header names wgtrace and the
 * kernel; each device gets its interface block at its first packet.
 */
#ifndef WGT_PCAP_FILE_H
#define WGT_PCAP_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/inventory.h"
#include "files/pcapng.h"
#include "wgtrace.h"

struct pcap_file {
	FILE *f;
	struct pcapng_writer w;
	uint32_t snaplen;	     /* of every interface block */
	int64_t mono_to_real;	     /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int if_index[PCAPNG_MAX_IF]; /* pcapng interface id -> ifindex */
};

/* Create path and write the section header; says why not. 0 or -errno. */
int pcap_file_open(struct pcap_file *pf, const char *path, uint32_t snaplen);
/*
 * caplen bytes of k, with a comment, on k's device (named from inv). 0,
 * -ENOSPC when there are more devices than interface blocks (that packet
 * only), or -errno of the write.
 */
int pcap_file_packet(struct pcap_file *pf, const struct inventory *inv,
		     const struct wgt_pkt *k, uint32_t caplen,
		     const char *comment);
/* Close; 0 or -errno of the last writes. */
int pcap_file_close(struct pcap_file *pf);
/*
 * Close, and tell the user what the file holds: "N packets written to
 * PATH" followed by more (may be ""), or why writing failed. write_err is
 * the first error of the writes before. 0 or -errno.
 */
int pcap_file_finish(struct pcap_file *pf, const char *path, int write_err,
		     uint64_t written, bool failed, const char *more);

#endif /* WGT_PCAP_FILE_H */
