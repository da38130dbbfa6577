/*
 * Identity commitments and sealed evidence (docs/certificates.md covers
 * certificates; the formats here are in docs/identifiers.md, section
 * "Commitments and sealed evidence").
 *
 * Commitment (hiding, binding; no key needed to verify):
 *   commit = SHA-256("lienlog-commit-v1" || 0x00 || kind || salt || value)
 * with kind one byte (enum seal_kind) and salt 32 bytes. The log holds the
 * commitment; whoever is shown (salt, value) can check it. Salts are
 * random per value (seal_salt_random) unless two commitments must be
 * comparable, e.g. "same owner as the registry holds": then the salt is
 * derived from the value under the registry's sealing key
 * (seal_salt_derive), so only the key holder can link or brute-force them.
 *
 * Sealed box (confidential, authenticated, bound to its record):
 *   sealed = 0x01 || nonce (24, random) || XChaCha20-Poly1305 ciphertext
 *            || tag (16)
 * with libsodium's crypto_aead_xchacha20poly1305_ietf and associated data
 * 0x01 || ad, where ad is what the caller binds the box to (record id,
 * commitment). A bound box (seal_box_bound) stores no nonce:
 *   sealed = 0x02 || ciphertext || tag (16), associated data 0x02 || ad,
 *   nonce = BLAKE2b-192("lienlog-seal-nonce-v1" || 0x00 || 0x02 || ad)
 * for callers whose ad holds a fresh random value per box. Opening with
 * another key, another ad, or any changed byte is LIEN_EVERIFY. The
 * 32-byte key lives in secret memory.
 */
#ifndef LIEN_CRYPTO_SEAL_H
#define LIEN_CRYPTO_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"

#define SEAL_KEY_LEN 32u
#define SEAL_SALT_LEN 32u
#define SEAL_COMMIT_LEN 32u
#define SEAL_NONCE_LEN 24u
#define SEAL_TAG_LEN 16u
#define SEAL_VERSION 1u
#define SEAL_VERSION_BOUND 2u	/* seal_box_bound: the nonce from ad */
/* sealed length = plaintext length + SEAL_OVERHEAD (seal_box), or
 * + SEAL_BOUND_OVERHEAD (seal_box_bound) */
#define SEAL_OVERHEAD (1u + SEAL_NONCE_LEN + SEAL_TAG_LEN)
#define SEAL_BOUND_OVERHEAD (1u + SEAL_TAG_LEN)
#define SEAL_SEALED_MAX (SEAL_PLAIN_MAX + SEAL_OVERHEAD)

/* What a commitment commits to. The byte is inside the hash, so a phone
 * commitment can never be passed off as an ID-number commitment. Values
 * are append-only. */
enum seal_kind {
	SEAL_KIND_CITIZEN_ID = 1,	/* GB 11643 ID number, 18 chars */
	SEAL_KIND_NAME = 2,		/* personal name, UTF-8 */
	SEAL_KIND_PHONE = 3,		/* phone number, E.164 text */
	SEAL_KIND_REQUEST = 4,		/* a whole signed request */
	SEAL_KIND_TOKEN = 5,		/* a face-ID or SMS token */
	SEAL_KIND_OTHER = 6,		/* any other personal datum */
};

/* ---- commitments ------------------------------------------------------- */

/* 32 random bytes. */
void seal_salt_random(uint8_t salt[SEAL_SALT_LEN]);

/* commit = SHA-256("lienlog-commit-v1" || 0x00 || kind || salt || value).
 * value may be empty. LIEN_EINVAL for an unknown kind, LIEN_ETOOBIG above
 * SEAL_PLAIN_MAX; out is zeroed on failure. */
enum lien_status seal_commit(enum seal_kind kind,
    const uint8_t salt[SEAL_SALT_LEN], const void *value, size_t len,
    uint8_t out[SEAL_COMMIT_LEN]) LIEN_MUST_CHECK;

/* Recompute and compare in constant time. LIEN_OK or LIEN_EVERIFY (also
 * for an unknown kind or oversize value: nothing verifies then). */
enum lien_status seal_commit_verify(const uint8_t commit[SEAL_COMMIT_LEN],
    enum seal_kind kind, const uint8_t salt[SEAL_SALT_LEN],
    const void *value, size_t len) LIEN_MUST_CHECK;

/* ---- keys -------------------------------------------------------------- */

struct seal_key;

/* Load a 32-byte key (copied into secret memory; the caller wipes
 * theirs). *out: caller frees with seal_key_free. LIEN_EINVAL for a wrong
 * length, LIEN_ENOMEM. */
enum lien_status seal_key_new(const uint8_t *key, size_t len,
    struct seal_key **out) LIEN_MUST_CHECK;

/* A fresh random key. */
enum lien_status seal_key_generate(struct seal_key **out) LIEN_MUST_CHECK;

/* Wipes and frees; NULL is a no-op. */
void seal_key_free(struct seal_key *key);

/* Deterministic salt for comparable commitments:
 * salt = BLAKE2b-256(key = K_salt, "lienlog-salt-v1" || 0x00 || kind ||
 * value), where K_salt = BLAKE2b-256(key = K, "lienlog-salt-key-v1") is
 * derived once when the key is loaded (the AEAD never sees K_salt).
 * LIEN_EINVAL for an unknown kind, LIEN_ETOOBIG above SEAL_PLAIN_MAX. */
enum lien_status seal_salt_derive(const struct seal_key *key,
    enum seal_kind kind, const void *value, size_t len,
    uint8_t salt[SEAL_SALT_LEN]) LIEN_MUST_CHECK;

/* Keyed identifier (docs/privacy.md "Identifiers and keys"):
 * out = BLAKE2b-256(key = K_salt, label || 0x00 || parts...), K_salt the
 * key's derived subkey above (the AEAD key never keys it). label is
 * NUL-terminated ASCII of 1..64 bytes; the parts are concatenated as
 * given (the caller separates variable-length ones). Deterministic: the
 * same key, label and bytes give the same identifier, and without the
 * key nobody can compute or test one. LIEN_EINVAL for a bad argument,
 * LIEN_ETOOBIG when the parts exceed SEAL_PLAIN_MAX; out is zeroed on
 * failure. */
#define SEAL_REF_LEN 32u
#define SEAL_REF_LABEL_MAX 64u
enum lien_status seal_key_ref(const struct seal_key *key, const char *label,
    const struct hash_part *parts, size_t nparts, uint8_t out[SEAL_REF_LEN])
    LIEN_MUST_CHECK;

/* ---- sealed boxes ------------------------------------------------------ */

/* Seal len bytes of plain, bound to ad (0..SEAL_AD_MAX bytes), into out
 * (cap bytes); *out_len = len + SEAL_OVERHEAD. A fresh random nonce per
 * call. LIEN_ETOOBIG when len > SEAL_PLAIN_MAX, ad_len > SEAL_AD_MAX or
 * cap is short; LIEN_ECRYPTO on a library failure. On failure out is
 * zeroed up to cap and *out_len is 0. out must not overlap plain. */
enum lien_status seal_box(const struct seal_key *key, const void *ad,
    size_t ad_len, const void *plain, size_t len, uint8_t *out, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK;

/* seal_box without a stored nonce: the nonce is BLAKE2b-192 of the
 * domain and the associated data (above), *out_len = len +
 * SEAL_BOUND_OVERHEAD. Only for an ad that never repeats under one key
 * with another plaintext: it must hold a fresh random value per box (the
 * evidence's ad holds its private record's 32-byte random salt; the
 * very same plaintext sealed again under the same ad gives the very same
 * box). Statuses and outputs as seal_box's. */
enum lien_status seal_box_bound(const struct seal_key *key, const void *ad,
    size_t ad_len, const void *plain, size_t len, uint8_t *out, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK;

/* Open a sealed box made by seal_box or seal_box_bound with the same key
 * and ad. *out_len = len - SEAL_OVERHEAD (or SEAL_BOUND_OVERHEAD, by the
 * box's version byte). LIEN_EVERIFY if the box does not
 * authenticate (tampered, wrong key, wrong ad, truncated below the
 * overhead); LIEN_EUNSUPPORTED for another version byte; LIEN_ETOOBIG when
 * len > SEAL_SEALED_MAX, ad_len > SEAL_AD_MAX or cap is short. On failure
 * out is zeroed up to cap (no unauthenticated plaintext ever escapes) and
 * *out_len is 0. */
enum lien_status seal_open(const struct seal_key *key, const void *ad,
    size_t ad_len, const uint8_t *sealed, size_t len, uint8_t *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK;

#endif
