// SPDX-License-Identifier: GPL-2.0
/*
 * The pcapng writer against blocks laid out by hand from the pcapng
 * specification (draft-ietf-opsawg-pcapng: SHB section 4.1, IDB 4.2,
 * EPB 4.3, options 3.5), not from the writer's own output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "files/pcapng.h"

/* SHB, shb_userappl "wgt" (3 bytes + 1 pad), no shb_os. */
static const uint8_t shb_wgt[] = {
    0x0a, 0x0d, 0x0d, 0x0a, 40,	  0,	0,    0,    /* type, total length */
    0x4d, 0x3c, 0x2b, 0x1a,			    /* byte-order magic, LE */
    1,	  0,	0,    0,			    /* version 1.0 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* length -1 */
    4,	  0,	3,    0,    'w',  'g',	't',  0,    /* shb_userappl, padded */
    0,	  0,	0,    0,			    /* opt_endofopt */
    40,	  0,	0,    0,			    /* total length again */
};

/* SHB with both: shb_userappl "wgt" (3 + 1 pad), shb_os "Linux 6" (7 + 1). */
static const uint8_t shb_wgt_os[] = {
    0x0a, 0x0d, 0x0d, 0x0a, 52,	  0,	0,    0,    /* type, total length */
    0x4d, 0x3c, 0x2b, 0x1a,			    /* byte-order magic, LE */
    1,	  0,	0,    0,			    /* version 1.0 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* length -1 */
    4,	  0,	3,    0,    'w',  'g',	't',  0,    /* shb_userappl, padded */
    3,	  0,	7,    0,    'L',  'i',	'n',  'u',  /* shb_os */
    'x',  ' ',	'6',  0,			    /* ... padded */
    0,	  0,	0,    0,			    /* opt_endofopt */
    52,	  0,	0,    0,			    /* total length again */
};

/* IDB "wg0", LINKTYPE_RAW (101), snaplen 64, if_tsresol 9 (ns). */
static const uint8_t idb_wg0[] = {
    1,	0, 0, 0, 40,  0,   0,	0, 101, 0, 0, 0, /* link type, reserved */
    64, 0, 0, 0,				 /* snaplen */
    2,	0, 3, 0, 'w', 'g', '0', 0,		 /* if_name */
    9,	0, 1, 0, 9,   0,   0,	0,		 /* if_tsresol = 9 */
    0,	0, 0, 0, 40,  0,   0,	0,
};

/* EPB on interface 0 at 2^32 + 2 ns: 5 bytes of a 100-byte packet, "hi". */
static const uint8_t epb_hi[] = {
    6,	 0,   0,   0,	52,  0,	  0, 0, 0, 0, 0, 0, /* interface id */
    1,	 0,   0,   0,	2,   0,	  0, 0,		    /* timestamp high, low */
    5,	 0,   0,   0,	100, 0,	  0, 0,		    /* captured, original */
    'A', 'B', 'C', 'D', 'E', 0,	  0, 0, /* data, padded to 32 bits */
    1,	 0,   2,   0,	'h', 'i', 0, 0, /* opt_comment */
    0,	 0,   0,   0,	52,  0,	  0, 0,
};

/* EPB without a comment: no option list at all, 4 data bytes, no pad. */
static const uint8_t epb_plain[] = {
    6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0,	 0, 0, 0, 0,  0, 7, 0,
    0, 0, 4, 0, 0,  0, 4, 0, 0, 0, 0x45, 0, 0, 4, 36, 0, 0, 0,
};

struct mem {
	char *buf;
	size_t len;
	FILE *f;
	struct pcapng_writer w;
};

static void mem_open(struct mem *m, const char *appl)
{
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	assert_int_equal(pcapng_open(&m->w, m->f, appl, NULL), 0);
}

static void mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
}

static void test_shb(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, "wgt");
	mem_close(&m);
	assert_int_equal(m.len, sizeof(shb_wgt));
	assert_memory_equal(m.buf, shb_wgt, sizeof(shb_wgt));
	free(m.buf);
}

/* Both outputs name their writer and kernel: the capture's section header. */
static void test_shb_os(void **state)
{
	struct pcapng_summary s;
	struct mem m;
	size_t at;

	(void)state;
	m.f = open_memstream(&m.buf, &m.len);
	assert_non_null(m.f);
	assert_int_equal(pcapng_open(&m.w, m.f, "wgt", "Linux 6"), 0);
	mem_close(&m);
	assert_int_equal(pcapng_check((const uint8_t *)m.buf, m.len, &s, &at),
			 0);
	assert_int_equal(m.len, sizeof(shb_wgt_os));
	assert_memory_equal(m.buf, shb_wgt_os, sizeof(shb_wgt_os));
	free(m.buf);
}

static void test_idb_epb_padding_comment(void **state)
{
	struct mem m;
	uint32_t id = 99;

	(void)state;
	mem_open(&m, "wgt");
	assert_int_equal(
	    pcapng_add_if(&m.w, "wg0", PCAPNG_LINKTYPE_RAW, 64, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(
	    pcapng_packet(&m.w, 0, (1ULL << 32) + 2, "ABCDE", 5, 100, "hi"), 0);
	assert_int_equal(pcapng_packet(&m.w, 0, 7, "\x45\0\0\x04", 4, 4, NULL),
			 0);
	mem_close(&m);
	assert_int_equal(m.len, sizeof(shb_wgt) + sizeof(idb_wg0) +
				    sizeof(epb_hi) + sizeof(epb_plain));
	assert_memory_equal(m.buf + sizeof(shb_wgt), idb_wg0, sizeof(idb_wg0));
	assert_memory_equal(m.buf + sizeof(shb_wgt) + sizeof(idb_wg0), epb_hi,
			    sizeof(epb_hi));
	assert_memory_equal(m.buf + sizeof(shb_wgt) + sizeof(idb_wg0) +
				sizeof(epb_hi),
			    epb_plain, sizeof(epb_plain));
	free(m.buf);
}

/* A packet longer than the interface's snaplen is cut, its length kept. */
static void test_snaplen_truncation(void **state)
{
	uint8_t pkt[100], *epb;
	struct pcapng_summary s;
	struct mem m;
	uint32_t id;
	size_t at;

	(void)state;
	memset(pkt, 0xab, sizeof(pkt));
	mem_open(&m, "wgt");
	assert_int_equal(
	    pcapng_add_if(&m.w, "wg0", PCAPNG_LINKTYPE_RAW, 64, &id), 0);
	assert_int_equal(
	    pcapng_packet(&m.w, id, 1, pkt, sizeof(pkt), sizeof(pkt), NULL), 0);
	mem_close(&m);
	epb = (uint8_t *)m.buf + sizeof(shb_wgt) + sizeof(idb_wg0);
	/* 32 fixed bytes + 64 of data, no options. */
	assert_int_equal(m.len, sizeof(shb_wgt) + sizeof(idb_wg0) + 96);
	assert_int_equal(epb[4], 96);
	assert_int_equal(epb[20], 64);	/* captured */
	assert_int_equal(epb[24], 100); /* original */
	assert_int_equal(epb[92], 96);	/* trailer */
	assert_int_equal(pcapng_check((uint8_t *)m.buf, m.len, &s, &at), 0);
	assert_int_equal(s.n_epb, 1);
	free(m.buf);
}

/* Bad input is refused, never written half. */
static void test_refusals(void **state)
{
	struct mem m;
	uint32_t id;

	(void)state;
	mem_open(&m, NULL);
	assert_int_equal(pcapng_add_if(&m.w, "x", PCAPNG_LINKTYPE_RAW, 0, &id),
			 -EINVAL);
	assert_int_equal(pcapng_packet(&m.w, 0, 0, "x", 1, 1, NULL), -EINVAL);
	mem_close(&m);
	assert_int_equal(m.len, 32); /* the bare section header */
	free(m.buf);
}

/* The reader accepts the hand-made blocks and refuses damaged ones. */
static void test_check(void **state)
{
	uint8_t f[sizeof(shb_wgt) + sizeof(idb_wg0) + sizeof(epb_hi)];
	struct pcapng_summary s;
	size_t at;

	(void)state;
	memcpy(f, shb_wgt, sizeof(shb_wgt));
	memcpy(f + sizeof(shb_wgt), idb_wg0, sizeof(idb_wg0));
	memcpy(f + sizeof(shb_wgt) + sizeof(idb_wg0), epb_hi, sizeof(epb_hi));
	assert_int_equal(pcapng_check(f, sizeof(f), &s, &at), 0);
	assert_int_equal(s.n_shb, 1);
	assert_int_equal(s.n_idb, 1);
	assert_int_equal(s.n_epb, 1);
	assert_int_equal(s.n_comments, 1);
	/* Cut short: the last block's trailer is missing. */
	assert_int_equal(pcapng_check(f, sizeof(f) - 4, &s, &at), -EINVAL);
	assert_int_equal(at, sizeof(shb_wgt) + sizeof(idb_wg0));
	/* A packet on an interface never described. */
	f[sizeof(shb_wgt) + sizeof(idb_wg0) + 8] = 1;
	assert_int_equal(pcapng_check(f, sizeof(f), &s, &at), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shb),
	    cmocka_unit_test(test_shb_os),
	    cmocka_unit_test(test_idb_epb_padding_comment),
	    cmocka_unit_test(test_snaplen_truncation),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
