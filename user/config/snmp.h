/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own protocol counters of the current network namespace
 * (/proc/net/netstat, /proc/net/snmp, /proc/net/snmp6). Where no hook can
 * see a drop, its counter is the last resort: exact in number, blind to
 * the device and the flow.
 */
#ifndef WGT_SNMP_H
#define WGT_SNMP_H

#include <stdint.h>

/*
 * One counter by its group and name as the files spell them: ("TcpExt",
 * "IPReversePathFilter"), ("Ip", "FragFails"), ("Ip6", "InTooBigErrors").
 * 0 or -errno (-ENOENT: this kernel has no such counter).
 */
int snmp_counter(const char *group, const char *name, uint64_t *out);

/* Parsers of the two formats, for the unit tests and snmp_counter. */
int snmp_parse_pairs(const char *text, const char *group, const char *name,
		     uint64_t *out);
int snmp_parse_lines(const char *text, const char *key, uint64_t *out);

#endif /* WGT_SNMP_H */
