/*
 * X.509 certificates and the trust store (crypto/cert.h,
 * docs/certificates.md).
 *
 * Design. Chain building, signature, validity-time, CA-flag, path-length
 * and CRL checks are OpenSSL's (X509_STORE / X509_verify_cert): we do not
 * re-implement RFC 5280 path validation. What we add around it:
 *
 *  - Strict input. Certificates from the wire must be exact PEM or
 *    canonical base64 of strict DER (re-encoding reproduces the bytes,
 *    including the TBS part), so one certificate has one encoding and one
 *    fingerprint.
 *  - Explicit time. Every verification runs at a caller-given time
 *    (X509_VERIFY_PARAM_set_time), which makes tests deterministic and lets
 *    the server pin "now" once per request.
 *  - SM2. OpenSSL 3.0 verifies SM2-with-SM3 signatures with an empty
 *    distinguishing ID unless told otherwise. Certificates carry their own
 *    ID slot (X509_set0_distinguishing_id), which we fill on every
 *    SM2-signed certificate we verify, from the configuration. CRLs have no
 *    such slot (X509_CRL_verify passes no ID), so an SM2-signed CRL always
 *    fails inside OpenSSL: we verify those ourselves at load time, with the
 *    right ID, against the configured CA, and the verify callback accepts
 *    OpenSSL's CRL_SIGNATURE_FAILURE only for exactly that (CRL, issuer)
 *    pair.
 *  - A verdict cache. Chain verification costs tens to hundreds of
 *    microseconds (SM2 ~230 us per signature); a filed bank signs thousands
 *    of requests with one certificate. The cache is a fixed array of
 *    CERT_CACHE_SLOTS slots indexed by the leading bytes of the SHA-256
 *    fingerprint (direct-mapped: a colliding certificate just evicts the
 *    other, so the memory is bounded whatever clients send). Entries carry
 *    the trust generation they were computed under, so a reload makes them
 *    all stale at once, and positive entries carry the time window in which
 *    they hold, so expiry (of any chain certificate or CRL) needs no timer.
 *  - Reload. The configuration lives in an immutable, reference-counted
 *    `struct trust_state`; reload builds a new one completely (any error
 *    leaves the old one in force), then swaps the pointer under a lock.
 *    Verifications in flight keep their reference to the old state.
 *
 * Not here: which certificate belongs to which filed institution (the
 * ledger's institutions table), OCSP (not used by the registry), and
 * fetching CRLs (operators drop files in the data directory and SIGHUP).
 */
#include "crypto/cert.h"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/b64.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/pem.h"

/* ---- time ----------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil); avoids timegm(), which is not POSIX. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* An ASN.1 time as Unix seconds. LIEN_EPARSE (*out 0) when OpenSSL
 * cannot read it. */
static enum lien_status LIEN_MUST_CHECK
asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	*out = 0;
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return LIEN_EPARSE;
	*out = days_from_civil((int64_t)tm.tm_year + 1900,
	    (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) * 86400 +
	    (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return LIEN_OK;
}

/* ---- struct cert ------------------------------------------------------------ */

struct cert {
	X509 *x;		/* parsed once; only read afterwards */
	uint8_t *der;
	size_t der_len;
	uint8_t fpr[CERT_FPR_LEN];
};

void
cert_free(struct cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	free(c->der);
	free(c);
}

/* d2i with every byte consumed; NULL otherwise. */
static X509 *
der_to_x509(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (len == 0 || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* The first element of the outer SEQUENCE of DER: the TBS part of a
 * certificate (RFC 5280 4.1) or CRL (5.1), as *off, *n. Definite DER
 * lengths up to 4 bytes; LIEN_EPARSE if der does not start that way. */
static enum lien_status LIEN_MUST_CHECK
der_first_child(const uint8_t *der, size_t len, size_t *off, size_t *n)
{
	size_t i = 0, l;

	for (int level = 0; level < 2; level++) {
		size_t start = i;

		if (len - i < 2 || der[i] != 0x30)
			return LIEN_EPARSE;
		i++;
		if (der[i] < 0x80) {
			l = der[i++];
		} else {
			size_t nb = der[i++] & 0x7fu;

			if (nb == 0 || nb > 4 || len - i < nb)
				return LIEN_EPARSE;
			l = 0;
			for (size_t k = 0; k < nb; k++)
				l = l << 8 | der[i++];
		}
		if (l > len - i)
			return LIEN_EPARSE;
		if (level == 1) {
			*off = start;
			*n = i - start + l;
			return LIEN_OK;
		}
	}
	return LIEN_EPARSE;
}

/* Strict DER: the whole certificate re-encodes to the same bytes, and so
 * does the TBS part, re-encoded from a scratch copy (i2d_re_X509_tbs
 * marks the object modified, which would make later encodings of a
 * shared object racy) and compared with the TBS bytes as received. */
static enum lien_status LIEN_MUST_CHECK
der_is_strict(X509 *x, const uint8_t *der, size_t len)
{
	unsigned char *re = NULL, *tbs_re = NULL;
	X509 *scratch = NULL;
	size_t tbs_off, ntbs;
	int n, ntbs_re;
	enum lien_status st = LIEN_EPARSE;

	n = i2d_X509(x, &re);
	if (n < 0 || (size_t)n != len || memcmp(re, der, len) != 0)
		goto out;
	if ((scratch = der_to_x509(der, len)) == NULL)
		goto out;
	if (der_first_child(der, len, &tbs_off, &ntbs) != LIEN_OK)
		goto out;
	ntbs_re = i2d_re_X509_tbs(scratch, &tbs_re);
	if (ntbs_re <= 0 || (size_t)ntbs_re != ntbs ||
	    memcmp(der + tbs_off, tbs_re, ntbs) != 0)
		goto out;
	st = LIEN_OK;
out:
	OPENSSL_free(re);
	OPENSSL_free(tbs_re);
	X509_free(scratch);
	return st;
}

enum lien_status
cert_parse_der(const uint8_t *der, size_t len, struct cert **out)
{
	struct cert *c;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (der == NULL && len != 0)
		return LIEN_EINVAL;
	if (len > CERT_DER_MAX)
		return LIEN_ETOOBIG;
	if (len == 0)
		return LIEN_EPARSE;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return LIEN_ENOMEM;
	if ((c->der = malloc(len)) == NULL) {
		free(c);
		return LIEN_ENOMEM;
	}
	memcpy(c->der, der, len);
	c->der_len = len;
	st = LIEN_EPARSE;
	if ((c->x = der_to_x509(c->der, len)) == NULL)
		goto out;
	if ((st = der_is_strict(c->x, c->der, len)) != LIEN_OK)
		goto out;
	/* Populate OpenSSL's lazily computed extension cache now, while the
	 * object is private: later readers on other threads only read. A
	 * certificate with malformed extensions is refused here. */
	if (X509_check_purpose(c->x, -1, 0) != 1 ||
	    (X509_get_extension_flags(c->x) & EXFLAG_INVALID) != 0) {
		st = LIEN_EPARSE;
		goto out;
	}
	hash_sha256(c->der, len, c->fpr);
	st = LIEN_OK;
out:
	ERR_clear_error();
	if (st != LIEN_OK) {
		cert_free(c);
		return st;
	}
	*out = c;
	return LIEN_OK;
}

enum lien_status
cert_parse_text(const char *text, size_t len, struct cert **out)
{
	uint8_t *der = NULL;
	size_t der_len = 0;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (text == NULL && len != 0)
		return LIEN_EINVAL;
	if (len > CERT_TEXT_MAX)
		return LIEN_ETOOBIG;
	if (len == 0)
		return LIEN_EPARSE;
	if (len >= 5 && memcmp(text, "-----", 5) == 0) {
		st = pem_decode(text, len, "CERTIFICATE", CERT_DER_MAX, &der,
		    &der_len);
	} else {
		/* The bare base64 of the DER (JSON fields); b64_decode is
		 * canonical-only (common/b64.h). */
		if ((der = malloc(CERT_DER_MAX)) == NULL)
			return LIEN_ENOMEM;
		st = b64_decode(text, len, der, CERT_DER_MAX, &der_len);
	}
	if (st == LIEN_OK)
		st = cert_parse_der(der, der_len, out);
	free(der);
	return st;
}

const uint8_t *
cert_der_get0(const struct cert *c, size_t *out_len)
{
	*out_len = c->der_len;
	return c->der;
}

void
cert_fingerprint(const struct cert *c, uint8_t out[CERT_FPR_LEN])
{
	memcpy(out, c->fpr, CERT_FPR_LEN);
}

void
cert_keyid_hex(const struct cert *c, char out[CERT_KEYID_HEX_LEN + 1])
{
	hex_encode(c->fpr, CERT_FPR_LEN, out);
}

enum lien_status
cert_key_check(const struct cert *c, const struct pkey *key)
{
	enum lien_status st;

	st = EVP_PKEY_eq(X509_get0_pubkey(c->x), pkey_evp_get0(key)) == 1 ?
	    LIEN_OK : LIEN_EKEY;
	ERR_clear_error();
	return st;
}

/* ---- cert_info ---------------------------------------------------------------- */

/* The value of the only attribute of type nid in name, as UTF-8 into buf
 * (cap bytes incl. NUL), its length in *out_len. LIEN_ENOTFOUND when
 * name has none, LIEN_EPARSE when it has several or one that does not
 * convert (or fit, or holds a NUL); *out_len 0 and buf "" then. */
static enum lien_status LIEN_MUST_CHECK
name_attr_utf8(const X509_NAME *name, int nid, char *buf, size_t cap,
    size_t *out_len)
{
	int idx = X509_NAME_get_index_by_NID(name, nid, -1);
	const ASN1_STRING *v;
	unsigned char *utf8 = NULL;
	int n;

	*out_len = 0;
	buf[0] = '\0';
	if (idx < 0)
		return LIEN_ENOTFOUND;
	if (X509_NAME_get_index_by_NID(name, nid, idx) >= 0)
		return LIEN_EPARSE;
	v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
	n = ASN1_STRING_to_UTF8(&utf8, v);
	if (n < 0 || (size_t)n >= cap || memchr(utf8, 0, (size_t)n) != NULL) {
		OPENSSL_free(utf8);
		return LIEN_EPARSE;
	}
	memcpy(buf, utf8, (size_t)n);
	buf[n] = '\0';
	OPENSSL_free(utf8);
	*out_len = (size_t)n;
	return LIEN_OK;
}

/* docs/certificates.md "Credit code": organizationIdentifier first (bare
 * code, or ETSI EN 319 412-1 legal-person semantics "NTRCN-" + code),
 * else serialNumber. Only the shape is checked here (18 characters of
 * 0-9 A-Z): the GB 32100 check character is registry/ids.c's job, and
 * crypto/ does not depend on ledger/. */
static void
subject_uscc(const X509_NAME *name, struct cert_info *out)
{
	char v[64];
	size_t n;
	enum lien_status st;

	st = name_attr_utf8(name, NID_organizationIdentifier, v, sizeof v, &n);
	/* none, or an empty one: the serialNumber instead */
	if (st == LIEN_ENOTFOUND || (st == LIEN_OK && n == 0))
		st = name_attr_utf8(name, NID_serialNumber, v, sizeof v, &n);
	if (st != LIEN_OK || n == 0)
		return;
	if (n == 6 + CERT_USCC_LEN && memcmp(v, "NTRCN-", 6) == 0) {
		memmove(v, v + 6, CERT_USCC_LEN);
		n = CERT_USCC_LEN;
	}
	if (n != CERT_USCC_LEN)
		return;
	for (size_t i = 0; i < CERT_USCC_LEN; i++)
		if (!((v[i] >= '0' && v[i] <= '9') ||
		    (v[i] >= 'A' && v[i] <= 'Z')))
			return;
	memcpy(out->uscc, v, CERT_USCC_LEN);
	out->uscc[CERT_USCC_LEN] = '\0';
	out->uscc_len = CERT_USCC_LEN;
}

/* docs/certificates.md "Party binding": the subject's serialNumber
 * (X.520 2.5.4.5), exactly one, printable ASCII without spaces at the
 * ends; otherwise none. */
static void
subject_sn(const X509_NAME *name, struct cert_info *out)
{
	char v[CERT_SUBJECT_SN_MAX + 1];
	size_t n;

	if (name_attr_utf8(name, NID_serialNumber, v, sizeof v, &n) !=
	    LIEN_OK || n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return;
	if (v[0] == ' ' || v[n - 1] == ' ')
		return;
	memcpy(out->subject_sn, v, n + 1);
	out->subject_sn_len = n;
}

enum lien_status
cert_info_get(const struct cert *c, struct cert_info *out)
{
	const X509_NAME *subj;
	const ASN1_INTEGER *serial;
	struct pkey *key = NULL;
	enum lien_status st = LIEN_EPARSE;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (c == NULL)
		return LIEN_EINVAL;
	subj = X509_get_subject_name(c->x);
	/* no commonName is an empty one; several or a bad one refuse */
	if (name_attr_utf8(subj, NID_commonName, out->cn, sizeof out->cn,
	    &out->cn_len) == LIEN_EPARSE)
		goto out;
	serial = X509_get0_serialNumber(c->x);
	if (serial == NULL || ASN1_STRING_type(serial) != V_ASN1_INTEGER ||
	    ASN1_STRING_length(serial) <= 0 ||
	    (size_t)ASN1_STRING_length(serial) > CERT_SERIAL_MAX)
		goto out;
	out->serial_len = (size_t)ASN1_STRING_length(serial);
	memcpy(out->serial, ASN1_STRING_get0_data(serial), out->serial_len);
	if (asn1_time_unix(X509_get0_notBefore(c->x), &out->not_before) !=
	    LIEN_OK || asn1_time_unix(X509_get0_notAfter(c->x),
	    &out->not_after) != LIEN_OK)
		goto out;
	subject_uscc(subj, out);
	subject_sn(subj, out);
	out->sig_sm2 = X509_get_signature_nid(c->x) == NID_SM2_with_SM3;
	out->key_alg = PKEY_NONE;
	st = pkey_from_evp(X509_get0_pubkey(c->x), &key);
	if (st == LIEN_OK)
		out->key_alg = pkey_alg_get(key);
	else if (st != LIEN_EUNSUPPORTED && st != LIEN_EPARSE)
		goto out;
	pkey_free(key);
	st = LIEN_OK;
out:
	ERR_clear_error();
	if (st != LIEN_OK)
		memset(out, 0, sizeof *out);
	return st;
}

/* ---- trust state ------------------------------------------------------------ */

struct sm2_crl {
	X509_CRL *crl;
	X509 *issuer;	/* the configured CA whose key verified it */
};

/* Immutable after build; shared by reference count. */
struct trust_state {
	atomic_uint refs;
	X509_STORE *store;
	STACK_OF(X509) *untrusted;	/* configured intermediates */
	STACK_OF(X509) *all_cas;	/* roots + intermediates (CRL issuers) */
	struct sm2_crl *sm2_crls;
	size_t nsm2_crls;
	uint8_t sm2_id[PKEY_SM2_ID_MAX];
	size_t sm2_id_len;
	int64_t crl_from, crl_until;	/* max lastUpdate, min nextUpdate */
	uint64_t generation;
};

struct cache_slot {
	int used;
	uint8_t fpr[CERT_FPR_LEN];
	enum cert_usage usage;
	uint64_t generation;
	enum cert_verdict verdict;
	int64_t valid_from, valid_until;
	struct pkey *key;	/* CERT_OK only; one reference */
};

struct cert_trust {
	pthread_rwlock_t lock;		/* guards state */
	struct trust_state *state;
	_Atomic uint64_t generation;
	pthread_rwlock_t cache_lock;	/* guards slots, nentries */
	struct cache_slot *slots;	/* CERT_CACHE_SLOTS */
	uint64_t nentries;
	atomic_uint_fast64_t hits, misses;
};

static int store_ex_index = -1;
static pthread_once_t store_ex_once = PTHREAD_ONCE_INIT;

static void
store_ex_setup(void)
{
	store_ex_index = X509_STORE_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL);
}

static void
state_free(struct trust_state *s)
{
	if (s == NULL)
		return;
	X509_STORE_free(s->store);
	sk_X509_pop_free(s->untrusted, X509_free);
	sk_X509_pop_free(s->all_cas, X509_free);
	for (size_t i = 0; i < s->nsm2_crls; i++) {
		X509_CRL_free(s->sm2_crls[i].crl);
		X509_free(s->sm2_crls[i].issuer);
	}
	free(s->sm2_crls);
	free(s);
}

static void
state_release(struct trust_state *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		state_free(s);
}

/* Give an SM2-signed certificate the configured distinguishing ID, so
 * X509_verify uses it instead of OpenSSL 3.0's empty default. */
static enum lien_status LIEN_MUST_CHECK
x509_set_sm2_id(X509 *x, const uint8_t *id, size_t len)
{
	ASN1_OCTET_STRING *v;

	if (X509_get_signature_nid(x) != NID_SM2_with_SM3)
		return LIEN_OK;
	if ((v = ASN1_OCTET_STRING_new()) == NULL)
		return LIEN_ENOMEM;
	if (ASN1_OCTET_STRING_set(v, id, (int)len) != 1) {
		ASN1_OCTET_STRING_free(v);
		return LIEN_ENOMEM;
	}
	X509_set0_distinguishing_id(x, v);	/* takes ownership */
	return LIEN_OK;
}

/* Every certificate of a PEM bundle: strict RFC 7468 blocks labelled
 * CERTIFICATE, only line breaks between them (crypto/pem.h), each one
 * strict DER. Appends to *sk. */
static enum lien_status LIEN_MUST_CHECK
bundle_load(const char *pem, size_t len, STACK_OF(X509) *sk, int want_root,
    const struct trust_state *s)
{
	struct pem_block b;
	size_t pos = 0;
	X509 *x;
	enum lien_status st;

	if (len > CERT_BUNDLE_MAX)
		return LIEN_ETOOBIG;
	while ((st = pem_next(pem, len, &pos, CERT_DER_MAX, &b)) == LIEN_OK) {
		if (strcmp(b.label, "CERTIFICATE") != 0 ||
		    (size_t)sk_X509_num(sk) >= CERT_BUNDLE_CERTS_MAX) {
			st = strcmp(b.label, "CERTIFICATE") != 0 ?
			    LIEN_EPARSE : LIEN_ETOOBIG;
			pem_block_clear(&b);
			goto out;
		}
		x = der_to_x509(b.der, b.der_len);
		st = x != NULL ? der_is_strict(x, b.der, b.der_len) :
		    LIEN_EPARSE;
		pem_block_clear(&b);
		/* roots: self-signed CAs; intermediates: CAs, not self-signed */
		if (st == LIEN_OK && (X509_check_ca(x) < 1 ||
		    X509_self_signed(x, 0) != want_root))
			st = LIEN_EPARSE;
		if (st == LIEN_OK)
			st = x509_set_sm2_id(x, s->sm2_id, s->sm2_id_len);
		if (st == LIEN_OK && X509_check_purpose(x, -1, 0) != 1)
			st = LIEN_EPARSE;
		if (st != LIEN_OK || !sk_X509_push(sk, x)) {
			X509_free(x);
			if (st == LIEN_OK)
				st = LIEN_ENOMEM;
			goto out;
		}
	}
	if (st == LIEN_ENOTFOUND)	/* the end of the bundle */
		st = LIEN_OK;
out:
	ERR_clear_error();
	return st;
}

/* Verify an SM2-with-SM3 CRL signature with the configured ID. */
static int
sm2_crl_verify(X509_CRL *crl, X509 *issuer, const struct trust_state *s)
{
	unsigned char *der = NULL;
	const ASN1_BIT_STRING *sig = NULL;
	struct pkey *key = NULL;
	size_t off, n;
	int dlen, ok = 0;

	dlen = i2d_X509_CRL(crl, &der);
	X509_CRL_get0_signature(crl, &sig, NULL);
	if (dlen <= 0 || sig == NULL ||
	    der_first_child(der, (size_t)dlen, &off, &n) != LIEN_OK)
		goto out;
	if (pkey_from_evp(X509_get0_pubkey(issuer), &key) != LIEN_OK ||
	    pkey_alg_get(key) != PKEY_SM2 ||
	    pkey_sm2_id_set(key, s->sm2_id, s->sm2_id_len) != LIEN_OK)
		goto out;
	ok = pkey_verify(key, PKEY_SIG_DER, der + off, n,
	    ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig)) ==
	    LIEN_OK;
out:
	pkey_free(key);
	OPENSSL_free(der);
	return ok;
}

/* Load one CRL: exactly one PEM block, issued and signed by a configured
 * CA (so a wrong file is refused at reload, not at the first request). */
static enum lien_status LIEN_MUST_CHECK
crl_load(const struct cert_blob *b, struct trust_state *s)
{
	X509_CRL *crl = NULL;
	uint8_t *der = NULL;
	const unsigned char *dp;
	unsigned char *re = NULL;
	size_t der_len = 0;
	int verified = 0, sm2, re_len;
	int64_t t;
	enum lien_status st;

	if (b->len > CERT_CRL_MAX)
		return LIEN_ETOOBIG;
	if (b->p == NULL || b->len == 0)
		return LIEN_EPARSE;
	if ((st = pem_decode(b->p, b->len, "X509 CRL", CERT_CRL_MAX, &der,
	    &der_len)) != LIEN_OK)
		return st;
	/* Strict DER, every byte consumed: re-encoding gives the input. */
	st = LIEN_EPARSE;
	dp = der;
	if (der_len > LONG_MAX ||
	    (crl = d2i_X509_CRL(NULL, &dp, (long)der_len)) == NULL ||
	    dp != der + der_len || (re_len = i2d_X509_CRL(crl, &re)) < 0 ||
	    (size_t)re_len != der_len || memcmp(re, der, der_len) != 0)
		goto out;
	sm2 = X509_CRL_get_signature_nid(crl) == NID_SM2_with_SM3;
	for (int i = 0; i < sk_X509_num(s->all_cas); i++) {
		X509 *ca = sk_X509_value(s->all_cas, i);

		if (X509_NAME_cmp(X509_get_subject_name(ca),
		    X509_CRL_get_issuer(crl)) != 0)
			continue;
		if (sm2 ? sm2_crl_verify(crl, ca, s) :
		    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1) {
			verified = 1;
			if (sm2) {
				struct sm2_crl *n = realloc(s->sm2_crls,
				    (s->nsm2_crls + 1) * sizeof *n);

				if (n == NULL) {
					st = LIEN_ENOMEM;
					goto out;
				}
				s->sm2_crls = n;
				X509_CRL_up_ref(crl);
				X509_up_ref(ca);
				n[s->nsm2_crls].crl = crl;
				n[s->nsm2_crls].issuer = ca;
				s->nsm2_crls++;
			}
		}
	}
	if (!verified)
		goto out;
	if (asn1_time_unix(X509_CRL_get0_lastUpdate(crl), &t) != LIEN_OK)
		goto out;
	if (t > s->crl_from)
		s->crl_from = t;
	if (X509_CRL_get0_nextUpdate(crl) != NULL) {
		if (asn1_time_unix(X509_CRL_get0_nextUpdate(crl), &t) !=
		    LIEN_OK)
			goto out;
		if (t < s->crl_until)
			s->crl_until = t;
	}
	if (X509_STORE_add_crl(s->store, crl) != 1) {
		st = LIEN_ENOMEM;
		goto out;
	}
	st = LIEN_OK;
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	OPENSSL_free(re);
	free(der);
	return st;
}

/* OpenSSL verify callback: everything OpenSSL refuses stays refused,
 * except the CRL signature failure it reports for SM2 CRLs that we have
 * verified ourselves with the right ID, for this very issuer. */
static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	const struct trust_state *s;
	X509_CRL *crl;
	X509 *issuer;

	if (ok)
		return ok;
	if (X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CRL_SIGNATURE_FAILURE)
		return 0;
	s = X509_STORE_get_ex_data(X509_STORE_CTX_get0_store(ctx),
	    store_ex_index);
	crl = X509_STORE_CTX_get0_current_crl(ctx);
	issuer = X509_STORE_CTX_get0_current_issuer(ctx);
	if (issuer == NULL) {
		/* what check_crl uses when no CRL issuer was recorded: the
		 * next certificate up the chain, or the last one */
		STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
		int d = X509_STORE_CTX_get_error_depth(ctx);
		int last = sk_X509_num(chain) - 1;

		issuer = sk_X509_value(chain, d < last ? d + 1 : last);
	}
	if (s == NULL || crl == NULL || issuer == NULL)
		return 0;
	for (size_t i = 0; i < s->nsm2_crls; i++) {
		if ((s->sm2_crls[i].crl == crl ||
		    X509_CRL_match(s->sm2_crls[i].crl, crl) == 0) &&
		    X509_cmp(s->sm2_crls[i].issuer, issuer) == 0) {
			X509_STORE_CTX_set_error(ctx, X509_V_OK);
			return 1;
		}
	}
	return 0;
}

static enum lien_status LIEN_MUST_CHECK
state_build(const struct cert_trust_config *cfg, struct trust_state **out)
{
	struct trust_state *s;
	STACK_OF(X509) *roots = NULL;
	unsigned depth;
	enum lien_status st = LIEN_ENOMEM;

	*out = NULL;
	if (cfg == NULL || cfg->roots_pem == NULL || cfg->roots_len == 0 ||
	    (cfg->intermediates_pem == NULL && cfg->intermediates_len != 0) ||
	    (cfg->crls == NULL && cfg->ncrls != 0))
		return LIEN_EINVAL;
	if (cfg->max_depth > CERT_CHAIN_DEPTH_MAX)
		return LIEN_EINVAL;
	if (cfg->ncrls > CERT_CRLS_MAX || cfg->sm2_id_len > PKEY_SM2_ID_MAX)
		return LIEN_ETOOBIG;
	if (cfg->sm2_id != NULL && cfg->sm2_id_len == 0)
		return LIEN_EINVAL;
	depth = cfg->max_depth != 0 ? cfg->max_depth : CERT_CHAIN_DEPTH_MAX;
	pthread_once(&store_ex_once, store_ex_setup);
	if (store_ex_index < 0)
		return LIEN_ECRYPTO;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return LIEN_ENOMEM;
	atomic_init(&s->refs, 1);
	s->crl_from = INT64_MIN;
	s->crl_until = INT64_MAX;
	if (cfg->sm2_id != NULL) {
		memcpy(s->sm2_id, cfg->sm2_id, cfg->sm2_id_len);
		s->sm2_id_len = cfg->sm2_id_len;
	} else {
		s->sm2_id_len = sizeof PKEY_SM2_ID_DEFAULT - 1;
		memcpy(s->sm2_id, PKEY_SM2_ID_DEFAULT, s->sm2_id_len);
	}
	if ((s->store = X509_STORE_new()) == NULL ||
	    (s->untrusted = sk_X509_new_null()) == NULL ||
	    (s->all_cas = sk_X509_new_null()) == NULL ||
	    (roots = sk_X509_new_null()) == NULL)
		goto out;
	if ((st = bundle_load(cfg->roots_pem, cfg->roots_len, roots, 1,
	    s)) != LIEN_OK)
		goto out;
	if (sk_X509_num(roots) == 0) {
		st = LIEN_EINVAL;
		goto out;
	}
	if ((st = bundle_load(cfg->intermediates_pem, cfg->intermediates_len,
	    s->untrusted, 0, s)) != LIEN_OK)
		goto out;
	st = LIEN_ENOMEM;
	for (int i = 0; i < sk_X509_num(roots); i++) {
		X509 *x = sk_X509_value(roots, i);

		if (X509_STORE_add_cert(s->store, x) != 1 ||
		    !X509_up_ref(x) || !sk_X509_push(s->all_cas, x))
			goto out;
	}
	for (int i = 0; i < sk_X509_num(s->untrusted); i++) {
		X509 *x = sk_X509_value(s->untrusted, i);

		if (!X509_up_ref(x) || !sk_X509_push(s->all_cas, x))
			goto out;
	}
	for (size_t i = 0; i < cfg->ncrls; i++)
		if ((st = crl_load(&cfg->crls[i], s)) != LIEN_OK)
			goto out;
	st = LIEN_ECRYPTO;
	if (cfg->ncrls > 0 && X509_STORE_set_flags(s->store,
	    X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) != 1)
		goto out;
	if (X509_STORE_set_depth(s->store, (int)depth) != 1)
		goto out;
	X509_STORE_set_verify_cb(s->store, verify_cb);
	if (X509_STORE_set_ex_data(s->store, store_ex_index, s) != 1)
		goto out;
	st = LIEN_OK;
out:
	ERR_clear_error();
	sk_X509_pop_free(roots, X509_free);
	if (st != LIEN_OK) {
		state_free(s);
		return st;
	}
	*out = s;
	return LIEN_OK;
}

/* ---- struct cert_trust ---------------------------------------------------------- */

static void
cache_clear(struct cert_trust *t)
{
	for (size_t i = 0; i < CERT_CACHE_SLOTS; i++) {
		pkey_free(t->slots[i].key);
		memset(&t->slots[i], 0, sizeof t->slots[i]);
	}
	t->nentries = 0;
}

enum lien_status
cert_trust_new(const struct cert_trust_config *cfg, struct cert_trust **out)
{
	struct cert_trust *t;
	struct trust_state *s;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if ((st = state_build(cfg, &s)) != LIEN_OK)
		return st;
	if ((t = calloc(1, sizeof *t)) == NULL) {
		state_free(s);
		return LIEN_ENOMEM;
	}
	if ((t->slots = calloc(CERT_CACHE_SLOTS, sizeof *t->slots)) == NULL) {
		free(t);
		state_free(s);
		return LIEN_ENOMEM;
	}
	if (pthread_rwlock_init(&t->lock, NULL) != 0) {
		free(t->slots);
		free(t);
		state_free(s);
		return LIEN_ENOMEM;
	}
	if (pthread_rwlock_init(&t->cache_lock, NULL) != 0) {
		pthread_rwlock_destroy(&t->lock);
		free(t->slots);
		free(t);
		state_free(s);
		return LIEN_ENOMEM;
	}
	s->generation = 1;
	t->state = s;
	atomic_init(&t->generation, 1);
	atomic_init(&t->hits, 0);
	atomic_init(&t->misses, 0);
	*out = t;
	return LIEN_OK;
}

enum lien_status
cert_trust_reload(struct cert_trust *t, const struct cert_trust_config *cfg)
{
	struct trust_state *s, *old;
	enum lien_status st;

	if (t == NULL)
		return LIEN_EINVAL;
	if ((st = state_build(cfg, &s)) != LIEN_OK)
		return st;
	pthread_rwlock_wrlock(&t->lock);
	old = t->state;
	s->generation = old->generation + 1;
	t->state = s;
	atomic_store(&t->generation, s->generation);
	pthread_rwlock_unlock(&t->lock);
	/* entries of the old generation could never hit again; free them
	 * now rather than when their slots happen to be reused */
	pthread_rwlock_wrlock(&t->cache_lock);
	cache_clear(t);
	pthread_rwlock_unlock(&t->cache_lock);
	state_release(old);
	return LIEN_OK;
}

uint64_t
cert_trust_generation(const struct cert_trust *t)
{
	return atomic_load(&((struct cert_trust *)t)->generation);
}

void
cert_trust_free(struct cert_trust *t)
{
	if (t == NULL)
		return;
	cache_clear(t);
	free(t->slots);
	state_release(t->state);
	pthread_rwlock_destroy(&t->lock);
	pthread_rwlock_destroy(&t->cache_lock);
	free(t);
}

void
cert_trust_cache_stats(struct cert_trust *t, struct cert_cache_stats *out)
{
	out->hits = atomic_load(&t->hits);
	out->misses = atomic_load(&t->misses);
	pthread_rwlock_rdlock(&t->cache_lock);
	out->entries = t->nentries;
	pthread_rwlock_unlock(&t->cache_lock);
}

/* ---- verification --------------------------------------------------------------- */

const char *
cert_verdict_code(enum cert_verdict v)
{
	static const char *const codes[CERT_VERDICT_COUNT_] = {
		[CERT_OK] = "ok",
		[CERT_MALFORMED] = "cert_malformed",
		[CERT_UNTRUSTED] = "cert_untrusted",
		[CERT_EXPIRED] = "cert_expired",
		[CERT_NOT_YET_VALID] = "cert_not_yet_valid",
		[CERT_REVOKED] = "cert_revoked",
		[CERT_BAD_KEY_USAGE] = "cert_bad_key_usage",
		[CERT_CHAIN_TOO_LONG] = "cert_chain_too_long",
		[CERT_BAD_SIGNATURE] = "cert_bad_signature",
		[CERT_CRL_PROBLEM] = "cert_crl_problem",
		[CERT_UNSUPPORTED_KEY] = "cert_unsupported_key",
		[CERT_INVALID] = "cert_invalid",
	};

	if ((unsigned)v >= CERT_VERDICT_COUNT_ || codes[v] == NULL)
		return "cert_invalid";
	return codes[v];
}

/* OpenSSL's X509_V_ERR_* to our verdicts. */
static enum cert_verdict
verdict_from_x509_err(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CERT_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return CERT_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return CERT_UNTRUSTED;
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		return CERT_CHAIN_TOO_LONG;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
		return CERT_BAD_SIGNATURE;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
		return CERT_CRL_PROBLEM;
	default:
		return CERT_INVALID;
	}
}

/* Verdicts that hold whatever the time (until the next reload). */
static int
verdict_time_independent(enum cert_verdict v)
{
	switch (v) {
	case CERT_UNTRUSTED:
	case CERT_REVOKED:
	case CERT_BAD_KEY_USAGE:
	case CERT_CHAIN_TOO_LONG:
	case CERT_BAD_SIGNATURE:
	case CERT_UNSUPPORTED_KEY:
	case CERT_INVALID:
		return 1;
	default:
		return 0;
	}
}

/* Leaf policy after the chain verified. */
static enum cert_verdict
leaf_usage_check(X509 *x, enum cert_usage usage)
{
	uint32_t flags = X509_get_extension_flags(x);

	if (usage != CERT_USAGE_SIGNER)
		return CERT_INVALID;
	/* RFC 5280 4.2.1.3: without the extension every usage would be
	 * allowed; we insist on an explicit digitalSignature. */
	if ((flags & EXFLAG_KUSAGE) == 0 ||
	    (X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE) == 0)
		return CERT_BAD_KEY_USAGE;
	/* a CA certificate never signs requests */
	if (X509_check_ca(x) != 0)
		return CERT_BAD_KEY_USAGE;
	return CERT_OK;
}

/* The full OpenSSL verification on a private copy of the leaf. Internal
 * failures return non-OK; every verdict returns LIEN_OK with *res set. */
static enum lien_status LIEN_MUST_CHECK
verify_full(const struct trust_state *s, const struct cert *leaf,
    int64_t now, enum cert_usage usage, struct cert_result *res,
    struct pkey **out_key)
{
	X509 *x = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *chain;
	struct pkey *key = NULL;
	int rc;
	enum lien_status st = LIEN_ENOMEM;

	*out_key = NULL;
	res->verdict = CERT_INVALID;
	/* A private X509: the SM2 ID is set on the object, and a leaf may
	 * be shared by threads verifying against different stores. */
	if ((x = der_to_x509(leaf->der, leaf->der_len)) == NULL)
		goto out;
	if ((st = x509_set_sm2_id(x, s->sm2_id, s->sm2_id_len)) != LIEN_OK)
		goto out;
	st = LIEN_ENOMEM;
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, s->store, x, s->untrusted) != 1)
		goto out;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx),
	    (time_t)now);
	rc = X509_verify_cert(ctx);
	if (rc != 1) {
		int err = X509_STORE_CTX_get_error(ctx);

		if (rc < 0 || err == X509_V_OK || err == X509_V_ERR_OUT_OF_MEM) {
			st = LIEN_ECRYPTO;
			goto out;
		}
		res->verdict = verdict_from_x509_err(err);
		st = LIEN_OK;
		goto out;
	}
	if ((res->verdict = leaf_usage_check(x, usage)) != CERT_OK) {
		st = LIEN_OK;
		goto out;
	}
	st = pkey_from_evp(X509_get0_pubkey(x), &key);
	if (st == LIEN_EUNSUPPORTED || st == LIEN_EPARSE) {
		res->verdict = CERT_UNSUPPORTED_KEY;
		st = LIEN_OK;
		goto out;
	}
	if (st != LIEN_OK)
		goto out;
	if (pkey_alg_get(key) == PKEY_SM2 &&
	    (st = pkey_sm2_id_set(key, s->sm2_id, s->sm2_id_len)) != LIEN_OK)
		goto out;
	/* the window in which this verdict holds */
	res->valid_from = s->crl_from;
	res->valid_until = s->crl_until;
	chain = X509_STORE_CTX_get0_chain(ctx);
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);
		int64_t nb, na;

		if (asn1_time_unix(X509_get0_notBefore(c), &nb) != LIEN_OK ||
		    asn1_time_unix(X509_get0_notAfter(c), &na) != LIEN_OK) {
			st = LIEN_ECRYPTO;	/* OpenSSL just accepted them */
			goto out;
		}
		if (nb > res->valid_from)
			res->valid_from = nb;
		if (na < res->valid_until)
			res->valid_until = na;
	}
	res->verdict = CERT_OK;
	*out_key = key;
	key = NULL;
	st = LIEN_OK;
out:
	ERR_clear_error();
	pkey_free(key);
	X509_STORE_CTX_free(ctx);
	X509_free(x);
	return st;
}

static size_t
slot_index(const uint8_t fpr[CERT_FPR_LEN])
{
	uint32_t v = (uint32_t)fpr[0] << 24 | (uint32_t)fpr[1] << 16 |
	    (uint32_t)fpr[2] << 8 | fpr[3];

	return v % CERT_CACHE_SLOTS;
}

/* 1 on a hit; fills res and (for CERT_OK) takes a key reference. */
static int
cache_lookup(struct cert_trust *t, const uint8_t fpr[CERT_FPR_LEN],
    enum cert_usage usage, uint64_t gen, int64_t now,
    struct cert_result *res, struct pkey **key)
{
	const struct cache_slot *e;
	int hit = 0;

	pthread_rwlock_rdlock(&t->cache_lock);
	e = &t->slots[slot_index(fpr)];
	if (e->used && e->generation == gen && e->usage == usage &&
	    memcmp(e->fpr, fpr, CERT_FPR_LEN) == 0) {
		if (e->verdict == CERT_OK && now >= e->valid_from &&
		    now <= e->valid_until) {
			*key = pkey_ref(e->key);
			hit = 1;
		} else if (verdict_time_independent(e->verdict)) {
			hit = 1;
		}
		if (hit) {
			res->verdict = e->verdict;
			res->valid_from = e->valid_from;
			res->valid_until = e->valid_until;
		}
	}
	pthread_rwlock_unlock(&t->cache_lock);
	return hit;
}

static void
cache_store(struct cert_trust *t, const uint8_t fpr[CERT_FPR_LEN],
    enum cert_usage usage, uint64_t gen, const struct cert_result *res,
    struct pkey *key)
{
	struct cache_slot *e;

	if (res->verdict != CERT_OK && !verdict_time_independent(res->verdict))
		return;
	pthread_rwlock_wrlock(&t->cache_lock);
	/* a reload since we started: our verdict is of the old config */
	if (atomic_load(&t->generation) != gen)
		goto out;
	e = &t->slots[slot_index(fpr)];
	if (!e->used)
		t->nentries++;
	pkey_free(e->key);
	e->used = 1;
	memcpy(e->fpr, fpr, CERT_FPR_LEN);
	e->usage = usage;
	e->generation = gen;
	e->verdict = res->verdict;
	e->valid_from = res->valid_from;
	e->valid_until = res->valid_until;
	e->key = res->verdict == CERT_OK ? pkey_ref(key) : NULL;
out:
	pthread_rwlock_unlock(&t->cache_lock);
}

enum lien_status
cert_trust_verify(struct cert_trust *t, const struct cert *leaf, int64_t now,
    enum cert_usage usage, struct cert_result *out, struct pkey **out_key)
{
	struct trust_state *s;
	struct pkey *key = NULL;
	uint64_t gen;
	enum lien_status st;

	if (out_key != NULL)
		*out_key = NULL;
	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	out->verdict = CERT_INVALID;
	if (t == NULL || leaf == NULL || usage != CERT_USAGE_SIGNER)
		return LIEN_EINVAL;

	pthread_rwlock_rdlock(&t->lock);
	s = t->state;
	atomic_fetch_add(&s->refs, 1);
	gen = s->generation;
	pthread_rwlock_unlock(&t->lock);
	out->generation = gen;

	if (cache_lookup(t, leaf->fpr, usage, gen, now, out, &key)) {
		atomic_fetch_add(&t->hits, 1);
		out->cached = 1;
		st = LIEN_OK;
	} else {
		atomic_fetch_add(&t->misses, 1);
		st = verify_full(s, leaf, now, usage, out, &key);
		if (st == LIEN_OK)
			cache_store(t, leaf->fpr, usage, gen, out, key);
	}
	state_release(s);
	if (st != LIEN_OK) {
		out->verdict = CERT_INVALID;
		pkey_free(key);
		return st;
	}
	if (out->verdict != CERT_OK) {
		out->valid_from = out->valid_until = 0;
		pkey_free(key);
		return LIEN_EVERIFY;
	}
	if (out_key != NULL)
		*out_key = key;
	else
		pkey_free(key);
	return LIEN_OK;
}

enum lien_status
cert_trust_verify_der(struct cert_trust *t, const uint8_t *der, size_t len,
    int64_t now, enum cert_usage usage, struct cert_result *out,
    struct pkey **out_key)
{
	struct cert *c = NULL;
	enum lien_status st;

	if (out_key != NULL)
		*out_key = NULL;
	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	st = cert_parse_der(der, len, &c);
	if (st == LIEN_EPARSE || st == LIEN_ETOOBIG) {
		out->verdict = CERT_MALFORMED;
		return LIEN_EVERIFY;
	}
	if (st != LIEN_OK) {
		out->verdict = CERT_INVALID;
		return st;
	}
	st = cert_trust_verify(t, c, now, usage, out, out_key);
	cert_free(c);
	return st;
}
