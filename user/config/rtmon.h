/* SPDX-License-Identifier: GPL-2.0 */
/* Notice route, rule and device changes (rtnetlink multicast) while running. */
#ifndef WGT_RTMON_H
#define WGT_RTMON_H

struct rtmon;

int rtmon_open(struct rtmon **out);
int rtmon_fd(const struct rtmon *m);
enum rtmon_change {
	RTMON_ROUTES = 1, /* a route or rule was added or removed */
	RTMON_LINKS = 2,  /* a device appeared, went, or changed */
};

/* Read what is pending without blocking: RTMON_* bits of what changed. */
int rtmon_drain(struct rtmon *m);
void rtmon_close(struct rtmon *m);

#endif /* WGT_RTMON_H */
