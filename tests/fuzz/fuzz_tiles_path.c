/*
 * Fuzz target for tiles_path_parse: no crash or over-read on any input,
 * and uniqueness: whatever parses must format back to exactly "tile/" +
 * the input, so no tile has two accepted paths. Also exercises
 * tiles_width_at with the parsed coordinates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/tiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[TILES_PATH_MAX + 8];
	struct tile_ref r;
	uint64_t n = 0;

	if (tiles_path_parse((const char *)data, size, &r) != LIEN_OK)
		return 0;
	if (tiles_path_format(&r, out, sizeof out) != LIEN_OK ||
	    strlen(out) != size + 5 || memcmp(out, "tile/", 5) != 0 ||
	    memcmp(out + 5, data, size) != 0)
		abort();
	for (size_t i = 0; i < size && i < 8; i++)
		n = n << 8 | data[i];
	if (tiles_width_at(r.level, r.index, n) > 256)
		abort();
	return 0;
}
