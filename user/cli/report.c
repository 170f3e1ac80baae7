// SPDX-License-Identifier: GPL-2.0
/*
 * `wgtrace report FILE`: the report `watch` would have printed for a window
 * of a record (`watch --record`, `export --record`), offline: no root, no
 * BPF, no gateway. The record is replayed into the state watch keeps and
 * the findings come from the same live_findings() and renderers.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "base/common.h"
#include "base/output.h"
#include "files/record.h"

#define REPORT_MAX_FILES 128

struct report_opts {
	const char *dev;
	const char *files[REPORT_MAX_FILES];
	int n_files;
	int64_t since_ns, until_ns;
	const char *since, *until; /* as given, for the header */
	bool json;
};

static void report_usage(FILE *f)
{
	fprintf(
	    f, "Usage: wgtrace report [options] FILE...\n\n"
	       "Print the report `wgtrace watch` would have printed for a "
	       "window of a\n"
	       "record written by `watch --record FILE` or `export --record "
	       "FILE`:\n"
	       "the same findings, counts and example flows, offline, on any "
	       "machine\n"
	       "(no root, no BPF). Rotated files (FILE.2 FILE.1 FILE) are read "
	       "oldest\n"
	       "first whatever the order given; runs of several wgtrace starts "
	       "add up.\n\n"
	       "Options:\n"
	       "  --since T            start of the window (default: start of "
	       "the record)\n"
	       "  --until T            end of the window (default: end of the "
	       "record)\n"
	       "                       T: RFC 3339 (2026-12-07T03:12:00Z, or "
	       "with an\n"
	       "                       offset: 2026-12-07T04:12:00+01:00), "
	       "\"now\", or\n"
	       "                       relative to now: -90s, -30m, -2h, -1d\n"
	       "  -i, --interface DEV  only WireGuard findings of DEV\n"
	       "  --json               JSON Lines as `watch --json` prints at "
	       "its end:\n"
	       "                       a \"status\", the \"finding\"s, a "
	       "\"summary\"\n"
	       "  -h, --help           this text\n\n"
	       "Exit status: 0 the whole record was read; 1 a file is damaged\n"
	       "(truncated, corrupted) or of another format: the message names "
	       "the\n"
	       "file, line and offset, and the report covers what came before "
	       "it;\n"
	       "2 usage error.\n\n"
	       "Examples:\n"
	       "  wgtrace report /var/lib/wgtrace/gw.jsonl.gz\n"
	       "  wgtrace report gw.jsonl.gz --since 2026-12-07T03:00:00Z "
	       "--until 2026-12-07T03:30:00Z\n"
	       "  wgtrace report gw.jsonl.gz* --since -2h --json | jq "
	       "'select(.type == \"finding\")'\n");
}

/* "gw.jsonl.gz.3" -> 3; no rotation suffix -> 0, the newest. */
static unsigned long rotation_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	unsigned long n;

	if (!dot || !parse_uint_range(dot + 1, 1, 1000000, &n))
		return 0;
	return n;
}

static void sort_oldest_first(struct report_opts *o)
{
	int i, j;

	/* Insertion sort, stable: few files. */
	for (i = 1; i < o->n_files; i++) {
		const char *p = o->files[i];

		for (j = i;
		     j > 0 && rotation_of(o->files[j - 1]) < rotation_of(p);
		     j--)
			o->files[j] = o->files[j - 1];
		o->files[j] = p;
	}
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	enum { O_SINCE = 256, O_UNTIL, O_JSON };
	static const struct option opts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"since", required_argument, NULL, O_SINCE},
	    {"until", required_argument, NULL, O_UNTIL},
	    {"json", no_argument, NULL, O_JSON},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	int64_t now = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->since_ns = INT64_MIN;
	o->until_ns = INT64_MAX;
	now = wall_ns();
	while ((c = getopt_long(argc, argv, "i:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->dev = optarg;
			break;
		case O_SINCE:
		case O_UNTIL:
			if (!record_parse_time(optarg, now,
					       c == O_SINCE ? &o->since_ns
							    : &o->until_ns)) {
				wgt_err("%s '%s': want RFC 3339 "
					"(2026-12-07T03:12:00Z), \"now\" or "
					"-N[smhd]",
					c == O_SINCE ? "--since" : "--until",
					optarg);
				return -WGT_EUSAGE;
			}
			*(c == O_SINCE ? &o->since : &o->until) = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case 'v':
			wgt_verbose++;
			break;
		case 'h':
			report_usage(stdout);
			return 1;
		default:
			report_usage(stderr);
			return -WGT_EUSAGE;
		}
	}
	if (optind >= argc) {
		wgt_err(
		    "report needs a record file (try: wgtrace report --help)");
		return -WGT_EUSAGE;
	}
	if (argc - optind > REPORT_MAX_FILES) {
		wgt_err("report reads at most %d files at once",
			REPORT_MAX_FILES);
		return -WGT_EUSAGE;
	}
	if (o->since_ns > o->until_ns) {
		wgt_err("--since %s is after --until %s", o->since, o->until);
		return -WGT_EUSAGE;
	}
	while (optind < argc)
		o->files[o->n_files++] = argv[optind++];
	sort_oldest_first(o);
	return 0;
}

static const char *fmt_time(int64_t ns, char *buf, size_t len)
{
	time_t t = ns / NSEC_PER_SEC;

	if (ns < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	return buf;
}

static void emit_json(const struct report_opts *o, struct replay *rp,
		      const struct finding_list *fl, bool complete)
{
	struct json_object *j = json_object_new_object();
	struct finding_counts fc;
	struct json_object *sum;
	char a[40], b[40];
	size_t i;

	jadd_str(j, "type", "status");
	jadd_int(j, "time", rp->last_ns >= 0 ? rp->last_ns / NSEC_PER_SEC : 0);
	jadd_str(j, "record", o->files[o->n_files - 1]);
	jadd_str(j, "hostname", rp->hostname);
	jadd_str(j, "kernel", rp->kernel);
	jadd_str(j, "wgtrace", rp->version);
	jadd_str(j, "netns", rp->netns[0] ? rp->netns : NULL);
	jadd_str(j, "since",
		 rp->first_ns >= 0 ? fmt_time(rp->first_ns, a, sizeof(a))
				   : NULL);
	jadd_str(j, "until",
		 rp->last_ns >= 0 ? fmt_time(rp->last_ns, b, sizeof(b)) : NULL);
	jadd_int(j, "snapshots", rp->snapshots);
	jadd_int(j, "events", rp->events);
	jadd_int(j, "events_lost", rp->events_lost);
	jadd_int(j, "wireguard_devices", rp->inv.n_wg);
	jadd_int(j, "findings", fl->n);
	json_object_object_add(j, "modes", record_modes_json(rp->ld));
	json_emit(j);
	for (i = 0; i < fl->n; i++)
		json_emit(finding_to_json(&fl->v[i]));
	finding_count(fl, &fc);
	sum = finding_summary_json(&fc);
	jadd_int(sum, "events_lost", rp->events_lost);
	jadd_bool(sum, "complete", complete);
	json_emit(sum);
}

static void print_text(const struct report_opts *o, struct replay *rp,
		       const struct finding_list *fl, bool complete)
{
	char a[40], b[40];
	size_t i;
	int f;

	printf("%swgtrace report%s %s: host %s, kernel %s, wgtrace %s%s%s\n",
	       out_c(C_BOLD), out_c(C_RESET), o->files[o->n_files - 1],
	       rp->hostname, rp->kernel, rp->version,
	       rp->netns[0] ? ", netns " : "", rp->netns);
	printf("  window: %s .. %s (%llu snapshots, %llu events, events lost "
	       "%llu)\n",
	       fmt_time(rp->first_ns, a, sizeof(a)),
	       fmt_time(rp->last_ns, b, sizeof(b)),
	       (unsigned long long)rp->snapshots,
	       (unsigned long long)rp->events,
	       (unsigned long long)rp->events_lost);
	printf("  hooks:");
	for (f = 0; f < LF__COUNT; f++)
		if (loader_fact_used(rp->ld, f))
			printf(" %s=%s", loader_fact_name(f),
			       wgt_mode_name(rp->ld->mode[f]));
	printf("\n\n");
	if (rp->first_ns < 0)
		printf("no snapshot in this window\n");
	else if (!fl->n)
		printf("no wrong turns in this window\n");
	for (i = 0; i < fl->n; i++)
		finding_print(stdout, &fl->v[i], out_use_color());
	if (!complete)
		printf("\n%s(the record is damaged: this report ends where it "
		       "does)%s\n",
		       out_c(C_YELLOW), out_c(C_RESET));
}

int cmd_report(int argc, char **argv)
{
	struct finding_list fl = {0};
	struct report_opts o;
	struct replay rp;
	char msg[1024];
	bool complete = true;
	int err, i;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	err = replay_init(&rp, o.dev, o.since_ns, o.until_ns);
	if (err)
		return err;
	for (i = 0; i < o.n_files; i++) {
		err = replay_file(&rp, o.files[i], msg, sizeof(msg));
		if (err) {
			wgt_err("%s", msg);
			complete = false;
			break;
		}
	}
	/* Nothing read at all: no report to speak of, only the error. */
	if (!rp.headers) {
		if (complete)
			wgt_err("%s: no record lines", o.files[0]);
		err = err ?: -EINVAL;
		goto cleanup;
	}
	err = replay_findings(&rp, &fl);
	if (err) {
		wgt_err("building the findings: %s", strerror(-err));
		goto cleanup;
	}
	if (o.json)
		emit_json(&o, &rp, &fl, complete);
	else
		print_text(&o, &rp, &fl, complete);
	fflush(stdout);
	err = complete ? 0 : -EINVAL;
cleanup:
	finding_list_free(&fl);
	replay_free(&rp);
	return err;
}
