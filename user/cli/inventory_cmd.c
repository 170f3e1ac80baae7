// SPDX-License-Identifier: GPL-2.0
/*
 * `wgtrace inventory`: what wgtrace reads from the kernel, printed so that an
 * SRE (or a test) can hold it against `ip` and `wg`. With --get, one route
 * query the way `ip route get` asks it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "cli/commands.h"
#include "cli/cmdutil.h"
#include "base/common.h"
#include "config/inventory.h"
#include "config/nl_route.h"
#include "base/output.h"

#define TEXT_WIDTH 79

struct inv_opts {
	const char *dev;   /* -i: NULL for everything */
	const char *netns; /* -n */
	bool json;
	const char *get; /* --get DST */
	struct route_query q;
	const char *iif; /* the name given with "iif" */
};

static void inventory_usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: wgtrace inventory [-i DEV] [-n NETNS] [--json]\n"
	    "       wgtrace inventory [-n NETNS] [--json] --get DST [from "
	    "SRC]\n"
	    "                         [iif DEV] [mark MARK] [ipproto PROTO] "
	    "[dport PORT]\n\n"
	    "Print what wgtrace reads from the kernel: links, addresses, "
	    "routes of\n"
	    "every table, policy rules, routing sysctls, and WireGuard devices "
	    "with\n"
	    "their peers, to compare with ip(8) and wg(8). Changes nothing. "
	    "Reading\n"
	    "WireGuard devices needs root (CAP_NET_ADMIN).\n\n"
	    "With --get, ask the kernel how it routes one packet instead, as\n"
	    "`ip route get` does, and show the route entry that matched. With "
	    "iif\n"
	    "the packet is routed as if received there (forwarded): give its "
	    "source\n"
	    "with from, and the device must be up. PROTO: tcp, udp, icmp, "
	    "ipv6-icmp.\n\n"
	    "Options:\n"
	    "  -i, --interface DEV  only DEV: its link, addresses, sysctls, "
	    "the routes\n"
	    "                       out of it and its WireGuard peers (rules "
	    "and the\n"
	    "                       global sysctls are always shown)\n"
	    "  -n, --netns NETNS    enter network namespace NETNS first: a "
	    "name from\n"
	    "                       `ip netns list`, or a path like "
	    "/proc/PID/ns/net\n"
	    "      --json           JSON Lines, one object per line, \"type\" "
	    "one of\n"
	    "                       link, addr, route, rule, sysctl, "
	    "wg_device,\n"
	    "                       wg_peer (route_get with --get)\n"
	    "      --get DST        the route query described above\n"
	    "  -v                   say more when something fails\n"
	    "  -h, --help           this text\n\n"
	    "Examples:\n"
	    "  wgtrace inventory\n"
	    "  sudo wgtrace inventory -n gw -i wg0\n"
	    "  wgtrace inventory --json | jq -c 'select(.type==\"route\" and "
	    ".table==1000)'\n"
	    "  wgtrace inventory --get 10.20.1.1 mark 0xca6c\n"
	    "  wgtrace inventory --get 10.20.1.1 from 10.10.0.2 iif eth0\n"
	    "  wgtrace inventory --get 2001:db8::1 ipproto tcp dport 443\n");
}

/* --- small formatting helpers ------------------------------------------ */

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "-";
}

static const char *link_name(const struct inventory *inv, int ifindex,
			     char *buf, size_t len)
{
	const struct inv_link *l = inv_link_by_index(inv, ifindex);

	/* Printed as text too: the same UTF-8-safe spelling as in JSON. */
	if (l)
		return utf8_clean(l->name, buf, len);
	snprintf(buf, len, "if%d", ifindex);
	return buf;
}

/* A known name, or the number as text: what iproute2 prints too. */
static const char *name_or_num(const char *name, unsigned int v, char *buf,
			       size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%u", v);
	return buf;
}

/* "443" or "1000-2000", as ip-rule(8) writes a port range; NULL: any. */
static const char *port_range(uint16_t min, uint16_t max, char *buf, size_t len)
{
	if (!min && !max)
		return NULL;
	if (min == max)
		snprintf(buf, len, "%u", min);
	else
		snprintf(buf, len, "%u-%u", min, max);
	return buf;
}

static void jadd_prefix(struct json_object *o, const char *key,
			const struct wgt_prefix *p)
{
	char buf[WGT_PREFIX_STRLEN];

	jadd_str(o, key,
		 p->addr.family ? prefix_fmt(p, buf, sizeof(buf)) : NULL);
}

/* Sysctls and optional numbers: -1 (unknown, unset) is null. */
static void jadd_opt(struct json_object *o, const char *key, long long v)
{
	if (v < 0)
		json_object_object_add(o, key, NULL);
	else
		jadd_int(o, key, v);
}

static const char *opt_str(int v, char *buf, size_t len)
{
	if (v < 0)
		return "-";
	snprintf(buf, len, "%d", v);
	return buf;
}

/*
 * Words printed with wrapping under TEXT_WIDTH: a word that would cross it
 * starts a continuation line indented by `cont`.
 */
struct wrap {
	int col, cont;
	bool first;
};

static void wrap_begin(struct wrap *w, int indent, int cont)
{
	printf("%*s", indent, "");
	w->col = indent;
	w->cont = cont;
	w->first = true;
}

static void __attribute__((format(printf, 2, 3)))
wrap_word(struct wrap *w, const char *fmt, ...)
{
	char word[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(word, sizeof(word), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len >= (int)sizeof(word))
		len = sizeof(word) - 1;
	if (!w->first && w->col + 1 + len > TEXT_WIDTH) {
		printf("\n%*s", w->cont, "");
		w->col = w->cont;
	} else if (!w->first) {
		putchar(' ');
		w->col++;
	}
	fputs(word, stdout);
	w->col += len;
	w->first = false;
}

static void wrap_end(struct wrap *w)
{
	(void)w;
	putchar('\n');
}

static void section(const char *title)
{
	printf("%s%s%s\n", out_c(C_BOLD), title, out_c(C_RESET));
}

static void human_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = b;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

/* --- selection (-i) ----------------------------------------------------- */

struct view {
	const struct inventory *inv;
	int ifindex; /* 0: everything */
};

static bool view_link(const struct view *v, const struct inv_link *l)
{
	return !v->ifindex || l->ifindex == v->ifindex;
}

static bool view_ifindex(const struct view *v, int ifindex)
{
	return !v->ifindex || ifindex == v->ifindex;
}

/* --- JSON --------------------------------------------------------------- */

static void emit_link_json(const struct inv_link *l)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "type", "link");
	jadd_int(o, "ifindex", l->ifindex);
	jadd_str(o, "name", l->name);
	jadd_str(o, "kind", l->kind[0] ? l->kind : NULL);
	jadd_int(o, "mtu", l->mtu);
	jadd_bool(o, "up", l->up);
	jadd_int(o, "rx_errors", l->rx_errors);
	jadd_int(o, "tx_errors", l->tx_errors);
	jadd_int(o, "rx_frame_errors", l->rx_frame_errors);
	json_emit(o);
}

static void emit_link_sysctl_json(const struct inv_link *l)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "type", "sysctl");
	jadd_str(o, "interface", l->name);
	jadd_int(o, "ifindex", l->ifindex);
	jadd_opt(o, "forwarding4", l->forwarding4);
	jadd_opt(o, "forwarding6", l->forwarding6);
	jadd_opt(o, "rp_filter", l->rp_filter);
	jadd_opt(o, "src_valid_mark", l->src_valid_mark);
	json_emit(o);
}

static void emit_global_sysctl_json(const struct inventory *inv)
{
	struct json_object *o = json_object_new_object();

	jadd_str(o, "type", "sysctl");
	jadd_str(o, "interface", NULL);
	jadd_opt(o, "ip_forward", inv->ip_forward);
	jadd_opt(o, "ip6_forward", inv->ip6_forward);
	json_emit(o);
}

static void emit_addr_json(const struct inventory *inv,
			   const struct inv_addr *a)
{
	struct json_object *o = json_object_new_object();
	char name[UTF8_CLEAN_SIZE(IF_NAMESIZE)];

	jadd_str(o, "type", "addr");
	jadd_int(o, "ifindex", a->ifindex);
	jadd_str(o, "interface",
		 link_name(inv, a->ifindex, name, sizeof(name)));
	jadd_str(o, "family", family_name(a->local.family));
	jadd_addr(o, "local", &a->local);
	jadd_int(o, "prefixlen", a->pfx.len);
	jadd_prefix(o, "prefix", &a->pfx);
	json_emit(o);
}

static void emit_route_json(const struct inventory *inv,
			    const struct inv_route *r)
{
	struct json_object *o = json_object_new_object();
	char name[UTF8_CLEAN_SIZE(IF_NAMESIZE)], num[16];

	jadd_str(o, "type", "route");
	jadd_str(o, "family", family_name(r->family));
	jadd_int(o, "table", r->table);
	jadd_str(o, "route_type",
		 name_or_num(nl_route_type_name(r->type), r->type, num,
			     sizeof(num)));
	jadd_prefix(o, "dst", &r->dst);
	jadd_addr(o, "gateway", &r->gateway);
	jadd_str(o, "dev",
		 r->oif ? link_name(inv, r->oif, name, sizeof(name)) : NULL);
	jadd_int(o, "oif", r->oif);
	jadd_addr(o, "prefsrc", &r->prefsrc);
	jadd_str(o, "protocol",
		 name_or_num(nl_route_proto_name(r->protocol), r->protocol, num,
			     sizeof(num)));
	jadd_str(o, "scope",
		 name_or_num(nl_route_scope_name(r->scope), r->scope, num,
			     sizeof(num)));
	jadd_int(o, "metric", r->metric);
	json_emit(o);
}

static void emit_rule_json(const struct inv_rule *r)
{
	struct json_object *o = json_object_new_object();
	char num[16], ports[16];

	jadd_str(o, "type", "rule");
	jadd_str(o, "family", family_name(r->family));
	jadd_int(o, "priority", r->priority);
	jadd_bool(o, "invert", r->invert);
	jadd_prefix(o, "src", &r->src);
	jadd_prefix(o, "dst", &r->dst);
	jadd_str(o, "iif", r->iif[0] ? r->iif : NULL);
	jadd_str(o, "oif", r->oif[0] ? r->oif : NULL);
	jadd_opt(o, "fwmark", r->has_fwmark ? (long long)r->fwmark : -1);
	jadd_opt(o, "fwmask", r->has_fwmark ? (long long)r->fwmask : -1);
	jadd_opt(o, "ipproto", r->ip_proto ? r->ip_proto : -1);
	jadd_str(o, "sport",
		 port_range(r->sport_min, r->sport_max, ports, sizeof(ports)));
	jadd_str(o, "dport",
		 port_range(r->dport_min, r->dport_max, ports, sizeof(ports)));
	jadd_str(o, "action",
		 name_or_num(nl_rule_action_name(r->action), r->action, num,
			     sizeof(num)));
	jadd_int(o, "table", r->table);
	jadd_opt(o, "suppress_prefixlen", r->suppress_prefixlen);
	json_emit(o);
}

static void emit_wg_json(const struct wg_device_info *d)
{
	struct json_object *o = json_object_new_object();
	char ep[WGT_ADDR_STRLEN + 8];
	size_t i, j;

	jadd_str(o, "type", "wg_device");
	jadd_str(o, "name", d->name);
	jadd_int(o, "ifindex", d->ifindex);
	jadd_str(o, "impl", d->impl == WG_IMPL_KERNEL ? "kernel" : "userspace");
	jadd_str(o, "public_key", d->pubkey_b64[0] ? d->pubkey_b64 : NULL);
	jadd_int(o, "listen_port", d->listen_port);
	jadd_int(o, "fwmark", d->fwmark);
	jadd_int(o, "peers", d->n_peers);
	json_emit(o);

	for (i = 0; i < d->n_peers; i++) {
		const struct wg_peer_info *p = &d->peers[i];
		struct json_object *ips = json_object_new_array();
		char pfx[WGT_PREFIX_STRLEN];

		o = json_object_new_object();
		jadd_str(o, "type", "wg_peer");
		jadd_str(o, "interface", d->name);
		jadd_str(o, "public_key", p->pubkey_b64);
		if (p->has_endpoint)
			endpoint_fmt(&p->endpoint, p->endpoint_port, ep,
				     sizeof(ep));
		jadd_str(o, "endpoint", p->has_endpoint ? ep : NULL);
		for (j = 0; j < p->n_allowed; j++)
			json_object_array_add(
			    ips,
			    jstr(prefix_fmt(&p->allowed[j], pfx, sizeof(pfx))));
		json_object_object_add(o, "allowed_ips", ips);
		jadd_opt(o, "latest_handshake",
			 p->last_handshake_sec ? p->last_handshake_sec : -1);
		jadd_int(o, "rx_bytes", p->rx_bytes);
		jadd_int(o, "tx_bytes", p->tx_bytes);
		jadd_int(o, "persistent_keepalive", p->keepalive);
		json_emit(o);
	}
}

static void print_json(const struct view *v)
{
	const struct inventory *inv = v->inv;
	size_t i;

	for (i = 0; i < inv->n_links; i++)
		if (view_link(v, &inv->links[i]))
			emit_link_json(&inv->links[i]);
	for (i = 0; i < inv->n_addrs; i++)
		if (view_ifindex(v, inv->addrs[i].ifindex))
			emit_addr_json(inv, &inv->addrs[i]);
	for (i = 0; i < inv->n_routes; i++)
		if (view_ifindex(v, inv->routes[i].oif))
			emit_route_json(inv, &inv->routes[i]);
	for (i = 0; i < inv->n_rules; i++)
		emit_rule_json(&inv->rules[i]);
	emit_global_sysctl_json(inv);
	for (i = 0; i < inv->n_links; i++)
		if (view_link(v, &inv->links[i]))
			emit_link_sysctl_json(&inv->links[i]);
	for (i = 0; i < inv->n_wg; i++)
		if (view_ifindex(v, inv->wg[i].ifindex))
			emit_wg_json(&inv->wg[i]);
}

/* --- text --------------------------------------------------------------- */

static void print_links_text(const struct view *v)
{
	const struct inventory *inv = v->inv;
	char a[12], b[12], c[12], d[12], n[UTF8_CLEAN_SIZE(IF_NAMESIZE)];
	size_t i;

	section("LINKS");
	printf("  %5s %-15s %-10s %5s %-5s %4s %4s %3s %3s\n", "INDEX", "NAME",
	       "KIND", "MTU", "STATE", "FWD4", "FWD6", "RPF", "SVM");
	for (i = 0; i < inv->n_links; i++) {
		const struct inv_link *l = &inv->links[i];

		if (!view_link(v, l))
			continue;
		printf("  %5d %-15s %-10.10s %5u %-5s %4s %4s %3s %3s\n",
		       l->ifindex, utf8_clean(l->name, n, sizeof(n)),
		       l->kind[0] ? l->kind : "-", l->mtu,
		       l->up ? "up" : "down",
		       opt_str(l->forwarding4, a, sizeof(a)),
		       opt_str(l->forwarding6, b, sizeof(b)),
		       opt_str(l->rp_filter, c, sizeof(c)),
		       opt_str(l->src_valid_mark, d, sizeof(d)));
		if (l->rx_errors || l->tx_errors || l->rx_frame_errors)
			printf(
			    "        errors: rx %llu, tx %llu, rx frame %llu\n",
			    (unsigned long long)l->rx_errors,
			    (unsigned long long)l->tx_errors,
			    (unsigned long long)l->rx_frame_errors);
	}
	printf("  %sRPF and SVM: effective rp_filter and src_valid_mark (all "
	       "vs. device)%s\n",
	       out_c(C_DIM), out_c(C_RESET));
}

static void print_addrs_text(const struct view *v)
{
	const struct inventory *inv = v->inv;
	char name[UTF8_CLEAN_SIZE(IF_NAMESIZE)], a[WGT_ADDR_STRLEN],
	    p[WGT_PREFIX_STRLEN];
	size_t i;

	section("ADDRESSES");
	for (i = 0; i < inv->n_addrs; i++) {
		const struct inv_addr *ad = &inv->addrs[i];
		struct wgt_prefix own = {.addr = ad->local};

		if (!view_ifindex(v, ad->ifindex))
			continue;
		own.len = ad->pfx.len;
		prefix_normalize(&own);
		printf("  %-15s %s/%u",
		       link_name(inv, ad->ifindex, name, sizeof(name)),
		       addr_fmt(&ad->local, a, sizeof(a)), ad->pfx.len);
		/* A point-to-point address routes the peer's prefix instead. */
		if (!prefix_equal(&own, &ad->pfx))
			printf(" peer %s", prefix_fmt(&ad->pfx, p, sizeof(p)));
		putchar('\n');
	}
}

static void print_route_text(const struct inventory *inv,
			     const struct inv_route *r)
{
	char buf[WGT_PREFIX_STRLEN], name[IF_NAMESIZE + 8];
	const char *s;
	struct wrap w;

	wrap_begin(&w, 4, 8);
	if (r->type != RTN_UNICAST) {
		s = nl_route_type_name(r->type);
		if (s)
			wrap_word(&w, "%s", s);
		else
			wrap_word(&w, "type %u", r->type);
	}
	if (r->dst.len)
		wrap_word(&w, "%s", prefix_fmt(&r->dst, buf, sizeof(buf)));
	else
		wrap_word(&w, "default");
	if (r->gateway.family && r->gateway.family != r->family)
		wrap_word(&w, "via %s %s", family_name(r->gateway.family),
			  addr_fmt(&r->gateway, buf, sizeof(buf)));
	else if (r->gateway.family)
		wrap_word(&w, "via %s",
			  addr_fmt(&r->gateway, buf, sizeof(buf)));
	if (r->oif)
		wrap_word(&w, "dev %s",
			  link_name(inv, r->oif, name, sizeof(name)));
	s = nl_route_proto_name(r->protocol);
	if (s)
		wrap_word(&w, "proto %s", s);
	else
		wrap_word(&w, "proto %u", r->protocol);
	if (r->scope != RT_SCOPE_UNIVERSE) {
		s = nl_route_scope_name(r->scope);
		if (s)
			wrap_word(&w, "scope %s", s);
		else
			wrap_word(&w, "scope %u", r->scope);
	}
	if (r->prefsrc.family)
		wrap_word(&w, "src %s",
			  addr_fmt(&r->prefsrc, buf, sizeof(buf)));
	if (r->metric)
		wrap_word(&w, "metric %u", r->metric);
	wrap_end(&w);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int print_routes_text(const struct view *v)
{
	const struct inventory *inv = v->inv;
	uint32_t *tables;
	size_t i, j, n = 0;
	char num[16];

	section("ROUTES");
	tables = calloc(inv->n_routes ? inv->n_routes : 1, sizeof(*tables));
	if (!tables)
		return -ENOMEM;
	for (i = 0; i < inv->n_routes; i++)
		if (view_ifindex(v, inv->routes[i].oif))
			tables[n++] = inv->routes[i].table;
	qsort(tables, n, sizeof(*tables), cmp_u32);
	for (i = 0; i < n; i++) {
		if (i && tables[i] == tables[i - 1])
			continue;
		printf("  table %s",
		       nl_table_name(tables[i], num, sizeof(num)));
		if (tables[i] >= RT_TABLE_DEFAULT &&
		    tables[i] <= RT_TABLE_LOCAL)
			printf(" (%u)", tables[i]);
		putchar('\n');
		for (j = 0; j < inv->n_routes; j++)
			if (inv->routes[j].table == tables[i] &&
			    view_ifindex(v, inv->routes[j].oif))
				print_route_text(inv, &inv->routes[j]);
	}
	free(tables);
	return 0;
}

static void print_rule_text(const struct inv_rule *r)
{
	char buf[WGT_PREFIX_STRLEN];
	const char *s;
	struct wrap w;

	wrap_begin(&w, 2, 10);
	wrap_word(&w, "%6u:", r->priority);
	if (r->invert)
		wrap_word(&w, "not");
	wrap_word(&w, "from %s",
		  r->src.addr.family ? prefix_fmt(&r->src, buf, sizeof(buf))
				     : "all");
	if (r->dst.addr.family)
		wrap_word(&w, "to %s", prefix_fmt(&r->dst, buf, sizeof(buf)));
	if (r->has_fwmark && r->fwmask != UINT32_MAX)
		wrap_word(&w, "fwmark 0x%x/0x%x", r->fwmark, r->fwmask);
	else if (r->has_fwmark)
		wrap_word(&w, "fwmark 0x%x", r->fwmark);
	if (r->iif[0])
		wrap_word(&w, "iif %s", r->iif);
	if (r->oif[0])
		wrap_word(&w, "oif %s", r->oif);
	if (r->ip_proto)
		wrap_word(&w, "ipproto %s",
			  ip_proto_name(r->ip_proto, buf, sizeof(buf)));
	if (port_range(r->sport_min, r->sport_max, buf, sizeof(buf)))
		wrap_word(&w, "sport %s", buf);
	if (port_range(r->dport_min, r->dport_max, buf, sizeof(buf)))
		wrap_word(&w, "dport %s", buf);
	if (r->action == FR_ACT_TO_TBL) {
		wrap_word(&w, "lookup %s",
			  nl_table_name(r->table, buf, sizeof(buf)));
	} else {
		s = nl_rule_action_name(r->action);
		if (s)
			wrap_word(&w, "%s", s);
		else
			wrap_word(&w, "action %u", r->action);
	}
	if (r->suppress_prefixlen >= 0)
		wrap_word(&w, "suppress_prefixlength %d",
			  r->suppress_prefixlen);
	wrap_end(&w);
}

static void print_rules_text(const struct inventory *inv)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	size_t i, f;

	for (f = 0; f < ARRAY_SIZE(families); f++) {
		section(families[f] == AF_INET ? "RULES (IPv4)"
					       : "RULES (IPv6)");
		for (i = 0; i < inv->n_rules; i++)
			if (inv->rules[i].family == families[f])
				print_rule_text(&inv->rules[i]);
	}
}

static void print_sysctls_text(const struct inventory *inv)
{
	char buf[12];

	section("SYSCTLS");
	printf("  net.ipv4.ip_forward = %s\n",
	       opt_str(inv->ip_forward, buf, sizeof(buf)));
	printf("  net.ipv6.conf.all.forwarding = %s\n",
	       opt_str(inv->ip6_forward, buf, sizeof(buf)));
}

static void print_peer_text(const struct wg_peer_info *p)
{
	char buf[WGT_PREFIX_STRLEN + 8], rx[32], tx[32];
	struct wrap w;
	size_t j;

	printf("    peer %s\n", p->pubkey_b64);
	if (p->has_endpoint) {
		endpoint_fmt(&p->endpoint, p->endpoint_port, buf, sizeof(buf));
		printf("      endpoint %s\n", buf);
	}
	wrap_begin(&w, 6, 18);
	wrap_word(&w, "allowed ips");
	if (!p->n_allowed)
		wrap_word(&w, "(none)");
	for (j = 0; j < p->n_allowed; j++)
		wrap_word(&w, "%s%s",
			  prefix_fmt(&p->allowed[j], buf, sizeof(buf)),
			  j + 1 < p->n_allowed ? "," : "");
	wrap_end(&w);
	human_bytes(p->rx_bytes, rx, sizeof(rx));
	human_bytes(p->tx_bytes, tx, sizeof(tx));
	if (p->last_handshake_sec)
		printf("      latest handshake %llds ago, rx %s, tx %s",
		       (long long)(time(NULL) - p->last_handshake_sec), rx, tx);
	else
		printf("      no handshake yet, rx %s, tx %s", rx, tx);
	if (p->keepalive)
		printf(", keepalive %us", p->keepalive);
	putchar('\n');
}

static void print_wg_text(const struct view *v)
{
	const struct inventory *inv = v->inv;
	char n[UTF8_CLEAN_SIZE(IF_NAMESIZE)];
	size_t i, j, shown = 0;

	section("WIREGUARD");
	for (i = 0; i < inv->n_wg; i++) {
		const struct wg_device_info *d = &inv->wg[i];

		if (!view_ifindex(v, d->ifindex))
			continue;
		shown++;
		printf("  %s (%s)", utf8_clean(d->name, n, sizeof(n)),
		       d->impl == WG_IMPL_KERNEL ? "kernel" : "userspace");
		/* The key on its own line: name + key would pass 80 columns. */
		if (d->pubkey_b64[0])
			printf("\n    public key %s", d->pubkey_b64);
		printf("\n    listen port %u, fwmark 0x%x, %zu peer%s\n",
		       d->listen_port, d->fwmark, d->n_peers,
		       d->n_peers == 1 ? "" : "s");
		for (j = 0; j < d->n_peers; j++)
			print_peer_text(&d->peers[j]);
	}
	if (!shown)
		printf("  no WireGuard device\n");
}

static int print_text(const struct view *v)
{
	int err;

	print_links_text(v);
	print_addrs_text(v);
	err = print_routes_text(v);
	if (err)
		return err;
	print_rules_text(v->inv);
	print_sysctls_text(v->inv);
	print_wg_text(v);
	return 0;
}

/* --- --get -------------------------------------------------------------- */

/* The protocols the kernel takes in a route query, by name or number. */
static bool parse_ip_proto(const char *s, uint8_t family, uint8_t *out)
{
	uint8_t icmp = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	unsigned long v;

	if (!strcmp(s, "tcp"))
		v = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		v = IPPROTO_UDP;
	else if (!strcmp(s, family == AF_INET ? "icmp" : "ipv6-icmp"))
		v = icmp;
	else if (!parse_uint_range(s, 1, 255, &v))
		return false;
	if (v != IPPROTO_TCP && v != IPPROTO_UDP && v != icmp)
		return false;
	*out = v;
	return true;
}

/* One "KEY VALUE" selector of --get; false, with a message, if bad. */
static bool parse_get_selector(struct inv_opts *o, const char *key,
			       const char *val)
{
	struct route_query *q = &o->q;
	unsigned long port;

	if (!strcmp(key, "from")) {
		if (addr_parse(val, &q->src) && q->src.family == q->dst.family)
			return true;
		wgt_err("--get: bad source '%s' (an address of the "
			"destination's family)",
			val);
	} else if (!strcmp(key, "iif")) {
		o->iif = val;
		return true;
	} else if (!strcmp(key, "mark")) {
		if (parse_mark(val, &q->mark))
			return true;
		wgt_err("--get: bad mark '%s' (0 to 0xffffffff)", val);
	} else if (!strcmp(key, "ipproto")) {
		if (parse_ip_proto(val, q->dst.family, &q->ip_proto))
			return true;
		wgt_err("--get: bad ipproto '%s' (tcp, udp, %s)", val,
			q->dst.family == AF_INET ? "icmp" : "ipv6-icmp");
	} else if (!strcmp(key, "dport")) {
		if (parse_uint_range(val, 1, 65535, &port)) {
			q->dport = port;
			return true;
		}
		wgt_err("--get: bad dport '%s' (1 to 65535)", val);
	} else {
		wgt_err("--get: unknown selector '%s' (from, iif, mark, "
			"ipproto, dport)",
			key);
	}
	return false;
}

/* "DST from SRC iif DEV mark N ipproto P dport N", selectors in any order. */
static int parse_get_words(struct inv_opts *o, int argc, char **argv)
{
	int i;

	if (!addr_parse(o->get, &o->q.dst)) {
		wgt_err("--get: '%s' is not an IPv4 or IPv6 address", o->get);
		return -WGT_EUSAGE;
	}
	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc) {
			wgt_err("--get: '%s' needs a value", argv[i]);
			return -WGT_EUSAGE;
		}
		if (!parse_get_selector(o, argv[i], argv[i + 1]))
			return -WGT_EUSAGE;
	}
	return 0;
}

/* Why the kernel refused, in the words an SRE looks for. */
static const char *route_err_hint(int err)
{
	switch (err) {
	case -ENETUNREACH:
		return "no route";
	case -EHOSTUNREACH:
		return "unreachable route, or no route for a forwarded packet";
	case -EACCES:
		return "prohibit route";
	case -EINVAL:
		return "blackhole route, or a query the kernel refused";
	case -EXDEV:
		return "martian or invalid source for this input device";
	}
	return NULL;
}

static void print_get(const struct inv_opts *o, const struct route_answer *a,
		      bool json)
{
	char dst[WGT_ADDR_STRLEN], buf[WGT_PREFIX_STRLEN], name[IF_NAMESIZE];
	char num[16];
	const char *dev = a->oif ? if_indextoname(a->oif, name) : NULL;
	const char *hint = a->err ? route_err_hint(a->err) : NULL;
	struct wrap w;

	addr_fmt(&o->q.dst, dst, sizeof(dst));
	if (json) {
		struct json_object *j = json_object_new_object();

		jadd_str(j, "type", "route_get");
		jadd_str(j, "dst", dst);
		jadd_addr(j, "from", &o->q.src);
		jadd_str(j, "iif", o->iif);
		jadd_int(j, "mark", o->q.mark);
		jadd_opt(j, "ipproto", o->q.ip_proto ? o->q.ip_proto : -1);
		jadd_opt(j, "dport", o->q.dport ? o->q.dport : -1);
		jadd_str(j, "error", a->err ? strerror(-a->err) : NULL);
		jadd_int(j, "errno", -a->err);
		jadd_str(j, "route_type",
			 a->err ? NULL
				: name_or_num(nl_route_type_name(a->type),
					      a->type, num, sizeof(num)));
		jadd_opt(j, "table", a->err ? -1 : (long long)a->table);
		jadd_prefix(j, "prefix", &a->prefix);
		jadd_addr(j, "gateway", &a->gateway);
		jadd_addr(j, "prefsrc", &a->prefsrc);
		jadd_int(j, "oif", a->oif);
		jadd_str(j, "dev", dev);
		json_emit(j);
		return;
	}
	if (a->err) {
		printf("%s: %s%s%s%s\n", dst, strerror(-a->err),
		       hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
		return;
	}
	wrap_begin(&w, 0, 4);
	if (a->type != RTN_UNICAST)
		wrap_word(&w, "%s",
			  name_or_num(nl_route_type_name(a->type), a->type, num,
				      sizeof(num)));
	wrap_word(&w, "%s", dst);
	if (a->gateway.family)
		wrap_word(&w, "via %s",
			  addr_fmt(&a->gateway, buf, sizeof(buf)));
	if (dev)
		wrap_word(&w, "dev %s", dev);
	if (a->prefsrc.family)
		wrap_word(&w, "src %s",
			  addr_fmt(&a->prefsrc, buf, sizeof(buf)));
	wrap_word(&w, "table %s", nl_table_name(a->table, num, sizeof(num)));
	wrap_end(&w);
	if (a->prefix.addr.family)
		printf("    matched %s\n",
		       prefix_fmt(&a->prefix, buf, sizeof(buf)));
}

static int run_get(struct inv_opts *o)
{
	struct route_answer ans;
	int err;

	if (o->iif) {
		o->q.iif = if_nametoindex(o->iif);
		if (!o->q.iif) {
			wgt_err("--get: no interface '%s'%s%s", o->iif,
				o->netns ? " in network namespace " : "",
				o->netns ? o->netns : "");
			return -WGT_EUSAGE;
		}
	}
	err = route_get(&o->q, &ans);
	if (err) {
		wgt_err("route query failed: %s", strerror(-err));
		return err;
	}
	print_get(o, &ans, o->json);
	return 0;
}

/* --- main --------------------------------------------------------------- */

int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interface", required_argument, NULL, 'i'},
	    {"netns", required_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},
	    {"get", required_argument, NULL, 'g'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0}};
	struct inv_opts o = {0};
	struct inventory inv = {0};
	struct view v = {&inv, 0};
	const struct inv_link *l;
	int c, err;

	while ((c = getopt_long(argc, argv, "i:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!*optarg || strlen(optarg) >= IF_NAMESIZE) {
				wgt_err("bad interface name '%s'", optarg);
				return -WGT_EUSAGE;
			}
			o.dev = optarg;
			break;
		case 'n':
			o.netns = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'g':
			o.get = optarg;
			break;
		case 'v':
			wgt_verbose++;
			break;
		case 'h':
			inventory_usage(stdout);
			return 0;
		default:
			inventory_usage(stderr);
			return -WGT_EUSAGE;
		}
	}
	if (o.get) {
		if (o.dev) {
			wgt_err("-i and --get do not go together (use: --get "
				"DST iif DEV)");
			return -WGT_EUSAGE;
		}
		err = parse_get_words(&o, argc - optind, argv + optind);
		if (err)
			return err;
	} else if (optind < argc) {
		wgt_err("inventory takes no arguments, got '%s'", argv[optind]);
		return -WGT_EUSAGE;
	}
	if (o.netns) {
		err = cmd_enter_netns(o.netns);
		if (err)
			return err;
	}
	if (o.get)
		return run_get(&o);

	/* Every WireGuard device: -i may name any link, not only WireGuard. */
	err = inventory_load(&inv, NULL);
	if (err) {
		wgt_err("cannot read the inventory: %s", strerror(-err));
		return err;
	}
	if (o.dev) {
		l = inv_link_by_name(&inv, o.dev);
		if (!l) {
			wgt_err("no interface '%s'%s%s", o.dev,
				o.netns ? " in network namespace " : "",
				o.netns ? o.netns : "");
			err = -WGT_EUSAGE;
			goto cleanup;
		}
		v.ifindex = l->ifindex;
	}
	if (o.json)
		print_json(&v);
	else
		err = print_text(&v);
cleanup:
	inventory_free(&inv);
	return err;
}
