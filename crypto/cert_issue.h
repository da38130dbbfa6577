/*
 * Issuing X.509 v3 certificates: a self-signed root, or a leaf for one of
 * the three request-signing key types (crypto/pkey.h: Ed25519, ECDSA
 * P-256, SM2), shaped the way crypto/cert.c and api/trust.c accept them
 * (docs/certificates.md):
 *
 *   root  basicConstraints critical CA:TRUE,
 *         keyUsage critical keyCertSign + cRLSign, subjectKeyIdentifier
 *   leaf  basicConstraints critical CA:FALSE,
 *         keyUsage critical digitalSignature, subject and authority key
 *         identifiers
 *
 * Subjects carry CN, optional O, C, serialNumber (a party id) and, for
 * filed banks, the organizationIdentifier "NTRCN-<USCC>" (ETSI EN 319
 * 412-1 5.1.4 semantics identifier: NTR = national trade register, CN =
 * China), which cert_info_get reads back as the credit code.
 *
 * Signatures: Ed25519 (RFC 8410), ecdsa-with-SHA256 (RFC 5758) or
 * SM2-with-SM3 (GM/T 0015, OID 1.2.156.10197.1.501) with the GM/T 0009
 * default distinguishing ID "1234567812345678", chosen by the issuer key.
 * Serial numbers are 16 random bytes (positive).
 *
 * This is the mechanism only, and it is what the demo world and the tests
 * build their PKI with; which parties exist, their names and files are
 * demo/demo.c's policy. Not a production CA: no CRLs, no intermediates,
 * no policies.
 */
#ifndef LIEN_CRYPTO_CERT_ISSUE_H
#define LIEN_CRYPTO_CERT_ISSUE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/pkey.h"

/* X.520 upper bound on CN / O (characters; UTF-8 may take 4 bytes each). */
#define CERT_ISSUE_NAME_MAX 256u

struct cert_issue_subject {
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

struct cert_issue_req {
	struct cert_issue_subject subject;
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
enum lien_status cert_issue(const struct pkey *subject_key,
    const struct pkey *issuer_key, const char *issuer_cert_pem,
    size_t issuer_cert_len, const struct cert_issue_req *p, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

#endif
