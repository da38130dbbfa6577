/*
 * The registration rules (docs/registry.md "Rules") and the anomaly rules
 * (docs/anomaly-rules.md), over a shape-checked payload and the state left
 * by every earlier entry. Reads only: the build calls rg_check before it
 * writes anything, and the audit calls it on the replayed state before
 * applying each entry, so an illegal transition in the log (an approval of
 * a mortgage on a seized vehicle, a release by another bank) is found with
 * its index.
 *
 * Hard rules (refusals) are functions of the log alone. Anomaly rules
 * (submitted vs in_person_review) depend on configured thresholds, so the
 * audit does not re-derive them: the payload records the outcome and its
 * reasons, and the audit checks only that they are consistent.
 *
 * MPS Order 164: art. 36 (refusals: seized, detained, stolen, scrapped,
 * customs; seizure blocks release), arts. 31-34 (joint application, the
 * mortgagee releases), art. 74 (suspicious online applications go to
 * in-person handling); Civil Code art. 414 (rank by registration time).
 */
#include "registry/registry_int.h"

#include "common/hex.h"

#include <string.h>

#include "common/rd.h"
#include "crypto/idemkey.h"

void
registry_nonce_key(const uint8_t keyid[HASH_LEN], uint64_t created,
    const char *nonce, size_t nonce_len, uint8_t out[REG_NONCE_KEY_LEN])
{
	static const char tag[] = "lienlog-nonce-v1";
	struct hash_part parts[3] = {
		{ tag, sizeof(tag) },	/* includes the 0x00 separator */
		{ keyid, HASH_LEN },
		{ nonce, nonce_len },
	};

	be64_put(out, created);
	hash_sha256_parts(parts, 3, out + 8);
}

void
registry_idem_key(const char *party, size_t party_len, const char *key,
    size_t key_len, uint64_t key_time_ms, uint8_t out[REG_IDEM_KEY_LEN])
{
	static const char tag[] = "lienlog-idem-v2";
	static const uint8_t zero = 0;
	struct hash_part parts[4] = {
		{ tag, sizeof(tag) },
		{ party, party_len },
		{ &zero, 1 },	/* party ids never contain 0x00 */
		{ key, key_len },
	};

	be64_put(out, key_time_ms);
	hash_sha256_parts(parts, 4, out + 8);
}

void
registry_rules_default(struct reg_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->nonce_window_ms = 300000;
	r->face_grey = 1;
	r->multi_bank_window_ms = 30ull * 24 * 3600 * 1000;
	r->multi_bank_min = 2;
	r->inst_burst_window_ms = 60000;
	r->inst_burst_max = 1000;
	r->owner_burst_window_ms = 24ull * 3600 * 1000;
	r->owner_burst_max = 3;
	r->cert_expiry_ms = 7ull * 24 * 3600 * 1000;
	r->release_soon_ms = 3ull * 24 * 3600 * 1000;
	r->owner_check = 1;
}

static enum reg_role
required_role(unsigned type)
{
	switch (type) {
	case REG_T_INSTITUTION_FILE:
	case REG_T_INSTITUTION_STATUS:
	case REG_T_PARTY_FILE:
	case REG_T_PARTY_STATUS:
		return REG_ROLE_ADMIN;
	case REG_T_VEHICLE_RECORD:
	case REG_T_RESTRICTION:
		return REG_ROLE_REGISTRY;
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION:
		return REG_ROLE_INSTITUTION;
	case REG_T_DECISION:
		return REG_ROLE_OFFICER;
	default:
		return REG_ROLE_NONE;
	}
}

/* o[key] is the string (s, n). */
static int
jstr_is(const json_t *o, const char *key, const char *s, size_t n)
{
	size_t len;
	const char *v = rg_jstr(o, key, &len);

	return v != NULL && len == n && memcmp(v, s, n) == 0;
}

/* The signer's filed key and party must be active with the signer's role.
 * Administrators are pinned in the trust configuration (api/), not filed
 * in the log: the registry takes api/'s word for them. */
static enum lien_status
check_signer(struct ledger_state *st, const json_t *sg, unsigned type,
    struct rg_verdict *v)
{
	const char *party, *keyid, *role;
	size_t plen, klen, rlen;
	int r;
	json_t *kr = NULL, *pr = NULL;
	char pk[RG_KEY_MAX];
	enum lien_status rc;

	party = rg_jstr(sg, "party", &plen);
	keyid = rg_jstr(sg, "keyid", &klen);
	role = rg_jstr(sg, "role", &rlen);
	r = rg_role_parse(role, rlen);
	if (r != (int)required_role(type))
		return rg_refuse(v, LIEN_EKEY, "role_forbidden");
	if (r == REG_ROLE_ADMIN)
		return LIEN_OK;
	rc = rg_load_ro(st, LEDGER_T_PARTIES, keyid, klen, &kr);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_EKEY, "party_unknown");
	if (rc != LIEN_OK)
		return rc;
	if (!rg_jstr_eq(kr, "role", role) || !jstr_is(kr, "party", party,
	    plen)) {
		rc = rg_refuse(v, LIEN_EKEY, "party_unknown");
		goto out;
	}
	if (!rg_jstr_eq(kr, "status", "active")) {
		rc = rg_refuse(v, LIEN_EKEY, "party_inactive");
		goto out;
	}
	rc = rg_load_ro(st, LEDGER_T_PARTIES, pk, rg_key_party_id(pk, party,
	    plen), &pr);
	if (rc == LIEN_ENOTFOUND)
		rc = LIEN_ECORRUPT;	/* a key without its party */
	if (rc != LIEN_OK)
		goto out;
	if (!rg_jstr_eq(pr, "status", "active"))
		rc = rg_refuse(v, LIEN_EKEY, "party_inactive");
out:
	json_decref(kr);
	json_decref(pr);
	return rc;
}

/* First restriction of the vehicle record among mask (bits 1 << kind), in
 * kind order; 0 if none. */
static int
restricted(const json_t *veh, unsigned mask)
{
	json_t *a = json_object_get(veh, "restrictions");
	int best = 0;

	for (size_t i = 0; i < json_array_size(a); i++) {
		size_t n;
		const char *k = rg_jstr(json_array_get(a, i), "kind", &n);
		int r = rg_restr_parse(k, n);

		if (r && (mask & (1u << r)) && (best == 0 || r < best))
			best = r;
	}
	return best;
}

/* A company vehicle (recorded with "owner_kind":"company") is mortgaged
 * or released only with its legal representative's SMS authorisation of
 * the acting person (the seed flow; docs/api-registration.md "Company
 * owners"), given by the recorded owner: a must carry "sms" (api/
 * verified the token before the entry was built) and the vehicle's owner
 * commitment. a is the payload of the application, or for an approval
 * the application record (which keeps both). */
static enum lien_status
check_company_owner(const json_t *veh, const json_t *a, struct rg_verdict *v)
{
	size_t n1, n2;
	const char *o1, *o2;

	if (!rg_jstr_eq(veh, "owner_kind", "company"))
		return LIEN_OK;
	if (json_object_get(a, "sms") == NULL)
		return rg_refuse(v, LIEN_EKEY, "company_authorisation_missing");
	o1 = rg_jstr(veh, "owner", &n1);
	o2 = rg_jstr(a, "owner", &n2);
	if (o1 == NULL || o2 == NULL || n1 != n2 || memcmp(o1, o2, n1) != 0)
		return rg_refuse(v, LIEN_EKEY, "company_mismatch");
	return LIEN_OK;
}

#define MASK_MORTGAGE 0x3Eu	/* every kind: art. 36 */
#define MASK_RELEASE ((1u << REG_RESTR_SEIZED) | (1u << REG_RESTR_DETAINED))

static size_t
lien_count(const json_t *veh)
{
	return json_array_size(json_object_get(veh, "liens")) +
	    json_array_size(json_object_get(veh, "released"));
}

static enum lien_status
check_file(struct ledger_state *st, unsigned type, const json_t *p,
    struct rg_verdict *v)
{
	const char *party, *keyid;
	size_t plen, klen;
	json_t *pr = NULL;
	char pk[RG_KEY_MAX];
	const uint8_t *val;
	size_t val_len;
	enum lien_status rc;
	const char *role = type == REG_T_INSTITUTION_FILE ? "institution" :
	    json_string_value(json_object_get(p, "role"));

	keyid = rg_jstr(p, "keyid", &klen);
	party = rg_jstr(p, "party", &plen);
	rc = ledger_state_get(st, LEDGER_T_PARTIES, keyid, klen, &val,
	    &val_len);
	if (rc == LIEN_OK)
		return rg_refuse(v, LIEN_ECONFLICT, "key_exists");
	if (rc != LIEN_ENOTFOUND)
		return rc;
	rc = rg_load_ro(st, LEDGER_T_PARTIES, pk, rg_key_party_id(pk, party,
	    plen), &pr);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;		/* a new party */
	if (rc != LIEN_OK)
		return rc;
	if (!rg_jstr_eq(pr, "role", role))
		rc = rg_refuse(v, LIEN_ECONFLICT, "role_mismatch");
	else if (rg_jstr_eq(pr, "status", "revoked"))
		rc = rg_refuse(v, LIEN_ECONFLICT, "party_revoked");
	else if (json_array_size(json_object_get(pr, "keys")) >=
	    REG_PARTY_KEYS_MAX)
		rc = rg_refuse(v, LIEN_ECONFLICT, "key_limit");
	json_decref(pr);
	return rc;
}

static enum lien_status
check_status(struct ledger_state *st, unsigned type, const json_t *p,
    struct rg_verdict *v)
{
	const char *party, *keyid, *cur;
	size_t plen, klen, clen;
	json_t *pr = NULL, *kr = NULL;
	char pk[RG_KEY_MAX];
	enum lien_status rc;
	int inst, from;

	party = rg_jstr(p, "party", &plen);
	rc = rg_load_ro(st, LEDGER_T_PARTIES, pk, rg_key_party_id(pk, party,
	    plen), &pr);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "party_unknown");
	if (rc != LIEN_OK)
		return rc;
	inst = rg_jstr_eq(pr, "role", "institution");
	if (inst != (type == REG_T_INSTITUTION_STATUS)) {
		rc = rg_refuse(v, LIEN_ECONFLICT, "role_mismatch");
		goto out;
	}
	cur = rg_jstr(pr, "status", &clen);
	if ((keyid = rg_jstr(p, "keyid", &klen)) != NULL) {
		size_t n;
		const char *kp;

		rc = rg_load_ro(st, LEDGER_T_PARTIES, keyid, klen, &kr);
		if (rc == LIEN_ENOTFOUND ||
		    (rc == LIEN_OK && ((kp = rg_jstr(kr, "party", &n)) ==
		    NULL || n != plen || memcmp(kp, party, n) != 0))) {
			rc = rg_refuse(v, LIEN_ENOTFOUND, "key_unknown");
			goto out;
		}
		if (rc != LIEN_OK)
			goto out;
		cur = rg_jstr(kr, "status", &clen);
	}
	from = rg_party_status_parse(cur, cur ? clen : 0);
	if (from == REG_PARTY_REVOKED) {
		rc = rg_refuse(v, LIEN_ECONFLICT, "party_revoked");
	} else if (rg_jstr_eq(p, "action", "suspend") ?
	    from != REG_PARTY_ACTIVE : rg_jstr_eq(p, "action", "reinstate") ?
	    from != REG_PARTY_SUSPENDED : from == 0) {
		rc = rg_refuse(v, LIEN_ECONFLICT, "status_unchanged");
	}
out:
	json_decref(pr);
	json_decref(kr);
	return rc;
}

static enum lien_status
check_mortgage(struct ledger_state *st, const json_t *p, const char *party,
    size_t plen, struct rg_verdict *v)
{
	const char *vin, *contract;
	size_t n, clen;
	json_t *veh = NULL;
	char k[RG_KEY_MAX];
	const uint8_t *val;
	size_t val_len;
	enum lien_status rc;
	int r;

	vin = rg_jstr(p, "vin", &n);
	contract = rg_jstr(p, "contract", &clen);
	rc = rg_load_ro(st, LEDGER_T_VEHICLES, vin, n, &veh);
	if (rc == LIEN_OK) {
		if ((r = restricted(veh, MASK_MORTGAGE)) != 0)
			rc = rg_refuse(v, LIEN_ECONFLICT,
			    rg_restr_refusal((enum reg_restriction)r));
		else if (lien_count(veh) >= REG_VEHICLE_LIENS_MAX)
			rc = rg_refuse(v, LIEN_ECONFLICT, "lien_limit");
		else
			rc = check_company_owner(veh, p, v);
		json_decref(veh);
		if (rc != LIEN_OK)
			return rc;
	} else if (rc != LIEN_ENOTFOUND) {
		return rc;	/* unrecorded: an anomaly, not a refusal */
	}
	rc = ledger_state_get(st, LEDGER_T_INDEX, k, rg_key_contract(k, party,
	    plen, contract, clen), &val, &val_len);
	if (rc == LIEN_OK)
		return rg_refuse(v, LIEN_ECONFLICT, "contract_duplicate");
	if (rc != LIEN_ENOTFOUND)
		return rc;
	rc = ledger_state_get(st, LEDGER_T_INDEX, k,
	    rg_key_pending_mortgage(k, vin, party, plen), &val, &val_len);
	if (rc == LIEN_OK)
		return rg_refuse(v, LIEN_ECONFLICT, "application_pending");
	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

/* The mortgage a release names: registered (approved, not released), on
 * the same vehicle; its mortgagee must be the signer. *out on LIEN_OK. */
static enum lien_status
registered_mortgage(struct ledger_state *st, const json_t *p,
    const char *party, size_t plen, json_t **out, struct rg_verdict *v)
{
	const char *mid, *vin, *mg;
	size_t mlen, vlen, glen;
	json_t *app = NULL;
	enum lien_status rc;

	*out = NULL;
	mid = rg_jstr(p, "mortgage", &mlen);
	vin = rg_jstr(p, "vin", &vlen);
	rc = rg_load_ro(st, LEDGER_T_APPS, mid, mlen, &app);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "mortgage_not_found");
	if (rc != LIEN_OK)
		return rc;
	if (!rg_jstr_eq(app, "kind", "mortgage") ||
	    !rg_jstr_eq(app, "status", "approved") ||
	    rg_jstr(app, "vin", &glen) == NULL || glen != vlen ||
	    memcmp(rg_jstr(app, "vin", &glen), vin, vlen) != 0) {
		json_decref(app);
		return rg_refuse(v, LIEN_ENOTFOUND, "mortgage_not_found");
	}
	mg = rg_jstr(app, "mortgagee", &glen);
	if (mg == NULL || glen != plen || memcmp(mg, party, plen) != 0) {
		json_decref(app);
		return rg_refuse(v, LIEN_EKEY, "not_mortgagee");
	}
	*out = app;
	return LIEN_OK;
}

/* A release (application a, or its record at approval) of a mortgage on
 * vin: not while seized or detained; a company's with its authorisation. */
static enum lien_status
vehicle_release_ok(struct ledger_state *st, const char *vin, size_t vlen,
    const json_t *a, struct rg_verdict *v)
{
	json_t *veh = NULL;
	enum lien_status rc = rg_load_ro(st, LEDGER_T_VEHICLES, vin, vlen, &veh);
	int r;

	if (rc == LIEN_ENOTFOUND)	/* a registered mortgage has one */
		return LIEN_ECORRUPT;
	if (rc != LIEN_OK)
		return rc;
	if ((r = restricted(veh, MASK_RELEASE)) != 0)
		rc = rg_refuse(v, LIEN_ECONFLICT,
		    rg_restr_refusal((enum reg_restriction)r));
	else
		rc = check_company_owner(veh, a, v);
	json_decref(veh);
	return rc;
}

static enum lien_status
check_release(struct ledger_state *st, const json_t *p, const char *party,
    size_t plen, struct rg_verdict *v)
{
	json_t *mort = NULL;
	char k[RG_KEY_MAX];
	const uint8_t *val;
	size_t val_len, vlen;
	const char *vin = rg_jstr(p, "vin", &vlen);
	enum lien_status rc;

	if ((rc = registered_mortgage(st, p, party, plen, &mort, v)) !=
	    LIEN_OK)
		return rc;
	json_decref(mort);
	if ((rc = vehicle_release_ok(st, vin, vlen, p, v)) != LIEN_OK)
		return rc;
	rc = ledger_state_get(st, LEDGER_T_INDEX, k,
	    rg_key_pending_release(k, json_string_value(json_object_get(p,
	    "mortgage"))), &val, &val_len);
	if (rc == LIEN_OK)
		return rg_refuse(v, LIEN_ECONFLICT, "release_pending");
	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

static enum lien_status
check_decision(struct ledger_state *st, const json_t *p,
    struct rg_verdict *v)
{
	const char *id, *vin;
	size_t n, vlen;
	json_t *app = NULL, *veh = NULL;
	enum lien_status rc;
	int in_review;

	id = rg_jstr(p, "app", &n);
	rc = rg_load_ro(st, LEDGER_T_APPS, id, n, &app);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "application_unknown");
	if (rc != LIEN_OK)
		return rc;
	in_review = rg_jstr_eq(app, "status", "in_person_review");
	if (!in_review && !rg_jstr_eq(app, "status", "submitted")) {
		rc = rg_refuse(v, LIEN_ECONFLICT, "already_decided");
		goto out;
	}
	if (rg_jstr_eq(p, "decision", "in_person_review")) {
		if (in_review)
			rc = rg_refuse(v, LIEN_ECONFLICT, "already_in_review");
		goto out;
	}
	if (!rg_jstr_eq(p, "decision", "approve"))
		goto out;	/* reject: always possible while undecided */
	vin = rg_jstr(app, "vin", &vlen);
	if (vin == NULL) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	if (rg_jstr_eq(app, "kind", "mortgage")) {
		int r;

		rc = rg_load_ro(st, LEDGER_T_VEHICLES, vin, vlen, &veh);
		if (rc == LIEN_ENOTFOUND) {
			rc = rg_refuse(v, LIEN_ENOTFOUND, "vehicle_unknown");
			goto out;
		}
		if (rc != LIEN_OK)
			goto out;
		if ((r = restricted(veh, MASK_MORTGAGE)) != 0)
			rc = rg_refuse(v, LIEN_ECONFLICT,
			    rg_restr_refusal((enum reg_restriction)r));
		else if (lien_count(veh) >= REG_VEHICLE_LIENS_MAX)
			rc = rg_refuse(v, LIEN_ECONFLICT, "lien_limit");
		else	/* recorded as a company's since it applied */
			rc = check_company_owner(veh, app, v);
	} else {
		/* a release: its mortgage must still be registered */
		json_t *mort = NULL;
		const char *mid = rg_jstr(app, "mortgage", &n);

		if (mid == NULL) {
			rc = LIEN_ECORRUPT;
			goto out;
		}
		rc = rg_load_ro(st, LEDGER_T_APPS, mid, n, &mort);
		if (rc == LIEN_OK && !rg_jstr_eq(mort, "status", "approved"))
			rc = rg_refuse(v, LIEN_ENOTFOUND,
			    "mortgage_not_found");
		else if (rc == LIEN_ENOTFOUND)
			rc = LIEN_ECORRUPT;
		json_decref(mort);
		if (rc == LIEN_OK)
			rc = vehicle_release_ok(st, vin, vlen, app, v);
	}
out:
	json_decref(app);
	json_decref(veh);
	return rc;
}

static enum lien_status
check_restriction(struct ledger_state *st, const json_t *p,
    struct rg_verdict *v)
{
	const char *vin, *kind;
	size_t n, kn;
	json_t *veh = NULL;
	enum lien_status rc;
	int r, has;

	vin = rg_jstr(p, "vin", &n);
	kind = rg_jstr(p, "kind", &kn);
	rc = rg_load_ro(st, LEDGER_T_VEHICLES, vin, n, &veh);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "vehicle_unknown");
	if (rc != LIEN_OK)
		return rc;
	r = rg_restr_parse(kind, kn);
	has = restricted(veh, 1u << r) != 0;
	json_decref(veh);
	if (rg_jstr_eq(p, "action", "set") && has)
		return rg_refuse(v, LIEN_ECONFLICT, "restriction_exists");
	if (rg_jstr_eq(p, "action", "lift") && !has)
		return rg_refuse(v, LIEN_ECONFLICT, "restriction_not_set");
	return LIEN_OK;
}

/* The Idempotency-Key rules (docs/api-registration.md "Retries"): a key
 * is the signer's (party) and lives REG_IDEM_KEEP_MS from its own time.
 * LIEN_OK when the payload carries no key or a key not used before. */
static enum lien_status
check_idem(struct ledger_state *st, uint64_t now, const char *party,
    size_t plen, const json_t *ev, const uint8_t digest[HASH_LEN],
    struct rg_verdict *v)
{
	uint8_t key[REG_IDEM_KEY_LEN];
	const uint8_t *val;
	size_t n, val_len;
	uint64_t t;
	const char *k = rg_jstr(ev, "idempotency_key", &n);
	enum lien_status rc;

	if (k == NULL)
		return LIEN_OK;
	if (idemkey_parse(k, n, &t) != LIEN_OK)
		return LIEN_EINVAL;	/* rg_shape first */
	if (t > now + REG_IDEM_FUTURE_MS)
		return rg_refuse(v, LIEN_EPARSE, "idempotency_key_invalid");
	if (t + REG_IDEM_KEEP_MS <= now)
		return rg_refuse(v, LIEN_ECONFLICT, "idempotency_key_expired");
	registry_idem_key(party, plen, k, n, t, key);
	rc = ledger_state_get(st, LEDGER_T_IDEM, key, sizeof key, &val,
	    &val_len);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (rc != LIEN_OK)
		return rc;
	if (val_len != REG_IDEM_VAL_LEN)
		return LIEN_ECORRUPT;
	if (!hash_equal(val + 8, digest))
		return rg_refuse(v, LIEN_ECONFLICT, "idempotency_key_reused");
	v->original_index = be64_get(val);
	return rg_refuse(v, LIEN_EEXIST, "idempotent_replay");
}

enum lien_status
rg_check(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p, struct rg_verdict *v)
{
	const json_t *sg = json_object_get(p, "signer");
	const json_t *ev = json_object_get(p, "evidence");
	const char *party, *s;
	size_t plen, n;
	uint8_t digest[HASH_LEN], keyid[HASH_LEN], key[REG_NONCE_KEY_LEN];
	const uint8_t *val;
	size_t val_len;
	int64_t created;
	enum lien_status rc;

	(void)index;
	v->st = LIEN_OK;
	v->reason = NULL;
	v->original_index = 0;
	party = rg_jstr(sg, "party", &plen);
	s = rg_jstr(ev, "digest", &n);
	if (party == NULL || hex_decode(s, n, digest, HASH_LEN) != LIEN_OK)
		return LIEN_EINVAL;	/* rg_shape first */

	/* Retries, recognised only by what the client says (never by equal
	 * bytes): its Idempotency-Key, then the very same signed request.
	 * Both before the rules, so a retry gets the original answer even
	 * if the state has moved on since. */
	if ((rc = check_idem(st, now, party, plen, ev, digest, v)) != LIEN_OK)
		return rc;
	s = rg_jstr(sg, "keyid", &n);
	if (hex_decode(s, n, keyid, HASH_LEN) != LIEN_OK ||
	    !rg_jint(ev, "created", &created) || created < 0)
		return LIEN_EINVAL;
	s = rg_jstr(ev, "nonce", &n);
	registry_nonce_key(keyid, (uint64_t)created, s, n, key);
	rc = ledger_state_get(st, LEDGER_T_NONCES, key, sizeof key, &val,
	    &val_len);
	if (rc == LIEN_OK) {
		if (val_len != REG_NONCE_VAL_LEN)
			return LIEN_ECORRUPT;
		if (be64_get(val) > now) {
			/* remembered: the same request is a retry, any
			 * other is a replayed nonce */
			if (!hash_equal(val + 16, digest))
				return rg_refuse(v, LIEN_ECONFLICT,
				    "nonce_replayed");
			v->original_index = be64_get(val + 8);
			return rg_refuse(v, LIEN_EEXIST, "idempotent_replay");
		}
	} else if (rc != LIEN_ENOTFOUND) {
		return rc;
	}

	if ((rc = check_signer(st, sg, type, v)) != LIEN_OK)
		return rc;
	switch (type) {
	case REG_T_INSTITUTION_FILE:
	case REG_T_PARTY_FILE:
		return check_file(st, type, p, v);
	case REG_T_INSTITUTION_STATUS:
	case REG_T_PARTY_STATUS:
		return check_status(st, type, p, v);
	case REG_T_VEHICLE_RECORD:
		return LIEN_OK;
	case REG_T_MORTGAGE_APPLICATION:
		return check_mortgage(st, p, party, plen, v);
	case REG_T_RELEASE_APPLICATION:
		return check_release(st, p, party, plen, v);
	case REG_T_DECISION:
		return check_decision(st, p, v);
	case REG_T_RESTRICTION:
		return check_restriction(st, p, v);
	default:
		return rg_refuse(v, LIEN_EUNSUPPORTED, "type_unknown");
	}
}

/* ---- anomaly rules ------------------------------------------------------ */

static int
str_field_eq(const json_t *a, const json_t *b, const char *key)
{
	size_t na, nb;
	const char *sa = rg_jstr(a, key, &na), *sb = rg_jstr(b, key, &nb);

	return sa && sb && na == nb && memcmp(sa, sb, na) == 0;
}

/* Distinct banks with a mortgage application for vin in the window,
 * counting party itself; stops at want. */
static enum lien_status
distinct_banks(struct ledger_state *st, const char *vin, const char *party,
    size_t plen, uint64_t now, uint64_t window, unsigned want,
    unsigned *out)
{
	char seen[16][REG_PARTY_ID_MAX];
	size_t seen_len[16];
	unsigned n = 0;
	uint8_t k[RG_KEY_MAX + 17];
	size_t pre = rg_key_window_prefix((char *)k, vin), klen = pre + 8;
	enum lien_status rc;

	if (want > 16)
		want = 16;
	memcpy(seen[n], party, plen);
	seen_len[n++] = plen;
	if (window > REG_WINDOW_KEEP_MS)
		window = REG_WINDOW_KEEP_MS;
	be64_put(k + pre, now > window ? now - window : 0);
	while (n < want) {
		const uint8_t *key, *val;
		size_t key_len, val_len;
		int dup = 0;

		rc = ledger_state_seek(st, LEDGER_T_INDEX, k, klen, &key,
		    &key_len, &val, &val_len);
		if (rc == LIEN_ENOTFOUND)
			break;
		if (rc != LIEN_OK)
			return rc;
		if (key_len != pre + 16 || memcmp(key, k, pre) != 0)
			break;
		if (val_len == 0 || val_len > REG_PARTY_ID_MAX)
			return LIEN_ECORRUPT;
		for (unsigned i = 0; i < n; i++)
			if (seen_len[i] == val_len &&
			    memcmp(seen[i], val, val_len) == 0)
				dup = 1;
		if (!dup) {
			memcpy(seen[n], val, val_len);
			seen_len[n++] = val_len;
		}
		memcpy(k, key, key_len);
		k[key_len] = 0;
		klen = key_len + 1;
	}
	*out = n;
	return LIEN_OK;
}

/* Time of the "approved" step in an application's timeline; 0 if none. */
static uint64_t
approved_time(const json_t *app)
{
	json_t *tl = json_object_get(app, "timeline");
	int64_t t;

	for (size_t i = 0; i < json_array_size(tl); i++)
		if (rg_jstr_eq(json_array_get(tl, i), "step", "approved") &&
		    rg_jint(json_array_get(tl, i), "time_ms", &t))
			return (uint64_t)t;
	return 0;
}

enum lien_status
rg_anomalies(struct ledger_state *st, uint64_t now, unsigned type,
    const json_t *p, const struct reg_rules *rules, unsigned *bits)
{
	struct reg_rules defaults;
	const json_t *sg = json_object_get(p, "signer");
	const char *party, *vin, *owner;
	size_t plen, vlen, olen;
	json_t *veh = NULL;
	char pre[RG_KEY_MAX];
	uint64_t count;
	int64_t not_after = 0;
	enum lien_status rc;

	*bits = 0;
	if (rules == NULL) {
		registry_rules_default(&defaults);
		rules = &defaults;
	}
	party = rg_jstr(sg, "party", &plen);
	vin = rg_jstr(p, "vin", &vlen);
	owner = rg_jstr(p, "owner", &olen);
	if (party == NULL || vin == NULL || owner == NULL)
		return LIEN_EINVAL;

	if (rules->face_grey &&
	    rg_jstr_eq(json_object_get(p, "face"), "verdict", "grey"))
		*bits |= REG_ANOMALY_FACE_GREY;

	if (rules->owner_check) {
		rc = rg_load_ro(st, LEDGER_T_VEHICLES, vin, vlen, &veh);
		if (rc == LIEN_ENOTFOUND) {
			*bits |= REG_ANOMALY_VEHICLE_UNRECORDED;
		} else if (rc != LIEN_OK) {
			return rc;
		} else {
			if (!str_field_eq(veh, p, "owner"))
				*bits |= REG_ANOMALY_OWNER_MISMATCH;
			if (type == REG_T_MORTGAGE_APPLICATION &&
			    (!str_field_eq(veh, p, "plate") ||
			    !str_field_eq(veh, p, "plate_type") ||
			    !str_field_eq(veh, p, "cert_number")))
				*bits |= REG_ANOMALY_VEHICLE_MISMATCH;
			json_decref(veh);
		}
	}

	if (type == REG_T_MORTGAGE_APPLICATION && rules->multi_bank_min > 0 &&
	    rules->multi_bank_window_ms > 0) {
		unsigned nb;

		if ((rc = distinct_banks(st, vin, party, plen, now,
		    rules->multi_bank_window_ms, rules->multi_bank_min,
		    &nb)) != LIEN_OK)
			return rc;
		if (nb >= rules->multi_bank_min && rules->multi_bank_min > 1)
			*bits |= REG_ANOMALY_MULTI_BANK;
	}

	if (rules->inst_burst_max > 0 && rules->inst_burst_window_ms > 0) {
		if ((rc = rg_bucket_count(st, pre, rg_key_bucket_prefix(pre,
		    'i', party, plen), now, rules->inst_burst_window_ms,
		    rules->inst_burst_max, &count)) != LIEN_OK)
			return rc;
		if (count + 1 > rules->inst_burst_max)
			*bits |= REG_ANOMALY_INST_BURST;
	}
	if (rules->owner_burst_max > 0 && rules->owner_burst_window_ms > 0) {
		if ((rc = rg_bucket_count(st, pre, rg_key_bucket_prefix(pre,
		    'o', owner, olen), now, rules->owner_burst_window_ms,
		    rules->owner_burst_max, &count)) != LIEN_OK)
			return rc;
		if (count + 1 > rules->owner_burst_max)
			*bits |= REG_ANOMALY_OWNER_BURST;
	}

	if (rules->cert_expiry_ms > 0 && rg_jint(sg, "not_after_ms",
	    &not_after) && (uint64_t)not_after < now + rules->cert_expiry_ms)
		*bits |= REG_ANOMALY_CERT_EXPIRING;

	if (type == REG_T_RELEASE_APPLICATION && rules->release_soon_ms > 0) {
		json_t *mort = NULL;
		size_t mlen;
		const char *mid = rg_jstr(p, "mortgage", &mlen);
		uint64_t at;

		if ((rc = rg_load_ro(st, LEDGER_T_APPS, mid, mlen, &mort)) !=
		    LIEN_OK)
			return rc;
		at = approved_time(mort);
		json_decref(mort);
		if (at != 0 && now < at + rules->release_soon_ms)
			*bits |= REG_ANOMALY_RELEASE_SOON;
	}
	return LIEN_OK;
}
