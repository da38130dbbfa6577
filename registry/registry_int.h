/*
 * Internal to ledger/registry*.c: payload shape, state encodings and the
 * rules, shared by the build (registry.c), the rules (registry_rules.c),
 * the state encodings (registry_state.c), the readers (registry_read.c)
 * and the audit replay (registry_audit.c). docs/registry.md is the
 * reference for every encoding named here.
 */
#ifndef LIEN_REGISTRY_REGISTRY_INT_H
#define LIEN_REGISTRY_REGISTRY_INT_H

#include <jansson.h>
#include "registry/registry.h"
#include "registry/jcs.h"
#include "registry/ids.h"
#include "tlog/entry.h"

/* Version 2: public payload + private record (docs/privacy.md). */
#define RG_PAYLOAD_VERSION 2

/* A refusal: status + stable reason code. */
struct rg_verdict {
	enum lien_status st;
	const char *reason;		/* static string */
	uint64_t original_index;	/* LIEN_EEXIST */
};

static inline enum lien_status
rg_refuse(struct rg_verdict *v, enum lien_status st, const char *reason)
{
	v->st = st;
	v->reason = reason;
	return st;
}

/* ---- names ---------------------------------------------------------- */
const char *rg_type_name(unsigned type);	/* "mortgage_application" */
const char *rg_role_name(enum reg_role r);	/* NULL if unknown */
int rg_role_parse(const char *s, size_t len);	/* 0 if unknown */
const char *rg_party_status_name(enum reg_party_status s);
int rg_party_status_parse(const char *s, size_t len);
const char *rg_restr_name(enum reg_restriction r);
int rg_restr_parse(const char *s, size_t len);
const char *rg_restr_refusal(enum reg_restriction r);	/* vehicle_seized */

/* ---- JSON helpers (all (ptr,len); NULL when absent or mistyped) ------- */
const char *rg_jstr(const json_t *o, const char *key, size_t *len);
int rg_jint(const json_t *o, const char *key, int64_t *out);	/* 1 ok */
int rg_jstr_eq(const json_t *o, const char *key, const char *want);
/* json string from (p,len); NULL on failure (invalid UTF-8 / ENOMEM). */
json_t *rg_jstrn(const char *p, size_t len);
json_t *rg_jhex(const uint8_t *p, size_t n);
/* o[key] = v, consuming v either way. LIEN_ENOMEM when v is NULL (its
 * constructor failed: allocation, or invalid UTF-8 for rg_jstrn) or the
 * set fails; so `rg_set(...) || rg_set(...)` chains stop at the first
 * failure (LIEN_OK is 0). */
enum lien_status rg_set(json_t *o, const char *key, json_t *v)
    LIEN_MUST_CHECK;

/* Party ids: 1..REG_PARTY_ID_MAX of printable ASCII 0x21..0x7E except
 * '/' (it separates index key components). */
int rg_party_id_valid(const char *s, size_t len);

/* ---- payload shape ---------------------------------------------------- */
/* Check every field of a public payload of type: presence, types,
 * formats, no unknown fields. full: "private" and the status of
 * applications must be present (apply, audit); !full: they must be
 * absent (the build, before classifying and committing). */
enum lien_status rg_shape(unsigned type, uint64_t index, const json_t *p,
    int full, struct rg_verdict *v) LIEN_MUST_CHECK;
/* The same for the private record r of the public payload p; full: the
 * reasons of applications present and consistent with p's status. */
enum lien_status rg_pshape(unsigned type, const json_t *p, const json_t *r,
    int full, struct rg_verdict *v) LIEN_MUST_CHECK;
/* 1 when the type's signer is in the public payload (everything but bank
 * applications, whose signer is the mortgagee: private). */
int rg_signer_public(unsigned type);
/* "pipl47_purpose", ... by enum reg_erasure_basis; NULL-terminated after
 * index 5, index 0 NULL. */
extern const char *const rg_basis_names[];
/* "picked_up", ... by enum reg_delivery_event; index 0 NULL, NULL after
 * index 5. */
extern const char *const rg_delivery_names[];
/* "resident_id", ... by enum reg_id_document; index 0 NULL, NULL after
 * the last. */
extern const char *const rg_id_document_names[];
/* 1 for a mortgage or release application filed at the counter (public
 * "channel":"counter"). */
int rg_counter(unsigned type, const json_t *p);
/* The bank of an application (its private record r): "mortgagee" of a
 * counter application, else the signer's party. NULL if absent. */
const char *rg_app_bank(const json_t *r, size_t *len);

/* ---- state ------------------------------------------------------------ */
/* Load a state record stored as canonical JSON. *out: json_decref.
 * LIEN_ENOTFOUND; LIEN_ECORRUPT if the stored bytes do not parse. */
enum lien_status rg_load(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, json_t **out) LIEN_MUST_CHECK;
/* The same for a caller that only reads *out (never modifies it): may
 * share a cached tree (registry_cache.c). *out: json_decref. */
enum lien_status rg_load_ro(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, json_t **out) LIEN_MUST_CHECK;
/* The stored form of a state record's canonical text (text, len) in
 * table tb: packed (registry/jpack.h) in the tables whose records are
 * packed (store v17: apps, papps, notices, vehicles, vprivate), else
 * the text. *out: caller frees with free(); NULL on failure.
 * LIEN_ENOMEM, LIEN_EINVAL. */
enum lien_status rg_pack(enum ledger_table tb, const char *text, size_t len,
    uint8_t **out, size_t *out_len) LIEN_MUST_CHECK;
/* A private record stored with its `sealed` member's value elided
 * (registry/read.c): the byte RG_PRIV_ELIDED, then the packed tokens
 * (registry/jpack.h, after JPACK_TAG) of the text with that value's 64
 * hex digits all '0'; the reader puts the SHA-256 of the sealed box at
 * the same index there (registry_private_decode). */
#define RG_PRIV_ELIDED 0x02u
/* The stored form of the private record (text, len) whose sealed box is
 * (box, box_len): RG_PRIV_ELIDED when its `sealed` member is named once
 * and is that box's SHA-256 and the form reads back as the very text
 * (checked here), else as jpack_encode stores it. *out: caller frees with
 * free(); NULL on failure. LIEN_ENOMEM, LIEN_EINVAL. */
enum lien_status rg_private_pack(const char *text, size_t len,
    const uint8_t *box, size_t box_len, uint8_t **out, size_t *out_len)
    LIEN_MUST_CHECK;
/* Store val canonically (packed as rg_pack says); val must not be
 * modified afterwards (the cache keeps a reference). */
enum lien_status rg_store(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, const json_t *val) LIEN_MUST_CHECK;

/* registry_cache.c: parsed records by (table, key), valid only for the
 * exact bytes they were parsed from. find: borrowed tree or NULL; put
 * takes its own reference. Per thread; bounded. */
json_t *rg_cache_find(enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t *bytes, size_t len);
void rg_cache_put(enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t *bytes, size_t len, json_t *tree);
/* A tree for those bytes that the caller owns and may modify (taken out
 * of the cache, or a deep copy); NULL on a miss or ENOMEM. */
json_t *rg_cache_take(enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t *bytes, size_t len);
/* Keep only the tables in mask (1u << enum ledger_table; 0: all, the
 * default) in the calling thread's cache from now on; held records of
 * the others are dropped. */
void rg_cache_keep(unsigned mask);
/* Of the kept tables, hold those in mask (1u << enum ledger_table) only
 * until the next rg_cache_scope_end: a replay's checks and transition
 * read an entry's application, vehicle and private records several times
 * (each parsed once then), but the next entries mostly do not, so their
 * trees are freed while still hot instead of waiting for eviction. At
 * most RC_SCOPE_MAX scoped records per scope (more are not cached).
 * rg_cache_scope(0) ends scoping (and drops what it held). */
void rg_cache_scope(unsigned mask);
void rg_cache_scope_end(void);
/* The statistics' totals held in the calling thread until
 * rg_stats_flush writes them to st (registry/stats_agg.c): on for the
 * audit's replay only; off drops what is held (flush first). */
void rg_stats_cache(int on);
enum lien_status rg_stats_flush(struct ledger_state *st) LIEN_MUST_CHECK;
/* The same over a view. */
enum lien_status rg_view_load(struct ledger_view *vw, enum ledger_table tb,
    const void *key, size_t key_len, json_t **out) LIEN_MUST_CHECK;
/* The same for a reader that never modifies *out: may share a cached tree
 * (per thread, keyed by the exact stored bytes). *out: json_decref. */
enum lien_status rg_view_load_ro(struct ledger_view *vw, enum ledger_table tb,
    const void *key, size_t key_len, json_t **out) LIEN_MUST_CHECK;

/* Index keys (LEDGER_T_INDEX); each writes into out (cap >= RG_KEY_MAX)
 * and returns the length. */
#define RG_KEY_MAX 256u
size_t rg_key_party_id(char *out, const char *party, size_t len);
size_t rg_key_queue(char *out, const char *status, const char *app);
size_t rg_key_pending_release(char *out, const char *mortgage_app);
size_t rg_key_erased(char *out, const char *subject_hex);	/* INDEX */
/* PSTATE keys (docs/registry.md "pstate"); vehicle = 64 hex digits. */
size_t rg_key_app_private(char *out, const char *app);
/* VPRIVATE (v10: was pstate "v/<vehicle>"): the vehicle key itself */
size_t rg_key_vehicle_private(char *out, const char *vehicle);
/* "vo/<voucher id>": a voucher's binding and use (registry/apply.c) */
size_t rg_key_voucher(char *out, const char *voucher);
size_t rg_key_contract(char *out, const char *contract_hex);
size_t rg_key_bucket_prefix(char *out, char who, const char *id, size_t len);
size_t rg_key_subject_prefix(char *out, const char *key_hex);

/* Subject keys (store v32; registry/registry.c "Subject keys",
 * docs/storage.md "keys and subjects"). SUBJECTS holds each subject's
 * record under its position, be64(base + index of the entry that created
 * it, as application ids) || u8(slot: the request's newkey[] 0 or 1), in
 * log order:
 *   id (16) || identity commitment (32) || wrapped key (1..REG_WRAPPED_MAX)
 * KEYS holds the two lookups, each valued with the 9-byte position:
 *   "s/" || commitment (32), "d/" || key id (16). */
#define RG_SUBJ_POS_LEN 9u
#define RG_SUBJ_KEY_MAX (2u + REG_COMMIT_LEN)
size_t rg_keys_by_commit(uint8_t out[RG_SUBJ_KEY_MAX],
    const uint8_t commit[REG_COMMIT_LEN]);
size_t rg_keys_by_id(uint8_t out[RG_SUBJ_KEY_MAX],
    const uint8_t id[REG_SUBJECT_ID_LEN]);
void rg_subject_pos(uint8_t out[RG_SUBJ_POS_LEN], uint64_t index,
    unsigned slot);
/* A lookup's value: LIEN_OK for exactly 9 bytes with slot 0 or 1, else
 * LIEN_ECORRUPT. */
enum lien_status rg_subject_pos_check(const uint8_t *val, size_t len)
    LIEN_MUST_CHECK;
/* A SUBJECTS record split into its fields (pointers into val, borrowed
 * like val); LIEN_ECORRUPT (out zeroed) unless it holds the id, the
 * commitment and 1..REG_WRAPPED_MAX bytes of wrapped key. */
struct rg_subject_rec {
	const uint8_t *id, *commit, *wrapped;
	size_t wrapped_len;
};
enum lien_status rg_subject_rec_parse(const uint8_t *val, size_t len,
    struct rg_subject_rec *out) LIEN_MUST_CHECK;
/* "o/" + owner reference (32 bytes) + "a" [+ be64 time (ms) + be64
 * application id number]: the owner's index, one record per application
 * under its owner and (a company's) its acting person, the owner's with
 * the value RG_OWNER_MARK (1 byte) and the acting person's empty (store
 * v26; v12 "oa/" + reference + id number, v15 "o/" + reference + "a" +
 * id number; registry_owner_apps, rg_owner_burst_count). owner_hex is
 * the 64 hex digits of a validated owner reference; with_app 0 gives the
 * owner's prefix (35 bytes), 1 the record's key (51 bytes). */
#define RG_KEY_OWNER_APP_PREFIX_LEN 35u
#define RG_KEY_OWNER_APP_KEY_LEN (RG_KEY_OWNER_APP_PREFIX_LEN + 16u)
#define RG_OWNER_MARK "o"
size_t rg_key_owner_app(char *out, const char *owner_hex, uint64_t time_ms,
    uint64_t app, int with_app);

/* The statistics' running totals (registry/stats_agg.c, pstate "st/"):
 * count the application, decision or delivery event (type, payload p,
 * private record r, entry time now) in them; other types: nothing. Run
 * by rg_papply after the entry's other changes (it reads the
 * application's records as the entry left them). */
enum lien_status rg_stats_apply(struct ledger_state *st, uint64_t now,
    unsigned type, const json_t *p, const json_t *r) LIEN_MUST_CHECK;
/* The statistics' "<x>_at" beside "<x>_ms" (registry/stats.c): a new
 * JSON string in RFC 3339, or JSON null past year 9999; caller owns it. */
json_t *rg_time_at(uint64_t ms);

/* The multi-bank window (LEDGER_T_VWINDOW, by vehicle key vk, 64 hex):
 * the vehicle's mortgage applications of the last REG_WINDOW_KEEP_MS
 * and its undecided ones, oldest first, each be64 time || be64 entry
 * index, bit 63 (RG_WINDOW_PENDING) set while the application is
 * undecided || u8 length || mortgagee (store v14; v13 kept the
 * undecided ones apart, pstate "pm/<vehicle>/<mortgagee>" -> app id, a
 * random record of its own written and deleted per application; v8 one
 * pstate record per application, "wv/<vehicle>/" be64 time be64 index
 * -> mortgagee). rg_window_add appends an undecided one (dropping the
 * decided ones expired at now) and registers the record's expiry;
 * rg_window_decided marks the undecided one of party decided (an
 * approval or a rejection; absent: nothing to do) and drops what has
 * expired; rg_window_prune drops the decided ones expired at now
 * (rg_expire calls it for VWINDOW's expiry records); both rewrite the
 * record where it lies and keep it, empty, when nothing is left (store
 * v26: no write of the vehicle's pointer record). rg_window_pending:
 * *out = 1 if party has an undecided application for the vehicle.
 * LIEN_ECORRUPT for a record that does not parse. */
#define RG_WINDOW_PENDING (1ull << 63)
enum lien_status rg_window_add(struct ledger_state *st, const char *vk,
    uint64_t now, uint64_t index, const char *party, size_t plen)
    LIEN_MUST_CHECK;
enum lien_status rg_window_decided(struct ledger_state *st, const char *vk,
    uint64_t now, const char *party, size_t plen) LIEN_MUST_CHECK;
enum lien_status rg_window_prune(struct ledger_state *st, const void *vk,
    size_t vk_len, uint64_t now) LIEN_MUST_CHECK;
enum lien_status rg_window_pending(struct ledger_state *st, const char *vk,
    const char *party, size_t plen, int *out) LIEN_MUST_CHECK;

/* Expire every EXPIRY record with expiry <= now (deleting its
 * target; a window record is pruned instead). */
enum lien_status rg_expire(struct ledger_state *st, uint64_t now)
    LIEN_MUST_CHECK;
/* Register target (table, key) for deletion at expiry. */
enum lien_status rg_expire_at(struct ledger_state *st, uint64_t expiry,
    enum ledger_table tb, const void *key, size_t key_len) LIEN_MUST_CHECK;
/* The application id base a state hand-over set (index table "h/base" ->
 * be64); 0 when none. App ids are "A" + hex(base + index). */
#define RG_KEY_BASE "h/base"
enum lien_status rg_base_get(struct ledger_state *st, uint64_t *base)
    LIEN_MUST_CHECK;
/* The application id value of the entry at index: base + index, below
 * REG_INDEX_MAX (else LIEN_ECORRUPT). */
enum lien_status rg_app_value(struct ledger_state *st, uint64_t index,
    uint64_t *out) LIEN_MUST_CHECK;

/* Delete every idempotency record whose key has expired at now (they are
 * at the front of LEDGER_T_IDEM). */
enum lien_status rg_idem_expire(struct ledger_state *st, uint64_t now)
    LIEN_MUST_CHECK;
/* Per-minute counters under prefix: add one at now; count those in the
 * minutes intersecting [now - window, now] (stops at cap). */
enum lien_status rg_bucket_add(struct ledger_state *st, const char *prefix,
    size_t plen, uint64_t now) LIEN_MUST_CHECK;
enum lien_status rg_bucket_count(struct ledger_state *st, const char *prefix,
    size_t plen, uint64_t now, uint64_t window, uint64_t cap,
    uint64_t *out) LIEN_MUST_CHECK;
/* The owner burst: *out = the applications whose owner is owner_hex (64
 * hex digits; else LIEN_EPARSE) in the minutes intersecting [now -
 * window, now] (window clamped to REG_WINDOW_KEEP_MS), from the owner's
 * index (rg_key_owner_app), the same count as per-minute counters
 * (stops at cap). */
enum lien_status rg_owner_burst_count(struct ledger_state *st,
    const char *owner_hex, size_t olen, uint64_t now, uint64_t window,
    uint64_t cap, uint64_t *out) LIEN_MUST_CHECK;

/* ---- rules ------------------------------------------------------------ */
/* Hard rules for the (shape-checked) public payload p of type at (index,
 * now) and, when r is not NULL, its private record: not an idempotent
 * replay, nonce not replayed, signer allowed, MPS Order 164 rules. With r
 * NULL only the rules on public data run (the public audit). Reads only;
 * the rules on public data never read private state. */
enum lien_status rg_check(struct ledger_state *st, uint64_t index,
    uint64_t now, unsigned type, const json_t *p, const json_t *r,
    struct rg_verdict *v) LIEN_MUST_CHECK;
/* The delivery order (registry/rules.c): 1 when event may follow prev
 * (NULL: the first event). */
int rg_delivery_next_ok(const char *prev, const char *event);
/* Anomaly rules for a new application: returns REG_ANOMALY_* bits. */
enum lien_status rg_anomalies(struct ledger_state *st, uint64_t now,
    unsigned type, const json_t *p, const json_t *r,
    const struct reg_rules *rules, unsigned *bits) LIEN_MUST_CHECK;

/* Reason codes of anomaly bits, in bit order. */
extern const char *const rg_anomaly_codes[REG_ANOMALY_COUNT];
/* The REG_ANOMALY_* bits of the "reasons" array of record r (a stored
 * application or its payload; unknown codes and a missing array give no
 * bits: the record was checked when it was written). */
unsigned rg_anomaly_bits(const json_t *r);

/* ---- lien status (registry/status.c, docs/lien-status.md) -------------- */
/* Name the entry rg_apply is applying (its payload tree, borrowed until
 * the next call; NULL: none): the vehicle stores it makes fold its
 * commitment into the vehicle's `fuller`. */
void rg_status_entry(const json_t *p);
/* Advance veh's "fuller" by the current entry's commitment (before veh
 * is stored). LIEN_EINVAL outside an entry. */
enum lien_status rg_status_fold(json_t *veh) LIEN_MUST_CHECK;
/* The public status record tree of vehicle record veh; NULL on ENOMEM or
 * a malformed record. *out: json_decref. */
json_t *rg_status_record(const json_t *veh);
/* The same record's canonical bytes, written straight into out (cap
 * bytes) without the tree: exactly jcs_serialize(rg_status_record(veh))
 * when LIEN_OK. LIEN_EUNSUPPORTED (*out_len 0) for anything it does not
 * take (a member absent or not a string or integer, cap short): the
 * caller then takes the tree's way, which says why. */
enum lien_status rg_status_record_write(const json_t *veh, uint8_t *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK;
/* A notice record's canonical bytes (registry/apply.c notice_put:
 * {"app","index","kind","reasons"?,"time_ms"}) written straight into out
 * (cap bytes): exactly the canonical form of the tree notice_put would
 * build, when LIEN_OK. LIEN_EUNSUPPORTED (*out_len 0) for what it does
 * not take (app or kind not plain ASCII, an integer above JCS_INT_MAX,
 * reasons jcs_write refuses, cap short): the caller builds the tree. */
enum lien_status rg_notice_write(uint64_t index, uint64_t now,
    const char *app, const char *kind, const json_t *reasons, uint8_t *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK;
/* The public form of GET /v1/vehicles/{vin} (docs/privacy.md table D):
 * vin, vehicle key, recorded, liens with rank, released, restrictions,
 * each time as "*_ms" and RFC 3339 "*_at". NULL on failure. */
json_t *rg_status_public(const json_t *veh, const char *vin, size_t vin_len);
/* out (18 bytes) = vin if the last vehicle the current (or last) entry of
 * this thread stored is that VIN's (its map key), else "": the registry
 * keeps no VIN, so the caller names the one its request carried. */
void rg_status_stored_vin(const char *vin, size_t vin_len, char out[18]);
/* Vehicle veh was stored under table key (key, key_len): set its leaf of
 * the status map. */
enum lien_status rg_status_update(struct ledger_state *st, const char *key,
    size_t key_len, const json_t *veh) LIEN_MUST_CHECK;

/* ---- apply ------------------------------------------------------------ */
/* The public transition (public tables only, from p alone) and the
 * private one (pstate, nonces, idem, from r and the public state after
 * rg_apply). */
enum lien_status rg_apply(struct ledger_state *st, uint64_t index,
    uint64_t now, unsigned type, const json_t *p) LIEN_MUST_CHECK;
enum lien_status rg_papply(struct ledger_state *st, uint64_t index,
    uint64_t now, unsigned type, const json_t *p, const json_t *r)
    LIEN_MUST_CHECK;
/* Parse (canonical JSON) and shape-check an entry's public payload (its
 * application id value appv: rg_app_value) and, when priv is not NULL,
 * its private record (which p must commit to, with the entry index).
 * *p, *r: json_decref (*r NULL without priv). */
enum lien_status rg_parse_entry(uint64_t index, uint64_t appv,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len, const uint8_t *priv,
    size_t priv_len, json_t **p, json_t **r, struct rg_verdict *v)
    LIEN_MUST_CHECK;
/* rg_parse_entry with the record's commitment computed ahead: commit
 * (NULL: computed here) is registry_private_commit(index, priv,
 * priv_len). */
enum lien_status rg_parse_entry_commit(uint64_t index, uint64_t appv,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len,
    const uint8_t *priv, size_t priv_len, const uint8_t *commit, json_t **p,
    json_t **r, struct rg_verdict *v) LIEN_MUST_CHECK;
/* registry_check_apply with the private record's commitment computed
 * ahead (registry/pipeline.c): priv_commit (NULL: computed here) is
 * registry_private_commit(index, priv, priv_len). Same verdicts and
 * writes. */
enum lien_status rg_check_apply_pre(struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint16_t type, const uint8_t *payload, size_t len,
    const uint8_t *priv, size_t priv_len, const uint8_t *priv_commit,
    const char **reason, int *out_applying) LIEN_MUST_CHECK;

/* ---- the replay's reader (registry/pipeline.c) ------------------------ */
/* One entry as the reader left it; everything in it is the reader's
 * until rg_pipe_done, except what the replay takes (sets NULL). */
struct rg_pipe_item {
	uint64_t index;
	const uint8_t *ent;	/* the reader's copy (own): a view lends an
				 * entry only until it reads another bundle
				 * (ledger_view_foreach_entry) */
	uint8_t *own;		/* ent: free() */
	size_t len;
	enum lien_status dec;	/* entry_decode's */
	struct entry e;		/* dec == LIEN_OK: e.payload points into ent */
	int priv_done;		/* the private record was read: */
	enum lien_status priv_rc;	/* registry_private_get's */
	uint8_t *priv;		/* priv_rc == LIEN_OK: free() */
	size_t priv_len;
	uint8_t commit[HASH_LEN];	/* priv_rc == LIEN_OK: its commitment
					 * (registry_private_commit) */
};
struct rg_pipe;
/* Start the reader of v's entries from index from, through a view of l
 * of the same snapshot as v; with_priv: read the private records; base:
 * LIEN_EUNSUPPORTED: no reader here (one core, turned off, the
 * store moved on): the caller walks v itself; LIEN_ENOMEM, a view's
 * error. */
enum lien_status rg_pipe_start(struct ledger *l, struct ledger_view *v,
    uint64_t from, int with_priv, struct rg_pipe **out)
    LIEN_MUST_CHECK;
/* The next entry, in order (borrowed until rg_pipe_done). LIEN_ENOTFOUND
 * after the last; else the walk's error (ledger_view_foreach_entry's:
 * LIEN_ECORRUPT for a damaged bundle), after every entry before it. */
enum lien_status rg_pipe_next(struct rg_pipe *pp, struct rg_pipe_item **out)
    LIEN_MUST_CHECK;
/* Done with the item rg_pipe_next gave: frees what is left in it. */
void rg_pipe_done(struct rg_pipe *pp, struct rg_pipe_item *it);
/* Stop the reader (wherever it is), join it, free everything; NULL: a
 * no-op. */
void rg_pipe_stop(struct rg_pipe *pp);

/* The 64-hex vehicle key of p ("vehicle"), NULL if absent. */
const char *rg_vehicle(const json_t *p);

#endif
