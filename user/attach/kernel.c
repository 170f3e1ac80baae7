// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "base/common.h"
#include "attach/kernel.h"

#define BPF_FS_MAGIC_NUM 0xcafe4a11
#define TRACEFS_MAGIC_NUM 0x74726163
#define DROP_PREFIX "SKB_DROP_REASON_"

static bool fs_mounted_at(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == magic;
}

int kernel_facts_read(struct kernel_facts *kf)
{
	struct utsname u;

	memset(kf, 0, sizeof(*kf));
	if (uname(&u))
		return -errno;
	snprintf(kf->release, sizeof(kf->release), "%s", u.release);
	snprintf(kf->machine, sizeof(kf->machine), "%s", u.machine);
	kf->btf_vmlinux = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	kf->wg_module = access("/sys/module/wireguard", F_OK) == 0;
	kf->wg_btf = access("/sys/kernel/btf/wireguard", R_OK) == 0;
	kf->bpffs = fs_mounted_at("/sys/fs/bpf", BPF_FS_MAGIC_NUM);
	kf->tracefs =
	    fs_mounted_at("/sys/kernel/tracing", TRACEFS_MAGIC_NUM) ||
	    fs_mounted_at("/sys/kernel/debug/tracing", TRACEFS_MAGIC_NUM);
	kf->kprobe_pmu =
	    access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0;
	return 0;
}

int drop_reasons_from_btf(const struct btf *btf, struct drop_reasons *out)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	size_t plen = strlen(DROP_PREFIX);
	int id, i, vlen, err = 0;

	memset(out, 0, sizeof(*out));
	/* Kernels before 5.17 have no drop reasons at all: an empty list. */
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0)
		return 0;
	t = btf__type_by_id(btf, id);
	vlen = btf_vlen(t);
	out->names = calloc(vlen, sizeof(*out->names));
	out->values = calloc(vlen, sizeof(*out->values));
	if (!out->names || !out->values) {
		err = -ENOMEM;
		goto cleanup;
	}
	e = btf_enum(t);
	for (i = 0; i < vlen; i++) {
		const char *name = btf__name_by_offset(btf, e[i].name_off);

		/* SKB_DROP_REASON_MAX and subsystem masks are not reasons. */
		if (!name || strncmp(name, DROP_PREFIX, plen) ||
		    !strcmp(name + plen, "MAX"))
			continue;
		out->names[out->n] = strdup(name + plen);
		if (!out->names[out->n]) {
			err = -ENOMEM;
			goto cleanup;
		}
		out->values[out->n++] = e[i].val;
	}
cleanup:
	if (err)
		drop_reasons_free(out);
	return err;
}

int drop_reasons_load(struct drop_reasons *out)
{
	struct btf *btf;
	int err;

	btf = btf__load_vmlinux_btf();
	err = libbpf_get_error(btf);
	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	err = drop_reasons_from_btf(btf, out);
	btf__free(btf);
	return err;
}

bool drop_reasons_find(const struct drop_reasons *dr, const char *name,
		       unsigned int *value)
{
	size_t i;

	for (i = 0; i < dr->n; i++) {
		if (!strcmp(dr->names[i], name)) {
			if (value)
				*value = dr->values[i];
			return true;
		}
	}
	return false;
}

void drop_reasons_free(struct drop_reasons *dr)
{
	size_t i;

	for (i = 0; dr->names && i < dr->n; i++)
		free(dr->names[i]);
	free(dr->names);
	free(dr->values);
	memset(dr, 0, sizeof(*dr));
}

int caps_parse_effective(const char *status, unsigned long long *caps)
{
	const char *p = strstr(status, "\nCapEff:");
	char *end;

	if (!p)
		return -EINVAL;
	p += strlen("\nCapEff:");
	errno = 0;
	*caps = strtoull(p, &end, 16);
	if (errno || end == p)
		return -EINVAL;
	return 0;
}

bool caps_allow_bpf(unsigned long long caps)
{
	const unsigned long long sys_admin = 1ULL << 21;
	const unsigned long long perfmon = 1ULL << 38, bpf = 1ULL << 39;

	return (caps & sys_admin) || ((caps & bpf) && (caps & perfmon));
}

int check_bpf_privileges(void)
{
	unsigned long long caps;
	char buf[4096];
	size_t len;
	FILE *f;
	int err;

	f = fopen("/proc/self/status", "r");
	if (!f)
		return -errno;
	buf[0] = '\n'; /* so the first line also matches "\nCapEff:" */
	len = fread(buf + 1, 1, sizeof(buf) - 2, f);
	fclose(f);
	buf[len + 1] = '\0';
	err = caps_parse_effective(buf, &caps);
	if (err)
		return err;
	return caps_allow_bpf(caps) ? 0 : -EPERM;
}
