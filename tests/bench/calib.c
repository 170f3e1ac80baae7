// SPDX-License-Identifier: GPL-2.0
/*
 * Loads tests/bench/calib.bpf.c (every building block on net_dev_queue,
 * and the cal_tc_* ones on tcx egress of IFINDEX in the caller's network
 * namespace), fills its maps like wgtrace would for the bench gateway,
 * prints "ready", and detaches on SIGTERM/SIGINT. Built and run by
 * tests/bench/bench.sh.
 * Usage: calib NETNS-INODE IFINDEX
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "wgtrace.h"
#include "calib.skel.h"

/* BPF_TCX_EGRESS (linux 6.6), which this libbpf's headers may predate. */
#define CAL_TCX_EGRESS 47

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int add_prefix(int fd, const char *addr, int len)
{
	struct wgt_lpm_key k = {.prefixlen = WGT_LPM_FAMILY_BITS + len,
				.family = 2};
	struct wgt_lpm_val v = {.ifindex = 7, .plen = len};

	inet_pton(AF_INET, addr, k.addr);
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY);
}

int main(int argc, char **argv)
{
	struct wgt_addr_key tk = {.family = 2};
	struct calib_bpf *skel;
	__u32 role = WGT_ROLE_TARGET;
	int err, ifindex, links[2] = {-1, -1}, i;

	if (argc != 3) {
		fprintf(stderr, "usage: calib NETNS-INODE IFINDEX\n");
		return 2;
	}
	ifindex = atoi(argv[2]);
	skel = calib_bpf__open();
	if (!skel) {
		perror("calib: open");
		return 1;
	}
	skel->rodata->cfg_netns = strtoul(argv[1], NULL, 0);
	err = calib_bpf__load(skel);
	if (!err)
		err =
		    add_prefix(bpf_map__fd(skel->maps.allowed), "0.0.0.0", 0) ||
		    add_prefix(bpf_map__fd(skel->maps.allowed), "10.201.3.0",
			       24);
	/* One traced address that the flood never uses, as in the bench. */
	inet_pton(AF_INET, "10.201.3.2", tk.addr);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.trace_addrs),
					  &tk, &role, BPF_ANY);
	if (!err)
		err = calib_bpf__attach(skel);
	/* tc programs have no automatic attach: a tcx link each. */
	if (!err) {
		links[0] =
		    bpf_link_create(bpf_program__fd(skel->progs.cal_tc_empty),
				    ifindex, CAL_TCX_EGRESS, NULL);
		links[1] =
		    bpf_link_create(bpf_program__fd(skel->progs.cal_tc_lpm),
				    ifindex, CAL_TCX_EGRESS, NULL);
		if (links[0] < 0 || links[1] < 0)
			err = -errno;
	}
	if (err) {
		for (i = 0; i < 2; i++)
			if (links[i] >= 0)
				close(links[i]);
		fprintf(stderr, "calib: load/attach failed: %s\n",
			strerror(-err));
		calib_bpf__destroy(skel);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "calib: ready\n");
	while (!stop)
		pause();
	for (i = 0; i < 2; i++)
		close(links[i]);
	calib_bpf__destroy(skel);
	return 0;
}
