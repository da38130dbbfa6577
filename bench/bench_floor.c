/*
 * bench_floor: the ceiling any design of issue 4's end-to-end path can
 * reach on this machine, measured rather than argued.
 *
 * Issue 4 asks for end-to-end registrations at >= 50% of "the crypto
 * bound" (bare Ed25519 verifies/s on both cores / verifies per request),
 * with the load generator on the same machine. This program runs the
 * smallest pipeline that still does what the issue calls a registration,
 * with every part the real service adds removed:
 *
 *   client thread (one per connection, like lienlog load):
 *     sign the request (Ed25519), and for a mortgage or release also
 *     sign the owner's face token (the face-ID issuer's job, which the
 *     load generator does too); send one fixed-size binary frame over a
 *     keep-alive loopback TCP connection; read the reply; check the leaf
 *     hash and, once per new checkpoint, the checkpoint signature.
 *   server thread (one per connection, like civetweb's workers):
 *     read the frame; verify the request signature and the face token
 *     (1.5 verifies per request with the load generator's mix: mortgage,
 *     decision, release, decision); hand the entry to the sequencer; wait
 *     for its commit; send index, leaf hash and signed checkpoint.
 *   sequencer thread (group commit, like ledger/log.c):
 *     take every queued entry, pwrite them to a file, fdatasync, sign one
 *     checkpoint for the batch (a hash chain stands in for the Merkle
 *     tree), wake the waiters.
 *
 * No HTTP, no JSON, no X.509, no registry rules, no LMDB, no inclusion
 * proof, no access log. Whatever rate this reaches is an upper bound for
 * the real service on the same machine; it prints the bound and the ratio
 * beside it. stdout carries "name value unit" figures only (bench_util.h).
 *
 * Usage: bench_floor [--concurrency N] [--duration S] [--dir D] [--smoke]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "crypto/hash.h"
#include "crypto/sign.h"

#define FLOOR_CONC_MAX 256u
#define FLOOR_BODY_LEN 320u	/* about a signed request's signature base */
#define FLOOR_TOKEN_LEN 96u	/* a face token's signed claims */
#define FLOOR_REQ_LEN (1u + FLOOR_BODY_LEN + ED25519_SIG_LEN + \
    FLOOR_TOKEN_LEN + ED25519_SIG_LEN)
#define FLOOR_CP_LEN (8u + HASH_LEN)	/* size || chain head */
#define FLOOR_CP_CACHE 64u
#define FLOOR_REP_LEN (8u + HASH_LEN + FLOOR_CP_LEN + ED25519_SIG_LEN)

/* Keys, the sequencer's queue and the counters: one shared struct. */
struct floor {
	uint8_t bank_pk[ED25519_PK_LEN], face_pk[ED25519_PK_LEN];
	uint8_t log_pk[ED25519_PK_LEN];
	uint8_t *bank_sk, *face_sk, *log_sk;
	int fd;				/* the sequencer's append file */

	pthread_mutex_t mu;
	pthread_cond_t work;
	struct waiter *head, **tail;	/* queued, not yet taken */
	bool stop;

	uint64_t size, off;		/* sequencer only */
	uint8_t chain[HASH_LEN];

	/* The clients' cache of recently verified checkpoints, shared
	 * (group commit: a batch's receipts share one). Generous on
	 * purpose: this is a floor. */
	pthread_mutex_t cpmu;
	uint8_t cp_seen[FLOOR_CP_CACHE][FLOOR_CP_LEN];
	unsigned cp_next;
	atomic_uint_fast64_t cp_verifies;

	atomic_bool run;
	atomic_uint_fast64_t ok, bad, batches;
};

struct waiter {
	struct waiter *next;
	uint8_t leaf[HASH_LEN];
	uint8_t rep[FLOOR_REP_LEN];
	pthread_cond_t cv;		/* its own: no thundering herd */
	bool done;
};

struct conn {
	struct floor *f;
	int fd;
	unsigned id;
};

static int
io_full(int fd, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = wr ? send(fd, p, len, MSG_NOSIGNAL) :
		    recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The sequencer: group commit. One pwrite of the batch, one fdatasync,
 * one checkpoint signature, then every waiter of the batch is woken. */
static void *
seq_main(void *arg)
{
	struct floor *f = arg;
	static uint8_t buf[FLOOR_CONC_MAX * HASH_LEN];

	for (;;) {
		struct waiter *batch, *w;
		size_t n = 0;
		uint8_t cp[FLOOR_CP_LEN], sig[ED25519_SIG_LEN];

		pthread_mutex_lock(&f->mu);
		while (f->head == NULL && !f->stop)
			pthread_cond_wait(&f->work, &f->mu);
		if (f->head == NULL) {
			pthread_mutex_unlock(&f->mu);
			return NULL;
		}
		batch = f->head;
		f->head = NULL;
		f->tail = &f->head;
		pthread_mutex_unlock(&f->mu);

		for (w = batch; w != NULL; w = w->next) {
			struct hash_part parts[2] = {
				{ f->chain, HASH_LEN }, { w->leaf, HASH_LEN }
			};

			memcpy(buf + n * HASH_LEN, w->leaf, HASH_LEN);
			hash_sha256_parts(parts, 2, f->chain);
			n++;
		}
		if (pwrite(f->fd, buf, n * HASH_LEN, (off_t)f->off) !=
		    (ssize_t)(n * HASH_LEN) || fdatasync(f->fd) != 0) {
			perror("bench_floor: append");
			exit(1);
		}
		f->off += n * HASH_LEN;
		for (unsigned i = 0; i < 8; i++)
			cp[i] = (uint8_t)((f->size + n) >> (56 - 8 * i));
		memcpy(cp + 8, f->chain, HASH_LEN);
		ed25519_sign(sig, cp, sizeof(cp), f->log_sk);

		pthread_mutex_lock(&f->mu);
		for (w = batch; w != NULL; w = w->next) {
			uint8_t *r = w->rep;

			for (unsigned i = 0; i < 8; i++)
				r[i] = (uint8_t)(f->size >> (56 - 8 * i));
			memcpy(r + 8, w->leaf, HASH_LEN);
			memcpy(r + 8 + HASH_LEN, cp, sizeof(cp));
			memcpy(r + 8 + HASH_LEN + sizeof(cp), sig, sizeof(sig));
			f->size++;
		}
		/* w is on its waiter's stack: no touching it once done. */
		for (w = batch; w != NULL; ) {
			struct waiter *next = w->next;

			w->done = true;
			pthread_cond_signal(&w->cv);
			w = next;
		}
		pthread_mutex_unlock(&f->mu);
		atomic_fetch_add(&f->batches, 1);
	}
}

/* A server connection: verify, enqueue, wait, reply. */
static void *
srv_main(void *arg)
{
	struct conn *c = arg;
	struct floor *f = c->f;
	uint8_t req[FLOOR_REQ_LEN];

	while (io_full(c->fd, req, sizeof(req), false) == 0) {
		struct waiter w = { 0 };
		const uint8_t *body = req + 1, *sig = body + FLOOR_BODY_LEN;
		const uint8_t *tok = sig + ED25519_SIG_LEN;
		const uint8_t *tsig = tok + FLOOR_TOKEN_LEN;
		uint8_t zero = 0;
		struct hash_part leaf[2] = {
			{ &zero, 1 }, { body, FLOOR_BODY_LEN }
		};

		if (ed25519_verify(sig, body, FLOOR_BODY_LEN, f->bank_pk) !=
		    LIEN_OK || (req[0] && ed25519_verify(tsig, tok,
		    FLOOR_TOKEN_LEN, f->face_pk) != LIEN_OK)) {
			atomic_fetch_add(&f->bad, 1);
			memset(w.rep, 0, sizeof(w.rep));
		} else {
			hash_sha256_parts(leaf, 2, w.leaf);	/* RFC 6962 */
			pthread_cond_init(&w.cv, NULL);
			pthread_mutex_lock(&f->mu);
			*f->tail = &w;
			f->tail = &w.next;
			pthread_cond_signal(&f->work);
			while (!w.done)
				pthread_cond_wait(&w.cv, &f->mu);
			pthread_mutex_unlock(&f->mu);
			pthread_cond_destroy(&w.cv);
		}
		if (io_full(c->fd, w.rep, sizeof(w.rep), true) != 0)
			break;
	}
	(void)close(c->fd);
	return NULL;
}

/* A client connection: the load generator's share of the work. */
static void *
cli_main(void *arg)
{
	struct conn *c = arg;
	struct floor *f = c->f;
	uint8_t req[FLOOR_REQ_LEN], rep[FLOOR_REP_LEN];
	uint64_t seq = 0, state = 0x5eed0000u + c->id;

	while (atomic_load(&f->run)) {
		uint8_t *body = req + 1, *sig = body + FLOOR_BODY_LEN;
		uint8_t *tok = sig + ED25519_SIG_LEN;
		uint8_t *tsig = tok + FLOOR_TOKEN_LEN;
		uint8_t leaf[HASH_LEN], zero = 0;
		struct hash_part lp[2] = {
			{ &zero, 1 }, { body, FLOOR_BODY_LEN }
		};
		const uint8_t *cp = rep + 8 + HASH_LEN;
		bool seen;

		/* mortgage, decision, release, decision: 1.5 verifies. */
		req[0] = (seq & 1u) == 0;
		for (size_t i = 0; i < FLOOR_BODY_LEN; i += 8) {
			uint64_t r = bench_rand(&state);

			memcpy(body + i, &r, 8);
		}
		memcpy(body, &c->id, sizeof(c->id));
		memcpy(body + sizeof(c->id), &seq, sizeof(seq));
		ed25519_sign(sig, body, FLOOR_BODY_LEN, f->bank_sk);
		if (req[0]) {
			memcpy(tok, body, FLOOR_TOKEN_LEN);
			ed25519_sign(tsig, tok, FLOOR_TOKEN_LEN, f->face_sk);
		} else {
			memset(tok, 0, FLOOR_TOKEN_LEN + ED25519_SIG_LEN);
		}
		if (io_full(c->fd, req, sizeof(req), true) != 0 ||
		    io_full(c->fd, rep, sizeof(rep), false) != 0)
			break;
		hash_sha256_parts(lp, 2, leaf);
		if (memcmp(leaf, rep + 8, HASH_LEN) != 0) {
			atomic_fetch_add(&f->bad, 1);
			break;
		}
		seen = false;
		pthread_mutex_lock(&f->cpmu);
		for (unsigned i = 0; i < FLOOR_CP_CACHE && !seen; i++)
			seen = memcmp(cp, f->cp_seen[i], FLOOR_CP_LEN) == 0;
		pthread_mutex_unlock(&f->cpmu);
		if (!seen) {
			if (ed25519_verify(cp + FLOOR_CP_LEN, cp, FLOOR_CP_LEN,
			    f->log_pk) != LIEN_OK) {
				atomic_fetch_add(&f->bad, 1);
				break;
			}
			atomic_fetch_add(&f->cp_verifies, 1);
			pthread_mutex_lock(&f->cpmu);
			memcpy(f->cp_seen[f->cp_next++ % FLOOR_CP_CACHE], cp,
			    FLOOR_CP_LEN);
			pthread_mutex_unlock(&f->cpmu);
		}
		atomic_fetch_add(&f->ok, 1);
		seq++;
	}
	(void)shutdown(c->fd, SHUT_WR);
	return NULL;
}

/* One core's rate of op over about ns nanoseconds. */
static double
rate_of(int verify, uint64_t ns)
{
	uint8_t pk[ED25519_PK_LEN], sig[ED25519_SIG_LEN], msg[64];
	uint8_t *sk = secret_alloc(ED25519_SK_LEN);
	uint64_t t0, t, n = 0;
	int bad = 0;

	if (sk == NULL || ed25519_keypair(pk, sk) != LIEN_OK) {
		secret_free(sk);
		return 0;
	}
	memset(msg, 0x5a, sizeof(msg));
	ed25519_sign(sig, msg, sizeof(msg), sk);
	t0 = bench_now_ns();
	do {
		for (int i = 0; i < 128; i++) {
			if (verify)
				bad |= ed25519_verify(sig, msg, sizeof(msg),
				    pk) != LIEN_OK;
			else
				ed25519_sign(sig, msg, sizeof(msg), sk);
		}
		n += 128;
		t = bench_now_ns();
	} while (t - t0 < ns);
	secret_free(sk);
	return bad ? 0 : (double)n * 1e9 / (double)(t - t0);
}

static int
new_key(uint8_t pk[ED25519_PK_LEN], uint8_t **sk)
{
	if ((*sk = secret_alloc(ED25519_SK_LEN)) == NULL)
		return -1;
	return ed25519_keypair(pk, *sk) == LIEN_OK ? 0 : -1;
}

static int
connect_pair(int lfd, const struct sockaddr_in *sa, int *cfd, int *sfd)
{
	int one = 1;

	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*cfd < 0 || connect(*cfd, (const struct sockaddr *)sa,
	    sizeof(*sa)) != 0)
		return -1;
	if ((*sfd = accept(lfd, NULL, NULL)) < 0)
		return -1;
	(void)setsockopt(*cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(*sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

int
main(int argc, char **argv)
{
	static struct floor f;
	static struct conn srv[FLOOR_CONC_MAX], cli[FLOOR_CONC_MAX];
	pthread_t sth[FLOOR_CONC_MAX], cth[FLOOR_CONC_MAX], seq;
	unsigned conc = 32;
	double dur = 10, bare, sign, bound, rate, vpr = 1.5;
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dir[BENCH_PATH_MAX], file[BENCH_PATH_MAX];
	struct sockaddr_in sa = { 0 };
	socklen_t salen = sizeof(sa);
	uint64_t t0, t1, ok;
	int lfd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--concurrency") == 0 && i + 1 < argc)
			conc = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc)
			dur = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			base = argv[++i];
		else if (strcmp(argv[i], "--smoke") == 0)
			dur = 0.3, conc = 4;
		else {
			fprintf(stderr, "usage: bench_floor [--concurrency N] "
			    "[--duration S] [--dir D] [--smoke]\n");
			return 2;
		}
	}
	if (conc == 0 || conc > FLOOR_CONC_MAX || !(dur > 0 && dur <= 3600)) {
		fprintf(stderr, "bench_floor: concurrency 1..%u, duration "
		    "0..3600 s\n", FLOOR_CONC_MAX);
		return 2;
	}
	if (lcrypto_init() != LIEN_OK || new_key(f.bank_pk, &f.bank_sk) ||
	    new_key(f.face_pk, &f.face_sk) || new_key(f.log_pk, &f.log_sk)) {
		fprintf(stderr, "bench_floor: crypto init failed\n");
		return 1;
	}

	/* The machine's own limits first, while it is idle. */
	bare = rate_of(1, dur < 1 ? 200000000u : 1000000000u);
	sign = rate_of(0, dur < 1 ? 200000000u : 1000000000u);
	bench_figure("ed25519_verify_per_s_one_core", bare, "verifies/s");
	bench_figure("ed25519_sign_per_s_one_core", sign, "signatures/s");
	bound = bare * 2.0 / vpr;
	bench_figure("crypto_bound_requests_per_s", bound, "requests/s");

	if (bench_path(dir, sizeof(dir), base, "lienlog-floor-XXXXXX") != 0 ||
	    mkdtemp(dir) == NULL ||
	    bench_path(file, sizeof(file), dir, "append") != 0 ||
	    (f.fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		perror("bench_floor: scratch file");
		return 1;
	}
	fprintf(stderr, "bench_floor: append file %s, %u connections, %.1f "
	    "s\n", file, conc, dur);

	pthread_mutex_init(&f.mu, NULL);
	pthread_mutex_init(&f.cpmu, NULL);
	pthread_cond_init(&f.work, NULL);
	f.tail = &f.head;
	atomic_store(&f.run, true);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, (int)conc) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0) {
		perror("bench_floor: listen");
		return 1;
	}
	if (pthread_create(&seq, NULL, seq_main, &f) != 0)
		return 1;
	for (unsigned i = 0; i < conc; i++) {
		srv[i] = (struct conn){ &f, -1, i };
		cli[i] = (struct conn){ &f, -1, i };
		if (connect_pair(lfd, &sa, &cli[i].fd, &srv[i].fd) != 0 ||
		    pthread_create(&sth[i], NULL, srv_main, &srv[i]) != 0) {
			perror("bench_floor: connect");
			return 1;
		}
	}
	t0 = bench_now_ns();
	for (unsigned i = 0; i < conc; i++)
		if (pthread_create(&cth[i], NULL, cli_main, &cli[i]) != 0)
			return 1;
	(void)usleep((useconds_t)(dur * 1e6));
	ok = atomic_load(&f.ok);
	t1 = bench_now_ns();
	atomic_store(&f.run, false);
	for (unsigned i = 0; i < conc; i++)
		(void)pthread_join(cth[i], NULL);
	for (unsigned i = 0; i < conc; i++)
		(void)pthread_join(sth[i], NULL);
	pthread_mutex_lock(&f.mu);
	f.stop = true;
	pthread_cond_signal(&f.work);
	pthread_mutex_unlock(&f.mu);
	(void)pthread_join(seq, NULL);
	(void)close(lfd);
	(void)close(f.fd);
	(void)bench_rm_tree(dir);

	rate = (double)ok / bench_seconds(t1 - t0);
	bench_figure("floor_requests_per_s", rate, "requests/s");
	bench_figure("floor_entries_per_batch", atomic_load(&f.batches) ?
	    (double)atomic_load(&f.ok) / (double)atomic_load(&f.batches) : 0,
	    "entries");
	bench_figure("floor_checkpoint_verifies_per_batch",
	    atomic_load(&f.batches) ? (double)atomic_load(&f.cp_verifies) /
	    (double)atomic_load(&f.batches) : 0, "verifies");
	bench_figure("floor_vs_crypto_bound_ratio", bound > 0 ? rate / bound :
	    0, "ratio");
	fprintf(stderr, "bench_floor: %llu accepted, %llu refused; the "
	    "issue's target is %.0f requests/s (50%% of the bound)\n",
	    (unsigned long long)atomic_load(&f.ok),
	    (unsigned long long)atomic_load(&f.bad), bound / 2);
	secret_free(f.bank_sk);
	secret_free(f.face_sk);
	secret_free(f.log_sk);
	return atomic_load(&f.bad) == 0 && ok > 0 ? 0 : 1;
}
