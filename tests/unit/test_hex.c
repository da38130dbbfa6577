/* common/hex: the one lowercase hex codec, with every negative. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/hex.h"

static void
test_hex_char_and_values_all_bytes(void **state)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";

	(void)state;
	for (unsigned v = 0; v < 64; v++)
		assert_int_equal(hex_char(v), lower[v & 15u]);
	/* Every byte value, and the signed-char range a caller might pass:
	 * exactly the 16 digits of each alphabet map, nothing else. */
	for (int c = -128; c < 256; c++) {
		const char *l = c > 0 ? memchr(lower, c, 16) : NULL;
		const char *u = c > 0 ? memchr(upper, c, 16) : NULL;

		assert_int_equal(hex_value(c), l ? (int)(l - lower) : -1);
		assert_int_equal(hex_value_upper(c), u ? (int)(u - upper) : -1);
	}
}

static void
test_hex_encode_decode_roundtrip(void **state)
{
	uint8_t in[256], out[256];
	char txt[HEX_LEN(256) + 1];

	(void)state;
	for (unsigned i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)i;
	hex_encode(in, sizeof in, txt);
	assert_int_equal(strlen(txt), HEX_LEN(256));
	assert_memory_equal(txt, "000102", 6);
	assert_memory_equal(txt + HEX_LEN(250), "fafbfcfdfeff", 12);
	assert_int_equal(hex_decode(txt, strlen(txt), out, sizeof out), LIEN_OK);
	assert_memory_equal(in, out, sizeof in);
	/* Empty is fine both ways. */
	hex_encode(in, 0, txt);
	assert_string_equal(txt, "");
	assert_int_equal(hex_decode("", 0, out, 0), LIEN_OK);
}

static void
test_hex_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"0A", "A0", "0g", " 0", "0 ", "0x", "-1", "+1", "\n0", "0\n",
	};
	uint8_t out[4];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 0xee, sizeof out);
		assert_int_equal(hex_decode(bad[i], 2, out, 1), LIEN_EPARSE);
		assert_int_equal(out[0], 0);	/* zeroed on failure */
	}
	/* Exact length only: short, long, odd, NULL. */
	assert_int_equal(hex_decode("abcd", 4, out, 1), LIEN_EPARSE);
	assert_int_equal(hex_decode("ab", 2, out, 2), LIEN_EPARSE);
	assert_int_equal(hex_decode("abc", 3, out, 2), LIEN_EPARSE);
	assert_int_equal(hex_decode(NULL, 0, out, 1), LIEN_EPARSE);
	/* An embedded NUL is not a digit. */
	assert_int_equal(hex_decode("a\0", 2, out, 1), LIEN_EPARSE);
	/* A bad digit in the last byte still zeroes the whole output. */
	memset(out, 0xee, sizeof out);
	assert_int_equal(hex_decode("0102030G", 8, out, 4), LIEN_EPARSE);
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);
}

/* Every byte value at every position of inputs of 1..9 bytes (both the
 * eight-digit path and the digit-at-a-time tail), against the per-digit
 * reading: the same verdict, the same bytes, zeroes on failure. */
static void
test_hex_decode_every_byte_every_position(void **state)
{
	static const char digits[] = "0123456789abcdef";
	char txt[HEX_LEN(9)];
	uint8_t out[9], want[9];

	(void)state;
	for (size_t n = 1; n <= 9; n++)
		for (size_t pos = 0; pos < HEX_LEN(n); pos++)
			for (int c = 0; c < 256; c++) {
				int ok = 1;

				for (size_t i = 0; i < HEX_LEN(n); i++)
					txt[i] = digits[(i * 7 + n) & 15u];
				txt[pos] = (char)c;
				for (size_t i = 0; i < n; i++) {
					int hi = hex_value((unsigned char)
					    txt[2 * i]);
					int lo = hex_value((unsigned char)
					    txt[2 * i + 1]);

					ok &= hi >= 0 && lo >= 0;
					want[i] = (uint8_t)((unsigned)hi << 4 |
					    ((unsigned)lo & 15u));
				}
				if (!ok)
					memset(want, 0, n);
				memset(out, 0xee, sizeof out);
				assert_int_equal(hex_decode(txt, HEX_LEN(n), out,
				    n), ok ? LIEN_OK : LIEN_EPARSE);
				assert_memory_equal(out, want, n);
			}
}

static void
test_hex_u64(void **state)
{
	char buf[17] = { 0 };
	uint64_t v;

	(void)state;
	hex_u64_put(0x1234abcdu, 8, buf);
	assert_string_equal(buf, "1234abcd");
	hex_u64_put(UINT64_MAX, 16, buf);
	assert_string_equal(buf, "ffffffffffffffff");
	hex_u64_put(1, 16, buf);
	assert_string_equal(buf, "0000000000000001");
	assert_int_equal(hex_u64_get("0000000000000001", 16, &v), LIEN_OK);
	assert_int_equal(v, 1);
	assert_int_equal(hex_u64_get("ffffffffffffffff", 16, &v), LIEN_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(hex_u64_get("00ab", 4, &v), LIEN_OK);
	assert_int_equal(v, 0xab);
	/* Empty, over 16 digits, upper case, non-digits. */
	assert_int_equal(hex_u64_get("", 0, &v), LIEN_EPARSE);
	assert_int_equal(hex_u64_get("00000000000000001", 17, &v),
	    LIEN_EPARSE);
	assert_int_equal(hex_u64_get("AB", 2, &v), LIEN_EPARSE);
	v = 7;
	assert_int_equal(hex_u64_get("1z", 2, &v), LIEN_EPARSE);
	assert_int_equal(v, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_char_and_values_all_bytes),
		cmocka_unit_test(test_hex_encode_decode_roundtrip),
		cmocka_unit_test(test_hex_decode_rejects),
		cmocka_unit_test(test_hex_decode_every_byte_every_position),
		cmocka_unit_test(test_hex_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
