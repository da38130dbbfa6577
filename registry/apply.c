/*
 * registry_apply: the pure transition from one registry entry to the state
 * changes it implies (docs/registry.md, "State"). The sequencer reaches it
 * through registry_build after deciding; the audit reaches it through the
 * replay. It reads only the payload and the state, never a clock or a
 * configuration, so both paths write byte-identical records.
 *
 * Two transitions per entry (docs/privacy.md "Server state and the
 * audits"): rg_apply writes the public tables (apps, vehicles, parties,
 * index) from the public payload alone, so anyone holding the log replays
 * them; rg_papply writes the private tables (pstate, nonces, idem) from
 * the private record and the public state rg_apply left. Order inside the
 * private one: expire what is due at the entry time, remember the nonce
 * and the Idempotency-Key (if the request carried one), then the type's
 * own records. Shapes are
 * checked before the first write; the rules are not (registry_check), so
 * a state that contradicts an entry (an application a decision names is
 * missing) is LIEN_ECORRUPT, which fails the batch.
 */
#include "registry/registry_int.h"

#include "common/hex.h"

#include <stdio.h>
#include <string.h>

#include "common/rd.h"
#include "crypto/idemkey.h"

/* {"step", "index", "time_ms"}: free-text reasons are never state */
static json_t *
step_new(const char *step, uint64_t index, uint64_t now)
{
	json_t *s = json_object();

	if (s == NULL || rg_set(s, "step", json_string(step)) ||
	    rg_set(s, "index", json_integer((json_int_t)index)) ||
	    rg_set(s, "time_ms", json_integer((json_int_t)now))) {
		json_decref(s);
		return NULL;
	}
	return s;
}

const char *
rg_vehicle(const json_t *p)
{
	size_t n;
	const char *s = rg_jstr(p, "vehicle", &n);

	return s != NULL && n == 2 * REG_VEHICLE_KEY_LEN ? s : NULL;
}

/* Copy p[key] into o[key] when present. */
static enum lien_status LIEN_MUST_CHECK
copy_field(json_t *o, const json_t *p, const char *key)
{
	json_t *v = json_object_get(p, key);

	return v != NULL ? rg_set(o, key, json_copy(v)) : LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
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
	    copy_field(pr, p, "contact") ||
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

static enum lien_status LIEN_MUST_CHECK
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

static enum lien_status LIEN_MUST_CHECK
apply_vehicle(struct ledger_state *st, uint64_t index, uint64_t now,
    const json_t *p)
{
	const char *vk = rg_vehicle(p);
	size_t vlen = 2 * REG_VEHICLE_KEY_LEN;
	json_t *veh = NULL;
	enum lien_status rc = rg_load(st, LEDGER_T_VEHICLES, vk, vlen, &veh);

	if (rc == LIEN_ENOTFOUND) {
		veh = json_object();
		if (veh == NULL || copy_field(veh, p, "vehicle") ||
		    rg_set(veh, "liens", json_array()) ||
		    rg_set(veh, "released", json_array()) ||
		    rg_set(veh, "restrictions", json_array()))
			rc = LIEN_ENOMEM;
		else
			rc = LIEN_OK;
	}
	if (rc != LIEN_OK)
		goto out;
	if (rg_set(veh, "recorded_index", json_integer((json_int_t)index)) ||
	    rg_set(veh, "recorded_ms", json_integer((json_int_t)now)))
		rc = LIEN_ENOMEM;
	else
		rc = rg_store(st, LEDGER_T_VEHICLES, vk, vlen, veh);
out:
	json_decref(veh);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
queue_put(struct ledger_state *st, const char *status, const char *app)
{
	char k[RG_KEY_MAX];

	return ledger_state_put(st, LEDGER_T_INDEX, k, rg_key_queue(k, status,
	    app), "", 0);
}

static enum lien_status LIEN_MUST_CHECK
queue_del(struct ledger_state *st, const char *status, const char *app)
{
	char k[RG_KEY_MAX];
	enum lien_status rc = ledger_state_del(st, LEDGER_T_INDEX, k,
	    rg_key_queue(k, status, app));

	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

static enum lien_status LIEN_MUST_CHECK
del_key(struct ledger_state *st, enum ledger_table tb, const char *k,
    size_t kl)
{
	enum lien_status rc = ledger_state_del(st, tb, k, kl);

	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

static enum lien_status LIEN_MUST_CHECK
apply_application(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p)
{
	int mortgage = type == REG_T_MORTGAGE_APPLICATION;
	const char *id, *status;
	size_t n;
	json_t *app = json_object(), *tl = json_array();
	char k[RG_KEY_MAX];
	enum lien_status rc = LIEN_ENOMEM;

	id = rg_jstr(p, "app", &n);
	status = json_string_value(json_object_get(p, "status"));
	if (app == NULL || tl == NULL ||
	    rg_set(app, "app", rg_jstrn(id, n)) ||
	    rg_set(app, "kind", json_string(mortgage ? "mortgage" :
	    "release")) ||
	    copy_field(app, p, "vehicle") || copy_field(app, p, "mortgage") ||
	    copy_field(app, p, "status") || copy_field(app, p, "channel") ||
	    json_array_append_new(tl, step_new("applied", index, now)) ||
	    rg_set(app, "timeline", json_incref(tl)))
		goto out;
	if ((rc = rg_store(st, LEDGER_T_APPS, id, n, app)) != LIEN_OK ||
	    (rc = queue_put(st, status, id)) != LIEN_OK)
		goto out;
	if (!mortgage)
		rc = ledger_state_put(st, LEDGER_T_INDEX, k,
		    rg_key_pending_release(k, json_string_value(
		    json_object_get(p, "mortgage"))), id, n);
out:
	json_decref(app);
	json_decref(tl);
	return rc;
}

/* Approving a mortgage endorses it on the vehicle: it joins the liens in
 * rank order (= approval order, Civil Code art. 414). */
static enum lien_status LIEN_MUST_CHECK
approve_mortgage(struct ledger_state *st, uint64_t index, uint64_t now,
    json_t *app)
{
	size_t vlen, n;
	const char *vk = rg_jstr(app, "vehicle", &vlen);
	json_t *veh = NULL, *lien = json_object(), *liens;
	enum lien_status rc;

	if (vk == NULL || lien == NULL) {
		json_decref(lien);
		return vk == NULL ? LIEN_ECORRUPT : LIEN_ENOMEM;
	}
	if ((rc = rg_load(st, LEDGER_T_VEHICLES, vk, vlen, &veh)) !=
	    LIEN_OK) {
		json_decref(lien);
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	}
	liens = json_object_get(veh, "liens");
	n = json_array_size(liens);
	rc = LIEN_ENOMEM;
	if (!json_is_array(liens) || copy_field(lien, app, "app") ||
	    rg_set(lien, "registered_index", json_integer((json_int_t)index)) ||
	    rg_set(lien, "registered_ms", json_integer((json_int_t)now)) ||
	    json_array_append(liens, lien) ||
	    rg_set(app, "rank", json_integer((json_int_t)n + 1)))
		goto out;
	rc = rg_store(st, LEDGER_T_VEHICLES, vk, vlen, veh);
out:
	json_decref(lien);
	json_decref(veh);
	return rc;
}

/* Approving a release ends the mortgage it names: the mortgage becomes
 * "released" and its lien moves to the vehicle's released list. */
static enum lien_status LIEN_MUST_CHECK
approve_release(struct ledger_state *st, uint64_t index, uint64_t now,
    json_t *rel)
{
	size_t vlen, mlen, rlen;
	const char *vk = rg_jstr(rel, "vehicle", &vlen);
	const char *mid = rg_jstr(rel, "mortgage", &mlen);
	const char *rid = rg_jstr(rel, "app", &rlen);
	json_t *mort = NULL, *veh = NULL, *liens, *released, *lien = NULL;
	char k[RG_KEY_MAX];
	enum lien_status rc;

	if (vk == NULL || mid == NULL || rid == NULL)
		return LIEN_ECORRUPT;
	if ((rc = rg_load(st, LEDGER_T_APPS, mid, mlen, &mort)) != LIEN_OK ||
	    (rc = rg_load(st, LEDGER_T_VEHICLES, vk, vlen, &veh)) != LIEN_OK) {
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
	    step_new("released", index, now)))
		goto out;
	if ((rc = rg_store(st, LEDGER_T_VEHICLES, vk, vlen, veh)) != LIEN_OK ||
	    (rc = rg_store(st, LEDGER_T_APPS, mid, mlen, mort)) != LIEN_OK)
		goto out;
	rc = del_key(st, LEDGER_T_INDEX, k, rg_key_pending_release(k, mid));
out:
	json_decref(lien);
	json_decref(mort);
	json_decref(veh);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
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
	    json_array_append_new(tl, step_new(to, index, now))) {
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
	} else if (!mortgage) {
		/* a rejected release: the mortgage may be released again
		 * (a rejected mortgage frees its contract number and its
		 * pending slot in the private state: rg_papply) */
		size_t mlen;
		const char *mid = rg_jstr(app, "mortgage", &mlen);

		rc = mid == NULL ? LIEN_ECORRUPT :
		    del_key(st, LEDGER_T_INDEX, k, rg_key_pending_release(k,
		    mid));
	}
	if (rc == LIEN_OK)
		rc = rg_store(st, LEDGER_T_APPS, id, n, app);
out:
	json_decref(app);
	return rc;
}

static enum lien_status LIEN_MUST_CHECK
apply_restriction(struct ledger_state *st, uint64_t index, uint64_t now,
    const json_t *p)
{
	const char *vk = rg_vehicle(p);
	size_t vlen = 2 * REG_VEHICLE_KEY_LEN;
	const char *kind = json_string_value(json_object_get(p, "kind"));
	json_t *veh = NULL, *rs, *r = NULL;
	enum lien_status rc;

	if (vk == NULL)
		return LIEN_EINVAL;
	if ((rc = rg_load(st, LEDGER_T_VEHICLES, vk, vlen, &veh)) != LIEN_OK)
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
		    json_array_append(rs, r)) {
			rc = LIEN_ENOMEM;
			goto out;
		}
	}
	rc = rg_store(st, LEDGER_T_VEHICLES, vk, vlen, veh);
out:
	json_decref(r);
	json_decref(veh);
	return rc;
}

/* An erasure's public trace: the tombstone of its subject key id, so a
 * second erasure of it is refused and a restored store or a mirror knows
 * which keys must not exist (docs/privacy.md "Erasure"). */
static enum lien_status LIEN_MUST_CHECK
apply_erasure(struct ledger_state *st, uint64_t index, const json_t *p)
{
	char k[RG_KEY_MAX];
	uint8_t v[8];

	be64_put(v, index);
	return ledger_state_put(st, LEDGER_T_INDEX, k, rg_key_erased(k,
	    json_string_value(json_object_get(p, "subject"))), v, 8);
}

/* A delivery event: the application's "delivery" is the last event, a
 * timeline step per event; "delivered" makes it complete. */
static enum lien_status LIEN_MUST_CHECK
apply_delivery(struct ledger_state *st, uint64_t index, uint64_t now,
    const json_t *p)
{
	size_t n;
	const char *id = rg_jstr(p, "app", &n);
	const char *event = json_string_value(json_object_get(p, "event"));
	json_t *app = NULL, *tl;
	enum lien_status rc;

	if (id == NULL || event == NULL)
		return LIEN_EINVAL;
	if ((rc = rg_load(st, LEDGER_T_APPS, id, n, &app)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	tl = json_object_get(app, "timeline");
	if (!json_is_array(tl)) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	rc = LIEN_ENOMEM;
	if (rg_set(app, "delivery", json_string(event)) ||
	    json_array_append_new(tl, step_new(event, index, now)) ||
	    (strcmp(event, "delivered") == 0 && rg_set(app, "complete",
	    json_true())))
		goto out;
	rc = rg_store(st, LEDGER_T_APPS, id, n, app);
out:
	json_decref(app);
	return rc;
}

static enum lien_status rg_apply_entry(struct ledger_state *st,
    uint64_t index, uint64_t now, unsigned type, const json_t *p)
    LIEN_MUST_CHECK;

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

static enum lien_status LIEN_MUST_CHECK
rg_apply_entry(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p)
{
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
	case REG_T_ERASURE:
		return apply_erasure(st, index, p);
	case REG_T_DELIVERY_EVENT:
		return apply_delivery(st, index, now, p);
	case REG_T_VOUCHER:
		return LIEN_OK;		/* its binding is private state */
	default:
		return LIEN_EUNSUPPORTED;
	}
}

/* ---- the private transition ------------------------------------------- */

/* VPRIVATE <vehicle>: the registered owner and details (keyed) and the
 * subject key the vehicle's evidence is sealed under. */
static enum lien_status LIEN_MUST_CHECK
papply_vehicle(struct ledger_state *st, const json_t *p, const json_t *r)
{
	char k[RG_KEY_MAX];
	json_t *o = json_object();
	enum lien_status rc = LIEN_ENOMEM;

	if (o != NULL && copy_field(o, r, "owner") == LIEN_OK &&
	    copy_field(o, r, "owner_kind") == LIEN_OK &&
	    copy_field(o, r, "details") == LIEN_OK &&
	    copy_field(o, r, "key") == LIEN_OK)
		rc = rg_store(st, LEDGER_T_VPRIVATE, k,
		    rg_key_vehicle_private(k, rg_vehicle(p)), o);
	json_decref(o);
	return rc;
}

/* The owner's index (pstate "o/" + owner reference + "a" + be64 time
 * + be64 application id number, rg_key_owner_app): one record per
 * application under its owner reference, valued RG_OWNER_MARK, and, for
 * a company's application, one under the acting person's (agent),
 * empty, so that registry_owner_apps reads the owner's records only
 * instead of every application, and the owner burst counts the owner's
 * marked records of its window (rg_owner_burst_count). Never deleted:
 * the owner sees decided and released applications as well. The acting
 * person's goes first: should it be the owner too, the key is the same
 * and the owner's mark wins. */
static enum lien_status LIEN_MUST_CHECK
owner_index_add(struct ledger_state *st, uint64_t now, const char *id,
    size_t id_len, const char *owner, size_t olen, const char *agent,
    size_t alen)
{
	char k[RG_KEY_MAX];
	uint64_t num;
	enum lien_status rc;

	if (registry_app_id_parse(id, id_len, &num) != LIEN_OK ||
	    olen != 2 * REG_COMMIT_LEN ||
	    (agent != NULL && alen != 2 * REG_COMMIT_LEN))
		return LIEN_EPARSE;	/* payload.c validated both */
	if (agent != NULL && (rc = ledger_state_put(st, LEDGER_T_PSTATE, k,
	    rg_key_owner_app(k, agent, now, num, 1), "", 0)) != LIEN_OK)
		return rc;
	return ledger_state_put(st, LEDGER_T_PSTATE, k,
	    rg_key_owner_app(k, owner, now, num, 1), RG_OWNER_MARK, 1);
}

static enum lien_status LIEN_MUST_CHECK
papply_application(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p, const json_t *r, const char *party,
    size_t plen)
{
	int mortgage = type == REG_T_MORTGAGE_APPLICATION;
	const char *id, *owner, *agent, *vk = rg_vehicle(p);
	size_t n, olen, alen = 0;
	json_t *a = json_object();
	char k[RG_KEY_MAX];
	enum lien_status rc = LIEN_ENOMEM;

	id = rg_jstr(p, "app", &n);
	owner = rg_jstr(r, "owner", &olen);
	if (a == NULL || id == NULL || owner == NULL || vk == NULL ||
	    rg_set(a, "mortgagee", rg_jstrn(party, plen)) ||
	    copy_field(a, r, "owner") || copy_field(a, r, "agent") ||
	    copy_field(a, r, "sms") || copy_field(a, r, "contract") ||
	    copy_field(a, r, "term_end") ||
	    copy_field(a, r, "reasons") || copy_field(a, r, "key"))
		goto out;
	if ((rc = rg_store(st, LEDGER_T_PAPPS, k, rg_key_app_private(k, id),
	    a)) != LIEN_OK)
		goto out;
	if (mortgage) {
		if ((rc = ledger_state_put(st, LEDGER_T_PSTATE, k,
		    rg_key_contract(k, json_string_value(json_object_get(r,
		    "contract"))), id, n)) != LIEN_OK)
			goto out;
		/* the multi-bank window (VWINDOW, registry_int.h), which
		 * also holds the application as undecided (store v14) */
		if ((rc = rg_window_add(st, vk, now, index, party, plen)) !=
		    LIEN_OK)
			goto out;
	}
	if ((rc = rg_bucket_add(st, k, rg_key_bucket_prefix(k, 'i', party,
	    plen), now)) != LIEN_OK)
		goto out;
	/* (the owner burst counts the owner's index: no counter) */
	agent = rg_jstr(r, "agent", &alen);
	rc = owner_index_add(st, now, id, n, owner, olen, agent, alen);
out:
	json_decref(a);
	return rc;
}

/* pstate "vo/<id>": the voucher's bank, purpose, vehicle, mortgage or
 * contract and expiry; "used" (the application id) once a counter
 * application presented it. */
static enum lien_status LIEN_MUST_CHECK
papply_voucher(struct ledger_state *st, const json_t *p, const json_t *r,
    const char *party, size_t plen)
{
	char k[RG_KEY_MAX];
	json_t *o = json_object();
	const char *id = json_string_value(json_object_get(p, "voucher"));
	enum lien_status rc = LIEN_ENOMEM;

	if (id == NULL || strlen(id) != REG_VOUCHER_ID_LEN) {
		json_decref(o);
		return LIEN_EINVAL;
	}
	if (o != NULL && rg_set(o, "bank", rg_jstrn(party, plen)) == LIEN_OK &&
	    copy_field(o, p, "purpose") == LIEN_OK &&
	    copy_field(o, p, "expires_ms") == LIEN_OK &&
	    copy_field(o, r, "vehicle") == LIEN_OK &&
	    copy_field(o, r, "mortgage") == LIEN_OK &&
	    copy_field(o, r, "contract") == LIEN_OK)
		rc = rg_store(st, LEDGER_T_PSTATE, k, rg_key_voucher(k, id), o);
	json_decref(o);
	return rc;
}

/* A counter application uses its voucher up. */
static enum lien_status LIEN_MUST_CHECK
papply_voucher_use(struct ledger_state *st, const json_t *p, const json_t *r)
{
	char k[RG_KEY_MAX];
	const char *id = json_string_value(json_object_get(r, "voucher"));
	json_t *o = NULL;
	size_t kl;
	enum lien_status rc;

	if (id == NULL || strlen(id) != REG_VOUCHER_ID_LEN)
		return LIEN_EINVAL;
	kl = rg_key_voucher(k, id);
	if ((rc = rg_load(st, LEDGER_T_PSTATE, k, kl, &o)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	if (json_object_get(p, "app") == NULL ||
	    rg_set(o, "used", json_copy(json_object_get(p, "app"))))
		rc = LIEN_ENOMEM;
	else
		rc = rg_store(st, LEDGER_T_PSTATE, k, kl, o);
	json_decref(o);
	return rc;
}

/* A decided mortgage is no longer its bank's undecided application for
 * the vehicle (the window record: rg_window_decided); a rejected one also
 * frees its contract number: the bank may submit a corrected one. */
static enum lien_status LIEN_MUST_CHECK
papply_decision(struct ledger_state *st, uint64_t now, const json_t *p)
{
	const char *id = json_string_value(json_object_get(p, "app"));
	json_t *app = NULL, *a = NULL;
	char k[RG_KEY_MAX];
	const char *party, *vk, *contract;
	size_t plen;
	enum lien_status rc;

	if (rg_jstr_eq(p, "decision", "in_person_review"))
		return LIEN_OK;
	if ((rc = rg_load_ro(st, LEDGER_T_APPS, id, REG_APP_ID_LEN, &app)) !=
	    LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	if (!rg_jstr_eq(app, "kind", "mortgage"))
		goto out;
	if ((rc = rg_load_ro(st, LEDGER_T_PAPPS, k, rg_key_app_private(k, id),
	    &a)) != LIEN_OK) {
		rc = rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
		goto out;
	}
	party = rg_jstr(a, "mortgagee", &plen);
	vk = rg_vehicle(app);
	contract = json_string_value(json_object_get(a, "contract"));
	if (party == NULL || vk == NULL || contract == NULL) {
		rc = LIEN_ECORRUPT;
		goto out;
	}
	if ((rc = rg_window_decided(st, vk, now, party, plen)) == LIEN_OK &&
	    rg_jstr_eq(p, "decision", "reject"))
		rc = del_key(st, LEDGER_T_PSTATE, k, rg_key_contract(k,
		    contract));
out:
	json_decref(app);
	json_decref(a);
	return rc;
}

/* ---- the notification outbox (registry.h "notices") ------------------- */

/* Text that is its own canonical JSON string body (printable ASCII,
 * no '"' or '\\'): application ids and notice kinds. */
static int
plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return 0;
	return 1;
}

enum lien_status
rg_notice_write(uint64_t index, uint64_t now, const char *app,
    const char *kind, const json_t *reasons, uint8_t *out, size_t cap,
    size_t *out_len)
{
	size_t al, kl, len = 0, n;
	char num[2][24];
	int nl[2];

	*out_len = 0;
	if (app == NULL || kind == NULL || index > (uint64_t)JCS_INT_MAX ||
	    now > (uint64_t)JCS_INT_MAX)
		return LIEN_EUNSUPPORTED;
	al = strlen(app);
	kl = strlen(kind);
	if (!plain_ascii(app, al) || !plain_ascii(kind, kl))
		return LIEN_EUNSUPPORTED;
	nl[0] = snprintf(num[0], sizeof num[0], "%llu",
	    (unsigned long long)index);
	nl[1] = snprintf(num[1], sizeof num[1], "%llu",
	    (unsigned long long)now);
	/* members in RFC 8785 order: app, index, kind, reasons, time_ms */
#define NW(s, l) do { if ((l) > cap - len) return LIEN_EUNSUPPORTED; \
	memcpy(out + len, (s), (l)); len += (l); } while (0)
	NW("{\"app\":\"", 8);
	NW(app, al);
	NW("\",\"index\":", 10);
	NW(num[0], (size_t)nl[0]);
	NW(",\"kind\":\"", 9);
	NW(kind, kl);
	NW("\"", 1);
	if (reasons != NULL) {
		NW(",\"reasons\":", 11);
		if (jcs_write(reasons, out + len, cap - len, &n) != LIEN_OK)
			return LIEN_EUNSUPPORTED;
		len += n;
	}
	NW(",\"time_ms\":", 11);
	NW(num[1], (size_t)nl[1]);
	NW("}", 1);
#undef NW
	*out_len = len;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
notice_put(struct ledger_state *st, uint64_t index, uint64_t now,
    const char *app, const char *kind, const json_t *reasons)
{
	uint8_t k[REG_NOTICE_KEY_LEN], buf[2048];
	size_t n = sizeof k, bl;
	json_t *o;
	enum lien_status rc = LIEN_ENOMEM;

	if (app == NULL)
		return LIEN_ECORRUPT;
	if (registry_notice_key(index, kind, k) != LIEN_OK)
		return LIEN_EINVAL;
	/* The record's bytes straight into buf (nothing reads notices back
	 * as trees); what it does not take goes the tree's way, which gives
	 * the same bytes or says why there are none. */
	if (rg_notice_write(index, now, app, kind, reasons, buf, sizeof buf,
	    &bl) == LIEN_OK) {
		uint8_t *pk;
		size_t pk_len;

		if ((rc = rg_pack(LEDGER_T_NOTICES, (const char *)buf, bl, &pk,
		    &pk_len)) != LIEN_OK)
			return rc;
		rc = ledger_state_put(st, LEDGER_T_NOTICES, k, n, pk, pk_len);
		free(pk);
		return rc;
	}
	o = json_object();
	if (o != NULL && rg_set(o, "app", json_string(app)) == LIEN_OK &&
	    rg_set(o, "kind", json_string(kind)) == LIEN_OK &&
	    rg_set(o, "index", json_integer((json_int_t)index)) == LIEN_OK &&
	    rg_set(o, "time_ms", json_integer((json_int_t)now)) == LIEN_OK &&
	    (reasons == NULL || rg_set(o, "reasons", json_copy(
	    (json_t *)reasons)) == LIEN_OK))
		rc = rg_store(st, LEDGER_T_NOTICES, k, n, o);
	json_decref(o);
	return rc;
}

/* The notices an entry makes (the owner is told of every step that
 * matters to them), and an approved mortgage's due-release reminder. */
static enum lien_status LIEN_MUST_CHECK
papply_notices(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p, const json_t *r)
{
	const char *app = json_string_value(json_object_get(p, "app"));
	enum lien_status rc;

	switch (type) {
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION:
		/* "diverted" sorts before "received": written in key order,
		 * both are appended to the notices table (MDB_APPEND) */
		if (rg_jstr_eq(p, "status", "in_person_review") &&
		    (rc = notice_put(st, index, now, app, "diverted",
		    json_object_get(r, "reasons"))) != LIEN_OK)
			return rc;
		return notice_put(st, index, now, app, "received", NULL);
	case REG_T_DECISION:
		if (rg_jstr_eq(p, "decision", "in_person_review"))
			return notice_put(st, index, now, app, "diverted",
			    NULL);
		if (rg_jstr_eq(p, "decision", "reject"))
			return notice_put(st, index, now, app, "rejected",
			    NULL);
		if ((rc = notice_put(st, index, now, app, "approved", NULL)) !=
		    LIEN_OK)
			return rc;
		{
			char k[RG_KEY_MAX];
			json_t *a = NULL, *o;
			const char *te;

			if ((rc = rg_load_ro(st, LEDGER_T_PAPPS, k,
			    rg_key_app_private(k, app), &a)) != LIEN_OK)
				return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
			te = json_string_value(json_object_get(a, "term_end"));
			if (te == NULL || strlen(te) != 10) {
				json_decref(a);
				return LIEN_OK;
			}
			memcpy(k, REG_REMINDER_PREFIX, 2);
			memcpy(k + 2, te, 10);
			k[12] = '/';
			memcpy(k + 13, app, REG_APP_ID_LEN);
			o = json_object();
			rc = LIEN_ENOMEM;
			if (o != NULL &&
			    rg_set(o, "app", json_string(app)) == LIEN_OK &&
			    rg_set(o, "term_end", json_string(te)) == LIEN_OK)
				rc = rg_store(st, LEDGER_T_PSTATE, k,
				    13 + REG_APP_ID_LEN, o);
			json_decref(o);
			json_decref(a);
			return rc;
		}
	case REG_T_DELIVERY_EVENT:
		if (rg_jstr_eq(p, "event", "dispatched"))
			return notice_put(st, index, now, app, "dispatched",
			    NULL);
		if (rg_jstr_eq(p, "event", "delivered"))
			return notice_put(st, index, now, app, "delivered",
			    NULL);
		return LIEN_OK;
	default:
		return LIEN_OK;
	}
}

static enum lien_status rg_papply_type(struct ledger_state *st,
    uint64_t index, uint64_t now, unsigned type, const json_t *p,
    const json_t *r, const char *party, size_t plen) LIEN_MUST_CHECK;

enum lien_status
rg_papply(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p, const json_t *r)
{
	const json_t *sg = json_object_get(rg_signer_public(type) ? p : r,
	    "signer");
	const json_t *ev = json_object_get(r, "evidence");
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
		return LIEN_EINVAL;	/* shapes first */
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

	if ((rc = rg_papply_type(st, index, now, type, p, r, party, plen)) !=
	    LIEN_OK || (rc = papply_notices(st, index, now, type, p, r)) !=
	    LIEN_OK)
		return rc;
	/* the statistics' running totals (registry/stats_agg.c) */
	return rg_stats_apply(st, now, type, p, r);
}

static enum lien_status LIEN_MUST_CHECK
rg_papply_type(struct ledger_state *st, uint64_t index, uint64_t now,
    unsigned type, const json_t *p, const json_t *r, const char *party,
    size_t plen)
{
	switch (type) {
	case REG_T_VEHICLE_RECORD:
		return papply_vehicle(st, p, r);
	case REG_T_MORTGAGE_APPLICATION:
	case REG_T_RELEASE_APPLICATION: {
		enum lien_status rc;

		/* the bank: the signer online, the one named at the
		 * counter (whose voucher is used up) */
		party = rg_app_bank(r, &plen);
		if (party == NULL)
			return LIEN_EINVAL;
		if (rg_counter(type, p) &&
		    json_object_get(r, "voucher") != NULL &&
		    (rc = papply_voucher_use(st, p, r)) != LIEN_OK)
			return rc;
		return papply_application(st, index, now, type, p, r, party,
		    plen);
	}
	case REG_T_DECISION:
		return papply_decision(st, now, p);
	case REG_T_VOUCHER:
		return papply_voucher(st, p, r, party, plen);
	default:
		return LIEN_OK;
	}
}

void
registry_private_commit(uint64_t index, const uint8_t *rec, size_t len,
    uint8_t out[HASH_LEN])
{
	static const char tag[] = "lienlog-private-v1";	/* + its NUL */
	uint8_t ix[8];
	struct hash_part parts[3] = { { tag, sizeof(tag) }, { ix, 8 },
		{ rec, len } };

	be64_put(ix, index);
	hash_sha256_parts(parts, 3, out);
}

/* Parse and check the private record of (index, p): canonical JSON, the
 * one p commits to, its shape. *out: json_decref. */
static enum lien_status LIEN_MUST_CHECK
private_parse(unsigned type, uint64_t index, const json_t *p,
    const uint8_t *priv, size_t priv_len, const uint8_t *commit, json_t **out,
    struct rg_verdict *v)
{
	uint8_t want[HASH_LEN], got[HASH_LEN];
	const char *s;
	size_t n;
	enum lien_status rc;

	*out = NULL;
	s = rg_jstr(p, "private", &n);
	if (s == NULL || hex_decode(s, n, want, HASH_LEN) != LIEN_OK)
		return rg_refuse(v, LIEN_EPARSE, "field_invalid");
	if (commit == NULL) {
		registry_private_commit(index, priv, priv_len, got);
		commit = got;
	}
	if (!hash_equal(want, commit))
		return rg_refuse(v, LIEN_EVERIFY, "private_not_committed");
	if ((rc = jcs_parse_canonical(priv, priv_len, out)) != LIEN_OK)
		return rg_refuse(v, rc == LIEN_ETOOBIG ? LIEN_ETOOBIG :
		    LIEN_EPARSE, "private_not_canonical");
	if ((rc = rg_pshape(type, p, *out, 1, v)) != LIEN_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Shared by registry_apply and registry_check: parse and shape-check
 * the public payload (its application id is appv) and (optionally) the
 * private record (committed with the entry index). */
enum lien_status
rg_parse_entry(uint64_t index, uint64_t appv, uint64_t time_ms,
    uint16_t type, const uint8_t *payload, size_t len, const uint8_t *priv, size_t priv_len,
    json_t **p, json_t **r, struct rg_verdict *v)
{
	return rg_parse_entry_commit(index, appv, time_ms, type, payload, len,
	    priv, priv_len, NULL, p, r, v);
}

enum lien_status
rg_parse_entry_commit(uint64_t index, uint64_t appv, uint64_t time_ms,
    uint16_t type, const uint8_t *payload, size_t len, const uint8_t *priv,
    size_t priv_len, const uint8_t *commit, json_t **p, json_t **r,
    struct rg_verdict *v)
{
	enum lien_status rc;

	*p = NULL;
	*r = NULL;
	if (time_ms >= REG_TIME_MAX || index >= REG_INDEX_MAX)
		return rg_refuse(v, LIEN_ECORRUPT, "time_out_of_range");
	if ((rc = jcs_parse_canonical(payload, len, p)) != LIEN_OK)
		return rg_refuse(v, rc == LIEN_ETOOBIG ? LIEN_ETOOBIG :
		    LIEN_EPARSE, "payload_not_canonical");
	if ((rc = rg_shape(type, appv, *p, 1, v)) == LIEN_OK && priv != NULL)
		rc = private_parse(type, index, *p, priv, priv_len, commit, r,
		    v);
	if (rc != LIEN_OK) {
		json_decref(*p);
		*p = NULL;
	}
	return rc;
}

enum lien_status
registry_apply(struct ledger_state *st, uint64_t index, uint64_t time_ms,
    uint16_t type, const uint8_t *payload, size_t len, const uint8_t *priv,
    size_t priv_len)
{
	json_t *p = NULL, *r = NULL;
	struct rg_verdict v = { LIEN_OK, NULL, 0 };
	uint64_t appv;
	enum lien_status rc;

	if (st == NULL || (payload == NULL && len != 0) ||
	    (priv == NULL && priv_len != 0))
		return LIEN_EINVAL;
	if (type < REG_T_FIRST)
		return LIEN_OK;		/* the log's own */
	if (!registry_type_known(type))
		return LIEN_EUNSUPPORTED;
	if (time_ms >= REG_TIME_MAX || index >= REG_INDEX_MAX)
		return LIEN_ECORRUPT;	/* as registry_check says */
	if ((rc = rg_app_value(st, index, &appv)) != LIEN_OK)
		return rc;
	if ((rc = rg_parse_entry(index, appv, time_ms, type, payload, len,
	    priv, priv_len, &p, &r, &v)) != LIEN_OK)
		return rc;
	if ((rc = rg_apply(st, index, time_ms, type, p)) == LIEN_OK &&
	    r != NULL)
		rc = rg_papply(st, index, time_ms, type, p, r);
	json_decref(p);
	json_decref(r);
	return rc;
}
