/*
 * Internal to ledger/: the lien-status map (tlog/map.h) kept in the store's
 * `map` table, and the updates a batch collects for it.
 *
 * Tiles. Nodes are grouped in *map tiles* of four levels. Tile (s, P)
 * holds the nodes at depths 4s .. 4s+3 below the 4s-bit prefix P:
 * 1 + 2 + 4 + 8 = 15 slots; bit i (of 15) of `present` = slot i
 * non-empty, of `leaves` = slot i is a leaf; slot of (depth offset r,
 * next r key bits j) = 2^r - 1 + j. Tile (s, P)'s *children* are the
 * tiles (s + 1, P || n) for the 16 nibbles n; a child exists iff its
 * top slot is non-empty. The tile key (v7's) is: for strata 0..3 the
 * byte s then P packed into ceil(4s/8) bytes; for strata 4 and below the
 * byte 4, P's first 16 bits, then one byte (0..15) per further nibble.
 *
 * Versioned records, written append-only (store format v9; docs/
 * storage.md "Status map" is the byte-exact description). Every batch
 * is a *generation* g (1, 2, ...). A commit writes each tile it changed
 * as a new record keyed
 *
 *   g u64be | tile key
 *
 * in key order with MDB_APPEND, and never rewrites a record in place, so
 * a batch's writes are a sequential run of fresh pages instead of ~3.5
 * random page copies per update (v7, tiles updated in place). Value:
 *
 *   present u16be | leaves u16be | per present slot, in slot order:
 *   a node's hash (32) or a leaf's key and value (64), nothing for an
 *   interior node of the bottom row (store v24) |
 *   children u16be | per child n set in `children`, in nibble order:
 *   the generation it was written at (u64be), the hash of its top node
 *   (32; store v20)
 *
 * An interior node of the bottom row (slot 7 + m) is NODE(top of child
 * 2m, top of child 2m + 1), EMPTY for a child that does not exist: the
 * record's child top hashes give it, so it costs one hash to read
 * instead of 32 bytes in every record (a full tile 1,126 -> 870 bytes).
 *
 * so a reader goes root -> leaf with one exact lookup per tile: the
 * root's generation is in the meta record `maptiles`, each child's in
 * its parent (Jellyfish Merkle Tree's versioned node keys). The child's
 * top hash lets an update that passes beside a child tile (the sibling
 * of its path at a stratum boundary) take that hash from the parent
 * instead of reading the child's record: at 10^7 vehicles that was
 * 1,500 of a batch's 3,300 tile reads. Any LMDB
 * snapshot is a consistent tree (MVCC): read-only processes and views
 * need no lock. A tile rewritten by a later generation leaves a *stale*
 * record behind; a record (g, k) is *live* iff descending the current
 * tree to k arrives at generation g.
 *
 * Garbage: swept in the same transaction. While total >
 * MAP_GC_FACTOR x live, a commit moves a cursor on through the table
 * from where the last sweep stopped (round to the front at the end),
 * deleting the garbage records it passes and moving the live ones
 * (deleted with their neighbours and put back under the same keys,
 * packed into full pages), until it has deleted as many records as it
 * writes plus a margin: the excess over the bound falls by the margin
 * every such batch. No key changes, so a live tile's move rewrites no
 * ancestor, and the leaf pages stay bounded with the records (LMDB
 * merges a page only under a quarter full: pages left with their live
 * records emptied towards that). `maptiles` counts the live and the
 * total records so that the bound is checked at no cost (the audit
 * recounts both).
 *
 * The writer's cache (struct map_wcache, owned by the sequencer or an
 * audit's replay) keeps the tiles of strata 0..MAP_CACHE_STRATA-1
 * decoded across commits: every batch of random keys passes through
 * nearly all of them, and nobody else writes the map, so the writer's
 * copy is exact as long as its last commit happened. It is tagged with
 * the `maptiles` counters that commit wrote and dropped whenever the
 * store's differ (an aborted transaction, another writer) or a commit
 * fails. Readers never use it. With the kept tiles it keeps the
 * generations of stratum keep + 1 that it has seen (a direct table by
 * prefix, 4 bytes an entry: 64 MiB at keep 5), so that the GC's
 * liveness check of a record below stratum keep reads no parent record
 * for them.
 *
 * The tree is canonical, so the set of live tiles and their contents are
 * a function of the key set (generations are not): the audit walks the
 * stored tree through its pointers and compares it tile by tile, without
 * generations, with the one it rebuilds from the log (map_txn_compare).
 */
#ifndef LIEN_LEDGER_MAP_STORE_H
#define LIEN_LEDGER_MAP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "tlog/map.h"
#include "ledger/ledger.h"
#include "ledger/store.h"

#define MAP_TILE_HEIGHT 4u
#define MAP_TILE_SLOTS 15u
#define MAP_TILE_GROUP 4u	/* first stratum keyed in pre-order */
/* byte 4, 16 prefix bits, one byte per stratum 4..63 of the tile's
 * prefix (a depth-256 node sits in stratum 64) */
#define MAP_TILE_KEY_MAX (3u + (MAP_DEPTH_MAX / MAP_TILE_HEIGHT - \
	MAP_TILE_GROUP))
#define MAP_TILE_CHILDREN 16u
/* the bottom row's slots (7..14): an interior node there is stored
 * without its hash (v24: its children's top hashes give it) */
#define MAP_TILE_BOTTOM 0x7f80u
/* per child in its parent's record (v20): generation, top node's hash */
#define MAP_CHILD_LEN (8u + HASH_LEN)
/* a tile's contents, then at most 16 children */
#define MAP_TILE_REC_MAX (4u + MAP_TILE_SLOTS * 64u + 2u + \
	MAP_TILE_CHILDREN * MAP_CHILD_LEN)
#define MAP_REC_KEY_MAX (8u + MAP_TILE_KEY_MAX)	/* generation, tile key */
/* total records <= 2 x live + what one batch writes (map_commit) */
#define MAP_GC_FACTOR 2u
/* while over the bound, a batch takes what it writes plus 1/DIV of the
 * updates' own writes plus EXTRA: the excess falls by at least that */
#define MAP_GC_SLACK_DIV 4u
#define MAP_GC_EXTRA 64u
/* the live records the sweep lifts to pack them (wc_gc) go back in
 * stretches of at most this many bytes */
#define MAP_GC_LIFT_MAX ((size_t)4 << 20)
/* and at a page that no write of the batch has touched, looked for past
 * the budget over at most this many records (wc_gc) */
#define MAP_GC_EDGE_MAX 1024u
/* Strata kept decoded across commits by the writer: 0..4, at most
 * 1 + 16 + 256 + 4,096 + 65,536 = 69,905 tiles of 2,264 bytes, 151 MiB
 * whatever the map's size (ledger/map_store.c "Write cache"). */
#define MAP_CACHE_STRATA 5u
#define MAP_CACHE_STRATA_MAX 5u
/* Threads a commit updates the map on (map_wcache_threads): below depth
 * 4 a batch's keys fall in 16 disjoint subtrees (tlog/map.h
 * map_update_split), and a second thread updates some of them from a
 * read transaction on the commit the batch starts from, with tiles of
 * its own below the kept strata, merged before the GC and the writes
 * (ledger/map_store.c wc_update_2). A batch of fewer updates than
 * MAP_SPLIT_MIN runs on one: a thread and a read transaction cost more
 * than they save there. */
#define MAP_COMMIT_THREADS 2u
#define MAP_SPLIT_MIN 128u

/* The meta record: root generation (0: empty map), last generation,
 * live records, total records; u64be each. */
#define MAP_META_KEY "maptiles"
#define MAP_META_LEN 32u
/* The meta record where the GC's sweep goes on: a map record key, or
 * empty (the table's front). */
#define MAP_SWEEP_KEY "mapsweep"

/* Counters of the map's records (map_txn_stats). */
struct map_stats {
	uint64_t root_gen, gen, live, total;
};

/* Updates collected during a batch (or a replay), applied at its end. */
struct map_pending {
	struct map_update *u, *tmp;
	size_t n, cap;
};

enum lien_status map_pending_add(struct map_pending *p,
    const uint8_t key[MAP_KEY_LEN], const uint8_t value[MAP_VALUE_LEN])
    LIEN_MUST_CHECK;
void map_pending_clear(struct map_pending *p);
void map_pending_free(struct map_pending *p);

/* The writer's tile cache (opaque): the tiles of strata 0 ..
 * keep-1, kept decoded across commits, and the deeper tiles of the
 * commit under way. Kept tiles count for the store they were committed
 * to only while its `maptiles` counters are the ones the cache's last
 * commit wrote; otherwise (the commit's transaction aborted, another
 * writer, a new cache) the next map_commit drops and reloads them. One
 * cache per store and writer; not thread-safe. */
struct map_wcache;
/* keep <= MAP_CACHE_STRATA_MAX (LIEN_EINVAL otherwise); 0 keeps none.
 * Caller frees *out with map_wcache_free. */
enum lien_status map_wcache_create(unsigned keep, struct map_wcache **out)
    LIEN_MUST_CHECK;
void map_wcache_free(struct map_wcache *c);
/* A replay's map (an audit's scratch store, which no reader shares and
 * which is compared logically, map_txn_compare): on 1, every commit
 * deletes the record a tile it rewrites or empties replaces, so the
 * table holds the live tiles only and the copy-forward GC never runs;
 * and the kept tiles (strata < keep) are read when first used instead of
 * all at the first commit (an incremental audit updates a fraction of
 * them). Not for the sequencer: the deletes are random writes, and it
 * reads the kept tiles once and keeps them for every batch. */
void map_wcache_prune(struct map_wcache *c, int on);
/* On 1, the first commit (and the first after map_wcache_drop) also
 * fills the GC's index of stratum-(keep + 1) generations from every
 * stratum-keep record (at 10^7 vehicles ~10^6 record reads, seconds,
 * once), so the sweep's liveness checks read no parent record from its
 * first batch: what any cache has after one lap of the sweep. Off (the
 * default) the index fills as the sweep passes, and a restarted
 * sequencer's first batch does not wait seconds for it. The benchmark's
 * scratch maps (ledger_scratch_open) turn it on to measure that steady
 * state. */
void map_wcache_prefill(struct map_wcache *c, int on);
/* Threads map_commit's update runs on: 1, or 2 (the default,
 * MAP_COMMIT_THREADS); LIEN_EINVAL otherwise. Either way the same
 * records are written and the same root comes out. A pruned cache
 * (map_wcache_prune) runs on one. */
enum lien_status map_wcache_threads(struct map_wcache *c, unsigned n)
    LIEN_MUST_CHECK;
/* Forget the kept tiles (after an aborted commit; map_commit would
 * notice, this says it). NULL is a no-op. */
void map_wcache_drop(struct map_wcache *c);
/* The cache's counters since it was created (all zero for NULL). */
void map_wcache_prof(const struct map_wcache *c, struct ledger_map_prof *out);
/* Tests and debugging: compare the kept tiles with the map of txn t,
 * both ways (every tile of strata < keep in the store is cached with
 * its generation, slots, children and child generations; no other tile
 * is cached as stored), and the known generations of stratum keep + 1
 * (the GC's index) with the stratum-keep records. *out_valid = 0 and LIEN_OK when the cache does
 * not claim t's generation (the next commit reloads it). LIEN_ECORRUPT
 * with a reason in why for any difference. */
enum lien_status map_wcache_check(struct map_wcache *c, struct store_txn *t,
    int *out_valid, char *why, size_t why_cap) LIEN_MUST_CHECK;

/* Apply p's updates (sorted, last write per key wins) to the map in write
 * txn t, write the changed tiles, clear p. out_root: the new root;
 * *io_count adjusted by keys added. *cache is created on first use and
 * kept by the caller for the next call. Storage errors pass through (the
 * caller aborts t). */
enum lien_status map_commit(struct store_txn *t, struct map_pending *p,
    struct map_wcache **cache, uint8_t out_root[HASH_LEN],
    uint64_t *io_count) LIEN_MUST_CHECK;

/* Proof for key from the map as of txn t (read or write). */
enum lien_status map_txn_prove(struct store_txn *t,
    const uint8_t key[MAP_KEY_LEN], struct map_proof *out) LIEN_MUST_CHECK;

/* Root of the map as of txn t. */
enum lien_status map_txn_root(struct store_txn *t, uint8_t out[HASH_LEN])
    LIEN_MUST_CHECK;

/* The `maptiles` counters as of txn t (all zero for a store that never
 * held a key). LIEN_ECORRUPT for a malformed record. */
enum lien_status map_txn_stats(struct store_txn *t, struct map_stats *out)
    LIEN_MUST_CHECK;

/* Logical comparison for the audit: walk the map of txn `want` (the
 * replay) and of txn `have` (the store) through their child pointers and
 * compare every tile's contents and child set, generations aside; then
 * check have's live count against the tiles walked and its total count
 * against the records its table holds. LIEN_OK when they agree;
 * LIEN_ECORRUPT with a reason in why (NUL-terminated, truncated to
 * why_cap) for a differing, extra or missing tile, a dangling pointer or
 * a wrong counter; storage errors pass through. */
enum lien_status map_txn_compare(struct store_txn *want,
    struct store_txn *have, char *why, size_t why_cap) LIEN_MUST_CHECK;

#endif
