/*
 * Compressed evidence text: what a sealed box's plaintext holds since
 * store format v19 (docs/api-registration.md "Evidence", docs/privacy.md
 * "Compression before sealing").
 *
 * The evidence text of a write (api/reg_int.h: "lienlog-evidence-v2"
 * 0x00 method 0x00 path 0x00 Signature-Input 0x00 Signature 0x00 body)
 * is sealed whole; sealed bytes are ciphertext and cannot be compressed
 * afterwards, so the text is compressed before it is sealed. A sealed
 * plaintext is either
 *   EVZIP_DEFLATE1 (0x01) || varint n || raw deflate (RFC 1951)
 *       of the n-byte text, with the preset dictionary 1
 *       (registry/evzip.c evzip_dict1: the constant parts of the
 *       registry's requests), n = 1..EVZIP_TEXT_MAX; or
 *   the evidence text itself (it starts with 'l', REG_EVIDENCE_TAG;
 *       v18 boxes, and texts deflate does not shorten).
 * Any other first byte is refused (a format this build does not know).
 * varint: unsigned LEB128, minimal, at most 10 bytes.
 *
 * The decoder is bounded: n is checked against EVZIP_TEXT_MAX before
 * anything is allocated, the inflater writes at most n bytes, and a
 * stream that does not end exactly at the input's end with exactly n
 * bytes out is LIEN_ECORRUPT: no input can make it allocate or inflate
 * more than EVZIP_TEXT_MAX (a "zip bomb" is a short error).
 *
 * Pure: bytes in, bytes out (zlib), no global state, thread-safe.
 */
#ifndef LIEN_REGISTRY_EVZIP_H
#define LIEN_REGISTRY_EVZIP_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"

#define EVZIP_DEFLATE1 0x01u
/* The longest evidence text: what api/ seals at most (the plaintext
 * limit of a sealed box). */
#define EVZIP_TEXT_MAX SEAL_PLAIN_MAX

/* Encode the evidence text (text, len), 1..EVZIP_TEXT_MAX bytes, for
 * sealing. *out is malloc'd (caller wipes and frees: it is the secret
 * plaintext): the compressed form when it is shorter and inflates back to
 * exactly (text, len) (checked here, every time), else a copy of the text.
 * LIEN_EINVAL for NULL arguments, len 0 or a text whose first byte is
 * EVZIP_DEFLATE1, LIEN_ETOOBIG above EVZIP_TEXT_MAX, LIEN_ENOMEM. On
 * failure *out is NULL and *out_len 0. */
enum lien_status evzip_encode(const uint8_t *text, size_t len, uint8_t **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* Decode an opened sealed plaintext (p, len) (authenticated, but treat it
 * as untrusted: bounded, strict). *out is malloc'd (caller wipes and
 * frees), NUL-terminated (the NUL not counted): the evidence text. A
 * plaintext starting with 'l' is copied as it is. LIEN_EUNSUPPORTED for
 * any other first byte than EVZIP_DEFLATE1 and 'l'; LIEN_ETOOBIG when the
 * stated length exceeds EVZIP_TEXT_MAX; LIEN_ECORRUPT for an empty input,
 * a bad varint, a zero length, a deflate stream that is malformed,
 * truncated, followed by trailing bytes, or gives another length than
 * stated; LIEN_ENOMEM, LIEN_EINVAL. On failure *out is NULL and *out_len
 * 0. */
enum lien_status evzip_decode(const uint8_t *p, size_t len, uint8_t **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* The preset dictionary (for tests and the benchmark). Borrowed, static. */
const uint8_t *evzip_dict1(size_t *len);

#endif
