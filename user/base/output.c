// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/output.h"

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

const char *out_c(const char *seq)
{
	return out_use_color() ? seq : "";
}

void json_emit(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

void jadd_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, jstr(val));
}

void jadd_bool(struct json_object *o, const char *key, bool val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

void jadd_int(struct json_object *o, const char *key, long long val)
{
	json_object_object_add(o, key, json_object_new_int64(val));
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if none. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		/* E0 would be overlong below A0; ED A0..BF are surrogates. */
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3
									 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		/* F0 would be overlong below 90; F4 90.. is past U+10FFFF. */
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
			       (s[3] & 0xc0) == 0x80
			   ? 4
			   : 0;
	}
	return 0; /* 80..C1 and F5..FF never start a character */
}

const char *utf8_clean(const char *in, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, n;

	if (!len)
		return out;
	while (*s) {
		n = utf8_seq_len(s);
		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			n = 0;
		if (n) {
			if (o + n >= len)
				break;
			memcpy(out + o, s, n);
			o += n;
			s += n;
			continue;
		}
		if (o + 4 >= len)
			break;
		snprintf(out + o, 5, "\\x%02x", *s++);
		o += 4;
	}
	out[o] = '\0';
	return out;
}

struct json_object *jstr(const char *val)
{
	struct json_object *j;
	size_t n;
	char *b;

	if (!val)
		return NULL;
	n = strlen(val);
	b = malloc(UTF8_CLEAN_SIZE(n));
	if (!b)
		return NULL;
	j = json_object_new_string(utf8_clean(val, b, UTF8_CLEAN_SIZE(n)));
	free(b);
	return j;
}
