// SPDX-License-Identifier: GPL-2.0
/*
 * pcapng, written here rather than by a library. libpcap writes classic
 * pcap only: one link type per file, no interface names, no per-packet
 * comments, which is what a trace's packets need. The maintained pcapng
 * writers are either Wireshark's wiretap (not a Debian -dev package; it
 * drags GLib and the dissector stack in) or light_pcapng (not packaged,
 * would be vendored and then be ours to maintain anyway). The subset
 * wgtrace writes is three block types of a few fields each, so a writer of
 * ~150 lines, fuzzed together with a reader that checks every block
 * (tests/fuzz/fuzz_pcapng.c), is less code to trust than either.
 *
 * Every number is written little-endian whatever the host (the byte-order
 * magic says so to readers), every block and option padded to 32 bits, and
 * each block ends with its total length again so readers can walk back.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "files/pcapng.h"

#define PAD4(n) (((n) + 3U) & ~3U)

static int put(struct pcapng_writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		return -EIO;
	return 0;
}

static int put32(struct pcapng_writer *w, uint32_t v)
{
	v = htole32(v);
	return put(w, &v, 4);
}

static int put16(struct pcapng_writer *w, uint16_t v)
{
	v = htole16(v);
	return put(w, &v, 2);
}

static int put_zeros(struct pcapng_writer *w, size_t n)
{
	static const uint8_t z[4];

	return put(w, z, n);
}

/* Bytes an option takes: code, length, value padded to 32 bits. */
static uint32_t opt_size(size_t len)
{
	return 4 + PAD4((uint32_t)len);
}

static size_t opt_len(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > PCAPNG_MAX_OPT ? PCAPNG_MAX_OPT : n;
}

static int put_opt(struct pcapng_writer *w, uint16_t code, const void *v,
		   size_t len)
{
	int err;

	err = put16(w, code);
	if (!err)
		err = put16(w, len);
	if (!err)
		err = put(w, v, len);
	if (!err)
		err = put_zeros(w, PAD4(len) - len);
	return err;
}

int pcapng_open(struct pcapng_writer *w, FILE *f, const char *appl,
		const char *os)
{
	size_t la = opt_len(appl), lo = opt_len(os);
	uint32_t total = 28 + 4; /* fixed fields + trailer, end of options */
	int err;

	memset(w, 0, sizeof(*w));
	w->f = f;
	if (la)
		total += opt_size(la);
	if (lo)
		total += opt_size(lo);
	err = put32(w, PCAPNG_BT_SHB);
	if (!err)
		err = put32(w, total);
	if (!err)
		err = put32(w, PCAPNG_BYTE_ORDER);
	if (!err)
		err = put16(w, 1); /* version 1.0 */
	if (!err)
		err = put16(w, 0);
	/* Section length unknown (-1): written as the packets arrive. */
	if (!err)
		err = put32(w, 0xffffffffU);
	if (!err)
		err = put32(w, 0xffffffffU);
	if (!err && la)
		err = put_opt(w, PCAPNG_SHB_USERAPPL, appl, la);
	if (!err && lo)
		err = put_opt(w, PCAPNG_SHB_OS, os, lo);
	if (!err)
		err = put32(w, PCAPNG_OPT_END);
	if (!err)
		err = put32(w, total);
	return err;
}

int pcapng_add_if(struct pcapng_writer *w, const char *name, uint16_t linktype,
		  uint32_t snaplen, uint32_t *id)
{
	size_t ln = opt_len(name);
	uint8_t tsresol = 9; /* 10^-9 s: the kernel's nanoseconds */
	uint32_t total = 20 + opt_size(1) + 4; /* + tsresol, end */
	int err;

	if (w->n_if >= PCAPNG_MAX_IF)
		return -ENOSPC;
	if (!snaplen || snaplen > PCAPNG_MAX_SNAPLEN)
		return -EINVAL;
	if (ln)
		total += opt_size(ln);
	err = put32(w, PCAPNG_BT_IDB);
	if (!err)
		err = put32(w, total);
	if (!err)
		err = put16(w, linktype);
	if (!err)
		err = put16(w, 0);
	if (!err)
		err = put32(w, snaplen);
	if (!err && ln)
		err = put_opt(w, PCAPNG_IF_NAME, name, ln);
	if (!err)
		err = put_opt(w, PCAPNG_IF_TSRESOL, &tsresol, 1);
	if (!err)
		err = put32(w, PCAPNG_OPT_END);
	if (!err)
		err = put32(w, total);
	if (err)
		return err;
	w->snaplen[w->n_if] = snaplen;
	*id = w->n_if++;
	return 0;
}

int pcapng_packet(struct pcapng_writer *w, uint32_t if_id, uint64_t ts_ns,
		  const void *data, uint32_t caplen, uint32_t origlen,
		  const char *comment)
{
	size_t lc = opt_len(comment);
	uint32_t total;
	int err;

	if (if_id >= w->n_if || (caplen && !data))
		return -EINVAL;
	if (caplen > w->snaplen[if_id])
		caplen = w->snaplen[if_id];
	if (origlen < caplen)
		origlen = caplen;
	total = 28 + PAD4(caplen) + 4;
	if (lc)
		total += opt_size(lc) + 4; /* the comment, end of options */
	err = put32(w, PCAPNG_BT_EPB);
	if (!err)
		err = put32(w, total);
	if (!err)
		err = put32(w, if_id);
	if (!err)
		err = put32(w, ts_ns >> 32);
	if (!err)
		err = put32(w, (uint32_t)ts_ns);
	if (!err)
		err = put32(w, caplen);
	if (!err)
		err = put32(w, origlen);
	if (!err)
		err = put(w, data, caplen);
	if (!err)
		err = put_zeros(w, PAD4(caplen) - caplen);
	if (!err && lc)
		err = put_opt(w, PCAPNG_OPT_COMMENT, comment, lc);
	if (!err && lc)
		err = put32(w, PCAPNG_OPT_END);
	if (!err)
		err = put32(w, total);
	if (!err)
		w->packets++;
	return err;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

/*
 * An option list from p to end (the trailer): every option inside, padded,
 * and the list closed by opt_endofopt exactly at the end when not empty.
 */
static bool check_opts(const uint8_t *p, const uint8_t *end, size_t *comments)
{
	while (p < end) {
		uint16_t code, len;

		if (end - p < 4)
			return false;
		code = get16(p);
		len = get16(p + 2);
		p += 4;
		if (code == PCAPNG_OPT_END)
			return len == 0 && p == end;
		if ((size_t)(end - p) < PAD4(len))
			return false;
		if (code == PCAPNG_OPT_COMMENT)
			(*comments)++;
		p += PAD4(len);
	}
	return p == end;
}

int pcapng_check(const uint8_t *buf, size_t len, struct pcapng_summary *s,
		 size_t *at)
{
	uint32_t snaplen[PCAPNG_MAX_IF], n_if = 0;
	size_t off = 0;

	memset(s, 0, sizeof(*s));
	while (off < len) {
		const uint8_t *b = buf + off;
		uint32_t type, total, caplen, origlen, id;

		*at = off;
		if (len - off < 12)
			return -EINVAL;
		type = get32(b);
		total = get32(b + 4);
		if (total < 12 || total % 4 || total > len - off ||
		    get32(b + total - 4) != total)
			return -EINVAL;
		switch (type) {
		case PCAPNG_BT_SHB:
			if (total < 28 || get32(b + 8) != PCAPNG_BYTE_ORDER ||
			    get16(b + 12) != 1 ||
			    !check_opts(b + 24, b + total - 4, &s->n_comments))
				return -EINVAL;
			s->n_shb++;
			n_if = 0;
			break;
		case PCAPNG_BT_IDB:
			if (!s->n_shb || total < 20 || n_if >= PCAPNG_MAX_IF ||
			    !check_opts(b + 16, b + total - 4, &s->n_comments))
				return -EINVAL;
			snaplen[n_if++] = get32(b + 12);
			s->n_idb++;
			break;
		case PCAPNG_BT_EPB:
			if (!s->n_shb || total < 32)
				return -EINVAL;
			id = get32(b + 8);
			caplen = get32(b + 20);
			origlen = get32(b + 24);
			if (id >= n_if || caplen > origlen ||
			    (snaplen[id] && caplen > snaplen[id]) ||
			    PAD4(caplen) > total - 32 ||
			    !check_opts(b + 28 + PAD4(caplen), b + total - 4,
					&s->n_comments))
				return -EINVAL;
			s->n_epb++;
			break;
		default:
			/* wgtrace writes no other block: anything else is
			 * damage. */
			return -EINVAL;
		}
		off += total;
	}
	*at = off;
	return s->n_shb ? 0 : -EINVAL;
}
