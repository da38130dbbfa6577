/*
 * crypto/pkey: loading (PEM, DER, raw, seed, JWK, EVP), sign/verify in both
 * encodings for all three algorithms, RFC 9421 B.2.4 (ECDSA P-256 over the
 * RFC's base), RFC 8032 TEST 1 through the seed loader, strict signature
 * encodings (non-canonical DER, r/s out of range), SM2 distinguishing IDs,
 * export round trips, fingerprints, and the negatives: empty, truncated,
 * trailing bytes, bit flips, wrong key, oversize.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/b64.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"
#include "tests/unit/test_util.h"

static char *
vec_block(const char *file, const char *name)
{
	char *text = tu_vector(file, NULL), *p, *out = NULL;
	size_t n, nl = strlen(name);

	for (p = text; (p = strstr(p, "@@ ")) != NULL; p += 3) {
		if ((p == text || p[-1] == '\n') && strncmp(p + 3, name, nl) == 0 &&
		    p[3 + nl] == '\n') {
			char *start = p + 4 + nl, *end = strstr(start, "\n@@ ");

			n = end != NULL ? (size_t)(end - start) : strlen(start);
			while (n > 0 && start[n - 1] == '\n')
				n--;
			out = malloc(n + 1);
			assert_non_null(out);
			memcpy(out, start, n);
			out[n] = '\0';
			break;
		}
	}
	free(text);
	assert_non_null(out);
	return out;
}

static struct pkey *
load_vec_key(const char *name)
{
	char *pem = vec_block("rfc9421_keys.txt", name);
	struct pkey *k = NULL;

	assert_int_equal(pkey_from_pem(pem, strlen(pem), &k), LIEN_OK);
	free(pem);
	return k;
}

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(h, HEX_LEN(n), out, n), LIEN_OK);
}

/* RFC 9421 B.2.4: the RFC's ECDSA signature over the RFC's base. */
static void
test_pkey_verify_rfc9421_b24(void **state)
{
	struct pkey *pub = load_vec_key("p256-public");
	struct pkey *priv = load_vec_key("p256-private-pkcs8");
	char *base = vec_block("rfc9421_b24.txt", "base");
	char *sigf = vec_block("rfc9421_b24.txt", "signature");
	uint8_t sig[64], fp1[PKEY_FPR_LEN], fp2[PKEY_FPR_LEN];
	size_t sl = 0;
	char *b64 = strchr(sigf, ':') + 1;

	(void)state;
	*strrchr(b64, ':') = '\0';
	assert_int_equal(b64_decode(b64, strlen(b64), sig, sizeof(sig), &sl),
	    LIEN_OK);
	assert_int_equal(sl, 64);
	assert_int_equal(pkey_alg_get(pub), PKEY_P256);
	assert_false(pkey_is_private(pub));
	assert_true(pkey_is_private(priv));
	assert_int_equal(pkey_verify(pub, PKEY_SIG_RAW, base, strlen(base), sig,
	    64), LIEN_OK);
	assert_int_equal(pkey_verify(priv, PKEY_SIG_RAW, base, strlen(base),
	    sig, 64), LIEN_OK);
	base[0] ^= 1;
	assert_int_equal(pkey_verify(pub, PKEY_SIG_RAW, base, strlen(base), sig,
	    64), LIEN_EVERIFY);
	base[0] ^= 1;
	/* Same public key, same fingerprint. */
	pkey_fingerprint(pub, fp1);
	pkey_fingerprint(priv, fp2);
	assert_memory_equal(fp1, fp2, PKEY_FPR_LEN);
	/* Bit flips anywhere in the signature. */
	for (size_t i = 0; i < 64 * 8; i++) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(pkey_verify(pub, PKEY_SIG_RAW, base,
		    strlen(base), sig, 64), LIEN_EVERIFY);
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* Truncated and extended. */
	assert_int_equal(pkey_verify(pub, PKEY_SIG_RAW, base, strlen(base), sig,
	    63), LIEN_EVERIFY);
	pkey_free(pub);
	pkey_free(priv);
	free(base);
	free(sigf);
}

/* RFC 8032 7.1 TEST 1 through the seed loader; the SEC1 form is refused. */
static void
test_pkey_from_ed25519_seed_rfc8032(void **state)
{
	uint8_t seed[32], pk[32], want[64], sig[PKEY_SIG_MAX], raw[65];
	size_t sl = 0, rl = 0;
	struct pkey *k = NULL, *pub = NULL;
	char *sec1 = vec_block("rfc9421_keys.txt", "p256-private-sec1");

	(void)state;
	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    seed, 32);
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    pk, 32);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    want, 64);
	assert_int_equal(pkey_from_ed25519_seed(seed, 32, &k), LIEN_OK);
	assert_int_equal(pkey_export_raw_pub(k, raw, &rl), LIEN_OK);
	assert_int_equal(rl, 32);
	assert_memory_equal(raw, pk, 32);
	assert_int_equal(pkey_sign(k, PKEY_SIG_RAW, "", 0, sig, sizeof(sig),
	    &sl), LIEN_OK);
	assert_int_equal(sl, 64);
	assert_memory_equal(sig, want, 64);
	assert_int_equal(pkey_from_ed25519_raw(pk, 32, &pub), LIEN_OK);
	assert_int_equal(pkey_verify(pub, PKEY_SIG_DER, "", 0, want, 64),
	    LIEN_OK);
	assert_int_equal(pkey_verify(pub, PKEY_SIG_RAW, "x", 1, want, 64),
	    LIEN_EVERIFY);
	pkey_free(k);
	assert_int_equal(pkey_from_ed25519_seed(seed, 31, &k), LIEN_EPARSE);
	assert_null(k);
	assert_int_equal(pkey_from_ed25519_raw(pk, 33, &k), LIEN_EPARSE);
	assert_int_equal(pkey_from_pem(sec1, strlen(sec1), &k),
	    LIEN_EUNSUPPORTED);
	pkey_free(pub);
	free(sec1);
}

static void
roundtrip(enum pkey_alg alg)
{
	struct pkey *k = NULL, *pub = NULL, *priv2 = NULL, *d = NULL;
	uint8_t sig[PKEY_SIG_MAX], der[PKEY_SPKI_MAX], fp1[32], fp2[32];
	size_t sl = 0, dl = 0, pl = 0;
	char *pem = NULL;
	const char msg[] = "lienlog pkey round trip";

	assert_int_equal(pkey_generate(alg, &k), LIEN_OK);
	assert_int_equal(pkey_alg_get(k), alg);
	assert_true(pkey_is_private(k));
	/* Public PEM, DER; private PEM reload. */
	assert_int_equal(pkey_export_pem(k, 0, &pem, &pl), LIEN_OK);
	assert_int_equal(pkey_from_pem(pem, pl, &pub), LIEN_OK);
	assert_false(pkey_is_private(pub));
	pkey_pem_free(pem, pl);
	assert_int_equal(pkey_export_pem(k, 1, &pem, &pl), LIEN_OK);
	assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
	assert_int_equal(pkey_from_pem(pem, pl, &priv2), LIEN_OK);
	assert_true(pkey_is_private(priv2));
	pkey_pem_free(pem, pl);
	assert_int_equal(pkey_export_pem(pub, 1, &pem, &pl), LIEN_EKEY);
	assert_int_equal(pkey_export_spki(k, der, sizeof(der), &dl), LIEN_OK);
	assert_int_equal(pkey_from_der(der, dl, &d), LIEN_OK);
	assert_int_equal(pkey_export_spki(k, der, 10, &dl), LIEN_ETOOBIG);
	pkey_fingerprint(k, fp1);
	pkey_fingerprint(d, fp2);
	assert_memory_equal(fp1, fp2, 32);
	assert_int_equal(pkey_export_spki(k, der, sizeof(der), &dl), LIEN_OK);
	hash_sha256(der, dl, fp2);
	assert_memory_equal(fp1, fp2, 32);
	/* Both encodings, both directions. */
	for (int enc = PKEY_SIG_RAW; enc <= PKEY_SIG_DER; enc++) {
		assert_int_equal(pkey_sign(k, (enum pkey_sigenc)enc, msg,
		    sizeof(msg), sig, sizeof(sig), &sl), LIEN_OK);
		if (enc == PKEY_SIG_RAW)
			assert_int_equal(sl, 64);
		assert_int_equal(pkey_verify(pub, (enum pkey_sigenc)enc, msg,
		    sizeof(msg), sig, sl), LIEN_OK);
		assert_int_equal(pkey_verify(priv2, (enum pkey_sigenc)enc, msg,
		    sizeof(msg), sig, sl), LIEN_OK);
		assert_int_equal(pkey_verify(pub, (enum pkey_sigenc)enc, msg,
		    sizeof(msg) - 1, sig, sl), LIEN_EVERIFY);
		assert_int_equal(pkey_verify(pub, (enum pkey_sigenc)enc, msg,
		    sizeof(msg), sig, sl - 1), LIEN_EVERIFY);
	}
	assert_int_equal(pkey_sign(pub, PKEY_SIG_RAW, msg, sizeof(msg), sig,
	    sizeof(sig), &sl), LIEN_EKEY);
	assert_int_equal(pkey_sign(k, PKEY_SIG_RAW, msg, sizeof(msg), sig, 10,
	    &sl), LIEN_ETOOBIG);
	/* References. */
	assert_ptr_equal(pkey_ref(k), k);
	pkey_free(k);
	assert_int_equal(pkey_alg_get(k), alg);
	pkey_free(k);
	pkey_free(pub);
	pkey_free(priv2);
	pkey_free(d);
	pkey_free(NULL);
}

static void
test_pkey_roundtrip_ed25519(void **state)
{
	(void)state;
	roundtrip(PKEY_ED25519);
}

static void
test_pkey_roundtrip_p256(void **state)
{
	(void)state;
	roundtrip(PKEY_P256);
}

static void
test_pkey_roundtrip_sm2(void **state)
{
	(void)state;
	roundtrip(PKEY_SM2);
}

/* SM2: the ID enters Z_A, so a different ID fails. */
static void
test_pkey_sm2_id(void **state)
{
	struct pkey *k = NULL;
	uint8_t sig[PKEY_SIG_MAX];
	size_t sl = 0;
	static const uint8_t other[] = "ALICE123@YAHOO.COM";
	uint8_t big[PKEY_SM2_ID_MAX + 1];

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(pkey_generate(PKEY_SM2, &k), LIEN_OK);
	assert_int_equal(pkey_sign(k, PKEY_SIG_DER, "m", 1, sig, sizeof(sig),
	    &sl), LIEN_OK);
	assert_int_equal(pkey_verify(k, PKEY_SIG_DER, "m", 1, sig, sl), LIEN_OK);
	assert_int_equal(pkey_sm2_id_set(k, other, sizeof(other) - 1), LIEN_OK);
	assert_int_equal(pkey_verify(k, PKEY_SIG_DER, "m", 1, sig, sl),
	    LIEN_EVERIFY);
	assert_int_equal(pkey_sm2_id_set(k, (const uint8_t *)
	    PKEY_SM2_ID_DEFAULT, 16), LIEN_OK);
	assert_int_equal(pkey_verify(k, PKEY_SIG_DER, "m", 1, sig, sl), LIEN_OK);
	assert_int_equal(pkey_sm2_id_set(k, big, sizeof(big)), LIEN_EINVAL);
	assert_int_equal(pkey_sm2_id_set(k, big, 0), LIEN_EINVAL);
	pkey_free(k);
	assert_int_equal(pkey_generate(PKEY_P256, &k), LIEN_OK);
	assert_int_equal(pkey_sm2_id_set(k, other, 4), LIEN_EINVAL);
	pkey_free(k);
}

/* ECDSA encodings: non-canonical DER and out-of-range scalars. */
static void
test_pkey_sig_encoding_strict(void **state)
{
	struct pkey *k = NULL;
	uint8_t raw[64], der[PKEY_SIG_MAX + 2], back[64], bad[64];
	size_t dl = 0, sl = 0;
	static const uint8_t n[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad,
		0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
		0x25, 0x51,
	};

	(void)state;
	assert_int_equal(pkey_generate(PKEY_P256, &k), LIEN_OK);
	assert_int_equal(pkey_sign(k, PKEY_SIG_RAW, "m", 1, raw, sizeof(raw),
	    &sl), LIEN_OK);
	assert_int_equal(pkey_sig_raw_to_der(raw, der, sizeof(der), &dl),
	    LIEN_OK);
	assert_int_equal(pkey_sig_der_to_raw(der, dl, back), LIEN_OK);
	assert_memory_equal(raw, back, 64);
	assert_int_equal(pkey_verify(k, PKEY_SIG_DER, "m", 1, der, dl), LIEN_OK);
	/* Trailing byte, truncation, every bit flip. */
	der[dl] = 0;
	assert_int_equal(pkey_verify(k, PKEY_SIG_DER, "m", 1, der, dl + 1),
	    LIEN_EVERIFY);
	for (size_t len = 0; len < dl; len++)
		assert_int_equal(pkey_verify(k, PKEY_SIG_DER, "m", 1, der, len),
		    LIEN_EVERIFY);
	for (size_t i = 0; i < dl * 8; i++) {
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(pkey_verify(k, PKEY_SIG_DER, "m", 1, der, dl),
		    LIEN_EVERIFY);
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* Non-minimal INTEGER: a superfluous leading zero. */
	{
		static const uint8_t nm[] = { 0x30, 0x07, 0x02, 0x02, 0x00, 0x01,
		    0x02, 0x01, 0x01 };
		static const uint8_t neg[] = { 0x30, 0x06, 0x02, 0x01, 0x81,
		    0x02, 0x01, 0x01 };
		static const uint8_t longlen[] = { 0x30, 0x81, 0x06, 0x02, 0x01,
		    0x01, 0x02, 0x01, 0x01 };

		assert_int_equal(pkey_sig_der_to_raw(nm, sizeof(nm), back),
		    LIEN_EPARSE);
		assert_int_equal(pkey_sig_der_to_raw(neg, sizeof(neg), back),
		    LIEN_EPARSE);
		assert_int_equal(pkey_sig_der_to_raw(longlen, sizeof(longlen),
		    back), LIEN_EPARSE);
		assert_int_equal(pkey_sig_der_to_raw(NULL, 0, back), LIEN_EPARSE);
	}
	/* r = 0, s = n, s = n + s' (the malleable "mod n" twin). */
	memset(bad, 0, 32);
	memcpy(bad + 32, raw + 32, 32);
	assert_int_equal(pkey_verify(k, PKEY_SIG_RAW, "m", 1, bad, 64),
	    LIEN_EVERIFY);
	memcpy(bad, raw, 32);
	memcpy(bad + 32, n, 32);
	assert_int_equal(pkey_verify(k, PKEY_SIG_RAW, "m", 1, bad, 64),
	    LIEN_EVERIFY);
	memset(bad + 32, 0xff, 32);
	assert_int_equal(pkey_verify(k, PKEY_SIG_RAW, "m", 1, bad, 64),
	    LIEN_EVERIFY);
	pkey_free(k);
}

static void
test_pkey_from_pem_negative(void **state)
{
	char *pem = vec_block("rfc9421_keys.txt", "ed25519-public");
	char buf[1024];
	struct pkey *k = NULL;
	size_t n = strlen(pem);

	(void)state;
	assert_int_equal(pkey_from_pem("", 0, &k), LIEN_EPARSE);
	assert_null(k);
	for (size_t len = 0; len < n; len++) {
		enum lien_status st = pkey_from_pem(pem, len, &k);

		/* A prefix ending right after the END line's last dash is the
		 * only complete one. */
		assert_int_not_equal(st, LIEN_OK);
		assert_null(k);
	}
	/* One strict RFC 7468 block: its own line break after the END line
	 * is fine, any other whitespace around it is not. */
	snprintf(buf, sizeof(buf), "%s\n", pem);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_OK);
	pkey_free(k);
	k = NULL;
	snprintf(buf, sizeof(buf), "\n  %s\n\n", pem);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_EPARSE);
	snprintf(buf, sizeof(buf), "%s\n\n", pem);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_EPARSE);
	snprintf(buf, sizeof(buf), "\n%s", pem);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_EPARSE);
	assert_null(k);
	snprintf(buf, sizeof(buf), "%s\nx", pem);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_EPARSE);
	snprintf(buf, sizeof(buf), "%s\n%s", pem, pem);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_EPARSE);
	snprintf(buf, sizeof(buf), "junk%s", pem);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_EPARSE);
	/* Bit flips in the base64 body: never a different valid key
	 * silently (either refused or, if it decodes, a different key). */
	for (size_t i = 27; i < n - 25; i++) {
		memcpy(buf, pem, n + 1);
		buf[i] ^= 0x01;
		if (pkey_from_pem(buf, n, &k) == LIEN_OK) {
			uint8_t a[32], b[32];
			struct pkey *orig = NULL;

			assert_int_equal(pkey_from_pem(pem, n, &orig), LIEN_OK);
			pkey_fingerprint(orig, a);
			pkey_fingerprint(k, b);
			assert_memory_not_equal(a, b, 32);
			pkey_free(orig);
			pkey_free(k);
			k = NULL;
		}
	}
	/* Mismatched labels, a private key labelled PUBLIC. */
	snprintf(buf, sizeof(buf), "%s", pem);
	memcpy(strstr(buf, "END PUBLIC"), "END PRIVAT", 10);
	assert_int_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_EPARSE);
	free(pem);
	pem = vec_block("rfc9421_keys.txt", "ed25519-private");
	snprintf(buf, sizeof(buf), "%s", pem);
	memcpy(strstr(buf, "BEGIN PRIVATE KEY"), "BEGIN PUBLIC KEY-", 17);
	/* Label text now reads "PUBLIC KEY-" + dashes: malformed. */
	assert_int_not_equal(pkey_from_pem(buf, strlen(buf), &k), LIEN_OK);
	/* Oversize. */
	{
		char *huge = calloc(1, PKEY_TEXT_MAX + 2);

		memset(huge, ' ', PKEY_TEXT_MAX + 1);
		assert_int_equal(pkey_from_pem(huge, PKEY_TEXT_MAX + 1, &k),
		    LIEN_ETOOBIG);
		assert_int_equal(pkey_from_der((uint8_t *)huge,
		    PKEY_TEXT_MAX + 1, &k), LIEN_ETOOBIG);
		free(huge);
	}
	free(pem);
}

static void
test_pkey_from_der_negative(void **state)
{
	struct pkey *k = NULL, *g = NULL;
	uint8_t der[PKEY_SPKI_MAX + 1];
	size_t dl = 0;

	(void)state;
	assert_int_equal(pkey_generate(PKEY_P256, &g), LIEN_OK);
	assert_int_equal(pkey_export_spki(g, der, sizeof(der), &dl), LIEN_OK);
	assert_int_equal(pkey_from_der(der, 0, &k), LIEN_EPARSE);
	for (size_t len = 1; len < dl; len++)
		assert_int_not_equal(pkey_from_der(der, len, &k), LIEN_OK);
	der[dl] = 0;
	assert_int_equal(pkey_from_der(der, dl + 1, &k), LIEN_EPARSE);
	assert_null(k);
	/* Flip every bit: refused or a different key, never a crash. */
	for (size_t i = 0; i < dl * 8; i++) {
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (pkey_from_der(der, dl, &k) == LIEN_OK) {
			pkey_free(k);
			k = NULL;
		}
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	pkey_free(g);
}

static void
test_pkey_from_jwk(void **state)
{
	/* RFC 8037 A.2 public key; RFC 7515 A.3 P-256 key. */
	static const char ed[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
	static const char ec[] = "{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
	static const char *const bad[] = {
		"",
		"{}",
		"[]",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}",
		/* padding, standard alphabet, short, trailing bits */
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp\"}",
		/* duplicate member, private member */
		"{\"kty\":\"OKP\",\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}",
		/* point not on the curve (y changed) */
		"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"}",
		"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"}",
	};
	static const char *const unsup[] = {
		"{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
		"{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
		"{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}",
	};
	struct pkey *k = NULL;
	char *text = NULL, *back = NULL;
	size_t i;

	(void)state;
	assert_int_equal(pkey_from_jwk(ed, strlen(ed), &k), LIEN_OK);
	assert_int_equal(pkey_alg_get(k), PKEY_ED25519);
	assert_int_equal(pkey_export_jwk(k, NULL, &text), LIEN_OK);
	/* Exported with sorted members (RFC 7638 order, handy for
	 * thumbprints). */
	assert_string_equal(text, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
	    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}");
	free(text);
	pkey_free(k);
	assert_int_equal(pkey_from_jwk(ec, strlen(ec), &k), LIEN_OK);
	assert_int_equal(pkey_alg_get(k), PKEY_P256);
	assert_int_equal(pkey_export_jwk(k, "k1", &text), LIEN_OK);
	assert_non_null(strstr(text, "\"kid\":\"k1\""));
	pkey_free(k);
	assert_int_equal(pkey_from_jwk(text, strlen(text), &k), LIEN_OK);
	assert_int_equal(pkey_export_jwk(k, "k1", &back), LIEN_OK);
	assert_string_equal(text, back);
	free(text);
	free(back);
	pkey_free(k);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pkey_from_jwk(bad[i], strlen(bad[i]), &k),
		    LIEN_EPARSE);
		assert_null(k);
	}
	for (i = 0; i < sizeof(unsup) / sizeof(unsup[0]); i++)
		assert_int_equal(pkey_from_jwk(unsup[i], strlen(unsup[i]), &k),
		    LIEN_EUNSUPPORTED);
	assert_int_equal(pkey_generate(PKEY_SM2, &k), LIEN_OK);
	assert_int_equal(pkey_export_jwk(k, NULL, &text), LIEN_EUNSUPPORTED);
	pkey_free(k);
}

/* A small-order Ed25519 point is no one's key. */
static void
test_pkey_from_ed25519_raw_small_order(void **state)
{
	uint8_t zero_order[32] = { 1 };	/* the identity point */
	struct pkey *k = NULL;

	(void)state;
	assert_int_equal(pkey_from_ed25519_raw(zero_order, 32, &k), LIEN_EKEY);
	assert_null(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkey_verify_rfc9421_b24),
		cmocka_unit_test(test_pkey_from_ed25519_seed_rfc8032),
		cmocka_unit_test(test_pkey_roundtrip_ed25519),
		cmocka_unit_test(test_pkey_roundtrip_p256),
		cmocka_unit_test(test_pkey_roundtrip_sm2),
		cmocka_unit_test(test_pkey_sm2_id),
		cmocka_unit_test(test_pkey_sig_encoding_strict),
		cmocka_unit_test(test_pkey_from_pem_negative),
		cmocka_unit_test(test_pkey_from_der_negative),
		cmocka_unit_test(test_pkey_from_jwk),
		cmocka_unit_test(test_pkey_from_ed25519_raw_small_order),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
