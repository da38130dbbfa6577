/*
 * registry_build: one registration step, inside the sequencer's write
 * transaction (docs/architecture.md section 3 step 5).
 *
 *   build = encode the request as the public payload and the private
 *           record (canonical JSON, docs/privacy.md tables A and B)
 *         + shape checks (the VIN re-validated: the registry is safe on
 *           its own, whatever api/ did)
 *         + rules (rg_check: idempotency, nonce, signer, MPS Order 164)
 *         + the subject key the evidence is sealed under still exists
 *         + anomaly rules for new applications (status and reasons)
 *         + the commitment to the private record into the payload
 *         + rg_apply and rg_papply (registry_apply without its parse) on
 *           the trees the bytes are written from; the private record, the
 *           sealed box and a new subject key stored
 *
 * so the sequencer path and the audit's replay path share the transition
 * function byte for byte. Everything before registry_apply only reads:
 * a refusal leaves no trace and consumes no index (ledger.h contract).
 */
#include "registry/registry_int.h"
#include "registry/jpack.h"

#include "common/hex.h"

#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/rd.h"
#include "crypto/pkey.h"
#include "crypto/seal.h"

/* Encoders that turn a bad request value into a refusal naming it. Each
 * returns LIEN_OK, a refusal (v set) or LIEN_ENOMEM. */
static enum lien_status LIEN_MUST_CHECK
put_str(json_t *o, const char *key, struct reg_str s, int required,
    const char *bad, struct rg_verdict *v)
{
	json_t *j;

	if (s.p == NULL) {
		if (s.len != 0)
			return rg_refuse(v, LIEN_EINVAL, "field_invalid");
		return required ? rg_refuse(v, LIEN_EPARSE, "field_missing") :
		    LIEN_OK;
	}
	if (s.len > JCS_STRING_MAX || memchr(s.p, 0, s.len) != NULL)
		return rg_refuse(v, LIEN_EPARSE, bad);
	if ((j = json_stringn(s.p, s.len)) == NULL)	/* invalid UTF-8 */
		return rg_refuse(v, LIEN_EPARSE, bad);
	return json_object_set_new(o, key, j) ? LIEN_ENOMEM : LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
put_cstr(json_t *o, const char *key, const char *s, const char *bad,
    struct rg_verdict *v)
{
	if (s == NULL)
		return rg_refuse(v, LIEN_EPARSE, bad);
	return rg_set(o, key, json_string(s));
}

static enum lien_status LIEN_MUST_CHECK
put_int(json_t *o, const char *key, uint64_t i, const char *bad,
    struct rg_verdict *v)
{
	if (i > (uint64_t)JCS_INT_MAX)
		return rg_refuse(v, LIEN_EPARSE, bad);
	return rg_set(o, key, json_integer((json_int_t)i));
}

static enum lien_status LIEN_MUST_CHECK
put_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	return rg_set(o, key, rg_jhex(p, n));
}

static enum lien_status LIEN_MUST_CHECK
put_b64(json_t *o, const char *key, const uint8_t *p, size_t n, size_t max,
    const char *bad, struct rg_verdict *v)
{
	char *s;
	size_t sl;
	enum lien_status rc;

	if (p == NULL || n == 0 || n > max)
		return rg_refuse(v, LIEN_EPARSE, bad);
	sl = B64_ENCODED_LEN(n) + 1;
	if ((s = malloc(sl)) == NULL)
		return LIEN_ENOMEM;
	if (b64_encode(p, n, s, sl) != LIEN_OK)
		rc = LIEN_EINVAL;
	else
		rc = rg_set(o, key, json_stringn(s, sl - 1));
	free(s);
	return rc;
}

#define TRY(x) do { if ((rc = (x)) != LIEN_OK) goto out; } while (0)

/* The signer object {"party","role","keyid","not_after_ms"}: in the public
 * payload for official acts, in the private record for bank
 * applications. */
static enum lien_status LIEN_MUST_CHECK
encode_signer(const struct reg_request *rq, json_t *o, struct rg_verdict *v)
{
	json_t *sg = json_object();
	enum lien_status rc = LIEN_ENOMEM;

	if (sg == NULL)
		goto out;
	TRY(put_str(sg, "party", rq->signer.party, 1, "party_id_invalid", v));
	TRY(put_cstr(sg, "role", rg_role_name(rq->signer.role),
	    "role_invalid", v));
	TRY(put_hex(sg, "keyid", rq->signer.keyid, HASH_LEN));
	TRY(put_int(sg, "not_after_ms", rq->signer.not_after_ms,
	    "field_invalid", v));
	rc = rg_set(o, "signer", json_incref(sg));
out:
	json_decref(sg);
	return rc;
}

/* The public half's common fields (docs/privacy.md table A). */
static enum lien_status LIEN_MUST_CHECK
encode_public(const struct reg_request *rq, json_t *p, struct rg_verdict *v)
{
	enum lien_status rc;

	TRY(put_int(p, "v", RG_PAYLOAD_VERSION, "field_invalid", v));
	TRY(put_cstr(p, "step", rg_type_name(rq->kind), "type_unknown", v));
	if (rg_signer_public(rq->kind))
		TRY(encode_signer(rq, p, v));
out:
	return rc;
}

/* The private record's common fields (table B): salt, signature
 * parameters with the keyed request digest and the Idempotency-Key,
 * sealed box digest, sealing key. */
static enum lien_status LIEN_MUST_CHECK
encode_private(const struct reg_request *rq, uint64_t now,
    const struct reg_rules *rules, json_t *r, struct rg_verdict *v)
{
	json_t *ev = json_object(), *fc = NULL;
	uint8_t h[HASH_LEN];
	uint64_t exp;
	enum lien_status rc = LIEN_ENOMEM;

	if (ev == NULL)
		goto out;
	TRY(put_hex(r, "salt", rq->salt, REG_SALT_LEN));
	if (!rg_signer_public(rq->kind))
		TRY(encode_signer(rq, r, v));
	TRY(put_hex(ev, "digest", rq->ev.digest, HASH_LEN));
	if (rq->ev.created < 0 ||
	    (uint64_t)rq->ev.created > (uint64_t)JCS_INT_MAX / 2000) {
		rc = rg_refuse(v, LIEN_EPARSE, "evidence_invalid");
		goto out;
	}
	TRY(put_int(ev, "created", (uint64_t)rq->ev.created,
	    "evidence_invalid", v));
	TRY(put_str(ev, "nonce", rq->ev.nonce, 1, "evidence_invalid", v));
	TRY(put_str(ev, "alg", rq->ev.alg, 1, "evidence_invalid", v));
	TRY(put_str(ev, "idempotency_key", rq->ev.idem_key, 0,
	    "idempotency_key_invalid", v));
	/* The nonce is remembered until the request's created time (or the
	 * entry time, if later) plus the window: past that, api/ refuses it
	 * for its created parameter anyway. */
	exp = (uint64_t)rq->ev.created * 1000;
	if (exp < now)
		exp = now;
	TRY(put_int(ev, "nonce_exp_ms", exp + (rules->nonce_window_ms >
	    REG_WINDOW_KEEP_MS ? REG_WINDOW_KEEP_MS : rules->nonce_window_ms),
	    "evidence_invalid", v));
	TRY(rg_set(r, "evidence", json_incref(ev)));
	if (rq->sealed == NULL || rq->sealed_len == 0) {
		rc = rg_refuse(v, LIEN_EPARSE, "evidence_invalid");
		goto out;
	}
	if (rq->sealed_len > SEAL_SEALED_MAX) {
		rc = rg_refuse(v, LIEN_ETOOBIG, "sealed_too_large");
		goto out;
	}
	hash_sha256(rq->sealed, rq->sealed_len, h);
	TRY(put_hex(r, "sealed", h, HASH_LEN));
	if (rq->key_system)
		TRY(put_cstr(r, "key", "system", "field_invalid", v));
	else
		TRY(put_hex(r, "key", rq->key_id, REG_SUBJECT_ID_LEN));

	if (rq->face.verdict != REG_FACE_NONE) {
		if ((fc = json_object()) == NULL) {
			rc = LIEN_ENOMEM;
			goto out;
		}
		TRY(put_hex(fc, "token", rq->face.token_digest, HASH_LEN));
		TRY(put_cstr(fc, "verdict", rq->face.verdict ==
		    REG_FACE_PASS ? "pass" : rq->face.verdict == REG_FACE_GREY ?
		    "grey" : NULL, "face_invalid", v));
		TRY(put_int(fc, "liveness", rq->face.liveness, "face_invalid",
		    v));
		TRY(put_int(fc, "match", rq->face.match, "face_invalid", v));
		TRY(put_str(fc, "issuer", rq->face.issuer, 1, "face_invalid",
		    v));
		TRY(rg_set(r, "face", json_incref(fc)));
	}
	rc = LIEN_OK;
out:
	json_decref(ev);
	json_decref(fc);
	return rc;
}

/* Free text is never encoded: checked for presence and length only. */
static enum lien_status LIEN_MUST_CHECK
text_ok(struct reg_str s, int required, const char *missing, const char *bad,
    struct rg_verdict *v)
{
	if (s.p == NULL)
		return s.len != 0 ? rg_refuse(v, LIEN_EINVAL, "field_invalid") :
		    required ? rg_refuse(v, LIEN_EPARSE, missing) : LIEN_OK;
	if (s.len == 0 || s.len > REG_REASON_MAX)
		return rg_refuse(v, LIEN_EPARSE, bad);
	return LIEN_OK;
}

/* A company owner (docs/registry.md), in the private record: a vehicle
 * record says so; an application carries the acting person and the SMS
 * authorisation. */
static enum lien_status LIEN_MUST_CHECK
encode_company(const struct reg_request *rq, json_t *r, struct rg_verdict *v)
{
	json_t *sms;
	enum lien_status rc;

	if (!rq->owner_company)
		return rq->sms.present ? rg_refuse(v, LIEN_EPARSE,
		    "field_invalid") : LIEN_OK;
	if (rq->kind == REG_T_VEHICLE_RECORD)
		return rg_set(r, "owner_kind", json_string("company"));
	if (!rq->sms.present)
		return rg_refuse(v, LIEN_EPARSE, "sms_missing");
	if ((rc = put_hex(r, "agent", rq->agent, REG_COMMIT_LEN)) != LIEN_OK)
		return rc;
	if ((sms = json_object()) == NULL)
		return LIEN_ENOMEM;
	if ((rc = put_hex(sms, "token", rq->sms.token_digest, HASH_LEN)) ==
	    LIEN_OK)
		rc = put_str(sms, "issuer", rq->sms.issuer, 1, "sms_invalid", v);
	if (rc == LIEN_OK && rg_set(r, "sms", json_incref(sms)))
		rc = LIEN_ENOMEM;
	json_decref(sms);
	return rc;
}

/* A counter application's own fields (docs/registry.md "Counter
 * applications"): public channel, private identity check, bank and
 * voucher. */
static enum lien_status LIEN_MUST_CHECK
encode_counter(const struct reg_request *rq, json_t *p, json_t *r,
    struct rg_verdict *v)
{
	enum lien_status rc;

	if (!rq->counter)
		return rq->id_document != REG_IDDOC_NONE ||
		    rq->mortgagee.p != NULL || rq->voucher.p != NULL ||
		    rq->phone_contact.p != NULL ?
		    rg_refuse(v, LIEN_EPARSE, "field_unknown") : LIEN_OK;
	TRY(put_cstr(p, "channel", "counter", "field_invalid", v));
	TRY(put_cstr(r, "id_check", registry_id_document_name(
	    rq->id_document), "id_check_invalid", v));
	TRY(put_str(r, "mortgagee", rq->mortgagee, 1, "uscc_invalid", v));
	if (rq->phone_contact.p == NULL)
		TRY(put_str(r, "voucher", rq->voucher, 1,
		    "voucher_id_invalid", v));
	else if (rq->voucher.p != NULL)
		rc = rg_refuse(v, LIEN_EPARSE, "field_unknown");
	else
		TRY(put_str(r, "phone_contact", rq->phone_contact, 1,
		    "contact_invalid", v));
out:
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
encode_kind(const struct reg_request *rq, uint64_t appv, uint64_t now,
    json_t *p, json_t *r, struct rg_verdict *v)
{
	static const char *const actions[] = { NULL, "suspend", "reinstate",
		"revoke" };
	static const char *const decisions[] = { NULL, "approve", "reject",
		"in_person_review" };
	enum lien_status rc = LIEN_OK;
	char id[REG_APP_ID_LEN + 1];
	uint8_t vk[REG_VEHICLE_KEY_LEN];

	switch (rq->kind) {
	case REG_T_INSTITUTION_FILE:
	case REG_T_PARTY_FILE: {
		uint8_t h[HASH_LEN];

		TRY(put_str(p, "party", rq->party, 1, rq->kind ==
		    REG_T_INSTITUTION_FILE ? "uscc_invalid" :
		    "party_id_invalid", v));
		if (rq->kind == REG_T_PARTY_FILE)
			TRY(put_cstr(p, "role", rq->party_role ==
			    REG_ROLE_INSTITUTION || rq->party_role ==
			    REG_ROLE_ADMIN ? NULL :
			    rg_role_name(rq->party_role), "role_invalid", v));
		TRY(put_str(p, "name", rq->name, 1, "name_invalid", v));
		if (rq->contact.p != NULL && rq->kind != REG_T_INSTITUTION_FILE) {
			rc = rg_refuse(v, LIEN_EPARSE, "field_unknown");
			goto out;
		}
		TRY(put_str(p, "contact", rq->contact, 0, "contact_invalid",
		    v));
		TRY(put_b64(p, "cert", rq->cert_der, rq->cert_der_len,
		    CERT_DER_MAX, "cert_invalid", v));
		hash_sha256(rq->cert_der, rq->cert_der_len, h);
		TRY(put_hex(p, "keyid", h, HASH_LEN));
		TRY(put_int(p, "cert_not_after_ms", rq->cert_not_after_ms,
		    "field_invalid", v));
		break;
	}
	case REG_T_INSTITUTION_STATUS:
	case REG_T_PARTY_STATUS:
		TRY(put_str(p, "party", rq->party, 1, "party_id_invalid", v));
		TRY(put_cstr(p, "action", (unsigned)rq->action < 4 ?
		    actions[rq->action] : NULL, "action_invalid", v));
		if (rq->has_target_key)
			TRY(put_hex(p, "keyid", rq->target_keyid, HASH_LEN));
		TRY(text_ok(rq->reason, 0, "field_missing", "reason_invalid",
		    v));
		break;
	case REG_T_VOUCHER: {
		char vid[REG_VOUCHER_ID_LEN + 1];

		if (registry_vehicle_key(rq->vin.p, rq->vin.len, vk) !=
		    LIEN_OK) {
			rc = rg_refuse(v, LIEN_EPARSE, "vin_invalid");
			goto out;
		}
		if (rq->valid_days < 1 ||
		    rq->valid_days > REG_VOUCHER_DAYS_MAX) {
			rc = rg_refuse(v, LIEN_EPARSE, "valid_days_invalid");
			goto out;
		}
		registry_voucher_id_format(appv, vid);
		TRY(put_cstr(p, "voucher", vid, "voucher_id_invalid", v));
		TRY(put_cstr(p, "purpose", rq->voucher_release ? "release" :
		    "mortgage", "purpose_invalid", v));
		TRY(put_int(p, "expires_ms", now + rq->valid_days * REG_DAY_MS,
		    "field_invalid", v));
		TRY(put_hex(r, "vehicle", vk, REG_VEHICLE_KEY_LEN));
		if (rq->voucher_release)
			TRY(put_str(r, "mortgage", rq->app, 1,
			    "app_id_invalid", v));
		else
			TRY(put_hex(r, "contract", rq->contract,
			    REG_COMMIT_LEN));
		break;
	}
	case REG_T_VEHICLE_RECORD:
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION:
	case REG_T_RESTRICTION:
		if (registry_vehicle_key(rq->vin.p, rq->vin.len, vk) !=
		    LIEN_OK) {
			rc = rg_refuse(v, LIEN_EPARSE, "vin_invalid");
			goto out;
		}
		if (rq->kind == REG_T_MORTGAGE_APPLICATION ||
		    rq->kind == REG_T_RELEASE_APPLICATION) {
			registry_app_id_format(appv, id);
			TRY(put_cstr(p, "app", id, "app_id_invalid", v));
		}
		TRY(put_hex(p, "vehicle", vk, REG_VEHICLE_KEY_LEN));
		if (rq->kind == REG_T_RESTRICTION) {
			TRY(put_cstr(p, "action", rq->restriction_set ? "set" :
			    "lift", "action_invalid", v));
			TRY(put_cstr(p, "kind", rg_restr_name(rq->restriction),
			    "restriction_invalid", v));
			TRY(text_ok(rq->reference, 0, "field_missing",
			    "reference_invalid", v));
			break;
		}
		TRY(put_hex(r, "owner", rq->owner, REG_COMMIT_LEN));
		TRY(encode_company(rq, r, v));
		if (rq->kind != REG_T_VEHICLE_RECORD)
			TRY(encode_counter(rq, p, r, v));
		if (rq->kind == REG_T_RELEASE_APPLICATION) {
			TRY(put_str(p, "mortgage", rq->app, 1,
			    "app_id_invalid", v));
			break;
		}
		TRY(put_hex(r, "details", rq->details, REG_COMMIT_LEN));
		if (rq->kind == REG_T_MORTGAGE_APPLICATION) {
			TRY(put_hex(r, "contract", rq->contract,
			    REG_COMMIT_LEN));
			TRY(put_str(r, "term_end", rq->term_end, 0,
			    "term_end_invalid", v));
		}
		break;
	case REG_T_DECISION:
		TRY(put_str(p, "app", rq->app, 1, "app_id_invalid", v));
		TRY(put_cstr(p, "decision", (unsigned)rq->decision < 4 ?
		    decisions[rq->decision] : NULL, "decision_invalid", v));
		TRY(text_ok(rq->reason, rq->decision == REG_DECIDE_REJECT,
		    "reason_required", "reason_invalid", v));
		break;
	case REG_T_DELIVERY_EVENT:
		TRY(put_str(p, "app", rq->app, 1, "app_id_invalid", v));
		TRY(put_cstr(p, "event", (unsigned)rq->delivery_event <=
		    REG_DELIVERY_RETURNED ?
		    rg_delivery_names[rq->delivery_event] : NULL,
		    "event_invalid", v));
		/* the tracking number: with picked_up, optionally with a new
		 * dispatch (another mail piece), sealed only */
		if (rq->delivery_event != REG_DELIVERY_PICKED_UP &&
		    rq->delivery_event != REG_DELIVERY_DISPATCHED &&
		    rq->tracking.p != NULL) {
			rc = rg_refuse(v, LIEN_EPARSE, "field_unknown");
			goto out;
		}
		TRY(text_ok(rq->tracking, rq->delivery_event ==
		    REG_DELIVERY_PICKED_UP, "tracking_required",
		    "tracking_invalid", v));
		break;
	case REG_T_ERASURE:
		TRY(put_hex(p, "subject", rq->subject, REG_SUBJECT_ID_LEN));
		TRY(put_cstr(p, "basis", (unsigned)rq->basis <= REG_BASIS_OTHER ?
		    rg_basis_names[rq->basis] : NULL, "basis_invalid", v));
		break;
	default:
		return rg_refuse(v, LIEN_EUNSUPPORTED, "type_unknown");
	}
out:
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
set_classification(json_t *p, json_t *r, unsigned bits)
{
	json_t *rs = json_array();

	if (rs == NULL)
		return LIEN_ENOMEM;
	for (unsigned i = 0; i < REG_ANOMALY_COUNT; i++)
		if ((bits & (1u << i)) &&
		    json_array_append_new(rs, json_string(rg_anomaly_codes[i]))) {
			json_decref(rs);
			return LIEN_ENOMEM;
		}
	if (rg_set(r, "reasons", rs) || rg_set(p, "status",
	    json_string(bits ? "in_person_review" : "submitted")))
		return LIEN_ENOMEM;
	return LIEN_OK;
}

/* Subject keys (docs/privacy.md "Identifiers and keys", docs/storage.md
 * "keys and subjects"). Each subject's record (key id, identity
 * commitment, wrapped key) lies in SUBJECTS under its position: the
 * number of the entry that created it across the chain of logs (base +
 * index, as an application id's: registry/handover.c, so a successor log
 * that inherits the table never reuses one) and the request's slot
 * (rg_subject_pos), so a new subject's record is appended beside the
 * last one; KEYS holds
 * the two lookups the readers need, small random-keyed records valued
 * with the position: "s/" identity commitment (a subject's request, an
 * owner's read by face token) and "d/" key id (the key a box is sealed
 * under, an erasure). The key id stays api/'s random one, not the
 * position: it is public in erasure entries and must not say when the
 * subject was created or which entry created it. Build-only: neither
 * table is derived from the log. */

/* The subject record a lookup key (lk) names: its position and fields
 * (borrowed until the next put/del). LIEN_ENOTFOUND: no such lookup;
 * LIEN_ECORRUPT: a malformed lookup, or a position without its record. */
static enum lien_status LIEN_MUST_CHECK
subject_at(struct ledger_state *st, const uint8_t *lk, size_t lk_len,
    uint8_t pos[RG_SUBJ_POS_LEN], struct rg_subject_rec *rec)
{
	const uint8_t *val;
	size_t val_len;
	enum lien_status rc;

	memset(rec, 0, sizeof(*rec));
	if ((rc = ledger_state_get(st, LEDGER_T_KEYS, lk, lk_len, &val,
	    &val_len)) != LIEN_OK)
		return rc;
	if ((rc = rg_subject_pos_check(val, val_len)) != LIEN_OK)
		return rc;
	memcpy(pos, val, RG_SUBJ_POS_LEN);
	rc = ledger_state_get(st, LEDGER_T_SUBJECTS, pos, RG_SUBJ_POS_LEN,
	    &val, &val_len);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_ECORRUPT;
	if (rc != LIEN_OK)
		return rc;
	return rg_subject_rec_parse(val, val_len, rec);
}

/* 1 when the key id has an erasure tombstone in the public index. */
static int
key_erased(struct ledger_state *st, const uint8_t id[REG_SUBJECT_ID_LEN])
{
	char hex[2 * REG_SUBJECT_ID_LEN + 1], k[RG_KEY_MAX];
	const uint8_t *t;
	size_t tl;

	hex_encode(id, REG_SUBJECT_ID_LEN, hex);
	return ledger_state_get(st, LEDGER_T_INDEX, k, rg_key_erased(k, hex),
	    &t, &tl) == LIEN_OK;
}

/* Before any write: the subject key the evidence is sealed under must
 * still exist (or be created now, by nobody else first); an erasure's
 * key must exist. */
static enum lien_status LIEN_MUST_CHECK
keys_check(struct ledger_state *st, const struct reg_request *rq,
    struct rg_verdict *v)
{
	uint8_t k[RG_SUBJ_KEY_MAX], pos[RG_SUBJ_POS_LEN];
	struct rg_subject_rec sr;
	const uint8_t *val;
	size_t val_len;
	enum lien_status rc;

	if (rq->kind == REG_T_ERASURE) {
		rc = ledger_state_get(st, LEDGER_T_KEYS, k, rg_keys_by_id(k,
		    rq->subject), &val, &val_len);
		if (rc == LIEN_ENOTFOUND)
			return rg_refuse(v, LIEN_ENOTFOUND, "subject_unknown");
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		const struct reg_keyrec *nk = rq->newkey[i];

		if (nk == NULL)
			continue;
		if (nk->wrapped == NULL || nk->wrapped_len == 0 ||
		    nk->wrapped_len > REG_WRAPPED_MAX)
			return rg_refuse(v, LIEN_EINVAL, "field_invalid");
		rc = subject_at(st, k, rg_keys_by_commit(k, nk->commit), pos,
		    &sr);
		if (rc == LIEN_ENOTFOUND)
			continue;
		if (rc != LIEN_OK)
			return rc;
		/* Another request created it first, unless the key it names
		 * was erased (a store restored from an old backup): then the
		 * new key replaces it (key_create). */
		if (!key_erased(st, sr.id))
			return rg_refuse(v, LIEN_ECONFLICT, "subject_retry");
	}
	if (rq->key_system)
		return LIEN_OK;
	for (int i = 0; i < 2; i++)
		if (rq->newkey[i] != NULL && memcmp(rq->newkey[i]->id,
		    rq->key_id, REG_SUBJECT_ID_LEN) == 0)
			return LIEN_OK;		/* sealed under a new key */
	rc = ledger_state_get(st, LEDGER_T_KEYS, k, rg_keys_by_id(k,
	    rq->key_id), &val, &val_len);
	if (rc == LIEN_ENOTFOUND)	/* erased since api/ looked it up */
		return rg_refuse(v, LIEN_ECONFLICT, "subject_retry");
	return rc;
}

/* Store a new subject key, created by entry number appv (base + index)
 * in slot: its record
 * appended in SUBJECTS, its two lookups in KEYS. An erased key a restored
 * backup left under the same commitment (keys_check let it through) is
 * destroyed first: its record and its id's lookup. */
static enum lien_status LIEN_MUST_CHECK
key_create(struct ledger_state *st, uint64_t appv, unsigned slot,
    const struct reg_keyrec *nk)
{
	uint8_t k[RG_SUBJ_KEY_MAX], pos[RG_SUBJ_POS_LEN];
	uint8_t rec[REG_SUBJECT_ID_LEN + REG_COMMIT_LEN + REG_WRAPPED_MAX];
	struct rg_subject_rec sr;
	enum lien_status rc;

	rc = subject_at(st, k, rg_keys_by_commit(k, nk->commit), pos, &sr);
	if (rc == LIEN_OK) {
		uint8_t old[REG_SUBJECT_ID_LEN];

		memcpy(old, sr.id, sizeof old);
		if ((rc = ledger_state_del(st, LEDGER_T_SUBJECTS, pos,
		    sizeof pos)) != LIEN_OK)
			return rc;
		rc = ledger_state_del(st, LEDGER_T_KEYS, k, rg_keys_by_id(k,
		    old));
		if (rc != LIEN_OK && rc != LIEN_ENOTFOUND)
			return rc;
	} else if (rc != LIEN_ENOTFOUND) {
		return rc;
	}
	rg_subject_pos(pos, appv, slot);
	memcpy(rec, nk->id, REG_SUBJECT_ID_LEN);
	memcpy(rec + REG_SUBJECT_ID_LEN, nk->commit, REG_COMMIT_LEN);
	memcpy(rec + REG_SUBJECT_ID_LEN + REG_COMMIT_LEN, nk->wrapped,
	    nk->wrapped_len);
	if ((rc = ledger_state_put(st, LEDGER_T_SUBJECTS, pos, sizeof pos, rec,
	    REG_SUBJECT_ID_LEN + REG_COMMIT_LEN + nk->wrapped_len)) !=
	    LIEN_OK ||
	    (rc = ledger_state_put(st, LEDGER_T_KEYS, k, rg_keys_by_commit(k,
	    nk->commit), pos, sizeof pos)) != LIEN_OK)
		return rc;
	return ledger_state_put(st, LEDGER_T_KEYS, k, rg_keys_by_id(k,
	    nk->id), pos, sizeof pos);
}

/* After the decision: create the new subject keys, or destroy an erased
 * one (its wrapped key and both its lookups). */
static enum lien_status LIEN_MUST_CHECK
keys_write(struct ledger_state *st, uint64_t appv,
    const struct reg_request *rq)
{
	uint8_t k[RG_SUBJ_KEY_MAX], pos[RG_SUBJ_POS_LEN], cm[REG_COMMIT_LEN];
	struct rg_subject_rec sr;
	const uint8_t *val;
	size_t val_len;
	enum lien_status rc;

	if (rq->kind == REG_T_ERASURE) {
		if ((rc = subject_at(st, k, rg_keys_by_id(k, rq->subject), pos,
		    &sr)) != LIEN_OK)
			return rc;
		memcpy(cm, sr.commit, sizeof cm);
		if ((rc = ledger_state_del(st, LEDGER_T_SUBJECTS, pos,
		    sizeof pos)) != LIEN_OK ||
		    (rc = ledger_state_del(st, LEDGER_T_KEYS, k,
		    rg_keys_by_id(k, rq->subject))) != LIEN_OK)
			return rc;
		/* the commitment's lookup, if it still names this key */
		rc = ledger_state_get(st, LEDGER_T_KEYS, k, rg_keys_by_commit(k,
		    cm), &val, &val_len);
		if (rc == LIEN_OK && val_len == sizeof pos &&
		    memcmp(val, pos, sizeof pos) == 0)
			rc = ledger_state_del(st, LEDGER_T_KEYS, k,
			    rg_keys_by_commit(k, cm));
		return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
	}
	for (unsigned i = 0; i < 2; i++)
		if (rq->newkey[i] != NULL &&
		    (rc = key_create(st, appv, i, rq->newkey[i])) != LIEN_OK)
			return rc;
	return LIEN_OK;
}

enum lien_status
registry_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	struct reg_request *rq = arg;
	struct reg_rules defaults;
	const struct reg_rules *rules;
	struct rg_verdict v = { LIEN_OK, NULL, 0 };
	json_t *p = NULL, *r = NULL;
	char *rbytes = NULL;
	size_t rlen = 0;
	uint8_t commit[HASH_LEN];
	unsigned type;
	unsigned bits = 0;
	uint64_t appv;
	enum lien_status rc;

	if (rq == NULL || st == NULL || out_len == NULL)
		return LIEN_EINVAL;
	*out_len = 0;
	rq->refusal = NULL;
	rq->app_id[0] = 0;
	rq->app_status = NULL;
	rq->anomalies = 0;
	rq->original_index = 0;
	type = (unsigned)rq->kind;
	if ((rules = rq->rules) == NULL) {
		registry_rules_default(&defaults);
		rules = &defaults;
	}
	if ((p = json_object()) == NULL || (r = json_object()) == NULL) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	if (!registry_type_known(type)) {
		rc = rg_refuse(&v, LIEN_EUNSUPPORTED, "type_unknown");
		goto out;
	}
	if (time_ms >= REG_TIME_MAX || index >= REG_INDEX_MAX) {
		rc = rg_refuse(&v, LIEN_ECORRUPT, "time_out_of_range");
		goto out;
	}
	TRY(rg_app_value(st, index, &appv));
	TRY(encode_public(rq, p, &v));
	TRY(encode_private(rq, time_ms, rules, r, &v));
	TRY(encode_kind(rq, appv, time_ms, p, r, &v));
	TRY(rg_shape(type, appv, p, 0, &v));
	TRY(rg_pshape(type, p, r, 0, &v));
	TRY(rg_check(st, index, time_ms, type, p, r, &v));
	TRY(keys_check(st, rq, &v));
	if (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION) {
		TRY(rg_anomalies(st, time_ms, type, p, r, rules, &bits));
		TRY(set_classification(p, r, bits));
	}
	/* The private record, then the public payload that commits to it. */
	if ((rc = jcs_serialize(r, &rbytes, &rlen)) != LIEN_OK)
		goto out;
	registry_private_commit(index, (const uint8_t *)rbytes, rlen, commit);
	TRY(put_hex(p, "private", commit, HASH_LEN));
	if ((rc = jcs_write(p, out, cap, out_len)) != LIEN_OK) {
		*out_len = 0;
		if (rc == LIEN_ETOOBIG)
			rg_refuse(&v, LIEN_ETOOBIG, "payload_too_large");
		goto out;
	}

	/* ---- decided: from here on, writes ----
	 * rg_apply / rg_papply are registry_apply minus its parse: p and r
	 * are the trees the bytes were just written from. The audit replay
	 * applies the bytes themselves and compares the resulting state
	 * record for record. */
	TRY(rg_apply(st, index, time_ms, type, p));
	/* the receipt names the status proof of the vehicle stored */
	rg_status_stored_vin(rq->vin.p, rq->vin.len, rq->status_vin);
	TRY(rg_papply(st, index, time_ms, type, p, r));
	{
		uint8_t k[8];

		be64_put(k, index);
		/* stored packed (registry/jpack.h), the box's digest
		 * elided (read.c rg_private_pack):
		 * registry_private_get gives back exactly rbytes, what the
		 * commitment hashes */
		{
			uint8_t *pk;
			size_t pk_len;

			TRY(rg_private_pack(rbytes, rlen, rq->sealed,
			    rq->sealed_len, &pk, &pk_len));
			rc = ledger_state_put(st, LEDGER_T_PRIVATE, k, 8, pk,
			    pk_len);
			free(pk);
			if (rc != LIEN_OK)
				goto out;
		}
		/* sealed: the box alone (store v18); the key it is sealed
		 * under is the private record's `key` */
		TRY(ledger_state_put(st, LEDGER_T_SEALED, k, 8, rq->sealed,
		    rq->sealed_len));
	}
	TRY(keys_write(st, appv, rq));
	rq->anomalies = bits;
	if (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION) {
		registry_app_id_format(appv, rq->app_id);
		rq->app_status = bits ? "in_person_review" : "submitted";
	} else if (type == REG_T_VOUCHER) {
		registry_voucher_id_format(appv, rq->app_id);
	} else if (type == REG_T_DELIVERY_EVENT) {
		memcpy(rq->app_id, rq->app.p, REG_APP_ID_LEN);
		rq->app_id[REG_APP_ID_LEN] = 0;
	} else if (type == REG_T_DECISION) {
		memcpy(rq->app_id, rq->app.p, REG_APP_ID_LEN);
		rq->app_id[REG_APP_ID_LEN] = 0;
		rq->app_status = rq->decision == REG_DECIDE_APPROVE ?
		    "approved" : rq->decision == REG_DECIDE_REJECT ?
		    "rejected" : "in_person_review";
	}
out:
	if (rc != LIEN_OK) {
		*out_len = 0;
		rq->refusal = v.reason ? v.reason : "internal";
		if (rc == LIEN_EEXIST)
			rq->original_index = v.original_index;
	}
	json_decref(p);
	json_decref(r);
	free(rbytes);
	return rc;
}

enum lien_status
registry_check(struct ledger_state *st, uint64_t index, uint64_t time_ms,
    uint16_t type, const uint8_t *payload, size_t len, const uint8_t *priv,
    size_t priv_len, const char **reason)
{
	json_t *p = NULL, *r = NULL;
	struct rg_verdict v = { LIEN_OK, NULL, 0 };
	uint64_t appv;
	enum lien_status rc;

	*reason = NULL;
	if (type < REG_T_FIRST)
		return LIEN_OK;
	if (!registry_type_known(type)) {
		*reason = "type_unknown";
		return LIEN_EUNSUPPORTED;
	}
	if (time_ms >= REG_TIME_MAX || index >= REG_INDEX_MAX) {
		*reason = "time_out_of_range";
		return LIEN_ECORRUPT;
	}
	if ((rc = rg_app_value(st, index, &appv)) != LIEN_OK) {
		*reason = rc == LIEN_ECORRUPT ? "time_out_of_range" : NULL;
		return rc;
	}
	rc = rg_parse_entry(index, appv, time_ms, type, payload, len, priv,
	    priv_len, &p, &r, &v);
	if (rc == LIEN_OK)
		rc = rg_check(st, index, time_ms, type, p, r, &v);
	if (rc != LIEN_OK)
		*reason = v.reason ? v.reason : "internal";
	json_decref(p);
	json_decref(r);
	return rc;
}

enum lien_status
registry_check_apply(struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len,
    const uint8_t *priv, size_t priv_len, const char **reason,
    int *out_applying)
{
	return rg_check_apply_pre(st, index, time_ms, type, payload, len,
	    priv, priv_len, NULL, reason, out_applying);
}

enum lien_status
rg_check_apply_pre(struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len,
    const uint8_t *priv, size_t priv_len, const uint8_t *priv_commit,
    const char **reason, int *out_applying)
{
	json_t *p = NULL, *r = NULL;
	struct rg_verdict v = { LIEN_OK, NULL, 0 };
	uint64_t appv;
	enum lien_status rc;

	*reason = NULL;
	*out_applying = 0;
	if (st == NULL || (payload == NULL && len != 0) ||
	    (priv == NULL && priv_len != 0))
		return LIEN_EINVAL;
	if (type < REG_T_FIRST)
		return LIEN_OK;
	if (!registry_type_known(type)) {
		*reason = "type_unknown";
		return LIEN_EUNSUPPORTED;
	}
	if (time_ms >= REG_TIME_MAX || index >= REG_INDEX_MAX) {
		*reason = "time_out_of_range";
		return LIEN_ECORRUPT;
	}
	if ((rc = rg_app_value(st, index, &appv)) != LIEN_OK) {
		*reason = rc == LIEN_ECORRUPT ? "time_out_of_range" : NULL;
		return rc;
	}
	/* One parse for both halves: the check only reads the trees and the
	 * state, so the apply sees exactly what registry_apply's own parse
	 * of the same bytes would give it. */
	rc = rg_parse_entry_commit(index, appv, time_ms, type, payload, len,
	    priv, priv_len, priv_commit, &p, &r, &v);
	if (rc == LIEN_OK)
		rc = rg_check(st, index, time_ms, type, p, r, &v);
	if (rc != LIEN_OK) {
		*reason = v.reason ? v.reason : "internal";
		goto out;
	}
	*out_applying = 1;
	if ((rc = rg_apply(st, index, time_ms, type, p)) == LIEN_OK &&
	    r != NULL)
		rc = rg_papply(st, index, time_ms, type, p, r);
out:
	json_decref(p);
	json_decref(r);
	return rc;
}

enum lien_status
registry_application_digest(enum reg_type kind, const char *mortgagee,
    size_t mortgagee_len, const char *company, size_t company_len,
    const json_t *application, uint8_t out[HASH_LEN])
{
	json_t *o;
	enum lien_status rc = LIEN_ENOMEM;

	memset(out, 0, HASH_LEN);
	if ((kind != REG_T_MORTGAGE_APPLICATION &&
	    kind != REG_T_RELEASE_APPLICATION) || mortgagee == NULL ||
	    application == NULL)
		return LIEN_EINVAL;
	if ((o = json_object()) == NULL)
		return LIEN_ENOMEM;
	/* json_stringn refuses invalid UTF-8: such a party id or code was
	 * refused long before, so EINVAL is enough of an answer */
	if (rg_set(o, "application", json_incref((json_t *)(uintptr_t)
	    application)) ||
	    rg_set(o, "step", json_string(rg_type_name(kind))))
		goto out;
	rc = LIEN_EINVAL;
	if (rg_set(o, "mortgagee", json_stringn(mortgagee, mortgagee_len)) ||
	    (company != NULL && rg_set(o, "company", json_stringn(company,
	    company_len))))
		goto out;
	rc = jcs_digest(o, out);
out:
	json_decref(o);
	return rc;
}
