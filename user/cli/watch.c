// SPDX-License-Identifier: GPL-2.0
/* `wgtrace watch`: the live "wrong turn" report of a gateway. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmdutil.h"
#include "base/common.h"
#include "model/live.h"
#include "base/output.h"
#include "files/record.h"
#include "config/rtmon.h"
#include "model/verdict.h"
#include "cli/session.h"
#include "cli/trace.h"
#include "cli/watch_pcap.h"

struct watch_opts {
	const char *dev;
	const char *netns;
	const char *intent_path;
	unsigned int interval_s;
	unsigned int duration_s; /* 0: until interrupted */
	bool json;
	bool tty;
	struct record_opts rec; /* rec.path NULL: no --record */
	const char *pcap;	/* --pcap FILE, or NULL */
	unsigned long pcap_budget;
	bool pcap_given_budget;
	unsigned long snaplen; /* 0: headers + 128 bytes */
};

static void watch_usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: wgtrace watch [options]\n\n"
	    "Attach to a live gateway and report, worst first, the flows that "
	    "take a\n"
	    "wrong turn and where packets die: AllowedIPs source drops, "
	    "rp_filter,\n"
	    "MTU, no peer, forwarding off, traffic bypassing the tunnel, "
	    "stale\n"
	    "handshakes, route changes. Counts come from the kernel; each "
	    "finding\n"
	    "has an example flow and a fix hint. Removes all it attached on "
	    "exit.\n\n"
	    "Options:\n"
	    "  -i, --interface DEV  only WireGuard findings of DEV\n"
	    "  -n, --netns NAME     watch inside network namespace NAME (or a "
	    "path)\n"
	    "  --intent FILE        peer names (and intent) as for `wgtrace "
	    "check`\n"
	    "  --interval S         refresh every S seconds (1-3600; default 2 "
	    "on a\n"
	    "                       terminal, 10 otherwise)\n"
	    "  --duration S         stop after S seconds (default: until "
	    "Ctrl-C)\n"
	    "  --json               JSON Lines: \"status\" and \"finding\" "
	    "objects per\n"
	    "                       interval, a \"summary\" at the end\n"
	    "  --record FILE        also write every sample, the counters of "
	    "each\n"
	    "                       interval and the configuration to FILE "
	    "(gzip'd\n"
	    "                       JSON Lines) for `wgtrace report`; an "
	    "existing\n"
	    "                       FILE is rotated to FILE.1, never "
	    "overwritten\n"
	    "  --record-max-size N  rotate FILE at N bytes (64K-64G, suffix "
	    "K/M/G;\n"
	    "                       default 64M)\n"
	    "  --record-keep N      rotated files kept: FILE.1 ... FILE.N "
	    "(0-100,\n"
	    "                       default 4)\n"
	    "  --pcap FILE          also write the packets of the flows behind "
	    "findings\n"
	    "                       as pcapng: every example flow of a finding "
	    "verdict\n"
	    "                       (src_rejected, rpf_drop, mtu_drop, "
	    "no_peer, "
	    "no_endpoint,\n"
	    "                       route_bypass, outer_fragmented, "
	    "no_forward), at most\n"
	    "                       one per verdict, CPU and 100 ms, headers + "
	    "128 bytes,\n"
	    "                       each with a comment: hook, device, peer, "
	    "verdict\n"
	    "  --pcap-budget N      packets written at most (1-%d, default "
	    "%d);\n"
	    "                       the rest are counted and reported at exit\n"
	    "  --snaplen N          bytes kept per packet with --pcap (%d-%d;\n"
	    "                       default: headers + 128 bytes)\n"
	    "  -v                   say which hooks were chosen and why\n"
	    "  -h, --help           this text\n\n"
	    "Examples:\n"
	    "  sudo wgtrace watch\n"
	    "  sudo wgtrace watch -n gw --duration 60 --json > findings.jsonl\n"
	    "  sudo wgtrace watch -i wg0 --intent /etc/wgtrace/intent\n"
	    "  sudo wgtrace watch --record /var/lib/wgtrace/gw.jsonl.gz\n"
	    "  wgtrace report /var/lib/wgtrace/gw.jsonl.gz --since -2h\n"
	    "  sudo wgtrace watch --duration 300 --pcap wrong.pcapng\n"
	    "      then: tshark -r wrong.pcapng -T fields -e frame.comment\n",
	    WATCH_PCAP_BUDGET_MAX, WATCH_PCAP_BUDGET_DEF, TRACE_SNAPLEN_MIN,
	    WGT_PKT_MAX);
}

static int parse_args(int argc, char **argv, struct watch_opts *o)
{
	enum {
		O_INTENT = 256,
		O_INTERVAL,
		O_DURATION,
		O_JSON,
		O_PCAP,
		O_PCAP_BUDGET,
		O_SNAPLEN
	};
	static const struct option opts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"netns", required_argument, NULL, 'n'},
	    {"intent", required_argument, NULL, O_INTENT},
	    {"interval", required_argument, NULL, O_INTERVAL},
	    {"duration", required_argument, NULL, O_DURATION},
	    {"json", no_argument, NULL, O_JSON},
	    RECORD_LONG_OPTIONS,
	    {"pcap", required_argument, NULL, O_PCAP},
	    {"pcap-budget", required_argument, NULL, O_PCAP_BUDGET},
	    {"snaplen", required_argument, NULL, O_SNAPLEN},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	int c;

	memset(o, 0, sizeof(*o));
	o->rec.max_size = RECORD_DEF_MAX_SIZE;
	o->rec.keep = RECORD_DEF_KEEP;
	o->rec.command = "watch";
	o->pcap_budget = WATCH_PCAP_BUDGET_DEF;
	while ((c = getopt_long(argc, argv, "i:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->dev = optarg;
			break;
		case 'n':
			o->netns = optarg;
			break;
		case O_INTENT:
			o->intent_path = optarg;
			break;
		case O_INTERVAL:
			if (!parse_seconds("--interval", optarg, 3600,
					   &o->interval_s))
				return -WGT_EUSAGE;
			break;
		case O_DURATION:
			if (!parse_seconds("--duration", optarg, 7 * 86400,
					   &o->duration_s))
				return -WGT_EUSAGE;
			break;
		case O_JSON:
			o->json = true;
			break;
		case RECORD_OPT_PATH:
		case RECORD_OPT_MAX_SIZE:
		case RECORD_OPT_KEEP:
			if (record_parse_opt(c, optarg, &o->rec))
				return -WGT_EUSAGE;
			break;
		case O_PCAP:
			if (!*optarg) {
				wgt_err("--pcap needs a file name");
				return -WGT_EUSAGE;
			}
			o->pcap = optarg;
			break;
		case O_PCAP_BUDGET:
			if (!parse_uint_range(optarg, 1, WATCH_PCAP_BUDGET_MAX,
					      &o->pcap_budget)) {
				wgt_err("--pcap-budget '%s': give a number of "
					"packets, 1-%d",
					optarg, WATCH_PCAP_BUDGET_MAX);
				return -WGT_EUSAGE;
			}
			o->pcap_given_budget = true;
			break;
		case O_SNAPLEN:
			if (!parse_uint_range(optarg, TRACE_SNAPLEN_MIN,
					      WGT_PKT_MAX, &o->snaplen)) {
				wgt_err("--snaplen '%s': give a number of "
					"bytes from %d to %d",
					optarg, TRACE_SNAPLEN_MIN, WGT_PKT_MAX);
				return -WGT_EUSAGE;
			}
			break;
		case 'v':
			wgt_verbose++;
			break;
		case 'h':
			watch_usage(stdout);
			return 1;
		default:
			watch_usage(stderr);
			return -WGT_EUSAGE;
		}
	}
	if (optind < argc) {
		wgt_err("watch takes no arguments, got '%s'", argv[optind]);
		return -WGT_EUSAGE;
	}
	if (o->pcap_given_budget && !o->pcap) {
		wgt_err("--pcap-budget goes with --pcap FILE");
		return -WGT_EUSAGE;
	}
	if (o->snaplen && !o->pcap) {
		wgt_err("--snaplen goes with --pcap FILE");
		return -WGT_EUSAGE;
	}
	o->rec.netns = o->netns;
	o->rec.only_dev = o->dev;
	o->tty = !o->json && isatty(STDOUT_FILENO);
	if (!o->interval_s)
		o->interval_s = o->tty ? 2 : 10;
	return 0;
}

static const char *const watched_ids[] = {
    "src_rejected", "rpf_drop",	    "mtu_drop",		"no_peer",
    "no_forward",   "route_bypass", "outer_fragmented",
};

static void print_header(const struct watch_opts *o, const struct live *l,
			 uint64_t start_ns, uint64_t lost)
{
	static const enum wgt_fact shown[] = {
	    LF_WG_TX_PEER,
	    LF_WG_RX_SRC,
	    LF_DROPS,
	    LF_BYPASS,
	};
	char t[32];
	time_t now = time(NULL);
	size_t i;

	strftime(t, sizeof(t), "%H:%M:%S", localtime(&now));
	printf("%swgtrace watch%s %s%s%s: %zu WireGuard device%s, up %llu s, "
	       "events lost %llu\n",
	       out_c(C_BOLD), out_c(C_RESET), t, o->netns ? " netns " : "",
	       o->netns ? o->netns : "", l->inv->n_wg,
	       l->inv->n_wg == 1 ? "" : "s",
	       (unsigned long long)((monotonic_ns() - start_ns) / NSEC_PER_SEC),
	       (unsigned long long)lost);
	printf("  hooks:");
	for (i = 0; i < ARRAY_SIZE(shown); i++)
		printf(" %s=%s", loader_fact_name(shown[i]),
		       wgt_mode_name(l->ld->mode[shown[i]]));
	putchar('\n');
	for (i = 0; i < ARRAY_SIZE(watched_ids); i++) {
		const char *why = live_unobservable(l, watched_ids[i]);

		if (why)
			printf("  %snot observable here: %s (%s)%s\n",
			       out_c(C_YELLOW), watched_ids[i], why,
			       out_c(C_RESET));
	}
}

/* The kernel's other drop reasons: context, not findings. */
static void print_other_drops(struct live *l, const struct drop_reasons *dr)
{
	const struct live_entry *top[5] = {0};
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		const struct live_entry *e = &l->e[i];

		if (e->key.verdict < WGT_V_KERNEL_REASON || !e->packets ||
		    live_own_drop(l, e->key.location) ||
		    live_is_no_forward(l, &e->key))
			continue;
		for (j = 0; j < ARRAY_SIZE(top); j++) {
			if (!top[j] || e->packets > top[j]->packets) {
				memmove(&top[j + 1], &top[j],
					(ARRAY_SIZE(top) - j - 1) *
					    sizeof(top[0]));
				top[j] = e;
				break;
			}
		}
	}
	if (!top[0])
		return;
	printf("\nother kernel drops (not findings):\n");
	for (j = 0; j < ARRAY_SIZE(top) && top[j]; j++) {
		const struct inv_link *k =
		    inv_link_by_index(l->inv, top[j]->key.ifindex);
		const char *where = ksym_lookup(l->ksym, top[j]->key.location);
		char name[64], dev[UTF8_CLEAN_SIZE(IF_NAMESIZE)];

		printf(
		    "  %-26s %8llu  %s%s%s\n",
		    verdict_name(top[j]->key.verdict, dr, name, sizeof(name)),
		    (unsigned long long)top[j]->packets,
		    k ? utf8_clean(k->name, dev, sizeof(dev)) : "-",
		    where ? " at " : "", where ? where : "");
	}
}

static void emit_status_json(const struct watch_opts *o, const struct live *l,
			     uint64_t start_ns, uint64_t lost, size_t nf)
{
	struct json_object *j = json_object_new_object();
	struct json_object *modes = json_object_new_object();
	struct json_object *unobs = json_object_new_object();
	size_t i;
	int f;

	jadd_str(j, "type", "status");
	jadd_int(j, "time", time(NULL));
	jadd_int(j, "uptime_s", (monotonic_ns() - start_ns) / NSEC_PER_SEC);
	jadd_str(j, "netns", o->netns);
	jadd_int(j, "wireguard_devices", l->inv->n_wg);
	jadd_int(j, "events", loader_stat(l->ld, WGT_STAT_EVENTS));
	jadd_int(j, "events_lost", lost);
	jadd_int(j, "findings", nf);
	for (f = 0; f < LF__COUNT; f++)
		if (loader_fact_used(l->ld, f))
			jadd_str(modes, loader_fact_name(f),
				 wgt_mode_name(l->ld->mode[f]));
	json_object_object_add(j, "modes", modes);
	for (i = 0; i < ARRAY_SIZE(watched_ids); i++) {
		const char *why = live_unobservable(l, watched_ids[i]);

		if (why)
			jadd_str(unobs, watched_ids[i], why);
	}
	json_object_object_add(j, "not_observable", unobs);
	json_emit(j);
}

static void render(const struct watch_opts *o, struct live *l,
		   const struct finding_list *fl, uint64_t start_ns,
		   uint64_t lost, bool final)
{
	size_t i;

	if (o->json) {
		emit_status_json(o, l, start_ns, lost, fl->n);
		for (i = 0; i < fl->n; i++)
			json_emit(finding_to_json(&fl->v[i]));
		fflush(stdout);
		return;
	}
	if (o->tty && !final)
		fputs("\033[H\033[2J", stdout);
	else if (!o->tty)
		putchar('\n');
	print_header(o, l, start_ns, lost);
	putchar('\n');
	if (!fl->n)
		printf("no wrong turns seen%s\n", final ? "" : " so far");
	for (i = 0; i < fl->n; i++)
		finding_print(stdout, &fl->v[i], out_use_color());
	print_other_drops(l, &l->ld->env.reasons);
	if (o->tty && !final)
		printf("\n%s(refresh every %u s; Ctrl-C stops)%s\n",
		       out_c(C_DIM), o->interval_s, out_c(C_RESET));
	fflush(stdout);
}

/* The kernel side follows the configuration; a failure keeps the last. */
static void reload(struct session *s)
{
	int sync_err;

	if (session_reload(s, &sync_err))
		wgt_dbg(1, "inventory reload failed; keeping the last one");
}

/* Counts up to now, as findings, then shown (and recorded when snap). */
static int report(struct session *s, struct finding_list *fl,
		  bool routes_changed, bool snap, uint64_t *lost)
{
	int err;

	err = live_refresh(&s->l, routes_changed);
	finding_list_free(fl);
	if (!err)
		err = live_findings(&s->l, fl);
	if (err)
		return err;
	*lost = loader_stat(&s->ld, WGT_STAT_EVENTS_LOST);
	if (snap)
		session_snapshot(s);
	return 0;
}

static void final_report(const struct watch_opts *o, struct session *s,
			 const struct finding_list *fl,
			 const struct watch_pcap *wp, uint64_t start,
			 uint64_t lost)
{
	struct finding_counts fc;
	struct json_object *sum;

	if (!o->json) {
		printf("\n%sfinal report%s\n", out_c(C_BOLD), out_c(C_RESET));
		render(o, &s->l, fl, start, lost, true);
		return;
	}
	render(o, &s->l, fl, start, lost, true);
	finding_count(fl, &fc);
	sum = finding_summary_json(&fc);
	jadd_int(sum, "uptime_s", (monotonic_ns() - start) / NSEC_PER_SEC);
	jadd_int(sum, "events_lost", lost);
	if (wp)
		watch_pcap_json(wp, sum);
	json_emit(sum);
}

static int run_watch(const struct watch_opts *o, struct inventory *inv,
		     const struct intent *intent)
{
	struct session_opts so = {.inv = inv, .intent = intent, .dev = o->dev};
	struct finding_list fl = {0};
	struct watch_pcap *wp = NULL;
	struct session s = {0};
	struct session_poll p;
	uint64_t start, next_tick, deadline = 0, lost = 0;
	bool changed = false;
	int err, prev_err, rec_err;

	if (o->pcap) {
		/* The bytes of each sample; by default cut to headers + 128
		 * here. */
		so.pcap_snaplen = trace_pcap_kernel_snaplen(o->snaplen);
		err = live_alloc(&s.l);
		if (!err)
			err = watch_pcap_open(&wp, o->pcap, o->pcap_budget,
					      o->snaplen, &s.l);
		if (err)
			goto cleanup;
		so.on_event = watch_pcap_on_event;
		so.event_ctx = wp;
	}
	err = session_open(&s, &so);
	if (err) {
		if (s.started)
			wgt_err("cannot start watching: %s", strerror(-err));
		goto cleanup;
	}
	if (!o->json)
		fprintf(stderr, "wgtrace: watching%s%s; reports every %u s%s\n",
			o->netns ? " netns " : "", o->netns ? o->netns : "",
			o->interval_s, o->duration_s ? "" : ", Ctrl-C stops");
	start = monotonic_ns();
	next_tick = start + o->interval_s * NSEC_PER_SEC;
	if (o->duration_s)
		deadline = start + o->duration_s * NSEC_PER_SEC;
	/* The first status at once: it says the hooks are attached. */
	err = report(&s, &fl, false, false, &lost);
	if (err) {
		wgt_err("reading counters failed: %s", strerror(-err));
		goto cleanup;
	}
	render(o, &s.l, &fl, start, lost, false);
	/*
	 * The record after: at 20,000 peers writing the configuration takes
	 * a second. Samples wait in the ring buffer until the loop polls.
	 */
	if (o->rec.path) {
		err = session_record(&s, &o->rec);
		if (err) {
			wgt_err("cannot write the record %s: %s", o->rec.path,
				strerror(-err));
			goto cleanup;
		}
	}

	while (!wgt_stop) {
		if (deadline && monotonic_ns() >= deadline)
			break;
		err = session_poll(&s, 200, &p);
		if (err) {
			wgt_err("reading events failed: %s", strerror(-err));
			goto cleanup;
		}
		if (p.changes & RTMON_ROUTES)
			changed = true;
		if (p.load_err || p.sync_err)
			wgt_dbg(
			    1, "inventory reload failed; keeping the last one");
		if (s.l.rec_err)
			break;
		if (monotonic_ns() < next_tick)
			continue;
		/* The final report follows at once: do not print it twice. */
		if (deadline && next_tick + NSEC_PER_SEC / 2 >= deadline)
			break;
		next_tick += o->interval_s * NSEC_PER_SEC;
		reload(&s);
		err = report(&s, &fl, changed, true, &lost);
		changed = false;
		if (err) {
			wgt_err("reading counters failed: %s", strerror(-err));
			goto cleanup;
		}
		render(o, &s.l, &fl, start, lost, false);
	}
	/* The final word: counts up to now, then detach. */
	loader_poll(&s.ld, 0);
	reload(&s);
	changed = changed || (rtmon_drain(s.mon) & RTMON_ROUTES);
	err = report(&s, &fl, changed, true, &lost);
	if (!err)
		final_report(o, &s, &fl, wp, start, lost);
cleanup:
	prev_err = err;
	err = session_close(&s, err, &rec_err);
	/* A record cut short is a failed run: the SRE relies on it later. */
	if (rec_err && !prev_err)
		wgt_err("writing the record %s failed: %s", o->rec.path,
			strerror(-rec_err));
	finding_list_free(&fl);
	if (wp) {
		int perr = watch_pcap_close(wp, o->pcap);

		err = err ?: perr;
	}
	return err;
}

int cmd_watch(int argc, char **argv)
{
	struct intent intent = {0};
	struct inventory inv;
	struct watch_opts o;
	char msg[512];
	int err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	/* Refused now, not after attaching: the record is why they ran. */
	if (o.rec.path && record_check_path(o.rec.path))
		return -WGT_EUSAGE;
	if (o.pcap && watch_pcap_check_path(o.pcap))
		return -WGT_EUSAGE;
	err = cmd_need_bpf("watch");
	if (err)
		return err;
	if (o.intent_path &&
	    intent_load_file(o.intent_path, &intent, msg, sizeof(msg))) {
		wgt_err("%s", msg);
		return -WGT_EUSAGE;
	}
	if (o.netns)
		err = cmd_enter_netns(o.netns);
	if (!err)
		err = cmd_load_inventory(&inv, o.dev);
	if (err)
		goto cleanup;
	if (!inv.n_wg && !o.json)
		fprintf(stderr, "wgtrace: no WireGuard device here: only "
				"kernel drops are watched\n");
	err = run_watch(&o, &inv, o.intent_path ? &intent : NULL);
	inventory_free(&inv);
cleanup:
	intent_free(&intent);
	return err;
}
