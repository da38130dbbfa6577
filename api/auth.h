/*
 * Authentication of a signed request -- every write, and the parties'
 * reads (docs/identity.md, docs/architecture.md section 3 step 2),
 * independent of civetweb:
 *
 *   RFC 9421 signature (crypto/httpsig.h, lienlog policy: @method, @path or
 *   @target-uri, content-digest; created, nonce, keyid, alg; the created
 *   window from trust/config.json. A read -- GET or HEAD without a body --
 *   need not cover content-digest but must cover @query or @target-uri
 *   when the target has a query; docs/api-registration.md)
 *   -> keyid (lowercase hex SHA-256 of the signer's certificate DER)
 *   -> party: pinned admins (trust/admins.pem) first, then the filed
 *      parties through the caller's lookup callback (the ledger's
 *      LEDGER_T_PARTIES view in lienlogd)
 *   -> certificate chain to the root set of the party's role, validity
 *      and CRLs, keyUsage digitalSignature (crypto/cert.h, cached)
 *   -> signature verify with the certificate's key; alg must match it
 *   -> party status (active), role in the route's allowed set
 *   -> nonce fast pre-check through the caller's callback (the
 *      authoritative check runs in the sequencer: registry/registry.c).
 *
 * Refusals carry a stable reason code (auth_reason_code) and an HTTP
 * status (auth_reason_http): 401 for authentication failures, 403 when
 * the signer is known but may not do this, 503 when certificate status
 * cannot be established (a CRL out of date).
 */
#ifndef LIEN_API_AUTH_H
#define LIEN_API_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/cert.h"
#include "crypto/hash.h"
#include "crypto/httpsig.h"
#include "api/trust.h"

#define AUTH_KEYID_LEN 32u		/* SHA-256 of the certificate DER */
#define AUTH_KEYID_HEX_LEN 64u

/* Roles (docs/identity.md). Values are stable: they may be stored. */
enum auth_role {
	AUTH_ROLE_NONE = 0,
	AUTH_ROLE_INSTITUTION = 1,	/* a filed bank */
	AUTH_ROLE_OFFICER = 2,
	AUTH_ROLE_REGISTRY = 3,		/* the police registry mirror */
	AUTH_ROLE_AUDITOR = 4,
	AUTH_ROLE_ADMIN = 5,
	AUTH_ROLE_POST = 6,		/* the post office (EMS delivery) */
	AUTH_ROLE_COUNT_
};
#define AUTH_ROLE_BIT(r) (1u << (unsigned)(r))

/* "institution", "officer", "registry", "auditor", "admin", "post";
 * "none". */
const char *auth_role_name(enum auth_role r);

/* A filed party's status. */
enum auth_party_status {
	AUTH_PARTY_ACTIVE = 1,
	AUTH_PARTY_SUSPENDED = 2,
	AUTH_PARTY_REVOKED = 3,
};

/* What the party lookup returns for a keyid. */
struct auth_party {
	enum auth_role role;
	char party_id[AUTH_PARTY_ID_MAX + 1];	/* NUL-terminated */
	size_t party_id_len;			/* 1..AUTH_PARTY_ID_MAX */
	enum auth_party_status status;
	/* The filed certificate, DER. Borrowed: must stay valid until
	 * auth_verify returns (e.g. in the caller's open ledger view). */
	const uint8_t *cert_der;
	size_t cert_der_len;
};

/* Find the filed party whose certificate hashes to keyid. LIEN_OK with
 * *out filled, LIEN_ENOTFOUND if there is none; anything else aborts
 * authentication with that status (reason "internal"). */
typedef enum lien_status (*auth_party_lookup_fn)(void *ctx,
    const uint8_t keyid[AUTH_KEYID_LEN], struct auth_party *out);

/* Fast replay pre-check: LIEN_OK if (keyid, created, nonce) has not been
 * seen, LIEN_EEXIST if it has; anything else aborts (reason "internal").
 * created is the signature's (covered, so a replay carries the same
 * value). May be NULL (no pre-check). */
typedef enum lien_status (*auth_nonce_check_fn)(void *ctx,
    const uint8_t keyid[AUTH_KEYID_LEN], int64_t created, const char *nonce,
    size_t nonce_len);

/* Why a request was refused. Values and strings are append-only: the
 * strings are the JSON error codes clients branch on (docs/identity.md). */
enum auth_reason {
	AUTH_R_OK = 0,
	AUTH_R_SIGNATURE_MISSING,	/* 401 signature_missing */
	AUTH_R_SIGNATURE_DUPLICATE,	/* 401 signature_duplicate_header */
	AUTH_R_SIGNATURE_MALFORMED,	/* 401 signature_malformed */
	AUTH_R_SIGNATURE_TOO_LARGE,	/* 401 signature_too_large */
	AUTH_R_SIGNATURE_LABEL,		/* 401 signature_label_mismatch */
	AUTH_R_COMPONENT_MISSING,	/* 401 signature_component_missing */
	AUTH_R_PARAM_MISSING,		/* 401 signature_param_missing */
	AUTH_R_FIELD_ABSENT,		/* 401 signature_covered_field_absent */
	AUTH_R_DIGEST_MISSING,		/* 401 digest_missing */
	AUTH_R_DIGEST_MISMATCH,		/* 401 digest_mismatch */
	AUTH_R_CREATED_WINDOW,		/* 401 created_out_of_window */
	AUTH_R_SIGNATURE_EXPIRED,	/* 401 signature_expired */
	AUTH_R_UNKNOWN_KEYID,		/* 401 unknown_keyid */
	AUTH_R_ALG_UNSUPPORTED,		/* 401 alg_unsupported */
	AUTH_R_ALG_MISMATCH,		/* 401 alg_mismatch */
	AUTH_R_SIGNATURE_INVALID,	/* 401 signature_invalid */
	AUTH_R_CERT_MALFORMED,		/* 401 certificate_malformed */
	AUTH_R_CERT_UNTRUSTED,		/* 401 certificate_untrusted */
	AUTH_R_CERT_EXPIRED,		/* 401 certificate_expired */
	AUTH_R_CERT_NOT_YET_VALID,	/* 401 certificate_not_yet_valid */
	AUTH_R_CERT_REVOKED,		/* 401 certificate_revoked */
	AUTH_R_CERT_KEY_USAGE,		/* 401 certificate_key_usage */
	AUTH_R_CERT_INVALID,		/* 401 certificate_invalid */
	AUTH_R_CERT_STATUS_UNKNOWN,	/* 503 certificate_status_unavailable */
	AUTH_R_PARTY_SUSPENDED,		/* 403 party_suspended */
	AUTH_R_PARTY_REVOKED,		/* 403 party_revoked */
	AUTH_R_ROLE_FORBIDDEN,		/* 403 role_forbidden */
	AUTH_R_NONCE_REPLAYED,		/* 401 nonce_replayed */
	AUTH_R_INTERNAL,		/* 500 internal */
	AUTH_R_COUNT_
};

/* Never NULL; unknown values give "internal". */
const char *auth_reason_code(enum auth_reason r);
/* 401 / 403 / 503 / 500 as listed above; 200 for AUTH_R_OK. */
int auth_reason_http(enum auth_reason r);

/* The refusal for a certificate verdict (crypto/cert.h), AUTH_R_CERT_*:
 * one code with one meaning wherever a certificate is judged -- the
 * signer's filed certificate here (401), a certificate in a filing's body
 * (api/routes_reg.c: 422, or 503 certificate_status_unavailable). */
enum auth_reason auth_cert_reason(enum cert_verdict v);

/* One request. http holds method, target, headers and body exactly as
 * received (all borrowed for the call). */
struct auth_request {
	struct httpsig_request http;
	int64_t now;			/* Unix seconds, pinned once per request */
	uint32_t allowed_roles;		/* AUTH_ROLE_BIT(...) | ... */
	auth_party_lookup_fn party_lookup;	/* required */
	auth_nonce_check_fn nonce_check;	/* optional */
	void *ctx;			/* passed to both callbacks */
};

/* What the rest of the pipeline needs from an authenticated request. */
/* Bytes of auth_result.message, NUL included. */
#define AUTH_MESSAGE_MAX 400u

struct auth_result {
	enum auth_reason reason;
	int http_status;		/* auth_reason_http(reason) */
	/* For a refusal: the check that failed, for the client's person
	 * ("created is 412 s behind the server's clock (window +-300 s)",
	 * "this route is for officer; the signer is institution"). Only
	 * what the client sent about itself or what is public (its keyid,
	 * its party id, component names, times, sizes); never signature,
	 * digest, body or certificate bytes. "" when authenticated. */
	char message[AUTH_MESSAGE_MAX];
	enum auth_role role;
	char party_id[AUTH_PARTY_ID_MAX + 1];
	size_t party_id_len;
	uint8_t keyid[AUTH_KEYID_LEN];	/* == certificate fingerprint */
	char keyid_hex[AUTH_KEYID_HEX_LEN + 1];
	enum pkey_alg alg;
	int64_t created;
	char nonce[HTTPSIG_PARAM_MAX + 1];
	size_t nonce_len;
	uint8_t content_digest[HASH_LEN];	/* SHA-256 of the body */
	uint64_t trust_generation;
	/* Evidence copies (heap; released by auth_result_clear): the RFC
	 * 9421 signature base that was signed (RFC 9421 2.5, NUL-terminated)
	 * and the raw signature bytes. With the certificate they let anyone
	 * re-verify the request later. */
	char *sig_base;
	size_t sig_base_len;
	uint8_t sig[PKEY_SIG_MAX];
	size_t sig_len;
};

/* Release the heap copies and zero *r. NULL is a no-op. */
void auth_result_clear(struct auth_result *r);

/* Long-lived authentication state: the parsed-certificate cache
 * (AUTH_CERT_CACHE_SLOTS direct-mapped slots keyed by fingerprint), so a
 * request never parses its signer's certificate again. Thread-safe. */
struct auth;

enum lien_status auth_new(struct auth **out) LIEN_MUST_CHECK;
void auth_free(struct auth *a);	/* no auth_verify may be running */

/* Authenticate req under trust t (the caller holds a reference). LIEN_OK
 * when the request is authentic and allowed: out holds the signer.
 * LIEN_EVERIFY for every refusal (out->reason / out->http_status say
 * why; nothing else in out is meaningful except keyid when parsed);
 * LIEN_ENOMEM / LIEN_EINVAL / a callback's status for failures that say
 * nothing about the request (reason AUTH_R_INTERNAL). out must be
 * released with auth_result_clear in every case. */
enum lien_status auth_verify(struct auth *a, const struct trust *t,
    const struct auth_request *req, struct auth_result *out)
    LIEN_MUST_CHECK;

/* Cache counters for metrics and tests. */
struct auth_stats {
	uint64_t cert_parses;	/* certificates parsed (cache misses) */
	uint64_t cert_hits;
};
void auth_stats_get(struct auth *a, struct auth_stats *out);

#endif
