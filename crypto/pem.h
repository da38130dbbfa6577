/*
 * RFC 7468 textual encoding, strict: the one PEM reader for certificates,
 * keys, trust bundles and CRLs. A block is exactly
 *
 *   "-----BEGIN " label "-----" EOL
 *   base64 lines of 64 characters, then one last line of 4..64
 *   "-----END " label "-----" [EOL]
 *
 * (section 3, "stricttextualmsg"), with the standard alphabet and
 * canonical padding (common/b64.h), every line a whole number of base64
 * quanta. EOL is LF or CRLF, the same throughout one block; the END label
 * must equal the BEGIN label, which is 1..PEM_LABEL_MAX printable ASCII
 * with single spaces or hyphens between characters (section 3, "label").
 * Refused rather than tolerated: whitespace anywhere else, blank lines,
 * RFC 1421 headers (an encrypted key's Proc-Type / DEK-Info), text
 * before, between or after blocks (explanatory text, "openssl x509 -text"
 * output), lines of other lengths, and an empty body. A bundle is blocks
 * back to back, with only line breaks between them.
 *
 * Bytes in, DER out: no OpenSSL here, so the same reader serves libsodium
 * and OpenSSL callers alike and is fuzzed on its own.
 */
#ifndef LIEN_CRYPTO_PEM_H
#define LIEN_CRYPTO_PEM_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

#define PEM_LABEL_MAX 64u

struct pem_block {
	char label[PEM_LABEL_MAX + 1];	/* NUL-terminated */
	size_t label_len;
	uint8_t *der;		/* owned; pem_block_clear wipes and frees */
	size_t der_len;
};

/* The next block of a bundle, text[*pos..len): line breaks before it are
 * skipped, then exactly one strict block (and its EOL) is read and *pos
 * moves past it. LIEN_OK; LIEN_ENOTFOUND when nothing but line breaks
 * remains (the end of the bundle: *pos = len); LIEN_EPARSE for anything
 * else; LIEN_ETOOBIG when the block's DER would exceed der_max;
 * LIEN_ENOMEM. On failure out is cleared and *pos is unchanged. */
enum lien_status pem_next(const char *text, size_t len, size_t *pos,
    size_t der_max, struct pem_block *out) LIEN_MUST_CHECK
    __attribute__((nonnull(3, 5)));

/* Exactly one block labelled label (NUL-terminated) and nothing else:
 * text starts with its BEGIN line and ends after its END line's optional
 * EOL. *out_der (caller frees; wipe first if it may be a private key)
 * and *out_len as pem_next; on failure *out_der is NULL. */
enum lien_status pem_decode(const char *text, size_t len, const char *label,
    size_t der_max, uint8_t **out_der, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull(3, 5, 6)));

/* The one spelling pem_decode accepts for (label, der): LF line breaks,
 * 64-character lines, a final LF. *out is NUL-terminated (caller frees;
 * wipe first if der is a private key), *out_len excludes the NUL.
 * LIEN_EINVAL for a label outside the grammar or an empty der;
 * LIEN_ENOMEM. */
enum lien_status pem_encode(const char *label, const uint8_t *der,
    size_t der_len, char **out, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull));

/* Wipe and free b's DER; b is left empty. NULL is a no-op. */
void pem_block_clear(struct pem_block *b);

#endif
