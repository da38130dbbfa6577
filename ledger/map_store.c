/*
 * The lien-status map in LMDB: versioned map tiles written append-only
 * (ledger/map_store.h has the layout, docs/storage.md "Status map" the
 * bytes), a write-side tile cache for the sequencer's batch and the audit
 * replay, a sweeping garbage collector, a read-side node source for
 * proofs from any snapshot, and the audit's logical comparison.
 *
 * Why append-only. Keys are SHA-256 outputs, so a batch's updates land
 * at random places. Updated in place (v7), every tile record a batch
 * changes is a random LMDB page that copy-on-write copies: ~3.5 pages per
 * update at 10^7 vehicles, and this class of disk writes random pages at
 * a few thousand per second. Written under a new generation, the changed
 * tiles of a batch are one run of fresh pages at the right edge of the
 * B-tree (MDB_APPEND fills them completely), and the old records are
 * deleted later by a sweep in key order (wc_gc), neighbours together.
 *
 * Why four levels per tile: a key's path is ~log2(n)/4 records (7 at
 * 10^7 vehicles) while a record stays under ~1.1 KiB, several per page.
 *
 * The write cache decodes each touched tile once per batch (finding it
 * through its parent's child pointer, loading ancestors first), lets
 * tlog/map.c read and write its nodes, and at the end writes each dirty
 * tile once, parents after their children's new generations are known.
 * The tiles of strata 0..MAP_CACHE_STRATA-1 (the top 20 levels: at most
 * 69,905 tiles, 151 MiB, whatever the map's size) stay decoded across
 * commits, in a table indexed directly by (stratum, prefix): only the
 * writer (the sequencer, or an audit's replay) changes the map, so its
 * copy is the map as of its last commit, and at 10^7 vehicles a batch
 * then reads ~10,000 records instead of ~19,000 and the GC's liveness
 * check stops at stratum 5 for most records; for stratum 6 (most of the
 * records at 10^7) it stops there too, through the generations of
 * stratum 6 that the cache learns as stratum-5 records pass by, or
 * reads from every one of them at its first commit when asked
 * (map_wcache_prefill: gx; ~10^6 reads at 10^7 vehicles, seconds once),
 * and keeps current, where it read the stratum-5 parent (~5,000 reads a
 * batch). The copy is trusted only while the store's `maptiles`
 * counters are the ones its last commit wrote: a commit whose
 * transaction was aborted after map_commit (or any other writer) leaves
 * other counters, and the next commit drops and reloads the kept tiles
 * (one walk, 0.3-1.7 s at 10^7); a failed map_commit drops them at
 * once. map_wcache_check compares them with a
 * store, both ways, for the tests. Deeper tiles are read per batch: a
 * batch of random keys touches ~1/1000 of them. A tile the update only
 * passes beside (the sibling of its path at a stratum boundary) is not
 * read: its top hash is in its parent's record (store v20, wc_peek).
 * The read side keeps the tiles of the path it last walked.
 *
 * Two threads (wc_update_2). Below depth 4 a batch's keys fall in 16
 * disjoint subtrees, so the update runs as parts (tlog/map.h
 * map_update_split): this thread takes about half the keys, a second
 * thread the rest, through a second cache (`aux`) that reads a read
 * transaction on the commit the batch starts from and shares the kept
 * tiles; its tiles below them and its dirty list then join this cache's,
 * and the top four levels, the rest of the GC and the writes run here
 * as before. While the second thread starts on the parts, this one
 * begins the GC's sweep (the last batch's budget), then takes parts
 * too, one at a time from a shared counter. Then a helper thread sorts
 * the tiles to write and encodes them while this one finishes the sweep
 * and appends them (wenc_start). The map is the same as on one thread,
 * tile for tile, the records written the same bytes, and the bound
 * holds the same (test_map_store threads); at 10^7 vehicles applying
 * the updates was ~12 of a batch's ~23 ms of CPU on one thread, the GC
 * ~6, sorting and encoding the writes ~1.5.
 *
 * What it is not: a place that knows the map's hashing (tlog/map.c), or
 * a cache for readers (views and read-only processes read LMDB).
 */
#define _DEFAULT_SOURCE	/* madvise, MADV_HUGEPAGE (Linux) */
#include "ledger/map_store.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/hex.h"
#include "common/rd.h"

/* ---- Memory -------------------------------------------------------------- */

/* Ask for 2 MiB pages under the large arrays every batch touches at
 * random (the kept tiles, 151 MiB at 10^7 vehicles; gx, 64 MiB; the
 * batch's own tiles and records, ~8 MiB each): with 4 KiB pages nearly
 * every tile a batch visits is a TLB miss, and a page walk that itself
 * misses the caches. A hint: where the kernel gives none (THP off, no
 * memory to compact), nothing changes. Only the 2 MiB-aligned inside of
 * [p, p + len) is advised; pages touched before are the kernel's to
 * collapse later, if at all. */
static void
huge_hint(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(huge - 1);

	if (p != NULL && b > a)
		(void)madvise((void *)a, (size_t)(b - a), MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}

/* ---- Pending updates ------------------------------------------------------ */

enum lien_status
map_pending_add(struct map_pending *p, const uint8_t key[MAP_KEY_LEN],
    const uint8_t value[MAP_VALUE_LEN])
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct map_update *u = realloc(p->u, cap * sizeof *u);

		if (u == NULL)
			return LIEN_ENOMEM;
		p->u = u;
		u = realloc(p->tmp, cap * sizeof *u);
		if (u == NULL)
			return LIEN_ENOMEM;
		p->tmp = u;
		p->cap = cap;
	}
	memcpy(p->u[p->n].key, key, MAP_KEY_LEN);
	memcpy(p->u[p->n].value, value, MAP_VALUE_LEN);
	p->u[p->n].del = 0;
	p->n++;
	return LIEN_OK;
}

void
map_pending_clear(struct map_pending *p)
{
	p->n = 0;
}

void
map_pending_free(struct map_pending *p)
{
	free(p->u);
	free(p->tmp);
	memset(p, 0, sizeof *p);
}

/* ---- Tile addressing and codec -------------------------------------------- */

static unsigned
popc16(unsigned x)
{
	return (unsigned)__builtin_popcount(x & 0xffffu);
}

/* Tile key of the node (depth, key); *slot its slot in that tile.
 *
 * Strata 0..3 (depths 0..15, the dense top): the byte s, then P packed
 * into ceil(4s/8) bytes. Strata 4 and below (the random bottom): the
 * byte 4, the first 16 bits of P, then one byte (0..15) per further
 * 4-bit step, so that LMDB's order (bytes, then the shorter first) is a
 * pre-order walk of each 16-bit group: a stratum-4 tile, then the whole
 * subtree below it, then the next. ledger/map_store.h says why. */
static size_t
tile_addr(unsigned depth, const uint8_t key[MAP_KEY_LEN],
    uint8_t out[MAP_TILE_KEY_MAX], unsigned *slot)
{
	unsigned s = depth / MAP_TILE_HEIGHT, r = depth % MAP_TILE_HEIGHT;
	unsigned j = 0;
	size_t len;

	for (unsigned i = 0; i < r; i++)
		j = j << 1 | map_key_bit(key, MAP_TILE_HEIGHT * s + i);
	*slot = (1u << r) - 1u + j;
	if (s < MAP_TILE_GROUP) {
		size_t nb = (MAP_TILE_HEIGHT * s + 7u) / 8u;

		out[0] = (uint8_t)s;
		memcpy(out + 1, key, nb);
		if ((MAP_TILE_HEIGHT * s) % 8u != 0)
			out[nb] &= 0xf0u;
		return 1 + nb;
	}
	out[0] = (uint8_t)MAP_TILE_GROUP;
	out[1] = key[0];
	out[2] = key[1];
	len = 3;
	for (unsigned k = MAP_TILE_GROUP; k < s; k++) {
		unsigned b = key[k / 2u];

		out[len++] = (uint8_t)(k % 2u == 0 ? b >> 4 : b & 0x0fu);
	}
	return len;
}

/* Tile key of tile (s, first 4s bits of path). */
static size_t
tile_key(unsigned s, const uint8_t path[MAP_KEY_LEN],
    uint8_t out[MAP_TILE_KEY_MAX])
{
	unsigned slot;

	return tile_addr(MAP_TILE_HEIGHT * s, path, out, &slot);
}

/* Nibble n (bits 4n .. 4n+3) of a key: which child of the stratum-n
 * tile on key's path the key goes on to. */
static unsigned
key_nibble(const uint8_t key[MAP_KEY_LEN], unsigned n)
{
	unsigned b = key[n / 2u];

	return n % 2u == 0 ? b >> 4 : b & 0x0fu;
}

static void
path_set_nibble(uint8_t path[MAP_KEY_LEN], unsigned n, unsigned v)
{
	if (n % 2u == 0)
		path[n / 2u] = (uint8_t)((path[n / 2u] & 0x0fu) | v << 4);
	else
		path[n / 2u] = (uint8_t)((path[n / 2u] & 0xf0u) | v);
}

/* The first 4s bits of key, the rest zero. */
static void
path_of(unsigned s, const uint8_t key[MAP_KEY_LEN], uint8_t out[MAP_KEY_LEN])
{
	size_t nb = (MAP_TILE_HEIGHT * s + 7u) / 8u;

	memset(out, 0, MAP_KEY_LEN);
	memcpy(out, key, nb);
	if ((MAP_TILE_HEIGHT * s) % 8u != 0)
		out[nb - 1] &= 0xf0u;
}

/* Inverse of tile_key: stratum and path of a stored tile key.
 * LIEN_ECORRUPT for a key tile_key never makes. */
static enum lien_status LIEN_MUST_CHECK
tile_key_parse(const uint8_t *k, size_t len, unsigned *s,
    uint8_t path[MAP_KEY_LEN])
{
	memset(path, 0, MAP_KEY_LEN);
	if (len < 1 || k[0] > MAP_TILE_GROUP)
		return LIEN_ECORRUPT;
	if (k[0] < MAP_TILE_GROUP) {
		size_t nb = (MAP_TILE_HEIGHT * k[0] + 7u) / 8u;

		*s = k[0];
		if (len != 1 + nb || ((MAP_TILE_HEIGHT * *s) % 8u != 0 &&
		    (k[nb] & 0x0fu) != 0))
			return LIEN_ECORRUPT;
		memcpy(path, k + 1, nb);
		return LIEN_OK;
	}
	if (len < 3 || len - 3 > MAP_DEPTH_MAX / MAP_TILE_HEIGHT -
	    MAP_TILE_GROUP)
		return LIEN_ECORRUPT;
	*s = (unsigned)(MAP_TILE_GROUP + (len - 3));
	path[0] = k[1];
	path[1] = k[2];
	for (size_t i = 3; i < len; i++) {
		if (k[i] > 0x0fu)
			return LIEN_ECORRUPT;
		path_set_nibble(path, (unsigned)(MAP_TILE_GROUP + (i - 3)),
		    k[i]);
	}
	return LIEN_OK;
}

/* Record key: generation u64be, then the tile key. */
static size_t
rec_key(uint64_t gen, const uint8_t *k, size_t klen,
    uint8_t out[MAP_REC_KEY_MAX])
{
	be64_put(out, gen);
	memcpy(out + 8, k, klen);
	return 8 + klen;
}

/* A parsed record (pointers into it). */
struct trec {
	unsigned present, leaves, children;
	unsigned derived;		/* present, hash not stored (v24) */
	size_t body_len;		/* header and slots */
	const uint8_t *gens;		/* children: generation, top hash */
};

/* The interior nodes of the bottom row (slots 7..14) of a tile whose
 * present and leaves bitmaps are these: store v24 keeps no hash for
 * them, each is the NODE hash of its two children's top hashes, which
 * the record holds (tile_bottom_hash). */
static unsigned
tile_derived(unsigned present, unsigned leaves)
{
	return present & ~leaves & MAP_TILE_BOTTOM;
}

/* The hash of the bottom-row interior node of slot `slot` from the top
 * hashes of its two child tiles, `children` saying which exist (an
 * absent one is EMPTY); top(j) for child j is at tops + j * stride. */
static void
tile_bottom_hash(unsigned slot, unsigned children, const uint8_t *tops,
    size_t stride, uint8_t out[HASH_LEN])
{
	uint8_t h[2][HASH_LEN];
	unsigned j = 2u * (slot - 7u);

	for (unsigned b = 0; b < 2; b++) {
		if (children & (1u << (j + b)))
			memcpy(h[b], tops + (j + b) * stride, HASH_LEN);
		else
			map_hash_empty(h[b]);
	}
	map_hash_node(h[0], h[1], out);
}

/* Check a record's header and child list against its length: slots,
 * then the children, each under an interior node of the bottom row, and
 * under every such node at least one (an interior node has two or more
 * keys below it, so a non-empty child). */
static enum lien_status LIEN_MUST_CHECK
tile_check(const uint8_t *v, size_t len, struct trec *r)
{
	if (len < 6)
		return LIEN_ECORRUPT;
	r->present = (unsigned)v[0] << 8 | v[1];
	r->leaves = (unsigned)v[2] << 8 | v[3];
	if (r->present == 0 || r->present >> MAP_TILE_SLOTS != 0 ||
	    (r->leaves & ~r->present) != 0)
		return LIEN_ECORRUPT;
	r->derived = tile_derived(r->present, r->leaves);
	r->body_len = 4u + HASH_LEN * (popc16(r->present & ~r->derived) +
	    popc16(r->leaves));
	if (len < r->body_len + 2)
		return LIEN_ECORRUPT;
	r->children = (unsigned)v[r->body_len] << 8 | v[r->body_len + 1];
	if (len != r->body_len + 2 + MAP_CHILD_LEN * popc16(r->children))
		return LIEN_ECORRUPT;
	for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
		unsigned slot = 7u + j / 2u;

		if ((r->children & (1u << j)) && (!(r->present &
		    (1u << slot)) || (r->leaves & (1u << slot))))
			return LIEN_ECORRUPT;
	}
	for (unsigned slot = 7u; slot < MAP_TILE_SLOTS; slot++)
		if ((r->derived & (1u << slot)) &&
		    !(r->children & (3u << (2u * (slot - 7u)))))
			return LIEN_ECORRUPT;
	r->gens = v + r->body_len + 2;
	return LIEN_OK;
}

/* Generation of child j (0: none). LIEN_ECORRUPT for a stored 0. */
static enum lien_status LIEN_MUST_CHECK
trec_child(const struct trec *r, unsigned j, uint64_t *out)
{
	*out = 0;
	if (!(r->children & (1u << j)))
		return LIEN_OK;
	*out = be64_get(r->gens + MAP_CHILD_LEN * popc16(r->children &
	    ((1u << j) - 1u)));
	return *out == 0 ? LIEN_ECORRUPT : LIEN_OK;
}

/* Top hash of child j as its parent's record holds it (j present). */
static const uint8_t *
trec_child_hash(const struct trec *r, unsigned j)
{
	return r->gens + MAP_CHILD_LEN * popc16(r->children & ((1u << j) -
	    1u)) + 8u;
}

/* Slot `slot` of a parsed record (v NULL: no record). */
static void
tile_slot(const uint8_t *v, const struct trec *r, unsigned slot,
    struct map_node *out)
{
	unsigned below = (1u << slot) - 1u;
	const uint8_t *p;

	if (v == NULL || !(r->present & (1u << slot))) {
		out->kind = MAP_EMPTY;
		return;
	}
	if (r->derived & (1u << slot)) {
		/* the children's top hashes, in nibble order after the
		 * generation of each present one */
		uint8_t tops[MAP_TILE_CHILDREN][HASH_LEN];

		for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++)
			if (r->children & (1u << j))
				memcpy(tops[j], trec_child_hash(r, j),
				    HASH_LEN);
		out->kind = MAP_NODE;
		tile_bottom_hash(slot, r->children, tops[0], HASH_LEN,
		    out->hash);
		return;
	}
	p = v + 4 + HASH_LEN * (popc16(r->present & ~r->derived & below) +
	    popc16(r->leaves & below));
	if (r->leaves & (1u << slot)) {
		map_node_leaf(out, p, p + MAP_KEY_LEN);
	} else {
		out->kind = MAP_NODE;
		memcpy(out->hash, p, HASH_LEN);
	}
}

/* Slot of the node (depth, key) in its tile. */
static unsigned
slot_of(unsigned depth, const uint8_t key[MAP_KEY_LEN])
{
	unsigned base = depth - depth % MAP_TILE_HEIGHT, j = 0;

	for (unsigned i = base; i < depth; i++)
		j = j << 1 | map_key_bit(key, i);
	return (1u << (depth - base)) - 1u + j;
}

/* ---- The meta record ---------------------------------------------------- */

enum lien_status
map_txn_stats(struct store_txn *t, struct map_stats *out)
{
	const uint8_t *v;
	size_t len;
	enum lien_status st;

	memset(out, 0, sizeof *out);
	st = store_get(t, STORE_META, MAP_META_KEY, sizeof MAP_META_KEY - 1,
	    &v, &len);
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (len != MAP_META_LEN)
		return LIEN_ECORRUPT;
	out->root_gen = be64_get(v);
	out->gen = be64_get(v + 8);
	out->live = be64_get(v + 16);
	out->total = be64_get(v + 24);
	if (out->root_gen > out->gen || out->live > out->total)
		return LIEN_ECORRUPT;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
stats_put(struct store_txn *t, const struct map_stats *m)
{
	uint8_t v[MAP_META_LEN];

	be64_put(v, m->root_gen);
	be64_put(v + 8, m->gen);
	be64_put(v + 16, m->live);
	be64_put(v + 24, m->total);
	return store_put(t, STORE_META, MAP_META_KEY, sizeof MAP_META_KEY - 1,
	    v, sizeof v, 0);
}

/* Where the GC's sweep goes on (the meta record `mapsweep`): the key of
 * the record it stopped at, or *len = 0 for the table's front (also
 * when there is no such record: a store the sweep never ran on).
 * LIEN_ECORRUPT for a length no record key has. */
static enum lien_status LIEN_MUST_CHECK
sweep_get(struct store_txn *t, uint8_t out[MAP_REC_KEY_MAX], size_t *len)
{
	const uint8_t *v;
	size_t vl;
	enum lien_status st;

	*len = 0;
	st = store_get(t, STORE_META, MAP_SWEEP_KEY, sizeof MAP_SWEEP_KEY - 1,
	    &v, &vl);
	if (st == LIEN_ENOTFOUND)
		return LIEN_OK;
	if (st != LIEN_OK)
		return st;
	if (vl != 0 && (vl <= 8 || vl > MAP_REC_KEY_MAX))
		return LIEN_ECORRUPT;
	memcpy(out, v, vl);
	*len = vl;
	return LIEN_OK;
}

/* ---- Write cache ------------------------------------------------------------ */

struct wtile {
	uint8_t key[MAP_TILE_KEY_MAX];
	uint8_t key_len;
	uint8_t stratum;
	/* 1: rewrite at this batch's generation; 2: so are all its
	 * ancestors (wc_flush) */
	uint8_t dirty;
	uint8_t stored;		/* a record (gen, key) exists */
	/* Bit i: slot i is a leaf decoded from the store whose hash is not
	 * computed yet. Most leaves a batch decodes are never asked for
	 * (only a changed node's children are), so hashing every leaf of
	 * every tile read was the larger part of an update's SHA-256 work. */
	uint16_t unhashed;
	uint16_t children;	/* child tiles present (bit = nibble) */
	/* index of the parent tile in its stratum's set (root: 0) */
	uint32_t parent;
	uint64_t gen;		/* the stored record's generation */
	uint64_t cgen[MAP_TILE_CHILDREN];
	/* the children's top hashes as this tile's record holds them (as
	 * of the last commit: wc_flush updates them with cgen) */
	uint8_t chash[MAP_TILE_CHILDREN][HASH_LEN];
	uint8_t path[MAP_KEY_LEN];	/* the first 4 * stratum bits */
	struct map_node slot[MAP_TILE_SLOTS];
};

/* The records a commit writes (wc_flush), sorted and encoded by a
 * helper thread while this one sweeps and puts: see wenc_start. */
struct wenc {
	/* the dirty tiles, in key order once sorted: each with the first 8
	 * bytes of its tile key (zero-padded, big-endian: LMDB's order up to
	 * ties, which the keys break), so that most comparisons read no
	 * tile */
	struct wsort {
		uint64_t k8;
		struct wtile *w;
	} *dirty;
	size_t nd, cap;
	uint8_t *buf;		/* record i at i * MAP_TILE_REC_MAX */
	uint16_t *len;		/* its length (0: an emptied tile) */
	uint8_t *ready;		/* 1: encoded (atomic, release/acquire) */
	size_t next;		/* the next record to encode (atomic) */
	/* the helper's steps: sorted (it says), prepped (the committing
	 * thread says: the parents' child pointers are final) */
	int sorted, prepped, helper;
	pthread_mutex_t m;
	pthread_cond_t cv;
	pthread_t th;
	uint64_t aux_ns, aux_n;	/* the helper's CPU time, records encoded */
	/* the tiles below the kept strata, for the helper to count those
	 * read and not rewritten (prof.read_clean) once it has encoded */
	const struct tset *low;
	uint64_t clean;
};

/* Decoded tiles with an index by tile key: a hash table, or for the
 * kept strata (dense at the top of any large map) a direct table with
 * one entry per possible tile, (16^s - 1) / 15 + the 4s-bit prefix. */
struct tset {
	struct wtile *tiles;	/* dense, n used */
	size_t n, ntiles_cap;
	uint32_t *idx;		/* open addressing: 0 free, else tile + 1 */
	size_t cap;		/* power of two, >= 2 n */
	uint32_t *dir;		/* direct: 0 none, else tile + 1 */
	size_t ndir;
};

/* The direct table's entry for tile key k (stratum k[0] < 5: its first
 * 4 k[0] bits are k[1], k[2]). */
static size_t
tset_dir_pos(const uint8_t *k, size_t klen)
{
	unsigned s = k[0];
	unsigned v = (klen > 1 ? (unsigned)k[1] << 8 : 0) |
	    (klen > 2 ? k[2] : 0);

	return (((size_t)1 << (4 * s)) - 1) / 15 + (v >> (16 - 4 * s));
}

/* Two sets: `top` holds the tiles of strata 0 .. keep-1 and is kept
 * across commits (every tile there, loaded at the first commit); `low`
 * holds the deeper tiles one commit touches and is emptied after it.
 * A tile's stratum says which set it is in. */
struct map_wcache {
	struct store_txn *t;
	struct map_stats ms;	/* as of the batch's start, then updated */
	unsigned keep;
	struct tset top, low;
	/* the kept set this cache uses: &top, or for the second lane of a
	 * commit in two parts its owner's (wc_update_2) */
	struct tset *topp;
	/* top is the committed map as of the `maptiles` counters top_ms
	 * (a generation): a commit whose store says otherwise (this
	 * cache's last commit aborted, or another writer) drops it */
	int top_valid;
	struct map_stats top_ms;
	/* per stratum: the tile last asked for (index + 1 in its set, 0:
	 * none); the update walks depth first, so most asks are for the
	 * same tile */
	size_t last[MAP_DEPTH_MAX / MAP_TILE_HEIGHT + 1];
	/* the tiles this commit marked dirty, in the order marked */
	struct wref {
		uint32_t i;	/* index in its stratum's set */
		uint8_t s;	/* stratum */
	} *dl;
	size_t ndl, dlcap;
	uint64_t gc_seen, gc_kept;	/* this commit's */
	/* the live records the sweep lifted, to put back packed (wc_move):
	 * per record its key length (1 byte), value length (2, native),
	 * key and value; nmv bytes used */
	uint8_t *mv;
	size_t nmv, mvcap;
	/* their index by record key (open addressing: 0 free, else offset
	 * + 1 in mv), for liveness checks that pass through a lifted
	 * ancestor (wc_live) */
	uint32_t *mvidx;
	size_t nmvrec, mvidxcap;
	uint64_t gc_moved;		/* this commit's */
	struct ledger_map_prof prof;	/* all commits' */
	int prune;	/* map_wcache_prune */
	int prefill;	/* map_wcache_prefill */
	/* The generations of the tiles of stratum keep + 1 as the committed
	 * map holds them (their parents' child pointers), one entry per
	 * 4 (keep + 1)-bit prefix (gx_pos): 0 not known, else the
	 * generation + 1 (1: no tile). The GC's liveness check of a record
	 * below stratum keep otherwise reads its stratum-keep ancestor's
	 * record for this one pointer (wc_live): at 10^7 vehicles most
	 * records are of stratum 6 and the sweep read ~5,400 records a
	 * batch. Filled from every stratum-keep record when the kept
	 * tiles load if asked (map_wcache_prefill, wc_prefetch_gx), and as
	 * stratum-keep records pass by (decoded by the update, read or
	 * passed live by the sweep), set for the tiles a commit writes
	 * (wc_flush), freed with the kept tiles; NULL when not allocated
	 * (calloc: untouched pages cost nothing; 64 MiB at keep 5 once all
	 * are touched). */
	uint32_t *gx;
	size_t ngx;
	/* The update in two parts at once (wc_update_2): threads to use (1
	 * or 2), the second lane (a cache of its own for the tiles below
	 * the kept strata, sharing this one's kept tiles and gx), and the
	 * lock for adding a tile to the kept set while both lanes run (NULL
	 * otherwise; the set's room is reserved then, so tiles never move). */
	unsigned nthreads;
	struct map_wcache *aux;
	pthread_mutex_t *toplock, lock;
	struct map_split sp;
	/* The sweep beside the update (wc_update_2): this batch starts over
	 * the bound (gc_over); the last batch's budget d + e + extra
	 * (gc_hint), what the early sweep takes; while it runs, liveness does not read the
	 * tiles' dirty flags (gc_blind); whether it ran (gc_early) and its
	 * CPU time (gc_early_ns). */
	int gc_over, gc_blind, gc_early;
	uint64_t gc_hint, gc_early_ns;
	/* The writes' sorting and encoding (struct wenc), beside the GC and
	 * the puts when nthreads is 2. */
	struct wenc *enc;
};

static struct tset *
wc_set(struct map_wcache *c, unsigned s)
{
	return s < c->keep ? c->topp : &c->low;
}

static struct wtile *
wc_w(struct map_wcache *c, unsigned s, size_t i)
{
	return &wc_set(c, s)->tiles[i];
}

/* Note tile i of stratum s in the dirty list (its flag is the caller's). */
static enum lien_status LIEN_MUST_CHECK
wc_dl_add(struct map_wcache *c, unsigned s, size_t i)
{
	if (c->ndl == c->dlcap) {
		size_t cap = c->dlcap ? 2 * c->dlcap : 1024;
		struct wref *d = realloc(c->dl, cap * sizeof *d);

		if (d == NULL)
			return LIEN_ENOMEM;
		c->dl = d;
		c->dlcap = cap;
	}
	c->dl[c->ndl].i = (uint32_t)i;
	c->dl[c->ndl].s = (uint8_t)s;
	c->ndl++;
	return LIEN_OK;
}

/* Mark tile i of stratum s to be rewritten at this generation. */
static enum lien_status LIEN_MUST_CHECK
wc_mark(struct map_wcache *c, unsigned s, size_t i)
{
	struct wtile *w = wc_w(c, s, i);
	enum lien_status st;

	if (w->dirty != 0)
		return LIEN_OK;
	if ((st = wc_dl_add(c, s, i)) != LIEN_OK)
		return st;
	w->dirty = 1;
	return LIEN_OK;
}

void
map_wcache_prof(const struct map_wcache *c, struct ledger_map_prof *out)
{
	if (c == NULL)
		memset(out, 0, sizeof *out);
	else
		*out = c->prof;
}

/* Thread CPU time: what a benchmark can attribute to this thread's
 * work whatever else the machine runs. */
static uint64_t
cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
map_wcache_free(struct map_wcache *c)
{
	if (c == NULL)
		return;
	if (c->aux != NULL) {
		/* its kept set and gx are this cache's (wc_update_2) */
		c->aux->gx = NULL;
		map_wcache_free(c->aux);
	}
	if (c->topp == &c->top)
		pthread_mutex_destroy(&c->lock);
	free(c->top.tiles);
	free(c->top.idx);
	free(c->top.dir);
	free(c->low.tiles);
	free(c->low.idx);
	free(c->dl);
	free(c->mv);
	free(c->mvidx);
	free(c->gx);
	if (c->enc != NULL) {
		pthread_cond_destroy(&c->enc->cv);
		pthread_mutex_destroy(&c->enc->m);
		free(c->enc->dirty);
		free(c->enc->buf);
		free(c->enc->len);
		free(c->enc->ready);
		free(c->enc);
	}
	free(c);
}

enum lien_status
map_wcache_create(unsigned keep, struct map_wcache **out)
{
	struct map_wcache *c;

	*out = NULL;
	if (keep > MAP_CACHE_STRATA_MAX)
		return LIEN_EINVAL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return LIEN_ENOMEM;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return LIEN_ENOMEM;
	}
	c->topp = &c->top;
	c->nthreads = MAP_COMMIT_THREADS;
	c->keep = keep;
	c->ngx = keep > 0 ? (size_t)1 << (4 * (keep + 1)) : 0;
	c->top.ndir = (((size_t)1 << (4 * keep)) - 1) / 15;
	if (c->top.ndir > 0 &&
	    (c->top.dir = calloc(c->top.ndir, sizeof *c->top.dir)) == NULL) {
		pthread_mutex_destroy(&c->lock);
		free(c);
		return LIEN_ENOMEM;
	}
	*out = c;
	return LIEN_OK;
}

static void
tset_clear(struct tset *ts)
{
	ts->n = 0;
	if (ts->idx != NULL)
		memset(ts->idx, 0, ts->cap * sizeof *ts->idx);
	if (ts->dir != NULL)
		memset(ts->dir, 0, ts->ndir * sizeof *ts->dir);
}

void
map_wcache_prune(struct map_wcache *c, int on)
{
	c->prune = on;
}

void
map_wcache_prefill(struct map_wcache *c, int on)
{
	c->prefill = on;
}

enum lien_status
map_wcache_threads(struct map_wcache *c, unsigned n)
{
	if (n < 1 || n > 2)
		return LIEN_EINVAL;
	c->nthreads = n;
	return LIEN_OK;
}

void
map_wcache_drop(struct map_wcache *c)
{
	if (c == NULL)
		return;
	tset_clear(&c->top);
	c->top_valid = 0;
	memset(c->last, 0, sizeof c->last);
	free(c->gx);
	c->gx = NULL;
}

static uint64_t
key_hash(const uint8_t *k, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull * (uint64_t)(len + 1);

	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static enum lien_status LIEN_MUST_CHECK
tset_rehash(struct tset *c, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof *idx);

	if (idx == NULL)
		return LIEN_ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		size_t h = (size_t)key_hash(c->tiles[i].key,
		    c->tiles[i].key_len) & (cap - 1);

		while (idx[h] != 0)
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)(i + 1);
	}
	free(c->idx);
	c->idx = idx;
	c->cap = cap;
	return LIEN_OK;
}

/* Index of the tile with key k in c; 0 if absent, else index + 1. */
static size_t
tset_find(const struct tset *c, const uint8_t *k, size_t klen)
{
	size_t h;

	if (c->dir != NULL)
		return c->dir[tset_dir_pos(k, klen)];
	if (c->cap == 0)
		return 0;
	h = (size_t)key_hash(k, klen) & (c->cap - 1);
	for (; c->idx[h] != 0; h = (h + 1) & (c->cap - 1)) {
		const struct wtile *w = &c->tiles[c->idx[h] - 1];

		if (w->key_len == klen && memcmp(w->key, k, klen) == 0)
			return c->idx[h];
	}
	return 0;
}

/* The cached tile (s, key k): index + 1 in its stratum's set, 0: none. */
static size_t
wc_find(struct map_wcache *c, unsigned s, const uint8_t *k, size_t klen)
{
	return tset_find(wc_set(c, s), k, klen);
}

/* ---- The generations of stratum keep + 1 (struct map_wcache gx) ---- */

/* Entry of tile (keep + 1, the first 4 (keep + 1) bits of path). */
static size_t
gx_pos(const struct map_wcache *c, const uint8_t path[MAP_KEY_LEN])
{
	size_t v = 0;

	for (unsigned n = 0; n <= c->keep; n++)
		v = v << 4 | key_nibble(path, n);
	return v;
}

/* The committed generation of tile (keep + 1, path) if known: 1 and
 * *out (0: no such tile), else 0. */
static int
gx_get(const struct map_wcache *c, const uint8_t path[MAP_KEY_LEN],
    uint64_t *out)
{
	uint32_t x;

	/* relaxed atomics: the sweep reads and fills entries while the
	 * second lane fills them too (wc_update_2), with the same values */
	if (c->gx == NULL || (x = __atomic_load_n(&c->gx[gx_pos(c, path)],
	    __ATOMIC_RELAXED)) == 0)
		return 0;
	*out = x - 1u;
	return 1;
}

/* Record the committed children of the stratum-keep tile on path: child
 * j at cgen[j] where children has bit j, else none. Always writes every
 * entry (one that cannot hold its generation becomes unknown), so that
 * no entry outlives the pointer it copied. The first call allocates; if
 * that fails the index stays off (it only saves reads). */
static void
gx_fill(struct map_wcache *c, const uint8_t path[MAP_KEY_LEN],
    unsigned children, const uint64_t cgen[MAP_TILE_CHILDREN])
{
	size_t base;

	if (c->ngx == 0 || c->prune)
		return;
	if (c->gx == NULL) {
		if ((c->gx = calloc(c->ngx, sizeof *c->gx)) == NULL)
			return;
		huge_hint(c->gx, c->ngx * sizeof *c->gx);
	}
	base = gx_pos(c, path) & ~(size_t)(MAP_TILE_CHILDREN - 1u);
	for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
		uint64_t g = children & (1u << j) ? cgen[j] : 0;

		__atomic_store_n(&c->gx[base + j], g < UINT32_MAX ?
		    (uint32_t)(g + 1u) : 0, __ATOMIC_RELAXED);
	}
}

/* gx_fill from a stratum-keep record (parsed). */
static enum lien_status LIEN_MUST_CHECK
gx_fill_rec(struct map_wcache *c, const uint8_t path[MAP_KEY_LEN],
    const struct trec *r)
{
	uint64_t cgen[MAP_TILE_CHILDREN];
	enum lien_status st;

	if (c->ngx == 0 || c->prune)
		return LIEN_OK;
	for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++)
		if ((st = trec_child(r, j, &cgen[j])) != LIEN_OK)
			return st;
	gx_fill(c, path, r->children, cgen);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
wc_decode(const uint8_t *v, size_t len, struct wtile *w)
{
	struct trec r;
	const uint8_t *p = v + 4;
	enum lien_status st;

	if ((st = tile_check(v, len, &r)) != LIEN_OK)
		return st;
	w->unhashed = (uint16_t)(r.leaves | r.derived);
	for (unsigned i = 0; i < MAP_TILE_SLOTS; i++) {
		if (!(r.present & (1u << i))) {
			w->slot[i].kind = MAP_EMPTY;
		} else if (r.derived & (1u << i)) {
			w->slot[i].kind = MAP_NODE;	/* hashed on use */
		} else if (r.leaves & (1u << i)) {
			w->slot[i].kind = MAP_LEAF;
			memcpy(w->slot[i].key, p, MAP_KEY_LEN);
			memcpy(w->slot[i].value, p + MAP_KEY_LEN,
			    MAP_VALUE_LEN);
			p += MAP_KEY_LEN + MAP_VALUE_LEN;
		} else {
			w->slot[i].kind = MAP_NODE;
			memcpy(w->slot[i].hash, p, HASH_LEN);
			p += HASH_LEN;
		}
	}
	w->children = (uint16_t)r.children;
	for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
		if ((st = trec_child(&r, j, &w->cgen[j])) != LIEN_OK)
			return st;
		if (r.children & (1u << j))
			memcpy(w->chash[j], trec_child_hash(&r, j), HASH_LEN);
	}
	return LIEN_OK;
}

/* Index of the cached tile (s, key's first 4s bits), loaded on first use
 * through its parent's child pointer (the parent first: at most 65
 * levels of recursion). An index, not a pointer: loading moves tiles. */
static enum lien_status LIEN_MUST_CHECK
wc_tile(struct map_wcache *wc, unsigned s, const uint8_t key[MAP_KEY_LEN],
    size_t *out)
{
	uint8_t k[MAP_TILE_KEY_MAX], rk[MAP_REC_KEY_MAX];
	size_t klen = tile_key(s, key, k), i, h, parent = 0, at;
	struct tset *c = wc_set(wc, s);
	uint64_t gen = 0;
	struct wtile *w;
	const uint8_t *v;
	size_t vlen;
	enum lien_status st;

	if ((i = tset_find(c, k, klen)) != 0) {
		*out = i - 1;
		return LIEN_OK;
	}
	if (s == 0) {
		gen = wc->ms.root_gen;
	} else {
		const struct wtile *pw;
		unsigned j = key_nibble(key, s - 1);

		if ((st = wc_tile(wc, s - 1, key, &parent)) != LIEN_OK)
			return st;
		pw = wc_w(wc, s - 1, parent);
		if (pw->children & (1u << j))
			gen = pw->cgen[j];
	}
	if (c->dir == NULL && 2 * (c->n + 1) > c->cap &&
	    (st = tset_rehash(c, c->cap ? 2 * c->cap : 1024)) != LIEN_OK)
		return st;
	/* both lanes of a commit in two parts add kept tiles (each under
	 * its own part's prefix: distinct entries of dir), into room
	 * reserved before they started */
	if (c->dir != NULL && wc->toplock != NULL)
		pthread_mutex_lock(wc->toplock);
	if (c->n == c->ntiles_cap) {
		size_t ncap = c->ntiles_cap ? 2 * c->ntiles_cap : 256;
		struct wtile *t;

		/* the kept set holds at most one tile per position */
		if (c->dir != NULL && ncap > c->ndir)
			ncap = c->ndir;
		if (ncap <= c->n || (c->dir != NULL && wc->toplock != NULL))
			t = NULL;	/* cannot happen */
		else
			t = realloc(c->tiles, ncap * sizeof *t);
		if (t != NULL) {
			c->tiles = t;
			c->ntiles_cap = ncap;
			huge_hint(t, ncap * sizeof *t);
		}
	}
	at = c->n < c->ntiles_cap ? c->n++ : SIZE_MAX;
	if (c->dir != NULL && wc->toplock != NULL)
		pthread_mutex_unlock(wc->toplock);
	if (at == SIZE_MAX)
		return LIEN_ENOMEM;
	w = &c->tiles[at];
	memcpy(w->key, k, klen);
	w->key_len = (uint8_t)klen;
	w->stratum = (uint8_t)s;
	w->dirty = 0;
	w->unhashed = 0;
	w->children = 0;
	w->parent = (uint32_t)parent;
	w->gen = gen;
	w->stored = gen != 0;
	path_of(s, key, w->path);
	if (gen == 0) {
		for (unsigned n = 0; n < MAP_TILE_SLOTS; n++)
			w->slot[n].kind = MAP_EMPTY;
	} else {
		wc->prof.read++;
		st = store_get(wc->t, STORE_MAP, rk, rec_key(gen, k, klen, rk),
		    &v, &vlen);
		if (st == LIEN_ENOTFOUND)
			return LIEN_ECORRUPT;	/* a dangling pointer */
		if (st != LIEN_OK || (st = wc_decode(v, vlen, w)) != LIEN_OK)
			return st;
	}
	/* the committed tile (its pointers change only at wc_flush) */
	if (s == wc->keep)
		gx_fill(wc, w->path, w->children, w->cgen);
	if (c->dir != NULL) {
		c->dir[tset_dir_pos(k, klen)] = (uint32_t)(at + 1);
	} else {
		h = (size_t)key_hash(k, klen) & (c->cap - 1);
		while (c->idx[h] != 0)
			h = (h + 1) & (c->cap - 1);
		c->idx[h] = (uint32_t)(at + 1);
	}
	*out = at;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK wc_at(struct map_wcache *c,
    unsigned depth, const uint8_t key[MAP_KEY_LEN], size_t *out);

/* Compute the hash of slot `slot` of w if it was decoded without one: a
 * leaf's, or a bottom-row interior node's from the children's top
 * hashes w holds. Those are the committed children's (wc_flush changes
 * them), which is right: a node whose child changes in a batch is
 * rewritten by the update (wc_put) before anything asks for it again. */
static void
wtile_hash(struct wtile *w, unsigned slot)
{
	struct map_node *n = &w->slot[slot];

	if (!(w->unhashed & (1u << slot)))
		return;
	if (n->kind == MAP_LEAF)
		map_hash_leaf(n->key, n->value, n->hash);
	else
		tile_bottom_hash(slot, w->children, w->chash[0], HASH_LEN,
		    n->hash);
	w->unhashed = (uint16_t)(w->unhashed & ~(1u << slot));
}

static enum lien_status LIEN_MUST_CHECK
wc_get(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	struct map_wcache *c = ctx;
	unsigned slot = slot_of(depth, key);
	struct wtile *w;
	size_t i;
	enum lien_status st = wc_at(c, depth, key, &i);

	if (st != LIEN_OK)
		return st;
	w = wc_w(c, depth / MAP_TILE_HEIGHT, i);
	wtile_hash(w, slot);
	*out = w->slot[slot];
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
wc_put(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    const struct map_node *n)
{
	struct map_wcache *c = ctx;
	unsigned slot = slot_of(depth, key);
	struct wtile *w;
	size_t i;
	enum lien_status st = wc_at(c, depth, key, &i);

	if (st != LIEN_OK)
		return st;
	w = wc_w(c, depth / MAP_TILE_HEIGHT, i);
	w->slot[slot] = *n;
	w->unhashed = (uint16_t)(w->unhashed & ~(1u << slot));
	return wc_mark(c, depth / MAP_TILE_HEIGHT, i);
}

/* map_store's peek: the node (depth, key) where the update needs only
 * its hash. For the top node of a tile not in the cache, that is the
 * hash its parent's record holds (the parent is cached: the update is
 * at its bottom row), and the child's record is not read; a tile not in
 * the cache is unchanged in this batch, so the parent's hash is still
 * its top's. Anything else is wc_get. */
static enum lien_status LIEN_MUST_CHECK
wc_peek(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	struct map_wcache *c = ctx;
	unsigned s = depth / MAP_TILE_HEIGHT, j;
	uint8_t k[MAP_TILE_KEY_MAX];
	const struct wtile *pw;
	size_t pi;
	enum lien_status st;

	if (depth % MAP_TILE_HEIGHT != 0 || s == 0)
		return wc_get(ctx, depth, key, out);
	if (wc_find(c, s, k, tile_key(s, key, k)) != 0)
		return wc_get(ctx, depth, key, out);	/* cached: as good */
	if ((st = wc_at(c, depth - 1u, key, &pi)) != LIEN_OK)
		return st;
	pw = wc_w(c, s - 1u, pi);
	j = key_nibble(key, s - 1u);
	if (!(pw->children & (1u << j))) {
		out->kind = MAP_EMPTY;
		return LIEN_OK;
	}
	out->kind = MAP_HASH;
	memcpy(out->hash, pw->chash[j], HASH_LEN);
	c->prof.peeked++;
	return LIEN_OK;
}

static int
wtile_empty(const struct wtile *w)
{
	return w->slot[0].kind == MAP_EMPTY;
}

/* Do a and b agree on their first 4s bits? */
static int
path_equal(const uint8_t *a, const uint8_t *b, unsigned s)
{
	if (memcmp(a, b, s / 2u) != 0)
		return 0;
	return s % 2u == 0 || ((a[s / 2u] ^ b[s / 2u]) & 0xf0u) == 0;
}

/* wc_tile for the node (depth, key), through the stratum's last tile. */
static enum lien_status LIEN_MUST_CHECK
wc_at(struct map_wcache *c, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    size_t *out)
{
	unsigned s = depth / MAP_TILE_HEIGHT;
	size_t l = c->last[s];
	enum lien_status st;

	if (l != 0 && path_equal(wc_w(c, s, l - 1)->path, key, s)) {
		*out = l - 1;
		return LIEN_OK;
	}
	if ((st = wc_tile(c, s, key, out)) == LIEN_OK)
		c->last[s] = *out + 1;
	return st;
}

/* A record the GC's sweep lifted and has not put back yet (wc_lift):
 * 1 and its value, else 0. */
static int
wc_lifted(const struct map_wcache *c, const uint8_t *rk, size_t rl,
    const uint8_t **v, size_t *vl)
{
	size_t h;

	if (c->nmvrec == 0)
		return 0;
	h = (size_t)key_hash(rk, rl) & (c->mvidxcap - 1);
	for (; c->mvidx[h] != 0; h = (h + 1) & (c->mvidxcap - 1)) {
		const uint8_t *m = c->mv + c->mvidx[h] - 1;
		uint16_t l;

		if (m[0] != rl || memcmp(m + 3, rk, rl) != 0)
			continue;
		memcpy(&l, m + 1, 2);
		*v = m + 3 + rl;
		*vl = l;
		return 1;
	}
	return 0;
}

/* Is record (g, tile (s, path)) the live one of a tile this batch does
 * not rewrite anyway? Walks down from the root through the cache where
 * it holds a tile (child pointers change only at wc_flush, so they are
 * the committed tree's) and through raw records elsewhere, without
 * decoding or caching them: the sweep leaves live records where they
 * are, so no tile needs to enter the cache for it. */
static enum lien_status LIEN_MUST_CHECK
wc_live(struct map_wcache *c, unsigned s, const uint8_t path[MAP_KEY_LEN],
    uint64_t g, int *out)
{
	uint64_t gen = c->ms.root_gen;
	unsigned t = 0;

	*out = 0;
	/* The kept set holds every tile of the committed tree above stratum
	 * keep (wc_prefetch; new tiles join it, none leave) with its
	 * committed generation and child pointers until wc_flush: a tile
	 * there is in the committed tree iff it is stored, and a kept tile
	 * not in the set is in no tree. So the walk starts at the deepest
	 * kept tile on the path, not at the root: one lookup where it took
	 * up to `keep`, each a random 2.2 KiB tile, for each of the ~5,500
	 * records a batch's sweep passes at 10^7 vehicles. A replay's cache
	 * (prune) loads its kept tiles on use, and walks from the root. */
	if (c->keep > 0 && !c->prune && gen != 0) {
		uint8_t k[MAP_TILE_KEY_MAX];
		unsigned d = s < c->keep ? s : c->keep - 1u;
		size_t i = wc_find(c, d, k, tile_key(d, path, k));
		const struct wtile *w;

		c->prof.gc_kept_looked++;
		if (i == 0)
			return LIEN_OK;
		w = wc_w(c, d, i - 1);
		if (!w->stored)
			return LIEN_OK;
		if (d == s) {
			/* (the sweep beside the update, gc_blind, does not
			 * read dirty: the lanes set it meanwhile) */
			*out = w->gen == g && (c->gc_blind || !w->dirty);
			return LIEN_OK;
		}
		t = d + 1u;
		gen = w->children & (1u << key_nibble(path, d)) ?
		    w->cgen[key_nibble(path, d)] : 0;
	}
	for (; gen != 0; t++) {
		uint8_t k[MAP_TILE_KEY_MAX], rk[MAP_REC_KEY_MAX];
		size_t klen = tile_key(t, path, k), i = wc_find(c, t, k, klen);
		const uint8_t *v;
		size_t vl;
		struct trec r;
		enum lien_status st;

		if (t < c->keep)
			c->prof.gc_kept_looked++;

		if (i != 0) {
			const struct wtile *w = wc_w(c, t, i - 1);

			/* (the sweep beside the update, gc_blind, does not
			 * read dirty: the lanes set it meanwhile) */
			if (t == s) {
				*out = w->stored && w->gen == g &&
				    (c->gc_blind || !w->dirty);
				return LIEN_OK;
			}
			gen = w->children & (1u << key_nibble(path, t)) ?
			    w->cgen[key_nibble(path, t)] : 0;
			continue;
		}
		if (t == s) {
			*out = gen == g;
			return LIEN_OK;
		}
		/* a stratum-keep tile not in the cache: its child's
		 * generation without its record, if known */
		if (t == c->keep && gx_get(c, path, &gen))
			continue;
		c->prof.read++;
		c->prof.gc_read++;
		st = store_get(c->t, STORE_MAP, rk, rec_key(gen, k, klen, rk),
		    &v, &vl);
		/* lifted by this sweep, not yet put back (wc_gc) */
		if (st == LIEN_ENOTFOUND && wc_lifted(c, rk, 8 + klen, &v, &vl))
			st = LIEN_OK;
		if (st == LIEN_ENOTFOUND)
			return LIEN_ECORRUPT;
		if (st != LIEN_OK || (st = tile_check(v, vl, &r)) != LIEN_OK ||
		    (st = trec_child(&r, key_nibble(path, t), &gen)) !=
		    LIEN_OK)
			return st;
		if (t == c->keep && (st = gx_fill_rec(c, path, &r)) != LIEN_OK)
			return st;
	}
	return LIEN_OK;
}

/* Close the dirty list under "parent of": afterwards c->ndl is the
 * number of tiles this batch writes or empties (wc_flush), which the
 * GC's budget follows. c->dl grows while this walks it. */
static enum lien_status LIEN_MUST_CHECK
wc_close(struct map_wcache *c)
{
	for (size_t k = 0; k < c->ndl; k++) {
		const struct wtile *w = wc_w(c, c->dl[k].s, c->dl[k].i);
		enum lien_status st;

		if (w->stratum > 0 && (st = wc_mark(c, w->stratum - 1u,
		    w->parent)) != LIEN_OK)
			return st;
	}
	return LIEN_OK;
}

/* LMDB's key order: bytes, then the shorter first. */
static int
rec_key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c != 0 ? c : (al > bl) - (al < bl);
}

/* Lift a live record the sweep passes (copied: the cursor's delete
 * frees its bytes) to be put back by wc_move. */
static enum lien_status LIEN_MUST_CHECK
wc_lift(struct map_wcache *c, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	size_t need = 3 + kl + vl;

	if (kl > MAP_REC_KEY_MAX || vl > MAP_TILE_REC_MAX)
		return LIEN_ECORRUPT;
	if (c->nmv + need > c->mvcap) {
		size_t cap = c->mvcap ? 2 * c->mvcap : (size_t)1 << 20;
		uint8_t *m;

		while (cap < c->nmv + need)
			cap *= 2;
		if ((m = realloc(c->mv, cap)) == NULL)
			return LIEN_ENOMEM;
		c->mv = m;
		c->mvcap = cap;
	}
	if (2 * (c->nmvrec + 1) > c->mvidxcap) {
		size_t cap = c->mvidxcap ? 2 * c->mvidxcap : 4096;
		uint32_t *x = calloc(cap, sizeof *x);

		if (x == NULL)
			return LIEN_ENOMEM;
		for (size_t at = 0; at < c->nmv;) {
			size_t l = c->mv[at], h;
			uint16_t vlen;

			h = (size_t)key_hash(c->mv + at + 3, l) & (cap - 1);
			while (x[h] != 0)
				h = (h + 1) & (cap - 1);
			x[h] = (uint32_t)(at + 1);
			memcpy(&vlen, c->mv + at + 1, 2);
			at += 3 + l + vlen;
		}
		free(c->mvidx);
		c->mvidx = x;
		c->mvidxcap = cap;
	}
	{
		size_t h = (size_t)key_hash(k, kl) & (c->mvidxcap - 1);

		while (c->mvidx[h] != 0)
			h = (h + 1) & (c->mvidxcap - 1);
		c->mvidx[h] = (uint32_t)(c->nmv + 1);
	}
	c->mv[c->nmv] = (uint8_t)kl;
	memcpy(c->mv + c->nmv + 1, &(uint16_t){ (uint16_t)vl }, 2);
	memcpy(c->mv + c->nmv + 3, k, kl);
	memcpy(c->mv + c->nmv + 3 + kl, v, vl);
	c->nmv += need;
	c->nmvrec++;
	return LIEN_OK;
}

/* Put the lifted records back under their own keys, in key order (the
 * order they were lifted in). Their neighbours in the table went with
 * them (garbage deleted, live lifted), so each lands at the end of the
 * leaf page before the gap, and LMDB splits a page whose last slot
 * takes the insert so that the left page stays full (mdb_page_split's
 * bias for sequential inserts): the records are packed into full pages,
 * and neither their keys nor any parent changes. */
static enum lien_status LIEN_MUST_CHECK
wc_move(struct map_wcache *c)
{
	size_t at = 0;

	while (at < c->nmv) {
		size_t kl = c->mv[at];
		uint16_t vl;
		enum lien_status st;

		memcpy(&vl, c->mv + at + 1, 2);
		if ((st = store_put(c->t, STORE_MAP, c->mv + at + 3, kl,
		    c->mv + at + 3 + kl, vl, 0)) != LIEN_OK)
			return st;
		c->gc_moved++;
		at += 3 + kl + vl;
	}
	c->nmv = 0;
	if (c->nmvrec > 0)
		memset(c->mvidx, 0, c->mvidxcap * sizeof *c->mvidx);
	c->nmvrec = 0;
	return LIEN_OK;
}

/* The sweeping GC (ledger/map_store.h), run while the table is over its
 * bound: a cursor goes on from where the last batch's sweep stopped
 * (`mapsweep`, written in the same transaction, so that a restart or
 * an aborted batch does not send it back over the live records it has
 * passed; at the table's end it starts again at the front), and
 * deletes every garbage record it passes, until this batch has deleted
 * `budget` records (c->gc_seen, over the batch's sweeps: wc_gc sets the
 * budget to what it writes plus `extra`), or it has passed every record
 * once (then no garbage is left).
 *
 * The live records it passes are moved, not left: lifted out with the
 * garbage and put back under the same keys once the sweep stops
 * (wc_move), packed into full pages. Left in place, they keep their
 * pages while the garbage around them goes, and LMDB merges a leaf page
 * only under a quarter full: at 10^7 vehicles the table ended at 3.8
 * records per 4 KiB page and the file grew from 9.1 to 16 GB with the
 * records at 2 x live (docs/storage.md "Garbage and its bound"). The pages the move writes
 * are pages the garbage's deletes would have copied anyway, and fewer:
 * the live records of a stretch of sparse pages fill a few full ones.
 * The key stays, so no parent's child pointer changes: a move costs a
 * delete and a put, not the ancestors a copy forward to the new
 * generation rewrites (the GC before the sweep).
 *
 * The budget follows the writes (docs/storage.md "Garbage and its
 * bound"): with d tiles dirty (c->ndl, closed under parents) of which e
 * emptied, the records change by (d - e) - deleted and the live ones by
 * at least -e, so total - FACTOR x live (FACTOR 2) changes by at most
 * d + e - deleted: deleting d + e + extra makes it fall by extra. Moved
 * records count as neither. */
static enum lien_status LIEN_MUST_CHECK
wc_sweep(struct map_wcache *c, uint64_t budget)
{
	struct store_cursor *cur = NULL;
	uint8_t start[MAP_REC_KEY_MAX];
	size_t start_len, past = 0;
	const uint8_t *k, *v;
	size_t kl, vl;
	int wrapped = 0;
	enum lien_status st;

	c->nmv = c->nmvrec = 0;
	if (c->mvidx != NULL)
		memset(c->mvidx, 0, c->mvidxcap * sizeof *c->mvidx);
	if ((st = sweep_get(c->t, start, &start_len)) != LIEN_OK ||
	    (st = store_cursor_open(c->t, STORE_MAP, &cur)) != LIEN_OK)
		return st;
	st = store_cursor_seek(cur, start_len ? start : NULL, start_len, &k,
	    &kl, &v, &vl);
	if (st == LIEN_ENOTFOUND && start_len > 0) {
		wrapped = 1;
		st = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
	}
	while (st == LIEN_OK) {
		uint8_t path[MAP_KEY_LEN];
		unsigned s;
		int live, full = c->gc_seen >= budget, edge = 0;

		/* once round: every record seen, the garbage gone */
		if (wrapped && (start_len == 0 ||
		    rec_key_cmp(k, kl, start, start_len) >= 0))
			break;
		if (kl <= 8 || kl > MAP_REC_KEY_MAX) {
			st = LIEN_ECORRUPT;
			break;
		}
		/* The lifted records go back at a page edge: the cursor on a
		 * page this transaction has not touched (so on its first
		 * record, all before it gone). That page's separator in its
		 * parent is then above every key put back, so they land at
		 * the end of the page before it, where LMDB's split keeps
		 * pages full. Stopped inside a page, the sweep leaves that
		 * page holding a few records pulled from its left neighbour
		 * (LMDB refills a page under a quarter full from there), its
		 * separator below the records put back, and they go in
		 * between its records: every split then halves a page (at
		 * 10^7 vehicles the moved records sat 26% full). Past the
		 * budget this goes on over pages LMDB has touched already (a
		 * leaf that is the first under its branch refills from its
		 * right neighbours as it empties, so that the pages ahead are
		 * touched before the cursor comes to them) for at most
		 * MAP_GC_EDGE_MAX records; the garbage among them goes too,
		 * which the bound allows. */
		if (full || c->nmv >= MAP_GC_LIFT_MAX)
			edge = store_txn_clean(c->t, k) != 0 ||
			    past >= MAP_GC_EDGE_MAX;
		if (full && edge)
			break;
		past += (size_t)full;
		/* a long stretch of live records (a bulk load's) goes back
		 * before more is lifted: the records put back lie behind the
		 * cursor, which then finds its record again (the puts move
		 * LMDB's pages), and a sweep that has gone round stops
		 * before those it put back at or after its start */
		if (c->nmv >= MAP_GC_LIFT_MAX && edge) {
			uint8_t at[MAP_REC_KEY_MAX];
			size_t al = kl;

			memcpy(at, k, kl);
			if ((st = wc_move(c)) != LIEN_OK ||
			    (st = store_cursor_seek(cur, at, al, &k, &kl, &v,
			    &vl)) != LIEN_OK)
				break;
		}
		if ((st = tile_key_parse(k + 8, kl - 8u, &s, path)) !=
		    LIEN_OK || (st = wc_live(c, s, path, be64_get(k),
		    &live)) != LIEN_OK)
			break;
		if (live) {
			struct trec r;

			c->gc_kept++;
			if (s == c->keep && ((st = tile_check(v, vl, &r)) !=
			    LIEN_OK || (st = gx_fill_rec(c, path, &r)) !=
			    LIEN_OK))
				break;
			if ((st = wc_lift(c, k, kl, v, vl)) != LIEN_OK)
				break;
		} else {
			c->ms.total--;
			c->gc_seen++;
		}
		/* the cursor then stands on the next record, which MDB_NEXT
		 * returns */
		if ((st = store_cursor_del(cur)) != LIEN_OK)
			break;
		st = store_cursor_next(cur, &k, &kl, &v, &vl);
		if (st == LIEN_ENOTFOUND && !wrapped) {
			wrapped = 1;
			st = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
		}
	}
	/* where the next batch goes on: the record the cursor stands on
	 * (copied out before the puts, which move LMDB's pages) */
	if (st == LIEN_OK) {
		memcpy(start, k, kl);
		start_len = kl;
	} else if (st == LIEN_ENOTFOUND) {
		start_len = 0;
		st = LIEN_OK;
	}
	store_cursor_close(cur);
	if (st == LIEN_OK)
		st = wc_move(c);
	if (st == LIEN_OK)
		st = store_put(c->t, STORE_META, MAP_SWEEP_KEY,
		    sizeof MAP_SWEEP_KEY - 1, start, start_len, 0);
	return st;
}

/* The sweep's budget for this batch (wc_sweep), d + e + extra, less what
 * a sweep beside the update took already (wc_update_2); then the rest
 * of it, if any. Remembers the budget for the next batch's early sweep:
 * all of it, so that what is left here (when this batch writes more
 * than the last) is small, and the sweep runs where the second thread
 * updates beside it, not alone while the writes wait. */
static enum lien_status LIEN_MUST_CHECK
wc_gc(struct map_wcache *c, size_t extra)
{
	size_t nempty = 0;
	uint64_t budget;

	/* (c->dl is closed under parents: map_commit) */
	for (size_t i = 0; i < c->ndl; i++)
		if (wtile_empty(wc_w(c, c->dl[i].s, c->dl[i].i)))
			nempty++;
	budget = (uint64_t)c->ndl + nempty + extra;
	c->gc_hint = budget;
	if (c->gc_seen >= budget)
		return LIEN_OK;
	return wc_sweep(c, budget);
}

static int
wtile_cmp(const void *a, const void *b)
{
	const struct wtile *x = *(const struct wtile *const *)a;
	const struct wtile *y = *(const struct wtile *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	return c != 0 ? c : (int)x->key_len - (int)y->key_len;
}

/* Encode w (not empty) into out; returns the length. */
static size_t
wtile_encode(const struct wtile *w, uint8_t out[MAP_TILE_REC_MAX])
{
	unsigned present = 0, leaves = 0;
	uint8_t *dst = out + 4;

	for (unsigned s = 0; s < MAP_TILE_SLOTS; s++) {
		const struct map_node *n = &w->slot[s];

		if (n->kind == MAP_LEAF) {
			present |= 1u << s;
			leaves |= 1u << s;
			memcpy(dst, n->key, MAP_KEY_LEN);
			memcpy(dst + MAP_KEY_LEN, n->value, MAP_VALUE_LEN);
			dst += MAP_KEY_LEN + MAP_VALUE_LEN;
		} else if (n->kind == MAP_NODE) {
			present |= 1u << s;
			/* the bottom row's are derived (tile_derived) */
			if (s < 7u) {
				memcpy(dst, n->hash, HASH_LEN);
				dst += HASH_LEN;
			}
		}
	}
	out[0] = (uint8_t)(present >> 8);
	out[1] = (uint8_t)present;
	out[2] = (uint8_t)(leaves >> 8);
	out[3] = (uint8_t)leaves;
	*dst++ = (uint8_t)(w->children >> 8);
	*dst++ = (uint8_t)w->children;
	for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
		if (w->children & (1u << j)) {
			be64_put(dst, w->cgen[j]);
			memcpy(dst + 8, w->chash[j], HASH_LEN);
			dst += MAP_CHILD_LEN;
		}
	}
	return (size_t)(dst - out);
}

/* ---- The writes' sorting and encoding beside the rest --------------------
 *
 * Of a batch's writes on the committing thread (~3 ms at 10^6 vehicles,
 * ~3.7 at 10^7), sorting the ~3,000-4,000 dirty tiles into key order
 * (~0.55 ms) and encoding them (~0.9 ms) need no LMDB: a helper thread
 * does them while this one finishes the GC's sweep, sets the parents'
 * child pointers and puts the records (tiles are read-only to the
 * helper, which encodes a tile only once every pointer is final). The
 * records are the same bytes either way: the helper runs the same
 * wtile_encode on the same tiles (test_map_store threads compares them
 * byte for byte), and this thread encodes what the helper has not yet
 * when the puts catch up with it. */

/* Encode record i of e (claimed by the caller) and publish it. */
static void
wenc_one(struct wenc *e, size_t i)
{
	const struct wtile *w = e->dirty[i].w;

	e->len[i] = wtile_empty(w) ? 0 : (uint16_t)wtile_encode(w,
	    e->buf + i * MAP_TILE_REC_MAX);
	__atomic_store_n(&e->ready[i], 1, __ATOMIC_RELEASE);
}

/* Claim and encode records until every one is claimed; the number this
 * caller encoded. */
static uint64_t
wenc_claim(struct wenc *e)
{
	uint64_t n = 0;
	size_t i;

	while ((i = __atomic_fetch_add(&e->next, 1, __ATOMIC_RELAXED)) < e->nd) {
		wenc_one(e, i);
		n++;
	}
	return n;
}

static int
wsort_cmp(const void *a, const void *b)
{
	const struct wsort *x = a, *y = b;

	if (x->k8 != y->k8)
		return x->k8 < y->k8 ? -1 : 1;
	return wtile_cmp(&x->w, &y->w);
}

/* Tiles of ts read from the store and not rewritten (a profile figure:
 * one cache miss a tile, so the helper counts them). */
static uint64_t
wc_clean(const struct tset *ts)
{
	uint64_t n = 0;

	for (size_t i = 0; i < ts->n; i++)
		if (ts->tiles[i].stored && ts->tiles[i].dirty == 0)
			n++;
	return n;
}

/* One side's step done (*mine), then wait for the other's (*theirs). */
static void
wenc_step(struct wenc *e, int *mine, const int *theirs)
{
	pthread_mutex_lock(&e->m);
	*mine = 1;
	pthread_cond_broadcast(&e->cv);
	while (!*theirs)
		pthread_cond_wait(&e->cv, &e->m);
	pthread_mutex_unlock(&e->m);
}

static void *
wenc_main(void *arg)
{
	struct wenc *e = arg;
	uint64_t t0 = cpu_now();

	if (e->nd > 1)
		qsort(e->dirty, e->nd, sizeof *e->dirty, wsort_cmp);
	wenc_step(e, &e->sorted, &e->prepped);
	e->aux_n = wenc_claim(e);
	e->clean = wc_clean(e->low);
	e->aux_ns = cpu_now() - t0;
	return NULL;
}

/* Room for nd records in c's encoder (allocated on first use). */
static enum lien_status LIEN_MUST_CHECK
wenc_reserve(struct map_wcache *c, size_t nd)
{
	struct wenc *e = c->enc;

	if (e == NULL) {
		if ((e = calloc(1, sizeof *e)) == NULL)
			return LIEN_ENOMEM;
		if (pthread_mutex_init(&e->m, NULL) != 0) {
			free(e);
			return LIEN_ENOMEM;
		}
		if (pthread_cond_init(&e->cv, NULL) != 0) {
			pthread_mutex_destroy(&e->m);
			free(e);
			return LIEN_ENOMEM;
		}
		c->enc = e;
	}
	if (nd > e->cap) {
		size_t cap = e->cap ? e->cap : 1024;
		void *d, *b, *l, *r;

		while (cap < nd)
			cap *= 2;
		d = realloc(e->dirty, cap * sizeof *e->dirty);
		if (d != NULL)
			e->dirty = d;
		b = realloc(e->buf, cap * MAP_TILE_REC_MAX);
		if (b != NULL) {
			e->buf = b;
			huge_hint(b, cap * MAP_TILE_REC_MAX);
		}
		l = realloc(e->len, cap * sizeof *e->len);
		if (l != NULL)
			e->len = l;
		r = realloc(e->ready, cap);
		if (r != NULL)
			e->ready = r;
		if (d == NULL || b == NULL || l == NULL || r == NULL)
			return LIEN_ENOMEM;
		e->cap = cap;
	}
	return LIEN_OK;
}

/* The dirty tiles (c->dl, closed under parents: wc_close) into c's
 * encoder, and the helper thread started on them when c runs on two
 * threads and there are enough to be worth a thread (else wc_flush
 * sorts and encodes them itself). */
static enum lien_status LIEN_MUST_CHECK
wenc_start(struct map_wcache *c)
{
	struct wenc *e;
	enum lien_status st;

	if ((st = wenc_reserve(c, c->ndl)) != LIEN_OK)
		return st;
	e = c->enc;
	for (size_t i = 0; i < c->ndl; i++) {
		struct wtile *w = wc_w(c, c->dl[i].s, c->dl[i].i);
		uint8_t k8[8] = { 0 };

		memcpy(k8, w->key, w->key_len < 8 ? w->key_len : 8);
		e->dirty[i].k8 = be64_get(k8);
		e->dirty[i].w = w;
		e->ready[i] = 0;
	}
	e->nd = c->ndl;
	e->next = 0;
	e->sorted = e->prepped = 0;
	e->aux_ns = e->aux_n = e->clean = 0;
	e->low = &c->low;
	e->helper = c->nthreads >= 2 && !c->prune &&
	    e->nd >= MAP_SPLIT_MIN &&
	    pthread_create(&e->th, NULL, wenc_main, e) == 0;
	return LIEN_OK;
}

/* Wait for the helper (if any) to finish; its CPU time to c's profile. */
static void
wenc_finish(struct map_wcache *c)
{
	struct wenc *e = c->enc;

	if (e == NULL || !e->helper)
		return;
	pthread_mutex_lock(&e->m);
	e->prepped = 1;		/* (a failed commit: let it go on) */
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->m);
	(void)pthread_join(e->th, NULL);
	e->helper = 0;
	c->prof.write_aux_ns += e->aux_ns;
	c->prof.enc_aux += e->aux_n;
	c->prof.read_clean += e->clean;
}

/* Record i of e, encoded: by the helper, or here if it has not come to
 * it (every record before i is encoded: the caller took them in
 * order). */
static const uint8_t *
wenc_get(struct wenc *e, size_t i, size_t *len)
{
	while (!__atomic_load_n(&e->ready[i], __ATOMIC_ACQUIRE)) {
		size_t k = __atomic_fetch_add(&e->next, 1, __ATOMIC_RELAXED);

		if (k < e->nd)
			wenc_one(e, k);	/* k == i: i was not claimed */
		else
			sched_yield();	/* the helper is on i */
	}
	*len = e->len[i];
	return e->buf + i * MAP_TILE_REC_MAX;
}

/* Write every dirty tile at generation g: ancestors of a dirty tile are
 * dirty (their child pointers change; wc_close), parents learn their
 * children's new generations, then the tiles go out in key order with
 * MDB_APPEND (g is above every generation in the table), sorted and
 * encoded by the helper wenc_start began, or here. On success the kept
 * tiles (strata < keep) now describe generation g; on failure the caller
 * drops them. */
static enum lien_status LIEN_MUST_CHECK
wc_flush(struct map_wcache *c, uint64_t g)
{
	struct wenc *e = c->enc;
	struct store_cursor *cur = NULL;
	enum lien_status st = LIEN_OK;

	/* (through c->dl: the helper may be sorting e->dirty now) */
	for (size_t i = 0; i < c->ndl; i++) {
		struct wtile *w = wc_w(c, c->dl[i].s, c->dl[i].i), *p;
		unsigned j;

		if (w->stratum == 0) {
			c->ms.root_gen = wtile_empty(w) ? 0 : g;
			continue;
		}
		p = wc_w(c, w->stratum - 1u, w->parent);
		j = key_nibble(w->path, w->stratum - 1u);
		if (wtile_empty(w)) {
			p->children = (uint16_t)(p->children & ~(1u << j));
		} else {
			/* the top node's hash, for updates that pass beside
			 * this tile (wc_peek); a dirty tile's top is hashed
			 * unless it is a leaf decoded and left alone */
			if (w->unhashed & 1u) {
				map_hash_leaf(w->slot[0].key, w->slot[0].value,
				    w->slot[0].hash);
				w->unhashed = (uint16_t)(w->unhashed & ~1u);
			}
			p->children = (uint16_t)(p->children | 1u << j);
			p->cgen[j] = g;
			memcpy(p->chash[j], w->slot[0].hash, HASH_LEN);
		}
	}
	if (e->helper) {
		wenc_step(e, &e->prepped, &e->sorted);
	} else {
		if (e->nd > 1)
			qsort(e->dirty, e->nd, sizeof *e->dirty, wsort_cmp);
		c->prof.read_clean += wc_clean(&c->low);
	}
	/* the appends through one cursor, which stays on the last leaf (a
	 * pruned map's deletes go between them: store_put there) */
	if (!c->prune && (st = store_cursor_open(c->t, STORE_MAP, &cur)) !=
	    LIEN_OK) {
		wenc_finish(c);
		return st;
	}
	for (size_t i = 0; i < e->nd && st == LIEN_OK; i++) {
		struct wtile *w = e->dirty[i].w;
		uint8_t rk[MAP_REC_KEY_MAX];
		const uint8_t *v;
		size_t len, rl;

		/* map_wcache_prune: the record this one replaces goes now
		 * (one generation's record per tile: g is new, so never
		 * the one about to be written) */
		if (c->prune && w->stored && w->gen != g) {
			if ((st = store_del(c->t, STORE_MAP, rk, rec_key(w->gen,
			    w->key, w->key_len, rk))) != LIEN_OK)
				break;
			c->ms.total--;
		}
		v = wenc_get(e, i, &len);
		if (len == 0) {
			/* an emptied tile: its old record is garbage now */
			if (w->stored)
				c->ms.live--;
			continue;
		}
		rl = rec_key(g, w->key, w->key_len, rk);
		st = cur != NULL ? store_cursor_put(cur, rk, rl, v, len, 1) :
		    store_put(c->t, STORE_MAP, rk, rl, v, len, 1);
		if (st != LIEN_OK)
			break;
		c->ms.total++;
		c->prof.written++;
		if (!w->stored)
			c->ms.live++;
	}
	store_cursor_close(cur);
	wenc_finish(c);
	/* The records are written: each tile now stands for its record
	 * of generation g (an emptied one for no record). */
	for (size_t i = 0; i < e->nd && st == LIEN_OK; i++) {
		struct wtile *w = e->dirty[i].w;

		w->dirty = 0;
		w->stored = !wtile_empty(w);
		w->gen = w->stored ? g : 0;
		/* its children's pointers as written (an emptied tile has
		 * none left: each child emptied cleared its bit) */
		if (w->stratum == c->keep)
			gx_fill(c, w->path, w->children, w->cgen);
	}
	return st;
}

/* After a commit: the deeper tiles go, the kept ones stay. */
static void
wc_reset(struct map_wcache *c)
{
	tset_clear(&c->low);
	memset(c->last, 0, sizeof c->last);
	c->ndl = 0;
	c->t = NULL;
}

/* Fill gx for every stratum-keep tile (the children of the kept tiles of
 * stratum keep - 1, loaded): their records are read once, for the child
 * pointers, and not kept. Filled only as records passed by, the index
 * of a fresh cache stays cold for a whole lap of the sweep (at 10^7
 * vehicles ~26 million records, thousands of batches), and meanwhile
 * the liveness check of each stratum-(keep + 1) record the sweep passes
 * reads its parent: up to ~3,000 reads a batch in a stretch of the bulk
 * load's records. At 10^7 vehicles ~10^6 reads, a few seconds once. */
static enum lien_status LIEN_MUST_CHECK
wc_prefetch_gx(struct map_wcache *c)
{
	if (c->ngx == 0 || c->prune)
		return LIEN_OK;
	for (size_t i = 0; i < c->top.n; i++) {
		const struct wtile *d = &c->top.tiles[i];
		uint8_t path[MAP_KEY_LEN];

		if (d->stratum + 1u != c->keep || !d->stored)
			continue;
		memcpy(path, d->path, MAP_KEY_LEN);
		for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
			uint8_t k[MAP_TILE_KEY_MAX], rk[MAP_REC_KEY_MAX];
			const uint8_t *v;
			size_t vl;
			struct trec r;
			enum lien_status st;

			if (!(d->children & (1u << j)))
				continue;
			path_set_nibble(path, d->stratum, j);
			c->prof.read++;
			st = store_get(c->t, STORE_MAP, rk, rec_key(d->cgen[j],
			    k, tile_key(c->keep, path, k), rk), &v, &vl);
			if (st == LIEN_ENOTFOUND)
				return LIEN_ECORRUPT;	/* a dangling pointer */
			if (st != LIEN_OK || (st = tile_check(v, vl, &r)) !=
			    LIEN_OK || (st = gx_fill_rec(c, path, &r)) !=
			    LIEN_OK)
				return st;
		}
	}
	return LIEN_OK;
}

/* Room for every possible kept tile (c->top.ndir: at keep 5, 69,905
 * tiles, 151 MiB), so that the set's tiles never move: 1 when there
 * is. Taken whole before the first tile is read, its pages come as 2
 * MiB pages (huge_hint); grown by doubling as tiles load, they had been
 * touched as 4 KiB pages first. */
static int
top_reserve(struct map_wcache *c)
{
	struct wtile *t;

	if (c->top.ntiles_cap >= c->top.ndir)
		return 1;
	if ((t = realloc(c->top.tiles, c->top.ndir * sizeof *t)) == NULL)
		return 0;
	c->top.tiles = t;
	c->top.ntiles_cap = c->top.ndir;
	huge_hint(t, c->top.ndir * sizeof *t);
	return 1;
}

/* Load every tile of strata 0 .. keep-1 (a walk through the child
 * pointers): at 10^7 vehicles the 69,905 tiles of strata 0..4, about
 * 0.2 s once, after which a batch reads only the tiles below. */
static enum lien_status LIEN_MUST_CHECK
wc_prefetch(struct map_wcache *c)
{
	static const uint8_t zero[MAP_KEY_LEN];
	size_t i;
	enum lien_status st;

	if (c->keep == 0 || c->ms.root_gen == 0)
		return LIEN_OK;
	(void)top_reserve(c);	/* (without it the set grows as it loads) */
	if ((st = wc_tile(c, 0, zero, &i)) != LIEN_OK)
		return st;
	/* breadth first: c->top grows while this walks it */
	for (i = 0; i < c->top.n; i++) {
		uint8_t path[MAP_KEY_LEN];
		unsigned s = c->top.tiles[i].stratum;
		unsigned children = c->top.tiles[i].children;

		if (s + 1u >= c->keep)
			continue;
		memcpy(path, c->top.tiles[i].path, MAP_KEY_LEN);
		for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
			size_t x;

			if (!(children & (1u << j)))
				continue;
			path_set_nibble(path, s, j);
			if ((st = wc_tile(c, s + 1u, path, &x)) != LIEN_OK)
				return st;
		}
	}
	return c->prefill ? wc_prefetch_gx(c) : LIEN_OK;
}

/* ---- The update in two parts at once ------------------------------------ */

/* The second lane's share of a commit in two parts: parts [from, to) of
 * the split through its own cache, on its own thread, reading a read
 * transaction on the commit the batch starts from. */
struct wpart {
	struct map_wcache *c;		/* the second lane's cache */
	const struct map_update *u;
	struct map_split *sp;
	unsigned next;			/* the next part to take (atomic) */
	enum lien_status st;
	uint64_t cpu_ns;		/* the thread's CPU time in it */
};

/* Take parts of the split one by one until none is left (each lane
 * takes the next free one: a lane that starts late, or whose parts are
 * heavy, takes fewer), updating them through cache c. */
static enum lien_status LIEN_MUST_CHECK
wc_parts(struct map_wcache *c, struct wpart *j)
{
	struct map_store s = { wc_get, wc_put, c, wc_peek };
	enum lien_status st = LIEN_OK;
	unsigned i;

	while (st == LIEN_OK && (i = __atomic_fetch_add(&j->next, 1u,
	    __ATOMIC_RELAXED)) < MAP_SPLIT_PARTS)
		st = map_update_part(&s, j->u, j->sp, i);
	return st;
}

static void *
wc_part_main(void *arg)
{
	struct wpart *j = arg;
	uint64_t t0 = cpu_now();

	j->st = wc_parts(j->c, j);
	j->cpu_ns = cpu_now() - t0;
	return NULL;
}

/* Take the second lane's tiles and dirty list into c's: its tiles below
 * the kept strata go after c's (their parents' indices in that set
 * shifted with them), its dirty list after c's. The kept tiles are
 * shared already. */
static enum lien_status LIEN_MUST_CHECK
wc_merge(struct map_wcache *c, struct map_wcache *a)
{
	size_t off = c->low.n, n = off + a->low.n, cap = 1024;
	enum lien_status st;

	if (n > c->low.ntiles_cap) {
		struct wtile *t = realloc(c->low.tiles, n * sizeof *t);

		if (t == NULL)
			return LIEN_ENOMEM;
		c->low.tiles = t;
		c->low.ntiles_cap = n;
		huge_hint(t, n * sizeof *t);
	}
	if (a->low.n > 0)
		memcpy(c->low.tiles + off, a->low.tiles,
		    a->low.n * sizeof *a->low.tiles);
	for (size_t i = off; i < n; i++)
		if (c->low.tiles[i].stratum > c->keep)
			c->low.tiles[i].parent += (uint32_t)off;
	c->low.n = n;
	while (cap < 2 * n)
		cap *= 2;
	if ((st = tset_rehash(&c->low, cap > c->low.cap ? cap : c->low.cap)) !=
	    LIEN_OK)
		return st;
	for (size_t i = 0; i < a->ndl; i++) {
		size_t x = a->dl[i].i + (a->dl[i].s >= c->keep ? off : 0);

		if ((st = wc_dl_add(c, a->dl[i].s, x)) != LIEN_OK)
			return st;
	}
	c->prof.read += a->prof.read;
	c->prof.peeked += a->prof.peeked;
	return LIEN_OK;
}

/* map_update on two threads (map_wcache_threads), when it can: below
 * depth 4 the batch's keys fall in 16 disjoint subtrees (tlog/map.h
 * map_update_split), which this thread and a second one update at once,
 * about half of the keys each, before this thread joins them at the top.
 *
 * The second lane reads the store through a read transaction begun on
 * the commit this batch starts from, which holds the same map as the
 * write transaction as long as nothing has written the map in it yet:
 * its `maptiles` counters are the same then (every commit that writes a
 * record changes the generation), and otherwise this runs on one thread.
 * The lane decodes the tiles below the kept strata into a cache of its
 * own and changes the kept tiles of its parts in place (tiles of
 * different parts are different tiles: each tile lies under one 4-bit
 * prefix, or above depth 4, which only the join writes); a kept tile
 * either lane adds goes into room reserved before (the set's tiles do
 * not move while both run) under a lock. Afterwards its tiles and dirty
 * list join this cache's (wc_merge), and the GC and the writes go on as
 * for one thread: the records, the root and the counters are the same
 * (test_map_store threads).
 *
 * *out_done 0 (and LIEN_OK): not done, run map_update (one thread asked
 * for, a pruned cache, a small batch, a map whose top four levels are not
 * all interior, no read transaction to be had). */
static enum lien_status LIEN_MUST_CHECK
wc_update_2(struct map_wcache *c, const struct map_store *s,
    const struct map_update *u, size_t n, uint8_t out_root[HASH_LEN],
    uint64_t *io_count, int *out_done)
{
	struct map_split *sp = &c->sp;
	struct map_wcache *a = c->aux;
	struct store_txn *rt = NULL;
	struct map_stats ms;
	struct wpart job;
	pthread_t th;
	int ok = 0, started;
	enum lien_status st;

	*out_done = 0;
	/* the tiles above and at depth MAP_SPLIT_DEPTH (map_update_split
	 * reads them for every part) must be kept ones, which both lanes
	 * share: a tile in both lanes' own sets would be two tiles */
	if (c->nthreads < 2 || c->prune || n < MAP_SPLIT_MIN ||
	    c->keep <= MAP_SPLIT_DEPTH / MAP_TILE_HEIGHT)
		return LIEN_OK;
	/* what the lanes share must not move or appear while they run */
	if (c->ngx > 0 && c->gx == NULL) {
		if ((c->gx = calloc(c->ngx, sizeof *c->gx)) == NULL)
			return LIEN_OK;
		huge_hint(c->gx, c->ngx * sizeof *c->gx);
	}
	if (!top_reserve(c))
		return LIEN_OK;
	if (a == NULL) {
		if ((a = calloc(1, sizeof *a)) == NULL)
			return LIEN_OK;
		a->keep = c->keep;
		a->ngx = c->ngx;
		a->nthreads = 1;
		c->aux = a;
	}
	if ((st = map_update_split(s, u, n, sp, &ok)) != LIEN_OK || !ok)
		return st;
	if (store_txn_begin(store_txn_store(c->t), 0, &rt) != LIEN_OK)
		return LIEN_OK;
	if (map_txn_stats(rt, &ms) != LIEN_OK ||
	    memcmp(&ms, &c->ms, sizeof ms) != 0) {
		store_txn_abort(rt);
		return LIEN_OK;
	}
	a->t = rt;
	a->ms = c->ms;
	a->topp = &c->top;
	a->gx = c->gx;
	a->prune = 0;
	a->ndl = 0;
	memset(&a->prof, 0, sizeof a->prof);
	memset(a->last, 0, sizeof a->last);
	tset_clear(&a->low);
	a->toplock = c->toplock = &c->lock;
	job = (struct wpart){ a, u, sp, 0, LIEN_OK, 0 };
	started = pthread_create(&th, NULL, wc_part_main, &job) == 0;
	/* While the second lane starts on the parts, this one sweeps: the
	 * garbage the last batch's writes asked for (its budget d + e +
	 * extra), the rest of this batch's budget, if any, after the update
	 * (wc_gc). Its liveness
	 * checks read the committed tree (child pointers and generations,
	 * which only wc_flush changes; gx, atomically) and not the dirty
	 * flags the lanes set, so a record of a tile this batch rewrites
	 * passes for live and is moved rather than deleted: it is garbage
	 * once written, for a later sweep; what the bound counts is what
	 * is deleted, and wc_gc tops that up. The sweep puts back what it
	 * lifted before it returns, so this lane's own reads find every
	 * live record. */
	if (st == LIEN_OK && started && c->gc_over && c->gc_hint > 0) {
		uint64_t g0 = cpu_now();

		c->gc_blind = 1;
		c->gc_early = 1;
		c->prof.gc_early++;
		st = wc_sweep(c, c->gc_hint);
		c->gc_blind = 0;
		c->gc_early_ns += cpu_now() - g0;
	}
	if (st == LIEN_OK)
		st = wc_parts(c, &job);
	if (started)
		(void)pthread_join(th, NULL);
	store_txn_abort(rt);
	a->toplock = c->toplock = NULL;
	a->t = NULL;
	a->gx = NULL;
	c->prof.apply_aux_ns += job.cpu_ns;
	if (st == LIEN_OK)
		st = job.st;
	if (st == LIEN_OK)
		st = wc_merge(c, a);
	if (st == LIEN_OK)
		st = map_update_join(s, u, n, sp, out_root, io_count);
	if (st == LIEN_OK) {
		c->prof.split++;
		*out_done = 1;
	}
	return st;
}

enum lien_status
map_commit(struct store_txn *t, struct map_pending *p,
    struct map_wcache **cache, uint8_t out_root[HASH_LEN],
    uint64_t *io_count)
{
	struct map_wcache *c = *cache;
	struct map_store s;
	size_t n = 0, nd = 0;
	uint64_t t0 = cpu_now(), t1, t2;
	int done = 0;
	enum lien_status st;

	if (c == NULL) {
		if ((st = map_wcache_create(MAP_CACHE_STRATA, &c)) != LIEN_OK)
			return st;
		*cache = c;
	}
	if (p->n > 0)
		map_updates_sort(p->u, p->tmp, p->n, &n);
	c->t = t;
	c->gc_seen = c->gc_kept = c->gc_moved = 0;
	c->ndl = 0;
	s.get = wc_get;
	s.put = wc_put;
	s.ctx = c;
	s.peek = wc_peek;
	if ((st = map_txn_stats(t, &c->ms)) != LIEN_OK)
		goto out;
	/* The kept tiles are this store's map only if they describe the
	 * generation it holds: the last commit through this cache may have
	 * been aborted after map_commit returned (its generation never
	 * happened), or the cache may be new. */
	if (!c->top_valid || memcmp(&c->top_ms, &c->ms, sizeof c->ms) != 0) {
		map_wcache_drop(c);
		c->prof.top_loads++;
		/* A replay's cache (prune) loads its kept tiles on first use
		 * (wc_tile): an incremental audit's 10^5 updates of a map of
		 * millions of keys touch a third of stratum 4's 65,536 tiles,
		 * and each tile read from a cold store is a random page. */
		if (!c->prune && (st = wc_prefetch(c)) != LIEN_OK)
			goto out;
	}
	c->top_valid = 0;	/* until this commit is through */
	/* The bound: while the records are more than FACTOR x live, delete
	 * as much garbage as this batch writes plus a quarter and a few,
	 * so that the excess falls every such batch (wc_gc). A pruned map
	 * has no garbage (its deletes and the GC's would meet). */
	c->gc_over = !c->prune &&
	    c->ms.total > (uint64_t)MAP_GC_FACTOR * c->ms.live;
	c->gc_early_ns = 0;
	c->gc_early = 0;
	if ((st = wc_update_2(c, &s, p->u, n, out_root, io_count, &done)) !=
	    LIEN_OK)
		goto out;
	if (!done &&
	    (st = map_update(&s, p->u, n, out_root, io_count)) != LIEN_OK)
		goto out;
	t1 = cpu_now();
	c->prof.commits++;
	c->prof.apply_ns += t1 - t0 - c->gc_early_ns;
	nd = c->ndl;
	if (nd == 0) {
		/* nothing changed: no generation; but a sweep beside the
		 * update deleted records, which the counters say */
		if (c->gc_early)
			st = stats_put(t, &c->ms);
		goto out;
	}
	/* the tiles to write: every changed one and its ancestors, then
	 * sorted and encoded beside the sweep and the puts (wenc_start) */
	if ((st = wc_close(c)) != LIEN_OK ||
	    (st = wenc_start(c)) != LIEN_OK)
		goto out;
	if (c->gc_over &&
	    (st = wc_gc(c, nd / MAP_GC_SLACK_DIV + MAP_GC_EXTRA)) != LIEN_OK) {
		wenc_finish(c);	/* (wc_flush's otherwise) */
		goto out;
	}
	t2 = cpu_now();
	c->prof.gc_ns += t2 - t1 + c->gc_early_ns;
	c->prof.gc_taken += c->gc_seen;
	c->prof.gc_kept += c->gc_kept;
	c->prof.gc_moved += c->gc_moved;
	c->ms.gen++;
	if ((st = wc_flush(c, c->ms.gen)) != LIEN_OK)
		goto out;
	st = stats_put(t, &c->ms);
	c->prof.write_ns += cpu_now() - t2;
out:
	if (st == LIEN_OK) {
		struct store_table_stat ts;

		c->top_ms = c->ms;
		c->top_valid = 1;
		c->prof.live = c->ms.live;
		c->prof.total = c->ms.total;
		if (nd > 0 && store_table_stat(t, STORE_MAP, &ts) == LIEN_OK)
			c->prof.leaf_pages = ts.leaf_pages;
	} else {
		map_wcache_drop(c);
	}
	wc_reset(c);
	map_pending_clear(p);
	return st;
}

/* ---- The kept tiles against the store ------------------------------------ */

struct wchk {
	struct map_wcache *c;
	struct store_txn *t;
	char *why;
	size_t why_cap;
	uint64_t nstored;	/* kept tiles found in the store */
};

static enum lien_status LIEN_MUST_CHECK
wchk_fail(struct wchk *k, const char *what, const uint8_t *key, size_t klen)
{
	char hex[HEX_LEN(MAP_TILE_KEY_MAX) + 1];

	hex_encode(key, klen, hex);
	snprintf(k->why, k->why_cap, "map cache: tile %s %s", hex, what);
	return LIEN_ECORRUPT;
}

/* The known generations of stratum keep + 1 under the deepest kept
 * tile d (on path) against the store: each child j of d, a stratum-keep
 * tile, is read, and every known entry of its children must be the
 * generation its record names (or no tile where it names none). */
static enum lien_status LIEN_MUST_CHECK
wchk_gx(struct wchk *k, uint8_t path[MAP_KEY_LEN], const struct wtile *d)
{
	unsigned s = k->c->keep - 1u;
	enum lien_status st = LIEN_OK;

	if (k->c->gx == NULL)
		return LIEN_OK;
	for (unsigned j = 0; j < MAP_TILE_CHILDREN && st == LIEN_OK; j++) {
		uint8_t key[MAP_TILE_KEY_MAX], rk[MAP_REC_KEY_MAX];
		size_t klen, vl;
		const uint8_t *v;
		struct trec r = { 0 };

		path_set_nibble(path, s, j);
		klen = tile_key(s + 1u, path, key);
		if (d->children & (1u << j)) {
			st = store_get(k->t, STORE_MAP, rk, rec_key(d->cgen[j],
			    key, klen, rk), &v, &vl);
			if (st == LIEN_ENOTFOUND)
				st = LIEN_ECORRUPT;
			if (st == LIEN_OK)
				st = tile_check(v, vl, &r);
		}
		for (unsigned n = 0; n < MAP_TILE_CHILDREN && st == LIEN_OK;
		    n++) {
			uint64_t want = 0, got;

			path_set_nibble(path, s + 1u, n);
			if ((st = trec_child(&r, n, &want)) != LIEN_OK)
				break;
			if (gx_get(k->c, path, &got) && got != want)
				st = wchk_fail(k, "has a child whose generation "
				    "the index of the next stratum does not "
				    "hold", key, klen);
		}
		path_set_nibble(path, s + 1u, 0);
	}
	path_set_nibble(path, s, 0);
	return st;
}

/* Tile (s, path) at generation g in the store: its kept copy must exist
 * with the same generation, slots, children and child generations (a
 * leaf's cached hash, once computed, its leaf hash); then its children
 * in strata < keep. */
static enum lien_status LIEN_MUST_CHECK
wchk_tile(struct wchk *k, unsigned s, uint8_t path[MAP_KEY_LEN], uint64_t g)
{
	uint8_t key[MAP_TILE_KEY_MAX], rk[MAP_REC_KEY_MAX];
	size_t klen = tile_key(s, path, key), i, vl;
	const uint8_t *v;
	struct wtile *d = malloc(sizeof *d);
	const struct wtile *w;
	enum lien_status st;

	if (d == NULL)
		return LIEN_ENOMEM;
	if ((i = tset_find(&k->c->top, key, klen)) == 0) {
		st = wchk_fail(k, "is in the store, not in the cache", key,
		    klen);
		goto out;
	}
	w = &k->c->top.tiles[i - 1];
	if (!w->stored || w->gen != g || w->dirty) {
		st = wchk_fail(k, "has another generation in the cache", key,
		    klen);
		goto out;
	}
	st = store_get(k->t, STORE_MAP, rk, rec_key(g, key, klen, rk), &v,
	    &vl);
	if (st == LIEN_ENOTFOUND)
		st = LIEN_ECORRUPT;
	if (st != LIEN_OK || (st = wc_decode(v, vl, d)) != LIEN_OK)
		goto out;
	if (d->children != w->children) {
		st = wchk_fail(k, "has other children in the cache", key, klen);
		goto out;
	}
	for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
		if (!(d->children & (1u << j)))
			continue;
		if (d->cgen[j] != w->cgen[j]) {
			st = wchk_fail(k, "has another child generation in "
			    "the cache", key, klen);
			goto out;
		}
		if (memcmp(d->chash[j], w->chash[j], HASH_LEN) != 0) {
			st = wchk_fail(k, "has another child top hash in "
			    "the cache", key, klen);
			goto out;
		}
	}
	for (unsigned n = 0; n < MAP_TILE_SLOTS; n++) {
		const struct map_node *a = &d->slot[n], *b = &w->slot[n];
		uint8_t h[HASH_LEN];
		int same = a->kind == b->kind;

		if (same && a->kind == MAP_NODE &&
		    !(w->unhashed & (1u << n))) {
			wtile_hash(d, n);
			same = memcmp(a->hash, b->hash, HASH_LEN) == 0;
		}
		if (same && a->kind == MAP_LEAF) {
			same = memcmp(a->key, b->key, MAP_KEY_LEN) == 0 &&
			    memcmp(a->value, b->value, MAP_VALUE_LEN) == 0;
			if (same && !(w->unhashed & (1u << n))) {
				map_hash_leaf(a->key, a->value, h);
				same = memcmp(h, b->hash, HASH_LEN) == 0;
			}
		}
		if (!same) {
			st = wchk_fail(k, "has another slot in the cache", key,
			    klen);
			goto out;
		}
	}
	k->nstored++;
	if (s + 1u == k->c->keep &&
	    (st = wchk_gx(k, path, d)) != LIEN_OK)
		goto out;
	if (s + 1u < k->c->keep) {
		for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
			if (!(d->children & (1u << j)))
				continue;
			path_set_nibble(path, s, j);
			st = wchk_tile(k, s + 1u, path, d->cgen[j]);
			path_set_nibble(path, s, 0);
			if (st != LIEN_OK)
				goto out;
		}
	}
	st = LIEN_OK;
out:
	free(d);
	return st;
}

enum lien_status
map_wcache_check(struct map_wcache *c, struct store_txn *t, int *out_valid,
    char *why, size_t why_cap)
{
	struct wchk k = { c, t, why, why_cap, 0 };
	struct map_stats ms;
	uint8_t path[MAP_KEY_LEN];
	uint64_t ncached = 0;
	enum lien_status st;

	*out_valid = 0;
	if (why_cap > 0)
		why[0] = '\0';
	if (c == NULL)
		return LIEN_OK;
	if ((st = map_txn_stats(t, &ms)) != LIEN_OK)
		return st;
	if (!c->top_valid || memcmp(&c->top_ms, &ms, sizeof ms) != 0)
		return LIEN_OK;		/* the next commit drops it */
	*out_valid = 1;
	memset(path, 0, sizeof path);
	if (c->keep > 0 && ms.root_gen != 0 &&
	    (st = wchk_tile(&k, 0, path, ms.root_gen)) != LIEN_OK)
		return st;
	for (size_t i = 0; i < c->top.n; i++)
		ncached += c->top.tiles[i].stored;
	if (ncached != k.nstored) {
		snprintf(why, why_cap, "map cache: %llu tiles cached, %llu in "
		    "the store", (unsigned long long)ncached,
		    (unsigned long long)k.nstored);
		return LIEN_ECORRUPT;
	}
	return LIEN_OK;
}

/* ---- Read side ---------------------------------------------------------------- */

/* The tiles of the path last walked, stratum by stratum: a proof asks
 * for nodes top-down along one key, and at each stratum boundary for
 * both children, so only the deepest level changes between calls.
 * Values are borrowed from the txn. */
struct rlevel {
	uint8_t key[MAP_TILE_KEY_MAX];
	size_t key_len;
	const uint8_t *v;	/* NULL: no such tile */
	struct trec r;
};

struct rstore {
	struct store_txn *t;
	uint64_t root_gen;
	unsigned nvalid;	/* levels 0 .. nvalid-1 hold the last path */
	struct rlevel lv[MAP_DEPTH_MAX / MAP_TILE_HEIGHT + 1];
};

static enum lien_status LIEN_MUST_CHECK
rs_get(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	struct rstore *r = ctx;
	unsigned s = depth / MAP_TILE_HEIGHT;
	enum lien_status st;

	for (unsigned t = 0; t <= s; t++) {
		struct rlevel *l = &r->lv[t];
		uint8_t k[MAP_TILE_KEY_MAX], rk[MAP_REC_KEY_MAX];
		size_t klen = tile_key(t, key, k), vlen;
		uint64_t gen = 0;

		if (t < r->nvalid && l->key_len == klen &&
		    memcmp(l->key, k, klen) == 0)
			continue;
		r->nvalid = t;
		if (t == 0)
			gen = r->root_gen;
		else if (r->lv[t - 1].v != NULL &&
		    (st = trec_child(&r->lv[t - 1].r, key_nibble(key, t - 1),
		    &gen)) != LIEN_OK)
			return st;
		l->v = NULL;
		if (gen != 0) {
			st = store_get(r->t, STORE_MAP, rk, rec_key(gen, k,
			    klen, rk), &l->v, &vlen);
			if (st == LIEN_ENOTFOUND)
				st = LIEN_ECORRUPT;
			if (st != LIEN_OK ||
			    (st = tile_check(l->v, vlen, &l->r)) != LIEN_OK) {
				l->v = NULL;
				return st;
			}
		}
		memcpy(l->key, k, klen);
		l->key_len = klen;
		r->nvalid = t + 1;
	}
	tile_slot(r->lv[s].v, &r->lv[s].r, slot_of(depth, key), out);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
rs_init(struct rstore *r, struct store_txn *t)
{
	struct map_stats ms;
	enum lien_status st = map_txn_stats(t, &ms);

	r->t = t;
	r->root_gen = ms.root_gen;
	r->nvalid = 0;
	return st;
}

enum lien_status
map_txn_prove(struct store_txn *t, const uint8_t key[MAP_KEY_LEN],
    struct map_proof *out)
{
	struct rstore *r = malloc(sizeof *r);
	struct map_store s = { rs_get, NULL, r, NULL };
	enum lien_status st;

	if (r == NULL)
		return LIEN_ENOMEM;
	if ((st = rs_init(r, t)) == LIEN_OK)
		st = map_prove(&s, key, out);
	free(r);
	return st;
}

enum lien_status
map_txn_root(struct store_txn *t, uint8_t out[HASH_LEN])
{
	struct rstore *r = malloc(sizeof *r);
	struct map_store s = { rs_get, NULL, r, NULL };
	enum lien_status st;

	if (r == NULL)
		return LIEN_ENOMEM;
	if ((st = rs_init(r, t)) == LIEN_OK)
		st = map_root(&s, out);
	free(r);
	return st;
}

/* ---- The audit's logical comparison ------------------------------------------ */

struct cmp {
	struct store_txn *want, *have;
	char *why;
	size_t why_cap;
	uint64_t ntiles;
};

static enum lien_status LIEN_MUST_CHECK
cmp_fail(struct cmp *c, const char *what, const uint8_t *k, size_t klen,
    uint64_t gen)
{
	char hex[HEX_LEN(MAP_TILE_KEY_MAX) + 1];

	hex_encode(k, klen, hex);
	snprintf(c->why, c->why_cap, "status map: tile %s (generation "
	    "%llu) %s", hex, (unsigned long long)gen, what);
	return LIEN_ECORRUPT;
}

/* Compare tile (s, path) at generation gw in want with gh in have, then
 * its children (depth first: at most 65 frames). */
static enum lien_status LIEN_MUST_CHECK
cmp_tile(struct cmp *c, unsigned s, uint8_t path[MAP_KEY_LEN], uint64_t gw,
    uint64_t gh)
{
	uint8_t k[MAP_TILE_KEY_MAX], rk[MAP_REC_KEY_MAX];
	size_t klen = tile_key(s, path, k), wl, hl;
	const uint8_t *wv, *hv;
	struct trec wr, hr;
	enum lien_status st;

	st = store_get(c->want, STORE_MAP, rk, rec_key(gw, k, klen, rk), &wv,
	    &wl);
	if (st == LIEN_OK)
		st = tile_check(wv, wl, &wr);
	if (st != LIEN_OK) {
		if (st == LIEN_ENOTFOUND || st == LIEN_ECORRUPT)
			return cmp_fail(c, "is unreadable in the replay", k,
			    klen, gw);
		return st;
	}
	st = store_get(c->have, STORE_MAP, rk, rec_key(gh, k, klen, rk), &hv,
	    &hl);
	if (st == LIEN_ENOTFOUND)
		return cmp_fail(c, "is missing from the store", k, klen, gh);
	if (st != LIEN_OK)
		return st;
	if (tile_check(hv, hl, &hr) != LIEN_OK)
		return cmp_fail(c, "is malformed in the store", k, klen, gh);
	if (wr.body_len != hr.body_len || wr.children != hr.children ||
	    memcmp(wv, hv, wr.body_len) != 0)
		return cmp_fail(c, "differs from the replayed one", k, klen,
		    gh);
	c->ntiles++;
	for (unsigned j = 0; j < MAP_TILE_CHILDREN; j++) {
		uint64_t cw, ch;

		if (!(wr.children & (1u << j)))
			continue;
		if (trec_child(&wr, j, &cw) != LIEN_OK)
			return cmp_fail(c, "has a null child in the replay", k,
			    klen, gw);
		if (trec_child(&hr, j, &ch) != LIEN_OK)
			return cmp_fail(c, "has a null child in the store", k,
			    klen, gh);
		/* the replay's is its child's top hash; the child itself is
		 * compared below, so an equal hash here is the store's
		 * child's too */
		if (memcmp(trec_child_hash(&wr, j), trec_child_hash(&hr, j),
		    HASH_LEN) != 0)
			return cmp_fail(c, "has another child top hash than "
			    "the replayed one", k, klen, gh);
		path_set_nibble(path, s, j);
		st = cmp_tile(c, s + 1, path, cw, ch);
		path_set_nibble(path, s, 0);
		if (st != LIEN_OK)
			return st;
	}
	return LIEN_OK;
}

enum lien_status
map_txn_compare(struct store_txn *want, struct store_txn *have, char *why,
    size_t why_cap)
{
	struct cmp c = { want, have, why, why_cap, 0 };
	struct map_stats mw, mh;
	struct store_cursor *cur = NULL;
	uint8_t path[MAP_KEY_LEN];
	const uint8_t *k, *v;
	size_t kl, vl;
	uint64_t nrec = 0;
	enum lien_status st;

	if (why_cap > 0)
		why[0] = '\0';
	if ((st = map_txn_stats(want, &mw)) != LIEN_OK)
		return st;
	if ((st = map_txn_stats(have, &mh)) != LIEN_OK) {
		if (st == LIEN_ECORRUPT)
			snprintf(why, why_cap, "status map: the store's %s "
			    "record is malformed", MAP_META_KEY);
		return st;
	}
	if ((mw.root_gen == 0) != (mh.root_gen == 0)) {
		snprintf(why, why_cap, "status map: the %s is empty, the %s "
		    "is not", mw.root_gen == 0 ? "replay" : "store",
		    mw.root_gen == 0 ? "store" : "replay");
		return LIEN_ECORRUPT;
	}
	memset(path, 0, sizeof path);
	if (mw.root_gen != 0 &&
	    (st = cmp_tile(&c, 0, path, mw.root_gen, mh.root_gen)) != LIEN_OK)
		return st;
	if (c.ntiles != mh.live) {
		snprintf(why, why_cap, "status map: the store counts %llu live "
		    "tiles, its tree has %llu", (unsigned long long)mh.live,
		    (unsigned long long)c.ntiles);
		return LIEN_ECORRUPT;
	}
	/* Garbage is not part of the map, but the space bound is: every
	 * record counted, none from a generation yet to come. */
	if ((st = store_cursor_open(have, STORE_MAP, &cur)) != LIEN_OK)
		return st;
	for (st = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
	    st == LIEN_OK; st = store_cursor_next(cur, &k, &kl, &v, &vl)) {
		if (kl <= 8 || be64_get(k) > mh.gen) {
			snprintf(why, why_cap, "status map: a record of "
			    "generation %llu, past the last one (%llu)",
			    (unsigned long long)(kl >= 8 ? be64_get(k) : 0),
			    (unsigned long long)mh.gen);
			st = LIEN_ECORRUPT;
			break;
		}
		nrec++;
	}
	store_cursor_close(cur);
	if (st != LIEN_ENOTFOUND)
		return st;
	if (nrec != mh.total) {
		snprintf(why, why_cap, "status map: the store counts %llu "
		    "records, its table holds %llu",
		    (unsigned long long)mh.total, (unsigned long long)nrec);
		return LIEN_ECORRUPT;
	}
	return LIEN_OK;
}
