/*
 * The client side of the registration API (docs/api-registration.md),
 * reusable by `lienlogd --demo` (demo/demo.c), `lienlog load` and tests:
 *
 *   build   the JSON bodies of the contract (mortgage, release, decision,
 *           restriction, vehicle, filings) with the application digest
 *           (SHA-256 of the RFC 8785 form of "application", registry/jcs.h)
 *           and face-ID / SMS tokens minted with a provider's key
 *           (crypto/jws.h), bound to nonce = digest and sub = the owner's
 *           identity commitment;
 *   sign    RFC 9421 + RFC 9530 headers (crypto/httpsig.h) over "@method"
 *           "@authority" "@path" "content-digest" and, on every write, a
 *           fresh Idempotency-Key (crypto/idemkey.h) it also covers, as
 *           `lienlog submit`;
 *   send    over one keep-alive connection (client/httpconn.h: lean
 *           HTTP/1.1, the replies of lienlogd only);
 *   verify  every receipt offline: the embedded checkpoint is a signed
 *           note of the log key (crypto/note.h) and the inclusion proof
 *           leads from the leaf hash to its root (RFC 9162 2.1.3.2).
 *
 * A `struct regclient` holds one connection and is used by one thread at a
 * time; parties, issuers and the log key are borrowed and may be shared by
 * many clients. Nothing here prints.
 */
#ifndef LIEN_CLIENT_REGCLIENT_H
#define LIEN_CLIENT_REGCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "crypto/jws.h"
#include "crypto/note.h"
#include "crypto/pkey.h"
#include "crypto/cert.h"
#include "crypto/httpsig.h"

#define REGCLIENT_COMMIT_LEN 32u
#define REGCLIENT_APP_ID_LEN 17u	/* "A" + 16 hex digits */
#define REGCLIENT_CODE_MAX 63u		/* error code kept from a reply */
#define REGCLIENT_STATUS_MAX 31u
#define REGCLIENT_OWNER_CODE_MAX 47u	/* >= api/owner.h OWNER_CODE_MAX - 1 */
/* Largest reply kept (a receipt with a 64-hash proof and a checkpoint
 * with cosignatures is far smaller). */
#define REGCLIENT_REPLY_MAX (256u * 1024u)
/* Token lifetime we mint (docs/trust.md: token_lifetime_max >= this). */
#define REGCLIENT_TOKEN_LIFETIME 300

/* A request-signing party: its private key and the keyid of its
 * certificate (docs/identity.md). */
struct regclient_party {
	struct pkey *key;			/* owned; private */
	char keyid[CERT_KEYID_HEX_LEN + 1];
};

/* Load from PKCS#8 PEM key text and PEM certificate text; the key must be
 * the certificate's. *out cleared on failure. LIEN_EPARSE, LIEN_EKEY (a
 * public key, or not the certificate's), LIEN_ENOMEM. */
enum lien_status regclient_party_load(const char *key_pem, size_t key_len,
    const char *cert_pem, size_t cert_len, struct regclient_party *out)
    LIEN_MUST_CHECK;
void regclient_party_clear(struct regclient_party *p);

/* A token provider (face-ID or SMS): its private key (Ed25519 or P-256),
 * the kid and the iss its JWKS entry binds (docs/trust.md). */
struct regclient_issuer {
	struct pkey *key;			/* owned; private */
	char kid[JWS_KID_MAX + 1];
	char iss[TRUST_ISS_MAX + 1];
};
void regclient_issuer_clear(struct regclient_issuer *i);

/* ---- tokens (docs/identity.md) ------------------------------------------ */

/* Face-ID token: {iss, aud, iat, exp = iat + REGCLIENT_TOKEN_LIFETIME,
 * sub, nonce, liveness, match} signed by the issuer. *out: caller frees
 * with free(). */
enum lien_status regclient_face_token(const struct regclient_issuer *is,
    const char *aud, const uint8_t sub[REGCLIENT_COMMIT_LEN],
    const uint8_t nonce[HASH_LEN], uint32_t liveness, uint32_t match,
    int64_t now, char **out) LIEN_MUST_CHECK;

/* SMS attestation: {iss, aud, iat, exp, sub = rep phone commitment,
 * act = actor identity commitment, org = uscc, nonce}. */
enum lien_status regclient_sms_token(const struct regclient_issuer *is,
    const char *aud, const uint8_t rep_phone[REGCLIENT_COMMIT_LEN],
    const uint8_t actor[REGCLIENT_COMMIT_LEN], const char *uscc,
    const uint8_t nonce[HASH_LEN], int64_t now, char **out)
    LIEN_MUST_CHECK;

/* ---- bodies ---------------------------------------------------------------
 * Every builder: *out malloc'd compact JSON (NUL-terminated, *out_len
 * without it), caller frees with free(); NULL on failure. Strings are
 * UTF-8 and are not validated here (the server does; a load generator
 * must be able to send bad input). LIEN_EINVAL for a missing required
 * argument, LIEN_ENOMEM, or what jcs/jws return. */

/* What a mortgage and a release application both carry: the bank that
 * files it, the vehicle, and the owner's consent (the face token) or, for
 * a company owner, also its legal representative's (the SMS token). */
struct regclient_request {
	/* the signing bank's party id (its USCC): the tokens are bound to
	 * it (registry_application_digest) */
	const char *mortgagee;
	const char *vin;
	const char *owner_id_number;	/* the owner (or acting employee) */
	/* identity commitment of owner_id_number, from
	 * POST /v1/identity-commitments: the face token's sub */
	const uint8_t *owner_commit;
	uint32_t liveness, match;	/* face scores, basis points */
	/* Company owner (optional, uscc != NULL): the legal
	 * representative's phone, its commitment (the SMS token's sub). */
	const char *uscc;
	const char *legal_rep_phone;
	const uint8_t *rep_phone_commit;
};

struct regclient_mortgage {
	struct regclient_request rq;
	const char *plate, *plate_type, *certificate_number;
	const char *contract_number;
	const char *owner_name;		/* optional */
	const char *owner_phone;	/* optional */
	const char *term_end;		/* optional: "YYYY-MM-DD", the loan's
					 * term end (due-release reminders) */
};

/* {"application":{...},"face_token":..., ["company":{...}]}: the face
 * token (and the SMS token of a company owner) bound to the application
 * digest of m->rq.mortgagee (registry/registry.h
 * registry_application_digest), which *digest (optional) receives. sms
 * may be NULL unless m->rq.uscc is set. */
enum lien_status regclient_mortgage_body(const struct regclient_issuer *face,
    const struct regclient_issuer *sms, const char *aud,
    const struct regclient_mortgage *m, int64_t now, char **out,
    size_t *out_len, uint8_t digest[HASH_LEN]) LIEN_MUST_CHECK;

struct regclient_release {
	struct regclient_request rq;	/* mortgagee: the releasing bank */
	const char *mortgage;		/* the mortgage's application id */
};

/* {"application":{"vin","mortgage","owner":{"id_number"}},"face_token",
 * ["company"]}, bound like a mortgage body. */
enum lien_status regclient_release_body(const struct regclient_issuer *face,
    const struct regclient_issuer *sms, const char *aud,
    const struct regclient_release *r, int64_t now, char **out,
    size_t *out_len, uint8_t digest[HASH_LEN]) LIEN_MUST_CHECK;

/* POST /v1/vouchers: {"vin","purpose":"mortgage","contract_number"} or
 * {"vin","purpose":"release","mortgage"}, with "valid_days" when
 * valid_days > 0 (docs/api-registration.md "Counter applications"):
 * exactly one of contract_number, mortgage. */
enum lien_status regclient_voucher_body(const char *vin,
    const char *contract_number, const char *mortgage, int valid_days,
    char **out, size_t *out_len) LIEN_MUST_CHECK;

/* A counter application, filed by an officer: the owner's identity
 * document checked in person (id_document: "resident_id", ...), the bank
 * (mortgagee) and its voucher, or for a release instead the phone
 * confirmation (phone_contact: the bank's filed contact the officer
 * called, bank_staff: who confirmed). kind_release: m->vin, m->mortgage
 * (no plate ...); else the mortgage fields of m. */
struct regclient_counter {
	const char *mortgagee, *voucher, *id_document;
	const char *phone_contact, *bank_staff;
	const char *vin, *plate, *plate_type, *certificate_number;
	const char *contract_number, *term_end;	/* mortgage */
	const char *mortgage;			/* release */
	const char *owner_id_number, *owner_name, *owner_phone;
};

/* {"application":{..., "mortgagee"},"id_check":{"document"},"voucher"}
 * or with "phone_confirmation":{"contact","bank_staff"} instead. */
enum lien_status regclient_counter_body(int kind_release,
    const struct regclient_counter *m, char **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* {"decision":"approve|reject|in_person_review"[,"reason"]}. */
enum lien_status regclient_decision_body(const char *decision,
    const char *reason, char **out, size_t *out_len) LIEN_MUST_CHECK;

/* {"action":"set|lift","restriction":...,"reference":...}. */
enum lien_status regclient_restriction_body(const char *action,
    const char *restriction, const char *reference, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* {"vin","plate","plate_type","certificate_number","owner":{"id_number"}}. */
enum lien_status regclient_vehicle_body(const char *vin, const char *plate,
    const char *plate_type, const char *certificate_number,
    const char *owner_id_number, char **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* The same for a company owner: "owner":{"uscc"} (docs/api-registration.md
 * "Company owners"). */
enum lien_status regclient_company_vehicle_body(const char *vin,
    const char *plate, const char *plate_type, const char *certificate_number,
    const char *owner_uscc, char **out, size_t *out_len) LIEN_MUST_CHECK;

/* POST /v1/institutions: {"uscc","name","certificate"} (certificate as
 * the bare base64 of its DER, one of the forms cert_parse_text takes). */
enum lien_status regclient_institution_body(const char *uscc,
    const char *name, const char *cert_pem, size_t cert_len, char **out,
    size_t *out_len) LIEN_MUST_CHECK;
/* The same with "contact", the institution's switchboard (public; the
 * office calls it to confirm a legacy release). */
enum lien_status regclient_institution_contact_body(const char *uscc,
    const char *name, const char *contact, const char *cert_pem,
    size_t cert_len, char **out, size_t *out_len) LIEN_MUST_CHECK;

/* POST /v1/parties: {"party","role","name","certificate"}. */
enum lien_status regclient_party_body(const char *party, const char *role,
    const char *name, const char *cert_pem, size_t cert_len, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* ---- signing -------------------------------------------------------------- */

/* Sign POST/GET authority+path with body (docs/request-signing.md):
 * components "@method" "@authority" "@path" "content-digest" (and
 * "idempotency-key" with idem_key: the request then carries
 * `Idempotency-Key: "<idem_key>"`, crypto/idemkey.h), created, a fresh
 * random nonce, keyid, alg. idem_key NULL: none. out as httpsig_sign. */
enum lien_status regclient_sign(const struct regclient_party *p,
    const char *method, const char *authority, const char *path,
    const uint8_t *body, size_t len, int64_t created, const char *idem_key,
    struct httpsig_signed *out) LIEN_MUST_CHECK;

/* ---- receipts ------------------------------------------------------------- */

struct regclient_receipt {
	char app_id[REGCLIENT_APP_ID_LEN + 1];	/* "" when absent */
	char status[REGCLIENT_STATUS_MAX + 1];	/* "" when absent */
	/* the owner access code (查询码) of an application, "" when absent */
	char owner_code[REGCLIENT_OWNER_CODE_MAX + 1];
	/* a voucher's id (V + 16 hex digits), "" when absent */
	char voucher_id[REGCLIENT_APP_ID_LEN + 1];
	uint64_t entry_type;
	uint64_t index;
	uint64_t tree_size;
	uint8_t leaf_hash[HASH_LEN];
	size_t nanomalies;
	int replayed;
};

/* Cache of checkpoints whose signature verified, by the SHA-256 of the
 * exact note bytes: receipts of one batch share a checkpoint, and the
 * note signature is the expensive half of a receipt check. A hit still
 * re-parses the note and checks the proof against its root; only the
 * signature check is skipped, for bytes identical to ones that verified.
 * Safe to share between threads (a spin lock around a small ring); zero
 * it to start. */
#define REGCLIENT_CPCACHE_WAYS 16u
struct regclient_cpcache {
	_Atomic int lock;
	unsigned next;
	unsigned n;
	uint8_t digest[REGCLIENT_CPCACHE_WAYS][HASH_LEN];
};

/* Parse a receipt (docs/api-registration.md) strictly enough to trust
 * it: index < tree_size, leaf_hash and proof hashes canonical base64 of
 * 32 bytes, at most MERKLE_PROOF_MAX of them; the checkpoint is a note
 * signed by log whose origin is the key's name and whose size equals
 * tree_size; the proof verifies the leaf hash at index against its root.
 * cache may be NULL. Statuses: LIEN_OK, LIEN_EPARSE (malformed receipt or
 * checkpoint), LIEN_EVERIFY (signature or proof fails, sizes differ);
 * *out is zeroed on failure. */
enum lien_status regclient_receipt_verify(const struct note_verifier *log,
    const char *body, size_t len, struct regclient_cpcache *cache,
    struct regclient_receipt *out) LIEN_MUST_CHECK;

/* ---- the connection -------------------------------------------------------- */

struct regclient_config {
	const char *url;	/* "http://HOST:PORT" (no path) */
	long timeout_ms;	/* whole request; 0: 30000 */
};

struct regclient;

/* *out: regclient_free. Nothing is connected before the first request.
 * LIEN_EINVAL for a URL that is not http://host[:port]. */
enum lien_status regclient_new(const struct regclient_config *cfg,
    struct regclient **out) LIEN_MUST_CHECK;
void regclient_free(struct regclient *rc);

struct regclient_reply {
	long http;		/* HTTP status; 0 when none came */
	char *body;		/* malloc'd, NUL-terminated; may be NULL */
	size_t len;
	char code[REGCLIENT_CODE_MAX + 1];	/* error "code", or "" */
};
void regclient_reply_clear(struct regclient_reply *r);

/* Sign (as p, created = now) and send method path with body (GET: body
 * NULL, 0). LIEN_OK when an HTTP answer came, whatever its status (see
 * out->http and out->code); LIEN_EIO when none did (connection, timeout),
 * LIEN_ETOOBIG above REGCLIENT_REPLY_MAX; signing statuses. */
enum lien_status regclient_send(struct regclient *rc,
    const struct regclient_party *p, const char *method, const char *path,
    const char *body, size_t len, int64_t now, struct regclient_reply *out)
    LIEN_MUST_CHECK;

/* regclient_send with a chosen Idempotency-Key (docs/api-registration.md
 * "Retries and Idempotency-Key"): idem_key NULL makes a fresh UUIDv7 for
 * now (what regclient_send does: every write carries one), "" sends none,
 * anything else is sent as given (a retry passes the key of the request
 * it repeats; LIEN_EINVAL unless IDEMKEY_LEN characters). */
enum lien_status regclient_send_idem(struct regclient *rc,
    const struct regclient_party *p, const char *method, const char *path,
    const char *body, size_t len, int64_t now, const char *idem_key,
    struct regclient_reply *out) LIEN_MUST_CHECK;

/* POST /v1/identity-commitments {"<kind>": value} as p; kind "id_number"
 * or "phone". LIEN_OK with out filled on 200; LIEN_EVERIFY with
 * *http set (optional) for another status; LIEN_EPARSE for a malformed
 * answer; LIEN_EIO. */
enum lien_status regclient_commitment(struct regclient *rc,
    const struct regclient_party *p, const char *kind, const char *value,
    int64_t now, uint8_t out[REGCLIENT_COMMIT_LEN], long *http)
    LIEN_MUST_CHECK;

#endif
