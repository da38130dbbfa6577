/*
 * The registration state machine (issue 4, docs/registry.md): institutions
 * and parties filed by administrators, vehicles recorded by the police
 * registry, mortgage and release applications, officers' decisions and
 * vehicle restrictions, each one log entry with an RFC 8785 canonical JSON
 * payload.
 *
 *   registry_build   a ledger_build_fn (arg = struct reg_request *): runs
 *                    inside the sequencer's write transaction; decides
 *                    (party, replay, idempotency, MPS Order 164 rules),
 *                    classifies new applications (anomaly rules,
 *                    docs/anomaly-rules.md), writes the payload, then
 *                    applies it with registry_apply.
 *   registry_apply   the pure transition payload -> state changes, shared
 *                    by the sequencer and the audit replay.
 *   registry_replay_audit  replays the whole log into a scratch store,
 *                    re-checking every transition, and compares the result
 *                    with the stored state tables.
 *
 * Every entry has two halves (docs/privacy.md): the public payload that
 * goes into the log (only what table A of docs/privacy.md allows in
 * clear, plus "private", a salted commitment to the other half) and the
 * private record, kept by the server in LEDGER_T_PRIVATE under the entry
 * index (keyed identifiers computed by api/, the bank of an application,
 * signature parameters, anomaly reasons). Public state (apps, vehicles,
 * parties, index) is a function of the public payloads alone; private
 * state (pstate, nonces, idem) of the private records and the public
 * state. Personal data never enters this module in clear: only keyed
 * identifiers (crypto/keyring.h) computed by api/. The module never
 * prints, never reads a clock (time is the entry's), and is
 * deterministic.
 */
#ifndef LIEN_REGISTRY_REGISTRY_H
#define LIEN_REGISTRY_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "ledger/ledger.h"

/* Entry types (envelope `type`). 0..15 are reserved for the log itself
 * (entry.h); values are stable forever. */
enum reg_type {
	REG_T_FIRST = 16,
	REG_T_INSTITUTION_FILE = 16,	/* admin files a bank (or a new key) */
	REG_T_INSTITUTION_STATUS = 17,	/* admin: suspend/reinstate/revoke */
	REG_T_PARTY_FILE = 18,		/* admin files officer/registry/auditor */
	REG_T_PARTY_STATUS = 19,
	REG_T_VEHICLE_RECORD = 20,	/* registry records a vehicle */
	REG_T_MORTGAGE_APPLICATION = 21,/* bank */
	REG_T_RELEASE_APPLICATION = 22,	/* bank (the mortgagee) */
	REG_T_DECISION = 23,		/* officer */
	REG_T_RESTRICTION = 24,		/* registry: set/lift */
	REG_T_STATE_HANDOVER = 25,	/* not a signed request: the state
					 * hand-over of a successor log at a
					 * key rotation (registry/handover.c,
					 * docs/key-rotation.md); 26, 27 are
					 * its unused */
	REG_T_ERASURE = 28,		/* admin: erase a subject's key */
	/* 30..39: the service pieces (issue 17) */
	REG_T_DELIVERY_EVENT = 30,	/* post office / officer: a step of
					 * the certificate's EMS delivery */
	REG_T_VOUCHER = 31,		/* bank: a single-use consent voucher
					 * for a counter application (凭单) */
	REG_T_LAST = 31
};
/* 1 for the registry's signed-request entry types (16..24, 28, 30, 31); the
 * state hand-over (25) is applied by the audit itself, 26, 27 are
 * unused. */
int registry_type_known(unsigned type);

/* Roles; values equal enum auth_role (api/auth.h). */
enum reg_role {
	REG_ROLE_NONE = 0,
	REG_ROLE_INSTITUTION = 1,
	REG_ROLE_OFFICER = 2,
	REG_ROLE_REGISTRY = 3,
	REG_ROLE_AUDITOR = 4,
	REG_ROLE_ADMIN = 5,
	REG_ROLE_POST = 6,		/* the post office (EMS): delivery */
};

/* Party / key status; values equal enum auth_party_status. */
enum reg_party_status {
	REG_PARTY_ACTIVE = 1,
	REG_PARTY_SUSPENDED = 2,
	REG_PARTY_REVOKED = 3,
};

enum reg_status_action {
	REG_ACTION_SUSPEND = 1,
	REG_ACTION_REINSTATE = 2,
	REG_ACTION_REVOKE = 3,
};

enum reg_decision {
	REG_DECIDE_APPROVE = 1,
	REG_DECIDE_REJECT = 2,
	REG_DECIDE_IN_PERSON = 3,	/* divert to in-person review (art. 74) */
};

/* Vehicle restrictions (MPS Order 164 art. 36). */
enum reg_restriction {
	REG_RESTR_SEIZED = 1,		/* 查封 */
	REG_RESTR_DETAINED = 2,		/* 扣押 */
	REG_RESTR_STOLEN = 3,		/* stolen or defrauded */
	REG_RESTR_SCRAPPED = 4,		/* reached the scrapping standard */
	REG_RESTR_CUSTOMS = 5,		/* under customs supervision */
};

/* Legal bases of an erasure (PIPL art. 47 paragraph 1, docs/privacy.md
 * "Erasure"). */
enum reg_erasure_basis {
	REG_BASIS_PURPOSE = 1,		/* "pipl47_purpose" */
	REG_BASIS_SERVICE = 2,		/* "pipl47_service" */
	REG_BASIS_CONSENT = 3,		/* "pipl47_consent" */
	REG_BASIS_UNLAWFUL = 4,		/* "pipl47_unlawful" */
	REG_BASIS_OTHER = 5,		/* "pipl47_other" */
};

/* The registration certificate's EMS delivery (上门揽收、中心签注、送证
 * 到家, docs/registry.md "Certificate delivery"): events in this order,
 * `returned` allowing a new `dispatched`; the application is complete
 * only when `delivered`. */
enum reg_delivery_event {
	REG_DELIVERY_PICKED_UP = 1,	/* post: collected from the owner */
	REG_DELIVERY_ENDORSED = 2,	/* officer: endorsed at the centre */
	REG_DELIVERY_DISPATCHED = 3,	/* post: sent to the owner */
	REG_DELIVERY_DELIVERED = 4,	/* post: handed to the owner */
	REG_DELIVERY_RETURNED = 5,	/* post: could not be delivered */
};

/* The identity document an officer checked in person at the counter
 * (窗口兜底, docs/registry.md "Counter applications"): the counter
 * application's attestation instead of a face token. */
enum reg_id_document {
	REG_IDDOC_NONE = 0,
	REG_IDDOC_RESIDENT_ID = 1,	/* "resident_id": 居民身份证 */
	REG_IDDOC_TEMPORARY_ID = 2,	/* "temporary_resident_id" */
	REG_IDDOC_PASSPORT = 3,		/* "passport" */
	REG_IDDOC_HKMO_PERMIT = 4,	/* "hk_macao_permit" (回乡证) */
	REG_IDDOC_TW_PERMIT = 5,	/* "taiwan_permit" (台胞证) */
	REG_IDDOC_FOREIGN_PR = 6,	/* "foreign_permanent_resident_id" */
};

/* A voucher id: "V" + 16 lowercase hex digits of the voucher entry's
 * application id value (base + index), like an application id. */
#define REG_VOUCHER_ID_LEN 17u
/* A voucher is valid for 1..REG_VOUCHER_DAYS_MAX days from its entry. */
#define REG_VOUCHER_DAYS_MAX 30u
#define REG_DAY_MS (24ull * 3600 * 1000)
/* An institution's contact: 3..20 of digits, '-', a leading '+'. */
#define REG_CONTACT_MAX 20u
int registry_contact_valid(const char *s, size_t len);

enum reg_face_verdict {
	REG_FACE_NONE = 0,		/* no face token in this request */
	REG_FACE_PASS = 1,
	REG_FACE_GREY = 2,
};

/* Application id: "A" + 16 lowercase hex digits of the log index of the
 * application entry (docs/registry.md). */
#define REG_APP_ID_LEN 17u
#define REG_PARTY_ID_MAX AUTH_PARTY_ID_MAX
#define REG_NAME_MAX 256u		/* institution / party display name */
#define REG_REASON_MAX 512u		/* free-text reasons and references */
#define REG_KEYID_HEX_LEN 64u
#define REG_COMMIT_LEN 32u		/* commitments, keyed identifiers */
#define REG_SALT_LEN 32u		/* the private record's salt */
#define REG_SUBJECT_ID_LEN 16u		/* a subject (person) key id */
#define REG_WRAPPED_MAX 128u		/* a wrapped subject key */
/* Per-record caps (refused beyond them, never truncated). */
#define REG_PARTY_KEYS_MAX 16u		/* keys per party */
#define REG_VEHICLE_LIENS_MAX 64u	/* mortgages per vehicle, all time */
/* Anomaly windows are at most this long: window records older than this
 * are expired by every apply (a fixed constant, so replay is exact). */
#define REG_WINDOW_KEEP_MS (31ull * 24 * 3600 * 1000)
#define REG_BUCKET_MS 60000ull		/* burst counters: one per minute */
/* Entry times and indexes the registry accepts: below 2^52 (the year
 * 144,683 in ms), so every time or index it stores in state, plus any
 * window, stays a JSON safe integer (RFC 8785, 2^53 - 1). The sequencer's
 * clock never comes near; a forged log that does is corrupt. */
#define REG_TIME_MAX (1ull << 52)
#define REG_INDEX_MAX (1ull << 52)
/* Idempotency keys (docs/api-registration.md "Retries"): a used key is
 * remembered until its own time (the UUIDv7's first 48 bits) plus
 * REG_IDEM_KEEP_MS; from then on a request carrying it is refused as
 * expired, never taken for a new action. A key may be at most
 * REG_IDEM_FUTURE_MS ahead of the entry time (client clock skew), which
 * bounds how long any record can live. Constants, so replay is exact. */
#define REG_IDEM_KEEP_MS (24ull * 3600 * 1000)
#define REG_IDEM_FUTURE_MS (10ull * 60 * 1000)

/* Anomaly thresholds (docs/anomaly-rules.md). A zero count or window
 * disables its rule. Windows above REG_WINDOW_KEEP_MS are clamped. */
struct reg_rules {
	uint64_t nonce_window_ms;	/* nonce kept created+window; 300 s */
	int face_grey;			/* divert grey face verdicts; 1 */
	uint64_t multi_bank_window_ms;	/* 30 days */
	uint32_t multi_bank_min;	/* distinct banks per vehicle; 2 */
	uint64_t inst_burst_window_ms;	/* 60 s */
	uint32_t inst_burst_max;	/* applications per window; 1000 */
	uint64_t owner_burst_window_ms;	/* 24 h */
	uint32_t owner_burst_max;	/* applications per window; 3 */
	uint64_t cert_expiry_ms;	/* signer cert expires within; 7 days */
	uint64_t release_soon_ms;	/* release after approval within; 3 d */
	int owner_check;		/* owner/vehicle record checks; 1 */
};

/* Fill r with the documented defaults. */
void registry_rules_default(struct reg_rules *r);

/* A borrowed string: p == NULL means absent. Never NUL-dependent. */
struct reg_str {
	const char *p;
	size_t len;
};

/* The authenticated signer (api/auth.c's auth_result). */
struct reg_signer {
	struct reg_str party;		/* party id */
	enum reg_role role;
	uint8_t keyid[HASH_LEN];	/* SHA-256 of the certificate DER (= the
					 * certificate fingerprint; hex on the
					 * wire as the RFC 9421 keyid) */
	uint64_t not_after_ms;		/* certificate notAfter */
};

/* The request signature's parameters (RFC 9421), kept in the private
 * record: the replay window and retries are recomputed from them. The
 * Signature-Input field and the signature bytes are kept only in the
 * sealed evidence (the whole signed request), and the request
 * digest only keyed (digest): an unsalted digest of a body with guessable
 * personal data, or a signature over it, would be an oracle
 * (docs/privacy.md). */
struct reg_evidence {
	/* The request digest (api/reg_int.h) keyed by the key the request
	 * is sealed under: ref(K, "lienlog-request-v2", digest), computed by
	 * api/. Retries compare it (Idempotency-Key, the same signed
	 * request). */
	uint8_t digest[HASH_LEN];
	int64_t created;		/* Unix seconds */
	struct reg_str nonce;		/* 1..HTTPSIG_PARAM_MAX bytes */
	struct reg_str alg;		/* "ed25519", ... */
	/* The Idempotency-Key the signature covered (crypto/idemkey.h: the
	 * IDEMKEY_LEN-character UUIDv7 text, without its quotes); p NULL
	 * when the request carried none. */
	struct reg_str idem_key;
};

/* A subject key to create in the entry's transaction (the subject's first
 * request): LEDGER_T_SUBJECTS gets id || commit || wrapped under the
 * entry's index and LEDGER_T_KEYS the lookups by commit and by id
 * (registry/registry.c "Subject keys"). If the commit already names a
 * live key (a concurrent first request won), the build refuses with
 * "subject_retry" and api/ starts over. commit is the subject's identity
 * commitment (the `sub` of its face tokens), which both a subject's
 * requests and an owner's read by face token look the key up by. */
struct reg_keyrec {
	uint8_t commit[REG_COMMIT_LEN];
	uint8_t id[REG_SUBJECT_ID_LEN];
	const uint8_t *wrapped;
	size_t wrapped_len;		/* 1..REG_WRAPPED_MAX */
};

/* The face-ID token as evidence (api/evidence.c's evidence_result). */
struct reg_face {
	enum reg_face_verdict verdict;	/* NONE: no token */
	uint8_t token_digest[HASH_LEN];	/* SHA-256 of the compact token */
	uint32_t liveness, match;	/* basis points 0..10000 */
	struct reg_str issuer;
};

/* What api/ hands registry_build. All pointers are borrowed for the call.
 * Fields not used by kind must be zero. */
struct reg_request {
	enum reg_type kind;
	struct reg_signer signer;
	struct reg_evidence ev;
	struct reg_face face;

	/* INSTITUTION_FILE (party = USCC) / PARTY_FILE / *_STATUS */
	struct reg_str party;		/* target party id */
	enum reg_role party_role;	/* PARTY_FILE: officer|registry|auditor */
	struct reg_str name;		/* *_FILE: display name (public) */
	/* INSTITUTION_FILE, optional: the institution's switchboard for the
	 * registration office (public: an organisation's number, never a
	 * person's; docs/privacy.md); a later filing replaces it */
	struct reg_str contact;
	const uint8_t *cert_der;	/* *_FILE: the party's certificate */
	size_t cert_der_len;
	uint64_t cert_not_after_ms;	/* *_FILE: its notAfter */
	enum reg_status_action action;	/* *_STATUS */
	int has_target_key;		/* *_STATUS: act on one key only */
	uint8_t target_keyid[HASH_LEN];

	/* VEHICLE_RECORD / MORTGAGE / RELEASE / RESTRICTION: the VIN, from
	 * which the registry derives the public vehicle key (it never
	 * stores the VIN) */
	struct reg_str vin;
	/* keyed identifiers (docs/privacy.md, table B), computed by api/ */
	uint8_t owner[REG_COMMIT_LEN];	/* owner_ref: VEHICLE, MORTGAGE,
					 * RELEASE: a company's when
					 * owner_company */
	/* The owner is a company (docs/api-registration.md "Company
	 * owners"): VEHICLE_RECORD records it so ("owner_kind":"company",
	 * private); MORTGAGE and RELEASE then carry the acting person's
	 * owner reference (agent, the face-verified one) and the legal
	 * representative's SMS authorisation (sms), which api/ verified. */
	int owner_company;
	uint8_t agent[REG_COMMIT_LEN];
	struct reg_sms {
		int present;
		uint8_t token_digest[HASH_LEN];	/* SHA-256 of the JWS */
		struct reg_str issuer;
	} sms;
	uint8_t details[REG_COMMIT_LEN];/* plate, type, certificate number:
					 * VEHICLE, MORTGAGE */
	uint8_t contract[REG_COMMIT_LEN];	/* bank + contract: MORTGAGE */
	/* MORTGAGE, optional: the loan's term end "YYYY-MM-DD" (private
	 * record `term_end`; due-release reminders, docs/notices.md) */
	struct reg_str term_end;

	/* RELEASE: the mortgage's application id; DECISION: the target */
	struct reg_str app;
	enum reg_decision decision;	/* DECISION */
	/* Free text (DECISION: required for reject; *_STATUS): checked for
	 * presence and length only; the text itself is in the sealed
	 * evidence, never in the entry or the state. */
	struct reg_str reason;
	int restriction_set;		/* RESTRICTION: 1 set, 0 lift */
	enum reg_restriction restriction;
	struct reg_str reference;	/* RESTRICTION: sealed only, as reason */

	/* DELIVERY_EVENT (app = the application): the event, and the EMS
	 * tracking number (required with picked_up, optional with
	 * dispatched, else absent): checked like reason, sealed only */
	enum reg_delivery_event delivery_event;
	struct reg_str tracking;

	/* Counter applications (MORTGAGE / RELEASE filed by an officer at
	 * the counter, channel "counter"): counter = 1, the document the
	 * officer checked in person (no face token), the bank (mortgagee,
	 * a USCC) whose consent the application carries, and that consent:
	 * the bank's voucher id, or for a legacy release (the bank mailed
	 * the certificate back) the bank's filed contact the officer
	 * called to confirm it (phone_contact; the bank employee's name is
	 * sealed only). Exactly one of voucher, phone_contact. */
	int counter;
	enum reg_id_document id_document;
	struct reg_str mortgagee;
	struct reg_str voucher;
	struct reg_str phone_contact;
	/* VOUCHER (the bank signs): vin; voucher_release = 1 for a release
	 * (app = the mortgage), 0 for a mortgage (contract = the keyed
	 * contract reference); valid for valid_days (1..30) from the
	 * entry's time. */
	int voucher_release;
	uint32_t valid_days;

	/* ERASURE: the subject key id and the legal basis */
	uint8_t subject[REG_SUBJECT_ID_LEN];
	enum reg_erasure_basis basis;

	/* Every entry: the private record's salt (random, from api/) and
	 * the key the evidence is sealed under (key_system: the system key;
	 * else key_id). */
	uint8_t salt[REG_SALT_LEN];
	int key_system;
	uint8_t key_id[REG_SUBJECT_ID_LEN];
	/* subject keys created with this entry (a company's and its
	 * agent's at most); NULL: none */
	const struct reg_keyrec *newkey[2];

	/* Sealed evidence (seal_box output, <= SEAL_SEALED_MAX), stored in
	 * LEDGER_T_SEALED under the entry index (be64), the box alone (the
	 * key id is the private record's `key`); its SHA-256 is in the
	 * private record. Required. */
	const uint8_t *sealed;
	size_t sealed_len;

	const struct reg_rules *rules;	/* borrowed; NULL = defaults */

	/* ---- OUT ---- */
	const char *refusal;		/* stable reason code (static) when
					 * the build refuses; NULL otherwise */
	char app_id[REG_APP_ID_LEN + 1];/* new or decided application;
					 * VOUCHER: the new voucher id */
	const char *app_status;		/* "submitted", "in_person_review",
					 * "approved", "rejected" (static) */
	unsigned anomalies;		/* REG_ANOMALY_* bits that diverted it */
	uint64_t original_index;	/* LIEN_EEXIST: the original entry */
	/* The vehicle whose lien-status record the entry changed (the last
	 * one it stored), as its VIN, or "" (docs/lien-status.md): the
	 * receipt names its status proof. Set from `vin` (the registry
	 * keeps no VIN): "" for a decision unless api/ sets `vin` to the
	 * application's VIN, which it opened from the sealed application. */
	char status_vin[17 + 1];
};

/* Anomaly bits (reason codes in docs/anomaly-rules.md). */
#define REG_ANOMALY_FACE_GREY 0x001u		/* "face_grey" */
#define REG_ANOMALY_OWNER_MISMATCH 0x002u	/* "owner_mismatch" */
#define REG_ANOMALY_VEHICLE_UNRECORDED 0x004u	/* "vehicle_unrecorded" */
#define REG_ANOMALY_VEHICLE_MISMATCH 0x008u	/* "vehicle_details_mismatch" */
#define REG_ANOMALY_MULTI_BANK 0x010u		/* "multi_bank" */
#define REG_ANOMALY_INST_BURST 0x020u		/* "institution_burst" */
#define REG_ANOMALY_OWNER_BURST 0x040u		/* "owner_burst" */
#define REG_ANOMALY_CERT_EXPIRING 0x080u	/* "cert_expiring" */
#define REG_ANOMALY_RELEASE_SOON 0x100u		/* "release_soon" */
#define REG_ANOMALY_COUNT 9u
/* Codes that describe other banks' applications (another bank applied
 * for the vehicle; the owner applied elsewhere): shown to officers and
 * auditors, never to a bank (docs/privacy.md table D). */
#define REG_ANOMALY_PARTY_HIDDEN \
	(REG_ANOMALY_MULTI_BANK | REG_ANOMALY_OWNER_BURST)

/* Reason code of anomaly bit number i (0..REG_ANOMALY_COUNT-1); NULL
 * beyond. */
/* The application id of the entry at index: "A" + 16 lowercase hex digits
 * of the index, NUL-terminated. */
void registry_app_id_format(uint64_t index, char out[REG_APP_ID_LEN + 1])
    __attribute__((nonnull));

/* Parse exactly that spelling (s may be NULL). LIEN_OK, or LIEN_EPARSE
 * with *out_index = 0. */
enum lien_status registry_app_id_parse(const char *s, size_t len,
    uint64_t *out_index) LIEN_MUST_CHECK __attribute__((nonnull(3)));

const char *registry_anomaly_code(unsigned i);

/* Voucher ids, as the application id functions: "V" + 16 hex digits. */
void registry_voucher_id_format(uint64_t value,
    char out[REG_VOUCHER_ID_LEN + 1]) __attribute__((nonnull));
enum lien_status registry_voucher_id_parse(const char *s, size_t len,
    uint64_t *out_value) LIEN_MUST_CHECK __attribute__((nonnull(3)));
/* "resident_id", ... by enum reg_id_document; NULL for NONE or unknown. */
const char *registry_id_document_name(enum reg_id_document d);

/* The ledger_build_fn. arg = struct reg_request *. On refusal returns a
 * status (below) with req->refusal set and writes nothing. On LIEN_OK the
 * public payload is in out, the private record, the sealed evidence (and
 * a new subject key) are stored, and the state is updated; app_id /
 * app_status are set for applications and decisions.
 *   LIEN_EPARSE    a field is invalid (refusal names it: "vin_invalid",
 *                  "field_invalid", "reason_required", ...)
 *   LIEN_EKEY      signer not allowed: "party_unknown", "party_inactive",
 *                  "role_forbidden", "not_mortgagee"
 *   LIEN_ENOTFOUND "application_unknown", "vehicle_unknown",
 *                  "mortgage_not_found", "party_unknown" (status target),
 *                  "subject_unknown" (erasure of no live key)
 *   LIEN_ECONFLICT "nonce_replayed", "vehicle_seized", "vehicle_detained",
 *                  "vehicle_stolen", "vehicle_scrapped", "vehicle_customs",
 *                  "already_decided", "already_in_review",
 *                  "contract_duplicate", "application_pending",
 *                  "release_pending", "restriction_exists",
 *                  "restriction_not_set", "key_exists",
 *                  "status_unchanged", "party_revoked", "lien_limit",
 *                  "already_erased", "subject_retry" (the subject key
 *                  api/ used was created or erased meanwhile: look it up
 *                  again and resubmit)
 *   LIEN_EEXIST    "idempotent_replay": a retry -- the same party's
 *                  Idempotency-Key with the same request, or the very
 *                  same signed request (keyid, created, nonce, request);
 *                  original_index names the entry it was logged as
 *   LIEN_ECONFLICT "idempotency_key_reused" (the key was used for
 *                  another request), "idempotency_key_expired"
 *   LIEN_EPARSE    "idempotency_key_invalid" (malformed, or too far in
 *                  the future)
 *   LIEN_EKEY      "company_authorisation_missing" (a company vehicle's
 *                  mortgage or release without the legal representative's
 *                  SMS authorisation), "company_mismatch" (authorised by
 *                  another company than the recorded owner)
 *   LIEN_ETOOBIG   "payload_too_large", "sealed_too_large"
 * The full list with suggested HTTP codes: docs/registry.md. */
enum lien_status registry_build(void *arg, struct ledger_state *st,
    uint64_t index, uint64_t time_ms, uint8_t *out, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK;

/* The pure transition: apply the registry entry (index, time_ms, type,
 * payload) to st: the public state always; with its private record
 * (priv, priv_len; NULL: public state only, what a holder of the public
 * log can replay) also the private state, after checking that the record
 * is the one the payload commits to. Validates shapes (canonical JSON,
 * fields) before the first write; does NOT re-check the registration
 * rules (the build did, the audit does with registry_check). Types <
 * REG_T_FIRST and types that are not the registry's are ignored
 * (LIEN_OK). LIEN_EPARSE / LIEN_EUNSUPPORTED for a payload or type it
 * cannot apply, LIEN_EVERIFY for a private record the payload does not
 * commit to (nothing written); storage errors as ledger_state_*. */
enum lien_status registry_apply(struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len,
    const uint8_t *priv, size_t priv_len) LIEN_MUST_CHECK;

/* Re-check an entry's legality against the state before it (what the
 * build decided, minus the configuration-dependent anomaly rules): the
 * audit's half. priv NULL: the rules on public data only; else also the
 * rules on the private record (signer of an application, mortgagee,
 * contract, replay, idempotency, anomaly consistency) and the commitment.
 * LIEN_OK or a refusal status with *reason set. */
enum lien_status registry_check(struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len,
    const uint8_t *priv, size_t priv_len, const char **reason)
    LIEN_MUST_CHECK;

/* registry_check, then (when it passes) registry_apply, with one parse of
 * the payload and private record for both: the audit replay's step.
 * Same results as the two calls in a row: a refusal sets *reason and
 * leaves *out_applying 0 (nothing written); a failure while applying sets
 * *out_applying to 1 (and no *reason). */
enum lien_status registry_check_apply(struct ledger_state *st,
    uint64_t index, uint64_t time_ms, uint16_t type, const uint8_t *payload,
    size_t len, const uint8_t *priv, size_t priv_len, const char **reason,
    int *out_applying) LIEN_MUST_CHECK;

/* The commitment to a private record: SHA-256("lienlog-private-v1" 0x00
 * || be64(index) || record). */
void registry_private_commit(uint64_t index, const uint8_t *rec, size_t len,
    uint8_t out[HASH_LEN]);

/* The vehicle key (docs/privacy.md "Identifiers and keys"; the key of the
 * lien-status map): SHA-256("lienlog-vehicle-v1" 0x00 || VIN) over the 17
 * characters of a VIN that ids_vin_validate accepts (upper case only: the
 * validated text is the normal form; lower case is refused, not folded).
 * Unkeyed: anyone holding a VIN computes it. LIEN_EPARSE for an invalid
 * VIN (out zeroed). */
#define REG_VEHICLE_KEY_LEN HASH_LEN
enum lien_status registry_vehicle_key(const char *vin, size_t len,
    uint8_t out[REG_VEHICLE_KEY_LEN]) LIEN_MUST_CHECK;

/* ---- consent ------------------------------------------------------------- */

struct json_t;

/* The application digest (docs/identity.md "Application digest"): what the
 * owner's face-ID token and a company's SMS attestation carry as their
 * nonce, so that their consent is bound to this application *by this
 * bank*:
 *
 *   SHA-256 of the RFC 8785 form of {"application": application,
 *     "company": company (only when given), "mortgagee": mortgagee,
 *     "step": "mortgage_application" | "release_application"}
 *
 * application is the request's application object, mortgagee the signing
 * bank's party id (its USCC), company the USCC of the company block of a
 * company owner (NULL: none). Another bank replaying the body and token
 * gets another digest (token_nonce). kind: REG_T_MORTGAGE_APPLICATION or
 * REG_T_RELEASE_APPLICATION (else LIEN_EINVAL). Statuses as jcs_digest;
 * out zeroed on failure. */
enum lien_status registry_application_digest(enum reg_type kind,
    const char *mortgagee, size_t mortgagee_len, const char *company,
    size_t company_len, const struct json_t *application,
    uint8_t out[HASH_LEN]) LIEN_MUST_CHECK;

/* A calendar date "YYYY-MM-DD" from 2000-01-01 to 2099-12-31 (the loan
 * term end of a mortgage): LIEN_OK with *ms (may be NULL) = its midnight
 * UTC in epoch ms, else LIEN_EPARSE. */
enum lien_status registry_date_parse(const char *s, size_t len,
    uint64_t *ms) LIEN_MUST_CHECK;

/* ---- notices (docs/notices.md) ------------------------------------------- */

/* The notification outbox is private state derived by the registry in the
 * entry's own transaction (so the private audit recomputes it): the
 * NOTICES table, key the entry index (u64 big-endian) + the kind's code
 * (u8, REG_NOTICE_KEY_LEN bytes; store v22, before it the text below) ->
 * canonical JSON {"app","kind","index","time_ms"[,"reasons"]}, kinds
 * "received", "diverted", "approved", "rejected", "dispatched",
 * "delivered"; and one due-release reminder per approved mortgage with a
 * term end: PSTATE "r/" + term end date + "/" + app id ->
 * {"app","term_end"}. Nothing in them is personal: the delivery worker
 * (api/notify.c) opens the phone numbers from the sealed requests.
 * A notice's *name*, "n/" + 16 hex digits of the entry index + "/" + kind,
 * is what the delivery worker's cursor and gateway dedup keys hold; the
 * codes follow the kinds' byte order, so keys and names sort alike. */
#define REG_NOTICE_PREFIX "n/"
#define REG_REMINDER_PREFIX "r/"
#define REG_NOTICE_KEY_LEN 9u
#define REG_NOTICE_NAME_MAX (2u + 16u + 1u + 10u)	/* "dispatched" */

/* The key of entry index's notice of kind (one of the six): LIEN_OK, or
 * LIEN_EINVAL for another kind. */
enum lien_status registry_notice_key(uint64_t index, const char *kind,
    uint8_t out[REG_NOTICE_KEY_LEN]) LIEN_MUST_CHECK;

/* A notice key's name into out (REG_NOTICE_NAME_MAX + 1 bytes, NUL
 * terminated); LIEN_ECORRUPT for a key that is not one. */
enum lien_status registry_notice_name(const uint8_t *key, size_t key_len,
    char out[REG_NOTICE_NAME_MAX + 1]) LIEN_MUST_CHECK;

/* A notice name's key; LIEN_EPARSE for a string that is not one. */
enum lien_status registry_notice_name_key(const char *name, size_t len,
    uint8_t out[REG_NOTICE_KEY_LEN]) LIEN_MUST_CHECK;

/* ---- filed institutions (registry/institutions.c) ------------------------ */

/* The filed institutions (public): status (NULL: any; "active",
 * "suspended", "revoked"), after a party id (exclusive; after_len 0: from
 * the start), at most limit (1..REG_INSTITUTIONS_LIMIT_MAX), in party id
 * order: {"items":[{"party","name","status","keys","filed_index"}],
 * "next":party id or null}. Canonical JSON, *out malloc'd. LIEN_EPARSE for
 * a bad status or cursor, LIEN_ERANGE for a bad limit. */
#define REG_INSTITUTIONS_LIMIT_MAX 500u
enum lien_status registry_institutions_list(struct ledger_view *v,
    const char *status, const char *after, size_t after_len, unsigned limit,
    char **out, size_t *out_len) LIEN_MUST_CHECK;

/* ---- statistics (registry/stats.c, docs/statistics.md) ------------------- */

/* Statistics of the applications submitted in [from_ms, to_ms) (entry
 * times), of one institution (party; NULL: all), computed from the log's
 * entries and their private records only (never from derived state):
 * {"from_ms","from_at","to_ms","to_at"[,"party"],"total":F,
 *  "institutions":[F + "party", ... by party id]} with F =
 * {"applications","by_kind":{"mortgage","release"},"by_channel":
 * {"online","counter"},"online_share_bp","by_outcome":{"submitted",
 * "in_person_review","approved","rejected"},"diversions":{<anomaly code>:
 * n,...,"officer":n},"reminders_scheduled","to_decision":{"count",
 * "median_ms","p90_ms"},"to_delivery":{...}}. Canonical JSON, *out
 * malloc'd. LIEN_EINVAL for from > to. */
enum lien_status registry_statistics(struct ledger_view *v, uint64_t from_ms,
    uint64_t to_ms, const char *party, char **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* The same answer for a period that holds every application of the log
 * (from_ms at or before the first entry, to_ms after the last; what
 * GET /metrics and GET /v1/statistics without parameters ask), read
 * from the running totals the sequencer keeps in pstate ("st/",
 * registry/stats_agg.c, store v13) instead of from the log: one counter
 * record per scope and 7 trie records per percentile, plus one counter
 * record per institution listed, whatever the log's size. The caller
 * checks that the period covers the log (registry_statistics_read does).
 * Statuses as registry_statistics; LIEN_ECORRUPT for a malformed
 * record. */
enum lien_status registry_statistics_totals(struct ledger_view *v,
    uint64_t from_ms, uint64_t to_ms, const char *party, char **out,
    size_t *out_len) LIEN_MUST_CHECK;
/* Only its "total" (every application, every institution): what
 * GET /metrics exports. One counter record and at most 2 x (1 + 2 x 7)
 * trie records, whatever the log's size and the number of
 * institutions. */
enum lien_status registry_statistics_total(struct ledger_view *v,
    char **out, size_t *out_len) LIEN_MUST_CHECK;
/* What the server answers: registry_statistics_totals when [from_ms,
 * to_ms) holds every entry of the view (two entry reads to tell), else
 * registry_statistics (a walk of the log from its start). Same output. */
enum lien_status registry_statistics_read(struct ledger_view *v,
    uint64_t from_ms, uint64_t to_ms, const char *party, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* The same fed entry by entry (a caller that walks the log anyway). */
struct reg_stats;
enum lien_status registry_stats_new(uint64_t from_ms, uint64_t to_ms,
    const char *party, struct reg_stats **out) LIEN_MUST_CHECK;
enum lien_status registry_stats_add(struct reg_stats *s, uint64_t index,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len,
    const uint8_t *priv, size_t priv_len) LIEN_MUST_CHECK;
enum lien_status registry_stats_json(struct reg_stats *s, char **out,
    size_t *out_len) LIEN_MUST_CHECK;
void registry_stats_free(struct reg_stats *s);

/* ---- readers (views; for api/) ------------------------------------------ */

/* Application record (canonical JSON). full == 0: the public record
 * (docs/registry.md "apps"); full != 0: the public record plus the
 * private facts for parties, officers, the registry and auditors
 * ("mortgagee", "reasons"). *out malloc'd, NUL-terminated; caller frees.
 * LIEN_EPARSE for a malformed id, LIEN_ENOTFOUND. */
enum lien_status registry_app_get(struct ledger_view *v, const char *id,
    size_t id_len, int full, char **out, size_t *out_len) LIEN_MUST_CHECK;

/* The officer's queue: applications with status ("submitted" or
 * "in_person_review") in id order (= submission order), starting after
 * the id cursor (NULL/empty: from the start), at most limit (1..
 * REG_QUEUE_LIMIT_MAX) records, full form. *out = {"items":[app
 * records],"next":id or null}; malloc'd, caller frees. LIEN_EPARSE for a
 * bad status or cursor, LIEN_ERANGE for a bad limit. */
#define REG_QUEUE_LIMIT_MAX 100u
enum lien_status registry_queue_list(struct ledger_view *v,
    const char *status, size_t status_len, const char *cursor,
    size_t cursor_len, unsigned limit, char **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* A vehicle by VIN. full == 0 (anyone; MPS Order 164 arts. 35-36,
 * docs/privacy.md table D): {"vin","vehicle","recorded_ms","recorded_at",
 * "liens":[{"app","rank","registered_ms","registered_at"}],"released":
 * [{"app","registered_ms","registered_at","released_ms","released_at"}],
 * "restrictions":[{"kind","since_ms","since_at"}]}. full != 0 (parties,
 * officers, registry mirror, auditors): the same with "recorded_index"
 * and "mortgagee" in each lien and released lien. *out malloc'd; caller frees. LIEN_EPARSE for an
 * invalid VIN, LIEN_ENOTFOUND. */
enum lien_status registry_vehicle_get(struct ledger_view *v, const char *vin,
    size_t vin_len, int full, char **out, size_t *out_len) LIEN_MUST_CHECK;

/* ---- lien status (docs/lien-status.md) ----------------------------------- */

/* The status proof bundle (tlog/status.h) for vin as of the view: its
 * public status record when the vehicle is recorded, the map proof
 * (presence or absence), the view's state-root entry with its inclusion
 * proof and the view's signed checkpoint. *out malloc'd; caller frees.
 * LIEN_EPARSE for an invalid VIN (format or check digit),
 * LIEN_EUNSUPPORTED when the store keeps no status map, LIEN_ENOTFOUND on
 * an empty log, LIEN_ECORRUPT when state and map disagree. */
enum lien_status registry_status_proof(struct ledger_view *v, const char *vin,
    size_t vin_len, uint8_t **out, size_t *out_len) LIEN_MUST_CHECK;

/* A public status record, parsed (registry_status_parse). */
#define REG_STATUS_RESTR_MAX 5u		/* one per kind */
struct reg_status_lien {
	char app[REG_APP_ID_LEN + 1];
	int active;			/* in force (in liens), else released */
	uint64_t registered_index, registered_ms;
	uint64_t released_index, released_ms;	/* released only */
};
struct reg_status {
	uint8_t fuller[HASH_LEN];
	uint64_t recorded_index, recorded_ms;
	size_t nliens;			/* in force: liens[0..nliens), rank i+1 */
	size_t nreleased;		/* then the released ones */
	struct reg_status_lien liens[REG_VEHICLE_LIENS_MAX];
	size_t nrestrictions;		/* in force */
	struct {
		enum reg_restriction kind;
		uint64_t index, since_ms;
	} restrictions[REG_STATUS_RESTR_MAX];
};

/* Parse a status record strictly: canonical JSON (RFC 8785), exactly the
 * members of docs/lien-status.md section 3, liens in rank order (ranks 1,
 * 2, ... and increasing registration index), released ones in release
 * order, each released after it was registered, restrictions in the order
 * set, each kind at most once. LIEN_EPARSE / LIEN_ETOOBIG; *out zeroed on
 * failure. */
enum lien_status registry_status_parse(const uint8_t *rec, size_t len,
    struct reg_status *out) LIEN_MUST_CHECK;

/* "seized", "detained", "stolen", "scrapped", "customs"; "unknown". */
const char *registry_restriction_name(enum reg_restriction r);

/* Parse a stored state record (v, n): canonical JSON text, or its packed
 * form (registry/jpack.h; store v17: apps, papps, notices, vehicles and
 * the vehicles' private records), into *out (json_decref; NULL on
 * failure). For readers that scan a table themselves (api/notify.c, the
 * demo). LIEN_ECORRUPT, LIEN_ENOMEM. (struct json_t is jansson's json_t:
 * this header does not include jansson.) */
struct json_t;
enum lien_status registry_record_parse(const uint8_t *v, size_t n,
    struct json_t **out) LIEN_MUST_CHECK;

/* The private record of entry index: the canonical JSON the entry's
 * `private` commitment hashes, decoded from its packed storage form
 * (registry/jpack.h). *out is malloc'd and NUL-terminated (caller frees
 * with free(); it is private: wipe it if it must not linger).
 * LIEN_ENOTFOUND if there is none, LIEN_ECORRUPT for a damaged record,
 * LIEN_ENOMEM. On failure *out is NULL and *out_len 0. */
enum lien_status registry_private_get(struct ledger_view *v, uint64_t index,
    uint8_t **out, size_t *out_len) LIEN_MUST_CHECK;

/* The private record as stored (val, n: the table's value) and the
 * sealed box stored under the same index (box, box_len; NULL, 0 when
 * there is none), decoded: the canonical JSON the entry's commitment
 * hashes (registry_private_get, for readers that hold the stored values
 * themselves). A record stored with the box's digest elided
 * (registry/registry_int.h RG_PRIV_ELIDED) takes it from the box.
 * *out as registry_private_get's. LIEN_ECORRUPT for an empty value, an
 * elided record without its box or whose text does not hold the elided
 * value once, and what jpack_decode refuses; LIEN_ENOMEM. */
enum lien_status registry_private_decode(const uint8_t *val, size_t n,
    const uint8_t *box, size_t box_len, uint8_t **out, size_t *out_len)
    LIEN_MUST_CHECK;

/* The sealed evidence of entry index: *key_system = 1 when sealed under
 * the system key, else key_id is the subject key id (both from the
 * private record's `key`: the sealed table holds the box alone, store
 * v18); the box is borrowed (valid until the view closes).
 * LIEN_ENOTFOUND, LIEN_ECORRUPT (also for a box without its private
 * record), LIEN_ENOMEM. */
enum lien_status registry_sealed_get(struct ledger_view *v, uint64_t index,
    int *key_system, uint8_t key_id[REG_SUBJECT_ID_LEN],
    const uint8_t **box, size_t *box_len) LIEN_MUST_CHECK;

/* Subject keys (LEDGER_T_KEYS and LEDGER_T_SUBJECTS, docs/privacy.md
 * "Identifiers and keys"): the key id of the subject whose identity
 * commitment (api/subject.h subject_commit; the sub of its face tokens)
 * is commit (LIEN_ENOTFOUND: no key), and the wrapped key of a key id
 * (borrowed, valid until the view closes; LIEN_ENOTFOUND: none, *erased
 * = 1 when an erasure entry destroyed it). LIEN_ECORRUPT for a malformed
 * record or a lookup without its record. */
enum lien_status registry_subject_find(struct ledger_view *v,
    const uint8_t commit[REG_COMMIT_LEN], uint8_t id[REG_SUBJECT_ID_LEN])
    LIEN_MUST_CHECK;
enum lien_status registry_subject_key(struct ledger_view *v,
    const uint8_t id[REG_SUBJECT_ID_LEN], const uint8_t **wrapped,
    size_t *wrapped_len, int *erased) LIEN_MUST_CHECK;
/* The applications whose private owner reference (or, for a company's,
 * acting person's reference "agent") is owner_ref: the subject's
 * applications, in id order, at most max; *n set. Reads the owner's
 * index (pstate "o/" + reference + "a", store v15; "oa/" since v12): one
 * record per application found, whatever the registry's size. LIEN_ECORRUPT for a malformed record. */
enum lien_status registry_owner_apps(struct ledger_view *v,
    const uint8_t owner_ref[REG_COMMIT_LEN],
    char (*ids)[REG_APP_ID_LEN + 1], size_t max, size_t *n)
    LIEN_MUST_CHECK;

/* The subject key an application's (or a vehicle's) evidence is sealed
 * under: LIEN_OK with *key_system or key_id set; LIEN_ENOTFOUND when the
 * application (vehicle key) is unknown. For decisions and restrictions. */
enum lien_status registry_app_subject(struct ledger_view *v, const char *id,
    size_t id_len, int *key_system, uint8_t key_id[REG_SUBJECT_ID_LEN])
    LIEN_MUST_CHECK;
enum lien_status registry_vehicle_subject(struct ledger_view *v,
    const uint8_t vehicle[REG_VEHICLE_KEY_LEN], int *key_system,
    uint8_t key_id[REG_SUBJECT_ID_LEN]) LIEN_MUST_CHECK;

/* A filed key, for request authentication. status is the effective one:
 * the worse of the key's and the party's. cert_der is decoded into the
 * struct (valid as long as the struct). */
struct reg_party {
	enum reg_role role;
	char party_id[REG_PARTY_ID_MAX + 1];
	size_t party_id_len;
	enum reg_party_status status;
	uint64_t not_after_ms;
	uint8_t cert_der[CERT_DER_MAX];
	size_t cert_der_len;
};
enum lien_status registry_party_lookup(struct ledger_view *v,
    const uint8_t keyid[HASH_LEN], struct reg_party *out) LIEN_MUST_CHECK;

/* Replay pre-check for api/ (auth_nonce_check_fn semantics): LIEN_OK if
 * (keyid, created, nonce) is not remembered as of now_ms, or remembered
 * for exactly this request (request digest req_digest: the very same
 * signed request, sent again after a lost answer, which the sequencer
 * answers with the original receipt); LIEN_EEXIST if it is remembered
 * for another request. req_digest is the keyed digest of the private
 * record; NULL (api/ cannot compute it before the route is known) lets a
 * remembered nonce through for the sequencer to decide. created is the
 * signature's, in seconds. */
enum lien_status registry_nonce_seen(struct ledger_view *v,
    const uint8_t keyid[HASH_LEN], uint64_t created, const char *nonce,
    size_t nonce_len, uint64_t now_ms, const uint8_t req_digest[HASH_LEN])
    LIEN_MUST_CHECK;

/* Idempotency pre-check: LIEN_OK with *index = the entry the key was
 * used for and digest = that request's keyed digest, if party used the
 * Idempotency-Key (key, key_len) and it is still remembered; else
 * LIEN_ENOTFOUND (also for a malformed key). */
enum lien_status registry_idem_lookup(struct ledger_view *v,
    const char *party, size_t party_len, const char *key, size_t key_len,
    uint64_t *index, uint8_t digest[HASH_LEN]) LIEN_MUST_CHECK;

/* The keys both sides derive (docs/registry.md):
 *   nonce key = be64(created seconds) ||
 *               SHA-256("lienlog-nonce-v1" 0x00 || keyid || nonce)
 *   idem key  = be64(key time ms) ||
 *               SHA-256("lienlog-idem-v2" 0x00 || party id || 0x00 ||
 *               Idempotency-Key)
 * Both lead with a time the signature covers (created; the UUIDv7 time of
 * the covered Idempotency-Key) so that new records land at the end of
 * their table and expire from its front: one B-tree page per batch
 * instead of a random page per request, on insert and again on expiry.
 * A retry finds its record: it carries the same created (the very same
 * signed request) or the same key, hence the same time. */
#define REG_NONCE_KEY_LEN (8u + HASH_LEN)
#define REG_IDEM_KEY_LEN (8u + HASH_LEN)
void registry_nonce_key(const uint8_t keyid[HASH_LEN], uint64_t created,
    const char *nonce, size_t nonce_len, uint8_t out[REG_NONCE_KEY_LEN]);
void registry_idem_key(const char *party, size_t party_len,
    const char *key, size_t key_len, uint64_t key_time_ms,
    uint8_t out[REG_IDEM_KEY_LEN]);
/* Record values: nonce = be64 expiry ms || be64 entry index || request
 * digest; idem = be64 entry index || request digest. The request digest
 * is the private record's evidence.digest: keyed by the key the request
 * is sealed under (docs/privacy.md), so it tells nothing to anyone
 * without that key, and nothing at all once its subject is erased. */
#define REG_NONCE_VAL_LEN (16u + HASH_LEN)
#define REG_IDEM_VAL_LEN (8u + HASH_LEN)

/* ---- state hand-over at a key rotation (registry/handover.c) ------------ */

/* The hand-over of a frozen old store's registration state to its
 * successor (docs/key-rotation.md "State hand-over"). prev is a view of
 * the old store as of its final size; prev_* are its final checkpoint's
 * (the successor's entry 0). */
struct reg_handover {
	struct ledger_view *prev;
	const char *prev_origin;
	size_t prev_origin_len;
	uint64_t prev_size;
	uint8_t prev_root[HASH_LEN];
	/* Copy the private tables too (docs/privacy.md): pstate (minus the
	 * nonce and idempotency expiry records) and the subject keys. Not
	 * in the public digest; the private audit sets it, the public one
	 * does not; registry_handover_build always copies them. */
	int copy_private;
	/* OUT of registry_handover_build */
	uint64_t base;			/* where this log's app ids start */
	uint64_t records;		/* records inherited */
	uint8_t state[HASH_LEN];	/* their digest */
	const char *refusal;		/* "handover_not_first" */
};

/* A ledger_build_fn (arg = struct reg_handover *) for the entry of type
 * REG_T_STATE_HANDOVER: refuses (LIEN_ECONFLICT, "handover_not_first")
 * unless nothing is registered yet; copies the inherited tables of
 * h->prev into st (vehicles also set their lien-status map leaves), sets
 * this log's application id base, and writes the payload. */
enum lien_status registry_handover_build(void *arg, struct ledger_state *st,
    uint64_t index, uint64_t time_ms, uint8_t *out, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK;

/* The audit's half: apply the hand-over entry payload to st with the
 * previous store h->prev (h's prev_* from the log's entry 0, checked
 * against h->prev by the caller), requiring the payload to be exactly what
 * the copy gives. LIEN_OK; LIEN_ECORRUPT with *reason ("state_differs",
 * "payload_invalid", "handover_not_first"); LIEN_EINVAL
 * "previous_store_needed" without h->prev; storage errors. */
enum lien_status registry_handover_apply(struct ledger_state *st,
    const uint8_t *payload, size_t len, const struct reg_handover *h,
    const char **reason) LIEN_MUST_CHECK;

/* Copy the inherited public records of prev into st and give their
 * digest: SHA-256 chained over "lienlog-state-v1" 0x00, then for each
 * record of parties, vehicles, apps and index in key order: u8 table ||
 * be32 key length || key || be32 value length || value. With
 * copy_private, also pstate (minus the nonce expiry records) and keys,
 * outside the digest. */
enum lien_status registry_handover_copy(struct ledger_view *prev,
    struct ledger_state *st, int copy_private, uint8_t digest[HASH_LEN],
    uint64_t *nrecords) LIEN_MUST_CHECK;

/* This log's application id base: 0, or what its hand-over set. */
enum lien_status registry_base(struct ledger_view *v, uint64_t *base)
    LIEN_MUST_CHECK;

/* ---- audit ------------------------------------------------------------- */

/* Replay every entry of l into a fresh scratch store at scratch_dir
 * (created, must be empty; the caller removes it): each registry entry is
 * re-checked with registry_check against the replayed state and applied
 * with registry_apply; then every public state table (apps, vehicles,
 * parties, index) must equal the stored one. Unless public_only, each
 * entry's private record is taken from the store (missing: corrupt), and
 * the private state tables (pstate, nonces, idem) must match too, and no
 * subject key named by an erasure entry may still be present.
 * LIEN_ECORRUPT with a one-line reason naming the entry index (illegal
 * transition, undecodable payload, private record not committed) or the
 * table and key (state differs) in why. */
enum lien_status registry_replay_audit(struct ledger *l,
    const char *scratch_dir, int public_only, char *why, size_t why_cap)
    LIEN_MUST_CHECK;

/* The same for a successor log (docs/key-rotation.md): prev is the frozen
 * previous store, itself audited by the caller. Its state hand-over entry
 * is checked against prev -- prev must be the log entry 0 names (origin,
 * final size, root) and the entry exactly what copying prev's state
 * gives -- and the copy starts the replayed state. Without prev, a log
 * with a hand-over cannot be audited (LIEN_EUNSUPPORTED, why says to pass
 * the store). */
enum lien_status registry_replay_audit_prev(struct ledger *l,
    struct ledger *prev, const char *scratch_dir, int public_only, char *why,
    size_t why_cap) LIEN_MUST_CHECK;

/* ---- incremental replay (lienlog sync) ------------------------------- */

/* The same replay, fed one entry at a time from entries a client has
 * verified (lienlog sync checks the state roots of what it imports), kept
 * in a scratch store at dir that later runs resume: every registry entry
 * re-checked and applied, every state-root entry compared with the
 * replayed map. Progress is committed only at state roots, so a crash
 * loses at most the entries since the last one, which are fed again. */
struct registry_replay;
enum lien_status registry_replay_open(const char *dir,
    struct registry_replay **out) LIEN_MUST_CHECK;
/* Entries below this are applied; feed from here. */
uint64_t registry_replay_next(const struct registry_replay *r);
/* Feed entry index (the envelope bytes). Below next: ignored; above:
 * LIEN_EINVAL. LIEN_ECORRUPT with *why when the entry shows the log lying
 * about the state: a state root that is not the replayed map's, an entry
 * the registry rules refuse, a run of more than LEDGER_BATCH_MAX entries
 * without a state root. A log without any state root from its start, or
 * one whose state begins with a hand-over from an earlier log, switches
 * the check off (registry_replay_off says why); later entries are
 * ignored. Other statuses: the scratch store failed. */
enum lien_status registry_replay_entry(struct registry_replay *r,
    uint64_t index, const uint8_t *ent, size_t len, const char **why)
    LIEN_MUST_CHECK;
/* Every entry of a verified tree of size entries was fed: a checked tree
 * must end with a state root (LIEN_ECORRUPT, *why); commit. */
enum lien_status registry_replay_end(struct registry_replay *r,
    uint64_t size, const char **why) LIEN_MUST_CHECK;
/* Entries below this are covered by a state root that matched (0: none
 * yet). */
uint64_t registry_replay_checked(const struct registry_replay *r);
/* NULL while checking; else why the check is off. */
const char *registry_replay_off(const struct registry_replay *r);
void registry_replay_close(struct registry_replay *r);

/* The incremental form (lienlog audit --resume, docs/cli.md): scratch_dir
 * is kept between runs, marked (ledger_scratch_mark) with the size whose
 * state it holds and the auditor's id for it (non-zero). from = 0: as
 * registry_replay_audit_prev (every table and the map compared; the
 * store must be empty), then marked. from > 0: the kept store must be
 * marked (from, id) (else LIEN_EVERIFY); the entries [from, size) are
 * replayed into it, each re-checked as in the full replay and every state
 * root compared with the replayed map, and every state record the replay
 * wrote (put or deleted) must be the same in the store; records no entry
 * since from touched are not read (a full audit compares them).
 * *out_size: the size now held. progress (NULL: none) is called on this
 * thread every REG_REPLAY_PROGRESS_EVERY entries replayed, with the
 * entries replayed so far and the entries to replay (both counted from
 * from); the caller bounds how often it prints. */
#define REG_REPLAY_PROGRESS_EVERY 1024u
/* Tests: a full replay (registry_replay_audit*, from 0) commits its
 * scratch store every n entries applied (0: RG_AUDIT_TXN_ENTRIES, 10,000),
 * so a test log of a few thousand entries shows the commits on the way.
 * Process-wide; not for use while a replay runs. */
void registry_replay_txn_entries(uint64_t n);
/* The replay's reader on a second thread (registry/pipeline.c: entries
 * decoded, private records read, payloads and records parsed ahead of
 * the replay, in order; the same verdicts): on (1, the default, where
 * there are two cores and a view of the same snapshot) or off (0: the
 * replay thread does it all). Process-wide; for tests and measurements;
 * not for use while a replay runs. */
void registry_replay_pipeline(int on);
/* Entries the reader handed to the last replay that had one (tests). */
uint64_t registry_replay_pipeline_last(void);
enum lien_status registry_replay_audit_resume(struct ledger *l,
    struct ledger *prev, const char *scratch_dir, int public_only,
    uint64_t from, uint64_t id, uint64_t *out_size,
    void (*progress)(void *ctx, uint64_t done, uint64_t total),
    void *progress_ctx, char *why, size_t why_cap) LIEN_MUST_CHECK;

/* jansson's allocations through a per-thread pool of small blocks
 * (registry/jalloc.c): for a tool's main to call first thing, before any
 * JSON value exists (jansson's allocator is process-wide). Returns 1 if
 * the pool is on, 0 if not (under AddressSanitizer it stays off). The
 * pool's malloc and free (jansson's json_malloc_t / json_free_t), for
 * tests: a block from registry_json_pool_malloc goes back through
 * registry_json_pool_free only, on any thread. */
int registry_json_pool_init(void);
void *registry_json_pool_malloc(size_t n);
void registry_json_pool_free(void *p);

#endif
