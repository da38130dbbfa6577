/*
 * Idempotency keys (draft-ietf-httpapi-idempotency-key-header, "the
 * draft"; docs/api-registration.md "Retries and Idempotency-Key").
 *
 * lienlog publishes one fixed key format, as the draft's security section
 * asks: a UUID version 7 (RFC 9562 5.7) in its lowercase 36-character
 * text form, sent as an RFC 8941 sf-string:
 *
 *     Idempotency-Key: "0190a6e4-3b5c-7d2e-9f10-2a3b4c5d6e7f"
 *
 * Why UUIDv7 and not any string: its first 48 bits are the Unix time in
 * milliseconds at which the client made the key. The server stores a used
 * key under be64(that time) || SHA-256(signer, key), so its table is
 * ordered by time like the nonce table (new keys append at the end, keys
 * expire from the front, a batch touches one or two B-tree pages), and a
 * retry -- which carries the same key, hence the same time -- finds its
 * record with one exact lookup. The time also makes expiry a function of
 * the key alone: a key older than the documented period is refused
 * without any stored record (registry/registry.h REG_IDEM_KEEP_MS).
 *
 * Pure text code except idemkey_generate (randomness, crypto/sign.h).
 */
#ifndef LIEN_CRYPTO_IDEMKEY_H
#define LIEN_CRYPTO_IDEMKEY_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

#define IDEMKEY_LEN 36u			/* 8-4-4-4-12 lowercase hex */
#define IDEMKEY_FIELD_LEN (IDEMKEY_LEN + 2u)	/* with the quotes */
/* Largest UUIDv7 time: 48 bits of milliseconds. */
#define IDEMKEY_TIME_MAX ((1ull << 48) - 1)

/* A fresh key for time now_ms (Unix ms, < 2^48): version 7, variant 10,
 * 74 random bits. out: IDEMKEY_LEN characters + NUL. LIEN_EINVAL if
 * now_ms does not fit. */
enum lien_status idemkey_generate(uint64_t now_ms,
    char out[IDEMKEY_LEN + 1]) LIEN_MUST_CHECK;

/* Check that (s, len) is a key in the published form -- exactly
 * IDEMKEY_LEN characters, lowercase hex with hyphens at 8, 13, 18 and 23,
 * version digit '7', variant digit one of 8 9 a b -- and give its time
 * (the first 48 bits, Unix ms) in *time_ms. LIEN_EPARSE otherwise
 * (*time_ms = 0). Upper-case hex is refused: one spelling per key. */
enum lien_status idemkey_parse(const char *s, size_t len, uint64_t *time_ms)
    LIEN_MUST_CHECK;

/* The Idempotency-Key field value (s, len) as received (surrounding
 * spaces already removed by the HTTP parser): exactly one RFC 8941
 * sf-string holding a key in the published form, no parameters. On
 * LIEN_OK *key points at the key inside s (IDEMKEY_LEN bytes, borrowed)
 * and *time_ms holds its time. LIEN_EPARSE otherwise. */
enum lien_status idemkey_field_parse(const char *s, size_t len,
    const char **key, uint64_t *time_ms) LIEN_MUST_CHECK;

#endif
