/*
 * Every limit on external input, in one place. A length or count that comes
 * from outside is checked against one of these before anything is allocated
 * or read. Changing one is a protocol decision: docs/limits.md lists them.
 */
#ifndef LIEN_COMMON_LIMITS_H
#define LIEN_COMMON_LIMITS_H

/* C2SP tlog-tiles: entries are uint16 length-prefixed in bundles. */
#define LEDGER_ENTRY_MAX 65535u
/* Hashes per tile and entries per bundle (tlog-tiles, height 8). */
#define TILE_WIDTH 256u
#define TILE_HEIGHT 8u
/* Merkle proofs: at most one element per tree level (64-bit sizes). */
#define MERKLE_PROOF_MAX 64u

/* signed-note: origin / key name length and signature line count.
 * C2SP signed-note requires accepting at least 16 signatures. */
#define NOTE_NAME_MAX 255u
#define NOTE_SIGS_MAX 64u
#define NOTE_TEXT_MAX 16384u	/* a checkpoint body is far smaller */
#define NOTE_MAX 65536u		/* whole note: body + signature lines */
#define CHECKPOINT_EXT_LINES_MAX 16u

/* Sequencer: entries per LMDB write transaction. */
#define LEDGER_BATCH_MAX 4096u

/* HTTP (api/): enforced by the handlers, not by civetweb (see DEPS.md). */
#define API_BODY_MAX (256u * 1024u)
#define API_HEADERS_MAX 63u
#define API_QUERY_MAX 1024u

/* Proof JSON files read by the CLI. */
#define PROOF_JSON_MAX (64u * 1024u)
/* Verifier key files read by the CLI: one line, name + "+" + 8 hex +
 * "+" + 44 base64 + '\n' (signed-note), with headroom. */
#define VKEY_FILE_MAX (NOTE_NAME_MAX + 64u)

/* Keys (crypto/pkey.h): PEM/DER/JWK text accepted by a loader, and the
 * SM2 distinguishing ID (GM/T 0009 allows up to 8191 bytes; real IDs
 * are 16). */
#define PKEY_TEXT_MAX 16384u
#define PKEY_SM2_ID_MAX 64u

#endif
