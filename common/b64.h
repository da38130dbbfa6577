/*
 * Standard base64 (RFC 4648 section 4, with padding), strict: decoding
 * rejects whitespace, missing or extra padding, and non-zero pad bits, so
 * every value has exactly one accepted encoding.
 */
#ifndef LIEN_COMMON_B64_H
#define LIEN_COMMON_B64_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

#define B64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)

/* Writes B64_ENCODED_LEN(len) chars plus a NUL into out (cap bytes).
 * LIEN_ETOOBIG when cap is too small. */
enum lien_status b64_encode(const uint8_t *in, size_t len, char *out,
    size_t cap) LIEN_MUST_CHECK;

/* Decodes canonical base64 into out (cap bytes), *out_len = bytes written.
 * LIEN_EPARSE for any non-canonical input, LIEN_ETOOBIG if cap is short.
 * On failure out is zeroed up to cap. */
enum lien_status b64_decode(const char *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK;

#endif
