/*
 * The sealed evidence text's compression (registry/evzip.c): texts
 * round-trip byte for byte and shrink, more with the request's context
 * (v21); the dictionary and the context's bytes are pinned (they are part
 * of the format); damaged, truncated, oversize or foreign plaintexts
 * are refused without reading or inflating past their bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "registry/evzip.h"

/* A decision's evidence text as api/reg_http.c builds it (the demo's
 * officer key id; signature and nonce as a client made them). */
static const char decision[] =
	"lienlog-evidence-v2\0POST\0/v1/applications/A0000000000000003/"
	"decision\0sig1=(\"@method\" \"@authority\" \"@path\" "
	"\"content-digest\" \"idempotency-key\");created=1796642913;"
	"nonce=\"5LtYAalAKXEsR_l80u7_jQ\";keyid=\"ca8554bb0a22e5fa49cce58a9"
	"cbd9dedcaafc50fac491c6394c3e31665fc9fd5\";alg=\"ed25519\"\0sig1=:Dj"
	"Qpga3BQB5N829NRimuANytuIPTqDPOWDBSsBYLU4jw0LhuiwUmSgy5PCYAtEi5qXUdu"
	"6aQV3g0oMt1yivdDg==:\0{\"decision\":\"approve\"}";

/* Its context: the created, nonce and key id of its Signature-Input. */
static const char decision_keyid[] =
	"ca8554bb0a22e5fa49cce58a9cbd9dedcaafc50fac491c6394c3e31665fc9fd5";

static struct evzip_ctx
decision_ctx(const char *nonce)
{
	struct evzip_ctx c;
	uint8_t k[EVZIP_KEYID_LEN];

	assert_int_equal(hex_decode(decision_keyid, 64, k, sizeof k),
	    LIEN_OK);
	assert_int_equal(evzip_context(1796642913, nonce, strlen(nonce), k,
	    &c), LIEN_OK);
	return c;
}

static void
enc(const void *text, size_t len, uint8_t **z, size_t *zlen)
{
	struct evzip_ctx c = decision_ctx("5LtYAalAKXEsR_l80u7_jQ");

	assert_int_equal(evzip_encode(text, len, &c, z, zlen), LIEN_OK);
}

static enum lien_status
dec(const uint8_t *p, size_t len, uint8_t **out, size_t *out_len)
{
	struct evzip_ctx c = decision_ctx("5LtYAalAKXEsR_l80u7_jQ");
	enum lien_status st = evzip_decode(p, len, &c, out, out_len);

	if (st != LIEN_OK) {
		assert_null(*out);
		assert_int_equal(*out_len, 0);
	} else {
		assert_int_equal((*out)[*out_len], 0);
	}
	return st;
}

/* fmt, the varint stated, then the raw deflate of (text, len) made here
 * after the dictionary (d, dlen): to build streams the encoder would
 * not. */
static size_t
raw_deflate_with(unsigned fmt, const uint8_t *d, size_t dlen,
    const void *text, size_t len, size_t stated, uint8_t *out, size_t cap)
{
	z_stream s;
	size_t n = 1;

	out[0] = (uint8_t)fmt;
	while (stated >= 0x80) {
		out[n++] = (uint8_t)(stated | 0x80);
		stated >>= 7;
	}
	out[n++] = (uint8_t)stated;
	memset(&s, 0, sizeof s);
	assert_int_equal(deflateInit2(&s, 9, Z_DEFLATED, -15, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
	if (dlen > 0)
		assert_int_equal(deflateSetDictionary(&s, d, (uInt)dlen), Z_OK);
	s.next_in = (Bytef *)(uintptr_t)text;
	s.avail_in = (uInt)len;
	s.next_out = out + n;
	s.avail_out = (uInt)(cap - n);
	assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
	n += s.total_out;
	(void)deflateEnd(&s);
	return n;
}

/* EVZIP_DEFLATE1's stream of (text, len), with or without the
 * dictionary. */
static size_t
raw_deflate(const void *text, size_t len, int dict, size_t stated,
    uint8_t *out, size_t cap)
{
	size_t dlen;
	const uint8_t *d = evzip_dict1(&dlen);

	return raw_deflate_with(EVZIP_DEFLATE1, d, dict ? dlen : 0, text, len,
	    stated, out, cap);
}

static void
test_evzip_round_trip(void **state)
{
	struct evzip_ctx c = decision_ctx("5LtYAalAKXEsR_l80u7_jQ");
	uint8_t *z, *z1, *back;
	size_t zlen, z1len, blen;

	(void)state;
	enc(decision, sizeof decision - 1, &z, &zlen);
	assert_int_equal(z[0], EVZIP_DEFLATE3);
	assert_int_equal(dec(z, zlen, &back, &blen), LIEN_OK);
	assert_int_equal(blen, sizeof decision - 1);
	assert_memory_equal(back, decision, blen);
	free(back);
	/* without the context (v19's form): 397 bytes -> < 200, the
	 * signature, nonce and key id most of what is left; it decodes
	 * whatever context the caller has */
	assert_int_equal(evzip_encode((const uint8_t *)decision,
	    sizeof decision - 1, NULL, &z1, &z1len), LIEN_OK);
	assert_int_equal(z1[0], EVZIP_DEFLATE1);
	assert_true(z1len < 200);
	assert_int_equal(dec(z1, z1len, &back, &blen), LIEN_OK);
	assert_memory_equal(back, decision, sizeof decision - 1);
	free(back);
	assert_int_equal(evzip_decode(z1, z1len, NULL, &back, &blen),
	    LIEN_OK);
	assert_memory_equal(back, decision, sizeof decision - 1);
	free(back);
	/* with it, the created, nonce and key id are one back-reference:
	 * 60-odd bytes fewer */
	assert_true(zlen + 50 < z1len);
	/* a box of EVZIP_DEFLATE2 or 3 needs its context: none is refused,
	 * another (here
	 * another nonce) does not give the text back */
	assert_int_equal(evzip_decode(z, zlen, NULL, &back, &blen),
	    LIEN_EINVAL);
	assert_null(back);
	c = decision_ctx("5LtYAalAKXEsR_l80u7_jR");
	if (evzip_decode(z, zlen, &c, &back, &blen) == LIEN_OK) {
		assert_int_equal(blen, sizeof decision - 1);
		assert_memory_not_equal(back, decision, blen);
		free(back);
	}
	free(z);
	free(z1);
}

/* The context's bytes are part of the format: exactly what a client's
 * Signature-Input spells (client/regclient.c), within EVZIP_CTX_MAX. */
static void
test_evzip_context(void **state)
{
	static const char want[] = "created=1796642913;nonce=\"5LtYAalAKXEsR_"
	    "l80u7_jQ\";keyid=\"ca8554bb0a22e5fa49cce58a9cbd9dedcaafc50fac491"
	    "c6394c3e31665fc9fd5\"";
	struct evzip_ctx c = decision_ctx("5LtYAalAKXEsR_l80u7_jQ");
	char nonce[HTTPSIG_PARAM_MAX + 1];
	uint8_t k[EVZIP_KEYID_LEN] = { 0 };

	(void)state;
	assert_int_equal(c.len, sizeof want - 1);
	assert_memory_equal(c.b, want, c.len);
	{
		int found = 0;

		for (size_t i = 0; i + c.len <= sizeof decision - 1; i++)
			found |= memcmp(decision + i, want, c.len) == 0;
		assert_true(found);
	}
	memset(nonce, 'n', sizeof nonce);
	assert_int_equal(evzip_context(INT64_MAX, nonce, HTTPSIG_PARAM_MAX, k,
	    &c), LIEN_OK);
	assert_int_equal(c.len, EVZIP_CTX_MAX - 1);	/* 19 digits */
	assert_int_equal(evzip_context(0, nonce, HTTPSIG_PARAM_MAX + 1, k,
	    &c), LIEN_EINVAL);
	assert_int_equal(c.len, 0);
	assert_int_equal(evzip_context(-1, nonce, 1, k, &c), LIEN_EINVAL);
	assert_int_equal(evzip_context(0, NULL, 0, k, &c), LIEN_EINVAL);
}

/* What deflate cannot shorten is kept as it is, and read as it is; so is
 * a v18 box's plaintext (the text itself, starting with 'l'). */
static void
test_evzip_incompressible_kept(void **state)
{
	uint8_t text[300], *z, *back;
	size_t zlen, blen;
	uint32_t x = 12345;

	(void)state;
	text[0] = 'l';
	for (size_t i = 1; i < sizeof text; i++) {
		x = x * 1103515245u + 12345u;
		text[i] = (uint8_t)(x >> 24);
	}
	enc(text, sizeof text, &z, &zlen);
	assert_int_equal(zlen, sizeof text);
	assert_memory_equal(z, text, sizeof text);
	assert_int_equal(dec(z, zlen, &back, &blen), LIEN_OK);
	assert_int_equal(blen, sizeof text);
	assert_memory_equal(back, text, blen);
	free(z);
	free(back);
	assert_int_equal(dec((const uint8_t *)decision, sizeof decision - 1,
	    &back, &blen), LIEN_OK);
	assert_memory_equal(back, decision, sizeof decision - 1);
	free(back);
}

/* The dictionary is part of the format (boxes sealed with it must open
 * for as long as the log runs): pinned by its hash, and a stream made by
 * another zlib with the same dictionary decodes. */
static void
test_evzip_dict_pinned(void **state)
{
	uint8_t h[HASH_LEN], buf[1024], *back;
	char hx[2 * HASH_LEN + 1];
	size_t dlen, n, blen;
	const uint8_t *d = evzip_dict1(&dlen);

	(void)state;
	hash_sha256(d, dlen, h);
	hex_encode(h, HASH_LEN, hx);
	assert_int_equal(dlen, 1711);
	assert_string_equal(hx, "f8bd78c252b1455ed5624328144d44f1099a7c86089ff"
	    "caba8a922a5a4e44cc2");
	n = raw_deflate(decision, sizeof decision - 1, 1, sizeof decision - 1,
	    buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_OK);
	assert_memory_equal(back, decision, sizeof decision - 1);
	free(back);
	/* the same stream without the dictionary does not decode to it */
	n = raw_deflate(decision, sizeof decision - 1, 0, sizeof decision - 1,
	    buf, sizeof buf);
	if (dec(buf, n, &back, &blen) == LIEN_OK) {
		assert_memory_equal(back, decision, sizeof decision - 1);
		free(back);
	}
}

static void
test_evzip_format_byte(void **state)
{
	uint8_t *z, *back;
	size_t zlen, blen;

	(void)state;
	enc(decision, sizeof decision - 1, &z, &zlen);
	for (unsigned b = 0; b < 256; b++) {
		if (b == EVZIP_DEFLATE1 || b == EVZIP_DEFLATE2 ||
		    b == EVZIP_DEFLATE3 || b == 'l')
			continue;
		z[0] = (uint8_t)b;
		assert_int_equal(dec(z, zlen, &back, &blen),
		    LIEN_EUNSUPPORTED);
	}
	free(z);
	assert_int_equal(dec((const uint8_t *)"", 0, &back, &blen),
	    LIEN_ECORRUPT);
	/* the encoder refuses what the decoder would misread */
	assert_int_equal(evzip_encode((const uint8_t *)"\x01x", 2, NULL, &z,
	    &zlen), LIEN_EINVAL);
	assert_null(z);
	assert_int_equal(evzip_encode((const uint8_t *)"\x02x", 2, NULL, &z,
	    &zlen), LIEN_EINVAL);
	assert_null(z);
	assert_int_equal(evzip_encode((const uint8_t *)"\x03x", 2, NULL, &z,
	    &zlen), LIEN_EINVAL);
	assert_null(z);
	assert_int_equal(evzip_encode((const uint8_t *)"l", 0, NULL, &z,
	    &zlen), LIEN_EINVAL);
}

/* Every truncation, and trailing bytes, are refused. */
static void
test_evzip_truncated_trailing(void **state)
{
	uint8_t *z, *back, *longer;
	size_t zlen, blen;

	(void)state;
	enc(decision, sizeof decision - 1, &z, &zlen);
	for (size_t n = 1; n < zlen; n++)
		assert_int_equal(dec(z, n, &back, &blen), LIEN_ECORRUPT);
	assert_non_null(longer = malloc(zlen + 1));
	memcpy(longer, z, zlen);
	longer[zlen] = 0;
	assert_int_equal(dec(longer, zlen + 1, &back, &blen), LIEN_ECORRUPT);
	free(longer);
	free(z);
}

/* A flipped bit never reads out of bounds and never yields another
 * length than stated (deflate has no checksum: the AEAD around it is
 * what refuses a changed box, tests/unit/test_seal.c). */
static void
test_evzip_bit_flips(void **state)
{
	uint8_t *z, *back;
	size_t zlen, blen;

	(void)state;
	enc(decision, sizeof decision - 1, &z, &zlen);
	for (size_t i = 0; i < zlen; i++)
		for (unsigned bit = 0; bit < 8; bit++) {
			enum lien_status st;

			z[i] ^= (uint8_t)(1u << bit);
			st = dec(z, zlen, &back, &blen);
			if (st == LIEN_OK) {
				assert_true(blen > 0 && blen <=
				    EVZIP_TEXT_MAX);
				free(back);
			}
			z[i] ^= (uint8_t)(1u << bit);
		}
	free(z);
}

/* The stated length bounds everything: above EVZIP_TEXT_MAX it is
 * refused before any allocation; a stream that inflates to more (a
 * "zip bomb": 1 MiB of zeros in ~1 KiB) or less than stated is refused
 * once the stated length is reached. Lengths: zero and non-minimal
 * varints are refused. */
static void
test_evzip_bounds(void **state)
{
	static uint8_t zeros[1u << 20];
	static uint8_t buf[1u << 16];
	uint8_t *back, *z;
	size_t n, blen, zlen;

	(void)state;
	zeros[0] = 'l';
	n = raw_deflate(zeros, sizeof zeros, 1, 1000, buf, sizeof buf);
	assert_true(n < 4096);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	n = raw_deflate(zeros, sizeof zeros, 1, EVZIP_TEXT_MAX + 1, buf,
	    sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ETOOBIG);
	n = raw_deflate(zeros, sizeof zeros, 1, (size_t)1 << 40, buf,
	    sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ETOOBIG);
	n = raw_deflate(decision, sizeof decision - 1, 1, sizeof decision,
	    buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	n = raw_deflate(decision, sizeof decision - 1, 1, sizeof decision - 2,
	    buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	n = raw_deflate("", 0, 1, 0, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	/* 397 as a three-byte varint: 0x8d 0x83 0x00 */
	{
		uint8_t nm[512];
		size_t k = raw_deflate(decision, sizeof decision - 1, 1,
		    sizeof decision - 1, buf, sizeof buf);

		assert_int_equal(buf[1], 0x8d);
		assert_int_equal(buf[2], 0x03);
		nm[0] = EVZIP_DEFLATE1;
		nm[1] = 0x8d;
		nm[2] = 0x83;
		nm[3] = 0x00;
		memcpy(nm + 4, buf + 3, k - 3);
		assert_int_equal(dec(nm, k + 1, &back, &blen), LIEN_ECORRUPT);
	}
	assert_int_equal(evzip_encode(zeros, EVZIP_TEXT_MAX + 1, NULL, &z,
	    &zlen), LIEN_ETOOBIG);
	assert_null(z);
	/* a long compressible text still round-trips (past the encoder's
	 * window) */
	enc(zeros, 300000, &z, &zlen);
	assert_true(zlen < 2000);
	assert_int_equal(dec(z, zlen, &back, &blen), LIEN_OK);
	assert_int_equal(blen, 300000);
	assert_memory_equal(back, zeros, blen);
	free(back);
	free(z);
}

/* A mortgage application's evidence text as api/reg_http.c builds it,
 * with the face token of docs/identity.md's example (an independent
 * JOSE implementation's) and a client's Signature. */
static const char mortgage[] =
	"lienlog-evidence-v2\0POST\0/v1/mortgages\0sig1=(\"@method\" "
	"\"@authority\" \"@path\" \"content-digest\" \"idempotency-key\");"
	"created=1796642913;nonce=\"5LtYAalAKXEsR_l80u7_jQ\";keyid=\"ca8554"
	"bb0a22e5fa49cce58a9cbd9dedcaafc50fac491c6394c3e31665fc9fd5\";alg="
	"\"ed25519\"\0sig1=:ToinrJ8tlfFPNdwkbUk4+VMy0oVdrAaNf5xaOwUdzT77IP2YF"
	"pm7sKVv5pxYv7XvwBZsSReHgSduim+mHqwZZg==:\0{\"application\":{\"certi"
	"ficate_number\":\"330000000000\",\"contract_number\":\"CT-2026-0001\""
	",\"owner\":{\"id_number\":\"330424198106228341\"},\"plate\":\"\xe6\xb5"
	"\x99" "FAJSFF\",\"plate_type\":\"02\",\"vin\":\"LFVZ35ZU8NV550020\"},"
	"\"face_token\":\"eyJhbGciOiJFZERTQSIsImtpZCI6ImZhY2UtMjAzMC0wMSIsInR5"
	"cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2ZhY2UuZXhhbXBsZSIsImF1ZCI6InJlZ2"
	"lzdHJ5LmV4YW1wbGUuZ292LmNuIiwiaWF0IjoxODkzNDU2MDAwLCJleHAiOjE4OTM0N"
	"TYzMDAsInN1YiI6InlLVVN2SGJWeGJnV3JwRjBnazJzWjU4YWhrbTRnNlgwa09zVjFX"
	"aUNnWmMiLCJub25jZSI6InIwYjdkQUJyRGhFV0prOEt5bmNhZEZsOS1GUWt6S3k0YWE"
	"tMUl4V3lvREkiLCJsaXZlbmVzcyI6OTg1MCwibWF0Y2giOjk0MjB9.uBtaKt1dS5QlOH"
	"axmc2Ub4e9Uxpmcq6DKcdmenMASItNV5VeFgFrwTdN9GyWZxumzIwHw1SQCHP-Uh_kp"
	"YU_CA\"}";

/* The raw deflate of (t, tlen) with EVZIP_DEFLATE3's dictionary and the
 * decision's context, behind the format byte and the stated length: to
 * build spans the encoder would not. */
static size_t
raw_deflate3(const void *t, size_t tlen, size_t stated, uint8_t *out,
    size_t cap)
{
	struct evzip_ctx c = decision_ctx("5LtYAalAKXEsR_l80u7_jQ");
	uint8_t d[4096];
	size_t d1, d3;
	const uint8_t *p1 = evzip_dict1(&d1), *p3 = evzip_dict3(&d3);

	memcpy(d, p1, d1);
	memcpy(d + d1, p3, d3);
	memcpy(d + d1 + d3, c.b, c.len);
	return raw_deflate_with(EVZIP_DEFLATE3, d, d1 + d3 + c.len, t, tlen,
	    stated, out, cap);
}

/* EVZIP_DEFLATE3: the Signature's and the face token's base64 spans are
 * deflated as the bytes they spell, the token's JSON against dictionary
 * 3; the text comes back byte for byte. This 1,014-byte text takes 508
 * bytes without the spans (EVZIP_DEFLATE2, the store format before) and
 * 410 with them (Debian's zlib 1.2.13); a text holding an escape byte
 * falls back to EVZIP_DEFLATE2. */
static void
test_evzip_spans(void **state)
{
	uint8_t *z, *back, *t;
	size_t zlen, blen, len = sizeof mortgage - 1;

	(void)state;
	enc(mortgage, len, &z, &zlen);
	assert_int_equal(z[0], EVZIP_DEFLATE3);
	assert_true(zlen < 450);
	assert_int_equal(dec(z, zlen, &back, &blen), LIEN_OK);
	assert_int_equal(blen, len);
	assert_memory_equal(back, mortgage, len);
	free(back);
	free(z);
	/* an escape byte in the text (in the body's plate here): no spans */
	assert_non_null(t = malloc(len));
	memcpy(t, mortgage, len);
	for (size_t i = 0; i + 6 <= len; i++)
		if (memcmp(t + i, "FAJSFF", 6) == 0)
			t[i] = 0x02;
	enc(t, len, &z, &zlen);
	assert_int_equal(z[0], EVZIP_DEFLATE2);
	assert_true(zlen > 480);
	assert_int_equal(dec(z, zlen, &back, &blen), LIEN_OK);
	assert_memory_equal(back, t, len);
	free(back);
	free(z);
	free(t);
}

/* Runs that look like base64 and are not a span, or are one in either
 * alphabet, at the edges the encoder decides on (42 and 43 characters,
 * every length mod 4, padding, spare bits, mixed alphabets, all hex, no
 * delimiter): every text comes back byte for byte, and some are spans. */
static void
test_evzip_spans_edges(void **state)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
	    "mnopqrstuvwxyz0123456789+/-_=\".:";
	uint32_t x = 7;
	size_t with_spans = 0;

	(void)state;
	for (int k = 0; k < 3000; k++) {
		char text[400];
		size_t len, m;
		uint8_t *z, *back;
		size_t zlen, blen;

		memcpy(text, "lx\0POST:", 8);
		len = 8;
		while (len < 300) {
			x = x * 1103515245u + 12345u;
			m = 40 + (x >> 16) % 50;	/* a run's length */
			x = x * 1103515245u + 12345u;
			for (size_t i = 0; i < m && len < 390; i++) {
				x = x * 1103515245u + 12345u;
				/* mostly one alphabet, now and then another
				 * character (a delimiter, '=', '+', '_') */
				text[len++] = (x >> 28) == 0 ?
				    alpha[(x >> 16) % (sizeof alpha - 1)] :
				    (k & 1) ? alpha[(x >> 16) % 64] :
				    alpha[(x >> 16) % 62];
			}
			if (k % 7 == 0 && len < 390)
				text[len++] = '=';
			text[len++] = k % 5 == 0 ? '\n' : "\":."[k % 3];
		}
		enc(text, len, &z, &zlen);
		if (z[0] == EVZIP_DEFLATE3)
			with_spans++;
		assert_int_equal(dec(z, zlen, &back, &blen), LIEN_OK);
		assert_int_equal(blen, len);
		assert_memory_equal(back, text, len);
		free(back);
		free(z);
	}
	assert_true(with_spans > 0);
	/* one 43-character run of hex digits, one of 42 base64url
	 * characters, one with a spare bit set: no span, the text as
	 * deflated with the context (the same bytes with and without the
	 * spans' pass) */
	{
		static const char *const runs[] = {
			":0123456789abcdef0123456789abcdef0123456789a:",
			":ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop:",
			":ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopr:",
			":ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq:",
		};

		for (size_t i = 0; i < 4; i++) {
			char text[128];
			uint8_t *z, *back;
			size_t zlen, blen, len;

			len = (size_t)snprintf(text, sizeof text, "l%s",
			    runs[i]);
			enc(text, len, &z, &zlen);
			assert_int_equal(dec(z, zlen, &back, &blen), LIEN_OK);
			assert_memory_equal(back, text, len);
			free(back);
			free(z);
		}
	}
}

/* EVZIP_DEFLATE3's decoder is strict about its spans: an escape without
 * its length, of length 0, cut short, spelling more or fewer characters
 * than the stated length, a non-minimal length, and deflated bytes more
 * than the stated length are all refused; a well-formed one made here
 * decodes. */
static void
test_evzip_spans_refused(void **state)
{
	static uint8_t big[2000];
	uint8_t t[256], buf[4096], *back;
	size_t n, blen;

	(void)state;
	/* "l:" + a 32-byte span (43 characters) + ":" = 46 */
	t[0] = 'l';
	t[1] = ':';
	t[2] = 0x02;
	t[3] = 32;
	memset(t + 4, 0xfb, 32);
	t[36] = ':';
	n = raw_deflate3(t, 37, 46, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_OK);
	assert_int_equal(blen, 46);
	assert_memory_equal(back, "l:-_v7", 6);
	assert_int_equal(back[45], ':');
	free(back);
	/* standard base64: 44 characters with one '=' */
	t[2] = 0x01;
	n = raw_deflate3(t, 37, 47, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_OK);
	assert_memory_equal(back, "l:+/v7", 6);
	assert_memory_equal(back + 45, "=:", 2);
	free(back);
	/* the stated length one more or one less */
	n = raw_deflate3(t, 37, 48, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	n = raw_deflate3(t, 37, 46, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	/* length 0; cut short; the escape last */
	t[3] = 0;
	n = raw_deflate3(t, 37, 47, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	t[3] = 40;
	n = raw_deflate3(t, 37, 47, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	n = raw_deflate3(t, 3, 47, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	/* 32 as a two-byte varint */
	t[3] = 0xa0;
	t[4] = 0x00;
	n = raw_deflate3(t, 38, 47, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	/* a span spelling past the stated length: 60 bytes (80
	 * characters) after one in a stated 70, the deflated bytes 63 (the
	 * output stays within the 70) */
	big[0] = 'l';
	big[1] = 0x02;
	big[2] = 60;
	n = raw_deflate3(big, 63, 70, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	/* deflated bytes more than the stated length (the text without its
	 * spans is never longer than the text) */
	memset(big, 'l', sizeof big);
	n = raw_deflate3(big, 101, 100, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
	n = raw_deflate3(big, 100, 100, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_OK);
	free(back);
	/* nothing deflated */
	n = raw_deflate3(big, 0, 100, buf, sizeof buf);
	assert_int_equal(dec(buf, n, &back, &blen), LIEN_ECORRUPT);
}

/* Dictionary 3 is part of the format, pinned like dictionary 1. */
static void
test_evzip_dict3_pinned(void **state)
{
	uint8_t h[HASH_LEN];
	char hx[2 * HASH_LEN + 1];
	size_t dlen;
	const uint8_t *d = evzip_dict3(&dlen);

	(void)state;
	hash_sha256(d, dlen, h);
	hex_encode(h, HASH_LEN, hx);
	assert_int_equal(dlen, 140);
	assert_string_equal(hx, "4134fe9a85ba166e63bad62cccdcd6cb8626ae35819"
	    "642743205d3413ea3dc8d");
}

/* The truncations, trailing bytes and bit flips of the tests above on a
 * text with spans (the decision's Signature is one span; the mortgage
 * has four). */
static void
test_evzip_spans_damaged(void **state)
{
	uint8_t *z, *back;
	size_t zlen, blen;

	(void)state;
	enc(mortgage, sizeof mortgage - 1, &z, &zlen);
	assert_int_equal(z[0], EVZIP_DEFLATE3);
	for (size_t n = 1; n < zlen; n++)
		assert_int_equal(dec(z, n, &back, &blen), LIEN_ECORRUPT);
	for (size_t i = 0; i < zlen; i++)
		for (unsigned bit = 0; bit < 8; bit++) {
			z[i] ^= (uint8_t)(1u << bit);
			if (dec(z, zlen, &back, &blen) == LIEN_OK) {
				assert_true(blen > 0 && blen <=
				    EVZIP_TEXT_MAX);
				free(back);
			}
			z[i] ^= (uint8_t)(1u << bit);
		}
	free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evzip_round_trip),
		cmocka_unit_test(test_evzip_context),
		cmocka_unit_test(test_evzip_incompressible_kept),
		cmocka_unit_test(test_evzip_dict_pinned),
		cmocka_unit_test(test_evzip_format_byte),
		cmocka_unit_test(test_evzip_truncated_trailing),
		cmocka_unit_test(test_evzip_bit_flips),
		cmocka_unit_test(test_evzip_bounds),
		cmocka_unit_test(test_evzip_spans),
		cmocka_unit_test(test_evzip_spans_edges),
		cmocka_unit_test(test_evzip_spans_refused),
		cmocka_unit_test(test_evzip_dict3_pinned),
		cmocka_unit_test(test_evzip_spans_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
