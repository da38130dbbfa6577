/*
 * Ed25519 (RFC 8032) through libsodium, plus the secret-memory helpers every
 * module uses for private keys.
 *
 * Acceptance rules are libsodium 1.0.18's crypto_sign_verify_detached:
 * canonical S (< L) required, small-order A and R rejected, non-canonical
 * A/R encodings rejected. docs/ed25519.md pins them with vectors.
 */
#ifndef LIEN_CRYPTO_SIGN_H
#define LIEN_CRYPTO_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

#define ED25519_PK_LEN 32u
#define ED25519_SEED_LEN 32u
#define ED25519_SK_LEN 64u	/* libsodium form: seed || public key */
#define ED25519_SIG_LEN 64u

/* Initialise libsodium and pre-fetch OpenSSL algorithms. Call once from
 * main before threads start; safe to call again. */
enum lien_status lcrypto_init(void) LIEN_MUST_CHECK;

/* Fill out with len cryptographically random bytes. */
void lcrypto_random(void *out, size_t len);

/* New keypair. sk must be secret memory (secret_alloc). */
enum lien_status ed25519_keypair(uint8_t pk[ED25519_PK_LEN],
    uint8_t sk[ED25519_SK_LEN]) LIEN_MUST_CHECK;

/* Expand a 32-byte seed into (pk, sk). */
enum lien_status ed25519_from_seed(const uint8_t seed[ED25519_SEED_LEN],
    uint8_t pk[ED25519_PK_LEN], uint8_t sk[ED25519_SK_LEN]) LIEN_MUST_CHECK;

void ed25519_sign(uint8_t sig[ED25519_SIG_LEN], const void *msg, size_t len,
    const uint8_t sk[ED25519_SK_LEN]);

/* LIEN_OK or LIEN_EVERIFY. */
enum lien_status ed25519_verify(const uint8_t sig[ED25519_SIG_LEN],
    const void *msg, size_t len, const uint8_t pk[ED25519_PK_LEN])
    LIEN_MUST_CHECK;

/* Is pk usable as a long-lived verifier key? LIEN_OK only for a canonical
 * encoding of a point in the prime-order subgroup that is not of small
 * order (libsodium crypto_core_ed25519_is_valid_point); LIEN_EKEY
 * otherwise. Stricter than ed25519_verify, which accepts mixed-order
 * keys: see docs/ed25519.md. */
enum lien_status ed25519_pk_check(const uint8_t pk[ED25519_PK_LEN])
    LIEN_MUST_CHECK;

/* Guarded, mlocked memory for long-lived secrets (sodium_malloc); zeroed
 * on free. secret_free(NULL) is a no-op. */
void *secret_alloc(size_t len);
void secret_free(void *p);

/* Wipe memory the compiler may not optimise away (sodium_memzero). */
void secret_wipe(void *p, size_t len);

/* Constant-time compare: 1 if equal. */
int secret_equal(const void *a, const void *b, size_t len);

#endif
