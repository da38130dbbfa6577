/*
 * SHA-256 and the RFC 6962 / RFC 9162 Merkle hashing primitives.
 *
 * Backed by OpenSSL with a pre-fetched EVP_MD and one reused EVP_MD_CTX per
 * thread: ~3x faster than one-shot SHA256() for the 65-byte node hashes that
 * dominate Merkle work. All functions are thread-safe.
 */
#ifndef LIEN_CRYPTO_HASH_H
#define LIEN_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_LEN 32u

/* SHA-256 of len bytes at p into out. */
void hash_sha256(const void *p, size_t len, uint8_t out[HASH_LEN]);

/* SHA-256 of the concatenation of n (ptr, len) parts. */
struct hash_part {
	const void *p;
	size_t len;
};
void hash_sha256_parts(const struct hash_part *parts, size_t n,
    uint8_t out[HASH_LEN]);

/* RFC 6962 2.1: leaf hash = SHA-256(0x00 || entry). */
void hash_leaf(const uint8_t *entry, size_t len, uint8_t out[HASH_LEN]);

/* RFC 6962 2.1: interior hash = SHA-256(0x01 || left || right).
 * out may alias left or right. */
void hash_node(const uint8_t left[HASH_LEN], const uint8_t right[HASH_LEN],
    uint8_t out[HASH_LEN]);

/* Constant-time equality of two hashes: 1 if equal. */
int hash_equal(const uint8_t a[HASH_LEN], const uint8_t b[HASH_LEN]);

#endif
