// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace WireGuard (wireguard-go and others) through the cross-platform
 * UAPI: connect to /var/run/wireguard/NAME.sock, send "get=1\n\n", read
 * key=value lines up to a blank line. Keys are hex there; the answer starts
 * with the private key, so buffers that held it are wiped before free.
 *
 * The socket directory belongs to the mount namespace, not to the network
 * namespace: every netns sharing /var/run sees every daemon's socket.
 * Callers only ask for names that are TUN links of the current netns, but
 * two namespaces with a device of the same name cannot be told apart: the
 * protocol does not say which netns a daemon serves, and the daemon's own
 * netns (SO_PEERCRED) need not be its TUN's (the TUN can be moved). The
 * tests give every device a unique name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "model/addr.h"
#include "base/common.h"
#include "config/inventory.h"
#include "config/wg_inventory.h"

#define UAPI_DIR "/var/run/wireguard"
/* The longest valid line (an IPv6 endpoint with a zone) is under 100. */
#define UAPI_LINE_MAX 256
/* Quoted in error messages: enough to recognise, short enough to read. */
#define UAPI_QUOTE_MAX 64
/* ~20 MiB is 10,000 peers with 50 AllowedIPs each: far beyond real use. */
#define UAPI_ANSWER_MAX (64u << 20)
#define UAPI_TIMEOUT_S 5

/* ---- the parser ------------------------------------------------------- */

struct uapi_parser {
	struct wg_device_info dev;
	struct wg_peer_info *peer; /* opened by the last public_key */
	bool got_errno;
	unsigned int lineno;
	const char *line; /* raw, for quoting */
	size_t line_len;
	char *err;
	size_t errlen;
	int errnum; /* EPROTO or ENOMEM */
};

/* Printable and bounded, whatever the input holds. */
static void quote(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && i < UAPI_QUOTE_MAX; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 2 > outlen)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 5 > outlen)
				break;
			o += snprintf(out + o, outlen - o, "\\x%02x", c);
		}
	}
	if (i < len && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static bool __attribute__((format(printf, 2, 3)))
fail(struct uapi_parser *pp, const char *fmt, ...)
{
	char what[128], q[UAPI_QUOTE_MAX * 4 + 4];
	va_list ap;

	pp->errnum = EPROTO;
	if (!pp->err || !pp->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	quote(q, sizeof(q), pp->line, pp->line_len);
	snprintf(pp->err, pp->errlen, "line %u: %s: \"%s\"", pp->lineno, what,
		 q);
	return false;
}

static bool fail_nomem(struct uapi_parser *pp)
{
	if (pp->err && pp->errlen)
		snprintf(pp->err, pp->errlen, "line %u: out of memory",
			 pp->lineno);
	pp->errnum = ENOMEM;
	return false;
}

/* "192.0.2.1:51820" or "[2001:db8::1]:51820" (a zone is dropped). */
static bool parse_endpoint(const char *v, struct wgt_addr *addr, uint16_t *port)
{
	const char *h, *h_end, *port_s, *zone;
	char host[WGT_ADDR_STRLEN];
	bool v6 = v[0] == '[';
	uint64_t p;
	size_t n;

	if (v6) {
		h = v + 1;
		h_end = strchr(h, ']');
		if (!h_end || h_end[1] != ':')
			return false;
		port_s = h_end + 2;
		/* A link-local endpoint carries "%eth0": wgt_addr has no
		 * scope id, so the zone is not kept. */
		zone = memchr(h, '%', h_end - h);
		if (zone)
			h_end = zone;
	} else {
		h = v;
		h_end = strrchr(v, ':');
		if (!h_end)
			return false;
		port_s = h_end + 1;
	}
	n = h_end - h;
	if (!n || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	/* Brackets if and only if IPv6, or "2001:db8::1:80" is ambiguous. */
	if (!addr_parse(host, addr) ||
	    addr->family != (v6 ? AF_INET6 : AF_INET))
		return false;
	if (!parse_u64(port_s, 10, UINT16_MAX, &p))
		return false;
	*port = (uint16_t)p;
	return true;
}

static bool is_peer_key(const char *key)
{
	static const char *const keys[] = {
	    "endpoint",
	    "allowed_ip",
	    "last_handshake_time_sec",
	    "last_handshake_time_nsec",
	    "rx_bytes",
	    "tx_bytes",
	    "persistent_keepalive_interval",
	    "protocol_version",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static bool parse_number(struct uapi_parser *pp, const char *key,
			 const char *value, uint64_t max, uint64_t *out)
{
	if (!parse_u64(value, 10, max, out))
		return fail(pp, "bad %s (want a number up to %llu)", key,
			    (unsigned long long)max);
	return true;
}

static bool parse_errno(struct uapi_parser *pp, const char *value)
{
	const char *d = value[0] == '-' ? value + 1 : value;

	if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 10)
		return fail(pp, "bad errno (want a number)");
	if (strcmp(value, "0"))
		return fail(pp, "device reported an error");
	pp->got_errno = true;
	return true;
}

static bool parse_kv(struct uapi_parser *pp, const char *key, const char *value)
{
	struct wg_peer_info *peer = pp->peer;
	uint8_t k[WG_KEY_LEN_RAW];
	struct wgt_prefix pfx;
	bool host_bits;
	uint64_t v;

	if (!strcmp(key, "public_key")) {
		if (!wg_key_from_hex(k, value))
			return fail(pp, "bad public_key (want 64 hex digits)");
		pp->peer = wg_device_add_peer(&pp->dev, k);
		return pp->peer ? true : fail_nomem(pp);
	}
	if (!strcmp(key, "errno"))
		return parse_errno(pp, value);
	if (!strcmp(key, "listen_port") || !strcmp(key, "fwmark")) {
		if (peer)
			return fail(pp, "%s after the first public_key", key);
		if (!strcmp(key, "listen_port")) {
			if (!parse_number(pp, key, value, UINT16_MAX, &v))
				return false;
			pp->dev.listen_port = (uint16_t)v;
		} else {
			if (!parse_number(pp, key, value, UINT32_MAX, &v))
				return false;
			pp->dev.fwmark = (uint32_t)v;
		}
		return true;
	}
	/* Newer implementations add keys; like wg(8), skip what is unknown. */
	if (!is_peer_key(key))
		return true;
	if (!peer)
		return fail(pp, "%s before any public_key", key);

	if (!strcmp(key, "endpoint")) {
		if (!parse_endpoint(value, &peer->endpoint,
				    &peer->endpoint_port))
			return fail(
			    pp, "bad endpoint (want IP:PORT or [IPv6]:PORT)");
		peer->has_endpoint = true;
	} else if (!strcmp(key, "allowed_ip")) {
		if (!prefix_parse(value, &pfx, &host_bits))
			return fail(pp, "bad allowed_ip (want ADDRESS/LENGTH)");
		if (wg_peer_add_allowed(peer, &pfx))
			return fail_nomem(pp);
	} else if (!strcmp(key, "last_handshake_time_sec")) {
		if (!parse_number(pp, key, value, INT64_MAX, &v))
			return false;
		peer->last_handshake_sec = (int64_t)v;
	} else if (!strcmp(key, "rx_bytes")) {
		if (!parse_number(pp, key, value, UINT64_MAX, &peer->rx_bytes))
			return false;
	} else if (!strcmp(key, "tx_bytes")) {
		if (!parse_number(pp, key, value, UINT64_MAX, &peer->tx_bytes))
			return false;
	} else if (!strcmp(key, "persistent_keepalive_interval")) {
		if (!parse_number(pp, key, value, UINT16_MAX, &v))
			return false;
		peer->keepalive = (uint16_t)v;
	}
	/* last_handshake_time_nsec, protocol_version: nothing to keep. */
	return true;
}

/*
 * Secrets are skipped unread, so no error message can ever quote one; their
 * format is not wgtrace's concern.
 */
static bool is_secret(const char *line, size_t len)
{
	static const char *const prefixes[] = {"private_key=",
					       "preshared_key="};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		n = strlen(prefixes[i]);
		if (len >= n && !memcmp(line, prefixes[i], n))
			return true;
	}
	return false;
}

bool wg_uapi_parse(const char *text, size_t len, struct wg_device_info *dev,
		   char *err, size_t errlen)
{
	struct uapi_parser pp = {.err = err, .errlen = errlen};
	const char *p = text, *end = text ? text + len : text, *nl;
	char buf[UAPI_LINE_MAX], *eq;
	bool ok = false;

	memset(dev, 0, sizeof(*dev));
	if (err && errlen)
		err[0] = '\0';
	pp.dev.impl = WG_IMPL_UAPI;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		pp.line = p;
		pp.line_len = (nl ? nl : end) - p;
		pp.lineno++;
		p = nl ? nl + 1 : end;
		if (!pp.line_len)
			break; /* the blank line ends the answer */
		if (is_secret(pp.line, pp.line_len)) {
			/* The device's own key comes first, before any peer. */
			if (!pp.peer && pp.line_len > 12 &&
			    !memcmp(pp.line, "private_key=", 12) &&
			    wg_pubkey_from_private_hex(
				pp.line + 12, pp.line_len - 12, pp.dev.pubkey))
				wg_key_to_b64(pp.dev.pubkey_b64, pp.dev.pubkey);
			continue;
		}
		if (pp.line_len >= sizeof(buf)) {
			fail(&pp, "longer than %d bytes", UAPI_LINE_MAX - 1);
			goto cleanup;
		}
		if (memchr(pp.line, '\0', pp.line_len)) {
			fail(&pp, "contains a NUL byte");
			goto cleanup;
		}
		memcpy(buf, pp.line, pp.line_len);
		buf[pp.line_len] = '\0';
		eq = strchr(buf, '=');
		if (!eq || eq == buf) {
			fail(&pp, "not key=value");
			goto cleanup;
		}
		*eq = '\0';
		if (!parse_kv(&pp, buf, eq + 1))
			goto cleanup;
	}
	if (!pp.got_errno) {
		pp.errnum = EPROTO;
		if (err && errlen)
			snprintf(err, errlen,
				 "answer ends without errno= (truncated?)");
		goto cleanup;
	}
	*dev = pp.dev;
	ok = true;
cleanup:
	if (!ok) {
		wg_device_info_free(&pp.dev);
		errno = pp.errnum;
	}
	return ok;
}

/* ---- the socket ------------------------------------------------------- */

/* Grow by copying, not realloc: the old block must be wiped before free. */
static int grow_secret(char **buf, size_t *cap, size_t len)
{
	char *bigger;

	if (*cap >= UAPI_ANSWER_MAX)
		return -EFBIG;
	bigger = malloc(*cap * 2);
	if (!bigger)
		return -ENOMEM;
	memcpy(bigger, *buf, len);
	explicit_bzero(*buf, *cap);
	free(*buf);
	*buf = bigger;
	*cap *= 2;
	return 0;
}

static bool answer_complete(const char *buf, size_t len)
{
	return (len == 1 && buf[0] == '\n') ||
	       (len >= 2 && buf[len - 2] == '\n' && buf[len - 1] == '\n');
}

static int read_answer(int fd, char **bufp, size_t *lenp, size_t *capp)
{
	size_t cap = 4096, len = 0;
	char *buf;
	ssize_t n;
	int err = 0;

	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	while (!answer_complete(buf, len)) {
		if (len == cap) {
			err = grow_secret(&buf, &cap, len);
			if (err)
				goto cleanup;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* SO_RCVTIMEO expired: a daemon that hangs. */
			err = errno == EAGAIN || errno == EWOULDBLOCK
				  ? -ETIMEDOUT
				  : -errno;
			goto cleanup;
		}
		if (n == 0)
			break; /* the parser says whether it was all */
		len += n;
	}
cleanup:
	if (err) {
		explicit_bzero(buf, cap);
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = len;
	*capp = cap;
	return 0;
}

static int uapi_connect(const char *ifname, const char *path)
{
	struct timeval tv = {.tv_sec = UAPI_TIMEOUT_S};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, err;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		close(fd);
		/* Left behind by a daemon that died (wg(8) would delete it;
		 * wgtrace changes nothing). */
		if (err == -ECONNREFUSED) {
			wgt_dbg(1, "%s: stale UAPI socket %s", ifname, path);
			err = -ENOENT;
		}
		return err;
	}
	return fd;
}

int wg_uapi_get(const char *ifname, struct wg_device_info *dev)
{
	static const char req[] = "get=1\n\n";
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t len = 0, cap = 0;
	char errbuf[512], *buf = NULL;
	int fd = -1, err = 0, n;

	memset(dev, 0, sizeof(*dev));
	n = snprintf(path, sizeof(path), UAPI_DIR "/%s.sock", ifname);
	if (!*ifname || strchr(ifname, '/') || n < 0 ||
	    (size_t)n >= sizeof(path))
		return -EINVAL;
	/* No socket: a TUN of something else (a VPN client, a container). */
	fd = uapi_connect(ifname, path);
	if (fd < 0) {
		err = fd;
		fd = -1;
		goto cleanup;
	}
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(req) - 1) {
		err = errno ? -errno : -EIO;
		goto cleanup;
	}
	err = read_answer(fd, &buf, &len, &cap);
	if (err)
		goto cleanup;
	if (!wg_uapi_parse(buf, len, dev, errbuf, sizeof(errbuf))) {
		err = errno == ENOMEM ? -ENOMEM : -EPROTO;
		wgt_err("%s: unexpected answer from %s: %s", ifname, path,
			errbuf);
	}
cleanup:
	if (buf) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return err;
}
