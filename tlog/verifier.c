/*
 * Verifying tlog-tiles client: checkpoints under a key + witness policy,
 * authenticated tiles, consistency computed from tiles, verified entries,
 * and C2SP tlog-proof files.
 *
 * Tile authentication (the part that must not be got wrong). For a tree of
 * size n, the right-edge tile of tile level t has width (n >> 8t) & 255;
 * the decomposition of n into complete subtrees (one per set bit of n)
 * lies entirely in those right-edge tiles, and their hashes partition each
 * right-edge tile. So fetching every right-edge tile, building each one's
 * node pyramid and folding the decomposition nodes must give the signed
 * root: that check authenticates every hash of every right-edge tile at
 * once. Any other tile (t, N) is full; its 256 hashes fold to node
 * (8t+8, N), which is hash N % 256 of tile (t+1, N / 256). A full tile is
 * admitted to the cache only after its fold equals that parent hash, read
 * (recursively) from an authenticated parent. Nothing else enters the
 * cache, and every hash we hand out is read from the cache, so no
 * unauthenticated byte is ever used, whatever order tiles are asked in.
 *
 * Entries: each bundle's leaf hashes are compared one by one with the
 * authenticated level-0 tile of the same index; a bundle is passed on only
 * when all of it matched and its envelopes chain.
 *
 * Not here: HTTP (client/fetch.c), durable state (ledger/mirror.c), output.
 */
#include "tlog/verifier.h"

#include "common/dec.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/b64.h"
#include "common/rd.h"
#include "tlog/merkle.h"
#include "tlog/tiles.h"

#include "crypto/cosig.h"

#define PROOF_HEADER "c2sp.org/tlog-proof@v1"

/* One tile with its node pyramid, laid out as a tile record
 * (tlog/tiles.h: tiles_rec_pos). */
struct ttile {
	unsigned level;
	uint64_t index;
	unsigned width;
	uint64_t stamp;		/* LRU clock; 0 = empty slot */
	uint8_t top[HASH_LEN];	/* fold of all 256 hashes (full tiles) */
	uint8_t node[TILE_REC_SLOTS][HASH_LEN];
};

struct tlog_tree {
	struct tlog_fetch f;
	uint64_t size;
	uint8_t root[HASH_LEN];
	struct ttile *edge[TILE_LEVELS];	/* right-edge tiles, or NULL */
	struct ttile *cache[TLOG_TILE_CACHE];	/* authenticated full tiles */
	uint64_t clock;
};

static const uint8_t empty_root[HASH_LEN] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
	0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

const char *
tlog_fault_name(enum tlog_fault f)
{
	switch (f) {
	case TLOG_FAULT_NONE: return "none";
	case TLOG_FAULT_MALFORMED: return "malformed";
	case TLOG_FAULT_SIGNATURE: return "bad_signature";
	case TLOG_FAULT_QUORUM: return "witness_quorum";
	case TLOG_FAULT_ROLLBACK: return "rollback";
	case TLOG_FAULT_FORK: return "fork";
	case TLOG_FAULT_TILE: return "tile_mismatch";
	case TLOG_FAULT_ENTRY: return "entry_mismatch";
	case TLOG_FAULT_STATE: return "state";
	}
	return "unknown";
}

static enum lien_status LIEN_MUST_CHECK
fault(struct tlog_report *r, enum tlog_fault f, uint64_t index,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record a fault; returns LIEN_EVERIFY so callers can `return fault(..)`. */
static enum lien_status LIEN_MUST_CHECK
fault(struct tlog_report *r, enum tlog_fault f, uint64_t index,
    const char *fmt, ...)
{
	va_list ap;

	if (r != NULL) {
		r->fault = f;
		r->index = index;
		va_start(ap, fmt);
		(void)vsnprintf(r->why, sizeof r->why, fmt, ap);
		va_end(ap);
	}
	return LIEN_EVERIFY;
}

static void
report_clear(struct tlog_report *r)
{
	if (r != NULL)
		memset(r, 0, sizeof *r);
}

/* ---- Checkpoints -------------------------------------------------------- */

enum lien_status
tlog_checkpoint_verify(const struct tlog_policy *p, const uint8_t *msg,
    size_t len, struct checkpoint *out, size_t *out_cosigned,
    struct tlog_report *r)
{
	enum lien_status st;
	size_t ncos = 0;

	report_clear(r);
	if (out_cosigned != NULL)
		*out_cosigned = 0;
	if (p == NULL || out == NULL || (msg == NULL && len != 0) ||
	    p->quorum > p->nwitnesses || p->nwitnesses > TLOG_WITNESSES_MAX)
		return LIEN_EINVAL;
	if (len == 0 || len > NOTE_MAX)
		return fault(r, TLOG_FAULT_MALFORMED, 0,
		    "checkpoint empty or over %u bytes", NOTE_MAX);
	st = checkpoint_open(msg, len, &p->log, out);
	if (st == LIEN_EPARSE || st == LIEN_ETOOBIG)
		return fault(r, TLOG_FAULT_MALFORMED, 0,
		    "checkpoint is not a well-formed signed note");
	if (st != LIEN_OK)
		return fault(r, TLOG_FAULT_SIGNATURE, 0,
		    "checkpoint not signed by the log key (or origin differs "
		    "from the key name)");
	if (p->nwitnesses > 0) {
		uint64_t mask;

		st = cosig_count_valid(msg, len, p->witnesses, p->nwitnesses,
		    &mask, NULL, &ncos);
		if (st == LIEN_EINVAL) {
			memset(out, 0, sizeof *out);
			return st;
		}
		if (st != LIEN_OK) {
			memset(out, 0, sizeof *out);
			return fault(r, TLOG_FAULT_MALFORMED, 0,
			    "cosignature lines are malformed");
		}
		/* Old and new key of one witness count once. */
		ncos = cosig_count_names(p->witnesses, p->nwitnesses, mask);
	}
	if (out_cosigned != NULL)
		*out_cosigned = ncos;
	if (ncos < p->quorum) {
		memset(out, 0, sizeof *out);
		return fault(r, TLOG_FAULT_QUORUM, 0,
		    "%zu valid witness cosignature(s), policy needs %zu of %zu",
		    ncos, p->quorum, p->nwitnesses);
	}
	return LIEN_OK;
}

/* ---- Tiles -------------------------------------------------------------- */

/* Fill the pyramid of t from its first width hashes (already in level 0). */
static void
pyramid_build(struct ttile *t)
{
	unsigned n = t->width;

	for (unsigned kk = 1; kk < TILE_HEIGHT; kk++) {
		n >>= 1;
		for (unsigned j = 0; j < n; j++)
			hash_node(t->node[tiles_rec_pos(kk - 1, 2u * j)],
			    t->node[tiles_rec_pos(kk - 1, 2u * j + 1u)],
			    t->node[tiles_rec_pos(kk, j)]);
	}
	if (t->width == TILE_WIDTH)
		hash_node(t->node[tiles_rec_pos(7, 0)],
		    t->node[tiles_rec_pos(7, 1)], t->top);
}

/* Fetch hash tile (level, index) of width w into a fresh ttile (not yet
 * authenticated). A log may delete a partial tile once the full one exists
 * (tlog-tiles): on 404 for a partial width, fall back to the full tile and
 * use its first w hashes. */
static enum lien_status LIEN_MUST_CHECK
tile_fetch(struct tlog_tree *tr, unsigned level, uint64_t index, unsigned w,
    struct ttile **out, struct tlog_report *r)
{
	struct tile_ref ref = { (int)level, index, w };
	char path[TILES_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct ttile *t;
	enum lien_status st;

	*out = NULL;
	if (tiles_path_format(&ref, path, sizeof path) != LIEN_OK)
		return LIEN_EINVAL;
	st = tr->f.get(tr->f.ctx, path, (size_t)w * HASH_LEN, &buf, &len);
	if (st == LIEN_ENOTFOUND && w < TILE_WIDTH) {
		ref.width = TILE_WIDTH;
		if (tiles_path_format(&ref, path, sizeof path) != LIEN_OK)
			return LIEN_EINVAL;
		st = tr->f.get(tr->f.ctx, path, (size_t)TILE_WIDTH * HASH_LEN,
		    &buf, &len);
		if (st == LIEN_OK && len == (size_t)TILE_WIDTH * HASH_LEN)
			len = (size_t)w * HASH_LEN;
	}
	if (st == LIEN_ETOOBIG) {
		free(buf);
		return fault(r, TLOG_FAULT_MALFORMED, 0, "tile %u/%" PRIu64
		    " is longer than %u hashes", level, index, w);
	}
	if (st != LIEN_OK) {
		free(buf);
		return st;
	}
	if (len != (size_t)w * HASH_LEN) {
		free(buf);
		return fault(r, TLOG_FAULT_MALFORMED, 0, "tile %u/%" PRIu64
		    " has %zu bytes, expected %u hashes", level, index, len, w);
	}
	t = malloc(sizeof *t);
	if (t == NULL) {
		free(buf);
		return LIEN_ENOMEM;
	}
	t->level = level;
	t->index = index;
	t->width = w;
	t->stamp = 0;
	memcpy(t->node, buf, len);
	free(buf);
	pyramid_build(t);
	*out = t;
	return LIEN_OK;
}

enum lien_status
tlog_tree_open(const struct tlog_fetch *f, uint64_t size,
    const uint8_t root[HASH_LEN], struct tlog_tree **out,
    struct tlog_report *r)
{
	struct tlog_tree *tr;
	uint8_t acc[HASH_LEN];
	enum lien_status st;
	int have = 0;

	report_clear(r);
	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (f == NULL || f->get == NULL || root == NULL)
		return LIEN_EINVAL;
	tr = calloc(1, sizeof *tr);
	if (tr == NULL)
		return LIEN_ENOMEM;
	tr->f = *f;
	tr->size = size;
	memcpy(tr->root, root, HASH_LEN);
	if (size == 0) {
		if (!hash_equal(root, empty_root)) {
			st = fault(r, TLOG_FAULT_TILE, 0, "size 0 with a root "
			    "other than SHA-256 of the empty string");
			goto fail;
		}
		*out = tr;
		return LIEN_OK;
	}
	for (unsigned t = 0; t < TILE_LEVELS; t++) {
		unsigned w = tiles_edge_width(size, t);

		if (w == 0)
			continue;
		st = tile_fetch(tr, t, tiles_edge_index(size, t), w,
		    &tr->edge[t], r);
		if (st != LIEN_OK)
			goto fail;
	}
	/* Fold the decomposition of size, smallest subtree first (as
	 * merkle_range_hash does): bit k of size is node (k, (size>>k)-1),
	 * which lies in the right-edge tile of tile level k/8 (that tile's
	 * index is (size>>k)-1 >> (8 - k%8) because bit k is set). */
	for (unsigned k = 0; k < 64; k++) {
		unsigned tl;
		uint64_t ti;
		const uint8_t *h;

		if ((tiles_nodes_at(size, k) & 1u) == 0)
			continue;
		h = tr->edge[k / TILE_HEIGHT]->node[tiles_rec_slot(k,
		    tiles_nodes_at(size, k) - 1u, &tl, &ti)];
		if (have) {
			hash_node(h, acc, acc);
		} else {
			memcpy(acc, h, HASH_LEN);
			have = 1;
		}
	}
	if (!hash_equal(acc, root)) {
		st = fault(r, TLOG_FAULT_TILE, 0, "the log's right-edge tiles "
		    "for size %" PRIu64 " do not hash to the signed root", size);
		goto fail;
	}
	*out = tr;
	return LIEN_OK;
fail:
	tlog_tree_free(tr);
	return st;
}

void
tlog_tree_free(struct tlog_tree *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; i < TILE_LEVELS; i++)
		free(t->edge[i]);
	for (unsigned i = 0; i < TLOG_TILE_CACHE; i++)
		free(t->cache[i]);
	free(t);
}

uint64_t
tlog_tree_size(const struct tlog_tree *t)
{
	return t == NULL ? 0 : t->size;
}

/* The authenticated tile (level, index) of the tree, borrowed until the
 * next call that may fetch (cache eviction). */
static enum lien_status LIEN_MUST_CHECK
tile_get(struct tlog_tree *tr, unsigned level, uint64_t index,
    const struct ttile **out, struct tlog_report *r)
{
	struct ttile *t = NULL;
	uint8_t parent[HASH_LEN];
	enum lien_status st;
	unsigned victim = 0;

	if (level >= TILE_LEVELS)
		return LIEN_ERANGE;
	if (index == tiles_edge_index(tr->size, level)) {
		if (tr->edge[level] == NULL)
			return LIEN_ERANGE;
		*out = tr->edge[level];
		return LIEN_OK;
	}
	if (index > tiles_edge_index(tr->size, level))
		return LIEN_ERANGE;
	for (unsigned i = 0; i < TLOG_TILE_CACHE; i++) {
		struct ttile *c = tr->cache[i];

		if (c != NULL && c->level == level && c->index == index) {
			c->stamp = ++tr->clock;
			*out = c;
			return LIEN_OK;
		}
	}
	/* A full tile: fetch, then check its fold against the parent tile's
	 * hash (level+1 exists because this tile is full and not the edge). */
	st = tile_fetch(tr, level, index, TILE_WIDTH, &t, r);
	if (st != LIEN_OK)
		return st;
	st = tlog_tree_node(tr, 8u * level + 8u, index, parent, r);
	if (st != LIEN_OK) {
		free(t);
		return st;
	}
	if (!hash_equal(parent, t->top)) {
		free(t);
		return fault(r, TLOG_FAULT_TILE, 0, "tile %u/%" PRIu64 " does "
		    "not hash to its parent in the signed tree", level, index);
	}
	for (unsigned i = 0; i < TLOG_TILE_CACHE; i++) {
		if (tr->cache[i] == NULL) {
			victim = i;
			break;
		}
		if (tr->cache[i]->stamp < tr->cache[victim]->stamp)
			victim = i;
	}
	free(tr->cache[victim]);
	t->stamp = ++tr->clock;
	tr->cache[victim] = t;
	*out = t;
	return LIEN_OK;
}

enum lien_status
tlog_tree_node(struct tlog_tree *t, unsigned level, uint64_t index,
    uint8_t out[HASH_LEN], struct tlog_report *r)
{
	const struct ttile *tile;
	unsigned tl, slot;
	uint64_t tidx;
	enum lien_status st;

	if (t == NULL || out == NULL || level >= 64)
		return LIEN_EINVAL;
	/* Complete within size: (index + 1) << level <= size, no overflow. */
	if (index >= tiles_nodes_at(t->size, level))
		return LIEN_ERANGE;
	slot = tiles_rec_slot(level, index, &tl, &tidx);
	st = tile_get(t, tl, tidx, &tile, r);
	if (st != LIEN_OK)
		return st;
	memcpy(out, tile->node[slot], HASH_LEN);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
source_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	return tlog_tree_node(ctx, level, index, out, NULL);
}

enum lien_status
tlog_tree_consistency(struct tlog_tree *t, uint64_t m,
    const uint8_t old_root[HASH_LEN], uint8_t proof[][HASH_LEN],
    size_t *out_nproof, uint8_t out_root_m[HASH_LEN], struct tlog_report *r)
{
	struct merkle_source src = { source_node, t };
	struct tlog_report local;
	enum lien_status st;

	report_clear(r);
	if (t == NULL || old_root == NULL || proof == NULL ||
	    out_nproof == NULL || out_root_m == NULL)
		return LIEN_EINVAL;
	*out_nproof = 0;
	if (m > t->size)
		return LIEN_ERANGE;
	if (r == NULL)
		r = &local;
	/* Node fetches report their own faults through r: the source
	 * callback cannot, so a fault during the proof is re-read here. */
	st = merkle_prove_consistency(&src, m, t->size, proof, out_nproof);
	if (st == LIEN_OK)
		st = merkle_root(&src, m, out_root_m);
	if (st != LIEN_OK) {
		if (st == LIEN_EVERIFY)
			return fault(r, TLOG_FAULT_TILE, 0, "a tile needed for "
			    "the consistency proof %" PRIu64 " -> %" PRIu64
			    " does not match the signed tree", m, t->size);
		return st;
	}
	if (!hash_equal(out_root_m, old_root))
		return fault(r, TLOG_FAULT_FORK, 0, "the log's tree of size %"
		    PRIu64 " does not extend the trusted tree of size %" PRIu64
		    ": its first %" PRIu64 " entries hash to another root",
		    t->size, m, m);
	/* Belt and braces: the RFC 9162 verifier must agree. */
	st = merkle_verify_consistency(m, t->size, old_root, t->root,
	    (const uint8_t (*)[HASH_LEN])proof, *out_nproof);
	if (st != LIEN_OK)
		return fault(r, TLOG_FAULT_FORK, 0, "consistency proof %" PRIu64
		    " -> %" PRIu64 " does not verify", m, t->size);
	return LIEN_OK;
}

enum lien_status
tlog_tree_prove_inclusion(struct tlog_tree *t, uint64_t index,
    uint8_t leaf[HASH_LEN], uint8_t proof[][HASH_LEN], size_t *out_nproof,
    struct tlog_report *r)
{
	struct merkle_source src = { source_node, t };
	enum lien_status st;

	report_clear(r);
	if (t == NULL || leaf == NULL || proof == NULL || out_nproof == NULL)
		return LIEN_EINVAL;
	*out_nproof = 0;
	if (index >= t->size)
		return LIEN_ERANGE;
	st = tlog_tree_node(t, 0, index, leaf, r);
	if (st == LIEN_OK)
		st = merkle_prove_inclusion(&src, index, t->size, proof,
		    out_nproof);
	if (st == LIEN_OK)
		st = merkle_verify_inclusion(leaf, index, t->size,
		    (const uint8_t (*)[HASH_LEN])proof, *out_nproof, t->root);
	if (st == LIEN_EVERIFY && (r == NULL || r->fault == TLOG_FAULT_NONE))
		return fault(r, TLOG_FAULT_TILE, index, "inclusion proof "
		    "from the log's tiles does not verify");
	return st;
}

/* ---- Entries ------------------------------------------------------------ */

/* Fetch entry bundle k of width w; on 404 for a partial width fall back
 * to the full bundle (whose first w entries are the same). */
static enum lien_status LIEN_MUST_CHECK
bundle_fetch(struct tlog_tree *tr, uint64_t k, unsigned w, uint8_t **out,
    size_t *out_len, int *out_full, struct tlog_report *r)
{
	struct tile_ref ref = { TILES_LEVEL_ENTRIES, k, w };
	char path[TILES_PATH_MAX];
	enum lien_status st;

	*out_full = 0;
	if (tiles_path_format(&ref, path, sizeof path) != LIEN_OK)
		return LIEN_EINVAL;
	st = tr->f.get(tr->f.ctx, path, TLOG_BUNDLE_MAX, out, out_len);
	if (st == LIEN_ENOTFOUND && w < TILE_WIDTH) {
		ref.width = TILE_WIDTH;
		if (tiles_path_format(&ref, path, sizeof path) != LIEN_OK)
			return LIEN_EINVAL;
		st = tr->f.get(tr->f.ctx, path, TLOG_BUNDLE_MAX, out,
		    out_len);
		*out_full = 1;
	}
	if (st == LIEN_ETOOBIG)
		return fault(r, TLOG_FAULT_MALFORMED, k * TILE_WIDTH,
		    "entry bundle %" PRIu64 " is oversize", k);
	return st;
}

static enum lien_status entries_walk(struct tlog_tree *t, uint64_t a,
    uint64_t b, enum lien_status (*fn)(void *ctx, const struct tlog_entry *e),
    void *ctx, struct tlog_report *r, size_t *off, uint16_t *elen,
    uint8_t (*leaves)[HASH_LEN]) LIEN_MUST_CHECK;

enum lien_status
tlog_tree_entries(struct tlog_tree *t, uint64_t a, uint64_t b,
    enum lien_status (*fn)(void *ctx, const struct tlog_entry *e), void *ctx,
    struct tlog_report *r)
{
	/* Offsets of the entries of one bundle: parse once, then verify all,
	 * then deliver. */
	size_t off[TILE_WIDTH];
	uint16_t elen[TILE_WIDTH];
	/* Leaf hashes of the bundle, kept so delivery never touches the tile
	 * cache again (fn may open more fetches and evict it). */
	uint8_t (*leaves)[HASH_LEN];
	enum lien_status st;

	report_clear(r);
	if (t == NULL || fn == NULL || a > b || b > t->size)
		return LIEN_EINVAL;
	if (a == b)
		return LIEN_OK;
	leaves = malloc((size_t)TILE_WIDTH * HASH_LEN);
	if (leaves == NULL)
		return LIEN_ENOMEM;
	st = entries_walk(t, a, b, fn, ctx, r, off, elen, leaves);
	free(leaves);
	return st;
}

static enum lien_status LIEN_MUST_CHECK
entries_walk(struct tlog_tree *t, uint64_t a, uint64_t b,
    enum lien_status (*fn)(void *ctx, const struct tlog_entry *e), void *ctx,
    struct tlog_report *r, size_t *off, uint16_t *elen,
    uint8_t (*leaves)[HASH_LEN])
{
	uint8_t prev_leaf[HASH_LEN];
	uint64_t prev_time = 0, start;
	int have_prev = 0, have_time = 0;
	enum lien_status st = LIEN_OK;

	start = a > 0 ? a - 1 : 0;
	for (uint64_t k = start / TILE_WIDTH; k <= (b - 1) / TILE_WIDTH; k++) {
		const struct ttile *tile;
		unsigned w = tiles_width_at(0, k, t->size);
		uint8_t *buf = NULL;
		size_t len = 0;
		int full;
		struct rd rd;

		st = bundle_fetch(t, k, w, &buf, &len, &full, r);
		if (st != LIEN_OK)
			return st;
		rd_init(&rd, buf, len);
		for (unsigned i = 0; i < w; i++) {
			const uint8_t *p;

			if (rd_u16be(&rd, &elen[i]) != LIEN_OK ||
			    rd_take(&rd, elen[i], &p) != LIEN_OK) {
				free(buf);
				return fault(r, TLOG_FAULT_MALFORMED,
				    k * TILE_WIDTH + i, "entry bundle %" PRIu64
				    " is truncated at entry %u", k, i);
			}
			off[i] = (size_t)(p - buf);
		}
		/* A partial bundle must hold exactly w entries; a full bundle
		 * used in place of a deleted partial one has 256 (checked
		 * against its own tile later, when that is the width). */
		if (rd_left(&rd) != 0 && !(full && w < TILE_WIDTH)) {
			free(buf);
			return fault(r, TLOG_FAULT_MALFORMED, k * TILE_WIDTH,
			    "entry bundle %" PRIu64 " has trailing bytes", k);
		}
		/* tile_get can evict; the pointer is used before any fetch. */
		st = tile_get(t, 0, k, &tile, r);
		if (st != LIEN_OK) {
			free(buf);
			return st;
		}
		if (!have_prev && k * TILE_WIDTH > 0) {
			/* The leaf before this bundle, from its own
			 * authenticated tile (time unknown: it was checked
			 * when that entry was processed). */
			st = tlog_tree_node(t, 0, k * TILE_WIDTH - 1, prev_leaf,
			    r);
			if (st != LIEN_OK) {
				free(buf);
				return st;
			}
			st = tile_get(t, 0, k, &tile, r);
			if (st != LIEN_OK) {
				free(buf);
				return st;
			}
			have_prev = 1;
		}
		for (unsigned i = 0; i < w; i++) {
			uint64_t g = k * TILE_WIDTH + i;
			struct tlog_entry e;

			hash_leaf(buf + off[i], elen[i], e.leaf);
			memcpy(leaves[i], e.leaf, HASH_LEN);
			if (!hash_equal(e.leaf, tile->node[i])) {
				free(buf);
				return fault(r, TLOG_FAULT_ENTRY, g, "entry %"
				    PRIu64 " from the bundle does not match "
				    "the leaf hash in the signed tree", g);
			}
			if (entry_decode(buf + off[i], elen[i], &e.env) !=
			    LIEN_OK || e.env.index != g) {
				free(buf);
				return fault(r, TLOG_FAULT_ENTRY, g, "entry %"
				    PRIu64 " is in the tree but its envelope is "
				    "invalid or names another index", g);
			}
			if (g > 0 && (!have_prev ||
			    !hash_equal(e.env.prev, prev_leaf))) {
				free(buf);
				return fault(r, TLOG_FAULT_ENTRY, g, "entry %"
				    PRIu64 " breaks the hash chain (prev is "
				    "not the leaf hash of entry %" PRIu64 ")",
				    g, g - 1);
			}
			if (have_time && e.env.time_ms < prev_time) {
				free(buf);
				return fault(r, TLOG_FAULT_ENTRY, g, "entry %"
				    PRIu64 " goes back in time", g);
			}
			memcpy(prev_leaf, e.leaf, HASH_LEN);
			prev_time = e.env.time_ms;
			have_prev = have_time = 1;
		}
		/* The whole bundle verified: deliver its part of [a, b). */
		for (unsigned i = 0; i < w && st == LIEN_OK; i++) {
			uint64_t g = k * TILE_WIDTH + i;
			struct tlog_entry e;

			if (g < a || g >= b)
				continue;
			e.index = g;
			memcpy(e.leaf, leaves[i], HASH_LEN);
			e.bytes = buf + off[i];
			e.len = elen[i];
			if (entry_decode(e.bytes, e.len, &e.env) != LIEN_OK) {
				st = LIEN_ECORRUPT;	/* decoded above */
				break;
			}
			st = fn(ctx, &e);
		}
		free(buf);
		if (st != LIEN_OK)
			return st;
	}
	return LIEN_OK;
}

/* ---- tlog-proof --------------------------------------------------------- */

/* Next line of the proof (without '\n'); LIEN_EPARSE if none. */
static enum lien_status LIEN_MUST_CHECK
next_line(struct rd *rd, const uint8_t **line, size_t *len)
{
	return rd_until(rd, '\n', line, len);
}

static int
starts(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(p, s, n) == 0;
}

void
tlog_proof_clear(struct tlog_proof *p)
{
	if (p == NULL)
		return;
	free((void *)p->extra);
	memset(p, 0, sizeof *p);
}

enum lien_status
tlog_proof_parse(const uint8_t *p, size_t len, struct tlog_proof *out)
{
	struct rd rd;
	const uint8_t *line;
	size_t n;
	enum lien_status st = LIEN_EPARSE;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, sizeof *out);
	if (p == NULL || len == 0)
		return LIEN_EPARSE;
	if (len > TLOG_PROOF_MAX)
		return LIEN_ETOOBIG;
	rd_init(&rd, p, len);
	if (next_line(&rd, &line, &n) != LIEN_OK ||
	    n != strlen(PROOF_HEADER) || memcmp(line, PROOF_HEADER, n) != 0)
		goto fail;
	if (next_line(&rd, &line, &n) != LIEN_OK)
		goto fail;
	if (starts(line, n, "extra ")) {
		size_t b64len = n - 6, cap = b64len / 4u * 3u;
		uint8_t *x;

		/* Non-empty: an empty extra is spelled by omitting the line. */
		if (b64len == 0 || cap > LEDGER_ENTRY_MAX + 3u)
			goto fail;
		x = malloc(cap);
		if (x == NULL) {
			st = LIEN_ENOMEM;
			goto fail;
		}
		out->extra = x;
		if (b64_decode((const char *)line + 6, b64len, x, cap,
		    &out->extra_len) != LIEN_OK || out->extra_len == 0)
			goto fail;
		if (next_line(&rd, &line, &n) != LIEN_OK)
			goto fail;
	}
	if (!starts(line, n, "index ") ||
	    dec_u64_parse(line + 6, n - 6, &out->index) != LIEN_OK)
		goto fail;
	for (;;) {
		size_t got;

		if (next_line(&rd, &line, &n) != LIEN_OK)
			goto fail;
		if (n == 0)
			break;
		if (out->nproof == MERKLE_PROOF_MAX) {
			st = LIEN_ETOOBIG;
			goto fail;
		}
		if (n != B64_ENCODED_LEN(HASH_LEN) ||
		    b64_decode((const char *)line, n, out->proof[out->nproof],
		    HASH_LEN, &got) != LIEN_OK || got != HASH_LEN)
			goto fail;
		out->nproof++;
	}
	if (rd_left(&rd) == 0)
		goto fail;
	out->checkpoint = rd.p;
	out->checkpoint_len = rd_left(&rd);
	return LIEN_OK;
fail:
	tlog_proof_clear(out);
	return st;
}

enum lien_status
tlog_proof_format(const uint8_t *extra, size_t extra_len, uint64_t index,
    const uint8_t proof[][HASH_LEN], size_t nproof, const uint8_t *checkpoint,
    size_t checkpoint_len, char **out, size_t *out_len)
{
	size_t cap, n;
	char *buf;
	int k;

	if (out == NULL || out_len == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	*out_len = 0;
	if (checkpoint == NULL || checkpoint_len == 0 ||
	    nproof > MERKLE_PROOF_MAX || (extra == NULL && extra_len != 0) ||
	    extra_len > LEDGER_ENTRY_MAX || checkpoint_len > NOTE_MAX)
		return LIEN_EINVAL;
	cap = sizeof PROOF_HEADER + 8u + B64_ENCODED_LEN(extra_len) + 32u +
	    nproof * (B64_ENCODED_LEN(HASH_LEN) + 1u) + 1u + checkpoint_len +
	    1u;
	buf = malloc(cap);
	if (buf == NULL)
		return LIEN_ENOMEM;
	n = (size_t)snprintf(buf, cap, "%s\n", PROOF_HEADER);
	if (extra_len > 0) {
		memcpy(buf + n, "extra ", 6);
		n += 6;
		if (b64_encode(extra, extra_len, buf + n, cap - n) != LIEN_OK)
			goto fail;
		n += B64_ENCODED_LEN(extra_len);
		buf[n++] = '\n';
	}
	k = snprintf(buf + n, cap - n, "index %" PRIu64 "\n", index);
	if (k < 0 || (size_t)k >= cap - n)
		goto fail;
	n += (size_t)k;
	for (size_t i = 0; i < nproof; i++) {
		if (b64_encode(proof[i], HASH_LEN, buf + n, cap - n) != LIEN_OK)
			goto fail;
		n += B64_ENCODED_LEN(HASH_LEN);
		buf[n++] = '\n';
	}
	buf[n++] = '\n';
	memcpy(buf + n, checkpoint, checkpoint_len);
	n += checkpoint_len;
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return LIEN_OK;
fail:
	free(buf);
	return LIEN_ETOOBIG;
}

enum lien_status
tlog_proof_verify(const struct tlog_policy *pol, const struct tlog_proof *p,
    const uint8_t leaf[HASH_LEN], struct checkpoint *out_cp,
    size_t *out_cosigned, struct tlog_report *r)
{
	enum lien_status st;

	if (pol == NULL || p == NULL || leaf == NULL || out_cp == NULL)
		return LIEN_EINVAL;
	st = tlog_checkpoint_verify(pol, p->checkpoint, p->checkpoint_len,
	    out_cp, out_cosigned, r);
	if (st != LIEN_OK)
		return st;
	if (p->index >= out_cp->size)
		return fault(r, TLOG_FAULT_MALFORMED, p->index, "index %"
		    PRIu64 " is not below the checkpoint size %" PRIu64,
		    p->index, out_cp->size);
	st = merkle_verify_inclusion(leaf, p->index, out_cp->size,
	    (const uint8_t (*)[HASH_LEN])p->proof, p->nproof, out_cp->root);
	if (st != LIEN_OK)
		return fault(r, TLOG_FAULT_ENTRY, p->index, "the inclusion "
		    "proof for index %" PRIu64 " does not verify against the "
		    "checkpoint root", p->index);
	return LIEN_OK;
}
