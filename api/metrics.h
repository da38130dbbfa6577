/*
 * Internal to api/: the request counters behind GET /metrics, rendered
 * with the Prometheus text writer (httpd/metrics_text.h;
 * docs/observability.md lists every family).
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
#include "httpd/metrics_text.h"

struct ledger;
struct accesslog;

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
