/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The intent file: what the operator expects the gateway to do with traffic,
 * for `wgtrace check --intent FILE` (and watch, export) to hold the kernel to.
 *
 * FORMAT
 *
 * Plain text, one statement per line. Words are separated by spaces or tabs;
 * a word that starts with '#' begins a comment running to the end of the
 * line; blank lines are ignored; a '\r' before the newline is ignored.
 * Keywords are lower case.
 *
 *   PREFIX via DEV [peer PEER] [from ADDR] [mark N] [iif DEV]
 *       Traffic to PREFIX leaves by device DEV. With 'peer', DEV is a
 *       WireGuard device and the traffic goes to that peer (the one whose
 *       AllowedIPs hold the longest prefix containing the destination).
 *
 *   PREFIX blocked [from ADDR] [mark N] [iif DEV]
 *       Traffic to PREFIX is not routable: the kernel answers unreachable,
 *       blackhole or prohibit.
 *
 *   name KEY NAME
 *       NAME stands for the public key KEY, in 'peer' and in wgtrace's
 *       output. A name and a key are each named once; a name may be used
 *       before the line that declares it.
 *
 *   role gateway | role endpoint
 *       What this host is for its WireGuard peers. A gateway forwards:
 *       its peers reach networks behind it, the internet or each other
 *       through it, so IP forwarding must be on for each family its peers
 *       carry. An endpoint only talks to its peers itself and forwards
 *       nothing. Without a 'role' line, check infers the role from the
 *       configuration. At most one 'role' line.
 *
 * The words:
 *
 *   PREFIX   An IPv4 or IPv6 prefix, 10.99.0.0/16 or ::/0; a bare address
 *            is a single host (/32, /128). Host bits must be clear
 *            (10.1.2.3/16 is an error: write 10.1.0.0/16).
 *   DEV      An interface name: 1 to 15 bytes, none of '/', ':', space.
 *   PEER     A public key, 44 characters of base64 as wg(8) shows it, or
 *            a NAME.
 *   NAME     1 to 63 of A-Z a-z 0-9 . _ -
 *   from ADDR  The packet's source address, same family as PREFIX. Policy
 *            rules that match on the source ('ip rule add from ...')
 *            decide differently for it.
 *   mark N   The packet's firewall mark, decimal or 0x hex, 0 to
 *            0xffffffff; no 'mark' is mark 0. Rules that match a fwmark
 *            decide differently for it: wg-quick's full tunnel sends
 *            everything through table 51820 except packets marked 51820,
 *            which are the tunnel's own UDP packets and use table main.
 *   iif DEV  The packet is forwarded: it arrived on DEV. Needs 'from'
 *            (the kernel rejects a forwarded packet with no source).
 *
 * 'peer', 'from', 'mark' and 'iif' come after DEV or 'blocked', in any
 * order, each at most once. Two statements about the same PREFIX with the
 * same 'from', 'mark' and 'iif' are an error (they would contradict or
 * repeat each other).
 *
 * Example, a full-tunnel client and a site gateway:
 *
 *   role gateway
 *   name xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg= gw-east
 *   0.0.0.0/0        via wg0 peer gw-east
 *   0.0.0.0/0        via eth0 mark 51820    # the tunnel's own packets
 *   ::/0             via wg0
 *   10.99.0.0/16     via wg0 peer gw-east
 *   192.168.7.0/24   via wg1 from 10.10.0.5 iif eth1
 *   198.51.100.0/24  blocked
 *
 * ERRORS
 *
 * Parsing stops at the first error (an unknown peer name is only known to
 * be unknown at the end of the file): "FILE:LINE:COLUMN: message", the
 * column counting bytes from 1 and pointing at the offending word, quoted
 * in the message; for a missing word, it points just past the line's last
 * word:
 *
 *   intent.txt:3:14: unknown keyword 'vai' (expected 'via' or 'blocked')
 *
 * LIMITS
 *
 * Lines up to INTENT_LINE_MAX bytes, INTENT_MAX_ASSERTS statements about
 * prefixes, INTENT_MAX_NAMES names, files up to INTENT_FILE_MAX bytes.
 */
#ifndef WGT_INTENT_H
#define WGT_INTENT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/addr.h"
#include "config/inventory.h"

#define INTENT_LINE_MAX 1024
#define INTENT_MAX_ASSERTS 4096
#define INTENT_MAX_NAMES 1024
#define INTENT_NAME_MAX 64 /* 63 characters + NUL */
#define INTENT_FILE_MAX (1024 * 1024)

enum intent_action {
	INTENT_VIA,	/* leaves by dev (and to peer) */
	INTENT_BLOCKED, /* unreachable, blackhole or prohibit */
};

struct intent_assert {
	struct wgt_prefix dst;
	enum intent_action action;
	char dev[IF_NAMESIZE]; /* INTENT_VIA */
	bool has_peer;
	uint8_t peer[WG_KEY_LEN_RAW];
	char peer_b64[WG_KEY_B64_LEN];	 /* canonical spelling */
	char peer_name[INTENT_NAME_MAX]; /* "" if the key has no name */
	bool has_src;
	struct wgt_addr src; /* same family as dst */
	uint32_t mark;	     /* 0 without 'mark' */
	bool has_mark;
	char iif[IF_NAMESIZE]; /* "": not forwarded */
	unsigned int line;     /* for "FILE:LINE: ..." */
};

struct intent_name {
	uint8_t key[WG_KEY_LEN_RAW];
	char key_b64[WG_KEY_B64_LEN];
	char name[INTENT_NAME_MAX];
	unsigned int line;
};

enum intent_role {
	INTENT_ROLE_NONE, /* no 'role' line: infer it */
	INTENT_ROLE_GATEWAY,
	INTENT_ROLE_ENDPOINT,
};

struct intent {
	enum intent_role role;
	unsigned int role_line;	       /* 0 without a 'role' line */
	struct intent_assert *asserts; /* in file order */
	size_t n_asserts;
	struct intent_name *names; /* in file order */
	size_t n_names;
};

/*
 * Parse len bytes of text (no NUL needed; a NUL byte is an error). filename
 * only names the input in messages (NULL: "<input>"). On success *out owns
 * the result (intent_free); on failure *out is empty and err holds one line
 * without a trailing newline, as described above. err may be NULL.
 */
bool intent_parse(const char *text, size_t len, const char *filename,
		  struct intent *out, char *err, size_t errlen);
/*
 * Read and parse a file; "-" reads standard input. 0, -EINVAL for a parse
 * error (an input error for the caller: exit status 2), -EFBIG past
 * INTENT_FILE_MAX, or -errno from reading. err says what went wrong and
 * where: "cannot open 'x': No such file or directory".
 */
int intent_load_file(const char *path, struct intent *out, char *err,
		     size_t errlen);
/* Release what *in owns and empty it; safe on an empty or freed intent. */
void intent_free(struct intent *in);

/* The name given to key, or NULL. */
const char *intent_name_of(const struct intent *in,
			   const uint8_t key[WG_KEY_LEN_RAW]);
/* The key called name, or NULL. */
const uint8_t *intent_key_of(const struct intent *in, const char *name);
/* "gateway", "endpoint", or "none". */
const char *intent_role_name(enum intent_role role);

#endif /* WGT_INTENT_H */
