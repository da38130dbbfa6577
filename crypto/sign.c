/*
 * Ed25519 (RFC 8032) and secret memory, both on libsodium 1.0.18.
 *
 * This file is deliberately thin: every function is one libsodium call
 * plus translation to enum lien_status. What matters is what it pins:
 * verification is libsodium's crypto_sign_verify_detached, whose
 * acceptance rules (canonical S, small-order A and R rejected,
 * non-canonical A rejected, R compared byte-for-byte against a canonical
 * re-encoding, cofactorless equation) are documented with vectors in
 * docs/ed25519.md and tests/unit/test_sign.c. Do not swap the library
 * without re-running those vectors: Ed25519 implementations disagree on
 * exactly these edge cases.
 *
 * Secrets live in sodium_malloc memory (guard pages, mlock, canary) and
 * are wiped with sodium_memzero. Not for per-request data: each
 * allocation costs several pages and system calls.
 */
#include "crypto/sign.h"

#include <sodium.h>

#include "crypto/hash.h"

/* sodium_malloc places the block flush against a guard page, so the
 * returned pointer is only as aligned as the size is a multiple of the
 * alignment. Round up so structs with pointers stay aligned. */
#define SECRET_ALIGN 16u

enum lien_status
lcrypto_init(void)
{
	uint8_t warm[HASH_LEN];

	/* 0: initialised now, 1: already initialised, -1: failure. */
	if (sodium_init() < 0)
		return LIEN_ECRYPTO;
	/* Fetch OpenSSL's SHA-256 and create this thread's context now,
	 * before worker threads start (hash.c aborts on failure). */
	hash_sha256("", 0, warm);
	return LIEN_OK;
}

void
lcrypto_random(void *out, size_t len)
{
	randombytes_buf(out, len);
}

enum lien_status
ed25519_keypair(uint8_t pk[ED25519_PK_LEN], uint8_t sk[ED25519_SK_LEN])
{
	if (crypto_sign_keypair(pk, sk) != 0) {
		sodium_memzero(sk, ED25519_SK_LEN);
		return LIEN_ECRYPTO;
	}
	return LIEN_OK;
}

enum lien_status
ed25519_from_seed(const uint8_t seed[ED25519_SEED_LEN],
    uint8_t pk[ED25519_PK_LEN], uint8_t sk[ED25519_SK_LEN])
{
	if (crypto_sign_seed_keypair(pk, sk, seed) != 0) {
		sodium_memzero(sk, ED25519_SK_LEN);
		return LIEN_ECRYPTO;
	}
	return LIEN_OK;
}

void
ed25519_sign(uint8_t sig[ED25519_SIG_LEN], const void *msg, size_t len,
    const uint8_t sk[ED25519_SK_LEN])
{
	static const uint8_t empty;

	/* Cannot fail in libsodium 1.0.18 (it always returns 0). */
	(void)crypto_sign_detached(sig, NULL, len > 0 ? msg : &empty,
	    (unsigned long long)len, sk);
}

enum lien_status
ed25519_verify(const uint8_t sig[ED25519_SIG_LEN], const void *msg,
    size_t len, const uint8_t pk[ED25519_PK_LEN])
{
	static const uint8_t empty;

	if (crypto_sign_verify_detached(sig, len > 0 ? msg : &empty,
	    (unsigned long long)len, pk) != 0)
		return LIEN_EVERIFY;
	return LIEN_OK;
}

enum lien_status
ed25519_pk_check(const uint8_t pk[ED25519_PK_LEN])
{
	return crypto_core_ed25519_is_valid_point(pk) == 1 ? LIEN_OK :
	    LIEN_EKEY;
}

void *
secret_alloc(size_t len)
{
	if (len == 0 || len > SIZE_MAX - SECRET_ALIGN)
		return NULL;
	len = (len + SECRET_ALIGN - 1) / SECRET_ALIGN * SECRET_ALIGN;
	return sodium_malloc(len);
}

void
secret_free(void *p)
{
	/* sodium_free wipes the block, checks the canary, and accepts NULL. */
	sodium_free(p);
}

void
secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		sodium_memzero(p, len);
}

int
secret_equal(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return 1;
	return sodium_memcmp(a, b, len) == 0;
}
