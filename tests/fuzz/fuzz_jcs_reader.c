/*
 * Fuzz target for registry/jcs.c's canonical reader against the
 * reference reader (jansson), over the same bytes.
 *
 * Invariants:
 * - no memory error, no read past len (ASan; the replay driver and
 *   libFuzzer hand over exactly size bytes);
 * - jcs_read_canonical accepts => the reference reader in canonical mode
 *   accepts too, the two trees are equal, and the writer gives back the
 *   very input bytes (accepted means canonical);
 * - the reference accepts canonical bytes => the reader accepts them too,
 *   unless it says LIEN_EUNSUPPORTED (an escaped object key), so the fast
 *   path is really taken for what the registry stores;
 * - jcs_parse and jcs_parse_canonical agree with the reference on the
 *   verdict and the status (they try the reader first, then fall back);
 * - the reader's depth cap: with max_depth 2, anything it accepts is
 *   accepted by the reference with max_depth 2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *fast = NULL, *ref = NULL, *a = NULL, *b = NULL;
	enum lien_status sf, sr, s1, s2;
	char *out = NULL;
	size_t out_len = 0;

	sf = jcs_read_canonical(data, size, 0, &fast);
	sr = jcs_parse_reference((const char *)data, size, 0, 1, &ref);
	if ((sf == LIEN_OK) != (fast != NULL) || (sr == LIEN_OK) !=
	    (ref != NULL))
		abort();
	if (sf == LIEN_OK) {
		if (sr != LIEN_OK || !json_equal(fast, ref))
			abort();
		if (jcs_serialize(fast, &out, &out_len) != LIEN_OK ||
		    out_len != size || memcmp(out, data, size) != 0)
			abort();
		free(out);
	}
	if (sr == LIEN_OK && sf != LIEN_OK && sf != LIEN_EUNSUPPORTED)
		abort();

	/* the entry points: the reference's verdict and status */
	s1 = jcs_parse_canonical(data, size, &a);
	if (s1 != sr || (a == NULL) != (s1 != LIEN_OK) ||
	    (a != NULL && !json_equal(a, ref)))
		abort();
	s2 = jcs_parse((const char *)data, size, 0, &b);
	{
		json_t *c = NULL;
		enum lien_status s3 = jcs_parse_reference((const char *)data,
		    size, 0, 0, &c);

		if (s2 != s3 || (b == NULL) != (s2 != LIEN_OK) ||
		    (b != NULL && !json_equal(b, c)))
			abort();
		json_decref(c);
	}
	json_decref(a);
	json_decref(b);
	json_decref(fast);
	json_decref(ref);

	/* a small depth cap */
	fast = ref = NULL;
	if (jcs_read_canonical(data, size, 2, &fast) == LIEN_OK &&
	    (jcs_parse_reference((const char *)data, size, 2, 1, &ref) !=
	    LIEN_OK || !json_equal(fast, ref)))
		abort();
	json_decref(fast);
	json_decref(ref);
	return 0;
}
