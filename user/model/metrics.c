// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/common.h"
#include "model/metrics.h"
#include "base/output.h"
#include "model/verdict.h"

/* Families are compared by pointer: one object per name. */
static const char F_DROPS[] = "wgtrace_drops_total";
static const char F_WRONG[] = "wgtrace_wrong_turns_total";
static const char F_DECISIONS[] = "wgtrace_route_decisions_total";

int metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->s = calloc(METRICS_MAX_SERIES, sizeof(*m->s));
	m->folded = calloc(LIVE_MAX_ENTRIES, sizeof(*m->folded));
	if (!m->s || !m->folded) {
		metrics_free(m);
		return -ENOMEM;
	}
	m->n_folded = LIVE_MAX_ENTRIES;
	return 0;
}

void metrics_free(struct metrics *m)
{
	free(m->keys);
	free(m->s);
	free(m->folded);
	memset(m, 0, sizeof(*m));
}

static void add(struct metrics *m, const char *family, const char *l1,
		const char *l2, const char *l3, uint64_t delta)
{
	struct metric_series *s;
	size_t i;

	for (i = 0; i < m->n; i++) {
		s = &m->s[i];
		if (s->family == family && !strcmp(s->l1, l1) &&
		    !strcmp(s->l2, l2) && !strcmp(s->l3, l3)) {
			s->value += delta;
			return;
		}
	}
	if (m->n >= METRICS_MAX_SERIES) {
		m->dropped++;
		return;
	}
	s = &m->s[m->n++];
	s->family = family;
	snprintf(s->l1, sizeof(s->l1), "%s", l1);
	snprintf(s->l2, sizeof(s->l2), "%s", l2);
	snprintf(s->l3, sizeof(s->l3), "%s", l3);
	s->value = delta;
}

/* The device name, remembered: a deleted device keeps its series' name. */
static const char *ifname(struct metrics *m, const struct live *l,
			  uint32_t ifindex)
{
	const struct inv_link *k = inv_link_by_index(l->inv, ifindex);

	if (!ifindex)
		return "";
	if (k) {
		if (ifindex < ARRAY_SIZE(m->ifname_cache))
			snprintf(m->ifname_cache[ifindex], IF_NAMESIZE, "%s",
				 k->name);
		return k->name;
	}
	if (ifindex < ARRAY_SIZE(m->ifname_cache) &&
	    m->ifname_cache[ifindex][0])
		return m->ifname_cache[ifindex];
	return "unknown";
}

bool metrics_parse_peer_labels(const char *s, enum metrics_peer_labels *out)
{
	static const char *const names[] = {
	    [METRICS_PEERS_ALL] = "all",
	    [METRICS_PEERS_NAMED] = "named",
	    [METRICS_PEERS_NONE] = "none",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return true;
		}
	return false;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, WG_KEY_LEN_RAW);
}

/* The configured peers, sorted once per update: 20,000 peers cost a sort,
 * not a scan per counter. */
static void index_peers(struct metrics *m, const struct live *l)
{
	size_t i, j, n = 0;
	void *grown;

	for (i = 0; i < l->inv->n_wg; i++)
		n += l->inv->wg[i].n_peers;
	if (n > m->cap_keys) {
		grown = realloc(m->keys, n * sizeof(*m->keys));
		/* Out of memory: keep the last index rather than none (an
		 * empty one would expire every peer's series). */
		if (!grown)
			return;
		m->keys = grown;
		m->cap_keys = n;
	}
	m->n_keys = 0;
	for (i = 0; i < l->inv->n_wg; i++)
		for (j = 0; j < l->inv->wg[i].n_peers; j++)
			memcpy(m->keys[m->n_keys++],
			       l->inv->wg[i].peers[j].pubkey, WG_KEY_LEN_RAW);
	if (m->n_keys)
		qsort(m->keys, m->n_keys, sizeof(*m->keys), key_cmp);
}

static bool peer_configured(const struct metrics *m, const uint8_t *key)
{
	return m->n_keys &&
	       bsearch(key, m->keys, m->n_keys, sizeof(*m->keys), key_cmp);
}

/* A configured peer's base64 key, "unknown" otherwise, "" for none or
 * where --peer-label leaves it out. */
static void peer_label(const struct metrics *m, const struct live *l,
		       const uint8_t *key, char *out)
{
	static const uint8_t zero[WG_KEY_LEN_RAW];

	out[0] = '\0';
	if (!memcmp(key, zero, WG_KEY_LEN_RAW) ||
	    m->peer_labels == METRICS_PEERS_NONE)
		return;
	if (!peer_configured(m, key)) {
		snprintf(out, WG_KEY_B64_LEN, "unknown");
		return;
	}
	if (m->peer_labels == METRICS_PEERS_NAMED &&
	    !(l->intent && intent_name_of(l->intent, key)))
		return;
	wg_key_to_b64(out, key);
}

/*
 * Series of a peer removed from the configuration go after a while: a
 * gateway whose peers come and go must not grow its exposition forever.
 * The while lets a peer that is re-added at once keep its series.
 */
static void expire_peers(struct metrics *m)
{
	uint64_t now = monotonic_ns() / NSEC_PER_SEC;
	uint64_t after =
	    m->peer_expire_s ? m->peer_expire_s : METRICS_PEER_EXPIRE_S;
	uint8_t key[WG_KEY_LEN_RAW];
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct metric_series *s = &m->s[i];

		if (!wg_key_from_b64(key, s->l3) || peer_configured(m, key)) {
			s->gone_since = 0;
			continue;
		}
		if (!s->gone_since) {
			s->gone_since = now;
			continue;
		}
		if (now - s->gone_since < after)
			continue;
		m->s[i--] = m->s[--m->n];
	}
}

void metrics_update(struct metrics *m, struct live *l)
{
	const struct drop_reasons *dr = &l->ld->env.reasons;
	char reason[64], peer[WG_KEY_B64_LEN];
	size_t i;

	index_peers(m, l);
	for (i = 0; i < l->n && i < m->n_folded; i++) {
		const struct live_entry *e = &l->e[i];
		const struct verdict_info *vi = verdict_info(e->key.verdict);
		const char *dev = ifname(m, l, e->key.ifindex);
		uint64_t delta;

		/* An evicted and re-added key restarts at zero: count anew. */
		if (e->packets < m->folded[i])
			m->folded[i] = 0;
		delta = e->packets - m->folded[i];
		m->folded[i] = e->packets;
		if (!delta)
			continue;
		peer_label(m, l, e->key.peer, peer);
		if (e->key.verdict == WGT_V_TX_PEER) {
			add(m, F_DECISIONS, dev, "", peer, delta);
			continue;
		}
		if (e->key.verdict >= WGT_V_KERNEL_REASON) {
			if (live_own_drop(l, e->key.location))
				continue;
			if (live_is_no_forward(l, &e->key)) {
				add(m, F_DROPS, "no_forward", dev, "", delta);
				add(m, F_WRONG, "no_forward", dev, "", delta);
				continue;
			}
			add(m, F_DROPS,
			    verdict_name(e->key.verdict, dr, reason,
					 sizeof(reason)),
			    dev, "", delta);
			continue;
		}
		if (!vi)
			continue;
		if (vi->is_drop)
			add(m, F_DROPS, vi->id, dev, peer, delta);
		add(m, F_WRONG, vi->id, dev, peer, delta);
	}
	if (l->n_changes > m->route_changes) {
		add(m, F_WRONG, "route_changed", "", "",
		    l->n_changes - m->route_changes);
		m->route_changes = l->n_changes;
	}
	expire_peers(m);
}

const char *metrics_escape(const char *in, char *buf, size_t len)
{
	char clean[1024];
	const char *p;
	size_t o = 0, n;

	if (!len)
		return buf;
	/* Label values must be UTF-8: invalid bytes become \xHH first,
	 * the same text JSON and text output show for them. */
	utf8_clean(in, clean, sizeof(clean));
	for (p = clean; *p; p += n) {
		unsigned char c = *p;

		/* Whole characters only: a cut sequence is invalid UTF-8. */
		n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (c == '\\' || c == '"') {
			if (o + 2 >= len)
				break;
			buf[o++] = '\\';
			buf[o++] = c;
		} else {
			if (o + n >= len)
				break;
			memcpy(buf + o, p, n);
			o += n;
		}
	}
	buf[o] = '\0';
	return buf;
}

struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += n;
			return;
		}
		o->cap = (o->cap + n) * 2;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf) {
			o->failed = true;
			return;
		}
	}
}

/* OpenMetrics names a counter family without _total; Prometheus with. */
static void header(struct out *o, enum metrics_format fmt, const char *name,
		   const char *type, const char *help)
{
	size_t n = strlen(name);
	bool strip = fmt == METRICS_OPENMETRICS && !strcmp(type, "counter") &&
		     n > 6 && !strcmp(name + n - 6, "_total");

	put(o, "# HELP %.*s %s\n", (int)(strip ? n - 6 : n), name, help);
	put(o, "# TYPE %.*s %s\n", (int)(strip ? n - 6 : n), name, type);
}

static void series3(struct out *o, const struct metrics *m, const char *family,
		    const char *k1, const char *k2, const char *k3)
{
	char a[256], b[256], c[256];
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct metric_series *s = &m->s[i];

		if (s->family != family)
			continue;
		put(o, "%s{%s=\"%s\",%s=\"%s\",%s=\"%s\"} %llu\n", family, k1,
		    metrics_escape(s->l1, a, sizeof(a)), k2,
		    metrics_escape(s->l2, b, sizeof(b)), k3,
		    metrics_escape(s->l3, c, sizeof(c)),
		    (unsigned long long)s->value);
	}
}

/*
 * A peer's AllowedIPs as one label value, bounded: a peer may hold thousands
 * of prefixes and a label that long makes every scrape heavy. What does not
 * fit is counted, ",+N more", never cut silently: a reader must not take a
 * shortened list for the whole.
 */
static void allowed_label(const struct wg_peer_info *p, char *buf, size_t len)
{
	/* Room kept for ",+4294967295 more". */
	const size_t tail = 24;
	char c[WGT_ADDR_STRLEN + 8];
	size_t used = 0, k;
	int n;

	buf[0] = '\0';
	for (k = 0; k < p->n_allowed; k++) {
		prefix_fmt(&p->allowed[k], c, sizeof(c));
		if (used + strlen(c) + 1 + tail >= len)
			break;
		n = snprintf(buf + used, len - used, "%s%s", k ? "," : "", c);
		used += n;
	}
	if (k < p->n_allowed)
		snprintf(buf + used, len - used, "%s+%zu more", k ? "," : "",
			 p->n_allowed - k);
}

/* Resident memory and CPU time of this process, from /proc/self/stat. */
static void process_metrics(struct out *o, enum metrics_format fmt,
			    double start_time)
{
	long page = sysconf(_SC_PAGESIZE), tck = sysconf(_SC_CLK_TCK);
	unsigned long utime = 0, stime = 0;
	long rss = 0;
	char buf[1024], *p;
	FILE *f;

	f = fopen("/proc/self/stat", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
			sscanf(p + 2,
			       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			       "%lu %lu"
			       " %*d %*d %*d %*d %*d %*d %*u %*u %ld",
			       &utime, &stime, &rss);
		fclose(f);
	}
	header(o, fmt, "process_start_time_seconds", "gauge",
	       "Start time of the process since the Unix epoch in seconds.");
	put(o, "process_start_time_seconds %.3f\n", start_time);
	header(o, fmt, "process_resident_memory_bytes", "gauge",
	       "Resident memory size in bytes.");
	put(o, "process_resident_memory_bytes %ld\n", rss * page);
	header(o, fmt, "process_cpu_seconds_total", "counter",
	       "Total user and system CPU time spent in seconds.");
	put(o, "process_cpu_seconds_total %.2f\n",
	    tck > 0 ? (double)(utime + stime) / tck : 0.0);
}

char *metrics_render(const struct metrics *m, const struct live *l,
		     enum metrics_format fmt, double start_time)
{
	struct out o = {0};
	char a[256], b[256], d[512], e[512], g[256];
	size_t i, j;
	int f;

	header(&o, fmt, F_DROPS, "counter",
	       "Packets dropped, by reason (wgtrace verdict or "
	       "kernel_<DROP_REASON>), device and peer.");
	series3(&o, m, F_DROPS, "reason", "interface", "peer");
	header(&o, fmt, F_DECISIONS, "counter",
	       "Packets WireGuard sent to each peer (table is empty: the TX "
	       "hook does not see it).");
	for (i = 0; i < m->n; i++) {
		const struct metric_series *s = &m->s[i];

		if (s->family != F_DECISIONS)
			continue;
		put(&o, "%s{interface=\"%s\",table=\"\",peer=\"%s\"} %llu\n",
		    F_DECISIONS, metrics_escape(s->l1, a, sizeof(a)),
		    metrics_escape(s->l3, b, sizeof(b)),
		    (unsigned long long)s->value);
	}
	header(&o, fmt, F_WRONG, "counter",
	       "Packets (or route changes) that took a wrong turn, by verdict, "
	       "device and peer.");
	series3(&o, m, F_WRONG, "verdict", "interface", "peer");

	header(&o, fmt, "wgtrace_events_total", "counter",
	       "Example-flow events delivered by the kernel.");
	put(&o, "wgtrace_events_total %llu\n",
	    (unsigned long long)loader_stat(l->ld, WGT_STAT_EVENTS));
	header(&o, fmt, "wgtrace_events_lost_total", "counter",
	       "Example-flow events lost because the ring buffer was full.");
	put(&o, "wgtrace_events_lost_total %llu\n",
	    (unsigned long long)loader_stat(l->ld, WGT_STAT_EVENTS_LOST));
	header(&o, fmt, "wgtrace_series_dropped_total", "counter",
	       "Series (or kernel counter keys) not exported because a bound "
	       "was reached.");
	put(&o, "wgtrace_series_dropped_total %llu\n",
	    (unsigned long long)(m->dropped + l->entries_dropped));

	header(&o, fmt, "wgtrace_hook_info", "gauge",
	       "How each fact is observed on this kernel (mode: fentry, "
	       "kprobe, tracepoint, tc, inventory, unavailable).");
	for (f = 0; f < LF__COUNT; f++)
		if (loader_fact_used(l->ld, f))
			put(&o,
			    "wgtrace_hook_info{hook=\"%s\",mode=\"%s\"} 1\n",
			    loader_fact_name(f), wgt_mode_name(l->ld->mode[f]));

	header(&o, fmt, "wgtrace_peer_info", "gauge",
	       "Configured WireGuard peers (name: from --peer-names, else "
	       "empty).");
	for (i = 0; m->peer_labels != METRICS_PEERS_NONE && i < l->inv->n_wg;
	     i++) {
		const struct wg_device_info *dev = &l->inv->wg[i];

		for (j = 0; j < dev->n_peers; j++) {
			const struct wg_peer_info *p = &dev->peers[j];
			char key[WG_KEY_B64_LEN], ep[WGT_ADDR_STRLEN + 8] = "";
			const char *name;

			wg_key_to_b64(key, p->pubkey);
			if (p->has_endpoint) {
				char ab[WGT_ADDR_STRLEN];

				snprintf(ep, sizeof(ep),
					 p->endpoint.family == AF_INET6
					     ? "[%s]:%u"
					     : "%s:%u",
					 addr_fmt(&p->endpoint, ab, sizeof(ab)),
					 p->endpoint_port);
			}
			allowed_label(p, d, sizeof(d));
			name = l->intent ? intent_name_of(l->intent, p->pubkey)
					 : NULL;
			if (!name && m->peer_labels == METRICS_PEERS_NAMED)
				continue;
			put(&o,
			    "wgtrace_peer_info{interface=\"%s\",peer=\"%s\","
			    "name=\"%s\",endpoint=\"%s\",allowed_ips=\"%s\"} "
			    "1\n",
			    metrics_escape(dev->name, a, sizeof(a)), key,
			    metrics_escape(name ? name : "", g, sizeof(g)),
			    metrics_escape(ep, b, sizeof(b)),
			    metrics_escape(d, e, sizeof(e)));
		}
	}
	header(&o, fmt, "wgtrace_build_info", "gauge", "wgtrace version.");
	put(&o, "wgtrace_build_info{version=\"%s\"} 1\n", WGTRACE_VERSION);
	process_metrics(&o, fmt, start_time);
	if (fmt == METRICS_OPENMETRICS)
		put(&o, "# EOF\n");
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
