// SPDX-License-Identifier: GPL-2.0
/*
 * Loads tests/bench/calib.bpf.c (every building block on net_dev_queue),
 * fills its maps like wgtrace would for the bench gateway, prints "ready",
 * and detaches on SIGTERM/SIGINT. Built and run by tests/bench/bench.sh.
 * Usage: calib NETNS-INODE
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
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: calib NETNS-INODE\n");
		return 2;
	}
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
	if (err) {
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
	calib_bpf__destroy(skel);
	return 0;
}
