// SPDX-License-Identifier: GPL-2.0
/* Findings: the struct, its text and JSON renderings, and check's decisions. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "base/common.h"
#include "model/finding.h"
#include "base/output.h"

/* Strictly below 80 columns, so a terminal never wraps a line itself. */
#define TEXT_WIDTH 79

static const char *const sev_names[SEV_COUNT] = {
    [SEV_INFO] = "info",
    [SEV_WARNING] = "warning",
    [SEV_ERROR] = "error",
};

const char *severity_name(enum wgt_severity sev)
{
	return sev < SEV_COUNT ? sev_names[sev] : "?";
}

bool severity_parse(const char *s, enum wgt_severity *out)
{
	int i;

	for (i = 0; s && i < SEV_COUNT; i++) {
		if (!strcmp(s, sev_names[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}

void finding_text(char *field, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(field, size, fmt, ap);
	va_end(ap);
}

void finding_object(struct finding *f, const char *key, const char *fmt, ...)
{
	struct finding_object *o;
	va_list ap;

	if (f->n_objects >= FINDING_MAX_OBJECTS)
		return;
	o = &f->objects[f->n_objects++];
	snprintf(o->key, sizeof(o->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(o->val, sizeof(o->val), fmt, ap);
	va_end(ap);
}

const char *finding_peer_label(const struct finding *f)
{
	return f->peer_name[0] ? f->peer_name : f->peer;
}

static void example_fmt(const struct finding_example *e, char *buf, size_t len)
{
	char src[WGT_ADDR_STRLEN + 8], dst[WGT_ADDR_STRLEN + 8], p[8];
	size_t used = 0;

	endpoint_fmt(&e->dst, e->dport, dst, sizeof(dst));
	if (e->proto)
		used += snprintf(buf + used, len - used, "%s ",
				 ip_proto_name(e->proto, p, sizeof(p)));
	if (used < len && e->src.family)
		used += snprintf(
		    buf + used, len - used, "%s -> %s",
		    endpoint_fmt(&e->src, e->sport, src, sizeof(src)), dst);
	else if (used < len)
		used += snprintf(buf + used, len - used, "to %s", dst);
	if (used < len && e->mark)
		snprintf(buf + used, len - used, ", mark 0x%x", e->mark);
}

/*
 * Print text after an indented label, breaking at spaces so no line is
 * longer than TEXT_WIDTH; continuation lines start below the text's first
 * column, so the labels stay a column of their own. A word longer than a
 * line (a base64 key after a long name) gets a line of its own.
 */
static void print_wrapped(FILE *out, const char *label, const char *text,
			  int indent)
{
	char clean[UTF8_CLEAN_SIZE(512)];
	const char *p = utf8_clean(text, clean, sizeof(clean));
	int col, start;

	col = fprintf(out, "%*s%s", indent, "", label);
	start = col;
	while (*p) {
		const char *w = p;
		int n;

		while (*w == ' ')
			w++;
		if (!*w)
			break;
		n = strcspn(w, " ");
		if (col > start && col + 1 + n > TEXT_WIDTH) {
			fprintf(out, "\n%*s", start, "");
			col = start;
		} else if (col > start) {
			fputc(' ', out);
			col++;
		}
		fwrite(w, 1, n, out);
		col += n;
		p = w + n;
	}
	fputc('\n', out);
}

static const char *sev_colour(enum wgt_severity sev)
{
	switch (sev) {
	case SEV_ERROR:
		return C_RED;
	case SEV_WARNING:
		return C_YELLOW;
	default:
		return C_BOLD;
	}
}

void finding_print(FILE *out, const struct finding *f, bool color)
{
	const char *sev = severity_name(f->severity);
	char line[256], ex[160], name[UTF8_CLEAN_SIZE(sizeof(f->interface))];
	size_t i;

	/* Upper case, so the severity stands out without colour too. */
	for (i = 0; sev[i] && i < sizeof(line) - 1; i++)
		line[i] = (char)(sev[i] - 'a' + 'A');
	line[i] = '\0';
	if (color)
		fprintf(out, "%s%s%s", sev_colour(f->severity), line, C_RESET);
	else
		fputs(line, out);
	fprintf(out, " %s", f->id);
	if (f->interface[0])
		fprintf(out, " on %s",
			utf8_clean(f->interface, name, sizeof(name)));
	if (f->count > 1)
		fprintf(out, " (%llu times)", (unsigned long long)f->count);
	fputc('\n', out);

	if (f->message[0])
		print_wrapped(out, "", f->message, 2);
	if (f->peer[0]) {
		if (f->peer_name[0])
			snprintf(line, sizeof(line), "%s (%s)", f->peer_name,
				 f->peer);
		else
			snprintf(line, sizeof(line), "%s", f->peer);
		print_wrapped(out, "peer:     ", line, 2);
	}
	if (f->has_example) {
		example_fmt(&f->example, ex, sizeof(ex));
		print_wrapped(out, "example:  ", ex, 2);
	}
	if (f->expected[0])
		print_wrapped(out, "expected: ", f->expected, 2);
	if (f->actual[0])
		print_wrapped(out, "actual:   ", f->actual, 2);
	if (f->hint[0])
		print_wrapped(out, "fix:      ", f->hint, 2);
}

static struct json_object *example_json(const struct finding_example *e)
{
	struct json_object *o = json_object_new_object();
	char p[8];

	jadd_addr(o, "src", &e->src);
	jadd_addr(o, "dst", &e->dst);
	jadd_str(o, "proto",
		 e->proto ? ip_proto_name(e->proto, p, sizeof(p)) : NULL);
	/* Ports and mark only when known: the JSON contract omits unknown ones.
	 */
	if (e->sport)
		jadd_int(o, "sport", e->sport);
	if (e->dport)
		jadd_int(o, "dport", e->dport);
	if (e->mark)
		jadd_int(o, "mark", e->mark);
	return o;
}

/* "" means unknown here; JSON says so with null rather than "". */
static void jadd_opt(struct json_object *o, const char *key, const char *s)
{
	jadd_str(o, key, s && s[0] ? s : NULL);
}

struct json_object *finding_to_json(const struct finding *f)
{
	struct json_object *o = json_object_new_object();
	struct json_object *objs = json_object_new_object();
	unsigned int i;

	jadd_str(o, "type", "finding");
	jadd_str(o, "finding", f->id);
	jadd_str(o, "severity", severity_name(f->severity));
	jadd_int(o, "count", (long long)f->count);
	jadd_opt(o, "interface", f->interface);
	jadd_opt(o, "peer", f->peer);
	jadd_opt(o, "peer_name", f->peer_name);
	jadd_opt(o, "message", f->message);
	for (i = 0; i < f->n_objects; i++)
		jadd_str(objs, f->objects[i].key, f->objects[i].val);
	json_object_object_add(o, "objects", objs);
	json_object_object_add(
	    o, "example", f->has_example ? example_json(&f->example) : NULL);
	jadd_opt(o, "expected", f->expected);
	jadd_opt(o, "actual", f->actual);
	jadd_opt(o, "hint", f->hint);
	jadd_opt(o, "mode", f->mode);
	return o;
}

struct finding *finding_add(struct finding_list *l, const char *id,
			    enum wgt_severity sev, const char *mode)
{
	struct finding *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct finding *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	f = &l->v[l->n];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->severity = sev;
	f->count = 1;
	f->mode = mode;
	f->seq = l->n++;
	return f;
}

static int finding_cmp(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	int r;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	r = strcmp(a->id, b->id);
	if (r)
		return r;
	r = strcmp(a->interface, b->interface);
	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void finding_list_sort(struct finding_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), finding_cmp);
}

void finding_list_free(struct finding_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void finding_count(const struct finding_list *l, struct finding_counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < l->n; i++) {
		if (l->v[i].severity < SEV_COUNT)
			c->by_sev[l->v[i].severity]++;
		c->total++;
	}
}

int finding_exit_status(const struct finding_counts *c,
			enum wgt_severity fail_on)
{
	int s;

	for (s = fail_on; s < SEV_COUNT; s++)
		if (c->by_sev[s])
			return WGT_EXIT_FAIL;
	return WGT_EXIT_OK;
}

const char *finding_counts_fmt(const struct finding_counts *c, char *buf,
			       size_t len)
{
	snprintf(buf, len, "%zu error%s, %zu warning%s, %zu info",
		 c->by_sev[SEV_ERROR], c->by_sev[SEV_ERROR] == 1 ? "" : "s",
		 c->by_sev[SEV_WARNING], c->by_sev[SEV_WARNING] == 1 ? "" : "s",
		 c->by_sev[SEV_INFO]);
	return buf;
}

struct json_object *finding_summary_json(const struct finding_counts *c)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "type", "summary");
	jadd_int(o, "findings", (long long)c->total);
	jadd_int(o, "error", (long long)c->by_sev[SEV_ERROR]);
	jadd_int(o, "warning", (long long)c->by_sev[SEV_WARNING]);
	jadd_int(o, "info", (long long)c->by_sev[SEV_INFO]);
	return o;
}

/* ---- Pure decisions behind `check` ---------------------------------- */

/* The last address of p. */
static void prefix_last(const struct wgt_prefix *p, struct wgt_addr *out)
{
	int i, bits = addr_bits(p->addr.family);

	*out = p->addr;
	for (i = p->len; i < bits; i++)
		out->b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/* a + 1; false when a was the last address of its family. */
static bool addr_next(struct wgt_addr *a)
{
	int i;

	for (i = addr_bytes(a->family) - 1; i >= 0; i--)
		if (++a->b[i])
			return true;
	return false;
}

static bool covered(const struct wgt_addr *a, const struct wgt_prefix *excl,
		    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&excl[i], a))
			return true;
	return false;
}

static bool usable(const struct wgt_prefix *p, const struct wgt_addr *a,
		   const struct wgt_prefix *excl, size_t n)
{
	return prefix_contains(p, a) && !covered(a, excl, n);
}

bool sample_outside(const struct wgt_prefix *p, const struct wgt_prefix *excl,
		    size_t n_excl, const struct wgt_addr *prefer,
		    size_t n_prefer, struct wgt_addr *out)
{
	struct wgt_addr a;
	size_t i;

	for (i = 0; i < n_prefer; i++) {
		if (usable(p, &prefer[i], excl, n_excl)) {
			*out = prefer[i];
			return true;
		}
	}
	prefix_sample_addr(p, &a);
	if (usable(p, &a, excl, n_excl)) {
		*out = a;
		return true;
	}
	for (i = 0; i < n_excl; i++) {
		prefix_last(&excl[i], &a);
		if (addr_next(&a) && usable(p, &a, excl, n_excl)) {
			*out = a;
			return true;
		}
	}
	/* Only p's network address left: still a valid destination. */
	if (usable(p, &p->addr, excl, n_excl)) {
		*out = p->addr;
		return true;
	}
	return false;
}

size_t prefix_outermost(struct wgt_prefix *v, size_t n)
{
	size_t i, kept = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), prefix_qsort_cmp);
	/* Sorted, a covering prefix comes right before what it covers. */
	for (i = 0; i < n; i++)
		if (!kept || !prefix_covers(&v[kept - 1], &v[i]))
			v[kept++] = v[i];
	return kept;
}

static bool starts_at_or_before(const void *p, const void *a)
{
	return addr_cmp(&((const struct wgt_prefix *)p)->addr, a) <= 0;
}

/* The last prefix of excl starting at or before a; n if none. */
static size_t sorted_at(const struct wgt_prefix *excl, size_t n,
			const struct wgt_addr *a)
{
	size_t i =
	    sorted_partition(excl, n, sizeof(*excl), a, starts_at_or_before);

	return i ? i - 1 : n;
}

static bool sorted_usable(const struct wgt_prefix *p,
			  const struct wgt_prefix *excl, size_t n,
			  const struct wgt_addr *a)
{
	size_t i = sorted_at(excl, n, a);

	return prefix_contains(p, a) &&
	       (i == n || !prefix_contains(&excl[i], a));
}

bool sample_outside_sorted(const struct wgt_prefix *p,
			   const struct wgt_prefix *excl, size_t n_excl,
			   const struct wgt_addr *prefer, size_t n_prefer,
			   struct wgt_addr *out)
{
	struct wgt_addr a;
	size_t i;

	for (i = 0; i < n_prefer; i++) {
		if (sorted_usable(p, excl, n_excl, &prefer[i])) {
			*out = prefer[i];
			return true;
		}
	}
	prefix_sample_addr(p, &a);
	/* From the first host up, over each excluded prefix in its way. */
	i = sorted_at(excl, n_excl, &a);
	if (i == n_excl)
		i = 0;
	for (; i < n_excl && prefix_contains(p, &a); i++) {
		if (addr_cmp(&excl[i].addr, &a) > 0)
			break;
		if (!prefix_contains(&excl[i], &a))
			continue;
		prefix_last(&excl[i], &a);
		if (!addr_next(&a))
			break;
	}
	if (sorted_usable(p, excl, n_excl, &a)) {
		*out = a;
		return true;
	}
	if (sorted_usable(p, excl, n_excl, &p->addr)) {
		*out = p->addr;
		return true;
	}
	return false;
}

static bool holds_ours(const struct wgt_prefix *p, const struct inv_addr *addrs,
		       size_t n_addrs)
{
	size_t i;

	for (i = 0; i < n_addrs; i++)
		if (prefix_contains(p, &addrs[i].local))
			return true;
	return false;
}

const struct wgt_prefix *peer_network(const struct wg_device_info *dev,
				      int family, const struct inv_addr *addrs,
				      size_t n_addrs, size_t *peer)
{
	size_t i, j;

	for (i = 0; i < dev->n_peers; i++) {
		const struct wg_peer_info *p = &dev->peers[i];

		for (j = 0; j < p->n_allowed; j++) {
			const struct wgt_prefix *a = &p->allowed[j];

			if (a->addr.family != family || a->len == 0 ||
			    a->len == addr_bits(family) ||
			    holds_ours(a, addrs, n_addrs))
				continue;
			if (peer)
				*peer = i;
			return a;
		}
	}
	return NULL;
}

size_t peer_hosts(const struct wg_device_info *dev, int family,
		  const struct inv_addr *addrs, size_t n_addrs)
{
	size_t i, j, n = 0;

	for (i = 0; i < dev->n_peers; i++) {
		const struct wg_peer_info *p = &dev->peers[i];

		for (j = 0; j < p->n_allowed; j++) {
			const struct wgt_prefix *a = &p->allowed[j];

			if (a->addr.family == family &&
			    a->len == addr_bits(family) &&
			    !holds_ours(a, addrs, n_addrs)) {
				n++;
				break;
			}
		}
	}
	return n;
}

int forward_severity(enum intent_role role, const struct forward_evidence *e)
{
	if (!e->carried || role == INTENT_ROLE_ENDPOINT)
		return -1;
	if (role == INTENT_ROLE_GATEWAY)
		return SEV_ERROR;
	if (e->lan)
		return SEV_WARNING;
	if (e->peer_network || e->peer_hosts >= 2)
		return SEV_INFO;
	return -1;
}

unsigned int wg_overhead(int endpoint_family)
{
	/* IP header (20 or 40) + UDP 8 + WireGuard data header 16 + tag 16. */
	return endpoint_family == AF_INET6 ? 80 : 60;
}

unsigned int mtu_excess(unsigned int wg_mtu, int endpoint_family,
			unsigned int underlay_mtu)
{
	unsigned int need = wg_mtu + wg_overhead(endpoint_family);

	return need > underlay_mtu ? need - underlay_mtu : 0;
}

enum v6_verdict v6_decide(enum route_to v4, enum route_to v6, bool v6_peer,
			  bool v6_addr)
{
	if (v6 == ROUTE_WG) {
		if (!v6_peer)
			return V6_BLACKHOLE_NO_PEER;
		if (!v6_addr)
			return V6_BLACKHOLE_NO_ADDR;
		return V6_OK;
	}
	if (v4 == ROUTE_WG && v6 == ROUTE_OTHER)
		return V6_LEAK;
	return V6_OK;
}

bool rpf_drops(int rp_filter, int in, int rev_oif)
{
	if (rp_filter <= 0)
		return false;
	/* 2 (loose) only wants some route back; 1 wants it via `in`. */
	return !rev_oif || (rp_filter == 1 && rev_oif != in);
}
