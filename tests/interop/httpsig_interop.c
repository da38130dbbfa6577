/*
 * Driver for tests/vectors/gen_httpsig.py: exposes our RFC 9421 verifier
 * and signer on the command line so an independent implementation
 * (Python cryptography, the openssl CLI for SM2) can be checked against
 * them in both directions.
 *
 *   httpsig_interop verify <pub.pem> <request.txt> <now> [sm2-id]
 *       prints the reason code ("ok", "digest_mismatch", ...); exit 0 iff ok
 *   httpsig_interop sign <priv.pem> <request.txt> <keyid> <created>
 *       prints "Content-Digest: ...", "Signature-Input: ...",
 *       "Signature: ..." lines for the request
 *
 * Request files use the block format of tests/vectors/rfc9421_keys.txt
 * with blocks method, target-uri, headers, body. Test code: it prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/httpsig.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"

#define FILE_MAX (1u << 20)

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, FILE_MAX, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Block `name` (NUL-terminated in place: text is modified copy-wise). */
static char *
block(const char *text, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = text; (p = strstr(p, "@@ ")) != NULL; p += 3) {
		if ((p == text || p[-1] == '\n') &&
		    strncmp(p + 3, name, nl) == 0 && p[3 + nl] == '\n') {
			const char *s = p + 4 + nl, *e = strstr(s, "\n@@ ");
			size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
			char *out;

			while (n > 0 && s[n - 1] == '\n')
				n--;
			if ((out = malloc(n + 1)) == NULL)
				return NULL;
			memcpy(out, s, n);
			out[n] = '\0';
			return out;
		}
	}
	return NULL;
}

struct req {
	char *method, *uri, *hdrs, *body;
	struct httpsig_header h[64];
	struct httpsig_request r;
};

static int
req_load(struct req *q, const char *path)
{
	size_t len;
	char *text = slurp(path, &len), *p, *s;

	memset(q, 0, sizeof(*q));
	if (text == NULL)
		return -1;
	q->method = block(text, "method");
	q->uri = block(text, "target-uri");
	q->hdrs = block(text, "headers");
	q->body = block(text, "body");
	free(text);
	if (q->method == NULL || q->uri == NULL || q->hdrs == NULL ||
	    q->body == NULL)
		return -1;
	q->r.method = q->method;
	q->r.method_len = strlen(q->method);
	if ((p = strstr(q->uri, "://")) == NULL)
		return -1;
	q->r.scheme = q->uri;
	q->r.scheme_len = (size_t)(p - q->uri);
	q->r.authority = p + 3;
	if ((s = strchr(p + 3, '/')) == NULL)
		return -1;
	q->r.authority_len = (size_t)(s - (p + 3));
	q->r.path = s;
	if ((p = strchr(s, '?')) != NULL) {
		q->r.path_len = (size_t)(p - s);
		q->r.query = p + 1;
		q->r.query_len = strlen(p + 1);
	} else {
		q->r.path_len = strlen(s);
	}
	q->r.headers = q->h;
	for (p = q->hdrs; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n'), *colon = strchr(p, ':');

		if (nl != NULL)
			*nl = '\0';
		if (colon == NULL || q->r.nheaders >= 64)
			return -1;
		*colon = '\0';
		q->h[q->r.nheaders++] = (struct httpsig_header){ p, strlen(p),
		    colon + 1, strlen(colon + 1) };
		p = nl != NULL ? nl + 1 : NULL;
	}
	q->r.body = (const uint8_t *)q->body;
	q->r.body_len = strlen(q->body);
	return 0;
}

static struct pkey *
load_key(const char *path)
{
	size_t len;
	char *pem = slurp(path, &len);
	struct pkey *k = NULL;

	if (pem == NULL)
		return NULL;
	if (pkey_from_pem(pem, len, &k) != LIEN_OK)
		k = NULL;
	free(pem);
	return k;
}

static enum lien_status LIEN_MUST_CHECK
one_key(void *arg, const char *keyid, size_t len, const struct pkey **out)
{
	(void)keyid;
	(void)len;
	*out = arg;
	return LIEN_OK;
}

int
main(int argc, char **argv)
{
	struct req q;
	struct pkey *k;
	int rc = 2;

	if (lcrypto_init() != LIEN_OK || argc < 5)
		return 2;
	if ((k = load_key(argv[2])) == NULL || req_load(&q, argv[3]) != 0) {
		fprintf(stderr, "cannot load key or request\n");
		return 2;
	}
	if (strcmp(argv[1], "verify") == 0) {
		struct httpsig_policy pol;
		struct httpsig_result res;
		enum lien_status st;

		if (argc > 5 && pkey_sm2_id_set(k, (const uint8_t *)argv[5],
		    strlen(argv[5])) != LIEN_OK)
			return 2;
		httpsig_policy_init(&pol, strtoll(argv[4], NULL, 10), one_key, k);
		st = httpsig_verify(&q.r, &pol, &res);
		printf("%s\n", httpsig_reason_code(res.reason));
		rc = st == LIEN_OK ? 0 : 1;
	} else if (strcmp(argv[1], "sign") == 0 && argc > 5) {
		static const char *const comps[] = { "@method", "@target-uri",
		    "@authority", "content-digest", "content-type" };
		struct httpsig_sign_params p = {
			.components = comps, .ncomponents = 5,
			.created = strtoll(argv[5], NULL, 10), .expires = -1,
			.keyid = argv[4],
		};
		struct httpsig_signed s;

		if (httpsig_sign(&q.r, k, &p, &s) == LIEN_OK) {
			printf("Content-Digest: %s\nSignature-Input: %s\n"
			    "Signature: %s\n", s.content_digest,
			    s.signature_input, s.signature);
			rc = 0;
		}
	}
	pkey_free(k);
	free(q.method);
	free(q.uri);
	free(q.hdrs);
	free(q.body);
	return rc;
}
