// SPDX-License-Identifier: GPL-2.0
/*
 * `watch --pcap FILE`: the packets of the flows behind findings, in one
 * pcapng file next to the report. Every example flow the kernel samples for
 * a problem verdict (at most one per verdict, CPU and 100 ms) carries the
 * packet's bytes as a record right after it (struct wgt_pkt), from the hook
 * that counted it. Written are the packets of finding verdicts: the
 * src_rejected, rpf_drop, mtu_drop, no_peer, no_endpoint, route_bypass and
 * outer_fragmented verdicts and the kernel drops that make no_forward; the
 * kernel's other drops are context, not findings, and are left out. A
 * budget bounds the file: packets past it are counted, not written.
 *
 * Samples see no routing lookups (watch does not trace them), so the
 * comments name the hook, device, peer and verdict, not a rule or table.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"
#include "base/output.h"
#include "cli/trace.h"
#include "cli/watch_pcap.h"
#include "cli/pcap_file.h"
#include "model/verdict.h"

/* Samples kept to pair packet records with: they follow within a few. */
#define WATCH_PCAP_RECENT 64

struct watch_pcap {
	struct pcap_file pf;
	struct live *l;
	uint64_t budget;
	uint32_t snaplen; /* 0: headers + 128 bytes */
	struct wgt_event recent[WATCH_PCAP_RECENT];
	size_t n_recent;
	uint64_t written, over_budget, failed;
	int err; /* first write error */
};

int watch_pcap_check_path(const char *path)
{
	char copy[PATH_MAX];
	struct stat st;

	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		wgt_err("--pcap %s: is a folder; give a file name", path);
		return -WGT_EUSAGE;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	if (access(dirname(copy), W_OK)) {
		wgt_err("--pcap %s: its folder is not writable (%s)", path,
			strerror(errno));
		return -WGT_EUSAGE;
	}
	return 0;
}

int watch_pcap_open(struct watch_pcap **out, const char *path, uint64_t budget,
		    uint32_t snaplen, struct live *l)
{
	struct watch_pcap *p;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->l = l;
	p->budget = budget;
	p->snaplen = snaplen;
	/* By default headers + 128 bytes of the 256 the kernel copies, as
	 * trace. */
	err = pcap_file_open(&p->pf, path, trace_pcap_kernel_snaplen(snaplen));
	if (!err && fflush(p->pf.f)) {
		err = -errno;
		wgt_err("cannot write %s: %s", path, strerror(-err));
		pcap_file_close(&p->pf);
	}
	if (err) {
		free(p);
		return err;
	}
	*out = p;
	return 0;
}

/* The sample a packet record follows: same CPU, same timestamp. */
static const struct wgt_event *sample_of(const struct watch_pcap *p,
					 const struct wgt_pkt *k)
{
	size_t i, n = p->n_recent < WATCH_PCAP_RECENT ? p->n_recent
						      : WATCH_PCAP_RECENT;

	for (i = 1; i <= n; i++) {
		const struct wgt_event *e =
		    &p->recent[(p->n_recent - i) % WATCH_PCAP_RECENT];

		if (e->cpu == k->cpu && e->ts_ns == k->ts_ns)
			return e;
	}
	return NULL;
}

/* Is this sample's verdict one a finding is made of? */
static bool finding_verdict(struct watch_pcap *p, const struct wgt_event *e)
{
	struct wgt_count_key key = {.verdict = e->verdict,
				    .ifindex = e->ifindex,
				    .location = e->location};

	if (e->verdict >= WGT_V_KERNEL_REASON)
		return live_is_no_forward(p->l, &key);
	return e->verdict != WGT_V_NONE && e->verdict != WGT_V_TX_PEER;
}

/* The hook that counted a verdict, as the loader chose it. */
static const char *hook_of(const struct watch_pcap *p, uint32_t verdict)
{
	const struct loader *ld = p->l->ld;
	enum wgt_fact f;

	switch (verdict) {
	case WGT_V_SRC_REJECTED:
		f = LF_WG_RX_SRC;
		break;
	case WGT_V_RPF_DROP:
		f = LF_RPF;
		break;
	case WGT_V_MTU_DROP:
		f = LF_MTU;
		break;
	case WGT_V_NO_PEER:
		f = LF_WG_TX_PEER;
		break;
	case WGT_V_NO_ENDPOINT:
		f = loader_fact_used(ld, LF_WG_XMIT) ? LF_WG_XMIT
						     : LF_WG_TX_PEER;
		break;
	case WGT_V_ROUTE_BYPASS:
		f = LF_BYPASS;
		break;
	case WGT_V_OUTER_FRAGMENTED:
		f = LF_OUTER_FRAG;
		break;
	default:
		f = LF_DROPS;
		break;
	}
	return ld->hook[f][0] ? ld->hook[f] : "?";
}

static const char *dev_name(const struct watch_pcap *p, int ifindex, char *buf,
			    size_t len)
{
	const struct inv_link *k = inv_link_by_index(p->l->inv, ifindex);

	/* pcapng comments are UTF-8; a device name need not be. */
	if (k)
		utf8_clean(k->name, buf, len);
	else
		snprintf(buf, len, "if%d", ifindex);
	return buf;
}

static const char *reason_name(const struct drop_reasons *dr, uint32_t r,
			       char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < dr->n; i++)
		if (dr->values[i] == r)
			return dr->names[i];
	snprintf(buf, len, "%u", r);
	return buf;
}

/*
 * "hook=... DEV; peer=...; verdict=...; ktime=...", and what else the sample
 * knows: the drop reason, the MTU exceeded, the device a bypass left by.
 */
static void comment_of(struct watch_pcap *p, const struct wgt_pkt *k,
		       const struct wgt_event *e, char *buf, size_t len)
{
	const struct drop_reasons *dr = &p->l->ld->env.reasons;
	char key[WG_KEY_B64_LEN], v[64], dev[UTF8_CLEAN_SIZE(IF_NAMESIZE)];
	size_t n;

	n = snprintf(buf, len, "hook=%s %s", hook_of(p, e->verdict),
		     dev_name(p, k->ifindex, dev, sizeof(dev)));
	if ((e->flags & WGT_EVF_PEER) && n < len) {
		wg_key_to_b64(key, e->peer);
		n += snprintf(buf + n, len - n, "; peer=%s", key);
	}
	if ((e->flags & WGT_EVF_PEER2) && n < len) {
		wg_key_to_b64(key, e->peer2);
		n += snprintf(buf + n, len - n, "; source owner=%s", key);
	}
	if (n < len)
		n += snprintf(buf + n, len - n, "; verdict=%s",
			      e->verdict == WGT_V_NONE
				  ? "?"
				  : verdict_name(e->verdict, dr, v, sizeof(v)));
	if (e->reason && n < len)
		n += snprintf(buf + n, len - n, "; drop reason %s",
			      reason_name(dr, e->reason, v, sizeof(v)));
	if (e->mtu && n < len)
		n += snprintf(buf + n, len - n, "; mtu=%u", e->mtu);
	if (e->verdict == WGT_V_ROUTE_BYPASS && e->oif && n < len)
		n += snprintf(buf + n, len - n, "; left by %s",
			      dev_name(p, e->oif, dev, sizeof(dev)));
	if (n < len)
		snprintf(buf + n, len - n, "; ktime=%llu",
			 (unsigned long long)k->ts_ns);
}

static void write_packet(struct watch_pcap *p, const struct wgt_pkt *k)
{
	const struct wgt_event *e = sample_of(p, k);
	char comment[512];
	uint32_t caplen;
	int err;

	if (p->err || !e || !finding_verdict(p, e))
		return;
	if (p->written >= p->budget) {
		p->over_budget++;
		return;
	}
	comment_of(p, k, e, comment, sizeof(comment));
	caplen = k->caplen > WGT_PKT_MAX ? WGT_PKT_MAX : k->caplen;
	if (!p->snaplen)
		caplen = trace_pcap_default_caplen(k);
	err = pcap_file_packet(&p->pf, p->l->inv, k, caplen, comment);
	if (err == -ENOSPC) {
		/* More devices than interface blocks: that packet only. */
		p->failed++;
		return;
	}
	/* Samples are few: each is on disk at once, for a reader while
	 * watch runs and after a kill. */
	if (!err && fflush(p->pf.f))
		err = -errno;
	if (err) {
		p->err = err;
		p->failed++;
		return;
	}
	p->written++;
}

int watch_pcap_on_event(void *ctx, void *data, size_t len)
{
	struct watch_pcap *p = ctx;
	const struct wgt_event *e = data;

	/* Packet records share the ring; type is at one offset in both. */
	if (len >= sizeof(struct wgt_pkt) && e->type == WGT_EV_PKT) {
		write_packet(p, data);
		return 0;
	}
	if (len >= sizeof(*e) && e->type == WGT_EV_SAMPLE)
		p->recent[p->n_recent++ % WATCH_PCAP_RECENT] = *e;
	return live_on_event(p->l, data, len);
}

void watch_pcap_json(const struct watch_pcap *p, struct json_object *sum)
{
	jadd_int(sum, "pcap_packets", p->written);
	jadd_int(sum, "pcap_over_budget", p->over_budget);
}

int watch_pcap_close(struct watch_pcap *p, const char *path)
{
	char more[96];
	int err;

	if (!p)
		return 0;
	snprintf(
	    more, sizeof(more), "; %llu over the budget of %llu not written",
	    (unsigned long long)p->over_budget, (unsigned long long)p->budget);
	err =
	    pcap_file_finish(&p->pf, path, p->err, p->written, p->failed, more);
	free(p);
	return err;
}
