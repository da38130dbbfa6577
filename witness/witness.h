/*
 * A C2SP tlog-witness (c2sp.org/tlog-witness): per configured log, the
 * latest (size, root) this witness cosigned, kept in its own LMDB store,
 * and the add-checkpoint state machine that moves it forward only along
 * verified consistency proofs. HTTP lives in witness/server.h; this
 * module returns enum lien_status, which the server maps to the statuses
 * the spec prescribes (docs/witness.md):
 *
 *   LIEN_OK          200  cosigned; out->lines holds the signature line
 *   LIEN_EPARSE      400  malformed request body or checkpoint
 *   LIEN_ETOOBIG     400  body, proof or note over its limit
 *   LIEN_ERANGE      400  old size > checkpoint size
 *   LIEN_ENOTFOUND   404  checkpoint origin is not a configured log
 *   LIEN_EKEY        403  no valid signature by a configured key of that log
 *   LIEN_ECONFLICT   409  old size != stored size, or same size and another
 *                         root; out->stored_size holds the stored size
 *   LIEN_EVERIFY     422  consistency proof does not verify
 *   anything else    500  (LIEN_EIO, LIEN_ENOMEM, LIEN_EFULL, ...)
 *
 * Invariant: for one origin the stored size never decreases and a size is
 * never cosigned with two roots. The check of the old size, the proof
 * against the stored root, the signing and the update happen inside one
 * LMDB write transaction (LMDB's single writer lock makes it a
 * compare-and-swap), and the cosignature is released only after the
 * commit returned, i.e. after fsync (tlog-witness: persist before
 * responding).
 */
#ifndef LIEN_WITNESS_WITNESS_H
#define LIEN_WITNESS_WITNESS_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/cosig.h"
#include "crypto/hash.h"
#include "crypto/note.h"

#define WITNESS_FORMAT "lienlog-witness-v1"

struct witness;

/* A parsed add-checkpoint body (tlog-witness):
 *   "old <N>\n" (canonical decimal), 0..63 lines of canonical base64 of
 *   32 bytes, "\n", then the checkpoint note (everything after).
 * note borrows the body. */
struct witness_request {
	uint64_t old_size;
	uint8_t proof[WITNESS_PROOF_MAX][HASH_LEN];
	size_t nproof;
	const uint8_t *note;
	size_t note_len;
};

/* Parse body (len <= WITNESS_REQUEST_MAX) strictly: every line ends in
 * '\n', no '\r', no leading zeros, no spaces but the one after "old", no
 * more than WITNESS_PROOF_MAX proof lines, a non-empty note. Pure (no
 * allocation, no I/O). LIEN_OK, LIEN_EPARSE, LIEN_ETOOBIG (body over the
 * limit or a 64th proof line). out is zeroed on failure. */
enum lien_status witness_request_parse(const uint8_t *body, size_t len,
    struct witness_request *out) LIEN_MUST_CHECK;

/* Parse a logs config file (len <= WITNESS_CONFIG_MAX): lines
 *   "log <vkey>"        a log to witness; origin = the key's name
 *   "# ..." or ""       comments and blank lines
 * each ending in '\n' (the last may omit it). vkey is a type 0x01 signed-
 * note verifier key (note_verifier_parse). Several keys may share an
 * origin (key rotation); the same key twice is an error. At most
 * WITNESS_LOGS_MAX logs, at least one. *out: malloc'd array sorted by
 * (name, key id); caller frees with free(). *out_line (optional): 1-based
 * line number of the first error, 0 on success.
 * LIEN_EPARSE / LIEN_ETOOBIG / LIEN_EUNSUPPORTED (not a 0x01 key) /
 * LIEN_EVERIFY / LIEN_EKEY (bad vkey) / LIEN_EEXIST (duplicate key). */
enum lien_status witness_logs_parse(const uint8_t *text, size_t len,
    struct note_verifier **out, size_t *out_n, size_t *out_line)
    LIEN_MUST_CHECK;

/* Open (creating if needed) the witness store in dir and serve the given
 * logs (copied) with signer (borrowed: must outlive witness_close). A
 * directory that holds a log store (or another format) is refused with
 * LIEN_EUNSUPPORTED. map_size 0 = default (1 GiB, sparse). Thread-safe
 * afterwards: witness_add_checkpoint may run on many threads at once.
 * *out: witness_close. */
enum lien_status witness_open(const char *dir, uint64_t map_size,
    const struct cosig_signer *signer, const struct note_verifier *logs,
    size_t nlogs, struct witness **out) LIEN_MUST_CHECK;
void witness_close(struct witness *w);	/* NULL is a no-op */

/* Result of one add-checkpoint call. */
struct witness_result {
	uint64_t stored_size;	/* OK: the new size; ECONFLICT: the held size */
	char lines[COSIG_LINE_MAX];	/* OK: "— <witness> <base64>\n" */
	size_t lines_len;		/* 0 unless LIEN_OK */
};

/* Process one add-checkpoint request body at time now (POSIX seconds, the
 * cosignature timestamp; <= COSIG_TIME_MAX). Statuses as in the table at
 * the top. On anything but LIEN_OK nothing is stored and out->lines is
 * empty. out is always written. */
enum lien_status witness_add_checkpoint(struct witness *w,
    const uint8_t *body, size_t len, uint64_t now,
    struct witness_result *out) LIEN_MUST_CHECK;

/* The latest state held for origin: size, root, cosignature time and
 * (optional) a malloc'd copy of the note as cosigned (the submitted note
 * followed by this witness's line; caller frees). LIEN_ENOTFOUND if the
 * witness never cosigned for origin. */
enum lien_status witness_latest(struct witness *w, const char *origin,
    size_t origin_len, uint64_t *out_size, uint8_t out_root[HASH_LEN],
    uint64_t *out_time, char **out_note, size_t *out_note_len)
    LIEN_MUST_CHECK;

/* The witness's verifier key text into out (cap bytes, NUL-terminated);
 * LIEN_ETOOBIG if cap is short. */
enum lien_status witness_vkey(const struct witness *w, char *out, size_t cap)
    LIEN_MUST_CHECK;

/* Borrowed accessors, valid until witness_close. */
const struct note_verifier *witness_verifier(const struct witness *w);
size_t witness_nlogs(const struct witness *w);

#endif
