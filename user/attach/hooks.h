/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hook table: for every fact wgtrace observes, the ways to observe it,
 * best first, each naming the programs of bpf/wgtrace.bpf.c that implement
 * it (none for the inventory fallbacks, which read netlink or /proc). It is
 * the one source of truth: `probe` and the loader of every job decide from
 * it by the same procedure (loader_plan), so probe never promises a mode a
 * job cannot deliver.
 */
#ifndef WGT_HOOKS_H
#define WGT_HOOKS_H

#include <stdbool.h>
#include "wgtrace.h"
#include "attach/kernel.h"

enum hook_kind {
	HK_FENTRY,
	HK_FEXIT,
	HK_KPROBE,
	HK_KRETPROBE,
	HK_TP_BTF,
	HK_RAW_TP,
	HK_DROP_REASON, /* tp_btf/kfree_skb filtered on one named reason */
	HK_TC,		/* a tc classifier plus inference in user space */
	HK_INVENTORY,	/* netlink/procfs only */
};

#define HOOK_MAX_PROGS 2

struct hook_candidate {
	enum hook_kind kind;
	const char *target; /* function, tracepoint, or drop reason */
	const char *what;   /* tc/inventory: what stands in for BPF;
			     * else a qualifier shown after the hook */
	/* Programs of bpf/wgtrace.bpf.c, by name: an entry/return pair for
	 * kretprobes; none for inventory. */
	const char *prog[HOOK_MAX_PROGS];
};
/* A fact none of whose candidates works is "unavailable", with their reasons.
 */

#define HOOK_MAX_CANDIDATES 5

/* The facts, in the order of the table: its index. */
enum wgt_fact {
	LF_FIB4,
	LF_FIB6,
	LF_RULE,
	LF_WG_TX_PEER,
	LF_WG_RX_SRC,
	LF_WG_XMIT, /* no endpoint, where TX cannot read it */
	LF_OUTER,
	LF_OUTER_FRAG, /* outer packets fragmented on the underlay */
	LF_RPF,
	LF_MTU,
	LF_ICMP, /* ICMP errors the kernel sends about a flow */
	LF_BYPASS,
	LF_LOOKUP_CTX, /* which lookups are the kernel's own */
	LF_DROPS,
	LF__COUNT,
};

struct hook_fact {
	const char *id; /* stable: JSON, metrics, man page */
	const char *what;
	struct hook_candidate cand[HOOK_MAX_CANDIDATES];
	int ncand;
};

extern const struct hook_fact hook_facts[LF__COUNT];
extern const int hook_facts_count;

enum wgt_mode hook_kind_mode(enum hook_kind kind);
const char *wgt_mode_name(enum wgt_mode mode);
/* "fexit/wg_xmit", "tp_btf/kfree_skb:IP_RPFILTER", or the `what` text. */
bool hook_candidate_is_bpf(const struct hook_candidate *c);
int hook_candidate_name(const struct hook_candidate *c, char *buf, size_t len);

/* The outcome of trying one candidate on this kernel. */
struct hook_result {
	bool ok;
	int err;       /* -errno of the failing step */
	char why[160]; /* human reason when !ok */
};

/* What the attach tests share: looked up once per run. */
struct hook_env {
	struct kernel_facts kf;
	struct drop_reasons reasons;
	bool tc_tested;
	struct hook_result tc; /* tcx or clsact attach in a scratch netns */
	char tc_how[16];       /* "tcx" or "clsact" */
	/*
	 * A kind of program the kernel already refused, whatever the target
	 * (fentry locked down, no kprobes): later candidates of that kind
	 * fail the same way without loading anything (each load parses the
	 * kernel's BTF again: megabytes of heap and tens of milliseconds).
	 */
	struct hook_result fentry_refused, kprobe_refused;
};

int hook_env_init(struct hook_env *env);
void hook_env_free(struct hook_env *env);

/* Load, attach and detach a tiny program: the kernel decides, not a version. */
void hook_try(struct hook_env *env, const struct hook_candidate *c,
	      struct hook_result *res);

/* One fact probed: every candidate's outcome and the one chosen. */
struct fact_probe {
	const struct hook_fact *fact;
	struct hook_result res[HOOK_MAX_CANDIDATES];
	int tried;  /* candidates tried, in order */
	int chosen; /* index of the first that works, -1 if none */
};

/*
 * Try the candidates of a fact in order. With all=false stop at the first
 * that works (what a loader wants); `probe` tries all to show the whole matrix.
 */
void hook_probe_fact(struct hook_env *env, const struct hook_fact *fact,
		     bool all, struct fact_probe *fp);
enum wgt_mode fact_probe_mode(const struct fact_probe *fp);

#endif /* WGT_HOOKS_H */
