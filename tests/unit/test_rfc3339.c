/* common/rfc3339: the epoch, leap days, the last writable millisecond and
 * the first one RFC 3339 cannot write (LIEN_ERANGE, out = ""). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "common/rfc3339.h"

static void
test_rfc3339_ms_values(void **state)
{
	static const struct {
		uint64_t ms;
		const char *want;
	} v[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 7000, "1970-01-01T00:00:07.000Z" },
		{ 951782400000ull, "2000-02-29T00:00:00.000Z" },
		{ 1798761599999ull, "2026-12-31T23:59:59.999Z" },
		{ 4107542400000ull, "2100-03-01T00:00:00.000Z" },
		{ 253402300799999ull, "9999-12-31T23:59:59.999Z" },
	};
	char out[RFC3339_MS_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(rfc3339_ms(v[i].ms, out), LIEN_OK);
		assert_int_equal(strlen(out), RFC3339_MS_LEN);
		assert_string_equal(out, v[i].want);
	}
}

static void
test_rfc3339_ms_range(void **state)
{
	char out[RFC3339_MS_LEN + 1];

	(void)state;
	memset(out, 'x', sizeof out);
	assert_int_equal(rfc3339_ms(253402300800000ull, out), LIEN_ERANGE);
	assert_string_equal(out, "");
	memset(out, 'x', sizeof out);
	assert_int_equal(rfc3339_ms(UINT64_MAX, out), LIEN_ERANGE);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_ms_values),
		cmocka_unit_test(test_rfc3339_ms_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
