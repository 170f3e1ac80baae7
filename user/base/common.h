/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every user-space file needs: exit codes, error reporting, verbosity.
 * Internal functions return 0 or -errno; only main() turns that into an exit
 * status.
 */
#ifndef WGT_COMMON_H
#define WGT_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Signed, as the kernel's: wall-clock times before 1970 stay negative. */
#define NSEC_PER_SEC 1000000000LL
/* lo is ifindex 1 in every network namespace. */
#define LOOPBACK_IFINDEX 1

/* Exit statuses (README and man page document them). */
#define WGT_EXIT_OK 0
#define WGT_EXIT_FAIL 1	 /* runtime failure, or findings for `check` */
#define WGT_EXIT_USAGE 2 /* bad options or input */

/*
 * Returned (negated) by command handlers for a usage or input error. Above
 * every errno value, so it never collides with an error from the kernel.
 */
#define WGT_EUSAGE 4096

extern int wgt_verbose;

/* "wgtrace: <message>" on stderr. */
void wgt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v (level 1) or -vv (level 2). */
void wgt_dbg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Binary search of n elements of size bytes, ordered so that
 * before(elem, key) holds for a leading run and for nothing after it: the
 * index just past that run, 0 to n.
 */
size_t sorted_partition(const void *base, size_t n, size_t size,
			const void *key,
			bool (*before)(const void *elem, const void *key));

/*
 * Parse a whole unsigned number up to max in base (0: "0x" hex and
 * leading-0 octal too, as ip-rule(8) reads a mark): digits first, no sign
 * or space, nothing after. false (value untouched) if not.
 */
bool parse_u64(const char *s, int base, uint64_t max, uint64_t *out);
/* Parse a whole decimal number in [min, max]; false (value untouched) if not.
 */
bool parse_uint_range(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out);
/* A firewall mark: 0 to 0xffffffff, as parse_u64 with base 0. */
bool parse_mark(const char *s, uint32_t *out);

/*
 * Set by SIGINT/SIGTERM (wgt_stop) and SIGHUP (wgt_hup) once
 * wgt_catch_signals() ran; long-running loops test them each round.
 */
extern volatile sig_atomic_t wgt_stop, wgt_hup;
/* hup: also catch SIGHUP (otherwise it keeps its default, terminate). */
int wgt_catch_signals(bool hup);

/* CLOCK_MONOTONIC in nanoseconds: intervals immune to wall-clock steps. */
uint64_t monotonic_ns(void);
/* CLOCK_REALTIME in nanoseconds since the epoch: times for people and files. */
int64_t wall_ns(void);

/* libbpf's own messages go to stderr only with -v. */
void wgt_setup_libbpf_logging(void);
/*
 * Watch a BPF object load: the program libbpf names in its first warning
 * is the one the kernel (verifier, BTF, CO-RE) refused. NULL if none;
 * *why is libbpf's message about it.
 */
void wgt_libbpf_watch(bool on);
const char *wgt_libbpf_refused(const char **why);

#endif /* WGT_COMMON_H */
