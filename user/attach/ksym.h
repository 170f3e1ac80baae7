/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel addresses to function names (/proc/kallsyms), for the call site of
 * a drop. Lookups are cached; unknown addresses are resolved in one pass
 * over kallsyms per batch, so a busy report does not reread it per drop.
 */
#ifndef WGT_KSYM_H
#define WGT_KSYM_H

#include <stddef.h>
#include <stdint.h>

#define KSYM_NAME_MAX 64

struct ksym_cache;

struct ksym_cache *ksym_cache_new(void);
void ksym_cache_free(struct ksym_cache *c);
/*
 * A name known from elsewhere (a record): "ip_error+0x5e" for addr. After
 * ksym_cache_offline() the cache never reads this machine's kallsyms, whose
 * addresses belong to another kernel: unknown addresses stay unnamed.
 */
void ksym_cache_add(struct ksym_cache *c, uint64_t addr, const char *full);
void ksym_cache_offline(struct ksym_cache *c);
/* Resolve every address not cached yet; 0 or -errno. */
int ksym_resolve(struct ksym_cache *c, const uint64_t *addrs, size_t n);
/* "ip_error+0x5e", or NULL when not resolved (call ksym_resolve first). */
const char *ksym_lookup(struct ksym_cache *c, uint64_t addr);
/* Just the function: "ip_error". */
const char *ksym_function(struct ksym_cache *c, uint64_t addr, char *buf,
			  size_t len);

/* The best symbol <= addr from kallsyms text (for tests); 0 or -ENOENT. */
int ksym_find_in(const char *kallsyms_text, uint64_t addr, char *name,
		 size_t len, uint64_t *sym_addr);

/* A kernel function's text: return addresses in (lo, hi] are inside it. */
struct ksym_range {
	const char *name; /* in: the function (a "name.isra.0" clone counts) */
	uint64_t lo, hi;  /* out: 0, 0 when not found */
};

/*
 * Fill the ranges of the named functions from kallsyms text (vmlinux's part
 * is sorted by address, so a function ends where the next text symbol
 * starts). Returns how many were found; 0 also when addresses are hidden
 * (kptr_restrict).
 */
size_t ksym_ranges_in(const char *kallsyms_text, struct ksym_range *r,
		      size_t n);
/* The same from /proc/kallsyms; -errno if it cannot be read. */
int ksym_ranges(struct ksym_range *r, size_t n);

#endif /* WGT_KSYM_H */
