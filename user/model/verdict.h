/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdicts the kernel counts (enum wgt_verdict), named as the man page's
 * FINDINGS section names them, with what was expected and how to fix it. watch
 * and export both name counters through here, so the names cannot drift apart.
 */
#ifndef WGT_VERDICT_H
#define WGT_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "model/finding.h"
#include "attach/kernel.h"
#include "wgtrace.h"

struct verdict_info {
	const char *id; /* "src_rejected": JSON, metrics */
	enum wgt_severity severity;
	const char *what; /* the finding's one-line message */
	const char *hint;
	bool is_drop; /* counts as a drop in the metrics */
};

/* NULL for WGT_V_NONE, out of range, or kernel reasons. */
const struct verdict_info *verdict_info(unsigned int verdict);

/*
 * The metric/JSON name of a counter: "src_rejected", or "kernel_NO_SOCKET"
 * for kernel reasons (named from this kernel's BTF; "kernel_<value>" when
 * the value is unknown). Returns buf.
 */
const char *verdict_name(unsigned int verdict, const struct drop_reasons *dr,
			 char *buf, size_t len);

#endif /* WGT_VERDICT_H */
