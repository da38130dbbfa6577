/*
 * State encodings of the registry (docs/registry.md, "State"): names of
 * types, roles and restrictions; application and party ids; index keys;
 * JSON records; the expiry queue and per-minute counters that make the
 * anomaly windows and the nonce window deterministic functions of the log.
 *
 * Expiry: every record that must disappear later (a remembered nonce, a
 * window record, a counter: all private state) gets a companion record
 * in the EXPIRY table (time-ordered, so new ones land at or near its end)
 *   be64(expiry_ms) || u8(table) || key   -> ""
 * and every apply at time T first deletes the companions with expiry <= T
 * and their targets, oldest first. Expiry is a function of the entries
 * only (nonce expiries are written in the payload; window records live a
 * fixed REG_WINDOW_KEEP_MS), so the replay deletes exactly what the
 * sequencer deleted.
 */
#include "registry/registry_int.h"
#include "registry/jpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/rd.h"

/* ---- names ------------------------------------------------------------ */

static const char *const type_names[] = {
	"institution_file", "institution_status", "party_file",
	"party_status", "vehicle_record", "mortgage_application",
	"release_application", "decision", "restriction",
};

const char *
rg_type_name(unsigned type)
{
	if (type == REG_T_ERASURE)
		return "erasure";
	if (type == REG_T_DELIVERY_EVENT)
		return "delivery_event";
	if (type == REG_T_VOUCHER)
		return "voucher";
	if (type < REG_T_FIRST || type > REG_T_RESTRICTION)
		return NULL;
	return type_names[type - REG_T_FIRST];
}

static const char *const role_names[] = {
	NULL, "institution", "officer", "registry", "auditor", "admin",
	"post",
};

static int
name_parse(const char *const *names, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == len &&
		    memcmp(names[i], s, len) == 0)
			return (int)i;
	return 0;
}

const char *
rg_role_name(enum reg_role r)
{
	return (unsigned)r < 7 ? role_names[r] : NULL;
}

int
rg_role_parse(const char *s, size_t len)
{
	return s ? name_parse(role_names, 7, s, len) : 0;
}

static const char *const pstatus_names[] = {
	NULL, "active", "suspended", "revoked",
};

const char *
rg_party_status_name(enum reg_party_status s)
{
	return (unsigned)s < 4 ? pstatus_names[s] : NULL;
}

int
rg_party_status_parse(const char *s, size_t len)
{
	return s ? name_parse(pstatus_names, 4, s, len) : 0;
}

static const char *const restr_names[] = {
	NULL, "seized", "detained", "stolen", "scrapped", "customs",
};
static const char *const restr_refusals[] = {
	NULL, "vehicle_seized", "vehicle_detained", "vehicle_stolen",
	"vehicle_scrapped", "vehicle_customs",
};

const char *
rg_restr_name(enum reg_restriction r)
{
	return (unsigned)r < 6 ? restr_names[r] : NULL;
}

int
rg_restr_parse(const char *s, size_t len)
{
	return s ? name_parse(restr_names, 6, s, len) : 0;
}

const char *
rg_restr_refusal(enum reg_restriction r)
{
	return (unsigned)r < 6 ? restr_refusals[r] : "vehicle_restricted";
}

/* ---- JSON helpers ----------------------------------------------------- */

const char *
rg_jstr(const json_t *o, const char *key, size_t *len)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

int
rg_jint(const json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return 0;
	*out = (int64_t)json_integer_value(v);
	return 1;
}

int
rg_jstr_eq(const json_t *o, const char *key, const char *want)
{
	size_t n;
	const char *s = rg_jstr(o, key, &n);

	return s && strlen(want) == n && memcmp(s, want, n) == 0;
}

json_t *
rg_jstrn(const char *p, size_t len)
{
	if (p == NULL)
		return NULL;
	return json_stringn(p, len);	/* validates UTF-8; NUL allowed */
}

json_t *
rg_jhex(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];

	if (n > 64)
		return NULL;
	hex_encode(p, n, buf);
	return json_stringn(buf, 2 * n);
}

enum lien_status
rg_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return LIEN_ENOMEM;	/* its constructor failed */
	if (json_object_set_new(o, key, v) != 0)
		return LIEN_ENOMEM;
	return LIEN_OK;
}

/* ---- ids ---------------------------------------------------------------- */

enum lien_status
registry_vehicle_key(const char *vin, size_t len,
    uint8_t out[REG_VEHICLE_KEY_LEN])
{
	static const char tag[] = "lienlog-vehicle-v1";	/* + its NUL */
	struct hash_part parts[2] = { { tag, sizeof(tag) }, { vin, len } };

	memset(out, 0, REG_VEHICLE_KEY_LEN);
	if (vin == NULL || ids_vin_validate(vin, len) != LIEN_OK)
		return LIEN_EPARSE;
	hash_sha256_parts(parts, 2, out);
	return LIEN_OK;
}

void
registry_app_id_format(uint64_t index, char out[REG_APP_ID_LEN + 1])
{
	out[0] = 'A';
	hex_u64_put(index, REG_APP_ID_LEN - 1, out + 1);
	out[REG_APP_ID_LEN] = '\0';
}

enum lien_status
registry_app_id_parse(const char *s, size_t len, uint64_t *out_index)
{
	*out_index = 0;
	if (s == NULL || len != REG_APP_ID_LEN || s[0] != 'A')
		return LIEN_EPARSE;
	return hex_u64_get(s + 1, len - 1, out_index);
}

void
registry_voucher_id_format(uint64_t value, char out[REG_VOUCHER_ID_LEN + 1])
{
	out[0] = 'V';
	hex_u64_put(value, REG_VOUCHER_ID_LEN - 1, out + 1);
	out[REG_VOUCHER_ID_LEN] = '\0';
}

enum lien_status
registry_voucher_id_parse(const char *s, size_t len, uint64_t *out_value)
{
	*out_value = 0;
	if (s == NULL || len != REG_VOUCHER_ID_LEN || s[0] != 'V')
		return LIEN_EPARSE;
	return hex_u64_get(s + 1, len - 1, out_value);
}

/* An institution's switchboard: 3..20 characters, digits with single '-'
 * separators and an optional leading '+'. A mainland mobile number (11
 * digits 1[3-9]..., also after +86) is refused: the contact is public, so
 * it must be the organisation's line, never an employee's phone
 * (docs/privacy.md table A). */
int
registry_contact_valid(const char *s, size_t len)
{
	char d[REG_CONTACT_MAX];
	size_t digits = 0;

	if (s == NULL || len < 3 || len > REG_CONTACT_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d[digits++] = s[i];
		else if (!(s[i] == '-' && i > 0 && s[i - 1] != '-') &&
		    !(s[i] == '+' && i == 0))
			return 0;
	}
	if (digits < 3 || s[len - 1] == '-')
		return 0;
	if (digits == 11 && d[0] == '1' && d[1] >= '3')
		return 0;
	if (digits == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1' &&
	    d[3] >= '3')
		return 0;
	return 1;
}

const char *const rg_id_document_names[] = { NULL, "resident_id",
	"temporary_resident_id", "passport", "hk_macao_permit",
	"taiwan_permit", "foreign_permanent_resident_id", NULL };

const char *
registry_id_document_name(enum reg_id_document d)
{
	return (unsigned)d <= REG_IDDOC_FOREIGN_PR ?
	    rg_id_document_names[d] : NULL;
}

int
rg_party_id_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > REG_PARTY_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7E || s[i] == '/')
			return 0;
	return 1;
}

/* ---- records ------------------------------------------------------------ */

/* Tables whose JSON records rg_store writes packed (registry/jpack.h,
 * store v17): the big per-application and per-vehicle ones. The rest
 * (parties, pstate's few JSON records) stay text; readers take both. */
static int
packed_table(enum ledger_table tb)
{
	return tb == LEDGER_T_APPS || tb == LEDGER_T_PAPPS ||
	    tb == LEDGER_T_NOTICES || tb == LEDGER_T_VEHICLES ||
	    tb == LEDGER_T_VPRIVATE;
}

enum lien_status
registry_record_parse(const uint8_t *v, size_t n, json_t **out)
{
	uint8_t *text;
	size_t len;
	enum lien_status rc;

	*out = NULL;
	if (!jpack_is_packed(v, n))
		return jcs_parse((const char *)v, n, 0, out) == LIEN_OK ?
		    LIEN_OK : LIEN_ECORRUPT;
	/* the tree straight from the tokens where it can be (the same tree
	 * as parsing their text: jpack_decode_tree), else through the text */
	if ((rc = jpack_decode_tree(v, n, out)) != LIEN_EUNSUPPORTED)
		return rc;
	if ((rc = jpack_decode(v, n, &text, &len)) != LIEN_OK)
		return rc == LIEN_ENOMEM ? rc : LIEN_ECORRUPT;
	rc = jcs_parse((const char *)text, len, 0, out);
	free(text);
	return rc == LIEN_OK ? LIEN_OK : rc == LIEN_ENOMEM ? rc :
	    LIEN_ECORRUPT;
}

enum lien_status
rg_pack(enum ledger_table tb, const char *text, size_t len, uint8_t **out,
    size_t *out_len)
{
	if (packed_table(tb))
		return jpack_encode((const uint8_t *)text, len, out, out_len);
	*out = NULL;
	*out_len = 0;
	if ((*out = malloc(len > 0 ? len : 1)) == NULL)
		return LIEN_ENOMEM;
	memcpy(*out, text, len);
	*out_len = len;
	return LIEN_OK;
}

/* A read-only tree for the stored bytes v: shared from the per-thread
 * cache when it was parsed from exactly these bytes, else parsed and
 * cached. *out: json_decref (never modify it). */
static enum lien_status LIEN_MUST_CHECK
parse_shared(enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t *v, size_t n, json_t **out)
{
	json_t *hit = rg_cache_find(tb, key, key_len, v, n);

	if (hit != NULL) {
		*out = json_incref(hit);
		return LIEN_OK;
	}
	if (registry_record_parse(v, n, out) != LIEN_OK)
		return LIEN_ECORRUPT;
	rg_cache_put(tb, key, key_len, v, n, *out);
	return LIEN_OK;
}

enum lien_status
rg_load(struct ledger_state *st, enum ledger_table tb, const void *key,
    size_t key_len, json_t **out)
{
	const uint8_t *v;
	size_t n;
	enum lien_status rc;

	json_t *hit;

	*out = NULL;
	if ((rc = ledger_state_get(st, tb, key, key_len, &v, &n)) != LIEN_OK)
		return rc;
	/* the caller modifies what it gets: a cached tree handed over (or
	 * copied) by registry_cache.c, or a fresh parse */
	if ((hit = rg_cache_take(tb, key, key_len, v, n)) != NULL) {
		*out = hit;
		return LIEN_OK;
	}
	if (registry_record_parse(v, n, out) != LIEN_OK)
		return LIEN_ECORRUPT;
	return LIEN_OK;
}

enum lien_status
rg_load_ro(struct ledger_state *st, enum ledger_table tb, const void *key,
    size_t key_len, json_t **out)
{
	const uint8_t *v;
	size_t n;
	enum lien_status rc;

	*out = NULL;
	if ((rc = ledger_state_get(st, tb, key, key_len, &v, &n)) != LIEN_OK)
		return rc;
	return parse_shared(tb, key, key_len, v, n, out);
}

enum lien_status
rg_view_load(struct ledger_view *vw, enum ledger_table tb, const void *key,
    size_t key_len, json_t **out)
{
	const uint8_t *v;
	size_t n;
	enum lien_status rc;

	*out = NULL;
	if ((rc = ledger_view_state_get(vw, tb, key, key_len, &v, &n)) !=
	    LIEN_OK)
		return rc;
	if (registry_record_parse(v, n, out) != LIEN_OK)
		return LIEN_ECORRUPT;
	return LIEN_OK;
}

enum lien_status
rg_view_load_ro(struct ledger_view *vw, enum ledger_table tb, const void *key,
    size_t key_len, json_t **out)
{
	const uint8_t *v;
	size_t n;
	enum lien_status rc;

	*out = NULL;
	if ((rc = ledger_view_state_get(vw, tb, key, key_len, &v, &n)) !=
	    LIEN_OK)
		return rc;
	return parse_shared(tb, key, key_len, v, n, out);
}

enum lien_status
rg_store(struct ledger_state *st, enum ledger_table tb, const void *key,
    size_t key_len, const json_t *val)
{
	char *s;
	uint8_t *pk;
	size_t n, pk_len;
	enum lien_status rc;

	/* Every stored vehicle folds the entry into its commitment to the
	 * fuller view and updates its leaf of the status map, in the build
	 * and in the audit's replay alike (docs/lien-status.md). The caller
	 * hands val over, so it may still be completed here. */
	if (tb == LEDGER_T_VEHICLES &&
	    (rc = rg_status_fold((json_t *)(uintptr_t)val)) != LIEN_OK)
		return rc;
	/* A packed table's record straight from the tree where it can be
	 * (the same bytes as packing its text: jpack_encode_tree), else
	 * the canonical text, packed or as it is. */
	rc = packed_table(tb) ? jpack_encode_tree(val, &pk, &pk_len) :
	    LIEN_EUNSUPPORTED;
	if (rc == LIEN_EUNSUPPORTED) {
		if ((rc = jcs_serialize(val, &s, &n)) != LIEN_OK)
			return rc;
		rc = rg_pack(tb, s, n, &pk, &pk_len);
		free(s);
	}
	if (rc != LIEN_OK)
		return rc;
	rc = ledger_state_put(st, tb, key, key_len, pk, pk_len);
	if (rc == LIEN_OK && tb == LEDGER_T_VEHICLES)
		rc = rg_status_update(st, key, key_len, val);
	if (rc == LIEN_OK)	/* the caller no longer modifies val */
		rg_cache_put(tb, key, key_len, pk, pk_len,
		    (json_t *)(uintptr_t)val);
	free(pk);
	return rc;
}

/* ---- dates ---------------------------------------------------------------- */

enum lien_status
registry_date_parse(const char *s, size_t len, uint64_t *ms)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	unsigned y = 0, m = 0, d = 0;
	uint64_t days = 0;

	if (ms != NULL)
		*ms = 0;
	if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
		return LIEN_EPARSE;
	for (size_t i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return LIEN_EPARSE;
		if (i < 4)
			y = y * 10 + (unsigned)(s[i] - '0');
		else if (i < 7)
			m = m * 10 + (unsigned)(s[i] - '0');
		else
			d = d * 10 + (unsigned)(s[i] - '0');
	}
	if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && y % 4 == 0 ? 1u : 0u))
		return LIEN_EPARSE;	/* 2000..2099: every 4th year leaps */
	for (unsigned yy = 1970; yy < y; yy++)
		days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0)) ?
		    366u : 365u;
	for (unsigned mm = 1; mm < m; mm++)
		days += mdays[mm - 1] + (mm == 2 && y % 4 == 0 ? 1u : 0u);
	days += d - 1;
	if (ms != NULL)
		*ms = days * 86400000ull;
	return LIEN_OK;
}

/* ---- index keys ----------------------------------------------------------
 * Components are fixed-length (VIN, app id, hex, 32 binary bytes) or party
 * ids, which never contain '/', so "prefix/" never matches another
 * component's records (a binary component may hold '/' bytes, but its
 * length is fixed). */

static size_t
key_cat(char *out, size_t at, const char *s, size_t len)
{
	if (at >= RG_KEY_MAX || len > RG_KEY_MAX - at)
		return RG_KEY_MAX;	/* callers pass bounded components */
	memcpy(out + at, s, len);
	return at + len;
}

/* A 64-hex-digit identifier (contract, owner reference) as its 32 bytes
 * in pstate keys (store v11: half the key, and these keys
 * sit among random ones: docs/storage.md "Where the bytes go"). Callers
 * pass validated identifiers; anything else stays text, 64 bytes, so it
 * can never equal a binary component. */
static size_t
key_cat_hex32(char *out, size_t at, const char *hex)
{
	uint8_t b[32];

	if (hex != NULL && hex_decode(hex, 64, b, sizeof b) == LIEN_OK)
		return key_cat(out, at, (const char *)b, sizeof b);
	return key_cat(out, at, hex, 64);
}

size_t
rg_key_party_id(char *out, const char *party, size_t len)
{
	return key_cat(out, key_cat(out, 0, "id:", 3), party, len);
}

size_t
rg_key_queue(char *out, const char *status, const char *app)
{
	size_t n = key_cat(out, 0, "q/", 2);

	n = key_cat(out, n, status, strlen(status));
	n = key_cat(out, n, "/", 1);
	return key_cat(out, n, app, REG_APP_ID_LEN);
}

/* The notice kinds in byte order: a kind's code is its place here, so
 * binary keys sort as their names (registry.h "notices"). */
static const char *const notice_kinds[] = { "approved", "delivered",
	"dispatched", "diverted", "received", "rejected" };
#define NOTICE_KINDS (sizeof notice_kinds / sizeof notice_kinds[0])

enum lien_status
registry_notice_key(uint64_t index, const char *kind,
    uint8_t out[REG_NOTICE_KEY_LEN])
{
	for (size_t i = 0; kind != NULL && i < NOTICE_KINDS; i++)
		if (strcmp(kind, notice_kinds[i]) == 0) {
			be64_put(out, index);
			out[8] = (uint8_t)i;
			return LIEN_OK;
		}
	return LIEN_EINVAL;
}

enum lien_status
registry_notice_name(const uint8_t *key, size_t key_len,
    char out[REG_NOTICE_NAME_MAX + 1])
{
	size_t n = sizeof REG_NOTICE_PREFIX - 1, kl;

	if (key_len != REG_NOTICE_KEY_LEN || key[8] >= NOTICE_KINDS)
		return LIEN_ECORRUPT;
	kl = strlen(notice_kinds[key[8]]);
	memcpy(out, REG_NOTICE_PREFIX, n);
	hex_u64_put(be64_get(key), 16, out + n);
	n += 16;
	out[n++] = '/';
	memcpy(out + n, notice_kinds[key[8]], kl + 1);
	return LIEN_OK;
}

enum lien_status
registry_notice_name_key(const char *name, size_t len,
    uint8_t out[REG_NOTICE_KEY_LEN])
{
	size_t p = sizeof REG_NOTICE_PREFIX - 1;
	uint64_t index;

	if (len < p + 17 || memcmp(name, REG_NOTICE_PREFIX, p) != 0 ||
	    hex_u64_get(name + p, 16, &index) != LIEN_OK ||
	    name[p + 16] != '/')
		return LIEN_EPARSE;
	for (size_t i = 0; i < NOTICE_KINDS; i++)
		if (strlen(notice_kinds[i]) == len - p - 17 &&
		    memcmp(name + p + 17, notice_kinds[i], len - p - 17) ==
		    0) {
			be64_put(out, index);
			out[8] = (uint8_t)i;
			return LIEN_OK;
		}
	return LIEN_EPARSE;
}

size_t
rg_key_pending_release(char *out, const char *mortgage_app)
{
	return key_cat(out, key_cat(out, 0, "pr/", 3), mortgage_app,
	    REG_APP_ID_LEN);
}

size_t
rg_key_erased(char *out, const char *subject_hex)
{
	return key_cat(out, key_cat(out, 0, "e/", 2), subject_hex,
	    2 * REG_SUBJECT_ID_LEN);
}

size_t
rg_key_app_private(char *out, const char *app)
{
	return key_cat(out, 0, app, REG_APP_ID_LEN);
}

size_t
rg_key_voucher(char *out, const char *voucher)
{
	return key_cat(out, key_cat(out, 0, "vo/", 3), voucher,
	    REG_VOUCHER_ID_LEN);
}

size_t
rg_key_vehicle_private(char *out, const char *vehicle)
{
	return key_cat(out, 0, vehicle, 2 * REG_VEHICLE_KEY_LEN);
}

size_t
rg_key_contract(char *out, const char *contract_hex)
{
	return key_cat_hex32(out, key_cat(out, 0, "c/", 2), contract_hex);
}

/* An owner's records are the owner's index: "o/" + the owner reference
 * (32 bytes) + "a" + be64 time + be64 application id number. The time
 * (the entry's, ms) leads the application so that the applications of
 * an owner's burst window are one seek and a short walk
 * (rg_owner_burst_count), which replaces the per-minute counters the
 * owner had up to v22 ("o/" + reference + "c" + be64 minute -> count,
 * each with an expiry record that deleted it 31 days later at its
 * random key: a random leaf page written per application a month on,
 * store v26). Entry times never go back (ledger/log.c), so time order
 * is application id order. */
static size_t
key_owner(char *out, const char *owner_hex)
{
	return key_cat(out, key_cat_hex32(out, key_cat(out, 0, "o/", 2),
	    owner_hex), "a", 1);
}

size_t
rg_key_bucket_prefix(char *out, char who, const char *id, size_t len)
{
	char p[3] = { 'c', who, '/' };
	size_t n;

	n = key_cat(out, 0, p, 3);
	n = key_cat(out, n, id, len);
	return key_cat(out, n, "/", 1);
}

size_t
rg_key_subject_prefix(char *out, const char *key_hex)
{
	size_t n = key_cat(out, 0, "k/", 2);

	n = key_cat(out, n, key_hex, 2 * REG_SUBJECT_ID_LEN);
	return key_cat(out, n, "/", 1);
}

static size_t
keys_lookup(uint8_t out[RG_SUBJ_KEY_MAX], const char pre[2],
    const uint8_t *b, size_t n)
{
	memcpy(out, pre, 2);
	memcpy(out + 2, b, n);
	return 2 + n;
}

size_t
rg_keys_by_commit(uint8_t out[RG_SUBJ_KEY_MAX],
    const uint8_t commit[REG_COMMIT_LEN])
{
	return keys_lookup(out, "s/", commit, REG_COMMIT_LEN);
}

size_t
rg_keys_by_id(uint8_t out[RG_SUBJ_KEY_MAX],
    const uint8_t id[REG_SUBJECT_ID_LEN])
{
	return keys_lookup(out, "d/", id, REG_SUBJECT_ID_LEN);
}

void
rg_subject_pos(uint8_t out[RG_SUBJ_POS_LEN], uint64_t index, unsigned slot)
{
	be64_put(out, index);
	out[8] = (uint8_t)slot;
}

enum lien_status
rg_subject_pos_check(const uint8_t *val, size_t len)
{
	return len == RG_SUBJ_POS_LEN && val[8] <= 1 ? LIEN_OK :
	    LIEN_ECORRUPT;
}

enum lien_status
rg_subject_rec_parse(const uint8_t *val, size_t len,
    struct rg_subject_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (len <= REG_SUBJECT_ID_LEN + REG_COMMIT_LEN ||
	    len - REG_SUBJECT_ID_LEN - REG_COMMIT_LEN > REG_WRAPPED_MAX)
		return LIEN_ECORRUPT;
	out->id = val;
	out->commit = val + REG_SUBJECT_ID_LEN;
	out->wrapped = val + REG_SUBJECT_ID_LEN + REG_COMMIT_LEN;
	out->wrapped_len = len - REG_SUBJECT_ID_LEN - REG_COMMIT_LEN;
	return LIEN_OK;
}

size_t
rg_key_owner_app(char *out, const char *owner_hex, uint64_t time_ms,
    uint64_t app, int with_app)
{
	uint8_t b[16];
	size_t n = key_owner(out, owner_hex);

	if (!with_app)
		return n;
	be64_put(b, time_ms);
	be64_put(b + 8, app);
	return key_cat(out, n, (const char *)b, sizeof b);
}

/* ---- expiry ------------------------------------------------------------- */

enum lien_status
rg_expire_at(struct ledger_state *st, uint64_t expiry, enum ledger_table tb,
    const void *key, size_t key_len)
{
	uint8_t k[8 + 1 + RG_KEY_MAX];

	if (key_len > RG_KEY_MAX)
		return LIEN_EINVAL;
	be64_put(k, expiry);
	k[8] = (uint8_t)tb;
	memcpy(k + 9, key, key_len);
	return ledger_state_put(st, LEDGER_T_EXPIRY, k, 9 + key_len, "", 0);
}

enum lien_status
rg_expire(struct ledger_state *st, uint64_t now)
{
	for (;;) {
		uint8_t k[8 + 1 + RG_KEY_MAX];
		const uint8_t *key, *val;
		size_t key_len, val_len;
		enum lien_status rc;

		rc = ledger_state_seek(st, LEDGER_T_EXPIRY, NULL, 0, &key,
		    &key_len, &val, &val_len);
		if (rc == LIEN_ENOTFOUND)
			return LIEN_OK;
		if (rc != LIEN_OK)
			return rc;
		if (key_len < 9 || key_len > sizeof(k) ||
		    key[8] >= LEDGER_T_COUNT)
			return LIEN_ECORRUPT;
		if (be64_get(key) > now)
			return LIEN_OK;		/* oldest is still alive */
		memcpy(k, key, key_len);	/* borrowed until the next del */
		if (k[8] == LEDGER_T_VWINDOW)	/* younger ones may stay */
			rc = rg_window_prune(st, k + 9, key_len - 9, now);
		else
			rc = ledger_state_del(st, (enum ledger_table)k[8],
			    k + 9, key_len - 9);
		if (rc != LIEN_OK && rc != LIEN_ENOTFOUND)
			return rc;
		if ((rc = ledger_state_del(st, LEDGER_T_EXPIRY, k, key_len)) !=
		    LIEN_OK)
			return rc;
	}
}

/* ---- the multi-bank window ---------------------------------------------- */

/* An element's index field: bit 63 (RG_WINDOW_PENDING) set while the
 * application is undecided (indexes stay below REG_INDEX_MAX = 2^52). */

/* Copy the elements of the window record v alive at now to out (cap >=
 * n); *out_len their bytes. Alive: undecided (whatever its age), or
 * younger than REG_WINDOW_KEEP_MS (time + REG_WINDOW_KEEP_MS > now).
 * With party set (plen > 0), the undecided element of that party is
 * copied as decided (dropped if it is that old) and *found set. */
static enum lien_status LIEN_MUST_CHECK
window_alive(const uint8_t *v, size_t n, uint64_t now, const char *party,
    size_t plen, int *found, uint8_t *out, size_t *out_len)
{
	struct rd r;
	size_t at = 0;

	rd_init(&r, v, n);
	while (rd_left(&r) > 0) {
		const uint8_t *e, *p;
		uint8_t pl;
		uint64_t ix;

		if (rd_take(&r, 16, &e) != LIEN_OK || rd_u8(&r, &pl) !=
		    LIEN_OK || pl == 0 || rd_take(&r, pl, &p) != LIEN_OK)
			return LIEN_ECORRUPT;
		ix = be64_get(e + 8);
		if ((ix & RG_WINDOW_PENDING) && plen > 0 && pl == plen &&
		    memcmp(p, party, plen) == 0) {
			ix &= ~RG_WINDOW_PENDING;	/* decided now */
			*found = 1;
		}
		if (!(ix & RG_WINDOW_PENDING) &&
		    be64_get(e) + REG_WINDOW_KEEP_MS <= now)
			continue;
		memcpy(out + at, e, 17u + pl);
		be64_put(out + at + 8, ix);
		at += 17u + pl;
	}
	*out_len = at;
	return LIEN_OK;
}

enum lien_status
rg_window_add(struct ledger_state *st, const char *vk, uint64_t now,
    uint64_t index, const char *party, size_t plen)
{
	const uint8_t *v;
	size_t n = 0, len = 0;
	uint8_t *buf;
	int found = 0;
	enum lien_status rc;

	if (vk == NULL || party == NULL || plen == 0 || plen > 255 ||
	    index >= REG_INDEX_MAX)
		return LIEN_EINVAL;
	rc = ledger_state_get(st, LEDGER_T_VWINDOW, vk,
	    2 * REG_VEHICLE_KEY_LEN, &v, &n);
	if (rc == LIEN_ENOTFOUND) {
		v = NULL;
		n = 0;
	} else if (rc != LIEN_OK) {
		return rc;
	}
	/* v is borrowed until the put: copy what stays, then add */
	if ((buf = malloc(n + 17 + plen)) == NULL)
		return LIEN_ENOMEM;
	if (n > 0 && (rc = window_alive(v, n, now, NULL, 0, &found, buf,
	    &len)) != LIEN_OK)
		goto out;
	be64_put(buf + len, now);
	be64_put(buf + len + 8, index | RG_WINDOW_PENDING);
	buf[len + 16] = (uint8_t)plen;
	memcpy(buf + len + 17, party, plen);
	len += 17 + plen;
	if ((rc = ledger_state_put(st, LEDGER_T_VWINDOW, vk,
	    2 * REG_VEHICLE_KEY_LEN, buf, len)) == LIEN_OK)
		rc = rg_expire_at(st, now + REG_WINDOW_KEEP_MS,
		    LEDGER_T_VWINDOW, vk, 2 * REG_VEHICLE_KEY_LEN);
out:
	free(buf);
	return rc;
}

/* Rewrite the window record of vk as window_alive leaves it (party as
 * there) where it lies (ledger_state_replace), and keep it, empty, when
 * nothing is left; leave it alone when nothing changed. Store v26: a
 * window was deleted when it emptied and rewritten to a new place when
 * it shrank, and either wrote the vehicle's pointer record, a random
 * page of `vehicles`, a month after each application (the prune its
 * expiry record makes). An empty window is what no window was to every
 * reader; rg_window_add replaces it. */
static enum lien_status LIEN_MUST_CHECK
window_rewrite(struct ledger_state *st, const void *vk, size_t vk_len,
    uint64_t now, const char *party, size_t plen, int *found)
{
	const uint8_t *v;
	size_t n, len;
	uint8_t *buf;
	enum lien_status rc;

	rc = ledger_state_get(st, LEDGER_T_VWINDOW, vk, vk_len, &v, &n);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;		/* pruned by a later add already */
	if (rc != LIEN_OK)
		return rc;
	if ((buf = malloc(n ? n : 1)) == NULL)
		return LIEN_ENOMEM;
	if ((rc = window_alive(v, n, now, party, plen, found, buf, &len)) ==
	    LIEN_OK && (len != n || memcmp(buf, v, n) != 0))
		rc = ledger_state_replace(st, LEDGER_T_VWINDOW, vk, vk_len,
		    buf, len);
	free(buf);
	return rc;
}

enum lien_status
rg_window_prune(struct ledger_state *st, const void *vk, size_t vk_len,
    uint64_t now)
{
	int found = 0;

	return window_rewrite(st, vk, vk_len, now, NULL, 0, &found);
}

enum lien_status
rg_window_decided(struct ledger_state *st, const char *vk, uint64_t now,
    const char *party, size_t plen)
{
	int found = 0;

	if (vk == NULL || party == NULL || plen == 0 || plen > 255)
		return LIEN_EINVAL;
	return window_rewrite(st, vk, 2 * REG_VEHICLE_KEY_LEN, now, party,
	    plen, &found);
}

enum lien_status
rg_window_pending(struct ledger_state *st, const char *vk, const char *party,
    size_t plen, int *out)
{
	const uint8_t *v;
	size_t n;
	struct rd r;
	enum lien_status rc;

	*out = 0;
	rc = ledger_state_get(st, LEDGER_T_VWINDOW, vk,
	    2 * REG_VEHICLE_KEY_LEN, &v, &n);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (rc != LIEN_OK)
		return rc;
	rd_init(&r, v, n);
	while (rd_left(&r) > 0) {
		const uint8_t *e, *p;
		uint8_t pl;

		if (rd_take(&r, 16, &e) != LIEN_OK || rd_u8(&r, &pl) !=
		    LIEN_OK || pl == 0 || rd_take(&r, pl, &p) != LIEN_OK)
			return LIEN_ECORRUPT;
		if ((be64_get(e + 8) & RG_WINDOW_PENDING) && pl == plen &&
		    memcmp(p, party, plen) == 0) {
			*out = 1;
			return LIEN_OK;
		}
	}
	return LIEN_OK;
}

/* The idempotency table expires from its front: its keys lead with the
 * key's own time and every record lives exactly REG_IDEM_KEEP_MS from
 * it, so the records due at now are the first ones, in order. No expiry
 * queue records are needed (unlike nonces, whose expiry depends on the
 * entry time as well). */
enum lien_status
rg_idem_expire(struct ledger_state *st, uint64_t now)
{
	for (;;) {
		uint8_t k[REG_IDEM_KEY_LEN];
		const uint8_t *key, *val;
		size_t key_len, val_len;
		enum lien_status rc;

		rc = ledger_state_seek(st, LEDGER_T_IDEM, NULL, 0, &key,
		    &key_len, &val, &val_len);
		if (rc == LIEN_ENOTFOUND)
			return LIEN_OK;
		if (rc != LIEN_OK)
			return rc;
		if (key_len != REG_IDEM_KEY_LEN)
			return LIEN_ECORRUPT;
		if (be64_get(key) + REG_IDEM_KEEP_MS > now)
			return LIEN_OK;		/* oldest is still alive */
		memcpy(k, key, key_len);	/* borrowed until the del */
		if ((rc = ledger_state_del(st, LEDGER_T_IDEM, k, key_len)) !=
		    LIEN_OK)
			return rc;
	}
}

/* ---- per-minute counters ------------------------------------------------ */

/* The first minute (REG_BUCKET_MS) of a count's window at now: the
 * minutes intersecting [now - window, now], the window clamped to
 * REG_WINDOW_KEEP_MS (what the counters keep). */
static uint64_t
window_first_bucket(uint64_t now, uint64_t window)
{
	if (window > REG_WINDOW_KEEP_MS)
		window = REG_WINDOW_KEEP_MS;
	return (now > window ? now - window : 0) / REG_BUCKET_MS;
}

/* A walk of pstate in key order: the first record at or after k[0, *klen)
 * (borrowed as ledger_state_seek's), then k set to the smallest key
 * after it for the next call; k holds cap bytes. LIEN_ENOTFOUND past the
 * end. A key too long for k is given but k stays: the callers' records
 * are shorter, so they stop there. */
static enum lien_status LIEN_MUST_CHECK
pstate_walk(struct ledger_state *st, uint8_t *k, size_t cap, size_t *klen,
    const uint8_t **key, size_t *key_len, const uint8_t **val,
    size_t *val_len)
{
	enum lien_status rc = ledger_state_seek(st, LEDGER_T_PSTATE, k, *klen,
	    key, key_len, val, val_len);

	if (rc != LIEN_OK || *key_len >= cap)
		return rc;
	memcpy(k, *key, *key_len);
	k[*key_len] = 0;
	*klen = *key_len + 1;
	return LIEN_OK;
}

enum lien_status
rg_owner_burst_count(struct ledger_state *st, const char *owner_hex,
    size_t olen, uint64_t now, uint64_t window, uint64_t cap, uint64_t *out)
{
	char pre[RG_KEY_MAX];
	uint8_t k[RG_KEY_MAX + 1];
	const uint8_t *key, *val;
	size_t klen, key_len, val_len;
	uint64_t last = now / REG_BUCKET_MS, sum = 0;
	enum lien_status rc = LIEN_OK;

	*out = 0;
	if (owner_hex == NULL || olen != 2 * REG_COMMIT_LEN)
		return LIEN_EPARSE;	/* payload.c validated it */
	/* from the first millisecond of the window's first minute */
	klen = rg_key_owner_app(pre, owner_hex, window_first_bucket(now,
	    window) * REG_BUCKET_MS, 0, 1);
	memcpy(k, pre, klen);
	while (sum < cap && (rc = pstate_walk(st, k, sizeof k, &klen, &key,
	    &key_len, &val, &val_len)) == LIEN_OK) {
		if (key_len < RG_KEY_OWNER_APP_PREFIX_LEN || memcmp(key, pre,
		    RG_KEY_OWNER_APP_PREFIX_LEN) != 0)
			break;		/* past this owner's records */
		if (key_len != RG_KEY_OWNER_APP_KEY_LEN || val_len > 1)
			return LIEN_ECORRUPT;
		if (be64_get(key + RG_KEY_OWNER_APP_PREFIX_LEN) /
		    REG_BUCKET_MS > last)
			break;
		if (val_len == 1)	/* the owner's, not an acting person's */
			sum++;
	}
	if (rc != LIEN_OK && rc != LIEN_ENOTFOUND)
		return rc;
	*out = sum;
	return LIEN_OK;
}

enum lien_status
rg_bucket_add(struct ledger_state *st, const char *prefix, size_t plen,
    uint64_t now)
{
	uint8_t k[RG_KEY_MAX + 8], v[8];
	const uint8_t *val;
	size_t val_len;
	uint64_t bucket = now / REG_BUCKET_MS, count = 0;
	enum lien_status rc;

	if (plen > RG_KEY_MAX)
		return LIEN_EINVAL;
	memcpy(k, prefix, plen);
	be64_put(k + plen, bucket);
	rc = ledger_state_get(st, LEDGER_T_PSTATE, k, plen + 8, &val,
	    &val_len);
	if (rc == LIEN_OK) {
		if (val_len != 8)
			return LIEN_ECORRUPT;
		count = be64_get(val);
	} else if (rc != LIEN_ENOTFOUND) {
		return rc;
	}
	be64_put(v, count + 1);
	if ((rc = ledger_state_put(st, LEDGER_T_PSTATE, k, plen + 8, v, 8)) !=
	    LIEN_OK)
		return rc;
	if (count == 0)		/* a new bucket: lives until the window ends */
		rc = rg_expire_at(st, (bucket + 1) * REG_BUCKET_MS +
		    REG_WINDOW_KEEP_MS, LEDGER_T_PSTATE, k, plen + 8);
	return rc;
}

enum lien_status
rg_bucket_count(struct ledger_state *st, const char *prefix, size_t plen,
    uint64_t now, uint64_t window, uint64_t cap, uint64_t *out)
{
	uint8_t k[RG_KEY_MAX + 9];
	const uint8_t *key, *val;
	size_t klen = plen + 8, key_len, val_len;
	uint64_t last = now / REG_BUCKET_MS, sum = 0;
	enum lien_status rc = LIEN_OK;

	*out = 0;
	if (plen > RG_KEY_MAX)
		return LIEN_EINVAL;
	memcpy(k, prefix, plen);
	be64_put(k + plen, window_first_bucket(now, window));
	while (sum < cap && (rc = pstate_walk(st, k, sizeof k, &klen, &key,
	    &key_len, &val, &val_len)) == LIEN_OK) {
		if (key_len != plen + 8 || memcmp(key, prefix, plen) != 0 ||
		    be64_get(key + plen) > last)
			break;
		if (val_len != 8)
			return LIEN_ECORRUPT;
		sum += be64_get(val);
	}
	if (rc != LIEN_OK && rc != LIEN_ENOTFOUND)
		return rc;
	*out = sum;
	return LIEN_OK;
}
