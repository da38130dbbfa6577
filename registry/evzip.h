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
 *   EVZIP_DEFLATE3 (0x03) || varint n || raw deflate of the text with
 *       its base64 spans taken off (the Signature's bytes, a JWS's
 *       segments: each span the escape byte 0x01 (standard base64,
 *       padded) or 0x02 (base64url, unpadded), varint k >= 1 and the k
 *       bytes it spells; registry/evzip.c "spans"), with the preset
 *       dictionary 1, then dictionary 3 (a JWS header's and claims' names,
 *       evzip_dict3), then the request's context as for EVZIP_DEFLATE2;
 *       the deflated bytes are at most n, and spelled again they are
 *       exactly the n-byte text;
 *   EVZIP_DEFLATE2 (0x02, v21) || varint n || raw deflate (RFC 1951)
 *       of the n-byte text, with the preset dictionary 1 followed by
 *       the request's context (evzip_context: its Signature-Input's
 *       created, nonce and keyid as the private record holds them, so
 *       that those ~100 bytes of the text cost one back-reference);
 *   EVZIP_DEFLATE1 (0x01, v19) || varint n || raw deflate of the
 *       n-byte text, with the preset dictionary 1 alone
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
#define EVZIP_DEFLATE2 0x02u
#define EVZIP_DEFLATE3 0x03u
#define EVZIP_KEYID_LEN 32u
/* The longest context: created= + 20 digits, ;nonce=" + the nonce
 * (an RFC 9421 parameter, HTTPSIG_PARAM_MAX), ";keyid=" + 64 hex
 * digits + ". */
#define EVZIP_CTX_MAX (8u + 20u + 8u + HTTPSIG_PARAM_MAX + 9u + \
	2u * EVZIP_KEYID_LEN + 1u)

/* A request's context (evzip_context). */
struct evzip_ctx {
	uint8_t b[EVZIP_CTX_MAX];
	size_t len;
};

/* The context of a request whose signature parameters are created (>= 0),
 * the nonce (nonce, nonce_len <= HTTPSIG_PARAM_MAX) and the signer's key
 * id: the bytes `created=<created>;nonce="<nonce>";keyid="<64 lowercase
 * hex digits>"`, as a client's Signature-Input spells them
 * (client/regclient.c). Both sides build it from the same values: api/
 * from the request it seals, the evidence route from the private record
 * (evidence.created, evidence.nonce) and the entry's signer key id, which
 * the public entry commits to. The values are the signer's own, so no
 * other party's bytes share the compressed input (docs/privacy.md
 * "Compression before sealing"). LIEN_EINVAL for a negative created, a
 * NULL nonce or keyid, or a nonce over HTTPSIG_PARAM_MAX. */
enum lien_status evzip_context(int64_t created, const char *nonce,
    size_t nonce_len, const uint8_t keyid[EVZIP_KEYID_LEN],
    struct evzip_ctx *out) LIEN_MUST_CHECK;
/* The longest evidence text: what api/ seals at most (the plaintext
 * limit of a sealed box). */
#define EVZIP_TEXT_MAX SEAL_PLAIN_MAX

/* Encode the evidence text (text, len), 1..EVZIP_TEXT_MAX bytes, for
 * sealing: EVZIP_DEFLATE3 with the context ctx (EVZIP_DEFLATE2 for a
 * text that holds one of its escape bytes 0x01, 0x02), or EVZIP_DEFLATE1
 * when ctx is NULL. *out is malloc'd (caller wipes and frees: it is the secret
 * plaintext): the compressed form when it is shorter and inflates back to
 * exactly (text, len) (checked here, every time), else a copy of the text.
 * LIEN_EINVAL for NULL arguments, len 0 or a text whose first byte is
 * EVZIP_DEFLATE1, EVZIP_DEFLATE2 or EVZIP_DEFLATE3, LIEN_ETOOBIG above EVZIP_TEXT_MAX,
 * LIEN_ENOMEM. On failure *out is NULL and *out_len 0. */
enum lien_status evzip_encode(const uint8_t *text, size_t len,
    const struct evzip_ctx *ctx, uint8_t **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* Decode an opened sealed plaintext (p, len) (authenticated, but treat it
 * as untrusted: bounded, strict) with the context of the request it was
 * sealed for (ctx: needed by EVZIP_DEFLATE2 and 3, ignored otherwise; a wrong
 * one gives other bytes of the stated length, or LIEN_ECORRUPT, so
 * both sides build it with evzip_context). *out is malloc'd (caller wipes and
 * frees), NUL-terminated (the NUL not counted): the evidence text. A
 * plaintext starting with 'l' is copied as it is. LIEN_EUNSUPPORTED for
 * any other first byte than EVZIP_DEFLATE1, 2, 3 and 'l';
 * LIEN_EINVAL for EVZIP_DEFLATE2 or 3 without ctx; LIEN_ETOOBIG when the
 * stated length exceeds EVZIP_TEXT_MAX; LIEN_ECORRUPT for an empty input,
 * a bad varint, a zero length, a deflate stream that is malformed,
 * truncated, followed by trailing bytes, or gives another length than
 * stated, and (EVZIP_DEFLATE3) spans that are cut short, of length 0, or
 * spell more or less than the stated length; LIEN_ENOMEM, LIEN_EINVAL. On failure *out is NULL and *out_len
 * 0. */
enum lien_status evzip_decode(const uint8_t *p, size_t len,
    const struct evzip_ctx *ctx, uint8_t **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* The preset dictionary (for tests and the benchmark). Borrowed, static. */
const uint8_t *evzip_dict1(size_t *len);
/* EVZIP_DEFLATE3's own dictionary, used after dict1 (for tests).
 * Borrowed, static. */
const uint8_t *evzip_dict3(size_t *len);

#endif
