/*
 * Issuing X.509 certificates (crypto/cert_issue.h): build an X.509 v3
 * certificate with OpenSSL and sign it with the issuer's key.
 *
 * Design. OpenSSL's X509_sign_ctx does the encoding and fills in both
 * AlgorithmIdentifiers from the key, so the issuer's private key is given
 * to OpenSSL as an EVP_PKEY: re-read from the key's own PKCS#8 export
 * (pkey_export_pem through crypto/pem, both wiped right after) because an
 * Ed25519 `struct pkey` keeps its secret only in libsodium memory. For SM2 the signing context
 * carries the GM/T 0009 distinguishing ID explicitly (OpenSSL 3.0's
 * default is empty, DEPS.md), with SM3 as the digest. Every certificate
 * is written with crypto/pem, parsed back with crypto/cert.c (strict DER,
 * strict PEM) and its signature verified with the issuer's public key
 * before it leaves, so a certificate we hand out always verifies
 * (signify's "belt and braces").
 *
 * Not here: CRLs, intermediates, revocation (api/trust.c reads those from
 * files), any persistence (demo/demo.c writes the files).
 */
#include "crypto/cert_issue.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cert.h"
#include "crypto/pem.h"
#include "crypto/sign.h"

#define CERT_ISSUE_SERIAL_BITS 127	/* 16 bytes, top bit clear: positive */

/* The private half as an OpenSSL key, from its PKCS#8 text. Caller frees
 * with EVP_PKEY_free. */
static enum lien_status LIEN_MUST_CHECK
evp_private(const struct pkey *key, EVP_PKEY **out)
{
	char *pem = NULL;
	uint8_t *der = NULL;
	const unsigned char *p;
	size_t pem_len = 0, der_len = 0;
	enum lien_status st;

	*out = NULL;
	if ((st = pkey_export_pem(key, 1, &pem, &pem_len)) != LIEN_OK)
		return st;
	st = pem_decode(pem, pem_len, "PRIVATE KEY", PKEY_TEXT_MAX, &der,
	    &der_len);
	pkey_pem_free(pem, pem_len);
	if (st != LIEN_OK)
		return LIEN_ECRYPTO;	/* our own export */
	p = der;
	if (der_len <= LONG_MAX)
		*out = d2i_AutoPrivateKey(NULL, &p, (long)der_len);
	secret_wipe(der, der_len);
	free(der);
	return *out != NULL ? LIEN_OK : LIEN_ECRYPTO;
}

/* The public half as an OpenSSL key, from its SPKI. */
static enum lien_status LIEN_MUST_CHECK
evp_public(const struct pkey *key, EVP_PKEY **out)
{
	uint8_t spki[PKEY_SPKI_MAX];
	const unsigned char *p = spki;
	size_t n = 0;
	enum lien_status st;

	*out = NULL;
	if ((st = pkey_export_spki(key, spki, sizeof(spki), &n)) != LIEN_OK)
		return st;
	*out = d2i_PUBKEY(NULL, &p, (long)n);
	return *out != NULL ? LIEN_OK : LIEN_ECRYPTO;
}

static int
name_add(X509_NAME *nm, int nid, const char *v, int type)
{
	size_t n = strlen(v);

	if (n == 0 || n > CERT_ISSUE_NAME_MAX)
		return 0;
	return X509_NAME_add_entry_by_NID(nm, nid, type,
	    (const unsigned char *)v, (int)n, -1, 0) == 1;
}

static enum lien_status LIEN_MUST_CHECK
subject_build(X509_NAME *nm, const struct cert_issue_subject *s)
{
	char orgid[6 + CERT_USCC_LEN + 1];

	if (s->c != NULL && (strlen(s->c) != 2 || s->c[0] < 'A' ||
	    s->c[0] > 'Z' || s->c[1] < 'A' || s->c[1] > 'Z'))
		return LIEN_EINVAL;
	if (s->c != NULL && !name_add(nm, NID_countryName, s->c,
	    MBSTRING_ASC))
		return LIEN_EINVAL;
	if (s->o != NULL && !name_add(nm, NID_organizationName, s->o,
	    MBSTRING_UTF8))
		return LIEN_EINVAL;
	if (s->uscc != NULL) {
		if (strlen(s->uscc) != CERT_USCC_LEN)
			return LIEN_EINVAL;
		for (size_t i = 0; i < CERT_USCC_LEN; i++) {
			char c = s->uscc[i];

			if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
				return LIEN_EINVAL;
		}
		memcpy(orgid, "NTRCN-", 6);
		memcpy(orgid + 6, s->uscc, CERT_USCC_LEN + 1);
		if (!name_add(nm, NID_organizationIdentifier, orgid,
		    MBSTRING_ASC))
			return LIEN_EINVAL;
	}
	if (s->serial_number != NULL && (strlen(s->serial_number) == 0 ||
	    strlen(s->serial_number) > CERT_SUBJECT_SN_MAX ||
	    !name_add(nm, NID_serialNumber, s->serial_number, MBSTRING_ASC)))
		return LIEN_EINVAL;
	if (s->cn == NULL || !name_add(nm, NID_commonName, s->cn,
	    MBSTRING_UTF8))
		return LIEN_EINVAL;
	return LIEN_OK;
}

static int
ext_add(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	/* X509V3_EXT_conf_nid takes a non-const value string. */
	char buf[128];
	X509_EXTENSION *e;
	int ok;

	if (strlen(value) >= sizeof(buf))
		return 0;
	memcpy(buf, value, strlen(value) + 1);
	e = X509V3_EXT_conf_nid(NULL, ctx, nid, buf);
	if (e == NULL)
		return 0;
	ok = X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

static enum lien_status LIEN_MUST_CHECK
serial_set(X509 *x)
{
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *ai = NULL;
	enum lien_status st = LIEN_ECRYPTO;

	if (bn == NULL)
		return LIEN_ENOMEM;
	/* Bit 126 set: always 16 bytes, never negative (RFC 5280 4.1.2.2). */
	if (BN_rand(bn, CERT_ISSUE_SERIAL_BITS, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY)
	    != 1)
		goto out;
	if ((ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		goto out;
	if (X509_set_serialNumber(x, ai) == 1)
		st = LIEN_OK;
out:
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return st;
}

/* Sign x with issuer (private EVP key of algorithm alg). */
static enum lien_status LIEN_MUST_CHECK
cert_sign(X509 *x, EVP_PKEY *issuer, enum pkey_alg alg)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	enum lien_status st = LIEN_ECRYPTO;

	if (mctx == NULL)
		return LIEN_ENOMEM;
	switch (alg) {
	case PKEY_ED25519:
		if (EVP_DigestSignInit(mctx, NULL, NULL, NULL, issuer) != 1)
			goto out;
		break;
	case PKEY_P256:
		if (EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, issuer)
		    != 1)
			goto out;
		break;
	case PKEY_SM2:
		/* The ID must be on the context before DigestSignInit
		 * computes Z_A (GM/T 0003.2 5.5). */
		if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, issuer, NULL)) ==
		    NULL)
			goto out;
		if (EVP_PKEY_CTX_set1_id(pctx, PKEY_SM2_ID_DEFAULT,
		    strlen(PKEY_SM2_ID_DEFAULT)) != 1)
			goto out;
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		if (EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, issuer) != 1)
			goto out;
		break;
	case PKEY_NONE:
	default:
		st = LIEN_EUNSUPPORTED;
		goto out;
	}
	if (X509_sign_ctx(x, mctx) > 0)
		st = LIEN_OK;
out:
	EVP_MD_CTX_free(mctx);	/* does not free an attached pctx */
	EVP_PKEY_CTX_free(pctx);
	return st;
}

/* Check x's signature under the issuer's public key. */
static enum lien_status LIEN_MUST_CHECK
cert_check(X509 *x, EVP_PKEY *issuer_pub, enum pkey_alg alg)
{
	ASN1_OCTET_STRING *id = NULL;

	if (alg == PKEY_SM2) {
		if ((id = ASN1_OCTET_STRING_new()) == NULL)
			return LIEN_ENOMEM;
		if (ASN1_OCTET_STRING_set(id,
		    (const unsigned char *)PKEY_SM2_ID_DEFAULT,
		    (int)strlen(PKEY_SM2_ID_DEFAULT)) != 1) {
			ASN1_OCTET_STRING_free(id);
			return LIEN_ECRYPTO;
		}
		X509_set0_distinguishing_id(x, id);	/* x owns id */
	}
	return X509_verify(x, issuer_pub) == 1 ? LIEN_OK : LIEN_ECRYPTO;
}

static enum lien_status LIEN_MUST_CHECK
pem_out(X509 *x, char **out, size_t *out_len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	enum lien_status st;

	if (n <= 0)
		return LIEN_ECRYPTO;
	st = pem_encode("CERTIFICATE", der, (size_t)n, out, out_len);
	OPENSSL_free(der);
	return st;
}

/* The issuer certificate, strict (crypto/cert.c), as an OpenSSL X509. */
static X509 *
x509_from_pem(const char *pem, size_t len)
{
	struct cert *c = NULL;
	const uint8_t *der;
	const unsigned char *p;
	size_t der_len = 0;
	X509 *x = NULL;

	if (cert_parse_text(pem, len, &c) != LIEN_OK)
		return NULL;
	der = cert_der_get0(c, &der_len);
	p = der;
	if (der_len <= LONG_MAX)
		x = d2i_X509(NULL, &p, (long)der_len);
	cert_free(c);
	return x;
}

enum lien_status
cert_issue(const struct pkey *subject_key, const struct pkey *issuer_key,
    const char *issuer_cert_pem, size_t issuer_cert_len,
    const struct cert_issue_req *p, char **out, size_t *out_len)
{
	X509 *x = NULL, *ix = NULL;
	EVP_PKEY *sub_pub = NULL, *iss_priv = NULL, *iss_pub = NULL;
	X509V3_CTX ctx;
	uint8_t fa[PKEY_FPR_LEN], fb[PKEY_FPR_LEN];
	struct cert *parsed = NULL;
	char *pem = NULL;
	size_t pem_len = 0;
	enum pkey_alg ialg;
	enum lien_status st = LIEN_EINVAL;

	if (out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	*out_len = 0;
	if (subject_key == NULL || issuer_key == NULL || p == NULL ||
	    p->not_after <= p->not_before || p->not_before < 0)
		return LIEN_EINVAL;
	if (!pkey_is_private(issuer_key))
		return LIEN_EKEY;
	ialg = pkey_alg_get(issuer_key);
	if (issuer_cert_pem == NULL) {
		/* Self-signed: only roots, and only over their own key. */
		pkey_fingerprint(subject_key, fa);
		pkey_fingerprint(issuer_key, fb);
		if (!p->is_ca || memcmp(fa, fb, sizeof(fa)) != 0)
			return LIEN_EINVAL;
	} else if (p->is_ca) {
		return LIEN_EINVAL;	/* no intermediates from this CA */
	}

	if ((st = evp_public(subject_key, &sub_pub)) != LIEN_OK)
		goto out;
	if ((st = evp_private(issuer_key, &iss_priv)) != LIEN_OK)
		goto out;
	if ((st = evp_public(issuer_key, &iss_pub)) != LIEN_OK)
		goto out;
	if (issuer_cert_pem != NULL) {
		st = LIEN_EPARSE;
		if ((ix = x509_from_pem(issuer_cert_pem, issuer_cert_len)) ==
		    NULL)
			goto out;
		/* The issuer certificate must certify the issuer key. */
		if (EVP_PKEY_eq(X509_get0_pubkey(ix), iss_pub) != 1) {
			st = LIEN_EINVAL;
			goto out;
		}
	}
	st = LIEN_ENOMEM;
	if ((x = X509_new()) == NULL)
		goto out;
	st = LIEN_ECRYPTO;
	if (X509_set_version(x, X509_VERSION_3) != 1)
		goto out;
	if ((st = serial_set(x)) != LIEN_OK)
		goto out;
	st = LIEN_ECRYPTO;
	if (ASN1_TIME_set(X509_getm_notBefore(x), (time_t)p->not_before) ==
	    NULL || ASN1_TIME_set(X509_getm_notAfter(x),
	    (time_t)p->not_after) == NULL)
		goto out;
	if ((st = subject_build(X509_get_subject_name(x), &p->subject)) !=
	    LIEN_OK)
		goto out;
	st = LIEN_ECRYPTO;
	if (X509_set_issuer_name(x, ix != NULL ? X509_get_subject_name(ix) :
	    X509_get_subject_name(x)) != 1)
		goto out;
	if (X509_set_pubkey(x, sub_pub) != 1)
		goto out;
	X509V3_set_ctx(&ctx, ix != NULL ? ix : x, x, NULL, NULL, 0);
	if (p->is_ca) {
		if (!ext_add(x, &ctx, NID_basic_constraints,
		    "critical,CA:TRUE") ||
		    !ext_add(x, &ctx, NID_key_usage,
		    "critical,keyCertSign,cRLSign") ||
		    !ext_add(x, &ctx, NID_subject_key_identifier, "hash"))
			goto out;
	} else {
		if (!ext_add(x, &ctx, NID_basic_constraints,
		    "critical,CA:FALSE") ||
		    !ext_add(x, &ctx, NID_key_usage,
		    "critical,digitalSignature") ||
		    !ext_add(x, &ctx, NID_subject_key_identifier, "hash") ||
		    !ext_add(x, &ctx, NID_authority_key_identifier,
		    "keyid:always"))
			goto out;
	}
	if ((st = cert_sign(x, iss_priv, ialg)) != LIEN_OK)
		goto out;
	if ((st = pem_out(x, &pem, &pem_len)) != LIEN_OK)
		goto out;
	/* What we hand out must pass our own strict parser and verify. */
	if ((st = cert_parse_text(pem, pem_len, &parsed)) != LIEN_OK) {
		st = LIEN_ECRYPTO;
		goto out;
	}
	if ((st = cert_check(x, iss_pub, ialg)) != LIEN_OK)
		goto out;
	*out = pem;
	*out_len = pem_len;
	pem = NULL;
	st = LIEN_OK;
out:
	if (st != LIEN_OK)
		ERR_clear_error();	/* translated into st */
	cert_free(parsed);
	free(pem);
	X509_free(x);
	X509_free(ix);
	EVP_PKEY_free(sub_pub);
	EVP_PKEY_free(iss_priv);
	EVP_PKEY_free(iss_pub);
	return st;
}
