/*
 * Readers of the registry state for api/ (views: consistent snapshots that
 * never block the sequencer): application records, the officer's queue,
 * vehicles with their public (MPS Order 164 arts. 35-36: dates, ranks,
 * restrictions; docs/privacy.md table D) and full forms (plus the bank of
 * each lien, from the private state), private records, sealed evidence
 * and subject keys, filed keys for request authentication, and the nonce
 * and idempotency pre-checks. The authoritative checks run again inside
 * the sequencer (registry_build).
 */
#include "registry/registry_int.h"
#include "registry/jpack.h"

#include "common/hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/b64.h"
#include "common/rd.h"
#include "crypto/hash.h"
#include "crypto/idemkey.h"

static enum lien_status LIEN_MUST_CHECK
emit(const json_t *j, char **out, size_t *out_len)
{
	return jcs_serialize(j, out, out_len);
}

/* Add the private facts of application app (pstate "a/<id>") to rec:
 * "mortgagee" and "reasons". */
static enum lien_status LIEN_MUST_CHECK
app_full(struct ledger_view *v, const char *id, json_t *rec)
{
	char k[RG_KEY_MAX];
	json_t *a = NULL;
	enum lien_status rc;

	rc = rg_view_load_ro(v, LEDGER_T_PAPPS, k, rg_key_app_private(k, id),
	    &a);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;		/* a store without private state */
	if (rc != LIEN_OK)
		return rc;
	if (rg_set(rec, "mortgagee", json_copy(json_object_get(a,
	    "mortgagee"))) || rg_set(rec, "reasons",
	    json_copy(json_object_get(a, "reasons"))))
		rc = LIEN_ENOMEM;
	json_decref(a);
	return rc;
}

enum lien_status
registry_app_get(struct ledger_view *v, const char *id, size_t id_len,
    int full, char **out, size_t *out_len)
{
	json_t *app = NULL;
	uint64_t ix;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (registry_app_id_parse(id, id_len, &ix) != LIEN_OK)
		return LIEN_EPARSE;
	if ((rc = rg_view_load(v, LEDGER_T_APPS, id, id_len, &app)) !=
	    LIEN_OK)
		return rc;
	if (full)
		rc = app_full(v, id, app);
	if (rc == LIEN_OK)
		rc = emit(app, out, out_len);
	json_decref(app);
	return rc;
}

struct queue_walk {
	struct ledger_view *v;
	char prefix[64];
	size_t prefix_len;
	const char *after;	/* skip this exact id (the cursor) */
	unsigned limit, n;
	json_t *items;
	char next[REG_APP_ID_LEN + 1];
	enum lien_status rc;
};

static int
queue_visit(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	struct queue_walk *w = ctx;
	const char *id = (const char *)key + w->prefix_len;
	json_t *app = NULL;

	(void)val;
	(void)val_len;
	if (key_len != w->prefix_len + REG_APP_ID_LEN ||
	    memcmp(key, w->prefix, w->prefix_len) != 0)
		return 1;		/* past this status */
	if (w->after && memcmp(id, w->after, REG_APP_ID_LEN) == 0)
		return 0;
	if (w->n == w->limit) {		/* one more exists: page on */
		memcpy(w->next, w->items ? json_string_value(json_object_get(
		    json_array_get(w->items, w->n - 1), "app")) : "",
		    REG_APP_ID_LEN);
		w->next[REG_APP_ID_LEN] = 0;
		return 1;
	}
	w->rc = rg_view_load(w->v, LEDGER_T_APPS, id, REG_APP_ID_LEN, &app);
	if (w->rc == LIEN_OK)
		w->rc = app_full(w->v, id, app);
	if (w->rc != LIEN_OK) {
		if (w->rc == LIEN_ENOTFOUND)
			w->rc = LIEN_ECORRUPT;
		json_decref(app);
		return 1;
	}
	if (json_array_append_new(w->items, app)) {
		w->rc = LIEN_ENOMEM;
		return 1;
	}
	w->n++;
	return 0;
}

enum lien_status
registry_queue_list(struct ledger_view *v, const char *status,
    size_t status_len, const char *cursor, size_t cursor_len, unsigned limit,
    char **out, size_t *out_len)
{
	struct queue_walk w;
	char from[64 + REG_APP_ID_LEN];
	size_t from_len;
	json_t *res = NULL;
	uint64_t ix;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	memset(&w, 0, sizeof(w));
	if (status == NULL || !((status_len == 9 &&
	    memcmp(status, "submitted", 9) == 0) || (status_len == 16 &&
	    memcmp(status, "in_person_review", 16) == 0)))
		return LIEN_EPARSE;
	if (cursor_len > 0 &&
	    registry_app_id_parse(cursor, cursor_len, &ix) != LIEN_OK)
		return LIEN_EPARSE;
	if (limit == 0 || limit > REG_QUEUE_LIMIT_MAX)
		return LIEN_ERANGE;
	w.v = v;
	w.limit = limit;
	memcpy(w.prefix, "q/", 2);
	memcpy(w.prefix + 2, status, status_len);
	w.prefix[2 + status_len] = '/';
	w.prefix_len = 3 + status_len;
	memcpy(from, w.prefix, w.prefix_len);
	from_len = w.prefix_len;
	if (cursor_len > 0) {
		memcpy(from + from_len, cursor, REG_APP_ID_LEN);
		from_len += REG_APP_ID_LEN;
		w.after = cursor;
	}
	if ((w.items = json_array()) == NULL)
		return LIEN_ENOMEM;
	rc = ledger_view_state_scan(v, LEDGER_T_INDEX, from, from_len,
	    queue_visit, &w);
	if (rc == LIEN_OK)
		rc = w.rc;
	if (rc != LIEN_OK)
		goto out;
	res = json_object();
	if (res == NULL || rg_set(res, "items", json_incref(w.items)) ||
	    rg_set(res, "next", w.next[0] ? json_string(w.next) :
	    json_null())) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	rc = emit(res, out, out_len);
out:
	json_decref(w.items);
	json_decref(res);
	return rc;
}

/* The bank of a lien (pstate "a/<app>"), for the full form; LIEN_OK
 * without it when there is no private record. */
static enum lien_status LIEN_MUST_CHECK
set_mortgagee(struct ledger_view *v, json_t *o, const char *app)
{
	char k[RG_KEY_MAX];
	json_t *a = NULL;
	enum lien_status rc;

	if (app == NULL)
		return LIEN_ECORRUPT;	/* a lien without its "app" */
	rc = rg_view_load_ro(v, LEDGER_T_PAPPS, k, rg_key_app_private(k, app),
	    &a);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (rc != LIEN_OK)
		return rc;
	rc = rg_set(o, "mortgagee", json_copy(json_object_get(a,
	    "mortgagee")));
	json_decref(a);
	return rc;
}

/* The owner kind of a company's vehicle (VPRIVATE <vehicle>), for the
 * full form. */
static enum lien_status LIEN_MUST_CHECK
set_owner_kind(struct ledger_view *v, json_t *o, const char *vehicle)
{
	char k[RG_KEY_MAX];
	json_t *p = NULL, *kind;
	enum lien_status rc;

	if (vehicle == NULL)
		return LIEN_ECORRUPT;	/* a record without its "vehicle" */
	rc = rg_view_load_ro(v, LEDGER_T_VPRIVATE, k,
	    rg_key_vehicle_private(k, vehicle), &p);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (rc != LIEN_OK)
		return rc;
	kind = json_object_get(p, "owner_kind");
	if (kind != NULL)
		rc = rg_set(o, "owner_kind", json_copy(kind));
	json_decref(p);
	return rc;
}

/* The public form of a vehicle record (docs/privacy.md table D, built by
 * registry/status.c as the map's record is), plus for the full form the
 * recording entry's index, the owner kind of a company's vehicle and the
 * bank of each lien (private state). */
static json_t *
vehicle_view(struct ledger_view *v, const json_t *veh, const char *vin,
    size_t vin_len, int full)
{
	json_t *o = rg_status_public(veh, vin, vin_len);
	static const char *const lists[] = { "liens", "released" };

	if (o == NULL || !full)
		return o;
	if (rg_set(o, "recorded_index", json_copy(json_object_get(veh,
	    "recorded_index"))) || set_owner_kind(v, o, json_string_value(
	    json_object_get(veh, "vehicle"))))
		goto fail;
	for (size_t l = 0; l < 2; l++) {
		json_t *a = json_object_get(o, lists[l]);

		for (size_t i = 0; i < json_array_size(a); i++) {
			json_t *m = json_array_get(a, i);

			if (set_mortgagee(v, m, json_string_value(
			    json_object_get(m, "app"))))
				goto fail;
		}
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

enum lien_status
registry_vehicle_get(struct ledger_view *v, const char *vin, size_t vin_len,
    int full, char **out, size_t *out_len)
{
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char hex[2 * REG_VEHICLE_KEY_LEN + 1];
	json_t *veh = NULL, *view;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (registry_vehicle_key(vin, vin_len, vk) != LIEN_OK)
		return LIEN_EPARSE;
	hex_encode(vk, sizeof vk, hex);
	if ((rc = rg_view_load(v, LEDGER_T_VEHICLES, hex, 2 * sizeof vk,
	    &veh)) != LIEN_OK)
		return rc;
	if ((view = vehicle_view(v, veh, vin, vin_len, full)) == NULL) {
		rc = LIEN_ENOMEM;
	} else {
		rc = emit(view, out, out_len);
		json_decref(view);
	}
	json_decref(veh);
	return rc;
}

/*
 * A private record's `sealed` member is the SHA-256 of the sealed box
 * stored under the same index (registry.c: the sequencer computes it from
 * the box it stores beside the record, and boxes are never deleted). So
 * the record is stored with that value elided (RG_PRIV_ELIDED; the store
 * format after v26, ledger/store.h):
 * the packed form of the text with the 64 hex digits all '0', which
 * deflate packs to a few bytes where the digest took 32 (docs/storage.md
 * "Packed records"); its readers put the box's digest back. The text is
 * what the entry's `private` commitment hashes, so a changed box gives a
 * text the commitment refuses, as a changed digest did.
 */
static const char sealed_member[] = "\"sealed\":\"";
#define SEALED_MEMBER_LEN (sizeof(sealed_member) - 1)

/* The offset of the `sealed` member's 64 digits in (text, len) when the
 * text names it exactly once (then its value is 64 characters and a
 * quote), else 0. A canonical text spells a quote inside a string as
 * \", so the member's name and colon cannot occur inside a value. */
static size_t
sealed_slot(const uint8_t *text, size_t len)
{
	size_t at = 0, found = 0;

	for (size_t i = 0; i + SEALED_MEMBER_LEN <= len; i++) {
		if (text[i] != '"' || memcmp(text + i, sealed_member,
		    SEALED_MEMBER_LEN) != 0)
			continue;
		if (found++ > 0)
			return 0;
		at = i + SEALED_MEMBER_LEN;
	}
	if (found != 1 || 2 * HASH_LEN + 1 > len - at ||
	    text[at + 2 * HASH_LEN] != '"')
		return 0;
	return at;
}

enum lien_status
registry_private_decode(const uint8_t *val, size_t n, const uint8_t *box,
    size_t box_len, uint8_t **out, size_t *out_len)
{
	uint8_t *tmp, h[HASH_LEN];
	size_t at;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (val == NULL || n == 0)
		return LIEN_ECORRUPT;
	if (val[0] != RG_PRIV_ELIDED)
		return jpack_decode(val, n, out, out_len);
	if (box == NULL || box_len == 0)
		return LIEN_ECORRUPT;	/* the digest's box is missing */
	if ((tmp = malloc(n)) == NULL)
		return LIEN_ENOMEM;
	memcpy(tmp, val, n);
	tmp[0] = JPACK_TAG;
	rc = jpack_decode(tmp, n, out, out_len);
	free(tmp);
	if (rc != LIEN_OK)
		return rc == LIEN_ENOMEM ? rc : LIEN_ECORRUPT;
	at = sealed_slot(*out, *out_len);
	for (size_t i = 0; at != 0 && i < 2 * HASH_LEN; i++)
		if ((*out)[at + i] != '0')
			at = 0;
	if (at == 0) {
		free(*out);
		*out = NULL;
		*out_len = 0;
		return LIEN_ECORRUPT;
	}
	hash_sha256(box, box_len, h);
	hex_encode(h, HASH_LEN, (char *)*out + at);
	(*out)[at + 2 * HASH_LEN] = '"';	/* hex_encode's NUL */
	return LIEN_OK;
}

enum lien_status
rg_private_pack(const char *text, size_t len, const uint8_t *box,
    size_t box_len, uint8_t **out, size_t *out_len)
{
	uint8_t h[HASH_LEN], *t = NULL, *pk = NULL, *back = NULL;
	char hx[2 * HASH_LEN + 1];
	size_t at, pk_len, back_len;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	at = sealed_slot((const uint8_t *)text, len);
	if (at != 0 && box != NULL && box_len > 0) {
		hash_sha256(box, box_len, h);
		hex_encode(h, HASH_LEN, hx);
		if (memcmp(text + at, hx, 2 * HASH_LEN) != 0)
			at = 0;
	} else
		at = 0;
	if (at == 0)
		return jpack_encode((const uint8_t *)text, len, out, out_len);
	if ((t = malloc(len)) == NULL)
		return LIEN_ENOMEM;
	memcpy(t, text, len);
	memset(t + at, '0', 2 * HASH_LEN);
	rc = jpack_encode(t, len, &pk, &pk_len);
	free(t);
	if (rc != LIEN_OK)
		return rc;
	/* kept only when packed and read back as the very text */
	if (pk[0] == JPACK_TAG) {
		pk[0] = RG_PRIV_ELIDED;
		if (registry_private_decode(pk, pk_len, box, box_len, &back,
		    &back_len) == LIEN_OK && back_len == len &&
		    memcmp(back, text, len) == 0) {
			free(back);
			*out = pk;
			*out_len = pk_len;
			return LIEN_OK;
		}
		free(back);
	}
	free(pk);
	return jpack_encode((const uint8_t *)text, len, out, out_len);
}

enum lien_status
registry_private_get(struct ledger_view *v, uint64_t index,
    uint8_t **out, size_t *out_len)
{
	const uint8_t *val, *box = NULL;
	size_t n, box_len = 0;
	uint8_t k[8];
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	be64_put(k, index);
	if ((rc = ledger_view_state_get(v, LEDGER_T_PRIVATE, k, 8, &val,
	    &n)) != LIEN_OK)
		return rc;
	if (n == 0)
		return LIEN_ECORRUPT;
	/* the box from the view's other pack cache: val stays valid */
	if (val[0] == RG_PRIV_ELIDED &&
	    (rc = ledger_view_state_get(v, LEDGER_T_SEALED, k, 8, &box,
	    &box_len)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	return registry_private_decode(val, n, box, box_len, out, out_len);
}

enum lien_status
registry_sealed_get(struct ledger_view *v, uint64_t index, int *key_system,
    uint8_t key_id[REG_SUBJECT_ID_LEN], const uint8_t **box, size_t *box_len)
{
	const uint8_t *val;
	uint8_t *rec = NULL;
	size_t n, rec_len = 0;
	uint8_t k[8];
	json_t *r = NULL;
	const char *key;
	size_t key_len;
	enum lien_status rc;

	*key_system = 0;
	memset(key_id, 0, REG_SUBJECT_ID_LEN);
	*box = NULL;
	*box_len = 0;
	be64_put(k, index);
	if ((rc = ledger_view_state_get(v, LEDGER_T_SEALED, k, 8, &val, &n)) !=
	    LIEN_OK)
		return rc;
	if (n == 0)
		return LIEN_ECORRUPT;
	/* The key id is the private record's `key` (store v18; up to v17
	 * the sealed record repeated it in front of the box). */
	if ((rc = registry_private_get(v, index, &rec, &rec_len)) != LIEN_OK)
		return rc == LIEN_ENOTFOUND ? LIEN_ECORRUPT : rc;
	rc = jcs_parse((const char *)rec, rec_len, 0, &r) == LIEN_OK ?
	    LIEN_OK : LIEN_ECORRUPT;
	free(rec);
	if (rc != LIEN_OK)
		return rc;
	key = rg_jstr(r, "key", &key_len);
	if (key != NULL && key_len == 6 && memcmp(key, "system", 6) == 0) {
		*key_system = 1;
	} else if (key == NULL || hex_decode(key, key_len, key_id,
	    REG_SUBJECT_ID_LEN) != LIEN_OK) {
		memset(key_id, 0, REG_SUBJECT_ID_LEN);
		json_decref(r);
		return LIEN_ECORRUPT;
	}
	json_decref(r);
	*box = val;
	*box_len = n;
	return LIEN_OK;
}

/* The subject record the KEYS lookup lk names (registry/registry.c
 * "Subject keys"), its fields borrowed until the view closes.
 * LIEN_ENOTFOUND: no lookup; LIEN_ECORRUPT: a malformed lookup or
 * record, or a lookup whose record is missing. */
static enum lien_status LIEN_MUST_CHECK
subject_rec_get(struct ledger_view *v, const uint8_t *lk, size_t lk_len,
    struct rg_subject_rec *rec)
{
	uint8_t pos[RG_SUBJ_POS_LEN];
	const uint8_t *val;
	size_t n;
	enum lien_status rc;

	memset(rec, 0, sizeof(*rec));
	if ((rc = ledger_view_state_get(v, LEDGER_T_KEYS, lk, lk_len, &val,
	    &n)) != LIEN_OK)
		return rc;
	if ((rc = rg_subject_pos_check(val, n)) != LIEN_OK)
		return rc;
	memcpy(pos, val, sizeof pos);
	rc = ledger_view_state_get(v, LEDGER_T_SUBJECTS, pos, sizeof pos, &val,
	    &n);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_ECORRUPT;
	if (rc != LIEN_OK)
		return rc;
	return rg_subject_rec_parse(val, n, rec);
}

enum lien_status
registry_subject_find(struct ledger_view *v,
    const uint8_t commit[REG_COMMIT_LEN], uint8_t id[REG_SUBJECT_ID_LEN])
{
	uint8_t k[RG_SUBJ_KEY_MAX];
	struct rg_subject_rec rec;
	enum lien_status rc;

	memset(id, 0, REG_SUBJECT_ID_LEN);
	if ((rc = subject_rec_get(v, k, rg_keys_by_commit(k, commit), &rec)) !=
	    LIEN_OK)
		return rc;
	memcpy(id, rec.id, REG_SUBJECT_ID_LEN);
	return LIEN_OK;
}

enum lien_status
registry_subject_key(struct ledger_view *v,
    const uint8_t id[REG_SUBJECT_ID_LEN], const uint8_t **wrapped,
    size_t *wrapped_len, int *erased)
{
	uint8_t k[RG_SUBJ_KEY_MAX];
	char ek[RG_KEY_MAX], hex[2 * REG_SUBJECT_ID_LEN + 1];
	struct rg_subject_rec rec;
	const uint8_t *val;
	size_t n;
	enum lien_status rc;

	*wrapped = NULL;
	*wrapped_len = 0;
	*erased = 0;
	hex_encode(id, REG_SUBJECT_ID_LEN, hex);
	/* a tombstone wins: a key restored from an old backup is never
	 * used again (docs/privacy.md "Retention") */
	rc = ledger_view_state_get(v, LEDGER_T_INDEX, ek, rg_key_erased(ek,
	    hex), &val, &n);
	if (rc == LIEN_OK) {
		*erased = 1;
		return LIEN_ENOTFOUND;
	}
	if (rc != LIEN_ENOTFOUND)
		return rc;
	if ((rc = subject_rec_get(v, k, rg_keys_by_id(k, id), &rec)) !=
	    LIEN_OK)
		return rc;
	/* the lookup and the record must agree on the id */
	if (memcmp(rec.id, id, REG_SUBJECT_ID_LEN) != 0)
		return LIEN_ECORRUPT;
	*wrapped = rec.wrapped;
	*wrapped_len = rec.wrapped_len;
	return LIEN_OK;
}

struct owner_walk {
	char prefix[RG_KEY_MAX];
	char (*ids)[REG_APP_ID_LEN + 1];
	size_t max, n;
	enum lien_status rc;
};

static int
owner_visit(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	struct owner_walk *w = ctx;

	(void)val;
	if (key_len < RG_KEY_OWNER_APP_PREFIX_LEN ||
	    memcmp(key, w->prefix, RG_KEY_OWNER_APP_PREFIX_LEN) != 0)
		return 1;		/* past this owner's records */
	/* be64 time, be64 id number; value RG_OWNER_MARK or empty */
	if (key_len != RG_KEY_OWNER_APP_KEY_LEN || val_len > 1 ||
	    be64_get(key + RG_KEY_OWNER_APP_PREFIX_LEN + 8) >= REG_INDEX_MAX) {
		w->rc = LIEN_ECORRUPT;
		return 1;
	}
	registry_app_id_format(be64_get(key + RG_KEY_OWNER_APP_PREFIX_LEN +
	    8), w->ids[w->n]);
	w->n++;
	return w->n == w->max;
}

/* The owner's index (pstate "o/" + reference + "a", registry/apply.c
 * owner_index_add): one seek and one record per application of this
 * owner (or acting person), in id order; nothing else is read, however
 * large the registry. */
enum lien_status
registry_owner_apps(struct ledger_view *v,
    const uint8_t owner_ref[REG_COMMIT_LEN],
    char (*ids)[REG_APP_ID_LEN + 1], size_t max, size_t *n)
{
	struct owner_walk w;
	char hex[2 * REG_COMMIT_LEN + 1];
	enum lien_status rc;

	*n = 0;
	memset(&w, 0, sizeof(w));
	hex_encode(owner_ref, REG_COMMIT_LEN, hex);
	if (rg_key_owner_app(w.prefix, hex, 0, 0, 0) !=
	    RG_KEY_OWNER_APP_PREFIX_LEN)
		return LIEN_EINVAL;
	w.ids = ids;
	w.max = max;
	if (max == 0)
		return LIEN_OK;
	rc = ledger_view_state_scan(v, LEDGER_T_PSTATE, w.prefix,
	    RG_KEY_OWNER_APP_PREFIX_LEN, owner_visit, &w);
	if (rc == LIEN_OK)
		rc = w.rc;
	*n = w.n;
	return rc;
}

/* The "key" member of a private state record: system or a key id. */
static enum lien_status LIEN_MUST_CHECK
key_of(const json_t *o, int *key_system, uint8_t key_id[REG_SUBJECT_ID_LEN])
{
	size_t n;
	const char *s = rg_jstr(o, "key", &n);

	*key_system = 0;
	memset(key_id, 0, REG_SUBJECT_ID_LEN);
	if (s != NULL && n == 6 && memcmp(s, "system", 6) == 0) {
		*key_system = 1;
		return LIEN_OK;
	}
	return hex_decode(s, n, key_id, REG_SUBJECT_ID_LEN) == LIEN_OK ?
	    LIEN_OK : LIEN_ECORRUPT;
}

enum lien_status
registry_app_subject(struct ledger_view *v, const char *id, size_t id_len,
    int *key_system, uint8_t key_id[REG_SUBJECT_ID_LEN])
{
	char k[RG_KEY_MAX];
	json_t *a = NULL;
	uint64_t ix;
	enum lien_status rc;

	*key_system = 1;
	memset(key_id, 0, REG_SUBJECT_ID_LEN);
	if (registry_app_id_parse(id, id_len, &ix) != LIEN_OK)
		return LIEN_EPARSE;
	if ((rc = rg_view_load_ro(v, LEDGER_T_PAPPS, k,
	    rg_key_app_private(k, id), &a)) != LIEN_OK)
		return rc;
	rc = key_of(a, key_system, key_id);
	json_decref(a);
	return rc;
}

enum lien_status
registry_vehicle_subject(struct ledger_view *v,
    const uint8_t vehicle[REG_VEHICLE_KEY_LEN], int *key_system,
    uint8_t key_id[REG_SUBJECT_ID_LEN])
{
	char k[RG_KEY_MAX], hex[2 * REG_VEHICLE_KEY_LEN + 1];
	json_t *a = NULL;
	enum lien_status rc;

	*key_system = 1;
	memset(key_id, 0, REG_SUBJECT_ID_LEN);
	hex_encode(vehicle, REG_VEHICLE_KEY_LEN, hex);
	if ((rc = rg_view_load_ro(v, LEDGER_T_VPRIVATE, k,
	    rg_key_vehicle_private(k, hex), &a)) != LIEN_OK)
		return rc;
	rc = key_of(a, key_system, key_id);
	json_decref(a);
	return rc;
}

enum lien_status
registry_party_lookup(struct ledger_view *v, const uint8_t keyid[HASH_LEN],
    struct reg_party *out)
{
	char hex[2 * HASH_LEN + 1], pk[RG_KEY_MAX];
	json_t *kr = NULL, *pr = NULL;
	const char *party, *cert;
	size_t plen, clen;
	int64_t na;
	int role, ks, ps;
	enum lien_status rc;

	memset(out, 0, sizeof(*out));
	hex_encode(keyid, HASH_LEN, hex);
	if ((rc = rg_view_load_ro(v, LEDGER_T_PARTIES, hex, 2 * HASH_LEN, &kr)) !=
	    LIEN_OK)
		return rc;
	party = rg_jstr(kr, "party", &plen);
	cert = rg_jstr(kr, "cert", &clen);
	role = rg_role_parse(json_string_value(json_object_get(kr, "role")),
	    json_string_length(json_object_get(kr, "role")));
	ks = rg_party_status_parse(json_string_value(json_object_get(kr,
	    "status")), json_string_length(json_object_get(kr, "status")));
	rc = LIEN_ECORRUPT;
	if (!rg_party_id_valid(party, party ? plen : 0) || cert == NULL ||
	    role == 0 || ks == 0 || !rg_jint(kr, "not_after_ms", &na))
		goto out;
	if (rg_view_load_ro(v, LEDGER_T_PARTIES, pk, rg_key_party_id(pk, party,
	    plen), &pr) != LIEN_OK)
		goto out;
	ps = rg_party_status_parse(json_string_value(json_object_get(pr,
	    "status")), json_string_length(json_object_get(pr, "status")));
	if (ps == 0)
		goto out;
	if (b64_decode(cert, clen, out->cert_der, sizeof(out->cert_der),
	    &out->cert_der_len) != LIEN_OK)
		goto out;
	out->role = (enum reg_role)role;
	memcpy(out->party_id, party, plen);
	out->party_id[plen] = 0;
	out->party_id_len = plen;
	/* the worse of key and party: revoked > suspended > active */
	out->status = (enum reg_party_status)(ks > ps ? ks : ps);
	out->not_after_ms = (uint64_t)na;
	rc = LIEN_OK;
out:
	if (rc != LIEN_OK)
		memset(out, 0, sizeof(*out));
	json_decref(kr);
	json_decref(pr);
	return rc;
}

enum lien_status
registry_nonce_seen(struct ledger_view *v, const uint8_t keyid[HASH_LEN],
    uint64_t created, const char *nonce, size_t nonce_len, uint64_t now_ms,
    const uint8_t req_digest[HASH_LEN])
{
	uint8_t key[REG_NONCE_KEY_LEN];
	const uint8_t *val;
	size_t n;
	enum lien_status rc;

	registry_nonce_key(keyid, created, nonce, nonce_len, key);
	rc = ledger_view_state_get(v, LEDGER_T_NONCES, key, sizeof key, &val,
	    &n);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (rc != LIEN_OK)
		return rc;
	if (n != REG_NONCE_VAL_LEN)
		return LIEN_ECORRUPT;
	/* req_digest NULL: the caller cannot compute the keyed digest yet
	 * (api/: it depends on the key the request will be sealed under),
	 * so a remembered nonce is let through and the sequencer decides
	 * between a retry and a replay. */
	if (be64_get(val) <= now_ms || req_digest == NULL ||
	    hash_equal(val + 16, req_digest))
		return LIEN_OK;
	return LIEN_EEXIST;
}

enum lien_status
registry_idem_lookup(struct ledger_view *v, const char *party,
    size_t party_len, const char *key, size_t key_len, uint64_t *index,
    uint8_t digest[HASH_LEN])
{
	uint8_t k[REG_IDEM_KEY_LEN];
	const uint8_t *val;
	size_t n;
	uint64_t t;
	enum lien_status rc;

	*index = 0;
	memset(digest, 0, HASH_LEN);
	if (idemkey_parse(key, key_len, &t) != LIEN_OK)
		return LIEN_ENOTFOUND;
	registry_idem_key(party, party_len, key, key_len, t, k);
	rc = ledger_view_state_get(v, LEDGER_T_IDEM, k, sizeof k, &val, &n);
	if (rc != LIEN_OK)
		return rc;
	if (n != REG_IDEM_VAL_LEN)
		return LIEN_ECORRUPT;
	*index = be64_get(val);
	memcpy(digest, val + 8, HASH_LEN);
	return LIEN_OK;
}
