/*
 * The stored form of a complete entry bundle (ledger/bundle.c): stored
 * in four chunks with their prevs zeroed and deflated, it reads back as
 * the very body the sequencer wrote, entry by entry in any order and
 * whole; a body that is not 256 chained entries is not stored; an empty,
 * truncated, trailing, bit-flipped or oversize stored value, a chunk of
 * another number of entries, a stored prev that is not zero and an entry
 * too short for its prev are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "ledger/bundle.h"
#include "ledger/pack.h"
#include "tlog/entry.h"

#define PREV_AT 19u

/* A chained bundle body: 256 envelopes from index base, each payload
 * plen bytes like a registry entry's (a shape, then rnd random bytes),
 * each prev the leaf hash of the one before. */
static uint8_t *
body_make(uint64_t base, size_t plen, size_t rnd, size_t *len)
{
	size_t cap = TILE_WIDTH * (2 + ENTRY_HEADER_LEN + plen), off = 0, n;
	uint8_t *b = malloc(cap), *pay = malloc(plen), last[HASH_LEN];
	uint32_t x = 777;
	struct entry e;

	assert_non_null(b);
	assert_non_null(pay);
	memset(&e, 0, sizeof e);
	memset(last, 0xab, sizeof last);	/* the previous bundle's */
	for (unsigned i = 0; i < TILE_WIDTH; i++) {
		for (size_t j = 0; j < plen; j++) {
			x = x * 1103515245u + 12345u;
			pay[j] = j + rnd >= plen ? (uint8_t)(x >> 16) :
			    (uint8_t)("{\"step\":\"apply\",\"v\":2}"[j % 22]);
		}
		e.index = base + i;
		e.time_ms = 1700000000000u + i * 7u;
		e.type = 21;
		memcpy(e.prev, last, HASH_LEN);
		e.payload = pay;
		e.payload_len = plen;
		assert_int_equal(entry_encode(&e, b + off + 2, cap - off - 2,
		    &n), LIEN_OK);
		b[off] = (uint8_t)(n >> 8);
		b[off + 1] = (uint8_t)n;
		hash_leaf(b + off + 2, n, last);
		off += 2 + n;
	}
	free(pay);
	*len = off;
	return b;
}

/* The stored form of body (left unchanged here: a copy is stored). */
static uint8_t *
stored(const uint8_t *body, size_t len, size_t *slen)
{
	uint8_t *work = malloc(len), *s = NULL;
	size_t cap = 0;

	assert_non_null(work);
	memcpy(work, body, len);
	assert_int_equal(bundle_store(work, len, &s, &cap, slen), LIEN_OK);
	free(work);
	return s;
}

/* The body read whole from the stored value (v, vlen); *st its status. */
static enum lien_status
read_body(struct bundle_read *br, const uint8_t *v, size_t vlen,
    const uint8_t **b, size_t *blen)
{
	enum lien_status st;

	*b = NULL;
	*blen = 0;
	if ((st = bundle_read_begin(br, 7, v, vlen)) != LIEN_OK)
		return st;
	return bundle_read_body(br, b, blen);
}

/* Stored deflated, much shorter than the body (the prevs are gone, the
 * entries' shape repeats), and read back: the body whole and every entry
 * in a scattered order, each the body's own bytes with its prev. */
static void
test_bundle_round_trip(void **state)
{
	size_t len, slen, blen, n;
	uint8_t *body = body_make(256, 280, 60, &len), *s;
	const uint8_t *b, *p;
	struct bundle_read br;

	(void)state;
	memset(&br, 0, sizeof br);
	s = stored(body, len, &slen);
	assert_int_equal(s[0], BUNDLE_CHUNKED);
	/* 32 random prev bytes and 60 random payload bytes per entry:
	 * deflate alone (prevs kept) cannot go below ~92 per entry */
	assert_true(slen < TILE_WIDTH * 90u);
	assert_int_equal(bundle_read_begin(&br, 1, s, slen), LIEN_OK);
	for (unsigned i = 0; i < TILE_WIDTH; i++) {
		unsigned k = (i * 97u + 13u) % TILE_WIDTH;
		size_t at = 0;

		assert_int_equal(bundle_read_entry(&br, k, &p, &n), LIEN_OK);
		for (unsigned j = 0; j < k; j++)
			at += 2 + ((size_t)body[at] << 8 | body[at + 1]);
		assert_int_equal(n, (size_t)body[at] << 8 | body[at + 1]);
		assert_memory_equal(p, body + at + 2, n);
	}
	assert_int_equal(bundle_read_body(&br, &b, &blen), LIEN_OK);
	assert_int_equal(blen, len);
	assert_memory_equal(b, body, len);
	/* a second bundle through the same reader */
	bundle_read_clear(&br);
	assert_int_equal(read_body(&br, s, slen, &b, &blen), LIEN_OK);
	assert_memory_equal(b, body, len);
	bundle_read_clear(&br);
	free(s);
	free(body);
}

/* Chunk c of the stored value (s, slen): its pack in *z, *zl. */
static void
chunk_of(const uint8_t *s, size_t slen, unsigned c, const uint8_t **z,
    size_t *zl)
{
	size_t at = 1, n = 0;

	assert_int_equal(s[0], BUNDLE_CHUNKED);
	for (unsigned i = 0; i <= c; i++) {
		assert_true(slen - at >= 4);
		n = (size_t)s[at] << 24 | (size_t)s[at + 1] << 16 |
		    (size_t)s[at + 2] << 8 | s[at + 3];
		at += 4;
		*z = s + at;
		*zl = n;
		at += n;
	}
}

/* The stored value with every chunk stored PACK_PLAIN: the form a body
 * deflate cannot shorten takes. */
static uint8_t *
replain(const uint8_t *s, size_t slen, size_t *out_len)
{
	uint8_t *o = malloc(1 + BUNDLE_CHUNKS * 4 + TILE_WIDTH * 1024);
	size_t at = 1;

	assert_non_null(o);
	o[0] = BUNDLE_CHUNKED;
	for (unsigned c = 0; c < BUNDLE_CHUNKS; c++) {
		const uint8_t *z, *b;
		uint8_t *buf = NULL;
		size_t zl, cap = 0, n;

		chunk_of(s, slen, c, &z, &zl);
		assert_int_equal(pack_open(z, zl, &buf, &cap, &b, &n), LIEN_OK);
		for (int i = 0; i < 4; i++)
			o[at + (size_t)i] = (uint8_t)((n + 1) >> (24 - 8 * i));
		o[at + 4] = PACK_PLAIN;
		memcpy(o + at + 5, b, n);
		at += 5 + n;
		free(buf);
	}
	*out_len = at;
	return o;
}

/* What is stored holds no prev but each chunk's first: the chunks'
 * bodies are the bundle's 64-entry runs with the other prevs zero. */
static void
test_bundle_prevs_dropped(void **state)
{
	size_t len, slen, at = 0;
	uint8_t *body = body_make(1024, 100, 10, &len), *s;
	static const uint8_t zero[HASH_LEN];

	(void)state;
	s = stored(body, len, &slen);
	for (unsigned c = 0; c < BUNDLE_CHUNKS; c++) {
		const uint8_t *z, *b;
		uint8_t *buf = NULL;
		size_t zl, cap = 0, blen, bat = 0;

		chunk_of(s, slen, c, &z, &zl);
		assert_int_equal(z[0], PACK_DEFLATE);
		assert_int_equal(pack_open(z, zl, &buf, &cap, &b, &blen),
		    LIEN_OK);
		for (unsigned j = 0; j < BUNDLE_CHUNK; j++) {
			size_t n = (size_t)b[bat] << 8 | b[bat + 1];

			if (j == 0)
				assert_memory_equal(b + bat + 2 + PREV_AT,
				    body + at + 2 + PREV_AT, HASH_LEN);
			else
				assert_memory_equal(b + bat + 2 + PREV_AT,
				    zero, HASH_LEN);
			/* everything else as written */
			assert_memory_equal(b + bat, body + at, 2 + PREV_AT);
			assert_memory_equal(b + bat + 2 + PREV_AT + HASH_LEN,
			    body + at + 2 + PREV_AT + HASH_LEN,
			    n - PREV_AT - HASH_LEN);
			at += 2 + n;
			bat += 2 + n;
		}
		assert_int_equal(bat, blen);
		free(buf);
	}
	assert_int_equal(at, len);
	free(s);
	free(body);
}

/* The writer stores only 256 chained entries, and leaves a body it
 * refuses as it was. */
static void
test_bundle_store_refusals(void **state)
{
	size_t len, slen, cap = 0, second;
	uint8_t *body = body_make(1024, 40, 40, &len), *copy, *s = NULL;

	(void)state;
	assert_non_null(copy = malloc(len + 1));
	second = 2 + ((size_t)body[0] << 8 | body[1]);
	/* a broken chain: entry 1's prev */
	memcpy(copy, body, len);
	copy[second + 2 + PREV_AT + 5] ^= 1;
	assert_int_equal(bundle_store(copy, len, &s, &cap, &slen),
	    LIEN_ECORRUPT);
	assert_int_equal(slen, 0);
	assert_int_equal(memcmp(copy, body, second + 2 + PREV_AT + 5), 0);
	/* entry 0 changed: entry 1's prev is no longer its hash */
	memcpy(copy, body, len);
	copy[2 + ENTRY_HEADER_LEN] ^= 1;
	assert_int_equal(bundle_store(copy, len, &s, &cap, &slen),
	    LIEN_ECORRUPT);
	/* cut short, a byte more, empty */
	memcpy(copy, body, len);
	assert_int_equal(bundle_store(copy, len - 1, &s, &cap, &slen),
	    LIEN_ECORRUPT);
	copy[len] = 0;
	assert_int_equal(bundle_store(copy, len + 1, &s, &cap, &slen),
	    LIEN_ECORRUPT);
	assert_int_equal(bundle_store(copy, 0, &s, &cap, &slen),
	    LIEN_ECORRUPT);
	assert_memory_equal(copy, body, len);
	free(s);
	free(copy);
	free(body);
}

/* Every truncation, trailing bytes and every bit flip of a deflated
 * bundle: refused, or (a flip of a padding bit of deflate's last byte)
 * the very same body; an empty value and an unknown format byte too. */
static void
test_bundle_damage(void **state)
{
	size_t len, slen, blen;
	uint8_t *body = body_make(512, 8, 2, &len), *s, *t;
	const uint8_t *b;
	struct bundle_read br;
	enum lien_status st;

	(void)state;
	memset(&br, 0, sizeof br);
	s = stored(body, len, &slen);
	assert_int_equal(s[0], BUNDLE_CHUNKED);
	assert_int_equal(read_body(&br, s, slen, &b, &blen), LIEN_OK);
	assert_int_equal(read_body(&br, s, 0, &b, &blen), LIEN_ECORRUPT);
	for (size_t n = 1; n < slen; n++)
		assert_int_equal(read_body(&br, s, n, &b, &blen),
		    LIEN_ECORRUPT);
	assert_non_null(t = malloc(slen + 1));
	memcpy(t, s, slen);
	t[slen] = 0;
	assert_int_equal(read_body(&br, t, slen + 1, &b, &blen),
	    LIEN_ECORRUPT);
	for (unsigned f = 0; f < 256; f++) {
		if (f == BUNDLE_CHUNKED)
			continue;
		t[0] = (uint8_t)f;
		assert_int_equal(read_body(&br, t, slen, &b, &blen),
		    LIEN_ECORRUPT);
	}
	for (size_t i = 0; i < slen; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(t, s, slen);
			t[i] ^= (uint8_t)(1u << bit);
			st = read_body(&br, t, slen, &b, &blen);
			if (st == LIEN_OK) {
				assert_int_equal(blen, len);
				assert_memory_equal(b, body, len);
				continue;
			}
			assert_int_equal(st, LIEN_ECORRUPT);
			assert_null(b);
		}
	}
	bundle_read_clear(&br);
	free(t);
	free(s);
	free(body);
}

/* Chunks stored plain read back too, and a plain chunk whose stored
 * prev is not zero, whose entry after the first is shorter than its
 * header, or that holds a byte more than its 64 entries, is refused: one
 * stored form. A deflated chunk stating a body over LEDGER_PACK_MAX is
 * refused before anything is allocated for it. */
static void
test_bundle_plain_and_oversize(void **state)
{
	size_t len, slen, plen, blen, second;
	uint8_t *body = body_make(1024, 200, 200, &len), *s, *t, *pl;
	const uint8_t *b;
	struct bundle_read br;
	/* one chunk of 0x00100001 bytes stated, then three empty ones */
	uint8_t big[1 + 4 + 16 + 12] = { BUNDLE_CHUNKED, 0, 0, 0, 16,
	    PACK_DEFLATE, 0, 0x10, 0, 1, 0x78, 0x9c };

	(void)state;
	memset(&br, 0, sizeof br);
	s = stored(body, len, &slen);
	pl = replain(s, slen, &plen);
	assert_int_equal(read_body(&br, pl, plen, &b, &blen), LIEN_OK);
	assert_int_equal(blen, len);
	assert_memory_equal(b, body, len);
	/* chunk 0 starts at 1 + 4 + 1 (its length, PACK_PLAIN) */
	second = 6 + 2 + ((size_t)body[0] << 8 | body[1]);
	assert_non_null(t = malloc(plen + 1));
	/* entry 1's stored prev not zero */
	memcpy(t, pl, plen);
	t[second + 2 + PREV_AT] = 1;
	assert_int_equal(read_body(&br, t, plen, &b, &blen), LIEN_ECORRUPT);
	/* entry 1 shorter than a header: its length says 50 */
	memcpy(t, pl, plen);
	t[second] = 0;
	t[second + 1] = ENTRY_HEADER_LEN - 1;
	assert_int_equal(read_body(&br, t, plen, &b, &blen), LIEN_ECORRUPT);
	/* the last chunk one byte longer than its 64 entries */
	memcpy(t, pl, plen);
	t[plen] = 0;
	{
		size_t at = 1, n = 0;

		for (unsigned c = 0; c < BUNDLE_CHUNKS; c++) {
			n = (size_t)t[at] << 24 | (size_t)t[at + 1] << 16 |
			    (size_t)t[at + 2] << 8 | t[at + 3];
			if (c + 1 < BUNDLE_CHUNKS)
				at += 4 + n;
		}
		n++;
		for (int i = 0; i < 4; i++)
			t[at + (size_t)i] = (uint8_t)(n >> (24 - 8 * i));
	}
	assert_int_equal(read_body(&br, t, plen + 1, &b, &blen),
	    LIEN_ECORRUPT);
	/* chunk lengths that do not add up to the value */
	assert_int_equal(read_body(&br, t, plen, &b, &blen), LIEN_ECORRUPT);
	bundle_read_clear(&br);
	assert_int_equal(bundle_read_begin(&br, 0, big, sizeof big), LIEN_OK);
	assert_int_equal(bundle_read_entry(&br, 0, &b, &blen),
	    LIEN_ECORRUPT);
	assert_int_equal(br.cap[0], 0);
	bundle_read_clear(&br);
	free(t);
	free(pl);
	free(s);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_round_trip),
		cmocka_unit_test(test_bundle_prevs_dropped),
		cmocka_unit_test(test_bundle_store_refusals),
		cmocka_unit_test(test_bundle_damage),
		cmocka_unit_test(test_bundle_plain_and_oversize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
