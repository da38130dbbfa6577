/*
 * bench_map: the lien-status map's targets (issue 13, docs/lien-status.md)
 * measured through the public ledger API (ledger/ledger.h, tlog/status.h):
 *
 *   - map maintenance in isolation: batches of 1,024 vehicle updates
 *     (ledger_state_map_set, then ledger_state_map_root, then a durable
 *     LMDB commit) on a scratch store holding a map of N vehicles;
 *   - the status-proof bundle at N vehicles: a real log of N vehicle
 *     entries (one map update each, batches of 1,024, each ending with its
 *     state-root entry as the sequencer writes them), its latest
 *     checkpoint cosigned by three witnesses; the bundle as
 *     ledger_view_status_proof assembles it (the binary form lienlogd
 *     serves with Accept: application/vnd.lienlog.status-proof), by part;
 *   - the bundle at N vehicles exactly (status_bundle_real_*): the map of
 *     the same N vehicles built in memory, real map proofs from it, the
 *     exact inclusion length of a log of N vehicles, a real cosigned
 *     checkpoint; each bundle encoded and verified (bench_bundle_real_map);
 *   - verification: status_proof_verify of those bundles under a policy
 *     of the log key and three witnesses, quorum 3 (what `lienlog verify
 *     status` runs, without process start and file reading), and the
 *     server-side assembly beside it.
 *
 * The machine's single-core SHA-256 rate is printed beside them. Stores of
 * N vehicles are built once and cached under --store-dir with a
 * "<name>.ok" marker written after a complete build. The timed map
 * updates are committed to the cached scratch store (its map grows by a
 * quarter of the updates each run: new vehicles among changed ones).
 *
 * Output contract of bench/bench_util.h: figures on stdout, the rest on
 * stderr; no target is judged here (bench/README.md).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "common/b64.h"
#include "common/status.h"
#include "crypto/cosig.h"
#include "crypto/hash.h"
#include "crypto/note.h"
#include "crypto/sign.h"
#include "demo/demo.h"
#include "ledger/ledger.h"
#include "tlog/checkpoint.h"
#include "tlog/entry.h"
#include "tlog/map.h"
#include "tlog/status.h"
#include "tlog/verifier.h"

/* Names as long as real ones: the demo log's origin style and witness
 * names in the C2SP style (a host, then a path). */
#define BM_ORIGIN "registry.lienlog.cn/vehicle-liens"
#define BM_NWIT 3u
static const char *const wit_names[BM_NWIT] = {
	"witness.lienlog-audit.cn/w1",
	"transparency.example.org/witness-2",
	"armored-witness.example.net/3",
};
#define BM_ENTRY_TYPE 40000u	/* an opaque bench entry: the VIN */
#define BM_BATCH 1024u
#define BM_BUILD_TXN 65536u	/* scratch build: updates per commit */
#define BM_TRACE_EVERY 50u	/* --batches: records/live every so many */
#define BM_COSIG_TIME 1798761600u	/* fixed: the same lines every run */

static struct {
	int smoke;
	const char *only;
	uint64_t vehicles;
	uint64_t log_vehicles;		/* the log for bundles (--log-vehicles) */
	uint64_t batches;		/* map_update rounds (--batches), 0: 5 s */
	double map_proof_med;		/* encoded map proof at vehicles, bytes */
	char store_dir[BENCH_PATH_MAX];
	int own_store_dir;
	struct note_signer *signer;
	struct note_verifier logv;
	struct cosig_signer *wit[BM_NWIT];
	struct note_verifier witv[BM_NWIT];
	double sha_mb_s;
	double node_per_s;		/* map_hash_node, per CPU second */
	double rand_ms;			/* 1,024 random pages + fdatasync */
} g;

static int
fail(const char *what, enum lien_status st)
{
	fprintf(stderr, "bench_map: %s: %s\n", what, lien_status_message(st));
	return -1;
}

static int
want(const char *stem)
{
	return g.only == NULL || strncmp(stem, g.only, strlen(g.only)) == 0;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The whole process's CPU time: with the map's update on two threads
 * (ledger/map_store.c wc_update_2) the thread's own is not all of it. */
static uint64_t
proc_cpu_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
io_write_bytes(void)
{
	return bench_proc_io("write_bytes");
}

/* Bytes this process handed to write(2)/pwrite(2) (proc(5), wchar):
 * LMDB writes each dirty page of a commit once, so this over 4,096 is
 * the pages a commit wrote. */
static uint64_t
io_wchar(void)
{
	return bench_proc_io("wchar");
}

/* Vehicle i's VIN: demo_vin_make from a seed of i (valid check digit). */
static void
vin_of(uint64_t i, char out[18])
{
	uint64_t rng = i * 0x9e3779b97f4a7c15u + 1u;

	demo_vin_make(&rng, out);
}

/* Vehicle i's public status record, as registry/status.c writes them
 * (docs/lien-status.md "Status record"): one lien in force and one
 * released, indexes and times of a log of N vehicles. */
static size_t
record_of(uint64_t i, uint64_t n, char *out, size_t cap)
{
	uint8_t h[HASH_LEN];
	char fuller[2 * HASH_LEN + 1];
	uint64_t t0 = 1767225600000u + i * 37u, ix = 3 * n + i;
	int len;

	hash_sha256(&i, sizeof i, h);
	for (unsigned k = 0; k < HASH_LEN; k++)
		snprintf(fuller + 2 * k, 3, "%02x", h[k]);
	len = snprintf(out, cap, "{\"fuller\":\"%s\",\"liens\":[{\"app\":"
	    "\"A%016" PRIu64 "\",\"rank\":1,\"registered_index\":%" PRIu64
	    ",\"registered_ms\":%" PRIu64 "}],\"recorded_index\":%" PRIu64
	    ",\"recorded_ms\":%" PRIu64 ",\"released\":[{\"app\":\"A%016"
	    PRIu64 "\",\"registered_index\":%" PRIu64 ",\"registered_ms\":%"
	    PRIu64 ",\"released_index\":%" PRIu64 ",\"released_ms\":%" PRIu64
	    "}],\"restrictions\":[]}", fuller, 2 * n + i, ix + 2, t0 + 86400000u,
	    i, t0, n + i, ix, t0 + 3600000u, ix + 1, t0 + 7200000u);
	return len < 0 || (size_t)len >= cap ? 0 : (size_t)len;
}

/* ---- Keys (fixed seeds: a cached store stays bound to the same log) --- */

static int
key_from_label(const char *name, uint8_t type, const char *label,
    struct note_verifier *v, char *skey, size_t cap)
{
	uint8_t seed[ED25519_SEED_LEN], sk[ED25519_SK_LEN], raw[33];
	char b64[64];
	enum lien_status st;

	hash_sha256(label, strlen(label), seed);
	if ((st = note_keypair_from_seed(name, strlen(name), type, seed, v,
	    sk)) != LIEN_OK)
		return fail("key", st);
	raw[0] = type;
	memcpy(raw + 1, seed, 32);
	if (b64_encode(raw, 33, b64, sizeof b64) != LIEN_OK)
		return fail("b64", LIEN_EINVAL);
	snprintf(skey, cap, "PRIVATE+KEY+%s+%08" PRIx32 "+%s", name,
	    v->key_id, b64);
	return 0;
}

static int
vkey_file(const char *name, const struct note_verifier *v, uint8_t type,
    char *path, size_t cap)
{
	uint8_t raw[33];
	char b64[64];
	FILE *f;

	raw[0] = type;
	memcpy(raw + 1, v->pk, 32);
	if (b64_encode(raw, 33, b64, sizeof b64) != LIEN_OK ||
	    bench_path(path, cap, g.store_dir, name) != 0 ||
	    (f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%s+%08" PRIx32 "+%s\n", v->name, v->key_id, b64);
	return fclose(f) == 0 ? 0 : -1;
}

static int
make_keys(void)
{
	char skey[512], label[64];
	enum lien_status st;

	if (key_from_label(BM_ORIGIN, NOTE_KEY_ED25519, "bench_map log",
	    &g.logv, skey, sizeof skey) != 0)
		return -1;
	if ((st = note_signer_parse(skey, strlen(skey), &g.signer)) != LIEN_OK)
		return fail("log key", st);
	for (unsigned k = 0; k < BM_NWIT; k++) {
		snprintf(label, sizeof label, "bench_map witness %u", k);
		if (key_from_label(wit_names[k], NOTE_KEY_COSIG_V1, label,
		    &g.witv[k], skey, sizeof skey) != 0)
			return -1;
		if ((st = cosig_signer_parse(skey, strlen(skey), &g.wit[k])) !=
		    LIEN_OK)
			return fail("witness key", st);
	}
	return 0;
}

/* ---- SHA-256 bound ------------------------------------------------------ */

static void
bench_sha256(void)
{
	uint8_t buf[1024], out[HASH_LEN];
	uint64_t t0, n = 0, dt;
	double secs = g.smoke ? 0.05 : 1.0;

	/* CPU time of this thread, not wall time: on the shared machine the
	 * wall-clock rate says more about the neighbours than about SHA-256
	 * (bench/README.md, bench_auth). */
	memset(buf, 0x5a, sizeof buf);
	t0 = cpu_ns();
	do {
		for (unsigned i = 0; i < 256; i++) {
			buf[0] = (uint8_t)i;
			hash_sha256(buf, sizeof buf, out);
		}
		n += 256;
		dt = cpu_ns() - t0;
	} while (bench_seconds(dt) < secs);
	g.sha_mb_s = (double)n * sizeof buf / bench_seconds(dt) / 1e6;
	bench_figure("sha256_single_core_MB_per_s", g.sha_mb_s, "MB/s");
}

/* The map's own hash: 65 bytes in, what an update does per level. */
static void
bench_node_hash(void)
{
	uint8_t a[HASH_LEN], b[HASH_LEN];
	uint64_t t0, n = 0, dt;
	double secs = g.smoke ? 0.05 : 0.5;

	memset(a, 0x11, sizeof a);
	memset(b, 0x22, sizeof b);
	t0 = cpu_ns();
	do {
		for (unsigned i = 0; i < 256; i++)
			map_hash_node(a, b, a);
		n += 256;
		dt = cpu_ns() - t0;
	} while (bench_seconds(dt) < secs);
	g.node_per_s = (double)n / bench_seconds(dt);
	bench_figure("map_hash_node_per_cpu_s", g.node_per_s, "hashes/s");
}

/* ---- The disk under the store ------------------------------------------- */

/* What a commit's page writes cost on the disk the stores are on: a
 * probe file in the store directory; one page + fdatasync (LMDB syncs
 * twice per commit: data, then meta), 1,024 random distinct pages +
 * fdatasync (a batch whose updates each dirty one page of their own) and
 * 1,024 pages in one sequential write + fdatasync. Medians, wall time. */
static int
bench_disk(void)
{
	char path[BENCH_PATH_MAX];
	size_t file_pages = g.smoke ? 2048 : 65536, reps = g.smoke ? 3 : 9;
	size_t np = 1024;
	uint8_t *buf = malloc(np * 4096);
	uint64_t *pg = calloc(np, sizeof *pg), lat[32], rng = 7, t0;
	int fd = -1, ret = -1;

	if (buf == NULL || pg == NULL ||
	    bench_path(path, sizeof path, g.store_dir, "disk-probe") != 0)
		goto out;
	for (size_t i = 0; i < np * 4096; i += 8) {
		uint64_t x = bench_rand(&rng);

		memcpy(buf + i, &x, 8);
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		goto out;
	for (size_t off = 0; off < file_pages; off += np)
		if (pwrite(fd, buf, np * 4096, (off_t)off * 4096) !=
		    (ssize_t)(np * 4096))
			goto out;
	if (fdatasync(fd) != 0)
		goto out;
	for (size_t r = 0; r < 3 * reps; r++) {
		t0 = bench_now_ns();
		if (pwrite(fd, buf, 4096, (off_t)bench_rand_below(&rng,
		    file_pages) * 4096) != 4096 || fdatasync(fd) != 0)
			goto out;
		lat[r] = bench_now_ns() - t0;
	}
	bench_figure("disk_fdatasync_1page_ms_median",
	    (double)bench_percentile(lat, 3 * reps, 50) / 1e6, "ms");
	for (size_t r = 0; r < reps; r++) {
		/* distinct pages, in file order (as LMDB writes them) */
		for (size_t k = 0; k < np; k++)
			pg[k] = bench_rand_below(&rng, file_pages / np) * np +
			    k;
		qsort(pg, np, sizeof *pg, bench_cmp_u64);
		t0 = bench_now_ns();
		for (size_t k = 0; k < np; k++)
			if (pwrite(fd, buf + k * 4096, 4096,
			    (off_t)pg[k] * 4096) != 4096)
				goto out;
		if (fdatasync(fd) != 0)
			goto out;
		lat[r] = bench_now_ns() - t0;
	}
	g.rand_ms = (double)bench_percentile(lat, reps, 50) / 1e6;
	bench_figure("disk_random_1024_pages_ms_median", g.rand_ms, "ms");
	for (size_t r = 0; r < reps; r++) {
		off_t off = (off_t)bench_rand_below(&rng, file_pages / np) *
		    (off_t)np * 4096;

		t0 = bench_now_ns();
		if (pwrite(fd, buf, np * 4096, off) != (ssize_t)(np * 4096) ||
		    fdatasync(fd) != 0)
			goto out;
		lat[r] = bench_now_ns() - t0;
	}
	bench_figure("disk_sequential_1024_pages_ms_median",
	    (double)bench_percentile(lat, reps, 50) / 1e6, "ms");
	ret = 0;
out:
	if (fd >= 0) {
		close(fd);
		(void)unlink(path);
	}
	free(buf);
	free(pg);
	if (ret != 0)
		fprintf(stderr, "bench_map: disk probe failed\n");
	return ret;
}

/* ---- Cached stores ------------------------------------------------------ */

static int
marker_ok(const char *name, uint64_t n, char *dir, size_t cap)
{
	char marker[BENCH_PATH_MAX], mname[128];
	FILE *f;
	uint64_t got = 0;
	int ok;

	snprintf(mname, sizeof mname, "%s.ok", name);
	if (bench_path(dir, cap, g.store_dir, name) != 0 ||
	    bench_path(marker, sizeof marker, g.store_dir, mname) != 0)
		return -1;
	if ((f = fopen(marker, "r")) == NULL)
		return 0;
	ok = fscanf(f, "%" SCNu64, &got) == 1 && got == n;
	fclose(f);
	return ok;
}

static int
marker_write(const char *name, uint64_t n)
{
	char marker[BENCH_PATH_MAX], mname[128];
	FILE *f;

	snprintf(mname, sizeof mname, "%s.ok", name);
	if (bench_path(marker, sizeof marker, g.store_dir, mname) != 0 ||
	    (f = fopen(marker, "w")) == NULL)
		return -1;
	fprintf(f, "%" PRIu64 "\n", n);
	return fclose(f) == 0 ? 0 : -1;
}

static void
key_value_of(uint64_t i, uint64_t n, uint8_t key[MAP_KEY_LEN],
    uint8_t value[MAP_VALUE_LEN])
{
	char vin[18], rec[1024];
	size_t rl;

	vin_of(i, vin);
	if (status_key((const uint8_t *)vin, 17, key) != LIEN_OK)
		abort();
	rl = record_of(i, n, rec, sizeof rec);
	status_value((const uint8_t *)rec, rl, value);
}

/* ---- Map maintenance in isolation --------------------------------------- */

static int
scratch_build(const char *dir, uint64_t n)
{
	struct ledger_scratch *sc;
	struct ledger_state *st;
	uint8_t key[MAP_KEY_LEN], value[MAP_VALUE_LEN], root[HASH_LEN];
	uint64_t nk = 0, t0 = bench_now_ns();
	enum lien_status s;

	if (bench_rm_tree(dir) != 0 || mkdir(dir, 0700) != 0)
		return -1;
	if ((s = ledger_scratch_open(dir, &sc)) != LIEN_OK)
		return fail("scratch open", s);
	for (uint64_t i = 0; i < n;) {
		if ((s = ledger_scratch_begin(sc, &st)) != LIEN_OK)
			goto err;
		for (unsigned k = 0; k < BM_BUILD_TXN && i < n; k++, i++) {
			key_value_of(i, n, key, value);
			if ((s = ledger_state_map_set(st, key, value)) != LIEN_OK)
				goto err;
		}
		if ((s = ledger_state_map_root(st, root, &nk)) != LIEN_OK ||
		    (s = ledger_scratch_mark(sc, i, 0)) != LIEN_OK ||
		    (s = ledger_scratch_commit(sc, st)) != LIEN_OK)
			goto err;
		if (i % (BM_BUILD_TXN * 64) == 0)
			fprintf(stderr, "  map build: %" PRIu64 " keys, %.0f s\n",
			    nk, bench_seconds(bench_now_ns() - t0));
	}
	fprintf(stderr, "  map build: %" PRIu64 " keys in %.1f s\n", nk,
	    bench_seconds(bench_now_ns() - t0));
	ledger_scratch_close(sc);
	return 0;
err:
	ledger_scratch_close(sc);
	return fail("scratch build", s);
}

/* Blocks allocated to the scratch map's data file (what it takes on the
 * disk: LMDB's file grows with the highest page ever written). */
static uint64_t
map_file_bytes(const char *dir)
{
	char path[BENCH_PATH_MAX];
	struct stat sb;

	if (bench_path(path, sizeof path, dir, "data.mdb") != 0 ||
	    stat(path, &sb) != 0)
		return 0;
	return (uint64_t)sb.st_blocks * 512u;
}

static double
pages_per_live(const struct ledger_map_prof *p)
{
	return (double)p->leaf_pages / (double)(p->live ? p->live : 1);
}

static int
bench_map_update(void)
{
	char dir[BENCH_PATH_MAX], name[64];
	struct ledger_scratch *sc;
	struct ledger_state *st;
	struct map_update *u = NULL;
	uint8_t root[HASH_LEN];
	uint64_t nk = 0, rng = (uint64_t)time(NULL) ^ 0x5eedu, *lat = NULL;
	uint64_t rounds = g.smoke ? 5 : g.batches ? g.batches + 1 : 400;
	uint64_t done = 0, wall = 0, cpu = 0, pcpu = 0, tc0 = 0;
	uint64_t wb = 0, wc = 0, ccpu = 0, cwall = 0, file0 = 0, nk0 = 0;
	struct ledger_map_prof p0, p1;
	double cap_s = g.smoke ? 0.5 : 5.0;
	enum lien_status s = LIEN_OK;
	size_t len = 0;
	int ok, ret = -1;

	snprintf(name, sizeof name, "map24-scratch-%" PRIu64, g.vehicles);
	if ((ok = marker_ok(name, g.vehicles, dir, sizeof dir)) < 0)
		return -1;
	if (!ok) {
		fprintf(stderr, "map_update: building a map of %" PRIu64
		    " vehicles in %s\n", g.vehicles, dir);
		if (scratch_build(dir, g.vehicles) != 0 ||
		    marker_write(name, g.vehicles) != 0)
			return -1;
	}
	if ((s = ledger_scratch_open(dir, &sc)) != LIEN_OK)
		return fail("scratch open", s);
	u = calloc(BM_BATCH, sizeof *u);
	lat = calloc(rounds, sizeof *lat);
	if (u == NULL || lat == NULL)
		goto out;
	fprintf(stderr, "map_update: %" PRIu64 " rounds of %u updates (3/4 "
	    "changed vehicles, 1/4 new) on the map in %s, a durable commit "
	    "each\n", rounds, BM_BATCH, dir);
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t t0, c0, w0, x0, pc0;

		/* Prepared before timing: which vehicles, their new values. */
		for (unsigned k = 0; k < BM_BATCH; k++) {
			uint64_t i = (k & 3) == 3 ?
			    g.vehicles + (bench_rand(&rng) >> 8) :
			    bench_rand_below(&rng, g.vehicles);
			char vin[18];

			vin_of(i, vin);
			if (status_key((const uint8_t *)vin, 17, u[k].key) !=
			    LIEN_OK)
				goto out;
			for (unsigned b = 0; b < MAP_VALUE_LEN; b += 8) {
				uint64_t x = bench_rand(&rng);

				memcpy(u[k].value + b, &x, 8);
			}
		}
		t0 = bench_now_ns();
		c0 = cpu_ns();
		pc0 = proc_cpu_ns();
		w0 = io_write_bytes();
		x0 = io_wchar();
		if ((s = ledger_scratch_begin(sc, &st)) != LIEN_OK)
			goto fail;
		for (unsigned k = 0; k < BM_BATCH; k++)
			if ((s = ledger_state_map_set(st, u[k].key,
			    u[k].value)) != LIEN_OK)
				goto fail;
		if ((s = ledger_state_map_root(st, root, &nk)) != LIEN_OK ||
		    (s = ledger_scratch_mark(sc, nk, 0)) != LIEN_OK)
			goto fail;
		{
			uint64_t cc = cpu_ns(), cw = bench_now_ns();

			if ((s = ledger_scratch_commit(sc, st)) != LIEN_OK)
				goto fail;
			ccpu += cpu_ns() - cc;
			cwall += bench_now_ns() - cw;
		}
		if (r == 0) {
			/* The first round loads the writer's kept tiles
			 * (ledger/map_store.c: strata 0..4, once per
			 * process): timed apart, the rounds after it are
			 * the steady state a running sequencer sees. */
			bench_figure("map_update_first_batch_ms",
			    (double)(bench_now_ns() - t0) / 1e6, "ms");
			ledger_scratch_map_prof(sc, &p0);
			file0 = map_file_bytes(dir);
			nk0 = nk;
			ccpu = cwall = 0;
			continue;
		}
		cpu += cpu_ns() - c0;
		pcpu += proc_cpu_ns() - pc0;
		wb += io_write_bytes() - w0;
		wc += io_wchar() - x0;
		lat[done] = bench_now_ns() - t0;
		wall += lat[done];
		done++;
		if (g.batches && done % BM_TRACE_EVERY == 0) {
			/* the GC's bound as it settles (docs/storage.md
			 * "Garbage and its bound"), and the CPU meanwhile */
			struct ledger_map_prof q;

			ledger_scratch_map_prof(sc, &q);
			fprintf(stderr, "  batch %" PRIu64 ": records/live "
			    "%.3f (%" PRIu64 " / %" PRIu64 "), leaf pages/live "
			    "%.3f, file %.3f GB, last %u batches %.1f us CPU "
			    "per update, load %.2f\n",
			    done, (double)q.total / (double)(q.live ? q.live :
			    1), q.total, q.live, pages_per_live(&q),
			    (double)map_file_bytes(dir) / 1e9, BM_TRACE_EVERY,
			    (double)(cpu - tc0) / 1e3 /
			    (double)(BM_TRACE_EVERY * BM_BATCH), bench_loadavg_1m());
			tc0 = cpu;
		}
		if (!g.batches && bench_seconds(wall) >= cap_s)
			break;
	}
	fprintf(stderr, "map_update: %" PRIu64 " rounds, map now %" PRIu64
	    " vehicles\n", done, nk);
	ledger_scratch_map_prof(sc, &p1);
	if (done > 0) {
		double nb = (double)done;

		/* Where a batch's CPU goes (thread CPU time, ms per batch):
		 * applying the updates (tile reads, decoding, hashing), the
		 * GC, writing the changed tiles (ledger/map_store.c), and the
		 * LMDB commit (page writes, the two syncs' system time). */
		bench_figure("map_update_batch1024_apply_cpu_ms",
		    (double)(p1.apply_ns - p0.apply_ns) / 1e6 / nb, "ms");
		bench_figure("map_update_batch1024_apply_aux_cpu_ms",
		    (double)(p1.apply_aux_ns - p0.apply_aux_ns) / 1e6 / nb,
		    "ms");
		bench_figure("map_update_batch1024_split_share",
		    (double)(p1.split - p0.split) / nb, "ratio");
		bench_figure("map_update_batch1024_gc_early_share",
		    (double)(p1.gc_early - p0.gc_early) / nb, "ratio");
		bench_figure("map_update_batch1024_gc_cpu_ms",
		    (double)(p1.gc_ns - p0.gc_ns) / 1e6 / nb, "ms");
		bench_figure("map_update_batch1024_write_cpu_ms",
		    (double)(p1.write_ns - p0.write_ns) / 1e6 / nb, "ms");
		bench_figure("map_update_batch1024_write_aux_cpu_ms",
		    (double)(p1.write_aux_ns - p0.write_aux_ns) / 1e6 / nb,
		    "ms");
		bench_figure("map_update_batch1024_encoded_aux",
		    (double)(p1.enc_aux - p0.enc_aux) / nb, "records");
		bench_figure("map_update_batch1024_commit_cpu_ms",
		    (double)ccpu / 1e6 / nb, "ms");
		bench_figure("map_update_batch1024_commit_wall_ms",
		    (double)cwall / 1e6 / nb, "ms");
		bench_figure("map_update_batch1024_tiles_written",
		    (double)(p1.written - p0.written) / nb, "tiles");
		bench_figure("map_update_batch1024_tiles_read",
		    (double)(p1.read - p0.read) / nb, "tiles");
		bench_figure("map_update_batch1024_tiles_read_gc",
		    (double)(p1.gc_read - p0.gc_read) / nb, "tiles");
		bench_figure("map_update_batch1024_tiles_read_clean",
		    (double)(p1.read_clean - p0.read_clean) / nb, "tiles");
		bench_figure("map_update_cache_loads",
		    (double)(p1.top_loads - p0.top_loads), "loads");
		bench_figure("map_update_batch1024_gc_taken",
		    (double)(p1.gc_taken - p0.gc_taken) / nb, "records");
		bench_figure("map_update_batch1024_gc_kept",
		    (double)(p1.gc_kept - p0.gc_kept) / nb, "records");
		bench_figure("map_update_batch1024_gc_moved",
		    (double)(p1.gc_moved - p0.gc_moved) / nb, "records");
		bench_figure("map_records_per_live", (double)p1.total /
		    (double)(p1.live ? p1.live : 1), "ratio");
		/* The space bound on pages (docs/storage.md "Garbage and its
		 * bound"): the table's leaf pages per live record, and the
		 * file per vehicle, when the timed rounds started and after
		 * them. */
		bench_figure("map_update_leaf_pages_per_live_record_start",
		    pages_per_live(&p0), "pages");
		bench_figure("map_update_leaf_pages_per_live_record_end",
		    pages_per_live(&p1), "pages");
		bench_figure("map_file_bytes_per_vehicle_start", (double)file0 /
		    (double)(nk0 ? nk0 : 1), "bytes");
		bench_figure("map_file_bytes_per_vehicle_end",
		    (double)map_file_bytes(dir) / (double)(nk ? nk : 1),
		    "bytes");
	}
	bench_figure("map_vehicles", (double)g.vehicles, "vehicles");
	{
		uint64_t fsz = 0, alloc = 0;

		if (bench_dir_bytes(dir, "lock.mdb", &fsz, &alloc) != 0)
			alloc = 0;
		bench_figure("map_store_bytes_per_vehicle",
		    (double)alloc / (double)(nk ? nk : 1), "bytes");
	}
	bench_figure("map_update_batch1024_per_s",
	    (double)(done * BM_BATCH) / bench_seconds(wall), "updates/s");
	bench_figure("map_update_batch1024_per_cpu_s",
	    (double)(done * BM_BATCH) / bench_seconds(cpu), "updates/s");
	bench_figure("map_update_batch1024_cpu_us_per_update",
	    (double)cpu / 1e3 / (double)(done * BM_BATCH), "us");
	bench_figure("map_update_batch1024_process_cpu_us_per_update",
	    (double)pcpu / 1e3 / (double)(done * BM_BATCH), "us");
	/* Why a round costs what it does: LMDB copies every page a changed
	 * tile record sits in, and random vehicles' tiles sit in random
	 * pages (bench/README.md). The pages are counted from the bytes
	 * handed to pwrite (wchar); write_bytes, the block layer's count,
	 * runs 20-50 times higher on this machine's ext4 (it charges whole
	 * page-cache folios, not the 4 KiB pages written), so it is printed
	 * but is not the figure to compare. */
	bench_figure("map_update_batch1024_disk_bytes_per_update",
	    (double)wb / (double)(done * BM_BATCH), "bytes");
	bench_figure("map_update_batch1024_pages_written_per_update",
	    (double)wc / 4096.0 / (double)(done * BM_BATCH), "pages");
	bench_figure("map_update_batch1024_median_ms",
	    (double)bench_percentile(lat, done, 50) / 1e6, "ms");
	/* The two floors an update rate meets on this machine (estimates,
	 * bench/README.md): hashing, at log2(N) - log2(1,024) + 2 hashes
	 * per update (tlog/map.c), on one core; and the disk, writing this
	 * run's pages per update at the probe's random-page cost. */
	bench_figure("map_update_hash_floor_per_s", g.node_per_s /
	    (log2((double)g.vehicles) - log2((double)BM_BATCH) + 2.0),
	    "updates/s");
	bench_figure("map_update_page_floor_per_s", g.rand_ms > 0 && wc > 0 ?
	    (double)BM_BATCH / ((double)wc / 4096.0 / (double)(done *
	    BM_BATCH) * g.rand_ms / 1e3) : NAN, "updates/s");
	/* Proofs from this map (its size is the 10^7), each checked
	 * against the root of the last round: encoded sizes and depths,
	 * three in four vehicles on the map, one never registered. */
	{
		size_t np = g.smoke ? 20 : 400, k;
		uint64_t *sz = calloc(np, sizeof *sz), *dp = calloc(np,
		    sizeof *dp), maxsz = 0;
		struct map_proof *mp = malloc(sizeof *mp);
		uint8_t *enc = malloc(MAP_PROOF_MAX), key[MAP_KEY_LEN];
		char vin[18];
		int present;

		if (sz == NULL || dp == NULL || mp == NULL || enc == NULL) {
			free(sz);
			free(dp);
			free(mp);
			free(enc);
			goto out;
		}
		for (k = 0; k < np; k++) {
			uint64_t i = k % 4 == 3 ? g.vehicles + 2000000000u + k :
			    bench_rand_below(&rng, g.vehicles);

			vin_of(i, vin);
			if ((s = status_key((const uint8_t *)vin, 17, key)) !=
			    LIEN_OK ||
			    (s = ledger_scratch_map_prove(sc, key, mp)) !=
			    LIEN_OK ||
			    (s = map_proof_verify(mp, root, key, &present)) !=
			    LIEN_OK ||
			    (s = map_proof_encode(mp, enc, MAP_PROOF_MAX,
			    &len)) != LIEN_OK)
				break;
			sz[k] = len;
			dp[k] = mp->depth;
			if (len > maxsz)
				maxsz = len;
		}
		if (s == LIEN_OK) {
			g.map_proof_med = (double)bench_percentile(sz, np, 50);
			bench_figure("map_proof_bytes_median", g.map_proof_med,
			    "bytes");
			bench_figure("map_proof_bytes_max", (double)maxsz,
			    "bytes");
			bench_figure("map_proof_depth_median",
			    (double)bench_percentile(dp, np, 50), "levels");
		}
		free(sz);
		free(dp);
		free(mp);
		free(enc);
		if (s != LIEN_OK)
			goto fail;
	}
	ret = 0;
	goto out;
fail:
	ret = fail("map update", s);
out:
	free(u);
	free(lat);
	ledger_scratch_close(sc);
	return ret;
}

/* ---- A log of N vehicles ------------------------------------------------ */

struct veh_arg {
	uint64_t i, n;
};

static enum lien_status LIEN_MUST_CHECK
veh_build(void *arg, struct ledger_state *st, uint64_t index,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct veh_arg *a = arg;
	uint8_t key[MAP_KEY_LEN], value[MAP_VALUE_LEN];

	(void)index;
	(void)time_ms;
	if (cap < 17)
		return LIEN_ETOOBIG;
	key_value_of(a->i, a->n, key, value);
	vin_of(a->i, (char *)out);	/* writes 18 bytes: cap is large */
	*out_len = 17;
	return ledger_state_map_set(st, key, value);
}

static int
log_build(const char *dir, uint64_t n)
{
	struct ledger_config cfg = {
		.dir = dir, .signer = g.signer, .batch_max = BM_BATCH,
	};
	struct ledger *l;
	struct ledger_item *items = calloc(BM_BATCH, sizeof *items);
	struct veh_arg *args = calloc(BM_BATCH, sizeof *args);
	struct ledger_receipt *rc = calloc(BM_BATCH, sizeof *rc);
	uint64_t t0 = bench_now_ns();
	enum lien_status s = LIEN_ENOMEM;

	if (items == NULL || args == NULL || rc == NULL ||
	    bench_rm_tree(dir) != 0)
		goto out;
	if ((s = ledger_open(&cfg, &l)) != LIEN_OK)
		goto out;
	for (uint64_t i = 0; i < n;) {
		size_t m = 0;

		for (; m < BM_BATCH && i < n; m++, i++) {
			args[m].i = i;
			args[m].n = n;
			items[m].type = BM_ENTRY_TYPE;
			items[m].build = veh_build;
			items[m].arg = &args[m];
		}
		if ((s = ledger_append_many(l, items, m, rc)) != LIEN_OK)
			break;
		if (i % (BM_BATCH * 512) == 0)
			fprintf(stderr, "  log build: %" PRIu64 " vehicles, "
			    "%.0f s\n", i, bench_seconds(bench_now_ns() - t0));
	}
	fprintf(stderr, "  log build: %" PRIu64 " vehicles, %" PRIu64
	    " entries in %.1f s\n", n, ledger_size(l),
	    bench_seconds(bench_now_ns() - t0));
	ledger_close(l);
out:
	free(items);
	free(args);
	free(rc);
	return s == LIEN_OK ? 0 : fail("log build", s);
}

/* Cosign the latest checkpoint with the three witnesses (fixed
 * timestamp: a second run finds the same lines there already). */
static int
cosign_latest(struct ledger *l)
{
	struct ledger_view *v;
	char *note = NULL, lines[BM_NWIT * COSIG_LINE_MAX];
	size_t nl, body_len, ll, off = 0;
	uint64_t n;
	enum lien_status s;

	if ((s = ledger_view_open(l, &v)) != LIEN_OK)
		return fail("view", s);
	n = ledger_view_size(v);
	s = ledger_view_checkpoint(v, n, &note, &nl);
	ledger_view_close(v);
	if (s != LIEN_OK)
		return fail("checkpoint", s);
	body_len = (size_t)(strstr(note, "\n\n") - note) + 1;
	for (unsigned k = 0; k < BM_NWIT; k++) {
		if ((s = cosig_sign_line(g.wit[k], (const uint8_t *)note,
		    body_len, BM_COSIG_TIME, lines + off, sizeof lines - off,
		    &ll)) != LIEN_OK)
			break;
		off += ll;
	}
	free(note);
	if (s == LIEN_OK)
		s = ledger_checkpoint_add_cosigs(l, n, lines, off);
	return s == LIEN_OK ? 0 : fail("cosign", s);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
pct_double(double *v, size_t n, unsigned pct)
{
	size_t rank;

	qsort(v, n, sizeof v[0], cmp_double);
	rank = (n * pct + 99u) / 100u;
	return v[rank == 0 ? 0 : rank - 1];
}

/* Write one bundle and the keys for timing `lienlog verify status` as a
 * whole process (bench/README.md gives the command). */
static void
write_sample(const uint8_t *b, size_t len, const char *vin)
{
	char path[BENCH_PATH_MAX];
	FILE *f;

	if (bench_path(path, sizeof path, g.store_dir, "sample.proof") != 0 ||
	    (f = fopen(path, "wb")) == NULL)
		return;
	fwrite(b, 1, len, f);
	fclose(f);
	fprintf(stderr, "status_bundle: sample for `lienlog verify status`: "
	    "--vin %s %s (keys log.vkey, w1.vkey .. w3.vkey beside it)\n",
	    vin, path);
	(void)vkey_file("log.vkey", &g.logv, NOTE_KEY_ED25519, path,
	    sizeof path);
	for (unsigned k = 0; k < BM_NWIT; k++) {
		char fn[16];

		snprintf(fn, sizeof fn, "w%u.vkey", k + 1);
		(void)vkey_file(fn, &g.witv[k], NOTE_KEY_COSIG_V1, path,
		    sizeof path);
	}
}

static int
bench_bundles(void)
{
	char dir[BENCH_PATH_MAX], name[64], vin[18], rec[1024];
	struct ledger_config cfg = { .signer = NULL };
	struct ledger *l = NULL;
	struct tlog_policy pol;
	struct status_check chk;
	struct status_result res;
	struct status_report rep;
	struct status_proof *dp = malloc(sizeof *dp);
	size_t nsamp = g.smoke ? 20 : 400, nabs = nsamp / 4, ns = 0;
	double *sz = calloc(nsamp, sizeof *sz), *ver = calloc(nsamp,
	    sizeof *ver), *prv = calloc(nsamp, sizeof *prv);
	double mapb = 0, cpb = 0, recb = 0, incl = 0, maxsz = 0;
	uint64_t rng = 42, size;
	enum lien_status s;
	int ok, ret = -1, wrote = 0;

	if (dp == NULL || sz == NULL || ver == NULL || prv == NULL)
		goto out;
	snprintf(name, sizeof name, "map-log-%" PRIu64, g.log_vehicles);
	if ((ok = marker_ok(name, g.log_vehicles, dir, sizeof dir)) < 0)
		goto out;
	if (!ok) {
		fprintf(stderr, "status_bundle: building a log of %" PRIu64
		    " vehicles in %s\n", g.log_vehicles, dir);
		if (log_build(dir, g.log_vehicles) != 0 ||
		    marker_write(name, g.log_vehicles) != 0)
			goto out;
	}
	cfg.dir = dir;
	cfg.signer = g.signer;
	cfg.batch_max = BM_BATCH;
	if ((s = ledger_open(&cfg, &l)) != LIEN_OK) {
		fail("ledger open", s);
		goto out;
	}
	if (cosign_latest(l) != 0)
		goto out;
	size = ledger_size(l);
	memset(&pol, 0, sizeof pol);
	pol.log = g.logv;
	pol.witnesses = g.witv;
	pol.nwitnesses = BM_NWIT;
	pol.quorum = BM_NWIT;
	for (size_t k = 0; k < nsamp; k++) {
		struct ledger_view *v;
		uint8_t *b = NULL;
		size_t len = 0, rl = 0;
		uint64_t i, t0;

		/* Three in four vehicles on the map, one never registered. */
		if (k < nabs) {
			i = g.log_vehicles + 1000000000u + k;
			vin_of(i, vin);
		} else {
			i = bench_rand_below(&rng, g.log_vehicles);
			vin_of(i, vin);
			rl = record_of(i, g.log_vehicles, rec, sizeof rec);
		}
		/* Thread CPU time, as the SHA-256 rate (shared machine). */
		t0 = cpu_ns();
		if ((s = ledger_view_open(l, &v)) != LIEN_OK)
			break;
		s = ledger_view_status_proof(v, (const uint8_t *)vin, 17,
		    rl ? (const uint8_t *)rec : NULL, rl, &b, &len);
		ledger_view_close(v);
		prv[ns] = (double)(cpu_ns() - t0) / 1e3;
		if (s != LIEN_OK)
			break;
		memset(&chk, 0, sizeof chk);
		chk.policy = &pol;
		chk.id = (const uint8_t *)vin;
		chk.id_len = 17;
		chk.now_ms = (uint64_t)time(NULL) * 1000u;
		t0 = cpu_ns();
		s = status_proof_verify(b, len, &chk, &res, &rep);
		ver[ns] = (double)(cpu_ns() - t0) / 1e3;
		if (s != LIEN_OK || res.present != (rl != 0) ||
		    res.cosigned != BM_NWIT) {
			fprintf(stderr, "bench_map: bundle of %s does not "
			    "verify: %s (%s)\n", vin, rep.why,
			    status_fault_name(rep.fault));
			free(b);
			s = LIEN_EVERIFY;
			break;
		}
		if (rl != 0) {
			/* Present vehicles are the size figure: absence
			 * proofs carry no record and are smaller. */
			if ((s = status_proof_decode(b, len, dp)) != LIEN_OK) {
				free(b);
				break;
			}
			sz[ns] = (double)len;
			mapb += (double)dp->map_len;
			/* body_len u16 | body | log signature |
			 * ncosig u8 | cosignatures (section 7) */
			cpb += (double)(2 + dp->body_len +
			    STATUS_LOG_SIG_LEN + 1 +
			    dp->ncosig * STATUS_COSIG_LEN);
			recb += (double)dp->record_bin_len;
			incl = (double)dp->nincl;
			if ((double)len > maxsz)
				maxsz = (double)len;
			if (!wrote) {
				write_sample(b, len, vin);
				wrote = 1;
			}
		}
		free(b);
		ns++;
	}
	if (s != LIEN_OK) {
		fail("status proof", s);
		goto out;
	}
	{
		size_t np = nsamp - nabs;
		double med, worst;
		double lg = ceil(log2((double)size));

		/* sz[] holds sizes at the present samples' slots only. */
		double *psz = sz + nabs;

		med = pct_double(psz, np, 50);
		/* The inclusion proof of a tree's last leaf has between 0
		 * and ceil(log2 size) hashes, by the size's bits: the
		 * worst case for a log of this order of size. */
		worst = med + (lg - incl) * HASH_LEN;
		fprintf(stderr, "status_bundle: log of %" PRIu64 " entries, "
		    "%.0f inclusion hashes at that size, %.0f at worst\n",
		    size, incl, lg);
		bench_figure("status_bundle_bytes_median", med, "bytes");
		bench_figure("status_bundle_bytes_max", maxsz, "bytes");
		bench_figure("status_bundle_bytes_worst_inclusion", worst,
		    "bytes");
		bench_figure("status_bundle_map_proof_bytes_mean",
		    mapb / (double)np, "bytes");
		bench_figure("status_bundle_record_bytes_mean",
		    recb / (double)np, "bytes");
		bench_figure("status_bundle_checkpoint_bytes",
		    cpb / (double)np, "bytes");
		bench_figure("status_bundle_inclusion_hashes", incl, "hashes");
		bench_figure("status_proof_assemble_us_median",
		    pct_double(prv, ns, 50), "us");
		bench_figure("status_verify_us_median", pct_double(ver, ns, 50),
		    "us");
		bench_figure("status_verify_us_p99", pct_double(ver, ns, 99),
		    "us");
	}
	ret = 0;
out:
	ledger_close(l);
	free(dp);
	free(sz);
	free(ver);
	free(prv);
	return ret;
}

/* ---- The bundle at N vehicles, from a real map of N keys ---------------- */

/*
 * The exact size of the bundle a log of N vehicles serves, without a log
 * of N entries: the map of the N vehicles (the keys and values
 * key_value_of gives, the very pairs of the scratch store) is built in
 * memory from its definition (docs/lien-status.md section 4), its root
 * and the map proofs of sampled vehicles computed in the same pass; the
 * state-root entry holds that root, N keys and the size of a log of N
 * vehicles (N entries plus one state root per batch of 1,024); its
 * inclusion proof has the exact length RFC 9162 gives the last leaf of a
 * tree of that size (the other leaves' hashes are stand-ins: no log of
 * that size was written); the checkpoint of that root is signed by the
 * log key and cosigned by three witnesses. Each bundle is encoded by
 * status_proof_encode and must pass status_proof_verify under the
 * 3-of-3 policy before its size is counted.
 */

struct rm_pair {
	uint8_t k[MAP_KEY_LEN];
	uint8_t v[MAP_VALUE_LEN];
};

struct rm_sample {
	uint8_t k[MAP_KEY_LEN];
	uint64_t i;			/* vehicle number */
	int present;
	struct map_proof *p;
};

static int
rm_pair_cmp(const void *a, const void *b)
{
	return memcmp(a, b, MAP_KEY_LEN);
}

static int
rm_sample_cmp(const void *a, const void *b)
{
	return memcmp(((const struct rm_sample *)a)->k,
	    ((const struct rm_sample *)b)->k, MAP_KEY_LEN);
}

/* First index in [0, n) whose key has bit d set; keys share bits < d. */
static size_t
rm_split(const uint8_t *base, size_t stride, size_t n, unsigned d)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map_key_bit(base + mid * stride, d))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* N(p) of the pairs a[0..n) sharing their first d bits; the proofs of
 * the samples s[0..ns) under the same prefix are filled on the way. */
static void
rm_node(const struct rm_pair *a, size_t n, unsigned d, struct rm_sample *s,
    size_t ns, uint8_t out[HASH_LEN])
{
	uint8_t l[HASH_LEN], r[HASH_LEN];
	size_t m, ms;

	if (n == 0) {
		map_hash_empty(out);
		for (size_t j = 0; j < ns; j++) {
			s[j].p->kind = MAP_PROOF_ABSENT_EMPTY;
			s[j].p->depth = d;
		}
		return;
	}
	if (n == 1) {
		map_hash_leaf(a->k, a->v, out);
		for (size_t j = 0; j < ns; j++) {
			s[j].p->depth = d;
			if (memcmp(s[j].k, a->k, MAP_KEY_LEN) == 0) {
				s[j].p->kind = MAP_PROOF_PRESENT;
				memcpy(s[j].p->value, a->v, MAP_VALUE_LEN);
			} else {
				s[j].p->kind = MAP_PROOF_ABSENT_LEAF;
				memcpy(s[j].p->other_key, a->k, MAP_KEY_LEN);
				memcpy(s[j].p->other_value, a->v,
				    MAP_VALUE_LEN);
			}
		}
		return;
	}
	m = rm_split(a->k, sizeof *a, n, d);
	ms = ns > 0 ? rm_split(s->k, sizeof *s, ns, d) : 0;
	rm_node(a, m, d + 1, s, ms, l);
	rm_node(a + m, n - m, d + 1, s + ms, ns - ms, r);
	for (size_t j = 0; j < ns; j++)
		memcpy(s[j].p->sib[d], j < ms ? r : l, HASH_LEN);
	map_hash_node(l, r, out);
}

/* The RFC 9162 2.1.3.2 walk for leaf index in a tree of size n: the proof
 * length it accepts, and the root it reaches from leaf with proof. */
static size_t
rm_incl_len(uint64_t index, uint64_t n)
{
	uint64_t fn = index, sn = n - 1;
	size_t len = 0;

	while (sn > 0) {
		if ((fn & 1) || fn == sn) {
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		}
		fn >>= 1;
		sn >>= 1;
		len++;
	}
	return len;
}

static void
rm_incl_root(const uint8_t leaf[HASH_LEN], uint64_t index, uint64_t n,
    uint8_t proof[][HASH_LEN], size_t len, uint8_t out[HASH_LEN])
{
	uint64_t fn = index, sn = n - 1;
	uint8_t r[HASH_LEN];

	memcpy(r, leaf, HASH_LEN);
	for (size_t k = 0; k < len; k++) {
		if ((fn & 1) || fn == sn) {
			hash_node(proof[k], r, r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			hash_node(r, proof[k], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(out, r, HASH_LEN);
}

/* The signed and cosigned checkpoint note of (size, root); malloc'd. */
static char *
rm_checkpoint(uint64_t size, const uint8_t root[HASH_LEN], size_t *out_len)
{
	char body[512], *note = NULL, *all;
	size_t body_len, nl, ll, off;
	enum lien_status s;

	if (checkpoint_format(BM_ORIGIN, strlen(BM_ORIGIN), size, root, body,
	    sizeof body, &body_len) != LIEN_OK ||
	    note_sign(g.signer, (const uint8_t *)body, body_len, &note,
	    &nl) != LIEN_OK)
		return NULL;
	if ((all = malloc(nl + BM_NWIT * COSIG_LINE_MAX)) == NULL) {
		free(note);
		return NULL;
	}
	memcpy(all, note, nl);
	off = nl;
	free(note);
	for (unsigned k = 0; k < BM_NWIT; k++) {
		s = cosig_sign_line(g.wit[k], (const uint8_t *)body, body_len,
		    BM_COSIG_TIME, all + off, BM_NWIT * COSIG_LINE_MAX -
		    (off - nl), &ll);
		if (s != LIEN_OK) {
			free(all);
			return NULL;
		}
		off += ll;
	}
	*out_len = off;
	return all;
}

static int
bench_bundle_real_map(void)
{
	uint64_t n = g.vehicles, tsize = n + (n + BM_BATCH - 1) / BM_BATCH;
	size_t nsamp = g.smoke ? 40 : 400, nabs = nsamp / 4, nincl, np = 0;
	size_t na = 0;
	struct rm_pair *pairs = malloc((size_t)n * sizeof *pairs);
	struct rm_sample *smp = calloc(nsamp, sizeof *smp);
	struct status_proof *b = calloc(1, sizeof *b);
	uint8_t (*incl)[HASH_LEN] = calloc(MERKLE_PROOF_MAX, HASH_LEN);
	uint8_t *menc = malloc(MAP_PROOF_MAX), *out = malloc(STATUS_PROOF_MAX);
	uint8_t root[HASH_LEN], payload[STATUS_ROOT_PAYLOAD_LEN];
	uint8_t env[STATUS_ENTRY_MAX], leaf[HASH_LEN], lroot[HASH_LEN];
	double *sz = calloc(nsamp, sizeof *sz), *asz = calloc(nsamp,
	    sizeof *asz), *msz = calloc(nsamp, sizeof *msz), *dep = calloc(nsamp,
	    sizeof *dep);
	char *note = NULL, vin[18], rec[1024];
	size_t note_len = 0, env_len, rbin = 0;
	uint64_t rng = 7, t0 = bench_now_ns();
	struct status_root sr;
	struct entry e;
	struct tlog_policy pol;
	struct status_check chk;
	struct status_result *res = malloc(sizeof *res);
	struct status_report rep;
	enum lien_status s = LIEN_OK;
	int ret = -1;

	if (pairs == NULL || smp == NULL || b == NULL || incl == NULL ||
	    menc == NULL || out == NULL || sz == NULL || asz == NULL ||
	    msz == NULL || dep == NULL || res == NULL) {
		fprintf(stderr, "bench_map: no memory for a map of %" PRIu64
		    " vehicles in memory (%zu MB)\n", n,
		    (size_t)(n * sizeof *pairs >> 20));
		goto out;
	}
	fprintf(stderr, "status_bundle_real: the map of %" PRIu64 " vehicles "
	    "in memory (%zu MB)\n", n, (size_t)(n * sizeof *pairs >> 20));
	for (uint64_t i = 0; i < n; i++)
		key_value_of(i, n, pairs[i].k, pairs[i].v);
	qsort(pairs, (size_t)n, sizeof *pairs, rm_pair_cmp);
	for (uint64_t i = 1; i < n; i++)
		if (memcmp(pairs[i - 1].k, pairs[i].k, MAP_KEY_LEN) == 0) {
			fprintf(stderr, "bench_map: two vehicles share a key\n");
			goto out;
		}
	/* Three in four samples on the map, one never registered. */
	for (size_t j = 0; j < nsamp; j++) {
		smp[j].present = j >= nabs;
		smp[j].i = smp[j].present ? bench_rand_below(&rng, n) :
		    n + 1000000000u + j;
		vin_of(smp[j].i, vin);
		if (status_key((const uint8_t *)vin, 17, smp[j].k) != LIEN_OK ||
		    (smp[j].p = calloc(1, sizeof *smp[j].p)) == NULL)
			goto out;
	}
	qsort(smp, nsamp, sizeof *smp, rm_sample_cmp);
	rm_node(pairs, (size_t)n, 0, smp, nsamp, root);
	free(pairs);
	pairs = NULL;
	fprintf(stderr, "status_bundle_real: root and %zu proofs in %.1f s\n",
	    nsamp, bench_seconds(bench_now_ns() - t0));
	/* The state-root entry, its inclusion proof, the checkpoint. */
	memset(&sr, 0, sizeof sr);
	memcpy(sr.root, root, HASH_LEN);
	sr.nkeys = n;
	sr.tree_size = tsize;
	memset(&e, 0, sizeof e);
	e.index = tsize - 1;
	e.time_ms = 1798761600000u;
	e.type = ENTRY_TYPE_STATE_ROOT;
	hash_sha256("prev", 4, e.prev);
	e.payload = payload;
	e.payload_len = sizeof payload;
	if (status_root_encode(&sr, payload, sizeof payload) != LIEN_OK ||
	    entry_encode(&e, env, sizeof env, &env_len) != LIEN_OK)
		goto out;
	hash_leaf(env, env_len, leaf);
	nincl = rm_incl_len(tsize - 1, tsize);
	for (size_t k = 0; k < nincl; k++)
		hash_sha256(&k, sizeof k, incl[k]);
	rm_incl_root(leaf, tsize - 1, tsize, incl, nincl, lroot);
	if ((note = rm_checkpoint(tsize, lroot, &note_len)) == NULL)
		goto out;
	memset(&pol, 0, sizeof pol);
	pol.log = g.logv;
	pol.witnesses = g.witv;
	pol.nwitnesses = BM_NWIT;
	pol.quorum = BM_NWIT;
	for (size_t j = 0; j < nsamp; j++) {
		size_t ml, rl = 0, len;

		if ((s = map_proof_encode(smp[j].p, menc, MAP_PROOF_MAX,
		    &ml)) != LIEN_OK)
			break;
		if (smp[j].present) {
			uint8_t bin[STATUS_RECORD_MAX];

			rl = record_of(smp[j].i, n, rec, sizeof rec);
			if ((s = status_record_pack((const uint8_t *)rec, rl,
			    bin, sizeof bin, &rbin)) != LIEN_OK)
				break;
		}
		memset(b, 0, sizeof *b);
		vin_of(smp[j].i, vin);
		b->id = (const uint8_t *)vin;
		b->id_len = 17;
		b->record = rl ? (const uint8_t *)rec : NULL;
		b->record_len = rl;
		b->map = menc;
		b->map_len = ml;
		b->entry = env;
		b->entry_len = env_len;
		memcpy(b->incl, incl, nincl * HASH_LEN);
		b->nincl = nincl;
		if ((s = status_proof_set_checkpoint(b, (const uint8_t *)note,
		    note_len)) != LIEN_OK ||
		    (s = status_proof_encode(b, out, STATUS_PROOF_MAX,
		    &len)) != LIEN_OK)
			break;
		memset(&chk, 0, sizeof chk);
		chk.policy = &pol;
		chk.id = (const uint8_t *)vin;
		chk.id_len = 17;
		if ((s = status_proof_verify(out, len, &chk, res, &rep)) !=
		    LIEN_OK || res->present != smp[j].present ||
		    res->cosigned != BM_NWIT) {
			fprintf(stderr, "bench_map: the bundle at %" PRIu64
			    " vehicles does not verify: %s\n", n, rep.why);
			s = LIEN_EVERIFY;
			break;
		}
		if (smp[j].present) {
			sz[np] = (double)len;
			msz[np] = (double)ml;
			dep[np] = (double)smp[j].p->depth;
			np++;
		} else {
			asz[na++] = (double)len;
		}
	}
	if (s != LIEN_OK) {
		fail("bundle at N vehicles", s);
		goto out;
	}
	bench_figure("status_bundle_real_map_vehicles", (double)n, "vehicles");
	bench_figure("status_bundle_real_map_tree_size", (double)tsize,
	    "entries");
	bench_figure("status_bundle_real_map_inclusion_hashes", (double)nincl,
	    "hashes");
	bench_figure("status_bundle_real_map_depth_median",
	    pct_double(dep, np, 50), "levels");
	bench_figure("status_bundle_real_map_map_proof_bytes_median",
	    pct_double(msz, np, 50), "bytes");
	bench_figure("status_bundle_real_map_record_bytes", (double)rbin,
	    "bytes");
	bench_figure("status_bundle_real_map_checkpoint_bytes",
	    (double)(2 + b->body_len + STATUS_LOG_SIG_LEN + 1 +
	    b->ncosig * STATUS_COSIG_LEN), "bytes");
	bench_figure("status_bundle_real_map_bytes_median",
	    pct_double(sz, np, 50), "bytes");
	bench_figure("status_bundle_real_map_bytes_max", pct_double(sz, np,
	    100), "bytes");
	/* Another log of this order of size (more entries per vehicle,
	 * another batch pattern) gives its last leaf up to ceil(log2 size)
	 * hashes: the largest sample with the longest such proof. */
	bench_figure("status_bundle_real_map_bytes_worst_inclusion",
	    pct_double(sz, np, 100) + (ceil(log2((double)tsize)) -
	    (double)nincl) * HASH_LEN, "bytes");
	bench_figure("status_bundle_real_map_absent_bytes_median",
	    pct_double(asz, na, 50), "bytes");
	bench_figure("status_bundle_target_bytes", 2560, "bytes");
	ret = 0;
out:
	free(pairs);
	for (size_t j = 0; smp != NULL && j < nsamp; j++)
		free(smp[j].p);
	free(smp);
	free(b);
	free(incl);
	free(menc);
	free(out);
	free(sz);
	free(asz);
	free(msz);
	free(dep);
	free(note);
	free(res);
	return ret;
}

/* ---- Main --------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: bench_map [--smoke] [--vehicles N] "
	    "[--log-vehicles M] [--store-dir DIR] [--only PREFIX] "
	    "[--batches N]\n");
}

int
main(int argc, char **argv)
{
	const char *sd = NULL;
	int rc = 0;

	g.vehicles = 10000000u;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g.smoke = 1;
		} else if (strcmp(argv[i], "--vehicles") == 0 && i + 1 < argc) {
			g.vehicles = strtoull(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--log-vehicles") == 0 &&
		    i + 1 < argc) {
			g.log_vehicles = strtoull(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--store-dir") == 0 &&
		    i + 1 < argc) {
			sd = argv[++i];
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			g.only = argv[++i];
		} else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc) {
			g.batches = strtoull(argv[++i], NULL, 10);
		} else {
			usage();
			return 2;
		}
	}
	if (g.smoke)
		g.vehicles = g.log_vehicles = 5000;
	if (g.log_vehicles == 0)
		g.log_vehicles = g.vehicles;
	if (g.vehicles < 16 || g.log_vehicles < 16) {
		usage();
		return 2;
	}
	if (lcrypto_init() != LIEN_OK)
		return 1;
	if (sd != NULL) {
		snprintf(g.store_dir, sizeof g.store_dir, "%s", sd);
		(void)mkdir(g.store_dir, 0700);
	} else if (g.smoke) {
		const char *t = getenv("TMPDIR");

		snprintf(g.store_dir, sizeof g.store_dir,
		    "%s/bench-map-XXXXXX", t ? t : "/tmp");
		if (mkdtemp(g.store_dir) == NULL)
			return 1;
		g.own_store_dir = 1;
	} else {
		const char *t = getenv("TMPDIR");

		snprintf(g.store_dir, sizeof g.store_dir, "%s/lienlog-bench",
		    t ? t : "/tmp");
		(void)mkdir(g.store_dir, 0700);
	}
	fprintf(stderr, "bench_map: %" PRIu64 " vehicles, stores in %s\n",
	    g.vehicles, g.store_dir);
	if (make_keys() != 0)
		return 1;
	bench_sha256();
	bench_node_hash();
	if (want("disk") || want("map_update"))
		(void)bench_disk();
	if (want("map_update") && bench_map_update() != 0)
		rc = 1;
	if (rc == 0 && (want("status") || want("map_vehicles")) &&
	    bench_bundles() != 0)
		rc = 1;
	if (rc == 0 && want("status_bundle_real") &&
	    bench_bundle_real_map() != 0)
		rc = 1;
	note_signer_free(g.signer);
	for (unsigned k = 0; k < BM_NWIT; k++)
		cosig_signer_free(g.wit[k]);
	if (g.own_store_dir)
		(void)bench_rm_tree(g.store_dir);
	return rc;
}
