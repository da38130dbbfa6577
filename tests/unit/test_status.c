/*
 * Tests for tlog/status.c (state-root payloads, status proof bundles and
 * their verification) on bundles made by the real ledger
 * (ledger_view_status_proof) from a real store, with a build callback
 * standing in for the registry: it sets key(id) to value(record, full).
 *
 * Every link of the chain is broken once and must be refused with its own
 * fault: wrong vehicle, checkpoint of another origin / key, missing
 * witness cosignatures, an entry that is not a state root, a state root
 * that is not the last leaf, a bad inclusion proof, a bad map proof, a
 * record or commitment that does not hash to the leaf; then freshness: a
 * newer trusted checkpoint (stale), a same-size other root (fork), age.
 * And every bit flip and truncation of a real bundle is refused.
 *
 * With LIEN_STATUS_SEED_DIR set, the bundles are also written there (how
 * tests/fuzz/corpus/fuzz_status_proof/ was seeded).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/file.h"
#include "crypto/cosig.h"
#include "registry/registry.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "tlog/merkle.h"
#include "tlog/status.h"

#define ORIGIN "test.lienlog.invalid/status"
#define VIN_A "LSJA24U62JG269225"
#define VIN_B "LBV5S3102ESJ25655"
/* Records of docs/lien-status.md section 3: the compact bundle carries
 * them in binary (section 7.1), so they must have that shape. */
#define FULLER0 "0000000000000000000000000000000000000000000000000000000000000000"
#define REC_A "{\"fuller\":\"" FULLER0 "\",\"liens\":[],\"recorded_index\":1," \
    "\"recorded_ms\":1767225607000,\"released\":[],\"restrictions\":[]}"
#define REC_C "{\"fuller\":\"" FULLER0 "\",\"liens\":[{\"app\":" \
    "\"A0000000000000002\",\"rank\":1,\"registered_index\":3," \
    "\"registered_ms\":1767225608000}],\"recorded_index\":1," \
    "\"recorded_ms\":1767225607000,\"released\":[],\"restrictions\":[]}"

struct fx {
	char dir[64];
	char *skey, *vkey;
	struct note_signer *signer;
	struct tlog_policy pol;
	struct ledger *l;
};

/* Set key(id) = value(record) in the batch's map. */
struct setrec {
	const char *id;
	const char *record;
};

static enum lien_status LIEN_MUST_CHECK
setrec_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	struct setrec *r = arg;
	uint8_t key[HASH_LEN], val[HASH_LEN];
	size_t n = strlen(r->record);

	(void)index;
	(void)time_ms;
	assert_true(n <= cap);
	memcpy(out, r->record, n);
	*out_len = n;
	assert_int_equal(status_key((const uint8_t *)r->id, strlen(r->id), key),
	    LIEN_OK);
	status_value((const uint8_t *)r->record, n, val);
	return ledger_state_map_set(st, key, val);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct ledger_config cfg = { 0 };

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	strcpy(f->dir, "/tmp/lienlog-test-status-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(note_key_generate(ORIGIN, strlen(ORIGIN), &f->skey,
	    &f->vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(f->skey, strlen(f->skey),
	    &f->signer), LIEN_OK);
	assert_int_equal(note_verifier_parse(f->vkey, strlen(f->vkey),
	    &f->pol.log), LIEN_OK);
	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.map_size = 1u << 30;
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
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

/* Record A, then n plain entries (one batch). */
static void
grow(struct fx *f, const char *record, unsigned n)
{
	struct setrec r = { VIN_A, record };
	struct ledger_item it[8];
	struct ledger_receipt rc[8];

	assert_true(n < 8);
	memset(it, 0, sizeof it);
	it[0].type = 21;
	it[0].build = setrec_build;
	it[0].arg = &r;
	for (unsigned i = 1; i <= n; i++) {
		it[i].type = 1;
		it[i].payload = (const uint8_t *)"x";
		it[i].len = 1;
	}
	assert_int_equal(ledger_append_many(f->l, it, n + 1, rc), LIEN_OK);
}

static void
bundle(struct fx *f, const char *vin, const char *record, uint8_t **out,
    size_t *len)
{
	struct ledger_view *v;

	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_status_proof(v, (const uint8_t *)vin,
	    strlen(vin), (const uint8_t *)record, record ? strlen(record) : 0,
	    out, len), LIEN_OK);
	ledger_view_close(v);
}

static enum lien_status LIEN_MUST_CHECK
verify(struct fx *f, const uint8_t *b, size_t len, const char *vin,
    struct status_result *res, struct status_report *rep)
{
	struct status_check c;

	memset(&c, 0, sizeof c);
	c.policy = &f->pol;
	c.id = (const uint8_t *)vin;
	c.id_len = strlen(vin);
	return status_proof_verify(b, len, &c, res, rep);
}

static void
seed(const char *name, const uint8_t *b, size_t len)
{
	const char *dir = getenv("LIEN_STATUS_SEED_DIR");
	char path[512];
	FILE *fp;

	if (dir == NULL)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, len, fp), len);
	fclose(fp);
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_status_root_codec(void **state)
{
	struct status_root r, d;
	uint8_t buf[STATUS_ROOT_PAYLOAD_LEN + 1];

	(void)state;
	memset(&r, 0, sizeof r);
	memset(r.root, 0x5a, HASH_LEN);
	r.nkeys = 10000000;
	r.tree_size = 0x0102030405060708ull;
	assert_int_equal(status_root_encode(&r, buf, STATUS_ROOT_PAYLOAD_LEN - 1),
	    LIEN_ETOOBIG);
	assert_int_equal(status_root_encode(&r, buf, sizeof buf), LIEN_OK);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[41], 1);
	assert_int_equal(buf[48], 8);
	assert_int_equal(status_root_decode(buf, STATUS_ROOT_PAYLOAD_LEN, &d),
	    LIEN_OK);
	assert_memory_equal(&d, &r, sizeof r);
	assert_int_equal(status_root_decode(buf, STATUS_ROOT_PAYLOAD_LEN - 1,
	    &d), LIEN_EPARSE);
	assert_int_equal(status_root_decode(buf, STATUS_ROOT_PAYLOAD_LEN + 1,
	    &d), LIEN_EPARSE);
	assert_int_equal(status_root_decode(buf, 0, &d), LIEN_EPARSE);
	buf[0] = 2;
	assert_int_equal(status_root_decode(buf, STATUS_ROOT_PAYLOAD_LEN, &d),
	    LIEN_EUNSUPPORTED);
	buf[0] = 1;
	memset(buf + 41, 0, 8);		/* tree size 0 */
	assert_int_equal(status_root_decode(buf, STATUS_ROOT_PAYLOAD_LEN, &d),
	    LIEN_EPARSE);
}

static void
test_status_key_limits(void **state)
{
	uint8_t k[MAP_KEY_LEN], id[STATUS_ID_MAX + 1];

	(void)state;
	memset(id, 'A', sizeof id);
	assert_int_equal(status_key(id, 0, k), LIEN_EINVAL);
	assert_int_equal(status_key(id, STATUS_ID_MAX + 1, k), LIEN_EINVAL);
	assert_int_equal(status_key(id, STATUS_ID_MAX, k), LIEN_OK);
}

/* Section 7.1: the binary record, both ways, and every refusal. */
static void
test_status_record_binary(void **state)
{
	static const char *good[] = {
		REC_A, REC_C,
		"{\"fuller\":\"" FULLER0 "\",\"liens\":[{\"app\":"
		"\"A00000000000000ff\",\"rank\":1,\"registered_index\":9,"
		"\"registered_ms\":0},{\"app\":\"A0000000000000100\",\"rank\":2,"
		"\"registered_index\":18446744073709551615,\"registered_ms\":1}],"
		"\"recorded_index\":0,\"recorded_ms\":0,\"released\":[{\"app\":"
		"\"A0000000000000001\",\"registered_index\":2,\"registered_ms\":3,"
		"\"released_index\":4,\"released_ms\":5}],\"restrictions\":["
		"{\"index\":7,\"kind\":\"seized\",\"since_ms\":8},{\"index\":9,"
		"\"kind\":\"customs\",\"since_ms\":10}]}",
	};
	/* not section 3's canonical shape: each must not pack */
	static const char *bad[] = {
		"", "{}", "{\"liens\":[],\"recorded_ms\":1767225607000}",
		/* a leading zero */
		"{\"fuller\":\"" FULLER0 "\",\"liens\":[],\"recorded_index\":01,"
		"\"recorded_ms\":1,\"released\":[],\"restrictions\":[]}",
		/* a rank that is not the position */
		"{\"fuller\":\"" FULLER0 "\",\"liens\":[{\"app\":"
		"\"A0000000000000002\",\"rank\":2,\"registered_index\":3,"
		"\"registered_ms\":4}],\"recorded_index\":1,\"recorded_ms\":1,"
		"\"released\":[],\"restrictions\":[]}",
		/* an unknown kind */
		"{\"fuller\":\"" FULLER0 "\",\"liens\":[],\"recorded_index\":1,"
		"\"recorded_ms\":1,\"released\":[],\"restrictions\":[{\"index\":"
		"1,\"kind\":\"towed\",\"since_ms\":2}]}",
		/* upper-case hex, whitespace, 2^64 */
		"{\"fuller\":\"" FULLER0 "\",\"liens\":[{\"app\":"
		"\"A000000000000000A\",\"rank\":1,\"registered_index\":3,"
		"\"registered_ms\":4}],\"recorded_index\":1,\"recorded_ms\":1,"
		"\"released\":[],\"restrictions\":[]}",
		"{\"fuller\":\"" FULLER0 "\", \"liens\":[],\"recorded_index\":1,"
		"\"recorded_ms\":1,\"released\":[],\"restrictions\":[]}",
		"{\"fuller\":\"" FULLER0 "\",\"liens\":[],\"recorded_index\":"
		"18446744073709551616,\"recorded_ms\":1,\"released\":[],"
		"\"restrictions\":[]}",
	};
	uint8_t bin[STATUS_RECORD_MAX], json[STATUS_RECORD_MAX];
	uint8_t big[32 + 16 + 3 + 65 * 40];
	size_t bl, jl, n;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		n = strlen(good[i]);
		assert_int_equal(status_record_pack((const uint8_t *)good[i], n,
		    bin, sizeof bin, &bl), LIEN_OK);
		assert_int_equal(status_record_render(bin, bl, json,
		    sizeof json, &jl), LIEN_OK);
		assert_int_equal(jl, n);
		assert_memory_equal(json, good[i], n);
		/* truncated at every length, and a trailing byte */
		for (size_t k = 0; k < bl; k++)
			assert_int_equal(status_record_render(bin, k, json,
			    sizeof json, &jl), LIEN_EPARSE);
		bin[bl] = 0;
		assert_int_equal(status_record_render(bin, bl + 1, json,
		    sizeof json, &jl), LIEN_EPARSE);
		/* a short output buffer */
		assert_int_equal(status_record_render(bin, bl, json, n - 1,
		    &jl), LIEN_ETOOBIG);
	}
	assert_int_equal(bl, 32 + 16 + 1 + 2 * 24 + 1 + 40 + 1 + 2 * 17);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(status_record_pack((const uint8_t *)bad[i],
		    strlen(bad[i]), bin, sizeof bin, &bl), LIEN_OK);
	/* a kind outside 1..5 */
	assert_int_equal(status_record_pack((const uint8_t *)good[2],
	    strlen(good[2]), bin, sizeof bin, &bl), LIEN_OK);
	bin[bl - 17] = 6;
	assert_int_equal(status_record_render(bin, bl, json, sizeof json, &jl),
	    LIEN_EPARSE);
	bin[bl - 17] = 0;
	assert_int_equal(status_record_render(bin, bl, json, sizeof json, &jl),
	    LIEN_EPARSE);
	/* oversize counts: 65 mortgages, 6 restrictions */
	memset(big, 0, sizeof big);
	big[48] = 0;
	big[49] = 65;
	assert_int_equal(status_record_render(big, 32 + 16 + 3 + 65 * 40, json,
	    sizeof json, &jl), LIEN_EPARSE);
	big[48] = 1;
	big[49] = 64;
	assert_int_equal(status_record_render(big, 32 + 16 + 3 + 24 + 64 * 40,
	    json, sizeof json, &jl), LIEN_EPARSE);
	memset(big, 0, sizeof big);
	big[50] = 6;
	for (size_t k = 0; k < 6; k++)
		big[51 + k * 17] = 1;
	assert_int_equal(status_record_render(big, 51 + 6 * 17, json,
	    sizeof json, &jl), LIEN_EPARSE);
	/* 64 mortgages of the largest numbers render past 8 KiB: refused */
	memset(big, 0xff, sizeof big);
	big[48] = 0;
	big[49] = 64;
	big[50 + 64 * 40] = 0;
	assert_int_equal(status_record_render(big, 51 + 64 * 40, json,
	    sizeof json, &jl), LIEN_ETOOBIG);
	assert_int_equal(status_record_render((const uint8_t *)"", 0, json,
	    sizeof json, &jl), LIEN_EPARSE);
}

static void
test_status_proof_present_absent(void **state)
{
	struct fx *f = *state;
	struct status_result res;
	struct status_report rep;
	uint8_t *b;
	size_t len;
	struct ledger_view *v;

	grow(f, REC_A, 2);
	bundle(f, VIN_A, REC_A, &b, &len);
	seed("present.bin", b, len);
	assert_int_equal(verify(f, b, len, VIN_A, &res, &rep), LIEN_OK);
	assert_int_equal(res.present, 1);
	assert_int_equal(res.record_len, strlen(REC_A));
	assert_memory_equal(res.record, REC_A, strlen(REC_A));
	assert_int_equal(res.tree_size, 4);
	assert_int_equal(res.nkeys, 1);
	assert_true(res.time_ms > 0);
	/* The bundle is for A: asking about B is refused. */
	assert_int_equal(verify(f, b, len, VIN_B, &res, &rep), LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_WRONG_ID);
	free(b);
	/* B was never recorded: a proof of absence. */
	bundle(f, VIN_B, NULL, &b, &len);
	seed("absent.bin", b, len);
	assert_int_equal(verify(f, b, len, VIN_B, &res, &rep), LIEN_OK);
	assert_int_equal(res.present, 0);
	assert_null(res.record);
	free(b);
	/* The ledger refuses to assemble a bundle the map contradicts. */
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_status_proof(v, (const uint8_t *)VIN_B,
	    strlen(VIN_B), (const uint8_t *)REC_A, strlen(REC_A), &b, &len),
	    LIEN_ECORRUPT);
	assert_int_equal(ledger_view_status_proof(v, (const uint8_t *)VIN_A,
	    strlen(VIN_A), NULL, 0, &b, &len), LIEN_ECORRUPT);
	assert_int_equal(ledger_view_status_proof(v, (const uint8_t *)VIN_A,
	    strlen(VIN_A), (const uint8_t *)"{}", 2, &b, &len),
	    LIEN_ECORRUPT);
	ledger_view_close(v);
}

/* Decode a bundle, change it, encode it again. */
static uint8_t *
reencode(const struct status_proof *p, size_t *len)
{
	uint8_t *b = malloc(STATUS_PROOF_MAX);

	assert_non_null(b);
	assert_int_equal(status_proof_encode(p, b, STATUS_PROOF_MAX, len),
	    LIEN_OK);
	return b;
}

static void
expect_fault(struct fx *f, const uint8_t *b, size_t len, const char *vin,
    enum status_fault want)
{
	struct status_result res;
	struct status_report rep;

	assert_int_equal(verify(f, b, len, vin, &res, &rep), LIEN_EVERIFY);
	if (rep.fault != want)
		fail_msg("fault %s, want %s (%s)", status_fault_name(rep.fault),
		    status_fault_name(want), rep.why);
	assert_true(strlen(rep.why) > 0);
}

static void
test_status_proof_links(void **state)
{
	struct fx *f = *state;
	struct status_proof *p = malloc(sizeof *p), *q = malloc(sizeof *q);
	struct ledger_view *v;
	uint8_t *b, *c, rec2[256], mp[MAP_PROOF_MAX];
	size_t len, clen, n;
	const uint8_t *e;
	size_t elen;

	assert_non_null(p);
	assert_non_null(q);
	grow(f, REC_A, 3);		/* size 5 */
	grow(f, REC_A, 1);		/* size 8: entry 4 is an older root */
	bundle(f, VIN_A, REC_A, &b, &len);
	assert_int_equal(status_proof_decode(b, len, p), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	n = ledger_view_size(v);
	assert_int_equal(n, 8);

	/* the record does not hash to the leaf */
	*q = *p;
	memcpy(rec2, REC_A, q->record_len);
	rec2[20] ^= 1;
	q->record = rec2;
	c = reencode(q, &clen);
	expect_fault(f, c, clen, VIN_A, STATUS_FAULT_RECORD);
	free(c);
	/* nor does another well-formed one */
	*q = *p;
	q->record = (const uint8_t *)REC_C;
	q->record_len = strlen(REC_C);
	c = reencode(q, &clen);
	expect_fault(f, c, clen, VIN_A, STATUS_FAULT_RECORD);
	free(c);
	/* a map proof for another key (B's absence) under A's record */
	{
		uint8_t *bb;
		size_t bl;
		struct status_proof *pb = malloc(sizeof *pb);

		assert_non_null(pb);
		bundle(f, VIN_B, NULL, &bb, &bl);
		assert_int_equal(status_proof_decode(bb, bl, pb), LIEN_OK);
		*q = *pb;
		q->id = (const uint8_t *)VIN_A;
		c = reencode(q, &clen);
		expect_fault(f, c, clen, VIN_A, STATUS_FAULT_MAP);
		free(c);
		free(bb);
		free(pb);
	}
	/* a sibling of the map proof changed (one-key map: depth 0, so use
	 * the value instead: the map proof's own leaf) */
	*q = *p;
	memcpy(mp, p->map, p->map_len);
	mp[p->map_len - 1] ^= 1;
	q->map = mp;
	c = reencode(q, &clen);
	expect_fault(f, c, clen, VIN_A, STATUS_FAULT_MAP);
	free(c);
	/* inclusion proof broken */
	*q = *p;
	assert_true(q->nincl > 0);
	q->incl[0][3] ^= 1;
	c = reencode(q, &clen);
	expect_fault(f, c, clen, VIN_A, STATUS_FAULT_INCLUSION);
	free(c);
	*q = *p;
	q->nincl--;		/* one sibling missing */
	c = reencode(q, &clen);
	expect_fault(f, c, clen, VIN_A, STATUS_FAULT_INCLUSION);
	free(c);
	/* the state root of an earlier batch (entry 4), included in this
	 * tree: not the last leaf */
	*q = *p;
	assert_int_equal(ledger_view_entry(v, 4, &e, &elen), LIEN_OK);
	q->entry = e;
	q->entry_len = elen;
	assert_int_equal(ledger_view_prove_inclusion(v, 4, n, q->incl,
	    &q->nincl), LIEN_OK);
	c = reencode(q, &clen);
	expect_fault(f, c, clen, VIN_A, STATUS_FAULT_NOT_LAST);
	free(c);
	/* an ordinary entry (6), included in this tree: not a state root */
	*q = *p;
	assert_int_equal(ledger_view_entry(v, 6, &e, &elen), LIEN_OK);
	q->entry = e;
	q->entry_len = elen;
	assert_int_equal(ledger_view_prove_inclusion(v, 6, n, q->incl,
	    &q->nincl), LIEN_OK);
	c = reencode(q, &clen);
	expect_fault(f, c, clen, VIN_A, STATUS_FAULT_NOT_STATE_ROOT);
	free(c);
	/* the checkpoint of the earlier tree (size 5) with this bundle's
	 * entry: its root does not include it, and entry 7 is not 5's last */
	{
		char *cp5;
		size_t cp5_len;

		*q = *p;
		assert_int_equal(ledger_view_checkpoint(v, 5, &cp5, &cp5_len),
		    LIEN_OK);
		assert_int_equal(status_proof_set_checkpoint(q,
		    (const uint8_t *)cp5, cp5_len), LIEN_OK);
		c = reencode(q, &clen);
		expect_fault(f, c, clen, VIN_A, STATUS_FAULT_NOT_LAST);
		free(c);
		free(cp5);
	}
	ledger_view_close(v);
	free(b);
	free(p);
	free(q);
}

static void
test_status_proof_trust(void **state)
{
	struct fx *f = *state;
	struct tlog_policy pol = f->pol;
	struct note_verifier wv;
	struct cosig_signer *ws;
	struct status_check c;
	struct status_result res;
	struct status_report rep;
	char *sk, *vk, *wsk, *wvk, line[COSIG_LINE_MAX];
	uint8_t *b;
	size_t len, ll;

	grow(f, REC_A, 0);
	bundle(f, VIN_A, REC_A, &b, &len);
	/* another log's key (other origin) */
	assert_int_equal(note_key_generate("other.example/log", 17, &sk, &vk),
	    LIEN_OK);
	assert_int_equal(note_verifier_parse(vk, strlen(vk), &pol.log), LIEN_OK);
	memset(&c, 0, sizeof c);
	c.policy = &pol;
	c.id = (const uint8_t *)VIN_A;
	c.id_len = strlen(VIN_A);
	assert_int_equal(status_proof_verify(b, len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_CHECKPOINT);
	secret_free(sk);
	free(vk);
	/* same origin, another key */
	assert_int_equal(note_key_generate(ORIGIN, strlen(ORIGIN), &sk, &vk),
	    LIEN_OK);
	assert_int_equal(note_verifier_parse(vk, strlen(vk), &pol.log), LIEN_OK);
	assert_int_equal(status_proof_verify(b, len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_CHECKPOINT);
	secret_free(sk);
	free(vk);
	/* a witness policy the checkpoint does not meet */
	assert_int_equal(cosig_key_generate("witness.example/w", 17, &wsk,
	    &wvk), LIEN_OK);
	assert_int_equal(cosig_signer_parse(wsk, strlen(wsk), &ws), LIEN_OK);
	wv = *cosig_signer_verifier(ws);
	pol = f->pol;
	pol.witnesses = &wv;
	pol.nwitnesses = 1;
	pol.quorum = 1;
	assert_int_equal(status_proof_verify(b, len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_QUORUM);
	free(b);
	/* the witness cosigns the checkpoint: the new bundle carries it */
	{
		struct ledger_view *v;
		char *note;
		size_t nl, body_len;

		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(ledger_view_checkpoint(v, ledger_view_size(v),
		    &note, &nl), LIEN_OK);
		body_len = (size_t)(strstr(note, "\n\n") - note) + 1;
		assert_int_equal(cosig_sign_line(ws, (const uint8_t *)note,
		    body_len, 1767225600, line, sizeof line, &ll), LIEN_OK);
		assert_int_equal(ledger_checkpoint_add_cosigs(f->l,
		    ledger_view_size(v), line, ll), LIEN_OK);
		free(note);
		ledger_view_close(v);
	}
	bundle(f, VIN_A, REC_A, &b, &len);
	seed("present_cosigned.bin", b, len);
	assert_int_equal(status_proof_verify(b, len, &c, &res, &rep), LIEN_OK);
	assert_int_equal(res.cosigned, 1);
	/* the compact form: one cosignature of 76 bytes, and the decoder
	 * wants them strictly increasing (a repeated one is refused) */
	{
		struct status_proof *p = malloc(sizeof *p);
		uint8_t *o = malloc(STATUS_PROOF_MAX);
		size_t ol;

		assert_non_null(p);
		assert_non_null(o);
		assert_int_equal(status_proof_decode(b, len, p), LIEN_OK);
		assert_int_equal(p->ncosig, 1);
		memcpy(p->cosig[1], p->cosig[0], STATUS_COSIG_LEN);
		p->ncosig = 2;
		assert_int_equal(status_proof_encode(p, o, STATUS_PROOF_MAX,
		    &ol), LIEN_EINVAL);
		/* by hand: the same cosignature twice after the count */
		memcpy(o, b, len);
		o[len - STATUS_COSIG_LEN - 1] = 2;
		memcpy(o + len, b + len - STATUS_COSIG_LEN, STATUS_COSIG_LEN);
		assert_int_equal(status_proof_decode(o, len + STATUS_COSIG_LEN,
		    p), LIEN_EPARSE);
		/* a cosignature of a key id no witness has is ignored */
		memcpy(o, b, len);
		o[len - STATUS_COSIG_LEN] ^= 0xff;
		assert_int_equal(status_proof_verify(o, len, &c, &res, &rep),
		    LIEN_EVERIFY);
		assert_int_equal(rep.fault, STATUS_FAULT_QUORUM);
		free(o);
		free(p);
	}
	free(b);
	cosig_signer_free(ws);
	secret_free(wsk);
	free(wvk);
}

/* More witnesses cosigned the checkpoint than a bundle carries (32), one
 * of them twice: the bundle still builds (it was a 500 of GET
 * .../status-proof), with the first cosignature of each of the first 32
 * key ids in the note's order (docs/lien-status.md section 7), and
 * verifies for a policy of those. The store keeps one line per key and
 * at most NOTE_SIGS_MAX lines (ledger_checkpoint_add_cosigs): witnesses
 * past the 63rd are refused, the second line of witness 0 is dropped. */
#define MANY_WITNESSES 70

static void
test_status_proof_many_cosigners(void **state)
{
	struct fx *f = *state;
	struct cosig_signer *ws[MANY_WITNESSES];
	struct note_verifier wv[MANY_WITNESSES];
	struct tlog_policy pol = f->pol;
	struct status_check c;
	struct status_result res;
	struct status_report rep;
	struct status_proof *p = malloc(sizeof *p);
	struct ledger_view *v;
	char line[COSIG_LINE_MAX], *note;
	uint8_t *b, first0[STATUS_COSIG_LEN];
	size_t len, ll, nl, body_len;
	uint64_t n;

	assert_non_null(p);
	grow(f, REC_A, 0);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	n = ledger_view_size(v);
	assert_int_equal(ledger_view_checkpoint(v, n, &note, &nl), LIEN_OK);
	ledger_view_close(v);
	body_len = (size_t)(strstr(note, "\n\n") - note) + 1;
	for (size_t i = 0; i <= MANY_WITNESSES; i++) {
		/* witness 0 again at the end, with a later timestamp */
		size_t w = i % MANY_WITNESSES;

		if (i < MANY_WITNESSES) {
			char name[32], *sk, *vk;

			snprintf(name, sizeof name, "w%02zu.example/w", w);
			assert_int_equal(cosig_key_generate(name, strlen(name),
			    &sk, &vk), LIEN_OK);
			assert_int_equal(cosig_signer_parse(sk, strlen(sk),
			    &ws[w]), LIEN_OK);
			wv[w] = *cosig_signer_verifier(ws[w]);
			secret_free(sk);
			free(vk);
		}
		assert_int_equal(cosig_sign_line(ws[w], (const uint8_t *)note,
		    body_len, 1767225600 + i, line, sizeof line, &ll),
		    LIEN_OK);
		assert_int_equal(ledger_checkpoint_add_cosigs(f->l, n, line,
		    ll), i < NOTE_SIGS_MAX - 1 || i == MANY_WITNESSES ?
		    LIEN_OK : LIEN_ETOOBIG);
	}
	assert_int_equal(cosig_sign(ws[0], (const uint8_t *)note, body_len,
	    1767225600, first0), LIEN_OK);
	free(note);

	bundle(f, VIN_A, REC_A, &b, &len);
	assert_int_equal(status_proof_decode(b, len, p), LIEN_OK);
	assert_int_equal(p->ncosig, STATUS_COSIG_MAX);
	/* exactly witnesses 0..31, each once, witness 0 by its first line */
	for (size_t w = 0; w < MANY_WITNESSES; w++) {
		size_t k = 0;

		for (size_t i = 0; i < p->ncosig; i++)
			if (p->cosig[i][0] == (uint8_t)(wv[w].key_id >> 24) &&
			    p->cosig[i][1] == (uint8_t)(wv[w].key_id >> 16) &&
			    p->cosig[i][2] == (uint8_t)(wv[w].key_id >> 8) &&
			    p->cosig[i][3] == (uint8_t)wv[w].key_id) {
				if (w == 0)
					assert_memory_equal(p->cosig[i],
					    first0, STATUS_COSIG_LEN);
				k++;
			}
		assert_int_equal(k, w < STATUS_COSIG_MAX ? 1 : 0);
	}
	memset(&c, 0, sizeof c);
	c.policy = &pol;
	c.id = (const uint8_t *)VIN_A;
	c.id_len = strlen(VIN_A);
	/* the 32 kept witnesses, all of them needed */
	pol.witnesses = wv;
	pol.nwitnesses = STATUS_COSIG_MAX;
	pol.quorum = STATUS_COSIG_MAX;
	assert_int_equal(status_proof_verify(b, len, &c, &res, &rep), LIEN_OK);
	assert_int_equal(res.cosigned, STATUS_COSIG_MAX);
	/* a policy of the first 64, 32 needed */
	pol.nwitnesses = TLOG_WITNESSES_MAX;
	assert_int_equal(status_proof_verify(b, len, &c, &res, &rep), LIEN_OK);
	assert_int_equal(res.cosigned, STATUS_COSIG_MAX);
	/* the witnesses left out do not count */
	pol.witnesses = wv + STATUS_COSIG_MAX;
	pol.nwitnesses = MANY_WITNESSES - STATUS_COSIG_MAX;
	pol.quorum = 1;
	assert_int_equal(status_proof_verify(b, len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_QUORUM);
	free(b);
	free(p);
	for (size_t w = 0; w < MANY_WITNESSES; w++)
		cosig_signer_free(ws[w]);
}

static void
test_status_proof_freshness(void **state)
{
	struct fx *f = *state;
	struct status_check c;
	struct status_result res;
	struct status_report rep;
	uint8_t *old, *cur;
	size_t old_len, cur_len;
	char *newest, *forged, body[512];
	size_t newest_len, forged_len, body_len;
	uint8_t root[HASH_LEN];

	grow(f, REC_A, 0);
	bundle(f, VIN_A, REC_A, &old, &old_len);
	/* the vehicle changes: the old bundle proves the past */
	grow(f, REC_C, 0);
	bundle(f, VIN_A, REC_C, &cur, &cur_len);
	assert_int_equal(ledger_latest_checkpoint(f->l, &newest, &newest_len),
	    LIEN_OK);
	memset(&c, 0, sizeof c);
	c.policy = &f->pol;
	c.id = (const uint8_t *)VIN_A;
	c.id_len = strlen(VIN_A);
	c.newer = (const uint8_t *)newest;
	c.newer_len = newest_len;
	assert_int_equal(status_proof_verify(old, old_len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_STALE);
	assert_int_equal(status_proof_verify(cur, cur_len, &c, &res, &rep),
	    LIEN_OK);
	/* a trusted checkpoint older than the proof is fine */
	{
		struct ledger_view *v;
		char *cp2;
		size_t cp2_len;

		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(ledger_view_checkpoint(v, 2, &cp2, &cp2_len),
		    LIEN_OK);
		ledger_view_close(v);
		c.newer = (const uint8_t *)cp2;
		c.newer_len = cp2_len;
		assert_int_equal(status_proof_verify(cur, cur_len, &c, &res,
		    &rep), LIEN_OK);
		free(cp2);
	}
	/* the log signs another root at the same size: a fork */
	memset(root, 0x77, sizeof root);
	assert_int_equal(checkpoint_format(ORIGIN, strlen(ORIGIN), res.tree_size,
	    root, body, sizeof body, &body_len), LIEN_OK);
	assert_int_equal(note_sign(f->signer, (const uint8_t *)body, body_len,
	    &forged, &forged_len), LIEN_OK);
	c.newer = (const uint8_t *)forged;
	c.newer_len = forged_len;
	assert_int_equal(status_proof_verify(cur, cur_len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_FORK);
	/* a trusted checkpoint that does not verify */
	forged[0] ^= 1;
	assert_int_equal(status_proof_verify(cur, cur_len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_NEWER);
	/* age */
	c.newer = NULL;
	c.newer_len = 0;
	assert_int_equal(status_proof_verify(cur, cur_len, &c, &res, &rep),
	    LIEN_OK);
	c.max_age_ms = 60000;
	c.now_ms = res.time_ms + 59000;
	assert_int_equal(status_proof_verify(cur, cur_len, &c, &res, &rep),
	    LIEN_OK);
	c.now_ms += 2000;
	assert_int_equal(status_proof_verify(cur, cur_len, &c, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_TOO_OLD);
	/* a proof from the future (clock skew) is not "too old" */
	c.now_ms = 1;
	assert_int_equal(status_proof_verify(cur, cur_len, &c, &res, &rep),
	    LIEN_OK);
	free(old);
	free(cur);
	free(newest);
	free(forged);
}

static void
test_status_proof_bytes(void **state)
{
	struct fx *f = *state;
	struct status_result res;
	struct status_report rep;
	uint8_t *b, *m;
	size_t len;

	grow(f, REC_A, 2);
	bundle(f, VIN_A, REC_A, &b, &len);
	m = malloc(STATUS_PROOF_MAX + 1);
	assert_non_null(m);
	/* every bit of every byte */
	for (size_t i = 0; i < len; i++)
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(m, b, len);
			m[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(verify(f, m, len, VIN_A, &res, &rep),
			    LIEN_EVERIFY);
		}
	/* every truncation, and trailing bytes */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(verify(f, b, n, VIN_A, &res, &rep),
		    LIEN_EVERIFY);
	memcpy(m, b, len);
	m[len] = '\n';
	assert_int_equal(verify(f, m, len + 1, VIN_A, &res, &rep),
	    LIEN_EVERIFY);
	/* oversize */
	memset(m, 0, STATUS_PROOF_MAX + 1);
	memcpy(m, b, len);
	assert_int_equal(verify(f, m, STATUS_PROOF_MAX + 1, VIN_A, &res, &rep),
	    LIEN_EVERIFY);
	assert_int_equal(rep.fault, STATUS_FAULT_MALFORMED);
	/* a record on an absence proof and none on a presence proof */
	{
		struct status_proof *p = malloc(sizeof *p);
		uint8_t *c = malloc(STATUS_PROOF_MAX), *a;
		size_t clen, alen;

		assert_non_null(p);
		assert_non_null(c);
		assert_int_equal(status_proof_decode(b, len, p), LIEN_OK);
		p->record = NULL;
		p->record_len = 0;
		assert_int_equal(status_proof_encode(p, c, STATUS_PROOF_MAX,
		    &clen), LIEN_OK);
		assert_int_equal(status_proof_decode(c, clen, p), LIEN_EPARSE);
		bundle(f, VIN_B, NULL, &a, &alen);
		assert_int_equal(status_proof_decode(a, alen, p), LIEN_OK);
		p->record = (const uint8_t *)REC_A;
		p->record_len = strlen(REC_A);
		assert_int_equal(status_proof_encode(p, c, STATUS_PROOF_MAX,
		    &clen), LIEN_OK);
		assert_int_equal(status_proof_decode(c, clen, p), LIEN_EPARSE);
		free(a);
		free(c);
		free(p);
	}
	free(m);
	free(b);
}

/* tests/vectors/lien_status/bundles.json: every case reaches the verdict
 * the manifest names, as the independent Python verifier does
 * (tests/interop/lien_status.py vectors). */
static uint8_t *
vec_file(const char *name, size_t *len)
{
	char path[512], *buf = NULL;

	snprintf(path, sizeof path, LIEN_VECTORS "/lien_status/%s", name);
	assert_int_equal(file_read(path, STATUS_PROOF_MAX + 1, &buf, len),
	    LIEN_OK);
	return (uint8_t *)buf;
}

static const char *
word_of(const struct status_result *res)
{
	struct reg_status *st = malloc(sizeof *st);
	const char *w;

	assert_non_null(st);
	if (!res->present) {
		free(st);
		return "no_record";
	}
	assert_int_equal(registry_status_parse(res->record, res->record_len,
	    st), LIEN_OK);
	w = st->nliens && st->nrestrictions ? "under_lien_and_restricted" :
	    st->nliens ? "under_lien" : st->nrestrictions ? "restricted" :
	    "clear";
	free(st);
	return w;
}

static void
test_status_vectors(void **state)
{
	json_error_t err;
	json_t *m = json_load_file(LIEN_VECTORS "/lien_status/bundles.json", 0,
	    &err), *c;
	size_t i, ncases = 0;

	(void)state;
	assert_non_null(m);
	json_array_foreach(json_object_get(m, "cases"), i, c) {
		struct tlog_policy pol;
		struct note_verifier wv[4];
		struct status_check chk;
		struct status_result res;
		struct status_report rep;
		json_t *w, *x;
		size_t blen, klen, nlen = 0, k;
		uint8_t *b, *kv, *newer = NULL;
		const char *want = json_string_value(json_object_get(c,
		    "expect"));
		const char *vin = json_string_value(json_object_get(c, "vin"));
		const char *got;
		enum lien_status st;

		memset(&pol, 0, sizeof pol);
		kv = vec_file(json_string_value(json_object_get(c, "vkey")),
		    &klen);
		assert_int_equal(note_verifier_parse((char *)kv, klen,
		    &pol.log), LIEN_OK);
		free(kv);
		w = json_object_get(c, "witnesses");
		json_array_foreach(w, k, x) {
			kv = vec_file(json_string_value(x), &klen);
			assert_int_equal(note_verifier_parse((char *)kv, klen,
			    &wv[k]), LIEN_OK);
			free(kv);
		}
		pol.witnesses = wv;
		pol.nwitnesses = json_array_size(w);
		pol.quorum = (size_t)json_integer_value(json_object_get(c,
		    "quorum"));
		memset(&chk, 0, sizeof chk);
		chk.policy = &pol;
		chk.id = (const uint8_t *)vin;
		chk.id_len = strlen(vin);
		if ((x = json_object_get(c, "newer")) != NULL) {
			newer = vec_file(json_string_value(x), &nlen);
			chk.newer = newer;
			chk.newer_len = nlen;
		}
		chk.now_ms = (uint64_t)json_integer_value(json_object_get(c,
		    "now_ms"));
		chk.max_age_ms = (uint64_t)json_integer_value(json_object_get(c,
		    "max_age_ms"));
		b = vec_file(json_string_value(json_object_get(c, "file")),
		    &blen);
		st = status_proof_verify(b, blen, &chk, &res, &rep);
		got = st == LIEN_OK ? "ok" : status_fault_name(rep.fault);
		if (strcmp(got, want) != 0)
			fail_msg("%s: %s (%s), want %s", json_string_value(
			    json_object_get(c, "file")), got, rep.why, want);
		if (st == LIEN_OK && (x = json_object_get(c, "status")) != NULL)
			assert_string_equal(word_of(&res), json_string_value(x));
		free(b);
		free(newer);
		ncases++;
	}
	assert_true(ncases >= 20);
	json_decref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_root_codec),
		cmocka_unit_test(test_status_key_limits),
		cmocka_unit_test(test_status_record_binary),
		cmocka_unit_test(test_status_vectors),
		cmocka_unit_test_setup_teardown(test_status_proof_present_absent,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_proof_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_proof_trust, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status_proof_many_cosigners,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_proof_freshness,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_proof_bytes, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
