/*
 * C2SP signed-note: the envelope of checkpoints and cosignatures.
 *
 * A note is UTF-8 text ending in '\n', a blank line, then one or more
 * signature lines "— <name> <base64(keyid || signature)>\n". Key IDs are
 * the first 4 bytes of SHA-256(name || '\n' || type || public key); type
 * 0x01 is Ed25519. Verifier keys are "<name>+<hex keyid>+<base64(type||pk)>"
 * and private keys "PRIVATE+KEY+<name>+<hex keyid>+<base64(type||seed)>".
 *
 * Parsing is strict: malformed signature lines reject the note; signature
 * lines from unknown keys are ignored (C2SP MUST); at least 16 signature
 * lines are accepted, more than NOTE_SIGS_MAX are rejected.
 */
#ifndef LIEN_CRYPTO_NOTE_H
#define LIEN_CRYPTO_NOTE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/sign.h"

#define NOTE_KEY_ED25519 0x01u
#define NOTE_KEY_COSIG_V1 0x04u	/* C2SP tlog-cosignature (Ed25519) */

struct note_verifier {
	char name[NOTE_NAME_MAX + 1];	/* NUL-terminated for convenience */
	size_t name_len;
	uint32_t key_id;
	uint8_t type;			/* NOTE_KEY_ED25519 or NOTE_KEY_COSIG_V1 */
	uint8_t pk[ED25519_PK_LEN];
};

/* Opaque: the secret key lives in secret_alloc memory. */
struct note_signer;

/* A signature line as parsed; pointers borrow the note buffer. */
struct note_sig {
	const char *name;
	size_t name_len;
	uint32_t key_id;
	const uint8_t *sig;	/* sig_len bytes after the 4-byte key id */
	size_t sig_len;
	uint8_t raw[4 + 64 + 8];/* decoded keyid||sig (cosig: keyid||time||sig) */
	size_t raw_len;
};

struct note_parsed {
	const uint8_t *text;	/* body, including its final '\n' */
	size_t text_len;
	struct note_sig sigs[NOTE_SIGS_MAX];
	size_t nsigs;
};

/* Key texts in the signed-note encoding, for every key type (log keys
 * 0x01 here, witness keys 0x04 in cosig.c): "<prefix><name>+<8 lowercase
 * hex key id>+<base64(type || 32-byte key)>". */
struct note_key_text {
	const char *name;	/* borrowed from the parsed text */
	size_t name_len;
	uint32_t key_id;
	uint8_t type;
	uint8_t key[32];	/* public key or seed: wipe after use */
};

/* Format with prefix ("" or "PRIVATE+KEY+") plus a NUL into out (cap
 * bytes). LIEN_ETOOBIG when cap is short. The key bytes are wiped from
 * the stack. */
enum lien_status note_key_text_format(const char *prefix, size_t prefix_len,
    const char *name, size_t name_len, uint32_t key_id, uint8_t type,
    const uint8_t key[32], char *out, size_t cap) LIEN_MUST_CHECK;

/* Parse "<name>+<hex8>+<base64(type||key)>" (any prefix already removed)
 * with at most one trailing '\n'. Types 0x01 and 0x04 only
 * (LIEN_EUNSUPPORTED otherwise); LIEN_EPARSE for anything non-canonical.
 * Does not check the key id: the caller derives the public key. */
enum lien_status note_key_text_parse(const char *text, size_t len,
    struct note_key_text *out) LIEN_MUST_CHECK;

/* The same for a private key text "PRIVATE+KEY+<name>+<hex8>+<base64>":
 * LIEN_EPARSE without the prefix. */
enum lien_status note_skey_text_parse(const char *skey, size_t len,
    struct note_key_text *out) LIEN_MUST_CHECK;

/* Key ID per C2SP signed-note for (name, type, pk). */
uint32_t note_key_id(const char *name, size_t name_len, uint8_t type,
    const uint8_t pk[ED25519_PK_LEN]);

/* A key name must be non-empty, at most NOTE_NAME_MAX bytes, with no
 * Unicode spaces and no '+'. LIEN_OK or LIEN_EPARSE. */
enum lien_status note_name_check(const char *name, size_t len) LIEN_MUST_CHECK;

/* Key pairs of either signed-note Ed25519 type: NOTE_KEY_ED25519 (0x01,
 * a log key) or NOTE_KEY_COSIG_V1 (0x04, a witness key; crypto/cosig.c).
 * The private key text is the same for both, the type byte tells them
 * apart. (v, sk) are the verifier and libsodium's secret key; sk must be
 * secret memory.
 *
 * note_keypair_from_seed derives them from a seed (LIEN_EINVAL for
 * another type or a name over NOTE_NAME_MAX, LIEN_ECRYPTO).
 * note_keypair_parse reads "PRIVATE+KEY+..." of exactly that type:
 * LIEN_EPARSE (syntax), LIEN_EUNSUPPORTED (the other type), LIEN_EVERIFY
 * (the key id does not match the derived public key), LIEN_ECRYPTO; sk
 * is wiped on failure. note_keypair_generate makes a random key and its
 * two texts as note_key_generate does. */
enum lien_status note_keypair_from_seed(const char *name, size_t name_len,
    uint8_t type, const uint8_t seed[ED25519_SEED_LEN],
    struct note_verifier *v, uint8_t sk[ED25519_SK_LEN]) LIEN_MUST_CHECK;
enum lien_status note_keypair_parse(const char *skey, size_t len,
    uint8_t type, struct note_verifier *v, uint8_t sk[ED25519_SK_LEN])
    LIEN_MUST_CHECK;
enum lien_status note_keypair_generate(const char *name, size_t name_len,
    uint8_t type, char **out_skey, char **out_vkey) LIEN_MUST_CHECK;

/* Generate a new Ed25519 key. *out_skey (PRIVATE+KEY+...) is in
 * secret_alloc memory: free with secret_free. *out_vkey is malloc'd: free().
 * Both NUL-terminated. */
enum lien_status note_key_generate(const char *name, size_t name_len,
    char **out_skey, char **out_vkey) LIEN_MUST_CHECK;

/* Parse "PRIVATE+KEY+..." (trailing '\n' tolerated, nothing else).
 * *out: free with note_signer_free. */
enum lien_status note_signer_parse(const char *skey, size_t len,
    struct note_signer **out) LIEN_MUST_CHECK;
void note_signer_free(struct note_signer *s);

/* Borrowed accessors, valid until note_signer_free. */
const char *note_signer_name(const struct note_signer *s);
const struct note_verifier *note_signer_verifier(const struct note_signer *s);

/* Format the verifier key text of a signer into out (cap bytes, NUL-terminated). */
enum lien_status note_signer_vkey(const struct note_signer *s, char *out,
    size_t cap) LIEN_MUST_CHECK;

/* Parse "<name>+<hex8>+<base64>" (trailing '\n' tolerated). Accepts types
 * 0x01 and 0x04. LIEN_EPARSE / LIEN_EUNSUPPORTED / LIEN_EVERIFY (key id
 * does not match). */
enum lien_status note_verifier_parse(const char *vkey, size_t len,
    struct note_verifier *out) LIEN_MUST_CHECK;

/* Sign text (must end in '\n', at most NOTE_TEXT_MAX) producing the whole
 * note: text, blank line, signature line. *out is malloc'd, NUL-terminated;
 * caller frees. */
enum lien_status note_sign(const struct note_signer *s, const uint8_t *text,
    size_t text_len, char **out, size_t *out_len) LIEN_MUST_CHECK;

/* Split and syntax-check a note (at most NOTE_MAX bytes) without verifying
 * any signature. out borrows msg. LIEN_EPARSE / LIEN_ETOOBIG. */
enum lien_status note_parse(const uint8_t *msg, size_t len,
    struct note_parsed *out) LIEN_MUST_CHECK;

/* The signature lines of a note still to read; borrows the note. */
struct note_lines {
	const uint8_t *p;
	size_t len;		/* 0 when every line was read */
};

/* note_parse in steps, for a reader that must take notes with more than
 * NOTE_SIGS_MAX signature lines (the log's own notes: any number of
 * witnesses may cosign): note_split checks the note as note_parse does
 * (size, text, the blank line) and gives its text (with its final '\n')
 * and its signature lines; note_lines_next parses the next line (call it
 * while it->len > 0) with note_parse's rules and moves past it. Outputs
 * borrow msg. LIEN_EPARSE / LIEN_ETOOBIG / LIEN_EINVAL (no line left);
 * outputs zeroed on failure, the iterator unmoved. */
enum lien_status note_split(const uint8_t *msg, size_t len,
    const uint8_t **out_text, size_t *out_text_len,
    struct note_lines *out_lines) LIEN_MUST_CHECK
    __attribute__((nonnull(3, 4, 5)));
enum lien_status note_lines_next(struct note_lines *it, struct note_sig *out)
    LIEN_MUST_CHECK __attribute__((nonnull(1, 2)));

/* Verify: parse msg and check that every verifier in vs[0..nvs) whose name
 * and key id appear has a valid Ed25519 signature (type 0x01 keys only).
 * Signature lines of unknown keys are ignored. LIEN_OK when at least one
 * of vs verified and none that matched failed; *out_verified (optional)
 * gets a bitmask of which vs verified (nvs <= 64). LIEN_EVERIFY if a
 * matching line has a bad signature or none matched; LIEN_EPARSE if
 * malformed. */
enum lien_status note_verify(const uint8_t *msg, size_t len,
    const struct note_verifier *vs, size_t nvs, struct note_parsed *out,
    uint64_t *out_verified) LIEN_MUST_CHECK;

#endif
