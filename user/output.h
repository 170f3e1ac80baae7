/* SPDX-License-Identifier: GPL-2.0 */
/* Shared output helpers: colour on a terminal only, JSON Lines on stdout. */
#ifndef WGT_OUTPUT_H
#define WGT_OUTPUT_H

#include <stdbool.h>
#include <json-c/json.h>

/* Colour only on a terminal, and never with NO_COLOR set or TERM=dumb. */
bool out_use_color(void);
const char *out_c(const char *sgr);	/* "" when colour is off */

#define C_RESET	"0"
#define C_BOLD	"1"
#define C_RED	"31"
#define C_GREEN	"32"
#define C_YELLOW "33"
#define C_DIM	"2"

/* Print one JSON object as one line on stdout and release it. */
void json_emit(struct json_object *obj);

/* json-c helpers that keep call sites short; NULL strings become null. */
void jadd_str(struct json_object *o, const char *key, const char *val);
void jadd_bool(struct json_object *o, const char *key, bool val);
void jadd_int(struct json_object *o, const char *key, long long val);

#endif /* WGT_OUTPUT_H */
