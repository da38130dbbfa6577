/*
 * RFC 6962 / RFC 9162 Merkle tree math, pure: no I/O, no allocation.
 *
 * A tree is seen through a node source: a callback that returns the hash of
 * a *complete* subtree, identified as (level, index) = MTH of leaves
 * [index * 2^level, (index + 1) * 2^level). The store keeps exactly those
 * hashes, so every function here costs O(log n) callback calls.
 */
#ifndef LIEN_TLOG_MERKLE_H
#define LIEN_TLOG_MERKLE_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "crypto/hash.h"

struct merkle_source {
	/* Hash of complete subtree (level, index) into out. Returns LIEN_OK
	 * or a store error, which is passed through unchanged. */
	enum lien_status (*node)(void *ctx, unsigned level, uint64_t index,
	    uint8_t out[HASH_LEN]);
	void *ctx;
};

/* MTH(D[begin:end]) for any 0 <= begin < end whose range is a valid RFC
 * 6962 subtree or a prefix-aligned right edge (end may be unaligned). Used
 * by the functions below; exposed for tiles and tests. */
enum lien_status merkle_range_hash(const struct merkle_source *src,
    uint64_t begin, uint64_t end, uint8_t out[HASH_LEN]) LIEN_MUST_CHECK;

/* Root of the tree of size n. n == 0 gives SHA-256("") (RFC 6962 2.1). */
enum lien_status merkle_root(const struct merkle_source *src, uint64_t n,
    uint8_t out[HASH_LEN]) LIEN_MUST_CHECK __attribute__((nonnull(3)));

/* RFC 9162 2.1.3.1 inclusion proof of leaf index in tree of size n.
 * LIEN_ERANGE when index >= n. */
enum lien_status merkle_prove_inclusion(const struct merkle_source *src,
    uint64_t index, uint64_t n, uint8_t proof[][HASH_LEN], size_t *out_n)
    LIEN_MUST_CHECK;

/* RFC 9162 2.1.4.1 consistency proof from size m to size n.
 * LIEN_ERANGE when m > n; m == 0 or m == n give an empty proof. */
enum lien_status merkle_prove_consistency(const struct merkle_source *src,
    uint64_t m, uint64_t n, uint8_t proof[][HASH_LEN], size_t *out_n)
    LIEN_MUST_CHECK;

/* RFC 9162 2.1.3.2. LIEN_OK, LIEN_EVERIFY, or LIEN_ERANGE (index >= n,
 * proof longer than MERKLE_PROOF_MAX). */
enum lien_status merkle_verify_inclusion(const uint8_t leaf[HASH_LEN],
    uint64_t index, uint64_t n, const uint8_t proof[][HASH_LEN],
    size_t nproof, const uint8_t root[HASH_LEN]) LIEN_MUST_CHECK;

/* RFC 9162 2.1.4.2. m == n requires an empty proof and equal roots; m == 0
 * is accepted with an empty proof (the empty tree is consistent with all). */
enum lien_status merkle_verify_consistency(uint64_t m, uint64_t n,
    const uint8_t old_root[HASH_LEN], const uint8_t new_root[HASH_LEN],
    const uint8_t proof[][HASH_LEN], size_t nproof) LIEN_MUST_CHECK;

/* Incremental builder for the right edge of a growing tree (the sequencer
 * and the audit use it). Holds one pending hash per level: the "frontier". */
struct merkle_frontier {
	uint64_t size;
	uint8_t hash[64][HASH_LEN];	/* hash[k] valid iff bit k of size */
};

void merkle_frontier_init(struct merkle_frontier *f)
    __attribute__((nonnull));

/* Add a leaf hash. For every subtree this completes, calls emit(ctx, level,
 * index, hash), lowest level first (level 0 is the leaf itself). emit may
 * be NULL. A non-OK status from emit stops and is returned, with f left
 * unchanged. */
enum lien_status merkle_frontier_push(struct merkle_frontier *f,
    const uint8_t leaf[HASH_LEN],
    enum lien_status (*emit)(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[HASH_LEN]),
    void *ctx) LIEN_MUST_CHECK __attribute__((nonnull(1, 2)));

/* Root of the tree the frontier describes. */
void merkle_frontier_root(const struct merkle_frontier *f,
    uint8_t out[HASH_LEN]) __attribute__((nonnull));

#endif
