/*
 * Identity commitments and sealed evidence (crypto/seal.h).
 *
 * Commitments are a domain-separated salted SHA-256 rather than an HMAC:
 * verifying one must need no key (an auditor shown the clear value checks
 * it), and with a 32-byte uniformly random salt the hash hides the value
 * as well as a MAC would. The 1-byte kind keeps commitments of different
 * data types apart; the fixed-length salt before the value keeps the
 * encoding injective without a length prefix (the value is the tail).
 *
 * Sealing uses XChaCha20-Poly1305 (libsodium's IETF variant) because its
 * 192-bit nonce can be drawn at random per box with no counter to persist
 * and no realistic collision risk, which keeps the store stateless. A
 * bound box (seal_box_bound, store v25) stores no nonce: it is a hash of
 * the associated data, which its caller makes unique per box with a
 * fresh random salt (the evidence's: the private record's), so the 24
 * bytes the store would repeat for every box are not kept. The
 * version byte is authenticated (it is part of the associated data), so a
 * future format cannot be confused with this one. Opening writes
 * plaintext only after the tag has verified: libsodium's decrypt checks
 * the tag before decrypting, and on any failure we zero the output.
 *
 * Not here: key rotation and erasure-by-key-destruction policy (store's
 * job), and the choice of what goes in ad (the caller binds record ids).
 */
#include "crypto/seal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/sign.h"

#define COMMIT_DOMAIN "lienlog-commit-v1"
#define SALT_DOMAIN "lienlog-salt-v1"
#define SALT_KEY_DOMAIN "lienlog-salt-key-v1"
#define NONCE_DOMAIN "lienlog-seal-nonce-v1"

/* Both keys in one secret_alloc block: guard pages, mlock, wiped on free. */
struct seal_key {
	uint8_t aead[SEAL_KEY_LEN];
	uint8_t salt[SEAL_KEY_LEN];	/* derived, for seal_salt_derive */
};

static int
kind_ok(enum seal_kind kind)
{
	return kind >= SEAL_KIND_CITIZEN_ID && kind <= SEAL_KIND_OTHER;
}

void
seal_salt_random(uint8_t salt[SEAL_SALT_LEN])
{
	lcrypto_random(salt, SEAL_SALT_LEN);
}

enum lien_status
seal_commit(enum seal_kind kind, const uint8_t salt[SEAL_SALT_LEN],
    const void *value, size_t len, uint8_t out[SEAL_COMMIT_LEN])
{
	uint8_t k;
	struct hash_part parts[4];

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, SEAL_COMMIT_LEN);
	if (!kind_ok(kind) || salt == NULL || (value == NULL && len != 0))
		return LIEN_EINVAL;
	if (len > SEAL_PLAIN_MAX)
		return LIEN_ETOOBIG;
	k = (uint8_t)kind;
	/* "lienlog-commit-v1" || 0x00: sizeof includes the NUL */
	parts[0] = (struct hash_part){ COMMIT_DOMAIN, sizeof COMMIT_DOMAIN };
	parts[1] = (struct hash_part){ &k, 1 };
	parts[2] = (struct hash_part){ salt, SEAL_SALT_LEN };
	parts[3] = (struct hash_part){ value, len };
	hash_sha256_parts(parts, 4, out);
	return LIEN_OK;
}

enum lien_status
seal_commit_verify(const uint8_t commit[SEAL_COMMIT_LEN], enum seal_kind kind,
    const uint8_t salt[SEAL_SALT_LEN], const void *value, size_t len)
{
	uint8_t want[SEAL_COMMIT_LEN];
	enum lien_status st;

	if (commit == NULL)
		return LIEN_EVERIFY;
	if (seal_commit(kind, salt, value, len, want) != LIEN_OK)
		return LIEN_EVERIFY;
	st = secret_equal(want, commit, SEAL_COMMIT_LEN) ? LIEN_OK :
	    LIEN_EVERIFY;
	secret_wipe(want, sizeof want);
	return st;
}

enum lien_status
seal_key_new(const uint8_t *key, size_t len, struct seal_key **out)
{
	struct seal_key *k;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (key == NULL || len != SEAL_KEY_LEN)
		return LIEN_EINVAL;
	k = secret_alloc(sizeof *k);
	if (k == NULL)
		return LIEN_ENOMEM;
	memcpy(k->aead, key, SEAL_KEY_LEN);
	/* K_salt = BLAKE2b-256(key = K, domain): one-way, so the salt key
	 * reveals nothing about the AEAD key and vice versa. */
	if (crypto_generichash(k->salt, sizeof k->salt,
	    (const unsigned char *)SALT_KEY_DOMAIN, sizeof SALT_KEY_DOMAIN - 1,
	    k->aead, sizeof k->aead) != 0) {
		secret_free(k);
		return LIEN_ECRYPTO;
	}
	*out = k;
	return LIEN_OK;
}

enum lien_status
seal_key_generate(struct seal_key **out)
{
	uint8_t raw[SEAL_KEY_LEN];
	enum lien_status st;

	crypto_aead_xchacha20poly1305_ietf_keygen(raw);
	st = seal_key_new(raw, sizeof raw, out);
	secret_wipe(raw, sizeof raw);
	return st;
}

void
seal_key_free(struct seal_key *key)
{
	secret_free(key);
}

enum lien_status
seal_salt_derive(const struct seal_key *key, enum seal_kind kind,
    const void *value, size_t len, uint8_t salt[SEAL_SALT_LEN])
{
	crypto_generichash_state st;
	uint8_t k;

	if (salt == NULL)
		return LIEN_EINVAL;
	memset(salt, 0, SEAL_SALT_LEN);
	if (key == NULL || !kind_ok(kind) || (value == NULL && len != 0))
		return LIEN_EINVAL;
	if (len > SEAL_PLAIN_MAX)
		return LIEN_ETOOBIG;
	k = (uint8_t)kind;
	if (crypto_generichash_init(&st, key->salt, sizeof key->salt,
	    SEAL_SALT_LEN) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)SALT_DOMAIN,
	    sizeof SALT_DOMAIN) != 0 ||
	    crypto_generichash_update(&st, &k, 1) != 0 ||
	    (len > 0 && crypto_generichash_update(&st, value, len) != 0) ||
	    crypto_generichash_final(&st, salt, SEAL_SALT_LEN) != 0) {
		secret_wipe(&st, sizeof st);
		memset(salt, 0, SEAL_SALT_LEN);
		return LIEN_ECRYPTO;
	}
	secret_wipe(&st, sizeof st);
	return LIEN_OK;
}

enum lien_status
seal_key_ref(const struct seal_key *key, const char *label,
    const struct hash_part *parts, size_t nparts, uint8_t out[SEAL_REF_LEN])
{
	crypto_generichash_state st;
	size_t llen, total = 0;
	int bad = 0;

	if (out == NULL)
		return LIEN_EINVAL;
	memset(out, 0, SEAL_REF_LEN);
	if (key == NULL || label == NULL || (parts == NULL && nparts != 0))
		return LIEN_EINVAL;
	llen = strnlen(label, SEAL_REF_LABEL_MAX + 1);
	if (llen == 0 || llen > SEAL_REF_LABEL_MAX)
		return LIEN_EINVAL;
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].p == NULL && parts[i].len != 0)
			return LIEN_EINVAL;
		if (parts[i].len > SEAL_PLAIN_MAX - total)
			return LIEN_ETOOBIG;
		total += parts[i].len;
	}
	/* label || 0x00: llen + 1 includes the terminating NUL */
	if (crypto_generichash_init(&st, key->salt, sizeof key->salt,
	    SEAL_REF_LEN) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)label,
	    llen + 1) != 0)
		bad = 1;
	for (size_t i = 0; !bad && i < nparts; i++)
		if (parts[i].len > 0 && crypto_generichash_update(&st,
		    parts[i].p, parts[i].len) != 0)
			bad = 1;
	if (!bad && crypto_generichash_final(&st, out, SEAL_REF_LEN) != 0)
		bad = 1;
	secret_wipe(&st, sizeof st);
	if (bad) {
		memset(out, 0, SEAL_REF_LEN);
		return LIEN_ECRYPTO;
	}
	return LIEN_OK;
}

/* Associated data = version byte || caller's ad, in a caller buffer. */
static size_t
ad_build(uint8_t buf[1 + SEAL_AD_MAX], uint8_t version, const void *ad,
    size_t ad_len)
{
	buf[0] = version;
	if (ad_len > 0)
		memcpy(buf + 1, ad, ad_len);
	return 1 + ad_len;
}

/* The nonce of a SEAL_VERSION_BOUND box: BLAKE2b-192 (unkeyed) of
 * NONCE_DOMAIN || 0x00 || the full ad (version byte || caller's ad).
 * Unkeyed: a nonce need not be secret, only never repeated under a key,
 * which the caller's fresh salt in ad makes so. */
static int
nonce_derive(const uint8_t *full_ad, size_t full_len,
    uint8_t nonce[SEAL_NONCE_LEN])
{
	crypto_generichash_state st;
	static const uint8_t zero[1];
	int bad = 0;

	if (crypto_generichash_init(&st, NULL, 0, SEAL_NONCE_LEN) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)NONCE_DOMAIN,
	    sizeof NONCE_DOMAIN - 1) != 0 ||
	    crypto_generichash_update(&st, zero, 1) != 0 ||
	    crypto_generichash_update(&st, full_ad, full_len) != 0 ||
	    crypto_generichash_final(&st, nonce, SEAL_NONCE_LEN) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

/* seal_box and seal_box_bound: version SEAL_VERSION stores a random
 * nonce after the version byte, SEAL_VERSION_BOUND derives it from ad
 * and stores nothing. */
static enum lien_status
box_seal(const struct seal_key *key, uint8_t version, const void *ad,
    size_t ad_len, const void *plain, size_t len, uint8_t *out, size_t cap,
    size_t *out_len)
{
	uint8_t adbuf[1 + SEAL_AD_MAX], nonce[SEAL_NONCE_LEN];
	static const uint8_t empty[1];
	unsigned long long clen = 0;
	size_t full_ad, hdr = version == SEAL_VERSION ? 1 + SEAL_NONCE_LEN : 1;
	enum lien_status st = LIEN_ECRYPTO;

	if (out_len == NULL || (out == NULL && cap != 0))
		return LIEN_EINVAL;
	*out_len = 0;
	if (out != NULL)
		memset(out, 0, cap);
	if (key == NULL || (ad == NULL && ad_len != 0) ||
	    (plain == NULL && len != 0))
		return LIEN_EINVAL;
	if (len > SEAL_PLAIN_MAX || ad_len > SEAL_AD_MAX ||
	    cap < len + hdr + SEAL_TAG_LEN)
		return LIEN_ETOOBIG;
	full_ad = ad_build(adbuf, version, ad, ad_len);
	out[0] = version;
	if (version == SEAL_VERSION) {
		lcrypto_random(nonce, SEAL_NONCE_LEN);
		memcpy(out + 1, nonce, SEAL_NONCE_LEN);
	} else if (nonce_derive(adbuf, full_ad, nonce) != 0) {
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + hdr, &clen,
	    len > 0 ? plain : empty, len, adbuf, full_ad, NULL, nonce,
	    key->aead) != 0 ||
	    clen != (unsigned long long)len + SEAL_TAG_LEN)
		goto out;
	*out_len = len + hdr + SEAL_TAG_LEN;
	st = LIEN_OK;
out:
	if (st != LIEN_OK)
		memset(out, 0, cap);
	return st;
}

enum lien_status
seal_box(const struct seal_key *key, const void *ad, size_t ad_len,
    const void *plain, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	return box_seal(key, SEAL_VERSION, ad, ad_len, plain, len, out, cap,
	    out_len);
}

enum lien_status
seal_box_bound(const struct seal_key *key, const void *ad, size_t ad_len,
    const void *plain, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	return box_seal(key, SEAL_VERSION_BOUND, ad, ad_len, plain, len, out,
	    cap, out_len);
}

enum lien_status
seal_open(const struct seal_key *key, const void *ad, size_t ad_len,
    const uint8_t *sealed, size_t len, uint8_t *out, size_t cap,
    size_t *out_len)
{
	uint8_t adbuf[1 + SEAL_AD_MAX], nonce[SEAL_NONCE_LEN];
	uint8_t empty[1];
	unsigned long long plen = 0;
	size_t full_ad, over;

	if (out_len == NULL || (out == NULL && cap != 0))
		return LIEN_EINVAL;
	*out_len = 0;
	if (out != NULL)
		memset(out, 0, cap);
	if (key == NULL || (ad == NULL && ad_len != 0) ||
	    (sealed == NULL && len != 0))
		return LIEN_EINVAL;
	if (len > SEAL_SEALED_MAX || ad_len > SEAL_AD_MAX)
		return LIEN_ETOOBIG;
	if (len < 1)
		return LIEN_EVERIFY;
	if (sealed[0] != SEAL_VERSION && sealed[0] != SEAL_VERSION_BOUND)
		return LIEN_EUNSUPPORTED;
	over = sealed[0] == SEAL_VERSION ? SEAL_OVERHEAD :
	    SEAL_BOUND_OVERHEAD;
	if (len < over)
		return LIEN_EVERIFY;
	if (cap < len - over)
		return LIEN_ETOOBIG;
	full_ad = ad_build(adbuf, sealed[0], ad, ad_len);
	if (sealed[0] == SEAL_VERSION)
		memcpy(nonce, sealed + 1, SEAL_NONCE_LEN);
	else if (nonce_derive(adbuf, full_ad, nonce) != 0)
		return LIEN_ECRYPTO;
	/* libsodium verifies the tag before writing any plaintext */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	    len > over ? out : empty, &plen, NULL,
	    sealed + (over - SEAL_TAG_LEN), len - (over - SEAL_TAG_LEN), adbuf,
	    full_ad, nonce, key->aead) != 0 ||
	    plen != (unsigned long long)(len - over)) {
		if (out != NULL)
			memset(out, 0, cap);
		return LIEN_EVERIFY;
	}
	*out_len = len - over;
	return LIEN_OK;
}
