/* SPDX-License-Identifier: GPL-2.0 */
/* Shared output helpers: colour on a terminal only, JSON Lines on stdout. */
#ifndef WGT_OUTPUT_H
#define WGT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/* Colour only on a terminal, and never with NO_COLOR set or TERM=dumb. */
bool out_use_color(void);
/* seq (one of the C_* escape sequences below); "" when colour is off. */
const char *out_c(const char *seq);

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"

/*
 * Every name wgtrace prints comes from the kernel or a file and may hold
 * any byte (a device can be called "wg\xff"). Metrics, JSON and text all
 * pass such strings through this one function, so each shows the same
 * valid UTF-8: a byte that is not part of a well-formed UTF-8 sequence
 * (stray continuation, overlong form, surrogate, past U+10FFFF, cut
 * short) or is an ASCII control character becomes the four characters
 * \xHH. Valid text is copied unchanged; the output is cut only between
 * whole characters and is always NUL-terminated (len > 0). Returns out.
 */
const char *utf8_clean(const char *in, char *out, size_t len);
/* The room utf8_clean needs for any input of n bytes, NUL included. */
#define UTF8_CLEAN_SIZE(n) ((n)*4 + 1)

/* Print one JSON object as one line on stdout and release it. */
void json_emit(struct json_object *obj);

/* json-c helpers that keep call sites short; NULL strings become null,
 * other strings go through utf8_clean(). */
struct json_object *jstr(const char *val);
void jadd_str(struct json_object *o, const char *key, const char *val);
void jadd_bool(struct json_object *o, const char *key, bool val);
void jadd_int(struct json_object *o, const char *key, long long val);

#endif /* WGT_OUTPUT_H */
