/*
 * registry_build: one registration step, inside the sequencer's write
 * transaction (docs/architecture.md section 3 step 5).
 *
 *   build = encode the request as the entry payload (canonical JSON)
 *         + shape check (every identifier re-validated: the registry is
 *           safe on its own, whatever api/ did)
 *         + rules (rg_check: idempotency, nonce, signer, MPS Order 164)
 *         + anomaly rules for new applications (status and reasons)
 *         + rg_apply (registry_apply without its parse) on the tree the
 *           payload bytes are written from
 *
 * so the sequencer path and the audit's replay path share the transition
 * function byte for byte. Everything before registry_apply only reads:
 * a refusal leaves no trace and consumes no index (ledger.h contract).
 */
#include "registry/registry_int.h"

#include "common/hex.h"

#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/rd.h"
#include "crypto/pkey.h"
#include "crypto/seal.h"

static const char *
plate_type_code(unsigned t)
{
	switch (t) {
	case IDS_PLATE_LARGE: return "01";
	case IDS_PLATE_SMALL: return "02";
	case IDS_PLATE_LARGE_NEV: return "51";
	case IDS_PLATE_SMALL_NEV: return "52";
	default: return NULL;
	}
}

/* Encoders that turn a bad request value into a refusal naming it. Each
 * returns LIEN_OK, a refusal (v set) or LIEN_ENOMEM. */
static enum lien_status
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

static enum lien_status
put_cstr(json_t *o, const char *key, const char *s, const char *bad,
    struct rg_verdict *v)
{
	if (s == NULL)
		return rg_refuse(v, LIEN_EPARSE, bad);
	return rg_set(o, key, json_string(s)) ? LIEN_ENOMEM : LIEN_OK;
}

static enum lien_status
put_int(json_t *o, const char *key, uint64_t i, const char *bad,
    struct rg_verdict *v)
{
	if (i > (uint64_t)JCS_INT_MAX)
		return rg_refuse(v, LIEN_EPARSE, bad);
	return rg_set(o, key, json_integer((json_int_t)i)) ? LIEN_ENOMEM :
	    LIEN_OK;
}

static enum lien_status
put_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	return rg_set(o, key, rg_jhex(p, n)) ? LIEN_ENOMEM : LIEN_OK;
}

static enum lien_status
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
		rc = rg_set(o, key, json_stringn(s, sl - 1)) ? LIEN_ENOMEM :
		    LIEN_OK;
	free(s);
	return rc;
}

#define TRY(x) do { if ((rc = (x)) != LIEN_OK) goto out; } while (0)

static enum lien_status
encode_common(const struct reg_request *rq, uint64_t now,
    const struct reg_rules *rules, json_t *p, struct rg_verdict *v)
{
	json_t *sg = json_object(), *ev = json_object(), *fc = NULL;
	uint64_t exp;
	enum lien_status rc = LIEN_ENOMEM;

	if (sg == NULL || ev == NULL)
		goto out;
	TRY(put_int(p, "v", RG_PAYLOAD_VERSION, "field_invalid", v));
	TRY(put_cstr(p, "step", rg_type_name(rq->kind), "type_unknown", v));

	TRY(put_str(sg, "party", rq->signer.party, 1, "party_id_invalid", v));
	TRY(put_cstr(sg, "role", rg_role_name(rq->signer.role),
	    "role_invalid", v));
	TRY(put_hex(sg, "keyid", rq->signer.keyid, HASH_LEN));
	TRY(put_int(sg, "not_after_ms", rq->signer.not_after_ms,
	    "field_invalid", v));

	TRY(put_str(ev, "sig_input", rq->ev.sig_input, 1, "evidence_invalid",
	    v));
	TRY(put_b64(ev, "sig", rq->ev.sig, rq->ev.sig_len, PKEY_SIG_MAX,
	    "evidence_invalid", v));
	TRY(put_hex(ev, "digest", rq->ev.content_digest, HASH_LEN));
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

	if (rq->face.verdict != REG_FACE_NONE) {
		if ((fc = json_object()) == NULL)
			goto out;
		TRY(put_hex(fc, "token", rq->face.token_digest, HASH_LEN));
		TRY(put_cstr(fc, "verdict", rq->face.verdict ==
		    REG_FACE_PASS ? "pass" : rq->face.verdict == REG_FACE_GREY ?
		    "grey" : NULL, "face_invalid", v));
		TRY(put_int(fc, "liveness", rq->face.liveness, "face_invalid",
		    v));
		TRY(put_int(fc, "match", rq->face.match, "face_invalid", v));
		TRY(put_str(fc, "issuer", rq->face.issuer, 1, "face_invalid",
		    v));
		TRY(rg_set(p, "face", json_incref(fc)) ? LIEN_ENOMEM : LIEN_OK);
	}
	if (rq->sealed_len > 0) {
		uint8_t h[HASH_LEN];

		if (rq->sealed == NULL || rq->sealed_len > SEAL_SEALED_MAX) {
			rc = rg_refuse(v, LIEN_ETOOBIG, "sealed_too_large");
			goto out;
		}
		hash_sha256(rq->sealed, rq->sealed_len, h);
		TRY(put_hex(p, "sealed", h, HASH_LEN));
	}
	if (rg_set(p, "signer", json_incref(sg)) ||
	    rg_set(p, "evidence", json_incref(ev)))
		rc = LIEN_ENOMEM;
out:
	json_decref(sg);
	json_decref(ev);
	json_decref(fc);
	return rc;
}

/* A company owner (docs/registry.md): a vehicle record says so; an
 * application carries the acting person and the SMS authorisation. */
static enum lien_status
encode_company(const struct reg_request *rq, json_t *p, struct rg_verdict *v)
{
	json_t *sms;
	enum lien_status rc;

	if (!rq->owner_company)
		return rq->sms.present ? rg_refuse(v, LIEN_EPARSE,
		    "field_invalid") : LIEN_OK;
	if (rq->kind == REG_T_VEHICLE_RECORD)
		return rg_set(p, "owner_kind", json_string("company")) ?
		    LIEN_ENOMEM : LIEN_OK;
	if (!rq->sms.present)
		return rg_refuse(v, LIEN_EPARSE, "sms_missing");
	if ((rc = put_hex(p, "agent", rq->agent, REG_COMMIT_LEN)) != LIEN_OK)
		return rc;
	if ((sms = json_object()) == NULL)
		return LIEN_ENOMEM;
	if ((rc = put_hex(sms, "token", rq->sms.token_digest, HASH_LEN)) ==
	    LIEN_OK)
		rc = put_str(sms, "issuer", rq->sms.issuer, 1, "sms_invalid", v);
	if (rc == LIEN_OK && rg_set(p, "sms", json_incref(sms)))
		rc = LIEN_ENOMEM;
	json_decref(sms);
	return rc;
}

static enum lien_status
encode_kind(const struct reg_request *rq, uint64_t index, json_t *p,
    struct rg_verdict *v)
{
	static const char *const actions[] = { NULL, "suspend", "reinstate",
		"revoke" };
	static const char *const decisions[] = { NULL, "approve", "reject",
		"in_person_review" };
	enum lien_status rc = LIEN_OK;
	char id[REG_APP_ID_LEN + 1];

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
		TRY(put_str(p, "reason", rq->reason, 0, "reason_invalid", v));
		break;
	case REG_T_VEHICLE_RECORD:
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION:
		if (rq->kind != REG_T_VEHICLE_RECORD) {
			registry_app_id_format(index, id);
			TRY(put_cstr(p, "app", id, "app_id_invalid", v));
		}
		TRY(put_str(p, "vin", rq->vin, 1, "vin_invalid", v));
		TRY(put_hex(p, "owner", rq->owner, REG_COMMIT_LEN));
		TRY(encode_company(rq, p, v));
		if (rq->kind == REG_T_RELEASE_APPLICATION) {
			TRY(put_str(p, "mortgage", rq->app, 1,
			    "app_id_invalid", v));
			break;
		}
		TRY(put_str(p, "plate", rq->plate, 1, "plate_invalid", v));
		TRY(put_cstr(p, "plate_type", plate_type_code(rq->plate_type),
		    "plate_type_invalid", v));
		TRY(put_str(p, "cert_number", rq->cert_number, 1,
		    "cert_number_invalid", v));
		if (rq->kind == REG_T_VEHICLE_RECORD)
			break;
		TRY(put_str(p, "contract", rq->contract, 1,
		    "contract_invalid", v));
		if (rq->has_owner_name)
			TRY(put_hex(p, "owner_name", rq->owner_name,
			    REG_COMMIT_LEN));
		if (rq->has_phone)
			TRY(put_hex(p, "phone", rq->phone, REG_COMMIT_LEN));
		break;
	case REG_T_DECISION:
		TRY(put_str(p, "app", rq->app, 1, "app_id_invalid", v));
		TRY(put_cstr(p, "decision", (unsigned)rq->decision < 4 ?
		    decisions[rq->decision] : NULL, "decision_invalid", v));
		TRY(put_str(p, "reason", rq->reason, 0, "reason_invalid", v));
		break;
	case REG_T_RESTRICTION:
		TRY(put_str(p, "vin", rq->vin, 1, "vin_invalid", v));
		TRY(put_cstr(p, "action", rq->restriction_set ? "set" : "lift",
		    "action_invalid", v));
		TRY(put_cstr(p, "kind", rg_restr_name(rq->restriction),
		    "restriction_invalid", v));
		TRY(put_str(p, "reference", rq->reference, 0,
		    "reference_invalid", v));
		break;
	default:
		return rg_refuse(v, LIEN_EUNSUPPORTED, "type_unknown");
	}
out:
	return rc;
}

static enum lien_status
set_classification(json_t *p, unsigned bits)
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
	if (rg_set(p, "reasons", rs) || rg_set(p, "status",
	    json_string(bits ? "in_person_review" : "submitted")))
		return LIEN_ENOMEM;
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
	json_t *p = NULL;
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
	if ((p = json_object()) == NULL) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	if (type < REG_T_FIRST || type > REG_T_LAST) {
		rc = rg_refuse(&v, LIEN_EUNSUPPORTED, "type_unknown");
		goto out;
	}
	TRY(rg_app_value(st, index, &appv));
	TRY(encode_common(rq, time_ms, rules, p, &v));
	TRY(encode_kind(rq, appv, p, &v));
	TRY(rg_shape(type, appv, p, 0, &v));
	TRY(rg_check(st, index, time_ms, type, p, &v));
	if (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION) {
		TRY(rg_anomalies(st, time_ms, type, p, rules, &bits));
		TRY(set_classification(p, bits));
	}
	if ((rc = jcs_write(p, out, cap, out_len)) != LIEN_OK) {
		*out_len = 0;
		if (rc == LIEN_ETOOBIG)
			rg_refuse(&v, LIEN_ETOOBIG, "payload_too_large");
		goto out;
	}

	/* ---- decided: from here on, writes ----
	 * rg_apply is registry_apply minus its parse: p is the tree the
	 * payload bytes were just written from (shape-checked above, status
	 * and reasons set by set_classification), so parsing the bytes back
	 * would give p again. The audit replay applies the bytes themselves
	 * and compares the resulting state record for record. */
	TRY(rg_apply(st, index, time_ms, type, p));
	rg_status_stored_vin(rq->status_vin);
	if (rq->sealed_len > 0) {
		uint8_t k[8];

		be64_put(k, index);
		TRY(ledger_state_put(st, LEDGER_T_SEALED, k, 8, rq->sealed,
		    rq->sealed_len));
	}
	rq->anomalies = bits;
	if (type == REG_T_MORTGAGE_APPLICATION ||
	    type == REG_T_RELEASE_APPLICATION) {
		registry_app_id_format(appv, rq->app_id);
		rq->app_status = bits ? "in_person_review" : "submitted";
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
	return rc;
}

enum lien_status
registry_check(struct ledger_state *st, uint64_t index, uint64_t time_ms,
    uint16_t type, const uint8_t *payload, size_t len, const char **reason)
{
	json_t *p = NULL;
	struct rg_verdict v = { LIEN_OK, NULL, 0 };
	uint64_t appv;
	enum lien_status rc;

	*reason = NULL;
	if (type < REG_T_FIRST)
		return LIEN_OK;
	if (time_ms >= REG_TIME_MAX || index >= REG_INDEX_MAX) {
		*reason = "time_out_of_range";
		return LIEN_ECORRUPT;
	}
	if ((rc = jcs_parse_canonical(payload, len, &p)) != LIEN_OK) {
		*reason = "payload_not_canonical";
		return LIEN_EPARSE;
	}
	if ((rc = rg_app_value(st, index, &appv)) != LIEN_OK) {
		json_decref(p);
		*reason = rc == LIEN_ECORRUPT ? "time_out_of_range" : NULL;
		return rc;
	}
	if ((rc = rg_shape(type, appv, p, 1, &v)) == LIEN_OK)
		rc = rg_check(st, index, time_ms, type, p, &v);
	if (rc != LIEN_OK)
		*reason = v.reason ? v.reason : "internal";
	json_decref(p);
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
