/*
 * RFC 6962 / RFC 9162 Merkle tree math over a source of complete-subtree
 * hashes. Pure: no allocation, no I/O, no recursion.
 *
 * Design. The store keeps the hash of every complete subtree (level, index)
 * = MTH(D[index * 2^level : (index + 1) * 2^level]). Any range that occurs
 * in RFC 6962 2.1 (the tree, a proof element, a subtree of a proof walk)
 * starts at a multiple of the smallest power of two >= its length, so it
 * splits into one complete subtree per set bit of its length, largest
 * first, and its MTH is those subtrees folded right to left (RFC 6962
 * always splits at the largest power of two < n, so the left part is
 * complete and the right part recurses). merkle_range_hash is therefore
 * popcount(len) callbacks and popcount(len) - 1 node hashes.
 *
 * The proof generators walk RFC 9162's PATH and SUBPROOF definitions top
 * down as loops (the recursion depth is bounded by 64, but loops need no
 * stack reasoning at all), write the elements top-first and reverse them at
 * the end, because the RFC lists the deepest element first. Every element
 * is one merkle_range_hash; at most one of them (the one covering the ragged
 * right edge) is not a single complete subtree, so a proof costs at most
 * ~2 log2(n) callbacks. The verifiers are RFC 9162 2.1.3.2 / 2.1.4.2
 * exactly: the bit-twiddling algorithms, which also pin the proof length.
 *
 * What it is not: it knows nothing about where hashes live (ledger/store.c)
 * or how proofs are serialised (api/).
 */
#include "tlog/merkle.h"

#include <string.h>

/* SHA-256 of the empty string: MTH({}) per RFC 6962 2.1. */
static const uint8_t empty_root[HASH_LEN] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
	0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

/* Index of the highest set bit; x != 0. */
static unsigned
msb64(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

/* Index of the lowest set bit; x != 0. */
static unsigned
lsb64(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

/* Largest power of two strictly less than n; n >= 2 (RFC 6962 2.1 "k"). */
static uint64_t
split_point(uint64_t n)
{
	return (uint64_t)1 << msb64(n - 1);
}

enum lien_status
merkle_range_hash(const struct merkle_source *src, uint64_t begin,
    uint64_t end, uint8_t out[HASH_LEN])
{
	uint8_t acc[HASH_LEN], h[HASH_LEN];
	uint64_t len, pos, rest, mask;
	enum lien_status st;
	int have = 0;

	if (src == NULL || src->node == NULL || begin >= end)
		return LIEN_EINVAL;
	len = end - begin;
	/* begin must be a multiple of the smallest power of two >= len; for
	 * len > 2^63 that power is 2^64, so only begin == 0 qualifies. */
	mask = len == 1 ? 0 :
	    (msb64(len - 1) >= 63 ? UINT64_MAX :
	    ((uint64_t)1 << (msb64(len - 1) + 1)) - 1);
	if ((begin & mask) != 0)
		return LIEN_EINVAL;

	/* Right to left: smallest subtree (lowest bit of len) first. */
	pos = end;
	for (rest = len; rest != 0; rest &= rest - 1) {
		unsigned level = lsb64(rest);

		pos -= (uint64_t)1 << level;
		st = src->node(src->ctx, level, pos >> level, h);
		if (st != LIEN_OK) {
			memset(out, 0, HASH_LEN);
			return st;
		}
		if (have) {
			hash_node(h, acc, acc);
		} else {
			memcpy(acc, h, HASH_LEN);
			have = 1;
		}
	}
	memcpy(out, acc, HASH_LEN);
	return LIEN_OK;
}

enum lien_status
merkle_root(const struct merkle_source *src, uint64_t n,
    uint8_t out[HASH_LEN])
{
	if (n == 0) {
		memcpy(out, empty_root, HASH_LEN);
		return LIEN_OK;
	}
	return merkle_range_hash(src, 0, n, out);
}

/* Reverse proof[0..n): the walks produce elements root-side first. */
static void
proof_reverse(uint8_t proof[][HASH_LEN], size_t n)
{
	uint8_t t[HASH_LEN];

	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		memcpy(t, proof[i], HASH_LEN);
		memcpy(proof[i], proof[j - 1], HASH_LEN);
		memcpy(proof[j - 1], t, HASH_LEN);
	}
}

static void
proof_wipe(uint8_t proof[][HASH_LEN], size_t n, size_t *out_n)
{
	if (n > 0)
		memset(proof, 0, n * HASH_LEN);
	*out_n = 0;
}

enum lien_status
merkle_prove_inclusion(const struct merkle_source *src, uint64_t index,
    uint64_t n, uint8_t proof[][HASH_LEN], size_t *out_n)
{
	uint64_t start = 0, len = n, m = index;
	enum lien_status st;
	size_t count = 0;

	if (out_n == NULL || proof == NULL)
		return LIEN_EINVAL;
	*out_n = 0;
	if (index >= n)
		return LIEN_ERANGE;
	/* RFC 9162 2.1.3.1 PATH(m, D[start:start+len]). The depth is at most
	 * ceil(log2(n)) <= 64 = MERKLE_PROOF_MAX, so the check below can only
	 * fire on a bug; it guards the caller's buffer anyway. */
	while (len > 1) {
		uint64_t k = split_point(len);

		if (count >= MERKLE_PROOF_MAX) {
			st = LIEN_ERANGE;
			goto fail;
		}
		if (m < k) {
			/* PATH(m, D[0:k]) : MTH(D[k:n]) */
			st = merkle_range_hash(src, start + k, start + len,
			    proof[count]);
			len = k;
		} else {
			/* PATH(m - k, D[k:n]) : MTH(D[0:k]) */
			st = merkle_range_hash(src, start, start + k,
			    proof[count]);
			start += k;
			m -= k;
			len -= k;
		}
		if (st != LIEN_OK)
			goto fail;
		count++;
	}
	proof_reverse(proof, count);
	*out_n = count;
	return LIEN_OK;
fail:
	proof_wipe(proof, count, out_n);
	return st;
}

enum lien_status
merkle_prove_consistency(const struct merkle_source *src, uint64_t m,
    uint64_t n, uint8_t proof[][HASH_LEN], size_t *out_n)
{
	uint64_t start = 0, len = n, mm = m;
	enum lien_status st = LIEN_OK;
	size_t count = 0;
	int b = 1;	/* RFC 9162 2.1.4.1: still on the original tree's edge */

	if (out_n == NULL || proof == NULL)
		return LIEN_EINVAL;
	*out_n = 0;
	if (m > n)
		return LIEN_ERANGE;
	if (m == 0 || m == n)
		return LIEN_OK;
	/* SUBPROOF(mm, D[start:start+len], b). A tree above 2^63 leaves can
	 * need 65 elements (one per level plus the starting node); such a
	 * proof does not fit MERKLE_PROOF_MAX and is refused below. */
	while (mm != len) {
		uint64_t k = split_point(len);

		if (count >= MERKLE_PROOF_MAX) {
			st = LIEN_ERANGE;
			goto fail;
		}
		if (mm <= k) {
			/* SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) */
			st = merkle_range_hash(src, start + k, start + len,
			    proof[count]);
			len = k;
		} else {
			/* SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) */
			st = merkle_range_hash(src, start, start + k,
			    proof[count]);
			start += k;
			mm -= k;
			len -= k;
			b = 0;
		}
		if (st != LIEN_OK)
			goto fail;
		count++;
	}
	/* m == n inside the walk: {} if b, else {MTH(D[m])}. The range is a
	 * complete subtree here because b == false means we went right and
	 * mm == len means we also went left afterwards. */
	if (!b) {
		if (count >= MERKLE_PROOF_MAX) {
			st = LIEN_ERANGE;
			goto fail;
		}
		st = merkle_range_hash(src, start, start + len, proof[count]);
		if (st != LIEN_OK)
			goto fail;
		count++;
	}
	proof_reverse(proof, count);
	*out_n = count;
	return LIEN_OK;
fail:
	proof_wipe(proof, count, out_n);
	return st;
}

enum lien_status
merkle_verify_inclusion(const uint8_t leaf[HASH_LEN], uint64_t index,
    uint64_t n, const uint8_t proof[][HASH_LEN], size_t nproof,
    const uint8_t root[HASH_LEN])
{
	uint8_t r[HASH_LEN];
	uint64_t fn, sn;

	/* RFC 9162 2.1.3.2 step 1. */
	if (index >= n || nproof > MERKLE_PROOF_MAX)
		return LIEN_ERANGE;
	if (nproof > 0 && proof == NULL)
		return LIEN_EINVAL;
	/* Steps 2-3. */
	fn = index;
	sn = n - 1;
	memcpy(r, leaf, HASH_LEN);
	/* Step 4. */
	for (size_t i = 0; i < nproof; i++) {
		if (sn == 0)
			return LIEN_EVERIFY;		/* 4a: proof too long */
		if ((fn & 1) != 0 || fn == sn) {
			hash_node(proof[i], r, r);	/* 4b.i */
			if ((fn & 1) == 0) {		/* 4b.ii */
				while ((fn & 1) == 0 && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			hash_node(r, proof[i], r);
		}
		fn >>= 1;				/* 4c */
		sn >>= 1;
	}
	/* Step 5: sn == 0 pins the length (a short proof leaves sn > 0). */
	if (sn != 0 || !hash_equal(r, root))
		return LIEN_EVERIFY;
	return LIEN_OK;
}

enum lien_status
merkle_verify_consistency(uint64_t m, uint64_t n,
    const uint8_t old_root[HASH_LEN], const uint8_t new_root[HASH_LEN],
    const uint8_t proof[][HASH_LEN], size_t nproof)
{
	uint8_t fr[HASH_LEN], sr[HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (m > n || nproof > MERKLE_PROOF_MAX)
		return LIEN_ERANGE;
	if (nproof > 0 && proof == NULL)
		return LIEN_EINVAL;
	if (m == n)
		return nproof == 0 && hash_equal(old_root, new_root) ?
		    LIEN_OK : LIEN_EVERIFY;
	if (m == 0)	/* every tree extends the empty tree */
		return nproof == 0 ? LIEN_OK : LIEN_EVERIFY;

	/* RFC 9162 2.1.4.2 step 1. */
	if (nproof == 0)
		return LIEN_EVERIFY;
	/* Step 2: if m is a power of two, the proof starts implicitly with
	 * old_root; we seed from it instead of copying the array. Step 5
	 * takes the first element as seed. */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, old_root, HASH_LEN);
		i = 0;
	} else {
		memcpy(fr, proof[0], HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, HASH_LEN);
	/* Steps 3-4. */
	fn = m - 1;
	sn = n - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	/* Step 6. */
	for (; i < nproof; i++) {
		if (sn == 0)
			return LIEN_EVERIFY;		/* 6a */
		if ((fn & 1) != 0 || fn == sn) {
			hash_node(proof[i], fr, fr);	/* 6b.i */
			hash_node(proof[i], sr, sr);
			if ((fn & 1) == 0) {		/* 6b.ii */
				while ((fn & 1) == 0 && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			hash_node(sr, proof[i], sr);
		}
		fn >>= 1;				/* 6c */
		sn >>= 1;
	}
	/* Step 7. Both comparisons are evaluated: no early exit on fr. */
	if ((sn == 0) & hash_equal(fr, old_root) & hash_equal(sr, new_root))
		return LIEN_OK;
	return LIEN_EVERIFY;
}

void
merkle_frontier_init(struct merkle_frontier *f)
{
	memset(f, 0, sizeof *f);
}

enum lien_status
merkle_frontier_push(struct merkle_frontier *f, const uint8_t leaf[HASH_LEN],
    enum lien_status (*emit)(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[HASH_LEN]),
    void *ctx)
{
	uint8_t cur[HASH_LEN];
	uint64_t size = f->size;
	unsigned level = 0;
	enum lien_status st;

	/* The new leaf gets index size; 2^64 - 1 leaves is the last size a
	 * u64 can describe. */
	if (size == UINT64_MAX)
		return LIEN_ERANGE;
	memcpy(cur, leaf, HASH_LEN);
	if (emit != NULL && (st = emit(ctx, 0, size, cur)) != LIEN_OK)
		return st;
	/* Adding one carries through the low run of one bits of size: each
	 * carry completes the subtree (level + 1, size >> (level + 1)). The
	 * frontier is only written after every emit succeeded, so a failing
	 * emit leaves it unchanged. */
	while ((size >> level & 1) != 0) {
		hash_node(f->hash[level], cur, cur);
		level++;
		if (emit != NULL &&
		    (st = emit(ctx, level, size >> level, cur)) != LIEN_OK)
			return st;
	}
	memcpy(f->hash[level], cur, HASH_LEN);
	f->size = size + 1;
	return LIEN_OK;
}

void
merkle_frontier_root(const struct merkle_frontier *f, uint8_t out[HASH_LEN])
{
	uint8_t acc[HASH_LEN];
	uint64_t rest = f->size;

	if (rest == 0) {
		memcpy(out, empty_root, HASH_LEN);
		return;
	}
	/* Same right-to-left fold as merkle_range_hash(0, size). */
	memcpy(acc, f->hash[lsb64(rest)], HASH_LEN);
	for (rest &= rest - 1; rest != 0; rest &= rest - 1)
		hash_node(f->hash[lsb64(rest)], acc, acc);
	memcpy(out, acc, HASH_LEN);
}
