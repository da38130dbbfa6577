/*
 * Owner access codes (api/owner.h): the canonical spelling round-trips,
 * names its application, and every other spelling, another key or any
 * changed character is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "api/owner.h"
#include "crypto/hash.h"
#include "crypto/sign.h"

static int
setup(void **state)
{
	(void)state;
	return lcrypto_init() == LIEN_OK ? 0 : -1;
}

static struct seal_key *
key_of(uint8_t fill)
{
	uint8_t raw[SEAL_KEY_LEN];
	struct seal_key *k = NULL;

	memset(raw, fill, sizeof(raw));
	assert_int_equal(seal_key_new(raw, sizeof(raw), &k), LIEN_OK);
	return k;
}

static void
test_owner_code_roundtrip(void **state)
{
	static const uint64_t idx[] = { 0, 1, 42, 1000, 4503599627370495u,
		UINT64_MAX };
	struct seal_key *k = key_of(7);
	char code[OWNER_CODE_MAX], id[OWNER_APP_ID_LEN + 1], want[32];

	(void)state;
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		assert_int_equal(owner_code_make(k, idx[i], code), LIEN_OK);
		assert_true(strlen(code) < OWNER_CODE_MAX);
		assert_int_equal(owner_code_check(k, code, strlen(code), id),
		    LIEN_OK);
		snprintf(want, sizeof(want), "A%016llx",
		    (unsigned long long)idx[i]);
		assert_string_equal(id, want);
	}
	/* shape: "<index>-XXXX-XXXX-XXXX-XXXX" */
	assert_int_equal(owner_code_make(k, 42, code), LIEN_OK);
	assert_int_equal(strlen(code), 2 + 4 * 5);
	assert_int_equal(code[2], '-');
	assert_int_equal(code[7], '-');
	seal_key_free(k);
}

static void
test_owner_code_refusals(void **state)
{
	struct seal_key *k = key_of(7), *other = key_of(8);
	char code[OWNER_CODE_MAX], bad[OWNER_CODE_MAX + 64];
	char id[OWNER_APP_ID_LEN + 1];
	size_t n;

	(void)state;
	assert_int_equal(owner_code_make(k, 1234, code), LIEN_OK);
	n = strlen(code);
	/* another key: the same spelling does not verify */
	assert_int_equal(owner_code_check(other, code, n, id), LIEN_EVERIFY);
	assert_string_equal(id, "");
	/* every character changed */
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, code, n + 1);
		bad[i] = bad[i] == '9' ? '8' : bad[i] == 'Z' ? 'Y' :
		    bad[i] == '-' ? 'A' : (char)(bad[i] + 1);
		assert_int_not_equal(owner_code_check(k, bad, n, id), LIEN_OK);
	}
	/* another index with this tag: the tag binds the application */
	memcpy(bad, code, n + 1);
	bad[0] = '2';
	assert_int_equal(owner_code_check(k, bad, n, id), LIEN_EVERIFY);
	/* non-canonical spellings */
	snprintf(bad, sizeof(bad), "0%s", code);
	assert_int_equal(owner_code_check(k, bad, n + 1, id), LIEN_EPARSE);
	memcpy(bad, code, n + 1);
	for (size_t i = 0; i < n; i++)
		if (bad[i] >= 'A' && bad[i] <= 'Z') {
			bad[i] = (char)(bad[i] - 'A' + 'a');
			break;
		}
	if (strcmp(bad, code) != 0)
		assert_int_equal(owner_code_check(k, bad, n, id), LIEN_EPARSE);
	assert_int_equal(owner_code_check(k, code, n - 1, id), LIEN_EPARSE);
	snprintf(bad, sizeof(bad), "%sA", code);
	assert_int_equal(owner_code_check(k, bad, n + 1, id), LIEN_EPARSE);
	assert_int_equal(owner_code_check(k, "", 0, id), LIEN_EPARSE);
	assert_int_equal(owner_code_check(k, code + 4, n - 4, id), LIEN_EPARSE);
	snprintf(bad, sizeof(bad), "18446744073709551616%s", code + 4);
	assert_int_equal(owner_code_check(k, bad, strlen(bad), id),
	    LIEN_EPARSE);
	/* Crockford letters I, L, O, U never occur */
	memcpy(bad, code, n + 1);
	bad[n - 1] = 'U';
	assert_int_equal(owner_code_check(k, bad, n, id), LIEN_EPARSE);
	assert_int_equal(owner_code_make(NULL, 1, code), LIEN_EINVAL);
	seal_key_free(k);
	seal_key_free(other);
}

static void
test_owner_read_nonce(void **state)
{
	uint8_t n[32], h[32];

	(void)state;
	owner_read_nonce(n);
	hash_sha256("lienlog-owner-read-v1", 21, h);
	assert_memory_equal(n, h, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_code_roundtrip),
		cmocka_unit_test(test_owner_code_refusals),
		cmocka_unit_test(test_owner_read_nonce),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
