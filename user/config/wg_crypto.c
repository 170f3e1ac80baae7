// SPDX-License-Identifier: GPL-2.0
/*
 * A userspace WireGuard's UAPI gives the device's private key, not its public
 * key. Curve25519 comes from OpenSSL (X25519 clamps the scalar as WireGuard
 * does) rather than from hand-written crypto; the private key is wiped as
 * soon as the public one is known.
 */
#include <string.h>
#include <openssl/evp.h>

#include "config/wg_inventory.h"

bool wg_pubkey_from_private_hex(const char *hex, size_t len,
				uint8_t pub[WG_KEY_LEN_RAW])
{
	uint8_t priv[WG_KEY_LEN_RAW];
	char buf[2 * WG_KEY_LEN_RAW + 1];
	size_t publen = WG_KEY_LEN_RAW;
	EVP_PKEY *pkey = NULL;
	bool ok = false;

	if (len != 2 * WG_KEY_LEN_RAW)
		return false;
	memcpy(buf, hex, len);
	buf[len] = '\0';
	if (!wg_key_from_hex(priv, buf))
		goto cleanup;
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
					    sizeof(priv));
	if (!pkey)
		goto cleanup;
	ok = EVP_PKEY_get_raw_public_key(pkey, pub, &publen) == 1 &&
	     publen == WG_KEY_LEN_RAW;
cleanup:
	EVP_PKEY_free(pkey);
	explicit_bzero(priv, sizeof(priv));
	explicit_bzero(buf, sizeof(buf));
	return ok;
}
