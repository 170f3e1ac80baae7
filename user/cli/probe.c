// SPDX-License-Identifier: GPL-2.0
/* `wgtrace probe`: what this kernel allows, decided by trying, not by version.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/cmdutil.h"
#include "base/common.h"
#include "attach/hooks.h"
#include "attach/loader.h"
#include "base/output.h"

/* Drop reasons wgtrace's verdicts rely on; shown even without -v. */
static const char *const key_reasons[] = {
    "IP_RPFILTER", "PKT_TOO_BIG",  "NETFILTER_DROP", "IP_INHDR",
    "IP_NOPROTO",  "NEIGH_FAILED", "IP_OUTNOROUTES",
};

static void probe_usage(FILE *f)
{
	fprintf(f,
		"Usage: wgtrace probe [--json] [-v]\n\n"
		"Load, attach and detach a tiny program on every hook wgtrace "
		"can use and\n"
		"report, per observed fact, the mode this kernel allows: "
		"fentry, kprobe,\n"
		"tracepoint, tc, inventory (netlink/counters only) or "
		"unavailable, with\n"
		"the reason. Also lists the kernel's drop reasons (from BTF). "
		"Changes\n"
		"nothing: tc is tried in a private network namespace. Needs "
		"root.\n\n"
		"Options:\n"
		"  --json       JSON Lines: one \"kernel\", one \"hook\" per "
		"fact, one\n"
		"               \"drop_reasons\" object\n"
		"  -v           show every candidate hook and why it failed\n"
		"  -h, --help   this text\n\n"
		"Examples:\n"
		"  sudo wgtrace probe\n"
		"  sudo wgtrace probe --json | jq 'select(.type==\"hook\") | "
		"{fact, mode}'\n");
}

static void print_kernel_text(const struct hook_env *env)
{
	const struct kernel_facts *kf = &env->kf;

	printf("%swgtrace probe%s: Linux %s %s\n", out_c(C_BOLD),
	       out_c(C_RESET), kf->release, kf->machine);
	printf("  %-16s %s\n", "kernel BTF",
	       kf->btf_vmlinux ? "yes" : "no (CO-RE and tp_btf unavailable)");
	printf("  %-16s %s, %s\n", "WireGuard",
	       kf->wg_module ? "module loaded" : "module not loaded",
	       kf->wg_btf ? "module BTF present"
			  : "no module BTF (try: modprobe wireguard)");
	printf("  %-16s bpffs %s, tracefs %s\n", "filesystems",
	       kf->bpffs ? "mounted" : "not mounted",
	       kf->tracefs ? "mounted" : "not mounted");
}

static void print_fact_text(const struct fact_probe *fp)
{
	const struct hook_fact *f = fp->fact;
	enum wgt_mode mode = fact_probe_mode(fp);
	const char *colour = mode == WGT_MODE_UNAVAILABLE ? C_RED
			     : mode == WGT_MODE_INVENTORY ? C_YELLOW
							  : C_GREEN;
	char name[96];
	int i;

	if (fp->chosen >= 0)
		hook_candidate_name(&f->cand[fp->chosen], name, sizeof(name));
	else
		snprintf(name, sizeof(name), "-");
	printf("%-18s %s%-12s%s %s\n", f->id, out_c(colour),
	       wgt_mode_name(mode), out_c(C_RESET), name);
	/* Why the better hooks were not used: the first question an SRE has. */
	for (i = 0; i < fp->tried; i++) {
		if (fp->res[i].ok && (i == fp->chosen || wgt_verbose < 1))
			continue;
		if (i > fp->chosen && fp->chosen >= 0 && wgt_verbose < 1)
			break;
		hook_candidate_name(&f->cand[i], name, sizeof(name));
		printf("  %s%s: %s%s\n", out_c(C_DIM), name,
		       fp->res[i].ok ? "ok" : fp->res[i].why, out_c(C_RESET));
	}
}

static void print_reasons_text(const struct hook_env *env)
{
	size_t i;

	printf("\n%-18s %zu defined by this kernel\n", "drop reasons",
	       env->reasons.n);
	for (i = 0; i < ARRAY_SIZE(key_reasons); i++)
		printf("  %-20s %s\n", key_reasons[i],
		       drop_reasons_find(&env->reasons, key_reasons[i], NULL)
			   ? "yes"
			   : "no");
	if (wgt_verbose < 1)
		return;
	for (i = 0; i < env->reasons.n; i++)
		printf("  %u %s\n", env->reasons.values[i],
		       env->reasons.names[i]);
}

static void emit_kernel_json(const struct hook_env *env)
{
	const struct kernel_facts *kf = &env->kf;
	struct json_object *o = json_object_new_object();

	jadd_str(o, "type", "kernel");
	jadd_str(o, "release", kf->release);
	jadd_str(o, "machine", kf->machine);
	jadd_bool(o, "btf", kf->btf_vmlinux);
	jadd_bool(o, "wireguard_module", kf->wg_module);
	jadd_bool(o, "wireguard_btf", kf->wg_btf);
	jadd_bool(o, "bpffs", kf->bpffs);
	jadd_bool(o, "tracefs", kf->tracefs);
	jadd_bool(o, "kprobe_pmu", kf->kprobe_pmu);
	jadd_str(o, "tc", env->tc.ok ? env->tc_how : NULL);
	json_emit(o);
}

static void emit_fact_json(const struct fact_probe *fp)
{
	const struct hook_fact *f = fp->fact;
	struct json_object *o = json_object_new_object();
	struct json_object *cands = json_object_new_array();
	char name[96], reason[512] = "";
	size_t used = 0;
	int i;

	jadd_str(o, "type", "hook");
	jadd_str(o, "fact", f->id);
	jadd_str(o, "description", f->what);
	jadd_str(o, "mode", wgt_mode_name(fact_probe_mode(fp)));
	if (fp->chosen >= 0)
		hook_candidate_name(&f->cand[fp->chosen], name, sizeof(name));
	jadd_str(o, "hook", fp->chosen >= 0 ? name : NULL);
	for (i = 0; i < fp->tried; i++) {
		struct json_object *c = json_object_new_object();

		hook_candidate_name(&f->cand[i], name, sizeof(name));
		jadd_str(c, "hook", name);
		jadd_str(c, "mode",
			 wgt_mode_name(hook_kind_mode(f->cand[i].kind)));
		jadd_bool(c, "ok", fp->res[i].ok);
		jadd_str(c, "error", fp->res[i].ok ? NULL : fp->res[i].why);
		json_object_array_add(cands, c);
		if (!fp->res[i].ok && used < sizeof(reason))
			used += snprintf(reason + used, sizeof(reason) - used,
					 "%s%s: %s", used ? "; " : "", name,
					 fp->res[i].why);
	}
	jadd_str(o, "reason", fp->chosen < 0 ? reason : NULL);
	json_object_object_add(o, "candidates", cands);
	json_emit(o);
}

static void emit_reasons_json(const struct hook_env *env)
{
	struct json_object *o = json_object_new_object();
	struct json_object *names = json_object_new_array();
	size_t i;

	jadd_str(o, "type", "drop_reasons");
	jadd_int(o, "count", env->reasons.n);
	for (i = 0; i < env->reasons.n; i++)
		json_object_array_add(names, jstr(env->reasons.names[i]));
	json_object_object_add(o, "reasons", names);
	json_emit(o);
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	struct loader_opts lo = {.want = LF_ALL_SET,
				 .trace = true,
				 .counters = true,
				 .probe_only = true};
	struct fact_probe *fp = NULL;
	struct loader *ld = NULL;
	struct hook_env *env;
	bool json = false;
	int c, i, j, err;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			wgt_verbose++;
			break;
		case 'h':
			probe_usage(stdout);
			return 0;
		default:
			probe_usage(stderr);
			return -WGT_EUSAGE;
		}
	}
	if (optind < argc) {
		wgt_err("probe takes no arguments, got '%s'", argv[optind]);
		return -WGT_EUSAGE;
	}
	err = cmd_need_bpf("probe");
	if (err)
		return err;
	fp = calloc(hook_facts_count, sizeof(*fp));
	ld = calloc(1, sizeof(*ld));
	if (!fp || !ld) {
		err = -ENOMEM;
		goto cleanup;
	}
	/*
	 * The plan every job makes, by the same code: a mode shown here is
	 * one the loader delivers, down to programs the verifier refuses.
	 */
	err = loader_plan(ld, &lo);
	if (err) {
		wgt_err("cannot plan the hooks: %s", strerror(-err));
		goto cleanup;
	}
	env = &ld->env;
	for (i = 0; i < hook_facts_count; i++) {
		fp[i].fact = &hook_facts[i];
		fp[i].chosen = ld->chosen[i];
		fp[i].tried = hook_facts[i].ncand;
		for (j = 0; j < hook_facts[i].ncand; j++)
			loader_candidate_result(ld, i, j, &fp[i].res[j]);
	}
	/* The tc outcome is part of the kernel object: test it even if unused.
	 */
	if (!env->tc_tested) {
		struct hook_result ignored;
		struct hook_candidate tc = {HK_TC, NULL, "tc", {NULL}};

		hook_try(env, &tc, &ignored);
	}

	if (json) {
		emit_kernel_json(env);
		for (i = 0; i < hook_facts_count; i++)
			emit_fact_json(&fp[i]);
		emit_reasons_json(env);
	} else {
		print_kernel_text(env);
		printf("  %-16s %s\n\n", "tc attach",
		       env->tc.ok ? env->tc_how : env->tc.why);
		printf("%s%-18s %-12s %s%s\n", out_c(C_BOLD), "FACT", "MODE",
		       "HOOK", out_c(C_RESET));
		for (i = 0; i < hook_facts_count; i++)
			print_fact_text(&fp[i]);
		print_reasons_text(env);
	}
cleanup:
	free(fp);
	if (ld)
		loader_stop(ld);
	free(ld);
	return err;
}
