// SPDX-License-Identifier: GPL-2.0
/* wgtrace: where did this packet actually go on a WireGuard gateway, and why.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "base/common.h"

static const struct {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *description;
} commands[] = {
    {"watch", cmd_watch, "Live report of wrong turns and drops, worst first"},
    {"export", cmd_export, "Serve drop and wrong-turn counters to Prometheus"},
    {"report", cmd_report,
     "Print watch's report for a window of a --record file, offline"},
    {"trace", cmd_trace, "Trace where packets to one destination go, and why"},
    {"check", cmd_check,
     "Audit WireGuard, routes and sysctls for wrong turns (CI-friendly)"},
    {"inventory", cmd_inventory,
     "Show the routing and WireGuard configuration as wgtrace reads it"},
    {"probe", cmd_probe,
     "Show which hooks this kernel allows and the mode each job uses"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: wgtrace <command> [options]\n\n"
		"Watch the kernel's own routing and WireGuard decisions and\n"
		"say where packets went and why. Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].description);
	fprintf(f,
		"\n'wgtrace <command> --help' describes a command's options.\n"
		"Exit status: 0 ok, 1 runtime failure (or findings), 2 usage "
		"error.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return WGT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return WGT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("wgtrace %s\n", WGTRACE_VERSION);
		return WGT_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		char prog[32];

		/* getopt names the program in its messages: "wgtrace probe:
		 * ..." */
		snprintf(prog, sizeof(prog), "wgtrace %s", commands[i].name);
		argv[1] = prog;
		wgt_setup_libbpf_logging();
		/*
		 * Large blocks are mapped and given back one by one, never kept
		 * on a heap that does not shrink: while probing, libbpf parses
		 * the kernel's BTF (~5.5 MB) once per hook candidate, and watch
		 * and export reread the whole configuration every interval
		 * (megabytes at 20,000 peers). glibc would otherwise raise its
		 * threshold to the first such block freed and keep them all
		 * (peak RSS: trace 33 -> 21 MiB, export at 20,000 peers
		 * 73 -> 51 MiB).
		 */
		mallopt(M_MMAP_THRESHOLD, 256 * 1024);
		ret = commands[i].handler(argc - 1, argv + 1);
		if (ret == -WGT_EUSAGE)
			return WGT_EXIT_USAGE;
		if (ret < 0)
			return WGT_EXIT_FAIL;
		return ret;
	}
	wgt_err("unknown command '%s' (try: wgtrace --help)", argv[1]);
	return WGT_EXIT_USAGE;
}
