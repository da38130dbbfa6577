/*
 * Master key, subkeys and person keys (crypto/keyring.h).
 *
 * Subkeys are BLAKE2b keyed by the master key over distinct labels, so
 * knowing one subkey (e.g. a memory dump of the wrap key) reveals neither
 * M nor any other subkey. Person keys are generated here and leave only
 * wrapped (XChaCha20-Poly1305 under K_wrap, bound by the associated data
 * to their key id: a wrapped key copied under another id does not open).
 */
#include "crypto/keyring.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sign.h"

#define WRAP_AD "lienlog-person-key-v1"

struct keyring {
	struct seal_key *wrap, *index, *ref, *sys;
};

static enum lien_status LIEN_MUST_CHECK
subkey(const uint8_t *m, const char *label, struct seal_key **out)
{
	uint8_t k[SEAL_KEY_LEN];
	enum lien_status st;

	if (crypto_generichash(k, sizeof k, (const unsigned char *)label,
	    strlen(label), m, KEYRING_MASTER_LEN) != 0)
		return LIEN_ECRYPTO;
	st = seal_key_new(k, sizeof k, out);
	secret_wipe(k, sizeof k);
	return st;
}

enum lien_status
keyring_new(const uint8_t *master, size_t len, struct keyring **out)
{
	struct keyring *kr;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (master == NULL || len != KEYRING_MASTER_LEN)
		return LIEN_EINVAL;
	if ((kr = calloc(1, sizeof *kr)) == NULL)
		return LIEN_ENOMEM;
	if ((st = subkey(master, "lienlog-wrap-v1", &kr->wrap)) != LIEN_OK ||
	    (st = subkey(master, "lienlog-subject-index-v1", &kr->index)) !=
	    LIEN_OK ||
	    (st = subkey(master, "lienlog-ref-v1", &kr->ref)) != LIEN_OK ||
	    (st = subkey(master, "lienlog-system-v1", &kr->sys)) != LIEN_OK) {
		keyring_free(kr);
		return st;
	}
	*out = kr;
	return LIEN_OK;
}

void
keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	seal_key_free(kr->wrap);
	seal_key_free(kr->index);
	seal_key_free(kr->ref);
	seal_key_free(kr->sys);
	free(kr);
}

const struct seal_key *
keyring_system(const struct keyring *kr)
{
	return kr != NULL ? kr->sys : NULL;
}

const struct seal_key *
keyring_refs(const struct keyring *kr)
{
	return kr != NULL ? kr->ref : NULL;
}

enum lien_status
keyring_subject_index(const struct keyring *kr, enum seal_kind kind,
    const void *value, size_t len, uint8_t out[KEYRING_INDEX_LEN])
{
	uint8_t k = (uint8_t)kind;
	struct hash_part parts[2] = { { &k, 1 }, { value, len } };

	if (out == NULL)
		return LIEN_EINVAL;
	if (kr == NULL || kind < SEAL_KIND_CITIZEN_ID || kind > SEAL_KIND_OTHER) {
		memset(out, 0, KEYRING_INDEX_LEN);
		return LIEN_EINVAL;
	}
	return seal_key_ref(kr->index, "lienlog-subject-v1", parts, 2, out);
}

static void
wrap_ad(const uint8_t id[KEYRING_ID_LEN],
    uint8_t ad[sizeof WRAP_AD + KEYRING_ID_LEN])
{
	memcpy(ad, WRAP_AD, sizeof WRAP_AD);	/* with its NUL */
	memcpy(ad + sizeof WRAP_AD, id, KEYRING_ID_LEN);
}

enum lien_status
keyring_person_new(const struct keyring *kr, uint8_t id[KEYRING_ID_LEN],
    uint8_t wrapped[KEYRING_WRAPPED_LEN], struct seal_key **out)
{
	uint8_t p[SEAL_KEY_LEN], ad[sizeof WRAP_AD + KEYRING_ID_LEN];
	size_t n = 0;
	enum lien_status st;

	if (out == NULL || id == NULL || wrapped == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	memset(id, 0, KEYRING_ID_LEN);
	memset(wrapped, 0, KEYRING_WRAPPED_LEN);
	if (kr == NULL)
		return LIEN_EINVAL;
	lcrypto_random(id, KEYRING_ID_LEN);
	crypto_aead_xchacha20poly1305_ietf_keygen(p);
	wrap_ad(id, ad);
	st = seal_box(kr->wrap, ad, sizeof ad, p, sizeof p, wrapped,
	    KEYRING_WRAPPED_LEN, &n);
	if (st == LIEN_OK && n != KEYRING_WRAPPED_LEN)
		st = LIEN_ECRYPTO;
	if (st == LIEN_OK)
		st = seal_key_new(p, sizeof p, out);
	secret_wipe(p, sizeof p);
	if (st != LIEN_OK) {
		memset(id, 0, KEYRING_ID_LEN);
		memset(wrapped, 0, KEYRING_WRAPPED_LEN);
	}
	return st;
}

enum lien_status
keyring_person_open(const struct keyring *kr, const uint8_t id[KEYRING_ID_LEN],
    const uint8_t *wrapped, size_t len, struct seal_key **out)
{
	uint8_t p[SEAL_KEY_LEN], ad[sizeof WRAP_AD + KEYRING_ID_LEN];
	size_t n = 0;
	enum lien_status st;

	if (out == NULL)
		return LIEN_EINVAL;
	*out = NULL;
	if (kr == NULL || id == NULL || wrapped == NULL ||
	    len != KEYRING_WRAPPED_LEN)
		return LIEN_EINVAL;
	wrap_ad(id, ad);
	st = seal_open(kr->wrap, ad, sizeof ad, wrapped, len, p, sizeof p, &n);
	if (st == LIEN_OK && n != sizeof p)
		st = LIEN_EVERIFY;
	if (st == LIEN_OK)
		st = seal_key_new(p, sizeof p, out);
	secret_wipe(p, sizeof p);
	return st;
}

enum lien_status
keyring_owner_ref(const struct seal_key *person, uint8_t out[SEAL_REF_LEN])
{
	return seal_key_ref(person, "lienlog-owner-ref-v1", NULL, 0, out);
}
