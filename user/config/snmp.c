// SPDX-License-Identifier: GPL-2.0
/* Protocol counters from /proc/net, read as the kernel prints them. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/snmp.h"

#define SNMP_FILE_MAX (64 * 1024)

/* Value of the column `name` in a "Group: a b c" / "Group: 1 2 3" pair. */
int snmp_parse_pairs(const char *text, const char *group, const char *name,
		     uint64_t *out)
{
	size_t glen = strlen(group), nlen = strlen(name);
	const char *hdr = text, *val, *h, *v;
	int col, i;

	for (; hdr && *hdr;
	     hdr = strchr(hdr, '\n'), hdr = hdr ? hdr + 1 : NULL) {
		if (strncmp(hdr, group, glen) || hdr[glen] != ':')
			continue;
		val = strchr(hdr, '\n');
		if (!val || strncmp(val + 1, group, glen) ||
		    val[1 + glen] != ':')
			return -EINVAL;
		val++;
		/* Find the column of name in the header line. */
		h = hdr + glen + 1;
		for (col = 0;; col++) {
			while (*h == ' ')
				h++;
			if (!*h || *h == '\n')
				break;
			if (!strncmp(h, name, nlen) &&
			    (h[nlen] == ' ' || h[nlen] == '\n' || !h[nlen]))
				goto found;
			h += strcspn(h, " \n");
		}
		/* The group may be split over several pairs: go on. */
		hdr = val;
		continue;
	found:
		v = val + glen + 1;
		for (i = 0; i < col; i++) {
			while (*v == ' ')
				v++;
			v += strcspn(v, " \n");
		}
		while (*v == ' ')
			v++;
		if (*v < '0' || *v > '9')
			return -EINVAL;
		*out = strtoull(v, NULL, 10);
		return 0;
	}
	return -ENOENT;
}

/* Value of a "Key   123" line (snmp6). */
int snmp_parse_lines(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *l = text, *v;

	for (; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, klen) ||
		    (l[klen] != ' ' && l[klen] != '\t'))
			continue;
		v = l + klen;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v < '0' || *v > '9')
			return -EINVAL;
		*out = strtoull(v, NULL, 10);
		return 0;
	}
	return -ENOENT;
}

static int read_small(const char *path, char **text)
{
	char *buf = NULL;
	ssize_t n;
	size_t used = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(SNMP_FILE_MAX + 1);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (used < SNMP_FILE_MAX) {
		n = read(fd, buf + used, SNMP_FILE_MAX - used);
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		if (!n)
			break;
		used += n;
	}
	buf[used] = '\0';
	*text = buf;
	buf = NULL;
cleanup:
	free(buf);
	close(fd);
	return err;
}

int snmp_counter(const char *group, const char *name, uint64_t *out)
{
	char *text = NULL, key[64];
	int err;

	/* Ip6 counters live in their own file as "Ip6InTooBigErrors 0". */
	if (!strcmp(group, "Ip6")) {
		snprintf(key, sizeof(key), "Ip6%s", name);
		err = read_small("/proc/net/snmp6", &text);
		if (!err)
			err = snmp_parse_lines(text, key, out);
		goto cleanup;
	}
	err = read_small("/proc/net/netstat", &text);
	if (!err) {
		err = snmp_parse_pairs(text, group, name, out);
		if (err != -ENOENT)
			goto cleanup;
	}
	free(text);
	text = NULL;
	err = read_small("/proc/net/snmp", &text);
	if (!err)
		err = snmp_parse_pairs(text, group, name, out);
cleanup:
	free(text);
	return err;
}
