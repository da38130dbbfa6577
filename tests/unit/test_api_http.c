/*
 * Unit tests for the pure parts of api/: the strict query-string and u64
 * parsers (httpd/http.c), the bounded JSON writer (httpd/json_out.c) and the
 * status tables (httpd/status_http.c). The HTTP side is covered end to end
 * by tests/integration/test_http_log.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "httpd/http.h"
#include "httpd/json_out.h"
#include "common/lien_limits.h"

#define ACCEPTED (-1)

/* api_query_parse of (s, len): ACCEPTED, or the API error it reports
 * (whose status must be LIEN_ETOOBIG for a query too long, else
 * LIEN_EPARSE). */
static int
qn(const char *s, size_t len, struct api_param *ps, size_t n)
{
	enum api_err e = API_ERR_COUNT_;
	enum lien_status st = api_query_parse(s, len, ps, n, &e);

	if (st == LIEN_OK) {
		assert_int_equal(e, API_ERR_COUNT_);	/* untouched */
		return ACCEPTED;
	}
	assert_int_equal(st, e == API_ERR_QUERY_TOO_LONG ? LIEN_ETOOBIG :
	    LIEN_EPARSE);
	return (int)e;
}

static int
q(const char *s, struct api_param *ps, size_t n)
{
	return qn(s, strlen(s), ps, n);
}

static void
test_api_u64_parse_canonical(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(api_u64_parse("0", 1, &v), LIEN_OK);
	assert_true(v == 0);
	assert_int_equal(api_u64_parse("1000", 4, &v), LIEN_OK);
	assert_true(v == 1000);
	assert_int_equal(api_u64_parse("18446744073709551615", 20, &v), LIEN_OK);
	assert_true(v == UINT64_MAX);
}

static void
test_api_u64_parse_rejects(void **state)
{
	static const char *const bad[] = { "", "00", "01", "+1", "-1", " 1",
		"1 ", "1a", "0x1", "1.0", "18446744073709551616",
		"99999999999999999999", "000000000000000000001", "%31", "1e3" };
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		assert_int_equal(api_u64_parse(bad[i], strlen(bad[i]), &v),
		    LIEN_EPARSE);
		assert_true(v == 0);	/* output zeroed on failure */
	}
	/* An embedded NUL is not a digit (length-delimited input). */
	assert_int_equal(api_u64_parse("1\0" "2", 3, &v), LIEN_EPARSE);
}

static void
test_api_query_parse_ok(void **state)
{
	struct api_param p[2] = { { .name = "index" }, { .name = "tree_size" } };

	(void)state;
	assert_int_equal(q("index=5&tree_size=1000", p, 2), ACCEPTED);
	assert_true(p[0].value == 5 && p[1].value == 1000);
	assert_true(p[0].seen && p[1].seen);
	/* Order does not matter. */
	assert_int_equal(q("tree_size=7&index=0", p, 2), ACCEPTED);
	assert_true(p[0].value == 0 && p[1].value == 7);
	/* No parameters expected, none given. */
	assert_int_equal(qn("", 0, NULL, 0), ACCEPTED);
}

static void
test_api_query_parse_errors(void **state)
{
	static const struct {
		const char *q;
		int want;
	} cases[] = {
		{ "", API_ERR_MISSING_PARAM },
		{ "index=1", API_ERR_MISSING_PARAM },
		{ "index=1&tree_size=2&index=1", API_ERR_DUPLICATE_PARAM },
		{ "index=1&index=1", API_ERR_DUPLICATE_PARAM },
		{ "index=1&tree_size=2&x=3", API_ERR_UNKNOWN_PARAM },
		{ "Index=1&tree_size=2", API_ERR_UNKNOWN_PARAM },
		{ "indexx=1&tree_size=2", API_ERR_UNKNOWN_PARAM },
		{ "inde=1&tree_size=2", API_ERR_UNKNOWN_PARAM },
		{ "index=01&tree_size=2", API_ERR_BAD_NUMBER },
		{ "index=&tree_size=2", API_ERR_BAD_NUMBER },
		{ "index=1=2&tree_size=2", API_ERR_BAD_NUMBER },
		{ "index=+1&tree_size=2", API_ERR_BAD_NUMBER },
		{ "index=1&&tree_size=2", API_ERR_BAD_QUERY },
		{ "&index=1&tree_size=2", API_ERR_BAD_QUERY },
		{ "index=1&tree_size=2&", API_ERR_BAD_QUERY },
		{ "index&tree_size=2", API_ERR_BAD_QUERY },
		{ "=1&tree_size=2", API_ERR_BAD_QUERY },
		{ "&", API_ERR_BAD_QUERY },
		{ "=", API_ERR_BAD_QUERY },
	};
	struct api_param p[2] = { { .name = "index" }, { .name = "tree_size" } };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = q(cases[i].q, p, 2);

		if (got != cases[i].want)
			fail_msg("query '%s': got %d want %d", cases[i].q, got,
			    cases[i].want);
	}
	/* A route without parameters refuses any query. */
	assert_int_equal(q("x=1", NULL, 0), API_ERR_UNKNOWN_PARAM);
	assert_int_equal(q("x", NULL, 0), API_ERR_BAD_QUERY);
}

static void
test_api_query_parse_oversize(void **state)
{
	char buf[API_QUERY_MAX + 2];
	struct api_param p[1] = { { .name = "a" } };

	(void)state;
	memset(buf, '1', sizeof(buf));
	buf[0] = 'a';
	buf[1] = '=';
	/* Exactly the limit: parsed (the number itself is too long). */
	assert_int_equal(qn(buf, API_QUERY_MAX, p, 1), API_ERR_BAD_NUMBER);
	assert_int_equal(qn(buf, API_QUERY_MAX + 1, p, 1),
	    API_ERR_QUERY_TOO_LONG);
	/* Not NUL-terminated: the parser stays within the length given. */
	assert_int_equal(qn("a=12", 3, p, 1), ACCEPTED);
	assert_true(p[0].value == 1);
}

/* Text and optional parameters (the list routes of api/routes_reg.c):
 * present, absent, empty, repeated, unknown, oversize. */
static void
test_api_query_parse_text_optional(void **state)
{
	static const struct {
		const char *q;
		int want;
	} bad[] = {
		{ "after=x", API_ERR_MISSING_PARAM },
		{ "status=", API_ERR_BAD_QUERY },
		{ "status=a&status=a", API_ERR_DUPLICATE_PARAM },
		{ "status=a&limit=1&limit=1", API_ERR_DUPLICATE_PARAM },
		{ "status=a&after=", API_ERR_BAD_QUERY },
		{ "status=a&since=1", API_ERR_UNKNOWN_PARAM },
		{ "status=a&limit=x", API_ERR_BAD_NUMBER },
		{ "status=a&limit=", API_ERR_BAD_NUMBER },
		{ "status=a&", API_ERR_BAD_QUERY },
		{ "status", API_ERR_BAD_QUERY },
	};
	struct api_param p[3] = {
		{ .name = "status", .flags = API_PARAM_TEXT },
		{ .name = "after",
		  .flags = API_PARAM_TEXT | API_PARAM_OPTIONAL },
		{ .name = "limit", .flags = API_PARAM_OPTIONAL },
	};
	char big[API_QUERY_MAX + 1];

	(void)state;
	assert_int_equal(q("status=a%20b", p, 3), ACCEPTED);
	assert_int_equal(p[0].text_len, 5);	/* as sent: no decoding */
	assert_memory_equal(p[0].text, "a%20b", 5);
	assert_null(p[1].text);
	assert_false(p[1].seen || p[2].seen);
	assert_int_equal(q("limit=7&after=A1&status=s", p, 3), ACCEPTED);
	assert_true(p[2].seen && p[2].value == 7);
	assert_int_equal(p[1].text_len, 2);
	assert_memory_equal(p[1].text, "A1", 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int got = q(bad[i].q, p, 3);

		if (got != bad[i].want)
			fail_msg("query '%s': got %d want %d", bad[i].q, got,
			    bad[i].want);
	}
	/* All optional: the empty query is accepted, with nothing seen. */
	assert_int_equal(qn("", 0, p + 1, 2), ACCEPTED);
	assert_false(p[1].seen || p[2].seen);
	/* A text at the length limit is taken, one byte more refused. */
	memset(big, 'x', sizeof big);
	memcpy(big, "status=", 7);
	assert_int_equal(qn(big, API_QUERY_MAX, p, 3), ACCEPTED);
	assert_int_equal(p[0].text_len, API_QUERY_MAX - 7);
	assert_int_equal(qn(big, API_QUERY_MAX + 1, p, 3),
	    API_ERR_QUERY_TOO_LONG);
}

static void
test_json_out_shapes(void **state)
{
	static const uint8_t h[3] = { 0xfb, 0xff, 0x00 };
	char buf[128];
	struct json_out j;
	size_t len;

	(void)state;
	json_out_init(&j, buf, sizeof(buf));
	json_out_raw(&j, "{\"n\":");
	json_out_u64(&j, UINT64_MAX);
	json_out_raw(&j, ",\"z\":");
	json_out_u64(&j, 0);
	json_out_raw(&j, ",\"b\":");
	json_out_b64(&j, h, sizeof(h));
	json_out_raw(&j, ",\"s\":");
	json_out_str(&j, "a\"\\\n\x01", 5);
	json_out_raw(&j, "}");
	assert_int_equal(json_out_finish(&j, &len), LIEN_OK);
	assert_string_equal(buf, "{\"n\":18446744073709551615,\"z\":0,"
	    "\"b\":\"+/8A\",\"s\":\"a\\\"\\\\\\u000a\\u0001\"}");
	assert_int_equal(len, strlen(buf));
}

static void
test_json_out_overflow_sticky(void **state)
{
	char buf[16];
	struct json_out j;
	size_t len = 99;

	(void)state;
	/* "{"a":12}" is 8 bytes plus the NUL: it needs cap 9. At every
	 * smaller cap finish reports ETOOBIG and nothing past cap changed. */
	for (size_t cap = 0; cap <= 9; cap++) {
		memset(buf, 'Z', sizeof(buf));
		json_out_init(&j, buf, cap);
		json_out_raw(&j, "{\"a\":");
		json_out_u64(&j, 12);
		json_out_raw(&j, "}");
		assert_int_equal(json_out_finish(&j, &len),
		    cap == 9 ? LIEN_OK : LIEN_ETOOBIG);
		for (size_t k = cap; k < sizeof(buf); k++)
			assert_int_equal(buf[k], 'Z');
	}
	assert_string_equal(buf, "{\"a\":12}");
	json_out_init(&j, buf, 4);
	json_out_b64(&j, (const uint8_t *)"abc", 3);	/* needs 7 */
	assert_int_equal(json_out_finish(&j, &len), LIEN_ETOOBIG);
	assert_true(len == 0);
}

static void
test_api_status_http_table(void **state)
{
	(void)state;
	assert_int_equal(api_status_http(LIEN_OK), 200);
	assert_int_equal(api_status_http(LIEN_EPARSE), 400);
	assert_int_equal(api_status_http(LIEN_ENOTFOUND), 404);
	assert_int_equal(api_status_http(LIEN_ERANGE), 400);
	/* Unmapped: 500 (and unknown values too). */
	assert_int_equal(api_status_http(LIEN_EIO), 500);
	assert_int_equal(api_status_http(LIEN_ECORRUPT), 500);
	assert_int_equal(api_status_http(LIEN_ENOMEM), 500);
	assert_int_equal(api_status_http((enum lien_status)999), 500);
	assert_int_equal(api_status_http((enum lien_status)-1), 500);
	/* Every API error has a code string and a 4xx/5xx status. */
	for (int e = 0; e < API_ERR_COUNT_; e++) {
		assert_true(api_err_http((enum api_err)e) >= 400);
		assert_true(strcmp(api_err_code((enum api_err)e), "") != 0);
	}
	assert_string_equal(api_err_code(API_ERR_TREE_SIZE),
	    "tree_size_beyond_log");
	assert_int_equal(api_err_http(API_ERR_TOO_MANY_HEADERS), 431);
	assert_string_equal(api_err_code((enum api_err)12345), "internal");
	assert_int_equal(api_err_http((enum api_err)12345), 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_u64_parse_canonical),
		cmocka_unit_test(test_api_u64_parse_rejects),
		cmocka_unit_test(test_api_query_parse_ok),
		cmocka_unit_test(test_api_query_parse_errors),
		cmocka_unit_test(test_api_query_parse_oversize),
		cmocka_unit_test(test_api_query_parse_text_optional),
		cmocka_unit_test(test_json_out_shapes),
		cmocka_unit_test(test_json_out_overflow_sticky),
		cmocka_unit_test(test_api_status_http_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
