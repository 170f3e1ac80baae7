/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One handler per subcommand, each in its own file. A handler returns 0,
 * a positive exit status it means (check: findings), -WGT_EUSAGE for a usage
 * or input error, or another -errno for a runtime failure.
 */
#ifndef WGT_COMMANDS_H
#define WGT_COMMANDS_H

int cmd_probe(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif /* WGT_COMMANDS_H */
