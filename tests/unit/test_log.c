/*
 * The log against itself and against merkle.c: appends through the
 * sequencer, reopen, proofs that verify against signed checkpoints, tiles
 * and bundles that match the entries, audit, and refusals. Every batch
 * ends with a state-root entry (docs/lien-status.md), so indexes come from
 * receipts and sizes from the log, never from counting requests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/lien_limits.h"
#include "crypto/note.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "ledger/ledger.h"
#include "ledger/pack.h"
#include "ledger/ledger_int.h"
#include "ledger/store.h"
#include "tlog/map.h"
#include "tlog/merkle.h"
#include "tlog/status.h"
#include "tests/unit/test_map_ref.h"

struct fx {
	char dir[64];
	char *skey, *vkey;
	struct note_signer *signer;
	struct note_verifier ver;
	struct ledger *l;
};

static void
fx_open(struct fx *f, unsigned batch_max)
{
	struct ledger_config cfg = { 0 };

	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.batch_max = batch_max;
	cfg.map_size = 1u << 30;
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	strcpy(f->dir, "/tmp/lienlog-test-log-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(note_key_generate("test.example/log", 16, &f->skey,
	    &f->vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(f->skey, strlen(f->skey),
	    &f->signer), LIEN_OK);
	assert_int_equal(note_verifier_parse(f->vkey, strlen(f->vkey),
	    &f->ver), LIEN_OK);
	fx_open(f, 64);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	ledger_close(f->l);
	note_signer_free(f->signer);
	secret_free(f->skey);
	free(f->vkey);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
payload_for(uint64_t i, uint8_t *buf, size_t *len)
{
	*len = (size_t)snprintf((char *)buf, 64, "entry-%llu-", (unsigned long long)i);
	for (uint64_t k = 0; k < i % 37; k++)
		buf[(*len)++] = (uint8_t)('a' + (i + k) % 26);
}

/* Append n demo entries in batches of chunk; entry i's payload is
 * payload_for(i). Each batch adds its items and one state root. */
static void
append_n(struct fx *f, uint64_t n, size_t chunk)
{
	struct ledger_item items[64] = { 0 };
	struct ledger_receipt rc[64];
	static uint8_t bufs[64][128];

	for (uint64_t done = 0; done < n;) {
		size_t k = n - done < chunk ? (size_t)(n - done) : chunk;
		uint64_t base = ledger_size(f->l);

		for (size_t i = 0; i < k; i++) {
			items[i].type = ENTRY_TYPE_DEMO;
			payload_for(base + i, bufs[i], &items[i].len);
			items[i].payload = bufs[i];
		}
		assert_int_equal(ledger_append_many(f->l, items, k, rc), LIEN_OK);
		for (size_t i = 0; i < k; i++) {
			assert_int_equal(rc[i].index, base + i);
			assert_int_equal(rc[i].tree_size, base + k + 1);
		}
		assert_int_equal(ledger_size(f->l), base + k + 1);
		done += k;
	}
}

/* The latest checkpoint verifies and names the current size and root. */
static void
check_checkpoint(struct fx *f, struct ledger_view *v, uint64_t n)
{
	char *note;
	size_t len;
	struct checkpoint cp;
	uint8_t root[HASH_LEN];

	assert_int_equal(ledger_view_checkpoint(v, n, &note, &len), LIEN_OK);
	assert_int_equal(checkpoint_open((uint8_t *)note, len, &f->ver, &cp),
	    LIEN_OK);
	assert_int_equal(cp.size, n);
	assert_int_equal(ledger_view_root(v, n, root), LIEN_OK);
	assert_memory_equal(cp.root, root, HASH_LEN);
	free(note);
}

static void
test_ledger_append_proofs_verify(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], leaf[HASH_LEN];
	uint8_t root[HASH_LEN], old_root[HASH_LEN];
	size_t np;
	const uint64_t n = 800;

	append_n(f, 700, 7);
	/* 100 batches of 7 items and a state root each */
	assert_int_equal(ledger_size(f->l), n);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_size(v), n);
	check_checkpoint(f, v, n);
	check_checkpoint(f, v, 8);	/* every batch left a checkpoint */
	for (uint64_t size = 1; size <= n; size += 37) {
		assert_int_equal(ledger_view_root(v, size, root), LIEN_OK);
		for (uint64_t i = 0; i < size; i += 11) {
			const uint8_t *e;
			size_t elen;

			assert_int_equal(ledger_view_entry(v, i, &e, &elen), LIEN_OK);
			hash_leaf(e, elen, leaf);
			assert_int_equal(ledger_view_prove_inclusion(v, i, size,
			    proof, &np), LIEN_OK);
			assert_int_equal(merkle_verify_inclusion(leaf, i, size,
			    (const uint8_t (*)[HASH_LEN])proof, np, root), LIEN_OK);
		}
		for (uint64_t m = 1; m <= size; m += 29) {
			assert_int_equal(ledger_view_root(v, m, old_root), LIEN_OK);
			assert_int_equal(ledger_view_prove_consistency(v, m, size,
			    proof, &np), LIEN_OK);
			assert_int_equal(merkle_verify_consistency(m, size, old_root,
			    root, (const uint8_t (*)[HASH_LEN])proof, np), LIEN_OK);
		}
	}
	assert_int_equal(ledger_view_prove_inclusion(v, n, n, proof, &np),
	    LIEN_ERANGE);
	assert_int_equal(ledger_view_prove_inclusion(v, 0, n + 1, proof, &np),
	    LIEN_ERANGE);
	assert_int_equal(ledger_view_prove_consistency(v, 5, 4, proof, &np),
	    LIEN_ERANGE);
	ledger_view_close(v);
}

/* Entries chain: index, prev = leaf hash of the one before, time order. */
static void
test_ledger_entries_chain(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	uint8_t prev[HASH_LEN] = { 0 }, leaf[HASH_LEN];
	uint64_t t = 0;

	append_n(f, 600, 64);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	/* 9 batches of 64, one of 24, each with its state root */
	assert_int_equal(ledger_view_size(v), 610);
	for (uint64_t i = 0; i < 610; i++) {
		const uint8_t *e;
		size_t elen, plen;
		struct entry en;
		uint8_t want[128];

		assert_int_equal(ledger_view_entry(v, i, &e, &elen), LIEN_OK);
		assert_int_equal(entry_decode(e, elen, &en), LIEN_OK);
		assert_int_equal(en.index, i);
		assert_memory_equal(en.prev, prev, HASH_LEN);
		assert_true(en.time_ms >= t);
		if (i % 65 == 64 || i == 609) {
			struct status_root sr;

			assert_int_equal(en.type, ENTRY_TYPE_STATE_ROOT);
			assert_int_equal(status_root_decode(en.payload,
			    en.payload_len, &sr), LIEN_OK);
			assert_int_equal(sr.tree_size, i + 1);
			assert_int_equal(sr.nkeys, 0);
		} else {
			assert_int_equal(en.type, ENTRY_TYPE_DEMO);
			payload_for(i, want, &plen);
			assert_int_equal(en.payload_len, plen);
			assert_memory_equal(en.payload, want, plen);
		}
		hash_leaf(e, elen, leaf);
		assert_int_equal(ledger_view_leaf_hash(v, i, prev), LIEN_OK);
		assert_memory_equal(leaf, prev, HASH_LEN);
		t = en.time_ms;
	}
	ledger_view_close(v);
}

/* Tiles and bundles as C2SP serves them, full and partial. */
static void
test_ledger_tiles_bundles(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	uint8_t *tile, *bun, leaf[HASH_LEN];
	size_t tlen, blen;

	append_n(f, 300, 64);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_tile(v, 0, 0, 256, &tile, &tlen), LIEN_OK);
	assert_int_equal(tlen, 256 * HASH_LEN);
	assert_int_equal(ledger_view_bundle(v, 0, 256, &bun, &blen), LIEN_OK);
	for (size_t i = 0, off = 0; i < 256; i++) {
		size_t el = (size_t)bun[off] << 8 | bun[off + 1];

		hash_leaf(bun + off + 2, el, leaf);
		assert_memory_equal(leaf, tile + i * HASH_LEN, HASH_LEN);
		off += 2 + el;
		if (i == 255)
			assert_int_equal(off, blen);
	}
	free(tile);
	free(bun);
	/* Partial: 49 entries in tile 1 (300 items and 5 state roots); 50
	 * does not exist yet. */
	assert_int_equal(ledger_view_size(v), 305);
	assert_int_equal(ledger_view_tile(v, 0, 1, 49, &tile, &tlen), LIEN_OK);
	assert_int_equal(tlen, 49 * HASH_LEN);
	assert_int_equal(ledger_view_leaf_hash(v, 304, leaf), LIEN_OK);
	assert_memory_equal(leaf, tile + 48 * HASH_LEN, HASH_LEN);
	free(tile);
	assert_int_equal(ledger_view_tile(v, 0, 1, 50, &tile, &tlen),
	    LIEN_ENOTFOUND);
	assert_int_equal(ledger_view_bundle(v, 1, 49, &bun, &blen), LIEN_OK);
	free(bun);
	assert_int_equal(ledger_view_bundle(v, 1, 50, &bun, &blen),
	    LIEN_ENOTFOUND);
	assert_int_equal(ledger_view_bundle(v, 2, 1, &bun, &blen),
	    LIEN_ENOTFOUND);
	/* Level 1: one hash (the root of tile 0/0) in a partial tile. */
	assert_int_equal(ledger_view_tile(v, 1, 0, 1, &tile, &tlen), LIEN_OK);
	{
		uint8_t r[HASH_LEN];

		assert_int_equal(ledger_view_root(v, 256, r), LIEN_OK);
		assert_memory_equal(r, tile, HASH_LEN);
	}
	free(tile);
	assert_int_equal(ledger_view_tile(v, 1, 0, 2, &tile, &tlen),
	    LIEN_ENOTFOUND);
	assert_int_equal(ledger_view_tile(v, 9, 0, 1, &tile, &tlen),
	    LIEN_ENOTFOUND);
	ledger_view_close(v);
}

/* Tile record (tl, ti)'s stored length, through a view of f. */
static size_t
tile_rec_len(struct fx *f, unsigned tl, uint64_t ti)
{
	struct ledger_view *v;
	uint8_t key[9];
	const uint8_t *p;
	size_t len = 0;

	key[0] = (uint8_t)tl;
	be64_put(key + 1, ti);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	if (store_get(v->t, STORE_TILES, key, sizeof key, &p, &len) != LIEN_OK)
		len = 0;
	ledger_view_close(v);
	return len;
}

/* Tile record (0, ti) replaced by len bytes of its own (cut or padded
 * with zeros), the ledger closed around it. */
static void
tile_rec_put(struct fx *f, uint64_t ti, size_t len)
{
	struct store *s = NULL;
	struct store_txn *t = NULL;
	uint8_t key[9] = { 0 }, buf[TILE_REC_LEN] = { 0 };
	const uint8_t *p;
	size_t n;

	be64_put(key + 1, ti);
	ledger_close(f->l);
	f->l = NULL;
	assert_int_equal(store_open(f->dir, 1u << 30, 16, 0, &s), LIEN_OK);
	assert_int_equal(store_txn_begin(s, 1, &t), LIEN_OK);
	assert_int_equal(store_get(t, STORE_TILES, key, sizeof key, &p, &n),
	    LIEN_OK);
	memcpy(buf, p, n < len ? n : len);
	assert_int_equal(store_put(t, STORE_TILES, key, sizeof key, buf, len,
	    0), LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	store_close(s);
	fx_open(f, 64);
}

/* A complete level-0 tile is stored without its leaf hashes (the
 * entries give them): 254 hashes where a partial tile, and every tile
 * above level 0, keeps 510; every reader still gets the leaf hashes
 * (tile route, leaf hash, proofs) and a record of another length is
 * refused. */
static void
test_ledger_tile_leaves_not_stored(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	uint8_t *tile, leaf[HASH_LEN], root[HASH_LEN];
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	size_t tlen, np;
	/* the whole record where it should be short, cut, or padded */
	const size_t bad[] = { TILE_REC_LEN, TILE_REC0_LEN - 1,
	    TILE_REC0_LEN + 1, 0 };

	append_n(f, 600, 64);		/* 610 entries: tiles 0/0, 0/1 full */
	assert_int_equal(tile_rec_len(f, 0, 0), TILE_REC0_LEN);
	assert_int_equal(tile_rec_len(f, 0, 1), TILE_REC0_LEN);
	assert_int_equal(tile_rec_len(f, 0, 2), TILE_REC_LEN);
	assert_int_equal(tile_rec_len(f, 1, 0), TILE_REC_LEN);
	assert_true(TILE_REC0_LEN + 16 <= 2 * 4096);	/* 2 overflow pages */
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_root(v, 610, root), LIEN_OK);
	assert_int_equal(ledger_view_tile(v, 0, 1, 256, &tile, &tlen), LIEN_OK);
	for (uint64_t i = 256; i < 512; i++) {
		const uint8_t *e;
		size_t elen;

		assert_int_equal(ledger_view_entry(v, i, &e, &elen), LIEN_OK);
		hash_leaf(e, elen, leaf);
		assert_memory_equal(tile + (i - 256) * HASH_LEN, leaf,
		    HASH_LEN);
		/* the entry stays valid while the proof reads leaf hashes
		 * of another bundle */
		assert_int_equal(ledger_view_prove_inclusion(v, i ^ 1u, 610,
		    proof, &np), LIEN_OK);
		assert_int_equal(ledger_view_prove_inclusion(v, i, 610, proof,
		    &np), LIEN_OK);
		hash_leaf(e, elen, leaf);
		assert_int_equal(merkle_verify_inclusion(leaf, i, 610,
		    (const uint8_t (*)[HASH_LEN])proof, np, root), LIEN_OK);
	}
	free(tile);
	ledger_view_close(v);

	for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
		tile_rec_put(f, 0, bad[b]);
		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(ledger_view_leaf_hash(v, 3, leaf),
		    LIEN_ECORRUPT);
		assert_int_equal(ledger_view_root(v, 3, root), LIEN_ECORRUPT);
		assert_int_equal(ledger_view_tile(v, 0, 0, 256, &tile, &tlen),
		    LIEN_ECORRUPT);
		ledger_view_close(v);
	}
}

/* A complete bundle is stored in deflated chunks with its prevs dropped
 * (ledger/bundle.h), shorter than the bundle it serves, and every reader
 * sees the bundle's own bytes: the whole bundle, a partial one, entries
 * read back and forth between two bundles (each read begins its bundle
 * again), each prev the leaf hash of the entry before. */
static void
test_ledger_bundle_stored(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	uint8_t *bun[2], *part, key[8], leaf[HASH_LEN];
	size_t blen[2], plen, off[2][256];
	const uint8_t *val, *p;
	size_t vlen, len;
	struct entry e;

	append_n(f, 600, 64);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	for (unsigned b = 0; b < 2; b++) {
		assert_int_equal(ledger_view_bundle(v, b, 256, &bun[b],
		    &blen[b]), LIEN_OK);
		be64_put(key, b);
		assert_int_equal(store_get(v->t, STORE_BUNDLES, key, 8, &val,
		    &vlen), LIEN_OK);
		assert_int_equal(val[0], BUNDLE_CHUNKED);
		assert_true(vlen < blen[b] / 2);
		for (size_t i = 0, at = 0; i < 256; i++) {
			off[b][i] = at;
			at += 2 + ((size_t)bun[b][at] << 8 | bun[b][at + 1]);
		}
	}
	assert_int_equal(ledger_view_bundle(v, 1, 100, &part, &plen),
	    LIEN_OK);
	assert_int_equal(plen, off[1][100]);
	assert_memory_equal(part, bun[1], plen);
	free(part);
	for (unsigned i = 0; i < 512; i++) {
		unsigned b = i % 2, k = (i * 37u) % 256;
		uint64_t idx = b * 256u + k;

		assert_int_equal(ledger_view_entry(v, idx, &p, &len), LIEN_OK);
		assert_int_equal(len, (size_t)bun[b][off[b][k]] << 8 |
		    bun[b][off[b][k] + 1]);
		assert_memory_equal(p, bun[b] + off[b][k] + 2, len);
		assert_int_equal(entry_decode(p, len, &e), LIEN_OK);
		assert_int_equal(e.index, idx);
		if (idx > 0) {
			assert_int_equal(ledger_view_leaf_hash(v, idx - 1,
			    leaf), LIEN_OK);
			assert_memory_equal(e.prev, leaf, HASH_LEN);
		}
	}
	free(bun[0]);
	free(bun[1]);
	ledger_view_close(v);
}

/* Closing and reopening keeps everything; appends continue the chain. */
static void
test_ledger_reopen_continues(void **state)
{
	struct fx *f = *state;
	char why[256];
	struct ledger_view *v;

	append_n(f, 333, 64);
	ledger_close(f->l);
	fx_open(f, 16);
	assert_int_equal(ledger_size(f->l), 339);	/* 6 batches */
	append_n(f, 500, 16);	/* 32 batches */
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
	assert_int_equal(ledger_audit(f->l, NULL, NULL, NULL, why, sizeof why),
	    LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	check_checkpoint(f, v, 871);
	ledger_view_close(v);
}

/* LEDGER_NOSYNC (the growth benchmark's bulk build): the same log and
 * checkpoints, flushed by ledger_sync; a reopen without the flag sees
 * every batch and audits clean. (That it skips the fdatasync is not
 * observable here without a power cut.) */
static void
test_ledger_nosync_sync(void **state)
{
	struct fx *f = *state;
	struct ledger_config cfg = { 0 };
	char why[256];
	struct ledger_view *v;

	ledger_close(f->l);
	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.batch_max = 64;
	cfg.map_size = 1u << 30;
	cfg.flags = LEDGER_NOSYNC;
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
	append_n(f, 200, 64);	/* 4 batches */
	assert_int_equal(ledger_sync(f->l), LIEN_OK);
	append_n(f, 10, 64);	/* closing flushes this one */
	ledger_close(f->l);
	fx_open(f, 64);
	assert_int_equal(ledger_size(f->l), 215);
	assert_int_equal(ledger_sync(f->l), LIEN_OK);	/* harmless */
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	check_checkpoint(f, v, 215);
	ledger_view_close(v);
}

/* ledger_config clock_ms (bench_growth's simulated years): envelope
 * times are the clock's, one reading per item and one per state root,
 * and never go backwards when the clock does; reopened without one, the
 * wall clock continues from there. */
struct tclock {
	uint64_t t, calls;
};

static uint64_t
tclock_read(void *arg)
{
	struct tclock *c = arg;

	c->calls++;
	/* 10 years ago, a day per reading, then a step back at reading 5 */
	return c->t + (c->calls == 5 ? 0 : c->calls * 86400000ull);
}

static void
test_ledger_clock(void **state)
{
	struct fx *f = *state;
	struct ledger_config cfg = { 0 };
	struct tclock c;
	struct ledger_view *v;
	char why[256];
	uint64_t prev = 0;

	ledger_close(f->l);	/* setup's store, still empty */
	c.t = (uint64_t)time(NULL) * 1000u - 3652ull * 86400000u;
	c.calls = 0;
	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.batch_max = 8;
	cfg.map_size = 1u << 30;
	cfg.clock_ms = tclock_read;
	cfg.clock_arg = &c;
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
	append_n(f, 14, 8);	/* 8 + root, 6 + root */
	assert_int_equal(c.calls, 16);
	ledger_close(f->l);
	fx_open(f, 64);
	append_n(f, 2, 64);	/* the wall clock */
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_size(v), 19);
	for (uint64_t i = 0; i < 19; i++) {
		const uint8_t *e;
		size_t elen;
		struct entry en;

		assert_int_equal(ledger_view_entry(v, i, &e, &elen), LIEN_OK);
		assert_int_equal(entry_decode(e, elen, &en), LIEN_OK);
		if (i < 16)	/* reading 5 stepped back: reading 4's again */
			assert_int_equal(en.time_ms, c.t + (i == 4 ? 4 : i + 1) *
			    86400000ull);
		else	/* the wall clock: ten years after c.t */
			assert_true(en.time_ms > c.t + 3000ull * 86400000u);
		assert_true(en.time_ms >= prev);
		prev = en.time_ms;
	}
	ledger_view_close(v);
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
}

struct thr {
	struct ledger *l;
	int id;
	uint64_t idx[200];
};

static void *
appender(void *arg)
{
	struct thr *t = arg;
	char buf[64];

	for (int i = 0; i < 200; i++) {
		struct ledger_receipt rc;
		int n = snprintf(buf, sizeof buf, "thread %d item %d", t->id, i);

		if (ledger_append(t->l, ENTRY_TYPE_DEMO, (uint8_t *)buf,
		    (size_t)n, &rc) != LIEN_OK)
			t->idx[i] = UINT64_MAX;
		else
			t->idx[i] = rc.index;
	}
	return NULL;
}

/* Concurrent appenders: every index handed out once, each holds its entry. */
static void
test_ledger_concurrent_appenders(void **state)
{
	struct fx *f = *state;
	struct thr th[8];
	pthread_t tid[8];
	struct ledger_view *v;
	char why[256];
	uint64_t total;
	uint8_t *seen;

	for (int i = 0; i < 8; i++) {
		th[i].l = f->l;
		th[i].id = i;
		assert_int_equal(pthread_create(&tid[i], NULL, appender, &th[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(tid[i], NULL);
	/* 1600 items and one state root per batch */
	total = ledger_size(f->l);
	assert_true(total > 1600 && total <= 3200);
	seen = calloc(total, 1);
	assert_non_null(seen);
	{
		struct ledger_stats ls;
		uint64_t nb = 0, nc = 0;

		ledger_stats_get(f->l, &ls);
		for (unsigned k = 0; k < LEDGER_HIST_BATCH; k++)
			nb += ls.batch_size_hist[k];
		for (unsigned k = 0; k < LEDGER_HIST_COMMIT; k++)
			nc += ls.commit_hist[k];
		assert_int_equal(nb, ls.batches);
		assert_int_equal(nc, ls.batches);
		assert_int_equal(ls.entries, total);
		assert_int_equal(ls.entries, 1600 + ls.batches);
	}
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	for (int i = 0; i < 8; i++) {
		for (int k = 0; k < 200; k++) {
			const uint8_t *e;
			size_t elen;
			struct entry en;
			char want[64];
			int n = snprintf(want, sizeof want, "thread %d item %d", i, k);

			assert_true(th[i].idx[k] < total);
			assert_false(seen[th[i].idx[k]]);
			seen[th[i].idx[k]] = 1;
			assert_int_equal(ledger_view_entry(v, th[i].idx[k], &e,
			    &elen), LIEN_OK);
			assert_int_equal(entry_decode(e, elen, &en), LIEN_OK);
			assert_int_equal(en.payload_len, (size_t)n);
			assert_memory_equal(en.payload, want, (size_t)n);
		}
	}
	ledger_view_close(v);
	free(seen);
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
}

static void
test_ledger_append_refusals(void **state)
{
	struct fx *f = *state;
	struct ledger_receipt rc;
	uint8_t *big = calloc(1, ENTRY_PAYLOAD_MAX + 1);
	struct ledger_item items[65];

	assert_int_equal(ledger_append(f->l, 0, big, ENTRY_PAYLOAD_MAX + 1, &rc),
	    LIEN_ETOOBIG);
	assert_int_equal(ledger_append(f->l, 0, NULL, 5, &rc), LIEN_EINVAL);
	memset(items, 0, sizeof items);
	assert_int_equal(ledger_append_many(f->l, items, 65, NULL), LIEN_EINVAL);
	/* The largest entry fits exactly. */
	assert_int_equal(ledger_append(f->l, 0, big, ENTRY_PAYLOAD_MAX, &rc),
	    LIEN_OK);
	assert_int_equal(rc.index, 0);
	assert_int_equal(ledger_size(f->l), 2);	/* and its state root */
	free(big);
}

/* A store bound to one origin refuses another log key. */
static void
test_ledger_open_wrong_origin(void **state)
{
	struct fx *f = *state;
	char *sk, *vk;
	struct note_signer *other;
	struct ledger_config cfg = { 0 };
	struct ledger *l2;

	append_n(f, 3, 3);
	ledger_close(f->l);
	f->l = NULL;
	assert_int_equal(note_key_generate("other.example/log", 17, &sk, &vk),
	    LIEN_OK);
	assert_int_equal(note_signer_parse(sk, strlen(sk), &other), LIEN_OK);
	cfg.dir = f->dir;
	cfg.signer = other;
	assert_int_equal(ledger_open(&cfg, &l2), LIEN_EKEY);
	note_signer_free(other);
	secret_free(sk);
	free(vk);
	fx_open(f, 64);
}

/* Audit with a key that is not the log's is refused. */
static void
test_ledger_audit_wrong_key(void **state)
{
	struct fx *f = *state;
	char *sk, *vk, why[256];
	struct note_verifier other;

	append_n(f, 10, 3);
	/* Same name, different key: every checkpoint signature fails. */
	assert_int_equal(note_key_generate("test.example/log", 16, &sk, &vk),
	    LIEN_OK);
	assert_int_equal(note_verifier_parse(vk, strlen(vk), &other), LIEN_OK);
	assert_int_equal(ledger_audit(f->l, &other, NULL, NULL, why, sizeof why),
	    LIEN_EVERIFY);
	assert_non_null(strstr(why, "checkpoint at size 4"));
	secret_free(sk);
	free(vk);
}

/* A toy state machine: each item claims a name; a second claim of the same
 * name is refused before any write. */
struct claim {
	const char *name;
};

static enum lien_status LIEN_MUST_CHECK
claim_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	struct claim *c = arg;
	const uint8_t *v;
	size_t vlen, n = strlen(c->name);
	uint8_t idx[8];

	(void)time_ms;
	if (ledger_state_get(st, LEDGER_T_PARTIES, c->name, n, &v, &vlen) ==
	    LIEN_OK)
		return LIEN_EEXIST;
	if (n > cap)
		return LIEN_ETOOBIG;
	for (int i = 0; i < 8; i++)
		idx[i] = (uint8_t)(index >> (56 - 8 * i));
	memcpy(out, c->name, n);
	*out_len = n;
	return ledger_state_put(st, LEDGER_T_PARTIES, c->name, n, idx, 8);
}

static int
count_rec(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)k; (void)kl; (void)v; (void)vl;
	(*(int *)ctx)++;
	return 0;
}

static void
test_ledger_build_refusal_consumes_nothing(void **state)
{
	struct fx *f = *state;
	struct claim c[4] = { { "alpha" }, { "beta" }, { "alpha" }, { "gamma" } };
	struct ledger_item items[4] = { { 0 } };
	struct ledger_receipt rc[4];
	struct ledger_view *v;
	const uint8_t *val, *e;
	size_t vlen, elen;
	struct entry en;
	char why[256];
	int count = 0;

	for (int i = 0; i < 4; i++) {
		items[i].type = 7;
		items[i].build = claim_build;
		items[i].arg = &c[i];
	}
	/* One batch: the second "alpha" sees the first one's state. */
	assert_int_equal(ledger_append_many(f->l, items, 4, rc), LIEN_OK);
	assert_int_equal(rc[0].status, LIEN_OK);
	assert_int_equal(rc[1].status, LIEN_OK);
	assert_int_equal(rc[2].status, LIEN_EEXIST);
	assert_int_equal(rc[2].index, UINT64_MAX);
	assert_int_equal(rc[3].status, LIEN_OK);
	assert_int_equal(rc[3].index, 2);
	assert_int_equal(rc[3].tree_size, 4);
	assert_int_equal(ledger_size(f->l), 4);
	/* A batch of only refusals writes nothing and signs nothing, not
	 * even a state root. */
	assert_int_equal(ledger_append_item(f->l, &items[2], &rc[0]),
	    LIEN_EEXIST);
	assert_int_equal(ledger_size(f->l), 4);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_PARTIES, "gamma", 5,
	    &val, &vlen), LIEN_OK);
	assert_int_equal(vlen, 8);
	assert_int_equal(val[7], 2);
	assert_int_equal(ledger_view_entry(v, 2, &e, &elen), LIEN_OK);
	assert_int_equal(entry_decode(e, elen, &en), LIEN_OK);
	assert_int_equal(en.type, 7);
	assert_int_equal(en.payload_len, 5);
	assert_memory_equal(en.payload, "gamma", 5);
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_PARTIES, NULL, 0,
	    count_rec, &count), LIEN_OK);
	assert_int_equal(count, 3);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_COUNT, "x", 1, &val,
	    &vlen), LIEN_EINVAL);
	ledger_view_close(v);
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
}

/* A build that writes a private record and a sealed box for its index,
 * of a length that varies with it (every third index writes none, like
 * a log's own entries), and reads them back before and after a put. */
static void
rec_for(uint64_t index, int sealed, uint8_t *buf, size_t *len)
{
	*len = 600 + (size_t)(index * 7 % 300) + (sealed ? 50u : 0u);
	for (size_t i = 0; i < *len; i++)
		buf[i] = (uint8_t)(index * 31 + i + (sealed ? 7u : 0u));
}

static enum lien_status
rec_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t k[8], buf[1024];
	size_t len;
	const uint8_t *v;
	size_t vl;
	enum lien_status rc;

	(void)arg;
	(void)time_ms;
	if (cap < 8)
		return LIEN_ETOOBIG;
	for (int i = 0; i < 8; i++)
		k[i] = (uint8_t)(index >> (56 - 8 * i));
	memcpy(out, k, 8);
	*out_len = 8;
	if (index % 3 == 2)
		return LIEN_OK;
	for (int s = 0; s < 2; s++) {
		enum ledger_table tb = s ? LEDGER_T_SEALED : LEDGER_T_PRIVATE;

		rec_for(index, s, buf, &len);
		if ((rc = ledger_state_put(st, tb, k, 8, buf, len)) != LIEN_OK)
			return rc;
		if ((rc = ledger_state_get(st, tb, k, 8, &v, &vl)) != LIEN_OK)
			return rc;
		if (vl != len || memcmp(v, buf, len) != 0)
			return LIEN_ECORRUPT;
	}
	/* an earlier index, packed by now: found as written (absent when
	 * that index wrote none, or was a state root) */
	if (index >= 300) {
		uint64_t e = index - 299;

		k[7] = (uint8_t)(e & 0xff);
		k[6] = (uint8_t)(e >> 8);
		rc = ledger_state_get(st, LEDGER_T_PRIVATE, k, 8, &v, &vl);
		if (rc == LIEN_OK) {
			rec_for(e, 0, buf, &len);
			if (e % 3 == 2 || vl != len || memcmp(v, buf, len) != 0)
				return LIEN_ECORRUPT;
		} else if (rc != LIEN_ENOTFOUND) {
			return rc;
		}
	}
	return LIEN_OK;
}

/* The packs a scan passes (keys of 9 bytes) are all in form want: a
 * deflated one far smaller than its 170-odd records of 600-900 bytes. */
struct pack_forms {
	unsigned want;
	uint64_t packs;
};

static int
pack_form(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	struct pack_forms *pf = ctx;

	(void)k;
	if (kl != 9)
		return 0;
	assert_true(vl > 0);
	assert_int_equal(v[0], pf->want);
	if (pf->want == PACK_DEFLATE)
		assert_true(vl < 16384);
	else
		assert_true(vl > 100000);
	pf->packs++;
	return 0;
}

/* Private records and sealed boxes of complete bundles are packed
 * (ledger/log.c): every one reads back the same from a view, packed or
 * not, absent ones stay absent, and once bundles are complete the tables
 * hold few records (packs, and the last bundle's records). */
static void
test_ledger_state_packs(void **state)
{
	struct fx *f = *state;
	struct ledger_item items[40];
	struct ledger_receipt rc[40];
	struct ledger_view *v;
	uint64_t n;
	uint8_t k[8], buf[1024];
	const uint8_t *val;
	size_t vlen, len;
	int count = 0;

	memset(items, 0, sizeof items);
	for (int i = 0; i < 40; i++) {
		items[i].type = 7;
		items[i].build = rec_build;
	}
	/* batches of 40 (+ a state root) straddle the bundle edges */
	for (int r = 0; r < 20; r++) {
		assert_int_equal(ledger_append_many(f->l, items, 40, rc),
		    LIEN_OK);
		for (int i = 0; i < 40; i++)
			assert_int_equal(rc[i].status, LIEN_OK);
	}
	n = ledger_size(f->l);
	assert_true(n > 3 * 256);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	for (uint64_t i = 0; i < n + 2; i++) {
		struct entry en;
		const uint8_t *e;
		size_t elen;
		int built = 0;

		if (i < n) {
			assert_int_equal(ledger_view_entry(v, i, &e, &elen),
			    LIEN_OK);
			assert_int_equal(entry_decode(e, elen, &en), LIEN_OK);
			built = en.type == 7;
		}
		for (int s = 0; s < 2; s++) {
			enum lien_status st;

			for (int j = 0; j < 8; j++)
				k[j] = (uint8_t)(i >> (56 - 8 * j));
			st = ledger_view_state_get(v, s ? LEDGER_T_SEALED :
			    LEDGER_T_PRIVATE, k, 8, &val, &vlen);
			if (!built || i % 3 == 2) {
				assert_int_equal(st, LIEN_ENOTFOUND);
				continue;
			}
			assert_int_equal(st, LIEN_OK);
			rec_for(i, s, buf, &len);
			assert_int_equal(vlen, len);
			assert_memory_equal(val, buf, len);
		}
	}
	/* a 7-byte key is no index: not found, not a pack lookup */
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_PRIVATE, k, 7,
	    &val, &vlen), LIEN_ENOTFOUND);
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_PRIVATE, NULL, 0,
	    count_rec, &count), LIEN_OK);
	/* v23: the private records' packs deflated (these records repeat
	 * every 256 bytes), the sealed boxes' plain (ledger/pack.h) */
	{
		struct pack_forms pf = { PACK_DEFLATE, 0 };

		assert_int_equal(ledger_view_state_scan(v, LEDGER_T_PRIVATE,
		    NULL, 0, pack_form, &pf), LIEN_OK);
		assert_int_equal(pf.packs, n / 256);
		pf.want = PACK_PLAIN;
		pf.packs = 0;
		assert_int_equal(ledger_view_state_scan(v, LEDGER_T_SEALED,
		    NULL, 0, pack_form, &pf), LIEN_OK);
		assert_int_equal(pf.packs, n / 256);
	}
	/* one pack per complete bundle, the rest under their index */
	assert_true(count <= (int)(n / 256) + 256);
	assert_true(count >= (int)(n / 256));
	/* The view keeps its last pack per table and scans on from the last
	 * slot found (view_get_packed): descending, then scattered reads
	 * through the same view find what a fresh view finds. */
	for (uint64_t r = 0; r < 2 * (n + 2); r++) {
		uint64_t i = r < n + 2 ? n + 1 - r : (r * 7919u) % (n + 2);
		struct ledger_view *w;
		const uint8_t *wval;
		size_t wlen;

		assert_int_equal(ledger_view_open(f->l, &w), LIEN_OK);
		for (int j = 0; j < 8; j++)
			k[j] = (uint8_t)(i >> (56 - 8 * j));
		for (int s = 0; s < 2; s++) {
			enum ledger_table tb = s ? LEDGER_T_SEALED :
			    LEDGER_T_PRIVATE;
			enum lien_status a = ledger_view_state_get(v, tb, k, 8,
			    &val, &vlen);

			assert_int_equal(a, ledger_view_state_get(w, tb, k, 8,
			    &wval, &wlen));
			if (a == LIEN_OK) {
				assert_int_equal(vlen, wlen);
				assert_memory_equal(val, wval, wlen);
			}
		}
		ledger_view_close(w);
	}
	ledger_view_close(v);
}

static int
collect_idx(void *ctx, uint64_t index, const uint8_t *e, size_t len)
{
	uint64_t *next = ctx;
	struct entry en;

	assert_int_equal(index, *next);
	assert_int_equal(entry_decode(e, len, &en), LIEN_OK);
	assert_int_equal(en.index, index);
	(*next)++;
	return 0;
}

static int
stop_at_300(void *ctx, uint64_t index, const uint8_t *e, size_t len)
{
	(void)e; (void)len;
	*(uint64_t *)ctx = index;
	return index == 300;
}

/* Replaying the build callbacks into a scratch store yields the stored
 * state exactly; a divergent replay is reported with the key. */
static void
test_ledger_replay_scratch(void **state)
{
	struct fx *f = *state;
	struct claim c[3] = { { "alpha" }, { "beta" }, { "gamma" } };
	struct ledger_item items[3] = { { 0 } };
	struct ledger_receipt rc[3];
	struct ledger_view *v;
	struct ledger_scratch *sc;
	struct ledger_state *st;
	char dir[64], why[256], cmd[128];
	uint64_t next = 0, last = 0;
	uint8_t out[64];
	size_t outl;

	append_n(f, 600, 64);
	for (int i = 0; i < 3; i++) {
		items[i].build = claim_build;
		items[i].arg = &c[i];
	}
	assert_int_equal(ledger_append_many(f->l, items, 3, rc), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_foreach_entry(v, 0, collect_idx, &next),
	    LIEN_OK);
	assert_int_equal(next, 614);	/* 11 batches */
	next = 250;
	assert_int_equal(ledger_view_foreach_entry(v, 250, collect_idx, &next),
	    LIEN_OK);
	assert_int_equal(next, 614);
	assert_int_equal(ledger_view_foreach_entry(v, 0, stop_at_300, &last),
	    LIEN_OK);
	assert_int_equal(last, 300);

	strcpy(dir, "/tmp/lienlog-test-scratch-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_scratch_open(dir, &sc), LIEN_OK);
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(claim_build(&c[i], st, rc[i].index, 0,
		    out, sizeof out, &outl), LIEN_OK);
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_PARTIES, why,
	    sizeof why), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_APPS, why,
	    sizeof why), LIEN_OK);
	/* A replay that diverges (one claim at a different index). */
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	assert_int_equal(ledger_state_del(st, LEDGER_T_PARTIES, "beta", 4),
	    LIEN_OK);
	assert_int_equal(claim_build(&c[1], st, 9, 0, out, sizeof out, &outl),
	    LIEN_OK);
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_PARTIES, why,
	    sizeof why), LIEN_ECORRUPT);
	assert_non_null(strstr(why, "62657461"));	/* "beta" in hex */
	ledger_scratch_close(sc);
	ledger_view_close(v);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the vehicle tables (ledger/vehicle_state.c) ---------------------- */

static void
vkey_hex(char out[65], unsigned n)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 64; i++)
		out[i] = hx[(n * 7u + (unsigned)i * 13u) % 16u];
	out[0] = hx[n % 16u];	/* distinct, and not in n's order */
	out[64] = 0;
}

static enum lien_status
vput(struct ledger_state *st, enum ledger_table tb, unsigned n,
    const char *val)
{
	char k[65];

	vkey_hex(k, n);
	return ledger_state_put(st, tb, k, 64, val, strlen(val));
}

/* The store's writes: three vehicles, one rewritten twice, one deleted
 * again, private records for two of them. */
static enum lien_status
vehicles_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *k, *v;
	size_t kl, vl;
	char key[65];
	enum lien_status rc;

	(void)arg;
	(void)index;
	(void)time_ms;
	(void)cap;
	*out_len = 1;
	out[0] = 'v';
	/* a key that is not 64 lowercase hex digits: no such record */
	if (ledger_state_put(st, LEDGER_T_VEHICLES, "ABC", 3, "x", 1) !=
	    LIEN_EINVAL)
		return LIEN_EINVAL;
	if ((rc = vput(st, LEDGER_T_VEHICLES, 1, "one")) != LIEN_OK ||
	    (rc = vput(st, LEDGER_T_VEHICLES, 2, "two")) != LIEN_OK ||
	    (rc = vput(st, LEDGER_T_VPRIVATE, 1, "one-private")) != LIEN_OK ||
	    (rc = vput(st, LEDGER_T_VEHICLES, 3, "three")) != LIEN_OK ||
	    (rc = vput(st, LEDGER_T_VEHICLES, 1, "one again")) != LIEN_OK ||
	    (rc = vput(st, LEDGER_T_VPRIVATE, 2, "two-private")) != LIEN_OK ||
	    (rc = vput(st, LEDGER_T_VEHICLES, 1, "one at last")) != LIEN_OK)
		return rc;
	vkey_hex(key, 3);
	if ((rc = ledger_state_del(st, LEDGER_T_VEHICLES, key, 64)) !=
	    LIEN_OK)
		return rc;
	if (ledger_state_del(st, LEDGER_T_VEHICLES, key, 64) !=
	    LIEN_ENOTFOUND)
		return LIEN_EINVAL;
	vkey_hex(key, 2);
	if ((rc = ledger_state_del(st, LEDGER_T_VPRIVATE, key, 64)) !=
	    LIEN_OK || (rc = vput(st, LEDGER_T_VPRIVATE, 2, "two-private 2")) !=
	    LIEN_OK)
		return rc;
	/* the first public record in key order, by seek */
	if ((rc = ledger_state_seek(st, LEDGER_T_VEHICLES, NULL, 0, &k, &kl,
	    &v, &vl)) != LIEN_OK)
		return rc;
	vkey_hex(key, 1);
	if (kl != 64 || memcmp(k, key, 64) != 0 || vl != 11 ||
	    memcmp(v, "one at last", 11) != 0)
		return LIEN_ECORRUPT;
	return LIEN_OK;
}

struct vscan {
	char keys[4][65];
	char vals[4][32];
	int n;
};

static int
vscan_visit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	struct vscan *s = ctx;

	assert_int_equal(kl, 64);
	assert_true(s->n < 4 && vl < 32);
	memcpy(s->keys[s->n], k, 64);
	s->keys[s->n][64] = 0;
	memcpy(s->vals[s->n], v, vl);
	s->vals[s->n][vl] = 0;
	s->n++;
	return 0;
}

/* arg 0: vehicle 5 gets a public record and a window; 1: its window is
 * replaced by a shorter one, then emptied, and a replace of vehicle 6's
 * (none) finds nothing. */
static enum lien_status
window_replace_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	char key[65];
	enum lien_status rc;

	(void)index;
	(void)time_ms;
	(void)cap;
	*out_len = 1;
	out[0] = 'w';
	vkey_hex(key, 5);
	if (arg == NULL)
		return (rc = vput(st, LEDGER_T_VEHICLES, 5, "five")) != LIEN_OK ?
		    rc : vput(st, LEDGER_T_VWINDOW, 5, "window of five");
	if ((rc = ledger_state_replace(st, LEDGER_T_VWINDOW, key, 64,
	    "window", 6)) != LIEN_OK ||
	    (rc = ledger_state_replace(st, LEDGER_T_VWINDOW, key, 64, "", 0)) !=
	    LIEN_OK)
		return rc;
	vkey_hex(key, 6);
	return ledger_state_replace(st, LEDGER_T_VWINDOW, key, 64, "x", 1) ==
	    LIEN_ENOTFOUND ? LIEN_OK : LIEN_EINVAL;
}

/* Append one entry built by build(NULL), then one by build(1) with the
 * write counts on: the second's writes to `vehicles` (the pointer
 * records) and to `vrecords`. */
static void
vehicle_writes(struct fx *f, ledger_build_fn build, uint64_t *vptr_writes,
    uint64_t *vrec_writes)
{
	struct ledger_item item = { 0 };
	struct ledger_receipt rc;
	const char *name;
	uint64_t writes, pages;

	*vptr_writes = *vrec_writes = 99;
	item.build = build;
	assert_int_equal(ledger_append_many(f->l, &item, 1, &rc), LIEN_OK);
	assert_int_equal(rc.status, LIEN_OK);
	assert_int_equal(ledger_wstat_start(f->l), LIEN_OK);
	item.arg = (void *)1;
	assert_int_equal(ledger_append_many(f->l, &item, 1, &rc), LIEN_OK);
	assert_int_equal(rc.status, LIEN_OK);
	for (unsigned i = 0; ledger_wstat_get(f->l, i, &name, &writes,
	    &pages) == LIEN_OK; i++) {
		if (strcmp(name, "vehicles") == 0)
			*vptr_writes = writes;
		if (strcmp(name, "vrecords") == 0)
			*vrec_writes = writes;
	}
}

/* ledger_state_replace of a vehicle table (store v26, a window's prune)
 * rewrites the record where it lies: one write to `vrecords`, none to
 * the pointer records of `vehicles` (a random page per pruned window
 * when the record moved or went); every reader sees the new value. */
static void
test_ledger_vehicle_replace(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	const uint8_t *val;
	uint64_t vptr_writes, vrec_writes;
	char k5[65];
	size_t vl;

	vehicle_writes(f, window_replace_build, &vptr_writes, &vrec_writes);
	assert_int_equal(vptr_writes, 0);
	assert_int_equal(vrec_writes, 2);
	vkey_hex(k5, 5);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	/* an emptied window is no window (store v28) */
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VWINDOW, k5, 64,
	    &val, &vl), LIEN_ENOTFOUND);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VEHICLES, k5, 64,
	    &val, &vl), LIEN_OK);
	assert_int_equal(vl, 4);
	assert_memory_equal(val, "five", 4);
	ledger_view_close(v);
}

/* arg 0: vehicle 7 gets a public record; 1: it is rewritten twice,
 * longer then shorter, and gets its first private record. */
static enum lien_status
rewrite_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	enum lien_status rc;

	(void)index;
	(void)time_ms;
	(void)cap;
	*out_len = 1;
	out[0] = 'r';
	if (arg == NULL)
		return vput(st, LEDGER_T_VEHICLES, 7, "seven");
	if ((rc = vput(st, LEDGER_T_VEHICLES, 7,
	    "seven, now mortgaged to a bank")) != LIEN_OK ||
	    (rc = vput(st, LEDGER_T_VEHICLES, 7, "seven, mortgaged")) !=
	    LIEN_OK)
		return rc;
	return vput(st, LEDGER_T_VPRIVATE, 7, "private seven");
}

/* A vehicle's record rewritten (ledger_state_put of a record it has)
 * takes the new value where it lies in `vrecords`: one write each, and
 * none to the pointer records of `vehicles` (a random page per
 * registration when the record moved: append, delete, pointer). Only a
 * record the vehicle did not have writes its pointer. */
static void
test_ledger_vehicle_rewrite_in_place(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	const uint8_t *val;
	uint64_t vptr_writes, vrec_writes;
	char k7[65];
	size_t vl;

	vehicle_writes(f, rewrite_build, &vptr_writes, &vrec_writes);
	assert_int_equal(vptr_writes, 1);	/* the private record's */
	assert_int_equal(vrec_writes, 3);
	vkey_hex(k7, 7);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VEHICLES, k7, 64,
	    &val, &vl), LIEN_OK);
	assert_int_equal(vl, 16);
	assert_memory_equal(val, "seven, mortgaged", 16);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VPRIVATE, k7, 64,
	    &val, &vl), LIEN_OK);
	assert_int_equal(vl, 13);
	assert_memory_equal(val, "private seven", 13);
	ledger_view_close(v);
}

/* arg 0: vehicle 9 gets its public record (its pointer record made);
 * 1, a later commit: its window reads as none to a get, a seek, a
 * replace and a delete, then it gets its first window. */
static enum lien_status
window_reserved_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	char key[65];
	const uint8_t *k, *v;
	size_t kl, vl;

	(void)index;
	(void)time_ms;
	(void)cap;
	*out_len = 1;
	out[0] = 'v';
	if (arg == NULL)
		return vput(st, LEDGER_T_VEHICLES, 9, "nine");
	vkey_hex(key, 9);
	if (ledger_state_get(st, LEDGER_T_VWINDOW, key, 64, &v, &vl) !=
	    LIEN_ENOTFOUND ||
	    ledger_state_seek(st, LEDGER_T_VWINDOW, NULL, 0, &k, &kl, &v,
	    &vl) != LIEN_ENOTFOUND ||
	    ledger_state_replace(st, LEDGER_T_VWINDOW, key, 64, "x", 1) !=
	    LIEN_ENOTFOUND ||
	    ledger_state_del(st, LEDGER_T_VWINDOW, key, 64) != LIEN_ENOTFOUND)
		return LIEN_EINVAL;
	return vput(st, LEDGER_T_VWINDOW, 9, "window of nine");
}

/* A vehicle's pointer record is made with its window's slot reserved
 * (store v28): the window its first application gives it in a later
 * commit is written where the reserved empty record lies, one write to
 * `vrecords` and none to `vehicles` (a random leaf and its branch
 * pages; without the reservation the pointer is written again). Until
 * then the vehicle has no window to any reader. */
static void
test_ledger_vehicle_window_reserved(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	struct vscan s;
	const uint8_t *val;
	uint64_t vptr_writes, vrec_writes;
	char k9[65];
	size_t vl;

	vehicle_writes(f, window_reserved_build, &vptr_writes, &vrec_writes);
	assert_int_equal(vptr_writes, 0);
	assert_int_equal(vrec_writes, 1);
	vkey_hex(k9, 9);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VWINDOW, k9, 64,
	    &val, &vl), LIEN_OK);
	assert_int_equal(vl, 14);
	assert_memory_equal(val, "window of nine", 14);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VEHICLES, k9, 64,
	    &val, &vl), LIEN_OK);
	assert_int_equal(vl, 4);
	assert_memory_equal(val, "nine", 4);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VPRIVATE, k9, 64,
	    &val, &vl), LIEN_ENOTFOUND);
	memset(&s, 0, sizeof s);
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_VWINDOW, NULL, 0,
	    vscan_visit, &s), LIEN_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.vals[0], "window of nine");
	ledger_view_close(v);
}

/* arg 1: pstate records of three key classes and one binary key. */
static enum lien_status
classes_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	static const char *const keys[] = { "o/one", "st/x", "o/two",
	    "o/three", "\x01/\x02" };
	enum lien_status rc = LIEN_OK;

	(void)index;
	(void)time_ms;
	(void)cap;
	*out_len = 1;
	out[0] = 'k';
	for (size_t i = 0; arg != NULL && rc == LIEN_OK && i < 5; i++)
		rc = ledger_state_put(st, LEDGER_T_PSTATE, keys[i],
		    strlen(keys[i]), "v", 1);
	return rc;
}

/* ledger_wstat_class: a table's writes by key class, in the order the
 * classes were first written ("" for a key without a lowercase prefix
 * and '/'), and the clean leaves they landed on. */
static void
test_ledger_wstat_classes(void **state)
{
	struct fx *f = *state;
	struct ledger_item item = { 0 };
	struct ledger_receipt rc;
	const char *name;
	char cls[LEDGER_WSTAT_CLASS_LEN];
	uint64_t w, lv;
	unsigned t;

	item.build = classes_build;
	assert_int_equal(ledger_wstat_start(f->l), LIEN_OK);
	item.arg = (void *)1;
	assert_int_equal(ledger_append_many(f->l, &item, 1, &rc), LIEN_OK);
	assert_int_equal(rc.status, LIEN_OK);
	for (t = 0; ledger_wstat_get(f->l, t, &name, &w, &lv) == LIEN_OK;
	    t++)
		if (strcmp(name, "pstate") == 0)
			break;
	assert_int_equal(ledger_wstat_class(f->l, t, 0, &name, cls, &w, &lv),
	    LIEN_OK);
	assert_string_equal(name, "pstate");
	assert_string_equal(cls, "o/");
	assert_int_equal(w, 3);
	assert_true(lv <= 1);	/* a fresh table: at most its one leaf */
	assert_int_equal(ledger_wstat_class(f->l, t, 1, &name, cls, &w, &lv),
	    LIEN_OK);
	assert_string_equal(cls, "st/");
	assert_int_equal(w, 1);
	assert_int_equal(ledger_wstat_class(f->l, t, 2, &name, cls, &w, &lv),
	    LIEN_OK);
	assert_string_equal(cls, "");
	assert_int_equal(w, 1);
	assert_int_equal(ledger_wstat_class(f->l, t, 3, &name, cls, &w, &lv),
	    LIEN_ENOTFOUND);
}

/* LEDGER_T_VEHICLES and LEDGER_T_VPRIVATE read like tables keyed by the
 * vehicle key's hex, whatever pointers and appended records are below;
 * the audit compares them by key and record, so a replay whose appends
 * differ (a public replay writes no private records) still matches. */
static void
test_ledger_vehicle_tables(void **state)
{
	struct fx *f = *state;
	struct ledger_item item = { 0 };
	struct ledger_receipt rc;
	struct ledger_view *v;
	struct ledger_scratch *sc;
	struct ledger_state *st;
	struct vscan s;
	char dir[64], why[256], cmd[128], k1[65], k2[65], k3[65];
	const uint8_t *val;
	size_t vl;

	item.build = vehicles_build;
	assert_int_equal(ledger_append_many(f->l, &item, 1, &rc), LIEN_OK);
	assert_int_equal(rc.status, LIEN_OK);
	vkey_hex(k1, 1);
	vkey_hex(k2, 2);
	vkey_hex(k3, 3);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VEHICLES, k1, 64,
	    &val, &vl), LIEN_OK);
	assert_int_equal(vl, 11);
	assert_memory_equal(val, "one at last", 11);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VPRIVATE, k1, 64,
	    &val, &vl), LIEN_OK);
	assert_memory_equal(val, "one-private", 11);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VEHICLES, k3, 64,
	    &val, &vl), LIEN_ENOTFOUND);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VPRIVATE, k3, 64,
	    &val, &vl), LIEN_ENOTFOUND);
	k1[0] = 'A';	/* upper case: no such key */
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VEHICLES, k1, 64,
	    &val, &vl), LIEN_ENOTFOUND);
	k1[0] = '1';
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VEHICLES, k1, 63,
	    &val, &vl), LIEN_ENOTFOUND);
	/* scans: key order, hex keys, each table its own records */
	memset(&s, 0, sizeof s);
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_VEHICLES, NULL, 0,
	    vscan_visit, &s), LIEN_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.keys[0], k1);
	assert_string_equal(s.vals[0], "one at last");
	assert_string_equal(s.keys[1], k2);
	assert_string_equal(s.vals[1], "two");
	memset(&s, 0, sizeof s);
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_VPRIVATE, k2, 64,
	    vscan_visit, &s), LIEN_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.vals[0], "two-private 2");
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_VPRIVATE, k2, 63,
	    vscan_visit, &s), LIEN_EINVAL);

	/* a public replay: other appends, the same public records */
	strcpy(dir, "/tmp/lienlog-test-vehicles-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_scratch_open(dir, &sc), LIEN_OK);
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	assert_int_equal(vput(st, LEDGER_T_VEHICLES, 2, "two"), LIEN_OK);
	assert_int_equal(vput(st, LEDGER_T_VEHICLES, 1, "one at last"),
	    LIEN_OK);
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_VEHICLES, why,
	    sizeof why), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_VPRIVATE, why,
	    sizeof why), LIEN_ECORRUPT);
	assert_non_null(strstr(why, "vprivate"));
	/* the private records too, in another order: the same state */
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	assert_int_equal(vput(st, LEDGER_T_VPRIVATE, 2, "two-private 2"),
	    LIEN_OK);
	assert_int_equal(vput(st, LEDGER_T_VPRIVATE, 1, "one-private"),
	    LIEN_OK);
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_VPRIVATE, why,
	    sizeof why), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_VEHICLES, why,
	    sizeof why), LIEN_OK);
	/* a differing record is found, and named by its vehicle key */
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	assert_int_equal(vput(st, LEDGER_T_VEHICLES, 2, "tw0"), LIEN_OK);
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	assert_int_equal(ledger_scratch_compare(sc, v, LEDGER_T_VEHICLES, why,
	    sizeof why), LIEN_ECORRUPT);
	assert_non_null(strstr(why, "differs"));
	ledger_scratch_close(sc);
	ledger_view_close(v);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the replay's read cache (ledger/state_cache.c) -------------------- */

/* get (tb, key) and check it is want (NULL: not found). */
static void
get_is(struct ledger_state *st, enum ledger_table tb, const char *key,
    const char *want)
{
	const uint8_t *v;
	size_t vl;
	enum lien_status rc = ledger_state_get(st, tb, key, strlen(key), &v,
	    &vl);

	if (want == NULL) {
		assert_int_equal(rc, LIEN_ENOTFOUND);
		return;
	}
	assert_int_equal(rc, LIEN_OK);
	assert_int_equal(vl, strlen(want));
	assert_memory_equal(v, want, vl);
}

/* An incremental audit's replay notes each key it writes once, however
 * often it writes it (ledger_touch_add): a key put three times and then
 * deleted, the same key in another table, and 5,000 others (the set
 * grows past its first size). Fails if every write is noted. */
static void
test_ledger_scratch_touched_once(void **state)
{
	struct ledger_scratch *sc;
	struct ledger_state *st;
	char dir[64], cmd[128], k[16];

	(void)state;
	strcpy(dir, "/tmp/lienlog-test-touch-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_scratch_open(dir, &sc), LIEN_OK);
	ledger_scratch_track(sc, 1);
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ledger_state_put(st, LEDGER_T_APPS, "A1", 2,
		    "v", 1), LIEN_OK);
	assert_int_equal(ledger_state_put(st, LEDGER_T_PARTIES, "A1", 2, "v",
	    1), LIEN_OK);
	assert_int_equal(ledger_scratch_touched(sc), 2);
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "k%u", i);
		assert_int_equal(ledger_state_put(st, LEDGER_T_PSTATE, k,
		    strlen(k), "v", 1), LIEN_OK);
		if (i % 2 == 0)
			assert_int_equal(ledger_state_put(st, LEDGER_T_PSTATE,
			    k, strlen(k), "w", 1), LIEN_OK);
	}
	assert_int_equal(ledger_state_del(st, LEDGER_T_APPS, "A1", 2), LIEN_OK);
	assert_int_equal(ledger_scratch_touched(sc), 5002);
	/* a delete that finds nothing is noted too (the store must not
	 * hold the key either) */
	assert_int_equal(ledger_state_del(st, LEDGER_T_APPS, "A2", 2),
	    LIEN_ENOTFOUND);
	assert_int_equal(ledger_scratch_touched(sc), 5003);
	/* a key given by a seek, lying in the page its delete changes, is
	 * noted as it was: put again by its name, it was noted before.
	 * Fails if the note reads the key after the delete. */
	for (unsigned i = 0; i < 8; i++) {
		const uint8_t *key, *v;
		size_t kl, vl;

		assert_int_equal(ledger_state_seek(st, LEDGER_T_PSTATE, "k1",
		    2, &key, &kl, &v, &vl), LIEN_OK);
		assert_true(kl < sizeof k);
		assert_int_equal(ledger_state_del(st, LEDGER_T_PSTATE, key, kl),
		    LIEN_OK);
	}
	for (unsigned i = 0; i < 8; i++) {
		const char *const first[] = { "k1", "k10", "k100", "k1000",
			"k1001", "k1002", "k1003", "k1004" };

		assert_int_equal(ledger_state_put(st, LEDGER_T_PSTATE, first[i],
		    strlen(first[i]), "v", 1), LIEN_OK);
	}
	assert_int_equal(ledger_scratch_touched(sc), 5003);
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	ledger_scratch_close(sc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Within one scratch transaction a read after a write gives the write,
 * whatever the cache held: put then get, put again, delete then get, a
 * vehicle's three tables apart, a value a read gave passed to a put,
 * and values a read gave still whole after a thousand reads that take
 * their slots. Fails if a put or a delete leaves the cache as it was
 * (ledger_rcache_wrote left out), or if a read reuses a block a value
 * given earlier lies in (no parking). */
static void
test_ledger_scratch_read_cache(void **state)
{
	struct ledger_scratch *sc;
	struct ledger_state *st;
	char dir[64], cmd[128], k[65], k2[65], many[16];
	const uint8_t *v, *held;
	size_t vl, heldl;
	uint64_t hits, misses;

	(void)state;
	strcpy(dir, "/tmp/lienlog-test-rcache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_scratch_open(dir, &sc), LIEN_OK);
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	assert_non_null(st->rcache);

	get_is(st, LEDGER_T_APPS, "A1", NULL);	/* cached as absent */
	assert_int_equal(ledger_state_put(st, LEDGER_T_APPS, "A1", 2, "v1", 2),
	    LIEN_OK);
	get_is(st, LEDGER_T_APPS, "A1", "v1");
	get_is(st, LEDGER_T_APPS, "A1", "v1");
	assert_int_equal(ledger_state_put(st, LEDGER_T_APPS, "A1", 2,
	    "second", 6), LIEN_OK);
	get_is(st, LEDGER_T_APPS, "A1", "second");
	assert_int_equal(ledger_state_del(st, LEDGER_T_APPS, "A1", 2), LIEN_OK);
	get_is(st, LEDGER_T_APPS, "A1", NULL);
	/* the same key in another table is another record */
	get_is(st, LEDGER_T_PARTIES, "A1", NULL);

	/* a vehicle: three tables behind one pointer record */
	vkey_hex(k, 5);
	assert_int_equal(ledger_state_put(st, LEDGER_T_VEHICLES, k, 64, "pub",
	    3), LIEN_OK);
	get_is(st, LEDGER_T_VEHICLES, k, "pub");
	get_is(st, LEDGER_T_VPRIVATE, k, NULL);
	assert_int_equal(ledger_state_put(st, LEDGER_T_VPRIVATE, k, 64, "priv",
	    4), LIEN_OK);
	get_is(st, LEDGER_T_VPRIVATE, k, "priv");
	get_is(st, LEDGER_T_VEHICLES, k, "pub");
	assert_int_equal(ledger_state_del(st, LEDGER_T_VEHICLES, k, 64),
	    LIEN_OK);
	get_is(st, LEDGER_T_VEHICLES, k, NULL);
	get_is(st, LEDGER_T_VPRIVATE, k, "priv");

	/* a value the cache gave, written under another key */
	assert_int_equal(ledger_state_get(st, LEDGER_T_VPRIVATE, k, 64, &v,
	    &vl), LIEN_OK);
	vkey_hex(k2, 6);
	assert_int_equal(ledger_state_put(st, LEDGER_T_VPRIVATE, k2, 64, v, vl),
	    LIEN_OK);
	get_is(st, LEDGER_T_VPRIVATE, k2, "priv");

	/* a value given stays whole while later reads take its slot */
	assert_int_equal(ledger_state_put(st, LEDGER_T_PSTATE, "held", 4,
	    "held value", 10), LIEN_OK);
	assert_int_equal(ledger_state_get(st, LEDGER_T_PSTATE, "held", 4,
	    &held, &heldl), LIEN_OK);
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(many, sizeof many, "m%u", i);
		get_is(st, LEDGER_T_PSTATE, many, NULL);
	}
	assert_int_equal(heldl, 10);
	assert_memory_equal(held, "held value", 10);
	get_is(st, LEDGER_T_PSTATE, "held", "held value");

	ledger_rcache_counts(st->rcache, &hits, &misses);
	assert_true(hits >= 10);	/* the reads above were answered by it */
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);

	/* a new transaction starts empty, and sees what was committed */
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	get_is(st, LEDGER_T_APPS, "A1", NULL);
	get_is(st, LEDGER_T_VPRIVATE, k2, "priv");
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	ledger_scratch_close(sc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A scratch store's replayed map proves presence and absence against the
 * root ledger_state_map_root gave; not while a transaction is open. */
static void
test_ledger_scratch_map_prove(void **state)
{
	struct ledger_scratch *sc;
	struct ledger_state *st;
	struct map_proof *p = malloc(sizeof *p);
	uint8_t key[HASH_LEN], val[HASH_LEN], root[HASH_LEN];
	uint64_t nkeys = 0;
	char dir[64], cmd[128], name[16];
	int present = -1;

	(void)state;
	assert_non_null(p);
	strcpy(dir, "/tmp/lienlog-test-scratch-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_scratch_open(dir, &sc), LIEN_OK);
	assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "car-%d", i);
		hash_sha256(name, strlen(name), key);
		hash_sha256(key, sizeof key, val);
		assert_int_equal(ledger_state_map_set(st, key, val), LIEN_OK);
	}
	assert_int_equal(ledger_state_map_root(st, root, &nkeys), LIEN_OK);
	assert_int_equal(nkeys, 5);
	hash_sha256("car-0", 5, key);
	assert_int_equal(ledger_scratch_map_prove(sc, key, p), LIEN_EINVAL);
	assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof name, "car-%d", i);
		hash_sha256(name, strlen(name), key);
		assert_int_equal(ledger_scratch_map_prove(sc, key, p), LIEN_OK);
		assert_int_equal(map_proof_verify(p, root, key, &present),
		    LIEN_OK);
		assert_int_equal(present, i < 5);
		if (i < 5) {
			hash_sha256(key, sizeof key, val);
			assert_memory_equal(p->value, val, HASH_LEN);
		}
	}
	/* Against another root it does not verify. */
	root[0] ^= 1;
	assert_int_equal(map_proof_verify(p, root, key, &present),
	    LIEN_EVERIFY);
	ledger_scratch_close(sc);
	free(p);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, HASH_LEN);
}

/* Deep paths through the stored map (ledger/map_store.c keys strata 0..3
 * and 4.. differently): keys that share 15..70 bits with one key, whose
 * leaves sit in stratum 3 to stratum 17 tiles, among random ones, set in
 * two transactions (the second changing values and moving leaves down);
 * the root equals the definition's, and every key, and absent keys beside
 * the deep ones, prove against it. */
static void
test_ledger_scratch_map_deep(void **state)
{
	enum { NRAND = 300, NDEEP = 56, N = NRAND + NDEEP };
	struct ledger_scratch *sc;
	struct ledger_state *st;
	struct map_proof *p = malloc(sizeof *p);
	uint8_t (*k)[HASH_LEN] = calloc(N, HASH_LEN);
	uint8_t (*v)[HASH_LEN] = calloc(N, HASH_LEN);
	uint8_t (*sk)[2 * HASH_LEN] = calloc(N, 2 * HASH_LEN);
	uint8_t root[HASH_LEN], want[HASH_LEN], key[HASH_LEN], base[HASH_LEN];
	uint64_t nkeys = 0;
	char dir[64], cmd[128];
	int present = -1;

	(void)state;
	assert_non_null(p);
	assert_non_null(k);
	assert_non_null(v);
	assert_non_null(sk);
	for (size_t i = 0; i < NRAND; i++)
		hash_sha256(&i, sizeof i, k[i]);
	memcpy(base, k[0], HASH_LEN);
	for (size_t j = 0; j < NDEEP; j++) {
		unsigned bit = 15u + (unsigned)j;	/* 15 .. 70 */

		memcpy(k[NRAND + j], k[0], HASH_LEN);
		k[NRAND + j][bit / 8u] ^= (uint8_t)(0x80u >> (bit % 8u));
	}
	strcpy(dir, "/tmp/lienlog-test-scratch-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_scratch_open(dir, &sc), LIEN_OK);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
		for (size_t i = 0; i < N; i++) {
			/* Round 0: the odd keys; round 1: all, new values. */
			if (round == 0 && i % 2 == 0)
				continue;
			v[i][0] = (uint8_t)round;
			memcpy(v[i] + 1, k[i], HASH_LEN - 1);
			assert_int_equal(ledger_state_map_set(st, k[i], v[i]),
			    LIEN_OK);
		}
		assert_int_equal(ledger_state_map_root(st, root, &nkeys),
		    LIEN_OK);
		assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
	}
	assert_int_equal(nkeys, N);
	for (size_t i = 0; i < N; i++) {
		memcpy(sk[i], k[i], HASH_LEN);
		memcpy(sk[i] + HASH_LEN, v[i], HASH_LEN);
	}
	qsort(sk, N, sizeof sk[0], cmp_key);
	for (size_t i = 0; i < N; i++) {
		memcpy(k[i], sk[i], HASH_LEN);
		memcpy(v[i], sk[i] + HASH_LEN, HASH_LEN);
	}
	tu_map_ref_hash(k, v, N, 0, want);
	assert_memory_equal(root, want, HASH_LEN);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(ledger_scratch_map_prove(sc, k[i], p), LIEN_OK);
		assert_int_equal(map_proof_verify(p, root, k[i], &present),
		    LIEN_OK);
		assert_int_equal(present, 1);
		assert_memory_equal(p->value, v[i], HASH_LEN);
	}
	/* Absent keys that share 15..255 bits with a deep one: the base
	 * key with bit `bit` and the last bit flipped. */
	for (unsigned bit = 15; bit <= 80; bit += 5) {
		memcpy(key, base, HASH_LEN);
		key[HASH_LEN - 1] ^= 0x01;
		key[bit / 8u] ^= (uint8_t)(0x80u >> (bit % 8u));
		assert_int_equal(ledger_scratch_map_prove(sc, key, p), LIEN_OK);
		assert_int_equal(map_proof_verify(p, root, key, &present),
		    LIEN_OK);
		assert_int_equal(present, 0);
	}
	ledger_scratch_close(sc);
	free(p);
	free(k);
	free(v);
	free(sk);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Cosignature lines join the stored checkpoint, once, and the log's own
 * signature still verifies (unknown key lines are ignored). */
static void
test_ledger_checkpoint_add_cosigs(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	char *note, *latest;
	size_t len, llen;
	const char *line = "\xe2\x80\x94 witness.example/w1 "
	    "AAAAAQAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n";
	char why[256];

	append_n(f, 5, 5);	/* one batch: size 6 */
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, line,
	    strlen(line)), LIEN_OK);
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, line,
	    strlen(line)), LIEN_OK);	/* no duplicate */
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 5, line,
	    strlen(line)), LIEN_ENOTFOUND);
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, "x", 1),
	    LIEN_EINVAL);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_checkpoint(v, 6, &note, &len), LIEN_OK);
	assert_non_null(strstr(note, line));
	assert_ptr_equal(strstr(note, line), strrchr(note, '\n') - strlen(line) + 1);
	check_checkpoint(f, v, 6);
	assert_int_equal(ledger_latest_checkpoint(f->l, &latest, &llen), LIEN_OK);
	assert_int_equal(llen, len);
	assert_memory_equal(latest, note, len);
	free(latest);
	free(note);
	ledger_view_close(v);
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
}

/* A cosignature line of key id `id` (name witness.example/w<id>) with
 * timestamp ts and a dummy signature, as the witness publisher stores
 * them (add_cosigs trusts its caller to have verified them). */
static size_t
cosig_line(char *out, size_t cap, uint32_t id, uint64_t ts)
{
	uint8_t raw[4 + 8 + 64] = { 0 };
	char b64[B64_ENCODED_LEN(sizeof raw) + 1];
	int n;

	for (int i = 0; i < 4; i++)
		raw[i] = (uint8_t)(id >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		raw[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
	raw[12] = (uint8_t)ts;	/* a new timestamp, a new signature */
	assert_int_equal(b64_encode(raw, sizeof raw, b64, sizeof b64), LIEN_OK);
	n = snprintf(out, cap, "\xe2\x80\x94 witness.example/w%u %s\n",
	    (unsigned)id, b64);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static size_t
count_key_lines(const char *note, size_t len, uint32_t id)
{
	const uint8_t *text;
	size_t text_len, n = 0;
	struct note_lines it;
	struct note_sig g;

	assert_int_equal(note_split((const uint8_t *)note, len, &text,
	    &text_len, &it), LIEN_OK);
	while (it.len > 0) {
		assert_int_equal(note_lines_next(&it, &g), LIEN_OK);
		n += g.key_id == id;
	}
	return n;
}

/* A witness that cosigns the same checkpoint again (a later timestamp:
 * the publisher restarted and asked again) does not add a second line
 * for its key: the first one stays. 63 witnesses each cosigning twice
 * leave a note every reader accepts (NOTE_SIGS_MAX lines), and a 64th
 * witness is refused rather than stored past that limit. */
static void
test_ledger_checkpoint_add_cosigs_one_per_key(void **state)
{
	struct fx *f = *state;
	struct ledger_view *v;
	struct note_parsed np;
	char line[256], line2[256], *note, *batch;
	size_t len, line_len, line2_len, blen = 0;
	uint32_t w;

	append_n(f, 5, 5);	/* one batch: size 6 */
	line_len = cosig_line(line, sizeof line, 1, 1000);
	line2_len = cosig_line(line2, sizeof line2, 1, 2000);
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, line,
	    line_len), LIEN_OK);
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, line2,
	    line2_len), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_checkpoint(v, 6, &note, &len), LIEN_OK);
	ledger_view_close(v);
	assert_int_equal(count_key_lines(note, len, 1), 1);
	assert_non_null(strstr(note, line));	/* the first one is kept */
	assert_null(strstr(note, line2));
	free(note);

	/* 63 witnesses (w1 already in), each twice, the repeats in one
	 * batch with a line of each key twice. */
	for (w = 2; w <= WITNESS_CLIENT_MAX; w++) {
		line_len = cosig_line(line, sizeof line, w, 1000 + w);
		assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, line,
		    line_len), LIEN_OK);
	}
	batch = malloc(2u * WITNESS_CLIENT_MAX * sizeof line);
	assert_non_null(batch);
	for (int round = 0; round < 2; round++)
		for (w = 1; w <= WITNESS_CLIENT_MAX; w++)
			blen += cosig_line(batch + blen, sizeof line, w,
			    5000 + w + (uint64_t)round);
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, batch, blen),
	    LIEN_OK);
	free(batch);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_checkpoint(v, 6, &note, &len), LIEN_OK);
	check_checkpoint(f, v, 6);	/* the log's signature still verifies */
	ledger_view_close(v);
	assert_int_equal(note_parse((const uint8_t *)note, len, &np), LIEN_OK);
	assert_int_equal(np.nsigs, NOTE_SIGS_MAX);
	for (w = 1; w <= WITNESS_CLIENT_MAX; w++)
		assert_int_equal(count_key_lines(note, len, w), 1);
	free(note);

	/* Full: a new key is refused, a known key is still a no-op. */
	line_len = cosig_line(line, sizeof line, 64, 1);
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, line,
	    line_len), LIEN_ETOOBIG);
	line_len = cosig_line(line, sizeof line, 7, 9999);
	assert_int_equal(ledger_checkpoint_add_cosigs(f->l, 6, line,
	    line_len), LIEN_OK);
}

struct freeze_thr {
	struct ledger *l;
	int ok, frozen_refusals;
	uint64_t max_index;
};

static void *
freeze_appender(void *arg)
{
	struct freeze_thr *t = arg;

	for (int i = 0; i < 300; i++) {
		struct ledger_receipt rc;
		enum lien_status st = ledger_append(t->l, 0, (uint8_t *)"x", 1,
		    &rc);

		if (st == LIEN_OK) {
			t->ok++;
			if (rc.index > t->max_index)
				t->max_index = rc.index;
		} else {
			assert_int_equal(st, LIEN_EFROZEN);
			t->frozen_refusals++;
		}
	}
	return NULL;
}

/* Freezing while appenders run: every acknowledged entry is below the
 * final size, later appends get LIEN_EFROZEN, and the flag survives a
 * reopen. */
static void
test_ledger_freeze(void **state)
{
	struct fx *f = *state;
	struct freeze_thr th[4];
	pthread_t tid[4];
	uint64_t final = 0, again = 0, fz;
	struct ledger_receipt rc;
	char why[256];

	append_n(f, 10, 5);
	for (int i = 0; i < 4; i++) {
		memset(&th[i], 0, sizeof th[i]);
		th[i].l = f->l;
		assert_int_equal(pthread_create(&tid[i], NULL, freeze_appender,
		    &th[i]), 0);
	}
	assert_int_equal(ledger_freeze(f->l, &final), LIEN_OK);
	for (int i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		if (th[i].ok > 0)
			assert_true(th[i].max_index < final);
	}
	assert_int_equal(ledger_size(f->l), final);
	assert_true(ledger_frozen(f->l, &fz));
	assert_int_equal(fz, final);
	assert_int_equal(ledger_append(f->l, 0, (uint8_t *)"y", 1, &rc),
	    LIEN_EFROZEN);
	assert_int_equal(ledger_freeze(f->l, &again), LIEN_OK);
	assert_int_equal(again, final);
	ledger_close(f->l);
	fx_open(f, 64);
	assert_true(ledger_frozen(f->l, &fz));
	assert_int_equal(fz, final);
	assert_int_equal(ledger_append(f->l, 0, (uint8_t *)"y", 1, &rc),
	    LIEN_EFROZEN);
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
	assert_string_equal(lien_status_code(LIEN_EFROZEN), "log_frozen");
}

/* ---- The status map and state roots ------------------------------------- */

/* A build that sets map key SHA-256(name) to SHA-256(name || value), or
 * refuses (before writing) when value is NULL. */
struct mapset {
	const char *name;
	const char *value;
};

static enum lien_status LIEN_MUST_CHECK
mapset_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	struct mapset *m = arg;
	uint8_t key[HASH_LEN], val[HASH_LEN];
	char buf[128];
	int n;

	(void)index;
	(void)time_ms;
	if (m->value == NULL)
		return LIEN_ECONFLICT;
	n = snprintf(buf, sizeof buf, "%s=%s", m->name, m->value);
	assert_true(n > 0 && (size_t)n <= cap);
	memcpy(out, buf, (size_t)n);
	*out_len = (size_t)n;
	hash_sha256(m->name, strlen(m->name), key);
	hash_sha256(buf, (size_t)n, val);
	return ledger_state_map_set(st, key, val);
}

/* The last entry of the view: its state root. */
static void
last_state_root(struct ledger_view *v, struct status_root *sr)
{
	const uint8_t *e;
	size_t elen;
	struct entry en;
	uint64_t n = ledger_view_size(v);

	assert_true(n > 0);
	assert_int_equal(ledger_view_entry(v, n - 1, &e, &elen), LIEN_OK);
	assert_int_equal(entry_decode(e, elen, &en), LIEN_OK);
	assert_int_equal(en.type, ENTRY_TYPE_STATE_ROOT);
	assert_int_equal(status_root_decode(en.payload, en.payload_len, sr),
	    LIEN_OK);
	assert_int_equal(sr->tree_size, n);
}

/* Prove name in the view's map: present with the value its last setting
 * gave, or absent when value is NULL. */
static void
check_key(struct ledger_view *v, const char *name, const char *value)
{
	struct map_proof *p = malloc(sizeof *p);
	struct status_root sr;
	uint8_t key[HASH_LEN], want[HASH_LEN];
	char buf[128];
	int present = -1, n;

	assert_non_null(p);
	last_state_root(v, &sr);
	hash_sha256(name, strlen(name), key);
	assert_int_equal(ledger_view_map_prove(v, key, p), LIEN_OK);
	assert_int_equal(map_proof_verify(p, sr.root, key, &present), LIEN_OK);
	assert_int_equal(present, value != NULL);
	if (value != NULL) {
		n = snprintf(buf, sizeof buf, "%s=%s", name, value);
		hash_sha256(buf, (size_t)n, want);
		assert_memory_equal(p->value, want, HASH_LEN);
	}
	free(p);
}

static void
test_ledger_state_roots(void **state)
{
	struct fx *f = *state;
	struct mapset m[5] = { { "car-1", "a" }, { "car-2", "b" },
	    { "car-1", "c" }, { "car-3", NULL }, { "car-4", "d" } };
	struct ledger_item items[5] = { { 0 } };
	struct ledger_receipt rc[5];
	struct ledger_view *v;
	struct status_root sr;
	char why[256];

	for (int i = 0; i < 5; i++) {
		items[i].type = 7;
		items[i].build = mapset_build;
		items[i].arg = &m[i];
	}
	assert_true(ledger_state_map_on(f->l));
	/* One batch: car-1 set twice (the last value wins), car-3 refused
	 * (no trace in the map), car-4 and car-2 set. */
	assert_int_equal(ledger_append_many(f->l, items, 5, rc), LIEN_OK);
	assert_int_equal(rc[3].status, LIEN_ECONFLICT);
	assert_int_equal(rc[4].index, 3);
	assert_int_equal(rc[4].tree_size, 5);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	last_state_root(v, &sr);
	assert_int_equal(sr.nkeys, 3);
	check_key(v, "car-1", "c");
	check_key(v, "car-2", "b");
	check_key(v, "car-3", NULL);
	check_key(v, "car-4", "d");
	ledger_view_close(v);
	/* A batch that changes nothing still ends with a state root, with
	 * the same map root. */
	append_n(f, 2, 2);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	{
		struct status_root sr2;

		last_state_root(v, &sr2);
		assert_memory_equal(sr2.root, sr.root, HASH_LEN);
		assert_int_equal(sr2.nkeys, 3);
	}
	ledger_view_close(v);
	/* After a reopen the key count carries on. */
	ledger_close(f->l);
	fx_open(f, 64);
	m[0].value = "e";
	m[3].value = "f";
	assert_int_equal(ledger_append_item(f->l, &items[0], &rc[0]), LIEN_OK);
	assert_int_equal(ledger_append_item(f->l, &items[3], &rc[0]), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	last_state_root(v, &sr);
	assert_int_equal(sr.nkeys, 4);
	check_key(v, "car-1", "e");
	check_key(v, "car-3", "f");
	ledger_view_close(v);
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
}

/* The switch for measuring the map's cost: no state roots, no map, bound
 * to the store at creation. */
static void
test_ledger_no_state_map(void **state)
{
	struct fx *f = *state;
	struct ledger_config cfg = { 0 };
	struct mapset m = { "car-1", "a" };
	struct ledger_item it = { 7, NULL, 0, mapset_build, &m };
	struct ledger_receipt rc;
	struct ledger_view *v;
	struct ledger *l2;
	struct map_proof *p = malloc(sizeof *p);
	uint8_t key[HASH_LEN] = { 0 };
	char dir[64], why[256], cmd[128];

	assert_non_null(p);
	strcpy(dir, "/tmp/lienlog-test-nomap-XXXXXX");
	assert_non_null(mkdtemp(dir));
	cfg.dir = dir;
	cfg.signer = f->signer;
	cfg.map_size = 1u << 30;
	cfg.flags = LEDGER_NO_STATE_MAP;
	assert_int_equal(ledger_open(&cfg, &l2), LIEN_OK);
	assert_false(ledger_state_map_on(l2));
	assert_int_equal(ledger_append(l2, 1, (const uint8_t *)"x", 1, &rc),
	    LIEN_OK);
	assert_int_equal(rc.tree_size, 1);
	assert_int_equal(ledger_append_item(l2, &it, &rc), LIEN_OK);
	assert_int_equal(rc.index, 1);
	assert_int_equal(ledger_size(l2), 2);
	assert_int_equal(ledger_view_open(l2, &v), LIEN_OK);
	assert_int_equal(ledger_view_map_prove(v, key, p), LIEN_EUNSUPPORTED);
	ledger_view_close(v);
	assert_int_equal(ledger_audit(l2, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
	ledger_close(l2);
	/* The other setting is refused on reopen, both ways. */
	cfg.flags = 0;
	assert_int_equal(ledger_open(&cfg, &l2), LIEN_EUNSUPPORTED);
	ledger_close(f->l);
	f->l = NULL;
	cfg.dir = f->dir;
	cfg.flags = LEDGER_NO_STATE_MAP;
	assert_int_equal(ledger_open(&cfg, &l2), LIEN_EUNSUPPORTED);
	fx_open(f, 64);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(p);
}

/* Append entries of the largest size until one is refused; that status.
 * Each refusal must have changed nothing: the size and the latest
 * checkpoint are those from before it. */
static enum lien_status LIEN_MUST_CHECK
append_until_refused(struct fx *f, uint8_t *big)
{
	struct ledger_receipt rc;
	enum lien_status st = LIEN_OK;
	char *cp0, *cp1;
	size_t cp0_len, cp1_len;
	uint64_t n = 0;

	for (int i = 0; i < 256 && st == LIEN_OK; i++) {
		n = ledger_size(f->l);
		assert_int_equal(ledger_latest_checkpoint(f->l, &cp0, &cp0_len),
		    LIEN_OK);
		big[0] = (uint8_t)i;
		st = ledger_append(f->l, ENTRY_TYPE_DEMO, big, ENTRY_PAYLOAD_MAX,
		    &rc);
		if (st == LIEN_OK) {
			assert_int_equal(rc.index, n);
			free(cp0);
		}
	}
	assert_int_not_equal(st, LIEN_OK);
	assert_int_equal(ledger_size(f->l), n);
	assert_int_equal(ledger_latest_checkpoint(f->l, &cp1, &cp1_len),
	    LIEN_OK);
	assert_int_equal(cp1_len, cp0_len);
	assert_memory_equal(cp1, cp0, cp0_len);
	free(cp0);
	free(cp1);
	return st;
}

/* No room for a batch (issue 11, docs/deployment.md "When the disk fills
 * up"): a file-size limit just past data.mdb (LMDB's page write is cut
 * short: EIO, or refused: EFBIG), then an LMDB map capped just past what
 * the store uses (MDB_MAP_FULL). Either way the batch is LIEN_EFULL and
 * changes nothing, reads go on, and the next batch succeeds once there
 * is room again; the store audits clean. */
static void
test_ledger_store_full(void **state)
{
	struct fx *f = *state;
	struct ledger_config cfg = { 0 };
	struct ledger_receipt rc;
	struct ledger_view *v;
	struct rlimit old, lim;
	struct stat sb;
	char path[128], why[256];
	uint8_t *big = malloc(ENTRY_PAYLOAD_MAX);
	void (*old_sig)(int);
	enum lien_status st;
	uint64_t n;

	assert_non_null(big);
	memset(big, 0x5a, ENTRY_PAYLOAD_MAX);
	append_n(f, 10, 8);
	snprintf(path, sizeof path, "%s/data.mdb", f->dir);

	/* a file-size limit, as lienlogd runs: SIGXFSZ ignored */
	old_sig = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(stat(path, &sb), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)sb.st_size + 6144;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	st = append_until_refused(f, big);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_sig);
	assert_int_equal(st, LIEN_EFULL);
	n = ledger_size(f->l);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	check_checkpoint(f, v, n);
	ledger_view_close(v);
	assert_int_equal(ledger_append(f->l, ENTRY_TYPE_DEMO, big,
	    ENTRY_PAYLOAD_MAX, &rc), LIEN_OK);
	assert_int_equal(rc.index, n);
	assert_int_equal(ledger_size(f->l), n + 2);

	/* the map capped at what the store uses plus 256 KiB (LMDB keeps
	 * at least the used size), then opened again at full size */
	ledger_close(f->l);
	assert_int_equal(stat(path, &sb), 0);
	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.batch_max = 64;
	cfg.map_size = (uint64_t)sb.st_size + (256u << 10);
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
	assert_int_equal(append_until_refused(f, big), LIEN_EFULL);
	n = ledger_size(f->l);
	ledger_close(f->l);
	fx_open(f, 64);
	assert_int_equal(ledger_size(f->l), n);
	assert_int_equal(ledger_append(f->l, ENTRY_TYPE_DEMO, big,
	    ENTRY_PAYLOAD_MAX, &rc), LIEN_OK);
	assert_int_equal(rc.index, n);
	assert_int_equal(ledger_audit(f->l, &f->ver, NULL, NULL, why,
	    sizeof why), LIEN_OK);
	free(big);
}

/* A store of the previous format (v19: a map tile's record holds its
 * children's generations without their top hashes) is refused at open,
 * read-write and read-only, rather than read with the wrong layout
 * (docs/storage.md "Format changes and old stores"). */
static void
test_ledger_refuses_older_format(void **state)
{
	struct fx *f = *state;
	struct ledger_config cfg = { 0 };
	struct ledger *l = NULL;
	struct store *s = NULL;
	struct store_txn *t = NULL;
	static const char old[] = "lienlog-store-v24";

	assert_string_equal(ledger_store_format(), STORE_FORMAT);
	ledger_close(f->l);
	f->l = NULL;
	assert_int_equal(store_open(f->dir, 1u << 30, 16, 0, &s), LIEN_OK);
	assert_int_equal(store_txn_begin(s, 1, &t), LIEN_OK);
	assert_int_equal(store_put(t, STORE_META, "format", 6, old,
	    sizeof old - 1, 0), LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	store_close(s);
	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.batch_max = 64;
	cfg.map_size = 1u << 30;
	assert_int_equal(ledger_open(&cfg, &l), LIEN_EUNSUPPORTED);
	assert_null(l);
	cfg.signer = NULL;
	cfg.flags = LEDGER_RDONLY;
	assert_int_equal(ledger_open(&cfg, &l), LIEN_EUNSUPPORTED);
	assert_null(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ledger_append_proofs_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_state_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_no_state_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_entries_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_bundle_stored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ledger_tile_leaves_not_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_tiles_bundles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_reopen_continues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_nosync_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_concurrent_appenders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_append_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_open_wrong_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_audit_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_build_refusal_consumes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_state_packs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_replay_scratch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_vehicle_tables, setup, teardown),
		cmocka_unit_test(test_ledger_scratch_read_cache),
		cmocka_unit_test(test_ledger_scratch_touched_once),
		cmocka_unit_test_setup_teardown(test_ledger_vehicle_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_vehicle_rewrite_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_vehicle_window_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_wstat_classes, setup, teardown),
		cmocka_unit_test(test_ledger_scratch_map_prove),
		cmocka_unit_test(test_ledger_scratch_map_deep),
		cmocka_unit_test_setup_teardown(test_ledger_checkpoint_add_cosigs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_checkpoint_add_cosigs_one_per_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_store_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_refuses_older_format, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
