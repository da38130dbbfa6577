/*
 * GET /metrics: the counters and the Prometheus text exposition format
 * 0.0.4 writer (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Hot path. A worker thread picks its shard once (round-robin, kept in a
 * thread-local), then every request does four relaxed atomic adds in
 * that shard: in-flight +1/-1, the (route, code) counter, one duration
 * bucket and the duration sum. There is no per-request lock and no
 * shared counter: with 16 workers on 2 cores and 8 shards, two threads
 * share a shard at most, so cache lines rarely move between cores. The
 * histogram keeps non-cumulative bucket counts and no separate count:
 * the +Inf bucket and _count are the sum of all buckets, so the three
 * always agree and the cumulative series is monotonic by construction.
 *
 * Status codes are interned into at most METRICS_CODES_MAX slots by a
 * lock-free table (CAS on first sight of a code), so new routes and new
 * codes are counted without any change here; only route names come from
 * the server's route tables.
 *
 * Rendering (a scrape) sums the shards and reads the ledger's statistics
 * (one mutex inside ledger_stats_get, per scrape, not per request) and a
 * few /proc files. Series that never moved are left out to keep the page
 * short; every family still has its HELP and TYPE lines.
 *
 * Not here: the per-batch size histogram of the sequencer. It needs one
 * observation per batch from ledger/log.c, which only exposes totals and
 * the last batch size today; we export those (and their mean).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "api/accesslog.h"
#include "common/file.h"
#include "api/metrics.h"
#include "ledger/ledger.h"

#define METRICS_CACHE_LINE 64
#define METRICS_CODE_MIN 100
#define METRICS_CODE_MAX 599
#define METRICS_PROC_READ_MAX 4096u
#define METRICS_PROC_STAT_MAX (1u << 20)

/* ---- The store --------------------------------------------------------- */

static const char *const dur_le[METRICS_DURATION_BUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
	"0.1", "0.25", "0.5", "1", "2.5", "5",
};
static const uint64_t dur_bound[METRICS_DURATION_BUCKETS] = {
	500000u, 1000000u, 2500000u, 5000000u, 10000000u, 25000000u,
	50000000u, 100000000u, 250000000u, 500000000u, 1000000000u,
	2500000000u, 5000000000u,
};
static const struct metrics_hist_def dur_def = {
	dur_le, dur_bound, METRICS_DURATION_BUCKETS
};

/* Slot METRICS_CODES_MAX is "other". */
#define METRICS_CODE_SLOTS (METRICS_CODES_MAX + 1u)

struct metrics_route_ctr {
	_Atomic uint64_t codes[METRICS_CODE_SLOTS];
	_Atomic uint64_t buckets[METRICS_DURATION_BUCKETS + 1];
	_Atomic uint64_t sum_ns;
};

/* One shard; its alignment keeps two shards off one cache line. */
struct metrics_shard_ctr {
	_Alignas(METRICS_CACHE_LINE) _Atomic int64_t inflight;
	struct metrics_route_ctr routes[METRICS_ROUTES_MAX + 1];
};

struct metrics {
	struct metrics_shard_ctr shards[METRICS_SHARDS];
	const char *const *names;
	size_t nroutes;
	/* Interned status codes: codes[i] is the code of slot i (0 = free);
	 * slot_of[code - 100] is slot + 1 (0 = not interned yet). */
	_Atomic int codes[METRICS_CODES_MAX];
	_Atomic unsigned char slot_of[METRICS_CODE_MAX - METRICS_CODE_MIN + 1];
	uint64_t start_time_ns;	/* process start, Unix time */
};

/* Thread-local shard + 1 (0: not assigned yet). Shared by every store in
 * the process: the assignment only spreads threads, it means nothing. */
static _Thread_local unsigned metrics_tls_shard;
static _Atomic unsigned metrics_next_shard;

/* Read a small /proc file into buf (cap bytes, NUL-terminated). 0 on
 * success: non-empty and not cut short by cap. */
static enum lien_status LIEN_MUST_CHECK
metrics_proc_read(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	enum lien_status rc = file_read_into(path, buf, cap - 1, &len);

	if (rc != LIEN_OK)
		return rc;
	return len > 0 ? LIEN_OK : LIEN_EIO;	/* an empty /proc file */
}

/* Process start as Unix time in ns: /proc/stat btime plus field 22 of
 * /proc/self/stat (start time in clock ticks after boot), the way
 * Prometheus' own client libraries compute it. 0 if unavailable. */
static uint64_t
metrics_proc_start_ns(void)
{
	char buf[METRICS_PROC_READ_MAX], *stat = NULL;
	unsigned long long btime = 0, ticks = 0;
	long hz = sysconf(_SC_CLK_TCK);
	const char *p;
	size_t len;
	int field, ok;

	/* /proc/stat grows with the CPU count (tens of KiB on large hosts),
	 * and btime comes after the per-CPU lines: read all of it. */
	if (hz <= 0 || file_read("/proc/stat", METRICS_PROC_STAT_MAX, &stat,
	    &len) != LIEN_OK)
		return 0;
	p = strstr(stat, "\nbtime ");
	ok = p != NULL && sscanf(p + 7, "%llu", &btime) == 1;
	free(stat);
	if (!ok)
		return 0;
	if (metrics_proc_read("/proc/self/stat", buf, sizeof(buf)) != LIEN_OK)
		return 0;
	/* The command name (field 2) may hold spaces and ')': fields are
	 * counted from the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	for (field = 2; field < 22 && p != NULL; field++) {
		p = strchr(p + 1, ' ');
	}
	if (p == NULL || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	return (uint64_t)btime * 1000000000u +
	    (uint64_t)ticks * (1000000000u / (uint64_t)hz);
}

enum lien_status
metrics_create(const char *const *names, size_t nroutes, struct metrics **out)
{
	struct metrics *m;

	*out = NULL;
	if (nroutes > METRICS_ROUTES_MAX || (nroutes > 0 && names == NULL))
		return LIEN_EINVAL;
	/* The shards' alignment needs aligned_alloc; sizeof is a multiple
	 * of that alignment, as aligned_alloc requires. */
	m = aligned_alloc(METRICS_CACHE_LINE, sizeof(*m));
	if (m == NULL)
		return LIEN_ENOMEM;
	memset(m, 0, sizeof(*m));
	m->names = names;
	m->nroutes = nroutes;
	m->start_time_ns = metrics_proc_start_ns();
	if (m->start_time_ns == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		m->start_time_ns = (uint64_t)ts.tv_sec * 1000000000u +
		    (uint64_t)ts.tv_nsec;
	}
	*out = m;
	return LIEN_OK;
}

void
metrics_free(struct metrics *m)
{
	free(m);
}

unsigned
metrics_shard(struct metrics *m)
{
	(void)m;
	if (metrics_tls_shard == 0)
		metrics_tls_shard = 1u + (atomic_fetch_add_explicit(
		    &metrics_next_shard, 1, memory_order_relaxed) &
		    (METRICS_SHARDS - 1u));
	return metrics_tls_shard - 1u;
}

void
metrics_request_begin(struct metrics *m, unsigned shard)
{
	atomic_fetch_add_explicit(
	    &m->shards[shard & (METRICS_SHARDS - 1u)].inflight, 1,
	    memory_order_relaxed);
}

/* Slot of an HTTP status: a fast lookup, or interning on first sight.
 * Two threads racing on a new code both end up with the same slot: the
 * CAS decides who claims a free slot, the loser finds the code there or
 * moves on to the next free one. */
static unsigned
metrics_code_slot(struct metrics *m, int status)
{
	unsigned s;

	s = atomic_load_explicit(&m->slot_of[status - METRICS_CODE_MIN],
	    memory_order_relaxed);
	if (s != 0)
		return s - 1u;
	for (unsigned i = 0; i < METRICS_CODES_MAX; i++) {
		int c = atomic_load_explicit(&m->codes[i], memory_order_relaxed);

		if (c == 0) {
			int expect = 0;

			if (atomic_compare_exchange_strong_explicit(
			    &m->codes[i], &expect, status,
			    memory_order_relaxed, memory_order_relaxed))
				c = status;
			else
				c = expect;
		}
		if (c == status) {
			atomic_store_explicit(
			    &m->slot_of[status - METRICS_CODE_MIN],
			    (unsigned char)(i + 1u), memory_order_relaxed);
			return i;
		}
	}
	return METRICS_CODES_MAX;	/* table full: "other" */
}

void
metrics_request_end(struct metrics *m, unsigned shard, size_t route,
    int status, uint64_t duration_ns)
{
	struct metrics_shard_ctr *sh = &m->shards[shard & (METRICS_SHARDS - 1u)];
	struct metrics_route_ctr *rc;
	size_t b = 0;

	if (route > m->nroutes)
		route = m->nroutes;
	if (status < METRICS_CODE_MIN || status > METRICS_CODE_MAX)
		status = 500;
	rc = &sh->routes[route];
	atomic_fetch_add_explicit(&rc->codes[metrics_code_slot(m, status)], 1,
	    memory_order_relaxed);
	while (b < METRICS_DURATION_BUCKETS && duration_ns > dur_bound[b])
		b++;
	atomic_fetch_add_explicit(&rc->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rc->sum_ns, duration_ns,
	    memory_order_relaxed);
	atomic_fetch_sub_explicit(&sh->inflight, 1, memory_order_relaxed);
}

/* ---- Rendering ---------------------------------------------------------- */

/* One route summed over the shards. */
struct metrics_route_sum {
	uint64_t codes[METRICS_CODE_SLOTS];
	uint64_t buckets[METRICS_DURATION_BUCKETS + 1];
	uint64_t sum_ns;
	uint64_t total;
};

static void
metrics_route_collect(struct metrics *m, size_t r,
    struct metrics_route_sum *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned s = 0; s < METRICS_SHARDS; s++) {
		struct metrics_route_ctr *rc = &m->shards[s].routes[r];

		for (unsigned c = 0; c < METRICS_CODE_SLOTS; c++)
			out->codes[c] += atomic_load_explicit(&rc->codes[c],
			    memory_order_relaxed);
		for (unsigned b = 0; b <= METRICS_DURATION_BUCKETS; b++)
			out->buckets[b] += atomic_load_explicit(
			    &rc->buckets[b], memory_order_relaxed);
		out->sum_ns += atomic_load_explicit(&rc->sum_ns,
		    memory_order_relaxed);
	}
	for (unsigned b = 0; b <= METRICS_DURATION_BUCKETS; b++)
		out->total += out->buckets[b];
}

static const char *
metrics_route_name(const struct metrics *m, size_t r)
{
	return r < m->nroutes ? m->names[r] : "none";
}

static void
metrics_render_http(struct metrics *m, struct metrics_text *t)
{
	struct metrics_route_sum *sums;
	unsigned order[METRICS_CODE_SLOTS];
	int codes[METRICS_CODE_SLOTS];
	unsigned ncodes = 0;
	int64_t inflight = 0;

	/* 65 routes x ~400 bytes: on the heap (100 KiB worker stacks). */
	sums = calloc(m->nroutes + 1, sizeof(*sums));
	if (sums == NULL) {
		t->err = 1;
		return;
	}
	for (size_t r = 0; r <= m->nroutes; r++)
		metrics_route_collect(m, r, &sums[r]);
	/* Interned codes in ascending order, then "other". */
	for (unsigned i = 0; i < METRICS_CODES_MAX; i++) {
		int c = atomic_load_explicit(&m->codes[i], memory_order_relaxed);
		unsigned k;

		if (c == 0)
			continue;
		for (k = ncodes; k > 0 && codes[k - 1] > c; k--) {
			codes[k] = codes[k - 1];
			order[k] = order[k - 1];
		}
		codes[k] = c;
		order[k] = i;
		ncodes++;
	}
	codes[ncodes] = 0;
	order[ncodes] = METRICS_CODES_MAX;
	ncodes++;

	metrics_text_family(t, "lienlog_http_requests_total", "counter",
	    "HTTP requests by route name and response status code "
	    "(route \"none\": no route matched or refused before routing).");
	for (size_t r = 0; r <= m->nroutes; r++) {
		for (unsigned k = 0; k < ncodes; k++) {
			struct metrics_label ls[2];
			char code[12];
			uint64_t v = sums[r].codes[order[k]];

			if (v == 0)
				continue;
			if (codes[k] == 0)
				snprintf(code, sizeof(code), "other");
			else
				snprintf(code, sizeof(code), "%d", codes[k]);
			ls[0].name = "route";
			ls[0].value = metrics_route_name(m, r);
			ls[1].name = "code";
			ls[1].value = code;
			metrics_text_u64(t, "lienlog_http_requests_total", ls, 2,
			    v);
		}
	}
	metrics_text_family(t, "lienlog_http_request_duration_seconds",
	    "histogram", "Time from the start of request handling to the "
	    "reply being handed to the socket, by route.");
	for (size_t r = 0; r <= m->nroutes; r++) {
		struct metrics_label l = { "route", metrics_route_name(m, r) };

		if (sums[r].total == 0)
			continue;
		metrics_text_histogram(t,
		    "lienlog_http_request_duration_seconds", &l, 1, &dur_def,
		    sums[r].buckets, sums[r].sum_ns);
	}
	for (unsigned s = 0; s < METRICS_SHARDS; s++)
		inflight += atomic_load_explicit(&m->shards[s].inflight,
		    memory_order_relaxed);
	metrics_text_family(t, "lienlog_http_inflight", "gauge",
	    "Requests being handled right now (this scrape included).");
	metrics_text_u64(t, "lienlog_http_inflight", NULL, 0,
	    inflight > 0 ? (uint64_t)inflight : 0);
	free(sums);
}

/* Bucket bounds of the ledger's own histograms (ledger.h): batch sizes
 * 1, 2, ..., 2048 (4096 and above fall in +Inf), commit times 64 us * 2^k. */
static const char *const batch_le[LEDGER_HIST_BATCH - 1] = {
	"1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024",
	"2048",
};
static const char *const commit_le[LEDGER_HIST_COMMIT - 1] = {
	"0.000064", "0.000128", "0.000256", "0.000512", "0.001024",
	"0.002048", "0.004096", "0.008192", "0.016384", "0.032768",
	"0.065536", "0.131072", "0.262144", "0.524288", "1.048576",
};
static const struct metrics_hist_def commit_def = {
	commit_le, NULL, LEDGER_HIST_COMMIT - 1
};

/* A histogram whose sum is a plain count (not nanoseconds). */
static void
metrics_text_histogram_count(struct metrics_text *t, const char *name,
    const char *const *le, size_t n, const uint64_t *counts, uint64_t sum)
{
	struct metrics_label lb = { "le", NULL };
	char series[96];
	uint64_t cum = 0;

	snprintf(series, sizeof(series), "%s_bucket", name);
	for (size_t i = 0; i < n; i++) {
		cum += counts[i];
		lb.value = le[i];
		metrics_text_u64(t, series, &lb, 1, cum);
	}
	cum += counts[n];
	lb.value = "+Inf";
	metrics_text_u64(t, series, &lb, 1, cum);
	snprintf(series, sizeof(series), "%s_sum", name);
	metrics_text_u64(t, series, NULL, 0, sum);
	snprintf(series, sizeof(series), "%s_count", name);
	metrics_text_u64(t, series, NULL, 0, cum);
}

static void
metrics_render_ledger(struct ledger *l, struct metrics_text *t)
{
	struct ledger_stats st;

	memset(&st, 0, sizeof(st));
	if (l != NULL)
		ledger_stats_get(l, &st);
	metrics_text_family(t, "lienlog_log_tree_size", "gauge",
	    "Entries in the log (latest committed tree size).");
	metrics_text_u64(t, "lienlog_log_tree_size", NULL, 0,
	    l != NULL ? ledger_size(l) : 0);
	metrics_text_family(t, "lienlog_log_batches_total", "counter",
	    "Sequencer batches (LMDB write transactions) committed by this "
	    "process.");
	metrics_text_u64(t, "lienlog_log_batches_total", NULL, 0, st.batches);
	metrics_text_family(t, "lienlog_log_entries_total", "counter",
	    "Entries appended by this process.");
	metrics_text_u64(t, "lienlog_log_entries_total", NULL, 0, st.entries);
	metrics_text_family(t, "lienlog_log_fsync_seconds_total", "counter",
	    "Time spent in durable commits (mdb_txn_commit).");
	metrics_text_nano(t, "lienlog_log_fsync_seconds_total", NULL, 0,
	    st.fsync_ns_total);
	metrics_text_family(t, "lienlog_log_last_batch_size", "gauge",
	    "Entries in the most recent batch.");
	metrics_text_u64(t, "lienlog_log_last_batch_size", NULL, 0,
	    st.last_batch_size);
	metrics_text_family(t, "lienlog_log_batch_size_mean", "gauge",
	    "Mean entries per batch since start (entries / batches; 0 "
	    "before the first batch).");
	metrics_text_ratio(t, "lienlog_log_batch_size_mean", NULL, 0,
	    st.entries, st.batches);
	metrics_text_family(t, "lienlog_log_batch_size", "histogram",
	    "Entries per sequencer batch (one LMDB transaction each).");
	metrics_text_histogram_count(t, "lienlog_log_batch_size", batch_le,
	    LEDGER_HIST_BATCH - 1, st.batch_size_hist, st.entries);
	metrics_text_family(t, "lienlog_log_commit_seconds", "histogram",
	    "Durable commit (fsync) time per batch.");
	metrics_text_histogram(t, "lienlog_log_commit_seconds", NULL, 0,
	    &commit_def, st.commit_hist, st.fsync_ns_total);
}

static void
metrics_render_accesslog(const struct accesslog *a, struct metrics_text *t)
{
	struct accesslog_stats st;

	memset(&st, 0, sizeof(st));
	if (a != NULL)
		accesslog_stats_get(a, &st);
	metrics_text_family(t, "lienlog_accesslog_enabled", "gauge",
	    "1 if the structured access log is configured (--access-log).");
	metrics_text_u64(t, "lienlog_accesslog_enabled", NULL, 0,
	    a != NULL ? 1 : 0);
	metrics_text_family(t, "lienlog_accesslog_lines_total", "counter",
	    "Access log lines written.");
	metrics_text_u64(t, "lienlog_accesslog_lines_total", NULL, 0,
	    st.written);
	metrics_text_family(t, "lienlog_accesslog_dropped_total", "counter",
	    "Access log records dropped because the queue was full.");
	metrics_text_u64(t, "lienlog_accesslog_dropped_total", NULL, 0,
	    st.dropped);
	metrics_text_family(t, "lienlog_accesslog_errors_total", "counter",
	    "Failed access log writes and reopens.");
	metrics_text_u64(t, "lienlog_accesslog_errors_total", NULL, 0,
	    st.errors);
}

/* Open file descriptors: entries of /proc/self/fd minus the directory's
 * own descriptor. */
static uint64_t
metrics_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

static void
metrics_render_process(const struct metrics *m, struct metrics_text *t)
{
	char buf[256];
	unsigned long long vsz = 0, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	struct rusage ru;
	struct rlimit rl;
	uint64_t cpu_ns = 0;

	if (metrics_proc_read("/proc/self/statm", buf, sizeof(buf)) != LIEN_OK ||
	    sscanf(buf, "%llu %llu", &vsz, &rss) != 2 || page <= 0) {
		vsz = 0;
		rss = 0;
		page = 0;
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu_ns = ((uint64_t)ru.ru_utime.tv_sec +
		    (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
		    ((uint64_t)ru.ru_utime.tv_usec +
		    (uint64_t)ru.ru_stime.tv_usec) * 1000u;
	metrics_text_family(t, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes (/proc/self/statm).");
	metrics_text_u64(t, "process_resident_memory_bytes", NULL, 0,
	    (uint64_t)rss * (uint64_t)page);
	metrics_text_family(t, "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes (includes the LMDB map).");
	metrics_text_u64(t, "process_virtual_memory_bytes", NULL, 0,
	    (uint64_t)vsz * (uint64_t)page);
	metrics_text_family(t, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch in seconds.");
	metrics_text_nano(t, "process_start_time_seconds", NULL, 0,
	    m->start_time_ns);
	metrics_text_family(t, "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.");
	metrics_text_nano(t, "process_cpu_seconds_total", NULL, 0, cpu_ns);
	metrics_text_family(t, "process_open_fds", "gauge",
	    "Number of open file descriptors.");
	metrics_text_u64(t, "process_open_fds", NULL, 0, metrics_open_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		metrics_text_family(t, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.");
		metrics_text_u64(t, "process_max_fds", NULL, 0,
		    (uint64_t)rl.rlim_cur);
	}
}

void
metrics_render(struct metrics *m, struct ledger *l,
    const struct accesslog *a, struct metrics_text *t)
{
	metrics_render_http(m, t);
	metrics_render_ledger(l, t);
	metrics_render_accesslog(a, t);
	metrics_render_process(m, t);
}
