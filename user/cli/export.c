// SPDX-License-Identifier: GPL-2.0
/*
 * `wgtrace export`: the kernel's counters as Prometheus metrics, served over
 * HTTP (libmicrohttpd) and/or written for node_exporter's textfile collector.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmdutil.h"
#include "base/common.h"
#include "model/live.h"
#include "model/metrics.h"
#include "files/record.h"
#include "config/rtmon.h"
#include "cli/session.h"

#define EXPORT_DEFAULT_PORT 9599
#define LOCK_DIR "/run/wgtrace"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_OPENMETRICS                                                         \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * HTTP limits, all enforced by libmicrohttpd itself. A scrape sends its
 * request in one go: a client idle for HTTP_IDLE_S while sending its
 * headers (one header line every 5 s) is cut off. One address holds at
 * most HTTP_PER_IP connections, so slow or many clients from one place
 * leave the other HTTP_MAX_CONN - HTTP_PER_IP slots to scrapers. A
 * request (line and headers) larger than HTTP_MEM bytes is refused
 * (431/414), never buffered. The poller is epoll (MHD_USE_AUTO), so the
 * connection count is not capped by select()'s FD_SETSIZE.
 */
#define HTTP_IDLE_S 3
#define HTTP_PER_IP 32
#define HTTP_MAX_CONN 512
#define HTTP_MEM (16 * 1024)
#define HTTP_BACKLOG 256

struct export_opts {
	const char *dev;
	const char *netns;
	const char *listen; /* NULL: default; "none": no HTTP */
	const char *textfile;
	const char *names_path;
	const char *intent_path;
	unsigned int interval_s;
	enum metrics_peer_labels peer_labels;
	unsigned int peer_expire_s;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct record_opts rec; /* rec.path NULL: no --record */
};

/* What the HTTP thread serves: both renderings, swapped under the lock. */
struct snapshot {
	pthread_mutex_t lock;
	char *prom;
	char *om;
	const char *not_ready; /* the 503 body while prom is NULL */
	uint64_t scrapes;
};

/* One-line records on stderr, logfmt, for journald and log shippers. */
static void logline(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void logline(const char *level, const char *fmt, ...)
{
	char t[32], msg[512];
	time_t now = time(NULL);
	va_list ap;

	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ts=%s level=%s msg=\"%s\"\n", t, level, msg);
}

static void export_usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: wgtrace export [options]\n\n"
	    "Serve wgtrace's drop and wrong-turn counters as Prometheus "
	    "metrics on\n"
	    "GET /metrics (OpenMetrics when the scraper asks for it), and/or "
	    "write\n"
	    "them for node_exporter's textfile collector. Counts are kept in "
	    "the\n"
	    "kernel; a scrape reads a snapshot at most one interval old. Runs "
	    "until\n"
	    "SIGTERM/SIGINT (then removes all it attached); SIGHUP reloads "
	    "names.\n"
	    "/metrics answers 503 until the hooks are attached: counting "
	    "starts\n"
	    "with the first 200.\n\n"
	    "Options:\n"
	    "  -i, --interface DEV   only DEV's WireGuard counters and peers\n"
	    "  -n, --netns NAME      observe network namespace NAME (or a "
	    "path); the\n"
	    "                        HTTP listener stays in wgtrace's own "
	    "namespace\n"
	    "  --listen ADDR:PORT    HTTP listen address (default "
	    "127.0.0.1:%d;\n"
	    "                        [::1]:PORT for IPv6; 'none' for no HTTP); "
	    "a\n"
	    "                        non-loopback address gets a warning: the\n"
	    "                        endpoint has no authentication\n"
	    "  --textfile PATH       also write PATH atomically every "
	    "interval\n"
	    "  --peer-names FILE     friendly names: lines 'name KEY NAME' "
	    "(intent format)\n"
	    "  --intent FILE         an intent file (its name lines are used)\n"
	    "  --interval S          snapshot interval, 1-3600 s (default 5)\n"
	    "  --peer-label WHICH    the peer label: all (default: a series "
	    "per peer\n"
	    "                        and verdict, one wgtrace_peer_info per "
	    "peer),\n"
	    "                        named (only peers in --peer-names; the "
	    "rest\n"
	    "                        count under peer=\"\"), none (totals per\n"
	    "                        interface, no wgtrace_peer_info)\n"
	    "  --peer-expire S       series of a peer removed from the "
	    "configuration\n"
	    "                        go S seconds later (1-86400, default "
	    "300)\n"
	    "  --record FILE         also write every sample, the counters of "
	    "each\n"
	    "                        interval and the configuration to FILE "
	    "(gzip'd\n"
	    "                        JSON Lines) for `wgtrace report`; an "
	    "existing\n"
	    "                        FILE is rotated to FILE.1, never "
	    "overwritten\n"
	    "  --record-max-size N   rotate FILE at N bytes (64K-64G, suffix "
	    "K/M/G;\n"
	    "                        default 64M)\n"
	    "  --record-keep N       rotated files kept: FILE.1 ... FILE.N "
	    "(0-100,\n"
	    "                        default 4)\n"
	    "  -v                    more logging\n"
	    "  -h, --help            this text\n\n"
	    "Examples:\n"
	    "  sudo wgtrace export\n"
	    "  sudo wgtrace export --listen 0.0.0.0:%d --peer-names "
	    "/etc/wgtrace/names\n"
	    "  sudo wgtrace export --peer-label none      # 20,000 peers, few "
	    "series\n"
	    "  sudo wgtrace export --listen none \\\n"
	    "       --textfile /var/lib/prometheus/node-exporter/wgtrace.prom\n"
	    "  sudo wgtrace export --record /var/lib/wgtrace/gw.jsonl.gz \\\n"
	    "       --record-max-size 256M --record-keep 8\n",
	    EXPORT_DEFAULT_PORT, EXPORT_DEFAULT_PORT);
}

/* "127.0.0.1:9599", "[::1]:9599", "0.0.0.0:9599". */
static bool parse_listen(const char *s, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return false;
		hl = end - s - 1;
		colon = end + 1;
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s + 1, hl);
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		hl = colon - s;
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (!parse_uint_range(colon + 1, 1, 65535, &port))
		return false;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) ==
	    1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons(port);
		*len = sizeof(struct sockaddr_in);
		return true;
	}
	if (inet_pton(AF_INET6, host,
		      &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		*len = sizeof(struct sockaddr_in6);
		return true;
	}
	return false;
}

static int parse_args(int argc, char **argv, struct export_opts *o)
{
	enum {
		O_LISTEN = 256,
		O_TEXTFILE,
		O_NAMES,
		O_INTENT,
		O_INTERVAL,
		O_PEER_LABEL,
		O_PEER_EXPIRE
	};
	static const struct option opts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"netns", required_argument, NULL, 'n'},
	    {"listen", required_argument, NULL, O_LISTEN},
	    {"textfile", required_argument, NULL, O_TEXTFILE},
	    {"peer-names", required_argument, NULL, O_NAMES},
	    {"intent", required_argument, NULL, O_INTENT},
	    {"interval", required_argument, NULL, O_INTERVAL},
	    {"peer-label", required_argument, NULL, O_PEER_LABEL},
	    {"peer-expire", required_argument, NULL, O_PEER_EXPIRE},
	    {"verbose", no_argument, NULL, 'v'},
	    RECORD_LONG_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	char def[32];
	int c;

	memset(o, 0, sizeof(*o));
	o->rec.max_size = RECORD_DEF_MAX_SIZE;
	o->rec.keep = RECORD_DEF_KEEP;
	o->rec.command = "export";
	o->interval_s = 5;
	o->peer_expire_s = METRICS_PEER_EXPIRE_S;
	while ((c = getopt_long(argc, argv, "i:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->dev = optarg;
			break;
		case 'n':
			o->netns = optarg;
			break;
		case O_LISTEN:
			o->listen = optarg;
			break;
		case O_TEXTFILE:
			o->textfile = optarg;
			break;
		case O_NAMES:
			o->names_path = optarg;
			break;
		case O_INTENT:
			o->intent_path = optarg;
			break;
		case O_INTERVAL:
			if (!parse_seconds("--interval", optarg, 3600,
					   &o->interval_s))
				return -WGT_EUSAGE;
			break;
		case O_PEER_EXPIRE:
			if (!parse_seconds("--peer-expire", optarg, 86400,
					   &o->peer_expire_s))
				return -WGT_EUSAGE;
			break;
		case O_PEER_LABEL:
			if (!metrics_parse_peer_labels(optarg,
						       &o->peer_labels)) {
				wgt_err("--peer-label '%s': give all, named or "
					"none",
					optarg);
				return -WGT_EUSAGE;
			}
			break;
		case RECORD_OPT_PATH:
		case RECORD_OPT_MAX_SIZE:
		case RECORD_OPT_KEEP:
			if (record_parse_opt(c, optarg, &o->rec))
				return -WGT_EUSAGE;
			break;
		case 'v':
			wgt_verbose++;
			break;
		case 'h':
			export_usage(stdout);
			return 1;
		default:
			export_usage(stderr);
			return -WGT_EUSAGE;
		}
	}
	if (optind < argc) {
		wgt_err("export takes no arguments, got '%s'", argv[optind]);
		return -WGT_EUSAGE;
	}
	if (o->peer_labels == METRICS_PEERS_NAMED && !o->names_path &&
	    !o->intent_path) {
		wgt_err("--peer-label named needs --peer-names or --intent "
			"(the names)");
		return -WGT_EUSAGE;
	}
	if (o->names_path && o->intent_path) {
		wgt_err("give --peer-names or --intent, not both (both are "
			"intent files)");
		return -WGT_EUSAGE;
	}
	o->rec.netns = o->netns;
	o->rec.only_dev = o->dev;
	if (o->listen && !strcmp(o->listen, "none")) {
		if (!o->textfile && !o->rec.path) {
			wgt_err("--listen none needs --textfile or --record, "
				"or there is no output");
			return -WGT_EUSAGE;
		}
		return 0;
	}
	snprintf(def, sizeof(def), "127.0.0.1:%d", EXPORT_DEFAULT_PORT);
	if (!parse_listen(o->listen ? o->listen : def, &o->addr,
			  &o->addr_len)) {
		wgt_err("--listen '%s': give ADDR:PORT, e.g. 127.0.0.1:%d or "
			"[::1]:%d",
			o->listen, EXPORT_DEFAULT_PORT, EXPORT_DEFAULT_PORT);
		return -WGT_EUSAGE;
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *ctype, const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_ctx)
{
	struct snapshot *snap = cls;
	const char *accept, *body;
	enum MHD_Result ret;
	bool om;

	(void)version;
	(void)upload;
	if (!*req_ctx) {
		/* First call carries only headers; answer on the next. */
		*req_ctx = snap;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body is ignored, never buffered */
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     "only GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
			     "not found: wgtrace serves /metrics\n");
	accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_ACCEPT);
	om = accept && strstr(accept, "application/openmetrics-text");
	pthread_mutex_lock(&snap->lock);
	body = om ? snap->om : snap->prom;
	/*
	 * No snapshot yet means the hooks are not attached: an empty 200
	 * would make Prometheus mark every series stale, and a client that
	 * waits for 200 before sending traffic would see it uncounted.
	 */
	if (!body) {
		ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			    snap->not_ready ? snap->not_ready
					    : "not ready: no snapshot\n");
	} else {
		snap->scrapes++;
		ret = reply(conn, MHD_HTTP_OK, om ? CT_OPENMETRICS : CT_PROM,
			    body);
	}
	pthread_mutex_unlock(&snap->lock);
	return ret;
}

/* Only the host itself can reach a loopback listener. */
static bool addr_is_loopback(const struct sockaddr_storage *ss)
{
	const struct in6_addr *a6 =
	    &((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)
				  ->sin_addr.s_addr) >>
			24) == 127;
	return IN6_IS_ADDR_LOOPBACK(a6) ||
	       (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/* Bind ourselves: the error then names the real cause (in use, no such
 * address). */
static int listen_socket(const struct export_opts *o, int *fd_out)
{
	int fd, one = 1, err;

	fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* A burst of scrapers (or of anything) waits in the backlog rather
	 * than in SYN retries. */
	if (bind(fd, (struct sockaddr *)&o->addr, o->addr_len) ||
	    listen(fd, HTTP_BACKLOG)) {
		err = -errno;
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

/*
 * One exporter per namespace: two (even for different -i) would attach to
 * the same devices and dashboards summing instances would count twice.
 * The lock file is removed on exit; a file removed (or replaced) between
 * our open and our flock belongs to no one, so we lock again: only the
 * file the path names counts.
 */
static int take_lock(char *path, size_t path_len, int *fd_out)
{
	struct stat st_fd, st_path;
	char pid[32];
	int fd, n, tries;

	if (mkdir(LOCK_DIR, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, path_len, LOCK_DIR "/export-%u.lock",
		 current_netns_ino());
	for (tries = 0; tries < 10; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			n = read(fd, pid, sizeof(pid) - 1);
			pid[n > 0 ? n : 0] = '\0';
			wgt_err("another wgtrace export (pid %s) already "
				"serves this network namespace (lock %s)",
				pid[0] ? strtok(pid, "\n") : "?", path);
			close(fd);
			return -EBUSY;
		}
		if (!fstat(fd, &st_fd) && !stat(path, &st_path) &&
		    st_fd.st_ino == st_path.st_ino &&
		    st_fd.st_dev == st_path.st_dev)
			break;
		close(fd); /* unlinked by an exiting owner: again */
		fd = -1;
	}
	if (fd < 0)
		return -EAGAIN;
	if (ftruncate(fd, 0) == 0) {
		n = snprintf(pid, sizeof(pid), "%d\n", getpid());
		if (write(fd, pid, n) != n)
			wgt_dbg(1, "cannot write the pid into %s", path);
	}
	*fd_out = fd;
	return 0;
}

/* Unlink while still holding the lock: see take_lock for the race. */
static void drop_lock(const char *path, int fd)
{
	if (fd < 0)
		return;
	if (unlink(path))
		wgt_dbg(1, "cannot remove %s: %s", path, strerror(errno));
	close(fd);
}

static int write_textfile(const char *path, const char *text)
{
	char tmp[4096];
	size_t len = strlen(text);
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		err = errno ? -errno : -EIO;
	close(fd);
	/* rename() is atomic: the collector never reads half a file. */
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int check_textfile_dir(const char *path)
{
	char copy[4096], *dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	return access(dir, W_OK) ? -errno : 0;
}

/* At start an error is a usage error; on SIGHUP it is a log record. */
static int load_names(const struct export_opts *o, struct intent *in,
		      bool running)
{
	const char *path = o->names_path ? o->names_path : o->intent_path;
	char msg[512];

	if (!path)
		return 0;
	if (intent_load_file(path, in, msg, sizeof(msg))) {
		if (running)
			logline("error", "%s", msg);
		else
			wgt_err("%s", msg);
		return -WGT_EUSAGE;
	}
	return 0;
}

/* libmicrohttpd's own messages, as log records: one per bad request at
 * most, and only with -v (anyone reaching the port could fill the log). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	if (wgt_verbose < 1)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strcspn(msg, "\n\"");
	msg[n] = '\0';
	logline("debug", "http: %s", msg);
}

static void snapshot_take(struct snapshot *snap, struct metrics *m,
			  struct live *l, double start_time)
{
	char *prom = metrics_render(m, l, METRICS_PROMETHEUS, start_time);
	char *om = metrics_render(m, l, METRICS_OPENMETRICS, start_time);

	pthread_mutex_lock(&snap->lock);
	free(snap->prom);
	free(snap->om);
	snap->prom = prom;
	snap->om = om;
	pthread_mutex_unlock(&snap->lock);
}

/* The interval's snapshot: counters, metrics, the textfile, the record. */
static int export_tick(const struct export_opts *o, struct session *s,
		       struct metrics *m, struct snapshot *snap,
		       double start_time)
{
	struct finding_list fl = {0};
	int err;

	err = live_refresh(&s->l, false);
	if (err) {
		logline("error", "reading counters: %s", strerror(-err));
		return err;
	}
	/* Location names are needed to tell no_forward apart. */
	live_findings(&s->l, &fl);
	finding_list_free(&fl);
	metrics_update(m, &s->l);
	session_snapshot(s);
	snapshot_take(snap, m, &s->l, start_time);
	if (!o->textfile)
		return 0;
	pthread_mutex_lock(&snap->lock);
	err = snap->prom ? write_textfile(o->textfile, snap->prom) : -ENOMEM;
	pthread_mutex_unlock(&snap->lock);
	if (err)
		logline("error", "cannot write %s: %s", o->textfile,
			strerror(-err));
	return 0;
}

static void reload_names(const struct export_opts *o, struct intent *names)
{
	struct intent in = {0};

	if (!load_names(o, &in, true)) {
		intent_free(names);
		*names = in;
		logline("info", "peer names reloaded");
	} else {
		logline("error",
			"peer names not reloaded: keeping the old ones");
	}
}

static int run_export(const struct export_opts *o, struct inventory *inv,
		      struct intent *names, struct snapshot *snap)
{
	struct session_opts so = {
	    .inv = inv, .intent = names, .dev = o->dev, .hup = true};
	struct metrics m = {0};
	struct session s = {0};
	struct session_poll p;
	uint64_t next_tick;
	double start_time = (double)time(NULL);
	int err, prev_err, rec_err, sync_err;
	size_t i;

	err = metrics_init(&m);
	m.peer_labels = o->peer_labels;
	m.peer_expire_s = o->peer_expire_s;
	if (!err)
		err = session_open(&s, &so);
	if (err)
		goto cleanup;
	for (i = 0; i < LF__COUNT; i++)
		if (loader_fact_used(&s.ld, i))
			logline("info", "hook %s mode %s", loader_fact_name(i),
				wgt_mode_name(s.ld.mode[i]));
	if (o->rec.path) {
		err = session_record(&s, &o->rec);
		if (err) {
			logline("error", "cannot write the record %s: %s",
				o->rec.path, strerror(-err));
			goto cleanup;
		}
	}
	snapshot_take(snap, &m, &s.l, start_time);
	logline("info", "ready; %zu WireGuard devices", inv->n_wg);

	next_tick = monotonic_ns() + o->interval_s * NSEC_PER_SEC;
	while (!wgt_stop) {
		err = session_poll(&s, 250, &p);
		if (err) {
			logline("error", "reading events: %s", strerror(-err));
			goto cleanup;
		}
		if (wgt_hup) {
			wgt_hup = 0;
			reload_names(o, names);
		}
		if (p.sync_err)
			logline("error", "following the WireGuard devices: %s",
				strerror(-p.sync_err));
		if (s.l.rec_err)
			break;
		if (monotonic_ns() < next_tick)
			continue;
		next_tick += o->interval_s * NSEC_PER_SEC;
		if (session_reload(&s, &sync_err) && sync_err)
			logline("error", "following the WireGuard devices: %s",
				strerror(-sync_err));
		err = export_tick(o, &s, &m, snap, start_time);
		if (err)
			goto cleanup;
	}
	/* The record ends with the counts up to now, as watch's final report.
	 */
	if (s.l.rec && !s.l.rec_err) {
		loader_poll(&s.ld, 0);
		if (!live_refresh(&s.l, false))
			session_snapshot(&s);
	}
	logline("info", "stopping; %llu scrapes served",
		(unsigned long long)snap->scrapes);
cleanup:
	prev_err = err;
	err = session_close(&s, err, &rec_err);
	/* A record cut short is a failed run: the SRE relies on it later. */
	if (rec_err && !prev_err)
		logline("error", "writing the record %s failed: %s",
			o->rec.path, strerror(-rec_err));
	metrics_free(&m);
	return err;
}

int cmd_export(int argc, char **argv)
{
	struct snapshot snap = {
	    .lock = PTHREAD_MUTEX_INITIALIZER,
	    .not_ready = "not ready: attaching the hooks; retry shortly\n",
	};
	struct MHD_Daemon *httpd = NULL;
	struct intent names = {0};
	struct inventory inv;
	struct export_opts o;
	int err, lfd = -1, lock_fd = -1;
	char lock_path[256];
	bool have_inv = false;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	/* Refused now, not after attaching: the record is why they ran. */
	if (o.rec.path && record_check_path(o.rec.path))
		return -WGT_EUSAGE;
	err = cmd_need_bpf("export");
	if (err)
		return err;
	err = load_names(&o, &names, false);
	if (err)
		return err;
	if (o.textfile && check_textfile_dir(o.textfile)) {
		wgt_err("--textfile %s: its folder is not writable (%s)",
			o.textfile, strerror(errno));
		err = -WGT_EUSAGE;
		goto cleanup;
	}
	/* The listener lives in our own namespace, so a local Prometheus can
	 * scrape while the counters come from the observed one. */
	if (o.addr_len && !addr_is_loopback(&o.addr))
		logline("warning",
			"listening on %s, not loopback: anyone who can reach "
			"it reads the metrics (no authentication, no TLS); "
			"prefer 127.0.0.1 behind a proxy or a firewall rule",
			o.listen);
	if (o.addr_len) {
		err = listen_socket(&o, &lfd);
		if (err) {
			wgt_err("cannot listen on %s: %s",
				o.listen ? o.listen : "127.0.0.1:9599",
				strerror(-err));
			goto cleanup;
		}
		httpd = MHD_start_daemon(
		    MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
		    NULL, on_request, &snap, MHD_OPTION_LISTEN_SOCKET, lfd,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONN,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned int)HTTP_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned int)HTTP_IDLE_S,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEM,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
		if (!httpd) {
			wgt_err("cannot start the HTTP server");
			err = -EIO;
			goto cleanup;
		}
		lfd = -1; /* the daemon owns it now */
	}
	if (o.netns)
		err = cmd_enter_netns(o.netns);
	if (!err)
		err = take_lock(lock_path, sizeof(lock_path), &lock_fd);
	if (!err)
		err = cmd_load_inventory(&inv, o.dev);
	if (err)
		goto cleanup;
	have_inv = true;
	/* Now, not at attach: SIGHUP must not end an exporter that loads. */
	err = wgt_catch_signals(true);
	if (err)
		goto cleanup;
	if (httpd)
		logline("info",
			"listening on http://%s/metrics (503 until the hooks "
			"are attached)",
			o.listen ? o.listen : "127.0.0.1:9599");
	err = run_export(&o, &inv, &names, &snap);
cleanup:
	if (httpd)
		MHD_stop_daemon(httpd);
	if (lfd >= 0)
		close(lfd);
	drop_lock(lock_path, lock_fd);
	if (have_inv)
		inventory_free(&inv);
	intent_free(&names);
	free(snap.prom);
	free(snap.om);
	return err;
}
