/* SPDX-License-Identifier: GPL-2.0 */
/* Notice route and rule changes (rtnetlink multicast) while watching. */
#ifndef WGT_RTMON_H
#define WGT_RTMON_H

struct rtmon;

int rtmon_open(struct rtmon **out);
int rtmon_fd(const struct rtmon *m);
/* Read what is pending without blocking: how many route/rule changes. */
int rtmon_drain(struct rtmon *m);
void rtmon_close(struct rtmon *m);

#endif /* WGT_RTMON_H */
