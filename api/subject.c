/*
 * Subjects and their keys (api/subject.h, docs/privacy.md).
 *
 * A subject's first request creates its key here, but the key is stored
 * only by the registry, in the transaction of the entry that first uses
 * it; if another request created one for the same subject in the meantime
 * the build refuses ("subject_retry") and the caller starts over, so one
 * subject never has two live keys. The owner reference is derived from the
 * key, never from the ID number: after an erasure nothing left in the
 * state leads back to a person.
 */
#include "api/subject.h"

#include <string.h>

#include "crypto/sign.h"

void
subject_clear(struct subject *s)
{
	if (s == NULL)
		return;
	seal_key_free(s->key);
	secret_wipe(s, sizeof(*s));
}

enum lien_status
subject_commit(const struct keyring *kr, enum seal_kind kind,
    const void *value, size_t len, uint8_t out[SEAL_COMMIT_LEN])
{
	uint8_t salt[SEAL_SALT_LEN];
	enum lien_status st;

	st = seal_salt_derive(keyring_system(kr), kind, value, len, salt);
	if (st == LIEN_OK)
		st = seal_commit(kind, salt, value, len, out);
	secret_wipe(salt, sizeof salt);
	return st;
}

enum lien_status
subject_open(const struct keyring *kr, struct ledger_view *v,
    const uint8_t id[KEYRING_ID_LEN], struct seal_key **out, int *erased)
{
	const uint8_t *w;
	size_t wl;
	enum lien_status st;

	*out = NULL;
	*erased = 0;
	if ((st = registry_subject_key(v, id, &w, &wl, erased)) != LIEN_OK)
		return st;
	st = keyring_person_open(kr, id, w, wl, out);
	return st == LIEN_EVERIFY || st == LIEN_EUNSUPPORTED ||
	    st == LIEN_EINVAL ? LIEN_ECORRUPT : st;
}

enum lien_status
subject_get(const struct keyring *kr, struct ledger_view *v,
    enum seal_kind kind, const char *value, size_t len, struct subject *s)
{
	enum lien_status st;
	int erased = 0;

	memset(s, 0, sizeof(*s));
	if ((st = subject_commit(kr, kind, value, len, s->commit)) != LIEN_OK)
		goto fail;
	st = registry_subject_find(v, s->commit, s->id);
	if (st == LIEN_OK) {
		st = subject_open(kr, v, s->id, &s->key, &erased);
		/* a lookup whose key is gone (erased, or a restored
		 * backup): the subject starts afresh */
		if (st == LIEN_ENOTFOUND)
			goto fresh;
		if (st != LIEN_OK)
			goto fail;
		goto ref;
	}
	if (st != LIEN_ENOTFOUND)
		goto fail;
fresh:
	if ((st = keyring_person_new(kr, s->id, s->wrapped, &s->key)) !=
	    LIEN_OK)
		goto fail;
	s->is_new = 1;
	memcpy(s->rec.commit, s->commit, sizeof s->commit);
	memcpy(s->rec.id, s->id, sizeof s->id);
	s->rec.wrapped = s->wrapped;
	s->rec.wrapped_len = sizeof s->wrapped;
ref:
	if ((st = keyring_owner_ref(s->key, s->owner_ref)) != LIEN_OK)
		goto fail;
	return LIEN_OK;
fail:
	subject_clear(s);
	return st;
}
