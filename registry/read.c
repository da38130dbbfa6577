/*
 * Readers of the registry state for api/ (views: consistent snapshots that
 * never block the sequencer): application records, the officer's queue,
 * vehicles with their public (MPS Order 164 art. 35: dates only) and full
 * forms, filed keys for request authentication, and the nonce and
 * idempotency pre-checks. The authoritative checks run again inside the
 * sequencer (registry_build).
 */
#include "registry/registry_int.h"

#include "common/hex.h"

#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/rd.h"
#include "crypto/idemkey.h"

static enum lien_status
emit(const json_t *j, char **out, size_t *out_len)
{
	return jcs_serialize(j, out, out_len);
}

enum lien_status
registry_app_get(struct ledger_view *v, const char *id, size_t id_len,
    char **out, size_t *out_len)
{
	const uint8_t *val;
	size_t n;
	uint64_t ix;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (registry_app_id_parse(id, id_len, &ix) != LIEN_OK)
		return LIEN_EPARSE;
	if ((rc = ledger_view_state_get(v, LEDGER_T_APPS, id, id_len, &val,
	    &n)) != LIEN_OK)
		return rc;
	if ((*out = malloc(n + 1)) == NULL)
		return LIEN_ENOMEM;
	memcpy(*out, val, n);
	(*out)[n] = 0;
	*out_len = n;
	return LIEN_OK;
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
	if (w->rc != LIEN_OK) {
		if (w->rc == LIEN_ENOTFOUND)
			w->rc = LIEN_ECORRUPT;
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

enum lien_status
registry_vehicle_get(struct ledger_view *v, const char *vin, size_t vin_len,
    int full, char **out, size_t *out_len)
{
	json_t *veh = NULL, *pub;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (vin == NULL || ids_vin_validate(vin, vin_len) != LIEN_OK)
		return LIEN_EPARSE;
	if ((rc = rg_view_load(v, LEDGER_T_VEHICLES, vin, vin_len, &veh)) !=
	    LIEN_OK)
		return rc;
	if (full) {
		rc = emit(veh, out, out_len);
	} else if ((pub = rg_status_public(veh, vin, vin_len)) == NULL) {
		rc = LIEN_ENOMEM;
	} else {
		rc = emit(pub, out, out_len);
		json_decref(pub);
	}
	json_decref(veh);
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
	if (be64_get(val) <= now_ms || hash_equal(val + 16, req_digest))
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
