/*
 * X.509 certificates of filed institutions and officers (docs/
 * certificates.md): strict parsing from the wire, a reloadable trust store
 * of root CAs, intermediates and CRLs, chain verification at an explicit
 * time, key-usage policy for request signers, and a verification cache so
 * a certificate that verified once costs one hash lookup per request.
 *
 * Key types: Ed25519, ECDSA P-256 and SM2 (leaf keys; the CA keys may be
 * anything OpenSSL verifies). SM2-with-SM3 signatures (OID
 * 1.2.156.10197.1.501) on certificates and CRLs are checked with the
 * configured distinguishing ID (GM/T 0009 default "1234567812345678"),
 * never OpenSSL 3.0's empty default.
 *
 * Thread-safety: struct cert is immutable after parsing and may be shared.
 * struct cert_trust may be used by any number of threads at once, and
 * reloaded concurrently; verifications in flight finish against the
 * configuration they started with.
 */
#ifndef LIEN_CRYPTO_CERT_H
#define LIEN_CRYPTO_CERT_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/pkey.h"

#define CERT_FPR_LEN 32u	/* SHA-256 of the certificate DER */
/* RFC 5280 4.1.2.2: serial numbers are at most 20 octets. */
#define CERT_SERIAL_MAX 20u
/* X.520 ub-common-name is 64 characters; UTF-8 needs up to 4 bytes each. */
#define CERT_CN_MAX 256u
#define CERT_USCC_LEN 18u
#define CERT_SUBJECT_SN_MAX 64u		/* X.520 ub-serial-number */

/* ---- one certificate -------------------------------------------------- */

struct cert;

/* Parse a certificate received from outside. Accepted text forms:
 *  - PEM (RFC 7468 strict): "-----BEGIN CERTIFICATE-----" line, base64
 *    lines of exactly 64 characters except a shorter last one, the
 *    "-----END CERTIFICATE-----" line, optional final line break; lines
 *    end in LF or CRLF (one style throughout); nothing else before or
 *    after.
 *  - bare base64 of the DER (RFC 4648 4, canonical, one line, no
 *    whitespace).
 * The DER must be one certificate, strict DER (re-encoding gives the same
 * bytes), no trailing bytes. *out: caller frees with cert_free; NULL on
 * failure. LIEN_ETOOBIG above CERT_TEXT_MAX / CERT_DER_MAX, LIEN_EPARSE
 * for anything malformed, LIEN_ENOMEM. */
enum lien_status cert_parse_text(const char *text, size_t len,
    struct cert **out) LIEN_MUST_CHECK;

/* Same, from DER bytes. */
enum lien_status cert_parse_der(const uint8_t *der, size_t len,
    struct cert **out) LIEN_MUST_CHECK;

/* NULL is a no-op. */
void cert_free(struct cert *c);

/* The DER bytes. Borrowed: valid until cert_free. */
const uint8_t *cert_der_get0(const struct cert *c, size_t *out_len);

/* SHA-256 of the DER (the cache key). */
void cert_fingerprint(const struct cert *c, uint8_t out[CERT_FPR_LEN]);

/* The RFC 9421 keyid of a party (docs/identity.md): lowercase hex of
 * cert_fingerprint, NUL-terminated. */
#define CERT_KEYID_HEX_LEN (2u * CERT_FPR_LEN)
void cert_keyid_hex(const struct cert *c, char out[CERT_KEYID_HEX_LEN + 1])
    __attribute__((nonnull));

/* LIEN_OK if c certifies key's public half (the same key), LIEN_EKEY if
 * it certifies another key. */
enum lien_status cert_key_check(const struct cert *c, const struct pkey *key)
    LIEN_MUST_CHECK __attribute__((nonnull));

/* What the log and the filing rules need from a certificate. */
struct cert_info {
	char cn[CERT_CN_MAX + 1];	/* subject CN, UTF-8, NUL-terminated */
	size_t cn_len;			/* 0 if the subject has no CN */
	uint8_t serial[CERT_SERIAL_MAX]; /* big-endian magnitude */
	size_t serial_len;
	int64_t not_before;		/* Unix seconds */
	int64_t not_after;
	/* Unified social credit code of the subject, when the subject
	 * carries one (docs/certificates.md, "Credit code"): exactly one
	 * organizationIdentifier attribute holding the code or "NTRCN-" +
	 * code; else exactly one serialNumber attribute holding the code.
	 * Only its shape (18 of 0-9 A-Z) is checked here: callers check the
	 * GB 32100 character with ids_uscc_validate (registry/ids.h) before
	 * trusting it. NUL-terminated; uscc_len 0 if none. */
	char uscc[CERT_USCC_LEN + 1];
	size_t uscc_len;
	/* The subject's serialNumber attribute (2.5.4.5) when there is
	 * exactly one, of printable ASCII, 1..CERT_SUBJECT_SN_MAX bytes,
	 * without spaces at the ends: what binds an officer, registry or
	 * auditor certificate to its party id (docs/certificates.md "Party
	 * binding"). NUL-terminated; subject_sn_len 0 if none. */
	char subject_sn[CERT_SUBJECT_SN_MAX + 1];
	size_t subject_sn_len;
	enum pkey_alg key_alg;		/* PKEY_NONE for other key types */
	int sig_sm2;			/* 1 if signed with SM2-with-SM3 */
};

/* Fill *out. LIEN_EPARSE for a certificate whose CN is not valid
 * UTF-8/too long, whose serial is negative or longer than 20 octets, or
 * whose times do not parse; *out is zeroed on failure. */
enum lien_status cert_info_get(const struct cert *c, struct cert_info *out)
    LIEN_MUST_CHECK;

/* ---- trust store -------------------------------------------------------- */

struct cert_blob {
	const char *p;	/* PEM text */
	size_t len;
};

struct cert_trust_config {
	/* PEM bundle of trusted roots: self-signed CA certificates only. */
	const char *roots_pem;
	size_t roots_len;
	/* Optional PEM bundle of intermediate CA certificates (not
	 * self-signed). They help build chains; they are not trust
	 * anchors. */
	const char *intermediates_pem;
	size_t intermediates_len;
	/* CRLs, one PEM "X509 CRL" each. When there is at least one, CRL
	 * checking covers every certificate of every chain (OpenSSL
	 * X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL): each issuing
	 * CA must then publish a CRL that is in force. */
	const struct cert_blob *crls;
	size_t ncrls;
	/* SM2 distinguishing ID; NULL/0 means PKEY_SM2_ID_DEFAULT. */
	const uint8_t *sm2_id;
	size_t sm2_id_len;
	/* Maximum number of intermediates between leaf and root;
	 * 0 means CERT_CHAIN_DEPTH_MAX, larger values are refused. */
	unsigned max_depth;
};

struct cert_trust;

/* Build a trust store. *out: caller frees with cert_trust_free; NULL on
 * failure. LIEN_EPARSE for a malformed bundle or CRL, a root that is not
 * a self-signed CA, an intermediate that is not a CA or is self-signed, an
 * SM2-signed CRL whose signature does not verify under a configured CA;
 * LIEN_ETOOBIG above CERT_BUNDLE_MAX, CERT_BUNDLE_CERTS_MAX, CERT_CRL_MAX,
 * CERT_CRLS_MAX or PKEY_SM2_ID_MAX; LIEN_EINVAL for an empty root set or a
 * bad max_depth; LIEN_ENOMEM; LIEN_ECRYPTO. */
enum lien_status cert_trust_new(const struct cert_trust_config *cfg,
    struct cert_trust **out) LIEN_MUST_CHECK;

/* Replace the configuration atomically. On failure (same statuses as
 * cert_trust_new) the old configuration stays in force and the cache is
 * kept. On success the generation increases and the cache is emptied. */
enum lien_status cert_trust_reload(struct cert_trust *t,
    const struct cert_trust_config *cfg) LIEN_MUST_CHECK;

/* Increases by one on every successful reload; starts at 1. */
uint64_t cert_trust_generation(const struct cert_trust *t);

/* NULL is a no-op. No verification may be running. */
void cert_trust_free(struct cert_trust *t);

/* ---- verification -------------------------------------------------------- */

/* Why a certificate was refused. Values and codes (cert_verdict_code)
 * are append-only: they reach clients as stable error codes. */
enum cert_verdict {
	CERT_OK = 0,
	CERT_MALFORMED = 1,		/* not a parseable certificate */
	CERT_UNTRUSTED = 2,		/* no chain to a configured root */
	CERT_EXPIRED = 3,		/* a certificate of the chain expired */
	CERT_NOT_YET_VALID = 4,		/* ... or is not valid yet */
	CERT_REVOKED = 5,		/* listed in a configured CRL */
	CERT_BAD_KEY_USAGE = 6,		/* leaf may not sign requests */
	CERT_CHAIN_TOO_LONG = 7,	/* more intermediates than allowed */
	CERT_BAD_SIGNATURE = 8,		/* a signature in the chain fails
					 * (e.g. SM2 with another ID) */
	CERT_CRL_PROBLEM = 9,		/* CRL missing, expired, not yet
					 * valid or invalid */
	CERT_UNSUPPORTED_KEY = 10,	/* leaf key not Ed25519/P-256/SM2 */
	CERT_INVALID = 11,		/* other chain defects (CA flags,
					 * extensions, policy) */
	CERT_VERDICT_COUNT_
};

/* Stable machine-readable name, e.g. "cert_revoked". Never NULL. */
const char *cert_verdict_code(enum cert_verdict v);

/* Policy for the leaf. Request signers need keyUsage present with
 * digitalSignature (RFC 5280 4.2.1.3) and must not be CA certificates. */
enum cert_usage {
	CERT_USAGE_SIGNER = 1,
};

struct cert_result {
	enum cert_verdict verdict;
	/* The time window in which the verdict holds (for CERT_OK: latest
	 * notBefore .. earliest notAfter over the chain and the configured
	 * CRLs' update times). Zero for other verdicts. */
	int64_t valid_from;
	int64_t valid_until;
	int cached;		/* 1 if answered from the cache */
	uint64_t generation;	/* trust generation it was computed under */
};

/* Verify leaf for usage at time now (Unix seconds). On CERT_OK, and only
 * then, *out_key (when out_key is not NULL) is the leaf's public key
 * (caller frees with pkey_free; SM2 keys carry the configured ID).
 * Returns LIEN_OK for CERT_OK, LIEN_EVERIFY for every other verdict
 * (reason in out->verdict), LIEN_ENOMEM / LIEN_ECRYPTO / LIEN_EINVAL for
 * failures that say nothing about the certificate (out->verdict is then
 * CERT_INVALID and nothing is cached).
 *
 * Cache: keyed by SHA-256 of the leaf DER and usage. Positive verdicts
 * are reused while now is inside [valid_from, valid_until] and the trust
 * generation is unchanged; negative verdicts that do not depend on the
 * time (untrusted, revoked, bad signature, key usage, unsupported key,
 * chain too long, invalid) are reused while the generation is unchanged;
 * time-dependent ones (expired, not yet valid, CRL problems) are
 * recomputed. */
enum lien_status cert_trust_verify(struct cert_trust *t,
    const struct cert *leaf, int64_t now, enum cert_usage usage,
    struct cert_result *out, struct pkey **out_key) LIEN_MUST_CHECK;

/* Parse DER then verify; a parse failure is CERT_MALFORMED with
 * LIEN_EVERIFY (oversize input too). */
enum lien_status cert_trust_verify_der(struct cert_trust *t,
    const uint8_t *der, size_t len, int64_t now, enum cert_usage usage,
    struct cert_result *out, struct pkey **out_key) LIEN_MUST_CHECK;

/* Cache statistics (for metrics and tests). */
struct cert_cache_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t entries;
};
void cert_trust_cache_stats(struct cert_trust *t,
    struct cert_cache_stats *out);

#endif
