// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the intent file parser. Beyond "no crash, no leak"
 * it checks what intent_parse() promises: on failure an empty result and a
 * "FILE:" message, on success statements that hold together.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/intent.h"

static void check(bool ok, const struct intent *in, const char *err)
{
	size_t i;

	if (!ok) {
		if (in->asserts || in->n_asserts || in->names || in->n_names)
			__builtin_trap();
		if (strncmp(err, "fuzz.intent:", 12))
			__builtin_trap();
		return;
	}
	if (err[0] || in->n_asserts > INTENT_MAX_ASSERTS ||
	    in->n_names > INTENT_MAX_NAMES)
		__builtin_trap();
	for (i = 0; i < in->n_asserts; i++) {
		const struct intent_assert *a = &in->asserts[i];

		if (a->dst.len > addr_bits(a->dst.addr.family) ||
		    (a->has_src && a->src.family != a->dst.addr.family) ||
		    (a->action == INTENT_VIA) != (a->dev[0] != '\0') ||
		    (a->iif[0] && !a->has_src) ||
		    (a->has_peer && a->action != INTENT_VIA) ||
		    (a->has_peer && strlen(a->peer_b64) != WG_KEY_B64_LEN - 1))
			__builtin_trap();
		if (a->peer_name[0] && memcmp(intent_key_of(in, a->peer_name),
					      a->peer, WG_KEY_LEN_RAW))
			__builtin_trap();
	}
	for (i = 0; i < in->n_names; i++) {
		if (intent_name_of(in, in->names[i].key) != in->names[i].name)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intent in;
	char err[256];
	bool ok;

	ok = intent_parse((const char *)data, size, "fuzz.intent", &in, err,
			  sizeof(err));
	check(ok, &in, err);
	intent_free(&in);
	return 0;
}
