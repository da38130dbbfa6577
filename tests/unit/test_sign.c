/*
 * Unit tests for crypto/sign.c: RFC 8032 section 7.1 vectors (sign and
 * verify), the libsodium 1.0.18 acceptance rules pinned in
 * docs/ed25519.md (tests/vectors/ed25519_edge.txt), and the secret-memory
 * helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "crypto/sign.h"
#include "tests/unit/test_util.h"

/* ---- tiny reader for "key value" records separated by blank lines ---- */

#define REC_FIELDS 8

struct rec {
	char *key[REC_FIELDS], *val[REC_FIELDS];
	int n;
};

static char *
slurp(const char *name)
{
	return tu_vector(name, NULL);
}

/* Next record from *cur (modified in place); 0 at the end. */
static int
rec_next(char **cur, struct rec *r)
{
	char *line;

	memset(r, 0, sizeof *r);
	while ((line = *cur) != NULL && *line != '\0') {
		char *nl = strchr(line, '\n'), *sp;

		if (nl != NULL)
			*nl = '\0';
		*cur = nl != NULL ? nl + 1 : NULL;
		if (line[0] == '#')
			continue;
		if (line[0] == '\0') {
			if (r->n > 0)
				return 1;
			continue;
		}
		sp = strchr(line, ' ');
		assert_non_null(sp);
		*sp = '\0';
		assert_true(r->n < REC_FIELDS);
		r->key[r->n] = line;
		r->val[r->n] = sp + 1;
		r->n++;
	}
	return r->n > 0;
}

static const char *
rec_get(const struct rec *r, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->key[i], key) == 0)
			return r->val[i];
	fail_msg("missing field %s", key);
	return NULL;
}

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= cap);
	assert_int_equal(hex_decode(hex, strlen(hex), out, n), LIEN_OK);
	return n;
}

/* ---- RFC 8032 ----------------------------------------------------- */

static void
test_ed25519_rfc8032_vectors(void **state)
{
	char *buf = slurp("rfc8032_ed25519.txt"), *cur = buf;
	struct rec r;
	int count = 0;

	(void)state;
	while (rec_next(&cur, &r)) {
		uint8_t seed[32], pk[32], want_pk[32], sk[64], sig[64], want[64];
		uint8_t *msg = malloc(2048);
		size_t mlen;

		assert_non_null(msg);
		assert_int_equal(unhex(rec_get(&r, "sk"), seed, 32), 32);
		assert_int_equal(unhex(rec_get(&r, "pk"), want_pk, 32), 32);
		assert_int_equal(unhex(rec_get(&r, "sig"), want, 64), 64);
		mlen = unhex(rec_get(&r, "msg"), msg, 2048);

		assert_int_equal(ed25519_from_seed(seed, pk, sk), LIEN_OK);
		assert_memory_equal(pk, want_pk, 32);
		ed25519_sign(sig, msg, mlen, sk);
		assert_memory_equal(sig, want, 64);
		assert_int_equal(ed25519_verify(want, msg, mlen, want_pk),
		    LIEN_OK);
		/* Any single-bit change of the signature must fail. */
		for (size_t i = 0; i < 64 * 8; i++) {
			sig[i / 8] ^= (uint8_t)(1u << (i % 8));
			assert_int_equal(ed25519_verify(sig, msg, mlen, pk),
			    LIEN_EVERIFY);
			sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		}
		/* Other message. */
		msg[mlen] = 'x';
		assert_int_equal(ed25519_verify(sig, msg, mlen + 1, pk),
		    LIEN_EVERIFY);
		secret_wipe(sk, sizeof sk);
		free(msg);
		count++;
	}
	assert_int_equal(count, 5);	/* TEST 1, 2, 3, 1024, SHA(abc) */
	free(buf);
}

static void
test_ed25519_verify_wrong_key(void **state)
{
	uint8_t pk1[32], sk1[64], pk2[32], sk2[64], sig[64];

	(void)state;
	assert_int_equal(ed25519_keypair(pk1, sk1), LIEN_OK);
	assert_int_equal(ed25519_keypair(pk2, sk2), LIEN_OK);
	assert_memory_not_equal(pk1, pk2, 32);
	ed25519_sign(sig, "msg", 3, sk1);
	assert_int_equal(ed25519_verify(sig, "msg", 3, pk1), LIEN_OK);
	assert_int_equal(ed25519_verify(sig, "msg", 3, pk2), LIEN_EVERIFY);
	/* Empty message works (NULL, 0). */
	ed25519_sign(sig, NULL, 0, sk2);
	assert_int_equal(ed25519_verify(sig, NULL, 0, pk2), LIEN_OK);
	assert_int_equal(ed25519_verify(sig, "", 0, pk2), LIEN_OK);
}

/* ---- acceptance rules (docs/ed25519.md) ----------------------------- */

static void
test_ed25519_verify_edge_vectors(void **state)
{
	char *buf = slurp("ed25519_edge.txt"), *cur = buf;
	struct rec r;
	int count = 0, nreject = 0;

	(void)state;
	while (rec_next(&cur, &r)) {
		uint8_t pk[32], sig[64], msg[64];
		size_t mlen;
		int accept = strcmp(rec_get(&r, "expect"), "accept") == 0;

		assert_int_equal(unhex(rec_get(&r, "pk"), pk, 32), 32);
		assert_int_equal(unhex(rec_get(&r, "sig"), sig, 64), 64);
		mlen = unhex(rec_get(&r, "msg"), msg, sizeof msg);
		if (accept)
			assert_int_equal(ed25519_verify(sig, msg, mlen, pk),
			    LIEN_OK);
		else
			assert_int_equal(ed25519_verify(sig, msg, mlen, pk),
			    LIEN_EVERIFY);
		nreject += !accept;
		count++;
	}
	assert_int_equal(count, 8);
	assert_int_equal(nreject, 6);
	free(buf);
}

/* The same rules, spelled out one by one so a failure names the rule. */
static void
test_ed25519_verify_rejects_noncanonical_s(void **state)
{
	/* RFC 8032 TEST 1 with S replaced by S + L: [S+L]B == [S]B, so the
	 * group equation holds; libsodium requires S < L (RFC 8032 5.1.7). */
	static const uint8_t L[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c,
		0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	uint8_t seed[32], pk[32], sk[64], sig[64];
	unsigned carry = 0;

	(void)state;
	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    seed, 32);
	assert_int_equal(ed25519_from_seed(seed, pk, sk), LIEN_OK);
	ed25519_sign(sig, NULL, 0, sk);
	assert_int_equal(ed25519_verify(sig, NULL, 0, pk), LIEN_OK);
	for (int i = 0; i < 32; i++) {	/* little-endian S += L */
		unsigned v = sig[32 + i] + L[i] + carry;

		sig[32 + i] = (uint8_t)v;
		carry = v >> 8;
	}
	assert_int_equal(carry, 0);
	assert_int_equal(ed25519_verify(sig, NULL, 0, pk), LIEN_EVERIFY);
}

static void
test_ed25519_verify_rejects_small_order_key(void **state)
{
	/* A = identity, R = B, S = 1: [1]B = B + [h]O for every message, so
	 * a cofactorless verifier without a small-order check accepts this
	 * "signature" for any text (OpenSSL 3.0 does). libsodium rejects. */
	uint8_t pk[32] = { 1 }, sig[64] = { 0 };

	(void)state;
	unhex("5866666666666666666666666666666666666666666666666666666666666666",
	    sig, 32);
	sig[32] = 1;
	assert_int_equal(ed25519_verify(sig, "anything", 8, pk), LIEN_EVERIFY);
	assert_int_equal(ed25519_verify(sig, "else", 4, pk), LIEN_EVERIFY);
	assert_int_equal(ed25519_pk_check(pk), LIEN_EKEY);
}

static void
test_ed25519_pk_check_rules(void **state)
{
	char *buf = slurp("ed25519_edge.txt"), *cur = buf;
	struct rec r;
	uint8_t pk[32], seed[32] = { 7 }, sk[64];

	(void)state;
	assert_int_equal(ed25519_from_seed(seed, pk, sk), LIEN_OK);
	assert_int_equal(ed25519_pk_check(pk), LIEN_OK);
	/* Non-canonical y (p + 1), and not a point at all. */
	memset(pk, 0xff, 32);
	pk[0] = 0xee;
	pk[31] = 0x7f;
	assert_int_equal(ed25519_pk_check(pk), LIEN_EKEY);
	/* The mixed-order key verifies signatures (cofactorless equation
	 * with h = 0 mod 8) but is refused as a configured key. */
	while (rec_next(&cur, &r)) {
		if (strcmp(rec_get(&r, "name"), "a-mixed-order") != 0)
			continue;
		unhex(rec_get(&r, "pk"), pk, 32);
		assert_int_equal(ed25519_pk_check(pk), LIEN_EKEY);
	}
	free(buf);
}

/* ---- secrets -------------------------------------------------------- */

static void
test_secret_alloc_wipe_equal(void **state)
{
	uint8_t *p, *q;

	(void)state;
	assert_null(secret_alloc(0));
	p = secret_alloc(33);
	q = secret_alloc(33);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal((uintptr_t)p % 16, 0);	/* rounded for alignment */
	memset(p, 0x5a, 33);
	memcpy(q, p, 33);
	assert_true(secret_equal(p, q, 33));
	q[32] ^= 1;
	assert_false(secret_equal(p, q, 33));
	assert_true(secret_equal(p, q, 0));
	secret_wipe(p, 33);
	for (int i = 0; i < 33; i++)
		assert_int_equal(p[i], 0);
	secret_free(p);
	secret_free(q);
	secret_free(NULL);
}

static void
test_lcrypto_init_twice(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 };

	(void)state;
	assert_int_equal(lcrypto_init(), LIEN_OK);
	lcrypto_random(a, sizeof a);
	lcrypto_random(b, sizeof b);
	assert_memory_not_equal(a, b, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_rfc8032_vectors),
		cmocka_unit_test(test_ed25519_verify_wrong_key),
		cmocka_unit_test(test_ed25519_verify_edge_vectors),
		cmocka_unit_test(test_ed25519_verify_rejects_noncanonical_s),
		cmocka_unit_test(test_ed25519_verify_rejects_small_order_key),
		cmocka_unit_test(test_ed25519_pk_check_rules),
		cmocka_unit_test(test_secret_alloc_wipe_equal),
		cmocka_unit_test(test_lcrypto_init_twice),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
