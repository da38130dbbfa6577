/*
 * C2SP tlog-checkpoint bodies:
 *
 *   <origin>\n<decimal tree size>\n<base64 root hash>\n[<extension line>\n]*
 *
 * Parsing is strict: origin non-empty without control characters, size
 * canonical decimal (no leading zeros, no sign, fits u64), root canonical
 * base64 of exactly 32 bytes, extension lines non-empty, at most
 * CHECKPOINT_EXT_LINES_MAX. Signing and verification are crypto/note.h.
 */
#ifndef LIEN_TLOG_CHECKPOINT_H
#define LIEN_TLOG_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "crypto/note.h"

struct checkpoint {
	const char *origin;	/* borrowed from the parsed body */
	size_t origin_len;
	uint64_t size;
	uint8_t root[HASH_LEN];
	size_t next;		/* number of extension lines */
	const char *ext[CHECKPOINT_EXT_LINES_MAX];
	size_t ext_len[CHECKPOINT_EXT_LINES_MAX];
};

/* Body for (origin, size, root) without extension lines into out (cap
 * bytes); *out_len excludes the NUL that is also written. */
enum lien_status checkpoint_format(const char *origin, size_t origin_len,
    uint64_t size, const uint8_t root[HASH_LEN], char *out, size_t cap,
    size_t *out_len) LIEN_MUST_CHECK;

/* Parse a body (the text part of a note). out borrows body. */
enum lien_status checkpoint_parse(const uint8_t *body, size_t len,
    struct checkpoint *out) LIEN_MUST_CHECK;

/* Verify a signed checkpoint note against the log's verifier key: the note
 * must carry a valid signature by v, and the origin must equal v's name.
 * out borrows msg. LIEN_EVERIFY / LIEN_EPARSE. */
enum lien_status checkpoint_open(const uint8_t *msg, size_t len,
    const struct note_verifier *v, struct checkpoint *out) LIEN_MUST_CHECK;

#endif
