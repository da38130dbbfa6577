/*
 * Tests for tlog/map.c, the lien-status map.
 *
 * Oracles:
 *  1. A naive reference written from the definition in docs/lien-status.md
 *     (EMPTY / LEAF / NODE over a sorted key set, recursing on every bit
 *     prefix), independent of the store and of the update algorithm.
 *  2. An in-memory node store (open addressing on (depth, prefix)) that
 *     counts its non-empty nodes: after every batch the store must hold
 *     exactly the canonical tree's nodes, nothing left behind.
 *  3. Hand-made keys that share long prefixes (down to depth 256), where
 *     hashed keys would never go.
 * Every proof is encoded, decoded, re-encoded and verified; every
 * corruption (bit flips in each byte, swapped / missing / extra siblings,
 * truncation, trailing bytes, wrong key, wrong root, oversize) must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/hex.h"
#include "tlog/map.h"

/* ---- in-memory store ----------------------------------------------------- */

#define MEM_SLOTS (1u << 16)

struct mem_slot {
	int used;		/* 0 free, 1 live */
	unsigned depth;
	uint8_t prefix[MAP_KEY_LEN];
	struct map_node n;
};

struct mem {
	struct mem_slot *s;
	size_t live;
	unsigned gets, puts;
	unsigned fail_at;	/* fail the Nth call (1-based) of get or put */
	unsigned calls;
	/* 1: the store has a peek that answers MAP_HASH for every non-empty
	 * node (the hash alone, as ledger/map_store.c answers a sibling tile
	 * from its parent); peeks counts its calls */
	int peek;
	unsigned peeks;
};

static void
mask(const uint8_t key[MAP_KEY_LEN], unsigned depth, uint8_t out[MAP_KEY_LEN])
{
	memset(out, 0, MAP_KEY_LEN);
	memcpy(out, key, depth / 8);
	if (depth % 8)
		out[depth / 8] = (uint8_t)(key[depth / 8] & (0xff00u >> (depth % 8)));
}

static size_t
mem_find(struct mem *m, unsigned depth, const uint8_t pre[MAP_KEY_LEN])
{
	uint32_t h = depth * 2654435761u;

	for (unsigned i = 0; i < MAP_KEY_LEN; i++)
		h = (h ^ pre[i]) * 16777619u;
	for (size_t i = h & (MEM_SLOTS - 1);; i = (i + 1) & (MEM_SLOTS - 1)) {
		struct mem_slot *s = &m->s[i];

		if (s->used == 0 || (s->depth == depth &&
		    memcmp(s->prefix, pre, MAP_KEY_LEN) == 0))
			return i;
	}
}

static enum lien_status LIEN_MUST_CHECK
mem_get(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	struct mem *m = ctx;
	uint8_t pre[MAP_KEY_LEN];
	size_t i;

	if (m->fail_at && ++m->calls == m->fail_at)
		return LIEN_EIO;
	m->gets++;
	assert_true(depth <= MAP_DEPTH_MAX);
	mask(key, depth, pre);
	i = mem_find(m, depth, pre);
	if (m->s[i].used == 1 && m->s[i].n.kind != MAP_EMPTY) {
		*out = m->s[i].n;
		return LIEN_OK;
	}
	/* Leave the hash unset on purpose: callers must not rely on it. */
	memset(out, 0xa5, sizeof *out);
	out->kind = MAP_EMPTY;
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
mem_peek(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	struct mem *m = ctx;
	uint8_t h[HASH_LEN];
	enum lien_status st = mem_get(ctx, depth, key, out);

	if (st != LIEN_OK || out->kind == MAP_EMPTY)
		return st;
	m->peeks++;
	/* the hash alone: kind, key and value poisoned */
	memcpy(h, out->hash, HASH_LEN);
	memset(out, 0x5a, sizeof *out);
	out->kind = MAP_HASH;
	memcpy(out->hash, h, HASH_LEN);
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
mem_put(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    const struct map_node *n)
{
	struct mem *m = ctx;
	uint8_t pre[MAP_KEY_LEN];
	size_t i;

	if (m->fail_at && ++m->calls == m->fail_at)
		return LIEN_EIO;
	m->puts++;
	assert_true(depth <= MAP_DEPTH_MAX);
	mask(key, depth, pre);
	i = mem_find(m, depth, pre);
	if (m->s[i].used == 1 && m->s[i].n.kind != MAP_EMPTY)
		m->live--;
	if (m->s[i].used == 0) {
		m->s[i].used = 1;
		m->s[i].depth = depth;
		memcpy(m->s[i].prefix, pre, MAP_KEY_LEN);
	}
	m->s[i].n = *n;
	if (n->kind != MAP_EMPTY) {
		/* A leaf must sit on its own key's path. */
		if (n->kind == MAP_LEAF) {
			uint8_t kp[MAP_KEY_LEN];

			mask(n->key, depth, kp);
			assert_memory_equal(kp, pre, MAP_KEY_LEN);
		}
		m->live++;
	}
	return LIEN_OK;
}

static struct mem *
mem_new(void)
{
	struct mem *m = calloc(1, sizeof *m);

	assert_non_null(m);
	m->s = calloc(MEM_SLOTS, sizeof *m->s);
	assert_non_null(m->s);
	return m;
}

static void
mem_free(struct mem *m)
{
	if (m) {
		free(m->s);
		free(m);
	}
}

static struct map_store
mem_store(struct mem *m)
{
	struct map_store s = { mem_get, mem_put, m,
	    m->peek ? mem_peek : NULL };

	return s;
}

/* ---- the reference: a sorted key set ------------------------------------- */

#define SET_MAX 4096u

struct kv {
	uint8_t key[MAP_KEY_LEN];
	uint8_t value[MAP_VALUE_LEN];
};

struct set {
	struct kv e[SET_MAX];
	size_t n;
};

static int
kv_cmp(const void *a, const void *b)
{
	return memcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key,
	    MAP_KEY_LEN);
}

static void
set_apply(struct set *s, const struct map_update *u)
{
	for (size_t i = 0; i < s->n; i++) {
		if (memcmp(s->e[i].key, u->key, MAP_KEY_LEN) != 0)
			continue;
		if (u->del)
			s->e[i] = s->e[--s->n];
		else
			memcpy(s->e[i].value, u->value, MAP_VALUE_LEN);
		qsort(s->e, s->n, sizeof s->e[0], kv_cmp);
		return;
	}
	if (u->del)
		return;
	assert_true(s->n < SET_MAX);
	memcpy(s->e[s->n].key, u->key, MAP_KEY_LEN);
	memcpy(s->e[s->n].value, u->value, MAP_VALUE_LEN);
	s->n++;
	qsort(s->e, s->n, sizeof s->e[0], kv_cmp);
}

/* Hash of prefix (depth d) over the sorted slice e[0..n) whose keys all
 * share the prefix; *nodes counts the non-empty nodes (the store's size). */
static void
naive_hash(const struct kv *e, size_t n, unsigned d, uint8_t out[HASH_LEN],
    size_t *nodes)
{
	uint8_t l[HASH_LEN], r[HASH_LEN];
	size_t m = 0;

	if (n == 0) {
		map_hash_empty(out);
		return;
	}
	(*nodes)++;
	if (n == 1) {
		map_hash_leaf(e[0].key, e[0].value, out);
		return;
	}
	assert_true(d < MAP_DEPTH_MAX);
	while (m < n && !map_key_bit(e[m].key, d))
		m++;
	naive_hash(e, m, d + 1, l, nodes);
	naive_hash(e + m, n - m, d + 1, r, nodes);
	map_hash_node(l, r, out);
}

static void
naive_root(const struct set *s, uint8_t out[HASH_LEN], size_t *nodes)
{
	*nodes = 0;
	naive_hash(s->e, s->n, 0, out, nodes);
}

/* ---- helpers -------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
rand_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

/* Keys from a small pool that share long prefixes: the first `share`
 * bits from a fixed pattern, the rest random. */
static void
key_clustered(uint8_t key[MAP_KEY_LEN], unsigned share)
{
	rand_bytes(key, MAP_KEY_LEN);
	for (unsigned i = 0; i < share; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i & 7));

		if ((i * 7u + 3u) % 5u < 2u)
			key[i / 8] |= m;
		else
			key[i / 8] &= (uint8_t)~m;
	}
}

static void
apply_batch(struct mem *m, struct set *ref, struct map_update *u, size_t n,
    uint64_t *count)
{
	struct map_update *tmp = calloc(n ? n : 1, sizeof *tmp);
	struct map_store s = mem_store(m);
	uint8_t root[HASH_LEN], want[HASH_LEN], got[HASH_LEN];
	size_t k, nodes;

	assert_non_null(tmp);
	for (size_t i = 0; i < n; i++)
		set_apply(ref, &u[i]);
	map_updates_sort(u, tmp, n, &k);
	assert_int_equal(map_update(&s, u, k, root, count), LIEN_OK);
	naive_root(ref, want, &nodes);
	assert_memory_equal(root, want, HASH_LEN);
	assert_int_equal(map_root(&s, got), LIEN_OK);
	assert_memory_equal(got, want, HASH_LEN);
	assert_int_equal(m->live, nodes);
	assert_int_equal(*count, ref->n);
	free(tmp);
}

/* Prove key, round-trip the encoding, verify; returns presence. */
static int
prove_check(struct mem *m, const struct set *ref, const uint8_t key[MAP_KEY_LEN])
{
	struct map_store s = mem_store(m);
	struct map_proof *p = malloc(sizeof *p), *q = malloc(sizeof *q);
	uint8_t root[HASH_LEN], *enc = malloc(MAP_PROOF_MAX), *enc2 =
	    malloc(MAP_PROOF_MAX);
	size_t len, len2, nodes;
	int present = -1, want = 0;

	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(enc);
	assert_non_null(enc2);
	naive_root(ref, root, &nodes);
	for (size_t i = 0; i < ref->n; i++)
		if (memcmp(ref->e[i].key, key, MAP_KEY_LEN) == 0) {
			want = 1;
			break;
		}
	assert_int_equal(map_prove(&s, key, p), LIEN_OK);
	assert_int_equal(map_proof_encode(p, enc, MAP_PROOF_MAX, &len), LIEN_OK);
	assert_int_equal(map_proof_decode(enc, len, q), LIEN_OK);
	assert_int_equal(map_proof_encode(q, enc2, MAP_PROOF_MAX, &len2),
	    LIEN_OK);
	assert_int_equal(len, len2);
	assert_memory_equal(enc, enc2, len);
	assert_int_equal(map_proof_verify(q, root, key, &present), LIEN_OK);
	assert_int_equal(present, want);
	if (want)
		for (size_t i = 0; i < ref->n; i++)
			if (memcmp(ref->e[i].key, key, MAP_KEY_LEN) == 0)
				assert_memory_equal(q->value, ref->e[i].value,
				    MAP_VALUE_LEN);
	free(p);
	free(q);
	free(enc);
	free(enc2);
	return present;
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_map_hash_known(void **state)
{
	/* SHA-256 of the single byte 0x10 (python3 -c "import hashlib;
	 * print(hashlib.sha256(bytes([0x10])).hexdigest())"). */
	static const char want_empty[] =
	    "c555eab45d08845ae9f10d452a99bfcb06f74a50b988fe7e48dd323789b88ee3";
	uint8_t h[HASH_LEN];
	char hex[2 * HASH_LEN + 1];
	static const uint8_t tag = MAP_TAG_EMPTY;
	uint8_t h2[HASH_LEN];

	(void)state;
	map_hash_empty(h);
	for (unsigned i = 0; i < HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	assert_string_equal(hex, want_empty);
	/* map.c writes the constant out: it must be the hash of the tag. */
	hash_sha256(&tag, 1, h2);
	assert_memory_equal(h, h2, HASH_LEN);
}

static void
test_map_update_empty_and_one(void **state)
{
	struct mem *m = mem_new();
	struct map_store s = mem_store(m);
	struct map_update u;
	uint8_t root[HASH_LEN], want[HASH_LEN];
	uint64_t count = 0;

	(void)state;
	assert_int_equal(map_root(&s, root), LIEN_OK);
	map_hash_empty(want);
	assert_memory_equal(root, want, HASH_LEN);
	/* An empty batch changes nothing and writes nothing. */
	assert_int_equal(map_update(&s, NULL, 0, root, &count), LIEN_OK);
	assert_memory_equal(root, want, HASH_LEN);
	assert_int_equal(m->puts, 0);
	/* One key: the root is its leaf. */
	memset(&u, 0, sizeof u);
	rand_bytes(u.key, MAP_KEY_LEN);
	rand_bytes(u.value, MAP_VALUE_LEN);
	assert_int_equal(map_update(&s, &u, 1, root, &count), LIEN_OK);
	map_hash_leaf(u.key, u.value, want);
	assert_memory_equal(root, want, HASH_LEN);
	assert_int_equal(count, 1);
	assert_int_equal(m->live, 1);
	/* The same value again writes nothing. */
	m->puts = 0;
	assert_int_equal(map_update(&s, &u, 1, root, &count), LIEN_OK);
	assert_int_equal(m->puts, 0);
	/* Deleting an absent key changes nothing. */
	u.key[0] ^= 0x80;
	u.del = 1;
	assert_int_equal(map_update(&s, &u, 1, root, &count), LIEN_OK);
	assert_memory_equal(root, want, HASH_LEN);
	assert_int_equal(m->puts, 0);
	assert_int_equal(count, 1);
	/* Deleting the key empties the map and the store. */
	u.key[0] ^= 0x80;
	assert_int_equal(map_update(&s, &u, 1, root, &count), LIEN_OK);
	map_hash_empty(want);
	assert_memory_equal(root, want, HASH_LEN);
	assert_int_equal(count, 0);
	assert_int_equal(m->live, 0);
	mem_free(m);
}

static void
test_map_update_unsorted_refused(void **state)
{
	struct mem *m = mem_new();
	struct map_store s = mem_store(m);
	struct map_update u[2];

	(void)state;
	memset(u, 0, sizeof u);
	u[0].key[0] = 2;
	u[1].key[0] = 1;
	assert_int_equal(map_update(&s, u, 2, NULL, NULL), LIEN_EINVAL);
	u[1].key[0] = 2;	/* duplicate */
	assert_int_equal(map_update(&s, u, 2, NULL, NULL), LIEN_EINVAL);
	assert_int_equal(m->puts, 0);
	mem_free(m);
}

static void
test_map_updates_sort_last_wins(void **state)
{
	struct map_update u[6], tmp[6];
	size_t n;

	(void)state;
	memset(u, 0, sizeof u);
	u[0].key[0] = 5, u[0].value[0] = 1;
	u[1].key[0] = 3, u[1].value[0] = 2;
	u[2].key[0] = 5, u[2].value[0] = 3;
	u[3].key[0] = 1, u[3].value[0] = 4;
	u[4].key[0] = 5, u[4].del = 1, u[4].value[0] = 5;
	u[5].key[0] = 3, u[5].value[0] = 6;
	map_updates_sort(u, tmp, 6, &n);
	assert_int_equal(n, 3);
	assert_int_equal(u[0].key[0], 1);
	assert_int_equal(u[0].value[0], 4);
	assert_int_equal(u[1].key[0], 3);
	assert_int_equal(u[1].value[0], 6);
	assert_int_equal(u[2].key[0], 5);
	assert_int_equal(u[2].del, 1);
	map_updates_sort(u, tmp, 0, &n);
	assert_int_equal(n, 0);
}

/* Random batches against the reference: inserts, value changes, deletes,
 * keys repeated inside a batch, random and clustered keys. */
static void
random_batches(int peek)
{
	static struct set ref;
	struct mem *m = mem_new();
	struct map_update *u = calloc(512, sizeof *u);
	uint64_t count = 0;

	assert_non_null(u);
	m->peek = peek;
	ref.n = 0;
	for (unsigned round = 0; round < 60; round++) {
		size_t n = (size_t)(rng() % (round < 10 ? 4 : 200)) + 1;

		for (size_t i = 0; i < n; i++) {
			uint64_t r = rng() % 10;

			memset(&u[i], 0, sizeof u[i]);
			if (ref.n > 0 && r < 4) {
				/* touch an existing key */
				const struct kv *e = &ref.e[rng() % ref.n];

				memcpy(u[i].key, e->key, MAP_KEY_LEN);
				u[i].del = r == 0;
			} else if (r < 6) {
				key_clustered(u[i].key, (unsigned)(rng() % 40));
			} else {
				rand_bytes(u[i].key, MAP_KEY_LEN);
			}
			rand_bytes(u[i].value, MAP_VALUE_LEN);
			if (i > 0 && r == 9)	/* same key twice in a batch */
				memcpy(u[i].key, u[i - 1].key, MAP_KEY_LEN);
		}
		apply_batch(m, &ref, u, n, &count);
	}
	assert_true(ref.n > 1000);
	/* Delete everything, in batches. */
	while (ref.n > 0) {
		size_t n = ref.n < 300 ? ref.n : 300;

		for (size_t i = 0; i < n; i++) {
			memset(&u[i], 0, sizeof u[i]);
			memcpy(u[i].key, ref.e[(i * 7) % ref.n].key, MAP_KEY_LEN);
			u[i].del = 1;
		}
		apply_batch(m, &ref, u, n, &count);
	}
	assert_int_equal(m->live, 0);
	/* the peeked siblings were used (hashes only) */
	assert_true(!peek || m->peeks > 1000);
	free(u);
	mem_free(m);
}

static void
test_map_update_random_batches(void **state)
{
	(void)state;
	random_batches(0);
}

/* The same with a store whose peek answers MAP_HASH (the sibling's
 * hash alone): every root equals the reference's, through inserts,
 * leaves moving down, and deletes that move a peeked leaf up. */
static void
test_map_update_random_batches_peek(void **state)
{
	(void)state;
	random_batches(1);
}

/* A part's store (map_update_part): every node it reads or writes must
 * lie below depth MAP_SPLIT_DEPTH under its own 4-bit prefix, which is
 * what lets parts run at once. */
struct guard {
	struct mem *m;
	unsigned part;
};

static void
guard_at(const struct guard *g, unsigned depth, const uint8_t *key)
{
	assert_true(depth > MAP_SPLIT_DEPTH);
	assert_int_equal((unsigned)key[0] >> 4, g->part);
}

static enum lien_status LIEN_MUST_CHECK
guard_get(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	const struct guard *g = ctx;

	guard_at(g, depth, key);
	return mem_get(g->m, depth, key, out);
}

static enum lien_status LIEN_MUST_CHECK
guard_peek(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    struct map_node *out)
{
	const struct guard *g = ctx;

	guard_at(g, depth, key);
	return mem_peek(g->m, depth, key, out);
}

static enum lien_status LIEN_MUST_CHECK
guard_put(void *ctx, unsigned depth, const uint8_t key[MAP_KEY_LEN],
    const struct map_node *n)
{
	const struct guard *g = ctx;

	guard_at(g, depth, key);
	return mem_put(g->m, depth, key, n);
}

/* Every non-empty node of a is in b, the same; and as many. */
static void
mem_equal(const struct mem *a, struct mem *b)
{
	assert_int_equal(a->live, b->live);
	for (size_t i = 0; i < MEM_SLOTS; i++) {
		const struct mem_slot *x = &a->s[i];
		struct map_node y;

		if (!x->used || x->n.kind == MAP_EMPTY)
			continue;
		assert_int_equal(mem_get(b, x->depth,
		    x->prefix, &y), LIEN_OK);
		assert_int_equal(y.kind, x->n.kind);
		assert_memory_equal(y.hash, x->n.hash, HASH_LEN);
		if (y.kind == MAP_LEAF) {
			assert_memory_equal(y.key, x->n.key, MAP_KEY_LEN);
			assert_memory_equal(y.value, x->n.value,
			    MAP_VALUE_LEN);
		}
	}
}

/* One batch on b in parts (map_update_split, the parts in reverse order,
 * each through a guard, map_update_join) or, when the split says no,
 * with map_update: 1 if in parts. */
static int
update_in_parts(struct mem *b, const struct map_update *u, size_t n,
    uint8_t root[HASH_LEN], uint64_t *count)
{
	struct map_store s = mem_store(b);
	struct map_split *sp = malloc(sizeof *sp);
	int ok = -1;

	assert_non_null(sp);
	assert_int_equal(map_update_split(&s, u, n, sp, &ok), LIEN_OK);
	if (ok) {
		for (unsigned i = MAP_SPLIT_PARTS; i-- > 0;) {
			struct guard g = { b, i };
			struct map_store gs = { guard_get, guard_put, &g,
			    b->peek ? guard_peek : NULL };

			assert_int_equal(map_update_part(&gs, u, sp, i),
			    LIEN_OK);
		}
		assert_int_equal(map_update_join(&s, u, n, sp, root, count),
		    LIEN_OK);
	} else {
		assert_int_equal(ok, 0);
		assert_int_equal(map_update(&s, u, n, root, count), LIEN_OK);
	}
	free(sp);
	return ok;
}

/* The update in parts (what ledger/map_store.c runs on two threads)
 * against map_update on a second store, batch by batch from an empty
 * map: the same root, count and nodes, and a part touches nothing
 * outside its own subtree. Small maps (leaves in the top four levels)
 * are refused by the split and updated whole. */
static void
test_map_update_split_random(void **state)
{
	static struct set ref;
	struct mem *a = mem_new(), *b = mem_new();
	struct map_update *u = calloc(400, sizeof *u), *tmp = calloc(400,
	    sizeof *tmp);
	uint64_t ca = 0, cb = 0;
	unsigned nsplit = 0, nwhole = 0;

	(void)state;
	assert_non_null(u);
	assert_non_null(tmp);
	a->peek = b->peek = 1;
	ref.n = 0;
	for (unsigned round = 0; round < 36; round++) {
		size_t n = (size_t)(rng() % (round < 8 ? 8 : 300)) + 1, k;
		uint8_t ra[HASH_LEN], rb[HASH_LEN], want[HASH_LEN];
		struct map_store s = mem_store(a);
		size_t nodes;

		for (size_t i = 0; i < n; i++) {
			uint64_t r = rng() % 10;

			memset(&u[i], 0, sizeof u[i]);
			if (ref.n > 0 && r < 5) {
				const struct kv *e = &ref.e[rng() % ref.n];

				memcpy(u[i].key, e->key, MAP_KEY_LEN);
				u[i].del = r < 2;
			} else if (r < 6) {
				key_clustered(u[i].key, (unsigned)(rng() % 40));
			} else {
				rand_bytes(u[i].key, MAP_KEY_LEN);
			}
			rand_bytes(u[i].value, MAP_VALUE_LEN);
		}
		for (size_t i = 0; i < n; i++)
			set_apply(&ref, &u[i]);
		map_updates_sort(u, tmp, n, &k);
		assert_int_equal(map_update(&s, u, k, ra, &ca), LIEN_OK);
		if (update_in_parts(b, u, k, rb, &cb))
			nsplit++;
		else
			nwhole++;
		naive_root(&ref, want, &nodes);
		assert_memory_equal(ra, want, HASH_LEN);
		assert_memory_equal(rb, want, HASH_LEN);
		assert_int_equal(cb, ca);
		assert_int_equal(cb, ref.n);
		mem_equal(a, b);
	}
	/* and down to nothing again, through maps the split refuses */
	while (ref.n > 0) {
		size_t n = ref.n < 200 ? ref.n : 200, k;
		uint8_t ra[HASH_LEN], rb[HASH_LEN];
		struct map_store s = mem_store(a);

		for (size_t i = 0; i < n; i++) {
			memset(&u[i], 0, sizeof u[i]);
			memcpy(u[i].key, ref.e[(i * 7) % ref.n].key, MAP_KEY_LEN);
			u[i].del = 1;
		}
		for (size_t i = 0; i < n; i++)
			set_apply(&ref, &u[i]);
		map_updates_sort(u, tmp, n, &k);
		assert_int_equal(map_update(&s, u, k, ra, &ca), LIEN_OK);
		(void)update_in_parts(b, u, k, rb, &cb);
		assert_memory_equal(ra, rb, HASH_LEN);
		assert_int_equal(cb, ref.n);
		mem_equal(a, b);
	}
	assert_int_equal(b->live, 0);
	assert_true(nsplit > 20);
	assert_true(nwhole > 2);
	free(u);
	free(tmp);
	mem_free(a);
	mem_free(b);
}

/* Keys that differ only in their last bits: leaves at depth 256. */
static void
test_map_deep_keys(void **state)
{
	static struct set ref;
	struct mem *m = mem_new();
	struct map_update u[4];
	uint8_t probe[MAP_KEY_LEN], keys[4][MAP_KEY_LEN];
	uint64_t count = 0;
	struct map_proof *p = malloc(sizeof *p);
	struct map_store s = mem_store(m);

	(void)state;
	assert_non_null(p);
	ref.n = 0;
	memset(u, 0, sizeof u);
	memset(u[0].key, 0xab, MAP_KEY_LEN);
	memcpy(u[1].key, u[0].key, MAP_KEY_LEN);
	u[1].key[31] ^= 0x01;		/* differs at bit 255 */
	memcpy(u[2].key, u[0].key, MAP_KEY_LEN);
	u[2].key[31] ^= 0x02;		/* differs at bit 254 */
	memcpy(u[3].key, u[0].key, MAP_KEY_LEN);
	u[3].key[0] ^= 0x80;		/* differs at bit 0 */
	for (int i = 0; i < 4; i++) {
		u[i].value[0] = (uint8_t)i;
		memcpy(keys[i], u[i].key, MAP_KEY_LEN);
	}
	apply_batch(m, &ref, u, 4, &count);	/* sorts u */
	assert_int_equal(map_prove(&s, keys[1], p), LIEN_OK);
	assert_int_equal(p->kind, MAP_PROOF_PRESENT);
	assert_int_equal(p->depth, 256);
	for (int i = 0; i < 4; i++)
		assert_int_equal(prove_check(m, &ref, keys[i]), 1);
	/* Absent keys beside them: by an empty node and by another leaf. */
	memcpy(probe, keys[0], MAP_KEY_LEN);
	probe[31] ^= 0x03;
	assert_int_equal(prove_check(m, &ref, probe), 0);
	memcpy(probe, keys[3], MAP_KEY_LEN);
	probe[31] ^= 0x80;
	assert_int_equal(map_prove(&s, probe, p), LIEN_OK);
	assert_int_equal(p->kind, MAP_PROOF_ABSENT_LEAF);
	assert_int_equal(prove_check(m, &ref, probe), 0);
	/* Remove one of the depth-256 pair: the survivor moves up to the
	 * depth where it parts from the bit-254 key. */
	memset(u, 0, sizeof u);
	memcpy(u[0].key, keys[0], MAP_KEY_LEN);
	u[0].del = 1;
	apply_batch(m, &ref, u, 1, &count);
	assert_int_equal(map_prove(&s, keys[1], p), LIEN_OK);
	assert_int_equal(p->depth, 255);
	free(p);
	mem_free(m);
}

static void
test_map_prove_all(void **state)
{
	static struct set ref;
	struct mem *m = mem_new();
	struct map_update *u = calloc(1500, sizeof *u);
	uint8_t probe[MAP_KEY_LEN];
	uint64_t count = 0;
	unsigned absent_empty = 0, absent_leaf = 0;
	struct map_proof *p = malloc(sizeof *p);
	struct map_store s = mem_store(m);

	(void)state;
	assert_non_null(u);
	assert_non_null(p);
	ref.n = 0;
	/* Empty map: every key absent at depth 0. */
	rand_bytes(probe, MAP_KEY_LEN);
	assert_int_equal(prove_check(m, &ref, probe), 0);
	assert_int_equal(map_prove(&s, probe, p), LIEN_OK);
	assert_int_equal(p->depth, 0);
	assert_int_equal(p->kind, MAP_PROOF_ABSENT_EMPTY);
	for (size_t i = 0; i < 1500; i++) {
		if (i % 3 == 0)
			key_clustered(u[i].key, 20);
		else
			rand_bytes(u[i].key, MAP_KEY_LEN);
		rand_bytes(u[i].value, MAP_VALUE_LEN);
	}
	apply_batch(m, &ref, u, 1, &count);
	/* One key: present at depth 0, absent by another leaf at depth 0. */
	assert_int_equal(prove_check(m, &ref, ref.e[0].key), 1);
	assert_int_equal(prove_check(m, &ref, probe), 0);
	apply_batch(m, &ref, u + 1, 1499, &count);
	for (size_t i = 0; i < ref.n; i++)
		assert_int_equal(prove_check(m, &ref, ref.e[i].key), 1);
	for (unsigned i = 0; i < 2000; i++) {
		if (i % 2)
			key_clustered(probe, 20);
		else
			rand_bytes(probe, MAP_KEY_LEN);
		assert_int_equal(prove_check(m, &ref, probe), 0);
		assert_int_equal(map_prove(&s, probe, p), LIEN_OK);
		absent_empty += p->kind == MAP_PROOF_ABSENT_EMPTY;
		absent_leaf += p->kind == MAP_PROOF_ABSENT_LEAF;
	}
	/* Both kinds of absence occur. */
	assert_true(absent_empty > 50);
	assert_true(absent_leaf > 50);
	free(p);
	free(u);
	mem_free(m);
}

/* Build a map and one proof of each kind, encoded. */
struct fix {
	struct mem *m;
	struct set ref;
	uint8_t root[HASH_LEN];
	uint8_t key[3][MAP_KEY_LEN];	/* present, absent-empty, absent-leaf */
	uint8_t enc[3][MAP_PROOF_MAX];
	size_t len[3];
};

static struct fix *
fix_build(void)
{
	struct fix *f = calloc(1, sizeof *f);
	struct map_update *u = calloc(300, sizeof *u);
	struct map_proof *p = malloc(sizeof *p);
	struct map_store s;
	uint64_t count = 0;
	size_t nodes;
	int found[3] = { 0, 0, 0 };

	assert_non_null(f);
	assert_non_null(u);
	assert_non_null(p);
	f->m = mem_new();
	s = mem_store(f->m);
	for (size_t i = 0; i < 300; i++) {
		rand_bytes(u[i].key, MAP_KEY_LEN);
		rand_bytes(u[i].value, MAP_VALUE_LEN);
	}
	apply_batch(f->m, &f->ref, u, 300, &count);
	naive_root(&f->ref, f->root, &nodes);
	memcpy(f->key[0], f->ref.e[17].key, MAP_KEY_LEN);
	found[0] = 1;
	while (!found[1] || !found[2]) {
		uint8_t k[MAP_KEY_LEN];

		rand_bytes(k, MAP_KEY_LEN);
		assert_int_equal(map_prove(&s, k, p), LIEN_OK);
		/* Prefer deep-ish proofs so that siblings exist. */
		if (p->depth < 4)
			continue;
		if (p->kind == MAP_PROOF_ABSENT_EMPTY && !found[1]) {
			memcpy(f->key[1], k, MAP_KEY_LEN);
			found[1] = 1;
		} else if (p->kind == MAP_PROOF_ABSENT_LEAF && !found[2]) {
			memcpy(f->key[2], k, MAP_KEY_LEN);
			found[2] = 1;
		}
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(map_prove(&s, f->key[i], p), LIEN_OK);
		assert_int_equal((int)p->kind, i);
		assert_int_equal(map_proof_encode(p, f->enc[i], MAP_PROOF_MAX,
		    &f->len[i]), LIEN_OK);
	}
	free(p);
	free(u);
	return f;
}

static void
fix_free(struct fix *f)
{
	mem_free(f->m);
	free(f);
}

/* Decode and verify a candidate; 1 if it is accepted for key. */
static int
accepted(const uint8_t *b, size_t len, const uint8_t root[HASH_LEN],
    const uint8_t key[MAP_KEY_LEN])
{
	struct map_proof *p = malloc(sizeof *p);
	int ok;

	assert_non_null(p);
	ok = map_proof_decode(b, len, p) == LIEN_OK &&
	    map_proof_verify(p, root, key, NULL) == LIEN_OK;
	free(p);
	return ok;
}

static void
test_map_proof_bit_flips(void **state)
{
	struct fix *f = fix_build();
	uint8_t *b = malloc(MAP_PROOF_MAX);

	(void)state;
	assert_non_null(b);
	for (int k = 0; k < 3; k++) {
		assert_true(accepted(f->enc[k], f->len[k], f->root, f->key[k]));
		for (size_t i = 0; i < f->len[k]; i++)
			for (unsigned bit = 0; bit < 8; bit++) {
				memcpy(b, f->enc[k], f->len[k]);
				b[i] ^= (uint8_t)(1u << bit);
				assert_false(accepted(b, f->len[k], f->root,
				    f->key[k]));
			}
	}
	free(b);
	fix_free(f);
}

static void
test_map_proof_truncated_trailing_oversize(void **state)
{
	struct fix *f = fix_build();
	uint8_t *b = calloc(1, MAP_PROOF_MAX + 2);
	struct map_proof *p = malloc(sizeof *p);

	(void)state;
	assert_non_null(b);
	assert_non_null(p);
	for (int k = 0; k < 3; k++) {
		for (size_t n = 0; n < f->len[k]; n++)
			assert_int_equal(map_proof_decode(f->enc[k], n, p),
			    LIEN_EPARSE);
		memcpy(b, f->enc[k], f->len[k]);
		b[f->len[k]] = 0;
		assert_int_equal(map_proof_decode(b, f->len[k] + 1, p),
		    LIEN_EPARSE);
	}
	assert_int_equal(map_proof_decode(b, MAP_PROOF_MAX + 1, p),
	    LIEN_ETOOBIG);
	/* depth 257 */
	memset(b, 0, MAP_PROOF_MAX);
	b[0] = 1;
	b[1] = 0x01;
	b[2] = 0x01;
	assert_int_equal(map_proof_decode(b, 3 + 33, p), LIEN_EPARSE);
	/* unknown kind */
	b[0] = 3;
	b[1] = b[2] = 0;
	assert_int_equal(map_proof_decode(b, 3, p), LIEN_EPARSE);
	/* the empty-map proof is 3 bytes */
	b[0] = 1;
	assert_int_equal(map_proof_decode(b, 3, p), LIEN_OK);
	free(p);
	free(b);
	fix_free(f);
}

/* Structural tampering on decoded proofs: swapped, missing, extra
 * siblings; wrong key, wrong root; an absent-leaf proof whose other key
 * is the queried key or off its path. */
static void
test_map_proof_tampered(void **state)
{
	struct fix *f = fix_build();
	struct map_proof *p = malloc(sizeof *p), *q = malloc(sizeof *q);
	uint8_t root2[HASH_LEN];

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	for (int k = 0; k < 3; k++) {
		unsigned a = 0, b;

		assert_int_equal(map_proof_decode(f->enc[k], f->len[k], p),
		    LIEN_OK);
		assert_int_equal(map_proof_verify(p, f->root, f->key[k], NULL),
		    LIEN_OK);
		assert_true(p->depth >= 2);
		/* swap two different siblings */
		for (b = 1; b < p->depth; b++)
			if (memcmp(p->sib[a], p->sib[b], HASH_LEN) != 0)
				break;
		assert_true(b < p->depth);
		*q = *p;
		memcpy(q->sib[a], p->sib[b], HASH_LEN);
		memcpy(q->sib[b], p->sib[a], HASH_LEN);
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
		/* missing sibling: the deepest dropped */
		*q = *p;
		q->depth--;
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
		/* missing sibling: the top one dropped (shifted up) */
		*q = *p;
		memmove(q->sib[0], q->sib[1], (q->depth - 1) * HASH_LEN);
		q->depth--;
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
		/* extra sibling at the bottom and at the top */
		*q = *p;
		memcpy(q->sib[q->depth], p->sib[0], HASH_LEN);
		q->depth++;
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
		*q = *p;
		memmove(q->sib[1], q->sib[0], q->depth * HASH_LEN);
		q->depth++;
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
		/* wrong key: each key checked against another's proof */
		assert_int_equal(map_proof_verify(p, f->root,
		    f->key[(k + 1) % 3], NULL), LIEN_EVERIFY);
		/* wrong root */
		memcpy(root2, f->root, HASH_LEN);
		root2[5] ^= 1;
		assert_int_equal(map_proof_verify(p, root2, f->key[k], NULL),
		    LIEN_EVERIFY);
		/* kind switched, contents kept */
		*q = *p;
		q->kind = (enum map_proof_kind)((k + 1) % 3);
		memcpy(q->other_key, f->key[k], MAP_KEY_LEN);
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
		q->kind = (enum map_proof_kind)7;
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
		q->kind = p->kind;
		q->depth = MAP_DEPTH_MAX + 1;
		assert_int_equal(map_proof_verify(q, f->root, f->key[k], NULL),
		    LIEN_EVERIFY);
	}
	/* absent-leaf: the other key must differ from the key and share its
	 * first depth bits */
	assert_int_equal(map_proof_decode(f->enc[2], f->len[2], p), LIEN_OK);
	*q = *p;
	memcpy(q->other_key, f->key[2], MAP_KEY_LEN);
	assert_int_equal(map_proof_verify(q, f->root, f->key[2], NULL),
	    LIEN_EVERIFY);
	/* the other leaf is in the tree, but not on the queried key's path */
	assert_int_equal(map_proof_verify(p, f->root, f->key[0], NULL),
	    LIEN_EVERIFY);
	free(p);
	free(q);
	fix_free(f);
}

/* The encoding refuses non-canonical spellings a hand-made proof could
 * use: an explicit EMPTY sibling, non-zero padding, an empty last sibling. */
static void
test_map_proof_noncanonical(void **state)
{
	struct map_proof *p = malloc(sizeof *p);
	uint8_t b[3 + 1 + 2 * HASH_LEN], empty[HASH_LEN];

	(void)state;
	assert_non_null(p);
	map_hash_empty(empty);
	/* absent-empty at depth 2, both siblings given explicitly */
	memset(b, 0x33, sizeof b);
	b[0] = 1, b[1] = 0, b[2] = 2, b[3] = 0xc0;
	assert_int_equal(map_proof_decode(b, sizeof b, p), LIEN_OK);
	memcpy(b + 4, empty, HASH_LEN);	/* first sibling spelled as EMPTY */
	assert_int_equal(map_proof_decode(b, sizeof b, p), LIEN_EPARSE);
	memset(b + 4, 0x33, HASH_LEN);
	b[3] = 0xc1;			/* padding bit */
	assert_int_equal(map_proof_decode(b, sizeof b, p), LIEN_EPARSE);
	b[3] = 0x80;			/* last sibling empty */
	assert_int_equal(map_proof_decode(b, 4 + HASH_LEN, p), LIEN_EPARSE);
	free(p);
}

/* Every store failure comes back unchanged, for gets and puts at every
 * position of an update and of a proof. */
static void
test_map_store_errors(void **state)
{
	static struct set ref;
	struct map_update *u = calloc(64, sizeof *u), *v = calloc(64,
	    sizeof *v), *tmp = calloc(64, sizeof *tmp);
	struct map_proof *p = malloc(sizeof *p);
	unsigned calls;

	(void)state;
	assert_non_null(u);
	assert_non_null(v);
	assert_non_null(tmp);
	assert_non_null(p);
	ref.n = 0;
	for (size_t i = 0; i < 64; i++) {
		rand_bytes(u[i].key, MAP_KEY_LEN);
		rand_bytes(u[i].value, MAP_VALUE_LEN);
	}
	/* fail each call in turn on a fresh copy */
	for (unsigned at = 1;; at++) {
		struct mem *m = mem_new();
		struct map_store s = mem_store(m);
		uint64_t c = 0;
		size_t k;
		enum lien_status st;

		ref.n = 0;
		apply_batch(m, &ref, u, 32, &c);
		memcpy(v, u + 16, 48 * sizeof *v);
		map_updates_sort(v, tmp, 48, &k);
		m->fail_at = at;
		m->calls = 0;
		st = map_update(&s, v, k, NULL, &c);
		calls = m->calls;
		mem_free(m);
		if (calls < at) {
			assert_int_equal(st, LIEN_OK);
			break;
		}
		assert_int_equal(st, LIEN_EIO);
	}
	for (unsigned at = 1;; at++) {
		struct mem *m = mem_new();
		struct map_store s = mem_store(m);
		uint64_t c = 0;
		enum lien_status st;

		ref.n = 0;
		apply_batch(m, &ref, u, 64, &c);
		m->fail_at = at;
		m->calls = 0;
		st = map_prove(&s, u[5].key, p);
		calls = m->calls;
		mem_free(m);
		if (calls < at) {
			assert_int_equal(st, LIEN_OK);
			break;
		}
		assert_int_equal(st, LIEN_EIO);
		assert_int_equal(p->depth, 0);
	}
	free(p);
	free(u);
	free(v);
	free(tmp);
}

/* tests/vectors/lien_status/map.json, computed by an independent Python
 * implementation of docs/lien-status.md section 4 (tests/interop/
 * lien_status.py mapvectors): the same roots, byte-identical proofs, and
 * every tampered proof refused. */
static void
hex_in(const json_t *j, uint8_t *out, size_t n)
{
	const char *s = json_string_value(j);

	assert_non_null(s);
	assert_int_equal(hex_decode(s, strlen(s), out, n), LIEN_OK);
}

static void
test_map_vectors(void **state)
{
	json_error_t err;
	json_t *v = json_load_file(LIEN_VECTORS "/lien_status/map.json", 0,
	    &err), *c, *x;
	struct map_proof *p = malloc(sizeof *p);
	uint8_t *enc = malloc(MAP_PROOF_MAX), *want = malloc(MAP_PROOF_MAX);
	uint8_t h[HASH_LEN];
	size_t i, k;

	(void)state;
	assert_non_null(v);
	assert_non_null(p);
	hex_in(json_object_get(v, "empty"), h, HASH_LEN);
	{
		uint8_t e[HASH_LEN];

		map_hash_empty(e);
		assert_memory_equal(e, h, HASH_LEN);
	}
	json_array_foreach(json_object_get(v, "cases"), i, c) {
		struct mem *m = mem_new();
		struct map_store s = mem_store(m);
		json_t *pairs = json_object_get(c, "pairs");
		size_t n = json_array_size(pairs), tmpn;
		struct map_update *u = calloc(n + 1, sizeof *u), *t =
		    calloc(n + 1, sizeof *t);
		uint8_t root[HASH_LEN];

		assert_non_null(u);
		assert_non_null(t);
		json_array_foreach(pairs, k, x) {
			hex_in(json_array_get(x, 0), u[k].key, MAP_KEY_LEN);
			hex_in(json_array_get(x, 1), u[k].value, MAP_VALUE_LEN);
		}
		map_updates_sort(u, t, n, &tmpn);
		assert_int_equal(map_update(&s, u, tmpn, root, NULL), LIEN_OK);
		hex_in(json_object_get(c, "root"), h, HASH_LEN);
		assert_memory_equal(root, h, HASH_LEN);
		json_array_foreach(json_object_get(c, "proofs"), k, x) {
			uint8_t key[MAP_KEY_LEN];
			const char *ps = json_string_value(json_object_get(x,
			    "proof"));
			size_t len, wl = strlen(ps) / 2;
			int present = -1;

			hex_in(json_object_get(x, "key"), key, MAP_KEY_LEN);
			assert_int_equal(hex_decode(ps, strlen(ps), want, wl),
			    LIEN_OK);
			assert_int_equal(map_prove(&s, key, p), LIEN_OK);
			assert_int_equal(map_proof_encode(p, enc, MAP_PROOF_MAX,
			    &len), LIEN_OK);
			assert_int_equal(len, wl);
			assert_memory_equal(enc, want, len);
			assert_int_equal(map_proof_verify(p, root, key, &present),
			    LIEN_OK);
			assert_int_equal(present, json_is_true(json_object_get(x,
			    "present")));
		}
		free(u);
		free(t);
		mem_free(m);
	}
	json_array_foreach(json_object_get(v, "refuse"), i, c) {
		uint8_t key[MAP_KEY_LEN], root[HASH_LEN];
		const char *ps = json_string_value(json_object_get(c, "proof"));
		size_t wl = strlen(ps) / 2;

		hex_in(json_object_get(c, "key"), key, MAP_KEY_LEN);
		hex_in(json_object_get(c, "root"), root, HASH_LEN);
		assert_int_equal(hex_decode(ps, strlen(ps), want, wl), LIEN_OK);
		if (map_proof_decode(want, wl, p) == LIEN_OK &&
		    map_proof_verify(p, root, key, NULL) == LIEN_OK)
			fail_msg("accepted: %s", json_string_value(
			    json_object_get(c, "name")));
	}
	free(p);
	free(enc);
	free(want);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_hash_known),
		cmocka_unit_test(test_map_update_empty_and_one),
		cmocka_unit_test(test_map_update_unsorted_refused),
		cmocka_unit_test(test_map_updates_sort_last_wins),
		cmocka_unit_test(test_map_update_random_batches),
		cmocka_unit_test(test_map_update_random_batches_peek),
		cmocka_unit_test(test_map_update_split_random),
		cmocka_unit_test(test_map_deep_keys),
		cmocka_unit_test(test_map_prove_all),
		cmocka_unit_test(test_map_proof_bit_flips),
		cmocka_unit_test(test_map_proof_truncated_trailing_oversize),
		cmocka_unit_test(test_map_proof_tampered),
		cmocka_unit_test(test_map_proof_noncanonical),
		cmocka_unit_test(test_map_store_errors),
		cmocka_unit_test(test_map_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
