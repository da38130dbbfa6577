/*
 * Fuzz target for ledger/bundle.c (a complete entry bundle as stored:
 * four chunks of deflated, prev-less entries), the reader's side.
 *
 * Invariants:
 * - no memory error, no read past size (ASan; the replay driver and
 *   libFuzzer hand over exactly size bytes);
 * - an entry read gives LIEN_OK with at most LEDGER_ENTRY_MAX bytes, or
 *   LIEN_ECORRUPT / LIEN_ENOMEM; no chunk inflates past LEDGER_PACK_MAX;
 * - a body read whole is exactly 256 length-prefixed entries, in which
 *   every entry but each chunk's first has the previous one's leaf hash
 *   as its prev, and entry k read alone is that body's entry k;
 * - the reader refuses after a failure until it is begun again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "ledger/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_read br, one;
	const uint8_t *body, *p;
	size_t blen, n, at = 0, off[TILE_WIDTH], len[TILE_WIDTH];
	uint8_t leaf[HASH_LEN];
	unsigned k = size > 0 ? data[size - 1] : 0;
	enum lien_status st;

	memset(&br, 0, sizeof br);
	memset(&one, 0, sizeof one);
	if (bundle_read_begin(&one, 1, data, size) == LIEN_OK) {
		st = bundle_read_entry(&one, k, &p, &n);
		if (st != LIEN_OK && st != LIEN_ECORRUPT && st != LIEN_ENOMEM)
			abort();
		if (st == LIEN_OK && n > LEDGER_ENTRY_MAX)
			abort();
		if (st == LIEN_ECORRUPT &&
		    bundle_read_entry(&one, k, &p, &n) == LIEN_OK)
			abort();
	}
	if (bundle_read_begin(&br, 1, data, size) != LIEN_OK ||
	    bundle_read_body(&br, &body, &blen) != LIEN_OK)
		goto out;
	for (unsigned j = 0; j < TILE_WIDTH; j++) {
		if (blen - at < 2)
			abort();
		len[j] = (size_t)body[at] << 8 | body[at + 1];
		off[j] = at + 2;
		if (len[j] > blen - off[j])
			abort();
		at = off[j] + len[j];
		if (j % BUNDLE_CHUNK == 0)
			continue;
		if (len[j] < 51)
			abort();
		hash_leaf(body + off[j - 1], len[j - 1], leaf);
		if (memcmp(leaf, body + off[j] + 19, HASH_LEN) != 0)
			abort();
	}
	if (at != blen)
		abort();
	bundle_read_clear(&one);
	if (bundle_read_begin(&one, 1, data, size) != LIEN_OK ||
	    bundle_read_entry(&one, k, &p, &n) != LIEN_OK ||
	    n != len[k] || memcmp(p, body + off[k], n) != 0)
		abort();
out:
	bundle_read_clear(&br);
	bundle_read_clear(&one);
	return 0;
}
