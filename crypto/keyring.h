/*
 * The server's keys for personal data (docs/privacy.md "Identifiers and
 * keys"): one master key M, kept in a file that may live outside the data
 * folder, and the subkeys derived from it,
 *
 *   K_x = BLAKE2b-256(key = M, message = label_x)
 *
 *   K_wrap   "lienlog-wrap-v1"           wraps person keys
 *   K_index  "lienlog-subject-index-v1"  subject index (ID number -> key id)
 *   K_ref    "lienlog-ref-v1"            keyed identifiers of non-person
 *                                        values (contract, vehicle details,
 *                                        idempotency)
 *   K_sys    "lienlog-system-v1"         seals evidence about no person;
 *                                        salts of identity commitments
 *
 * and the person (subject) keys: 32 random bytes P with a random 16-byte
 * key id per subject, stored only wrapped,
 *
 *   wrapped = seal_box(K_wrap, ad = "lienlog-person-key-v1" 0x00 || id, P)
 *
 * from which the subject's owner reference, the keyed identifier owner
 * comparisons use, is derived:
 *
 *   owner_ref = seal_key_ref(P, "lienlog-owner-ref-v1", no data)
 *
 * so destroying P (erasure) leaves no way back from an owner_ref to an
 * identity. Every key is a struct seal_key (secret memory, wiped on free).
 * Storage of wrapped keys is the registry's (registry/registry.h); this
 * module only computes.
 */
#ifndef LIEN_CRYPTO_KEYRING_H
#define LIEN_CRYPTO_KEYRING_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "crypto/seal.h"

#define KEYRING_MASTER_LEN 32u
#define KEYRING_ID_LEN 16u
#define KEYRING_WRAPPED_LEN (SEAL_KEY_LEN + SEAL_OVERHEAD)
#define KEYRING_INDEX_LEN SEAL_REF_LEN

struct keyring;

/* Derive the subkeys of a 32-byte master key (the caller wipes its copy).
 * *out: keyring_free. LIEN_EINVAL for another length, LIEN_ENOMEM,
 * LIEN_ECRYPTO. */
enum lien_status keyring_new(const uint8_t *master, size_t len,
    struct keyring **out) LIEN_MUST_CHECK;

/* Wipes and frees; NULL is a no-op. */
void keyring_free(struct keyring *kr);

/* Borrowed, valid until keyring_free. */
const struct seal_key *keyring_system(const struct keyring *kr);
const struct seal_key *keyring_refs(const struct keyring *kr);

/* The subject index of (kind, value): seal_key_ref(K_index,
 * "lienlog-subject-v1", kind byte || value). kind is an enum seal_kind
 * (SEAL_KIND_CITIZEN_ID for an ID number, SEAL_KIND_OTHER for a company's
 * credit code). */
enum lien_status keyring_subject_index(const struct keyring *kr,
    enum seal_kind kind, const void *value, size_t len,
    uint8_t out[KEYRING_INDEX_LEN]) LIEN_MUST_CHECK;

/* A fresh person key: random id and P, P wrapped into wrapped, and P as a
 * key in *out (caller frees with seal_key_free). On failure
 * every output is zeroed / NULL. */
enum lien_status keyring_person_new(const struct keyring *kr,
    uint8_t id[KEYRING_ID_LEN], uint8_t wrapped[KEYRING_WRAPPED_LEN],
    struct seal_key **out) LIEN_MUST_CHECK;

/* Unwrap a person key stored under id. LIEN_EVERIFY when it does not
 * open (another master key, another id, tampered), LIEN_EINVAL for a
 * wrong length. *out: seal_key_free. */
enum lien_status keyring_person_open(const struct keyring *kr,
    const uint8_t id[KEYRING_ID_LEN], const uint8_t *wrapped, size_t len,
    struct seal_key **out) LIEN_MUST_CHECK;

/* The owner reference of a person key. */
enum lien_status keyring_owner_ref(const struct seal_key *person,
    uint8_t out[SEAL_REF_LEN]) LIEN_MUST_CHECK;

#endif
