// SPDX-License-Identifier: GPL-2.0
/*
 * The record format: what watch --record writes, report reads back the
 * same (header, inventory, samples, counters); a window takes the counts
 * between two snapshots; another format is refused by number; a truncated
 * gzip stream and a corrupted line are named by file and line, with the
 * counts before the damage kept. Expected values are written out by hand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <zlib.h>
#include <cmocka.h>

#include "base/common.h"
#include "files/record.h"
#include "config/wg_inventory.h"

#define KEY "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="

static char dir[] = "/tmp/wgt-test-record.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void write_gz(const char *path, const char *text)
{
	gzFile gz = gzopen(path, "wb");

	assert_non_null(gz);
	assert_int_equal(gzputs(gz, text), (int)strlen(text));
	assert_int_equal(gzclose(gz), Z_OK);
}

/* A header line of format fmt whose modes say rp_filter and MTU drops come
 * from the kfree_skb tracepoint. */
static void header(char *buf, size_t len, int fmt, const char *run)
{
	snprintf(
	    buf, len,
	    "{\"type\":\"header\",\"t\":1,\"format\":%d,\"wgtrace\":\"9.9\","
	    "\"kernel\":\"6.18.0\",\"hostname\":\"gw1\",\"run\":\"%s\","
	    "\"modes\":{\"%s\":\"tracepoint\",\"%s\":\"tracepoint\"}}\n",
	    fmt, run, loader_fact_name(LF_RPF), loader_fact_name(LF_MTU));
}

static const char *INV =
    "{\"type\":\"inventory\",\"t\":2,\"ip_forward\":1,\"ip6_forward\":0,"
    "\"links\":[{\"ifindex\":2,\"name\":\"lan0\",\"kind\":\"veth\",\"mtu\":"
    "1500,"
    "\"up\":true,\"rp_filter\":1},{\"ifindex\":3,\"name\":\"wg0\","
    "\"kind\":\"\",\"mtu\":1420,\"up\":true}],\"wireguard\":[{\"name\":\"wg0\","
    "\"ifindex\":3,\"impl\":\"uapi\",\"peers\":[{\"pubkey\":\"" KEY "\","
    "\"allowed_ips\":[\"10.50.0.0/24\"]}]}],\"routes\":[]}\n";

/* An rp_filter snapshot line at time t with n packets on lan0. */
static void snap(char *buf, size_t len, long t, unsigned int n)
{
	snprintf(
	    buf, len,
	    "{\"type\":\"snapshot\",\"t\":%ld,\"events_lost\":0,\"entries\":"
	    "[{\"verdict\":%d,\"ifindex\":2,\"packets\":%u,\"bytes\":0,"
	    "\"rate\":0.0}],\"route_changes\":[]}\n",
	    t, WGT_V_RPF_DROP, n);
}

static void append(char *buf, size_t len, const char *line)
{
	strncat(buf, line, len - strlen(buf) - 1);
}

/* The counts of finding id in a replay, -1 when there is none. */
static long count_of(struct replay *rp, const char *id)
{
	struct finding_list fl = {0};
	long n = -1;
	size_t i;

	assert_int_equal(replay_findings(rp, &fl), 0);
	for (i = 0; i < fl.n; i++)
		if (!strcmp(fl.v[i].id, id))
			n = (n < 0 ? 0 : n) + (long)fl.v[i].count;
	finding_list_free(&fl);
	return n;
}

static void fake_inventory(struct inventory *inv)
{
	struct wg_peer_info *p;
	struct wgt_prefix pfx;
	uint8_t key[WG_KEY_LEN_RAW];

	memset(inv, 0, sizeof(*inv));
	inv->ip_forward = 1;
	inv->ip6_forward = 0;
	inv->n_links = 2;
	inv->links = calloc(2, sizeof(*inv->links));
	assert_non_null(inv->links);
	inv->links[0] = (struct inv_link){.ifindex = 2,
					  .name = "lan0",
					  .kind = "veth",
					  .mtu = 1500,
					  .up = true,
					  .rp_filter = 1};
	inv->links[1] = (struct inv_link){
	    .ifindex = 3, .name = "wg0", .mtu = 1420, .up = true};
	inv->n_wg = 1;
	inv->wg = calloc(1, sizeof(*inv->wg));
	assert_non_null(inv->wg);
	strcpy(inv->wg[0].name, "wg0");
	inv->wg[0].ifindex = 3;
	inv->wg[0].impl = WG_IMPL_UAPI;
	assert_true(wg_key_from_b64(key, KEY));
	p = wg_device_add_peer(&inv->wg[0], key);
	assert_non_null(p);
	strcpy(p->pubkey_b64, KEY);
	assert_true(prefix_parse("10.50.0.0/24", &pfx, NULL));
	assert_int_equal(wg_peer_add_allowed(p, &pfx), 0);
}

static void mtu_sample(struct wgt_event *e)
{
	memset(e, 0, sizeof(*e));
	e->type = WGT_EV_SAMPLE;
	e->verdict = WGT_V_MTU_DROP;
	e->ifindex = 2;
	e->oif = 3;
	e->len = 1428;
	e->mtu = 1420;
	e->flow.family = AF_INET;
	e->flow.proto = IPPROTO_ICMP;
	inet_pton(AF_INET, "198.51.100.2", e->flow.saddr);
	inet_pton(AF_INET, "10.99.0.2", e->flow.daddr);
}

/* What watch writes through record.c, read back through replay_file(). */
static void round_trip(void **state)
{
	struct record_opts o = {.max_size = RECORD_DEF_MAX_SIZE,
				.keep = 2,
				.command = "watch",
				.netns = "gw"};
	struct loader *ld = calloc(1, sizeof(*ld));
	struct finding_list fl = {0};
	struct live l = {0};
	struct inventory inv;
	struct record *r = NULL;
	struct wgt_event e;
	struct replay rp;
	char path[256], err[512], host[256] = "";
	struct wgt_count_key k = {.verdict = WGT_V_MTU_DROP, .ifindex = 2};

	(void)state;
	assert_non_null(ld);
	path_of(path, sizeof(path), "rt.jsonl.gz");
	o.path = path;
	ld->want = LF_BIT(LF_MTU) | LF_BIT(LF_RPF);
	ld->mode[LF_MTU] = WGT_MODE_TRACEPOINT;
	ld->mode[LF_RPF] = WGT_MODE_INVENTORY;
	fake_inventory(&inv);
	live_alloc(&l);
	l.ksym = ksym_cache_new();
	assert_non_null(l.e);
	assert_non_null(l.ksym);
	ksym_cache_offline(l.ksym);

	assert_int_equal(record_open(&r, &o, ld), 0);
	assert_int_equal(record_inventory(r, &inv), 0);
	/* The same configuration again is not written twice. */
	assert_int_equal(record_inventory(r, &inv), 0);
	mtu_sample(&e);
	assert_int_equal(record_event(r, &e), 0);
	l.inv = &inv;
	inv.wg[0].peers[0].tx_bytes = 4242;
	inv.wg[0].peers[0].last_handshake_sec = 1796612000;
	l.n = 1;
	l.e[0].key = k;
	l.e[0].packets = 20;
	assert_int_equal(record_snapshot(r, &l, 3), 0);
	assert_int_equal(record_close(r), 0);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	gethostname(host, sizeof(host) - 1);
	assert_int_equal(rp.format, RECORD_FORMAT);
	assert_string_equal(rp.version, WGTRACE_VERSION);
	assert_string_equal(rp.hostname, host);
	assert_string_equal(rp.netns, "gw");
	assert_string_equal(rp.command, "watch");
	assert_int_equal(rp.lines,
			 4); /* header, one inventory, event, snapshot */
	assert_int_equal(rp.events, 1);
	assert_int_equal(rp.snapshots, 1);
	assert_int_equal(rp.events_lost, 3);
	assert_int_equal(rp.ld->mode[LF_MTU], WGT_MODE_TRACEPOINT);
	assert_int_equal(rp.ld->mode[LF_RPF], WGT_MODE_INVENTORY);
	assert_false(loader_fact_used(rp.ld, LF_DROPS));
	assert_int_equal(rp.inv.n_wg, 1);
	assert_string_equal(rp.inv.wg[0].name, "wg0");
	assert_int_equal(rp.inv.wg[0].n_peers, 1);
	assert_string_equal(rp.inv.wg[0].peers[0].pubkey_b64, KEY);
	assert_int_equal(rp.inv.wg[0].peers[0].n_allowed, 1);
	assert_int_equal(rp.inv.wg[0].peers[0].allowed[0].len, 24);
	assert_int_equal(rp.inv.wg[0].peers[0].tx_bytes, 4242);
	assert_int_equal(rp.inv.wg[0].peers[0].last_handshake_sec, 1796612000);

	assert_int_equal(replay_findings(&rp, &fl), 0);
	assert_int_equal(fl.n, 1);
	assert_string_equal(fl.v[0].id, "mtu_drop");
	assert_int_equal(fl.v[0].count, 20);
	assert_string_equal(fl.v[0].interface, "lan0");
	assert_string_equal(fl.v[0].mode, "tracepoint");
	assert_string_equal(fl.v[0].actual,
			    "1428-byte packet, MTU 1420 on wg0");
	assert_true(fl.v[0].has_example);
	assert_int_equal(fl.v[0].example.proto, IPPROTO_ICMP);
	finding_list_free(&fl);
	replay_free(&rp);
	inventory_free(&inv);
	live_free(&l);
	free(ld);
}

/* Counts between the last snapshot before --since and the last one before
 * --until; runs that restart add up. */
static void window_and_runs(void **state)
{
	char text[4096] = "", line[512], path[256], err[512];
	struct replay rp;

	(void)state;
	header(line, sizeof(line), RECORD_FORMAT, "run1");
	append(text, sizeof(text), line);
	append(text, sizeof(text), INV);
	snap(line, sizeof(line), 100, 5);
	append(text, sizeof(text), line);
	snap(line, sizeof(line), 200, 15);
	append(text, sizeof(text), line);
	snap(line, sizeof(line), 300, 25);
	append(text, sizeof(text), line);
	/* A second wgtrace start: its counters begin at zero again. */
	header(line, sizeof(line), RECORD_FORMAT, "run2");
	append(text, sizeof(text), line);
	snap(line, sizeof(line), 400, 7);
	append(text, sizeof(text), line);
	path_of(path, sizeof(path), "win.jsonl.gz");
	write_gz(path, text);

	assert_int_equal(replay_init(&rp, NULL, 150, 250), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	assert_int_equal(count_of(&rp, "rpf_drop"), 10); /* 15 - 5 */
	replay_free(&rp);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, 50), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	assert_int_equal(count_of(&rp, "rpf_drop"), -1);
	replay_free(&rp);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	assert_int_equal(count_of(&rp, "rpf_drop"), 32); /* 25 + 7 */
	replay_free(&rp);

	/* -i of another device: a WireGuard filter, lan0 is no such device. */
	assert_int_equal(replay_init(&rp, "wg0", INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	assert_int_equal(count_of(&rp, "rpf_drop"), -1);
	replay_free(&rp);
}

/* An rp_filter-free snapshot at time t (ns) with the peer's tx and handshake.
 */
static void peer_snap(char *buf, size_t len, long long t, unsigned int tx,
		      long long hs)
{
	snprintf(buf, len,
		 "{\"type\":\"snapshot\",\"t\":%lld,\"entries\":[],\"route_"
		 "changes\":[],"
		 "\"peers\":[{\"ifindex\":3,\"pubkey\":\"" KEY "\",\"tx\":%u,"
		 "\"handshake\":%lld}]}\n",
		 t, tx, hs);
}

/*
 * stale_handshake as watch judges it at its last report: the peer sent
 * since the snapshot before, and its handshake is over 180 s old at the
 * time of the last snapshot (not the time report runs).
 */
static void stale_handshake_replayed(void **state)
{
	char text[4096] = "", line[512], path[256], err[512];
	const long long s = 1000000000LL, t0 = 1796612400LL;
	struct replay rp;

	(void)state;
	header(line, sizeof(line), RECORD_FORMAT, "r");
	append(text, sizeof(text), line);
	append(text, sizeof(text), INV);
	peer_snap(line, sizeof(line), t0 * s, 100, t0 - 100);
	append(text, sizeof(text), line);
	peer_snap(line, sizeof(line), (t0 + 10) * s, 100, t0 - 100);
	append(text, sizeof(text), line);
	/* Sending at t0 + 200; handshake 300 s old then. */
	peer_snap(line, sizeof(line), (t0 + 200) * s, 400, t0 - 100);
	append(text, sizeof(text), line);
	/* Not sending any more at t0 + 210. */
	peer_snap(line, sizeof(line), (t0 + 210) * s, 400, t0 - 100);
	append(text, sizeof(text), line);
	path_of(path, sizeof(path), "stale.jsonl.gz");
	write_gz(path, text);

	/* Up to t0 + 10: no traffic (and the handshake only 110 s old). */
	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, (t0 + 10) * s), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	assert_int_equal(count_of(&rp, "stale_handshake"), -1);
	replay_free(&rp);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, (t0 + 200) * s), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	assert_int_equal(count_of(&rp, "stale_handshake"), 1);
	replay_free(&rp);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), 0);
	assert_int_equal(count_of(&rp, "stale_handshake"), -1);
	replay_free(&rp);
}

static void other_format_refused(void **state)
{
	char line[512], path[256], err[512];
	struct replay rp;

	(void)state;
	header(line, sizeof(line), RECORD_FORMAT + 1, "r");
	path_of(path, sizeof(path), "newer.jsonl.gz");
	write_gz(path, line);
	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 1 "));
	assert_non_null(
	    strstr(err, "record format 2 (written by wgtrace 9.9)"));
	assert_non_null(strstr(err, "use a newer wgtrace"));
	replay_free(&rp);

	/* No header first: not a record at all. */
	path_of(path, sizeof(path), "noheader.jsonl.gz");
	write_gz(path, INV);
	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a wgtrace record"));
	replay_free(&rp);
}

static void truncated_stream(void **state)
{
	char text[8192] = "", line[512], path[256], cut[256], err[512];
	struct replay rp;
	struct stat st;
	FILE *in, *out;
	char *buf;
	long t;

	(void)state;
	header(line, sizeof(line), RECORD_FORMAT, "r");
	append(text, sizeof(text), line);
	append(text, sizeof(text), INV);
	snap(line, sizeof(line), 100, 9);
	append(text, sizeof(text), line);
	for (t = 200; t < 1200; t += 100) {
		snap(line, sizeof(line), t, 9);
		append(text, sizeof(text), line);
	}
	path_of(path, sizeof(path), "whole.jsonl.gz");
	write_gz(path, text);
	/* Half the compressed bytes: the stream ends inside its data. */
	assert_int_equal(stat(path, &st), 0);
	buf = malloc(st.st_size);
	assert_non_null(buf);
	in = fopen(path, "rb");
	assert_non_null(in);
	assert_int_equal(fread(buf, 1, st.st_size, in), (size_t)st.st_size);
	fclose(in);
	path_of(cut, sizeof(cut), "cut.jsonl.gz");
	out = fopen(cut, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, st.st_size - 12, out),
			 (size_t)st.st_size - 12);
	fclose(out);
	free(buf);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, cut, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, cut));
	assert_non_null(strstr(err, ": line "));
	assert_non_null(strstr(err, "(uncompressed offset "));
	assert_non_null(strstr(err, "truncated"));
	/* Every snapshot says 9: whatever was read before the cut says 9. */
	assert_true(rp.snapshots >= 1);
	assert_int_equal(count_of(&rp, "rpf_drop"), 9);
	replay_free(&rp);
}

/* Bytes flipped inside the compressed data: zlib's check fails, named. */
static void corrupted_stream(void **state)
{
	char text[8192] = "", line[512], path[256], err[512];
	struct replay rp;
	struct stat st;
	FILE *f;
	long t;
	int i;

	(void)state;
	header(line, sizeof(line), RECORD_FORMAT, "r");
	append(text, sizeof(text), line);
	append(text, sizeof(text), INV);
	for (t = 100; t < 1500; t += 100) {
		snap(line, sizeof(line), t, 9);
		append(text, sizeof(text), line);
	}
	path_of(path, sizeof(path), "flipped.jsonl.gz");
	write_gz(path, text);
	assert_int_equal(stat(path, &st), 0);
	f = fopen(path, "r+b");
	assert_non_null(f);
	for (i = 0; i < 8; i++) {
		assert_int_equal(fseek(f, st.st_size - 40 + i, SEEK_SET), 0);
		assert_int_not_equal(fputc(0x55 ^ i, f), EOF);
	}
	fclose(f);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ": line "));
	replay_free(&rp);
}

static void corrupted_line(void **state)
{
	char text[4096] = "", line[512], path[256], err[512];
	struct replay rp;
	uint64_t off;

	(void)state;
	header(line, sizeof(line), RECORD_FORMAT, "r");
	append(text, sizeof(text), line);
	append(text, sizeof(text), INV);
	snap(line, sizeof(line), 100, 4);
	append(text, sizeof(text), line);
	off = strlen(text);
	append(text, sizeof(text),
	       "{\"type\":\"snapshot\",\"t\":150,\"entr\x01\n");
	snap(line, sizeof(line), 200, 40);
	append(text, sizeof(text), line);
	path_of(path, sizeof(path), "bad.jsonl.gz");
	write_gz(path, text);

	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	assert_int_equal(replay_file(&rp, path, err, sizeof(err)), -EINVAL);
	snprintf(line, sizeof(line),
		 "%s: line 4 (uncompressed offset %llu): ", path,
		 (unsigned long long)off);
	assert_non_null(strstr(err, line));
	/* The report up to the damage: the snapshot before it, not after. */
	assert_int_equal(count_of(&rp, "rpf_drop"), 4);
	replay_free(&rp);

	/* A field of the wrong type is damage too, named. */
	assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX), 0);
	header(line, sizeof(line), RECORD_FORMAT, "r");
	assert_int_equal(
	    replay_line(&rp, line, strlen(line) - 1, err, sizeof(err)), 0);
	strcpy(line, "{\"type\":\"snapshot\",\"t\":1,\"entries\":[{\"verdict\":"
		     "\"x\"}]}");
	assert_int_equal(replay_line(&rp, line, strlen(line), err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "field \"verdict\" is not a number");
	replay_free(&rp);
}

/* Rotation by size keeps FILE.1 .. FILE.keep, each starting on its own. */
static void rotation(void **state)
{
	struct record_opts o = {.max_size = 1, .keep = 2, .command = "export"};
	struct loader *ld = calloc(1, sizeof(*ld));
	char path[256], p[300], err[512];
	struct inventory inv;
	struct record *r = NULL;
	struct wgt_event e;
	struct replay rp;
	int i;

	(void)state;
	assert_non_null(ld);
	path_of(path, sizeof(path), "rot.jsonl.gz");
	o.path = path;
	fake_inventory(&inv);
	assert_int_equal(record_open(&r, &o, ld), 0);
	assert_int_equal(record_inventory(r, &inv), 0);
	mtu_sample(&e);
	for (i = 0; i < 5; i++)
		assert_int_equal(record_event(r, &e), 0);
	assert_int_equal(record_close(r), 0);
	snprintf(p, sizeof(p), "%s.3", path);
	assert_int_not_equal(access(p, F_OK), 0);
	for (i = 0; i < 3; i++) {
		if (i)
			snprintf(p, sizeof(p), "%s.%d", path, i);
		else
			snprintf(p, sizeof(p), "%s", path);
		assert_int_equal(access(p, F_OK), 0);
		assert_int_equal(replay_init(&rp, NULL, INT64_MIN, INT64_MAX),
				 0);
		assert_int_equal(replay_file(&rp, p, err, sizeof(err)), 0);
		assert_int_equal(rp.headers, 1);
		assert_true(rp.have_inv);
		assert_int_equal(rp.inv.n_wg, 1);
		replay_free(&rp);
	}
	inventory_free(&inv);
	free(ld);
}

static void times_and_sizes(void **state)
{
	int64_t now = 1796612400LL * 1000000000LL, t; /* 2026-12-07T03:00:00Z */
	uint64_t sz;

	(void)state;
	assert_true(record_parse_time("2026-12-07T03:00:00Z", 0, &t));
	assert_int_equal(t, now);
	assert_true(record_parse_time("2026-12-07 04:00:00+01:00", 0, &t));
	assert_int_equal(t, now);
	assert_true(record_parse_time("2026-12-07T03:00:00.5Z", 0, &t));
	assert_int_equal(t, now + 500000000LL);
	assert_true(record_parse_time("-2h", now, &t));
	assert_int_equal(t, now - 7200LL * 1000000000LL);
	assert_true(record_parse_time("-90s", now, &t));
	assert_int_equal(t, now - 90LL * 1000000000LL);
	assert_true(record_parse_time("now", now, &t));
	assert_int_equal(t, now);
	assert_false(record_parse_time("yesterday", now, &t));
	assert_false(record_parse_time("2026-12-07T03:00:00", now, &t));
	assert_false(record_parse_time("2026-13-07T03:00:00Z", now, &t));
	assert_false(record_parse_time("-2", now, &t));
	assert_false(record_parse_time("-2w", now, &t));

	assert_true(parse_size("s", "64M", RECORD_MIN_MAX_SIZE,
			       RECORD_MAX_MAX_SIZE, &sz));
	assert_int_equal(sz, 64ULL << 20);
	assert_true(parse_size("s", "65536", RECORD_MIN_MAX_SIZE,
			       RECORD_MAX_MAX_SIZE, &sz));
	assert_int_equal(sz, 65536);
	assert_false(parse_size("s", "1K", RECORD_MIN_MAX_SIZE,
				RECORD_MAX_MAX_SIZE, &sz));
	assert_false(parse_size("s", "65G", RECORD_MIN_MAX_SIZE,
				RECORD_MAX_MAX_SIZE, &sz));
	assert_false(parse_size("s", "-1M", RECORD_MIN_MAX_SIZE,
				RECORD_MAX_MAX_SIZE, &sz));
	assert_false(parse_size("s", "10MB", RECORD_MIN_MAX_SIZE,
				RECORD_MAX_MAX_SIZE, &sz));
	assert_false(parse_size("s", "99999999999999999999G",
				RECORD_MIN_MAX_SIZE, RECORD_MAX_MAX_SIZE, &sz));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(window_and_runs),
	    cmocka_unit_test(stale_handshake_replayed),
	    cmocka_unit_test(other_format_refused),
	    cmocka_unit_test(truncated_stream),
	    cmocka_unit_test(corrupted_stream),
	    cmocka_unit_test(corrupted_line),
	    cmocka_unit_test(rotation),
	    cmocka_unit_test(times_and_sizes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
