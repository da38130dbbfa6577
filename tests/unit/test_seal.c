/*
 * Unit tests for crypto/seal: commitment vectors computed independently
 * (Python hashlib over the documented byte string), commit/verify
 * negatives, and sealed boxes: round trip, every byte flipped, wrong key,
 * wrong associated data, truncation, oversize and bad versions; bound
 * boxes (no stored nonce) against an independently computed vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "crypto/seal.h"
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

static void
salt_fixed(uint8_t salt[SEAL_SALT_LEN])
{
	for (unsigned i = 0; i < SEAL_SALT_LEN; i++)
		salt[i] = (uint8_t)i;
}

/* Vectors: hashlib.sha256(b"lienlog-commit-v1\0" + bytes([kind]) +
 * bytes(range(32)) + value).hexdigest() */
static void
test_seal_commit_vectors(void **state)
{
	static const char id[] = "11010519491231002X";
	uint8_t salt[SEAL_SALT_LEN], got[SEAL_COMMIT_LEN], want[SEAL_COMMIT_LEN];

	(void)state;
	salt_fixed(salt);
	assert_int_equal(seal_commit(SEAL_KIND_CITIZEN_ID, salt, id,
	    sizeof id - 1, got), LIEN_OK);
	hex_to_bytes("a768129b01e95d7b08ed272ab8e323ef"
	    "d3e0c5e1d64c8ecd91c3288d996cdfcf", want, sizeof want);
	assert_memory_equal(got, want, sizeof want);
	assert_int_equal(seal_commit_verify(want, SEAL_KIND_CITIZEN_ID, salt,
	    id, sizeof id - 1), LIEN_OK);

	assert_int_equal(seal_commit(SEAL_KIND_PHONE, salt, NULL, 0, got),
	    LIEN_OK);
	hex_to_bytes("5cfe096e1e6221be9be9efc4f13c81ef"
	    "09faa7ab9d599352bc76e20c1ee5f33a", want, sizeof want);
	assert_memory_equal(got, want, sizeof want);
}

static void
test_seal_commit_verify_negatives(void **state)
{
	static const char id[] = "11010519491231002X";
	uint8_t salt[SEAL_SALT_LEN], c[SEAL_COMMIT_LEN], bad[SEAL_COMMIT_LEN];
	char v[sizeof id];

	(void)state;
	seal_salt_random(salt);
	assert_int_equal(seal_commit(SEAL_KIND_CITIZEN_ID, salt, id,
	    sizeof id - 1, c), LIEN_OK);
	/* another kind, another salt, another value, truncated value */
	assert_int_equal(seal_commit_verify(c, SEAL_KIND_NAME, salt, id,
	    sizeof id - 1), LIEN_EVERIFY);
	for (size_t i = 0; i < SEAL_SALT_LEN; i++) {
		salt[i] ^= 1;
		assert_int_equal(seal_commit_verify(c, SEAL_KIND_CITIZEN_ID,
		    salt, id, sizeof id - 1), LIEN_EVERIFY);
		salt[i] ^= 1;
	}
	for (size_t i = 0; i < sizeof id - 1; i++) {
		memcpy(v, id, sizeof id);
		v[i] ^= 0x20;
		assert_int_equal(seal_commit_verify(c, SEAL_KIND_CITIZEN_ID,
		    salt, v, sizeof id - 1), LIEN_EVERIFY);
	}
	assert_int_equal(seal_commit_verify(c, SEAL_KIND_CITIZEN_ID, salt, id,
	    sizeof id - 2), LIEN_EVERIFY);
	assert_int_equal(seal_commit_verify(c, SEAL_KIND_CITIZEN_ID, salt, id,
	    sizeof id), LIEN_EVERIFY);
	for (size_t i = 0; i < SEAL_COMMIT_LEN; i++) {
		memcpy(bad, c, sizeof bad);
		bad[i] ^= 0x80;
		assert_int_equal(seal_commit_verify(bad, SEAL_KIND_CITIZEN_ID,
		    salt, id, sizeof id - 1), LIEN_EVERIFY);
	}
	/* unknown kinds are refused, and never verify */
	assert_int_equal(seal_commit((enum seal_kind)0, salt, id, 1, bad),
	    LIEN_EINVAL);
	assert_int_equal(seal_commit((enum seal_kind)200, salt, id, 1, bad),
	    LIEN_EINVAL);
	assert_int_equal(seal_commit_verify(c, (enum seal_kind)0, salt, id,
	    sizeof id - 1), LIEN_EVERIFY);
	assert_int_equal(seal_commit(SEAL_KIND_OTHER, salt, id,
	    SEAL_PLAIN_MAX + 1u, bad), LIEN_ETOOBIG);
	/* two random salts give unlinkable commitments */
	{
		uint8_t salt2[SEAL_SALT_LEN], c2[SEAL_COMMIT_LEN];

		seal_salt_random(salt2);
		assert_memory_not_equal(salt, salt2, SEAL_SALT_LEN);
		assert_int_equal(seal_commit(SEAL_KIND_CITIZEN_ID, salt2, id,
		    sizeof id - 1, c2), LIEN_OK);
		assert_memory_not_equal(c, c2, SEAL_COMMIT_LEN);
	}
}

static void
test_seal_salt_derive_deterministic(void **state)
{
	static const char id[] = "11010519491231002X";
	uint8_t raw[SEAL_KEY_LEN];
	uint8_t s1[SEAL_SALT_LEN], s2[SEAL_SALT_LEN], s3[SEAL_SALT_LEN];
	struct seal_key *k1, *k2;

	(void)state;
	memset(raw, 0x42, sizeof raw);
	assert_int_equal(seal_key_new(raw, sizeof raw, &k1), LIEN_OK);
	raw[0] ^= 1;
	assert_int_equal(seal_key_new(raw, sizeof raw, &k2), LIEN_OK);
	assert_int_equal(seal_salt_derive(k1, SEAL_KIND_CITIZEN_ID, id,
	    sizeof id - 1, s1), LIEN_OK);
	assert_int_equal(seal_salt_derive(k1, SEAL_KIND_CITIZEN_ID, id,
	    sizeof id - 1, s2), LIEN_OK);
	assert_memory_equal(s1, s2, SEAL_SALT_LEN);
	/* another key, another kind, another value: another salt */
	assert_int_equal(seal_salt_derive(k2, SEAL_KIND_CITIZEN_ID, id,
	    sizeof id - 1, s3), LIEN_OK);
	assert_memory_not_equal(s1, s3, SEAL_SALT_LEN);
	assert_int_equal(seal_salt_derive(k1, SEAL_KIND_NAME, id,
	    sizeof id - 1, s3), LIEN_OK);
	assert_memory_not_equal(s1, s3, SEAL_SALT_LEN);
	assert_int_equal(seal_salt_derive(k1, SEAL_KIND_CITIZEN_ID, id,
	    sizeof id - 2, s3), LIEN_OK);
	assert_memory_not_equal(s1, s3, SEAL_SALT_LEN);
	assert_int_equal(seal_salt_derive(k1, (enum seal_kind)9, id, 1, s3),
	    LIEN_EINVAL);
	seal_key_free(k1);
	seal_key_free(k2);
}

static void
test_seal_key_new_bad_length(void **state)
{
	uint8_t raw[SEAL_KEY_LEN + 1] = { 0 };
	struct seal_key *k = (struct seal_key *)raw;	/* must be reset */

	(void)state;
	assert_int_equal(seal_key_new(raw, SEAL_KEY_LEN - 1, &k), LIEN_EINVAL);
	assert_null(k);
	assert_int_equal(seal_key_new(raw, SEAL_KEY_LEN + 1, &k), LIEN_EINVAL);
	assert_int_equal(seal_key_new(NULL, SEAL_KEY_LEN, &k), LIEN_EINVAL);
	seal_key_free(NULL);
}

static const char msg[] = "{\"name\":\"张三\",\"id\":\"11010519491231002X\"}";
static const char ad[] = "application/0000000000000001";

static void
test_seal_box_round_trip(void **state)
{
	uint8_t box[sizeof msg + SEAL_OVERHEAD], box2[sizeof box];
	uint8_t plain[sizeof msg];
	size_t n = 1, m = 1;
	struct seal_key *k;

	(void)state;
	assert_int_equal(seal_key_generate(&k), LIEN_OK);
	assert_int_equal(seal_box(k, ad, sizeof ad - 1, msg, sizeof msg, box,
	    sizeof box, &n), LIEN_OK);
	assert_int_equal(n, sizeof msg + SEAL_OVERHEAD);
	assert_int_equal(box[0], SEAL_VERSION);
	assert_int_equal(seal_open(k, ad, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_OK);
	assert_int_equal(m, sizeof msg);
	assert_memory_equal(plain, msg, sizeof msg);
	/* a fresh nonce every time: same input, different box */
	assert_int_equal(seal_box(k, ad, sizeof ad - 1, msg, sizeof msg, box2,
	    sizeof box2, &n), LIEN_OK);
	assert_memory_not_equal(box, box2, sizeof box);
	/* empty plaintext and empty ad are fine */
	assert_int_equal(seal_box(k, NULL, 0, NULL, 0, box, sizeof box, &n),
	    LIEN_OK);
	assert_int_equal(n, SEAL_OVERHEAD);
	assert_int_equal(seal_open(k, NULL, 0, box, n, NULL, 0, &m), LIEN_OK);
	assert_int_equal(m, 0);
	seal_key_free(k);
}

/* Every bit of the box (n bytes, sealed under k and ad) flipped in turn
 * is refused, and nothing is written: byte 0 is the version, another
 * version (no single flip turns 1 into 2 or back) is refused before any
 * crypto; the rest fail authentication. The box is as it was after. */
static void
flips_refused(const struct seal_key *k, uint8_t *box, size_t n)
{
	uint8_t plain[sizeof msg];
	size_t m;

	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			enum lien_status st;

			box[i] ^= (uint8_t)(1u << bit);
			memset(plain, 0xAA, sizeof plain);
			m = 99;
			st = seal_open(k, ad, sizeof ad - 1, box, n, plain,
			    sizeof plain, &m);
			assert_int_equal(st, i == 0 ? LIEN_EUNSUPPORTED :
			    LIEN_EVERIFY);
			assert_int_equal(m, 0);
			for (size_t j = 0; j < sizeof plain; j++)
				assert_int_equal(plain[j], 0);
			box[i] ^= (uint8_t)(1u << bit);
		}
	}
}

static void
test_seal_open_tampered(void **state)
{
	uint8_t box[sizeof msg + SEAL_OVERHEAD], plain[sizeof msg];
	size_t n = 0, m;
	struct seal_key *k;

	(void)state;
	assert_int_equal(seal_key_generate(&k), LIEN_OK);
	assert_int_equal(seal_box(k, ad, sizeof ad - 1, msg, sizeof msg, box,
	    sizeof box, &n), LIEN_OK);
	flips_refused(k, box, n);
	assert_int_equal(seal_open(k, ad, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_OK);
	seal_key_free(k);
}

static void
test_seal_open_wrong_key_or_ad(void **state)
{
	uint8_t box[sizeof msg + SEAL_OVERHEAD], plain[sizeof msg];
	size_t n = 0, m;
	struct seal_key *k, *k2;
	char ad2[sizeof ad];

	(void)state;
	assert_int_equal(seal_key_generate(&k), LIEN_OK);
	assert_int_equal(seal_key_generate(&k2), LIEN_OK);
	assert_int_equal(seal_box(k, ad, sizeof ad - 1, msg, sizeof msg, box,
	    sizeof box, &n), LIEN_OK);
	assert_int_equal(seal_open(k2, ad, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_EVERIFY);
	memcpy(ad2, ad, sizeof ad);
	ad2[sizeof ad - 2] ^= 1;	/* another record id */
	assert_int_equal(seal_open(k, ad2, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_EVERIFY);
	assert_int_equal(seal_open(k, ad, sizeof ad - 2, box, n, plain,
	    sizeof plain, &m), LIEN_EVERIFY);
	assert_int_equal(seal_open(k, NULL, 0, box, n, plain, sizeof plain,
	    &m), LIEN_EVERIFY);
	seal_key_free(k);
	seal_key_free(k2);
}

static void
test_seal_open_truncated(void **state)
{
	uint8_t box[sizeof msg + SEAL_OVERHEAD], plain[sizeof msg];
	uint8_t longer[sizeof box + 1], plain2[sizeof msg + 1];
	size_t n = 0, m;
	struct seal_key *k;

	(void)state;
	assert_int_equal(seal_key_generate(&k), LIEN_OK);
	assert_int_equal(seal_box(k, ad, sizeof ad - 1, msg, sizeof msg, box,
	    sizeof box, &n), LIEN_OK);
	for (size_t i = 0; i < n; i++) {
		enum lien_status st = seal_open(k, ad, sizeof ad - 1, box, i,
		    plain, sizeof plain, &m);

		assert_true(st == LIEN_EVERIFY);
		assert_int_equal(m, 0);
	}
	/* trailing byte */
	memcpy(longer, box, n);
	longer[n] = 0;
	assert_int_equal(seal_open(k, ad, sizeof ad - 1, longer, n + 1, plain2,
	    sizeof plain2, &m), LIEN_EVERIFY);
	seal_key_free(k);
}

/* A bound box (seal_box_bound, store v25): no stored nonce, 24 bytes
 * shorter; the nonce is derived from the ad, so the same key, ad and
 * plaintext give the same box, and another ad another one. The vector
 * was computed independently: Python's hashlib.blake2b(b"lienlog-seal-
 * nonce-v1\0" + b"\x02" + ad, digest_size=24) for the nonce and
 * libsodium's crypto_aead_xchacha20poly1305_ietf_encrypt through ctypes,
 * key bytes(range(32)), associated data b"\x02" + ad, msg with its NUL. */
static const char bound_vector[] =
	"022da616600343e8ae599f1484d64d01f6c2a3ea9b2549401a4aa6933b7cf7fee0"
	"075e2f8d65f0048b92b0b0719bf1c250f56e5a57e9e9bbb7df4bebdd";

static void
test_seal_box_bound(void **state)
{
	uint8_t box[sizeof msg + SEAL_BOUND_OVERHEAD], box2[sizeof box];
	uint8_t want[sizeof box], plain[sizeof msg], kb[SEAL_KEY_LEN];
	uint8_t longer[sizeof box + 1], plain2[sizeof msg + 1];
	size_t n = 1, m = 1;
	struct seal_key *k, *k2;
	char ad2[sizeof ad];

	(void)state;
	salt_fixed(kb);
	assert_int_equal(seal_key_new(kb, sizeof kb, &k), LIEN_OK);
	assert_int_equal(seal_key_generate(&k2), LIEN_OK);
	assert_int_equal(seal_box_bound(k, ad, sizeof ad - 1, msg, sizeof msg,
	    box, sizeof box, &n), LIEN_OK);
	assert_int_equal(n, sizeof msg + SEAL_BOUND_OVERHEAD);
	assert_int_equal(n + SEAL_NONCE_LEN, sizeof msg + SEAL_OVERHEAD);
	assert_int_equal(box[0], SEAL_VERSION_BOUND);
	assert_int_equal(sizeof bound_vector - 1, 2 * sizeof box);
	hex_to_bytes(bound_vector, want, sizeof want);
	assert_memory_equal(box, want, sizeof box);
	assert_int_equal(seal_open(k, ad, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_OK);
	assert_int_equal(m, sizeof msg);
	assert_memory_equal(plain, msg, sizeof msg);
	/* deterministic in (key, ad, plaintext); another ad, another box */
	assert_int_equal(seal_box_bound(k, ad, sizeof ad - 1, msg, sizeof msg,
	    box2, sizeof box2, &n), LIEN_OK);
	assert_memory_equal(box, box2, sizeof box);
	memcpy(ad2, ad, sizeof ad);
	ad2[sizeof ad - 2] ^= 1;
	assert_int_equal(seal_box_bound(k, ad2, sizeof ad - 1, msg, sizeof msg,
	    box2, sizeof box2, &n), LIEN_OK);
	assert_memory_not_equal(box, box2, sizeof box);
	/* wrong key, wrong or short ad */
	assert_int_equal(seal_open(k2, ad, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_EVERIFY);
	assert_int_equal(seal_open(k, ad2, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_EVERIFY);
	assert_int_equal(seal_open(k, ad, sizeof ad - 2, box, n, plain,
	    sizeof plain, &m), LIEN_EVERIFY);
	flips_refused(k, box, n);
	/* as a random-nonce box (version byte 1): its "nonce" would be the
	 * ciphertext's first bytes, and the ad's version byte differs */
	box[0] = SEAL_VERSION;
	assert_int_equal(seal_open(k, ad, sizeof ad - 1, box, n, plain,
	    sizeof plain, &m), LIEN_EVERIFY);
	box[0] = SEAL_VERSION_BOUND;
	/* every truncation, empty included, and a trailing byte */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seal_open(k, ad, sizeof ad - 1, box, i, plain,
		    sizeof plain, &m), LIEN_EVERIFY);
	memcpy(longer, box, n);
	longer[n] = 0;
	assert_int_equal(seal_open(k, ad, sizeof ad - 1, longer, n + 1, plain2,
	    sizeof plain2, &m), LIEN_EVERIFY);
	/* a short output buffer, and an output too small for the box */
	assert_int_equal(seal_open(k, ad, sizeof ad - 1, box, n, plain,
	    sizeof plain - 1, &m), LIEN_ETOOBIG);
	assert_int_equal(seal_box_bound(k, ad, sizeof ad - 1, msg, sizeof msg,
	    box2, sizeof box2 - 1, &n), LIEN_ETOOBIG);
	assert_int_equal(n, 0);
	/* empty plaintext */
	assert_int_equal(seal_box_bound(k, NULL, 0, NULL, 0, box, sizeof box,
	    &n), LIEN_OK);
	assert_int_equal(n, SEAL_BOUND_OVERHEAD);
	assert_int_equal(seal_open(k, NULL, 0, box, n, NULL, 0, &m), LIEN_OK);
	assert_int_equal(m, 0);
	seal_key_free(k);
	seal_key_free(k2);
}

static void
test_seal_box_oversize(void **state)
{
	uint8_t small[SEAL_OVERHEAD + 3], plain[8];
	size_t n = 7, m = 7;
	struct seal_key *k;
	uint8_t *big;

	(void)state;
	assert_int_equal(seal_key_generate(&k), LIEN_OK);
	/* output buffer too short: refused, zeroed, no length */
	memset(small, 0xEE, sizeof small);
	assert_int_equal(seal_box(k, NULL, 0, msg, 4, small, sizeof small, &n),
	    LIEN_ETOOBIG);
	assert_int_equal(n, 0);
	for (size_t i = 0; i < sizeof small; i++)
		assert_int_equal(small[i], 0);
	/* ad above the limit */
	big = calloc(1, SEAL_SEALED_MAX + 1u);
	assert_non_null(big);
	assert_int_equal(seal_box(k, big, SEAL_AD_MAX + 1u, msg, 1, small,
	    sizeof small, &n), LIEN_ETOOBIG);
	/* plaintext above the limit */
	assert_int_equal(seal_box(k, NULL, 0, big, SEAL_PLAIN_MAX + 1u, big,
	    0, &n), LIEN_ETOOBIG);
	/* sealed input above the limit, and an open buffer too short */
	assert_int_equal(seal_open(k, NULL, 0, big, SEAL_SEALED_MAX + 1u,
	    plain, sizeof plain, &m), LIEN_ETOOBIG);
	assert_int_equal(seal_box(k, NULL, 0, msg, 3, small, sizeof small, &n),
	    LIEN_OK);
	assert_int_equal(seal_open(k, NULL, 0, small, n, plain, 2, &m),
	    LIEN_ETOOBIG);
	assert_int_equal(m, 0);
	/* the largest allowed plaintext round-trips */
	{
		uint8_t *box = malloc(SEAL_SEALED_MAX);

		assert_non_null(box);
		memset(big, 'p', SEAL_PLAIN_MAX);
		assert_int_equal(seal_box(k, NULL, 0, big, SEAL_PLAIN_MAX, box,
		    SEAL_SEALED_MAX, &n), LIEN_OK);
		assert_int_equal(seal_open(k, NULL, 0, box, n, big,
		    SEAL_PLAIN_MAX, &m), LIEN_OK);
		assert_int_equal(m, SEAL_PLAIN_MAX);
		free(box);
	}
	free(big);
	seal_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_commit_vectors),
		cmocka_unit_test(test_seal_commit_verify_negatives),
		cmocka_unit_test(test_seal_salt_derive_deterministic),
		cmocka_unit_test(test_seal_key_new_bad_length),
		cmocka_unit_test(test_seal_box_round_trip),
		cmocka_unit_test(test_seal_open_tampered),
		cmocka_unit_test(test_seal_open_wrong_key_or_ad),
		cmocka_unit_test(test_seal_open_truncated),
		cmocka_unit_test(test_seal_box_bound),
		cmocka_unit_test(test_seal_box_oversize),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
