/*
 * The registration rules (docs/registry.md "Rules") and the anomaly rules
 * (docs/anomaly-rules.md), over a shape-checked payload and the state left
 * by every earlier entry. Reads only: the build calls rg_check before it
 * writes anything, and the audit calls it on the replayed state before
 * applying each entry, so an illegal transition in the log (an approval of
 * a mortgage on a seized vehicle, a release by another bank) is found with
 * its index.
 *
 * Hard rules (refusals) are functions of the log alone, in two halves
 * (docs/privacy.md "Server state and the audits"): the rules on public
 * data read only public state and run in the public audit; the rules on
 * private data (replay, idempotency, the bank behind an application,
 * contract numbers, pending applications per bank) read the private
 * record and private state and run in the private audit. Anomaly rules
 * (submitted vs in_person_review) depend on configured thresholds, so the
 * audit does not re-derive them: the payload records the outcome, the
 * private record its reasons, and the audit checks they are consistent.
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

/* The rules and the transition derive the same nonce and idempotency
 * keys from the same entry (registry_check_apply: one SHA-256 each, four
 * per entry): the last of each is remembered per thread, by its exact
 * inputs, so the second derivation is a compare. A pure function's
 * memo: a hit returns exactly what hashing would. */
#define RG_MEMO_IN_MAX 160u	/* inputs longer than this are not kept */

struct rg_key_memo {
	int valid;
	size_t in_len;
	uint8_t in[RG_MEMO_IN_MAX];
	uint8_t out[HASH_LEN];
};

static _Thread_local struct rg_key_memo nonce_memo, idem_memo;

/* parts[0..n) hashed into out through memo m. */
static void
memo_hash(struct rg_key_memo *m, const struct hash_part *parts, size_t n,
    uint8_t out[HASH_LEN])
{
	uint8_t in[RG_MEMO_IN_MAX];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (parts[i].len > sizeof in - len) {
			hash_sha256_parts(parts, n, out);	/* too long */
			return;
		}
		memcpy(in + len, parts[i].p, parts[i].len);
		len += parts[i].len;
	}
	if (m->valid && m->in_len == len && memcmp(m->in, in, len) == 0) {
		memcpy(out, m->out, HASH_LEN);
		return;
	}
	hash_sha256_parts(parts, n, out);
	memcpy(m->in, in, len);
	m->in_len = len;
	memcpy(m->out, out, HASH_LEN);
	m->valid = 1;
}

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
	memo_hash(&nonce_memo, parts, 3, out + 8);
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
	memo_hash(&idem_memo, parts, 4, out + 8);
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
required_role(unsigned type, const json_t *p)
{
	switch (type) {
	case REG_T_DELIVERY_EVENT:
		/* the centre's endorsement is the officer's step; the rest
		 * the post office's */
		return rg_jstr_eq(p, "event", "endorsed") ? REG_ROLE_OFFICER :
		    REG_ROLE_POST;
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
		/* at the counter the officer files it (窗口兜底) */
		return rg_counter(type, p) ? REG_ROLE_OFFICER :
		    REG_ROLE_INSTITUTION;
	case REG_T_VOUCHER:
		return REG_ROLE_INSTITUTION;
	case REG_T_DECISION:
		return REG_ROLE_OFFICER;
	case REG_T_ERASURE:
		return REG_ROLE_ADMIN;
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

/* a[ka] and b[kb] are equal strings */
static int
str_eq_field(const json_t *a, const char *ka, const json_t *b,
    const char *kb)
{
	size_t na, nb;
	const char *sa = rg_jstr(a, ka, &na), *sb = rg_jstr(b, kb, &nb);

	return sa != NULL && sb != NULL && na == nb &&
	    memcmp(sa, sb, na) == 0;
}

/* The signer's filed key and party must be active with the signer's role.
 * Administrators are pinned in the trust configuration (api/), not filed
 * in the log: the registry takes api/'s word for them. */
static enum lien_status LIEN_MUST_CHECK
check_signer(struct ledger_state *st, const json_t *sg, unsigned type,
    const json_t *p, struct rg_verdict *v)
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
	if (r != (int)required_role(type, p))
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

#define MASK_MORTGAGE 0x3Eu	/* every kind: art. 36 */
#define MASK_RELEASE ((1u << REG_RESTR_SEIZED) | (1u << REG_RESTR_DETAINED))

static size_t
lien_count(const json_t *veh)
{
	return json_array_size(json_object_get(veh, "liens")) +
	    json_array_size(json_object_get(veh, "released"));
}

static enum lien_status LIEN_MUST_CHECK
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

static enum lien_status LIEN_MUST_CHECK
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

/* A mortgage application, public half: the vehicle's public record (if
 * it is recorded) must carry no restriction and room for another lien. */
static enum lien_status LIEN_MUST_CHECK
check_mortgage(struct ledger_state *st, const json_t *p,
    struct rg_verdict *v)
{
	const char *vk = rg_vehicle(p);
	json_t *veh = NULL;
	enum lien_status rc;
	int r;

	rc = rg_load_ro(st, LEDGER_T_VEHICLES, vk, 2 * REG_VEHICLE_KEY_LEN,
	    &veh);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;	/* unrecorded: an anomaly, not a refusal */
	if (rc != LIEN_OK)
		return rc;
	if ((r = restricted(veh, MASK_MORTGAGE)) != 0)
		rc = rg_refuse(v, LIEN_ECONFLICT,
		    rg_restr_refusal((enum reg_restriction)r));
	else if (lien_count(veh) >= REG_VEHICLE_LIENS_MAX)
		rc = rg_refuse(v, LIEN_ECONFLICT, "lien_limit");
	json_decref(veh);
	return rc;
}

/* A company vehicle (recorded with "owner_kind":"company", private) is
 * mortgaged or released only with its legal representative's SMS
 * authorisation of the acting person (the seed flow;
 * docs/api-registration.md "Company owners"), given by the recorded owner:
 * a (the private record of the application, or its private state at an
 * approval) must carry "sms" (api/ verified the token before the entry was
 * built) and the vehicle's owner reference. */
static enum lien_status LIEN_MUST_CHECK
check_company_owner(struct ledger_state *st, const char *vk, const json_t *a,
    struct rg_verdict *v)
{
	char k[RG_KEY_MAX];
	json_t *pv = NULL;
	size_t n1, n2;
	const char *o1, *o2;
	enum lien_status rc;

	rc = rg_load_ro(st, LEDGER_T_VPRIVATE, k,
	    rg_key_vehicle_private(k, vk), &pv);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;		/* unrecorded: an anomaly */
	if (rc != LIEN_OK)
		return rc;
	if (!rg_jstr_eq(pv, "owner_kind", "company"))
		goto out;
	if (json_object_get(a, "sms") == NULL) {
		rc = rg_refuse(v, LIEN_EKEY, "company_authorisation_missing");
		goto out;
	}
	o1 = rg_jstr(pv, "owner", &n1);
	o2 = rg_jstr(a, "owner", &n2);
	if (o1 == NULL || o2 == NULL || n1 != n2 || memcmp(o1, o2, n1) != 0)
		rc = rg_refuse(v, LIEN_EKEY, "company_mismatch");
out:
	json_decref(pv);
	return rc;
}

/* Private half: a company vehicle's authorisation, the contract number is
 * new for this bank (keyed identifier of bank and number), and the bank
 * has no undecided mortgage application for the vehicle. */
static enum lien_status LIEN_MUST_CHECK
pcheck_mortgage(struct ledger_state *st, const json_t *p, const json_t *r,
    const char *party, size_t plen, struct rg_verdict *v)
{
	char k[RG_KEY_MAX];
	const uint8_t *val;
	size_t val_len;
	int pending;
	enum lien_status rc;

	if (rg_vehicle(p) == NULL)
		return LIEN_EINVAL;	/* shapes first */
	if ((rc = check_company_owner(st, rg_vehicle(p), r, v)) != LIEN_OK)
		return rc;
	rc = ledger_state_get(st, LEDGER_T_PSTATE, k, rg_key_contract(k,
	    json_string_value(json_object_get(r, "contract"))), &val,
	    &val_len);
	if (rc == LIEN_OK)
		return rg_refuse(v, LIEN_ECONFLICT, "contract_duplicate");
	if (rc != LIEN_ENOTFOUND)
		return rc;
	/* the undecided applications are in the vehicle's window record
	 * (store v14; pstate "pm/" records before) */
	if ((rc = rg_window_pending(st, rg_vehicle(p), party, plen,
	    &pending)) != LIEN_OK)
		return rc;
	if (pending)
		return rg_refuse(v, LIEN_ECONFLICT, "application_pending");
	return LIEN_OK;
}

/* The mortgage a release names (public record): registered (approved,
 * not released) and on the same vehicle. */
static enum lien_status LIEN_MUST_CHECK
registered_mortgage(struct ledger_state *st, const json_t *p,
    struct rg_verdict *v)
{
	const char *mid, *vk = rg_vehicle(p);
	size_t mlen;
	json_t *app = NULL;
	enum lien_status rc;

	mid = rg_jstr(p, "mortgage", &mlen);
	rc = rg_load_ro(st, LEDGER_T_APPS, mid, mlen, &app);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "mortgage_not_found");
	if (rc != LIEN_OK)
		return rc;
	if (!rg_jstr_eq(app, "kind", "mortgage") ||
	    !rg_jstr_eq(app, "status", "approved") ||
	    !rg_jstr_eq(app, "vehicle", vk))
		rc = rg_refuse(v, LIEN_ENOTFOUND, "mortgage_not_found");
	json_decref(app);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
vehicle_release_ok(struct ledger_state *st, const char *vk,
    struct rg_verdict *v)
{
	json_t *veh = NULL;
	enum lien_status rc = rg_load_ro(st, LEDGER_T_VEHICLES, vk,
	    2 * REG_VEHICLE_KEY_LEN, &veh);
	int r;

	if (rc == LIEN_ENOTFOUND)	/* a registered mortgage has one */
		return LIEN_ECORRUPT;
	if (rc != LIEN_OK)
		return rc;
	if ((r = restricted(veh, MASK_RELEASE)) != 0)
		rc = rg_refuse(v, LIEN_ECONFLICT,
		    rg_restr_refusal((enum reg_restriction)r));
	json_decref(veh);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
check_release(struct ledger_state *st, const json_t *p, struct rg_verdict *v)
{
	char k[RG_KEY_MAX];
	const uint8_t *val;
	size_t val_len;
	enum lien_status rc;

	if ((rc = registered_mortgage(st, p, v)) != LIEN_OK)
		return rc;
	if ((rc = vehicle_release_ok(st, rg_vehicle(p), v)) != LIEN_OK)
		return rc;
	rc = ledger_state_get(st, LEDGER_T_INDEX, k,
	    rg_key_pending_release(k, json_string_value(json_object_get(p,
	    "mortgage"))), &val, &val_len);
	if (rc == LIEN_OK)
		return rg_refuse(v, LIEN_ECONFLICT, "release_pending");
	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

/* Private half of a release: a company vehicle's authorisation; only
 * the mortgagee releases (art. 33). */
static enum lien_status LIEN_MUST_CHECK
pcheck_release(struct ledger_state *st, const json_t *p, const json_t *r,
    const char *party, size_t plen, struct rg_verdict *v)
{
	char k[RG_KEY_MAX];
	json_t *a = NULL;
	const char *mg;
	size_t glen;
	enum lien_status rc;

	if ((rc = check_company_owner(st, rg_vehicle(p), r, v)) != LIEN_OK)
		return rc;
	rc = rg_load_ro(st, LEDGER_T_PAPPS, k, rg_key_app_private(k,
	    json_string_value(json_object_get(p, "mortgage"))), &a);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_ECORRUPT;	/* a registered mortgage has one */
	if (rc != LIEN_OK)
		return rc;
	mg = rg_jstr(a, "mortgagee", &glen);
	if (mg == NULL || glen != plen || memcmp(mg, party, plen) != 0)
		rc = rg_refuse(v, LIEN_EKEY, "not_mortgagee");
	json_decref(a);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
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
	vin = rg_jstr(app, "vehicle", &vlen);
	if (vin == NULL || vlen != 2 * REG_VEHICLE_KEY_LEN) {
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
			rc = vehicle_release_ok(st, vin, v);
	}
out:
	json_decref(app);
	json_decref(veh);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
check_restriction(struct ledger_state *st, const json_t *p,
    struct rg_verdict *v)
{
	const char *vin, *kind;
	size_t n, kn;
	json_t *veh = NULL;
	enum lien_status rc;
	int r, has;

	vin = rg_jstr(p, "vehicle", &n);
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
static enum lien_status LIEN_MUST_CHECK
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

/* Private half of an approval: a vehicle recorded as a company's since
 * the application needs that company's authorisation (the application's
 * private state keeps its owner and sms). */
static enum lien_status LIEN_MUST_CHECK
pcheck_decision(struct ledger_state *st, const json_t *p,
    struct rg_verdict *v)
{
	const char *id = json_string_value(json_object_get(p, "app"));
	char k[RG_KEY_MAX];
	json_t *app = NULL, *a = NULL;
	enum lien_status rc;

	if (!rg_jstr_eq(p, "decision", "approve"))
		return LIEN_OK;
	if ((rc = rg_load_ro(st, LEDGER_T_APPS, id, REG_APP_ID_LEN, &app)) !=
	    LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	rc = rg_load_ro(st, LEDGER_T_PAPPS, k, rg_key_app_private(k, id), &a);
	if (rc == LIEN_OK)
		rc = check_company_owner(st, rg_vehicle(app), a, v);
	else if (rc == LIEN_ENOTFOUND)
		rc = LIEN_ECORRUPT;
	json_decref(app);
	json_decref(a);
	return rc;
}

/* An erasure names a subject key that no earlier erasure destroyed. */
static enum lien_status LIEN_MUST_CHECK
check_erasure(struct ledger_state *st, const json_t *p, struct rg_verdict *v)
{
	char k[RG_KEY_MAX];
	const uint8_t *val;
	size_t val_len;
	enum lien_status rc;

	rc = ledger_state_get(st, LEDGER_T_INDEX, k, rg_key_erased(k,
	    json_string_value(json_object_get(p, "subject"))), &val,
	    &val_len);
	if (rc == LIEN_OK)
		return rg_refuse(v, LIEN_ECONFLICT, "already_erased");
	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

/* Retries and replays, from the private record (the signature's
 * parameters, the keyed request digest, the Idempotency-Key). */
static enum lien_status LIEN_MUST_CHECK
check_replay(struct ledger_state *st, uint64_t now, const json_t *sg,
    const json_t *r, struct rg_verdict *v)
{
	const json_t *ev = json_object_get(r, "evidence");
	uint8_t digest[HASH_LEN], keyid[HASH_LEN], key[REG_NONCE_KEY_LEN];
	const uint8_t *val;
	size_t val_len, n, plen;
	const char *s, *party;
	int64_t created;
	enum lien_status rc;

	s = rg_jstr(ev, "digest", &n);
	party = rg_jstr(sg, "party", &plen);
	if (party == NULL || hex_decode(s, n, digest, HASH_LEN) != LIEN_OK)
		return LIEN_EINVAL;	/* rg_pshape first */

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
	return LIEN_OK;
}

/* ---- vouchers and counter applications (docs/registry.md "Counter
 * applications") ---------------------------------------------------------
 * A voucher is the bank's consent, signed through the API, to one counter
 * application: bound to the bank, the vehicle and the mortgage (a
 * release: the registered mortgage's application id; a new mortgage: the
 * keyed contract reference), valid until its expiry, used once. All of
 * it is private state (pstate "vo/<id>"), so these rules run in the
 * private audit; the public one checks the expiry window only. */

/* Public half of a voucher: valid for 1 ms .. REG_VOUCHER_DAYS_MAX days
 * from the entry (the build sets entry time + valid_days). */
static enum lien_status LIEN_MUST_CHECK
check_voucher(uint64_t now, const json_t *p, struct rg_verdict *v)
{
	int64_t exp;

	if (!rg_jint(p, "expires_ms", &exp))
		return LIEN_EINVAL;	/* shapes first */
	if ((uint64_t)exp <= now ||
	    (uint64_t)exp > now + REG_VOUCHER_DAYS_MAX * REG_DAY_MS)
		return rg_refuse(v, LIEN_EPARSE, "valid_days_invalid");
	return LIEN_OK;
}

/* Private half: a release voucher names a registered mortgage of the
 * vehicle whose mortgagee is the signing bank; a mortgage voucher a
 * contract the bank has not registered yet. */
static enum lien_status LIEN_MUST_CHECK
pcheck_voucher(struct ledger_state *st, const json_t *p, const json_t *r,
    const char *party, size_t plen, struct rg_verdict *v)
{
	char k[RG_KEY_MAX];
	json_t *app = NULL, *a = NULL;
	const uint8_t *val;
	size_t val_len, mlen, glen;
	const char *mid, *mg;
	enum lien_status rc;

	if (!rg_jstr_eq(p, "purpose", "release")) {
		rc = ledger_state_get(st, LEDGER_T_PSTATE, k, rg_key_contract(k,
		    json_string_value(json_object_get(r, "contract"))), &val,
		    &val_len);
		if (rc == LIEN_OK)
			return rg_refuse(v, LIEN_ECONFLICT,
			    "contract_duplicate");
		return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
	}
	mid = rg_jstr(r, "mortgage", &mlen);
	rc = rg_load_ro(st, LEDGER_T_APPS, mid, mlen, &app);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "mortgage_not_found");
	if (rc != LIEN_OK)
		return rc;
	if (!rg_jstr_eq(app, "kind", "mortgage") ||
	    !rg_jstr_eq(app, "status", "approved") ||
	    !rg_jstr_eq(app, "vehicle", json_string_value(json_object_get(r,
	    "vehicle")))) {
		rc = rg_refuse(v, LIEN_ENOTFOUND, "mortgage_not_found");
		goto out;
	}
	rc = rg_load_ro(st, LEDGER_T_PAPPS, k, rg_key_app_private(k, mid),
	    &a);
	if (rc == LIEN_ENOTFOUND)
		rc = LIEN_ECORRUPT;	/* a registered mortgage has one */
	if (rc != LIEN_OK)
		goto out;
	mg = rg_jstr(a, "mortgagee", &glen);
	if (mg == NULL || glen != plen || memcmp(mg, party, plen) != 0)
		rc = rg_refuse(v, LIEN_EKEY, "not_mortgagee");
out:
	json_decref(app);
	json_decref(a);
	return rc;
}

/* A legacy release's consent (the bank mailed the certificate back
 * before vouchers): the officer confirmed it by phone with the bank, at
 * the contact the bank filed (public, institution_file "contact"): the
 * number recorded must be that one. */
static enum lien_status LIEN_MUST_CHECK
pcheck_phone(struct ledger_state *st, const json_t *r, const char *party,
    size_t plen, struct rg_verdict *v)
{
	char pk[RG_KEY_MAX];
	json_t *pr = NULL;
	enum lien_status rc;

	rc = rg_load_ro(st, LEDGER_T_PARTIES, pk, rg_key_party_id(pk, party,
	    plen), &pr);
	if (rc == LIEN_ENOTFOUND || (rc == LIEN_OK &&
	    !rg_jstr_eq(pr, "role", "institution")))
		rc = rg_refuse(v, LIEN_EKEY, "not_mortgagee");
	else if (rc == LIEN_OK && json_object_get(pr, "contact") == NULL)
		rc = rg_refuse(v, LIEN_ECONFLICT, "contact_not_filed");
	else if (rc == LIEN_OK && !str_eq_field(pr, "contact", r,
	    "phone_contact"))
		rc = rg_refuse(v, LIEN_ECONFLICT, "contact_mismatch");
	json_decref(pr);
	return rc;
}

/* A counter application's consent: the voucher it presents exists, is
 * unused and unexpired, and is bound to this bank, vehicle and mortgage
 * (release) or contract (mortgage). */
static enum lien_status LIEN_MUST_CHECK
pcheck_consent(struct ledger_state *st, uint64_t now, unsigned type,
    const json_t *p, const json_t *r, const char *party, size_t plen,
    struct rg_verdict *v)
{
	char k[RG_KEY_MAX];
	json_t *vo = NULL;
	const char *id, *bank;
	size_t n, blen;
	int64_t exp;
	int release = type == REG_T_RELEASE_APPLICATION;
	enum lien_status rc;

	if (json_object_get(r, "phone_contact") != NULL)
		return pcheck_phone(st, r, party, plen, v);
	id = rg_jstr(r, "voucher", &n);
	if (id == NULL || n != REG_VOUCHER_ID_LEN)
		return LIEN_EINVAL;	/* shapes first */
	rc = rg_load_ro(st, LEDGER_T_PSTATE, k, rg_key_voucher(k, id), &vo);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "voucher_unknown");
	if (rc != LIEN_OK)
		return rc;
	bank = rg_jstr(vo, "bank", &blen);
	if (!rg_jint(vo, "expires_ms", &exp) || bank == NULL) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	if (json_object_get(vo, "used") != NULL)
		rc = rg_refuse(v, LIEN_ECONFLICT, "voucher_used");
	else if ((uint64_t)exp <= now)
		rc = rg_refuse(v, LIEN_ECONFLICT, "voucher_expired");
	else if (blen != plen || memcmp(bank, party, plen) != 0)
		rc = rg_refuse(v, LIEN_ECONFLICT, "voucher_bank_mismatch");
	else if (!str_eq_field(vo, "vehicle", p, "vehicle"))
		rc = rg_refuse(v, LIEN_ECONFLICT, "voucher_vehicle_mismatch");
	else if (!rg_jstr_eq(vo, "purpose", release ? "release" :
	    "mortgage") || !(release ? str_eq_field(vo, "mortgage", p,
	    "mortgage") : str_eq_field(vo, "contract", r, "contract")))
		rc = rg_refuse(v, LIEN_ECONFLICT,
		    "voucher_mortgage_mismatch");
out:
	json_decref(vo);
	return rc;
}

/* 1 when event may follow the application's last delivery event prev
 * (NULL: none yet): picked_up -> endorsed -> dispatched -> delivered or
 * returned; returned -> dispatched again. */
int
rg_delivery_next_ok(const char *prev, const char *event)
{
	static const struct {
		const char *prev, *next;
	} order[] = {
		{ NULL, "picked_up" },
		{ "picked_up", "endorsed" },
		{ "endorsed", "dispatched" },
		{ "dispatched", "delivered" },
		{ "dispatched", "returned" },
		{ "returned", "dispatched" },
	};

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if ((prev == NULL ? order[i].prev == NULL :
		    order[i].prev != NULL && strcmp(prev, order[i].prev) ==
		    0) && strcmp(event, order[i].next) == 0)
			return 1;
	return 0;
}

/* A delivery event: the application exists and was approved (its
 * certificate is endorsed for a registered mortgage or release), the
 * delivery is not complete, and the event follows the last one. */
static enum lien_status LIEN_MUST_CHECK
check_delivery(struct ledger_state *st, const json_t *p,
    struct rg_verdict *v)
{
	const char *id, *prev, *event;
	size_t n;
	json_t *app = NULL;
	enum lien_status rc;

	id = rg_jstr(p, "app", &n);
	event = json_string_value(json_object_get(p, "event"));
	if (event == NULL)
		return LIEN_EINVAL;	/* shapes first */
	rc = rg_load_ro(st, LEDGER_T_APPS, id, n, &app);
	if (rc == LIEN_ENOTFOUND)
		return rg_refuse(v, LIEN_ENOTFOUND, "application_unknown");
	if (rc != LIEN_OK)
		return rc;
	/* approved, or released since (a mortgage's certificate may still
	 * be on its way when the release comes) */
	if (!rg_jstr_eq(app, "status", "approved") &&
	    !rg_jstr_eq(app, "status", "released"))
		rc = rg_refuse(v, LIEN_ECONFLICT, "application_not_approved");
	else if (rg_jstr_eq(app, "delivery", "delivered"))
		rc = rg_refuse(v, LIEN_ECONFLICT, "delivery_complete");
	else if (!rg_delivery_next_ok((prev = json_string_value(
	    json_object_get(app, "delivery"))), event))
		rc = rg_refuse(v, LIEN_ECONFLICT, "delivery_out_of_order");
	json_decref(app);
	return rc;
}

enum lien_status
rg_check(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p, const json_t *r, struct rg_verdict *v)
{
	int pub = rg_signer_public(type);
	const json_t *sg = json_object_get(pub ? p : r, "signer");
	const char *party;
	size_t plen;
	enum lien_status rc;

	(void)index;
	v->st = LIEN_OK;
	v->reason = NULL;
	v->original_index = 0;

	/* Phase 1, private: replay, idempotency, a private signer. */
	if (r != NULL) {
		if (sg == NULL)
			return LIEN_EINVAL;	/* shapes first */
		if ((rc = check_replay(st, now, sg, r, v)) != LIEN_OK)
			return rc;
		if (!pub && (rc = check_signer(st, sg, type, p, v)) != LIEN_OK)
			return rc;
	}
	/* Phase 2, public: an official signer, the rules on public state. */
	if (pub && (rc = check_signer(st, sg, type, p, v)) != LIEN_OK)
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
	case REG_T_RELEASE_APPLICATION:
		rc = type == REG_T_MORTGAGE_APPLICATION ?
		    check_mortgage(st, p, v) : check_release(st, p, v);
		if (rc != LIEN_OK || r == NULL)
			return rc;
		/* Phase 3, private: the bank's own rules (at the counter,
		 * the bank's is the one the application names, whose
		 * voucher it must present). */
		party = rg_app_bank(r, &plen);
		if (party == NULL)
			return LIEN_EINVAL;
		if (rg_counter(type, p) && (rc = pcheck_consent(st, now, type,
		    p, r, party, plen, v)) != LIEN_OK)
			return rc;
		return type == REG_T_MORTGAGE_APPLICATION ?
		    pcheck_mortgage(st, p, r, party, plen, v) :
		    pcheck_release(st, p, r, party, plen, v);
	case REG_T_DECISION:
		rc = check_decision(st, p, v);
		if (rc != LIEN_OK || r == NULL)
			return rc;
		return pcheck_decision(st, p, v);
	case REG_T_RESTRICTION:
		return check_restriction(st, p, v);
	case REG_T_ERASURE:
		return check_erasure(st, p, v);
	case REG_T_DELIVERY_EVENT:
		return check_delivery(st, p, v);
	case REG_T_VOUCHER:
		if ((rc = check_voucher(now, p, v)) != LIEN_OK || r == NULL)
			return rc;
		party = rg_jstr(sg, "party", &plen);
		if (party == NULL)
			return LIEN_EINVAL;
		return pcheck_voucher(st, p, r, party, plen, v);
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

/* Distinct banks with a mortgage application for the vehicle in the
 * window, counting party itself; stops at want. The vehicle's window
 * record (VWINDOW: rg_window_add) lists its applications oldest first. */
static enum lien_status LIEN_MUST_CHECK
distinct_banks(struct ledger_state *st, const char *vk, const char *party,
    size_t plen, uint64_t now, uint64_t window, unsigned want,
    unsigned *out)
{
	char seen[16][REG_PARTY_ID_MAX];
	size_t seen_len[16];
	unsigned n = 0;
	const uint8_t *v;
	size_t vl;
	uint64_t from;
	struct rd r;
	enum lien_status rc;

	if (want > 16)
		want = 16;
	memcpy(seen[n], party, plen);
	seen_len[n++] = plen;
	if (window > REG_WINDOW_KEEP_MS)
		window = REG_WINDOW_KEEP_MS;
	from = now > window ? now - window : 0;
	rc = ledger_state_get(st, LEDGER_T_VWINDOW, vk,
	    2 * REG_VEHICLE_KEY_LEN, &v, &vl);
	if (rc == LIEN_ENOTFOUND) {	/* no application in 31 days */
		*out = n;
		return LIEN_OK;
	}
	if (rc != LIEN_OK)
		return rc;
	rd_init(&r, v, vl);
	while (n < want && rd_left(&r) > 0) {
		const uint8_t *e, *p;
		uint8_t pl;
		int dup = 0;

		if (rd_take(&r, 16, &e) != LIEN_OK || rd_u8(&r, &pl) !=
		    LIEN_OK || pl == 0 || pl > REG_PARTY_ID_MAX ||
		    rd_take(&r, pl, &p) != LIEN_OK)
			return LIEN_ECORRUPT;
		if (be64_get(e) < from)
			continue;
		for (unsigned i = 0; i < n; i++)
			if (seen_len[i] == pl && memcmp(seen[i], p, pl) == 0)
				dup = 1;
		if (!dup) {
			memcpy(seen[n], p, pl);
			seen_len[n++] = pl;
		}
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
    const json_t *p, const json_t *r, const struct reg_rules *rules,
    unsigned *bits)
{
	struct reg_rules defaults;
	const json_t *sg = json_object_get(r, "signer");
	const char *party, *vk, *owner;
	size_t plen, olen;
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
	party = rg_app_bank(r, &plen);	/* the bank, online or at the counter */
	vk = rg_vehicle(p);
	owner = rg_jstr(r, "owner", &olen);
	if (party == NULL || vk == NULL || owner == NULL)
		return LIEN_EINVAL;

	if (rules->face_grey &&
	    rg_jstr_eq(json_object_get(r, "face"), "verdict", "grey"))
		*bits |= REG_ANOMALY_FACE_GREY;

	/* The registered owner and details: keyed identifiers in the
	 * vehicle's private record (docs/privacy.md). */
	if (rules->owner_check) {
		rc = rg_load_ro(st, LEDGER_T_VPRIVATE, pre,
		    rg_key_vehicle_private(pre, vk), &veh);
		if (rc == LIEN_ENOTFOUND) {
			*bits |= REG_ANOMALY_VEHICLE_UNRECORDED;
		} else if (rc != LIEN_OK) {
			return rc;
		} else {
			if (!str_field_eq(veh, r, "owner"))
				*bits |= REG_ANOMALY_OWNER_MISMATCH;
			if (type == REG_T_MORTGAGE_APPLICATION &&
			    !str_field_eq(veh, r, "details"))
				*bits |= REG_ANOMALY_VEHICLE_MISMATCH;
			json_decref(veh);
		}
	}

	if (type == REG_T_MORTGAGE_APPLICATION && rules->multi_bank_min > 0 &&
	    rules->multi_bank_window_ms > 0) {
		unsigned nb;

		if ((rc = distinct_banks(st, vk, party, plen, now,
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
		if ((rc = rg_owner_burst_count(st, owner, olen, now,
		    rules->owner_burst_window_ms, rules->owner_burst_max,
		    &count)) != LIEN_OK)
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
