/*
 * Tests for tlog/merkle.c.
 *
 * Three independent oracles:
 *  1. Known answers for the Certificate Transparency 8-leaf tree
 *     (tests/vectors/rfc6962_ct_tree.txt, from transparency-dev/merkle).
 *  2. A naive reference written straight from the recursive definitions of
 *     RFC 6962 2.1 (MTH, PATH, SUBPROOF), memoised so that the all-pairs
 *     sweep over every tree size 1..300 stays fast under ASan.
 *  3. Complete-subtree tables built bottom-up by pairing, used as the node
 *     source (the shape the store has) and to check the frontier's emits.
 * A second node source, a tree whose leaves are all equal, has O(1) node
 * hashes at every level and lets us exercise 64-bit sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tlog/merkle.h"

#define NAIVE_MAX 300u		/* all-pairs sweep bound */
#define FRONTIER_MAX 1000u	/* frontier sweep bound */
#define TABLE_LEAVES 1024u	/* complete-subtree table: 2^10 leaves */
#define TABLE_LEVELS 11u

/* ---- fixtures: leaves and complete-subtree tables ---------------------- */

static uint8_t leaf_hash[TABLE_LEAVES][HASH_LEN];
/* table[l] holds TABLE_LEAVES >> l hashes of complete subtrees. */
static uint8_t (*table[TABLE_LEVELS])[HASH_LEN];

static void
table_build(size_t nleaves)
{
	for (unsigned l = 0; l < TABLE_LEVELS; l++) {
		free(table[l]);
		table[l] = calloc(TABLE_LEAVES >> l, HASH_LEN);
		assert_non_null(table[l]);
	}
	memcpy(table[0], leaf_hash, nleaves * HASH_LEN);
	for (unsigned l = 1; l < TABLE_LEVELS; l++)
		for (size_t i = 0; i < (nleaves >> l); i++)
			hash_node(table[l - 1][2 * i], table[l - 1][2 * i + 1],
			    table[l][i]);
}

static void
leaves_synthetic(void)
{
	for (uint32_t i = 0; i < TABLE_LEAVES; i++) {
		uint8_t e[6] = { 'l', 'f', (uint8_t)(i >> 24),
		    (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

		/* Vary the length too, so that entry length is covered. */
		hash_leaf(e, 2 + i % 5, leaf_hash[i]);
		if (i % 5 == 4)
			hash_leaf(e, 6, leaf_hash[i]);
	}
	table_build(TABLE_LEAVES);
}

/* Node source over the table, refusing anything not complete at size. */
struct table_src {
	uint64_t size;
	unsigned long calls;
	unsigned long fail_at;	/* 1-based call that fails with EIO; 0 never */
};

static enum lien_status LIEN_MUST_CHECK
table_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	struct table_src *s = ctx;

	s->calls++;
	if (s->fail_at != 0 && s->calls == s->fail_at)
		return LIEN_EIO;
	if (level >= TABLE_LEVELS || index >= (TABLE_LEAVES >> level) ||
	    (index + 1) << level > s->size)
		return LIEN_ENOTFOUND;	/* merkle.c asked for a non-node */
	memcpy(out, table[level][index], HASH_LEN);
	return LIEN_OK;
}

static struct merkle_source
table_source(struct table_src *s, uint64_t size)
{
	struct merkle_source src = { table_node, s };

	memset(s, 0, sizeof *s);
	s->size = size;
	return src;
}

/* ---- naive RFC 6962 2.1 reference -------------------------------------- */

static uint8_t (*memo)[NAIVE_MAX + 1][HASH_LEN];	/* memo[a][b] */
static uint8_t (*memo_ok)[NAIVE_MAX + 1];

static uint64_t
naive_k(uint64_t n)		/* largest power of two < n, n > 1 */
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH(D[a:b]) by the RFC's recursion; leaves from leaf_hash. */
static void
naive_mth(size_t a, size_t b, uint8_t out[HASH_LEN])
{
	uint8_t l[HASH_LEN], r[HASH_LEN];
	size_t k;

	assert_true(a < b);
	if (b <= NAIVE_MAX && memo_ok[a][b]) {
		memcpy(out, memo[a][b], HASH_LEN);
		return;
	}
	if (b - a == 1) {
		memcpy(out, leaf_hash[a], HASH_LEN);
	} else {
		k = (size_t)naive_k(b - a);
		naive_mth(a, a + k, l);
		naive_mth(a + k, b, r);
		hash_node(l, r, out);
	}
	if (b <= NAIVE_MAX) {
		memcpy(memo[a][b], out, HASH_LEN);
		memo_ok[a][b] = 1;
	}
}

/* PATH(m, D[a:b]), RFC 6962 2.1.1. */
static void
naive_path(size_t m, size_t a, size_t b, uint8_t out[][HASH_LEN], size_t *n)
{
	size_t k;

	if (b - a == 1)
		return;
	k = (size_t)naive_k(b - a);
	if (m < k) {
		naive_path(m, a, a + k, out, n);
		naive_mth(a + k, b, out[(*n)++]);
	} else {
		naive_path(m - k, a + k, b, out, n);
		naive_mth(a, a + k, out[(*n)++]);
	}
}

/* SUBPROOF(m, D[a:b], bflag), RFC 6962 2.1.2. */
static void
naive_subproof(size_t m, size_t a, size_t b, int bflag,
    uint8_t out[][HASH_LEN], size_t *n)
{
	size_t k;

	if (m == b - a) {
		if (!bflag)
			naive_mth(a, b, out[(*n)++]);
		return;
	}
	k = (size_t)naive_k(b - a);
	if (m <= k) {
		naive_subproof(m, a, a + k, bflag, out, n);
		naive_mth(a + k, b, out[(*n)++]);
	} else {
		naive_subproof(m - k, a + k, b, 0, out, n);
		naive_mth(a, a + k, out[(*n)++]);
	}
}

static int
setup_naive(void **state)
{
	(void)state;
	memo = calloc(NAIVE_MAX + 1, sizeof *memo);
	memo_ok = calloc(NAIVE_MAX + 1, sizeof *memo_ok);
	if (memo == NULL || memo_ok == NULL)
		return -1;
	leaves_synthetic();
	return 0;
}

static int
teardown_all(void **state)
{
	(void)state;
	free(memo);
	free(memo_ok);
	memo = NULL;
	memo_ok = NULL;
	for (unsigned l = 0; l < TABLE_LEVELS; l++) {
		free(table[l]);
		table[l] = NULL;
	}
	return 0;
}

static unsigned
ceil_log2(uint64_t n)
{
	unsigned d = 0;

	while (d < 64 && ((uint64_t)1 << d) < n)
		d++;
	return d;
}

static unsigned
popcount64(uint64_t x)
{
	unsigned c = 0;

	for (; x != 0; x &= x - 1)
		c++;
	return c;
}

/* ---- vector file -------------------------------------------------------- */

/* Decode exactly len hex chars at s into out; returns bytes or -1. */
static long
unhex(const char *s, size_t len, uint8_t *out, size_t cap)
{
	if (len % 2 != 0 || len / 2 > cap ||
	    hex_decode(s, len, out, len / 2) != LIEN_OK)
		return -1;
	return (long)(len / 2);
}

static size_t
parse_proof(const char *s, uint8_t out[][HASH_LEN])
{
	size_t n = 0;

	if (strcmp(s, "-") == 0)
		return 0;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		assert_true(n < MERKLE_PROOF_MAX);
		assert_int_equal(unhex(s, len, out[n], HASH_LEN), HASH_LEN);
		n++;
		if (comma == NULL)
			return n;
		s = comma + 1;
	}
}

struct ct_vectors {
	uint8_t leaf[8][HASH_LEN];
	uint8_t root[9][HASH_LEN];
	struct {
		uint64_t a, b;
		size_t n;
		uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	} incl[8], cons[8];
	size_t nincl, ncons, nleaf, nroot;
};

static void
ct_load(struct ct_vectors *v)
{
	char line[2048], f2[1024];
	unsigned long long a, b;
	FILE *f = fopen(LIEN_VECTORS "/rfc6962_ct_tree.txt", "r");

	assert_non_null(f);
	memset(v, 0, sizeof *v);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (sscanf(line, "leaf %llu %1023s", &a, f2) == 2) {
			uint8_t e[64];
			long n = strcmp(f2, "-") == 0 ? 0 :
			    unhex(f2, strlen(f2), e, sizeof e);

			assert_true(n >= 0 && a < 8);
			hash_leaf(e, (size_t)n, v->leaf[a]);
			v->nleaf++;
		} else if (sscanf(line, "root %llu %1023s", &a, f2) == 2) {
			assert_true(a >= 1 && a <= 8);
			assert_int_equal(unhex(f2, strlen(f2), v->root[a],
			    HASH_LEN), HASH_LEN);
			v->nroot++;
		} else if (sscanf(line, "inclusion %llu %llu %1023s", &a, &b,
		    f2) == 3) {
			assert_true(v->nincl < 8);
			v->incl[v->nincl].a = a;
			v->incl[v->nincl].b = b;
			v->incl[v->nincl].n = parse_proof(f2,
			    v->incl[v->nincl].proof);
			v->nincl++;
		} else if (sscanf(line, "consistency %llu %llu %1023s", &a, &b,
		    f2) == 3) {
			assert_true(v->ncons < 8);
			v->cons[v->ncons].a = a;
			v->cons[v->ncons].b = b;
			v->cons[v->ncons].n = parse_proof(f2,
			    v->cons[v->ncons].proof);
			v->ncons++;
		} else {
			fail_msg("bad vector line: %s", line);
		}
	}
	fclose(f);
	assert_int_equal(v->nleaf, 8);
	assert_int_equal(v->nroot, 8);
	assert_true(v->nincl >= 4 && v->ncons >= 5);
}

/* ---- known answers ------------------------------------------------------ */

static void
test_merkle_root_ct_vectors(void **state)
{
	struct ct_vectors *v = malloc(sizeof *v);
	struct table_src ts;
	uint8_t out[HASH_LEN];

	(void)state;
	assert_non_null(v);
	ct_load(v);
	memcpy(leaf_hash, v->leaf, sizeof v->leaf);
	table_build(8);
	for (uint64_t n = 1; n <= 8; n++) {
		struct merkle_source src = table_source(&ts, n);
		struct merkle_frontier fr;

		assert_int_equal(merkle_root(&src, n, out), LIEN_OK);
		assert_memory_equal(out, v->root[n], HASH_LEN);
		merkle_frontier_init(&fr);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(merkle_frontier_push(&fr, v->leaf[i],
			    NULL, NULL), LIEN_OK);
		merkle_frontier_root(&fr, out);
		assert_memory_equal(out, v->root[n], HASH_LEN);
	}
	free(v);
	leaves_synthetic();
}

static void
test_merkle_prove_inclusion_ct_vectors(void **state)
{
	struct ct_vectors *v = malloc(sizeof *v);
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	struct table_src ts;
	size_t n;

	(void)state;
	assert_non_null(v);
	ct_load(v);
	memcpy(leaf_hash, v->leaf, sizeof v->leaf);
	table_build(8);
	for (size_t i = 0; i < v->nincl; i++) {
		uint64_t idx = v->incl[i].a, size = v->incl[i].b;
		struct merkle_source src = table_source(&ts, size);

		assert_int_equal(merkle_prove_inclusion(&src, idx, size, proof,
		    &n), LIEN_OK);
		assert_int_equal(n, v->incl[i].n);
		assert_memory_equal(proof, v->incl[i].proof, n * HASH_LEN);
		assert_int_equal(merkle_verify_inclusion(v->leaf[idx], idx,
		    size, v->incl[i].proof, n, v->root[size]), LIEN_OK);
		/* transparency-dev's corruptions: wrong index, size, root. */
		if (idx > 0)
			assert_int_not_equal(merkle_verify_inclusion(
			    v->leaf[idx], idx - 1, size, v->incl[i].proof, n,
			    v->root[size]), LIEN_OK);
		assert_int_not_equal(merkle_verify_inclusion(v->leaf[idx],
		    idx + 1, size, v->incl[i].proof, n, v->root[size]),
		    LIEN_OK);
		assert_int_not_equal(merkle_verify_inclusion(v->leaf[idx],
		    idx ^ 2, size, v->incl[i].proof, n, v->root[size]),
		    LIEN_OK);
		assert_int_not_equal(merkle_verify_inclusion(v->leaf[idx],
		    idx, size * 2, v->incl[i].proof, n, v->root[size]),
		    LIEN_OK);
		assert_int_not_equal(merkle_verify_inclusion(v->leaf[idx],
		    idx, size / 2, v->incl[i].proof, n, v->root[size]),
		    LIEN_OK);
	}
	free(v);
	leaves_synthetic();
}

static void
test_merkle_prove_consistency_ct_vectors(void **state)
{
	struct ct_vectors *v = malloc(sizeof *v);
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	struct table_src ts;
	size_t n;

	(void)state;
	assert_non_null(v);
	ct_load(v);
	memcpy(leaf_hash, v->leaf, sizeof v->leaf);
	table_build(8);
	for (size_t i = 0; i < v->ncons; i++) {
		uint64_t m = v->cons[i].a, size = v->cons[i].b;
		struct merkle_source src = table_source(&ts, size);

		assert_int_equal(merkle_prove_consistency(&src, m, size, proof,
		    &n), LIEN_OK);
		assert_int_equal(n, v->cons[i].n);
		assert_memory_equal(proof, v->cons[i].proof, n * HASH_LEN);
		assert_int_equal(merkle_verify_consistency(m, size, v->root[m],
		    v->root[size], v->cons[i].proof, n), LIEN_OK);
		if (n == 0)
			continue;
		assert_int_not_equal(merkle_verify_consistency(m - 1, size,
		    v->root[m], v->root[size], v->cons[i].proof, n), LIEN_OK);
		assert_int_not_equal(merkle_verify_consistency(m + 1, size,
		    v->root[m], v->root[size], v->cons[i].proof, n), LIEN_OK);
		assert_int_not_equal(merkle_verify_consistency(m, size * 2,
		    v->root[m], v->root[size], v->cons[i].proof, n), LIEN_OK);
		assert_int_not_equal(merkle_verify_consistency(m, size,
		    v->root[size], v->root[m], v->cons[i].proof, n), LIEN_OK);
	}
	free(v);
	leaves_synthetic();
}

/* ---- negatives shared by the sweeps and the unit cases ----------------- */

/* Every mutation of a valid inclusion proof must fail. */
static void
inclusion_negatives(const uint8_t leaf[HASH_LEN], uint64_t idx, uint64_t n,
    uint8_t proof[][HASH_LEN], size_t np, const uint8_t root[HASH_LEN],
    int distinct_leaves)
{
	uint8_t bad[HASH_LEN], longer[MERKLE_PROOF_MAX + 1][HASH_LEN];

	/* wrong leaf */
	memcpy(bad, leaf, HASH_LEN);
	bad[HASH_LEN - 1] ^= 0x01;
	assert_int_equal(merkle_verify_inclusion(bad, idx, n, proof, np, root),
	    LIEN_EVERIFY);
	/* wrong root */
	memcpy(bad, root, HASH_LEN);
	bad[0] ^= 0x80;
	assert_int_equal(merkle_verify_inclusion(leaf, idx, n, proof, np, bad),
	    LIEN_EVERIFY);
	/* one element short */
	if (np > 0)
		assert_int_equal(merkle_verify_inclusion(leaf, idx, n, proof,
		    np - 1, root), LIEN_EVERIFY);
	/* one element long (the root appended, then a zero hash) */
	if (np < MERKLE_PROOF_MAX) {
		memcpy(longer, proof, np * HASH_LEN);
		memcpy(longer[np], root, HASH_LEN);
		assert_int_equal(merkle_verify_inclusion(leaf, idx, n,
		    (const uint8_t (*)[HASH_LEN])longer, np + 1, root),
		    LIEN_EVERIFY);
		memset(longer[np], 0, HASH_LEN);
		assert_int_equal(merkle_verify_inclusion(leaf, idx, n,
		    (const uint8_t (*)[HASH_LEN])longer, np + 1, root),
		    LIEN_EVERIFY);
	}
	/* a flipped bit in each element */
	for (size_t i = 0; i < np; i++) {
		proof[i][i % HASH_LEN] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(merkle_verify_inclusion(leaf, idx, n,
		    (const uint8_t (*)[HASH_LEN])proof, np, root),
		    LIEN_EVERIFY);
		proof[i][i % HASH_LEN] ^= (uint8_t)(1u << (i % 8));
	}
	/* index out of the tree */
	assert_int_equal(merkle_verify_inclusion(leaf, n, n,
	    (const uint8_t (*)[HASH_LEN])proof, np, root), LIEN_ERANGE);
	/* neighbouring index with the same proof (in a tree of equal leaves
	 * the neighbour's proof is the same, so skip it there) */
	if (n > 1 && distinct_leaves)
		assert_int_not_equal(merkle_verify_inclusion(leaf, idx ^ 1,
		    n, (const uint8_t (*)[HASH_LEN])proof, np, root), LIEN_OK);
}

static void
consistency_negatives(uint64_t m, uint64_t n, const uint8_t r1[HASH_LEN],
    const uint8_t r2[HASH_LEN], uint8_t proof[][HASH_LEN], size_t np)
{
	uint8_t bad[HASH_LEN], longer[MERKLE_PROOF_MAX + 1][HASH_LEN];
	const uint8_t (*cp)[HASH_LEN] = (const uint8_t (*)[HASH_LEN])proof;

	memcpy(bad, r1, HASH_LEN);
	bad[3] ^= 0x10;
	assert_int_equal(merkle_verify_consistency(m, n, bad, r2, cp, np),
	    LIEN_EVERIFY);
	memcpy(bad, r2, HASH_LEN);
	bad[31] ^= 0x01;
	assert_int_equal(merkle_verify_consistency(m, n, r1, bad, cp, np),
	    LIEN_EVERIFY);
	assert_int_equal(merkle_verify_consistency(m, n, r2, r1, cp, np),
	    LIEN_EVERIFY);
	assert_int_equal(merkle_verify_consistency(m, n, r1, r2, cp, 0),
	    LIEN_EVERIFY);
	if (np > 0)
		assert_int_equal(merkle_verify_consistency(m, n, r1, r2, cp,
		    np - 1), LIEN_EVERIFY);
	if (np < MERKLE_PROOF_MAX) {
		memcpy(longer, proof, np * HASH_LEN);
		memcpy(longer[np], r2, HASH_LEN);
		assert_int_equal(merkle_verify_consistency(m, n, r1, r2,
		    (const uint8_t (*)[HASH_LEN])longer, np + 1),
		    LIEN_EVERIFY);
		/* preceding garbage */
		memcpy(longer[0], r1, HASH_LEN);
		memcpy(longer[1], proof, np * HASH_LEN);
		assert_int_equal(merkle_verify_consistency(m, n, r1, r2,
		    (const uint8_t (*)[HASH_LEN])longer, np + 1),
		    LIEN_EVERIFY);
	}
	for (size_t i = 0; i < np; i++) {
		proof[i][(i * 7) % HASH_LEN] ^= 0x10;
		assert_int_equal(merkle_verify_consistency(m, n, r1, r2, cp,
		    np), LIEN_EVERIFY);
		proof[i][(i * 7) % HASH_LEN] ^= 0x10;
	}
	/* old > new */
	assert_int_equal(merkle_verify_consistency(n, m, r2, r1, cp, np),
	    LIEN_ERANGE);
}

/* ---- the all-pairs sweep against the naive reference ------------------- */

static void
test_merkle_root_naive_sweep(void **state)
{
	uint8_t got[HASH_LEN], want[HASH_LEN];
	struct table_src ts;

	(void)state;
	for (uint64_t n = 1; n <= NAIVE_MAX; n++) {
		struct merkle_source src = table_source(&ts, n);

		assert_int_equal(merkle_root(&src, n, got), LIEN_OK);
		naive_mth(0, (size_t)n, want);
		assert_memory_equal(got, want, HASH_LEN);
		/* one callback per complete subtree of the right edge */
		assert_int_equal(ts.calls, popcount64(n));
	}
}

static void
test_merkle_prove_inclusion_naive_sweep(void **state)
{
	uint8_t got[MERKLE_PROOF_MAX][HASH_LEN], want[MERKLE_PROOF_MAX][HASH_LEN];
	uint8_t root[HASH_LEN];
	struct table_src ts;
	size_t ng, nw;

	(void)state;
	for (uint64_t n = 1; n <= NAIVE_MAX; n++) {
		naive_mth(0, (size_t)n, root);
		for (uint64_t i = 0; i < n; i++) {
			struct merkle_source src = table_source(&ts, n);

			assert_int_equal(merkle_prove_inclusion(&src, i, n, got,
			    &ng), LIEN_OK);
			/* O(log n): one callback per level plus the ragged
			 * right-edge element's extra subtrees. */
			assert_true(ts.calls <= 2u * ceil_log2(n));
			nw = 0;
			naive_path((size_t)i, 0, (size_t)n, want, &nw);
			assert_int_equal(ng, nw);
			assert_memory_equal(got, want, ng * HASH_LEN);
			assert_int_equal(merkle_verify_inclusion(leaf_hash[i], i,
			    n, (const uint8_t (*)[HASH_LEN])got, ng, root),
			    LIEN_OK);
			inclusion_negatives(leaf_hash[i], i, n, got, ng, root, 1);
		}
	}
}

static void
test_merkle_prove_consistency_naive_sweep(void **state)
{
	uint8_t got[MERKLE_PROOF_MAX][HASH_LEN], want[MERKLE_PROOF_MAX][HASH_LEN];
	uint8_t r1[HASH_LEN], r2[HASH_LEN];
	struct table_src ts;
	size_t ng, nw;

	(void)state;
	for (uint64_t n = 1; n <= NAIVE_MAX; n++) {
		naive_mth(0, (size_t)n, r2);
		for (uint64_t m = 1; m <= n; m++) {
			struct merkle_source src = table_source(&ts, n);

			assert_int_equal(merkle_prove_consistency(&src, m, n, got,
			    &ng), LIEN_OK);
			assert_true(ts.calls <= 2u * ceil_log2(n) + 1u);
			nw = 0;
			if (m < n)
				naive_subproof((size_t)m, 0, (size_t)n, 1, want,
				    &nw);
			assert_int_equal(ng, nw);
			assert_memory_equal(got, want, ng * HASH_LEN);
			naive_mth(0, (size_t)m, r1);
			assert_int_equal(merkle_verify_consistency(m, n, r1, r2,
			    (const uint8_t (*)[HASH_LEN])got, ng), LIEN_OK);
			if (m < n)
				consistency_negatives(m, n, r1, r2, got, ng);
		}
	}
}

/* ---- unit cases ---------------------------------------------------------- */

static void
test_merkle_root_empty(void **state)
{
	uint8_t out[HASH_LEN], want[HASH_LEN];
	struct table_src ts;
	struct merkle_source src = table_source(&ts, 0);
	struct merkle_frontier f;

	(void)state;
	hash_sha256("", 0, want);
	assert_int_equal(merkle_root(&src, 0, out), LIEN_OK);
	assert_memory_equal(out, want, HASH_LEN);
	assert_int_equal(ts.calls, 0);
	merkle_frontier_init(&f);
	merkle_frontier_root(&f, out);
	assert_memory_equal(out, want, HASH_LEN);
}

static void
test_merkle_range_hash_invalid(void **state)
{
	uint8_t out[HASH_LEN];
	struct table_src ts;
	struct merkle_source src = table_source(&ts, 300);

	(void)state;
	assert_int_equal(merkle_range_hash(&src, 5, 5, out), LIEN_EINVAL);
	assert_int_equal(merkle_range_hash(&src, 6, 5, out), LIEN_EINVAL);
	/* [1,5) is not an RFC 6962 subtree: 4 leaves must start at 0 mod 4 */
	assert_int_equal(merkle_range_hash(&src, 1, 5, out), LIEN_EINVAL);
	assert_int_equal(merkle_range_hash(&src, 4, 7, out), LIEN_OK);
	assert_int_equal(merkle_range_hash(&src, 2, 5, out), LIEN_EINVAL);
	assert_int_equal(merkle_range_hash(&src, 1, UINT64_MAX, out),
	    LIEN_EINVAL);
	assert_int_equal(merkle_range_hash(NULL, 0, 1, out), LIEN_EINVAL);
	/* only the valid [4,7) reached the source: 2 + 1 leaves */
	assert_int_equal(ts.calls, 2);
}

static void
test_merkle_prove_inclusion_range(void **state)
{
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	struct table_src ts;
	struct merkle_source src = table_source(&ts, 10);
	size_t n = 99;

	(void)state;
	assert_int_equal(merkle_prove_inclusion(&src, 10, 10, proof, &n),
	    LIEN_ERANGE);
	assert_int_equal(n, 0);
	assert_int_equal(merkle_prove_inclusion(&src, 0, 0, proof, &n),
	    LIEN_ERANGE);
	assert_int_equal(merkle_prove_inclusion(&src, UINT64_MAX, 10, proof,
	    &n), LIEN_ERANGE);
	assert_int_equal(merkle_prove_consistency(&src, 11, 10, proof, &n),
	    LIEN_ERANGE);
	assert_int_equal(merkle_prove_consistency(&src, 0, 10, proof, &n),
	    LIEN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(merkle_prove_consistency(&src, 10, 10, proof, &n),
	    LIEN_OK);
	assert_int_equal(n, 0);
	assert_int_equal(ts.calls, 0);
}

/* Store errors pass through unchanged, with an empty, wiped proof, at
 * whichever callback they happen. */
static void
test_merkle_prove_source_error(void **state)
{
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], zero[HASH_LEN] = { 0 };
	uint8_t root[HASH_LEN];
	struct table_src ts;
	struct merkle_source src;
	unsigned long calls;
	size_t n;

	(void)state;
	src = table_source(&ts, 300);
	assert_int_equal(merkle_prove_inclusion(&src, 77, 300, proof, &n),
	    LIEN_OK);
	calls = ts.calls;
	for (unsigned long k = 1; k <= calls; k++) {
		src = table_source(&ts, 300);
		ts.fail_at = k;
		memset(proof, 0xaa, sizeof proof);
		assert_int_equal(merkle_prove_inclusion(&src, 77, 300, proof,
		    &n), LIEN_EIO);
		assert_int_equal(n, 0);
		assert_memory_equal(proof[0], zero, HASH_LEN);
	}

	src = table_source(&ts, 300);
	assert_int_equal(merkle_prove_consistency(&src, 77, 300, proof, &n),
	    LIEN_OK);
	calls = ts.calls;
	for (unsigned long k = 1; k <= calls; k++) {
		src = table_source(&ts, 300);
		ts.fail_at = k;
		memset(proof, 0xaa, sizeof proof);
		assert_int_equal(merkle_prove_consistency(&src, 77, 300, proof,
		    &n), LIEN_EIO);
		assert_int_equal(n, 0);
		assert_memory_equal(proof[0], zero, HASH_LEN);
	}

	for (unsigned long k = 1; k <= popcount64(300); k++) {
		src = table_source(&ts, 300);
		ts.fail_at = k;
		assert_int_equal(merkle_root(&src, 300, root), LIEN_EIO);
	}
}

static void
test_merkle_verify_inclusion_trivial(void **state)
{
	uint8_t root[HASH_LEN], other[HASH_LEN];
	uint8_t proof[1][HASH_LEN];

	(void)state;
	memcpy(root, leaf_hash[0], HASH_LEN);
	memcpy(other, leaf_hash[1], HASH_LEN);
	memcpy(proof[0], other, HASH_LEN);
	/* size 1: the leaf is the root, proof is empty */
	assert_int_equal(merkle_verify_inclusion(root, 0, 1, NULL, 0, root),
	    LIEN_OK);
	assert_int_equal(merkle_verify_inclusion(other, 0, 1, NULL, 0, root),
	    LIEN_EVERIFY);
	assert_int_equal(merkle_verify_inclusion(root, 0, 1,
	    (const uint8_t (*)[HASH_LEN])proof, 1, root), LIEN_EVERIFY);
	/* size 0 holds nothing */
	assert_int_equal(merkle_verify_inclusion(root, 0, 0, NULL, 0, root),
	    LIEN_ERANGE);
	assert_int_equal(merkle_verify_inclusion(root, 2, 1, NULL, 0, root),
	    LIEN_ERANGE);
	/* oversize proof count */
	assert_int_equal(merkle_verify_inclusion(root, 0, 1,
	    (const uint8_t (*)[HASH_LEN])proof, MERKLE_PROOF_MAX + 1, root),
	    LIEN_ERANGE);
}

static void
test_merkle_verify_consistency_trivial(void **state)
{
	uint8_t a[HASH_LEN], b[HASH_LEN], empty[HASH_LEN];
	uint8_t proof[1][HASH_LEN];
	const uint8_t (*cp)[HASH_LEN] = (const uint8_t (*)[HASH_LEN])proof;

	(void)state;
	memcpy(a, leaf_hash[0], HASH_LEN);
	memcpy(b, leaf_hash[1], HASH_LEN);
	hash_sha256("", 0, empty);
	memcpy(proof[0], empty, HASH_LEN);
	/* m == n: equal roots and an empty proof, nothing else */
	assert_int_equal(merkle_verify_consistency(0, 0, a, a, NULL, 0),
	    LIEN_OK);
	assert_int_equal(merkle_verify_consistency(1, 1, a, b, NULL, 0),
	    LIEN_EVERIFY);
	assert_int_equal(merkle_verify_consistency(0, 0, a, b, NULL, 0),
	    LIEN_EVERIFY);
	assert_int_equal(merkle_verify_consistency(5, 5, a, a, cp, 1),
	    LIEN_EVERIFY);
	assert_int_equal(merkle_verify_consistency(0, 0, empty, empty, cp, 1),
	    LIEN_EVERIFY);
	/* m == 0: the empty tree is a prefix of everything */
	assert_int_equal(merkle_verify_consistency(0, 1, a, b, NULL, 0),
	    LIEN_OK);
	assert_int_equal(merkle_verify_consistency(0, 1, empty, b, cp, 1),
	    LIEN_EVERIFY);
	/* m < n needs a proof */
	assert_int_equal(merkle_verify_consistency(1, 2, a, b, NULL, 0),
	    LIEN_EVERIFY);
	/* time travel and oversize */
	assert_int_equal(merkle_verify_consistency(1, 0, a, b, NULL, 0),
	    LIEN_ERANGE);
	assert_int_equal(merkle_verify_consistency(2, 1, a, b, NULL, 0),
	    LIEN_ERANGE);
	assert_int_equal(merkle_verify_consistency(1, 2, a, b, cp,
	    MERKLE_PROOF_MAX + 1), LIEN_ERANGE);
}

/* ---- 64-bit sizes: a tree whose leaves are all the same ---------------- */

struct uniform_src {
	uint8_t level[64][HASH_LEN];	/* MTH of 2^l equal leaves */
	uint64_t size;
	unsigned long calls;
};

static enum lien_status LIEN_MUST_CHECK
uniform_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	struct uniform_src *u = ctx;

	u->calls++;
	/* complete and inside the tree: (index + 1) * 2^level <= size */
	if (level >= 64 || index >= (u->size >> level))
		return LIEN_ENOTFOUND;
	memcpy(out, u->level[level], HASH_LEN);
	return LIEN_OK;
}

static void
test_merkle_prove_large_sizes(void **state)
{
	static const uint64_t sizes[] = {
		(uint64_t)1 << 32, ((uint64_t)1 << 40) - 1,
		((uint64_t)1 << 40) + 1, ((uint64_t)1 << 63) - 1,
		(uint64_t)1 << 63, ((uint64_t)1 << 63) + 5,
		UINT64_MAX - 1, UINT64_MAX,
	};
	static struct uniform_src u;
	struct merkle_source src = { uniform_node, &u };
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	uint8_t r1[HASH_LEN], r2[HASH_LEN];
	size_t np;

	(void)state;
	memcpy(u.level[0], leaf_hash[0], HASH_LEN);
	for (unsigned l = 1; l < 64; l++)
		hash_node(u.level[l - 1], u.level[l - 1], u.level[l]);

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint64_t n = sizes[s];
		uint64_t idx[] = { 0, 1, n / 2, n / 3, n - 2, n - 1 };
		uint64_t old[] = { 1, 2, 4, n / 2, n - 1, 1000 };

		u.size = n;
		assert_int_equal(merkle_root(&src, n, r2), LIEN_OK);
		for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
			u.calls = 0;
			assert_int_equal(merkle_prove_inclusion(&src, idx[i], n,
			    proof, &np), LIEN_OK);
			assert_true(np <= ceil_log2(n));
			assert_true(u.calls <= 2u * ceil_log2(n));
			assert_int_equal(merkle_verify_inclusion(leaf_hash[0],
			    idx[i], n, (const uint8_t (*)[HASH_LEN])proof, np,
			    r2), LIEN_OK);
			inclusion_negatives(leaf_hash[0], idx[i], n, proof, np,
			    r2, 0);
		}
		for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
			enum lien_status st;

			u.size = n;
			u.calls = 0;
			st = merkle_prove_consistency(&src, old[i], n, proof,
			    &np);
			if (st == LIEN_ERANGE) {
				/* Only trees above 2^63 leaves can need 65
				 * elements (merkle.c documents it). */
				assert_true(n > ((uint64_t)1 << 63));
				assert_int_equal(np, 0);
				continue;
			}
			assert_int_equal(st, LIEN_OK);
			assert_true(u.calls <= 2u * ceil_log2(n) + 1u);
			u.size = old[i];
			assert_int_equal(merkle_root(&src, old[i], r1), LIEN_OK);
			u.size = n;
			assert_int_equal(merkle_verify_consistency(old[i], n, r1,
			    r2, (const uint8_t (*)[HASH_LEN])proof, np),
			    LIEN_OK);
			consistency_negatives(old[i], n, r1, r2, proof, np);
		}
	}
	/* The 65-element case exists: m = 3 in the largest tree. */
	u.size = UINT64_MAX;
	assert_int_equal(merkle_prove_consistency(&src, 3, UINT64_MAX, proof,
	    &np), LIEN_ERANGE);
}

/* ---- frontier ------------------------------------------------------------ */

struct emit_log {
	uint64_t size_before;
	unsigned count;
	int last_level;
	unsigned fail_level;	/* emit at this level fails; ~0u never */
};

static enum lien_status LIEN_MUST_CHECK
emit_check(void *ctx, unsigned level, uint64_t index,
    const uint8_t hash[HASH_LEN])
{
	struct emit_log *e = ctx;

	if (level == e->fail_level)
		return LIEN_EIO;
	/* lowest level first, one per completed subtree, each the subtree
	 * that contains the new leaf */
	assert_int_equal((int)level, e->last_level + 1);
	e->last_level = (int)level;
	assert_int_equal(index, e->size_before >> level);
	assert_true(level < TABLE_LEVELS);
	assert_memory_equal(hash, table[level][index], HASH_LEN);
	e->count++;
	return LIEN_OK;
}

/* Root by the plain recursive definition, without the memo (sizes > 300). */
static void
plain_mth(size_t a, size_t b, uint8_t out[HASH_LEN])
{
	uint8_t l[HASH_LEN], r[HASH_LEN];
	size_t k;

	if (b - a == 1) {
		memcpy(out, leaf_hash[a], HASH_LEN);
		return;
	}
	k = (size_t)naive_k(b - a);
	plain_mth(a, a + k, l);
	plain_mth(a + k, b, r);
	hash_node(l, r, out);
}

static void
test_merkle_frontier_push_sweep(void **state)
{
	static struct merkle_frontier f;
	uint8_t got[HASH_LEN], want[HASH_LEN];
	struct table_src ts;

	(void)state;
	merkle_frontier_init(&f);
	for (uint64_t i = 0; i < FRONTIER_MAX; i++) {
		struct emit_log e = { i, 0, -1, ~0u };
		struct merkle_source src;
		unsigned carries = 0;

		while ((i >> carries & 1) != 0)
			carries++;
		assert_int_equal(merkle_frontier_push(&f, leaf_hash[i],
		    emit_check, &e), LIEN_OK);
		assert_int_equal(e.count, 1 + carries);
		assert_int_equal(f.size, i + 1);
		merkle_frontier_root(&f, got);
		plain_mth(0, (size_t)(i + 1), want);
		assert_memory_equal(got, want, HASH_LEN);
		src = table_source(&ts, i + 1);
		assert_int_equal(merkle_root(&src, i + 1, want), LIEN_OK);
		assert_memory_equal(got, want, HASH_LEN);
	}
}

static void
test_merkle_frontier_push_emit_fails(void **state)
{
	static struct merkle_frontier f, before;
	uint8_t got[HASH_LEN], want[HASH_LEN];

	(void)state;
	merkle_frontier_init(&f);
	for (uint64_t i = 0; i < 64; i++) {
		unsigned carries = 0;

		while ((i >> carries & 1) != 0)
			carries++;
		/* fail at every level this push would emit, then succeed */
		for (unsigned fl = 0; fl <= carries; fl++) {
			struct emit_log e = { i, 0, -1, fl };

			memcpy(&before, &f, sizeof f);
			assert_int_equal(merkle_frontier_push(&f, leaf_hash[i],
			    emit_check, &e), LIEN_EIO);
			assert_memory_equal(&f, &before, sizeof f);
		}
		assert_int_equal(merkle_frontier_push(&f, leaf_hash[i], NULL,
		    NULL), LIEN_OK);
	}
	merkle_frontier_root(&f, got);
	plain_mth(0, 64, want);
	assert_memory_equal(got, want, HASH_LEN);
}

static void
test_merkle_frontier_push_full(void **state)
{
	static struct merkle_frontier f, before;

	(void)state;
	merkle_frontier_init(&f);
	f.size = UINT64_MAX;
	memcpy(&before, &f, sizeof f);
	assert_int_equal(merkle_frontier_push(&f, leaf_hash[0], NULL, NULL),
	    LIEN_ERANGE);
	assert_memory_equal(&f, &before, sizeof f);
	/* the longest carry: 63 levels, into hash[63] */
	merkle_frontier_init(&f);
	f.size = ((uint64_t)1 << 63) - 1;
	assert_int_equal(merkle_frontier_push(&f, leaf_hash[0], NULL, NULL),
	    LIEN_OK);
	assert_int_equal(f.size, (uint64_t)1 << 63);
	/* the last pushable leaf */
	f.size = UINT64_MAX - 1;
	assert_int_equal(merkle_frontier_push(&f, leaf_hash[0], NULL, NULL),
	    LIEN_OK);
	assert_int_equal(f.size, UINT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merkle_root_ct_vectors),
		cmocka_unit_test(test_merkle_prove_inclusion_ct_vectors),
		cmocka_unit_test(test_merkle_prove_consistency_ct_vectors),
		cmocka_unit_test(test_merkle_root_naive_sweep),
		cmocka_unit_test(test_merkle_prove_inclusion_naive_sweep),
		cmocka_unit_test(test_merkle_prove_consistency_naive_sweep),
		cmocka_unit_test(test_merkle_root_empty),
		cmocka_unit_test(test_merkle_range_hash_invalid),
		cmocka_unit_test(test_merkle_prove_inclusion_range),
		cmocka_unit_test(test_merkle_prove_source_error),
		cmocka_unit_test(test_merkle_verify_inclusion_trivial),
		cmocka_unit_test(test_merkle_verify_consistency_trivial),
		cmocka_unit_test(test_merkle_prove_large_sizes),
		cmocka_unit_test(test_merkle_frontier_push_sweep),
		cmocka_unit_test(test_merkle_frontier_push_emit_fails),
		cmocka_unit_test(test_merkle_frontier_push_full),
	};

	return cmocka_run_group_tests(tests, setup_naive, teardown_all);
}
