/*
 * crypto/idemkey: lienlog's published Idempotency-Key form (lowercase
 * UUIDv7 text in an RFC 8941 sf-string). Generation round-trips through
 * the parser with the time it was made for; every other spelling --
 * upper case, another version or variant, hyphens moved, braces, URN,
 * escapes, parameters, truncation, trailing bytes, a flipped byte -- is
 * refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "crypto/idemkey.h"
#include "crypto/sign.h"

static void
test_idemkey_generate_parse(void **state)
{
	char k[IDEMKEY_LEN + 1], k2[IDEMKEY_LEN + 1];
	uint64_t t;

	(void)state;
	assert_int_equal(lcrypto_init(), LIEN_OK);
	assert_int_equal(idemkey_generate(1767225600123ull, k), LIEN_OK);
	assert_int_equal(strlen(k), IDEMKEY_LEN);
	assert_int_equal(idemkey_parse(k, strlen(k), &t), LIEN_OK);
	assert_int_equal(t, 1767225600123ull);
	assert_int_equal(k[14], '7');
	assert_non_null(strchr("89ab", k[19]));
	assert_int_equal(idemkey_generate(1767225600123ull, k2), LIEN_OK);
	assert_string_not_equal(k, k2);		/* 74 random bits */
	assert_int_equal(idemkey_generate(0, k), LIEN_OK);
	assert_int_equal(idemkey_parse(k, strlen(k), &t), LIEN_OK);
	assert_int_equal(t, 0);
	assert_int_equal(idemkey_generate(IDEMKEY_TIME_MAX, k), LIEN_OK);
	assert_int_equal(idemkey_parse(k, strlen(k), &t), LIEN_OK);
	assert_int_equal(t, IDEMKEY_TIME_MAX);
	assert_int_equal(idemkey_generate(IDEMKEY_TIME_MAX + 1, k),
	    LIEN_EINVAL);
	assert_string_equal(k, "");
}

static void
test_idemkey_parse_refusals(void **state)
{
	/* RFC 9562 appendix A.6 example, a valid UUIDv7 */
	static const char good[] = "017f22e2-79b0-7cc3-98c4-dc0c0c07398f";
	static const char *const bad[] = {
		"",
		"017F22E2-79B0-7CC3-98C4-DC0C0C07398F",	/* upper case */
		"017f22e2-79b0-4cc3-98c4-dc0c0c07398f",	/* version 4 */
		"017f22e2-79b0-7cc3-c8c4-dc0c0c07398f",	/* variant 110 */
		"017f22e2-79b0-7cc3-78c4-dc0c0c07398f",	/* variant 0 */
		"017f22e279b0-7cc3-98c4-dc0c0c07398f-",	/* hyphens moved */
		"017f22e2-79b0-7cc3-98c4-dc0c0c07398",	/* truncated */
		"017f22e2-79b0-7cc3-98c4-dc0c0c07398f0",	/* trailing */
		"{017f22e2-79b0-7cc3-98c4-dc0c0c07398f}",
		"urn:uuid:017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
		"017f22e2-79b0-7cc3-98c4-dc0c0c07398g",
		"017f22e2 79b0-7cc3-98c4-dc0c0c07398f",
	};
	uint64_t t;

	(void)state;
	assert_int_equal(idemkey_parse(good, strlen(good), &t), LIEN_OK);
	assert_int_equal(t, 0x017f22e279b0ull);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 1;
		assert_int_equal(idemkey_parse(bad[i], strlen(bad[i]), &t),
		    LIEN_EPARSE);
		assert_int_equal(t, 0);
	}
	assert_int_equal(idemkey_parse(NULL, 0, &t), LIEN_EPARSE);
	/* a bit flip in each byte is refused, or (a hex digit flipped into
	 * another) parses as another key: never as this one */
	for (size_t i = 0; i < IDEMKEY_LEN; i++) {
		for (unsigned b = 0; b < 8; b++) {
			char k[IDEMKEY_LEN + 1];
			uint64_t t2;

			memcpy(k, good, sizeof k);
			k[i] = (char)(k[i] ^ (1 << b));
			if (idemkey_parse(k, IDEMKEY_LEN, &t2) == LIEN_OK)
				assert_memory_not_equal(k, good, IDEMKEY_LEN);
		}
	}
}

static void
test_idemkey_field_parse(void **state)
{
	static const char good[] = "\"017f22e2-79b0-7cc3-98c4-dc0c0c07398f\"";
	static const char *const bad[] = {
		"017f22e2-79b0-7cc3-98c4-dc0c0c07398f",	/* a token */
		"\"017f22e2-79b0-7cc3-98c4-dc0c0c07398f\";a=1",
		"\"017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
		"\"017f22e2-79b0-7cc3-98c4-dc0c0c07398\\f\"",
		"\"017f22e2-79b0-7cc3-98c4-dc0c0c07398f\" ",
		" \"017f22e2-79b0-7cc3-98c4-dc0c0c07398f\"",
		"\"\"",
		"",
		":AX8i4nmwfMOYxNwMDAc5jw==:",		/* a byte sequence */
	};
	const char *key;
	uint64_t t;

	(void)state;
	assert_int_equal(idemkey_field_parse(good, strlen(good), &key, &t),
	    LIEN_OK);
	assert_ptr_equal(key, good + 1);
	assert_int_equal(t, 0x017f22e279b0ull);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(idemkey_field_parse(bad[i], strlen(bad[i]),
		    &key, &t), LIEN_EPARSE);
		assert_null(key);
		assert_int_equal(t, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idemkey_generate_parse),
		cmocka_unit_test(test_idemkey_parse_refusals),
		cmocka_unit_test(test_idemkey_field_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
