// SPDX-License-Identifier: GPL-2.0
/* Kernel facts that need no root: drop reasons from BTF, capability parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>

#include "attach/kernel.h"

/* A BTF blob shaped like the kernel's: enum skb_drop_reason with its MAX. */
static struct btf *fake_btf(const char *enum_name)
{
	struct btf *btf = btf__new_empty();

	assert_non_null(btf);
	assert_true(btf__add_enum(btf, enum_name, 4) > 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_NOT_DROPPED_YET", 0), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_CONSUMED", 1), 0);
	assert_int_equal(
	    btf__add_enum_value(btf, "SKB_DROP_REASON_NOT_SPECIFIED", 2), 0);
	assert_int_equal(
	    btf__add_enum_value(btf, "SKB_DROP_REASON_IP_RPFILTER", 9), 0);
	assert_int_equal(btf__add_enum_value(btf, "SKB_DROP_REASON_MAX", 10),
			 0);
	return btf;
}

static void drop_reasons_strip_prefix_and_max(void **state)
{
	struct btf *btf = fake_btf("skb_drop_reason");
	struct drop_reasons dr;
	unsigned int v = 0;

	(void)state;
	assert_int_equal(drop_reasons_from_btf(btf, &dr), 0);
	assert_int_equal(dr.n, 2);
	assert_string_equal(dr.names[0], "NOT_SPECIFIED");
	assert_string_equal(dr.names[1], "IP_RPFILTER");
	assert_true(drop_reasons_find(&dr, "IP_RPFILTER", &v));
	assert_int_equal(v, 9);
	assert_false(drop_reasons_find(&dr, "MAX", NULL));
	assert_false(drop_reasons_find(&dr, "CONSUMED", NULL));
	drop_reasons_free(&dr);
	assert_null(dr.names);
	btf__free(btf);
}

static void drop_reasons_absent_enum_is_empty(void **state)
{
	struct btf *btf = fake_btf("something_else");
	struct drop_reasons dr;

	(void)state;
	assert_int_equal(drop_reasons_from_btf(btf, &dr), 0);
	assert_int_equal(dr.n, 0);
	assert_false(drop_reasons_find(&dr, "IP_RPFILTER", NULL));
	drop_reasons_free(&dr);
	btf__free(btf);
}

static void caps_from_status(void **state)
{
	/* Real /proc/self/status lines: root, and a process with no caps. */
	const char *root =
	    "\nName:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
	    "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n";
	const char *nobody = "\nName:\tx\nCapEff:\t0000000000000000\n";
	/* CAP_BPF (39) + CAP_PERFMON (38) without CAP_SYS_ADMIN (21). */
	const char *bpf_only = "\nCapEff:\t000000c000000000\n";
	/* CAP_BPF alone cannot attach tracing programs. */
	const char *bpf_no_perfmon = "\nCapEff:\t0000008000000000\n";
	unsigned long long caps;

	(void)state;
	assert_int_equal(caps_parse_effective(root, &caps), 0);
	assert_true(caps_allow_bpf(caps));
	assert_int_equal(caps_parse_effective(nobody, &caps), 0);
	assert_false(caps_allow_bpf(caps));
	assert_int_equal(caps_parse_effective(bpf_only, &caps), 0);
	assert_true(caps_allow_bpf(caps));
	assert_int_equal(caps_parse_effective(bpf_no_perfmon, &caps), 0);
	assert_false(caps_allow_bpf(caps));
	assert_int_equal(caps_parse_effective("\nName:\tx\n", &caps), -EINVAL);
	assert_int_equal(caps_parse_effective("\nCapEff:\tzz\n", &caps),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(drop_reasons_strip_prefix_and_max),
	    cmocka_unit_test(drop_reasons_absent_enum_is_empty),
	    cmocka_unit_test(caps_from_status),
	};

	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
