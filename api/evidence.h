/*
 * Evidence carried inside a write request, checked with crypto and the
 * trust configuration only (docs/identity.md, docs/architecture.md
 * section 3 step 4):
 *
 *  - Face-ID token: a JWS (RFC 7515/7519; EdDSA per
 *    RFC 8037 or ES256) from a key in trust/face-issuers.jwks, whose
 *    claims bind it to this registry (aud), to the applicant (sub = the
 *    identity commitment), to this application (nonce = the application
 *    digest), with liveness and match scores in basis points.
 *  - SMS attestation: the legal representative's
 *    authorisation of an acting employee, as a JWS from a key in
 *    trust/sms-issuers.jwks whose claims bind it to the application
 *    (nonce), the representative's phone commitment (sub), the acting
 *    employee's identity commitment (act) and the company (org = USCC).
 *
 * Binary claim values (sub, act, nonce) are base64url without padding
 * (RFC 4648 section 5) of 32 bytes: a crypto/seal commitment or the
 * application digest (registry_application_digest: the application, the
 * company, the signing bank and the step; the caller computes it).
 */
#ifndef LIEN_API_EVIDENCE_H
#define LIEN_API_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "crypto/jws.h"
#include "crypto/seal.h"
#include "api/trust.h"

#define EVIDENCE_DIGEST_LEN 32u	/* application digest (SHA-256) */

enum evidence_verdict {
	EVIDENCE_FAIL = 0,	/* refuse the request */
	EVIDENCE_PASS = 1,
	EVIDENCE_GREY = 2,	/* accept for in-person review */
};

/* Why a token was refused. Values and strings are append-only. */
enum evidence_reason {
	EVIDENCE_R_OK = 0,
	EVIDENCE_R_MALFORMED,		/* token_malformed */
	EVIDENCE_R_TOO_LARGE,		/* token_too_large */
	EVIDENCE_R_ALG,			/* token_alg (none, unknown, confused) */
	EVIDENCE_R_HEADER,		/* token_header (crit, jku, jwk, x5u..) */
	EVIDENCE_R_KID_UNKNOWN,		/* token_kid_unknown */
	EVIDENCE_R_SIGNATURE,		/* token_signature */
	EVIDENCE_R_CLAIM_MISSING,	/* token_claim_missing */
	EVIDENCE_R_CLAIM_INVALID,	/* token_claim_invalid (type, range) */
	EVIDENCE_R_EXPIRED,		/* token_expired */
	EVIDENCE_R_NOT_YET_VALID,	/* token_not_yet_valid */
	EVIDENCE_R_LIFETIME,		/* token_lifetime */
	EVIDENCE_R_AUDIENCE,		/* token_audience */
	EVIDENCE_R_ISSUER,		/* token_issuer */
	EVIDENCE_R_SUBJECT,		/* token_subject */
	EVIDENCE_R_NONCE,		/* token_nonce */
	EVIDENCE_R_SCORES_LOW,		/* token_scores_low */
	EVIDENCE_R_ACTOR,		/* token_actor */
	EVIDENCE_R_ORG,			/* token_org */
	EVIDENCE_R_INTERNAL,		/* internal */
	EVIDENCE_R_COUNT_
};

/* Never NULL; unknown values give "internal". */
const char *evidence_reason_code(enum evidence_reason r);
/* 400 for token_malformed, 413 for token_too_large, 500 for internal,
 * 422 for every other refusal (a well-formed request whose evidence is
 * not acceptable). */
int evidence_reason_http(enum evidence_reason r);

/* Grey-zone reasons (bits of evidence_result.review). */
#define EVIDENCE_REVIEW_LIVENESS 0x1u	/* "face_liveness_grey" */
#define EVIDENCE_REVIEW_MATCH 0x2u	/* "face_match_grey" */

struct evidence_result {
	enum evidence_verdict verdict;
	enum evidence_reason reason;	/* EVIDENCE_R_OK unless FAIL */
	unsigned review;		/* EVIDENCE_REVIEW_* when GREY */
	uint8_t token_digest[HASH_LEN];	/* SHA-256 of the compact token */
	char kid[JWS_KID_MAX + 1];
	char iss[TRUST_ISS_MAX + 1];
	int64_t iat, exp;
	uint32_t liveness, match;	/* basis points; face tokens only */
};

/* Check a face-ID token for this application. subject = the applicant's
 * identity commitment, app_digest = the application digest. LIEN_OK with
 * out->verdict PASS or GREY; LIEN_EVERIFY with verdict FAIL and
 * out->reason (scores below the grey bound are token_scores_low);
 * LIEN_EINVAL / LIEN_ENOMEM (reason internal). token_digest is filled
 * whenever the token is not oversize. */
enum lien_status evidence_face_check(const struct trust *t,
    const char *token, size_t len, const uint8_t subject[SEAL_COMMIT_LEN],
    const uint8_t app_digest[EVIDENCE_DIGEST_LEN], int64_t now,
    struct evidence_result *out) LIEN_MUST_CHECK;

/* Check the SMS attestation of a company's legal representative: sub =
 * rep_phone (the representative's phone commitment), act = actor (the
 * acting employee's identity commitment), org = uscc (18 characters,
 * GB 32100 check character valid), nonce = app_digest. LIEN_OK with
 * verdict PASS, or as evidence_face_check. */
enum lien_status evidence_sms_check(const struct trust *t,
    const char *token, size_t len, const uint8_t rep_phone[SEAL_COMMIT_LEN],
    const uint8_t actor[SEAL_COMMIT_LEN], const char *uscc, size_t uscc_len,
    const uint8_t app_digest[EVIDENCE_DIGEST_LEN], int64_t now,
    struct evidence_result *out) LIEN_MUST_CHECK;

#endif
