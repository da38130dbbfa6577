/*
 * Fuzz target for tlog/checkpoint.c. Input is a checkpoint body.
 * Properties (abort on failure): a body that parses without extension
 * lines is re-formatted to exactly the same bytes (one spelling per
 * value); checkpoint_open of the input never succeeds under a key the
 * fuzzer does not have; a parsed body signed by our key opens again to
 * the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlog/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct note_signer *signer;

static void
setup(void)
{
	char *skey, *vkey;

	if (signer != NULL)
		return;
	if (lcrypto_init() != LIEN_OK)
		abort();
	if (note_key_generate("example.com/log", 15, &skey, &vkey) != LIEN_OK ||
	    note_signer_parse(skey, strlen(skey), &signer) != LIEN_OK)
		abort();
	secret_free(skey);
	free(vkey);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checkpoint cp, cp2;
	const struct note_verifier *v;
	char *buf, *msg;
	size_t len, mlen;

	setup();
	v = note_signer_verifier(signer);
	if (checkpoint_open(data, size, v, &cp) == LIEN_OK)
		abort();
	if (checkpoint_parse(data, size, &cp) != LIEN_OK)
		return 0;
	if (cp.origin_len == 0 || cp.next > CHECKPOINT_EXT_LINES_MAX)
		abort();
	if (cp.next == 0) {
		buf = malloc(size + 1);
		if (buf == NULL)
			return 0;
		if (checkpoint_format(cp.origin, cp.origin_len, cp.size, cp.root,
		    buf, size + 1, &len) != LIEN_OK || len != size ||
		    memcmp(buf, data, size) != 0)
			abort();
		free(buf);
	}
	if (note_sign(signer, data, size, &msg, &mlen) == LIEN_OK) {
		enum lien_status st = checkpoint_open((uint8_t *)msg, mlen, v,
		    &cp2);
		int same_origin = cp.origin_len == v->name_len &&
		    memcmp(cp.origin, v->name, v->name_len) == 0;

		if ((st == LIEN_OK) != same_origin)
			abort();
		if (st == LIEN_OK && (cp2.size != cp.size ||
		    memcmp(cp2.root, cp.root, HASH_LEN) != 0 ||
		    cp2.next != cp.next))
			abort();
		free(msg);
	}
	return 0;
}
