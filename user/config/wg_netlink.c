// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel WireGuard over generic netlink (family "wireguard"), with libmnl:
 * one WG_CMD_GET_DEVICE dump per device, as wg(8) does it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "base/common.h"
#include "config/inventory.h"
#include "config/wg_inventory.h"

/*
 * The kernel sizes dump messages up to the reader's buffer, capped at 32 KiB;
 * a smaller buffer would make recvmsg truncate them.
 */
#define WG_NL_BUF_SIZE 32768
/* A dump interrupted by a concurrent change is restarted, a few times. */
#define WG_NL_TRIES 5

struct nl_ctx {
	struct wg_device_info *dev;
	uint16_t family;
	int err;
};

static int nl_fail(struct nl_ctx *ctx, int err)
{
	ctx->err = err;
	errno = -err;
	return MNL_CB_ERROR;
}

/* ---- one reply message ------------------------------------------------ */

struct allowed_attrs {
	uint16_t family;
	const struct nlattr *ipaddr;
	int cidr;
};

static int allowedip_attr_cb(const struct nlattr *attr, void *data)
{
	struct allowed_attrs *a = data;

	switch (mnl_attr_get_type(attr)) {
	case WGALLOWEDIP_A_FAMILY:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		a->family = mnl_attr_get_u16(attr);
		break;
	case WGALLOWEDIP_A_IPADDR:
		a->ipaddr = attr;
		break;
	case WGALLOWEDIP_A_CIDR_MASK:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		a->cidr = mnl_attr_get_u8(attr);
		break;
	}
	return MNL_CB_OK;
}

static int parse_allowedip(const struct nlattr *nest, struct wg_peer_info *peer)
{
	struct allowed_attrs a = {.cidr = -1};
	struct wgt_prefix p = {0};

	if (mnl_attr_parse_nested(nest, allowedip_attr_cb, &a) < 0)
		return -EPROTO;
	/* Only these two exist today; a future family is not ours to show. */
	if (a.family != AF_INET && a.family != AF_INET6)
		return 0;
	if (!a.ipaddr || a.cidr < 0 || a.cidr > addr_bits(a.family) ||
	    mnl_attr_get_payload_len(a.ipaddr) < addr_bytes(a.family))
		return -EPROTO;
	addr_from_raw(&p.addr, a.family, mnl_attr_get_payload(a.ipaddr));
	p.len = a.cidr;
	return wg_peer_add_allowed(peer, &p);
}

struct peer_attrs {
	struct wg_peer_info info; /* allowed stays empty here */
	bool has_key;
	const struct nlattr *allowedips;
};

static int set_endpoint(struct wg_peer_info *peer, const struct nlattr *attr)
{
	size_t len = mnl_attr_get_payload_len(attr);
	const void *raw = mnl_attr_get_payload(attr);
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	sa_family_t family;

	if (len < sizeof(family))
		return -EPROTO;
	/* Attribute payloads are only 4-byte aligned: copy, never cast. */
	memcpy(&family, raw, sizeof(family));
	if (family == AF_INET && len >= sizeof(s4)) {
		memcpy(&s4, raw, sizeof(s4));
		addr_from_raw(&peer->endpoint, AF_INET, &s4.sin_addr);
		peer->endpoint_port = ntohs(s4.sin_port);
	} else if (family == AF_INET6 && len >= sizeof(s6)) {
		memcpy(&s6, raw, sizeof(s6));
		addr_from_raw(&peer->endpoint, AF_INET6, &s6.sin6_addr);
		peer->endpoint_port = ntohs(s6.sin6_port);
	} else if (family == AF_INET || family == AF_INET6) {
		return -EPROTO;
	} else {
		return 0; /* AF_UNSPEC: no endpoint yet */
	}
	peer->has_endpoint = true;
	return 0;
}

static int peer_attr_cb(const struct nlattr *attr, void *data)
{
	struct peer_attrs *pa = data;
	struct __kernel_timespec ts;

	switch (mnl_attr_get_type(attr)) {
	case WGPEER_A_PUBLIC_KEY:
		if (mnl_attr_get_payload_len(attr) != WG_KEY_LEN_RAW)
			return MNL_CB_ERROR;
		memcpy(pa->info.pubkey, mnl_attr_get_payload(attr),
		       WG_KEY_LEN_RAW);
		pa->has_key = true;
		break;
	case WGPEER_A_ENDPOINT:
		if (set_endpoint(&pa->info, attr))
			return MNL_CB_ERROR;
		break;
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		pa->info.keepalive = mnl_attr_get_u16(attr);
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (mnl_attr_get_payload_len(attr) != sizeof(ts))
			return MNL_CB_ERROR;
		memcpy(&ts, mnl_attr_get_payload(attr), sizeof(ts));
		pa->info.last_handshake_sec = ts.tv_sec;
		break;
	case WGPEER_A_RX_BYTES:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		pa->info.rx_bytes = mnl_attr_get_u64(attr);
		break;
	case WGPEER_A_TX_BYTES:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		pa->info.tx_bytes = mnl_attr_get_u64(attr);
		break;
	case WGPEER_A_ALLOWEDIPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		pa->allowedips = attr;
		break;
	}
	return MNL_CB_OK;
}

static int parse_peer(const struct nlattr *nest, struct wg_device_info *dev)
{
	struct peer_attrs pa = {0};
	struct wg_peer_info *peer;
	const struct nlattr *a;
	int err;

	if (mnl_attr_parse_nested(nest, peer_attr_cb, &pa) < 0 || !pa.has_key)
		return -EPROTO;
	/*
	 * A peer whose AllowedIPs overflow one message comes again at the
	 * start of the next with only its key and more AllowedIPs
	 * (linux/wireguard.h): adjacent equal keys are one peer.
	 */
	if (dev->n_peers && !memcmp(dev->peers[dev->n_peers - 1].pubkey,
				    pa.info.pubkey, WG_KEY_LEN_RAW)) {
		peer = &dev->peers[dev->n_peers - 1];
	} else {
		peer = wg_device_add_peer(dev, pa.info.pubkey);
		if (!peer)
			return -ENOMEM;
		peer->has_endpoint = pa.info.has_endpoint;
		peer->endpoint = pa.info.endpoint;
		peer->endpoint_port = pa.info.endpoint_port;
		peer->last_handshake_sec = pa.info.last_handshake_sec;
		peer->rx_bytes = pa.info.rx_bytes;
		peer->tx_bytes = pa.info.tx_bytes;
		peer->keepalive = pa.info.keepalive;
	}
	if (!pa.allowedips)
		return 0;
	mnl_attr_for_each_nested(a, pa.allowedips)
	{
		err = parse_allowedip(a, peer);
		if (err)
			return err;
	}
	return 0;
}

static int device_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_ctx *ctx = data;
	struct wg_device_info *dev = ctx->dev;
	const struct nlattr *a;
	int err;

	switch (mnl_attr_get_type(attr)) {
	case WGDEVICE_A_IFINDEX:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return nl_fail(ctx, -EPROTO);
		dev->ifindex = (int)mnl_attr_get_u32(attr);
		break;
	case WGDEVICE_A_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return nl_fail(ctx, -EPROTO);
		snprintf(dev->name, sizeof(dev->name), "%s",
			 mnl_attr_get_str(attr));
		break;
	case WGDEVICE_A_PUBLIC_KEY:
		if (mnl_attr_get_payload_len(attr) != WG_KEY_LEN_RAW)
			return nl_fail(ctx, -EPROTO);
		memcpy(dev->pubkey, mnl_attr_get_payload(attr), WG_KEY_LEN_RAW);
		wg_key_to_b64(dev->pubkey_b64, dev->pubkey);
		break;
	case WGDEVICE_A_LISTEN_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return nl_fail(ctx, -EPROTO);
		dev->listen_port = mnl_attr_get_u16(attr);
		break;
	case WGDEVICE_A_FWMARK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return nl_fail(ctx, -EPROTO);
		dev->fwmark = mnl_attr_get_u32(attr);
		break;
	case WGDEVICE_A_PEERS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return nl_fail(ctx, -EPROTO);
		mnl_attr_for_each_nested(a, attr)
		{
			err = parse_peer(a, dev);
			if (err)
				return nl_fail(ctx, err);
		}
		break;
	}
	/* The private key is never read: wgtrace has no use for it. */
	return MNL_CB_OK;
}

int wg_netlink_parse_msg(const struct nlmsghdr *nlh, struct wg_device_info *dev)
{
	struct nl_ctx ctx = {.dev = dev};

	dev->impl = WG_IMPL_KERNEL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EPROTO;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), device_attr_cb,
			   &ctx) < 0)
		return ctx.err ? ctx.err : -EPROTO;
	return 0;
}

/* ---- talking to the kernel -------------------------------------------- */

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;
	int err;

	err = wg_netlink_parse_msg(nlh, ctx->dev);
	return err ? nl_fail(ctx, err) : MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_ctx *ctx = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return nl_fail(ctx, -EBADMSG);
	if (!e->error)
		return MNL_CB_STOP; /* the ACK */
	return nl_fail(ctx, e->error < 0 ? e->error : -e->error);
}

/*
 * A dump ends with NLMSG_DONE carrying the dump's status; libmnl 1.0.4
 * ignores it, and a failed dump would look like a complete one.
 */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;
	int status;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(status)) {
		memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
		if (status < 0)
			return nl_fail(ctx, status);
	}
	return MNL_CB_STOP;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	return nl_fail(data, -ENOBUFS);
}

/* Not const: libmnl 1.0.4 takes a non-const array. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
    [NLMSG_NOOP] = noop_cb,
    [NLMSG_ERROR] = error_cb,
    [NLMSG_DONE] = done_cb,
    [NLMSG_OVERRUN] = overrun_cb,
};

static int nl_open(struct mnl_socket **nlp)
{
	struct mnl_socket *nl;
	int err;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		return err;
	}
	*nlp = nl;
	return 0;
}

/* Send one request and run the replies through cb until the end. */
static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf,
		   mnl_cb_t cb, struct nl_ctx *ctx)
{
	unsigned int seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, WG_NL_BUF_SIZE);
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(buf, n, seq, portid, cb, ctx, ctl_cbs,
				  ARRAY_SIZE(ctl_cbs));
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		/* libmnl's own failures (EPROTO for a stray seq, EINTR for
		 * an interrupted dump) only set errno. */
		return ctx->err ? ctx->err : (errno ? -errno : -EPROTO);
	return 0;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_ctx *ctx = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		ctx->family = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			   data) < 0)
		return nl_fail(data, -EPROTO);
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_put(char *buf, uint16_t type, uint16_t flags,
				 uint8_t cmd, uint8_t version)
{
	static unsigned int seq;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	if (!seq)
		seq = (unsigned int)time(NULL);
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* The id of the "wireguard" family; -ENOENT when the kernel has none. */
static int resolve_family(struct mnl_socket *nl, char *buf, uint16_t *family)
{
	struct nl_ctx ctx = {0};
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_put(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
		       CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	err = nl_talk(nl, nlh, buf, family_cb, &ctx);
	if (err)
		return err;
	if (!ctx.family)
		return -EPROTO;
	*family = ctx.family;
	return 0;
}

static int dump_device(uint16_t family, const char *ifname,
		       struct wg_device_info *dev, char *buf)
{
	struct mnl_socket *nl = NULL;
	struct nl_ctx ctx = {.dev = dev};
	struct nlmsghdr *nlh;
	int err;

	/*
	 * A fresh socket per attempt: an aborted dump leaves its remaining
	 * messages queued on the old one.
	 */
	err = nl_open(&nl);
	if (err)
		return err;
	nlh = genl_put(buf, family, NLM_F_REQUEST | NLM_F_DUMP,
		       WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	err = nl_talk(nl, nlh, buf, data_cb, &ctx);
	mnl_socket_close(nl);
	return err;
}

int wg_netlink_get(const char *ifname, struct wg_device_info *dev)
{
	struct mnl_socket *nl = NULL;
	uint16_t family = 0;
	char *buf;
	int err, i;

	memset(dev, 0, sizeof(*dev));
	buf = malloc(WG_NL_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	err = nl_open(&nl);
	if (err)
		goto cleanup;
	err = resolve_family(nl, buf, &family);
	if (err == -ENOENT) {
		/* No kernel WireGuard (the module is absent): no devices. */
		wgt_dbg(1, "%s: kernel has no wireguard netlink family",
			ifname);
		goto cleanup;
	}
	if (err)
		goto cleanup;
	for (i = 0; i < WG_NL_TRIES; i++) {
		wg_device_info_free(dev);
		err = dump_device(family, ifname, dev, buf);
		if (err != -EINTR)
			break;
	}
	/* Gone between the link dump and now: it is no device of ours. */
	if (err == -ENODEV)
		err = -ENOENT;
cleanup:
	if (err)
		wg_device_info_free(dev);
	if (nl)
		mnl_socket_close(nl);
	/* The replies carried the private key. */
	explicit_bzero(buf, WG_NL_BUF_SIZE);
	free(buf);
	return err;
}
