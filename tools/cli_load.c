/*
 * `lienlog load`: a load generator for the registration API
 * (docs/demo.md, issue 4 item 6).
 *
 *   lienlog load --url URL --demo DIR [--concurrency N]
 *                [--duration S | --requests N] [--mix LIST]
 *                [--rate R] [--server-pid PID]
 *
 * It acts as the demo parties of DIR (demo/demo.h): N threads, each with
 * one keep-alive connection (client/regclient.h on libcurl), run cases of
 * the registration workflow — a bank's mortgage application with its
 * face-ID token, the officer's approval, the bank's release with a new
 * face token, the officer's approval of the release — as far as --mix
 * says ("mortgage", "mortgage,decision", "mortgage,decision,release").
 * Each request is signed (RFC 9421) at the moment it is sent; every
 * receipt (201, or 200 for a replay) is verified offline: the checkpoint's
 * signature under DIR/log.vkey and the inclusion proof of the entry.
 *
 * Untimed set-up first: each thread has vehicles recorded by the registry
 * mirror and their owners' identity commitments fetched, so mortgages
 * name recorded vehicles with matching details (a vehicle takes up to
 * LOAD_CASES_PER_VEHICLE cases, under the registry's lien cap). With
 * "mortgage" alone nothing is ever decided, so each mortgage names a fresh,
 * unrecorded VIN (diverted to in-person review as vehicle_unrecorded;
 * still a full registration step with both signatures checked).
 *
 * Two ways to load the server:
 *   closed loop (default): each thread sends its next request as soon as
 *     the previous one is answered; the offered rate follows the server,
 *     and latency is that of each exchange (signing included);
 *   open loop (--rate R): request k is due at t0 + k/R, uniform arrivals
 *     (a fixed interval, not Poisson: the schedule is deterministic, so two
 *     runs offer the same load and any queueing is the server's, not the
 *     arrival process's bunching). Threads take the due times in order
 *     from one shared counter: a request whose time has come waits for the
 *     first free connection, and its latency is measured from its
 *     scheduled time, so that waiting counts (no coordinated omission, as
 *     in wrk2). A request that starts more than LOAD_LATE_NS after its time
 *     is a late start; a backlog is drained until twice the planned
 *     length (at least LOAD_DRAIN_MIN_NS more), then the rest is unsent.
 *
 * With --server-pid a thread samples VmRSS and RssAnon of the server from
 * /proc/PID/status every LOAD_RSS_PERIOD_NS during the timed phase: RssAnon
 * is the server's own memory, VmRSS adds the pages of the LMDB map it has
 * touched (proc(5)).
 *
 * Beside throughput and latency percentiles it prints the machine's bare
 * Ed25519 verification rate measured in the same run on one core
 * (crypto/sign.h ed25519_verify in a loop) and the crypto bound: bare
 * verifies/s x cores / verifications per request of the mix (mortgage and
 * release: request signature + face token = 2; decision: 1).
 *
 * Output: the human summary goes to stderr; stdout carries only figures,
 * one per line, "name value unit", as the bench/ programs print them.
 */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "demo/demo.h"
#include "client/regclient.h"
#include "common/file.h"
#include "common/hex.h"
#include "crypto/sign.h"
#include "registry/ids.h"

#define LOAD_THREADS_MAX 256u
#define LOAD_REQUESTS_MAX 100000000ull
#define LOAD_DURATION_MAX 3600u
#define LOAD_CASES_PER_VEHICLE 4u	/* a car sees few mortgages; the
					 * registry caps them at 64 */
#define LOAD_SAMPLES_MAX (1u << 24)	/* latencies kept per thread */
#define LOAD_CODES_MAX 32u		/* distinct error codes kept */
#define LOAD_OWNERS 8u			/* owners per thread, mortgage-only */
#define LOAD_BENCH_NS 1000000000ull	/* bare verify loop: 1 s */
#define LOAD_RATE_GUESS 3000u		/* requests/s, sizing --duration set-up */
#define LOAD_RATE_MAX 1000000u		/* --rate, requests/s */
#define LOAD_LATE_NS 1000000ull	/* a start later than this is "late" */
#define LOAD_DRAIN_MIN_NS 5000000000ull	/* backlog drain, at least */
#define LOAD_RSS_PERIOD_NS 100000000ull	/* --server-pid sampling: 100 ms */
#define LOAD_STATUS_LINE_MAX 256u	/* a /proc/PID/status line */
#define LOAD_PID_MAX 4194304u		/* kernel PID_MAX_LIMIT */

static const char usage[] =
    "usage: lienlog load --url URL --demo DIR [--concurrency N]\n"
    "                    [--duration S | --requests N] [--mix LIST]\n"
    "                    [--rate R] [--server-pid PID] [--receipts FILE]\n"
    "Sign and submit realistic registration requests to a running lienlogd\n"
    "as the parties of its demo world (DIR/demo, made by lienlogd --demo\n"
    "DIR), verify every receipt offline against DIR/log.vkey, and print\n"
    "throughput, latency percentiles, errors by code, the bare Ed25519\n"
    "verify rate of this machine and the crypto bound.\n"
    "  --url URL          http://HOST:PORT of lienlogd\n"
    "  --concurrency N    threads, one keep-alive connection each (4)\n"
    "  --duration S       run for S seconds, or\n"
    "  --requests N       send N timed requests (default 1000)\n"
    "  --mix LIST         mortgage | mortgage,decision |\n"
    "                     mortgage,decision,release (default)\n"
    "  --rate R           open loop: R requests/s on a fixed schedule\n"
    "                     (uniform arrivals) whatever the response times;\n"
    "                     latency counts from each request's scheduled time\n"
    "                     (without it: closed loop, each thread sends when\n"
    "                     its previous request is answered)\n"
    "  --server-pid PID   sample the server's VmRSS and RssAnon every 100 ms\n"
    "  --receipts FILE    append \"<index> <leaf hash hex>\" for every verified\n"
    "                     receipt of a timed request (a new file)\n"
    "The summary goes to stderr; stdout has one \"name value unit\" line per\n"
    "figure.\n"
    "Exit 0 when every receipt verified and no request failed; 1 otherwise.\n";

enum op { OP_MORTGAGE, OP_DECISION, OP_RELEASE, OP_RELEASE_DECISION,
	OP_COUNT_ };
static const char *const op_name[OP_COUNT_] = { "mortgage", "decision",
	"release", "release decision" };
static const unsigned op_verifies[OP_COUNT_] = { 2, 1, 2, 1 };

struct code_count {
	char code[REGCLIENT_CODE_MAX + 1];
	long http;
	uint64_t n;
};

struct vehicle {
	char vin[18];
	char plate[IDS_PLATE_MAX + 8];
	const char *plate_type;
	char cert_number[16];
	char owner_id[19];
	uint8_t owner_commit[REGCLIENT_COMMIT_LEN];
	unsigned cases;
};

struct shared;

struct worker {
	struct shared *sh;
	unsigned id;
	pthread_t th;
	struct regclient *rc;
	uint64_t rng;
	/* set-up */
	struct vehicle *veh;
	size_t nveh, cur;
	struct vehicle owners[LOAD_OWNERS];
	unsigned contract_seq;
	/* results */
	uint32_t *lat_us;
	size_t nlat, lat_cap;
	uint64_t ok[OP_COUNT_];
	uint64_t diverted, replayed, receipt_fail, transport_fail;
	uint64_t setup_requests;
	uint64_t sched_ns;		/* open loop: due time of the claimed
					 * request */
	uint64_t late, delay_max_ns;	/* open loop: late starts */
	struct code_count codes[LOAD_CODES_MAX];
	size_t ncodes;
	uint64_t codes_other;
	char fatal[256];
	int fatal_net;			/* fatal: the server gave no answer */
};

struct shared {
	const struct demo_world *w;
	const char *url;
	int decide, release;
	uint64_t requests;		/* 0: duration mode */
	uint64_t deadline_ns;		/* duration mode: monotonic */
	uint64_t rate;			/* open loop: requests/s; 0: closed */
	uint64_t nslots;		/* open loop: requests scheduled */
	uint64_t t0_ns;			/* open loop: time of request 0 */
	uint64_t drain_ns;		/* open loop: nothing starts after */
	atomic_uint_fast64_t issued;	/* timed requests claimed */
	atomic_int stop;
	pthread_barrier_t ready;
	/* Verified checkpoints, shared: the receipts of one batch come to
	 * different workers. */
	struct regclient_cpcache cpcache;
	uint64_t setup_cases;		/* cases per thread to prepare for */
	int receipts_fd;		/* --receipts: -1 without */
	atomic_int receipts_bad;	/* a receipt line could not be written */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int64_t
wall(void)
{
	return (int64_t)time(NULL);
}

/* ---- per-thread bookkeeping -------------------------------------------------- */

static void
code_add(struct worker *wk, long http, const char *code)
{
	for (size_t i = 0; i < wk->ncodes; i++) {
		if (wk->codes[i].http == http &&
		    strcmp(wk->codes[i].code, code) == 0) {
			wk->codes[i].n++;
			return;
		}
	}
	if (wk->ncodes == LOAD_CODES_MAX) {
		wk->codes_other++;
		return;
	}
	(void)snprintf(wk->codes[wk->ncodes].code,
	    sizeof(wk->codes[wk->ncodes].code), "%s", code);
	wk->codes[wk->ncodes].http = http;
	wk->codes[wk->ncodes].n = 1;
	wk->ncodes++;
}

static void
lat_add(struct worker *wk, uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (wk->nlat == wk->lat_cap) {
		size_t cap = wk->lat_cap ? wk->lat_cap * 2 : 4096;
		uint32_t *p;

		if (cap > LOAD_SAMPLES_MAX || (p = realloc(wk->lat_us,
		    cap * sizeof(*p))) == NULL)
			return;		/* keep what we have */
		wk->lat_us = p;
		wk->lat_cap = cap;
	}
	wk->lat_us[wk->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Sleep until the monotonic time t (absolute, so a late wake-up is not
 * added to the next one). */
static void
sleep_until(uint64_t t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(t / 1000000000ull);
	ts.tv_nsec = (long)(t % 1000000000ull);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* Claim one timed request; 0 when the run is over. Open loop: the next
 * due time in order (wk->sched_ns), whoever is free first takes it. */
static int
claim(struct worker *wk)
{
	struct shared *sh = wk->sh;

	if (atomic_load(&sh->stop))
		return 0;
	if (sh->rate != 0) {
		uint64_t k = atomic_fetch_add(&sh->issued, 1);

		if (k >= sh->nslots)
			return 0;
		if (now_ns() >= sh->drain_ns) {
			/* Hopelessly behind: what is left stays unsent. */
			atomic_store(&sh->stop, 1);
			return 0;
		}
		/* k <= LOAD_RATE_MAX x LOAD_DURATION_MAX or LOAD_REQUESTS_MAX:
		 * k x 1e9 stays below 2^64. */
		wk->sched_ns = sh->t0_ns + k * 1000000000ull / sh->rate;
		return 1;
	}
	if (sh->requests != 0) {
		if (atomic_fetch_add(&sh->issued, 1) >= sh->requests)
			return 0;
		return 1;
	}
	if (now_ns() >= sh->deadline_ns) {
		atomic_store(&sh->stop, 1);
		return 0;
	}
	return 1;
}

/* --receipts: "<index> <leaf hash hex>\n" for a verified receipt, in one
 * write(2) on an O_APPEND descriptor, so lines of concurrent workers do
 * not interleave and a kill leaves whole lines (the crash test reads them
 * as acknowledgements). */
static void
receipt_log(struct shared *sh, const struct regclient_receipt *rcpt)
{
	char line[24 + 2 * HASH_LEN + 2];
	int n, o;

	if (sh->receipts_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%" PRIu64 " ", rcpt->index);
	if (n < 0)
		n = 0;
	o = n;
	hex_encode(rcpt->leaf_hash, HASH_LEN, line + o);
	o += (int)HEX_LEN(HASH_LEN);
	line[o++] = '\n';
	if (write(sh->receipts_fd, line, (size_t)o) != (ssize_t)o)
		atomic_store(&sh->receipts_bad, 1);
}

/* One timed request. *rcpt is valid when 1 is returned (a verified
 * receipt). */
static int
timed_post(struct worker *wk, enum op op, const struct regclient_party *p,
    const char *path, const char *body, size_t len,
    struct regclient_receipt *rcpt)
{
	struct regclient_reply r;
	uint64_t t0 = now_ns();
	enum lien_status st;

	if (wk->sh->rate != 0) {
		/* Open loop: start at the due time, or now if it has passed;
		 * the latency counts from the due time either way. */
		if (t0 < wk->sched_ns) {
			sleep_until(wk->sched_ns);
			t0 = now_ns();	/* a late wake-up is a late start */
		}
		if (t0 > wk->sched_ns) {
			uint64_t d = t0 - wk->sched_ns;

			if (d > LOAD_LATE_NS)
				wk->late++;
			if (d > wk->delay_max_ns)
				wk->delay_max_ns = d;
		}
		t0 = wk->sched_ns;
	}
	st = regclient_send(wk->rc, p, "POST", path, body, len, wall(), &r);
	lat_add(wk, now_ns() - t0);
	if (st != LIEN_OK) {
		wk->transport_fail++;
		code_add(wk, 0, st == LIEN_ETOOBIG ? "reply_too_large" :
		    "no_answer");
		return 0;
	}
	if (r.http != 201 && r.http != 200) {
		code_add(wk, r.http, r.code[0] != '\0' ? r.code : "(no code)");
		regclient_reply_clear(&r);
		return 0;
	}
	st = regclient_receipt_verify(demo_log_verifier(wk->sh->w), r.body,
	    r.len, &wk->sh->cpcache, rcpt);
	regclient_reply_clear(&r);
	if (st != LIEN_OK) {
		wk->receipt_fail++;
		code_add(wk, 201, "receipt_verify_failed");
		return 0;
	}
	receipt_log(wk->sh, rcpt);
	wk->ok[op]++;
	if (rcpt->replayed)
		wk->replayed++;
	if (strcmp(rcpt->status, "in_person_review") == 0)
		wk->diverted++;
	return 1;
}

/* ---- set-up (untimed) ----------------------------------------------------------- */

static void
vehicle_make(struct worker *wk, struct vehicle *v)
{
	memset(v, 0, sizeof(*v));
	demo_vin_make(&wk->rng, v->vin);
	v->plate_type = demo_rand(&wk->rng) % 6 == 5 ? "52" : "02";
	demo_plate_make(&wk->rng, v->plate_type, v->plate, sizeof(v->plate));
	(void)snprintf(v->cert_number, sizeof(v->cert_number), "3304%08u",
	    (unsigned)(demo_rand(&wk->rng) % 100000000u));
	demo_citizen_id_make(&wk->rng, v->owner_id);
}

static enum lien_status LIEN_MUST_CHECK
owner_commit(struct worker *wk, struct vehicle *v)
{
	long http = 0;
	enum lien_status st;

	wk->setup_requests++;
	st = regclient_commitment(wk->rc, demo_party(wk->sh->w, DEMO_BANK_A),
	    "id_number", v->owner_id, wall(), v->owner_commit, &http);
	if (st != LIEN_OK) {
		wk->fatal_net = st == LIEN_ENET;
		(void)snprintf(wk->fatal, sizeof(wk->fatal), "identity "
		    "commitment: %s (HTTP %ld)", lien_status_message(st), http);
		return st;
	}
	return LIEN_OK;
}

static enum lien_status LIEN_MUST_CHECK
vehicle_record(struct worker *wk, struct vehicle *v)
{
	struct regclient_reply r;
	char *body = NULL;
	size_t len = 0;
	enum lien_status st;

	vehicle_make(wk, v);
	if (regclient_vehicle_body(v->vin, v->plate, v->plate_type,
	    v->cert_number, v->owner_id, &body, &len) != LIEN_OK) {
		(void)snprintf(wk->fatal, sizeof(wk->fatal), "out of memory");
		return LIEN_ENOMEM;
	}
	wk->setup_requests++;
	st = regclient_send(wk->rc, demo_party(wk->sh->w, DEMO_REGISTRY),
	    "POST", "/v1/vehicles", body, len, wall(), &r);
	free(body);
	if (st != LIEN_OK || r.http != 201) {
		wk->fatal_net = st == LIEN_ENET;
		(void)snprintf(wk->fatal, sizeof(wk->fatal), "recording a "
		    "vehicle: %s %ld %s", lien_status_message(st), r.http,
		    r.code);
		regclient_reply_clear(&r);
		return st != LIEN_OK ? st : LIEN_EIO;
	}
	regclient_reply_clear(&r);
	return owner_commit(wk, v);
}

static enum lien_status LIEN_MUST_CHECK
setup(struct worker *wk)
{
	struct shared *sh = wk->sh;
	enum lien_status st;

	if (!sh->decide) {
		for (size_t i = 0; i < LOAD_OWNERS; i++) {
			vehicle_make(wk, &wk->owners[i]);
			if ((st = owner_commit(wk, &wk->owners[i])) != LIEN_OK)
				return st;
		}
		return LIEN_OK;
	}
	wk->nveh = (size_t)(sh->setup_cases / LOAD_CASES_PER_VEHICLE + 1);
	if ((wk->veh = calloc(wk->nveh, sizeof(*wk->veh))) == NULL)
		return LIEN_ENOMEM;
	for (size_t i = 0; i < wk->nveh; i++)
		if ((st = vehicle_record(wk, &wk->veh[i])) != LIEN_OK)
			return st;
	return LIEN_OK;
}

/* The vehicle for the next case (recording one more, untimed, when the
 * prepared ones are used up), or NULL on failure. */
static struct vehicle *
vehicle_next(struct worker *wk)
{
	struct vehicle *v;

	if (!wk->sh->decide) {
		/* A fresh unrecorded VIN for a prepared owner. */
		v = &wk->owners[wk->cur++ % LOAD_OWNERS];
		demo_vin_make(&wk->rng, v->vin);
		return v;
	}
	while (wk->cur < wk->nveh &&
	    wk->veh[wk->cur].cases >= LOAD_CASES_PER_VEHICLE)
		wk->cur++;
	if (wk->cur == wk->nveh) {
		struct vehicle *p = realloc(wk->veh, (wk->nveh + 1) *
		    sizeof(*p));

		if (p == NULL)
			return NULL;
		wk->veh = p;
		if (vehicle_record(wk, &wk->veh[wk->nveh]) != LIEN_OK)
			return NULL;
		wk->nveh++;
	}
	return &wk->veh[wk->cur];
}

/* ---- the cases ----------------------------------------------------------------- */

static int
decide(struct worker *wk, enum op op, const char *app_id,
    struct regclient_receipt *rcpt)
{
	static const char body[] = "{\"decision\":\"approve\"}";
	char path[64];

	if (!claim(wk))
		return 0;
	(void)snprintf(path, sizeof(path), "/v1/applications/%s/decision",
	    app_id);
	return timed_post(wk, op, demo_party(wk->sh->w, DEMO_OFFICER), path,
	    body, sizeof(body) - 1, rcpt);
}

/* One case. Returns 0 when the run is over or the vehicle's state is no
 * longer known (it is then retired), 1 otherwise. */
static int
run_case(struct worker *wk)
{
	const struct demo_world *w = wk->sh->w;
	struct regclient_mortgage m;
	struct regclient_release rel;
	struct regclient_receipt r;
	char contract[64], app[REGCLIENT_APP_ID_LEN + 1];
	char *body = NULL;
	size_t len = 0;
	struct vehicle *v;
	int ok;

	/* The vehicle first: recording one more (set-up ran short) must not
	 * eat into an open-loop request's time. */
	if (atomic_load(&wk->sh->stop))
		return 0;
	if ((v = vehicle_next(wk)) == NULL) {
		atomic_store(&wk->sh->stop, 1);
		return 0;
	}
	if (!claim(wk))
		return 0;
	v->cases++;
	(void)snprintf(contract, sizeof(contract), "LOAD-%08" PRIx64
	    "-T%02u-%07u", wk->rng & 0xffffffffu, wk->id, ++wk->contract_seq);
	memset(&m, 0, sizeof(m));
	m.rq.mortgagee = demo_bank_uscc(w, DEMO_BANK_A);
	m.rq.vin = v->vin;
	m.plate = v->plate;
	m.plate_type = v->plate_type;
	m.certificate_number = v->cert_number;
	m.contract_number = contract;
	m.rq.owner_id_number = v->owner_id;
	m.rq.owner_commit = v->owner_commit;
	m.rq.liveness = 9500;
	m.rq.match = 9400;
	if (regclient_mortgage_body(demo_face_issuer(w), NULL,
	    demo_registry_name(w), &m, wall(), &body, &len, NULL) != LIEN_OK) {
		atomic_store(&wk->sh->stop, 1);
		return 0;
	}
	ok = timed_post(wk, OP_MORTGAGE, demo_party(w, DEMO_BANK_A),
	    "/v1/mortgages", body, len, &r);
	free(body);
	if (!ok || !wk->sh->decide) {
		if (!ok)
			v->cases = LOAD_CASES_PER_VEHICLE;	/* retire */
		return 1;
	}
	memcpy(app, r.app_id, sizeof(app));
	if (!decide(wk, OP_DECISION, app, &r)) {
		v->cases = LOAD_CASES_PER_VEHICLE;
		return !atomic_load(&wk->sh->stop);
	}
	if (!wk->sh->release)
		return 1;
	if (!claim(wk)) {
		v->cases = LOAD_CASES_PER_VEHICLE;
		return 0;
	}
	memset(&rel, 0, sizeof(rel));
	rel.rq.mortgagee = demo_bank_uscc(w, DEMO_BANK_A);
	rel.rq.vin = v->vin;
	rel.mortgage = app;
	rel.rq.owner_id_number = v->owner_id;
	rel.rq.owner_commit = v->owner_commit;
	rel.rq.liveness = 9600;
	rel.rq.match = 9500;
	if (regclient_release_body(demo_face_issuer(w), NULL,
	    demo_registry_name(w), &rel, wall(), &body, &len, NULL) !=
	    LIEN_OK) {
		atomic_store(&wk->sh->stop, 1);
		return 0;
	}
	ok = timed_post(wk, OP_RELEASE, demo_party(w, DEMO_BANK_A),
	    "/v1/releases", body, len, &r);
	free(body);
	if (!ok) {
		v->cases = LOAD_CASES_PER_VEHICLE;
		return 1;
	}
	memcpy(app, r.app_id, sizeof(app));
	if (!decide(wk, OP_RELEASE_DECISION, app, &r))
		v->cases = LOAD_CASES_PER_VEHICLE;
	return 1;
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	int ok = setup(wk) == LIEN_OK;

	if (!ok)
		atomic_store(&wk->sh->stop, 1);
	/* Everyone starts the timed phase together: the first wait ends the
	 * set-up, the second comes after main has set the clock. */
	(void)pthread_barrier_wait(&wk->sh->ready);
	(void)pthread_barrier_wait(&wk->sh->ready);
	while (ok && run_case(wk))
		;
	return NULL;
}

/* ---- the bare verify rate ----------------------------------------------------------- */

static double
ed25519_rate(void)
{
	uint8_t pk[ED25519_PK_LEN], sig[ED25519_SIG_LEN], msg[64];
	uint8_t *sk = secret_alloc(ED25519_SK_LEN);
	uint64_t t0, t, n = 0;
	int bad = 0;

	if (sk == NULL)
		return 0;
	memset(msg, 0x5a, sizeof(msg));
	if (ed25519_keypair(pk, sk) != LIEN_OK) {
		secret_free(sk);
		return 0;
	}
	ed25519_sign(sig, msg, sizeof(msg), sk);
	secret_free(sk);
	t0 = now_ns();
	do {
		for (int i = 0; i < 256; i++)
			bad |= ed25519_verify(sig, msg, sizeof(msg), pk) !=
			    LIEN_OK;
		n += 256;
		t = now_ns();
	} while (t - t0 < LOAD_BENCH_NS);
	return bad ? 0 : (double)n * 1e9 / (double)(t - t0);
}

/* ---- the server's memory (--server-pid) ---------------------------------------- */

struct rss {
	char path[64];			/* /proc/PID/status */
	pthread_t th;
	atomic_int done;
	uint64_t rss_kb, anon_kb;	/* maxima */
	uint64_t nsamples, nfailed;
};

/* One sample of /proc/PID/status (proc(5): "VmRSS:" and "RssAnon:" in
 * kB). LIEN_OK when both were read, else LIEN_EIO. */
static enum lien_status LIEN_MUST_CHECK
rss_read(const char *path, uint64_t *rss_kb, uint64_t *anon_kb)
{
	char line[LOAD_STATUS_LINE_MAX];
	FILE *f = fopen(path, "r");
	int got = 0;

	if (f == NULL)
		return LIEN_EIO;
	while (got != 3 && fgets(line, sizeof(line), f) != NULL) {
		const char *v = NULL;
		uint64_t *dst = NULL;
		char *end;
		unsigned long long kb;

		if (strncmp(line, "VmRSS:", 6) == 0) {
			v = line + 6;
			dst = rss_kb;
			got |= 1;
		} else if (strncmp(line, "RssAnon:", 8) == 0) {
			v = line + 8;
			dst = anon_kb;
			got |= 2;
		} else {
			continue;
		}
		errno = 0;
		kb = strtoull(v, &end, 10);
		if (errno != 0 || end == v || strncmp(end, " kB", 3) != 0) {
			got = 0;
			break;
		}
		*dst = (uint64_t)kb;
	}
	(void)fclose(f);
	return got == 3 ? LIEN_OK : LIEN_EIO;
}

static void *
rss_main(void *arg)
{
	struct rss *r = arg;
	uint64_t next = now_ns();

	while (!atomic_load(&r->done)) {
		uint64_t kb, anon;

		if (rss_read(r->path, &kb, &anon) == LIEN_OK) {
			r->nsamples++;
			if (kb > r->rss_kb)
				r->rss_kb = kb;
			if (anon > r->anon_kb)
				r->anon_kb = anon;
		} else {
			r->nfailed++;	/* the server went away */
		}
		next += LOAD_RSS_PERIOD_NS;
		sleep_until(next);
	}
	return NULL;
}

/* CPU time (user + system) the process has used, in seconds, from field
 * 14 utime and 15 stime of /proc/PID/stat (proc(5)); the command name
 * (field 2) may hold spaces and parentheses, so count from the last ')'.
 * -1 if unreadable. */
static double
cpu_seconds_of(uint64_t pid)
{
	char path[64], buf[1024];
	size_t n;
	const char *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);

	(void)snprintf(path, sizeof(path), "/proc/%llu/stat",
	    (unsigned long long)pid);
	if (hz <= 0 || file_read_into(path, buf, sizeof(buf) - 1, &n) !=
	    LIEN_OK)
		return -1;
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	/* fields 3..13 (state .. cmajflt), then utime and stime */
	if (sscanf(p + 1, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu "
	    "%llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)hz;
}

/* CPU time of this process (all threads), seconds. */
static double
cpu_seconds_self(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The 1-minute load average (proc(5) /proc/loadavg), -1 if unreadable. */
static double
loadavg_1m(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lf", &v) != 1)
		v = -1;
	(void)fclose(f);
	return v;
}

/* ---- options and report ------------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* One figure on stdout, "name value unit", as bench/bench_util.h prints
 * them, with one more significant digit below 1000 so that 999.7 does not
 * come out as "1e+03" (%.4g switches to an exponent only from 9999.5). */
static void
figure(const char *name, double value, const char *unit)
{
	if (value >= 1000.0)
		printf("%s %.0f %s\n", name, value, unit);
	else
		printf("%s %.4g %s\n", name, value, unit);
}

static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i < n ? i : n - 1] / 1000.0;
}

int
cli_load(int argc, char **argv)
{
	static const char verb[] = "load";
	enum { O_URL, O_DEMO, O_CONC, O_DUR, O_REQ, O_MIX, O_RATE, O_PID,
		O_RCPT, O_N };
	struct cli_opt opts[O_N] = { { "url", NULL }, { "demo", NULL },
		{ "concurrency", NULL }, { "duration", NULL },
		{ "requests", NULL }, { "mix", NULL }, { "rate", NULL },
		{ "server-pid", NULL }, { "receipts", NULL } };
	const char *pos[1];
	size_t npos = 0;
	uint64_t conc = 4, duration = 0, requests = 0, rate = 0, pid = 0;
	struct demo_world *w = NULL;
	struct worker *wks = NULL;
	struct shared sh;
	struct rss rss;
	int rss_on = 0;
	double cpu_self0, cpu_self1, cpu_srv0 = -1, cpu_srv1 = -1;
	char why[DEMO_WHY_MAX];
	const char *mix;
	double bare, elapsed, vpr, bound, achieved, accepted_rate, la0, la1;
	uint64_t t0, t1, total_ok = 0, verifies = 0, errors = 0, rfail = 0;
	uint64_t diverted = 0, setup_req = 0, replayed = 0, late = 0;
	uint64_t delay_max = 0, sent, unsent = 0;
	uint64_t ok_by_op[OP_COUNT_] = { 0 };
	uint32_t *lat = NULL;
	size_t nlat = 0;
	struct code_count all[LOAD_CODES_MAX * 4];
	size_t nall = 0;
	int rc, quiet = 0;

	rc = cli_args_parse(verb, argc, argv, opts, O_N, pos, 0, &npos);
	if (rc == CLI_HELP) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts[O_URL].value == NULL || opts[O_DEMO].value == NULL) {
		cli_fail(verb, "need --url URL and --demo DIR (see --help)");
		return CLI_EXIT_USAGE;
	}
	if (opts[O_CONC].value != NULL && dec_u64_arg(opts[O_CONC].value, 1,
	    LOAD_THREADS_MAX, &conc) != LIEN_OK) {
		cli_fail(verb, "--concurrency must be 1..%u", LOAD_THREADS_MAX);
		return CLI_EXIT_USAGE;
	}
	if (opts[O_DUR].value != NULL && opts[O_REQ].value != NULL) {
		cli_fail(verb, "give --duration or --requests, not both");
		return CLI_EXIT_USAGE;
	}
	if (opts[O_DUR].value != NULL && dec_u64_arg(opts[O_DUR].value, 1,
	    LOAD_DURATION_MAX, &duration) != LIEN_OK) {
		cli_fail(verb, "--duration must be 1..%u seconds",
		    LOAD_DURATION_MAX);
		return CLI_EXIT_USAGE;
	}
	if (opts[O_REQ].value != NULL && dec_u64_arg(opts[O_REQ].value, 1,
	    LOAD_REQUESTS_MAX, &requests) != LIEN_OK) {
		cli_fail(verb, "--requests must be 1..%llu",
		    (unsigned long long)LOAD_REQUESTS_MAX);
		return CLI_EXIT_USAGE;
	}
	if (opts[O_RATE].value != NULL && dec_u64_arg(opts[O_RATE].value, 1,
	    LOAD_RATE_MAX, &rate) != LIEN_OK) {
		cli_fail(verb, "--rate must be 1..%u requests/s", LOAD_RATE_MAX);
		return CLI_EXIT_USAGE;
	}
	if (opts[O_PID].value != NULL && dec_u64_arg(opts[O_PID].value, 1,
	    LOAD_PID_MAX, &pid) != LIEN_OK) {
		cli_fail(verb, "--server-pid must be a process id");
		return CLI_EXIT_USAGE;
	}
	if (duration == 0 && requests == 0)
		requests = 1000;
	memset(&sh, 0, sizeof(sh));
	sh.receipts_fd = -1;
	memset(&rss, 0, sizeof(rss));
	if (pid != 0) {
		uint64_t kb, anon;

		(void)snprintf(rss.path, sizeof(rss.path), "/proc/%llu/status",
		    (unsigned long long)pid);
		if (rss_read(rss.path, &kb, &anon) != LIEN_OK) {
			cli_fail(verb, "cannot read VmRSS and RssAnon from %s",
			    rss.path);
			return CLI_EXIT_IO;
		}
	}
	mix = opts[O_MIX].value ? opts[O_MIX].value :
	    "mortgage,decision,release";
	if (strcmp(mix, "mortgage") == 0) {
		sh.decide = 0;
	} else if (strcmp(mix, "mortgage,decision") == 0) {
		sh.decide = 1;
	} else if (strcmp(mix, "mortgage,decision,release") == 0) {
		sh.decide = 1;
		sh.release = 1;
	} else {
		cli_fail(verb, "--mix must be mortgage, mortgage,decision or "
		    "mortgage,decision,release");
		return CLI_EXIT_USAGE;
	}
	if (demo_world_load(opts[O_DEMO].value, &w, why, sizeof(why)) !=
	    LIEN_OK) {
		cli_fail(verb, "%s: %s", opts[O_DEMO].value, why);
		return CLI_EXIT_INPUT;
	}
	if (opts[O_RCPT].value != NULL && (sh.receipts_fd =
	    open(opts[O_RCPT].value, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
	    O_CLOEXEC, 0644)) < 0) {
		cli_fail(verb, "%s: %s%s", opts[O_RCPT].value, strerror(errno),
		    errno == EEXIST ? " (refusing to overwrite)" : "");
		demo_world_free(w);
		return CLI_EXIT_IO;
	}
	sh.w = w;
	sh.url = opts[O_URL].value;
	sh.rate = rate;
	{
		unsigned steps = sh.release ? 4 : sh.decide ? 2 : 1;
		uint64_t total;

		if (rate != 0) {
			/* Open loop: the schedule is the request count. */
			sh.nslots = requests ? requests : duration * rate;
			total = sh.nslots + sh.nslots / 4;	/* uneven share */
		} else {
			sh.requests = requests;
			total = requests ? requests : duration *
			    LOAD_RATE_GUESS;
		}
		sh.setup_cases = total / steps / conc + 1;
	}

	/* The bare rate first, while the server is idle. */
	la0 = loadavg_1m();
	bare = ed25519_rate();

	if ((wks = calloc((size_t)conc, sizeof(*wks))) == NULL ||
	    pthread_barrier_init(&sh.ready, NULL, (unsigned)conc + 1) != 0) {
		free(wks);
		demo_world_free(w);
		if (sh.receipts_fd >= 0)
			(void)close(sh.receipts_fd);
		cli_fail(verb, "out of memory");
		return CLI_EXIT_INTERNAL;
	}
	for (unsigned i = 0; i < conc; i++) {
		struct regclient_config cfg;

		wks[i].sh = &sh;
		wks[i].id = i;
		lcrypto_random(&wks[i].rng, sizeof(wks[i].rng));
		wks[i].rng |= 1;
		memset(&cfg, 0, sizeof(cfg));
		cfg.url = sh.url;
		/* Created here, before the threads: a bad --url is a usage
		 * error, not a failure in every worker. */
		if (regclient_new(&cfg, &wks[i].rc) != LIEN_OK) {
			cli_fail(verb, "--url must be http://HOST:PORT");
			for (unsigned k = 0; k < i; k++)
				regclient_free(wks[k].rc);
			free(wks);
			demo_world_free(w);
			if (sh.receipts_fd >= 0)
				(void)close(sh.receipts_fd);
			return CLI_EXIT_USAGE;
		}
	}
	for (unsigned i = 0; i < conc; i++) {
		if (pthread_create(&wks[i].th, NULL, worker_main, &wks[i]) != 0) {
			/* Cannot happen often; fail loudly rather than
			 * deadlock the barrier. */
			cli_fail(verb, "cannot start thread %u", i);
			exit(CLI_EXIT_INTERNAL);
		}
	}
	(void)pthread_barrier_wait(&sh.ready);
	t0 = now_ns();
	sh.deadline_ns = t0 + duration * 1000000000ull;
	if (rate != 0) {
		uint64_t planned = sh.nslots * 1000000000ull / rate;

		sh.t0_ns = t0;
		sh.drain_ns = t0 + planned + (planned > LOAD_DRAIN_MIN_NS ?
		    planned : LOAD_DRAIN_MIN_NS);
	}
	if (pid != 0) {
		rss_on = pthread_create(&rss.th, NULL, rss_main, &rss) == 0;
		cpu_srv0 = cpu_seconds_of(pid);
	}
	cpu_self0 = cpu_seconds_self();
	(void)pthread_barrier_wait(&sh.ready);	/* publishes the clock */
	for (unsigned i = 0; i < conc; i++)
		(void)pthread_join(wks[i].th, NULL);
	t1 = now_ns();
	cpu_self1 = cpu_seconds_self();
	if (pid != 0)
		cpu_srv1 = cpu_seconds_of(pid);
	if (rss_on) {
		atomic_store(&rss.done, 1);
		(void)pthread_join(rss.th, NULL);
	}
	la1 = loadavg_1m();
	elapsed = (double)(t1 - t0) / 1e9;

	{
		unsigned nnet = 0;

		for (unsigned i = 0; i < conc; i++)
			nnet += wks[i].fatal_net != 0;
		if (nnet == conc) {
			/* Nobody answered: one line that says so, no summary
			 * of a run that never started. */
			cli_fail(verb, "no answer from %s: is lienlogd running "
			    "there? (%s)", sh.url, wks[0].fatal);
			rc = CLI_EXIT_NETWORK;
			quiet = 1;
		}
	}
	for (unsigned i = 0; i < conc; i++) {
		struct worker *wk = &wks[i];

		if (wk->fatal[0] != '\0' && !quiet) {
			cli_fail(verb, "thread %u: %s", i, wk->fatal);
			rc = wk->fatal_net ? CLI_EXIT_NETWORK : CLI_EXIT_VERIFY;
		}
		for (int o = 0; o < OP_COUNT_; o++) {
			ok_by_op[o] += wk->ok[o];
			total_ok += wk->ok[o];
			verifies += wk->ok[o] * op_verifies[o];
		}
		diverted += wk->diverted;
		replayed += wk->replayed;
		rfail += wk->receipt_fail;
		setup_req += wk->setup_requests;
		late += wk->late;
		if (wk->delay_max_ns > delay_max)
			delay_max = wk->delay_max_ns;
		for (size_t k = 0; k < wk->ncodes; k++) {
			size_t j;

			errors += wk->codes[k].n;
			for (j = 0; j < nall; j++)
				if (all[j].http == wk->codes[k].http &&
				    strcmp(all[j].code, wk->codes[k].code) == 0)
					break;
			if (j == nall) {
				if (nall == sizeof(all) / sizeof(all[0]))
					continue;
				all[nall] = wk->codes[k];
				all[nall++].n = 0;
			}
			all[j].n += wk->codes[k].n;
		}
		errors += wk->codes_other;
		nlat += wk->nlat;
	}
	if ((lat = malloc((nlat ? nlat : 1) * sizeof(*lat))) != NULL) {
		size_t off = 0;

		for (unsigned i = 0; i < conc; i++) {
			if (wks[i].nlat == 0)	/* lat_us may be NULL */
				continue;
			memcpy(lat + off, wks[i].lat_us, wks[i].nlat *
			    sizeof(*lat));
			off += wks[i].nlat;
		}
		qsort(lat, nlat, sizeof(*lat), cmp_u32);
	} else {
		nlat = 0;
	}

	sent = total_ok + errors;
	if (rate != 0 && sh.nslots > sent)
		unsent = sh.nslots - sent;
	achieved = elapsed > 0 ? (double)sent / elapsed : 0;
	accepted_rate = elapsed > 0 ? (double)total_ok / elapsed : 0;
	vpr = total_ok ? (double)verifies / (double)total_ok : 0;
	bound = vpr > 0 ? bare * 2.0 / vpr : 0;

	/* The summary, for people (stderr): what happened first (requests,
	 * errors by cause, latency, receipts), then the details of the
	 * run, then the conditions it ran in. The figures for scripts come
	 * after, on stdout. */
	if (quiet)
		goto figures_done;
	fprintf(stderr, "lienlog load: %llu requests to %s in %.1f s: %llu "
	    "accepted (%.0f/s), %llu errors; %s loop, %llu connections, mix "
	    "%s\n", (unsigned long long)sent, sh.url, elapsed,
	    (unsigned long long)total_ok, accepted_rate,
	    (unsigned long long)errors, rate ? "open" : "closed",
	    (unsigned long long)conc, mix);
	if (errors != 0) {
		fprintf(stderr, "  errors by cause:\n");
		for (size_t j = 0; j < nall; j++)
			fprintf(stderr, "    %llu x HTTP %ld %s\n",
			    (unsigned long long)all[j].n, all[j].http,
			    all[j].code);
		if (errors > 0) {
			uint64_t listed = 0;

			for (size_t j = 0; j < nall; j++)
				listed += all[j].n;
			if (errors > listed)
				fprintf(stderr, "    %llu x no answer or other "
				    "causes\n", (unsigned long long)(errors -
				    listed));
		}
	}
	fprintf(stderr, "  latency ms (%s): p50 %.2f, p90 %.2f, p99 %.2f, "
	    "p99.9 %.2f, max %.2f\n", rate ? "from the scheduled time" :
	    "of each exchange", pct(lat, nlat, 0.50), pct(lat, nlat, 0.90),
	    pct(lat, nlat, 0.99), pct(lat, nlat, 0.999),
	    nlat ? (double)lat[nlat - 1] / 1000.0 : 0.0);
	fprintf(stderr, "  receipts: %llu verified offline, %llu failed "
	    "verification\n", (unsigned long long)total_ok,
	    (unsigned long long)rfail);
	fprintf(stderr, "  accepted by kind:");
	for (int o = 0; o < OP_COUNT_; o++)
		fprintf(stderr, " %s %llu%s", op_name[o],
		    (unsigned long long)ok_by_op[o], o + 1 < OP_COUNT_ ? "," :
		    "\n");
	fprintf(stderr, "  diverted to in-person review: %llu, replayed: "
	    "%llu\n", (unsigned long long)diverted,
	    (unsigned long long)replayed);
	if (rate != 0)
		fprintf(stderr, "  schedule: %llu requests at %llu/s (uniform "
		    "arrivals, every %.3f ms); %llu late starts (> %.1f ms "
		    "after their time), latest %.2f ms; %llu not sent\n",
		    (unsigned long long)sh.nslots, (unsigned long long)rate,
		    1000.0 / (double)rate, (unsigned long long)late,
		    (double)LOAD_LATE_NS / 1e6, (double)delay_max / 1e6,
		    (unsigned long long)unsent);
	fprintf(stderr, "  set-up (untimed): %llu requests (vehicles recorded, "
	    "owner commitments)\n", (unsigned long long)setup_req);
	fprintf(stderr, "conditions:\n");
	fprintf(stderr, "  load average (1 min): %.2f at start, %.2f at end\n",
	    la0, la1);
	if (pid != 0)
		fprintf(stderr, "  server %llu: max VmRSS %.1f MiB, max RssAnon "
		    "%.1f MiB (%llu samples every %llu ms, %llu failed)\n",
		    (unsigned long long)pid, (double)rss.rss_kb / 1024.0,
		    (double)rss.anon_kb / 1024.0,
		    (unsigned long long)rss.nsamples,
		    (unsigned long long)(LOAD_RSS_PERIOD_NS / 1000000ull),
		    (unsigned long long)rss.nfailed);
	if (pid != 0 && cpu_srv0 >= 0 && cpu_srv1 >= cpu_srv0)
		fprintf(stderr, "  server CPU: %.2f s = %.0f%% of one core, %.0f "
		    "us per answered request\n", cpu_srv1 - cpu_srv0,
		    elapsed > 0 ? 100.0 * (cpu_srv1 - cpu_srv0) / elapsed : 0.0,
		    sent ? 1e6 * (cpu_srv1 - cpu_srv0) / (double)sent : 0.0);
	fprintf(stderr, "  load generator CPU (timed phase): %.2f s = %.0f%% of "
	    "one core\n",
	    cpu_self1 - cpu_self0, elapsed > 0 ? 100.0 * (cpu_self1 -
	    cpu_self0) / elapsed : 0.0);
	fprintf(stderr, "  bare Ed25519 verify (one core, this run): %.0f/s\n",
	    bare);
	fprintf(stderr, "  crypto bound: %.0f/s x 2 cores / %.2f verifies per "
	    "request = %.0f requests/s; achieved %.1f%%\n", bare, vpr, bound,
	    bound > 0 ? 100.0 * accepted_rate / bound : 0.0);
	fflush(stderr);

	/* The figures, for scripts: stdout. */
	figure("load_concurrency", (double)conc, "threads");
	if (rate != 0)
		figure("load_target_rate", (double)rate, "requests/s");
	figure("load_requests", (double)sent, "count");
	figure("load_elapsed_s", elapsed, "s");
	figure("load_requests_per_s", achieved, "requests/s");
	figure("load_accepted_per_s", accepted_rate, "requests/s");
	figure("load_p50_ms", pct(lat, nlat, 0.50), "ms");
	figure("load_p90_ms", pct(lat, nlat, 0.90), "ms");
	figure("load_p99_ms", pct(lat, nlat, 0.99), "ms");
	figure("load_p999_ms", pct(lat, nlat, 0.999), "ms");
	figure("load_max_ms", nlat ? (double)lat[nlat - 1] / 1000.0 : 0.0,
	    "ms");
	figure("load_errors", (double)errors, "count");
	figure("load_receipt_failures", (double)rfail, "count");
	if (rate != 0) {
		figure("load_late_starts", (double)late, "count");
		figure("load_start_delay_max_ms", (double)delay_max / 1e6,
		    "ms");
		figure("load_unsent", (double)unsent, "count");
	}
	if (pid != 0) {
		figure("server_rss_max_MiB", (double)rss.rss_kb / 1024.0, "MiB");
		figure("server_rss_anon_max_MiB", (double)rss.anon_kb / 1024.0,
		    "MiB");
		figure("server_rss_samples", (double)rss.nsamples, "count");
		if (cpu_srv0 >= 0 && cpu_srv1 >= cpu_srv0) {
			figure("server_cpu_pct", elapsed > 0 ? 100.0 *
			    (cpu_srv1 - cpu_srv0) / elapsed : 0.0,
			    "percent_of_one_core");
			figure("server_cpu_us_per_request", sent ? 1e6 *
			    (cpu_srv1 - cpu_srv0) / (double)sent : 0.0, "us");
		}
	}
	figure("load_client_cpu_pct", elapsed > 0 ? 100.0 * (cpu_self1 -
	    cpu_self0) / elapsed : 0.0, "percent_of_one_core");
	figure("ed25519_verify_per_s", bare, "verifies/s");
	figure("crypto_bound_requests_per_s", bound, "requests/s");
	figure("load_vs_crypto_bound_ratio", bound > 0 ? accepted_rate / bound :
	    0.0, "ratio");
	figure("loadavg_1m_start", la0, "load");
	figure("loadavg_1m_end", la1, "load");
	fflush(stdout);
figures_done:

	for (unsigned i = 0; i < conc; i++) {
		regclient_free(wks[i].rc);
		free(wks[i].veh);
		free(wks[i].lat_us);
	}
	free(wks);
	free(lat);
	pthread_barrier_destroy(&sh.ready);
	demo_world_free(w);
	if (sh.receipts_fd >= 0 && (fsync(sh.receipts_fd) != 0 ||
	    close(sh.receipts_fd) != 0 || atomic_load(&sh.receipts_bad))) {
		cli_fail(verb, "%s: could not write every receipt line",
		    opts[O_RCPT].value);
		return CLI_EXIT_IO;
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	return rfail == 0 && errors == 0 && total_ok > 0 ? CLI_EXIT_OK :
	    CLI_EXIT_VERIFY;
}
