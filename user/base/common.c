// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "base/common.h"

int wgt_verbose;
volatile sig_atomic_t wgt_stop, wgt_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		wgt_hup = 1;
	else
		wgt_stop = 1;
}

/*
 * sigaction without SA_RESTART (signal() would set it): a blocking wait is
 * interrupted with EINTR, so the loop sees the flag without waiting out
 * its timeout.
 */
int wgt_catch_signals(bool hup)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    (hup && sigaction(SIGHUP, &sa, NULL)))
		return -errno;
	return 0;
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

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

bool parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull alone would take a sign, spaces, or nothing at all. */
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_uint_range(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	uint64_t v;

	if (!parse_u64(s, 10, max, &v) || v < min)
		return false;
	*out = v;
	return true;
}

bool parse_mark(const char *s, uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(s, 0, UINT32_MAX, &v))
		return false;
	*out = v;
	return true;
}

/* A load being watched: the first program a libbpf warning names. */
static bool watching;
static char refused_prog[64];
static char refused_msg[200];

static void note_refusal(const char *fmt, va_list ap)
{
	char msg[512], *name, *end;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	name = strstr(msg, "prog '");
	if (!name)
		return;
	name += strlen("prog '");
	end = strchr(name, '\'');
	if (!end || end - name >= (long)sizeof(refused_prog))
		return;
	snprintf(refused_prog, sizeof(refused_prog), "%.*s", (int)(end - name),
		 name);
	/* The message after "prog 'x': ", without its newline. */
	end += strspn(end, "': ");
	end[strcspn(end, "\n")] = '\0';
	snprintf(refused_msg, sizeof(refused_msg), "%s", end);
}

void wgt_libbpf_watch(bool on)
{
	watching = on;
	if (on)
		refused_prog[0] = refused_msg[0] = '\0';
}

const char *wgt_libbpf_refused(const char **why)
{
	*why = refused_msg;
	return refused_prog[0] ? refused_prog : NULL;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (watching && level == LIBBPF_WARN && !refused_prog[0]) {
		va_list copy;

		va_copy(copy, ap);
		note_refusal(fmt, copy);
		va_end(copy);
	}
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

size_t sorted_partition(const void *base, size_t n, size_t size,
			const void *key,
			bool (*before)(const void *elem, const void *key))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (before((const char *)base + mid * size, key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
