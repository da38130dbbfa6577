/*
 * The status map's storage (ledger/map_store.c, store format v9, v20):
 * versioned tiles written append-only, child generations and top
 * hashes, the sweeping GC, reads from old snapshots, and the
 * audit's logical comparison (map_txn_compare) with its refusals.
 *
 * A model (a fixed universe of keys, each present with a value or not)
 * is changed batch by batch, sets and removals, through map_commit; the
 * stored map is held to the definition's root (docs/lien-status.md) and
 * to proofs of every key, present or absent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rd.h"
#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "ledger/map_store.h"
#include "ledger/store.h"
#include "tlog/map.h"
#include "tests/unit/test_map_ref.h"

#define NKEYS 700u

struct model {
	uint8_t key[NKEYS][MAP_KEY_LEN];
	uint8_t val[NKEYS][MAP_VALUE_LEN];
	int present[NKEYS];
	uint64_t rng;
};

struct fx {
	char dir[64];
	struct store *s;
	struct map_pending p;
	struct map_wcache *c;
	uint64_t count;
	struct model m;
};

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
fx_open_store(const char *dir, struct store **out)
{
	assert_int_equal(store_open(dir, (uint64_t)1 << 30, 16, 0, out),
	    LIEN_OK);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	strcpy(f->dir, "/tmp/lienlog-test-mapstore-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	fx_open_store(f->dir, &f->s);
	f->m.rng = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < NKEYS; i++) {
		uint8_t b[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16),
		    (uint8_t)(i >> 8), (uint8_t)i };

		hash_sha256(b, sizeof b, f->m.key[i]);
	}
	/* A few keys that share long prefixes with key 0: tiles deep down
	 * (strata 4..17), emptied and refilled as they come and go. */
	for (unsigned i = 1; i <= 8; i++) {
		memcpy(f->m.key[i], f->m.key[0], MAP_KEY_LEN);
		f->m.key[i][(8 * i + 7) / 8 % MAP_KEY_LEN] ^=
		    (uint8_t)(1u << (i % 8));
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[96];

	map_pending_free(&f->p);
	map_wcache_free(f->c);
	store_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

struct kv {
	uint8_t k[MAP_KEY_LEN], v[MAP_VALUE_LEN];
};

static int
kv_cmp(const void *a, const void *b)
{
	return memcmp(a, b, MAP_KEY_LEN);
}

static void
model_root(const struct model *m, uint8_t out[HASH_LEN])
{
	struct kv *a = calloc(NKEYS, sizeof *a);
	uint8_t (*k)[MAP_KEY_LEN] = calloc(NKEYS, MAP_KEY_LEN);
	uint8_t (*v)[MAP_VALUE_LEN] = calloc(NKEYS, MAP_VALUE_LEN);
	size_t n = 0;

	assert_non_null(a);
	assert_non_null(k);
	assert_non_null(v);
	for (unsigned i = 0; i < NKEYS; i++) {
		if (!m->present[i])
			continue;
		memcpy(a[n].k, m->key[i], MAP_KEY_LEN);
		memcpy(a[n].v, m->val[i], MAP_VALUE_LEN);
		n++;
	}
	qsort(a, n, sizeof *a, kv_cmp);
	for (size_t i = 0; i < n; i++) {
		memcpy(k[i], a[i].k, MAP_KEY_LEN);
		memcpy(v[i], a[i].v, MAP_VALUE_LEN);
	}
	tu_map_ref_hash(k, v, n, 0, out);
	free(a);
	free(k);
	free(v);
}

/* The writer's kept tiles against store s, both ways; want_valid: the
 * cache must claim the store's generation. */
static void
cache_check(struct store *s, struct map_wcache *c, int want_valid)
{
	struct store_txn *t;
	char why[256];
	int valid = -1;
	enum lien_status st;

	assert_int_equal(store_txn_begin(s, 0, &t), LIEN_OK);
	st = map_wcache_check(c, t, &valid, why, sizeof why);
	store_txn_abort(t);
	if (st != LIEN_OK)
		fail_msg("cache check: %s", why);
	assert_int_equal(valid, want_valid);
}

/* One durable batch of nupd random changes (one in six a removal of a
 * present key) on store s, mirrored in the model. */
static void
batch(struct fx *f, struct store *s, struct map_wcache **c, unsigned nupd,
    uint8_t root[HASH_LEN])
{
	struct store_txn *t;

	for (unsigned u = 0; u < nupd; u++) {
		unsigned i = (unsigned)(rnd(&f->m.rng) % NKEYS);
		int del = f->m.present[i] && rnd(&f->m.rng) % 6 == 0;

		for (unsigned b = 0; b < MAP_VALUE_LEN; b++)
			f->m.val[i][b] = (uint8_t)rnd(&f->m.rng);
		assert_int_equal(map_pending_add(&f->p, f->m.key[i],
		    f->m.val[i]), LIEN_OK);
		f->p.u[f->p.n - 1].del = del;
		f->m.present[i] = !del;
	}
	assert_int_equal(store_txn_begin(s, 1, &t), LIEN_OK);
	assert_int_equal(map_commit(t, &f->p, c, root, &f->count), LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	cache_check(s, *c, 1);
}

/* Every key of the model proves (present with its value, or absent)
 * against root in read txn t. */
static void
prove_all(const struct model *m, struct store_txn *t,
    const uint8_t root[HASH_LEN])
{
	struct map_proof *p = malloc(sizeof *p);
	uint8_t r[HASH_LEN], absent[MAP_KEY_LEN];
	int present;

	assert_non_null(p);
	assert_int_equal(map_txn_root(t, r), LIEN_OK);
	assert_memory_equal(r, root, HASH_LEN);
	for (unsigned i = 0; i < NKEYS; i++) {
		assert_int_equal(map_txn_prove(t, m->key[i], p), LIEN_OK);
		assert_int_equal(map_proof_verify(p, root, m->key[i],
		    &present), LIEN_OK);
		assert_int_equal(present, m->present[i]);
		if (present)
			assert_memory_equal(p->value, m->val[i],
			    MAP_VALUE_LEN);
	}
	memset(absent, 0xa5, sizeof absent);
	assert_int_equal(map_txn_prove(t, absent, p), LIEN_OK);
	assert_int_equal(map_proof_verify(p, root, absent, &present), LIEN_OK);
	assert_int_equal(present, 0);
	free(p);
}

static void
stats_of(struct store *s, struct map_stats *ms)
{
	struct store_txn *t;

	assert_int_equal(store_txn_begin(s, 0, &t), LIEN_OK);
	assert_int_equal(map_txn_stats(t, ms), LIEN_OK);
	store_txn_abort(t);
}

/* The map of an empty store: no meta record, the EMPTY root, absence. */
static void
test_map_store_empty(void **state)
{
	struct fx *f = *state;
	struct store_txn *t;
	struct map_stats ms;
	uint8_t root[HASH_LEN];

	batch(f, f->s, &f->c, 0, root);
	assert_int_equal(store_txn_begin(f->s, 0, &t), LIEN_OK);
	assert_int_equal(map_txn_stats(t, &ms), LIEN_OK);
	assert_true(ms.gen == 0 && ms.root_gen == 0 && ms.total == 0);
	model_root(&f->m, root);
	prove_all(&f->m, t, root);
	store_txn_abort(t);
}

/* Presence and absence proofs at every generation, from a read snapshot
 * taken then and kept while later batches rewrite and collect its
 * tiles: each snapshot still proves its own map (MVCC). */
static void
every_generation(struct fx *f)
{
	enum { NSNAP = 4 };
	struct store_txn *snap[NSNAP];
	struct model *old = malloc(NSNAP * sizeof *old);
	uint8_t root[HASH_LEN], want[HASH_LEN], oroot[NSNAP][HASH_LEN];
	struct map_stats ms;
	unsigned ns = 0;

	assert_non_null(old);
	for (unsigned g = 0; g < 120; g++) {
		struct store_txn *t;

		batch(f, f->s, &f->c, g == 0 ? 400 : 1 + g % 40, root);
		model_root(&f->m, want);
		assert_memory_equal(root, want, HASH_LEN);
		assert_int_equal(store_txn_begin(f->s, 0, &t), LIEN_OK);
		prove_all(&f->m, t, root);
		if (g % 30 == 5 && ns < NSNAP) {
			snap[ns] = t;
			old[ns] = f->m;
			memcpy(oroot[ns], root, HASH_LEN);
			ns++;
		} else {
			store_txn_abort(t);
		}
	}
	stats_of(f->s, &ms);
	assert_true(ms.gen == 120);
	assert_true(ms.total > ms.live);	/* garbage was made... */
	for (unsigned i = 0; i < ns; i++) {
		prove_all(&old[i], snap[i], oroot[i]);
		store_txn_abort(snap[i]);
	}
	free(old);
}

static void
test_map_store_every_generation(void **state)
{
	every_generation(*state);
}

/* The same with a cache that keeps no stratum: every tile a batch
 * passes is read from the store, and every sibling at a stratum
 * boundary, the kept strata's included, is answered from its parent's
 * child top hash (wc_peek, store v20) without reading it. The roots
 * are the definition's and every proof verifies, so each hash taken
 * from a parent was its child's. */
static void
test_map_store_every_generation_nokeep(void **state)
{
	struct fx *f = *state;
	struct ledger_map_prof pr;

	assert_int_equal(map_wcache_create(0, &f->c), LIEN_OK);
	every_generation(f);
	map_wcache_prof(f->c, &pr);
	assert_true(pr.peeked > 100);
	assert_true(pr.read_clean < pr.peeked);
}

/* Two stores with the same keys reached through different batches
 * (different generations, different garbage) compare equal. */
static void
build_twin(struct fx *f, char dir[64], struct store **out)
{
	struct map_wcache *c = NULL;
	struct map_pending p = { 0 };
	struct store_txn *t;
	uint8_t root[HASH_LEN];
	uint64_t count = 0;

	strcpy(dir, "/tmp/lienlog-test-mapstore-XXXXXX");
	assert_non_null(mkdtemp(dir));
	fx_open_store(dir, out);
	for (unsigned i = 0; i < NKEYS; i++)
		if (f->m.present[i])
			assert_int_equal(map_pending_add(&p, f->m.key[i],
			    f->m.val[i]), LIEN_OK);
	assert_int_equal(store_txn_begin(*out, 1, &t), LIEN_OK);
	assert_int_equal(map_commit(t, &p, &c, root, &count), LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	assert_int_equal(count, f->count);
	map_pending_free(&p);
	map_wcache_free(c);
}

static void
rm_dir(const char *dir)
{
	char cmd[96];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static enum lien_status
compare(struct store *want, struct store *have, char *why, size_t cap)
{
	struct store_txn *a, *b;
	enum lien_status st;

	assert_int_equal(store_txn_begin(want, 0, &a), LIEN_OK);
	assert_int_equal(store_txn_begin(have, 0, &b), LIEN_OK);
	st = map_txn_compare(a, b, why, cap);
	store_txn_abort(a);
	store_txn_abort(b);
	return st;
}

/* f's store compares equal, both ways, with a twin built in one batch
 * from the model. */
static void
twin_equal(struct fx *f)
{
	struct store *tw;
	char dir[64], why[256];

	build_twin(f, dir, &tw);
	why[0] = '\0';
	assert_int_equal(compare(tw, f->s, why, sizeof why), LIEN_OK);
	assert_int_equal(compare(f->s, tw, why, sizeof why), LIEN_OK);
	store_close(tw);
	rm_dir(dir);
}

/* GC keeps exactly the live tiles: after many small batches (most
 * records garbage, GC running), the store compares equal tile for tile,
 * live count and record count included, with a twin built in one batch;
 * and the table stays within its bound all along. */
static void
test_map_store_gc(void **state)
{
	struct fx *f = *state;
	uint8_t root[HASH_LEN];
	struct map_stats ms;
	double worst = 0;

	batch(f, f->s, &f->c, 600, root);
	for (unsigned g = 0; g < 600; g++) {
		batch(f, f->s, &f->c, 1 + (g * 7) % 24, root);
		stats_of(f->s, &ms);
		if ((double)ms.total / (double)ms.live > worst)
			worst = (double)ms.total / (double)ms.live;
		/* the bound: 2 x live plus what one batch writes (measured
		 * worst 2.13 x here) */
		if (g >= 50)
			assert_true(ms.total * 4 <= ms.live * 10);
		if (getenv("MAPSTORE_TRACE"))
			fprintf(stderr, "gen %llu live %llu total %llu\n",
			    (unsigned long long)ms.gen,
			    (unsigned long long)ms.live,
			    (unsigned long long)ms.total);
	}
	print_message("worst total/live %.3f\n", worst);
	stats_of(f->s, &ms);
	assert_true(ms.live > 0 && ms.total >= ms.live);
	twin_equal(f);
}

/* The GC's liveness check knows the generations of stratum keep + 1
 * without reading their parents (ledger/map_store.c, struct map_wcache
 * gx): with strata 0..2 kept (keep 3) and no tile below stratum 4, once
 * the index has filled its checks read no record, where without it
 * every stratum-4 record the sweep passes costs a read of its stratum-3
 * parent (117 reads in the last 300 batches here). Each check starts at
 * the deepest kept tile on the record's path (one lookup, where the walk
 * from the root took three). The entries are held to the store after
 * every batch (map_wcache_check, in batch), and the map to a twin. */
static void
test_map_store_gc_index(void **state)
{
	struct fx *f = *state;
	struct ledger_map_prof pr0, pr1;
	uint8_t root[HASH_LEN];

	/* plain keys only: no tile below stratum 4 (setup's keys 1..8
	 * share long prefixes with key 0) */
	for (unsigned i = 1; i <= 8; i++) {
		uint8_t b[5] = { 0xd1, 0, 0, 0, (uint8_t)i };

		hash_sha256(b, sizeof b, f->m.key[i]);
	}
	assert_int_equal(map_wcache_create(3, &f->c), LIEN_OK);
	batch(f, f->s, &f->c, 600, root);
	for (unsigned g = 0; g < 300; g++)
		batch(f, f->s, &f->c, 1 + (g * 7) % 24, root);
	map_wcache_prof(f->c, &pr0);
	for (unsigned g = 0; g < 300; g++)
		batch(f, f->s, &f->c, 1 + (g * 7) % 24, root);
	map_wcache_prof(f->c, &pr1);
	print_message("GC: %llu records taken, %llu kept, %llu read\n",
	    (unsigned long long)(pr1.gc_taken - pr0.gc_taken),
	    (unsigned long long)(pr1.gc_kept - pr0.gc_kept),
	    (unsigned long long)(pr1.gc_read - pr0.gc_read));
	/* the sweep ran, through records of stratum 4 (below the index) */
	assert_true(pr1.gc_taken - pr0.gc_taken > 1000);
	assert_int_equal(pr1.gc_read - pr0.gc_read, 0);
	/* and each record's liveness started at its deepest kept tile: one
	 * lookup per record passed (from the root it took up to three) */
	print_message("GC: %llu kept tiles looked up\n",
	    (unsigned long long)(pr1.gc_kept_looked - pr0.gc_kept_looked));
	assert_true(pr1.gc_kept_looked - pr0.gc_kept_looked <=
	    (pr1.gc_taken - pr0.gc_taken) + (pr1.gc_kept - pr0.gc_kept));
	/* A fresh cache (a restarted writer) fills the index as records
	 * pass by (the default: its first batch does not wait for it), and
	 * meanwhile its sweep reads parents; with map_wcache_prefill it
	 * fills the index at its first commit (wc_prefetch_gx) and reads no
	 * record from its first batch on. */
	for (int pre = 0; pre < 2; pre++) {
		map_wcache_free(f->c);
		f->c = NULL;
		assert_int_equal(map_wcache_create(3, &f->c), LIEN_OK);
		map_wcache_prefill(f->c, pre);
		for (unsigned g = 0; g < 100; g++)
			batch(f, f->s, &f->c, 1 + (g * 7) % 24, root);
		map_wcache_prof(f->c, &pr1);
		print_message("GC after a restart (prefill %d): %llu records "
		    "taken, %llu read\n", pre,
		    (unsigned long long)pr1.gc_taken,
		    (unsigned long long)pr1.gc_read);
		assert_true(pr1.gc_taken > 100);
		if (pre)
			assert_int_equal(pr1.gc_read, 0);
		else
			assert_true(pr1.gc_read > 0);
	}
	twin_equal(f);
}

/* n keys (the SHA-256 of tag and the index) with random values, written
 * in `parts` large batches: a front of cold, live tiles, as a bulk load
 * leaves. */
static void
bulk_load(struct fx *f, uint8_t tag, unsigned n, unsigned parts,
    uint8_t (*key)[MAP_KEY_LEN], uint8_t (*val)[MAP_VALUE_LEN],
    uint8_t root[HASH_LEN])
{
	struct store_txn *t;

	assert_non_null(key);
	assert_non_null(val);
	for (unsigned i = 0; i < n; i++) {
		uint8_t b[5] = { tag, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
		    (uint8_t)(i >> 8), (uint8_t)i };

		hash_sha256(b, sizeof b, key[i]);
		for (unsigned k = 0; k < MAP_VALUE_LEN; k++)
			val[i][k] = (uint8_t)rnd(&f->m.rng);
	}
	for (unsigned b = 0; b < parts; b++) {
		for (unsigned i = b * n / parts; i < (b + 1) * n / parts; i++)
			assert_int_equal(map_pending_add(&f->p, key[i], val[i]),
			    LIEN_OK);
		assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
		assert_int_equal(map_commit(t, &f->p, &f->c, root, &f->count),
		    LIEN_OK);
		assert_int_equal(store_txn_commit(t), LIEN_OK);
	}
}

/* Every step-th of the n keys proves its value against root. */
static void
prove_loaded(struct fx *f, unsigned n, unsigned step,
    uint8_t (*key)[MAP_KEY_LEN], uint8_t (*val)[MAP_VALUE_LEN],
    const uint8_t root[HASH_LEN])
{
	struct map_proof *mp = malloc(sizeof *mp);
	struct store_txn *t;
	int present;

	assert_non_null(mp);
	assert_int_equal(store_txn_begin(f->s, 0, &t), LIEN_OK);
	for (unsigned i = 0; i < n; i += step) {
		assert_int_equal(map_txn_prove(t, key[i], mp), LIEN_OK);
		assert_int_equal(map_proof_verify(mp, root, key[i], &present),
		    LIEN_OK);
		assert_true(present);
		assert_memory_equal(mp->value, val[i], MAP_VALUE_LEN);
	}
	store_txn_abort(t);
	free(mp);
}

/* The bound holds where copies drag their ancestors along: a map of
 * NBIG keys written in a few large batches (a front of cold, live tiles,
 * as a bulk load leaves), then many small batches of changes to random
 * keys. A batch that starts over the bound (total > 2 x live) must end
 * with the excess total - 2 x live lower by at least MAP_GC_EXTRA (or
 * with the whole table taken); one that starts under it ends at most
 * one batch's writes over. The budget before (2 x the updates' tiles +
 * 64, whatever the copies added) fails here as it drifted at 10^7
 * vehicles: the copies and their ancestors outgrew what it took. */
#define NBIG 24000u
static void
test_map_store_gc_bound(void **state)
{
	struct fx *f = *state;
	uint8_t (*key)[MAP_KEY_LEN] = malloc(NBIG * MAP_KEY_LEN);
	uint8_t (*val)[MAP_VALUE_LEN] = malloc(NBIG * MAP_VALUE_LEN);
	struct ledger_map_prof p0, p1;
	struct map_stats prev, ms;
	struct store_txn *t;
	uint8_t root[HASH_LEN];
	int64_t maxw = 0, nover = 0;
	double worst = 0;

	bulk_load(f, 'B', NBIG, 6, key, val, root);
	stats_of(f->s, &prev);
	for (unsigned g = 0; g < 1500; g++) {
		int64_t before = (int64_t)prev.total - 2 * (int64_t)prev.live;
		int64_t after, w;

		for (unsigned u = 0; u < 32; u++) {
			unsigned i = (unsigned)(rnd(&f->m.rng) % NBIG);

			val[i][0] ^= (uint8_t)(1u + u);
			assert_int_equal(map_pending_add(&f->p, key[i], val[i]),
			    LIEN_OK);
		}
		map_wcache_prof(f->c, &p0);
		assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
		assert_int_equal(map_commit(t, &f->p, &f->c, root, &f->count),
		    LIEN_OK);
		assert_int_equal(store_txn_commit(t), LIEN_OK);
		map_wcache_prof(f->c, &p1);
		stats_of(f->s, &ms);
		assert_true(p1.live == ms.live && p1.total == ms.total);
		w = (int64_t)(p1.written - p0.written);
		after = (int64_t)ms.total - 2 * (int64_t)ms.live;
		if (w > maxw)
			maxw = w;
		if ((double)ms.total / (double)ms.live > worst)
			worst = (double)ms.total / (double)ms.live;
		if (getenv("MAPSTORE_TRACE"))
			fprintf(stderr, "gen %llu live %llu total %llu "
			    "written %lld deleted %llu kept %llu\n",
			    (unsigned long long)ms.gen,
			    (unsigned long long)ms.live,
			    (unsigned long long)ms.total, (long long)w,
			    (unsigned long long)(p1.gc_taken - p0.gc_taken),
			    (unsigned long long)(p1.gc_kept -
			    p0.gc_kept));
		if (before > 0) {
			nover++;
			if (after > before - (int64_t)MAP_GC_EXTRA &&
			    ms.total != ms.live)
				fail_msg("batch %u: over the bound by %lld, "
				    "then by %lld", g, (long long)before,
				    (long long)after);
		} else if (after > w) {
			fail_msg("batch %u: under the bound, then %lld over "
			    "after writing %lld", g, (long long)after,
			    (long long)w);
		}
		prev = ms;
	}
	print_message("worst total/live %.3f, %lld batches over, at most "
	    "%lld records a batch\n", worst, (long long)nover,
	    (long long)maxw);
	assert_true(nover > 100);	/* the GC ran, and often */
	/* and copied nothing: a batch writes its 32 updates' paths (at most
	 * 6 tiles each at this size), whatever the GC found live */
	assert_true(maxw <= 32 * 6);
	assert_true(ms.total <= 2 * ms.live + (uint64_t)maxw);
	/* what the GC kept is the map: every key proves its value */
	prove_loaded(f, NBIG, 7, key, val, root);
	cache_check(f->s, f->c, 1);
	/* the sweep's place is in the store (a restart goes on from it):
	 * a record key */
	{
		const uint8_t *v;
		size_t vl;

		assert_int_equal(store_txn_begin(f->s, 0, &t), LIEN_OK);
		assert_int_equal(store_get(t, STORE_META, MAP_SWEEP_KEY,
		    sizeof MAP_SWEEP_KEY - 1, &v, &vl), LIEN_OK);
		assert_true(vl == 0 || (vl > 8 && vl <= MAP_REC_KEY_MAX));
		store_txn_abort(t);
	}
	free(key);
	free(val);
}

/* What the map's records take in LMDB's leaf pages: per record its node
 * (8-byte header, key, value, rounded to even) and its 2-byte slot. */
static uint64_t
table_bytes(struct store *s, uint64_t *nrec)
{
	struct store_txn *t;
	struct store_cursor *cur;
	const uint8_t *k, *v;
	size_t kl, vl;
	uint64_t b = 0;
	enum lien_status st;

	*nrec = 0;
	assert_int_equal(store_txn_begin(s, 0, &t), LIEN_OK);
	assert_int_equal(store_cursor_open(t, STORE_MAP, &cur), LIEN_OK);
	for (st = store_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
	    st == LIEN_OK; st = store_cursor_next(cur, &k, &kl, &v, &vl)) {
		b += ((8u + kl + vl + 1u) & ~(uint64_t)1) + 2u;
		(*nrec)++;
	}
	assert_int_equal(st, LIEN_ENOTFOUND);
	store_cursor_close(cur);
	store_txn_abort(t);
	return b;
}

static void
leaf_pages(struct store *s, struct store_table_stat *out)
{
	struct store_txn *t;

	assert_int_equal(store_txn_begin(s, 0, &t), LIEN_OK);
	assert_int_equal(store_table_stat(t, STORE_MAP, out), LIEN_OK);
	store_txn_abort(t);
}

/* The GC's bound holds on pages, not only on records (docs/storage.md
 * "Garbage and its bound"): a map loaded in a few large batches, then
 * thousands of small batches of changes to random keys. The records stay
 * under 2 x live + one batch (gc_bound), and the table's leaf pages must
 * stay under what those records fill at half a page each: the pages
 * hold, on average, at least half their room in records. Left in place
 * by the sweep, the live records kept their pages while the garbage
 * around them went, and LMDB merges a page only under a quarter full:
 * the pages ended half as full, here too (at 10^7 vehicles 3.8 records
 * per 4 KiB page and the file growing 9.1 -> 16 GB). What was moved
 * still proves every key, and the kept tiles still match the store. */
#define NPG 12000u
static void
test_map_store_gc_pages(void **state)
{
	struct fx *f = *state;
	uint8_t (*key)[MAP_KEY_LEN] = malloc(NPG * MAP_KEY_LEN);
	uint8_t (*val)[MAP_VALUE_LEN] = malloc(NPG * MAP_VALUE_LEN);
	struct store_table_stat ts;
	struct ledger_map_prof p0, p1;
	struct map_stats ms;
	struct store_txn *t;
	uint8_t root[HASH_LEN];
	uint64_t maxw = 0, moved = 0;
	double worst = 1e9;

	/* thousands of commits: durability is not what is tested */
	assert_int_equal(store_nosync(f->s), LIEN_OK);
	bulk_load(f, 'P', NPG, 4, key, val, root);
	for (unsigned g = 1; g <= 2500; g++) {
		for (unsigned u = 0; u < 16; u++) {
			unsigned i = (unsigned)(rnd(&f->m.rng) % NPG);

			val[i][0] ^= (uint8_t)(1u + u);
			assert_int_equal(map_pending_add(&f->p, key[i], val[i]),
			    LIEN_OK);
		}
		map_wcache_prof(f->c, &p0);
		assert_int_equal(store_txn_begin(f->s, 1, &t), LIEN_OK);
		assert_int_equal(map_commit(t, &f->p, &f->c, root, &f->count),
		    LIEN_OK);
		assert_int_equal(store_txn_commit(t), LIEN_OK);
		map_wcache_prof(f->c, &p1);
		if (p1.written - p0.written > maxw)
			maxw = p1.written - p0.written;
		moved += p1.gc_moved - p0.gc_moved;
		if (g % 100 == 0) {
			uint64_t nrec, bytes = table_bytes(f->s, &nrec);
			unsigned room = 0;
			double fill;

			leaf_pages(f->s, &ts);
			stats_of(f->s, &ms);
			assert_int_equal(nrec, ms.total);
			assert_int_equal(p1.leaf_pages, ts.leaf_pages);
			assert_true(ms.total <= 2 * ms.live + maxw);
			room = ts.page_size - 16u;	/* LMDB's header */
			fill = (double)bytes / ((double)ts.leaf_pages * room);
			if (fill < worst)
				worst = fill;
			if (getenv("MAPSTORE_TRACE"))
				fprintf(stderr, "gen %llu live %llu total %llu "
				    "leaf pages %llu fill %.3f\n",
				    (unsigned long long)ms.gen,
				    (unsigned long long)ms.live,
				    (unsigned long long)ms.total,
				    (unsigned long long)ts.leaf_pages, fill);
			/* at least half full on average, once the GC has
			 * gone round the bulk load once */
			if (g >= 1000 && 2 * bytes < ts.leaf_pages * room)
				fail_msg("batch %u: %llu leaf pages hold %llu "
				    "bytes of records (%.0f%% full)", g,
				    (unsigned long long)ts.leaf_pages,
				    (unsigned long long)bytes, 100 * fill);
		}
	}
	print_message("worst leaf fill %.3f, %llu live records moved\n", worst,
	    (unsigned long long)moved);
	assert_true(moved > 0);
	/* what was moved is the map: every key proves its value */
	prove_loaded(f, NPG, 5, key, val, root);
	cache_check(f->s, f->c, 1);
	free(key);
	free(val);
}

/* The kept tiles stay the store's map through random batches, aborted
 * ones (the map_commit went through, the transaction did not), reopens
 * of the store and every depth of keeping: after each batch the cache is
 * compared with the store both ways, and the root, the proofs and the
 * comparison with a twin hold. */
static void
test_map_store_cache_aborts(void **state)
{
	struct fx *f = *state;
	static const unsigned keeps[] = { 0, 1, 2, MAP_CACHE_STRATA };
	struct model *saved = malloc(sizeof *saved);
	uint8_t root[HASH_LEN], want[HASH_LEN];

	assert_non_null(saved);
	for (unsigned ki = 0; ki < sizeof keeps / sizeof keeps[0]; ki++) {
		struct map_wcache *c = NULL;
		struct store *tw;
		char dir[64], why[256];
		unsigned naborted = 0;

		assert_int_equal(map_wcache_create(keeps[ki], &c), LIEN_OK);
		/* a new store (and model) per depth */
		store_close(f->s);
		rm_dir(f->dir);
		assert_non_null(mkdtemp(strcpy(f->dir,
		    "/tmp/lienlog-test-mapstore-XXXXXX")));
		fx_open_store(f->dir, &f->s);
		memset(f->m.present, 0, sizeof f->m.present);
		f->count = 0;
		for (unsigned g = 0; g < 160; g++) {
			struct store_txn *t;
			uint64_t count = f->count;
			unsigned nupd = g == 0 ? 300 : 1 + g % 37;

			if (rnd(&f->m.rng) % 4 != 0) {
				batch(f, f->s, &c, nupd, root);
			} else {
				/* the same path as batch, then an abort */
				*saved = f->m;
				for (unsigned u = 0; u < nupd; u++) {
					unsigned i = (unsigned)(rnd(&f->m.rng) %
					    NKEYS);

					f->m.val[i][0] ^= 0x5a;
					assert_int_equal(map_pending_add(&f->p,
					    f->m.key[i], f->m.val[i]), LIEN_OK);
					f->p.u[f->p.n - 1].del =
					    f->m.present[i] && u % 3 == 0;
				}
				assert_int_equal(store_txn_begin(f->s, 1, &t),
				    LIEN_OK);
				assert_int_equal(map_commit(t, &f->p, &c, root,
				    &count), LIEN_OK);
				store_txn_abort(t);
				saved->rng = f->m.rng;
				f->m = *saved;
				/* the cache holds a generation that never
				 * happened: it must not claim the store's */
				cache_check(f->s, c, 0);
				naborted++;
				continue;
			}
			model_root(&f->m, want);
			assert_memory_equal(root, want, HASH_LEN);
			if (g % 40 == 39) {
				/* a reopened store holds the same map: the
				 * cache still counts for it */
				store_close(f->s);
				fx_open_store(f->dir, &f->s);
				cache_check(f->s, c, 1);
			}
			if (g % 20 == 0) {
				assert_int_equal(store_txn_begin(f->s, 0, &t),
				    LIEN_OK);
				prove_all(&f->m, t, root);
				store_txn_abort(t);
			}
		}
		assert_true(naborted > 10);
		build_twin(f, dir, &tw);
		why[0] = '\0';
		if (compare(tw, f->s, why, sizeof why) != LIEN_OK)
			fail_msg("keep %u: %s", keeps[ki], why);
		store_close(tw);
		rm_dir(dir);
		map_wcache_free(c);
	}
	free(saved);
}

/* ---- Tampering with the stored map: the comparison's refusals ----------- */

/* The bytes of a tile record before its child list: the header and the
 * stored slots (a bottom-row interior node has no hash stored, v24). */
static size_t
rec_body_len(const uint8_t *v)
{
	unsigned present = (unsigned)v[0] << 8 | v[1];
	unsigned leaves = (unsigned)v[2] << 8 | v[3];
	unsigned stored = present & ~(present & ~leaves & MAP_TILE_BOTTOM);

	return 4u + HASH_LEN * (unsigned)(__builtin_popcount(stored) +
	    __builtin_popcount(leaves));
}

/* The key and value of the first child record of the root tile in s
 * (a live tile below the root), copied. */
static void
live_child(struct store *s, uint8_t *k, size_t *kl, uint8_t *v, size_t *vl,
    uint8_t *pk, size_t *pkl, uint8_t *pv, size_t *pvl)
{
	struct store_txn *t;
	struct map_stats ms;
	const uint8_t *val;
	size_t len, body;
	unsigned children;
	uint64_t g;

	assert_int_equal(store_txn_begin(s, 0, &t), LIEN_OK);
	assert_int_equal(map_txn_stats(t, &ms), LIEN_OK);
	be64_put(pk, ms.root_gen);
	pk[8] = 0;			/* stratum 0 */
	*pkl = 9;
	assert_int_equal(store_get(t, STORE_MAP, pk, *pkl, &val, &len),
	    LIEN_OK);
	memcpy(pv, val, len);
	*pvl = len;
	body = rec_body_len(val);
	children = (unsigned)val[body] << 8 | val[body + 1];
	assert_true(children != 0);
	g = be64_get(val + body + 2);
	be64_put(k, g);
	k[8] = 1;			/* stratum 1: the byte 1, P's nibble */
	k[9] = (uint8_t)(__builtin_ctz(children) << 4);
	*kl = 10;
	assert_int_equal(store_get(t, STORE_MAP, k, *kl, &val, &len), LIEN_OK);
	memcpy(v, val, len);
	*vl = len;
	store_txn_abort(t);
}

static void
put_raw(struct store *s, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	struct store_txn *t;

	assert_int_equal(store_txn_begin(s, 1, &t), LIEN_OK);
	if (v == NULL)
		assert_int_equal(store_del(t, STORE_MAP, k, kl), LIEN_OK);
	else
		assert_int_equal(store_put(t, STORE_MAP, k, kl, v, vl, 0),
		    LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
}

static void
expect_refused(struct store *want, struct store *have, const char *what)
{
	char why[256];

	why[0] = '\0';
	assert_int_equal(compare(want, have, why, sizeof why), LIEN_ECORRUPT);
	if (strstr(why, what) == NULL)
		fail_msg("why: \"%s\", expected \"%s\"", why, what);
}

static void
test_map_store_compare_tampered(void **state)
{
	struct fx *f = *state;
	struct store *tw;
	char dir[64];
	uint8_t root[HASH_LEN], k[MAP_REC_KEY_MAX], pk[MAP_REC_KEY_MAX];
	uint8_t v[MAP_TILE_REC_MAX], pv[MAP_TILE_REC_MAX];
	uint8_t x[MAP_TILE_REC_MAX];
	size_t kl, vl, pkl, pvl;
	struct map_stats ms;

	for (unsigned g = 0; g < 40; g++)
		batch(f, f->s, &f->c, g == 0 ? 500 : 9, root);
	build_twin(f, dir, &tw);
	assert_int_equal(compare(tw, f->s, NULL, 0), LIEN_OK);
	live_child(f->s, k, &kl, v, &vl, pk, &pkl, pv, &pvl);

	/* a tampered tile: one hash byte */
	memcpy(x, v, vl);
	x[4] ^= 1;
	put_raw(f->s, k, kl, x, vl);
	expect_refused(tw, f->s, "differs from the replayed one");
	put_raw(f->s, k, kl, v, vl);
	assert_int_equal(compare(tw, f->s, NULL, 0), LIEN_OK);

	/* a missing tile */
	put_raw(f->s, k, kl, NULL, 0);
	expect_refused(tw, f->s, "is missing from the store");
	put_raw(f->s, k, kl, v, vl);

	/* a wrong child pointer: the root's first child one generation
	 * off (no such record, or an older copy of another state) */
	memcpy(x, pv, pvl);
	{
		size_t body = rec_body_len(x);
		uint64_t g = be64_get(x + body + 2);

		be64_put(x + body + 2, g + 1000);
		put_raw(f->s, pk, pkl, x, pvl);
		expect_refused(tw, f->s, "is missing from the store");
		be64_put(x + body + 2, 0);
		put_raw(f->s, pk, pkl, x, pvl);
		expect_refused(tw, f->s, "null child");
		/* a child bit cleared: a whole subtree gone */
		memcpy(x, pv, pvl);
		x[body + 1] = (uint8_t)(x[body + 1] & (x[body + 1] - 1u));
		if (x[body + 1] == pv[body + 1])
			x[body] = (uint8_t)(x[body] & (x[body] - 1u));
		memmove(x + body + 2, x + body + 2 + MAP_CHILD_LEN,
		    pvl - body - 2 - MAP_CHILD_LEN);
		put_raw(f->s, pk, pkl, x, pvl - MAP_CHILD_LEN);
		expect_refused(tw, f->s, "differs from the replayed one");
		/* v24: the root tile of this map is full (15 interior
		 * nodes, 16 children) and holds the hashes of its top
		 * seven only, its bottom row's come from the children */
		assert_int_equal(pv[body] << 8 | pv[body + 1], 0xffff);
		assert_int_equal(pvl, 4u + 7u * HASH_LEN + 2u +
		    16u * MAP_CHILD_LEN);
		/* an interior node of the bottom row with no child below
		 * it (children 0 and 1 of slot 7 gone): its hash cannot be
		 * derived, the record is malformed */
		memcpy(x, pv, pvl);
		x[body] = 0x3f;
		memmove(x + body + 2, x + body + 2 + 2 * MAP_CHILD_LEN,
		    pvl - body - 2 - 2 * MAP_CHILD_LEN);
		put_raw(f->s, pk, pkl, x, pvl - 2 * MAP_CHILD_LEN);
		expect_refused(tw, f->s, "is malformed in the store");
		/* a child's top hash that is not its top's (v20): the
		 * writer would hash it into every root above */
		memcpy(x, pv, pvl);
		x[body + 2 + 8 + 5] ^= 0x40;
		put_raw(f->s, pk, pkl, x, pvl);
		expect_refused(tw, f->s, "another child top hash");
		put_raw(f->s, pk, pkl, pv, pvl);
	}
	assert_int_equal(compare(tw, f->s, NULL, 0), LIEN_OK);

	/* garbage the counters do not know of */
	memcpy(x, k, kl);
	be64_put(x, 1);
	x[8] = 3;
	x[9] = 0xee;
	x[10] = 0xe0;
	put_raw(f->s, x, 11, v, vl);
	expect_refused(tw, f->s, "records, its table holds");
	put_raw(f->s, x, 11, NULL, 0);

	/* a malformed tile, and a record from a generation to come */
	put_raw(f->s, k, kl, v, vl - 1);
	expect_refused(tw, f->s, "malformed");
	put_raw(f->s, k, kl, v, vl);
	stats_of(f->s, &ms);
	be64_put(x, ms.gen + 1);
	put_raw(f->s, x, 11, v, vl);
	expect_refused(tw, f->s, "past the last one");
	put_raw(f->s, x, 11, NULL, 0);
	assert_int_equal(compare(tw, f->s, NULL, 0), LIEN_OK);

	/* a kept tile that disagrees with the store is caught: the root
	 * tile's record changed under the cache (another writer) */
	{
		struct store_txn *t;
		char why[256];
		int valid;

		memcpy(x, pv, pvl);
		x[4] ^= 1;
		put_raw(f->s, pk, pkl, x, pvl);
		assert_int_equal(store_txn_begin(f->s, 0, &t), LIEN_OK);
		assert_int_equal(map_wcache_check(f->c, t, &valid, why,
		    sizeof why), LIEN_ECORRUPT);
		store_txn_abort(t);
		assert_non_null(strstr(why, "has another slot in the cache"));
		put_raw(f->s, pk, pkl, pv, pvl);
		cache_check(f->s, f->c, 1);
	}
	{
		struct store_txn *t;
		char why[256];
		int valid;
		size_t body = rec_body_len(pv);

		memcpy(x, pv, pvl);
		x[body + 2 + 8] ^= 1;	/* the first child's top hash */
		put_raw(f->s, pk, pkl, x, pvl);
		assert_int_equal(store_txn_begin(f->s, 0, &t), LIEN_OK);
		assert_int_equal(map_wcache_check(f->c, t, &valid, why,
		    sizeof why), LIEN_ECORRUPT);
		store_txn_abort(t);
		assert_non_null(strstr(why, "another child top hash"));
		put_raw(f->s, pk, pkl, pv, pvl);
		cache_check(f->s, f->c, 1);
	}

	/* another key set: the comparison sees it tile by tile */
	batch(f, f->s, &f->c, 1, root);
	expect_refused(tw, f->s, "status map: ");
	store_close(tw);
	rm_dir(dir);
}

/* The map of b against a's, logically (map_txn_compare: every live
 * tile, the counters against b's table). */
static void
maps_equal(struct store *a, struct store *b)
{
	struct store_txn *ta, *tb;
	char why[256];
	enum lien_status st;

	assert_int_equal(store_txn_begin(a, 0, &ta), LIEN_OK);
	assert_int_equal(store_txn_begin(b, 0, &tb), LIEN_OK);
	st = map_txn_compare(ta, tb, why, sizeof why);
	store_txn_abort(ta);
	store_txn_abort(tb);
	if (st != LIEN_OK)
		fail_msg("maps differ: %s", why);
}

/* The records of the last generation in a and b are the same bytes,
 * key for key (their generations the same); how many there are. The
 * writes' helper thread (ledger/map_store.c wenc_start) must encode
 * exactly what one thread does. */
static size_t
last_records_equal(struct store *a, struct store *b)
{
	struct store_txn *t[2];
	struct store_cursor *cu[2];
	struct map_stats ms[2];
	uint8_t at[8];
	size_t n = 0;

	assert_int_equal(store_txn_begin(a, 0, &t[0]), LIEN_OK);
	assert_int_equal(store_txn_begin(b, 0, &t[1]), LIEN_OK);
	for (unsigned w = 0; w < 2; w++) {
		assert_int_equal(map_txn_stats(t[w], &ms[w]), LIEN_OK);
		assert_int_equal(store_cursor_open(t[w], STORE_MAP, &cu[w]),
		    LIEN_OK);
	}
	assert_int_equal(ms[0].gen, ms[1].gen);
	be64_put(at, ms[0].gen);
	for (;;) {
		const uint8_t *k[2], *v[2];
		size_t kl[2], vl[2];
		int in[2];

		for (unsigned w = 0; w < 2; w++) {
			enum lien_status st = n == 0 ?
			    store_cursor_seek(cu[w], at, sizeof at, &k[w],
			    &kl[w], &v[w], &vl[w]) :
			    store_cursor_next(cu[w], &k[w], &kl[w], &v[w],
			    &vl[w]);

			assert_true(st == LIEN_OK || st == LIEN_ENOTFOUND);
			in[w] = st == LIEN_OK && kl[w] > 8 &&
			    memcmp(k[w], at, 8) == 0;
		}
		assert_int_equal(in[0], in[1]);
		if (!in[0])
			break;
		assert_int_equal(kl[0], kl[1]);
		assert_memory_equal(k[0], k[1], kl[0]);
		assert_int_equal(vl[0], vl[1]);
		assert_memory_equal(v[0], v[1], vl[0]);
		n++;
	}
	for (unsigned w = 0; w < 2; w++) {
		store_cursor_close(cu[w]);
		store_txn_abort(t[w]);
	}
	return n;
}

/* The update on two threads (map_wcache_threads; ledger/map_store.c
 * wc_update_2), with the GC's sweep beside it, against one thread: two
 * stores take the same batches, one each way. After every batch both
 * roots are the definition's, the two maps are the same tile for tile
 * (their garbage differs: the early sweep moves a record of a tile the
 * batch rewrites where one thread deletes it), each cache's kept tiles
 * are its store's, the records each batch writes are the same bytes
 * (the writes sorted and encoded by a helper thread on one side), and
 * the two-thread store keeps the GC's bound step by step (as gc_bound
 * checks one thread's). Kept strata 2, 3 and 5:
 * at 2, the tiles from stratum 2 down are each lane's own and merged
 * after. Every fourth batch is under MAP_SPLIT_MIN (one thread either
 * way). */
static void
test_map_store_threads(void **state)
{
	static const unsigned keeps[] = { 2, 3, 5 };
	struct fx *f = *state;

	for (unsigned ki = 0; ki < sizeof keeps / sizeof keeps[0]; ki++) {
		char dir[2][64];
		struct store *s[2];
		struct map_wcache *c[2];
		struct map_pending p[2] = { { 0 }, { 0 } };
		struct ledger_map_prof pr[2];
		uint64_t count[2] = { 0, 0 };
		uint8_t want[HASH_LEN];
		unsigned nbig = 0;
		struct map_stats ms;
		int64_t before = 0, after, wr, nover = 0;
		uint64_t written = 0;
		size_t nrec = 0;

		memset(f->m.present, 0, sizeof f->m.present);
		f->m.rng = 0x2545f4914f6cdd1dull + ki;
		for (unsigned w = 0; w < 2; w++) {
			strcpy(dir[w], "/tmp/lienlog-test-mapstore-XXXXXX");
			assert_non_null(mkdtemp(dir[w]));
			fx_open_store(dir[w], &s[w]);
			assert_int_equal(map_wcache_create(keeps[ki], &c[w]),
			    LIEN_OK);
			assert_int_equal(map_wcache_threads(c[w], w + 1),
			    LIEN_OK);
		}
		for (unsigned b = 0; b < 80; b++) {
			unsigned nupd = b % 4 == 3 ? 40 : 320;
			uint8_t root[2][HASH_LEN];

			nbig += nupd >= MAP_SPLIT_MIN;
			/* now and then a batch that changes nothing (every
			 * present key set to its value): no generation, but
			 * a sweep beside the update may have deleted records,
			 * which the counters must say (maps_equal) */
			for (unsigned i = 0; b % 8 == 6 && i < NKEYS; i++) {
				if (!f->m.present[i])
					continue;
				for (unsigned w = 0; w < 2; w++)
					assert_int_equal(map_pending_add(&p[w],
					    f->m.key[i], f->m.val[i]), LIEN_OK);
			}
			for (unsigned u = 0; b % 8 != 6 && u < nupd; u++) {
				unsigned i = (unsigned)(rnd(&f->m.rng) % NKEYS);
				int del = f->m.present[i] &&
				    rnd(&f->m.rng) % 6 == 0;

				for (unsigned x = 0; x < MAP_VALUE_LEN; x++)
					f->m.val[i][x] = (uint8_t)rnd(&f->m.rng);
				for (unsigned w = 0; w < 2; w++) {
					assert_int_equal(map_pending_add(&p[w],
					    f->m.key[i], f->m.val[i]), LIEN_OK);
					p[w].u[p[w].n - 1].del = del;
				}
				f->m.present[i] = !del;
			}
			for (unsigned w = 0; w < 2; w++) {
				struct store_txn *t;

				assert_int_equal(store_txn_begin(s[w], 1, &t),
				    LIEN_OK);
				assert_int_equal(map_commit(t, &p[w], &c[w],
				    root[w], &count[w]), LIEN_OK);
				assert_int_equal(store_txn_commit(t), LIEN_OK);
				cache_check(s[w], c[w], 1);
			}
			model_root(&f->m, want);
			assert_memory_equal(root[0], want, HASH_LEN);
			assert_memory_equal(root[1], want, HASH_LEN);
			assert_int_equal(count[0], count[1]);
			maps_equal(s[0], s[1]);
			nrec += last_records_equal(s[0], s[1]);
			stats_of(s[1], &ms);
			map_wcache_prof(c[1], &pr[1]);
			after = (int64_t)ms.total - 2 * (int64_t)ms.live;
			wr = (int64_t)(pr[1].written - written);
			written = pr[1].written;
			if (before > 0) {
				nover++;
				if (after > before - (int64_t)MAP_GC_EXTRA &&
				    ms.total != ms.live)
					fail_msg("batch %u: over the bound by "
					    "%lld, then by %lld", b,
					    (long long)before, (long long)after);
			} else if (after > wr) {
				fail_msg("batch %u: under the bound, then %lld "
				    "over after writing %lld", b,
				    (long long)after, (long long)wr);
			}
			before = after;
		}
		map_wcache_prof(c[0], &pr[0]);
		map_wcache_prof(c[1], &pr[1]);
		assert_int_equal(pr[0].split, 0);
		/* the first batches' map is too small to split */
		assert_true(pr[1].split + 4 >= nbig);
		assert_true(pr[1].apply_aux_ns > 0);
		assert_true(pr[1].gc_taken > 0);
		assert_true(nover > 8);
		assert_true(pr[1].gc_early > 8);
		/* most records encoded by the helper, all the same bytes */
		assert_int_equal(pr[0].enc_aux, 0);
		assert_true(pr[1].enc_aux > 0);
		assert_true(nrec >= pr[1].written - pr[1].written / 8);
		print_message("keep %u: %llu of %u batches on two threads, %llu "
		    "with the sweep beside the update, %lld over the bound\n",
		    keeps[ki], (unsigned long long)pr[1].split, nbig,
		    (unsigned long long)pr[1].gc_early, (long long)nover);
		{
			struct store_txn *t;

			assert_int_equal(store_txn_begin(s[1], 0, &t), LIEN_OK);
			prove_all(&f->m, t, want);
			store_txn_abort(t);
		}
		for (unsigned w = 0; w < 2; w++) {
			map_pending_free(&p[w]);
			map_wcache_free(c[w]);
			store_close(s[w]);
			rm_dir(dir[w]);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_store_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_map_store_every_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_map_store_every_generation_nokeep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_store_gc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_store_gc_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_store_gc_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_store_gc_pages, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_map_store_cache_aborts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_map_store_compare_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_store_threads, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
