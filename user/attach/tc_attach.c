// SPDX-License-Identifier: GPL-2.0
/*
 * tc attach and detach for the loader, safe with other wgtrace instances
 * and other tc users on the same device.
 *
 * tcx (6.6+): a link per program, owned by the process; closing it (or the
 * process dying) detaches exactly that program. Nothing else to do.
 *
 * clsact (every older kernel): filters and the qdisc outlive the process,
 * so ownership is spelled out:
 *  - Each instance's filter has its own handle, TC_HANDLE_MARK | its PID,
 *    at the shared priority TC_PRIO; it removes only that handle.
 *  - A wgtrace filter is stale when its owner is gone: no process with the
 *    PID in the handle holds an fd of the filter's program (the "prog_id:"
 *    line of /proc/PID/fdinfo/N). A reused PID does not hold that program,
 *    so it cannot keep a dead instance's filter alive, nor have a live one
 *    removed. Stale filters are removed before attaching to a device and
 *    when a recorded qdisc is released.
 *  - Before wgtrace creates a clsact qdisc it writes an owner record,
 *    TC_RECORD_DIR/clsact-NETNS-IFINDEX (NETNS: the inode of the network
 *    namespace, IFINDEX: the device; its content: the device name, so that
 *    a later device with the same index is not taken for it). The record
 *    goes only after the qdisc was deleted or when the device is gone. A
 *    recorded qdisc is deleted when no filter at all is left in it, by
 *    whichever instance detaches last, or by the next start after a
 *    kill -9. A qdisc wgtrace did not create is never deleted.
 *  - Every change (record, qdisc, filter) is made under an exclusive flock
 *    of TC_RECORD_DIR, so two instances never race each other's "is it
 *    empty?" and "attach". A third party that adds a filter between that
 *    check and the delete can still lose it: tc has no "delete if empty".
 *  - Owners are told by PID as this process's /proc shows them: instances
 *    in different PID namespaces sharing one network namespace cannot see
 *    each other and are not supported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/common.h"
#include "attach/compat.h"
#include "attach/loader.h"
#include "config/nl_route.h"
#include "attach/tc_attach.h"

#define TC_MAX_FILTERS 256 /* per device and direction, for stale checks */

struct tc_filter {
	uint32_t handle;
	uint32_t prio;
	uint32_t prog_id; /* 0: not a bpf filter */
};

struct filter_dump {
	struct tc_filter f[TC_MAX_FILTERS];
	int n;	   /* stored in f */
	int total; /* every filter, also those past the array */
};

/* Serializes tc changes of every wgtrace instance; -errno or the lock fd. */
static int tc_lock(void)
{
	int fd, err;

	if (mkdir(TC_RECORD_DIR, 0755) && errno != EEXIST)
		return -errno;
	fd = open(TC_RECORD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void tc_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

static void record_path(char *buf, size_t len, int ifindex)
{
	snprintf(buf, len, TC_RECORD_DIR "/clsact-%u-%d", current_netns_ino(),
		 ifindex);
}

static bool record_exists(int ifindex)
{
	char path[128];

	record_path(path, sizeof(path), ifindex);
	return !access(path, F_OK);
}

static int record_write(int ifindex)
{
	char path[128], name[IF_NAMESIZE + 2] = "";
	size_t len;
	int fd, err = 0;

	if (!if_indextoname(ifindex, name))
		return -errno;
	len = strlen(name);
	name[len++] = '\n';
	record_path(path, sizeof(path), ifindex);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, name, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	close(fd);
	if (err)
		unlink(path);
	return err;
}

static void record_remove(int ifindex)
{
	char path[128];

	record_path(path, sizeof(path), ifindex);
	if (!unlink(path))
		wgt_dbg(1, "tc: removed owner record %s", path);
}

/*
 * Does the record still describe a device of this namespace? An empty
 * record (killed between create and write) is taken by index alone.
 */
static bool record_device_present(int ifindex)
{
	char path[128], rec[IF_NAMESIZE + 2] = "", now[IF_NAMESIZE];
	ssize_t n;
	int fd;

	if (!if_indextoname(ifindex, now))
		return false;
	record_path(path, sizeof(path), ifindex);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, rec, sizeof(rec) - 1);
	close(fd);
	if (n <= 0)
		return true;
	rec[n] = '\0';
	rec[strcspn(rec, "\n")] = '\0';
	return !strcmp(rec, now);
}

static int bpf_opt_cb(const struct nlattr *attr, void *data)
{
	struct tc_filter *f = data;

	if (mnl_attr_get_type(attr) == TCA_BPF_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		f->prog_id = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int filter_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= TCA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[TCA_MAX + 1] = {NULL};
	struct filter_dump *d = data;
	const struct tcmsg *t;
	struct tc_filter f = {0};

	if (nlh->nlmsg_type != RTM_NEWTFILTER ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*t)))
		return MNL_CB_OK;
	t = mnl_nlmsg_get_payload(nlh);
	/* Handle 0: the classifier instance of a priority, not a filter. */
	if (!t->tcm_handle)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*t), filter_attr_cb, tb) != MNL_CB_OK)
		return MNL_CB_OK;
	f.handle = t->tcm_handle;
	f.prio = TC_H_MAJ(t->tcm_info) >> 16;
	if (tb[TCA_KIND] && !strcmp(mnl_attr_get_str(tb[TCA_KIND]), "bpf") &&
	    tb[TCA_OPTIONS])
		mnl_attr_parse_nested(tb[TCA_OPTIONS], bpf_opt_cb, &f);
	if (d->n < TC_MAX_FILTERS)
		d->f[d->n++] = f;
	d->total++;
	return MNL_CB_OK;
}

/* Every filter of the clsact ingress or egress of a device (none: no qdisc). */
static int filters_dump(struct mnl_socket *nl, int ifindex, bool egress,
			struct filter_dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *t;

	memset(d, 0, sizeof(*d));
	nlh->nlmsg_type = RTM_GETTFILTER;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent =
	    TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
	return nl_request(nl, nlh, filter_cb, d, NULL);
}

/* Does PID hold an fd of program prog_id (so the filter's owner lives)? */
static bool owner_alive(int pid, uint32_t prog_id)
{
	char path[64], line[128];
	struct dirent *e;
	bool found = false;
	uint32_t id;
	DIR *dir;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		f = fdopen(fd, "r");
		if (!f) {
			close(fd);
			continue;
		}
		while (!found && fgets(line, sizeof(line), f))
			found = sscanf(line, "prog_id: %u", &id) == 1 &&
				id == prog_id;
		fclose(f);
	}
	closedir(dir);
	return found;
}

/* A wgtrace program by name too: a third party may pick such a handle. */
static bool prog_is_wgtrace(uint32_t prog_id)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info);
	bool ours;
	int fd;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strncmp(info.name, "wgt_", 4);
	close(fd);
	return ours;
}

static bool filter_stale(const struct tc_filter *f)
{
	return tc_handle_is_ours(f->handle) && f->prog_id &&
	       prog_is_wgtrace(f->prog_id) &&
	       !owner_alive(tc_handle_pid(f->handle), f->prog_id);
}

static int filter_del(int ifindex, bool egress, uint32_t handle, uint32_t prio)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point =
				egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle,
			    .priority = prio);

	return bpf_tc_detach(&hook, &opts);
}

/*
 * Remove the stale wgtrace filters of one clsact direction; the number of
 * filters left in it (any owner) into *left. Under the lock.
 */
static int remove_stale(struct mnl_socket *nl, int ifindex, bool egress,
			int *left)
{
	struct filter_dump *d;
	int i, err;

	*left = 0;
	d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	err = filters_dump(nl, ifindex, egress, d);
	if (err)
		goto cleanup;
	*left = d->total;
	for (i = 0; i < d->n; i++) {
		if (!filter_stale(&d->f[i]))
			continue;
		if (filter_del(ifindex, egress, d->f[i].handle, d->f[i].prio))
			continue;
		(*left)--;
		wgt_dbg(1,
			"tc: removed a stale filter (handle 0x%x, owner pid %d "
			"gone) on ifindex %d %s",
			d->f[i].handle, tc_handle_pid(d->f[i].handle), ifindex,
			egress ? "egress" : "ingress");
	}
cleanup:
	free(d);
	return err;
}

/*
 * A qdisc wgtrace recorded: remove stale filters, then the qdisc and its
 * record if no filter is left; the record alone if the device is gone.
 * Under the lock.
 */
static int qdisc_release(struct mnl_socket *nl, int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int in_left, eg_left, err;

	if (!record_exists(ifindex))
		return 0;
	if (!record_device_present(ifindex)) {
		/* The qdisc went with its device. */
		record_remove(ifindex);
		return 0;
	}
	err = remove_stale(nl, ifindex, false, &in_left);
	if (!err)
		err = remove_stale(nl, ifindex, true, &eg_left);
	if (err)
		return err;
	if (in_left || eg_left) {
		wgt_dbg(
		    1,
		    "tc: clsact on ifindex %d kept: %d filters of others in it",
		    ifindex, in_left + eg_left);
		return 0;
	}
	err = bpf_tc_hook_destroy(&hook);
	/* Gone already (deleted by hand): the record is all that is left. */
	if (err && err != -ENOENT && err != -EINVAL)
		return err;
	wgt_dbg(1, "tc: removed the clsact qdisc wgtrace created on ifindex %d",
		ifindex);
	record_remove(ifindex);
	return 0;
}

static int clsact_attach(struct mnl_socket *nl, struct tc_att *t, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
			    .attach_point =
				t->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd,
			    .handle = t->handle, .priority = TC_PRIO);
	bool wrote = false;
	int left, err;

	/* A stale filter of a killed run might even carry our handle. */
	remove_stale(nl, t->ifindex, t->egress, &left);
	if (!record_exists(t->ifindex)) {
		/* Written first: a kill -9 right after the create leaves it. */
		err = record_write(t->ifindex);
		if (err)
			return err;
		wrote = true;
	}
	err = bpf_tc_hook_create(&hook);
	if (err == -EEXIST) {
		/* Someone else's qdisc (else our record was there): not ours.
		 */
		if (wrote)
			record_remove(t->ifindex);
		err = 0;
	} else if (err) {
		if (wrote)
			record_remove(t->ifindex);
		return err;
	} else {
		wgt_dbg(1, "tc: created a clsact qdisc on ifindex %d",
			t->ifindex);
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		qdisc_release(nl, t->ifindex);
	return err;
}

int tc_attach(struct tc_set *s, int ifindex, bool egress, int prog_fd, bool tcx)
{
	struct mnl_socket *nl = NULL;
	struct tc_att *t;
	int lock = -1, left, fd, err = 0;

	if (s->n >= TC_SET_MAX)
		return -E2BIG;
	t = &s->att[s->n];
	memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;
	t->egress = egress;
	t->tcx = tcx;
	t->link_fd = -1;
	lock = tc_lock();
	if (lock >= 0)
		nl = nl_route_open();
	if (tcx) {
		/*
		 * A killed clsact run's filter would count beside ours. A tcx
		 * link needs neither the lock nor netlink: attach anyway.
		 */
		if (nl)
			remove_stale(nl, ifindex, egress, &left);
		fd = bpf_link_create(
		    prog_fd, ifindex,
		    egress ? WGT_BPF_TCX_EGRESS : WGT_BPF_TCX_INGRESS, NULL);
		if (fd < 0) {
			err = -errno;
			goto cleanup;
		}
		t->link_fd = fd;
		s->n++;
		goto cleanup;
	}
	if (lock < 0 || !nl) {
		err = lock < 0 ? lock : -errno;
		goto cleanup;
	}
	t->handle = TC_HANDLE_MARK | (uint32_t)getpid();
	err = clsact_attach(nl, t, prog_fd);
	if (!err)
		s->n++;
cleanup:
	if (nl)
		mnl_socket_close(nl);
	tc_unlock(lock);
	return err;
}

void tc_detach_all(struct tc_set *s)
{
	struct mnl_socket *nl = NULL;
	int lock = -1, i;

	for (i = s->n - 1; i >= 0; i--) {
		struct tc_att *t = &s->att[i];

		if (t->tcx) {
			close(t->link_fd);
			continue;
		}
		if (lock < 0) {
			/* Without the lock, still remove our own filter. */
			lock = tc_lock();
			nl = nl_route_open();
		}
		/* The device may be gone, and the filter with it. */
		filter_del(t->ifindex, t->egress, t->handle, TC_PRIO);
		if (lock >= 0 && nl)
			qdisc_release(nl, t->ifindex);
	}
	if (nl)
		mnl_socket_close(nl);
	tc_unlock(lock);
	s->n = 0;
}

void tc_forget(struct tc_set *s, int i)
{
	struct tc_att *t = &s->att[i];
	int lock;

	if (t->tcx) {
		close(t->link_fd);
	} else {
		lock = tc_lock();
		if (lock >= 0 && !record_device_present(t->ifindex))
			record_remove(t->ifindex);
		tc_unlock(lock);
	}
	s->att[i] = s->att[--s->n];
}

int tc_clean_stale(void)
{
	struct mnl_socket *nl = NULL;
	uint32_t ino = current_netns_ino(), rino;
	struct dirent *e;
	DIR *dir = NULL;
	int lock, ifindex, err = 0, n;

	lock = tc_lock();
	if (lock < 0)
		return lock;
	nl = nl_route_open();
	if (!nl) {
		err = -errno;
		goto cleanup;
	}
	dir = opendir(TC_RECORD_DIR);
	if (!dir) {
		err = -errno;
		goto cleanup;
	}
	/*
	 * Only this namespace's records: another namespace's devices are not
	 * reachable from here, and its records wait for a run in it.
	 */
	while ((e = readdir(dir))) {
		n = 0;
		if (sscanf(e->d_name, "clsact-%u-%d%n", &rino, &ifindex, &n) !=
			2 ||
		    e->d_name[n] || rino != ino)
			continue;
		qdisc_release(nl, ifindex);
	}
cleanup:
	if (dir)
		closedir(dir);
	if (nl)
		mnl_socket_close(nl);
	tc_unlock(lock);
	return err;
}
