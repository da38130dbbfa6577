/*
 * registry_apply: the pure transition from one registry entry to the state
 * changes it implies (docs/registry.md, "State"). The sequencer reaches it
 * through registry_build after deciding; the audit reaches it through the
 * replay. It reads only the payload and the state, never a clock or a
 * configuration, so both paths write byte-identical records.
 *
 * Order inside one apply: expire what is due at the entry time, remember
 * the nonce and the Idempotency-Key (if the request carried one), then
 * the type's own records. The
 * payload's shape is checked before the first write; the rules are not
 * (registry_check), so a state that contradicts an entry (an application
 * a decision names is missing) is LIEN_ECORRUPT, which fails the batch.
 */
#include "registry/registry_int.h"

#include "common/hex.h"

#include <string.h>

#include "common/rd.h"
#include "crypto/idemkey.h"

/* {"step", "index", "time_ms"[, "reason"]} */
static json_t *
step_new(const char *step, uint64_t index, uint64_t now, const json_t *reason)
{
	json_t *s = json_object();

	if (s == NULL || rg_set(s, "step", json_string(step)) ||
	    rg_set(s, "index", json_integer((json_int_t)index)) ||
	    rg_set(s, "time_ms", json_integer((json_int_t)now)) ||
	    (reason && rg_set(s, "reason", json_copy((json_t *)(uintptr_t)
	    reason)))) {
		json_decref(s);
		return NULL;
	}
	return s;
}

/* Copy p[key] into o[key] when present. */
static int
copy_field(json_t *o, const json_t *p, const char *key)
{
	json_t *v = json_object_get(p, key);

	return v ? rg_set(o, key, json_copy(v)) : 0;
}

static enum lien_status
apply_file(struct ledger_state *st, uint64_t index, unsigned type,
    const json_t *p)
{
	const char *party, *keyid;
	size_t plen, klen;
	char pk[RG_KEY_MAX];
	size_t pkl;
	json_t *kr = json_object(), *pr = NULL;
	enum lien_status rc;
	const char *role = type == REG_T_INSTITUTION_FILE ? "institution" :
	    json_string_value(json_object_get(p, "role"));

	party = rg_jstr(p, "party", &plen);
	keyid = rg_jstr(p, "keyid", &klen);
	pkl = rg_key_party_id(pk, party, plen);
	rc = rg_load(st, LEDGER_T_PARTIES, pk, pkl, &pr);
	if (rc == LIEN_ENOTFOUND) {
		pr = json_object();
		if (pr == NULL || rg_set(pr, "party", rg_jstrn(party, plen)) ||
		    rg_set(pr, "role", json_string(role)) ||
		    rg_set(pr, "status", json_string("active")) ||
		    rg_set(pr, "keys", json_array()) ||
		    rg_set(pr, "filed_index", json_integer((json_int_t)index)))
			rc = LIEN_ENOMEM;
		else
			rc = LIEN_OK;
	}
	if (rc != LIEN_OK)
		goto out;
	rc = LIEN_ENOMEM;
	if (kr == NULL || copy_field(pr, p, "name") ||
	    json_array_append_new(json_object_get(pr, "keys"),
	    rg_jstrn(keyid, klen)) ||
	    rg_set(kr, "keyid", rg_jstrn(keyid, klen)) ||
	    rg_set(kr, "party", rg_jstrn(party, plen)) ||
	    rg_set(kr, "role", json_string(role)) ||
	    rg_set(kr, "status", json_string("active")) ||
	    copy_field(kr, p, "cert") ||
	    rg_set(kr, "not_after_ms", json_copy(json_object_get(p,
	    "cert_not_after_ms"))) ||
	    rg_set(kr, "filed_index", json_integer((json_int_t)index)))
		goto out;
	if ((rc = rg_store(st, LEDGER_T_PARTIES, keyid, klen, kr)) == LIEN_OK)
		rc = rg_store(st, LEDGER_T_PARTIES, pk, pkl, pr);
out:
	json_decref(kr);
	json_decref(pr);
	return rc;
}

static enum lien_status
apply_status(struct ledger_state *st, uint64_t index, uint64_t now,
    const json_t *p)
{
	const char *party, *keyid, *to;
	size_t plen, klen;
	char pk[RG_KEY_MAX];
	size_t pkl;
	json_t *r = NULL;
	enum lien_status rc;

	party = rg_jstr(p, "party", &plen);
	if ((keyid = rg_jstr(p, "keyid", &klen)) != NULL) {
		memcpy(pk, keyid, klen);
		pkl = klen;
	} else {
		pkl = rg_key_party_id(pk, party, plen);
	}
	if ((rc = rg_load(st, LEDGER_T_PARTIES, pk, pkl, &r)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	to = rg_jstr_eq(p, "action", "suspend") ? "suspended" :
	    rg_jstr_eq(p, "action", "reinstate") ? "active" : "revoked";
	if (rg_set(r, "status", json_string(to)) ||
	    rg_set(r, "status_index", json_integer((json_int_t)index)) ||
	    rg_set(r, "status_ms", json_integer((json_int_t)now)))
		rc = LIEN_ENOMEM;
	else
		rc = rg_store(st, LEDGER_T_PARTIES, pk, pkl, r);
	json_decref(r);
	return rc;
}

static enum lien_status
apply_vehicle(struct ledger_state *st, uint64_t index, uint64_t now,
    const json_t *p)
{
	size_t vlen;
	const char *vin = rg_jstr(p, "vin", &vlen);
	json_t *veh = NULL;
	enum lien_status rc = rg_load(st, LEDGER_T_VEHICLES, vin, vlen, &veh);

	if (rc == LIEN_ENOTFOUND) {
		veh = json_object();
		if (veh == NULL || copy_field(veh, p, "vin") ||
		    rg_set(veh, "liens", json_array()) ||
		    rg_set(veh, "released", json_array()) ||
		    rg_set(veh, "restrictions", json_array()))
			rc = LIEN_ENOMEM;
		else
			rc = LIEN_OK;
	}
	if (rc != LIEN_OK)
		goto out;
	/* a re-recorded owner replaces the old one, of either kind */
	(void)json_object_del(veh, "owner_kind");
	if (copy_field(veh, p, "plate") || copy_field(veh, p, "plate_type") ||
	    copy_field(veh, p, "cert_number") || copy_field(veh, p, "owner") ||
	    copy_field(veh, p, "owner_kind") ||
	    rg_set(veh, "recorded_index", json_integer((json_int_t)index)) ||
	    rg_set(veh, "recorded_ms", json_integer((json_int_t)now)))
		rc = LIEN_ENOMEM;
	else
		rc = rg_store(st, LEDGER_T_VEHICLES, vin, vlen, veh);
out:
	json_decref(veh);
	return rc;
}

static enum lien_status
queue_put(struct ledger_state *st, const char *status, const char *app)
{
	char k[RG_KEY_MAX];

	return ledger_state_put(st, LEDGER_T_INDEX, k, rg_key_queue(k, status,
	    app), "", 0);
}

static enum lien_status
queue_del(struct ledger_state *st, const char *status, const char *app)
{
	char k[RG_KEY_MAX];
	enum lien_status rc = ledger_state_del(st, LEDGER_T_INDEX, k,
	    rg_key_queue(k, status, app));

	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

static enum lien_status
apply_application(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p)
{
	int mortgage = type == REG_T_MORTGAGE_APPLICATION;
	const json_t *sg = json_object_get(p, "signer");
	const char *party, *id, *vin, *owner, *status;
	size_t plen, n, vlen, olen;
	json_t *app = json_object(), *tl = json_array();
	char k[RG_KEY_MAX + 16];
	size_t kl;
	enum lien_status rc = LIEN_ENOMEM;

	party = rg_jstr(sg, "party", &plen);
	id = rg_jstr(p, "app", &n);
	vin = rg_jstr(p, "vin", &vlen);
	owner = rg_jstr(p, "owner", &olen);
	status = json_string_value(json_object_get(p, "status"));
	if (app == NULL || tl == NULL ||
	    rg_set(app, "app", rg_jstrn(id, n)) ||
	    rg_set(app, "kind", json_string(mortgage ? "mortgage" :
	    "release")) ||
	    copy_field(app, p, "vin") ||
	    rg_set(app, "mortgagee", rg_jstrn(party, plen)) ||
	    copy_field(app, p, "owner") || copy_field(app, p, "agent") ||
	    copy_field(app, p, "sms") || copy_field(app, p, "owner_name") ||
	    copy_field(app, p, "phone") || copy_field(app, p, "plate") ||
	    copy_field(app, p, "plate_type") ||
	    copy_field(app, p, "cert_number") ||
	    copy_field(app, p, "contract") || copy_field(app, p, "mortgage") ||
	    copy_field(app, p, "status") || copy_field(app, p, "reasons") ||
	    json_array_append_new(tl, step_new("applied", index, now, NULL)) ||
	    rg_set(app, "timeline", json_incref(tl)))
		goto out;
	if ((rc = rg_store(st, LEDGER_T_APPS, id, n, app)) != LIEN_OK ||
	    (rc = queue_put(st, status, id)) != LIEN_OK)
		goto out;
	if (mortgage) {
		size_t clen;
		const char *contract = rg_jstr(p, "contract", &clen);

		kl = rg_key_contract(k, party, plen, contract, clen);
		if ((rc = ledger_state_put(st, LEDGER_T_INDEX, k, kl, id, n)) !=
		    LIEN_OK)
			goto out;
		kl = rg_key_pending_mortgage(k, vin, party, plen);
		if ((rc = ledger_state_put(st, LEDGER_T_INDEX, k, kl, id, n)) !=
		    LIEN_OK)
			goto out;
		/* the multi-bank window: wv/<vin>/<time><index> -> party */
		kl = rg_key_window_prefix(k, vin);
		be64_put((uint8_t *)k + kl, now);
		be64_put((uint8_t *)k + kl + 8, index);
		kl += 16;
		if ((rc = ledger_state_put(st, LEDGER_T_INDEX, k, kl, party,
		    plen)) != LIEN_OK ||
		    (rc = rg_expire_at(st, now + REG_WINDOW_KEEP_MS,
		    LEDGER_T_INDEX, k, kl)) != LIEN_OK)
			goto out;
	} else {
		kl = rg_key_pending_release(k, json_string_value(
		    json_object_get(p, "mortgage")));
		if ((rc = ledger_state_put(st, LEDGER_T_INDEX, k, kl, id, n)) !=
		    LIEN_OK)
			goto out;
	}
	if ((rc = rg_bucket_add(st, k, rg_key_bucket_prefix(k, 'i', party,
	    plen), now)) != LIEN_OK)
		goto out;
	rc = rg_bucket_add(st, k, rg_key_bucket_prefix(k, 'o', owner, olen),
	    now);
out:
	json_decref(app);
	json_decref(tl);
	return rc;
}

static enum lien_status
del_index(struct ledger_state *st, const char *k, size_t kl)
{
	enum lien_status rc = ledger_state_del(st, LEDGER_T_INDEX, k, kl);

	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

/* Approving a mortgage endorses it on the vehicle: it joins the liens in
 * rank order (= approval order, Civil Code art. 414). */
static enum lien_status
approve_mortgage(struct ledger_state *st, uint64_t index, uint64_t now,
    json_t *app)
{
	size_t vlen, n, plen;
	const char *vin = rg_jstr(app, "vin", &vlen);
	const char *party = rg_jstr(app, "mortgagee", &plen);
	json_t *veh = NULL, *lien = json_object(), *liens;
	char k[RG_KEY_MAX];
	enum lien_status rc;

	if (vin == NULL || party == NULL || lien == NULL) {
		json_decref(lien);
		return vin == NULL || party == NULL ? LIEN_ECORRUPT :
		    LIEN_ENOMEM;
	}
	if ((rc = rg_load(st, LEDGER_T_VEHICLES, vin, vlen, &veh)) !=
	    LIEN_OK) {
		json_decref(lien);
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	}
	liens = json_object_get(veh, "liens");
	n = json_array_size(liens);
	rc = LIEN_ENOMEM;
	if (!json_is_array(liens) ||
	    copy_field(lien, app, "app") || copy_field(lien, app, "mortgagee") ||
	    copy_field(lien, app, "contract") ||
	    rg_set(lien, "registered_index", json_integer((json_int_t)index)) ||
	    rg_set(lien, "registered_ms", json_integer((json_int_t)now)) ||
	    json_array_append(liens, lien) ||
	    rg_set(app, "rank", json_integer((json_int_t)n + 1)))
		goto out;
	if ((rc = rg_store(st, LEDGER_T_VEHICLES, vin, vlen, veh)) != LIEN_OK)
		goto out;
	rc = del_index(st, k, rg_key_pending_mortgage(k, vin, party, plen));
out:
	json_decref(lien);
	json_decref(veh);
	return rc;
}

/* Approving a release ends the mortgage it names: the mortgage becomes
 * "released" and its lien moves to the vehicle's released list. */
static enum lien_status
approve_release(struct ledger_state *st, uint64_t index, uint64_t now,
    json_t *rel)
{
	size_t vlen, mlen, rlen;
	const char *vin = rg_jstr(rel, "vin", &vlen);
	const char *mid = rg_jstr(rel, "mortgage", &mlen);
	const char *rid = rg_jstr(rel, "app", &rlen);
	json_t *mort = NULL, *veh = NULL, *liens, *released, *lien = NULL;
	char k[RG_KEY_MAX];
	enum lien_status rc;

	if (vin == NULL || mid == NULL || rid == NULL)
		return LIEN_ECORRUPT;
	if ((rc = rg_load(st, LEDGER_T_APPS, mid, mlen, &mort)) != LIEN_OK ||
	    (rc = rg_load(st, LEDGER_T_VEHICLES, vin, vlen, &veh)) != LIEN_OK) {
		rc = rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
		goto out;
	}
	liens = json_object_get(veh, "liens");
	released = json_object_get(veh, "released");
	for (size_t i = 0; i < json_array_size(liens); i++)
		if (rg_jstr_eq(json_array_get(liens, i), "app",
		    json_string_value(json_object_get(mort, "app")))) {
			lien = json_incref(json_array_get(liens, i));
			if (json_array_remove(liens, i)) {
				json_decref(lien);
				lien = NULL;
			}
			break;
		}
	if (lien == NULL || !json_is_array(released) ||
	    !json_is_array(json_object_get(mort, "timeline"))) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	rc = LIEN_ENOMEM;
	if (rg_set(lien, "release", rg_jstrn(rid, rlen)) ||
	    rg_set(lien, "released_index", json_integer((json_int_t)index)) ||
	    rg_set(lien, "released_ms", json_integer((json_int_t)now)) ||
	    json_array_append(released, lien) ||
	    rg_set(mort, "status", json_string("released")) ||
	    rg_set(mort, "release", rg_jstrn(rid, rlen)) ||
	    json_array_append_new(json_object_get(mort, "timeline"),
	    step_new("released", index, now, NULL)))
		goto out;
	if ((rc = rg_store(st, LEDGER_T_VEHICLES, vin, vlen, veh)) != LIEN_OK ||
	    (rc = rg_store(st, LEDGER_T_APPS, mid, mlen, mort)) != LIEN_OK)
		goto out;
	rc = del_index(st, k, rg_key_pending_release(k, mid));
out:
	json_decref(lien);
	json_decref(mort);
	json_decref(veh);
	return rc;
}

static enum lien_status
apply_decision(struct ledger_state *st, uint64_t index, uint64_t now,
    const json_t *p)
{
	size_t n;
	const char *id = rg_jstr(p, "app", &n);
	const char *to, *from;
	json_t *app = NULL, *tl;
	char k[RG_KEY_MAX];
	char fromb[32];
	enum lien_status rc;
	int mortgage;

	if ((rc = rg_load(st, LEDGER_T_APPS, id, n, &app)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	to = rg_jstr_eq(p, "decision", "approve") ? "approved" :
	    rg_jstr_eq(p, "decision", "reject") ? "rejected" :
	    "in_person_review";
	from = json_string_value(json_object_get(app, "status"));
	tl = json_object_get(app, "timeline");
	if (from == NULL || strlen(from) >= sizeof(fromb) ||
	    !json_is_array(tl)) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	memcpy(fromb, from, strlen(from) + 1);	/* app is about to change */
	mortgage = rg_jstr_eq(app, "kind", "mortgage");
	if (rg_set(app, "status", json_string(to)) ||
	    json_array_append_new(tl, step_new(to, index, now,
	    json_object_get(p, "reason")))) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	if ((rc = queue_del(st, fromb, id)) != LIEN_OK)
		goto out;
	if (strcmp(to, "in_person_review") == 0) {
		rc = queue_put(st, to, id);
	} else if (strcmp(to, "approved") == 0) {
		rc = mortgage ? approve_mortgage(st, index, now, app) :
		    approve_release(st, index, now, app);
	} else if (mortgage) {
		/* a rejected mortgage frees its contract number and its
		 * pending slot: the bank may submit a corrected one */
		size_t plen, vlen, clen;
		const char *party = rg_jstr(app, "mortgagee", &plen);
		const char *vin = rg_jstr(app, "vin", &vlen);
		const char *contract = rg_jstr(app, "contract", &clen);

		if (party == NULL || vin == NULL || contract == NULL) {
			rc = LIEN_ECORRUPT;
			goto out;
		}
		if ((rc = del_index(st, k, rg_key_contract(k, party, plen,
		    contract, clen))) == LIEN_OK)
			rc = del_index(st, k, rg_key_pending_mortgage(k, vin,
			    party, plen));
	} else {
		size_t mlen;
		const char *mid = rg_jstr(app, "mortgage", &mlen);

		rc = mid == NULL ? LIEN_ECORRUPT :
		    del_index(st, k, rg_key_pending_release(k, mid));
	}
	if (rc == LIEN_OK)
		rc = rg_store(st, LEDGER_T_APPS, id, n, app);
out:
	json_decref(app);
	return rc;
}

static enum lien_status
apply_restriction(struct ledger_state *st, uint64_t index, uint64_t now,
    const json_t *p)
{
	size_t vlen;
	const char *vin = rg_jstr(p, "vin", &vlen);
	const char *kind = json_string_value(json_object_get(p, "kind"));
	json_t *veh = NULL, *rs, *r = NULL;
	enum lien_status rc;

	if ((rc = rg_load(st, LEDGER_T_VEHICLES, vin, vlen, &veh)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	rs = json_object_get(veh, "restrictions");
	if (!json_is_array(rs)) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	/* lift: remove the record of that kind; set: append one */
	for (size_t i = 0; i < json_array_size(rs); i++)
		if (rg_jstr_eq(json_array_get(rs, i), "kind", kind)) {
			if (json_array_remove(rs, i)) {
				rc = LIEN_ENOMEM;
				goto out;
			}
			break;
		}
	if (rg_jstr_eq(p, "action", "set")) {
		r = json_object();
		if (r == NULL || rg_set(r, "kind", json_string(kind)) ||
		    rg_set(r, "index", json_integer((json_int_t)index)) ||
		    rg_set(r, "time_ms", json_integer((json_int_t)now)) ||
		    copy_field(r, p, "reference") ||
		    json_array_append(rs, r)) {
			rc = LIEN_ENOMEM;
			goto out;
		}
	}
	rc = rg_store(st, LEDGER_T_VEHICLES, vin, vlen, veh);
out:
	json_decref(r);
	json_decref(veh);
	return rc;
}

static enum lien_status rg_apply_entry(struct ledger_state *st,
    uint64_t index, uint64_t now, unsigned type, const json_t *p);

/* Apply with the entry named to the status map's fold (registry/
 * status.c): the vehicles this entry stores fold its commitment in. */
enum lien_status
rg_apply(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p)
{
	enum lien_status rc;

	rg_status_entry(p);
	rc = rg_apply_entry(st, index, now, type, p);
	rg_status_entry(NULL);
	return rc;
}

static enum lien_status
rg_apply_entry(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p)
{
	const json_t *sg = json_object_get(p, "signer");
	const json_t *ev = json_object_get(p, "evidence");
	const char *s, *party;
	size_t n, plen;
	uint8_t keyid[HASH_LEN], digest[HASH_LEN], key[REG_NONCE_KEY_LEN];
	uint8_t v[REG_NONCE_VAL_LEN];
	int64_t exp, created;
	enum lien_status rc;

	party = rg_jstr(sg, "party", &plen);
	s = rg_jstr(sg, "keyid", &n);
	if (party == NULL || hex_decode(s, n, keyid, HASH_LEN) != LIEN_OK ||
	    !rg_jint(ev, "nonce_exp_ms", &exp) ||
	    !rg_jint(ev, "created", &created) || created < 0)
		return LIEN_EINVAL;	/* rg_shape first */
	s = rg_jstr(ev, "digest", &n);
	if (hex_decode(s, n, digest, HASH_LEN) != LIEN_OK)
		return LIEN_EINVAL;

	if ((rc = rg_expire(st, now)) != LIEN_OK ||
	    (rc = rg_idem_expire(st, now)) != LIEN_OK)
		return rc;
	s = rg_jstr(ev, "nonce", &n);
	registry_nonce_key(keyid, (uint64_t)created, s, n, key);
	be64_put(v, (uint64_t)exp);
	be64_put(v + 8, index);
	memcpy(v + 16, digest, HASH_LEN);
	if ((rc = ledger_state_put(st, LEDGER_T_NONCES, key, sizeof key, v,
	    REG_NONCE_VAL_LEN)) != LIEN_OK ||
	    (rc = rg_expire_at(st, (uint64_t)exp, LEDGER_T_NONCES, key,
	    sizeof key)) != LIEN_OK)
		return rc;
	if ((s = rg_jstr(ev, "idempotency_key", &n)) != NULL) {
		uint64_t t;

		if (idemkey_parse(s, n, &t) != LIEN_OK)
			return LIEN_EINVAL;
		/* no expiry record: the table expires from its front
		 * (rg_idem_expire), its keys lead with the key's time */
		registry_idem_key(party, plen, s, n, t, key);
		be64_put(v, index);
		memcpy(v + 8, digest, HASH_LEN);
		if ((rc = ledger_state_put(st, LEDGER_T_IDEM, key,
		    REG_IDEM_KEY_LEN, v, REG_IDEM_VAL_LEN)) != LIEN_OK)
			return rc;
	}

	switch (type) {
	case REG_T_INSTITUTION_FILE:
	case REG_T_PARTY_FILE:
		return apply_file(st, index, type, p);
	case REG_T_INSTITUTION_STATUS:
	case REG_T_PARTY_STATUS:
		return apply_status(st, index, now, p);
	case REG_T_VEHICLE_RECORD:
		return apply_vehicle(st, index, now, p);
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION:
		return apply_application(st, index, now, type, p);
	case REG_T_DECISION:
		return apply_decision(st, index, now, p);
	case REG_T_RESTRICTION:
		return apply_restriction(st, index, now, p);
	default:
		return LIEN_EUNSUPPORTED;
	}
}

enum lien_status
registry_apply(struct ledger_state *st, uint64_t index, uint64_t time_ms,
    uint16_t type, const uint8_t *payload, size_t len)
{
	json_t *p = NULL;
	struct rg_verdict v;
	uint64_t appv;
	enum lien_status rc;

	if (st == NULL || (payload == NULL && len != 0))
		return LIEN_EINVAL;
	if (type < REG_T_FIRST)
		return LIEN_OK;
	if (type > REG_T_LAST)
		return LIEN_EUNSUPPORTED;
	if (time_ms >= REG_TIME_MAX || index >= REG_INDEX_MAX)
		return LIEN_ECORRUPT;	/* as registry_check says */
	if ((rc = rg_app_value(st, index, &appv)) != LIEN_OK)
		return rc;
	if ((rc = jcs_parse_canonical(payload, len, &p)) != LIEN_OK)
		return rc == LIEN_ETOOBIG ? LIEN_ETOOBIG : LIEN_EPARSE;
	if ((rc = rg_shape(type, appv, p, 1, &v)) == LIEN_OK)
		rc = rg_apply(st, index, time_ms, type, p);
	json_decref(p);
	return rc;
}
