/*
 * Packed JSON (registry/jpack.c): every text round-trips byte for byte;
 * the registry's records shrink; damaged packed bytes are refused or
 * decode to something, never read out of bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/jcs.h"
#include "registry/jpack.h"
#include "tests/unit/test_util.h"

/* encode, check the stored form's shape, decode, compare */
static size_t
round_trip(const char *text, size_t len)
{
	uint8_t *st = NULL, *back = NULL;
	size_t st_len = 0, back_len = 0;

	assert_int_equal(jpack_encode((const uint8_t *)text, len, &st,
	    &st_len), LIEN_OK);
	if (jpack_is_packed(st, st_len))
		assert_true(st_len < len);
	else
		assert_memory_equal(st, text, len);
	assert_int_equal(jpack_decode(st, st_len, &back, &back_len), LIEN_OK);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, text, len);
	assert_int_equal(back[back_len], 0);
	free(st);
	free(back);
	return st_len;
}

static void
test_jpack_private_record_packs(void **state)
{
	static const char rec[] = "{\"evidence\":{\"alg\":\"ed25519\","
	    "\"created\":1796631949,\"digest\":\"43c29f66181347713cee7704a2a0"
	    "17fa0f3f1d699492785a29fcea5d848679f5\",\"idempotency_key\":"
	    "\"01a24f9b-f0e7-77e4-b604-1aa1f0b83673\",\"nonce\":\"d1f182585d7"
	    "3d41bcf4534b3a2d29f11\",\"nonce_exp_ms\":1796632249699},\"face\":"
	    "{\"issuer\":\"https://face.demo.lienlog.cn\",\"liveness\":9800,"
	    "\"match\":9600,\"token\":\"42c80a5550664e3d3d016b5e567d1a060e896"
	    "4d432d80b8892d57654a97125d7\",\"verdict\":\"pass\"},\"key\":"
	    "\"system\",\"owner\":\"d0081106aad23d93a439d959568b6d35d0fe4ebdb"
	    "b1f898f5153393c03f1b40c\",\"reasons\":[\"institution_burst\","
	    "\"release_soon\"],\"salt\":\"81c0a676fda39d8796f9fd671e0d428e931f"
	    "12e68f7859a726c4f6a28e443a52\",\"sealed\":\"e002a3af5d077af189f48"
	    "d07d1a61e35f81bd1302f6cba33c182868d032b95b9\",\"signer\":{"
	    "\"keyid\":\"cced62d90cb0585dfebcbc0f6bf517a275de64386da6d17e55f612"
	    "4cf0ffd7fa\",\"not_after_ms\":1891239938000,\"party\":"
	    "\"91330400502660615E\",\"role\":\"institution\"}}";
	static const char app[] = "{\"app\":\"A00000000000000da\",\"kind\":"
	    "\"mortgage\",\"rank\":1,\"release\":\"A00000000000000de\","
	    "\"status\":\"released\",\"timeline\":[{\"index\":218,\"step\":"
	    "\"applied\",\"time_ms\":1796631939621},{\"index\":220,\"step\":"
	    "\"approved\",\"time_ms\":1796631939623}],\"vehicle\":\"814cde939"
	    "3b631e8395a66833f4bdc5d82d2584a97cb76d67a0f66532437f564\"}";
	/* the stored bytes, pinned: the token table and the dictionary are
	 * the store format (docs/storage.md "Packed records") */
	static const char packed_hex[] =
	    "0102870288c989098ddbd9d8068a3f43c29f66181347713cee7704a2a017"
	    "fa0f3f1d699492785a29fcea5d848679f58b6430316132346639622d6630"
	    "65372d373765342d623630342d3161613166306238333637338c2fd1f182"
	    "585d73d41bcf4534b3a2d29f118d09e38a82fda434039e02975c68747470"
	    "733a2f2f666163652e64656d6f2e6c69656e6c6f672e636e9f09c84ca009"
	    "804b983f42c80a5550664e3d3d016b5e567d1a060e8964d432d80b8892d5"
	    "7654a97125d7a1d80383c8853fd0081106aad23d93a439d959568b6d35d0"
	    "fe4ebdbb1f898f5153393c03f1b40c8604e1e4058e3f81c0a676fda39d87"
	    "96f9fd671e0d428e931f12e68f7859a726c4f6a28e443a528f3fe002a3af"
	    "5d077af189f48d07d1a61e35f81bd1302f6cba33c182868d032b95b99c02"
	    "993fcced62d90cb0585dfebcbc0f6bf517a275de64386da6d17e55f6124c"
	    "f0ffd7fa9a09d08fbdb58537945239313333303430303530323636303631"
	    "354595cb0303";
	uint8_t *pk, want[sizeof packed_hex / 2];
	size_t n, pk_len;

	(void)state;
	assert_true(jpack_dict_ok());
	for (size_t i = 0; i < sizeof want; i++) {
		unsigned b;

		assert_int_equal(sscanf(packed_hex + 2 * i, "%2x", &b), 1);
		want[i] = (uint8_t)b;
	}
	assert_int_equal(jpack_encode((const uint8_t *)rec, sizeof rec - 1,
	    &pk, &pk_len), LIEN_OK);
	assert_int_equal(pk_len, sizeof want);
	assert_memory_equal(pk, want, pk_len);
	free(pk);
	n = round_trip(rec, sizeof rec - 1);
	/* 721 bytes of text; ~200 of hex digests as bytes, names a byte */
	assert_true(n < (sizeof rec - 1) / 2);
	n = round_trip(app, sizeof app - 1);
	assert_true(n < (sizeof app - 1) / 2);
}

static void
test_jpack_round_trips_edges(void **state)
{
	static const char *const texts[] = {
		"0", "15", "16", "-1", "-0", "007", "1.5", "1e5", "-",
		"9007199254740991", "-9007199254740991",
		"18446744073709551615", "18446744073709551616",
		"9999999999999999999", "99999999999999999999",
		"true", "false", "null", "\"\"", "\"a\"", "{}", "[]",
		"[[],{},[{}]]", "{\"a\":{}}", "[1,2,3,-4,\"x\",true,null]",
		"\"ab\"", "\"AB\"", "\"abc\"", "\"A\"", "\"A0\"", "\"A00\"",
		"\"Zff\"", "\"face\"", "\"system\"", "\"systemx\"",
		"\"\\\"\\\\\\n\\u0001\"", "\"caf\xc3\xa9\"",
		/* over the short forms' lengths */
		"\"0123456789012345678901234567890123456789012345678901234567"
		"890123456789\"",
		"\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxx\"",
		/* not what the scanner expects: kept as text */
		"{ \"a\": 1 }", " 1", "1 ", "[1,]", "{\"a\"}", "{\"a\":1,}",
		"tru", "nul", "[", "]", "}", "\"open", "{1:2}", "[1 2]",
		"\x02", "\x80", "1,2",
	};

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		round_trip(texts[i], strlen(texts[i]));
}

/* Random canonical records (jcs_serialize of random trees of the kinds
 * of values the registry stores): each one round-trips. */
static uint32_t
rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static json_t *
random_value(uint32_t *seed, int depth)
{
	static const char *const words[] = { "index", "owner", "system", "x",
		"Zz", "A0123", "a", "abc", "\x01\"\\", "release_soon", "",
		"0a", "A", "caf\xc3\xa9", ("ffffffffffffffffffffffffffffffffff"
		"ffffffffffffffffffffffffffffffffffffffffffff") };
	unsigned k = rnd(seed) % (depth < 4 ? 8u : 5u);
	char hex[80];

	switch (k) {
	case 0:
		return json_integer((json_int_t)(rnd(seed) % 100000000u));
	case 1:
		return json_integer(-(json_int_t)(rnd(seed) % 1000u));
	case 2:
		return json_string(words[rnd(seed) % 15]);
	case 3:
		snprintf(hex, sizeof hex, "%0*x", (int)(2 + 2 * (rnd(seed) %
		    4)), rnd(seed));
		return json_string(hex);
	case 4:
		return rnd(seed) % 2 ? json_true() : json_null();
	case 5:
	case 6: {
		json_t *o = json_object();

		for (unsigned i = rnd(seed) % 6; i > 0; i--)
			json_object_set_new(o, words[rnd(seed) % 15],
			    random_value(seed, depth + 1));
		return o;
	}
	default: {
		json_t *a = json_array();

		for (unsigned i = rnd(seed) % 6; i > 0; i--)
			json_array_append_new(a, random_value(seed,
			    depth + 1));
		return a;
	}
	}
}

static void
test_jpack_round_trips_random(void **state)
{
	uint32_t seed = 12345;

	(void)state;
	for (int r = 0; r < 3000; r++) {
		json_t *v = random_value(&seed, 0);
		char *text;
		size_t len;

		assert_int_equal(jcs_serialize(v, &text, &len), LIEN_OK);
		round_trip(text, len);
		free(text);
		json_decref(v);
	}
}

/* jpack_encode_tree gives exactly what the text's way gives
 * (jpack_encode of jcs_serialize), or declines (LIEN_EUNSUPPORTED) and
 * leaves it to that way; returns 1 when it took the tree. */
static int
tree_same(const json_t *v)
{
	uint8_t *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	char *text;
	size_t len;
	enum lien_status rc = jpack_encode_tree(v, &a, &al);

	if (rc == LIEN_EUNSUPPORTED) {
		assert_null(a);
		assert_int_equal(al, 0);
		return 0;
	}
	assert_int_equal(rc, LIEN_OK);
	assert_int_equal(jcs_serialize(v, &text, &len), LIEN_OK);
	assert_int_equal(jpack_encode((const uint8_t *)text, len, &b, &bl),
	    LIEN_OK);
	assert_true(jpack_is_packed(a, al));
	assert_int_equal(al, bl);
	assert_memory_equal(a, b, al);
	free(text);
	free(a);
	free(b);
	return 1;
}

/* The writer's path (registry/state.c rg_store): random trees, the
 * records above, and trees it declines (a real, text that needs escapes
 * or is not ASCII, a record too short to pack, too deep, too many
 * members), each the same bytes as the text's way or declined. */
static void
test_jpack_encode_tree_same_bytes(void **state)
{
	static const char *const recs[] = {
		"{\"app\":\"A00000000000000da\",\"kind\":\"mortgage\",\"rank\":"
		"1,\"release\":\"A00000000000000de\",\"status\":\"released\","
		"\"timeline\":[{\"index\":218,\"step\":\"applied\",\"time_ms\":"
		"1796631939621},{\"index\":220,\"step\":\"approved\","
		"\"time_ms\":1796631939623}],\"vehicle\":\"814cde9393b631e8395a"
		"66833f4bdc5d82d2584a97cb76d67a0f66532437f564\"}",
		"{\"b\":1,\"a\":2,\"ab\":3,\"aa\":[],\"A\":{},\"_\":-9007199254740991,"
		"\"z\":[true,false,null,16,15,-1,\"0a\",\"Zff\",\"\"]}",
		"{\"a\":\"0123456789\\u007fabcdefgh~ \",\"b\":\"0123456789abcde"
		"f0123456789abcdef\"}",
	};
	static const char *const declined[] = {
		"{\"a\":1.5,\"b\":\"0123456789abcdef0123456789abcdef\"}",
		"{\"a\":\"x\\\"y\",\"b\":\"0123456789abcdef0123456789abcdef\"}",
		"{\"caf\u00e9\":1,\"b\":\"0123456789abcdef0123456789abcdef\"}",
		"{\"a\":\"caf\u00e9\",\"b\":\"0123456789abcdef0123456789abcdef\"}",
		"{}", "[]", "1", "\"x\"",
		"[[[[[[[[[[\"0123456789abcdef0123456789abcdef\"]]]]]]]]]]",
		/* in the eight-byte steps, and in the bytes after them */
		"{\"a\":\"01234567\\\"abcdefgh\",\"b\":\"0123456789abcdef01234567"
		"89abcdef\"}",
		"{\"a\":\"01234567abc\\\\\",\"b\":\"0123456789abcdef0123456789"
		"abcdef\"}",
		"{\"a\":\"0123456789\\u0001abcdefgh\",\"b\":\"0123456789abcdef01"
		"23456789abcdef\"}",
		"{\"a\":\"0123456789ab\\u00e9\",\"b\":\"0123456789abcdef01234567"
		"89abcdef\"}",
	};
	uint32_t seed = 4242;
	int took = 0;
	json_t *v, *big;
	json_error_t err;

	(void)state;
	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		v = json_loads(recs[i], 0, &err);
		assert_non_null(v);
		assert_true(tree_same(v));	/* the common case is taken */
		json_decref(v);
	}
	for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++) {
		v = json_loads(declined[i], JSON_DECODE_ANY, &err);
		assert_non_null(v);
		assert_false(tree_same(v));
		json_decref(v);
	}
	big = json_object();
	for (int i = 0; i < 40; i++) {
		char k[8];

		snprintf(k, sizeof k, "k%02d", i);
		json_object_set_new(big, k, json_string("0123456789abcdef"));
	}
	assert_false(tree_same(big));
	json_decref(big);
	for (int r = 0; r < 3000; r++) {
		v = random_value(&seed, 0);
		took += tree_same(v);
		json_decref(v);
	}
	assert_true(took > 1000);	/* most of them: not all declined */
}

/* jpack_decode_tree gives the tree jcs_parse gives for jpack_decode's
 * text, or declines (LIEN_EUNSUPPORTED); never a tree where the text's
 * way refuses. Returns 1 when it took the stream. */
static int
decode_tree_same(const uint8_t *pk, size_t pk_len)
{
	json_t *a = NULL, *b = NULL;
	uint8_t *text = NULL;
	size_t len = 0;
	enum lien_status rc = jpack_decode_tree(pk, pk_len, &a), tr;

	if (rc == LIEN_EUNSUPPORTED) {
		assert_null(a);
		return 0;
	}
	assert_int_equal(rc, LIEN_OK);
	tr = jpack_decode(pk, pk_len, &text, &len);
	assert_int_equal(tr, LIEN_OK);
	assert_int_equal(jcs_parse((const char *)text, len, 0, &b), LIEN_OK);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	free(text);
	return 1;
}

/* The readers' path (registry/state.c registry_record_parse): random
 * records, every truncation and bit flip of a packed record, and streams
 * it declines (a repeated member name, an escape in a string's bytes, a
 * number as text, bytes after the value). */
static void
test_jpack_decode_tree_same_tree(void **state)
{
	static const char rec[] = "{\"app\":\"A00000000000000da\",\"kind\":"
	    "\"mortgage\",\"rank\":1,\"reasons\":[\"x\",-5,true,null,16,"
	    "9007199254740991],\"vehicle\":\"814cde9393b631e8395a66833f4bdc5d"
	    "82d2584a97cb76d67a0f66532437f564\",\"z\":\"01234567890123456789"
	    "0123456789012345678901234567890123456789012345678901234567\"}";
	static const uint8_t dup[] = { JPACK_TAG, 0x02, 0x41, 'a', 0x11, 0x41,
		'a', 0x12, 0x03 };
	static const uint8_t esc[] = { JPACK_TAG, 0x02, 0x41, 'a', 0x42, '\\',
		'n', 0x03 };
	static const uint8_t numtxt[] = { JPACK_TAG, 0x04, 0x0b, 0x03, '1',
		'.', '5', 0x05 };
	static const uint8_t trailing[] = { JPACK_TAG, 0x04, 0x05, 0x06 };
	static const uint8_t neg0[] = { JPACK_TAG, 0x04, 0x0a, 0x00, 0x05 };
	static const uint8_t big[] = { JPACK_TAG, 0x04, 0x09, 0x80, 0x80,
		0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0x05 };	/* 2^53 */
	uint32_t seed = 777;
	uint8_t *pk, *bad;
	size_t pk_len;
	int took = 0;

	(void)state;
	assert_int_equal(jpack_encode((const uint8_t *)rec, sizeof rec - 1,
	    &pk, &pk_len), LIEN_OK);
	assert_true(jpack_is_packed(pk, pk_len));
	assert_true(decode_tree_same(pk, pk_len));
	for (size_t n = 1; n < pk_len; n++) {
		bad = malloc(n);	/* exact size: ASan sees an over-read */
		memcpy(bad, pk, n);
		assert_false(decode_tree_same(bad, n));
		free(bad);
	}
	for (size_t i = 1; i < pk_len; i++)
		for (int b = 0; b < 8; b++) {
			json_t *a = NULL;
			uint8_t *text = NULL;
			size_t len;

			bad = malloc(pk_len);
			memcpy(bad, pk, pk_len);
			bad[i] ^= (uint8_t)(1u << b);
			if (!decode_tree_same(bad, pk_len) &&
			    jpack_decode(bad, pk_len, &text, &len) == LIEN_OK &&
			    jcs_parse((const char *)text, len, 0, &a) == LIEN_OK)
				json_decref(a);	/* declined: the text's way */
			free(text);
			free(bad);
		}
	free(pk);
	assert_false(decode_tree_same(dup, sizeof dup));
	assert_false(decode_tree_same(esc, sizeof esc));
	assert_false(decode_tree_same(numtxt, sizeof numtxt));
	assert_false(decode_tree_same(trailing, sizeof trailing));
	assert_false(decode_tree_same(neg0, sizeof neg0));
	assert_false(decode_tree_same(big, sizeof big));
	assert_int_equal(jpack_decode_tree((const uint8_t *)"{}", 2, NULL),
	    LIEN_EINVAL);
	for (int r = 0; r < 3000; r++) {
		json_t *v = random_value(&seed, 0);
		char *text;
		size_t len;

		assert_int_equal(jcs_serialize(v, &text, &len), LIEN_OK);
		assert_int_equal(jpack_encode((const uint8_t *)text, len, &pk,
		    &pk_len), LIEN_OK);
		if (jpack_is_packed(pk, pk_len))
			took += decode_tree_same(pk, pk_len);
		free(pk);
		free(text);
		json_decref(v);
	}
	assert_true(took > 1000);
}

/* jpack_decodes_to (the encoder's round-trip check, which decodes
 * against the text instead of into a buffer): true for the text a
 * value decodes to, false for any other text, be it one byte changed,
 * shorter or longer. */
static void
test_jpack_decodes_to(void **state)
{
	static const char *const texts[] = {
		"{\"app\":\"A0000000000000001\",\"index\":17,\"kind\":"
		"\"mortgage\",\"owner\":\"d0081106aad23d93a439d959568b6d35d0fe"
		"4ebdbb1f898f5153393c03f1b40c\",\"timeline\":[{\"step\":"
		"\"applied\",\"time_ms\":1796631949000}],\"x\":[-3,true,null,"
		"1.5,\"caf\xc3\xa9\"]}",
		"[1,2,3]", "\"ab\"", "{ \"a\": 1 }",
	};
	uint8_t buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		const uint8_t *t = (const uint8_t *)texts[i];
		size_t n = strlen(texts[i]);
		uint8_t *st = NULL;
		size_t st_len = 0;

		assert_true(n < sizeof buf);
		assert_int_equal(jpack_encode(t, n, &st, &st_len), LIEN_OK);
		assert_true(jpack_decodes_to(st, st_len, t, n));
		memcpy(buf, t, n);
		for (size_t k = 0; k < n; k++) {
			buf[k] ^= 0x20;
			assert_false(jpack_decodes_to(st, st_len, buf, n));
			buf[k] ^= 0x20;
		}
		assert_false(jpack_decodes_to(st, st_len, t, n - 1));
		buf[n] = ']';
		assert_false(jpack_decodes_to(st, st_len, buf, n + 1));
		assert_false(jpack_decodes_to(st, st_len - 1, t, n));
		free(st);
	}
	assert_false(jpack_decodes_to(NULL, 0, (const uint8_t *)"1", 1));
}

/* Damaged packed bytes: every truncation and every bit flip of a packed
 * record is refused or decodes (to some text), never more; trailing
 * bytes and an empty stream are refused. */
static void
test_jpack_decode_damaged(void **state)
{
	static const char rec[] = "{\"app\":\"A00000000000000da\",\"kind\":"
	    "\"mortgage\",\"rank\":1,\"reasons\":[\"x\",-5,true,null],"
	    "\"vehicle\":\"814cde9393b631e8395a66833f4bdc5d82d2584a97cb76d67a"
	    "0f66532437f564\",\"z\":\"0123456789012345678901234567890123456789"
	    "01234567890123456789012345678901234567\"}";
	uint8_t *pk, *out, *bad;
	size_t pk_len, out_len;

	(void)state;
	assert_int_equal(jpack_encode((const uint8_t *)rec, sizeof rec - 1,
	    &pk, &pk_len), LIEN_OK);
	assert_true(jpack_is_packed(pk, pk_len));
	for (size_t n = 1; n < pk_len; n++) {
		/* exact-size copies, so ASan sees any over-read */
		bad = malloc(n);
		memcpy(bad, pk, n);
		assert_int_equal(jpack_decode(bad, n, &out, &out_len),
		    LIEN_ECORRUPT);
		assert_null(out);
		assert_int_equal(out_len, 0);
		free(bad);
	}
	for (size_t i = 1; i < pk_len; i++)
		for (int b = 0; b < 8; b++) {
			enum lien_status rc;

			bad = malloc(pk_len);
			memcpy(bad, pk, pk_len);
			bad[i] ^= (uint8_t)(1u << b);
			rc = jpack_decode(bad, pk_len, &out, &out_len);
			assert_true(rc == LIEN_OK || rc == LIEN_ECORRUPT);
			if (rc == LIEN_OK)
				assert_int_equal(out[out_len], 0);
			else
				assert_null(out);
			free(out);
			free(bad);
		}
	bad = malloc(pk_len + 1);
	memcpy(bad, pk, pk_len);
	bad[pk_len] = 0x06;	/* a second value: true */
	assert_int_equal(jpack_decode(bad, pk_len + 1, &out, &out_len),
	    LIEN_ECORRUPT);
	free(bad);
	{
		static const uint8_t tag[] = { JPACK_TAG };
		static const uint8_t key_not_string[] = { JPACK_TAG, 0x02, 0x11,
			0x11, 0x03 };
		static const uint8_t unbalanced[] = { JPACK_TAG, 0x04, 0x03 };
		static const uint8_t open[] = { JPACK_TAG, 0x04, 0x11 };
		static const uint8_t neg0[] = { JPACK_TAG, 0x0a, 0x00 };
		static const uint8_t long_varint[] = { JPACK_TAG, 0x09, 0x80,
			0x00 };
		static const uint8_t dict_out[] = { JPACK_TAG, 0xff };
		static const uint8_t unknown[] = { JPACK_TAG, 0x00 };
		uint8_t deep[2 + JCS_DEPTH_MAX + 1];
		const struct {
			const uint8_t *p;
			size_t n;
		} cases[] = {
			{ tag, sizeof tag }, { key_not_string,
			sizeof key_not_string }, { unbalanced,
			sizeof unbalanced }, { open, sizeof open }, { neg0,
			sizeof neg0 }, { long_varint, sizeof long_varint },
			{ dict_out, sizeof dict_out }, { unknown,
			sizeof unknown }, { deep, sizeof deep },
		};

		deep[0] = JPACK_TAG;
		memset(deep + 1, 0x04, sizeof deep - 1);
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			assert_int_equal(jpack_decode(cases[i].p, cases[i].n,
			    &out, &out_len), LIEN_ECORRUPT);
			assert_null(out);
		}
	}
	/* arguments */
	assert_int_equal(jpack_decode(NULL, 1, &out, &out_len), LIEN_EINVAL);
	assert_int_equal(jpack_decode(pk, 0, &out, &out_len), LIEN_EINVAL);
	assert_int_equal(jpack_encode(pk, pk_len, &out, &out_len),
	    LIEN_EINVAL);	/* text never starts with the tag */
	assert_int_equal(jpack_encode((const uint8_t *)rec, 0, &out,
	    &out_len), LIEN_EINVAL);
	free(pk);
}

/* The registry's vectors (payloads and private records) round-trip. */
static void
test_jpack_vectors(void **state)
{
	static const char *const names[] = { "registry_decision.json",
		"registry_mortgage_application.json",
		"registry_restriction.json", "registry_vehicle_record.json" };

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t len;
		char *text = tu_vector(names[i], &len);
		static const char *const f[] = { "payload", "private",
			"payload_pretty", "private_pretty" };
		json_t *all;
		json_error_t err;
		int seen = 0;

		all = json_loadb(text, len, 0, &err);
		assert_non_null(all);
		for (size_t j = 0; j < 4; j++) {
			const char *s = json_string_value(json_object_get(all,
			    f[j]));

			if (s != NULL && *s != 0) {
				size_t n = round_trip(s, strlen(s));

				/* the canonical ones pack, the pretty ones
				 * (whitespace) are kept as text */
				assert_true(j < 2 ? n < strlen(s) : n ==
				    strlen(s));
				seen++;
			}
		}
		assert_true(seen >= 2);
		json_decref(all);
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpack_private_record_packs),
		cmocka_unit_test(test_jpack_round_trips_edges),
		cmocka_unit_test(test_jpack_round_trips_random),
		cmocka_unit_test(test_jpack_encode_tree_same_bytes),
		cmocka_unit_test(test_jpack_decode_tree_same_tree),
		cmocka_unit_test(test_jpack_decodes_to),
		cmocka_unit_test(test_jpack_decode_damaged),
		cmocka_unit_test(test_jpack_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
