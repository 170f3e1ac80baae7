// SPDX-License-Identifier: GPL-2.0
/*
 * Attach tests: load one empty program from probe.bpf.c, attach it to the
 * candidate hook, detach, unload. Nothing stays behind; tc is tried on the
 * loopback of a scratch network namespace so no qdisc of the system changes.
 */
#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/common.h"
#include "attach/compat.h"
#include "attach/hooks.h"
#include "probe.skel.h"

static void set_why(struct hook_result *res, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(struct hook_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	res->ok = false;
	res->err = err;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
}

static struct bpf_program *program_for(struct probe_bpf *skel,
				       enum hook_kind kind)
{
	switch (kind) {
	case HK_FENTRY:
		return skel->progs.probe_fentry;
	case HK_FEXIT:
		return skel->progs.probe_fexit;
	case HK_KPROBE:
		return skel->progs.probe_kprobe;
	case HK_KRETPROBE:
		return skel->progs.probe_kretprobe;
	case HK_TP_BTF:
	case HK_DROP_REASON:
		return skel->progs.probe_tp_btf;
	case HK_RAW_TP:
		return skel->progs.probe_raw_tp;
	default:
		return skel->progs.probe_tc;
	}
}

static void only_autoload(struct probe_bpf *skel, struct bpf_program *prog)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, skel->obj)
	    bpf_program__set_autoload(p, p == prog);
}

static bool is_wireguard_function(const char *name)
{
	return !strncmp(name, "wg_", 3);
}

/* Say why in words an SRE can act on, not only an errno. */
static void explain_failure(const struct hook_env *env,
			    const struct hook_candidate *c, const char *step,
			    int err, struct hook_result *res)
{
	const char *target =
	    c->kind == HK_DROP_REASON ? "kfree_skb" : c->target;

	if (is_wireguard_function(target) && !env->kf.wg_module) {
		set_why(
		    res, err,
		    "wireguard module not loaded (try: modprobe wireguard)");
		return;
	}
	switch (c->kind) {
	case HK_FENTRY:
	case HK_FEXIT:
	case HK_TP_BTF:
	case HK_DROP_REASON:
		if (!env->kf.btf_vmlinux) {
			set_why(res, err,
				"kernel has no BTF (/sys/kernel/btf/vmlinux)");
			return;
		}
		if (!strcmp(step, "find")) {
			set_why(res, err, "%s is not in the kernel's BTF",
				target);
			return;
		}
		break;
	case HK_KPROBE:
	case HK_KRETPROBE:
		if (!env->kf.kprobe_pmu && !env->kf.tracefs) {
			set_why(res, err,
				"kernel has no kprobe support (no kprobe PMU)");
			return;
		}
		break;
	default:
		break;
	}
	if ((c->kind == HK_FENTRY || c->kind == HK_FEXIT) && err == -EPERM &&
	    !strcmp(step, "load")) {
		set_why(res, err,
			"kernel refuses fentry/fexit programs (load: EPERM)");
		return;
	}
	set_why(res, err, "%s failed: %s", step, strerror(-err));
}

/* Remember a refusal that holds for every target of this kind. */
static void note_refusal(struct hook_env *env, const struct hook_candidate *c,
			 const char *step, const struct hook_result *res)
{
	bool fentry = c->kind == HK_FENTRY || c->kind == HK_FEXIT;
	bool kprobe = c->kind == HK_KPROBE || c->kind == HK_KRETPROBE;

	if (fentry && !strcmp(step, "load") && res->err == -EPERM)
		env->fentry_refused = *res;
	if (kprobe && !env->kf.kprobe_pmu && !env->kf.tracefs)
		env->kprobe_refused = *res;
}

static void try_bpf(struct hook_env *env, const struct hook_candidate *c,
		    const char *target, struct hook_result *res)
{
	struct bpf_link *link = NULL;
	struct probe_bpf *skel;
	struct bpf_program *prog;
	const char *step = "open";
	int err = 0;

	skel = probe_bpf__open();
	if (!skel) {
		err = -errno;
		goto cleanup;
	}
	prog = program_for(skel, c->kind);
	only_autoload(skel, prog);

	if (c->kind == HK_FENTRY || c->kind == HK_FEXIT ||
	    c->kind == HK_TP_BTF || c->kind == HK_DROP_REASON) {
		step = "find";
		err = bpf_program__set_attach_target(prog, 0, target);
		if (err)
			goto cleanup;
	}
	step = "load";
	err = probe_bpf__load(skel);
	if (err)
		goto cleanup;

	step = "attach";
	switch (c->kind) {
	case HK_KPROBE:
	case HK_KRETPROBE:
		link = bpf_program__attach_kprobe(prog, c->kind == HK_KRETPROBE,
						  target);
		break;
	case HK_RAW_TP:
		link = bpf_program__attach_raw_tracepoint(prog, target);
		break;
	default:
		link = bpf_program__attach_trace(prog);
		break;
	}
	if (!link)
		err = -errno;
cleanup:
	if (err) {
		explain_failure(env, c, step, err, res);
		note_refusal(env, c, step, res);
	} else {
		res->ok = true;
	}
	bpf_link__destroy(link);
	probe_bpf__destroy(skel);
}

struct tc_outcome {
	int tcx_err;
	int clsact_err;
};

/* Runs in a child that owns a fresh network namespace: loopback is ifindex 1.
 */
static void tc_attach_child(int prog_fd, int out_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
	struct tc_outcome out = {0};
	ssize_t n;
	int fd;

	if (unshare(CLONE_NEWNET)) {
		out.tcx_err = out.clsact_err = -errno;
		goto report;
	}
	fd = bpf_link_create(prog_fd, 1, WGT_BPF_TCX_INGRESS, NULL);
	if (fd < 0)
		out.tcx_err = -errno;
	else
		close(fd);

	out.clsact_err = bpf_tc_hook_create(&hook);
	if (!out.clsact_err)
		out.clsact_err = bpf_tc_attach(&hook, &opts);
	if (!out.clsact_err) {
		opts.prog_fd = opts.prog_id = opts.flags = 0;
		out.clsact_err = bpf_tc_detach(&hook, &opts);
	}
	/* The namespace dies with this process; destroying is only tidiness. */
	bpf_tc_hook_destroy(&hook);
report:
	n = write(out_fd, &out, sizeof(out));
	_exit(n == sizeof(out) ? 0 : 1);
}

/*
 * Test-only: WGTRACE_TC_FORCE_CLSACT=1 makes a kernel with tcx (6.6+) report
 * clsact, as every older kernel does, so that the clsact path (filters and
 * qdiscs shared with other instances and other tc users) runs in the
 * namespace tests on a new host kernel. Read here only.
 */
static bool tc_force_clsact(void)
{
	const char *v = getenv("WGTRACE_TC_FORCE_CLSACT");

	return v && !strcmp(v, "1");
}

static void try_tc(struct hook_env *env)
{
	struct tc_outcome out = {-EIO, -EIO};
	struct hook_result *res = &env->tc;
	struct probe_bpf *skel;
	int pipefd[2] = {-1, -1};
	pid_t pid;
	int err, status;

	env->tc_tested = true;
	skel = probe_bpf__open();
	if (!skel) {
		set_why(res, -errno, "open failed: %s", strerror(errno));
		return;
	}
	only_autoload(skel, skel->progs.probe_tc);
	err = probe_bpf__load(skel);
	if (err) {
		set_why(res, err, "loading a tc program failed: %s",
			strerror(-err));
		goto cleanup;
	}
	if (pipe(pipefd)) {
		set_why(res, -errno, "pipe: %s", strerror(errno));
		goto cleanup;
	}
	pid = fork();
	if (pid < 0) {
		set_why(res, -errno, "fork: %s", strerror(errno));
		goto cleanup;
	}
	if (pid == 0) {
		close(pipefd[0]);
		tc_attach_child(bpf_program__fd(skel->progs.probe_tc),
				pipefd[1]);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	if (read(pipefd[0], &out, sizeof(out)) != sizeof(out))
		out.tcx_err = out.clsact_err = -EIO;
	waitpid(pid, &status, 0);

	if (tc_force_clsact() && !out.clsact_err)
		out.tcx_err = -EOPNOTSUPP;
	if (!out.tcx_err || !out.clsact_err) {
		res->ok = true;
		snprintf(env->tc_how, sizeof(env->tc_how), "%s",
			 out.tcx_err ? "clsact" : "tcx");
	} else {
		set_why(res, out.clsact_err,
			"tc attach failed: tcx: %s; clsact: %s",
			strerror(-out.tcx_err), strerror(-out.clsact_err));
	}
cleanup:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	probe_bpf__destroy(skel);
}

void hook_try(struct hook_env *env, const struct hook_candidate *c,
	      struct hook_result *res)
{
	memset(res, 0, sizeof(*res));
	switch (c->kind) {
	case HK_INVENTORY:
		res->ok = true;
		return;
	case HK_TC:
		if (!env->tc_tested)
			try_tc(env);
		*res = env->tc;
		/* A candidate may need one way of attaching (target "tcx"). */
		if (res->ok && c->target && strcmp(env->tc_how, c->target))
			set_why(res, -EOPNOTSUPP,
				"needs %s (this kernel attaches tc by %s)",
				c->target, env->tc_how);
		return;
	case HK_DROP_REASON:
		/* No target: any reason, so the tracepoint must carry one. */
		if (!c->target && !env->reasons.n) {
			set_why(res, -ENOENT,
				"kfree_skb has no drop reason on this kernel "
				"(5.17+)");
			return;
		}
		if (c->target &&
		    !drop_reasons_find(&env->reasons, c->target, NULL)) {
			set_why(res, -ENOENT,
				"kernel defines no drop reason %s", c->target);
			return;
		}
		try_bpf(env, c, "kfree_skb", res);
		return;
	default:
		break;
	}
	/* Known outcomes: no object to build, no BTF to parse again. */
	if (is_wireguard_function(c->target) && !env->kf.wg_module) {
		set_why(
		    res, -ENOENT,
		    "wireguard module not loaded (try: modprobe wireguard)");
		return;
	}
	if ((c->kind == HK_FENTRY || c->kind == HK_FEXIT) &&
	    env->fentry_refused.err) {
		*res = env->fentry_refused;
		return;
	}
	if ((c->kind == HK_KPROBE || c->kind == HK_KRETPROBE) &&
	    env->kprobe_refused.err) {
		*res = env->kprobe_refused;
		return;
	}
	try_bpf(env, c, c->target, res);
}

int hook_env_init(struct hook_env *env)
{
	int err;

	memset(env, 0, sizeof(*env));
	err = kernel_facts_read(&env->kf);
	if (err)
		return err;
	/* No BTF means no drop reasons by name: not fatal, the list is empty.
	 */
	if (env->kf.btf_vmlinux)
		drop_reasons_load(&env->reasons);
	return 0;
}

void hook_env_free(struct hook_env *env)
{
	drop_reasons_free(&env->reasons);
}

void hook_probe_fact(struct hook_env *env, const struct hook_fact *fact,
		     bool all, struct fact_probe *fp)
{
	int i;

	memset(fp, 0, sizeof(*fp));
	fp->fact = fact;
	fp->chosen = -1;
	for (i = 0; i < fact->ncand; i++) {
		hook_try(env, &fact->cand[i], &fp->res[i]);
		fp->tried = i + 1;
		if (fp->res[i].ok && fp->chosen < 0) {
			fp->chosen = i;
			if (!all)
				break;
		}
	}
}

enum wgt_mode fact_probe_mode(const struct fact_probe *fp)
{
	if (fp->chosen < 0)
		return WGT_MODE_UNAVAILABLE;
	return hook_kind_mode(fp->fact->cand[fp->chosen].kind);
}
