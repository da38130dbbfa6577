/*
 * PKCS#10 certification requests (RFC 2986) for the keys a party signs
 * requests with (crypto/pkey.h: Ed25519, ECDSA P-256, SM2), so a bank can
 * ask its CA for the certificate it will file (docs/integration.md).
 *
 * A subject is written the way `openssl req -subj` takes it,
 * "/CN=Example Bank/O=Example Bank Co., Ltd./organizationIdentifier=
 * NTRCN-<USCC>", and parsed strictly (csr_subject_parse) into a list of
 * attributes that callers can inspect before the request is made (the CLI
 * checks the credit code's GB 32100 check character).
 *
 * The request always asks for keyUsage = digitalSignature (critical), the
 * only use lienlog makes of the key (docs/certificates.md: request signers
 * need digitalSignature). It is signed with the key itself: Ed25519 (RFC
 * 8410), ecdsa-with-SHA256 (RFC 5758) or SM2-with-SM3 (GM/T 0015, OID
 * 1.2.156.10197.1.501) over SM3(Z_A || M) with the key's distinguishing ID
 * (pkey_sm2_id_set; default "1234567812345678"). Verifiers of an SM2
 * request must use the same ID, e.g. `openssl req -verify -vfyopt
 * distid:1234567812345678`.
 */
#ifndef LIEN_CRYPTO_CSR_H
#define LIEN_CRYPTO_CSR_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/pkey.h"

/* One subject attribute. name is the canonical short name from our
 * table ("C", "ST", "L", "O", "OU", "CN", "serialNumber",
 * "organizationIdentifier"; static storage). value is the unescaped UTF-8
 * value, NUL-terminated. */
struct csr_attr {
	const char *name;
	char value[CSR_VALUE_MAX + 1];
	size_t value_len;
};

struct csr_subject {
	struct csr_attr attrs[CSR_ATTRS_MAX];
	size_t nattrs;
};

/* Parse "/NAME=VALUE/NAME=VALUE..." (the openssl -subj form; a backslash
 * escapes the next byte, so "\/" is a slash inside a value). NAME is one
 * of the short names above or its X.520 long name (commonName, ...).
 * Strict: the text starts with '/', no empty segment, no trailing '/' or
 * lone trailing backslash, every value non-empty valid UTF-8 without
 * control characters and within its X.520 upper bound (CN, O, OU, serial
 * number and organization identifier 64 characters, ST and L 128), C
 * exactly two letters A-Z, serialNumber and organizationIdentifier
 * PrintableString characters only, every attribute except OU at most
 * once. Statuses: LIEN_ETOOBIG (text > CSR_SUBJECT_MAX or more than
 * CSR_ATTRS_MAX attributes), LIEN_EUNSUPPORTED (unknown attribute name),
 * LIEN_ERANGE (value length outside its bound), LIEN_EPARSE (anything
 * else). On failure *out is zeroed and, when bad_at is not NULL, it holds
 * the byte offset in s where the fault was found. */
enum lien_status csr_subject_parse(const char *s, size_t len,
    struct csr_subject *out, size_t *bad_at) LIEN_MUST_CHECK;

/* Make a PEM "CERTIFICATE REQUEST" for key (which must be private) with
 * the given subject (at least one attribute) and a keyUsage
 * digitalSignature extension request. The signature is checked with the
 * key's public half before returning. *out (NUL-terminated, *out_len
 * bytes without the NUL): caller frees with free(); NULL on failure.
 * Statuses: LIEN_EINVAL (empty subject, bad arguments), LIEN_EKEY (public
 * key), LIEN_EUNSUPPORTED (key type), LIEN_ENOMEM, LIEN_ECRYPTO. */
enum lien_status csr_create_pem(const struct pkey *key,
    const struct csr_subject *subject, char **out, size_t *out_len)
    LIEN_MUST_CHECK;

#endif
