/*
 * Internal to the registration API (api/reg_http.c, api/routes_reg.c):
 * the per-request pipeline of docs/architecture.md section 3 as a small
 * set of steps a handler strings together:
 *
 *   reg_begin   registration enabled?  body read (Content-Length only,
 *               API_BODY_MAX, a deadline against slow bodies), trust
 *               reference, one ledger view, RFC 9421 authentication with
 *               the ledger's party table and nonce pre-check, access-log
 *               party/role, the Idempotency-Key (signed, one, well
 *               formed, not expired)
 *   reg_json    strict JSON body (registry/jcs.h)
 *   reg_*       field readers that answer 400 with a stable code
 *   reg_submit  signer + evidence into struct reg_request, the signed
 *               request sealed under the chosen key (reg_seal_with:
 *               the subject's, else the system key), ledger_append_item
 *               (registry_build), refusal -> HTTP (one table), 201
 *               receipt or 200 original receipt on replay
 *   reg_end     release everything
 *
 * Everything large lives in the heap-allocated struct reg_call: civetweb
 * workers have a 100 KiB stack (DEPS.md).
 *
 * The steps follow the one convention (docs/architecture.md "Return
 * conventions"): LIEN_OK to go on; any other status names the failure
 * and means its HTTP reply has been sent, so the handler only cleans up
 * (the one exception, reg_submit's retry, is flagged in c->retry).
 */
#ifndef LIEN_API_REG_INT_H
#define LIEN_API_REG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "api/app.h"
#include "api/auth.h"
#include "httpd/http.h"
#include "api/trust.h"
#include "crypto/idemkey.h"
#include "registry/registry.h"
#include "api/subject.h"

struct reg_call {
	struct api_req *rq;
	struct api_app *app;
	struct trust *trust;		/* reference; NULL before begin */
	struct ledger_view *view;	/* the request's snapshot */
	uint8_t *body;			/* malloc'd; NULL for an empty body */
	size_t body_len;
	/* The request digest (docs/api-registration.md "Evidence"):
	 * SHA-256(REG_REQ_TAG 0x00 || method 0x00 || path 0x00 || body),
	 * the entry's evidence.digest and so the idempotency key: it binds
	 * the target, so {"decision":"approve"} for two applications are two
	 * requests. */
	uint8_t req_digest[HASH_LEN];
	json_t *json;			/* parsed body (reg_json) */
	int64_t now;			/* Unix seconds, once per request */
	int authed;			/* auth holds a verified signer */
	struct auth_result auth;
	/* Party lookup scratch: the filed key of the signer (its DER must
	 * outlive auth_verify, so it lives here, not on the stack). */
	int party_filed;
	struct reg_party party;
	const char *sig_input;		/* Signature-Input value (borrowed) */
	size_t sig_input_len;
	const char *sig_header;		/* Signature value (borrowed) */
	size_t sig_header_len;
	/* The Idempotency-Key (crypto/idemkey.h), checked after the
	 * signature that covers it; "" when the request has none. */
	char idem_key[IDEMKEY_LEN + 1];
	struct reg_rules rules;
	/* What the evidence is sealed under (reg_seal_with; default: the
	 * system key) and whether a subject_retry refusal is handed back to
	 * the caller instead of answered. */
	const struct seal_key *seal;
	int seal_system;
	uint8_t seal_id[REG_SUBJECT_ID_LEN];
	const struct reg_keyrec *seal_newkey;
	const struct reg_keyrec *seal_newkey2;	/* a company's, created with
						 * its agent's entry */
	int may_retry;
	int retry;		/* reg_submit: nothing answered, look again */
};

/* Authentication demanded by a route. */
enum reg_auth_mode {
	REG_AUTH_REQUIRED = 0,	/* unsigned: 401 signature_missing */
	REG_AUTH_OPTIONAL = 1,	/* unsigned GETs get the public view */
};

/* Start a request: c is zeroed and filled. LIEN_OK to go on, else the
 * failure after its reply (reg_end must be called either way). roles:
 * allowed AUTH_ROLE_BIT set. */
enum lien_status reg_begin(struct reg_call *c, struct api_req *rq,
    uint32_t roles, enum reg_auth_mode mode) LIEN_MUST_CHECK;
void reg_end(struct reg_call *c);

/* Parse the body as one strict JSON object into c->json. LIEN_OK, or
 * LIEN_EPARSE / LIEN_ETOOBIG after replying 400 json_invalid / 413
 * json_too_large. */
enum lien_status reg_json(struct reg_call *c) LIEN_MUST_CHECK;

/* o must be an object whose members are all in req[] (every one present)
 * or opt[] (NULL-terminated lists; either may be NULL). what names o in
 * messages. LIEN_OK, or LIEN_EPARSE after replying 400 field_missing /
 * field_unknown / field_type. */
enum lien_status reg_keys(struct api_req *rq, const json_t *o,
    const char *what, const char *const *req, const char *const *opt)
    LIEN_MUST_CHECK;

/* The string member key of o into *out (p NULL when absent and not
 * required). LIEN_OK, or LIEN_EPARSE after replying 400 field_missing /
 * field_type. */
enum lien_status reg_str(struct api_req *rq, const json_t *o,
    const char *key, int required, struct reg_str *out) LIEN_MUST_CHECK;

/* An object member (NULL when absent and not required); as reg_str. */
enum lien_status reg_obj(struct api_req *rq, const json_t *o,
    const char *key, int required, const json_t **out) LIEN_MUST_CHECK;

/* Reply 400 with code and a message naming the field. Returns
 * LIEN_EPARSE, for "return reg_bad(...)"; not LIEN_MUST_CHECK: a handler
 * that answers and goes to its cleanup has nothing to look at. */
enum lien_status reg_bad(struct api_req *rq, const char *code,
    const char *message);

/* The comparable identity commitment (crypto/seal.h, salt keyed by the
 * system key) of value of kind, what face and SMS tokens carry as sub.
 * LIEN_OK or a seal status. */
enum lien_status reg_commit(const struct reg_call *c, enum seal_kind kind,
    const char *value, size_t len, uint8_t out[SEAL_COMMIT_LEN])
    LIEN_MUST_CHECK;

/* A keyed identifier ref(K_ref, label, a 0x00 b) (docs/privacy.md):
 * contract ("lienlog-contract-v1": bank, number), vehicle details
 * ("lienlog-details-v1": plate, type and certificate number joined by
 * the caller with 0x00). */
enum lien_status reg_ref(const struct reg_call *c, const char *label,
    const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[SEAL_REF_LEN]) LIEN_MUST_CHECK;

/* Seal this request's evidence under key (a subject key with its id, and
 * newkey when the subject's key is created with this entry); key NULL:
 * the system key. Borrowed until reg_submit returns. */
void reg_seal_with(struct reg_call *c, const struct seal_key *key,
    const uint8_t id[REG_SUBJECT_ID_LEN], const struct reg_keyrec *newkey);

/* Append req (kind, fields, face set by the caller; signer, evidence,
 * salt, idempotency key, rules, sealed request filled here) and reply:
 * LIEN_OK after a 201 receipt or a 200 original receipt (replay), else
 * the refusal's or failure's status after its reply. One exception sets
 * c->retry (cleared otherwise): c->may_retry was set and the registry
 * refused with "subject_retry"; nothing was appended or answered, and
 * c->view is open again for the caller to look the subject up anew.
 * Closes c->view before appending. */
enum lien_status reg_submit(struct reg_call *c, struct reg_request *req)
    LIEN_MUST_CHECK;

/* HTTP status for a registry refusal (status + reason code). */
int reg_refusal_http(enum lien_status st, const char *code);

#define REG_REQ_TAG "lienlog-request-v1"

/* The sealed evidence of an entry (docs/api-registration.md "Evidence"):
 * REG_EVIDENCE_TAG 0x00 method 0x00 path 0x00 Signature-Input 0x00
 * Signature 0x00 body: the whole signed request. The AD binds the box to
 * its key and its private record: REG_EVIDENCE_TAG 0x00 || key id (16
 * zero bytes: the system key) || the private record's salt. */
#define REG_EVIDENCE_TAG "lienlog-evidence-v2"
#define REG_SEAL_AD_LEN (sizeof(REG_EVIDENCE_TAG) + REG_SUBJECT_ID_LEN + \
	REG_SALT_LEN)

/* Longest a write's reply waits for its checkpoint to be cosigned by the
 * witness quorum (docs/witnessing.md): a little above the witness
 * request timeout plus one publication round. */
#define REG_RECEIPT_WITNESS_WAIT_MS 2500u
void reg_seal_ad(int key_system, const uint8_t id[REG_SUBJECT_ID_LEN],
    const uint8_t salt[REG_SALT_LEN], uint8_t out[REG_SEAL_AD_LEN]);

/* An opened sealed request (reg_evidence_open). field[0..4]: the tag,
 * method, path, Signature-Input and Signature (not NUL-terminated; see
 * field_len); body: the request body. All point into plain. */
struct reg_opened {
	uint8_t *plain;
	size_t plain_len, plain_cap;
	const char *field[5];
	size_t field_len[5];
	const uint8_t *body;
	size_t body_len;
	int key_system;
	uint8_t key_id[REG_SUBJECT_ID_LEN];
	struct seal_key *key;		/* the subject key; NULL: system */
	const uint8_t *box;		/* the sealed box (borrowed, view) */
	size_t box_len;
};

/* Open the sealed request of entry index as of c->view, with the key it
 * is sealed under and the salt of its private record. LIEN_ENOTFOUND: no
 * sealed evidence; LIEN_EKEY: its subject was erased (answer 410);
 * LIEN_EVERIFY: it does not open with this server's keys; LIEN_ECORRUPT,
 * LIEN_ENOMEM. o is cleared on failure. */
enum lien_status reg_evidence_open(struct reg_call *c, uint64_t index,
    struct reg_opened *o) LIEN_MUST_CHECK;

/* Wipes and frees the plaintext and the key; safe on a cleared o. */
void reg_opened_clear(struct reg_opened *o);

#endif
