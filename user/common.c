// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>

#include "common.h"

int wgt_verbose;

void wgt_err(const char *fmt, ...)
{
	va_list ap;

	fputs("wgtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void wgt_dbg(int level, const char *fmt, ...)
{
	va_list ap;

	if (wgt_verbose < level)
		return;
	fputs("wgtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool parse_uint_range(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* Probing fails on purpose; its noise is only useful when debugging. */
	if (level == LIBBPF_DEBUG && wgt_verbose < 2)
		return 0;
	if (wgt_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void wgt_setup_libbpf_logging(void)
{
	libbpf_set_print(libbpf_print);
}
