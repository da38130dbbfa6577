/*
 * bench_growth: the in-process half of the growth benchmark (issue 14;
 * bench/growth.py drives it, bench/README.md "Growth").
 *
 *   bench_growth build DIR --entries N [--batch B] [--sync]
 *       [--wstat] [--span-days D [--end-days-ago E]]
 *       DIR is a `lienlogd --demo DIR` directory (its log key, its demo
 *       world, a store with the demo parties filed). Appends realistic
 *       registrations through the real sequencer and registry path
 *       (ledger_append_many with registry_build: every rule checked,
 *       every entry in a signed checkpoint, auditable) until the log holds
 *       at least N entries: per vehicle, the registry mirror records it,
 *       a demo bank applies for a mortgage (face evidence, Idempotency-Key,
 *       a sealed box; payload version 2: keyed identifiers and
 *       a salted private record, docs/privacy.md), the officer approves; every second
 *       vehicle's mortgage is then released by its bank and the release
 *       approved (the load generator's flow). Signers are the demo
 *       world's filed parties (looked up by their keyids in the store), so
 *       `lienlog load --demo DIR` runs against the grown store afterwards.
 *       No HTTP and no request signature verification: the request
 *       evidence (Signature-Input, nonce, keyed digest) is well-formed;
 *       the sealed box holds the evidence text api/ would seal (the body
 *       client/regclient.c sends, its Signature-Input, 64 random bytes
 *       for the signature), compressed (registry/evzip.h) and sealed
 *       under a key of the run's: the size of a real box (the audit
 *       never opens it). As api/ does, a vehicle's requests are sealed
 *       (key id, keyed request digest) under its owner's subject key,
 *       made with the vehicle record (api/subject.h subject_get; DIR's
 *       master.key wraps it) and stored by that entry: three `keys`
 *       records per owner, one new owner per vehicle; the filings stay
 *       under the system key.
 *       Built for speed, not to be measured (the measured load runs the
 *       real server on the built store afterwards): batches of B entries
 *       (default LEDGER_BATCH_MAX, 4,096: one checkpoint, state root and
 *       commit each; the last 1/TAPER_SHARE of them at most TAPER_BATCH,
 *       and nonces that live BUILD_NONCE_WINDOW_MS: both keep LMDB's
 *       free list near what lienlogd's own batches leave), and the store opened LEDGER_NOSYNC (no fdatasync per
 *       batch; one ledger_sync at the end, whose time is printed) unless
 *       --sync. The sequencer thread does ~95% of the work (perf: the
 *       registry step, LMDB, the commit); preparing the requests is the
 *       other ~4%, so it stays on the main thread.
 *       --span-days D: a simulated clock. A registry reaches 10^7
 *       entries in about ten years (a province registers about a
 *       million mortgages and releases a year, issue 14), and what it
 *       keeps only for a window (Idempotency-Keys 24 h, nonces 300 s,
 *       the multi-bank window and the owner counters 31 days) is then a
 *       day's or a month's worth, not the whole store. On a new store
 *       (data.mdb removed; the demo world and log key stay) the ledger
 *       is opened with a clock (ledger_config clock_ms) that gives the
 *       N entries times spread evenly over D days, the last at the time
 *       the build started (or --end-days-ago before), so the store's
 *       newest time is before the real clock lienlogd and the audit use
 *       afterwards. The demo world's filings come first, at the start
 *       (file_parties: the requests `lienlogd --demo`'s seeder sends,
 *       built as api/ builds them); each request's created time and
 *       Idempotency-Key time are its entry's; the rules are the
 *       registry's (300 s nonce window). Everything expires in the
 *       sequencer as it would have over those days. Without it (D 0)
 *       the real clock and BUILD_NONCE_WINDOW_MS, the seeded store
 *       grown, as before. --end-days-ago E ends a new store's span E
 *       days before now; --span-days on a store with entries continues
 *       from its newest entry at the rate D gives (and must end by now):
 *       growth.py's --wstat counts so run at the registry's rate, with
 *       the expiry that rate brings.
 *       --wstat: count the store's writes per table and the leaf and
 *       overflow pages they dirty (ledger_wstat_start; not counted: the
 *       first round of one vehicle, which expires what came due since
 *       the store was last written) and print them per new entry,
 *       wstat_<table>_writes_per_entry and wstat_<table>_pages_per_entry
 *       for every table, their sums wstat_writes_per_entry and
 *       wstat_pages_per_entry, and wstat_entries, wstat_batches. With
 *       --batch 16, about the batches lienlogd commits under `lienlog
 *       load`, a table with random keys dirties one leaf per write once
 *       it is much larger than a batch's writes; an appended table its
 *       new pages and the last one.
 *   bench_growth machine DIR [--smoke]
 *       the machine's bounds beside the figures: fdatasync latency of a
 *       4 KiB write in DIR (median and p99 of 200), single-core SHA-256
 *       rate over 1 KiB buffers, single-core Ed25519 verifications of a
 *       128-byte message (a checkpoint's size); both rates per second of
 *       the thread's CPU time.
 *   bench_growth evidence DIR [--vehicles N] [--dump FILE]
 *       the evidence texts of N vehicles' five steps (default 200, at
 *       most 4,096), built as `build` builds them from DIR's demo world:
 *       per step their mean length as text and compressed
 *       (evidence_<step>_text_bytes, evidence_<step>_evzip_bytes), the
 *       means (evidence_text_bytes_mean, evidence_evzip_bytes_mean) and
 *       the CPU per text of evzip_encode and evzip_decode (this thread's,
 *       evidence_encode_us, evidence_decode_us). --dump writes the texts
 *       to FILE, each a native size_t length then the bytes.
 *   bench_growth stat DIR
 *       entries in the store and the mean entry envelope size (a sample of
 *       up to 20,000 entries spread over the log).
 *   bench_growth privread DIR [--reads N]
 *       private records read back as their readers read them: N
 *       (default 2,000) at indexes spread over the log, each through a
 *       view of its own as GET /v1/evidence reads one (store v23: one
 *       pack inflated per read), then every one in index order through
 *       one view as the audit reads them; this thread's CPU per record
 *       (privread_random_us, privread_sequential_us) and the records
 *       found (privread_random_records, privread_sequential_records).
 *   bench_growth entryread DIR [--reads N]
 *       entries read back as their readers read them: N (default 2,000)
 *       at indexes spread over the log, each through a view of its own
 *       (a receipt, GET /v1/entries, the evidence route's entry), then N
 *       complete bundles as GET /log/tile/entries serves them
 *       (ledger_view_bundle, a view each), then every entry in order
 *       through one view (ledger_view_foreach_entry, as the replay and
 *       the statistics walk them); this thread's CPU per read
 *       (entryread_random_us, entryread_bundle_us,
 *       entryread_sequential_us) and the bytes read
 *       (entryread_random_bytes, entryread_bundle_bytes, mean per read).
 *   bench_growth stateread DIR [--reads N]
 *       state records read back as the routes read one: N (default
 *       2,000) applications, then N public vehicle records, at keys
 *       sampled over their tables, each through a view of its own; this
 *       thread's CPU per read (stateread_apps_us, stateread_vehicles_us)
 *       and the mean record length (stateread_<t>_bytes).
 *   bench_growth tileread DIR [--reads N]
 *       hash tiles and proofs read back as the log routes read them: N
 *       (default 2,000) level-0 tiles of complete bundles (GET
 *       /log/tile/0/<N>), then N inclusion proofs, with the leaf hash, of
 *       entries of complete bundles, each through a view of its own; this
 *       thread's CPU per read (tileread_tile0_us, tileread_proof_us).
 *   bench_growth format
 *       the store format this build writes ("lienlog-store-v9"), on
 *       stdout: growth.py names its cached stores by it.
 *
 * Figures on stdout, "name value unit"; progress on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "common/file.h"
#include "common/hex.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "common/b64.h"
#include "crypto/cert.h"
#include "crypto/idemkey.h"
#include "crypto/jws.h"
#include "crypto/note.h"
#include "crypto/seal.h"
#include "crypto/sign.h"
#include "client/regclient.h"
#include "demo/demo.h"
#include "ledger/ledger.h"
#include "registry/evzip.h"
#include "registry/ids.h"
#include "registry/registry.h"
#include "tlog/entry.h"
#include "api/subject.h"

#define BATCH LEDGER_BATCH_MAX	/* the largest batch (--batch) */
/* api/reg_int.h REG_EVIDENCE_TAG: the sealed plaintext's first field */
#define EVIDENCE_TAG "lienlog-evidence-v2"
/* The build's requests' nonce window (the registry's rule nonce_window_ms;
 * lienlogd's default is 300 s). The build runs ~10,000 entries/s, a rate
 * lienlogd never sustains: under a 300 s window it would leave ~3 million
 * live nonces, whose expiry, in the first batch after the build, frees
 * hundreds of thousands of pages at once (73,590 free pages at 10^6,
 * 212,507 at 10^7). LMDB keeps freed pages on its free list, and 0.9.24
 * searches the whole list for each value of several pages (a bundle, a
 * packed record: 17-46 pages at each bundle) at a cost that grows with
 * the square of the list (docs/storage.md "The free list"): 30-230 ms per
 * bundle at 10^7, more than the rest of the sequencer's work. A store
 * grown at a registry's real rate never holds more than a few thousand
 * live nonces; with a 2 s window the build's stay near that, and every
 * batch still records and expires its own nonces. */
#define BUILD_NONCE_WINDOW_MS 2000u
/* The last 1/TAPER_SHARE of the new entries are built in batches of at
 * most TAPER_BATCH. A transaction frees the old copies of the pages it
 * dirties, and the free list then keeps about one transaction's worth
 * for good (later ones reuse as much as they free); a 4,096-entry batch
 * at 10^6 left 10,431 free pages. Only single-page growth drains it
 * (~0.25 pages per entry), so the taper leaves the store with the free
 * list of smaller batches (2,439 pages after 256-entry batches at 10^6),
 * nearer what lienlogd's own batches leave. */
#define TAPER_SHARE 32u
#define TAPER_BATCH 256u
#define CHUNK 4096u		/* vehicles per round of the workflow */
#define COHORT 256u		/* vehicles taken through it together */
#define NSTEPS 5u		/* record, mortgage, decision, release,
				 * decision */

struct party {
	const struct regclient_party *rp;	/* its demo key: signs */
	const char *uscc;			/* banks: their USCC */
	/* its Signature-Input as regclient_sign writes it, around the
	 * created and nonce parameters (party_sig_init) */
	char sig_head[256], sig_tail[160];
	enum reg_role role;
	char id[REG_PARTY_ID_MAX + 1];
	uint8_t keyid[HASH_LEN];
	uint64_t not_after_ms;
};

struct vehicle {
	char vin[18];
	char plate[IDS_PLATE_MAX + 1];
	char cert_number[16];
	char owner_id[19];
	uint8_t owner[REG_COMMIT_LEN];	/* build: the subject's owner_ref */
	/* build: the owner's subject (api/subject.h), made with the
	 * vehicle record's request (its key stored in that entry: subj.rec)
	 * and sealing all five of the vehicle's requests, as api/ seals an
	 * owner's (api/routes_reg.c owner_subject, known_subject) */
	struct subject subj;
	uint8_t details[REG_COMMIT_LEN];	/* keyed plate, type, number */
	char mortgage[REG_APP_ID_LEN + 1];
	char release[REG_APP_ID_LEN + 1];
	const struct party *bank;
	int dead;		/* a step was refused: the rest skipped */
};

/* Storage a request borrows until its append returns. */
struct slot {
	struct reg_request rq;
	struct vehicle *v;	/* NULL: a filing */
	unsigned step;
	uint64_t ms;		/* the request's time: created, Idempotency-Key */
	char nonce[40];
	char idem[IDEMKEY_LEN + 1];
	char contract[48];
};

/* Sealed boxes a step's requests take in turn (slot_seal). */
#define BOX_POOL 512u
struct box {
	uint8_t *p;		/* malloc'd; NULL: not made yet */
	size_t len;
};

struct growth {
	struct ledger *l;
	struct party bank[2], officer, registry;
	struct reg_rules rules;
	const struct demo_world *w;
	struct seal_key *seal;	/* seals the pooled boxes (slot_seal) */
	struct keyring *kr;	/* DIR/master.key's, as lienlogd's */
	struct box pool[NSTEPS][BOX_POOL];
	uint32_t pool_next[NSTEPS];
	uint64_t seq, rng, refused, entries;
	uint32_t run;		/* contract numbers unique across runs */
	struct vehicle veh[CHUNK];
	struct slot slots[BATCH];
	struct ledger_item items[BATCH];
	struct ledger_receipt out[BATCH];
	size_t nslot, batch;	/* prepared; per batch (--batch) */
	/* --span-days: the simulated clock (sim_ms). The sequencer reads it
	 * once per item and once per state root (ledger_config clock_ms),
	 * each reading a tick; tick k is sim_t0 + k x sim_step_ms. */
	int sim;
	uint8_t *filing_box[DEMO_FILINGS];	/* file_parties' boxes */
	uint64_t sim_t0, ticks;
	double sim_step_ms;
};

static struct reg_str
S(const char *s)
{
	struct reg_str r = { s, s ? strlen(s) : 0 };

	return r;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The simulated time of tick k. */
static uint64_t
sim_at(const struct growth *g, uint64_t k)
{
	return g->sim_t0 + (uint64_t)((double)k * g->sim_step_ms);
}

/* ledger_config clock_ms, in the sequencer thread: a tick per reading.
 * ledger_append_many returns after the sequencer is done with the batch
 * (under the ledger's mutex), so the main thread then reads ticks. */
static uint64_t
sim_clock(void *arg)
{
	struct growth *g = arg;

	return sim_at(g, g->ticks++);
}

/* The time of the request in slot i of the batch being prepared: the
 * time its entry will get (items take ticks in order, refused ones too,
 * then the batch's state root takes one), or now. */
static uint64_t
request_ms(const struct growth *g, size_t i)
{
	return g->sim ? sim_at(g, g->ticks + i) : now_ms();
}

static int
fail(const char *what, enum lien_status st)
{
	fprintf(stderr, "bench_growth: %s: %s\n", what, lien_status_code(st));
	return -1;
}

/* A request signed (in form) by p: fresh nonce, Idempotency-Key, digest. */
static struct reg_request *
slot_init(struct growth *g, struct slot *sl, struct vehicle *v,
    enum reg_type kind, const struct party *p)
{
	struct reg_request *rq = &sl->rq;
	char body[40];
	uint8_t nb[16], dg[HASH_LEN];
	struct hash_part part = { dg, sizeof dg };
	uint64_t ms = request_ms(g, (size_t)(sl - g->slots));
	int64_t created = (int64_t)(ms / 1000u);

	memset(rq, 0, sizeof(*rq));
	sl->v = v;
	sl->ms = ms;
	g->seq++;
	lcrypto_random(nb, sizeof nb);
	hex_encode(nb, sizeof nb, sl->nonce);
	if (idemkey_generate(ms, sl->idem) != LIEN_OK)
		sl->idem[0] = '\0';
	rq->kind = kind;
	rq->signer.party = S(p->id);
	rq->signer.role = p->role;
	memcpy(rq->signer.keyid, p->keyid, HASH_LEN);
	rq->signer.not_after_ms = p->not_after_ms;
	/* the request digest keyed by the key the request is sealed under
	 * and the private record's salt, as api/ computes them
	 * (api/reg_http.c, docs/privacy.md; the digested bytes are a
	 * stand-in): a vehicle's requests are sealed under its owner's
	 * subject key (prepare: made with the vehicle record, whose entry
	 * stores it), the demo world's filings under the system key */
	(void)snprintf(body, sizeof body, "growth-%" PRIu64, g->seq);
	hash_sha256(body, strlen(body), dg);
	rq->key_system = v == NULL || v->subj.key == NULL;
	if (!rq->key_system) {
		memcpy(rq->key_id, v->subj.id, REG_SUBJECT_ID_LEN);
		if (v->subj.is_new && kind == REG_T_VEHICLE_RECORD)
			rq->newkey[0] = &v->subj.rec;
	}
	if (seal_key_ref(rq->key_system ? keyring_system(g->kr) :
	    v->subj.key, "lienlog-request-v2", &part, 1, rq->ev.digest) !=
	    LIEN_OK)
		return NULL;
	secret_wipe(dg, sizeof dg);
	lcrypto_random(rq->salt, sizeof rq->salt);
	rq->ev.created = created;
	rq->ev.nonce = S(sl->nonce);
	rq->ev.alg = S("ed25519");
	if (sl->idem[0] != '\0')
		rq->ev.idem_key = S(sl->idem);
	rq->rules = &g->rules;
	if (kind == REG_T_MORTGAGE_APPLICATION ||
	    kind == REG_T_RELEASE_APPLICATION) {
		rq->face.verdict = REG_FACE_PASS;
		lcrypto_random(rq->face.token_digest, HASH_LEN);
		rq->face.liveness = 9800;
		rq->face.match = 9600;
		rq->face.issuer = S(DEMO_FACE_ISS);
	}
	return rq;
}

/* The party's Signature-Input as regclient_sign writes it (a request
 * with an Idempotency-Key), cut around its created and nonce parameters:
 * the components before, the key id and algorithm after. */
static enum lien_status
party_sig_init(struct party *p)
{
	struct httpsig_signed sig;
	const char *c, *k;
	enum lien_status st;

	if ((st = regclient_sign(p->rp, "POST", "lienlog.example", "/",
	    (const uint8_t *)"{}", 2, 1, "00000000-0000-0000-0000-000000000000",
	    &sig)) != LIEN_OK)
		return st;
	if ((c = strstr(sig.signature_input, ";created=")) == NULL ||
	    (k = strstr(c, ";keyid=")) == NULL ||
	    (size_t)(c - sig.signature_input) >= sizeof p->sig_head ||
	    strlen(k) >= sizeof p->sig_tail)
		return LIEN_EPARSE;
	memcpy(p->sig_head, sig.signature_input,
	    (size_t)(c - sig.signature_input));
	p->sig_head[c - sig.signature_input] = '\0';
	memcpy(p->sig_tail, k, strlen(k) + 1);
	return LIEN_OK;
}

/* The evidence text api/ seals for a write (api/reg_int.h
 * REG_EVIDENCE_TAG): tag 0x00 method 0x00 path 0x00 Signature-Input 0x00
 * Signature 0x00 body. The RFC 9421 fields are as a client writes them
 * (regclient_sign: components, created, a 16-byte nonce, key id,
 * algorithm), the 64-byte signature random bytes: a real one costs an
 * SM2 signature per bank request (the demo banks' keys), which made the
 * build's preparation slower than its sequencer. *out malloc'd; *ctx the
 * text's context for evzip_encode (its created, nonce and key id, as
 * api/ builds it from the request: registry/evzip.h). */
static enum lien_status
evidence_text(const struct party *p, const char *path, const char *body,
    size_t blen, int64_t created, uint8_t **out, size_t *out_len,
    struct evzip_ctx *ctx)
{
	char sig_input[512], sig[128], nonce[32], b64[96];
	uint8_t rnd[64 + 16];	/* the signature, then the nonce */
	const char *parts[5];
	size_t lens[5], n = blen, at = 0;
	uint8_t *t;
	enum lien_status st;

	lcrypto_random(rnd, sizeof rnd);
	if ((st = jws_b64url_encode(rnd + 64, 16, nonce, sizeof nonce)) !=
	    LIEN_OK || (st = b64_encode(rnd, 64, b64, sizeof b64)) !=
	    LIEN_OK || (st = evzip_context(created, nonce, strlen(nonce),
	    p->keyid, ctx)) != LIEN_OK)
		return st;
	(void)snprintf(sig_input, sizeof sig_input, "%s;created=%" PRId64
	    ";nonce=\"%s\"%s", p->sig_head, created, nonce, p->sig_tail);
	(void)snprintf(sig, sizeof sig, "sig1=:%s:", b64);
	parts[0] = EVIDENCE_TAG;
	parts[1] = "POST";
	parts[2] = path;
	parts[3] = sig_input;
	parts[4] = sig;
	for (int i = 0; i < 5; i++)
		n += (lens[i] = strlen(parts[i])) + 1;
	if ((t = malloc(n)) == NULL)
		return LIEN_ENOMEM;
	for (int i = 0; i < 5; i++) {
		memcpy(t + at, parts[i], lens[i]);
		at += lens[i];
		t[at++] = 0;
	}
	memcpy(t + at, body, blen);
	*out = t;
	*out_len = n;
	return LIEN_OK;
}

/* The body a client sends for the step (client/regclient.c, as `lienlog
 * load` does) and its path. *body malloc'd. Application ids are stand-ins
 * of the real length (the real one is the entry index, known only in the
 * sequencer). */
static enum lien_status
step_body(const struct growth *g, const struct slot *sl, char *path,
    size_t cap, char **body, size_t *blen)
{
	const struct vehicle *v = sl->v;
	const struct demo_world *w = g->w;
	char app[REG_APP_ID_LEN + 8];
	int64_t now = sl->ms ? (int64_t)(sl->ms / 1000u) : (int64_t)time(NULL);

	(void)snprintf(app, sizeof app, "A%016" PRIx64, g->seq);
	switch (sl->step) {
	case 0:
		(void)snprintf(path, cap, "/v1/vehicles");
		return regclient_vehicle_body(v->vin, v->plate, "02",
		    v->cert_number, v->owner_id, body, blen);
	case 1: {
		struct regclient_mortgage m;

		memset(&m, 0, sizeof m);
		m.rq.mortgagee = v->bank->uscc;
		m.rq.vin = v->vin;
		m.rq.owner_id_number = v->owner_id;
		m.rq.owner_commit = v->owner;
		m.rq.liveness = 9800;
		m.rq.match = 9600;
		m.plate = v->plate;
		m.plate_type = "02";
		m.certificate_number = v->cert_number;
		m.contract_number = sl->contract;
		(void)snprintf(path, cap, "/v1/mortgages");
		return regclient_mortgage_body(demo_face_issuer(w), NULL,
		    demo_registry_name(w), &m, now, body, blen, NULL);
	}
	case 3: {
		struct regclient_release r;

		memset(&r, 0, sizeof r);
		r.rq.mortgagee = v->bank->uscc;
		r.rq.vin = v->vin;
		r.rq.owner_id_number = v->owner_id;
		r.rq.owner_commit = v->owner;
		r.rq.liveness = 9800;
		r.rq.match = 9600;
		r.mortgage = app;
		(void)snprintf(path, cap, "/v1/releases");
		return regclient_release_body(demo_face_issuer(w), NULL,
		    demo_registry_name(w), &r, now, body, blen, NULL);
	}
	default:
		(void)snprintf(path, cap, "/v1/applications/%s/decision", app);
		return regclient_decision_body("approve", NULL, body, blen);
	}
}

/* Seal the evidence text of a request to path with body (signed by p)
 * into b as api/ seals it (AD: tag 0x00, the system key's 16 zero bytes,
 * the private record's salt; a bound box, store v25), compressed
 * (registry/evzip.h). */
static enum lien_status
box_make(struct growth *g, const struct slot *sl, const struct party *p,
    const char *path, const char *body, size_t blen, struct box *b)
{
	size_t tlen = 0, zlen = 0, alen;
	uint8_t *text = NULL, *z = NULL;
	uint8_t ad[sizeof(EVIDENCE_TAG) + 16 + REG_SALT_LEN];
	struct evzip_ctx ctx;
	enum lien_status st;

	if ((st = evidence_text(p, path, body, blen, sl->rq.ev.created,
	    &text, &tlen, &ctx)) != LIEN_OK ||
	    (st = evzip_encode(text, tlen, &ctx, &z, &zlen)) != LIEN_OK)
		goto out;
	memset(ad, 0, sizeof ad);
	memcpy(ad, EVIDENCE_TAG, sizeof(EVIDENCE_TAG));
	alen = sizeof(EVIDENCE_TAG) + 16;
	memcpy(ad + alen, sl->rq.salt, REG_SALT_LEN);
	st = LIEN_ENOMEM;
	if ((b->p = malloc(zlen + SEAL_OVERHEAD)) == NULL)
		goto out;
	if ((st = seal_box_bound(g->seal, ad, sizeof ad, z, zlen, b->p,
	    zlen + SEAL_OVERHEAD, &b->len)) != LIEN_OK) {
		free(b->p);
		b->p = NULL;
	}
out:
	free(text);
	free(z);
	return st;
}

/* The sealed evidence of the slot's request: the step's evidence text,
 * compressed and sealed (box_make). The first BOX_POOL requests of each
 * step make their own; later ones take those again in turn: a box's
 * bytes cost the store the same whoever else has equal ones (nothing
 * deduplicates them), and making one (the body's JSON, the face token's
 * signature, deflate, the seal) on the thread that waits for each batch
 * tripled the build's time at 10^5 when every request made its own
 * (13 s -> 45 s; the audit never opens a box; a bench-built box does not
 * open in `GET /v1/evidence` either, its AD names another salt). */
static enum lien_status
slot_seal(struct growth *g, struct slot *sl, const struct party *p)
{
	char path[96], *body = NULL;
	size_t blen = 0;
	struct box *b = &g->pool[sl->step][g->pool_next[sl->step]++ %
	    BOX_POOL];
	enum lien_status st = LIEN_OK;

	if (b->p == NULL && (st = step_body(g, sl, path, sizeof path, &body,
	    &blen)) == LIEN_OK)
		st = box_make(g, sl, p, path, body, blen, b);
	sl->rq.sealed = b->p;
	sl->rq.sealed_len = b->p != NULL ? b->len : 0;
	free(body);
	return st;
}

/* The items' build callback, in the sequencer thread, in log order: a
 * decision or a release names the application that an earlier item of
 * the same vehicle created (in this batch or an earlier one: the
 * application id is its entry's index, known only once it is built), so
 * a vehicle's whole case fits in one batch. */
static enum lien_status
slot_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	struct slot *sl = arg;
	struct vehicle *v = sl->v;
	enum lien_status rc;

	if (sl->step == 2 || sl->step == 3)
		sl->rq.app = S(v->mortgage);
	else if (sl->step == 4)
		sl->rq.app = S(v->release);
	rc = registry_build(&sl->rq, st, index, time_ms, out, cap, out_len);
	if (rc == LIEN_OK && sl->step == 1)
		memcpy(v->mortgage, sl->rq.app_id, sizeof v->mortgage);
	else if (rc == LIEN_OK && sl->step == 3)
		memcpy(v->release, sl->rq.app_id, sizeof v->release);
	return rc;
}

/* Append the prepared slots as one batch. A refused item marks its
 * vehicle dead (a rare VIN collision, say); storage errors stop. */
static int
flush(struct growth *g)
{
	size_t n = g->nslot;
	enum lien_status st;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		g->items[i].type = (uint16_t)g->slots[i].rq.kind;
		g->items[i].payload = NULL;
		g->items[i].len = 0;
		g->items[i].build = slot_build;
		g->items[i].arg = &g->slots[i].rq;
	}
	if ((st = ledger_append_many(g->l, g->items, n, g->out)) != LIEN_OK)
		return fail("ledger_append_many", st);
	for (size_t i = 0; i < n; i++) {
		struct slot *sl = &g->slots[i];

		if (g->out[i].status != LIEN_OK && sl->v == NULL) {
			fprintf(stderr, "bench_growth: filing refused: %s\n",
			    sl->rq.refusal ? sl->rq.refusal : "?");
			return fail("filing the demo parties",
			    g->out[i].status);
		}
		if (g->out[i].status != LIEN_OK) {
			if (g->refused++ < 5)
				fprintf(stderr, "bench_growth: step %u refused:"
				    " %s (%s)\n", sl->step, sl->rq.refusal ?
				    sl->rq.refusal : "?",
				    lien_status_code(g->out[i].status));
			sl->v->dead = 1;
			continue;
		}
		g->entries++;
	}
	g->nslot = 0;
	return 0;
}

/* The vehicle's owner's subject as api/ finds or makes it for the
 * owner's first request (subject_get, in a snapshot of its own as
 * api/'s request handlers take one, closed at once so no reader pins
 * old pages across the build's commits): a new key (v->subj.is_new,
 * stored by the vehicle record's entry; the owners are fresh random ID
 * numbers), or the owner's key when the store holds one. The owner
 * reference is the key's, as api/'s. */
static enum lien_status
owner_subject(struct growth *g, struct vehicle *v)
{
	struct ledger_view *view;
	enum lien_status st;

	subject_clear(&v->subj);
	if ((st = ledger_view_open(g->l, &view)) != LIEN_OK)
		return st;
	st = subject_get(g->kr, view, SEAL_KIND_CITIZEN_ID, v->owner_id,
	    strlen(v->owner_id), &v->subj);
	ledger_view_close(view);
	if (st == LIEN_OK)
		memcpy(v->owner, v->subj.owner_ref, REG_COMMIT_LEN);
	return st;
}

static int
prepare(struct growth *g, unsigned step, struct vehicle *v)
{
	struct slot *sl = &g->slots[g->nslot++];
	struct reg_request *rq;
	const struct party *p;
	enum lien_status st;

	sl->step = step;
	if (step == 0 && (st = owner_subject(g, v)) != LIEN_OK)
		return fail("the owner's subject key", st);
	switch (step) {
	case 0:
		rq = slot_init(g, sl, v, REG_T_VEHICLE_RECORD, &g->registry);
		if (rq == NULL)
			break;
		rq->vin = S(v->vin);
		memcpy(rq->details, v->details, REG_COMMIT_LEN);
		memcpy(rq->owner, v->owner, REG_COMMIT_LEN);
		break;
	case 1:
		rq = slot_init(g, sl, v, REG_T_MORTGAGE_APPLICATION, v->bank);
		if (rq == NULL)
			break;
		(void)snprintf(sl->contract, sizeof sl->contract,
		    "GROWTH-%08" PRIx32 "-%010" PRIu64, g->run, g->seq);
		rq->vin = S(v->vin);
		memcpy(rq->details, v->details, REG_COMMIT_LEN);
		hash_sha256(sl->contract, strlen(sl->contract), rq->contract);
		memcpy(rq->owner, v->owner, REG_COMMIT_LEN);
		break;
	case 2:
	case 4:
		rq = slot_init(g, sl, v, REG_T_DECISION, &g->officer);
		if (rq == NULL)
			break;
		rq->decision = REG_DECIDE_APPROVE;
		break;
	default:
		rq = slot_init(g, sl, v, REG_T_RELEASE_APPLICATION, v->bank);
		if (rq == NULL)
			break;
		rq->vin = S(v->vin);
		memcpy(rq->owner, v->owner, REG_COMMIT_LEN);
		break;
	}
	if (rq == NULL)
		return fail("the request digest", LIEN_EINVAL);
	p = step == 0 ? &g->registry : step == 2 || step == 4 ? &g->officer :
	    v->bank;
	if ((st = slot_seal(g, sl, p)) != LIEN_OK)
		return fail("sealing the evidence", st);
	return 0;
}

/* n new vehicles in g->veh. */
static void
vehicles_make(struct growth *g, unsigned n, uint64_t *vno)
{
	for (unsigned i = 0; i < n; i++) {
		struct vehicle *v = &g->veh[i];

		subject_clear(&v->subj);	/* the last round's */
		memset(v, 0, sizeof *v);
		demo_vin_make(&g->rng, v->vin);
		demo_plate_make(&g->rng, "02", v->plate, sizeof v->plate);
		(void)snprintf(v->cert_number, sizeof v->cert_number,
		    "33%010" PRIu64, (*vno)++ % 10000000000u);
		{
			char d[64];

			(void)snprintf(d, sizeof d, "%s|02|%s", v->plate,
			    v->cert_number);
			hash_sha256(d, strlen(d), v->details);
		}
		demo_citizen_id_make(&g->rng, v->owner_id);
		hash_sha256(v->owner_id, strlen(v->owner_id), v->owner);
		v->bank = &g->bank[bench_rand(&g->rng) & 1];
	}
}

/* One round: n new vehicles through the workflow, step by step. */
static int
round_run(struct growth *g, unsigned n, uint64_t *vno)
{
	vehicles_make(g, n, vno);
	/* Cohort by cohort, each through the five steps: a vehicle's
	 * records are touched again a few hundred entries later, while the
	 * sequencer's cache of parsed records (registry/cache.c, 4,096
	 * slots) still holds them, instead of 8,192 vehicles later, when
	 * every lookup missed and every store evicted a cold tree (a
	 * quarter of the build's CPU). */
	for (unsigned c0 = 0; c0 < n; c0 += COHORT) {
		unsigned c1 = n - c0 < COHORT ? n : c0 + COHORT;

		for (unsigned step = 0; step < NSTEPS; step++) {
			for (unsigned i = c0; i < c1; i++) {
				struct vehicle *v = &g->veh[i];

				/* every second vehicle keeps its lien */
				if (v->dead || (step >= 3 && (i & 1)))
					continue;
				if (prepare(g, step, v) != 0)
					return -1;
				if (g->nslot == g->batch &&
				    flush(g) != 0)
					return -1;
			}
		}
	}
	/* the vehicles are reused by the next round */
	return flush(g);
}

static int read_file(const char *path, char *buf, size_t cap, size_t *len);

/* A new store (--span-days): the demo world's filings (demo_filing_get,
 * what `lienlogd --demo`'s seeder files first over HTTP: the two banks,
 * the officer, the registry mirror, the auditor, the post office) as the
 * administrator's requests, through the registry path as api/ builds
 * them (api/routes_reg.c post_filing: the certificate's DER and notAfter;
 * its chain was checked when the demo world was made), in one batch at
 * the simulated start. */
static int
file_parties(struct growth *g, const char *dir)
{
	const struct regclient_party *ap = demo_party(g->w, DEMO_ADMIN);
	struct party admin;
	struct cert *crt[DEMO_FILINGS + 1] = { NULL };
	struct cert_info info;
	struct demo_filing f;
	char path[4096], *pem;
	size_t plen;
	int rc = -1;

	memset(&admin, 0, sizeof admin);
	(void)snprintf(path, sizeof path, "%s/demo/admin.pem", dir);
	if ((pem = malloc(65536)) == NULL)
		return -1;
	if (ap == NULL || read_file(path, pem, 65536, &plen) != 0 ||
	    cert_parse_text(pem, plen, &crt[DEMO_FILINGS]) != LIEN_OK ||
	    cert_info_get(crt[DEMO_FILINGS], &info) != LIEN_OK ||
	    hex_decode(ap->keyid, strlen(ap->keyid), admin.keyid, HASH_LEN) !=
	    LIEN_OK) {
		(void)fail("the demo administrator's certificate", LIEN_EPARSE);
		goto out;
	}
	admin.rp = ap;
	admin.role = REG_ROLE_ADMIN;
	admin.not_after_ms = info.not_after > 0 ?
	    (uint64_t)info.not_after * 1000u : 0;
	/* api/auth.c: an administrator's party id */
	(void)snprintf(admin.id, sizeof admin.id, "admin:%s", ap->keyid);
	if (party_sig_init(&admin) != LIEN_OK) {
		(void)fail("the administrator's signature", LIEN_EPARSE);
		goto out;
	}
	for (unsigned i = 0; demo_filing_get(g->w, i, &f) == LIEN_OK; i++) {
		struct slot *sl = &g->slots[g->nslot++];
		int inst = f.contact != NULL;
		struct reg_request *rq = slot_init(g, sl, NULL, inst ?
		    REG_T_INSTITUTION_FILE : REG_T_PARTY_FILE, &admin);
		char *body = NULL;
		size_t blen = 0, dlen;
		struct box b = { NULL, 0 };
		enum lien_status st;

		if (rq == NULL) {
			(void)fail("the request digest", LIEN_EINVAL);
			goto out;
		}
		sl->step = NSTEPS;	/* not a step of the workflow */
		if (cert_parse_text(f.cert, f.cert_len, &crt[i]) != LIEN_OK ||
		    cert_info_get(crt[i], &info) != LIEN_OK ||
		    info.not_after < 0) {
			(void)fail("a demo certificate", LIEN_EPARSE);
			goto out;
		}
		rq->party = S(f.party);
		rq->party_role = inst ? REG_ROLE_INSTITUTION :
		    strcmp(f.role, "officer") == 0 ? REG_ROLE_OFFICER :
		    strcmp(f.role, "registry") == 0 ? REG_ROLE_REGISTRY :
		    strcmp(f.role, "auditor") == 0 ? REG_ROLE_AUDITOR :
		    REG_ROLE_POST;
		rq->name = S(f.name);
		if (inst)
			rq->contact = S(f.contact);
		rq->cert_der = cert_der_get0(crt[i], &dlen);
		rq->cert_der_len = dlen;
		rq->cert_not_after_ms = (uint64_t)info.not_after * 1000u;
		st = inst ? regclient_institution_contact_body(f.party,
		    f.name, f.contact, f.cert, f.cert_len, &body, &blen) :
		    regclient_party_body(f.party, f.role, f.name, f.cert,
		    f.cert_len, &body, &blen);
		if (st == LIEN_OK)
			st = box_make(g, sl, &admin, inst ? "/v1/institutions" :
			    "/v1/parties", body, blen, &b);
		free(body);
		if (st != LIEN_OK) {
			(void)fail("a filing's evidence", st);
			goto out;
		}
		/* kept until the flush, freed with g */
		sl->rq.sealed = b.p;
		sl->rq.sealed_len = b.len;
		g->filing_box[i] = b.p;
	}
	rc = flush(g);
out:
	for (unsigned i = 0; i <= DEMO_FILINGS; i++)
		cert_free(crt[i]);
	free(pem);
	return rc;
}

static int
party_get(struct ledger_view *v, const struct demo_world *w,
    enum demo_party_id id, struct party *out)
{
	const struct regclient_party *p = demo_party(w, id);
	struct reg_party rp;
	enum lien_status st;

	if (p == NULL || hex_decode(p->keyid, strlen(p->keyid), out->keyid,
	    HASH_LEN) != LIEN_OK)
		return fail("demo party keyid", LIEN_EPARSE);
	if ((st = registry_party_lookup(v, out->keyid, &rp)) != LIEN_OK)
		return fail("demo party not filed in the store", st);
	out->rp = p;
	out->uscc = demo_bank_uscc(w, id);
	if ((st = party_sig_init(out)) != LIEN_OK)
		return fail("demo party signature", st);
	out->role = rp.role;
	memcpy(out->id, rp.party_id, rp.party_id_len);
	out->id[rp.party_id_len] = '\0';
	out->not_after_ms = rp.not_after_ms;
	return 0;
}

static int
read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	*len = fread(buf, 1, cap - 1, f);
	buf[*len] = '\0';
	(void)fclose(f);
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		buf[--*len] = '\0';
	return 0;
}

/* A key class as a figure's name part: its letters and digits ("o/":
 * "o", "st/": "st"), "bin" for binary keys, "other" for the classes
 * past the slots (ledger_wstat_class). */
static void
wstat_class_name(const char *cls, char out[LEDGER_WSTAT_CLASS_LEN + 8])
{
	size_t n = 0;

	if (strcmp(cls, "*") == 0) {
		strcpy(out, "other");
		return;
	}
	for (; *cls != 0 && n < LEDGER_WSTAT_CLASS_LEN; cls++)
		if ((*cls >= 'a' && *cls <= 'z') || (*cls >= 'A' &&
		    *cls <= 'Z') || (*cls >= '0' && *cls <= '9'))
			out[n++] = *cls;
	if (n == 0)
		strcpy(out, "bin");
	else
		out[n] = 0;
}

/* Per key class of each table whose writes go mostly to keys with text
 * prefixes (pstate, index, keys): writes per entry and the clean leaves
 * they dirtied per entry, "wstat_<table>_key_<class>_writes_per_entry"
 * and "..._leaves_per_entry". */
static void
wstat_print_classes(struct ledger *l, double n)
{
	uint64_t w, lv;
	const char *name;
	char cls[LEDGER_WSTAT_CLASS_LEN], cn[LEDGER_WSTAT_CLASS_LEN + 8];
	char fig[128];

	for (unsigned i = 0; ledger_wstat_get(l, i, &name, &w, &lv) ==
	    LIEN_OK; i++) {
		uint64_t all = 0, text = 0;

		for (unsigned j = 0; ledger_wstat_class(l, i, j, &name, cls,
		    &w, &lv) == LIEN_OK; j++) {
			all += w;
			text += cls[0] != 0 && strcmp(cls, "*") != 0 ? w : 0;
		}
		/* tables keyed by text prefixes (a binary key passes for
		 * one now and then) */
		if (2 * text <= all)
			continue;
		for (unsigned j = 0; ledger_wstat_class(l, i, j, &name,
		    cls, &w, &lv) == LIEN_OK; j++) {
			wstat_class_name(cls, cn);
			(void)snprintf(fig, sizeof fig,
			    "wstat_%s_key_%s_writes_per_entry", name, cn);
			bench_figure(fig, (double)w / n, "writes");
			(void)snprintf(fig, sizeof fig,
			    "wstat_%s_key_%s_leaves_per_entry", name, cn);
			bench_figure(fig, (double)lv / n, "pages");
		}
	}
}

/* The --wstat figures: per new entry, each table's writes and the leaf
 * and overflow pages they dirtied, and the sums; then every page the
 * commits wrote, by tree (each table, the free list, the table of
 * tables) and kind (branch, leaf, overflow), and the sums. */
static int
wstat_print(struct ledger *l, uint64_t entries, uint64_t batches,
    uint64_t wchar)
{
	uint64_t w, lv, wsum = 0, lsum = 0;
	uint64_t wp[3], wk[3] = { 0, 0, 0 }, commits = 0;
	const char *name;
	char fig[96];
	double n = entries > 0 ? (double)entries : 1;
	enum lien_status st;

	for (unsigned i = 0; (st = ledger_wstat_get(l, i, &name, &w, &lv)) ==
	    LIEN_OK; i++) {
		(void)snprintf(fig, sizeof fig, "wstat_%s_writes_per_entry",
		    name);
		bench_figure(fig, (double)w / n, "writes");
		(void)snprintf(fig, sizeof fig, "wstat_%s_pages_per_entry",
		    name);
		bench_figure(fig, (double)lv / n, "pages");
		wsum += w;
		lsum += lv;
	}
	if (st != LIEN_ENOTFOUND)
		return fail("ledger_wstat_get", st);
	wstat_print_classes(l, n);
	bench_figure("wstat_writes_per_entry", (double)wsum / n, "writes");
	bench_figure("wstat_pages_per_entry", (double)lsum / n, "pages");
	/* every page the commits wrote, by tree and kind (exact) */
	for (unsigned i = 0; (st = ledger_wstat_written(l, i, &name, wp,
	    &commits)) == LIEN_OK; i++) {
		static const char *const kind[3] = { "branch", "leaf",
		    "overflow" };

		for (unsigned k = 0; k < 3; k++) {
			(void)snprintf(fig, sizeof fig,
			    "wstat_%s_written_%s_per_entry", name, kind[k]);
			bench_figure(fig, (double)wp[k] / n, "pages");
			wk[k] += wp[k];
		}
	}
	if (st != LIEN_ENOTFOUND)
		return fail("ledger_wstat_written", st);
	bench_figure("wstat_written_branch_per_entry", (double)wk[0] / n,
	    "pages");
	bench_figure("wstat_written_leaf_per_entry", (double)wk[1] / n,
	    "pages");
	bench_figure("wstat_written_overflow_per_entry", (double)wk[2] / n,
	    "pages");
	bench_figure("wstat_written_per_entry", (double)(wk[0] + wk[1] +
	    wk[2]) / n, "pages");
	bench_figure("wstat_written_per_commit", commits > 0 ?
	    (double)(wk[0] + wk[1] + wk[2]) / (double)commits : 0, "pages");
	bench_figure("wstat_commits", (double)commits, "commits");
	/* the same pages as bytes handed to pwrite (the meta pages' part
	 * too, and stderr's progress lines): what growth.py's
	 * pages_written_per_entry counts under the load */
	bench_figure("wstat_wchar_pages_per_entry", (double)wchar / 4096.0 /
	    n, "pages");
	bench_figure("wstat_entries", (double)entries, "entries");
	bench_figure("wstat_batches", (double)batches, "batches");
	return 0;
}

/* The simulated clock of a build to target entries over span_days (a
 * tick per entry, state roots included, spread evenly). A new store
 * ends end_ago_days before now, so that a later build on it (--wstat's)
 * can continue at the same rate up to now: the store's newest entry is
 * never later than the real clock lienlogd and the audit use next. A
 * store with entries continues from its newest entry's time, and must
 * end by now. */
static int
sim_start(struct growth *g, double span_days, double end_ago_days,
    uint64_t target)
{
	double span_ms = span_days * 86400000.0;
	uint64_t size = ledger_size(g->l), now = now_ms();
	struct ledger_view *v = NULL;
	const uint8_t *e;
	size_t len;
	struct entry en;
	enum lien_status st;

	if (target <= size)
		return 0;
	g->sim_step_ms = span_ms / (double)(target - size);
	if (size == 0) {
		g->sim_t0 = now - (uint64_t)(span_ms + end_ago_days *
		    86400000.0);
		return 0;
	}
	if ((st = ledger_view_open(g->l, &v)) != LIEN_OK ||
	    (st = ledger_view_entry(v, size - 1, &e, &len)) != LIEN_OK ||
	    (st = entry_decode(e, len, &en)) != LIEN_OK) {
		ledger_view_close(v);
		return fail("the store's newest entry", st);
	}
	ledger_view_close(v);
	g->sim_t0 = en.time_ms + (uint64_t)g->sim_step_ms;
	if (g->sim_t0 + (uint64_t)span_ms > now) {
		fprintf(stderr, "bench_growth: --span-days %.3f from the "
		    "store's newest entry would end %.0f s after now (build "
		    "the store with --end-days-ago)\n", span_days,
		    (double)(g->sim_t0 + (uint64_t)span_ms - now) / 1000.0);
		return -1;
	}
	return 0;
}

static int
cmd_build(const char *dir, uint64_t target, unsigned batch, int sync,
    int wstat, double span_days, double end_ago_days)
{
	struct growth *g;
	struct demo_world *w = NULL;
	struct note_signer *signer = NULL;
	struct ledger_config cfg;
	struct ledger_view *view = NULL;
	char path[4096], why[DEMO_WHY_MAX], *skey;
	size_t len;
	uint64_t vno = 0, t0, tlast, ts, size0, size, batches0 = 0, wchar0 = 0;
	struct ledger_stats ls;
	enum lien_status st;
	int rc = 1;

	if ((g = calloc(1, sizeof *g)) == NULL ||
	    (skey = secret_alloc(4096)) == NULL) {
		free(g);
		return 1;
	}
	g->batch = batch;
	g->rng = 0x67726f7774680001ull ^ (uint64_t)time(NULL);
	lcrypto_random(&g->run, sizeof g->run);
	registry_rules_default(&g->rules);
	/* simulated: the registry's own rules (its 300 s nonce window is a
	 * few entries at a registry's rate) */
	g->sim = span_days > 0;
	if (!g->sim)
		g->rules.nonce_window_ms = BUILD_NONCE_WINDOW_MS;
	if (seal_key_generate(&g->seal) != LIEN_OK)
		goto out;
	/* the master key lienlogd opens the store with (api/app.c: DIR's
	 * master.key, exactly KEYRING_MASTER_LEN bytes), so the subject
	 * keys the build stores unwrap there */
	(void)snprintf(path, sizeof path, "%s/master.key", dir);
	len = 0;
	if ((st = file_read_into(path, skey, KEYRING_MASTER_LEN, &len)) !=
	    LIEN_OK || len != KEYRING_MASTER_LEN) {
		fprintf(stderr, "bench_growth: %s: not a master key (%s)\n",
		    path, lien_status_code(st));
		goto out;
	}
	st = keyring_new((const uint8_t *)skey, len, &g->kr);
	secret_wipe(skey, len);
	if (st != LIEN_OK) {
		(void)fail("the master key", st);
		goto out;
	}
	(void)snprintf(path, sizeof path, "%s/log.key", dir);
	if (read_file(path, skey, 4096, &len) != 0) {
		fprintf(stderr, "bench_growth: %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	if ((st = note_signer_parse(skey, len, &signer)) != LIEN_OK) {
		(void)fail("log key", st);
		goto out;
	}
	if ((st = demo_world_load(dir, &w, why, sizeof why)) != LIEN_OK) {
		fprintf(stderr, "bench_growth: demo world: %s\n", why);
		goto out;
	}
	g->w = w;
	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.signer = signer;
	cfg.batch_max = batch;
	cfg.flags = sync ? 0 : LEDGER_NOSYNC;
	if (g->sim) {
		cfg.clock_ms = sim_clock;	/* read only by appends */
		cfg.clock_arg = g;
	}
	if ((st = ledger_open(&cfg, &g->l)) != LIEN_OK) {
		(void)fail("ledger_open", st);
		goto out;
	}
	if (g->sim && sim_start(g, span_days, end_ago_days, target) != 0)
		goto out;
	if (g->sim && ledger_size(g->l) == 0 && file_parties(g, dir) != 0)
		goto out;
	if ((st = ledger_view_open(g->l, &view)) != LIEN_OK) {
		(void)fail("ledger_view_open", st);
		goto out;
	}
	if (party_get(view, w, DEMO_BANK_A, &g->bank[0]) != 0 ||
	    party_get(view, w, DEMO_BANK_B, &g->bank[1]) != 0 ||
	    party_get(view, w, DEMO_OFFICER, &g->officer) != 0 ||
	    party_get(view, w, DEMO_REGISTRY, &g->registry) != 0)
		goto out;
	ledger_view_close(view);
	view = NULL;
	/* --wstat counts from the second batch: the first expires every
	 * record due since the store was last written (the build's nonces
	 * BUILD_NONCE_WINDOW_MS after their request), a backlog a cached
	 * store would otherwise charge to the few entries measured */
	if (wstat && round_run(g, 1, &vno) != 0)
		goto out;
	if (wstat && (st = ledger_wstat_start(g->l)) != LIEN_OK) {
		(void)fail("ledger_wstat_start", st);
		goto out;
	}
	ledger_stats_get(g->l, &ls);
	batches0 = ls.batches;
	size0 = ledger_size(g->l);
	wchar0 = bench_proc_io("wchar");
	t0 = tlast = bench_now_ns();
	fprintf(stderr, "bench_growth: %s: %" PRIu64 " entries, growing to %"
	    PRIu64 " (batches of %u, %s; %s)\n", dir, size0, target, batch,
	    sync ? "fdatasync each" : "one fdatasync at the end", g->sim ?
	    "simulated clock" : "real clock");
	if (g->sim)
		fprintf(stderr, "bench_growth: simulated: %.1f days, %.1f s "
		    "per entry, %.0f entries a day, ending now\n", span_days,
		    g->sim_step_ms / 1000.0, 86400000.0 / g->sim_step_ms);
	while ((size = ledger_size(g->l)) < target) {
		/* about 4 entries per vehicle, plus a state root per batch */
		uint64_t want = (target - size) / 4 + 1;
		unsigned n = want < CHUNK ? (unsigned)want : CHUNK;
		uint64_t t = bench_now_ns();

		if (target - size <= (target - size0) / TAPER_SHARE &&
		    g->batch > TAPER_BATCH)
			g->batch = TAPER_BATCH;	/* rounds end flushed */

		if (round_run(g, n, &vno) != 0)
			goto out;
		if (t - tlast >= 30000000000ull) {
			fprintf(stderr, "bench_growth: %" PRIu64 " entries, "
			    "%.0f entries/s, load average %.2f\n", size,
			    (double)(size - size0) / bench_seconds(t - t0),
			    bench_loadavg_1m());
			tlast = t;
		}
	}
	ts = bench_now_ns();
	if ((st = ledger_sync(g->l)) != LIEN_OK) {
		(void)fail("ledger_sync", st);
		goto out;
	}
	fprintf(stderr, "bench_growth: synced in %.1f s\n",
	    bench_seconds(bench_now_ns() - ts));
	size = ledger_size(g->l);
	fprintf(stderr, "bench_growth: built %" PRIu64 " entries (%" PRIu64
	    " new, %" PRIu64 " vehicles, %" PRIu64 " refused) in %.1f s\n",
	    size, size - size0, vno, g->refused,
	    bench_seconds(bench_now_ns() - t0));
	bench_figure("build_entries_per_s", (double)(size - size0) /
	    bench_seconds(bench_now_ns() - t0), "entries/s");
	bench_figure("build_span_days", g->sim ? (double)(sim_at(g, g->ticks) -
	    g->sim_t0) / 86400000.0 : 0, "days");
	ledger_stats_get(g->l, &ls);
	if (wstat && wstat_print(g->l, size - size0, ls.batches - batches0,
	    bench_proc_io("wchar") - wchar0) != 0)
		goto out;
	rc = 0;
out:
	if (view != NULL)
		ledger_view_close(view);
	if (g->l != NULL)
		ledger_close(g->l);
	demo_world_free(w);
	note_signer_free(signer);
	secret_free(skey);
	for (size_t i = 0; i < NSTEPS; i++)
		for (size_t j = 0; j < BOX_POOL; j++)
			free(g->pool[i][j].p);
	for (size_t i = 0; i < DEMO_FILINGS; i++)
		free(g->filing_box[i]);
	for (size_t i = 0; i < CHUNK; i++)
		subject_clear(&g->veh[i].subj);
	keyring_free(g->kr);
	seal_key_free(g->seal);
	free(g);
	return rc;
}

static uint64_t cpu_now_ns(void);

/* bench_growth evidence: the compression of realistic evidence texts
 * (registry/evzip.h) and its CPU per text. */
static int
cmd_evidence(const char *dir, unsigned nveh, const char *dump)
{
	static const char *const kind[NSTEPS] = { "vehicle", "mortgage",
		"decision", "release", "release_decision" };
	struct growth *g;
	struct demo_world *w = NULL;
	char why[DEMO_WHY_MAX], fig[96];
	uint8_t **texts = NULL;
	struct evzip_ctx *ctxs = NULL;
	size_t *lens = NULL, nt = 0, zsum = 0, tsum = 0;
	size_t ksum[NSTEPS] = { 0 }, kz[NSTEPS] = { 0 }, kn[NSTEPS] = { 0 };
	uint64_t vno = 0, enc_ns = 0, dec_ns = 0, t;
	FILE *f = NULL;
	int rc = 1;

	if ((g = calloc(1, sizeof *g)) == NULL)
		return 1;
	g->rng = 0x65766964656e6365ull;
	if (demo_world_load(dir, &w, why, sizeof why) != LIEN_OK) {
		fprintf(stderr, "bench_growth: demo world: %s\n", why);
		goto out;
	}
	g->w = w;
	{
		static const enum demo_party_id ids[4] = { DEMO_BANK_A,
			DEMO_BANK_B, DEMO_OFFICER, DEMO_REGISTRY };
		struct party *ps[4] = { &g->bank[0], &g->bank[1], &g->officer,
			&g->registry };

		for (int i = 0; i < 4; i++) {
			ps[i]->rp = demo_party(w, ids[i]);
			ps[i]->uscc = demo_bank_uscc(w, ids[i]);
			if (ps[i]->rp == NULL || hex_decode(ps[i]->rp->keyid,
			    strlen(ps[i]->rp->keyid), ps[i]->keyid,
			    HASH_LEN) != LIEN_OK ||
			    party_sig_init(ps[i]) != LIEN_OK)
				goto out;
		}
	}
	if (nveh > CHUNK)
		nveh = CHUNK;
	texts = calloc((size_t)nveh * NSTEPS, sizeof *texts);
	lens = calloc((size_t)nveh * NSTEPS, sizeof *lens);
	ctxs = calloc((size_t)nveh * NSTEPS, sizeof *ctxs);
	if (texts == NULL || lens == NULL || ctxs == NULL)
		goto out;
	if (dump != NULL && (f = fopen(dump, "wb")) == NULL) {
		fprintf(stderr, "bench_growth: %s: %s\n", dump,
		    strerror(errno));
		goto out;
	}
	vehicles_make(g, nveh, &vno);
	for (unsigned i = 0; i < nveh; i++)
		for (unsigned step = 0; step < NSTEPS; step++) {
			struct slot *sl = &g->slots[0];
			const struct party *p = step == 0 ? &g->registry :
			    step == 2 || step == 4 ? &g->officer :
			    g->veh[i].bank;
			char path[96], *body = NULL;
			size_t blen = 0;
			enum lien_status st;

			memset(sl, 0, sizeof *sl);
			sl->v = &g->veh[i];
			sl->step = step;
			g->seq++;
			(void)snprintf(sl->contract, sizeof sl->contract,
			    "GROWTH-%08" PRIx32 "-%010" PRIu64, g->run,
			    g->seq);
			if (idemkey_generate(now_ms(), sl->idem) != LIEN_OK)
				sl->idem[0] = '\0';
			if ((st = step_body(g, sl, path, sizeof path, &body,
			    &blen)) != LIEN_OK ||
			    (st = evidence_text(p, path, body, blen,
			    (int64_t)time(NULL), &texts[nt], &lens[nt],
			    &ctxs[nt])) != LIEN_OK) {
				free(body);
				(void)fail("evidence text", st);
				goto out;
			}
			free(body);
			if (f != NULL && (fwrite(&lens[nt], sizeof lens[nt], 1,
			    f) != 1 || fwrite(texts[nt], 1, lens[nt], f) !=
			    lens[nt]))
				goto out;
			tsum += lens[nt];
			ksum[step] += lens[nt];
			kn[step]++;
			nt++;
		}
	for (size_t i = 0; i < nt; i++) {
		uint8_t *z, *back;
		size_t zlen, blen;
		unsigned step = (unsigned)(i % NSTEPS);

		t = cpu_now_ns();
		if (evzip_encode(texts[i], lens[i], &ctxs[i], &z, &zlen) !=
		    LIEN_OK)
			goto out;
		enc_ns += cpu_now_ns() - t;
		t = cpu_now_ns();
		if (evzip_decode(z, zlen, &ctxs[i], &back, &blen) != LIEN_OK ||
		    blen != lens[i] || memcmp(back, texts[i], blen) != 0) {
			(void)fail("evzip round trip", LIEN_ECORRUPT);
			goto out;
		}
		dec_ns += cpu_now_ns() - t;
		zsum += zlen;
		kz[step] += zlen;
		free(z);
		free(back);
	}
	for (unsigned k = 0; k < NSTEPS; k++) {
		(void)snprintf(fig, sizeof fig, "evidence_%s_text_bytes",
		    kind[k]);
		bench_figure(fig, (double)ksum[k] / (double)kn[k], "bytes");
		(void)snprintf(fig, sizeof fig, "evidence_%s_evzip_bytes",
		    kind[k]);
		bench_figure(fig, (double)kz[k] / (double)kn[k], "bytes");
	}
	bench_figure("evidence_texts", (double)nt, "texts");
	bench_figure("evidence_text_bytes_mean", (double)tsum / (double)nt,
	    "bytes");
	bench_figure("evidence_evzip_bytes_mean", (double)zsum / (double)nt,
	    "bytes");
	bench_figure("evidence_encode_us", (double)enc_ns / 1e3 / (double)nt,
	    "us");
	bench_figure("evidence_decode_us", (double)dec_ns / 1e3 / (double)nt,
	    "us");
	rc = 0;
out:
	if (f != NULL && fclose(f) != 0)
		rc = 1;
	for (size_t i = 0; i < nt; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	free(ctxs);
	demo_world_free(w);
	free(g);
	return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* This thread's CPU time: the machine's rates are per second of it, so
 * that they compare with the audit's CPU time per entry and neighbours
 * on a busy machine do not change them. */
static uint64_t
cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The audit's signature bound: one Ed25519 verification (what checking a
 * stored checkpoint costs, beside rebuilding its note) of a
 * checkpoint-sized message on one core. */
static int
bench_verify_rate(int smoke)
{
	uint8_t pk[ED25519_PK_LEN], sig[ED25519_SIG_LEN], msg[128];
	uint8_t *sk;
	uint64_t t0, el, n = 0;
	enum lien_status st;

	if ((sk = secret_alloc(ED25519_SK_LEN)) == NULL)
		return fail("secret_alloc", LIEN_ENOMEM), 1;
	if ((st = ed25519_keypair(pk, sk)) != LIEN_OK) {
		secret_free(sk);
		return fail("ed25519_keypair", st), 1;
	}
	lcrypto_random(msg, sizeof msg);
	ed25519_sign(sig, msg, sizeof msg, sk);
	secret_free(sk);
	t0 = cpu_now_ns();
	do {
		for (unsigned i = 0; i < 64; i++, n++)
			if ((st = ed25519_verify(sig, msg, sizeof msg, pk)) !=
			    LIEN_OK)
				return fail("ed25519_verify", st), 1;
		el = cpu_now_ns() - t0;
	} while (el < (smoke ? 20000000u : 1000000000u));
	bench_figure("ed25519_verify_per_s", (double)n / bench_seconds(el),
	    "verifies/s");
	return 0;
}

static int
cmd_machine(const char *dir, int smoke)
{
	enum { N = 200 };
	uint64_t lat[N], t0, el, n = 0;
	uint8_t page[4096], buf[1024], h[HASH_LEN];
	char path[4096];
	int fd;

	(void)snprintf(path, sizeof path, "%s/fdatasync-probe", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0) {
		fprintf(stderr, "bench_growth: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	lcrypto_random(page, sizeof page);
	for (unsigned i = 0; i < N; i++) {
		t0 = bench_now_ns();
		if (pwrite(fd, page, sizeof page, (off_t)(i % 64) *
		    (off_t)sizeof page) != (ssize_t)sizeof page ||
		    fdatasync(fd) != 0) {
			fprintf(stderr, "bench_growth: write/fdatasync: %s\n",
			    strerror(errno));
			(void)close(fd);
			(void)unlink(path);
			return 1;
		}
		lat[i] = bench_now_ns() - t0;
	}
	(void)close(fd);
	(void)unlink(path);
	qsort(lat, N, sizeof lat[0], cmp_u64);
	bench_figure("fdatasync_4KiB_median_us", (double)lat[N / 2] / 1e3,
	    "us");
	bench_figure("fdatasync_4KiB_p99_us", (double)lat[N * 99 / 100] / 1e3,
	    "us");
	lcrypto_random(buf, sizeof buf);
	t0 = cpu_now_ns();
	do {
		for (unsigned i = 0; i < 256; i++, n++) {
			hash_sha256(buf, sizeof buf, h);
			buf[0] ^= h[0];
		}
		el = cpu_now_ns() - t0;
	} while (el < (smoke ? 20000000u : 1000000000u));
	bench_figure("sha256_single_core_MB_per_s", (double)n * 1024.0 / 1e6 /
	    bench_seconds(el), "MB/s");
	return bench_verify_rate(smoke);
}

/* The store at dir, read-only (the subcommands that only read). */
static enum lien_status
open_rdonly(const char *dir, struct ledger **l)
{
	struct ledger_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.dir = dir;
	cfg.flags = LEDGER_RDONLY;
	return ledger_open(&cfg, l);
}

/* The store at dir opened read-only, and its log size as a view sees it
 * now: the readers' commands all start here. On failure *l is NULL. */
static enum lien_status
open_sized(const char *dir, struct ledger **l, uint64_t *size)
{
	struct ledger_view *v = NULL;
	enum lien_status st;

	*l = NULL;
	if ((st = open_rdonly(dir, l)) != LIEN_OK)
		return st;
	if ((st = ledger_view_open(*l, &v)) != LIEN_OK) {
		ledger_close(*l);
		*l = NULL;
		return st;
	}
	*size = ledger_view_size(v);
	ledger_view_close(v);
	return LIEN_OK;
}

/* Marsaglia's xorshift64: the readers' index sequence, the same on every
 * run so two binaries read the same records. */
static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int
cmd_stat(const char *dir)
{
	struct ledger *l = NULL;
	struct ledger_view *v = NULL;
	uint64_t size, step, sum = 0, k = 0;
	enum lien_status st;

	if ((st = open_rdonly(dir, &l)) != LIEN_OK)
		return fail("ledger_open", st), 1;
	if ((st = ledger_view_open(l, &v)) != LIEN_OK) {
		ledger_close(l);
		return fail("ledger_view_open", st), 1;
	}
	size = ledger_view_size(v);
	step = size / 20000u + 1;
	for (uint64_t i = 0; i < size; i += step, k++) {
		const uint8_t *e;
		size_t len;

		if ((st = ledger_view_entry(v, i, &e, &len)) != LIEN_OK) {
			ledger_view_close(v);
			ledger_close(l);
			return fail("ledger_view_entry", st), 1;
		}
		sum += len;
	}
	bench_figure("entries", (double)size, "entries");
	bench_figure("entry_bytes_mean", k ? (double)sum / (double)k : 0,
	    "bytes");
	ledger_view_close(v);
	ledger_close(l);
	return 0;
}

/* Private records read back as their readers read them: n at indexes
 * spread over the log, each through a view of its own (GET
 * /v1/evidence/{index}: one pack inflated per read, store v23), and
 * every one in index order through one view (the audit: one pack
 * inflated per 256). This thread's CPU per record read. */
static int
cmd_privread(const char *dir, unsigned n)
{
	struct ledger *l = NULL;
	struct ledger_view *v = NULL;
	uint64_t size, t0, el, k = 0, x = 88172645463325252ull;
	enum lien_status st;

	if ((st = open_sized(dir, &l, &size)) != LIEN_OK)
		return fail("ledger_open", st), 1;
	t0 = cpu_now_ns();
	for (unsigned i = 0; i < n && size > 0; i++) {
		uint8_t *rec;
		size_t len;

		if ((st = ledger_view_open(l, &v)) != LIEN_OK)
			goto out;
		st = registry_private_get(v, xorshift(&x) % size, &rec, &len);
		ledger_view_close(v);
		v = NULL;
		if (st != LIEN_OK && st != LIEN_ENOTFOUND)
			goto out;
		k += st == LIEN_OK;
		free(rec);
	}
	el = cpu_now_ns() - t0;
	bench_figure("privread_random_records", (double)k, "records");
	bench_figure("privread_random_us", k ? (double)el / 1e3 / (double)k :
	    0, "us");
	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		goto out;
	k = 0;
	t0 = cpu_now_ns();
	for (uint64_t i = 0; i < size; i++) {
		uint8_t *rec;
		size_t len;

		st = registry_private_get(v, i, &rec, &len);
		if (st != LIEN_OK && st != LIEN_ENOTFOUND)
			goto out;
		k += st == LIEN_OK;
		free(rec);
	}
	el = cpu_now_ns() - t0;
	bench_figure("privread_sequential_records", (double)k, "records");
	bench_figure("privread_sequential_us", k ? (double)el / 1e3 /
	    (double)k : 0, "us");
	st = LIEN_OK;
out:
	ledger_view_close(v);
	ledger_close(l);
	if (st != LIEN_OK)
		return fail("reading private records", st), 1;
	return 0;
}

/* Keys of a state table sampled by stateread: up to STATEREAD_KEYS,
 * every `step`-th in key order. */
#define STATEREAD_KEYS 4096u
#define STATEREAD_KEY_MAX 64u
struct key_sample {
	uint8_t k[STATEREAD_KEYS][STATEREAD_KEY_MAX];
	size_t len[STATEREAD_KEYS];
	uint64_t seen, step;
	unsigned n;
};

static int
key_sample_add(void *ctx, const uint8_t *key, size_t key_len,
    const uint8_t *val, size_t val_len)
{
	struct key_sample *ks = ctx;

	(void)val;
	(void)val_len;
	if (ks->seen++ % ks->step == 0 && ks->n < STATEREAD_KEYS &&
	    key_len <= STATEREAD_KEY_MAX) {
		memcpy(ks->k[ks->n], key, key_len);
		ks->len[ks->n++] = key_len;
	}
	return 0;
}

/* Records of tb (applications, public vehicle records) read back as the
 * routes read one: n reads of keys sampled over the table, each through
 * a view of its own (ledger_view_state_get: a slotted table's record,
 * ledger/store.h, comes out of its slot here). This thread's CPU per
 * read. */
static int
stateread_table(struct ledger *l, enum ledger_table tb, const char *name,
    unsigned n)
{
	struct key_sample *ks = calloc(1, sizeof *ks);
	struct ledger_view *v = NULL;
	uint64_t t0, el, sum = 0, x = 88172645463325252ull, k = 0;
	enum lien_status st = LIEN_ENOMEM;
	char fig[64];

	if (ks == NULL)
		goto out;
	ks->step = 1;
	if ((st = ledger_view_open(l, &v)) != LIEN_OK ||
	    (st = ledger_view_state_scan(v, tb, NULL, 0, key_sample_add,
	    ks)) != LIEN_OK)
		goto out;
	/* again, spread over the whole table */
	ks->step = ks->seen / STATEREAD_KEYS + 1;
	ks->seen = 0;
	ks->n = 0;
	if ((st = ledger_view_state_scan(v, tb, NULL, 0, key_sample_add,
	    ks)) != LIEN_OK)
		goto out;
	ledger_view_close(v);
	v = NULL;
	t0 = cpu_now_ns();
	for (unsigned i = 0; i < n && ks->n > 0; i++) {
		unsigned j = (unsigned)(xorshift(&x) % ks->n);
		const uint8_t *val;
		size_t len;

		if ((st = ledger_view_open(l, &v)) != LIEN_OK)
			goto out;
		st = ledger_view_state_get(v, tb, ks->k[j], ks->len[j], &val,
		    &len);
		if (st == LIEN_OK)
			sum += len;
		ledger_view_close(v);
		v = NULL;
		if (st != LIEN_OK)
			goto out;
		k++;
	}
	el = cpu_now_ns() - t0;
	snprintf(fig, sizeof fig, "stateread_%s_us", name);
	bench_figure(fig, k ? (double)el / 1e3 / (double)k : 0, "us");
	snprintf(fig, sizeof fig, "stateread_%s_bytes", name);
	bench_figure(fig, k ? (double)sum / (double)k : 0, "bytes");
	st = LIEN_OK;
out:
	ledger_view_close(v);
	free(ks);
	if (st != LIEN_OK)
		return fail("reading state records", st), 1;
	return 0;
}

static int
cmd_stateread(const char *dir, unsigned n)
{
	struct ledger *l = NULL;
	uint64_t size;
	enum lien_status st;
	int rc;

	if ((st = open_sized(dir, &l, &size)) != LIEN_OK)
		return fail("ledger_open", st), 1;
	rc = stateread_table(l, LEDGER_T_APPS, "apps", n) ||
	    stateread_table(l, LEDGER_T_VEHICLES, "vehicles", n);
	ledger_close(l);
	return rc;
}

/* Hash tiles and proofs read back as the log routes read them: n level-0
 * tiles of complete bundles (GET /log/tile/0/<N>, a view each), then n
 * inclusion proofs of entries of complete bundles at the view's size
 * (a receipt's or GET /v1/proof's, a view each, with the leaf hash).
 * This thread's CPU per read. */
static int
cmd_tileread(const char *dir, unsigned n)
{
	struct ledger *l = NULL;
	struct ledger_view *v = NULL;
	uint64_t size, t0, el, x = 88172645463325252ull;
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], leaf[HASH_LEN];
	size_t np;
	enum lien_status st;

	if ((st = open_sized(dir, &l, &size)) != LIEN_OK)
		return fail("ledger_open", st), 1;
	st = LIEN_OK;
	t0 = cpu_now_ns();
	for (unsigned i = 0; i < n && size >= TILE_WIDTH; i++) {
		uint8_t *tile;
		size_t len;

		if ((st = ledger_view_open(l, &v)) != LIEN_OK)
			goto out;
		st = ledger_view_tile(v, 0, xorshift(&x) % (size / TILE_WIDTH),
		    TILE_WIDTH, &tile, &len);
		ledger_view_close(v);
		v = NULL;
		if (st != LIEN_OK)
			goto out;
		free(tile);
	}
	el = cpu_now_ns() - t0;
	bench_figure("tileread_tile0_us", n ? (double)el / 1e3 / (double)n :
	    0, "us");
	t0 = cpu_now_ns();
	for (unsigned i = 0; i < n && size >= TILE_WIDTH; i++) {
		uint64_t k = xorshift(&x) % (size / TILE_WIDTH * TILE_WIDTH);

		if ((st = ledger_view_open(l, &v)) != LIEN_OK)
			goto out;
		if ((st = ledger_view_leaf_hash(v, k, leaf)) == LIEN_OK)
			st = ledger_view_prove_inclusion(v, k,
			    ledger_view_size(v), proof, &np);
		ledger_view_close(v);
		v = NULL;
		if (st != LIEN_OK)
			goto out;
	}
	el = cpu_now_ns() - t0;
	bench_figure("tileread_proof_us", n ? (double)el / 1e3 / (double)n :
	    0, "us");
out:
	ledger_view_close(v);
	ledger_close(l);
	if (st != LIEN_OK)
		return fail("reading tiles", st), 1;
	return 0;
}

/* One entry of the walk: its bytes counted. */
static int
entry_count(void *ctx, uint64_t index, const uint8_t *e, size_t len)
{
	uint64_t *sum = ctx;

	(void)index;
	(void)e;
	*sum += len;
	return 0;
}

static int
cmd_entryread(const char *dir, unsigned n)
{
	struct ledger *l = NULL;
	struct ledger_view *v = NULL;
	uint64_t size, t0, el, sum = 0, x = 88172645463325252ull;
	enum lien_status st;

	if ((st = open_sized(dir, &l, &size)) != LIEN_OK)
		return fail("ledger_open", st), 1;
	st = LIEN_ERANGE;
	if (size < 256)
		goto out;
	t0 = cpu_now_ns();
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e;
		size_t len;

		if ((st = ledger_view_open(l, &v)) != LIEN_OK)
			goto out;
		st = ledger_view_entry(v, xorshift(&x) % size, &e, &len);
		sum += len;
		ledger_view_close(v);
		v = NULL;
		if (st != LIEN_OK)
			goto out;
	}
	el = cpu_now_ns() - t0;
	bench_figure("entryread_random_us", (double)el / 1e3 / (double)n,
	    "us");
	bench_figure("entryread_random_bytes", (double)sum / (double)n,
	    "bytes");
	sum = 0;
	t0 = cpu_now_ns();
	for (unsigned i = 0; i < n; i++) {
		uint8_t *b;
		size_t len;

		if ((st = ledger_view_open(l, &v)) != LIEN_OK)
			goto out;
		st = ledger_view_bundle(v, xorshift(&x) % (size / 256), 256,
		    &b, &len);
		ledger_view_close(v);
		v = NULL;
		if (st != LIEN_OK)
			goto out;
		sum += len;
		free(b);
	}
	el = cpu_now_ns() - t0;
	bench_figure("entryread_bundle_us", (double)el / 1e3 / (double)n,
	    "us");
	bench_figure("entryread_bundle_bytes", (double)sum / (double)n,
	    "bytes");
	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		goto out;
	sum = 0;
	t0 = cpu_now_ns();
	if ((st = ledger_view_foreach_entry(v, 0, entry_count, &sum)) !=
	    LIEN_OK)
		goto out;
	el = cpu_now_ns() - t0;
	bench_figure("entryread_sequential_us", (double)el / 1e3 /
	    (double)size, "us");
out:
	ledger_view_close(v);
	ledger_close(l);
	if (st != LIEN_OK)
		return fail("reading entries", st), 1;
	return 0;
}

/* "CMD DIR [--reads N]": N (default 2,000, 1 to 10^6) in *n; 0 when the
 * arguments are not that. */
static int
reads_arg(int argc, char **argv, unsigned *n)
{
	char *end = NULL;
	unsigned long v;

	if (argc != 3 && (argc != 5 || strcmp(argv[3], "--reads") != 0))
		return 0;
	v = argc == 5 ? strtoul(argv[4], &end, 10) : 2000;
	if ((end != NULL && *end != '\0') || v < 1 || v > 1000000)
		return 0;
	*n = (unsigned)v;
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: bench_growth build DIR --entries N "
	    "[--batch B] [--sync] [--wstat]\n"
	    "           [--span-days D [--end-days-ago E]]\n"
	    "       bench_growth machine DIR [--smoke]\n"
	    "       bench_growth stat DIR\n"
	    "       bench_growth privread DIR [--reads N]\n"
	    "       bench_growth entryread DIR [--reads N]\n"
	    "       bench_growth stateread DIR [--reads N]\n"
	    "       bench_growth tileread DIR [--reads N]\n"
	    "       bench_growth format\n");
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "format") == 0) {
		printf("%s\n", ledger_store_format());
		return 0;
	}
	if (argc < 3)
		return usage();
	if (lcrypto_init() != LIEN_OK)
		return 1;
	if (strcmp(argv[1], "build") == 0 && argc >= 5 &&
	    strcmp(argv[3], "--entries") == 0) {
		char *end;
		double n = strtod(argv[4], &end);
		unsigned long batch = BATCH;
		int sync = 0, wstat = 0;
		double span = 0, ago = 0;

		if (*end != '\0' || n < 1 || n > 1e9)
			return usage();
		for (int i = 5; i < argc; i++) {
			if (strcmp(argv[i], "--sync") == 0)
				sync = 1;
			else if (strcmp(argv[i], "--wstat") == 0)
				wstat = 1;
			else if ((strcmp(argv[i], "--span-days") == 0 ||
			    strcmp(argv[i], "--end-days-ago") == 0) &&
			    i + 1 < argc) {
				double *d = argv[i][2] == 's' ? &span : &ago;

				*d = strtod(argv[++i], &end);
				if (*end != '\0' || !(*d >= 0) ||
				    *d > 100 * 366)
					return usage();
			}
			else if (strcmp(argv[i], "--batch") == 0 &&
			    i + 1 < argc) {
				batch = strtoul(argv[++i], &end, 10);
				if (*end != '\0' || batch < 1 ||
				    batch > BATCH)
					return usage();
			} else
				return usage();
		}
		return cmd_build(argv[2], (uint64_t)n, (unsigned)batch, sync,
		    wstat, span, ago);
	}
	if (strcmp(argv[1], "machine") == 0 && (argc == 3 || (argc == 4 &&
	    strcmp(argv[3], "--smoke") == 0)))
		return cmd_machine(argv[2], argc == 4);
	if (strcmp(argv[1], "evidence") == 0 && argc >= 3) {
		unsigned long nveh = 200;
		const char *dump = NULL;
		char *end;

		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--vehicles") == 0 && i + 1 < argc)
				nveh = strtoul(argv[++i], &end, 10);
			else if (strcmp(argv[i], "--dump") == 0 &&
			    i + 1 < argc)
				dump = argv[++i];
			else
				nveh = 0;
		}
		if (nveh > 0)
			return cmd_evidence(argv[2], (unsigned)nveh, dump);
	}
	if (strcmp(argv[1], "stat") == 0 && argc == 3)
		return cmd_stat(argv[2]);
	if (strcmp(argv[1], "privread") == 0 || strcmp(argv[1],
	    "entryread") == 0 || strcmp(argv[1], "stateread") == 0 ||
	    strcmp(argv[1], "tileread") == 0) {
		unsigned n;

		if (!reads_arg(argc, argv, &n))
			return usage();
		return argv[1][0] == 'p' ? cmd_privread(argv[2], n) :
		    argv[1][0] == 's' ? cmd_stateread(argv[2], n) :
		    argv[1][0] == 't' ? cmd_tileread(argv[2], n) :
		    cmd_entryread(argv[2], n);
	}
	return usage();
}
