/*
 * A scripted HTTP server for the client tests (header-only; include after
 * <cmocka.h>): a thread on 127.0.0.1 that accepts connections, reads each
 * request whole (head, then Content-Length bytes) and answers it as its
 * script says, keeping the last request for the test to inspect. Used by
 * test_httpconn.c and test_fetch.c.
 */
#ifndef LIEN_TESTS_UNIT_TEST_SRV_H
#define LIEN_TESTS_UNIT_TEST_SRV_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum script {
	SC_REPLY,		/* the reply, keep the connection */
	SC_REPLY_CLOSE,		/* the reply, then close (no header says so) */
	SC_CLOSE_AT_ONCE,	/* read the request, close without a byte */
	SC_SILENT,		/* read the request, answer nothing */
};

struct srv {
	int lfd;
	unsigned port;
	pthread_t th;
	const char *reply;	/* bytes sent for SC_REPLY* */
	enum script script[8];
	size_t nscript;
	unsigned accepts;
	char req[8192];		/* the last request, as received */
	size_t req_len;
};

/* Read one request: head, then Content-Length bytes. 0 on EOF. */
static inline size_t
read_request(int fd, struct srv *s)
{
	size_t have = 0;
	char *e;

	for (;;) {
		ssize_t n = recv(fd, s->req + have, sizeof(s->req) - 1 - have,
		    0);

		if (n <= 0)
			return 0;
		have += (size_t)n;
		s->req[have] = 0;
		if ((e = strstr(s->req, "\r\n\r\n")) != NULL) {
			const char *cl = strstr(s->req, "Content-Length: ");
			size_t want = (size_t)(e + 4 - s->req) +
			    (cl ? strtoul(cl + 16, NULL, 10) : 0);

			if (have >= want) {
				s->req_len = have;
				return have;
			}
		}
	}
}

static inline void *
srv_main(void *arg)
{
	struct srv *s = arg;
	size_t k = 0;

	while (k < s->nscript) {
		int fd = accept(s->lfd, NULL, NULL);

		if (fd < 0)
			break;
		s->accepts++;
		while (k < s->nscript && read_request(fd, s) > 0) {
			enum script sc = s->script[k++];

			if (sc == SC_SILENT) {
				char sink[64];

				while (recv(fd, sink, sizeof(sink), 0) > 0)
					;	/* until the client gives up */
				break;
			}
			if (sc == SC_CLOSE_AT_ONCE)
				break;
			assert_true(send(fd, s->reply, strlen(s->reply),
			    MSG_NOSIGNAL) == (ssize_t)strlen(s->reply));
			if (sc == SC_REPLY_CLOSE)
				break;
		}
		close(fd);
	}
	return NULL;
}

static inline void
srv_start(struct srv *s, const char *reply, const enum script *sc, size_t n)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->reply = reply;
	memcpy(s->script, sc, n * sizeof(*sc));
	s->nscript = n;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 8), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static inline void
srv_stop(struct srv *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->lfd);
}

#endif
