// SPDX-License-Identifier: GPL-2.0
/*
 * Intent file parser (format in intent.h). A pure function of its input
 * buffer so it can be fuzzed: no globals, no I/O but intent_load_file().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/intent.h"

/* Longest piece of a word quoted in a message; escapes may quadruple it. */
#define QUOTE_WORD_MAX 64
#define QUOTE_BUF (QUOTE_WORD_MAX * 4 + 4)

struct word {
	const char *s;
	size_t len;
	unsigned int col; /* 1-based */
};

/* A 'peer NAME' to resolve once every 'name' line has been read. */
struct pending_peer {
	size_t assert;
	unsigned int line, col;
};

struct parser {
	const char *file;
	char *err;
	size_t errlen;
	struct intent *out;
	size_t cap_asserts, cap_names;
	struct pending_peer *pending;
	size_t n_pending, cap_pending;
	/* The current line, without its newline. */
	unsigned int line;
	const char *ls;
	size_t llen;
	size_t pos;	 /* next byte to read */
	size_t last_end; /* just past the last word read */
};

static bool fail(struct parser *ps, unsigned int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(struct parser *ps, unsigned int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->err || !ps->errlen)
		return false;
	n = snprintf(ps->err, ps->errlen, "%s:%u:%u: ", ps->file, ps->line,
		     col);
	if (n < 0 || (size_t)n >= ps->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
	return false;
}

/* Where a missing word should have been: just past the last one. */
static unsigned int missing_col(const struct parser *ps)
{
	return ps->last_end + 1;
}

/* A word as it can be shown on a terminal: control bytes escaped, cut short. */
static const char *quote(const struct word *w, char buf[QUOTE_BUF])
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < w->len && i < QUOTE_WORD_MAX; i++) {
		c = (unsigned char)w->s[i];
		if (c < 0x20 || c == 0x7f)
			o += snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (w->len > QUOTE_WORD_MAX) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next word of the line; false at its end or at a comment. */
static bool next_word(struct parser *ps, struct word *w)
{
	size_t start;

	while (ps->pos < ps->llen && is_blank(ps->ls[ps->pos]))
		ps->pos++;
	if (ps->pos == ps->llen || ps->ls[ps->pos] == '#')
		return false;
	start = ps->pos;
	while (ps->pos < ps->llen && !is_blank(ps->ls[ps->pos]))
		ps->pos++;
	w->s = ps->ls + start;
	w->len = ps->pos - start;
	w->col = start + 1;
	ps->last_end = ps->pos;
	return true;
}

static bool word_is(const struct word *w, const char *kw)
{
	return w->len == strlen(kw) && !memcmp(w->s, kw, w->len);
}

/* NUL-terminated copy; false if it does not fit. */
static bool word_copy(const struct word *w, char *buf, size_t size)
{
	if (w->len >= size)
		return false;
	memcpy(buf, w->s, w->len);
	buf[w->len] = '\0';
	return true;
}

static bool parse_prefix(struct parser *ps, const struct word *w,
			 struct wgt_prefix *out)
{
	char buf[WGT_PREFIX_STRLEN + 1], q[QUOTE_BUF];
	char fixed[WGT_PREFIX_STRLEN];
	bool host_bits = false;

	/* Anything with a digit first or an address character is a prefix
	 * gone wrong; anything else a misspelt keyword. */
	if (!(w->s[0] >= '0' && w->s[0] <= '9') && !memchr(w->s, '.', w->len) &&
	    !memchr(w->s, ':', w->len) && !memchr(w->s, '/', w->len))
		return fail(ps, w->col,
			    "unknown keyword '%s' (expected a prefix, 'name' "
			    "or 'role')",
			    quote(w, q));
	if (!word_copy(w, buf, sizeof(buf)) ||
	    !prefix_parse(buf, out, &host_bits))
		return fail(ps, w->col, "invalid prefix '%s'", quote(w, q));
	if (host_bits)
		return fail(
		    ps, w->col,
		    "prefix '%s' has host bits set (did you mean '%s'?)",
		    quote(w, q), prefix_fmt(out, fixed, sizeof(fixed)));
	return true;
}

/* As the kernel's dev_valid_name(). */
static bool parse_dev(struct parser *ps, const struct word *w,
		      char out[IF_NAMESIZE])
{
	char q[QUOTE_BUF];
	size_t i;
	char c;

	if (w->len >= IF_NAMESIZE || word_is(w, ".") || word_is(w, ".."))
		goto bad;
	for (i = 0; i < w->len; i++) {
		c = w->s[i];
		if (c == '/' || c == ':' || c == '\v' || c == '\f' ||
		    c == '\r' || c == '\n')
			goto bad;
	}
	word_copy(w, out, IF_NAMESIZE);
	return true;
bad:
	return fail(
	    ps, w->col,
	    "invalid device name '%s' (1 to 15 bytes, none of '/', ':', space)",
	    quote(w, q));
}

static bool valid_name(const struct word *w)
{
	size_t i;
	char c;

	if (w->len >= INTENT_NAME_MAX)
		return false;
	for (i = 0; i < w->len; i++) {
		c = w->s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return w->len > 0;
}

/* A key spelt as wg(8) shows it: 44 characters, the last one '='. */
static bool looks_like_key(const struct word *w)
{
	return w->len == WG_KEY_B64_LEN - 1 && w->s[w->len - 1] == '=';
}

static bool parse_key(struct parser *ps, const struct word *w,
		      uint8_t key[WG_KEY_LEN_RAW], char b64[WG_KEY_B64_LEN])
{
	char q[QUOTE_BUF];

	if (!looks_like_key(w) || !word_copy(w, b64, WG_KEY_B64_LEN) ||
	    !wg_key_from_b64(key, b64))
		return fail(ps, w->col,
			    "invalid public key '%s' (expected 44 characters "
			    "of base64)",
			    quote(w, q));
	return true;
}

static bool parse_mark(struct parser *ps, const struct word *w, uint32_t *out)
{
	char buf[24], q[QUOTE_BUF], *end;
	unsigned long long v;
	bool hex =
	    w->len > 2 && w->s[0] == '0' && (w->s[1] == 'x' || w->s[1] == 'X');
	size_t i;

	if (!word_copy(w, buf, sizeof(buf)))
		goto bad;
	/* strtoull alone would take signs, spaces and an empty "0x". */
	for (i = hex ? 2 : 0; i < w->len; i++) {
		if (!(buf[i] >= '0' && buf[i] <= '9') &&
		    !(hex && ((buf[i] >= 'a' && buf[i] <= 'f') ||
			      (buf[i] >= 'A' && buf[i] <= 'F'))))
			goto bad;
	}
	errno = 0;
	v = strtoull(buf, &end, hex ? 16 : 10);
	if (errno || *end || v > UINT32_MAX)
		goto bad;
	*out = (uint32_t)v;
	return true;
bad:
	return fail(
	    ps, w->col,
	    "invalid mark '%s' (expected 0 to 4294967295, decimal or 0x hex)",
	    quote(w, q));
}

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static bool parse_from(struct parser *ps, const struct word *w,
		       const struct word *pfx_word,
		       const struct wgt_prefix *dst, struct wgt_addr *out)
{
	char buf[WGT_ADDR_STRLEN], q[QUOTE_BUF], qp[QUOTE_BUF];

	if (!word_copy(w, buf, sizeof(buf)) || !addr_parse(buf, out))
		return fail(ps, w->col, "invalid address '%s'", quote(w, q));
	/* WireGuard and the FIB keep the families apart; so does a mapped
	 * ::ffff:a.b.c.d, which is IPv6. */
	if (out->family != dst->addr.family)
		return fail(ps, w->col,
			    "'from' address '%s' is %s but prefix '%s' is %s",
			    quote(w, q), family_name(out->family),
			    quote(pfx_word, qp), family_name(dst->addr.family));
	return true;
}

/* 'peer KEY' now; 'peer NAME' once every name is known. */
static bool parse_peer(struct parser *ps, const struct word *w,
		       struct intent_assert *a)
{
	struct pending_peer *p;
	char q[QUOTE_BUF];

	a->has_peer = true;
	if (looks_like_key(w))
		return parse_key(ps, w, a->peer, a->peer_b64);
	if (!valid_name(w))
		return fail(
		    ps, w->col,
		    "invalid peer '%s' (expected a public key or a name)",
		    quote(w, q));
	word_copy(w, a->peer_name, sizeof(a->peer_name));
	if (ps->n_pending == ps->cap_pending) {
		size_t cap = ps->cap_pending ? 2 * ps->cap_pending : 16;

		p = realloc(ps->pending, cap * sizeof(*p));
		if (!p)
			return fail(ps, w->col, "out of memory");
		ps->pending = p;
		ps->cap_pending = cap;
	}
	ps->pending[ps->n_pending++] = (struct pending_peer){
	    .assert = ps->out->n_asserts,
	    .line = ps->line,
	    .col = w->col,
	};
	return true;
}

/* Would a and b be asked the same route question? */
static bool same_question(const struct intent_assert *a,
			  const struct intent_assert *b)
{
	return prefix_equal(&a->dst, &b->dst) && a->mark == b->mark &&
	       a->has_src == b->has_src &&
	       (!a->has_src || addr_equal(&a->src, &b->src)) &&
	       !strcmp(a->iif, b->iif);
}

static bool push_assert(struct parser *ps, const struct word *pfx_word,
			const struct intent_assert *a)
{
	struct intent *in = ps->out;
	struct intent_assert *p;
	char q[QUOTE_BUF];
	size_t i, cap;

	for (i = 0; i < in->n_asserts; i++) {
		if (same_question(&in->asserts[i], a))
			return fail(ps, pfx_word->col,
				    "'%s' already has a statement on line %u "
				    "with the same 'from', 'mark' and 'iif'",
				    quote(pfx_word, q), in->asserts[i].line);
	}
	if (in->n_asserts == INTENT_MAX_ASSERTS)
		return fail(ps, pfx_word->col,
			    "too many assertions (at most %d)",
			    INTENT_MAX_ASSERTS);
	if (in->n_asserts == ps->cap_asserts) {
		cap = ps->cap_asserts ? 2 * ps->cap_asserts : 16;
		p = realloc(in->asserts, cap * sizeof(*p));
		if (!p)
			return fail(ps, pfx_word->col, "out of memory");
		in->asserts = p;
		ps->cap_asserts = cap;
	}
	in->asserts[in->n_asserts++] = *a;
	return true;
}

/* The options after 'via DEV' or 'blocked', in any order, each once. */
static bool parse_options(struct parser *ps, const struct word *pfx_word,
			  struct intent_assert *a)
{
	struct word w, kw, iif_kw = {0};
	char q[QUOTE_BUF];
	bool via = a->action == INTENT_VIA;

	while (next_word(ps, &kw)) {
		if (!word_is(&kw, "peer") && !word_is(&kw, "from") &&
		    !word_is(&kw, "mark") && !word_is(&kw, "iif"))
			return fail(ps, kw.col,
				    "unknown keyword '%s' (expected %s)",
				    quote(&kw, q),
				    via ? "'peer', 'from', 'mark' or 'iif'"
					: "'from', 'mark' or 'iif'");
		if (word_is(&kw, "peer") && !via)
			return fail(ps, kw.col,
				    "'peer' needs 'via DEV' (blocked traffic "
				    "goes to no peer)");
		if ((word_is(&kw, "peer") && a->has_peer) ||
		    (word_is(&kw, "from") && a->has_src) ||
		    (word_is(&kw, "mark") && a->has_mark) ||
		    (word_is(&kw, "iif") && a->iif[0]))
			return fail(ps, kw.col, "'%s' given twice",
				    quote(&kw, q));

		if (!next_word(ps, &w)) {
			const char *what =
			    word_is(&kw, "peer")   ? "a public key or a name"
			    : word_is(&kw, "from") ? "an address"
			    : word_is(&kw, "mark") ? "a number"
						   : "a device name";

			return fail(ps, missing_col(ps), "'%s' needs %s",
				    quote(&kw, q), what);
		}
		if (word_is(&kw, "peer")) {
			if (!parse_peer(ps, &w, a))
				return false;
		} else if (word_is(&kw, "from")) {
			if (!parse_from(ps, &w, pfx_word, &a->dst, &a->src))
				return false;
			a->has_src = true;
		} else if (word_is(&kw, "mark")) {
			if (!parse_mark(ps, &w, &a->mark))
				return false;
			a->has_mark = true;
		} else {
			if (!parse_dev(ps, &w, a->iif))
				return false;
			iif_kw = kw;
		}
	}
	if (a->iif[0] && !a->has_src)
		return fail(ps, iif_kw.col,
			    "'iif' needs 'from ADDR' (the kernel rejects a "
			    "forwarded packet with no source)");
	return true;
}

static bool parse_assert(struct parser *ps, const struct word *pfx_word)
{
	struct intent_assert a = {.line = ps->line};
	char q[QUOTE_BUF];
	struct word w;

	if (!parse_prefix(ps, pfx_word, &a.dst))
		return false;
	if (!next_word(ps, &w))
		return fail(ps, missing_col(ps),
			    "expected 'via' or 'blocked' after '%s'",
			    quote(pfx_word, q));
	if (word_is(&w, "via")) {
		a.action = INTENT_VIA;
		if (!next_word(ps, &w))
			return fail(ps, missing_col(ps),
				    "'via' needs a device name");
		if (!parse_dev(ps, &w, a.dev))
			return false;
	} else if (word_is(&w, "blocked")) {
		a.action = INTENT_BLOCKED;
	} else {
		return fail(
		    ps, w.col,
		    "unknown keyword '%s' (expected 'via' or 'blocked')",
		    quote(&w, q));
	}
	if (!parse_options(ps, pfx_word, &a))
		return false;
	return push_assert(ps, pfx_word, &a);
}

static bool parse_name(struct parser *ps)
{
	struct intent *in = ps->out;
	struct intent_name n = {.line = ps->line}, *p;
	struct word kw, nw, extra;
	char q[QUOTE_BUF];
	size_t i, cap;

	if (!next_word(ps, &kw))
		return fail(ps, missing_col(ps),
			    "'name' needs a public key and a name");
	if (!parse_key(ps, &kw, n.key, n.key_b64))
		return false;
	if (!next_word(ps, &nw))
		return fail(ps, missing_col(ps),
			    "'name' needs a name after the key");
	if (!valid_name(&nw))
		return fail(ps, nw.col,
			    "invalid name '%s' (1 to 63 of A-Z a-z 0-9 . _ -)",
			    quote(&nw, q));
	if (next_word(ps, &extra))
		return fail(
		    ps, extra.col,
		    "unexpected '%s' after the name (one name per line)",
		    quote(&extra, q));
	word_copy(&nw, n.name, sizeof(n.name));
	for (i = 0; i < in->n_names; i++) {
		if (!memcmp(in->names[i].key, n.key, sizeof(n.key)))
			return fail(ps, kw.col,
				    "key already named '%s' on line %u",
				    in->names[i].name, in->names[i].line);
		if (!strcmp(in->names[i].name, n.name))
			return fail(
			    ps, nw.col,
			    "name '%s' already given to another key on line %u",
			    n.name, in->names[i].line);
	}
	if (in->n_names == INTENT_MAX_NAMES)
		return fail(ps, 1, "too many names (at most %d)",
			    INTENT_MAX_NAMES);
	if (in->n_names == ps->cap_names) {
		cap = ps->cap_names ? 2 * ps->cap_names : 16;
		p = realloc(in->names, cap * sizeof(*p));
		if (!p)
			return fail(ps, 1, "out of memory");
		in->names = p;
		ps->cap_names = cap;
	}
	in->names[in->n_names++] = n;
	return true;
}

static bool parse_role(struct parser *ps)
{
	struct intent *in = ps->out;
	struct word w, extra;
	char q[QUOTE_BUF];

	if (!next_word(ps, &w))
		return fail(ps, missing_col(ps),
			    "'role' needs 'gateway' or 'endpoint'");
	if (in->role_line)
		return fail(ps, w.col, "role already given on line %u",
			    in->role_line);
	if (word_is(&w, "gateway"))
		in->role = INTENT_ROLE_GATEWAY;
	else if (word_is(&w, "endpoint"))
		in->role = INTENT_ROLE_ENDPOINT;
	else
		return fail(
		    ps, w.col,
		    "unknown role '%s' (expected 'gateway' or 'endpoint')",
		    quote(&w, q));
	if (next_word(ps, &extra))
		return fail(ps, extra.col,
			    "unexpected '%s' after the role (one word)",
			    quote(&extra, q));
	in->role_line = ps->line;
	return true;
}

static bool parse_line(struct parser *ps, const char *s, size_t len)
{
	const char *nul;
	struct word w;

	/* Files edited on Windows still read as written. */
	if (len && s[len - 1] == '\r')
		len--;
	if (len > INTENT_LINE_MAX)
		return fail(ps, INTENT_LINE_MAX + 1,
			    "line longer than %d bytes", INTENT_LINE_MAX);
	nul = memchr(s, '\0', len);
	if (nul)
		return fail(ps, nul - s + 1, "NUL byte (not a text file?)");
	ps->ls = s;
	ps->llen = len;
	ps->pos = 0;
	ps->last_end = 0;
	if (!next_word(ps, &w))
		return true;
	if (word_is(&w, "name"))
		return parse_name(ps);
	if (word_is(&w, "role"))
		return parse_role(ps);
	return parse_assert(ps, &w);
}

/* A key pasted without its '=' is a valid name, but is it a key? */
static bool key_without_pad(const char *name)
{
	char b64[WG_KEY_B64_LEN];
	uint8_t key[WG_KEY_LEN_RAW];

	if (strlen(name) != WG_KEY_B64_LEN - 2)
		return false;
	memcpy(b64, name, WG_KEY_B64_LEN - 2);
	b64[WG_KEY_B64_LEN - 2] = '=';
	b64[WG_KEY_B64_LEN - 1] = '\0';
	return wg_key_from_b64(key, b64);
}

/* Peers by name, and names for peers given by key. */
static bool resolve_peers(struct parser *ps)
{
	struct intent *in = ps->out;
	struct intent_assert *a;
	const uint8_t *key;
	const char *name;
	size_t i;

	for (i = 0; i < ps->n_pending; i++) {
		a = &in->asserts[ps->pending[i].assert];
		key = intent_key_of(in, a->peer_name);
		if (!key) {
			ps->line = ps->pending[i].line;
			return fail(ps, ps->pending[i].col,
				    "unknown peer name '%s' (%s)", a->peer_name,
				    key_without_pad(a->peer_name)
					? "a public key has 44 characters, "
					  "ending in '='"
					: "no 'name' line gives it a key");
		}
		memcpy(a->peer, key, sizeof(a->peer));
	}
	for (i = 0; i < in->n_asserts; i++) {
		a = &in->asserts[i];
		if (!a->has_peer)
			continue;
		wg_key_to_b64(a->peer_b64, a->peer);
		name = intent_name_of(in, a->peer);
		snprintf(a->peer_name, sizeof(a->peer_name), "%s",
			 name ? name : "");
	}
	return true;
}

bool intent_parse(const char *text, size_t len, const char *filename,
		  struct intent *out, char *err, size_t errlen)
{
	struct parser ps = {
	    .file = filename ? filename : "<input>",
	    .err = err,
	    .errlen = errlen,
	    .out = out,
	};
	const char *nl;
	size_t off = 0, end;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	/* Also keeps the line counter far from overflowing. */
	if (len > INTENT_FILE_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "%s: larger than %d bytes",
				 ps.file, INTENT_FILE_MAX);
		return false;
	}
	while (ok && off < len) {
		nl = memchr(text + off, '\n', len - off);
		end = nl ? (size_t)(nl - text) : len;
		ps.line++;
		ok = parse_line(&ps, text + off, end - off);
		off = end + 1;
	}
	if (ok)
		ok = resolve_peers(&ps);
	free(ps.pending);
	if (!ok)
		intent_free(out);
	return ok;
}

static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m)   ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
			     : "not a regular file";
}

/*
 * Open path for reading only if it is a regular file. A FIFO would block
 * the open (check hung; export's SIGHUP reload froze its loop) and a
 * device may never end: O_NONBLOCK keeps the open from waiting for a
 * writer, fstat then says what it is. A directory keeps its EISDIR.
 */
static int open_regular(const char *path, FILE **out, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "cannot open '%s': %s", path,
				 strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		if (err && errlen)
			snprintf(err, errlen, "cannot read '%s': %s", path,
				 strerror(EISDIR));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		if (err && errlen)
			snprintf(err, errlen,
				 "'%s' is %s, not a regular file: give a file "
				 "(or '-' to read standard input)",
				 path, file_kind(st.st_mode));
		close(fd);
		return ret;
	}
	/* A regular file never blocks, but stdio expects blocking reads. */
	if (fcntl(fd, F_SETFL, 0) || !(*out = fdopen(fd, "r"))) {
		ret = -errno;
		goto fail;
	}
	return 0;
fail:
	if (err && errlen)
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 strerror(-ret));
	close(fd);
	return ret;
}

int intent_load_file(const char *path, struct intent *out, char *err,
		     size_t errlen)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "<stdin>" : path;
	char *buf = NULL;
	FILE *f = NULL;
	size_t n;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (is_stdin) {
		f = stdin;
	} else {
		ret = open_regular(path, &f, err, errlen);
		if (ret)
			goto cleanup;
	}
	/* One byte more than allowed tells a file that is too big. */
	buf = malloc(INTENT_FILE_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "cannot read '%s': %s", name,
				 strerror(-ret));
		goto cleanup;
	}
	errno = 0;
	n = fread(buf, 1, INTENT_FILE_MAX + 1, f);
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		if (err && errlen)
			snprintf(err, errlen, "cannot read '%s': %s", name,
				 strerror(-ret));
		goto cleanup;
	}
	if (n > INTENT_FILE_MAX) {
		ret = -EFBIG;
		if (err && errlen)
			snprintf(err, errlen, "%s: larger than %d bytes", name,
				 INTENT_FILE_MAX);
		goto cleanup;
	}
	if (!intent_parse(buf, n, name, out, err, errlen))
		ret = -EINVAL;
cleanup:
	if (f && !is_stdin)
		fclose(f);
	free(buf);
	return ret;
}

void intent_free(struct intent *in)
{
	free(in->asserts);
	free(in->names);
	memset(in, 0, sizeof(*in));
}

const char *intent_name_of(const struct intent *in,
			   const uint8_t key[WG_KEY_LEN_RAW])
{
	size_t i;

	for (i = 0; i < in->n_names; i++) {
		if (!memcmp(in->names[i].key, key, WG_KEY_LEN_RAW))
			return in->names[i].name;
	}
	return NULL;
}

const uint8_t *intent_key_of(const struct intent *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->n_names; i++) {
		if (!strcmp(in->names[i].name, name))
			return in->names[i].key;
	}
	return NULL;
}

const char *intent_role_name(enum intent_role role)
{
	switch (role) {
	case INTENT_ROLE_GATEWAY:
		return "gateway";
	case INTENT_ROLE_ENDPOINT:
		return "endpoint";
	default:
		return "none";
	}
}
