/*
 * C2SP tlog-cosignature v1 (c2sp.org/tlog-cosignature): Ed25519 witness
 * cosignatures over checkpoints, key type 0x04.
 *
 * A cosignature is a signed-note signature line
 *
 *   "— <witness name> base64(key id(4) || timestamp(8, BE) || sig(64))\n"
 *
 * where sig is Ed25519 over
 *
 *   "cosignature/v1\ntime <decimal timestamp>\n" || checkpoint body
 *
 * (the body is the note text including its final '\n', no signature
 * lines), and the key id is SHA-256(name || '\n' || 0x04 || pk)[:4].
 *
 * Keys (our choice where the specs are silent, docs/witness.md):
 *   verifier  "<name>+<hex8 key id>+<base64(0x04 || pk)>"   (C2SP vkey)
 *   private   "PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x04 || seed)>"
 * i.e. the signed-note private key text with type byte 0x04. Go's
 * golang.org/x/mod/sumdb/note neither writes nor reads type 0x04 keys.
 * note_verifier_parse (crypto/note.h) parses the verifier form.
 */
#ifndef LIEN_CRYPTO_COSIG_H
#define LIEN_CRYPTO_COSIG_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/note.h"
#include "crypto/sign.h"

/* Decoded payload of one cosignature line: key id || timestamp || sig. */
#define COSIG_RAW_LEN (4u + 8u + ED25519_SIG_LEN)	/* 76 */
/* tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1. */
#define COSIG_TIME_MAX ((uint64_t)INT64_MAX)
/* "— " + name + ' ' + base64(76 bytes) + '\n' + NUL: enough for any name. */
#define COSIG_LINE_MAX (4u + NOTE_NAME_MAX + 1u + 104u + 1u + 1u)
/* cosig_count_valid handles at most this many verifiers (bit mask). */
#define COSIG_VERIFIERS_MAX 64u

/* Opaque: the seed-derived secret key lives in secret_alloc memory. */
struct cosig_signer;

/* Generate a new witness key named name. *out_skey (PRIVATE+KEY+..., type
 * 0x04) is in secret_alloc memory: free with secret_free. *out_vkey is
 * malloc'd: free(). Both NUL-terminated, no trailing newline.
 * LIEN_EPARSE (bad name), LIEN_ENOMEM, LIEN_ECRYPTO. Outputs NULL on
 * failure. */
enum lien_status cosig_key_generate(const char *name, size_t name_len,
    char **out_skey, char **out_vkey) LIEN_MUST_CHECK;

/* Parse a type-0x04 private key text (one trailing '\n' tolerated,
 * nothing else). *out: free with cosig_signer_free; NULL on failure.
 * LIEN_EPARSE (syntax), LIEN_EUNSUPPORTED (type other than 0x04, e.g. a
 * log's 0x01 key: a log key must never cosign), LIEN_EVERIFY (key id does
 * not match), LIEN_ENOMEM, LIEN_ECRYPTO. */
enum lien_status cosig_signer_parse(const char *skey, size_t len,
    struct cosig_signer **out) LIEN_MUST_CHECK;
void cosig_signer_free(struct cosig_signer *s);	/* NULL is a no-op */

/* Borrowed, valid until cosig_signer_free: the verifier (type 0x04) of s. */
const struct note_verifier *cosig_signer_verifier(
    const struct cosig_signer *s);

/* Verifier key text of s into out (cap bytes, NUL-terminated).
 * LIEN_ETOOBIG if cap is short (out then holds ""). */
enum lien_status cosig_signer_vkey(const struct cosig_signer *s, char *out,
    size_t cap) LIEN_MUST_CHECK;

/* Build the signed message for (timestamp, body) into out (cap bytes);
 * *out_len its length. body must be a whole checkpoint body (ends in
 * '\n', at most NOTE_TEXT_MAX). LIEN_EINVAL (timestamp > COSIG_TIME_MAX,
 * body empty or not ending in '\n'), LIEN_ETOOBIG. */
enum lien_status cosig_message(uint64_t timestamp, const uint8_t *body,
    size_t body_len, uint8_t *out, size_t cap, size_t *out_len)
    LIEN_MUST_CHECK;

/* Cosign body at timestamp: raw = key id || timestamp || Ed25519 sig.
 * Does not check that body is a valid checkpoint (the witness has done
 * that). LIEN_EINVAL / LIEN_ETOOBIG as cosig_message; raw zeroed on
 * failure. */
enum lien_status cosig_sign(const struct cosig_signer *s,
    const uint8_t *body, size_t body_len, uint64_t timestamp,
    uint8_t raw[COSIG_RAW_LEN]) LIEN_MUST_CHECK;

/* Same, formatted as a signature line "— <name> <base64(raw)>\n" into out
 * (cap bytes; COSIG_LINE_MAX always suffices), NUL-terminated; *out_len
 * excludes the NUL. out holds "" on failure. */
enum lien_status cosig_sign_line(const struct cosig_signer *s,
    const uint8_t *body, size_t body_len, uint64_t timestamp, char *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK;

/* Verify one decoded cosignature payload (raw, raw_len bytes) on body
 * against v (type must be NOTE_KEY_COSIG_V1). Checks length == 76, key id
 * == v->key_id, timestamp <= COSIG_TIME_MAX and the Ed25519 signature.
 * *out_time (optional) gets the timestamp on success, 0 otherwise.
 * LIEN_OK, LIEN_EVERIFY, LIEN_EINVAL (v not a 0x04 key). */
enum lien_status cosig_verify_raw(const struct note_verifier *v,
    const uint8_t *body, size_t body_len, const uint8_t *raw, size_t raw_len,
    uint64_t *out_time) LIEN_MUST_CHECK;

/* For quorum policies: parse the signed note msg (checkpoint plus any
 * signature lines; note_parse rules) and find, for each witness verifier
 * vs[i] (type 0x04, nvs <= COSIG_VERIFIERS_MAX), whether it cosigned the
 * note's body. Lines of other keys (the log's own signature included) are
 * ignored. A witness counts only if it has at least one matching line
 * (same name and key id) and EVERY matching line verifies (fail closed,
 * like note_verify); its timestamp is that of its first line.
 *
 * The log's signature is NOT checked here: call checkpoint_open too.
 * Future timestamps are not rejected here: out_times lets the caller.
 *
 * *out_mask: bit i set iff vs[i] cosigned. out_times (optional, nvs
 * entries): timestamp per cosigning witness, 0 for the others.
 * *out_count (optional): number of bits in *out_mask. Returns LIEN_OK
 * whatever the count (the count is the verdict); LIEN_EPARSE /
 * LIEN_ETOOBIG for a malformed note; LIEN_EINVAL for nvs > 64 or a
 * verifier that is not type 0x04. Outputs are zero on failure. */
enum lien_status cosig_count_valid(const uint8_t *msg, size_t len,
    const struct note_verifier *vs, size_t nvs, uint64_t *out_mask,
    uint64_t *out_times, size_t *out_count) LIEN_MUST_CHECK;

/* Number of distinct witness NAMES among vs[i] with bit i of mask set
 * (i < nvs <= 64). A witness that rotates its key keeps its name
 * (docs/key-rotation.md): while a policy lists its old and new key, a
 * note cosigned with both must still count it once, so quorums count
 * names, not keys. */
size_t cosig_count_names(const struct note_verifier *vs, size_t nvs,
    uint64_t mask);

/* Convenience: LIEN_OK iff cosig_count_valid finds at least quorum
 * cosigning witnesses (distinct names, cosig_count_names); LIEN_EVERIFY
 * otherwise. quorum 0 or quorum > nvs
 * is LIEN_EINVAL (a policy that can never or always hold is a
 * configuration error). *out_mask (optional) as above. */
enum lien_status cosig_verify_quorum(const uint8_t *msg, size_t len,
    const struct note_verifier *vs, size_t nvs, size_t quorum,
    uint64_t *out_mask) LIEN_MUST_CHECK;

#endif
