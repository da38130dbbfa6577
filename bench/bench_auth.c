/*
 * bench_auth: what authenticating one write request costs on one core,
 * beside the bare libsodium Ed25519 verify rate measured in the same run
 * (issue 3, "Targets": request verification within 2.5x of two bare
 * verifies; the certificate chain cached so it costs nothing per request).
 *
 * It measures the real library calls lienlogd makes, through their public
 * headers only: api/auth.h auth_verify (RFC 9421 signature with
 * Content-Digest, keyid -> party through the lookup callback, certificate
 * chain through crypto/cert's cache, nonce pre-check callback) and
 * api/evidence.h evidence_face_check (EdDSA face-ID token), separately and
 * together, for banks with Ed25519, ECDSA P-256 and SM2 keys; and
 * crypto/cert.h cert_trust_verify with a cache hit and with a forced miss.
 * Figures go to stdout as "name value unit", one per line, as soon as they
 * are measured; progress and notes go to stderr. Nothing is judged here:
 * bench/README.md lists the target.
 *
 * Design. The PKI is the unit tests' (tests/vectors/trust/mktrust.sh, the
 * openssl CLI: institution roots P-256 and SM2 with CRLs in force, so a
 * chain verification includes CRL checks as in production), generated
 * into a scratch directory; config.json and face-issuers.jwks are written
 * here with a fresh Ed25519 face-ID issuer. Every request is signed before
 * timing (N per bank, each with its own random nonce, its own created
 * time and its own body, application digest and face token, as the
 * server sees them), so signing is never measured; the timed loop cycles
 * through them. All verifications run at the fixture's pinned time
 * (2030-01-01, inside every validity window of mktrust.sh). The body is
 * a company mortgage application as api/regclient builds it (application,
 * face token, company block with the SMS attestation: ~1.5 KiB); the
 * SHA-256 of the canonical application (the digest the face token is
 * bound to) is computed before timing, because it is body parsing, not
 * verification. Rates are per second of the measuring thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID: time the scheduler gives to others on a
 * shared machine is not counted), each the best of a few runs; stderr
 * shows every run with its wall-clock rate too. The measuring thread is
 * pinned to CPU 0 when the platform allows it.
 *
 * The forced cache miss uses two certificates issued here under the
 * institution root whose fingerprints fall into the same slot of
 * crypto/cert's direct-mapped cache, verified alternately: every call is
 * a full chain verification (checked through cert_result.cached). The
 * slot is found by probing, not by knowing cert.c's index function.
 */
#define _GNU_SOURCE	/* pthread_setaffinity_np, CPU_SET (Linux) */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "api/auth.h"
#include "demo/demo.h"
#include "api/evidence.h"
#include "crypto/httpsig.h"
#include "client/regclient.h"
#include "api/trust.h"
#include "common/status.h"
#include "crypto/cert.h"
#include "crypto/hash.h"
#include "crypto/cert_issue.h"
#include "crypto/pkey.h"
#include "crypto/sign.h"

#ifndef LIEN_MKTRUST
#error "LIEN_MKTRUST (path of tests/vectors/trust/mktrust.sh) must be defined"
#endif

/* 2030-01-01T00:00:00Z: inside every validity window of mktrust.sh. */
#define BA_NOW 1893456000
#define BA_REGISTRY "registry.bench.lienlog.invalid"
#define BA_AUTHORITY "registry.bench.lienlog.invalid"
#define BA_PATH "/v1/mortgages"
#define BA_FACE_KID "face-bench-01"
#define BA_FACE_ISS "https://face.bench.invalid"
#define BA_SMS_KID "sms-bench-01"
#define BA_SMS_ISS "https://sms.bench.invalid"
#define BA_FILE_MAX (1u << 20)
#define BA_NHEADERS 11u
#define BA_SEEN_SLOTS 4096u	/* nonce pre-check table, power of two */
#define BA_PROBE_MAX 2048u	/* leaves issued to find a collision */

struct plan {
	size_t nreq;		/* pre-signed requests per bank */
	double run_s;		/* one timed run */
	int runs;		/* best of */
};

static const struct plan plan_full = { .nreq = 1000, .run_s = 1.0,
	.runs = 3 };
static const struct plan plan_smoke = { .nreq = 8, .run_s = 0.02,
	.runs = 1 };

enum bank { BANK_ED25519 = 0, BANK_P256 = 1, BANK_SM2 = 2, NBANKS = 3 };

static const char *const bank_file[NBANKS] = { "bank-ed25519", "bank-p256",
	"bank-sm2" };
static const char *const bank_party[NBANKS] = { "bank-a", "bank-b",
	"bank-c" };
/* request_total figure per bank (Ed25519 is the target's) */
static const char *const bank_total_figure[NBANKS] = {
	"request_total_verify_per_s",
	"request_total_verify_ecdsa_p256_sha256_per_s",
	"request_total_verify_sm2_sm3_per_s",
};

/* One request as the server receives it, signed before timing. */
struct breq {
	struct httpsig_signed sig;
	struct httpsig_header h[BA_NHEADERS];
	char content_length[24];
	struct auth_request ar;
	char *body;			/* malloc'd */
	size_t body_len;
	const char *tok;		/* face token, inside body */
	size_t tok_len;
	uint8_t digest[HASH_LEN];	/* application digest */
};

struct bank_rec {
	struct regclient_party party;	/* key + keyid hex */
	uint8_t keyid[AUTH_KEYID_LEN];
	uint8_t *der;
	size_t der_len;
	struct breq *reqs;		/* plan->nreq */
};

static struct {
	const struct plan *plan;
	int smoke;
	const char *only;		/* --only PREFIX, or NULL */
	char dir[BENCH_PATH_MAX];
	struct trust *trust;
	struct auth *auth;
	struct bank_rec banks[NBANKS];
	struct regclient_issuer face, sms;
	uint8_t owner[REGCLIENT_COMMIT_LEN];
	struct {
		size_t len;
		char s[HTTPSIG_PARAM_MAX];
	} seen[BA_SEEN_SLOTS];
	uint64_t lookups, nonce_checks;
	double ed_per_s;
} g;

/* Whether the figure named stem runs under --only: either string is a
 * prefix of the other (as bench_log's --only). */
static int
want(const char *stem)
{
	size_t a, b;

	if (g.only == NULL)
		return 1;
	a = strlen(g.only);
	b = strlen(stem);
	return strncmp(g.only, stem, a < b ? a : b) == 0;
}

static int
fail(const char *what, enum lien_status st)
{
	fprintf(stderr, "bench_auth: %s: %s (%s)\n", what,
	    lien_status_message(st), lien_status_code(st));
	return -1;
}

/* ---- files ----------------------------------------------------------------- */

static char *
read_all(const char *rel, size_t *out_len)
{
	char path[BENCH_PATH_MAX];
	FILE *f;
	char *buf;
	size_t n;

	*out_len = 0;
	if (bench_path(path, sizeof path, g.dir, rel) != 0 ||
	    (f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "bench_auth: cannot open %s/%s\n", g.dir, rel);
		return NULL;
	}
	if ((buf = malloc(BA_FILE_MAX + 1)) == NULL) {
		(void)fclose(f);
		return NULL;
	}
	n = fread(buf, 1, BA_FILE_MAX + 1, f);
	(void)fclose(f);
	if (n > BA_FILE_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*out_len = n;
	return buf;
}

static int
write_all(const char *rel, const char *text)
{
	char path[BENCH_PATH_MAX];
	FILE *f;
	size_t n = strlen(text);

	if (bench_path(path, sizeof path, g.dir, rel) != 0 ||
	    (f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "bench_auth: cannot write %s/%s\n", g.dir, rel);
		return -1;
	}
	if (fwrite(text, 1, n, f) != n) {
		(void)fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* mktrust.sh OUTDIR through /bin/sh, its stdout discarded. */
static int
run_mktrust(void)
{
	pid_t pid;
	int status;

	fprintf(stderr, "generating the test PKI with %s (openssl CLI)\n",
	    LIEN_MKTRUST);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "bench_auth: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execl("/bin/sh", "sh", LIEN_MKTRUST, g.dir, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_auth: mktrust.sh failed\n");
		return -1;
	}
	return 0;
}

/* A JWKS with one key of is, bound to its iss (docs/trust.md). */
static int
write_jwks(const char *rel, const struct regclient_issuer *is)
{
	char *jwk = NULL, *text;
	size_t n;
	enum lien_status st;
	int rc = -1;

	if ((st = pkey_export_jwk(is->key, is->kid, &jwk)) != LIEN_OK)
		return fail("pkey_export_jwk", st);
	n = strlen(jwk);
	/* compact object text: splice ,"iss":"..." before the final brace */
	if (n < 2 || jwk[n - 1] != '}' ||
	    (text = malloc(n + strlen(is->iss) + 64)) == NULL) {
		free(jwk);
		return -1;
	}
	jwk[n - 1] = '\0';
	(void)sprintf(text, "{\"keys\":[%s,\"iss\":\"%s\"}]}", jwk, is->iss);
	rc = write_all(rel, text);
	free(text);
	free(jwk);
	return rc;
}

static int
make_issuer(struct regclient_issuer *is, const char *kid, const char *iss)
{
	enum lien_status st;

	memset(is, 0, sizeof *is);
	if ((st = pkey_generate(PKEY_ED25519, &is->key)) != LIEN_OK)
		return fail("pkey_generate", st);
	(void)snprintf(is->kid, sizeof is->kid, "%s", kid);
	(void)snprintf(is->iss, sizeof is->iss, "%s", iss);
	return 0;
}

/* ---- callbacks, as lienlogd's (api/reg_http.c) ------------------------------ */

/* The parties view: three filed banks. */
static enum lien_status LIEN_MUST_CHECK
party_lookup(void *ctx, const uint8_t keyid[AUTH_KEYID_LEN],
    struct auth_party *out)
{
	(void)ctx;
	g.lookups++;
	for (size_t b = 0; b < NBANKS; b++) {
		const struct bank_rec *r = &g.banks[b];

		if (memcmp(r->keyid, keyid, AUTH_KEYID_LEN) != 0)
			continue;
		memset(out, 0, sizeof *out);
		out->role = AUTH_ROLE_INSTITUTION;
		out->party_id_len = strlen(bank_party[b]);
		memcpy(out->party_id, bank_party[b], out->party_id_len + 1);
		out->status = AUTH_PARTY_ACTIVE;
		out->cert_der = r->der;
		out->cert_der_len = r->der_len;
		return LIEN_OK;
	}
	return LIEN_ENOTFOUND;
}

/* FNV-1a: picks the slot of the "nonces seen" table. */
static size_t
nonce_slot(const uint8_t keyid[AUTH_KEYID_LEN], const char *nonce,
    size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < AUTH_KEYID_LEN; i++)
		h = (h ^ keyid[i]) * 0x100000001b3u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)nonce[i]) * 0x100000001b3u;
	return (size_t)(h & (BA_SEEN_SLOTS - 1u));
}

/* Fast replay pre-check: one hashed lookup in a table of nonces seen
 * before (filled with other nonces). Lookup only: as in lienlogd, the
 * nonce is recorded by the sequencer, not here, so the pre-signed
 * requests can be replayed by the timing loop. */
static enum lien_status LIEN_MUST_CHECK
nonce_check(void *ctx, const uint8_t keyid[AUTH_KEYID_LEN], int64_t created,
    const char *nonce, size_t len)
{
	size_t slot = nonce_slot(keyid, nonce, len);

	(void)ctx;
	(void)created;
	g.nonce_checks++;
	if (g.seen[slot].len == len && memcmp(g.seen[slot].s, nonce, len) == 0)
		return LIEN_EEXIST;
	return LIEN_OK;
}

static void
seen_fill(void)
{
	uint8_t kid[AUTH_KEYID_LEN];
	char n[23];

	for (size_t i = 0; i < BA_SEEN_SLOTS / 2; i++) {
		size_t slot;

		lcrypto_random(kid, sizeof kid);
		(void)snprintf(n, sizeof n, "seen-%016zx", i);
		slot = nonce_slot(kid, n, strlen(n));
		g.seen[slot].len = strlen(n);
		memcpy(g.seen[slot].s, n, strlen(n));
	}
}

/* ---- requests ------------------------------------------------------------------ */

static void
header_set(struct httpsig_header *h, const char *name, const char *value)
{
	h->name = name;
	h->name_len = strlen(name);
	h->value = value;
	h->value_len = strlen(value);
}

/* Find "face_token":"..." in a body regclient built (base64url and dots:
 * no escapes). */
static int
token_find(const char *body, const char **tok, size_t *len)
{
	static const char key[] = "\"face_token\":\"";
	const char *p = strstr(body, key), *e;

	if (p == NULL)
		return -1;
	p += sizeof key - 1;
	if ((e = strchr(p, '"')) == NULL)
		return -1;
	*tok = p;
	*len = (size_t)(e - p);
	return 0;
}

/* Request i of bank b: a company mortgage application with its own
 * vehicle, owner, face token (nonce = its digest) and SMS attestation,
 * signed by the bank with its own nonce and created time. */
static int
req_make(struct bank_rec *bk, struct breq *r, size_t i, uint64_t *rng)
{
	char vin[18], id[19], plate[64], phone[12], rep_phone[12], uscc[19];
	char cert_no[32], contract[80], name[48];
	uint8_t rep_commit[REGCLIENT_COMMIT_LEN];
	struct regclient_mortgage m;
	int64_t tok_now = BA_NOW - (int64_t)(i % 50u);
	enum lien_status st;
	size_t k = 0;

	memset(r, 0, sizeof *r);
	demo_vin_make(rng, vin);
	demo_citizen_id_make(rng, id);
	demo_plate_make(rng, "02", plate, sizeof plate);
	demo_phone_make(rng, phone);
	demo_phone_make(rng, rep_phone);
	demo_uscc_make(rng, uscc);
	(void)snprintf(cert_no, sizeof cert_no, "330400%012llu",
	    (unsigned long long)(demo_rand(rng) % 1000000000000ull));
	(void)snprintf(contract, sizeof contract, "DY-%04zu-%010llu-%s",
	    i, (unsigned long long)(demo_rand(rng) % 10000000000ull),
	    "JIAXING-AUTO-LOAN");
	(void)snprintf(name, sizeof name, "\xe5\xbc\xa0\xe4\xb8\x89%zu", i);
	lcrypto_random(rep_commit, sizeof rep_commit);
	memset(&m, 0, sizeof m);
	m.rq.mortgagee = "91330400MA2B00001P";	/* the digest's bank */
	m.rq.vin = vin;
	m.plate = plate;
	m.plate_type = "02";
	m.certificate_number = cert_no;
	m.contract_number = contract;
	m.rq.owner_id_number = id;
	m.owner_name = name;
	m.owner_phone = phone;
	m.rq.owner_commit = g.owner;
	m.rq.liveness = 9800;
	m.rq.match = 9650;
	m.rq.uscc = uscc;
	m.rq.legal_rep_phone = rep_phone;
	m.rq.rep_phone_commit = rep_commit;
	st = regclient_mortgage_body(&g.face, &g.sms, BA_REGISTRY, &m,
	    tok_now, &r->body, &r->body_len, r->digest);
	if (st != LIEN_OK)
		return fail("regclient_mortgage_body", st);
	if (token_find(r->body, &r->tok, &r->tok_len) != 0) {
		fprintf(stderr, "bench_auth: no face_token in the body\n");
		return -1;
	}
	/* created spread over the window as real clients' clocks are */
	st = regclient_sign(&bk->party, "POST", BA_AUTHORITY, BA_PATH,
	    (const uint8_t *)r->body, r->body_len,
	    BA_NOW - (int64_t)(i % 250u), NULL, &r->sig);
	if (st != LIEN_OK)
		return fail("regclient_sign", st);
	(void)snprintf(r->content_length, sizeof r->content_length, "%zu",
	    r->body_len);
	/* What nginx forwards to lienlogd (deploy/nginx/lienlog.conf). */
	header_set(&r->h[k++], "Host", BA_AUTHORITY);
	header_set(&r->h[k++], "X-Forwarded-Proto", "https");
	header_set(&r->h[k++], "X-Forwarded-For", "203.0.113.7");
	header_set(&r->h[k++], "Connection", "close");
	header_set(&r->h[k++], "Content-Length", r->content_length);
	header_set(&r->h[k++], "User-Agent", "bank-core/4.2 (lienlog RFC 9421)");
	header_set(&r->h[k++], "Accept", "application/json");
	header_set(&r->h[k++], "Content-Type", "application/json");
	header_set(&r->h[k++], "Content-Digest", r->sig.content_digest);
	header_set(&r->h[k++], "Signature-Input", r->sig.signature_input);
	header_set(&r->h[k++], "Signature", r->sig.signature);
	r->ar.http = (struct httpsig_request){
		.method = "POST", .method_len = 4,
		.scheme = "https", .scheme_len = 5,
		.authority = BA_AUTHORITY, .authority_len = strlen(BA_AUTHORITY),
		.path = BA_PATH, .path_len = strlen(BA_PATH),
		.query = NULL, .query_len = 0,
		.headers = r->h, .nheaders = k,
		.body = (const uint8_t *)r->body, .body_len = r->body_len,
	};
	r->ar.now = BA_NOW;
	r->ar.allowed_roles = AUTH_ROLE_BIT(AUTH_ROLE_INSTITUTION);
	r->ar.party_lookup = party_lookup;
	r->ar.nonce_check = nonce_check;
	r->ar.ctx = NULL;
	return 0;
}

static int
bank_load(enum bank b, uint64_t *rng)
{
	struct bank_rec *bk = &g.banks[b];
	char rel[64], *key_pem = NULL, *cert_pem = NULL;
	size_t key_len, cert_len;
	enum lien_status st;
	int rc = -1;

	(void)snprintf(rel, sizeof rel, "%s.key", bank_file[b]);
	key_pem = read_all(rel, &key_len);
	(void)snprintf(rel, sizeof rel, "%s.pem", bank_file[b]);
	cert_pem = read_all(rel, &cert_len);
	(void)snprintf(rel, sizeof rel, "%s.der", bank_file[b]);
	bk->der = (uint8_t *)read_all(rel, &bk->der_len);
	if (key_pem == NULL || cert_pem == NULL || bk->der == NULL)
		goto out;
	st = regclient_party_load(key_pem, key_len, cert_pem, cert_len,
	    &bk->party);
	if (st != LIEN_OK) {
		(void)fail("regclient_party_load", st);
		goto out;
	}
	hash_sha256(bk->der, bk->der_len, bk->keyid);
	if ((bk->reqs = calloc(g.plan->nreq, sizeof *bk->reqs)) == NULL)
		goto out;
	for (size_t i = 0; i < g.plan->nreq; i++)
		if (req_make(bk, &bk->reqs[i], i, rng) != 0)
			goto out;
	fprintf(stderr, "%s: %zu signed requests (%s, body %zu bytes, face"
	    " token %zu bytes, Signature-Input %zu bytes)\n", bank_file[b],
	    g.plan->nreq, httpsig_alg_name(pkey_alg_get(bk->party.key)),
	    bk->reqs[0].body_len, bk->reqs[0].tok_len,
	    strlen(bk->reqs[0].sig.signature_input));
	rc = 0;
out:
	free(key_pem);
	free(cert_pem);
	return rc;
}

static void
bank_free(struct bank_rec *bk)
{
	if (bk->reqs != NULL)
		for (size_t i = 0; i < g.plan->nreq; i++)
			free(bk->reqs[i].body);
	free(bk->reqs);
	free(bk->der);
	regclient_party_clear(&bk->party);
}

static int
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char why[TRUST_WHY_MAX];
	uint64_t rng = 0x6c69656e6c6f6721u;	/* fixed: same data per run */
	enum lien_status st;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (snprintf(g.dir, sizeof g.dir, "%s/lienlog-bench-auth-XXXXXX",
	    tmp) >= (int)sizeof g.dir || mkdtemp(g.dir) == NULL) {
		g.dir[0] = '\0';
		fprintf(stderr, "bench_auth: cannot create a scratch dir\n");
		return -1;
	}
	if (run_mktrust() != 0)
		return -1;
	if (make_issuer(&g.face, BA_FACE_KID, BA_FACE_ISS) != 0 ||
	    make_issuer(&g.sms, BA_SMS_KID, BA_SMS_ISS) != 0 ||
	    write_jwks("trust/face-issuers.jwks", &g.face) != 0 ||
	    write_jwks("trust/sms-issuers.jwks", &g.sms) != 0 ||
	    write_all("trust/config.json", "{\"registry\":\"" BA_REGISTRY
	    "\",\"created_window\":300,\"token_skew\":60,"
	    "\"token_lifetime_max\":600}\n") != 0)
		return -1;
	if ((st = trust_load(g.dir, &g.trust, why, sizeof why)) != LIEN_OK) {
		fprintf(stderr, "bench_auth: trust: %s\n", why);
		return fail("trust_load", st);
	}
	if ((st = auth_new(&g.auth)) != LIEN_OK)
		return fail("auth_new", st);
	lcrypto_random(g.owner, sizeof g.owner);
	seen_fill();
	for (int b = 0; b < NBANKS; b++)
		if (bank_load((enum bank)b, &rng) != 0)
			return -1;
	return 0;
}

static void
teardown(void)
{
	for (int b = 0; b < NBANKS; b++)
		bank_free(&g.banks[b]);
	regclient_issuer_clear(&g.face);
	regclient_issuer_clear(&g.sms);
	auth_free(g.auth);
	trust_release(g.trust);
	if (g.dir[0] != '\0' && bench_rm_tree(g.dir) != 0)
		fprintf(stderr, "bench_auth: cannot remove %s\n", g.dir);
}

/* ---- measuring ------------------------------------------------------------------- */

/* One operation on item i (0 <= i < n); 0 on success. */
typedef int (*op_fn)(void *arg, size_t i);

/* CPU time of the calling thread: on a shared machine a thread that is
 * descheduled is not charged, so the rate is that of one core doing only
 * this (what the target is about), not of whatever share the scheduler
 * gave us. Wall-clock rates are printed to stderr beside it. */
static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return bench_now_ns();
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Best rate (operations per CPU second) of plan->runs runs of
 * plan->run_s CPU seconds each, cycling over n items. Every run is
 * printed to stderr. */
static int
measure(const char *what, op_fn op, void *arg, size_t n, double *out)
{
	uint64_t run_ns = (uint64_t)(g.plan->run_s * 1e9);
	size_t i = 0;

	*out = 0;
	for (int run = 0; run < g.plan->runs; run++) {
		uint64_t w0 = bench_now_ns(), t0 = thread_cpu_ns(), el, count = 0;
		double rate, wall;

		do {
			for (unsigned k = 0; k < 32; k++, count++) {
				if (op(arg, i) != 0) {
					fprintf(stderr, "bench_auth: %s failed"
					    " at item %zu\n", what, i);
					return -1;
				}
				if (++i == n)
					i = 0;
			}
			el = thread_cpu_ns() - t0;
		} while (el < run_ns);
		rate = (double)count / bench_seconds(el);
		wall = (double)count / bench_seconds(bench_now_ns() - w0);
		fprintf(stderr, "  %s run %d: %.0f/s CPU time (%.2f us each),"
		    " %.0f/s wall\n", what, run + 1, rate, 1e6 / rate, wall);
		if (rate > *out)
			*out = rate;
	}
	return 0;
}

/* Run op once over every item: warms the caches and proves each item
 * verifies before anything is timed. */
static int
warm(const char *what, op_fn op, void *arg, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (op(arg, i) != 0) {
			fprintf(stderr, "bench_auth: %s failed at item %zu\n",
			    what, i);
			return -1;
		}
	return 0;
}

struct ed_arg {
	uint8_t pk[ED25519_PK_LEN], sig[ED25519_SIG_LEN], msg[64];
};

static int
op_ed25519(void *arg, size_t i)
{
	struct ed_arg *e = arg;

	(void)i;
	return ed25519_verify(e->sig, e->msg, sizeof e->msg, e->pk) == LIEN_OK ?
	    0 : -1;
}

static int
op_auth(void *arg, size_t i)
{
	struct bank_rec *bk = arg;
	struct auth_result res;
	enum lien_status st;

	st = auth_verify(g.auth, g.trust, &bk->reqs[i].ar, &res);
	if (st != LIEN_OK)
		fprintf(stderr, "  auth_verify: %s\n",
		    auth_reason_code(res.reason));
	auth_result_clear(&res);
	return st == LIEN_OK ? 0 : -1;
}

static int
op_face(void *arg, size_t i)
{
	struct bank_rec *bk = arg;
	const struct breq *r = &bk->reqs[i];
	struct evidence_result er;
	enum lien_status st;

	st = evidence_face_check(g.trust, r->tok, r->tok_len, g.owner,
	    r->digest, BA_NOW, &er);
	if (st != LIEN_OK || er.verdict != EVIDENCE_PASS) {
		fprintf(stderr, "  evidence_face_check: %s\n",
		    evidence_reason_code(er.reason));
		return -1;
	}
	return 0;
}

/* What lienlogd does for one mortgage request: authenticate, then check
 * the face token against the application digest. */
static int
op_total(void *arg, size_t i)
{
	return op_auth(arg, i) == 0 && op_face(arg, i) == 0 ? 0 : -1;
}

static int
bench_ed25519(void)
{
	struct ed_arg e;
	uint8_t *sk;
	enum lien_status st;

	if (!want("ed25519_verify_per_s") &&
	    !want("request_cost_vs_two_bare_verifies_ratio"))
		return 0;
	if ((sk = secret_alloc(ED25519_SK_LEN)) == NULL)
		return fail("secret_alloc", LIEN_ENOMEM);
	if ((st = ed25519_keypair(e.pk, sk)) != LIEN_OK) {
		secret_free(sk);
		return fail("ed25519_keypair", st);
	}
	lcrypto_random(e.msg, sizeof e.msg);
	ed25519_sign(e.sig, e.msg, sizeof e.msg, sk);
	secret_free(sk);
	if (measure("ed25519_verify", op_ed25519, &e, 1, &g.ed_per_s) != 0)
		return -1;
	bench_figure("ed25519_verify_per_s", g.ed_per_s, "verifies/s");
	return 0;
}

static int
bench_requests(void)
{
	struct bank_rec *ed = &g.banks[BANK_ED25519];
	size_t n = g.plan->nreq;
	struct auth_stats as0, as1;
	double auth_s, face_s, total_s;

	if (warm("auth_verify", op_auth, ed, n) != 0 ||
	    warm("evidence_face_check", op_face, ed, n) != 0)
		return -1;
	if (want("auth_request_verify_per_s")) {
		auth_stats_get(g.auth, &as0);
		if (measure("auth_verify (ed25519)", op_auth, ed, n,
		    &auth_s) != 0)
			return -1;
		auth_stats_get(g.auth, &as1);
		fprintf(stderr, "  certificates parsed while timing: %llu"
		    " (cache hits %llu)\n", (unsigned long long)
		    (as1.cert_parses - as0.cert_parses), (unsigned long long)
		    (as1.cert_hits - as0.cert_hits));
		bench_figure("auth_request_verify_per_s", auth_s,
		    "requests/s");
	}
	if (want("face_token_verify_per_s")) {
		if (measure("evidence_face_check (EdDSA)", op_face, ed, n,
		    &face_s) != 0)
			return -1;
		bench_figure("face_token_verify_per_s", face_s, "tokens/s");
	}
	for (int b = 0; b < NBANKS; b++) {
		struct bank_rec *bk = &g.banks[b];
		int ratio = b == BANK_ED25519 && g.ed_per_s > 0 &&
		    want("request_cost_vs_two_bare_verifies_ratio");
		char what[96];

		if (!want(bank_total_figure[b]) && !ratio)
			continue;
		(void)snprintf(what, sizeof what, "auth_verify + face (%s)",
		    httpsig_alg_name(pkey_alg_get(bk->party.key)));
		if (b != BANK_ED25519 && warm(what, op_total, bk, n) != 0)
			return -1;
		if (measure(what, op_total, bk, n, &total_s) != 0)
			return -1;
		if (want(bank_total_figure[b]))
			bench_figure(bank_total_figure[b], total_s,
			    "requests/s");
		if (ratio)
			bench_figure("request_cost_vs_two_bare_verifies_ratio",
			    (1.0 / total_s) / (2.0 / g.ed_per_s), "x");
	}
	return 0;
}

/* ---- certificate chain: cache hit and forced miss ------------------------------- */

struct chain_arg {
	struct cert_trust *store;
	struct cert *c[2];
	int want_cached;
};

static int
op_chain(void *arg, size_t i)
{
	struct chain_arg *a = arg;
	struct cert_result res;
	struct pkey *key = NULL;
	enum lien_status st;

	st = cert_trust_verify(a->store, a->c[i & 1u], BA_NOW,
	    CERT_USAGE_SIGNER, &res, &key);
	pkey_free(key);
	if (st != LIEN_OK) {
		fprintf(stderr, "  cert_trust_verify: %s\n",
		    cert_verdict_code(res.verdict));
		return -1;
	}
	if (res.cached != a->want_cached) {
		fprintf(stderr, "  cert_trust_verify: cached %d, expected"
		    " %d\n", res.cached, a->want_cached);
		return -1;
	}
	return 0;
}

/* 1 if verifying c is a cache hit, 0 if not, -1 on error. */
static int
is_cached(struct cert_trust *store, const struct cert *c)
{
	struct cert_result res;
	struct pkey *key = NULL;
	enum lien_status st;

	st = cert_trust_verify(store, c, BA_NOW, CERT_USAGE_SIGNER, &res,
	    &key);
	pkey_free(key);
	if (st != LIEN_OK) {
		fprintf(stderr, "  cert_trust_verify: %s\n",
		    cert_verdict_code(res.verdict));
		return -1;
	}
	return res.cached;
}

/* Issue leaves under the institution root until two share a slot of the
 * verification cache; then verifying them alternately misses every time.
 * A new leaf that does not raise the cache's entry count landed on a
 * used slot; the earlier leaf it evicted is the one that now misses.
 * (Birthday bound: a few dozen leaves for 4096 slots.) */
static int
find_colliding_pair(struct chain_arg *a)
{
	char *root_pem = NULL, *root_key_pem = NULL, *pem = NULL, cn[64];
	size_t root_len, root_key_len, pem_len, n = 0;
	struct pkey *root_key = NULL, *leaf_key = NULL;
	struct cert **leaves;
	struct cert_cache_stats s0, s1;
	struct cert_issue_req p;
	enum lien_status st;
	int rc = -1;

	if ((leaves = calloc(BA_PROBE_MAX, sizeof *leaves)) == NULL)
		return -1;
	root_pem = read_all("inst-root.pem", &root_len);
	root_key_pem = read_all("inst-root.key", &root_key_len);
	if (root_pem == NULL || root_key_pem == NULL)
		goto out;
	if ((st = pkey_from_pem(root_key_pem, root_key_len, &root_key)) !=
	    LIEN_OK || (st = pkey_generate(PKEY_ED25519, &leaf_key)) !=
	    LIEN_OK) {
		(void)fail("keys", st);
		goto out;
	}
	memset(&p, 0, sizeof p);
	p.subject.o = "Bench Bank";
	p.not_before = BA_NOW - 86400 * 365;
	p.not_after = BA_NOW + 86400 * 365;
	while (n < BA_PROBE_MAX) {
		struct cert *c = NULL;
		int cached;

		(void)snprintf(cn, sizeof cn, "bench leaf %zu", n);
		p.subject.cn = cn;
		st = cert_issue(leaf_key, root_key, root_pem, root_len, &p,
		    &pem, &pem_len);
		if (st == LIEN_OK)
			st = cert_parse_text(pem, pem_len, &c);
		free(pem);
		pem = NULL;
		if (st != LIEN_OK) {
			(void)fail("cert_issue", st);
			goto out;
		}
		leaves[n++] = c;
		cert_trust_cache_stats(a->store, &s0);
		if ((cached = is_cached(a->store, c)) != 0) {
			if (cached > 0)	/* a new certificate cannot be */
				fprintf(stderr, "bench_auth: a new leaf was"
				    " answered from the cache\n");
			goto out;
		}
		cert_trust_cache_stats(a->store, &s1);
		if (s1.entries != s0.entries)
			continue;
		for (size_t j = 0; j + 1 < n; j++) {
			if ((cached = is_cached(a->store, leaves[j])) < 0)
				goto out;
			if (cached == 0) {
				/* leaves[j] is back in the slot: start
				 * the alternation with c, which is not */
				a->c[0] = c;
				a->c[1] = leaves[j];
				leaves[j] = leaves[n - 1] = NULL;
				fprintf(stderr, "  leaves %zu and %zu share a cache"
				    " slot (%zu issued)\n", j, n - 1, n);
				rc = 0;
				goto out;
			}
		}
		/* it evicted a certificate that is not ours: go on */
	}
	fprintf(stderr, "bench_auth: no cache-slot collision in %u"
	    " certificates\n", BA_PROBE_MAX);
out:
	for (size_t j = 0; j < n; j++)
		cert_free(leaves[j]);
	free(leaves);
	pkey_free(root_key);
	pkey_free(leaf_key);
	free(root_pem);
	free(root_key_pem);
	return rc;
}

static int
bench_chain(void)
{
	struct chain_arg a;
	struct cert_cache_stats s0, s1;
	enum lien_status st;
	double hit_s, miss_s;
	int rc = -1;

	memset(&a, 0, sizeof a);
	a.store = trust_roots_get(g.trust, TRUST_ROOTS_INSTITUTION);
	if (a.store == NULL) {
		fprintf(stderr, "bench_auth: no institution roots\n");
		return -1;
	}
	/* hit: the Ed25519 bank's certificate, verified before */
	st = cert_parse_der(g.banks[BANK_ED25519].der,
	    g.banks[BANK_ED25519].der_len, &a.c[0]);
	if (st != LIEN_OK)
		return fail("cert_parse_der", st);
	a.c[1] = a.c[0];
	if (is_cached(a.store, a.c[0]) < 0)
		goto out;
	a.want_cached = 1;
	if (want("cert_chain_cached_verify_per_s")) {
		if (measure("cert_trust_verify, cache hit", op_chain, &a, 2,
		    &hit_s) != 0)
			goto out;
		bench_figure("cert_chain_cached_verify_per_s", hit_s,
		    "verifies/s");
	}
	cert_free(a.c[0]);
	a.c[0] = a.c[1] = NULL;
	if (!want("cert_chain_uncached_verify_per_s")) {
		rc = 0;
		goto out;
	}

	/* miss: two leaves (Ed25519 keys, signed by the P-256 institution
	 * root, CRL checks on) evicting each other */
	if (find_colliding_pair(&a) != 0)
		goto out;
	a.want_cached = 0;
	cert_trust_cache_stats(a.store, &s0);
	if (measure("cert_trust_verify, forced miss", op_chain, &a, 2,
	    &miss_s) != 0)
		goto out;
	cert_trust_cache_stats(a.store, &s1);
	fprintf(stderr, "  cache while timing the miss: %llu misses, %llu"
	    " hits\n", (unsigned long long)(s1.misses - s0.misses),
	    (unsigned long long)(s1.hits - s0.hits));
	bench_figure("cert_chain_uncached_verify_per_s", miss_s, "verifies/s");
	rc = 0;
out:
	cert_free(a.c[0]);
	if (a.c[1] != a.c[0])
		cert_free(a.c[1]);
	return rc;
}

/* ---- main --------------------------------------------------------------------------- */

static void
pin_cpu0(void)
{
#if defined(__linux__) && defined(CPU_SET)
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
	if (rc == 0)
		fprintf(stderr, "measuring thread pinned to CPU 0"
		    " (pthread_setaffinity_np)\n");
	else
		fprintf(stderr, "could not pin to CPU 0 (%s): measuring"
		    " unpinned\n", strerror(rc));
#else
	fprintf(stderr, "no pthread_setaffinity_np here: measuring"
	    " unpinned\n");
#endif
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench_auth [--smoke] [--only NAME-PREFIX]\n"
	    "  --smoke  tiny counts and 0.02 s runs (figure names unchanged)\n"
	    "  --only   run only figures starting with NAME-PREFIX\n"
	    "Figures on stdout, one per line: name value unit.\n");
}

int
main(int argc, char **argv)
{
	uint64_t t0 = bench_now_ns();
	enum lien_status st;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g.smoke = 1;
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			g.only = argv[++i];
		} else {
			usage();
			return strcmp(argv[i], "--help") == 0 ? 0 : 2;
		}
	}
	g.plan = g.smoke ? &plan_smoke : &plan_full;
	if ((st = lcrypto_init()) != LIEN_OK) {
		(void)fail("lcrypto_init", st);
		return 1;
	}
	if (g.smoke)
		fprintf(stderr, "smoke run: counts are tiny, figures are not"
		    " meaningful\n");
	if (setup() != 0)
		goto out;
	pin_cpu0();
	if (bench_ed25519() != 0 || bench_requests() != 0 ||
	    bench_chain() != 0)
		goto out;
	fprintf(stderr, "callbacks: %llu party lookups, %llu nonce"
	    " pre-checks\n", (unsigned long long)g.lookups,
	    (unsigned long long)g.nonce_checks);
	rc = 0;
out:
	teardown();
	fprintf(stderr, "bench_auth: %s in %.1f s\n", rc == 0 ? "done" :
	    "FAILED", bench_seconds(bench_now_ns() - t0));
	return rc;
}
