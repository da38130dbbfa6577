/*
 * Fuzz target for JWS compact tokens, JWKS key sets and JWKs
 * (crypto/jws.h, crypto/pkey.h). The input is verified as a token against
 * a fixed key set (the RFC 8037 A.2 Ed25519 key and the RFC 7515 A.3 P-256
 * key), parsed as a JWKS and as a JWK, and base64url-decoded. Invariants:
 * a token refused has no claims; a decoded base64url string re-encodes to
 * exactly the input (one accepted encoding per value).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/jws.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jws_keyset *fuzz_ks;

static const char fuzz_jwks[] =
    "{\"keys\":["
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\","
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct jws_token t;
	struct jws_keyset *ks = NULL;
	struct pkey *k = NULL;
	enum jws_reason why;
	uint8_t *dec;
	char *enc;
	size_t n = 0;

	if (fuzz_ks == NULL) {
		if (lcrypto_init() != LIEN_OK ||
		    jws_keyset_parse(fuzz_jwks, strlen(fuzz_jwks), &fuzz_ks) !=
		    LIEN_OK)
			abort();
	}
	if (jws_verify(fuzz_ks, s, size, &t, &why) == LIEN_OK) {
		if (t.claims == NULL || why != JWS_R_OK)
			abort();
		jws_token_clear(&t);
	} else if (t.claims != NULL || jws_reason_code(why) == NULL) {
		abort();
	}
	if (jws_keyset_parse(s, size, &ks) == LIEN_OK &&
	    jws_keyset_count(ks) == 0)
		abort();
	jws_keyset_free(ks);
	if (pkey_from_jwk(s, size, &k) == LIEN_OK && pkey_alg_get(k) == PKEY_NONE)
		abort();
	pkey_free(k);

	if (size > JWS_TOKEN_MAX)
		return 0;
	dec = malloc(size + 1);
	enc = malloc(size + 4);
	if (dec != NULL && enc != NULL &&
	    jws_b64url_decode(s, size, dec, size + 1, &n) == LIEN_OK) {
		if (jws_b64url_encode(dec, n, enc, size + 4) != LIEN_OK ||
		    strlen(enc) != size || memcmp(enc, s, size) != 0)
			abort();
	}
	free(dec);
	free(enc);
	return 0;
}
