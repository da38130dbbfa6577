/*
 * Internal to ledger/: the stored form of a complete entry bundle (the
 * `bundles` table, docs/storage.md "Entries"), and its reader.
 *
 * A bundle's *body* is what C2SP tlog-tiles serves for it: 256 entries,
 * each a big-endian u16 length then the envelope (docs/entry-format.md).
 * It is stored in BUNDLE_CHUNKS chunks of BUNDLE_CHUNK entries each:
 *
 *   u8 BUNDLE_CHUNKED
 *   then per chunk c (entries c * BUNDLE_CHUNK ...): be32 n, then n bytes,
 *   a pack (ledger/pack.h: PACK_DEFLATE, one zlib stream, or PACK_PLAIN)
 *   of the chunk's body, the entries as in the bundle with the `prev`
 *   field (32 bytes at offset 19) of every entry but the chunk's first
 *   set to zero; the value ends exactly after the last chunk.
 *
 * Why the prevs go: entry j's prev is the RFC 6962 leaf hash of entry
 * j - 1, which the sequencer made it from, so it is a function of the
 * bytes just before it; as stored it was 32 random bytes per entry that
 * no deflate shortens. A reader puts each one back by hashing the entry
 * before it (one SHA-256 of ~350 bytes per entry), so what it hands out
 * is the very body the sequencer wrote (the writer checks every prev it
 * drops). A changed entry then reads with a changed successor's prev,
 * and both differ from the tree's stored leaf hashes and the signed
 * checkpoints, which is what the audit compares them with.
 *
 * Why deflate, and why in chunks: the entries of one bundle repeat one
 * another (JSON member names, the signers' key ids and party names, the
 * header's index and time). On the growth benchmark's 10^5 store (Python's
 * zlib) a body of 347 bytes per entry deflates to 81 as one stream with
 * its prevs zeroed, 83 in four streams of 64 entries; a random read of one
 * entry then inflates a quarter of the bundle, not half on average, and
 * hashes at most 63 entries, not 255.
 */
#ifndef LIEN_LEDGER_BUNDLE_H
#define LIEN_LEDGER_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "tlog/tiles.h"

#define BUNDLE_CHUNKED 0x02u
#define BUNDLE_CHUNK 64u
#define BUNDLE_CHUNKS (TILE_WIDTH / BUNDLE_CHUNK)

/* The stored form of the complete bundle body (body, len) in *buf (grown
 * with realloc, *cap its size; the caller frees *buf), *out_len bytes.
 * body is changed: every prev but each chunk's first is zeroed (each must
 * hold the leaf hash of the entry before it). LIEN_ECORRUPT when body is
 * not exactly TILE_WIDTH length-prefixed entries or a prev is not its
 * predecessor's leaf hash (body then unchanged); LIEN_ENOMEM, LIEN_ECRYPTO
 * (zlib). *out_len is 0 on failure. */
enum lien_status bundle_store(uint8_t *body, size_t len, uint8_t **buf,
    size_t *cap, size_t *out_len) LIEN_MUST_CHECK;

/* One stored bundle being read: each chunk inflated whole when an entry
 * of it is first asked for, the prevs of the entries walked put back.
 * Zero it to start; bundle_read_clear frees it. */
struct bundle_read {
	int valid;		/* bundle names what the chunks hold */
	uint64_t bundle;
	const uint8_t *val;	/* the stored value: borrowed (begin) */
	size_t zoff[BUNDLE_CHUNKS], zlen[BUNDLE_CHUNKS];
	uint8_t *buf[BUNDLE_CHUNKS];	/* owned: chunk bodies */
	size_t cap[BUNDLE_CHUNKS], blen[BUNDLE_CHUNKS];
	int open[BUNDLE_CHUNKS];	/* buf[c] holds chunk c's body */
	unsigned walked[BUNDLE_CHUNKS];	/* entries of c restored */
	size_t next[BUNDLE_CHUNKS];	/* offset of the next one in buf[c] */
	uint32_t off[TILE_WIDTH];
	uint16_t len[TILE_WIDTH];
	uint8_t *body;		/* owned: the whole body (bundle_read_body) */
	size_t body_cap;
};

/* Start reading the stored bundle b (val, len), which must stay where it
 * is, unchanged, until the read is done with it (a read transaction's
 * bytes): its chunks are located, none inflated yet. LIEN_ECORRUPT for an
 * empty value, another format byte, a chunk length past the value or a
 * value that goes on after the last chunk. br is not valid on failure. */
enum lien_status bundle_read_begin(struct bundle_read *br, uint64_t b,
    const uint8_t *val, size_t len) LIEN_MUST_CHECK;

/* Entry k (< TILE_WIDTH) of the begun bundle, its prev restored:
 * borrowed from br, valid until the next bundle_read_begin or
 * bundle_read_clear. LIEN_ECORRUPT for a chunk that pack_open refuses
 * (ledger/pack.h), or that does not hold exactly BUNDLE_CHUNK entries
 * (checked when it is first inflated), an entry after a chunk's first
 * shorter than an envelope's header or whose stored prev is not zero; br
 * is not valid after a failure. LIEN_ENOMEM. */
enum lien_status bundle_read_entry(struct bundle_read *br, unsigned k,
    const uint8_t **out, size_t *out_len) LIEN_MUST_CHECK;

/* The whole restored body (the C2SP bundle), every chunk checked as
 * above: borrowed from br, valid as above. */
enum lien_status bundle_read_body(struct bundle_read *br,
    const uint8_t **body, size_t *body_len) LIEN_MUST_CHECK;

/* Free br's buffers and zero it. */
void bundle_read_clear(struct bundle_read *br);

#endif
