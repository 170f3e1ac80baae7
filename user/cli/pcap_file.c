// SPDX-License-Identifier: GPL-2.0
/* The pcapng file of trace --pcap and watch --pcap (pcap_file.h). */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "base/common.h"
#include "base/output.h"
#include "cli/pcap_file.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int pcap_file_open(struct pcap_file *pf, const char *path, uint32_t snaplen)
{
	char os[sizeof(((struct utsname *)0)->release) + 16] = "";
	struct utsname u;
	int err;

	memset(pf, 0, sizeof(*pf));
	pf->snaplen = snaplen;
	pf->mono_to_real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	pf->f = fopen(path, "wbe");
	if (!pf->f) {
		err = -errno;
		wgt_err("cannot write %s: %s", path, strerror(errno));
		return err;
	}
	if (!uname(&u))
		snprintf(os, sizeof(os), "Linux %s", u.release);
	err = pcapng_open(&pf->w, pf->f, "wgtrace " WGTRACE_VERSION, os);
	if (err) {
		wgt_err("cannot write %s: %s", path, strerror(-err));
		fclose(pf->f);
		pf->f = NULL;
	}
	return err;
}

static int if_id(struct pcap_file *pf, const struct inventory *inv, int ifindex,
		 uint32_t *id)
{
	const struct inv_link *l = inv_link_by_index(inv, ifindex);
	char name[UTF8_CLEAN_SIZE(IF_NAMESIZE)];
	uint32_t i;
	int err;

	for (i = 0; i < pf->w.n_if; i++)
		if (pf->if_index[i] == ifindex) {
			*id = i;
			return 0;
		}
	/* pcapng names are UTF-8; a device name need not be. */
	if (l)
		utf8_clean(l->name, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "if%d", ifindex);
	/* Every record is bare IP from the network header on. */
	err = pcapng_add_if(&pf->w, name, PCAPNG_LINKTYPE_RAW, pf->snaplen, id);
	if (!err)
		pf->if_index[*id] = ifindex;
	return err;
}

int pcap_file_packet(struct pcap_file *pf, const struct inventory *inv,
		     const struct wgt_pkt *k, uint32_t caplen,
		     const char *comment)
{
	uint32_t id;
	int err;

	err = if_id(pf, inv, k->ifindex, &id);
	if (!err)
		err = pcapng_packet(&pf->w, id, k->ts_ns + pf->mono_to_real,
				    k->data, caplen, k->len, comment);
	return err;
}

int pcap_file_close(struct pcap_file *pf)
{
	int err = 0;

	if (pf->f && fclose(pf->f))
		err = -errno;
	pf->f = NULL;
	return err;
}

int pcap_file_finish(struct pcap_file *pf, const char *path, int write_err,
		     uint64_t written, bool failed, const char *more)
{
	int err = pcap_file_close(pf);

	err = write_err ?: err;
	if (err)
		wgt_err("writing %s failed: %s", path, strerror(-err));
	else
		fprintf(stderr, "wgtrace: %llu packets written to %s%s%s\n",
			(unsigned long long)written, path, more,
			failed ? " (some could not be: more devices than "
				 "the file describes)"
			       : "");
	return err;
}
