// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the pcapng writer. The input is a script: each
 * step adds an interface or writes a packet with a comment of some length,
 * cut from the input itself. The file written is then parsed back by
 * pcapng_check(), which must accept every block and count exactly the
 * interfaces, packets and comments written. The raw input is also fed to
 * pcapng_check() as a file: it must refuse or accept, never read outside.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files/pcapng.h"

static void check_raw(const uint8_t *data, size_t size)
{
	struct pcapng_summary s;
	uint8_t *copy = malloc(size ? size : 1);
	size_t at;

	/* A buffer of its own: ASan sees any read past the input. */
	if (!copy)
		return;
	memcpy(copy, data, size);
	pcapng_check(copy, size, &s, &at);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n_if = 0, n_pkt = 0, n_comments = 0, i = 0, at, len = 0;
	struct pcapng_writer w;
	struct pcapng_summary s;
	char *buf = NULL, name[32];
	FILE *f;

	check_raw(data, size);
	f = open_memstream(&buf, &len);
	if (!f)
		return 0;
	if (pcapng_open(&w, f, "fuzz", size & 1 ? "os" : NULL))
		__builtin_trap();
	while (i + 4 <= size) {
		uint8_t op = data[i], a = data[i + 1];
		uint16_t b = data[i + 2] | data[i + 3] << 8;
		uint32_t id;

		i += 4;
		if (op & 1 || !n_if) {
			snprintf(name, sizeof(name), "if%u", a);
			if (pcapng_add_if(&w, a & 1 ? name : NULL,
					  PCAPNG_LINKTYPE_RAW, b, &id) == 0)
				n_if++;
			else if (b && n_if < PCAPNG_MAX_IF)
				__builtin_trap();
		} else {
			size_t cap = b % 2048, clen = a;
			char *comment = NULL;

			if (cap > size - i)
				cap = size - i;
			if (a & 0x80) {
				clen = (a & 0x7f) % (size - i + 1);
				comment = strndup((const char *)data + i, clen);
				if (!comment)
					break;
			}
			if (pcapng_packet(&w, a % n_if, (uint64_t)b << 20,
					  data + i, cap, cap + a, comment))
				__builtin_trap();
			/* An empty comment writes no option. */
			if (comment && comment[0])
				n_comments++;
			n_pkt++;
			free(comment);
			i += cap;
		}
	}
	if (fclose(f))
		__builtin_trap();
	if (pcapng_check((uint8_t *)buf, len, &s, &at) || s.n_shb != 1 ||
	    s.n_idb != n_if || s.n_epb != n_pkt || s.n_comments != n_comments)
		__builtin_trap();
	free(buf);
	return 0;
}
