/*
 * bench_log: throughput and latency figures for the log core (ledger/).
 *
 * It measures, against the public ledger.h API only, what the issue sets
 * targets for: durable appends/s of 1 KiB entries by batch size and by
 * number of concurrent appenders (group commit), inclusion and consistency
 * proof latency at 10^4, 10^6 and 10^7 entries, audit speed beside the
 * machine's single-core SHA-256 speed, bytes on disk per entry, and the
 * Ed25519 verify rate as the machine's crypto bound. It prints each
 * figure as it is measured, one per line ("name value unit") on stdout;
 * progress and notes go to stderr. It never asserts a target: judging the
 * figures is the reader's job (bench/README.md lists the targets).
 *
 * Design: append runs use a fresh store in a scratch directory next to
 * the cache directory (so the same disk), removed afterwards. The large
 * read-only stores (proof stores, the 1 KiB audit store) are built once
 * and cached under --store-dir with a "<name>.ok" marker written only
 * after a complete build, so an interrupted build is redone rather than
 * trusted. Sample positions come from a fixed-seed PRNG so runs time the
 * same pairs. A few proofs are verified after timing so the timed calls
 * are known to produce real proofs. --smoke shrinks every size (names
 * stay the same) so the suite can check the program end to end in
 * seconds; it does not judge any time.
 */
#include <stdatomic.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.h"
#include "common/lien_limits.h"
#include "common/status.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "tlog/entry.h"
#include "ledger/ledger.h"
#include "tlog/merkle.h"

#define KIB_ENTRY_LEN 1024u				/* whole envelope */
#define KIB_PAYLOAD_LEN (KIB_ENTRY_LEN - ENTRY_HEADER_LEN)	/* 973 */
#define SMALL_PAYLOAD_LEN 32u
#define BUILD_BATCH 1024u
#define BENCH_MAP_SIZE (64ull << 30)	/* sparse; 10^7 small entries fit */
#define BENCH_ORIGIN "bench.lienlog.invalid/log"
#define NPROOF_SIZES 3u
#define NVERIFY 16u		/* proofs checked after timing */
#define THREADS_MAX 16u

static const char *const proof_label[NPROOF_SIZES] = { "1e4", "1e6", "1e7" };
static const unsigned batch_sizes[] = { 1, 64, 1024 };
static const unsigned thread_counts[] = { 1, 2, 4, 8, 16 };

/* Sizes of one run: the full plan, or the tiny --smoke plan. */
struct plan {
	double run_s;			/* per append run, at most */
	uint64_t batch_cap[3];		/* entries per batch run, at most */
	uint64_t threads_cap;		/* entries per threads run, at most */
	uint64_t proof_n[NPROOF_SIZES];
	size_t proof_samples;
	uint64_t audit_n;
	double loop_s;			/* sha256 / ed25519 loops */
};

static const struct plan plan_full = {
	.run_s = 3.0,
	.batch_cap = { 30000, 500000, 1000000 },
	.threads_cap = 300000,
	.proof_n = { 10000, 1000000, 10000000 },
	.proof_samples = 20000,
	.audit_n = 1000000,
	.loop_s = 1.0,
};

static const struct plan plan_smoke = {
	.run_s = 0.2,
	.batch_cap = { 2000, 4096, 8192 },
	.threads_cap = 4000,
	.proof_n = { 1000, 3000, 10000 },
	.proof_samples = 2000,
	.audit_n = 2000,
	.loop_s = 0.2,
};

static struct {
	const struct plan *plan;
	int smoke, quick;
	const char *only;
	char store_dir[BENCH_PATH_MAX];
	char work_dir[BENCH_PATH_MAX];	/* scratch for fresh stores */
	int own_store_dir;		/* smoke temp dir: remove at exit */
	struct note_signer *signer;
	double incl_median_us[NPROOF_SIZES];
	double cons_median_us[NPROOF_SIZES];
	double audit_mb_s, sha_mb_s;
} g;

static int
fail(const char *what, enum lien_status st)
{
	fprintf(stderr, "bench_log: %s: %s (%s)\n", what,
	    lien_status_message(st), lien_status_code(st));
	return -1;
}

static int
fail_errno(const char *what, const char *path)
{
	fprintf(stderr, "bench_log: %s %s: %s\n", what, path, strerror(errno));
	return -1;
}

/* Whether the measurement whose figures start with stem runs under
 * --only: the prefix selects it if either string is a prefix of the
 * other ("append" selects all appends, "append_batch64_1KiB" one run). */
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

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000u,
		.tv_nsec = (long)(ms % 1000u) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* Make entries distinct (an LMDB store could otherwise share nothing,
 * but a future dedup or compression must not flatter the figures). */
static void
stamp(uint8_t *payload, uint64_t counter)
{
	for (unsigned i = 0; i < 8; i++)
		payload[i] = (uint8_t)(counter >> (56 - 8 * i));
}

static enum lien_status LIEN_MUST_CHECK
bench_store_open(const char *dir, int rdonly, struct ledger **out)
{
	struct ledger_config cfg = {
		.dir = dir,
		.map_size = BENCH_MAP_SIZE,
		.signer = rdonly ? NULL : g.signer,
		.batch_max = BUILD_BATCH,
		.flags = rdonly ? LEDGER_RDONLY : 0u,
		.max_readers = 0,
	};

	return ledger_open(&cfg, out);
}

/* Tree size of the latest snapshot of l. */
static enum lien_status LIEN_MUST_CHECK
bench_store_size(struct ledger *l, uint64_t *out)
{
	struct ledger_view *v = NULL;
	enum lien_status st = ledger_view_open(l, &v);

	if (st != LIEN_OK)
		return st;
	*out = ledger_view_size(v);
	ledger_view_close(v);
	return LIEN_OK;
}

/* ---- Appends ----------------------------------------------------------- */

static int
fresh_dir(char *out, size_t cap, const char *name)
{
	if (bench_path(out, cap, g.work_dir, name) != 0) {
		fprintf(stderr, "bench_log: path too long\n");
		return -1;
	}
	if (bench_rm_tree(out) != 0)
		return fail_errno("cannot remove", out);
	return 0;
}

static void
report_commits(const char *what, const struct ledger_stats *a,
    const struct ledger_stats *b)
{
	uint64_t nb = b->batches - a->batches;
	uint64_t ne = b->entries - a->entries;

	if (nb == 0)
		return;
	fprintf(stderr, "  %s: %llu entries in %llu commits, mean batch %.1f,"
	    " mean commit %.3f ms\n", what, (unsigned long long)ne,
	    (unsigned long long)nb, (double)ne / (double)nb,
	    (double)(b->fsync_ns_total - a->fsync_ns_total) / (double)nb / 1e6);
}

/* One thread calling ledger_append_many(batch) until the entry cap or the
 * run time is reached, on a fresh store. */
static int
bench_append_batch(unsigned batch, uint64_t cap)
{
	char name[64], dir[BENCH_PATH_MAX];
	struct ledger *l = NULL;
	struct ledger_item *items = NULL;
	struct ledger_receipt *rc = NULL;
	uint8_t *payloads = NULL;
	struct ledger_stats s0, s1;
	uint64_t done = 0, t0, el, run_ns, base;
	enum lien_status st;
	int ret = -1;

	(void)snprintf(name, sizeof name, "append_batch%u_1KiB", batch);
	if (!want(name))
		return 0;
	fprintf(stderr, "%s: one thread, ledger_append_many(n=%u)\n", name,
	    batch);
	if (fresh_dir(dir, sizeof dir, name) != 0)
		return -1;
	items = calloc(batch, sizeof *items);
	rc = calloc(batch, sizeof *rc);
	payloads = malloc((size_t)batch * KIB_PAYLOAD_LEN);
	if (items == NULL || rc == NULL || payloads == NULL) {
		fail("allocation", LIEN_ENOMEM);
		goto out;
	}
	lcrypto_random(payloads, (size_t)batch * KIB_PAYLOAD_LEN);
	for (unsigned i = 0; i < batch; i++) {
		items[i].type = ENTRY_TYPE_OPAQUE;
		items[i].payload = payloads + (size_t)i * KIB_PAYLOAD_LEN;
		items[i].len = KIB_PAYLOAD_LEN;
	}
	if ((st = bench_store_open(dir, 0, &l)) != LIEN_OK) {
		fail("ledger_open", st);
		goto out;
	}
	ledger_stats_get(l, &s0);
	run_ns = (uint64_t)(g.plan->run_s * 1e9);
	t0 = bench_now_ns();
	do {
		for (unsigned i = 0; i < batch; i++)
			stamp(payloads + (size_t)i * KIB_PAYLOAD_LEN, done + i);
		base = ledger_size(l);
		st = ledger_append_many(l, items, batch, rc);
		if (st != LIEN_OK) {
			fail("ledger_append_many", st);
			goto out;
		}
		/* The batch's entries, then its state root. */
		if (rc[batch - 1].index != base + batch - 1) {
			fprintf(stderr, "bench_log: receipt index %llu, want"
			    " %llu\n", (unsigned long long)rc[batch - 1].index,
			    (unsigned long long)(base + batch - 1));
			goto out;
		}
		done += batch;
		el = bench_now_ns() - t0;
	} while (done < cap && el < run_ns);
	ledger_stats_get(l, &s1);
	report_commits(name, &s0, &s1);
	bench_figure(name, (double)done / bench_seconds(el), "entries/s");
	ret = 0;
out:
	ledger_close(l);
	free(items);
	free(rc);
	free(payloads);
	if (bench_rm_tree(dir) != 0)
		ret = fail_errno("cannot remove", dir);
	return ret;
}

struct appender {
	pthread_t tid;
	struct ledger *l;
	atomic_int *stop;
	atomic_uint_fast64_t *reserved;
	uint64_t cap;
	uint64_t done;
	unsigned id;
	enum lien_status st;
};

static void *
appender_run(void *arg)
{
	struct appender *a = arg;
	uint8_t payload[KIB_PAYLOAD_LEN];
	struct ledger_receipt rc;

	lcrypto_random(payload, sizeof payload);
	while (!atomic_load(a->stop)) {
		/* Reserve before appending so the total never exceeds cap. */
		if (atomic_fetch_add(a->reserved, 1) >= a->cap)
			break;
		stamp(payload, ((uint64_t)a->id << 48) | a->done);
		a->st = ledger_append(a->l, ENTRY_TYPE_OPAQUE, payload,
		    sizeof payload, &rc);
		if (a->st != LIEN_OK) {
			atomic_store(a->stop, 1);
			break;
		}
		a->done++;
	}
	return NULL;
}

/* T threads each calling ledger_append (one entry per call): the batch
 * sizes come from the sequencer's group commit alone. */
static int
bench_append_threads(unsigned nthreads, uint64_t cap)
{
	char name[64], fig[96], dir[BENCH_PATH_MAX];
	struct appender a[THREADS_MAX];
	struct ledger *l = NULL;
	struct ledger_stats s0, s1;
	atomic_int stop;
	atomic_uint_fast64_t reserved;
	uint64_t t0, el, done = 0, run_ns;
	unsigned started = 0;
	enum lien_status st;
	int ret = -1;

	(void)snprintf(name, sizeof name, "append_threads%u", nthreads);
	if (!want(name))
		return 0;
	fprintf(stderr, "%s: %u threads, ledger_append each\n", name, nthreads);
	if (fresh_dir(dir, sizeof dir, name) != 0)
		return -1;
	if ((st = bench_store_open(dir, 0, &l)) != LIEN_OK) {
		fail("ledger_open", st);
		goto out;
	}
	atomic_init(&stop, 0);
	atomic_init(&reserved, 0);
	ledger_stats_get(l, &s0);
	run_ns = (uint64_t)(g.plan->run_s * 1e9);
	t0 = bench_now_ns();
	for (; started < nthreads; started++) {
		a[started] = (struct appender){ .l = l, .stop = &stop,
			.reserved = &reserved, .cap = cap, .id = started,
			.st = LIEN_OK };
		if (pthread_create(&a[started].tid, NULL, appender_run,
		    &a[started]) != 0) {
			fprintf(stderr, "bench_log: pthread_create failed\n");
			atomic_store(&stop, 1);
			break;
		}
	}
	while (!atomic_load(&stop) && bench_now_ns() - t0 < run_ns &&
	    atomic_load(&reserved) < cap)
		sleep_ms(10);
	atomic_store(&stop, 1);
	ret = started == nthreads ? 0 : -1;
	for (unsigned i = 0; i < started; i++) {
		(void)pthread_join(a[i].tid, NULL);
		done += a[i].done;
		if (a[i].st != LIEN_OK)
			ret = fail("ledger_append", a[i].st);
	}
	el = bench_now_ns() - t0;
	if (ret != 0)
		goto out;
	ledger_stats_get(l, &s1);
	report_commits(name, &s0, &s1);
	(void)snprintf(fig, sizeof fig, "%s_1KiB", name);
	bench_figure(fig, (double)done / bench_seconds(el), "entries/s");
	(void)snprintf(fig, sizeof fig, "%s_mean_batch", name);
	bench_figure(fig, s1.batches > s0.batches ?
	    (double)(s1.entries - s0.entries) /
	    (double)(s1.batches - s0.batches) : 0.0, "entries");
out:
	ledger_close(l);
	if (bench_rm_tree(dir) != 0)
		ret = fail_errno("cannot remove", dir);
	return ret;
}

/* ---- Cached read-only stores ------------------------------------------- */

static int
write_marker(const char *path, uint64_t n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return fail_errno("cannot create", path);
	fprintf(f, "%llu\n", (unsigned long long)n);
	if (fclose(f) != 0)
		return fail_errno("cannot write", path);
	return 0;
}

/* Append n entries of payload_len bytes in batches of BUILD_BATCH. */
static int
build_store(const char *dir, uint64_t n, size_t payload_len)
{
	struct ledger *l = NULL;
	struct ledger_item *items;
	struct ledger_receipt *rc;
	uint8_t *payloads;
	uint64_t done = 0, t0, next_note, el;
	enum lien_status st;
	int ret = -1;

	items = calloc(BUILD_BATCH, sizeof *items);
	rc = calloc(BUILD_BATCH, sizeof *rc);
	payloads = malloc(BUILD_BATCH * payload_len);
	if (items == NULL || rc == NULL || payloads == NULL) {
		fail("allocation", LIEN_ENOMEM);
		goto out;
	}
	lcrypto_random(payloads, BUILD_BATCH * payload_len);
	for (unsigned i = 0; i < BUILD_BATCH; i++) {
		items[i].type = ENTRY_TYPE_OPAQUE;
		items[i].payload = payloads + (size_t)i * payload_len;
		items[i].len = payload_len;
	}
	if ((st = bench_store_open(dir, 0, &l)) != LIEN_OK) {
		fail("ledger_open", st);
		goto out;
	}
	fprintf(stderr, "  building %s: %llu entries of %zu bytes\n", dir,
	    (unsigned long long)n, ENTRY_HEADER_LEN + payload_len);
	t0 = bench_now_ns();
	next_note = t0 + 10000000000u;
	while (done < n) {
		size_t k = n - done < BUILD_BATCH ? (size_t)(n - done) :
		    BUILD_BATCH;

		for (size_t i = 0; i < k; i++)
			stamp(payloads + i * payload_len, done + i);
		if ((st = ledger_append_many(l, items, k, rc)) != LIEN_OK) {
			fail("ledger_append_many", st);
			goto out;
		}
		done += k;
		if (bench_now_ns() >= next_note) {
			fprintf(stderr, "  ... %llu / %llu\n",
			    (unsigned long long)done, (unsigned long long)n);
			next_note += 10000000000u;
		}
	}
	el = bench_now_ns() - t0;
	fprintf(stderr, "  built %llu entries in %.1f s (%.0f entries/s)\n",
	    (unsigned long long)n, bench_seconds(el),
	    (double)n / bench_seconds(el));
	ret = 0;
out:
	ledger_close(l);
	free(items);
	free(rc);
	free(payloads);
	return ret;
}

/* Open the cached store name (n entries of payload_len), building it
 * first if it is missing, incomplete or unreadable. *out is RDONLY. */
/* Read the store's data file once so the timed runs measure the code with
 * the store in the page cache, not the disk: a cached store may have been
 * evicted since it was built. The time taken goes to stderr. */
static void
warm_store(const char *dir)
{
	char path[BENCH_PATH_MAX];
	static char buf[1 << 20];
	uint64_t t0 = bench_now_ns(), total = 0;
	ssize_t r;
	int fd;

	if (bench_path(path, sizeof path, dir, "data.mdb") != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		total += (uint64_t)r;
	(void)close(fd);
	fprintf(stderr, "  warmed page cache: %.0f MB in %.2f s\n",
	    (double)total / 1e6, bench_seconds(bench_now_ns() - t0));
}

static int
cached_store(const char *name, uint64_t n, size_t payload_len, char *dir,
    size_t cap, struct ledger **out)
{
	char marker[BENCH_PATH_MAX], mname[128];
	struct stat sb;
	uint64_t size = 0;
	enum lien_status st;

	*out = NULL;
	(void)snprintf(mname, sizeof mname, "%s.ok", name);
	if (bench_path(dir, cap, g.store_dir, name) != 0 ||
	    bench_path(marker, sizeof marker, g.store_dir, mname) != 0) {
		fprintf(stderr, "bench_log: path too long\n");
		return -1;
	}
	if (stat(marker, &sb) == 0) {
		st = bench_store_open(dir, 1, out);
		/* n entries in batches, each batch ending with its state
		 * root (docs/lien-status.md) */
		if (st == LIEN_OK && (st = bench_store_size(*out, &size)) == LIEN_OK &&
		    size == n + (n + BUILD_BATCH - 1) / BUILD_BATCH) {
			fprintf(stderr, "  using cached %s (%llu entries)\n", dir,
			    (unsigned long long)n);
			warm_store(dir);
			return 0;
		}
		fprintf(stderr, "  cached %s unusable (%s, size %llu):"
		    " rebuilding\n", dir, lien_status_code(st),
		    (unsigned long long)size);
		ledger_close(*out);
		*out = NULL;
	}
	if (unlink(marker) != 0 && errno != ENOENT)
		return fail_errno("cannot remove", marker);
	if (bench_rm_tree(dir) != 0)
		return fail_errno("cannot remove", dir);
	if (build_store(dir, n, payload_len) != 0 ||
	    write_marker(marker, n) != 0)
		return -1;
	if ((st = bench_store_open(dir, 1, out)) != LIEN_OK)
		return fail("ledger_open (read-only)", st);
	warm_store(dir);
	return 0;
}

/* ---- Proofs ------------------------------------------------------------ */

enum proof_kind { PROOF_INCLUSION, PROOF_CONSISTENCY };

/* One timed sample: view open + proof + view close. For inclusion, a is
 * the leaf index; for consistency, the old size. */
static enum lien_status LIEN_MUST_CHECK
proof_once(struct ledger *l, enum proof_kind kind, uint64_t a, uint64_t n,
    uint64_t *out_ns)
{
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	struct ledger_view *v = NULL;
	size_t np = 0;
	uint64_t t0 = bench_now_ns();
	enum lien_status st = ledger_view_open(l, &v);

	if (st == LIEN_OK) {
		st = kind == PROOF_INCLUSION ?
		    ledger_view_prove_inclusion(v, a, n, proof, &np) :
		    ledger_view_prove_consistency(v, a, n, proof, &np);
		ledger_view_close(v);
	}
	*out_ns = bench_now_ns() - t0;
	return st;
}

/* Check NVERIFY proofs from the same generator (untimed), so the timing
 * is known to be of correct proofs. */
static int
proof_verify_some(struct ledger *l, enum proof_kind kind, uint64_t n,
    uint64_t seed)
{
	uint8_t proof[MERKLE_PROOF_MAX][HASH_LEN];
	uint8_t root[HASH_LEN], other[HASH_LEN];
	struct ledger_view *v = NULL;
	enum lien_status st;
	size_t np = 0;

	if ((st = ledger_view_open(l, &v)) != LIEN_OK)
		return fail("ledger_view_open", st);
	if ((st = ledger_view_root(v, n, root)) != LIEN_OK)
		goto out;
	for (unsigned i = 0; i < NVERIFY && st == LIEN_OK; i++) {
		if (kind == PROOF_INCLUSION) {
			uint64_t idx = bench_rand_below(&seed, n);

			st = ledger_view_prove_inclusion(v, idx, n, proof, &np);
			if (st == LIEN_OK)
				st = ledger_view_leaf_hash(v, idx, other);
			if (st == LIEN_OK)
				st = merkle_verify_inclusion(other, idx, n,
				    (const uint8_t (*)[HASH_LEN])proof, np,
				    root);
		} else {
			uint64_t m = 1 + bench_rand_below(&seed, n - 1);

			st = ledger_view_prove_consistency(v, m, n, proof, &np);
			if (st == LIEN_OK)
				st = ledger_view_root(v, m, other);
			if (st == LIEN_OK)
				st = merkle_verify_consistency(m, n, other, root,
				    (const uint8_t (*)[HASH_LEN])proof, np);
		}
	}
out:
	ledger_view_close(v);
	return st == LIEN_OK ? 0 : fail("proof check", st);
}

#define TILE_WIDTH_BENCH 256u	/* C2SP tile width: entries per tile record */

static int
proof_series(struct ledger *l, enum proof_kind kind, uint64_t n,
    const char *label, double *out_median_us)
{
	const char *what = kind == PROOF_INCLUSION ? "inclusion" :
	    "consistency";
	size_t ns = g.plan->proof_samples, warm = ns / 10;
	uint64_t *t = malloc(ns * sizeof *t);
	uint64_t seed = 0x6c69656e6c6f6721u ^ n, dummy, a;
	char fig[96];
	enum lien_status st;
	double med, p99;

	if (t == NULL)
		return fail("allocation", LIEN_ENOMEM);
	if (n < 2) {
		free(t);
		fprintf(stderr, "bench_log: tree too small\n");
		return -1;
	}
	/* Steady state, untimed: a long-running server has every tile
	 * record mapped, while a fresh process takes a minor page fault on
	 * the first touch of each mmap'd page (~1 us each, which would
	 * dominate a 10^7 figure). Touch every level-0 tile record's pages
	 * once with a proof at each edge of the tile. */
	for (uint64_t k = 0; k < n; k += TILE_WIDTH_BENCH) {
		uint64_t hi = k + TILE_WIDTH_BENCH - 1 < n ?
		    k + TILE_WIDTH_BENCH - 1 : n - 1;

		if ((st = proof_once(l, PROOF_INCLUSION, k, n, &dummy)) !=
		    LIEN_OK ||
		    (st = proof_once(l, PROOF_INCLUSION, hi, n, &dummy)) !=
		    LIEN_OK) {
			free(t);
			return fail(what, st);
		}
	}
	/* Warm-up (untimed): reader slots, hash contexts. */
	for (size_t i = 0; i < warm + ns; i++) {
		a = kind == PROOF_INCLUSION ? bench_rand_below(&seed, n) :
		    1 + bench_rand_below(&seed, n - 1);
		st = proof_once(l, kind, a, n, i < warm ? &dummy : &t[i - warm]);
		if (st != LIEN_OK) {
			free(t);
			return fail(what, st);
		}
	}
	med = (double)bench_percentile(t, ns, 50) / 1e3;
	p99 = (double)bench_percentile(t, ns, 99) / 1e3;
	free(t);
	(void)snprintf(fig, sizeof fig, "%s_proof_%s_median", what, label);
	bench_figure(fig, med, "us");
	(void)snprintf(fig, sizeof fig, "%s_proof_%s_p99", what, label);
	bench_figure(fig, p99, "us");
	*out_median_us = med;
	return proof_verify_some(l, kind, n, seed);
}

static int
bench_proofs(unsigned which)
{
	const char *label = proof_label[which];
	char incl[64], cons[64], name[64], dir[BENCH_PATH_MAX];
	struct ledger *l = NULL;
	uint64_t n = g.plan->proof_n[which];
	int wi, wc, ret = -1;

	(void)snprintf(incl, sizeof incl, "inclusion_proof_%s", label);
	(void)snprintf(cons, sizeof cons, "consistency_proof_%s", label);
	wi = want(incl);
	wc = want(cons);
	if (!wi && !wc)
		return 0;
	fprintf(stderr, "%s: proofs at %llu entries, %zu samples each\n",
	    label, (unsigned long long)n, g.plan->proof_samples);
	(void)snprintf(name, sizeof name, "proof-%uB-%llu", SMALL_PAYLOAD_LEN,
	    (unsigned long long)n);
	if (cached_store(name, n, SMALL_PAYLOAD_LEN, dir, sizeof dir, &l) != 0)
		goto out;
	if (wi && proof_series(l, PROOF_INCLUSION, n, label,
	    &g.incl_median_us[which]) != 0)
		goto out;
	if (wc && proof_series(l, PROOF_CONSISTENCY, n, label,
	    &g.cons_median_us[which]) != 0)
		goto out;
	ret = 0;
out:
	ledger_close(l);
	return ret;
}

static void
proof_ratios(void)
{
	const unsigned lo = 0, hi = NPROOF_SIZES - 1;

	if (g.incl_median_us[lo] > 0 && g.incl_median_us[hi] > 0)
		bench_figure("inclusion_proof_1e7_vs_1e4_median_ratio",
		    g.incl_median_us[hi] / g.incl_median_us[lo], "x");
	if (g.cons_median_us[lo] > 0 && g.cons_median_us[hi] > 0)
		bench_figure("consistency_proof_1e7_vs_1e4_median_ratio",
		    g.cons_median_us[hi] / g.cons_median_us[lo], "x");
}

/* ---- Audit, SHA-256, storage ------------------------------------------ */

static void
audit_progress(void *ctx, const struct ledger_audit_progress *p)
{
	uint64_t *next = ctx;
	uint64_t now = bench_now_ns();

	if (now < *next)
		return;
	*next = now + 5000000000u;
	fprintf(stderr, "  audit %llu / %llu entries\n",
	    (unsigned long long)p->done, (unsigned long long)p->total);
}

static int
bench_sha256(void)
{
	uint8_t buf[KIB_ENTRY_LEN], out[HASH_LEN];
	uint64_t t0 = bench_now_ns(), el, n = 0;
	uint64_t run_ns = (uint64_t)(g.plan->loop_s * 1e9);

	memset(buf, 0xa5, sizeof buf);
	do {
		for (unsigned i = 0; i < 256; i++, n++) {
			hash_sha256(buf, sizeof buf, out);
			buf[0] = out[0];	/* chain: no hoisting */
		}
		el = bench_now_ns() - t0;
	} while (el < run_ns);
	g.sha_mb_s = (double)(n * sizeof buf) / 1e6 / bench_seconds(el);
	bench_figure("sha256_single_core_MB_per_s", g.sha_mb_s, "MB/s");
	return 0;
}

/* mdb_stat (lmdb-utils) reports the pages the store really uses: the
 * file keeps freed pages for reuse, so file size overstates the live
 * data. Run it as a child (only ledger/store.c may include lmdb.h) and
 * read "Page size", "Number of pages used" and "Free pages". 0 or -1. */
static int
lmdb_live_bytes(const char *dir, uint64_t *out)
{
	int fds[2];
	pid_t pid;
	FILE *f;
	char line[256];
	unsigned long long psize = 0, used = 0, freep = 0, v;
	int status = 0, have = 0;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		(void)dup2(fds[1], 1);
		(void)close(fds[0]);
		(void)close(fds[1]);
		execlp("mdb_stat", "mdb_stat", "-ef", dir, (char *)NULL);
		_exit(127);
	}
	(void)close(fds[1]);
	if ((f = fdopen(fds[0], "r")) == NULL) {
		(void)close(fds[0]);
		(void)waitpid(pid, &status, 0);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, " Page size: %llu", &v) == 1) {
			psize = v;
			have |= 1;
		} else if (sscanf(line, " Number of pages used: %llu",
		    &v) == 1) {
			used = v;
			have |= 2;
		} else if (sscanf(line, " Free pages: %llu", &v) == 1) {
			freep = v;
			have |= 4;
		}
	}
	(void)fclose(f);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || have != 7 || freep > used)
		return -1;
	fprintf(stderr, "  mdb_stat: page size %llu, pages used %llu, free"
	    " %llu\n", psize, used, freep);
	*out = (used - freep) * psize;
	return 0;
}

static int
bench_audit_storage(void)
{
	char dir[BENCH_PATH_MAX], name[64], why[256];
	struct ledger *l = NULL;
	uint64_t n = g.plan->audit_n, t0, el, next = 0, fsize, falloc, live;
	int wa = want("audit") || want("sha256"), ws = want("storage");
	enum lien_status st;
	double entry_bytes = (double)n * KIB_ENTRY_LEN;
	int ret = -1;

	if (wa && bench_sha256() != 0)
		return -1;
	wa = wa && want("audit");
	if (!wa && !ws)
		return 0;
	(void)snprintf(name, sizeof name, "audit-1KiB-%llu",
	    (unsigned long long)n);
	fprintf(stderr, "audit/storage: %llu entries of %u bytes\n",
	    (unsigned long long)n, KIB_ENTRY_LEN);
	if (cached_store(name, n, KIB_PAYLOAD_LEN, dir, sizeof dir, &l) != 0)
		goto out;
	if (wa) {
		/* Run 0 warms the page cache (a store read cold from disk
		 * measures the disk, not the audit); then the best of three
		 * warm runs, each printed to stderr. */
		el = UINT64_MAX;
		for (int run = 0; run < 4; run++) {
			uint64_t one;

			why[0] = '\0';
			t0 = bench_now_ns();
			st = ledger_audit(l, NULL, audit_progress, &next, why,
			    sizeof why);
			one = bench_now_ns() - t0;
			if (st != LIEN_OK) {
				fprintf(stderr, "  audit: %s\n", why);
				fail("ledger_audit", st);
				goto out;
			}
			fprintf(stderr, "  audit run %d%s: %.3f s\n", run,
			    run == 0 ? " (warm-up, not counted)" : "",
			    bench_seconds(one));
			if (run > 0 && one < el)
				el = one;
		}
		g.audit_mb_s = entry_bytes / 1e6 / bench_seconds(el);
		bench_figure("audit_entries_per_s",
		    (double)n / bench_seconds(el), "entries/s");
		bench_figure("audit_MB_per_s", g.audit_mb_s, "MB/s");
		bench_figure("audit_vs_sha256_ratio",
		    g.audit_mb_s / g.sha_mb_s, "x");
	}
	ledger_close(l);
	l = NULL;
	if (ws) {
		if (bench_dir_bytes(dir, "lock.mdb", &fsize, &falloc) != 0) {
			fail_errno("cannot list", dir);
			goto out;
		}
		bench_figure("storage_overhead_bytes_per_entry",
		    ((double)falloc - entry_bytes) / (double)n, "bytes");
		bench_figure("storage_file_overhead_bytes_per_entry",
		    ((double)fsize - entry_bytes) / (double)n, "bytes");
		if (lmdb_live_bytes(dir, &live) != 0) {
			fprintf(stderr, "  note: mdb_stat unavailable or"
			    " failed: live-page figure is nan\n");
			bench_figure("storage_live_pages_overhead_bytes_per_entry",
			    NAN, "bytes");
		} else {
			bench_figure("storage_live_pages_overhead_bytes_per_entry",
			    ((double)live - entry_bytes) / (double)n, "bytes");
		}
	}
	ret = 0;
out:
	ledger_close(l);
	return ret;
}

/* ---- Ed25519 ------------------------------------------------------------ */

static int
bench_ed25519(void)
{
	uint8_t pk[ED25519_PK_LEN], sig[ED25519_SIG_LEN], msg[128];
	uint8_t *sk;
	uint64_t t0, el, n = 0, run_ns = (uint64_t)(g.plan->loop_s * 1e9);
	enum lien_status st;

	if (!want("ed25519_verify_per_s"))
		return 0;
	if ((sk = secret_alloc(ED25519_SK_LEN)) == NULL)
		return fail("secret_alloc", LIEN_ENOMEM);
	if ((st = ed25519_keypair(pk, sk)) != LIEN_OK) {
		secret_free(sk);
		return fail("ed25519_keypair", st);
	}
	lcrypto_random(msg, sizeof msg);	/* about a checkpoint's size */
	ed25519_sign(sig, msg, sizeof msg, sk);
	secret_free(sk);
	t0 = bench_now_ns();
	do {
		for (unsigned i = 0; i < 64; i++, n++) {
			if ((st = ed25519_verify(sig, msg, sizeof msg, pk)) !=
			    LIEN_OK)
				return fail("ed25519_verify", st);
		}
		el = bench_now_ns() - t0;
	} while (el < run_ns);
	bench_figure("ed25519_verify_per_s", (double)n / bench_seconds(el),
	    "verifies/s");
	return 0;
}

/* ---- Set-up ------------------------------------------------------------ */

/* Print where the stores live: the mount holding dir (longest matching
 * mount point in /proc/mounts, Linux) and its free space. */
static void
describe_fs(const char *dir)
{
	char real[BENCH_PATH_MAX], cwd[BENCH_PATH_MAX], line[1024];
	char dev[256], mnt[512], type[64];
	char best[sizeof line] = "?";
	size_t best_len = 0;
	struct statvfs vfs;
	FILE *f;

	/* Absolute path without realpath (XSI, not in our POSIX level). */
	if (dir[0] == '/' || getcwd(cwd, sizeof cwd) == NULL ||
	    bench_path(real, sizeof real, cwd, dir) != 0)
		(void)snprintf(real, sizeof real, "%s", dir);
	if ((f = fopen("/proc/mounts", "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			size_t ml;

			if (sscanf(line, "%255s %511s %63s", dev, mnt,
			    type) != 3)
				continue;
			ml = strlen(mnt);
			if (strncmp(real, mnt, ml) == 0 && ml >= best_len &&
			    (real[ml] == '/' || real[ml] == '\0' ||
			    strcmp(mnt, "/") == 0)) {
				best_len = ml;
				(void)snprintf(best, sizeof best,
				    "%s on %s type %s", dev, mnt, type);
			}
		}
		(void)fclose(f);
	}
	fprintf(stderr, "stores under %s (filesystem: %s", real, best);
	if (statvfs(real, &vfs) == 0)
		fprintf(stderr, ", %.1f GB free", (double)vfs.f_bavail *
		    (double)vfs.f_frsize / 1e9);
	fprintf(stderr, ")\n");
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return fail_errno("cannot create", path);
	return 0;
}

static int
setup_dirs(const char *opt_store_dir)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (opt_store_dir != NULL)
		n = snprintf(g.store_dir, sizeof g.store_dir, "%s",
		    opt_store_dir);
	else if (g.smoke)
		n = snprintf(g.store_dir, sizeof g.store_dir,
		    "%s/lienlog-bench-smoke-XXXXXX", tmp);
	else
		n = snprintf(g.store_dir, sizeof g.store_dir,
		    "%s/lienlog-bench", tmp);
	if (n < 0 || (size_t)n >= sizeof g.store_dir - 64) {
		fprintf(stderr, "bench_log: store dir path too long\n");
		return -1;
	}
	if (opt_store_dir == NULL && g.smoke) {
		/* A private, throw-away cache: smoke always builds. */
		if (mkdtemp(g.store_dir) == NULL)
			return fail_errno("cannot create", g.store_dir);
		g.own_store_dir = 1;
	} else if (make_dir(g.store_dir) != 0) {
		return -1;
	}
	if (bench_path(g.work_dir, sizeof g.work_dir, g.store_dir,
	    "fresh-XXXXXX") != 0 || mkdtemp(g.work_dir) == NULL) {
		g.work_dir[0] = '\0';
		return fail_errno("cannot create", g.store_dir);
	}
	describe_fs(g.work_dir);
	return 0;
}

static void
cleanup_dirs(void)
{
	if (g.work_dir[0] != '\0' && bench_rm_tree(g.work_dir) != 0)
		(void)fail_errno("cannot remove", g.work_dir);
	if (g.own_store_dir && bench_rm_tree(g.store_dir) != 0)
		(void)fail_errno("cannot remove", g.store_dir);
}

static int
make_signer(void)
{
	char *skey = NULL, *vkey = NULL;
	enum lien_status st;

	st = note_key_generate(BENCH_ORIGIN, strlen(BENCH_ORIGIN), &skey,
	    &vkey);
	if (st == LIEN_OK)
		st = note_signer_parse(skey, strlen(skey), &g.signer);
	secret_free(skey);
	free(vkey);
	return st == LIEN_OK ? 0 : fail("log key", st);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench_log [--smoke] [--quick] [--store-dir DIR]"
	    " [--only NAME-PREFIX]\n"
	    "  --smoke      tiny sizes and 0.2 s runs (figure names unchanged)\n"
	    "  --quick      skip the 10^7-entry proof store\n"
	    "  --store-dir  cache of built stores (default"
	    " $TMPDIR/lienlog-bench)\n"
	    "  --only       run only figures starting with NAME-PREFIX\n"
	    "Figures on stdout, one per line: name value unit.\n");
}

static int
run_all(void)
{
	unsigned i;

	if (bench_ed25519() != 0)
		return -1;
	for (i = 0; i < sizeof batch_sizes / sizeof batch_sizes[0]; i++)
		if (bench_append_batch(batch_sizes[i],
		    g.plan->batch_cap[i]) != 0)
			return -1;
	for (i = 0; i < sizeof thread_counts / sizeof thread_counts[0]; i++)
		if (bench_append_threads(thread_counts[i],
		    g.plan->threads_cap) != 0)
			return -1;
	for (i = 0; i < NPROOF_SIZES; i++) {
		if (g.quick && i == NPROOF_SIZES - 1)
			continue;
		if (bench_proofs(i) != 0)
			return -1;
	}
	proof_ratios();
	return bench_audit_storage();
}

int
main(int argc, char **argv)
{
	const char *opt_store_dir = NULL;
	uint64_t t0 = bench_now_ns();
	enum lien_status st;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g.smoke = 1;
		} else if (strcmp(argv[i], "--quick") == 0) {
			g.quick = 1;
		} else if (strcmp(argv[i], "--store-dir") == 0 && i + 1 < argc) {
			opt_store_dir = argv[++i];
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
	if (setup_dirs(opt_store_dir) != 0 || make_signer() != 0)
		goto out;
	if (g.smoke)
		fprintf(stderr, "smoke run: sizes are tiny, figures are not"
		    " meaningful\n");
	if (run_all() != 0)
		goto out;
	rc = 0;
out:
	note_signer_free(g.signer);
	cleanup_dirs();
	fprintf(stderr, "bench_log: %s in %.1f s\n", rc == 0 ? "done" :
	    "FAILED", bench_seconds(bench_now_ns() - t0));
	return rc;
}
