/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tc programs on a device, by tcx links (6.6+) or clsact filters, such that
 * several wgtrace instances and other users of tc share a device: each
 * instance removes only what it attached, a filter counts as stale only when
 * its owner is gone, and a clsact qdisc goes only when wgtrace created it
 * and no filter is left in it (tc_attach.c says how).
 */
#ifndef WGT_TC_ATTACH_H
#define WGT_TC_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A clsact filter's handle: this marker in the high byte, the owner's PID
 * (at most 2^22, /proc/sys/kernel/pid_max) in the rest. Every instance
 * uses the same priority: one cls_bpf holds them all, told by handle.
 */
#define TC_HANDLE_MARK 0x77000000u
#define TC_HANDLE_MASK 0xff000000u
#define TC_PRIO 0x7767
/* Where clsact owner records live (also the lock of every tc change). */
#define TC_RECORD_DIR "/run/wgtrace"

struct tc_att {
	int ifindex;
	bool egress;
	bool tcx;	 /* else a clsact filter */
	int link_fd;	 /* tcx link, -1 for clsact */
	uint32_t handle; /* clsact filter handle (TC_HANDLE_MARK | pid) */
};

#define TC_SET_MAX 32

/* What one instance attached. */
struct tc_set {
	struct tc_att att[TC_SET_MAX];
	int n;
};

/*
 * Attach prog_fd on ifindex, egress or ingress, by tcx or by clsact (a
 * qdisc is created, with an owner record, when the device has none). 0 or
 * -errno; nothing is left behind on failure.
 */
int tc_attach(struct tc_set *s, int ifindex, bool egress, int prog_fd,
	      bool tcx);
/* Detach everything in s; remove qdiscs wgtrace created that are empty. */
void tc_detach_all(struct tc_set *s);
/* Forget attachment i (its device is gone, and the hook with it). */
void tc_forget(struct tc_set *s, int i);
/*
 * At start, in this network namespace: remove clsact filters of wgtrace
 * instances that are gone, and qdiscs wgtrace created (owner records) that
 * hold no filter any more. 0 or -errno.
 */
int tc_clean_stale(void);

/* Is a filter handle one of wgtrace's, and which PID attached it? */
static inline bool tc_handle_is_ours(uint32_t handle)
{
	return (handle & TC_HANDLE_MASK) == TC_HANDLE_MARK;
}

static inline int tc_handle_pid(uint32_t handle)
{
	return (int)(handle & ~TC_HANDLE_MASK);
}

#endif /* WGT_TC_ATTACH_H */
