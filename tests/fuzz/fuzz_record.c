// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the record reader (`wgtrace report`): the input is
 * the uncompressed JSON Lines of a record. Beyond "no crash, no leak" it
 * checks what replay_buf() promises: an error comes with a message and the
 * line it happened on; whatever was read before it still turns into
 * findings, as report prints them for a damaged record.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "files/record.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct finding_list fl = {0};
	struct replay rp;
	uint64_t line = 0;
	char err[512];
	int ret;

	/* Odd sizes read a window (t 1450 to 2500), even ones everything. */
	if (replay_init(&rp, NULL, size & 1 ? 1450 : INT64_MIN,
			size & 1 ? 2500 : INT64_MAX))
		return 0;
	err[0] = '\0';
	ret =
	    replay_buf(&rp, (const char *)data, size, &line, err, sizeof(err));
	if (ret && (!err[0] || !line || line > rp.lines))
		__builtin_trap();
	if (!ret && rp.lines != line)
		__builtin_trap();
	if (rp.headers && replay_findings(&rp, &fl) == 0) {
		size_t i;

		for (i = 0; i < fl.n; i++)
			json_object_put(finding_to_json(&fl.v[i]));
		if (!devnull)
			devnull = fopen("/dev/null", "w");
		for (i = 0; devnull && i < fl.n; i++)
			finding_print(devnull, &fl.v[i], false);
	}
	finding_list_free(&fl);
	replay_free(&rp);
	return 0;
}
