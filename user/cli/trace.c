// SPDX-License-Identifier: GPL-2.0
/* `wgtrace trace DEST`: the path of one destination, from the kernel's own
 * decisions. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmdutil.h"
#include "base/common.h"
#include "base/output.h"
#include "cli/send.h"
#include "cli/trace.h"

#define TRACE_MAX_TARGETS 8
#define TRACE_MAX_EVENTS 65536
#define SEND_INTERVAL_NS 250000000ULL
#define REPLY_WINDOW_NS NSEC_PER_SEC

struct collected {
	struct wgt_event *ev;
	size_t n;
	uint64_t overflow; /* events past TRACE_MAX_EVENTS: counted, not kept */
	struct trace_pcap *pcap; /* --pcap, else NULL */
	const struct inventory *inv;
};

/* -vv: every event as it arrives, for when a story looks wrong. */
static void dump_event(const struct wgt_event *e)
{
	char s[WGT_ADDR_STRLEN], d[WGT_ADDR_STRLEN];
	struct wgt_addr a, b;

	flow_addr(&e->flow, false, &a);
	flow_addr(&e->flow, true, &b);
	fprintf(stderr,
		"event %u cpu %u ts %llu %s > %s iif %u oif %u table %u err %d "
		"mark 0x%x ns %u\n",
		e->type, e->cpu, (unsigned long long)e->ts_ns,
		addr_fmt(&a, s, sizeof(s)), addr_fmt(&b, d, sizeof(d)),
		e->ifindex, e->oif, e->table, e->err, e->mark, e->netns);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct collected *c = ctx;
	const struct wgt_event *e = data;

	/* Packet records (--pcap) share the ring; type is at one offset. */
	if (len >= sizeof(struct wgt_pkt) && e->type == WGT_EV_PKT) {
		if (c->pcap)
			trace_pcap_packet(c->pcap, data);
		return 0;
	}
	if (len < sizeof(struct wgt_event))
		return 0;
	if (wgt_verbose >= 2)
		dump_event(data);
	if (c->pcap) {
		trace_pcap_event(c->pcap, e);
		/* tc on an uplink is there for the capture, not the story. */
		if (e->type == WGT_EV_TC &&
		    !inv_wg_by_index(c->inv, e->ifindex))
			return 0;
	}
	if (c->n >= TRACE_MAX_EVENTS) {
		c->overflow++;
		return 0;
	}
	memcpy(&c->ev[c->n++], data, sizeof(struct wgt_event));
	return 0;
}

static void trace_usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: wgtrace trace DEST [options]\n\n"
	    "Trace where packets to DEST actually go: the policy rule and "
	    "table that\n"
	    "decided, the device, the WireGuard peer and the AllowedIPs prefix "
	    "that\n"
	    "chose it, the outer packet to the peer's endpoint, replies and "
	    "drops,\n"
	    "each with the hook mode that saw it. Without --send it waits for "
	    "real\n"
	    "traffic (forwarded or local); with --send it sends its own "
	    "probes.\n"
	    "DEST is an IPv4/IPv6 address or a host name (every address is "
	    "traced;\n"
	    "with --from, those of its family). Only a host name (its last "
	    "label\n"
	    "starts with a letter) is looked up in DNS; anything else must be "
	    "a\n"
	    "valid address, so a mistyped one is an error, never a DNS "
	    "query.\n\n"
	    "Options:\n"
	    "  --from SRC          source address of the flow (and of probes)\n"
	    "  --proto P           icmp (default), udp or tcp\n"
	    "  --port N            destination port for udp/tcp (1-65535)\n"
	    "  --mark M            fwmark of the flow, decimal or 0x hex\n"
	    "  --send              send probe packets (ICMP echo, UDP, or TCP "
	    "SYN)\n"
	    "  -c, --count N       stop after N packets (1-1000, default 3)\n"
	    "  -t, --timeout S     give up after S seconds (1-3600, default "
	    "10)\n"
	    "  -n, --netns NAME    trace inside network namespace NAME (or a "
	    "path)\n"
	    "  --json              JSON Lines: \"step\", \"finding\", "
	    "\"summary\"\n"
	    "  --pcap FILE         also write the flow's packets as pcapng: "
	    "inner,\n"
	    "                      outer (where a hook sees them whole), "
	    "replies and\n"
	    "                      drops, each commented with hook, table, "
	    "peer and\n"
	    "                      verdict; payloads as captured, never "
	    "decrypted\n"
	    "  --snaplen N         bytes kept per packet with --pcap (%d-%d;\n"
	    "                      default: IP and transport headers + 128)\n"
	    "  -v                  say which hooks were chosen and why\n"
	    "  -h, --help          this text\n\n"
	    "Examples:\n"
	    "  sudo wgtrace trace 10.99.10.25 --send\n"
	    "  sudo wgtrace trace 10.99.10.25 -n gw -c 5    # wait for "
	    "forwarded traffic\n"
	    "  sudo wgtrace trace db.example.net --proto tcp --port 5432 "
	    "--send --json\n"
	    "  sudo wgtrace trace 10.99.10.25 --send --pcap flow.pcapng\n"
	    "      then: tshark -r flow.pcapng -T fields -e frame.comment\n",
	    TRACE_SNAPLEN_MIN, WGT_PKT_MAX);
}

static bool parse_proto(const char *s, uint8_t *out)
{
	if (!strcasecmp(s, "icmp"))
		*out = IPPROTO_ICMP;
	else if (!strcasecmp(s, "udp"))
		*out = IPPROTO_UDP;
	else if (!strcasecmp(s, "tcp"))
		*out = IPPROTO_TCP;
	else
		return false;
	return true;
}

/*
 * An address, or every address a host name resolves to: of --from's
 * family when --from is given, else of both. Only what looks like a host
 * name goes to the resolver; a mistyped address is a usage error, never a
 * DNS query.
 */
static int resolve_dest(const char *s, const struct wgt_addr *from,
			struct trace_target *t, size_t max, size_t *n)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res, *ai;
	char fb[WGT_ADDR_STRLEN];
	size_t i;
	int err;

	*n = 0;
	if (addr_parse(s, &t[0].dst)) {
		if (from->family && from->family != t[0].dst.family) {
			wgt_err("--from %s is %s, DEST %s is %s: give both of "
				"one family",
				addr_fmt(from, fb, sizeof(fb)),
				from->family == AF_INET ? "IPv4" : "IPv6", s,
				t[0].dst.family == AF_INET ? "IPv4" : "IPv6");
			return -WGT_EUSAGE;
		}
		*n = 1;
		return 0;
	}
	if (!addr_is_hostname(s)) {
		wgt_err(
		    "DEST '%s' is neither an IPv4/IPv6 address nor a host name",
		    s);
		return -WGT_EUSAGE;
	}
	hints.ai_family = from->family ? from->family : AF_UNSPEC;
	err = getaddrinfo(s, NULL, &hints, &res);
	if (err) {
		wgt_err(
		    "cannot resolve '%s': %s (give an IPv4 or IPv6 address)", s,
		    gai_strerror(err));
		return -WGT_EUSAGE;
	}
	for (ai = res; ai && *n < max; ai = ai->ai_next) {
		struct wgt_addr a;

		if (ai->ai_family == AF_INET)
			addr_from_raw(
			    &a, AF_INET,
			    &((struct sockaddr_in *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			addr_from_raw(
			    &a, AF_INET6,
			    &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
		else
			continue;
		for (i = 0; i < *n && !addr_equal(&t[i].dst, &a); i++)
			;
		if (i == *n)
			t[(*n)++].dst = a;
	}
	freeaddrinfo(res);
	if (!*n)
		wgt_err("'%s' has no %saddress", s,
			from->family == AF_INET	   ? "IPv4 "
			: from->family == AF_INET6 ? "IPv6 "
						   : "");
	return *n ? 0 : -WGT_EUSAGE;
}

static int parse_args(int argc, char **argv, struct trace_opts *o,
		      const char **dest)
{
	enum {
		O_FROM = 256,
		O_PROTO,
		O_PORT,
		O_MARK,
		O_SEND,
		O_JSON,
		O_PCAP,
		O_SNAPLEN
	};
	static const struct option opts[] = {
	    {"from", required_argument, NULL, O_FROM},
	    {"proto", required_argument, NULL, O_PROTO},
	    {"port", required_argument, NULL, O_PORT},
	    {"mark", required_argument, NULL, O_MARK},
	    {"send", no_argument, NULL, O_SEND},
	    {"count", required_argument, NULL, 'c'},
	    {"timeout", required_argument, NULL, 't'},
	    {"netns", required_argument, NULL, 'n'},
	    {"json", no_argument, NULL, O_JSON},
	    {"pcap", required_argument, NULL, O_PCAP},
	    {"snaplen", required_argument, NULL, O_SNAPLEN},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->proto = IPPROTO_ICMP;
	o->count = 3;
	o->timeout_s = 10;
	while ((c = getopt_long(argc, argv, "c:t:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case O_FROM:
			if (!addr_parse(optarg, &o->src)) {
				wgt_err("--from '%s' is not an IPv4 or IPv6 "
					"address",
					optarg);
				return -WGT_EUSAGE;
			}
			break;
		case O_PROTO:
			if (!parse_proto(optarg, &o->proto)) {
				wgt_err("--proto '%s': use icmp, udp or tcp",
					optarg);
				return -WGT_EUSAGE;
			}
			break;
		case O_PORT:
			if (!parse_uint_range(optarg, 1, 65535, &v)) {
				wgt_err(
				    "--port '%s': give a port from 1 to 65535",
				    optarg);
				return -WGT_EUSAGE;
			}
			o->port = v;
			break;
		case O_MARK:
			if (!parse_mark(optarg, &o->mark)) {
				wgt_err("--mark '%s': give a 32-bit number "
					"(decimal or 0x hex)",
					optarg);
				return -WGT_EUSAGE;
			}
			break;
		case O_SEND:
			o->send = true;
			break;
		case 'c':
			if (!parse_uint_range(optarg, 1, 1000, &v)) {
				wgt_err("--count '%s': give a number from 1 to "
					"1000",
					optarg);
				return -WGT_EUSAGE;
			}
			o->count = v;
			break;
		case 't':
			if (!parse_seconds("--timeout", optarg, 3600,
					   &o->timeout_s))
				return -WGT_EUSAGE;
			break;
		case 'n':
			o->netns = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_PCAP:
			if (!*optarg) {
				wgt_err("--pcap needs a file name");
				return -WGT_EUSAGE;
			}
			o->pcap = optarg;
			break;
		case O_SNAPLEN:
			if (!parse_uint_range(optarg, TRACE_SNAPLEN_MIN,
					      WGT_PKT_MAX, &v)) {
				wgt_err("--snaplen '%s': give a number of "
					"bytes from %d to %d",
					optarg, TRACE_SNAPLEN_MIN, WGT_PKT_MAX);
				return -WGT_EUSAGE;
			}
			o->snaplen = v;
			break;
		case 'v':
			wgt_verbose++;
			break;
		case 'h':
			trace_usage(stdout);
			return 1;
		default:
			trace_usage(stderr);
			return -WGT_EUSAGE;
		}
	}
	if (optind != argc - 1) {
		wgt_err(optind >= argc
			    ? "trace needs a destination (try: wgtrace trace "
			      "--help)"
			    : "trace takes one destination, got '%s' too",
			argv[argc - 1]);
		return -WGT_EUSAGE;
	}
	if (o->proto != IPPROTO_ICMP && !o->port) {
		wgt_err("--proto %s needs --port",
			o->proto == IPPROTO_UDP ? "udp" : "tcp");
		return -WGT_EUSAGE;
	}
	if (o->snaplen && !o->pcap) {
		wgt_err("--snaplen goes with --pcap FILE");
		return -WGT_EUSAGE;
	}
	if (o->proto == IPPROTO_ICMP && o->port) {
		wgt_err("--port goes with --proto udp or tcp");
		return -WGT_EUSAGE;
	}
	*dest = argv[optind];
	return 0;
}

/* What done_enough() last reduced: the counts of the first n events. */
struct done_cache {
	size_t n;
	bool valid;
	size_t n_forward[TRACE_MAX_TARGETS];
	size_t n_reply[TRACE_MAX_TARGETS];
};

/*
 * Have we seen enough: count packets per target and replies (or the
 * window)? Reducing walks every event kept (up to TRACE_MAX_EVENTS): only
 * when some were added since the last time; the events only grow, so the
 * counts of the same events are the same.
 */
static bool done_enough(struct collected *c, bool v4_custom, bool own_flags,
			const struct inventory *inv, struct trace_target *t,
			size_t nt, const struct trace_opts *o, uint64_t last_ns,
			size_t icmp_replies, struct done_cache *dc)
{
	struct trace_seen s;
	size_t i;

	if (!dc->valid || dc->n != c->n) {
		for (i = 0; i < nt; i++) {
			trace_reduce(c->ev, c->n, v4_custom, own_flags, inv,
				     &t[i], o, &s);
			dc->n_forward[i] = s.n_forward;
			dc->n_reply[i] = s.n_reply;
		}
		dc->n = c->n;
		dc->valid = true;
	}
	for (i = 0; i < nt; i++) {
		if (dc->n_forward[i] < o->count)
			return false;
		/* Replies get a window after the last packet, then we stop. */
		if (dc->n_reply[i] < o->count && icmp_replies < o->count &&
		    monotonic_ns() - last_ns < REPLY_WINDOW_NS)
			return false;
	}
	return true;
}

/*
 * Whose endpoint's outer packets to follow. All peers' while the kernel's
 * filter has room; on a gateway with more peers than that, only those that
 * can carry a destination (an AllowedIPs prefix holds it): WireGuard picks
 * no other for it.
 */
static bool endpoint_wanted(const struct wg_peer_info *p, size_t n_endpoints,
			    const struct trace_target *t, size_t nt)
{
	size_t i, k;

	if (!p->has_endpoint)
		return false;
	if (n_endpoints + nt <= WGT_MAX_TRACE_ADDRS)
		return true;
	for (k = 0; k < p->n_allowed; k++)
		for (i = 0; i < nt; i++)
			if (prefix_contains(&p->allowed[k], &t[i].dst))
				return true;
	return false;
}

/*
 * --pcap: the packets' bytes from every hook that sees them, and tc on
 * the uplinks the endpoints are routed by (the outer packets whole).
 */
static void pcap_setup(const struct trace_opts *o, const struct trace_target *t,
		       size_t nt, const struct inventory *inv,
		       struct loader_opts *lo)
{
	size_t i;
	int k;

	lo->pcap_snaplen = trace_pcap_kernel_snaplen(o->snaplen);
	for (i = 0; i < nt; i++) {
		int oif = t[i].exp.has_outer && !t[i].exp.outer.err
			      ? t[i].exp.outer.oif
			      : 0;

		if (oif <= 0 || inv_wg_by_index(inv, oif))
			continue;
		for (k = 0; k < lo->n_pcap && lo->pcap_ifindex[k] != oif; k++)
			;
		if (k == lo->n_pcap && lo->n_pcap < LOADER_MAX_PCAP_TC)
			lo->pcap_ifindex[lo->n_pcap++] = oif;
	}
}

static int run_trace(struct trace_opts *o, struct trace_target *t, size_t nt,
		     struct inventory *inv)
{
	/* The AllowedIPs go to BPF too: kprobe-tier hooks name peers by them.
	 */
	struct loader_opts lo = {
	    .trace = true, .want = LF_TRACE_SET, .inv = inv};
	struct collected c = {0};
	struct done_cache dc = {0};
	struct probe_sender snd[TRACE_MAX_TARGETS];
	size_t icmp_replies[TRACE_MAX_TARGETS] = {0}, sent = 0, i, j;
	size_t n_endpoints = 0;
	struct drop_reasons reasons = {0};
	struct loader ld;
	uint64_t start, last_ns, lost, events, next_check = 0;
	bool v4_custom = rules_custom_v4(inv->rules, inv->n_rules);
	bool started = false, senders = false, own_flags;
	int err;

	for (i = 0; i < nt; i++)
		trace_expect(inv, o, &t[i].dst, &t[i].exp);
	for (i = 0; i < inv->n_wg && lo.n_wg < LOADER_MAX_TC; i++)
		lo.wg_ifindex[lo.n_wg++] = inv->wg[i].ifindex;
	if (o->pcap)
		pcap_setup(o, t, nt, inv, &lo);
	lo.netns_ino = current_netns_ino();
	drop_reasons_load(&reasons);
	if (!drop_reasons_find(&reasons, "NO_SOCKET", &o->no_socket_reason))
		o->no_socket_reason = ~0U;
	c.ev = calloc(TRACE_MAX_EVENTS, sizeof(*c.ev));
	if (!c.ev) {
		err = -ENOMEM;
		goto cleanup;
	}
	c.inv = inv;
	if (o->pcap) {
		err =
		    trace_pcap_open(&c.pcap, o->pcap, o->snaplen, inv, &reasons,
				    o->send ? o->no_socket_reason : ~0U);
		if (err)
			goto cleanup;
	}
	/* Caught before attaching: Ctrl-C while attaching still detaches. */
	err = wgt_catch_signals(false);
	if (err)
		goto cleanup;
	err = loader_start(&ld, &lo, on_event, &c);
	if (err)
		goto cleanup;
	started = true;
	own_flags = ld.mode[LF_LOOKUP_CTX] == WGT_MODE_TRACEPOINT;
	for (i = 0; i < nt && !err; i++)
		err = loader_trace_addr(&ld, &t[i].dst, WGT_ROLE_TARGET);
	if (err) {
		wgt_err("cannot set the trace filter: %s", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < inv->n_wg; i++)
		for (j = 0; j < inv->wg[i].n_peers; j++)
			n_endpoints += inv->wg[i].peers[j].has_endpoint;
	for (i = 0; i < inv->n_wg && !err; i++)
		for (j = 0; j < inv->wg[i].n_peers && !err; j++)
			if (endpoint_wanted(&inv->wg[i].peers[j], n_endpoints,
					    t, nt))
				err = loader_trace_addr(
				    &ld, &inv->wg[i].peers[j].endpoint,
				    WGT_ROLE_ENDPOINT);
	if (err == -E2BIG) {
		/* The route of the outer packet then comes from the inventory.
		 */
		wgt_err("warning: more candidate peers than the kernel filter "
			"holds (%d addresses): outer packets of some are not "
			"followed",
			WGT_MAX_TRACE_ADDRS);
		err = 0;
	} else if (err) {
		wgt_err("cannot set the trace filter: %s", strerror(-err));
		goto cleanup;
	}
	if (o->send) {
		for (i = 0; i < nt; i++) {
			err = sender_open(&snd[i], o->proto, &t[i].dst, &o->src,
					  o->port, o->mark);
			if (err) {
				wgt_err("cannot open a probe socket: %s",
					strerror(-err));
				while (i--)
					sender_close(&snd[i]);
				goto cleanup;
			}
		}
		senders = true;
	}

	{
		char a[WGT_ADDR_STRLEN];

		fprintf(stderr,
			"wgtrace: tracing %s%s%s%s: %s; %u s timeout, Ctrl-C "
			"stops\n",
			addr_fmt(&t[0].dst, a, sizeof(a)),
			nt > 1 ? " and more" : "", o->netns ? " in netns " : "",
			o->netns ? o->netns : "",
			o->send ? "sending probes"
				: "waiting for packets (or use --send)",
			o->timeout_s);
	}
	start = last_ns = monotonic_ns();
	while (!wgt_stop &&
	       monotonic_ns() - start < o->timeout_s * NSEC_PER_SEC) {
		if (o->send && sent < o->count &&
		    monotonic_ns() - last_ns >= (sent ? SEND_INTERVAL_NS : 0)) {
			for (i = 0; i < nt; i++) {
				err = sender_send(&snd[i]);
				if (err)
					wgt_dbg(1, "probe %zu: %s", sent + 1,
						strerror(-err));
			}
			sent++;
			last_ns = monotonic_ns();
		}
		/* A poll, then a read of the ring even without a wake-up:
		 * trace's BPF side wakes us per batch (ring_wake_flags). */
		err = loader_poll_with(&ld, -1, 50);
		if (err && err != -EINTR) {
			wgt_err("reading events failed: %s", strerror(-err));
			goto cleanup;
		}
		err = 0;
		for (i = 0; senders && i < nt; i++) {
			int64_t rtt;

			while ((rtt = sender_poll_reply(&snd[i])) > 0)
				icmp_replies[i]++;
		}
		if ((!o->send || sent >= o->count) &&
		    monotonic_ns() >= next_check) {
			size_t tot = 0;

			/* Reducing walks every event kept: not on every
			 * wake-up. */
			next_check = monotonic_ns() + 200000000ULL;
			for (i = 0; i < nt; i++)
				tot += icmp_replies[i];
			if (done_enough(&c, v4_custom, own_flags, inv, t, nt, o,
					last_ns, tot, &dc))
				break;
		}
	}
	/* Detach first, then drain: nothing arrives unread or uncounted. */
	loader_detach(&ld);
	/* Everything in the ring, woken or not (ring_wake_flags). */
	ring_buffer__consume(ld.rb);
	lost = loader_stat(&ld, WGT_STAT_EVENTS_LOST);
	events = loader_stat(&ld, WGT_STAT_EVENTS);
	loader_stop(&ld);
	started = false;
	err = trace_pcap_close(c.pcap, o->pcap);
	c.pcap = NULL;
	if (err)
		goto cleanup;

	for (i = 0; i < nt; i++) {
		struct trace_result res;
		struct trace_seen s;

		trace_reduce(c.ev, c.n, v4_custom, own_flags, inv, &t[i], o,
			     &s);
		s.n_replies_icmp = icmp_replies[i];
		err = trace_result_build(inv, &ld, o, &t[i], &s, events, lost,
					 c.overflow, &reasons, &res);
		if (!err && o->json)
			err = trace_json_emit(&res);
		else if (!err)
			trace_text_print(&res);
		trace_result_free(&res);
		if (err)
			break;
		if (!o->json && i + 1 < nt)
			putchar('\n');
	}
	if (!o->json && (lost || c.overflow))
		printf("%llu events lost (ring buffer full), %llu not kept "
		       "(over %d): counts may be low\n",
		       (unsigned long long)lost, (unsigned long long)c.overflow,
		       TRACE_MAX_EVENTS);
cleanup:
	if (senders)
		for (i = 0; i < nt; i++)
			sender_close(&snd[i]);
	if (started)
		loader_stop(&ld);
	if (c.pcap)
		trace_pcap_close(c.pcap, o->pcap);
	drop_reasons_free(&reasons);
	free(c.ev);
	return err;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_target t[TRACE_MAX_TARGETS];
	struct inventory inv;
	struct trace_opts o;
	const char *dest;
	size_t nt;
	int err;

	err = parse_args(argc, argv, &o, &dest);
	if (err)
		return err > 0 ? 0 : err;
	memset(t, 0, sizeof(t));
	/* Names resolve in our own namespace, where the resolver works. */
	err = resolve_dest(dest, &o.src, t, TRACE_MAX_TARGETS, &nt);
	if (err)
		return err;
	err = cmd_need_bpf("trace");
	if (!err && o.netns)
		err = cmd_enter_netns(o.netns);
	if (!err)
		err = cmd_load_inventory(&inv, NULL);
	if (err)
		return err;
	if (!inv.n_wg) {
		wgt_err("no WireGuard device in %s%s: nothing to trace (check: "
			"wg show)",
			o.netns ? "network namespace "
				: "this network namespace",
			o.netns ? o.netns : "");
		err = -ENODEV;
		goto cleanup;
	}
	err = run_trace(&o, t, nt, &inv);
cleanup:
	inventory_free(&inv);
	return err;
}
