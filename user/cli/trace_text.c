// SPDX-License-Identifier: GPL-2.0
/* A trace result (model/trace_result.h) as text for people. */
#include <stdarg.h>
#include <stdio.h>

#include "base/output.h"
#include "cli/trace.h"

static void step_line(const char *step, const char *mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "  route   <text>  [mode]" under 80 columns; text may be long, so wrap. */
static void step_line(const char *step, const char *mode, const char *fmt, ...)
{
	char text[512], clean[UTF8_CLEAN_SIZE(512)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Device names in the text may hold any byte. */
	printf("  %s%-7s%s %s %s[%s]%s\n", out_c(C_BOLD), step, out_c(C_RESET),
	       utf8_clean(text, clean, sizeof(clean)), out_c(C_DIM), mode,
	       out_c(C_RESET));
}

static void detail_line(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void detail_line(const char *fmt, ...)
{
	char text[512], clean[UTF8_CLEAN_SIZE(512)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("          %s\n", utf8_clean(text, clean, sizeof(clean)));
}

static void print_route(const struct trace_route_step *rs)
{
	size_t k;

	if (rs->error[0])
		step_line("route", rs->mode, "table %u: %s", rs->table,
			  rs->error);
	else
		step_line("route", rs->mode, "table %u: %s dev %s%s%s",
			  rs->table, rs->has_prefix ? rs->prefix : "-", rs->oif,
			  rs->has_gateway ? " via " : "",
			  rs->has_gateway ? rs->gateway : "");
	detail_line("rule %s [%s]", rs->has_rule ? rs->rule : "-",
		    rs->rule_mode);
	for (k = 0; k < rs->n_passed; k++)
		detail_line("  passed %s: %s", rs->passed[k].rule,
			    rs->passed[k].suppressed ? "route suppressed"
						     : "no route");
	if (!rs->packets)
		detail_line(
		    "no packet seen: the kernel's route query answered");
}

static void print_peer(const struct trace_peer_step *ps)
{
	size_t k;

	if (!ps->present)
		return;
	if (ps->has_peer)
		step_line("peer", ps->mode, "%s via %s", ps->peer,
			  ps->has_prefix ? ps->prefix : "?");
	else
		step_line("peer", ps->mode, "no peer on %s has the destination",
			  ps->interface);
	for (k = 0; k < ps->n_shadowed; k++)
		detail_line("shadowed: %s (%s)", ps->shadowed[k].peer,
			    ps->shadowed[k].prefix);
}

static void print_outer(const struct trace_outer_step *os)
{
	if (!os->present)
		return;
	if (os->error[0])
		step_line("outer", os->mode, "to %s:%u: %s", os->endpoint,
			  os->endpoint_port, os->error);
	else
		step_line("outer", os->mode,
			  "to %s:%u table %u dev %s mark 0x%x", os->endpoint,
			  os->endpoint_port, os->table, os->oif, os->mark);
	if (!os->seen)
		detail_line("no outer packet seen: the kernel's route query "
			    "answered");
}

static void print_reply(const struct trace_reply_step *rp)
{
	if (rp->replied)
		step_line("reply", rp->mode,
			  "%zu from the destination, in on %s%s%s, rtt %.2f ms",
			  rp->replies, rp->iif, rp->has_peer ? " from " : "",
			  rp->peer, rp->rtt_ms);
	else
		step_line("reply", rp->mode, "none seen");
}

static void print_drop(const struct trace_drop_step *ds)
{
	if (!ds->present)
		return;
	if (ds->drops)
		step_line("drop", ds->mode,
			  "%zu dropped by the kernel: %s on %s", ds->drops,
			  ds->reason, ds->interface);
	if (ds->icmp_errors)
		step_line("icmp", ds->icmp_mode,
			  "%zu ICMP errors sent (type %u code %u) on %s",
			  ds->icmp_errors, ds->icmp_type, ds->icmp_code,
			  ds->interface);
}

void trace_text_print(const struct trace_result *r)
{
	char mark[24] = "";
	size_t i;

	if (r->mark)
		snprintf(mark, sizeof(mark), ", mark 0x%x", r->mark);
	printf("%strace %s%s (%s%s%s%s): %zu packets seen\n", out_c(C_BOLD),
	       r->dst, out_c(C_RESET), r->proto, r->has_src ? " from " : "",
	       r->src, mark, r->packets);
	print_route(&r->route);
	print_peer(&r->peer);
	print_outer(&r->outer);
	print_reply(&r->reply);
	print_drop(&r->drop);
	for (i = 0; i < r->findings.n; i++)
		finding_print(stdout, &r->findings.v[i], out_use_color());
}
