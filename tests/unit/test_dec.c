/* common/dec: canonical unsigned decimals, with every negative; and
 * common/rd.h LEB128, the other canonical integer encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/dec.h"
#include "common/rd.h"

static void
test_dec_u64_parse_canonical(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(dec_u64_parse("0", 1, &v), LIEN_OK);
	assert_int_equal(v, 0);
	assert_int_equal(dec_u64_parse("7", 1, &v), LIEN_OK);
	assert_int_equal(v, 7);
	assert_int_equal(dec_u64_parse("1000", 4, &v), LIEN_OK);
	assert_int_equal(v, 1000);
	assert_int_equal(dec_u64_parse("18446744073709551615", 20, &v), LIEN_OK);
	assert_true(v == UINT64_MAX);
	/* Only the first len bytes count: a longer buffer is fine. */
	assert_int_equal(dec_u64_parse("12\n", 2, &v), LIEN_OK);
	assert_int_equal(v, 12);
}

static void
test_dec_u64_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "00", "01", "+1", "-1", " 1", "1 ", "1\n", "0x10", "1e3",
		"1.0", "18446744073709551616", "99999999999999999999",
		"000000000000000000001", "123456789012345678901", "１",
	};
	uint64_t v = 5;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 5;
		assert_int_equal(dec_u64_parse(bad[i], strlen(bad[i]), &v),
		    LIEN_EPARSE);
		assert_int_equal(v, 0);
	}
	assert_int_equal(dec_u64_parse("1\0" "2", 3, &v), LIEN_EPARSE);
	/* Every single-byte substitution of a valid number by a non-digit
	 * is refused. */
	for (int c = 0; c < 256; c++) {
		char buf[4] = { '1', '2', '3', 0 };

		if (c >= '0' && c <= '9')
			continue;
		for (int pos = 0; pos < 3; pos++) {
			buf[0] = '1'; buf[1] = '2'; buf[2] = '3';
			buf[pos] = (char)c;
			assert_int_equal(dec_u64_parse(buf, 3, &v), LIEN_EPARSE);
		}
	}
}

/* dec_u64_arg: command-line values within a range; *out untouched on
 * any refusal, so a preset default survives. */
static void
test_dec_u64_arg(void **state)
{
	static const char *const bad[] = {
		"", "01", "+1", "-1", " 1", "1 ", "1x", "0x10", "1e3",
		"18446744073709551616", "000000000000000000001",
		"99999999999999999999999",
	};
	uint64_t v = 42;

	(void)state;
	assert_int_equal(dec_u64_arg("16", 1, 1024, &v), LIEN_OK);
	assert_int_equal(v, 16);
	assert_int_equal(dec_u64_arg("0", 0, 5, &v), LIEN_OK);
	assert_int_equal(v, 0);
	assert_int_equal(dec_u64_arg("18446744073709551615", 0, UINT64_MAX,
	    &v), LIEN_OK);
	assert_true(v == UINT64_MAX);
	v = 42;
	assert_int_equal(dec_u64_arg("0", 1, 5, &v), LIEN_ERANGE);
	assert_int_equal(dec_u64_arg("6", 1, 5, &v), LIEN_ERANGE);
	assert_int_equal(dec_u64_arg("1025", 1, 1024, &v), LIEN_ERANGE);
	assert_int_equal(dec_u64_arg(NULL, 0, 5, &v), LIEN_EPARSE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dec_u64_arg(bad[i], 0, UINT64_MAX, &v) != LIEN_EPARSE)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(v, 42);
}

/* Every width from 1 to 10 bytes round-trips; the reader takes exactly the
 * bytes written and refuses the empty, truncated, non-minimal and
 * over-2^64 forms with the cursor unchanged. */
static void
test_leb128(void **state)
{
	static const uint64_t vals[] = { 0, 1, 127, 128, 300, 16383, 16384,
	    UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX };
	static const uint8_t bad[][11] = {
		{ 0x80 },			/* truncated */
		{ 0xff, 0xff },			/* truncated */
		{ 0x80, 0x00 },			/* 0 not minimal */
		{ 0x81, 0x80, 0x00 },		/* 1 not minimal */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0x02 },			/* 2^64 */
		{ 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		  0x80, 0x01 },			/* 11 bytes */
	};
	static const size_t bad_len[] = { 1, 2, 2, 3, 10, 11 };
	uint8_t b[LEB128_MAX + 1];
	struct rd r;
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		size_t n = leb128_put(b, vals[i]);

		assert_true(n >= 1 && n <= LEB128_MAX);
		b[n] = 0x55;		/* a trailing byte stays unread */
		rd_init(&r, b, n + 1);
		assert_int_equal(rd_leb128(&r, &v), LIEN_OK);
		assert_true(v == vals[i]);
		assert_int_equal(rd_left(&r), 1);
		rd_init(&r, b, n - 1);	/* truncated by one byte */
		assert_int_equal(rd_leb128(&r, &v), LIEN_EPARSE);
		assert_int_equal(rd_left(&r), n - 1);
	}
	assert_int_equal(leb128_put(b, UINT64_MAX), LEB128_MAX);
	for (size_t i = 0; i < sizeof bad_len / sizeof bad_len[0]; i++) {
		rd_init(&r, bad[i], bad_len[i]);
		assert_int_equal(rd_leb128(&r, &v), LIEN_EPARSE);
		assert_int_equal(rd_left(&r), bad_len[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dec_u64_parse_canonical),
		cmocka_unit_test(test_dec_u64_parse_rejects),
		cmocka_unit_test(test_dec_u64_arg),
		cmocka_unit_test(test_leb128),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
