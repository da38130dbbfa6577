/*
 * The log: group-commit sequencer, read views, proofs, tiles, checkpoints.
 *
 * Appenders enqueue a `struct pending` (on their own stack) and sleep. One
 * sequencer thread takes every waiting request up to batch_max entries,
 * builds their envelopes (index, time, previous leaf hash), extends the
 * Merkle frontier, writes entries + completed tree nodes + the new tree
 * size + a freshly signed checkpoint in ONE LMDB write transaction, commits
 * it (fsync), and only then wakes the appenders. An appender therefore
 * never learns an index that a crash could take back: acknowledged implies
 * durable, and the checkpoint covering it is durable too.
 *
 * If a commit fails the sequencer reloads its in-memory state from the last
 * committed transaction, fails that batch's appenders, and carries on; if
 * even the reload fails the log stops accepting appends (fail-stop).
 *
 * Views are LMDB read transactions: a consistent snapshot that never blocks
 * the writer. Proofs come from merkle.c over view_node(), which reads the
 * stored complete-subtree hashes: O(log n) lookups, and a per-view cache of
 * tile records makes most of them free. A complete level-0 tile's leaf
 * hashes are not stored (docs/storage.md "Merkle hashes"): view_node
 * hashes such a leaf from its entry.
 */
#include "ledger/ledger_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rd.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "tlog/status.h"
#include "tlog/tiles.h"
#include "ledger/pack.h"
#include "ledger/writer_lock.h"

struct pending {
	const struct ledger_item *items;
	size_t n;
	struct ledger_receipt *out;
	enum lien_status st;
	int done;
	int freeze;		/* ledger_freeze: record the final size */
	uint64_t final_size;	/* out, for freeze */
	struct pending *next;
	/* Each waiter sleeps on its own condition variable, so a commit
	 * wakes exactly the appenders of its batch (a shared one would wake
	 * every waiter, most of them only to sleep again). */
	pthread_cond_t cv;
};

/* Mark p finished with st and wake its waiter. Called with l->mu held:
 * the waiter cannot return (and free p, which lives on its stack) before
 * the caller unlocks, so p->next must be read before calling this. */
static void
pending_finish(struct pending *p, enum lien_status st)
{
	p->st = st;
	p->done = 1;
	pthread_cond_signal(&p->cv);
}

/* Queue p (l->mu held) and sleep until the sequencer finishes it. */
static void
pending_wait(struct ledger *l, struct pending *p)
{
	if (l->tail)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	pthread_cond_signal(&l->cv_work);
	while (!p->done)
		pthread_cond_wait(&p->cv, &l->mu);
}

static const char META_FORMAT[] = "format";
static const char META_ORIGIN[] = "origin";
static const char META_SIZE[] = "size";
static const char META_VKEY[] = "vkey";
static const char META_FROZEN[] = "frozen";	/* u64be final size */
static const char META_STATEMAP[] = "statemap";	/* "on" or "off" */

/* The envelope clock: the opener's (ledger_config clock_ms) or the wall
 * clock's. */
static uint64_t
now_ms(const struct ledger *l)
{
	struct timespec ts;

	if (l->clock_ms != NULL)
		return l->clock_ms(l->clock_arg);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
tile_key(uint8_t key[9], unsigned tlevel, uint64_t tindex)
{
	key[0] = (uint8_t)tlevel;
	be64_put(key + 1, tindex);
}

enum lien_status
meta_size(struct store_txn *t, uint64_t *out)
{
	const uint8_t *v;
	size_t len;
	enum lien_status st = store_get(t, STORE_META, META_SIZE,
	    sizeof META_SIZE - 1, &v, &len);

	*out = 0;
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (len != 8)
		return LIEN_ECORRUPT;
	*out = be64_get(v);
	return LIEN_OK;
}

/* ---- Views ------------------------------------------------------------- */

/* Tile record (tl, ti) of the view's snapshot, cached a few ways per
 * level: *out borrowed (valid as long as the view), *skip the slots its
 * stored bytes do not begin with (TILE_WIDTH: a complete level-0 tile,
 * whose leaf hashes are its entries'; else 0). */
static enum lien_status LIEN_MUST_CHECK
view_tile_rec(struct ledger_view *v, unsigned tl, uint64_t ti,
    const uint8_t **out, unsigned *skip)
{
	uint8_t key[9];
	const uint8_t *val;
	size_t len;
	enum lien_status st;

	for (unsigned w = 0; w < VIEW_CACHE_WAYS; w++) {
		if (v->cache[tl][w].valid && v->cache[tl][w].index == ti) {
			*out = v->cache[tl][w].rec;
			*skip = v->cache[tl][w].skip;
			return LIEN_OK;
		}
	}
	tile_key(key, tl, ti);
	st = store_get(v->t, STORE_TILES, key, sizeof key, &val, &len);
	if (st == LIEN_ENOTFOUND)
		return LIEN_ECORRUPT;	/* the size says it must exist */
	if (st != LIEN_OK)
		return st;
	/* a complete level-0 tile is stored without its leaf hashes, every
	 * other tile whole: any other length is not this store's */
	*skip = tl == 0 && ti < v->size / TILE_WIDTH ? TILE_WIDTH : 0;
	if (len != (*skip > 0 ? TILE_REC0_LEN : TILE_REC_LEN))
		return LIEN_ECORRUPT;
	{
		unsigned w = v->cache_next[tl]++ % VIEW_CACHE_WAYS;

		v->cache[tl][w].valid = 1;
		v->cache[tl][w].index = ti;
		v->cache[tl][w].rec = val;
		v->cache[tl][w].skip = *skip;
	}
	*out = val;
	return LIEN_OK;
}

static enum lien_status view_bundle_begin(struct ledger_view *v,
    struct bundle_read *br, uint64_t b);

/* The leaf hash of entry index of a complete bundle, from the entry
 * (RFC 6962 2.1), read through the view's own bundle for leaves. */
static enum lien_status LIEN_MUST_CHECK
view_leaf_from_entry(struct ledger_view *v, uint64_t index,
    uint8_t out[HASH_LEN])
{
	const uint8_t *e;
	size_t len;
	enum lien_status st;

	if ((st = view_bundle_begin(v, &v->leaves, index / TILE_WIDTH)) !=
	    LIEN_OK || (st = bundle_read_entry(&v->leaves,
	    (unsigned)(index % TILE_WIDTH), &e, &len)) != LIEN_OK)
		return st;
	hash_leaf(e, len, out);
	return LIEN_OK;
}

/* view_node, or with stored_only a hash the store keeps
 * (view_node_stored). */
static enum lien_status LIEN_MUST_CHECK
view_node_at(struct ledger_view *v, unsigned level, uint64_t index,
    uint8_t out[HASH_LEN], int stored_only)
{
	const uint8_t *rec;
	unsigned tl, slot, skip;
	uint64_t ti;
	enum lien_status st;

	/* Only complete subtrees inside the snapshot are stored. */
	if (level >= 64 || index >= tiles_nodes_at(v->size, level))
		return LIEN_ERANGE;
	slot = tiles_rec_slot(level, index, &tl, &ti);
	if ((st = view_tile_rec(v, tl, ti, &rec, &skip)) != LIEN_OK)
		return st;
	if (slot < skip)	/* a leaf of a complete tile */
		return stored_only ? LIEN_ENOTFOUND :
		    view_leaf_from_entry(v, index, out);
	memcpy(out, rec + (size_t)(slot - skip) * HASH_LEN, HASH_LEN);
	return LIEN_OK;
}

enum lien_status
view_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	return view_node_at(ctx, level, index, out, 0);
}

enum lien_status
view_node_stored(struct ledger_view *v, unsigned level, uint64_t index,
    uint8_t out[HASH_LEN])
{
	return view_node_at(v, level, index, out, 1);
}

enum lien_status
ledger_view_open(struct ledger *l, struct ledger_view **out)
{
	struct ledger_view *v;
	enum lien_status st;

	*out = NULL;
	v = calloc(1, sizeof *v);
	if (v == NULL)
		return LIEN_ENOMEM;
	v->l = l;
	if ((st = store_txn_begin(l->st, 0, &v->t)) != LIEN_OK ||
	    (st = meta_size(v->t, &v->size)) != LIEN_OK) {
		ledger_view_close(v);
		return st;
	}
	*out = v;
	return LIEN_OK;
}

void
ledger_view_close(struct ledger_view *v)
{
	if (v == NULL)
		return;
	store_txn_abort(v->t);
	for (size_t i = 0; i < sizeof v->pack / sizeof v->pack[0]; i++) {
		free(v->pack[i].buf);
		pack_stream_free(v->pack[i].zs);
	}
	bundle_read_clear(&v->bundle);
	bundle_read_clear(&v->leaves);
	free(v);
}

uint64_t
ledger_view_size(const struct ledger_view *v)
{
	return v->size;
}

uint64_t
ledger_view_snapshot(const struct ledger_view *v)
{
	return store_txn_id(v->t);
}

static struct merkle_source
view_source(struct ledger_view *v)
{
	struct merkle_source src = { view_node, v };

	return src;
}

enum lien_status
ledger_view_root(struct ledger_view *v, uint64_t n, uint8_t out[HASH_LEN])
{
	struct merkle_source src = view_source(v);

	if (n > v->size)
		return LIEN_ERANGE;
	return merkle_root(&src, n, out);
}

enum lien_status
ledger_view_leaf_hash(struct ledger_view *v, uint64_t index,
    uint8_t out[HASH_LEN])
{
	if (index >= v->size)
		return LIEN_ERANGE;
	return view_node(v, 0, index, out);
}

/* Prefetch the stored hashes a proof along leaf i's path will read: the
 * sibling of every ancestor whose subtree is complete in a tree of size n.
 * Each sits in a different cache line of a large map, and merkle.c reads
 * them one after another; issuing all the loads first lets the misses
 * overlap (about 3x faster at 10^7 entries, bench/README.md). Purely a
 * hint: errors are ignored, the proof itself re-reads everything. */
static void
view_prefetch_path(struct ledger_view *v, uint64_t i, uint64_t n)
{
	for (unsigned k = 0; k < 64 && tiles_nodes_at(n, k) > 0; k++) {
		uint64_t sib = (i >> k) ^ 1u;
		const uint8_t *rec;
		unsigned tl, slot, skip;
		uint64_t ti;

		if (sib >= tiles_nodes_at(n, k))	/* incomplete or absent */
			continue;
		slot = tiles_rec_slot(k, sib, &tl, &ti);
		if (view_tile_rec(v, tl, ti, &rec, &skip) != LIEN_OK)
			return;
		if (slot >= skip)	/* (a leaf not stored: none) */
			__builtin_prefetch(rec + (size_t)(slot - skip) *
			    HASH_LEN);
	}
}

enum lien_status
ledger_view_prove_inclusion(struct ledger_view *v, uint64_t index,
    uint64_t n, uint8_t proof[][HASH_LEN], size_t *out_n)
{
	struct merkle_source src = view_source(v);

	*out_n = 0;
	if (n > v->size)
		return LIEN_ERANGE;
	if (index < n)
		view_prefetch_path(v, index, n);
	return merkle_prove_inclusion(&src, index, n, proof, out_n);
}

enum lien_status
ledger_view_prove_consistency(struct ledger_view *v, uint64_t m, uint64_t n,
    uint8_t proof[][HASH_LEN], size_t *out_n)
{
	struct merkle_source src = view_source(v);

	*out_n = 0;
	if (n > v->size)
		return LIEN_ERANGE;
	/* A consistency proof walks the path of the old tree's last leaf. */
	if (m > 0 && m <= n)
		view_prefetch_path(v, m - 1, n);
	return merkle_prove_consistency(&src, m, n, proof, out_n);
}

/* Bundle b (complete in v's snapshot) begun in br unless br holds it. */
static enum lien_status LIEN_MUST_CHECK
view_bundle_begin(struct ledger_view *v, struct bundle_read *br, uint64_t b)
{
	uint8_t key[8];
	const uint8_t *val;
	size_t len;
	enum lien_status st;

	if (br->valid && br->bundle == b)
		return LIEN_OK;
	be64_put(key, b);
	st = store_get(v->t, STORE_BUNDLES, key, 8, &val, &len);
	if (st != LIEN_OK)
		return st == LIEN_ENOTFOUND ? LIEN_ECORRUPT : st;
	return bundle_read_begin(br, b, val, len);
}

enum lien_status
view_bundle_body(struct ledger_view *v, struct bundle_read *br, uint64_t b,
    const uint8_t **body, size_t *body_len)
{
	enum lien_status st;

	*body = NULL;
	*body_len = 0;
	if ((st = view_bundle_begin(v, br, b)) != LIEN_OK)
		return st;
	return bundle_read_body(br, body, body_len);
}

enum lien_status
ledger_view_entry(struct ledger_view *v, uint64_t index, const uint8_t **out,
    size_t *out_len)
{
	uint8_t key[8];
	enum lien_status st;

	if (index >= v->size)
		return LIEN_ERANGE;
	if (index / TILE_WIDTH < v->size / TILE_WIDTH) {
		if ((st = view_bundle_begin(v, &v->bundle,
		    index / TILE_WIDTH)) != LIEN_OK)
			return st;
		return bundle_read_entry(&v->bundle,
		    (unsigned)(index % TILE_WIDTH), out, out_len);
	}
	be64_put(key, index);
	st = store_get(v->t, STORE_TAIL, key, 8, out, out_len);
	return st == LIEN_ENOTFOUND ? LIEN_ECORRUPT : st;
}

enum lien_status
ledger_view_tile(struct ledger_view *v, unsigned level, uint64_t index,
    unsigned w, uint8_t **out, size_t *out_len)
{
	const uint8_t *rec;
	unsigned skip;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	if (level >= TILE_LEVELS || w == 0 || w > TILE_WIDTH)
		return LIEN_ENOTFOUND;
	if (w > tiles_width_at((int)level, index, v->size))
		return LIEN_ENOTFOUND;
	if ((st = view_tile_rec(v, level, index, &rec, &skip)) != LIEN_OK)
		return st;
	/* Level kk = 0 of tile record (level, index) holds exactly the
	 * node-level 8*level hashes that C2SP tile <level>/<index> serves;
	 * a complete level-0 tile's are its entries' leaf hashes. */
	*out = malloc((size_t)w * HASH_LEN);
	if (*out == NULL)
		return LIEN_ENOMEM;
	for (unsigned k = 0; skip > 0 && k < w; k++)
		if ((st = view_leaf_from_entry(v, index * TILE_WIDTH + k,
		    *out + (size_t)k * HASH_LEN)) != LIEN_OK) {
			free(*out);
			*out = NULL;
			return st;
		}
	if (skip == 0)
		memcpy(*out, rec, (size_t)w * HASH_LEN);
	*out_len = (size_t)w * HASH_LEN;
	return LIEN_OK;
}

enum lien_status
ledger_view_bundle(struct ledger_view *v, uint64_t index, unsigned w,
    uint8_t **out, size_t *out_len)
{
	uint64_t first = index * TILE_WIDTH;
	size_t total = 0, off = 0;
	const uint8_t *p;
	size_t len;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	if (w == 0 || w > TILE_WIDTH || index > UINT64_MAX / TILE_WIDTH ||
	    w > tiles_width_at(0, index, v->size))
		return LIEN_ENOTFOUND;
	if (w == TILE_WIDTH && index < v->size / TILE_WIDTH) {
		/* a complete bundle: its body is what C2SP serves */
		if ((st = view_bundle_body(v, &v->bundle, index, &p,
		    &len)) != LIEN_OK)
			return st;
		if ((*out = malloc(len)) == NULL)
			return LIEN_ENOMEM;
		memcpy(*out, p, len);
		*out_len = len;
		return LIEN_OK;
	}
	/* Two passes: size, then copy. Views are snapshots, so both agree. */
	for (unsigned i = 0; i < w; i++) {
		if ((st = ledger_view_entry(v, first + i, &p, &len)) != LIEN_OK)
			return st;
		total += 2 + len;
	}
	*out = malloc(total);
	if (*out == NULL)
		return LIEN_ENOMEM;
	for (unsigned i = 0; i < w; i++) {
		if ((st = ledger_view_entry(v, first + i, &p, &len)) != LIEN_OK) {
			free(*out);
			*out = NULL;
			return st;
		}
		(*out)[off] = (uint8_t)(len >> 8);
		(*out)[off + 1] = (uint8_t)len;
		memcpy(*out + off + 2, p, len);
		off += 2 + len;
	}
	*out_len = total;
	return LIEN_OK;
}

enum lien_status
checkpoint_note_build(const char *origin, uint64_t n,
    const uint8_t root[HASH_LEN], const uint8_t *sigblock, size_t sig_len,
    char **out, size_t *out_len)
{
	char body[NOTE_NAME_MAX + 128];
	size_t body_len;
	enum lien_status st;

	*out = NULL;
	st = checkpoint_format(origin, strlen(origin), n, root, body,
	    sizeof body, &body_len);
	if (st != LIEN_OK)
		return st;
	/* signed-note: body, a blank line, the signature lines. */
	*out = malloc(body_len + 1 + sig_len + 1);
	if (*out == NULL)
		return LIEN_ENOMEM;
	memcpy(*out, body, body_len);
	(*out)[body_len] = '\n';
	memcpy(*out + body_len + 1, sigblock, sig_len);
	*out_len = body_len + 1 + sig_len;
	(*out)[*out_len] = '\0';
	return LIEN_OK;
}

enum lien_status
ledger_view_checkpoint(struct ledger_view *v, uint64_t n, char **out,
    size_t *out_len)
{
	uint8_t key[8], root[HASH_LEN];
	const uint8_t *sig;
	size_t sig_len;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	if (n > v->size || n == 0)
		return LIEN_ENOTFOUND;
	be64_put(key, n);
	if ((st = store_get(v->t, STORE_CHECKPOINTS, key, 8, &sig,
	    &sig_len)) != LIEN_OK)
		return st;
	if ((st = ledger_view_root(v, n, root)) != LIEN_OK)
		return st;
	return checkpoint_note_build(v->l->origin, n, root, sig, sig_len, out,
	    out_len);
}

/* ---- Derived state ----------------------------------------------------- */

/* Private records and sealed boxes (LEDGER_T_PRIVATE, LEDGER_T_SEALED:
 * one per registry entry, 650-720 bytes each, keyed by be64 index) are
 * packed like the entries. LMDB fits only five such values on a 4 KiB
 * leaf (~18% of every leaf slack), so when the sequencer completes entry
 * bundle b it moves the records of b's 256 indexes into one *pack*, an
 * overflow run of contiguous pages: key STATE_PACK_TAG || be64(b) (nine
 * bytes, so packs sort after every index and are appended). The pack's
 * body holds per record in index order: u8 (index % 256) || be32 length
 * || bytes; its stored value is a format byte and the body, the private
 * records' deflated as one stream (store v23, ledger/pack.h). Only the
 * records of the last, incomplete bundle stay under their index.
 * Readers do not see the difference: a get of an index falls back to its
 * pack (pack_get), through the last pack the view (or the write txn's
 * state) inflated. Not derived state: the audit reads these records, it
 * never compares the tables. */
#define STATE_PACK_TAG 0xffu


static int
state_packed(enum ledger_table tb)
{
	return tb == LEDGER_T_PRIVATE || tb == LEDGER_T_SEALED;
}

/* Slot want of the pack body (p, n), scanning from offset from, which
 * must be 0 or just past a record the same scan reached: *val borrowed
 * from p, *end just past it. (p, n) is the first n bytes of a body of
 * total bytes (a pack inflated so far, pack_stream_more): when the scan
 * reaches its end before it can tell, *need is the body's length it needs
 * (> n) and the result LIEN_ENOTFOUND; *need is 0 otherwise. LIEN_ENOTFOUND
 * if none, LIEN_ECORRUPT for a body that does not parse. */
static enum lien_status LIEN_MUST_CHECK
pack_scan(const uint8_t *p, size_t n, size_t total, size_t from,
    unsigned want, const uint8_t **val, size_t *val_len, size_t *end,
    size_t *need)
{
	const uint8_t *rec;
	struct rd r;

	*need = 0;
	if (from > n || n > total)
		return LIEN_EINVAL;
	rd_init(&r, p + from, n - from);
	for (;;) {
		uint8_t slot;
		uint64_t len = 0;
		const uint8_t *lb;
		size_t at = n - rd_left(&r);

		if (rd_left(&r) == 0 && n == total)
			break;
		/* the slot and length, then the record, in the body's
		 * bytes inflated so far */
		if (rd_left(&r) < 5 && n < total) {
			*need = at + 5;
			return LIEN_ENOTFOUND;
		}
		if (rd_u8(&r, &slot) != LIEN_OK || rd_take(&r, 4, &lb) !=
		    LIEN_OK)
			return LIEN_ECORRUPT;
		for (int i = 0; i < 4; i++)
			len = len << 8 | lb[i];
		if (len > rd_left(&r) && n < total) {
			if (len > total - at - 5)
				return LIEN_ECORRUPT;
			*need = at + 5 + (size_t)len;
			return LIEN_ENOTFOUND;
		}
		if (rd_take(&r, (size_t)len, &rec) != LIEN_OK)
			return LIEN_ECORRUPT;
		if (slot == want) {
			*val = rec;
			*val_len = (size_t)len;
			*end = n - rd_left(&r);
			return LIEN_OK;
		}
		if (slot > want)
			break;		/* slots ascend */
	}
	return LIEN_ENOTFOUND;
}

/* The pack key of bundle b in pk. */
static void
pack_key(uint8_t pk[9], uint64_t b)
{
	pk[0] = STATE_PACK_TAG;
	be64_put(pk + 1, b);
}

/* The packed record of the 8-byte index key in table st_t of t, through
 * the cache pc of that table: *val borrowed from t (a plain pack) or from
 * pc's buffer (an inflated one), valid until pc's next read or t's next
 * put. A pack stays cached while t lives if keep_plain (a read txn, whose
 * pages never move) or if it was inflated. In a read txn a deflated pack
 * is inflated only up to the record read (pack_stream_more: a random read
 * costs half a pack on average), then on as later slots are read; in a
 * write txn, whose puts may move the stored bytes, it is inflated whole.
 * For ascending slots the scan goes on from the last record found.
 * LIEN_ENOTFOUND if none, LIEN_ECORRUPT for a pack that does not parse. */
static enum lien_status LIEN_MUST_CHECK
pack_get(struct store_txn *t, struct pack_cache *pc, int keep_plain,
    enum store_table st_t, const void *key, size_t key_len,
    const uint8_t **val, size_t *val_len)
{
	uint8_t pk[9];
	uint64_t index, b;
	unsigned want;
	size_t from, end, need;
	int keep = 1;
	enum lien_status st;

	if (key_len != 8)
		return LIEN_ENOTFOUND;
	index = be64_get(key);
	b = index / TILE_WIDTH;
	want = (unsigned)(index % TILE_WIDTH);
	if (!pc->valid || pc->bundle != b) {
		const uint8_t *raw;
		size_t rn;

		pc->valid = 0;
		pack_key(pk, b);
		if ((st = store_get(t, st_t, pk, sizeof pk, &raw, &rn)) !=
		    LIEN_OK)
			return st;
		if (keep_plain && rn > 0 && raw[0] == PACK_DEFLATE) {
			if ((st = pack_stream_begin(&pc->zs, raw, rn, &pc->buf,
			    &pc->cap, &pc->total)) != LIEN_OK)
				return st;
			pc->p = pc->buf;
			pc->n = 0;
			pc->streamed = 1;
		} else {
			if ((st = pack_open(raw, rn, &pc->buf, &pc->cap,
			    &pc->p, &pc->n)) != LIEN_OK)
				return st;
			pc->total = pc->n;
			pc->streamed = 0;
		}
		pc->found = 0;
		pc->bundle = b;
		keep = keep_plain || pc->p == pc->buf;
	}
	from = pc->found && want > pc->last ? pc->off : 0;
	for (;;) {
		st = pack_scan(pc->p, pc->n, pc->total, from, want, val,
		    val_len, &end, &need);
		if (need == 0 || !pc->streamed)
			break;
		if ((st = pack_stream_more(pc->zs, pc->buf, need, &pc->n)) !=
		    LIEN_OK) {
			pc->valid = 0;
			return st;
		}
	}
	if (st == LIEN_OK) {
		pc->found = 1;
		pc->last = want;
		pc->off = end;
	}
	pc->valid = keep;	/* this read is served either way */
	return st;
}

void
ledger_state_packs_free(struct ledger_state *st)
{
	for (size_t i = 0; i < sizeof st->pack / sizeof st->pack[0]; i++) {
		free(st->pack[i].buf);
		pack_stream_free(st->pack[i].zs);
		memset(&st->pack[i], 0, sizeof st->pack[i]);
	}
}

/* Bundle b is complete in t: move the private records and sealed boxes
 * of its indexes into their packs (see above). Copies out of the cursor
 * before writing, since a put may move the pages a get pointed into. */
static enum lien_status LIEN_MUST_CHECK
state_pack(struct ledger *l, struct store_txn *t, uint64_t b)
{
	static const enum ledger_table tbs[] = { LEDGER_T_PRIVATE,
		LEDGER_T_SEALED };

	for (size_t j = 0; j < sizeof tbs / sizeof tbs[0]; j++) {
		enum store_table st_t = (enum store_table)(STORE_STATE0 +
		    (int)tbs[j]);
		struct store_cursor *c;
		const uint8_t *k, *v;
		size_t kl, vl, zl, off = 0;
		uint8_t key[9];
		enum lien_status st;

		be64_put(key, b * TILE_WIDTH);
		if ((st = store_cursor_open(t, st_t, &c)) != LIEN_OK)
			return st;
		for (st = store_cursor_seek(c, key, 8, &k, &kl, &v, &vl);
		    st == LIEN_OK; st = store_cursor_next(c, &k, &kl, &v, &vl)) {
			if (kl != 8 || be64_get(k) / TILE_WIDTH != b)
				break;
			if (vl > UINT32_MAX) {
				st = LIEN_ECORRUPT;
				break;
			}
			if ((st = pack_buf_grow(&l->scratch, &l->scratch_cap,
			    off + 5 + vl)) != LIEN_OK)
				break;
			l->scratch[off] = (uint8_t)(be64_get(k) % TILE_WIDTH);
			for (int i = 0; i < 4; i++)
				l->scratch[off + 1 + (size_t)i] =
				    (uint8_t)(vl >> (24 - 8 * i));
			memcpy(l->scratch + off + 5, v, vl);
			off += 5 + vl;
		}
		store_cursor_close(c);
		if (st != LIEN_OK && st != LIEN_ENOTFOUND)
			return st;
		if (off == 0)
			continue;	/* no registry entry in b (a mirror) */
		/* the private records deflated (ledger/pack.h); sealed
		 * boxes are ciphertext */
		if ((st = pack_store(l->scratch, off, tbs[j] ==
		    LEDGER_T_PRIVATE, &l->zbuf, &l->zbuf_cap, &zl)) != LIEN_OK)
			return st;
		key[0] = STATE_PACK_TAG;
		be64_put(key + 1, b);
		if ((st = store_put(t, st_t, key, sizeof key, l->zbuf, zl,
		    1)) != LIEN_OK)
			return st == LIEN_EEXIST ? LIEN_ECORRUPT : st;
		for (size_t at = 0; at < off;) {
			size_t len = (size_t)l->scratch[at + 1] << 24 |
			    (size_t)l->scratch[at + 2] << 16 |
			    (size_t)l->scratch[at + 3] << 8 |
			    l->scratch[at + 4];

			be64_put(key, b * TILE_WIDTH + l->scratch[at]);
			if ((st = store_del(t, st_t, key, 8)) != LIEN_OK)
				return st;
			at += 5 + len;
		}
	}
	return LIEN_OK;
}

/* Every ledger_table has its store table STORE_STATE0 + tb, except
 * LEDGER_T_VWINDOW (the last), whose records live in LEDGER_T_VPRIVATE's
 * `vrecords` like every vehicle table's (vehicle_state.c). */
_Static_assert(STORE_NTABLES - STORE_STATE0 == LEDGER_T_COUNT - 1 &&
    LEDGER_T_VWINDOW == LEDGER_T_COUNT - 1,
    "every ledger_table has a store table");
_Static_assert(STORE_SLOTTED_APPS == LEDGER_T_APPS &&
    STORE_SLOTTED_VRECORDS == LEDGER_T_VPRIVATE,
    "the slotted store tables are `apps` and `vrecords`");

static enum lien_status LIEN_MUST_CHECK
state_table(enum ledger_table tb, enum store_table *out)
{
	if ((unsigned)tb >= LEDGER_T_COUNT)
		return LIEN_EINVAL;
	*out = (enum store_table)(STORE_STATE0 + (int)(tb == LEDGER_T_VWINDOW ?
	    LEDGER_T_VPRIVATE : tb));
	return LIEN_OK;
}

/* A state record as of txn t: vehicle tables through their pointer,
 * the others by key, then the packed private tables' bundles through the
 * caches pc (pc[0] private records, pc[1] sealed boxes; keep_plain as
 * pack_get's). A pack is never read with pc NULL (LIEN_EINVAL). */
static enum lien_status
state_get_txn(struct store_txn *txn, struct pack_cache *pc, int keep_plain,
    enum ledger_table tb, const void *key, size_t key_len,
    const uint8_t **val, size_t *val_len)
{
	enum store_table t;
	enum lien_status rc = state_table(tb, &t);

	if (rc == LIEN_OK && vstate_is(tb))
		return vstate_get(txn, tb, key, key_len, val, val_len);
	if (rc == LIEN_OK)
		rc = store_get(txn, t, key, key_len, val, val_len);
	if (rc == LIEN_ENOTFOUND && state_packed(tb))
		rc = pc == NULL ? LIEN_EINVAL : pack_get(txn,
		    &pc[tb == LEDGER_T_SEALED], keep_plain, t, key, key_len,
		    val, val_len);
	return rc;
}

void
ledger_record_digest(const void *val, size_t len,
    uint8_t out[LEDGER_SCRATCH_DIGEST_LEN])
{
	uint8_t h[HASH_LEN];

	hash_sha256(val, len, h);
	memcpy(out, h, LEDGER_SCRATCH_DIGEST_LEN);
}

static int
state_digested(const struct ledger_state *st, enum ledger_table tb)
{
	return (unsigned)tb < LEDGER_T_COUNT && (st->digest_mask >> tb & 1u);
}

/* A digest table's record (dv, dl: the scratch's digest of it) as the
 * audited store holds it: the store's bytes, borrowed from base, if they
 * have that digest; else LIEN_ECORRUPT, the key noted in st->bad. The
 * store is the only place the bytes are kept, and the digest is what the
 * replay wrote: a record the store changed (or lost) is never given to
 * the rules in place of the replay's. */
static enum lien_status LIEN_MUST_CHECK
state_digest_resolve(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t *dv, size_t dl,
    const uint8_t **val, size_t *val_len)
{
	uint8_t d[LEDGER_SCRATCH_DIGEST_LEN];
	const uint8_t *bv;
	size_t bl;
	enum lien_status rc = LIEN_ENOTFOUND;

	if (st->base != NULL)
		/* digest tables only: never a packed one */
		rc = state_get_txn(st->base, NULL, 0, tb, key, key_len, &bv,
		    &bl);
	if (rc != LIEN_OK && rc != LIEN_ENOTFOUND)
		return rc;
	if (rc == LIEN_OK && dl == sizeof d) {
		ledger_record_digest(bv, bl, d);
		if (memcmp(d, dv, sizeof d) == 0) {
			*val = bv;
			*val_len = bl;
			return LIEN_OK;
		}
	}
	if (!st->bad.set) {
		st->bad.set = 1;
		st->bad.tb = (unsigned)tb;
		st->bad.key_len = key_len < sizeof st->bad.key ? key_len :
		    sizeof st->bad.key;
		memcpy(st->bad.key, key, st->bad.key_len);
	}
	return LIEN_ECORRUPT;
}

/* ledger_state_get without the replay's read cache */
static enum lien_status
state_get_store(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t **val, size_t *val_len)
{
	const uint8_t *dv;
	size_t dl;
	enum lien_status rc;

	if (st->vmemo_on && vstate_is(tb))
		return vstate_get_memo(st->t, &st->vmemo, tb, key, key_len, val,
		    val_len);
	if (!state_digested(st, tb))
		return state_get_txn(st->t, st->pack, 0, tb, key, key_len, val,
		    val_len);
	if ((rc = state_get_txn(st->t, st->pack, 0, tb, key, key_len, &dv,
	    &dl)) != LIEN_OK)
		return rc;
	return state_digest_resolve(st, tb, key, key_len, dv, dl, val, val_len);
}

enum lien_status
ledger_state_get(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t **val, size_t *val_len)
{
	enum lien_status rc;

	if (st->rcache == NULL)
		return state_get_store(st, tb, key, key_len, val, val_len);
	if (ledger_rcache_find(st->rcache, tb, key, key_len, &rc, val,
	    val_len))
		return rc;
	rc = state_get_store(st, tb, key, key_len, val, val_len);
	/* not a digest that failed to resolve, nor an I/O error */
	if (rc == LIEN_OK || rc == LIEN_ENOTFOUND)
		ledger_rcache_fill(st->rcache, tb, key, key_len,
		    rc == LIEN_OK ? *val : NULL, rc == LIEN_OK ? *val_len : 0,
		    rc == LIEN_OK);
	return rc;
}

static enum lien_status state_put_store(struct ledger_state *st,
    enum ledger_table tb, const void *key, size_t key_len, const void *val,
    size_t val_len);

enum lien_status
ledger_state_put(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, const void *val, size_t val_len)
{
	enum lien_status rc = state_put_store(st, tb, key, key_len, val,
	    val_len);

	/* a digest table's next read resolves the store's record against
	 * the new digest, as it does without the cache */
	if (st->rcache != NULL)
		ledger_rcache_wrote(st->rcache, tb, key, key_len, val, val_len,
		    rc == LIEN_OK && !state_digested(st, tb) &&
		    !(vstate_is(tb) && val_len == 0));
	return rc;
}

static enum lien_status state_put_table(struct ledger_state *st,
    enum ledger_table tb, enum store_table t, const void *key,
    size_t key_len, const void *val, size_t val_len);

/* A tracked replay notes every key it writes (ledger_touch_add): hinted
 * before the write, noted after it, so the note's cache miss overlaps
 * the write. The key is noted whatever the write's outcome, as a delete
 * of a key the replay does not hold must still be compared; and noted
 * from a copy, as a caller's key may lie in a page the write changes (a
 * key found by a seek, then deleted). A key above the copy's room is
 * noted first, without the hint. */
#define TOUCH_KEY_COPY 256u

static enum lien_status
state_put_store(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, const void *val, size_t val_len)
{
	enum store_table t;
	enum lien_status rc = state_table(tb, &t), tr;
	uint8_t kc[TOUCH_KEY_COPY];
	uint64_t h;

	st->wrote = 1;
	if (rc != LIEN_OK)
		return rc;
	if (st->touch == NULL)
		return state_put_table(st, tb, t, key, key_len, val, val_len);
	if (key_len > sizeof kc) {
		if ((rc = ledger_touch_add(st->touch, tb, key, key_len)) !=
		    LIEN_OK)
			return rc;
		return state_put_table(st, tb, t, key, key_len, val, val_len);
	}
	memcpy(kc, key, key_len);
	h = ledger_touch_hint(st->touch, tb, kc, key_len);
	rc = state_put_table(st, tb, t, key, key_len, val, val_len);
	tr = ledger_touch_add_hinted(st->touch, h, tb, kc, key_len);
	return rc != LIEN_OK ? rc : tr;
}

static enum lien_status
state_put_table(struct ledger_state *st, enum ledger_table tb,
    enum store_table t, const void *key, size_t key_len, const void *val,
    size_t val_len)
{
	uint8_t d[LEDGER_SCRATCH_DIGEST_LEN];
	size_t room = tb == LEDGER_T_APPS ? LEDGER_APP_ROOM : 0;
	enum lien_status rc;

	if (vstate_is(tb)) {
		st->vmemo.state = 0;	/* the pointer may change */
		return vstate_put(st->t, tb, key, key_len, val, val_len);
	}
	if (state_digested(st, tb)) {
		ledger_record_digest(val, val_len, d);
		val = d;
		val_len = sizeof d;
		room = 0;	/* (a digest does not grow) */
	}
	/* Tables whose new keys sort last (the entry index, or a time that
	 * leads the key: docs/storage.md "Where the bytes go") are appended:
	 * LMDB then starts a new page instead of splitting the last one in
	 * half, so their leaves fill to ~100% instead of ~50-70%. A key that
	 * does not sort last (an update, a time slightly out of order) is
	 * refused by MDB_APPEND unchanged, and put the ordinary way. */
	if (tb == LEDGER_T_PRIVATE || tb == LEDGER_T_SEALED ||
	    tb == LEDGER_T_APPS || tb == LEDGER_T_NONCES ||
	    tb == LEDGER_T_IDEM || tb == LEDGER_T_PAPPS ||
	    tb == LEDGER_T_NOTICES || tb == LEDGER_T_EXPIRY ||
	    tb == LEDGER_T_SUBJECTS) {
		rc = store_put_room(st->t, t, key, key_len, val, val_len, 1,
		    room);
		if (rc != LIEN_EEXIST)
			return rc;
	}
	return store_put_room(st->t, t, key, key_len, val, val_len, 0, room);
}

static enum lien_status state_del_store(struct ledger_state *st,
    enum ledger_table tb, const void *key, size_t key_len);

enum lien_status
ledger_state_replace(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len, const void *val, size_t val_len)
{
	const uint8_t *cur;
	size_t cur_len;
	enum lien_status rc;

	if (!vstate_is(tb)) {
		if ((rc = ledger_state_get(st, tb, key, key_len, &cur,
		    &cur_len)) != LIEN_OK)
			return rc;
		return ledger_state_put(st, tb, key, key_len, val, val_len);
	}
	st->wrote = 1;
	if (st->touch != NULL && (rc = ledger_touch_add(st->touch, tb, key,
	    key_len)) != LIEN_OK)
		return rc;
	/* (the pointer does not change: the memo stays) */
	rc = vstate_replace(st->t, tb, key, key_len, val, val_len);
	if (st->rcache != NULL)		/* as ledger_state_put; an empty
					 * vehicle record reads as none */
		ledger_rcache_wrote(st->rcache, tb, key, key_len, val, val_len,
		    rc == LIEN_OK && val_len > 0);
	return rc;
}

enum lien_status
ledger_state_del(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len)
{
	enum lien_status rc = state_del_store(st, tb, key, key_len);

	if (st->rcache != NULL)
		ledger_rcache_wrote(st->rcache, tb, key, key_len, NULL, 0, 0);
	return rc;
}

static enum lien_status
state_del_store(struct ledger_state *st, enum ledger_table tb,
    const void *key, size_t key_len)
{
	enum store_table t;
	enum lien_status rc = state_table(tb, &t), tr = LIEN_OK;
	uint8_t kc[TOUCH_KEY_COPY];
	uint64_t h = 0;
	int later = 0;

	st->wrote = 1;
	if (rc != LIEN_OK)
		return rc;
	if (st->touch != NULL) {	/* as state_put_store */
		if (key_len > sizeof kc) {
			if ((rc = ledger_touch_add(st->touch, tb, key,
			    key_len)) != LIEN_OK)
				return rc;
		} else {
			memcpy(kc, key, key_len);
			h = ledger_touch_hint(st->touch, tb, kc, key_len);
			later = 1;
		}
	}
	if (vstate_is(tb)) {
		st->vmemo.state = 0;	/* the pointer changes */
		rc = vstate_del(st->t, tb, key, key_len);
	} else {
		rc = store_del(st->t, t, key, key_len);
	}
	if (later)
		tr = ledger_touch_add_hinted(st->touch, h, tb, kc, key_len);
	return rc != LIEN_OK ? rc : tr;
}

enum lien_status
ledger_state_map_set(struct ledger_state *st, const uint8_t key[HASH_LEN],
    const uint8_t value[HASH_LEN])
{
	st->wrote = 1;
	if (st->mp == NULL)
		return LIEN_OK;
	return map_pending_add(st->mp, key, value);
}

enum lien_status
ledger_state_map_root(struct ledger_state *st, uint8_t root[HASH_LEN],
    uint64_t *nkeys)
{
	enum lien_status rc;

	if (st->mp == NULL || st->mcache == NULL || st->nkeys == NULL)
		return LIEN_EINVAL;
	if ((rc = map_commit(st->t, st->mp, st->mcache, root, st->nkeys)) !=
	    LIEN_OK)
		return rc;
	*nkeys = *st->nkeys;
	return LIEN_OK;
}

enum lien_status
ledger_view_map_prove(struct ledger_view *v, const uint8_t key[HASH_LEN],
    struct map_proof *out)
{
	if (!v->l->statemap)
		return LIEN_EUNSUPPORTED;
	return map_txn_prove(v->t, key, out);
}

enum lien_status
ledger_view_state_get(struct ledger_view *v, enum ledger_table tb,
    const void *key, size_t key_len, const uint8_t **val, size_t *val_len)
{
	v->reads++;
	return state_get_txn(v->t, v->pack, 1, tb, key, key_len, val,
	    val_len);
}

enum lien_status
ledger_view_state_entries(struct ledger_view *v, enum ledger_table tb,
    uint64_t *out)
{
	enum store_table t;
	enum lien_status rc;

	*out = 0;
	if (vstate_is(tb))
		return LIEN_EINVAL;
	if ((rc = state_table(tb, &t)) != LIEN_OK)
		return rc;
	return store_entries(v->t, t, out);
}

uint64_t
ledger_view_reads(const struct ledger_view *v)
{
	return v->reads;
}

/* Counts each record a scan hands on (ledger_view_reads). */
struct scan_count {
	struct ledger_view *v;
	int (*fn)(void *ctx, const uint8_t *key, size_t key_len,
	    const uint8_t *val, size_t val_len);
	void *ctx;
};

static int
scan_counted(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	struct scan_count *sc = ctx;

	sc->v->reads++;
	return sc->fn(sc->ctx, key, key_len, val, val_len);
}

enum lien_status
ledger_view_state_scan(struct ledger_view *v, enum ledger_table tb,
    const void *from, size_t from_len,
    int (*fn)(void *ctx, const uint8_t *key, size_t key_len,
	const uint8_t *val, size_t val_len),
    void *ctx)
{
	struct store_cursor *c;
	struct scan_count sc = { v, fn, ctx };
	const uint8_t *k, *val;
	size_t k_len, v_len;
	enum store_table t;
	enum lien_status rc = state_table(tb, &t);

	if (rc == LIEN_OK && vstate_is(tb))
		return vstate_scan(v->t, tb, from, from_len, scan_counted, &sc);
	if (rc != LIEN_OK || (rc = store_cursor_open(v->t, t, &c)) != LIEN_OK)
		return rc;
	for (rc = store_cursor_seek(c, from, from_len, &k, &k_len, &val,
	    &v_len); rc == LIEN_OK;
	    rc = store_cursor_next(c, &k, &k_len, &val, &v_len))
		if (scan_counted(&sc, k, k_len, val, v_len) != 0)
			break;
	store_cursor_close(c);
	return rc == LIEN_ENOTFOUND ? LIEN_OK : rc;
}

/* ---- Sequencer state --------------------------------------------------- */

/* Rebuild the sequencer's in-memory state from the last commit: frontier,
 * rightmost tile records, last leaf hash and time, latest checkpoint. Used
 * at open and after a failed commit. */
static enum lien_status LIEN_MUST_CHECK
seq_reload(struct ledger *l)
{
	struct ledger_view *v = NULL;
	struct merkle_frontier *f = &l->frontier;
	const uint8_t *p;
	size_t len;
	struct entry e;
	char *cp = NULL;
	size_t cp_len = 0;
	uint64_t n;
	enum lien_status st;

	/* The map's kept tiles may hold a batch that never committed. */
	map_wcache_drop(l->mcache);
	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		return st;
	n = v->size;
	merkle_frontier_init(f);
	f->size = n;
	/* Bit k of n set: the last complete level-k node is a left child
	 * still waiting for its sibling (merkle.h frontier invariant). */
	for (unsigned k = 0; k < 64; k++)
		if ((n >> k) & 1u &&
		    (st = view_node(v, k, (n >> k) - 1, f->hash[k])) != LIEN_OK)
			goto out;
	for (unsigned t = 0; t < TILE_LEVELS; t++) {
		struct tile_buf *tb = l->tiles[t];
		uint8_t key[9];

		tb->index = tiles_edge_index(n, t);
		tb->dirty = 0;
		tile_key(key, t, tb->index);
		st = store_get(v->t, STORE_TILES, key, sizeof key, &p, &len);
		if (st == LIEN_ENOTFOUND) {
			memset(tb->rec, 0, TILE_REC_LEN);
		} else if (st != LIEN_OK) {
			goto out;
		} else if (len != TILE_REC_LEN) {
			/* (the edge tile is never complete: never short) */
			st = LIEN_ECORRUPT;
			goto out;
		} else {
			memcpy(tb->rec, p, TILE_REC_LEN);
		}
	}
	memset(l->last_leaf, 0, HASH_LEN);
	l->last_time = 0;
	if (n > 0) {
		if ((st = view_node(v, 0, n - 1, l->last_leaf)) != LIEN_OK ||
		    (st = ledger_view_entry(v, n - 1, &p, &len)) != LIEN_OK ||
		    (st = entry_decode(p, len, &e)) != LIEN_OK)
			goto out;
		l->last_time = e.time_ms;
		if ((st = ledger_view_checkpoint(v, n, &cp, &cp_len)) != LIEN_OK)
			goto out;
	}
	l->map_nkeys = 0;
	if (n > 0 && l->statemap) {
		struct status_root sr;

		/* The last entry is the last batch's state root. */
		if (e.type != ENTRY_TYPE_STATE_ROOT ||
		    status_root_decode(e.payload, e.payload_len, &sr) !=
		    LIEN_OK) {
			st = LIEN_ECORRUPT;
			goto out;
		}
		l->map_nkeys = sr.nkeys;
	}
	{
		const uint8_t *fz;
		size_t fz_len;

		st = store_get(v->t, STORE_META, META_FROZEN,
		    sizeof META_FROZEN - 1, &fz, &fz_len);
		if (st == LIEN_OK && fz_len == 8) {
			l->frozen = 1;
			l->frozen_size = be64_get(fz);
		} else if (st != LIEN_ENOTFOUND) {
			st = st == LIEN_OK ? LIEN_ECORRUPT : st;
			goto out;
		}
	}
	pthread_mutex_lock(&l->mu);
	free(l->latest_cp);
	l->latest_cp = cp;
	l->latest_cp_len = cp_len;
	pthread_mutex_unlock(&l->mu);
	atomic_store(&l->size, n);
	st = LIEN_OK;
out:
	ledger_view_close(v);
	return st;
}

struct emit_ctx {
	struct ledger *l;
	struct store_txn *t;
};

/* Write tile record tb of tile level tl; complete: the tile has all its
 * nodes. A complete level-0 tile is written without its leaf hashes
 * (TILE_REC0_LEN; docs/storage.md "Merkle hashes"): they are the
 * entries', which the bundle of the same index holds. */
static enum lien_status LIEN_MUST_CHECK
tile_flush(struct store_txn *t, unsigned tl, struct tile_buf *tb,
    int complete)
{
	uint8_t key[9], *dst;
	size_t skip = tl == 0 && complete ? TILE_WIDTH * HASH_LEN : 0;
	enum lien_status st;

	tile_key(key, tl, tb->index);
	if ((st = store_reserve(t, STORE_TILES, key, sizeof key, TILE_REC_LEN -
	    skip, &dst)) != LIEN_OK)
		return st;
	memcpy(dst, tb->rec + skip, TILE_REC_LEN - skip);
	tb->dirty = 0;
	return LIEN_OK;
}

/* merkle_frontier_push callback: a subtree completed; store its hash. */
static enum lien_status LIEN_MUST_CHECK
emit_node(void *ctx, unsigned level, uint64_t index,
    const uint8_t hash[HASH_LEN])
{
	struct emit_ctx *ec = ctx;
	unsigned tl, slot = 0;
	uint64_t ti;
	struct tile_buf *tb;
	enum lien_status st;

	slot = tiles_rec_slot(level, index, &tl, &ti);
	tb = ec->l->tiles[tl];
	if (tb->index != ti) {
		/* Nodes complete left to right: the old tile is finished. */
		if (tb->dirty && (st = tile_flush(ec->t, tl, tb, 1)) != LIEN_OK)
			return st;
		tb->index = ti;
		memset(tb->rec, 0, TILE_REC_LEN);
	}
	memcpy(tb->rec + (size_t)slot * HASH_LEN, hash, HASH_LEN);
	tb->dirty = 1;
	return LIEN_OK;
}

/* Histogram bucket of v: the smallest k with v <= base * 2^k, capped at
 * n - 1 (the open-ended last bucket). */
static unsigned
hist_bucket(uint64_t v, uint64_t base, unsigned n)
{
	unsigned k = 0;

	while (k + 1 < n && v > base)
		base <<= 1, k++;
	return k;
}

/* Where each envelope of the batch sits in l->buf. */
struct batch_ent {
	size_t off, len;
};

/* Write the batch's entries [s0, s1): complete bundles as one record
 * (pulling earlier entries of that bundle out of `tail`), the rest into
 * `tail`. Keys only grow, so every put is an MDB_APPEND. */
static enum lien_status LIEN_MUST_CHECK
write_entries(struct ledger *l, struct store_txn *t, uint64_t s0, uint64_t s1,
    const struct batch_ent *be)
{
	uint8_t key[8];
	enum lien_status st;

	for (uint64_t b = s0 / TILE_WIDTH; b <= (s1 - 1) / TILE_WIDTH; b++) {
		uint64_t first = b * TILE_WIDTH;
		uint64_t lo = s0 > first ? s0 : first;
		uint64_t hi = s1 < first + TILE_WIDTH ? s1 : first + TILE_WIDTH;
		size_t total = 0, off = 0, zl;

		if (hi < first + TILE_WIDTH) {
			for (uint64_t i = lo; i < hi; i++) {
				const struct batch_ent *e = &be[i - s0];

				be64_put(key, i);
				if ((st = store_put(t, STORE_TAIL, key, 8,
				    l->buf + e->off, e->len, 1)) != LIEN_OK)
					return st;
			}
			continue;
		}
		/* Bundle b completes: copy its tail part out first, since a
		 * later write may move the pages a get pointed into; the body
		 * is made in scratch, then stored in its own form. */
		for (uint64_t i = first; i < lo; i++) {
			const uint8_t *p;
			size_t len;

			be64_put(key, i);
			if ((st = store_get(t, STORE_TAIL, key, 8, &p,
			    &len)) != LIEN_OK)
				return st == LIEN_ENOTFOUND ? LIEN_ECORRUPT : st;
			if ((st = pack_buf_grow(&l->scratch, &l->scratch_cap,
			    off + 2 + len)) != LIEN_OK)
				return st;
			l->scratch[off] = (uint8_t)(len >> 8);
			l->scratch[off + 1] = (uint8_t)len;
			memcpy(l->scratch + off + 2, p, len);
			off += 2 + len;
		}
		total = off;
		for (uint64_t i = lo; i < hi; i++)
			total += 2 + be[i - s0].len;
		if ((st = pack_buf_grow(&l->scratch, &l->scratch_cap, total)) !=
		    LIEN_OK)
			return st;
		for (uint64_t i = lo; i < hi; i++) {
			const struct batch_ent *e = &be[i - s0];

			l->scratch[off] = (uint8_t)(e->len >> 8);
			l->scratch[off + 1] = (uint8_t)e->len;
			memcpy(l->scratch + off + 2, l->buf + e->off, e->len);
			off += 2 + e->len;
		}
		/* its stored form: prevs dropped, deflated (ledger/bundle.h) */
		if ((st = bundle_store(l->scratch, total, &l->zbuf,
		    &l->zbuf_cap, &zl)) != LIEN_OK)
			return st;
		be64_put(key, b);
		if ((st = store_put(t, STORE_BUNDLES, key, 8, l->zbuf, zl,
		    1)) != LIEN_OK)
			return st;
		for (uint64_t i = first; i < lo; i++) {
			be64_put(key, i);
			if ((st = store_del(t, STORE_TAIL, key, 8)) != LIEN_OK)
				return st;
		}
		if ((st = state_pack(l, t, b)) != LIEN_OK)
			return st;
	}
	return LIEN_OK;
}

/* Append one envelope (index *s) to the batch: buffer, leaf hash,
 * frontier. */
static enum lien_status LIEN_MUST_CHECK
seq_push(struct ledger *l, struct emit_ctx *ec, const struct entry *e,
    struct batch_ent *be, size_t *need, uint8_t leaf[HASH_LEN])
{
	enum lien_status st;

	if ((st = pack_buf_grow(&l->buf, &l->buf_cap, *need + ENTRY_HEADER_LEN +
	    e->payload_len)) != LIEN_OK)
		return st;
	be->off = *need;
	if ((st = entry_encode(e, l->buf + *need, l->buf_cap - *need,
	    &be->len)) != LIEN_OK)
		return st;
	hash_leaf(l->buf + be->off, be->len, leaf);
	if ((st = merkle_frontier_push(&l->frontier, leaf, emit_node, ec)) !=
	    LIEN_OK)
		return st;
	*need += be->len;
	memcpy(l->last_leaf, leaf, HASH_LEN);
	l->last_time = e->time_ms;
	return LIEN_OK;
}

/* The batch's last entry: apply the map updates its items set, then
 * append the state root (map root, keys, the tree size it ends). */
static enum lien_status LIEN_MUST_CHECK
seq_state_root(struct ledger *l, struct store_txn *t, struct emit_ctx *ec,
    struct batch_ent *be, size_t *k, size_t *need, uint64_t *s)
{
	struct status_root sr;
	uint8_t payload[STATUS_ROOT_PAYLOAD_LEN], leaf[HASH_LEN];
	struct entry e;
	uint64_t now = now_ms(l);
	enum lien_status st;

	if ((st = map_commit(t, &l->mpend, &l->mcache, sr.root,
	    &l->map_nkeys)) != LIEN_OK)
		return st;
	sr.nkeys = l->map_nkeys;
	sr.tree_size = *s + 1;
	if ((st = status_root_encode(&sr, payload, sizeof payload)) != LIEN_OK)
		return st;
	e.index = *s;
	e.time_ms = now > l->last_time ? now : l->last_time;
	e.type = ENTRY_TYPE_STATE_ROOT;
	memcpy(e.prev, l->last_leaf, HASH_LEN);
	e.payload = payload;
	e.payload_len = sizeof payload;
	if ((st = seq_push(l, ec, &e, &be[*k], need, leaf)) != LIEN_OK)
		return st;
	(*s)++;
	(*k)++;
	return LIEN_OK;
}

/* Build, write and commit one batch. On success fills every receipt. */
static enum lien_status LIEN_MUST_CHECK
seq_commit(struct ledger *l, struct pending *batch, size_t nitems)
{
	struct store_txn *t = NULL;
	struct emit_ctx ec = { l, NULL };
	struct batch_ent *be;
	struct ledger_state lst;
	uint64_t s0 = l->frontier.size, s, t0;
	uint8_t key[8], sizebuf[8], root[HASH_LEN];
	char body[NOTE_NAME_MAX + 128], *note = NULL, *cp = NULL;
	size_t body_len, note_len, cp_len, need = 0, k = 0;
	enum lien_status st;

	/* one more for the state-root entry */
	be = malloc((nitems + 1) * sizeof *be);
	if (be == NULL)
		return LIEN_ENOMEM;
	memset(&lst, 0, sizeof lst);
	if ((st = store_txn_begin(l->st, 1, &t)) != LIEN_OK)
		goto out;
	ec.t = t;
	lst.t = t;
	map_pending_clear(&l->mpend);
	lst.mp = l->statemap ? &l->mpend : NULL;

	s = s0;
	for (struct pending *p = batch; p; p = p->next) {
		for (size_t i = 0; i < p->n; i++) {
			const struct ledger_item *it = &p->items[i];
			struct entry e;
			uint64_t now = now_ms(l);
			uint8_t leaf[HASH_LEN];

			e.index = s;
			/* Envelope times never go backwards, even if the
			 * wall clock does. */
			e.time_ms = now > l->last_time ? now : l->last_time;
			e.type = it->type;
			memcpy(e.prev, l->last_leaf, HASH_LEN);
			e.payload = it->payload;
			e.payload_len = it->len;
			p->out[i].index = UINT64_MAX;
			if (it->build != NULL) {
				lst.wrote = 0;
				st = it->build(it->arg, &lst, s, e.time_ms,
				    l->pbuf, ENTRY_PAYLOAD_MAX, &e.payload_len);
				if (st != LIEN_OK && !lst.wrote) {
					p->out[i].status = st;	/* refused */
					continue;
				}
				if (st != LIEN_OK || e.payload_len >
				    ENTRY_PAYLOAD_MAX) {
					st = st != LIEN_OK ? st : LIEN_ETOOBIG;
					goto out;
				}
				e.payload = l->pbuf;
			}
			if ((st = seq_push(l, &ec, &e, &be[k], &need,
			    leaf)) != LIEN_OK)
				goto out;
			p->out[i].status = LIEN_OK;
			p->out[i].index = s;
			memcpy(p->out[i].leaf_hash, leaf, HASH_LEN);
			p->out[i].time_ms = e.time_ms;
			s++;
			k++;
		}
	}
	if (s == s0) {
		/* Every item was refused: nothing to write or sign. */
		st = LIEN_OK;
		goto out;
	}
	if (l->statemap &&
	    (st = seq_state_root(l, t, &ec, be, &k, &need, &s)) != LIEN_OK)
		goto out;
	if ((st = write_entries(l, t, s0, s, be)) != LIEN_OK)
		goto out;
	for (unsigned tl = 0; tl < TILE_LEVELS; tl++)
		if (l->tiles[tl]->dirty &&
		    (st = tile_flush(t, tl, l->tiles[tl],
		    l->tiles[tl]->index < tiles_nodes_at(s, TILE_HEIGHT *
		    tl + TILE_HEIGHT))) != LIEN_OK)
			goto out;
	be64_put(sizebuf, s);
	if ((st = store_put(t, STORE_META, META_SIZE, sizeof META_SIZE - 1,
	    sizebuf, 8, 0)) != LIEN_OK)
		goto out;

	/* Sign the new tree head inside the same transaction: a checkpoint
	 * exists for every committed size that was ever acknowledged. */
	merkle_frontier_root(&l->frontier, root);
	if ((st = checkpoint_format(l->origin, strlen(l->origin), s, root,
	    body, sizeof body, &body_len)) != LIEN_OK ||
	    (st = note_sign(l->signer, (const uint8_t *)body, body_len, &note,
	    &note_len)) != LIEN_OK)
		goto out;
	be64_put(key, s);
	if ((st = store_put(t, STORE_CHECKPOINTS, key, 8, note + body_len + 1,
	    note_len - body_len - 1, 1)) != LIEN_OK)
		goto out;

	t0 = mono_ns();
	st = store_txn_commit(t);
	t = NULL;
	if (st != LIEN_OK)
		goto out;
	cp = note;
	cp_len = note_len;
	note = NULL;

	pthread_mutex_lock(&l->mu);
	{
		uint64_t ns = mono_ns() - t0;

		l->stats.fsync_ns_total += ns;
		l->stats.batch_size_hist[hist_bucket(s - s0, 1,
		    LEDGER_HIST_BATCH)]++;
		l->stats.commit_hist[hist_bucket(ns,
		    LEDGER_HIST_COMMIT_BASE_NS, LEDGER_HIST_COMMIT)]++;
	}
	l->stats.batches++;
	l->stats.entries += s - s0;
	l->stats.last_batch_size = s - s0;
	free(l->latest_cp);
	l->latest_cp = cp;
	l->latest_cp_len = cp_len;
	pthread_mutex_unlock(&l->mu);
	atomic_store(&l->size, s);
	for (struct pending *p = batch; p; p = p->next)
		for (size_t i = 0; i < p->n; i++)
			if (p->out[i].status == LIEN_OK)
				p->out[i].tree_size = s;
out:
	store_txn_abort(t);
	ledger_state_packs_free(&lst);
	free(note);
	free(be);
	return st;
}

static enum lien_status seq_freeze(struct ledger *l, struct pending *p)
    LIEN_MUST_CHECK;

static void *
seq_main(void *arg)
{
	struct ledger *l = arg;

	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct pending *batch, *last;
		size_t nitems;
		enum lien_status st;

		while (l->head == NULL && !l->closing)
			pthread_cond_wait(&l->cv_work, &l->mu);
		if (l->head == NULL)
			break;	/* closing and drained */
		/* Take whole requests up to batch_max entries (at least one).
		 * A freeze is always a batch of its own. */
		batch = last = l->head;
		nitems = batch->n;
		while (!batch->freeze && last->next && !last->next->freeze &&
		    nitems + last->next->n <= l->batch_max) {
			last = last->next;
			nitems += last->n;
		}
		l->head = last->next;
		if (l->head == NULL)
			l->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&l->mu);

		st = batch->freeze ? seq_freeze(l, batch) :
		    seq_commit(l, batch, nitems);
		if (st != LIEN_OK && seq_reload(l) != LIEN_OK) {
			pthread_mutex_lock(&l->mu);
			l->failed = st;
			pthread_mutex_unlock(&l->mu);
		}

		pthread_mutex_lock(&l->mu);
		for (struct pending *p = batch, *nx; p; p = nx) {
			nx = p->next;
			pending_finish(p, st);
		}
		if (l->failed != LIEN_OK) {
			/* Fail-stop: refuse everything still queued. */
			for (struct pending *p = l->head, *nx; p; p = nx) {
				nx = p->next;
				pending_finish(p, LIEN_EIO);
			}
			l->head = l->tail = NULL;
		}
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

/* ---- Public API -------------------------------------------------------- */

const char *
ledger_store_format(void)
{
	return STORE_FORMAT;
}

static enum lien_status LIEN_MUST_CHECK
meta_bind(struct ledger *l, const struct ledger_config *cfg)
{
	struct store_txn *t;
	const uint8_t *v;
	size_t len;
	const char *name;
	char vkey[NOTE_NAME_MAX + 96];
	enum lien_status st;

	if ((st = store_txn_begin(l->st, !l->rdonly, &t)) != LIEN_OK)
		return st;
	st = store_get(t, STORE_META, META_FORMAT, sizeof META_FORMAT - 1, &v,
	    &len);
	if (st == LIEN_OK && (len != sizeof STORE_FORMAT - 1 ||
	    memcmp(v, STORE_FORMAT, len) != 0)) {
		st = LIEN_EUNSUPPORTED;
		goto out;
	}
	if (st == LIEN_ENOTFOUND && l->rdonly)
		goto out;
	if (st == LIEN_ENOTFOUND) {
		/* First open: bind the store to this log key's origin. */
		name = note_signer_name(cfg->signer);
		if ((st = note_signer_vkey(cfg->signer, vkey, sizeof vkey)) !=
		    LIEN_OK ||
		    (st = store_put(t, STORE_META, META_FORMAT,
		    sizeof META_FORMAT - 1, STORE_FORMAT,
		    sizeof STORE_FORMAT - 1, 0)) != LIEN_OK ||
		    (st = store_put(t, STORE_META, META_ORIGIN,
		    sizeof META_ORIGIN - 1, name, strlen(name), 0)) != LIEN_OK ||
		    (st = store_put(t, STORE_META, META_VKEY,
		    sizeof META_VKEY - 1, vkey, strlen(vkey), 0)) != LIEN_OK ||
		    (st = store_put(t, STORE_META, META_STATEMAP,
		    sizeof META_STATEMAP - 1, l->statemap ? "on" : "off",
		    l->statemap ? 2 : 3, 0)) != LIEN_OK)
			goto out;
		st = store_txn_commit(t);
		t = NULL;
		if (st != LIEN_OK)
			goto out;
		snprintf(l->origin, sizeof l->origin, "%s", name);
		goto out;
	}
	if (st != LIEN_OK)
		goto out;
	if ((st = store_get(t, STORE_META, META_ORIGIN,
	    sizeof META_ORIGIN - 1, &v, &len)) != LIEN_OK)
		goto out;
	if (len > NOTE_NAME_MAX) {
		st = LIEN_ECORRUPT;
		goto out;
	}
	memcpy(l->origin, v, len);
	l->origin[len] = '\0';
	if (!l->rdonly &&
	    strcmp(l->origin, note_signer_name(cfg->signer)) != 0) {
		st = LIEN_EKEY;	/* another log's key: never mix histories */
		goto out;
	}
	if ((st = store_get(t, STORE_META, META_STATEMAP,
	    sizeof META_STATEMAP - 1, &v, &len)) != LIEN_OK) {
		st = st == LIEN_ENOTFOUND ? LIEN_ECORRUPT : st;
		goto out;
	}
	{
		int on = len == 2 && memcmp(v, "on", 2) == 0;

		if (!on && !(len == 3 && memcmp(v, "off", 3) == 0)) {
			st = LIEN_ECORRUPT;
			goto out;
		}
		/* The setting is the store's: a read-only open follows it, a
		 * writer must ask for the same. */
		if (!l->rdonly && on != l->statemap) {
			st = LIEN_EUNSUPPORTED;
			goto out;
		}
		l->statemap = on;
	}
out:
	store_txn_abort(t);
	return st;
}

enum lien_status
ledger_open(const struct ledger_config *cfg, struct ledger **out)
{
	struct ledger *l;
	enum lien_status st;

	*out = NULL;
	if (cfg == NULL || cfg->dir == NULL)
		return LIEN_EINVAL;
	if (!(cfg->flags & LEDGER_RDONLY) && cfg->signer == NULL)
		return LIEN_EINVAL;
	if (cfg->batch_max > LEDGER_BATCH_MAX)
		return LIEN_EINVAL;
	l = calloc(1, sizeof *l);
	if (l == NULL)
		return LIEN_ENOMEM;
	l->rdonly = (cfg->flags & LEDGER_RDONLY) != 0;
	l->statemap = (cfg->flags & LEDGER_NO_STATE_MAP) == 0;
	l->signer = cfg->signer;
	l->batch_max = cfg->batch_max ? cfg->batch_max : 1024;
	l->clock_ms = cfg->clock_ms;
	l->clock_arg = cfg->clock_arg;
	if (!l->rdonly && (l->pbuf = malloc(ENTRY_PAYLOAD_MAX)) == NULL) {
		free(l);
		return LIEN_ENOMEM;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv_work, NULL);
	for (unsigned t = 0; t < TILE_LEVELS; t++) {
		l->tiles[t] = malloc(sizeof *l->tiles[t]);
		if (l->tiles[t] == NULL) {
			st = LIEN_ENOMEM;
			goto fail;
		}
	}
	/* One writer per store: the sequencer's in-memory state assumes it. */
	if ((!l->rdonly &&
	    (st = writer_lock_acquire(cfg->dir, &l->wlock)) != LIEN_OK) ||
	    (st = store_open(cfg->dir, cfg->map_size, cfg->max_readers,
	    l->rdonly, &l->st)) != LIEN_OK ||
	    (!l->rdonly && (cfg->flags & LEDGER_NOSYNC) &&
	    (st = store_nosync(l->st)) != LIEN_OK) ||
	    (st = meta_bind(l, cfg)) != LIEN_OK ||
	    (st = seq_reload(l)) != LIEN_OK)
		goto fail;
	if (!l->rdonly) {
		if (pthread_create(&l->seq, NULL, seq_main, l) != 0) {
			st = LIEN_ENOMEM;
			goto fail;
		}
		l->seq_started = 1;
	}
	*out = l;
	return LIEN_OK;
fail:
	ledger_close(l);
	return st;
}

void
ledger_close(struct ledger *l)
{
	if (l == NULL)
		return;
	if (l->seq_started) {
		pthread_mutex_lock(&l->mu);
		l->closing = 1;
		pthread_cond_signal(&l->cv_work);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->seq, NULL);
	}
	store_close(l->st);
	writer_lock_release(l->wlock);	/* after the store is closed */
	for (unsigned t = 0; t < TILE_LEVELS; t++)
		free(l->tiles[t]);
	free(l->buf);
	free(l->scratch);
	free(l->zbuf);
	free(l->pbuf);
	map_pending_free(&l->mpend);
	map_wcache_free(l->mcache);
	free(l->latest_cp);
	pthread_cond_destroy(&l->cv_work);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

enum lien_status
ledger_sync(struct ledger *l)
{
	return store_sync(l->st);
}

const char *
ledger_origin(const struct ledger *l)
{
	return l->origin;
}

int
ledger_state_map_on(const struct ledger *l)
{
	return l->statemap;
}

enum lien_status
ledger_append_many(struct ledger *l, const struct ledger_item *items,
    size_t n, struct ledger_receipt *out)
{
	struct pending p;

	if (n == 0)
		return LIEN_OK;
	if (l->rdonly || n > l->batch_max)
		return LIEN_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (items[i].len > ENTRY_PAYLOAD_MAX)
			return LIEN_ETOOBIG;
		if (items[i].len > 0 && items[i].payload == NULL)
			return LIEN_EINVAL;
	}
	pthread_mutex_lock(&l->mu);
	if (l->closing || l->failed != LIEN_OK || l->frozen) {
		enum lien_status st = l->frozen ? LIEN_EFROZEN :
		    l->closing ? LIEN_ECLOSED : LIEN_EIO;

		pthread_mutex_unlock(&l->mu);
		return st;
	}
	memset(&p, 0, sizeof p);
	p.items = items;
	p.n = n;
	p.out = out;
	pthread_cond_init(&p.cv, NULL);
	pending_wait(l, &p);
	pthread_mutex_unlock(&l->mu);
	pthread_cond_destroy(&p.cv);
	return p.st;
}

enum lien_status
ledger_append_item(struct ledger *l, const struct ledger_item *item,
    struct ledger_receipt *out)
{
	enum lien_status st = ledger_append_many(l, item, 1, out);

	return st != LIEN_OK ? st : out->status;
}

enum lien_status
ledger_append(struct ledger *l, uint16_t type, const uint8_t *payload,
    size_t len, struct ledger_receipt *out)
{
	struct ledger_item it = { type, payload, len, NULL, NULL };

	return ledger_append_item(l, &it, out);
}

enum lien_status
ledger_freeze(struct ledger *l, uint64_t *out_size)
{
	struct pending p;

	if (l->rdonly)
		return LIEN_EINVAL;
	memset(&p, 0, sizeof p);
	p.freeze = 1;
	pthread_mutex_lock(&l->mu);
	if (l->frozen && l->head == NULL) {
		/* Already frozen (this process or an earlier one). */
		if (out_size != NULL)
			*out_size = l->frozen_size;
		pthread_mutex_unlock(&l->mu);
		return LIEN_OK;
	}
	if (l->closing || l->failed != LIEN_OK) {
		pthread_mutex_unlock(&l->mu);
		return l->closing ? LIEN_ECLOSED : LIEN_EIO;
	}
	/* Refuse new appends from now on; the freeze itself queues behind
	 * every append already waiting, so the sequencer records a final size
	 * that every acknowledged entry is inside. */
	l->frozen = 1;
	pthread_cond_init(&p.cv, NULL);
	pending_wait(l, &p);
	if (p.st != LIEN_OK)
		l->frozen = 0;
	pthread_mutex_unlock(&l->mu);
	pthread_cond_destroy(&p.cv);
	if (p.st == LIEN_OK && out_size != NULL)
		*out_size = p.final_size;
	return p.st;
}

/* The sequencer's half of ledger_freeze: one transaction recording the
 * final size. Every batch queued before the freeze has been committed. */
static enum lien_status LIEN_MUST_CHECK
seq_freeze(struct ledger *l, struct pending *p)
{
	struct store_txn *t = NULL;
	uint8_t buf[8];
	uint64_t n = l->frontier.size;
	enum lien_status st;

	be64_put(buf, n);
	if ((st = store_txn_begin(l->st, 1, &t)) != LIEN_OK)
		return st;
	if ((st = store_put(t, STORE_META, META_FROZEN, sizeof META_FROZEN - 1,
	    buf, 8, 0)) != LIEN_OK) {
		store_txn_abort(t);
		return st;
	}
	if ((st = store_txn_commit(t)) != LIEN_OK)
		return st;
	pthread_mutex_lock(&l->mu);
	l->frozen_size = n;
	pthread_mutex_unlock(&l->mu);
	p->final_size = n;
	return LIEN_OK;
}

int
ledger_frozen(struct ledger *l, uint64_t *out_size)
{
	int f;

	pthread_mutex_lock(&l->mu);
	f = l->frozen && (l->rdonly || l->frozen_size == atomic_load(&l->size));
	if (f && out_size != NULL)
		*out_size = l->frozen_size;
	pthread_mutex_unlock(&l->mu);
	return f;
}

uint64_t
ledger_size(struct ledger *l)
{
	return atomic_load(&l->size);
}

enum lien_status
ledger_latest_checkpoint(struct ledger *l, char **out, size_t *out_len)
{
	enum lien_status st = LIEN_ENOTFOUND;

	*out = NULL;
	*out_len = 0;
	pthread_mutex_lock(&l->mu);
	if (l->latest_cp != NULL) {
		*out = malloc(l->latest_cp_len + 1);
		if (*out == NULL) {
			st = LIEN_ENOMEM;
		} else {
			memcpy(*out, l->latest_cp, l->latest_cp_len + 1);
			*out_len = l->latest_cp_len;
			st = LIEN_OK;
		}
	}
	pthread_mutex_unlock(&l->mu);
	return st;
}

/* The signing keys of a note's signature lines: signed-note names a key
 * by (name, key id), the key id being the first 4 bytes of the decoded
 * signature. Names borrow the note or the caller's lines. */
struct cosig_keys {
	struct {
		const char *name;
		size_t name_len;
		uint32_t key_id;
	} k[NOTE_SIGS_MAX];
	size_t n;
};

static int
cosig_keys_has(const struct cosig_keys *ks, const struct note_sig *g)
{
	for (size_t i = 0; i < ks->n; i++)
		if (ks->k[i].key_id == g->key_id &&
		    ks->k[i].name_len == g->name_len &&
		    memcmp(ks->k[i].name, g->name, g->name_len) == 0)
			return 1;
	return 0;
}

/* Add g's key (not yet in ks); LIEN_ETOOBIG past NOTE_SIGS_MAX keys. */
static enum lien_status LIEN_MUST_CHECK
cosig_keys_add(struct cosig_keys *ks, const struct note_sig *g)
{
	if (ks->n == NOTE_SIGS_MAX)
		return LIEN_ETOOBIG;
	ks->k[ks->n].name = g->name;
	ks->k[ks->n].name_len = g->name_len;
	ks->k[ks->n].key_id = g->key_id;
	ks->n++;
	return LIEN_OK;
}

/* One line per signing key, the first one kept: a witness that cosigns
 * the same checkpoint again (tlog-cosignature: a new timestamp, so new
 * bytes; e.g. after lienlogd restarted and asked again) restates what
 * its stored line already says, and that stored line is what receipts
 * and status-proof bundles (tlog/status.c keeps the first line of each
 * key id too) already carry. Without this, repeats grew the note past
 * NOTE_SIGS_MAX lines, which every reader of ours refuses. The stored
 * note never exceeds NOTE_SIGS_MAX lines nor NOTE_MAX bytes: a line of a
 * new key that would pass either is refused (LIEN_ETOOBIG, nothing
 * stored). Lines are parsed with crypto/note.c's rules (LIEN_EPARSE). */
enum lien_status
ledger_checkpoint_add_cosigs(struct ledger *l, uint64_t n, const char *lines,
    size_t len)
{
	struct store_txn *t = NULL;
	struct cosig_keys ks;
	struct note_lines it;
	struct note_sig g;
	uint8_t key[8], *dst;
	const uint8_t *old, zero_root[HASH_LEN] = { 0 };
	size_t old_len, body_len, room, nlines = 0, add = 0;
	char body[NOTE_NAME_MAX + 128], *buf = NULL;
	enum lien_status st;

	if (l->rdonly || len == 0 || lines[len - 1] != '\n')
		return LIEN_EINVAL;
	if (len > NOTE_MAX)
		return LIEN_ETOOBIG;
	/* The served note is the body (its length does not depend on the
	 * root), a blank line and the stored lines (checkpoint_note_build). */
	if ((st = checkpoint_format(l->origin, strlen(l->origin), n, zero_root,
	    body, sizeof body, &body_len)) != LIEN_OK)
		return st;
	ks.n = 0;
	if ((st = store_txn_begin(l->st, 1, &t)) != LIEN_OK)
		return st;
	be64_put(key, n);
	if ((st = store_get(t, STORE_CHECKPOINTS, key, 8, &old, &old_len)) !=
	    LIEN_OK)
		goto out;
	/* The stored signature lines' keys (the store holds the lines, not
	 * the body). A note stored before this rule may hold repeats of a
	 * key, so more lines than keys: count its lines, remember each key
	 * once. */
	if (body_len + 1 > NOTE_MAX || old_len > NOTE_MAX - body_len - 1) {
		st = LIEN_ETOOBIG;
		goto out;
	}
	room = NOTE_MAX - body_len - 1 - old_len;
	it.p = old;
	it.len = old_len;
	while (it.len > 0) {
		if ((st = note_lines_next(&it, &g)) != LIEN_OK)
			goto out;
		nlines++;
		if (!cosig_keys_has(&ks, &g) &&
		    (st = cosig_keys_add(&ks, &g)) != LIEN_OK)
			goto out;
	}
	buf = malloc(old_len + len);
	if (buf == NULL) {
		st = LIEN_ENOMEM;
		goto out;
	}
	memcpy(buf, old, old_len);
	it.p = (const uint8_t *)lines;
	it.len = len;
	while (it.len > 0) {
		const uint8_t *line = it.p;
		size_t line_len;

		if ((st = note_lines_next(&it, &g)) != LIEN_OK)
			goto out;
		line_len = (size_t)(it.p - line);
		if (cosig_keys_has(&ks, &g))
			continue;	/* this key's first line is kept */
		if (nlines >= NOTE_SIGS_MAX ||
		    line_len > room - add) {
			st = LIEN_ETOOBIG;
			goto out;
		}
		/* g.name borrows lines, which outlives ks. */
		if ((st = cosig_keys_add(&ks, &g)) != LIEN_OK)
			goto out;
		memcpy(buf + old_len + add, line, line_len);
		add += line_len;
		nlines++;
	}
	if (add == 0) {
		st = LIEN_OK;
		goto out;
	}
	if ((st = store_reserve(t, STORE_CHECKPOINTS, key, 8, old_len + add,
	    &dst)) != LIEN_OK)
		goto out;
	memcpy(dst, buf, old_len + add);
	st = store_txn_commit(t);
	t = NULL;
	if (st == LIEN_OK && n == atomic_load(&l->size)) {
		/* Keep the cached latest note in step with the store. */
		char *cp = NULL;
		size_t cp_len = 0;
		struct ledger_view *v;

		if (ledger_view_open(l, &v) == LIEN_OK) {
			if (ledger_view_checkpoint(v, n, &cp, &cp_len) == LIEN_OK) {
				pthread_mutex_lock(&l->mu);
				if (atomic_load(&l->size) == n) {
					free(l->latest_cp);
					l->latest_cp = cp;
					l->latest_cp_len = cp_len;
					cp = NULL;
				}
				pthread_mutex_unlock(&l->mu);
			}
			free(cp);
			ledger_view_close(v);
		}
	}
out:
	store_txn_abort(t);
	free(buf);
	return st;
}

void
ledger_stats_get(struct ledger *l, struct ledger_stats *out)
{
	pthread_mutex_lock(&l->mu);
	*out = l->stats;
	pthread_mutex_unlock(&l->mu);
}

/* The counters live in the store and are written by the sequencer
 * thread; taking mu orders these calls with its batches (it takes mu to
 * dequeue a batch and to publish one). */
enum lien_status
ledger_wstat_start(struct ledger *l)
{
	enum lien_status st;

	if (l->rdonly)
		return LIEN_EINVAL;
	pthread_mutex_lock(&l->mu);
	st = store_wstat_start(l->st);
	pthread_mutex_unlock(&l->mu);
	return st;
}

enum lien_status
ledger_wstat_get(struct ledger *l, unsigned i, const char **name,
    uint64_t *writes, uint64_t *pages)
{
	if (i >= (unsigned)STORE_NTABLES)
		return LIEN_ENOTFOUND;
	pthread_mutex_lock(&l->mu);
	*name = store_table_name((enum store_table)i);
	store_wstat_get(l->st, (enum store_table)i, writes, pages);
	pthread_mutex_unlock(&l->mu);
	return LIEN_OK;
}

_Static_assert(LEDGER_WSTAT_CLASS_LEN == STORE_WSTAT_CLASS_LEN &&
    LEDGER_WSTAT_CLASSES == STORE_WSTAT_CLASSES, "ledger.h and store.h "
    "name the same key classes");

enum lien_status
ledger_wstat_class(struct ledger *l, unsigned i, unsigned j,
    const char **name, char cls[LEDGER_WSTAT_CLASS_LEN], uint64_t *writes,
    uint64_t *leaves)
{
	enum lien_status st;

	if (i >= (unsigned)STORE_NTABLES)
		return LIEN_ENOTFOUND;
	pthread_mutex_lock(&l->mu);
	*name = store_table_name((enum store_table)i);
	st = store_wstat_class(l->st, (enum store_table)i, j, cls, writes,
	    leaves);
	pthread_mutex_unlock(&l->mu);
	return st;
}

enum lien_status
ledger_wstat_written(struct ledger *l, unsigned i, const char **name,
    uint64_t out[3], uint64_t *commits)
{
	enum lien_status st;

	if (i >= (unsigned)STORE_WP_N)
		return LIEN_ENOTFOUND;
	pthread_mutex_lock(&l->mu);
	*name = i == STORE_WP_FREE ? "freelist" : i == STORE_WP_MAIN ?
	    "tables" : store_table_name((enum store_table)i);
	st = store_wstat_written(l->st, i, out, commits);
	pthread_mutex_unlock(&l->mu);
	return st == LIEN_ENOTFOUND ? LIEN_EIO : st;
}
