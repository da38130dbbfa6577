/*
 * Unit tests for crypto/keyring and seal_key_ref (docs/privacy.md
 * "Identifiers and keys"): vectors computed independently with Python's
 * hashlib.blake2b over the documented byte strings (master key
 * bytes(range(32)), person key bytes(range(32, 64))); person keys wrap and
 * unwrap, refuse another id, another master key, any flipped byte; keyed
 * identifiers refuse bad labels.
 *
 *   def b2(msg, key): return blake2b(msg, key=key, digest_size=32).digest()
 *   K_x = b2(label_x, M); K_salt(K) = b2(b"lienlog-salt-key-v1", K)
 *   index = b2(b"lienlog-subject-v1\0" + b"\x01" + id, K_salt(K_index))
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "crypto/keyring.h"
#include "crypto/sign.h"

static void
hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(hex, HEX_LEN(n), out, n), LIEN_OK);
}

static int
setup(void **state)
{
	(void)state;
	return lcrypto_init() == LIEN_OK ? 0 : -1;
}

static struct keyring *
ring(uint8_t first)
{
	uint8_t m[KEYRING_MASTER_LEN];
	struct keyring *kr = NULL;

	for (unsigned i = 0; i < sizeof m; i++)
		m[i] = (uint8_t)(first + i);
	assert_int_equal(keyring_new(m, sizeof m, &kr), LIEN_OK);
	return kr;
}

static void
test_keyring_new_bad(void **state)
{
	uint8_t m[KEYRING_MASTER_LEN + 1] = { 0 };
	struct keyring *kr = (struct keyring *)m;

	(void)state;
	assert_int_equal(keyring_new(m, 31, &kr), LIEN_EINVAL);
	assert_null(kr);
	assert_int_equal(keyring_new(m, 33, &kr), LIEN_EINVAL);
	assert_int_equal(keyring_new(NULL, 32, &kr), LIEN_EINVAL);
	assert_int_equal(keyring_new(m, 32, NULL), LIEN_EINVAL);
	keyring_free(NULL);
}

static void
test_keyring_subject_index_vector(void **state)
{
	static const char id[] = "11010519491231002X";
	struct keyring *kr = ring(0), *other = ring(1);
	uint8_t got[KEYRING_INDEX_LEN], want[KEYRING_INDEX_LEN];

	(void)state;
	assert_int_equal(keyring_subject_index(kr, SEAL_KIND_CITIZEN_ID, id,
	    sizeof id - 1, got), LIEN_OK);
	hex_to_bytes("e2fa0378556823dc2fb17c7a752b148b"
	    "74977c7964eeba77cda4a347fe173a1e", want, sizeof want);
	assert_memory_equal(got, want, sizeof want);
	/* another kind, another master key: another index */
	assert_int_equal(keyring_subject_index(kr, SEAL_KIND_OTHER, id,
	    sizeof id - 1, got), LIEN_OK);
	assert_memory_not_equal(got, want, sizeof want);
	assert_int_equal(keyring_subject_index(other, SEAL_KIND_CITIZEN_ID, id,
	    sizeof id - 1, got), LIEN_OK);
	assert_memory_not_equal(got, want, sizeof want);
	assert_int_equal(keyring_subject_index(kr, (enum seal_kind)0, id,
	    sizeof id - 1, got), LIEN_EINVAL);
	keyring_free(kr);
	keyring_free(other);
}

static void
test_keyring_refs_vector(void **state)
{
	static const uint8_t zero = 0;
	struct keyring *kr = ring(0);
	struct hash_part parts[3] = { { "91440300708461136T", 18 },
		{ &zero, 1 }, { "HT-2026-0001", 12 } };
	uint8_t got[SEAL_REF_LEN], want[SEAL_REF_LEN];

	(void)state;
	assert_int_equal(seal_key_ref(keyring_refs(kr), "lienlog-contract-v1",
	    parts, 3, got), LIEN_OK);
	hex_to_bytes("eda361ab2b4bc79775348f94af906cfa"
	    "66cdef42b78fb9359aafaf443f3be253", want, sizeof want);
	assert_memory_equal(got, want, sizeof want);
	/* the identity-commitment salt under K_sys */
	assert_int_equal(seal_salt_derive(keyring_system(kr),
	    SEAL_KIND_CITIZEN_ID, "11010519491231002X", 18, got), LIEN_OK);
	hex_to_bytes("b5e4e6c49a8855dfb6b280f80e44cd19"
	    "d53ad184b01e0bcbf0e415fadfdc91e1", want, sizeof want);
	assert_memory_equal(got, want, sizeof want);
	/* labels: empty, too long, NULL */
	assert_int_equal(seal_key_ref(keyring_refs(kr), "", NULL, 0, got),
	    LIEN_EINVAL);
	assert_int_equal(seal_key_ref(keyring_refs(kr),
	    "0123456789012345678901234567890123456789012345678901234567890123x",
	    NULL, 0, got), LIEN_EINVAL);
	assert_int_equal(seal_key_ref(keyring_refs(kr), NULL, NULL, 0, got),
	    LIEN_EINVAL);
	for (unsigned i = 0; i < sizeof got; i++)
		assert_int_equal(got[i], 0);
	keyring_free(kr);
}

static void
test_keyring_owner_ref_vector(void **state)
{
	uint8_t p[SEAL_KEY_LEN], got[SEAL_REF_LEN], want[SEAL_REF_LEN];
	struct seal_key *k = NULL;

	(void)state;
	for (unsigned i = 0; i < sizeof p; i++)
		p[i] = (uint8_t)(32 + i);
	assert_int_equal(seal_key_new(p, sizeof p, &k), LIEN_OK);
	assert_int_equal(keyring_owner_ref(k, got), LIEN_OK);
	hex_to_bytes("31858b0faed0efc5a3b942b0b4c4a783"
	    "a7624b455228363375302be41e20250c", want, sizeof want);
	assert_memory_equal(got, want, sizeof want);
	seal_key_free(k);
}

static void
test_keyring_person_wrap(void **state)
{
	struct keyring *kr = ring(0), *other = ring(1);
	uint8_t id[KEYRING_ID_LEN], id2[KEYRING_ID_LEN];
	uint8_t w[KEYRING_WRAPPED_LEN], w2[KEYRING_WRAPPED_LEN];
	uint8_t r1[SEAL_REF_LEN], r2[SEAL_REF_LEN], r3[SEAL_REF_LEN];
	struct seal_key *p = NULL, *q = NULL, *p2 = NULL;

	(void)state;
	assert_int_equal(keyring_person_new(kr, id, w, &p), LIEN_OK);
	assert_int_equal(keyring_person_new(kr, id2, w2, &p2), LIEN_OK);
	assert_memory_not_equal(id, id2, sizeof id);
	assert_int_equal(keyring_owner_ref(p, r1), LIEN_OK);
	assert_int_equal(keyring_owner_ref(p2, r3), LIEN_OK);
	assert_memory_not_equal(r1, r3, sizeof r1);	/* one per person */
	assert_int_equal(keyring_person_open(kr, id, w, sizeof w, &q),
	    LIEN_OK);
	assert_int_equal(keyring_owner_ref(q, r2), LIEN_OK);
	assert_memory_equal(r1, r2, sizeof r1);	/* the same key back */
	seal_key_free(q);
	/* another id, another master key, a short box: refused */
	assert_int_equal(keyring_person_open(kr, id2, w, sizeof w, &q),
	    LIEN_EVERIFY);
	assert_null(q);
	assert_int_equal(keyring_person_open(other, id, w, sizeof w, &q),
	    LIEN_EVERIFY);
	assert_int_equal(keyring_person_open(kr, id, w, sizeof w - 1, &q),
	    LIEN_EINVAL);
	/* every flipped byte */
	for (size_t i = 0; i < sizeof w; i++) {
		w[i] ^= 0x01;
		assert_int_not_equal(keyring_person_open(kr, id, w, sizeof w,
		    &q), LIEN_OK);
		assert_null(q);
		w[i] ^= 0x01;
	}
	seal_key_free(p);
	seal_key_free(p2);
	keyring_free(kr);
	keyring_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyring_new_bad),
		cmocka_unit_test(test_keyring_subject_index_vector),
		cmocka_unit_test(test_keyring_refs_vector),
		cmocka_unit_test(test_keyring_owner_ref_vector),
		cmocka_unit_test(test_keyring_person_wrap),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
