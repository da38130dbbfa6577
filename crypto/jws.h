/*
 * JWS compact serialization (RFC 7515 section 7.1) verification for
 * face-ID and SMS-verification tokens, with keys from a JWKS (RFC 7517).
 *
 * Accepted: alg "EdDSA" with an Ed25519 key (RFC 8037 3.1) and "ES256"
 * with a P-256 key and a 64-byte raw r||s signature (RFC 7518 3.4). The
 * protected header must be a JSON object with exactly the members alg, kid
 * (required) and typ (optional); "crit", "jku", "jwk", "x5u", "x5c", "b64"
 * and anything else are refused, so the token can never choose its own key
 * or processing rules. kid must name a key of the trusted set, and that
 * key's type must match alg (alg confusion is refused). Header and payload
 * JSON are parsed with JSON_REJECT_DUPLICATES; base64url must be canonical
 * (no padding, no '+' '/' or whitespace, zero trailing bits); the token is
 * capped at JWS_TOKEN_MAX (common/lien_limits.h) before anything else.
 *
 * Claims are returned as a parsed jansson object; jws_claims_check checks
 * the registered claims (RFC 7519 4.1: iss, aud, exp, nbf, iat) against a
 * policy with bounded clock skew and a lifetime cap. Application claims
 * (sub, nonce, liveness scores) are the caller's.
 */
#ifndef LIEN_CRYPTO_JWS_H
#define LIEN_CRYPTO_JWS_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/pkey.h"

struct json_t;

/* Why a token was refused: stable strings (jws_reason_code) for error
 * bodies and logs. Values are append-only. */
enum jws_reason {
	JWS_R_OK = 0,
	JWS_R_MALFORMED = 1,		/* "token_malformed" */
	JWS_R_TOO_LARGE = 2,		/* "token_too_large" */
	JWS_R_ALG_UNSUPPORTED = 3,	/* "token_alg_unsupported" (incl. none) */
	JWS_R_UNKNOWN_KID = 4,		/* "token_unknown_kid" */
	JWS_R_HEADER_REFUSED = 5,	/* "token_header_refused" (crit, jku..) */
	JWS_R_ALG_MISMATCH = 6,		/* "token_alg_mismatch" */
	JWS_R_BAD_SIGNATURE = 7,	/* "token_bad_signature" */
	JWS_R_CLAIM_MISSING = 8,	/* "token_claim_missing" */
	JWS_R_WRONG_ISSUER = 9,		/* "token_wrong_issuer" */
	JWS_R_WRONG_AUDIENCE = 10,	/* "token_wrong_audience" */
	JWS_R_EXPIRED = 11,		/* "token_expired" */
	JWS_R_NOT_YET_VALID = 12,	/* "token_not_yet_valid" (nbf/iat future) */
	JWS_R_LIFETIME = 13,		/* "token_lifetime_exceeded" */
	JWS_R_COUNT_
};

/* Never NULL; unknown values give "token_invalid". */
const char *jws_reason_code(enum jws_reason r);

/* ---- base64url (RFC 4648 section 5, no padding, RFC 7515 2) ---------- */

#define JWS_B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Writes JWS_B64URL_LEN(len) chars + NUL. LIEN_ETOOBIG if cap short. */
enum lien_status jws_b64url_encode(const uint8_t *in, size_t len, char *out,
    size_t cap) LIEN_MUST_CHECK;

/* Canonical base64url only: no '=', no characters outside [A-Za-z0-9-_],
 * length mod 4 != 1, unused trailing bits zero. LIEN_EPARSE otherwise,
 * LIEN_ETOOBIG when cap is short. out is zeroed up to cap on failure. */
enum lien_status jws_b64url_decode(const char *in, size_t len, uint8_t *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK;

/* ---- key sets ---------------------------------------------------------- */

/* Immutable after load; safe to share between threads. */
struct jws_keyset;

/* Parse a JWKS: {"keys":[jwk, ...]}, 1..JWKS_KEYS_MAX keys, each with a
 * unique "kid" (1..JWS_KID_MAX bytes), a supported public key (see
 * pkey_from_jwk_obj), optional "use" == "sig" and optional "alg" that must
 * fit the key. Any bad key refuses the whole set (a trust file is all or
 * nothing). *out: caller frees with jws_keyset_free. LIEN_EPARSE,
 * LIEN_ETOOBIG (> JWKS_FILE_MAX or too many keys), LIEN_EUNSUPPORTED,
 * LIEN_EEXIST (duplicate kid), LIEN_ENOMEM. */
enum lien_status jws_keyset_parse(const char *json, size_t len,
    struct jws_keyset **out) LIEN_MUST_CHECK;

/* Read and parse a JWKS file (at most JWKS_FILE_MAX bytes); LIEN_EIO when
 * it cannot be read. */
enum lien_status jws_keyset_load(const char *path, struct jws_keyset **out)
    LIEN_MUST_CHECK;

void jws_keyset_free(struct jws_keyset *ks);

size_t jws_keyset_count(const struct jws_keyset *ks);

/* Key for kid, or NULL. Borrowed: valid until jws_keyset_free (take a
 * pkey_ref to keep it longer). */
const struct pkey *jws_keyset_find(const struct jws_keyset *ks,
    const char *kid, size_t kid_len);

/* ---- verification ------------------------------------------------------ */

struct jws_token {
	enum pkey_alg alg;		/* PKEY_ED25519 or PKEY_P256 */
	char kid[JWS_KID_MAX + 1];	/* NUL-terminated */
	struct json_t *claims;		/* payload object; owned, see below */
};

/* Verify a compact JWS against the trusted keys. On LIEN_OK, out holds the
 * kid, alg and the parsed payload object (caller releases with
 * jws_token_clear). On failure out is cleared, *why (if not NULL) says
 * why, and the status is LIEN_EPARSE, LIEN_ETOOBIG, LIEN_EUNSUPPORTED,
 * LIEN_EKEY (unknown kid), LIEN_EVERIFY (signature or alg mismatch) or
 * LIEN_ENOMEM. */
enum lien_status jws_verify(const struct jws_keyset *ks, const char *token,
    size_t len, struct jws_token *out, enum jws_reason *why)
    LIEN_MUST_CHECK;

void jws_token_clear(struct jws_token *t);

/* Registered-claim policy (RFC 7519 4.1). Times are Unix seconds. */
struct jws_claims_policy {
	const char *iss;	/* required; exact match */
	const char *aud;	/* required; aud string equal, or array holding it */
	int64_t now;
	int64_t skew;		/* allowed clock difference, >= 0 */
	int64_t max_lifetime;	/* exp - iat must be in (0, max_lifetime] */
};

/* Check iss, aud, exp (required), iat (required), nbf (optional). All
 * times must be JSON integers. Valid iff iat <= now + skew,
 * nbf <= now + skew, now - skew < exp, 0 < exp - iat <= max_lifetime.
 * LIEN_OK or LIEN_EVERIFY with *why set; LIEN_EINVAL for a bad policy. */
enum lien_status jws_claims_check(const struct json_t *claims,
    const struct jws_claims_policy *pol, enum jws_reason *why)
    LIEN_MUST_CHECK;

/* Borrow a string claim: LIEN_OK with (*out, *out_len) valid while the
 * claims object lives, LIEN_ENOTFOUND if absent, LIEN_EPARSE if not a
 * string. */
enum lien_status jws_claim_string(const struct json_t *claims,
    const char *name, const char **out, size_t *out_len) LIEN_MUST_CHECK;

/* An integer NumericDate claim (RFC 7519 section 2) in [0, 2^40), about
 * 35,000 years, small enough that exp - iat and now +- skew never
 * overflow: LIEN_OK with *out, LIEN_ENOTFOUND if absent (*out kept),
 * LIEN_EPARSE if not such an integer. */
enum lien_status jws_claim_time(const struct json_t *claims,
    const char *name, int64_t *out) LIEN_MUST_CHECK;

/* ---- signing (tests, tools) --------------------------------------------- */

/* Compact JWS over payload bytes with header {"alg":..,"kid":..,"typ":"JWT"}
 * (EdDSA for Ed25519 keys, ES256 for P-256). *out NUL-terminated; caller
 * frees with free(). LIEN_EUNSUPPORTED for SM2, LIEN_EKEY for public keys,
 * LIEN_ETOOBIG beyond JWS_TOKEN_MAX. */
enum lien_status jws_sign(const struct pkey *key, const char *kid,
    const uint8_t *payload, size_t payload_len, char **out) LIEN_MUST_CHECK;

#endif
