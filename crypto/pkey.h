/*
 * Asymmetric keys for request signatures, tokens and certificates:
 * Ed25519 (RFC 8032), ECDSA P-256 with SHA-256 (FIPS 186-4, RFC 6979 not
 * required) and SM2 with SM3 (GM/T 0003.2, GM/T 0009 distinguishing ID).
 *
 * A `struct pkey` is opaque, immutable once loaded (except the SM2 ID,
 * which is set before the key is shared) and safe to use from many threads
 * at once for verify/sign. Verification never re-parses: the EVP_PKEY is
 * cached, and Ed25519 public keys additionally keep the raw 32 bytes so
 * verify goes through libsodium (~25k/s vs OpenSSL's ~15k/s, DEPS.md).
 * Keys are reference counted (pkey_ref / pkey_free) so a trust store can be
 * swapped on reload while requests still hold the old keys.
 *
 * Signature encodings (enum pkey_sigenc):
 *  - PKEY_SIG_RAW: Ed25519 R||S (64 bytes); ECDSA P-256 and SM2 r||s, each
 *    a 32-byte big-endian integer (64 bytes). This is what RFC 9421
 *    (ecdsa-p256-sha256, 3.3.4), JWS ES256 (RFC 7518 3.4) and our
 *    RFC 9421 "sm2-sm3" algorithm use (docs/request-signing.md).
 *  - PKEY_SIG_DER: ECDSA/SM2 Ecdsa-Sig-Value (X9.62 / GM/T 0009 DER
 *    SEQUENCE of two INTEGERs), as in X.509 and the openssl CLI. For
 *    Ed25519 DER and RAW are the same 64 bytes.
 * On verify, r or s equal to zero or >= the group order n, non-minimal
 * DER, and trailing bytes are LIEN_EVERIFY (never normalised).
 *
 * SM2: the distinguishing ID defaults to "1234567812345678" (GM/T 0009),
 * NOT OpenSSL 3.0's empty default (DEPS.md); pkey_sm2_id_set changes it
 * per key. Signing hashes Z_A || M with SM3 as GM/T 0003.2 requires.
 *
 * Private keys: Ed25519 private keys live in sodium_malloc memory (guard
 * pages, mlock) and are signed with libsodium; no EVP copy of the secret is
 * kept. ECDSA/SM2 private scalars live inside OpenSSL's EVP_PKEY (BIGNUMs
 * cleared on free; in OpenSSL's secure heap when the process initialised
 * it with CRYPTO_secure_malloc_init). Exported private PEM is wiped by
 * pkey_pem_free.
 *
 * This header deliberately does not include OpenSSL or jansson headers:
 * `struct evp_pkey_st` is OpenSSL's EVP_PKEY and `struct json_t` jansson's
 * json_t, forward-declared so api/ can include this file.
 */
#ifndef LIEN_CRYPTO_PKEY_H
#define LIEN_CRYPTO_PKEY_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"

struct evp_pkey_st;	/* OpenSSL EVP_PKEY */
struct json_t;		/* jansson json_t */

enum pkey_alg {
	PKEY_NONE = 0,
	PKEY_ED25519 = 1,
	PKEY_P256 = 2,	/* ECDSA over NIST P-256 (secp256r1), SHA-256 */
	PKEY_SM2 = 3,	/* SM2 over the SM2 curve, SM3, with Z_A and an ID */
};

enum pkey_sigenc {
	PKEY_SIG_RAW = 0,	/* 64 bytes for all three algorithms */
	PKEY_SIG_DER = 1,	/* DER Ecdsa-Sig-Value for P-256 / SM2 */
};

/* Public-key fingerprint: SHA-256 of the DER SubjectPublicKeyInfo. */
#define PKEY_FPR_LEN 32u
#define PKEY_RAW_SIG_LEN 64u
/* Largest signature in any encoding: DER of two 33-byte INTEGERs. */
#define PKEY_SIG_MAX 72u
/* Raw public key: Ed25519 32 bytes; EC uncompressed point 0x04||X||Y. */
#define PKEY_RAW_PUB_MAX 65u
/* GM/T 0009 default distinguishing ID. */
#define PKEY_SM2_ID_DEFAULT "1234567812345678"
/* Caps on external input (PEM/DER/JWK text, SM2 ID length) live in
 * common/lien_limits.h: PKEY_TEXT_MAX, PKEY_SM2_ID_MAX. */

struct pkey;

/* ---- loading ----------------------------------------------------------
 * Every loader: *out is set to a new key (caller frees with pkey_free) on
 * LIEN_OK and to NULL on failure. Statuses: LIEN_EPARSE (malformed,
 * trailing bytes, wrong key size), LIEN_ETOOBIG (input > PKEY_TEXT_MAX),
 * LIEN_EUNSUPPORTED (valid key of another algorithm or curve),
 * LIEN_ENOMEM, LIEN_ECRYPTO. */

/* Wrap an OpenSSL key (public or private). Takes its own reference
 * (EVP_PKEY_up_ref); the caller keeps and still frees theirs. Accepts
 * Ed25519, EC on P-256, and SM2 (EC on the SM2 curve, whether OpenSSL
 * typed it "SM2" or "EC"). For certificate keys: X509_get0_pubkey. */
enum lien_status pkey_from_evp(struct evp_pkey_st *evp, struct pkey **out)
    LIEN_MUST_CHECK;

/* PEM text: "PUBLIC KEY" (SubjectPublicKeyInfo) or "PRIVATE KEY"
 * (unencrypted PKCS#8). Exactly one strict RFC 7468 block (crypto/pem.h)
 * and nothing around it, else LIEN_EPARSE; another label is
 * LIEN_EUNSUPPORTED. */
enum lien_status pkey_from_pem(const char *pem, size_t len, struct pkey **out)
    LIEN_MUST_CHECK;

/* DER SubjectPublicKeyInfo or PKCS#8 PrivateKeyInfo, no trailing bytes. */
enum lien_status pkey_from_der(const uint8_t *der, size_t len,
    struct pkey **out) LIEN_MUST_CHECK;

/* Raw Ed25519 public key (RFC 8032 5.1.5 encoding, 32 bytes). */
enum lien_status pkey_from_ed25519_raw(const uint8_t *pk, size_t len,
    struct pkey **out) LIEN_MUST_CHECK;

/* Ed25519 private key from its 32-byte seed (RFC 8032 5.1.5 "private
 * key"). The seed is copied into secret memory; the caller wipes theirs. */
enum lien_status pkey_from_ed25519_seed(const uint8_t *seed, size_t len,
    struct pkey **out) LIEN_MUST_CHECK;

/* Public JWK (RFC 7517/7518/8037): {"kty":"OKP","crv":"Ed25519","x":..}
 * or {"kty":"EC","crv":"P-256","x":..,"y":..}; base64url without padding,
 * canonical, exact lengths. Members "d" (private) are refused
 * (LIEN_EPARSE): a trust file must not carry secrets. Other members
 * (kid, use, alg, ...) are ignored here; jws.c checks them. The text form
 * is parsed with JSON_REJECT_DUPLICATES. */
enum lien_status pkey_from_jwk(const char *json, size_t len, struct pkey **out)
    LIEN_MUST_CHECK;
enum lien_status pkey_from_jwk_obj(const struct json_t *jwk, struct pkey **out)
    LIEN_MUST_CHECK;

/* Fresh key pair. LIEN_EUNSUPPORTED for PKEY_NONE. */
enum lien_status pkey_generate(enum pkey_alg alg, struct pkey **out)
    LIEN_MUST_CHECK;

/* Another reference to the same key (atomic); returns key. Each reference
 * is released with pkey_free. */
struct pkey *pkey_ref(struct pkey *key);

/* Drop one reference; the last one frees and wipes. NULL is a no-op. */
void pkey_free(struct pkey *key);

/* ---- properties ------------------------------------------------------ */

enum pkey_alg pkey_alg_get(const struct pkey *key);

/* Stable lower-case name: "ed25519", "p256", "sm2" ("none" otherwise). */
const char *pkey_alg_name(enum pkey_alg alg);

/* 1 if the key can sign. */
int pkey_is_private(const struct pkey *key);

/* SHA-256 of the DER SubjectPublicKeyInfo, computed at load. */
void pkey_fingerprint(const struct pkey *key, uint8_t out[PKEY_FPR_LEN]);

/* The cached OpenSSL key. Borrowed: valid until the last pkey_free; do not
 * modify it. Lets crypto/cert.c compare a certificate's key. */
const struct evp_pkey_st *pkey_evp_get0(const struct pkey *key);

/* Set the SM2 distinguishing ID (1..PKEY_SM2_ID_MAX bytes). Call before
 * the key is shared between threads. LIEN_EINVAL for non-SM2 keys or a
 * bad length. */
enum lien_status pkey_sm2_id_set(struct pkey *key, const uint8_t *id,
    size_t len) LIEN_MUST_CHECK;

/* ---- sign / verify ----------------------------------------------------- */

/* Sign msg. sig has room for cap bytes (PKEY_SIG_MAX always suffices);
 * *sig_len = bytes written. ECDSA and SM2 are randomized. Statuses:
 * LIEN_EKEY (public-only key), LIEN_ETOOBIG (cap short), LIEN_ECRYPTO.
 * On failure sig is zeroed up to cap and *sig_len is 0. */
enum lien_status pkey_sign(const struct pkey *key, enum pkey_sigenc enc,
    const void *msg, size_t msg_len, uint8_t *sig, size_t cap,
    size_t *sig_len) LIEN_MUST_CHECK;

/* Verify sig over msg. LIEN_OK, LIEN_EVERIFY (bad, malformed, wrong
 * length or non-canonical signature), LIEN_ECRYPTO (library failure),
 * LIEN_ENOMEM. Thread-safe; no key parsing. */
enum lien_status pkey_verify(const struct pkey *key, enum pkey_sigenc enc,
    const void *msg, size_t msg_len, const uint8_t *sig, size_t sig_len)
    LIEN_MUST_CHECK;

/* Convert an ECDSA/SM2 signature between encodings (P-256 and SM2 both
 * use 32-byte scalars). der_to_raw is strict (minimal DER, no trailing
 * bytes, 0 < r,s < 2^256) and gives LIEN_EPARSE otherwise; range against
 * the group order is checked by pkey_verify. raw_to_der writes at most
 * PKEY_SIG_MAX bytes. */
enum lien_status pkey_sig_der_to_raw(const uint8_t *der, size_t len,
    uint8_t raw[PKEY_RAW_SIG_LEN]) LIEN_MUST_CHECK;
enum lien_status pkey_sig_raw_to_der(const uint8_t raw[PKEY_RAW_SIG_LEN],
    uint8_t *der, size_t cap, size_t *der_len) LIEN_MUST_CHECK;

/* ---- export ------------------------------------------------------------ */

/* PEM text, NUL-terminated: "PUBLIC KEY" (SPKI) when private == 0, else
 * unencrypted PKCS#8 "PRIVATE KEY" (LIEN_EKEY if the key is public).
 * *out: caller frees with pkey_pem_free, which wipes. */
enum lien_status pkey_export_pem(const struct pkey *key, int private,
    char **out, size_t *out_len) LIEN_MUST_CHECK;
void pkey_pem_free(char *pem, size_t len);

/* DER SubjectPublicKeyInfo into der (cap bytes); LIEN_ETOOBIG if short.
 * PKEY_SPKI_MAX always suffices. */
#define PKEY_SPKI_MAX 128u
enum lien_status pkey_export_spki(const struct pkey *key, uint8_t *der,
    size_t cap, size_t *der_len) LIEN_MUST_CHECK;

/* Raw public key: Ed25519 32 bytes, EC 0x04||X||Y 65 bytes. */
enum lien_status pkey_export_raw_pub(const struct pkey *key,
    uint8_t out[PKEY_RAW_PUB_MAX], size_t *out_len) LIEN_MUST_CHECK;

/* Public JWK text (compact JSON, NUL-terminated) for Ed25519 and P-256;
 * LIEN_EUNSUPPORTED for SM2 (no registered JWK curve). Caller frees *out
 * with free(). kid, when not NULL, is included as "kid". */
enum lien_status pkey_export_jwk(const struct pkey *key, const char *kid,
    char **out) LIEN_MUST_CHECK;

#endif
