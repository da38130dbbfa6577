/*
 * A vehicle's public status record and its place in the lien-status map
 * (docs/lien-status.md "Status record"; the fields are docs/privacy.md's
 * "Lien-status map" decision).
 *
 * The record is what anyone may learn about a vehicle by its VIN: when
 * it was recorded, its liens in force in rank order (application id,
 * registration index and time: MPS Order 164 art. 35, Civil Code art.
 * 414), its released liens (registration and release index and time), the
 * restrictions in force (kind, index, time: a buyer must see a seizure,
 * art. 36), and `fuller`, a commitment to the parties' fuller view. No
 * bank, owner, plate, certificate or contract. Canonical JSON (RFC 8785):
 *
 *   {"fuller":"<hex>",
 *    "liens":[{"app","rank","registered_index","registered_ms"}],
 *    "recorded_index":N,"recorded_ms":N,
 *    "released":[{"app","registered_index","registered_ms",
 *                 "released_index","released_ms"}],
 *    "restrictions":[{"index","kind","since_ms"}]}
 *
 * `fuller` folds, in log order, the commitment of every entry that stored
 * the vehicle (tlog/status.h status_fuller_fold): the entry's `private`
 * (payload version 2, docs/privacy.md) or, for a version 1 payload, which
 * holds its data in clear, SHA-256 of the payload. It binds the private
 * records of every step without revealing them, and the public audit
 * recomputes it from public entries alone.
 *
 * Every time the registry stores a vehicle (rg_store), rg_status_fold
 * advances the vehicle's `fuller` with the entry being applied (rg_apply
 * names it, rg_status_entry) and rg_status_update sets the vehicle's map
 * leaf: key = the vehicle key, value = SHA-256("lienlog-status-v1" 0x00
 * || record).
 */
#include "registry/registry_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/rfc3339.h"
#include "tlog/status.h"

/* ---- The entry being applied -------------------------------------------- */

/* rg_apply runs one entry at a time per thread (the sequencer's build,
 * an audit replay); the vehicle stores it makes fold that entry in. */
static _Thread_local struct {
	const json_t *p;	/* the entry's payload tree, or NULL */
	int have;
	uint8_t commit[HASH_LEN];
	int stored;				/* a vehicle was stored */
	uint8_t stored_key[MAP_KEY_LEN];	/* the last one's map key */
} cur;

void
rg_status_entry(const json_t *p)
{
	cur.p = p;
	cur.have = 0;
	if (p != NULL)		/* a new entry: nothing stored yet */
		cur.stored = 0;
}

void
rg_status_stored_vin(const char *vin, size_t vin_len,
    char out[IDS_VIN_LEN + 1])
{
	uint8_t vk[MAP_KEY_LEN];

	out[0] = '\0';
	if (cur.stored && vin != NULL && vin_len == IDS_VIN_LEN &&
	    registry_vehicle_key(vin, vin_len, vk) == LIEN_OK &&
	    memcmp(vk, cur.stored_key, MAP_KEY_LEN) == 0) {
		memcpy(out, vin, IDS_VIN_LEN);
		out[IDS_VIN_LEN] = '\0';
	}
}

/* The commitment of the entry being applied (computed once). */
static enum lien_status LIEN_MUST_CHECK
entry_commit(uint8_t out[HASH_LEN])
{
	const char *s;
	size_t n;
	enum lien_status rc;

	if (cur.p == NULL)
		return LIEN_EINVAL;	/* a vehicle stored outside an entry */
	if (!cur.have) {
		s = rg_jstr(cur.p, "private", &n);
		if (s != NULL)
			rc = hex_decode(s, n, cur.commit, HASH_LEN);
		else
			rc = jcs_digest(cur.p, cur.commit);
		if (rc != LIEN_OK)
			return rc == LIEN_ENOMEM ? rc : LIEN_EINVAL;
		cur.have = 1;
	}
	memcpy(out, cur.commit, HASH_LEN);
	return LIEN_OK;
}

enum lien_status
rg_status_fold(json_t *veh)
{
	uint8_t f[HASH_LEN], c[HASH_LEN];
	const char *s;
	size_t n;
	char hex[2 * HASH_LEN + 1];
	enum lien_status rc;

	memset(f, 0, sizeof f);
	if ((s = rg_jstr(veh, "fuller", &n)) != NULL &&
	    hex_decode(s, n, f, HASH_LEN) != LIEN_OK)
		return LIEN_ECORRUPT;
	if ((rc = entry_commit(c)) != LIEN_OK)
		return rc;
	status_fuller_fold(f, c, f);
	hex_encode(f, HASH_LEN, hex);
	return rg_set(veh, "fuller", json_string(hex));
}

/* ---- The record ------------------------------------------------------------ */

/* dst[to] = a copy of src[from]; LIEN_ECORRUPT when the stored record
 * lacks it. */
static enum lien_status LIEN_MUST_CHECK
copy_member(json_t *dst, const json_t *src, const char *from, const char *to)
{
	json_t *v = json_object_get(src, from);

	if (v == NULL)
		return LIEN_ECORRUPT;
	return rg_set(dst, to, json_copy(v));
}

json_t *
rg_status_record(const json_t *veh)
{
	json_t *o = json_object(), *liens = json_array(), *rel = json_array();
	json_t *rs = json_array(), *a;

	if (o == NULL || liens == NULL || rel == NULL || rs == NULL)
		goto fail;
	a = json_object_get(veh, "liens");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *m = json_object();

		if (m == NULL || json_array_append_new(liens, m) ||
		    copy_member(m, e, "app", "app") ||
		    rg_set(m, "rank", json_integer((json_int_t)i + 1)) ||
		    copy_member(m, e, "registered_index", "registered_index") ||
		    copy_member(m, e, "registered_ms", "registered_ms"))
			goto fail;
	}
	a = json_object_get(veh, "released");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *m = json_object();

		if (m == NULL || json_array_append_new(rel, m) ||
		    copy_member(m, e, "app", "app") ||
		    copy_member(m, e, "registered_index", "registered_index") ||
		    copy_member(m, e, "registered_ms", "registered_ms") ||
		    copy_member(m, e, "released_index", "released_index") ||
		    copy_member(m, e, "released_ms", "released_ms"))
			goto fail;
	}
	a = json_object_get(veh, "restrictions");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *m = json_object();

		if (m == NULL || json_array_append_new(rs, m) ||
		    copy_member(m, e, "index", "index") ||
		    copy_member(m, e, "kind", "kind") ||
		    copy_member(m, e, "time_ms", "since_ms"))
			goto fail;
	}
	if (copy_member(o, veh, "fuller", "fuller") ||
	    copy_member(o, veh, "recorded_index", "recorded_index") ||
	    copy_member(o, veh, "recorded_ms", "recorded_ms") ||
	    rg_set(o, "liens", json_incref(liens)) ||
	    rg_set(o, "released", json_incref(rel)) ||
	    rg_set(o, "restrictions", json_incref(rs)))
		goto fail;
	json_decref(liens);
	json_decref(rel);
	json_decref(rs);
	return o;
fail:
	json_decref(o);
	json_decref(liens);
	json_decref(rel);
	json_decref(rs);
	return NULL;
}

/* ---- The record's bytes without the tree (the replay's hot path) ------- */

struct rw {
	uint8_t *p;
	size_t cap, len;
	int bad;	/* anything unexpected: the caller takes the tree path */
};

static void
rw_raw(struct rw *w, const char *s, size_t n)
{
	if (w->bad || n > w->cap - w->len) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* ",\"name\":" or "{\"name\":" as the caller spells it, then o[from]:
 * a string or an integer only (anything else, or absent: bad). */
static void
rw_member(struct rw *w, const char *lead, const json_t *o, const char *from)
{
	const json_t *v = json_object_get(o, from);
	size_t n;

	rw_raw(w, lead, strlen(lead));
	if (w->bad || v == NULL || !(json_is_string(v) || json_is_integer(v)) ||
	    jcs_write(v, w->p + w->len, w->cap - w->len, &n) != LIEN_OK) {
		w->bad = 1;
		return;
	}
	w->len += n;
}

enum lien_status
rg_status_record_write(const json_t *veh, uint8_t *out, size_t cap,
    size_t *out_len)
{
	struct rw w = { out, cap, 0, 0 };
	const json_t *a;
	char num[24];

	*out_len = 0;
	/* Members in RFC 8785 order, as rg_status_record names them. */
	rw_member(&w, "{\"fuller\":", veh, "fuller");
	rw_raw(&w, ",\"liens\":[", 10);
	a = json_object_get(veh, "liens");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		int nl = snprintf(num, sizeof num, "%zu", i + 1);

		rw_member(&w, i ? ",{\"app\":" : "{\"app\":", e, "app");
		rw_raw(&w, ",\"rank\":", 8);
		rw_raw(&w, num, (size_t)nl);
		rw_member(&w, ",\"registered_index\":", e, "registered_index");
		rw_member(&w, ",\"registered_ms\":", e, "registered_ms");
		rw_raw(&w, "}", 1);
	}
	rw_raw(&w, "]", 1);
	rw_member(&w, ",\"recorded_index\":", veh, "recorded_index");
	rw_member(&w, ",\"recorded_ms\":", veh, "recorded_ms");
	rw_raw(&w, ",\"released\":[", 13);
	a = json_object_get(veh, "released");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);

		rw_member(&w, i ? ",{\"app\":" : "{\"app\":", e, "app");
		rw_member(&w, ",\"registered_index\":", e, "registered_index");
		rw_member(&w, ",\"registered_ms\":", e, "registered_ms");
		rw_member(&w, ",\"released_index\":", e, "released_index");
		rw_member(&w, ",\"released_ms\":", e, "released_ms");
		rw_raw(&w, "}", 1);
	}
	rw_raw(&w, "],\"restrictions\":[", 18);
	a = json_object_get(veh, "restrictions");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);

		rw_member(&w, i ? ",{\"index\":" : "{\"index\":", e, "index");
		rw_member(&w, ",\"kind\":", e, "kind");
		rw_member(&w, ",\"since_ms\":", e, "time_ms");
		rw_raw(&w, "}", 1);
	}
	rw_raw(&w, "]}", 2);
	if (w.bad)
		return LIEN_EUNSUPPORTED;
	*out_len = w.len;
	return LIEN_OK;
}

/* The record's canonical bytes; *out malloc'd. */
static enum lien_status LIEN_MUST_CHECK
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

/* The map key of a vehicle stored under table key (key, key_len): a VIN
 * (payload version 1) or the vehicle key in hex (version 2). */
static enum lien_status LIEN_MUST_CHECK
map_key_of(const char *key, size_t key_len, uint8_t out[MAP_KEY_LEN])
{
	if (key_len == 2 * HASH_LEN)
		return hex_decode(key, key_len, out, HASH_LEN) == LIEN_OK ?
		    LIEN_OK : LIEN_ECORRUPT;
	return registry_vehicle_key(key, key_len, out) == LIEN_OK ? LIEN_OK :
	    LIEN_ECORRUPT;
}

enum lien_status
rg_status_update(struct ledger_state *st, const char *key, size_t key_len,
    const json_t *veh)
{
	uint8_t mk[MAP_KEY_LEN], value[MAP_VALUE_LEN], buf[STATUS_RECORD_MAX];
	char *rec;
	size_t rec_len;
	enum lien_status rc;

	if ((rc = map_key_of(key, key_len, mk)) != LIEN_OK)
		return rc;
	/* Straight into buf; a record it does not take (an unexpected
	 * member, over STATUS_RECORD_MAX) goes the tree's way, which gives
	 * the same bytes or says why there are none. */
	if (rg_status_record_write(veh, buf, sizeof buf, &rec_len) == LIEN_OK) {
		status_value(buf, rec_len, value);
	} else {
		if ((rc = record_bytes(veh, &rec, &rec_len)) != LIEN_OK)
			return rc;
		status_value((const uint8_t *)rec, rec_len, value);
		free(rec);
	}
	memcpy(cur.stored_key, mk, MAP_KEY_LEN);
	cur.stored = 1;
	return ledger_state_map_set(st, mk, value);
}

enum lien_status
registry_status_proof(struct ledger_view *v, const char *vin, size_t vin_len,
    uint8_t **out, size_t *out_len)
{
	json_t *veh = NULL;
	char *rec = NULL;
	size_t rec_len = 0;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char hex[2 * REG_VEHICLE_KEY_LEN + 1];

	if (vin == NULL || registry_vehicle_key(vin, vin_len, vk) != LIEN_OK)
		return LIEN_EPARSE;
	/* payload version 2: vehicles are stored under their vehicle key */
	hex_encode(vk, sizeof vk, hex);
	rc = rg_view_load_ro(v, LEDGER_T_VEHICLES, hex, 2 * sizeof vk, &veh);
	if (rc == LIEN_ENOTFOUND)	/* never recorded: prove absence */
		return ledger_view_status_proof(v, (const uint8_t *)vin,
		    vin_len, NULL, 0, out, out_len);
	if (rc != LIEN_OK || (rc = record_bytes(veh, &rec, &rec_len)) !=
	    LIEN_OK)
		goto out;
	rc = ledger_view_status_proof(v, (const uint8_t *)vin, vin_len,
	    (const uint8_t *)rec, rec_len, out, out_len);
out:
	json_decref(veh);
	free(rec);
	return rc;
}

/* ---- Reading a record (verifiers) ------------------------------------------ */

/* o[k], an integer >= 0. LIEN_EPARSE when absent, mistyped or negative
 * (*out unchanged). */
static enum lien_status LIEN_MUST_CHECK
uint_member(const json_t *o, const char *k, uint64_t *out)
{
	int64_t v;

	if (!rg_jint(o, k, &v) || v < 0)
		return LIEN_EPARSE;
	*out = (uint64_t)v;
	return LIEN_OK;
}

/* o["app"], an application id (registry/ids.h). LIEN_EPARSE when absent
 * or not one (out unchanged). */
static enum lien_status LIEN_MUST_CHECK
app_member(const json_t *o, char out[REG_APP_ID_LEN + 1])
{
	size_t n;
	const char *s = rg_jstr(o, "app", &n);
	uint64_t idx;

	if (s == NULL || registry_app_id_parse(s, n, &idx) != LIEN_OK)
		return LIEN_EPARSE;
	memcpy(out, s, n);
	out[n] = '\0';
	return LIEN_OK;
}

enum lien_status
registry_status_parse(const uint8_t *rec, size_t len, struct reg_status *out)
{
	json_t *j = NULL, *ls, *rl, *rs;
	const char *s;
	size_t n, nl, nr;
	enum lien_status rc = LIEN_EPARSE;

	memset(out, 0, sizeof *out);
	if (len > STATUS_RECORD_MAX)
		return LIEN_ETOOBIG;
	if (jcs_parse_canonical(rec, len, &j) != LIEN_OK || !json_is_object(j) ||
	    json_object_size(j) != 6)
		goto out;
	ls = json_object_get(j, "liens");
	rl = json_object_get(j, "released");
	rs = json_object_get(j, "restrictions");
	s = rg_jstr(j, "fuller", &n);
	nl = json_array_size(ls);
	nr = json_array_size(rl);
	if (!json_is_array(ls) || !json_is_array(rl) || !json_is_array(rs) ||
	    s == NULL || hex_decode(s, n, out->fuller, HASH_LEN) != LIEN_OK ||
	    uint_member(j, "recorded_index", &out->recorded_index) !=
	    LIEN_OK || uint_member(j, "recorded_ms", &out->recorded_ms) !=
	    LIEN_OK ||
	    nl + nr > REG_VEHICLE_LIENS_MAX ||
	    json_array_size(rs) > REG_STATUS_RESTR_MAX)
		goto out;
	for (size_t i = 0; i < nl + nr; i++) {
		int active = i < nl;
		const json_t *m = active ? json_array_get(ls, i) :
		    json_array_get(rl, i - nl);
		struct reg_status_lien *o = &out->liens[i];
		uint64_t rank;

		o->active = active;
		if (!json_is_object(m) || json_object_size(m) != 4u +
		    (active ? 0u : 1u) || app_member(m, o->app) != LIEN_OK ||
		    uint_member(m, "registered_index", &o->registered_index) !=
		    LIEN_OK || uint_member(m, "registered_ms",
		    &o->registered_ms) != LIEN_OK)
			goto out;
		if (active) {
			/* ranks 1, 2, ... in registration order */
			if (uint_member(m, "rank", &rank) != LIEN_OK ||
			    rank != i + 1 ||
			    (i > 0 && o->registered_index <=
			    out->liens[i - 1].registered_index))
				goto out;
		} else if (uint_member(m, "released_index",
		    &o->released_index) != LIEN_OK ||
		    uint_member(m, "released_ms", &o->released_ms) != LIEN_OK ||
		    o->released_index <= o->registered_index ||
		    o->released_ms < o->registered_ms ||
		    (i > nl && o->released_index <=
		    out->liens[i - 1].released_index)) {
			goto out;
		}
	}
	out->nliens = nl;
	out->nreleased = nr;
	for (size_t i = 0; i < json_array_size(rs); i++) {
		const json_t *r = json_array_get(rs, i);
		const char *k;
		size_t kn;
		int kind;

		k = rg_jstr(r, "kind", &kn);
		if (!json_is_object(r) || json_object_size(r) != 3 || k == NULL ||
		    (kind = rg_restr_parse(k, kn)) == 0 ||
		    uint_member(r, "index", &out->restrictions[i].index) !=
		    LIEN_OK || uint_member(r, "since_ms",
		    &out->restrictions[i].since_ms) != LIEN_OK)
			goto out;
		/* each kind at most once (set twice is refused), in the
		 * order they were set */
		for (size_t p = 0; p < i; p++)
			if ((int)out->restrictions[p].kind == kind)
				goto out;
		if (i > 0 && out->restrictions[i].index <=
		    out->restrictions[i - 1].index)
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

/* Set "<stem>_ms" and "<stem>_at" from an integer (or null) v.
 * LIEN_ECORRUPT when the stored v is neither. */
static enum lien_status LIEN_MUST_CHECK
set_time(json_t *o, const char *stem, const json_t *v)
{
	char k[32], ts[RFC3339_MS_LEN + 1];
	enum lien_status rc;

	(void)snprintf(k, sizeof k, "%s_ms", stem);
	if (json_is_null(v) || v == NULL) {
		rc = rg_set(o, k, json_null());
		if (rc != LIEN_OK)
			return rc;
		(void)snprintf(k, sizeof k, "%s_at", stem);
		return rg_set(o, k, json_null());
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return LIEN_ECORRUPT;
	rc = rfc3339_ms((uint64_t)json_integer_value(v), ts);
	if (rc != LIEN_OK)
		return rc;
	rc = rg_set(o, k, json_integer(json_integer_value(v)));
	if (rc != LIEN_OK)
		return rc;
	(void)snprintf(k, sizeof k, "%s_at", stem);
	return rg_set(o, k, json_string(ts));
}

json_t *
rg_status_public(const json_t *veh, const char *vin, size_t vin_len)
{
	json_t *o = json_object(), *liens = json_array(), *rel = json_array();
	json_t *rs = json_array(), *a;
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char hex[2 * REG_VEHICLE_KEY_LEN + 1];

	if (o == NULL || liens == NULL || rel == NULL || rs == NULL ||
	    registry_vehicle_key(vin, vin_len, vk) != LIEN_OK)
		goto fail;
	hex_encode(vk, sizeof vk, hex);
	a = json_object_get(veh, "liens");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *m = json_object();

		if (m == NULL || json_array_append_new(liens, m) ||
		    copy_member(m, e, "app", "app") ||
		    rg_set(m, "rank", json_integer((json_int_t)i + 1)) ||
		    set_time(m, "registered", json_object_get(e,
		    "registered_ms")))
			goto fail;
	}
	a = json_object_get(veh, "released");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *m = json_object();

		if (m == NULL || json_array_append_new(rel, m) ||
		    copy_member(m, e, "app", "app") ||
		    set_time(m, "registered", json_object_get(e,
		    "registered_ms")) ||
		    set_time(m, "released", json_object_get(e, "released_ms")))
			goto fail;
	}
	a = json_object_get(veh, "restrictions");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i), *m = json_object();

		if (m == NULL || json_array_append_new(rs, m) ||
		    copy_member(m, e, "kind", "kind") ||
		    set_time(m, "since", json_object_get(e, "time_ms")))
			goto fail;
	}
	if (rg_set(o, "vin", rg_jstrn(vin, vin_len)) ||
	    rg_set(o, "vehicle", json_string(hex)) ||
	    set_time(o, "recorded", json_object_get(veh, "recorded_ms")) ||
	    rg_set(o, "liens", json_incref(liens)) ||
	    rg_set(o, "released", json_incref(rel)) ||
	    rg_set(o, "restrictions", json_incref(rs)))
		goto fail;
	json_decref(liens);
	json_decref(rel);
	json_decref(rs);
	return o;
fail:
	json_decref(o);
	json_decref(liens);
	json_decref(rel);
	json_decref(rs);
	return NULL;
}
