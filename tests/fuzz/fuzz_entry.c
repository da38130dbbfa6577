/*
 * Fuzz target for entry_decode: no crash or over-read on any input, and
 * canonical round trip: whatever decodes must re-encode to exactly the
 * input bytes (the envelope has one encoding per entry).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[LEDGER_ENTRY_MAX];
	uint8_t h[HASH_LEN];
	struct entry e;
	size_t len;

	if (entry_decode(data, size, &e) != LIEN_OK)
		return 0;
	if (e.payload_len > ENTRY_PAYLOAD_MAX ||
	    entry_encode(&e, out, sizeof out, &len) != LIEN_OK ||
	    len != size || memcmp(out, data, size) != 0)
		abort();
	hash_leaf(data, size, h);
	return 0;
}
