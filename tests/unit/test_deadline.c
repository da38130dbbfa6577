/*
 * Unit tests for httpd/deadline.c, the body-deadline watchdog, on a real
 * civetweb server on 127.0.0.1 (port 0: the kernel picks) with the watchdog's clock
 * stopped (httpd_deadlines_new_clock), so the interleavings are exact:
 * - the one rule: a deadline is overdue at its own millisecond;
 * - a body cut by the watchdog within the deadline's own millisecond is
 *   HTTPD_BODY_TIMEOUT (408), never HTTPD_BODY_INCOMPLETE (400): the
 *   watchdog cut at now >= deadline while the reader decided by reading
 *   the clock again (now > deadline), so a read cut in that millisecond
 *   was answered 400 body_incomplete (integration.registration, "slow
 *   body cut off", under load);
 * - a peer that stops sending before the deadline is
 *   HTTPD_BODY_INCOMPLETE, nothing cut;
 * - a whole body is HTTPD_BODY_OK.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "httpd/civet.h"
#include "httpd/deadline.h"

#define STOPPED_MS 1000000u	/* the stopped clock's time */
#define BODY_LEN 100u

static uint64_t
stopped_clock(void)
{
	return STOPPED_MS;
}

struct probe {
	struct httpd_deadlines *d;
	uint64_t budget_ms;
	atomic_int verdict;	/* enum httpd_body, -1 before a request */
	atomic_int cut;
};

static int
body_handler(struct mg_connection *conn, void *data)
{
	struct probe *p = data;
	char buf[BODY_LEN];
	int cut = -1;
	enum httpd_body b;

	b = httpd_read_body(p->d, conn, buf, sizeof(buf), p->budget_ms, &cut);
	atomic_store(&p->cut, cut);
	atomic_store(&p->verdict, (int)b);
	return 0;	/* not handled: civetweb answers 404 and closes */
}

/* POST a head announcing BODY_LEN bytes and then `send_len` of them;
 * close_early: then end the sending side (the body ends early),
 * otherwise keep it open and silent. Reads until the server closes. */
static void
post(unsigned port, size_t send_len, int close_early)
{
	static const char head[] = "POST /x HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n"
	    "Content-Length: 100\r\n\r\n";
	char body[BODY_LEN], buf[256];
	struct sockaddr_in sa;
	struct timeval tv = { 30, 0 };	/* a bound, not a judged time */
	int fd;

	memset(body, ' ', sizeof(body));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL),
	    (ssize_t)(sizeof(head) - 1));
	if (send_len > 0)
		assert_int_equal(send(fd, body, send_len, MSG_NOSIGNAL),
		    (ssize_t)send_len);
	if (close_early)
		(void)shutdown(fd, SHUT_WR);
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	(void)close(fd);
}

static void
run(struct probe *p, uint64_t budget_ms, size_t send_len, int close_early)
{
	struct civet_config c;
	struct civet *w = NULL;

	memset(&c, 0, sizeof(c));
	c.listen = "127.0.0.1:0";	/* the kernel picks: civet_port */
	c.threads = 2;
	c.timeout_ms = 30000;	/* civetweb's own timeout stays out of it */
	c.handler = body_handler;
	c.data = p;
	p->budget_ms = budget_ms;
	atomic_store(&p->verdict, -1);
	atomic_store(&p->cut, -1);
	assert_int_equal(civet_start(&c, &w), LIEN_OK);
	post(civet_port(w), send_len, close_early);
	civet_stop(w);		/* the handler has returned */
}

static void
test_deadline_overdue_rule(void **state)
{
	(void)state;
	assert_int_equal(httpd_deadline_overdue(1000, 999), 0);
	assert_int_equal(httpd_deadline_overdue(1000, 1000), 1);
	assert_int_equal(httpd_deadline_overdue(1000, 1001), 1);
	assert_int_equal(httpd_deadline_overdue(0, 0), 1);
	assert_true(httpd_deadlines_now(NULL) > 0);
}

static void
test_deadline_cut_is_timeout(void **state)
{
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(httpd_deadlines_new_clock(&p.d, stopped_clock),
	    LIEN_OK);
	assert_int_equal(httpd_deadlines_now(p.d), STOPPED_MS);
	/* Budget 0 on a stopped clock: the deadline is this very
	 * millisecond, and it never passes by the clock. Ten bytes come,
	 * then silence: only the watchdog's cut ends the read. */
	run(&p, 0, 10, 0);
	assert_int_equal(atomic_load(&p.cut), 1);
	assert_int_equal(atomic_load(&p.verdict), HTTPD_BODY_TIMEOUT);
	assert_int_equal(httpd_deadlines_cut(p.d), 1);
	httpd_deadlines_free(p.d);
}

static void
test_deadline_early_end_is_incomplete(void **state)
{
	struct probe p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(httpd_deadlines_new_clock(&p.d, stopped_clock),
	    LIEN_OK);
	run(&p, 60000, 10, 1);	/* the peer ends before the deadline */
	assert_int_equal(atomic_load(&p.cut), 0);
	assert_int_equal(atomic_load(&p.verdict), HTTPD_BODY_INCOMPLETE);
	assert_int_equal(httpd_deadlines_cut(p.d), 0);
	run(&p, 60000, BODY_LEN, 0);	/* the whole body */
	assert_int_equal(atomic_load(&p.cut), 0);
	assert_int_equal(atomic_load(&p.verdict), HTTPD_BODY_OK);
	httpd_deadlines_free(p.d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_overdue_rule),
		cmocka_unit_test(test_deadline_cut_is_timeout),
		cmocka_unit_test(test_deadline_early_end_is_incomplete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
