// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "attach/ksym.h"

#define KSYM_CACHE_SLOTS 256

struct ksym_entry {
	uint64_t addr;
	uint64_t sym_addr;
	char name[KSYM_NAME_MAX];
	char full[KSYM_NAME_MAX + 24];
};

struct ksym_cache {
	struct ksym_entry e[KSYM_CACHE_SLOTS];
	size_t n;
	size_t next;  /* round-robin replacement when full */
	bool offline; /* names only from ksym_cache_add() */
};

struct ksym_cache *ksym_cache_new(void)
{
	return calloc(1, sizeof(struct ksym_cache));
}

void ksym_cache_free(struct ksym_cache *c)
{
	free(c);
}

static struct ksym_entry *cached(struct ksym_cache *c, uint64_t addr)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].addr == addr)
			return &c->e[i];
	return NULL;
}

static struct ksym_entry *slot_for(struct ksym_cache *c)
{
	return &c->e[c->n < KSYM_CACHE_SLOTS ? c->n++
					     : c->next++ % KSYM_CACHE_SLOTS];
}

void ksym_cache_add(struct ksym_cache *c, uint64_t addr, const char *full)
{
	struct ksym_entry *e = cached(c, addr);
	size_t n = strcspn(full, "+");

	if (!e)
		e = slot_for(c);
	memset(e, 0, sizeof(*e));
	e->addr = addr;
	snprintf(e->full, sizeof(e->full), "%s", full);
	/* "0x..." is an address that had no name on the gateway either. */
	if (strncmp(full, "0x", 2) && n < sizeof(e->name)) {
		memcpy(e->name, full, n);
		e->name[n] = '\0';
	}
}

void ksym_cache_offline(struct ksym_cache *c)
{
	c->offline = true;
}

/* One kallsyms line: "ffffffff81000000 T _stext [module]". */
static bool parse_line(const char *line, uint64_t *addr, char *type, char *name,
		       size_t len)
{
	char nm[128];
	size_t n;

	if (sscanf(line, "%" SCNx64 " %c %127s", addr, type, nm) != 3)
		return false;
	/* Truncate long names on purpose; a prefix still says where. */
	n = strnlen(nm, len - 1);
	memcpy(name, nm, n);
	name[n] = '\0';
	return true;
}

static bool is_text(char type)
{
	return type == 't' || type == 'T';
}

/* The rule both lookups share: the nearest text symbol at or below addr. */
static void consider(uint64_t a, char type, const char *nm, uint64_t addr,
		     uint64_t *best, char *name, size_t len)
{
	if (!is_text(type) || !a || a > addr || a < *best)
		return;
	*best = a;
	snprintf(name, len, "%s", nm);
}

int ksym_find_in(const char *text, uint64_t addr, char *name, size_t len,
		 uint64_t *sym_addr)
{
	const char *line = text;
	uint64_t best = 0, a;
	char type, nm[KSYM_NAME_MAX];
	bool found = false;

	while (line && *line) {
		if (parse_line(line, &a, &type, nm, sizeof(nm)))
			consider(a, type, nm, addr, &best, name, len);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	found = best != 0;
	if (!found)
		return -ENOENT;
	*sym_addr = best;
	return 0;
}

int ksym_resolve(struct ksym_cache *c, const uint64_t *addrs, size_t n)
{
	struct ksym_entry pending[32];
	size_t np = 0, i, j;
	char line[256], type, nm[KSYM_NAME_MAX];
	uint64_t a;
	FILE *f;

	for (i = 0; i < n && np < ARRAY_SIZE(pending); i++) {
		if (!addrs[i] || cached(c, addrs[i]))
			continue;
		for (j = 0; j < np && pending[j].addr != addrs[i]; j++)
			;
		if (j < np)
			continue;
		memset(&pending[np], 0, sizeof(pending[np]));
		pending[np++].addr = addrs[i];
	}
	if (!np || c->offline)
		return 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	/* kallsyms is not sorted across modules: keep the nearest below. */
	while (fgets(line, sizeof(line), f)) {
		if (!parse_line(line, &a, &type, nm, sizeof(nm)))
			continue;
		for (j = 0; j < np; j++)
			consider(a, type, nm, pending[j].addr,
				 &pending[j].sym_addr, pending[j].name,
				 sizeof(pending[j].name));
	}
	fclose(f);
	for (j = 0; j < np; j++) {
		struct ksym_entry *e = slot_for(c);

		*e = pending[j];
		if (e->name[0])
			snprintf(e->full, sizeof(e->full), "%s+0x%" PRIx64,
				 pending[j].name, e->addr - e->sym_addr);
		else
			/* Addresses hidden (kptr_restrict) or unknown. */
			snprintf(e->full, sizeof(e->full), "0x%" PRIx64,
				 e->addr);
	}
	return 0;
}

const char *ksym_lookup(struct ksym_cache *c, uint64_t addr)
{
	struct ksym_entry *e = cached(c, addr);

	return e ? e->full : NULL;
}

const char *ksym_function(struct ksym_cache *c, uint64_t addr, char *buf,
			  size_t len)
{
	struct ksym_entry *e = cached(c, addr);

	snprintf(buf, len, "%s", e && e->name[0] ? e->name : "");
	return buf;
}

static bool name_is(const char *sym, const char *want)
{
	size_t n = strlen(want);

	/* The compiler's clones keep the name: "__fib_validate_source.isra.0".
	 */
	return !strncmp(sym, want, n) && (sym[n] == '\0' || sym[n] == '.');
}

/* One kallsyms line into the ranges: start a range, or end open ones. */
static void range_line(const char *line, struct ksym_range *r, size_t n)
{
	char type, nm[KSYM_NAME_MAX];
	uint64_t a;
	size_t i;

	if (!parse_line(line, &a, &type, nm, sizeof(nm)) || !is_text(type) ||
	    !a)
		return;
	for (i = 0; i < n; i++) {
		if (r[i].lo && a > r[i].lo && (!r[i].hi || a < r[i].hi))
			r[i].hi = a;
		if (!r[i].lo && name_is(nm, r[i].name))
			r[i].lo = a;
	}
}

static size_t ranges_found(struct ksym_range *r, size_t n)
{
	size_t i, found = 0;

	for (i = 0; i < n; i++) {
		if (r[i].lo && r[i].hi)
			found++;
		else
			r[i].lo = r[i].hi = 0;
	}
	return found;
}

static void ranges_reset(struct ksym_range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		r[i].lo = r[i].hi = 0;
}

size_t ksym_ranges_in(const char *text, struct ksym_range *r, size_t n)
{
	const char *line = text;

	ranges_reset(r, n);
	while (line && *line) {
		range_line(line, r, n);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return ranges_found(r, n);
}

int ksym_ranges(struct ksym_range *r, size_t n)
{
	char line[256];
	FILE *f;

	ranges_reset(r, n);
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		range_line(line, r, n);
	fclose(f);
	return (int)ranges_found(r, n);
}
