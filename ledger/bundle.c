/*
 * The stored form of a complete entry bundle (ledger/bundle.h): the body
 * in four chunks of 64 entries, each with every prev but its first zeroed
 * and kept as a pack (ledger/pack.h); and a reader that inflates a chunk
 * when an entry of it is first asked for and puts the prevs back as it
 * walks.
 *
 * Entry k then costs the inflate of its chunk (a quarter of the bundle)
 * and the leaf hashes of the entries before it in the chunk (~0.3 us
 * each): a random read (a receipt, the evidence route's entry) about a
 * quarter of the whole bundle's cost; the readers in order (the audit,
 * the replay, the served bundle) each chunk once. The walk's offsets are
 * kept, so a second read of the same bundle costs a lookup. Whole chunks,
 * not streams inflated as far as a read goes (as the private packs'
 * are, ledger/log.c pack_get): a chunk read again after another never
 * re-inflates over the prevs already put back, and a chunk is checked
 * (its Adler-32, its 64 entries) before any of its entries is handed out.
 *
 * Not here: which table, the key, the view's cache of one bundle
 * (ledger/log.c), the audit's ring of them (ledger/audit.c).
 */
#include "ledger/bundle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "ledger/pack.h"
#include "tlog/entry.h"

/* The prev field of an envelope (docs/entry-format.md). */
#define PREV_AT 19u

static const uint8_t zero_hash[HASH_LEN];

/* Append (p, n) at *buf + *at (grown). */
static enum lien_status LIEN_MUST_CHECK
put_bytes(uint8_t **buf, size_t *cap, size_t *at, const uint8_t *p, size_t n)
{
	enum lien_status st;

	if (n > SIZE_MAX - *at)
		return LIEN_ENOMEM;
	if ((st = pack_buf_grow(buf, cap, *at + n)) != LIEN_OK)
		return st;
	if (n > 0)
		memcpy(*buf + *at, p, n);
	*at += n;
	return LIEN_OK;
}

enum lien_status
bundle_store(uint8_t *body, size_t len, uint8_t **buf, size_t *cap,
    size_t *out_len)
{
	size_t off[TILE_WIDTH], n[TILE_WIDTH], at = 0, out = 0, zcap = 0, zl;
	uint8_t leaf[HASH_LEN], hdr[4], *z = NULL;
	enum lien_status st;

	*out_len = 0;
	/* Check the whole body before changing a byte of it. */
	for (unsigned j = 0; j < TILE_WIDTH; j++) {
		if (len - at < 2)
			return LIEN_ECORRUPT;
		n[j] = (size_t)body[at] << 8 | body[at + 1];
		off[j] = at + 2;
		if (n[j] > len - off[j])
			return LIEN_ECORRUPT;
		at = off[j] + n[j];
		if (j == 0)
			continue;
		if (n[j] < ENTRY_HEADER_LEN)
			return LIEN_ECORRUPT;
		hash_leaf(body + off[j - 1], n[j - 1], leaf);
		if (!hash_equal(leaf, body + off[j] + PREV_AT))
			return LIEN_ECORRUPT;
	}
	if (at != len)
		return LIEN_ECORRUPT;
	for (unsigned j = 0; j < TILE_WIDTH; j++)
		if (j % BUNDLE_CHUNK != 0)
			memset(body + off[j] + PREV_AT, 0, HASH_LEN);
	hdr[0] = BUNDLE_CHUNKED;
	if ((st = put_bytes(buf, cap, &out, hdr, 1)) != LIEN_OK)
		goto out;
	for (unsigned c = 0; c < BUNDLE_CHUNKS; c++) {
		size_t from = off[c * BUNDLE_CHUNK] - 2;
		size_t to = c + 1 < BUNDLE_CHUNKS ?
		    off[(c + 1) * BUNDLE_CHUNK] - 2 : len;

		if ((st = pack_store(body + from, to - from, 1, &z, &zcap,
		    &zl)) != LIEN_OK)
			goto out;
		st = LIEN_ENOMEM;
		if (zl > UINT32_MAX)
			goto out;
		for (int i = 0; i < 4; i++)
			hdr[i] = (uint8_t)(zl >> (24 - 8 * i));
		if ((st = put_bytes(buf, cap, &out, hdr, 4)) != LIEN_OK ||
		    (st = put_bytes(buf, cap, &out, z, zl)) != LIEN_OK)
			goto out;
	}
	*out_len = out;
	st = LIEN_OK;
out:
	free(z);
	return st;
}

enum lien_status
bundle_read_begin(struct bundle_read *br, uint64_t b, const uint8_t *val,
    size_t len)
{
	size_t at = 1;

	br->valid = 0;
	if (len == 0 || val[0] != BUNDLE_CHUNKED)
		return LIEN_ECORRUPT;
	for (unsigned c = 0; c < BUNDLE_CHUNKS; c++) {
		size_t n = 0;

		if (len - at < 4)
			return LIEN_ECORRUPT;
		for (int i = 0; i < 4; i++)
			n = n << 8 | val[at + (size_t)i];
		at += 4;
		if (n > len - at)
			return LIEN_ECORRUPT;
		br->zoff[c] = at;
		br->zlen[c] = n;
		br->open[c] = 0;
		at += n;
	}
	if (at != len)
		return LIEN_ECORRUPT;
	br->val = val;
	br->bundle = b;
	br->valid = 1;
	return LIEN_OK;
}

/* Chunk c's body in buf[c], walked to its end once to check its shape
 * (exactly BUNDLE_CHUNK entries; the prevs are put back as entries are
 * read). */
static enum lien_status LIEN_MUST_CHECK
chunk_open(struct bundle_read *br, unsigned c)
{
	const uint8_t *b;
	size_t n, at = 0;
	unsigned j;
	enum lien_status st;

	if ((st = pack_open(br->val + br->zoff[c], br->zlen[c], &br->buf[c],
	    &br->cap[c], &b, &n)) != LIEN_OK)
		return st;
	if (b != br->buf[c]) {	/* plain: borrowed from the value */
		if ((st = pack_buf_grow(&br->buf[c], &br->cap[c], n)) !=
		    LIEN_OK)
			return st;
		if (n > 0)
			memcpy(br->buf[c], b, n);
	}
	for (j = 0; j < BUNDLE_CHUNK; j++) {
		size_t e;

		if (n - at < 2)
			return LIEN_ECORRUPT;
		e = (size_t)br->buf[c][at] << 8 | br->buf[c][at + 1];
		if (e > n - at - 2 || (j > 0 && e < ENTRY_HEADER_LEN))
			return LIEN_ECORRUPT;
		at += 2 + e;
	}
	if (at != n)
		return LIEN_ECORRUPT;
	br->blen[c] = n;
	br->walked[c] = 0;
	br->next[c] = 0;
	br->open[c] = 1;
	return LIEN_OK;
}

/* Walk the next entry of open chunk c: its prev put back. */
static enum lien_status LIEN_MUST_CHECK
walk_one(struct bundle_read *br, unsigned c)
{
	unsigned j = br->walked[c], k = c * BUNDLE_CHUNK + j;
	uint8_t *p = br->buf[c], *prev;
	size_t at = br->next[c], n = (size_t)p[at] << 8 | p[at + 1];

	if (j > 0) {
		prev = p + at + 2 + PREV_AT;
		/* one encoding: a stored prev is zero */
		if (memcmp(prev, zero_hash, HASH_LEN) != 0)
			return LIEN_ECORRUPT;
		hash_leaf(p + br->off[k - 1], br->len[k - 1], prev);
	}
	br->off[k] = (uint32_t)(at + 2);
	br->len[k] = (uint16_t)n;
	br->next[c] = at + 2 + n;
	br->walked[c] = j + 1;
	return LIEN_OK;
}

enum lien_status
bundle_read_entry(struct bundle_read *br, unsigned k, const uint8_t **out,
    size_t *out_len)
{
	unsigned c = k / BUNDLE_CHUNK;
	enum lien_status st = LIEN_ECORRUPT;

	*out = NULL;
	*out_len = 0;
	if (!br->valid || k >= TILE_WIDTH)
		return LIEN_ECORRUPT;
	if (!br->open[c] && (st = chunk_open(br, c)) != LIEN_OK)
		goto fail;
	while (br->walked[c] <= k % BUNDLE_CHUNK)
		if ((st = walk_one(br, c)) != LIEN_OK)
			goto fail;
	*out = br->buf[c] + br->off[k];
	*out_len = br->len[k];
	return LIEN_OK;
fail:
	br->valid = 0;
	return st;
}

enum lien_status
bundle_read_body(struct bundle_read *br, const uint8_t **body,
    size_t *body_len)
{
	const uint8_t *p;
	size_t n, at = 0;
	enum lien_status st;

	*body = NULL;
	*body_len = 0;
	for (unsigned c = 0; c < BUNDLE_CHUNKS; c++) {
		if ((st = bundle_read_entry(br, c * BUNDLE_CHUNK +
		    BUNDLE_CHUNK - 1, &p, &n)) != LIEN_OK)
			return st;
		if ((st = put_bytes(&br->body, &br->body_cap, &at, br->buf[c],
		    br->blen[c])) != LIEN_OK)
			return st;
	}
	*body = br->body;
	*body_len = at;
	return LIEN_OK;
}

void
bundle_read_clear(struct bundle_read *br)
{
	for (unsigned c = 0; c < BUNDLE_CHUNKS; c++)
		free(br->buf[c]);
	free(br->body);
	memset(br, 0, sizeof *br);
}
