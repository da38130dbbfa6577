/*
 * Unit tests for client/fetch.c, the project's HTTP client, against the
 * scripted server (tests/unit/test_srv.h) on 127.0.0.1: what is sent (the
 * method, the path as given, a Host override, headers, the body, no
 * Expect), what is read (status line, body, cap), and every way an answer
 * can fail (404/410, another status, over the cap, a connection closed
 * without an answer, nobody listening). No test judges a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "client/fetch.h"
#include "tests/unit/test_srv.h"

static char g_url[128];

static const char *
url(const struct srv *s, const char *path)
{
	(void)snprintf(g_url, sizeof g_url, "http://127.0.0.1:%u%s", s->port,
	    path);
	return g_url;
}

static struct client *
client(void)
{
	struct client *c;

	assert_int_equal(client_new(NULL, &c), LIEN_OK);
	return c;
}

static void
test_client_request_get_as_is(void **state)
{
	static const enum script sc[] = { SC_REPLY_CLOSE };
	static const char *const hdrs[] = { "Host: signed.example:8443",
		"X-One: 1", NULL };
	struct srv s;
	struct client *c = client();
	struct client_request rq = { "GET", NULL, hdrs, NULL, 0, 100, 0 };
	struct client_reply r;

	(void)state;
	srv_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", sc,
	    1);
	rq.url = url(&s, "/a/../b/%2e/?x=1&y");
	assert_int_equal(client_request(c, &rq, &r), LIEN_OK);
	assert_int_equal(r.http, 200);
	assert_string_equal(r.status_line, "HTTP/1.1 200 OK");
	assert_int_equal(r.len, 5);
	assert_string_equal((const char *)r.body, "hello");
	srv_stop(&s);
	/* the path exactly as given (a signed request signed it), the Host
	 * override, no body, no Content-Length, no Expect */
	assert_non_null(strstr(s.req, "GET /a/../b/%2e/?x=1&y HTTP/1.1\r\n"));
	assert_non_null(strstr(s.req, "\r\nHost: signed.example:8443\r\n"));
	assert_non_null(strstr(s.req, "\r\nX-One: 1\r\n"));
	assert_null(strstr(s.req, "Content-Length"));
	assert_null(strstr(s.req, "Expect"));
	client_reply_clear(&r);
	client_free(c);
}

static void
test_client_request_methods_with_body(void **state)
{
	static const char *const methods[] = { "POST", "PUT", "DELETE" };
	static const enum script sc[] = { SC_REPLY, SC_REPLY, SC_REPLY };
	struct srv s;
	struct client *c = client();

	(void)state;
	srv_start(&s, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", sc,
	    3);
	for (size_t i = 0; i < 3; i++) {
		static const char body[] = "{\"a\":1}";
		struct client_request rq = { methods[i], url(&s, "/v1/x"), NULL,
			(const uint8_t *)body, sizeof body - 1, 100, 0 };
		struct client_reply r;
		char line[64];

		assert_int_equal(client_request(c, &rq, &r), LIEN_OK);
		assert_int_equal(r.http, 201);
		(void)snprintf(line, sizeof line, "%s /v1/x HTTP/1.1\r\n",
		    methods[i]);
		assert_memory_equal(s.req, line, strlen(line));
		assert_non_null(strstr(s.req, "\r\nContent-Length: 7\r\n"));
		assert_memory_equal(s.req + s.req_len - 7, body, 7);
		assert_null(strstr(s.req, "Expect"));
		client_reply_clear(&r);
	}
	srv_stop(&s);
	assert_int_equal(s.accepts, 1);		/* one kept-alive connection */
	client_free(c);
}

static void
test_client_request_statuses(void **state)
{
	static const struct {
		const char *reply;
		int any;
		enum lien_status st;
		long http;
	} cases[] = {
		{ "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnah", 0,
		  LIEN_ENOTFOUND, 404 },
		{ "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n", 0,
		  LIEN_ENOTFOUND, 410 },
		{ "HTTP/1.1 409 Conflict\r\nContent-Length: 3\r\n\r\nnah", 0,
		  LIEN_EIO, 409 },
		{ "HTTP/1.1 409 Conflict\r\nContent-Length: 3\r\n\r\nnah", 1,
		  LIEN_OK, 409 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 0,
		  LIEN_ETOOBIG, 200 },
	};
	static const enum script sc[] = { SC_REPLY_CLOSE };

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct srv s;
		struct client *c = client();
		struct client_request rq = { "GET", NULL, NULL, NULL, 0, 100,
			cases[i].any };
		struct client_reply r;

		srv_start(&s, cases[i].reply, sc, 1);
		rq.url = url(&s, "/t");
		assert_int_equal(client_request(c, &rq, &r), cases[i].st);
		assert_int_equal(r.http, cases[i].http);
		if (cases[i].st == LIEN_ETOOBIG) {
			assert_null(r.body);	/* nothing over the cap kept */
		} else {
			/* the body of a refusal is readable too */
			assert_non_null(r.body);
			assert_int_equal(r.len, strlen(strstr(cases[i].reply,
			    "\r\n\r\n") + 4));
		}
		client_reply_clear(&r);
		srv_stop(&s);
		client_free(c);
	}
}

static void
test_client_request_no_answer(void **state)
{
	static const enum script sc[] = { SC_CLOSE_AT_ONCE };
	struct srv s;
	struct client *c = client();
	struct client_request rq = { "GET", NULL, NULL, NULL, 0, 100, 1 };
	struct client_reply r;
	unsigned port;

	(void)state;
	srv_start(&s, "", sc, 1);
	rq.url = url(&s, "/t");
	assert_int_equal(client_request(c, &rq, &r), LIEN_ENET);
	assert_int_equal(r.http, 0);
	assert_null(r.body);
	assert_true(r.error[0] != '\0');
	srv_stop(&s);
	/* nobody listening any more on that port */
	port = s.port;
	(void)snprintf(g_url, sizeof g_url, "http://127.0.0.1:%u/t", port);
	rq.url = g_url;
	assert_int_equal(client_request(c, &rq, &r), LIEN_ENET);
	assert_true(r.error[0] != '\0');
	/* refused before sending: bad arguments */
	rq.url = NULL;
	assert_int_equal(client_request(c, &rq, &r), LIEN_EINVAL);
	rq.url = "http://127.0.0.1:1/";
	rq.body_len = 1;
	assert_int_equal(client_request(c, &rq, &r), LIEN_EINVAL);
	client_free(c);
}

/* The wrappers keep their contract: the body only on LIEN_OK. */
static void
test_client_get_post_wrappers(void **state)
{
	static const enum script sc[] = { SC_REPLY, SC_REPLY };
	static const char *const extra[] = { "Idempotency-Key: k/1", NULL };
	struct srv s;
	struct client *c = client();
	uint8_t *out = (uint8_t *)1;
	size_t len = 9;
	long http = 0;

	(void)state;
	srv_start(&s, "HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\nno", sc, 2);
	assert_int_equal(client_get(c, url(&s, "/g"), 100, &out, &len, &http),
	    LIEN_EIO);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(http, 500);
	assert_int_equal(client_post_any(c, url(&s, "/p"), "text/plain", extra,
	    (const uint8_t *)"x", 1, 100, &out, &len, &http), LIEN_OK);
	assert_int_equal(http, 500);
	assert_int_equal(len, 2);
	assert_non_null(strstr(s.req, "\r\nContent-Type: text/plain\r\n"));
	assert_non_null(strstr(s.req, "\r\nIdempotency-Key: k/1\r\n"));
	free(out);
	srv_stop(&s);
	client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_request_get_as_is),
		cmocka_unit_test(test_client_request_methods_with_body),
		cmocka_unit_test(test_client_request_statuses),
		cmocka_unit_test(test_client_request_no_answer),
		cmocka_unit_test(test_client_get_post_wrappers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
