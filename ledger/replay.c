/*
 * Replay support: walk the entries in order, and a scratch store to
 * rebuild derived state into, then compare with the stored state.
 *
 * The scratch store is a second LMDB environment with the same tables, in
 * a temporary directory: the replay then runs through exactly the same
 * ledger_state_* calls as the sequencer, so "replaying the log yields the
 * stored state" is checked with the real transition code, not a model.
 */
#include "ledger/ledger_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/rd.h"

enum lien_status
ledger_view_foreach_entry(struct ledger_view *v, uint64_t from,
    int (*fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len),
    void *ctx)
{
	uint64_t n = v->size, i = from;
	const uint8_t *p;
	size_t len;
	enum lien_status st;

	/* Whole bundles: one lookup and inflate, then a sequential walk. */
	while (i < n && i / TILE_WIDTH < n / TILE_WIDTH) {
		const uint8_t *bun;
		size_t bun_len;
		struct rd r;

		if ((st = view_bundle_body(v, &v->bundle, i / TILE_WIDTH, &bun,
		    &bun_len)) != LIEN_OK)
			return st;
		rd_init(&r, bun, bun_len);
		for (uint64_t k = 0; k < TILE_WIDTH; k++) {
			uint16_t elen;

			if (rd_u16be(&r, &elen) != LIEN_OK ||
			    rd_take(&r, elen, &p) != LIEN_OK)
				return LIEN_ECORRUPT;
			if (i / TILE_WIDTH * TILE_WIDTH + k < i)
				continue;
			v->reads++;
			if (fn(ctx, i, p, elen) != 0)
				return LIEN_OK;
			i++;
		}
	}
	for (; i < n; i++) {
		if ((st = ledger_view_entry(v, i, &p, &len)) != LIEN_OK)
			return st;
		v->reads++;
		if (fn(ctx, i, p, len) != 0)
			return LIEN_OK;
	}
	return LIEN_OK;
}

/* The first (at most) KEY_SHOWN bytes of a differing key, in hex. */
#define KEY_SHOWN 48u

static void
hex_key(char out[HEX_LEN(KEY_SHOWN) + 1], const uint8_t *k, size_t len)
{
	hex_encode(k, len < KEY_SHOWN ? len : KEY_SHOWN, out);
}

static const char *
table_name(unsigned tb)
{
	static const char *const names[LEDGER_T_COUNT] = {
		"apps", "vehicles", "parties", "nonces", "idem", "sealed",
		"index", "private", "pstate", "keys", "papps", "notices",
		"expiry", "subjects", "vprivate", "vwindow"
	};

	return tb < LEDGER_T_COUNT ? names[tb] : "?";
}

/* Keys a tracked replay wrote: records of u8 table, u16 length, key, each
 * key once. An incremental audit's replay writes ~16 records per entry,
 * most of them to keys it wrote before (a vehicle, an application, the
 * statistics' totals, the counters), and every key is compared once at
 * the end: noting it once here (a hash set of the records' offsets) keeps
 * the list to the keys themselves, where sorting all the writes and
 * skipping the repeats cost 6% of an incremental audit's CPU (perf, 10^5
 * entries on a 10^6 store). */
struct touch_slot {
	uint64_t off1;		/* the record's offset + 1; 0: empty */
	uint64_t hash;
};

struct ledger_touch {
	uint8_t *buf;
	size_t len, cap;
	uint64_t count;
	struct touch_slot *set;
	size_t set_cap;		/* a power of two, or 0 */
};

/* Eight bytes a step, then a finaliser that spreads every input bit over
 * the low bits the set indexes by: the keys are 8 to ~70 bytes, ~16 of
 * them per replayed entry, and FNV's byte a step was 3.5% of an
 * incremental audit's replay thread (perf, 10^5 entries on a 10^5 store).
 * Not keyed: the keys are the audited log's own, and a flood of collisions
 * costs the auditor time, never a wrong verdict (ledger_touch_add_hinted
 * compares whole keys). */
static uint64_t
touch_hash(unsigned tb, const uint8_t *k, size_t kl)
{
	const uint64_t m = 0x9e3779b97f4a7c15u;
	uint64_t h = (kl ^ (uint64_t)tb << 32) * m, w;
	size_t i = 0;

	for (; kl - i >= 8; i += 8) {
		memcpy(&w, k + i, 8);
		h = (h ^ w) * m;
		h ^= h >> 32;
	}
	if (i < kl) {
		w = 0;
		memcpy(&w, k + i, kl - i);
		h = (h ^ w) * m;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h;
}

/* Double the set (or make it), placing every noted record again. */
static enum lien_status
touch_grow(struct ledger_touch *t)
{
	size_t cap = t->set_cap ? t->set_cap * 2 : 1u << 12;
	struct touch_slot *ns = calloc(cap, sizeof *ns);

	if (ns == NULL)
		return LIEN_ENOMEM;
	for (size_t i = 0; i < t->set_cap; i++) {
		size_t j;

		if (t->set[i].off1 == 0)
			continue;
		for (j = t->set[i].hash & (cap - 1); ns[j].off1 != 0;
		    j = (j + 1) & (cap - 1))
			;
		ns[j] = t->set[i];
	}
	free(t->set);
	t->set = ns;
	t->set_cap = cap;
	return LIEN_OK;
}

uint64_t
ledger_touch_hint(const struct ledger_touch *t, unsigned tb, const void *key,
    size_t key_len)
{
	uint64_t h = touch_hash(tb, key, key_len);

	/* The set is tens of MB at 10^5 entries and its slots are read at
	 * random: the first probe's cache miss was 70% of noting a key
	 * (perf, 10^5 entries on a 10^6 store). Asked for here, it arrives
	 * while the caller writes the record. */
	if (t->set_cap > 0)
		__builtin_prefetch(&t->set[h & (t->set_cap - 1)]);
	return h;
}

enum lien_status
ledger_touch_add(struct ledger_touch *t, unsigned tb, const void *key,
    size_t key_len)
{
	return ledger_touch_add_hinted(t, touch_hash(tb, key, key_len), tb,
	    key, key_len);
}

enum lien_status
ledger_touch_add_hinted(struct ledger_touch *t, uint64_t h, unsigned tb,
    const void *key, size_t key_len)
{
	size_t need = 3 + key_len, j;

	if (key_len > 0xffffu)
		return LIEN_EINVAL;
	/* at most half full */
	if ((t->count + 1) * 2 > t->set_cap && touch_grow(t) != LIEN_OK)
		return LIEN_ENOMEM;
	for (j = h & (t->set_cap - 1); t->set[j].off1 != 0;
	    j = (j + 1) & (t->set_cap - 1)) {
		const uint8_t *r = t->buf + t->set[j].off1 - 1;

		if (t->set[j].hash == h && r[0] == tb &&
		    ((size_t)r[1] << 8 | r[2]) == key_len &&
		    memcmp(r + 3, key, key_len) == 0)
			return LIEN_OK;		/* noted before */
	}
	if (t->len + need > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1u << 16;
		uint8_t *nb;

		while (cap < t->len + need)
			cap *= 2;
		if ((nb = realloc(t->buf, cap)) == NULL)
			return LIEN_ENOMEM;
		t->buf = nb;
		t->cap = cap;
	}
	t->set[j].off1 = t->len + 1;
	t->set[j].hash = h;
	t->buf[t->len] = (uint8_t)tb;
	t->buf[t->len + 1] = (uint8_t)(key_len >> 8);
	t->buf[t->len + 2] = (uint8_t)key_len;
	memcpy(t->buf + t->len + 3, key, key_len);
	t->len += need;
	t->count++;
	return LIEN_OK;
}

struct ledger_scratch {
	struct ledger_touch touch;
	int track;
	struct store *st;
	struct ledger_state state;
	int open;
	int marked;	/* this txn holds a mark: commit it durably */
	/* The replayed status map: updates pending until the next state
	 * root, the tile cache, and its key count. */
	struct map_pending mpend;
	struct map_wcache *mcache;
	uint64_t nkeys;
	uint64_t mark_next, mark_note;	/* ledger_scratch_mark's, as of open */
	int has_mark;		/* the store holds a mark */
	int format_ok;		/* ... and LEDGER_SCRATCH_FORMAT */
	/* ledger_scratch_compact: digest tables read from base's snapshot */
	int compact;
	struct ledger_view *base;
};

/* u64be next, u64be keys, u64be note */
static const char SCRATCH_MARK[] = "replay";
/* LEDGER_SCRATCH_FORMAT, written with every mark of a compact store */
static const char SCRATCH_FORMAT_KEY[] = "format";

/* Table tb's records are digests in this scratch store. */
static int
sc_digested(const struct ledger_scratch *sc, unsigned tb)
{
	return sc->compact && tb < LEDGER_T_COUNT &&
	    (LEDGER_SCRATCH_DIGEST_TABLES >> tb & 1u);
}

/* The scratch's value (a, al) against the store's (b, bl) of table tb. */
static int
sc_equal(const struct ledger_scratch *sc, unsigned tb, const uint8_t *a,
    size_t al, const uint8_t *b, size_t bl)
{
	uint8_t d[LEDGER_SCRATCH_DIGEST_LEN];

	if (!sc_digested(sc, tb))
		return al == bl && memcmp(a, b, al) == 0;
	ledger_record_digest(b, bl, d);
	return al == sizeof d && memcmp(a, d, sizeof d) == 0;
}

enum lien_status
ledger_scratch_open(const char *dir, struct ledger_scratch **out)
{
	struct ledger_scratch *sc = calloc(1, sizeof *sc);
	enum lien_status st;

	*out = NULL;
	if (sc == NULL)
		return LIEN_ENOMEM;
	/* 64 GiB sparse map: far above any replayed state. */
	if ((st = store_open_scratch(dir, (uint64_t)64 << 30, &sc->st)) !=
	    LIEN_OK) {
		free(sc);
		return st;
	}
	{
		struct store_txn *t;
		const uint8_t *v;
		size_t len;

		if ((st = store_txn_begin(sc->st, 0, &t)) != LIEN_OK) {
			ledger_scratch_close(sc);
			return st;
		}
		st = store_get(t, STORE_META, SCRATCH_MARK,
		    sizeof SCRATCH_MARK - 1, &v, &len);
		if (st == LIEN_OK && len == 24) {
			sc->mark_next = be64_get(v);
			sc->nkeys = be64_get(v + 8);
			sc->mark_note = be64_get(v + 16);
			sc->has_mark = 1;
		} else if (st != LIEN_ENOTFOUND) {
			store_txn_abort(t);
			ledger_scratch_close(sc);
			return st == LIEN_OK ? LIEN_ECORRUPT : st;
		}
		st = store_get(t, STORE_META, SCRATCH_FORMAT_KEY,
		    sizeof SCRATCH_FORMAT_KEY - 1, &v, &len);
		sc->format_ok = st == LIEN_OK &&
		    len == sizeof LEDGER_SCRATCH_FORMAT - 1 &&
		    memcmp(v, LEDGER_SCRATCH_FORMAT, len) == 0;
		store_txn_abort(t);
	}
	/* A scratch map measures the map's steady state (bench_map): its
	 * cache starts with the GC's index filled (map_wcache_prefill). An
	 * audit's replay prunes instead (ledger_scratch_compact), which
	 * needs no index. */
	if ((st = map_wcache_create(MAP_CACHE_STRATA, &sc->mcache)) !=
	    LIEN_OK) {
		ledger_scratch_close(sc);
		return st;
	}
	map_wcache_prefill(sc->mcache, 1);
	*out = sc;
	return LIEN_OK;
}

enum lien_status
ledger_scratch_begin(struct ledger_scratch *sc, struct ledger_state **out)
{
	enum lien_status st;

	*out = NULL;
	if (sc->open)
		return LIEN_EINVAL;
	if ((st = store_txn_begin(sc->st, 1, &sc->state.t)) != LIEN_OK)
		return st;
	sc->state.wrote = 0;
	sc->marked = 0;
	sc->state.mp = &sc->mpend;
	sc->state.mcache = &sc->mcache;
	sc->state.nkeys = &sc->nkeys;
	sc->state.touch = sc->track ? &sc->touch : NULL;
	sc->state.digest_mask = sc->compact ? LEDGER_SCRATCH_DIGEST_TABLES : 0;
	sc->state.base = sc->compact ? sc->base->t : NULL;
	sc->state.vmemo_on = sc->compact;
	sc->state.vmemo.state = 0;
	/* packs are the txn's: forget the last one (its buffer stays) */
	sc->state.pack[0].valid = sc->state.pack[1].valid = 0;
	/* the read cache holds this transaction's records only */
	if (sc->state.rcache == NULL &&
	    (st = ledger_rcache_create(&sc->state.rcache)) != LIEN_OK) {
		store_txn_abort(sc->state.t);
		return st;
	}
	ledger_rcache_reset(sc->state.rcache);
	sc->open = 1;
	*out = &sc->state;
	return LIEN_OK;
}

enum lien_status
ledger_scratch_commit(struct ledger_scratch *sc, struct ledger_state *st)
{
	if (!sc->open || st != &sc->state)
		return LIEN_EINVAL;
	sc->open = 0;
	/* A mark is a point a later run resumes from: it must survive a
	 * crash with the state it names. Other commits only bound a txn. */
	return sc->marked ? store_txn_commit_sync(sc->state.t) :
	    store_txn_commit(sc->state.t);
}

/* The cursor's record (st: the status of the cursor move that reached
 * it) as table tb's: for the vehicle tables, the pointer records that
 * name a record of tb, their values replaced by that record, so the
 * comparison is by vehicle key and record, whatever seqs each store's
 * appends gave (ledger/vehicle_state.c). */
static enum lien_status
cmp_step(struct store_txn *t, struct store_cursor *c, enum ledger_table tb,
    enum lien_status st, const uint8_t **k, size_t *kl, const uint8_t **v,
    size_t *vl)
{
	while (st == LIEN_OK && vstate_is(tb)) {
		enum lien_status d = vstate_deref(t, tb, *v, *vl, v, vl);

		if (d != LIEN_ENOTFOUND)
			return d;
		st = store_cursor_next(c, k, kl, v, vl);
	}
	return st;
}

enum lien_status
ledger_scratch_compare(struct ledger_scratch *sc, struct ledger_view *v,
    enum ledger_table tb, char *why, size_t why_cap)
{
	struct store_txn *t = NULL;
	struct store_cursor *a = NULL, *b = NULL;
	const uint8_t *ak, *av, *bk, *bv;
	size_t akl, avl, bkl, bvl;
	enum lien_status sa, sb, st;
	char hex[HEX_LEN(KEY_SHOWN) + 1];

	enum store_table ct;

	if ((unsigned)tb >= LEDGER_T_COUNT || sc->open)
		return LIEN_EINVAL;
	ct = vstate_is(tb) ? vstate_index_table() :
	    (enum store_table)(STORE_STATE0 + tb);
	if ((st = store_txn_begin(sc->st, 0, &t)) != LIEN_OK)
		return st;
	if ((st = store_cursor_open(t, ct, &a)) != LIEN_OK ||
	    (st = store_cursor_open(v->t, ct, &b)) != LIEN_OK)
		goto out;
	sa = cmp_step(t, a, tb, store_cursor_seek(a, NULL, 0, &ak, &akl, &av,
	    &avl), &ak, &akl, &av, &avl);
	sb = cmp_step(v->t, b, tb, store_cursor_seek(b, NULL, 0, &bk, &bkl,
	    &bv, &bvl), &bk, &bkl, &bv, &bvl);
	for (;;) {
		if (sa == LIEN_ENOTFOUND && sb == LIEN_ENOTFOUND) {
			st = LIEN_OK;
			break;
		}
		if ((sa != LIEN_OK && sa != LIEN_ENOTFOUND) ||
		    (sb != LIEN_OK && sb != LIEN_ENOTFOUND)) {
			st = sa != LIEN_OK && sa != LIEN_ENOTFOUND ? sa : sb;
			break;
		}
		st = LIEN_ECORRUPT;
		if (sb == LIEN_ENOTFOUND) {
			hex_key(hex, ak, akl);
			snprintf(why, why_cap, "state table %s: replay yields "
			    "key %s, which the store lacks", table_name(tb), hex);
			break;
		}
		if (sa == LIEN_ENOTFOUND || akl != bkl ||
		    memcmp(ak, bk, akl) != 0) {
			hex_key(hex, bk, bkl);
			snprintf(why, why_cap, "state table %s: store holds key "
			    "%s, which the replay does not yield (or in another "
			    "order)", table_name(tb), hex);
			break;
		}
		if (!sc_equal(sc, tb, av, avl, bv, bvl)) {
			hex_key(hex, ak, akl);
			snprintf(why, why_cap, "state table %s: key %s: stored "
			    "value differs from the replayed value", table_name(tb),
			    hex);
			break;
		}
		sa = cmp_step(t, a, tb, store_cursor_next(a, &ak, &akl, &av,
		    &avl), &ak, &akl, &av, &avl);
		sb = cmp_step(v->t, b, tb, store_cursor_next(b, &bk, &bkl, &bv,
		    &bvl), &bk, &bkl, &bv, &bvl);
	}
out:
	store_cursor_close(a);
	store_cursor_close(b);
	store_txn_abort(t);
	return st;
}

enum lien_status
ledger_scratch_mark(struct ledger_scratch *sc, uint64_t next, uint64_t note)
{
	uint8_t v[24];

	if (!sc->open)
		return LIEN_EINVAL;
	be64_put(v, next);
	be64_put(v + 8, sc->nkeys);
	be64_put(v + 16, note);
	sc->marked = 1;
	if (sc->compact) {
		enum lien_status st = store_put(sc->state.t, STORE_META,
		    SCRATCH_FORMAT_KEY, sizeof SCRATCH_FORMAT_KEY - 1,
		    LEDGER_SCRATCH_FORMAT, sizeof LEDGER_SCRATCH_FORMAT - 1, 0);

		if (st != LIEN_OK)
			return st;
	}
	return store_put(sc->state.t, STORE_META, SCRATCH_MARK,
	    sizeof SCRATCH_MARK - 1, v, sizeof v, 0);
}

enum lien_status
ledger_scratch_compact(struct ledger_scratch *sc, struct ledger_view *base)
{
	enum lien_status st;

	if (sc->open || base == NULL)
		return LIEN_EINVAL;
	/* A kept store of the earlier format holds whole records where
	 * this one expects digests (and a map with garbage in it). */
	if (sc->has_mark && !sc->format_ok)
		return LIEN_EUNSUPPORTED;
	if (sc->mcache == NULL &&
	    (st = map_wcache_create(MAP_CACHE_STRATA, &sc->mcache)) != LIEN_OK)
		return st;
	map_wcache_prune(sc->mcache, 1);
	sc->compact = 1;
	sc->base = base;
	memset(&sc->state.bad, 0, sizeof sc->state.bad);
	return LIEN_OK;
}

int
ledger_scratch_bad(const struct ledger_scratch *sc, char *why,
    size_t why_cap)
{
	const struct ledger_state_bad *b = &sc->state.bad;
	char hex[HEX_LEN(KEY_SHOWN) + 1];

	if (!b->set)
		return 0;
	hex_key(hex, b->key, b->key_len);
	snprintf(why, why_cap, "state table %s: key %s: the store holds "
	    "another record than the replay wrote (by its digest), or none",
	    table_name(b->tb), hex);
	return 1;
}

enum lien_status
ledger_scratch_map_prove(struct ledger_scratch *sc, const uint8_t key[32],
    struct map_proof *out)
{
	struct store_txn *t;
	enum lien_status st;

	if (sc->open)
		return LIEN_EINVAL;
	if ((st = store_txn_begin(sc->st, 0, &t)) != LIEN_OK)
		return st;
	st = map_txn_prove(t, key, out);
	store_txn_abort(t);
	return st;
}

uint64_t
ledger_scratch_next(const struct ledger_scratch *sc, uint64_t *note)
{
	if (note != NULL)
		*note = sc->mark_note;
	return sc->mark_next;
}

uint64_t
ledger_scratch_commits(const struct ledger_scratch *sc)
{
	return store_last_txnid(sc->st);
}

/* LMDB's default key order: bytes, then the shorter first. */
static int
key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c != 0 ? c : (al > bl) - (al < bl);
}

enum lien_status
ledger_scratch_compare_map(struct ledger_scratch *sc, struct ledger_view *v,
    char *why, size_t why_cap)
{
	struct store_txn *t = NULL;
	enum lien_status st;

	if (sc->open)
		return LIEN_EINVAL;
	if ((st = store_txn_begin(sc->st, 0, &t)) != LIEN_OK)
		return st;
	/* Logical, not record for record: generations differ between the
	 * store and the replay (ledger/map_store.h). */
	st = map_txn_compare(t, v->t, why, why_cap);
	store_txn_abort(t);
	return st;
}

void
ledger_scratch_map_prof(const struct ledger_scratch *sc,
    struct ledger_map_prof *out)
{
	map_wcache_prof(sc->mcache, out);
}

void
ledger_scratch_close(struct ledger_scratch *sc)
{
	if (sc == NULL)
		return;
	if (sc->open)
		store_txn_abort(sc->state.t);
	store_close(sc->st);
	ledger_state_packs_free(&sc->state);
	ledger_rcache_free(sc->state.rcache);
	free(sc->touch.buf);
	free(sc->touch.set);
	map_pending_free(&sc->mpend);
	map_wcache_free(sc->mcache);
	free(sc);
}

void
ledger_scratch_track(struct ledger_scratch *sc, int on)
{
	sc->track = on;
}

uint64_t
ledger_scratch_touched(const struct ledger_scratch *sc)
{
	return sc->touch.count;
}

/* Sort by table then key in LMDB's order: x and y start with a pointer
 * to a touch record (u8 table, u16 length, key). */
static int
touch_cmp(const void *x, const void *y)
{
	const uint8_t *a = *(const uint8_t *const *)x;
	const uint8_t *b = *(const uint8_t *const *)y;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return key_cmp(a + 3, (size_t)a[1] << 8 | a[2], b + 3,
	    (size_t)b[1] << 8 | b[2]);
}

/* The record under exactly key, through a cursor kept across lookups:
 * LMDB's cursor search first tries the page the cursor is on, so keys
 * looked up in order mostly skip the descent from the root. */
static enum lien_status
seek_exact(struct store_cursor *c, const uint8_t *key, size_t kl,
    const uint8_t **v, size_t *vl)
{
	const uint8_t *k;
	size_t k_len;
	enum lien_status st = store_cursor_seek(c, key, kl, &k, &k_len, v, vl);

	if (st == LIEN_OK && (k_len != kl || memcmp(k, key, kl) != 0))
		st = LIEN_ENOTFOUND;
	return st;
}

/* The store's half of the comparison (ledger_scratch_touched_read): the
 * noted keys in key order, and for each the view's record (its digest
 * for a digest table: sc_equal) or that there is none. */
struct touched_side {
	const uint8_t *r;	/* the touch record: u8 table, u16 length, key */
	const uint8_t *bv;	/* the view's value (not for a digest table) */
	size_t bvl;
	enum lien_status sb;	/* LIEN_OK, LIEN_ENOTFOUND; else the error */
	uint8_t d[LEDGER_SCRATCH_DIGEST_LEN];	/* a digest table's */
};

struct ledger_touched {
	struct touched_side *s;
	size_t n;
	enum lien_status rc;	/* the read's own failure (not a finding) */
};

void
ledger_touched_free(struct ledger_touched *tr)
{
	if (tr == NULL)
		return;
	free(tr->s);
	free(tr);
}

/* Look key up in the view's table tb, through the cursor kept in *c for
 * table *open_tb (seek_exact). */
static enum lien_status
side_get(struct store_txn *t, struct store_cursor **c, unsigned *open_tb,
    unsigned tb, const uint8_t *key, size_t kl, const uint8_t **v,
    size_t *vl)
{
	enum lien_status st;

	if (vstate_is((enum ledger_table)tb))	/* by key through the
						 * pointers: cmp_step */
		return vstate_get(t, (enum ledger_table)tb, key, kl, v, vl);
	if (tb != *open_tb) {
		store_cursor_close(*c);
		*c = NULL;
		*open_tb = LEDGER_T_COUNT;
		if ((st = store_cursor_open(t, (enum store_table)(STORE_STATE0 +
		    tb), c)) != LIEN_OK)
			return st;
		*open_tb = tb;
	}
	return seek_exact(*c, key, kl, v, vl);
}

enum lien_status
ledger_scratch_touched_read(const struct ledger_scratch *sc,
    struct ledger_view *v, unsigned mask, struct ledger_touched **out)
{
	struct ledger_touched *tr;
	struct store_cursor *cb = NULL;
	size_t off = 0, n = 0;
	unsigned open_tb = LEDGER_T_COUNT;

	*out = NULL;
	if ((tr = calloc(1, sizeof *tr)) == NULL)
		return LIEN_ENOMEM;
	if (sc->touch.count > 0 && (tr->s = malloc((size_t)sc->touch.count *
	    sizeof *tr->s)) == NULL) {
		free(tr);
		return LIEN_ENOMEM;
	}
	/* In key order (each key is noted once: ledger_touch_add), so the
	 * lookups walk both B-trees in order (seek_exact). */
	while (off < sc->touch.len && n < sc->touch.count) {
		const uint8_t *r = sc->touch.buf + off;

		off += 3 + ((size_t)r[1] << 8 | r[2]);
		if (r[0] >= LEDGER_T_COUNT || !(mask >> r[0] & 1u))
			continue;
		tr->s[n++].r = r;
	}
	if (n > 1)
		qsort(tr->s, n, sizeof *tr->s, touch_cmp);
	tr->n = n;
	tr->rc = LIEN_OK;
	for (size_t i = 0; i < n; i++) {
		struct touched_side *e = &tr->s[i];
		unsigned tb = e->r[0];

		e->sb = side_get(v->t, &cb, &open_tb, tb, e->r + 3,
		    (size_t)e->r[1] << 8 | e->r[2], &e->bv, &e->bvl);
		if (e->sb != LIEN_OK && e->sb != LIEN_ENOTFOUND) {
			/* the comparison stops here, as it would have */
			tr->rc = e->sb;
			tr->n = i + 1;
			break;
		}
		if (e->sb == LIEN_OK && sc_digested(sc, tb))
			ledger_record_digest(e->bv, e->bvl, e->d);
	}
	store_cursor_close(cb);
	*out = tr;
	return LIEN_OK;
}

enum lien_status
ledger_scratch_touched_check(struct ledger_scratch *sc,
    const struct ledger_touched *tr, char *why, size_t why_cap)
{
	struct store_txn *t = NULL;
	struct store_cursor *ca = NULL;
	char hex[HEX_LEN(KEY_SHOWN) + 1];
	enum lien_status st;
	unsigned open_tb = LEDGER_T_COUNT;

	if (sc->open)
		return LIEN_EINVAL;
	if ((st = store_txn_begin(sc->st, 0, &t)) != LIEN_OK)
		return st;
	for (size_t i = 0; i < tr->n; i++) {
		const struct touched_side *e = &tr->s[i];
		const uint8_t *key = e->r + 3, *av = NULL;
		unsigned tb = e->r[0];
		size_t kl = (size_t)e->r[1] << 8 | e->r[2], avl = 0;
		enum lien_status sa, sb = e->sb;
		int same;

		sa = side_get(t, &ca, &open_tb, tb, key, kl, &av, &avl);
		if ((sa != LIEN_OK && sa != LIEN_ENOTFOUND) ||
		    (sb != LIEN_OK && sb != LIEN_ENOTFOUND)) {
			st = sa != LIEN_OK && sa != LIEN_ENOTFOUND ? sa : sb;
			goto out;
		}
		if (sa != sb)
			same = 0;
		else if (sa == LIEN_ENOTFOUND)
			same = 1;
		else if (sc_digested(sc, tb))	/* as sc_equal */
			same = avl == sizeof e->d && memcmp(av, e->d,
			    sizeof e->d) == 0;
		else
			same = avl == e->bvl && memcmp(av, e->bv, avl) == 0;
		if (same)
			continue;
		hex_key(hex, key, kl);
		st = LIEN_ECORRUPT;
		snprintf(why, why_cap, "state table %s: key %s: %s",
		    table_name(tb), hex, sa == LIEN_ENOTFOUND ? "the store "
		    "holds a record the replay deleted" : sb == LIEN_ENOTFOUND ?
		    "the replay yields a record the store lacks" : "stored value "
		    "differs from the replayed value");
		goto out;
	}
	st = tr->rc;
out:
	store_cursor_close(ca);
	store_txn_abort(t);
	return st;
}

enum lien_status
ledger_scratch_compare_touched(struct ledger_scratch *sc,
    struct ledger_view *v, unsigned mask, char *why, size_t why_cap)
{
	struct ledger_touched *tr = NULL;
	enum lien_status st;

	if (sc->open)
		return LIEN_EINVAL;
	if ((st = ledger_scratch_touched_read(sc, v, mask, &tr)) != LIEN_OK)
		return st;
	st = ledger_scratch_touched_check(sc, tr, why, why_cap);
	ledger_touched_free(tr);
	return st;
}
