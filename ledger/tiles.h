/*
 * C2SP tlog-tiles resource paths, pure:
 *   tile/<L>/<N>[.p/<W>]        hash tiles, L in 0..63
 *   tile/entries/<N>[.p/<W>]    entry bundles
 * <N> is zero-padded 3-digit groups, all but the last prefixed with 'x'
 * ("x001/x234/067"); <W> is 1..255 without leading zeros. Anything else is
 * rejected, so each resource has exactly one accepted path.
 */
#ifndef LIEN_LEDGER_TILES_H
#define LIEN_LEDGER_TILES_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

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

#endif
