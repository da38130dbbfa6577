/*
 * The registration state hand-over at a log key rotation (docs/key-rotation.md
 * "State hand-over", entry type 25). A successor log starts from its
 * predecessor's final registration state: in the transaction of the
 * hand-over entry the sequencer copies the old store's derived state into
 * the new store, and the entry commits to what was copied:
 *
 *   {"v":1,"step":"state_handover","prev_origin","prev_size","prev_root",
 *    "base","records","state"}
 *
 * prev_* name the old log's final checkpoint (entry 0 of the new log holds
 * it byte for byte, type prev_log); state is the digest of the inherited
 * records (registry_handover_copy); base is where this log's application
 * ids start (the old log's base + its final size), so an id never names
 * two applications across the chain of logs.
 *
 * What is inherited, public (in the digest): parties (filed banks,
 * officers, keys and their statuses), vehicles (records, liens,
 * restrictions, and through them the lien-status map), applications, and
 * the public index (queues, pending releases, erasure tombstones).
 * Private (docs/privacy.md; copied outside the digest, which is public):
 * the private state (the bank, owner reference and contract reference of
 * each application, vehicles' owner references, contract and pending
 * indexes, anomaly windows and counters, their expiry queue) and the
 * subject keys (wrapped under the same master key, which the successor
 * must use). What is not: remembered nonces and idempotency keys (they
 * name entries of the old log, so a "retry" answered from them would
 * point into the wrong tree; a request the old log logged is a new action
 * in the new one) with their expiry records, the statistics' running
 * totals (the new log's statistics count its own applications), private
 * records and sealed evidence (they stay in the old store:
 * docs/key-rotation.md).
 *
 * The same copy runs in the sequencer (registry_handover_build, called by
 * `lienlog genesis --prev-data`) and in the audit (registry_replay_audit
 * with the previous store), so both derive the same state and digest.
 */
#include "registry/registry_int.h"
#include "registry/jpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/rd.h"

#define HANDOVER_TAG "lienlog-state-v1"

/* Inherited public tables, in digest order. */
static const enum ledger_table handover_tables[] = {
	LEDGER_T_PARTIES, LEDGER_T_VEHICLES, LEDGER_T_APPS, LEDGER_T_INDEX,
};
/* ... and private ones, outside the digest. */
static const enum ledger_table handover_private[] = {
	LEDGER_T_PSTATE, LEDGER_T_KEYS, LEDGER_T_SUBJECTS, LEDGER_T_PAPPS,
	LEDGER_T_NOTICES, LEDGER_T_EXPIRY, LEDGER_T_VPRIVATE, LEDGER_T_VWINDOW,
};

struct copy_ctx {
	struct ledger_state *st;	/* destination */
	enum ledger_table tb;
	int in_digest;
	uint8_t digest[HASH_LEN];	/* running digest */
	uint64_t n;
	enum lien_status rc;
};

static void
put32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

/* The nonce expiry records (EXPIRY: be64 u8(NONCES) key): they would
 * delete records the new store does not have. The statistics' running
 * totals (PSTATE "st/", registry/stats_agg.c): the statistics of a log
 * count the applications submitted in it, never the inherited ones
 * (registry/stats.c), so the successor's totals start from zero. */
static int
skipped(enum ledger_table tb, const uint8_t *k, size_t kl)
{
	return (tb == LEDGER_T_EXPIRY && kl >= 9 &&
	    k[8] == (uint8_t)LEDGER_T_NONCES) ||
	    (tb == LEDGER_T_PSTATE && kl >= 3 && memcmp(k, "st/", 3) == 0);
}

static int
copy_one(void *ctxp, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	struct copy_ctx *c = ctxp;
	uint8_t hdr[1 + 4 + 4], next[HASH_LEN];
	uint8_t *text = NULL;
	size_t tl = vl;
	json_t *veh = NULL;

	if (skipped(c->tb, k, kl))
		return 0;
	if (kl > UINT32_MAX || vl > UINT32_MAX) {
		c->rc = LIEN_ECORRUPT;
		return 1;
	}
	if (!c->in_digest)
		return (c->rc = ledger_state_put(c->st, c->tb, k, kl, v,
		    vl)) != LIEN_OK;
	/* digest_i = SHA-256(digest_{i-1} || u8 table || be32 klen || key ||
	 * be32 vlen || value), the value as canonical JSON text: a packed
	 * record (store v17, registry/jpack.h) is hashed as the text it
	 * decodes to, so the digest does not depend on the store format */
	if (jpack_is_packed(v, vl)) {
		if ((c->rc = jpack_decode(v, vl, &text, &tl)) != LIEN_OK)
			return 1;
		if (tl > UINT32_MAX) {
			free(text);
			c->rc = LIEN_ECORRUPT;
			return 1;
		}
	}
	hdr[0] = (uint8_t)c->tb;
	put32(hdr + 1, (uint32_t)kl);
	put32(hdr + 5, (uint32_t)tl);
	{
		struct hash_part all[5] = {
			{ c->digest, HASH_LEN }, { hdr, 5 }, { k, kl },
			{ hdr + 5, 4 }, { text != NULL ? text : v, tl },
		};

		hash_sha256_parts(all, 5, next);
	}
	free(text);
	memcpy(c->digest, next, HASH_LEN);
	c->n++;
	if ((c->rc = ledger_state_put(c->st, c->tb, k, kl, v, vl)) !=
	    LIEN_OK)
		return 1;
	if (c->tb == LEDGER_T_VEHICLES) {
		/* the lien-status map follows the vehicles (registry/
		 * status.c): the record is copied as stored, its fuller
		 * commitment included, so no fold */
		if (registry_record_parse(v, vl, &veh) != LIEN_OK) {
			c->rc = LIEN_ECORRUPT;
			return 1;
		}
		c->rc = rg_status_update(c->st, (const char *)k, kl, veh);
		json_decref(veh);
		if (c->rc != LIEN_OK)
			return 1;
	}
	return 0;
}

enum lien_status
registry_handover_copy(struct ledger_view *prev, struct ledger_state *st,
    int copy_private, uint8_t digest[HASH_LEN], uint64_t *nrecords)
{
	static const char tag[] = HANDOVER_TAG;	/* with its NUL */
	struct copy_ctx c;
	enum lien_status rc;

	memset(&c, 0, sizeof(c));
	c.st = st;
	hash_sha256(tag, sizeof(tag), c.digest);
	c.in_digest = 1;
	for (size_t i = 0; i < sizeof(handover_tables) /
	    sizeof(handover_tables[0]); i++) {
		c.tb = handover_tables[i];
		c.rc = LIEN_OK;
		rc = ledger_view_state_scan(prev, c.tb, NULL, 0, copy_one, &c);
		if (rc == LIEN_OK)
			rc = c.rc;
		if (rc != LIEN_OK)
			return rc;
	}
	memcpy(digest, c.digest, HASH_LEN);
	*nrecords = c.n;
	c.in_digest = 0;
	for (size_t i = 0; copy_private && i < sizeof(handover_private) /
	    sizeof(handover_private[0]); i++) {
		c.tb = handover_private[i];
		c.rc = LIEN_OK;
		rc = ledger_view_state_scan(prev, c.tb, NULL, 0, copy_one, &c);
		if (rc == LIEN_OK)
			rc = c.rc;
		if (rc != LIEN_OK)
			return rc;
	}
	return LIEN_OK;
}

enum lien_status
rg_base_get(struct ledger_state *st, uint64_t *base)
{
	const uint8_t *v;
	size_t n;
	enum lien_status rc;

	*base = 0;
	rc = ledger_state_get(st, LEDGER_T_INDEX, RG_KEY_BASE,
	    sizeof(RG_KEY_BASE) - 1, &v, &n);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (rc != LIEN_OK)
		return rc;
	if (n != 8)
		return LIEN_ECORRUPT;
	*base = be64_get(v);
	return LIEN_OK;
}

enum lien_status
rg_app_value(struct ledger_state *st, uint64_t index, uint64_t *out)
{
	uint64_t base;
	enum lien_status rc = rg_base_get(st, &base);

	*out = 0;
	if (rc != LIEN_OK)
		return rc;
	if (index >= REG_INDEX_MAX || base >= REG_INDEX_MAX - index)
		return LIEN_ECORRUPT;	/* as entry times beyond 2^52 */
	*out = base + index;
	return LIEN_OK;
}

enum lien_status
registry_base(struct ledger_view *v, uint64_t *base)
{
	const uint8_t *p;
	size_t n;
	enum lien_status rc;

	*base = 0;
	rc = ledger_view_state_get(v, LEDGER_T_INDEX, RG_KEY_BASE,
	    sizeof(RG_KEY_BASE) - 1, &p, &n);
	if (rc == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (rc != LIEN_OK)
		return rc;
	if (n != 8)
		return LIEN_ECORRUPT;
	*base = be64_get(p);
	return LIEN_OK;
}

/* Nothing registered yet: the hand-over is the first registry step. */
static enum lien_status LIEN_MUST_CHECK
state_empty(struct ledger_state *st)
{
	static const enum ledger_table tbs[] = { LEDGER_T_PARTIES,
		LEDGER_T_VEHICLES, LEDGER_T_APPS, LEDGER_T_INDEX,
		LEDGER_T_PSTATE, LEDGER_T_KEYS, LEDGER_T_SUBJECTS,
		LEDGER_T_PAPPS, LEDGER_T_NOTICES, LEDGER_T_EXPIRY, LEDGER_T_VPRIVATE,
		LEDGER_T_VWINDOW };
	const uint8_t *k, *v;
	size_t kl, vl;

	for (size_t i = 0; i < sizeof(tbs) / sizeof(tbs[0]); i++) {
		enum lien_status rc = ledger_state_seek(st, tbs[i], NULL, 0,
		    &k, &kl, &v, &vl);

		if (rc == LIEN_OK)
			return LIEN_ECONFLICT;
		if (rc != LIEN_ENOTFOUND)
			return rc;
	}
	return LIEN_OK;
}

static json_t *
payload_new(const struct reg_handover *h, uint64_t base,
    const uint8_t digest[HASH_LEN], uint64_t n)
{
	json_t *p = json_object();

	if (p == NULL || rg_set(p, "v", json_integer(1)) ||
	    rg_set(p, "step", json_string("state_handover")) ||
	    rg_set(p, "prev_origin", rg_jstrn(h->prev_origin,
	    h->prev_origin_len)) ||
	    rg_set(p, "prev_size", json_integer((json_int_t)h->prev_size)) ||
	    rg_set(p, "prev_root", rg_jhex(h->prev_root, HASH_LEN)) ||
	    rg_set(p, "base", json_integer((json_int_t)base)) ||
	    rg_set(p, "records", json_integer((json_int_t)n)) ||
	    rg_set(p, "state", rg_jhex(digest, HASH_LEN))) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/* The old store's own base: where its application ids started. */
static enum lien_status LIEN_MUST_CHECK
handover_bases(const struct reg_handover *h, uint64_t *base)
{
	uint64_t prev_base;
	enum lien_status rc = registry_base(h->prev, &prev_base);

	if (rc != LIEN_OK)
		return rc;
	if (h->prev_size > REG_INDEX_MAX || prev_base > REG_INDEX_MAX -
	    h->prev_size)
		return LIEN_ERANGE;
	*base = prev_base + h->prev_size;
	return LIEN_OK;
}

enum lien_status
registry_handover_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	struct reg_handover *h = arg;
	json_t *p = NULL;
	uint8_t k[8];
	enum lien_status rc;

	(void)index;
	(void)time_ms;
	*out_len = 0;
	h->refusal = NULL;
	if (h->prev == NULL || h->prev_origin == NULL)
		return LIEN_EINVAL;
	if ((rc = state_empty(st)) != LIEN_OK) {
		if (rc == LIEN_ECONFLICT)
			h->refusal = "handover_not_first";
		return rc;
	}
	if ((rc = handover_bases(h, &h->base)) != LIEN_OK)
		return rc;
	/* ---- decided: from here on, writes ---- */
	if ((rc = registry_handover_copy(h->prev, st, 1, h->state,
	    &h->records)) != LIEN_OK)
		return rc;
	be64_put(k, h->base);
	if ((rc = ledger_state_put(st, LEDGER_T_INDEX, RG_KEY_BASE,
	    sizeof(RG_KEY_BASE) - 1, k, 8)) != LIEN_OK)
		return rc;
	if ((p = payload_new(h, h->base, h->state, h->records)) == NULL)
		return LIEN_ENOMEM;
	rc = jcs_write(p, out, cap, out_len);
	json_decref(p);
	return rc;
}

enum lien_status
registry_handover_apply(struct ledger_state *st, const uint8_t *payload,
    size_t len, const struct reg_handover *h, const char **reason)
{
	json_t *p = NULL, *want = NULL;
	uint8_t digest[HASH_LEN], k[8];
	uint64_t n, base;
	char *a = NULL, *b = NULL;
	size_t al, bl;
	enum lien_status rc;

	*reason = NULL;
	if (h->prev == NULL) {
		*reason = "previous_store_needed";
		return LIEN_EINVAL;
	}
	if (jcs_parse_canonical(payload, len, &p) != LIEN_OK) {
		*reason = "payload_invalid";
		return LIEN_ECORRUPT;
	}
	if ((rc = state_empty(st)) != LIEN_OK) {
		*reason = rc == LIEN_ECONFLICT ? "handover_not_first" : NULL;
		goto out;
	}
	if ((rc = handover_bases(h, &base)) != LIEN_OK)
		goto out;
	if ((rc = registry_handover_copy(h->prev, st, h->copy_private, digest,
	    &n)) != LIEN_OK)
		goto out;
	/* the whole payload must be what the copy of this previous store
	 * gives, byte for byte */
	if ((want = payload_new(h, base, digest, n)) == NULL) {
		rc = LIEN_ENOMEM;
		goto out;
	}
	if ((rc = jcs_serialize(p, &a, &al)) != LIEN_OK ||
	    (rc = jcs_serialize(want, &b, &bl)) != LIEN_OK)
		goto out;
	if (al != bl || memcmp(a, b, al) != 0) {
		*reason = "state_differs";
		rc = LIEN_ECORRUPT;
		goto out;
	}
	be64_put(k, base);
	rc = ledger_state_put(st, LEDGER_T_INDEX, RG_KEY_BASE,
	    sizeof(RG_KEY_BASE) - 1, k, 8);
out:
	free(a);
	free(b);
	json_decref(p);
	json_decref(want);
	return rc;
}
