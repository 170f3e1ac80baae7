// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

bool out_use_color(void)
{
	static int cached = -1;
	const char *term;

	if (cached < 0) {
		term = getenv("TERM");
		cached = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
			 !(term && !strcmp(term, "dumb"));
	}
	return cached;
}

const char *out_c(const char *sgr)
{
	static char buf[4][16];
	static int slot;
	char *b;

	if (!out_use_color())
		return "";
	b = buf[slot++ % 4];
	snprintf(b, sizeof(buf[0]), "\033[%sm", sgr);
	return b;
}

void json_emit(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

void jadd_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, val ? json_object_new_string(val) : NULL);
}

void jadd_bool(struct json_object *o, const char *key, bool val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

void jadd_int(struct json_object *o, const char *key, long long val)
{
	json_object_object_add(o, key, json_object_new_int64(val));
}
