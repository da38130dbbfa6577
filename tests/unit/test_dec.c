/* common/dec: canonical unsigned decimals, with every negative. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/dec.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dec_u64_parse_canonical),
		cmocka_unit_test(test_dec_u64_parse_rejects),
		cmocka_unit_test(test_dec_u64_arg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
