/*
 * Unit tests for client/httpconn.c: the response-head parser (valid heads,
 * incomplete ones, and every refusal: empty, truncated, bad version or
 * status, obs-fold, bare LF, control bytes, missing/duplicate/non-
 * canonical Content-Length, Transfer-Encoding, too many lines, oversize,
 * a bit flip in each byte of a valid head), authority refusals, and the
 * connection against a scripted server thread on 127.0.0.1: the request
 * arrives whole, keep-alive reuse, a stale connection retried once,
 * Connection: close, a body over the cap, bytes past Content-Length, a
 * reply cut short, and a server that never answers. No test judges a
 * time: the silent server is bounded by the client's own timeout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/httpconn.h"
#include "tests/unit/test_srv.h"

#define S(x) (const uint8_t *)(x), (sizeof(x) - 1)

static enum lien_status LIEN_MUST_CHECK
parse(const char *s, struct httpconn_head *h)
{
	return httpconn_parse_head((const uint8_t *)s, strlen(s), h);
}

static void
test_httpconn_parse_head_valid(void **state)
{
	struct httpconn_head h;
	static const char created[] = "HTTP/1.1 201 Created\r\n"
	    "Content-Type: application/json\r\nContent-Length:  12 \t\r\n"
	    "Cache-Control: no-store\r\n\r\n{\"a\":1}";

	(void)state;
	assert_int_equal(httpconn_parse_head(S(created), &h), LIEN_OK);
	assert_int_equal(h.status, 201);
	assert_int_equal(h.content_length, 12);
	assert_int_equal(h.close, 0);
	assert_int_equal(h.head_len, strstr(created, "{") - created);

	assert_int_equal(parse("HTTP/1.1 400 \r\ncontent-length: 0\r\n"
	    "CONNECTION: keep-alive, Close\r\n\r\n", &h), LIEN_OK);
	assert_int_equal(h.status, 400);
	assert_int_equal(h.close, 1);
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n",
	    &h), LIEN_OK);
	assert_int_equal(h.close, 1);	/* HTTP/1.0: no keep-alive */
	assert_int_equal(parse("HTTP/1.1 599 x\r\nContent-Length: 0\r\n"
	    "Connection: closed\r\n\r\n", &h), LIEN_OK);
	assert_int_equal(h.close, 0);	/* a token, not a prefix */
}

static void
test_httpconn_parse_head_incomplete(void **state)
{
	static const char full[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
	    "\r\n";
	struct httpconn_head h;

	(void)state;
	/* empty and every truncation: not an error, just "read more" */
	for (size_t n = 0; n < sizeof(full) - 1; n++) {
		assert_int_equal(httpconn_parse_head((const uint8_t *)full, n,
		    &h), LIEN_OK);
		assert_int_equal(h.head_len, 0);
		assert_int_equal(h.status, 0);
	}
	assert_int_equal(httpconn_parse_head(NULL, 0, &h), LIEN_OK);
	assert_int_equal(h.head_len, 0);
	assert_int_equal(httpconn_parse_head(NULL, 1, &h), LIEN_EINVAL);
}

static void
test_httpconn_parse_head_refusals(void **state)
{
	static const struct {
		const char *s;
		enum lien_status st;
	} bad[] = {
		{ "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 20x OK\r\nContent-Length: 0\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 100 Continue\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 600 x\r\nContent-Length: 0\r\n\r\n", LIEN_EPARSE },
		{ "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\n\r\n", LIEN_EPARSE },	/* no length */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1"
		    "\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 01\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1 1\r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n"
		    "\r\n", LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n folded\r\n\r\n",
		    LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 0\r\n\r\n",
		    LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\n: 1\r\nContent-Length: 0\r\n\r\n",
		    LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nX: a\nb\r\nContent-Length: 0\r\n\r\n",
		    LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
		    LIEN_EPARSE },
		{ "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
		    LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nX: \x7f\r\nContent-Length: 0\r\n\r\n",
		    LIEN_EPARSE },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		    LIEN_EUNSUPPORTED },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\ntransfer-encoding: "
		    "identity\r\n\r\n", LIEN_EUNSUPPORTED },
	};
	static const struct httpconn_head zero;
	struct httpconn_head h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&h, 0xa5, sizeof(h));
		assert_int_equal(parse(bad[i].s, &h), bad[i].st);
		assert_memory_equal(&h, &zero, sizeof(h));
	}
}

static void
test_httpconn_parse_head_limits(void **state)
{
	size_t cap = 2 * HTTPCONN_HEAD_MAX, o;
	char *big = malloc(cap + 1);
	struct httpconn_head h;

	(void)state;
	assert_non_null(big);
	/* HTTPCONN_HEADERS_MAX lines pass, one more does not */
	for (unsigned n = HTTPCONN_HEADERS_MAX - 1; n <= HTTPCONN_HEADERS_MAX;
	    n++) {
		o = (size_t)snprintf(big, cap, "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 0\r\n");
		for (unsigned i = 0; i < n; i++)
			o += (size_t)snprintf(big + o, cap - o, "X-%u: v\r\n",
			    i);
		(void)snprintf(big + o, cap - o, "\r\n");
		assert_int_equal(parse(big, &h), n < HTTPCONN_HEADERS_MAX ?
		    LIEN_OK : LIEN_ETOOBIG);
	}
	/* no blank line within HTTPCONN_HEAD_MAX bytes */
	o = (size_t)snprintf(big, cap, "HTTP/1.1 200 OK\r\nX: ");
	memset(big + o, 'a', cap - o);
	big[cap] = 0;
	assert_int_equal(httpconn_parse_head((uint8_t *)big,
	    HTTPCONN_HEAD_MAX - 1, &h), LIEN_OK);
	assert_int_equal(h.head_len, 0);
	assert_int_equal(httpconn_parse_head((uint8_t *)big,
	    HTTPCONN_HEAD_MAX, &h), LIEN_ETOOBIG);
	assert_int_equal(httpconn_parse_head((uint8_t *)big, cap, &h),
	    LIEN_ETOOBIG);
	free(big);
}

/* Flip each bit of a valid head: whatever the verdict, a complete head
 * still ends inside the input with a 2xx-5xx status; flips in the fixed
 * version prefix are refused, and no flip outside the length's digit
 * changes the framing silently. */
static void
test_httpconn_parse_head_bitflips(void **state)
{
	static const char v[] = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
	    "\r\n";
	uint8_t b[sizeof(v) - 1];
	struct httpconn_head h;

	(void)state;
	for (size_t i = 0; i < sizeof(b); i++)
		for (int bit = 0; bit < 8; bit++) {
			enum lien_status st;

			memcpy(b, v, sizeof(b));
			b[i] ^= (uint8_t)(1u << bit);
			st = httpconn_parse_head(b, sizeof(b), &h);
			if (st != LIEN_OK || h.head_len == 0)
				continue;
			assert_true(h.head_len <= sizeof(b));
			assert_true(h.status >= 200 && h.status <= 599);
			/* "HTTP/1." and the SP after the version are fixed
			 * (index 7: 1.1 -> 1.0 is another valid version) */
			if (i < 7 || i == 8)
				fail_msg("flip at %zu accepted", i);
			/* a flipped name letter is either a case variant
			 * of Content-Length or no framing at all: only the
			 * digit itself (index 38) may change the length */
			if (h.content_length != 2)
				assert_int_equal(i, 38);
		}
}

static void
test_httpconn_new_refusals(void **state)
{
	static const char *const bad[] = { "", ":80", "host:", "host:8x",
		"host:123456", "[::1", "[::1]x", "[]:80", NULL };
	struct httpconn *c = (struct httpconn *)1;

	(void)state;
	for (size_t i = 0; bad[i] != NULL; i++) {
		assert_int_equal(httpconn_new(bad[i], 0, &c), LIEN_EINVAL);
		assert_null(c);
	}
	assert_int_equal(httpconn_new(NULL, 0, &c), LIEN_EINVAL);
	assert_int_equal(httpconn_new("h:1", -1, &c), LIEN_EINVAL);
	assert_int_equal(httpconn_new("[::1]:8080", 0, &c), LIEN_OK);
	httpconn_free(c);
	assert_int_equal(httpconn_new("localhost", 0, &c), LIEN_OK);
	httpconn_free(c);
	httpconn_free(NULL);
}

static enum lien_status LIEN_MUST_CHECK
post(struct httpconn *c, const char *body, uint8_t **out, size_t *len,
    long *http, size_t cap)
{
	static const char *const hdrs[] = { "Signature: sig1=:AAAA:",
		"X-Extra: 1", NULL };

	return httpconn_post(c, "/v1/mortgages", "application/json", hdrs,
	    (const uint8_t *)body, strlen(body), cap, out, len, http);
}

static struct httpconn *
conn_to(const struct srv *s, long timeout_ms)
{
	char auth[32];
	struct httpconn *c;

	(void)snprintf(auth, sizeof(auth), "127.0.0.1:%u", s->port);
	assert_int_equal(httpconn_new(auth, timeout_ms, &c), LIEN_OK);
	return c;
}

static void
test_httpconn_post_keepalive(void **state)
{
	static const enum script sc[] = { SC_REPLY, SC_REPLY, SC_REPLY };
	struct srv s;
	struct httpconn *c;
	uint8_t *out = NULL;
	size_t len = 0;
	long http = 0;
	char expect[256];

	(void)state;
	srv_start(&s, "HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n"
	    "{\"a\":1}", sc, 3);
	c = conn_to(&s, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(post(c, "{\"vin\":1}", &out, &len, &http,
		    1024), LIEN_OK);
		assert_int_equal(http, 201);
		assert_int_equal(len, 7);
		assert_string_equal((char *)out, "{\"a\":1}");	/* NUL after */
		free(out);
	}
	/* one connection, and the request bytes exactly as specified */
	assert_int_equal(s.accepts, 1);
	(void)snprintf(expect, sizeof(expect), "POST /v1/mortgages HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%u\r\nContent-Type: application/json\r\n"
	    "Content-Length: 9\r\nSignature: sig1=:AAAA:\r\nX-Extra: 1\r\n"
	    "\r\n{\"vin\":1}", s.port);
	assert_int_equal(s.req_len, strlen(expect));
	assert_memory_equal(s.req, expect, s.req_len);
	httpconn_free(c);
	srv_stop(&s);
}

static void
test_httpconn_post_reconnects(void **state)
{
	/* 1: the server drops the connection after replying (as a keep-
	 * alive timeout does); 2: the stale connection gets no byte, the
	 * request goes again on a new one; 3: Connection: close is obeyed
	 * by the client itself. */
	static const enum script sc[] = { SC_REPLY_CLOSE, SC_REPLY,
		SC_REPLY };
	struct srv s;
	struct httpconn *c;
	uint8_t *out = NULL;
	size_t len = 0;
	long http = 0;

	(void)state;
	srv_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", sc, 3);
	c = conn_to(&s, 0);
	assert_int_equal(post(c, "{}", &out, &len, &http, 64), LIEN_OK);
	free(out);
	/* the server has closed (or closes with this request unread):
	 * no byte comes back, so the request goes again, once */
	assert_int_equal(post(c, "{}", &out, &len, &http, 64), LIEN_OK);
	assert_int_equal(http, 200);
	assert_memory_equal(out, "ok", 2);
	free(out);
	assert_int_equal(s.accepts, 2);
	httpconn_free(c);
	srv_stop(&s);

	{
		static const enum script sc2[] = { SC_REPLY, SC_REPLY };

		srv_start(&s, "HTTP/1.1 409 Conflict\r\nConnection: close\r\n"
		    "Content-Length: 0\r\n\r\n", sc2, 2);
		c = conn_to(&s, 0);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(post(c, "{}", &out, &len, &http, 64),
			    LIEN_OK);
			assert_int_equal(http, 409);
			assert_null(out);
			assert_int_equal(len, 0);
		}
		assert_int_equal(s.accepts, 2);
		httpconn_free(c);
		srv_stop(&s);
	}
}

static void
test_httpconn_post_refusals(void **state)
{
	static const struct {
		const char *reply;
		enum script sc;
		enum lien_status st;
	} cases[] = {
		/* over the cap of 8 */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789",
		    SC_REPLY, LIEN_ETOOBIG },
		/* bytes past Content-Length: a framing error */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n12", SC_REPLY,
		    LIEN_EPARSE },
		/* cut short */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12",
		    SC_REPLY_CLOSE, LIEN_ENET },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "0\r\n\r\n", SC_REPLY, LIEN_EUNSUPPORTED },
		{ "garbage\r\n\r\n", SC_REPLY, LIEN_EPARSE },
		/* a fresh connection closed at once: no retry */
		{ "", SC_CLOSE_AT_ONCE, LIEN_ENET },
		/* silence: the client's timeout ends it */
		{ "", SC_SILENT, LIEN_ENET },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct srv s;
		struct httpconn *c;
		uint8_t *out = (uint8_t *)1;
		size_t len = 1;
		long http = 1;

		srv_start(&s, cases[i].reply, &cases[i].sc, 1);
		c = conn_to(&s, 300);
		assert_int_equal(post(c, "{}", &out, &len, &http, 8),
		    cases[i].st);
		assert_null(out);
		assert_int_equal(len, 0);
		assert_int_equal(s.accepts, 1);
		httpconn_free(c);
		srv_stop(&s);
	}
}

static void
test_httpconn_post_bad_args(void **state)
{
	struct httpconn *c;
	uint8_t *out;
	size_t len;
	long http;
	static const char *const crlf[] = { "X: a\r\nY: b", NULL };

	(void)state;
	assert_int_equal(httpconn_new("127.0.0.1:9", 0, &c), LIEN_OK);
	assert_int_equal(httpconn_post(c, "nopath", "a/b", NULL, NULL, 0, 8,
	    &out, &len, &http), LIEN_EINVAL);
	assert_int_equal(httpconn_post(c, "/a b", "a/b", NULL, NULL, 0, 8,
	    &out, &len, &http), LIEN_EINVAL);
	assert_int_equal(httpconn_post(c, "/a", "a/b\r\nX: y", NULL, NULL, 0,
	    8, &out, &len, &http), LIEN_EINVAL);
	assert_int_equal(httpconn_post(c, "/a", "a/b", crlf, NULL, 0, 8,
	    &out, &len, &http), LIEN_EINVAL);
	assert_int_equal(httpconn_post(c, "/a", "a/b", NULL, NULL, 3, 8,
	    &out, &len, &http), LIEN_EINVAL);
	assert_int_equal(httpconn_post(NULL, "/a", "a/b", NULL, NULL, 0, 8,
	    &out, &len, &http), LIEN_EINVAL);
	httpconn_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_httpconn_parse_head_valid),
		cmocka_unit_test(test_httpconn_parse_head_incomplete),
		cmocka_unit_test(test_httpconn_parse_head_refusals),
		cmocka_unit_test(test_httpconn_parse_head_limits),
		cmocka_unit_test(test_httpconn_parse_head_bitflips),
		cmocka_unit_test(test_httpconn_new_refusals),
		cmocka_unit_test(test_httpconn_post_keepalive),
		cmocka_unit_test(test_httpconn_post_reconnects),
		cmocka_unit_test(test_httpconn_post_refusals),
		cmocka_unit_test(test_httpconn_post_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
