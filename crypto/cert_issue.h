/*
 * A small certification authority for demonstrations and tests: make a
 * self-signed root and issue leaf certificates for the three request-
 * signing key types (crypto/pkey.h: Ed25519, ECDSA P-256, SM2), shaped the
 * way crypto/cert.c and api/trust.c accept them (docs/certificates.md):
 *
 *   root  basicConstraints critical CA:TRUE,
 *         keyUsage critical keyCertSign + cRLSign, subjectKeyIdentifier
 *   leaf  basicConstraints critical CA:FALSE,
 *         keyUsage critical digitalSignature, subject and authority key
 *         identifiers
 *
 * Subjects carry CN, optional O, C and, for filed banks, the
 * organizationIdentifier "NTRCN-<USCC>" (ETSI EN 319 412-1 5.1.4 semantics
 * identifier: NTR = national trade register, CN = China), which
 * cert_info_get reads back as the credit code.
 *
 * Signatures: Ed25519 (RFC 8410), ecdsa-with-SHA256 (RFC 5758) or
 * SM2-with-SM3 (GM/T 0015, OID 1.2.156.10197.1.501) with the GM/T 0009
 * default distinguishing ID "1234567812345678", chosen by the issuer key.
 * Serial numbers are 16 random bytes (positive). This is not a production
 * CA: no CRLs, no policies, no key escrow; it exists so `lienlogd --demo`
 * and the tests can build a complete trust configuration from scratch.
 */
#ifndef LIEN_CRYPTO_CERT_ISSUE_H
#define LIEN_CRYPTO_CERT_ISSUE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/pkey.h"

/* X.520 upper bound on CN / O (characters; UTF-8 may take 4 bytes each). */
#define PKI_NAME_MAX 256u

struct pki_subject {
	const char *cn;		/* required, UTF-8, 1..64 characters */
	const char *o;		/* optional organizationName */
	const char *c;		/* optional countryName, two letters A-Z */
	const char *uscc;	/* optional: organizationIdentifier
				 * "NTRCN-<uscc>"; 18 characters 0-9 A-Z
				 * (the caller checks GB 32100) */
	const char *serial_number;	/* optional: serialNumber, 1..64
				 * PrintableString characters: an officer,
				 * registry or auditor party id
				 * (docs/certificates.md "Party binding") */
};

struct pki_issue {
	struct pki_subject subject;
	int is_ca;		/* 1: a root (only self-signed roots here) */
	int64_t not_before;	/* Unix seconds */
	int64_t not_after;	/* > not_before */
};

/* Issue a certificate for subject_key (its public half is certified).
 *
 *  - issuer_cert_pem == NULL: self-signed; issuer_key must be the private
 *    half of subject_key (the same key pair) and p->is_ca must be 1.
 *  - otherwise issuer_cert_pem (strict PEM, one CERTIFICATE) names the
 *    issuer and issuer_key is its private key.
 *
 * *out is the PEM "CERTIFICATE" text (64-character lines, LF, final LF),
 * NUL-terminated, *out_len bytes without the NUL; caller frees with
 * free(). The certificate is parsed back with crypto/cert.c and its
 * signature checked with the issuer's public key before it is returned.
 * Statuses: LIEN_EINVAL (missing or bad fields, times, a self-signed
 * leaf, mismatched key pair), LIEN_EKEY (issuer key is public-only),
 * LIEN_EPARSE (issuer certificate), LIEN_EUNSUPPORTED, LIEN_ENOMEM,
 * LIEN_ECRYPTO. *out is NULL on failure. */
enum lien_status pki_cert_issue(const struct pkey *subject_key,
    const struct pkey *issuer_key, const char *issuer_cert_pem,
    size_t issuer_cert_len, const struct pki_issue *p, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* Lowercase hex SHA-256 of the certificate's DER (the RFC 9421 keyid of
 * docs/identity.md) from its PEM text: 64 characters + NUL in out.
 * LIEN_EPARSE / LIEN_ETOOBIG as cert_parse_text. */
#define PKI_KEYID_HEX_LEN 64u
enum lien_status pki_cert_keyid(const char *pem, size_t len,
    char out[PKI_KEYID_HEX_LEN + 1]) LIEN_MUST_CHECK;

/* LIEN_OK if the certificate (PEM text) certifies key's public half (the
 * same SubjectPublicKeyInfo), LIEN_EKEY if it certifies another key,
 * LIEN_EPARSE / LIEN_ETOOBIG as cert_parse_text. */
enum lien_status pki_cert_key_check(const char *pem, size_t len,
    const struct pkey *key) LIEN_MUST_CHECK;

#endif
