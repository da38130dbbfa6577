/*
 * Unit tests for tlog/verifier.c and ledger/mirror.c: a real store
 * built with the ledger serves tiles and bundles through an in-process
 * transport that can tamper with any response (flip a byte, truncate,
 * append); every tamper must be caught, and honest data must pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/bench_util.h"
#include "crypto/cosig.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "tlog/merkle.h"
#include "ledger/mirror.h"
#include "tlog/tiles.h"
#include "tlog/verifier.h"

#define ORIGIN "test.lienlog.invalid/tlog"

struct fake {
	struct ledger *l;
	struct ledger_view *v;
	const char *tamper_path;	/* exact path to tamper, or NULL */
	long flip;			/* byte to flip, -1 none */
	int truncate, append;
	unsigned fetches;
};

static char g_dir[] = "/tmp/test_tlogclient.XXXXXX";
static struct note_signer *g_signer;
static char *g_skey, *g_vkey;
static struct tlog_policy g_pol;

static enum lien_status LIEN_MUST_CHECK
fake_get(void *ctx, const char *path, size_t cap, uint8_t **out,
    size_t *out_len)
{
	struct fake *f = ctx;
	struct tile_ref ref;
	enum lien_status st;

	*out = NULL;
	*out_len = 0;
	f->fetches++;
	if (strcmp(path, "checkpoint") == 0) {
		char *cp;

		st = ledger_latest_checkpoint(f->l, &cp, out_len);
		*out = (uint8_t *)cp;
	} else {
		if (strncmp(path, "tile/", 5) != 0 ||
		    tiles_path_parse(path + 5, strlen(path + 5), &ref) !=
		    LIEN_OK)
			return LIEN_ENOTFOUND;
		if (ref.level == TILES_LEVEL_ENTRIES)
			st = ledger_view_bundle(f->v, ref.index, ref.width, out,
			    out_len);
		else
			st = ledger_view_tile(f->v, (unsigned)ref.level,
			    ref.index, ref.width, out, out_len);
	}
	if (st != LIEN_OK)
		return st;
	if (f->tamper_path != NULL && strcmp(path, f->tamper_path) == 0) {
		if (f->flip >= 0 && (size_t)f->flip < *out_len)
			(*out)[f->flip] ^= 0x01;
		if (f->truncate && *out_len > 0)
			(*out_len)--;
		if (f->append) {
			uint8_t *p = realloc(*out, *out_len + 1);

			assert_non_null(p);
			p[(*out_len)++] = 0;
			*out = p;
		}
	}
	if (*out_len > cap) {
		free(*out);
		*out = NULL;
		return LIEN_ETOOBIG;
	}
	return LIEN_OK;
}

/* A store of n entries in its own directory under g_dir. */
static void
fake_open(struct fake *f, uint64_t n)
{
	char dir[BENCH_PATH_MAX];
	struct ledger_config cfg;
	struct ledger_receipt rc;
	static unsigned seq;

	memset(f, 0, sizeof *f);
	f->flip = -1;
	(void)snprintf(dir, sizeof dir, "%s/s%u", g_dir, seq++);
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.signer = g_signer;
	/* A plain log of exactly n entries: the verifier knows nothing of
	 * state roots (they are ordinary entries to it), and the tests below
	 * do size arithmetic on the entries they appended. */
	cfg.flags = LEDGER_NO_STATE_MAP;
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
	/* Batches of 100: tiles of any width are served (not only at
	 * checkpoint sizes), and fewer fsyncs keep the test quick. */
	for (uint64_t i = 0; i < n;) {
		static char p[100][32];
		struct ledger_item items[100];
		struct ledger_receipt rcs[100];
		size_t k = n - i < 100 ? (size_t)(n - i) : 100;

		memset(items, 0, sizeof items);
		for (size_t j = 0; j < k; j++) {
			int len = snprintf(p[j], sizeof p[j], "{\"seq\":%u}",
			    (unsigned)(i + j));

			items[j].type = 1;
			items[j].payload = (const uint8_t *)p[j];
			items[j].len = (size_t)len;
		}
		assert_int_equal(ledger_append_many(f->l, items, k, rcs),
		    LIEN_OK);
		i += k;
	}
	(void)rc;
	assert_int_equal(ledger_view_open(f->l, &f->v), LIEN_OK);
}

static void
fake_close(struct fake *f)
{
	ledger_view_close(f->v);
	ledger_close(f->l);
}

static struct tlog_fetch
fetch_of(struct fake *f)
{
	struct tlog_fetch t = { fake_get, f };

	return t;
}

static void
root_of(struct fake *f, uint64_t n, uint8_t out[HASH_LEN])
{
	assert_int_equal(ledger_view_root(f->v, n, out), LIEN_OK);
}

static enum lien_status LIEN_MUST_CHECK
count_cb(void *ctx, const struct tlog_entry *e)
{
	uint64_t *next = ctx;

	assert_int_equal(e->index, *next);
	(*next)++;
	return LIEN_OK;
}

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(lcrypto_init(), LIEN_OK);
	assert_non_null(mkdtemp(g_dir));
	assert_int_equal(note_key_generate(ORIGIN, strlen(ORIGIN), &g_skey,
	    &g_vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(g_skey, strlen(g_skey), &g_signer),
	    LIEN_OK);
	memset(&g_pol, 0, sizeof g_pol);
	assert_int_equal(note_verifier_parse(g_vkey, strlen(g_vkey),
	    &g_pol.log), LIEN_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	note_signer_free(g_signer);
	secret_free(g_skey);
	free(g_vkey);
	(void)bench_rm_tree(g_dir);
	return 0;
}

/* ---- tree open / nodes -------------------------------------------------- */

static void
test_tlog_tree_open_sizes(void **state)
{
	static const uint64_t sizes[] = { 1, 2, 5, 255, 256, 257, 511, 512,
		600 };
	struct fake f;

	(void)state;
	fake_open(&f, 600);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct tlog_fetch t = fetch_of(&f);
		struct tlog_tree *tree;
		struct tlog_report r;
		uint8_t root[HASH_LEN], h[HASH_LEN], want[HASH_LEN];
		uint64_t next = 0;

		root_of(&f, sizes[i], root);
		assert_int_equal(tlog_tree_open(&t, sizes[i], root, &tree, &r),
		    LIEN_OK);
		/* Every leaf comes out authenticated and right. */
		for (uint64_t j = 0; j < sizes[i]; j += 37) {
			assert_int_equal(tlog_tree_node(tree, 0, j, h, &r),
			    LIEN_OK);
			assert_int_equal(ledger_view_leaf_hash(f.v, j, want),
			    LIEN_OK);
			assert_memory_equal(h, want, HASH_LEN);
		}
		assert_int_equal(tlog_tree_node(tree, 0, sizes[i], h, &r),
		    LIEN_ERANGE);
		assert_int_equal(tlog_tree_entries(tree, 0, sizes[i], count_cb,
		    &next, &r), LIEN_OK);
		assert_int_equal(next, sizes[i]);
		tlog_tree_free(tree);
	}
	fake_close(&f);
}

static void
test_tlog_tree_open_wrong_root(void **state)
{
	struct fake f;
	struct tlog_fetch t;
	struct tlog_tree *tree;
	struct tlog_report r;
	uint8_t root[HASH_LEN];

	(void)state;
	fake_open(&f, 300);
	t = fetch_of(&f);
	root_of(&f, 300, root);
	root[0] ^= 1;
	assert_int_equal(tlog_tree_open(&t, 300, root, &tree, &r),
	    LIEN_EVERIFY);
	assert_int_equal(r.fault, TLOG_FAULT_TILE);
	assert_null(tree);
	/* Size 0 needs the empty root. */
	assert_int_equal(tlog_tree_open(&t, 0, root, &tree, &r), LIEN_EVERIFY);
	fake_close(&f);
}

/* Every byte of an edge tile and of a full tile, flipped: caught. */
static void
test_tlog_tree_tile_bitflip_each_byte(void **state)
{
	struct fake f;
	struct tlog_fetch t;
	uint8_t root[HASH_LEN], h[HASH_LEN];

	(void)state;
	fake_open(&f, 300);
	t = fetch_of(&f);
	root_of(&f, 300, root);
	/* Edge tile 0/001.p/44 (44 hashes): tree open fails. */
	f.tamper_path = "tile/0/001.p/44";
	for (long b = 0; b < 44 * 32; b++) {
		struct tlog_tree *tree;
		struct tlog_report r;

		f.flip = b;
		assert_int_equal(tlog_tree_open(&t, 300, root, &tree, &r),
		    LIEN_EVERIFY);
	}
	/* Full tile 0/000: open succeeds (not needed), any use fails. */
	f.tamper_path = "tile/0/000";
	for (long b = 0; b < 256 * 32; b += 7) {
		struct tlog_tree *tree;
		struct tlog_report r;

		f.flip = b;
		assert_int_equal(tlog_tree_open(&t, 300, root, &tree, &r),
		    LIEN_OK);
		assert_int_equal(tlog_tree_node(tree, 0, (uint64_t)b / 32, h,
		    &r), LIEN_EVERIFY);
		assert_int_equal(r.fault, TLOG_FAULT_TILE);
		tlog_tree_free(tree);
	}
	fake_close(&f);
}

static void
test_tlog_tree_tile_truncated_oversize(void **state)
{
	struct fake f;
	struct tlog_fetch t;
	struct tlog_tree *tree;
	struct tlog_report r;
	uint8_t root[HASH_LEN];

	(void)state;
	fake_open(&f, 300);
	t = fetch_of(&f);
	root_of(&f, 300, root);
	f.tamper_path = "tile/0/001.p/44";
	f.truncate = 1;
	assert_int_equal(tlog_tree_open(&t, 300, root, &tree, &r),
	    LIEN_EVERIFY);
	assert_int_equal(r.fault, TLOG_FAULT_MALFORMED);
	f.truncate = 0;
	f.append = 1;
	assert_int_equal(tlog_tree_open(&t, 300, root, &tree, &r),
	    LIEN_EVERIFY);
	assert_int_equal(r.fault, TLOG_FAULT_MALFORMED);
	fake_close(&f);
}

/* ---- consistency ---------------------------------------------------------- */

static void
test_tlog_tree_consistency_all_sizes(void **state)
{
	struct fake f;
	struct tlog_fetch t;
	struct tlog_tree *tree;
	struct tlog_report r;
	uint8_t root[HASH_LEN], old[HASH_LEN], rm[HASH_LEN];
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	size_t np;

	(void)state;
	fake_open(&f, 600);
	t = fetch_of(&f);
	root_of(&f, 600, root);
	assert_int_equal(tlog_tree_open(&t, 600, root, &tree, &r), LIEN_OK);
	for (uint64_t m = 0; m <= 600; m += (m < 20 ? 1 : 29)) {
		root_of(&f, m, old);
		assert_int_equal(tlog_tree_consistency(tree, m, old, proof,
		    &np, rm, &r), LIEN_OK);
		assert_int_equal(merkle_verify_consistency(m, 600, old, root,
		    (const uint8_t (*)[HASH_LEN])proof, np), LIEN_OK);
		if (m == 0)
			continue;
		old[m % HASH_LEN] ^= 0x80;
		assert_int_equal(tlog_tree_consistency(tree, m, old, proof,
		    &np, rm, &r), LIEN_EVERIFY);
		assert_int_equal(r.fault, TLOG_FAULT_FORK);
		/* The evidence proves the log's own prefix root. */
		assert_int_equal(merkle_verify_consistency(m, 600, rm, root,
		    (const uint8_t (*)[HASH_LEN])proof, np), LIEN_OK);
	}
	assert_int_equal(tlog_tree_consistency(tree, 601, old, proof, &np, rm,
	    &r), LIEN_ERANGE);
	tlog_tree_free(tree);
	fake_close(&f);
}

/* ---- entries ------------------------------------------------------------ */

static void
test_tlog_tree_entries_ranges(void **state)
{
	struct fake f;
	struct tlog_fetch t;
	struct tlog_tree *tree;
	struct tlog_report r;
	uint8_t root[HASH_LEN];

	(void)state;
	fake_open(&f, 600);
	t = fetch_of(&f);
	root_of(&f, 600, root);
	assert_int_equal(tlog_tree_open(&t, 600, root, &tree, &r), LIEN_OK);
	for (uint64_t a = 0; a < 600; a += 61) {
		for (uint64_t b = a; b <= 600; b += 97) {
			uint64_t next = a;

			assert_int_equal(tlog_tree_entries(tree, a, b,
			    count_cb, &next, &r), LIEN_OK);
			assert_int_equal(next, b);
		}
	}
	assert_int_equal(tlog_tree_entries(tree, 0, 601, count_cb, &root, &r),
	    LIEN_EINVAL);
	tlog_tree_free(tree);
	fake_close(&f);
}

static enum lien_status LIEN_MUST_CHECK
never_cb(void *ctx, const struct tlog_entry *e)
{
	uint64_t *limit = ctx;

	/* Only entries of bundles before the tampered one may arrive. */
	assert_true(e->index < *limit);
	return LIEN_OK;
}

static void
test_tlog_tree_entries_tampered_bundle(void **state)
{
	struct fake f;
	struct tlog_fetch t;
	struct tlog_tree *tree;
	struct tlog_report r;
	uint8_t root[HASH_LEN];
	uint64_t limit = 256;
	uint8_t *b;
	size_t blen;

	(void)state;
	fake_open(&f, 300);
	t = fetch_of(&f);
	root_of(&f, 300, root);
	assert_int_equal(tlog_tree_open(&t, 300, root, &tree, &r), LIEN_OK);
	assert_int_equal(ledger_view_bundle(f.v, 1, 44, &b, &blen), LIEN_OK);
	free(b);
	f.tamper_path = "tile/entries/001.p/44";
	for (long k = 0; k < (long)blen; k++) {
		f.flip = k;
		assert_int_equal(tlog_tree_entries(tree, 0, 300, never_cb,
		    &limit, &r), LIEN_EVERIFY);
		assert_true(r.fault == TLOG_FAULT_ENTRY ||
		    r.fault == TLOG_FAULT_MALFORMED);
	}
	f.flip = -1;
	f.truncate = 1;
	assert_int_equal(tlog_tree_entries(tree, 0, 300, never_cb, &limit,
	    &r), LIEN_EVERIFY);
	f.truncate = 0;
	f.append = 1;
	assert_int_equal(tlog_tree_entries(tree, 0, 300, never_cb, &limit,
	    &r), LIEN_EVERIFY);
	assert_int_equal(r.fault, TLOG_FAULT_MALFORMED);
	tlog_tree_free(tree);
	fake_close(&f);
}

/* ---- checkpoints and witnesses ------------------------------------------ */

static void
test_tlog_checkpoint_verify_keys_and_quorum(void **state)
{
	struct fake f;
	struct checkpoint cp;
	struct tlog_report r;
	struct tlog_policy pol = g_pol;
	struct note_verifier wv[3];
	struct cosig_signer *ws[3];
	char *cpn, line[COSIG_LINE_MAX], *note;
	size_t cpn_len, body_len, ncos, len, lines_len = 0;
	struct note_parsed np;
	char *wsk, *wvk, *other_sk, *other_vk;
	struct note_verifier other;

	(void)state;
	fake_open(&f, 3);
	assert_int_equal(ledger_latest_checkpoint(f.l, &cpn, &cpn_len),
	    LIEN_OK);
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)cpn, cpn_len,
	    &cp, &ncos, &r), LIEN_OK);
	assert_int_equal(cp.size, 3);
	/* Another key of the same name. */
	assert_int_equal(note_key_generate(ORIGIN, strlen(ORIGIN), &other_sk,
	    &other_vk), LIEN_OK);
	assert_int_equal(note_verifier_parse(other_vk, strlen(other_vk),
	    &other), LIEN_OK);
	pol.log = other;
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)cpn, cpn_len,
	    &cp, NULL, &r), LIEN_EVERIFY);
	assert_int_equal(r.fault, TLOG_FAULT_SIGNATURE);
	pol.log = g_pol.log;
	/* Empty / oversize. */
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)cpn, 0, &cp,
	    NULL, &r), LIEN_EVERIFY);
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)cpn,
	    NOTE_MAX + 1, &cp, NULL, &r), LIEN_EVERIFY);
	/* Two of three witnesses cosign. */
	assert_int_equal(note_parse((uint8_t *)cpn, cpn_len, &np), LIEN_OK);
	body_len = np.text_len;
	note = malloc(cpn_len + 3 * COSIG_LINE_MAX);
	assert_non_null(note);
	memcpy(note, cpn, cpn_len);
	for (int i = 0; i < 3; i++) {
		char name[16];

		(void)snprintf(name, sizeof name, "w%d.test", i);
		assert_int_equal(cosig_key_generate(name, strlen(name), &wsk,
		    &wvk), LIEN_OK);
		assert_int_equal(cosig_signer_parse(wsk, strlen(wsk), &ws[i]),
		    LIEN_OK);
		assert_int_equal(note_verifier_parse(wvk, strlen(wvk), &wv[i]),
		    LIEN_OK);
		secret_free(wsk);
		free(wvk);
		if (i == 2)
			continue;
		assert_int_equal(cosig_sign_line(ws[i], (uint8_t *)cpn,
		    body_len, 1700000000u, line, sizeof line, &len), LIEN_OK);
		memcpy(note + cpn_len + lines_len, line, len);
		lines_len += len;
	}
	pol.witnesses = wv;
	pol.nwitnesses = 3;
	pol.quorum = 2;
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)note,
	    cpn_len + lines_len, &cp, &ncos, &r), LIEN_OK);
	assert_int_equal(ncos, 2);
	pol.quorum = 3;
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)note,
	    cpn_len + lines_len, &cp, &ncos, &r), LIEN_EVERIFY);
	assert_int_equal(r.fault, TLOG_FAULT_QUORUM);
	pol.quorum = 4;
	assert_int_equal(tlog_checkpoint_verify(&pol, (uint8_t *)note,
	    cpn_len + lines_len, &cp, &ncos, &r), LIEN_EINVAL);
	for (int i = 0; i < 3; i++)
		cosig_signer_free(ws[i]);
	secret_free(other_sk);
	free(other_vk);
	free(note);
	free(cpn);
	fake_close(&f);
}

/* ---- tlog-proof ------------------------------------------------------- */

static void
test_tlog_proof_roundtrip_and_negatives(void **state)
{
	struct fake f;
	struct tlog_fetch t;
	struct tlog_tree *tree;
	struct tlog_report r;
	struct tlog_proof *p = calloc(1, sizeof *p);
	struct checkpoint cp;
	uint8_t root[HASH_LEN], leaf[HASH_LEN];
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	const uint8_t *e;
	size_t np, elen, cpn_len, text_len;
	char *cpn, *text;
	struct tlog_policy other = g_pol;

	(void)state;
	assert_non_null(p);
	fake_open(&f, 77);
	t = fetch_of(&f);
	root_of(&f, 77, root);
	assert_int_equal(ledger_latest_checkpoint(f.l, &cpn, &cpn_len),
	    LIEN_OK);
	assert_int_equal(tlog_tree_open(&t, 77, root, &tree, &r), LIEN_OK);
	assert_int_equal(tlog_tree_prove_inclusion(tree, 42, leaf, proof, &np,
	    &r), LIEN_OK);
	assert_int_equal(ledger_view_entry(f.v, 42, &e, &elen), LIEN_OK);
	assert_int_equal(tlog_proof_format(e, elen, 42,
	    (const uint8_t (*)[HASH_LEN])proof, np, (uint8_t *)cpn, cpn_len,
	    &text, &text_len), LIEN_OK);
	assert_int_equal(tlog_proof_parse((uint8_t *)text, text_len, p),
	    LIEN_OK);
	assert_int_equal(p->index, 42);
	assert_int_equal(p->extra_len, elen);
	assert_int_equal(tlog_proof_verify(&g_pol, p, leaf, &cp, NULL, &r),
	    LIEN_OK);
	/* Wrong key. */
	other.log.pk[0] ^= 1;
	assert_int_equal(tlog_proof_verify(&other, p, leaf, &cp, NULL, &r),
	    LIEN_EVERIFY);
	tlog_proof_clear(p);
	/* Empty, every truncation, every bit flip: never verifies. */
	assert_int_equal(tlog_proof_parse((uint8_t *)text, 0, p), LIEN_EPARSE);
	for (size_t n = 1; n < text_len; n++) {
		if (tlog_proof_parse((uint8_t *)text, n, p) == LIEN_OK) {
			assert_int_not_equal(tlog_proof_verify(&g_pol, p, leaf,
			    &cp, NULL, &r), LIEN_OK);
			tlog_proof_clear(p);
		}
	}
	for (size_t k = 0; k < text_len; k++) {
		uint8_t l2[HASH_LEN];

		text[k] ^= 0x01;
		if (tlog_proof_parse((uint8_t *)text, text_len, p) == LIEN_OK) {
			hash_leaf(p->extra, p->extra_len, l2);
			assert_int_not_equal(tlog_proof_verify(&g_pol, p, l2,
			    &cp, NULL, &r), LIEN_OK);
			tlog_proof_clear(p);
		}
		text[k] ^= 0x01;
	}
	/* Oversize. */
	assert_int_equal(tlog_proof_parse((uint8_t *)text, TLOG_PROOF_MAX + 1,
	    p), LIEN_ETOOBIG);
	free(text);
	free(cpn);
	free(p);
	tlog_tree_free(tree);
	fake_close(&f);
}

/* ---- mirror ------------------------------------------------------------- */

static void
test_mirror_invariants(void **state)
{
	char dir[BENCH_PATH_MAX];
	struct mirror *m;
	struct mirror_state ms;

	(void)state;
	(void)snprintf(dir, sizeof dir, "%s/mirror", g_dir);
	assert_int_equal(mirror_open(dir, &m), LIEN_OK);
	assert_int_equal(mirror_load(m, &ms), LIEN_OK);
	assert_null(ms.checkpoint);
	assert_int_equal(ms.next, 0);
	mirror_state_clear(&ms);
	assert_int_equal(mirror_advance(m, 1), LIEN_ECONFLICT);
	assert_int_equal(mirror_trust(m, "o", 1, "cp10", 4, 10, UINT64_MAX),
	    LIEN_OK);
	assert_int_equal(mirror_advance(m, 5), LIEN_OK);
	assert_int_equal(mirror_advance(m, 4), LIEN_ECONFLICT);
	assert_int_equal(mirror_advance(m, 11), LIEN_ECONFLICT);
	assert_int_equal(mirror_trust(m, "o", 1, "cp9", 3, 9, UINT64_MAX),
	    LIEN_ECONFLICT);
	assert_int_equal(mirror_trust(m, "x", 1, "cp12", 4, 12, UINT64_MAX),
	    LIEN_EKEY);
	assert_int_equal(mirror_halt(m, "fork: test"), LIEN_OK);
	assert_int_equal(mirror_advance(m, 6), LIEN_ECLOSED);
	mirror_close(m);
	assert_int_equal(mirror_open(dir, &m), LIEN_OK);
	assert_int_equal(mirror_load(m, &ms), LIEN_OK);
	assert_string_equal(ms.halt, "fork: test");
	assert_string_equal(ms.checkpoint, "cp10");
	assert_int_equal(ms.size, 10);
	assert_int_equal(ms.next, 5);
	mirror_state_clear(&ms);
	assert_int_equal(mirror_unhalt(m), LIEN_OK);
	assert_int_equal(mirror_advance(m, 6), LIEN_OK);
	mirror_close(m);
}

/* ---- trees of 2^56 leaves and more -------------------------------------- */

/* A tree whose leaves all hash alike: every complete subtree of 2^k leaves
 * then hashes to the same u->h[k], so a tile at tile level L of any tree
 * is w copies of h[8L], and a tree of 2^64 - 1 leaves costs 64 hashes to
 * describe. The verifier cannot tell: it authenticates tiles only by
 * hashing them up to the signed root. Sizes from 2^56 on have a right-edge
 * tile at tile level 7, whose index n >> 64 is where C's shift is
 * undefined. */
struct uniform {
	uint8_t h[64][HASH_LEN];
	unsigned fetches;
};

static const uint64_t huge_sizes[] = {
	(UINT64_C(1) << 56) - 1, UINT64_C(1) << 56, (UINT64_C(1) << 56) + 1,
	UINT64_C(1) << 63, (UINT64_C(1) << 63) + 257, UINT64_MAX - 1,
	UINT64_MAX,
};

static void
uniform_init(struct uniform *u)
{
	static const uint8_t e[] = "the same entry everywhere";

	memset(u, 0, sizeof *u);
	hash_leaf(e, sizeof e - 1, u->h[0]);
	for (unsigned k = 1; k < 64; k++)
		hash_node(u->h[k - 1], u->h[k - 1], u->h[k]);
}

/* RFC 6962 root of n uniform leaves: the complete subtrees of n (one per
 * set bit), folded smallest first. */
static void
uniform_root(const struct uniform *u, uint64_t n, uint8_t out[HASH_LEN])
{
	int have = 0;

	for (unsigned k = 0; k < 64; k++) {
		if (((n >> k) & 1u) == 0)
			continue;
		if (have) {
			hash_node(u->h[k], out, out);
		} else {
			memcpy(out, u->h[k], HASH_LEN);
			have = 1;
		}
	}
}

static enum lien_status LIEN_MUST_CHECK
uniform_get(void *ctx, const char *path, size_t cap, uint8_t **out,
    size_t *out_len)
{
	struct uniform *u = ctx;
	struct tile_ref ref;
	uint8_t *p;

	*out = NULL;
	*out_len = 0;
	u->fetches++;
	if (strncmp(path, "tile/", 5) != 0 ||
	    tiles_path_parse(path + 5, strlen(path + 5), &ref) != LIEN_OK ||
	    ref.level == TILES_LEVEL_ENTRIES || ref.level >= 8)
		return LIEN_ENOTFOUND;
	if ((size_t)ref.width * HASH_LEN > cap)
		return LIEN_ETOOBIG;
	p = malloc((size_t)ref.width * HASH_LEN);
	assert_non_null(p);
	for (unsigned i = 0; i < ref.width; i++)
		memcpy(p + (size_t)i * HASH_LEN, u->h[8 * ref.level], HASH_LEN);
	*out = p;
	*out_len = (size_t)ref.width * HASH_LEN;
	return LIEN_OK;
}

static void
test_tlog_tree_huge_open_and_nodes(void **state)
{
	struct uniform u;
	struct tlog_fetch fe = { uniform_get, &u };

	(void)state;
	uniform_init(&u);
	for (size_t i = 0; i < sizeof huge_sizes / sizeof huge_sizes[0]; i++) {
		uint64_t n = huge_sizes[i];
		uint8_t root[HASH_LEN], h[HASH_LEN];
		struct tlog_tree *t;
		struct tlog_report r;
		unsigned top = 63u - (unsigned)__builtin_clzll(n);

		uniform_root(&u, n, root);
		assert_int_equal(tlog_tree_open(&fe, n, root, &t, &r), LIEN_OK);
		assert_int_equal(tlog_tree_size(t), n);
		/* The largest complete subtree, the last leaf, and nodes just
		 * past the edge at every level. */
		assert_int_equal(tlog_tree_node(t, top, 0, h, &r), LIEN_OK);
		assert_memory_equal(h, u.h[top], HASH_LEN);
		assert_int_equal(tlog_tree_node(t, 0, n - 1, h, &r), LIEN_OK);
		assert_memory_equal(h, u.h[0], HASH_LEN);
		for (unsigned k = 0; k < 64; k++) {
			uint64_t have = tiles_nodes_at(n, k);

			if (have > 0) {
				assert_int_equal(tlog_tree_node(t, k, have - 1,
				    h, &r), LIEN_OK);
				assert_memory_equal(h, u.h[k], HASH_LEN);
			}
			assert_int_equal(tlog_tree_node(t, k, have, h, &r),
			    LIEN_ERANGE);
		}
		assert_int_equal(tlog_tree_node(t, 64, 0, h, &r), LIEN_EINVAL);
		tlog_tree_free(t);

		/* Another root (one leaf fewer) must not open. */
		uniform_root(&u, n - 1, root);
		assert_int_equal(tlog_tree_open(&fe, n, root, &t, &r),
		    LIEN_EVERIFY);
		assert_int_equal(r.fault, TLOG_FAULT_TILE);
		assert_null(t);
	}
}

static void
test_tlog_tree_huge_inclusion(void **state)
{
	struct uniform u;
	struct tlog_fetch fe = { uniform_get, &u };

	(void)state;
	uniform_init(&u);
	for (size_t i = 0; i < sizeof huge_sizes / sizeof huge_sizes[0]; i++) {
		uint64_t n = huge_sizes[i];
		const uint64_t idx[] = { 0, 1, n / 2, n - 257, n - 2, n - 1 };
		uint8_t root[HASH_LEN], leaf[HASH_LEN];
		uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
		struct tlog_tree *t;
		struct tlog_report r;
		size_t np;

		uniform_root(&u, n, root);
		assert_int_equal(tlog_tree_open(&fe, n, root, &t, &r), LIEN_OK);
		for (size_t j = 0; j < sizeof idx / sizeof idx[0]; j++) {
			assert_int_equal(tlog_tree_prove_inclusion(t, idx[j],
			    leaf, proof, &np, &r), LIEN_OK);
			assert_memory_equal(leaf, u.h[0], HASH_LEN);
			assert_true(np > 0 && np <= MERKLE_PROOF_MAX);
			assert_int_equal(merkle_verify_inclusion(leaf, idx[j],
			    n, (const uint8_t (*)[HASH_LEN])proof, np, root),
			    LIEN_OK);
			/* The same proof for another size or a flipped
			 * element must not verify. */
			proof[np - 1][0] ^= 1;
			assert_int_equal(merkle_verify_inclusion(leaf, idx[j],
			    n, (const uint8_t (*)[HASH_LEN])proof, np, root),
			    LIEN_EVERIFY);
		}
		assert_int_equal(tlog_tree_prove_inclusion(t, n, leaf, proof,
		    &np, &r), LIEN_ERANGE);
		tlog_tree_free(t);
	}
}

/* Length of the RFC 9162 2.1.4.1 consistency proof m -> n (0 < m <= n),
 * counted by the RFC's recursion as written, independently of merkle.c's
 * loop. */
static size_t
subproof_len(uint64_t m, uint64_t n, int b)
{
	uint64_t k;

	if (m == n)
		return b ? 0 : 1;
	for (k = UINT64_C(1) << 63; k >= n; k >>= 1)
		;
	if (m <= k)
		return subproof_len(m, k, b) + 1;
	return subproof_len(m - k, n - k, 0) + 1;
}

static size_t
uniform_proof_len(uint64_t m, uint64_t n)
{
	return subproof_len(m, n, 1);
}

static void
test_tlog_tree_huge_consistency(void **state)
{
	struct uniform u;
	struct tlog_fetch fe = { uniform_get, &u };

	(void)state;
	uniform_init(&u);
	for (size_t i = 0; i < sizeof huge_sizes / sizeof huge_sizes[0]; i++) {
		uint64_t n = huge_sizes[i];
		const uint64_t olds[] = { 1, 256, UINT64_C(1) << 56,
			(UINT64_C(1) << 56) + 1, n / 2 + 1, n - 1, n };
		uint8_t root[HASH_LEN], old[HASH_LEN], got[HASH_LEN];
		uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
		struct tlog_tree *t;
		struct tlog_report r;
		size_t np;

		uniform_root(&u, n, root);
		assert_int_equal(tlog_tree_open(&fe, n, root, &t, &r), LIEN_OK);
		for (size_t j = 0; j < sizeof olds / sizeof olds[0]; j++) {
			uint64_t m = olds[j];

			if (m > n)
				continue;
			uniform_root(&u, m, old);
			/* Above 2^63 leaves a proof can need 65 hashes, one
			 * more than MERKLE_PROOF_MAX: merkle.c refuses those
			 * (LIEN_ERANGE), and so must the verifier, whatever
			 * its tiles say. */
			if (uniform_proof_len(m, n) > MERKLE_PROOF_MAX) {
				assert_true(n > UINT64_C(1) << 63);
				assert_int_equal(tlog_tree_consistency(t, m, old,
				    proof, &np, got, &r), LIEN_ERANGE);
				continue;
			}
			assert_int_equal(tlog_tree_consistency(t, m, old, proof,
			    &np, got, &r), LIEN_OK);
			assert_int_equal(np, uniform_proof_len(m, n));
			assert_memory_equal(got, old, HASH_LEN);
			assert_int_equal(merkle_verify_consistency(m, n, old,
			    root, (const uint8_t (*)[HASH_LEN])proof, np),
			    LIEN_OK);
			/* A trusted tree that is not a prefix: a fork. */
			old[HASH_LEN - 1] ^= 1;
			assert_int_equal(tlog_tree_consistency(t, m, old, proof,
			    &np, got, &r), LIEN_EVERIFY);
			assert_int_equal(r.fault, TLOG_FAULT_FORK);
		}
		assert_int_equal(tlog_tree_consistency(t, n + (n < UINT64_MAX),
		    old, proof, &np, got, &r),
		    n < UINT64_MAX ? LIEN_ERANGE : LIEN_EVERIFY);
		tlog_tree_free(t);
	}
}

/* The tile arithmetic the verifier and the sequencer share, at the top of
 * the u64 range (tile level 7 is the last; its index is always 0). */
static void
test_tiles_huge_arithmetic(void **state)
{
	unsigned tl;
	uint64_t ti;

	(void)state;
	assert_int_equal(tiles_shr(UINT64_MAX, 63), 1);
	assert_int_equal(tiles_shr(UINT64_MAX, 64), 0);
	assert_int_equal(tiles_shr(UINT64_MAX, 200), 0);
	for (size_t i = 0; i < sizeof huge_sizes / sizeof huge_sizes[0]; i++) {
		uint64_t n = huge_sizes[i];

		assert_int_equal(tiles_edge_index(n, 7), 0);
		assert_int_equal(tiles_edge_width(n, 7), n >> 56);
		assert_int_equal(tiles_width_at(7, 0, n), n >> 56);
		assert_int_equal(tiles_edge_index(n, 6), n >> 56);
		assert_int_equal(tiles_edge_width(n, 0), n & 255u);
		assert_int_equal(tiles_width_at(0, n >> 8, n), n & 255u);
		assert_int_equal(tiles_width_at(0, (n >> 8) - 1, n), 256);
		assert_int_equal(tiles_width_at(0, (n >> 8) + 1, n), 0);
		assert_int_equal(tiles_nodes_at(n, 63), n >> 63);
		assert_int_equal(tiles_nodes_at(n, 64), 0);
	}
	assert_int_equal(tiles_rec_slot(63, 1, &tl, &ti), 509);
	assert_int_equal(tl, 7);
	assert_int_equal(ti, 0);
	assert_int_equal(tiles_rec_slot(56, UINT64_MAX >> 56, &tl, &ti), 255);
	assert_int_equal(tl, 7);
	assert_int_equal(ti, 0);
	assert_int_equal(tiles_rec_slot(0, UINT64_MAX - 1, &tl, &ti), 254);
	assert_int_equal(tl, 0);
	assert_int_equal(ti, UINT64_MAX >> 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlog_tree_open_sizes),
		cmocka_unit_test(test_tlog_tree_open_wrong_root),
		cmocka_unit_test(test_tlog_tree_tile_bitflip_each_byte),
		cmocka_unit_test(test_tlog_tree_tile_truncated_oversize),
		cmocka_unit_test(test_tlog_tree_consistency_all_sizes),
		cmocka_unit_test(test_tlog_tree_entries_ranges),
		cmocka_unit_test(test_tlog_tree_entries_tampered_bundle),
		cmocka_unit_test(test_tlog_checkpoint_verify_keys_and_quorum),
		cmocka_unit_test(test_tlog_proof_roundtrip_and_negatives),
		cmocka_unit_test(test_mirror_invariants),
		cmocka_unit_test(test_tlog_tree_huge_open_and_nodes),
		cmocka_unit_test(test_tlog_tree_huge_inclusion),
		cmocka_unit_test(test_tlog_tree_huge_consistency),
		cmocka_unit_test(test_tiles_huge_arithmetic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
