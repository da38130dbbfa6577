/*
 * Unit tests for common/b64.c: RFC 4648 section 10 vectors, round trips
 * of every length and byte value, and the strictness rules (one accepted
 * encoding per value).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/b64.h"

static const struct {
	const char *raw, *enc;
} rfc4648[] = {	/* RFC 4648 section 10 */
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void
test_b64_encode_rfc4648(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		char out[16];
		size_t n = strlen(rfc4648[i].raw);

		assert_int_equal(b64_encode((const uint8_t *)rfc4648[i].raw, n,
		    out, sizeof out), LIEN_OK);
		assert_string_equal(out, rfc4648[i].enc);
		assert_int_equal(strlen(out), B64_ENCODED_LEN(n));
	}
}

static void
test_b64_decode_rfc4648(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
		uint8_t out[8];
		size_t n = 99;

		assert_int_equal(b64_decode(rfc4648[i].enc,
		    strlen(rfc4648[i].enc), out, sizeof out, &n), LIEN_OK);
		assert_int_equal(n, strlen(rfc4648[i].raw));
		assert_memory_equal(out, rfc4648[i].raw, n);
	}
}

static void
test_b64_roundtrip_all_lengths(void **state)
{
	uint8_t in[300], back[300];
	char enc[B64_ENCODED_LEN(300) + 1];

	(void)state;
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof in; len++) {
		size_t n;

		assert_int_equal(b64_encode(in, len, enc, sizeof enc), LIEN_OK);
		assert_int_equal(b64_decode(enc, strlen(enc), back, sizeof back,
		    &n), LIEN_OK);
		assert_int_equal(n, len);
		assert_memory_equal(back, in, len);
	}
}

static void
test_b64_roundtrip_alphabet(void **state)
{
	/* 48 bytes whose 6-bit groups are 0, 1, ..., 63: the whole alphabet. */
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t raw[48], back[48];
	char enc[65];
	size_t n;

	(void)state;
	assert_int_equal(b64_decode(alphabet, 64, raw, sizeof raw, &n), LIEN_OK);
	assert_int_equal(n, 48);
	assert_int_equal(b64_encode(raw, 48, enc, sizeof enc), LIEN_OK);
	assert_string_equal(enc, alphabet);
	assert_int_equal(b64_decode(enc, 64, back, sizeof back, &n), LIEN_OK);
	assert_memory_equal(back, raw, 48);
}

static void
test_b64_decode_rejects_noncanonical(void **state)
{
	static const char *bad[] = {
		"Zg=", "Zg", "Z", "Zm9", "Zm9vY",	/* length not 4k */
		"Zh==", "Zm9=",			/* non-zero pad bits */
		"Zg==Zg==", "Zg=a", "=Zg=", "====", "Z===", "A===",
		"Zm9v\n", " Zm9", "Zm9v ", "Zm\n9v",	/* whitespace */
		"Zm-v", "Zm_v", "Zm.v", "Zm9\x80", "Zm9\0",	/* alphabet */
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t out[8];
		size_t n = 99, len = strlen(bad[i]);

		if (i == sizeof bad / sizeof bad[0] - 1)
			len = 4;	/* embedded NUL */
		memset(out, 0xaa, sizeof out);
		assert_int_equal(b64_decode(bad[i], len, out, sizeof out, &n),
		    LIEN_EPARSE);
		assert_int_equal(n, 0);
		for (size_t j = 0; j < sizeof out; j++)
			assert_int_equal(out[j], 0);	/* zeroed on failure */
	}
}

static void
test_b64_decode_cap_short(void **state)
{
	uint8_t out[5];
	size_t n = 99;

	(void)state;
	memset(out, 0xaa, sizeof out);
	assert_int_equal(b64_decode("Zm9vYmFy", 8, out, 5, &n), LIEN_ETOOBIG);
	assert_int_equal(n, 0);
	for (size_t j = 0; j < sizeof out; j++)
		assert_int_equal(out[j], 0);
	assert_int_equal(b64_decode("Zm9vYmE=", 8, out, 5, &n), LIEN_OK);
	assert_int_equal(n, 5);
}

static void
test_b64_encode_cap_short(void **state)
{
	char out[9];

	(void)state;
	/* "foobar" needs 8 chars and the NUL. */
	assert_int_equal(b64_encode((const uint8_t *)"foobar", 6, out, 8),
	    LIEN_ETOOBIG);
	assert_int_equal(b64_encode((const uint8_t *)"foobar", 6, out, 9),
	    LIEN_OK);
	assert_string_equal(out, "Zm9vYmFy");
	assert_int_equal(b64_encode((const uint8_t *)"", 0, out, 0),
	    LIEN_ETOOBIG);
	assert_int_equal(b64_encode((const uint8_t *)"", 0, out, 1), LIEN_OK);
	assert_string_equal(out, "");
}

static void
test_b64_decode_every_char(void **state)
{
	/* Exactly 64 of the 256 byte values are digits in the first position. */
	int ok = 0;

	(void)state;
	for (int c = 0; c < 256; c++) {
		char in[4] = { (char)c, 'A', 'A', 'A' };
		uint8_t out[3];
		size_t n;

		if (b64_decode(in, 4, out, sizeof out, &n) == LIEN_OK)
			ok++;
	}
	assert_int_equal(ok, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_encode_rfc4648),
		cmocka_unit_test(test_b64_decode_rfc4648),
		cmocka_unit_test(test_b64_roundtrip_all_lengths),
		cmocka_unit_test(test_b64_roundtrip_alphabet),
		cmocka_unit_test(test_b64_decode_rejects_noncanonical),
		cmocka_unit_test(test_b64_decode_cap_short),
		cmocka_unit_test(test_b64_encode_cap_short),
		cmocka_unit_test(test_b64_decode_every_char),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
