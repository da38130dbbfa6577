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

/* Make the realloc'd buffer *buf (*cap bytes; NULL and 0 to start) hold
 * at least need bytes, its contents kept; the caller frees *buf.
 * LIEN_ENOMEM (*buf and *cap unchanged). Shared by ledger/'s packs,
 * bundles and the sequencer's scratch buffers. */
enum lien_status pack_buf_grow(uint8_t **buf, size_t *cap, size_t need)
    LIEN_MUST_CHECK;

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

/* A PACK_DEFLATE pack read only as far as its reader needs (a read
 * view's reads, ledger/log.c pack_get): the evidence route and an
 * idempotent retry's receipt read one record of a pack, the audit reads
 * them all in order; inflating up to the record read halves the first's
 * cost on average and leaves the second's as it was. Owned by the view;
 * reused from pack to pack (inflateReset). */
struct pack_stream;

/* Begin reading the stored pack (val, len), a PACK_DEFLATE value that
 * must stay where it is, unchanged, until the next begin or
 * pack_stream_free (a read transaction's bytes): checks the header as
 * pack_open does, sizes *buf (grown with realloc, *cap its size; the
 * caller frees *buf) to the stated body length *total and inflates
 * nothing yet. *zs is made at the first call (NULL before). LIEN_EINVAL
 * for another format byte (read a plain pack with pack_open),
 * LIEN_ECORRUPT as pack_open, LIEN_ENOMEM, LIEN_ECRYPTO (zlib failed to
 * set up); *total is 0 on failure. */
enum lien_status pack_stream_begin(struct pack_stream **zs,
    const uint8_t *val, size_t len, uint8_t **buf, size_t *cap,
    size_t *total) LIEN_MUST_CHECK;
/* Inflate the begun pack on into buf (the *buf of the begin) until at
 * least need bytes of its body are there (need <= the body length),
 * and a few KiB more if the body has them; *have is how many are
 * (never fewer than before). What is inflated is the body's prefix;
 * once the body's end is reached the stream is checked as pack_open
 * checks it (exactly one stream of the stated length, ending at the
 * value's end, its Adler-32 matching), so a reader of the last record
 * checks the whole pack and a reader of an earlier one only what lies
 * before it (the private record read is checked against the entry's
 * commitment by its readers). LIEN_ECORRUPT for a stream that is
 * malformed, cut short, longer or shorter than stated, or need past the
 * body (and every call after one failed); LIEN_ENOMEM. */
enum lien_status pack_stream_more(struct pack_stream *zs, uint8_t *buf,
    size_t need, size_t *have) LIEN_MUST_CHECK;
/* Frees zs (NULL: nothing). */
void pack_stream_free(struct pack_stream *zs);

#endif
