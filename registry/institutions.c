/*
 * The filed institutions, public (issue 17 part 5, docs/api-registration.md
 * "Filed institutions"): which banks may register liens is public
 * information, and every institution filing (type 16) and status change
 * (type 17) is a public entry already. Read from the public parties table
 * ("id:<party>" records, registry/apply.c), in party id order.
 */
#include "registry/registry_int.h"

#include <stdlib.h>
#include <string.h>

struct inst_walk {
	unsigned limit, n;
	const char *after;		/* skip this exact party id */
	size_t after_len;
	const char *status;		/* NULL: any */
	json_t *items;
	char next[REG_PARTY_ID_MAX + 1];
	enum lien_status rc;
};

static int
inst_visit(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *val,
    size_t val_len)
{
	struct inst_walk *w = ctx;
	json_t *p = NULL, *o;

	if (key_len < 3 || memcmp(key, "id:", 3) != 0)
		return 1;		/* past the party records */
	if (w->after != NULL && key_len - 3 == w->after_len &&
	    memcmp(key + 3, w->after, w->after_len) == 0)
		return 0;
	if (jcs_parse((const char *)val, val_len, 0, &p) != LIEN_OK) {
		w->rc = LIEN_ECORRUPT;
		return 1;
	}
	if (!rg_jstr_eq(p, "role", "institution") || (w->status != NULL &&
	    !rg_jstr_eq(p, "status", w->status))) {
		json_decref(p);
		return 0;
	}
	if (w->n == w->limit) {		/* one more exists: page on */
		const char *last = json_string_value(json_object_get(
		    json_array_get(w->items, w->n - 1), "party"));

		snprintf(w->next, sizeof w->next, "%s", last ? last : "");
		json_decref(p);
		return 1;
	}
	o = json_object();
	if (o == NULL || rg_set(o, "party", json_copy(json_object_get(p,
	    "party"))) || rg_set(o, "name", json_copy(json_object_get(p,
	    "name"))) || rg_set(o, "status", json_copy(json_object_get(p,
	    "status"))) || rg_set(o, "keys", json_integer((json_int_t)
	    json_array_size(json_object_get(p, "keys")))) ||
	    rg_set(o, "filed_index", json_copy(json_object_get(p,
	    "filed_index"))) || (json_object_get(p, "contact") != NULL &&
	    rg_set(o, "contact", json_copy(json_object_get(p, "contact")))) ||
	    json_array_append_new(w->items, o)) {
		json_decref(p);
		w->rc = LIEN_ENOMEM;
		return 1;
	}
	json_decref(p);
	w->n++;
	return 0;
}

enum lien_status
registry_institutions_list(struct ledger_view *v, const char *status,
    const char *after, size_t after_len, unsigned limit, char **out,
    size_t *out_len)
{
	struct inst_walk w;
	char from[3 + REG_PARTY_ID_MAX];
	json_t *res = NULL;
	enum lien_status rc;

	*out = NULL;
	*out_len = 0;
	if (status != NULL && strcmp(status, "active") != 0 &&
	    strcmp(status, "suspended") != 0 && strcmp(status, "revoked") != 0)
		return LIEN_EPARSE;
	if (after_len > 0 && (after == NULL || !rg_party_id_valid(after,
	    after_len)))
		return LIEN_EPARSE;
	if (limit == 0 || limit > REG_INSTITUTIONS_LIMIT_MAX)
		return LIEN_ERANGE;
	memset(&w, 0, sizeof w);
	w.limit = limit;
	w.status = status;
	if (after_len > 0) {
		w.after = after;
		w.after_len = after_len;
	}
	if ((w.items = json_array()) == NULL)
		return LIEN_ENOMEM;
	memcpy(from, "id:", 3);
	if (after_len > 0)
		memcpy(from + 3, after, after_len);
	rc = ledger_view_state_scan(v, LEDGER_T_PARTIES, from, 3 + after_len,
	    inst_visit, &w);
	if (rc == LIEN_OK)
		rc = w.rc;
	if (rc != LIEN_OK)
		goto done;
	rc = LIEN_ENOMEM;
	res = json_object();
	if (res == NULL || rg_set(res, "items", json_incref(w.items)) ||
	    rg_set(res, "next", w.next[0] ? json_string(w.next) : json_null()))
		goto done;
	rc = jcs_serialize(res, out, out_len);
done:
	json_decref(res);
	json_decref(w.items);
	return rc;
}
