/*
 * Internal to ledger/: the lien-status map (tlog/map.h) kept in the store's
 * `map` table, and the updates a batch collects for it.
 *
 * Layout (docs/storage.md "Status map"): nodes are grouped in *map tiles*
 * of four levels. Tile (s, P) holds the nodes at depths 4s .. 4s+3 below
 * the 4s-bit prefix P: 1 + 2 + 4 + 8 = 15 slots. Its value:
 *
 *   present u16be | leaves u16be | per present slot, in slot order:
 *   a node's hash (32) or a leaf's key and value (64)
 *
 * bit i (of 15) of `present` = slot i non-empty, of `leaves` = slot i is
 * a leaf; slot of (depth offset r, next r key bits j) = 2^r - 1 + j. An
 * empty tile has no record.
 *
 * Keys (store format v7): the top strata 0..3 (depths 0..15, at most
 * 4,369 tiles, ~2 MiB) are keyed stratum first, the byte s then P packed
 * into ceil(4s/8) bytes, so they sit together in a few hundred pages that
 * every batch rewrites anyway. Strata 4 and below are keyed in pre-order:
 * the byte 4, P's first 16 bits, then one byte (0..15) per further 4-bit
 * step. A stratum-4 tile is then followed by the whole subtree below it,
 * so the lower tiles of one key's path share a page (or two) instead of
 * sitting one per random page: LMDB copies a page per changed record, and
 * for a batch of random keys that is most of the cost (2.76 -> 2.04 pages
 * per update at 10^6 vehicles; bench/README.md "Lien-status map").
 *
 * The tree is canonical, so the table is a function of the key set: the
 * audit compares it record for record with one rebuilt from the log.
 */
#ifndef LIEN_LEDGER_MAP_STORE_H
#define LIEN_LEDGER_MAP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "tlog/map.h"
#include "ledger/store.h"

#define MAP_TILE_HEIGHT 4u
#define MAP_TILE_SLOTS 15u
#define MAP_TILE_GROUP 4u	/* first stratum keyed in pre-order */
/* byte 4, 16 prefix bits, one byte per stratum 4..63 of the tile's
 * prefix (a depth-256 node sits in stratum 64) */
#define MAP_TILE_KEY_MAX (3u + (MAP_DEPTH_MAX / MAP_TILE_HEIGHT - \
	MAP_TILE_GROUP))
#define MAP_TILE_REC_MAX (4u + MAP_TILE_SLOTS * 64u)

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

/* The write-side tile cache of one transaction (opaque; reused). */
struct map_wcache;
void map_wcache_free(struct map_wcache *c);

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

#endif
