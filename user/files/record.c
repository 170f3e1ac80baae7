// SPDX-License-Identifier: GPL-2.0
/*
 * The record format (record.h): written by watch/export with --record,
 * read back by `report`. gzip through zlib, already linked for libbpf, so
 * `zcat FILE | jq` works on any machine; JSON through json-c, as every
 * other JSON wgtrace writes. Each snapshot is flushed with Z_SYNC_FLUSH:
 * a run killed with -9 leaves a file readable up to its last snapshot.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <sys/utsname.h>
#include <json-c/json.h>
#include <zlib.h>

#include "base/common.h"
#include "model/path.h"
#include "files/record.h"
#include "config/wg_inventory.h"

/* A peer's figures as the record last wrote them. */
struct peer_seen {
	int ifindex;
	uint8_t key[WG_KEY_LEN_RAW];
	uint64_t tx;
	int64_t hs;
};

struct record {
	struct record_opts o;
	char *path;
	gzFile gz;
	char *last_inv; /* the inventory line last written */
	char *last_cmp; /* the same without its time */
	char run[64];
	struct json_object *header;
	uint64_t written; /* uncompressed bytes in this file */
	/*
	 * Peers' tx bytes and handshake times as last written, by slot (the
	 * order of the inventory's devices and peers): stale_handshake needs
	 * them, and only the peers that changed are written again.
	 */
	/* As last written, sorted by device and key: wireguard-go lists
	 * the peers in another order at every dump. */
	struct peer_seen *peers;
	size_t n_peers;
	bool all_peers; /* a new file or inventory: write every peer */
	const struct loader *ld;
};

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_i64(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void add_addr(struct json_object *o, const char *k,
		     const struct wgt_addr *a)
{
	char buf[WGT_ADDR_STRLEN];

	if (a->family)
		add_str(o, k, addr_fmt(a, buf, sizeof(buf)));
}

static void add_key(struct json_object *o, const char *k, const uint8_t *key)
{
	char b64[WG_KEY_B64_LEN];

	wg_key_to_b64(b64, key);
	add_str(o, k, b64);
}

/* ---- Writing ------------------------------------------------------------ */

static int write_obj(struct record *r, struct json_object *o)
{
	const char *s =
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s);
	int err = 0;

	if (gzwrite(r->gz, s, n) != (int)n || gzputc(r->gz, '\n') != '\n')
		err = -EIO;
	r->written += n + 1;
	json_object_put(o);
	return err;
}

/* FILE.(keep-1) -> FILE.keep, ..., FILE -> FILE.1: the oldest goes. */
static void rotate_names(const char *path, unsigned int keep)
{
	char from[PATH_MAX], to[PATH_MAX];
	unsigned int i;

	if (!keep) {
		unlink(path);
		return;
	}
	snprintf(to, sizeof(to), "%s.%u", path, keep);
	unlink(to);
	for (i = keep; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", path, i);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", path);
	rename(path, to);
}

struct json_object *record_modes_json(const struct loader *ld)
{
	struct json_object *modes = json_object_new_object();
	int f;

	for (f = 0; f < LF__COUNT; f++)
		if (loader_fact_used(ld, f))
			add_str(modes, loader_fact_name(f),
				wgt_mode_name(ld->mode[f]));
	return modes;
}

static struct json_object *header_new(const struct record *r)
{
	struct json_object *h = json_object_new_object();
	struct utsname u;
	char host[256] = "", t[40];
	int64_t now = wall_ns();
	time_t sec = now / NSEC_PER_SEC;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime(&sec));
	add_str(h, "type", "header");
	add_i64(h, "t", now);
	add_i64(h, "format", RECORD_FORMAT);
	add_str(h, "wgtrace", WGTRACE_VERSION);
	add_str(h, "kernel", u.release);
	add_str(h, "hostname", host);
	add_str(h, "netns", r->o.netns);
	add_str(h, "interface", r->o.only_dev);
	add_str(h, "command", r->o.command);
	add_str(h, "start", t);
	add_str(h, "run", r->run);
	json_object_object_add(h, "modes", record_modes_json(r->ld));
	return h;
}

static int open_file(struct record *r)
{
	struct json_object *h;
	int err;

	/* "wb6": a little less than the default level, for a busy gateway. */
	r->gz = gzopen(r->path, "wb6");
	if (!r->gz)
		return errno ? -errno : -ENOMEM;
	r->written = 0;
	r->all_peers = true;
	h = json_object_get(r->header);
	/* Each file starts with the time it was opened; the run id links them.
	 */
	json_object_object_add(h, "t", json_object_new_int64(wall_ns()));
	err = write_obj(r, h);
	if (!err && r->last_inv &&
	    (gzputs(r->gz, r->last_inv) < 0 || gzputc(r->gz, '\n') != '\n'))
		err = -EIO;
	if (!err && gzflush(r->gz, Z_SYNC_FLUSH) != Z_OK)
		err = -EIO;
	return err;
}

int record_check_path(const char *path)
{
	char copy[PATH_MAX];
	struct stat st;

	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		wgt_err("--record %s: is a folder; give a file name", path);
		return -EISDIR;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	if (access(dirname(copy), W_OK)) {
		int err = -errno;

		wgt_err("--record %s: its folder is not writable (%s)", path,
			strerror(-err));
		return err;
	}
	return 0;
}

int record_open(struct record **out, const struct record_opts *o,
		const struct loader *ld)
{
	struct record *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->o = *o;
	r->ld = ld;
	r->path = strdup(o->path);
	if (!r->path) {
		err = -ENOMEM;
		goto cleanup;
	}
	snprintf(r->run, sizeof(r->run), "%" PRId64 "-%d", wall_ns(),
		 (int)getpid());
	r->header = header_new(r);
	/* A record of an earlier run is evidence: rotate it, never truncate. */
	if (!access(r->path, F_OK))
		rotate_names(r->path, o->keep);
	err = open_file(r);
	if (!err) {
		*out = r;
		return 0;
	}
cleanup:
	if (r->gz)
		gzclose(r->gz);
	json_object_put(r->header);
	free(r->path);
	free(r);
	return err;
}

static int maybe_rotate(struct record *r)
{
	int err;

	if ((uint64_t)gzoffset(r->gz) < r->o.max_size)
		return 0;
	err = gzclose(r->gz) == Z_OK ? 0 : -EIO;
	r->gz = NULL;
	rotate_names(r->path, r->o.keep);
	return open_file(r) ?: err;
}

int record_event(struct record *r, const struct wgt_event *e)
{
	struct json_object *o;
	struct wgt_addr a;

	if (e->type != WGT_EV_SAMPLE)
		return 0;
	o = json_object_new_object();
	add_str(o, "type", "event");
	add_i64(o, "t", wall_ns());
	add_u64(o, "ts_ns", e->ts_ns);
	add_u64(o, "verdict", e->verdict);
	add_u64(o, "ifindex", e->ifindex);
	add_u64(o, "oif", e->oif);
	add_u64(o, "mark", e->mark);
	add_i64(o, "err", e->err);
	add_u64(o, "reason", e->reason);
	add_u64(o, "flags", e->flags);
	add_u64(o, "len", e->len);
	add_u64(o, "mtu", e->mtu);
	if (e->location)
		add_u64(o, "location", e->location);
	if (e->flags & WGT_EVF_PEER)
		add_key(o, "peer", e->peer);
	if (e->flags & WGT_EVF_PEER2)
		add_key(o, "peer2", e->peer2);
	if (e->flow.family == AF_INET || e->flow.family == AF_INET6) {
		add_u64(o, "proto", e->flow.proto);
		flow_addr(&e->flow, false, &a);
		add_addr(o, "src", &a);
		flow_addr(&e->flow, true, &a);
		add_addr(o, "dst", &a);
		add_u64(o, "sport", ntohs(e->flow.sport));
		add_u64(o, "dport", ntohs(e->flow.dport));
	}
	/* The way back as the gateway routes it now: `report` cannot ask. */
	if (e->verdict == WGT_V_RPF_DROP && e->flow.family) {
		struct route_query q = {0};
		struct route_answer ans;
		struct json_object *rev = json_object_new_object();

		flow_addr(&e->flow, false, &q.dst);
		if (route_get(&q, &ans))
			ans.err = -EIO;
		add_i64(rev, "oif", ans.err ? 0 : ans.oif);
		add_i64(rev, "err", ans.err);
		json_object_object_add(o, "rev", rev);
	}
	return write_obj(r, o) ?: maybe_rotate(r);
}

static struct json_object *links_json(const struct inventory *inv)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < inv->n_links; i++) {
		const struct inv_link *k = &inv->links[i];
		struct json_object *o = json_object_new_object();

		add_i64(o, "ifindex", k->ifindex);
		add_str(o, "name", k->name);
		add_str(o, "kind", k->kind);
		add_u64(o, "mtu", k->mtu);
		json_object_object_add(o, "up", json_object_new_boolean(k->up));
		add_i64(o, "forwarding4", k->forwarding4);
		add_i64(o, "forwarding6", k->forwarding6);
		add_i64(o, "rp_filter", k->rp_filter);
		add_i64(o, "src_valid_mark", k->src_valid_mark);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *peer_json(const struct wg_peer_info *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *al = json_object_new_array();
	char b[WGT_PREFIX_STRLEN];
	size_t k;

	add_str(o, "pubkey", p->pubkey_b64[0] ? p->pubkey_b64 : NULL);
	if (!p->pubkey_b64[0])
		add_key(o, "pubkey", p->pubkey);
	if (p->has_endpoint) {
		add_addr(o, "endpoint", &p->endpoint);
		add_u64(o, "endpoint_port", p->endpoint_port);
	}
	for (k = 0; k < p->n_allowed; k++)
		json_object_array_add(al, json_object_new_string(prefix_fmt(
					      &p->allowed[k], b, sizeof(b))));
	json_object_object_add(o, "allowed_ips", al);
	add_u64(o, "keepalive", p->keepalive);
	return o;
}

static struct json_object *wg_json(const struct inventory *inv)
{
	struct json_object *a = json_object_new_array();
	size_t i, j;

	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *d = &inv->wg[i];
		struct json_object *o = json_object_new_object();
		struct json_object *peers = json_object_new_array();

		add_str(o, "name", d->name);
		add_i64(o, "ifindex", d->ifindex);
		add_str(o, "impl", d->impl == WG_IMPL_UAPI ? "uapi" : "kernel");
		add_u64(o, "fwmark", d->fwmark);
		add_u64(o, "listen_port", d->listen_port);
		for (j = 0; j < d->n_peers; j++)
			json_object_array_add(peers, peer_json(&d->peers[j]));
		json_object_object_add(o, "peers", peers);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *routes_json(const struct inventory *inv)
{
	struct json_object *a = json_object_new_array();
	char b[WGT_PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < inv->n_routes; i++) {
		const struct inv_route *rt = &inv->routes[i];
		struct json_object *o = json_object_new_object();

		/* The local table is the addresses again: not needed offline.
		 */
		if (rt->table == 255)
			continue;
		add_u64(o, "table", rt->table);
		add_u64(o, "type", rt->type);
		add_str(o, "dst", prefix_fmt(&rt->dst, b, sizeof(b)));
		add_addr(o, "gateway", &rt->gateway);
		add_i64(o, "oif", rt->oif);
		add_u64(o, "metric", rt->metric);
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * Configuration only: counters and handshake times change every second
 * and would write the inventory every time.
 */
int record_inventory(struct record *r, const struct inventory *inv)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	int err;

	add_str(o, "type", "inventory");
	add_i64(o, "ip_forward", inv->ip_forward);
	add_i64(o, "ip6_forward", inv->ip6_forward);
	json_object_object_add(o, "links", links_json(inv));
	json_object_object_add(o, "wireguard", wg_json(inv));
	json_object_object_add(o, "routes", routes_json(inv));
	/* Compared without its time: only a change of content is written. */
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (r->last_cmp && !strcmp(s, r->last_cmp)) {
		json_object_put(o);
		return 0;
	}
	free(r->last_cmp);
	r->last_cmp = strdup(s);
	add_i64(o, "t", wall_ns());
	free(r->last_inv);
	r->last_inv =
	    strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	if (!r->last_cmp || !r->last_inv) {
		json_object_put(o);
		return -ENOMEM;
	}
	r->all_peers = true;
	err = write_obj(r, o);
	if (!err && gzflush(r->gz, Z_SYNC_FLUSH) != Z_OK)
		err = -EIO;
	return err ?: maybe_rotate(r);
}

static int peer_seen_cmp(const void *a, const void *b)
{
	const struct peer_seen *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return memcmp(x->key, y->key, WG_KEY_LEN_RAW);
}

/* The inventory's peers, sorted for peer_seen_cmp; NULL without memory. */
static struct peer_seen *peers_seen(const struct inventory *inv, size_t *n)
{
	struct peer_seen *v;
	size_t i, j, total = 0;

	for (i = 0; i < inv->n_wg; i++)
		total += inv->wg[i].n_peers;
	v = calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0, *n = 0; i < inv->n_wg; i++) {
		for (j = 0; j < inv->wg[i].n_peers; j++, (*n)++) {
			const struct wg_peer_info *p = &inv->wg[i].peers[j];

			v[*n].ifindex = inv->wg[i].ifindex;
			memcpy(v[*n].key, p->pubkey, WG_KEY_LEN_RAW);
			v[*n].tx = p->tx_bytes;
			v[*n].hs = p->last_handshake_sec;
		}
	}
	qsort(v, *n, sizeof(*v), peer_seen_cmp);
	return v;
}

/* Peers whose tx bytes or handshake changed since the last snapshot. */
static struct json_object *peers_json(struct record *r,
				      const struct inventory *inv)
{
	struct json_object *a = json_object_new_array();
	struct peer_seen *now, *was;
	size_t i, n = 0;

	now = peers_seen(inv, &n);
	for (i = 0; now && i < n; i++) {
		struct json_object *o;

		was = r->all_peers ? NULL
				   : bsearch(&now[i], r->peers, r->n_peers,
					     sizeof(now[i]), peer_seen_cmp);
		if (was && was->tx == now[i].tx && was->hs == now[i].hs)
			continue;
		o = json_object_new_object();
		add_i64(o, "ifindex", now[i].ifindex);
		add_key(o, "pubkey", now[i].key);
		add_u64(o, "tx", now[i].tx);
		add_i64(o, "handshake", now[i].hs);
		json_object_array_add(a, o);
	}
	free(r->peers);
	r->peers = now;
	r->n_peers = now ? n : 0;
	r->all_peers = false;
	return a;
}

int record_snapshot(struct record *r, struct live *l, uint64_t events_lost)
{
	struct json_object *o = json_object_new_object();
	struct json_object *es = json_object_new_array();
	struct json_object *cs = json_object_new_array();
	size_t i;
	int err;

	live_resolve_locations(l);
	add_str(o, "type", "snapshot");
	add_i64(o, "t", wall_ns());
	add_u64(o, "events_lost", events_lost);
	for (i = 0; i < l->n; i++) {
		const struct live_entry *le = &l->e[i];
		struct json_object *e = json_object_new_object();
		const char *where;

		add_u64(e, "verdict", le->key.verdict);
		add_u64(e, "ifindex", le->key.ifindex);
		if (le->key.location) {
			add_u64(e, "location", le->key.location);
			where = ksym_lookup(l->ksym, le->key.location);
			if (where)
				add_str(e, "where", where);
		}
		if (memcmp(le->key.peer, (uint8_t[WGT_KEY_LEN]){0},
			   WGT_KEY_LEN))
			add_key(e, "peer", le->key.peer);
		add_u64(e, "packets", le->packets);
		add_u64(e, "bytes", le->bytes);
		json_object_object_add(e, "rate",
				       json_object_new_double(le->rate));
		json_object_array_add(es, e);
	}
	json_object_object_add(o, "entries", es);
	for (i = 0; i < l->n_changes; i++) {
		const struct live_change *c = &l->changes[i];
		struct json_object *e = json_object_new_object();

		add_addr(e, "dst", &c->dst);
		add_i64(e, "old_oif", c->old_oif);
		add_i64(e, "new_oif", c->new_oif);
		add_i64(e, "old_err", c->old_err);
		add_i64(e, "new_err", c->new_err);
		add_i64(e, "when", c->when);
		json_object_array_add(cs, e);
	}
	json_object_object_add(o, "route_changes", cs);
	if (l->inv)
		json_object_object_add(o, "peers", peers_json(r, l->inv));
	err = write_obj(r, o);
	if (!err && gzflush(r->gz, Z_SYNC_FLUSH) != Z_OK)
		err = -EIO;
	return err ?: maybe_rotate(r);
}

int record_close(struct record *r)
{
	int err = 0;

	if (!r)
		return 0;
	if (r->gz && gzclose(r->gz) != Z_OK)
		err = -EIO;
	json_object_put(r->header);
	free(r->last_inv);
	free(r->last_cmp);
	free(r->peers);
	free(r->path);
	free(r);
	return err;
}

bool parse_size(const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end != arg && arg[0] != '-') {
		switch (*end) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			end++;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			end++;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			end++;
			break;
		}
	}
	if (end == arg || *end || errno || arg[0] == '-' || v > max / mul ||
	    v * mul < min || v * mul > max) {
		wgt_err("%s '%s': want a size from %" PRIu64 "K to %" PRIu64
			"G (suffix K, M or G)",
			opt, arg, min >> 10, max >> 30);
		return false;
	}
	*out = v * mul;
	return true;
}

/* ---- Reading ------------------------------------------------------------ */

/*
 * Typed getters: a field of the wrong type is damage, said by its name.
 * Absent optional fields leave *out alone and succeed.
 */
/* The integer field k: NULL when absent (ok unless need) or damaged. */
static struct json_object *get_int(struct json_object *o, const char *k,
				   bool need, bool *ok, char *err,
				   size_t errlen)
{
	struct json_object *v;

	*ok = true;
	if (!json_object_object_get_ex(o, k, &v) || !v) {
		if (need)
			snprintf(err, errlen, "missing field \"%s\"", k);
		*ok = !need;
		return NULL;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "field \"%s\" is not a number", k);
		*ok = false;
		return NULL;
	}
	return v;
}

static bool get_i64(struct json_object *o, const char *k, bool need,
		    int64_t *out, char *err, size_t errlen)
{
	bool ok;
	struct json_object *v = get_int(o, k, need, &ok, err, errlen);

	if (v)
		*out = json_object_get_int64(v);
	return ok;
}

static bool get_u64(struct json_object *o, const char *k, bool need,
		    uint64_t *out, char *err, size_t errlen)
{
	bool ok;
	struct json_object *v = get_int(o, k, need, &ok, err, errlen);

	if (v)
		*out = json_object_get_uint64(v);
	return ok;
}

static bool get_u32(struct json_object *o, const char *k, bool need,
		    uint32_t *out, char *err, size_t errlen)
{
	uint64_t v = *out;

	if (!get_u64(o, k, need, &v, err, errlen))
		return false;
	if (v > UINT32_MAX) {
		snprintf(err, errlen, "field \"%s\" is out of range", k);
		return false;
	}
	*out = v;
	return true;
}

static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool get_arr(struct json_object *o, const char *k,
		    struct json_object **out, char *err, size_t errlen)
{
	if (!json_object_object_get_ex(o, k, out) ||
	    !json_object_is_type(*out, json_type_array)) {
		snprintf(err, errlen, "field \"%s\" is not a list", k);
		return false;
	}
	return true;
}

static bool get_key(struct json_object *o, const char *k, uint8_t *key,
		    bool *found, char *err, size_t errlen)
{
	const char *s = get_str(o, k);

	*found = s != NULL;
	if (s && !wg_key_from_b64(key, s)) {
		snprintf(err, errlen, "field \"%s\" is not a WireGuard key", k);
		return false;
	}
	return true;
}

static bool get_addr(struct json_object *o, const char *k, struct wgt_addr *a,
		     char *err, size_t errlen)
{
	const char *s = get_str(o, k);

	memset(a, 0, sizeof(*a));
	if (s && !addr_parse(s, a)) {
		snprintf(err, errlen, "field \"%s\" is not an address", k);
		return false;
	}
	return true;
}

int replay_init(struct replay *rp, const char *only_dev, int64_t since_ns,
		int64_t until_ns)
{
	memset(rp, 0, sizeof(*rp));
	rp->since_ns = since_ns;
	rp->until_ns = until_ns;
	rp->only_dev = only_dev;
	rp->first_ns = rp->last_ns = -1;
	rp->ld = calloc(1, sizeof(*rp->ld));
	live_alloc(&rp->live);
	rp->base = calloc(LIVE_MAX_ENTRIES, sizeof(*rp->base));
	rp->cur = calloc(LIVE_MAX_ENTRIES, sizeof(*rp->cur));
	rp->acc = calloc(LIVE_MAX_ENTRIES, sizeof(*rp->acc));
	rp->live.ksym = ksym_cache_new();
	if (!rp->ld || !rp->live.e || !rp->live.index || !rp->base ||
	    !rp->cur || !rp->acc || !rp->live.ksym) {
		replay_free(rp);
		return -ENOMEM;
	}
	ksym_cache_offline(rp->live.ksym);
	rp->live.ld = rp->ld;
	rp->live.inv = &rp->inv;
	rp->live.only_dev = only_dev;
	return 0;
}

void replay_free(struct replay *rp)
{
	if (rp->have_inv)
		inventory_free(&rp->inv);
	free(rp->ld);
	free(rp->base);
	free(rp->cur);
	free(rp->acc);
	free(rp->prev_tx);
	live_free(&rp->live);
	memset(rp, 0, sizeof(*rp));
}

static struct live_entry *replay_entry(struct replay *rp,
				       const struct wgt_count_key *k)
{
	/* The same table and rules as the live run's, full or not. */
	return live_entry_for(&rp->live, k);
}

static int mode_by_name(const char *s)
{
	int m;

	for (m = 0; m < WGT_MODE__COUNT; m++)
		if (!strcmp(s, wgt_mode_name(m)))
			return m;
	return -1;
}

static void copy_str(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

static int on_header(struct replay *rp, struct json_object *o, char *err,
		     size_t errlen)
{
	struct json_object *modes;
	const char *run = get_str(o, "run");
	int64_t fmt = 0;
	size_t i;
	int f;

	if (!get_i64(o, "format", true, &fmt, err, errlen))
		return -EINVAL;
	if (fmt != RECORD_FORMAT) {
		snprintf(err, errlen,
			 "record format %" PRId64
			 " (written by wgtrace %s); this wgtrace %s reads "
			 "format %d only%s",
			 fmt, get_str(o, "wgtrace") ?: "?", WGTRACE_VERSION,
			 RECORD_FORMAT,
			 fmt > RECORD_FORMAT ? ": use a newer wgtrace" : "");
		return -EPROTONOSUPPORT;
	}
	rp->format = fmt;
	rp->headers++;
	copy_str(rp->version, sizeof(rp->version), get_str(o, "wgtrace"));
	copy_str(rp->kernel, sizeof(rp->kernel), get_str(o, "kernel"));
	copy_str(rp->hostname, sizeof(rp->hostname), get_str(o, "hostname"));
	copy_str(rp->netns, sizeof(rp->netns), get_str(o, "netns"));
	copy_str(rp->command, sizeof(rp->command), get_str(o, "command"));
	if (!get_i64(o, "t", true, &rp->start_ns, err, errlen))
		return -EINVAL;
	/*
	 * A new run counts from zero again: what the last one counted inside
	 * the window is kept aside, its counters start over.
	 */
	if (!run || strcmp(run, rp->run)) {
		for (i = 0; i < rp->live.n; i++) {
			if (rp->cur[i] > rp->base[i])
				rp->acc[i] += rp->cur[i] - rp->base[i];
			rp->cur[i] = rp->base[i] = 0;
		}
		copy_str(rp->run, sizeof(rp->run), run);
		rp->live.n_changes = 0;
		rp->peers_seen = false;
	}
	if (json_object_object_get_ex(o, "modes", &modes) &&
	    json_object_is_type(modes, json_type_object)) {
		rp->ld->want = 0;
		for (f = 0; f < LF__COUNT; f++) {
			const char *m = get_str(modes, loader_fact_name(f));
			int mode = m ? mode_by_name(m) : -1;

			rp->ld->mode[f] = WGT_MODE_UNAVAILABLE;
			if (mode < 0)
				continue;
			rp->ld->want |= LF_BIT(f);
			rp->ld->mode[f] = mode;
		}
	}
	return 0;
}

static int parse_peer(struct json_object *o, struct wg_device_info *d,
		      char *err, size_t errlen)
{
	struct json_object *al;
	struct wg_peer_info *p;
	uint8_t key[WG_KEY_LEN_RAW];
	uint64_t port = 0, ka = 0;
	bool found;
	size_t k;

	if (!get_key(o, "pubkey", key, &found, err, errlen))
		return -EINVAL;
	if (!found) {
		snprintf(err, errlen, "a peer without \"pubkey\"");
		return -EINVAL;
	}
	p = wg_device_add_peer(d, key);
	if (!p)
		return -ENOMEM;
	wg_key_to_b64(p->pubkey_b64, key);
	if (!get_addr(o, "endpoint", &p->endpoint, err, errlen) ||
	    !get_u64(o, "endpoint_port", false, &port, err, errlen) ||
	    !get_u64(o, "keepalive", false, &ka, err, errlen) ||
	    !get_arr(o, "allowed_ips", &al, err, errlen))
		return -EINVAL;
	p->has_endpoint = p->endpoint.family != 0;
	p->endpoint_port = port;
	p->keepalive = ka;
	for (k = 0; k < json_object_array_length(al); k++) {
		struct json_object *v = json_object_array_get_idx(al, k);
		struct wgt_prefix pfx;

		if (!json_object_is_type(v, json_type_string) ||
		    !prefix_parse(json_object_get_string(v), &pfx, NULL)) {
			snprintf(err, errlen,
				 "a peer's AllowedIPs entry is not a prefix");
			return -EINVAL;
		}
		if (wg_peer_add_allowed(p, &pfx))
			return -ENOMEM;
	}
	return 0;
}

static int parse_inventory(struct json_object *o, struct inventory *inv,
			   char *err, size_t errlen)
{
	struct json_object *links, *wg, *routes;
	int64_t v = -1;
	size_t i, j;
	int ret;

	if (!get_arr(o, "links", &links, err, errlen) ||
	    !get_arr(o, "wireguard", &wg, err, errlen) ||
	    !get_arr(o, "routes", &routes, err, errlen))
		return -EINVAL;
	inv->ip_forward = inv->ip6_forward = -1;
	if (!get_i64(o, "ip_forward", false, &v, err, errlen))
		return -EINVAL;
	inv->ip_forward = v;
	v = -1;
	if (!get_i64(o, "ip6_forward", false, &v, err, errlen))
		return -EINVAL;
	inv->ip6_forward = v;
	inv->n_links = json_object_array_length(links);
	inv->links = calloc(inv->n_links + 1, sizeof(*inv->links));
	inv->n_wg = json_object_array_length(wg);
	inv->wg = calloc(inv->n_wg + 1, sizeof(*inv->wg));
	inv->n_routes = json_object_array_length(routes);
	inv->routes = calloc(inv->n_routes + 1, sizeof(*inv->routes));
	if (!inv->links || !inv->wg || !inv->routes)
		return -ENOMEM;
	for (i = 0; i < inv->n_links; i++) {
		struct json_object *l = json_object_array_get_idx(links, i);
		struct inv_link *k = &inv->links[i];
		struct json_object *up;
		int64_t n[6] = {0, 0, -1, -1, -1, -1};

		if (!json_object_is_type(l, json_type_object) ||
		    !get_i64(l, "ifindex", true, &n[0], err, errlen) ||
		    !get_i64(l, "mtu", false, &n[1], err, errlen) ||
		    !get_i64(l, "forwarding4", false, &n[2], err, errlen) ||
		    !get_i64(l, "forwarding6", false, &n[3], err, errlen) ||
		    !get_i64(l, "rp_filter", false, &n[4], err, errlen) ||
		    !get_i64(l, "src_valid_mark", false, &n[5], err, errlen)) {
			if (!err[0])
				snprintf(err, errlen,
					 "a link is not an object");
			return -EINVAL;
		}
		k->ifindex = n[0];
		k->mtu = n[1];
		k->forwarding4 = n[2];
		k->forwarding6 = n[3];
		k->rp_filter = n[4];
		k->src_valid_mark = n[5];
		copy_str(k->name, sizeof(k->name), get_str(l, "name"));
		copy_str(k->kind, sizeof(k->kind), get_str(l, "kind"));
		k->up = json_object_object_get_ex(l, "up", &up) &&
			json_object_get_boolean(up);
	}
	for (i = 0; i < inv->n_wg; i++) {
		struct json_object *w = json_object_array_get_idx(wg, i),
				   *peers;
		struct wg_device_info *d = &inv->wg[i];
		int64_t ifindex = 0;
		uint64_t fwmark = 0, port = 0;

		if (!json_object_is_type(w, json_type_object) ||
		    !get_i64(w, "ifindex", true, &ifindex, err, errlen) ||
		    !get_u64(w, "fwmark", false, &fwmark, err, errlen) ||
		    !get_u64(w, "listen_port", false, &port, err, errlen) ||
		    !get_arr(w, "peers", &peers, err, errlen))
			return -EINVAL;
		d->ifindex = ifindex;
		d->fwmark = fwmark;
		d->listen_port = port;
		copy_str(d->name, sizeof(d->name), get_str(w, "name"));
		d->impl =
		    get_str(w, "impl") && !strcmp(get_str(w, "impl"), "uapi")
			? WG_IMPL_UAPI
			: WG_IMPL_KERNEL;
		for (j = 0; j < json_object_array_length(peers); j++) {
			struct json_object *p =
			    json_object_array_get_idx(peers, j);

			if (!json_object_is_type(p, json_type_object)) {
				snprintf(err, errlen,
					 "a peer is not an object");
				return -EINVAL;
			}
			ret = parse_peer(p, d, err, errlen);
			if (ret)
				return ret;
		}
	}
	for (i = 0; i < inv->n_routes; i++) {
		struct json_object *r = json_object_array_get_idx(routes, i);
		struct inv_route *rt = &inv->routes[i];
		const char *dst = json_object_is_type(r, json_type_object)
				      ? get_str(r, "dst")
				      : NULL;
		int64_t oif = 0;
		uint32_t table = 0, type = 0, metric = 0;

		if (!dst || !prefix_parse(dst, &rt->dst, NULL) ||
		    !get_u32(r, "table", false, &table, err, errlen) ||
		    !get_u32(r, "type", false, &type, err, errlen) ||
		    !get_u32(r, "metric", false, &metric, err, errlen) ||
		    !get_i64(r, "oif", false, &oif, err, errlen) ||
		    !get_addr(r, "gateway", &rt->gateway, err, errlen)) {
			if (!err[0])
				snprintf(err, errlen,
					 "a route without a valid \"dst\"");
			return -EINVAL;
		}
		rt->family = rt->dst.addr.family;
		rt->table = table;
		rt->type = type;
		rt->metric = metric;
		rt->oif = oif;
	}
	return 0;
}

static bool in_window(const struct replay *rp, int64_t t)
{
	return t >= rp->since_ns && t <= rp->until_ns;
}

static struct wg_peer_info *same_peer(const struct wg_device_info *d,
				      size_t hint, const uint8_t *key)
{
	size_t j;

	if (hint < d->n_peers &&
	    !memcmp(d->peers[hint].pubkey, key, WG_KEY_LEN_RAW))
		return &d->peers[hint];
	for (j = 0; j < d->n_peers; j++)
		if (!memcmp(d->peers[j].pubkey, key, WG_KEY_LEN_RAW))
			return &d->peers[j];
	return NULL;
}

/*
 * A new configuration keeps the peers' traffic and handshake state of the
 * old one (the record writes those only when they change), as watch's
 * reread of a device does. Peers mostly keep their place: tried first.
 */
static void carry_peer_state(const struct inventory *old, struct inventory *inv)
{
	size_t i, k, j;

	for (i = 0; i < inv->n_wg; i++) {
		struct wg_device_info *d = &inv->wg[i];
		const struct wg_device_info *o = NULL;

		for (k = 0; k < old->n_wg && !o; k++)
			if (old->wg[k].ifindex == d->ifindex)
				o = &old->wg[k];
		for (j = 0; o && j < d->n_peers; j++) {
			const struct wg_peer_info *p =
			    same_peer(o, j, d->peers[j].pubkey);

			if (p) {
				d->peers[j].tx_bytes = p->tx_bytes;
				d->peers[j].last_handshake_sec =
				    p->last_handshake_sec;
			}
		}
	}
}

static int on_inventory(struct replay *rp, struct json_object *o, int64_t t,
			char *err, size_t errlen)
{
	struct inventory inv = {0};
	int ret;

	ret = parse_inventory(o, &inv, err, errlen);
	if (ret) {
		inventory_free(&inv);
		return ret;
	}
	/* The configuration as it was at the end of the window. */
	if (t > rp->until_ns && rp->have_inv) {
		inventory_free(&inv);
		return 0;
	}
	if (rp->have_inv) {
		carry_peer_state(&rp->inv, &inv);
		inventory_free(&rp->inv);
	}
	rp->inv = inv;
	rp->have_inv = true;
	live_remember_names(&rp->live);
	return 0;
}

static int on_event(struct replay *rp, struct json_object *o, int64_t t,
		    char *err, size_t errlen)
{
	struct wgt_event e = {.type = WGT_EV_SAMPLE};
	struct wgt_addr src, dst;
	struct json_object *rev;
	uint32_t v[10] = {0};
	uint64_t ts = 0, loc = 0;
	int64_t ev_err = 0;
	bool found;
	static const char *const names[] = {
	    "verdict", "ifindex", "oif", "mark",  "reason",
	    "flags",   "len",	  "mtu", "sport", "dport",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!get_u32(o, names[i], i < 2, &v[i], err, errlen))
			return -EINVAL;
	if (!get_u64(o, "ts_ns", false, &ts, err, errlen) ||
	    !get_u64(o, "location", false, &loc, err, errlen) ||
	    !get_i64(o, "err", false, &ev_err, err, errlen) ||
	    !get_addr(o, "src", &src, err, errlen) ||
	    !get_addr(o, "dst", &dst, err, errlen))
		return -EINVAL;
	if (src.family != dst.family || v[8] > 65535 || v[9] > 65535) {
		snprintf(err, errlen, "an event's flow does not hold together");
		return -EINVAL;
	}
	e.ts_ns = ts;
	e.verdict = v[0];
	e.ifindex = v[1];
	e.oif = v[2];
	e.mark = v[3];
	e.reason = v[4];
	e.flags = v[5] & ~(WGT_EVF_PEER | WGT_EVF_PEER2);
	e.len = v[6];
	e.mtu = v[7];
	e.err = ev_err;
	e.location = loc;
	if (!get_key(o, "peer", e.peer, &found, err, errlen))
		return -EINVAL;
	e.flags |= found ? WGT_EVF_PEER : 0;
	if (!get_key(o, "peer2", e.peer2, &found, err, errlen))
		return -EINVAL;
	e.flags |= found ? WGT_EVF_PEER2 : 0;
	if (src.family) {
		uint32_t proto = 0;

		if (!get_u32(o, "proto", false, &proto, err, errlen))
			return -EINVAL;
		e.flow.family = src.family;
		e.flow.proto = proto;
		memcpy(e.flow.saddr, src.b, 16);
		memcpy(e.flow.daddr, dst.b, 16);
		e.flow.sport = htons(v[8]);
		e.flow.dport = htons(v[9]);
	}
	if (json_object_object_get_ex(o, "rev", &rev) && src.family &&
	    json_object_is_type(rev, json_type_object)) {
		int64_t oif = 0, rerr = 0;
		size_t k;

		if (!get_i64(rev, "oif", false, &oif, err, errlen) ||
		    !get_i64(rev, "err", false, &rerr, err, errlen))
			return -EINVAL;
		for (k = 0;
		     k < rp->n_revs && !addr_equal(&rp->revs[k].src, &src); k++)
			;
		if (k < REPLAY_MAX_REVS) {
			rp->revs[k].src = src;
			rp->revs[k].oif = oif;
			rp->revs[k].err = rerr;
			if (k == rp->n_revs)
				rp->n_revs++;
		}
	}
	rp->events++;
	/* Only an example from inside the window stands for it. */
	if (in_window(rp, t))
		live_on_event(&rp->live, &e, sizeof(e));
	return 0;
}

/*
 * Peers' tx bytes and handshake times: what they were at the snapshot
 * before (prev_tx, as watch keeps it between two reports) and now.
 */
static int on_peers(struct replay *rp, struct json_object *o, int64_t t,
		    char *err, size_t errlen)
{
	struct json_object *ps;
	size_t i, j, k;

	if (!json_object_object_get_ex(o, "peers", &ps))
		return 0;
	if (!json_object_is_type(ps, json_type_array)) {
		snprintf(err, errlen, "field \"peers\" is not a list");
		return -EINVAL;
	}
	free(rp->prev_tx);
	rp->prev_tx = NULL;
	rp->n_prev_tx = 0;
	/* The first snapshot of a run has nothing to compare with, as
	 * watch's first report has not. */
	if (rp->peers_seen) {
		rp->prev_tx = live_peer_tx_of(&rp->inv, &rp->n_prev_tx);
		if (!rp->prev_tx)
			return -ENOMEM;
	}
	rp->peers_seen = true;
	for (k = 0; k < json_object_array_length(ps); k++) {
		struct json_object *p = json_object_array_get_idx(ps, k);
		uint8_t key[WG_KEY_LEN_RAW];
		int64_t ifindex = 0, hs = 0;
		uint64_t tx = 0;
		bool found;

		if (!json_object_is_type(p, json_type_object) ||
		    !get_i64(p, "ifindex", true, &ifindex, err, errlen) ||
		    !get_u64(p, "tx", false, &tx, err, errlen) ||
		    !get_i64(p, "handshake", false, &hs, err, errlen) ||
		    !get_key(p, "pubkey", key, &found, err, errlen)) {
			if (!err[0])
				snprintf(
				    err, errlen,
				    "a peer of a snapshot is not an object");
			return -EINVAL;
		}
		for (i = 0; i < rp->inv.n_wg; i++) {
			struct wg_device_info *d = &rp->inv.wg[i];

			if (d->ifindex != ifindex)
				continue;
			for (j = 0; j < d->n_peers; j++)
				if (!memcmp(d->peers[j].pubkey, key,
					    WG_KEY_LEN_RAW)) {
					d->peers[j].tx_bytes = tx;
					d->peers[j].last_handshake_sec = hs;
				}
		}
	}
	rp->live.now = t / NSEC_PER_SEC;
	return 0;
}

static int on_snapshot(struct replay *rp, struct json_object *o, int64_t t,
		       char *err, size_t errlen)
{
	struct json_object *es, *cs;
	uint64_t lost = 0;
	size_t i;

	if (!get_arr(o, "entries", &es, err, errlen) ||
	    !get_u64(o, "events_lost", false, &lost, err, errlen))
		return -EINVAL;
	for (i = 0; i < json_object_array_length(es); i++) {
		struct json_object *e = json_object_array_get_idx(es, i), *rate;
		struct wgt_count_key k = {0};
		struct live_entry *le;
		uint64_t packets = 0, bytes = 0, loc = 0;
		uint32_t verdict = 0, ifindex = 0;
		const char *where;
		bool found;
		size_t idx;

		if (!json_object_is_type(e, json_type_object) ||
		    !get_u32(e, "verdict", true, &verdict, err, errlen) ||
		    !get_u32(e, "ifindex", false, &ifindex, err, errlen) ||
		    !get_u64(e, "location", false, &loc, err, errlen) ||
		    !get_u64(e, "packets", true, &packets, err, errlen) ||
		    !get_u64(e, "bytes", false, &bytes, err, errlen) ||
		    !get_key(e, "peer", k.peer, &found, err, errlen)) {
			if (!err[0])
				snprintf(err, errlen,
					 "a snapshot entry is not an object");
			return -EINVAL;
		}
		k.verdict = verdict;
		k.ifindex = ifindex;
		k.location = loc;
		where = get_str(e, "where");
		if (where && k.location)
			ksym_cache_add(rp->live.ksym, k.location, where);
		if (t > rp->until_ns)
			continue;
		le = replay_entry(rp, &k);
		if (!le)
			continue;
		idx = le - rp->live.e;
		/* A counter that went back: the key was evicted and re-added.
		 */
		if (packets < rp->cur[idx] && packets < rp->base[idx]) {
			rp->acc[idx] += rp->cur[idx] - rp->base[idx];
			rp->base[idx] = 0;
		}
		if (t < rp->since_ns)
			rp->base[idx] = packets;
		rp->cur[idx] = packets;
		le->bytes = bytes;
		if (json_object_object_get_ex(e, "rate", &rate))
			le->rate = json_object_get_double(rate);
	}
	rp->snapshots++;
	if (t <= rp->until_ns) {
		int ret = on_peers(rp, o, t, err, errlen);

		if (ret)
			return ret;
	}
	if (!in_window(rp, t))
		return 0;
	if (rp->first_ns < 0)
		rp->first_ns = t;
	rp->last_ns = t;
	rp->events_lost = lost;
	if (!get_arr(o, "route_changes", &cs, err, errlen))
		return -EINVAL;
	rp->live.n_changes = 0;
	for (i = 0; i < json_object_array_length(cs) &&
		    rp->live.n_changes < LIVE_MAX_CHANGES;
	     i++) {
		struct json_object *c = json_object_array_get_idx(cs, i);
		struct live_change *lc = &rp->live.changes[rp->live.n_changes];
		int64_t n[5] = {0};

		if (!json_object_is_type(c, json_type_object) ||
		    !get_addr(c, "dst", &lc->dst, err, errlen) ||
		    !get_i64(c, "old_oif", false, &n[0], err, errlen) ||
		    !get_i64(c, "new_oif", false, &n[1], err, errlen) ||
		    !get_i64(c, "old_err", false, &n[2], err, errlen) ||
		    !get_i64(c, "new_err", false, &n[3], err, errlen) ||
		    !get_i64(c, "when", true, &n[4], err, errlen)) {
			if (!err[0])
				snprintf(err, errlen,
					 "a route change is not an object");
			return -EINVAL;
		}
		lc->old_oif = n[0];
		lc->new_oif = n[1];
		lc->old_err = n[2];
		lc->new_err = n[3];
		lc->when = n[4];
		/* Changes the window saw, not those before it (seconds). */
		if (rp->since_ns == INT64_MIN ||
		    n[4] >= rp->since_ns / NSEC_PER_SEC)
			rp->live.n_changes++;
	}
	return 0;
}

int replay_line(struct replay *rp, const char *line, size_t len, char *err,
		size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	const char *type;
	int64_t t = 0;
	int ret = -EINVAL;

	err[0] = '\0';
	rp->lines++;
	if (len > RECORD_MAX_LINE || len > INT_MAX) {
		snprintf(err, errlen, "line too long");
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		enum json_tokener_error je = json_tokener_get_error(tok);

		if (je == json_tokener_continue)
			snprintf(err, errlen,
				 "the line ends inside a JSON object");
		else if (je == json_tokener_success)
			snprintf(err, errlen, "text after the JSON object");
		else
			snprintf(err, errlen, "not a JSON object (%s)",
				 json_tokener_error_desc(je));
		goto cleanup;
	}
	type = json_object_is_type(o, json_type_object) ? get_str(o, "type")
							: NULL;
	if (!type) {
		snprintf(err, errlen, "no \"type\" field");
		goto cleanup;
	}
	if (!rp->format && strcmp(type, "header")) {
		snprintf(err, errlen,
			 "not a wgtrace record (no header line first)");
		goto cleanup;
	}
	if (!get_i64(o, "t", true, &t, err, errlen))
		goto cleanup;
	if (!strcmp(type, "header"))
		ret = on_header(rp, o, err, errlen);
	else if (!strcmp(type, "inventory"))
		ret = on_inventory(rp, o, t, err, errlen);
	else if (!strcmp(type, "event"))
		ret = on_event(rp, o, t, err, errlen);
	else if (!strcmp(type, "snapshot"))
		ret = on_snapshot(rp, o, t, err, errlen);
	else
		ret = 0; /* a later format's addition: skipped */
cleanup:
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

int replay_buf(struct replay *rp, const char *buf, size_t len,
	       uint64_t *line_no, char *err, size_t errlen)
{
	size_t off = 0;
	int ret;

	*line_no = 0;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - buf - off) : len - off;

		++*line_no;
		ret = replay_line(rp, buf + off, n, err, errlen);
		if (ret)
			return ret;
		off += n + 1;
	}
	return 0;
}

int replay_file(struct replay *rp, const char *path, char *err, size_t errlen)
{
	char msg[256] = "", *line = NULL;
	size_t cap = 0, n = 0;
	uint64_t line_no = 0, off = 0;
	bool first = true;
	gzFile gz;
	int ret = 0, zerr;

	gz = gzopen(path, "rb");
	if (!gz) {
		ret = errno ? -errno : -ENOMEM;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	gzbuffer(gz, 1 << 16);
	/* A new file's lines belong to the header it starts with. */
	rp->format = 0;
	for (;;) {
		int c = gzgetc(gz);

		if (c == -1)
			break;
		if (c != '\n') {
			if (n + 1 >= cap) {
				size_t ncap = cap ? cap * 2 : 4096;
				char *p;

				if (ncap > RECORD_MAX_LINE + 2) {
					ret = -EINVAL;
					snprintf(msg, sizeof(msg),
						 "line too long");
					break;
				}
				p = realloc(line, ncap);
				if (!p) {
					ret = -ENOMEM;
					snprintf(msg, sizeof(msg),
						 "out of memory");
					break;
				}
				line = p;
				cap = ncap;
			}
			line[n++] = c;
			continue;
		}
		line_no++;
		ret = replay_line(rp, line ? line : "", n, msg, sizeof(msg));
		if (ret)
			break;
		off += n + 1;
		n = 0;
		first = false;
	}
	if (!ret) {
		const char *zmsg = gzerror(gz, &zerr);

		if (zerr != Z_OK && zerr != Z_STREAM_END) {
			ret = -EINVAL;
			snprintf(
			    msg, sizeof(msg), "%s",
			    zerr == Z_BUF_ERROR
				? "truncated: the compressed stream ends early"
				: zmsg);
			line_no++;
		} else if (n) {
			/* A last line without its newline was cut short. */
			line_no++;
			ret = -EINVAL;
			snprintf(msg, sizeof(msg),
				 "truncated: the last line has no end");
		} else if (first) {
			ret = -EINVAL;
			snprintf(msg, sizeof(msg),
				 "empty: not a wgtrace record");
			line_no = 1;
		}
	}
	if (ret)
		snprintf(err, errlen,
			 "%s: line %" PRIu64 " (uncompressed offset %" PRIu64
			 "): %s",
			 path, line_no, off, msg);
	free(line);
	gzclose(gz);
	return ret;
}

static int rev_route(void *ctx, const struct route_query *q,
		     struct route_answer *a)
{
	const struct replay *rp = ctx;
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < rp->n_revs; i++)
		if (addr_equal(&rp->revs[i].src, &q->dst)) {
			a->err = rp->revs[i].err;
			a->oif = rp->revs[i].oif;
			return 0;
		}
	return -ENOENT;
}

int replay_findings(struct replay *rp, struct finding_list *out)
{
	struct live *l = &rp->live;
	size_t i;

	for (i = 0; i < l->n; i++) {
		uint64_t d =
		    rp->cur[i] > rp->base[i] ? rp->cur[i] - rp->base[i] : 0;

		l->e[i].packets = rp->acc[i] + d;
	}
	l->route_get = rev_route;
	l->route_ctx = rp;
	/* stale_handshake compares with the snapshot before the last. */
	free(l->prev_tx);
	l->prev_tx = NULL;
	l->n_prev_tx = 0;
	if (rp->prev_tx) {
		l->prev_tx = calloc(rp->n_prev_tx ? rp->n_prev_tx : 1,
				    sizeof(*l->prev_tx));
		if (!l->prev_tx)
			return -ENOMEM;
		memcpy(l->prev_tx, rp->prev_tx,
		       rp->n_prev_tx * sizeof(*l->prev_tx));
		l->n_prev_tx = rp->n_prev_tx;
	}
	return live_findings(l, out);
}

bool record_parse_time(const char *s, int64_t now_ns, int64_t *out)
{
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
	unsigned long v;
	int64_t frac = 0, scale = 100000000, unit;
	struct tm tm = {0};
	char sep, *end;
	time_t t;

	if (!strcmp(s, "now")) {
		*out = now_ns;
		return true;
	}
	if (s[0] == '-') {
		errno = 0;
		v = strtoul(s + 1, &end, 10);
		if (end == s + 1 || errno || v > 100000 || !end[0] || end[1])
			return false;
		switch (end[0]) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			return false;
		}
		*out = now_ns - (int64_t)v * unit * NSEC_PER_SEC;
		return true;
	}
	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi,
		   &sec, &n) != 7 ||
	    n != 19 || (sep != 'T' && sep != 't' && sep != ' '))
		return false;
	s += n;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			frac += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 ||
		    oh > 23 || om > 59)
			return false;
		if (*s == '-') {
			oh = -oh;
			om = -om;
		}
		s += 6;
	} else {
		return false;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970 || y > 2200)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	t -= oh * 3600 + om * 60;
	*out = (int64_t)t * NSEC_PER_SEC + frac;
	return true;
}

int record_parse_opt(int opt, const char *arg, struct record_opts *o)
{
	unsigned long keep;

	switch (opt) {
	case RECORD_OPT_PATH:
		if (!arg[0]) {
			wgt_err("--record: want a file name");
			return -WGT_EUSAGE;
		}
		o->path = arg;
		return 0;
	case RECORD_OPT_MAX_SIZE:
		return parse_size("--record-max-size", arg, RECORD_MIN_MAX_SIZE,
				  RECORD_MAX_MAX_SIZE, &o->max_size)
			   ? 0
			   : -WGT_EUSAGE;
	case RECORD_OPT_KEEP:
		if (!parse_uint_range(arg, 0, RECORD_MAX_KEEP, &keep)) {
			wgt_err(
			    "--record-keep '%s': want a number from 0 to %d",
			    arg, RECORD_MAX_KEEP);
			return -WGT_EUSAGE;
		}
		o->keep = keep;
		return 0;
	}
	return -WGT_EUSAGE;
}
