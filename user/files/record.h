/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record of a watch or export run (`--record FILE`): gzip-compressed
 * JSON Lines that `wgtrace report` reads back, offline, on any machine.
 *
 * One object per line, each with "type" and "t" (wall clock, ns):
 *   header     first line of every file: format, wgtrace version, kernel,
 *              hostname, netns, start time, run id, the hook modes
 *   inventory  links, WireGuard devices and peers, routes, sysctls: at the
 *              start of every file and whenever the configuration changed
 *   event      one sample the kernel sent (an example flow of a verdict)
 *   snapshot   the counters after a refresh (cumulative since attach),
 *              route changes seen, the names of kernel drop sites, the
 *              peers whose tx bytes or handshake time changed
 *
 * The reader rebuilds a struct live from these lines and hands it to
 * live_findings(), so `report` and `watch` share one verdict logic.
 */
#ifndef WGT_RECORD_H
#define WGT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/finding.h"
#include "config/inventory.h"
#include "model/live.h"
#include "attach/loader.h"
#include "wgtrace.h"

/* Bump on any change a reader of the older format would misread. */
#define RECORD_FORMAT 1
#define RECORD_DEF_MAX_SIZE (64ULL << 20)
#define RECORD_MIN_MAX_SIZE (64ULL << 10)
#define RECORD_MAX_MAX_SIZE (64ULL << 30)
#define RECORD_DEF_KEEP 4
#define RECORD_MAX_KEEP 100
/* A longer line is damage, not a record: bounds the reader's memory. */
#define RECORD_MAX_LINE (256U << 20)

struct record_opts {
	const char *path;
	uint64_t max_size;    /* compressed bytes per file before rotating */
	unsigned int keep;    /* rotated files kept besides path */
	const char *command;  /* "watch", "export" */
	const char *netns;    /* --netns as given; NULL: the current one */
	const char *only_dev; /* -i as given */
};

struct record;

/*
 * Before anything is attached: can path be written (its folder exists and
 * is writable, path is no folder)? 0, or -errno with a message printed.
 */
int record_check_path(const char *path);
/*
 * Create path (an existing record set is rotated away first, never
 * overwritten) and write the header. 0 or -errno.
 */
int record_open(struct record **out, const struct record_opts *o,
		const struct loader *ld);
/* A sample from the ring buffer; other event types are not recorded. */
int record_event(struct record *r, const struct wgt_event *e);
/* Write the inventory if it differs from the last one written. */
int record_inventory(struct record *r, const struct inventory *inv);
/* The counters of l after live_refresh(); flushed to disk at once. */
int record_snapshot(struct record *r, struct live *l, uint64_t events_lost);
/* Finish the gzip stream. 0 or -errno; r is freed either way. */
int record_close(struct record *r);
/*
 * {"fact": "mode", ...} for the facts ld watches: the "modes" of a record
 * header, and of the reports that show where a record's facts came from.
 */
struct json_object *record_modes_json(const struct loader *ld);

/* "64M", "1G", "65536": bytes within [min, max], or a message naming opt. */
bool parse_size(const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out);

/*
 * The --record options watch and export share, for their getopt_long
 * tables (ids above any command's own) and one parser: 0, or -WGT_EUSAGE
 * with the bad value said.
 */
enum { RECORD_OPT_PATH = 512, RECORD_OPT_MAX_SIZE, RECORD_OPT_KEEP };
#define RECORD_LONG_OPTIONS                                                    \
	{"record", required_argument, NULL, RECORD_OPT_PATH},                  \
	    {"record-max-size", required_argument, NULL, RECORD_OPT_MAX_SIZE}, \
	{                                                                      \
		"record-keep", required_argument, NULL, RECORD_OPT_KEEP        \
	}
int record_parse_opt(int opt, const char *arg, struct record_opts *o);

/* ---- Reading ---------------------------------------------------------- */

#define REPLAY_MAX_REVS 256

struct replay {
	/* In: the window (wall clock ns, inclusive) and -i. */
	int64_t since_ns, until_ns;
	const char *only_dev;
	/* From the header of the last file read. */
	int format;
	char version[32], kernel[128], hostname[256], netns[256], command[16];
	int64_t start_ns;
	/* What was seen. */
	uint64_t lines, headers, events, snapshots;
	int64_t first_ns, last_ns; /* of snapshots inside the window */
	uint64_t events_lost;
	/* The rebuilt state live_findings() reads. */
	struct live live;
	struct loader *ld;
	struct inventory inv;
	bool have_inv;
	/* Per live.e[i]: cumulative counts at the window's start (base),
	 * at its end (cur), and folded from earlier runs (acc). */
	uint64_t *base, *cur, *acc;
	char run[64]; /* run id of the current header */
	/* Peers' tx bytes at the snapshot before the last (live.prev_tx). */
	struct live_peer_tx *prev_tx;
	size_t n_prev_tx;
	bool peers_seen; /* a snapshot of this run had peers */
	/* Reverse routes of rp_filter samples as the gateway answered them. */
	struct {
		struct wgt_addr src;
		int oif, err;
	} revs[REPLAY_MAX_REVS];
	size_t n_revs;
};

int replay_init(struct replay *rp, const char *only_dev, int64_t since_ns,
		int64_t until_ns);
void replay_free(struct replay *rp);
/*
 * Apply one line (without its newline). 0, -EINVAL for a line that is
 * not a valid record line, -EPROTONOSUPPORT for a header of another format;
 * err says why (without file or line: the caller knows them).
 */
int replay_line(struct replay *rp, const char *line, size_t len, char *err,
		size_t errlen);
/*
 * Every line of a buffer of uncompressed JSON Lines. 0 or the first
 * error; *line_no is the line it happened on.
 */
int replay_buf(struct replay *rp, const char *buf, size_t len,
	       uint64_t *line_no, char *err, size_t errlen);
/*
 * A whole record file (gzip, or plain JSON Lines). 0, -ENOENT and the like
 * when it cannot be opened, -EINVAL / -EPROTONOSUPPORT when damaged or of
 * another format: err then names the file, the line and the offset, and rp
 * holds everything before the damage.
 */
int replay_file(struct replay *rp, const char *path, char *err, size_t errlen);
/*
 * A time for --since/--until: RFC 3339 ("2026-12-07T03:12:00Z", with a
 * fraction or a "+01:00" offset; a space for the T), "now", or relative to
 * now_ns: "-2h", "-30m", "-90s", "-1d". Wall clock ns; false if none.
 */
bool record_parse_time(const char *s, int64_t now_ns, int64_t *out);
/* The findings of the window, as watch would have printed them. */
int replay_findings(struct replay *rp, struct finding_list *out);

#endif /* WGT_RECORD_H */
