/*
 * The owner's way in (docs/web-owner.md): the owner access code (查询码)
 * that an application's receipt carries for the bank to hand on, and the
 * read-purpose face-ID token.
 *
 * The code names one application and proves the holder was given it:
 *
 *   <index>-XXXX-XXXX-XXXX-XXXX
 *
 * where <index> is the application entry's log index in decimal (public:
 * it is the application id, A + 16 hex digits) and the 16 characters are
 * Crockford base32 of an 80-bit tag
 *
 *   tag = first 10 bytes of seal_salt_derive(K, SEAL_KIND_OTHER,
 *         "lienlog-owner-code-v1" 0x00 <application id>)
 *
 * a keyed BLAKE2b PRF under the server's seal key (crypto/seal.h). So the
 * server stores nothing at all for it (not even a hash: it recomputes the
 * tag), the code is never in the log, a replayed request's receipt carries
 * the same code, and guessing one is a 2^-80 chance per try. It cannot be
 * revoked one by one: rotating the seal key changes every code.
 *
 * The read-purpose face token is a face-ID token (docs/identity.md) from a
 * trusted provider whose nonce is OWNER_READ_NONCE, the SHA-256 of
 * "lienlog-owner-read-v1", instead of an application digest: a token minted
 * for an application cannot be used to read, nor one minted for reading to
 * apply. Its sub is the owner's identity commitment.
 */
#ifndef LIEN_API_OWNER_H
#define LIEN_API_OWNER_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "crypto/seal.h"

#define OWNER_TAG_LEN 10u
#define OWNER_TAG_CHARS 16u
/* 20 digits of a u64, '-', 4 groups of 4 with '-' between, NUL */
#define OWNER_CODE_MAX (20u + 1u + OWNER_TAG_CHARS + 3u + 1u)
#define OWNER_APP_ID_LEN 17u	/* "A" + 16 hex */

/* The code of the application with log index `index` into out
 * (NUL-terminated). LIEN_EINVAL for a NULL key. */
enum lien_status owner_code_make(const struct seal_key *key, uint64_t index,
    char out[OWNER_CODE_MAX]) LIEN_MUST_CHECK;

/* Check a code (len bytes, exactly the canonical spelling: decimal index
 * without leading zeros, upper-case Crockford digits, three '-' in the
 * tag) and give the application id it names (NUL-terminated). The tag is
 * compared in constant time. LIEN_OK, LIEN_EPARSE (not a code),
 * LIEN_EVERIFY (wrong tag). */
enum lien_status owner_code_check(const struct seal_key *key, const char *code,
    size_t len, char app_id[OWNER_APP_ID_LEN + 1]) LIEN_MUST_CHECK;

/* SHA-256("lienlog-owner-read-v1"): the nonce of read-purpose tokens. */
void owner_read_nonce(uint8_t out[32]);

#endif
