// SPDX-License-Identifier: GPL-2.0
/*
 * WireGuard keys as base64 and hex. The vectors come from wg(8), not from
 * wgtrace: `wg genkey | tee priv | wg pubkey`, and `base64 -d | xxd -p -c 64`
 * for the hex.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/common.h"
#include "config/inventory.h"
#include "config/wg_inventory.h"

static const struct {
	const char *b64, *hex;
} vectors[] = {
    /* private key a, and `wg pubkey` of it */
    {"oIRMNJntKII69CZxGqhk6T9wrR5yFjnd5FjmV/8KFVg=",
     "a0844c3499ed28823af426711aa864e93f70ad1e721639dde458e657ff0a1558"},
    {"OFNRxolEBvx6pm1S7tgk/RUpmucFY4A0qC/6U17hxEA=",
     "385351c6894406fc7aa66d52eed824fd15299ae705638034a82ffa535ee1c440"},
    /* private key b, and its public key */
    {"6PAob7bVUc0bY/Gu2IoRoqvxnSHHGnCl7M7Zf5ROKX8=",
     "e8f0286fb6d551cd1b63f1aed88a11a2abf19d21c71a70a5ecced97f944e297f"},
    {"y8XsIDh70Ir6v/CBcil/SdpsiKXP7Uv9+bs3Wrx2eQ8=",
     "cbc5ec20387bd08afabff08172297f49da6c88a5cfed4bfdf9bb375abc76790f"},
    /* private key c, and its public key */
    {"WLQvjV2zSrKWyW1R2SbZQHHr56G13kh9uhmzk7R84nk=",
     "58b42f8d5db34ab296c96d51d926d94071ebe7a1b5de487dba19b393b47ce279"},
    {"8yQRLTamsWwVwSaE0y8ifONvliHEvmCJZPjEFSgselY=",
     "f324112d36a6b16c15c12684d32f227ce36f9621c4be608964f8c415282c7a56"},
    /* more `wg genkey` / `wg pubkey` output */
    {"qP0PN7UDOOENFJShsLC7iZSM+NiJUzXWJW6vvLwPpmk=",
     "a8fd0f37b50338e10d1494a1b0b0bb89948cf8d8895335d6256eafbcbc0fa669"},
    {"yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lSn0U=",
     "c8c553354aecec5615d4d4a1a2c87fceb5873148b00a6ef3a47c448b89529f45"},
    {"+GiHZ7LH3EVdY/2YF/F9c0a6sKScGLMtY3z2T3AqCGc=",
     "f8688767b2c7dc455d63fd9817f17d7346bab0a49c18b32d637cf64f702a0867"},
    {"BMFVnvc6TLPCY8zwcHtyE+yFTK4rOr203t6aXKmhE1c=",
     "04c1559ef73a4cb3c263ccf0707b7213ec854cae2b3abdb4dede9a5ca9a11357"},
    {"FI1DrJU08SOVzf2OXQ0TJDsgqJihqQHowU/jx5QFE30=",
     "148d43ac9534f12395cdfd8e5d0d13243b20a898a1a901e8c14fe3c79405137d"},
    {"vy/Xblw8HJVAZN6KftjlK3+iZYPVTfSeFZ/p3ucRDjo=",
     "bf2fd76e5c3c1c954064de8a7ed8e52b7fa26583d54df49e159fe9dee7110e3a"},
    /* the extremes: `head -c 32 /dev/zero | base64`, and all ones */
    {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
     "0000000000000000000000000000000000000000000000000000000000000000"},
    {"//////////////////////////////////////////8=",
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
};

/* The test's own hex decoder, so no expected value comes from wg_key.c. */
static void unhex(uint8_t out[WG_KEY_LEN_RAW], const char *hex)
{
	int i;

	assert_int_equal(strlen(hex), 2 * WG_KEY_LEN_RAW);
	for (i = 0; i < WG_KEY_LEN_RAW; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
}

static void b64_matches_wg(void **state)
{
	uint8_t want[WG_KEY_LEN_RAW], got[WG_KEY_LEN_RAW];
	char b64[WG_KEY_B64_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		unhex(want, vectors[i].hex);
		memset(b64, 'X', sizeof(b64));
		wg_key_to_b64(b64, want);
		assert_string_equal(b64, vectors[i].b64);
		assert_int_equal(strlen(b64), 44);

		memset(got, 0xa5, sizeof(got));
		assert_true(wg_key_from_b64(got, vectors[i].b64));
		assert_memory_equal(got, want, WG_KEY_LEN_RAW);
	}
}

static void hex_matches_wg(void **state)
{
	uint8_t want[WG_KEY_LEN_RAW], got[WG_KEY_LEN_RAW];
	char upper[2 * WG_KEY_LEN_RAW + 1];
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vectors); i++) {
		unhex(want, vectors[i].hex);
		assert_true(wg_key_from_hex(got, vectors[i].hex));
		assert_memory_equal(got, want, WG_KEY_LEN_RAW);

		for (j = 0; vectors[i].hex[j]; j++)
			upper[j] = (char)(vectors[i].hex[j] >= 'a'
					      ? vectors[i].hex[j] - 32
					      : vectors[i].hex[j]);
		upper[j] = '\0';
		memset(got, 0, sizeof(got));
		assert_true(wg_key_from_hex(got, upper));
		assert_memory_equal(got, want, WG_KEY_LEN_RAW);
	}
}

static void b64_rejects_bad_keys(void **state)
{
	static const char *const bad[] = {
	    "",
	    /* 43 and 45 characters */
	    "yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lSn0U",
	    "yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lSn0U==",
	    /* the spare bits set: `wg pubkey` says "Key is not the correct
	     * length or format" for this one */
	    "yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lSn0V=",
	    /* no padding, padding inside, characters outside base64 */
	    "yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lSn0UA",
	    "yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lS=0U=",
	    "yMVTNUrs7FYV1NShosh*zrWHMUiwCm7zpHxEi4lSn0U=",
	    /* the URL-safe alphabet is another encoding */
	    "yMVTNUrs7FYV1NShosh_zrWHMUiwCm7zpHxEi4lSn0U=",
	    "+GiHZ7LH3EVdY-2YF/F9c0a6sKScGLMtY3z2T3AqCGc=",
	    " yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lSn0U=",
	};
	uint8_t key[WG_KEY_LEN_RAW], zero[WG_KEY_LEN_RAW] = {0};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(key, 0, sizeof(key));
		if (wg_key_from_b64(key, bad[i]))
			fail_msg("accepted bad base64 key \"%s\"", bad[i]);
		/* A rejected key leaves the output alone. */
		assert_memory_equal(key, zero, sizeof(key));
	}
	assert_false(wg_key_from_b64(key, NULL));
}

static void hex_rejects_bad_keys(void **state)
{
	static const char *const bad[] = {
	    "",
	    "c8c553354aecec5615d4d4a1a2c87fceb5873148b00a6ef3a47c448b89529f4",
	    "c8c553354aecec5615d4d4a1a2c87fceb5873148b00a6ef3a47c448b89529f450",
	    "g8c553354aecec5615d4d4a1a2c87fceb5873148b00a6ef3a47c448b89529f45",
	    "c8c553354aecec5615d4d4a1a2c87fceb5873148b00a6ef3a47c448b89529f4 ",
	    " c8c553354aecec5615d4d4a1a2c87fceb5873148b00a6ef3a47c448b89529f4",
	    "0xc553354aecec5615d4d4a1a2c87fceb5873148b00a6ef3a47c448b89529f45",
	    "yMVTNUrs7FYV1NShosh/zrWHMUiwCm7zpHxEi4lSn0U=",
	};
	uint8_t key[WG_KEY_LEN_RAW], zero[WG_KEY_LEN_RAW] = {0};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(key, 0, sizeof(key));
		if (wg_key_from_hex(key, bad[i]))
			fail_msg("accepted bad hex key \"%s\"", bad[i]);
		assert_memory_equal(key, zero, sizeof(key));
	}
	assert_false(wg_key_from_hex(key, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(b64_matches_wg),
	    cmocka_unit_test(hex_matches_wg),
	    cmocka_unit_test(b64_rejects_bad_keys),
	    cmocka_unit_test(hex_rejects_bad_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
