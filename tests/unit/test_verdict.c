// SPDX-License-Identifier: GPL-2.0
/* Counter names (metrics, JSON) and call-site resolution for kernel drops. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "attach/ksym.h"
#include "model/verdict.h"

static void catalogue_names(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(
	    verdict_name(WGT_V_SRC_REJECTED, NULL, buf, sizeof(buf)),
	    "src_rejected");
	assert_string_equal(
	    verdict_name(WGT_V_RPF_DROP, NULL, buf, sizeof(buf)), "rpf_drop");
	assert_string_equal(
	    verdict_name(WGT_V_MTU_DROP, NULL, buf, sizeof(buf)), "mtu_drop");
	assert_string_equal(verdict_name(WGT_V_NO_PEER, NULL, buf, sizeof(buf)),
			    "no_peer");
	assert_true(verdict_info(WGT_V_SRC_REJECTED)->is_drop);
	assert_false(verdict_info(WGT_V_ROUTE_BYPASS)->is_drop);
	assert_null(verdict_info(WGT_V_NONE));
	assert_null(verdict_info(WGT_V__COUNT));
}

static void kernel_reasons_by_btf_name(void **state)
{
	char *names[] = {"NOT_SPECIFIED", "NO_SOCKET"};
	unsigned int values[] = {2, 3};
	struct drop_reasons dr = {.names = names, .values = values, .n = 2};
	char buf[64];

	(void)state;
	assert_string_equal(
	    verdict_name(WGT_V_KERNEL_REASON + 3, &dr, buf, sizeof(buf)),
	    "kernel_NO_SOCKET");
	/* A value this kernel does not name still gets a stable name. */
	assert_string_equal(
	    verdict_name(WGT_V_KERNEL_REASON + 77, &dr, buf, sizeof(buf)),
	    "kernel_77");
}

static void kallsyms_nearest_text_symbol(void **state)
{
	const char *text = "ffffffff81000000 T _stext\n"
			   "ffffffff81a00000 t ip_error\n"
			   "ffffffff81a00400 D some_data\n"
			   "ffffffff81a00800 T ip_forward\n"
			   "ffffffffc0001000 t wg_xmit\t[wireguard]\n";
	char name[KSYM_NAME_MAX];
	uint64_t at;

	(void)state;
	assert_int_equal(
	    ksym_find_in(text, 0xffffffff81a0045eULL, name, sizeof(name), &at),
	    0);
	/* A data symbol in between is not a function. */
	assert_string_equal(name, "ip_error");
	assert_true(at == 0xffffffff81a00000ULL);
	assert_int_equal(
	    ksym_find_in(text, 0xffffffffc0001010ULL, name, sizeof(name), &at),
	    0);
	assert_string_equal(name, "wg_xmit");
	assert_int_equal(ksym_find_in(text, 0x1000, name, sizeof(name), &at),
			 -ENOENT);
}

static void kallsyms_function_ranges(void **state)
{
	const char *text = "ffffffff81a00000 T fib_validate_source\n"
			   "ffffffff81a00200 d fib_data\n"
			   "ffffffff81a00300 t __fib_validate_source.isra.0\n"
			   "ffffffff81a00900 T __icmp_send\n"
			   "ffffffff81a00f00 T icmp_ndo_send\n"
			   "ffffffffc0001000 t wg_xmit\t[wireguard]\n";
	struct ksym_range r[] = {
	    {.name = "fib_validate_source"},
	    {.name = "__fib_validate_source"},
	    {.name = "__icmp_send"},
	    {.name = "icmp6_send"},
	};
	const char *hidden = "0000000000000000 T fib_validate_source\n"
			     "0000000000000000 T __icmp_send\n";

	(void)state;
	assert_int_equal(ksym_ranges_in(text, r, 4), 3);
	/* Up to the next function, not to a data symbol in between. */
	assert_true(r[0].lo == 0xffffffff81a00000ULL);
	assert_true(r[0].hi == 0xffffffff81a00300ULL);
	/* A compiler clone counts under its source name. */
	assert_true(r[1].lo == 0xffffffff81a00300ULL);
	assert_true(r[1].hi == 0xffffffff81a00900ULL);
	assert_true(r[2].hi == 0xffffffff81a00f00ULL);
	assert_true(r[3].lo == 0 && r[3].hi == 0);
	/* kptr_restrict: every address is 0, nothing is found. */
	assert_int_equal(ksym_ranges_in(hidden, r, 4), 0);
	assert_true(r[0].lo == 0 && r[2].lo == 0);
	/* A prefix of another name is not that function. */
	r[0].name = "fib_validate";
	assert_int_equal(ksym_ranges_in(text, r, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(catalogue_names),
	    cmocka_unit_test(kernel_reasons_by_btf_name),
	    cmocka_unit_test(kallsyms_nearest_text_symbol),
	    cmocka_unit_test(kallsyms_function_ranges),
	};

	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
