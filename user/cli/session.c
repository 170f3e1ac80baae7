// SPDX-License-Identifier: GPL-2.0
/* The attach, follow and detach that watch and export share: session.h. */
#include <errno.h>
#include <string.h>

#include "base/common.h"
#include "cli/session.h"

int session_open(struct session *s, const struct session_opts *o)
{
	struct loader_opts lo = {
	    .counters = true, .want = LF_COUNT_SET, .inv = o->inv};
	size_t i;
	int err;

	s->inv = o->inv;
	s->dev = o->dev;
	/* Before attaching: a stop during the attach still detaches. */
	err = wgt_catch_signals(o->hup);
	if (err)
		return err;
	for (i = 0; i < o->inv->n_wg && lo.n_wg < LOADER_MAX_TC; i++)
		lo.wg_ifindex[lo.n_wg++] = o->inv->wg[i].ifindex;
	lo.netns_ino = current_netns_ino();
	lo.pcap_snaplen = o->pcap_snaplen;
	err = live_alloc(&s->l);
	if (err)
		return err;
	err = loader_start(&s->ld, &lo, o->on_event ?: live_on_event,
			   o->on_event ? o->event_ctx : &s->l);
	if (err)
		return err;
	s->started = true;
	err = live_init(&s->l, &s->ld, o->inv, o->intent, o->dev);
	if (!err)
		err = rtmon_open(&s->mon);
	if (err)
		return err;
	/* What loader_start filled the maps from. */
	s->digest = inventory_config_digest(o->inv);
	s->digest_valid = true;
	return 0;
}

int session_record(struct session *s, const struct record_opts *ro)
{
	int err;

	err = record_open(&s->l.rec, ro, &s->ld);
	if (!err)
		err = record_inventory(s->l.rec, s->inv);
	return err;
}

int session_reload(struct session *s, int *sync_err)
{
	struct inventory fresh;
	uint64_t digest;
	int err;

	*sync_err = 0;
	err = inventory_load(&fresh, s->dev);
	if (err)
		return err;
	inventory_free(s->inv);
	*s->inv = fresh;
	s->l.inv = s->inv;
	live_remember_names(&s->l);
	/*
	 * Most rereads change only counters and handshakes: then the maps
	 * and the record already hold this configuration.
	 */
	digest = inventory_config_digest(s->inv);
	if (s->digest_valid && digest == s->digest &&
	    s->rereads_seen == s->l.rereads_taken)
		return 0;
	wgt_dbg(2, "the configuration changed: updating the maps");
	if (s->l.rec && !s->l.rec_err)
		s->l.rec_err = record_inventory(s->l.rec, s->inv);
	/* Devices and peers come and go: keep the kernel side in step. */
	*sync_err = loader_sync(&s->ld, s->inv);
	/* A failed sync is tried again at the next reread. */
	s->digest = digest;
	s->digest_valid = !*sync_err;
	s->rereads_seen = s->l.rereads_taken;
	return *sync_err;
}

int session_poll(struct session *s, int timeout_ms, struct session_poll *p)
{
	uint64_t now;
	bool due;
	int err;

	memset(p, 0, sizeof(*p));
	err = loader_poll_with(&s->ld, rtmon_fd(s->mon), timeout_ms);
	if (err && err != -EINTR)
		return err;
	p->changes = rtmon_drain(s->mon);
	now = monotonic_ns();
	due = p->changes & RTMON_LINKS;
	if ((p->changes & RTMON_ROUTES) &&
	    now - s->last_route_reload > NSEC_PER_SEC) {
		s->last_route_reload = now;
		due = true;
	}
	if (due) {
		p->reloaded = true;
		p->load_err = session_reload(s, &p->sync_err);
	}
	live_recheck(&s->l);
	return 0;
}

void session_snapshot(struct session *s)
{
	if (s->l.rec && !s->l.rec_err)
		s->l.rec_err = record_snapshot(
		    s->l.rec, &s->l, loader_stat(&s->ld, WGT_STAT_EVENTS_LOST));
}

int session_close(struct session *s, int err, int *rec_err)
{
	if (s->l.rec) {
		int rerr = record_close(s->l.rec);

		s->l.rec_err = s->l.rec_err ?: rerr;
		s->l.rec = NULL;
	}
	if (rec_err)
		*rec_err = s->l.rec_err;
	err = err ?: s->l.rec_err;
	rtmon_close(s->mon);
	s->mon = NULL;
	if (s->started)
		loader_stop(&s->ld);
	s->started = false;
	live_free(&s->l);
	return err;
}
