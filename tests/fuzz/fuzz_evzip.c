/*
 * Fuzz target for registry/evzip.c (the sealed evidence text's
 * compression), both directions.
 *
 * Invariants:
 * - no memory error, no read past size (ASan; the replay driver and
 *   libFuzzer hand over exactly size bytes);
 * - decoding any bytes gives LIEN_OK with a NUL-terminated text of at
 *   most EVZIP_TEXT_MAX bytes, or a refusal with nothing allocated;
 * - a compressed input that decodes is exactly the stated length (the
 *   decoder never inflates past it: no zip bomb);
 * - encoding any bytes that do not start with the format byte gives a
 *   plaintext that decodes to exactly those bytes (compressed only when
 *   shorter), when they start with 'l' as every evidence text does,
 *   with a context (EVZIP_DEFLATE3, its base64 spans taken off, or
 *   EVZIP_DEFLATE2 for a text with an escape byte; the context made
 *   from the input's first bytes) and without (EVZIP_DEFLATE1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/evzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const uint8_t *text, size_t len, const struct evzip_ctx *c)
{
	uint8_t *z = NULL, *back = NULL;
	size_t zlen = 0, back_len = 0;

	if (len == 0 || text[0] != 'l')
		return;
	if (evzip_encode(text, len, c, &z, &zlen) != LIEN_OK)
		abort();
	if ((c != NULL ? z[0] == EVZIP_DEFLATE2 || z[0] == EVZIP_DEFLATE3 :
	    z[0] == EVZIP_DEFLATE1) ? zlen >= len :
	    (zlen != len || memcmp(z, text, len) != 0))
		abort();
	if (evzip_decode(z, zlen, c, &back, &back_len) != LIEN_OK ||
	    back_len != len || memcmp(back, text, len) != 0)
		abort();
	free(z);
	free(back);
}

/* A context from the input: its first bytes as nonce and key id. */
static const struct evzip_ctx *
ctx_of(const uint8_t *data, size_t size, struct evzip_ctx *c)
{
	uint8_t k[EVZIP_KEYID_LEN] = { 0 };
	size_t nl = size < 24 ? size : 24;

	memcpy(k, data, size < sizeof k ? size : sizeof k);
	if (evzip_context((int64_t)size, (const char *)data, nl, k, c) !=
	    LIEN_OK)
		abort();
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	struct evzip_ctx c;
	enum lien_status rc;

	rc = evzip_decode(data, size, ctx_of(data, size, &c), &out, &out_len);
	if (rc == LIEN_OK) {
		if (out == NULL || out[out_len] != 0 || out_len == 0 ||
		    out_len > EVZIP_TEXT_MAX)
			abort();
		if (size > 0 && data[0] == 'l' && (out_len != size ||
		    memcmp(out, data, size) != 0))
			abort();
		if (out[0] == 'l')
			check_round_trip(out, out_len, &c);
		free(out);
	} else if (out != NULL || out_len != 0) {
		abort();
	}
	check_round_trip(data, size, NULL);
	check_round_trip(data, size, &c);
	return 0;
}
