/*
 * The stored form of a pack (ledger/pack.c, store v23): a body of
 * records that repeat one another is deflated and opens back byte for
 * byte; an incompressible, oversize or unsqueezed body is stored plain;
 * an empty, truncated, trailing, bit-flipped, foreign or oversize stored
 * value is refused before anything is allocated for it or inflated past
 * its bounds. A read view's stream (pack_stream_*) inflates a pack only
 * as far as a read needs and, read to its end, refuses what pack_open
 * refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/lien_limits.h"
#include "ledger/pack.h"

/* A body like a bundle's private records: nrec records of ~300 bytes,
 * each u8 slot || be32 length || bytes, the same structure with a few
 * varying and random bytes. */
static uint8_t *
body_make(unsigned nrec, size_t *len)
{
	uint8_t *b = malloc(nrec * 400);
	size_t off = 0;
	uint32_t x = 12345;

	assert_non_null(b);
	for (unsigned i = 0; i < nrec; i++) {
		size_t n = 280 + i % 40;

		b[off] = (uint8_t)i;
		b[off + 1] = 0;
		b[off + 2] = 0;
		b[off + 3] = (uint8_t)(n >> 8);
		b[off + 4] = (uint8_t)n;
		for (size_t j = 0; j < n; j++) {
			x = x * 1103515245u + 12345u;
			/* a record's first 200 bytes are its shape, the
			 * rest random (salts, keyed identifiers) */
			b[off + 5 + j] = j < 200 ? (uint8_t)(j * 7 + i % 3) :
			    (uint8_t)(x >> 16);
		}
		off += 5 + n;
	}
	*len = off;
	return b;
}

static void
stored(const uint8_t *body, size_t len, int squeeze, uint8_t **s,
    size_t *slen)
{
	size_t cap = 0;

	*s = NULL;
	assert_int_equal(pack_store(body, len, squeeze, s, &cap, slen),
	    LIEN_OK);
	assert_true(*slen <= cap);
}

static enum lien_status
open_pack(const uint8_t *v, size_t len, uint8_t **buf, size_t *cap,
    const uint8_t **body, size_t *body_len)
{
	return pack_open(v, len, buf, cap, body, body_len);
}

static void
test_pack_round_trip(void **state)
{
	size_t len, slen, cap = 0, blen;
	uint8_t *body = body_make(256, &len), *s, *buf = NULL;
	const uint8_t *b;

	(void)state;
	stored(body, len, 1, &s, &slen);
	assert_int_equal(s[0], PACK_DEFLATE);
	assert_true(slen < len * 3 / 4);
	assert_int_equal(open_pack(s, slen, &buf, &cap, &b, &blen), LIEN_OK);
	assert_ptr_equal(b, buf);
	assert_int_equal(blen, len);
	assert_memory_equal(b, body, len);
	/* the buffer is reused */
	assert_int_equal(open_pack(s, slen, &buf, &cap, &b, &blen), LIEN_OK);
	assert_int_equal(cap, len);
	free(s);

	/* not squeezed (sealed boxes): plain, borrowed from the value */
	stored(body, len, 0, &s, &slen);
	assert_int_equal(s[0], PACK_PLAIN);
	assert_int_equal(slen, 1 + len);
	assert_int_equal(open_pack(s, slen, &buf, &cap, &b, &blen), LIEN_OK);
	assert_ptr_equal(b, s + 1);
	assert_int_equal(blen, len);
	assert_memory_equal(b, body, len);
	free(s);
	free(buf);
	free(body);
}

/* What does not shrink, or is over LEDGER_PACK_MAX, is stored plain. */
static void
test_pack_plain_kept(void **state)
{
	size_t len = 4096, slen;
	uint8_t *body = malloc(LEDGER_PACK_MAX + 1), *s;
	uint32_t x = 99;

	(void)state;
	assert_non_null(body);
	for (size_t i = 0; i < LEDGER_PACK_MAX + 1; i++) {
		x = x * 1103515245u + 12345u;
		body[i] = (uint8_t)(x >> 16);
	}
	stored(body, len, 1, &s, &slen);
	assert_int_equal(s[0], PACK_PLAIN);
	assert_int_equal(slen, 1 + len);
	free(s);
	memset(body, 'a', LEDGER_PACK_MAX + 1);
	stored(body, LEDGER_PACK_MAX + 1, 1, &s, &slen);
	assert_int_equal(s[0], PACK_PLAIN);
	assert_int_equal(slen, 2 + (size_t)LEDGER_PACK_MAX);
	free(s);
	stored(body, LEDGER_PACK_MAX, 1, &s, &slen);
	assert_int_equal(s[0], PACK_DEFLATE);
	free(s);
	/* an empty body (never written: a bundle without records has no
	 * pack) is plain and opens empty */
	stored(body, 0, 1, &s, &slen);
	assert_int_equal(slen, 1);
	assert_int_equal(s[0], PACK_PLAIN);
	free(s);
	free(body);
}

/* Empty, foreign format bytes, stated lengths of 0 and over the limit:
 * refused, nothing allocated. */
static void
test_pack_open_refusals(void **state)
{
	uint8_t v[64], *buf = NULL;
	size_t cap = 0, blen = 7;
	const uint8_t *b = v;

	(void)state;
	memset(v, 0, sizeof v);
	assert_int_equal(open_pack(v, 0, &buf, &cap, &b, &blen),
	    LIEN_ECORRUPT);
	assert_null(b);
	assert_int_equal(blen, 0);
	for (unsigned f = 2; f < 256; f++) {
		v[0] = (uint8_t)f;
		assert_int_equal(open_pack(v, sizeof v, &buf, &cap, &b, &blen),
		    LIEN_ECORRUPT);
	}
	v[0] = PACK_DEFLATE;	/* stated 0 */
	assert_int_equal(open_pack(v, sizeof v, &buf, &cap, &b, &blen),
	    LIEN_ECORRUPT);
	/* LEDGER_PACK_MAX + 1 and 2^32 - 1: refused before allocating */
	v[1] = (uint8_t)((LEDGER_PACK_MAX + 1) >> 24);
	v[2] = (uint8_t)((LEDGER_PACK_MAX + 1) >> 16);
	v[3] = (uint8_t)((LEDGER_PACK_MAX + 1) >> 8);
	v[4] = (uint8_t)(LEDGER_PACK_MAX + 1);
	assert_int_equal(open_pack(v, sizeof v, &buf, &cap, &b, &blen),
	    LIEN_ECORRUPT);
	memset(v + 1, 0xff, 4);
	assert_int_equal(open_pack(v, sizeof v, &buf, &cap, &b, &blen),
	    LIEN_ECORRUPT);
	assert_null(buf);
	assert_int_equal(cap, 0);
	/* a header alone, and a header short of its length */
	v[1] = v[2] = v[3] = 0;
	v[4] = 10;
	assert_int_equal(open_pack(v, PACK_DEFLATE_HDR, &buf, &cap, &b,
	    &blen), LIEN_ECORRUPT);
	assert_int_equal(open_pack(v, 3, &buf, &cap, &b, &blen),
	    LIEN_ECORRUPT);
	free(buf);
}

/* Every truncation, trailing bytes, a stated length one off either way
 * and every bit flip of a deflated pack: refused (a flip of the format
 * byte to PACK_PLAIN gives the stored bytes as a plain body, which is
 * that value's meaning; a flip of a padding bit, the same body). */
static void
test_pack_damage(void **state)
{
	size_t len, slen, cap = 0, blen;
	/* 16 records: each flip inflates the whole pack */
	uint8_t *body = body_make(16, &len), *s, *t, *buf = NULL;
	const uint8_t *b;

	(void)state;
	stored(body, len, 1, &s, &slen);
	assert_int_equal(s[0], PACK_DEFLATE);
	for (size_t n = 1; n < slen; n++)
		assert_int_equal(open_pack(s, n, &buf, &cap, &b, &blen),
		    LIEN_ECORRUPT);
	assert_non_null(t = malloc(slen + 1));
	memcpy(t, s, slen);
	t[slen] = 0;
	assert_int_equal(open_pack(t, slen + 1, &buf, &cap, &b, &blen),
	    LIEN_ECORRUPT);
	for (int d = -1; d <= 1; d += 2) {
		size_t n = len + (size_t)d;

		memcpy(t, s, slen);
		for (int i = 0; i < 4; i++)
			t[1 + i] = (uint8_t)(n >> (24 - 8 * i));
		assert_int_equal(open_pack(t, slen, &buf, &cap, &b, &blen),
		    LIEN_ECORRUPT);
	}
	for (size_t i = 0; i < slen; i++) {
		for (int bit = 0; bit < 8; bit++) {
			enum lien_status st;

			memcpy(t, s, slen);
			t[i] ^= (uint8_t)(1u << bit);
			st = open_pack(t, slen, &buf, &cap, &b, &blen);
			if (i == 0 && t[0] == PACK_PLAIN) {
				assert_int_equal(st, LIEN_OK);
				assert_ptr_equal(b, t + 1);
				continue;
			}
			/* deflate's final byte may end in padding bits
			 * nobody reads: then the very same body */
			if (st == LIEN_OK) {
				assert_int_equal(blen, len);
				assert_memory_equal(b, body, len);
				continue;
			}
			assert_int_equal(st, LIEN_ECORRUPT);
			assert_null(b);
		}
	}
	free(t);
	free(s);
	free(buf);
	free(body);
}

/* The whole body through a stream, in reads of step bytes: LIEN_OK and
 * the body's bytes in buf, or the first refusal. */
static enum lien_status
stream_all(struct pack_stream **zs, const uint8_t *v, size_t vlen,
    uint8_t **buf, size_t *cap, size_t step, size_t *total)
{
	size_t have = 0;
	enum lien_status st;

	if ((st = pack_stream_begin(zs, v, vlen, buf, cap, total)) != LIEN_OK)
		return st;
	for (size_t need = step; ; need += step) {
		if (need > *total)
			need = *total;
		if ((st = pack_stream_more(*zs, *buf, need, &have)) != LIEN_OK)
			return st;
		assert_true(have >= need && have <= *total);
		if (need == *total)
			return LIEN_OK;
	}
}

/* A stream inflates only what a read needs (and a few KiB ahead): the
 * first record of a 256-record pack leaves most of it deflated, and the
 * body's prefix is the body's; read on, the whole body, then a second
 * pack through the same stream. */
static void
test_pack_stream_prefix(void **state)
{
	size_t len, len2, slen, slen2, cap = 0, total, have = 0;
	uint8_t *body = body_make(256, &len), *body2 = body_make(40, &len2);
	uint8_t *s, *s2, *buf = NULL;
	struct pack_stream *zs = NULL;

	(void)state;
	stored(body, len, 1, &s, &slen);
	stored(body2, len2, 1, &s2, &slen2);
	assert_int_equal(pack_stream_begin(&zs, s, slen, &buf, &cap, &total),
	    LIEN_OK);
	assert_int_equal(total, len);
	assert_true(cap >= len);
	assert_int_equal(pack_stream_more(zs, buf, 5 + 280, &have), LIEN_OK);
	assert_true(have >= 5 + 280);
	assert_true(have < len / 4);
	assert_memory_equal(buf, body, have);
	/* a need already there inflates nothing more */
	{
		size_t again;

		assert_int_equal(pack_stream_more(zs, buf, 5, &again), LIEN_OK);
		assert_int_equal(again, have);
	}
	assert_int_equal(pack_stream_more(zs, buf, len / 2, &have), LIEN_OK);
	assert_true(have >= len / 2 && have < len);
	assert_int_equal(pack_stream_more(zs, buf, len, &have), LIEN_OK);
	assert_int_equal(have, len);
	assert_memory_equal(buf, body, len);
	/* past the body: refused, and so is every call after */
	assert_int_equal(pack_stream_more(zs, buf, len + 1, &have),
	    LIEN_ECORRUPT);
	assert_int_equal(pack_stream_more(zs, buf, 1, &have), LIEN_ECORRUPT);
	/* the next pack through the same stream, begun half read */
	assert_int_equal(pack_stream_begin(&zs, s, slen, &buf, &cap, &total),
	    LIEN_OK);
	assert_int_equal(pack_stream_more(zs, buf, 100, &have), LIEN_OK);
	assert_int_equal(stream_all(&zs, s2, slen2, &buf, &cap, 1000, &total),
	    LIEN_OK);
	assert_int_equal(total, len2);
	assert_memory_equal(buf, body2, len2);
	pack_stream_free(zs);
	pack_stream_free(NULL);
	free(s);
	free(s2);
	free(buf);
	free(body);
	free(body2);
}

/* A stream begins only a deflated pack whose header pack_open accepts:
 * empty, plain (LIEN_EINVAL: read it with pack_open), foreign, stated 0
 * or over the limit (before allocating), a header alone. */
static void
test_pack_stream_refusals(void **state)
{
	uint8_t v[64], *buf = NULL;
	size_t cap = 0, total = 7, have;
	struct pack_stream *zs = NULL;

	(void)state;
	memset(v, 0, sizeof v);
	assert_int_equal(pack_stream_begin(&zs, v, 0, &buf, &cap, &total),
	    LIEN_ECORRUPT);
	assert_int_equal(total, 0);
	assert_int_equal(pack_stream_begin(&zs, v, sizeof v, &buf, &cap,
	    &total), LIEN_EINVAL);
	for (unsigned f = 2; f < 256; f++) {
		v[0] = (uint8_t)f;
		assert_int_equal(pack_stream_begin(&zs, v, sizeof v, &buf,
		    &cap, &total), LIEN_ECORRUPT);
	}
	v[0] = PACK_DEFLATE;	/* stated 0 */
	assert_int_equal(pack_stream_begin(&zs, v, sizeof v, &buf, &cap,
	    &total), LIEN_ECORRUPT);
	memset(v + 1, 0xff, 4);
	assert_int_equal(pack_stream_begin(&zs, v, sizeof v, &buf, &cap,
	    &total), LIEN_ECORRUPT);
	assert_null(buf);
	assert_null(zs);
	v[1] = v[2] = v[3] = 0;
	v[4] = 10;
	assert_int_equal(pack_stream_begin(&zs, v, 3, &buf, &cap, &total),
	    LIEN_ECORRUPT);
	/* a header alone begins, and has nothing to give */
	assert_int_equal(pack_stream_begin(&zs, v, PACK_DEFLATE_HDR, &buf,
	    &cap, &total), LIEN_OK);
	assert_int_equal(total, 10);
	assert_int_equal(pack_stream_more(zs, buf, 1, &have), LIEN_ECORRUPT);
	assert_int_equal(pack_stream_more(NULL, buf, 1, &have), LIEN_EINVAL);
	pack_stream_free(zs);
	free(buf);
}

/* test_pack_damage through a stream read to its end, in steps of 1, 100
 * and more than the body: every truncation, trailing bytes, a stated
 * length one off and every bit flip is refused, or gives the very body
 * (a padding bit). */
static void
test_pack_stream_damage(void **state)
{
	size_t len, slen, cap = 0, total;
	uint8_t *body = body_make(16, &len), *s, *t, *buf = NULL;
	struct pack_stream *zs = NULL;
	static const size_t steps[] = { 1, 100, 1u << 20 };

	(void)state;
	stored(body, len, 1, &s, &slen);
	assert_int_equal(s[0], PACK_DEFLATE);
	assert_non_null(t = malloc(slen + 1));
	for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
		assert_int_equal(stream_all(&zs, s, slen, &buf, &cap, steps[k],
		    &total), LIEN_OK);
		assert_memory_equal(buf, body, len);
		for (size_t n = 1; n < slen; n++)
			assert_int_equal(stream_all(&zs, s, n, &buf, &cap,
			    steps[k], &total), LIEN_ECORRUPT);
		memcpy(t, s, slen);
		t[slen] = 0;
		assert_int_equal(stream_all(&zs, t, slen + 1, &buf, &cap,
		    steps[k], &total), LIEN_ECORRUPT);
		for (int d = -1; d <= 1; d += 2) {
			size_t n = len + (size_t)d;

			memcpy(t, s, slen);
			for (int i = 0; i < 4; i++)
				t[1 + i] = (uint8_t)(n >> (24 - 8 * i));
			assert_int_equal(stream_all(&zs, t, slen, &buf, &cap,
			    steps[k], &total), LIEN_ECORRUPT);
		}
		for (size_t i = 1; i < slen; i++)
			for (int bit = 0; bit < 8; bit++) {
				enum lien_status st;

				memcpy(t, s, slen);
				t[i] ^= (uint8_t)(1u << bit);
				st = stream_all(&zs, t, slen, &buf, &cap,
				    steps[k], &total);
				if (st == LIEN_OK) {
					assert_int_equal(total, len);
					assert_memory_equal(buf, body, len);
					continue;
				}
				assert_int_equal(st, LIEN_ECORRUPT);
			}
	}
	pack_stream_free(zs);
	free(t);
	free(s);
	free(buf);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_round_trip),
		cmocka_unit_test(test_pack_plain_kept),
		cmocka_unit_test(test_pack_open_refusals),
		cmocka_unit_test(test_pack_damage),
		cmocka_unit_test(test_pack_stream_prefix),
		cmocka_unit_test(test_pack_stream_refusals),
		cmocka_unit_test(test_pack_stream_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
