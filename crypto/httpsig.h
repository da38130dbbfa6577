/*
 * RFC 9421 HTTP Message Signatures for requests, with RFC 9530
 * Content-Digest (sha-256): verification under a caller-configured policy,
 * and signing (for `lienlog sign-request` and tests).
 *
 * The request is plain data (struct httpsig_request), not civetweb types:
 * api/server code adapts civetweb's request to it. Signature-Input and
 * Signature are parsed as RFC 8941 dictionaries, strictly and with caps
 * (HTTPSIG_* in common/lien_limits.h): duplicate dictionary keys or
 * parameters, unknown signature parameters, component parameters (;sf,
 * ;key, ;bs, ;req, ;name) and non-canonical base64 are refused.
 *
 * Algorithms (RFC 9421 3.3 names; "sm2-sm3" is ours, see
 * docs/request-signing.md): "ed25519", "ecdsa-p256-sha256" (raw r||s),
 * "sm2-sm3" (SM2 with SM3 and the key's distinguishing ID, raw r||s, 64
 * bytes). The algorithm is fixed by the key; an "alg" parameter that
 * names another algorithm is refused (alg confusion).
 *
 * Replay protection (nonce seen before) is NOT done here: the caller gets
 * the nonce and keyid back in struct httpsig_result and checks LMDB.
 */
#ifndef LIEN_CRYPTO_HTTPSIG_H
#define LIEN_CRYPTO_HTTPSIG_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/pkey.h"

/* Why verification failed. Stable strings (httpsig_reason_code) are the
 * JSON error codes clients see; values are append-only. */
enum httpsig_reason {
	HTTPSIG_R_OK = 0,
	HTTPSIG_R_MISSING = 1,		/* "sig_missing": no Signature(-Input) */
	HTTPSIG_R_DUPLICATE = 2,	/* "sig_duplicate_header" */
	HTTPSIG_R_MALFORMED = 3,	/* "sig_malformed" */
	HTTPSIG_R_TOO_LARGE = 4,	/* "sig_too_large" */
	HTTPSIG_R_LABEL = 5,		/* "sig_label_mismatch" */
	HTTPSIG_R_COMPONENT_MISSING = 6, /* "sig_component_missing" */
	HTTPSIG_R_PARAM_MISSING = 7,	/* "sig_param_missing" */
	HTTPSIG_R_FIELD_ABSENT = 8,	/* "sig_covered_field_absent" */
	HTTPSIG_R_DIGEST_MISSING = 9,	/* "digest_missing" */
	HTTPSIG_R_DIGEST_MISMATCH = 10,	/* "digest_mismatch" */
	HTTPSIG_R_CREATED_WINDOW = 11,	/* "sig_created_outside_window" */
	HTTPSIG_R_EXPIRED = 12,		/* "sig_expired" */
	HTTPSIG_R_UNKNOWN_KEYID = 13,	/* "unknown_keyid" */
	HTTPSIG_R_ALG_UNSUPPORTED = 14,	/* "alg_unsupported" */
	HTTPSIG_R_ALG_MISMATCH = 15,	/* "alg_mismatch" */
	HTTPSIG_R_BAD_SIGNATURE = 16,	/* "bad_signature" */
	HTTPSIG_R_COUNT_
};

/* Never NULL; unknown values give "sig_invalid". */
const char *httpsig_reason_code(enum httpsig_reason r);

/* One header field line. Names compare case-insensitively; values are
 * the raw field-line values (OWS trimmed by us). */
struct httpsig_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* The request as plain data. All (ptr, len) are borrowed for the call.
 * The target URI is given in parts (RFC 9110 7.1): scheme ("https"),
 * authority (host[:port], default port omitted), path (absolute path,
 * may be empty = "/"), query (without '?'; NULL = no query). */
struct httpsig_request {
	const char *method;
	size_t method_len;
	const char *scheme;
	size_t scheme_len;
	const char *authority;
	size_t authority_len;
	const char *path;
	size_t path_len;
	const char *query;		/* NULL: no '?' in the target */
	size_t query_len;
	const struct httpsig_header *headers;
	size_t nheaders;		/* <= API_HEADERS_MAX */
	const uint8_t *body;
	size_t body_len;
};

/* Key lookup: map keyid to a verification key. Return LIEN_OK with a key
 * borrowed until httpsig_verify returns, LIEN_EKEY for an unknown keyid
 * (-> "unknown_keyid"), anything else aborts verification with that
 * status. */
typedef enum lien_status (*httpsig_key_fn)(void *arg, const char *keyid,
    size_t keyid_len, const struct pkey **out_key);

/* Requirement bits (struct httpsig_policy.require). */
#define HTTPSIG_REQ_METHOD	(1u << 0)	/* "@method" covered */
#define HTTPSIG_REQ_TARGET	(1u << 1)	/* "@target-uri" or "@path" */
#define HTTPSIG_REQ_DIGEST	(1u << 2)	/* "content-digest" covered + sha-256 */
#define HTTPSIG_REQ_CREATED	(1u << 3)
#define HTTPSIG_REQ_NONCE	(1u << 4)
#define HTTPSIG_REQ_KEYID	(1u << 5)
#define HTTPSIG_REQ_ALG		(1u << 6)
#define HTTPSIG_REQ_LIENLOG	0x7fu		/* all of the above */
/* "@query" or "@target-uri" covered when the target has a query (a '?').
 * Not part of HTTPSIG_REQ_LIENLOG: api/auth.c adds it for signed reads,
 * whose query selects what is read (docs/api-registration.md). */
#define HTTPSIG_REQ_QUERY	(1u << 7)
/* "idempotency-key" covered (draft-ietf-httpapi-idempotency-key-header):
 * api/auth.c adds it when the request carries an Idempotency-Key, so the
 * key that decides whether a write is a retry is the signer's word. */
#define HTTPSIG_REQ_IDEMKEY	(1u << 8)

#define HTTPSIG_WINDOW_DEFAULT 300	/* seconds */

struct httpsig_policy {
	const char *label;	/* verify this label; NULL: exactly one present */
	int64_t now;		/* Unix seconds */
	int64_t window;		/* |now - created| <= window; must be >= 0 */
	uint32_t require;	/* HTTPSIG_REQ_* */
	httpsig_key_fn key_fn;
	void *key_arg;
};

/* lienlog's policy: everything required, +-300 s window. */
void httpsig_policy_init(struct httpsig_policy *pol, int64_t now,
    httpsig_key_fn key_fn, void *key_arg);

/* Bytes of httpsig_result.detail, NUL included. */
#define HTTPSIG_DETAIL_MAX 320u

struct httpsig_result {
	enum httpsig_reason reason;
	/* For a refusal: which check failed, for a person ("covered
	 * components lack \"content-digest\" (required on a write)",
	 * "created is 412 s before the server's clock (window +-300 s)").
	 * Names only what the client sent about itself (component and
	 * header names, parameter values it chose, sizes, times); never
	 * signature, digest or body bytes. "" when verified. */
	char detail[HTTPSIG_DETAIL_MAX];
	char label[HTTPSIG_NAME_MAX + 1];
	char keyid[HTTPSIG_PARAM_MAX + 1];	/* NUL-terminated */
	size_t keyid_len;
	char nonce[HTTPSIG_PARAM_MAX + 1];
	size_t nonce_len;			/* 0: no nonce */
	char tag[HTTPSIG_PARAM_MAX + 1];
	size_t tag_len;
	int64_t created;			/* -1: absent */
	int64_t expires;			/* -1: absent */
	enum pkey_alg alg;
	const struct pkey *key;			/* borrowed from key_fn */
};

/* Verify the request's signature. LIEN_OK only if everything holds.
 * Otherwise res->reason says why and the status is one of LIEN_EPARSE
 * (missing/duplicate/malformed), LIEN_ETOOBIG, LIEN_EKEY (unknown keyid),
 * LIEN_ERANGE (created window, expired), LIEN_EUNSUPPORTED (alg),
 * LIEN_EVERIFY (component/param missing, digest mismatch, alg mismatch,
 * bad signature), LIEN_ENOMEM, LIEN_EINVAL (bad policy), or what key_fn
 * returned. res is always filled as far as parsing got. */
enum lien_status httpsig_verify(const struct httpsig_request *req,
    const struct httpsig_policy *pol, struct httpsig_result *res)
    LIEN_MUST_CHECK;

/* RFC 9530 Content-Digest value for body: "sha-256=:<base64>:" + NUL
 * (HTTPSIG_DIGEST_LEN + 1 bytes). */
#define HTTPSIG_DIGEST_LEN 54u
enum lien_status httpsig_content_digest(const uint8_t *body, size_t len,
    char *out, size_t cap) LIEN_MUST_CHECK;

/* RFC 9421 algorithm name for a key type ("ed25519", "ecdsa-p256-sha256",
 * "sm2-sm3"), NULL for PKEY_NONE. */
const char *httpsig_alg_name(enum pkey_alg alg);

/* ---- signing ---------------------------------------------------------- */

struct httpsig_sign_params {
	const char *label;		/* NULL: "sig1" */
	const char *const *components;	/* NULL: @method @target-uri content-digest */
	size_t ncomponents;
	int64_t created;		/* >= 0 */
	int64_t expires;		/* -1: none */
	const char *nonce;		/* NULL: 16 random bytes, base64url */
	const char *keyid;		/* required */
	const char *tag;		/* NULL: none */
	int omit_alg;			/* 1: no alg parameter (not lienlog policy) */
};

/* Header values to add to the request (NUL-terminated). */
struct httpsig_signed {
	char signature_input[HTTPSIG_FIELD_MAX + 1];
	char signature[HTTPSIG_FIELD_MAX + 1];
	char content_digest[HTTPSIG_DIGEST_LEN + 1];
};

/* Sign req with key. Content-Digest is computed from req->body and used
 * for the "content-digest" component (any such header in req is
 * ignored). Statuses: LIEN_EINVAL (bad params, e.g. a component that is
 * not a valid identifier, a value with CR/LF), LIEN_EPARSE (a covered
 * header absent from req), LIEN_ETOOBIG, LIEN_EKEY (public key), or
 * pkey_sign's. out is zeroed on failure. */
enum lien_status httpsig_sign(const struct httpsig_request *req,
    const struct pkey *key, const struct httpsig_sign_params *p,
    struct httpsig_signed *out) LIEN_MUST_CHECK;

/* The signature base (RFC 9421 2.5) that verification of label computes,
 * for tests and docs: NUL-terminated in out (cap bytes), *out_len
 * without the NUL. Parses Signature-Input like httpsig_verify (without
 * checking policy or signature); LIEN_EPARSE etc. with *why set. */
enum lien_status httpsig_base_build(const struct httpsig_request *req,
    const char *label, char *out, size_t cap, size_t *out_len,
    enum httpsig_reason *why) LIEN_MUST_CHECK;

#endif
