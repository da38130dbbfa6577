/*
 * Fuzz target for registry/jpack.c (packed JSON), both directions.
 *
 * Invariants:
 * - no memory error, no read past size (ASan; the replay driver and
 *   libFuzzer hand over exactly size bytes);
 * - decoding any bytes gives LIEN_OK with a NUL-terminated text, or a
 *   refusal with nothing allocated;
 * - encoding any bytes that do not start with the tag gives a stored form
 *   that decodes to exactly those bytes (packed only when shorter);
 * - a packed value that decodes re-encodes to a value decoding to the same
 *   text (the encoder need not pick the same tokens);
 * - the tree paths (jpack_decode_tree, jpack_encode_tree) agree with the
 *   text's way: a tree made from the tokens only where jcs_parse of the
 *   decoded text gives an equal tree, and a tree's packing, where it is
 *   made, the bytes jpack_encode of its canonical text gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/jcs.h"
#include "registry/jpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const uint8_t *text, size_t len)
{
	uint8_t *st = NULL, *back = NULL;
	size_t st_len = 0, back_len = 0;

	if (len == 0 || text[0] == JPACK_TAG)
		return;
	if (jpack_encode(text, len, &st, &st_len) != LIEN_OK)
		abort();
	if (jpack_is_packed(st, st_len) ? st_len >= len :
	    (st_len != len || memcmp(st, text, len) != 0))
		abort();
	if (jpack_decode(st, st_len, &back, &back_len) != LIEN_OK ||
	    back_len != len || memcmp(back, text, len) != 0)
		abort();
	free(st);
	free(back);
}

/* The tree paths against the text's way, on the stored value (p, len). */
static void
check_trees(const uint8_t *p, size_t len)
{
	json_t *a = NULL, *b = NULL;
	uint8_t *text = NULL, *x = NULL, *y = NULL;
	size_t tl = 0, xl = 0, yl = 0;
	char *canon = NULL;
	size_t cl = 0;
	enum lien_status rc;

	if (len == 0)
		return;
	rc = jpack_decode_tree(p, len, &a);
	if (rc == LIEN_EUNSUPPORTED) {
		if (a != NULL)
			abort();
		return;
	}
	if (rc != LIEN_OK || a == NULL ||
	    jpack_decode(p, len, &text, &tl) != LIEN_OK ||
	    jcs_parse((const char *)text, tl, 0, &b) != LIEN_OK ||
	    !json_equal(a, b))
		abort();
	rc = jpack_encode_tree(a, &x, &xl);
	if (rc == LIEN_OK) {
		if (jcs_serialize(a, &canon, &cl) != LIEN_OK ||
		    jpack_encode((const uint8_t *)canon, cl, &y, &yl) !=
		    LIEN_OK || xl != yl || memcmp(x, y, xl) != 0)
			abort();
	} else if (rc != LIEN_EUNSUPPORTED || x != NULL) {
		abort();
	}
	free(canon);
	free(x);
	free(y);
	free(text);
	json_decref(a);
	json_decref(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	enum lien_status rc;

	rc = jpack_decode(data, size, &out, &out_len);
	if (rc == LIEN_OK) {
		if (out == NULL || out[out_len] != 0)
			abort();
		if (jpack_is_packed(data, size))
			check_round_trip(out, out_len);
		free(out);
	} else if (out != NULL || out_len != 0) {
		abort();
	}
	check_round_trip(data, size);
	check_trees(data, size);
	return 0;
}
