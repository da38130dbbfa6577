/*
 * SHA-256 for the whole project, on OpenSSL's EVP interface.
 *
 * One-shot SHA256() re-fetches the algorithm on every call (~3M node
 * hashes/s here); a pre-fetched EVP_MD with a per-thread reused EVP_MD_CTX
 * runs ~8.8M/s. The context lives in thread-local storage and is created
 * on first use; a pthread key destructor frees it when the thread exits.
 *
 * Allocation is the only way these calls can fail: the context on a
 * thread's first hash and, with OpenSSL 3.0, the provider's digest state
 * in every EVP_DigestInit_ex2 (one malloc/free per hash, measured by the
 * fault test, tests/fault/). It happens before any secret or untrusted
 * byte is touched, so we abort() rather than make every Merkle function
 * fallible over it.
 */
#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static _Thread_local EVP_MD_CTX *tl_ctx;

static void
ctx_destroy(void *p)
{
	EVP_MD_CTX_free(p);
}

static void
sha256_setup(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	if (sha256_md == NULL || pthread_key_create(&ctx_key, ctx_destroy) != 0)
		abort();
}

static EVP_MD_CTX *
ctx_get(void)
{
	if (tl_ctx != NULL)
		return tl_ctx;
	pthread_once(&sha256_once, sha256_setup);
	tl_ctx = EVP_MD_CTX_new();
	if (tl_ctx == NULL)
		abort();
	/* Registered only so the destructor runs at thread exit. */
	(void)pthread_setspecific(ctx_key, tl_ctx);
	return tl_ctx;
}

void
hash_sha256_parts(const struct hash_part *parts, size_t n,
    uint8_t out[HASH_LEN])
{
	EVP_MD_CTX *ctx = ctx_get();
	unsigned int len = 0;

	if (EVP_DigestInit_ex2(ctx, sha256_md, NULL) != 1)
		abort();
	for (size_t i = 0; i < n; i++)
		if (parts[i].len > 0 &&
		    EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1)
			abort();
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != HASH_LEN)
		abort();
}

void
hash_sha256(const void *p, size_t len, uint8_t out[HASH_LEN])
{
	struct hash_part part = { p, len };

	hash_sha256_parts(&part, 1, out);
}

void
hash_leaf(const uint8_t *entry, size_t len, uint8_t out[HASH_LEN])
{
	static const uint8_t zero = 0x00;	/* RFC 6962 2.1 leaf prefix */
	struct hash_part parts[2] = { { &zero, 1 }, { entry, len } };

	hash_sha256_parts(parts, 2, out);
}

void
hash_node(const uint8_t left[HASH_LEN], const uint8_t right[HASH_LEN],
    uint8_t out[HASH_LEN])
{
	uint8_t buf[1 + 2 * HASH_LEN];	/* RFC 6962 2.1 node prefix 0x01 */

	buf[0] = 0x01;
	for (unsigned i = 0; i < HASH_LEN; i++) {
		buf[1 + i] = left[i];
		buf[1 + HASH_LEN + i] = right[i];
	}
	hash_sha256(buf, sizeof buf, out);
}

int
hash_equal(const uint8_t a[HASH_LEN], const uint8_t b[HASH_LEN])
{
	return CRYPTO_memcmp(a, b, HASH_LEN) == 0;
}
