/*
 * Internal to api/: the request counters behind GET /metrics and the
 * Prometheus text exposition format 0.0.4 writer that renders them
 * (docs/observability.md lists every family).
 *
 * Two halves:
 *
 *  - The writer (metrics_text_*): pure formatting into a bounded, growable
 *    buffer -- HELP/TYPE lines, samples with escaped label values,
 *    histograms with cumulative buckets. Unit-tested on its own.
 *
 *  - The store (struct metrics): per route (from the server's route
 *    tables, plus one slot for requests that matched no route) and per
 *    HTTP status code, request counts and a latency histogram, plus the
 *    in-flight gauge. Hot-path updates are relaxed atomic adds into one of
 *    METRICS_SHARDS shards picked per thread, so worker threads on
 *    different cores rarely touch the same cache line and never take a
 *    lock. A scrape sums the shards; it may see a request counted in one
 *    family and not yet in another, which Prometheus tolerates (every
 *    series stays monotonic).
 */
#ifndef LIEN_API_METRICS_H
#define LIEN_API_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "common/status.h"

struct ledger;
struct accesslog;

/* ---- Exposition writer ------------------------------------------------- */

/* The rendered page never exceeds this: a scrape of 64 routes with a
 * dozen status codes each is about 150 KiB. The size is ours, never a
 * client's. */
#define METRICS_TEXT_MAX (1024u * 1024u)

struct metrics_text {
	char *buf;	/* malloc'd; NUL-terminated while !err */
	size_t len;
	size_t cap;
	int err;	/* sticky: allocation failed or METRICS_TEXT_MAX hit */
};

struct metrics_label {
	const char *name;	/* a trusted identifier ([a-zA-Z_][a-zA-Z0-9_]*) */
	const char *value;	/* any bytes up to NUL; escaped on output */
};

/* A histogram's upper bounds: le[i] is the label text of bucket i ("0.25"),
 * bound[i] the same bound in the unit of the observations (strictly
 * increasing). The +Inf bucket is implicit. */
struct metrics_hist_def {
	const char *const *le;
	const uint64_t *bound;
	size_t n;
};

void metrics_text_init(struct metrics_text *t);
void metrics_text_free(struct metrics_text *t);

/* Append s verbatim (trusted constant text). */
void metrics_text_raw(struct metrics_text *t, const char *s);

/* "# HELP name help\n# TYPE name type\n"; help is escaped per the format
 * ('\\' and newline). type: "counter", "gauge", "histogram". */
void metrics_text_family(struct metrics_text *t, const char *name,
    const char *type, const char *help);

/* name{l1="v1",...} v\n with label values escaped ('\\', '"', newline).
 * nlabels 0: no braces. */
void metrics_text_u64(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t v);

/* The same with a value given as v / 10^9 (nanoseconds as seconds),
 * printed exactly in fixed point ("1.000250000"). */
void metrics_text_nano(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t v);

/* The same with a value printed as a decimal with up to 3 fractional
 * digits of num/den (den > 0), for ratios such as a mean batch size. */
void metrics_text_ratio(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels, uint64_t num,
    uint64_t den);

/* A histogram family's series for one label set: name_bucket{...,le=".."}
 * with cumulative counts from the non-cumulative counts[0..def->n] (the
 * last one is the overflow above the largest bound), then
 * le="+Inf" = name_count = the sum of all counts, and name_sum printed as
 * sum_nano / 10^9. nlabels <= 3. */
void metrics_text_histogram(struct metrics_text *t, const char *name,
    const struct metrics_label *labels, size_t nlabels,
    const struct metrics_hist_def *def, const uint64_t *counts,
    uint64_t sum_nano);

/* LIEN_OK with the text and its length (borrowed from t), or LIEN_ENOMEM
 * / LIEN_ETOOBIG after a failed append. */
enum lien_status metrics_text_finish(const struct metrics_text *t,
    const char **out, size_t *out_len) LIEN_MUST_CHECK;

/* ---- The store --------------------------------------------------------- */

/* Shards of the hot-path counters (a power of two). Threads are assigned
 * round-robin on their first request. */
#define METRICS_SHARDS 8u
/* Distinct HTTP status codes counted exactly; any further code is
 * counted under the label code="other". */
#define METRICS_CODES_MAX 31u
/* Routes a store can count (plus the "none" slot). */
#define METRICS_ROUTES_MAX 64u

/* lienlog_http_request_duration_seconds buckets: 0.5 ms .. 5 s. */
#define METRICS_DURATION_BUCKETS 13u

struct metrics;

/* A store for nroutes routes named names[0..nroutes) (borrowed: the
 * strings must outlive the store; route names from the route tables are
 * static). Slot nroutes is "none": requests that matched no route or were
 * refused before routing. Also notes the process start time. LIEN_EINVAL
 * for nroutes > METRICS_ROUTES_MAX, LIEN_ENOMEM. *out: metrics_free. */
enum lien_status metrics_create(const char *const *names, size_t nroutes,
    struct metrics **out) LIEN_MUST_CHECK;
void metrics_free(struct metrics *m);

/* The shard of the calling thread (cheap after the first call). */
unsigned metrics_shard(struct metrics *m);

/* A request starts / ends on the calling thread: in-flight gauge, then
 * on end the count for (route slot, status) and the duration. A route
 * slot > nroutes counts as "none"; status outside 100..599 as 500. */
void metrics_request_begin(struct metrics *m, unsigned shard);
void metrics_request_end(struct metrics *m, unsigned shard, size_t route,
    int status, uint64_t duration_ns);

/* Render every family (docs/observability.md) into t: the HTTP counters
 * of m, the ledger's statistics and tree size (l may be NULL), the access
 * log's counters (a may be NULL: no access log configured) and the
 * process metrics. Failures are sticky in t. */
void metrics_render(struct metrics *m, struct ledger *l,
    const struct accesslog *a, struct metrics_text *t);

#endif
