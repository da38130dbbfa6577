/*
 * Lowercase hexadecimal, the one spelling the project writes and reads
 * (key ids, hashes, fingerprints, application ids, JSON \u00XX escapes):
 * two digits per byte from "0123456789abcdef", big-endian for numbers.
 * Decoders take exactly that: no upper case, no "0x", no separators, the
 * exact length, so every value has one accepted spelling. The only
 * upper-case reader is hex_value_upper, for percent-encoding as nginx
 * writes it (httpd/proxy.c).
 *
 * Digits are mapped with arithmetic, not table lookups or branches on the
 * value, so hex of a secret does not index memory by secret bytes.
 */
#ifndef LIEN_COMMON_HEX_H
#define LIEN_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

/* Bytes of lowercase hex for n bytes, without the NUL. */
#define HEX_LEN(n) (2u * (n))

/* The lowercase digit of v & 15. */
char hex_char(unsigned v);

/* Value 0..15 of one lowercase digit, -1 for any other byte. */
int hex_value(int c);

/* Value 0..15 of one upper-case digit, -1 for any other byte. */
int hex_value_upper(int c);

/* Write HEX_LEN(n) digits of in[0..n) and a NUL to out (HEX_LEN(n) + 1
 * bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out)
    __attribute__((nonnull));

/* Decode s[0..len), which must be exactly HEX_LEN(n) lowercase digits,
 * into out[0..n). LIEN_OK, or LIEN_EPARSE with out zeroed. */
enum lien_status hex_decode(const char *s, size_t len, uint8_t *out,
    size_t n) LIEN_MUST_CHECK __attribute__((nonnull(3)));

/* The low 4 * ndigits bits of v as exactly ndigits (1..16) digits, most
 * significant first, into out (no NUL). */
void hex_u64_put(uint64_t v, unsigned ndigits, char *out)
    __attribute__((nonnull));

/* Exactly len (1..16) lowercase digits, leading zeros included (these are
 * fixed-width fields). LIEN_OK, or LIEN_EPARSE with *out = 0. */
enum lien_status hex_u64_get(const char *s, size_t len, uint64_t *out)
    LIEN_MUST_CHECK __attribute__((nonnull(3)));

#endif
