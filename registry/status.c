/*
 * A vehicle's public status record and its place in the lien-status map
 * (docs/lien-status.md "Status record").
 *
 * The record is what anyone may learn about a vehicle by its VIN: the
 * registration and release dates of its mortgages (MPS Order 164 art. 35)
 * and the kind and date of each restriction in force (a buyer must see a
 * seizure; TEAM.md, docs/privacy.md). Nothing that names a person or a
 * bank. Canonical JSON (RFC 8785), exactly:
 *
 *   {"mortgages":[{"registered_ms":N,"released_ms":N|null},...],
 *    "restrictions":[{"kind":"seized"|...,"since_ms":N},...],
 *    "vin":"<17 characters>"}
 *
 * mortgages in registration order (the entry index of the approval: Civil
 * Code art. 414 ranks by registration), every mortgage ever registered,
 * released ones with their release date; restrictions in the order they
 * were set, only those in force.
 *
 * Every time the registry stores a vehicle (rg_store), rg_status_update
 * sets the vehicle's map leaf: key = key(VIN), value = value(record,
 * full), where full = SHA-256(0x15 || the stored vehicle record), the
 * commitment to the parties' fuller view (tlog/status.h). The full record
 * is a function of the public log (the audit replays it), so its hash
 * tells nobody anything the log does not.
 */
#include "registry/registry_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/rfc3339.h"
#include "tlog/status.h"

/* The entries of a vehicle's lien lists, in registration order. */
struct lien_ref {
	const json_t *e;
	int64_t index;
};

static int
lien_cmp(const void *a, const void *b)
{
	const struct lien_ref *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

json_t *
rg_status_record(const json_t *veh)
{
	const json_t *liens = json_object_get(veh, "liens");
	const json_t *released = json_object_get(veh, "released");
	const json_t *rs = json_object_get(veh, "restrictions");
	size_t nl = json_array_size(liens), nr = json_array_size(released);
	struct lien_ref *refs = NULL;
	json_t *o = json_object(), *ms = json_array(), *ra = json_array();
	size_t n = 0;

	if (o == NULL || ms == NULL || ra == NULL)
		goto fail;
	if (nl + nr > 0 && (refs = calloc(nl + nr, sizeof *refs)) == NULL)
		goto fail;
	for (size_t i = 0; i < nl + nr; i++) {
		const json_t *e = i < nl ? json_array_get(liens, i) :
		    json_array_get(released, i - nl);

		if (!rg_jint(e, "registered_index", &refs[n].index))
			goto fail;
		refs[n++].e = e;
	}
	if (n > 1)
		qsort(refs, n, sizeof *refs, lien_cmp);
	for (size_t i = 0; i < n; i++) {
		json_t *rel = json_object_get(refs[i].e, "released_ms");
		json_t *m = json_object();

		if (m == NULL || json_array_append_new(ms, m) ||
		    rg_set(m, "registered_ms", json_copy(json_object_get(
		    refs[i].e, "registered_ms"))) ||
		    rg_set(m, "released_ms", rel != NULL ? json_copy(rel) :
		    json_null()))
			goto fail;
	}
	for (size_t i = 0; i < json_array_size(rs); i++) {
		const json_t *r = json_array_get(rs, i);
		json_t *x = json_object();

		if (x == NULL || json_array_append_new(ra, x) ||
		    rg_set(x, "kind", json_copy(json_object_get(r, "kind"))) ||
		    rg_set(x, "since_ms", json_copy(json_object_get(r,
		    "time_ms"))))
			goto fail;
	}
	if (rg_set(o, "mortgages", ms) || rg_set(o, "restrictions", ra) ||
	    rg_set(o, "vin", json_copy(json_object_get(veh, "vin")))) {
		ms = ra = NULL;	/* consumed */
		goto fail;
	}
	free(refs);
	return o;
fail:
	free(refs);
	json_decref(o);
	json_decref(ms);
	json_decref(ra);
	return NULL;
}

/* The record's canonical bytes; *out malloc'd. */
static enum lien_status
record_bytes(const json_t *veh, char **out, size_t *out_len)
{
	json_t *r = rg_status_record(veh);
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (r == NULL)
		return LIEN_ENOMEM;
	rc = jcs_serialize(r, out, out_len);
	json_decref(r);
	if (rc == LIEN_OK && *out_len > STATUS_RECORD_MAX) {
		free(*out);
		*out = NULL;
		rc = LIEN_ETOOBIG;
	}
	return rc;
}

enum lien_status
rg_status_update(struct ledger_state *st, const char *vin, size_t vin_len,
    const json_t *veh, const uint8_t *stored, size_t stored_len)
{
	uint8_t key[MAP_KEY_LEN], full[HASH_LEN], value[MAP_VALUE_LEN];
	char *rec;
	size_t rec_len;
	enum lien_status rc;

	if ((rc = status_key((const uint8_t *)vin, vin_len, key)) != LIEN_OK ||
	    (rc = record_bytes(veh, &rec, &rec_len)) != LIEN_OK)
		return rc;
	status_full_commitment(stored, stored_len, full);
	status_value((const uint8_t *)rec, rec_len, full, value);
	free(rec);
	return ledger_state_map_set(st, key, value);
}

enum lien_status
registry_status_proof(struct ledger_view *v, const char *vin, size_t vin_len,
    uint8_t **out, size_t *out_len)
{
	const uint8_t *stored;
	size_t stored_len, rec_len = 0;
	json_t *veh = NULL;
	char *rec = NULL;
	uint8_t full[HASH_LEN];
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (vin == NULL || ids_vin_validate(vin, vin_len) != LIEN_OK)
		return LIEN_EPARSE;
	rc = ledger_view_state_get(v, LEDGER_T_VEHICLES, vin, vin_len, &stored,
	    &stored_len);
	if (rc == LIEN_ENOTFOUND)	/* never recorded: prove absence */
		return ledger_view_status_proof(v, (const uint8_t *)vin,
		    vin_len, NULL, 0, NULL, out, out_len);
	if (rc != LIEN_OK)
		return rc;
	status_full_commitment(stored, stored_len, full);
	if ((rc = rg_view_load_ro(v, LEDGER_T_VEHICLES, vin, vin_len, &veh)) !=
	    LIEN_OK || (rc = record_bytes(veh, &rec, &rec_len)) != LIEN_OK)
		goto out;
	rc = ledger_view_status_proof(v, (const uint8_t *)vin, vin_len,
	    (const uint8_t *)rec, rec_len, full, out, out_len);
out:
	json_decref(veh);
	free(rec);
	return rc;
}

/* ---- Reading a record (verifiers) ------------------------------------------ */

static int
uint_member(const json_t *o, const char *k, uint64_t *out)
{
	int64_t v;

	if (!rg_jint(o, k, &v) || v < 0)
		return 0;
	*out = (uint64_t)v;
	return 1;
}

enum lien_status
registry_status_parse(const uint8_t *rec, size_t len, const char *vin,
    size_t vin_len, struct reg_status *out)
{
	json_t *j = NULL, *ms, *rs;
	const char *s;
	size_t n;
	enum lien_status rc = LIEN_EPARSE;

	memset(out, 0, sizeof *out);
	if (len > STATUS_RECORD_MAX)
		return LIEN_ETOOBIG;
	if (jcs_parse_canonical(rec, len, &j) != LIEN_OK || !json_is_object(j) ||
	    json_object_size(j) != 3)
		goto out;
	ms = json_object_get(j, "mortgages");
	rs = json_object_get(j, "restrictions");
	s = rg_jstr(j, "vin", &n);
	if (!json_is_array(ms) || !json_is_array(rs) || s == NULL ||
	    ids_vin_validate(s, n) != LIEN_OK ||
	    json_array_size(ms) > REG_VEHICLE_LIENS_MAX ||
	    json_array_size(rs) > REG_STATUS_RESTR_MAX)
		goto out;
	if (vin != NULL && (n != vin_len || memcmp(s, vin, n) != 0))
		goto out;
	memcpy(out->vin, s, n);
	for (size_t i = 0; i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		const json_t *rel = json_object_get(m, "released_ms");
		struct reg_status_mortgage *o = &out->mortgages[i];

		if (!json_is_object(m) || json_object_size(m) != 2 ||
		    !uint_member(m, "registered_ms", &o->registered_ms) ||
		    (!json_is_null(rel) &&
		    !uint_member(m, "released_ms", &o->released_ms)) ||
		    rel == NULL)
			goto out;
		o->released = !json_is_null(rel);
		/* registration order: never earlier than the one before */
		if (i > 0 && o->registered_ms <
		    out->mortgages[i - 1].registered_ms)
			goto out;
		if (o->released && o->released_ms < o->registered_ms)
			goto out;
		if (!o->released)
			out->nactive++;
	}
	out->nmortgages = json_array_size(ms);
	for (size_t i = 0; i < json_array_size(rs); i++) {
		const json_t *r = json_array_get(rs, i);
		const char *k;
		size_t kn;
		int kind;

		k = rg_jstr(r, "kind", &kn);
		if (!json_is_object(r) || json_object_size(r) != 2 || k == NULL ||
		    (kind = rg_restr_parse(k, kn)) == 0 ||
		    !uint_member(r, "since_ms", &out->restrictions[i].since_ms))
			goto out;
		/* each kind at most once: set twice is refused by the rules */
		for (size_t p = 0; p < i; p++)
			if ((int)out->restrictions[p].kind == kind)
				goto out;
		out->restrictions[i].kind = (enum reg_restriction)kind;
	}
	out->nrestrictions = json_array_size(rs);
	rc = LIEN_OK;
out:
	if (rc != LIEN_OK)
		memset(out, 0, sizeof *out);
	json_decref(j);
	return rc;
}

const char *
registry_restriction_name(enum reg_restriction r)
{
	const char *s = rg_restr_name(r);

	return s != NULL ? s : "unknown";
}

/* ---- The public form of GET /v1/vehicles/{vin} ------------------------------- */

/* Add "<stem>_at" beside every "<stem>_ms" member of o (recursively):
 * the RFC 3339 string of an integer, null for null. Keys are collected
 * first: an object must not grow while it is iterated. */
static int
add_at(json_t *o)
{
	const char *k;
	char ms_keys[8][48];
	json_t *v;
	size_t nk = 0;

	if (json_is_array(o)) {
		for (size_t i = 0; i < json_array_size(o); i++)
			if (add_at(json_array_get(o, i)) != 0)
				return -1;
		return 0;
	}
	if (!json_is_object(o))
		return 0;
	json_object_foreach(o, k, v) {
		size_t kl = strlen(k);

		if (add_at(v) != 0)
			return -1;
		if (kl >= 3 && strcmp(k + kl - 3, "_ms") == 0) {
			if (nk == sizeof ms_keys / sizeof ms_keys[0] ||
			    kl >= sizeof ms_keys[0])
				return -1;
			memcpy(ms_keys[nk++], k, kl + 1);
		}
	}
	for (size_t i = 0; i < nk; i++) {
		size_t kl = strlen(ms_keys[i]);
		char at[48], ts[RFC3339_MS_LEN + 1];

		v = json_object_get(o, ms_keys[i]);
		memcpy(at, ms_keys[i], kl - 3);
		memcpy(at + kl - 3, "_at", 4);
		if (json_is_null(v)) {
			if (rg_set(o, at, json_null()))
				return -1;
		} else if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    rfc3339_ms((uint64_t)json_integer_value(v), ts) == 0 ||
		    rg_set(o, at, json_string(ts))) {
			return -1;
		}
	}
	return 0;
}

json_t *
rg_status_public(const json_t *veh)
{
	json_t *r = rg_status_record(veh);

	if (r != NULL && add_at(r) != 0) {
		json_decref(r);
		r = NULL;
	}
	return r;
}
