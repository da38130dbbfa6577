/*
 * Internal to ledger/: the stored form of a pack, the one record that
 * holds the private records (or the sealed boxes) of a complete entry
 * bundle (ledger/log.c "Derived state", docs/storage.md "Packs").
 *
 * A pack's *body* is its records in index order, each u8 (index % 256)
 * || be32 length || bytes. Its stored value (store v23) is a format byte,
 * then:
 *
 *   PACK_PLAIN    the body itself
 *   PACK_DEFLATE  be32 body length (<= LEDGER_PACK_MAX), then the body as
 *                 one zlib stream (RFC 1950: deflate and an Adler-32 of
 *                 the body) that ends exactly at the value's end and
 *                 gives exactly that many bytes
 *
 * The private records of one bundle repeat one another (the structure,
 * the banks and their key ids, the face verifier): deflated as one stream
 * the pack is about three quarters of its body (docs/storage.md "v23").
 * Sealed boxes are ciphertext and stay plain.
 */
#ifndef LIEN_LEDGER_PACK_H
#define LIEN_LEDGER_PACK_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

#define PACK_PLAIN 0x00u
#define PACK_DEFLATE 0x01u
/* format byte + be32 body length */
#define PACK_DEFLATE_HDR 5u

/* The stored form of the body (body, len) in *buf (grown with realloc,
 * *cap its size; the caller frees *buf), *out_len bytes: PACK_DEFLATE
 * when squeeze is set, len <= LEDGER_PACK_MAX, the stream is shorter than
 * the body and inflates back to it (checked here), else PACK_PLAIN.
 * LIEN_ENOMEM, LIEN_ECRYPTO (zlib failed to set up); *out_len is 0 on
 * failure. */
enum lien_status pack_store(const uint8_t *body, size_t len, int squeeze,
    uint8_t **buf, size_t *cap, size_t *out_len) LIEN_MUST_CHECK;

/* The body of the stored pack (val, len): a PACK_PLAIN body is borrowed
 * from val; a PACK_DEFLATE one is inflated into *buf (grown with realloc,
 * *cap its size; the caller frees *buf) and borrowed from there, valid
 * until *buf is next used. LIEN_ECORRUPT for an empty value, an unknown
 * format byte, a stated length of 0 or over LEDGER_PACK_MAX, or a stream
 * that is not exactly one stream of that length ending at the value's
 * end; LIEN_ENOMEM. *body is NULL and *body_len 0 on failure. */
enum lien_status pack_open(const uint8_t *val, size_t len, uint8_t **buf,
    size_t *cap, const uint8_t **body, size_t *body_len) LIEN_MUST_CHECK;

#endif
