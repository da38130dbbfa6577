/*
 * PKCS#10 certification requests (crypto/csr.h).
 *
 * Design. OpenSSL builds and encodes the request (X509_REQ, the subject
 * X509_NAME, the extensionRequest attribute), but it does not sign it:
 * an Ed25519 `struct pkey` keeps its secret only in libsodium memory and
 * has no private EVP_PKEY (crypto/pkey.h), and SM2 must hash Z_A with the
 * key's own distinguishing ID. So we encode the CertificationRequestInfo
 * (i2d_re_X509_REQ_tbs), sign those bytes with pkey_sign (the one signing
 * path for all three algorithms), and attach the algorithm identifier and
 * signature ourselves: exactly what ASN1_item_sign would have produced.
 * The public key comes from the key's exported SPKI, so the request holds
 * the same bytes the key's fingerprint is computed over.
 *
 * The subject parser is ours rather than OpenSSL's parse_name (an app
 * helper, not API) and is deliberately narrower: a fixed table of the
 * attributes a registry filing needs, each with its X.520 bound, so a typo
 * fails here instead of at the CA.
 *
 * Not here: certificates (crypto/cert.c), the CLI (tools/cli_pki.c).
 */
#include "crypto/csr.h"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/pem.h"

/* ---- subject ------------------------------------------------------------ */

enum charset { CS_UTF8, CS_PRINTABLE, CS_ALPHA_UPPER };

struct attr_def {
	const char *name;	/* canonical short name */
	const char *long_name;
	int nid;
	size_t min_chars, max_chars;	/* X.520 / RFC 5280 appendix A bounds */
	enum charset cs;
	int repeatable;
};

static const struct attr_def attr_defs[] = {
	{ "C", "countryName", NID_countryName, 2, 2, CS_ALPHA_UPPER, 0 },
	{ "ST", "stateOrProvinceName", NID_stateOrProvinceName, 1, 128,
	    CS_UTF8, 0 },
	{ "L", "localityName", NID_localityName, 1, 128, CS_UTF8, 0 },
	{ "O", "organizationName", NID_organizationName, 1, 64, CS_UTF8, 0 },
	{ "OU", "organizationalUnitName", NID_organizationalUnitName, 1, 64,
	    CS_UTF8, 1 },
	{ "CN", "commonName", NID_commonName, 1, 64, CS_UTF8, 0 },
	/* serialNumber is a PrintableString (X.520); OpenSSL's string table
	 * enforces that too, we just say so earlier and more clearly. */
	{ "serialNumber", "serialNumber", NID_serialNumber, 1, 64,
	    CS_PRINTABLE, 0 },
	/* X.520 organizationIdentifier (2.5.4.97); ETSI EN 319 412-1 5.1.4
	 * semantics "NTRCN-" + the unified social credit code. */
	{ "organizationIdentifier", "organizationIdentifier",
	    NID_organizationIdentifier, 1, 64, CS_PRINTABLE, 0 },
};
#define NATTR_DEFS (sizeof(attr_defs) / sizeof(attr_defs[0]))

/* X.680 PrintableString: A-Z a-z 0-9 space ' ( ) + , - . / : = ? */
static int
printable_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == ' ' || c == '\'' || c == '(' ||
	    c == ')' || c == '+' || c == ',' || c == '-' || c == '.' ||
	    c == '/' || c == ':' || c == '=' || c == '?';
}

/* Strict UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF)
 * without C0/C1 controls or DEL. Returns the number of code points, or
 * (size_t)-1. */
static size_t
utf8_count(const unsigned char *s, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t k;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return (size_t)-1;
			i++;
			count++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1fu;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0fu;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07u;
		} else {
			return (size_t)-1;
		}
		if (k > n - i - 1)
			return (size_t)-1;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return (size_t)-1;
			cp = (cp << 6) | (s[i + j] & 0x3fu);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return (size_t)-1;
		i += k + 1;
		count++;
	}
	return count;
}

static const struct attr_def *
attr_lookup(const char *name, size_t n)
{
	for (size_t i = 0; i < NATTR_DEFS; i++) {
		const struct attr_def *d = &attr_defs[i];

		if ((strlen(d->name) == n && memcmp(d->name, name, n) == 0) ||
		    (strlen(d->long_name) == n &&
		    memcmp(d->long_name, name, n) == 0))
			return d;
	}
	return NULL;
}

static enum lien_status LIEN_MUST_CHECK
value_check(const struct attr_def *d, const char *v, size_t n)
{
	size_t chars = utf8_count((const unsigned char *)v, n);

	if (chars == (size_t)-1)
		return LIEN_EPARSE;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (d->cs == CS_PRINTABLE && !printable_ok(c))
			return LIEN_EPARSE;
		if (d->cs == CS_ALPHA_UPPER && !(c >= 'A' && c <= 'Z'))
			return LIEN_EPARSE;
	}
	if (chars < d->min_chars || chars > d->max_chars)
		return LIEN_ERANGE;
	return LIEN_OK;
}

enum lien_status
csr_subject_parse(const char *s, size_t len, struct csr_subject *out,
    size_t *bad_at)
{
	enum lien_status st = LIEN_EPARSE;
	size_t i = 0, at = 0;

	if (out == NULL || (s == NULL && len > 0))
		return LIEN_EINVAL;
	memset(out, 0, sizeof(*out));
	if (len > CSR_SUBJECT_MAX) {
		st = LIEN_ETOOBIG;
		goto fail;
	}
	if (len == 0 || s[0] != '/')
		goto fail;
	while (i < len) {
		const struct attr_def *d;
		struct csr_attr *a;
		size_t name_start, name_len, vlen = 0;

		at = i;
		i++;				/* the '/' */
		name_start = i;
		while (i < len && s[i] != '=' && s[i] != '/')
			i++;
		name_len = i - name_start;
		if (i >= len || s[i] != '=' || name_len == 0)
			goto fail;		/* "/", "//", "/CN", "/=x" */
		if ((d = attr_lookup(s + name_start, name_len)) == NULL) {
			st = LIEN_EUNSUPPORTED;
			goto fail;
		}
		if (out->nattrs >= CSR_ATTRS_MAX) {
			st = LIEN_ETOOBIG;
			goto fail;
		}
		for (size_t k = 0; k < out->nattrs && !d->repeatable; k++) {
			if (strcmp(out->attrs[k].name, d->name) == 0)
				goto fail;	/* two CNs: which one is meant? */
		}
		a = &out->attrs[out->nattrs];
		i++;				/* the '=' */
		at = i;
		while (i < len && s[i] != '/') {
			char c = s[i];

			if (c == '\\') {
				if (len - i < 2)
					goto fail;	/* lone trailing '\' */
				c = s[i + 1];
				i++;
			}
			if (vlen >= CSR_VALUE_MAX) {
				st = LIEN_ERANGE;
				goto fail;
			}
			a->value[vlen++] = c;
			i++;
		}
		a->value[vlen] = '\0';
		a->value_len = vlen;
		a->name = d->name;
		if ((st = value_check(d, a->value, vlen)) != LIEN_OK)
			goto fail;
		st = LIEN_EPARSE;
		out->nattrs++;
		/* A '/' that ends the text would start an empty segment. */
	}
	return LIEN_OK;
fail:
	memset(out, 0, sizeof(*out));
	if (bad_at != NULL)
		*bad_at = at;
	return st;
}

/* ---- request ------------------------------------------------------------- */

static int
attr_nid(const char *name)
{
	for (size_t i = 0; i < NATTR_DEFS; i++)
		if (strcmp(attr_defs[i].name, name) == 0)
			return attr_defs[i].nid;
	return NID_undef;
}

/* The subject public key from the key's exported SPKI: d2i_PUBKEY gives
 * a new EVP_PKEY (freed here once X509_REQ_set_pubkey has taken its own
 * encoding). */
static enum lien_status LIEN_MUST_CHECK
req_set_pubkey(X509_REQ *req, const struct pkey *key)
{
	uint8_t spki[PKEY_SPKI_MAX];
	const unsigned char *p = spki;
	size_t spki_len = 0;
	EVP_PKEY *pub;
	enum lien_status st;
	int ok;

	if ((st = pkey_export_spki(key, spki, sizeof(spki), &spki_len)) !=
	    LIEN_OK)
		return st;
	if (spki_len > LONG_MAX)
		return LIEN_EINVAL;
	pub = d2i_PUBKEY(NULL, &p, (long)spki_len);
	if (pub == NULL)
		return LIEN_ECRYPTO;
	ok = X509_REQ_set_pubkey(req, pub);
	EVP_PKEY_free(pub);
	return ok == 1 ? LIEN_OK : LIEN_ECRYPTO;
}

/* extensionRequest (PKCS#9) holding keyUsage = digitalSignature,
 * critical (RFC 5280 4.2.1.3 recommends critical). */
static enum lien_status LIEN_MUST_CHECK
req_add_key_usage(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	enum lien_status st = LIEN_ECRYPTO;

	if (ku == NULL)
		return LIEN_ENOMEM;
	if (ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1)	/* digitalSignature(0) */
		goto out;
	if (X509V3_add1_i2d(&exts, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT)
	    != 1)
		goto out;
	if (X509_REQ_add_extensions(req, exts) != 1)
		goto out;
	st = LIEN_OK;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ASN1_BIT_STRING_free(ku);
	return st;
}

/* Sign the CertificationRequestInfo with pkey_sign and attach the
 * AlgorithmIdentifier (parameters absent for all three: RFC 8410 3,
 * RFC 5758 3.2, GM/T 0015) and the signature BIT STRING. */
static enum lien_status LIEN_MUST_CHECK
req_sign(X509_REQ *req, const struct pkey *key)
{
	enum pkey_alg alg = pkey_alg_get(key);
	enum pkey_sigenc enc;
	unsigned char *tbs = NULL;
	uint8_t sig[PKEY_SIG_MAX];
	size_t sig_len = 0;
	X509_ALGOR *algor = NULL;
	ASN1_BIT_STRING *bits = NULL;
	enum lien_status st = LIEN_ECRYPTO;
	int tbs_len, nid;

	switch (alg) {
	case PKEY_ED25519:
		nid = NID_ED25519;
		enc = PKEY_SIG_RAW;
		break;
	case PKEY_P256:
		nid = NID_ecdsa_with_SHA256;
		enc = PKEY_SIG_DER;
		break;
	case PKEY_SM2:
		nid = NID_SM2_with_SM3;
		enc = PKEY_SIG_DER;
		break;
	case PKEY_NONE:
	default:
		return LIEN_EUNSUPPORTED;
	}
	/* i2d_re_*: force a fresh encoding of the info we just built. */
	tbs_len = i2d_re_X509_REQ_tbs(req, &tbs);
	if (tbs_len <= 0 || tbs == NULL)
		goto out;
	if ((st = pkey_sign(key, enc, tbs, (size_t)tbs_len, sig, sizeof(sig),
	    &sig_len)) != LIEN_OK)
		goto out;
	/* Belt and braces (signify): never hand out a request whose
	 * signature does not verify under its own key. */
	if ((st = pkey_verify(key, enc, tbs, (size_t)tbs_len, sig, sig_len))
	    != LIEN_OK) {
		st = LIEN_ECRYPTO;
		goto out;
	}
	st = LIEN_ECRYPTO;
	if ((algor = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(algor, OBJ_nid2obj(nid), V_ASN1_UNDEF, NULL) != 1 ||
	    X509_REQ_set1_signature_algo(req, algor) != 1)
		goto out;
	if ((bits = ASN1_BIT_STRING_new()) == NULL ||
	    ASN1_BIT_STRING_set(bits, sig, (int)sig_len) != 1)
		goto out;
	/* As ASN1_item_sign does: say "no unused bits" explicitly, or the
	 * encoder would strip trailing zero bytes of the signature. */
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07L);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bits);	/* req owns bits now */
	bits = NULL;
	st = LIEN_OK;
out:
	ASN1_BIT_STRING_free(bits);
	X509_ALGOR_free(algor);
	OPENSSL_free(tbs);
	return st;
}

enum lien_status
csr_create_pem(const struct pkey *key, const struct csr_subject *subject,
    char **out, size_t *out_len)
{
	X509_REQ *req = NULL;
	X509_NAME *name;
	unsigned char *der = NULL;
	int der_len;
	enum lien_status st = LIEN_ECRYPTO;

	if (out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	*out_len = 0;
	if (key == NULL || subject == NULL || subject->nattrs == 0 ||
	    subject->nattrs > CSR_ATTRS_MAX)
		return LIEN_EINVAL;
	if (!pkey_is_private(key))
		return LIEN_EKEY;
	if (pkey_alg_get(key) == PKEY_NONE)
		return LIEN_EUNSUPPORTED;
	if ((req = X509_REQ_new()) == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1)
		goto out;
	name = X509_REQ_get_subject_name(req);	/* borrowed from req */
	for (size_t i = 0; i < subject->nattrs; i++) {
		const struct csr_attr *a = &subject->attrs[i];
		int nid = a->name != NULL ? attr_nid(a->name) : NID_undef;

		if (nid == NID_undef || a->value_len == 0 ||
		    a->value_len > CSR_VALUE_MAX) {
			st = LIEN_EINVAL;
			goto out;
		}
		if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
		    (const unsigned char *)a->value, (int)a->value_len, -1, 0)
		    != 1) {
			st = LIEN_EINVAL;	/* OpenSSL's string table refused */
			goto out;
		}
	}
	if ((st = req_set_pubkey(req, key)) != LIEN_OK)
		goto out;
	if ((st = req_add_key_usage(req)) != LIEN_OK)
		goto out;
	if ((st = req_sign(req, key)) != LIEN_OK)
		goto out;
	/* PKCS #10 DER, then the one PEM writer (RFC 7468 section 7) */
	st = LIEN_ECRYPTO;
	if ((der_len = i2d_X509_REQ(req, &der)) <= 0)
		goto out;
	st = pem_encode("CERTIFICATE REQUEST", der, (size_t)der_len, out,
	    out_len);
out:
	if (st != LIEN_OK)
		ERR_clear_error();	/* translated into st; nothing to log */
	OPENSSL_free(der);
	X509_REQ_free(req);
	return st;
}
