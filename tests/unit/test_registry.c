/*
 * ledger/registry: the registration state machine on a real ledger in a
 * temporary directory, through ledger_append_item / ledger_append_many
 * with registry_build as the build callback (the sequencer path), plus
 * registry_build driven directly on a scratch store with chosen entry
 * times for the time-dependent rules (nonce expiry, anomaly windows):
 * entry time is an argument of the pure state machine, so no test waits
 * for a clock.
 *
 * Covers: the full workflow (file, record, mortgage, approve, second
 * mortgage ranks after, release by the mortgagee, in-person diversion,
 * rejection); every rule refusal of issue 4's bad-input list with log
 * size and state unchanged; each anomaly rule with its reason code; the
 * worked payload examples of docs/registry.md (tests/vectors/
 * registry_*.json); replay audit over a long random workflow, and its
 * failure on an altered state record and on an illegal transition.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "common/hex.h"
#include "common/rd.h"
#include "crypto/idemkey.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "registry/ids.h"
#include "registry/jcs.h"
#include "registry/jpack.h"
#include "registry/registry_int.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "tlog/status.h"
#include "tests/unit/test_util.h"

/* The private record of index as stored (store v16: packed,
 * registry/jpack.h; the sealed box's digest elided, read back from the
 * box), decoded: *out malloc'd (free()). */
static void
priv_stored(struct ledger_state *st, uint64_t index, uint8_t **out,
    size_t *out_len)
{
	uint8_t k[8], *v;
	const uint8_t *sv, *box;
	size_t n, box_len;

	for (int i = 0; i < 8; i++)
		k[i] = (uint8_t)(index >> (56 - 8 * i));
	assert_int_equal(ledger_state_get(st, LEDGER_T_PRIVATE, k, 8, &sv,
	    &n), LIEN_OK);
	/* a copy: the next get may move the pages sv points into */
	assert_non_null(v = malloc(n));
	memcpy(v, sv, n);
	assert_int_equal(ledger_state_get(st, LEDGER_T_SEALED, k, 8, &box,
	    &box_len), LIEN_OK);
	assert_int_equal(registry_private_decode(v, n, box, box_len, out,
	    out_len), LIEN_OK);
	free(v);
}

#define BANK_A "91440300708461136T"
#define BANK_B "91330100799655058B"
#define VIN1 "LSJA24U62JG269225"
#define VIN2 "LBV5S3102ESJ25655"
#define VIN3 "1M8GDM9AXKP042788"
#define PLATE "\xe6\xb5\x99" "F12345"	/* 浙F12345 */

struct party {
	const char *id;
	enum reg_role role;
	uint8_t cert[48];
	size_t cert_len;
	uint8_t keyid[HASH_LEN];
};

struct fx {
	char dir[64];
	char *skey, *vkey;
	struct note_signer *signer;
	struct ledger *l;
	struct party admin, bank_a, bank_b, officer, registry;
	struct reg_rules rules;
	uint64_t seq;		/* makes nonces and digests unique */
	/* per-request storage that must outlive the append */
	char nonce[64];
	uint8_t sig[64];
};

static void
party_init(struct party *p, const char *id, enum reg_role role)
{
	p->id = id;
	p->role = role;
	p->cert_len = (size_t)snprintf((char *)p->cert, sizeof p->cert,
	    "DER-CERT-%s", id);
	hash_sha256(p->cert, p->cert_len, p->keyid);
}

static struct reg_str
S(const char *s)
{
	struct reg_str r = { s, s ? strlen(s) : 0 };

	return r;
}

static void
commit_of(const char *who, uint8_t out[REG_COMMIT_LEN])
{
	hash_sha256(who, strlen(who), out);
}

/* A request signed by p with fresh evidence (unique nonce and digest). */
static void
rq_init(struct fx *f, struct reg_request *rq, enum reg_type kind,
    const struct party *p)
{
	char d[32];

	memset(rq, 0, sizeof(*rq));
	f->seq++;
	rq->kind = kind;
	rq->signer.party = S(p->id);
	rq->signer.role = p->role;
	memcpy(rq->signer.keyid, p->keyid, HASH_LEN);
	rq->signer.not_after_ms = 4102444800000ull;	/* 2100-01-01 */
	/* api/ computes the keyed idempotency key and draws the salt */
	snprintf(d, sizeof d, "body-%" PRIu64, f->seq);
	hash_sha256(d, strlen(d), rq->ev.digest);
	snprintf(d, sizeof d, "salt-%" PRIu64, f->seq);
	hash_sha256(d, strlen(d), rq->salt);
	memset(f->sig, 0x5a, sizeof f->sig);
	rq->sealed = f->sig;		/* a stand-in sealed box */
	rq->sealed_len = sizeof f->sig;
	rq->key_system = 1;
	rq->ev.created = (int64_t)time(NULL);
	snprintf(f->nonce, sizeof f->nonce, "nonce-%" PRIu64, f->seq);
	rq->ev.nonce = S(f->nonce);
	rq->ev.alg = S("ed25519");
	rq->rules = &f->rules;
	if (kind == REG_T_MORTGAGE_APPLICATION ||
	    kind == REG_T_RELEASE_APPLICATION) {
		rq->face.verdict = REG_FACE_PASS;
		commit_of("face-token", rq->face.token_digest);
		rq->face.liveness = 9800;
		rq->face.match = 9600;
		rq->face.issuer = S("https://face.example");
	}
}

static enum lien_status LIEN_MUST_CHECK
submit(struct fx *f, struct reg_request *rq, struct ledger_receipt *r)
{
	struct ledger_item it = { (uint16_t)rq->kind, NULL, 0, registry_build,
		rq };
	struct ledger_receipt tmp;

	return ledger_append_item(f->l, &it, r ? r : &tmp);
}

/* SHA-256 over every state table, for "state unchanged". */
static int
digest_visit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	uint8_t *acc = ctx, h[HASH_LEN];
	uint8_t lens[16];
	struct hash_part parts[4] = { { acc, HASH_LEN }, { lens, 16 },
		{ k, kl }, { v, vl } };

	be64_put(lens, kl);
	be64_put(lens + 8, vl);
	hash_sha256_parts(parts, 4, h);
	memcpy(acc, h, HASH_LEN);
	return 0;
}

static void
state_digest(struct fx *f, uint8_t out[HASH_LEN])
{
	struct ledger_view *v;

	memset(out, 0, HASH_LEN);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	for (int t = 0; t < LEDGER_T_COUNT; t++)
		assert_int_equal(ledger_view_state_scan(v, (enum ledger_table)t,
		    NULL, 0, digest_visit, out), LIEN_OK);
	ledger_view_close(v);
}

static void
file_party(struct fx *f, const struct party *p)
{
	struct reg_request rq;

	rq_init(f, &rq, p->role == REG_ROLE_INSTITUTION ?
	    REG_T_INSTITUTION_FILE : REG_T_PARTY_FILE, &f->admin);
	rq.party = S(p->id);
	rq.party_role = p->role;
	rq.name = S(p->role == REG_ROLE_INSTITUTION ? "Example Bank" :
	    "Registry party");
	rq.cert_der = p->cert;
	rq.cert_der_len = p->cert_len;
	rq.cert_not_after_ms = 4102444800000ull;
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
}

static void
record_vehicle(struct fx *f, const char *vin, const char *owner)
{
	struct reg_request rq;

	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(vin);
	commit_of(PLATE "330100123456", rq.details);
	commit_of(owner, rq.owner);
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
}

static void
quiet_rules(struct reg_rules *r)
{
	registry_rules_default(r);
	r->multi_bank_min = 0;
	r->release_soon_ms = 0;
	r->owner_burst_max = 0;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct ledger_config cfg = { 0 };

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	strcpy(f->dir, "/tmp/lienlog-test-registry-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(note_key_generate("test.example/registry", 16,
	    &f->skey, &f->vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(f->skey, strlen(f->skey),
	    &f->signer), LIEN_OK);
	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.batch_max = 64;
	cfg.map_size = 1u << 30;
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
	party_init(&f->admin, "admin:root", REG_ROLE_ADMIN);
	party_init(&f->bank_a, BANK_A, REG_ROLE_INSTITUTION);
	party_init(&f->bank_b, BANK_B, REG_ROLE_INSTITUTION);
	party_init(&f->officer, "officer:0042", REG_ROLE_OFFICER);
	party_init(&f->registry, "registry:zj", REG_ROLE_REGISTRY);
	quiet_rules(&f->rules);
	file_party(f, &f->bank_a);
	file_party(f, &f->bank_b);
	file_party(f, &f->officer);
	file_party(f, &f->registry);
	record_vehicle(f, VIN1, "owner-1");
	record_vehicle(f, VIN2, "owner-2");
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

static enum lien_status LIEN_MUST_CHECK
mortgage(struct fx *f, const struct party *bank, const char *vin,
    const char *contract, const char *owner, struct reg_request *rq,
    struct ledger_receipt *r)
{
	char c[128];

	rq_init(f, rq, REG_T_MORTGAGE_APPLICATION, bank);
	rq->vin = S(vin);
	commit_of(PLATE "330100123456", rq->details);
	/* the keyed identifier of (bank, contract number) */
	snprintf(c, sizeof c, "%s/%s", bank->id, contract);
	commit_of(c, rq->contract);
	commit_of(owner, rq->owner);
	return submit(f, rq, r);
}

static enum lien_status LIEN_MUST_CHECK
release(struct fx *f, const struct party *bank, const char *vin,
    const char *mortgage_id, const char *owner, struct reg_request *rq)
{
	rq_init(f, rq, REG_T_RELEASE_APPLICATION, bank);
	rq->vin = S(vin);
	rq->app = S(mortgage_id);
	commit_of(owner, rq->owner);
	return submit(f, rq, NULL);
}

static enum lien_status LIEN_MUST_CHECK
decide(struct fx *f, const struct party *who, const char *app,
    enum reg_decision d, const char *reason, struct reg_request *rq)
{
	rq_init(f, rq, REG_T_DECISION, who);
	rq->app = S(app);
	rq->decision = d;
	rq->reason = S(reason);
	return submit(f, rq, NULL);
}

static enum lien_status LIEN_MUST_CHECK
restrict_vehicle(struct fx *f, const char *vin, enum reg_restriction kind,
    int set, struct reg_request *rq)
{
	rq_init(f, rq, REG_T_RESTRICTION, &f->registry);
	rq->vin = S(vin);
	rq->restriction = kind;
	rq->restriction_set = set;
	rq->reference = S("(2026) Zhe 0102 Zhi 123");
	return submit(f, rq, NULL);
}

static json_t *
app_json(struct fx *f, const char *id)
{
	struct ledger_view *v;
	char *s;
	size_t n;
	json_t *j;

	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_app_get(v, id, strlen(id), 1, &s, &n),
	    LIEN_OK);
	ledger_view_close(v);
	assert_int_equal(jcs_parse(s, n, 0, &j), LIEN_OK);
	free(s);
	return j;
}

static json_t *
vehicle_json(struct fx *f, const char *vin, int full)
{
	struct ledger_view *v;
	char *s;
	size_t n;
	json_t *j;

	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_vehicle_get(v, vin, strlen(vin), full, &s,
	    &n), LIEN_OK);
	ledger_view_close(v);
	assert_int_equal(jcs_parse(s, n, 0, &j), LIEN_OK);
	free(s);
	return j;
}

/* The private state record of a vehicle (VPRIVATE, by vehicle key hex;
 * pstate "v/<vehicle key hex>" up to store v8). */
static json_t *
pstate_vehicle(struct fx *f, const char *vin)
{
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char k[2 * REG_VEHICLE_KEY_LEN + 1];
	struct ledger_view *v;
	const uint8_t *val;
	size_t n;
	json_t *j;

	assert_int_equal(registry_vehicle_key(vin, strlen(vin), vk), LIEN_OK);
	hex_encode(vk, REG_VEHICLE_KEY_LEN, k);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_VPRIVATE, k,
	    sizeof k - 1, &val, &n), LIEN_OK);
	/* stored packed (store v17) */
	assert_true(jpack_is_packed(val, n));
	assert_int_equal(registry_record_parse(val, n, &j), LIEN_OK);
	ledger_view_close(v);
	return j;
}

static void
assert_jstr(const json_t *o, const char *key, const char *want)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_string_equal(json_string_value(v), want);
}

static void
test_registry_build_workflow(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct ledger_receipt r;
	char m1[REG_APP_ID_LEN + 1], m2[REG_APP_ID_LEN + 1];
	char m3[REG_APP_ID_LEN + 1], rel[REG_APP_ID_LEN + 1];
	json_t *j, *liens;
	struct ledger_view *v;
	char *s;
	size_t n;
	char why[256];

	/* bank A: mortgage -> submitted -> approved, rank 1 */
	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "HT-2026-0001",
	    "owner-1", &rq, &r), LIEN_OK);
	assert_string_equal(rq.app_status, "submitted");
	assert_int_equal(rq.anomalies, 0);
	strcpy(m1, rq.app_id);
	{
		char want[REG_APP_ID_LEN + 1];

		snprintf(want, sizeof want, "A%016" PRIx64, r.index);
		assert_string_equal(m1, want);
	}
	assert_int_equal(decide(f, &f->officer, m1, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_string_equal(rq.app_status, "approved");
	j = app_json(f, m1);
	assert_jstr(j, "status", "approved");
	assert_int_equal(json_integer_value(json_object_get(j, "rank")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "timeline")), 2);
	assert_jstr(json_array_get(json_object_get(j, "timeline"), 0), "step",
	    "applied");
	assert_jstr(json_array_get(json_object_get(j, "timeline"), 1), "step",
	    "approved");
	json_decref(j);

	/* bank B: a second mortgage on the same vehicle ranks after */
	assert_int_equal(mortgage(f, &f->bank_b, VIN1, "B-77", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(m2, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m2, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	j = app_json(f, m2);
	assert_int_equal(json_integer_value(json_object_get(j, "rank")), 2);
	json_decref(j);
	j = vehicle_json(f, VIN1, 1);
	liens = json_object_get(j, "liens");
	assert_int_equal(json_array_size(liens), 2);
	assert_jstr(json_array_get(liens, 0), "app", m1);
	assert_jstr(json_array_get(liens, 1), "app", m2);
	json_decref(j);

	/* release by the mortgagee of m1 -> approve: m1 released */
	assert_int_equal(release(f, &f->bank_a, VIN1, m1, "owner-1", &rq),
	    LIEN_OK);
	assert_string_equal(rq.app_status, "submitted");
	strcpy(rel, rq.app_id);
	assert_int_equal(decide(f, &f->officer, rel, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	j = app_json(f, m1);
	assert_jstr(j, "status", "released");
	assert_jstr(j, "release", rel);
	json_decref(j);
	j = vehicle_json(f, VIN1, 1);
	assert_int_equal(json_array_size(json_object_get(j, "liens")), 1);
	assert_jstr(json_array_get(json_object_get(j, "liens"), 0), "app", m2);
	assert_int_equal(json_array_size(json_object_get(j, "released")), 1);
	json_decref(j);
	/* the full form names the bank of each lien; the public form
	 * (arts. 35-36, docs/privacy.md table D) dates, ranks, restrictions */
	j = vehicle_json(f, VIN1, 1);
	assert_jstr(json_array_get(json_object_get(j, "liens"), 0),
	    "mortgagee", BANK_B);
	assert_jstr(json_array_get(json_object_get(j, "released"), 0),
	    "mortgagee", BANK_A);
	json_decref(j);
	j = vehicle_json(f, VIN1, 0);
	assert_int_equal(json_object_size(j), 7);
	assert_jstr(j, "vin", VIN1);
	assert_int_equal(json_array_size(json_object_get(j, "liens")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "liens"), 0), "rank")), 1);
	assert_non_null(json_object_get(json_array_get(json_object_get(j,
	    "liens"), 0), "registered_at"));
	assert_null(json_object_get(json_array_get(json_object_get(j,
	    "liens"), 0), "mortgagee"));
	assert_true(json_is_integer(json_object_get(json_array_get(
	    json_object_get(j, "released"), 0), "released_ms")));
	assert_int_equal(json_object_size(json_array_get(json_object_get(j,
	    "released"), 0)), 5);
	assert_null(json_object_get(j, "owner"));
	json_decref(j);

	/* in-person diversion by the officer, then approval */
	assert_int_equal(mortgage(f, &f->bank_a, VIN2, "HT-2026-0002",
	    "owner-2", &rq, NULL), LIEN_OK);
	strcpy(m3, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m3, REG_DECIDE_IN_PERSON,
	    "documents unclear", &rq), LIEN_OK);
	assert_string_equal(rq.app_status, "in_person_review");
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_queue_list(v, "in_person_review", 16, NULL, 0,
	    10, &s, &n), LIEN_OK);
	ledger_view_close(v);
	assert_non_null(strstr(s, m3));
	free(s);
	assert_int_equal(decide(f, &f->officer, m3, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);

	/* rejection frees the contract number */
	assert_int_equal(mortgage(f, &f->bank_b, VIN2, "B-78", "owner-2", &rq,
	    NULL), LIEN_OK);
	strcpy(m2, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m2, REG_DECIDE_REJECT,
	    "contract not signed by the owner", &rq), LIEN_OK);
	assert_string_equal(rq.app_status, "rejected");
	j = app_json(f, m2);
	assert_jstr(j, "status", "rejected");
	/* free text is sealed evidence, never state */
	assert_null(json_object_get(json_array_get(json_object_get(j,
	    "timeline"), 1), "reason"));
	assert_jstr(j, "mortgagee", BANK_B);
	json_decref(j);
	assert_int_equal(mortgage(f, &f->bank_b, VIN2, "B-78", "owner-2", &rq,
	    NULL), LIEN_OK);

	/* the queue of submitted applications holds exactly that one */
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_queue_list(v, "submitted", 9, NULL, 0, 10,
	    &s, &n), LIEN_OK);
	assert_int_equal(jcs_parse(s, n, 0, &j), LIEN_OK);
	free(s);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_jstr(json_array_get(json_object_get(j, "items"), 0), "app",
	    rq.app_id);
	json_decref(j);
	ledger_view_close(v);

	/* and the whole log replays to the stored state */
	{
		char dir[] = "/tmp/lienlog-test-regaudit-XXXXXX", cmd[128];

		assert_non_null(mkdtemp(dir));
		assert_int_equal(registry_replay_audit(f->l, dir, 0, why,
		    sizeof why), LIEN_OK);
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* A refusal: expected status and reason; log size and state unchanged. */
static void
expect_refusal(struct fx *f, enum lien_status got, enum lien_status want,
    const struct reg_request *rq, const char *reason, uint64_t size0,
    const uint8_t digest0[HASH_LEN])
{
	uint8_t d[HASH_LEN];

	if (got != want || rq->refusal == NULL ||
	    strcmp(rq->refusal, reason) != 0)
		fail_msg("want %s/%s, got %s/%s", lien_status_code(want),
		    reason, lien_status_code(got),
		    rq->refusal ? rq->refusal : "(none)");
	assert_int_equal(ledger_size(f->l), size0);
	state_digest(f, d);
	assert_memory_equal(d, digest0, HASH_LEN);
}

#define REFUSE(call, want, reason) do { \
	uint64_t size0_ = ledger_size(f->l); \
	uint8_t d0_[HASH_LEN]; \
	state_digest(f, d0_); \
	expect_refusal(f, (call), (want), &rq, (reason), size0_, d0_); \
} while (0)

static void
test_registry_build_refusals(void **state)
{
	struct fx *f = *state;
	struct reg_request rq, keep;
	struct ledger_receipt r;
	char m1[REG_APP_ID_LEN + 1], mb[REG_APP_ID_LEN + 1];
	char nonce[64];
	uint8_t digest[HASH_LEN];
	uint64_t idx;
	int64_t nonce_created = 0;
	char nonce_used[64];

	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "HT-1", "owner-1", &rq,
	    &r), LIEN_OK);
	strcpy(m1, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m1, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(mortgage(f, &f->bank_b, VIN2, "B-1", "owner-2", &rq,
	    NULL), LIEN_OK);
	strcpy(mb, rq.app_id);

	/* releases */
	REFUSE(release(f, &f->bank_a, VIN1, "A00000000000fffff", "owner-1",
	    &rq), LIEN_ENOTFOUND, "mortgage_not_found");
	REFUSE(release(f, &f->bank_b, VIN1, m1, "owner-1", &rq), LIEN_EKEY,
	    "not_mortgagee");
	REFUSE(release(f, &f->bank_a, VIN2, m1, "owner-1", &rq),
	    LIEN_ENOTFOUND, "mortgage_not_found");	/* other vehicle */
	REFUSE(release(f, &f->bank_b, VIN2, mb, "owner-2", &rq),
	    LIEN_ENOTFOUND, "mortgage_not_found");	/* not approved */
	/* decisions */
	REFUSE(decide(f, &f->bank_a, mb, REG_DECIDE_APPROVE, NULL, &rq),
	    LIEN_EKEY, "role_forbidden");
	REFUSE(decide(f, &f->officer, m1, REG_DECIDE_REJECT, "x", &rq),
	    LIEN_ECONFLICT, "already_decided");
	REFUSE(decide(f, &f->officer, "A0000000000000999", REG_DECIDE_APPROVE,
	    NULL, &rq), LIEN_ENOTFOUND, "application_unknown");
	REFUSE(decide(f, &f->officer, "a0000000000000999", REG_DECIDE_APPROVE,
	    NULL, &rq), LIEN_EPARSE, "app_id_invalid");
	REFUSE(decide(f, &f->officer, mb, REG_DECIDE_REJECT, NULL, &rq),
	    LIEN_EPARSE, "reason_required");
	assert_int_equal(decide(f, &f->officer, mb, REG_DECIDE_IN_PERSON, NULL,
	    &rq), LIEN_OK);
	REFUSE(decide(f, &f->officer, mb, REG_DECIDE_IN_PERSON, NULL, &rq),
	    LIEN_ECONFLICT, "already_in_review");
	/* restrictions */
	REFUSE(restrict_vehicle(f, VIN3, REG_RESTR_SEIZED, 1, &rq),
	    LIEN_ENOTFOUND, "vehicle_unknown");
	REFUSE(restrict_vehicle(f, VIN1, REG_RESTR_SEIZED, 0, &rq),
	    LIEN_ECONFLICT, "restriction_not_set");
	assert_int_equal(restrict_vehicle(f, VIN1, REG_RESTR_SEIZED, 1, &rq),
	    LIEN_OK);
	REFUSE(restrict_vehicle(f, VIN1, REG_RESTR_SEIZED, 1, &rq),
	    LIEN_ECONFLICT, "restriction_exists");
	/* seizure blocks mortgage and release (art. 36) */
	REFUSE(mortgage(f, &f->bank_b, VIN1, "B-2", "owner-1", &rq, NULL),
	    LIEN_ECONFLICT, "vehicle_seized");
	REFUSE(release(f, &f->bank_a, VIN1, m1, "owner-1", &rq),
	    LIEN_ECONFLICT, "vehicle_seized");
	assert_int_equal(restrict_vehicle(f, VIN1, REG_RESTR_SEIZED, 0, &rq),
	    LIEN_OK);
	/* each art. 36 restriction refuses a mortgage; only seized and
	 * detained refuse a release */
	for (int k = REG_RESTR_SEIZED; k <= REG_RESTR_CUSTOMS; k++) {
		static const char *const code[] = { NULL, "vehicle_seized",
			"vehicle_detained", "vehicle_stolen",
			"vehicle_scrapped", "vehicle_customs" };

		assert_int_equal(restrict_vehicle(f, VIN1,
		    (enum reg_restriction)k, 1, &rq), LIEN_OK);
		REFUSE(mortgage(f, &f->bank_b, VIN1, "B-3", "owner-1", &rq,
		    NULL), LIEN_ECONFLICT, code[k]);
		if (k == REG_RESTR_DETAINED)
			REFUSE(release(f, &f->bank_a, VIN1, m1, "owner-1",
			    &rq), LIEN_ECONFLICT, "vehicle_detained");
		assert_int_equal(restrict_vehicle(f, VIN1,
		    (enum reg_restriction)k, 0, &rq), LIEN_OK);
	}
	/* a mortgage approved after a seizure: refused at approval */
	assert_int_equal(mortgage(f, &f->bank_b, VIN1, "B-4", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(mb, rq.app_id);
	assert_int_equal(restrict_vehicle(f, VIN1, REG_RESTR_STOLEN, 1, &rq),
	    LIEN_OK);
	REFUSE(decide(f, &f->officer, mb, REG_DECIDE_APPROVE, NULL, &rq),
	    LIEN_ECONFLICT, "vehicle_stolen");
	assert_int_equal(restrict_vehicle(f, VIN1, REG_RESTR_STOLEN, 0, &rq),
	    LIEN_OK);
	/* contract number unique per mortgagee; one pending per vehicle */
	REFUSE(mortgage(f, &f->bank_a, VIN2, "HT-1", "owner-2", &rq, NULL),
	    LIEN_ECONFLICT, "contract_duplicate");
	REFUSE(mortgage(f, &f->bank_b, VIN1, "B-5", "owner-1", &rq, NULL),
	    LIEN_ECONFLICT, "application_pending");
	assert_int_equal(mortgage(f, &f->bank_b, VIN2, "HT-1", "owner-2", &rq,
	    NULL), LIEN_ECONFLICT);	/* pending B-1 on VIN2 */
	/* identifiers are re-validated by the registry itself */
	REFUSE(mortgage(f, &f->bank_a, "LSJA24U62JG269226", "HT-9", "owner-1",
	    &rq, NULL), LIEN_EPARSE, "vin_invalid");
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S("lsja24u62jg269225");	/* never folded */
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "vin_invalid");
	/* free text: required for a rejection, bounded, never encoded */
	{
		char big[REG_REASON_MAX + 2];

		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = 0;
		REFUSE(decide(f, &f->officer, mb, REG_DECIDE_REJECT, big, &rq),
		    LIEN_EPARSE, "reason_invalid");
	}
	/* a vehicle record from a bank: role */
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->bank_a);
	rq.vin = S(VIN3);
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY, "role_forbidden");
	/* unknown signer */
	{
		struct party ghost;

		party_init(&ghost, "91440300708461136T", REG_ROLE_INSTITUTION);
		ghost.keyid[0] ^= 1;
		REFUSE(mortgage(f, &ghost, VIN3, "G-1", "owner-3", &rq, NULL),
		    LIEN_EKEY, "party_unknown");
	}
	/* replayed nonce (another body, same keyid + nonce) */
	assert_int_equal(mortgage(f, &f->bank_a, VIN3, "HT-10", "owner-3", &rq,
	    NULL), LIEN_OK);
	strcpy(nonce, f->nonce);
	strcpy(nonce_used, f->nonce);
	nonce_created = rq.ev.created;
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(m1);
	rq.decision = REG_DECIDE_APPROVE;
	rq.signer = (struct reg_signer){ S(BANK_A), REG_ROLE_INSTITUTION,
		{ 0 }, 4102444800000ull };
	memcpy(rq.signer.keyid, f->bank_a.keyid, HASH_LEN);
	rq.ev.nonce = S(nonce);
	rq.ev.created = nonce_created;	/* a replay carries the signed created */
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "nonce_replayed");
	/* The very same signed request again (same keyid, created, nonce
	 * and request): the original index, nothing appended. */
	assert_int_equal(mortgage(f, &f->bank_b, VIN3, "B-10", "owner-3", &keep,
	    &r), LIEN_OK);
	idx = r.index;
	memcpy(digest, keep.ev.digest, HASH_LEN);
	strcpy(nonce, f->nonce);
	rq = keep;
	rq.ev.nonce = S(nonce);
	REFUSE(submit(f, &rq, NULL), LIEN_EEXIST, "idempotent_replay");
	assert_int_equal(rq.original_index, idx);
	/* The same body under a new signature and no Idempotency-Key is a
	 * new action: here the rules refuse it (same contract). */
	rq = keep;
	snprintf(nonce, sizeof nonce, "another-nonce");
	rq.ev.nonce = S(nonce);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "contract_duplicate");
	{
		struct ledger_view *v;
		uint8_t other[HASH_LEN];

		memset(other, 0x77, HASH_LEN);
		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		/* unseen; seen for this very request (a retry) */
		assert_int_equal(registry_nonce_seen(v, f->bank_a.keyid,
		    (uint64_t)nonce_created, "x", 1, 0, other), LIEN_OK);
		assert_int_equal(registry_nonce_seen(v, f->bank_b.keyid,
		    (uint64_t)keep.ev.created, keep.ev.nonce.p,
		    keep.ev.nonce.len, 0, digest), LIEN_OK);
		assert_int_equal(registry_nonce_seen(v, f->bank_b.keyid,
		    (uint64_t)keep.ev.created, keep.ev.nonce.p,
		    keep.ev.nonce.len, 0, other), LIEN_EEXIST);
		/* the nonce of the replay test above: remembered under its
		 * created time, until its expiry */
		assert_int_equal(registry_nonce_seen(v, f->bank_a.keyid,
		    (uint64_t)nonce_created, nonce_used, strlen(nonce_used),
		    0, other), LIEN_EEXIST);
		assert_int_equal(registry_nonce_seen(v, f->bank_a.keyid,
		    (uint64_t)nonce_created, nonce_used, strlen(nonce_used),
		    UINT64_MAX, other), LIEN_OK);
		assert_int_equal(registry_nonce_seen(v, f->bank_a.keyid,
		    (uint64_t)nonce_created + 1, nonce_used,
		    strlen(nonce_used), 0, other), LIEN_OK);
		assert_int_equal(registry_nonce_seen(v, f->bank_b.keyid,
		    (uint64_t)nonce_created, nonce_used, strlen(nonce_used),
		    0, other), LIEN_OK);
		ledger_view_close(v);
	}
	/* suspended institution: its keys stop working; reinstated: work */
	rq_init(f, &rq, REG_T_INSTITUTION_STATUS, &f->admin);
	rq.party = S(BANK_A);
	rq.action = REG_ACTION_SUSPEND;
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	rq_init(f, &rq, REG_T_INSTITUTION_STATUS, &f->admin);
	rq.party = S(BANK_A);
	rq.action = REG_ACTION_SUSPEND;
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "status_unchanged");
	rq_init(f, &rq, REG_T_PARTY_STATUS, &f->admin);
	rq.party = S(BANK_A);
	rq.action = REG_ACTION_REINSTATE;
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "role_mismatch");
	REFUSE(mortgage(f, &f->bank_a, VIN2, "HT-20", "owner-2", &rq, NULL),
	    LIEN_EKEY, "party_inactive");
	{
		struct ledger_view *v;
		struct reg_party p;

		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(registry_party_lookup(v, f->bank_a.keyid, &p),
		    LIEN_OK);
		assert_int_equal(p.status, REG_PARTY_SUSPENDED);
		assert_int_equal(p.role, REG_ROLE_INSTITUTION);
		assert_string_equal(p.party_id, BANK_A);
		assert_int_equal(p.cert_der_len, f->bank_a.cert_len);
		assert_memory_equal(p.cert_der, f->bank_a.cert,
		    f->bank_a.cert_len);
		ledger_view_close(v);
	}
	rq_init(f, &rq, REG_T_INSTITUTION_STATUS, &f->admin);
	rq.party = S(BANK_A);
	rq.action = REG_ACTION_REINSTATE;
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	/* filing the same certificate twice */
	rq_init(f, &rq, REG_T_INSTITUTION_FILE, &f->admin);
	rq.party = S(BANK_A);
	rq.name = S("Example Bank");
	rq.cert_der = f->bank_a.cert;
	rq.cert_der_len = f->bank_a.cert_len;
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "key_exists");
	rq.party = S("91440300708461136X");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "uscc_invalid");
	/* filing by a non-admin */
	rq_init(f, &rq, REG_T_PARTY_FILE, &f->officer);
	rq.party = S("officer:1");
	rq.party_role = REG_ROLE_OFFICER;
	rq.name = S("x");
	rq.cert_der = (const uint8_t *)"c";
	rq.cert_der_len = 1;
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY, "role_forbidden");
	/* a face token is required for an application */
	rq_init(f, &rq, REG_T_RELEASE_APPLICATION, &f->bank_a);
	rq.vin = S(VIN1);
	rq.app = S(m1);
	rq.face.verdict = REG_FACE_NONE;
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "face_missing");
}

/* ---- the pure state machine on a scratch store, with chosen times ---- */

struct sfx {
	struct fx *f;
	char dir[64];
	struct ledger_scratch *sc;
	struct ledger_state *st;
	uint64_t index;
	uint8_t out[ENTRY_PAYLOAD_MAX];
	size_t out_len;
};

static enum lien_status LIEN_MUST_CHECK
run_at(struct sfx *s, struct reg_request *rq, uint64_t t)
{
	enum lien_status rc = registry_build(rq, s->st, s->index, t, s->out,
	    sizeof s->out, &s->out_len);

	if (rc == LIEN_OK)
		s->index++;
	return rc;
}

static void
sfx_open(struct sfx *s, struct fx *f)
{
	struct reg_request rq;
	const struct party *ps[] = { &f->bank_a, &f->bank_b, &f->officer,
		&f->registry };

	memset(s, 0, sizeof(*s));
	s->f = f;
	strcpy(s->dir, "/tmp/lienlog-test-regpure-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_int_equal(ledger_scratch_open(s->dir, &s->sc), LIEN_OK);
	assert_int_equal(ledger_scratch_begin(s->sc, &s->st), LIEN_OK);
	for (size_t i = 0; i < 4; i++) {
		rq_init(f, &rq, ps[i]->role == REG_ROLE_INSTITUTION ?
		    REG_T_INSTITUTION_FILE : REG_T_PARTY_FILE, &f->admin);
		rq.party = S(ps[i]->id);
		rq.party_role = ps[i]->role;
		rq.name = S("n");
		rq.cert_der = ps[i]->cert;
		rq.cert_der_len = ps[i]->cert_len;
		assert_int_equal(run_at(s, &rq, 1000), LIEN_OK);
	}
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(VIN1);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("owner-1", rq.owner);
	assert_int_equal(run_at(s, &rq, 1000), LIEN_OK);
}

static void
sfx_close(struct sfx *s)
{
	char cmd[128];

	assert_int_equal(ledger_scratch_commit(s->sc, s->st), LIEN_OK);
	ledger_scratch_close(s->sc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
	assert_int_equal(system(cmd), 0);
}

static void
pure_mortgage(struct sfx *s, struct reg_request *rq, const struct party *b,
    const char *vin, const char *contract, const char *owner)
{
	char c[128];

	rq_init(s->f, rq, REG_T_MORTGAGE_APPLICATION, b);
	rq->vin = S(vin);
	commit_of(PLATE "330100123456", rq->details);
	snprintf(c, sizeof c, "%s/%s", b->id, contract);
	commit_of(c, rq->contract);
	commit_of(owner, rq->owner);
}

#define DAY 86400000ull

static void
expect_anomaly(struct sfx *s, struct reg_request *rq, uint64_t t,
    unsigned bits, const char *code)
{
	json_t *p;
	enum lien_status rc = run_at(s, rq, t);

	if (rc != LIEN_OK)
		fail_msg("build: %s/%s (%s)", lien_status_code(rc),
		    rq->refusal, code ? code : "clean");
	if (rq->anomalies != bits)
		fail_msg("anomalies 0x%x, want 0x%x (%s)", rq->anomalies, bits,
		    code);
	assert_string_equal(rq->app_status, bits ? "in_person_review" :
	    "submitted");
	/* the reasons are in the private record (docs/privacy.md table B) */
	{
		uint8_t *val;
		size_t n;

		priv_stored(s->st, s->index - 1, &val, &n);
		assert_int_equal(jcs_parse((const char *)val, n, 0, &p),
		    LIEN_OK);
		free(val);
	}
	if (code) {
		json_t *rs = json_object_get(p, "reasons");
		int found = 0;

		for (size_t i = 0; i < json_array_size(rs); i++)
			if (strcmp(json_string_value(json_array_get(rs, i)),
			    code) == 0)
				found = 1;
		assert_true(found);
	}
	json_decref(p);
}

/* Bytes of VIN's multi-bank window record (VWINDOW: one element per
 * mortgage application of the last 31 days, 17 bytes + the bank's id);
 * 0 when the record is absent. */
static size_t
window_bytes(struct sfx *s, const char *vin)
{
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char k[2 * REG_VEHICLE_KEY_LEN + 1];
	const uint8_t *val;
	size_t n;
	enum lien_status rc;

	assert_int_equal(registry_vehicle_key(vin, strlen(vin), vk), LIEN_OK);
	hex_encode(vk, REG_VEHICLE_KEY_LEN, k);
	rc = ledger_state_get(s->st, LEDGER_T_VWINDOW, k, sizeof k - 1, &val,
	    &n);
	if (rc == LIEN_ENOTFOUND)
		return 0;
	assert_int_equal(rc, LIEN_OK);
	return n;
}

/* VIN's window elements (VWINDOW), counted: all, and those whose
 * application is undecided (bit 63 of the entry index, store v14). */
static void
window_count(struct sfx *s, const char *vin, unsigned *all,
    unsigned *undecided)
{
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char k[2 * REG_VEHICLE_KEY_LEN + 1];
	const uint8_t *val;
	size_t n, at = 0;
	enum lien_status rc;

	*all = *undecided = 0;
	assert_int_equal(registry_vehicle_key(vin, strlen(vin), vk), LIEN_OK);
	hex_encode(vk, REG_VEHICLE_KEY_LEN, k);
	rc = ledger_state_get(s->st, LEDGER_T_VWINDOW, k, sizeof k - 1, &val,
	    &n);
	if (rc == LIEN_ENOTFOUND)
		return;
	assert_int_equal(rc, LIEN_OK);
	while (at < n) {
		assert_true(n - at >= 17 && n - at >= 17u + val[at + 16]);
		(*all)++;
		if (be64_get(val + at + 8) >> 63)
			(*undecided)++;
		at += 17u + val[at + 16];
	}
}

/* The vehicle's window holds `all` elements, `undecided` of them flagged. */
static void
expect_window(struct sfx *s, const char *vin, unsigned all,
    unsigned undecided)
{
	unsigned a, u;

	window_count(s, vin, &a, &u);
	assert_int_equal(a, all);
	assert_int_equal(u, undecided);
}

/* An undecided mortgage application is a flag in the vehicle's window
 * element (store v14; a pstate "pm/" record up to v13): it outlives the
 * 31-day window, keeps the bank from applying again for the vehicle
 * until it is decided, and the decision drops it once it is that old. */
static void
test_registry_window_undecided(void **state)
{
	struct fx *f = *state;
	struct sfx s;
	struct reg_request rq;
	char ma[REG_APP_ID_LEN + 1], mb[REG_APP_ID_LEN + 1];
	uint64_t t = 100 * DAY;

	sfx_open(&s, f);
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "W-1", "owner-1");
	assert_int_equal(run_at(&s, &rq, t), LIEN_OK);
	strcpy(ma, rq.app_id);
	expect_window(&s, VIN1, 1, 1);

	/* 40 days on: bank B applies (which expires what is due first: the
	 * window's expiry record of day 100 prunes, but keeps, A's) */
	pure_mortgage(&s, &rq, &f->bank_b, VIN1, "W-2", "owner-1");
	assert_int_equal(run_at(&s, &rq, t + 40 * DAY), LIEN_OK);
	strcpy(mb, rq.app_id);
	expect_window(&s, VIN1, 2, 2);
	/* ... and bank A still may not apply again */
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "W-3", "owner-1");
	assert_int_equal(run_at(&s, &rq, t + 41 * DAY), LIEN_ECONFLICT);
	assert_string_equal(rq.refusal, "application_pending");

	/* A's rejection: decided and 42 days old, so dropped; B's stays */
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(ma);
	rq.decision = REG_DECIDE_REJECT;
	rq.reason = S("checked");
	assert_int_equal(run_at(&s, &rq, t + 42 * DAY), LIEN_OK);
	expect_window(&s, VIN1, 1, 1);
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "W-3", "owner-1");
	assert_int_equal(run_at(&s, &rq, t + 43 * DAY), LIEN_OK);
	expect_window(&s, VIN1, 2, 2);

	/* B's approval 4 days after its application: decided, kept in the
	 * window (not 31 days old yet) */
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(mb);
	rq.decision = REG_DECIDE_APPROVE;
	assert_int_equal(run_at(&s, &rq, t + 44 * DAY), LIEN_OK);
	expect_window(&s, VIN1, 2, 1);

	/* 100 days later, past the window of both (days 140 and 143): B's
	 * decided application is pruned, A's undecided one kept */
	pure_mortgage(&s, &rq, &f->bank_b, VIN2, "W-4", "owner-2");
	assert_int_equal(run_at(&s, &rq, t + 143 * DAY), LIEN_OK);
	expect_window(&s, VIN1, 1, 1);
	sfx_close(&s);
}

static void
test_registry_anomaly_rules(void **state)
{
	struct fx *f = *state;
	struct sfx s;
	struct reg_request rq;
	char m[REG_APP_ID_LEN + 1];
	uint64_t t = 100 * DAY;

	registry_rules_default(&f->rules);
	sfx_open(&s, f);

	/* clean: nothing */
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "C-1", "owner-1");
	expect_anomaly(&s, &rq, t, 0, NULL);
	strcpy(m, rq.app_id);
	/* a second bank within 30 days: multi_bank (+ nothing else) */
	pure_mortgage(&s, &rq, &f->bank_b, VIN1, "C-2", "owner-1");
	expect_anomaly(&s, &rq, t + DAY, REG_ANOMALY_MULTI_BANK, "multi_bank");
	assert_int_equal(window_bytes(&s, VIN1), 2 * 17 +
	    strlen(f->bank_a.id) + strlen(f->bank_b.id));
	/* ... but not after the window */
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(m);
	rq.decision = REG_DECIDE_APPROVE;
	assert_int_equal(run_at(&s, &rq, t + 2 * DAY), LIEN_OK);
	/* release soon after approval (3 days) */
	rq_init(f, &rq, REG_T_RELEASE_APPLICATION, &f->bank_a);
	rq.vin = S(VIN1);
	rq.app = S(m);
	commit_of("owner-1", rq.owner);
	expect_anomaly(&s, &rq, t + 3 * DAY, REG_ANOMALY_RELEASE_SOON,
	    "release_soon");
	/* face grey; owner mismatch; vehicle unrecorded; details; expiring */
	pure_mortgage(&s, &rq, &f->bank_a, VIN2, "C-3", "owner-2");
	expect_anomaly(&s, &rq, t + 40 * DAY, REG_ANOMALY_VEHICLE_UNRECORDED,
	    "vehicle_unrecorded");
	/* both of VIN1's applications are 31 days old: A's (approved) is
	 * gone, B's is kept while it is undecided (store v14) */
	assert_int_equal(window_bytes(&s, VIN1), 17 + strlen(f->bank_b.id));
	assert_int_equal(window_bytes(&s, VIN2), 17 + strlen(f->bank_a.id));
	f->rules.owner_burst_max = 0;
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(m);
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "C-4", "owner-9");
	expect_anomaly(&s, &rq, t + 80 * DAY, REG_ANOMALY_OWNER_MISMATCH,
	    "owner_mismatch");
	/* reject it so bank B may apply again on VIN1 */
	{
		char id[REG_APP_ID_LEN + 1];

		strcpy(id, rq.app_id);
		rq_init(f, &rq, REG_T_DECISION, &f->officer);
		rq.app = S(id);
		rq.decision = REG_DECIDE_REJECT;
		rq.reason = S("owner differs");
		assert_int_equal(run_at(&s, &rq, t + 80 * DAY), LIEN_OK);
	}
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "C-5", "owner-1");
	commit_of(PLATE "330100999999", rq.details);
	expect_anomaly(&s, &rq, t + 120 * DAY, REG_ANOMALY_VEHICLE_MISMATCH,
	    "vehicle_details_mismatch");
	/* the application of day 80 (rejected) is pruned, today's kept,
	 * and B's undecided one of day 1 */
	assert_int_equal(window_bytes(&s, VIN1), 2 * 17 +
	    strlen(f->bank_a.id) + strlen(f->bank_b.id));
	pure_mortgage(&s, &rq, &f->bank_a, VIN3, "C-6", "owner-3");
	rq.face.verdict = REG_FACE_GREY;
	expect_anomaly(&s, &rq, t + 160 * DAY, REG_ANOMALY_FACE_GREY |
	    REG_ANOMALY_VEHICLE_UNRECORDED, "face_grey");
	f->rules.owner_check = 0;
	pure_mortgage(&s, &rq, &f->bank_b, VIN3, "C-7", "owner-3");
	rq.signer.not_after_ms = t + 200 * DAY + DAY;
	expect_anomaly(&s, &rq, t + 200 * DAY, REG_ANOMALY_CERT_EXPIRING,
	    "cert_expiring");
	/* bursts: institution (2 per minute), owner (2 per day) */
	f->rules.multi_bank_min = 0;
	f->rules.inst_burst_max = 2;
	f->rules.inst_burst_window_ms = 60000;
	{
		static const char *const vins[] = { "LFV2A21K5A3000001",
			"LFV2A21K5A3000002", "LFV2A21K5A3000003" };
		uint64_t t0 = t + 300 * DAY;

		for (int i = 0; i < 3; i++) {
			char vin[18], c;
			char contract[16];

			memcpy(vin, vins[i], 18);
			assert_int_equal(ids_vin_check_char(vin, 17, &c),
			    LIEN_OK);
			vin[8] = c;
			snprintf(contract, sizeof contract, "IB-%d", i);
			pure_mortgage(&s, &rq, &f->bank_a, vin, contract,
			    i == 2 ? "owner-x" : "owner-y");
			expect_anomaly(&s, &rq, t0 + (uint64_t)i * 1000,
			    i == 2 ? REG_ANOMALY_INST_BURST : 0,
			    i == 2 ? "institution_burst" : NULL);
		}
		/* a minute later the institution window has moved on; the
		 * owner burst (2 per day) has not */
		f->rules.owner_burst_max = 2;
		pure_mortgage(&s, &rq, &f->bank_b, "LFV2A21K5A3000004", "OB",
		    "owner-y");
		{
			char vin[18], c;

			memcpy(vin, "LFV2A21K5A3000004", 18);
			assert_int_equal(ids_vin_check_char(vin, 17, &c),
			    LIEN_OK);
			vin[8] = c;
			pure_mortgage(&s, &rq, &f->bank_b, vin, "OB", "owner-y");
			expect_anomaly(&s, &rq, t0 + 5 * 60000,
			    REG_ANOMALY_OWNER_BURST, "owner_burst");
		}
	}
	for (unsigned i = 0; i < REG_ANOMALY_COUNT; i++)
		assert_non_null(registry_anomaly_code(i));
	assert_null(registry_anomaly_code(REG_ANOMALY_COUNT));
	sfx_close(&s);
}

/* Nonces are remembered until their expiry, then forgotten (the
 * companion expiry records keep the index clean). */
static void
test_registry_build_nonce_expiry(void **state)
{
	struct fx *f = *state;
	struct sfx s;
	struct reg_request rq;
	char nonce[64];
	int64_t created;

	f->rules.nonce_window_ms = 300000;
	sfx_open(&s, f);
	rq_init(f, &rq, REG_T_RESTRICTION, &f->registry);
	rq.vin = S(VIN1);
	rq.restriction = REG_RESTR_CUSTOMS;
	rq.restriction_set = 1;
	rq.ev.created = 1000;	/* seconds */
	created = rq.ev.created;
	strcpy(nonce, f->nonce);
	assert_int_equal(run_at(&s, &rq, 1000000), LIEN_OK);
	/* same nonce, other body: refused inside the window */
	rq_init(f, &rq, REG_T_RESTRICTION, &f->registry);
	rq.vin = S(VIN1);
	rq.restriction = REG_RESTR_CUSTOMS;
	rq.restriction_set = 0;
	rq.ev.created = created;
	rq.ev.nonce = S(nonce);
	assert_int_equal(run_at(&s, &rq, 1000000 + 299999), LIEN_ECONFLICT);
	assert_string_equal(rq.refusal, "nonce_replayed");
	/* and accepted (by the registry: api/ refuses the stale created)
	 * once it expired */
	assert_int_equal(run_at(&s, &rq, 1000000 + 300000), LIEN_OK);
	sfx_close(&s);
}

/* Issue 11 class 1: an action repeated with the same body, under a new
 * signature and without an Idempotency-Key, is a new action -- never
 * swallowed as a resubmission because its bytes equal an earlier
 * request's (the old content-keyed lookup dropped the third step of each
 * sequence below and answered "replayed"). */
static void
same_body(struct reg_request *rq, const char *what)
{
	hash_sha256(what, strlen(what), rq->ev.digest);
}

static void
test_registry_repeated_actions(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	char hex[2 * REG_COMMIT_LEN + 1];
	uint8_t owner_a[REG_COMMIT_LEN];
	json_t *veh, *rs;

	/* suspend, reinstate, suspend a bank: the third is appended and the
	 * bank can no longer apply */
	for (int i = 0; i < 3; i++) {
		rq_init(f, &rq, REG_T_INSTITUTION_STATUS, &f->admin);
		rq.party = S(BANK_A);
		rq.action = i == 1 ? REG_ACTION_REINSTATE : REG_ACTION_SUSPEND;
		same_body(&rq, i == 1 ? "{\"action\":\"reinstate\"}" :
		    "{\"action\":\"suspend\"}");
		assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	}
	REFUSE(mortgage(f, &f->bank_a, VIN2, "HT-R1", "owner-2", &rq, NULL),
	    LIEN_EKEY, "party_inactive");

	/* seize, lift, seize: the vehicle is seized and a mortgage on it is
	 * refused (MPS Order 164 art. 36) */
	for (int i = 0; i < 3; i++) {
		rq_init(f, &rq, REG_T_RESTRICTION, &f->registry);
		rq.vin = S(VIN1);
		rq.restriction = REG_RESTR_SEIZED;
		rq.restriction_set = i != 1;
		same_body(&rq, i == 1 ? "lift seized" : "set seized");
		assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	}
	veh = vehicle_json(f, VIN1, 1);
	rs = json_object_get(veh, "restrictions");
	assert_int_equal(json_array_size(rs), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rs, 0), "kind")), "seized");
	json_decref(veh);
	REFUSE(mortgage(f, &f->bank_b, VIN1, "B-R1", "owner-1", &rq, NULL),
	    LIEN_ECONFLICT, "vehicle_seized");

	/* the vehicle record's owner A -> B -> A: the record ends with A */
	for (int i = 0; i < 3; i++) {
		rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
		rq.vin = S(VIN3);
		commit_of(PLATE "330100123456", rq.details);
		commit_of(i == 1 ? "owner-B" : "owner-A", rq.owner);
		same_body(&rq, i == 1 ? "record with B" : "record with A");
		assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	}
	commit_of("owner-A", owner_a);
	hex_encode(owner_a, REG_COMMIT_LEN, hex);
	/* the registered owner is private state (docs/privacy.md) */
	{
		uint8_t vk[REG_VEHICLE_KEY_LEN];
		char k[2 * REG_VEHICLE_KEY_LEN + 1];
		struct ledger_view *v;
		const uint8_t *val;
		size_t n;

		assert_int_equal(registry_vehicle_key(VIN3, 17, vk), LIEN_OK);
		hex_encode(vk, REG_VEHICLE_KEY_LEN, k);
		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(ledger_view_state_get(v, LEDGER_T_VPRIVATE, k,
		    sizeof k - 1, &val, &n), LIEN_OK);
		assert_int_equal(registry_record_parse(val, n, &veh),
		    LIEN_OK);
		ledger_view_close(v);
	}
	assert_string_equal(json_string_value(json_object_get(veh, "owner")),
	    hex);
	json_decref(veh);
}

static int
bytes_contain(const uint8_t *p, size_t n, const char *want)
{
	size_t wl = strlen(want);

	for (size_t i = 0; i + wl <= n; i++)
		if (memcmp(p + i, want, wl) == 0)
			return 1;
	return 0;
}

/* Issue 11 class 4: a company-owned vehicle (recorded with a company's
 * commitment and "owner_kind":"company") is mortgaged and released only
 * with the SMS-verified authorisation of its legal representative, given
 * by the recorded company; a person's vehicle needs none. */
static void
company_app(struct reg_request *rq, const char *company, int with_sms)
{
	commit_of(company, rq->owner);
	rq->owner_company = with_sms;
	if (with_sms) {
		commit_of("agent-person", rq->agent);
		rq->sms.present = 1;
		commit_of("sms-token", rq->sms.token_digest);
		rq->sms.issuer = S("https://sms.example");
	}
}

static void
test_registry_company_owner(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	char m[REG_APP_ID_LEN + 1], m2[REG_APP_ID_LEN + 1];
	json_t *veh;

	/* VIN3 recorded as owned by company C */
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(VIN3);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("company-C", rq.owner);
	rq.owner_company = 1;
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	veh = pstate_vehicle(f, VIN3);
	assert_string_equal(json_string_value(json_object_get(veh,
	    "owner_kind")), "company");
	json_decref(veh);

	/* no authorisation; another company's; then C's */
	rq_init(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->bank_a);
	rq.vin = S(VIN3);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("bank-a/HT-C-1", rq.contract);
	company_app(&rq, "company-C", 0);
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY,
	    "company_authorisation_missing");
	company_app(&rq, "company-D", 1);
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY, "company_mismatch");
	company_app(&rq, "company-C", 1);
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);

	/* the release too */
	rq_init(f, &rq, REG_T_RELEASE_APPLICATION, &f->bank_a);
	rq.vin = S(VIN3);
	rq.app = S(m);
	company_app(&rq, "company-C", 0);
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY,
	    "company_authorisation_missing");
	company_app(&rq, "company-D", 1);
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY, "company_mismatch");
	company_app(&rq, "company-C", 1);
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);

	/* a person's application pending when the vehicle passes to a
	 * company cannot be approved without the company's authorisation */
	assert_int_equal(mortgage(f, &f->bank_b, VIN2, "B-C-1", "owner-2", &rq,
	    NULL), LIEN_OK);
	strcpy(m2, rq.app_id);
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(VIN2);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("company-E", rq.owner);
	rq.owner_company = 1;
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	REFUSE(decide(f, &f->officer, m2, REG_DECIDE_APPROVE, NULL, &rq),
	    LIEN_EKEY, "company_authorisation_missing");
	/* recorded for a person again: owner_kind goes, approval works */
	record_vehicle(f, VIN2, "owner-2");
	veh = pstate_vehicle(f, VIN2);
	assert_null(json_object_get(veh, "owner_kind"));
	json_decref(veh);
	assert_int_equal(decide(f, &f->officer, m2, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	/* the replay re-checks these rules and derives the same state */
	{
		char dir[] = "/tmp/lienlog-test-regaudit-XXXXXX", cmd[128];
		char why[256];

		assert_non_null(mkdtemp(dir));
		assert_int_equal(registry_replay_audit(f->l, dir, 0, why,
		    sizeof why), LIEN_OK);
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* Issue 11 class 5: a successor log starts from its predecessor's final
 * registration state (registry/handover.c). The old log registers and
 * approves a mortgage and is frozen; the new one (another origin, entry
 * 0 = the old final checkpoint, entry 1 = the hand-over, in one batch)
 * releases that lien (the private state came over: the bank is still
 * the lien's mortgagee); its application ids continue above the old
 * log's; the audit, public and private, checks the hand-over against the
 * old store and refuses without it or against another store. */
static void
audit_dir(struct ledger *l, struct ledger *prev, int public_only,
    enum lien_status want, const char *why_has)
{
	char dir[] = "/tmp/lienlog-test-handover-XXXXXX", cmd[128], why[512];

	assert_non_null(mkdtemp(dir));
	why[0] = 0;
	if (registry_replay_audit_prev(l, prev, dir, public_only, why,
	    sizeof why) != want)
		fail_msg("audit: want %s, got: %s", lien_status_code(want), why);
	if (why_has != NULL && strstr(why, why_has) == NULL)
		fail_msg("audit says %s, want %s", why, why_has);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void stats_same(struct fx *f, const char *party, uint64_t *reads);

/* The hand-over digest as docs/registry.md defines it, computed here
 * from the records' canonical text (parsed and re-serialised, not through
 * registry/jpack.c): whatever form the store keeps them in (store v17
 * packs vehicles and applications), the digest is over the JSON text. */
struct hdigest {
	enum ledger_table tb;
	uint8_t d[HASH_LEN];
	size_t packed;
};

static int
hdigest_visit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	struct hdigest *h = ctx;
	uint8_t hdr[9], next[HASH_LEN];
	char *text = NULL;
	size_t tl = vl;
	json_t *j;

	if (h->tb != LEDGER_T_INDEX) {
		assert_int_equal(registry_record_parse(v, vl, &j), LIEN_OK);
		assert_int_equal(jcs_serialize(j, &text, &tl), LIEN_OK);
		json_decref(j);
		if (jpack_is_packed(v, vl)) {
			uint8_t *d;
			size_t dl;

			/* packed bytes decode to the canonical text */
			assert_int_equal(jpack_decode(v, vl, &d, &dl), LIEN_OK);
			assert_int_equal(dl, tl);
			assert_memory_equal(d, text, tl);
			free(d);
			h->packed++;
		}
	}
	hdr[0] = (uint8_t)h->tb;
	for (int i = 0; i < 4; i++) {
		hdr[1 + i] = (uint8_t)(kl >> (24 - 8 * i));
		hdr[5 + i] = (uint8_t)(tl >> (24 - 8 * i));
	}
	{
		struct hash_part all[5] = { { h->d, HASH_LEN }, { hdr, 5 },
			{ k, kl }, { hdr + 5, 4 }, { text != NULL ?
			(const uint8_t *)text : v, tl } };

		hash_sha256_parts(all, 5, next);
	}
	memcpy(h->d, next, HASH_LEN);
	free(text);
	return 0;
}

static void
handover_digest_text(struct ledger_view *v, uint8_t out[HASH_LEN])
{
	static const char tag[] = "lienlog-state-v1";	/* with its NUL */
	static const enum ledger_table tbs[] = { LEDGER_T_PARTIES,
		LEDGER_T_VEHICLES, LEDGER_T_APPS, LEDGER_T_INDEX };
	struct hdigest h;

	memset(&h, 0, sizeof h);
	hash_sha256(tag, sizeof tag, h.d);
	for (size_t i = 0; i < 4; i++) {
		h.tb = tbs[i];
		assert_int_equal(ledger_view_state_scan(v, tbs[i], NULL, 0,
		    hdigest_visit, &h), LIEN_OK);
	}
	assert_true(h.packed >= 2);	/* the vehicle and the application */
	memcpy(out, h.d, HASH_LEN);
}

static void
test_registry_state_handover(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct ledger_config cfg = { 0 };
	struct ledger *nl = NULL, *other = NULL;
	struct ledger_view *ov = NULL;
	struct note_signer *ns = NULL;
	char *skey = NULL, *vkey = NULL, *cp = NULL;
	char ndir[] = "/tmp/lienlog-test-newlog-XXXXXX", cmd[160];
	char m[REG_APP_ID_LEN + 1], rel[REG_APP_ID_LEN + 1];
	size_t cp_len;
	uint64_t final, base = 0, v;
	struct reg_handover h;
	struct ledger_item items[2];
	struct ledger_receipt rr[2];
	json_t *app, *veh;
	const char *body;
	size_t body_len;
	struct checkpoint c;

	/* the old log: a registered mortgage, then frozen */
	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "HT-H1", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(ledger_freeze(f->l, &final), LIEN_OK);
	assert_int_equal(ledger_latest_checkpoint(f->l, &cp, &cp_len), LIEN_OK);
	body = strstr(cp, "\n\n");
	assert_non_null(body);
	body_len = (size_t)(body - cp) + 1;
	assert_int_equal(checkpoint_parse((const uint8_t *)cp, body_len, &c),
	    LIEN_OK);
	assert_int_equal(c.size, final);

	/* the new log: entry 0 and the hand-over in one batch */
	assert_non_null(mkdtemp(ndir));
	assert_int_equal(note_key_generate("test.example/registry-2027", 16,
	    &skey, &vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &ns), LIEN_OK);
	cfg.dir = ndir;
	cfg.signer = ns;
	cfg.map_size = 1u << 30;
	assert_int_equal(ledger_open(&cfg, &nl), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &ov), LIEN_OK);
	memset(&h, 0, sizeof(h));
	h.prev = ov;
	h.prev_origin = c.origin;
	h.prev_origin_len = c.origin_len;
	h.prev_size = c.size;
	memcpy(h.prev_root, c.root, HASH_LEN);
	memset(items, 0, sizeof(items));
	items[0].type = ENTRY_TYPE_PREV_LOG;
	items[0].payload = (const uint8_t *)cp;
	items[0].len = cp_len;
	items[1].type = REG_T_STATE_HANDOVER;
	items[1].build = registry_handover_build;
	items[1].arg = &h;
	assert_int_equal(ledger_append_many(nl, items, 2, rr), LIEN_OK);
	assert_int_equal(rr[0].status, LIEN_OK);
	assert_int_equal(rr[1].status, LIEN_OK);
	assert_int_equal(rr[1].index, 1);
	assert_int_equal(h.base, final);
	assert_true(h.records > 0);
	/* a second hand-over is refused: the state is no longer empty */
	assert_int_equal(ledger_append_item(nl, &items[1], &rr[1]),
	    LIEN_ECONFLICT);
	assert_string_equal(h.refusal, "handover_not_first");
	{
		uint8_t want[HASH_LEN];

		handover_digest_text(ov, want);
		assert_memory_equal(h.state, want, HASH_LEN);
	}
	ledger_view_close(ov);
	ov = NULL;

	/* the parties, the vehicle and its lien came over */
	{
		struct ledger *keep = f->l;
		struct ledger_view *nv;

		f->l = nl;
		assert_int_equal(ledger_view_open(nl, &nv), LIEN_OK);
		assert_int_equal(registry_base(nv, &base), LIEN_OK);
		ledger_view_close(nv);
		assert_int_equal(base, final);
		veh = vehicle_json(f, VIN1, 1);
		assert_int_equal(json_array_size(json_object_get(veh, "liens")),
		    1);
		json_decref(veh);
		/* the mortgagee came over in the private state: another bank
		 * may not release the lien */
		REFUSE(release(f, &f->bank_b, VIN1, m, "owner-1", &rq),
		    LIEN_EKEY, "not_mortgagee");
		/* the release, in the new log, of the old log's lien; its id
		 * continues above every id of the old log */
		assert_int_equal(release(f, &f->bank_a, VIN1, m, "owner-1",
		    &rq), LIEN_OK);
		strcpy(rel, rq.app_id);
		assert_int_equal(registry_app_id_parse(rel, strlen(rel), &v),
		    LIEN_OK);
		assert_true(v >= final);
		assert_int_equal(decide(f, &f->officer, rel,
		    REG_DECIDE_APPROVE, NULL, &rq), LIEN_OK);
		app = app_json(f, m);
		assert_jstr(app, "status", "released");
		json_decref(app);
		/* the new log's statistics: its own application only (the
		 * running totals did not come over) */
		stats_same(f, NULL, NULL);
		veh = vehicle_json(f, VIN1, 1);
		assert_int_equal(json_array_size(json_object_get(veh, "liens")),
		    0);
		assert_int_equal(json_array_size(json_object_get(veh,
		    "released")), 1);
		json_decref(veh);
		f->l = keep;
	}

	/* the audit: with the old store it passes; without, it says what
	 * it needs; against another store, the hand-over does not match */
	audit_dir(nl, f->l, 0, LIEN_OK, NULL);
	audit_dir(nl, f->l, 1, LIEN_OK, NULL);
	audit_dir(nl, NULL, 0, LIEN_EUNSUPPORTED, "--prev");
	{
		char odir[] = "/tmp/lienlog-test-other-XXXXXX";
		struct ledger_config oc = { 0 };

		assert_non_null(mkdtemp(odir));
		oc.dir = odir;
		oc.signer = f->signer;		/* the old origin */
		oc.map_size = 1u << 30;
		assert_int_equal(ledger_open(&oc, &other), LIEN_OK);
		assert_int_equal(ledger_append(other, 0, (const uint8_t *)"x",
		    1, &rr[0]), LIEN_OK);
		assert_int_equal(ledger_freeze(other, NULL), LIEN_OK);
		audit_dir(nl, other, 0, LIEN_ECORRUPT, "previous store");
		ledger_close(other);
		snprintf(cmd, sizeof cmd, "rm -rf %s", odir);
		assert_int_equal(system(cmd), 0);
	}

	ledger_close(nl);
	note_signer_free(ns);
	secret_free(skey);
	free(vkey);
	free(cp);
	snprintf(cmd, sizeof cmd, "rm -rf %s", ndir);
	assert_int_equal(system(cmd), 0);
}

/* A UUIDv7 text for time t (ms) with a chosen tail. */
static void
idem_key_at(uint64_t t, unsigned tail, char out[IDEMKEY_LEN + 1])
{
	char b[64];	/* room for any t: gcc cannot bound it once inlined */

	snprintf(b, sizeof b, "%08" PRIx64 "-%04" PRIx64 "-7abc-9def-%012x",
	    t >> 16, t & 0xffff, tail);
	memcpy(out, b, IDEMKEY_LEN);
	out[IDEMKEY_LEN] = '\0';
}

/* Idempotency-Key rules at chosen entry times (docs/api-registration.md
 * "Retries and Idempotency-Key"): a retry with the key and the same
 * request gets the original entry; the key with another request is
 * refused; keys are per signer; a key lives 24 h from its own time and
 * is then refused as expired (and its record is gone from the table's
 * front); a key far in the future is refused. */
static void
test_registry_idempotency_key(void **state)
{
	struct fx *f = *state;
	struct sfx s;
	struct reg_request rq, first;
	char key[IDEMKEY_LEN + 1], nonce[64];
	uint64_t t0 = 1767225600000ull, idx;
	uint8_t digest[HASH_LEN];
	const uint8_t *k, *val;
	size_t kl, vl;

	sfx_open(&s, f);
	idem_key_at(t0, 1, key);
	rq_init(f, &first, REG_T_RESTRICTION, &f->registry);
	first.vin = S(VIN1);
	first.restriction = REG_RESTR_SEIZED;
	first.restriction_set = 1;
	first.ev.idem_key = S(key);
	idx = s.index;
	assert_int_equal(run_at(&s, &first, t0 + 1000), LIEN_OK);
	/* in the private record the entry commits to, not in the entry */
	assert_false(bytes_contain(s.out, s.out_len, key));
	{
		uint8_t *rec;
		size_t rl;

		priv_stored(s.st, idx, &rec, &rl);
		assert_true(bytes_contain(rec, rl, key));
		free(rec);
	}
	memcpy(digest, first.ev.digest, HASH_LEN);

	/* a retry: new signature (nonce), same key, same request */
	rq = first;
	snprintf(nonce, sizeof nonce, "retry-nonce");
	rq.ev.nonce = S(nonce);
	assert_int_equal(run_at(&s, &rq, t0 + 60000), LIEN_EEXIST);
	assert_string_equal(rq.refusal, "idempotent_replay");
	assert_int_equal(rq.original_index, idx);
	/* the same key with another request */
	rq_init(f, &rq, REG_T_RESTRICTION, &f->registry);
	rq.vin = S(VIN1);
	rq.restriction = REG_RESTR_SEIZED;
	rq.restriction_set = 0;
	rq.ev.idem_key = S(key);
	assert_int_equal(run_at(&s, &rq, t0 + 61000), LIEN_ECONFLICT);
	assert_string_equal(rq.refusal, "idempotency_key_reused");
	/* keys belong to their signer: another party's equal key is new */
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S("A0000000000000000");
	rq.decision = REG_DECIDE_APPROVE;
	rq.ev.idem_key = S(key);
	assert_int_equal(run_at(&s, &rq, t0 + 62000), LIEN_ENOTFOUND);
	assert_string_equal(rq.refusal, "application_unknown");
	/* the retry still works just before the period ends ... */
	rq = first;
	rq.ev.nonce = S(nonce);
	assert_int_equal(run_at(&s, &rq, t0 + REG_IDEM_KEEP_MS - 1),
	    LIEN_EEXIST);
	assert_int_equal(rq.original_index, idx);
	/* ... and is refused as expired from then on, never re-applied */
	assert_int_equal(run_at(&s, &rq, t0 + REG_IDEM_KEEP_MS),
	    LIEN_ECONFLICT);
	assert_string_equal(rq.refusal, "idempotency_key_expired");
	/* any later entry expires the record from the table's front */
	assert_int_equal(ledger_state_seek(s.st, LEDGER_T_IDEM, NULL, 0, &k,
	    &kl, &val, &vl), LIEN_OK);
	rq_init(f, &rq, REG_T_RESTRICTION, &f->registry);
	rq.vin = S(VIN1);
	rq.restriction = REG_RESTR_SEIZED;
	rq.restriction_set = 0;
	assert_int_equal(run_at(&s, &rq, t0 + REG_IDEM_KEEP_MS), LIEN_OK);
	assert_int_equal(ledger_state_seek(s.st, LEDGER_T_IDEM, NULL, 0, &k,
	    &kl, &val, &vl), LIEN_ENOTFOUND);
	/* a key from more than 10 minutes in the future */
	idem_key_at(t0 + REG_IDEM_KEEP_MS + REG_IDEM_FUTURE_MS + 1, 2, key);
	rq_init(f, &rq, REG_T_RESTRICTION, &f->registry);
	rq.vin = S(VIN1);
	rq.restriction = REG_RESTR_SEIZED;
	rq.restriction_set = 1;
	rq.ev.idem_key = S(key);
	assert_int_equal(run_at(&s, &rq, t0 + REG_IDEM_KEEP_MS), LIEN_EPARSE);
	assert_string_equal(rq.refusal, "idempotency_key_invalid");
	/* not a UUIDv7 at all: the payload shape refuses it */
	rq.ev.idem_key = S("not-a-key");
	assert_int_equal(run_at(&s, &rq, t0 + REG_IDEM_KEEP_MS), LIEN_EPARSE);
	assert_string_equal(rq.refusal, "idempotency_key_invalid");
	sfx_close(&s);
}

/* docs/registry.md worked examples: each vector's request, built at its
 * index and time on the fixture's scratch state, gives exactly the
 * payload bytes in the vector. */
static void
test_registry_payload_vectors(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = { "registry_vehicle_record.json",
		"registry_mortgage_application.json", "registry_decision.json",
		"registry_restriction.json" };
	struct sfx s;
	json_t *all[4];

	sfx_open(&s, f);
	for (size_t i = 0; i < 4; i++) {
		json_error_t err;
		size_t len;
		char *text = tu_vector(names[i], &len);

		all[i] = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
		if (all[i] == NULL)
			fail_msg("%s: %s", names[i], err.text);
		free(text);
	}
	for (size_t i = 0; i < 4; i++) {
		json_t *vec = all[i];
		const char *payload = json_string_value(json_object_get(vec,
		    "payload"));
		json_int_t type = json_integer_value(json_object_get(vec,
		    "type"));
		json_int_t index = json_integer_value(json_object_get(vec,
		    "index"));
		json_int_t tms = json_integer_value(json_object_get(vec,
		    "time_ms"));
		const char *priv = json_string_value(json_object_get(vec,
		    "private"));
		const char *reason = NULL;

		assert_non_null(payload);
		assert_non_null(priv);
		if (type == REG_T_MORTGAGE_APPLICATION) {
			/* our build makes the very same bytes from the
			 * request (Python made the vector independently) */
			struct reg_request rq;
			const uint8_t *stored;
			uint8_t *got;
			size_t got_len, stored_len;
			uint8_t k[8];

			pure_mortgage(&s, &rq, &f->bank_a, VIN2, "HT-2026-0001",
			    "owner-2");
			rq.ev.created = 1767225600;
			rq.ev.nonce = S("vec-6");
			hash_sha256("vector-idem-6", 13, rq.ev.digest);
			hash_sha256("vector-salt-6", 13, rq.salt);
			s.index = (uint64_t)index;
			assert_int_equal(run_at(&s, &rq, (uint64_t)tms),
			    LIEN_OK);
			assert_int_equal(s.out_len, strlen(payload));
			assert_memory_equal(s.out, payload, s.out_len);
			/* stored packed (store v16), smaller, and read
			 * back as the vector's exact bytes */
			be64_put(k, (uint64_t)index);
			assert_int_equal(ledger_state_get(s.st,
			    LEDGER_T_PRIVATE, k, 8, &stored, &stored_len),
			    LIEN_OK);
			assert_int_equal(stored[0], RG_PRIV_ELIDED);
			assert_true(stored_len < strlen(priv) * 2 / 3);
			priv_stored(s.st, (uint64_t)index, &got, &got_len);
			assert_int_equal(got_len, strlen(priv));
			assert_memory_equal(got, priv, got_len);
			free(got);
			continue;	/* applied by the build */
		}
		/* canonical, and legal + applicable at that point */
		assert_int_equal(jcs_parse_canonical((const uint8_t *)payload,
		    strlen(payload), NULL), LIEN_OK);
		assert_int_equal(registry_check(s.st, (uint64_t)index,
		    (uint64_t)tms, (uint16_t)type, (const uint8_t *)payload,
		    strlen(payload), (const uint8_t *)priv, strlen(priv),
		    &reason), LIEN_OK);
		/* a private record the payload does not commit to */
		assert_int_equal(registry_check(s.st, (uint64_t)index,
		    (uint64_t)tms, (uint16_t)type, (const uint8_t *)payload,
		    strlen(payload), (const uint8_t *)priv, strlen(priv) - 1,
		    &reason), LIEN_EVERIFY);
		assert_string_equal(reason, "private_not_committed");
		assert_int_equal(registry_apply(s.st, (uint64_t)index,
		    (uint64_t)tms, (uint16_t)type, (const uint8_t *)payload,
		    strlen(payload), (const uint8_t *)priv, strlen(priv)),
		    LIEN_OK);
		/* applying it again is an idempotent replay */
		assert_int_equal(registry_check(s.st, (uint64_t)index + 1,
		    (uint64_t)tms, (uint16_t)type, (const uint8_t *)payload,
		    strlen(payload), (const uint8_t *)priv, strlen(priv),
		    &reason), LIEN_EVERIFY);	/* committed at its index */
		assert_int_equal(registry_check(s.st, (uint64_t)index,
		    (uint64_t)tms, (uint16_t)type, (const uint8_t *)payload,
		    strlen(payload), (const uint8_t *)priv, strlen(priv),
		    &reason), LIEN_EEXIST);
	}
	for (size_t i = 0; i < 4; i++)
		json_decref(all[i]);
	sfx_close(&s);
}

/* ---- replay audit ---------------------------------------------------- */

struct slot {
	struct reg_request rq;
	char nonce[32];
	char contract[24];
	char app[REG_APP_ID_LEN + 1];
	char vin[18];
};

static void
make_vin(unsigned n, char out[18])
{
	char c;

	snprintf(out, 18, "LFV3A23C%c%08u", '0', n);
	assert_int_equal(ids_vin_check_char(out, 17, &c), LIEN_OK);
	out[8] = c;
}

/* A window its expiry prunes to nothing is kept, empty (store v26:
 * rewritten where it lies, so the vehicle's pointer record, a random
 * page, is not written a month after each application; v22 deleted it),
 * and reads as no window (store v28: an empty vehicle record is none to
 * every reader): the multi-bank rule and a new application find nothing
 * in it. */
static void
test_registry_window_kept_empty(void **state)
{
	struct fx *f = *state;
	struct sfx s;
	struct reg_request rq;
	char id[REG_APP_ID_LEN + 1], vk[2 * REG_VEHICLE_KEY_LEN + 1];
	uint8_t b[REG_VEHICLE_KEY_LEN];
	const uint8_t *val;
	size_t n;
	uint64_t t = 100 * DAY;

	registry_rules_default(&f->rules);
	f->rules.owner_burst_max = 0;
	sfx_open(&s, f);
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "K-1", "owner-1");
	expect_anomaly(&s, &rq, t, 0, NULL);
	strcpy(id, rq.app_id);
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(id);
	rq.decision = REG_DECIDE_REJECT;
	rq.reason = S("checked");
	assert_int_equal(run_at(&s, &rq, t + DAY), LIEN_OK);
	assert_int_equal(window_bytes(&s, VIN1), 17 + strlen(f->bank_a.id));
	/* 31 days on, any entry expires it */
	pure_mortgage(&s, &rq, &f->bank_a, VIN2, "K-2", "owner-2");
	expect_anomaly(&s, &rq, t + 31 * DAY, REG_ANOMALY_VEHICLE_UNRECORDED,
	    "vehicle_unrecorded");
	assert_int_equal(registry_vehicle_key(VIN1, strlen(VIN1), b), LIEN_OK);
	hex_encode(b, sizeof b, vk);
	assert_int_equal(ledger_state_get(s.st, LEDGER_T_VWINDOW, vk,
	    sizeof vk - 1, &val, &n), LIEN_ENOTFOUND);
	/* bank B: one bank in the window, no multi_bank */
	pure_mortgage(&s, &rq, &f->bank_b, VIN1, "K-3", "owner-1");
	expect_anomaly(&s, &rq, t + 31 * DAY + 1, 0, NULL);
	assert_int_equal(window_bytes(&s, VIN1), 17 + strlen(f->bank_b.id));
	sfx_close(&s);
}

/* pstate records under "o/" + reference (the owner's, store v26:
 * index records only) and EXPIRY records whose target is one. */
static void
owner_records(struct sfx *s, const char *who, unsigned *out_index,
    unsigned *out_other, unsigned *out_expiry)
{
	uint8_t pre[3 + REG_COMMIT_LEN], k[8 + 1 + 128];
	const uint8_t *key, *val;
	size_t key_len, val_len, klen = 0;

	*out_index = *out_other = *out_expiry = 0;
	memcpy(pre, "o/", 2);
	commit_of(who, pre + 2);
	memcpy(k, pre, 2 + REG_COMMIT_LEN);
	klen = 2 + REG_COMMIT_LEN;
	while (ledger_state_seek(s->st, LEDGER_T_PSTATE, k, klen, &key,
	    &key_len, &val, &val_len) == LIEN_OK && key_len >=
	    2 + REG_COMMIT_LEN && memcmp(key, pre, 2 + REG_COMMIT_LEN) == 0) {
		if (key_len == 3 + REG_COMMIT_LEN + 16 &&
		    key[2 + REG_COMMIT_LEN] == 'a')
			(*out_index)++;
		else
			(*out_other)++;
		assert_true(key_len < sizeof k);
		memcpy(k, key, key_len);
		k[key_len] = 0;
		klen = key_len + 1;
	}
	klen = 0;
	while (ledger_state_seek(s->st, LEDGER_T_EXPIRY, k, klen, &key,
	    &key_len, &val, &val_len) == LIEN_OK) {
		if (key_len >= 9 + 2 + REG_COMMIT_LEN &&
		    key[8] == LEDGER_T_PSTATE &&
		    memcmp(key + 9, pre, 2 + REG_COMMIT_LEN) == 0)
			(*out_expiry)++;
		assert_true(key_len < sizeof k);
		memcpy(k, key, key_len);
		k[key_len] = 0;
		klen = key_len + 1;
	}
}

/* The owner burst counts the owner's index (store v26): the same
 * minutes as the per-minute counters it replaces (an application counts
 * while its minute intersects the window), an acting person's records
 * do not count for that person as owner, and an owner has no record at
 * a random key that expires (no counter, no expiry record), so nothing
 * of it is deleted a month later. */
static void
test_registry_owner_burst_index(void **state)
{
	struct fx *f = *state;
	struct sfx s;
	struct reg_request rq;
	char vin[18];
	unsigned nv = 0, ni, no, ne;
	/* 30 s into a minute */
	uint64_t t0 = 10 * DAY + 30000;
	unsigned vrec = REG_ANOMALY_VEHICLE_UNRECORDED;

	registry_rules_default(&f->rules);
	f->rules.multi_bank_min = 0;
	f->rules.inst_burst_max = 0;
	f->rules.owner_burst_max = 2;
	f->rules.owner_burst_window_ms = DAY;
	sfx_open(&s, f);
	for (int i = 0; i < 3; i++) {
		char c[16];

		make_vin(500 + nv++, vin);
		snprintf(c, sizeof c, "OB-%d", i);
		pure_mortgage(&s, &rq, &f->bank_a, vin, c, "owner-b");
		expect_anomaly(&s, &rq, t0 + (uint64_t)i * 1000, vrec |
		    (i == 2 ? REG_ANOMALY_OWNER_BURST : 0),
		    i == 2 ? "owner_burst" : NULL);
	}
	/* a day later, 29 s: the first minute still intersects the window
	 * (three applications in it) */
	make_vin(500 + nv++, vin);
	pure_mortgage(&s, &rq, &f->bank_a, vin, "OB-3", "owner-b");
	expect_anomaly(&s, &rq, t0 + DAY + 29000, vrec |
	    REG_ANOMALY_OWNER_BURST, "owner_burst");
	/* 30 s: it does not; the one of a second ago counts */
	make_vin(500 + nv++, vin);
	pure_mortgage(&s, &rq, &f->bank_a, vin, "OB-4", "owner-b");
	expect_anomaly(&s, &rq, t0 + DAY + 30000, vrec, NULL);

	/* two companies' applications through the same acting person, then
	 * the person's own: the person's index holds three, one counts */
	for (unsigned i = 0; i < 2; i++) {
		char c[16], co[16];

		make_vin(500 + nv++, vin);
		snprintf(c, sizeof c, "CO-%u", i);
		snprintf(co, sizeof co, "company-%u", i);
		pure_mortgage(&s, &rq, &f->bank_b, vin, c, "x");
		company_app(&rq, co, 1);
		expect_anomaly(&s, &rq, t0 + 3 * DAY + i, vrec, NULL);
	}
	make_vin(500 + nv++, vin);
	pure_mortgage(&s, &rq, &f->bank_b, vin, "CO-2", "agent-person");
	expect_anomaly(&s, &rq, t0 + 3 * DAY + 2, vrec, NULL);
	make_vin(500 + nv++, vin);
	pure_mortgage(&s, &rq, &f->bank_b, vin, "CO-3", "agent-person");
	expect_anomaly(&s, &rq, t0 + 3 * DAY + 3, vrec, NULL);
	make_vin(500 + nv++, vin);
	pure_mortgage(&s, &rq, &f->bank_b, vin, "CO-4", "agent-person");
	expect_anomaly(&s, &rq, t0 + 3 * DAY + 4, vrec |
	    REG_ANOMALY_OWNER_BURST, "owner_burst");

	/* the owner's records: its index, nothing that expires */
	owner_records(&s, "owner-b", &ni, &no, &ne);
	assert_int_equal(ni, 5);
	assert_int_equal(no, 0);
	assert_int_equal(ne, 0);
	owner_records(&s, "agent-person", &ni, &no, &ne);
	assert_int_equal(ni, 5);
	assert_int_equal(no + ne, 0);
	sfx_close(&s);
}

/* A non-registry entry whose build writes a registry state record: the
 * stored state no longer follows from the log. */
static enum lien_status LIEN_MUST_CHECK
corrupt_build_fn(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const char *key = arg;

	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	return ledger_state_put(st, LEDGER_T_APPS, key, REG_APP_ID_LEN,
	    "{\"status\":\"approved\"}", 21);
}

/* A non-registry entry whose build marks VIN1's first window element
 * decided (or undecided): state no entry explains. */
static enum lien_status LIEN_MUST_CHECK
window_flip_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t vk[REG_VEHICLE_KEY_LEN], buf[512];
	char k[2 * REG_VEHICLE_KEY_LEN + 1];
	const uint8_t *val;
	size_t n;
	enum lien_status rc;

	(void)arg;
	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	if ((rc = registry_vehicle_key(VIN1, strlen(VIN1), vk)) != LIEN_OK)
		return rc;
	hex_encode(vk, REG_VEHICLE_KEY_LEN, k);
	if ((rc = ledger_state_get(st, LEDGER_T_VWINDOW, k, sizeof k - 1, &val,
	    &n)) != LIEN_OK)
		return rc;
	if (n < 17 || n > sizeof buf)
		return LIEN_ECORRUPT;
	memcpy(buf, val, n);
	buf[8] ^= 0x80;
	return ledger_state_put(st, LEDGER_T_VWINDOW, k, sizeof k - 1, buf, n);
}

/* The undecided flag is state like any other: the private audit replays
 * it and a store whose flag no entry explains fails the audit. */
static void
test_registry_window_audit(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct ledger_item it = { 0, NULL, 0, window_flip_build, NULL };
	struct ledger_receipt r;
	char dir[64], cmd[128], why[256], id[REG_APP_ID_LEN + 1];

	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "T-1", "owner-1", &rq,
	    NULL), LIEN_OK);
	assert_int_equal(mortgage(f, &f->bank_b, VIN1, "T-2", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(id, rq.app_id);
	assert_int_equal(decide(f, &f->officer, id, REG_DECIDE_REJECT,
	    "checked", &rq), LIEN_OK);
	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (registry_replay_audit(f->l, dir, 0, why, sizeof why) != LIEN_OK)
		fail_msg("audit: %s", why);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(registry_replay_audit(f->l, dir, 0, why, sizeof why),
	    LIEN_ECORRUPT);
	assert_non_null(strstr(why, "vwindow"));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the audit's compact scratch store (ledger_scratch_compact) -------- */

struct flip {
	enum ledger_table tb;
	int last;	/* the table's last record, else its first */
	const char *from;	/* the first from this key on (NULL: none) */
};

/* A non-registry entry whose build flips the last byte of one record of
 * a table the compact scratch keeps as digests: state no entry explains.
 * The same entry again flips it back. */
static enum lien_status LIEN_MUST_CHECK
flip_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct flip *fl = arg;
	uint8_t key[256], val[4096];
	const uint8_t *k, *v;
	size_t kl, vl, ckl = 0, cvl = 0;
	enum lien_status rc;

	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	rc = ledger_state_seek(st, fl->tb, fl->from, fl->from ?
	    strlen(fl->from) : 0, &k, &kl, &v, &vl);
	while (rc == LIEN_OK) {
		if (kl + 1 > sizeof key || vl == 0 || vl > sizeof val)
			return LIEN_EINVAL;
		memcpy(key, k, kl);
		memcpy(val, v, vl);
		ckl = kl;
		cvl = vl;
		if (!fl->last)
			break;
		key[ckl] = 0;	/* the least key after this one */
		rc = ledger_state_seek(st, fl->tb, key, ckl + 1, &k, &kl, &v,
		    &vl);
	}
	if (rc != LIEN_OK && (rc != LIEN_ENOTFOUND || cvl == 0))
		return rc;
	val[cvl - 1] ^= 1;
	return ledger_state_put(st, fl->tb, key, ckl, val, cvl);
}

static void
append_flip(struct fx *f, struct flip *fl)
{
	struct ledger_item it = { 0, NULL, 0, flip_build, fl };
	struct ledger_receipt r;

	assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
	assert_int_equal(r.status, LIEN_OK);
}

/* A mortgage applied for and approved, and a restriction sent with an
 * Idempotency-Key: a record in each digest table (papps, notices, idem). */
static void
digest_tables_fill(struct fx *f, const char *vin, const char *owner,
    const char *contract, unsigned tail, char app[REG_APP_ID_LEN + 1])
{
	struct reg_request rq;
	char key[IDEMKEY_LEN + 1];

	assert_int_equal(mortgage(f, &f->bank_a, vin, contract, owner, &rq,
	    NULL), LIEN_OK);
	strcpy(app, rq.app_id);
	assert_int_equal(decide(f, &f->officer, app, REG_DECIDE_APPROVE,
	    "checked", &rq), LIEN_OK);
	/* key times in the order of the calls: the last record is ours */
	idem_key_at((uint64_t)time(NULL) * 1000u + tail, tail, key);
	rq_init(f, &rq, REG_T_RESTRICTION, &f->registry);
	rq.vin = S(vin);
	rq.restriction = REG_RESTR_SEIZED;
	rq.restriction_set = 1;
	rq.reference = S("(2026) Zhe 0102 Zhi 123");
	rq.ev.idem_key = S(key);
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
}

/* fl applied: the full audit (scratch in dir, emptied by cmd) fails
 * naming want; applied again (back): it passes. */
static void
flip_caught(struct fx *f, struct flip *fl, const char *dir, const char *cmd,
    const char *want)
{
	char why[512];

	append_flip(f, fl);
	assert_int_equal(registry_replay_audit(f->l, dir, 0, why, sizeof why),
	    LIEN_ECORRUPT);
	if (strstr(why, want) == NULL)
		fail_msg("%s: %s", want, why);
	assert_int_equal(system(cmd), 0);
	append_flip(f, fl);
	if (registry_replay_audit(f->l, dir, 0, why, sizeof why) != LIEN_OK)
		fail_msg("%s flipped back: %s", want, why);
	assert_int_equal(system(cmd), 0);
}

/* The replay holds the statistics' totals (the counters and the top of
 * the duration tries, rewritten by every decision) through each of its
 * transactions and writes them before the commit (registry/stats_agg.c):
 * committing every two entries, a full and an incremental audit still
 * find the store's totals equal, and a changed counter or trie node is
 * still caught, and named. */
static void
test_registry_replay_audit_stats_totals(void **state)
{
	struct fx *f = *state;
	static const char *const froms[] = { "st/c", "st/q/" };
	char dir[64], kept[64], cmd[160], why[512], app[REG_APP_ID_LEN + 1];
	uint64_t size = 0;

	registry_rules_default(&f->rules);
	registry_replay_txn_entries(2);
	/* a kept replay, then an application and its decision, resumed */
	strcpy(kept, "/tmp/lienlog-test-regstatk-XXXXXX");
	assert_non_null(mkdtemp(kept));
	if (registry_replay_audit_resume(f->l, NULL, kept, 0, 0, 7, &size,
	    NULL, NULL, why, sizeof why) != LIEN_OK)
		fail_msg("kept: %s", why);
	digest_tables_fill(f, VIN1, "owner-1", "T-1", 1, app);
	if (registry_replay_audit_resume(f->l, NULL, kept, 0, size, 7, &size,
	    NULL, NULL, why, sizeof why) != LIEN_OK)
		fail_msg("resumed: %s", why);
	/* the full audit, committing every two entries */
	strcpy(dir, "/tmp/lienlog-test-regstats-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "rm -rf %s/*", dir);
	if (registry_replay_audit(f->l, dir, 0, why, sizeof why) != LIEN_OK)
		fail_msg("audit: %s", why);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < sizeof froms / sizeof froms[0]; i++) {
		struct flip fl = { LEDGER_T_PSTATE, 0, froms[i] };

		flip_caught(f, &fl, dir, cmd, "state table pstate");
	}
	registry_replay_txn_entries(0);
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, kept);
	assert_int_equal(system(cmd), 0);
}

/* The compact scratch keeps digests of the application private state,
 * the notices and the Idempotency-Keys and reads the records from the
 * store: a changed record of each kind is still caught, by the full
 * audit (at the rule that reads it, else at the comparison) and by the
 * incremental one (the records the new entries wrote); an old kept
 * replay (no format mark) is refused with a clear reason. */
static void
test_registry_replay_audit_digest_tables(void **state)
{
	struct fx *f = *state;
	static const struct {
		enum ledger_table tb;
		const char *name;
	} kinds[] = {
		{ LEDGER_T_PAPPS, "papps" },
		{ LEDGER_T_NOTICES, "notices" },
		{ LEDGER_T_IDEM, "idem" },
	};
	char dir[64], kept[64], cmd[160], why[512], app[REG_APP_ID_LEN + 1];
	uint64_t n0, size = 0;

	registry_rules_default(&f->rules);
	digest_tables_fill(f, VIN1, "owner-1", "T-1", 1, app);
	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "rm -rf %s/*", dir);
	if (registry_replay_audit(f->l, dir, 0, why, sizeof why) != LIEN_OK)
		fail_msg("audit: %s", why);
	assert_int_equal(system(cmd), 0);

	/* the full audit: each kind changed, then changed back */
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		struct flip fl = { kinds[i].tb, 0, NULL };

		flip_caught(f, &fl, dir, cmd, kinds[i].name);
	}
	/* the rule that reads the application's private state (the
	 * decision) names the record it was given by the store */
	{
		struct flip fl = { LEDGER_T_PAPPS, 0, NULL };

		append_flip(f, &fl);
		assert_int_equal(registry_replay_audit(f->l, dir, 0, why,
		    sizeof why), LIEN_ECORRUPT);
		if (strstr(why, "state table papps") == NULL ||
		    strstr(why, "the store holds another record") == NULL)
			fail_msg("papps read: %s", why);
		assert_int_equal(system(cmd), 0);
		append_flip(f, &fl);
	}

	/* the incremental audit: a kept replay, new entries, then the last
	 * record of each kind (one the new entries wrote). A difference
	 * found by the comparison leaves the kept replay at the new size
	 * (docs/cli.md): the next kind resumes from its mark. */
	strcpy(kept, "/tmp/lienlog-test-regkept-XXXXXX");
	assert_non_null(mkdtemp(kept));
	if (registry_replay_audit_resume(f->l, NULL, kept, 0, 0, 7, &n0, NULL,
	    NULL, why, sizeof why) != LIEN_OK)
		fail_msg("kept: %s", why);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		struct flip fl = { kinds[i].tb, 1, NULL };
		struct ledger_scratch *sc;
		char vin[18], contract[16];

		make_vin(100 + (unsigned)i, vin);
		record_vehicle(f, vin, "owner-1");
		snprintf(contract, sizeof contract, "T-1%zu", i);
		digest_tables_fill(f, vin, "owner-1", contract, 10 + (unsigned)i,
		    app);
		append_flip(f, &fl);
		if (registry_replay_audit_resume(f->l, NULL, kept, 0, n0, 7,
		    &size, NULL, NULL, why, sizeof why) != LIEN_ECORRUPT ||
		    strstr(why, kinds[i].name) == NULL)
			fail_msg("incremental %s: %s", kinds[i].name, why);
		append_flip(f, &fl);
		assert_int_equal(ledger_scratch_open(kept, &sc), LIEN_OK);
		n0 = ledger_scratch_next(sc, NULL);
		ledger_scratch_close(sc);
	}
	if (registry_replay_audit_resume(f->l, NULL, kept, 0, n0, 7, &size,
	    NULL, NULL, why, sizeof why) != LIEN_OK)
		fail_msg("incremental: %s", why);
	assert_int_equal(size, ledger_size(f->l));
	snprintf(cmd, sizeof cmd, "rm -rf %s", kept);
	assert_int_equal(system(cmd), 0);

	/* a kept replay marked by an earlier version (no format record) */
	{
		struct ledger_scratch *sc;
		struct ledger_state *st;

		assert_int_equal(ledger_scratch_open(dir, &sc), LIEN_OK);
		assert_int_equal(ledger_scratch_begin(sc, &st), LIEN_OK);
		assert_int_equal(ledger_scratch_mark(sc, size, 9), LIEN_OK);
		assert_int_equal(ledger_scratch_commit(sc, st), LIEN_OK);
		ledger_scratch_close(sc);
		assert_int_equal(registry_replay_audit_resume(f->l, NULL, dir,
		    0, size, 9, &size, NULL, NULL, why, sizeof why),
		    LIEN_EUNSUPPORTED);
		if (strstr(why, "older format") == NULL ||
		    strstr(why, "--full") == NULL)
			fail_msg("old kept replay: %s", why);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A replay killed half-way: the child process dies (no abort, no close)
 * at the first progress report. */
static void
die_at_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	(void)total;
	if (done >= REG_REPLAY_PROGRESS_EVERY)
		_exit(0);
}

/* ef226e3: a kept full replay (lienlog audit --resume from nothing)
 * commits every registry_replay_txn_entries entries and marks only at
 * the end, so one killed in the middle leaves an unmarked store holding
 * its commits, which the next full run refuses to replay into (the CLI
 * removes it first) and an incremental run refuses as not its mark. */
static void
kept_replay_killed(struct fx *f)
{
	struct ledger_scratch *sc;
	char kept[64], why[512], cmd[128];
	uint64_t note = 9, commits, size = 0;
	pid_t pid;
	int wst = 0;

	assert_true(ledger_size(f->l) > 2 * REG_REPLAY_PROGRESS_EVERY - 100);
	registry_replay_txn_entries(100);
	strcpy(kept, "/tmp/lienlog-test-regkill-XXXXXX");
	assert_non_null(mkdtemp(kept));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* its own read-only handle: the parent's LMDB environment is
		 * not to be used after fork */
		struct ledger_config c = { 0 };
		struct ledger *l2;
		uint64_t sz;
		char w[256];

		c.dir = f->dir;
		c.flags = LEDGER_RDONLY;
		if (ledger_open(&c, &l2) != LIEN_OK)
			_exit(2);
		if (registry_replay_audit_resume(l2, NULL, kept, 0, 0, 7, &sz,
		    die_at_progress, NULL, w, sizeof w) != LIEN_OK)
			_exit(3);
		_exit(1);	/* not killed: the log is too short */
	}
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst));
	assert_int_equal(WEXITSTATUS(wst), 0);

	/* ~1,000 entries applied, commits every 100: LMDB counted them (its
	 * set-up is transaction 1), and no mark */
	assert_int_equal(ledger_scratch_open(kept, &sc), LIEN_OK);
	assert_int_equal(ledger_scratch_next(sc, &note), 0);
	assert_int_equal(note, 0);
	commits = ledger_scratch_commits(sc);
	if (commits < 1 + 8 || commits > 1 + REG_REPLAY_PROGRESS_EVERY / 100)
		fail_msg("killed replay: %" PRIu64 " commits", commits);
	ledger_scratch_close(sc);

	/* the next full replay refuses the leftover, an incremental one
	 * finds no mark of its resume record */
	assert_int_equal(registry_replay_audit_resume(f->l, NULL, kept, 0, 0,
	    7, &size, NULL, NULL, why, sizeof why), LIEN_EINVAL);
	if (strstr(why, "unfinished replay") == NULL)
		fail_msg("leftover, full: %s", why);
	assert_int_equal(registry_replay_audit_resume(f->l, NULL, kept, 0,
	    1000, 7, &size, NULL, NULL, why, sizeof why), LIEN_EVERIFY);
	if (strstr(why, "does not hold the state at size 1000") == NULL)
		fail_msg("leftover, incremental: %s", why);

	/* removed (as tools/cli_audit.c does), a full run passes: commits
	 * on the way, one mark at the end */
	snprintf(cmd, sizeof cmd, "rm -rf %s/data.mdb %s/lock.mdb", kept,
	    kept);
	assert_int_equal(system(cmd), 0);
	if (registry_replay_audit_resume(f->l, NULL, kept, 0, 0, 7, &size,
	    NULL, NULL, why, sizeof why) != LIEN_OK)
		fail_msg("rebuilt: %s", why);
	assert_int_equal(size, ledger_size(f->l));
	assert_int_equal(ledger_scratch_open(kept, &sc), LIEN_OK);
	assert_int_equal(ledger_scratch_next(sc, &note), size);
	assert_int_equal(note, 7);
	assert_true(ledger_scratch_commits(sc) >= 1 + size / 200);
	ledger_scratch_close(sc);
	registry_replay_txn_entries(0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", kept);
	assert_int_equal(system(cmd), 0);
}

static void
test_registry_replay_audit_random(void **state)
{
	struct fx *f = *state;
	enum { NVEH = 24, BATCH = 48 };
	struct slot *slots = calloc(BATCH, sizeof(*slots));
	struct ledger_item items[BATCH];
	struct ledger_receipt rec[BATCH];
	char (*apps)[REG_APP_ID_LEN + 1] = calloc(4096, sizeof(*apps));
	size_t napps = 0;
	const struct party *banks[2] = { &f->bank_a, &f->bank_b };
	uint64_t rng = 12345, ok = 0, refused = 0;
	char why[512], dir[64], cmd[128];
	char vins[NVEH][18];

	assert_non_null(slots);
	assert_non_null(apps);
	registry_rules_default(&f->rules);
	for (unsigned i = 0; i < NVEH; i++) {
		make_vin(i, vins[i]);
		if (i < NVEH - 4)
			record_vehicle(f, vins[i], i % 3 ? "owner-1" :
			    "owner-2");
	}
	while (ledger_size(f->l) < 2000) {
		for (int b = 0; b < BATCH; b++) {
			struct slot *sl = &slots[b];
			struct reg_request *rq = &sl->rq;
			unsigned pick, v;

			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			pick = (unsigned)(rng >> 33) % 100;
			v = (unsigned)(rng >> 20) % NVEH;
			if (pick < 35 || napps == 0) {
				const struct party *bk = banks[(rng >> 40) & 1];

				rq_init(f, rq, REG_T_MORTGAGE_APPLICATION, bk);
				commit_of(PLATE "330100123456", rq->details);
				snprintf(sl->contract, sizeof sl->contract,
				    "%.2s/K-%u", bk->id,
				    (unsigned)(rng >> 45) % 3000);
				commit_of(sl->contract, rq->contract);
				commit_of(v % 3 ? "owner-1" : "owner-2",
				    rq->owner);
				memcpy(sl->vin, vins[v], 18);
				rq->vin = S(sl->vin);
			} else if (pick < 75) {
				rq_init(f, rq, REG_T_DECISION, &f->officer);
				memcpy(sl->app, apps[(rng >> 24) % napps],
				    sizeof sl->app);
				rq->app = S(sl->app);
				rq->decision = (enum reg_decision)(1 +
				    (rng >> 50) % 3);
				rq->reason = S("checked");
			} else if (pick < 90) {
				rq_init(f, rq, REG_T_RELEASE_APPLICATION,
				    banks[(rng >> 40) & 1]);
				memcpy(sl->app, apps[(rng >> 24) % napps],
				    sizeof sl->app);
				rq->app = S(sl->app);
				memcpy(sl->vin, vins[v], 18);
				rq->vin = S(sl->vin);
				commit_of("owner-1", rq->owner);
			} else {
				rq_init(f, rq, REG_T_RESTRICTION, &f->registry);
				memcpy(sl->vin, vins[v], 18);
				rq->vin = S(sl->vin);
				rq->restriction = (enum reg_restriction)(1 +
				    (rng >> 50) % 5);
				rq->restriction_set = (int)((rng >> 55) & 1);
			}
			/* each slot owns its nonce */
			memcpy(sl->nonce, f->nonce, sizeof sl->nonce);
			rq->ev.nonce = S(sl->nonce);
			items[b] = (struct ledger_item){ (uint16_t)rq->kind,
				NULL, 0, registry_build, rq };
		}
		assert_int_equal(ledger_append_many(f->l, items, BATCH, rec),
		    LIEN_OK);
		for (int b = 0; b < BATCH; b++) {
			if (rec[b].status != LIEN_OK) {
				refused++;
				assert_non_null(slots[b].rq.refusal);
				continue;
			}
			ok++;
			if ((slots[b].rq.kind == REG_T_MORTGAGE_APPLICATION ||
			    slots[b].rq.kind == REG_T_RELEASE_APPLICATION) &&
			    napps < 4096)
				memcpy(apps[napps++], slots[b].rq.app_id,
				    REG_APP_ID_LEN + 1);
		}
	}
	assert_true(ok > 1000);
	assert_true(refused > 0);

	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (registry_replay_audit(f->l, dir, 0, why, sizeof why) != LIEN_OK)
		fail_msg("audit: %s", why);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	kept_replay_killed(f);

	/* an altered state record (written by a non-registry entry) */
	{
		struct ledger_item it = { 0, NULL, 0, corrupt_build_fn,
			apps[0] };
		struct ledger_receipt r;

		assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
		strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
		assert_non_null(mkdtemp(dir));
		assert_int_equal(registry_replay_audit(f->l, dir, 1, why,
		    sizeof why), LIEN_ECORRUPT);
		assert_non_null(strstr(why, "apps"));
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
	free(slots);
	free(apps);
}

/* ---- the owner's index (store v12, pstate "oa/") ----------------------- */

/* The reference: what registry_owner_apps answered up to v11, a scan of
 * every application's private state for its owner or acting person. */
struct owner_ref_walk {
	char want[2 * REG_COMMIT_LEN + 1];
	char ids[64][REG_APP_ID_LEN + 1];
	size_t n;
};

static int
owner_ref_visit(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	struct owner_ref_walk *w = ctx;
	json_t *a = NULL;
	const char *o, *g;

	assert_int_equal(key_len, REG_APP_ID_LEN);
	assert_int_equal(registry_record_parse(val, val_len, &a), LIEN_OK);
	o = json_string_value(json_object_get(a, "owner"));
	g = json_string_value(json_object_get(a, "agent"));
	if ((o != NULL && strcmp(o, w->want) == 0) ||
	    (g != NULL && strcmp(g, w->want) == 0)) {
		assert_true(w->n < 64);
		memcpy(w->ids[w->n], key, REG_APP_ID_LEN);
		w->ids[w->n++][REG_APP_ID_LEN] = 0;
	}
	json_decref(a);
	return 0;
}

/* registry_owner_apps of who equals the scan; *reads = the view's
 * records read for it. Returns the number of applications. */
static size_t
owner_apps_checked(struct fx *f, const char *who, uint64_t *reads)
{
	struct ledger_view *v;
	struct owner_ref_walk *w = calloc(1, sizeof *w);
	char ids[64][REG_APP_ID_LEN + 1];
	uint8_t ref[REG_COMMIT_LEN];
	size_t n = 99;
	uint64_t r0;

	assert_non_null(w);
	commit_of(who, ref);
	hex_encode(ref, sizeof ref, w->want);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	r0 = ledger_view_reads(v);
	assert_int_equal(registry_owner_apps(v, ref, ids, 64, &n), LIEN_OK);
	*reads = ledger_view_reads(v) - r0;
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_PAPPS, NULL, 0,
	    owner_ref_visit, w), LIEN_OK);
	ledger_view_close(v);
	assert_int_equal(n, w->n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(ids[i], w->ids[i]);
	free(w);
	return n;
}

/* A non-registry entry whose build writes an owner index record the log
 * does not explain (arg: the owner's name). */
static enum lien_status LIEN_MUST_CHECK
owner_index_forge(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t k[3 + REG_COMMIT_LEN + 16];

	(void)out;
	(void)cap;
	*out_len = 0;
	/* store v26: "o/" + reference + "a" + be64 time + be64 id number */
	memcpy(k, "o/", 2);
	commit_of(arg, k + 2);
	k[2 + REG_COMMIT_LEN] = 'a';
	be64_put(k + 3 + REG_COMMIT_LEN, time_ms);
	be64_put(k + 11 + REG_COMMIT_LEN, index);
	return ledger_state_put(st, LEDGER_T_PSTATE, k, sizeof k, "o", 1);
}

/* An owner's applications come from the owner's index: the same answer
 * as the scan of every application (the owner's, and a company's by its
 * acting person), the same number of records read however many other
 * applications the registry holds, and a forged index record is refused
 * by the private audit. */
static void
test_registry_owner_index(void **state)
{
	struct fx *f = *state;
	enum { BATCH = 50, ROUNDS = 6 };
	struct slot *slots = calloc(BATCH, sizeof(*slots));
	struct ledger_item items[BATCH];
	struct ledger_receipt rec[BATCH];
	struct reg_request rq;
	char m[REG_APP_ID_LEN + 1];
	uint64_t reads1, reads2, readsa, readsb;
	size_t n1, na;

	assert_non_null(slots);
	/* owner-1: a mortgage, approved, and its release */
	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "C-1", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(release(f, &f->bank_a, VIN1, m, "owner-1", &rq),
	    LIEN_OK);
	assert_int_equal(mortgage(f, &f->bank_b, VIN2, "C-2", "owner-2", &rq,
	    NULL), LIEN_OK);
	/* a company's vehicle: the company and its acting person */
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(VIN3);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("company-C", rq.owner);
	rq.owner_company = 1;
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	rq_init(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->bank_a);
	rq.vin = S(VIN3);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("bank-a/HT-C-1", rq.contract);
	company_app(&rq, "company-C", 1);
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);

	n1 = owner_apps_checked(f, "owner-1", &reads1);
	assert_int_equal(n1, 2);
	assert_int_equal(owner_apps_checked(f, "company-C", &readsb), 1);
	na = owner_apps_checked(f, "agent-person", &readsa);
	assert_int_equal(na, 1);
	assert_int_equal(owner_apps_checked(f, "nobody", &readsb), 0);

	/* 300 more applications of other owners */
	for (int round = 0; round < ROUNDS; round++) {
		for (int b = 0; b < BATCH; b++) {
			struct slot *sl = &slots[b];
			unsigned i = (unsigned)(round * BATCH + b);
			char owner[32];

			rq_init(f, &sl->rq, REG_T_MORTGAGE_APPLICATION,
			    &f->bank_b);
			commit_of(PLATE "330100123456", sl->rq.details);
			snprintf(sl->contract, sizeof sl->contract, "X-%u", i);
			commit_of(sl->contract, sl->rq.contract);
			snprintf(owner, sizeof owner, "other-%u", i % 97);
			commit_of(owner, sl->rq.owner);
			make_vin(1000 + i, sl->vin);
			sl->rq.vin = S(sl->vin);
			memcpy(sl->nonce, f->nonce, sizeof sl->nonce);
			sl->rq.ev.nonce = S(sl->nonce);
			items[b] = (struct ledger_item){ (uint16_t)sl->rq.kind,
				NULL, 0, registry_build, &sl->rq };
		}
		assert_int_equal(ledger_append_many(f->l, items, BATCH, rec),
		    LIEN_OK);
		for (int b = 0; b < BATCH; b++)
			assert_int_equal(rec[b].status, LIEN_OK);
	}
	/* the same answers, and the same records read: the cost is the
	 * owner's applications, not the registry's */
	assert_int_equal(owner_apps_checked(f, "owner-1", &reads2), n1);
	assert_int_equal(reads2, reads1);
	assert_true(reads2 <= n1 + 1);	/* + the record that ends it */
	assert_int_equal(owner_apps_checked(f, "agent-person", &reads2), na);
	/* (+ the record that ends it, once there is one: store v14 has no
	 * pstate "pm/" records, which sorted after every "oa/" one) */
	assert_true(reads2 >= readsa && reads2 <= na + 1);
	assert_int_equal(owner_apps_checked(f, "other-5", &reads2), 4);
	audit_dir(f->l, NULL, 0, LIEN_OK, NULL);

	/* a forged index record: the private audit refuses the store, the
	 * public one cannot see it */
	{
		struct ledger_item it = { 0, NULL, 0, owner_index_forge,
			(void *)"owner-2" };
		struct ledger_receipt r;

		assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
		audit_dir(f->l, NULL, 0, LIEN_ECORRUPT, "pstate");
		audit_dir(f->l, NULL, 1, LIEN_OK, NULL);
	}
	free(slots);
}

/* A non-registry entry whose build puts a subject key back (what a store
 * restored from a backup older than an erasure holds): its record in
 * `subjects` at position (7, slot 0) and its key id's lookup in `keys`,
 * spelled byte for byte (docs/storage.md "keys and subjects"). */
static enum lien_status LIEN_MUST_CHECK
key_back_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *id = arg;
	uint8_t k[2 + REG_SUBJECT_ID_LEN], pos[9] = { 0, 0, 0, 0, 0, 0, 0, 7, 0 };
	uint8_t v[REG_SUBJECT_ID_LEN + REG_COMMIT_LEN + 72];
	enum lien_status rc;

	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	memcpy(k, "d/", 2);
	memcpy(k + 2, id, REG_SUBJECT_ID_LEN);
	memcpy(v, id, REG_SUBJECT_ID_LEN);
	memset(v + REG_SUBJECT_ID_LEN, 0x33, sizeof v - REG_SUBJECT_ID_LEN);
	if ((rc = ledger_state_put(st, LEDGER_T_SUBJECTS, pos, sizeof pos, v,
	    sizeof v)) != LIEN_OK)
		return rc;
	return ledger_state_put(st, LEDGER_T_KEYS, k, sizeof k, pos,
	    sizeof pos);
}

/* A wrapped subject key put back without its lookups (what an erasure
 * that forgot the record would leave): arg is the key id. */
static enum lien_status
key_orphan_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *id = arg;
	uint8_t pos[9] = { 0, 0, 0, 0, 0, 0, 0, 6, 0 };
	uint8_t v[REG_SUBJECT_ID_LEN + REG_COMMIT_LEN + 72];

	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	memcpy(v, id, REG_SUBJECT_ID_LEN);
	memset(v + REG_SUBJECT_ID_LEN, 0x44, sizeof v - REG_SUBJECT_ID_LEN);
	return ledger_state_put(st, LEDGER_T_SUBJECTS, pos, sizeof pos, v,
	    sizeof v);
}

static int
count_visit(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	(void)key;
	(void)key_len;
	(void)val;
	(void)val_len;
	(*(size_t *)ctx)++;
	return 0;
}

/* The number of records in table tb as of v. */
static size_t
table_count(struct ledger_view *v, enum ledger_table tb)
{
	size_t n = 0;

	assert_int_equal(ledger_view_state_scan(v, tb, NULL, 0, count_visit,
	    &n), LIEN_OK);
	return n;
}

static enum lien_status LIEN_MUST_CHECK
erase_audit(struct fx *f, int public_only, char *why, size_t cap)
{
	char dir[64], cmd[128];
	enum lien_status st;

	strcpy(dir, "/tmp/lienlog-test-regerase-XXXXXX");
	assert_non_null(mkdtemp(dir));
	st = registry_replay_audit(f->l, dir, public_only, why, cap);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return st;
}

/* Erasure (type 28, docs/privacy.md "Erasure"): only an administrator,
 * only a live key; the entry holds the key id and the basis; the key and
 * its index are gone, a tombstone stays; a second erasure is refused;
 * both audits pass; a key row that comes back (a restored backup) fails
 * the private audit, not the public one. */
static void
test_registry_erasure(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct reg_keyrec kr;
	struct ledger_receipt r;
	struct ledger_view *v;
	uint8_t wrapped[72], id[REG_SUBJECT_ID_LEN], got[REG_SUBJECT_ID_LEN];
	const uint8_t *raw, *w;
	size_t raw_len, wl;
	struct entry e;
	json_t *p;
	char why[512], hex[2 * REG_SUBJECT_ID_LEN + 1], vin[18];
	int erased = -1;

	/* a vehicle recorded with the owner's new subject key */
	memset(&kr, 0, sizeof kr);
	commit_of("identity-commitment-1", kr.commit);
	memset(kr.id, 0xab, sizeof kr.id);
	memset(wrapped, 0x11, sizeof wrapped);
	kr.wrapped = wrapped;
	kr.wrapped_len = sizeof wrapped;
	memcpy(id, kr.id, sizeof id);
	make_vin(900, vin);
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(vin);
	commit_of(PLATE "330100999999", rq.details);
	commit_of("owner-erased", rq.owner);
	rq.key_system = 0;
	memcpy(rq.key_id, id, sizeof id);
	rq.newkey[0] = &kr;
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_subject_find(v, kr.commit, got), LIEN_OK);
	assert_memory_equal(got, id, sizeof id);
	assert_int_equal(registry_subject_key(v, id, &w, &wl, &erased),
	    LIEN_OK);
	assert_int_equal(erased, 0);
	ledger_view_close(v);

	/* refusals: not an administrator; a key id nobody has */
	rq_init(f, &rq, REG_T_ERASURE, &f->officer);
	memcpy(rq.subject, id, sizeof id);
	rq.basis = REG_BASIS_CONSENT;
	assert_int_not_equal(submit(f, &rq, NULL), LIEN_OK);
	assert_string_equal(rq.refusal, "role_forbidden");
	rq_init(f, &rq, REG_T_ERASURE, &f->admin);
	memset(rq.subject, 0xcd, sizeof rq.subject);
	rq.basis = REG_BASIS_CONSENT;
	assert_int_equal(submit(f, &rq, NULL), LIEN_ENOTFOUND);
	assert_string_equal(rq.refusal, "subject_unknown");

	/* the erasure */
	rq_init(f, &rq, REG_T_ERASURE, &f->admin);
	memcpy(rq.subject, id, sizeof id);
	rq.basis = REG_BASIS_CONSENT;
	assert_int_equal(submit(f, &rq, &r), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_entry(v, r.index, &raw, &raw_len),
	    LIEN_OK);
	assert_int_equal(entry_decode(raw, raw_len, &e), LIEN_OK);
	assert_int_equal(e.type, REG_T_ERASURE);
	assert_int_equal(jcs_parse((const char *)e.payload, e.payload_len, 0,
	    &p), LIEN_OK);
	hex_encode(id, sizeof id, hex);
	assert_string_equal(json_string_value(json_object_get(p, "subject")),
	    hex);
	assert_string_equal(json_string_value(json_object_get(p, "basis")),
	    "pipl47_consent");
	/* v, step, signer, subject, basis, private: nothing else */
	assert_int_equal(json_object_size(p), 6);
	json_decref(p);
	assert_int_equal(registry_subject_find(v, kr.commit, got),
	    LIEN_ENOTFOUND);
	assert_int_equal(registry_subject_key(v, id, &w, &wl, &erased),
	    LIEN_ENOTFOUND);
	assert_int_equal(erased, 1);
	/* the wrapped key and both its lookups are gone */
	assert_int_equal(table_count(v, LEDGER_T_SUBJECTS), 0);
	assert_int_equal(table_count(v, LEDGER_T_KEYS), 0);
	ledger_view_close(v);

	/* again: refused by the tombstone */
	rq_init(f, &rq, REG_T_ERASURE, &f->admin);
	memcpy(rq.subject, id, sizeof id);
	rq.basis = REG_BASIS_PURPOSE;
	assert_int_equal(submit(f, &rq, NULL), LIEN_ECONFLICT);
	assert_string_equal(rq.refusal, "already_erased");

	if (erase_audit(f, 0, why, sizeof why) != LIEN_OK)
		fail_msg("private audit after erasure: %s", why);
	if (erase_audit(f, 1, why, sizeof why) != LIEN_OK)
		fail_msg("public audit after erasure: %s", why);

	/* the wrapped key kept without its lookups: the private audit finds
	 * it by the tables' counts (no lookup leads to it) */
	{
		struct ledger_item it = { 0, NULL, 0, key_orphan_build, id };

		assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
	}
	assert_int_equal(erase_audit(f, 0, why, sizeof why), LIEN_ECORRUPT);
	assert_non_null(strstr(why, "subjects:"));
	if (erase_audit(f, 1, why, sizeof why) != LIEN_OK)
		fail_msg("public audit with an orphan key: %s", why);

	/* the key comes back (a restored backup): the private audit says so */
	{
		struct ledger_item it = { 0, NULL, 0, key_back_build, id };

		assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
	}
	assert_int_equal(erase_audit(f, 0, why, sizeof why), LIEN_ECORRUPT);
	assert_non_null(strstr(why, hex));
	if (erase_audit(f, 1, why, sizeof why) != LIEN_OK)
		fail_msg("public audit with a key back: %s", why);
}

/* A build that puts raw bytes in a subject table (a damaged store). */
struct raw_put {
	enum ledger_table tb;
	const uint8_t *k, *v;
	size_t kl, vl;
};

static enum lien_status LIEN_MUST_CHECK
raw_put_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct raw_put *rp = arg;

	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	return ledger_state_put(st, rp->tb, rp->k, rp->kl, rp->v, rp->vl);
}

static void
raw_put(struct fx *f, enum ledger_table tb, const void *k, size_t kl,
    const void *v, size_t vl)
{
	struct raw_put rp = { tb, k, v, kl, vl };
	struct ledger_item it = { 0, NULL, 0, raw_put_build, &rp };
	struct ledger_receipt r;

	assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
}

/* The `keys` lookup prefix || b (spelled here, not through the
 * registry's builders) holds the 9-byte position pos. */
static void
lookup_names(struct ledger_view *v, const char *prefix, const uint8_t *b,
    size_t n, const uint8_t pos[9])
{
	uint8_t k[2 + REG_COMMIT_LEN];
	const uint8_t *val;
	size_t vl;

	assert_true(n <= REG_COMMIT_LEN);
	memcpy(k, prefix, 2);
	memcpy(k + 2, b, n);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_KEYS, k, 2 + n,
	    &val, &vl), LIEN_OK);
	assert_int_equal(vl, 9);
	assert_memory_equal(val, pos, 9);
}

/* Subject keys (store v32, docs/storage.md "keys and subjects"): a new
 * subject's record lies in `subjects` under the number of the entry that
 * created it and its slot, in log order (id || commitment || wrapped
 * key), and `keys` holds only the two 9-byte lookups, by commitment and
 * by key id; the key id is the request's, never the position. */
static void
test_registry_subject_layout(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct reg_keyrec kr[2];
	struct ledger_receipt r[2];
	struct ledger_view *v;
	uint8_t wrapped[72], got[REG_SUBJECT_ID_LEN], k[2 + REG_COMMIT_LEN];
	uint8_t pos[9];
	const uint8_t *val, *w;
	size_t n, wl;
	char vin[18];
	int erased;

	memset(wrapped, 0x11, sizeof wrapped);
	for (unsigned i = 0; i < 2; i++) {
		memset(&kr[i], 0, sizeof kr[i]);
		commit_of(i ? "identity-commitment-b" : "identity-commitment-a",
		    kr[i].commit);
		/* ids in the opposite order of creation */
		memset(kr[i].id, i ? 0x01 : 0xfe, sizeof kr[i].id);
		kr[i].wrapped = wrapped;
		kr[i].wrapped_len = sizeof wrapped;
		make_vin(910 + i, vin);
		rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
		rq.vin = S(vin);
		commit_of(i ? PLATE "330100999991" : PLATE "330100999992",
		    rq.details);
		commit_of(i ? "owner-b" : "owner-a", rq.owner);
		rq.key_system = 0;
		memcpy(rq.key_id, kr[i].id, sizeof kr[i].id);
		rq.newkey[0] = &kr[i];
		assert_int_equal(submit(f, &rq, &r[i]), LIEN_OK);
	}
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(table_count(v, LEDGER_T_SUBJECTS), 2);
	assert_int_equal(table_count(v, LEDGER_T_KEYS), 4);
	for (unsigned i = 0; i < 2; i++) {
		be64_put(pos, r[i].index);	/* the fixture's base is 0 */
		pos[8] = 0;
		assert_int_equal(ledger_view_state_get(v, LEDGER_T_SUBJECTS,
		    pos, sizeof pos, &val, &n), LIEN_OK);
		assert_int_equal(n, REG_SUBJECT_ID_LEN + REG_COMMIT_LEN +
		    sizeof wrapped);
		assert_memory_equal(val, kr[i].id, REG_SUBJECT_ID_LEN);
		assert_memory_equal(val + REG_SUBJECT_ID_LEN, kr[i].commit,
		    REG_COMMIT_LEN);
		assert_memory_equal(val + REG_SUBJECT_ID_LEN + REG_COMMIT_LEN,
		    wrapped, sizeof wrapped);
		lookup_names(v, "s/", kr[i].commit, REG_COMMIT_LEN, pos);
		lookup_names(v, "d/", kr[i].id, REG_SUBJECT_ID_LEN, pos);
		assert_int_equal(registry_subject_find(v, kr[i].commit, got),
		    LIEN_OK);
		assert_memory_equal(got, kr[i].id, sizeof got);
		assert_int_equal(registry_subject_key(v, kr[i].id, &w, &wl,
		    &erased), LIEN_OK);
		assert_int_equal(wl, sizeof wrapped);
	}
	ledger_view_close(v);

	/* a second first request of subject a is refused while a lives */
	make_vin(912, vin);
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(vin);
	commit_of(PLATE "330100999993", rq.details);
	commit_of("owner-a2", rq.owner);
	{
		struct reg_keyrec again = kr[0];

		memset(again.id, 0x55, sizeof again.id);
		rq.key_system = 0;
		memcpy(rq.key_id, again.id, sizeof again.id);
		rq.newkey[0] = &again;
		assert_int_equal(submit(f, &rq, NULL), LIEN_ECONFLICT);
		assert_string_equal(rq.refusal, "subject_retry");
	}

	/* damaged stores: a lookup of 8 bytes, of slot 2, one naming no
	 * record, a record too short to hold a wrapped key */
	{
		static const uint8_t id8[REG_SUBJECT_ID_LEN] = { 8 };
		static const uint8_t id2[REG_SUBJECT_ID_LEN] = { 2 };
		static const uint8_t idn[REG_SUBJECT_ID_LEN] = { 9 };
		static const uint8_t ids[REG_SUBJECT_ID_LEN] = { 4 };
		static const uint8_t p8[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
		static const uint8_t p2[9] = { 0, 0, 0, 0, 0, 0, 0, 1, 2 };
		static const uint8_t pn[9] = { 0, 0, 0, 0, 0, 0, 0x7f, 0, 0 };
		static const uint8_t ps[9] = { 0, 0, 0, 0, 0, 0, 0x7e, 0, 0 };
		uint8_t shortrec[REG_SUBJECT_ID_LEN + REG_COMMIT_LEN];
		const uint8_t *bad[] = { id8, id2, idn, ids };

		memcpy(k, "d/", 2);
		memcpy(k + 2, id8, sizeof id8);
		raw_put(f, LEDGER_T_KEYS, k, 2 + REG_SUBJECT_ID_LEN, p8, 8);
		memcpy(k + 2, id2, sizeof id2);
		raw_put(f, LEDGER_T_KEYS, k, 2 + REG_SUBJECT_ID_LEN, p2, 9);
		memcpy(k + 2, idn, sizeof idn);
		raw_put(f, LEDGER_T_KEYS, k, 2 + REG_SUBJECT_ID_LEN, pn, 9);
		memcpy(k + 2, ids, sizeof ids);
		raw_put(f, LEDGER_T_KEYS, k, 2 + REG_SUBJECT_ID_LEN, ps, 9);
		memcpy(shortrec, ids, sizeof ids);
		memset(shortrec + sizeof ids, 0x44, REG_COMMIT_LEN);
		raw_put(f, LEDGER_T_SUBJECTS, ps, 9, shortrec, sizeof shortrec);
		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			assert_int_equal(registry_subject_key(v, bad[i], &w,
			    &wl, &erased), LIEN_ECORRUPT);
		ledger_view_close(v);
	}
}

/* The decoders of the subject tables' values: exact lengths only. */
static void
test_registry_subject_decoders(void **state)
{
	uint8_t b[REG_SUBJECT_ID_LEN + REG_COMMIT_LEN + REG_WRAPPED_MAX + 1];
	struct rg_subject_rec rec;

	(void)state;
	memset(b, 0, sizeof b);
	assert_int_equal(rg_subject_pos_check(b, 9), LIEN_OK);
	b[8] = 1;
	assert_int_equal(rg_subject_pos_check(b, 9), LIEN_OK);
	b[8] = 2;
	assert_int_equal(rg_subject_pos_check(b, 9), LIEN_ECORRUPT);
	b[8] = 0;
	assert_int_equal(rg_subject_pos_check(b, 0), LIEN_ECORRUPT);
	assert_int_equal(rg_subject_pos_check(b, 8), LIEN_ECORRUPT);
	assert_int_equal(rg_subject_pos_check(b, 10), LIEN_ECORRUPT);
	for (size_t n = 0; n <= REG_SUBJECT_ID_LEN + REG_COMMIT_LEN; n++)
		assert_int_equal(rg_subject_rec_parse(b, n, &rec),
		    LIEN_ECORRUPT);
	assert_null(rec.id);
	assert_int_equal(rg_subject_rec_parse(b, sizeof b, &rec),
	    LIEN_ECORRUPT);
	assert_int_equal(rg_subject_rec_parse(b, sizeof b - 1, &rec), LIEN_OK);
	assert_ptr_equal(rec.id, b);
	assert_ptr_equal(rec.commit, b + REG_SUBJECT_ID_LEN);
	assert_ptr_equal(rec.wrapped, b + REG_SUBJECT_ID_LEN + REG_COMMIT_LEN);
	assert_int_equal(rec.wrapped_len, REG_WRAPPED_MAX);
	assert_int_equal(rg_subject_rec_parse(b, REG_SUBJECT_ID_LEN +
	    REG_COMMIT_LEN + 1, &rec), LIEN_OK);
	assert_int_equal(rec.wrapped_len, 1);
}

/* An entry the rules would have refused, written around the registry:
 * the audit names its index. */
static void
test_registry_replay_audit_illegal(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct ledger_receipt r;
	char m[REG_APP_ID_LEN + 1], why[512], dir[64], cmd[128], idx[32];
	struct sfx s;

	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "HT-1", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	assert_int_equal(restrict_vehicle(f, VIN1, REG_RESTR_SEIZED, 1, &rq),
	    LIEN_OK);
	/* make the approval payload on a copy of the state without the
	 * seizure: a scratch store where only the mortgage exists */
	sfx_open(&s, f);
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "HT-1", "owner-1");
	/* same index as on the ledger (the app id names it): same app id */
	s.index = strtoull(m + 1, NULL, 16);
	{
		struct ledger_view *v;
		char *js;
		size_t n;

		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(registry_app_get(v, m, strlen(m), 0, &js, &n),
		    LIEN_OK);
		free(js);
		ledger_view_close(v);
	}
	assert_int_equal(run_at(&s, &rq, 5000), LIEN_OK);
	assert_string_equal(rq.app_id, m);
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(m);
	rq.decision = REG_DECIDE_APPROVE;
	assert_int_equal(run_at(&s, &rq, 6000), LIEN_OK);
	/* append those bytes raw: no rules, no state change */
	assert_int_equal(ledger_append(f->l, REG_T_DECISION, s.out, s.out_len,
	    &r), LIEN_OK);
	sfx_close(&s);
	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(registry_replay_audit(f->l, dir, 1, why, sizeof why),
	    LIEN_ECORRUPT);
	snprintf(idx, sizeof idx, "entry %" PRIu64 ":", r.index);
	assert_non_null(strstr(why, idx));
	assert_non_null(strstr(why, "vehicle_seized"));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A non-registry entry whose build puts entry `from`'s private record
 * (packed, as stored) under entry `to`'s index: a record the payload of
 * `to` does not commit to. */
struct priv_swap {
	uint64_t from, to;
};

static enum lien_status LIEN_MUST_CHECK
priv_swap_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct priv_swap *sw = arg;
	uint8_t kf[8], kt[8], val[8192];
	const uint8_t *v;
	size_t vl;
	enum lien_status rc;

	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	be64_put(kf, sw->from);
	be64_put(kt, sw->to);
	if ((rc = ledger_state_get(st, LEDGER_T_PRIVATE, kf, 8, &v, &vl)) !=
	    LIEN_OK)
		return rc;
	if (vl > sizeof val)
		return LIEN_EINVAL;
	memcpy(val, v, vl);	/* v is the store's until the put */
	return ledger_state_put(st, LEDGER_T_PRIVATE, kt, 8, val, vl);
}

/* The replay with and without its reader (registry/pipeline.c): the same
 * verdict and message; with one, the reader handed over every entry
 * (so a log longer than its ring came through in order: an entry out of
 * order would not decode at its index). */
static enum lien_status
audit_both(struct fx *f, const char *dir, char *why, size_t why_cap,
    uint64_t *handed_out)
{
	char why0[512], cmd[128];
	enum lien_status r1, r0;
	uint64_t handed;

	snprintf(cmd, sizeof cmd, "rm -rf %s/*", dir);
	registry_replay_pipeline(1);
	r1 = registry_replay_audit(f->l, dir, 0, why, why_cap);
	handed = registry_replay_pipeline_last();
	assert_int_equal(system(cmd), 0);
	registry_replay_pipeline(0);
	r0 = registry_replay_audit(f->l, dir, 0, why0, sizeof why0);
	assert_int_equal(registry_replay_pipeline_last(), 0);
	registry_replay_pipeline(1);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(r1, r0);
	assert_string_equal(why, why0);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && handed == 0)
		fail_msg("the replay had no reader");
	if (handed_out != NULL)
		*handed_out = handed;
	return r1;
}

/* The replay's reader delivers the entries in order and the same
 * finding at the same entry as the replay on one thread: a private
 * record swapped for another entry's (its commitment no longer matches
 * the payload: the check the reader feeds with the hash it computed),
 * past the reader's ring (256 entries) and 300 entries before the end,
 * which the reader has read ahead and the replay must drop (freed: the
 * sanitizer build's leak check) when it stops. */
static void
test_registry_replay_pipeline(void **state)
{
	struct fx *f = *state;
	char why[512], dir[64], cmd[128], want[64], vin[18];
	struct priv_swap sw;
	struct ledger_item it = { 0, NULL, 0, priv_swap_build, &sw };
	struct ledger_receipt r;
	uint64_t n, handed = 0;

	for (unsigned i = 0; i < 600; i++) {
		make_vin(i, vin);
		record_vehicle(f, vin, "owner-1");
	}
	strcpy(dir, "/tmp/lienlog-test-regpipe-XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (audit_both(f, dir, why, sizeof why, &handed) != LIEN_OK)
		fail_msg("audit: %s", why);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		assert_int_equal(handed, ledger_size(f->l));

	/* entry n's record is the one of the registry entry before it
	 * (each batch ends with a state root, which has none) */
	{
		struct ledger_view *v;
		uint8_t *pr;
		size_t pl;

		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		for (n = ledger_size(f->l) - 300; registry_private_get(v, n,
		    &pr, &pl) != LIEN_OK; n++)
			;
		free(pr);
		for (sw.from = n - 1; registry_private_get(v, sw.from, &pr,
		    &pl) != LIEN_OK; sw.from--)
			;
		free(pr);
		ledger_view_close(v);
	}
	sw.to = n;
	assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
	assert_int_equal(r.status, LIEN_OK);
	assert_int_equal(audit_both(f, dir, why, sizeof why, NULL),
	    LIEN_ECORRUPT);
	snprintf(want, sizeof want, "entry %" PRIu64 ": illegal", n);
	if (strstr(why, want) == NULL ||
	    strstr(why, "private_not_committed") == NULL)
		fail_msg("swapped: %s", why);

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- EMS certificate delivery (type 30) ---- */

#define POST_USCC "91330400MA2B00009G"

static enum lien_status LIEN_MUST_CHECK
deliver(struct fx *f, const struct party *who, const char *app,
    enum reg_delivery_event e, const char *tracking, struct reg_request *rq)
{
	rq_init(f, rq, REG_T_DELIVERY_EVENT, who);
	rq->app = S(app);
	rq->delivery_event = e;
	rq->tracking = S(tracking);
	return submit(f, rq, NULL);
}

/* Outbox records of one application (n/...) and reminders (r/...). */
struct nscan {
	const char *app;
	size_t n, reminders;
	char kind[16][16];
	char term_end[16];
};

static int
nscan_visit(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *val,
    size_t val_len)
{
	struct nscan *ns = ctx;
	json_t *o = NULL;
	const char *k;
	char name[REG_NOTICE_NAME_MAX + 1];

	/* the notices table's keys are binary (store v22), named as
	 * "n/<index>/<kind>" */
	if (key_len == REG_NOTICE_KEY_LEN && registry_notice_name(key,
	    key_len, name) == LIEN_OK) {
		key = (const uint8_t *)name;
		key_len = strlen(name);
	}
	if (key_len < 2 || (memcmp(key, "n/", 2) != 0 &&
	    memcmp(key, "r/", 2) != 0))
		return 1;
	assert_int_equal(registry_record_parse(val, val_len, &o), LIEN_OK);
	if (strcmp(json_string_value(json_object_get(o, "app")), ns->app) ==
	    0) {
		if (key[0] == 'r') {
			ns->reminders++;
			snprintf(ns->term_end, sizeof ns->term_end, "%s",
			    json_string_value(json_object_get(o, "term_end")));
		} else if (ns->n < 16) {
			k = json_string_value(json_object_get(o, "kind"));
			snprintf(ns->kind[ns->n++], 16, "%s", k);
		}
	}
	json_decref(o);
	return 0;
}

/* A mortgage with the loan's term end: a reminder record once approved
 * (none before, none for a rejected one); a malformed term end is
 * refused. */
static void
test_registry_reminders(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct ledger_view *v;
	struct nscan ns;
	char m[REG_APP_ID_LEN + 1];
	uint64_t ms;

	assert_int_equal(registry_date_parse("2027-02-28", 10, &ms), LIEN_OK);
	assert_int_equal(ms, 1803772800000ull);
	assert_int_equal(registry_date_parse("2028-02-29", 10, NULL), LIEN_OK);
	assert_int_equal(registry_date_parse("2027-02-29", 10, NULL),
	    LIEN_EPARSE);
	assert_int_equal(registry_date_parse("2027-13-01", 10, NULL),
	    LIEN_EPARSE);
	assert_int_equal(registry_date_parse("1999-12-31", 10, NULL),
	    LIEN_EPARSE);
	assert_int_equal(registry_date_parse("2027-1-01", 9, NULL),
	    LIEN_EPARSE);
	rq_init(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->bank_a);
	rq.vin = S(VIN1);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("bank-a/HT-7", rq.contract);
	commit_of("owner-1", rq.owner);
	rq.term_end = S("2027-02-30");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "term_end_invalid");
	rq.term_end = S("2027-02-28");
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	memset(&ns, 0, sizeof ns);
	ns.app = m;
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_PSTATE, "r/", 2,
	    nscan_visit, &ns), LIEN_OK);
	ledger_view_close(v);
	assert_int_equal(ns.reminders, 0);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	memset(&ns, 0, sizeof ns);
	ns.app = m;
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_scan(v, LEDGER_T_PSTATE, "r/", 2,
	    nscan_visit, &ns), LIEN_OK);
	ledger_view_close(v);
	assert_int_equal(ns.reminders, 1);
	assert_string_equal(ns.term_end, "2027-02-28");
	audit_dir(f->l, NULL, 0, LIEN_OK, NULL);
}

/* ---- the statistics' running totals (store v13, pstate "st/") ---------- */

/* One round of traffic for the statistics: mortgages by both banks (some
 * on unrecorded vehicles: diverted with a reason; some with a term end),
 * approvals, rejections, officer diversions then decisions, releases,
 * and certificate deliveries. */
static void
stats_round(struct fx *f, const struct party *post, unsigned round)
{
	struct reg_request rq;
	char m[REG_APP_ID_LEN + 1], c[32], vin[18], own[32];

	for (unsigned i = 0; i < 24; i++) {
		const struct party *bank = i % 3 ? &f->bank_a : &f->bank_b;
		unsigned n = round * 100 + i;

		make_vin(5000 + n, vin);
		snprintf(own, sizeof own, "stats-owner-%u", n);
		if (i % 4 != 3)
			record_vehicle(f, vin, own);
		snprintf(c, sizeof c, "S-%u", n);
		rq_init(f, &rq, REG_T_MORTGAGE_APPLICATION, bank);
		rq.vin = S(vin);
		commit_of(PLATE "330100123456", rq.details);
		commit_of(c, rq.contract);
		commit_of(own, rq.owner);
		if (i % 2 == 0)
			rq.term_end = S("2030-06-30");
		assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
		strcpy(m, rq.app_id);
		switch (i % 6) {
		case 0:		/* approved, delivered, released */
		case 1:
			if (i % 4 == 3)
				break;	/* unrecorded: left diverted */
			assert_int_equal(decide(f, &f->officer, m,
			    REG_DECIDE_APPROVE, NULL, &rq), LIEN_OK);
			assert_int_equal(deliver(f, post, m,
			    REG_DELIVERY_PICKED_UP, "EA1CN", &rq), LIEN_OK);
			assert_int_equal(deliver(f, &f->officer, m,
			    REG_DELIVERY_ENDORSED, NULL, &rq), LIEN_OK);
			assert_int_equal(deliver(f, post, m,
			    REG_DELIVERY_DISPATCHED, NULL, &rq), LIEN_OK);
			assert_int_equal(deliver(f, post, m,
			    REG_DELIVERY_DELIVERED, NULL, &rq), LIEN_OK);
			if (i % 6 == 1) {
				assert_int_equal(release(f, bank, vin, m, own,
				    &rq), LIEN_OK);
				strcpy(m, rq.app_id);	/* rq is reused */
				if (i % 12 == 1)
					assert_int_equal(decide(f,
					    &f->officer, m,
					    REG_DECIDE_APPROVE, NULL, &rq),
					    LIEN_OK);
			}
			break;
		case 2:		/* rejected */
			assert_int_equal(decide(f, &f->officer, m,
			    REG_DECIDE_REJECT, "no", &rq), LIEN_OK);
			break;
		case 3:		/* diverted by the officer (unless already) */
			if (i % 4 != 3)
				assert_int_equal(decide(f, &f->officer, m,
				    REG_DECIDE_IN_PERSON, NULL, &rq), LIEN_OK);
			if (i % 12 == 9)
				assert_int_equal(decide(f, &f->officer, m,
				    REG_DECIDE_APPROVE, NULL, &rq), LIEN_OK);
			break;
		case 4:		/* diverted, then rejected */
			if (i % 4 != 3)
				assert_int_equal(decide(f, &f->officer, m,
				    REG_DECIDE_IN_PERSON, NULL, &rq), LIEN_OK);
			assert_int_equal(decide(f, &f->officer, m,
			    REG_DECIDE_REJECT, "no", &rq), LIEN_OK);
			break;
		default:	/* left submitted */
			break;
		}
	}
}

/* The totals' answer and the log walk's, byte for byte; *reads: the
 * records the totals read. */
static void
stats_same(struct fx *f, const char *party, uint64_t *reads)
{
	struct ledger_view *v;
	char *a = NULL, *b = NULL, *c = NULL;
	size_t an, bn, cn;
	uint64_t r0;

	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_statistics(v, 0, REG_TIME_MAX, party, &a,
	    &an), LIEN_OK);
	r0 = ledger_view_reads(v);
	assert_int_equal(registry_statistics_totals(v, 0, REG_TIME_MAX, party,
	    &b, &bn), LIEN_OK);
	if (reads != NULL)
		*reads = ledger_view_reads(v) - r0;
	/* what the route serves for a period covering the log */
	assert_int_equal(registry_statistics_read(v, 1000, REG_TIME_MAX - 1,
	    party, &c, &cn), LIEN_OK);
	assert_string_equal(b, a);
	assert_int_equal(bn, an);
	if (party == NULL) {	/* /metrics: the total alone, 31 records */
		json_t *j = NULL;
		char *t = NULL, *want = NULL;
		size_t tn, wn;

		r0 = ledger_view_reads(v);
		assert_int_equal(registry_statistics_total(v, &t, &tn),
		    LIEN_OK);
		assert_true(ledger_view_reads(v) - r0 <= 31);
		assert_int_equal(jcs_parse(a, an, 0, &j), LIEN_OK);
		assert_int_equal(jcs_serialize(json_object_get(j, "total"),
		    &want, &wn), LIEN_OK);
		assert_string_equal(t, want);
		json_decref(j);
		free(t);
		free(want);
	}
	ledger_view_close(v);
	free(a);
	free(b);
	assert_non_null(strstr(c, "\"from_ms\":1000,"));
	free(c);
}

/* A non-registry entry whose build adds one to the approvals of every
 * institution's running total. */
static enum lien_status LIEN_MUST_CHECK
stats_forge(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *v;
	uint8_t c[512];
	size_t n;
	enum lien_status rc;

	(void)arg;
	(void)index;
	(void)time_ms;
	(void)out;
	(void)cap;
	*out_len = 0;
	if ((rc = ledger_state_get(st, LEDGER_T_PSTATE, "st/c", 4, &v, &n)) !=
	    LIEN_OK)
		return rc;
	assert_true(n <= sizeof c && n >= 48);
	memcpy(c, v, n);
	c[5 * 8 + 7]++;		/* approved, the low byte */
	return ledger_state_put(st, LEDGER_T_PSTATE, "st/c", 4, c, n);
}

/* GET /metrics and GET /v1/statistics over the whole log read the
 * running totals: the same JSON as the walk of the log (every
 * institution, each one, one without applications), the same number of
 * records read at two sizes of the log, and a store whose totals the log
 * does not explain is refused by the private audit. */
static void
test_registry_statistics_totals(void **state)
{
	struct fx *f = *state;
	struct party post;
	uint64_t reads1, reads2, readsa1, readsa2;
	struct ledger_view *v;
	char *out;
	size_t n;

	party_init(&post, POST_USCC, REG_ROLE_POST);
	file_party(f, &post);
	/* nothing yet: zeros, no institution */
	stats_same(f, NULL, NULL);
	stats_round(f, &post, 0);
	stats_same(f, NULL, &reads1);
	stats_same(f, BANK_A, &readsa1);
	stats_same(f, BANK_B, NULL);
	stats_same(f, "91110000000000000X", NULL);
	stats_round(f, &post, 1);
	stats_round(f, &post, 2);
	stats_same(f, NULL, &reads2);
	stats_same(f, BANK_A, &readsa2);
	stats_same(f, BANK_B, NULL);
	/* the cost is the institutions', not the log's */
	assert_int_equal(reads2, reads1);
	assert_int_equal(readsa2, readsa1);
	assert_true(reads1 < 200);
	/* a bounded period is walked from the log, as before */
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_statistics_read(v, 0, 1000, NULL, &out, &n),
	    LIEN_OK);
	ledger_view_close(v);
	assert_non_null(strstr(out, "\"applications\":0,"));
	free(out);
	audit_dir(f->l, NULL, 0, LIEN_OK, NULL);
	{
		struct ledger_item it = { 0, NULL, 0, stats_forge, NULL };
		struct ledger_receipt r;

		assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
		audit_dir(f->l, NULL, 0, LIEN_ECORRUPT, "pstate");
	}
}

/* The post office is filed under a credit code; events only for an
 * approved application, in order, by the right role, nothing after
 * delivery; the application is complete when delivered; both audits
 * replay it; an out-of-order event forged into the log is named by the
 * public audit. */
static void
test_registry_delivery(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct ledger_receipt r;
	struct party post, bad;
	char m[REG_APP_ID_LEN + 1], why[512], dir[64], cmd[128], idx[32];
	uint64_t mix;
	json_t *a;
	struct sfx s;

	party_init(&post, POST_USCC, REG_ROLE_POST);
	party_init(&bad, "post-jx", REG_ROLE_POST);
	rq_init(f, &rq, REG_T_PARTY_FILE, &f->admin);
	rq.party = S(bad.id);
	rq.party_role = REG_ROLE_POST;
	rq.name = S("EMS");
	rq.cert_der = bad.cert;
	rq.cert_der_len = bad.cert_len;
	rq.cert_not_after_ms = 4102444800000ull;
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "uscc_invalid");
	file_party(f, &post);

	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "HT-1", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	REFUSE(deliver(f, &post, m, REG_DELIVERY_PICKED_UP, "EA1CN", &rq),
	    LIEN_ECONFLICT, "application_not_approved");
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	REFUSE(deliver(f, &post, "A0000000000000999", REG_DELIVERY_PICKED_UP,
	    "EA1CN", &rq), LIEN_ENOTFOUND, "application_unknown");
	REFUSE(deliver(f, &post, m, REG_DELIVERY_DISPATCHED, NULL, &rq),
	    LIEN_ECONFLICT, "delivery_out_of_order");
	REFUSE(deliver(f, &post, m, REG_DELIVERY_PICKED_UP, NULL, &rq),
	    LIEN_EPARSE, "tracking_required");
	REFUSE(deliver(f, &post, m, REG_DELIVERY_ENDORSED, "EA1CN", &rq),
	    LIEN_EPARSE, "field_unknown");
	REFUSE(deliver(f, &f->officer, m, REG_DELIVERY_PICKED_UP, "EA1CN",
	    &rq), LIEN_EKEY, "role_forbidden");
	REFUSE(deliver(f, &f->bank_a, m, REG_DELIVERY_PICKED_UP, "EA1CN",
	    &rq), LIEN_EKEY, "role_forbidden");
	REFUSE(deliver(f, &post, m, (enum reg_delivery_event)9, NULL, &rq),
	    LIEN_EPARSE, "event_invalid");
	assert_int_equal(deliver(f, &post, m, REG_DELIVERY_PICKED_UP, "EA1CN",
	    &rq), LIEN_OK);
	assert_string_equal(rq.app_id, m);
	REFUSE(deliver(f, &post, m, REG_DELIVERY_PICKED_UP, "EA1CN", &rq),
	    LIEN_ECONFLICT, "delivery_out_of_order");
	REFUSE(deliver(f, &post, m, REG_DELIVERY_ENDORSED, NULL, &rq),
	    LIEN_EKEY, "role_forbidden");
	assert_int_equal(deliver(f, &f->officer, m, REG_DELIVERY_ENDORSED,
	    NULL, &rq), LIEN_OK);
	assert_int_equal(deliver(f, &post, m, REG_DELIVERY_DISPATCHED, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(deliver(f, &post, m, REG_DELIVERY_RETURNED, NULL,
	    &rq), LIEN_OK);
	a = app_json(f, m);
	assert_jstr(a, "delivery", "returned");
	assert_null(json_object_get(a, "complete"));
	json_decref(a);
	assert_int_equal(deliver(f, &post, m, REG_DELIVERY_DISPATCHED, "EA2CN",
	    &rq), LIEN_OK);
	assert_int_equal(deliver(f, &post, m, REG_DELIVERY_DELIVERED, NULL,
	    &rq), LIEN_OK);
	REFUSE(deliver(f, &post, m, REG_DELIVERY_RETURNED, NULL, &rq),
	    LIEN_ECONFLICT, "delivery_complete");
	a = app_json(f, m);
	assert_jstr(a, "delivery", "delivered");
	assert_true(json_is_true(json_object_get(a, "complete")));
	{
		static const char *const steps[] = { "applied", "approved",
			"picked_up", "endorsed", "dispatched", "returned",
			"dispatched", "delivered" };
		json_t *tl = json_object_get(a, "timeline");

		assert_int_equal(json_array_size(tl), 8);
		for (size_t i = 0; i < 8; i++)
			assert_jstr(json_array_get(tl, i), "step", steps[i]);
	}
	json_decref(a);
	/* the outbox (registry.h "notices"): received, approved,
	 * dispatched twice, delivered; no reminder without a term end */
	{
		static const char *const kinds[] = { "received", "approved",
			"dispatched", "dispatched", "delivered" };
		struct ledger_view *v;
		struct nscan ns;

		memset(&ns, 0, sizeof ns);
		ns.app = m;
		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(ledger_view_state_scan(v, LEDGER_T_NOTICES,
		    NULL, 0, nscan_visit, &ns), LIEN_OK);
		assert_int_equal(ns.n, 5);
		for (size_t i = 0; i < 5; i++)
			assert_string_equal(ns.kind[i], kinds[i]);
		assert_int_equal(ledger_view_state_scan(v, LEDGER_T_PSTATE,
		    "r/", 2, nscan_visit, &ns), LIEN_OK);
		assert_int_equal(ns.reminders, 0);
		ledger_view_close(v);
	}
	audit_dir(f->l, NULL, 0, LIEN_OK, NULL);
	audit_dir(f->l, NULL, 1, LIEN_OK, NULL);

	/* a second application, picked up; then a "delivered" made on a
	 * scratch store where it was dispatched, appended around the rules */
	assert_int_equal(mortgage(f, &f->bank_b, VIN2, "B-1", "owner-2", &rq,
	    NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	mix = strtoull(m + 1, NULL, 16);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(deliver(f, &post, m, REG_DELIVERY_PICKED_UP, "EA3CN",
	    &rq), LIEN_OK);
	sfx_open(&s, f);
	rq_init(f, &rq, REG_T_PARTY_FILE, &f->admin);
	rq.party = S(post.id);
	rq.party_role = REG_ROLE_POST;
	rq.name = S("n");
	rq.cert_der = post.cert;
	rq.cert_der_len = post.cert_len;
	assert_int_equal(run_at(&s, &rq, 1000), LIEN_OK);
	s.index = mix;		/* the same application id */
	pure_mortgage(&s, &rq, &f->bank_a, VIN1, "HT-9", "owner-1");
	assert_int_equal(run_at(&s, &rq, 2000), LIEN_OK);
	assert_string_equal(rq.app_id, m);
	rq_init(f, &rq, REG_T_DECISION, &f->officer);
	rq.app = S(m);
	rq.decision = REG_DECIDE_APPROVE;
	assert_int_equal(run_at(&s, &rq, 3000), LIEN_OK);
	rq_init(f, &rq, REG_T_DELIVERY_EVENT, &post);
	rq.app = S(m);
	rq.delivery_event = REG_DELIVERY_PICKED_UP;
	rq.tracking = S("EA3CN");
	assert_int_equal(run_at(&s, &rq, 4000), LIEN_OK);
	rq_init(f, &rq, REG_T_DELIVERY_EVENT, &f->officer);
	rq.app = S(m);
	rq.delivery_event = REG_DELIVERY_ENDORSED;
	assert_int_equal(run_at(&s, &rq, 5000), LIEN_OK);
	rq_init(f, &rq, REG_T_DELIVERY_EVENT, &post);
	rq.app = S(m);
	rq.delivery_event = REG_DELIVERY_DISPATCHED;
	assert_int_equal(run_at(&s, &rq, 6000), LIEN_OK);
	rq_init(f, &rq, REG_T_DELIVERY_EVENT, &post);
	rq.app = S(m);
	rq.delivery_event = REG_DELIVERY_DELIVERED;
	assert_int_equal(run_at(&s, &rq, 7000), LIEN_OK);
	assert_int_equal(ledger_append(f->l, REG_T_DELIVERY_EVENT, s.out,
	    s.out_len, &r), LIEN_OK);
	sfx_close(&s);
	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(registry_replay_audit(f->l, dir, 1, why, sizeof why),
	    LIEN_ECORRUPT);
	snprintf(idx, sizeof idx, "entry %" PRIu64 ":", r.index);
	assert_non_null(strstr(why, idx));
	assert_non_null(strstr(why, "delivery_out_of_order"));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the counter (窗口兜底): vouchers and counter applications -------- */

/* The bank's voucher for a mortgage (contract != NULL) or a release
 * (mortgage_id != NULL); out: its id. */
static enum lien_status
voucher(struct fx *f, const struct party *bank, const char *vin,
    const char *mortgage_id, const char *contract, uint32_t days,
    struct reg_request *rq, char out[REG_VOUCHER_ID_LEN + 1])
{
	char c[128];
	enum lien_status st;

	rq_init(f, rq, REG_T_VOUCHER, bank);
	rq->vin = S(vin);
	rq->valid_days = days;
	if (mortgage_id != NULL) {
		rq->voucher_release = 1;
		rq->app = S(mortgage_id);
	} else {
		snprintf(c, sizeof c, "%s/%s", bank->id, contract);
		commit_of(c, rq->contract);
	}
	st = submit(f, rq, NULL);
	if (st == LIEN_OK && out != NULL)
		strcpy(out, rq->app_id);
	return st;
}

/* A counter application by who: the officer's identity check, the bank
 * named, its voucher; kind mortgage (what = contract number) or release
 * (what = the mortgage's id). */
static void
counter_rq(struct fx *f, struct reg_request *rq, enum reg_type kind,
    const struct party *who, const char *bank, const char *vin,
    const char *what, const char *owner, const char *vo)
{
	char c[128];

	rq_init(f, rq, kind, who);
	memset(&rq->face, 0, sizeof rq->face);	/* no face token */
	rq->counter = 1;
	rq->id_document = REG_IDDOC_RESIDENT_ID;
	rq->mortgagee = S(bank);
	rq->voucher = S(vo);
	rq->vin = S(vin);
	commit_of(owner, rq->owner);
	if (kind == REG_T_MORTGAGE_APPLICATION) {
		commit_of(PLATE "330100123456", rq->details);
		snprintf(c, sizeof c, "%s/%s", bank, what);
		commit_of(c, rq->contract);
	} else {
		rq->app = S(what);
	}
}

static json_t *
pstate_json(struct fx *f, const char *k)
{
	struct ledger_view *v;
	const uint8_t *val;
	size_t n;
	json_t *j;

	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(ledger_view_state_get(v, LEDGER_T_PSTATE, k,
	    strlen(k), &val, &n), LIEN_OK);
	assert_int_equal(jcs_parse((const char *)val, n, 0, &j), LIEN_OK);
	ledger_view_close(v);
	return j;
}

/* Vouchers are the bank's (signed, single use, bound to vehicle, mortgage
 * and bank, expiring); counter applications are the officer's, with an
 * identity check instead of a face token, and follow the online rules:
 * decisions, the lien, both audits, statistics counting them apart. Every
 * refusal changes nothing. */
static void
test_registry_counter(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	char v1[REG_VOUCHER_ID_LEN + 1], v2[REG_VOUCHER_ID_LEN + 1];
	char vr[REG_VOUCHER_ID_LEN + 1], m[REG_APP_ID_LEN + 1];
	char k[64];
	json_t *a;

	/* issuing: only a bank; 1..30 days; a release voucher only for a
	 * registered mortgage of the bank's own */
	REFUSE(voucher(f, &f->officer, VIN1, NULL, "C-1", 7, &rq, NULL),
	    LIEN_EKEY, "role_forbidden");
	REFUSE(voucher(f, &f->bank_a, VIN1, NULL, "C-1", 0, &rq, NULL),
	    LIEN_EPARSE, "valid_days_invalid");
	REFUSE(voucher(f, &f->bank_a, VIN1, NULL, "C-1", 31, &rq, NULL),
	    LIEN_EPARSE, "valid_days_invalid");
	REFUSE(voucher(f, &f->bank_a, "LSJA24U62JG269226", NULL, "C-1", 7,
	    &rq, NULL), LIEN_EPARSE, "vin_invalid");
	REFUSE(voucher(f, &f->bank_a, VIN1, "A00000000000000ff", NULL, 7, &rq,
	    NULL), LIEN_ENOTFOUND, "mortgage_not_found");
	assert_int_equal(voucher(f, &f->bank_a, VIN1, NULL, "C-1", 7, &rq, v1),
	    LIEN_OK);
	assert_int_equal(v1[0], 'V');
	assert_int_equal(voucher(f, &f->bank_a, VIN1, NULL, "C-2", 7, &rq, v2),
	    LIEN_OK);
	snprintf(k, sizeof k, "vo/%s", v1);
	a = pstate_json(f, k);
	assert_jstr(a, "bank", BANK_A);
	assert_jstr(a, "purpose", "mortgage");
	assert_null(json_object_get(a, "used"));
	json_decref(a);

	/* filing: only an officer, at the counter */
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->bank_a, BANK_A,
	    VIN1, "C-1", "owner-1", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY, "role_forbidden");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->registry, BANK_A,
	    VIN1, "C-1", "owner-1", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY, "role_forbidden");
	/* an officer cannot file the online application (the bank's) */
	assert_int_equal(mortgage(f, &f->officer, VIN1, "C-1", "owner-1", &rq,
	    NULL), LIEN_EKEY);
	assert_string_equal(rq.refusal, "role_forbidden");
	/* malformed: no identity check, no voucher, a face token too */
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-1", "owner-1", v1);
	rq.id_document = REG_IDDOC_NONE;
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "id_check_invalid");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-1", "owner-1", NULL);
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "field_missing");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-1", "owner-1", "V12");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "voucher_id_invalid");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-1", "owner-1", v1);
	rq.face.verdict = REG_FACE_PASS;
	commit_of("face-token", rq.face.token_digest);
	rq.face.issuer = S("https://face.example");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "field_unknown");
	/* the voucher: unknown, another bank's, another vehicle's, another
	 * contract's */
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-1", "owner-1", "V00000000000000ff");
	REFUSE(submit(f, &rq, NULL), LIEN_ENOTFOUND, "voucher_unknown");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_B,
	    VIN1, "C-1", "owner-1", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "voucher_bank_mismatch");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN2, "C-1", "owner-2", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT,
	    "voucher_vehicle_mismatch");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-2", "owner-1", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT,
	    "voucher_mortgage_mismatch");
	/* a mortgage voucher is no release's */
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "A00000000000000ff", "owner-1", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_ENOTFOUND, "mortgage_not_found");

	/* accepted: channel counter in public, the bank in private */
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-1", "owner-1", v1);
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	assert_string_equal(rq.app_status, "submitted");
	strcpy(m, rq.app_id);
	a = app_json(f, m);
	assert_jstr(a, "channel", "counter");
	assert_jstr(a, "mortgagee", BANK_A);
	json_decref(a);
	a = pstate_json(f, k);
	assert_jstr(a, "used", m);
	json_decref(a);
	/* replayed: the used voucher, for the same or another application */
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-1", "owner-1", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "voucher_used");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-2", "owner-1", v1);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "voucher_used");
	/* the bank's own rules still hold: one pending application per
	 * bank and vehicle (v2 is otherwise good) */
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-2", "owner-1", v2);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "application_pending");
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	/* a contract registered since: its voucher is no longer issued */
	REFUSE(voucher(f, &f->bank_a, VIN1, NULL, "C-1", 7, &rq, NULL),
	    LIEN_ECONFLICT, "contract_duplicate");

	/* the release: only the mortgagee's voucher */
	REFUSE(voucher(f, &f->bank_b, VIN1, m, NULL, 7, &rq, NULL), LIEN_EKEY,
	    "not_mortgagee");
	REFUSE(voucher(f, &f->bank_a, VIN2, m, NULL, 7, &rq, NULL),
	    LIEN_ENOTFOUND, "mortgage_not_found");
	assert_int_equal(voucher(f, &f->bank_a, VIN1, m, NULL, 3, &rq, vr),
	    LIEN_OK);
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, BANK_B,
	    VIN1, m, "owner-1", vr);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "voucher_bank_mismatch");
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, BANK_A,
	    VIN1, m, "owner-1", v2);
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT,
	    "voucher_mortgage_mismatch");
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, BANK_A,
	    VIN1, m, "owner-1", vr);
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	a = vehicle_json(f, VIN1, 0);
	assert_int_equal(json_array_size(json_object_get(a, "liens")), 0);
	assert_int_equal(json_array_size(json_object_get(a, "released")), 1);
	json_decref(a);

	/* statistics count the two counter applications apart */
	{
		struct ledger_view *v;
		char *out;
		size_t n;
		json_t *st, *ch;

		assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
		assert_int_equal(registry_statistics(v, 0, REG_TIME_MAX - 1,
		    NULL, &out, &n), LIEN_OK);
		ledger_view_close(v);
		assert_int_equal(jcs_parse(out, n, 0, &st), LIEN_OK);
		free(out);
		ch = json_object_get(json_object_get(st, "total"),
		    "by_channel");
		assert_int_equal(json_integer_value(json_object_get(ch,
		    "counter")), 2);
		assert_int_equal(json_integer_value(json_object_get(ch,
		    "online")), 0);
		json_decref(st);
	}
	/* both audits replay vouchers and counter applications */
	audit_dir(f->l, NULL, 0, LIEN_OK, NULL);
	audit_dir(f->l, NULL, 1, LIEN_OK, NULL);
}

/* A legacy release at the counter: the officer's phone confirmation with
 * the bank's filed contact instead of a voucher. The contact is filed
 * with the institution (public), checked for its form; the number called
 * must be the filed one; releases only; never with a voucher too. */
static void
test_registry_counter_phone(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct party bank_c;
	char m[REG_APP_ID_LEN + 1], ma[REG_APP_ID_LEN + 1];
	char vo[REG_VOUCHER_ID_LEN + 1];

	party_init(&bank_c, "91330402MA2C00777Q", REG_ROLE_INSTITUTION);
	rq_init(f, &rq, REG_T_INSTITUTION_FILE, &f->admin);
	rq.party = S(bank_c.id);
	rq.party_role = REG_ROLE_INSTITUTION;
	rq.name = S("Bank C");
	rq.cert_der = bank_c.cert;
	rq.cert_der_len = bank_c.cert_len;
	rq.cert_not_after_ms = 4102444800000ull;
	rq.contact = S("12");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "contact_invalid");
	rq.contact = S("0573-8228-");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "contact_invalid");
	rq.contact = S("13912345678");	/* a mobile: a person's */
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "contact_invalid");
	rq.contact = S("+86-139-1234-5678");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "contact_invalid");
	rq.contact = S("0573-82286000");
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	/* only an institution files a contact */
	rq_init(f, &rq, REG_T_PARTY_FILE, &f->admin);
	rq.party = S("officer:0099");
	rq.party_role = REG_ROLE_OFFICER;
	rq.name = S("n");
	rq.cert_der = (const uint8_t *)"DER-CERT-officer:0099";
	rq.cert_der_len = strlen("DER-CERT-officer:0099");
	rq.contact = S("0573-82286000");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "field_unknown");

	assert_int_equal(mortgage(f, &bank_c, VIN1, "C-7", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(mortgage(f, &f->bank_a, VIN2, "A-7", "owner-2", &rq,
	    NULL), LIEN_OK);
	strcpy(ma, rq.app_id);
	assert_int_equal(decide(f, &f->officer, ma, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);

	/* another number than the filed one; a bank that filed none */
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, bank_c.id,
	    VIN1, m, "owner-1", NULL);
	rq.phone_contact = S("0573-12345678");
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "contact_mismatch");
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, BANK_A,
	    VIN2, ma, "owner-2", NULL);
	rq.phone_contact = S("0573-82286000");
	REFUSE(submit(f, &rq, NULL), LIEN_ECONFLICT, "contact_not_filed");
	/* the filed number of another bank than the mortgagee */
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, bank_c.id,
	    VIN2, ma, "owner-2", NULL);
	rq.phone_contact = S("0573-82286000");
	REFUSE(submit(f, &rq, NULL), LIEN_EKEY, "not_mortgagee");
	/* not for a new mortgage; never with a voucher too */
	assert_int_equal(voucher(f, &bank_c, VIN1, m, NULL, 7, &rq, vo),
	    LIEN_OK);
	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, bank_c.id,
	    VIN1, m, "owner-1", vo);
	rq.phone_contact = S("0573-82286000");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "field_unknown");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, bank_c.id,
	    VIN1, "C-8", "owner-1", NULL);
	rq.phone_contact = S("0573-82286000");
	REFUSE(submit(f, &rq, NULL), LIEN_EPARSE, "field_unknown");

	counter_rq(f, &rq, REG_T_RELEASE_APPLICATION, &f->officer, bank_c.id,
	    VIN1, m, "owner-1", NULL);
	rq.phone_contact = S("0573-82286000");
	assert_int_equal(submit(f, &rq, NULL), LIEN_OK);
	strcpy(m, rq.app_id);
	assert_int_equal(decide(f, &f->officer, m, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	audit_dir(f->l, NULL, 0, LIEN_OK, NULL);
	audit_dir(f->l, NULL, 1, LIEN_OK, NULL);
}

/* A voucher expires at its entry time + valid days: presented later it
 * is refused (on a scratch store, where the test sets entry times). */
static void
test_registry_counter_expiry(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct sfx s;
	char vo[REG_VOUCHER_ID_LEN + 1], c[64];

	sfx_open(&s, f);
	rq_init(f, &rq, REG_T_VOUCHER, &f->bank_a);
	rq.vin = S(VIN1);
	rq.valid_days = 1;
	snprintf(c, sizeof c, "%s/%s", BANK_A, "C-9");
	commit_of(c, rq.contract);
	assert_int_equal(run_at(&s, &rq, 10 * DAY), LIEN_OK);
	strcpy(vo, rq.app_id);
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-9", "owner-1", vo);
	assert_int_equal(run_at(&s, &rq, 11 * DAY), LIEN_ECONFLICT);
	assert_string_equal(rq.refusal, "voucher_expired");
	counter_rq(f, &rq, REG_T_MORTGAGE_APPLICATION, &f->officer, BANK_A,
	    VIN1, "C-9", "owner-1", vo);
	assert_int_equal(run_at(&s, &rq, 11 * DAY - 1), LIEN_OK);
	sfx_close(&s);
}

/* Entry times and indexes beyond what state can hold (JSON safe integers)
 * are corrupt for both check and apply, and change nothing (found by
 * fuzz_registry_payload: check passed, apply failed with a parse error). */
static void
test_registry_time_out_of_range(void **state)
{
	struct fx *f = *state;
	struct sfx s;
	struct reg_request rq;
	const char *reason = NULL;

	sfx_open(&s, f);
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &f->registry);
	rq.vin = S(VIN2);
	commit_of(PLATE "330100999999", rq.details);
	commit_of("owner-2", rq.owner);
	assert_int_equal(run_at(&s, &rq, 2000), LIEN_OK);
	/* The same payload at an impossible time or index. */
	assert_int_equal(registry_check(s.st, s.index, REG_TIME_MAX,
	    REG_T_VEHICLE_RECORD, s.out, s.out_len, NULL, 0, &reason),
	    LIEN_ECORRUPT);
	assert_string_equal(reason, "time_out_of_range");
	assert_int_equal(registry_check(s.st, s.index, UINT64_MAX,
	    REG_T_VEHICLE_RECORD, s.out, s.out_len, NULL, 0, &reason),
	    LIEN_ECORRUPT);
	assert_int_equal(registry_check(s.st, REG_INDEX_MAX, 3000,
	    REG_T_VEHICLE_RECORD, s.out, s.out_len, NULL, 0, &reason),
	    LIEN_ECORRUPT);
	assert_int_equal(registry_apply(s.st, s.index, (uint64_t)1 << 63,
	    REG_T_VEHICLE_RECORD, s.out, s.out_len, NULL, 0), LIEN_ECORRUPT);
	assert_int_equal(registry_apply(s.st, REG_INDEX_MAX, 3000,
	    REG_T_VEHICLE_RECORD, s.out, s.out_len, NULL, 0), LIEN_ECORRUPT);
	sfx_close(&s);
}

/* docs/privacy.md: hashlib.sha256(b"lienlog-vehicle-v1\0" + vin) */
static void
test_registry_vehicle_key(void **state)
{
	static const char want[] = "5bae6c64256f1dae47bfe9ad4e45b022"
	    "b3fcb4e3bbc204da72eeb82555e990cb";
	uint8_t k[REG_VEHICLE_KEY_LEN];
	char hex[2 * REG_VEHICLE_KEY_LEN + 1];

	(void)state;
	assert_int_equal(registry_vehicle_key(VIN1, strlen(VIN1), k), LIEN_OK);
	hex_encode(k, sizeof k, hex);
	assert_string_equal(hex, want);
	/* lower case and a wrong check digit are refused, never folded */
	assert_int_equal(registry_vehicle_key("lsja24u62jg269225", 17, k),
	    LIEN_EPARSE);
	assert_int_equal(registry_vehicle_key("LSJA24U63JG269225", 17, k),
	    LIEN_EPARSE);
	assert_int_equal(registry_vehicle_key(VIN1, 16, k), LIEN_EPARSE);
	for (unsigned i = 0; i < sizeof k; i++)
		assert_int_equal(k[i], 0);
}

/* ---- lien status ------------------------------------------------------------ */

/* Verify vin's status proof as of now against the log key; the record
 * (when present) parsed into *out. Returns presence. */
static int
status_of(struct fx *f, const char *vin, struct reg_status *out)
{
	struct ledger_view *v;
	struct tlog_policy pol;
	struct status_check c;
	struct status_result res;
	struct status_report rep;
	uint8_t *b = NULL;
	size_t len = 0;

	memset(&pol, 0, sizeof pol);
	assert_int_equal(note_verifier_parse(f->vkey, strlen(f->vkey),
	    &pol.log), LIEN_OK);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_status_proof(v, vin, strlen(vin), &b, &len),
	    LIEN_OK);
	ledger_view_close(v);
	memset(&c, 0, sizeof c);
	c.policy = &pol;
	c.id = (const uint8_t *)vin;
	c.id_len = strlen(vin);
	if (status_proof_verify(b, len, &c, &res, &rep) != LIEN_OK)
		fail_msg("status proof of %s: %s", vin, rep.why);
	memset(out, 0, sizeof *out);
	if (res.present)
		assert_int_equal(registry_status_parse(res.record,
		    res.record_len, out), LIEN_OK);
	free(b);
	return res.present;
}

/* The status of a vehicle follows its registrations: recorded, mortgaged,
 * seized, released; its commitment to the fuller view moves with every
 * entry that stores it; the public form agrees with the record; a VIN
 * never recorded is proven absent; an invalid VIN is refused. */
static void
test_registry_status_proofs(void **state)
{
	struct fx *f = *state;
	struct reg_request rq;
	struct reg_status st;
	struct ledger_view *v;
	uint8_t *b, fuller0[HASH_LEN];
	size_t len;
	char m1[REG_APP_ID_LEN + 1], rel[REG_APP_ID_LEN + 1], *pub;
	json_t *pj, *rj;

	/* recorded by setup: present, no lien, no restriction */
	assert_int_equal(status_of(f, VIN1, &st), 1);
	assert_int_equal(st.nliens + st.nreleased, 0);
	assert_int_equal(st.nrestrictions, 0);
	memcpy(fuller0, st.fuller, HASH_LEN);
	assert_int_equal(mortgage(f, &f->bank_a, VIN1, "HT-1", "owner-1", &rq,
	    NULL), LIEN_OK);
	strcpy(m1, rq.app_id);
	/* an application is not a lien: nothing public changes */
	assert_int_equal(status_of(f, VIN1, &st), 1);
	assert_int_equal(st.nliens, 0);
	assert_memory_equal(st.fuller, fuller0, HASH_LEN);
	assert_int_equal(decide(f, &f->officer, m1, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(status_of(f, VIN1, &st), 1);
	assert_int_equal(st.nliens, 1);
	assert_int_equal(st.nreleased, 0);
	assert_string_equal(st.liens[0].app, m1);
	assert_memory_not_equal(st.fuller, fuller0, HASH_LEN);
	assert_int_equal(restrict_vehicle(f, VIN1, REG_RESTR_SEIZED, 1, &rq),
	    LIEN_OK);
	assert_int_equal(status_of(f, VIN1, &st), 1);
	assert_int_equal(st.nrestrictions, 1);
	assert_int_equal(st.restrictions[0].kind, REG_RESTR_SEIZED);
	assert_int_equal(restrict_vehicle(f, VIN1, REG_RESTR_SEIZED, 0, &rq),
	    LIEN_OK);
	assert_int_equal(release(f, &f->bank_a, VIN1, m1, "owner-1", &rq),
	    LIEN_OK);
	strcpy(rel, rq.app_id);
	assert_int_equal(decide(f, &f->officer, rel, REG_DECIDE_APPROVE, NULL,
	    &rq), LIEN_OK);
	assert_int_equal(status_of(f, VIN1, &st), 1);
	assert_int_equal(st.nliens, 0);
	assert_int_equal(st.nreleased, 1);
	assert_false(st.liens[0].active);
	assert_string_equal(st.liens[0].app, m1);
	assert_true(st.liens[0].released_ms >= st.liens[0].registered_ms);
	assert_int_equal(st.nrestrictions, 0);
	/* never recorded; not a VIN */
	assert_int_equal(status_of(f, VIN3, &st), 0);
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	assert_int_equal(registry_status_proof(v, "LSJA24U62JG269226", 17, &b,
	    &len), LIEN_EPARSE);		/* check digit */
	assert_int_equal(registry_status_proof(v, "LSJA24U62JG26922", 16, &b,
	    &len), LIEN_EPARSE);
	/* the public form states the record's facts */
	assert_int_equal(registry_status_proof(v, VIN1, 17, &b, &len),
	    LIEN_OK);
	{
		struct status_proof *p = malloc(sizeof *p);
		json_t *x, *y;

		assert_non_null(p);
		assert_int_equal(status_proof_decode(b, len, p), LIEN_OK);
		assert_int_equal(jcs_parse_canonical(p->record, p->record_len,
		    &rj), LIEN_OK);
		free(p);
		assert_int_equal(registry_vehicle_get(v, VIN1, 17, 0, &pub,
		    &len), LIEN_OK);
		assert_int_equal(jcs_parse(pub, len, 0, &pj), LIEN_OK);
		assert_true(json_equal(json_object_get(pj, "recorded_ms"),
		    json_object_get(rj, "recorded_ms")));
		x = json_object_get(pj, "released");
		y = json_object_get(rj, "released");
		assert_int_equal(json_array_size(x), json_array_size(y));
		for (size_t i = 0; i < json_array_size(x); i++) {
			json_t *a = json_array_get(x, i), *c = json_array_get(y,
			    i);

			assert_true(json_equal(json_object_get(a, "app"),
			    json_object_get(c, "app")));
			assert_true(json_equal(json_object_get(a,
			    "released_ms"), json_object_get(c, "released_ms")));
			assert_true(json_is_string(json_object_get(a,
			    "released_at")));
		}
		assert_int_equal(json_array_size(json_object_get(pj, "liens")),
		    json_array_size(json_object_get(rj, "liens")));
		assert_int_equal(json_array_size(json_object_get(pj,
		    "restrictions")), json_array_size(json_object_get(rj,
		    "restrictions")));
		/* nothing of the fuller view in public */
		assert_null(json_object_get(pj, "fuller"));
		assert_null(json_object_get(json_array_get(x, 0), "mortgagee"));
		json_decref(pj);
		json_decref(rj);
		free(pub);
	}
	free(b);
	ledger_view_close(v);
}

/* A log whose state root disagrees with its entries: the sequencer is
 * honest, so the forgery is a build callback that sets a map leaf the
 * registry state does not justify. The checkpoints are validly signed;
 * the replay audit catches the first lying state root. */
static enum lien_status LIEN_MUST_CHECK
forge_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t key[HASH_LEN], val[HASH_LEN];

	(void)arg;
	(void)index;
	(void)time_ms;
	assert_true(cap >= 2);
	memcpy(out, "{}", 2);
	*out_len = 2;
	assert_int_equal(status_key((const uint8_t *)VIN2, 17, key), LIEN_OK);
	memset(val, 0x42, sizeof val);
	return ledger_state_map_set(st, key, val);
}

static void
test_registry_replay_audit_state_root(void **state)
{
	struct fx *f = *state;
	struct ledger_item it = { 1, NULL, 0, forge_build, NULL };
	struct ledger_receipt r;
	char why[512], dir[64], cmd[128], idx[48];

	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(registry_replay_audit(f->l, dir, 0, why, sizeof why),
	    LIEN_OK);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
	record_vehicle(f, VIN3, "owner-3");
	strcpy(dir, "/tmp/lienlog-test-regaudit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* the public audit alone catches it (docs/privacy.md) */
	assert_int_equal(registry_replay_audit(f->l, dir, 1, why, sizeof why),
	    LIEN_ECORRUPT);
	/* the state root right after the forged entry */
	snprintf(idx, sizeof idx, "entry %" PRIu64 ": state root", r.index + 1);
	assert_non_null(strstr(why, idx));
	assert_non_null(strstr(why, "replayed from the log"));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* registry_replay, fed as lienlog sync feeds it: from entry `from` up to
 * (not incl.) `to`, stopping at the first refusal (kept in rc, why). */
struct feed {
	struct registry_replay *r;
	uint64_t to;
	enum lien_status rc;
	const char *why;
	uint64_t at, last_root;
};

static int
feed_one(void *ctx, uint64_t index, const uint8_t *ent, size_t len)
{
	struct feed *fd = ctx;
	struct entry e;

	if (index >= fd->to)
		return 1;
	fd->at = index;
	fd->rc = registry_replay_entry(fd->r, index, ent, len, &fd->why);
	if (fd->rc == LIEN_OK && entry_decode(ent, len, &e) == LIEN_OK &&
	    e.type == ENTRY_TYPE_STATE_ROOT)
		fd->last_root = index;
	return fd->rc != LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
feed(struct ledger *l, struct feed *fd, uint64_t from, uint64_t to)
{
	struct ledger_view *v = NULL;

	fd->to = to;
	fd->rc = LIEN_OK;
	fd->why = NULL;
	assert_int_equal(ledger_view_open(l, &v), LIEN_OK);
	assert_int_equal(ledger_view_foreach_entry(v, from, feed_one, fd),
	    LIEN_OK);
	ledger_view_close(v);
	return fd->rc;
}

static void
test_registry_replay_incremental(void **state)
{
	struct fx *f = *state;
	struct ledger_item it = { 1, NULL, 0, forge_build, NULL };
	struct ledger_receipt r;
	struct feed fd;
	char dir[64], cmd[128], idx[48], vin[18];
	uint64_t half, size;

	for (unsigned i = 0; i < 12; i++) {
		make_vin(100 + i, vin);
		record_vehicle(f, vin, "owner-1");
	}
	half = ledger_size(f->l);
	for (unsigned i = 12; i < 24; i++) {
		make_vin(100 + i, vin);
		record_vehicle(f, vin, "owner-2");
	}
	size = ledger_size(f->l);
	memset(&fd, 0, sizeof fd);
	strcpy(dir, "/tmp/lienlog-test-regreplay-XXXXXX");
	assert_non_null(mkdtemp(dir));

	/* first run: up to a checkpoint (ends with a state root) */
	assert_int_equal(registry_replay_open(dir, &fd.r), LIEN_OK);
	assert_int_equal(registry_replay_next(fd.r), 0);
	assert_null(registry_replay_off(fd.r));
	assert_int_equal(feed(f->l, &fd, 0, half), LIEN_OK);
	assert_int_equal(fd.last_root, half - 1);
	assert_int_equal(registry_replay_end(fd.r, half, &fd.why), LIEN_OK);
	assert_int_equal(registry_replay_checked(fd.r), half);
	/* a gap is the caller's mistake */
	assert_int_equal(feed(f->l, &fd, half + 1, half + 2), LIEN_EINVAL);
	/* fed past the mark, then a crash: resumes at the mark */
	registry_replay_close(fd.r);
	assert_int_equal(registry_replay_open(dir, &fd.r), LIEN_OK);
	assert_int_equal(registry_replay_next(fd.r), half);
	assert_int_equal(feed(f->l, &fd, half, half + 3), LIEN_OK);
	registry_replay_close(fd.r);
	assert_int_equal(registry_replay_open(dir, &fd.r), LIEN_OK);
	assert_int_equal(registry_replay_next(fd.r), half);
	/* entries below next are ignored (fed again from 0) */
	assert_int_equal(feed(f->l, &fd, 0, size), LIEN_OK);
	assert_int_equal(registry_replay_end(fd.r, size, &fd.why), LIEN_OK);
	/* a tree that does not end with a state root */
	assert_int_equal(registry_replay_end(fd.r, size - 1, &fd.why),
	    LIEN_EINVAL);
	registry_replay_close(fd.r);
	/* a signed tree that does not end with a state root */
	{
		char d2[64];
		struct feed g;

		memset(&g, 0, sizeof g);
		strcpy(d2, "/tmp/lienlog-test-regreplay-XXXXXX");
		assert_non_null(mkdtemp(d2));
		assert_int_equal(registry_replay_open(d2, &g.r), LIEN_OK);
		assert_int_equal(feed(f->l, &g, 0, half - 1), LIEN_OK);
		assert_int_equal(registry_replay_end(g.r, half - 1, &g.why),
		    LIEN_ECORRUPT);
		assert_non_null(strstr(g.why, "does not end with a state "
		    "root"));
		registry_replay_close(g.r);
		snprintf(cmd, sizeof cmd, "rm -rf %s", d2);
		assert_int_equal(system(cmd), 0);
	}

	/* the log lies from here: caught at its state root, also after a
	 * resume */
	assert_int_equal(ledger_append_item(f->l, &it, &r), LIEN_OK);
	make_vin(200, vin);
	record_vehicle(f, vin, "owner-3");
	assert_int_equal(registry_replay_open(dir, &fd.r), LIEN_OK);
	assert_int_equal(registry_replay_next(fd.r), size);
	assert_int_equal(feed(f->l, &fd, size, ledger_size(f->l)),
	    LIEN_ECORRUPT);
	assert_int_equal(fd.at, r.index + 1);
	assert_non_null(fd.why);
	snprintf(idx, sizeof idx, "entry %" PRIu64 ": state root", r.index + 1);
	assert_non_null(strstr(fd.why, idx));
	assert_int_equal(registry_replay_checked(fd.r), size);
	registry_replay_close(fd.r);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A log that keeps no status map: the replay says so after the longest
 * batch passed without a state root, and stops checking for good. */
static void
test_registry_replay_no_map(void **state)
{
	struct fx *f = *state;
	struct ledger_config cfg = { 0 };
	struct ledger *l = NULL;
	struct ledger_item *items = calloc(LEDGER_BATCH_MAX, sizeof *items);
	struct ledger_receipt *rec = calloc(LEDGER_BATCH_MAX, sizeof *rec);
	struct feed fd;
	char ldir[64], rdir[64], cmd[160];

	assert_non_null(items);
	assert_non_null(rec);
	strcpy(ldir, "/tmp/lienlog-test-regnomap-XXXXXX");
	assert_non_null(mkdtemp(ldir));
	cfg.dir = ldir;
	cfg.signer = f->signer;
	cfg.batch_max = LEDGER_BATCH_MAX;
	cfg.map_size = 1u << 30;
	cfg.flags = LEDGER_NO_STATE_MAP;
	assert_int_equal(ledger_open(&cfg, &l), LIEN_OK);
	for (unsigned i = 0; i < LEDGER_BATCH_MAX; i++)
		items[i] = (struct ledger_item){ 1, (const uint8_t *)"{}", 2,
			NULL, NULL };
	assert_int_equal(ledger_append_many(l, items, LEDGER_BATCH_MAX, rec),
	    LIEN_OK);
	assert_int_equal(ledger_append_many(l, items, 8, rec), LIEN_OK);
	memset(&fd, 0, sizeof fd);
	strcpy(rdir, "/tmp/lienlog-test-regreplay-XXXXXX");
	assert_non_null(mkdtemp(rdir));
	assert_int_equal(registry_replay_open(rdir, &fd.r), LIEN_OK);
	/* within one batch's length: too early to tell */
	assert_int_equal(feed(l, &fd, 0, 100), LIEN_OK);
	assert_int_equal(registry_replay_end(fd.r, 100, &fd.why), LIEN_OK);
	assert_null(registry_replay_off(fd.r));
	assert_int_equal(feed(l, &fd, 100, ledger_size(l)), LIEN_OK);
	assert_non_null(registry_replay_off(fd.r));
	assert_int_equal(registry_replay_end(fd.r, ledger_size(l), &fd.why),
	    LIEN_OK);
	assert_int_equal(registry_replay_checked(fd.r), 0);
	registry_replay_close(fd.r);
	assert_int_equal(registry_replay_open(rdir, &fd.r), LIEN_OK);
	assert_non_null(strstr(registry_replay_off(fd.r), "no status map"));
	registry_replay_close(fd.r);
	ledger_close(l);
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", ldir, rdir);
	assert_int_equal(system(cmd), 0);
	free(items);
	free(rec);
}

/* The nonce and idempotency keys: the definition (tag, inputs, SHA-256),
 * whatever inputs came before (the last derivation is remembered per
 * thread: registry/rules.c memo_hash), and inputs too long to remember. */
static void
test_registry_nonce_idem_keys(void **state)
{
	static const char ntag[] = "lienlog-nonce-v1", itag[] =
	    "lienlog-idem-v2";
	static const uint8_t zero = 0;
	static const char *const nonces[] = { "n1", "n2", "n1", "n1", "",
		"a-nonce-far-too-long-to-remember-a-nonce-far-too-long-to-"
		"remember-a-nonce-far-too-long-to-remember-a-nonce-far-too-"
		"long-to-remember-a-nonce-far-too-long" };
	uint8_t keyid[HASH_LEN], got[REG_IDEM_KEY_LEN], want[HASH_LEN];

	(void)state;
	memset(keyid, 0x5a, sizeof keyid);
	for (size_t r = 0; r < 3 * sizeof nonces / sizeof nonces[0]; r++) {
		const char *nc = nonces[r % (sizeof nonces / sizeof nonces[0])];
		size_t nl = strlen(nc);
		struct hash_part np[3] = { { ntag, sizeof ntag }, { keyid,
			HASH_LEN }, { nc, nl } };
		struct hash_part ip[4] = { { itag, sizeof itag }, { "bank",
			4 }, { &zero, 1 }, { nc, nl } };

		keyid[0] = (uint8_t)(r & 1u);	/* the same nonce, another key */
		np[1].p = keyid;
		hash_sha256_parts(np, 3, want);
		for (int again = 0; again < 2; again++) {	/* as rules, apply */
			registry_nonce_key(keyid, 1000 + r, nc, nl, got);
			assert_int_equal(be64_get(got), 1000 + r);
			assert_memory_equal(got + 8, want, HASH_LEN);
		}
		registry_idem_key("bank", 4, nc, nl, 7 + r, got);
		hash_sha256_parts(ip, 4, want);
		assert_int_equal(be64_get(got), 7 + r);
		assert_memory_equal(got + 8, want, HASH_LEN);
	}
}

/* The map key is the vehicle key of docs/privacy.md. */
static void
test_registry_status_key_is_vehicle_key(void **state)
{
	uint8_t a[HASH_LEN], b[HASH_LEN];

	(void)state;
	assert_int_equal(registry_vehicle_key(VIN1, 17, a), LIEN_OK);
	assert_int_equal(status_key((const uint8_t *)VIN1, 17, b), LIEN_OK);
	assert_memory_equal(a, b, HASH_LEN);
}

#define FULLER "\"fuller\":\"" \
    "0000000000000000000000000000000000000000000000000000000000000000\""

static void
test_registry_status_parse_strict(void **state)
{
	static const char good[] = "{" FULLER ",\"liens\":[{\"app\":"
	    "\"A0000000000000009\",\"rank\":1,\"registered_index\":11,"
	    "\"registered_ms\":7}],\"recorded_index\":2,\"recorded_ms\":1,"
	    "\"released\":[{\"app\":\"A0000000000000004\","
	    "\"registered_index\":5,\"registered_ms\":3,\"released_index\":9,"
	    "\"released_ms\":6}],\"restrictions\":[{\"index\":12,\"kind\":"
	    "\"seized\",\"since_ms\":8}]}";
	static const char *const bad[] = {
		/* not canonical: space, member order */
		"{" FULLER ", \"liens\":[],\"recorded_index\":2,"
		    "\"recorded_ms\":1,\"released\":[],\"restrictions\":[]}",
		"{\"liens\":[]," FULLER ",\"recorded_index\":2,"
		    "\"recorded_ms\":1,\"released\":[],\"restrictions\":[]}",
		/* missing / extra members */
		"{" FULLER ",\"liens\":[],\"recorded_index\":2,"
		    "\"recorded_ms\":1,\"released\":[]}",
		"{\"a\":1," FULLER ",\"liens\":[],\"recorded_index\":2,"
		    "\"recorded_ms\":1,\"released\":[],\"restrictions\":[]}",
		/* fuller not 64 hex */
		"{\"fuller\":\"00\",\"liens\":[],\"recorded_index\":2,"
		    "\"recorded_ms\":1,\"released\":[],\"restrictions\":[]}",
		/* rank 2 first */
		"{" FULLER ",\"liens\":[{\"app\":\"A0000000000000009\",\"rank\":2,"
		    "\"registered_index\":11,\"registered_ms\":7}],"
		    "\"recorded_index\":2,\"recorded_ms\":1,\"released\":[],"
		    "\"restrictions\":[]}",
		/* not an app id */
		"{" FULLER ",\"liens\":[{\"app\":\"B0000000000000009\",\"rank\":1,"
		    "\"registered_index\":11,\"registered_ms\":7}],"
		    "\"recorded_index\":2,\"recorded_ms\":1,\"released\":[],"
		    "\"restrictions\":[]}",
		/* released before registered */
		"{" FULLER ",\"liens\":[],\"recorded_index\":2,\"recorded_ms\":1,"
		    "\"released\":[{\"app\":\"A0000000000000004\","
		    "\"registered_index\":5,\"registered_ms\":3,"
		    "\"released_index\":4,\"released_ms\":6}],"
		    "\"restrictions\":[]}",
		/* negative time; string number */
		"{" FULLER ",\"liens\":[],\"recorded_index\":2,"
		    "\"recorded_ms\":-1,\"released\":[],\"restrictions\":[]}",
		"{" FULLER ",\"liens\":[],\"recorded_index\":\"2\","
		    "\"recorded_ms\":1,\"released\":[],\"restrictions\":[]}",
		/* unknown and repeated restriction kinds */
		"{" FULLER ",\"liens\":[],\"recorded_index\":2,\"recorded_ms\":1,"
		    "\"released\":[],\"restrictions\":[{\"index\":3,\"kind\":"
		    "\"towed\",\"since_ms\":1}]}",
		"{" FULLER ",\"liens\":[],\"recorded_index\":2,\"recorded_ms\":1,"
		    "\"released\":[],\"restrictions\":[{\"index\":3,\"kind\":"
		    "\"stolen\",\"since_ms\":1},{\"index\":4,\"kind\":\"stolen\","
		    "\"since_ms\":2}]}",
		"[]", "", "{}",
	};
	struct reg_status st;

	(void)state;
	assert_int_equal(registry_status_parse((const uint8_t *)good,
	    strlen(good), &st), LIEN_OK);
	assert_int_equal(st.nliens, 1);
	assert_int_equal(st.nreleased, 1);
	assert_true(st.liens[0].active);
	assert_false(st.liens[1].active);
	assert_int_equal(st.nrestrictions, 1);
	assert_string_equal(registry_restriction_name(st.restrictions[0].kind),
	    "seized");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (registry_status_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &st) == LIEN_OK)
			fail_msg("accepted: %s", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_vehicle_key),
		cmocka_unit_test(test_registry_nonce_idem_keys),
		cmocka_unit_test_setup_teardown(test_registry_status_proofs,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_audit_state_root, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_no_map, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_pipeline, setup, teardown),
		cmocka_unit_test(test_registry_status_parse_strict),
		cmocka_unit_test(test_registry_status_key_is_vehicle_key),
		cmocka_unit_test_setup_teardown(test_registry_build_workflow,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_build_refusals,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_window_undecided, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_audit_digest_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_audit_stats_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_window_audit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_anomaly_rules,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_owner_burst_index, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_window_kept_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_build_nonce_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_payload_vectors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_audit_random, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_replay_audit_illegal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_erasure,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_subject_layout,
		    setup, teardown),
		cmocka_unit_test(test_registry_subject_decoders),
		cmocka_unit_test_setup_teardown(
		    test_registry_time_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_repeated_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_idempotency_key, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_company_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_registry_state_handover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_statistics_totals,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_owner_index,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_counter,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_counter_phone,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_counter_expiry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_delivery,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_reminders,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
