/*
 * Fuzz target for RFC 9421 request-signature parsing and verification
 * (crypto/httpsig.h). Input lines: Signature-Input value, Signature value,
 * Content-Digest value, then the body. Verified against a fixed Ed25519
 * key (RFC 8032 TEST 1 seed) under lienlog's full policy, and the base
 * builder is run on the same request. Invariants: the status always
 * agrees with the reason, a reason always has a code, and nothing reads
 * outside the input (ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/httpsig.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pkey *fuzz_key;

static enum lien_status LIEN_MUST_CHECK
lookup(void *arg, const char *keyid, size_t len, const struct pkey **out)
{
	(void)arg;
	if (len == 4 && memcmp(keyid, "bank", 4) == 0) {
		*out = fuzz_key;
		return LIEN_OK;
	}
	return LIEN_EKEY;
}

/* Next '\n'-terminated piece of [*p, end); the rest if no newline. */
static void
take_line(const char **p, const char *end, const char **s, size_t *n)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	*s = *p;
	*n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);
	*p = nl != NULL ? nl + 1 : end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t seed[32] = { 0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd,
	    0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44,
	    0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03,
	    0x1c, 0xae, 0x7f, 0x60 };
	const char *p = (const char *)data, *end = p + size;
	struct httpsig_header h[4];
	struct httpsig_request r = {
		.method = "POST", .method_len = 4, .scheme = "https",
		.scheme_len = 5, .authority = "registry.example",
		.authority_len = 16, .path = "/v1/mortgages", .path_len = 13,
		.headers = h, .nheaders = 4,
	};
	struct httpsig_policy pol;
	struct httpsig_result res;
	enum lien_status st;
	char *base;
	size_t base_len = 0;
	enum httpsig_reason why;

	if (fuzz_key == NULL) {
		if (lcrypto_init() != LIEN_OK ||
		    pkey_from_ed25519_seed(seed, sizeof(seed), &fuzz_key) !=
		    LIEN_OK)
			abort();
	}
	h[0] = (struct httpsig_header){ "Signature-Input", 15, NULL, 0 };
	h[1] = (struct httpsig_header){ "Signature", 9, NULL, 0 };
	h[2] = (struct httpsig_header){ "Content-Digest", 14, NULL, 0 };
	h[3] = (struct httpsig_header){ "Content-Type", 12,
	    "application/json", 16 };
	for (int i = 0; i < 3; i++)
		take_line(&p, end, &h[i].value, &h[i].value_len);
	r.body = (const uint8_t *)p;
	r.body_len = (size_t)(end - p);

	httpsig_policy_init(&pol, 1700000000, lookup, NULL);
	st = httpsig_verify(&r, &pol, &res);
	if ((st == LIEN_OK) != (res.reason == HTTPSIG_R_OK))
		abort();
	if (httpsig_reason_code(res.reason) == NULL)
		abort();
	/* A relaxed policy reaches deeper into the parser. */
	pol.require = 0;
	pol.window = 1000000000;
	st = httpsig_verify(&r, &pol, &res);
	if ((st == LIEN_OK) != (res.reason == HTTPSIG_R_OK))
		abort();

	base = malloc(HTTPSIG_BASE_MAX + 1);
	if (base == NULL)
		return 0;
	st = httpsig_base_build(&r, NULL, base, HTTPSIG_BASE_MAX + 1,
	    &base_len, &why);
	if (st == LIEN_OK && strlen(base) != base_len)
		abort();
	free(base);
	return 0;
}
