/*
 * Fuzz target for crypto/note.c. Input is a whole note; it is parsed,
 * verified against a fixed key, and its first line is also tried as a
 * verifier and a signer key text. Properties checked (abort on failure):
 * whatever note_parse accepts has a text that note_sign accepts, and the
 * re-signed note verifies and parses back to the same text; a note never
 * verifies under the fixed key unless its text was signed by us (the
 * fuzzer cannot forge Ed25519, so OK there means a parser bug).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fresh random key named "example.com/log", made once per process. */
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
	static struct note_parsed np, np2;
	const struct note_verifier *v;
	const uint8_t *nl;
	char *msg;
	size_t len;

	setup();
	v = note_signer_verifier(signer);

	if (note_verify(data, size, v, 1, &np, NULL) == LIEN_OK)
		abort();	/* a fresh random key: cannot be signed */

	if (note_parse(data, size, &np) == LIEN_OK) {
		if (np.text_len == 0 || np.nsigs == 0 ||
		    np.nsigs > NOTE_SIGS_MAX || np.text != data)
			abort();
		if (note_sign(signer, np.text, np.text_len, &msg, &len) !=
		    LIEN_OK)
			abort();
		if (note_verify((uint8_t *)msg, len, v, 1, &np2, NULL) !=
		    LIEN_OK || np2.text_len != np.text_len ||
		    memcmp(np2.text, np.text, np.text_len) != 0)
			abort();
		free(msg);
	}

	/* First line as key texts. */
	nl = memchr(data, '\n', size);
	len = nl != NULL ? (size_t)(nl - data) : size;
	{
		struct note_verifier pv;
		struct note_signer *ps = NULL;

		if (note_verifier_parse((const char *)data, len, &pv) == LIEN_OK &&
		    note_name_check(pv.name, pv.name_len) != LIEN_OK)
			abort();
		if (len >= 12 && memcmp(data, "PRIVATE+KEY+", 12) == 0 &&
		    note_signer_parse((const char *)data, len, &ps) == LIEN_OK)
			note_signer_free(ps);
	}
	return 0;
}
