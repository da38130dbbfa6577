/*
 * C2SP tlog-tiles resource paths, pure:
 *   tile/<L>/<N>[.p/<W>]        hash tiles, L in 0..63
 *   tile/entries/<N>[.p/<W>]    entry bundles
 * <N> is zero-padded 3-digit groups, all but the last prefixed with 'x'
 * ("x001/x234/067"); <W> is 1..255 without leading zeros. Anything else is
 * rejected, so each resource has exactly one accepted path.
 */
#ifndef LIEN_TLOG_TILES_H
#define LIEN_TLOG_TILES_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"

#define TILES_LEVEL_ENTRIES (-1)
#define TILES_PATH_MAX 128u

struct tile_ref {
	int level;		/* 0..63, or TILES_LEVEL_ENTRIES */
	uint64_t index;
	unsigned width;		/* 256 for a full tile, else 1..255 */
};

/* Parse the part after "tile/" (e.g. "0/x001/234.p/7", "entries/000").
 * LIEN_EPARSE for any non-canonical path. */
enum lien_status tiles_path_parse(const char *p, size_t len,
    struct tile_ref *out) LIEN_MUST_CHECK;

/* Format "tile/..." for ref into out (cap bytes, NUL-terminated). */
enum lien_status tiles_path_format(const struct tile_ref *ref, char *out,
    size_t cap) LIEN_MUST_CHECK;

/* Width of the tile (level, index) in a tree of size n: 256 if full, the
 * partial width, or 0 if the tile does not exist at that size. For entries
 * use level 0. */
unsigned tiles_width_at(int level, uint64_t index, uint64_t n);

/* Index arithmetic of the tree and its tiles, one set for the sequencer
 * (ledger/log.c), the verifier (tlog/verifier.c) and through it the mirror,
 * the monitor and the proof tools. Tree sizes are any u64, so shift counts
 * reach 64 (tile level 7: 8 * 7 + 8) where C leaves a shift undefined;
 * every shift by a computed count goes through tiles_shr. */

/* x >> s, and 0 when s >= 64. */
static inline uint64_t
tiles_shr(uint64_t x, unsigned s)
{
	return s >= 64u ? 0 : x >> s;
}

/* Complete subtrees of 2^level leaves in a tree of n leaves, i.e. how many
 * nodes of that level exist (node (level, i) exists iff i < this). */
static inline uint64_t
tiles_nodes_at(uint64_t n, unsigned level)
{
	return tiles_shr(n, level);
}

/* The right-edge tile of tile level t (t < TILE_LEVELS) in a tree of n
 * leaves: its index, and its width (0 when the level ends on a full tile,
 * so there is no partial tile at that level). */
static inline uint64_t
tiles_edge_index(uint64_t n, unsigned tlevel)
{
	return tiles_shr(n, TILE_HEIGHT * tlevel + TILE_HEIGHT);
}

static inline unsigned
tiles_edge_width(uint64_t n, unsigned tlevel)
{
	return (unsigned)(tiles_shr(n, TILE_HEIGHT * tlevel) % TILE_WIDTH);
}

/* A tile record (how the store keeps hash tiles and how a verifier caches
 * them) holds node levels 8t .. 8t+7 of one tile: 256 + 128 + ... + 2 =
 * 510 hashes. Level kk (0..7) of the tile starts at slot 512 - (512 >> kk).
 */
#define TILE_REC_SLOTS 510u
#define TILE_REC_LEN (TILE_REC_SLOTS * HASH_LEN)
#define TILE_LEVELS 8u		/* tile levels 0..7 cover node levels 0..63 */

/* Slot of the j-th node (j < 256 >> kk) of node level kk inside a tile
 * record. */
static inline unsigned
tiles_rec_pos(unsigned kk, unsigned j)
{
	return (512u - (512u >> kk)) + j;
}

/* Slot of node (level, index), level < 64, inside its tile record, and the
 * record's (tile level, tile index). */
static inline unsigned
tiles_rec_slot(unsigned level, uint64_t index, unsigned *tlevel,
    uint64_t *tindex)
{
	unsigned kk = level % TILE_HEIGHT;

	*tlevel = level / TILE_HEIGHT;
	*tindex = index >> (TILE_HEIGHT - kk);
	return tiles_rec_pos(kk,
	    (unsigned)(index & ((TILE_WIDTH >> kk) - 1u)));
}

#endif
