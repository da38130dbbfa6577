/*
 * The lien-status map: a binary Merkle prefix tree over 256-bit keys with
 * compressed empty subtrees (docs/lien-status.md is the byte-exact spec).
 *
 * A set S of (key, value) pairs, keys and values 32 bytes, defines one
 * hash per bit prefix p of length d (0 <= d <= 256):
 *
 *   no key of S starts with p          EMPTY = SHA-256(0x10)
 *   exactly one key k, value v         LEAF  = SHA-256(0x11 || k || v)
 *   two or more                        NODE  = SHA-256(0x12 || H(p||0) ||
 *                                                H(p||1))
 *
 * The root is the hash of the empty prefix. A key's leaf therefore sits at
 * the shallowest depth where it is alone, so a key costs about log2(|S|)
 * node hashes to update or prove, not 256. A proof names a depth d, the d
 * sibling hashes on the key's path (empty ones as one bit of a bitmap) and
 * what sits at depth d: the key's own leaf (presence), nothing (absence),
 * or another key's leaf that shares the first d bits (absence).
 *
 * Everything here is pure: no I/O, no allocation. The tree is read and
 * written through a node store callback (struct map_store) addressed by
 * (depth, key): the first `depth` bits of key name the node, the rest are
 * ignored. ledger/ keeps those nodes in LMDB; the tests keep them in
 * memory.
 */
#ifndef LIEN_TLOG_MAP_H
#define LIEN_TLOG_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"
#include "common/lien_limits.h"
#include "common/rd.h"
#include "crypto/hash.h"

#define MAP_KEY_LEN 32u
#define MAP_VALUE_LEN 32u
#define MAP_DEPTH_MAX 256u		/* key bits */

/* Domain tags: the first byte of every hash input (docs/lien-status.md).
 * Distinct from RFC 6962's 0x00 (log leaf) and 0x01 (log node), so no map
 * hash can be passed off as a log hash or the other way round. */
#define MAP_TAG_EMPTY 0x10u
#define MAP_TAG_LEAF 0x11u
#define MAP_TAG_NODE 0x12u

enum map_kind {
	MAP_EMPTY = 0,
	MAP_LEAF = 1,
	MAP_NODE = 2,
	/* A non-empty node known by its hash alone, leaf or interior: what
	 * a store's peek may answer (struct map_store). Never stored. */
	MAP_HASH = 3,
};

/* One node as the store keeps it. */
struct map_node {
	enum map_kind kind;
	uint8_t hash[HASH_LEN];		/* LEAF and NODE (EMPTY: the constant) */
	uint8_t key[MAP_KEY_LEN];	/* LEAF only */
	uint8_t value[MAP_VALUE_LEN];	/* LEAF only */
};

/* The three hashes. out may alias an input. */
void map_hash_empty(uint8_t out[HASH_LEN]);
void map_hash_leaf(const uint8_t key[MAP_KEY_LEN],
    const uint8_t value[MAP_VALUE_LEN], uint8_t out[HASH_LEN]);
void map_hash_node(const uint8_t left[HASH_LEN],
    const uint8_t right[HASH_LEN], uint8_t out[HASH_LEN]);

/* Fill n as EMPTY / as the leaf (key, value) with its hash. */
void map_node_empty(struct map_node *n) __attribute__((nonnull));
void map_node_leaf(struct map_node *n, const uint8_t key[MAP_KEY_LEN],
    const uint8_t value[MAP_VALUE_LEN]) __attribute__((nonnull));

/* Bit i (0 = most significant bit of key[0]) of a key. */
static inline unsigned
map_key_bit(const uint8_t key[MAP_KEY_LEN], unsigned i)
{
	return (unsigned)(key[i >> 3] >> (7u - (i & 7u))) & 1u;
}

/* Node store. get fills *out with the node at (depth, first depth bits of
 * key); a position never written is EMPTY. put stores n there (EMPTY
 * means: remove). Both return LIEN_OK or a store error, passed through
 * unchanged by every function below. put may be NULL for read-only use.
 * peek (may be NULL: get is used) is get for a node whose hash is all
 * the update needs (the sibling of a changed path): it may answer
 * MAP_HASH, kind and key unknown, when that saves the store a read;
 * map_update then calls get for it only if its kind decides the shape
 * (its sibling became EMPTY). */
struct map_store {
	enum lien_status (*get)(void *ctx, unsigned depth,
	    const uint8_t key[MAP_KEY_LEN], struct map_node *out);
	enum lien_status (*put)(void *ctx, unsigned depth,
	    const uint8_t key[MAP_KEY_LEN], const struct map_node *n);
	void *ctx;
	enum lien_status (*peek)(void *ctx, unsigned depth,
	    const uint8_t key[MAP_KEY_LEN], struct map_node *out);
};

/* Root hash of the map in s (EMPTY's hash for an empty map). */
enum lien_status map_root(const struct map_store *s, uint8_t out[HASH_LEN])
    LIEN_MUST_CHECK __attribute__((nonnull));

/* ---- Batched update ----------------------------------------------------- */

struct map_update {
	uint8_t key[MAP_KEY_LEN];
	uint8_t value[MAP_VALUE_LEN];
	int del;			/* 1: remove key (value ignored) */
};

/* Apply n updates whose keys are strictly increasing (LIEN_EINVAL
 * otherwise: sort and de-duplicate first, map_updates_sort). Each node on
 * a changed path is read once and written once, however many updates
 * share it: about log2(|S|) hashes per key plus the shared top. Unchanged
 * values write nothing. out_root (may be NULL) receives the new root;
 * *io_count (may be NULL) is adjusted by the number of keys added minus
 * removed. On a store error the store may hold a partial update: the
 * caller aborts its transaction. */
enum lien_status map_update(const struct map_store *s,
    const struct map_update *u, size_t n, uint8_t out_root[HASH_LEN],
    uint64_t *io_count) LIEN_MUST_CHECK __attribute__((nonnull(1)));

/* The same update in parts, for a caller that runs them on several
 * threads. Below depth MAP_SPLIT_DEPTH a batch's keys fall into
 * MAP_SPLIT_PARTS disjoint subtrees (part i: the keys whose first 4 bits
 * are i), and updating one reads and writes no node of another, nor any
 * node at depth MAP_SPLIT_DEPTH or above. So:
 *
 *   map_update_split   the parts and each one's node at depth
 *                      MAP_SPLIT_DEPTH now (through s->get);
 *   map_update_part    part i's subtree: reads and writes only nodes
 *                      below depth MAP_SPLIT_DEPTH whose first 4 bits
 *                      are i; parts may run at once, each through its
 *                      own store object over the same nodes;
 *   map_update_join    the nodes at depths 0 .. MAP_SPLIT_DEPTH from the
 *                      parts' new nodes, on one thread once every part
 *                      is done.
 *
 * The nodes written, the root and *io_count are map_update's exactly
 * (tests/unit/test_map.c). That holds when every part with updates hangs
 * below interior nodes only (a leaf above it would move down into it, a
 * key alone above it would stop there): map_update_split says so in
 * *out_ok, and when it says 0 the caller uses map_update instead (a map
 * of a few keys; at 10^6 keys and more the top four levels are always
 * interior). */
#define MAP_SPLIT_DEPTH 4u
#define MAP_SPLIT_PARTS (1u << MAP_SPLIT_DEPTH)

struct map_split {
	size_t lo[MAP_SPLIT_PARTS + 1];	/* part i: u[lo[i] .. lo[i + 1]) */
	struct map_node cur[MAP_SPLIT_PARTS];	/* at MAP_SPLIT_DEPTH, now */
	struct map_node nw[MAP_SPLIT_PARTS];	/* and after (parts done) */
	int64_t delta[MAP_SPLIT_PARTS];		/* keys added - removed */
};

/* u[0..n) strictly increasing (LIEN_EINVAL otherwise). Fills *out; the
 * store is not written. Store errors pass through. */
enum lien_status map_update_split(const struct map_store *s,
    const struct map_update *u, size_t n, struct map_split *out,
    int *out_ok) LIEN_MUST_CHECK __attribute__((nonnull(1, 4, 5)));
/* Part i (< MAP_SPLIT_PARTS) of sp, split from the same u with *out_ok
 * 1: fills sp->nw[i] and sp->delta[i] (only those: parts on different
 * threads write different fields). On a store error the store may hold
 * a partial update (the caller aborts). */
enum lien_status map_update_part(const struct map_store *s,
    const struct map_update *u, struct map_split *sp, unsigned i)
    LIEN_MUST_CHECK __attribute__((nonnull(1, 3)));
/* Finish: as map_update, with sp the split of the same u whose parts are
 * all done (sp NULL: map_update itself). */
enum lien_status map_update_join(const struct map_store *s,
    const struct map_update *u, size_t n, const struct map_split *sp,
    uint8_t out_root[HASH_LEN], uint64_t *io_count) LIEN_MUST_CHECK
    __attribute__((nonnull(1)));

/* Sort u[0..n) by key (a stable merge sort; tmp is scratch for n
 * updates) and keep, for each key, only its last update in the original
 * order: a batch that touches a vehicle twice ends with its last value.
 * *out_n: the updates left, at the start of u. No allocation. */
void map_updates_sort(struct map_update *u, struct map_update *tmp, size_t n,
    size_t *out_n) __attribute__((nonnull(4)));

/* ---- Proofs ------------------------------------------------------------- */

enum map_proof_kind {
	MAP_PROOF_PRESENT = 0,		/* the key's own leaf at depth */
	MAP_PROOF_ABSENT_EMPTY = 1,	/* nothing at depth: no key there */
	MAP_PROOF_ABSENT_LEAF = 2,	/* another key's leaf at depth */
};

/* Largest encoding: kind, depth, a 256-bit bitmap, 256 siblings, another
 * key and value. */
#define MAP_PROOF_MAX (1u + 2u + 32u + MAP_DEPTH_MAX * HASH_LEN + 64u)

struct map_proof {
	enum map_proof_kind kind;
	unsigned depth;			/* 0..MAP_DEPTH_MAX */
	/* sib[i] for i < depth: the sibling of the path node at depth i + 1
	 * (the child of the depth-i node that the key does not take); EMPTY
	 * siblings hold EMPTY's hash here and are one 0 bit on the wire. */
	uint8_t sib[MAP_DEPTH_MAX][HASH_LEN];
	uint8_t value[MAP_VALUE_LEN];	/* PRESENT */
	uint8_t other_key[MAP_KEY_LEN];	/* ABSENT_LEAF */
	uint8_t other_value[MAP_VALUE_LEN];
};

/* Prove key's presence or absence in the map of s. ~8 KiB: keep it off
 * small stacks. */
enum lien_status map_prove(const struct map_store *s,
    const uint8_t key[MAP_KEY_LEN], struct map_proof *out) LIEN_MUST_CHECK
    __attribute__((nonnull));

/* Byte-exact encoding (docs/lien-status.md "Map proof"):
 *   kind u8 | depth u16be | bitmap ceil(depth/8) bytes | non-empty
 *   siblings, root side first | PRESENT: value | ABSENT_LEAF: key, value
 * Bit i of the bitmap (byte i/8, most significant bit first) is 1 iff
 * sibling i is not EMPTY; padding bits are 0. *out_len <= MAP_PROOF_MAX.
 * LIEN_ETOOBIG if cap is short. */
enum lien_status map_proof_encode(const struct map_proof *p, uint8_t *out,
    size_t cap, size_t *out_len) LIEN_MUST_CHECK
    __attribute__((nonnull(1, 4)));

/* Strict decode of exactly len bytes: LIEN_ETOOBIG above MAP_PROOF_MAX;
 * LIEN_EPARSE for a truncated input, trailing bytes, an unknown kind, a
 * depth above 256, non-zero padding bits, an explicit sibling equal to
 * EMPTY's hash (it has one spelling: a 0 bit), and an EMPTY last sibling
 * (depth > 0 with bit depth-1 clear: no canonical tree has it). On
 * failure *out is zeroed. */
enum lien_status map_proof_decode(const uint8_t *p, size_t len,
    struct map_proof *out) LIEN_MUST_CHECK __attribute__((nonnull(3)));

/* Verify p against root for key. LIEN_OK when it proves key present (with
 * value p->value) or absent; *out_present (may be NULL) says which.
 * LIEN_EVERIFY when the hashes do not lead to root, or an ABSENT_LEAF
 * proof's other key equals key or does not share the first depth bits
 * with it. */
enum lien_status map_proof_verify(const struct map_proof *p,
    const uint8_t root[HASH_LEN], const uint8_t key[MAP_KEY_LEN],
    int *out_present) LIEN_MUST_CHECK __attribute__((nonnull(1, 2, 3)));

#endif
