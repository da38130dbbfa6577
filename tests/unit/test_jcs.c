/*
 * registry/jcs: RFC 8785 canonical JSON and the strict parser.
 *
 * Vectors: RFC 8785 section 3.2.3 (key sorting by UTF-16 code units, with
 * non-ASCII and non-BMP keys) and section 3.2.4 (string escaping; its
 * number part is outside our integer-only subset and is left out). Cross
 * check: Python's json.dumps(obj, sort_keys=True, separators=(',', ':'),
 * ensure_ascii=False) must give byte-identical output for pseudo-random
 * objects with ASCII keys (where sort_keys' code point order equals
 * RFC 8785's UTF-16 order). Negatives: every form of input the strict
 * parser must refuse, truncations and bit flips. The canonical reader
 * (jcs_read_canonical): what it accepts, what it refuses, every prefix and
 * bit flip of a document ending at a guard page, always against the
 * reference reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "registry/jcs.h"

static void
expect_canon(const char *in, const char *want)
{
	json_t *v = NULL;
	char *out = NULL;
	size_t n;

	assert_int_equal(jcs_parse(in, strlen(in), 0, &v), LIEN_OK);
	assert_int_equal(jcs_serialize(v, &out, &n), LIEN_OK);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], 0);
	/* the canonical form is a fixed point */
	assert_int_equal(jcs_parse_canonical((const uint8_t *)out, n, NULL),
	    LIEN_OK);
	free(out);
	json_decref(v);
}

/* RFC 8785 3.2.4, minus the numbers member. */
static void
test_jcs_serialize_rfc8785_strings(void **state)
{
	(void)state;
	expect_canon("{\n  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042"
	    "\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]"
	    "\n}",
	    "{\"literals\":[null,true,false],\"string\":\"\xe2\x82\xac$"
	    "\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

/* RFC 8785 3.2.3: sorting by UTF-16 code units puts U+1F600 (D83D DE00)
 * before U+FB33, although its UTF-8 bytes sort after. */
static void
test_jcs_serialize_rfc8785_sorting(void **state)
{
	(void)state;
	expect_canon("{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
	    "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
	    "\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":"
	    "\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
	    "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":"
	    "\"Control\",\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
	    "\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":"
	    "\"Emoji: Grinning Face\",\"\xef\xac\xb3\":"
	    "\"Hebrew Letter Dalet With Dagesh\"}");
}

static void
test_jcs_serialize_escapes(void **state)
{
	char in[16], want[16];

	(void)state;
	for (unsigned c = 1; c < 0x20; c++) {
		const char *s = c == 8 ? "\\b" : c == 9 ? "\\t" : c == 10 ?
		    "\\n" : c == 12 ? "\\f" : c == 13 ? "\\r" : NULL;

		snprintf(in, sizeof in, "\"\\u%04x\"", c);
		if (s)
			snprintf(want, sizeof want, "\"%s\"", s);
		else
			snprintf(want, sizeof want, "\"\\u%04x\"", c);
		expect_canon(in, want);
	}
	expect_canon("\"\\u007f\"", "\"\x7f\"");	/* DEL is raw */
	expect_canon("\"\\/\"", "\"/\"");
	expect_canon("[ 1 , -2 , 9007199254740991 , -9007199254740991 , 0 ]",
	    "[1,-2,9007199254740991,-9007199254740991,0]");
	expect_canon("{}", "{}");
	expect_canon("[]", "[]");
	expect_canon("{\"b\":{\"d\":1,\"c\":[{}]},\"a\":\"\"}",
	    "{\"a\":\"\",\"b\":{\"c\":[{}],\"d\":1}}");
	expect_canon("{\"ab\":1,\"a\":2,\"\":3}", "{\"\":3,\"a\":2,\"ab\":1}");
}

static void
test_jcs_key_compare_utf16(void **state)
{
	(void)state;
	/* U+FFFF (EF BF BF) sorts after U+10000 (F0 90 80 80) in UTF-16 */
	assert_true(jcs_key_compare("\xf0\x90\x80\x80", 4, "\xef\xbf\xbf",
	    3) < 0);
	assert_true(jcs_key_compare("\xef\xbf\xbf", 3, "\xf0\x90\x80\x80",
	    4) > 0);
	/* below U+E000 the orders agree */
	assert_true(jcs_key_compare("\xed\x9f\xbf", 3, "\xf0\x90\x80\x80",
	    4) < 0);
	assert_true(jcs_key_compare("a", 1, "ab", 2) < 0);
	assert_true(jcs_key_compare("ab", 2, "a", 1) > 0);
	assert_int_equal(jcs_key_compare("", 0, "", 0), 0);
	assert_int_equal(jcs_key_compare("\xc3\xb6", 2, "\xc3\xb6", 2), 0);
	/* the ASCII fast path and where it hands over: an ASCII prefix, then
	 * the UTF-16 order decides */
	assert_true(jcs_key_compare("status", 6, "status_ms", 9) < 0);
	assert_true(jcs_key_compare("recorded_ms", 11, "recorded_index",
	    14) > 0);
	assert_int_equal(jcs_key_compare("vehicle", 7, "vehicle", 7), 0);
	assert_true(jcs_key_compare("k\xef\xbf\xbf", 4,
	    "k\xf0\x90\x80\x80", 5) > 0);
	assert_true(jcs_key_compare("k\xf0\x90\x80\x80", 5,
	    "k\xef\xbf\xbf", 4) < 0);
	assert_true(jcs_key_compare("ab", 2, "ab\xc3\xb6", 4) < 0);
	assert_true(jcs_key_compare("ab\xc3\xb6", 4, "ab", 2) > 0);
	assert_true(jcs_key_compare("az", 2, "a\xc3\xb6", 3) < 0);
	assert_true(jcs_key_compare("\xc3\xb6z", 3, "\xc3\xb6" "a", 3) > 0);
}

static void
expect_parse(const char *in, size_t len, enum lien_status want)
{
	json_t *v = (json_t *)1;

	assert_int_equal(jcs_parse(in, len, 0, &v), want);
	if (want != LIEN_OK)
		assert_null(v);
	json_decref(want == LIEN_OK ? v : NULL);
}

#define P(s, w) expect_parse(s, sizeof(s) - 1, w)

static void
test_jcs_parse_negatives(void **state)
{
	char *big;
	size_t n;

	(void)state;
	P("", LIEN_EPARSE);
	P(" ", LIEN_EPARSE);
	P("1.0", LIEN_EPARSE);
	P("[1e5]", LIEN_EPARSE);
	P("[1E5]", LIEN_EPARSE);
	P("{\"a\":0.5}", LIEN_EPARSE);
	P("-0", LIEN_EPARSE);
	P("[-0]", LIEN_EPARSE);
	P("01", LIEN_EPARSE);
	P("9007199254740992", LIEN_EPARSE);
	P("-9007199254740992", LIEN_EPARSE);
	P("99999999999999999999999", LIEN_EPARSE);
	P("{\"a\":1,\"a\":2}", LIEN_EPARSE);
	P("{\"a\":1} x", LIEN_EPARSE);
	P("{\"a\":1}{}", LIEN_EPARSE);
	P("[1,]", LIEN_EPARSE);
	P("{'a':1}", LIEN_EPARSE);
	P("\"\\u0000\"", LIEN_EPARSE);
	P("\"\\ud800\"", LIEN_EPARSE);
	P("\"\\udc00\"", LIEN_EPARSE);
	P("\"\xff\"", LIEN_EPARSE);
	P("\"\xc0\xaf\"", LIEN_EPARSE);		/* overlong '/' */
	P("\"\xed\xa0\x80\"", LIEN_EPARSE);	/* UTF-8 surrogate */
	P("[1", LIEN_EPARSE);
	P("NaN", LIEN_EPARSE);
	P("[\"a\\x\"]", LIEN_EPARSE);
	expect_parse("1\0", 2, LIEN_EPARSE);
	/* depth: JCS_DEPTH_MAX passes, one more does not; explicit cap */
	big = malloc(2 * JCS_DEPTH_MAX + 4);
	assert_non_null(big);
	memset(big, '[', JCS_DEPTH_MAX);
	memset(big + JCS_DEPTH_MAX, ']', JCS_DEPTH_MAX);
	expect_parse(big, 2 * JCS_DEPTH_MAX, LIEN_OK);
	{
		json_t *v = NULL;

		assert_int_equal(jcs_parse(big, 2 * JCS_DEPTH_MAX, 3, &v),
		    LIEN_ETOOBIG);
		assert_null(v);
	}
	memset(big, '[', JCS_DEPTH_MAX + 1);
	memset(big + JCS_DEPTH_MAX + 1, ']', JCS_DEPTH_MAX + 1);
	expect_parse(big, 2 * JCS_DEPTH_MAX + 2, LIEN_ETOOBIG);
	free(big);
	/* string and key length caps */
	n = JCS_STRING_MAX + 3;
	big = malloc(n + 8);
	assert_non_null(big);
	big[0] = '"';
	memset(big + 1, 'a', n - 2);
	big[n - 1] = '"';
	expect_parse(big, n, LIEN_ETOOBIG);
	expect_parse(big, n - 1, LIEN_EPARSE);	/* truncated */
	big[n - 2] = '"';
	expect_parse(big, n - 1, LIEN_OK);	/* exactly JCS_STRING_MAX */
	free(big);
	/* whole-text cap */
	{
		json_t *v = NULL;

		assert_int_equal(jcs_parse("1", (size_t)JCS_TEXT_MAX + 1, 0,
		    &v), LIEN_ETOOBIG);
	}
	/* NULL handling */
	{
		json_t *v = NULL;

		assert_int_equal(jcs_parse(NULL, 1, 0, &v), LIEN_EINVAL);
		assert_int_equal(jcs_parse("1", 1, 0, NULL), LIEN_EINVAL);
	}
}

static void
test_jcs_parse_canonical_refuses_loose(void **state)
{
	static const char *const loose[] = {
		"{\"b\":1,\"a\":2}", "{ \"a\":1}", "[1, 2]", "\"\\u0041\"",
		"\"\\/\"", "\"\\u000F\"", " 1", "1 ", "{\"a\":\"\\u00e9\"}",
	};
	static const char *const canon[] = {
		"{\"a\":2,\"b\":1}", "[1,2]", "\"A\"", "\"\\u000f\"", "1",
		"{\"a\":\"\xc3\xa9\"}", "null", "true",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++)
		assert_int_equal(jcs_parse_canonical((const uint8_t *)loose[i],
		    strlen(loose[i]), NULL), LIEN_EPARSE);
	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++)
		assert_int_equal(jcs_parse_canonical((const uint8_t *)canon[i],
		    strlen(canon[i]), NULL), LIEN_OK);
}

static void
test_jcs_serialize_refuses(void **state)
{
	json_t *v;
	char *out = (char *)1;
	size_t n = 7;
	uint8_t digest[HASH_LEN], buf[4];

	(void)state;
	v = json_real(1.5);
	assert_int_equal(jcs_serialize(v, &out, &n), LIEN_EPARSE);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_int_equal(jcs_digest(v, digest), LIEN_EPARSE);
	for (size_t i = 0; i < HASH_LEN; i++)
		assert_int_equal(digest[i], 0);
	json_decref(v);
	v = json_integer(JCS_INT_MAX + 1);
	assert_int_equal(jcs_serialize(v, &out, &n), LIEN_EPARSE);
	json_decref(v);
	v = json_stringn_nocheck("\xff", 1);
	assert_int_equal(jcs_serialize(v, &out, &n), LIEN_EPARSE);
	json_decref(v);
	/* invalid UTF-8 key */
	v = json_object();
	assert_int_equal(json_object_set_new_nocheck(v, "\xc3", json_null()),
	    0);
	assert_int_equal(jcs_serialize(v, &out, &n), LIEN_EPARSE);
	json_decref(v);
	/* caller buffer too short */
	v = json_string("hello");
	assert_int_equal(jcs_write(v, buf, sizeof buf, &n), LIEN_ETOOBIG);
	assert_int_equal(n, 0);
	json_decref(v);
	assert_int_equal(jcs_serialize(NULL, &out, &n), LIEN_EINVAL);
}

static void
test_jcs_digest_known(void **state)
{
	json_t *v;
	uint8_t d[HASH_LEN], want[HASH_LEN];

	(void)state;
	assert_int_equal(jcs_parse("{\"b\":2, \"a\":1}", 14, 0, &v), LIEN_OK);
	assert_int_equal(jcs_digest(v, d), LIEN_OK);
	hash_sha256("{\"a\":1,\"b\":2}", 13, want);
	assert_memory_equal(d, want, HASH_LEN);
	json_decref(v);
}

/* Truncations and bit flips of a valid document: never a crash, and a
 * success always re-serialises. */
static void
test_jcs_parse_truncate_flip(void **state)
{
	static const char doc[] = "{\"vin\":\"LSJA24U62JG269225\",\"n\":[1,-2,"
	    "{\"k\":null}],\"s\":\"\xe2\x82\xac\\n\",\"t\":true}";
	size_t len = sizeof(doc) - 1;
	char buf[sizeof(doc)];

	(void)state;
	for (size_t i = 0; i < len; i++) {
		json_t *v = NULL;

		assert_int_not_equal(jcs_parse(doc, i, 0, &v), LIEN_OK);
		assert_null(v);
	}
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			json_t *v = NULL;
			char *out;
			size_t n;

			memcpy(buf, doc, len);
			buf[i] = (char)(buf[i] ^ (1 << b));
			if (jcs_parse(buf, len, 0, &v) != LIEN_OK)
				continue;
			assert_int_equal(jcs_serialize(v, &out, &n), LIEN_OK);
			free(out);
			json_decref(v);
		}
}

/* ---- the canonical reader -------------------------------------------- */

/* (in, len) through jcs_read_canonical: want; on success the tree equals
 * the reference reader's and writes back the same bytes. */
static void
expect_read(const char *in, size_t len, enum lien_status want)
{
	json_t *v = (json_t *)1, *ref = NULL;
	char *out;
	size_t n;

	assert_int_equal(jcs_read_canonical((const uint8_t *)in, len, 0, &v),
	    want);
	if (want != LIEN_OK) {
		assert_null(v);
		return;
	}
	assert_int_equal(jcs_parse_reference(in, len, 0, 1, &ref), LIEN_OK);
	assert_true(json_equal(v, ref));
	assert_int_equal(jcs_serialize(v, &out, &n), LIEN_OK);
	assert_int_equal(n, len);
	assert_memory_equal(out, in, n);
	free(out);
	json_decref(ref);
	json_decref(v);
}

#define R(s, w) expect_read(s, sizeof(s) - 1, w)

static void
test_jcs_read_canonical_accepts(void **state)
{
	(void)state;
	R("{}", LIEN_OK);
	R("[]", LIEN_OK);
	R("0", LIEN_OK);
	R("-1", LIEN_OK);
	R("9007199254740991", LIEN_OK);
	R("-9007199254740991", LIEN_OK);
	R("null", LIEN_OK);
	R("true", LIEN_OK);
	R("false", LIEN_OK);
	R("\"\"", LIEN_OK);
	R("{\"a\":[1,{\"b\":null}],\"b\":\"x\"}", LIEN_OK);
	/* the writer's escapes, raw DEL and raw non-ASCII (U+20AC, U+1F600) */
	R("\"\\\"\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\x7f\"", LIEN_OK);
	R("\"\xe2\x82\xac\xf0\x9f\x98\x80\"", LIEN_OK);
	/* RFC 8785 3.2.3's order: U+1F600 (D83D) before U+FB33 */
	R("{\"\xf0\x9f\x98\x80\":1,\"\xef\xac\xb3\":2}", LIEN_OK);
	/* a proper prefix sorts first */
	R("{\"a\":1,\"aa\":2,\"b\":3}", LIEN_OK);
}

/* The reader takes a string's plain ASCII eight bytes at a time: every
 * byte value at every offset of a string (inside and across those
 * words, and in the tail read byte by byte) is judged as the reference
 * reader judges it. */
static void
test_jcs_read_canonical_string_bytes(void **state)
{
	char buf[2 + 24 + 1];

	(void)state;
	for (unsigned c = 0; c < 256; c++)
		for (size_t k = 0; k < 24; k++) {
			json_t *v = NULL, *ref = NULL;
			enum lien_status rc, rrc;

			buf[0] = '"';
			memset(buf + 1, 'a', 24);
			buf[1 + k] = (char)c;
			buf[25] = '"';
			rc = jcs_read_canonical((const uint8_t *)buf, 26, 0, &v);
			rrc = jcs_parse_reference(buf, 26, 0, 1, &ref);
			assert_int_equal(rc == LIEN_OK, rrc == LIEN_OK);
			if (rc == LIEN_OK)
				assert_true(json_equal(v, ref));
			json_decref(v);
			json_decref(ref);
		}
}

/* The writer passes over plain ASCII eight bytes at a time: every ASCII
 * byte value at every offset of a string is written as RFC 8785 says
 * (3.2.2.2: the short escapes, other controls as \\u00xx, the rest as
 * it is). */
static void
test_jcs_serialize_string_bytes(void **state)
{
	for (unsigned c = 0; c < 0x80; c++)
		for (size_t k = 0; k < 24; k++) {
			char in[24], want[2 + 23 + 6 + 1], *out = NULL;
			json_t *v;
			size_t n, w = 0;

			memset(in, 'a', sizeof in);
			in[k] = (char)c;
			want[w++] = '"';
			memset(want + w, 'a', k);
			w += k;
			if (c == '"' || c == '\\')
				w += (size_t)sprintf(want + w, "\\%c", c);
			else if (c == 8 || c == 9 || c == 10 || c == 12 ||
			    c == 13)
				w += (size_t)sprintf(want + w, "\\%c",
				    "btn?fr"[c - 8]);
			else if (c < 0x20)
				w += (size_t)sprintf(want + w, "\\u%04x", c);
			else
				want[w++] = (char)c;
			memset(want + w, 'a', 23 - k);
			w += 23 - k;
			want[w++] = '"';
			assert_non_null(v = json_stringn(in, sizeof in));
			assert_int_equal(jcs_serialize(v, &out, &n), LIEN_OK);
			assert_int_equal(n, w);
			assert_memory_equal(out, want, w);
			free(out);
			json_decref(v);
		}
	(void)state;
}

static void
test_jcs_read_canonical_negatives(void **state)
{
	json_t *v = (json_t *)1;
	char *big;
	size_t n;

	(void)state;
	R("", LIEN_EPARSE);
	R(" 1", LIEN_EPARSE);
	R("1 ", LIEN_EPARSE);
	R("[1, 2]", LIEN_EPARSE);
	R("{ }", LIEN_EPARSE);
	R("{\"b\":1,\"a\":2}", LIEN_EPARSE);	/* order */
	R("{\"a\":1,\"a\":2}", LIEN_EPARSE);	/* duplicate */
	R("{\"a\":1,}", LIEN_EPARSE);
	R("[1,]", LIEN_EPARSE);
	R("{\"a\"1}", LIEN_EPARSE);
	R("{\"a\":}", LIEN_EPARSE);
	R("{1:1}", LIEN_EPARSE);
	R("-0", LIEN_EPARSE);
	R("01", LIEN_EPARSE);
	R("+1", LIEN_EPARSE);
	R("-", LIEN_EPARSE);
	R("1.0", LIEN_EPARSE);
	R("1e5", LIEN_EPARSE);
	R("9007199254740992", LIEN_EPARSE);
	R("-9007199254740992", LIEN_EPARSE);
	R("99999999999999999999999999", LIEN_EPARSE);
	R("tru", LIEN_EPARSE);
	R("nul", LIEN_EPARSE);
	R("True", LIEN_EPARSE);
	R("\"\\u0041\"", LIEN_EPARSE);		/* 'A' has a raw form */
	R("\"\\/\"", LIEN_EPARSE);
	R("\"\\u000F\"", LIEN_EPARSE);		/* upper-case hex */
	R("\"\\u0008\"", LIEN_EPARSE);		/* \b is the form */
	R("\"\\u000a\"", LIEN_EPARSE);		/* \n is the form */
	R("\"\\u0000\"", LIEN_EPARSE);		/* refused by the reference */
	R("\"\\u00e9\"", LIEN_EPARSE);		/* raw UTF-8 is the form */
	R("\"\\x\"", LIEN_EPARSE);
	R("\"\\u00\"", LIEN_EPARSE);
	R("\"\\", LIEN_EPARSE);
	R("\"a\tb\"", LIEN_EPARSE);		/* raw control */
	R("\"\xff\"", LIEN_EPARSE);
	R("\"\xc0\xaf\"", LIEN_EPARSE);		/* overlong */
	R("\"\xed\xa0\x80\"", LIEN_EPARSE);	/* surrogate */
	R("\"\xf4\x90\x80\x80\"", LIEN_EPARSE);	/* above U+10FFFF */
	R("\"\xe2\x82\"", LIEN_EPARSE);		/* cut sequence */
	R("\"abc", LIEN_EPARSE);
	R("{\"a\":1}x", LIEN_EPARSE);
	R("1\0", LIEN_EPARSE);
	R("[1", LIEN_EPARSE);
	/* an escaped key is legal, and left to the reference reader */
	R("{\"\\n\":1}", LIEN_EUNSUPPORTED);
	assert_int_equal(jcs_parse_canonical((const uint8_t *)"{\"\\n\":1}",
	    8, NULL), LIEN_OK);
	/* depth: every value counts, the top one at 1 */
	big = malloc(2 * JCS_DEPTH_MAX + 4);
	assert_non_null(big);
	memset(big, '[', JCS_DEPTH_MAX);
	memset(big + JCS_DEPTH_MAX, ']', JCS_DEPTH_MAX);
	expect_read(big, 2 * JCS_DEPTH_MAX, LIEN_OK);
	memset(big, '[', JCS_DEPTH_MAX + 1);
	memset(big + JCS_DEPTH_MAX + 1, ']', JCS_DEPTH_MAX + 1);
	expect_read(big, 2 * JCS_DEPTH_MAX + 2, LIEN_ETOOBIG);
	assert_int_equal(jcs_read_canonical((const uint8_t *)"[[1]]", 5, 2,
	    &v), LIEN_ETOOBIG);
	assert_null(v);
	free(big);
	/* string cap: JCS_STRING_MAX decoded bytes pass, one more does not */
	n = JCS_STRING_MAX + 3;
	big = malloc(n);
	assert_non_null(big);
	big[0] = '"';
	memset(big + 1, 'a', n - 2);
	big[n - 1] = '"';
	expect_read(big, n, LIEN_ETOOBIG);
	big[n - 2] = '"';
	expect_read(big, n - 1, LIEN_OK);
	free(big);
	/* member cap */
	n = 1 + 2 * (JCS_MEMBERS_MAX + 1);	/* "[0,...,0]" */
	big = malloc(n);
	assert_non_null(big);
	big[0] = '[';
	for (size_t i = 0; i <= JCS_MEMBERS_MAX; i++) {
		big[1 + 2 * i] = '0';
		big[2 + 2 * i] = ',';
	}
	big[n - 1] = ']';
	expect_read(big, n, LIEN_ETOOBIG);
	big[n - 3] = ']';			/* JCS_MEMBERS_MAX exactly */
	expect_read(big, n - 2, LIEN_OK);
	expect_read(big, n - 3, LIEN_EPARSE);	/* its ']' cut */
	free(big);
	/* whole text and arguments */
	assert_int_equal(jcs_read_canonical((const uint8_t *)"1",
	    (size_t)JCS_TEXT_MAX + 1, 0, &v), LIEN_ETOOBIG);
	assert_int_equal(jcs_read_canonical(NULL, 1, 0, &v), LIEN_EINVAL);
	assert_int_equal(jcs_read_canonical((const uint8_t *)"1", 1, 0, NULL),
	    LIEN_EINVAL);
}

/* Every prefix and every bit flip of a canonical document, the input
 * ending at a guard page: never a read past len, and an acceptance is
 * always the reference's. */
static void
test_jcs_read_canonical_guard_page(void **state)
{
	static const char doc[] = "{\"a\":[1,-22,{\"k\":null}],\"s\":\"\xe2\x82"
	    "\xac\\n\\u0001\",\"t\":true,\"z\":false}";
	size_t len = sizeof(doc) - 1;
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *map, *end;
	int fd;

	(void)state;
	fd = open("/dev/zero", O_RDWR);	/* POSIX: no MAP_ANONYMOUS */
	assert_true(fd >= 0);
	map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE,
	    fd, 0);
	assert_int_equal(close(fd), 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	end = map + pg;
	expect_read(doc, len, LIEN_OK);
	for (size_t i = 0; i <= len; i++) {
		json_t *v = NULL, *ref = NULL;
		uint8_t *p = end - i;
		enum lien_status st;

		memcpy(p, doc, i);
		st = jcs_read_canonical(p, i, 0, &v);
		if (i < len)
			assert_int_not_equal(st, LIEN_OK);
		else
			assert_int_equal(st, LIEN_OK);
		if (st == LIEN_OK)
			assert_int_equal(jcs_parse_reference((const char *)p, i,
			    0, 1, &ref), LIEN_OK);
		json_decref(v);
		json_decref(ref);
	}
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			json_t *v = NULL, *ref = NULL;
			uint8_t *p = end - len;

			memcpy(p, doc, len);
			p[i] = (uint8_t)(p[i] ^ (1u << b));
			if (jcs_read_canonical(p, len, 0, &v) != LIEN_OK)
				continue;
			assert_int_equal(jcs_parse_reference((const char *)p,
			    len, 0, 1, &ref), LIEN_OK);
			assert_true(json_equal(v, ref));
			json_decref(v);
			json_decref(ref);
		}
	assert_int_equal(munmap(map, (size_t)pg * 2), 0);
}

/* ---- cross-check against Python's json ------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static json_t *
rand_value(int depth)
{
	static const char *const strs[] = {
		"", "a", "\xe2\x82\xac", "\"q\"", "back\\slash", "\x01\x1f\x7f",
		"tab\tnl\n", "\xf0\x9f\x98\x80", "\xe6\xb5\x99\x46\x31\x32\x33\x34\x35",
		"/",
	};
	unsigned k = (unsigned)(rnd() % (depth > 3 ? 5 : 7));

	switch (k) {
	case 0: return json_null();
	case 1: return json_boolean(rnd() & 1);
	case 2: return json_integer((json_int_t)(rnd() % (2 * (uint64_t)
	    JCS_INT_MAX + 1)) - JCS_INT_MAX);
	case 3: return json_integer((json_int_t)(rnd() % 2000) - 1000);
	case 4: return json_string(strs[rnd() % 10]);
	case 5: {
		json_t *a = json_array();

		for (unsigned i = (unsigned)(rnd() % 4); i > 0; i--)
			json_array_append_new(a, rand_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();

		for (unsigned i = (unsigned)(rnd() % 6); i > 0; i--) {
			char key[8];
			size_t kl = 1 + rnd() % 6;

			for (size_t j = 0; j < kl; j++)
				key[j] = (char)(0x20 + rnd() % 95);
			key[kl] = 0;
			json_object_set_new(o, key, rand_value(depth + 1));
		}
		return o;
	}
	}
}

static void
test_jcs_serialize_python_crosscheck(void **state)
{
	char path[] = "/tmp/lienlog-test-jcs-XXXXXX", cmd[512];
	char *line = NULL;
	size_t cap = 0;
	FILE *f, *py;
	int fd, nobj = 300;
	char **ours;

	(void)state;
	/* scripts/deps.sh installs python3: its absence is a failure. */
	assert_int_equal(access("/usr/bin/python3", X_OK), 0);
	ours = calloc((size_t)nobj, sizeof(*ours));
	assert_non_null(ours);
	assert_true((fd = mkstemp(path)) >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (int i = 0; i < nobj; i++) {
		json_t *v = rand_value(0);
		char *loose;
		size_t n;

		assert_int_equal(jcs_serialize(v, &ours[i], &n), LIEN_OK);
		/* Python reads a loose (indented, unsorted) rendering */
		loose = json_dumps(v, JSON_INDENT(1) | JSON_ENCODE_ANY);
		assert_non_null(loose);
		for (char *p = loose; *p; p++)
			if (*p == '\n')
				*p = ' ';
		fprintf(f, "%s\n", loose);
		free(loose);
		json_decref(v);
	}
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import json,sys\n"
	    "for l in open(sys.argv[1], encoding=\"utf-8\"):\n"
	    " sys.stdout.write(json.dumps(json.loads(l), sort_keys=True, "
	    "separators=(\",\", \":\"), ensure_ascii=False)+\"\\n\")' %s",
	    path);
	py = popen(cmd, "r");
	assert_non_null(py);
	for (int i = 0; i < nobj; i++) {
		ssize_t got = getline(&line, &cap, py);

		assert_true(got > 0);
		line[got - 1] = 0;
		if (strcmp(line, ours[i]) != 0)
			fail_msg("object %d: python %s, ours %s", i, line,
			    ours[i]);
		free(ours[i]);
	}
	assert_int_equal(pclose(py), 0);
	free(line);
	free(ours);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jcs_serialize_rfc8785_strings),
		cmocka_unit_test(test_jcs_serialize_rfc8785_sorting),
		cmocka_unit_test(test_jcs_serialize_escapes),
		cmocka_unit_test(test_jcs_key_compare_utf16),
		cmocka_unit_test(test_jcs_parse_negatives),
		cmocka_unit_test(test_jcs_parse_canonical_refuses_loose),
		cmocka_unit_test(test_jcs_serialize_refuses),
		cmocka_unit_test(test_jcs_digest_known),
		cmocka_unit_test(test_jcs_parse_truncate_flip),
		cmocka_unit_test(test_jcs_serialize_python_crosscheck),
		cmocka_unit_test(test_jcs_read_canonical_accepts),
		cmocka_unit_test(test_jcs_read_canonical_negatives),
		cmocka_unit_test(test_jcs_read_canonical_string_bytes),
		cmocka_unit_test(test_jcs_serialize_string_bytes),
		cmocka_unit_test(test_jcs_read_canonical_guard_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
