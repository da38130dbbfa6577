/*
 * bench_witness: add-checkpoint throughput of the witness (witness/witness.c
 * and witness/server.c), against the target of >= 2,000
 * requests/s, beside the machine's Ed25519 verify rate for context.
 *
 * Figures (stdout, "name value unit", bench/bench_util.h):
 *   ed25519_verify_per_s                       one core, libsodium
 *   witness_add_checkpoint_per_s               in-process, one thread
 *   witness_add_checkpoint_threads4_per_s      in-process, 4 threads/4 logs
 *   witness_add_checkpoint_http_per_s          HTTP keep-alive, 1 client
 *   witness_add_checkpoint_http_clients4_per_s HTTP keep-alive, 4 clients
 *
 * Every request is a real one: a checkpoint signed by the log's Ed25519
 * key, one size larger than the last, with its RFC 6962 consistency proof
 * from the previous size (proofs of a 2^16-leaf tree: up to 17 hashes).
 * So each request costs the witness a note parse, an Ed25519 verify, a
 * proof check, an Ed25519 cosignature and one durable LMDB commit (fsync
 * of data and meta pages: that commit is the bound, see DEPS.md). All
 * requests are built before the clock starts. Each thread/client drives
 * its own log, so no request ever conflicts; every answer must be 200 or
 * the program fails. The store lives under --dir (default ".": the disk
 * under test, not a tmpfs), removed afterwards.
 *
 * --smoke shrinks the counts so the suite can run it end to end; it never
 * judges a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "witness/server.h"
#include "bench/bench_util.h"
#include "common/b64.h"
#include "common/file.h"
#include "common/lien_limits.h"
#include "crypto/cosig.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"
#include "witness/witness.h"

#define TREE_LOG2 16u
#define TREE_LEAVES (1u << TREE_LOG2)
#define NLOGS 10u	/* in-process: 1 + 4, HTTP: 1 + 4 */
#define THREADS 4u
#define NVERIFY 20000u

static uint8_t *levels[TREE_LOG2 + 1];	/* levels[k][i]: node (k, i) */

static enum lien_status LIEN_MUST_CHECK
tree_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH_LEN])
{
	(void)ctx;
	if (level > TREE_LOG2 || index >= (TREE_LEAVES >> level))
		return LIEN_ERANGE;
	memcpy(out, levels[level] + index * HASH_LEN, HASH_LEN);
	return LIEN_OK;
}

static int
tree_build(void)
{
	for (unsigned k = 0; k <= TREE_LOG2; k++) {
		levels[k] = malloc((size_t)(TREE_LEAVES >> k) * HASH_LEN);
		if (levels[k] == NULL)
			return -1;
	}
	for (uint32_t i = 0; i < TREE_LEAVES; i++) {
		uint8_t e[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16),
			(uint8_t)(i >> 8), (uint8_t)i };

		hash_leaf(e, sizeof e, levels[0] + (size_t)i * HASH_LEN);
	}
	for (unsigned k = 1; k <= TREE_LOG2; k++)
		for (uint32_t i = 0; i < (TREE_LEAVES >> k); i++)
			hash_node(levels[k - 1] + (size_t)(2 * i) * HASH_LEN,
			    levels[k - 1] + (size_t)(2 * i + 1) * HASH_LEN,
			    levels[k] + (size_t)i * HASH_LEN);
	return 0;
}

struct req {
	uint8_t *body;
	size_t len;
};

/* A chain of n requests for origin: sizes 1..n (old 0..n-1). */
static struct req *
chain_build(struct note_signer *log, size_t n)
{
	struct merkle_source src = { tree_node, NULL };
	struct req *rs = calloc(n, sizeof *rs);
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN], root[HASH_LEN];
	const struct note_verifier *v = note_signer_verifier(log);

	if (rs == NULL || n >= TREE_LEAVES)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char body[512], *note = NULL;
		size_t blen, nlen, np = 0, o;
		uint64_t m = i, sz = i + 1;
		uint8_t *b;

		if (merkle_prove_consistency(&src, m, sz, proof, &np) != LIEN_OK ||
		    merkle_root(&src, sz, root) != LIEN_OK ||
		    checkpoint_format(v->name, v->name_len, sz, root, body,
		    sizeof body, &blen) != LIEN_OK ||
		    note_sign(log, (const uint8_t *)body, blen, &note, &nlen) !=
		    LIEN_OK)
			return NULL;
		b = malloc(32 + np * 45 + 1 + nlen);
		if (b == NULL)
			return NULL;
		o = (size_t)snprintf((char *)b, 32, "old %llu\n",
		    (unsigned long long)m);
		for (size_t k = 0; k < np; k++) {
			if (b64_encode(proof[k], HASH_LEN, (char *)b + o, 45) !=
			    LIEN_OK)
				return NULL;
			o += 44;
			b[o++] = '\n';
		}
		b[o++] = '\n';
		memcpy(b + o, note, nlen);
		rs[i].body = b;
		rs[i].len = o + nlen;
		free(note);
	}
	return rs;
}

/* ---- in-process ----------------------------------------------------------- */

struct worker {
	struct witness *w;
	struct req *rs;
	size_t n;
	unsigned port;		/* HTTP workers */
	int failed;
};

static void *
run_inproc(void *arg)
{
	struct worker *k = arg;
	struct witness_result *res = malloc(sizeof *res);

	if (res == NULL) {
		k->failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < k->n; i++) {
		if (witness_add_checkpoint(k->w, k->rs[i].body, k->rs[i].len,
		    1700000000u + i, res) != LIEN_OK) {
			k->failed = 1;
			break;
		}
	}
	free(res);
	return NULL;
}

/* ---- HTTP client (keep-alive, one connection per worker) ------------------ */

/* Read one response; 0 if it is a 200 with a body. buf is the
 * connection's read buffer (responses are small: one line). */
static int
read_response(int fd, char *buf, size_t cap, size_t *have)
{
	for (;;) {
		char *end = NULL;
		size_t hlen, clen = 0;
		const char *cl;

		buf[*have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL) {
			hlen = (size_t)(end - buf) + 4;
			cl = strstr(buf, "Content-Length: ");
			if (cl == NULL || cl > end)
				return -1;
			clen = (size_t)strtoul(cl + 16, NULL, 10);
			if (*have >= hlen + clen) {
				int ok = strncmp(buf, "HTTP/1.1 200 ", 13) == 0 &&
				    clen > 0;

				memmove(buf, buf + hlen + clen,
				    *have - hlen - clen);
				*have -= hlen + clen;
				return ok ? 0 : -1;
			}
		}
		if (*have + 1 >= cap)
			return -1;
		{
			ssize_t n = read(fd, buf + *have, cap - 1 - *have);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			*have += (size_t)n;
		}
	}
}

static void *
run_http(void *arg)
{
	struct worker *k = arg;
	struct sockaddr_in sa;
	char hdr[128], buf[8192];
	size_t have = 0;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		k->failed = 1;
		return NULL;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)k->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		k->failed = 1;
		close(fd);
		return NULL;
	}
	for (size_t i = 0; i < k->n; i++) {
		int n = snprintf(hdr, sizeof hdr, "POST /add-checkpoint HTTP/1.1"
		    "\r\nHost: bench\r\nContent-Length: %zu\r\n\r\n",
		    k->rs[i].len);

		if (n < 0 || (size_t)n >= sizeof hdr ||
		    file_write_all(fd, hdr, (size_t)n) != LIEN_OK ||
		    file_write_all(fd, k->rs[i].body, k->rs[i].len) != LIEN_OK ||
		    read_response(fd, buf, sizeof buf, &have) != 0) {
			k->failed = 1;
			break;
		}
	}
	close(fd);
	return NULL;
}

/* Run nw workers (fn) at once; requests per second over all of them, or
 * a negative value if any failed. */
static double
run_workers(void *(*fn)(void *), struct worker *ws, size_t nw)
{
	pthread_t th[THREADS];
	uint64_t t0, t1;
	size_t total = 0;
	int failed = 0;

	t0 = bench_now_ns();
	for (size_t i = 0; i < nw; i++)
		if (pthread_create(&th[i], NULL, fn, &ws[i]) != 0)
			return -1.0;
	for (size_t i = 0; i < nw; i++) {
		(void)pthread_join(th[i], NULL);
		failed |= ws[i].failed;
		total += ws[i].n;
	}
	t1 = bench_now_ns();
	if (failed)
		return -1.0;
	return (double)total / bench_seconds(t1 - t0);
}

static double
ed25519_rate(size_t n)
{
	uint8_t seed[ED25519_SEED_LEN], pk[ED25519_PK_LEN], sig[ED25519_SIG_LEN];
	uint8_t *sk = secret_alloc(ED25519_SK_LEN);
	static const char msg[] =
	    "lienlog.demo/log\n12345\nqJxWhmjuvS8AqjRNs+wwYH0CWsaeD6kMHOiJ0mIpvN4=\n";
	uint64_t t0;
	size_t ok = 0;

	if (sk == NULL)
		return -1.0;
	memset(seed, 3, sizeof seed);
	if (ed25519_from_seed(seed, pk, sk) != LIEN_OK)
		return -1.0;
	ed25519_sign(sig, msg, sizeof msg - 1, sk);
	secret_free(sk);
	t0 = bench_now_ns();
	for (size_t i = 0; i < n; i++)
		ok += ed25519_verify(sig, msg, sizeof msg - 1, pk) == LIEN_OK;
	if (ok != n)
		return -1.0;
	return (double)n / bench_seconds(bench_now_ns() - t0);
}

static int
usage(void)
{
	fputs("usage: bench_witness [--smoke] [--dir DIR] [--requests N]\n"
	    "  --dir DIR       scratch directory on the disk to measure "
	    "(default .)\n"
	    "  --requests N    requests per figure (default 8000)\n", stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	const char *dir = ".";
	size_t nreq = 8000, nver = NVERIFY;
	struct note_signer *logs[NLOGS];
	struct note_verifier *vs = NULL;
	struct cosig_signer *wkey = NULL;
	struct witness *w = NULL;
	struct witness_server *srv = NULL;
	struct req *chains[NLOGS];
	struct worker ws[THREADS];
	char scratch[BENCH_PATH_MAX], *cfg = NULL;
	size_t nvs = 0, o = 0, per;
	double r;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			nreq = 40;
			nver = 200;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
			nreq = (size_t)strtoul(argv[++i], NULL, 10);
			if (nreq < THREADS || nreq >= TREE_LEAVES)
				return usage();
		} else {
			return usage();
		}
	}
	per = nreq / THREADS;
	memset(chains, 0, sizeof chains);
	memset(logs, 0, sizeof logs);
	if (lcrypto_init() != LIEN_OK)
		return 1;
	r = ed25519_rate(nver);
	if (r < 0)
		return 1;
	bench_figure("ed25519_verify_per_s", r, "verify/s");

	fprintf(stderr, "building a 2^%u-leaf tree and %zu requests...\n",
	    TREE_LOG2, nreq * 2 + per * 2 * THREADS);
	if (tree_build() != 0)
		return 1;
	cfg = malloc(NLOGS * 512);
	if (cfg == NULL)
		return 1;
	for (unsigned i = 0; i < NLOGS; i++) {
		char name[64], *skey = NULL, *vkey = NULL;
		int n = snprintf(name, sizeof name, "bench.lienlog.invalid/log%u",
		    i);

		if (note_key_generate(name, (size_t)n, &skey, &vkey) != LIEN_OK ||
		    note_signer_parse(skey, strlen(skey), &logs[i]) != LIEN_OK)
			return 1;
		o += (size_t)snprintf(cfg + o, 512, "log %s\n", vkey);
		secret_free(skey);
		free(vkey);
		/* log 0: in-process single; 1..4: in-process threads;
		 * 5: HTTP single; 6..9: HTTP clients. */
		chains[i] = chain_build(logs[i], i == 0 || i == 5 ? nreq : per);
		if (chains[i] == NULL)
			return 1;
	}
	if (witness_logs_parse((uint8_t *)cfg, o, &vs, &nvs, NULL) != LIEN_OK)
		return 1;
	{
		char *skey = NULL, *vkey = NULL;

		if (cosig_key_generate("bench.lienlog.invalid/witness", 29, &skey,
		    &vkey) != LIEN_OK ||
		    cosig_signer_parse(skey, strlen(skey), &wkey) != LIEN_OK)
			return 1;
		secret_free(skey);
		free(vkey);
	}
	if (bench_path(scratch, sizeof scratch, dir, "bench-witness-XXXXXX") !=
	    0 || mkdtemp(scratch) == NULL) {
		fprintf(stderr, "bench_witness: cannot create a scratch dir in "
		    "%s\n", dir);
		return 1;
	}
	fprintf(stderr, "store: %s\n", scratch);
	if (witness_open(scratch, 0, wkey, vs, nvs, &w) != LIEN_OK)
		goto out;

	/* In-process, one thread. */
	memset(ws, 0, sizeof ws);
	ws[0].w = w;
	ws[0].rs = chains[0];
	ws[0].n = nreq;
	r = run_workers(run_inproc, ws, 1);
	if (r < 0)
		goto out;
	bench_figure("witness_add_checkpoint_per_s", r, "req/s");
	/* In-process, four threads on four logs. */
	memset(ws, 0, sizeof ws);
	for (unsigned t = 0; t < THREADS; t++) {
		ws[t].w = w;
		ws[t].rs = chains[1 + t];
		ws[t].n = per;
	}
	r = run_workers(run_inproc, ws, THREADS);
	if (r < 0)
		goto out;
	bench_figure("witness_add_checkpoint_threads4_per_s", r, "req/s");

	/* Over HTTP, keep-alive. */
	{
		struct witness_server_config sc;
		unsigned port = 0;

		memset(&sc, 0, sizeof sc);
		sc.listen = "127.0.0.1:0";	/* the kernel picks */
		sc.threads = 8;
		if (witness_server_start(&sc, w, &srv) != LIEN_OK)
			srv = NULL;
		else
			port = witness_server_port(srv);
		if (srv == NULL)
			goto out;
		memset(ws, 0, sizeof ws);
		ws[0].rs = chains[5];
		ws[0].n = nreq;
		ws[0].port = port;
		r = run_workers(run_http, ws, 1);
		if (r < 0)
			goto out;
		bench_figure("witness_add_checkpoint_http_per_s", r, "req/s");
		memset(ws, 0, sizeof ws);
		for (unsigned t = 0; t < THREADS; t++) {
			ws[t].rs = chains[6 + t];
			ws[t].n = per;
			ws[t].port = port;
		}
		r = run_workers(run_http, ws, THREADS);
		if (r < 0)
			goto out;
		bench_figure("witness_add_checkpoint_http_clients4_per_s", r,
		    "req/s");
	}
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_witness: a request failed\n");
	witness_server_stop(srv);
	witness_close(w);
	(void)bench_rm_tree(scratch);
	cosig_signer_free(wkey);
	free(vs);
	free(cfg);
	for (unsigned i = 0; i < NLOGS; i++) {
		size_t n = i == 0 || i == 5 ? nreq : per;

		if (chains[i] != NULL)
			for (size_t k = 0; k < n; k++)
				free(chains[i][k].body);
		free(chains[i]);
		note_signer_free(logs[i]);
	}
	for (unsigned k = 0; k <= TREE_LOG2; k++)
		free(levels[k]);
	return rc;
}
