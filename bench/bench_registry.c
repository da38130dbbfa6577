/*
 * bench_registry: what one registration step costs the sequencer.
 *
 * Every registry entry is built by registry_build inside the single
 * sequencer thread's write transaction (ledger/ledger.h), so its CPU time
 * per entry bounds the whole system's registration rate, however many
 * cores verify signatures in front of it. This program measures it
 * in-process on a real ledger in a scratch directory: the parties of a
 * registration office are filed, V vehicles recorded, then C cases per
 * vehicle run the load generator's default flow (mortgage with face
 * evidence -> officer approval -> release by the mortgagee -> approval of
 * the release), each step submitted for all vehicles through
 * ledger_append_many in batches of 64, with the default anomaly rules
 * (so owner-burst and release-soon diversions happen as under
 * `lienlog load`), realistic evidence (an RFC 9421 Signature-Input, a
 * 64-byte signature, a sealed body of ~700 bytes).
 *
 * Figures (stdout, "name value unit"; notes on stderr):
 *   registry_build_us_per_entry  CPU time of registry_build on the
 *       sequencer thread (CLOCK_THREAD_CPUTIME_ID around each call, which
 *       adds ~0.1 us of clock reads), per workflow entry; also by step;
 *   sequencer_cpu_us_per_entry   all CPU the sequencer thread used during
 *       the workflow (registry build + envelope, Merkle, checkpoint
 *       signature, commit) per entry;
 *   registry_entries_per_s       workflow entries / wall time, one thread
 *       submitting batches of 64 (each batch one fsync);
 *   ed25519_verify_per_s         the bare verify rate on this core, as the
 *       crypto bound every bench prints.
 * --smoke shrinks the run (names stay the same) for the ctest
 * bench.registry_smoke, which checks names and format, never times.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo/demo.h"
#include "bench/bench_util.h"
#include "common/hex.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "registry/ids.h"
#include "ledger/ledger.h"
#include "registry/registry.h"

#define BATCH 64u
#define SEALED_LEN 700u
#define VEHICLES_MAX 4096u
#define CASES_MAX 48u		/* under the 64-liens-per-vehicle cap */
#define NSTEPS 4u

/* ---- the timed build callback ----------------------------------------- */

static atomic_uint_fast64_t g_build_ns;
static atomic_uint_fast64_t g_build_n;
static atomic_int g_have_clock;
static clockid_t g_seq_clock;	/* set once, before g_have_clock */

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static enum lien_status LIEN_MUST_CHECK
timed_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	uint64_t t0, t1;
	enum lien_status rc;

	if (!atomic_load(&g_have_clock)) {
		if (pthread_getcpuclockid(pthread_self(), &g_seq_clock) == 0)
			atomic_store(&g_have_clock, 1);
	}
	t0 = thread_cpu_ns();
	rc = registry_build(arg, st, index, time_ms, out, cap, out_len);
	t1 = thread_cpu_ns();
	atomic_fetch_add(&g_build_ns, t1 - t0);
	atomic_fetch_add(&g_build_n, 1);
	return rc;
}

static uint64_t
seq_cpu_ns(void)
{
	struct timespec ts;

	if (!atomic_load(&g_have_clock) ||
	    clock_gettime(g_seq_clock, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the world ---------------------------------------------------------- */

struct party {
	char id[40];
	enum reg_role role;
	uint8_t cert[64];
	size_t cert_len;
	uint8_t keyid[HASH_LEN];
};

struct vehicle {
	char vin[18];
	char plate[IDS_PLATE_MAX + 1];
	char cert_number[16];
	uint8_t owner[REG_COMMIT_LEN];
	char mortgage[REG_APP_ID_LEN + 1];	/* current case */
	char release[REG_APP_ID_LEN + 1];
	const struct party *bank;
};

/* Storage a request borrows until its append returns. */
struct slot {
	struct reg_request rq;
	char nonce[40];
	char contract[48];
	uint8_t sig[64];
};

struct bench {
	char dir[64];
	char *skey, *vkey;
	struct note_signer *signer;
	struct ledger *l;
	struct party admin, bank_a, bank_b, officer, registry;
	struct reg_rules rules;
	uint8_t sealed[SEALED_LEN];
	uint64_t seq, rng;
	struct vehicle *veh;
	unsigned nveh;
	struct slot slots[BATCH];
	struct ledger_item items[BATCH];
	struct ledger_receipt out[BATCH];
};

static void
party_init(struct party *p, const char *id, enum reg_role role)
{
	(void)snprintf(p->id, sizeof p->id, "%s", id);
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

/* A request signed by p with fresh evidence: unique nonce and digest. */
static struct reg_request *
slot_init(struct bench *b, struct slot *sl, enum reg_type kind,
    const struct party *p)
{
	struct reg_request *rq = &sl->rq;
	char body[40];
	uint8_t nb[16];
	int64_t created = (int64_t)time(NULL);

	memset(rq, 0, sizeof(*rq));
	b->seq++;
	lcrypto_random(nb, sizeof nb);
	hex_encode(nb, sizeof nb, sl->nonce);
	lcrypto_random(sl->sig, sizeof sl->sig);
	rq->kind = kind;
	rq->signer.party = S(p->id);
	rq->signer.role = p->role;
	memcpy(rq->signer.keyid, p->keyid, HASH_LEN);
	rq->signer.not_after_ms = 4102444800000ull;	/* 2100-01-01 */
	/* the keyed request digest and the private record's salt that api/
	 * computes (docs/privacy.md): stand-ins of the same size */
	(void)snprintf(body, sizeof body, "body-%" PRIu64, b->seq);
	hash_sha256(body, strlen(body), rq->ev.digest);
	lcrypto_random(rq->salt, sizeof rq->salt);
	rq->key_system = 1;
	rq->ev.created = created;
	rq->ev.nonce = S(sl->nonce);
	rq->ev.alg = S("ed25519");
	rq->rules = &b->rules;
	rq->sealed = b->sealed;
	rq->sealed_len = sizeof b->sealed;
	if (kind == REG_T_MORTGAGE_APPLICATION ||
	    kind == REG_T_RELEASE_APPLICATION) {
		rq->face.verdict = REG_FACE_PASS;
		lcrypto_random(rq->face.token_digest, HASH_LEN);
		rq->face.liveness = 9800;
		rq->face.match = 9600;
		rq->face.issuer = S("https://face-id.demo.lienlog.invalid");
	}
	return rq;
}

static int
fail(const char *what, enum lien_status st)
{
	fprintf(stderr, "bench_registry: %s: %s\n", what, lien_status_code(st));
	return -1;
}

/* Append n prepared slots as one batch; every item must be accepted. */
static int
run_batch(struct bench *b, size_t n)
{
	enum lien_status st;

	for (size_t i = 0; i < n; i++) {
		b->items[i].type = (uint16_t)b->slots[i].rq.kind;
		b->items[i].payload = NULL;
		b->items[i].len = 0;
		b->items[i].build = timed_build;
		b->items[i].arg = &b->slots[i].rq;
	}
	if ((st = ledger_append_many(b->l, b->items, n, b->out)) != LIEN_OK)
		return fail("ledger_append_many", st);
	for (size_t i = 0; i < n; i++)
		if (b->out[i].status != LIEN_OK) {
			fprintf(stderr, "bench_registry: item %zu refused: "
			    "%s\n", i, b->slots[i].rq.refusal ?
			    b->slots[i].rq.refusal : "?");
			return -1;
		}
	return 0;
}

static int
setup_parties(struct bench *b)
{
	const struct party *ps[4] = { &b->bank_a, &b->bank_b, &b->officer,
		&b->registry };
	char uscc[2][19];

	demo_uscc_make(&b->rng, uscc[0]);
	do
		demo_uscc_make(&b->rng, uscc[1]);
	while (strcmp(uscc[0], uscc[1]) == 0);
	party_init(&b->admin, "admin:root", REG_ROLE_ADMIN);
	party_init(&b->bank_a, uscc[0], REG_ROLE_INSTITUTION);
	party_init(&b->bank_b, uscc[1], REG_ROLE_INSTITUTION);
	party_init(&b->officer, "officer:0042", REG_ROLE_OFFICER);
	party_init(&b->registry, "registry:zj", REG_ROLE_REGISTRY);
	for (size_t i = 0; i < 4; i++) {
		const struct party *p = ps[i];
		struct reg_request *rq = slot_init(b, &b->slots[i],
		    p->role == REG_ROLE_INSTITUTION ? REG_T_INSTITUTION_FILE :
		    REG_T_PARTY_FILE, &b->admin);

		rq->party = S(p->id);
		rq->party_role = p->role;
		rq->name = S(p->role == REG_ROLE_INSTITUTION ?
		    "Example Rural Commercial Bank" : "Registration office");
		rq->cert_der = p->cert;
		rq->cert_der_len = p->cert_len;
		rq->cert_not_after_ms = 4102444800000ull;
	}
	return run_batch(b, 4);
}

static int
record_vehicles(struct bench *b)
{
	for (unsigned v0 = 0; v0 < b->nveh; v0 += BATCH) {
		size_t n = b->nveh - v0 < BATCH ? b->nveh - v0 : BATCH;

		for (size_t i = 0; i < n; i++) {
			struct vehicle *v = &b->veh[v0 + i];
			struct reg_request *rq = slot_init(b, &b->slots[i],
			    REG_T_VEHICLE_RECORD, &b->registry);

			rq->vin = S(v->vin);
			hash_sha256(v->cert_number, strlen(v->cert_number),
			    rq->details);
			memcpy(rq->owner, v->owner, REG_COMMIT_LEN);
		}
		if (run_batch(b, n) != 0)
			return -1;
	}
	return 0;
}

/* One step of one case for vehicles [v0, v0 + n). */
static void
prepare_step(struct bench *b, unsigned step, unsigned v0, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vehicle *v = &b->veh[v0 + i];
		struct slot *sl = &b->slots[i];
		struct reg_request *rq;

		switch (step) {
		case 0:
			rq = slot_init(b, sl, REG_T_MORTGAGE_APPLICATION,
			    v->bank);
			(void)snprintf(sl->contract, sizeof sl->contract,
			    "JXRCB-DY-2026-%08" PRIu64, b->seq);
			rq->vin = S(v->vin);
			hash_sha256(v->cert_number, strlen(v->cert_number),
			    rq->details);
			hash_sha256(sl->contract, strlen(sl->contract),
			    rq->contract);
			memcpy(rq->owner, v->owner, REG_COMMIT_LEN);
			break;
		case 1:
		case 3:
			rq = slot_init(b, sl, REG_T_DECISION, &b->officer);
			rq->app = S(step == 1 ? v->mortgage : v->release);
			rq->decision = REG_DECIDE_APPROVE;
			break;
		default:
			rq = slot_init(b, sl, REG_T_RELEASE_APPLICATION,
			    v->bank);
			rq->vin = S(v->vin);
			rq->app = S(v->mortgage);
			memcpy(rq->owner, v->owner, REG_COMMIT_LEN);
			break;
		}
	}
}

static void
finish_step(struct bench *b, unsigned step, unsigned v0, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vehicle *v = &b->veh[v0 + i];

		if (step == 0)
			memcpy(v->mortgage, b->slots[i].rq.app_id,
			    sizeof v->mortgage);
		else if (step == 2)
			memcpy(v->release, b->slots[i].rq.app_id,
			    sizeof v->release);
	}
}

static void
bench_ed25519(uint64_t run_ns)
{
	uint8_t pk[ED25519_PK_LEN], sig[ED25519_SIG_LEN], msg[200];
	uint8_t *sk = secret_alloc(ED25519_SK_LEN);
	uint64_t t0, el, n = 0;

	if (sk == NULL || ed25519_keypair(pk, sk) != LIEN_OK) {
		secret_free(sk);
		bench_figure("ed25519_verify_per_s", 0, "verifies/s");
		return;
	}
	lcrypto_random(msg, sizeof msg);
	ed25519_sign(sig, msg, sizeof msg, sk);
	secret_free(sk);
	t0 = bench_now_ns();
	do {
		for (unsigned i = 0; i < 64; i++, n++)
			if (ed25519_verify(sig, msg, sizeof msg, pk) != LIEN_OK)
				n = 0;
		el = bench_now_ns() - t0;
	} while (el < run_ns);
	bench_figure("ed25519_verify_per_s", (double)n / bench_seconds(el),
	    "verifies/s");
}

static int
usage(void)
{
	fprintf(stderr, "usage: bench_registry [--smoke] [--vehicles N] "
	    "[--cases N] [--dir PARENT]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const char *const step_names[NSTEPS] = { "mortgage",
		"decision", "release", "decision" };
	struct bench *b;
	struct ledger_config cfg;
	const char *parent = "/tmp";
	unsigned nveh = 256, ncases = 16, smoke = 0;
	uint64_t step_ns[NSTEPS] = { 0 }, step_n[NSTEPS] = { 0 };
	uint64_t wall0, wall, seq0, seq1, entries = 0;
	enum lien_status st;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			smoke = 1;
			nveh = 8;
			ncases = 2;
		} else if (strcmp(argv[i], "--vehicles") == 0 && i + 1 < argc) {
			nveh = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			ncases = (unsigned)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			parent = argv[++i];
		} else {
			return usage();
		}
	}
	if (nveh == 0 || nveh > VEHICLES_MAX || ncases == 0 ||
	    ncases > CASES_MAX)
		return usage();
	if (lcrypto_init() != LIEN_OK ||
	    (b = calloc(1, sizeof *b)) == NULL)
		return 1;
	b->rng = 0x6c69656e6c6f6721ull;
	b->nveh = nveh;
	registry_rules_default(&b->rules);
	lcrypto_random(b->sealed, sizeof b->sealed);
	if ((size_t)snprintf(b->dir, sizeof b->dir, "%s/bench-registry-XXXXXX",
	    parent) >= sizeof b->dir || mkdtemp(b->dir) == NULL) {
		fprintf(stderr, "bench_registry: mkdtemp under %s: %s\n",
		    parent, strerror(errno));
		free(b);
		return 1;
	}
	fprintf(stderr, "bench_registry: store %s, %u vehicles x %u cases x "
	    "%u steps, batches of %u\n", b->dir, nveh, ncases, NSTEPS, BATCH);
	if ((b->veh = calloc(nveh, sizeof *b->veh)) == NULL)
		goto out;
	if ((st = note_key_generate("bench.lienlog.invalid/registry", 16,
	    &b->skey, &b->vkey)) != LIEN_OK ||
	    (st = note_signer_parse(b->skey, strlen(b->skey), &b->signer)) !=
	    LIEN_OK) {
		(void)fail("log key", st);
		goto out;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = b->dir;
	cfg.signer = b->signer;
	cfg.batch_max = BATCH;
	cfg.map_size = 4ull << 30;
	if ((st = ledger_open(&cfg, &b->l)) != LIEN_OK) {
		(void)fail("ledger_open", st);
		goto out;
	}
	for (unsigned i = 0; i < nveh; i++) {
		struct vehicle *v = &b->veh[i];
		char owner_id[19];

		demo_vin_make(&b->rng, v->vin);
		demo_plate_make(&b->rng, "02", v->plate, sizeof v->plate);
		(void)snprintf(v->cert_number, sizeof v->cert_number,
		    "3304%08u", i);
		demo_citizen_id_make(&b->rng, owner_id);
		hash_sha256(owner_id, strlen(owner_id), v->owner);
		v->bank = i % 2 ? &b->bank_b : &b->bank_a;
	}
	if (setup_parties(b) != 0 || record_vehicles(b) != 0)
		goto out;

	atomic_store(&g_build_ns, 0);
	atomic_store(&g_build_n, 0);
	seq0 = seq_cpu_ns();
	wall0 = bench_now_ns();
	for (unsigned c = 0; c < ncases; c++)
		for (unsigned step = 0; step < NSTEPS; step++)
			for (unsigned v0 = 0; v0 < nveh; v0 += BATCH) {
				size_t n = nveh - v0 < BATCH ? nveh - v0 :
				    BATCH;
				uint64_t ns0 = atomic_load(&g_build_ns);

				prepare_step(b, step, v0, n);
				if (run_batch(b, n) != 0)
					goto out;
				finish_step(b, step, v0, n);
				step_ns[step] += atomic_load(&g_build_ns) -
				    ns0;
				step_n[step] += n;
				entries += n;
			}
	wall = bench_now_ns() - wall0;
	seq1 = seq_cpu_ns();

	bench_ed25519(smoke ? 20000000u : 500000000u);
	bench_figure("registry_entries", (double)entries, "entries");
	bench_figure("registry_build_us_per_entry",
	    (double)atomic_load(&g_build_ns) / 1e3 /
	    (double)atomic_load(&g_build_n), "us");
	bench_figure("registry_build_us_mortgage",
	    (double)step_ns[0] / 1e3 / (double)step_n[0], "us");
	bench_figure("registry_build_us_decision",
	    (double)(step_ns[1] + step_ns[3]) / 1e3 /
	    (double)(step_n[1] + step_n[3]), "us");
	bench_figure("registry_build_us_release",
	    (double)step_ns[2] / 1e3 / (double)step_n[2], "us");
	bench_figure("sequencer_cpu_us_per_entry",
	    (double)(seq1 - seq0) / 1e3 / (double)entries, "us");
	bench_figure("registry_entries_per_s",
	    (double)entries / bench_seconds(wall), "entries/s");
	fprintf(stderr, "bench_registry: steps %s/%s/%s/%s, %" PRIu64
	    " entries in %.2f s\n", step_names[0], step_names[1],
	    step_names[2], step_names[3], entries, bench_seconds(wall));
	rc = 0;
out:
	if (b->l != NULL)
		ledger_close(b->l);
	note_signer_free(b->signer);
	secret_free(b->skey);
	free(b->vkey);
	free(b->veh);
	if (bench_rm_tree(b->dir) != 0)
		fprintf(stderr, "bench_registry: cannot remove %s\n", b->dir);
	free(b);
	return rc;
}
