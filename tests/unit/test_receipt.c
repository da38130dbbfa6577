/*
 * Unit tests of api/receipt.c (receipts: proof + checkpoint of exactly
 * the tree size, verified here with tlog/merkle.h and
 * tlog/checkpoint.h like `lienlog verify inclusion` does) and of
 * api/app.c's rules.json parser (strict: unknown members, reals,
 * duplicates, trailing bytes, ranges, oversize).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "api/app.h"
#include "api/receipt.h"
#include "common/b64.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "ledger/ledger.h"
#include "tlog/merkle.h"
#include "registry/registry.h"

struct fx {
	char dir[64];
	char *skey, *vkey;
	struct note_signer *signer;
	struct note_verifier ver;
	struct ledger *l;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct ledger_config cfg = { 0 };

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	strcpy(f->dir, "/tmp/lienlog-test-receipt-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(note_key_generate("test.example/log", 16, &f->skey,
	    &f->vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(f->skey, strlen(f->skey),
	    &f->signer), LIEN_OK);
	assert_int_equal(note_verifier_parse(f->vkey, strlen(f->vkey),
	    &f->ver), LIEN_OK);
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

static void
append_one(struct fx *f, uint64_t i, struct ledger_receipt *r)
{
	char p[32];
	int n = snprintf(p, sizeof p, "entry %llu", (unsigned long long)i);

	assert_int_equal(ledger_append(f->l, 1, (const uint8_t *)p, (size_t)n,
	    r), LIEN_OK);
}

/* Verify a receipt JSON the way an offline client does. */
static enum lien_status LIEN_MUST_CHECK
verify_receipt(struct fx *f, const char *text, size_t len, json_t **out)
{
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], leaf[HASH_LEN];
	struct checkpoint cp;
	json_error_t err;
	json_t *j, *a;
	const char *cpt;
	size_t n, got;
	enum lien_status st;

	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	assert_non_null(j);
	*out = j;
	a = json_object_get(j, "proof");
	assert_true(json_is_array(a));
	n = json_array_size(a);
	assert_true(n <= MERKLE_PROOF_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));

		assert_int_equal(b64_decode(s, strlen(s), proof[i], HASH_LEN,
		    &got), LIEN_OK);
		assert_int_equal(got, HASH_LEN);
	}
	cpt = json_string_value(json_object_get(j, "leaf_hash"));
	assert_int_equal(b64_decode(cpt, strlen(cpt), leaf, HASH_LEN, &got),
	    LIEN_OK);
	cpt = json_string_value(json_object_get(j, "checkpoint"));
	assert_non_null(cpt);
	st = checkpoint_open((const uint8_t *)cpt, strlen(cpt), &f->ver, &cp);
	if (st != LIEN_OK)
		return st;
	if (cp.size != (uint64_t)json_integer_value(json_object_get(j,
	    "tree_size")))
		return LIEN_EVERIFY;
	return merkle_verify_inclusion(leaf, (uint64_t)json_integer_value(
	    json_object_get(j, "index")), cp.size,
	    (const uint8_t (*)[HASH_LEN])proof, n, cp.root);
}

static void
test_receipt_build_verifies(void **state)
{
	struct fx *f = *state;
	struct ledger_receipt r[7];
	struct ledger_view *v;

	for (uint64_t i = 0; i < 7; i++)
		append_one(f, i, &r[i]);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	for (uint64_t i = 0; i < 7; i++) {
		struct receipt_info ri = { "A0000000000000001", "submitted", 0,
			21, r[i].index, r[i].tree_size, 0, NULL, NULL, NULL };
		char *out;
		size_t len;
		json_t *j = NULL;

		assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_OK);
		assert_true(len > 0 && out[len - 1] == '\n');
		assert_int_equal(verify_receipt(f, out, len, &j), LIEN_OK);
		assert_string_equal(json_string_value(json_object_get(j,
		    "application_id")), "A0000000000000001");
		assert_null(json_object_get(j, "replayed"));
		json_decref(j);
		/* a proof for the final tree too (a replayed receipt) */
		ri.tree_size = ledger_view_size(v);
		ri.replayed = 1;
		free(out);
		assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_OK);
		assert_int_equal(verify_receipt(f, out, len, &j), LIEN_OK);
		assert_true(json_is_true(json_object_get(j, "replayed")));
		json_decref(j);
		free(out);
	}
	ledger_view_close(v);
}

static void
test_receipt_build_tampered(void **state)
{
	struct fx *f = *state;
	struct ledger_receipt r[5];
	struct ledger_view *v;
	struct receipt_info ri;
	char *out;
	size_t len;
	json_t *j = NULL;
	char *p;

	for (uint64_t i = 0; i < 5; i++)
		append_one(f, i, &r[i]);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	memset(&ri, 0, sizeof ri);
	ri.index = r[1].index;
	ri.tree_size = r[4].tree_size;
	ri.entry_type = 20;
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_OK);
	/* flip one character of the first proof hash */
	p = strstr(out, "\"proof\":[\"");
	assert_non_null(p);
	p += 10;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(verify_receipt(f, out, len, &j), LIEN_EVERIFY);
	json_decref(j);
	free(out);
	ledger_view_close(v);
}

static void
test_receipt_build_fields(void **state)
{
	struct fx *f = *state;
	struct ledger_receipt r;
	struct ledger_view *v;
	struct receipt_info ri;
	char *out;
	size_t len;
	json_t *j, *a;

	append_one(f, 0, &r);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	memset(&ri, 0, sizeof ri);
	ri.index = r.index;
	ri.tree_size = r.tree_size;	/* 2: the entry and its state root */
	ri.entry_type = 21;
	ri.status = "in_person_review";
	ri.anomalies = REG_ANOMALY_FACE_GREY | REG_ANOMALY_RELEASE_SOON;
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_OK);
	j = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "application_id")));
	a = json_object_get(j, "anomalies");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 0)),
	    "face_grey");
	assert_string_equal(json_string_value(json_array_get(a, 1)),
	    "release_soon");
	assert_int_equal(json_integer_value(json_object_get(j, "entry_type")),
	    21);
	assert_int_equal(json_array_size(json_object_get(j, "proof")), 1);
	assert_null(json_object_get(j, "status_proof"));
	json_decref(j);
	free(out);
	/* a write that changed a vehicle names its status proof */
	ri.status_vin = "LSJA24U62JG269225";
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_OK);
	j = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j,
	    "status_proof")), "/v1/vehicles/LSJA24U62JG269225/status-proof");
	json_decref(j);
	free(out);
	ledger_view_close(v);
}

static void
test_receipt_build_range(void **state)
{
	struct fx *f = *state;
	struct ledger_receipt r[3];
	struct ledger_view *v;
	struct receipt_info ri;
	char *out = (char *)1;
	size_t len = 9;

	for (uint64_t i = 0; i < 3; i++)
		append_one(f, i, &r[i]);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	memset(&ri, 0, sizeof ri);
	ri.index = ledger_view_size(v);
	ri.tree_size = ri.index;	/* index == tree_size */
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_ERANGE);
	assert_null(out);
	assert_int_equal(len, 0);
	ri.index = 0;
	ri.tree_size = ledger_view_size(v) + 1;	/* beyond the view */
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_ERANGE);
	ri.tree_size = 0;
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_ERANGE);
	ledger_view_close(v);
}

static void
test_receipt_build_no_checkpoint(void **state)
{
	struct fx *f = *state;
	struct ledger_item items[3];
	struct ledger_receipt r[3];
	struct ledger_view *v;
	struct receipt_info ri;
	char *out;
	size_t len;

	memset(items, 0, sizeof items);
	for (size_t i = 0; i < 3; i++) {
		items[i].type = 1;
		items[i].payload = (const uint8_t *)"x";
		items[i].len = 1;
	}
	/* one batch: only size 4 (3 items and the state root) is signed */
	assert_int_equal(ledger_append_many(f->l, items, 3, r), LIEN_OK);
	assert_int_equal(r[2].tree_size, 4);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	memset(&ri, 0, sizeof ri);
	ri.index = 0;
	ri.tree_size = 3;
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_ENOTFOUND);
	ri.tree_size = 4;
	assert_int_equal(receipt_build(v, &ri, &out, &len), LIEN_OK);
	free(out);
	ledger_view_close(v);
}

/* ---- rules.json -------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
rules(const char *text, struct reg_rules *out)
{
	char why[128];

	return api_app_rules_parse(text, strlen(text), out, why, sizeof why);
}

static void
test_api_app_rules_parse_good(void **state)
{
	struct reg_rules r, d;

	(void)state;
	registry_rules_default(&d);
	assert_int_equal(rules("{}", &r), LIEN_OK);
	assert_memory_equal(&r, &d, sizeof r);
	assert_int_equal(rules("{\"release_soon_ms\":0,\"multi_bank_min\":3,"
	    "\"face_grey\":0}", &r), LIEN_OK);
	assert_int_equal(r.release_soon_ms, 0);
	assert_int_equal(r.multi_bank_min, 3);
	assert_int_equal(r.face_grey, 0);
	assert_int_equal(r.owner_burst_max, d.owner_burst_max);
}

static void
test_api_app_rules_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"release_soon_ms\":1.5}",
		"{\"release_soon_ms\":-1}", "{\"release_soon_ms\":\"1\"}",
		"{\"nope\":1}", "{\"face_grey\":2}",
		"{\"face_grey\":1,\"face_grey\":1}", "{} x", "{}{}",
		"{\"multi_bank_min\":99999999999}", "{\"a\":{\"b\":{}}}",
		"{\"release_soon_ms\":1e3}",
	};
	struct reg_rules r;
	char big[API_RULES_FILE_MAX + 8];
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(rules(bad[i], &r), LIEN_OK);
	memset(big, ' ', sizeof big);
	big[0] = '{';
	big[sizeof big - 1] = '}';
	assert_int_equal(api_app_rules_parse(big, sizeof big, &r, why,
	    sizeof why), LIEN_ETOOBIG);
}

static void
test_api_app_rules_parse_truncated_and_flipped(void **state)
{
	static const char good[] = "{\"release_soon_ms\":0,\"owner_check\":1}";
	struct reg_rules r;
	char buf[sizeof good];
	char why[128];

	(void)state;
	for (size_t n = 0; n < sizeof good - 1; n++)
		assert_int_not_equal(api_app_rules_parse(good, n, &r, why,
		    sizeof why), LIEN_OK);
	for (size_t i = 0; i < sizeof good - 1; i++) {
		for (unsigned b = 0; b < 8; b++) {
			memcpy(buf, good, sizeof good);
			buf[i] = (char)(buf[i] ^ (1 << b));
			/* must never crash; a refusal leaves r alone */
			enum lien_status st = api_app_rules_parse(buf,
			    sizeof good - 1, &r, why, sizeof why);

			assert_true(st == LIEN_OK || st == LIEN_EPARSE);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_receipt_build_verifies,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_build_tampered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_build_fields,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_build_range,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_build_no_checkpoint,
		    setup, teardown),
		cmocka_unit_test(test_api_app_rules_parse_good),
		cmocka_unit_test(test_api_app_rules_parse_bad),
		cmocka_unit_test(test_api_app_rules_parse_truncated_and_flipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
