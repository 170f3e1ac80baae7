// SPDX-License-Identifier: GPL-2.0
/* The hook table keeps its promises: best hook first, real programs,
 * documented. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "attach/hooks.h"
#include "wgtrace.skel.h"

static const struct hook_fact *fact(const char *id)
{
	int i;

	for (i = 0; i < hook_facts_count; i++)
		if (!strcmp(hook_facts[i].id, id))
			return &hook_facts[i];
	return NULL;
}

static void every_fact_has_ordered_candidates(void **state)
{
	int i, j;

	(void)state;
	assert_true(hook_facts_count >= 10);
	for (i = 0; i < hook_facts_count; i++) {
		const struct hook_fact *f = &hook_facts[i];

		assert_true(f->ncand >= 1 && f->ncand <= HOOK_MAX_CANDIDATES);
		/*
		 * Best first: kernel hooks before the tc/inventory stand-ins,
		 * and a trampoline before a kprobe on the same function. A tc
		 * candidate bound to tcx links is no stand-in but a hook of
		 * its own (route_bypass: once per leaving packet).
		 */
		for (j = 1; j < f->ncand; j++) {
			const struct hook_candidate *p = &f->cand[j - 1];
			enum wgt_mode prev = hook_kind_mode(p->kind);
			enum wgt_mode cur = hook_kind_mode(f->cand[j].kind);

			if (prev >= WGT_MODE_TC &&
			    !(p->kind == HK_TC && p->target))
				assert_true(cur >= prev);
			if (cur == WGT_MODE_FENTRY)
				assert_int_equal(prev, WGT_MODE_FENTRY);
		}
		for (j = i + 1; j < hook_facts_count; j++)
			assert_string_not_equal(f->id, hook_facts[j].id);
	}
}

/* route_bypass: tcx where the kernel has it, else the device queue. */
static void route_bypass_prefers_tcx(void **state)
{
	const struct hook_fact *b = fact("route_bypass");

	(void)state;
	assert_non_null(b);
	assert_true(b->ncand >= 2);
	assert_int_equal(b->cand[0].kind, HK_TC);
	assert_string_equal(b->cand[0].target, "tcx");
	assert_int_equal(b->cand[1].kind, HK_TP_BTF);
	assert_string_equal(b->cand[1].target, "net_dev_queue");
}

static void wireguard_facts_fall_back(void **state)
{
	const struct hook_fact *tx = fact("wg_tx_peer");
	const struct hook_fact *rx = fact("wg_rx_src");

	(void)state;
	assert_non_null(tx);
	assert_non_null(rx);
	/* Userspace WireGuard has no kernel functions: tc + LPM must remain. */
	assert_int_equal(tx->cand[tx->ncand - 1].kind, HK_TC);
	assert_int_equal(rx->cand[0].kind, HK_FEXIT);
	assert_string_equal(rx->cand[0].target, "wg_allowedips_lookup_src");
}

static void candidate_names(void **state)
{
	const struct hook_candidate fexit = {HK_FEXIT, "wg_xmit", NULL, {NULL}};
	const struct hook_candidate kret = {
	    HK_KRETPROBE, "wg_xmit", NULL, {NULL}};
	const struct hook_candidate reason = {
	    HK_DROP_REASON, "IP_RPFILTER", NULL, {NULL}};
	const struct hook_candidate inv = {
	    HK_INVENTORY, NULL, "tx_errors delta", {NULL}};
	char buf[64];

	(void)state;
	hook_candidate_name(&fexit, buf, sizeof(buf));
	assert_string_equal(buf, "fexit/wg_xmit");
	hook_candidate_name(&kret, buf, sizeof(buf));
	assert_string_equal(buf, "kretprobe/wg_xmit");
	hook_candidate_name(&reason, buf, sizeof(buf));
	assert_string_equal(buf, "tp_btf/kfree_skb:IP_RPFILTER");
	hook_candidate_name(&inv, buf, sizeof(buf));
	assert_string_equal(buf, "tx_errors delta");
}

/*
 * One source of truth: every BPF candidate names programs that exist in
 * the object, inventory ones none, and every program of the object serves
 * some candidate (no program the table does not know of).
 */
static void candidates_name_real_programs(void **state)
{
	struct wgtrace_bpf *skel = wgtrace_bpf__open();
	struct bpf_program *p;
	int i, j, k;

	(void)state;
	assert_non_null(skel);
	for (i = 0; i < hook_facts_count; i++)
		for (j = 0; j < hook_facts[i].ncand; j++) {
			const struct hook_candidate *c = &hook_facts[i].cand[j];

			if (!hook_candidate_is_bpf(c)) {
				assert_null(c->prog[0]);
				continue;
			}
			assert_non_null(c->prog[0]);
			for (k = 0; k < HOOK_MAX_PROGS && c->prog[k]; k++)
				assert_non_null(
				    bpf_object__find_program_by_name(
					skel->obj, c->prog[k]));
		}
	bpf_object__for_each_program(p, skel->obj)
	{
		bool named = false;

		for (i = 0; i < hook_facts_count && !named; i++)
			for (j = 0; j < hook_facts[i].ncand && !named; j++)
				for (k = 0; k < HOOK_MAX_PROGS; k++)
					named |=
					    hook_facts[i].cand[j].prog[k] &&
					    !strcmp(
						hook_facts[i].cand[j].prog[k],
						bpf_program__name(p));
		if (!named)
			fail_msg("program %s serves no candidate",
				 bpf_program__name(p));
	}
	wgtrace_bpf__destroy(skel);
}

/* The man page documents every fact by its id. */
static void man_page_lists_every_fact(void **state)
{
	static char text[256 * 1024];
	FILE *f = fopen("contrib/wgtrace.8", "r");
	size_t n;
	int i;

	(void)state;
	if (!f)
		skip(); /* run outside the source tree */
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	for (i = 0; i < hook_facts_count; i++)
		if (!strstr(text, hook_facts[i].id))
			fail_msg("contrib/wgtrace.8 does not mention fact %s",
				 hook_facts[i].id);
}

static void mode_names_match_design(void **state)
{
	(void)state;
	assert_string_equal(wgt_mode_name(hook_kind_mode(HK_FEXIT)), "fentry");
	assert_string_equal(wgt_mode_name(hook_kind_mode(HK_KRETPROBE)),
			    "kprobe");
	assert_string_equal(wgt_mode_name(hook_kind_mode(HK_RAW_TP)),
			    "tracepoint");
	assert_string_equal(wgt_mode_name(hook_kind_mode(HK_TC)), "tc");
	assert_string_equal(wgt_mode_name(hook_kind_mode(HK_INVENTORY)),
			    "inventory");
	assert_string_equal(wgt_mode_name(WGT_MODE_UNAVAILABLE), "unavailable");
	assert_string_equal(wgt_mode_name(99), "unavailable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_fact_has_ordered_candidates),
	    cmocka_unit_test(route_bypass_prefers_tcx),
	    cmocka_unit_test(wireguard_facts_fall_back),
	    cmocka_unit_test(candidate_names),
	    cmocka_unit_test(mode_names_match_design),
	    cmocka_unit_test(candidates_name_real_programs),
	    cmocka_unit_test(man_page_lists_every_fact),
	};

	return cmocka_run_group_tests_name("hooks", tests, NULL, NULL);
}
