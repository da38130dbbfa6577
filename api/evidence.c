/*
 * Face-ID tokens and SMS attestations (api/evidence.h, docs/identity.md).
 *
 * Design. crypto/jws verifies the compact JWS strictly (alg allowlist,
 * header allowlist, kid in the trusted set, key type = alg, canonical
 * base64url, duplicate JSON keys refused, size cap) and checks the
 * registered claims against a policy; this file adds what is specific to
 * lienlog: the issuer must be the one bound to the kid in the trust
 * files (a provider's key cannot speak for another provider), the
 * audience is our registry name, and the application claims bind the
 * token to one applicant and one application. Every refusal has its own
 * stable code.
 *
 * Times are checked as integers in [0, 2^40) (jws_claim_time) and now
 * in [0, EVIDENCE_TIME_MAX] before the policy arithmetic, so no claim
 * can push it into signed overflow.
 * Scores are integers in basis points (0..10000): no floating point in a
 * decision that must be reproducible.
 */
#include "api/evidence.h"

#include <string.h>

#include <jansson.h>

#include "registry/ids.h"

/* NumericDate values we accept: 0 .. year ~36800. Far beyond any real
 * token, far below where now + skew or exp - iat could overflow. */
#define EVIDENCE_TIME_MAX ((int64_t)1 << 40)

static const struct {
	const char *code;
	int http;
} reasons[EVIDENCE_R_COUNT_] = {
	[EVIDENCE_R_OK] = { "ok", 200 },
	[EVIDENCE_R_MALFORMED] = { "token_malformed", 400 },
	[EVIDENCE_R_TOO_LARGE] = { "token_too_large", 413 },
	[EVIDENCE_R_ALG] = { "token_alg", 422 },
	[EVIDENCE_R_HEADER] = { "token_header", 422 },
	[EVIDENCE_R_KID_UNKNOWN] = { "token_kid_unknown", 422 },
	[EVIDENCE_R_SIGNATURE] = { "token_signature", 422 },
	[EVIDENCE_R_CLAIM_MISSING] = { "token_claim_missing", 422 },
	[EVIDENCE_R_CLAIM_INVALID] = { "token_claim_invalid", 422 },
	[EVIDENCE_R_EXPIRED] = { "token_expired", 422 },
	[EVIDENCE_R_NOT_YET_VALID] = { "token_not_yet_valid", 422 },
	[EVIDENCE_R_LIFETIME] = { "token_lifetime", 422 },
	[EVIDENCE_R_AUDIENCE] = { "token_audience", 422 },
	[EVIDENCE_R_ISSUER] = { "token_issuer", 422 },
	[EVIDENCE_R_SUBJECT] = { "token_subject", 422 },
	[EVIDENCE_R_NONCE] = { "token_nonce", 422 },
	[EVIDENCE_R_SCORES_LOW] = { "token_scores_low", 422 },
	[EVIDENCE_R_ACTOR] = { "token_actor", 422 },
	[EVIDENCE_R_ORG] = { "token_org", 422 },
	[EVIDENCE_R_INTERNAL] = { "internal", 500 },
};

const char *
evidence_reason_code(enum evidence_reason r)
{
	if ((unsigned)r >= EVIDENCE_R_COUNT_ || reasons[r].code == NULL)
		return "internal";
	return reasons[r].code;
}

int
evidence_reason_http(enum evidence_reason r)
{
	if ((unsigned)r >= EVIDENCE_R_COUNT_ || reasons[r].http == 0)
		return 500;
	return reasons[r].http;
}

static enum evidence_reason
from_jws(enum jws_reason r)
{
	switch (r) {
	case JWS_R_OK:
		return EVIDENCE_R_OK;
	case JWS_R_TOO_LARGE:
		return EVIDENCE_R_TOO_LARGE;
	case JWS_R_ALG_UNSUPPORTED:
	case JWS_R_ALG_MISMATCH:
		return EVIDENCE_R_ALG;
	case JWS_R_UNKNOWN_KID:
		return EVIDENCE_R_KID_UNKNOWN;
	case JWS_R_HEADER_REFUSED:
		return EVIDENCE_R_HEADER;
	case JWS_R_BAD_SIGNATURE:
		return EVIDENCE_R_SIGNATURE;
	case JWS_R_CLAIM_MISSING:
		return EVIDENCE_R_CLAIM_MISSING;
	case JWS_R_WRONG_ISSUER:
		return EVIDENCE_R_ISSUER;
	case JWS_R_WRONG_AUDIENCE:
		return EVIDENCE_R_AUDIENCE;
	case JWS_R_EXPIRED:
		return EVIDENCE_R_EXPIRED;
	case JWS_R_NOT_YET_VALID:
		return EVIDENCE_R_NOT_YET_VALID;
	case JWS_R_LIFETIME:
		return EVIDENCE_R_LIFETIME;
	default:
		return EVIDENCE_R_MALFORMED;
	}
}

static enum lien_status LIEN_MUST_CHECK
fail(struct evidence_result *out, enum evidence_reason r)
{
	out->verdict = EVIDENCE_FAIL;
	out->reason = r;
	out->review = 0;
	return r == EVIDENCE_R_INTERNAL ? LIEN_EINVAL : LIEN_EVERIFY;
}

/* A claim holding base64url (no padding) of exactly 32 bytes, compared
 * in constant time with want. */
static enum evidence_reason
bin_claim(const json_t *claims, const char *name,
    const uint8_t want[HASH_LEN], enum evidence_reason mismatch)
{
	const char *s;
	size_t len, got = 0;
	uint8_t buf[HASH_LEN + 3];
	enum lien_status st;

	st = jws_claim_string(claims, name, &s, &len);
	if (st == LIEN_ENOTFOUND)
		return EVIDENCE_R_CLAIM_MISSING;
	if (st != LIEN_OK)
		return EVIDENCE_R_CLAIM_INVALID;
	if (len != JWS_B64URL_LEN(HASH_LEN) ||
	    jws_b64url_decode(s, len, buf, sizeof(buf), &got) != LIEN_OK ||
	    got != HASH_LEN)
		return EVIDENCE_R_CLAIM_INVALID;
	return hash_equal(buf, want) ? EVIDENCE_R_OK : mismatch;
}

/* A score claim: integer basis points 0..TRUST_SCORE_MAX. */
static enum evidence_reason
score_claim(const json_t *claims, const char *name, uint32_t *out)
{
	const json_t *v = json_object_get(claims, name);
	json_int_t x;

	if (v == NULL)
		return EVIDENCE_R_CLAIM_MISSING;
	if (!json_is_integer(v))
		return EVIDENCE_R_CLAIM_INVALID;
	x = json_integer_value(v);
	if (x < 0 || x > (json_int_t)TRUST_SCORE_MAX)
		return EVIDENCE_R_CLAIM_INVALID;
	*out = (uint32_t)x;
	return EVIDENCE_R_OK;
}

/* The part shared by both token kinds: signature, issuer bound to kid,
 * audience, times, nonce = application digest. On success *tok holds the
 * claims (caller clears). */
static enum lien_status LIEN_MUST_CHECK
token_common(const struct trust *t, enum trust_issuers which,
    const char *token, size_t len,
    const uint8_t app_digest[EVIDENCE_DIGEST_LEN], int64_t now,
    struct jws_token *tok, struct evidence_result *out)
{
	const struct trust_config *cfg;
	const struct jws_keyset *ks;
	struct jws_claims_policy pol;
	enum jws_reason why = JWS_R_MALFORMED;
	enum evidence_reason r;
	const char *iss;
	int64_t nbf = 0;
	enum lien_status hi, he, hn;

	memset(out, 0, sizeof(*out));
	memset(tok, 0, sizeof(*tok));
	out->verdict = EVIDENCE_FAIL;
	if (t == NULL || (token == NULL && len > 0) || app_digest == NULL ||
	    now < 0 || now > EVIDENCE_TIME_MAX)
		return fail(out, EVIDENCE_R_INTERNAL);
	if (len > JWS_TOKEN_MAX)
		return fail(out, EVIDENCE_R_TOO_LARGE);
	hash_sha256(token, len, out->token_digest);
	cfg = trust_config_get(t);
	ks = trust_issuer_keys(t, which);
	if (ks == NULL) {
		/* No issuer of this kind is configured: whatever kid the
		 * token names, it is not a trusted one. */
		return fail(out, EVIDENCE_R_KID_UNKNOWN);
	}
	if (jws_verify(ks, token, len, tok, &why) != LIEN_OK) {
		jws_token_clear(tok);
		return fail(out, from_jws(why));
	}
	memcpy(out->kid, tok->kid, strlen(tok->kid) + 1);
	iss = trust_issuer_name(t, which, tok->kid, strlen(tok->kid));
	if (iss == NULL)	/* cannot happen: same file, same kids */
		return fail(out, EVIDENCE_R_INTERNAL);
	memcpy(out->iss, iss, strlen(iss) + 1);

	/* Types and ranges first, so the policy arithmetic is safe. */
	hi = jws_claim_time(tok->claims, "iat", &out->iat);
	he = jws_claim_time(tok->claims, "exp", &out->exp);
	hn = jws_claim_time(tok->claims, "nbf", &nbf);
	if (hi == LIEN_EPARSE || he == LIEN_EPARSE || hn == LIEN_EPARSE)
		return fail(out, EVIDENCE_R_CLAIM_INVALID);
	pol.iss = iss;
	pol.aud = cfg->registry;
	pol.now = now;
	pol.skew = cfg->token_skew;
	pol.max_lifetime = cfg->token_lifetime_max;
	if (jws_claims_check(tok->claims, &pol, &why) != LIEN_OK)
		return fail(out, from_jws(why));
	r = bin_claim(tok->claims, "nonce", app_digest, EVIDENCE_R_NONCE);
	if (r != EVIDENCE_R_OK)
		return fail(out, r);
	return LIEN_OK;
}

enum lien_status
evidence_face_check(const struct trust *t, const char *token, size_t len,
    const uint8_t subject[SEAL_COMMIT_LEN],
    const uint8_t app_digest[EVIDENCE_DIGEST_LEN], int64_t now,
    struct evidence_result *out)
{
	const struct trust_config *cfg;
	struct jws_token tok;
	enum evidence_reason r;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	if (subject == NULL) {
		memset(out, 0, sizeof(*out));
		return fail(out, EVIDENCE_R_INTERNAL);
	}
	st = token_common(t, TRUST_ISSUERS_FACE, token, len, app_digest, now,
	    &tok, out);
	if (st != LIEN_OK)
		goto out;
	if ((r = bin_claim(tok.claims, "sub", subject, EVIDENCE_R_SUBJECT)) !=
	    EVIDENCE_R_OK ||
	    (r = score_claim(tok.claims, "liveness", &out->liveness)) !=
	    EVIDENCE_R_OK ||
	    (r = score_claim(tok.claims, "match", &out->match)) !=
	    EVIDENCE_R_OK) {
		st = fail(out, r);
		goto out;
	}
	cfg = trust_config_get(t);
	if (out->liveness < cfg->liveness_grey || out->match < cfg->match_grey) {
		st = fail(out, EVIDENCE_R_SCORES_LOW);
		goto out;
	}
	out->review = 0;
	if (out->liveness < cfg->liveness_pass)
		out->review |= EVIDENCE_REVIEW_LIVENESS;
	if (out->match < cfg->match_pass)
		out->review |= EVIDENCE_REVIEW_MATCH;
	out->verdict = out->review != 0 ? EVIDENCE_GREY : EVIDENCE_PASS;
	out->reason = EVIDENCE_R_OK;
	st = LIEN_OK;
out:
	jws_token_clear(&tok);
	return st;
}

enum lien_status
evidence_sms_check(const struct trust *t, const char *token, size_t len,
    const uint8_t rep_phone[SEAL_COMMIT_LEN],
    const uint8_t actor[SEAL_COMMIT_LEN], const char *uscc, size_t uscc_len,
    const uint8_t app_digest[EVIDENCE_DIGEST_LEN], int64_t now,
    struct evidence_result *out)
{
	struct jws_token tok;
	enum evidence_reason r;
	enum lien_status st;
	const char *org;
	size_t org_len;

	if (out == NULL)
		return LIEN_EINVAL;
	if (rep_phone == NULL || actor == NULL || uscc == NULL ||
	    ids_uscc_validate(uscc, uscc_len) != LIEN_OK) {
		memset(out, 0, sizeof(*out));
		return fail(out, EVIDENCE_R_INTERNAL);
	}
	st = token_common(t, TRUST_ISSUERS_SMS, token, len, app_digest, now,
	    &tok, out);
	if (st != LIEN_OK)
		goto out;
	if ((r = bin_claim(tok.claims, "sub", rep_phone, EVIDENCE_R_SUBJECT)) !=
	    EVIDENCE_R_OK ||
	    (r = bin_claim(tok.claims, "act", actor, EVIDENCE_R_ACTOR)) !=
	    EVIDENCE_R_OK) {
		st = fail(out, r);
		goto out;
	}
	st = jws_claim_string(tok.claims, "org", &org, &org_len);
	if (st != LIEN_OK) {
		st = fail(out, st == LIEN_ENOTFOUND ? EVIDENCE_R_CLAIM_MISSING :
		    EVIDENCE_R_CLAIM_INVALID);
		goto out;
	}
	if (org_len != uscc_len || memcmp(org, uscc, uscc_len) != 0) {
		st = fail(out, EVIDENCE_R_ORG);
		goto out;
	}
	out->verdict = EVIDENCE_PASS;
	out->reason = EVIDENCE_R_OK;
	st = LIEN_OK;
out:
	jws_token_clear(&tok);
	return st;
}
