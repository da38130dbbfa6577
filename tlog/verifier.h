/*
 * Verifying client of a C2SP tlog-tiles log, transport-independent.
 *
 * Everything the registry mirror (`lienlog sync`), the monitor and the
 * proof maker need to believe about a log is decided here, from bytes a
 * fetch callback returns and nothing else:
 *
 *   - a checkpoint is accepted only with a valid signature by the log key
 *     (origin == key name) and, when a witness policy is set, cosignatures
 *     of at least `quorum` distinct witnesses (C2SP tlog-cosignature,
 *     crypto/cosig.h);
 *   - a tree (size, root) is opened by fetching the right-edge partial
 *     tiles and recomputing the root from them; every other tile is
 *     authenticated against the hash its parent tile holds before any of
 *     its hashes is used. No tile hash is ever used unauthenticated (the
 *     x/mod 0.7.0 TileHashReader gap, docs/testing.md, cannot happen: the
 *     cache only ever holds tiles that passed);
 *   - consistency between two checkpoints is computed from the newer tree's
 *     authenticated tiles (never from a server's /v1/proof);
 *   - entries are read from entry bundles and each leaf hash must equal the
 *     authenticated level-0 tile hash; envelopes must carry their position,
 *     chain to the previous leaf and never go back in time.
 *
 * A refusal that proves misbehaviour of the log is reported as LIEN_EVERIFY
 * with a struct tlog_report saying which kind (enum tlog_fault) and at
 * which index; transport trouble is passed through as the fetch callback's
 * status (LIEN_ENOTFOUND, LIEN_EIO, ...) with fault TLOG_FAULT_NONE, so a
 * caller can retry later.
 */
#ifndef LIEN_TLOG_VERIFIER_H
#define LIEN_TLOG_VERIFIER_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"

/* Fetch one resource of the log. path is relative to the log prefix:
 * "checkpoint", "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]"
 * (tlog/tiles.h spelling). At most cap bytes may be returned (more is
 * LIEN_ETOOBIG). On LIEN_OK *out is malloc'd (caller frees with free(), may
 * be NULL when *out_len is 0). LIEN_ENOTFOUND for an absent resource (HTTP
 * 404), LIEN_EIO for transport failure; other statuses pass through. */
struct tlog_fetch {
	enum lien_status (*get)(void *ctx, const char *path, size_t cap,
	    uint8_t **out, size_t *out_len);
	void *ctx;
};

/* What a log did wrong, when a verification fails (append-only). */
enum tlog_fault {
	TLOG_FAULT_NONE = 0,	/* no misbehaviour shown (or transport) */
	TLOG_FAULT_MALFORMED,	/* checkpoint/tile/bundle not well-formed */
	TLOG_FAULT_SIGNATURE,	/* checkpoint not signed by the log key */
	TLOG_FAULT_QUORUM,	/* too few valid witness cosignatures */
	TLOG_FAULT_ROLLBACK,	/* checkpoint smaller than one trusted */
	TLOG_FAULT_FORK,	/* two signed trees that are inconsistent */
	TLOG_FAULT_TILE,	/* tiles do not hash to the signed root */
	TLOG_FAULT_ENTRY,	/* entry does not match tree or hash chain */
	TLOG_FAULT_STATE,	/* a state root the entries do not give
				 * (docs/lien-status.md; lienlog sync) */
};

struct tlog_report {
	enum tlog_fault fault;
	uint64_t index;		/* entry index for TLOG_FAULT_ENTRY */
	char why[256];		/* one printable line, no attacker bytes */
};

/* Stable short name of a fault ("fork", "rollback", ...). Never NULL. */
const char *tlog_fault_name(enum tlog_fault f);

/* Trust policy: the log's key, and k-of-n witnesses (quorum 0: no witness
 * requirement). witnesses are cosignature verifier keys (type 0x04,
 * crypto/note.h); borrowed for the policy's lifetime. */
struct tlog_policy {
	struct note_verifier log;
	const struct note_verifier *witnesses;
	size_t nwitnesses;	/* <= TLOG_WITNESSES_MAX */
	size_t quorum;		/* <= nwitnesses */
};

/* Verify a checkpoint note (msg, len <= NOTE_MAX) against the policy. out
 * borrows msg. *out_cosigned (optional) counts the distinct policy
 * witnesses whose cosignature verified. LIEN_OK, or LIEN_EVERIFY with
 * fault SIGNATURE / QUORUM / MALFORMED in r (r may be NULL). */
enum lien_status tlog_checkpoint_verify(const struct tlog_policy *p,
    const uint8_t *msg, size_t len, struct checkpoint *out,
    size_t *out_cosigned, struct tlog_report *r) LIEN_MUST_CHECK;

/* ---- An authenticated tree ---------------------------------------------- */

struct tlog_tree;

/* Open the tree (size, root) of a checkpoint the caller has verified:
 * fetch the right-edge partial tiles and check that they hash to root.
 * f is copied; its ctx must outlive the tree. LIEN_EVERIFY with fault TILE
 * or MALFORMED when the log's tiles do not match. *out: tlog_tree_free. */
enum lien_status tlog_tree_open(const struct tlog_fetch *f, uint64_t size,
    const uint8_t root[HASH_LEN], struct tlog_tree **out,
    struct tlog_report *r) LIEN_MUST_CHECK;
void tlog_tree_free(struct tlog_tree *t);

uint64_t tlog_tree_size(const struct tlog_tree *t);

/* Authenticated hash of the complete subtree (level, index) of the tree,
 * i.e. MTH(D[index*2^level, (index+1)*2^level)), which must lie within
 * size (LIEN_ERANGE). Fetches and authenticates tiles on demand. */
enum lien_status tlog_tree_node(struct tlog_tree *t, unsigned level,
    uint64_t index, uint8_t out[HASH_LEN], struct tlog_report *r)
    LIEN_MUST_CHECK;

/* Check that the tree of an older checkpoint (m <= size, old_root) is a
 * prefix of this tree, using only authenticated tiles. proof (room for
 * MERKLE_PROOF_MAX) receives the RFC 9162 consistency proof m -> size and
 * out_root_m the root this tree gives for size m: on a fork they are the
 * evidence (the proof verifies from out_root_m to this root, and
 * out_root_m != old_root). LIEN_OK, or LIEN_EVERIFY with fault FORK. */
enum lien_status tlog_tree_consistency(struct tlog_tree *t, uint64_t m,
    const uint8_t old_root[HASH_LEN], uint8_t proof[][HASH_LEN],
    size_t *out_nproof, uint8_t out_root_m[HASH_LEN], struct tlog_report *r)
    LIEN_MUST_CHECK;

/* RFC 9162 inclusion proof of leaf index in this tree, from authenticated
 * tiles, and the authenticated leaf hash. LIEN_ERANGE for index >= size. */
enum lien_status tlog_tree_prove_inclusion(struct tlog_tree *t,
    uint64_t index, uint8_t leaf[HASH_LEN], uint8_t proof[][HASH_LEN],
    size_t *out_nproof, struct tlog_report *r) LIEN_MUST_CHECK;

/* One verified entry, as handed to a tlog_tree_entries callback. bytes
 * and env.payload are borrowed for the duration of the callback. */
struct tlog_entry {
	uint64_t index;
	uint8_t leaf[HASH_LEN];
	const uint8_t *bytes;	/* whole envelope */
	size_t len;
	struct entry env;	/* decoded envelope (tlog/entry.h) */
};

/* Fetch entries [a, b) (b <= size) from entry bundles and call fn on each,
 * in index order, only after the whole bundle holding it verified: every
 * leaf hash equals the authenticated level-0 tile hash, the envelope
 * decodes with its own index, its prev equals the previous leaf hash and
 * its time is not before the previous entry's. Entry a-1 is fetched and
 * checked too (when a > 0) so the chain and time checks cover a. A non-OK
 * status from fn stops the walk and is returned as is (fault NONE).
 * LIEN_EVERIFY with fault ENTRY / MALFORMED (r->index set) on a bad entry;
 * entries from that bundle on are never passed to fn. */
enum lien_status tlog_tree_entries(struct tlog_tree *t, uint64_t a,
    uint64_t b, enum lien_status (*fn)(void *ctx, const struct tlog_entry *e),
    void *ctx, struct tlog_report *r) LIEN_MUST_CHECK;

/* ---- C2SP tlog-proof ---------------------------------------------------- */

/* A parsed c2sp.org/tlog-proof@v1 file. checkpoint borrows the input. */
struct tlog_proof {
	const uint8_t *extra;	/* decoded "extra" data, malloc'd, or NULL */
	size_t extra_len;
	uint64_t index;
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	size_t nproof;
	const uint8_t *checkpoint;	/* the signed note, verbatim */
	size_t checkpoint_len;
};

/* Parse strictly (header line, optional "extra <b64>", "index <dec>",
 * canonical base64 hashes, one empty line, then the checkpoint note to the
 * end). At most TLOG_PROOF_MAX bytes. out->extra: free with
 * tlog_proof_clear. LIEN_EPARSE / LIEN_ETOOBIG. */
enum lien_status tlog_proof_parse(const uint8_t *p, size_t len,
    struct tlog_proof *out) LIEN_MUST_CHECK;
void tlog_proof_clear(struct tlog_proof *p);

/* Format a proof. *out malloc'd, NUL-terminated; caller frees. */
enum lien_status tlog_proof_format(const uint8_t *extra, size_t extra_len,
    uint64_t index, const uint8_t proof[][HASH_LEN], size_t nproof,
    const uint8_t *checkpoint, size_t checkpoint_len, char **out,
    size_t *out_len) LIEN_MUST_CHECK;

/* Verify a parsed proof: checkpoint under the policy, then the inclusion
 * of leaf at p->index. out_cp borrows the proof's input. LIEN_OK or
 * LIEN_EVERIFY (r says why). */
enum lien_status tlog_proof_verify(const struct tlog_policy *pol,
    const struct tlog_proof *p, const uint8_t leaf[HASH_LEN],
    struct checkpoint *out_cp, size_t *out_cosigned, struct tlog_report *r)
    LIEN_MUST_CHECK;

#endif
