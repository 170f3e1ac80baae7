/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running part watch and export share: the loader attached in counters
 * mode, the live state it feeds, rtnetlink change notices, an optional
 * --record, and the configuration reread as it changes. The commands keep
 * only what they show and how often.
 */
#ifndef WGT_SESSION_H
#define WGT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "attach/loader.h"
#include "config/inventory.h"
#include "config/rtmon.h"
#include "files/record.h"
#include "model/intent.h"
#include "model/live.h"

struct session_opts {
	struct inventory *inv; /* loaded; replaced in place by each reread */
	const struct intent *intent; /* peer names; may be NULL */
	const char *dev;	     /* -i, may be NULL */
	bool hup;		     /* catch SIGHUP too (wgt_hup) */
	uint32_t pcap_snaplen;	     /* 0: samples without packet bytes */
	/* Ring buffer samples; NULL: live_on_event on the session's live. */
	ring_buffer_sample_fn on_event;
	void *event_ctx;
};

struct session {
	struct loader ld;
	struct live l; /* its address is fixed: usable before session_open */
	struct rtmon *mon;
	struct inventory *inv;
	const char *dev;
	bool started; /* the loader is attached: session_close detaches */
	uint64_t last_route_reload;
	/* The configuration last handed to the maps and the record. */
	uint64_t digest;
	bool digest_valid;
	uint64_t rereads_seen; /* l.rereads_taken when it was handed */
};

/* What one session_poll saw and did. */
struct session_poll {
	int changes;   /* RTMON_* bits */
	bool reloaded; /* the configuration was reread */
	int load_err;  /* rereading it failed: the last one is kept */
	int sync_err;  /* handing it to the kernel's maps failed */
};

/*
 * Catch the stop signals, attach (s zeroed, or only s->l touched), start
 * the live state and the rtnetlink listener. 0 or -errno; s->started says
 * whether the loader got attached. Call session_close() either way.
 */
int session_open(struct session *s, const struct session_opts *o);
/* --record: open it and write the configuration. 0 or -errno. */
int session_record(struct session *s, const struct record_opts *ro);
/*
 * Wait up to timeout_ms for samples or rtnetlink notices. A device change
 * rereads the configuration at once (its tc hooks are needed now, packets
 * before them go uncounted); a route change at most once a second (it
 * often comes with a new peer, whose traffic would count as no_peer until
 * the next interval). 0 or -errno of polling (-EINTR is 0).
 */
int session_poll(struct session *s, int timeout_ms, struct session_poll *p);
/*
 * Reread the configuration for the interval's report (handshakes, peers).
 * The maps and the record are written only when the configuration changed
 * (its digest). 0, or -errno with *sync_err set when the maps failed; on a
 * read error the last configuration is kept.
 */
int session_reload(struct session *s, int *sync_err);
/* The record's events-lost count and snapshot, when recording. */
void session_snapshot(struct session *s);
/*
 * Close the record, the listener and detach. Returns err, or the record's
 * first write error when err is 0 (a record cut short is a failed run);
 * *rec_err (may be NULL) gets that record error for the caller's message.
 */
int session_close(struct session *s, int err, int *rec_err);

#endif /* WGT_SESSION_H */
