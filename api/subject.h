/*
 * Subjects: the one place where an owner's identity turns into what the
 * registry may hold (docs/privacy.md "Identifiers and keys"). A subject is
 * a citizen (GB 11643 ID number) or a company (GB 32100 credit code); each
 * has a key of its own, P, stored wrapped under the master key and found
 * through the subject's identity commitment (subject_commit), a keyed
 * identifier of the ID number. From P
 * come the owner reference every owner comparison uses and the key the
 * subject's evidence is sealed under; erasure destroys P.
 *
 *   subject_get   find the subject's key (or make a new one, created in
 *                 the entry's transaction: struct reg_keyrec)
 *   subject_open  the key of a key id (decisions and restrictions are
 *                 sealed under the applicant's / owner's key; evidence
 *                 reads), or why not (erased)
 *
 * Reads go through a ledger view; nothing here writes. Internal to api/,
 * and to bench/bench_growth, which makes its owners' keys as api/ does.
 */
#ifndef LIEN_API_SUBJECT_H
#define LIEN_API_SUBJECT_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "crypto/keyring.h"
#include "ledger/ledger.h"
#include "registry/registry.h"

struct subject {
	uint8_t commit[SEAL_COMMIT_LEN];	/* identity commitment: the
						 * key's lookup */
	uint8_t id[KEYRING_ID_LEN];		/* key id */
	struct seal_key *key;			/* P; subject_clear frees */
	uint8_t owner_ref[SEAL_REF_LEN];
	int is_new;			/* rec must be created with the entry */
	uint8_t wrapped[KEYRING_WRAPPED_LEN];
	struct reg_keyrec rec;		/* when is_new (borrows wrapped) */
};

/* The subject (kind, value) as of view v: its existing key, or a fresh one
 * (s->is_new, s->rec to hand to the registry). kind: SEAL_KIND_CITIZEN_ID
 * for an ID number, SEAL_KIND_OTHER for a company's credit code. The
 * caller validated value. LIEN_ECORRUPT when a stored key does not
 * unwrap with this master key; storage and crypto statuses. On failure s
 * is cleared. */
enum lien_status subject_get(const struct keyring *kr, struct ledger_view *v,
    enum seal_kind kind, const char *value, size_t len, struct subject *s)
    LIEN_MUST_CHECK;

/* The key of key id as of v. LIEN_ENOTFOUND with *erased = 1 when an
 * erasure destroyed it (0: never existed); LIEN_ECORRUPT when it does not
 * unwrap. *out: seal_key_free. */
enum lien_status subject_open(const struct keyring *kr, struct ledger_view *v,
    const uint8_t id[KEYRING_ID_LEN], struct seal_key **out, int *erased)
    LIEN_MUST_CHECK;

/* The identity commitment of (kind, value): seal_commit with the salt
 * derived under the system key (what face and SMS tokens carry as sub:
 * docs/identity.md). */
enum lien_status subject_commit(const struct keyring *kr, enum seal_kind kind,
    const void *value, size_t len, uint8_t out[SEAL_COMMIT_LEN])
    LIEN_MUST_CHECK;

/* Frees the key, wipes everything; safe on a zeroed or cleared s. */
void subject_clear(struct subject *s);

#endif
