/*
 * Unit tests for httpd/civet.c, civetweb's start and stop for both HTTP
 * servers: the listen-address grammar (accepted forms, port 0 among them,
 * and every refusal: empty, no port, port 65536, leading zeros, signs,
 * trailing bytes, hostnames, IPv6, civetweb's own list and 's'/'r'
 * suffixes), bad configurations, and real servers on 127.0.0.1 port 0:
 * civet_port names the port the kernel picked (two servers, two ports),
 * the handler is reached with its argument there, a second server on that
 * very port fails with LIEN_EIO and civetweb's message reaches the log
 * callback, stop is clean; the --port-file writer (whole number or
 * nothing, replaced whole, refusals leave it as it was, no temporary
 * file left behind).
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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "httpd/civet.h"
#include "common/lien_limits.h"

static void
test_civet_listen_ok(void **state)
{
	static const char *const good[] = {
		"127.0.0.1:8080", "0.0.0.0:1", "10.1.2.3:65535",
		"127.0.0.1:0",	/* the kernel picks (civet_port) */
	};
	static const char *const bad[] = {
		"", ":", "127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:00",
		"127.0.0.1:080",
		"127.0.0.1:65536", "127.0.0.1:+80", "127.0.0.1:-80",
		"127.0.0.1:80x", "127.0.0.1:80 ", " 127.0.0.1:80",
		"localhost:80", "[::1]:80", "::1:80", "127.0.0.1:80s",
		"127.0.0.1:80r", "127.0.0.1:80,127.0.0.1:81", "127.0.0.1:8o",
		"127.0.0.256:80", "127.0.1:80",
		"1234567890123456789:80",
		"127.0.0.1:99999999999999999999999",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(civet_listen_ok(good[i]), 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (civet_listen_ok(bad[i]) != 0)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(civet_listen_ok(NULL), 0);
}

static atomic_int hits;

static int
count_handler(struct mg_connection *conn, void *data)
{
	(void)conn;
	atomic_fetch_add(&hits, *(int *)data);
	return 0;	/* not handled: civetweb answers 404 itself */
}

static char logged[512];

static void
keep_log(void *ctx, const char *msg)
{
	(void)ctx;
	(void)snprintf(logged, sizeof(logged), "%s", msg);
}

static struct civet_config
config(const char *listen, int *arg)
{
	struct civet_config c;

	memset(&c, 0, sizeof(c));
	c.listen = listen;
	c.threads = 2;
	c.timeout_ms = 5000;
	c.handler = count_handler;
	c.data = arg;
	c.log = keep_log;
	return c;
}

static void
test_civet_bad_config(void **state)
{
	int one = 1;
	struct civet_config c;
	struct civet *w = (struct civet *)&one;

	(void)state;
	assert_int_equal(civet_start(NULL, &w), LIEN_EINVAL);
	assert_null(w);
	c = config("127.0.0.1:0", &one);
	assert_int_equal(civet_start(&c, NULL), LIEN_EINVAL);
	c = config("127.0.0.1:65536", &one);
	assert_int_equal(civet_start(&c, &w), LIEN_EINVAL);
	c = config("127.0.0.1:8080x", &one);
	assert_int_equal(civet_start(&c, &w), LIEN_EINVAL);
	c = config(NULL, &one);
	assert_int_equal(civet_start(&c, &w), LIEN_EINVAL);
	c = config("127.0.0.1:1", &one);
	c.threads = 0;
	assert_int_equal(civet_start(&c, &w), LIEN_EINVAL);
	c.threads = API_THREADS_MAX + 1;
	assert_int_equal(civet_start(&c, &w), LIEN_EINVAL);
	c = config("127.0.0.1:1", &one);
	c.timeout_ms = 0;
	assert_int_equal(civet_start(&c, &w), LIEN_EINVAL);
	c = config("127.0.0.1:1", &one);
	c.handler = NULL;
	assert_int_equal(civet_start(&c, &w), LIEN_EINVAL);
	assert_null(w);
	assert_int_equal(civet_port(NULL), 0);
	civet_stop(NULL);
}

/* One GET over a fresh connection; the status line's code, or -1. */
static int
get_status(unsigned port)
{
	static const char req[] = "GET /x HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n";
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };	/* a bound, not a judged time */
	char buf[256];
	size_t have = 0;
	ssize_t n;
	int fd, code = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(req) - 1)) {
		(void)close(fd);
		return -1;
	}
	while (have < sizeof(buf) - 1 &&
	    (n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	(void)close(fd);
	if (sscanf(buf, "HTTP/1.1 %d ", &code) != 1)
		return -1;
	return code;
}

static void
test_civet_serves_and_stops(void **state)
{
	int seven = 7;
	char listen[32];
	struct civet_config c;
	struct civet *w = NULL, *w2 = NULL;
	unsigned port;

	(void)state;
	/* Port 0: the kernel picks as civetweb binds, civet_port says
	 * which; nothing guessed a free port that another process could
	 * take before the bind. */
	c = config("127.0.0.1:0", &seven);
	atomic_store(&hits, 0);
	assert_int_equal(civet_start(&c, &w), LIEN_OK);
	port = civet_port(w);
	assert_true(port > 0 && port <= 65535);
	assert_int_equal(get_status(port), 404);
	assert_int_equal(atomic_load(&hits), 7);	/* with its argument */

	/* Port 0 again: another port, both served. */
	assert_int_equal(civet_start(&c, &w2), LIEN_OK);
	assert_true(civet_port(w2) > 0 && civet_port(w2) != port);
	assert_int_equal(get_status(civet_port(w2)), 404);
	assert_int_equal(get_status(port), 404);
	civet_stop(w2);
	w2 = NULL;

	/* The bound port by number: civetweb refuses, and says why. */
	(void)snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	c = config(listen, &seven);
	logged[0] = '\0';
	assert_int_equal(civet_start(&c, &w2), LIEN_EIO);
	assert_null(w2);
	assert_true(logged[0] != '\0');

	civet_stop(w);
	assert_int_equal(get_status(port), -1);	/* nobody listens */
}

/* The whole file at path into buf (NUL-terminated); its length, or -1. */
static long
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

static void
test_civet_port_file_write(void **state)
{
	char dir[] = "/tmp/lienlog-test-portfile-XXXXXX";
	char path[128], tmp[128], bad[128], buf[32];

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/port", dir);
	(void)snprintf(tmp, sizeof(tmp), "%s/port.tmp", dir);
	(void)snprintf(bad, sizeof(bad), "%s/missing/port", dir);
	assert_int_equal(civet_port_file_write(path, 8080), LIEN_OK);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "8080\n");
	/* replaced whole (a stale file of a killed server, say) */
	assert_int_equal(civet_port_file_write(path, 65535), LIEN_OK);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "65535\n");
	assert_int_equal(access(tmp, F_OK), -1);
	/* refusals leave the file as it was */
	assert_int_equal(civet_port_file_write(path, 0), LIEN_EINVAL);
	assert_int_equal(civet_port_file_write(path, 65536), LIEN_EINVAL);
	assert_int_equal(civet_port_file_write(NULL, 80), LIEN_EINVAL);
	assert_int_equal(civet_port_file_write(bad, 80), LIEN_EIO);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 6);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* nothing else left */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civet_listen_ok),
		cmocka_unit_test(test_civet_bad_config),
		cmocka_unit_test(test_civet_serves_and_stops),
		cmocka_unit_test(test_civet_port_file_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
