/*
 * Asymmetric keys: Ed25519, ECDSA P-256/SHA-256 and SM2/SM3 behind one
 * opaque, reference-counted, immutable `struct pkey` (see pkey.h).
 *
 * Design. Everything expensive happens at load: the key is parsed once,
 * its algorithm pinned, its SubjectPublicKeyInfo fingerprint and raw public
 * bytes computed. Verification then costs one EVP_MD_CTX (ECDSA, SM2) or
 * one libsodium call (Ed25519: ~25k/s vs OpenSSL's ~15k/s, DEPS.md, and
 * libsodium's acceptance rules are the ones the project pins in
 * crypto/sign.h). Digests are pre-fetched once (DEPS.md: implicit fetches
 * cost).
 *
 * ECDSA/SM2 signatures travel as raw r||s (RFC 9421 3.3.4, RFC 7518 3.4)
 * or DER. Whatever comes in is reduced to raw r||s, range-checked
 * (0 < r, s < n) and re-encoded as minimal DER by us, so OpenSSL only ever
 * sees one canonical encoding and a non-canonical one can never verify.
 * High-s values are accepted: neither RFC 9421 nor JWS asks for low-s, and
 * RFC 7515 A.3's own example has a high s.
 *
 * SM2 keys keep a per-key distinguishing ID (default "1234567812345678",
 * GM/T 0009; OpenSSL 3.0 would otherwise use an empty ID, DEPS.md). OpenSSL
 * 3.0 may type a key on the SM2 curve as "EC" (e.g. one built by hand);
 * ECDSA would then be used on it, so such keys are re-decoded from their
 * DER, which yields the "SM2" key type.
 *
 * Not here: certificates (crypto/cert.c hands us X509_get0_pubkey), JWS
 * framing (jws.c), RSA (not accepted anywhere in lienlog).
 */
#include "crypto/pkey.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "crypto/hash.h"
#include "crypto/jws.h"
#include "crypto/pem.h"
#include "crypto/sign.h"

struct pkey {
	atomic_int refs;
	enum pkey_alg alg;
	int priv;
	/* Public key always; also the private scalar for P-256/SM2. For
	 * Ed25519 it is public-only: the secret lives in ed_sk. */
	EVP_PKEY *evp;
	uint8_t *ed_sk;		/* secret_alloc, libsodium seed||pk form */
	uint8_t raw_pub[PKEY_RAW_PUB_MAX];
	size_t raw_pub_len;
	uint8_t fpr[PKEY_FPR_LEN];
	uint8_t sm2_id[PKEY_SM2_ID_MAX];
	size_t sm2_id_len;
};

/* Group orders, big-endian: SEC 2 2.4.2 (secp256r1) and GM/T 0003.5
 * (SM2 recommended curve). Signature scalars must lie in [1, n-1]. */
static const uint8_t p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};
static const uint8_t sm2_order[32] = {
	0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b,
	0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x23,
};

static EVP_MD *md_sha256, *md_sm3;
static int md_ok;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void
md_setup(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	md_sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	md_ok = md_sha256 != NULL && md_sm3 != NULL && sodium_init() >= 0;
}

static enum lien_status LIEN_MUST_CHECK
md_ready(void)
{
	(void)pthread_once(&md_once, md_setup);
	return md_ok ? LIEN_OK : LIEN_ECRYPTO;
}

const char *
pkey_alg_name(enum pkey_alg alg)
{
	switch (alg) {
	case PKEY_ED25519:
		return "ed25519";
	case PKEY_P256:
		return "p256";
	case PKEY_SM2:
		return "sm2";
	case PKEY_NONE:
		break;
	}
	return "none";
}

/* ---- construction ---------------------------------------------------- */

static struct pkey *
pkey_new(void)
{
	struct pkey *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	atomic_init(&k->refs, 1);
	memcpy(k->sm2_id, PKEY_SM2_ID_DEFAULT, sizeof(PKEY_SM2_ID_DEFAULT) - 1);
	k->sm2_id_len = sizeof(PKEY_SM2_ID_DEFAULT) - 1;
	return k;
}

static void
pkey_destroy(struct pkey *k)
{
	EVP_PKEY_free(k->evp);
	secret_free(k->ed_sk);
	free(k);
}

struct pkey *
pkey_ref(struct pkey *key)
{
	if (key != NULL)
		atomic_fetch_add_explicit(&key->refs, 1, memory_order_relaxed);
	return key;
}

void
pkey_free(struct pkey *key)
{
	if (key == NULL)
		return;
	if (atomic_fetch_sub_explicit(&key->refs, 1, memory_order_acq_rel) == 1)
		pkey_destroy(key);
}

/* Group name of an EC-family key ("prime256v1", "SM2"), or "" . */
static void
ec_group_name(const EVP_PKEY *evp, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	if (!EVP_PKEY_get_utf8_string_param(evp, OSSL_PKEY_PARAM_GROUP_NAME,
	    buf, cap, &len))
		buf[0] = '\0';
}

static enum pkey_alg
evp_alg(const EVP_PKEY *evp, int *needs_retype)
{
	char group[32];

	*needs_retype = 0;
	if (EVP_PKEY_is_a(evp, "ED25519"))
		return PKEY_ED25519;
	if (EVP_PKEY_is_a(evp, "SM2"))
		return PKEY_SM2;
	if (EVP_PKEY_is_a(evp, "EC")) {
		ec_group_name(evp, group, sizeof(group));
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0)
			return PKEY_P256;
		if (strcmp(group, "SM2") == 0) {
			*needs_retype = 1;
			return PKEY_SM2;
		}
	}
	return PKEY_NONE;
}

/* Re-decode an EC-typed SM2-curve key so OpenSSL types it "SM2". On
 * success *evp is replaced (the old reference is dropped). */
static enum lien_status LIEN_MUST_CHECK
sm2_retype(EVP_PKEY **evp, int priv)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *n = NULL;
	int len;

	len = priv ? i2d_PrivateKey(*evp, &der) : i2d_PUBKEY(*evp, &der);
	if (len <= 0)
		return LIEN_ECRYPTO;
	p = der;
	n = priv ? d2i_AutoPrivateKey(NULL, &p, len) : d2i_PUBKEY(NULL, &p, len);
	if (priv)
		OPENSSL_clear_free(der, (size_t)len);
	else
		OPENSSL_free(der);
	if (n == NULL || !EVP_PKEY_is_a(n, "SM2")) {
		EVP_PKEY_free(n);
		return LIEN_EUNSUPPORTED;
	}
	EVP_PKEY_free(*evp);
	*evp = n;
	return LIEN_OK;
}

/* Fill raw_pub and fpr from k->evp. */
static enum lien_status LIEN_MUST_CHECK
pkey_finish(struct pkey *k)
{
	unsigned char *der = NULL;
	int len;
	size_t n = 0;

	len = i2d_PUBKEY(k->evp, &der);
	if (len <= 0 || (size_t)len > PKEY_SPKI_MAX) {
		OPENSSL_free(der);
		return LIEN_ECRYPTO;
	}
	hash_sha256(der, (size_t)len, k->fpr);
	OPENSSL_free(der);
	if (k->alg == PKEY_ED25519) {
		n = ED25519_PK_LEN;
		if (!EVP_PKEY_get_raw_public_key(k->evp, k->raw_pub, &n) ||
		    n != ED25519_PK_LEN)
			return LIEN_ECRYPTO;
	} else {
		if (!EVP_PKEY_get_octet_string_param(k->evp,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, k->raw_pub,
		    sizeof(k->raw_pub), &n))
			return LIEN_ECRYPTO;
		/* Uncompressed points only: that is what we export. */
		if (n != 65 || k->raw_pub[0] != 0x04)
			return LIEN_EUNSUPPORTED;
	}
	k->raw_pub_len = n;
	return LIEN_OK;
}

/* Build an Ed25519 key from a seed: secret in ed_sk, public-only EVP. */
static enum lien_status LIEN_MUST_CHECK
ed25519_from_seed_into(struct pkey *k, const uint8_t seed[ED25519_SEED_LEN])
{
	uint8_t pk[ED25519_PK_LEN];

	k->ed_sk = secret_alloc(ED25519_SK_LEN);
	if (k->ed_sk == NULL)
		return LIEN_ENOMEM;
	if (crypto_sign_seed_keypair(pk, k->ed_sk, seed) != 0)
		return LIEN_ECRYPTO;
	k->evp = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk,
	    sizeof(pk));
	if (k->evp == NULL)
		return LIEN_ENOMEM;
	k->alg = PKEY_ED25519;
	k->priv = 1;
	return pkey_finish(k);
}

/* 1 if evp holds private material. Probed through the provider params,
 * which is how OpenSSL 3 exposes it. */
static int
evp_has_private(const EVP_PKEY *evp, enum pkey_alg alg)
{
	BIGNUM *bn = NULL;
	size_t len = 0;
	int r;

	if (alg == PKEY_ED25519)
		return EVP_PKEY_get_raw_private_key(evp, NULL, &len) == 1 &&
		    len == ED25519_SEED_LEN;
	r = EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_PRIV_KEY, &bn);
	BN_clear_free(bn);
	return r == 1;
}

/* Take ownership of one reference to evp (freed on failure too). */
static enum lien_status LIEN_MUST_CHECK
pkey_adopt(EVP_PKEY *evp, struct pkey **out)
{
	enum lien_status st = LIEN_ENOMEM;
	struct pkey *k = NULL;
	int retype = 0, priv;
	uint8_t seed[ED25519_SEED_LEN];
	size_t seed_len = sizeof(seed);

	*out = NULL;
	if ((st = md_ready()) != LIEN_OK)
		goto out;
	st = LIEN_ENOMEM;
	if ((k = pkey_new()) == NULL)
		goto out;
	k->alg = evp_alg(evp, &retype);
	if (k->alg == PKEY_NONE) {
		st = LIEN_EUNSUPPORTED;
		goto out;
	}
	priv = evp_has_private(evp, k->alg);
	if (k->alg == PKEY_ED25519) {
		if (priv) {
			seed_len = sizeof(seed);
			if (!EVP_PKEY_get_raw_private_key(evp, seed, &seed_len) ||
			    seed_len != sizeof(seed)) {
				st = LIEN_EPARSE;
				goto out;
			}
			st = ed25519_from_seed_into(k, seed);
			secret_wipe(seed, sizeof(seed));
			goto out;
		}
		k->evp = evp;
		evp = NULL;
		if ((st = pkey_finish(k)) != LIEN_OK)
			goto out;
		/* Small-order or non-canonical points are no one's key. */
		if (ed25519_pk_check(k->raw_pub) != LIEN_OK)
			st = LIEN_EKEY;
		goto out;
	}
	if (retype && (st = sm2_retype(&evp, priv)) != LIEN_OK)
		goto out;
	k->evp = evp;
	evp = NULL;
	k->priv = priv;
	st = pkey_finish(k);
out:
	EVP_PKEY_free(evp);
	if (st != LIEN_OK) {
		if (k != NULL)
			pkey_destroy(k);
		ERR_clear_error();
		return st;
	}
	*out = k;
	return LIEN_OK;
}

enum lien_status
pkey_from_evp(struct evp_pkey_st *evp, struct pkey **out)
{
	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (evp == NULL || !EVP_PKEY_up_ref(evp))
		return LIEN_EINVAL;
	return pkey_adopt(evp, out);
}

enum lien_status
pkey_from_der(const uint8_t *der, size_t len, struct pkey **out)
{
	const unsigned char *p;
	EVP_PKEY *evp;
	PKCS8_PRIV_KEY_INFO *p8;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (der == NULL || len == 0)
		return LIEN_EPARSE;
	if (len > PKEY_TEXT_MAX)
		return LIEN_ETOOBIG;
	/* SubjectPublicKeyInfo first; both parsers must consume everything
	 * (trailing bytes are an error, not something to ignore). */
	p = der;
	evp = d2i_PUBKEY(NULL, &p, (long)len);
	if (evp != NULL) {
		if (p != der + len) {
			EVP_PKEY_free(evp);
			ERR_clear_error();
			return LIEN_EPARSE;
		}
		return pkey_adopt(evp, out);
	}
	ERR_clear_error();
	p = der;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (p8 == NULL || p != der + len) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		ERR_clear_error();
		return LIEN_EPARSE;
	}
	evp = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (evp == NULL) {
		ERR_clear_error();
		return LIEN_EPARSE;
	}
	return pkey_adopt(evp, out);
}

enum lien_status
pkey_from_pem(const char *pem, size_t len, struct pkey **out)
{
	struct pem_block b;
	size_t pos = 0;
	enum lien_status st;
	int priv;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (pem == NULL)
		return LIEN_EPARSE;
	if (len > PKEY_TEXT_MAX)
		return LIEN_ETOOBIG;
	if (len == 0 || pem[0] != '-')
		return LIEN_EPARSE;
	/* One strict block, nothing before or after it (crypto/pem.h). */
	st = pem_next(pem, len, &pos, PKEY_TEXT_MAX, &b);
	if (st == LIEN_OK && pos != len)
		st = LIEN_EPARSE;
	if (st != LIEN_OK) {
		pem_block_clear(&b);
		return st;
	}
	if (strcmp(b.label, "PUBLIC KEY") == 0) {
		priv = 0;
	} else if (strcmp(b.label, "PRIVATE KEY") == 0) {
		priv = 1;
	} else {
		pem_block_clear(&b);
		return LIEN_EUNSUPPORTED;	/* e.g. EC PRIVATE KEY (SEC1) */
	}
	st = pkey_from_der(b.der, b.der_len, out);
	pem_block_clear(&b);		/* wipes: it may be a private key */
	if (st == LIEN_OK && (*out)->priv != priv) {
		/* "PUBLIC KEY" must hold SPKI, "PRIVATE KEY" PKCS#8. */
		pkey_free(*out);
		*out = NULL;
		st = LIEN_EPARSE;
	}
	return st;
}

enum lien_status
pkey_from_ed25519_raw(const uint8_t *pk, size_t len, struct pkey **out)
{
	EVP_PKEY *evp;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (pk == NULL || len != ED25519_PK_LEN)
		return LIEN_EPARSE;
	evp = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, len);
	if (evp == NULL) {
		ERR_clear_error();
		return LIEN_EPARSE;
	}
	return pkey_adopt(evp, out);
}

enum lien_status
pkey_from_ed25519_seed(const uint8_t *seed, size_t len, struct pkey **out)
{
	enum lien_status st;
	struct pkey *k;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (seed == NULL || len != ED25519_SEED_LEN)
		return LIEN_EPARSE;
	if ((st = md_ready()) != LIEN_OK)
		return st;
	if ((k = pkey_new()) == NULL)
		return LIEN_ENOMEM;
	if ((st = ed25519_from_seed_into(k, seed)) != LIEN_OK) {
		pkey_destroy(k);
		return st;
	}
	*out = k;
	return LIEN_OK;
}

/* Decode one base64url JWK member of exactly want bytes. */
static enum lien_status LIEN_MUST_CHECK
jwk_member(const json_t *jwk, const char *name, uint8_t *out, size_t want)
{
	const json_t *v = json_object_get(jwk, name);
	size_t n = 0;

	if (!json_is_string(v))
		return LIEN_EPARSE;
	if (jws_b64url_decode(json_string_value(v), json_string_length(v),
	    out, want, &n) != LIEN_OK || n != want)
		return LIEN_EPARSE;
	return LIEN_OK;
}

static int
json_str_is(const json_t *o, const char *name, const char *want)
{
	const json_t *v = json_object_get(o, name);

	return json_is_string(v) && strcmp(json_string_value(v), want) == 0 &&
	    json_string_length(v) == strlen(want);
}

enum lien_status
pkey_from_jwk_obj(const struct json_t *jwk, struct pkey **out)
{
	uint8_t pt[65];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *evp = NULL;
	char group[] = "prime256v1";
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (!json_is_object(jwk))
		return LIEN_EPARSE;
	/* Private members never belong in a trust file (RFC 7517 / 7518
	 * 6.2.2.1 "d"); refusing them keeps secrets out of public config. */
	if (json_object_get(jwk, "d") != NULL)
		return LIEN_EPARSE;
	if (json_str_is(jwk, "kty", "OKP")) {
		if (!json_str_is(jwk, "crv", "Ed25519"))
			return LIEN_EUNSUPPORTED;
		if ((st = jwk_member(jwk, "x", pt, ED25519_PK_LEN)) != LIEN_OK)
			return st;
		return pkey_from_ed25519_raw(pt, ED25519_PK_LEN, out);
	}
	if (!json_str_is(jwk, "kty", "EC"))
		return json_is_string(json_object_get(jwk, "kty")) ?
		    LIEN_EUNSUPPORTED : LIEN_EPARSE;
	if (!json_str_is(jwk, "crv", "P-256"))
		return LIEN_EUNSUPPORTED;
	/* RFC 7518 6.2.1.2/3: x and y are the full 32-byte coordinates. */
	pt[0] = 0x04;
	if ((st = jwk_member(jwk, "x", pt + 1, 32)) != LIEN_OK ||
	    (st = jwk_member(jwk, "y", pt + 33, 32)) != LIEN_OK)
		return st;
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return LIEN_ECRYPTO;
	}
	/* fromdata checks the point is on the curve. */
	if (EVP_PKEY_fromdata(ctx, &evp, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		ERR_clear_error();
		return LIEN_EPARSE;
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey_adopt(evp, out);
}

enum lien_status
pkey_from_jwk(const char *text, size_t len, struct pkey **out)
{
	json_error_t err;
	json_t *j;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (text == NULL)
		return LIEN_EPARSE;
	if (len > PKEY_TEXT_MAX)
		return LIEN_ETOOBIG;
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		return LIEN_EPARSE;
	st = pkey_from_jwk_obj(j, out);
	json_decref(j);
	return st;
}

enum lien_status
pkey_generate(enum pkey_alg alg, struct pkey **out)
{
	uint8_t seed[ED25519_SEED_LEN];
	EVP_PKEY *evp = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if ((st = md_ready()) != LIEN_OK)
		return st;
	switch (alg) {
	case PKEY_ED25519:
		randombytes_buf(seed, sizeof(seed));
		st = pkey_from_ed25519_seed(seed, sizeof(seed), out);
		secret_wipe(seed, sizeof(seed));
		return st;
	case PKEY_P256:
		evp = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case PKEY_SM2:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
		if (ctx != NULL && EVP_PKEY_keygen_init(ctx) > 0)
			(void)EVP_PKEY_generate(ctx, &evp);
		EVP_PKEY_CTX_free(ctx);
		break;
	case PKEY_NONE:
	default:
		return LIEN_EUNSUPPORTED;
	}
	if (evp == NULL) {
		ERR_clear_error();
		return LIEN_ECRYPTO;
	}
	return pkey_adopt(evp, out);
}

/* ---- properties ------------------------------------------------------ */

enum pkey_alg
pkey_alg_get(const struct pkey *key)
{
	return key == NULL ? PKEY_NONE : key->alg;
}

int
pkey_is_private(const struct pkey *key)
{
	return key != NULL && key->priv;
}

void
pkey_fingerprint(const struct pkey *key, uint8_t out[PKEY_FPR_LEN])
{
	memcpy(out, key->fpr, PKEY_FPR_LEN);
}

const struct evp_pkey_st *
pkey_evp_get0(const struct pkey *key)
{
	return key == NULL ? NULL : key->evp;
}

enum lien_status
pkey_sm2_id_set(struct pkey *key, const uint8_t *id, size_t len)
{
	if (key == NULL || key->alg != PKEY_SM2 || id == NULL || len == 0 ||
	    len > PKEY_SM2_ID_MAX)
		return LIEN_EINVAL;
	memcpy(key->sm2_id, id, len);
	key->sm2_id_len = len;
	return LIEN_OK;
}

/* ---- signature encodings --------------------------------------------- */

/* Strict DER INTEGER holding a positive value < 2^256, right-aligned into
 * out[32]. Minimal: no superfluous leading 0x00, never negative. */
static enum lien_status LIEN_MUST_CHECK
der_uint256(const uint8_t **pp, const uint8_t *end, uint8_t out[32])
{
	const uint8_t *p = *pp;
	size_t n;

	if (end - p < 2 || p[0] != 0x02)
		return LIEN_EPARSE;
	n = p[1];
	p += 2;
	if (n == 0 || n > 33 || n > (size_t)(end - p))
		return LIEN_EPARSE;
	if (p[0] & 0x80)
		return LIEN_EPARSE;		/* negative */
	if (p[0] == 0x00) {
		if (n == 1 || !(p[1] & 0x80))
			return LIEN_EPARSE;	/* zero, or not minimal */
		p++;
		n--;
	}
	if (n > 32)
		return LIEN_EPARSE;
	memset(out, 0, 32);
	memcpy(out + 32 - n, p, n);
	*pp = p + n;
	return LIEN_OK;
}

enum lien_status
pkey_sig_der_to_raw(const uint8_t *der, size_t len,
    uint8_t raw[PKEY_RAW_SIG_LEN])
{
	const uint8_t *p = der, *end;
	size_t n;

	if (raw == NULL)
		return LIEN_EINVAL;
	memset(raw, 0, PKEY_RAW_SIG_LEN);
	if (der == NULL || len < 2 || len > PKEY_SIG_MAX || p[0] != 0x30)
		return LIEN_EPARSE;
	n = p[1];			/* short form: content <= 70 bytes */
	if (n >= 0x80 || n != len - 2)
		return LIEN_EPARSE;
	p += 2;
	end = der + len;
	if (der_uint256(&p, end, raw) != LIEN_OK ||
	    der_uint256(&p, end, raw + 32) != LIEN_OK || p != end) {
		memset(raw, 0, PKEY_RAW_SIG_LEN);
		return LIEN_EPARSE;
	}
	return LIEN_OK;
}

/* Minimal DER INTEGER for a 32-byte big-endian unsigned value. */
static size_t
der_put_uint(uint8_t *o, const uint8_t v[32])
{
	size_t i = 0, n;

	while (i < 31 && v[i] == 0)
		i++;
	n = 32 - i;
	o[0] = 0x02;
	if (v[i] & 0x80) {
		o[1] = (uint8_t)(n + 1);
		o[2] = 0x00;
		memcpy(o + 3, v + i, n);
		return n + 3;
	}
	o[1] = (uint8_t)n;
	memcpy(o + 2, v + i, n);
	return n + 2;
}

enum lien_status
pkey_sig_raw_to_der(const uint8_t raw[PKEY_RAW_SIG_LEN], uint8_t *der,
    size_t cap, size_t *der_len)
{
	uint8_t buf[PKEY_SIG_MAX];
	size_t n;

	if (der_len != NULL)
		*der_len = 0;
	if (raw == NULL || der == NULL || der_len == NULL)
		return LIEN_EINVAL;
	n = der_put_uint(buf + 2, raw);
	n += der_put_uint(buf + 2 + n, raw + 32);
	buf[0] = 0x30;
	buf[1] = (uint8_t)n;
	n += 2;
	if (n > cap)
		return LIEN_ETOOBIG;
	memcpy(der, buf, n);
	*der_len = n;
	return LIEN_OK;
}

/* 1 if 0 < v < order (both 32-byte big-endian). Public data: a plain
 * comparison is fine. */
static int
scalar_in_range(const uint8_t v[32], const uint8_t order[32])
{
	int zero = 1;

	for (size_t i = 0; i < 32; i++)
		if (v[i] != 0)
			zero = 0;
	return !zero && memcmp(v, order, 32) < 0;
}

/* ---- sign / verify ---------------------------------------------------- */

/* EVP_MD_CTX set up for SM2 (ID) or ECDSA (SHA-256); sign or verify. */
static EVP_MD_CTX *
ec_ctx(const struct pkey *k, int sign, EVP_PKEY_CTX **pctx_out)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	*pctx_out = NULL;
	if (mctx == NULL)
		return NULL;
	if (k->alg == PKEY_SM2) {
		/* The ID enters Z_A; it must be on the PKEY_CTX before the
		 * DigestInit (OpenSSL EVP_PKEY-SM2(7)). */
		pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->evp, NULL);
		if (pctx == NULL || EVP_PKEY_CTX_set1_id(pctx, k->sm2_id,
		    (int)k->sm2_id_len) <= 0) {
			EVP_PKEY_CTX_free(pctx);
			EVP_MD_CTX_free(mctx);
			return NULL;
		}
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		ok = sign ? EVP_DigestSignInit(mctx, NULL, md_sm3, NULL, k->evp) :
		    EVP_DigestVerifyInit(mctx, NULL, md_sm3, NULL, k->evp);
	} else {
		ok = sign ?
		    EVP_DigestSignInit(mctx, NULL, md_sha256, NULL, k->evp) :
		    EVP_DigestVerifyInit(mctx, NULL, md_sha256, NULL, k->evp);
	}
	if (ok <= 0) {
		EVP_MD_CTX_free(mctx);
		EVP_PKEY_CTX_free(pctx);
		return NULL;
	}
	*pctx_out = pctx;
	return mctx;
}

enum lien_status
pkey_sign(const struct pkey *key, enum pkey_sigenc enc, const void *msg,
    size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
	enum lien_status st = LIEN_ECRYPTO;
	uint8_t der[PKEY_SIG_MAX], raw[PKEY_RAW_SIG_LEN];
	size_t der_len = sizeof(der), n = 0;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;

	if (sig_len != NULL)
		*sig_len = 0;
	if (key == NULL || sig == NULL || sig_len == NULL ||
	    (msg == NULL && msg_len > 0))
		return LIEN_EINVAL;
	memset(sig, 0, cap);
	if (!key->priv)
		return LIEN_EKEY;
	if (key->alg == PKEY_ED25519) {
		if (cap < ED25519_SIG_LEN)
			return LIEN_ETOOBIG;
		ed25519_sign(sig, msg, msg_len, key->ed_sk);
		*sig_len = ED25519_SIG_LEN;
		return LIEN_OK;
	}
	if ((mctx = ec_ctx(key, 1, &pctx)) == NULL)
		goto out;
	if (EVP_DigestSign(mctx, der, &der_len, msg, msg_len) <= 0)
		goto out;
	/* OpenSSL's DER is minimal; re-parse anyway to get raw r||s. */
	if (pkey_sig_der_to_raw(der, der_len, raw) != LIEN_OK)
		goto out;
	if (enc == PKEY_SIG_RAW) {
		if (cap < PKEY_RAW_SIG_LEN) {
			st = LIEN_ETOOBIG;
			goto out;
		}
		memcpy(sig, raw, PKEY_RAW_SIG_LEN);
		n = PKEY_RAW_SIG_LEN;
	} else {
		if ((st = pkey_sig_raw_to_der(raw, sig, cap, &n)) != LIEN_OK)
			goto out;
	}
	*sig_len = n;
	st = LIEN_OK;
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	ERR_clear_error();
	if (st != LIEN_OK)
		memset(sig, 0, cap);
	return st;
}

enum lien_status
pkey_verify(const struct pkey *key, enum pkey_sigenc enc, const void *msg,
    size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	uint8_t raw[PKEY_RAW_SIG_LEN], der[PKEY_SIG_MAX];
	size_t der_len = 0;
	EVP_MD_CTX *mctx;
	EVP_PKEY_CTX *pctx = NULL;
	int rc;

	if (key == NULL || (msg == NULL && msg_len > 0))
		return LIEN_EINVAL;
	if (sig == NULL)
		return LIEN_EVERIFY;
	if (key->alg == PKEY_ED25519) {
		if (sig_len != ED25519_SIG_LEN)
			return LIEN_EVERIFY;
		return ed25519_verify(sig, msg, msg_len, key->raw_pub) ==
		    LIEN_OK ? LIEN_OK : LIEN_EVERIFY;
	}
	if (enc == PKEY_SIG_RAW) {
		if (sig_len != PKEY_RAW_SIG_LEN)
			return LIEN_EVERIFY;
		memcpy(raw, sig, PKEY_RAW_SIG_LEN);
	} else if (pkey_sig_der_to_raw(sig, sig_len, raw) != LIEN_OK) {
		return LIEN_EVERIFY;
	}
	{
		const uint8_t *order = key->alg == PKEY_SM2 ? sm2_order :
		    p256_order;

		if (!scalar_in_range(raw, order) ||
		    !scalar_in_range(raw + 32, order))
			return LIEN_EVERIFY;
	}
	if (pkey_sig_raw_to_der(raw, der, sizeof(der), &der_len) != LIEN_OK)
		return LIEN_EVERIFY;
	if ((mctx = ec_ctx(key, 0, &pctx)) == NULL) {
		ERR_clear_error();
		return LIEN_ECRYPTO;
	}
	rc = EVP_DigestVerify(mctx, der, der_len, msg, msg_len);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	if (rc != 1) {
		ERR_clear_error();
		/* 0 = bad signature; < 0 = malformed or library error. The
		 * DER is ours and canonical, so treat both as not verified. */
		return LIEN_EVERIFY;
	}
	return LIEN_OK;
}

/* ---- export ------------------------------------------------------------ */

void
pkey_pem_free(char *pem, size_t len)
{
	if (pem == NULL)
		return;
	secret_wipe(pem, len);
	free(pem);
}

/* Private key material as EVP for export: Ed25519's secret is rebuilt
 * from ed_sk for the duration of the call (OpenSSL clears it on free). */
static EVP_PKEY *
export_evp(const struct pkey *k)
{
	if (k->alg == PKEY_ED25519)
		return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    k->ed_sk, ED25519_SEED_LEN);
	if (!EVP_PKEY_up_ref(k->evp))
		return NULL;
	return k->evp;
}

enum lien_status
pkey_export_pem(const struct pkey *key, int private, char **out,
    size_t *out_len)
{
	enum lien_status st = LIEN_ECRYPTO;
	EVP_PKEY *evp = NULL;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *der = NULL;
	int n = 0;

	if (out != NULL)
		*out = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (key == NULL || out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	if (private && !key->priv)
		return LIEN_EKEY;
	/* DER (PKCS #8 PrivateKeyInfo or SubjectPublicKeyInfo), then the
	 * one PEM writer: "PRIVATE KEY" / "PUBLIC KEY" (RFC 7468 sections 10
	 * and 13), unencrypted, as PEM_write_bio_PrivateKey wrote it */
	if (private) {
		if ((evp = export_evp(key)) == NULL ||
		    (p8 = EVP_PKEY2PKCS8(evp)) == NULL ||
		    (n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der)) <= 0)
			goto out;
	} else if ((n = i2d_PUBKEY(key->evp, &der)) <= 0) {
		goto out;
	}
	st = pem_encode(private ? "PRIVATE KEY" : "PUBLIC KEY", der,
	    (size_t)n, out, out_len);
	if (st == LIEN_OK && *out_len > PKEY_TEXT_MAX) {
		pkey_pem_free(*out, *out_len);
		*out = NULL;
		*out_len = 0;
		st = LIEN_ECRYPTO;
	}
out:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)n);	/* a private key */
	PKCS8_PRIV_KEY_INFO_free(p8);	/* frees its key wiped */
	EVP_PKEY_free(evp);
	ERR_clear_error();
	return st;
}

enum lien_status
pkey_export_spki(const struct pkey *key, uint8_t *der, size_t cap,
    size_t *der_len)
{
	unsigned char *buf = NULL;
	int len;

	if (der_len != NULL)
		*der_len = 0;
	if (key == NULL || der == NULL || der_len == NULL)
		return LIEN_EINVAL;
	len = i2d_PUBKEY(key->evp, &buf);
	if (len <= 0) {
		ERR_clear_error();
		return LIEN_ECRYPTO;
	}
	if ((size_t)len > cap) {
		OPENSSL_free(buf);
		return LIEN_ETOOBIG;
	}
	memcpy(der, buf, (size_t)len);
	*der_len = (size_t)len;
	OPENSSL_free(buf);
	return LIEN_OK;
}

enum lien_status
pkey_export_raw_pub(const struct pkey *key, uint8_t out[PKEY_RAW_PUB_MAX],
    size_t *out_len)
{
	if (out_len != NULL)
		*out_len = 0;
	if (key == NULL || out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	memcpy(out, key->raw_pub, key->raw_pub_len);
	*out_len = key->raw_pub_len;
	return LIEN_OK;
}

enum lien_status
pkey_export_jwk(const struct pkey *key, const char *kid, char **out)
{
	char x[64], y[64];
	json_t *j = NULL;
	char *text;

	if (out != NULL)
		*out = NULL;
	if (key == NULL || out == NULL)
		return LIEN_EINVAL;
	if (key->alg == PKEY_ED25519) {
		if (jws_b64url_encode(key->raw_pub, 32, x, sizeof(x)) != LIEN_OK)
			return LIEN_ECRYPTO;
		j = json_pack("{s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519",
		    "x", x);
	} else if (key->alg == PKEY_P256) {
		if (jws_b64url_encode(key->raw_pub + 1, 32, x, sizeof(x)) !=
		    LIEN_OK || jws_b64url_encode(key->raw_pub + 33, 32, y,
		    sizeof(y)) != LIEN_OK)
			return LIEN_ECRYPTO;
		j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv",
		    "P-256", "x", x, "y", y);
	} else {
		return LIEN_EUNSUPPORTED;
	}
	if (j == NULL)
		return LIEN_ENOMEM;
	if (kid != NULL && json_object_set_new(j, "kid", json_string(kid))) {
		json_decref(j);
		return LIEN_EINVAL;
	}
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (text == NULL)
		return LIEN_ENOMEM;
	*out = text;
	return LIEN_OK;
}
