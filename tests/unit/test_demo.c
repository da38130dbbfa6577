/*
 * demo/demo (the demo world) and client/regclient (request building,
 * signing and receipt verification), checked by the verifiers the server
 * runs: api/trust loading the demo trust directory, crypto/cert on the
 * demo certificates, api/evidence on the face and SMS tokens,
 * crypto/httpsig on the signed requests, and receipts made here with a
 * real Merkle tree and a signed checkpoint.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "demo/demo.h"
#include "api/evidence.h"
#include "crypto/httpsig.h"
#include "client/regclient.h"
#include "api/trust.h"
#include "common/b64.h"
#include "crypto/cert.h"
#include "crypto/cert_issue.h"
#include "crypto/seal.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "registry/ids.h"
#include "registry/jcs.h"
#include "registry/registry.h"
#include "tlog/merkle.h"
#include "tlog/entry.h"
#include "ledger/ledger.h"
#include "crypto/note.h"
#include "tests/unit/test_util.h"

#define NOW 1893456000	/* 2030-01-01 */

/* ---- identifiers ------------------------------------------------------------ */

static void
test_demo_ids_valid(void **state)
{
	uint64_t rng = 42;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		char vin[18], id[19], uscc[19], plate[32], phone[12];
		enum ids_plate_type pt;

		demo_vin_make(&rng, vin);
		assert_int_equal(ids_vin_validate(vin, strlen(vin)), LIEN_OK);
		demo_citizen_id_make(&rng, id);
		assert_int_equal(ids_citizen_id_validate(id, strlen(id)),
		    LIEN_OK);
		demo_uscc_make(&rng, uscc);
		assert_int_equal(ids_uscc_validate(uscc, strlen(uscc)), LIEN_OK);
		demo_plate_make(&rng, i % 2 ? "52" : "02", plate, sizeof(plate));
		assert_int_equal(ids_plate_type_parse(i % 2 ? "52" : "02", 2,
		    &pt), LIEN_OK);
		assert_int_equal(ids_plate_validate(plate, strlen(plate), pt),
		    LIEN_OK);
		demo_phone_make(&rng, phone);
		assert_int_equal(strlen(phone), 11);
	}
}

/* ---- the demo world ------------------------------------------------------------ */

struct wfix {
	char dir[64];
	struct demo_world *w;
	struct trust *t;
	struct note_signer *log;
};

static int
world_setup(void **state)
{
	struct wfix *f = calloc(1, sizeof(*f));
	char why[DEMO_WHY_MAX], path[256];
	char *skey = NULL, *vkey = NULL;
	FILE *fp;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/lien-test-pki-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(demo_world_create(f->dir, NOW, why, sizeof(why)),
	    LIEN_OK);
	/* lienlogd --demo writes the log key; here a test one. */
	assert_int_equal(note_key_generate("demo.test/log", 13, &skey, &vkey),
	    LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &f->log),
	    LIEN_OK);
	snprintf(path, sizeof(path), "%s/log.vkey", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(vkey, fp);
	fputc('\n', fp);
	fclose(fp);
	secret_free(skey);
	free(vkey);
	assert_int_equal(demo_world_load(f->dir, &f->w, why, sizeof(why)),
	    LIEN_OK);
	if (trust_load(f->dir, &f->t, why, sizeof(why)) != LIEN_OK)
		fail_msg("trust_load: %s", why);
	*state = f;
	return 0;
}

static int
world_teardown(void **state)
{
	struct wfix *f = *state;
	char cmd[128];

	trust_release(f->t);
	demo_world_free(f->w);
	note_signer_free(f->log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
test_demo_world_create_files(void **state)
{
	static const char *const keys[] = { "institution-ca", "police-ca",
		"bank-a", "bank-b", "officer", "registry", "auditor", "admin",
		"post", "face-issuer", "sms-issuer" };
	struct wfix *f = *state;
	char path[256], why[DEMO_WHY_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "%s/demo/%s.key", f->dir, keys[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	snprintf(path, sizeof(path), "%s/demo/README", f->dir);
	assert_int_equal(stat(path, &st), 0);
	/* Never overwritten. */
	assert_int_equal(demo_world_create(f->dir, NOW, why, sizeof(why)),
	    LIEN_EEXIST);
	assert_non_null(strstr(why, "trust"));
	/* Banks carry valid credit codes. */
	assert_int_equal(ids_uscc_validate(demo_bank_uscc(f->w, DEMO_BANK_A),
	    18), LIEN_OK);
	assert_int_equal(ids_uscc_validate(demo_bank_uscc(f->w, DEMO_BANK_B),
	    18), LIEN_OK);
	assert_string_not_equal(demo_bank_uscc(f->w, DEMO_BANK_A),
	    demo_bank_uscc(f->w, DEMO_BANK_B));
	assert_string_equal(trust_config_get(f->t)->registry,
	    DEMO_REGISTRY_NAME);
	assert_int_equal(trust_admin_count(f->t), 1);
}

/* Every party's certificate verifies against the root set of its role
 * (and not against the other one). */
static void
test_demo_world_certs_verify(void **state)
{
	struct wfix *f = *state;
	char path[256], *pem = NULL;
	static const char *const files[] = { "bank-a", "bank-b", "officer",
		"registry", "auditor", "admin", "post" };

	for (size_t i = 0; i < 7; i++) {
		struct cert *c = NULL;
		struct cert_result res;
		long n;
		FILE *fp;
		int inst = i < 2 || i == 6;	/* banks, post office */

		snprintf(path, sizeof(path), "%s/demo/%s.pem", f->dir, files[i]);
		fp = fopen(path, "r");
		assert_non_null(fp);
		pem = calloc(1, 16384);
		n = (long)fread(pem, 1, 16383, fp);
		fclose(fp);
		assert_true(n > 0);
		assert_int_equal(cert_parse_text(pem, (size_t)n, &c), LIEN_OK);
		assert_int_equal(cert_trust_verify(trust_roots_get(f->t, inst ?
		    TRUST_ROOTS_INSTITUTION : TRUST_ROOTS_OFFICER), c, NOW,
		    CERT_USAGE_SIGNER, &res, NULL), LIEN_OK);
		assert_int_equal(cert_trust_verify(trust_roots_get(f->t, inst ?
		    TRUST_ROOTS_OFFICER : TRUST_ROOTS_INSTITUTION), c, NOW,
		    CERT_USAGE_SIGNER, &res, NULL), LIEN_EVERIFY);
		assert_int_equal(res.verdict, CERT_UNTRUSTED);
		cert_free(c);
		free(pem);
	}
}

/* ---- bodies and tokens ------------------------------------------------------------ */

static json_t *
body_parse(const char *body, size_t len)
{
	json_t *o = NULL;

	assert_int_equal(jcs_parse(body, len, 0, &o), LIEN_OK);
	assert_int_equal(jcs_parse_canonical((const uint8_t *)body, len, NULL),
	    LIEN_OK);
	return o;
}

static void
test_regclient_mortgage_body_evidence(void **state)
{
	struct wfix *f = *state;
	struct regclient_mortgage m;
	struct evidence_result er;
	uint8_t sub[32], phone[32], dg[32], dg2[32], other[32];
	char *body = NULL;
	size_t len = 0;
	json_t *o, *tok;

	memset(sub, 0x11, sizeof(sub));
	memset(phone, 0x22, sizeof(phone));
	memset(other, 0x33, sizeof(other));
	memset(&m, 0, sizeof(m));
	m.rq.mortgagee = "91330400MA2B00001P";
	m.rq.vin = "LSVAU2180N2183294";
	m.plate = "浙F12345";
	m.plate_type = "02";
	m.certificate_number = "330412345678";
	m.contract_number = "JXRCB-DY-2026-000001";
	m.rq.owner_id_number = "11010519491231002X";
	m.owner_name = "张三";
	m.owner_phone = "13800000000";
	m.rq.owner_commit = sub;
	m.rq.liveness = 9800;
	m.rq.match = 9500;
	assert_int_equal(regclient_mortgage_body(demo_face_issuer(f->w), NULL,
	    demo_registry_name(f->w), &m, NOW, &body, &len, dg), LIEN_OK);
	o = body_parse(body, len);
	/* the digest the server computes: bound to this bank */
	assert_int_equal(registry_application_digest(
	    REG_T_MORTGAGE_APPLICATION, m.rq.mortgagee, strlen(m.rq.mortgagee), NULL,
	    0, json_object_get(o, "application"), dg2), LIEN_OK);
	assert_memory_equal(dg, dg2, 32);
	/* another bank's digest, or the bare application's, differs */
	assert_int_equal(registry_application_digest(
	    REG_T_MORTGAGE_APPLICATION, "91330400MA2B00002T", 18, NULL, 0,
	    json_object_get(o, "application"), dg2), LIEN_OK);
	assert_memory_not_equal(dg, dg2, 32);
	assert_int_equal(registry_application_digest(
	    REG_T_RELEASE_APPLICATION, m.rq.mortgagee, strlen(m.rq.mortgagee), NULL,
	    0, json_object_get(o, "application"), dg2), LIEN_OK);
	assert_memory_not_equal(dg, dg2, 32);
	assert_int_equal(jcs_digest(json_object_get(o, "application"), dg2),
	    LIEN_OK);
	assert_memory_not_equal(dg, dg2, 32);
	tok = json_object_get(o, "face_token");
	assert_true(json_is_string(tok));
	assert_null(json_object_get(o, "company"));
	/* What api/evidence will decide. */
	assert_int_equal(evidence_face_check(f->t, json_string_value(tok),
	    json_string_length(tok), sub, dg, NOW, &er), LIEN_OK);
	assert_int_equal(er.verdict, EVIDENCE_PASS);
	assert_int_equal(evidence_face_check(f->t, json_string_value(tok),
	    json_string_length(tok), other, dg, NOW, &er), LIEN_EVERIFY);
	assert_int_equal(er.reason, EVIDENCE_R_SUBJECT);
	assert_int_equal(evidence_face_check(f->t, json_string_value(tok),
	    json_string_length(tok), sub, other, NOW, &er), LIEN_EVERIFY);
	assert_int_equal(er.reason, EVIDENCE_R_NONCE);
	assert_int_equal(evidence_face_check(f->t, json_string_value(tok),
	    json_string_length(tok), sub, dg, NOW + 3600, &er), LIEN_EVERIFY);
	assert_int_equal(er.reason, EVIDENCE_R_EXPIRED);
	json_decref(o);
	free(body);

	/* Grey zone; and a company with its SMS attestation. */
	m.rq.liveness = 8200;
	m.rq.uscc = "91330400MA2B3C4D5E";
	m.rq.legal_rep_phone = "13900000000";
	m.rq.rep_phone_commit = phone;
	assert_int_equal(regclient_mortgage_body(demo_face_issuer(f->w), NULL,
	    demo_registry_name(f->w), &m, NOW, &body, &len, dg), LIEN_EINVAL);
	assert_null(body);
	assert_int_equal(regclient_mortgage_body(demo_face_issuer(f->w),
	    demo_sms_issuer(f->w), demo_registry_name(f->w), &m, NOW, &body,
	    &len, dg), LIEN_OK);
	o = body_parse(body, len);
	/* with a company the digest covers its code too */
	assert_int_equal(registry_application_digest(
	    REG_T_MORTGAGE_APPLICATION, m.rq.mortgagee, strlen(m.rq.mortgagee),
	    m.rq.uscc, 18, json_object_get(o, "application"), dg2), LIEN_OK);
	assert_memory_equal(dg, dg2, 32);
	tok = json_object_get(o, "face_token");
	assert_int_equal(evidence_face_check(f->t, json_string_value(tok),
	    json_string_length(tok), sub, dg, NOW, &er), LIEN_OK);
	assert_int_equal(er.verdict, EVIDENCE_GREY);
	tok = json_object_get(json_object_get(o, "company"), "sms_token");
	assert_true(json_is_string(tok));
	json_decref(o);
	free(body);
}

static void
test_regclient_sms_token_evidence(void **state)
{
	struct wfix *f = *state;
	struct evidence_result er;
	uint8_t phone[32], actor[32], dg[32];
	char uscc[19], *tok = NULL;
	uint64_t rng = 7;

	memset(phone, 0x44, 32);
	memset(actor, 0x55, 32);
	memset(dg, 0x66, 32);
	demo_uscc_make(&rng, uscc);
	assert_int_equal(regclient_sms_token(demo_sms_issuer(f->w),
	    demo_registry_name(f->w), phone, actor, uscc, dg, NOW, &tok),
	    LIEN_OK);
	assert_int_equal(evidence_sms_check(f->t, tok, strlen(tok), phone,
	    actor, uscc, 18, dg, NOW, &er), LIEN_OK);
	assert_int_equal(er.verdict, EVIDENCE_PASS);
	assert_int_equal(evidence_sms_check(f->t, tok, strlen(tok), actor,
	    actor, uscc, 18, dg, NOW, &er), LIEN_EVERIFY);
	/* A face provider's key cannot speak for the SMS provider. */
	free(tok);
	assert_int_equal(regclient_sms_token(demo_face_issuer(f->w),
	    demo_registry_name(f->w), phone, actor, uscc, dg, NOW, &tok),
	    LIEN_OK);
	assert_int_equal(evidence_sms_check(f->t, tok, strlen(tok), phone,
	    actor, uscc, 18, dg, NOW, &er), LIEN_EVERIFY);
	free(tok);
}

static void
test_regclient_bodies_shape(void **state)
{
	struct wfix *f = *state;
	struct regclient_release rel;
	uint8_t sub[32], dg[32];
	char *body = NULL;
	size_t len = 0;
	json_t *o;

	(void)f;
	memset(sub, 1, 32);
	memset(&rel, 0, sizeof(rel));
	rel.rq.mortgagee = "91330400MA2B00001P";
	rel.rq.vin = "LSVAU2180N2183294";
	rel.mortgage = "A000000000000010";
	rel.rq.owner_id_number = "11010519491231002X";
	rel.rq.owner_commit = sub;
	rel.rq.liveness = rel.rq.match = 9900;
	assert_int_equal(regclient_release_body(demo_face_issuer(f->w), NULL,
	    demo_registry_name(f->w), &rel, NOW, &body, &len, dg), LIEN_OK);
	o = body_parse(body, len);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(o, "application"), "mortgage")), "A000000000000010");
	json_decref(o);
	free(body);
	assert_int_equal(regclient_decision_body("reject", "材料不全", &body,
	    &len), LIEN_OK);
	assert_string_equal(body,
	    "{\"decision\":\"reject\",\"reason\":\"材料不全\"}");
	free(body);
	assert_int_equal(regclient_decision_body("approve", NULL, &body, &len),
	    LIEN_OK);
	assert_string_equal(body, "{\"decision\":\"approve\"}");
	free(body);
	assert_int_equal(regclient_restriction_body("set", "seized", "ref 1",
	    &body, &len), LIEN_OK);
	assert_string_equal(body, "{\"action\":\"set\",\"reference\":\"ref 1\","
	    "\"restriction\":\"seized\"}");
	free(body);
	assert_int_equal(regclient_vehicle_body("LSVAU2180N2183294",
	    "浙F12345", "02", "330412345678", "11010519491231002X", &body,
	    &len), LIEN_OK);
	o = body_parse(body, len);
	json_decref(o);
	free(body);
	assert_int_equal(regclient_decision_body(NULL, NULL, &body, &len),
	    LIEN_EINVAL);
	assert_null(body);
	assert_int_equal(regclient_institution_body("x", "y", "garbage", 7,
	    &body, &len), LIEN_EPARSE);
	assert_null(body);
}

/* ---- request signing ------------------------------------------------------------ */

static enum lien_status LIEN_MUST_CHECK
key_of(void *arg, const char *keyid, size_t keyid_len,
    const struct pkey **out_key)
{
	const struct regclient_party *p = arg;

	if (keyid_len != strlen(p->keyid) || memcmp(keyid, p->keyid,
	    keyid_len) != 0)
		return LIEN_EKEY;
	*out_key = p->key;
	return LIEN_OK;
}

static void
sign_and_verify(const struct regclient_party *p)
{
	static const char body[] = "{\"decision\":\"approve\"}";
	struct httpsig_signed sig;
	struct httpsig_header h[3];
	struct httpsig_request req;
	struct httpsig_policy pol;
	struct httpsig_result res;
	char tampered[sizeof(body)];

	assert_int_equal(regclient_sign(p, "POST", "127.0.0.1:8080",
	    "/v1/applications/A0000000000000ff/decision",
	    (const uint8_t *)body, sizeof(body) - 1, NOW, NULL, &sig), LIEN_OK);
	h[0] = (struct httpsig_header){ "Content-Digest", 14,
		sig.content_digest, strlen(sig.content_digest) };
	h[1] = (struct httpsig_header){ "Signature-Input", 15,
		sig.signature_input, strlen(sig.signature_input) };
	h[2] = (struct httpsig_header){ "Signature", 9, sig.signature,
		strlen(sig.signature) };
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.method_len = 4;
	req.scheme = "http";
	req.scheme_len = 4;
	req.authority = "127.0.0.1:8080";
	req.authority_len = 14;
	req.path = "/v1/applications/A0000000000000ff/decision";
	req.path_len = strlen(req.path);
	req.headers = h;
	req.nheaders = 3;
	req.body = (const uint8_t *)body;
	req.body_len = sizeof(body) - 1;
	httpsig_policy_init(&pol, NOW + 10, key_of, (void *)(uintptr_t)p);
	assert_int_equal(httpsig_verify(&req, &pol, &res), LIEN_OK);
	assert_int_equal(res.reason, HTTPSIG_R_OK);
	assert_true(res.nonce_len > 0);
	assert_non_null(strstr(sig.signature_input, "\"@authority\""));
	/* Another path, body or authority: refused. */
	memcpy(tampered, body, sizeof(body));
	tampered[3] ^= 1;
	req.body = (const uint8_t *)tampered;
	assert_int_not_equal(httpsig_verify(&req, &pol, &res), LIEN_OK);
	assert_int_equal(res.reason, HTTPSIG_R_DIGEST_MISMATCH);
	req.body = (const uint8_t *)body;
	req.authority = "127.0.0.1:8081";
	assert_int_not_equal(httpsig_verify(&req, &pol, &res), LIEN_OK);
	assert_int_equal(res.reason, HTTPSIG_R_BAD_SIGNATURE);
}

static void
test_regclient_sign_every_party(void **state)
{
	struct wfix *f = *state;

	for (int i = 0; i < DEMO_PARTIES_; i++)
		sign_and_verify(demo_party(f->w, (enum demo_party_id)i));
}

/* ---- receipts ------------------------------------------------------------------- */

struct leaves {
	uint8_t h[64][HASH_LEN];
	uint64_t n;
};

static enum lien_status LIEN_MUST_CHECK
node_get(void *arg, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	const struct leaves *l = arg;
	uint8_t a[HASH_LEN], b[HASH_LEN];

	if (level == 0) {
		if (index >= l->n)
			return LIEN_ERANGE;
		memcpy(out, l->h[index], HASH_LEN);
		return LIEN_OK;
	}
	if (node_get(arg, level - 1, 2 * index, a) != LIEN_OK ||
	    node_get(arg, level - 1, 2 * index + 1, b) != LIEN_OK)
		return LIEN_ERANGE;
	hash_node(a, b, out);
	return LIEN_OK;
}

/* A receipt for leaf idx of an n-leaf tree, signed by signer. *out is
 * malloc'd. */
static char *
receipt_make(struct note_signer *signer, uint64_t n, uint64_t idx)
{
	struct leaves l;
	struct merkle_source src;
	uint8_t root[HASH_LEN], proof[MERKLE_PROOF_MAX][HASH_LEN];
	size_t np = 0;
	char body[512], *note = NULL, b64[64];
	size_t blen = 0, note_len = 0;
	json_t *o, *arr;
	char *out;

	memset(&l, 0, sizeof(l));
	l.n = n;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t e[8] = { (uint8_t)i, 1, 2, 3, 4, 5, 6, 7 };

		hash_leaf(e, sizeof(e), l.h[i]);
	}
	memset(&src, 0, sizeof(src));
	src.node = node_get;
	src.ctx = &l;
	assert_int_equal(merkle_root(&src, n, root), LIEN_OK);
	assert_int_equal(merkle_prove_inclusion(&src, idx, n, proof, &np),
	    LIEN_OK);
	assert_int_equal(checkpoint_format(note_signer_name(signer),
	    strlen(note_signer_name(signer)), n, root, body, sizeof(body),
	    &blen), LIEN_OK);
	assert_int_equal(note_sign(signer, (const uint8_t *)body, blen, &note,
	    &note_len), LIEN_OK);
	o = json_object();
	arr = json_array();
	for (size_t i = 0; i < np; i++) {
		assert_int_equal(b64_encode(proof[i], HASH_LEN, b64,
		    sizeof(b64)), LIEN_OK);
		json_array_append_new(arr, json_string(b64));
	}
	assert_int_equal(b64_encode(l.h[idx], HASH_LEN, b64, sizeof(b64)),
	    LIEN_OK);
	json_object_set_new(o, "application_id",
	    json_string("A0000000000000ff"));
	json_object_set_new(o, "status", json_string("submitted"));
	json_object_set_new(o, "anomalies", json_array());
	json_object_set_new(o, "entry_type", json_integer(21));
	json_object_set_new(o, "index", json_integer((json_int_t)idx));
	json_object_set_new(o, "tree_size", json_integer((json_int_t)n));
	json_object_set_new(o, "leaf_hash", json_string(b64));
	json_object_set_new(o, "proof", arr);
	json_object_set_new(o, "checkpoint", json_string(note));
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	free(note);
	return out;
}

static void
test_regclient_receipt_verify(void **state)
{
	struct wfix *f = *state;
	const struct note_verifier *v;
	struct regclient_receipt r;
	struct regclient_cpcache cache;
	struct note_signer *stranger = NULL;
	char *skey = NULL, *vkey = NULL, *rc;
	size_t len;

	/* The log key of the world is the fixture's test key. */
	v = note_signer_verifier(f->log);
	memset(&cache, 0, sizeof(cache));
	for (uint64_t n = 1; n <= 9; n++) {
		for (uint64_t i = 0; i < n; i++) {
			rc = receipt_make(f->log, n, i);
			assert_int_equal(regclient_receipt_verify(v, rc,
			    strlen(rc), &cache, &r), LIEN_OK);
			assert_int_equal(r.index, i);
			assert_int_equal(r.tree_size, n);
			assert_string_equal(r.app_id, "A0000000000000ff");
			assert_string_equal(r.status, "submitted");
			assert_int_equal(r.entry_type, 21);
			/* again, from the checkpoint cache */
			assert_int_equal(regclient_receipt_verify(v, rc,
			    strlen(rc), &cache, &r), LIEN_OK);
			free(rc);
		}
	}
	/* No single-bit change yields a verified receipt for another entry
	 * or tree: either it is refused, or it touched only what the proof
	 * does not cover (a member name the parser ignores). */
	rc = receipt_make(f->log, 7, 3);
	len = strlen(rc);
	assert_int_equal(regclient_receipt_verify(v, rc, len, NULL, &r),
	    LIEN_OK);
	for (size_t i = 0; i < len; i++) {
		struct regclient_receipt r2;

		rc[i] ^= 0x01;
		memset(&cache, 0, sizeof(cache));
		if (regclient_receipt_verify(v, rc, len, &cache, &r2) ==
		    LIEN_OK) {
			assert_int_equal(r2.index, 3);
			assert_int_equal(r2.tree_size, 7);
			assert_memory_equal(r2.leaf_hash, r.leaf_hash, HASH_LEN);
		}
		rc[i] ^= 0x01;
	}
	/* Truncated, empty, trailing bytes. */
	assert_int_equal(regclient_receipt_verify(v, rc, len - 1, NULL, &r),
	    LIEN_EPARSE);
	assert_int_equal(regclient_receipt_verify(v, rc, 0, NULL, &r),
	    LIEN_EPARSE);
	{
		char *t = malloc(len + 2);

		memcpy(t, rc, len);
		memcpy(t + len, "x", 2);
		assert_int_equal(regclient_receipt_verify(v, t, len + 1, NULL,
		    &r), LIEN_EPARSE);
		free(t);
	}
	free(rc);
	/* Signed by another log key. */
	assert_int_equal(note_key_generate("demo.test/log", 13, &skey, &vkey),
	    LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &stranger),
	    LIEN_OK);
	rc = receipt_make(stranger, 5, 2);
	assert_int_equal(regclient_receipt_verify(v, rc, strlen(rc), NULL, &r),
	    LIEN_EVERIFY);
	assert_int_equal(r.tree_size, 0);
	free(rc);
	note_signer_free(stranger);
	secret_free(skey);
	free(vkey);
}

/* ---- the opaque demo log ------------------------------------------------------ */

/* demo_opaque_fill: n entries of ENTRY_TYPE_DEMO, each a JSON object whose
 * VIN passes the registry's check (registry/ids.c), the same n giving the
 * same records. */
static void
test_demo_opaque_fill(void **state)
{
	static const char origin[] = "test.lienlog.invalid/opaque";
	char dir[] = "/tmp/lienlog-test-opaque-XXXXXX";
	char *skey, *vkey, *sub[2];
	struct note_signer *signer;
	struct ledger_config cfg;
	uint8_t first[2][HASH_LEN];	/* SHA-256 of the demo payloads */

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(note_key_generate(origin, strlen(origin), &skey,
	    &vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &signer),
	    LIEN_OK);
	for (int run = 0; run < 2; run++) {
		struct ledger *l;
		struct ledger_view *v;
		unsigned demo = 0;

		assert_non_null(sub[run] = tu_fmt("%s/s%d", dir, run));
		memset(&cfg, 0, sizeof(cfg));
		cfg.dir = sub[run];
		cfg.signer = signer;
		assert_int_equal(ledger_open(&cfg, &l), LIEN_OK);
		assert_int_equal(demo_opaque_fill(l, 300), LIEN_OK);
		assert_int_equal(ledger_view_open(l, &v), LIEN_OK);
		for (uint64_t i = 0; i < ledger_size(l); i++) {
			const uint8_t *p;
			size_t len;
			struct entry e;
			json_t *j, *vin;

			assert_int_equal(ledger_view_entry(v, i, &p, &len),
			    LIEN_OK);
			assert_int_equal(entry_decode(p, len, &e), LIEN_OK);
			if (e.type != ENTRY_TYPE_DEMO)
				continue;	/* the log's own entries */
			if (demo++ == 0)
				hash_sha256(e.payload, e.payload_len,
				    first[run]);
			j = json_loadb((const char *)e.payload, e.payload_len,
			    JSON_REJECT_DUPLICATES, NULL);
			assert_non_null(j);
			vin = json_object_get(j, "vin");
			assert_true(json_is_string(vin));
			assert_int_equal(ids_vin_validate(json_string_value(vin),
			    json_string_length(vin)), LIEN_OK);
			json_decref(j);
		}
		assert_int_equal(demo, 300);
		ledger_view_close(v);
		ledger_close(l);
	}
	/* Same n, same records (the envelopes differ: time). */
	assert_memory_equal(first[0], first[1], HASH_LEN);
	note_signer_free(signer);
	secret_free(skey);
	free(vkey);
	free(sub[0]);
	free(sub[1]);
	{
		char *cmd = tu_fmt("rm -rf '%s'", dir);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_ids_valid),
		cmocka_unit_test(test_demo_opaque_fill),
		cmocka_unit_test_setup_teardown(test_demo_world_create_files,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_demo_world_certs_verify,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(
		    test_regclient_mortgage_body_evidence, world_setup,
		    world_teardown),
		cmocka_unit_test_setup_teardown(
		    test_regclient_sms_token_evidence, world_setup,
		    world_teardown),
		cmocka_unit_test_setup_teardown(test_regclient_bodies_shape,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_regclient_sign_every_party,
		    world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(test_regclient_receipt_verify,
		    world_setup, world_teardown),
	};

	if (lcrypto_init() != LIEN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
