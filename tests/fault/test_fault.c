/*
 * Fault sweeps (SQLite/curl style) over the three writes that must survive
 * storage and memory failing under them: a log append, a registration
 * (a mortgage application through registry_build in the sequencer) and a
 * witness update (add-checkpoint). For each kind of fault -- the Nth
 * allocation, the Nth fsync/fdatasync, the Nth LMDB commit (tests/fault/
 * fault.h) -- and each N from 1 until the write no longer reaches the
 * fault, the write runs with the fault armed, and then:
 *
 *   - it either succeeded (acknowledged: remembered) or was refused with a
 *     status, never a crash; a refusal with no fault reached is a bug;
 *   - the same open handle still works (the next write, without faults,
 *     succeeds) unless it stopped itself (the sequencer's fail-stop,
 *     LIEN_EIO), in which case it is reopened;
 *   - closed and reopened, the store audits clean (ledger_audit, and for
 *     the registry registry_replay_audit: the state tables are exactly the
 *     replay of the log), and every write ever acknowledged is there (its
 *     leaf hash at its index; the application readable; the witness holds
 *     the last size it cosigned).
 *
 * Bounded in the suite: allocation sweeps take at most FAULT_STEPS points
 * spread over all the write's allocations. LIEN_FAULT_SWEEP=full in the
 * environment sweeps every N (minutes; docs/testing.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/b64.h"
#include "common/rd.h"
#include "crypto/cosig.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "tlog/merkle.h"
#include "ledger/ledger.h"
#include "registry/ids.h"
#include "registry/registry.h"
#include "witness/witness.h"
#include "demo/demo.h"
#include "tests/fault/fault.h"

#define FAULT_STEPS 40u		/* allocation points per sweep in the suite */
#define ACKED_MAX 4096u

static int
sweep_full(void)
{
	const char *e = getenv("LIEN_FAULT_SWEEP");

	return e != NULL && strcmp(e, "full") == 0;
}

static void
rm_rf(const char *dir)
{
	char cmd[600];
	int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);

	assert_true(n > 0 && (size_t)n < sizeof cmd);
	assert_int_equal(system(cmd), 0);
}

/* ---- the sweep --------------------------------------------------------- */

/* One write under test. run: the write (fault armed around it), with
 * *acked set when it was acknowledged. after: the checks above, given
 * the write's status. */
struct op {
	void *ctx;
	enum lien_status (*run)(void *ctx, int *acked);
	void (*after)(void *ctx, enum lien_status st);
};

/* Sweep kind over op: N = 1, 1 + step, ... until a run no longer reaches
 * the Nth call. Returns the number of runs in which the fault fired. */
static unsigned
sweep(const struct op *op, enum fault_kind kind)
{
	uint64_t total, step = 1;
	unsigned nfired = 0, nrefused = 0;
	int fired, acked = 0;
	enum lien_status st;

	/* A dry run counts the calls (and warms lazy initialisation in the
	 * libraries, which a real first write would also pay for). */
	fault_arm(kind, 0);
	st = op->run(op->ctx, &acked);
	total = fault_disarm(NULL);
	assert_int_equal(st, LIEN_OK);
	op->after(op->ctx, st);
	if (kind == FAULT_ALLOC && !sweep_full() && total > FAULT_STEPS)
		step = total / FAULT_STEPS;
	for (uint64_t n = 1;; n += step) {
		acked = 0;
		fault_arm(kind, n);
		st = op->run(op->ctx, &acked);
		(void)fault_disarm(&fired);
		if (!fired) {
			assert_int_equal(st, LIEN_OK);
			op->after(op->ctx, st);
			break;
		}
		nfired++;
		if (st == LIEN_OK) {
			/* An allocation may fail where a fallback exists;
			 * a write whose commit failed is never acknowledged. */
			assert_int_equal(kind, FAULT_ALLOC);
			assert_true(acked);
		} else {
			assert_false(acked);
			nrefused++;
		}
		op->after(op->ctx, st);
	}
	print_message("    %s faults: %" PRIu64 " calls per write, %u injected, "
	    "%u refused\n", fault_kind_name(kind), total, nfired, nrefused);
	return nfired;
}

/* ---- the log ----------------------------------------------------------- */

struct acked {
	uint64_t index;
	uint8_t leaf[HASH_LEN];
	char app[REG_APP_ID_LEN + 1];	/* registrations: the application */
};

struct logfx {
	char dir[64], scratch[64];
	char *skey, *vkey;
	struct note_signer *signer;
	struct note_verifier ver;
	struct ledger *l;
	struct acked acked[ACKED_MAX];
	size_t nacked;
	uint64_t seq;
	int registry;		/* also audit the registry's replay */
	int vin_fresh;		/* vin recorded, no application yet */
	/* registration fixture */
	struct reg_rules rules;
	uint64_t rng;
	char vin[18], nonce[64], contract[64];
	uint8_t sig[64];
};

static void
log_open(struct logfx *f)
{
	struct ledger_config cfg = { 0 };

	cfg.dir = f->dir;
	cfg.signer = f->signer;
	cfg.batch_max = 16;
	cfg.map_size = 1u << 28;
	assert_int_equal(ledger_open(&cfg, &f->l), LIEN_OK);
}

static struct logfx *
logfx_new(const char *name)
{
	struct logfx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	snprintf(f->dir, sizeof f->dir, "/tmp/lienlog-fault-%s-XXXXXX", name);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(note_key_generate("fault.test/log", 14, &f->skey,
	    &f->vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(f->skey, strlen(f->skey),
	    &f->signer), LIEN_OK);
	assert_int_equal(note_verifier_parse(f->vkey, strlen(f->vkey),
	    &f->ver), LIEN_OK);
	log_open(f);
	return f;
}

static void
logfx_free(struct logfx *f)
{
	ledger_close(f->l);
	note_signer_free(f->signer);
	secret_free(f->skey);
	free(f->vkey);
	rm_rf(f->dir);
	free(f);
}

static void
ack(struct logfx *f, const struct ledger_receipt *r, const char *app)
{
	struct acked *a;

	assert_true(f->nacked < ACKED_MAX);
	a = &f->acked[f->nacked++];
	a->index = r->index;
	memcpy(a->leaf, r->leaf_hash, HASH_LEN);
	snprintf(a->app, sizeof a->app, "%s", app != NULL ? app : "");
}

/* Closed, reopened: the store audits clean and holds every acknowledged
 * entry (and application). */
static void
log_check_store(struct logfx *f)
{
	char why[512] = "";
	struct ledger_view *v;
	uint8_t h[HASH_LEN];

	ledger_close(f->l);
	f->l = NULL;
	log_open(f);
	if (ledger_audit(f->l, &f->ver, NULL, NULL, why, sizeof why) !=
	    LIEN_OK)
		fail_msg("audit after a fault: %s", why);
	if (f->registry) {
		snprintf(f->scratch, sizeof f->scratch,
		    "/tmp/lienlog-fault-replay-XXXXXX");
		assert_non_null(mkdtemp(f->scratch));
		if (registry_replay_audit(f->l, f->scratch, 0, why,
		    sizeof why) !=
		    LIEN_OK)
			fail_msg("registry replay after a fault: %s", why);
		rm_rf(f->scratch);
	}
	assert_int_equal(ledger_view_open(f->l, &v), LIEN_OK);
	for (size_t i = 0; i < f->nacked; i++) {
		const struct acked *a = &f->acked[i];

		assert_true(a->index < ledger_view_size(v));
		assert_int_equal(ledger_view_leaf_hash(v, a->index, h),
		    LIEN_OK);
		assert_memory_equal(h, a->leaf, HASH_LEN);
		if (a->app[0] != '\0') {
			char *rec = NULL;
			size_t len;

			assert_int_equal(registry_app_get(v, a->app,
			    strlen(a->app), 1, &rec, &len), LIEN_OK);
			free(rec);
		}
	}
	ledger_view_close(v);
}

/* After a faulted write: the handle either works or stopped itself. */
static void
log_after(struct logfx *f, enum lien_status st,
    enum lien_status (*next)(void *ctx, int *acked))
{
	int acked = 0;
	enum lien_status st2;

	if (st != LIEN_OK) {
		st2 = next(f, &acked);
		if (st2 != LIEN_OK) {
			/* Only the sequencer's fail-stop (its reload after
			 * the failed commit failed too) may refuse. */
			assert_int_equal(st2, LIEN_EIO);
			assert_false(acked);
		}
	}
	log_check_store(f);
}

/* ---- an append --------------------------------------------------------- */

static enum lien_status LIEN_MUST_CHECK
append_run(void *ctx, int *acked)
{
	struct logfx *f = ctx;
	struct ledger_receipt r;
	char payload[64];
	int n = snprintf(payload, sizeof payload, "fault entry %" PRIu64,
	    f->seq++);
	enum lien_status st = ledger_append(f->l, ENTRY_TYPE_DEMO,
	    (const uint8_t *)payload, (size_t)n, &r);

	if (st == LIEN_OK) {
		ack(f, &r, NULL);
		*acked = 1;
	}
	return st;
}

static void
append_after(void *ctx, enum lien_status st)
{
	log_after(ctx, st, append_run);
}

static void
test_fault_append(void **state)
{
	struct logfx *f = logfx_new("append");
	struct op op = { f, append_run, append_after };
	int acked;

	(void)state;
	for (int i = 0; i < 20; i++)	/* a log with history to lose */
		assert_int_equal(append_run(f, &acked), LIEN_OK);
	assert_true(sweep(&op, FAULT_COMMIT) >= 1);
	assert_true(sweep(&op, FAULT_SYNC) >= 1);
	if (fault_alloc_supported())
		assert_true(sweep(&op, FAULT_ALLOC) >= 1);
	logfx_free(f);
}

/* ---- a registration ---------------------------------------------------- */

#define BANK "91440300708461136T"
#define PLATE "\xe6\xb5\x99" "F12345"	/* 浙F12345 */

static struct reg_str
S(const char *s)
{
	struct reg_str r = { s, s ? strlen(s) : 0 };

	return r;
}

struct party {
	const char *id;
	enum reg_role role;
	uint8_t cert[64];
	size_t cert_len;
	uint8_t keyid[HASH_LEN];
};

static struct party admin = { "admin:root", REG_ROLE_ADMIN, { 0 }, 0, { 0 } },
    bank = { BANK, REG_ROLE_INSTITUTION, { 0 }, 0, { 0 } },
    regparty = { "registry:zj", REG_ROLE_REGISTRY, { 0 }, 0, { 0 } },
    officer = { "officer:0042", REG_ROLE_OFFICER, { 0 }, 0, { 0 } };

static void
party_init(struct party *p)
{
	p->cert_len = (size_t)snprintf((char *)p->cert, sizeof p->cert,
	    "DER-CERT-%s", p->id);
	hash_sha256(p->cert, p->cert_len, p->keyid);
}

static void
commit_of(const char *who, uint8_t out[REG_COMMIT_LEN])
{
	hash_sha256(who, strlen(who), out);
}

/* A request signed by p with fresh evidence (unique nonce and digest). */
static void
rq_init(struct logfx *f, struct reg_request *rq, enum reg_type kind,
    const struct party *p)
{
	char d[32];

	memset(rq, 0, sizeof *rq);
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
	if (kind == REG_T_MORTGAGE_APPLICATION) {
		rq->face.verdict = REG_FACE_PASS;
		commit_of("face-token", rq->face.token_digest);
		rq->face.liveness = 9800;
		rq->face.match = 9600;
		rq->face.issuer = S("https://face.example");
	}
}

static enum lien_status LIEN_MUST_CHECK
reg_submit(struct logfx *f, struct reg_request *rq,
    struct ledger_receipt *r)
{
	struct ledger_item it = { (uint16_t)rq->kind, NULL, 0, registry_build,
		rq };

	return ledger_append_item(f->l, &it, r);
}

static void
file_party(struct logfx *f, const struct party *p)
{
	struct reg_request rq;
	struct ledger_receipt r;

	rq_init(f, &rq, p->role == REG_ROLE_INSTITUTION ?
	    REG_T_INSTITUTION_FILE : REG_T_PARTY_FILE, &admin);
	rq.party = S(p->id);
	rq.party_role = p->role;
	rq.name = S(p->role == REG_ROLE_INSTITUTION ? "Example Bank" :
	    "Registry party");
	rq.cert_der = p->cert;
	rq.cert_der_len = p->cert_len;
	rq.cert_not_after_ms = 4102444800000ull;
	assert_int_equal(reg_submit(f, &rq, &r), LIEN_OK);
	ack(f, &r, NULL);
}

/* Record the vehicle of the next mortgage (a fresh VIN). */
static enum lien_status LIEN_MUST_CHECK
vehicle_record(struct logfx *f)
{
	struct reg_request rq;
	struct ledger_receipt r;
	enum lien_status st;

	demo_vin_make(&f->rng, f->vin);
	rq_init(f, &rq, REG_T_VEHICLE_RECORD, &regparty);
	rq.vin = S(f->vin);
	commit_of(PLATE "330100123456", rq.details);
	commit_of("owner", rq.owner);
	if ((st = reg_submit(f, &rq, &r)) == LIEN_OK)
		ack(f, &r, NULL);
	return st;
}

/* A mortgage application for the current vehicle. */
static enum lien_status LIEN_MUST_CHECK
mortgage_run(void *ctx, int *acked)
{
	struct logfx *f = ctx;
	struct reg_request rq;
	struct ledger_receipt r;
	char app[REG_APP_ID_LEN + 1];
	enum lien_status st;

	rq_init(f, &rq, REG_T_MORTGAGE_APPLICATION, &bank);
	rq.vin = S(f->vin);
	commit_of(PLATE "330100123456", rq.details);
	/* the keyed identifier of (bank, contract number) */
	snprintf(f->contract, sizeof f->contract, "%s/HT-2026-%" PRIu64,
	    BANK, f->seq);
	commit_of(f->contract, rq.contract);
	commit_of("owner", rq.owner);
	st = reg_submit(f, &rq, &r);
	if (st == LIEN_OK) {
		registry_app_id_format(r.index, app);
		ack(f, &r, app);
		*acked = 1;
	}
	return st;
}

/* The write that follows a faulted application on the same handle: the
 * next vehicle's record. */
static enum lien_status LIEN_MUST_CHECK
vehicle_run(void *ctx, int *acked)
{
	struct logfx *f = ctx;
	enum lien_status st = vehicle_record(f);

	*acked = st == LIEN_OK;
	f->vin_fresh = st == LIEN_OK;
	return st;
}

static void
mortgage_after(void *ctx, enum lien_status st)
{
	struct logfx *f = ctx;

	f->vin_fresh = 0;
	log_after(f, st, vehicle_run);
	if (!f->vin_fresh)	/* each application on a vehicle of its own */
		assert_int_equal(vehicle_record(f), LIEN_OK);
}

static void
test_fault_registration(void **state)
{
	struct logfx *f = logfx_new("registration");
	struct op op = { f, mortgage_run, mortgage_after };

	(void)state;
	f->registry = 1;
	f->rng = 0x5eed;
	registry_rules_default(&f->rules);
	f->rules.multi_bank_min = 0;
	f->rules.release_soon_ms = 0;
	f->rules.owner_burst_max = 0;
	party_init(&admin);
	party_init(&bank);
	party_init(&regparty);
	file_party(f, &bank);
	file_party(f, &regparty);
	assert_int_equal(vehicle_record(f), LIEN_OK);
	assert_true(sweep(&op, FAULT_COMMIT) >= 1);
	assert_true(sweep(&op, FAULT_SYNC) >= 1);
	if (fault_alloc_supported())
		assert_true(sweep(&op, FAULT_ALLOC) >= 1);
	logfx_free(f);
}

/* ---- a counter application (窗口兜底) -----------------------------------
 * The officer's mortgage application with the bank's voucher: it writes
 * the application and uses the voucher up (pstate "vo/") in one
 * transaction, so a fault anywhere leaves both or neither, and the
 * private audit replays the voucher's use. */

static char voucher_id[REG_VOUCHER_ID_LEN + 1];

/* The bank's voucher for the current vehicle and the next contract. */
static void
voucher_issue(struct logfx *f)
{
	struct reg_request rq;
	struct ledger_receipt r;

	rq_init(f, &rq, REG_T_VOUCHER, &bank);
	rq.vin = S(f->vin);
	rq.valid_days = 7;
	snprintf(f->contract, sizeof f->contract, "%s/CT-%" PRIu64, BANK,
	    f->seq);
	commit_of(f->contract, rq.contract);
	assert_int_equal(reg_submit(f, &rq, &r), LIEN_OK);
	ack(f, &r, NULL);
	memcpy(voucher_id, rq.app_id, sizeof voucher_id);
}

static enum lien_status
counter_run(void *ctx, int *acked)
{
	struct logfx *f = ctx;
	struct reg_request rq;
	struct ledger_receipt r;
	char app[REG_APP_ID_LEN + 1];
	enum lien_status st;

	rq_init(f, &rq, REG_T_MORTGAGE_APPLICATION, &officer);
	memset(&rq.face, 0, sizeof rq.face);
	rq.counter = 1;
	rq.id_document = REG_IDDOC_RESIDENT_ID;
	rq.mortgagee = S(BANK);
	rq.voucher = S(voucher_id);
	rq.vin = S(f->vin);
	commit_of(PLATE "330100123456", rq.details);
	commit_of(f->contract, rq.contract);
	commit_of("owner", rq.owner);
	st = reg_submit(f, &rq, &r);
	if (st == LIEN_OK) {
		registry_app_id_format(r.index, app);
		ack(f, &r, app);
		*acked = 1;
	}
	return st;
}

static void
counter_after(void *ctx, enum lien_status st)
{
	struct logfx *f = ctx;

	mortgage_after(ctx, st);	/* a fresh vehicle */
	voucher_issue(f);		/* and its voucher */
}

static void
test_fault_counter(void **state)
{
	struct logfx *f = logfx_new("counter");
	struct op op = { f, counter_run, counter_after };

	(void)state;
	f->registry = 1;
	f->rng = 0xc0c0;
	registry_rules_default(&f->rules);
	f->rules.multi_bank_min = 0;
	f->rules.release_soon_ms = 0;
	f->rules.owner_burst_max = 0;
	party_init(&admin);
	party_init(&bank);
	party_init(&regparty);
	party_init(&officer);
	file_party(f, &bank);
	file_party(f, &regparty);
	file_party(f, &officer);
	assert_int_equal(vehicle_record(f), LIEN_OK);
	voucher_issue(f);
	assert_true(sweep(&op, FAULT_COMMIT) >= 1);
	assert_true(sweep(&op, FAULT_SYNC) >= 1);
	if (fault_alloc_supported())
		assert_true(sweep(&op, FAULT_ALLOC) >= 1);
	logfx_free(f);
}

/* ---- a witness update -------------------------------------------------- */

#define ORIGIN "fault.test/log"
#define TREE_MAX 4096u

struct witfx {
	char dir[64];
	struct note_signer *log;
	struct cosig_signer *wkey;
	struct note_verifier *logs;
	size_t nlogs;
	struct witness *w;
	uint8_t (*leaf)[HASH_LEN];
	uint64_t held;		/* the size last acknowledged */
	uint64_t now;
};

static enum lien_status LIEN_MUST_CHECK
tree_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	const struct witfx *f = ctx;
	uint8_t l[HASH_LEN], r[HASH_LEN];

	if (level == 0) {
		if (index >= TREE_MAX)
			return LIEN_ERANGE;
		memcpy(out, f->leaf[index], HASH_LEN);
		return LIEN_OK;
	}
	if (tree_node(ctx, level - 1, 2 * index, l) != LIEN_OK ||
	    tree_node(ctx, level - 1, 2 * index + 1, r) != LIEN_OK)
		return LIEN_ERANGE;
	hash_node(l, r, out);
	return LIEN_OK;
}

/* "old <m>\n" + consistency proof lines + "\n" + the signed checkpoint of
 * size n. Caller frees. */
static uint8_t *
wit_request(struct witfx *f, uint64_t m, uint64_t n, size_t *out_len)
{
	struct merkle_source src = { tree_node, f };
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], root[HASH_LEN];
	char body[512], *note = NULL;
	size_t np = 0, blen, nlen, cap, o;
	uint8_t *b;
	int k;

	if (m > 0)
		assert_int_equal(merkle_prove_consistency(&src, m, n, proof,
		    &np), LIEN_OK);
	assert_int_equal(merkle_root(&src, n, root), LIEN_OK);
	assert_int_equal(checkpoint_format(ORIGIN, strlen(ORIGIN), n, root,
	    body, sizeof body, &blen), LIEN_OK);
	assert_int_equal(note_sign(f->log, (const uint8_t *)body, blen, &note,
	    &nlen), LIEN_OK);
	cap = 32 + np * 45 + 1 + nlen;
	b = malloc(cap);
	assert_non_null(b);
	k = snprintf((char *)b, cap, "old %" PRIu64 "\n", m);
	o = (size_t)k;
	for (size_t i = 0; i < np; i++) {
		assert_int_equal(b64_encode(proof[i], HASH_LEN, (char *)b + o,
		    cap - o), LIEN_OK);
		o += 44;
		b[o++] = '\n';
	}
	b[o++] = '\n';
	memcpy(b + o, note, nlen);
	*out_len = o + nlen;
	free(note);
	return b;
}

static void
wit_open(struct witfx *f)
{
	assert_int_equal(witness_open(f->dir, 1u << 24, f->wkey, f->logs,
	    f->nlogs, &f->w), LIEN_OK);
}

/* Extend the held tree by 3 leaves. Building the request is the log's
 * work, not the witness's: it runs with the fault paused. */
static enum lien_status LIEN_MUST_CHECK
wit_run(void *ctx, int *acked)
{
	struct witfx *f = ctx;
	struct witness_result res;
	size_t len;
	uint64_t n = f->held + 3;
	uint8_t *body;
	enum lien_status st;

	assert_true(n < TREE_MAX);
	fault_pause();
	body = wit_request(f, f->held, n, &len);
	fault_resume();
	st = witness_add_checkpoint(f->w, body, len, f->now++, &res);
	free(body);
	if (st == LIEN_OK) {
		assert_true(res.stored_size == n);
		assert_true(res.lines_len > 0);
		f->held = n;
		*acked = 1;
	} else {
		assert_int_equal(res.lines_len, 0);
	}
	return st;
}

static void
wit_check_held(struct witfx *f)
{
	uint64_t size = 0, t;
	uint8_t root[HASH_LEN];

	assert_int_equal(witness_latest(f->w, ORIGIN, strlen(ORIGIN), &size,
	    root, &t, NULL, NULL), LIEN_OK);
	assert_true(size == f->held);
}

static void
wit_after(void *ctx, enum lien_status st)
{
	struct witfx *f = ctx;
	int acked = 0;

	wit_check_held(f);	/* a refusal changed nothing */
	if (st != LIEN_OK)	/* the same handle carries on */
		assert_int_equal(wit_run(f, &acked), LIEN_OK);
	witness_close(f->w);
	f->w = NULL;
	wit_open(f);
	wit_check_held(f);	/* what was acknowledged is durable */
}

static void
test_fault_witness(void **state)
{
	struct witfx *f = calloc(1, sizeof *f);
	char *skey = NULL, *vkey = NULL, cfg[600];
	struct op op = { f, wit_run, wit_after };
	int n, acked;

	(void)state;
	assert_non_null(f);
	assert_int_equal(lcrypto_init(), LIEN_OK);
	strcpy(f->dir, "/tmp/lienlog-fault-witness-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->leaf = calloc(TREE_MAX, HASH_LEN);
	assert_non_null(f->leaf);
	for (unsigned i = 0; i < TREE_MAX; i++) {
		char e[32];
		int k = snprintf(e, sizeof e, "leaf %u", i);

		hash_leaf((const uint8_t *)e, (size_t)k, f->leaf[i]);
	}
	assert_int_equal(note_key_generate(ORIGIN, strlen(ORIGIN), &skey,
	    &vkey), LIEN_OK);
	assert_int_equal(note_signer_parse(skey, strlen(skey), &f->log),
	    LIEN_OK);
	n = snprintf(cfg, sizeof cfg, "log %s\n", vkey);
	assert_true(n > 0 && (size_t)n < sizeof cfg);
	secret_free(skey);
	free(vkey);
	assert_int_equal(witness_logs_parse((const uint8_t *)cfg, (size_t)n,
	    &f->logs, &f->nlogs, NULL), LIEN_OK);
	assert_int_equal(cosig_key_generate("fault.test/w", 12, &skey, &vkey),
	    LIEN_OK);
	assert_int_equal(cosig_signer_parse(skey, strlen(skey), &f->wkey),
	    LIEN_OK);
	secret_free(skey);
	free(vkey);
	f->now = 1700000000u;
	wit_open(f);
	assert_int_equal(wit_run(f, &acked), LIEN_OK);
	assert_true(sweep(&op, FAULT_COMMIT) >= 1);
	assert_true(sweep(&op, FAULT_SYNC) >= 1);
	if (fault_alloc_supported())
		assert_true(sweep(&op, FAULT_ALLOC) >= 1);
	witness_close(f->w);
	free(f->logs);
	cosig_signer_free(f->wkey);
	note_signer_free(f->log);
	free(f->leaf);
	rm_rf(f->dir);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_append),
		cmocka_unit_test(test_fault_registration),
		cmocka_unit_test(test_fault_counter),
		cmocka_unit_test(test_fault_witness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
