/*
 * Unit tests for api/metrics.c (the Prometheus text exposition writer and
 * the sharded request counters) and api/accesslog.c (the JSON line
 * format, hostile bytes, the queue to a real file, rotation). The served
 * /metrics page and the access log of a running lienlogd are covered by
 * tests/integration/test_metrics.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "api/accesslog.h"
#include "api/metrics.h"
#include "common/hex.h"
#include "common/lien_limits.h"
#include "registry/registry.h"
#include "tests/unit/test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static const char *
render(struct metrics_text *t)
{
	const char *out;
	size_t len;

	assert_int_equal(metrics_text_finish(t, &out, &len), LIEN_OK);
	assert_int_equal(strlen(out), len);
	return out;
}

/* Value of the sample line that starts with exactly `series ` in text;
 * fails the test if absent. */
static uint64_t
sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
		p += n;
	}
	fail_msg("no sample %s", series);
	return 0;
}

static int
has_line_prefix(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;

	while ((p = strstr(p, prefix)) != NULL) {
		if (p == text || p[-1] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* ---- exposition writer -------------------------------------------------- */

static void
test_metrics_text_family_escapes_help(void **state)
{
	struct metrics_text t;

	(void)state;
	metrics_text_init(&t);
	metrics_text_family(&t, "x_total", "counter",
	    "a \\ backslash\nand \"quotes\"");
	assert_string_equal(render(&t),
	    "# HELP x_total a \\\\ backslash\\nand \"quotes\"\n"
	    "# TYPE x_total counter\n");
	metrics_text_free(&t);
}

static void
test_metrics_text_u64_escapes_labels(void **state)
{
	struct metrics_text t;
	struct metrics_label ls[2] = {
		{ "route", "a\"b\\c\nd" }, { "code", "200" },
	};

	(void)state;
	metrics_text_init(&t);
	metrics_text_u64(&t, "x_total", ls, 2, 18446744073709551615u);
	metrics_text_u64(&t, "y", NULL, 0, 0);
	assert_string_equal(render(&t),
	    "x_total{route=\"a\\\"b\\\\c\\nd\",code=\"200\"} "
	    "18446744073709551615\ny 0\n");
	metrics_text_free(&t);
}

static void
test_metrics_text_nano_fixed_point(void **state)
{
	struct metrics_text t;

	(void)state;
	metrics_text_init(&t);
	metrics_text_nano(&t, "a", NULL, 0, 1000250000u);
	metrics_text_nano(&t, "b", NULL, 0, 0);
	metrics_text_nano(&t, "c", NULL, 0, 999999999u);
	metrics_text_nano(&t, "d", NULL, 0, UINT64_MAX);
	assert_string_equal(render(&t), "a 1.000250000\nb 0.000000000\n"
	    "c 0.999999999\nd 18446744073.709551615\n");
	metrics_text_free(&t);
}

static void
test_metrics_text_ratio_three_digits(void **state)
{
	struct metrics_text t;

	(void)state;
	metrics_text_init(&t);
	metrics_text_ratio(&t, "a", NULL, 0, 10, 4);
	metrics_text_ratio(&t, "b", NULL, 0, 0, 0);
	metrics_text_ratio(&t, "c", NULL, 0, 1, 3);
	metrics_text_ratio(&t, "d", NULL, 0, 1000, 1);
	assert_string_equal(render(&t), "a 2.500\nb 0.000\nc 0.333\n"
	    "d 1000.000\n");
	metrics_text_free(&t);
}

static void
test_metrics_text_histogram_cumulative(void **state)
{
	static const char *const le[3] = { "0.1", "1", "10" };
	static const uint64_t bound[3] = { 1, 10, 100 };
	const struct metrics_hist_def def = { le, bound, 3 };
	const uint64_t counts[4] = { 1, 0, 2, 5 };
	struct metrics_label l = { "route", "r" };
	struct metrics_text t;

	(void)state;
	metrics_text_init(&t);
	metrics_text_histogram(&t, "h_seconds", &l, 1, &def, counts,
	    1500000000u);
	metrics_text_histogram(&t, "g", NULL, 0, &def, counts, 0);
	assert_string_equal(render(&t),
	    "h_seconds_bucket{route=\"r\",le=\"0.1\"} 1\n"
	    "h_seconds_bucket{route=\"r\",le=\"1\"} 1\n"
	    "h_seconds_bucket{route=\"r\",le=\"10\"} 3\n"
	    "h_seconds_bucket{route=\"r\",le=\"+Inf\"} 8\n"
	    "h_seconds_sum{route=\"r\"} 1.500000000\n"
	    "h_seconds_count{route=\"r\"} 8\n"
	    "g_bucket{le=\"0.1\"} 1\n"
	    "g_bucket{le=\"1\"} 1\n"
	    "g_bucket{le=\"10\"} 3\n"
	    "g_bucket{le=\"+Inf\"} 8\n"
	    "g_sum 0.000000000\n"
	    "g_count 8\n");
	metrics_text_free(&t);
}

static void
test_metrics_text_histogram_too_many_labels(void **state)
{
	static const char *const le[1] = { "1" };
	static const uint64_t bound[1] = { 1 };
	const struct metrics_hist_def def = { le, bound, 1 };
	const uint64_t counts[2] = { 0, 0 };
	struct metrics_label ls[4] = { { "a", "1" }, { "b", "2" }, { "c", "3" },
		{ "d", "4" } };
	struct metrics_text t;
	const char *out;
	size_t len;

	(void)state;
	metrics_text_init(&t);
	metrics_text_histogram(&t, "h", ls, 4, &def, counts, 0);
	assert_int_not_equal(metrics_text_finish(&t, &out, &len), LIEN_OK);
	assert_null(out);
	metrics_text_free(&t);
}

static void
test_metrics_text_finish_oversize(void **state)
{
	struct metrics_text t;
	char *chunk = malloc(65537);
	const char *out;
	size_t len;

	(void)state;
	assert_non_null(chunk);
	memset(chunk, 'x', 65536);
	chunk[65536] = '\0';
	metrics_text_init(&t);
	for (unsigned i = 0; i < METRICS_TEXT_MAX / 65536u; i++)
		metrics_text_raw(&t, chunk);
	assert_int_equal(metrics_text_finish(&t, &out, &len), LIEN_OK);
	assert_int_equal(len, METRICS_TEXT_MAX);
	metrics_text_raw(&t, "y");	/* one byte over */
	assert_int_equal(metrics_text_finish(&t, &out, &len), LIEN_ETOOBIG);
	metrics_text_raw(&t, "");	/* sticky */
	assert_int_equal(metrics_text_finish(&t, &out, &len), LIEN_ETOOBIG);
	metrics_text_free(&t);
	free(chunk);
}

static void
test_metrics_text_finish_empty(void **state)
{
	struct metrics_text t;

	(void)state;
	metrics_text_init(&t);
	assert_string_equal(render(&t), "");
	metrics_text_free(&t);
	metrics_text_free(NULL);
}

/* ---- the store ---------------------------------------------------------- */

static const char *const route_names[] = { "alpha", "beta\"q" };

static void
test_metrics_create_limits(void **state)
{
	struct metrics *m;

	(void)state;
	assert_int_equal(metrics_create(route_names, METRICS_ROUTES_MAX + 1,
	    &m), LIEN_EINVAL);
	assert_null(m);
	assert_int_equal(metrics_create(NULL, 1, &m), LIEN_EINVAL);
	assert_int_equal(metrics_create(NULL, 0, &m), LIEN_OK);
	metrics_free(m);
	metrics_free(NULL);
}

#define HAMMER_THREADS 4
#define HAMMER_N 2000

struct hammer {
	struct metrics *m;
	unsigned id;
};

/* Each thread: HAMMER_N requests on route alpha (200, durations cycling
 * over 0 .. 10 s), HAMMER_N on beta (404, 1 ms), and HAMMER_N unrouted
 * (slot 7 > nroutes: "none"; status 0 counts as 500). */
static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	unsigned shard = metrics_shard(h->m);

	for (unsigned i = 0; i < HAMMER_N; i++) {
		metrics_request_begin(h->m, shard);
		metrics_request_end(h->m, shard, 0, 200,
		    (uint64_t)(i % 10) * 1000000000u / 9u * (i % 3));
		metrics_request_begin(h->m, shard);
		metrics_request_end(h->m, shard, 1, 404, 1000000u);
		metrics_request_begin(h->m, shard);
		metrics_request_end(h->m, shard, 7, 0, 5000000001u);
	}
	return NULL;
}

/* The duration histogram of route r in text: cumulative buckets never
 * decrease, +Inf equals _count, and the count is returned. */
static uint64_t
check_histogram(const char *text, const char *route)
{
	static const char *const le[] = { "0.0005", "0.001", "0.0025", "0.005",
		"0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
		"+Inf" };
	char series[160];
	uint64_t prev = 0, v = 0, count;

	for (size_t i = 0; i < sizeof(le) / sizeof(le[0]); i++) {
		snprintf(series, sizeof(series),
		    "lienlog_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"%s\"}", route, le[i]);
		v = sample(text, series);
		assert_true(v >= prev);
		prev = v;
	}
	snprintf(series, sizeof(series),
	    "lienlog_http_request_duration_seconds_count{route=\"%s\"}", route);
	count = sample(text, series);
	assert_true(count == v);
	return count;
}

static void
test_metrics_request_end_threads(void **state)
{
	struct metrics *m;
	struct hammer h[HAMMER_THREADS];
	pthread_t th[HAMMER_THREADS];
	struct metrics_text t;
	const char *text;
	const uint64_t n = (uint64_t)HAMMER_THREADS * HAMMER_N;

	(void)state;
	assert_int_equal(metrics_create(route_names, 2, &m), LIEN_OK);
	for (unsigned i = 0; i < HAMMER_THREADS; i++) {
		h[i].m = m;
		h[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, hammer_main, &h[i]),
		    0);
	}
	for (unsigned i = 0; i < HAMMER_THREADS; i++)
		pthread_join(th[i], NULL);
	metrics_text_init(&t);
	metrics_render(m, NULL, NULL, &t);
	text = render(&t);
	assert_true(sample(text, "lienlog_http_requests_total{route=\"alpha\","
	    "code=\"200\"}") == n);
	/* The route name is escaped in labels. */
	assert_true(sample(text, "lienlog_http_requests_total{route=\"beta\\\"q\","
	    "code=\"404\"}") == n);
	assert_true(sample(text, "lienlog_http_requests_total{route=\"none\","
	    "code=\"500\"}") == n);
	assert_false(has_line_prefix(text,
	    "lienlog_http_requests_total{route=\"alpha\",code=\"404\"}"));
	assert_true(check_histogram(text, "alpha") == n);
	assert_true(check_histogram(text, "beta\\\"q") == n);
	assert_true(check_histogram(text, "none") == n);
	/* 1 ms lands in le="0.001" (le is inclusive); 5 s + 1 ns only in +Inf. */
	assert_true(sample(text, "lienlog_http_request_duration_seconds_bucket"
	    "{route=\"beta\\\"q\",le=\"0.0005\"}") == 0);
	assert_true(sample(text, "lienlog_http_request_duration_seconds_bucket"
	    "{route=\"beta\\\"q\",le=\"0.001\"}") == n);
	assert_true(sample(text, "lienlog_http_request_duration_seconds_bucket"
	    "{route=\"none\",le=\"5\"}") == 0);
	assert_non_null(strstr(text, "lienlog_http_request_duration_seconds_sum"
	    "{route=\"beta\\\"q\"} 8.000000000\n"));
	assert_true(sample(text, "lienlog_http_inflight") == 0);
	metrics_text_free(&t);
	metrics_free(m);
}

static void
test_metrics_request_end_code_table_full(void **state)
{
	struct metrics *m;
	struct metrics_text t;
	const char *text;
	unsigned shard;

	(void)state;
	assert_int_equal(metrics_create(route_names, 2, &m), LIEN_OK);
	shard = metrics_shard(m);
	/* 40 distinct codes: the first METRICS_CODES_MAX are exact. */
	for (int c = 200; c < 240; c++) {
		metrics_request_begin(m, shard);
		metrics_request_end(m, shard, 0, c, 0);
	}
	metrics_request_begin(m, shard);	/* left in flight */
	metrics_text_init(&t);
	metrics_render(m, NULL, NULL, &t);
	text = render(&t);
	assert_true(sample(text, "lienlog_http_requests_total{route=\"alpha\","
	    "code=\"200\"}") == 1);
	assert_true(sample(text, "lienlog_http_requests_total{route=\"alpha\","
	    "code=\"230\"}") == 1);
	assert_false(has_line_prefix(text,
	    "lienlog_http_requests_total{route=\"alpha\",code=\"231\"}"));
	assert_true(sample(text, "lienlog_http_requests_total{route=\"alpha\","
	    "code=\"other\"}") == 40 - METRICS_CODES_MAX);
	assert_true(sample(text, "lienlog_http_inflight") == 1);
	metrics_text_free(&t);
	metrics_free(m);
}

/* Every sample belongs to a family announced by HELP and TYPE lines
 * before it; histogram samples use the _bucket/_sum/_count suffixes. */
static void
test_metrics_render_help_and_type(void **state)
{
	struct metrics *m;
	struct metrics_text t;
	const char *text, *p;
	char family[128] = "", type[16] = "";
	unsigned shard;

	(void)state;
	assert_int_equal(metrics_create(route_names, 2, &m), LIEN_OK);
	shard = metrics_shard(m);
	metrics_request_begin(m, shard);
	metrics_request_end(m, shard, 1, 201, 12345);
	metrics_text_init(&t);
	metrics_render(m, NULL, NULL, &t);
	text = render(&t);
	assert_true(sample(text, "process_resident_memory_bytes") > 0);
	assert_true(sample(text, "process_start_time_seconds") > 1500000000u);
	assert_true(sample(text, "lienlog_accesslog_enabled") == 0);
	assert_true(sample(text, "lienlog_log_tree_size") == 0);
	for (p = text; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		char name[128];
		size_t n = 0;

		assert_non_null(nl);
		if (strncmp(p, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(p + 7, "%127s", family), 1);
			type[0] = '\0';
		} else if (strncmp(p, "# TYPE ", 7) == 0) {
			char f2[128];

			assert_int_equal(sscanf(p + 7, "%127s %15s", f2, type), 2);
			assert_string_equal(f2, family);
		} else {
			while (p[n] != '{' && p[n] != ' ' && n < sizeof(name) - 1) {
				name[n] = p[n];
				n++;
			}
			name[n] = '\0';
			assert_true(type[0] != '\0');
			if (strcmp(type, "histogram") == 0) {
				size_t fl = strlen(family);

				assert_memory_equal(name, family, fl);
				assert_true(strcmp(name + fl, "_bucket") == 0 ||
				    strcmp(name + fl, "_sum") == 0 ||
				    strcmp(name + fl, "_count") == 0);
			} else {
				assert_string_equal(name, family);
			}
		}
		p = nl + 1;
	}
	metrics_text_free(&t);
	metrics_free(m);
}

/* ---- access log lines ---------------------------------------------------- */

static void
rec_basic(struct accesslog_rec *r, const char *path, size_t path_len)
{
	memset(r, 0, sizeof(*r));
	r->time_ms = 1767323045678u;	/* 2026-01-02T03:04:05.678Z */
	r->duration_ns = 1234567u;
	r->bytes_out = 321;
	r->status = 200;
	r->route = "healthz";
	accesslog_rec_set(r, "GET", 3, path, path_len, NULL, 0, NULL, 0,
	    "127.0.0.1");
}

/* Parse a line strictly (jansson rejects invalid UTF-8 and duplicate
 * keys); the caller decrefs. */
static json_t *
parse_line(const char *line, size_t len)
{
	json_error_t err;
	json_t *j;

	assert_true(len > 0 && line[len - 1] == '\n');
	assert_null(memchr(line, '\n', len - 1));
	for (size_t i = 0; i < len - 1; i++)
		assert_true((unsigned char)line[i] >= 0x20 &&
		    (unsigned char)line[i] != 0x7f);
	j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &err);
	if (j == NULL)
		fail_msg("not JSON: %s: %.*s", err.text, (int)len, line);
	return j;
}

static void
test_accesslog_format_fields(void **state)
{
	struct accesslog_rec r;
	char line[ACCESSLOG_LINE_MAX];
	size_t n;

	(void)state;
	rec_basic(&r, "/healthz", 8);
	n = accesslog_format(&r, line, sizeof(line));
	assert_true(n > 0);
	line[n] = '\0';
	assert_string_equal(line,
	    "{\"time\":\"2026-01-02T03:04:05.678Z\",\"route\":\"healthz\","
	    "\"method\":\"GET\",\"path\":\"/healthz\",\"status\":200,"
	    "\"outcome\":\"ok\",\"error_code\":null,\"party\":null,"
	    "\"role\":null,\"entry_index\":null,\"duration_ms\":1.234,"
	    "\"bytes_out\":321,\"remote\":\"127.0.0.1\"}\n");
	/* A refusal by an authenticated party; an appended entry. */
	r.status = 404;
	r.error_code = "not_found";
	r.route = NULL;
	accesslog_rec_set(&r, "POST", 4, "/v1/x", 5, "bank-1", 6,
	    "institution", 11, "10.0.0.1");
	r.has_entry = 1;
	r.entry_index = 0;
	n = accesslog_format(&r, line, sizeof(line));
	assert_true(n > 0);
	line[n] = '\0';
	assert_non_null(strstr(line, "\"route\":\"none\",\"method\":\"POST\""));
	assert_non_null(strstr(line, "\"outcome\":\"refused\",\"error_code\":"
	    "\"not_found\",\"party\":\"bank-1\",\"role\":\"institution\","
	    "\"entry_index\":0,"));
	r.status = 503;
	r.error_code = "unavailable";
	n = accesslog_format(&r, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"outcome\":\"error\",\"error_code\":"
	    "\"unavailable\""));
	/* An error code on a success is not logged. */
	r.status = 201;
	n = accesslog_format(&r, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"outcome\":\"ok\",\"error_code\":null"));
	/* An empty party is not a missing one. */
	accesslog_rec_set(&r, "GET", 3, "/", 1, "", 0, NULL, 0, NULL);
	n = accesslog_format(&r, line, sizeof(line));
	line[n] = '\0';
	assert_non_null(strstr(line, "\"party\":\"\",\"role\":null"));
	assert_non_null(strstr(line, "\"remote\":\"\"}"));
}

static void
test_accesslog_format_hostile_path(void **state)
{
	/* quote, backslash, LF, CR, NUL, DEL, C1 NEL (c2 85), a lone 0xff,
	 * an overlong '/' (c0 af), a surrogate (ed a0 80), a valid 浙
	 * (e6 b5 99), a 4-byte emoji (f0 9f 98 80), above U+10FFFF
	 * (f4 90 80 80), and a truncated sequence at the end (e6 b5). */
	static const char path[] =
	    "/a\"b\\c\nd\re\0f\x7f" "g\xc2\x85h\xffi\xc0\xafj\xed\xa0\x80k"
	    "\xe6\xb5\x99l\xf0\x9f\x98\x80m\xf4\x90\x80\x80n\xe6\xb5";
	static const char want[] =
	    "\"path\":\"/a\\\"b\\\\c\\u000ad\\u000de\\u0000f\\u007f"
	    "g\\u0085h\xef\xbf\xbdi\xef\xbf\xbd\xef\xbf\xbdj"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdk"
	    "\xe6\xb5\x99l\xf0\x9f\x98\x80m"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdn"
	    "\xef\xbf\xbd\xef\xbf\xbd\"";
	struct accesslog_rec r;
	char line[ACCESSLOG_LINE_MAX];
	json_t *j;
	size_t n;

	(void)state;
	rec_basic(&r, path, sizeof(path) - 1);
	n = accesslog_format(&r, line, sizeof(line));
	assert_true(n > 0);
	j = parse_line(line, n);
	line[n] = '\0';
	assert_non_null(strstr(line, want));
	/* The decoded string keeps the bytes that were valid. */
	assert_int_equal(json_string_length(json_object_get(j, "path")), 66);
	assert_memory_equal(json_string_value(json_object_get(j, "path")),
	    "/a\"b\\c\nd\re\0f\x7f", 13);
	json_decref(j);
}

/* The VIN of a vehicle path is never logged (docs/privacy.md "Logs and
 * metrics"): "v:" and 16 hex digits of its vehicle key, the same for
 * upper and lower case; anything else in that segment becomes "v:-";
 * other paths are untouched. */
static void
test_accesslog_vin_redacted(void **state)
{
	static const char vin[] = "LSVAU218XN2183294";
	uint8_t vk[REG_VEHICLE_KEY_LEN];
	char hex[2 * REG_VEHICLE_KEY_LEN + 1], want[128], path[128];
	static const char *const tails[] = { "", "/status-proof",
		"/restrictions" };
	struct accesslog_rec r;

	(void)state;
	assert_int_equal(registry_vehicle_key(vin, 17, vk), LIEN_OK);
	hex_encode(vk, sizeof vk, hex);
	for (size_t t = 0; t < 3; t++) {
		for (int lower = 0; lower < 2; lower++) {
			size_t n = (size_t)snprintf(path, sizeof path,
			    "/v1/vehicles/%s%s", vin, tails[t]);

			if (lower)
				for (size_t i = 13; i < 30; i++)
					if (path[i] >= 'A' && path[i] <= 'Z')
						path[i] = (char)(path[i] + 32);
			rec_basic(&r, path, n);
			(void)snprintf(want, sizeof want,
			    "/v1/vehicles/v:%.16s%s", hex, tails[t]);
			assert_int_equal(r.path_len, strlen(want));
			assert_memory_equal(r.path, want, r.path_len);
		}
	}
	/* not a VIN (bad check digit, percent-encoded): v:- */
	rec_basic(&r, "/v1/vehicles/LSVAU2180N2183294/status-proof", 43);
	assert_int_equal(r.path_len, 29);
	assert_memory_equal(r.path, "/v1/vehicles/v:-/status-proof", 29);
	rec_basic(&r, "/v1/vehicles/%4CSVAU218XN2183294", 32);
	assert_int_equal(r.path_len, 16);
	assert_memory_equal(r.path, "/v1/vehicles/v:-", 16);
	/* untouched: the collection, other routes */
	rec_basic(&r, "/v1/vehicles/", 13);
	assert_int_equal(r.path_len, 13);
	rec_basic(&r, "/v1/vehicles", 12);
	assert_int_equal(r.path_len, 12);
	rec_basic(&r, "/v1/evidence/12", 15);
	assert_memory_equal(r.path, "/v1/evidence/12", 15);
	assert_false(r.truncated);
}

/* Every single byte value as a path: always one valid JSON line. */
static void
test_accesslog_format_every_byte(void **state)
{
	struct accesslog_rec r;
	char line[ACCESSLOG_LINE_MAX];

	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		char p[3] = { '/', (char)b, 'x' };
		json_t *j;
		size_t n;

		rec_basic(&r, p, sizeof(p));
		accesslog_rec_set(&r, p, sizeof(p), p, sizeof(p), p, sizeof(p),
		    p, sizeof(p), "::1");
		n = accesslog_format(&r, line, sizeof(line));
		j = parse_line(line, n);
		assert_int_equal(json_object_size(j), 13);
		json_decref(j);
	}
}

static void
test_accesslog_rec_set_truncates(void **state)
{
	char *big = malloc(ACCESSLOG_PATH_MAX * 2);
	char *line = malloc(ACCESSLOG_LINE_MAX);
	struct accesslog_rec r;
	json_t *j;
	size_t n;

	(void)state;
	assert_non_null(big);
	assert_non_null(line);
	/* The worst case for escaping: every byte a \u00XX escape. */
	memset(big, '\x01', ACCESSLOG_PATH_MAX * 2);
	memset(&r, 0, sizeof(r));
	accesslog_rec_set(&r, big, ACCESSLOG_PATH_MAX * 2, big,
	    ACCESSLOG_PATH_MAX * 2, big, ACCESSLOG_PATH_MAX * 2, big,
	    ACCESSLOG_PATH_MAX * 2, "0123456789012345678901234567890123456789"
	    "01234567890123456789");
	assert_int_equal(r.path_len, ACCESSLOG_PATH_MAX);
	assert_int_equal(r.method_len, ACCESSLOG_METHOD_MAX);
	assert_int_equal(r.party_len, ACCESSLOG_PARTY_MAX);
	assert_int_equal(r.role_len, ACCESSLOG_ROLE_MAX);
	assert_int_equal(strlen(r.remote), sizeof(r.remote) - 1);
	assert_true(r.truncated);
	r.status = 999;
	r.duration_ns = UINT64_MAX;
	/* jansson stops at INT64_MAX; no real value comes near it. */
	r.bytes_out = INT64_MAX;
	r.has_entry = 1;
	r.entry_index = INT64_MAX;
	r.time_ms = 253402300799999u;	/* 9999-12-31T23:59:59.999Z */
	r.route = "a_route_name_of_some_length";
	r.error_code = "an_error_code_of_some_length";
	n = accesslog_format(&r, line, ACCESSLOG_LINE_MAX);
	assert_true(n > 0 && n <= ACCESSLOG_LINE_MAX);
	j = parse_line(line, n);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_string_equal(json_string_value(json_object_get(j, "time")),
	    "9999-12-31T23:59:59.999Z");
	json_decref(j);
	/* Too small a buffer: 0, never a partial line. */
	assert_int_equal(accesslog_format(&r, line, n - 1), 0);
	assert_int_equal(accesslog_format(&r, line, 0), 0);
	free(big);
	free(line);
}

/* ---- the queue, a real file, rotation ----------------------------------- */

static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL;

	assert_int_equal(file_read(path, TU_FILE_MAX, &buf, len), LIEN_OK);
	return buf;
}

/* Check every line of the file parses and carries path /n/<k> with k
 * increasing from *next; returns the number of lines. */
static size_t
check_file(const char *path, unsigned *next)
{
	size_t len, nlines = 0;
	char *buf = slurp(path, &len), *p = buf;

	while (p < buf + len) {
		char *nl = strchr(p, '\n');
		char want[32];
		json_t *j;

		assert_non_null(nl);
		j = parse_line(p, (size_t)(nl - p + 1));
		snprintf(want, sizeof(want), "/n/%u", *next);
		assert_string_equal(json_string_value(json_object_get(j, "path")),
		    want);
		json_decref(j);
		(*next)++;
		nlines++;
		p = nl + 1;
	}
	free(buf);
	return nlines;
}

static void
test_accesslog_open_submit_reopen(void **state)
{
	char dir[] = "/tmp/lienlog-accesslog-XXXXXX";
	char path[128], moved[128];
	struct accesslog *a;
	struct accesslog_rec r;
	struct accesslog_stats st;
	struct stat sb;
	unsigned next = 0;
	mode_t um = umask(022);

	(void)state;
	umask(um);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/access.log", dir);
	snprintf(moved, sizeof(moved), "%s/access.log.1", dir);
	assert_int_equal(accesslog_open(path, &a), LIEN_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640 & ~um);
	for (unsigned i = 0; i < 100; i++) {
		char p[32];
		int n = snprintf(p, sizeof(p), "/n/%u", i);

		rec_basic(&r, p, (size_t)n);
		assert_int_equal(accesslog_submit(a, &r), LIEN_OK);
	}
	/* logrotate: move the file, reopen, log more. */
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(accesslog_reopen(a), LIEN_OK);
	for (unsigned i = 100; i < 150; i++) {
		char p[32];
		int n = snprintf(p, sizeof(p), "/n/%u", i);

		rec_basic(&r, p, (size_t)n);
		assert_int_equal(accesslog_submit(a, &r), LIEN_OK);
	}
	accesslog_stats_get(a, &st);
	assert_true(st.dropped == 0 && st.errors == 0);
	accesslog_close(a);	/* drains */
	/* Lines before the reopen are in the moved file, the rest in the
	 * new one, in order and none lost. */
	assert_int_equal(check_file(moved, &next) + check_file(path, &next),
	    150);
	assert_int_equal(next, 150);
	/* A reopen that fails keeps the old file. */
	assert_int_equal(accesslog_open(path, &a), LIEN_OK);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(moved), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(accesslog_reopen(a), LIEN_EIO);
	accesslog_stats_get(a, &st);
	assert_true(st.errors == 1);
	accesslog_close(a);
	accesslog_close(NULL);
}

/* Far more records than the queue holds, as fast as possible: every
 * record is either written or counted as dropped, never both, never
 * lost. (Whether any are dropped depends on the scheduler.) */
static void
test_accesslog_submit_overload_accounting(void **state)
{
	char dir[] = "/tmp/lienlog-accesslog-XXXXXX";
	char path[128];
	struct accesslog *a;
	struct accesslog_rec r;
	struct accesslog_stats st;
	uint64_t queued = 0;
	const unsigned total = 4 * ACCESSLOG_QUEUE_MAX;
	size_t len, lines = 0;
	char *buf;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/access.log", dir);
	assert_int_equal(accesslog_open(path, &a), LIEN_OK);
	rec_basic(&r, "/x", 2);
	for (unsigned i = 0; i < total; i++)
		if (accesslog_submit(a, &r) == LIEN_OK)
			queued++;
	accesslog_stats_get(a, &st);
	assert_true(st.dropped == total - queued);
	accesslog_close(a);
	buf = slurp(path, &len);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_true(lines == queued);
	free(buf);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_accesslog_open_rejects(void **state)
{
	struct accesslog *a = (struct accesslog *)1;

	(void)state;
	assert_int_equal(accesslog_open("", &a), LIEN_EINVAL);
	assert_null(a);
	assert_int_equal(accesslog_open(NULL, &a), LIEN_EINVAL);
	assert_int_equal(accesslog_open("/nonexistent-dir-lienlog/x.log", &a),
	    LIEN_EIO);
	assert_null(a);
	/* "-" is standard error: opens, reopen is a no-op. */
	assert_int_equal(accesslog_open("-", &a), LIEN_OK);
	assert_int_equal(accesslog_reopen(a), LIEN_OK);
	accesslog_close(a);
	assert_true(fcntl(STDERR_FILENO, F_GETFD) >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_text_family_escapes_help),
		cmocka_unit_test(test_metrics_text_u64_escapes_labels),
		cmocka_unit_test(test_metrics_text_nano_fixed_point),
		cmocka_unit_test(test_metrics_text_ratio_three_digits),
		cmocka_unit_test(test_metrics_text_histogram_cumulative),
		cmocka_unit_test(test_metrics_text_histogram_too_many_labels),
		cmocka_unit_test(test_metrics_text_finish_oversize),
		cmocka_unit_test(test_metrics_text_finish_empty),
		cmocka_unit_test(test_metrics_create_limits),
		cmocka_unit_test(test_metrics_request_end_threads),
		cmocka_unit_test(test_metrics_request_end_code_table_full),
		cmocka_unit_test(test_metrics_render_help_and_type),
		cmocka_unit_test(test_accesslog_format_fields),
		cmocka_unit_test(test_accesslog_format_hostile_path),
		cmocka_unit_test(test_accesslog_format_every_byte),
		cmocka_unit_test(test_accesslog_vin_redacted),
		cmocka_unit_test(test_accesslog_rec_set_truncates),
		cmocka_unit_test(test_accesslog_open_submit_reopen),
		cmocka_unit_test(test_accesslog_submit_overload_accounting),
		cmocka_unit_test(test_accesslog_open_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
