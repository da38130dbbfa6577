/*
 * Unit tests for witness/witness.c: the C2SP tlog-witness add-checkpoint
 * state machine over a real LMDB store in a temporary directory.
 *
 * Trees are built in memory (leaf i = SHA-256 leaf hash of "leaf <i>")
 * and proofs come from tlog/merkle.c's prover. Every negative checks
 * its spec status (through the enum lien_status the server maps) AND
 * that nothing was stored: the witness's latest (size, root, time) is
 * compared before and after. Concurrency: threads released together by a
 * barrier race on the same old size; exactly one may win.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/b64.h"
#include "crypto/cosig.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "ledger/store.h"
#include "witness/witness.h"

#define ORIGIN "lienlog.test/log"
#define TREE_MAX 300u
#define NOW 1700000000u

/* ---- fixtures ----------------------------------------------------------- */

struct tree {
	uint8_t leaf[TREE_MAX][HASH_LEN];
	uint8_t salt;	/* different salt: a different (forked) tree */
};

static enum lien_status LIEN_MUST_CHECK
tree_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	const struct tree *t = ctx;
	uint8_t l[HASH_LEN], r[HASH_LEN];

	if (level == 0) {
		if (index >= TREE_MAX)
			return LIEN_ERANGE;
		memcpy(out, t->leaf[index], HASH_LEN);
		return LIEN_OK;
	}
	if (tree_node(ctx, level - 1, 2 * index, l) != LIEN_OK ||
	    tree_node(ctx, level - 1, 2 * index + 1, r) != LIEN_OK)
		return LIEN_ERANGE;
	hash_node(l, r, out);
	return LIEN_OK;
}

static void
tree_init(struct tree *t, uint8_t salt)
{
	t->salt = salt;
	for (unsigned i = 0; i < TREE_MAX; i++) {
		char e[32];
		int n = snprintf(e, sizeof e, "leaf %u %u", i,
		    i >= 100 ? salt : 0u);	/* forks diverge after 100 */

		hash_leaf((const uint8_t *)e, (size_t)n, t->leaf[i]);
	}
}

static void
tree_root(struct tree *t, uint64_t n, uint8_t out[HASH_LEN])
{
	struct merkle_source src = { tree_node, t };

	assert_int_equal(merkle_root(&src, n, out), LIEN_OK);
}

struct fx {
	char dir[64];
	struct note_signer *log;	/* the log's key */
	struct note_signer *other;	/* same origin name, another key */
	struct note_signer *log2;	/* another configured log */
	struct cosig_signer *wkey;
	struct note_verifier *logs;
	size_t nlogs;
	struct witness *w;
	struct tree t, fork;
};

static struct note_signer *
log_key(const char *name, char *vkey_out, size_t cap)
{
	char *skey = NULL, *vkey = NULL;
	struct note_signer *s = NULL;

	assert_int_equal(note_key_generate(name, strlen(name), &skey, &vkey),
	    LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &s), LIEN_OK);
	if (vkey_out != NULL) {
		assert_true(strlen(vkey) < cap);
		strcpy(vkey_out, vkey);
	}
	secret_free(skey);
	free(vkey);
	return s;
}

static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		(void)unlink(p);
	}
	closedir(d);
	(void)rmdir(dir);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char v1[512], v2[512], cfg[1200];
	char *skey = NULL, *vkey = NULL;
	int n;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/lien-test-witness-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->log = log_key(ORIGIN, v1, sizeof v1);
	f->other = log_key(ORIGIN, NULL, 0);
	f->log2 = log_key("lienlog.test/other-log", v2, sizeof v2);
	assert_int_equal(cosig_key_generate("witness.test/w1", 15, &skey,
	    &vkey), LIEN_OK);
	assert_int_equal(cosig_signer_parse(skey, strlen(skey), &f->wkey),
	    LIEN_OK);
	secret_free(skey);
	free(vkey);
	n = snprintf(cfg, sizeof cfg, "# test logs\nlog %s\n\nlog %s\n", v1,
	    v2);
	assert_true(n > 0 && (size_t)n < sizeof cfg);
	assert_int_equal(witness_logs_parse((const uint8_t *)cfg, (size_t)n,
	    &f->logs, &f->nlogs, NULL), LIEN_OK);
	assert_int_equal(f->nlogs, 2);
	assert_int_equal(witness_open(f->dir, 0, f->wkey, f->logs, f->nlogs,
	    &f->w), LIEN_OK);
	tree_init(&f->t, 1);
	tree_init(&f->fork, 2);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	witness_close(f->w);
	free(f->logs);
	cosig_signer_free(f->wkey);
	note_signer_free(f->log);
	note_signer_free(f->other);
	note_signer_free(f->log2);
	rm_tree(f->dir);
	free(f);
	return 0;
}

/* A signed checkpoint note of (origin, n, root) by s. Caller frees.
 * noinline: inlined at -O3, gcc 12 mistakes the returned heap pointer for
 * the address of the local `note` (-Wdangling-pointer false positive). */
static __attribute__((noinline)) char *
cp_note(struct note_signer *s, const char *origin, uint64_t n,
    const uint8_t root[HASH_LEN], size_t *out_len)
{
	char body[512], *note = NULL;
	size_t blen;

	assert_int_equal(checkpoint_format(origin, strlen(origin), n, root,
	    body, sizeof body, &blen), LIEN_OK);
	assert_int_equal(note_sign(s, (const uint8_t *)body, blen, &note,
	    out_len), LIEN_OK);
	return note;
}

/* "old <m>\n" + proof lines + "\n" + note. Caller frees. */
static uint8_t *
req_make(uint64_t m, const uint8_t proof[][HASH_LEN], size_t nproof,
    const char *note, size_t note_len, size_t *out_len)
{
	size_t cap = 32 + nproof * 45 + 1 + note_len, o;
	uint8_t *b = malloc(cap);
	int n;

	assert_non_null(b);
	n = snprintf((char *)b, cap, "old %llu\n", (unsigned long long)m);
	o = (size_t)n;
	for (size_t i = 0; i < nproof; i++) {
		assert_int_equal(b64_encode(proof[i], HASH_LEN, (char *)b + o,
		    cap - o), LIEN_OK);
		o += 44;
		b[o++] = '\n';
	}
	b[o++] = '\n';
	memcpy(b + o, note, note_len);
	*out_len = o + note_len;
	return b;
}

/* A full request for tree t from m to n, signed by s for origin. */
static uint8_t *
req_tree(struct tree *t, struct note_signer *s, const char *origin,
    uint64_t m, uint64_t n, size_t *out_len)
{
	struct merkle_source src = { tree_node, t };
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], root[HASH_LEN];
	size_t np = 0, nl;
	char *note;
	uint8_t *b;

	assert_int_equal(merkle_prove_consistency(&src, m, n, proof, &np),
	    LIEN_OK);
	tree_root(t, n, root);
	note = cp_note(s, origin, n, root, &nl);
	b = req_make(m, (const uint8_t (*)[HASH_LEN])proof, np, note, nl,
	    out_len);
	free(note);
	return b;
}

struct held {
	enum lien_status st;
	uint64_t size, time;
	uint8_t root[HASH_LEN];
};

static struct held
held_get(struct witness *w, const char *origin)
{
	struct held h;

	memset(&h, 0, sizeof h);
	h.st = witness_latest(w, origin, strlen(origin), &h.size, h.root,
	    &h.time, NULL, NULL);
	return h;
}

static void
held_same(const struct held *a, const struct held *b)
{
	assert_int_equal(a->st, b->st);
	assert_true(a->size == b->size);
	assert_true(a->time == b->time);
	assert_memory_equal(a->root, b->root, HASH_LEN);
}

/* Submit and expect st; on failure, assert nothing changed. */
static void
submit_expect(struct fx *f, const uint8_t *body, size_t len, uint64_t now,
    enum lien_status want, struct witness_result *res)
{
	struct held before = held_get(f->w, ORIGIN), after;
	struct held b2 = held_get(f->w, "lienlog.test/other-log"), a2;
	enum lien_status st = witness_add_checkpoint(f->w, body, len, now, res);

	assert_int_equal(st, want);
	if (want != LIEN_OK) {
		after = held_get(f->w, ORIGIN);
		a2 = held_get(f->w, "lienlog.test/other-log");
		held_same(&before, &after);
		held_same(&b2, &a2);
		assert_int_equal(res->lines_len, 0);
	} else {
		assert_true(res->lines_len > 0);
	}
}

/* Check res's cosignature line on the note in body with Ed25519. */
static void
cosig_check(struct fx *f, const uint8_t *body, size_t len,
    const struct witness_result *res, uint64_t want_time)
{
	struct witness_request rq;
	uint8_t *note;
	uint64_t mask = 0, t = 0;
	size_t count = 0;

	assert_int_equal(witness_request_parse(body, len, &rq), LIEN_OK);
	note = malloc(rq.note_len + res->lines_len);
	assert_non_null(note);
	memcpy(note, rq.note, rq.note_len);
	memcpy(note + rq.note_len, res->lines, res->lines_len);
	assert_int_equal(cosig_count_valid(note, rq.note_len + res->lines_len,
	    cosig_signer_verifier(f->wkey), 1, &mask, &t, &count), LIEN_OK);
	assert_int_equal(count, 1);
	assert_true(t == want_time);
	free(note);
}

/* ---- request parser --------------------------------------------------------- */

static void
test_witness_request_parse_ok(void **state)
{
	uint8_t proof[WITNESS_PROOF_MAX][HASH_LEN];
	struct witness_request rq;
	uint8_t *b;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < WITNESS_PROOF_MAX; i++)
		memset(proof[i], (int)i, HASH_LEN);
	b = req_make(0, NULL, 0, "x\n\n", 3, &len);
	assert_int_equal(witness_request_parse(b, len, &rq), LIEN_OK);
	assert_true(rq.old_size == 0);
	assert_int_equal(rq.nproof, 0);
	assert_int_equal(rq.note_len, 3);
	assert_memory_equal(rq.note, "x\n\n", 3);
	free(b);
	b = req_make(UINT64_MAX, (const uint8_t (*)[HASH_LEN])proof,
	    WITNESS_PROOF_MAX, "n", 1, &len);
	assert_int_equal(witness_request_parse(b, len, &rq), LIEN_OK);
	assert_true(rq.old_size == UINT64_MAX);
	assert_int_equal(rq.nproof, WITNESS_PROOF_MAX);
	assert_memory_equal(rq.proof[62], proof[62], HASH_LEN);
	free(b);
}

static void
parse_fails(const char *text, enum lien_status want)
{
	struct witness_request rq;

	memset(&rq, 0x55, sizeof rq);
	assert_int_equal(witness_request_parse((const uint8_t *)text,
	    strlen(text), &rq), want);
	assert_true(rq.old_size == 0 && rq.nproof == 0 && rq.note == NULL);
}

static void
test_witness_request_parse_negatives(void **state)
{
	static const char h[] =
	    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
	char *buf;
	size_t o;

	(void)state;
	parse_fails("", LIEN_EPARSE);
	parse_fails("old 1", LIEN_EPARSE);		/* no newline */
	parse_fails("old 1\n", LIEN_EPARSE);		/* no blank line */
	parse_fails("old 1\n\n", LIEN_EPARSE);		/* no checkpoint */
	parse_fails("old 01\n\nx", LIEN_EPARSE);	/* leading zero */
	parse_fails("old 00\n\nx", LIEN_EPARSE);
	parse_fails("old -1\n\nx", LIEN_EPARSE);
	parse_fails("old +1\n\nx", LIEN_EPARSE);
	parse_fails("old  1\n\nx", LIEN_EPARSE);	/* two spaces */
	parse_fails("old 1 \n\nx", LIEN_EPARSE);
	parse_fails("old\t1\n\nx", LIEN_EPARSE);
	parse_fails("Old 1\n\nx", LIEN_EPARSE);
	parse_fails("old \n\nx", LIEN_EPARSE);
	parse_fails("old 1\r\n\r\nx", LIEN_EPARSE);	/* CRLF */
	parse_fails("old 18446744073709551616\n\nx", LIEN_EPARSE);
	parse_fails("old 1\n\n", LIEN_EPARSE);
	parse_fails("\nold 1\n\nx", LIEN_EPARSE);
	/* Bad base64 proof lines. */
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw\n\nx",
	    LIEN_EPARSE);			/* unpadded */
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkax=\n\nx",
	    LIEN_EPARSE);			/* non-zero pad bits */
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpk===\n\nx",
	    LIEN_EPARSE);			/* 31 bytes */
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=A\n\nx",
	    LIEN_EPARSE);
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw= \n\nx",
	    LIEN_EPARSE);
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpka-=\n\nx",
	    LIEN_EPARSE);			/* base64url */
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\r\n\nx",
	    LIEN_EPARSE);
	/* Missing blank line between proof and checkpoint. */
	parse_fails("old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
	    "lienlog.test/log\n2\n", LIEN_EPARSE);
	/* 64 proof lines: over the spec's 63. */
	buf = malloc(16 + 64 * 45 + 4);
	assert_non_null(buf);
	o = (size_t)sprintf(buf, "old 1\n");
	for (int i = 0; i < 64; i++) {
		memcpy(buf + o, h, 45);
		o += 45;
	}
	memcpy(buf + o, "\nx", 3);
	parse_fails(buf, LIEN_ETOOBIG);
	/* 63 is fine. */
	{
		struct witness_request rq;

		memmove(buf + 6, buf + 6 + 45, o - 6 - 45 + 3);
		assert_int_equal(witness_request_parse((uint8_t *)buf,
		    strlen(buf), &rq), LIEN_OK);
		assert_int_equal(rq.nproof, 63);
	}
	free(buf);
	/* Oversize body. */
	{
		struct witness_request rq;
		uint8_t *big = malloc(WITNESS_REQUEST_MAX + 1);

		assert_non_null(big);
		memset(big, 'a', WITNESS_REQUEST_MAX + 1);
		memcpy(big, "old 1\n\n", 7);
		assert_int_equal(witness_request_parse(big,
		    WITNESS_REQUEST_MAX + 1, &rq), LIEN_ETOOBIG);
		assert_int_equal(witness_request_parse(big,
		    WITNESS_REQUEST_MAX, &rq), LIEN_OK);
		free(big);
	}
	assert_int_equal(witness_request_parse(NULL, 1, NULL), LIEN_EINVAL);
}

/* Truncation and bit flips of the framing (old line, proof, blank line):
 * every truncation before the note fails; every flip fails or yields a
 * different parse -- never the same one. */
static void
test_witness_request_parse_truncation_and_flips(void **state)
{
	uint8_t proof[2][HASH_LEN];
	struct witness_request rq, ok;
	uint8_t *b;
	size_t len, head;

	(void)state;
	memset(proof[0], 1, HASH_LEN);
	memset(proof[1], 2, HASH_LEN);
	b = req_make(12345, (const uint8_t (*)[HASH_LEN])proof, 2, "note\n",
	    5, &len);
	assert_int_equal(witness_request_parse(b, len, &ok), LIEN_OK);
	head = len - 5;		/* framing bytes */
	for (size_t k = 0; k <= head; k++)
		assert_int_not_equal(witness_request_parse(b, k, &rq), LIEN_OK);
	for (size_t k = 0; k < head; k++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b[k] = (uint8_t)(b[k] ^ (1u << bit));
			if (witness_request_parse(b, len, &rq) == LIEN_OK)
				assert_true(rq.old_size != ok.old_size ||
				    rq.nproof != ok.nproof ||
				    memcmp(rq.proof, ok.proof,
				    sizeof ok.proof) != 0 ||
				    rq.note_len != ok.note_len);
			b[k] = (uint8_t)(b[k] ^ (1u << bit));
		}
	}
	free(b);
}

/* ---- logs config -------------------------------------------------------------- */

static void
test_witness_logs_parse_rules(void **state)
{
	struct fx *f = *state;
	char v1[512], cfg[2048], wv[512];
	struct note_verifier *vs = NULL;
	size_t n = 0, line = 0;
	struct note_signer *k = log_key("a.example/log", v1, sizeof v1);
	int len;

	assert_int_equal(cosig_signer_vkey(f->wkey, wv, sizeof wv), LIEN_OK);
	/* No final newline is fine; comments and blank lines. */
	len = snprintf(cfg, sizeof cfg, "# c\n\nlog %s", v1);
	assert_int_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len, &vs,
	    &n, &line), LIEN_OK);
	assert_int_equal(n, 1);
	assert_int_equal(line, 0);
	assert_string_equal(vs[0].name, "a.example/log");
	free(vs);
	/* Errors, with the line. */
	len = snprintf(cfg, sizeof cfg, "# c\nlog %s\nlog %s\n", v1, v1);
	assert_int_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len, &vs,
	    &n, &line), LIEN_EEXIST);
	assert_int_equal(line, 3);
	assert_null(vs);
	len = snprintf(cfg, sizeof cfg, "log %s\nlog %s\n", v1, wv);
	assert_int_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len, &vs,
	    &n, &line), LIEN_EUNSUPPORTED);	/* a witness key */
	assert_int_equal(line, 2);
	len = snprintf(cfg, sizeof cfg, "log  %s\n", v1);
	assert_int_not_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len,
	    &vs, &n, &line), LIEN_OK);
	assert_int_equal(line, 1);
	len = snprintf(cfg, sizeof cfg, "log %s\r\n", v1);
	assert_int_not_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len,
	    &vs, &n, &line), LIEN_OK);
	len = snprintf(cfg, sizeof cfg, "log %s \n", v1);
	assert_int_not_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len,
	    &vs, &n, &line), LIEN_OK);
	len = snprintf(cfg, sizeof cfg, "\nlogs %s\n", v1);
	assert_int_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len, &vs,
	    &n, &line), LIEN_EPARSE);
	assert_int_equal(line, 2);
	len = snprintf(cfg, sizeof cfg, " log %s\n", v1);
	assert_int_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len, &vs,
	    &n, &line), LIEN_EPARSE);
	assert_int_equal(witness_logs_parse((uint8_t *)"# only\n\n", 8, &vs,
	    &n, &line), LIEN_EPARSE);
	assert_int_equal(witness_logs_parse((uint8_t *)"", 0, &vs, &n, &line),
	    LIEN_EPARSE);
	assert_int_equal(witness_logs_parse((uint8_t *)"x", 1, &vs, &n,
	    &line), LIEN_EPARSE);	/* no log line at all */
	assert_int_equal(witness_logs_parse((uint8_t *)"x",
	    WITNESS_CONFIG_MAX + 1, &vs, &n, &line), LIEN_ETOOBIG);
	/* Bad key id. */
	len = snprintf(cfg, sizeof cfg, "log %s\n", v1);
	cfg[4 + strlen("a.example/log") + 1] ^= 0x01;
	assert_int_not_equal(witness_logs_parse((uint8_t *)cfg, (size_t)len,
	    &vs, &n, &line), LIEN_OK);
	note_signer_free(k);
}

/* ---- state machine ----------------------------------------------------------- */

static void
test_witness_add_checkpoint_first_and_extend(void **state)
{
	struct fx *f = *state;
	struct witness_result res;
	struct held h;
	uint8_t *b, root[HASH_LEN];
	size_t len;
	char *note = NULL;
	size_t note_len = 0;
	uint64_t sz, tm;

	/* Never cosigned: old 0, empty proof. */
	h = held_get(f->w, ORIGIN);
	assert_int_equal(h.st, LIEN_ENOTFOUND);
	b = req_tree(&f->t, f->log, ORIGIN, 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	assert_true(res.stored_size == 10);
	cosig_check(f, b, len, &res, NOW);
	h = held_get(f->w, ORIGIN);
	assert_int_equal(h.st, LIEN_OK);
	assert_true(h.size == 10 && h.time == NOW);
	tree_root(&f->t, 10, root);
	assert_memory_equal(h.root, root, HASH_LEN);
	/* The stored note is the submitted one plus our line. */
	assert_int_equal(witness_latest(f->w, ORIGIN, strlen(ORIGIN), &sz,
	    root, &tm, &note, &note_len), LIEN_OK);
	assert_true(note_len > res.lines_len);
	assert_memory_equal(note + note_len - res.lines_len, res.lines,
	    res.lines_len);
	free(note);
	free(b);
	/* Extend 10 -> 37 -> 100 -> 256 -> 257 with real proofs. */
	{
		static const uint64_t sizes[] = { 10, 37, 100, 256, 257 };

		for (size_t i = 1; i < sizeof sizes / sizeof sizes[0]; i++) {
			b = req_tree(&f->t, f->log, ORIGIN, sizes[i - 1],
			    sizes[i], &len);
			submit_expect(f, b, len, NOW + i, LIEN_OK, &res);
			cosig_check(f, b, len, &res, NOW + i);
			assert_true(res.stored_size == sizes[i]);
			free(b);
		}
	}
	/* Same size, same root: re-cosigned (with the new time). */
	b = req_tree(&f->t, f->log, ORIGIN, 257, 257, &len);
	submit_expect(f, b, len, NOW + 99, LIEN_OK, &res);
	cosig_check(f, b, len, &res, NOW + 99);
	free(b);
	/* The other log is independent: old 0 there. */
	b = req_tree(&f->t, f->log2, "lienlog.test/other-log", 0, 5, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
	h = held_get(f->w, ORIGIN);
	assert_true(h.size == 257);
}

static void
test_witness_add_checkpoint_stale_old(void **state)
{
	struct fx *f = *state;
	struct witness_result res;
	uint8_t *b;
	size_t len;

	b = req_tree(&f->t, f->log, ORIGIN, 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
	/* old 0 again (the client has no idea): 409 with 10. */
	b = req_tree(&f->t, f->log, ORIGIN, 0, 20, &len);
	submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
	assert_true(res.stored_size == 10);
	free(b);
	/* old 5 (a view the witness never had): 409 with 10. */
	b = req_tree(&f->t, f->log, ORIGIN, 5, 20, &len);
	submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
	assert_true(res.stored_size == 10);
	free(b);
	/* old 11 > stored: 409 too. */
	b = req_tree(&f->t, f->log, ORIGIN, 11, 20, &len);
	submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
	assert_true(res.stored_size == 10);
	free(b);
	/* Following the 409 works. */
	b = req_tree(&f->t, f->log, ORIGIN, 10, 20, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
}

static void
test_witness_add_checkpoint_bad_proof(void **state)
{
	struct fx *f = *state;
	struct merkle_source src = { tree_node, &f->t };
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], root[HASH_LEN];
	struct witness_result res;
	size_t np = 0, nl, len;
	char *note;
	uint8_t *b;

	b = req_tree(&f->t, f->log, ORIGIN, 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
	assert_int_equal(merkle_prove_consistency(&src, 10, 30, proof, &np),
	    LIEN_OK);
	tree_root(&f->t, 30, root);
	note = cp_note(f->log, ORIGIN, 30, root, &nl);
	/* Each proof element flipped; one element dropped; one added. */
	for (size_t i = 0; i < np; i++) {
		proof[i][7] ^= 0x10;
		b = req_make(10, (const uint8_t (*)[HASH_LEN])proof, np, note,
		    nl, &len);
		submit_expect(f, b, len, NOW, LIEN_EVERIFY, &res);
		free(b);
		proof[i][7] ^= 0x10;
	}
	b = req_make(10, (const uint8_t (*)[HASH_LEN])proof, np - 1, note, nl,
	    &len);
	submit_expect(f, b, len, NOW, LIEN_EVERIFY, &res);
	free(b);
	memset(proof[np], 0, HASH_LEN);
	b = req_make(10, (const uint8_t (*)[HASH_LEN])proof, np + 1, note, nl,
	    &len);
	submit_expect(f, b, len, NOW, LIEN_EVERIFY, &res);
	free(b);
	/* An empty proof. */
	b = req_make(10, NULL, 0, note, nl, &len);
	submit_expect(f, b, len, NOW, LIEN_EVERIFY, &res);
	free(b);
	free(note);
	/* A fork: a valid proof within the forked tree, from a root the
	 * witness does not hold... the fork shares the first 100 leaves, so
	 * fork to 150 from 10 verifies against our stored root: that is a
	 * consistent extension, and it is accepted. */
	b = req_tree(&f->fork, f->log, ORIGIN, 10, 150, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
	/* Now the honest tree at 200 is NOT consistent with the fork at
	 * 150: 422, and the witness keeps the fork's view. */
	{
		struct merkle_source s2 = { tree_node, &f->t };

		assert_int_equal(merkle_prove_consistency(&s2, 150, 200, proof,
		    &np), LIEN_OK);
		tree_root(&f->t, 200, root);
		note = cp_note(f->log, ORIGIN, 200, root, &nl);
		b = req_make(150, (const uint8_t (*)[HASH_LEN])proof, np, note,
		    nl, &len);
		submit_expect(f, b, len, NOW, LIEN_EVERIFY, &res);
		free(b);
		free(note);
	}
	/* Never cosigned + old 0 + a non-empty proof: 422 (the spec: the
	 * proof MUST be empty if the old size is zero). */
	{
		struct held h0 = held_get(f->w, "lienlog.test/other-log");

		assert_int_equal(h0.st, LIEN_ENOTFOUND);
		tree_root(&f->t, 10, root);
		note = cp_note(f->log2, "lienlog.test/other-log", 10, root,
		    &nl);
		b = req_make(0, (const uint8_t (*)[HASH_LEN])proof, 1, note,
		    nl, &len);
		submit_expect(f, b, len, NOW, LIEN_EVERIFY, &res);
		free(b);
		free(note);
	}
}

static void
test_witness_add_checkpoint_rollback(void **state)
{
	struct fx *f = *state;
	struct witness_result res;
	uint8_t *b;
	size_t len;

	b = req_tree(&f->t, f->log, ORIGIN, 0, 20, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
	/* A smaller checkpoint with the honest old size: old > size, 400. */
	{
		uint8_t root[HASH_LEN];
		size_t nl;
		char *note;

		tree_root(&f->t, 15, root);
		note = cp_note(f->log, ORIGIN, 15, root, &nl);
		b = req_make(20, NULL, 0, note, nl, &len);
		submit_expect(f, b, len, NOW, LIEN_ERANGE, &res);
		free(b);
		/* The same with old = its own size: 409 with 20. */
		b = req_make(15, NULL, 0, note, nl, &len);
		submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
		assert_true(res.stored_size == 20);
		free(b);
		free(note);
	}
	/* Size 0 (the ultimate rollback): old 0 size 0 -> 409 with 20. */
	b = req_tree(&f->t, f->log, ORIGIN, 0, 0, &len);
	submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
	assert_true(res.stored_size == 20);
	free(b);
}

static void
test_witness_add_checkpoint_same_size_other_root(void **state)
{
	struct fx *f = *state;
	struct witness_result res;
	uint8_t *b, root[HASH_LEN];
	size_t len, nl;
	char *note;

	b = req_tree(&f->t, f->log, ORIGIN, 0, 120, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
	/* Same size 120, the fork's root, correctly signed: 409, 120. */
	b = req_tree(&f->fork, f->log, ORIGIN, 120, 120, &len);
	submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
	assert_true(res.stored_size == 120);
	free(b);
	/* Same size and root but a non-empty proof: 422. */
	tree_root(&f->t, 120, root);
	note = cp_note(f->log, ORIGIN, 120, root, &nl);
	b = req_make(120, (const uint8_t (*)[HASH_LEN])&root, 1, note, nl,
	    &len);
	submit_expect(f, b, len, NOW, LIEN_EVERIFY, &res);
	free(b);
	free(note);
	/* Size 0 never cosigned with two roots either. */
	{
		uint8_t r0[HASH_LEN], r1[HASH_LEN];

		memset(r1, 0x42, HASH_LEN);
		tree_root(&f->t, 0, r0);
		note = cp_note(f->log2, "lienlog.test/other-log", 0, r0, &nl);
		b = req_make(0, NULL, 0, note, nl, &len);
		submit_expect(f, b, len, NOW, LIEN_OK, &res);
		free(b);
		free(note);
		note = cp_note(f->log2, "lienlog.test/other-log", 0, r1, &nl);
		b = req_make(0, NULL, 0, note, nl, &len);
		submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
		assert_true(res.stored_size == 0);
		free(b);
		free(note);
	}
}

static void
test_witness_add_checkpoint_origin_and_keys(void **state)
{
	struct fx *f = *state;
	struct witness_result res;
	struct note_signer *stranger = log_key("lienlog.test/unknown", NULL, 0);
	uint8_t *b;
	size_t len;

	/* Checkpoint for an origin the witness does not know: 404. */
	b = req_tree(&f->t, stranger, "lienlog.test/unknown", 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_ENOTFOUND, &res);
	free(b);
	/* Known origin, signed by another key of the same name: 403. */
	b = req_tree(&f->t, f->other, ORIGIN, 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_EKEY, &res);
	free(b);
	/* Known origin, signed by another configured log's key: 403. */
	b = req_tree(&f->t, f->log2, ORIGIN, 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_EKEY, &res);
	free(b);
	/* A checkpoint for another origin under the right key (name
	 * differs from the origin line): 404 by origin. */
	b = req_tree(&f->t, f->log, "lienlog.test/unknown", 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_ENOTFOUND, &res);
	free(b);
	/* The right signature plus a forged one by the same key: 403
	 * (fail closed). */
	{
		char *n1 = NULL, *line;
		size_t l1 = 0;
		uint8_t root[HASH_LEN];
		char *bad;

		tree_root(&f->t, 10, root);
		n1 = cp_note(f->log, ORIGIN, 10, root, &l1);
		line = strstr(n1, "\n\n") + 2;
		bad = malloc(l1 + (size_t)(n1 + l1 - line) + 1);
		assert_non_null(bad);
		memcpy(bad, n1, l1);
		memcpy(bad + l1, line, (size_t)(n1 + l1 - line));
		/* flip a base64 char of the duplicate's signature */
		bad[l1 + (size_t)(n1 + l1 - line) - 10] =
		    bad[l1 + (size_t)(n1 + l1 - line) - 10] == 'A' ? 'B' : 'A';
		b = req_make(0, NULL, 0, bad, l1 + (size_t)(n1 + l1 - line),
		    &len);
		submit_expect(f, b, len, NOW, LIEN_EKEY, &res);
		free(b);
		free(bad);
		free(n1);
	}
	/* Unsigned-looking note and garbage: 400. */
	b = req_make(0, NULL, 0, "lienlog.test/log\n1\n", 19, &len);
	submit_expect(f, b, len, NOW, LIEN_EPARSE, &res);
	free(b);
	{
		/* A signed note whose text is not a checkpoint. */
		char *n = NULL;
		size_t nl = 0;

		assert_int_equal(note_sign(f->log, (const uint8_t *)
		    "lienlog.test/log\nten\n", 21, &n, &nl), LIEN_OK);
		b = req_make(0, NULL, 0, n, nl, &len);
		submit_expect(f, b, len, NOW, LIEN_EPARSE, &res);
		free(b);
		free(n);
	}
	/* old > size: 400. */
	{
		uint8_t root[HASH_LEN];
		size_t nl;
		char *note;

		tree_root(&f->t, 10, root);
		note = cp_note(f->log, ORIGIN, 10, root, &nl);
		b = req_make(11, NULL, 0, note, nl, &len);
		submit_expect(f, b, len, NOW, LIEN_ERANGE, &res);
		free(b);
		free(note);
	}
	/* Every malformed framing is 400 before anything else. */
	submit_expect(f, (const uint8_t *)"old 01\n\nx", 9, NOW, LIEN_EPARSE,
	    &res);
	submit_expect(f, (const uint8_t *)"", 0, NOW, LIEN_EPARSE, &res);
	/* Arguments. */
	assert_int_equal(witness_add_checkpoint(f->w, (const uint8_t *)"x", 1,
	    COSIG_TIME_MAX + 1, &res), LIEN_EINVAL);
	assert_int_equal(witness_add_checkpoint(NULL, NULL, 0, NOW, &res),
	    LIEN_EINVAL);
	assert_int_equal(witness_add_checkpoint(f->w, NULL, 0, NOW, NULL),
	    LIEN_EINVAL);
	note_signer_free(stranger);
}

/* Several keys per origin (rotation): either key is accepted. */
static void
test_witness_add_checkpoint_two_keys_one_origin(void **state)
{
	struct fx *f = *state;
	char v1[512], v2[512], cfg[1200];
	struct note_signer *k1 = log_key("rot.example/log", v1, sizeof v1);
	struct note_signer *k2 = log_key("rot.example/log", v2, sizeof v2);
	struct note_verifier *vs = NULL;
	struct witness *w2 = NULL;
	struct witness_result res;
	char dir[64];
	size_t n = 0, len;
	uint8_t *b;
	int cl;

	(void)f;
	strcpy(dir, "/tmp/lien-test-witness2-XXXXXX");
	assert_non_null(mkdtemp(dir));
	cl = snprintf(cfg, sizeof cfg, "log %s\nlog %s\n", v1, v2);
	assert_int_equal(witness_logs_parse((uint8_t *)cfg, (size_t)cl, &vs,
	    &n, NULL), LIEN_OK);
	assert_int_equal(n, 2);
	assert_int_equal(witness_open(dir, 0, f->wkey, vs, n, &w2), LIEN_OK);
	b = req_tree(&f->t, k1, "rot.example/log", 0, 10, &len);
	assert_int_equal(witness_add_checkpoint(w2, b, len, NOW, &res),
	    LIEN_OK);
	free(b);
	b = req_tree(&f->t, k2, "rot.example/log", 10, 20, &len);
	assert_int_equal(witness_add_checkpoint(w2, b, len, NOW, &res),
	    LIEN_OK);
	free(b);
	witness_close(w2);
	/* The state survives a reopen. */
	assert_int_equal(witness_open(dir, 0, f->wkey, vs, n, &w2), LIEN_OK);
	{
		struct held h = held_get(w2, "rot.example/log");

		assert_int_equal(h.st, LIEN_OK);
		assert_true(h.size == 20);
	}
	/* Unsorted logs are a caller error. */
	{
		struct note_verifier rev[2] = { vs[1], vs[0] };
		struct witness *w3 = NULL;

		assert_int_equal(witness_open(dir, 0, f->wkey, rev, 2, &w3),
		    LIEN_EINVAL);
		assert_null(w3);
	}
	witness_close(w2);
	rm_tree(dir);
	free(vs);
	note_signer_free(k1);
	note_signer_free(k2);
}

/* A log's store directory is not a witness store. */
static void
test_witness_open_refuses_log_store(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	struct store_txn *t = NULL;
	struct witness *w2 = NULL;
	char dir[64];

	strcpy(dir, "/tmp/lien-test-witness3-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(dir, 1u << 24, 0, 0, &s), LIEN_OK);
	assert_int_equal(store_txn_begin(s, 1, &t), LIEN_OK);
	assert_int_equal(store_put(t, STORE_META, "format", 6, STORE_FORMAT,
	    sizeof STORE_FORMAT - 1, 0), LIEN_OK);
	assert_int_equal(store_txn_commit(t), LIEN_OK);
	store_close(s);
	assert_int_equal(witness_open(dir, 0, f->wkey, f->logs, f->nlogs,
	    &w2), LIEN_EUNSUPPORTED);
	assert_null(w2);
	rm_tree(dir);
	assert_int_equal(witness_open(NULL, 0, f->wkey, f->logs, f->nlogs,
	    &w2), LIEN_EINVAL);
	assert_int_equal(witness_open(dir, 0, f->wkey, f->logs, 0, &w2),
	    LIEN_EINVAL);
	witness_close(NULL);
}

/* ---- concurrency -------------------------------------------------------------- */

#define RACERS 8

struct racer {
	struct witness *w;
	pthread_barrier_t *bar;
	uint8_t *body;
	size_t len;
	enum lien_status st;
	struct witness_result res;
};

static void *
racer_run(void *arg)
{
	struct racer *r = arg;

	(void)pthread_barrier_wait(r->bar);
	r->st = witness_add_checkpoint(r->w, r->body, r->len, NOW, &r->res);
	return NULL;
}

static void
race(struct fx *f, struct racer *r, size_t n, size_t *out_winner)
{
	pthread_t th[RACERS];
	pthread_barrier_t bar;
	size_t wins = 0;

	assert_int_equal(pthread_barrier_init(&bar, NULL, (unsigned)n), 0);
	for (size_t i = 0; i < n; i++) {
		r[i].w = f->w;
		r[i].bar = &bar;
		assert_int_equal(pthread_create(&th[i], NULL, racer_run, &r[i]),
		    0);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&bar);
	for (size_t i = 0; i < n; i++) {
		if (r[i].st == LIEN_OK) {
			wins++;
			*out_winner = i;
		}
	}
	assert_int_equal(wins, 1);
	for (size_t i = 0; i < n; i++) {
		if (i == *out_winner)
			continue;
		assert_int_equal(r[i].st, LIEN_ECONFLICT);
		assert_int_equal(r[i].res.lines_len, 0);
	}
}

static void
test_witness_add_checkpoint_concurrent_one_wins(void **state)
{
	struct fx *f = *state;
	struct racer r[RACERS];
	struct witness_result res;
	size_t len, win = 0;
	uint8_t *b;
	struct held h;

	b = req_tree(&f->t, f->log, ORIGIN, 0, 10, &len);
	submit_expect(f, b, len, NOW, LIEN_OK, &res);
	free(b);
	/* Eight different sizes from the same old size 10. */
	memset(r, 0, sizeof r);
	for (size_t i = 0; i < RACERS; i++)
		r[i].body = req_tree(&f->t, f->log, ORIGIN, 10, 11 + 3 * i,
		    &r[i].len);
	race(f, r, RACERS, &win);
	h = held_get(f->w, ORIGIN);
	assert_true(h.size == 11 + 3 * win);
	for (size_t i = 0; i < RACERS; i++) {
		if (i != win)
			assert_true(r[i].res.stored_size == h.size);
		free(r[i].body);
	}
	/* Same size, two roots (honest and fork), racing from the same
	 * old size: one wins, and the size is never cosigned twice. */
	{
		uint64_t old = h.size;

		memset(r, 0, sizeof r);
		for (size_t i = 0; i < RACERS; i++)
			r[i].body = req_tree(i % 2 ? &f->fork : &f->t, f->log,
			    ORIGIN, old, 200, &r[i].len);
		race(f, r, RACERS, &win);
		h = held_get(f->w, ORIGIN);
		assert_true(h.size == 200);
		{
			uint8_t want[HASH_LEN];

			tree_root(win % 2 ? &f->fork : &f->t, 200, want);
			assert_memory_equal(h.root, want, HASH_LEN);
		}
		for (size_t i = 0; i < RACERS; i++)
			free(r[i].body);
		/* Afterwards only the winner's root is re-cosignable. */
		b = req_tree(win % 2 ? &f->t : &f->fork, f->log, ORIGIN, 200,
		    200, &len);
		submit_expect(f, b, len, NOW, LIEN_ECONFLICT, &res);
		free(b);
		b = req_tree(win % 2 ? &f->fork : &f->t, f->log, ORIGIN, 200,
		    200, &len);
		submit_expect(f, b, len, NOW, LIEN_OK, &res);
		free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_witness_request_parse_ok),
		cmocka_unit_test(test_witness_request_parse_negatives),
		cmocka_unit_test(test_witness_request_parse_truncation_and_flips),
		cmocka_unit_test_setup_teardown(test_witness_logs_parse_rules,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_first_and_extend, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_stale_old, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_bad_proof, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_rollback, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_same_size_other_root, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_origin_and_keys, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_two_keys_one_origin, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_open_refuses_log_store, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_witness_add_checkpoint_concurrent_one_wins, fx_setup,
		    fx_teardown),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
