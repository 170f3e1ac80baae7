// SPDX-License-Identifier: GPL-2.0
/*
 * WireGuard keys as text: base64 (what wg(8) shows and users paste) and hex
 * (what the UAPI protocol speaks). Only public keys pass through here.
 */
#include <string.h>

#include "config/inventory.h"
#include "config/wg_inventory.h"

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

void wg_key_to_b64(char out[WG_KEY_B64_LEN], const uint8_t key[WG_KEY_LEN_RAW])
{
	uint32_t v;
	int i, o = 0;

	for (i = 0; i + 3 <= WG_KEY_LEN_RAW; i += 3) {
		v = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8 |
		    key[i + 2];
		out[o++] = b64_chars[v >> 18 & 63];
		out[o++] = b64_chars[v >> 12 & 63];
		out[o++] = b64_chars[v >> 6 & 63];
		out[o++] = b64_chars[v & 63];
	}
	/* 32 = 3 * 10 + 2: two bytes left, three characters and one '='. */
	v = (uint32_t)key[30] << 16 | (uint32_t)key[31] << 8;
	out[o++] = b64_chars[v >> 18 & 63];
	out[o++] = b64_chars[v >> 12 & 63];
	out[o++] = b64_chars[v >> 6 & 63];
	out[o++] = '=';
	out[o] = '\0';
}

bool wg_key_from_b64(uint8_t key[WG_KEY_LEN_RAW], const char *b64)
{
	uint8_t tmp[WG_KEY_LEN_RAW];
	uint32_t v;
	int i, j, d;

	if (!b64 || strlen(b64) != WG_KEY_B64_LEN - 1 ||
	    b64[WG_KEY_B64_LEN - 2] != '=')
		return false;
	for (i = 0; i < 11; i++) {
		v = 0;
		for (j = 0; j < 4; j++) {
			/* The last group is "XYZ=": treat '=' as zero bits. */
			if (i == 10 && j == 3)
				d = 0;
			else
				d = b64_value(b64[i * 4 + j]);
			if (d < 0)
				return false;
			v = v << 6 | (uint32_t)d;
		}
		tmp[i * 3] = v >> 16 & 0xff;
		if (i == 10) {
			tmp[31] = v >> 8 & 0xff;
			/*
			 * 43 characters carry 258 bits: the 2 spare ones
			 * must be zero, or two spellings would name one key
			 * (wg(8) rejects them too).
			 */
			if (v & 0xff)
				return false;
			break;
		}
		tmp[i * 3 + 1] = v >> 8 & 0xff;
		tmp[i * 3 + 2] = v & 0xff;
	}
	memcpy(key, tmp, sizeof(tmp));
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool wg_key_from_hex(uint8_t key[WG_KEY_LEN_RAW], const char *hex)
{
	uint8_t tmp[WG_KEY_LEN_RAW];
	int i, hi, lo;

	if (!hex || strlen(hex) != 2 * WG_KEY_LEN_RAW)
		return false;
	for (i = 0; i < WG_KEY_LEN_RAW; i++) {
		hi = hex_value(hex[2 * i]);
		lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(key, tmp, sizeof(tmp));
	return true;
}
