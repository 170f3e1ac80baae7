// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the UAPI parser: whatever a socket could answer,
 * wg_uapi_parse must neither crash, leak, read out of bounds nor write past
 * its error buffer, and must say why it refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/inventory.h"
#include "config/wg_inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_device_info dev;
	char err[256];
	char *text;
	size_t i;

	/* An exact-size copy, so ASan sees any read past the input. */
	text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	memset(err, 0x5a, sizeof(err));
	if (wg_uapi_parse(text, size, &dev, err, sizeof(err))) {
		/* Touch everything the parser handed over. */
		for (i = 0; i < dev.n_peers; i++)
			if (dev.peers[i].n_allowed)
				err[0] ^=
				    (char)dev.peers[i]
					.allowed[dev.peers[i].n_allowed - 1]
					.len;
		wg_device_info_free(&dev);
	} else {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort(); /* a refusal without a reason */
		if (dev.peers || dev.n_peers)
			abort(); /* a failure must own nothing */
	}
	free(text);
	return 0;
}
