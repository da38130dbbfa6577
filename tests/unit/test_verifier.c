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

static enum lien_status
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

static enum lien_status
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

static enum lien_status
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
